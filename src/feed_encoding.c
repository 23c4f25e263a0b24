/* feed_encoding.c — feed bytes → UTF-8 that libxml2 reads without tripping.
 *
 * Everything is decoded here, not by libxml2 (it is told to ignore the
 * encoding declaration), so one place applies the real-world fallbacks:
 * ISO-8859-1 and ASCII labels mean windows-1252, a byte that is not valid
 * UTF-8 is read as windows-1252, a BOM is dropped. The XML fix-ups then
 * make every '&' a reference libxml2 resolves without a DTD: a bare '&'
 * becomes "&amp;", an HTML entity (&nbsp;) its numeric reference, an
 * unknown name literal text; references to C1 code points get their
 * windows-1252 meaning. Entities declared in a DTD are therefore never
 * expanded: billion-laughs inputs cost nothing. */
#include <errno.h>
#include <string.h>
#include "feed_int.h"
#include "html.h"

enum dec_mode { DEC_UTF8, DEC_CP1252, DEC_ICONV };

struct feed_decoder {
	enum dec_mode mode;
	GIConv cd;
	char *name;                /* canonical name in use */
	gboolean fix;              /* apply the XML fix-ups */
	GString *raw;              /* undecoded bytes held from the last call */
	GString *u8;               /* decoded text not yet fixed up */
	const char *section;       /* inside CDATA, a comment or PI: its terminator */
	GString *names;            /* open elements: names, NUL-separated */
	GArray *offs;              /* start of each name in names */
	guint repaired;            /* FEED_REPAIR_* bits */
};

/* windows-1252 0x80..0x9F; 0 marks the five undefined bytes (→ U+FFFD). */
static const gunichar cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static gunichar
cp1252_char(unsigned char c)
{
	if (c >= 0x80 && c < 0xA0)
		return cp1252_high[c - 0x80] ? cp1252_high[c - 0x80] : 0xFFFD;
	return c;
}

/* Charset labels we map ourselves. Sorted for bsearch. */
static const struct charset {
	const char *label;
	const char *name;
} charsets[] = {
	{ "ascii", "windows-1252" }, { "cp1251", "windows-1251" },
	{ "cp1252", "windows-1252" }, { "iso-8859-1", "windows-1252" },
	{ "iso8859-1", "windows-1252" }, { "iso_8859-1", "windows-1252" },
	{ "l1", "windows-1252" }, { "latin-1", "windows-1252" },
	{ "latin1", "windows-1252" }, { "us-ascii", "windows-1252" },
	{ "utf-8", "UTF-8" }, { "utf8", "UTF-8" },
	{ "windows-1251", "windows-1251" }, { "windows-1252", "windows-1252" },
	{ "x-cp1251", "windows-1251" }, { "x-cp1252", "windows-1252" },
};

static int
charset_cmp(const void *key, const void *elt)
{
	return strcmp(key, ((const struct charset *)elt)->label);
}

const char *
feed_charset_canonical(const char *label)
{
	char buf[32];
	const struct charset *c;
	size_t n;

	if (label == NULL)
		return NULL;
	while (g_ascii_isspace(*label) || *label == '"' || *label == '\'')
		label++;
	for (n = 0; label[n] && n < sizeof buf - 1 && !g_ascii_isspace(label[n]) &&
	     label[n] != '"' && label[n] != '\'' && label[n] != ';'; n++)
		buf[n] = g_ascii_tolower(label[n]);
	buf[n] = '\0';
	c = bsearch(buf, charsets, G_N_ELEMENTS(charsets), sizeof *charsets, charset_cmp);
	return c ? c->name : NULL;
}

struct feed_decoder *
feed_decoder_new(const char *label, gboolean xml_fixups, const char **used)
{
	struct feed_decoder *d = g_new0(struct feed_decoder, 1);
	const char *canon = label ? feed_charset_canonical(label) : "UTF-8";

	d->fix = xml_fixups;
	d->raw = g_string_sized_new(16);
	d->u8 = g_string_sized_new(64 * 1024);
	d->cd = (GIConv)-1;
	d->names = g_string_new(NULL);
	d->offs = g_array_new(FALSE, FALSE, sizeof(guint));
	if (canon == NULL) {
		/* Not one we map: iconv may know it (KOI8-R, ISO-8859-5, UTF-16LE, ...). */
		char *up = g_ascii_strup(label, -1);

		g_strstrip(up);
		d->cd = g_iconv_open("UTF-8", up);
		if (d->cd != (GIConv)-1) {
			d->mode = DEC_ICONV;
			d->name = up;
		} else {
			g_free(up);
			canon = "UTF-8";
		}
	}
	if (d->name == NULL) {
		d->name = g_strdup(canon);
		if (strcmp(canon, "UTF-8") == 0)
			d->mode = DEC_UTF8;
		else if (strcmp(canon, "windows-1252") == 0)
			d->mode = DEC_CP1252;
		else {
			d->cd = g_iconv_open("UTF-8", canon);
			d->mode = d->cd != (GIConv)-1 ? DEC_ICONV : DEC_UTF8;
		}
	}
	if (used)
		*used = d->name;
	return d;
}

