/* test_store.c — the state database: creation, migrations from every earlier
 * version, open errors, disk full, feed state, alerts and history, pruning. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "store.h"
#include "alert.h"
#include "log.h"

static char *
tmpdir(void)
{
	char *d = g_dir_make_tmp("nw-store-XXXXXX", NULL);

	g_assert_nonnull(d);
	return d;
}

static void
rm_rf(const char *path)
{
	char *argv[] = { "rm", "-rf", (char *)path, NULL };

	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static sqlite3_int64
query_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	sqlite3_int64 v = -1;

	g_assert_cmpint(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL), ==, SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *
query_text(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	char *v = NULL;

	g_assert_cmpint(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL), ==, SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void
test_open_creates(void)
{
	char *dir = tmpdir();
	char *path = g_build_filename(dir, "a", "b", "newswatch.db", NULL);
	char *parent = g_path_get_dirname(path);
	char *error = NULL, *mode, *ok;
	struct store *s = store_open(path, &error);
	struct stat st;

	g_assert_null(error);
	g_assert_nonnull(s);
	g_assert_cmpint(store_schema_version(s), ==, store_schema_latest());
	g_assert_cmpint(store_schema_latest(), >=, 1);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(stat(parent, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);
	mode = query_text(s, "PRAGMA journal_mode");
	g_assert_cmpstr(mode, ==, "wal");
	g_assert_cmpint(query_int(s, "PRAGMA synchronous"), ==, 2);    /* FULL */
	g_assert_cmpint(query_int(s, "PRAGMA foreign_keys"), ==, 1);
	ok = store_integrity_check(s);
	g_assert_cmpstr(ok, ==, "ok");
	store_close(s);
	/* Reopening migrates nothing and keeps the version. */
	s = store_open(path, &error);
	g_assert_nonnull(s);
	g_assert_cmpint(store_schema_version(s), ==, store_schema_latest());
	store_close(s);
	store_close(NULL);
	g_free(ok);
	g_free(mode);
	g_free(parent);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

/* Puts a little of everything into a database at schema version v, so that
 * each migration step is checked to carry data forward. */
static void
fill_at_version(struct store *s, int v)
{
	if (v < 1)
		return;
	/* Raw SQL: the program's statements speak the latest schema only. */
	g_assert_cmpint(store_begin(s), ==, 0);
	g_assert_cmpint(sqlite3_exec(store_db(s),
		"INSERT INTO feeds (name, etag, first_poll, polls) VALUES ('un-news', '\"e1\"', 1000, 3)",
		NULL, NULL, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(store_db(s),
		"INSERT INTO items (id, feed, seen) SELECT 42, id, 20000 FROM feeds WHERE name = 'un-news'",
		NULL, NULL, NULL), ==, SQLITE_OK);
	g_assert_cmpint(store_commit(s), ==, 0);
}

static void
test_migrations_every_version(void)
{
	for (int v = 0; v < store_schema_latest(); v++) {
		char *dir = tmpdir();
		char *path = g_build_filename(dir, "state.db", NULL);
		char *error = NULL, *ok;
		struct store *s = store_open_version(path, v, &error);
		struct feed_state fs;

		g_test_message("migrating from version %d to %d", v, store_schema_latest());
		g_assert_nonnull(s);
		g_assert_cmpint(store_schema_version(s), ==, v);
		fill_at_version(s, v);
		store_close(s);
		s = store_open(path, &error);
		g_assert_null(error);
		g_assert_nonnull(s);
		g_assert_cmpint(store_schema_version(s), ==, store_schema_latest());
		ok = store_integrity_check(s);
		g_assert_cmpstr(ok, ==, "ok");
		g_free(ok);
		g_assert_cmpint(query_int(s, "PRAGMA foreign_key_check"), ==, -1);   /* no rows */
		if (v >= 1) {
			g_assert_cmpint(store_feed_get(s, "un-news", &fs), ==, 0);
			g_assert_cmpstr(fs.etag, ==, "\"e1\"");
			g_assert_cmpint(fs.polls, ==, 3);
			feed_state_clear(&fs);
			g_assert_cmpint(query_int(s, "SELECT count(*) FROM items WHERE id = 42"), ==, 1);
		}
		/* Every table the program uses exists at the latest version. */
		g_assert_cmpint(query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
		                             " ('feeds', 'items', 'stories', 'sources', 'alerts', 'deliveries', 'links')"), ==, 7);
		store_close(s);
		g_free(path);
		rm_rf(dir);
		g_free(dir);
	}
}

