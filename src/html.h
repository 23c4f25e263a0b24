/* html.h — HTML fragments → plain text for matching and display. */
#ifndef NW_HTML_H
#define NW_HTML_H

#include <sys/types.h>
#include <glib.h>

/* Strips tags (libxml2's HTML SAX parser), decodes entities, drops
 * script/style, turns block elements into spaces and collapses whitespace.
 * html must be UTF-8; len < 0 means NUL-terminated. Returns a newly
 * allocated valid UTF-8 string, never NULL. */
char *html_to_text(const char *html, ssize_t len);

/* Collapses runs of whitespace (ASCII and Unicode spaces, NBSP) to one
 * space, drops zero-width characters and trims; returns a new string. */
char *text_collapse_ws(const char *s);

/* Same, in place on a GString. */
void text_collapse_ws_in_place(GString *s);

/* TRUE when text (already entity-decoded once) still holds HTML tags, i.e.
 * the publisher escaped its HTML twice. */
gboolean html_looks_like_markup(const char *text, size_t len);

#endif
