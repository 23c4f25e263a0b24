/* test_escaping.c — feed text is hostile: the terminal form of an alert
 * (alert_to_text, what `once` and `history` print) keeps none of its control
 * characters — no C0 (ESC, BEL, CR, BS, ...), no DEL, no C1 (U+0080..U+009F,
 * e.g. the one-byte CSI U+009B) — whichever field they hide in, and every
 * alert keeps exactly its own lines; the JSON form carries the text exactly
 * and stays one line. Table-driven over hostile strings. Invalid UTF-8 never
 * gets this far: item.h promises valid UTF-8 and fuzz_feed checks it. */
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "alert.h"
#include "match.h"

static const struct {
	const char *name;
	const char *text;
} hostile[] = {
	{ "osc-title", "Hegseth \x1b]0;owned\x07 set the window title" },
	{ "csi-clear", "Rutte \x1b[2J\x1b[H cleared the screen" },
	{ "c1-csi", "Zelenskyy \xc2\x9b" "31m red via C1 CSI" },
	{ "cr-overwrite", "benign text\rHegseth resigns" },
	{ "newline-forge", "Hegseth\n[urgent] fake: forged alert line\n    https://evil.example" },
	{ "backspace", "Hegseth loses\b\b\b\b\bwins" },
	{ "del-nul-mix", "Rutte \x7f\x01\x02\x03\x04\x05\x06\x0b\x0c\x0e\x1f end" },
	{ "tab", "Hegseth\tin\ttabs" },
};

static gboolean
clean_for_terminal(const char *s, char **why)
{
	if (!g_utf8_validate(s, -1, NULL)) {
		*why = g_strdup("invalid UTF-8");
		return FALSE;
	}
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '\n')
			continue;
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
			*why = g_strdup_printf("U+%04X at byte %ld", c, (long)(p - s));
			return FALSE;
		}
	}
	return TRUE;
}

static struct alert *
hostile_alert(const char *h)
{
	struct alert *a = alert_new();
	struct match *m = g_new0(struct match, 1);
	struct alert_source *src = g_new0(struct alert_source, 1);

	a->feed = g_strdup(h);
	a->title = g_strdup(h);
	a->link = g_strdup(h);
	a->id = g_strdup("id-1");
	a->published = 1770000000;
	a->priority = PRIORITY_HIGH;
	a->summary = g_strdup(h);
	a->follow_up = g_strdup(h);
	m->entry = g_strdup(h);
	m->list = g_strdup("people");
	m->term = g_strdup(h);
	m->field = g_strdup("title");
	m->snippet = g_strdup(h);
	g_ptr_array_add(a->matches, m);
	src->feed = g_strdup(h);
	src->title = g_strdup(h);
	src->link = g_strdup(h);
	g_ptr_array_add(a->sources, src);
	return a;
}

static void
test_text(gconstpointer data)
{
	const char *h = data;
	struct alert *a = hostile_alert(h);
	char *t = alert_to_text(a), *why = NULL;
	char **lines;

	if (!clean_for_terminal(t, &why))
		g_test_message("alert_to_text kept %s in:\n%s", why, t);
	g_assert_true(clean_for_terminal(t, &why));
	/* title, link, follow-up, one match, one source: five lines, each its own */
	lines = g_strsplit(t, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 6);
	g_assert_cmpstr(lines[5], ==, "");
	g_assert_true(g_str_has_prefix(lines[0], "[high] "));
	for (int i = 1; i < 5; i++)
		g_assert_true(g_str_has_prefix(lines[i], "    "));
	g_strfreev(lines);
	g_free(t);
	alert_free(a);
}

static void
test_json(gconstpointer data)
{
	const char *h = data;
	struct alert *a = hostile_alert(h), *back;
	json_t *j = alert_to_json(a);
	char *s = json_dumps(j, JSON_COMPACT);
	json_t *parsed;

	g_assert_nonnull(s);
	g_assert_null(strchr(s, '\n'));          /* one line in jsonl */
	g_assert_null(strchr(s, '\r'));
	g_assert_null(strchr(s, '\x1b'));         /* escaped as \u001b */
	parsed = json_loads(s, 0, NULL);
	g_assert_nonnull(parsed);
	back = alert_from_json(parsed);
	g_assert_nonnull(back);
	g_assert_cmpstr(back->title, ==, h);      /* the data travels exactly */
	alert_free(back);
	json_decref(parsed);
	free(s);
	json_decref(j);
	alert_free(a);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(hostile); i++) {
		char *n1 = g_strdup_printf("/escaping/text/%s", hostile[i].name);
		char *n2 = g_strdup_printf("/escaping/json/%s", hostile[i].name);

		g_test_add_data_func(n1, hostile[i].text, test_text);
		g_test_add_data_func(n2, hostile[i].text, test_json);
		g_free(n1);
		g_free(n2);
	}
	return g_test_run();
}