void
feed_decoder_free(struct feed_decoder *d)
{
	if (d == NULL)
		return;
	if (d->cd != (GIConv)-1)
		g_iconv_close(d->cd);
	g_free(d->name);
	g_string_free(d->raw, TRUE);
	g_string_free(d->u8, TRUE);
	g_string_free(d->names, TRUE);
	g_array_unref(d->offs);
	g_free(d);
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 if invalid, -1 if it
 * may be valid but is cut off at end. */
static int
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	int n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	for (int i = 1; i < n; i++) {
		if (p + i >= end)
			return -1;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return n;
}

/* Decodes UTF-8, reading invalid bytes as windows-1252. Returns repairs. */
static guint
decode_utf8(struct feed_decoder *d, const unsigned char *p, const unsigned char *end,
            gboolean final)
{
	guint repairs = 0;

	while (p < end) {
		const gchar *valid_end;
		int n;

		g_utf8_validate_len((const gchar *)p, (gsize)(end - p), &valid_end);
		g_string_append_len(d->u8, (const char *)p, (const char *)valid_end - (const char *)p);
		p = (const unsigned char *)valid_end;
		if (p >= end)
			break;
		if (*p == 0) {          /* g_utf8_validate stops at NUL */
			g_string_append_c(d->u8, ' ');
			p++;
			repairs++;
			continue;
		}
		n = utf8_seq(p, end);
		if (n < 0 && !final) {
			g_string_append_len(d->raw, (const char *)p, end - p);
			break;
		}
		g_string_append_unichar(d->u8, cp1252_char(*p));
		p++;
		repairs++;
	}
	return repairs;
}

static guint
decode_cp1252(struct feed_decoder *d, const unsigned char *p, const unsigned char *end)
{
	while (p < end) {
		const unsigned char *run = p;

		while (p < end && *p < 0x80)
			p++;
		g_string_append_len(d->u8, (const char *)run, p - run);
		if (p < end)
			g_string_append_unichar(d->u8, cp1252_char(*p++));
	}
	return 0;
}

static guint
decode_iconv(struct feed_decoder *d, const unsigned char *p, const unsigned char *end,
             gboolean final)
{
	gchar *in = (gchar *)p;
	gsize inleft = (gsize)(end - p);
	guint repairs = 0;

	while (inleft > 0) {
		gsize old = d->u8->len, room = inleft * 4 + 16;
		gchar *out;
		gsize outleft = room;
		gsize r;

		g_string_set_size(d->u8, old + room);
		out = d->u8->str + old;
		r = g_iconv(d->cd, &in, &inleft, &out, &outleft);
		g_string_set_size(d->u8, old + (room - outleft));
		if (r != (gsize)-1)
			break;
		if (errno == EILSEQ) {
			g_string_append(d->u8, "\xEF\xBF\xBD");
			in++;
			inleft--;
			repairs++;
		} else if (errno == EINVAL) {
			if (!final)
				g_string_append_len(d->raw, in, (gssize)inleft);
			else
				g_string_append(d->u8, "\xEF\xBF\xBD");
			break;
		} else if (errno != E2BIG)
			break;
	}
	return repairs;
}

static gboolean
xml_char_ok(gunichar v)
{
	return (v >= 0x20 && v <= 0xD7FF) || v == 0x9 || v == 0xA || v == 0xD ||
	       (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF);
}

/* Handles the '&' at s[0]. Returns bytes consumed, 0 to wait for more input. */
static size_t
fix_reference(struct feed_decoder *d, const char *s, size_t n, gboolean final,
              GString *out, guint *repairs)
{
	size_t i = 1;
	char name[40];

	if (i < n && s[i] == '#') {
		gboolean hex = FALSE;
		gunichar v = 0;
		size_t digits = 0;

		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			hex = TRUE;
			i++;
		}
		while (i < n && digits < 10 && (hex ? g_ascii_isxdigit(s[i]) : g_ascii_isdigit(s[i]))) {
			v = v * (hex ? 16 : 10) + (gunichar)(hex ? g_ascii_xdigit_value(s[i]) : s[i] - '0');
			i++;
			digits++;
		}
		if (i >= n && !final)
			return 0;
		if (digits == 0 || digits >= 10 || i >= n || s[i] != ';')
			goto bare;
		if (v >= 0x80 && v < 0xA0) {
			/* &#150; means what byte 150 means in windows-1252 */
			g_string_append_printf(out, "&#%u;", cp1252_char((unsigned char)v));
			(*repairs)++;
			d->repaired |= FEED_REPAIR_CHARREF;
			return i + 1;
		}
		if (!xml_char_ok(v)) {
			(*repairs)++;
			d->repaired |= FEED_REPAIR_CHARREF;
			return i + 1;     /* drop it */
		}
		g_string_append_len(out, s, (gssize)(i + 1));
		return i + 1;
	}
	while (i < n && i - 1 < sizeof name - 1 && (g_ascii_isalnum(s[i]) || s[i] == '_' ||
	       s[i] == '-' || s[i] == '.')) {
		name[i - 1] = s[i];
		i++;
	}
	if (i >= n && !final)
		return 0;
	if (i == 1 || i >= n || s[i] != ';' || !g_ascii_isalpha(s[1]))
		goto bare;
	name[i - 1] = '\0';
	if (strcmp(name, "amp") == 0 || strcmp(name, "lt") == 0 || strcmp(name, "gt") == 0 ||
	    strcmp(name, "quot") == 0 || strcmp(name, "apos") == 0) {
		g_string_append_len(out, s, (gssize)(i + 1));
		return i + 1;
	} else {
		gunichar v = html_entity_lookup(name, strlen(name));

		if (v == 0)
			goto bare;
		g_string_append_printf(out, "&#%u;", v);
		(*repairs)++;
		d->repaired |= FEED_REPAIR_ENTITY;
		return i + 1;
	}
bare:
	g_string_append(out, "&amp;");
	(*repairs)++;
	d->repaired |= FEED_REPAIR_AMP;
	return 1;
}

