/* cmd_parse.c — `newswatch parse FILE|URL [--json]`: the feed exactly as
 * newswatch sees it, for debugging feeds and for the conformance suite. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include "cli.h"
#include "cmd.h"
#include "date.h"
#include "feed.h"

#define PARSE_MAX_BODY (64 * 1024 * 1024)

struct fetch_state {
	CURL *curl;
	struct feed_parser *parser;
	const char *url;
	size_t bytes;
};

/* charset=... from a Content-Type value, or NULL. Caller frees. */
static char *
content_type_charset(const char *ct)
{
	const char *c = ct ? strstr(ct, "charset=") : NULL;
	size_t n;

	if (c == NULL)
		return NULL;
	c += 8;
	if (*c == '"')
		c++;
	n = strcspn(c, "\"; \t");
	return n ? g_strndup(c, n) : NULL;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *user)
{
	struct fetch_state *st = user;

	if (st->parser == NULL) {
		/* headers are complete: now the charset and final URL are known */
		char *ct = NULL, *eff = NULL, *charset;

		curl_easy_getinfo(st->curl, CURLINFO_CONTENT_TYPE, &ct);
		curl_easy_getinfo(st->curl, CURLINFO_EFFECTIVE_URL, &eff);
		charset = content_type_charset(ct);
		st->parser = feed_parser_new(eff ? eff : st->url, charset);
		g_free(charset);
	}
	st->bytes += n;
	if (st->bytes > PARSE_MAX_BODY)
		return 0;
	feed_parser_push(st->parser, buf, n);
	return n;      /* keep reading even if the parser gave up: finish says why */
}

