/* test_opml.c — OPML in and out, and the daemon's spreading of overdue feeds. */
#include <string.h>
#include <glib.h>
#include <libxml/parser.h>

#include "config.h"
#include "daemon.h"
#include "opml.h"

static const struct {
	const char *in;
	const char *want;       /* NULL: nothing usable */
} names[] = {
	{ "Breaking Defense", "Breaking Defense" },
	{ "  padded\ttitle \n", "padded title" },
	{ "Kyiv Independent [news]", "Kyiv Independent news" },
	{ "a]b[c", "a b c" },
	{ "line\nbreak\r\x01here", "line break here" },
	{ "Défense & Sécurité", "Défense & Sécurité" },
	{ "", NULL },
	{ " [ ] ", NULL },
	{ "\xff\xfe broken UTF-8", NULL },
	{ NULL, NULL },
};

static void
test_clean_name(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		char *got = opml_clean_name(names[i].in);

		g_assert_cmpstr(got, ==, names[i].want);
		g_free(got);
	}
	{
		char *longname = g_strnfill(200, 'x');
		char *got = opml_clean_name(longname);

		g_assert_cmpuint(strlen(got), ==, 80);
		g_free(got);
		g_free(longname);
	}
}

static const char reader[] =
	"<?xml version=\"1.0\"?>\n"
	"<opml version=\"1.1\"><head><title>t</title></head><body>\n"
	"<outline text=\"Folder\">\n"
	"  <outline text=\"Inner\"><outline type=\"rss\" title=\"Deep\" xmlUrl=\"https://a.example/deep\"/></outline>\n"
	"  <outline type=\"rss\" text=\"Text only\" xmlurl=\" https://a.example/text \"/>\n"
	"</outline>\n"
	"<outline type=\"rss\" text=\"Top &amp; level\" xmlUrl=\"http://b.example/feed?x=1&amp;y=2\"/>\n"
	"<outline type=\"rss\" text=\"ftp\" xmlUrl=\"ftp://c.example/feed\"/>\n"
	"<outline type=\"rss\" text=\"spaces\" xmlUrl=\"https://c.example/a b\"/>\n"
	"<outline type=\"rss\" xmlUrl=\"https://d.example/untitled\"/>\n"
	"</body></opml>\n";

static void
test_read(void)
{
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	char *error = NULL;
	GPtrArray *f = opml_read_data(reader, sizeof(reader) - 1, "r.opml", warnings, &error);
	static const struct { const char *name, *url, *folder; } want[] = {
		{ "Deep", "https://a.example/deep", "Folder / Inner" },
		{ "Text only", "https://a.example/text", "Folder" },
		{ "Top & level", "http://b.example/feed?x=1&y=2", NULL },
		{ "https://d.example/untitled", "https://d.example/untitled", NULL },
	};

	g_assert_nonnull(f);
	g_assert_null(error);
	g_assert_cmpuint(f->len, ==, G_N_ELEMENTS(want));
	for (guint i = 0; i < f->len; i++) {
		const struct opml_feed *o = g_ptr_array_index(f, i);

		g_assert_cmpstr(o->name, ==, want[i].name);
		g_assert_cmpstr(o->url, ==, want[i].url);
		g_assert_cmpstr(o->folder, ==, want[i].folder);
	}
	g_assert_cmpuint(warnings->len, ==, 2);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(warnings, 0), "r.opml:8: skipped \"ftp://"));
	g_ptr_array_unref(f);
	g_ptr_array_unref(warnings);
}

