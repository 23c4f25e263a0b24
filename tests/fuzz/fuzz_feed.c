/* fuzz_feed.c — the feed parser (RSS, Atom, JSON Feed; detected from the
 * bytes) on arbitrary input, whole and pushed in small chunks the way the
 * fetcher delivers it. A well-formed document must parse to the same items
 * either way; every result must serialise to JSON. */
#include <libxml/parser.h>
#include "fuzz_common.h"
#include "feed.h"

static const char *const charsets[] = { NULL, "utf-8", "iso-8859-1", "windows-1251" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	xmlInitParser();
	return 0;
}

static void
check_json(const struct feed_doc *doc, const char *error)
{
	json_t *j = feed_doc_to_json(doc, error);
	char *s = json_dumps(j, 0);

	if (!s)
		abort();
	free(s);
	json_decref(j);
	for (guint i = 0; doc && i < doc->items->len; i++) {
		const struct feed_item *it = doc->items->pdata[i];

		if ((it->title && !g_utf8_validate(it->title, -1, NULL)) ||
		    (it->summary && !g_utf8_validate(it->summary, -1, NULL)) ||
		    (it->link && !g_utf8_validate(it->link, -1, NULL)))
			abort();    /* item.h: every string is valid UTF-8 */
		j = feed_item_to_json(it);
		s = json_dumps(j, 0);
		if (!s)
			abort();
		free(s);
		json_decref(j);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *cs = charsets[(size + (size ? data[0] : 0)) % G_N_ELEMENTS(charsets)];
	char *err1 = NULL, *err2 = NULL;
	struct feed_doc *whole, *chunked;
	struct feed_parser *p;
	size_t step = 1 + size % 61;

	whole = feed_parse((const char *)data, size, "https://example.com/feed/", cs, &err1);
	check_json(whole, err1);

	p = feed_parser_new("https://example.com/feed/", cs);
	for (size_t off = 0; off < size; off += step)
		if (feed_parser_push(p, (const char *)data + off, MIN(step, size - off)) < 0)
			break;
	chunked = feed_parser_finish(p, &err2);
	feed_parser_free(p);
	check_json(chunked, err2);

	if (whole && chunked && !whole->ill_formed && !chunked->ill_formed) {
		if (whole->items->len != chunked->items->len)
			abort();
		for (guint i = 0; i < whole->items->len; i++) {
			const struct feed_item *a = whole->items->pdata[i], *b = chunked->items->pdata[i];

			if (g_strcmp0(a->title, b->title) != 0 || g_strcmp0(a->link, b->link) != 0)
				abort();
		}
	}
	feed_doc_free(whole);
	feed_doc_free(chunked);
	g_free(err1);
	g_free(err2);
	return 0;
}
