/* store_items.c — items, stories and their sources, alerts for `history`,
 * retention and `forget`. */
#include <string.h>
#include <jansson.h>
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"
#include "alert.h"
#include "log.h"

static int
fail(struct store *s, sqlite3_stmt *st, const char *what)
{
	store_note_error(s);
	log_warnx("state database: %s: %s", what, store_errmsg(s));
	if (st)
		sqlite3_reset(st);
	return -1;
}

static void
bind_id(sqlite3_stmt *st, int i, gint64 id)
{
	if (id)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

/* Runs a statement that returns no rows; 0 or -1 (logged). */
static int
run(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return fail(s, st, what);
	sqlite3_reset(st);
	return 0;
}

/* --- items ---------------------------------------------------------------- */

void
item_row_clear(struct item_row *r)
{
	g_free(r->entries);
	memset(r, 0, sizeof(*r));
}

gint64
store_item_hash(gint64 feed_id, const char *key)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 fid[8], digest[32];
	gsize n = sizeof(digest);
	guint64 h = 0;

	for (int i = 0; i < 8; i++)
		fid[i] = (guint8)((guint64)feed_id >> (8 * i));
	g_checksum_update(ck, fid, sizeof(fid));
	g_checksum_update(ck, (const guchar *)key, -1);
	g_checksum_get_digest(ck, digest, &n);
	g_checksum_free(ck);
	for (int i = 0; i < 8; i++)
		h = h << 8 | digest[i];
	/* The feed in the top 15 bits keeps a feed's items together in the b-tree:
	 * one poll touches a few pages, not one page per item (bench/store). The
	 * 48 bits below tell apart the items one feed has stored at a time. The
	 * result is a positive SQLite integer, never 0 ("none"). */
	h = ((guint64)feed_id & 0x7fff) << 48 | (h & G_GUINT64_CONSTANT(0xffffffffffff));
	return h ? (gint64)h : 1;
}

/* Steps st to its one row: 0 with the row to read (then reset st), 1 when
 * there is none, -1 (logged) on error. */
static int
step_row(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return fail(s, st, what);
	sqlite3_reset(st);
	return 1;
}

static int
item_read(struct store *s, sqlite3_stmt *st, struct item_row *r)
{
	int rc = step_row(s, st, "reading an item");

	if (rc != 0)
		return rc;
	g_free(r->entries);
	r->id = sqlite3_column_int64(st, 0);
	r->story = sqlite3_column_int64(st, 1);
	r->entries = col_strdup(st, 2);
	r->seen_day = sqlite3_column_int(st, 3);
	sqlite3_reset(st);
	return 0;
}

int
store_item_get(struct store *s, gint64 id, struct item_row *r)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, story, entries, seen FROM items WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return item_read(s, st, r);
}

int
store_item_get_by_link(struct store *s, gint64 link, struct item_row *r)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT i.id, i.story, i.entries, i.seen FROM links l"
	                                 " JOIN items i ON i.id = l.item WHERE l.id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, link);
	return item_read(s, st, r);
}

/* Remembers that link was seen today under item (id-keyed items only). */
static int
link_put(struct store *s, gint64 link, gint64 item, int day)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO links (id, item, seen) VALUES (?1, ?2, ?3)"
	                                 " ON CONFLICT (id) DO UPDATE SET item = ?2, seen = ?3");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, link);
	sqlite3_bind_int64(st, 2, item);
	sqlite3_bind_int(st, 3, day);
	return run(s, st, "saving a link");
}

int
store_item_put(struct store *s, gint64 feed_id, const struct item_row *r, gint64 link)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO items (id, feed, seen, story, entries) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (id) DO UPDATE SET seen = ?3, story = ?4, entries = ?5");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, feed_id);
	sqlite3_bind_int(st, 3, r->seen_day);
	bind_id(st, 4, r->story);
	bind_text(st, 5, r->entries);
	if (run(s, st, "saving an item") < 0)
		return -1;
	return link ? link_put(s, link, r->id, r->seen_day) : 0;
}

int
store_item_touch(struct store *s, gint64 id, gint64 link, int day)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE items SET seen = ?2 WHERE id = ?1 AND seen <> ?2");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, day);
	if (run(s, st, "updating an item") < 0)
		return -1;
	return link ? link_put(s, link, id, day) : 0;
}

/* --- stories -------------------------------------------------------------- */

