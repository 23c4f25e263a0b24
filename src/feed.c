/* feed.c — feed bytes → struct feed_doc.
 *
 * XML goes through libxml2's SAX2 push parser as bytes arrive; no tree is
 * ever built. Elements are looked up in sorted tag tables and each tag says
 * which field it fills and how strongly (content:encoded and description
 * fill different fields; pubDate beats dc:date beats nothing). JSON Feed is
 * buffered (it is small and capped) and read with jansson (feed_json.c).
 *
 * Safety: no entity is ever expanded from a DTD (feed_encoding.c rewrites
 * every '&' before libxml2 sees it), the external entity loader refuses
 * everything, DTDs are never loaded, and depth, items and text are capped. */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include "feed.h"
#include "feed_int.h"
#include "html.h"
#include "date.h"
#include "url.h"

enum ns_id {
	NS_NONE, NS_ATOM, NS_ATOM03, NS_CONTENT, NS_DC, NS_DCTERMS, NS_RDF,
	NS_RSS090, NS_RSS10, NS_SY, NS_XHTML, NS_XML, NS_OTHER,
};

/* Namespace URIs we understand. Sorted by uri for bsearch. */
static const struct ns_uri {
	const char *uri;
	enum ns_id ns;
} ns_uris[] = {
	{ "http://backend.userland.com/rss2", NS_NONE },
	{ "http://my.netscape.com/rdf/simple/0.9/", NS_RSS090 },
	{ "http://purl.org/atom/ns#", NS_ATOM03 },
	{ "http://purl.org/dc/elements/1.1/", NS_DC },
	{ "http://purl.org/dc/terms/", NS_DCTERMS },
	{ "http://purl.org/rss/1.0/", NS_RSS10 },
	{ "http://purl.org/rss/1.0/modules/content/", NS_CONTENT },
	{ "http://purl.org/rss/1.0/modules/syndication/", NS_SY },
	{ "http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS_RDF },
	{ "http://www.w3.org/1999/xhtml", NS_XHTML },
	{ "http://www.w3.org/2005/Atom", NS_ATOM },
	{ "http://www.w3.org/XML/1998/namespace", NS_XML },
};

/* Prefixes feeds use without declaring them. Sorted. */
static const struct ns_prefix {
	const char *prefix;
	enum ns_id ns;
} ns_prefixes[] = {
	{ "atom", NS_ATOM }, { "content", NS_CONTENT }, { "dc", NS_DC },
	{ "dcterms", NS_DCTERMS }, { "rdf", NS_RDF }, { "sy", NS_SY },
	{ "xhtml", NS_XHTML },
};

/* Vocabularies: the RSS dialects share one, Atom 0.3 and 1.0 another. */
enum group { G_RSS, G_ATOM, G_CONTENT, G_DC, G_DCTERMS, G_RDF, G_SY, G_NONE };

enum tag {
	T_UNKNOWN,
	/* structure */
	T_RSS, T_RDF, T_FEED, T_CHANNEL, T_ITEM, T_ENTRY, T_AUTHOR_BOX, T_SKIP, T_ATOM_LINK,
	T_ATOM_CATEGORY,
	/* fields */
	T_TITLE, T_DC_TITLE, T_LINK, T_GUID, T_ID, T_DC_IDENTIFIER, T_DESCRIPTION,
	T_DC_DESCRIPTION, T_SUMMARY, T_CONTENT_ENCODED, T_CONTENT, T_RSS_AUTHOR,
	T_DC_CREATOR, T_NAME, T_EMAIL, T_CATEGORY, T_DC_SUBJECT, T_PUBDATE, T_PUBLISHED,
	T_DC_DATE, T_ISSUED, T_DCT_ISSUED, T_CREATED, T_DCT_CREATED, T_UPDATED,
	T_MODIFIED, T_DCT_MODIFIED, T_TTL, T_SY_PERIOD, T_SY_FREQ,
	T_COUNT
};

/* Sorted by (group, name) for bsearch. */
static const struct tag_name {
	enum group group;
	const char *name;
	enum tag tag;
} tag_names[] = {
	{ G_RSS, "author", T_RSS_AUTHOR },
	{ G_RSS, "category", T_CATEGORY },
	{ G_RSS, "channel", T_CHANNEL },
	{ G_RSS, "description", T_DESCRIPTION },
	{ G_RSS, "guid", T_GUID },
	{ G_RSS, "image", T_SKIP },
	{ G_RSS, "item", T_ITEM },
	{ G_RSS, "link", T_LINK },
	{ G_RSS, "pubDate", T_PUBDATE },
	{ G_RSS, "pubdate", T_PUBDATE },
	{ G_RSS, "rss", T_RSS },
	{ G_RSS, "source", T_SKIP },
	{ G_RSS, "textInput", T_SKIP },
	{ G_RSS, "textinput", T_SKIP },
	{ G_RSS, "title", T_TITLE },
	{ G_RSS, "ttl", T_TTL },
	{ G_ATOM, "author", T_AUTHOR_BOX },
	{ G_ATOM, "category", T_ATOM_CATEGORY },
	{ G_ATOM, "content", T_CONTENT },
	{ G_ATOM, "contributor", T_SKIP },
	{ G_ATOM, "created", T_CREATED },
	{ G_ATOM, "email", T_EMAIL },
	{ G_ATOM, "entry", T_ENTRY },
	{ G_ATOM, "feed", T_FEED },
	{ G_ATOM, "id", T_ID },
	{ G_ATOM, "issued", T_ISSUED },
	{ G_ATOM, "link", T_ATOM_LINK },
	{ G_ATOM, "modified", T_MODIFIED },
	{ G_ATOM, "name", T_NAME },
	{ G_ATOM, "published", T_PUBLISHED },
	{ G_ATOM, "source", T_SKIP },
	{ G_ATOM, "summary", T_SUMMARY },
	{ G_ATOM, "title", T_TITLE },
	{ G_ATOM, "updated", T_UPDATED },
	{ G_CONTENT, "encoded", T_CONTENT_ENCODED },
	{ G_DC, "creator", T_DC_CREATOR },
	{ G_DC, "date", T_DC_DATE },
	{ G_DC, "description", T_DC_DESCRIPTION },
	{ G_DC, "identifier", T_DC_IDENTIFIER },
	{ G_DC, "subject", T_DC_SUBJECT },
	{ G_DC, "title", T_DC_TITLE },
	{ G_DCTERMS, "created", T_DCT_CREATED },
	{ G_DCTERMS, "issued", T_DCT_ISSUED },
	{ G_DCTERMS, "modified", T_DCT_MODIFIED },
	{ G_RDF, "RDF", T_RDF },
	{ G_SY, "updateFrequency", T_SY_FREQ },
	{ G_SY, "updatePeriod", T_SY_PERIOD },
};

enum field {
	F_NONE, F_TITLE, F_LINK, F_ID, F_SUMMARY, F_CONTENT, F_AUTHOR, F_CATEGORY,
	F_PUBLISHED, F_UPDATED, F_TTL, F_SY_PERIOD, F_SY_FREQ, F_NAME, F_EMAIL,
	F_COUNT
};

/* How a field's text is read. */
enum kind {
	K_TEXT,         /* plain text (tags stripped only if it plainly holds HTML) */
	K_TITLE,        /* RSS title: text that is often HTML-escaped */
	K_HTML,         /* escaped HTML: description, content:encoded */
	K_TYPED,        /* Atom: type="text|html|xhtml" decides */
	K_DATE, K_LINK, K_ID, K_NUMBER,
};

/* What each tag fills. Higher prio wins; the first of equal prio stays
 * (authors and categories accumulate). Containers: where it counts. */
enum { IN_CHANNEL = 1, IN_ITEM = 2, IN_AUTHOR = 4 };

static const struct tag_field {
	enum field field;
	guint8 prio;
	guint8 kind;
	guint8 where;
} tag_fields[T_COUNT] = {
	[T_TITLE]          = { F_TITLE, 3, K_TITLE, IN_CHANNEL | IN_ITEM },
	[T_DC_TITLE]       = { F_TITLE, 2, K_TITLE, IN_CHANNEL | IN_ITEM },
	[T_LINK]           = { F_LINK, 3, K_LINK, IN_CHANNEL | IN_ITEM },
	[T_GUID]           = { F_ID, 3, K_ID, IN_ITEM },
	[T_ID]             = { F_ID, 3, K_ID, IN_ITEM },
	[T_DC_IDENTIFIER]  = { F_ID, 2, K_ID, IN_ITEM },
	[T_DESCRIPTION]    = { F_SUMMARY, 3, K_HTML, IN_ITEM },
	[T_DC_DESCRIPTION] = { F_SUMMARY, 2, K_HTML, IN_ITEM },
	[T_SUMMARY]        = { F_SUMMARY, 3, K_TYPED, IN_ITEM },
	[T_CONTENT_ENCODED] = { F_CONTENT, 3, K_HTML, IN_ITEM },
	[T_CONTENT]        = { F_CONTENT, 3, K_TYPED, IN_ITEM },
	[T_RSS_AUTHOR]     = { F_AUTHOR, 3, K_TEXT, IN_ITEM },
	[T_DC_CREATOR]     = { F_AUTHOR, 2, K_TEXT, IN_ITEM },
	[T_NAME]           = { F_NAME, 1, K_TEXT, IN_AUTHOR },
	[T_EMAIL]          = { F_EMAIL, 1, K_TEXT, IN_AUTHOR },
	[T_CATEGORY]       = { F_CATEGORY, 1, K_TEXT, IN_ITEM },
	[T_DC_SUBJECT]     = { F_CATEGORY, 1, K_TEXT, IN_ITEM },
	[T_PUBDATE]        = { F_PUBLISHED, 3, K_DATE, IN_ITEM },
	[T_PUBLISHED]      = { F_PUBLISHED, 3, K_DATE, IN_ITEM },
	[T_DC_DATE]        = { F_PUBLISHED, 2, K_DATE, IN_ITEM },
	[T_ISSUED]         = { F_PUBLISHED, 2, K_DATE, IN_ITEM },
	[T_DCT_ISSUED]     = { F_PUBLISHED, 2, K_DATE, IN_ITEM },
	[T_CREATED]        = { F_PUBLISHED, 1, K_DATE, IN_ITEM },
	[T_DCT_CREATED]    = { F_PUBLISHED, 1, K_DATE, IN_ITEM },
	[T_UPDATED]        = { F_UPDATED, 3, K_DATE, IN_ITEM },
	[T_MODIFIED]       = { F_UPDATED, 2, K_DATE, IN_ITEM },
	[T_DCT_MODIFIED]   = { F_UPDATED, 2, K_DATE, IN_ITEM },
	[T_TTL]            = { F_TTL, 1, K_NUMBER, IN_CHANNEL },
	[T_SY_PERIOD]      = { F_SY_PERIOD, 1, K_TEXT, IN_CHANNEL },
	[T_SY_FREQ]        = { F_SY_FREQ, 1, K_NUMBER, IN_CHANNEL },
};

enum mode { M_TEXT, M_HTML, M_XHTML };
enum container { C_ROOT, C_CHANNEL, C_ITEM, C_AUTHOR };
enum state { ST_SNIFF, ST_XML, ST_JSON, ST_FAILED };

struct open_elem {
	const xmlChar *local, *prefix;    /* libxml2 dictionary strings */
	const char *saved_base;           /* base before this element's xml:base */
	char *own_base;                   /* this element's xml:base, resolved */
};

struct feed_parser {
	char *base_url;
	char *http_charset;
	enum state state;
	GString *head;                    /* bytes kept until the format is known */
	struct feed_decoder *dec;
	GString *chunk;                   /* decoded, repaired text for libxml2 */
	xmlParserCtxtPtr ctxt;
	GString *json;
	struct feed_doc *doc;
	char *fail;                       /* why no feed could be read */
	gboolean gave_up;
	gboolean root_seen;
	gboolean atom;                    /* Atom vocabulary (also for a namespace-less <feed>) */

	/* element stack */
	struct open_elem stack[FEED_MAX_DEPTH];
	int depth;                        /* elements open (may exceed FEED_MAX_DEPTH) */
	const char *cur_base;
	char *mismatch;                   /* end tag name libxml2 just reported as mismatched */

	/* containers: root, channel, item, author */
	struct {
		enum container kind;
		int depth;
	} cont[4];
	int n_cont;
	int skip_depth;                   /* inside <image>, <source>, ...: ignore */

	struct feed_item *chan;           /* channel title/link collected here */
	guint8 chan_prio[F_COUNT];
	struct feed_item *item;           /* item being read, NULL outside items */
	guint8 item_prio[F_COUNT];
	char *author_name, *author_email;
	char *feed_author;                /* Atom feed-level author, inherited by entries */
	int sy_period_min, sy_freq;

	/* field being captured */
	enum tag cap_tag;
	int cap_depth;                    /* 0: not capturing */
	enum mode cap_mode;
	gboolean cap_permalink;
	gboolean cap_truncated;
	GString *text;
};

static xmlParserInputPtr
deny_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	return NULL;     /* never load an external entity or DTD */
}

