/* watchlist.c — *.watch key files → entries and rules.
 * GKeyFile does the parsing; a line scan of our own finds the line of every
 * group and key (GKeyFile keeps none) and catches what GKeyFile would let
 * pass silently (duplicate groups and keys). Every problem is collected as
 * "file:line: message"; none stops the others from being found. */
#include <string.h>
#include <errno.h>
#include "watchlist.h"
#include "fold.h"

struct watchlists {
	GPtrArray *entries;      /* of struct wl_entry * */
	GPtrArray *rules;        /* of struct wl_rule * */
	GPtrArray *pool;         /* owned strings: list names, file paths */
	GPtrArray *list_names;   /* borrowed from pool, NULL-terminated */
};

/* Line numbers of groups and keys of one file. */
struct lines {
	GHashTable *groups;      /* group -> line */
	GHashTable *keys;        /* "group\nkey" -> line */
};

struct load {
	struct watchlists *wl;
	const char *path;        /* pooled */
	const char *list;        /* pooled */
	enum priority priority;  /* [watchlist] default */
	guint fields;            /* [watchlist] default */
	struct lines lines;
	GPtrArray *errors;
	GPtrArray *warnings;
	guint n_errors;
};

static const char *const priority_names[] = { "low", "normal", "high", "urgent" };
static const char *const field_names[WL_N_FIELDS] = {
	"title", "summary", "content", "categories", "author",
};

/* Keys each kind of group accepts: a table, so "unknown key" is one lookup. */
static const char *const entry_keys[] = {
	"name", "aliases", "exact", "exclude", "not_in", "context", "context_window",
	"priority", "tags", "fields", "regex", "alert", NULL,
};
static const char *const rule_keys[] = { "match", "priority", "tags", "fields", NULL };
static const char *const list_keys[] = { "name", "priority", "fields", NULL };

#define LIST_GROUP "watchlist"
#define RULE_PREFIX "rule "
#define NEAR_DEFAULT 10
#define CONTEXT_WINDOW_DEFAULT 10

const char *
priority_name(enum priority p)
{
	if ((unsigned)p >= G_N_ELEMENTS(priority_names))
		return "normal";
	return priority_names[p];
}

int
priority_parse(const char *s, enum priority *out)
{
	for (guint i = 0; i < G_N_ELEMENTS(priority_names); i++) {
		if (s && g_ascii_strcasecmp(s, priority_names[i]) == 0) {
			*out = (enum priority)i;
			return 0;
		}
	}
	return -1;
}

const char *
wl_field_name(int index)
{
	if (index < 0 || index >= WL_N_FIELDS)
		return "?";
	return field_names[index];
}

/* --- messages -------------------------------------------------------- */

static void G_GNUC_PRINTF(3, 4)
load_error(struct load *ld, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(ld->errors, g_strdup_printf("%s:%d: %s", ld->path, line, msg));
	g_free(msg);
	ld->n_errors++;
}

static void G_GNUC_PRINTF(3, 4)
load_warning(struct load *ld, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (ld->warnings == NULL)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(ld->warnings, g_strdup_printf("%s:%d: %s", ld->path, line, msg));
	g_free(msg);
}

static int
group_line(struct load *ld, const char *group)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(ld->lines.groups, group));
}

static int
key_line(struct load *ld, const char *group, const char *key)
{
	char *k = g_strconcat(group, "\n", key, NULL);
	int line = GPOINTER_TO_INT(g_hash_table_lookup(ld->lines.keys, k));

	g_free(k);
	return line ? line : group_line(ld, group);
}

/* --- the line scan --------------------------------------------------- */

static void
lines_init(struct lines *l)
{
	l->groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	l->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static void
lines_clear(struct lines *l)
{
	if (l->groups)
		g_hash_table_destroy(l->groups);
	if (l->keys)
		g_hash_table_destroy(l->keys);
}

/* Records where every group and key is, and reports the lines GKeyFile would
 * reject (without a line number) or accept silently (duplicates). */
static void
scan_lines(struct load *ld, const char *data)
{
	char **lines = g_strsplit(data, "\n", -1);
	char *group = NULL;
	gboolean skip = FALSE;  /* inside a group already reported as bad */

	for (int i = 0; lines[i]; i++) {
		int ln = i + 1;
		char *s = g_strstrip(lines[i]);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			char *end = strrchr(s, ']');
			skip = TRUE;
			if (end == NULL || end[1] != '\0') {
				load_error(ld, ln, "malformed group header (expected [name])");
				continue;
			}
			g_free(group);
			group = g_strndup(s + 1, (gsize)(end - s - 1));
			if (*group == '\0') {
				load_error(ld, ln, "empty group name");
				continue;
			}
			int prev = GPOINTER_TO_INT(g_hash_table_lookup(ld->lines.groups, group));
			if (prev) {
				load_error(ld, ln, "duplicate group [%s] (first at line %d)", group, prev);
				continue;
			}
			g_hash_table_insert(ld->lines.groups, g_strdup(group), GINT_TO_POINTER(ln));
			skip = FALSE;
			continue;
		}
		if (skip)
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			load_error(ld, ln, "expected 'key = value', a [group] or a # comment");
			continue;
		}
		if (group == NULL) {
			load_error(ld, ln, "key outside any [group]");
			continue;
		}
		char *key = g_strstrip(g_strndup(s, (gsize)(eq - s)));
		if (*key == '\0') {
			load_error(ld, ln, "missing key name before '='");
			g_free(key);
			continue;
		}
		char *k = g_strconcat(group, "\n", key, NULL);
		int prev = GPOINTER_TO_INT(g_hash_table_lookup(ld->lines.keys, k));
		if (prev) {
			load_error(ld, ln, "duplicate key '%s' in [%s] (first at line %d)", key, group, prev);
			g_free(k);
		} else {
			g_hash_table_insert(ld->lines.keys, k, GINT_TO_POINTER(ln));
		}
		g_free(key);
	}
	g_free(group);
	g_strfreev(lines);
}

