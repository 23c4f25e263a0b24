/* test_watchlist.c — loading: the shipped lists, the fixture forms, and
 * every error as file:line: message. */
#include <string.h>
#include "watchlist.h"

static char *
srcpath(const char *rel)
{
	const char *top = g_getenv("NEWSWATCH_SRCDIR");

	return g_build_filename(top ? top : ".", rel, NULL);
}

static void
test_shipped(void)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	char *dir = srcpath("watchlists");
	struct watchlists *wl = watchlists_load_dir(dir, errors, warnings);
	const char *const *lists;

	for (guint i = 0; i < errors->len; i++)
		g_test_message("%s", (char *)g_ptr_array_index(errors, i));
	for (guint i = 0; i < warnings->len; i++)
		g_test_message("%s", (char *)g_ptr_array_index(warnings, i));
	g_assert_nonnull(wl);
	g_assert_cmpuint(errors->len, ==, 0);
	g_assert_cmpuint(warnings->len, ==, 0);
	g_assert_cmpuint(watchlists_n_entries(wl), >=, 80);
	g_assert_cmpuint(watchlists_n_rules(wl), >=, 3);
	lists = watchlists_list_names(wl);
	g_assert_cmpstr(lists[0], ==, "aid");
	g_assert_cmpstr(lists[1], ==, "meetings");
	g_assert_cmpstr(lists[2], ==, "people");
	g_assert_null(lists[3]);
	watchlists_free(wl);
	g_free(dir);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
}

static void
test_forms(void)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	char *dir = srcpath("tests/fixtures/watchlists/forms");
	struct watchlists *wl = watchlists_load_dir(dir, errors, NULL);
	const struct wl_entry *e = NULL;

	g_assert_nonnull(wl);
	for (guint i = 0; i < watchlists_n_entries(wl); i++)
		if (strcmp(watchlists_entry(wl, i)->name, "Near context") == 0)
			e = watchlists_entry(wl, i);
	g_assert_nonnull(e);
	g_assert_cmpstr(e->list, ==, "forms");          /* [watchlist] name */
	g_assert_cmpint(e->priority, ==, PRIORITY_LOW); /* [watchlist] priority */
	g_assert_cmpint(e->context_window, ==, 3);
	g_assert_cmpstr(e->context[1], ==, "artillery");
	g_assert_cmpuint(e->fields, ==, WL_FIELD_ALL);
	e = watchlists_entry(wl, 1);
	g_assert_cmpstr(e->name, ==, "Exact only");
	g_assert_true(((struct wl_alias *)g_ptr_array_index(e->aliases, 0))->exact);
	e = watchlists_entry(wl, 2);
	g_assert_true(((struct wl_alias *)g_ptr_array_index(e->aliases, 0))->prefix);
	g_assert_cmpstr(((struct wl_alias *)g_ptr_array_index(e->aliases, 0))->text, ==, "Ramstein");
	e = watchlists_entry(wl, 3);
	g_assert_cmpuint(e->fields, ==, WL_FIELD_TITLE);
	g_assert_cmpuint(watchlists_n_rules(wl), ==, 3);
	g_assert_cmpint(watchlists_rule(wl, 0)->priority, ==, PRIORITY_HIGH);
	g_assert_cmpint(watchlists_rule(wl, 0)->expr->op, ==, WL_EXPR_AND);
	g_assert_cmpint(watchlists_rule(wl, 1)->expr->op, ==, WL_EXPR_NEAR);
	g_assert_cmpint(watchlists_rule(wl, 1)->expr->near, ==, 3);
	watchlists_free(wl);
	g_free(dir);
	g_ptr_array_unref(errors);
}

/* Each bad file, and the exact messages it must produce. */
static const struct {
	const char *file;
	const char *errors[6];
} bad[] = {
	{ "unknown-key.watch", {
		"unknown-key.watch:4: unknown key 'alias' in entry [Someone] (known: name, aliases, exact, exclude, not_in, context, context_window, priority, tags, fields, regex, alert)",
	} },
	{ "syntax.watch", {
		"syntax.watch:4: expected 'key = value', a [group] or a # comment",
		"syntax.watch:5: malformed group header (expected [name])",
	} },
	{ "values.watch", {
		"values.watch:3: priority 'extreme' is not one of low, normal, high, urgent",
		"values.watch:4: unknown field 'body' (known: title, summary, content, categories, author)",
		"values.watch:8: context_window without context",
		"values.watch:11: regex '(unclosed': ",
		"values.watch:14: alias '---' has no letters or digits to match",
	} },
	{ "dupes.watch", {
		"dupes.watch:3: duplicate key 'aliases' in [A] (first at line 2)",
		"dupes.watch:5: duplicate group [A] (first at line 1)",
	} },
	{ "rules.watch", {
		"rules.watch:8: rule 'Syntax': expression ends where a term was expected",
		"rules.watch:14: rule 'Near bad': NEAR joins terms or (A OR B) groups, not AND/NOT expressions",
	} },
	{ "outside.watch", {
		"outside.watch:1: key outside any [group]",
	} },
};

