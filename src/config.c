/* config.c — newswatch.conf → struct config.
 *
 * The file is a GLib key file. Each section kind has a table of settings
 * (name, type, default, destination); the built-in default configuration is
 * text that goes through the same parser as a user's file. GKeyFile keeps no
 * line numbers, so messages find the line themselves (config_line). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "channel.h"
#include "config.h"

enum setting_type { SET_INT, SET_DURATION, SET_STRING, SET_PATH, SET_BOOL, SET_LOGLEVEL };

struct setting {
	const char *key;
	enum setting_type type;
	const char *def;       /* default as text; NULL = none */
	size_t offset;         /* into the destination struct */
	long min, max;         /* for numbers and durations (seconds) */
};

#define GEN(k, t, d, f, lo, hi) { k, t, d, offsetof(struct config, f), lo, hi }
static const struct setting general_settings[] = {
	GEN("state_dir",          SET_PATH,     NULL,     state_dir,          0, 0),
	GEN("watchlists",         SET_PATH,     NULL,     watchlist_dir,      0, 0),
	GEN("interval",           SET_DURATION, "15m",    interval_s,         1, 7 * 86400),
	GEN("min_interval",       SET_DURATION, "60s",    min_interval_s,     1, 86400),
	GEN("jitter",             SET_INT,      "10",     jitter_pct,         0, 50),
	GEN("max_connections",    SET_INT,      "16",     max_connections,    1, 1024),
	GEN("max_per_host",       SET_INT,      "2",      max_per_host,       1, 64),
	GEN("connect_timeout",    SET_DURATION, "15s",    connect_timeout_s,  1, 600),
	GEN("timeout",            SET_DURATION, "60s",    timeout_s,          1, 3600),
	GEN("max_body_kb",        SET_INT,      "8192",   max_body_kb,        16, 1024 * 1024),
	GEN("proxy",              SET_STRING,   NULL,     proxy,              0, 0),
	GEN("user_agent",         SET_STRING,   NULL,     user_agent,         0, 0),
	GEN("backfill_hours",     SET_INT,      "24",     backfill_hours,     0, 24 * 365),
	GEN("story_window_hours", SET_INT,      "48",     story_window_hours, 1, 24 * 30),
	GEN("realert_sources",    SET_INT,      "0",      realert_sources,    0, 100),
	GEN("retention_days",     SET_INT,      "90",     retention_days,     1, 3650),
	GEN("log_level",          SET_LOGLEVEL, "info",   log_level,          0, 2),
};
#undef GEN

#define FEED(k, t, d, f, lo, hi) { k, t, d, offsetof(struct feed_config, f), lo, hi }
static const struct setting feed_settings[] = {
	FEED("url",      SET_STRING,   NULL,   url,        0, 0),
	FEED("interval", SET_DURATION, "0",    interval_s, 0, 7 * 86400),
	FEED("enabled",  SET_BOOL,     "true", enabled,    0, 0),
};
#undef FEED

static const char *const log_levels[] = { "info", "verbose", "debug" };

/* $NEWSWATCH_DATADIR, else the installed DATADIR, else the source tree an
 * uninstalled build/newswatch was built in (so `build/newswatch once` works). */
const char *
config_datadir(void)
{
	static char *found;
	const char *d = g_getenv("NEWSWATCH_DATADIR");
	char *exe, *bindir, *top, *wl;

	if (d && *d)
		return d;
	if (found)
		return found;
	wl = g_build_filename(NEWSWATCH_DATADIR, "watchlists", NULL);
	if (g_file_test(wl, G_FILE_TEST_IS_DIR)) {
		g_free(wl);
		return found = g_strdup(NEWSWATCH_DATADIR);
	}
	g_free(wl);
	exe = g_file_read_link("/proc/self/exe", NULL);
	bindir = exe ? g_path_get_dirname(exe) : NULL;
	top = bindir ? g_canonicalize_filename("..", bindir) : NULL;
	wl = top ? g_build_filename(top, "watchlists", NULL) : NULL;
	if (wl && g_file_test(wl, G_FILE_TEST_IS_DIR))
		found = g_strdup(top);
	else
		found = g_strdup(NEWSWATCH_DATADIR);
	g_free(wl);
	g_free(top);
	g_free(bindir);
	g_free(exe);
	return found;
}

