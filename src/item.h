/* item.h — a parsed feed and its items: what parse hands to match and dedup. */
#ifndef NW_ITEM_H
#define NW_ITEM_H

#include <glib.h>

enum feed_format {
	FEED_FORMAT_UNKNOWN = 0,
	FEED_FORMAT_RSS090,
	FEED_FORMAT_RSS091,
	FEED_FORMAT_RSS092,
	FEED_FORMAT_RSS20,
	FEED_FORMAT_RSS10,      /* RDF */
	FEED_FORMAT_ATOM03,
	FEED_FORMAT_ATOM10,
	FEED_FORMAT_JSONFEED10,
	FEED_FORMAT_JSONFEED11,
};

/* All strings are valid UTF-8 owned by the item, or NULL when absent.
 * Text fields are plain text (HTML stripped, entities decoded, whitespace
 * collapsed); the *_html fields keep the publisher's markup for channels
 * that want it. Times are Unix seconds UTC, 0 when unknown. */
struct feed_item {
	char *id;               /* guid / Atom id / JSON Feed id */
	char *title;
	char *link;             /* absolute (xml:base and feed URL applied) */
	char *summary;
	char *summary_html;
	char *content;
	char *content_html;
	char *author;           /* several authors joined with ", " */
	GPtrArray *categories;  /* of char *; never NULL */
	gint64 published;
	gint64 updated;
};

struct feed_doc {
	char *title;
	char *link;
	enum feed_format format;
	char *encoding;         /* the encoding the document was decoded from */
	gboolean ill_formed;    /* recovered from errors */
	char *error;            /* first parse error, for logs and status; may be NULL */
	int ttl_minutes;        /* the feed's own polling hint (ttl, sy:updatePeriod); 0 = none */
	GPtrArray *items;       /* of struct feed_item *, owned */
};

struct feed_item *feed_item_new(void);
void feed_item_free(struct feed_item *item);        /* accepts NULL */
struct feed_doc *feed_doc_new(void);
void feed_doc_free(struct feed_doc *doc);           /* accepts NULL */
const char *feed_format_name(enum feed_format f);   /* "rss2.0", "atom1.0", ... */

#endif
