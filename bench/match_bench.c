/* match_bench.c — matcher throughput against watchlist size.
 * Generates watchlists of 10, 1,000 and 10,000 entries (names, surnames,
 * transliterations, exact acronyms, exclusions, context words) and a corpus
 * of news-like items (English with some Ukrainian and German), then prints
 * items/s for each size, the 10 vs 10,000 ratio, the automaton build time at
 * 10,000 entries, and the obvious alternative, one GRegex per alias, for
 * comparison. Figures only: nothing here passes or fails on timing. */
#include <stdio.h>
#include <string.h>
#include "match.h"
#include "watchlist.h"

static const char *const syl[] = {
	"ka", "ro", "mi", "len", "sto", "ver", "dan", "sha", "tor", "bel", "ni", "gra",
	"vo", "lu", "mer", "ska", "te", "pol", "zan", "dri", "ko", "hal", "rin", "uz",
};
static const char *const cyr[] = {
	"ка", "ро", "мі", "лен", "сто", "вер", "дан", "ша", "тор", "бел", "ні", "гра",
	"во", "лу", "мер", "ска", "те", "пол", "зан", "дрі", "ко", "хал", "рін", "уз",
};
static const char *const words[] = {
	"the", "minister", "said", "on", "Tuesday", "that", "allies", "would", "deliver", "more",
	"air", "defence", "systems", "before", "winter", "officials", "in", "Brussels", "and",
	"Washington", "discussed", "a", "new", "package", "of", "support", "for", "Ukraine",
	"while", "markets", "fell", "after", "the", "central", "bank", "raised", "rates", "by",
	"half", "point", "analysts", "expect", "further", "talks", "next", "week", "in", "Berlin",
	"where", "leaders", "will", "meet", "to", "agree", "budget", "with", "parliament",
	"football", "club", "won", "its", "match", "against", "rivals", "at", "home", "stadium",
	"weather", "forecast", "shows", "rain", "across", "the", "north", "of", "England",
	"міністр", "оборони", "заявив", "що", "партнери", "передадуть", "нові", "системи",
	"Verteidigungsminister", "sagte", "dass", "die", "Lieferung", "bald", "kommt",
};

struct wordgen {
	GRand *r;
};

static void
make_name(GRand *r, GString *lat, GString *cy)
{
	int n = g_rand_int_range(r, 2, 4);

	for (int i = 0; i < n; i++) {
		int k = g_rand_int_range(r, 0, G_N_ELEMENTS(syl));
		g_string_append(lat, syl[k]);
		g_string_append(cy, cyr[k]);
	}
	lat->str[0] = g_ascii_toupper(lat->str[0]);
}

/* A watchlist text of n entries; the names go into names (for the corpus). */
static char *
make_watchlist(guint n, guint seed, GPtrArray *names)
{
	GRand *r = g_rand_new_with_seed(seed);
	GString *out = g_string_new("[watchlist]\nname = bench\n\n");

	for (guint i = 0; i < n; i++) {
		GString *first = g_string_new(NULL), *last = g_string_new(NULL);
		GString *cfirst = g_string_new(NULL), *clast = g_string_new(NULL);
		make_name(r, first, cfirst);
		make_name(r, last, clast);
		g_string_append_printf(out, "[E%u %s %s]\n", i, first->str, last->str);
		g_string_append_printf(out, "aliases = %s %s;%s%u;%s %s;%s\n", first->str, last->str,
		                       last->str, i, cfirst->str, clast->str, clast->str);
		if (i % 5 == 0)
			g_string_append_printf(out, "exact = X%uQ\n", i);
		if (i % 7 == 0)
			g_string_append_printf(out, "exclude = %s Cruises\n", last->str);
		if (i % 11 == 0)
			g_string_append_printf(out, "context = defence;minister\ncontext_window = 8\n");
		g_string_append(out, "\n");
		g_ptr_array_add(names, g_strdup_printf("%s %s", first->str, last->str));
		g_string_free(first, TRUE);
		g_string_free(last, TRUE);
		g_string_free(cfirst, TRUE);
		g_string_free(clast, TRUE);
	}
	g_rand_free(r);
	return g_string_free(out, FALSE);
}

static char *
make_text(GRand *r, guint nwords, GPtrArray *names)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < nwords; i++) {
		if (i)
			g_string_append_c(s, ' ');
		if (names->len && g_rand_int_range(r, 0, 150) == 0)
			g_string_append(s, g_ptr_array_index(names, g_rand_int_range(r, 0, names->len)));
		else
			g_string_append(s, words[g_rand_int_range(r, 0, G_N_ELEMENTS(words))]);
		if (g_rand_int_range(r, 0, 12) == 0)
			g_string_append_c(s, '.');
	}
	return g_string_free(s, FALSE);
}

static GPtrArray *
make_corpus(guint n, GPtrArray *names)
{
	GRand *r = g_rand_new_with_seed(42);
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)feed_item_free);

	for (guint i = 0; i < n; i++) {
		struct feed_item *it = feed_item_new();
		it->title = make_text(r, 10, names);
		it->summary = make_text(r, 40, names);
		it->content = make_text(r, 250, names);
		it->author = g_strdup("Staff reporter");
		g_ptr_array_add(it->categories, g_strdup("World"));
		g_ptr_array_add(it->categories, g_strdup("Europe"));
		g_ptr_array_add(items, it);
	}
	g_rand_free(r);
	return items;
}