void
story_row_clear(struct story_row *r)
{
	g_free(r->entries);
	memset(r, 0, sizeof(*r));
}

#define STORY_COLS "id, created, simhash, entries, realerted"

static void
story_fill(sqlite3_stmt *st, struct story_row *r)
{
	g_free(r->entries);
	r->id = sqlite3_column_int64(st, 0);
	r->created = sqlite3_column_int64(st, 1);
	r->simhash = (guint64)sqlite3_column_int64(st, 2);
	r->entries = col_strdup(st, 3);
	r->realerted = sqlite3_column_int(st, 4) != 0;
}

static int
story_read(struct store *s, sqlite3_stmt *st, struct story_row *r)
{
	int rc = step_row(s, st, "reading a story");

	if (rc != 0)
		return rc;
	story_fill(st, r);
	sqlite3_reset(st);
	return 0;
}

int
store_story_get(struct store *s, gint64 id, struct story_row *r)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " STORY_COLS " FROM stories WHERE id = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return story_read(s, st, r);
}

int
store_story_by_link(struct store *s, gint64 link_hash, gint64 since, struct story_row *r)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " STORY_COLS " FROM stories"
	                                 " WHERE link = ? AND created >= ? ORDER BY id LIMIT 1");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, link_hash);
	sqlite3_bind_int64(st, 2, since);
	return story_read(s, st, r);
}

int
store_story_by_simhash(struct store *s, guint64 h, int max_distance, gint64 since,
                       struct story_row *r)
{
	/* Stories are founded only by matching items, so the window holds few:
	 * a scan beats any index for Hamming distance at this size. */
	sqlite3_stmt *st = store_stmt(s, "SELECT id, simhash FROM stories WHERE created >= ?");
	gint64 best = 0;
	int best_d = max_distance + 1, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		guint64 other = (guint64)sqlite3_column_int64(st, 1);
		int d = __builtin_popcountll(h ^ other);

		if (other != 0 && d < best_d) {
			best_d = d;
			best = sqlite3_column_int64(st, 0);
		}
	}
	if (rc != SQLITE_DONE)
		return fail(s, st, "reading stories");
	sqlite3_reset(st);
	return best ? store_story_get(s, best, r) : 1;
}

gint64
store_story_add(struct store *s, gint64 created, gint64 link_hash, guint64 simhash,
                const char *entries)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO stories (created, link, simhash, entries)"
	                                 " VALUES (?, ?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, created);
	bind_id(st, 2, link_hash);
	sqlite3_bind_int64(st, 3, (gint64)simhash);
	bind_text(st, 4, entries);
	if (run(s, st, "saving a story") < 0)
		return -1;
	return sqlite3_last_insert_rowid(store_db(s));
}

int
store_story_update(struct store *s, const struct story_row *r)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE stories SET entries = ?, realerted = ? WHERE id = ?");

	if (st == NULL)
		return -1;
	bind_text(st, 1, r->entries);
	sqlite3_bind_int(st, 2, r->realerted);
	sqlite3_bind_int64(st, 3, r->id);
	return run(s, st, "updating a story");
}

int
store_source_add(struct store *s, gint64 story, gint64 feed_id, gint64 item, gint64 seen,
                 const char *title, const char *link)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO sources (story, item, feed, seen, title, link)"
	                                 " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_int64(st, 2, item);
	sqlite3_bind_int64(st, 3, feed_id);
	sqlite3_bind_int64(st, 4, seen);
	bind_text(st, 5, title);
	bind_text(st, 6, link);
	return run(s, st, "saving a story source");
}

static void
source_free(gpointer p)
{
	struct alert_source *src = p;

	g_free(src->feed);
	g_free(src->title);
	g_free(src->link);
	g_free(src);
}

GPtrArray *
store_story_sources(struct store *s, gint64 story, gint64 except_item)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT f.name, so.title, so.link FROM sources so JOIN feeds f ON f.id = so.feed"
		" WHERE so.story = ? AND so.item <> ? ORDER BY so.seen, f.name");
	GPtrArray *out;
	int rc;

	if (st == NULL)
		return NULL;
	out = g_ptr_array_new_with_free_func(source_free);
	sqlite3_bind_int64(st, 1, story);
	sqlite3_bind_int64(st, 2, except_item);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct alert_source *src = g_new0(struct alert_source, 1);

		src->feed = col_strdup(st, 0);
		src->title = col_strdup(st, 1);
		src->link = col_strdup(st, 2);
		g_ptr_array_add(out, src);
	}
	if (rc != SQLITE_DONE) {
		fail(s, st, "reading story sources");
		g_ptr_array_unref(out);
		return NULL;
	}
	sqlite3_reset(st);
	return out;
}

