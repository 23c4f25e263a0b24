/* cmd_match.c — `newswatch match [TEXT | -] [--feed FILE|URL] [--json]`:
 * runs text, or every item of a feed, through the watchlists and says what
 * matched, on which words, and what an exclusion or context rule vetoed. */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "feed.h"
#include "match.h"

#define MATCH_MAX_INPUT (64u << 20)

static size_t
curl_sink(char *buf, size_t size, size_t n, void *user)
{
	GByteArray *body = user;

	if (body->len + size * n > MATCH_MAX_INPUT)
		return 0;
	g_byte_array_append(body, (const guint8 *)buf, (guint)(size * n));
	return size * n;
}

/* The bytes of a feed file or URL; NULL with a message printed. */
static GByteArray *
read_feed(const char *where)
{
	GByteArray *body = g_byte_array_new();

	if (strstr(where, "://") != NULL) {
		CURL *h = curl_easy_init();
		char err[CURL_ERROR_SIZE] = "";
		CURLcode rc;
		long status = 0;

		curl_easy_setopt(h, CURLOPT_URL, where);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
		curl_easy_setopt(h, CURLOPT_USERAGENT, "newswatch/" NEWSWATCH_VERSION);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
		rc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(h);
		if (rc != CURLE_OK || status >= 400) {
			fprintf(stderr, "newswatch match: %s: %s\n", where,
			        rc != CURLE_OK ? (*err ? err : curl_easy_strerror(rc)) : "http error");
			if (rc == CURLE_OK)
				fprintf(stderr, "newswatch match: %s: http %ld\n", where, status);
			g_byte_array_unref(body);
			return NULL;
		}
		return body;
	}
	char *data = NULL;
	gsize len = 0;
	GError *e = NULL;
	if (!g_file_get_contents(where, &data, &len, &e)) {
		fprintf(stderr, "newswatch match: %s\n", e->message);
		g_error_free(e);
		g_byte_array_unref(body);
		return NULL;
	}
	g_byte_array_append(body, (const guint8 *)data, (guint)len);
	g_free(data);
	return body;
}

static char *
read_stdin(void)
{
	GString *s = g_string_new(NULL);
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0 && s->len < MATCH_MAX_INPUT)
		g_string_append_len(s, buf, (gssize)n);
	return g_string_free(s, FALSE);
}

static json_t *
match_json(const struct match *m)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:b}",
	                      "entry", m->entry, "list", m->list, "term", m->term,
	                      "field", m->field, "snippet", m->snippet,
	                      "start", (json_int_t)m->start, "end", (json_int_t)m->end,
	                      "priority", priority_name(m->priority), "rule", m->is_rule);
	if (m->reason)
		json_object_set_new(o, "reason", json_string(m->reason));
	return o;
}

static json_t *
matches_json(GPtrArray *a)
{
	json_t *arr = json_array();

	for (guint i = 0; i < a->len; i++)
		json_array_append_new(arr, match_json(g_ptr_array_index(a, i)));
	return arr;
}

static void
print_match(const char *kind, const struct match *m)
{
	printf("  %-5s %s%s (%s, %s): \"%s\" in %s at %zu-%zu: %s\n", kind,
	       m->is_rule ? "rule " : "", m->entry, m->list, priority_name(m->priority),
	       m->term, m->field, (size_t)m->start, (size_t)m->end, m->snippet);
	if (m->reason)
		printf("        vetoed: %s\n", m->reason);
}

/* Prints one item's explanation; returns TRUE when it matched. */
static gboolean
report(struct matcher *mt, const struct feed_item *it, guint n, gboolean with_header,
       gboolean json, int verbose)
{
	struct match_explanation *x = matcher_explain_item(mt, it);
	gboolean matched = x->matches->len > 0;

	if (json) {
		json_t *o = json_object();
		char *line;
		if (with_header) {
			json_object_set_new(o, "item", json_integer(n));
			json_object_set_new(o, "title", it->title ? json_string(it->title) : json_null());
			json_object_set_new(o, "link", it->link ? json_string(it->link) : json_null());
		}
		json_object_set_new(o, "matched", json_boolean(matched));
		json_object_set_new(o, "matches", matches_json(x->matches));
		json_object_set_new(o, "vetoes", matches_json(x->vetoes));
		if (verbose)
			json_object_set_new(o, "hits", matches_json(x->hits));
		line = json_dumps(o, JSON_COMPACT);
		printf("%s\n", line);
		free(line);
		json_decref(o);
	} else {
		if (with_header)
			printf("item %u: %s\n", n, it->title ? it->title : "(no title)");
		for (guint i = 0; i < x->matches->len; i++)
			print_match("match", g_ptr_array_index(x->matches, i));
		if (verbose)
			for (guint i = 0; i < x->hits->len; i++)
				print_match("hit", g_ptr_array_index(x->hits, i));
		for (guint i = 0; i < x->vetoes->len; i++)
			print_match("veto", g_ptr_array_index(x->vetoes, i));
		if (!matched)
			printf("  no match\n");
	}
	match_explanation_free(x);
	return matched;
}

