/* test_fold.c — normalisation for matching, and the map back to the original. */
#include <string.h>
#include "fold.h"

static const struct { const char *in, *out; } cases[] = {
	{ "Hegseth", "hegseth" },
	{ "MÜNCHNER", "munchner" },
	{ "münchner", "munchner" },
	{ "Munchner", "munchner" },
	{ "ЗЕЛЕНСЬКИЙ", "зеленськии" },
	{ "Зеленський", "зеленськии" },
	{ "Hegseth\u2019s", "hegseth's" },
	{ "Hegseth\u2018s", "hegseth's" },
	{ "Hegseth\u02bcs", "hegseth's" },
	{ "Ramstein\u2013format", "ramstein format" },
	{ "Ramstein\u2014format", "ramstein format" },
	{ "Ramstein-format", "ramstein format" },
	{ "F\u201116", "f 16" },
	{ "  a \t\n b  ", "a b" },
	{ "a\u00a0b", "a b" },
	{ "Straße", "strasse" },
	{ "\ufb01nal", "final" },                   /* ligature: NFKD */
	{ "\uff26\uff0d\uff11\uff16", "f 16" },       /* full-width */
	{ "e\u0301cole", "ecole" },                 /* decomposed input */
	{ "École", "ecole" },
	{ "Dovilė Šakalienė", "dovile sakaliene" },
	{ "Zełenski", "zełenski" },                 /* ł has no decomposition */
	{ "ΣΌΦΟΣ", "σοφοσ" },
	{ "Heg\u00adseth", "hegseth" },             /* soft hyphen */
	{ "#Ramstein (UDCG)", "#ramstein (udcg)" },
	{ "", "" },
};

static void
test_table(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *f = fold_string(cases[i].in);
		g_assert_cmpstr(f, ==, cases[i].out);
		g_free(f);
	}
}

/* Every folded byte maps back into the original; ranges cover whole characters. */
static void
test_map(void)
{
	struct fold f;
	const char *src = "Die MÜNCHNER Sicherheitskonferenz \u2014 Hegseth\u2019s Rede";
	const char *t;
	gsize os, oe;
	const char *hit;

	fold_init(&f);
	t = fold_run(&f, src, -1);
	g_assert_cmpstr(t, ==, "die munchner sicherheitskonferenz hegseth's rede");
	hit = strstr(t, "munchner");
	fold_orig_range(&f, src, (gsize)(hit - t), (gsize)(hit - t) + 8, &os, &oe);
	g_assert_cmpint(strncmp(src + os, "MÜNCHNER", oe - os), ==, 0);
	g_assert_cmpuint(oe - os, ==, strlen("MÜNCHNER"));
	hit = strstr(t, "hegseth's");
	fold_orig_range(&f, src, (gsize)(hit - t), (gsize)(hit - t) + 9, &os, &oe);
	g_assert_cmpuint(oe - os, ==, strlen("Hegseth\u2019s"));
	/* A second run reuses the buffers. */
	t = fold_run(&f, "ABC", 3);
	g_assert_cmpstr(t, ==, "abc");
	g_assert_cmpuint(f.map->len, ==, 4);
	fold_clear(&f);
	fold_clear(&f);
}

static void
test_invalid_utf8(void)
{
	char *f = fold_string("a\xff" "b");

	g_assert_true(g_utf8_validate(f, -1, NULL));
	g_assert_cmpstr(f, ==, "a\uFFFDb");
	g_free(f);
}

static void
test_boundaries(void)
{
	const char *t = "hegseth's hegsethian (udcg) #ramstein зеленськии";

	g_assert_false(fold_word_before(t, 0));
	g_assert_false(fold_word_at(t, strlen(t), 7));       /* ' after hegseth */
	g_assert_true(fold_word_at(t, strlen(t), 17));       /* "ian" continues the word */
	g_assert_false(fold_word_before(t, 22));             /* after '(' */
	g_assert_false(fold_word_before(t, 29));             /* after '#' */
	g_assert_true(fold_is_word_char(g_utf8_get_char("з")));
	g_assert_false(fold_is_word_char('-'));
	g_assert_false(fold_is_word_char('\''));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fold/table", test_table);
	g_test_add_func("/fold/map", test_map);
	g_test_add_func("/fold/invalid-utf8", test_invalid_utf8);
	g_test_add_func("/fold/boundaries", test_boundaries);
	return g_test_run();
}
