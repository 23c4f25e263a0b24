/* cli.h — what every subcommand shares: common options and loading. */
#ifndef NW_CLI_H
#define NW_CLI_H

#include <glib.h>
#include "config.h"
#include "fetch.h"
#include "watchlist.h"
#include "store.h"

/* Exit codes (documented in README "Exit status"). */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1,     /* a runtime failure (a feed or channel failed) */
	EXIT_USAGE = 2,        /* bad command line */
	EXIT_CONFIG = 3,       /* configuration or watchlist errors */
	EXIT_STATE = 4,        /* state database unusable */
};

struct cli_common {
	char *config_path;     /* -c */
	char *state_dir;       /* --state-dir */
	char *watchlist_dir;   /* --watchlists */
	int verbose;           /* -v, -vv */
	gboolean json;         /* --json */
};

/* GOptionEntry list for the shared options; append to a command's group. */
const GOptionEntry *cli_common_entries(struct cli_common *c);
/* Parses argv with the command's own entries plus the shared ones.
 * Prints the error and returns -1 on a bad command line. */
int cli_parse(struct cli_common *c, const char *cmd, const char *params,
              const char *summary, const GOptionEntry *own, int *argc, char ***argv);
void cli_common_clear(struct cli_common *c);

/* Loads config then watchlists, printing every error as file:line: message.
 * *wl may be NULL to skip watchlists. Returns 0, or an EXIT_* code. */
int cli_load_config(struct cli_common *c, struct config **cfg, struct watchlists **wl);
/* The watchlist folder cli_load_config reads (--watchlists, the config's,
 * ~/.config/newswatch/watchlists, then the shipped ones). Caller frees. */
char *cli_watchlist_dir(struct cli_common *c, const struct config *cfg);
/* The effective state dir (option, config, $XDG_STATE_HOME/newswatch). Caller frees. */
char *cli_state_dir(struct cli_common *c, const struct config *cfg);
/* Fetcher options from the [general] settings (the rest keep fetch.h's
 * defaults); the strings point into cfg, which must outlive fo. */
void cli_fetch_options(struct fetch_options *fo, const struct config *cfg);
/* Opens <state_dir>/newswatch.db. Returns 0 or EXIT_STATE (message printed). */
int cli_open_store(struct cli_common *c, const struct config *cfg, struct store **s);

#endif
