/* feed.h — feed bytes → struct feed_doc. RSS 0.9x/1.0/2.0, Atom 0.3/1.0,
 * JSON Feed 1.0/1.1, detected from the content. No I/O: bytes are pushed in
 * as they arrive (straight from the fetch write callback), so a document is
 * never held whole in memory by the XML path. */
#ifndef NW_FEED_H
#define NW_FEED_H

#include <stddef.h>
#include <jansson.h>
#include "item.h"

struct feed_parser;

/* base_url resolves relative links (may be NULL); http_charset is the
 * Content-Type charset if the server sent one (may be NULL). */
struct feed_parser *feed_parser_new(const char *base_url, const char *http_charset);
/* The HTTP charset when it is only known after the parser was made (from
 * the fetcher's header callback). Returns 0, or -1 when the encoding was
 * already chosen (the first KiB has been pushed). */
int feed_parser_set_http_charset(struct feed_parser *p, const char *http_charset);
/* Returns 0, or -1 when the parser gave up (a limit was hit); more data is then ignored. */
int feed_parser_push(struct feed_parser *p, const char *buf, size_t len);
/* Finishes parsing and returns the document (caller frees), or NULL with
 * *error set (caller frees) when no feed could be recovered, e.g. an HTML page. */
struct feed_doc *feed_parser_finish(struct feed_parser *p, char **error);
void feed_parser_free(struct feed_parser *p);       /* accepts NULL */

/* Convenience: parse a whole buffer. */
struct feed_doc *feed_parse(const char *buf, size_t len, const char *base_url,
                            const char *http_charset, char **error);

/* The `newswatch parse --json` form. Feed: kind "feed", title, link, format,
 * encoding, ill_formed, error, ttl_minutes; doc may be NULL (then only
 * error is set). Item: kind "item", title, link, id, published, updated
 * (RFC 3339 UTC or null), summary, content, author, categories.
 * New references. */
json_t *feed_doc_to_json(const struct feed_doc *doc, const char *error);
json_t *feed_item_to_json(const struct feed_item *item);

#endif
