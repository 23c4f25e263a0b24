/* cmd_status.c — `newswatch status [--json]`: how every feed and channel is
 * doing, from the state database (the daemon need not be running). */
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "alert.h"
#include "cli.h"
#include "cmd.h"
#include "store_outbox.h"

struct feed_row {
	char *name;
	const char *url;           /* configured; NULL when only in the database */
	gboolean configured, enabled;
	struct feed_state fs;
};

struct channel_row {
	char *name;
	const char *type;
	int pending, failed;
};

struct entry_count {
	char *entry;
	int day, week;
};

static void
feed_row_free(struct feed_row *r)
{
	g_free(r->name);
	feed_state_clear(&r->fs);
	g_free(r);
}

static void
channel_row_free(struct channel_row *r)
{
	g_free(r->name);
	g_free(r);
}

static void
entry_count_free(struct entry_count *e)
{
	g_free(e->entry);
	g_free(e);
}

/* Configured feeds first (config order), then feeds only the database knows. */
static GPtrArray *
collect_feeds(struct store *s, const struct config *cfg)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)feed_row_free);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	char **names = store_feed_names(s);

	for (guint i = 0; i < cfg->feeds->len; i++) {
		const struct feed_config *fc = g_ptr_array_index(cfg->feeds, i);
		struct feed_row *r = g_new0(struct feed_row, 1);

		r->name = g_strdup(fc->name);
		r->url = fc->url;
		r->configured = TRUE;
		r->enabled = fc->enabled;
		store_feed_get(s, fc->name, &r->fs);
		g_hash_table_add(seen, r->name);
		g_ptr_array_add(rows, r);
	}
	for (char **n = names; n && *n; n++) {
		struct feed_row *r;

		if (g_hash_table_contains(seen, *n))
			continue;
		r = g_new0(struct feed_row, 1);
		r->name = g_strdup(*n);
		store_feed_get(s, *n, &r->fs);
		g_ptr_array_add(rows, r);
	}
	g_strfreev(names);
	g_hash_table_unref(seen);
	return rows;
}

static GPtrArray *
collect_channels(struct store *s, const struct config *cfg)
{
	static const char *const states[] = { "pending", "failed", "given_up", NULL };
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)channel_row_free);
	GPtrArray *dl = store_deliveries_list(s, states);

	for (guint i = 0; i < cfg->channels->len; i++) {
		const struct channel_config *cc = g_ptr_array_index(cfg->channels, i);
		struct channel_row *r = g_new0(struct channel_row, 1);

		r->name = g_strdup(cc->name);
		r->type = cc->type;
		g_ptr_array_add(rows, r);
	}
	for (guint i = 0; dl && i < dl->len; i++) {
		const struct delivery_row *d = g_ptr_array_index(dl, i);
		struct channel_row *r = NULL;

		for (guint j = 0; j < rows->len && r == NULL; j++)
			if (strcmp(((struct channel_row *)g_ptr_array_index(rows, j))->name, d->channel) == 0)
				r = g_ptr_array_index(rows, j);
		if (r == NULL) {
			r = g_new0(struct channel_row, 1);
			r->name = g_strdup(d->channel);
			g_ptr_array_add(rows, r);
		}
		if (strcmp(d->state, "pending") == 0)
			r->pending++;
		else
			r->failed++;
	}
	if (dl)
		g_ptr_array_unref(dl);
	return rows;
}

static gint
entry_cmp(gconstpointer a, gconstpointer b)
{
	const struct entry_count *x = *(struct entry_count *const *)a, *y = *(struct entry_count *const *)b;

	if (x->week != y->week)
		return y->week - x->week;
	return g_utf8_collate(x->entry, y->entry);
}

