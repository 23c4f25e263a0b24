/* test_html.c — HTML → text, as a table. */
#include <string.h>
#include <glib.h>
#include "html.h"

static const struct {
	const char *in, *want;
} cases[] = {
	{ "plain text", "plain text" },
	{ "  spaced \n\t out  ", "spaced out" },
	{ "<p>Hello <b>world</b></p>", "Hello world" },
	{ "<p>one</p><p>two</p>", "one two" },
	{ "line<br>break", "line break" },
	{ "line<br/>break", "line break" },
	{ "a&amp;b", "a&b" },
	{ "AT&T", "AT&T" },
	{ "caf&eacute; &mdash; na&iuml;ve", "café — naïve" },
	{ "x&nbsp;y", "x y" },
	{ "&#8220;quoted&#8221; &#x2019;", "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\x99" },
	{ "&lt;not a tag&gt;", "<not a tag>" },
	{ "<script>alert(1)</script>visible", "visible" },
	{ "<style>p{color:red}</style>visible", "visible" },
	{ "<!-- comment -->text", "text" },
	{ "<div><ul><li>a</li><li>b</li></ul></div>", "a b" },
	{ "un<i>bro</i>ken", "unbroken" },
	{ "<a href=\"http://x/\">link</a> text", "link text" },
	{ "<img src=x alt=\"pic\">caption", "caption" },
	{ "unclosed <b>bold", "unclosed bold" },
	{ "a < b and c > d", "a < b and c > d" },
	{ "Zelenskyy — Зеленський", "Zelenskyy — Зеленський" },
	{ "<p>Зеленський &amp; Рютте</p>", "Зеленський & Рютте" },
	{ "zero\xe2\x80\x8bwidth", "zerowidth" },
	{ "soft\xc2\xadhyphen", "softhyphen" },
	{ "ideo\xe3\x80\x80space", "ideo space" },
	{ "<meta charset=\"iso-8859-1\"><p>caf\xc3\xa9</p>", "café" },
	{ "", "" },
	{ "<p></p>", "" },
	{ "<table><tr><td>1</td><td>2</td></tr></table>", "1 2" },
};

static void
test_table(void)
{
	GString *fails = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = html_to_text(cases[i].in, -1);

		if (strcmp(got, cases[i].want) != 0)
			g_string_append_printf(fails, "html_to_text(\"%s\") = \"%s\", want \"%s\"\n",
			                       cases[i].in, got, cases[i].want);
		g_assert_true(g_utf8_validate(got, -1, NULL));
		g_free(got);
	}
	if (fails->len)
		g_test_message("%s", fails->str);
	g_assert_cmpuint(fails->len, ==, 0);
	g_string_free(fails, TRUE);
}

static void
test_len_and_null(void)
{
	char *s = html_to_text("<b>abc</b>def", 9);

	g_assert_cmpstr(s, ==, "abc");     /* "<b>abc</b" */
	g_free(s);
	s = html_to_text(NULL, 0);
	g_assert_cmpstr(s, ==, "");
	g_free(s);
	s = text_collapse_ws("  a \xc2\xa0 b  ");
	g_assert_cmpstr(s, ==, "a b");
	g_free(s);
}

static void
test_markup_detection(void)
{
	g_assert_true(html_looks_like_markup("<p>hi</p>", 9));
	g_assert_true(html_looks_like_markup("x <a href=\"y\">z</a>", 20));
	g_assert_false(html_looks_like_markup("if a<b and c>d", 14));
	g_assert_true(html_looks_like_markup("<img src=x>", 11));
	g_assert_true(html_looks_like_markup("a<br/>b", 7));
	g_assert_false(html_looks_like_markup("a < b", 5));
	g_assert_false(html_looks_like_markup("<none>", 6));
	g_assert_false(html_looks_like_markup("plain", 5));
}

/* The fast path and libxml2's HTML parser must give the same text for the
 * markup real descriptions are made of: random, properly nested fragments.
 * Compared without spaces: libxml2's implied and auto-closed elements move
 * a space here and there, never a character. */
static const char *const atoms[] = {
	"&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&mdash;", "&eacute;", "&hellip;",
	"&#8217;", "&#x2014;", "&#233;", "&rsquo;", " ", "  ", "\n", "\t", "word", "Wort",
	"Зеленський", "café", "国防部", "a & b", ".", ",", "<br>", "<br/>", "<hr>",
	"<img src=\"x.png\" alt=\"a > b\">",
	/* the ones that send it to libxml2 */
	"<!-- c -->", "<script>x<y</script>", "<style>p{}</style>", "a < b", "&bogus;",
	"&nbsp", "&#150;", "<3", "x&y",
};
static const char *const wrappers[][2] = {
	{ "<p>", "</p>" }, { "<b>", "</b>" }, { "<a href=\"https://x.example/?a=1&amp;b=2\">", "</a>" },
	{ "<div class='c'>", "</div>" }, { "<ul><li>", "</li></ul>" }, { "<em>", "</em>" },
	{ "<span>", "</span>" }, { "<h2>", "</h2>" }, { "<blockquote>", "</blockquote>" },
	{ "<table><tr><td>", "</td></tr></table>" }, { "<figure>", "</figure>" },
	{ "<strong>", "</strong>" }, { "<i>", "</i>" },
};

static void
gen_fragment(GRand *r, GString *in, int depth)
{
	int k = g_rand_int_range(r, 1, 5);

	while (k-- > 0) {
		if (depth < 3 && g_rand_double(r) < 0.4) {
			int w = g_rand_int_range(r, 0, G_N_ELEMENTS(wrappers));
			g_string_append(in, wrappers[w][0]);
			gen_fragment(r, in, depth + 1);
			g_string_append(in, wrappers[w][1]);
		} else
			g_string_append(in, atoms[g_rand_int_range(r, 0, G_N_ELEMENTS(atoms))]);
	}
}

static char *
no_spaces(const char *s)
{
	GString *g = g_string_new(NULL);

	for (; *s; s++)
		if (*s != ' ')
			g_string_append_c(g, *s);
	return g_string_free(g, FALSE);
}

static void
test_fast_path_agrees(void)
{
	GRand *r = g_rand_new_with_seed(20261128);
	GString *in = g_string_new(NULL), *fails = g_string_new(NULL);

	for (int i = 0; i < 5000; i++) {
		char *a, *b, *a1, *b1;

		g_string_truncate(in, 0);
		gen_fragment(r, in, 0);
		a = html_to_text(in->str, (ssize_t)in->len);
		b = html_to_text_libxml2(in->str, in->len);
		a1 = no_spaces(a);
		b1 = no_spaces(b);
		if (strcmp(a1, b1) != 0 && fails->len < 2000)
			g_string_append_printf(fails, "in   [%s]\nfast [%s]\nxml2 [%s]\n", in->str, a, b);
		g_free(a);
		g_free(b);
		g_free(a1);
		g_free(b1);
	}
	if (fails->len)
		g_test_message("%s", fails->str);
	g_assert_cmpstr(fails->str, ==, "");
	g_string_free(in, TRUE);
	g_string_free(fails, TRUE);
	g_rand_free(r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/html/table", test_table);
	g_test_add_func("/html/len-and-null", test_len_and_null);
	g_test_add_func("/html/markup-detection", test_markup_detection);
	g_test_add_func("/html/fast-path-agrees", test_fast_path_agrees);
	return g_test_run();
}