static int
cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The built-in default watches every bundled sample feed (file://, no
 * network), so a fresh install shows what newswatch does with no config. */
char *
config_builtin_text(void)
{
	GString *s = g_string_new("# newswatch built-in default: the bundled sample feeds.\n"
	                          "[general]\n"
	                          "# sample items are dated in the past: alert on them on the first poll\n"
	                          "backfill_hours = 0\n");
	char *dir = g_build_filename(config_datadir(), "examples", "feeds", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;

	while (d && (n = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(n, ".rss") || g_str_has_suffix(n, ".atom") ||
		    g_str_has_suffix(n, ".xml") || g_str_has_suffix(n, ".json"))
			g_ptr_array_add(names, g_strdup(n));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, cmp_strp);
	for (guint i = 0; i < names->len; i++) {
		const char *file = g_ptr_array_index(names, i);
		char *path = g_build_filename(dir, file, NULL);
		char *uri = g_filename_to_uri(path, NULL, NULL);
		char *feed = g_strndup(file, (gsize)(strrchr(file, '.') - file));

		g_string_append_printf(s, "\n[feed %s]\nurl = %s\n", feed, uri ? uri : path);
		g_free(feed);
		g_free(uri);
		g_free(path);
	}
	g_ptr_array_unref(names);
	g_free(dir);
	return g_string_free(s, FALSE);
}

gint64
config_parse_duration_ms(const char *s)
{
	/* "ms" before "m"; no unit means seconds */
	static const struct { const char *unit; gint64 mult; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
		{ "", 1000 },
	};
	char *end;
	gint64 v;

	if (s == NULL)
		return -1;
	while (g_ascii_isspace(*s))
		s++;
	if (!g_ascii_isdigit(*s))
		return -1;
	v = g_ascii_strtoll(s, &end, 10);
	if (v < 0 || v > G_GINT64_CONSTANT(1) << 40)
		return -1;
	while (g_ascii_isspace(*end))
		end++;
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		size_t l = strlen(units[i].unit);
		const char *r = end + l;

		if (g_ascii_strncasecmp(end, units[i].unit, l) != 0)
			continue;
		while (g_ascii_isspace(*r))
			r++;
		if (*r == '\0')
			return v <= G_MAXINT64 / units[i].mult ? v * units[i].mult : -1;
	}
	return -1;
}

long
config_parse_duration(const char *s)
{
	gint64 ms = config_parse_duration_ms(s);

	/* settings in seconds take whole seconds only, and must fit an int */
	if (ms < 0 || ms % 1000 != 0 || ms / 1000 > G_MAXINT)
		return -1;
	return (long)(ms / 1000);
}

/* --- line numbers ---------------------------------------------------------- */

struct config_text {
	const char *path;
	char **lines;
};

static int
text_line(char **lines, const char *group, const char *key)
{
	gboolean in_group = FALSE;

	for (int i = 0; lines[i] != NULL; i++) {
		const char *l = lines[i];

		while (g_ascii_isspace(*l))
			l++;
		if (*l == '[') {
			const char *close = strrchr(l, ']');

			in_group = close && (size_t)(close - l - 1) == strlen(group) &&
			           strncmp(l + 1, group, strlen(group)) == 0;
			if (in_group && key == NULL)
				return i + 1;
			continue;
		}
		if (in_group && key != NULL && g_str_has_prefix(l, key)) {
			const char *r = l + strlen(key);

			while (*r == ' ' || *r == '\t')
				r++;
			if (*r == '=' || *r == '[')
				return i + 1;
		}
	}
	return 0;
}

int
config_line(const struct config *c, const char *group, const char *key)
{
	char *data = NULL;
	char **lines;
	int line;

	if (c == NULL || c->path == NULL)
		return 0;
	if (strcmp(c->path, "(built-in)") == 0)
		data = config_builtin_text();
	else if (!g_file_get_contents(c->path, &data, NULL, NULL))
		return 0;
	lines = g_strsplit(data, "\n", -1);
	line = text_line(lines, group, key);
	g_strfreev(lines);
	g_free(data);
	return line;
}

