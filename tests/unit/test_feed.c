/* test_feed.c — the conformance suite: every tests/fixtures/feeds/NAME.*
 * feed is parsed and compared with NAME.expected.json (the lines
 * `newswatch parse --json --base BASE` prints), whole and pushed in small
 * chunks; then the limits that generated inputs exercise. */
#include <string.h>
#include <jansson.h>
#include "feed.h"
#include "feed_int.h"

#define BASE "https://example.org/news/feed.xml"

static char *fixture_dir;

/* The JSON lines for a parse, as the parse command prints them. */
static json_t *
doc_lines(struct feed_doc *doc, const char *error)
{
	json_t *a = json_array();

	json_array_append_new(a, feed_doc_to_json(doc, error));
	for (guint i = 0; doc && i < doc->items->len; i++)
		json_array_append_new(a, feed_item_to_json(doc->items->pdata[i]));
	return a;
}

static json_t *
parse_chunked(const char *buf, size_t len, const char *charset, size_t chunk)
{
	struct feed_parser *p = feed_parser_new(BASE, charset);
	struct feed_doc *doc;
	char *error = NULL;
	json_t *out;

	for (size_t off = 0; off < len; off += chunk)
		feed_parser_push(p, buf + off, MIN(chunk, len - off));
	doc = feed_parser_finish(p, &error);
	feed_parser_free(p);
	out = doc_lines(doc, error);
	feed_doc_free(doc);
	g_free(error);
	return out;
}

static json_t *
read_expected(const char *path)
{
	char *text = NULL;
	gsize len;
	json_t *a = json_array();
	char **lines;

	if (!g_file_get_contents(path, &text, &len, NULL))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		json_t *o;
		if (**l == '\0')
			continue;
		o = json_loads(*l, 0, NULL);
		if (o == NULL) {
			json_decref(a);
			a = NULL;
			break;
		}
		json_array_append_new(a, o);
	}
	g_strfreev(lines);
	g_free(text);
	return a;
}

static void
describe_diff(GString *fails, const char *name, const char *how, json_t *want, json_t *got)
{
	size_t n = MAX(json_array_size(want), json_array_size(got));

	for (size_t i = 0; i < n; i++) {
		json_t *w = json_array_get(want, i), *g = json_array_get(got, i);
		if (w && g && json_equal(w, g))
			continue;
		char *ws = w ? json_dumps(w, JSON_COMPACT) : g_strdup("(none)");
		char *gs = g ? json_dumps(g, JSON_COMPACT) : g_strdup("(none)");
		g_string_append_printf(fails, "%s (%s) line %zu:\n  want %s\n  got  %s\n", name, how,
		                       i + 1, ws, gs);
		free(ws);
		free(gs);
		return;
	}
}

static void
test_fixtures(void)
{
	GDir *dir = g_dir_open(fixture_dir, 0, NULL);
	const char *f;
	GString *fails = g_string_new(NULL);
	guint cases = 0;

	g_assert_nonnull(dir);
	while ((f = g_dir_read_name(dir)) != NULL) {
		char *path, *base, *exp_path, *cs_path, *charset = NULL, *buf;
		gsize len;
		json_t *want;
		static const size_t chunks[] = { (size_t)-1, 4096, 7, 1 };

		if (g_str_has_suffix(f, ".expected.json") || g_str_has_suffix(f, ".charset") ||
		    g_str_has_suffix(f, ".md"))
			continue;
		path = g_build_filename(fixture_dir, f, NULL);
		base = g_strndup(f, strrchr(f, '.') - f);
		exp_path = g_strdup_printf("%s/%s.expected.json", fixture_dir, base);
		cs_path = g_strdup_printf("%s/%s.charset", fixture_dir, base);
		if (g_file_get_contents(cs_path, &charset, NULL, NULL))
			g_strstrip(charset);
		g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
		want = read_expected(exp_path);
		if (want == NULL) {
			g_string_append_printf(fails, "%s: no readable %s\n", f, exp_path);
		} else {
			for (size_t c = 0; c < G_N_ELEMENTS(chunks); c++) {
				size_t chunk = chunks[c] == (size_t)-1 ? MAX(len, 1) : chunks[c];
				json_t *got;
				char how[32];

				if (chunk == 1 && len > 16384)
					continue;   /* byte-at-a-time only where it stays quick */
				got = parse_chunked(buf, len, charset, chunk);
				if (!json_equal(want, got)) {
					g_snprintf(how, sizeof how, "chunks of %zu", chunk);
					describe_diff(fails, f, how, want, got);
				}
				json_decref(got);
			}
			cases++;
		}
		json_decref(want);
		g_free(buf);
		g_free(charset);
		g_free(cs_path);
		g_free(exp_path);
		g_free(base);
		g_free(path);
	}
	g_dir_close(dir);
	g_test_message("%u fixture cases", cases);
	if (fails->len)
		g_test_message("%s", fails->str);
	g_assert_cmpuint(cases, >=, 150);
	g_assert_cmpstr(fails->str, ==, "");
	g_string_free(fails, TRUE);
}

