/* store.c — the state database: open, pragmas, schema migrations, transactions.
 * The schema of every table lives here, in one ordered list of migrations;
 * store_feeds.c, store_items.c and store_outbox.c own the queries. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "store.h"
#include "log.h"

struct store {
	sqlite3 *db;
	char *path;
	GHashTable *stmts;      /* const char *sql (by address) -> sqlite3_stmt * */
	char *last_error;       /* of the current transaction, kept across its rollback */
	GHashTable *tx_items;   /* gint64 item ids recorded in the current transaction */
	dev_t dev;              /* the file opened, to notice it deleted or replaced */
	ino_t ino;
};

/* Migration i takes the schema from version i to i + 1. Append only: a
 * released entry is never edited, or databases already past it would differ. */
static const char *const migrations[] = {
	/* 0 -> 1: feeds, items, stories and their sources, alerts and deliveries. */
	"CREATE TABLE feeds ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  url TEXT, moved_from TEXT, etag TEXT, last_modified TEXT,"
	"  first_poll INTEGER NOT NULL DEFAULT 0,"
	"  last_poll INTEGER NOT NULL DEFAULT 0,"
	"  last_success INTEGER NOT NULL DEFAULT 0,"
	"  next_due INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  error_since INTEGER NOT NULL DEFAULT 0,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  ill_formed INTEGER NOT NULL DEFAULT 0,"
	"  polls INTEGER NOT NULL DEFAULT 0,"
	"  not_modified INTEGER NOT NULL DEFAULT 0,"
	"  items_total INTEGER NOT NULL DEFAULT 0,"
	"  id_changes INTEGER NOT NULL DEFAULT 0,"   /* known links seen under new ids */
	"  ids_untrusted INTEGER NOT NULL DEFAULT 0"
	");"
	/* A story: the first matching item of some news and every copy of it. */
	"CREATE TABLE stories ("
	"  id INTEGER PRIMARY KEY,"
	"  created INTEGER NOT NULL,"
	"  link INTEGER,"                 /* hash of the canonical link without its scheme */
	"  simhash INTEGER NOT NULL,"     /* of the normalised title */
	"  entries TEXT,"                 /* entries already alerted, \\n-joined */
	"  realerted INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX stories_created ON stories(created);"
	"CREATE INDEX stories_link ON stories(link) WHERE link IS NOT NULL;"
	/* Every item ever seen, compactly: no text unless it is part of a story. */
	"CREATE TABLE items ("
	"  id INTEGER PRIMARY KEY,"       /* store_item_hash(feed, identity key) */
	"  feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  link INTEGER,"                 /* link identity of id-keyed items, to notice new ids */
	"  seen INTEGER NOT NULL,"        /* Unix day last seen */
	"  story INTEGER REFERENCES stories(id) ON DELETE SET NULL,"
	"  entries TEXT"                  /* entries accounted for (alerted or suppressed) */
	");"
	"CREATE INDEX items_link ON items(link) WHERE link IS NOT NULL;"
	"CREATE INDEX items_story ON items(story) WHERE story IS NOT NULL;"
	"CREATE TABLE sources ("
	"  story INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,"
	"  item INTEGER NOT NULL,"
	"  feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  seen INTEGER NOT NULL,"
	"  title TEXT, link TEXT,"
	"  PRIMARY KEY (story, item)"
	") WITHOUT ROWID;"
	/* One row per alert produced; `history` reads these. */
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY,"
	"  created INTEGER NOT NULL,"
	"  feed INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
	"  item INTEGER,"                 /* items.id of the alerting item */
	"  story INTEGER REFERENCES stories(id) ON DELETE SET NULL,"
	"  kind TEXT NOT NULL DEFAULT 'new' CHECK (kind IN ('new', 'follow-up', 'realert')),"
	"  priority INTEGER NOT NULL,"
	"  entries TEXT NOT NULL DEFAULT '',"  /* \\n-joined entry names */
	"  json TEXT NOT NULL"
	");"
	"CREATE INDEX alerts_created ON alerts(created);"
	"CREATE INDEX alerts_story ON alerts(story) WHERE story IS NOT NULL;"
	/* One row per alert and channel: the outbox (store_outbox.c). */
	"CREATE TABLE deliveries ("
	"  alert INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,"
	"  channel TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state IN ('pending', 'sent', 'failed', 'given_up')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  sent_at INTEGER,"
	"  held TEXT,"                    /* 'quiet', 'rate' or 'digest': goes out in a summary */
	"  queued INTEGER NOT NULL DEFAULT 0,"  /* queued or requeued at: max age counts from here */
	"  PRIMARY KEY (alert, channel)"
	") WITHOUT ROWID;"
	"CREATE INDEX deliveries_due ON deliveries(state, next_try);",
	/* 1 -> 2: the feed's own polling hint survives a 304 (scheduler.c). */
	"ALTER TABLE feeds ADD COLUMN poll_hint INTEGER NOT NULL DEFAULT 0;",
	/* 2 -> 3: a link per item cost 30 bytes on every item ever seen; noticing
	 * re-issued ids needs only the links of items recently in their feed. */
	"DROP INDEX items_link;"
	"ALTER TABLE items DROP COLUMN link;"
	"CREATE TABLE links ("
	"  id INTEGER PRIMARY KEY,"       /* 63-bit hash of (feed, canonical link) */
	"  item INTEGER NOT NULL,"        /* items.id the link was last seen under */
	"  seen INTEGER NOT NULL"         /* Unix day; kept a week */
	");"
	"CREATE INDEX links_item ON links(item);",
};