static void G_GNUC_PRINTF(4, 5)
add_error(GPtrArray *errors, const char *path, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(errors, g_strdup_printf("%s:%d: %s", path, line, msg));
	g_free(msg);
}

/* GKeyFile rejects a file wholesale without saying where; find the lines
 * it would choke on first so every one gets its own file:line message. */
static int
precheck_syntax(const struct config_text *t, GPtrArray *errors)
{
	int bad = 0;

	for (int i = 0; t->lines[i] != NULL; i++) {
		const char *l = t->lines[i];

		while (g_ascii_isspace(*l))
			l++;
		if (*l == '\0' || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			if (strchr(l, ']') == NULL) {
				add_error(errors, t->path, i + 1, "section header without ']'");
				bad++;
			}
			continue;
		}
		if (strchr(l, '=') == NULL || *l == '=') {
			add_error(errors, t->path, i + 1,
			          "expected 'key = value', '[section]' or a # comment");
			bad++;
		}
	}
	return bad;
}

/* --- values ---------------------------------------------------------------- */

/* GKeyFile has no trailing comments; say so rather than just "bad value". */
static const char *
comment_hint(const char *value)
{
	return strstr(value, " #") || strstr(value, "\t#") ?
	       " (a # comment must be on a line of its own)" : "";
}

static int
apply_setting(const struct setting *st, const char *value, void *dest,
              const struct config_text *t, const char *group, GPtrArray *errors)
{
	char *p = (char *)dest + st->offset;
	int line = text_line(t->lines, group, st->key);
	long v;
	char *end;

	switch (st->type) {
	case SET_INT:
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end != '\0' || v < st->min || v > st->max) {
			add_error(errors, t->path, line, "%s: expected a whole number from %ld to %ld, not \"%s\"%s",
			          st->key, st->min, st->max, value, comment_hint(value));
			return -1;
		}
		*(int *)p = (int)v;
		return 0;
	case SET_DURATION:
		v = config_parse_duration(value);
		if (v < 0 || (v != 0 && v < st->min) || v > st->max) {
			add_error(errors, t->path, line,
			          "%s: expected a duration such as 90s, 15m, 2h or 1d (%ld s to %ld s), not \"%s\"%s",
			          st->key, st->min, st->max, value, comment_hint(value));
			return -1;
		}
		*(int *)p = (int)v;
		return 0;
	case SET_BOOL:
		if (g_ascii_strcasecmp(value, "true") == 0 || g_ascii_strcasecmp(value, "yes") == 0 ||
		    strcmp(value, "1") == 0)
			*(gboolean *)p = TRUE;
		else if (g_ascii_strcasecmp(value, "false") == 0 || g_ascii_strcasecmp(value, "no") == 0 ||
		         strcmp(value, "0") == 0)
			*(gboolean *)p = FALSE;
		else {
			add_error(errors, t->path, line, "%s: expected true or false, not \"%s\"%s", st->key, value,
			          comment_hint(value));
			return -1;
		}
		return 0;
	case SET_LOGLEVEL:
		for (size_t i = 0; i < G_N_ELEMENTS(log_levels); i++) {
			if (strcmp(value, log_levels[i]) == 0) {
				*(int *)p = (int)i;
				return 0;
			}
		}
		add_error(errors, t->path, line, "%s: expected info, verbose or debug, not \"%s\"", st->key, value);
		return -1;
	case SET_PATH:
		g_free(*(char **)p);
		if (g_str_has_prefix(value, "~/"))
			*(char **)p = g_build_filename(g_get_home_dir(), value + 2, NULL);
		else
			*(char **)p = g_strdup(value);
		return 0;
	case SET_STRING:
		g_free(*(char **)p);
		*(char **)p = g_strdup(value);
		return 0;
	}
	return -1;
}

