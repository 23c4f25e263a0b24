/* cmd_outbox.c — `newswatch outbox`: what is waiting or failed, and
 * `newswatch outbox retry [CHANNEL]` to queue failed deliveries again. */
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "store_outbox.h"

static char *
when(gint64 t)
{
	GDateTime *dt;
	char *s;

	if (t <= 0)
		return g_strdup("-");
	dt = g_date_time_new_from_unix_local(t);
	s = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
	g_date_time_unref(dt);
	return s;
}

static char *
alert_title(const char *json)
{
	json_t *j = json_loads(json ? json : "", 0, NULL);
	const char *t = j ? json_string_value(json_object_get(j, "title")) : NULL;
	GString *out = g_string_new(NULL);

	/* Feed text on a terminal: printable characters only. */
	for (const char *p = t ? t : "(unreadable)"; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c))
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, c);
	}
	if (j)
		json_decref(j);
	return g_string_free(out, FALSE);
}

static int
list(struct store *s, gboolean json, gboolean all)
{
	static const char *const waiting[] = { "pending", "failed", "given_up", NULL };
	static const char *const every[] = { "pending", "failed", "given_up", "sent", NULL };
	GPtrArray *rows = store_deliveries_list(s, all ? every : waiting);

	if (rows == NULL)
		return EXIT_STATE;
	if (!json && rows->len == 0)
		printf("outbox empty: nothing pending or failed\n");
	else if (!json)
		printf("%-7s %-14s %-9s %4s  %-19s  %s\n", "ALERT", "CHANNEL", "STATE", "TRY", "NEXT TRY",
		       "TITLE / LAST ERROR");
	for (guint i = 0; i < rows->len; i++) {
		const struct delivery_row *r = rows->pdata[i];
		char *title = alert_title(r->json);

		if (json) {
			json_t *o = json_pack("{s:I,s:s,s:s,s:i,s:I,s:s?,s:s?,s:s}", "alert", (json_int_t)r->alert,
			                      "channel", r->channel, "state", r->state, "attempts", r->attempts,
			                      "next_try", (json_int_t)r->next_try, "last_error", r->last_error,
			                      "held", r->held, "title", title);
			char *line = json_dumps(o, JSON_COMPACT);

			printf("%s\n", line);
			free(line);
			json_decref(o);
		} else {
			char *next = strcmp(r->state, "pending") == 0 ? when(r->next_try) : g_strdup("-");

			printf("%-7" G_GINT64_FORMAT " %-14s %-9s %4d  %-19s  %s%s%s%s\n", r->alert, r->channel,
			       r->state, r->attempts, next, title, r->held ? " [held: " : "",
			       r->held ? r->held : "", r->held ? "]" : "");
			if (r->last_error)
				printf("%47s  %s\n", "", r->last_error);
			g_free(next);
		}
		g_free(title);
	}
	g_ptr_array_unref(rows);
	return EXIT_OK;
}

int
cmd_outbox(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	struct config *cfg = NULL;
	struct store *s = NULL;
	gboolean all = FALSE;
	const GOptionEntry entries[] = {
		{ "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Also list sent deliveries", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc, n;

	if (cli_parse(&cli, "outbox", "[retry [CHANNEL]]",
	              "List pending and failed deliveries; 'retry' queues failed ones again.",
	              entries, &argc, &argv) < 0)
		return EXIT_USAGE;
	if (argc > 1 && strcmp(argv[1], "retry") != 0) {
		fprintf(stderr, "newswatch outbox: unknown action \"%s\" (expected retry)\n", argv[1]);
		rc = EXIT_USAGE;
		goto out;
	}
	if (argc > 3) {
		fprintf(stderr, "newswatch outbox retry: one channel at most\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = cli_load_config(&cli, &cfg, NULL)) != EXIT_OK)
		goto out;
	if ((rc = cli_open_store(&cli, cfg, &s)) != EXIT_OK)
		goto out;
	if (argc > 1) {
		n = store_deliveries_retry(s, argc > 2 ? argv[2] : NULL, g_get_real_time() / G_USEC_PER_SEC);
		if (n < 0) {
			rc = EXIT_STATE;
			goto out;
		}
		printf("%d deliver%s queued again; the daemon (or the next 'newswatch once') sends %s\n",
		       n, n == 1 ? "y" : "ies", n == 1 ? "it" : "them");
	} else {
		rc = list(s, cli.json, all);
	}
out:
	store_close(s);
	config_free(cfg);
	cli_common_clear(&cli);
	return rc;
}