/* Reads a URL with libcurl (file, http, https). Returns the parser or NULL. */
static struct feed_parser *
read_url(const char *url, char **error)
{
	struct fetch_state st = { .url = url };
	CURLcode rc;
	long status = 0;
	char errbuf[CURL_ERROR_SIZE] = "";

	st.curl = curl_easy_init();
	if (st.curl == NULL) {
		*error = g_strdup("cannot start libcurl");
		return NULL;
	}
	curl_easy_setopt(st.curl, CURLOPT_URL, url);
	curl_easy_setopt(st.curl, CURLOPT_PROTOCOLS_STR, "file,http,https");
	curl_easy_setopt(st.curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(st.curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(st.curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(st.curl, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(st.curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(st.curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(st.curl, CURLOPT_USERAGENT, "newswatch/" NEWSWATCH_VERSION " (parse)");
	curl_easy_setopt(st.curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(st.curl, CURLOPT_WRITEDATA, &st);
	curl_easy_setopt(st.curl, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(st.curl);
	curl_easy_getinfo(st.curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(st.curl);
	if (rc != CURLE_OK) {
		*error = g_strdup_printf("%s", *errbuf ? errbuf : curl_easy_strerror(rc));
		feed_parser_free(st.parser);
		return NULL;
	}
	if (status >= 400) {
		*error = g_strdup_printf("http %ld", status);
		feed_parser_free(st.parser);
		return NULL;
	}
	if (st.parser == NULL)
		st.parser = feed_parser_new(url, NULL);    /* empty body */
	return st.parser;
}

/* Reads a file in chunks, as the fetcher would deliver it. */
static struct feed_parser *
read_file(const char *path, const char *base, const char *charset, char **error)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct feed_parser *p;
	char buf[64 * 1024];
	size_t n;

	if (f == NULL) {
		*error = g_strdup_printf("%s", g_strerror(errno));
		return NULL;
	}
	p = feed_parser_new(base, charset);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		feed_parser_push(p, buf, n);
	if (ferror(f)) {
		*error = g_strdup_printf("%s", g_strerror(errno));
		feed_parser_free(p);
		p = NULL;
	}
	if (f != stdin)
		fclose(f);
	return p;
}

static void
print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	puts(s);
	free(s);
	json_decref(o);
}

static void
print_field(const char *label, const char *value, size_t max)
{
	if (value == NULL)
		return;
	if (strlen(value) > max) {
		const char *end = g_utf8_find_prev_char(value, value + max);
		printf("   %s: %.*s…\n", label, (int)(end - value), value);
	} else
		printf("   %s: %s\n", label, value);
}

static void
print_text(const struct feed_doc *doc)
{
	char a[21], b[21];

	printf("feed: %s\n", doc->title ? doc->title : "(no title)");
	if (doc->link)
		printf("link: %s\n", doc->link);
	printf("format: %s, encoding: %s, %u item%s", feed_format_name(doc->format),
	       doc->encoding ? doc->encoding : "?", doc->items->len,
	       doc->items->len == 1 ? "" : "s");
	if (doc->ttl_minutes)
		printf(", ttl %d min", doc->ttl_minutes);
	printf("\n");
	if (doc->ill_formed || doc->error)
		printf("%s: %s\n", doc->ill_formed ? "ill-formed" : "note",
		       doc->error ? doc->error : "recovered");
	for (guint i = 0; i < doc->items->len; i++) {
		const struct feed_item *it = doc->items->pdata[i];

		printf("\n%u. %s\n", i + 1, it->title ? it->title : "(no title)");
		print_field("link", it->link, 500);
		print_field("id", it->id, 500);
		print_field("published", date_format_rfc3339(it->published, a), 30);
		print_field("updated", date_format_rfc3339(it->updated, b), 30);
		print_field("author", it->author, 200);
		if (it->categories->len) {
			GString *c = g_string_new(NULL);

			for (guint k = 0; k < it->categories->len; k++)
				g_string_append_printf(c, "%s%s", k ? ", " : "",
				                       (const char *)it->categories->pdata[k]);
			print_field("categories", c->str, 300);
			g_string_free(c, TRUE);
		}
		print_field("summary", it->summary, 300);
		print_field("content", it->content, 300);
	}
}

int
cmd_parse(int argc, char **argv)
{
	gboolean json = FALSE;
	char *base = NULL, *charset = NULL, *error = NULL;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "one JSON object per line: the feed, then each item", NULL },
		{ "base", 0, 0, G_OPTION_ARG_STRING, &base, "resolve relative links against URL (default: the URL read)", "URL" },
		{ "charset", 0, 0, G_OPTION_ARG_STRING, &charset, "act as if the server sent this charset", "NAME" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	GOptionContext *ctx = g_option_context_new("FILE|URL");
	GError *err = NULL;
	struct feed_parser *p;
	struct feed_doc *doc = NULL;
	const char *src;
	int rc = EXIT_OK;

	g_option_context_set_summary(ctx, "Print a feed exactly as newswatch reads it. FILE may be - for "
	                             "standard input; URL may be file://, http:// or https://.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2) {
		fprintf(stderr, "newswatch parse: %s\n", err ? err->message : "expected one FILE or URL");
		g_clear_error(&err);
		g_option_context_free(ctx);
		return EXIT_USAGE;
	}
	g_option_context_free(ctx);
	src = argv[1];
	if (g_str_has_prefix(src, "http://") || g_str_has_prefix(src, "https://") ||
	    g_str_has_prefix(src, "file://"))
		p = read_url(src, &error);
	else
		p = read_file(src, base, charset, &error);
	if (p != NULL) {
		doc = feed_parser_finish(p, &error);
		feed_parser_free(p);
	}
	if (json) {
		print_json(feed_doc_to_json(doc, error));
		for (guint i = 0; doc && i < doc->items->len; i++)
			print_json(feed_item_to_json(doc->items->pdata[i]));
	} else if (doc)
		print_text(doc);
	if (doc == NULL) {
		fprintf(stderr, "newswatch: %s: %s\n", src, error ? error : "not a feed");
		rc = EXIT_FAILURE_;
	}
	feed_doc_free(doc);
	g_free(error);
	g_free(base);
	g_free(charset);
	return rc;
}
