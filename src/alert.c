/* alert.c — alerts as data: JSON in and out, and a readable text form. */
#include <string.h>

#include "alert.h"
#include "match.h"

static void
alert_source_free(struct alert_source *s)
{
	if (s == NULL)
		return;
	g_free(s->feed);
	g_free(s->title);
	g_free(s->link);
	g_free(s);
}

struct alert *
alert_new(void)
{
	struct alert *a = g_new0(struct alert, 1);

	a->matches = g_ptr_array_new_with_free_func((GDestroyNotify)match_free);
	a->sources = g_ptr_array_new_with_free_func((GDestroyNotify)alert_source_free);
	a->priority = PRIORITY_NORMAL;
	return a;
}

void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	g_free(a->feed);
	g_free(a->feed_title);
	g_free(a->title);
	g_free(a->link);
	g_free(a->id);
	g_free(a->summary);
	g_free(a->story);
	g_free(a->follow_up);
	g_ptr_array_unref(a->matches);
	g_ptr_array_unref(a->sources);
	g_free(a);
}

char *
time_to_rfc3339(gint64 t)
{
	GDateTime *dt;
	char *s;

	if (t == 0)
		return NULL;
	dt = g_date_time_new_from_unix_utc(t);
	if (dt == NULL)
		return NULL;
	s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	return s;
}

static gint64
time_from_rfc3339(const char *s)
{
	GDateTime *dt;
	gint64 t;

	if (s == NULL)
		return 0;
	dt = g_date_time_new_from_iso8601(s, NULL);
	if (dt == NULL)
		return 0;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* jansson rejects invalid UTF-8; feed text is already valid, but never trust it. */
static json_t *
jstr(const char *s)
{
	char *valid;
	json_t *j;

	if (s == NULL)
		return json_null();
	if (g_utf8_validate(s, -1, NULL))
		return json_string(s);
	valid = g_utf8_make_valid(s, -1);
	j = json_string(valid);
	g_free(valid);
	return j;
}

json_t *
alert_to_json(const struct alert *a)
{
	json_t *o = json_object();
	json_t *matches = json_array();
	char *published = time_to_rfc3339(a->published);

	json_object_set_new(o, "feed", jstr(a->feed));
	json_object_set_new(o, "title", jstr(a->title));
	json_object_set_new(o, "link", jstr(a->link));
	json_object_set_new(o, "id", jstr(a->id));
	json_object_set_new(o, "published", jstr(published));
	json_object_set_new(o, "priority", json_string(priority_name(a->priority)));
	for (guint i = 0; i < a->matches->len; i++) {
		const struct match *m = g_ptr_array_index(a->matches, i);
		json_t *jm = json_object();

		json_object_set_new(jm, "entry", jstr(m->entry));
		json_object_set_new(jm, "list", jstr(m->list));
		json_object_set_new(jm, "term", jstr(m->term));
		json_object_set_new(jm, "field", jstr(m->field));
		json_object_set_new(jm, "snippet", jstr(m->snippet));
		if (m->is_rule)
			json_object_set_new(jm, "rule", json_true());
		json_array_append_new(matches, jm);
	}
	json_object_set_new(o, "matches", matches);
	if (a->summary)
		json_object_set_new(o, "summary", jstr(a->summary));
	if (a->feed_title)
		json_object_set_new(o, "feed_title", jstr(a->feed_title));
	json_object_set_new(o, "story", jstr(a->story));
	if (a->sources->len > 0 || a->story) {
		json_t *srcs = json_array();

		for (guint i = 0; i < a->sources->len; i++) {
			const struct alert_source *s = g_ptr_array_index(a->sources, i);

			json_array_append_new(srcs, json_pack("{s:o,s:o,s:o}", "feed", jstr(s->feed),
			                                      "title", jstr(s->title), "link", jstr(s->link)));
		}
		json_object_set_new(o, "sources", srcs);
	}
	if (a->follow_up)
		json_object_set_new(o, "follow_up", jstr(a->follow_up));
	if (a->outbox_id)
		json_object_set_new(o, "alert_id", json_integer(a->outbox_id));
	g_free(published);
	return o;
}

static char *
jdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? g_strdup(s) : NULL;
}

