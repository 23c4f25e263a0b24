/* html.h — HTML fragments → plain text for matching and display. */
#ifndef NW_HTML_H
#define NW_HTML_H

#include <sys/types.h>

/* Strips tags (libxml2's HTML parser), decodes entities, drops script/style,
 * turns block elements into spaces and collapses whitespace. len < 0 means
 * NUL-terminated. Returns a newly allocated UTF-8 string, never NULL. */
char *html_to_text(const char *html, ssize_t len);

/* Collapses runs of whitespace to one space and trims; returns a new string. */
char *text_collapse_ws(const char *s);

#endif
