/* test_url.c — canonical links and relative-link resolution, as tables. */
#include <curl/curl.h>
#include <glib.h>

#include "url.h"

struct url_case {
	const char *in;
	const char *want;       /* NULL: not a usable http(s) link */
};

static const struct url_case canonical_cases[] = {
	/* scheme and host case, default ports */
	{ "HTTP://Example.COM/News", "http://example.com/News" },
	{ "https://WWW.BBC.CO.UK/news/world-1", "https://www.bbc.co.uk/news/world-1" },
	{ "http://example.com:80/a", "http://example.com/a" },
	{ "https://example.com:443/a", "https://example.com/a" },
	{ "https://example.com:8443/a", "https://example.com:8443/a" },
	{ "http://example.com:443/a", "http://example.com:443/a" },
	{ "https://example.com", "https://example.com/" },
	/* fragments */
	{ "https://example.com/a#comments", "https://example.com/a" },
	{ "https://example.com/a?x=1#top", "https://example.com/a?x=1" },
	{ "https://example.com/#!/story/42", "https://example.com/#!/story/42" },
	/* dot segments */
	{ "https://example.com/a/./b/../c", "https://example.com/a/c" },
	/* tracking parameters */
	{ "https://example.com/a?utm_source=rss", "https://example.com/a" },
	{ "https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x", "https://example.com/a" },
	{ "https://example.com/a?id=7&utm_source=rss", "https://example.com/a?id=7" },
	{ "https://example.com/a?utm_source=rss&id=7", "https://example.com/a?id=7" },
	{ "https://example.com/a?UTM_SOURCE=RSS&id=7", "https://example.com/a?id=7" },
	{ "https://example.com/a?fbclid=IwAR0abc", "https://example.com/a" },
	{ "https://example.com/a?gclid=xyz&p=2", "https://example.com/a?p=2" },
	{ "https://example.com/a?mc_cid=1&mc_eid=2", "https://example.com/a" },
	{ "https://example.com/a?msclkid=1&dclid=2&yclid=3", "https://example.com/a" },
	{ "https://www.nytimes.com/2024/01/01/world/x.html?smid=tw-share", "https://www.nytimes.com/2024/01/01/world/x.html" },
	{ "https://www.lemonde.fr/a.html?xtor=RSS-3208", "https://www.lemonde.fr/a.html" },
	{ "https://www.bbc.co.uk/news/x?at_medium=RSS&at_campaign=KARANGA", "https://www.bbc.co.uk/news/x" },
	{ "https://example.com/a?_ga=2.1&_gl=1*abc", "https://example.com/a" },
	{ "https://example.com/a?pk_campaign=x&mtm_source=y", "https://example.com/a" },
	{ "https://example.com/a?igshid=abc&s=1", "https://example.com/a?s=1" },
	{ "https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1" },   /* order kept */
	{ "https://example.com/a?", "https://example.com/a" },
	{ "https://example.com/a?x=1&&y=2", "https://example.com/a?x=1&y=2" },
	{ "https://example.com/search?q=utm_source", "https://example.com/search?q=utm_source" },
	{ "https://example.com/a?ref=home", "https://example.com/a?ref=home" },  /* too generic to drop */
	/* credentials never belong in a shown link */
	{ "https://user:secret@example.com/a", "https://example.com/a" },
	/* path case and encoding are the server's business */
	{ "https://example.com/Article/ABC", "https://example.com/Article/ABC" },
	{ "https://example.com/a%2Fb", "https://example.com/a%2Fb" },
	{ "https://example.com/path with space", "https://example.com/path%20with%20space" },
	{ "  https://example.com/padded  ", "https://example.com/padded" },
	/* aggregator links that carry the publisher's link */
	{ "https://news.google.com/rss/articles/CBMiKWh0dHBzOi8vd3d3LmJiYy5jby51ay9uZXdzL3dvcmxkLTEyMzQ1Njc40gEA?oc=5",
	  "https://www.bbc.co.uk/news/world-12345678" },
	{ "https://news.google.com/rss/articles/CBMisQFodHRwczovL3d3dy50aGVndWFyZGlhbi5jb20vd29ybGQvMjAyNC9vY3QvMDEvdW4tc2VjcmV0YXJ5LWdlbmVyYWwtYW50b25pby1ndXRlcnJlcy1iYW5uZWQtZnJvbS1pc3JhZWwtc2F5cy1mb3JlaWduLW1pbmlzdGVyLWlzcmFlbC1rYXR6LXh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg?oc=5&hl=en-US",
	  "https://www.theguardian.com/world/2024/oct/01/un-secretary-general-antonio-guterres-banned-from-israel-says-foreign-minister-israel-katz-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
	/* newer Google News ids are opaque: kept as they are */
	{ "https://news.google.com/rss/articles/AU_yqLPq3kZ?oc=5", "https://news.google.com/rss/articles/AU_yqLPq3kZ?oc=5" },
	{ "https://news.google.com/news/url?sa=t&fd=R&url=https://www.reuters.com/world/a-1/&usg=AFQ",
	  "https://www.reuters.com/world/a-1/" },
	{ "https://www.google.com/url?sa=t&url=https%3A%2F%2Fwww.reuters.com%2Fworld%2Fx%3Futm_medium%3Drss&usg=abc",
	  "https://www.reuters.com/world/x" },
	{ "https://www.google.com/url?q=https://apnews.com/article/x&sa=D", "https://apnews.com/article/x" },
	{ "https://www.google.com/amp/s/www.bbc.co.uk/news/amp/world-1", "https://www.bbc.co.uk/news/amp/world-1" },
	{ "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.aljazeera.com%2Fnews%2Fx%3Ffbclid%3D1&h=AT0",
	  "https://www.aljazeera.com/news/x" },
	{ "https://duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.org%2Fstory&rut=1", "https://example.org/story" },
	{ "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fnews.un.org%2Fen%2Fstory%2F1&data=05",
	  "https://news.un.org/en/story/1" },
	/* wrappers without a usable target stay as they are */
	{ "https://www.google.com/url?q=javascript:alert(1)", "https://www.google.com/url?q=javascript:alert(1)" },
	{ "https://t.co/AbCdEf123", "https://t.co/AbCdEf123" },
	{ "http://feedproxy.google.com/~r/example/~3/xyz/story.html", "http://feedproxy.google.com/~r/example/~3/xyz/story.html" },
	/* not http(s) links */
	{ "ftp://example.com/file", NULL },
	{ "mailto:news@example.com", NULL },
	{ "/relative/path", NULL },
	{ "not a url", NULL },
	{ "", NULL },
	{ "javascript:alert(1)", NULL },
};

static void
test_canonical_table(void)
{
	g_assert_cmpuint(G_N_ELEMENTS(canonical_cases), >=, 40);
	for (size_t i = 0; i < G_N_ELEMENTS(canonical_cases); i++) {
		const struct url_case *c = &canonical_cases[i];
		char *got = url_canonical(c->in);

		if (g_strcmp0(got, c->want) != 0)
			g_error("url_canonical(\"%s\") = \"%s\", want \"%s\"", c->in,
			        got ? got : "(null)", c->want ? c->want : "(null)");
		g_free(got);
	}
}

/* Canonical is a fixed point: canonicalising twice changes nothing. */
static void
test_canonical_idempotent(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(canonical_cases); i++) {
		char *once = url_canonical(canonical_cases[i].in);
		char *twice = url_canonical(once);

		g_assert_cmpstr(once, ==, twice);
		g_free(once);
		g_free(twice);
	}
	g_assert_null(url_canonical(NULL));
}