/* Byte classes for the fix-up scan: 1 = look at it. */
static const unsigned char special_text[256] = {
	[0] = 1, [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1, [7] = 1, [8] = 1,
	[11] = 1, [12] = 1, [14] = 1, [15] = 1, [16] = 1, [17] = 1, [18] = 1, [19] = 1,
	[20] = 1, [21] = 1, [22] = 1, [23] = 1, [24] = 1, [25] = 1, [26] = 1, [27] = 1,
	[28] = 1, [29] = 1, [30] = 1, [31] = 1, ['&'] = 1, ['<'] = 1,
};

#define TAG_MAX (64 * 1024)     /* a longer tag is passed on untouched */

/* Appends s, with control characters (other than tab, LF, CR) as spaces. */
static void
append_clean(GString *out, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = i;

		while (i < n && ((unsigned char)s[i] >= 0x20 || s[i] == '\t' || s[i] == '\n' ||
		                 s[i] == '\r'))
			i++;
		g_string_append_len(out, s + run, (gssize)(i - run));
		if (i < n) {
			g_string_append_c(out, ' ');
			i++;
		}
	}
}

/* Copies a section that ends with term (CDATA, comment, PI) verbatim.
 * Returns bytes consumed; *done is set when term was found. */
static size_t
copy_until(const char *s, size_t n, const char *term, gboolean final, GString *out,
           gboolean *done)
{
	size_t tl = strlen(term);
	const char *e = g_strstr_len(s, (gssize)n, term);

	if (e == NULL) {
		size_t stop = final ? n : n - MIN(tl - 1, n);

		append_clean(out, s, stop);
		*done = final;
		return stop;
	}
	append_clean(out, s, (size_t)(e - s) + tl);
	*done = TRUE;
	return (size_t)(e - s) + tl;
}

static gboolean
name_char(char c)
{
	return c != '\0' && !g_ascii_isspace(c) && c != '/' && c != '>' && c != '<' &&
	       c != '=' && c != '"' && c != '\'';
}

static void
stack_push(struct feed_decoder *d, const char *name, size_t len)
{
	guint off = d->names->len;

	g_string_append_len(d->names, name, (gssize)len);
	g_string_append_c(d->names, '\0');
	g_array_append_val(d->offs, off);
}