int
store_story_outlets(struct store *s, gint64 story)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(DISTINCT feed) FROM sources WHERE story = ?");
	int n;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, story);
	if (sqlite3_step(st) != SQLITE_ROW)
		return fail(s, st, "counting story sources");
	n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

/* --- alerts and history ---------------------------------------------------- */

gint64
store_alert_add(struct store *s, const char *feed, gint64 story_id, int priority,
                const char *json)
{
	sqlite3_stmt *st;
	json_error_t jerr;
	json_t *j = json_loads(json, 0, &jerr), *matches, *m;
	GString *entries = g_string_new(NULL);
	const char *key = NULL, *kind = "new";
	gint64 feed_id, item = 0;
	gboolean untrusted;
	size_t i;

	if (j == NULL) {
		log_warnx("feed \"%s\": alert is not JSON: %s", feed, jerr.text);
		g_string_free(entries, TRUE);
		return -1;
	}
	if (store_feed_ref(s, feed, &feed_id, &untrusted) < 0)
		goto fail;
	key = json_string_value(json_object_get(j, "id"));
	if (key)
		item = store_item_hash(feed_id, key);
	if (json_is_string(json_object_get(j, "follow_up"))) {
		kind = "follow-up";
	} else if (story_id) {
		/* Not a follow-up, yet the story has alerted before: the realert. */
		st = store_stmt(s, "SELECT 1 FROM alerts WHERE story = ? LIMIT 1");
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, story_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			kind = "realert";
		sqlite3_reset(st);
	}
	matches = json_object_get(j, "matches");
	json_array_foreach(matches, i, m) {
		const char *e = json_string_value(json_object_get(m, "entry"));

		if (e == NULL)
			continue;
		/* The same entry twice would only make --entry slower. */
		{
			char *probe = g_strconcat("\n", e, "\n", NULL);
			char *have = g_strconcat("\n", entries->str, "\n", NULL);
			gboolean dup = strstr(have, probe) != NULL;

			g_free(probe);
			g_free(have);
			if (dup)
				continue;
		}
		if (entries->len)
			g_string_append_c(entries, '\n');
		g_string_append(entries, e);
	}
	st = store_stmt(s, "INSERT INTO alerts (created, feed, item, story, kind, priority, entries, json)"
	                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, g_get_real_time() / G_USEC_PER_SEC);
	sqlite3_bind_int64(st, 2, feed_id);
	bind_id(st, 3, item);
	bind_id(st, 4, story_id);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, priority);
	sqlite3_bind_text(st, 7, entries->str, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, json, -1, SQLITE_TRANSIENT);
	if (run(s, st, "saving an alert") < 0)
		goto fail;
	json_decref(j);
	g_string_free(entries, TRUE);
	return sqlite3_last_insert_rowid(store_db(s));
fail:
	json_decref(j);
	g_string_free(entries, TRUE);
	return -1;
}

void
history_entry_free(struct history_entry *h)
{
	if (h == NULL)
		return;
	g_free(h->feed);
	g_free(h->kind);
	g_free(h->json);
	if (h->sources)
		g_ptr_array_unref(h->sources);
	g_free(h);
}

/* Entry names compare case-insensitively: users type "guterres". */
static gboolean
entries_have(const char *entries, const char *folded)
{
	char **names = g_strsplit(entries ? entries : "", "\n", -1);
	gboolean hit = FALSE;

	for (char **n = names; *n && !hit; n++) {
		char *f = g_utf8_casefold(*n, -1);

		hit = strcmp(f, folded) == 0;
		g_free(f);
	}
	g_strfreev(names);
	return hit;
}