/* --- values ---------------------------------------------------------- */

/* A string list with items trimmed and empty items dropped; never NULL. */
static int key_line(struct load *ld, const char *group, const char *key);

static char **
get_list(struct load *ld, GKeyFile *kf, const char *group, const char *key)
{
	GError *err = NULL;
	char **raw = g_key_file_get_string_list(kf, group, key, NULL, &err);
	GPtrArray *out = g_ptr_array_new();

	if (err) {
		if (!g_error_matches(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
			load_error(ld, key_line(ld, group, key), "%s: %s", key, err->message);
		g_error_free(err);
	}

	for (int i = 0; raw && raw[i]; i++) {
		char *s = g_strstrip(raw[i]);
		if (*s)
			g_ptr_array_add(out, g_strdup(s));
	}
	g_strfreev(raw);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean
in_table(const char *const *table, const char *key)
{
	for (int i = 0; table[i]; i++)
		if (strcmp(table[i], key) == 0)
			return TRUE;
	return FALSE;
}

static void
check_keys(struct load *ld, GKeyFile *kf, const char *group, const char *const *allowed,
           const char *what)
{
	char **keys = g_key_file_get_keys(kf, group, NULL, NULL);

	for (int i = 0; keys && keys[i]; i++) {
		if (in_table(allowed, keys[i]))
			continue;
		GString *known = g_string_new(NULL);
		for (int j = 0; allowed[j]; j++)
			g_string_append_printf(known, "%s%s", j ? ", " : "", allowed[j]);
		load_error(ld, key_line(ld, group, keys[i]), "unknown key '%s' in %s [%s] (known: %s)",
		           keys[i], what, group, known->str);
		g_string_free(known, TRUE);
	}
	g_strfreev(keys);
}

static void
get_priority(struct load *ld, GKeyFile *kf, const char *group, enum priority *out)
{
	char *v = g_key_file_get_string(kf, group, "priority", NULL);

	if (v == NULL)
		return;
	g_strstrip(v);
	if (priority_parse(v, out) < 0)
		load_error(ld, key_line(ld, group, "priority"),
		           "priority '%s' is not one of low, normal, high, urgent", v);
	g_free(v);
}

static void
get_fields(struct load *ld, GKeyFile *kf, const char *group, guint *out)
{
	char **v;
	guint bits = 0;

	if (!g_key_file_has_key(kf, group, "fields", NULL))
		return;
	v = get_list(ld, kf, group, "fields");
	for (int i = 0; v[i]; i++) {
		int j;
		for (j = 0; j < WL_N_FIELDS; j++)
			if (g_ascii_strcasecmp(v[i], field_names[j]) == 0)
				break;
		if (j == WL_N_FIELDS)
			load_error(ld, key_line(ld, group, "fields"),
			           "unknown field '%s' (known: title, summary, content, categories, author)", v[i]);
		else
			bits |= 1u << j;
	}
	if (bits == 0 && v[0] == NULL)
		load_error(ld, key_line(ld, group, "fields"), "fields is empty");
	if (bits)
		*out = bits;
	g_strfreev(v);
}

/* A phrase must contain something a word boundary can hold on to. */
static gboolean
phrase_ok(const char *s)
{
	char *f = fold_string(s);
	gboolean ok = FALSE;

	for (const char *p = f; *p; p = g_utf8_next_char(p))
		if (fold_is_word_char(g_utf8_get_char(p)))
			ok = TRUE;
	g_free(f);
	return ok;
}

static void
check_phrases(struct load *ld, const char *group, const char *key, char **v)
{
	for (int i = 0; v[i]; i++)
		if (!phrase_ok(v[i]))
			load_error(ld, key_line(ld, group, key),
			           "%s '%s' has no letters or digits to match", key, v[i]);
}

/* --- entries --------------------------------------------------------- */

static void
entry_free(struct wl_entry *e)
{
	if (e == NULL)
		return;
	g_free(e->id);
	g_free(e->name);
	g_strfreev(e->tags);
	g_ptr_array_unref(e->aliases);
	g_strfreev(e->exclude);
	g_strfreev(e->not_in);
	g_strfreev(e->context);
	g_ptr_array_unref(e->regex);
	g_free(e);
}

static void
alias_free(struct wl_alias *a)
{
	if (a == NULL)
		return;
	g_free(a->text);
	g_free(a);
}

static void
add_aliases(struct load *ld, GKeyFile *kf, const char *group, const char *key,
            gboolean exact, struct wl_entry *e)
{
	char **v = get_list(ld, kf, group, key);
	int line = key_line(ld, group, key);

	for (int i = 0; v[i]; i++) {
		struct wl_alias *a = g_new0(struct wl_alias, 1);
		gsize n = strlen(v[i]);
		if (n > 1 && v[i][n - 1] == '*') {
			a->prefix = TRUE;
			v[i][--n] = '\0';
			g_strchomp(v[i]);
		}
		a->text = g_strdup(v[i]);
		a->exact = exact;
		a->line = line;
		if (!phrase_ok(a->text)) {
			load_error(ld, line, "alias '%s' has no letters or digits to match", a->text);
			alias_free(a);
			continue;
		}
		g_ptr_array_add(e->aliases, a);
	}
	g_strfreev(v);
}

/* A not_in phrase that contains no alias can never cancel a hit: a typo. */
static void
check_not_in(struct load *ld, const char *group, const struct wl_entry *e)
{
	for (int i = 0; e->not_in[i]; i++) {
		char *p = fold_string(e->not_in[i]);
		gboolean found = FALSE;
		for (guint j = 0; j < e->aliases->len && !found; j++) {
			const struct wl_alias *a = g_ptr_array_index(e->aliases, j);
			char *fa = fold_string(a->text);
			found = strstr(p, fa) != NULL;
			g_free(fa);
		}
		if (!found && e->aliases->len)
			load_warning(ld, key_line(ld, group, "not_in"),
			             "not_in '%s' contains none of the aliases of [%s]; it never applies",
			             e->not_in[i], e->name);
		g_free(p);
	}
}

static void
load_entry(struct load *ld, GKeyFile *kf, const char *group)
{
	struct wl_entry *e = g_new0(struct wl_entry, 1);
	guint errors_before = ld->n_errors;
	GError *err = NULL;

	e->id = g_strdup(group);
	e->name = g_key_file_get_string(kf, group, "name", NULL);
	if (e->name)
		g_strstrip(e->name);
	if (e->name == NULL || *e->name == '\0') {
		g_free(e->name);
		e->name = g_strdup(group);
	}
	e->list = ld->list;
	e->file = ld->path;
	e->line = group_line(ld, group);
	e->priority = ld->priority;
	e->fields = ld->fields;
	e->alert = TRUE;
	e->aliases = g_ptr_array_new_with_free_func((GDestroyNotify)alias_free);
	e->regex = g_ptr_array_new_with_free_func((GDestroyNotify)g_regex_unref);

	check_keys(ld, kf, group, entry_keys, "entry");
	add_aliases(ld, kf, group, "aliases", FALSE, e);
	add_aliases(ld, kf, group, "exact", TRUE, e);
	e->exclude = get_list(ld, kf, group, "exclude");
	e->not_in = get_list(ld, kf, group, "not_in");
	e->context = get_list(ld, kf, group, "context");
	e->tags = get_list(ld, kf, group, "tags");
	check_phrases(ld, group, "exclude", e->exclude);
	check_phrases(ld, group, "not_in", e->not_in);
	check_phrases(ld, group, "context", e->context);
	get_priority(ld, kf, group, &e->priority);
	get_fields(ld, kf, group, &e->fields);

	e->context_window = CONTEXT_WINDOW_DEFAULT;
	if (g_key_file_has_key(kf, group, "context_window", NULL)) {
		char *v = g_strstrip(g_key_file_get_value(kf, group, "context_window", NULL));
		char *end = NULL;
		gint64 n = g_ascii_strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0 || n > 1000)
			load_error(ld, key_line(ld, group, "context_window"),
			           "context_window '%s' is not a number of words from 0 to 1000", v);
		else
			e->context_window = (int)n;
		if (e->context[0] == NULL)
			load_error(ld, key_line(ld, group, "context_window"),
			           "context_window without context");
		g_free(v);
	}
	if (g_key_file_has_key(kf, group, "alert", NULL)) {
		e->alert = g_key_file_get_boolean(kf, group, "alert", &err);
		if (err) {
			load_error(ld, key_line(ld, group, "alert"), "alert must be true or false");
			g_clear_error(&err);
		}
	}

	/* One pattern, read raw: key-file escapes would eat \b and \d. */
	char *rx = g_key_file_get_value(kf, group, "regex", NULL);
	if (rx && *g_strstrip(rx)) {
		/* No G_REGEX_OPTIMIZE: its JIT is refused under the unit's
		 * MemoryDenyWriteExecute anyway, and regexes are the rare slow path. */
		GRegex *re = g_regex_new(rx, G_REGEX_CASELESS, 0, &err);
		if (re == NULL) {
			load_error(ld, key_line(ld, group, "regex"), "regex '%s': %s", rx, err->message);
			g_clear_error(&err);
		} else {
			g_ptr_array_add(e->regex, re);
		}
	}
	g_free(rx);

	/* An entry without any alias is matched by its own name. */
	if (e->aliases->len == 0 && e->regex->len == 0 &&
	    !g_key_file_has_key(kf, group, "aliases", NULL) &&
	    !g_key_file_has_key(kf, group, "exact", NULL)) {
		struct wl_alias *a = g_new0(struct wl_alias, 1);
		a->text = g_strdup(group);
		a->line = e->line;
		if (phrase_ok(a->text)) {
			g_ptr_array_add(e->aliases, a);
		} else {
			alias_free(a);
		}
	}
	if (e->aliases->len == 0 && e->regex->len == 0 && ld->n_errors == errors_before)
		load_error(ld, e->line, "entry [%s] has no aliases, exact aliases or regex", group);

	if (ld->n_errors != errors_before) {
		entry_free(e);
		return;
	}
	check_not_in(ld, group, e);
	g_ptr_array_add(ld->wl->entries, e);
}

/* --- rules ----------------------------------------------------------- */

static void
expr_free(struct wl_expr *x)
{
	if (x == NULL)
		return;
	expr_free(x->a);
	expr_free(x->b);
	g_free(x->phrase);
	g_free(x);
}

static void
rule_free(struct wl_rule *r)
{
	if (r == NULL)
		return;
	g_free(r->name);
	g_strfreev(r->tags);
	g_free(r->match_src);
	expr_free(r->expr);
	g_free(r);
}

enum tok_kind { T_END, T_LPAREN, T_RPAREN, T_AND, T_OR, T_NOT, T_NEAR, T_QUOTED, T_WORDS, T_BAD };

struct parser {
	const char *p;
	enum tok_kind kind;
	char *text;        /* T_QUOTED, T_WORDS */
	int near;
	char *error;       /* first error */
};

static gboolean
is_operator_word(const char *w, gsize n, enum tok_kind *kind, int *near)
{
	if (n == 3 && strncmp(w, "AND", 3) == 0) { *kind = T_AND; return TRUE; }
	if (n == 2 && strncmp(w, "OR", 2) == 0) { *kind = T_OR; return TRUE; }
	if (n == 3 && strncmp(w, "NOT", 3) == 0) { *kind = T_NOT; return TRUE; }
	if (n >= 4 && strncmp(w, "NEAR", 4) == 0) {
		*kind = T_NEAR;
		*near = NEAR_DEFAULT;
		if (n == 4)
			return TRUE;
		if (w[4] != '/' || n == 5) {
			*kind = T_BAD;
			return TRUE;
		}
		int v = 0;
		for (gsize i = 5; i < n; i++) {
			if (!g_ascii_isdigit(w[i]) || v > 10000) {
				*kind = T_BAD;
				return TRUE;
			}
			v = v * 10 + (w[i] - '0');
		}
		*near = v;
		return TRUE;
	}
	return FALSE;
}

static gsize
word_len(const char *p)
{
	gsize n = 0;

	while (p[n] && !g_ascii_isspace(p[n]) && p[n] != '(' && p[n] != ')' && p[n] != '"')
		n++;
	return n;
}

static void
next_token(struct parser *ps)
{
	g_clear_pointer(&ps->text, g_free);
	while (g_ascii_isspace(*ps->p))
		ps->p++;
	switch (*ps->p) {
	case '\0': ps->kind = T_END; return;
	case '(': ps->kind = T_LPAREN; ps->p++; return;
	case ')': ps->kind = T_RPAREN; ps->p++; return;
	case '"': {
		const char *end = strchr(ps->p + 1, '"');
		if (end == NULL) {
			ps->kind = T_BAD;
			if (!ps->error)
				ps->error = g_strdup("unterminated quoted phrase");
			return;
		}
		ps->text = g_strndup(ps->p + 1, (gsize)(end - ps->p - 1));
		ps->kind = T_QUOTED;
		ps->p = end + 1;
		return;
	}
	}
	gsize n = word_len(ps->p);
	if (is_operator_word(ps->p, n, &ps->kind, &ps->near)) {
		if (ps->kind == T_BAD && !ps->error)
			ps->error = g_strdup_printf("malformed '%.*s' (write NEAR/n, n a number of words)",
			                            (int)n, ps->p);
		ps->p += n;
		return;
	}
	/* Consecutive plain words form one operand: Pete Hegseth AND ... */
	GString *words = g_string_new(NULL);
	for (;;) {
		enum tok_kind k;
		int nr;
		while (g_ascii_isspace(*ps->p))
			ps->p++;
		n = word_len(ps->p);
		if (n == 0 || is_operator_word(ps->p, n, &k, &nr))
			break;
		if (words->len)
			g_string_append_c(words, ' ');
		g_string_append_len(words, ps->p, (gssize)n);
		ps->p += n;
	}
	ps->kind = T_WORDS;
	ps->text = g_string_free(words, FALSE);
}

static struct wl_expr *parse_or(struct parser *ps);

static struct wl_expr *
new_expr(enum wl_expr_op op, struct wl_expr *a, struct wl_expr *b)
{
	struct wl_expr *x = g_new0(struct wl_expr, 1);

	x->op = op;
	x->a = a;
	x->b = b;
	x->entry = G_MAXUINT;
	return x;
}

static void
parse_fail(struct parser *ps, const char *msg)
{
	if (!ps->error)
		ps->error = g_strdup(msg);
}

static struct wl_expr *
parse_primary(struct parser *ps)
{
	struct wl_expr *x;

	switch (ps->kind) {
	case T_LPAREN:
		next_token(ps);
		x = parse_or(ps);
		if (ps->kind != T_RPAREN) {
			parse_fail(ps, "expected ')'");
			expr_free(x);
			return NULL;
		}
		next_token(ps);
		return x;
	case T_QUOTED:
	case T_WORDS:
		/* Entry names are resolved once every file is loaded. */
		x = new_expr(ps->kind == T_QUOTED ? WL_EXPR_PHRASE : WL_EXPR_ENTRY, NULL, NULL);
		x->phrase = ps->text;
		ps->text = NULL;
		if (*x->phrase == '\0' || !phrase_ok(x->phrase))
			parse_fail(ps, "empty term");
		next_token(ps);
		return x;
	case T_END:
		parse_fail(ps, "expression ends where a term was expected");
		return NULL;
	default:
		parse_fail(ps, "expected a term, '(' or NOT");
		return NULL;
	}
}

/* NEAR joins terms (or ORs of terms): it needs positions to compare. */
static gboolean
has_positions(const struct wl_expr *x)
{
	if (x == NULL)
		return FALSE;
	if (x->op == WL_EXPR_ENTRY || x->op == WL_EXPR_PHRASE)
		return TRUE;
	return x->op == WL_EXPR_OR && has_positions(x->a) && has_positions(x->b);
}

static struct wl_expr *
parse_near(struct parser *ps)
{
	struct wl_expr *x = parse_primary(ps);

	while (x && ps->kind == T_NEAR) {
		int n = ps->near;
		next_token(ps);
		struct wl_expr *y = parse_primary(ps);
		if (y == NULL) {
			expr_free(x);
			return NULL;
		}
		if (!has_positions(x) || !has_positions(y))
			parse_fail(ps, "NEAR joins terms or (A OR B) groups, not AND/NOT expressions");
		x = new_expr(WL_EXPR_NEAR, x, y);
		x->near = n;
	}
	return x;
}

static struct wl_expr *
parse_unary(struct parser *ps)
{
	if (ps->kind == T_NOT) {
		next_token(ps);
		struct wl_expr *a = parse_unary(ps);
		return a ? new_expr(WL_EXPR_NOT, a, NULL) : NULL;
	}
	return parse_near(ps);
}

static struct wl_expr *
parse_and(struct parser *ps)
{
	struct wl_expr *x = parse_unary(ps);

	while (x && ps->kind == T_AND) {
		next_token(ps);
		struct wl_expr *y = parse_unary(ps);
		if (y == NULL) {
			expr_free(x);
			return NULL;
		}
		x = new_expr(WL_EXPR_AND, x, y);
	}
	return x;
}

static struct wl_expr *
parse_or(struct parser *ps)
{
	struct wl_expr *x = parse_and(ps);

	while (x && ps->kind == T_OR) {
		next_token(ps);
		struct wl_expr *y = parse_and(ps);
		if (y == NULL) {
			expr_free(x);
			return NULL;
		}
		x = new_expr(WL_EXPR_OR, x, y);
	}
	return x;
}

/* Parses a rule expression; NULL with *error set (caller frees). */
static struct wl_expr *
expr_parse(const char *src, char **error)
{
	struct parser ps = { src, T_END, NULL, 0, NULL };
	struct wl_expr *x;

	next_token(&ps);
	x = parse_or(&ps);
	if (x && ps.kind != T_END && !ps.error)
		ps.error = g_strdup(ps.kind == T_RPAREN ? "unbalanced ')'" :
		                    "expected AND, OR or NEAR/n between terms");
	g_free(ps.text);
	if (ps.error) {
		expr_free(x);
		*error = ps.error;
		return NULL;
	}
	return x;
}

static void
load_rule(struct load *ld, GKeyFile *kf, const char *group)
{
	struct wl_rule *r = g_new0(struct wl_rule, 1);
	guint errors_before = ld->n_errors;

	r->name = g_strstrip(g_strdup(group + strlen(RULE_PREFIX)));
	r->list = ld->list;
	r->file = ld->path;
	r->line = group_line(ld, group);
	r->priority = ld->priority;
	r->fields = ld->fields;
	if (*r->name == '\0')
		load_error(ld, r->line, "rule without a name (write [rule NAME])");
	check_keys(ld, kf, group, rule_keys, "rule");
	r->tags = get_list(ld, kf, group, "tags");
	get_priority(ld, kf, group, &r->priority);
	get_fields(ld, kf, group, &r->fields);
	r->match_src = g_key_file_get_string(kf, group, "match", NULL);
	if (r->match_src == NULL) {
		load_error(ld, r->line, "rule '%s' has no 'match = EXPRESSION'", r->name);
	} else {
		char *err = NULL;
		g_strstrip(r->match_src);
		r->expr = expr_parse(r->match_src, &err);
		if (r->expr == NULL) {
			load_error(ld, key_line(ld, group, "match"), "rule '%s': %s", r->name, err);
			g_free(err);
		}
	}
	if (ld->n_errors != errors_before) {
		rule_free(r);
		return;
	}
	g_ptr_array_add(ld->wl->rules, r);
}

/* --- files ----------------------------------------------------------- */

static const char *
pool_add(struct watchlists *wl, char *s)
{
	g_ptr_array_add(wl->pool, s);
	return s;
}

static struct watchlists *
watchlists_new(void)
{
	struct watchlists *wl = g_new0(struct watchlists, 1);

	wl->entries = g_ptr_array_new_with_free_func((GDestroyNotify)entry_free);
	wl->rules = g_ptr_array_new_with_free_func((GDestroyNotify)rule_free);
	wl->pool = g_ptr_array_new_with_free_func(g_free);
	wl->list_names = g_ptr_array_new();
	g_ptr_array_add(wl->list_names, NULL);
	return wl;
}

void
watchlists_free(struct watchlists *wl)
{
	if (wl == NULL)
		return;
	g_ptr_array_unref(wl->entries);
	g_ptr_array_unref(wl->rules);
	g_ptr_array_unref(wl->list_names);
	g_ptr_array_unref(wl->pool);
	g_free(wl);
}

static void
add_list_name(struct watchlists *wl, const char *name)
{
	for (guint i = 0; i + 1 < wl->list_names->len; i++)
		if (strcmp(g_ptr_array_index(wl->list_names, i), name) == 0)
			return;
	g_ptr_array_insert(wl->list_names, (gint)wl->list_names->len - 1, (gpointer)name);
}

static char *
default_list_name(const char *path)
{
	char *base = g_path_get_basename(path);

	if (g_str_has_suffix(base, ".watch"))
		base[strlen(base) - strlen(".watch")] = '\0';
	return base;
}

/* Parses one file's text into wl; returns the number of errors found. */
static guint
load_data(struct watchlists *wl, const char *data, gsize len, const char *path,
          GPtrArray *errors, GPtrArray *warnings)
{
	struct load ld = { 0 };
	GKeyFile *kf = NULL;
	GError *err = NULL;
	const char *bad;

	ld.wl = wl;
	ld.path = pool_add(wl, g_strdup(path));
	ld.priority = PRIORITY_NORMAL;
	ld.fields = WL_FIELD_ALL;
	ld.errors = errors;
	ld.warnings = warnings;
	lines_init(&ld.lines);

	if (!g_utf8_validate(data, (gssize)len, &bad)) {
		int line = 1;
		for (const char *p = data; p < bad; p++)
			line += *p == '\n';
		load_error(&ld, line, "not valid UTF-8");
		goto out;
	}
	scan_lines(&ld, data);
	if (ld.n_errors)
		goto out;
	kf = g_key_file_new();
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &err)) {
		load_error(&ld, 1, "%s", err->message);
		g_clear_error(&err);
		goto out;
	}

	char *list = NULL;
	if (g_key_file_has_group(kf, LIST_GROUP)) {
		check_keys(&ld, kf, LIST_GROUP, list_keys, "group");
		list = g_key_file_get_string(kf, LIST_GROUP, "name", NULL);
		if (list) {
			g_strstrip(list);
			if (*list == '\0') {
				load_error(&ld, key_line(&ld, LIST_GROUP, "name"), "empty list name");
				g_clear_pointer(&list, g_free);
			}
		}
		get_priority(&ld, kf, LIST_GROUP, &ld.priority);
		get_fields(&ld, kf, LIST_GROUP, &ld.fields);
	}
	ld.list = pool_add(wl, list ? list : default_list_name(path));
	add_list_name(wl, ld.list);

	char **groups = g_key_file_get_groups(kf, NULL);
	for (int i = 0; groups[i]; i++) {
		if (strcmp(groups[i], LIST_GROUP) == 0)
			continue;
		if (g_str_has_prefix(groups[i], RULE_PREFIX))
			load_rule(&ld, kf, groups[i]);
		else
			load_entry(&ld, kf, groups[i]);
	}
	g_strfreev(groups);
out:
	if (kf)
		g_key_file_free(kf);
	lines_clear(&ld.lines);
	return ld.n_errors;
}