static const char *
stack_name(struct feed_decoder *d, guint i)
{
	return d->names->str + g_array_index(d->offs, guint, i);
}

static void
stack_pop(struct feed_decoder *d)
{
	guint off = g_array_index(d->offs, guint, d->offs->len - 1);

	g_array_set_size(d->offs, d->offs->len - 1);
	g_string_truncate(d->names, off);
}

/* An end tag at s ("</name ...>", len bytes). Keeps the document balanced:
 * a stray end tag is dropped; one naming an outer element first closes
 * what was left open inside it. */
static void
end_tag(struct feed_decoder *d, const char *s, size_t len, GString *out, guint *repairs)
{
	size_t nl = 0;
	gint i;

	while (2 + nl < len && name_char(s[2 + nl]))
		nl++;
	for (i = (gint)d->offs->len - 1; i >= 0; i--) {
		const char *nm = stack_name(d, (guint)i);
		if (strlen(nm) == nl && memcmp(nm, s + 2, nl) == 0)
			break;
	}
	if (i < 0) {
		(*repairs)++;
		d->repaired |= FEED_REPAIR_TAGS;
		return;
	}
	while ((gint)d->offs->len - 1 > i) {
		g_string_append_printf(out, "</%s>", stack_name(d, d->offs->len - 1));
		stack_pop(d);
		(*repairs)++;
		d->repaired |= FEED_REPAIR_TAGS;
	}
	stack_pop(d);
	g_string_append_len(out, s, (gssize)len);
}

/* A start tag at s[0] == '<'. Returns bytes consumed, 0 to wait for more. */
static size_t
start_tag(struct feed_decoder *d, const char *s, size_t n, gboolean final, GString *out,
          guint *repairs)
{
	size_t i = 1, nl;
	char quote = 0;

	while (i < n && name_char(s[i]))
		i++;
	nl = i - 1;
	/* find the end, outside quotes */
	for (; i < n; i++) {
		if (quote) {
			if (s[i] == quote)
				quote = 0;
		} else if (s[i] == '"' || s[i] == '\'')
			quote = s[i];
		else if (s[i] == '>' || s[i] == '<')
			break;
	}
	if (i >= n && !final && n < TAG_MAX)
		return 0;
	if (i >= n || s[i] == '<') {
		/* unterminated: pass it on, libxml2 recovers what it can */
		append_clean(out, s, i);
		(*repairs)++;
		d->repaired |= FEED_REPAIR_TAGS;
		return i;
	}
	/* copy, fixing '&' in attribute values */
	for (size_t k = 0; k <= i; ) {
		if (s[k] == '&') {
			size_t used = fix_reference(d, s + k, i + 1 - k, TRUE, out, repairs);
			k += used;
		} else {
			g_string_append_c(out, (unsigned char)s[k] < 0x20 && !g_ascii_isspace(s[k]) ?
			                  ' ' : s[k]);
			k++;
		}
	}
	if (s[i - 1] != '/')
		stack_push(d, s + 1, nl);
	return i + 1;
}

