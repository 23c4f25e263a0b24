/* cmd_test_alert.c — `newswatch test-alert [CHANNEL]`: sends a sample alert
 * through the real channel(s), outside the outbox, and says exactly what
 * happened. Nothing is queued or remembered. */
#include <stdio.h>
#include <string.h>

#include "channel.h"
#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "match.h"

struct probe {
	GMainLoop *loop;
	gboolean finished;
	struct delivery_result result;
};

static void
on_result(const struct delivery_result *r, void *user)
{
	struct probe *p = user;

	p->result.status = r->status;
	p->result.retry_after = r->retry_after;
	p->result.error = g_strdup(r->error);
	p->finished = TRUE;
	if (p->loop)
		g_main_loop_quit(p->loop);
}

static gboolean
on_timeout(gpointer user)
{
	g_main_loop_quit(((struct probe *)user)->loop);
	return G_SOURCE_REMOVE;
}

static struct alert *
sample_alert(const char *channel, enum priority prio)
{
	struct alert *a = alert_new();
	struct match *m = g_new0(struct match, 1);

	a->feed = g_strdup("newswatch");
	a->feed_title = g_strdup("newswatch test");
	a->title = g_strdup_printf("Test alert from newswatch for channel \"%s\"", channel);
	a->link = g_strdup("https://example.org/newswatch-test-alert");
	a->id = g_strdup("newswatch-test-alert");
	a->published = g_get_real_time() / G_USEC_PER_SEC;
	a->priority = prio;
	m->entry = g_strdup("Test entry");
	m->list = g_strdup("test");
	m->term = g_strdup("test alert");
	m->field = g_strdup("title");
	m->snippet = g_strdup("if you can read this, the [[test alert]] arrived");
	m->priority = prio;
	g_ptr_array_add(a->matches, m);
	return a;
}

/* 0 delivered, 1 failed. */
static int
probe_channel(const struct config *cfg, const struct channel_config *cc, enum priority prio,
              int timeout_s)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct probe p = { 0 };
	struct channel *ch = channel_open(cfg, cc, errors);
	struct alert *a;
	GSource *t;
	int rc = 1;

	if (ch == NULL) {
		for (guint i = 0; i < errors->len; i++)
			fprintf(stderr, "%s\n", (char *)errors->pdata[i]);
		g_ptr_array_unref(errors);
		return 1;
	}
	a = sample_alert(cc->name, prio);
	p.loop = g_main_loop_new(NULL, FALSE);
	t = g_timeout_source_new_seconds((guint)timeout_s);
	g_source_set_callback(t, on_timeout, &p, NULL);
	g_source_attach(t, NULL);
	channel_deliver(ch, &a, 1, NULL, on_result, &p);
	if (!p.finished)
		g_main_loop_run(p.loop);
	g_source_destroy(t);
	g_source_unref(t);
	if (!p.finished) {
		printf("channel \"%s\": no answer within %d s\n", cc->name, timeout_s);
	} else if (p.result.status == DELIVERY_OK) {
		printf("channel \"%s\" (%s): delivered\n", cc->name, cc->type);
		rc = 0;
	} else {
		printf("channel \"%s\" (%s): %s failure: %s\n", cc->name, cc->type,
		       p.result.status == DELIVERY_TEMPORARY ? "temporary" : "permanent",
		       p.result.error ? p.result.error : "unknown error");
	}
	/* Closing aborts a transfer still running after the timeout. */
	channel_close(ch);
	alert_free(a);
	g_free(p.result.error);
	g_main_loop_unref(p.loop);
	g_ptr_array_unref(errors);
	return rc;
}

int
cmd_test_alert(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	struct config *cfg = NULL;
	char *prio_s = NULL;
	int timeout_s = 60;
	enum priority prio = PRIORITY_NORMAL;
	const GOptionEntry entries[] = {
		{ "priority", 'p', 0, G_OPTION_ARG_STRING, &prio_s,
		  "Priority of the sample alert (low, normal, high, urgent)", "P" },
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s, "Seconds to wait per channel (60)", "S" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	guint tried = 0, failed = 0;
	int rc;

	if (cli_parse(&cli, "test-alert", "[CHANNEL...]",
	              "Send a sample alert through every channel, or the named ones, and report the result.",
	              entries, &argc, &argv) < 0)
		return EXIT_USAGE;
	if (prio_s && priority_parse(prio_s, &prio) < 0) {
		fprintf(stderr, "newswatch test-alert: unknown priority \"%s\"\n", prio_s);
		rc = EXIT_USAGE;
		goto out;
	}
	if (timeout_s < 1)
		timeout_s = 1;
	log_init(cli.verbose);
	if ((rc = cli_load_config(&cli, &cfg, NULL)) != EXIT_OK)
		goto out;
	for (int i = 1; i < argc; i++) {
		gboolean found = FALSE;

		for (guint j = 0; j < cfg->channels->len; j++)
			found |= strcmp(((struct channel_config *)cfg->channels->pdata[j])->name, argv[i]) == 0;
		if (!found) {
			fprintf(stderr, "newswatch test-alert: no [channel %s] in %s\n", argv[i], cfg->path);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	for (guint j = 0; j < cfg->channels->len; j++) {
		const struct channel_config *cc = cfg->channels->pdata[j];
		gboolean wanted = argc < 2;

		for (int i = 1; i < argc; i++)
			wanted |= strcmp(cc->name, argv[i]) == 0;
		if (!wanted)
			continue;
		tried++;
		failed += (guint)probe_channel(cfg, cc, prio, timeout_s);
	}
	if (tried == 0) {
		fprintf(stderr, "newswatch test-alert: %s has no [channel NAME] sections\n", cfg->path);
		rc = EXIT_CONFIG;
	} else {
		rc = failed ? EXIT_FAILURE_ : EXIT_OK;
	}
out:
	config_free(cfg);
	g_free(prio_s);
	cli_common_clear(&cli);
	return rc;
}