struct alert *
alert_from_json(json_t *o)
{
	struct alert *a;
	json_t *v;
	size_t i;
	enum priority p;

	if (!json_is_object(o) || !json_is_string(json_object_get(o, "title")))
		return NULL;
	a = alert_new();
	a->feed = jdup(o, "feed");
	a->feed_title = jdup(o, "feed_title");
	a->title = jdup(o, "title");
	a->link = jdup(o, "link");
	a->id = jdup(o, "id");
	a->summary = jdup(o, "summary");
	a->story = jdup(o, "story");
	a->follow_up = jdup(o, "follow_up");
	a->published = time_from_rfc3339(json_string_value(json_object_get(o, "published")));
	a->outbox_id = json_integer_value(json_object_get(o, "alert_id"));
	if (priority_parse(json_string_value(json_object_get(o, "priority")), &p) == 0)
		a->priority = p;
	json_array_foreach(json_object_get(o, "matches"), i, v) {
		struct match *m = g_new0(struct match, 1);

		m->entry = jdup(v, "entry");
		m->list = jdup(v, "list");
		m->term = jdup(v, "term");
		m->field = jdup(v, "field");
		m->snippet = jdup(v, "snippet");
		m->is_rule = json_is_true(json_object_get(v, "rule"));
		m->priority = a->priority;
		g_ptr_array_add(a->matches, m);
	}
	json_array_foreach(json_object_get(o, "sources"), i, v) {
		struct alert_source *s = g_new0(struct alert_source, 1);

		s->feed = jdup(v, "feed");
		s->title = jdup(v, "title");
		s->link = jdup(v, "link");
		g_ptr_array_add(a->sources, s);
	}
	return a;
}

/* Terminal text: feed text may carry escape sequences; show only printable characters. */
static void
append_printable(GString *out, const char *s)
{
	for (const char *p = s; p && *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029)
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, c);
	}
}

char *
alert_to_text(const struct alert *a)
{
	GString *s = g_string_new(NULL);
	char *published = time_to_rfc3339(a->published);

	g_string_append_printf(s, "[%s] ", priority_name(a->priority));
	append_printable(s, a->feed);
	g_string_append(s, ": ");
	append_printable(s, a->title ? a->title : "(untitled)");
	g_string_append(s, "\n    ");
	append_printable(s, a->link ? a->link : "(no link)");
	if (published)
		g_string_append_printf(s, "  (%s)", published);
	g_string_append_c(s, '\n');
	if (a->follow_up) {
		g_string_append(s, "    follow-up: ");
		append_printable(s, a->follow_up);
		g_string_append_c(s, '\n');
	}
	for (guint i = 0; i < a->matches->len; i++) {
		const struct match *m = g_ptr_array_index(a->matches, i);

		g_string_append(s, "    ");
		g_string_append(s, m->is_rule ? "rule " : "");
		append_printable(s, m->entry);
		g_string_append_printf(s, " (%s) on \"", m->list ? m->list : "?");
		append_printable(s, m->term);
		g_string_append_printf(s, "\" in %s: ", m->field ? m->field : "?");
		append_printable(s, m->snippet);
		g_string_append_c(s, '\n');
	}
	for (guint i = 0; i < a->sources->len; i++) {
		const struct alert_source *src = g_ptr_array_index(a->sources, i);

		g_string_append(s, "    also: ");
		append_printable(s, src->feed);
		g_string_append(s, ": ");
		append_printable(s, src->title);
		g_string_append_c(s, '\n');
	}
	g_free(published);
	return g_string_free(s, FALSE);
}