/* Fix-ups over s[0..n). Returns the bytes consumed (the rest waits). */
static size_t
fixup(struct feed_decoder *d, const char *s, size_t n, gboolean final, GString *out,
      guint *repairs)
{
	size_t i = 0;

	while (i < n) {
		size_t run = i;
		gboolean done;

		if (d->section != NULL) {
			i += copy_until(s + i, n - i, d->section, final, out, &done);
			if (done)
				d->section = NULL;
			else
				return i;
			continue;
		}
		while (i < n && !special_text[(unsigned char)s[i]])
			i++;
		g_string_append_len(out, s + run, (gssize)(i - run));
		if (i >= n)
			break;
		if (s[i] == '&') {
			size_t used = fix_reference(d, s + i, n - i, final, out, repairs);

			if (used == 0)
				return i;
			i += used;
		} else if (s[i] == '<') {
			size_t left = n - i, used;

			if (left < 10 && !final)
				return i;        /* not enough to tell what this is */
			if (left >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
				g_string_append_len(out, s + i, 9);
				i += 9;
				d->section = "]]>";
			} else if (left >= 4 && memcmp(s + i, "<!--", 4) == 0) {
				g_string_append_len(out, s + i, 4);
				i += 4;
				d->section = "-->";
			} else if (left >= 2 && s[i + 1] == '?') {
				g_string_append_len(out, s + i, 2);
				i += 2;
				d->section = "?>";
			} else if (left >= 2 && s[i + 1] == '!') {
				/* DOCTYPE, with its internal subset: up to '>' outside [] and quotes */
				size_t k = i + 2;
				int bracket = 0;
				char quote = 0;

				for (; k < n; k++) {
					if (quote) {
						if (s[k] == quote)
							quote = 0;
					} else if (s[k] == '"' || s[k] == '\'')
						quote = s[k];
					else if (s[k] == '[')
						bracket++;
					else if (s[k] == ']')
						bracket--;
					else if (s[k] == '>' && bracket <= 0)
						break;
				}
				if (k >= n && !final && k - i < TAG_MAX)
					return i;
				k = MIN(k + 1, n);
				append_clean(out, s + i, k - i);
				i = k;
			} else if (left >= 2 && s[i + 1] == '/') {
				const char *gt = memchr(s + i, '>', MIN(left, TAG_MAX));

				if (gt == NULL && !final && left < TAG_MAX)
					return i;
				if (gt == NULL) {
					(*repairs)++;
					d->repaired |= FEED_REPAIR_TAGS;
					i = n;       /* a broken end tag at the very end */
					continue;
				}
				end_tag(d, s + i, (size_t)(gt - (s + i)) + 1, out, repairs);
				i = (size_t)(gt - s) + 1;
			} else if (left >= 2 && (g_ascii_isalpha(s[i + 1]) || s[i + 1] == '_' ||
			                         s[i + 1] == ':' || (unsigned char)s[i + 1] >= 0x80)) {
				used = start_tag(d, s + i, left, final, out, repairs);
				if (used == 0)
					return i;
				i += used;
			} else {
				/* a '<' that starts nothing is text */
				g_string_append(out, "&lt;");
				(*repairs)++;
				d->repaired |= FEED_REPAIR_TAGS;
				i++;
			}
		} else {
			g_string_append_c(out, ' ');
			(*repairs)++;
			d->repaired |= FEED_REPAIR_BYTES;
			i++;
		}
	}
	return i;
}

/* At the end: close what the document left open. */
static guint
close_all(struct feed_decoder *d, GString *out)
{
	guint n = 0;

	if (d->offs->len > 0)
		d->repaired |= FEED_REPAIR_TAGS;
	for (; d->offs->len > 0; n++) {
		g_string_append_printf(out, "</%s>", stack_name(d, d->offs->len - 1));
		stack_pop(d);
	}
	return n;
}

guint
feed_decoder_run(struct feed_decoder *d, const char *buf, size_t len, gboolean final,
                 GString *out)
{
	guint repairs = 0;
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	GString *held = NULL;

	if (d->raw->len > 0) {
		/* A sequence was cut at the last call: decode it with this input. */
		held = g_string_new_len(d->raw->str, (gssize)d->raw->len);
		g_string_append_len(held, buf, (gssize)len);
		g_string_truncate(d->raw, 0);
		p = (const unsigned char *)held->str;
		end = p + held->len;
	}
	switch (d->mode) {
	case DEC_UTF8:
		repairs += decode_utf8(d, p, end, final);
		break;
	case DEC_CP1252:
		repairs += decode_cp1252(d, p, end);
		break;
	case DEC_ICONV:
		repairs += decode_iconv(d, p, end, final);
		break;
	}
	if (repairs > 0)
		d->repaired |= FEED_REPAIR_BYTES;
	if (held)
		g_string_free(held, TRUE);
	if (!d->fix) {
		g_string_append_len(out, d->u8->str, (gssize)d->u8->len);
		g_string_truncate(d->u8, 0);
	} else {
		size_t used = fixup(d, d->u8->str, d->u8->len, final, out, &repairs);

		g_string_erase(d->u8, 0, (gssize)used);
		if (final)
			repairs += close_all(d, out);
	}
	return repairs;
}

guint
feed_decoder_repairs(const struct feed_decoder *d)
{
	return d ? d->repaired : 0;
}

char *
feed_repairs_describe(guint mask)
{
	static const struct { guint bit; const char *what; } words[] = {
		{ FEED_REPAIR_AMP, "bare '&'" },
		{ FEED_REPAIR_ENTITY, "HTML entities" },
		{ FEED_REPAIR_BYTES, "invalid bytes" },
		{ FEED_REPAIR_TAGS, "unbalanced tags" },
		{ FEED_REPAIR_CHARREF, "bad character references" },
	};
	GString *g = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(words); i++)
		if (mask & words[i].bit)
			g_string_append_printf(g, "%s%s", g->len ? ", " : "", words[i].what);
	return g_string_free(g, FALSE);
}
