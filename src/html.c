/* html.c — HTML fragments → plain text with libxml2's HTML SAX parser:
 * no tree is built; text callbacks append to one string. */
#include <string.h>
#include <libxml/HTMLparser.h>
#include "html.h"

/* Elements whose text is never shown. Sorted for bsearch. */
static const char *const skip_tags[] = {
	"head", "noscript", "script", "style", "template", "title",
};

/* Elements that separate words: their start and end become a space. Sorted. */
static const char *const block_tags[] = {
	"address", "article", "aside", "blockquote", "br", "caption", "dd", "div",
	"dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
	"h4", "h5", "h6", "header", "hr", "iframe", "img", "li", "main", "nav",
	"ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th",
	"thead", "tr", "ul",
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

static void
on_start(void *user, const xmlChar *name, const xmlChar **attrs)
{
	struct strip *st = user;
	const char *n = (const char *)name;

	if (in_table(n, skip_tags, G_N_ELEMENTS(skip_tags)))
		st->skip++;
	else if (in_table(n, block_tags, G_N_ELEMENTS(block_tags)))
		g_string_append_c(st->out, ' ');
}

static void
on_end(void *user, const xmlChar *name)
{
	struct strip *st = user;
	const char *n = (const char *)name;

	if (in_table(n, skip_tags, G_N_ELEMENTS(skip_tags))) {
		if (st->skip > 0)
			st->skip--;
	} else if (in_table(n, block_tags, G_N_ELEMENTS(block_tags)))
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

void
text_collapse_ws_in_place(GString *s)
{
	unsigned char *r = (unsigned char *)s->str, *end = r + s->len;
	unsigned char *w = r;
	gboolean space = FALSE;   /* a space is pending */

	while (r < end) {
		unsigned char c = *r;
		gboolean drop;
		int n;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			space = TRUE;
			r++;
			continue;
		}
		if (c >= 0xC2 && (n = unicode_space(r, &drop)) > 0 && r + n <= end) {
			if (!drop)
				space = TRUE;
			r += n;
			continue;
		}
		if (c < 0x20) {       /* other control characters: a space */
			space = TRUE;
			r++;
			continue;
		}
		if (space && w > (unsigned char *)s->str)
			*w++ = ' ';
		space = FALSE;
		*w++ = c;
		r++;
	}
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
	/* Plain text needs no parser. */
	if (memchr(html, '<', n) == NULL && memchr(html, '&', n) == NULL) {
		g_string_append_len(st.out, html, (gssize)n);
	} else if (n <= INT_MAX) {
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