static void
test_read_errors(void)
{
	static const struct { const char *doc, *want; } bad[] = {
		{ "<opml><body><outline", "x.opml:1: not well-formed XML" },
		{ "<rss version=\"2.0\"/>", "x.opml: not an OPML file (the root element is <rss>)" },
		{ "<opml version=\"2.0\"><head/></opml>", "x.opml: OPML without a <body>" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *error = NULL;
		GPtrArray *f = opml_read_data(bad[i].doc, strlen(bad[i].doc), "x.opml", NULL, &error);

		g_assert_null(f);
		g_assert_nonnull(error);
		g_assert_true(g_str_has_prefix(error, bad[i].want));
		g_free(error);
	}
}

/* Export then import gives back the same feeds; the result parses as config. */
static void
test_round_trip(void)
{
	const char *text = "# keep me\n[general]\n\n[feed One & Two]\nurl = https://x.example/1?a=1&b=2\n"
	                   "\n[feed three]\nurl = http://y.example/3\nenabled = false\n";
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg = config_load_data(text, "t.conf", errors);
	char *doc, *appended, *error = NULL;
	GPtrArray *feeds;
	GHashTable *names_taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *urls_taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct config *back;
	guint added = 0;

	g_assert_nonnull(cfg);
	doc = opml_write(cfg);
	g_assert_nonnull(strstr(doc, "<opml version=\"2.0\">"));
	g_assert_nonnull(strstr(doc, "text=\"One &amp; Two\""));
	feeds = opml_read_data(doc, strlen(doc), "export.opml", NULL, &error);
	g_assert_nonnull(feeds);
	g_assert_cmpuint(feeds->len, ==, 2);

	g_hash_table_add(names_taken, g_strdup("three"));   /* a name clash, another URL */
	appended = opml_append_feeds("# mine\n[general]\n", feeds, names_taken, urls_taken, &added);
	g_assert_cmpuint(added, ==, 2);
	g_assert_true(g_str_has_prefix(appended, "# mine\n[general]\n"));
	g_assert_nonnull(strstr(appended, "[feed three (2)]\nurl = http://y.example/3\n"));
	back = config_load_data(appended, "back.conf", errors);
	g_assert_cmpuint(errors->len, ==, 0);
	g_assert_nonnull(back);
	g_assert_cmpuint(back->feeds->len, ==, 2);
	g_assert_cmpstr(((struct feed_config *)g_ptr_array_index(back->feeds, 0))->name, ==, "One & Two");
	g_assert_cmpstr(((struct feed_config *)g_ptr_array_index(back->feeds, 0))->url, ==,
	                "https://x.example/1?a=1&b=2");
	g_free(appended);

	/* Everything known now: nothing more is added and the text is unchanged. */
	appended = opml_append_feeds("[general]\n", feeds, names_taken, urls_taken, &added);
	g_assert_cmpuint(added, ==, 0);
	g_assert_cmpstr(appended, ==, "[general]\n");
	g_free(appended);

	config_free(back);
	g_ptr_array_unref(feeds);
	g_hash_table_unref(names_taken);
	g_hash_table_unref(urls_taken);
	g_free(doc);
	config_free(cfg);
	g_ptr_array_unref(errors);
}

/* Overdue feeds: a fifth of a second apart each, within the cap, in order,
 * one per slice of the window. */
static void
test_spread(void)
{
	static const struct { guint n; gint64 cap_us; gint64 window_us; } cases[] = {
		{ 1, 300 * G_USEC_PER_SEC, G_USEC_PER_SEC / 5 },
		{ 10, 300 * G_USEC_PER_SEC, 2 * G_USEC_PER_SEC },
		{ 1000, 300 * G_USEC_PER_SEC, 200 * G_USEC_PER_SEC },
		{ 5000, 300 * G_USEC_PER_SEC, 300 * G_USEC_PER_SEC },
		{ 1000, 60 * G_USEC_PER_SEC, 60 * G_USEC_PER_SEC },
	};

	g_assert_cmpint(daemon_spread_delay(0, 0, G_USEC_PER_SEC, 0.5), ==, 0);
	for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
		gint64 prev = -1;

		for (guint i = 0; i < cases[c].n; i++) {
			gint64 lo = daemon_spread_delay(i, cases[c].n, cases[c].cap_us, 0.0);
			gint64 hi = daemon_spread_delay(i, cases[c].n, cases[c].cap_us, 0.999999);

			g_assert_cmpint(lo, >=, prev);
			g_assert_cmpint(hi, >=, lo);
			g_assert_cmpint(hi, <=, cases[c].window_us);
			prev = hi;
		}
		/* The last feed lands in the last slice: the window is really used. */
		g_assert_cmpint(prev, >=, cases[c].window_us - cases[c].window_us / cases[c].n - 1);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	xmlInitParser();
	g_test_add_func("/opml/clean-name", test_clean_name);
	g_test_add_func("/opml/read", test_read);
	g_test_add_func("/opml/read-errors", test_read_errors);
	g_test_add_func("/opml/round-trip", test_round_trip);
	g_test_add_func("/daemon/spread", test_spread);
	return g_test_run();
}
