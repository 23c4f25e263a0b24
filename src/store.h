/* store.h — all persistent state in one SQLite database.
 * Only store*.c files speak SQL; the rest of the program sees these calls.
 * store.c: open, pragmas, schema migrations, transactions.
 * store_feeds.c: per-feed state (validators, schedule, errors).
 * Other store_*.c files own the queries of their tables (items/stories, outbox). */
#ifndef NW_STORE_H
#define NW_STORE_H

#include <glib.h>

struct store;

/* Opens (creating if needed, mode 0600, parent folders 0700) and migrates.
 * Returns NULL with a message in *error (caller frees) on failure. */
struct store *store_open(const char *path, char **error);
void store_close(struct store *s);                      /* accepts NULL */
int store_schema_version(struct store *s);

/* One transaction per polled feed. Each returns 0 or -1 (logged). */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* "ok" or the first problem PRAGMA integrity_check reports; caller frees. */
char *store_integrity_check(struct store *s);
/* The last SQLite error message of this connection. */
const char *store_errmsg(struct store *s);

/* The raw handle, for store_*.c files only. */
struct sqlite3 *store_db(struct store *s);

/* --- per-feed state (store_feeds.c) ------------------------------------ */
struct feed_state {
	char *url;              /* current URL (a 301 may have updated it); NULL = as configured */
	char *etag;
	char *last_modified;
	gint64 first_poll;      /* 0 = never polled */
	gint64 last_poll;
	gint64 last_success;
	gint64 next_due;
	char *last_error;
	gint64 error_since;     /* first failure of the current run of failures; 0 = none */
	int failures;           /* consecutive */
	gboolean disabled;      /* permanent failure (410, long 404) */
	gboolean ill_formed;
	int polls;
	int not_modified;       /* count of 304 answers */
	gint64 items_total;
};

void feed_state_clear(struct feed_state *fs);           /* frees the strings, zeroes */
/* 0 found, 1 not found (fs zeroed), -1 error. */
int store_feed_get(struct store *s, const char *feed, struct feed_state *fs);
int store_feed_put(struct store *s, const char *feed, const struct feed_state *fs);
/* Names of every feed with state, for status and pruning; caller frees with g_strfreev. */
char **store_feed_names(struct store *s);

#endif