GPtrArray *
store_history(struct store *s, gint64 since, const char *entry, const char *feed)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT a.id, a.created, f.name, a.story, a.priority, a.kind, a.json, a.entries, a.item"
		" FROM alerts a JOIN feeds f ON f.id = a.feed"
		" WHERE a.created >= ?1 AND (?2 IS NULL OR f.name = ?2) ORDER BY a.created, a.id");
	GPtrArray *out, *rows;
	char *folded = entry ? g_utf8_casefold(entry, -1) : NULL;
	GArray *items;
	int rc;

	if (st == NULL) {
		g_free(folded);
		return NULL;
	}
	out = g_ptr_array_new_with_free_func((GDestroyNotify)history_entry_free);
	rows = out;
	items = g_array_new(FALSE, FALSE, sizeof(gint64));
	sqlite3_bind_int64(st, 1, since);
	bind_text(st, 2, feed);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct history_entry *h;
		gint64 item;

		if (folded && !entries_have((const char *)sqlite3_column_text(st, 7), folded))
			continue;
		h = g_new0(struct history_entry, 1);
		h->id = sqlite3_column_int64(st, 0);
		h->created = sqlite3_column_int64(st, 1);
		h->feed = col_strdup(st, 2);
		h->story = sqlite3_column_int64(st, 3);
		h->priority = sqlite3_column_int(st, 4);
		h->kind = col_strdup(st, 5);
		h->json = col_strdup(st, 6);
		item = sqlite3_column_int64(st, 8);
		g_array_append_val(items, item);
		g_ptr_array_add(rows, h);
	}
	g_free(folded);
	if (rc != SQLITE_DONE) {
		fail(s, st, "reading alerts");
		g_array_unref(items);
		g_ptr_array_unref(out);
		return NULL;
	}
	sqlite3_reset(st);
	/* Sources after the scan: store_stmt's statements are not re-entrant. */
	for (guint i = 0; i < out->len; i++) {
		struct history_entry *h = g_ptr_array_index(out, i);

		h->sources = h->story ? store_story_sources(s, h->story, g_array_index(items, gint64, i))
		                      : g_ptr_array_new_with_free_func(source_free);
		if (h->sources == NULL) {
			g_array_unref(items);
			g_ptr_array_unref(out);
			return NULL;
		}
	}
	g_array_unref(items);
	return out;
}

/* --- retention and forget --------------------------------------------------- */

int
store_prune(struct store *s, gint64 now, int retention_days)
{
	gint64 cutoff = now - (gint64)retention_days * 86400;
	gint64 today = now / 86400;
	gint64 keep = MAX(4 * (gint64)retention_days, 365);
	sqlite3_stmt *st;

	if (retention_days <= 0 || store_begin(s) < 0)
		return -1;
	/* Alerts still owed to a channel stay whatever their age. */
	st = store_stmt(s, "DELETE FROM alerts WHERE created < ? AND NOT EXISTS"
	                   " (SELECT 1 FROM deliveries d WHERE d.alert = alerts.id AND d.state = 'pending')");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, cutoff);
	if (run(s, st, "pruning alerts") < 0)
		goto fail;
	st = store_stmt(s, "DELETE FROM stories WHERE created < ? AND NOT EXISTS"
	                   " (SELECT 1 FROM alerts a WHERE a.story = stories.id)");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, cutoff);
	if (run(s, st, "pruning stories") < 0)
		goto fail;
	/* Items still in their feed are re-seen every day and never reach the cutoff;
	 * items that matched keep their identity (a few bytes) much longer. */
	st = store_stmt(s, "DELETE FROM items WHERE seen < ?1 AND (entries IS NULL OR seen < ?2)");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, today - retention_days);
	sqlite3_bind_int64(st, 2, today - keep);
	if (run(s, st, "pruning items") < 0)
		goto fail;
	/* Re-issued ids show up within days of the original, if at all. */
	st = store_stmt(s, "DELETE FROM links WHERE seen < ?");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, today - 7);
	if (run(s, st, "pruning links") < 0)
		goto fail;
	return store_commit(s);
fail:
	store_rollback(s);
	return -1;
}

int
store_forget_feed(struct store *s, const char *feed)
{
	sqlite3_stmt *st;
	int changed;

	if (store_begin(s) < 0)
		return -1;
	/* Items, sources and alerts (and their deliveries) follow by cascade. */
	st = store_stmt(s, "DELETE FROM feeds WHERE name = ?");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, feed, -1, SQLITE_TRANSIENT);
	if (run(s, st, "forgetting a feed") < 0)
		goto fail;
	changed = sqlite3_changes(store_db(s));
	if (store_commit(s) < 0)
		return -1;
	return changed ? 0 : 1;
fail:
	store_rollback(s);
	return -1;
}
