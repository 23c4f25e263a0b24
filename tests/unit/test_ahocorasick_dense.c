/* test_ahocorasick_dense.c — the scan must not depend on how many states
 * got a dense row: the same random automata, with dense rows for only the
 * first 1, 2, 5 or 40 states and with the default, report exactly the
 * occurrences a naive search finds, in order of end offset; in word mode,
 * all but those that start inside an ASCII word. */
#include <string.h>
#include "ahocorasick.h"

struct hit {
	guint32 id;
	gsize end;
};

static void
on_hit(guint32 id, gsize end, void *user)
{
	struct hit h = { id, end };

	g_array_append_val((GArray *)user, h);
}

/* Occurrences by a naive search, ordered by end and then by length (the
 * longest pattern first, as the automaton reports them). */
static GArray *
naive(GPtrArray *pats, const char *text, gsize len, gboolean words)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(struct hit));

	for (gsize end = 1; end <= len; end++) {
		for (gsize l = end; l > 0; l--) {
			for (guint id = 0; id < pats->len; id++) {
				const char *p = g_ptr_array_index(pats, id);
				gsize st = end - l;
				if (words && st > 0 && g_ascii_isalnum(text[st]) && g_ascii_isalnum(text[st - 1]))
					continue;
				if (strlen(p) == l && memcmp(text + st, p, l) == 0) {
					struct hit h = { id, end };
					g_array_append_val(out, h);
				}
			}
		}
	}
	return out;
}

static void
test_dense_limits(void)
{
	static const guint32 limits[] = { 1, 2, 5, 40, 0 };
	GRand *r = g_rand_new_with_seed(4321);

	for (int round = 0; round < 120; round++) {
		gboolean words = round >= 60;
		GPtrArray *pats = g_ptr_array_new_with_free_func(g_free);
		int np = g_rand_int_range(r, 1, 40);
		char text[300];

		for (int i = 0; i < np; i++) {
			int len = g_rand_int_range(r, 1, 8);
			char *p = g_malloc(len + 1);
			for (int j = 0; j < len; j++)
				p[j] = "ab \xd0\x96z#7"[g_rand_int_range(r, 0, round % 2 ? 3 : 8)];
			p[len] = '\0';
			gboolean dup = FALSE;
			for (guint k = 0; k < pats->len; k++)
				dup = dup || strcmp(g_ptr_array_index(pats, k), p) == 0;
			if (dup)
				g_free(p);
			else
				g_ptr_array_add(pats, p);
		}
		for (gsize j = 0; j < sizeof(text); j++)
			text[j] = "ab \xd0\x96zq#7."[g_rand_int_range(r, 0, 10)];
		GArray *want = naive(pats, text, sizeof(text), words);

		for (guint l = 0; l < G_N_ELEMENTS(limits); l++) {
			struct ac_builder *b = ac_builder_new();
			GArray *got = g_array_new(FALSE, FALSE, sizeof(struct hit));
			for (guint id = 0; id < pats->len; id++) {
				const char *p = g_ptr_array_index(pats, id);
				g_assert_cmpuint(ac_builder_add(b, p, strlen(p)), ==, id);
			}
			if (limits[l])
				ac_builder_set_dense_max(b, limits[l]);
			ac_builder_set_words(b, words);
			struct ac *ac = ac_build(b);
			ac_scan(ac, text, sizeof(text), on_hit, got);
			g_assert_cmpuint(got->len, ==, want->len);
			for (guint i = 0; i < want->len; i++) {
				const struct hit *x = &g_array_index(got, struct hit, i);
				const struct hit *y = &g_array_index(want, struct hit, i);
				g_assert_cmpuint(x->end, ==, y->end);
				g_assert_cmpuint(x->id, ==, y->id);
			}
			g_array_free(got, TRUE);
			ac_free(ac);
		}
		g_array_free(want, TRUE);
		g_ptr_array_unref(pats);
	}
	g_rand_free(r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ahocorasick/dense-limits-and-words", test_dense_limits);
	return g_test_run();
}
