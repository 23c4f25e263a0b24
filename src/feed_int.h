/* feed_int.h — what feed*.c share inside the parser (not a public contract). */
#ifndef NW_FEED_INT_H
#define NW_FEED_INT_H

#include <glib.h>
#include <stddef.h>
#include "item.h"

/* Limits: a hostile or broken feed costs bounded time and memory. */
#define FEED_MAX_ITEMS        10000
#define FEED_MAX_FIELD        (1024 * 1024)     /* bytes of text kept per field */
#define FEED_MAX_DEPTH        64                /* elements deeper are ignored */
#define FEED_MAX_JSON         (16 * 1024 * 1024)
#define FEED_SNIFF_MAX        (64 * 1024)       /* junk allowed before the first '<' */

/* feed_encoding.c: bytes in any supported charset → UTF-8 that libxml2
 * will accept: valid UTF-8, no control characters, every '&' a reference
 * libxml2 can resolve without a DTD. */
struct feed_decoder;

/* name: a charset label (NULL = UTF-8). Unknown labels fall back to UTF-8;
 * *used gets the canonical name actually used (static string). */
struct feed_decoder *feed_decoder_new(const char *name, gboolean xml_fixups, const char **used);
void feed_decoder_free(struct feed_decoder *d);
/* Appends the decoded, repaired text of buf to out. Bytes that may belong to
 * a sequence continued in the next call are held back until then or until
 * final. Returns the number of repairs made (bare '&', bad bytes, ...). */
guint feed_decoder_run(struct feed_decoder *d, const char *buf, size_t len, gboolean final,
                       GString *out);
/* What was repaired so far (FEED_REPAIR_* bits), and those bits in words. */
enum {
	FEED_REPAIR_AMP = 1,        /* bare '&' or unknown entity name */
	FEED_REPAIR_ENTITY = 2,     /* HTML entity used without a DTD */
	FEED_REPAIR_BYTES = 4,      /* bytes invalid in the encoding, control characters */
	FEED_REPAIR_TAGS = 8,       /* stray end tags, unclosed elements, bare '<' */
	FEED_REPAIR_CHARREF = 16,   /* character references to C1 or invalid code points */
};
guint feed_decoder_repairs(const struct feed_decoder *d);
char *feed_repairs_describe(guint mask);
/* Canonical charset name for a label, NULL when unknown. */
const char *feed_charset_canonical(const char *label);

/* feed_json.c: a whole JSON Feed (UTF-8) → doc. Returns 0, or -1 with *error. */
int feed_json_parse(const char *buf, size_t len, const char *base_url,
                    struct feed_doc *doc, char **error);

/* feed.c helpers shared with feed_json.c */
char *feed_text_plain(const char *s, size_t len, gboolean maybe_html);
char *feed_resolve_link(const char *base, const char *ref);
void feed_item_add_category(struct feed_item *it, const char *cat);
/* Text and markup of an HTML field; handles HTML escaped twice. Caller frees both. */
void feed_html_field(const char *raw, size_t len, char **text, char **html);
/* For the unit test: the lookup tables must stay sorted. */
gboolean feed_tables_sorted(void);

#endif
