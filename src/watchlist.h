/* watchlist.h — watchlists/NAME.watch → entries and rules.
 * The format is documented in watchlists/README.md. */
#ifndef NW_WATCHLIST_H
#define NW_WATCHLIST_H

#include <glib.h>

enum priority { PRIORITY_LOW = 0, PRIORITY_NORMAL, PRIORITY_HIGH, PRIORITY_URGENT };

const char *priority_name(enum priority p);             /* "low", ... */
int priority_parse(const char *s, enum priority *out);  /* 0 or -1 */

struct watchlists;   /* opaque: entries and rules of every loaded file */

/* Loads every *.watch file in dir (sorted by name). Every problem found is
 * appended to errors as "file:line: message" (char *, caller's array);
 * warnings (e.g. duplicate aliases) go to warnings (may be NULL).
 * Returns NULL when any error was found. */
struct watchlists *watchlists_load_dir(const char *dir, GPtrArray *errors, GPtrArray *warnings);
/* Same for one file. */
struct watchlists *watchlists_load_file(const char *path, GPtrArray *errors, GPtrArray *warnings);
void watchlists_free(struct watchlists *wl);            /* accepts NULL */
guint watchlists_n_entries(const struct watchlists *wl);
guint watchlists_n_rules(const struct watchlists *wl);

/* --- what the matcher reads (read-only views, owned by the watchlists) --- */

/* Item fields an entry looks at (bit set). */
enum wl_field {
	WL_FIELD_TITLE = 1 << 0,
	WL_FIELD_SUMMARY = 1 << 1,
	WL_FIELD_CONTENT = 1 << 2,
	WL_FIELD_CATEGORIES = 1 << 3,
	WL_FIELD_AUTHOR = 1 << 4,
	WL_FIELD_ALL = 0x1f,
};
#define WL_N_FIELDS 5
/* "title", "summary", ... for bit index 0..4. */
const char *wl_field_name(int index);

struct wl_alias {
	char *text;          /* as written, without a trailing '*' */
	gboolean exact;      /* case must match the original text */
	gboolean prefix;     /* written "Word*": may continue into a longer word */
	int line;
};

struct wl_entry {
	char *id;            /* [group] name, unique in its file */
	char *name;          /* display name: the name key, or the group name; several
	                        entries may share one (they then alert as one) */
	const char *list;    /* list name (file basename or [watchlist] name) */
	const char *file;    /* path, for messages */
	int line;            /* line of the [group] header */
	enum priority priority;
	char **tags;         /* NULL-terminated, never NULL */
	GPtrArray *aliases;  /* of struct wl_alias * (case-insensitive and exact) */
	char **exclude;      /* phrases that veto the entry for the whole item */
	char **not_in;       /* phrases that cancel only the hits inside them ("Patriot Act") */
	char **context;      /* one of these must occur near a hit; NULL-terminated, may be empty */
	int context_window;  /* in words; 0 = anywhere in the item */
	guint fields;        /* enum wl_field bits */
	GPtrArray *regex;    /* of GRegex * (slow path), may be empty */
	gboolean alert;      /* FALSE: only a building block for rules */
};

enum wl_expr_op { WL_EXPR_ENTRY, WL_EXPR_PHRASE, WL_EXPR_AND, WL_EXPR_OR, WL_EXPR_NOT, WL_EXPR_NEAR };

struct wl_expr {
	enum wl_expr_op op;
	struct wl_expr *a, *b;   /* operands (NOT: a only) */
	guint entry;             /* WL_EXPR_ENTRY: index into the entries */
	char *phrase;            /* WL_EXPR_PHRASE: a quoted phrase, matched like an alias */
	int near;                /* WL_EXPR_NEAR: at most this many words apart */
};

struct wl_rule {
	char *name;          /* from [rule NAME] */
	const char *list;
	const char *file;
	int line;
	enum priority priority;
	char **tags;
	char *match_src;     /* the expression as written */
	struct wl_expr *expr;
	guint fields;        /* fields the rule's phrases look at */
};

const struct wl_entry *watchlists_entry(const struct watchlists *wl, guint i);
const struct wl_rule *watchlists_rule(const struct watchlists *wl, guint i);
/* Distinct list names in load order (NULL-terminated, owned by wl). */
const char *const *watchlists_list_names(const struct watchlists *wl);

/* Loads several files as one set (rules may name entries of any file). */
struct watchlists *watchlists_load_files(const char *const *paths, GPtrArray *errors,
                                         GPtrArray *warnings);
/* Parses text as if it were the file named path (tests). */
struct watchlists *watchlists_load_data(const char *data, const char *path, GPtrArray *errors,
                                        GPtrArray *warnings);

#endif
