/* feed_json.c — JSON Feed 1.0 and 1.1 with jansson. The whole document is
 * in memory (capped by the caller); JSON Feeds are small. */
#include <string.h>
#include <jansson.h>
#include "feed_int.h"
#include "date.h"
#include "html.h"

static const char *
str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static char *
plain(const char *s)
{
	return s ? feed_text_plain(s, strlen(s), FALSE) : NULL;
}

/* "author" (1.0) or "authors" (1.1) → names joined with ", ". */
static char *
authors(json_t *obj)
{
	json_t *list = json_object_get(obj, "authors"), *a;
	GString *g = g_string_new(NULL);
	size_t i;

	if (!json_is_array(list) && json_is_object(json_object_get(obj, "author"))) {
		list = json_array();
		json_array_append(list, json_object_get(obj, "author"));
	} else
		json_incref(list);
	json_array_foreach(list, i, a) {
		char *name = plain(str(a, "name"));
		if (name && *name)
			g_string_append_printf(g, "%s%s", g->len ? ", " : "", name);
		g_free(name);
	}
	json_decref(list);
	return g_string_free(g, g->len == 0);
}

int
feed_json_parse(const char *buf, size_t len, const char *base_url, struct feed_doc *doc,
                char **error)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je), *items, *jit;
	const char *version, *s;
	char *feed_author;
	size_t i;

	if (root == NULL) {
		*error = g_strdup_printf("not a feed (JSON error at line %d: %s)", je.line, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		*error = g_strdup("not a feed (JSON but not an object)");
		return -1;
	}
	version = str(root, "version");
	items = json_object_get(root, "items");
	if (version && (g_str_has_suffix(version, "jsonfeed.org/version/1.1")))
		doc->format = FEED_FORMAT_JSONFEED11;
	else if (version && g_str_has_suffix(version, "jsonfeed.org/version/1"))
		doc->format = FEED_FORMAT_JSONFEED10;
	else if (json_is_array(items)) {
		doc->format = FEED_FORMAT_JSONFEED11;
		doc->ill_formed = TRUE;
		doc->error = g_strdup("no JSON Feed version");
	} else {
		json_decref(root);
		*error = g_strdup("not a feed (JSON without a JSON Feed version)");
		return -1;
	}
	doc->title = plain(str(root, "title"));
	if ((s = str(root, "home_page_url")) != NULL)
		doc->link = feed_resolve_link(base_url, s);
	feed_author = authors(root);
	json_array_foreach(items, i, jit) {
		struct feed_item *it;
		json_t *id, *tags, *tag;
		size_t k;

		if (!json_is_object(jit))
			continue;
		if (doc->items->len >= FEED_MAX_ITEMS) {
			g_free(doc->error);
			doc->error = g_strdup_printf("more than %d items, the rest ignored", FEED_MAX_ITEMS);
			break;
		}
		it = feed_item_new();
		id = json_object_get(jit, "id");
		if (json_is_string(id))
			it->id = g_strstrip(g_strdup(json_string_value(id)));
		else if (json_is_integer(id))
			it->id = g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(id));
		if ((s = str(jit, "url")) != NULL || (s = str(jit, "external_url")) != NULL)
			it->link = feed_resolve_link(base_url, s);
		it->title = plain(str(jit, "title"));
		if ((s = str(jit, "content_html")) != NULL)
			feed_html_field(s, strlen(s), &it->content, &it->content_html);
		else if ((s = str(jit, "content_text")) != NULL)
			it->content = text_collapse_ws(s);
		it->summary = plain(str(jit, "summary"));
		it->published = date_parse(str(jit, "date_published"));
		it->updated = date_parse(str(jit, "date_modified"));
		if (it->published == 0)
			it->published = it->updated;
		it->author = authors(jit);
		if (it->author == NULL && feed_author)
			it->author = g_strdup(feed_author);
		tags = json_object_get(jit, "tags");
		json_array_foreach(tags, k, tag) {
			char *t = plain(json_string_value(tag));
			feed_item_add_category(it, t);
			g_free(t);
		}
		/* empty strings are absent */
		if (it->title && !*it->title)
			g_clear_pointer(&it->title, g_free);
		if (it->summary && !*it->summary)
			g_clear_pointer(&it->summary, g_free);
		g_ptr_array_add(doc->items, it);
	}
	g_free(feed_author);
	json_decref(root);
	return 0;
}