/* ---- small helpers -------------------------------------------------- */

static int
ns_uri_cmp(const void *key, const void *elt)
{
	return strcmp(key, ((const struct ns_uri *)elt)->uri);
}

static int
ns_prefix_cmp(const void *key, const void *elt)
{
	return strcmp(key, ((const struct ns_prefix *)elt)->prefix);
}

static enum ns_id
ns_of(const xmlChar *uri, const xmlChar *prefix)
{
	if (uri != NULL) {
		const struct ns_uri *n = bsearch(uri, ns_uris, G_N_ELEMENTS(ns_uris),
		                                 sizeof *ns_uris, ns_uri_cmp);
		return n ? n->ns : NS_OTHER;
	}
	if (prefix != NULL) {     /* prefix used without a declaration */
		const struct ns_prefix *n = bsearch(prefix, ns_prefixes, G_N_ELEMENTS(ns_prefixes),
		                                    sizeof *ns_prefixes, ns_prefix_cmp);
		return n ? n->ns : NS_OTHER;
	}
	return NS_NONE;
}

static enum group
group_of(const struct feed_parser *p, enum ns_id ns)
{
	switch (ns) {
	case NS_NONE: return p->atom ? G_ATOM : G_RSS;
	case NS_RSS090: case NS_RSS10: return G_RSS;
	case NS_ATOM: case NS_ATOM03: return G_ATOM;
	case NS_CONTENT: return G_CONTENT;
	case NS_DC: return G_DC;
	case NS_DCTERMS: return G_DCTERMS;
	case NS_RDF: return G_RDF;
	case NS_SY: return G_SY;
	default: return G_NONE;
	}
}

