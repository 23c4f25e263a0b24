/* config.h — newswatch.conf (a GLib key file) → struct config.
 * Settings live in tables (config.c): name, type, default, destination;
 * the embedded default passes through the same parser as a user's file.
 * Every problem is collected as "file:line: message"; none is fatal alone. */
#ifndef NW_CONFIG_H
#define NW_CONFIG_H

#include <glib.h>
#include <stddef.h>

struct feed_config {
	char *name;             /* from [feed NAME] */
	char *url;
	int interval_s;         /* 0 = general interval */
	gboolean enabled;
	int line;               /* line of the section header, for messages */
};

struct channel_config {
	char *name;             /* from [channel NAME] */
	char *type;             /* "stdout", "jsonl", "desktop", "email", "webhook", "exec" */
	char *group;            /* key file group name ("channel NAME") */
	int line;
};

struct config {
	char *path;             /* file read, or "(built-in)" */
	GKeyFile *kf;           /* kept so channel modules can read their keys */

	/* [general] */
	char *state_dir;
	char *watchlist_dir;
	int interval_s;         /* default 900, floor 60 (tests may lower it with min_interval) */
	int min_interval_s;     /* floor; default 60 */
	int jitter_pct;         /* random spread of due times, default 10 */
	int max_connections;
	int max_per_host;
	int connect_timeout_s;
	int timeout_s;
	int max_body_kb;
	char *proxy;
	char *user_agent;
	int backfill_hours;
	int story_window_hours;
	int realert_sources;
	int retention_days;
	int log_level;

	GPtrArray *feeds;       /* of struct feed_config * */
	GPtrArray *channels;    /* of struct channel_config * */
};

/* path NULL: $XDG_CONFIG_HOME/newswatch/newswatch.conf if it exists, else the
 * built-in default (the bundled sample feeds). Errors are appended to errors
 * (char *, "file:line: message"). Returns NULL when there was any error. */
struct config *config_load(const char *path, GPtrArray *errors);
/* Parses text as if it were the file named path (tests, the built-in default). */
struct config *config_load_data(const char *data, const char *path, GPtrArray *errors);
void config_free(struct config *c);        /* accepts NULL */

/* The line of [group] (key == NULL) or of key inside [group]; 0 if not found. */
int config_line(const struct config *c, const char *group, const char *key);

/* Parses a duration: a whole number with an optional unit ms, s, m, h or d
 * (no unit = seconds), e.g. "250ms", "90", "15m", "1d", into milliseconds;
 * -1 if malformed or absurdly large. */
gint64 config_parse_duration_ms(const char *s);
/* The same into whole seconds ("90", "90s", "15m", "2h", "1d"); -1 if
 * malformed, not whole seconds ("500ms") or beyond G_MAXINT. */
long config_parse_duration(const char *s);

/* The built-in configuration text (DATADIR substituted). Caller frees. */
char *config_builtin_text(void);
/* Where bundled data lives: $NEWSWATCH_DATADIR or the compiled-in DATADIR. */
const char *config_datadir(void);

#endif
