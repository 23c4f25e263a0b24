/* opml.c — OPML in (every outline with an xmlUrl) and out (OPML 2.0).
 * libxml2's tree API: OPML files are small, and a tree makes folders easy. */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "opml.h"

void
opml_feed_free(struct opml_feed *f)
{
	if (f == NULL)
		return;
	g_free(f->name);
	g_free(f->url);
	g_free(f->folder);
	g_free(f);
}

char *
opml_clean_name(const char *title)
{
	GString *s;
	const char *p;

	if (title == NULL || !g_utf8_validate(title, -1, NULL))
		return NULL;
	s = g_string_new(NULL);
	for (p = title; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		/* GKeyFile group names may hold neither brackets nor control characters. */
		if (c == '[' || c == ']' || g_unichar_iscntrl(c) || g_unichar_isspace(c)) {
			if (s->len > 0 && s->str[s->len - 1] != ' ')
				g_string_append_c(s, ' ');
			continue;
		}
		if (g_utf8_strlen(s->str, -1) >= 80)
			break;
		g_string_append_unichar(s, c);
	}
	while (s->len > 0 && s->str[s->len - 1] == ' ')
		g_string_truncate(s, s->len - 1);
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

/* An attribute by name, ignoring case (xmlUrl is also seen as xmlurl). */
static char *
attr(xmlNode *n, const char *name)
{
	for (xmlAttr *a = n->properties; a; a = a->next) {
		if (g_ascii_strcasecmp((const char *)a->name, name) == 0) {
			xmlChar *v = xmlNodeGetContent((xmlNode *)a);
			char *r = g_strdup((const char *)v);

			xmlFree(v);
			g_strstrip(r);
			return r;
		}
	}
	return NULL;
}

static void
walk(xmlNode *n, const char *folder, GPtrArray *out, GPtrArray *warnings, const char *path)
{
	for (; n; n = n->next) {
		char *url, *title, *name;

		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "outline") != 0)
			continue;
		url = attr(n, "xmlUrl");
		title = attr(n, "title");
		if (title == NULL || *title == '\0') {
			g_free(title);
			title = attr(n, "text");
		}
		if (url == NULL || *url == '\0') {
			/* A folder: its children carry its name. */
			char *clean = opml_clean_name(title);
			char *sub = clean == NULL ? g_strdup(folder) :
			            folder ? g_strdup_printf("%s / %s", folder, clean) : g_strdup(clean);

			walk(n->children, sub, out, warnings, path);
			g_free(sub);
			g_free(clean);
		} else if ((!g_str_has_prefix(url, "http://") && !g_str_has_prefix(url, "https://")) ||
		           strpbrk(url, " \t\r\n\\") != NULL) {
			if (warnings)
				g_ptr_array_add(warnings, g_strdup_printf("%s:%ld: skipped \"%s\": not an http or https URL",
				                                          path, (long)xmlGetLineNo(n), url));
		} else {
			struct opml_feed *f = g_new0(struct opml_feed, 1);

			name = opml_clean_name(title);
			f->name = name ? name : opml_clean_name(url);
			f->url = g_strdup(url);
			f->folder = g_strdup(folder);
			g_ptr_array_add(out, f);
		}
		g_free(url);
		g_free(title);
	}
}

GPtrArray *
opml_read_data(const char *data, gsize len, const char *path, GPtrArray *warnings, char **error)
{
	xmlDoc *doc;
	xmlNode *root, *body = NULL;
	GPtrArray *out;

	/* No network, no entity expansion: an OPML file is data, not a fetcher. */
	doc = xmlReadMemory(data, (int)MIN(len, (gsize)G_MAXINT), path, NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();

		*error = g_strdup_printf("%s:%d: not well-formed XML: %s", path, e ? e->line : 0,
		                         e && e->message ? g_strchomp(e->message) : "parse error");
		return NULL;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "opml") != 0) {
		*error = g_strdup_printf("%s: not an OPML file (the root element is <%s>)", path,
		                         root ? (const char *)root->name : "nothing");
		xmlFreeDoc(doc);
		return NULL;
	}
	for (xmlNode *n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "body") == 0)
			body = n;
	if (body == NULL) {
		*error = g_strdup_printf("%s: OPML without a <body>", path);
		xmlFreeDoc(doc);
		return NULL;
	}
	out = g_ptr_array_new_with_free_func((GDestroyNotify)opml_feed_free);
	walk(body->children, NULL, out, warnings, path);
	xmlFreeDoc(doc);
	return out;
}