static int
tag_name_cmp(const void *key, const void *elt)
{
	const struct tag_name *a = key, *b = elt;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return strcmp(a->name, b->name);
}

static enum tag
tag_of(const struct feed_parser *p, const xmlChar *local, enum ns_id ns)
{
	struct tag_name key = { group_of(p, ns), (const char *)local, T_UNKNOWN };
	const struct tag_name *t;

	if (key.group == G_NONE)
		return T_UNKNOWN;
	t = bsearch(&key, tag_names, G_N_ELEMENTS(tag_names), sizeof *tag_names, tag_name_cmp);
	return t ? t->tag : T_UNKNOWN;
}

/* Copies an attribute value, undoing libxml2's "&#38;" for '&' (it keeps
 * ampersands escaped in attribute values when entities are not replaced). */
static char *
attr_copy(const xmlChar *v, const xmlChar *end, char *buf, size_t size)
{
	size_t o = 0;

	for (const xmlChar *c = v; c < end && o < size - 1; ) {
		if (end - c >= 5 && memcmp(c, "&#38;", 5) == 0) {
			buf[o++] = '&';
			c += 5;
		} else
			buf[o++] = (char)*c++;
	}
	buf[o] = '\0';
	return buf;
}

/* Finds attribute name (any namespace, or prefix "xml" when xml is set). */
static const char *
attr_dup(int n, const xmlChar **attrs, const char *name, gboolean xml, char *buf, size_t size)
{
	for (int i = 0; i < n; i++) {
		const xmlChar **a = attrs + i * 5;

		if (strcmp((const char *)a[0], name) != 0)
			continue;
		if (xml != (a[1] != NULL && strcmp((const char *)a[1], "xml") == 0))
			continue;
		return attr_copy(a[3], a[4], buf, size);
	}
	return NULL;
}

char *
feed_resolve_link(const char *base, const char *ref)
{
	char *s = g_strstrip(g_strdup(ref ? ref : "")), *r;

	if (*s == '\0') {
		g_free(s);
		return NULL;
	}
	r = url_resolve(base, s);
	if (r == NULL)
		return s;      /* keep what the publisher wrote rather than nothing */
	g_free(s);
	return r;
}

char *
feed_text_plain(const char *s, size_t len, gboolean maybe_html)
{
	if ((maybe_html && memchr(s, '&', len)) || html_looks_like_markup(s, len))
		return html_to_text(s, (ssize_t)len);
	else {
		GString *g = g_string_new_len(s, (gssize)len);

		text_collapse_ws_in_place(g);
		return g_string_free(g, FALSE);
	}
}

void
feed_item_add_category(struct feed_item *it, const char *cat)
{
	if (cat == NULL || *cat == '\0')
		return;
	for (guint i = 0; i < it->categories->len; i++)
		if (strcmp(it->categories->pdata[i], cat) == 0)
			return;
	if (it->categories->len < 100)
		g_ptr_array_add(it->categories, g_strdup(cat));
}

static void
note_error(struct feed_parser *p, char *msg)
{
	p->doc->ill_formed = TRUE;
	if (p->doc->error == NULL)
		p->doc->error = msg;
	else
		g_free(msg);
}

/* ---- fields --------------------------------------------------------- */

static char **
text_slot(struct feed_item *it, enum field f)
{
	switch (f) {
	case F_TITLE: return &it->title;
	case F_LINK: return &it->link;
	case F_ID: return &it->id;
	case F_SUMMARY: return &it->summary;
	case F_CONTENT: return &it->content;
	case F_AUTHOR: return &it->author;
	default: return NULL;
	}
}

/* Sets a text field if prio beats what is there; takes value. */
static void
set_text(struct feed_item *it, guint8 *prios, enum field f, guint8 prio, char *value,
         char *html)
{
	char **slot = text_slot(it, f);

	if (slot == NULL || value == NULL || *value == '\0') {
		g_free(value);
		g_free(html);
		return;
	}
	if (*slot != NULL && prio == prios[f] && f == F_AUTHOR) {
		if (strstr(*slot, value) == NULL) {
			char *j = g_strconcat(*slot, ", ", value, NULL);
			g_free(*slot);
			*slot = j;
		}
		g_free(value);
		return;
	}
	if (*slot != NULL && prio <= prios[f]) {
		g_free(value);
		g_free(html);
		return;
	}
	g_free(*slot);
	*slot = value;
	prios[f] = prio;
	if (f == F_SUMMARY) {
		g_free(it->summary_html);
		it->summary_html = html;
	} else if (f == F_CONTENT) {
		g_free(it->content_html);
		it->content_html = html;
	} else
		g_free(html);
}