static struct watchlists *
load(guint n, GPtrArray *names)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	char *text = make_watchlist(n, 7, names);
	struct watchlists *wl = watchlists_load_data(text, "bench.watch", errors, NULL);

	if (wl == NULL) {
		fprintf(stderr, "bench: generated watchlist rejected: %s\n",
		        errors->len ? (char *)g_ptr_array_index(errors, 0) : "?");
		exit(1);
	}
	g_free(text);
	g_ptr_array_unref(errors);
	return wl;
}

/* Items per second over at least min_s seconds. */
static double
throughput(struct matcher *m, GPtrArray *items, double min_s, guint *matched)
{
	gint64 t0 = g_get_monotonic_time(), t;
	guint64 n = 0;

	*matched = 0;
	do {
		for (guint i = 0; i < items->len; i++) {
			GPtrArray *got = matcher_match_item(m, g_ptr_array_index(items, i));
			if (n < items->len)
				*matched += got->len > 0;
			g_ptr_array_unref(got);
			n++;
		}
		t = g_get_monotonic_time();
	} while (t - t0 < min_s * 1e6);
	return (double)n / ((double)(t - t0) / 1e6);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The obvious way: one case-insensitive \b...\b regex per alias, every item. */
static double
regex_throughput(const struct watchlists *wl, GPtrArray *items, guint n_items)
{
	GPtrArray *res = g_ptr_array_new_with_free_func((GDestroyNotify)g_regex_unref);
	gint64 t0, t;

	for (guint i = 0; i < watchlists_n_entries(wl); i++) {
		const struct wl_entry *e = watchlists_entry(wl, i);
		for (guint j = 0; j < e->aliases->len; j++) {
			const struct wl_alias *a = g_ptr_array_index(e->aliases, j);
			char *q = g_regex_escape_string(a->text, -1);
			char *p = g_strdup_printf("\\b%s\\b", q);
			g_ptr_array_add(res, g_regex_new(p, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));
			g_free(p);
			g_free(q);
		}
	}
	t0 = g_get_monotonic_time();
	for (guint i = 0; i < n_items; i++) {
		const struct feed_item *it = g_ptr_array_index(items, i);
		const char *fields[] = { it->title, it->summary, it->content, it->author };
		for (guint r = 0; r < res->len; r++)
			for (guint f = 0; f < G_N_ELEMENTS(fields); f++)
				if (g_regex_match(g_ptr_array_index(res, r), fields[f], 0, NULL))
					break;
	}
	t = g_get_monotonic_time();
	g_ptr_array_unref(res);
	return (double)n_items / ((double)(t - t0) / 1e6);
}

int
main(int argc, char **argv)
{
	static const guint sizes[] = { 10, 1000, 10000 };
	double ips[G_N_ELEMENTS(sizes)];
	double min_s = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 1.0;
	GPtrArray *all_names = g_ptr_array_new_with_free_func(g_free);
	struct watchlists *big = load(10000, all_names);

	if (argc > 1 && strcmp(argv[1], "build") == 0) {    /* for profiling the build */
		for (int i = 0; i < 30; i++)
			matcher_free(matcher_new(big));
		return 0;
	}
	/* One corpus for every size, mentioning the first 10 entries (the same
	 * in every generated list): the same text with the same hits, so only
	 * the size of the automaton differs. */
	GPtrArray *few = g_ptr_array_new();
	for (guint i = 0; i < 10; i++)
		g_ptr_array_add(few, g_ptr_array_index(all_names, i));
	GPtrArray *items = make_corpus(2000, few);
	g_ptr_array_unref(few);
	gsize bytes = 0;

	for (guint i = 0; i < items->len; i++) {
		const struct feed_item *it = g_ptr_array_index(items, i);
		bytes += strlen(it->title) + strlen(it->summary) + strlen(it->content);
	}
	printf("match: corpus %u items, %.0f bytes/item on average\n", items->len,
	       (double)bytes / items->len);

	for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
		GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
		struct watchlists *wl = sizes[s] == 10000 ? big : load(sizes[s], names);
		struct matcher *m = matcher_new(wl);
		guint matched;
		throughput(m, items, min_s / 4, &matched);      /* warm-up */
		ips[s] = throughput(m, items, min_s, &matched);
		printf("match: %5u entries (%6u patterns, %7u states): %9.0f items/s, %.1f MB/s, %u of %u items matched\n",
		       sizes[s], matcher_n_patterns(m), matcher_n_states(m), ips[s],
		       ips[s] * (double)bytes / items->len / 1e6, matched, items->len);
		matcher_free(m);
		if (wl != big)
			watchlists_free(wl);
		g_ptr_array_unref(names);
	}
	printf("match: ratio items/s 10 vs 10,000 entries: %.2fx (target <= 1.5x)\n", ips[0] / ips[2]);

	double build[7];
	for (guint i = 0; i < G_N_ELEMENTS(build); i++) {
		gint64 t0 = g_get_monotonic_time();
		struct matcher *m = matcher_new(big);
		build[i] = (double)(g_get_monotonic_time() - t0) / 1000.0;
		matcher_free(m);
	}
	qsort(build, G_N_ELEMENTS(build), sizeof(double), cmp_double);
	printf("match: automaton build at 10,000 entries: %.1f ms median (target < 100 ms)\n",
	       build[G_N_ELEMENTS(build) / 2]);

	double rx = regex_throughput(big, items, 10);
	printf("match: per-alias GRegex loop at 10,000 entries: %.1f items/s; ours is %.0fx faster (target >= 20x)\n",
	       rx, ips[2] / rx);

	g_ptr_array_unref(items);
	watchlists_free(big);
	g_ptr_array_unref(all_names);
	return 0;
}
