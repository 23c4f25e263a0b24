/* html.c — HTML fragments → plain text with libxml2's HTML SAX parser:
 * no tree is built; text callbacks append to one string. */
#include <string.h>
#include <libxml/HTMLparser.h>
#include "html.h"

/* Elements that matter for text: SKIP ones hide their text, BLOCK ones
 * separate words (their start and end become a space). Sorted by name. */
enum { SKIP = 1, BLOCK = 2 };
static const struct html_tag {
	const char *name;
	int what;
} html_tags[] = {
	{ "address", BLOCK }, { "article", BLOCK }, { "aside", BLOCK },
	{ "blockquote", BLOCK }, { "br", BLOCK }, { "caption", BLOCK }, { "dd", BLOCK },
	{ "div", BLOCK }, { "dl", BLOCK }, { "dt", BLOCK }, { "figcaption", BLOCK },
	{ "figure", BLOCK }, { "footer", BLOCK }, { "form", BLOCK }, { "h1", BLOCK },
	{ "h2", BLOCK }, { "h3", BLOCK }, { "h4", BLOCK }, { "h5", BLOCK }, { "h6", BLOCK },
	{ "head", SKIP }, { "header", BLOCK }, { "hr", BLOCK }, { "iframe", BLOCK },
	{ "img", BLOCK }, { "li", BLOCK }, { "main", BLOCK }, { "nav", BLOCK },
	{ "noscript", SKIP }, { "ol", BLOCK }, { "p", BLOCK }, { "pre", BLOCK },
	{ "script", SKIP }, { "section", BLOCK }, { "style", SKIP }, { "table", BLOCK },
	{ "tbody", BLOCK }, { "td", BLOCK }, { "template", SKIP }, { "tfoot", BLOCK },
	{ "th", BLOCK }, { "thead", BLOCK }, { "title", SKIP }, { "tr", BLOCK },
	{ "ul", BLOCK },
};

/* Tag names that betray double-escaped HTML once decoded. Sorted. */
static const char *const markup_tags[] = {
	"a", "b", "blockquote", "br", "div", "em", "figure", "h1", "h2", "h3",
	"h4", "hr", "i", "iframe", "img", "li", "ol", "p", "span", "strong", "table",
	"ul",
};

struct strip {
	GString *out;
	int skip;               /* depth inside skip_tags elements */
};

static int
str_cmp(const void *key, const void *elt)
{
	return strcmp(key, *(const char *const *)elt);
}

static gboolean
in_table(const char *name, const char *const *table, size_t n)
{
	return bsearch(name, table, n, sizeof *table, str_cmp) != NULL;
}

static int
tag_cmp(const void *key, const void *elt)
{
	return strcmp(key, ((const struct html_tag *)elt)->name);
}

static int
tag_what(const xmlChar *name)
{
	const struct html_tag *t;

	/* most tags are inline and short: "a", "b", "i", "em", "span", "strong" */
	if (name[0] == 'a' && name[1] == '\0')
		return 0;
	t = bsearch(name, html_tags, G_N_ELEMENTS(html_tags), sizeof *html_tags, tag_cmp);
	return t ? t->what : 0;
}

static void
on_start(void *user, const xmlChar *name, const xmlChar **attrs)
{
	struct strip *st = user;
	int what = tag_what(name);

	if (what == SKIP)
		st->skip++;
	else if (what == BLOCK)
		g_string_append_c(st->out, ' ');
}

static void
on_end(void *user, const xmlChar *name)
{
	struct strip *st = user;
	int what = tag_what(name);

	if (what == SKIP) {
		if (st->skip > 0)
			st->skip--;
	} else if (what == BLOCK)
		g_string_append_c(st->out, ' ');
}

static void
on_text(void *user, const xmlChar *s, int len)
{
	struct strip *st = user;

	if (st->skip == 0)
		g_string_append_len(st->out, (const char *)s, len);
}

static void
on_quiet(void *user, const char *msg, ...)
{
}

static htmlSAXHandler strip_sax = {
	.startElement = on_start,
	.endElement = on_end,
	.characters = on_text,
	.cdataBlock = on_text,
	.ignorableWhitespace = on_text,
	.warning = on_quiet,
	.error = on_quiet,
	.initialized = 1,
};

/* Length of a Unicode space (→ ' ') or zero-width character (→ dropped)
 * at p; *drop says which. 0 when p holds neither. */
static int
unicode_space(const unsigned char *p, gboolean *drop)
{
	*drop = FALSE;
	if (p[0] == 0xC2 && p[1] == 0xA0)                      /* NBSP */
		return 2;
	if (p[0] == 0xC2 && p[1] == 0xAD) {                    /* soft hyphen */
		*drop = TRUE;
		return 2;
	}
	if (p[0] == 0xE2 && p[1] == 0x80) {
		if (p[2] >= 0x80 && p[2] <= 0x8A)              /* en quad .. hair space */
			return 3;
		if (p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF)  /* line/para sep, narrow nbsp */
			return 3;
		if (p[2] >= 0x8B && p[2] <= 0x8D) {            /* zero-width space/joiners */
			*drop = TRUE;
			return 3;
		}
	}
	if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F)       /* medium math space */
		return 3;
	if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)       /* ideographic space */
		return 3;
	if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {     /* BOM / ZWNBSP */
		*drop = TRUE;
		return 3;
	}
	return 0;
}

