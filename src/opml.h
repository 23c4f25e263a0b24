/* opml.h — feeds in and out of other feed readers (OPML 1.0/2.0). */
#ifndef NW_OPML_H
#define NW_OPML_H

#include <glib.h>
#include "config.h"

struct opml_feed {
	char *name;        /* the outline's title (or text), cleaned for a [feed NAME] header */
	char *url;         /* xmlUrl */
	char *folder;      /* enclosing outlines' titles, "A / B"; NULL at top level */
};

void opml_feed_free(struct opml_feed *f);              /* accepts NULL */

/* Every outline with an xmlUrl, in document order, nested folders flattened.
 * Outlines without a usable http(s) URL are skipped with a line in warnings
 * (may be NULL). NULL and *error set (caller frees) when the file is not OPML. */
GPtrArray *opml_read(const char *path, GPtrArray *warnings, char **error);
GPtrArray *opml_read_data(const char *data, gsize len, const char *path, GPtrArray *warnings,
                          char **error);

/* An OPML 2.0 document listing cfg's feeds. Caller frees. */
char *opml_write(const struct config *cfg);

/* A [feed NAME] name from a title: control characters and brackets become
 * spaces, runs of spaces collapse, at most 80 characters; NULL when nothing
 * is left. Caller frees. */
char *opml_clean_name(const char *title);

/* Appends a [feed NAME] section per feed whose URL is not configured yet to
 * the text of a config file (existing text, comments included, kept as is).
 * Names already in use get " (2)", " (3)". names_taken, urls_taken: the
 * names and URLs in use (tables with g_free'd keys; the added ones are put
 * in too). Returns the new text (caller frees); *added counts the sections. */
char *opml_append_feeds(const char *text, GPtrArray *feeds, GHashTable *names_taken,
                        GHashTable *urls_taken, guint *added);

#endif
