/* store_outbox.c — the outbox's queries over deliveries (schema in store.c). */
#include <string.h>
#include <sqlite3.h>

#include "store_outbox.h"
#include "store_int.h"
#include "log.h"

void
delivery_row_free(struct delivery_row *r)
{
	if (r == NULL)
		return;
	g_free(r->channel);
	g_free(r->state);
	g_free(r->last_error);
	g_free(r->held);
	g_free(r->json);
	g_free(r);
}

#define ROW_COLUMNS \
	"d.alert, d.channel, d.state, d.attempts, d.next_try, d.last_error, d.sent_at," \
	" d.held, d.queued, a.created, a.json"

static struct delivery_row *
read_row(sqlite3_stmt *st)
{
	struct delivery_row *r = g_new0(struct delivery_row, 1);

	r->alert = sqlite3_column_int64(st, 0);
	r->channel = col_strdup(st, 1);
	r->state = col_strdup(st, 2);
	r->attempts = sqlite3_column_int(st, 3);
	r->next_try = sqlite3_column_int64(st, 4);
	r->last_error = col_strdup(st, 5);
	r->sent_at = sqlite3_column_int64(st, 6);
	r->held = col_strdup(st, 7);
	r->queued = sqlite3_column_int64(st, 8);
	r->created = sqlite3_column_int64(st, 9);
	r->json = col_strdup(st, 10);
	return r;
}

static GPtrArray *
read_rows(struct store *s, sqlite3_stmt *st, const char *what)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)delivery_row_free);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(rows, read_row(st));
	if (rc != SQLITE_DONE) {
		log_warnx("outbox: %s: %s", what, store_errmsg(s));
		sqlite3_reset(st);
		g_ptr_array_unref(rows);
		return NULL;
	}
	sqlite3_reset(st);
	return rows;
}

int
store_delivery_add(struct store *s, gint64 alert, const char *channel, gint64 now,
                   gint64 next_try, const char *held)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT OR IGNORE INTO deliveries (alert, channel, state, attempts, next_try, held, queued)"
		" VALUES (?, ?, 'pending', 0, ?, ?, ?)");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, alert);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, next_try);
	bind_text(st, 4, held);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("channel \"%s\": queueing alert %" G_GINT64_FORMAT ": %s", channel, alert,
		          store_errmsg(s));
		return -1;
	}
	return 0;
}

GPtrArray *
store_deliveries_due(struct store *s, const char *channel, gint64 now, int limit)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " ROW_COLUMNS " FROM deliveries d JOIN alerts a ON a.id = d.alert"
		" WHERE d.state = 'pending' AND d.channel = ? AND d.next_try <= ?"
		" ORDER BY d.next_try, d.alert LIMIT ?");

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, limit);
	return read_rows(s, st, "reading due deliveries");
}

int
store_delivery_next(struct store *s, const char *channel, gint64 *next_try)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT MIN(next_try) FROM deliveries WHERE state = 'pending' AND channel = ?");
	int rc, found = 1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*next_try = sqlite3_column_int64(st, 0);
		found = 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		log_warnx("outbox: reading next delivery: %s", store_errmsg(s));
		return -1;
	}
	return found;
}

int
store_delivery_update(struct store *s, const struct delivery_row *r)
{
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE deliveries SET state = ?, attempts = ?, next_try = ?, last_error = ?,"
		" sent_at = ?, held = ?, queued = ? WHERE alert = ? AND channel = ?");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, r->state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->attempts);
	sqlite3_bind_int64(st, 3, r->next_try);
	bind_text(st, 4, r->last_error);
	if (r->sent_at)
		sqlite3_bind_int64(st, 5, r->sent_at);
	else
		sqlite3_bind_null(st, 5);
	bind_text(st, 6, r->held);
	sqlite3_bind_int64(st, 7, r->queued);
	sqlite3_bind_int64(st, 8, r->alert);
	sqlite3_bind_text(st, 9, r->channel, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("channel \"%s\": recording delivery of alert %" G_GINT64_FORMAT ": %s",
		          r->channel, r->alert, store_errmsg(s));
		return -1;
	}
	return 0;
}

GPtrArray *
store_deliveries_list(struct store *s, const char *const *states)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " ROW_COLUMNS " FROM deliveries d JOIN alerts a ON a.id = d.alert"
		" WHERE d.state IN (?, ?, ?, ?) ORDER BY d.alert, d.channel");

	if (st == NULL)
		return NULL;
	for (int i = 0; i < 4; i++)
		bind_text(st, i + 1, states && states[0] ? states[MIN(i, (int)g_strv_length((char **)states) - 1)] : NULL);
	return read_rows(s, st, "listing deliveries");
}

int
store_deliveries_retry(struct store *s, const char *channel, gint64 now)
{
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE deliveries SET state = 'pending', attempts = 0, next_try = ?, queued = ?,"
		" last_error = NULL WHERE state IN ('failed', 'given_up')"
		" AND (?3 IS NULL OR channel = ?3)");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, now);
	bind_text(st, 3, channel);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("outbox: requeueing: %s", store_errmsg(s));
		return -1;
	}
	return sqlite3_changes(store_db(s));
}

/* The COUNT(*) of sql with text bound to its one parameter; -1 on error. */
static int
count(struct store *s, const char *sql, const char *text)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int n = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

int
store_deliveries_count(struct store *s, const char *state)
{
	return count(s, "SELECT COUNT(*) FROM deliveries WHERE state = ?", state);
}

int
store_outbox_begin(struct store *s)
{
	if (!sqlite3_get_autocommit(store_db(s)))
		return 0;
	return store_begin(s) == 0 ? 1 : -1;
}

void
store_outbox_end(struct store *s, int began)
{
	if (began == 1 && store_commit(s) < 0)
		store_rollback(s);
}

int
store_deliveries_pending(struct store *s, const char *channel)
{
	return count(s, "SELECT COUNT(*) FROM deliveries WHERE state = 'pending' AND channel = ?",
	             channel);
}