static void
test_open_newer_schema(void)
{
	char *dir = tmpdir();
	char *path = g_build_filename(dir, "state.db", NULL);
	char *error = NULL;
	struct store *s = store_open(path, &error);

	g_assert_nonnull(s);
	g_assert_cmpint(sqlite3_exec(store_db(s), "PRAGMA user_version = 999", NULL, NULL, NULL), ==, SQLITE_OK);
	store_close(s);
	s = store_open(path, &error);
	g_assert_null(s);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error, "newer"));
	g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));  /* untouched */
	g_free(error);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

static void
test_open_unwritable(void)
{
	char *dir = tmpdir();
	char *file = g_build_filename(dir, "plainfile", NULL);
	char *path = g_build_filename(file, "state", "newswatch.db", NULL);
	char *error = NULL;
	struct store *s;

	/* A parent that is a file: fails for root too. */
	g_assert_true(g_file_set_contents(file, "x", 1, NULL));
	s = store_open(path, &error);
	g_assert_null(s);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error, "cannot create folder"));
	g_clear_pointer(&error, g_free);
	g_free(path);

	if (geteuid() != 0) {
		char *ro = g_build_filename(dir, "ro", NULL);

		g_assert_cmpint(g_mkdir(ro, 0500), ==, 0);
		path = g_build_filename(ro, "newswatch.db", NULL);
		s = store_open(path, &error);
		g_assert_null(s);
		g_assert_nonnull(error);
		g_assert_nonnull(strstr(error, "cannot create"));
		g_clear_pointer(&error, g_free);
		g_free(path);
		g_chmod(ro, 0700);
		g_free(ro);
	} else {
		g_test_message("running as root: the read-only folder case is skipped");
	}
	g_free(file);
	rm_rf(dir);
	g_free(dir);
}

static void
test_open_corrupt(void)
{
	char *dir = tmpdir();
	char *path = g_build_filename(dir, "newswatch.db", NULL);
	char garbage[8192];
	char *error = NULL, *aside = NULL, *contents = NULL;
	const char *name;
	struct store *s;
	GDir *d;
	gsize len = 0;

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 7 + 3);
	g_assert_true(g_file_set_contents(path, garbage, sizeof(garbage), NULL));
	s = store_open(path, &error);
	g_assert_null(s);
	g_assert_nonnull(error);
	g_test_message("error: %s", error);
	g_assert_nonnull(strstr(error, "moved aside"));
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	/* The damaged bytes are kept, not emptied. */
	d = g_dir_open(dir, 0, NULL);
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_prefix(name, "newswatch.db.corrupt-"))
			aside = g_build_filename(dir, name, NULL);
	g_dir_close(d);
	g_assert_nonnull(aside);
	g_assert_true(g_file_get_contents(aside, &contents, &len, NULL));
	g_assert_cmpuint(len, ==, sizeof(garbage));
	g_assert_cmpint(memcmp(contents, garbage, len), ==, 0);
	g_free(error);
	/* The next start begins afresh. */
	s = store_open(path, &error);
	g_assert_nonnull(s);
	store_close(s);
	g_free(contents);
	g_free(aside);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

