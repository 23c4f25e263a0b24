/* test_ahocorasick.c — the automaton against a naive search: random
 * patterns over a small alphabet (many shared prefixes and suffixes, the
 * hard case for failure links), every occurrence must be reported once. */
#include <string.h>
#include "ahocorasick.h"

struct found {
	GHashTable *seen;    /* "id:end" */
	guint n;
};

static void
on_hit(guint32 id, gsize end, void *user)
{
	struct found *f = user;

	g_hash_table_add(f->seen, g_strdup_printf("%u:%zu", id, end));
	f->n++;
}

static void
test_random(void)
{
	GRand *r = g_rand_new_with_seed(1234);

	for (int round = 0; round < 50; round++) {
		struct ac_builder *b = ac_builder_new();
		GPtrArray *pats = g_ptr_array_new_with_free_func(g_free);
		int np = g_rand_int_range(r, 1, 60);
		char text[400];
		struct found f = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), 0 };
		guint expect = 0;

		for (int i = 0; i < np; i++) {
			int len = g_rand_int_range(r, 1, 7);
			char *p = g_malloc(len + 1);
			for (int j = 0; j < len; j++)
				p[j] = "abc\xd0\x96"[g_rand_int_range(r, 0, 5)];
			p[len] = '\0';
			guint32 id = ac_builder_add(b, p, len);
			if (id == pats->len)
				g_ptr_array_add(pats, p);
			else {
				g_assert_cmpstr(g_ptr_array_index(pats, id), ==, p);  /* same bytes, same id */
				g_free(p);
			}
		}
		for (gsize j = 0; j < sizeof(text); j++)
			text[j] = "abc\xd0\x96"[g_rand_int_range(r, 0, 5)];
		struct ac *ac = ac_build(b);
		g_assert_cmpuint(ac_n_patterns(ac), ==, pats->len);
		ac_scan(ac, text, sizeof(text), on_hit, &f);
		for (guint id = 0; id < pats->len; id++) {
			const char *p = g_ptr_array_index(pats, id);
			gsize len = strlen(p);
			g_assert_cmpuint(ac_pattern_len(ac, id), ==, len);
			for (gsize s = 0; s + len <= sizeof(text); s++) {
				if (memcmp(text + s, p, len) != 0)
					continue;
				char *key = g_strdup_printf("%u:%zu", id, s + len);
				g_assert_true(g_hash_table_contains(f.seen, key));
				g_free(key);
				expect++;
			}
		}
		g_assert_cmpuint(f.n, ==, expect);
		g_hash_table_destroy(f.seen);
		g_ptr_array_unref(pats);
		ac_free(ac);
	}
	g_rand_free(r);
}

static void
test_empty(void)
{
	struct ac *ac = ac_build(ac_builder_new());
	struct found f = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), 0 };

	ac_scan(ac, "anything", 8, on_hit, &f);
	g_assert_cmpuint(f.n, ==, 0);
	g_assert_cmpuint(ac_n_states(ac), ==, 1);
	g_hash_table_destroy(f.seen);
	ac_free(ac);
	ac_free(NULL);
	ac_builder_free(NULL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ahocorasick/random", test_random);
	g_test_add_func("/ahocorasick/empty", test_empty);
	return g_test_run();
}
