/* html.h — HTML fragments → plain text for matching and display. */
#ifndef NW_HTML_H
#define NW_HTML_H

#include <sys/types.h>
#include <glib.h>

/* Strips tags, decodes entities, drops script/style, turns block elements
 * into spaces and collapses whitespace. Plain markup (tags and references
 * only) takes a fast loop; anything else (comments, scripts, stray '<' or
 * '&') goes through libxml2's HTML SAX parser, and both give the same text.
 * html must be valid UTF-8; len < 0 means NUL-terminated. Returns a newly
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

/* Code point of an HTML 4 entity name (name need not be NUL-terminated),
 * 0 if unknown. Cached; thread-safe. */
gunichar html_entity_lookup(const char *name, size_t len);

/* For tests: html_to_text through libxml2's HTML parser only. */
char *html_to_text_libxml2(const char *html, size_t len);

#endif