/* Applies defaults, then the section's values; unknown keys are errors. */
static int
apply_section(GKeyFile *kf, const char *group, const struct setting *table, size_t n,
              void *dest, const struct config_text *t, GPtrArray *errors)
{
	gchar **keys = g_key_file_get_keys(kf, group, NULL, NULL);
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		if (table[i].def != NULL)
			apply_setting(&table[i], table[i].def, dest, t, group, errors);
	for (gchar **k = keys; k && *k; k++) {
		const struct setting *st = NULL;
		char *value;

		for (size_t i = 0; i < n; i++)
			if (strcmp(*k, table[i].key) == 0)
				st = &table[i];
		if (st == NULL) {
			add_error(errors, t->path, text_line(t->lines, group, *k),
			          "unknown key \"%s\" in [%s]", *k, group);
			bad++;
			continue;
		}
		value = g_key_file_get_string(kf, group, *k, NULL);
		if (value == NULL || apply_setting(st, g_strstrip(value), dest, t, group, errors) < 0)
			bad++;
		g_free(value);
	}
	g_strfreev(keys);
	return bad;
}

static void
feed_config_free(struct feed_config *f)
{
	if (f == NULL)
		return;
	g_free(f->name);
	g_free(f->url);
	g_free(f);
}

static void
channel_config_free(struct channel_config *c)
{
	if (c == NULL)
		return;
	g_free(c->name);
	g_free(c->type);
	g_free(c->group);
	g_free(c);
}

static int
load_feed(struct config *c, const char *group, const char *name, const struct config_text *t,
          GPtrArray *errors)
{
	struct feed_config *f = g_new0(struct feed_config, 1);
	int line = text_line(t->lines, group, NULL);
	int bad;

	f->name = g_strdup(name);
	f->line = line;
	bad = apply_section(c->kf, group, feed_settings, G_N_ELEMENTS(feed_settings), f, t, errors);
	if (*name == '\0') {
		add_error(errors, t->path, line, "[feed] needs a name: [feed NAME]");
		bad++;
	}
	for (guint i = 0; i < c->feeds->len; i++) {
		const struct feed_config *o = g_ptr_array_index(c->feeds, i);

		if (strcmp(o->name, name) == 0) {
			add_error(errors, t->path, line, "feed \"%s\" is defined twice (first at line %d)",
			          name, o->line);
			bad++;
		}
	}
	if (f->url == NULL) {
		add_error(errors, t->path, line, "feed \"%s\": missing url", name);
		bad++;
	} else if (!g_str_has_prefix(f->url, "http://") && !g_str_has_prefix(f->url, "https://") &&
	           !g_str_has_prefix(f->url, "file://")) {
		add_error(errors, t->path, text_line(t->lines, group, "url"),
		          "feed \"%s\": url must start with http://, https:// or file://", name);
		bad++;
	}
	if (f->interval_s != 0 && f->interval_s < c->min_interval_s) {
		add_error(errors, t->path, text_line(t->lines, group, "interval"),
		          "feed \"%s\": interval %d s is below the minimum of %d s (min_interval)",
		          name, f->interval_s, c->min_interval_s);
		bad++;
	}
	g_ptr_array_add(c->feeds, f);
	return bad;
}

static int
load_channel(struct config *c, const char *group, const char *name, const struct config_text *t,
             GPtrArray *errors)
{
	struct channel_config *ch = g_new0(struct channel_config, 1);
	const struct channel_type *type;
	gchar **keys;
	int line = text_line(t->lines, group, NULL);
	int bad = 0;

	ch->name = g_strdup(name);
	ch->group = g_strdup(group);
	ch->line = line;
	ch->type = g_key_file_get_string(c->kf, group, "type", NULL);
	g_ptr_array_add(c->channels, ch);
	if (*name == '\0') {
		add_error(errors, t->path, line, "[channel] needs a name: [channel NAME]");
		return 1;
	}
	if (ch->type == NULL) {
		add_error(errors, t->path, line, "channel \"%s\": missing type", name);
		return 1;
	}
	g_strstrip(ch->type);
	type = channel_type_find(ch->type);
	if (type == NULL) {
		char *known = g_strjoinv(", ", (char **)channel_type_names());

		add_error(errors, t->path, text_line(t->lines, group, "type"),
		          "channel \"%s\": unknown type \"%s\" (known: %s)", name, ch->type, known);
		g_free(known);
		return 1;
	}
	keys = g_key_file_get_keys(c->kf, group, NULL, NULL);
	for (gchar **k = keys; k && *k; k++) {
		gboolean ok = strcmp(*k, "type") == 0;

		for (const char *const *a = type->keys; !ok && a && *a; a++)
			ok = strcmp(*k, *a) == 0;
		if (!ok) {
			add_error(errors, t->path, text_line(t->lines, group, *k),
			          "channel \"%s\": unknown key \"%s\" for type %s", name, *k, ch->type);
			bad++;
		}
	}
	g_strfreev(keys);
	return bad;
}