/* Alerts per matched entry over the last day and week, from the history. */
static GPtrArray *
collect_entries(struct store *s, gint64 now)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)entry_count_free);
	GHashTable *by_name = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *h = store_history(s, now - 7 * 86400, NULL, NULL);

	for (guint i = 0; h && i < h->len; i++) {
		const struct history_entry *he = g_ptr_array_index(h, i);
		json_t *j = json_loads(he->json, 0, NULL);
		json_t *matches = json_object_get(j, "matches"), *m;
		GHashTable *once = g_hash_table_new(g_str_hash, g_str_equal);
		size_t k;

		json_array_foreach(matches, k, m) {
			const char *entry = json_string_value(json_object_get(m, "entry"));
			struct entry_count *e;

			if (entry == NULL || g_hash_table_contains(once, entry))
				continue;
			g_hash_table_add(once, (gpointer)entry);
			e = g_hash_table_lookup(by_name, entry);
			if (e == NULL) {
				e = g_new0(struct entry_count, 1);
				e->entry = g_strdup(entry);
				g_hash_table_insert(by_name, e->entry, e);
				g_ptr_array_add(rows, e);
			}
			e->week++;
			if (he->created >= now - 86400)
				e->day++;
		}
		g_hash_table_unref(once);
		json_decref(j);
	}
	if (h)
		g_ptr_array_unref(h);
	g_hash_table_unref(by_name);
	g_ptr_array_sort(rows, entry_cmp);
	return rows;
}

static json_t *
json_time(gint64 t)
{
	char *s = time_to_rfc3339(t);
	json_t *j = s ? json_string(s) : json_null();

	g_free(s);
	return j;
}

static void
print_json(GPtrArray *feeds, GPtrArray *channels, GPtrArray *entries)
{
	json_t *root = json_object(), *fa = json_array(), *ca = json_array(), *ea = json_array();
	char *out;

	for (guint i = 0; i < feeds->len; i++) {
		const struct feed_row *r = g_ptr_array_index(feeds, i);
		const struct feed_state *fs = &r->fs;

		json_array_append_new(fa, json_pack("{s:s, s:s?, s:b, s:b, s:o, s:o, s:s?, s:o, s:i, s:b, s:i, s:i, s:f, s:I, s:o}",
			"name", r->name, "url", fs->url ? fs->url : r->url,
			"configured", r->configured, "enabled", r->enabled,
			"last_poll", json_time(fs->last_poll), "last_success", json_time(fs->last_success),
			"last_error", fs->last_error, "error_since", json_time(fs->error_since),
			"failures", fs->failures, "disabled", fs->disabled,
			"polls", fs->polls, "not_modified", fs->not_modified,
			"not_modified_rate", fs->polls ? (double)fs->not_modified / fs->polls : 0.0,
			"items", (json_int_t)fs->items_total, "next_poll", json_time(fs->next_due)));
	}
	for (guint i = 0; i < channels->len; i++) {
		const struct channel_row *r = g_ptr_array_index(channels, i);

		json_array_append_new(ca, json_pack("{s:s, s:s?, s:i, s:i}", "name", r->name, "type", r->type,
		                                    "pending", r->pending, "failed", r->failed));
	}
	for (guint i = 0; i < entries->len; i++) {
		const struct entry_count *e = g_ptr_array_index(entries, i);

		json_array_append_new(ea, json_pack("{s:s, s:i, s:i}", "entry", e->entry,
		                                    "last_day", e->day, "last_week", e->week));
	}
	json_object_set_new(root, "feeds", fa);
	json_object_set_new(root, "channels", ca);
	json_object_set_new(root, "entries", ea);
	out = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	printf("%s\n", out);
	free(out);
	json_decref(root);
}

/* "3 min ago", "in 2 h", "never". */
static char *
rel_time(gint64 t, gint64 now)
{
	gint64 d = t - now, a = ABS(d);
	char *n;

	if (t == 0)
		return g_strdup("never");
	if (a < 90)
		n = g_strdup_printf("%" G_GINT64_FORMAT " s", a);
	else if (a < 90 * 60)
		n = g_strdup_printf("%" G_GINT64_FORMAT " min", (a + 30) / 60);
	else if (a < 36 * 3600)
		n = g_strdup_printf("%" G_GINT64_FORMAT " h", (a + 1800) / 3600);
	else
		n = g_strdup_printf("%" G_GINT64_FORMAT " d", (a + 43200) / 86400);
	{
		char *r = d < 0 ? g_strdup_printf("%s ago", n) : g_strdup_printf("in %s", n);

		g_free(n);
		return r;
	}
}