static guint
load_path(struct watchlists *wl, const char *path, GPtrArray *errors, GPtrArray *warnings)
{
	char *data = NULL;
	gsize len = 0;
	GError *err = NULL;
	guint n;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		g_ptr_array_add(errors, g_strdup_printf("%s:0: cannot read: %s", path, err->message));
		g_error_free(err);
		return 1;
	}
	n = load_data(wl, data, len, path, errors, warnings);
	g_free(data);
	return n;
}

/* --- the whole set --------------------------------------------------- */

struct finish {
	struct watchlists *wl;
	GHashTable *by_id;       /* folded [group] name -> index + 1 */
	GHashTable *by_name;     /* folded display name -> index + 1, or G_MAXUINT when ambiguous */
	GHashTable *by_alias;    /* folded alias -> index + 1, or G_MAXUINT when ambiguous */
	GPtrArray *errors;
	guint n_errors;
};

static struct wl_expr *new_expr(enum wl_expr_op op, struct wl_expr *a, struct wl_expr *b);

/* Entries sharing a display name in one list are one thing to a rule:
 * the term becomes (e1 OR e2 ...). */
static void
resolve_shared_name(struct finish *f, struct wl_expr *x, guint idx)
{
	const struct wl_entry *e = g_ptr_array_index(f->wl->entries, idx);

	x->entry = idx;
	for (guint j = 0; j < f->wl->entries->len; j++) {
		const struct wl_entry *o = g_ptr_array_index(f->wl->entries, j);
		if (j == idx || strcmp(o->name, e->name) != 0 || strcmp(o->list, e->list) != 0)
			continue;
		struct wl_expr *a = new_expr(WL_EXPR_ENTRY, NULL, NULL);
		struct wl_expr *b = new_expr(WL_EXPR_ENTRY, NULL, NULL);
		a->entry = x->entry;
		a->a = x->a;
		a->b = x->b;
		a->op = x->op;
		a->phrase = x->phrase;
		b->entry = j;
		b->phrase = g_strdup(x->phrase);
		x->op = WL_EXPR_OR;
		x->a = a;
		x->b = b;
		x->phrase = NULL;
	}
}