struct config *
config_load_data(const char *data, const char *path, GPtrArray *errors)
{
	struct config *c = g_new0(struct config, 1);
	struct config_text t = { path, g_strsplit(data, "\n", -1) };
	GError *err = NULL;
	gchar **groups;
	guint before = errors->len;

	c->path = g_strdup(path);
	c->kf = g_key_file_new();
	c->feeds = g_ptr_array_new_with_free_func((GDestroyNotify)feed_config_free);
	c->channels = g_ptr_array_new_with_free_func((GDestroyNotify)channel_config_free);
	g_key_file_set_list_separator(c->kf, ';');

	if (precheck_syntax(&t, errors) > 0)
		goto out;
	if (!g_key_file_load_from_data(c->kf, data, (gsize)-1, G_KEY_FILE_NONE, &err)) {
		add_error(errors, path, 0, "%s", err->message);
		g_clear_error(&err);
		goto out;
	}
	/* [general] first: feed checks use its min_interval. */
	apply_section(c->kf, "general", general_settings, G_N_ELEMENTS(general_settings), c, &t, errors);
	groups = g_key_file_get_groups(c->kf, NULL);
	for (gchar **g = groups; *g; g++) {
		if (strcmp(*g, "general") == 0)
			continue;
		char *name = NULL;

		if (g_str_has_prefix(*g, "feed ") || strcmp(*g, "feed") == 0) {
			name = g_strstrip(g_strdup(*g + 4));
			load_feed(c, *g, name, &t, errors);
		} else if (g_str_has_prefix(*g, "channel ") || strcmp(*g, "channel") == 0) {
			name = g_strstrip(g_strdup(*g + 7));
			load_channel(c, *g, name, &t, errors);
		} else if (g_str_has_prefix(*g, "route ") || strcmp(*g, "route") == 0)
			; /* routes are checked by the outbox, which owns their meaning */
		else
			add_error(errors, path, text_line(t.lines, *g, NULL),
			          "unknown section [%s] (expected [general], [feed NAME], [channel NAME] or [route NAME])",
			          *g);
		g_free(name);
	}
	g_strfreev(groups);
	if (c->interval_s < c->min_interval_s)
		add_error(errors, path, text_line(t.lines, "general", "interval"),
		          "interval %d s is below the minimum of %d s (min_interval)",
		          c->interval_s, c->min_interval_s);
out:
	g_strfreev(t.lines);
	if (errors->len > before) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *
config_load(const char *path, GPtrArray *errors)
{
	char *data = NULL;
	char *fallback = NULL;
	struct config *c;
	GError *err = NULL;

	if (path == NULL) {
		fallback = g_build_filename(g_get_user_config_dir(), "newswatch", "newswatch.conf", NULL);
		if (g_file_test(fallback, G_FILE_TEST_EXISTS))
			path = fallback;
	}
	if (path == NULL) {
		data = config_builtin_text();
		c = config_load_data(data, "(built-in)", errors);
	} else if (!g_file_get_contents(path, &data, NULL, &err)) {
		g_ptr_array_add(errors, g_strdup_printf("%s: cannot read configuration: %s", path,
		                                        err->message));
		g_clear_error(&err);
		c = NULL;
	} else if (!g_utf8_validate(data, -1, NULL)) {
		g_ptr_array_add(errors, g_strdup_printf("%s: not valid UTF-8 text", path));
		c = NULL;
	} else {
		c = config_load_data(data, path, errors);
	}
	g_free(data);
	g_free(fallback);
	return c;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	g_free(c->path);
	if (c->kf)
		g_key_file_unref(c->kf);
	g_free(c->state_dir);
	g_free(c->watchlist_dir);
	g_free(c->proxy);
	g_free(c->user_agent);
	if (c->feeds)
		g_ptr_array_unref(c->feeds);
	if (c->channels)
		g_ptr_array_unref(c->channels);
	g_free(c);
}
