/* date.c — feed dates → Unix seconds UTC. GLib reads ISO 8601 and curl
 * reads RFC 822; the hand-written part only rewrites the quirks those two
 * refuse into a form they accept. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "date.h"

/* Zones curl_getdate does not know, as minutes east of UTC. Sorted. */
static const struct zone {
	const char *name;
	int minutes;
} extra_zones[] = {
	{ "AEDT", 660 }, { "AEST", 600 }, { "CET", 60 }, { "EEST", 180 },
	{ "EET", 120 }, { "HKT", 480 }, { "IDT", 180 }, { "IST", 330 },
	{ "JST", 540 }, { "KST", 540 }, { "MSD", 240 }, { "MSK", 180 },
	{ "NZDT", 780 }, { "NZST", 720 }, { "SGT", 480 }, { "WEST", 60 },
	{ "WET", 0 },
};

static const char *const months[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static const char *const days[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

static int
zone_cmp(const void *key, const void *elt)
{
	return g_ascii_strcasecmp(key, ((const struct zone *)elt)->name);
}

/* Index of the month a word names ("Jan", "January", "Sept"), or -1. */
static int
month_index(const char *w, size_t n)
{
	if (n < 3)
		return -1;
	for (int i = 0; i < 12; i++)
		if (n <= strlen(months[i]) && g_ascii_strncasecmp(w, months[i], n) == 0)
			return i;
	if (n == 4 && g_ascii_strncasecmp(w, "sept", 4) == 0)
		return 8;
	return -1;
}

static gboolean
is_day_name(const char *w, size_t n)
{
	if (n < 2)
		return FALSE;
	for (size_t i = 0; i < G_N_ELEMENTS(days); i++)
		if (n <= strlen(days[i]) && g_ascii_strncasecmp(w, days[i], n) == 0)
			return TRUE;
	/* "Thur", "Tues", "Weds" */
	return (n == 4 && (g_ascii_strncasecmp(w, "thur", 4) == 0 ||
	                   g_ascii_strncasecmp(w, "tues", 4) == 0 ||
	                   g_ascii_strncasecmp(w, "weds", 4) == 0));
}

static gint64
parse_iso(const char *s)
{
	static GTimeZone *utc;
	GDateTime *dt;
	gint64 t;
	int y, mo, d, h = 0, mi = 0, n = 0;
	char buf[80];
	const char *rest;

	if (utc == NULL)
		utc = g_time_zone_new_utc();
	dt = g_date_time_new_from_iso8601(s, utc);
	if (dt == NULL) {
		/* Date only, "YYYY/MM/DD", or a time without seconds. */
		if (sscanf(s, "%4d%*[-/]%2d%*[-/]%2d%n", &y, &mo, &d, &n) != 3)
			return 0;
		rest = s + n;
		if (*rest == 'T' || *rest == 't' || *rest == ' ') {
			int m = 0;
			if (sscanf(rest + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
				return 0;
			rest += 1 + m;
			if (*rest == ':')      /* has seconds: GLib refused it for another reason */
				rest = strpbrk(rest, "Zz+- ") ? strpbrk(rest, "Zz+- ") : "";
			while (*rest == ' ')
				rest++;
		} else if (*rest != '\0')
			return 0;
		if (*rest != '\0' && *rest != 'Z' && *rest != 'z' && *rest != '+' && *rest != '-')
			return 0;
		g_snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:00%s", y, mo, d, h, mi,
		           *rest ? rest : "Z");
		dt = g_date_time_new_from_iso8601(buf, utc);
		if (dt == NULL)
			return 0;
	}
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* Rewrites what curl_getdate refuses: full or foreign-length names, unknown
 * zones, "+01:00", AM/PM. Returns the curl result or -1. */
static gint64
parse_rfc822_quirks(const char *s)
{
	GString *out = g_string_sized_new(64);
	int pm = -1;   /* -1 none, 0 AM, 1 PM */
	gint64 t;
	const char *p = s;

	while (*p) {
		if (g_ascii_isalpha(*p)) {
			const char *w = p;
			size_t n;
			const struct zone *z;
			int mi;
			char word[8];

			while (g_ascii_isalpha(*p))
				p++;
			n = (size_t)(p - w);
			if ((mi = month_index(w, n)) >= 0) {
				g_string_append_printf(out, " %c%c%c ", g_ascii_toupper(months[mi][0]),
				                       months[mi][1], months[mi][2]);
				continue;
			}
			if (is_day_name(w, n))
				continue;
			if (n == 2 && (g_ascii_strncasecmp(w, "am", 2) == 0 ||
			               g_ascii_strncasecmp(w, "pm", 2) == 0)) {
				pm = g_ascii_tolower(w[0]) == 'p';
				continue;
			}
			if (n < sizeof word) {
				memcpy(word, w, n);
				word[n] = '\0';
				z = bsearch(word, extra_zones, G_N_ELEMENTS(extra_zones),
				            sizeof extra_zones[0], zone_cmp);
				if (z != NULL) {
					int m = z->minutes;
					g_string_append_printf(out, " %c%02d%02d", m < 0 ? '-' : '+',
					                       ABS(m) / 60, ABS(m) % 60);
					continue;
				}
			}
			g_string_append_c(out, ' ');
			g_string_append_len(out, w, (gssize)n);
			g_string_append_c(out, ' ');
			continue;
		}
		/* "+01:00" → "+0100" */
		if ((*p == '+' || *p == '-') && g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2]) &&
		    p[3] == ':' && g_ascii_isdigit(p[4]) && g_ascii_isdigit(p[5])) {
			g_string_append_c(out, ' ');
			g_string_append_len(out, p, 3);
			g_string_append_len(out, p + 4, 2);
			p += 6;
			continue;
		}
		g_string_append_c(out, *p == ',' ? ' ' : *p);
		p++;
	}
	t = curl_getdate(out->str, NULL);
	if (t != -1 && pm >= 0) {
		/* curl ignored AM/PM; find the hour it used and correct it. */
		int hour = -1;
		const char *colon = strchr(out->str, ':');

		if (colon && colon > out->str && g_ascii_isdigit(colon[-1])) {
			const char *h = colon - 1;
			if (h > out->str && g_ascii_isdigit(h[-1]))
				h--;
			hour = (int)g_ascii_strtoll(h, NULL, 10);
		}
		if (pm == 1 && hour >= 1 && hour < 12)
			t += 12 * 3600;
		else if (pm == 0 && hour == 12)
			t -= 12 * 3600;
	}
	g_string_free(out, TRUE);
	return t;
}

gint64
date_parse(const char *s)
{
	gint64 t;
	size_t n;
	char buf[128];

	if (s == NULL)
		return 0;
	while (g_ascii_isspace(*s))
		s++;
	n = strlen(s);
	while (n > 0 && g_ascii_isspace(s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';

	/* ISO 8601 / RFC 3339: starts with a four-digit year and a separator. */
	if (n >= 8 && g_ascii_isdigit(buf[0]) && g_ascii_isdigit(buf[1]) &&
	    g_ascii_isdigit(buf[2]) && g_ascii_isdigit(buf[3]) &&
	    (buf[4] == '-' || buf[4] == '/')) {
		/* GLib wants upper-case separators */
		for (char *c = buf; *c; c++)
			if (*c == 't' || *c == 'z')
				*c = g_ascii_toupper(*c);
		return MAX(parse_iso(buf), 0);
	}

	/* Bare epoch seconds (some CMSs). */
	if (strspn(buf, "0123456789") == n && n >= 9 && n <= 11)
		return g_ascii_strtoll(buf, NULL, 10);

	t = curl_getdate(buf, NULL);
	if (t == -1)
		t = parse_rfc822_quirks(buf);
	return t > 0 ? t : 0;
}

char *
date_format_rfc3339(gint64 t, char buf[static 21])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return NULL;
	if (strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return buf;
}
