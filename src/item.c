/* item.c — constructors and destructors for parsed feeds. */
#include "item.h"

struct feed_item *
feed_item_new(void)
{
	struct feed_item *it = g_new0(struct feed_item, 1);

	it->categories = g_ptr_array_new_with_free_func(g_free);
	return it;
}

void
feed_item_free(struct feed_item *it)
{
	if (it == NULL)
		return;
	g_free(it->id);
	g_free(it->title);
	g_free(it->link);
	g_free(it->summary);
	g_free(it->summary_html);
	g_free(it->content);
	g_free(it->content_html);
	g_free(it->author);
	g_ptr_array_unref(it->categories);
	g_free(it);
}

struct feed_doc *
feed_doc_new(void)
{
	struct feed_doc *doc = g_new0(struct feed_doc, 1);

	doc->items = g_ptr_array_new_with_free_func((GDestroyNotify)feed_item_free);
	return doc;
}

void
feed_doc_free(struct feed_doc *doc)
{
	if (doc == NULL)
		return;
	g_free(doc->title);
	g_free(doc->link);
	g_free(doc->encoding);
	g_free(doc->error);
	g_ptr_array_unref(doc->items);
	g_free(doc);
}

static const char *const format_names[] = {
	[FEED_FORMAT_UNKNOWN] = "unknown",
	[FEED_FORMAT_RSS090] = "rss0.90",
	[FEED_FORMAT_RSS091] = "rss0.91",
	[FEED_FORMAT_RSS092] = "rss0.92",
	[FEED_FORMAT_RSS20] = "rss2.0",
	[FEED_FORMAT_RSS10] = "rss1.0",
	[FEED_FORMAT_ATOM03] = "atom0.3",
	[FEED_FORMAT_ATOM10] = "atom1.0",
	[FEED_FORMAT_JSONFEED10] = "jsonfeed1.0",
	[FEED_FORMAT_JSONFEED11] = "jsonfeed1.1",
};

const char *
feed_format_name(enum feed_format f)
{
	if ((unsigned)f >= G_N_ELEMENTS(format_names) || format_names[f] == NULL)
		return "unknown";
	return format_names[f];
}
