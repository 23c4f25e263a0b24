/* bench/store.c — cost of recording an item (new and already seen) with
 * 10,000 and 1,000,000 items stored, and database size per 100,000 items.
 * Items go through story_record_item exactly as a poll records them:
 * 500 feeds, GUIDs and links with tracking parameters, 2% of them matching. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <sqlite3.h>
#include <glib.h>

#include "story.h"
#include "match.h"

#define FEEDS 500
#define BATCH 50                /* items per transaction: one feed poll */
#define PROBES 20000

static gint64 now_s = 1795000000;

static void
free_match(gpointer p)
{
	struct match *m = p;

	g_free(m->entry);
	g_free(m);
}

/* A headline of 9 words drawn from a news vocabulary: unrelated items share
 * words as real headlines do, without being near-duplicates. */
static void
headline(gint64 n, char *buf, gsize len)
{
	static const char *const words[] = {
		"minister", "talks", "ceasefire", "election", "storm", "floods", "court", "ruling",
		"president", "visit", "summit", "aid", "refugees", "border", "strike", "protest",
		"budget", "vote", "parliament", "police", "army", "drone", "attack", "deal", "trade",
		"tariffs", "oil", "prices", "bank", "rates", "inflation", "jobs", "school", "hospital",
		"virus", "vaccine", "climate", "wildfire", "earthquake", "rescue", "port", "ship",
		"airline", "crash", "trial", "verdict", "leader", "opposition", "coalition", "reform",
		"sanctions", "embassy", "envoy", "UN", "NATO", "EU", "Kyiv", "Gaza", "Sudan", "Haiti",
		"Paris", "Berlin", "Delhi", "Lagos", "Lima", "Seoul", "Tokyo", "Cairo", "Nairobi",
		"warns", "rejects", "approves", "delays", "launches", "ends", "seeks", "blocks", "backs",
	};
	guint64 h = (guint64)n * 0x9e3779b97f4a7c15ULL + 1;
	GString *s = g_string_new(NULL);

	for (int i = 0; i < 9; i++) {
		h ^= h >> 29;
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 32;
		g_string_append_printf(s, "%s%s", i ? " " : "", words[h % G_N_ELEMENTS(words)]);
	}
	g_strlcpy(buf, s->str, len);
	g_string_free(s, TRUE);
}

static int
record(struct store *s, gint64 n, gboolean *matched)
{
	int feed = (int)(n % FEEDS);
	char name[32], id[64], link[160], title[160];
	struct feed_item it = { 0 };
	GPtrArray *m = g_ptr_array_new_with_free_func(free_match);
	struct story_options o = { .now = now_s, .backfill_hours = 24, .window_hours = 48 };
	struct story_result r;
	int rc;

	g_snprintf(name, sizeof(name), "feed-%03d", feed);
	g_snprintf(id, sizeof(id), "urn:uuid:%08x-4bf1-%04x-%012" G_GINT64_MODIFIER "x",
	           (unsigned)(n * 2654435761u), (unsigned)(n & 0xffff), n);
	g_snprintf(link, sizeof(link), "https://www.outlet%03d.example.com/world/2026/11/28/"
	           "story-about-something-%" G_GINT64_FORMAT "?utm_source=rss&utm_medium=feed", feed, n);
	headline(n, title, sizeof(title));
	it.id = id;
	it.link = link;
	it.title = title;
	it.published = now_s - 600;
	if (n % 50 == 7) {
		struct match *x = g_new0(struct match, 1);

		x->entry = g_strdup_printf("Entry %" G_GINT64_FORMAT, n % 300);
		g_ptr_array_add(m, x);
	}
	rc = story_record_item(s, name, &it, m, &o, &r);
	if (matched)
		*matched = m->len > 0;
	story_result_clear(&r);
	g_ptr_array_unref(m);
	return rc;
}

static void
fill(struct store *s, gint64 from, gint64 to)
{
	for (gint64 n = from; n < to; n += 1000) {
		store_begin(s);
		for (gint64 k = n; k < MIN(n + 1000, to); k++)
			if (record(s, k, NULL) < 0)
				g_error("record failed: %s", store_errmsg(s));
		if (store_commit(s) < 0)
			g_error("commit failed");
		/* The daemon prunes daily; a long retention keeps every item for the
		 * lookup figures, while links age out after their week as in real use. */
		if ((n / 1000) % 10 == 9 && store_prune(s, now_s, 3650) < 0)
			g_error("prune failed");
		/* 500 feeds at 20 items a day: 1,000 items take 2.4 hours,
		 * so stories age out of the 48-hour window as in real life. */
		now_s += 8640;
	}
}