static void
resolve(struct finish *f, const struct wl_rule *r, struct wl_expr *x)
{
	if (x == NULL)
		return;
	resolve(f, r, x->a);
	resolve(f, r, x->b);
	if (x->op != WL_EXPR_ENTRY)
		return;
	char *key = fold_string(x->phrase);
	guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(f->by_id, key));
	if (idx == 0)
		idx = GPOINTER_TO_UINT(g_hash_table_lookup(f->by_name, key));
	if (idx == 0)
		idx = GPOINTER_TO_UINT(g_hash_table_lookup(f->by_alias, key));
	if (idx == 0) {
		g_ptr_array_add(f->errors, g_strdup_printf(
			"%s:%d: rule '%s': no entry named '%s' (name an entry or one of its aliases, "
			"or quote a phrase: \"%s\")", r->file, r->line, r->name, x->phrase, x->phrase));
		f->n_errors++;
	} else if (idx == G_MAXUINT) {
		g_ptr_array_add(f->errors, g_strdup_printf(
			"%s:%d: rule '%s': '%s' names several entries; use the [group] name "
			"(or list/name)", r->file, r->line, r->name, x->phrase));
		f->n_errors++;
	} else {
		resolve_shared_name(f, x, idx - 1);
	}
	g_free(key);
}

