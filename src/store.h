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

/* The daemon calls this between polls: when the file was deleted or
 * replaced under it, a fresh database is opened in its place (logged).
 * 0 = unchanged, 1 = recreated, -1 = could not (logged). Never inside a
 * transaction. */
int store_reopen_if_gone(struct store *s);

/* One transaction per polled feed. Each returns 0 or -1 (logged). */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* "ok" or the first problem PRAGMA integrity_check reports; caller frees. */
char *store_integrity_check(struct store *s);
/* The first error of the current transaction (kept across its rollback), else
 * the last SQLite error message of this connection. */
const char *store_errmsg(struct store *s);
/* The database file, for messages. */
const char *store_path(struct store *s);
/* Remembers the connection's current error for store_errmsg; store_*.c only. */
void store_note_error(struct store *s);

/* The raw handle, for store_*.c files only. */
struct sqlite3 *store_db(struct store *s);
/* A prepared statement for sql (a string literal: the pointer is the cache key),
 * reset and with bindings cleared; owned by the store. For store_*.c files only. */
struct sqlite3_stmt *store_stmt(struct store *s, const char *sql);

/* The schema version this build writes (the length of the migration list). */
int store_schema_latest(void);
/* Like store_open but migrates no further than version (tests of migrations). */
struct store *store_open_version(const char *path, int version, char **error);

/* Deletes items, stories and alerts older than retention_days (by when they were
 * last seen), keeping the identity of items that matched for four times as long
 * (at least a year) so that nothing re-alerts. Its own transaction. 0 or -1. */
int store_prune(struct store *s, gint64 now, int retention_days);
/* `forget`: one feed's items, sources, alerts and feed state (0, 1 unknown feed, -1),
 * or everything (store_reset). Their own transactions. */
int store_forget_feed(struct store *s, const char *feed);
int store_reset(struct store *s);

/* --- per-feed state (store_feeds.c) ------------------------------------ */
struct feed_state {
	char *url;              /* where a 301 moved the feed; NULL = as configured */
	char *moved_from;       /* the configured URL at the time of that 301: a user's
	                         * later edit of the config wins over the stored move */
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
	gboolean ids_untrusted; /* read only: the feed's ids changed under known links (story.c) */
	gint64 poll_hint;       /* the feed's own polling hint last seen (ttl, sy:updatePeriod,
	                         * max-age), s; 0 = none. Kept so a 304 (nothing parsed) keeps
	                         * it (scheduler.c) */
};

void feed_state_clear(struct feed_state *fs);           /* frees the strings, zeroes */
/* 0 found, 1 not found (fs zeroed), -1 error. */
int store_feed_get(struct store *s, const char *feed, struct feed_state *fs);
int store_feed_put(struct store *s, const char *feed, const struct feed_state *fs);
/* --- alerts (store_items.c) -------------------------------------------- */
/* Records one alert (its JSON form, alert_to_json) inside the feed's transaction;
 * the outbox then queues deliveries for the returned id. The entries named by
 * json's "matches", its "id" and "follow_up" are indexed for `history`; an
 * alert that is no follow-up for a story that has alerted is a realert.
 * Returns the id (> 0) or -1. */
gint64 store_alert_add(struct store *s, const char *feed, gint64 story_id, int priority,
                       const char *json);

/* Names of every feed with state, for status and pruning; caller frees with g_strfreev. */
char **store_feed_names(struct store *s);

/* --- items and stories (store_items.c), for story.c ------------------------
 * Items are kept compact: a hash of (feed, identity key) is the row id;
 * only items that belong to a story keep their title and link (as sources). */
struct item_row {
	gint64 id;              /* identity hash */
	gint64 story;           /* 0 = none */
	char *entries;          /* entries already accounted for, "\n"-joined, sorted; NULL = none */
	int seen_day;           /* Unix day last seen in the feed */
};
void item_row_clear(struct item_row *r);

/* The feed's row id, created if needed, and whether its ids are distrusted. 0 or -1. */
int store_feed_ref(struct store *s, const char *feed, gint64 *feed_id, gboolean *ids_untrusted);
/* Counts one "known link under a new id"; distrusts the feed's ids from the
 * threshold-th on and then re-keys its recently seen items by link. Returns 1 when the feed
 * has just been distrusted, 0 otherwise, -1 on error. */
int store_feed_id_changed(struct store *s, gint64 feed_id, int threshold);

/* Whether item id was already recorded in the current transaction (one poll);
 * note: remember it now. Forgotten at begin, commit and rollback. */
gboolean store_tx_note_item(struct store *s, gint64 id, gboolean note);
/* The row id of an item: the feed id's low 15 bits, then 48 bits of a hash of
 * feed and identity key. */
gint64 store_item_hash(gint64 feed_id, const char *key);
/* 0 found, 1 not found, -1 error. */
int store_item_get(struct store *s, gint64 id, struct item_row *r);
int store_item_get_by_link(struct store *s, gint64 link, struct item_row *r);
/* Inserts or replaces the row r->id of feed_id; link: the link identity hash
 * of an id-keyed item, remembered for a week to notice re-issued ids (0 = none). */
int store_item_put(struct store *s, gint64 feed_id, const struct item_row *r, gint64 link);
/* Marks the item (and its link, if not 0) seen on day. */
int store_item_touch(struct store *s, gint64 id, gint64 link, int day);

struct story_row {
	gint64 id;
	gint64 created;
	guint64 simhash;
	char *entries;          /* entries already alerted for this story; NULL = none */
	gboolean realerted;
};
void story_row_clear(struct story_row *r);
/* The story created at or after since with this link hash; 0 found, 1 none, -1 error. */
int store_story_by_link(struct store *s, gint64 link_hash, gint64 since, struct story_row *r);
/* The story created at or after since whose simhash is nearest to h, if within
 * max_distance bits; 0 found, 1 none, -1 error. */
int store_story_by_simhash(struct store *s, guint64 h, int max_distance, gint64 since,
                           struct story_row *r);
int store_story_get(struct store *s, gint64 id, struct story_row *r);
/* Returns the new story id, or -1. */
gint64 store_story_add(struct store *s, gint64 created, gint64 link_hash, guint64 simhash,
                       const char *entries);
int store_story_update(struct store *s, const struct story_row *r);
/* Records item as one outlet of story (once per item). */
int store_source_add(struct store *s, gint64 story, gint64 feed_id, gint64 item, gint64 seen,
                     const char *title, const char *link);
/* The story's outlets other than except_item, oldest first: struct alert_source *
 * (alert.h); never NULL on success, NULL on error. Caller unrefs. */
GPtrArray *store_story_sources(struct store *s, gint64 story, gint64 except_item);
/* Distinct feeds carrying the story, or -1. */
int store_story_outlets(struct store *s, gint64 story);

/* --- history (store_items.c) --------------------------------------------- */
struct history_entry {
	gint64 id;
	gint64 created;         /* Unix seconds the alert was produced */
	char *feed;
	gint64 story;           /* 0 = none */
	int priority;
	char *kind;             /* "new", "follow-up", "realert" */
	char *json;             /* the alert as recorded */
	GPtrArray *sources;     /* struct alert_source *: the story's other outlets today */
};
void history_entry_free(struct history_entry *h);       /* accepts NULL */
/* Alerts created at or after since, oldest first, optionally only those naming
 * entry and/or from feed (NULL = any). Array of struct history_entry *, or NULL on error. */
GPtrArray *store_history(struct store *s, gint64 since, const char *entry, const char *feed);

#endif