int
store_schema_latest(void)
{
	return (int)G_N_ELEMENTS(migrations);
}

static void
stmt_finalize(gpointer p)
{
	sqlite3_finalize(p);
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->stmts)
		g_hash_table_destroy(s->stmts);
	if (s->tx_items)
		g_hash_table_destroy(s->tx_items);
	if (s->db && sqlite3_close(s->db) != SQLITE_OK)
		log_warnx("%s: closing: %s", s->path, sqlite3_errmsg(s->db));
	g_free(s->path);
	g_free(s->last_error);
	g_free(s);
}

const char *
store_path(struct store *s)
{
	return s->path;
}

sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

const char *
store_errmsg(struct store *s)
{
	if (s && s->last_error)
		return s->last_error;
	return s && s->db ? sqlite3_errmsg(s->db) : "no database";
}

void
store_note_error(struct store *s)
{
	g_free(s->last_error);
	s->last_error = g_strdup(sqlite3_errmsg(s->db));
}

sqlite3_stmt *
store_stmt(struct store *s, const char *sql)
{
	sqlite3_stmt *st = g_hash_table_lookup(s->stmts, sql);

	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store_note_error(s);
		log_warnx("%s: %s (in \"%.60s\")", s->path, sqlite3_errmsg(s->db), sql);
		return NULL;
	}
	g_hash_table_insert(s->stmts, (gpointer)sql, st);
	return st;
}

