/* cmd_once.c — `newswatch once`: poll every feed once, print new alerts,
 * deliver them, and say what happened. The same pipeline as the daemon. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "outbox.h"
#include "store_outbox.h"
#include "pipeline.h"

struct once {
	struct cli_common cli;
	gboolean quiet;
	GMainLoop *loop;
	guint feeds_total, feeds_done, feeds_failed;
	guint alerts, seen, new_items, backfilled;
	gboolean progress;         /* stderr is a terminal */
	struct outbox *outbox;     /* NULL on a dry run */
};

static void
print_alert(const struct alert *a, void *user)
{
	struct once *o = user;

	o->alerts++;
	if (o->quiet)
		return;
	if (o->progress)
		fputs("\r\033[K", stderr);
	if (o->cli.json) {
		json_t *j = alert_to_json(a);
		char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);

		printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		char *s = alert_to_text(a);

		fputs(s, stdout);
		g_free(s);
	}
	fflush(stdout);
}

static int
queue_alert(struct alert *a, void *user)
{
	struct once *o = user;

	return o->outbox && outbox_enqueue(o->outbox, a) < 0 ? -1 : 0;
}

static void
poll_done(const struct poll_report *r, void *user)
{
	struct once *o = user;

	o->feeds_done++;
	if (!r->ok)
		o->feeds_failed++;
	o->seen += r->seen_items;
	o->new_items += r->new_items;
	o->backfilled += r->backfilled;
	if (o->progress)
		fprintf(stderr, "\r\033[K%u/%u feeds, %u alerts", o->feeds_done, o->feeds_total, o->alerts);
	if (o->feeds_done == o->feeds_total)
		g_main_loop_quit(o->loop);
}

int
cmd_once(int argc, char **argv)
{
	struct once o = { 0 };
	gboolean dry_run = FALSE, seed = FALSE;
	char **only = NULL;
	const GOptionEntry entries[] = {
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
		  "Fetch, match and print, but remember nothing and deliver nothing", NULL },
		{ "seed", 0, 0, G_OPTION_ARG_NONE, &seed,
		  "Record every current item as seen without alerting", NULL },
		{ "feed", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &only, "Poll only this feed (repeatable)", "NAME" },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &o.quiet, "Print only the summary", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct config *cfg = NULL;
	struct watchlists *wl = NULL;
	struct store *store = NULL;
	struct matcher *matcher = NULL;
	struct fetcher *fetcher = NULL;
	struct pipeline *pipe = NULL;
	struct fetch_options fo;
	struct pipeline_options po = { 0 };
	struct pipeline_hooks hooks = { queue_alert, print_alert, poll_done, &o };
	guint pending = 0;
	gboolean delivery_failed = FALSE;
	int rc;

	if (cli_parse(&o.cli, "once", NULL, "Poll every configured feed once; print and deliver new alerts.",
	              entries, &argc, &argv) < 0)
		return EXIT_USAGE;
	if ((rc = cli_load_config(&o.cli, &cfg, &wl)) != EXIT_OK)
		goto out;
	for (char **n = only; n && *n; n++) {
		gboolean found = FALSE;

		for (guint i = 0; i < cfg->feeds->len; i++)
			found |= g_strcmp0(((struct feed_config *)g_ptr_array_index(cfg->feeds, i))->name, *n) == 0;
		if (!found) {
			fprintf(stderr, "newswatch once: no feed named \"%s\" in %s\n", *n, cfg->path);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if ((rc = cli_open_store(&o.cli, cfg, &store)) != EXIT_OK)
		goto out;
	if (!dry_run) {
		GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);

		o.outbox = outbox_new(cfg, store, NULL, errors);
		for (guint i = 0; i < errors->len; i++)
			fprintf(stderr, "%s\n", (const char *)g_ptr_array_index(errors, i));
		g_ptr_array_unref(errors);
		if (o.outbox == NULL) {
			rc = EXIT_CONFIG;
			goto out;
		}
	}
	matcher = matcher_new(wl);
	cli_fetch_options(&fo, cfg);
	fetcher = fetcher_new(NULL, &fo);
	if (fetcher == NULL) {
		fprintf(stderr, "newswatch once: cannot set up libcurl for fetching\n");
		rc = EXIT_FAILURE_;
		goto out;
	}
	po.dry_run = dry_run;
	po.seed = seed;
	pipe = pipeline_new(cfg, store, matcher, fetcher, &po, &hooks);
	o.loop = g_main_loop_new(NULL, FALSE);
	o.progress = isatty(STDERR_FILENO) && !o.quiet;

	for (guint i = 0; i < cfg->feeds->len; i++) {
		const struct feed_config *fc = g_ptr_array_index(cfg->feeds, i);

		if (fc->enabled && (only == NULL || g_strv_contains((const char *const *)only, fc->name)))
			o.feeds_total++;
	}
	for (guint i = 0; i < cfg->feeds->len; i++) {
		const struct feed_config *fc = g_ptr_array_index(cfg->feeds, i);

		if (fc->enabled && (only == NULL || g_strv_contains((const char *const *)only, fc->name)))
			pipeline_poll(pipe, fc);
	}
	if (o.feeds_done < o.feeds_total)
		g_main_loop_run(o.loop);
	if (o.progress)
		fputs("\r\033[K", stderr);
	if (!dry_run && store_prune(store, g_get_real_time() / G_USEC_PER_SEC, cfg->retention_days) < 0)
		log_warnx("state database: pruning old items failed: %s", store_errmsg(store));
	/* Deliver what is due now (earlier runs' leftovers too); later retries
	 * stay queued in the database for the next run or the daemon. */
	if (o.outbox) {
		int failed_before = store_deliveries_count(store, "failed");

		pending = outbox_run(o.outbox, 0);
		/* A delivery that failed for good in this run makes the run fail. */
		if (failed_before >= 0 && store_deliveries_count(store, "failed") > failed_before)
			delivery_failed = TRUE;
		if (pending > 0)
			fprintf(stderr, "newswatch: %u deliver%s queued for later (retry, digest or quiet hours; "
			        "see 'newswatch outbox')\n",
			        pending, pending == 1 ? "y" : "ies");
	}

	fprintf(o.cli.json ? stderr : stdout, "%u new alert%s, %u item%s already seen",
	        o.alerts, o.alerts == 1 ? "" : "s", o.seen, o.seen == 1 ? "" : "s");
	if (o.backfilled)
		fprintf(o.cli.json ? stderr : stdout, ", %u old item%s recorded without alerting",
		        o.backfilled, o.backfilled == 1 ? "" : "s");
	if (o.feeds_failed)
		fprintf(o.cli.json ? stderr : stdout, ", %u of %u feed%s failed", o.feeds_failed,
		        o.feeds_total, o.feeds_total == 1 ? "" : "s");
	fprintf(o.cli.json ? stderr : stdout, "%s\n", dry_run ? " (dry run: nothing remembered)" : "");
	if (delivery_failed)
		fprintf(stderr, "newswatch: some deliveries failed for good (see 'newswatch outbox')\n");
	rc = o.feeds_failed || delivery_failed ? EXIT_FAILURE_ : EXIT_OK;
out:
	if (o.loop)
		g_main_loop_unref(o.loop);
	pipeline_free(pipe);
	outbox_free(o.outbox);
	fetcher_free(fetcher);
	matcher_free(matcher);
	store_close(store);
	watchlists_free(wl);
	config_free(cfg);
	g_strfreev(only);
	cli_common_clear(&o.cli);
	return rc;
}