/* 1: ASCII whitespace or control (→ space); 2: may start a Unicode space. */
static const unsigned char ws_class[256] = {
	[0] = 1, [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1, [7] = 1, [8] = 1,
	[9] = 1, [10] = 1, [11] = 1, [12] = 1, [13] = 1, [14] = 1, [15] = 1, [16] = 1,
	[17] = 1, [18] = 1, [19] = 1, [20] = 1, [21] = 1, [22] = 1, [23] = 1, [24] = 1,
	[25] = 1, [26] = 1, [27] = 1, [28] = 1, [29] = 1, [30] = 1, [31] = 1, [' '] = 1,
	[0xC2] = 2, [0xE2] = 2, [0xE3] = 2, [0xEF] = 2,
};

void
text_collapse_ws_in_place(GString *s)
{
	unsigned char *r = (unsigned char *)s->str, *end = r + s->len;
	unsigned char *w = r;
	unsigned prev = 1;        /* the last byte written was a space (or none yet) */

	while (r < end) {
		unsigned char c = *r;
		unsigned cls = ws_class[c];
		gboolean drop;
		int n;

		if (G_LIKELY(cls != 2)) {
			/* branch-free: a space only when the previous byte was not one */
			unsigned ws = cls;

			*w = ws ? ' ' : c;
			w += !(ws & prev);
			prev = ws;
			r++;
			continue;
		}
		if ((n = unicode_space(r, &drop)) > 0 && r + n <= end) {
			if (!drop && !prev) {
				*w++ = ' ';
				prev = 1;
			}
			r += n;
			continue;
		}
		*w++ = c;
		prev = 0;
		r++;
	}
	if (w > (unsigned char *)s->str && w[-1] == ' ')
		w--;
	g_string_truncate(s, (gsize)(w - (unsigned char *)s->str));
}

char *
text_collapse_ws(const char *s)
{
	GString *g = g_string_new(s ? s : "");

	text_collapse_ws_in_place(g);
	return g_string_free(g, FALSE);
}

/* Markup, not prose that happens to hold '<': a closing tag of a known
 * element, or one of the elements that never need closing. */
gboolean
html_looks_like_markup(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		char name[12];
		size_t n = 0;
		gboolean closing = FALSE;

		p++;
		if (p < end && *p == '/') {
			closing = TRUE;
			p++;
		}
		while (p < end && n < sizeof name - 1 && g_ascii_isalnum(*p))
			name[n++] = g_ascii_tolower(*p++);
		name[n] = '\0';
		if (n == 0 || p >= end || !in_table(name, markup_tags, G_N_ELEMENTS(markup_tags)))
			continue;
		if (closing && *p == '>')
			return TRUE;
		if (!closing && (strcmp(name, "br") == 0 || strcmp(name, "img") == 0 ||
		                 strcmp(name, "p") == 0 || strcmp(name, "hr") == 0) &&
		    (*p == '>' || *p == '/' || (*p == ' ' && strcmp(name, "img") == 0)))
			return TRUE;
	}
	return FALSE;
}

gunichar
html_entity_lookup(const char *name, size_t len)
{
	/* htmlEntityLookup walks a list; feeds repeat a few names endlessly */
	G_LOCK_DEFINE_STATIC(cache);
	static GHashTable *cache;
	char key[33];
	gpointer v;
	const htmlEntityDesc *e;
	gunichar c;

	if (len == 0 || len >= sizeof key)
		return 0;
	memcpy(key, name, len);
	key[len] = '\0';
	G_LOCK(cache);
	if (cache == NULL)
		cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (g_hash_table_lookup_extended(cache, key, NULL, &v)) {
		G_UNLOCK(cache);
		return GPOINTER_TO_UINT(v);
	}
	e = htmlEntityLookup((const xmlChar *)key);
	c = e ? e->value : 0;
	if (g_hash_table_size(cache) < 4096)      /* unknown names are not a memory sink */
		g_hash_table_insert(cache, g_strdup(key), GUINT_TO_POINTER(c));
	G_UNLOCK(cache);
	return c;
}

/* Characters the fast path stops at. */
static const unsigned char fast_stop[256] = { ['<'] = 1, ['&'] = 1 };

/* The common case without a parser: tags, character and entity references.
 * Returns FALSE (out then holds junk) at anything it does not handle the
 * way libxml2's HTML parser would: comments, CDATA, script/style and other
 * hidden elements, a '<' or '&' that starts nothing, an unterminated tag. */
