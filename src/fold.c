/* fold.c — NFKD + mark stripping + case folding with an offset map.
 * ASCII takes a fast path (a table lookup per byte); anything else is folded
 * one character at a time, which equals folding the whole string because
 * the marks that canonical reordering would move are dropped anyway and
 * full case folding is per character. Per-character results are cached:
 * U+0080..U+07FF (Latin, Greek, Cyrillic, ...) in one table built once,
 * the rest in the fold's own hash table. */
#include <string.h>
#include "fold.h"

#define TABLE_LO 0x80
#define TABLE_HI 0x800
#define CACHE_MAX 8192

struct folded_char {
	char s[11];
	guint8 len;           /* 255: longer than s, compute each time */
};

static struct folded_char *table;   /* TABLE_HI - TABLE_LO entries */

enum { C_DROP = 1, C_SPACE, C_APOS, C_DASH };

/* Characters folded by decree rather than by Unicode data. */
static int
special_class(gunichar c)
{
	switch (c) {
	case 0x00AD: case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF:
		return C_DROP;       /* soft hyphen, zero-width characters: invisible inside words */
	case 0x2018: case 0x2019: case 0x201B: case 0x02BC: case 0x02B9: case 0x2032:
	case 0xFF07: case 0x0060: case 0x00B4:
		return C_APOS;
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:
	case 0x2212: case 0xFE58: case 0xFE63: case 0xFF0D: case 0x2E3A: case 0x2E3B:
		return C_DASH;
	}
	if (g_unichar_isspace(c) || g_unichar_type(c) == G_UNICODE_SPACE_SEPARATOR ||
	    g_unichar_iscntrl(c))
		return C_SPACE;
	return 0;
}

static gboolean
is_mark(gunichar c)
{
	switch (g_unichar_type(c)) {
	case G_UNICODE_NON_SPACING_MARK:
	case G_UNICODE_SPACING_MARK:
	case G_UNICODE_ENCLOSING_MARK:
		return TRUE;
	default:
		return FALSE;
	}
}

/* The folded form of one non-ASCII character (newly allocated, may be ""). */
static char *
compute_fold(gunichar c)
{
	char buf[8];
	int n = g_unichar_to_utf8(c, buf);
	char *nfkd, *folded;
	GString *out;

	switch (special_class(c)) {
	case C_DROP:  return g_strdup("");
	case C_SPACE: return g_strdup(" ");
	case C_APOS:  return g_strdup("'");
	case C_DASH:  return g_strdup(" ");
	}
	nfkd = g_utf8_normalize(buf, n, G_NORMALIZE_NFKD);
	if (nfkd == NULL)
		return g_strdup("");
	out = g_string_new(NULL);
	for (const char *p = nfkd; *p; p = g_utf8_next_char(p)) {
		gunichar d = g_utf8_get_char(p);
		if (!is_mark(d))
			g_string_append_unichar(out, d);
	}
	g_free(nfkd);
	folded = g_utf8_casefold(out->str, out->len);
	g_string_truncate(out, 0);
	/* Decomposition can produce apostrophes, dashes and spaces of its own. */
	for (const char *p = folded; *p; p = g_utf8_next_char(p)) {
		gunichar d = g_utf8_get_char(p);
		switch (d < 0x80 ? 0 : special_class(d)) {
		case C_DROP:  break;
		case C_SPACE: g_string_append_c(out, ' '); break;
		case C_APOS:  g_string_append_c(out, '\''); break;
		case C_DASH:  g_string_append_c(out, ' '); break;
		default:      g_string_append_unichar(out, d); break;
		}
	}
	g_free(folded);
	return g_string_free(out, FALSE);
}

static void
table_init(void)
{
	static gsize done;

	if (!g_once_init_enter(&done))
		return;
	struct folded_char *t = g_new0(struct folded_char, TABLE_HI - TABLE_LO);
	for (gunichar c = TABLE_LO; c < TABLE_HI; c++) {
		char *s = compute_fold(c);
		size_t len = strlen(s);
		struct folded_char *fc = &t[c - TABLE_LO];
		if (len < sizeof(fc->s)) {
			memcpy(fc->s, s, len);
			fc->len = (guint8)len;
		} else {
			fc->len = 255;
		}
		g_free(s);
	}
	table = t;
	g_once_init_leave(&done, 1);
}

void
fold_init(struct fold *f)
{
	table_init();
	f->text = g_string_sized_new(256);
	f->map = g_array_sized_new(FALSE, FALSE, sizeof(guint32), 256);
	f->cache = g_hash_table_new_full(NULL, NULL, NULL, g_free);
}

void
fold_clear(struct fold *f)
{
	if (f == NULL)
		return;
	if (f->text)
		g_string_free(f->text, TRUE);
	if (f->map)
		g_array_free(f->map, TRUE);
	if (f->cache)
		g_hash_table_destroy(f->cache);
	memset(f, 0, sizeof(*f));
}