static void
test_tables_sorted(void)
{
	g_assert_true(feed_tables_sorted());
}

static struct feed_doc *
parse_string(const char *s, size_t len, char **error)
{
	return feed_parse(s, len, BASE, NULL, error);
}

static void
test_item_limit(void)
{
	GString *g = g_string_new("<rss version=\"2.0\"><channel><title>many</title>");
	struct feed_parser *p;
	struct feed_doc *doc;
	char *error = NULL;
	int rc = 0;

	for (int i = 0; i < FEED_MAX_ITEMS + 500; i++)
		g_string_append_printf(g, "<item><title>t%d</title></item>", i);
	g_string_append(g, "</channel></rss>");
	p = feed_parser_new(NULL, NULL);
	for (size_t off = 0; off < g->len && rc == 0; off += 65536)
		rc = feed_parser_push(p, g->str + off, MIN(65536, g->len - off));
	g_assert_cmpint(rc, ==, -1);               /* gave up: the fetch can stop */
	doc = feed_parser_finish(p, &error);
	g_assert_nonnull(doc);
	g_assert_cmpuint(doc->items->len, ==, FEED_MAX_ITEMS);
	g_assert_nonnull(strstr(doc->error, "items"));
	feed_doc_free(doc);
	feed_parser_free(p);
	g_string_free(g, TRUE);
}

static void
test_huge_title(void)
{
	GString *g = g_string_new("<rss version=\"2.0\"><channel><title>big</title><item><title>");
	struct feed_doc *doc;
	char *error = NULL;

	for (int i = 0; i < 3 * 1024 * 1024 / 16; i++)
		g_string_append(g, "0123456789abcde ");
	g_string_append(g, "</title><link>https://example.org/huge</link></item>"
	                   "<item><title>next</title></item></channel></rss>");
	doc = parse_string(g->str, g->len, &error);
	g_assert_nonnull(doc);
	g_assert_cmpuint(doc->items->len, ==, 2);
	g_assert_cmpuint(strlen(((struct feed_item *)doc->items->pdata[0])->title), <=, FEED_MAX_FIELD);
	g_assert_cmpstr(((struct feed_item *)doc->items->pdata[0])->link, ==, "https://example.org/huge");
	g_assert_cmpstr(((struct feed_item *)doc->items->pdata[1])->title, ==, "next");
	g_assert_true(doc->ill_formed);
	feed_doc_free(doc);
	g_string_free(g, TRUE);
}

static void
test_deep_nesting(void)
{
	GString *g = g_string_new("<rss version=\"2.0\"><channel><title>deep</title><item><title>a</title>");
	struct feed_doc *doc;
	char *error = NULL;

	for (int i = 0; i < 10000; i++)
		g_string_append(g, "<d>");
	g_string_append(g, "x");
	for (int i = 0; i < 10000; i++)
		g_string_append(g, "</d>");
	g_string_append(g, "</item><item><title>after the deep one</title></item></channel></rss>");
	doc = parse_string(g->str, g->len, &error);
	g_assert_nonnull(doc);
	g_assert_cmpuint(doc->items->len, ==, 2);
	g_assert_cmpstr(((struct feed_item *)doc->items->pdata[1])->title, ==, "after the deep one");
	feed_doc_free(doc);

	/* never closed at all */
	g_string_truncate(g, 0);
	g_string_append(g, "<rss><channel><item><title>open</title>");
	for (int i = 0; i < 10000; i++)
		g_string_append(g, "<d>");
	doc = parse_string(g->str, g->len, &error);
	g_assert_nonnull(doc);
	g_assert_cmpuint(doc->items->len, ==, 1);
	feed_doc_free(doc);
	g_string_free(g, TRUE);
}

static void
test_billion_laughs_many(void)
{
	/* ten levels, referenced a thousand times: must stay small and quick */
	GString *g = g_string_new("<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY l0 \"lol\">");
	struct feed_doc *doc;
	char *error = NULL;
	const struct feed_item *it;

	for (int i = 1; i <= 10; i++) {
		g_string_append_printf(g, "<!ENTITY l%d \"", i);
		for (int k = 0; k < 10; k++)
			g_string_append_printf(g, "&l%d;", i - 1);
		g_string_append(g, "\">");
	}
	g_string_append(g, "]><rss version=\"2.0\"><channel><item><title>t</title><description>");
	for (int i = 0; i < 1000; i++)
		g_string_append(g, "&l10;");
	g_string_append(g, "</description></item></channel></rss>");
	doc = parse_string(g->str, g->len, &error);
	g_assert_nonnull(doc);
	it = doc->items->pdata[0];
	g_assert_cmpuint(strlen(it->summary), <=, g->len);
	g_assert_null(strstr(it->summary, "lollol"));
	feed_doc_free(doc);
	g_string_free(g, TRUE);
}