/* Microseconds per item for PROBES items, one feed per transaction as in a
 * poll: *work without the commits, *commit the commits' share (fsync).
 * Item n belongs to feed n % FEEDS; batch b polls feed b % FEEDS, its items
 * from row (per-feed index) base_of(b) on. */
static void
measure(struct store *s, gint64 stored, gboolean fresh, double *work, double *commit)
{
	gint64 t_work = 0, t_commit = 0, per_feed = stored / FEEDS;
	GRand *r = g_rand_new_with_seed(42);

	for (gint64 b = 0; b < PROBES / BATCH; b++) {
		gint64 t0 = g_get_monotonic_time(), t1;
		gint64 feed = b % FEEDS;
		gint64 base = fresh ? per_feed + 1000 + b * BATCH
		                    : g_rand_int_range(r, 0, (gint32)MAX(1, per_feed - BATCH));

		store_begin(s);
		for (gint64 j = 0; j < BATCH; j++)
			if (record(s, feed + FEEDS * (base + j), NULL) < 0)
				g_error("record failed");
		t1 = g_get_monotonic_time();
		store_commit(s);
		t_work += t1 - t0;
		t_commit += g_get_monotonic_time() - t1;
	}
	g_rand_free(r);
	*work = (double)t_work / PROBES;
	*commit = (double)t_commit / PROBES;
}

static gint64
file_size(struct store *s, const char *path)
{
	struct stat st;

	sqlite3_wal_checkpoint_v2(store_db(s), NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

int
main(int argc, char **argv)
{
	gint64 sizes[] = { 10000, 1000000 };
	char *dir = g_dir_make_tmp("nw-bench-store-XXXXXX", NULL);
	char *path = g_build_filename(dir, "newswatch.db", NULL);
	char *error = NULL;
	struct store *s;
	gint64 stored = 0, next = 0;

	if (argc > 1)
		sizes[1] = g_ascii_strtoll(argv[1], NULL, 10);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s = store_open(path, &error);
	if (s == NULL)
		g_error("%s", error);
	printf("store benchmark: story_record_item, %d feeds, %d items per transaction, 2%% matching\n",
	       FEEDS, BATCH);
	printf("%10s %14s %14s %18s %12s\n", "stored", "new us/item", "seen us/item",
	       "commit us/item", "bytes/item");
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		double t_new, t_seen, c_new, c_seen;
		gint64 size;

		fill(s, next, sizes[i]);
		next = stored = sizes[i];
		size = file_size(s, path);
		/* Seen: items spread over everything stored; new: fresh ids. */
		measure(s, stored, FALSE, &t_seen, &c_seen);
		measure(s, stored + (gint64)i * PROBES * FEEDS, TRUE, &t_new, &c_new);
		printf("%10" G_GINT64_FORMAT " %14.1f %14.1f %18.1f %12.1f\n", stored, t_new, t_seen,
		       (c_new + c_seen) / 2, (double)size / (double)stored);
		fflush(stdout);
	}
	{
		gint64 size = file_size(s, path);
		gint64 total = stored + PROBES * 2 * (gint64)G_N_ELEMENTS(sizes);
		double per = (double)size / (double)total;
		double year = 500.0 * 20 * 90;

		printf("database: %.1f MB for %" G_GINT64_FORMAT " items = %.2f MB per 100,000 items\n",
		       size / 1e6, total, per * 100000 / 1e6);
		printf("500 feeds x 20 new items a day, 90 days kept = %.0f items: %.1f MB (budget 50 MB)\n",
		       year, per * year / 1e6);
		{
			gint64 t0 = g_get_monotonic_time();

			/* Nothing is old enough to go: the cost of the daily scan itself. */
			store_prune(s, now_s, 3650);
			printf("store_prune over %" G_GINT64_FORMAT " items: %.0f ms\n", total,
			       (g_get_monotonic_time() - t0) / 1000.0);
		}
		sqlite3_exec(store_db(s), "VACUUM", NULL, NULL, NULL);
		size = file_size(s, path);
		printf("after VACUUM: %.2f MB per 100,000 items\n", (double)size / (double)total * 100000 / 1e6);
	}
	if (g_getenv("BENCH_KEEP"))
		printf("kept %s\n", path);
	store_close(s);
	if (!g_getenv("BENCH_KEEP")) {
		char *rm[] = { "rm", "-rf", dir, NULL };

		g_spawn_sync(NULL, rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
	}
	g_free(path);
	g_free(dir);
	curl_global_cleanup();
	return 0;
}