/* ASCII byte -> folded byte; 0 for whitespace and control characters. */
static const unsigned char ascii_fold[128] = {
#define R(x) x, x+1, x+2, x+3, x+4, x+5, x+6, x+7
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, R(33), 41, 42, 43, 44, 0, 46, 47, 48, R(49), R(57), 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l',
	'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '[', '\\', ']', '^', '_',
	'\'', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '{', '|', '}', '~', 0,
#undef R
};

struct emitter {
	struct fold *f;
	gboolean pending_space;
	guint32 space_orig;
};

static inline void
emit_byte(struct emitter *e, char b, guint32 orig)
{
	if (e->pending_space) {
		e->pending_space = FALSE;
		if (e->f->text->len > 0) {
			g_string_append_c(e->f->text, ' ');
			g_array_append_val(e->f->map, e->space_orig);
		}
	}
	g_string_append_c(e->f->text, b);
	g_array_append_val(e->f->map, orig);
}

static inline void
emit_space(struct emitter *e, guint32 orig)
{
	if (!e->pending_space) {
		e->pending_space = TRUE;
		e->space_orig = orig;
	}
}

static void
emit_str(struct emitter *e, const char *s, gsize len, guint32 orig)
{
	for (gsize i = 0; i < len; i++) {
		if (s[i] == ' ')
			emit_space(e, orig);
		else
			emit_byte(e, s[i], orig);
	}
}

static void
emit_char(struct emitter *e, gunichar c, guint32 orig)
{
	if (c >= TABLE_LO && c < TABLE_HI && table[c - TABLE_LO].len != 255) {
		const struct folded_char *fc = &table[c - TABLE_LO];
		emit_str(e, fc->s, fc->len, orig);
		return;
	}
	const char *s = g_hash_table_lookup(e->f->cache, GUINT_TO_POINTER(c));
	if (s == NULL) {
		char *computed = compute_fold(c);
		if (g_hash_table_size(e->f->cache) >= CACHE_MAX) {
			emit_str(e, computed, strlen(computed), orig);
			g_free(computed);
			return;
		}
		g_hash_table_insert(e->f->cache, GUINT_TO_POINTER(c), computed);
		s = computed;
	}
	emit_str(e, s, strlen(s), orig);
}

const char *
fold_run(struct fold *f, const char *src, gssize len)
{
	struct emitter e = { f, FALSE, 0 };
	gsize n = len < 0 ? strlen(src) : (gsize)len;
	gsize i = 0;
	guint32 end;

	g_string_truncate(f->text, 0);
	g_array_set_size(f->map, 0);
	while (i < n) {
		unsigned char b = (unsigned char)src[i];
		if (b < 0x80) {
			unsigned char o = ascii_fold[b];
			if (o == 0)
				emit_space(&e, (guint32)i);
			else
				emit_byte(&e, (char)o, (guint32)i);
			i++;
			continue;
		}
		gunichar c = g_utf8_get_char_validated(src + i, (gssize)(n - i));
		gsize clen;
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			c = 0xFFFD;
			clen = 1;
		} else {
			clen = (gsize)(g_utf8_next_char(src + i) - (src + i));
		}
		emit_char(&e, c, (guint32)i);
		i += clen;
	}
	end = (guint32)n;
	g_array_append_val(f->map, end);
	return f->text->str;
}

void
fold_orig_range(const struct fold *f, const char *src, gsize start, gsize end,
                gsize *ostart, gsize *oend)
{
	const guint32 *map = (const guint32 *)(void *)f->map->data;
	gsize last;

	*ostart = map[start];
	if (end <= start) {
		*oend = *ostart;
		return;
	}
	/* The end is the end of the original character the last folded byte came from. */
	last = map[end - 1];
	*oend = (gsize)(g_utf8_next_char(src + last) - src);
	if (*oend > map[f->text->len])
		*oend = map[f->text->len];
}

char *
fold_string(const char *s)
{
	struct fold f;
	char *out;

	fold_init(&f);
	fold_run(&f, s, -1);
	out = g_strndup(f.text->str, f.text->len);
	fold_clear(&f);
	return out;
}

gboolean
fold_is_word_char(gunichar c)
{
	if (c < 0x80)
		return g_ascii_isalnum((int)c);
	return g_unichar_isalnum(c) || is_mark(c);
}

gboolean
fold_word_before(const char *s, gsize i)
{
	if (i == 0)
		return FALSE;
	if ((unsigned char)s[i - 1] < 0x80)
		return g_ascii_isalnum(s[i - 1]);
	const char *p = g_utf8_find_prev_char(s, s + i);
	return p != NULL && fold_is_word_char(g_utf8_get_char(p));
}

gboolean
fold_word_at(const char *s, gsize len, gsize i)
{
	if (i >= len)
		return FALSE;
	if ((unsigned char)s[i] < 0x80)
		return g_ascii_isalnum(s[i]);
	return fold_is_word_char(g_utf8_get_char_validated(s + i, (gssize)(len - i)));
}