/* Value of the expression when none of its terms occurs. */
static gboolean
expr_eval_empty(const struct wl_expr *x)
{
	switch (x->op) {
	case WL_EXPR_ENTRY:
	case WL_EXPR_PHRASE:
	case WL_EXPR_NEAR:
		return FALSE;
	case WL_EXPR_AND:
		return expr_eval_empty(x->a) && expr_eval_empty(x->b);
	case WL_EXPR_OR:
		return expr_eval_empty(x->a) || expr_eval_empty(x->b);
	case WL_EXPR_NOT:
		return !expr_eval_empty(x->a);
	}
	return FALSE;
}

static void
index_put(GHashTable *h, char *key, guint idx)
{
	gpointer old = g_hash_table_lookup(h, key);

	if (old && GPOINTER_TO_UINT(old) != idx + 1)
		g_hash_table_insert(h, key, GUINT_TO_POINTER(G_MAXUINT));
	else
		g_hash_table_insert(h, key, GUINT_TO_POINTER(idx + 1));
}

/* Cross-file work: duplicate aliases (warnings), rule references (errors). */
static guint
finish(struct watchlists *wl, GPtrArray *errors, GPtrArray *warnings)
{
	struct finish f = { wl, NULL, NULL, NULL, errors, 0 };
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	f.by_id = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f.by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f.by_alias = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < wl->entries->len; i++) {
		const struct wl_entry *e = g_ptr_array_index(wl->entries, i);
		char *fid = fold_string(e->id);
		char *fname = fold_string(e->name);
		char *flist = fold_string(e->list);
		/* A name may be qualified by its list: meetings/MSC. */
		index_put(f.by_id, g_strconcat(flist, "/", fid, NULL), i);
		index_put(f.by_id, fid, i);
		gpointer prev = g_hash_table_lookup(f.by_name, fname);
		const struct wl_entry *pe = prev && GPOINTER_TO_UINT(prev) != G_MAXUINT ?
			g_ptr_array_index(wl->entries, GPOINTER_TO_UINT(prev) - 1) : NULL;
		if (pe && strcmp(pe->list, e->list) == 0)
			g_free(fname);          /* same thing, same list: the rule takes them all */
		else
			index_put(f.by_name, fname, i);
		g_free(flist);
		for (guint j = 0; j < e->aliases->len; j++) {
			const struct wl_alias *a = g_ptr_array_index(e->aliases, j);
			char *key = fold_string(a->text);
			index_put(f.by_alias, g_strdup(key), i);
			if (a->exact) {         /* "Patriot" and "PATRIOT" are different exact aliases */
				g_free(key);
				key = g_strconcat("=", a->text, NULL);
			}
			gpointer first = g_hash_table_lookup(seen, key);
			if (first && warnings) {
				const struct wl_entry *o = g_ptr_array_index(wl->entries, GPOINTER_TO_UINT(first) - 1);
				if (o == e)
					g_ptr_array_add(warnings, g_strdup_printf(
						"%s:%d: alias '%s' listed twice in [%s]",
						e->file, a->line, a->text, e->name));
				else
					g_ptr_array_add(warnings, g_strdup_printf(
						"%s:%d: alias '%s' of [%s] is also an alias of [%s] (%s:%d)",
						e->file, a->line, a->text, e->name, o->name, o->file, o->line));
				g_free(key);
			} else if (first) {
				g_free(key);
			} else {
				g_hash_table_insert(seen, key, GUINT_TO_POINTER(i + 1));
			}
		}
	}
	for (guint i = 0; i < wl->rules->len; i++) {
		struct wl_rule *r = g_ptr_array_index(wl->rules, i);
		resolve(&f, r, r->expr);
		if (expr_eval_empty(r->expr)) {
			g_ptr_array_add(errors, g_strdup_printf(
				"%s:%d: rule '%s' would match items that contain none of its terms "
				"(it needs at least one term that is not under NOT)", r->file, r->line, r->name));
			f.n_errors++;
		}
	}
	g_hash_table_destroy(seen);
	g_hash_table_destroy(f.by_id);
	g_hash_table_destroy(f.by_name);
	g_hash_table_destroy(f.by_alias);
	return f.n_errors;
}