static void
test_xxe_not_read(void)
{
	static const char feed[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">"
		"<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n"
		"<rss version=\"2.0\"><channel><item><title>&x;</title><description>&x;</description>"
		"<link>https://example.org/&x;</link></item></channel></rss>";
	char *error = NULL;
	struct feed_doc *doc = parse_string(feed, sizeof feed - 1, &error);
	const struct feed_item *it;

	g_assert_nonnull(doc);
	it = doc->items->pdata[0];
	g_assert_null(strstr(it->title, "root:"));
	g_assert_null(strstr(it->summary, "root:"));
	g_assert_null(strstr(it->link, "root"));
	feed_doc_free(doc);
}

static void
test_html_page_stops_early(void)
{
	struct feed_parser *p = feed_parser_new(NULL, NULL);
	char *error = NULL;
	GString *page = g_string_new("<!DOCTYPE html><html><head><title>Error</title></head><body>");

	while (page->len < 4096)
		g_string_append(page, "<p>Service unavailable</p>");
	g_assert_cmpint(feed_parser_push(p, page->str, page->len), ==, -1);
	g_assert_cmpint(feed_parser_push(p, "more", 4), ==, -1);
	g_assert_null(feed_parser_finish(p, &error));
	g_assert_cmpstr(error, ==, "not a feed (looks like HTML)");
	g_free(error);
	feed_parser_free(p);
	g_string_free(page, TRUE);
}

static void
test_free_unfinished(void)
{
	/* freeing mid-document must not leak or crash (the fetch was cancelled) */
	struct feed_parser *p = feed_parser_new(NULL, NULL);
	static const char part[] = "<rss><channel><item xml:base=\"https://x.example/\"><title>half";

	feed_parser_free(NULL);
	g_assert_cmpint(feed_parser_push(p, part, sizeof part - 1), ==, 0);
	feed_parser_free(p);
}

static void
test_late_charset(void)
{
	/* "Оборона" in windows-1251, with no declaration: the charset arrives
	 * after the parser was made, as from a header callback */
	static const char feed[] = "<rss version=\"2.0\"><channel><item><title>\xce\xe1\xee\xf0\xee\xed\xe0"
	                           "</title></item></channel></rss>";
	struct feed_parser *p = feed_parser_new(NULL, NULL);
	struct feed_doc *doc;
	char *error = NULL;

	g_assert_cmpint(feed_parser_set_http_charset(p, "windows-1251"), ==, 0);
	feed_parser_push(p, feed, sizeof feed - 1);
	doc = feed_parser_finish(p, &error);
	g_assert_nonnull(doc);
	g_assert_cmpstr(((struct feed_item *)doc->items->pdata[0])->title, ==, "Оборона");
	g_assert_cmpstr(doc->encoding, ==, "windows-1251");
	/* too late once the encoding is chosen */
	g_assert_cmpint(feed_parser_set_http_charset(p, "UTF-8"), ==, -1);
	feed_doc_free(doc);
	feed_parser_free(p);
}

int
main(int argc, char **argv)
{
	const char *src = g_getenv("NEWSWATCH_SRCDIR");
	int rc;

	g_test_init(&argc, &argv, NULL);
	fixture_dir = g_build_filename(src ? src : ".", "tests", "fixtures", "feeds", NULL);
	g_test_add_func("/feed/tables-sorted", test_tables_sorted);
	g_test_add_func("/feed/fixtures", test_fixtures);
	g_test_add_func("/feed/limit/items", test_item_limit);
	g_test_add_func("/feed/limit/huge-title", test_huge_title);
	g_test_add_func("/feed/limit/deep-nesting", test_deep_nesting);
	g_test_add_func("/feed/hostile/billion-laughs", test_billion_laughs_many);
	g_test_add_func("/feed/hostile/xxe", test_xxe_not_read);
	g_test_add_func("/feed/html-page-stops-early", test_html_page_stops_early);
	g_test_add_func("/feed/free-unfinished", test_free_unfinished);
	g_test_add_func("/feed/late-charset", test_late_charset);
	rc = g_test_run();
	g_free(fixture_dir);
	return rc;
}