/* Damage inside a valid database (a b-tree page overwritten) is found at open. */
static void
test_open_damaged_page(void)
{
	char *dir = tmpdir();
	char *path = g_build_filename(dir, "newswatch.db", NULL);
	char *error = NULL, *contents = NULL;
	struct store *s = store_open(path, &error);
	gint64 feed_id;
	gboolean untrusted;
	gsize len;

	g_assert_nonnull(s);
	g_assert_cmpint(store_begin(s), ==, 0);
	g_assert_cmpint(store_feed_ref(s, "f", &feed_id, &untrusted), ==, 0);
	for (int i = 1; i <= 3000; i++) {
		struct item_row r = { .id = i, .seen_day = 20000 };

		g_assert_cmpint(store_item_put(s, feed_id, &r, 0), ==, 0);
	}
	g_assert_cmpint(store_commit(s), ==, 0);
	sqlite3_wal_checkpoint_v2(store_db(s), NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	store_close(s);
	/* Scribble over the middle of the file: pages of the items b-tree. */
	g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
	g_assert_cmpuint(len, >, 8 * 4096);
	memset(contents + len / 2, 0x5a, 4096);
	g_assert_true(g_file_set_contents(path, contents, (gssize)len, NULL));
	s = store_open(path, &error);
	g_assert_null(s);
	g_test_message("error: %s", error);
	g_assert_nonnull(strstr(error, "moved aside"));
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_free(error);
	g_free(contents);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

/* Disk full, forced with max_page_count: a clear error, nothing advanced, and
 * the same work succeeds once space returns. */
static int
poll_like_transaction(struct store *s, int n, gint64 feed_id)
{
	struct feed_state fs = { 0 };
	int rc = -1;

	if (store_begin(s) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char key[64];
		struct item_row r = { 0 };

		g_snprintf(key, sizeof(key), "id:item-%d", i);
		r.id = store_item_hash(feed_id, key);
		r.seen_day = 20000;
		r.entries = g_strdup_printf("Entry with a long name to fill pages quickly %d", i);
		if (store_item_put(s, feed_id, &r, 0) < 0) {
			item_row_clear(&r);
			goto out;
		}
		item_row_clear(&r);
	}
	fs.etag = g_strdup("\"after\"");
	fs.polls = 2;
	if (store_feed_put(s, "big", &fs) < 0)
		goto out;
	rc = store_commit(s);
out:
	if (rc < 0)
		store_rollback(s);
	feed_state_clear(&fs);
	return rc;
}

static void
test_disk_full(void)
{
	char *dir = tmpdir();
	char *path = g_build_filename(dir, "newswatch.db", NULL);
	char *error = NULL, *sql, *ok;
	struct store *s = store_open(path, &error);
	struct feed_state fs = { 0 };
	gint64 feed_id;
	gboolean untrusted;
	sqlite3_int64 pages;

	g_assert_nonnull(s);
	fs.etag = g_strdup("\"before\"");
	fs.polls = 1;
	g_assert_cmpint(store_begin(s), ==, 0);
	g_assert_cmpint(store_feed_put(s, "big", &fs), ==, 0);
	g_assert_cmpint(store_feed_ref(s, "big", &feed_id, &untrusted), ==, 0);
	g_assert_cmpint(store_commit(s), ==, 0);
	feed_state_clear(&fs);

	pages = query_int(s, "PRAGMA page_count");
	sql = g_strdup_printf("PRAGMA max_page_count = %lld", (long long)pages + 2);
	query_int(s, sql);
	g_free(sql);
	g_assert_cmpint(poll_like_transaction(s, 2000, feed_id), ==, -1);
	g_test_message("disk full: %s", store_errmsg(s));
	g_assert_nonnull(strstr(store_errmsg(s), "full"));
	/* Nothing advanced. */
	g_assert_cmpint(query_int(s, "SELECT count(*) FROM items"), ==, 0);
	g_assert_cmpint(store_feed_get(s, "big", &fs), ==, 0);
	g_assert_cmpstr(fs.etag, ==, "\"before\"");
	g_assert_cmpint(fs.polls, ==, 1);
	feed_state_clear(&fs);

	/* Space returns: the same poll goes through. */
	query_int(s, "PRAGMA max_page_count = 1073741823");
	g_assert_cmpint(poll_like_transaction(s, 2000, feed_id), ==, 0);
	g_assert_cmpint(query_int(s, "SELECT count(*) FROM items"), ==, 2000);
	g_assert_cmpint(store_feed_get(s, "big", &fs), ==, 0);
	g_assert_cmpstr(fs.etag, ==, "\"after\"");
	feed_state_clear(&fs);
	ok = store_integrity_check(s);
	g_assert_cmpstr(ok, ==, "ok");
	g_free(ok);
	store_close(s);
	g_free(path);
	rm_rf(dir);
	g_free(dir);
}

static struct store *
fresh_store(char **dir)
{
	char *path, *error = NULL;
	struct store *s;

	*dir = tmpdir();
	path = g_build_filename(*dir, "newswatch.db", NULL);
	s = store_open(path, &error);
	g_assert_nonnull(s);
	g_free(path);
	return s;
}

static void
drop_store(struct store *s, char *dir)
{
	char *ok = store_integrity_check(s);

	g_assert_cmpstr(ok, ==, "ok");
	g_free(ok);
	store_close(s);
	rm_rf(dir);
	g_free(dir);
}

static void
test_feed_state(void)
{
	char *dir;
	struct store *s = fresh_store(&dir);
	struct feed_state in = { 0 }, out;
	struct item_row r = { 0 };
	gint64 id, id2;
	gboolean untrusted;
	char **names;

	g_assert_cmpint(store_feed_get(s, "x", &out), ==, 1);
	in.url = g_strdup("https://example.org/moved.rss");
	in.moved_from = g_strdup("https://example.org/feed.rss");
	in.etag = g_strdup("W/\"abc\"");
	in.last_modified = g_strdup("Sat, 28 Nov 2026 09:00:00 GMT");
	in.first_poll = 1;
	in.last_poll = 2;
	in.last_success = 3;
	in.next_due = 4;
	in.last_error = g_strdup("http 503");
	in.error_since = 5;
	in.failures = 6;
	in.disabled = TRUE;
	in.ill_formed = TRUE;
	in.polls = 7;
	in.not_modified = 8;
	in.items_total = 9;
	in.poll_hint = 3600;
	g_assert_cmpint(store_feed_ref(s, "x", &id, &untrusted), ==, 0);
	r.id = 77;
	r.seen_day = 1;
	g_assert_cmpint(store_item_put(s, id, &r, 0), ==, 0);
	g_assert_cmpint(store_feed_put(s, "x", &in), ==, 0);
	g_assert_cmpint(store_feed_get(s, "x", &out), ==, 0);
	g_assert_cmpstr(out.url, ==, in.url);
	g_assert_cmpstr(out.moved_from, ==, in.moved_from);
	g_assert_cmpstr(out.etag, ==, in.etag);
	g_assert_cmpstr(out.last_modified, ==, in.last_modified);
	g_assert_cmpstr(out.last_error, ==, in.last_error);
	g_assert_cmpint(out.first_poll + out.last_poll + out.last_success + out.next_due, ==, 10);
	g_assert_cmpint(out.error_since, ==, 5);
	g_assert_cmpint(out.failures, ==, 6);
	g_assert_true(out.disabled && out.ill_formed);
	g_assert_cmpint(out.polls + out.not_modified, ==, 15);
	g_assert_cmpint(out.items_total, ==, 9);
	g_assert_cmpint(out.poll_hint, ==, 3600);
	g_assert_false(out.ids_untrusted);
	feed_state_clear(&out);
	/* Saving feed state again keeps its id and so its items. */
	g_assert_cmpint(store_feed_put(s, "x", &in), ==, 0);
	g_assert_cmpint(store_feed_ref(s, "x", &id2, &untrusted), ==, 0);
	g_assert_cmpint(id, ==, id2);
	g_assert_cmpint(query_int(s, "SELECT count(*) FROM items"), ==, 1);
	names = store_feed_names(s);
	g_assert_cmpuint(g_strv_length(names), ==, 1);
	g_assert_cmpstr(names[0], ==, "x");
	g_strfreev(names);
	feed_state_clear(&in);
	g_assert_null(in.etag);
	feed_state_clear(&in);      /* twice is harmless */
	drop_store(s, dir);
}

static const char alert_json_a[] =
	"{\"feed\":\"un-news\",\"title\":\"Guterres calls for Gaza ceasefire\",\"link\":\"https://news.un.org/1\","
	"\"id\":\"id:un-1\",\"published\":null,\"priority\":\"high\","
	"\"matches\":[{\"entry\":\"Ant\xc3\xb3nio Guterres\",\"list\":\"people\",\"term\":\"Guterres\",\"field\":\"title\",\"snippet\":\"x\"},"
	"{\"entry\":\"Gaza\",\"list\":\"aid\",\"term\":\"Gaza\",\"field\":\"title\",\"snippet\":\"x\"}],"
	"\"story\":\"1\",\"sources\":[]}";
static const char alert_json_b[] =
	"{\"feed\":\"wire\",\"title\":\"Red Cross in Darfur\",\"link\":\"https://wire.example/2\","
	"\"id\":\"link:https://wire.example/2\",\"published\":null,\"priority\":\"normal\","
	"\"matches\":[{\"entry\":\"Red Cross\",\"list\":\"aid\",\"term\":\"Red Cross\",\"field\":\"title\",\"snippet\":\"x\"}],"
	"\"follow_up\":\"Red Cross\",\"sources\":[]}";

static void
test_alerts_history(void)
{
	char *dir;
	struct store *s = fresh_store(&dir);
	gint64 feed_un, feed_rw, story, a1, a2;
	gboolean untrusted;
	struct item_row r = { 0 };
	GPtrArray *h;
	struct history_entry *e;
	struct alert_source *src;

	g_assert_cmpint(store_begin(s), ==, 0);
	g_assert_cmpint(store_feed_ref(s, "un-news", &feed_un, &untrusted), ==, 0);
	g_assert_cmpint(store_feed_ref(s, "reliefweb", &feed_rw, &untrusted), ==, 0);
	story = store_story_add(s, 1000, 0, 0x1234, "Ant\xc3\xb3nio Guterres\nGaza");
	g_assert_cmpint(story, >, 0);
	r.id = store_item_hash(feed_un, "id:un-1");
	g_assert_cmpint(store_source_add(s, story, feed_un, r.id, 1000, "Guterres calls for Gaza ceasefire",
	                                 "https://news.un.org/1"), ==, 0);
	g_assert_cmpint(store_source_add(s, story, feed_rw, 99, 1001, "UN chief urges Gaza ceasefire",
	                                 "https://reliefweb.int/9"), ==, 0);
	a1 = store_alert_add(s, "un-news", story, 2, alert_json_a);
	a2 = store_alert_add(s, "wire", 0, 1, alert_json_b);
	g_assert_cmpint(a1, >, 0);
	g_assert_cmpint(a2, >, a1);
	g_assert_cmpint(store_alert_add(s, "wire", 0, 1, "{not json"), ==, -1);
	/* The same story alerting again without a follow-up: the realert. */
	g_assert_cmpint(store_alert_add(s, "reliefweb", story, 3, alert_json_a), >, a2);
	g_assert_cmpint(store_commit(s), ==, 0);
	/* The outbox's table accepts deliveries for the alert. */
	g_assert_cmpint(sqlite3_exec(store_db(s), "INSERT INTO deliveries (alert, channel) VALUES (1, 'stdout')",
	                             NULL, NULL, NULL), ==, SQLITE_OK);

	h = store_history(s, 0, NULL, NULL);
	g_assert_cmpuint(h->len, ==, 3);
	e = g_ptr_array_index(h, 2);
	g_assert_cmpstr(e->kind, ==, "realert");
	g_assert_cmpstr(e->feed, ==, "reliefweb");
	e = g_ptr_array_index(h, 0);
	g_assert_cmpint(e->id, ==, a1);
	g_assert_cmpstr(e->feed, ==, "un-news");
	g_assert_cmpstr(e->kind, ==, "new");
	g_assert_cmpint(e->story, ==, story);
	g_assert_cmpint(e->priority, ==, 2);
	g_assert_cmpstr(e->json, ==, alert_json_a);
	/* The story's other outlet, not the alerting item itself. */
	g_assert_cmpuint(e->sources->len, ==, 1);
	src = g_ptr_array_index(e->sources, 0);
	g_assert_cmpstr(src->feed, ==, "reliefweb");
	g_assert_cmpstr(src->link, ==, "https://reliefweb.int/9");
	e = g_ptr_array_index(h, 1);
	g_assert_cmpstr(e->kind, ==, "follow-up");
	g_assert_cmpuint(e->sources->len, ==, 0);
	g_ptr_array_unref(h);

	/* Filters: entry (case-insensitive), feed, since. */
	h = store_history(s, 0, "ant\xc3\xb3nio guterres", NULL);
	g_assert_cmpuint(h->len, ==, 2);
	g_ptr_array_unref(h);
	h = store_history(s, 0, "Antonio", NULL);
	g_assert_cmpuint(h->len, ==, 0);
	g_ptr_array_unref(h);
	h = store_history(s, 0, NULL, "wire");
	g_assert_cmpuint(h->len, ==, 1);
	g_ptr_array_unref(h);
	h = store_history(s, g_get_real_time() / G_USEC_PER_SEC + 3600, NULL, NULL);
	g_assert_cmpuint(h->len, ==, 0);
	g_ptr_array_unref(h);
	history_entry_free(NULL);

	/* forget --feed: its items, sources, alerts and deliveries go too. */
	g_assert_cmpint(store_forget_feed(s, "un-news"), ==, 0);
	g_assert_cmpint(store_forget_feed(s, "un-news"), ==, 1);
	g_assert_cmpint(query_int(s, "SELECT count(*) FROM alerts"), ==, 2);
	g_assert_cmpint(query_int(s, "SELECT count(*) FROM deliveries"), ==, 0);
	g_assert_cmpint(query_int(s, "SELECT count(*) FROM sources"), ==, 1);
	/* --reset: everything. */
	g_assert_cmpint(store_reset(s), ==, 0);
	g_assert_cmpint(query_int(s, "SELECT count(*) FROM alerts") + query_int(s, "SELECT count(*) FROM feeds") +
	                query_int(s, "SELECT count(*) FROM stories"), ==, 0);
	drop_store(s, dir);
}

static void
test_prune(void)
{
	char *dir;
	struct store *s = fresh_store(&dir);
	gint64 now = 20000LL * 86400, feed_id, old_story, new_story;
	gboolean untrusted;
	struct item_row r = { 0 };
	char *sql;

	g_assert_cmpint(store_begin(s), ==, 0);
	g_assert_cmpint(store_feed_ref(s, "f", &feed_id, &untrusted), ==, 0);
	old_story = store_story_add(s, now - 100 * 86400, 0, 1, "E");
	new_story = store_story_add(s, now - 86400, 0, 2, "E");
	/* id 1: unmatched, seen 100 days ago -> pruned
	 * id 2: unmatched, seen yesterday -> kept
	 * id 3: matched, seen 100 days ago -> identity kept (story link dropped)
	 * id 4: matched, seen 400 days ago -> pruned */
	r.seen_day = 20000 - 100;
	r.id = 1;
	g_assert_cmpint(store_item_put(s, feed_id, &r, 0), ==, 0);
	r.id = 2;
	r.seen_day = 20000 - 1;
	g_assert_cmpint(store_item_put(s, feed_id, &r, 0), ==, 0);
	r.id = 3;
	r.seen_day = 20000 - 100;
	r.story = old_story;
	r.entries = g_strdup("E");
	g_assert_cmpint(store_item_put(s, feed_id, &r, 0), ==, 0);
	r.id = 4;
	r.seen_day = 20000 - 400;
	r.story = 0;
	g_assert_cmpint(store_item_put(s, feed_id, &r, 0), ==, 0);
	item_row_clear(&r);
	g_assert_cmpint(store_source_add(s, old_story, feed_id, 3, now - 100 * 86400, "t", "l"), ==, 0);
	g_assert_cmpint(store_source_add(s, new_story, feed_id, 2, now - 86400, "t", "l"), ==, 0);
	g_assert_cmpint(store_commit(s), ==, 0);
	sql = g_strdup_printf("INSERT INTO alerts (created, feed, priority, json) VALUES (%lld, %lld, 1, '{}'), (%lld, %lld, 1, '{}')",
	                      (long long)(now - 100 * 86400), (long long)feed_id, (long long)(now - 100 * 86400), (long long)feed_id);
	g_assert_cmpint(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), ==, SQLITE_OK);
	g_free(sql);
	/* The second old alert is still owed to a channel. */
	g_assert_cmpint(sqlite3_exec(store_db(s), "INSERT INTO deliveries (alert, channel) VALUES (2, 'mail')",
	                             NULL, NULL, NULL), ==, SQLITE_OK);

	/* Links of id-keyed items: kept a week. */
	g_assert_cmpint(sqlite3_exec(store_db(s), "INSERT INTO links (id, item, seen) VALUES (10, 2, 19999), (11, 1, 19990)",
	                             NULL, NULL, NULL), ==, SQLITE_OK);

	g_assert_cmpint(store_prune(s, now, 90), ==, 0);
	g_assert_cmpint(query_int(s, "SELECT group_concat(id) FROM links"), ==, 10);
	{
		char *ids = query_text(s, "SELECT group_concat(id) FROM (SELECT id FROM items ORDER BY id)");

		g_assert_cmpstr(ids, ==, "2,3");
		g_free(ids);
	}
	g_assert_cmpint(query_int(s, "SELECT count(*) FROM stories"), ==, 1);
	g_assert_cmpint(query_int(s, "SELECT story IS NULL FROM items WHERE id = 3"), ==, 1);
	g_assert_cmpint(query_int(s, "SELECT count(*) FROM sources"), ==, 1);
	g_assert_cmpint(query_int(s, "SELECT id FROM alerts"), ==, 2);
	g_assert_cmpint(store_prune(s, now, 0), ==, -1);
	drop_store(s, dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* Error paths log a warning once where they are understood: expected here. */
	g_log_set_always_fatal(G_LOG_LEVEL_ERROR);
	log_init(0);
	g_test_add_func("/store/open/creates", test_open_creates);
	g_test_add_func("/store/open/migrations", test_migrations_every_version);
	g_test_add_func("/store/open/newer-schema", test_open_newer_schema);
	g_test_add_func("/store/open/unwritable", test_open_unwritable);
	g_test_add_func("/store/open/corrupt", test_open_corrupt);
	g_test_add_func("/store/open/damaged-page", test_open_damaged_page);
	g_test_add_func("/store/disk-full", test_disk_full);
	g_test_add_func("/store/feed-state", test_feed_state);
	g_test_add_func("/store/alerts-history-forget", test_alerts_history);
	g_test_add_func("/store/prune", test_prune);
	return g_test_run();
}