struct watchlists *
watchlists_load_files(const char *const *paths, GPtrArray *errors, GPtrArray *warnings)
{
	struct watchlists *wl = watchlists_new();
	guint n = 0;

	for (int i = 0; paths[i]; i++)
		n += load_path(wl, paths[i], errors, warnings);
	if (n == 0)
		n += finish(wl, errors, warnings);
	if (n) {
		watchlists_free(wl);
		return NULL;
	}
	return wl;
}

struct watchlists *
watchlists_load_file(const char *path, GPtrArray *errors, GPtrArray *warnings)
{
	const char *paths[] = { path, NULL };

	return watchlists_load_files(paths, errors, warnings);
}

struct watchlists *
watchlists_load_data(const char *data, const char *path, GPtrArray *errors, GPtrArray *warnings)
{
	struct watchlists *wl = watchlists_new();
	guint n = load_data(wl, data, strlen(data), path, errors, warnings);

	if (n == 0)
		n = finish(wl, errors, warnings);
	if (n) {
		watchlists_free(wl);
		return NULL;
	}
	return wl;
}

static gint
compare_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct watchlists *
watchlists_load_dir(const char *dir, GPtrArray *errors, GPtrArray *warnings)
{
	GError *err = NULL;
	GDir *d = g_dir_open(dir, 0, &err);
	GPtrArray *paths;
	const char *name;
	struct watchlists *wl;

	if (d == NULL) {
		g_ptr_array_add(errors, g_strdup_printf("%s:0: cannot open watchlist folder: %s",
		                                        dir, err->message));
		g_error_free(err);
		return NULL;
	}
	paths = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, ".watch") && name[0] != '.')
			g_ptr_array_add(paths, g_build_filename(dir, name, NULL));
	g_dir_close(d);
	g_ptr_array_sort(paths, compare_str);
	if (paths->len == 0 && warnings)
		g_ptr_array_add(warnings, g_strdup_printf("%s:0: no *.watch files", dir));
	g_ptr_array_add(paths, NULL);
	wl = watchlists_load_files((const char *const *)paths->pdata, errors, warnings);
	g_ptr_array_unref(paths);
	return wl;
}

guint
watchlists_n_entries(const struct watchlists *wl)
{
	return wl ? wl->entries->len : 0;
}

guint
watchlists_n_rules(const struct watchlists *wl)
{
	return wl ? wl->rules->len : 0;
}

const struct wl_entry *
watchlists_entry(const struct watchlists *wl, guint i)
{
	return i < wl->entries->len ? g_ptr_array_index(wl->entries, i) : NULL;
}

const struct wl_rule *
watchlists_rule(const struct watchlists *wl, guint i)
{
	return i < wl->rules->len ? g_ptr_array_index(wl->rules, i) : NULL;
}

const char *const *
watchlists_list_names(const struct watchlists *wl)
{
	return (const char *const *)wl->list_names->pdata;
}
