/* cmd_history.c — `newswatch history`: past alerts with their stories and
 * every outlet that has carried the story since. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "alert.h"

/* --since: "2026-11-01", an RFC 3339 time, or an age such as "7d" or "12h".
 * Returns Unix seconds, or -1 when s is none of these. */
static gint64
parse_since(const char *s, gint64 now)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *dt = NULL;
	gint64 t = -1;
	long age;
	int y, m, d;
	char tail;

	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3)
		dt = g_date_time_new(utc, y, m, d, 0, 0, 0);
	else
		dt = g_date_time_new_from_iso8601(s, utc);
	if (dt) {
		t = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
	} else if ((age = config_parse_duration(s)) >= 0) {
		t = now - age;
	}
	g_time_zone_unref(utc);
	return t;
}

static void
print_text(const struct history_entry *h, struct alert *a)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(h->created);
	char *when = g_date_time_format(dt, "%Y-%m-%d %H:%M UTC");
	char *body = alert_to_text(a);

	/* alert_to_text lists the other outlets ("also: ..."). */
	if (h->story)
		printf("%s  %s  story %" G_GINT64_FORMAT "\n%s", when, h->kind, h->story, body);
	else
		printf("%s  %s\n%s", when, h->kind, body);
	g_free(body);
	g_free(when);
	g_date_time_unref(dt);
}

static gboolean
print_one(const struct history_entry *h, gboolean json)
{
	json_error_t err;
	json_t *j = json_loads(h->json, 0, &err);
	struct alert *a;
	char *when;

	if (j == NULL)
		return FALSE;
	a = alert_from_json(j);
	if (a == NULL) {
		json_decref(j);
		return FALSE;
	}
	/* The story's outlets as they are now, not as they were at alert time. */
	g_ptr_array_set_size(a->sources, 0);
	for (guint i = 0; i < h->sources->len; i++) {
		const struct alert_source *s = g_ptr_array_index(h->sources, i);
		struct alert_source *c = g_new0(struct alert_source, 1);

		c->feed = g_strdup(s->feed);
		c->title = g_strdup(s->title);
		c->link = g_strdup(s->link);
		g_ptr_array_add(a->sources, c);
	}
	if (json) {
		json_t *out = alert_to_json(a);
		char *line;

		when = time_to_rfc3339(h->created);
		json_object_set_new(out, "alerted", json_string(when));
		json_object_set_new(out, "kind", json_string(h->kind));
		line = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
		printf("%s\n", line);
		free(line);
		json_decref(out);
		g_free(when);
	} else {
		print_text(h, a);
	}
	alert_free(a);
	json_decref(j);
	return TRUE;
}

int
cmd_history(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	char *since = NULL, *entry = NULL, *feed = NULL;
	const GOptionEntry entries[] = {
		{ "since", 's', 0, G_OPTION_ARG_STRING, &since,
		  "Only alerts from this date (2026-11-01, RFC 3339) or this age (7d, 12h) on", "DATE" },
		{ "entry", 'e', 0, G_OPTION_ARG_STRING, &entry, "Only alerts naming this watch entry", "NAME" },
		{ "feed", 'f', 0, G_OPTION_ARG_STRING, &feed, "Only alerts from this feed", "NAME" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct config *cfg = NULL;
	struct store *store = NULL;
	GPtrArray *rows = NULL;
	gint64 from = 0;
	int rc;

	if (cli_parse(&cli, "history", NULL, "Past alerts, oldest first, with their stories and sources.",
	              entries, &argc, &argv) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (argc > 1) {
		fprintf(stderr, "newswatch history: unexpected argument '%s'\n", argv[1]);
		rc = EXIT_USAGE;
		goto out;
	}
	if (since && (from = parse_since(since, g_get_real_time() / G_USEC_PER_SEC)) < 0) {
		fprintf(stderr, "newswatch history: --since \"%s\": expected a date (2026-11-01), "
		        "an RFC 3339 time or an age (7d, 12h)\n", since);
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = cli_load_config(&cli, &cfg, NULL)) != EXIT_OK)
		goto out;
	if ((rc = cli_open_store(&cli, cfg, &store)) != EXIT_OK)
		goto out;
	rows = store_history(store, from, entry, feed);
	if (rows == NULL) {
		fprintf(stderr, "newswatch history: reading the state database: %s\n", store_errmsg(store));
		rc = EXIT_STATE;
		goto out;
	}
	for (guint i = 0; i < rows->len; i++) {
		const struct history_entry *h = g_ptr_array_index(rows, i);

		if (!print_one(h, cli.json))
			fprintf(stderr, "newswatch history: alert %" G_GINT64_FORMAT " is unreadable\n", h->id);
	}
	if (!cli.json)
		printf("%u alert%s\n", rows->len, rows->len == 1 ? "" : "s");
	rc = EXIT_OK;
out:
	if (rows)
		g_ptr_array_unref(rows);
	store_close(store);
	config_free(cfg);
	g_free(since);
	g_free(entry);
	g_free(feed);
	cli_common_clear(&cli);
	return rc;
}