static gboolean
html_fast(const char *s, size_t n, GString *out)
{
	size_t i = 0;

	while (i < n) {
		size_t run = i;

		while (i < n && !fast_stop[(unsigned char)s[i]])
			i++;
		g_string_append_len(out, s + run, (gssize)(i - run));
		if (i >= n)
			break;
		if (s[i] == '<') {
			char name[16];
			size_t j = i + 1, k = 0;
			char quote = 0;

			if (j < n && s[j] == '/')
				j++;
			if (j >= n || !g_ascii_isalpha(s[j]))
				return FALSE;
			while (j < n && g_ascii_isalnum(s[j])) {
				if (k < sizeof name - 1)
					name[k++] = g_ascii_tolower(s[j]);
				j++;
			}
			name[k] = '\0';
			for (; j < n; j++) {
				if (quote) {
					if (s[j] == quote)
						quote = 0;
				} else if (s[j] == '"' || s[j] == '\'')
					quote = s[j];
				else if (s[j] == '>')
					break;
				else if (s[j] == '<')
					return FALSE;
			}
			if (j >= n)
				return FALSE;
			switch (tag_what((const xmlChar *)name)) {
			case SKIP:
				return FALSE;
			case BLOCK:
				g_string_append_c(out, ' ');
				break;
			}
			i = j + 1;
		} else {
			size_t j = i + 1;
			gunichar c = 0;

			if (j < n && s[j] == '#') {
				gboolean hex = j + 1 < n && (s[j + 1] == 'x' || s[j + 1] == 'X');
				size_t digits = 0;

				for (j += hex ? 2 : 1; j < n && digits < 7 &&
				     (hex ? g_ascii_isxdigit(s[j]) : g_ascii_isdigit(s[j])); j++, digits++)
					c = c * (hex ? 16 : 10) + (gunichar)(hex ? g_ascii_xdigit_value(s[j]) : s[j] - '0');
				if (digits == 0 || j >= n || s[j] != ';' || c < 0x20 || c >= 0x110000 ||
				    (c >= 0x7F && c < 0xA0) || (c >= 0xD800 && c < 0xE000))
					return FALSE;
			} else {
				while (j < n && j - i <= 32 && g_ascii_isalnum(s[j]))
					j++;
				if (j == i + 1) {
					/* '&' before a space or punctuation is text */
					if (j < n && s[j] != ';' && s[j] != '#') {
						g_string_append_c(out, '&');
						i++;
						continue;
					}
					return FALSE;
				}
				if (j >= n || s[j] != ';' || (c = html_entity_lookup(s + i + 1, j - i - 1)) == 0)
					return FALSE;
			}
			g_string_append_unichar(out, c);
			i = j + 1;
		}
	}
	return TRUE;
}

char *
html_to_text(const char *html, ssize_t len)
{
	struct strip st;
	htmlParserCtxtPtr ctxt;
	size_t n;

	if (html == NULL)
		return g_strdup("");
	n = len < 0 ? strlen(html) : (size_t)len;
	st.out = g_string_sized_new(n + 1);
	st.skip = 0;
	/* Plain text needs no parser; plain markup a small loop (whose output
	 * is valid UTF-8 because its input is). */
	if (html_fast(html, n, st.out)) {
		text_collapse_ws_in_place(st.out);
		return g_string_free(st.out, FALSE);
	}
	g_string_truncate(st.out, 0);
	if (n <= INT_MAX) {
		ctxt = htmlCreatePushParserCtxt(&strip_sax, &st, NULL, 0, NULL,
		                                XML_CHAR_ENCODING_UTF8);
		if (ctxt != NULL) {
			htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR |
			                   HTML_PARSE_NOWARNING |
			                   HTML_PARSE_IGNORE_ENC);
			htmlParseChunk(ctxt, html, (int)n, 1);
			htmlFreeParserCtxt(ctxt);
		}
	}
	text_collapse_ws_in_place(st.out);
	if (!g_utf8_validate_len(st.out->str, st.out->len, NULL)) {
		char *v = g_utf8_make_valid(st.out->str, (gssize)st.out->len);
		g_string_free(st.out, TRUE);
		return v;
	}
	return g_string_free(st.out, FALSE);
}

/* For the unit test: the libxml2 path alone, to compare with the fast one. */
char *
html_to_text_libxml2(const char *html, size_t n)
{
	struct strip st = { g_string_new(NULL), 0 };
	htmlParserCtxtPtr ctxt = htmlCreatePushParserCtxt(&strip_sax, &st, NULL, 0, NULL,
	                                                  XML_CHAR_ENCODING_UTF8);

	htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	                   HTML_PARSE_IGNORE_ENC);
	htmlParseChunk(ctxt, html, (int)n, 1);
	htmlFreeParserCtxt(ctxt);
	text_collapse_ws_in_place(st.out);
	return g_string_free(st.out, FALSE);
}
