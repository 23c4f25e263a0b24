/* date.h — the dates feeds really carry → Unix seconds UTC.
 * RFC 822/1123 and their common variants (two-digit years, missing seconds,
 * named zones, missing or full day names, full month names, "+01:00"
 * offsets), RFC 3339 / ISO 8601 (with or without seconds, zone or time),
 * and a few broken forms ("2024/01/15 10:00", bare epoch seconds). */
#ifndef NW_DATE_H
#define NW_DATE_H

#include <glib.h>

/* Returns Unix seconds UTC, or 0 when s is NULL or no date could be read.
 * A date without a zone is taken as UTC. */
gint64 date_parse(const char *s);

/* RFC 3339 UTC, "2024-01-15T10:00:00Z", into buf (at least 21 bytes);
 * returns buf, or NULL (buf untouched) when t == 0. */
char *date_format_rfc3339(gint64 t, char buf[static 21]);

#endif