static int
field_index(const char *name)
{
	for (int i = 0; i < WL_N_FIELDS; i++)
		if (g_ascii_strcasecmp(name, wl_field_name(i)) == 0)
			return i;
	return -1;
}

int
cmd_match(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	struct config *cfg = NULL;
	struct watchlists *wl = NULL;
	struct matcher *mt = NULL;
	char *feed = NULL, *field = NULL;
	guint n_matched = 0, n_items = 0;
	int rc;
	const GOptionEntry own[] = {
		{ "feed", 0, 0, G_OPTION_ARG_STRING, &feed, "Match every item of a feed file or URL", "FILE|URL" },
		{ "field", 0, 0, G_OPTION_ARG_STRING, &field,
		  "Item field the TEXT stands for (default content)", "NAME" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	if (cli_parse(&cli, "match", "[TEXT... | -]",
	              "Show which watch entries some text (or stdin, or every item of --feed)\n"
	              "matches, on which words, and what exclusions or context rules vetoed.\n"
	              "Exit status: 0 something matched, 1 nothing matched.",
	              own, &argc, &argv) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if ((feed && argc > 1) || (field && field_index(field) < 0)) {
		fprintf(stderr, "newswatch match: %s\n", feed && argc > 1 ?
		        "give TEXT or --feed, not both" :
		        "--field must be title, summary, content, categories or author");
		rc = EXIT_USAGE;
		goto out;
	}
	rc = cli_load_config(&cli, &cfg, &wl);
	if (rc != EXIT_OK)
		goto out;
	mt = matcher_new(wl);

	if (feed) {
		GByteArray *body = read_feed(feed);
		char *err = NULL;
		struct feed_doc *doc;
		if (body == NULL) {
			rc = EXIT_FAILURE_;
			goto out;
		}
		doc = feed_parse((const char *)body->data, body->len,
		                 strstr(feed, "://") ? feed : NULL, NULL, &err);
		g_byte_array_unref(body);
		if (doc == NULL) {
			fprintf(stderr, "newswatch match: %s: %s\n", feed, err ? err : "not a feed");
			g_free(err);
			rc = EXIT_FAILURE_;
			goto out;
		}
		for (guint i = 0; i < doc->items->len; i++) {
			n_items++;
			n_matched += report(mt, g_ptr_array_index(doc->items, i), i + 1, TRUE,
			                    cli.json, cli.verbose);
		}
		if (!cli.json)
			printf("%u of %u item%s matched\n", n_matched, n_items, n_items == 1 ? "" : "s");
		feed_doc_free(doc);
		g_free(err);
	} else {
		struct feed_item *it = feed_item_new();
		char *text = argc <= 1 || (argc == 2 && strcmp(argv[1], "-") == 0) ?
		             g_strchomp(read_stdin()) : g_strjoinv(" ", argv + 1);
		char **slot[WL_N_FIELDS] = { &it->title, &it->summary, &it->content, NULL, &it->author };
		int f = field ? field_index(field) : 2;
		if (slot[f])
			*slot[f] = text;
		else
			g_ptr_array_add(it->categories, text);
		n_items = 1;
		n_matched = report(mt, it, 1, FALSE, cli.json, cli.verbose);
		feed_item_free(it);
	}
	rc = n_matched ? EXIT_OK : EXIT_FAILURE_;
out:
	matcher_free(mt);
	watchlists_free(wl);
	config_free(cfg);
	cli_common_clear(&cli);
	g_free(feed);
	g_free(field);
	return rc;
}
