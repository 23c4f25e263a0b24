/* fuzz_match.c — random watchlists against random text, checked against a
 * slow reference matcher written here from watchlists/README.md:
 *
 *   both sides are folded (ASCII: lower case, '-' becomes a space, runs of
 *   whitespace become one space); an alias matches where its folded form
 *   occurs in the folded text with no letter or digit just before or just
 *   after it. An entry matches when any of its aliases does.
 *
 * The fuzzer's bytes choose entries made of plain case-insensitive aliases
 * over a tiny vocabulary (so hits, near-misses inside longer words and
 * overlaps are frequent) and a text of the same words joined by separators
 * that exercise every boundary rule, ASCII only. The set of entries the real
 * matcher (Aho-Corasick over folded text, match.c) reports for the item's
 * title must equal the reference's. */
#include <ctype.h>
#include "fuzz_common.h"
#include "match.h"
#include "watchlist.h"

static const char *const vocab[] = {
	"a", "ab", "ba", "abc", "cab", "b", "aa", "c9", "9", "bab", "ca",
};
static const char *const seps[] = {
	" ", "  ", "-", "", ", ", ".", "'", "\t", "\n", "(", ")", "#", "/", "_", " - ", "--", ":",
};
#define MAX_ENTRIES 6
#define MAX_ALIASES 3

struct ref_entry {
	char *aliases[MAX_ALIASES];   /* folded */
	int n;
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	return 0;
}

/* The reference folding of ASCII text. */
static char *
ref_fold(const char *s)
{
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;

	for (; *s; s++) {
		char c = *s;

		if (c == '-' || g_ascii_isspace(c)) {
			space = TRUE;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, g_ascii_tolower(c));
	}
	if (space)
		g_string_append_c(out, ' ');
	return g_string_free(out, FALSE);
}

static gboolean
ref_contains_word(const char *text, const char *alias)
{
	size_t n = strlen(alias), tl = strlen(text);

	for (size_t i = 0; i + n <= tl; i++) {
		if (memcmp(text + i, alias, n) != 0)
			continue;
		if (i > 0 && g_ascii_isalnum(text[i - 1]))
			continue;
		if (i + n < tl && g_ascii_isalnum(text[i + n]))
			continue;
		return TRUE;
	}
	return FALSE;
}

/* A phrase of 1-3 vocabulary words in random letter case, joined by a
 * space or a hyphen. */
static void
random_phrase(struct fuzz_reader *r, GString *out)
{
	unsigned words = 1 + fuzz_pick(r, 3);

	for (unsigned w = 0; w < words; w++) {
		const char *v = vocab[fuzz_pick(r, G_N_ELEMENTS(vocab))];
		unsigned caps = fuzz_byte(r);

		if (w)
			g_string_append_c(out, fuzz_pick(r, 4) == 0 ? '-' : ' ');
		for (unsigned i = 0; v[i]; i++)
			g_string_append_c(out, (caps >> (i % 8)) & 1 ? g_ascii_toupper(v[i]) : v[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = { data, size };
	struct ref_entry ref[MAX_ENTRIES];
	GString *wl_text = g_string_new(NULL), *text = g_string_new(NULL);
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	unsigned n_entries = 1 + fuzz_pick(&r, MAX_ENTRIES);
	unsigned n_tokens;
	struct watchlists *wl;
	struct matcher *m;
	struct feed_item *item;
	GPtrArray *matches;
	char *folded;
	gboolean want[MAX_ENTRIES], got[MAX_ENTRIES];

	for (unsigned e = 0; e < n_entries; e++) {
		ref[e].n = 1 + (int)fuzz_pick(&r, MAX_ALIASES);
		g_string_append_printf(wl_text, "[e%u]\naliases = ", e);
		for (int a = 0; a < ref[e].n; a++) {
			GString *ph = g_string_new(NULL);

			random_phrase(&r, ph);
			g_string_append_printf(wl_text, "%s%s", a ? ";" : "", ph->str);
			ref[e].aliases[a] = ref_fold(ph->str);
			g_string_free(ph, TRUE);
		}
		g_string_append_c(wl_text, '\n');
	}
	n_tokens = fuzz_pick(&r, 40);
	for (unsigned t = 0; t < n_tokens; t++) {
		if (t)
			g_string_append(text, seps[fuzz_pick(&r, G_N_ELEMENTS(seps))]);
		random_phrase(&r, text);
	}

	wl = watchlists_load_data(wl_text->str, "fuzz.watch", errors, NULL);
	if (!wl) {
		for (guint i = 0; i < errors->len; i++)
			fprintf(stderr, "%s\n", (char *)errors->pdata[i]);
		fprintf(stderr, "watchlist:\n%s", wl_text->str);
		abort();    /* every generated list is valid */
	}
	m = matcher_new(wl);
	item = feed_item_new();
	item->title = g_strdup(text->str);
	matches = matcher_match_item(m, item);

	folded = ref_fold(text->str);
	memset(got, 0, sizeof got);
	for (unsigned e = 0; e < n_entries; e++) {
		want[e] = FALSE;
		for (int a = 0; a < ref[e].n; a++)
			want[e] |= ref_contains_word(folded, ref[e].aliases[a]);
	}
	for (guint i = 0; i < matches->len; i++) {
		const struct match *mt = matches->pdata[i];
		unsigned e;

		if (mt->is_rule || mt->entry[0] != 'e' || sscanf(mt->entry + 1, "%u", &e) != 1 ||
		    e >= n_entries || got[e])
			abort();    /* only our entries, each at most once */
		got[e] = TRUE;
		if (mt->end > strlen(item->title) || mt->start >= mt->end)
			abort();    /* the offsets lie inside the field */
	}
	for (unsigned e = 0; e < n_entries; e++) {
		if (want[e] != got[e]) {
			fprintf(stderr, "mismatch for e%u: reference %s, matcher %s\ntext: '%s'\nfolded: '%s'\n"
			        "watchlist:\n%s", e, want[e] ? "matches" : "does not match",
			        got[e] ? "matches" : "does not match", text->str, folded, wl_text->str);
			abort();
		}
	}

	g_free(folded);
	g_ptr_array_unref(matches);
	feed_item_free(item);
	matcher_free(m);
	watchlists_free(wl);
	for (unsigned e = 0; e < n_entries; e++)
		for (int a = 0; a < ref[e].n; a++)
			g_free(ref[e].aliases[a]);
	g_ptr_array_unref(errors);
	g_string_free(wl_text, TRUE);
	g_string_free(text, TRUE);
	return 0;
}