static int
exec(struct store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_note_error(s);
		log_warnx("%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
pragma_int(struct store *s, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sqlite3_extended_errcode(s->db);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
store_schema_version(struct store *s)
{
	int v = -1;

	return pragma_int(s, "PRAGMA user_version", &v) == SQLITE_OK ? v : -1;
}

/* Moves a damaged database (and its WAL) aside so that nothing is lost:
 * the next start creates a fresh one. Returns the new name (caller frees) or NULL. */
static char *
move_aside(const char *path)
{
	GDateTime *now = g_date_time_new_now_utc();
	char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
	char *dest = g_strdup_printf("%s.corrupt-%s", path, stamp);
	static const char *const suffixes[] = { "-wal", "-shm" };

	g_date_time_unref(now);
	g_free(stamp);
	if (g_rename(path, dest) != 0) {
		g_free(dest);
		return NULL;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		char *from = g_strconcat(path, suffixes[i], NULL);
		char *to = g_strconcat(dest, suffixes[i], NULL);

		if (g_file_test(from, G_FILE_TEST_EXISTS))
			(void)g_rename(from, to);
		g_free(from);
		g_free(to);
	}
	return dest;
}

static gboolean
is_corruption(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
}

static int
migrate(struct store *s, int from, int to, char **error)
{
	for (int v = from; v < to; v++) {
		char *bump = g_strdup_printf("PRAGMA user_version = %d", v + 1);
		char *msg = NULL;
		int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg);

		if (rc == SQLITE_OK)
			rc = sqlite3_exec(s->db, migrations[v], NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(s->db, bump, NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg);
		g_free(bump);
		if (rc != SQLITE_OK) {
			*error = g_strdup_printf("migrating the schema from version %d to %d: %s",
			                         v, v + 1, msg ? msg : sqlite3_errmsg(s->db));
			sqlite3_free(msg);
			if (!sqlite3_get_autocommit(s->db))
				sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return SQLITE_OK;
}

/* Creates the file with mode 0600 before SQLite does (SQLite would honour the
 * umask, and its -wal/-shm files copy the database file's mode). */
static int
create_private(const char *path, char **error)
{
	char *dir = g_path_get_dirname(path);
	int fd;

	if (g_mkdir_with_parents(dir, 0700) != 0) {
		*error = g_strdup_printf("cannot create folder %s: %s", dir, g_strerror(errno));
		g_free(dir);
		return -1;
	}
	g_free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error = g_strdup_printf("cannot create: %s", g_strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

struct store *
store_open_version(const char *path, int version, char **error)
{
	struct store *s = g_new0(struct store, 1);
	char *msg = NULL;
	int rc, v = 0;

	*error = NULL;
	s->path = g_strdup(path);
	s->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, stmt_finalize);
	s->tx_items = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	if (!g_file_test(path, G_FILE_TEST_EXISTS) && create_private(path, error) < 0)
		goto fail;
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		msg = g_strdup(s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto failmsg;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 10000);
	/* The first read tells whether this is a database at all. */
	rc = pragma_int(s, "PRAGMA user_version", &v);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
		                  "PRAGMA foreign_keys = ON;"
		                  /* Reads through the OS page cache, not read() per page;
		                   * 8 MB of private cache for what is written. */
		                  "PRAGMA mmap_size = 268435456; PRAGMA cache_size = -8192;",
		                  NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		char *mode = NULL;
		sqlite3_stmt *st;

		/* journal_mode answers with the mode it got, not an error. */
		if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			mode = g_strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		if (mode == NULL || g_ascii_strcasecmp(mode, "wal") != 0) {
			msg = g_strdup_printf("cannot use write-ahead logging (journal mode %s); "
			                      "is the folder writable?", mode ? mode : "unknown");
			g_free(mode);
			goto failmsg;
		}
		g_free(mode);
	}
	if (rc == SQLITE_OK && v > store_schema_latest()) {
		msg = g_strdup_printf("schema version %d is newer than this newswatch knows (%d); "
		                      "upgrade newswatch", v, store_schema_latest());
		goto failmsg;
	}
	if (rc == SQLITE_OK && v > 0) {
		/* Damage deep inside would otherwise surface as a failing poll, again
		 * and again; quick_check reads every page once (~0.1 s per 15 MB). */
		sqlite3_stmt *st;

		rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0) {
				rc = SQLITE_OK;
			} else if (rc == SQLITE_ROW) {
				msg = g_strdup((const char *)sqlite3_column_text(st, 0));
				g_strdelimit(msg, "\n", ' ');       /* one line for logs */
				rc = SQLITE_CORRUPT;
			}
			sqlite3_finalize(st);
		}
	}
	if (rc == SQLITE_OK && v < version)
		rc = migrate(s, v, version, &msg);
	if (rc == SQLITE_OK) {
		struct stat st;

		if (stat(path, &st) == 0) {
			s->dev = st.st_dev;
			s->ino = st.st_ino;
		}
		return s;
	}
	if (is_corruption(rc)) {
		char *dest;

		sqlite3_close(s->db);
		s->db = NULL;
		dest = move_aside(path);
		{
			char *why = msg ? g_strdup_printf("%s: %s", sqlite3_errstr(rc), msg)
			                : g_strdup(sqlite3_errstr(rc));

			g_free(msg);
			msg = dest ? g_strdup_printf("not a valid database (%s); moved aside to %s, "
			                             "the next start begins with empty state", why, dest)
			           : g_strdup_printf("not a valid database (%s), and it could not be "
			                             "moved aside: %s", why, g_strerror(errno));
			g_free(why);
		}
		g_free(dest);
	} else if (msg == NULL) {
		msg = g_strdup(sqlite3_errmsg(s->db));
	}
failmsg:
	*error = msg;
fail:
	store_close(s);
	return NULL;
}

struct store *
store_open(const char *path, char **error)
{
	return store_open_version(path, store_schema_latest(), error);
}

int
store_reopen_if_gone(struct store *s)
{
	struct store *fresh;
	struct stat st;
	char *error = NULL;

	if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		return 0;
	/* Writing on into an unlinked file would lose everything at the next
	 * start; a fresh database at least keeps what happens from now on. */
	fresh = store_open(s->path, &error);
	if (fresh == NULL) {
		log_warnx("%s: the state database was deleted or replaced, and cannot be recreated: %s",
		          s->path, error ? error : "unknown error");
		g_free(error);
		return -1;
	}
	log_warnx("%s: the state database was deleted or replaced while running; recreated it "
	          "(what it held is gone: recent items may alert again)", s->path);
	g_hash_table_destroy(s->stmts);
	sqlite3_close(s->db);
	s->db = fresh->db;
	s->stmts = fresh->stmts;
	s->dev = fresh->dev;
	s->ino = fresh->ino;
	fresh->db = NULL;
	fresh->stmts = NULL;
	store_close(fresh);
	return 1;
}

int
store_begin(struct store *s)
{
	/* IMMEDIATE takes the write lock now, so a second process waits on
	 * busy_timeout here instead of failing half-way through the poll. */
	g_clear_pointer(&s->last_error, g_free);
	g_hash_table_remove_all(s->tx_items);
	return exec(s, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *s)
{
	g_hash_table_remove_all(s->tx_items);
	if (exec(s, "COMMIT") == 0)
		return 0;
	/* A failed COMMIT (disk full, I/O) may leave the transaction open. */
	store_rollback(s);
	return -1;
}

void
store_rollback(struct store *s)
{
	g_hash_table_remove_all(s->tx_items);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

gboolean
store_tx_note_item(struct store *s, gint64 id, gboolean note)
{
	gboolean had = g_hash_table_contains(s->tx_items, &id);

	if (note && !had)
		g_hash_table_add(s->tx_items, g_memdup2(&id, sizeof(id)));
	return had;
}

char *
store_integrity_check(struct store *s)
{
	sqlite3_stmt *st;
	char *res = NULL;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return g_strdup(sqlite3_errmsg(s->db));
	if (sqlite3_step(st) == SQLITE_ROW)
		res = g_strdup((const char *)sqlite3_column_text(st, 0));
	else
		res = g_strdup(sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return res;
}

int
store_reset(struct store *s)
{
	if (store_begin(s) < 0)
		return -1;
	if (exec(s, "DELETE FROM deliveries; DELETE FROM alerts; DELETE FROM sources;"
	            "DELETE FROM items; DELETE FROM stories; DELETE FROM feeds;") < 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s) < 0)
		return -1;
	/* Give the space back; failure here loses nothing. */
	(void)exec(s, "VACUUM");
	return 0;
}
