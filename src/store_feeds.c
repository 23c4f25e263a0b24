/* store_feeds.c — per-feed state: validators, schedule, failures, id trust. */
#include <string.h>
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"
#include "log.h"

void
feed_state_clear(struct feed_state *fs)
{
	g_free(fs->url);
	g_free(fs->moved_from);
	g_free(fs->etag);
	g_free(fs->last_modified);
	g_free(fs->last_error);
	memset(fs, 0, sizeof(*fs));
}

int
store_feed_get(struct store *s, const char *feed, struct feed_state *fs)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT url, moved_from, etag, last_modified, first_poll, last_poll, last_success,"
		" next_due, last_error, error_since, failures, disabled, ill_formed, polls,"
		" not_modified, items_total, ids_untrusted, poll_hint FROM feeds WHERE name = ?");
	int rc;

	memset(fs, 0, sizeof(*fs));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW) {
		store_note_error(s);
		log_warnx("feed \"%s\": reading state: %s", feed, store_errmsg(s));
		return -1;
	}
	fs->url = col_strdup(st, 0);
	fs->moved_from = col_strdup(st, 1);
	fs->etag = col_strdup(st, 2);
	fs->last_modified = col_strdup(st, 3);
	fs->first_poll = sqlite3_column_int64(st, 4);
	fs->last_poll = sqlite3_column_int64(st, 5);
	fs->last_success = sqlite3_column_int64(st, 6);
	fs->next_due = sqlite3_column_int64(st, 7);
	fs->last_error = col_strdup(st, 8);
	fs->error_since = sqlite3_column_int64(st, 9);
	fs->failures = sqlite3_column_int(st, 10);
	fs->disabled = sqlite3_column_int(st, 11) != 0;
	fs->ill_formed = sqlite3_column_int(st, 12) != 0;
	fs->polls = sqlite3_column_int(st, 13);
	fs->not_modified = sqlite3_column_int(st, 14);
	fs->items_total = sqlite3_column_int64(st, 15);
	fs->ids_untrusted = sqlite3_column_int(st, 16) != 0;
	fs->poll_hint = sqlite3_column_int64(st, 17);
	sqlite3_reset(st);
	return 0;
}

/* An upsert, never INSERT OR REPLACE: replacing the row would delete the
 * feed's items through the foreign key. ids_untrusted is story.c's, not ours. */
int
store_feed_put(struct store *s, const char *feed, const struct feed_state *fs)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO feeds (name, url, moved_from, etag, last_modified, first_poll, last_poll,"
		" last_success, next_due, last_error, error_since, failures, disabled, ill_formed,"
		" polls, not_modified, items_total, poll_hint)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
		" ON CONFLICT (name) DO UPDATE SET url = ?2, moved_from = ?3, etag = ?4,"
		" last_modified = ?5, first_poll = ?6, last_poll = ?7, last_success = ?8,"
		" next_due = ?9, last_error = ?10, error_since = ?11, failures = ?12,"
		" disabled = ?13, ill_formed = ?14, polls = ?15, not_modified = ?16,"
		" items_total = ?17, poll_hint = ?18");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
	bind_text(st, 2, fs->url);
	bind_text(st, 3, fs->moved_from);
	bind_text(st, 4, fs->etag);
	bind_text(st, 5, fs->last_modified);
	sqlite3_bind_int64(st, 6, fs->first_poll);
	sqlite3_bind_int64(st, 7, fs->last_poll);
	sqlite3_bind_int64(st, 8, fs->last_success);
	sqlite3_bind_int64(st, 9, fs->next_due);
	bind_text(st, 10, fs->last_error);
	sqlite3_bind_int64(st, 11, fs->error_since);
	sqlite3_bind_int(st, 12, fs->failures);
	sqlite3_bind_int(st, 13, fs->disabled);
	sqlite3_bind_int(st, 14, fs->ill_formed);
	sqlite3_bind_int(st, 15, fs->polls);
	sqlite3_bind_int(st, 16, fs->not_modified);
	sqlite3_bind_int64(st, 17, fs->items_total);
	sqlite3_bind_int64(st, 18, fs->poll_hint);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_note_error(s);
		log_warnx("feed \"%s\": saving state: %s", feed, store_errmsg(s));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

char **
store_feed_names(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT name FROM feeds ORDER BY name");
	GPtrArray *names;
	int rc;

	if (st == NULL)
		return NULL;
	names = g_ptr_array_new();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(names, g_strdup((const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		g_ptr_array_set_free_func(names, g_free);
		g_ptr_array_unref(names);
		return NULL;
	}
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

int
store_feed_ref(struct store *s, const char *feed, gint64 *feed_id, gboolean *ids_untrusted)
{
	sqlite3_stmt *ins = store_stmt(s, "INSERT INTO feeds (name) VALUES (?) ON CONFLICT DO NOTHING");
	sqlite3_stmt *sel;
	int rc;

	if (ins == NULL)
		return -1;
	sqlite3_bind_text(ins, 1, feed, -1, SQLITE_STATIC);
	rc = sqlite3_step(ins);
	sqlite3_reset(ins);
	if (rc != SQLITE_DONE)
		goto fail;
	sel = store_stmt(s, "SELECT id, ids_untrusted FROM feeds WHERE name = ?");
	if (sel == NULL)
		return -1;
	sqlite3_bind_text(sel, 1, feed, -1, SQLITE_STATIC);
	if (sqlite3_step(sel) != SQLITE_ROW) {
		sqlite3_reset(sel);
		goto fail;
	}
	*feed_id = sqlite3_column_int64(sel, 0);
	*ids_untrusted = sqlite3_column_int(sel, 1) != 0;
	sqlite3_reset(sel);
	return 0;
fail:
	store_note_error(s);
	log_warnx("feed \"%s\": %s", feed, store_errmsg(s));
	return -1;
}

static int
step_done(struct store *s, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_note_error(s);
		log_warnx("state database: %s", store_errmsg(s));
		return -1;
	}
	return 0;
}

/* A feed whose ids cannot be trusted, in order (?1 = the feed): mark it; from
 * now on its items are known by link, so give its recently seen items their
 * link key. Two ids under one link collapse into one row (OR IGNORE: the
 * other keeps its old key and is never looked up again). */
static const char *const distrust[] = {
	"UPDATE feeds SET ids_untrusted = 1 WHERE id = ?1",
	"UPDATE OR IGNORE items SET id = (SELECT l.id FROM links l WHERE l.item = items.id)"
	" WHERE feed = ?1 AND EXISTS (SELECT 1 FROM links l WHERE l.item = items.id)",
	"DELETE FROM links WHERE EXISTS"
	" (SELECT 1 FROM items i WHERE i.id = links.id AND i.feed = ?1)",
};

int
store_feed_id_changed(struct store *s, gint64 feed_id, int threshold)
{
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE feeds SET id_changes = id_changes + 1 WHERE id = ?"
		" RETURNING id_changes, ids_untrusted");
	int changes, untrusted, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_note_error(s);
		sqlite3_reset(st);
		log_warnx("state database: %s", store_errmsg(s));
		return -1;
	}
	changes = sqlite3_column_int(st, 0);
	untrusted = sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	if (untrusted || changes < threshold)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(distrust); i++) {
		st = store_stmt(s, distrust[i]);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, feed_id);
		if (step_done(s, st) < 0)
			return -1;
	}
	return 1;
}
