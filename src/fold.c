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

/* Folded forms of characters beyond the shared table, per fold buffer (so
 * no locking): the Basic Multilingual Plane in lazily allocated blocks of
 * 256 characters (typographic quotes and dashes, CJK, ...), the rest and the
 * rare long forms in a hash. Both are bounded, so hostile text cannot grow
 * them without limit; past the bounds characters are folded each time. */
#define BLOCK_UNSET 254
#define BLOCK_LONG 255
#define BLOCKS_MAX 64

struct fold_cache {
	struct folded_char *block[256];   /* by c >> 8, for c < 0x10000 */
	guint n_blocks;
	GHashTable *other;                /* codepoint -> folded UTF-8 */
};

void
fold_init(struct fold *f)
{
	table_init();
	f->text = g_string_sized_new(256);
	f->map = g_array_sized_new(FALSE, FALSE, sizeof(guint32), 256);
	f->cache = g_new0(struct fold_cache, 1);
	f->cache->other = g_hash_table_new_full(NULL, NULL, NULL, g_free);
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
	if (f->cache) {
		for (guint i = 0; i < G_N_ELEMENTS(f->cache->block); i++)
			g_free(f->cache->block[i]);
		g_hash_table_destroy(f->cache->other);
		g_free(f->cache);
	}
	memset(f, 0, sizeof(*f));
}

/* ASCII byte -> folded byte; ' ' for whitespace, control characters and '-'. */
#define S ' '
static const unsigned char ascii_fold[128] = {
#define R(x) x, x+1, x+2, x+3, x+4, x+5, x+6, x+7
	S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
	S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
	S, R(33), 41, 42, 43, 44, S, 46, 47, 48, R(49), R(57), 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l',
	'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '[', '\\', ']', '^', '_',
	'\'', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '{', '|', '}', '~', S,
#undef R
};
#undef S

/* The folded form of a character at or beyond U+0800. *tmp receives a
 * string to free when the form is not cached. */
static const char *
cached_fold(struct fold_cache *fc, gunichar c, gsize *len, char **tmp)
{
	*tmp = NULL;
	if (c < 0x10000) {
		struct folded_char *blk = fc->block[c >> 8];
		if (blk == NULL && fc->n_blocks < BLOCKS_MAX) {
			blk = fc->block[c >> 8] = g_new(struct folded_char, 256);
			for (int i = 0; i < 256; i++)
				blk[i].len = BLOCK_UNSET;
			fc->n_blocks++;
		}
		if (blk) {
			struct folded_char *ch = &blk[c & 0xff];
			if (ch->len == BLOCK_UNSET) {
				char *s = compute_fold(c);
				size_t n = strlen(s);
				if (n < sizeof(ch->s)) {
					memcpy(ch->s, s, n);
					ch->len = (guint8)n;
				} else {
					ch->len = BLOCK_LONG;
				}
				g_free(s);
			}
			if (ch->len != BLOCK_LONG) {
				*len = ch->len;
				return ch->s;
			}
		}
	}
	const char *s = g_hash_table_lookup(fc->other, GUINT_TO_POINTER(c));
	if (s == NULL) {
		char *computed = compute_fold(c);
		if (g_hash_table_size(fc->other) >= CACHE_MAX) {
			*tmp = computed;
			*len = strlen(computed);
			return computed;
		}
		g_hash_table_insert(fc->other, GUINT_TO_POINTER(c), computed);
		s = computed;
	}
	*len = strlen(s);
	return s;
}

/* The output cursor. A space is written at once, unless the output is
 * empty or already ends in one, and a trailing space is dropped at the end:
 * collapsing without a branch a byte. Invariant: room for (input bytes
 * still to read) + 1 more folded bytes, since an ASCII byte yields at most
 * one; only characters whose folded form is longer than they are need to
 * grow the buffers. */
struct out {
	char *t;
	guint32 *map;
	gsize k;               /* bytes written */
	gsize cap;             /* bytes t can hold, before the NUL */
	guint last_space;      /* the output is empty or ends in a space */
};

static void
out_reserve(struct fold *f, struct out *o, gsize need)
{
	if (o->k + need <= o->cap)
		return;
	o->cap = MAX(o->k + need, o->cap * 2);
	g_string_set_size(f->text, o->cap);
	g_array_set_size(f->map, (guint)o->cap + 1);
	o->t = f->text->str;
	o->map = (guint32 *)(void *)f->map->data;
}

/* b: a folded byte, ' ' for a space */
static inline void
out_byte(struct out *o, char b, guint32 orig)
{
	guint sp = b == ' ';

	o->t[o->k] = b;
	o->map[o->k] = orig;
	o->k += !(sp & o->last_space);
	o->last_space = sp;
}

static inline void
out_str(struct out *o, const char *s, gsize len, guint32 orig)
{
	for (gsize i = 0; i < len; i++)
		out_byte(o, s[i], orig);
}

/* One valid UTF-8 character of two or three bytes at p (n bytes left), or
 * 0 for anything else (GLib then decides). */
static inline gunichar
decode_short(const unsigned char *p, gsize n, gsize *clen)
{
	if (p[0] >= 0xC2 && p[0] <= 0xDF && n >= 2 && (p[1] & 0xC0) == 0x80) {
		*clen = 2;
		return ((gunichar)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
	}
	if ((p[0] & 0xF0) == 0xE0 && n >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
		gunichar c = ((gunichar)(p[0] & 0x0F) << 12) | ((gunichar)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
		if (c >= 0x800 && (c & 0xF800) != 0xD800) {
			*clen = 3;
			return c;
		}
	}
	return 0;
}

const char *
fold_run(struct fold *f, const char *src, gssize len)
{
	const unsigned char *s = (const unsigned char *)src;
	gsize n = len < 0 ? strlen(src) : (gsize)len;
	struct out o = { NULL, NULL, 0, n + 1, 1 };
	gsize i = 0;

	g_string_set_size(f->text, o.cap);
	g_array_set_size(f->map, (guint)o.cap + 1);
	o.t = f->text->str;
	o.map = (guint32 *)(void *)f->map->data;
	while (i < n) {
		/* The common case: a run of ASCII, one table lookup a byte. */
		while (i < n && s[i] < 0x80) {
			out_byte(&o, (char)ascii_fold[s[i]], (guint32)i);
			i++;
		}
		if (i >= n)
			break;
		gsize clen;
		gunichar c = decode_short(s + i, n - i, &clen);
		if (c == 0) {
			c = g_utf8_get_char_validated(src + i, (gssize)(n - i));
			if (c == (gunichar)-1 || c == (gunichar)-2) {
				c = 0xFFFD;
				clen = 1;
			} else {
				clen = (gsize)(g_utf8_next_char(src + i) - (src + i));
			}
		}
		const char *fs;
		gsize flen;
		char *tmp = NULL;
		if (c < TABLE_HI && table[c - TABLE_LO].len != 255) {
			fs = table[c - TABLE_LO].s;
			flen = table[c - TABLE_LO].len;
		} else {
			fs = cached_fold(f->cache, c, &flen, &tmp);
		}
		/* keep the invariant for the bytes after this character */
		if (flen + 1 > clen)
			out_reserve(f, &o, flen + 1 + (n - i - clen) + 1);
		out_str(&o, fs, flen, (guint32)i);
		g_free(tmp);
		i += clen;
	}
	if (o.k > 0 && o.last_space)
		o.k--;
	o.map[o.k] = (guint32)n;
	g_string_truncate(f->text, o.k);
	g_array_set_size(f->map, (guint)o.k + 1);
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
