/* feed_dump.c — parsed feeds as JSON objects (`newswatch parse --json`,
 * the conformance suite's expected files). */
#include "feed.h"
#include "date.h"

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
time_or_null(gint64 t)
{
	char buf[21];

	return date_format_rfc3339(t, buf) ? json_string(buf) : json_null();
}

json_t *
feed_doc_to_json(const struct feed_doc *doc, const char *error)
{
	json_t *o = json_object();

	json_object_set_new(o, "kind", json_string("feed"));
	json_object_set_new(o, "title", str_or_null(doc ? doc->title : NULL));
	json_object_set_new(o, "link", str_or_null(doc ? doc->link : NULL));
	json_object_set_new(o, "format", doc ? json_string(feed_format_name(doc->format)) : json_null());
	json_object_set_new(o, "encoding", str_or_null(doc ? doc->encoding : NULL));
	json_object_set_new(o, "ill_formed", json_boolean(doc ? doc->ill_formed : FALSE));
	json_object_set_new(o, "error", str_or_null(doc ? doc->error : error));
	json_object_set_new(o, "ttl_minutes", json_integer(doc ? doc->ttl_minutes : 0));
	return o;
}

json_t *
feed_item_to_json(const struct feed_item *it)
{
	json_t *o = json_object(), *cats = json_array();

	json_object_set_new(o, "kind", json_string("item"));
	json_object_set_new(o, "title", str_or_null(it->title));
	json_object_set_new(o, "link", str_or_null(it->link));
	json_object_set_new(o, "id", str_or_null(it->id));
	json_object_set_new(o, "published", time_or_null(it->published));
	json_object_set_new(o, "updated", time_or_null(it->updated));
	json_object_set_new(o, "summary", str_or_null(it->summary));
	json_object_set_new(o, "content", str_or_null(it->content));
	json_object_set_new(o, "author", str_or_null(it->author));
	for (guint i = 0; i < it->categories->len; i++)
		json_array_append_new(cats, json_string(it->categories->pdata[i]));
	json_object_set_new(o, "categories", cats);
	return o;
}