static const struct { const char *base, *ref, *want; } resolve_cases[] = {
	{ "https://example.com/feeds/world.rss", "/news/1", "https://example.com/news/1" },
	{ "https://example.com/feeds/world.rss", "story.html", "https://example.com/feeds/story.html" },
	{ "https://example.com/feeds/world.rss", "../a", "https://example.com/a" },
	{ "https://example.com/feeds/", "//cdn.example.net/x", "https://cdn.example.net/x" },
	{ "https://example.com/a", "https://other.org/b", "https://other.org/b" },
	{ "https://example.com/a", "?page=2", "https://example.com/a?page=2" },
	{ NULL, "https://example.org/x", "https://example.org/x" },
	{ NULL, "/relative", NULL },
	{ "not a url", "/relative", NULL },
};

static void
test_resolve_table(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(resolve_cases); i++) {
		char *got = url_resolve(resolve_cases[i].base, resolve_cases[i].ref);

		if (g_strcmp0(got, resolve_cases[i].want) != 0)
			g_error("url_resolve(\"%s\", \"%s\") = \"%s\", want \"%s\"",
			        resolve_cases[i].base ? resolve_cases[i].base : "(null)", resolve_cases[i].ref,
			        got ? got : "(null)", resolve_cases[i].want ? resolve_cases[i].want : "(null)");
		g_free(got);
	}
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	g_test_add_func("/url/canonical/table", test_canonical_table);
	g_test_add_func("/url/canonical/idempotent", test_canonical_idempotent);
	g_test_add_func("/url/resolve/table", test_resolve_table);
	rc = g_test_run();
	curl_global_cleanup();
	return rc;
}