GPtrArray *
opml_read(const char *path, GPtrArray *warnings, char **error)
{
	char *data = NULL;
	gsize len = 0;
	GError *err = NULL;
	GPtrArray *out;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		*error = g_strdup_printf("%s: %s", path, err->message);
		g_error_free(err);
		return NULL;
	}
	out = opml_read_data(data, len, path, warnings, error);
	g_free(data);
	return out;
}

char *
opml_write(const struct config *cfg)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *root = xmlNewNode(NULL, BAD_CAST "opml");
	xmlNode *head, *body;
	GDateTime *now = g_date_time_new_now_utc();
	char *date = g_date_time_format(now, "%a, %d %b %Y %H:%M:%S GMT");
	xmlChar *buf = NULL;
	int len = 0;
	char *out;

	xmlNewProp(root, BAD_CAST "version", BAD_CAST "2.0");
	xmlDocSetRootElement(doc, root);
	head = xmlNewChild(root, NULL, BAD_CAST "head", NULL);
	xmlNewTextChild(head, NULL, BAD_CAST "title", BAD_CAST "newswatch feeds");
	xmlNewTextChild(head, NULL, BAD_CAST "dateCreated", BAD_CAST date);
	xmlNewTextChild(head, NULL, BAD_CAST "docs", BAD_CAST "http://opml.org/spec2.opml");
	body = xmlNewChild(root, NULL, BAD_CAST "body", NULL);
	for (guint i = 0; i < cfg->feeds->len; i++) {
		const struct feed_config *fc = g_ptr_array_index(cfg->feeds, i);
		xmlNode *o = xmlNewChild(body, NULL, BAD_CAST "outline", NULL);

		/* xmlNewProp escapes the values. */
		xmlNewProp(o, BAD_CAST "type", BAD_CAST "rss");
		xmlNewProp(o, BAD_CAST "text", BAD_CAST fc->name);
		xmlNewProp(o, BAD_CAST "title", BAD_CAST fc->name);
		xmlNewProp(o, BAD_CAST "xmlUrl", BAD_CAST fc->url);
	}
	xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 1);
	out = g_strndup((const char *)buf, (gsize)len);
	xmlFree(buf);
	xmlFreeDoc(doc);
	g_free(date);
	g_date_time_unref(now);
	return out;
}

char *
opml_append_feeds(const char *text, GPtrArray *feeds, GHashTable *names_taken,
                  GHashTable *urls_taken, guint *added)
{
	GString *s = g_string_new(text ? text : "");
	GDateTime *now = g_date_time_new_now_local();
	char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M");
	gboolean header = FALSE;

	*added = 0;
	for (guint i = 0; i < feeds->len; i++) {
		const struct opml_feed *f = g_ptr_array_index(feeds, i);
		char *name;

		if (g_hash_table_contains(urls_taken, f->url))
			continue;
		name = g_strdup(f->name);
		for (int n = 2; g_hash_table_contains(names_taken, name); n++) {
			g_free(name);
			name = g_strdup_printf("%s (%d)", f->name, n);
		}
		if (!header) {
			if (s->len > 0 && s->str[s->len - 1] != '\n')
				g_string_append_c(s, '\n');
			g_string_append_printf(s, "\n# imported from OPML on %s\n", stamp);
			header = TRUE;
		}
		g_string_append_c(s, '\n');
		if (f->folder)
			g_string_append_printf(s, "# folder: %s\n", f->folder);
		/* The URL has no spaces or backslashes (walk()): safe as a key file value. */
		g_string_append_printf(s, "[feed %s]\nurl = %s\n", name, f->url);
		g_hash_table_add(names_taken, name);
		g_hash_table_add(urls_taken, g_strdup(f->url));
		(*added)++;
	}
	g_free(stamp);
	g_date_time_unref(now);
	return g_string_free(s, FALSE);
}