static void
test_bad(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
		char *rel = g_build_filename("tests/fixtures/watchlists/bad", bad[i].file, NULL);
		char *path = srcpath(rel);
		char *dir = g_path_get_dirname(path);
		struct watchlists *wl = watchlists_load_file(path, errors, NULL);
		guint n = 0;

		g_assert_null(wl);
		for (; n < G_N_ELEMENTS(bad[i].errors) && bad[i].errors[n]; n++) {
			char *want = g_build_filename(dir, bad[i].errors[n], NULL);
			gboolean found = FALSE;
			for (guint j = 0; j < errors->len; j++)
				found |= g_str_has_prefix(g_ptr_array_index(errors, j), want);
			if (!found) {
				for (guint j = 0; j < errors->len; j++)
					g_test_message("got: %s", (char *)g_ptr_array_index(errors, j));
				g_test_message("missing: %s", want);
			}
			g_assert_true(found);
			g_free(want);
		}
		g_assert_cmpuint(errors->len, ==, n);
		g_free(dir);
		g_free(path);
		g_free(rel);
		g_ptr_array_unref(errors);
	}
}

/* Unresolved names and unsatisfiable rules are found after every file is read. */
static void
test_rule_references(void)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct watchlists *wl = watchlists_load_data(
		"[Known]\naliases = Known\n\n[rule Missing]\nmatch = Known AND Nobody\n\n"
		"[rule Only not]\nmatch = NOT Known\n", "r.watch", errors, NULL);

	g_assert_null(wl);
	g_assert_cmpuint(errors->len, ==, 2);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(errors, 0),
	                               "r.watch:4: rule 'Missing': no entry named 'Nobody'"));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(errors, 1),
	                               "r.watch:7: rule 'Only not' would match items that contain none"));
	g_ptr_array_unref(errors);
}

static void
test_duplicate_alias_warning(void)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	char *dir = srcpath("tests/fixtures/watchlists/dup");
	struct watchlists *wl = watchlists_load_dir(dir, errors, warnings);
	char *want = g_build_filename(dir, "b.watch:2: alias 'Shared  name' of [Two] is also "
	                              "an alias of [One]", NULL);

	g_assert_nonnull(wl);                       /* a warning, not an error */
	g_assert_cmpuint(warnings->len, ==, 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(warnings, 0), want));
	watchlists_free(wl);
	g_free(want);
	g_free(dir);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
}

static void
test_missing_dir(void)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);

	g_assert_null(watchlists_load_dir("/nonexistent/watchlists", errors, NULL));
	g_assert_cmpuint(errors->len, ==, 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(errors, 0), "/nonexistent/watchlists:0: "));
	g_ptr_array_unref(errors);
}

static void
test_priority(void)
{
	enum priority p;

	g_assert_cmpint(priority_parse("urgent", &p), ==, 0);
	g_assert_cmpint(p, ==, PRIORITY_URGENT);
	g_assert_cmpint(priority_parse("HIGH", &p), ==, 0);
	g_assert_cmpint(p, ==, PRIORITY_HIGH);
	g_assert_cmpint(priority_parse("extreme", &p), ==, -1);
	g_assert_cmpstr(priority_name(PRIORITY_LOW), ==, "low");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/watchlist/shipped", test_shipped);
	g_test_add_func("/watchlist/forms", test_forms);
	g_test_add_func("/watchlist/bad", test_bad);
	g_test_add_func("/watchlist/rule-references", test_rule_references);
	g_test_add_func("/watchlist/duplicate-alias", test_duplicate_alias_warning);
	g_test_add_func("/watchlist/missing-dir", test_missing_dir);
	g_test_add_func("/watchlist/priority", test_priority);
	return g_test_run();
}
