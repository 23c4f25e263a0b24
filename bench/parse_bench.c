/* parse_bench.c — newswatch's parse stage over a corpus of feed files, each
 * pushed in 16 KiB chunks as the fetcher's write callback would deliver it:
 * bytes → UTF-8 repair → libxml2 SAX → fields → HTML to text.
 * With NW_BENCH_WATCHLISTS=DIR set, every item is also folded and matched
 * against those watchlists: the whole pipeline short of the database.
 * Usage: parse_bench FILE...   (prints one line of key=value figures) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <glib.h>
#include "feed.h"
#include "match.h"

static struct matcher *matcher;   /* NULL: parse only */

/* The later stages (fold + match), inside the timed loop. Returns the
 * number of matches found. */
static guint
after_parse(struct feed_doc *doc)
{
	guint n = 0;

	for (guint i = 0; matcher && i < doc->items->len; i++) {
		GPtrArray *m = matcher_match_item(matcher, g_ptr_array_index(doc->items, i));

		n += m->len;
		g_ptr_array_unref(m);
	}
	return n;
}

int
main(int argc, char **argv)
{
	static char buf[16 * 1024];
	guint64 bytes = 0, items = 0, feeds = 0, failed = 0, ill = 0, matches = 0;
	gint64 t0, t1;
	struct rusage ru;

	const char *wdir = g_getenv("NW_BENCH_WATCHLISTS");
	struct watchlists *wl = NULL;

	if (wdir && *wdir) {
		GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);

		wl = watchlists_load_dir(wdir, errors, NULL);
		g_ptr_array_unref(errors);
		if (wl == NULL) {
			fprintf(stderr, "%s: cannot load watchlists\n", wdir);
			return 1;
		}
		matcher = matcher_new(wl);
	}
	t0 = g_get_monotonic_time();
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		struct feed_parser *p;
		struct feed_doc *doc;
		char *error = NULL;
		ssize_t n;

		if (fd < 0) {
			perror(argv[i]);
			return 1;
		}
		p = feed_parser_new("https://bench.example/feed", NULL);
		while ((n = read(fd, buf, sizeof buf)) > 0) {
			bytes += (guint64)n;
			feed_parser_push(p, buf, (size_t)n);
		}
		close(fd);
		doc = feed_parser_finish(p, &error);
		feed_parser_free(p);
		feeds++;
		if (doc == NULL) {
			failed++;
			g_free(error);
			continue;
		}
		items += doc->items->len;
		ill += doc->ill_formed;
		matches += after_parse(doc);
		feed_doc_free(doc);
	}
	t1 = g_get_monotonic_time();
	getrusage(RUSAGE_SELF, &ru);
	printf("feeds=%" G_GUINT64_FORMAT " failed=%" G_GUINT64_FORMAT " ill_formed=%" G_GUINT64_FORMAT
	       " items=%" G_GUINT64_FORMAT " matches=%" G_GUINT64_FORMAT " bytes=%" G_GUINT64_FORMAT " seconds=%.3f"
	       " mb_per_s=%.1f items_per_s=%.0f maxrss_kb=%ld\n",
	       feeds, failed, ill, items, matches, bytes, (t1 - t0) / 1e6,
	       bytes / 1e6 / ((t1 - t0) / 1e6), items / ((t1 - t0) / 1e6), ru.ru_maxrss);
	matcher_free(matcher);
	watchlists_free(wl);
	return failed ? 1 : 0;
}