static void
set_time(struct feed_item *it, guint8 *prios, enum field f, guint8 prio, gint64 t)
{
	gint64 *slot = f == F_PUBLISHED ? &it->published : &it->updated;

	if (t == 0 || (*slot != 0 && prio <= prios[f]))
		return;
	*slot = t;
	prios[f] = prio;
}

/* Text and markup of an HTML field; handles HTML escaped twice. */
void
feed_html_field(const char *raw, size_t len, char **text, char **html)
{
	char *t = html_to_text(raw, (ssize_t)len);

	if (html_looks_like_markup(t, strlen(t))) {
		/* The decoded text is still HTML: the publisher escaped it twice. */
		*html = t;
		*text = html_to_text(t, -1);
	} else {
		*text = t;
		*html = g_strstrip(g_strndup(raw, len));
	}
}

static int
sy_period_minutes(const char *s)
{
	static const struct { const char *name; int minutes; } periods[] = {
		{ "daily", 1440 }, { "hourly", 60 }, { "monthly", 43200 },
		{ "weekly", 10080 }, { "yearly", 525600 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(periods); i++)
		if (g_ascii_strcasecmp(s, periods[i].name) == 0)
			return periods[i].minutes;
	return 0;
}

static void
capture_end(struct feed_parser *p)
{
	const struct tag_field *tf = &tag_fields[p->cap_tag];
	struct feed_item *it;
	guint8 *prios;
	char *raw = p->text->str;
	size_t len = p->text->len;
	char *text = NULL, *html = NULL;
	enum kind kind = tf->kind == K_TITLE && p->atom ? K_TYPED : tf->kind;

	p->cap_depth = 0;
	if (p->cont[p->n_cont - 1].kind == C_ITEM || p->cont[p->n_cont - 1].kind == C_AUTHOR) {
		it = p->item ? p->item : p->chan;
		prios = p->item ? p->item_prio : p->chan_prio;
	} else {
		it = p->chan;
		prios = p->chan_prio;
	}
	switch (kind) {
	case K_DATE: {
		char *s = g_strndup(raw, len);
		set_time(it, prios, tf->field, tf->prio, date_parse(s));
		g_free(s);
		return;
	}
	case K_LINK:
		set_text(it, prios, tf->field, tf->prio, feed_resolve_link(p->cur_base, raw), NULL);
		return;
	case K_ID:
		text = text_collapse_ws(raw);
		if (p->cap_permalink && (g_str_has_prefix(text, "http://") ||
		                         g_str_has_prefix(text, "https://")))
			set_text(it, prios, F_LINK, 1, feed_resolve_link(p->cur_base, text), NULL);
		set_text(it, prios, tf->field, tf->prio, text, NULL);
		return;
	case K_NUMBER: {
		gint64 v = g_ascii_strtoll(raw, NULL, 10);
		if (v > 0 && v < 1000000) {
			if (tf->field == F_TTL)
				p->doc->ttl_minutes = (int)v;
			else
				p->sy_freq = (int)v;
		}
		return;
	}
	case K_TITLE:
		text = feed_text_plain(raw, len, TRUE);
		break;
	case K_TEXT:
		text = feed_text_plain(raw, len, FALSE);
		break;
	case K_HTML:
	case K_TYPED:
		if (p->cap_mode == M_TEXT)
			text = feed_text_plain(raw, len, FALSE);
		else if (p->cap_mode == M_XHTML) {
			html = g_strstrip(g_strndup(raw, len));
			text = html_to_text(html, -1);
		} else
			feed_html_field(raw, len, &text, &html);
		break;
	}
	switch (tf->field) {
	case F_NAME:
		g_free(p->author_name);
		p->author_name = text;
		break;
	case F_EMAIL:
		g_free(p->author_email);
		p->author_email = text;
		break;
	case F_CATEGORY:
		feed_item_add_category(it, text);
		g_free(text);
		break;
	case F_SY_PERIOD:
		p->sy_period_min = sy_period_minutes(text);
		g_free(text);
		break;
	default:
		set_text(it, prios, tf->field, tf->prio, text, html);
		return;
	}
	g_free(html);
}

/* Atom type/mode attributes → how to read the text. */
static enum mode
atom_mode(int n, const xmlChar **attrs)
{
	char type[64], mode[16];
	const char *t = attr_dup(n, attrs, "type", FALSE, type, sizeof type);
	const char *m = attr_dup(n, attrs, "mode", FALSE, mode, sizeof mode);

	if (m != NULL) {                   /* Atom 0.3 */
		if (strcmp(m, "escaped") == 0)
			return M_HTML;
		if (strcmp(m, "xml") == 0)
			return t && strstr(t, "html") ? M_XHTML : M_TEXT;
	}
	if (t == NULL || strcmp(t, "text") == 0 || strcmp(t, "text/plain") == 0)
		return M_TEXT;
	if (strcmp(t, "html") == 0 || strcmp(t, "text/html") == 0)
		return M_HTML;
	if (strcmp(t, "xhtml") == 0 || strcmp(t, "application/xhtml+xml") == 0)
		return M_XHTML;
	return M_TEXT;
}

static void
capture_begin(struct feed_parser *p, enum tag tag, int n, const xmlChar **attrs)
{
	const struct tag_field *tf = &tag_fields[tag];
	char buf[16];

	if (tf->kind == K_TYPED || (tag == T_TITLE && p->atom)) {
		char m[16];
		/* base64 (Atom 0.3) and out-of-line content are not text we can read */
		if (attr_dup(n, attrs, "mode", FALSE, m, sizeof m) && strcmp(m, "base64") == 0)
			return;
		if (attr_dup(n, attrs, "src", FALSE, m, sizeof m))
			return;
		p->cap_mode = atom_mode(n, attrs);
	} else
		p->cap_mode = tf->kind == K_HTML ? M_HTML : M_TEXT;
	p->cap_tag = tag;
	p->cap_depth = p->depth;
	p->cap_truncated = FALSE;
	p->cap_permalink = FALSE;
	if (tag == T_GUID) {
		const char *v = attr_dup(n, attrs, "isPermaLink", FALSE, buf, sizeof buf);
		p->cap_permalink = v == NULL || g_ascii_strcasecmp(v, "true") == 0;
	}
	g_string_truncate(p->text, 0);
}

static void
text_append(struct feed_parser *p, const char *s, size_t len, gboolean escape)
{
	if (p->cap_truncated)
		return;
	if (p->text->len + len > FEED_MAX_FIELD) {
		/* keep what fits, cut at a character boundary */
		size_t room = FEED_MAX_FIELD - p->text->len;

		while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
			room--;
		note_error(p, g_strdup_printf("a field longer than %d bytes was cut", FEED_MAX_FIELD));
		p->cap_truncated = TRUE;
		len = room;
	}
	if (!escape) {
		g_string_append_len(p->text, s, (gssize)len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': g_string_append(p->text, "&amp;"); break;
		case '<': g_string_append(p->text, "&lt;"); break;
		case '>': g_string_append(p->text, "&gt;"); break;
		default: g_string_append_c(p->text, s[i]);
		}
	}
}

/* ---- items and containers ------------------------------------------- */

static void
item_begin(struct feed_parser *p)
{
	feed_item_free(p->item);
	p->item = feed_item_new();
	memset(p->item_prio, 0, sizeof p->item_prio);
}

static void
item_end(struct feed_parser *p)
{
	struct feed_item *it = p->item;

	p->item = NULL;
	if (it == NULL)
		return;
	if (it->title == NULL && it->link == NULL && it->id == NULL && it->summary == NULL &&
	    it->content == NULL) {
		feed_item_free(it);      /* an empty <item/> is not news */
		return;
	}
	if (it->published == 0)
		it->published = it->updated;
	if (it->author == NULL && p->feed_author)
		it->author = g_strdup(p->feed_author);
	g_ptr_array_add(p->doc->items, it);
	if (p->doc->items->len >= FEED_MAX_ITEMS && !p->gave_up) {
		p->gave_up = TRUE;
		note_error(p, g_strdup_printf("more than %d items, the rest ignored", FEED_MAX_ITEMS));
		if (p->ctxt)
			xmlStopParser(p->ctxt);
	}
}

static void
author_end(struct feed_parser *p)
{
	char *who = p->author_name ? p->author_name : p->author_email;

	if (who != NULL) {
		if (p->item)
			set_text(p->item, p->item_prio, F_AUTHOR, 3, g_strdup(who), NULL);
		else if (p->feed_author == NULL)
			p->feed_author = g_strdup(who);
	}
	g_clear_pointer(&p->author_name, g_free);
	g_clear_pointer(&p->author_email, g_free);
}

static void
cont_push(struct feed_parser *p, enum container kind)
{
	if (p->n_cont < (int)G_N_ELEMENTS(p->cont)) {
		p->cont[p->n_cont].kind = kind;
		p->cont[p->n_cont].depth = p->depth;
		p->n_cont++;
	}
}

static void
atom_link(struct feed_parser *p, int n, const xmlChar **attrs)
{
	char rel[32], type[64];
	const char *r = attr_dup(n, attrs, "rel", FALSE, rel, sizeof rel);
	const char *t = attr_dup(n, attrs, "type", FALSE, type, sizeof type);
	char *href;
	struct feed_item *it = p->item ? p->item : p->chan;
	guint8 *prios = p->item ? p->item_prio : p->chan_prio;

	href = g_malloc(8192);
	if (attr_dup(n, attrs, "href", FALSE, href, 8192) == NULL) {
		g_free(href);
		return;
	}
	if (r == NULL || strcmp(r, "alternate") == 0) {
		/* In RSS, <link> stays first; in Atom, an HTML alternate beats others. */
		guint8 prio = p->atom ? 3 : 2;
		if (t != NULL && strstr(t, "html") == NULL)
			prio--;
		set_text(it, prios, F_LINK, prio, feed_resolve_link(p->cur_base, href), NULL);
	}
	g_free(href);
}

static void
root_element(struct feed_parser *p, const xmlChar *local, enum ns_id ns, int n,
             const xmlChar **attrs)
{
	char buf[16];
	const char *v;

	p->root_seen = TRUE;
	if (strcmp((const char *)local, "rss") == 0 && ns == NS_NONE) {
		v = attr_dup(n, attrs, "version", FALSE, buf, sizeof buf);
		p->doc->format = v == NULL ? FEED_FORMAT_RSS20 :
		                 strcmp(v, "0.91") == 0 ? FEED_FORMAT_RSS091 :
		                 strcmp(v, "0.92") == 0 || strcmp(v, "0.93") == 0 ||
		                 strcmp(v, "0.94") == 0 ? FEED_FORMAT_RSS092 :
		                 strcmp(v, "0.90") == 0 ? FEED_FORMAT_RSS090 : FEED_FORMAT_RSS20;
		cont_push(p, C_ROOT);
	} else if (strcmp((const char *)local, "RDF") == 0 && (ns == NS_RDF || ns == NS_OTHER)) {
		p->doc->format = FEED_FORMAT_RSS10;
		cont_push(p, C_ROOT);
	} else if (strcmp((const char *)local, "feed") == 0 &&
	           (ns == NS_ATOM || ns == NS_ATOM03 || ns == NS_NONE)) {
		v = attr_dup(n, attrs, "version", FALSE, buf, sizeof buf);
		p->atom = TRUE;
		p->doc->format = ns == NS_ATOM03 || (v && strcmp(v, "0.3") == 0) ?
		                 FEED_FORMAT_ATOM03 : FEED_FORMAT_ATOM10;
		cont_push(p, C_CHANNEL);
	} else {
		if (g_ascii_strcasecmp((const char *)local, "html") == 0)
			p->fail = g_strdup("not a feed (looks like HTML)");
		else
			p->fail = g_strdup_printf("not a feed (root element <%s>)", local);
		p->gave_up = TRUE;
		xmlStopParser(p->ctxt);
	}
}

/* ---- SAX callbacks -------------------------------------------------- */

/* libxml2 drops entity references after the first error even in recovery
 * mode; forgetting the error after each event keeps &amp; and friends. */
#define KEEP_RECOVERING(p) ((p)->ctxt->wellFormed = 1)

static void
on_start(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
         int nb_ns, const xmlChar **nss, int n, int nb_def, const xmlChar **attrs)
{
	struct feed_parser *p = user;
	enum ns_id ns;
	enum tag tag;
	int d;
	const struct tag_field *tf;
	enum container cur;

	KEEP_RECOVERING(p);
	d = ++p->depth;
	if (d <= FEED_MAX_DEPTH) {
		struct open_elem *e = &p->stack[d - 1];
		char base[2048];

		e->local = local;
		e->prefix = prefix;
		e->own_base = NULL;
		e->saved_base = p->cur_base;
		if (attr_dup(n, attrs, "base", TRUE, base, sizeof base) != NULL) {
			e->own_base = feed_resolve_link(p->cur_base, base);
			if (e->own_base)
				p->cur_base = e->own_base;
		}
	}
	if (p->cap_depth > 0) {
		/* markup inside a field: keep it as HTML unless the field is text */
		if (p->cap_mode != M_TEXT) {
			g_string_append_c(p->text, '<');
			g_string_append(p->text, (const char *)local);
			for (int i = 0; i < n; i++) {
				char buf[2048];
				char *v = g_markup_escape_text(attr_copy(attrs[i * 5 + 3], attrs[i * 5 + 4],
				                                         buf, sizeof buf), -1);
				g_string_append_printf(p->text, " %s=\"%s\"", attrs[i * 5], v);
				g_free(v);
			}
			g_string_append_c(p->text, '>');
		}
		return;
	}
	if (p->skip_depth > 0 || d > FEED_MAX_DEPTH || p->gave_up)
		return;
	ns = ns_of(uri, prefix);
	if (d == 1) {
		root_element(p, local, ns, n, attrs);
		return;
	}
	if (p->n_cont == 0 || d != p->cont[p->n_cont - 1].depth + 1)
		return;
	cur = p->cont[p->n_cont - 1].kind;
	tag = tag_of(p, local, ns);
	switch (tag) {
	case T_CHANNEL:
		if (cur == C_ROOT) {
			if (ns == NS_RSS090)
				p->doc->format = FEED_FORMAT_RSS090;
			cont_push(p, C_CHANNEL);
		}
		return;
	case T_ITEM:
	case T_ENTRY:
		if ((tag == T_ENTRY) == p->atom && cur == C_ITEM) {
			/* an item opened inside an item: the first was left unclosed */
			p->n_cont--;
			item_end(p);
			cur = p->cont[p->n_cont - 1].kind;
		}
		if ((tag == T_ENTRY) == p->atom && (cur == C_ROOT || cur == C_CHANNEL)) {
			char about[2048];

			if (ns == NS_RSS090)
				p->doc->format = FEED_FORMAT_RSS090;
			item_begin(p);
			cont_push(p, C_ITEM);
			/* RSS 1.0: rdf:about names the item */
			if (attr_dup(n, attrs, "about", FALSE, about, sizeof about)) {
				set_text(p->item, p->item_prio, F_ID, 1, g_strstrip(g_strdup(about)), NULL);
				set_text(p->item, p->item_prio, F_LINK, 1,
				         feed_resolve_link(p->cur_base, about), NULL);
			}
		}
		return;
	case T_AUTHOR_BOX:
		if (cur == C_CHANNEL || cur == C_ITEM)
			cont_push(p, C_AUTHOR);
		return;
	case T_SKIP:
		p->skip_depth = d;
		return;
	case T_ATOM_LINK:
		if (cur == C_CHANNEL || cur == C_ITEM)
			atom_link(p, n, attrs);
		return;
	case T_ATOM_CATEGORY:
		if (cur == C_ITEM) {
			char term[512];
			const char *v = attr_dup(n, attrs, "label", FALSE, term, sizeof term);
			if (v == NULL || *v == '\0')
				v = attr_dup(n, attrs, "term", FALSE, term, sizeof term);
			if (v != NULL) {
				char *c = text_collapse_ws(v);
				feed_item_add_category(p->item, c);
				g_free(c);
			}
		}
		return;
	default:
		break;
	}
	tf = &tag_fields[tag];
	if (tf->field == F_NONE)
		return;
	if ((cur == C_CHANNEL && (tf->where & IN_CHANNEL)) ||
	    (cur == C_ITEM && (tf->where & IN_ITEM)) ||
	    (cur == C_AUTHOR && (tf->where & IN_AUTHOR)))
		capture_begin(p, tag, n, attrs);
}

/* Closes the innermost open element. */
static void
close_one(struct feed_parser *p)
{
	int d = p->depth;

	if (d <= 0)
		return;
	if (p->cap_depth > 0) {
		if (d == p->cap_depth)
			capture_end(p);
		else if (p->cap_mode != M_TEXT && d <= FEED_MAX_DEPTH) {
			g_string_append(p->text, "</");
			g_string_append(p->text, (const char *)p->stack[d - 1].local);
			g_string_append_c(p->text, '>');
		}
	}
	if (p->skip_depth == d)
		p->skip_depth = 0;
	if (p->n_cont > 0 && p->cont[p->n_cont - 1].depth == d) {
		enum container k = p->cont[--p->n_cont].kind;

		if (k == C_ITEM)
			item_end(p);
		else if (k == C_AUTHOR)
			author_end(p);
	}
	if (d <= FEED_MAX_DEPTH) {
		struct open_elem *e = &p->stack[d - 1];

		p->cur_base = e->saved_base;
		g_clear_pointer(&e->own_base, g_free);
	}
	p->depth--;
}

static gboolean
qname_is(const struct open_elem *e, const char *qname)
{
	const char *colon = strchr(qname, ':');

	if (colon == NULL)
		return e->prefix == NULL && strcmp((const char *)e->local, qname) == 0;
	return e->prefix != NULL && strlen((const char *)e->prefix) == (size_t)(colon - qname) &&
	       strncmp((const char *)e->prefix, qname, (size_t)(colon - qname)) == 0 &&
	       strcmp((const char *)e->local, colon + 1) == 0;
}

static void
on_end(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct feed_parser *p = user;
	char qbuf[256];
	const char *name;
	int target = 0;

	KEEP_RECOVERING(p);
	/* Close by the name in the end tag, not by libxml2's idea of it:
	 * after a mismatch the two stacks part ways. A stray end tag closes
	 * nothing; one naming an outer element closes what was left open. */
	if (p->mismatch != NULL)
		name = p->mismatch;
	else if (prefix != NULL) {
		g_snprintf(qbuf, sizeof qbuf, "%s:%s", prefix, local);
		name = qbuf;
	} else
		name = (const char *)local;
	if (p->depth > FEED_MAX_DEPTH) {
		p->depth--;
		g_clear_pointer(&p->mismatch, g_free);
		return;
	}
	for (int d = p->depth; d > 0; d--)
		if (qname_is(&p->stack[d - 1], name)) {
			target = d;
			break;
		}
	if (target > 0)
		while (p->depth >= target)
			close_one(p);
	g_clear_pointer(&p->mismatch, g_free);
}

static void
on_text(void *user, const xmlChar *s, int len)
{
	struct feed_parser *p = user;

	KEEP_RECOVERING(p);
	if (p->cap_depth > 0)
		text_append(p, (const char *)s, (size_t)len, p->cap_mode == M_XHTML);
}

static void
on_error(void *user, xmlErrorPtr e)
{
	struct feed_parser *p = user;
	char *msg;

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	if (e->code == XML_ERR_TAG_NAME_MISMATCH && e->str2 != NULL) {
		g_free(p->mismatch);
		p->mismatch = g_strdup(e->str2);
	}
	msg = g_strdup_printf("line %d: %s", e->line, e->message ? e->message : "error");
	g_strchomp(msg);
	note_error(p, msg);
}

static xmlSAXHandler feed_sax = {
	.startElementNs = on_start,
	.endElementNs = on_end,
	.characters = on_text,
	.cdataBlock = on_text,
	.serror = on_error,
	.initialized = XML_SAX2_MAGIC,
};

/* ---- the parser ----------------------------------------------------- */

struct feed_parser *
feed_parser_new(const char *base_url, const char *http_charset)
{
	struct feed_parser *p = g_new0(struct feed_parser, 1);

	xmlSetExternalEntityLoader(deny_entity_loader);
	p->base_url = g_strdup(base_url);
	p->http_charset = g_strdup(http_charset);
	p->head = g_string_new(NULL);
	p->chunk = g_string_sized_new(64 * 1024);
	p->text = g_string_sized_new(4096);
	p->doc = feed_doc_new();
	p->chan = feed_item_new();
	p->cur_base = p->base_url;
	return p;
}

void
feed_parser_free(struct feed_parser *p)
{
	if (p == NULL)
		return;
	if (p->ctxt) {
		/* libxml2 keeps DTD declarations in a "SAX compatibility" document */
		if (p->ctxt->myDoc)
			xmlFreeDoc(p->ctxt->myDoc);
		xmlFreeParserCtxt(p->ctxt);
	}
	while (p->depth > 0 && p->depth <= FEED_MAX_DEPTH)
		g_free(p->stack[--p->depth].own_base);
	feed_decoder_free(p->dec);
	g_free(p->base_url);
	g_free(p->http_charset);
	g_string_free(p->head, TRUE);
	g_string_free(p->chunk, TRUE);
	g_string_free(p->text, TRUE);
	if (p->json)
		g_string_free(p->json, TRUE);
	feed_doc_free(p->doc);
	feed_item_free(p->chan);
	feed_item_free(p->item);
	g_free(p->author_name);
	g_free(p->author_email);
	g_free(p->feed_author);
	g_free(p->mismatch);
	g_free(p->fail);
	g_free(p);
}

/* encoding="..." from an XML declaration at s, or NULL. Caller frees. */
static char *
xml_decl_encoding(const char *s, size_t n)
{
	const char *end, *e, *q;

	if (n < 5 || memcmp(s, "<?xml", 5) != 0)
		return NULL;
	end = g_strstr_len(s, (gssize)MIN(n, 512), "?>");
	if (end == NULL)
		return NULL;
	e = g_strstr_len(s, end - s, "encoding");
	if (e == NULL)
		return NULL;
	e += 8;
	while (e < end && (*e == ' ' || *e == '='))
		e++;
	if (e >= end || (*e != '"' && *e != '\''))
		return NULL;
	q = memchr(e + 1, *e, (size_t)(end - e - 1));
	return q ? g_strndup(e + 1, (size_t)(q - e - 1)) : NULL;
}

/* Which charset to decode with: BOM, then HTTP, then the XML declaration.
 * A server's Latin-1 default does not override a document that says UTF-8. */
static const char *
choose_charset(struct feed_parser *p, const char *bom, const char *decl)
{
	const char *http = p->http_charset && *p->http_charset ? p->http_charset : NULL;

	if (bom)
		return bom;
	if (http && decl) {
		const char *h = feed_charset_canonical(http), *d = feed_charset_canonical(decl);
		if (h && d && strcmp(h, "windows-1252") == 0 && strcmp(d, "UTF-8") == 0)
			return decl;
	}
	return http ? http : decl;
}

static int push_xml(struct feed_parser *p, const char *buf, size_t len, gboolean final);

/* Decides the format once enough of the start is known. Returns 0, 1 when
 * more bytes are needed, -1 when it is not a feed. */
static int
sniff(struct feed_parser *p, gboolean final)
{
	const char *s = p->head->str, *end = s + p->head->len, *start, *bom = NULL;
	char *decl = NULL;
	const char *cs, *used = NULL;
	size_t skip;

	if (p->head->len < 1024 && !final)
		return 1;
	if (p->head->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		bom = "UTF-8";
		s += 3;
	} else if (p->head->len >= 2 && (memcmp(s, "\xFF\xFE", 2) == 0 ||
	                                 memcmp(s, "\xFE\xFF", 2) == 0)) {
		bom = (unsigned char)s[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";
		s += 2;
	} else if (p->head->len >= 4 && memcmp(s, "<\0?\0", 4) == 0) {
		bom = "UTF-16LE";
	} else if (p->head->len >= 4 && memcmp(s, "\0<\0?", 4) == 0) {
		bom = "UTF-16BE";
	}
	start = s;
	if (bom == NULL || strcmp(bom, "UTF-8") == 0) {
		while (start < end && g_ascii_isspace(*start))
			start++;
		if (start < end && (*start == '{' || *start == '[')) {
			p->state = ST_JSON;
			p->json = g_string_sized_new(p->head->len * 2);
			p->dec = feed_decoder_new(choose_charset(p, bom, NULL), FALSE, &used);
			p->doc->encoding = g_strdup(used);
			feed_decoder_run(p->dec, start, (size_t)(end - start), FALSE, p->json);
			return 0;
		}
		/* Junk before the document (a PHP warning, blank lines): skip to the
		 * XML declaration, or else to the first tag. */
		{
			const char *x = g_strstr_len(start, end - start, "<?xml");
			const char *lt = memchr(start, '<', (size_t)(end - start));

			if (x != NULL)
				start = x;
			else if (lt != NULL)
				start = lt;
			else if (!final && p->head->len < FEED_SNIFF_MAX)
				return 1;
			else {
				p->fail = g_strdup(p->head->len == 0 || start == end ?
				                   "empty document" : "not a feed (neither XML nor JSON)");
				return -1;
			}
		}
		if (strspn(s, " \t\r\n") < (size_t)(start - s))
			note_error(p, g_strdup("junk before the XML document skipped"));
		{
			/* an HTML page served as the feed (error pages, logins, parked domains) */
			const char *t = start;
			if (g_ascii_strncasecmp(t, "<!doctype html", 14) == 0 ||
			    g_ascii_strncasecmp(t, "<html", 5) == 0) {
				p->fail = g_strdup("not a feed (looks like HTML)");
				return -1;
			}
		}
		decl = xml_decl_encoding(start, (size_t)(end - start));
	}
	cs = choose_charset(p, bom, decl);
	p->dec = feed_decoder_new(cs, TRUE, &used);
	if (cs != NULL && feed_charset_canonical(cs) == NULL && strcmp(used, "UTF-8") == 0)
		note_error(p, g_strdup_printf("unknown encoding \"%s\", read as UTF-8", cs));
	p->doc->encoding = g_strdup(used);
	g_free(decl);
	p->state = ST_XML;
	skip = (size_t)(start - p->head->str);
	return push_xml(p, p->head->str + skip, p->head->len - skip, final) < 0 ? -1 : 0;
}

static int
push_xml(struct feed_parser *p, const char *buf, size_t len, gboolean final)
{
	guint repairs;

	g_string_truncate(p->chunk, 0);
	repairs = feed_decoder_run(p->dec, buf, len, final, p->chunk);
	if (repairs > 0)
		p->doc->ill_formed = TRUE;
	if (p->ctxt == NULL) {
		p->ctxt = xmlCreatePushParserCtxt(&feed_sax, p, NULL, 0, NULL);
		if (p->ctxt == NULL) {
			p->fail = g_strdup("out of memory");
			return -1;
		}
		/* never NOENT, DTDLOAD or HUGE: entities stay unexpanded, limits stay on */
		xmlCtxtUseOptions(p->ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET |
		                  XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA);
	}
	/* libxml2 takes an int length */
	for (size_t off = 0; off < p->chunk->len || (final && off == 0); ) {
		size_t n = MIN(p->chunk->len - off, (size_t)(1 << 30));

		xmlParseChunk(p->ctxt, p->chunk->str + off, (int)n, final && off + n >= p->chunk->len);
		off += n;
		if (n == 0)
			break;
	}
	return p->gave_up ? -1 : 0;
}

int
feed_parser_set_http_charset(struct feed_parser *p, const char *http_charset)
{
	if (p->state != ST_SNIFF)
		return -1;
	g_free(p->http_charset);
	p->http_charset = g_strdup(http_charset);
	return 0;
}

int
feed_parser_push(struct feed_parser *p, const char *buf, size_t len)
{
	int r;

	if (p->gave_up || p->state == ST_FAILED)
		return -1;
	switch (p->state) {
	case ST_SNIFF:
		g_string_append_len(p->head, buf, (gssize)len);
		r = sniff(p, FALSE);
		if (r < 0)
			p->state = ST_FAILED;
		return r < 0 ? -1 : 0;
	case ST_XML:
		return push_xml(p, buf, len, FALSE);
	case ST_JSON:
		if (p->json->len + len > FEED_MAX_JSON) {
			p->fail = g_strdup_printf("JSON feed larger than %d bytes", FEED_MAX_JSON);
			p->state = ST_FAILED;
			return -1;
		}
		feed_decoder_run(p->dec, buf, len, FALSE, p->json);
		return 0;
	default:
		return -1;
	}
}

struct feed_doc *
feed_parser_finish(struct feed_parser *p, char **error)
{
	struct feed_doc *doc;

	if (error)
		*error = NULL;
	if (p->state == ST_SNIFF && sniff(p, TRUE) < 0)
		p->state = ST_FAILED;
	else if (p->state == ST_XML && !p->gave_up)
		push_xml(p, "", 0, TRUE);
	else if (p->state == ST_JSON) {
		feed_decoder_run(p->dec, "", 0, TRUE, p->json);
		if (feed_json_parse(p->json->str, p->json->len, p->base_url, p->doc, &p->fail) < 0)
			p->state = ST_FAILED;
	}
	if (p->state == ST_XML) {
		/* unclosed elements at the end: keep what they held */
		while (p->depth > 0)
			close_one(p);
		item_end(p);
		if (p->doc->error == NULL && feed_decoder_repairs(p->dec) != 0) {
			char *what = feed_repairs_describe(feed_decoder_repairs(p->dec));
			note_error(p, g_strdup_printf("repaired %s", what));
			g_free(what);
		}
		if (!p->root_seen && p->fail == NULL)
			p->fail = g_strdup("not a feed (no XML element found)");
		if (p->chan->title)
			p->doc->title = g_strdup(p->chan->title);
		if (p->chan->link)
			p->doc->link = g_strdup(p->chan->link);
		if (p->doc->ttl_minutes == 0 && p->sy_period_min > 0)
			p->doc->ttl_minutes = p->sy_period_min / MAX(p->sy_freq, 1);
	}
	if (p->fail != NULL) {
		if (error)
			*error = g_strdup(p->fail);
		return NULL;
	}
	doc = p->doc;
	p->doc = feed_doc_new();
	return doc;
}

struct feed_doc *
feed_parse(const char *buf, size_t len, const char *base_url, const char *http_charset,
           char **error)
{
	struct feed_parser *p = feed_parser_new(base_url, http_charset);
	struct feed_doc *doc;

	feed_parser_push(p, buf, len);
	doc = feed_parser_finish(p, error);
	feed_parser_free(p);
	return doc;
}

/* For the unit test: the lookup tables must stay sorted. */
gboolean
feed_tables_sorted(void)
{
	for (size_t i = 1; i < G_N_ELEMENTS(tag_names); i++)
		if (tag_name_cmp(&tag_names[i - 1], &tag_names[i]) >= 0)
			return FALSE;
	for (size_t i = 1; i < G_N_ELEMENTS(ns_uris); i++)
		if (strcmp(ns_uris[i - 1].uri, ns_uris[i].uri) >= 0)
			return FALSE;
	for (size_t i = 1; i < G_N_ELEMENTS(ns_prefixes); i++)
		if (strcmp(ns_prefixes[i - 1].prefix, ns_prefixes[i].prefix) >= 0)
			return FALSE;
	return TRUE;
}