static void
print_text(GPtrArray *feeds, GPtrArray *channels, GPtrArray *entries, gint64 now)
{
	printf("%-24s %-11s %-11s %5s %6s %5s  %s\n", "FEED", "LAST OK", "NEXT POLL", "POLLS", "304", "ITEMS", "PROBLEM");
	for (guint i = 0; i < feeds->len; i++) {
		const struct feed_row *r = g_ptr_array_index(feeds, i);
		const struct feed_state *fs = &r->fs;
		char *ok = rel_time(fs->last_success, now);
		char *next = !r->configured ? g_strdup("(removed)") : !r->enabled ? g_strdup("(disabled)") :
		             fs->disabled ? g_strdup("(stopped)") : fs->next_due == 0 ? g_strdup("-") :
		             fs->next_due < now ? g_strdup("overdue") : rel_time(fs->next_due, now);
		char *pct = fs->polls ? g_strdup_printf("%d%%", fs->not_modified * 100 / fs->polls) : g_strdup("-");
		char *problem = NULL;

		if (fs->last_error) {
			char *since = rel_time(fs->error_since, now);

			problem = g_strdup_printf("%s (%d failure%s, since %s)", fs->last_error, fs->failures,
			                          fs->failures == 1 ? "" : "s", since);
			g_free(since);
		}
		printf("%-24s %-11s %-11s %5d %6s %5" G_GINT64_FORMAT "  %s\n", r->name, ok, next, fs->polls, pct,
		       fs->items_total, problem ? problem : "");
		g_free(problem);
		g_free(pct);
		g_free(next);
		g_free(ok);
	}
	printf("\n%-24s %-10s %8s %8s\n", "CHANNEL", "TYPE", "PENDING", "FAILED");
	if (channels->len == 0)
		printf("(no channels configured: alerts are only printed by `once` and logged by `run`)\n");
	for (guint i = 0; i < channels->len; i++) {
		const struct channel_row *r = g_ptr_array_index(channels, i);

		printf("%-24s %-10s %8d %8d\n", r->name, r->type ? r->type : "(removed)", r->pending, r->failed);
	}
	printf("\n%-40s %8s %8s\n", "ALERTS PER ENTRY", "24 H", "7 DAYS");
	if (entries->len == 0)
		printf("(no alerts in the last 7 days)\n");
	for (guint i = 0; i < entries->len; i++) {
		const struct entry_count *e = g_ptr_array_index(entries, i);

		printf("%-40s %8d %8d\n", e->entry, e->day, e->week);
	}
}

int
cmd_status(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	struct config *cfg = NULL;
	struct store *store = NULL;
	GPtrArray *feeds, *channels, *entries;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	int rc;

	if (cli_parse(&cli, "status", NULL,
	              "Show every feed's last success, last error, 304 rate, items and next poll;\n"
	              "pending and failed deliveries per channel; alerts per entry (24 h, 7 days).",
	              NULL, &argc, &argv) < 0)
		return EXIT_USAGE;
	if ((rc = cli_load_config(&cli, &cfg, NULL)) != EXIT_OK)
		goto out;
	if ((rc = cli_open_store(&cli, cfg, &store)) != EXIT_OK)
		goto out;
	feeds = collect_feeds(store, cfg);
	channels = collect_channels(store, cfg);
	entries = collect_entries(store, now);
	if (cli.json)
		print_json(feeds, channels, entries);
	else
		print_text(feeds, channels, entries, now);
	g_ptr_array_unref(entries);
	g_ptr_array_unref(channels);
	g_ptr_array_unref(feeds);
out:
	store_close(store);
	config_free(cfg);
	cli_common_clear(&cli);
	return rc;
}
