/* cli.c — options and loading shared by every subcommand. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "cli.h"
#include "log.h"
#include "outbox.h"

static gboolean
count_verbose(const gchar *name, const gchar *value, gpointer data, GError **error)
{
	struct cli_common *c = data;

	c->verbose++;
	return TRUE;
}

const GOptionEntry *
cli_common_entries(struct cli_common *c)
{
	/* Static storage: one set of options per process. */
	static GOptionEntry e[7];
	const GOptionEntry tmpl[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &c->config_path,
		  "Configuration file (default ~/.config/newswatch/newswatch.conf)", "FILE" },
		{ "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &c->state_dir,
		  "State folder (default $XDG_STATE_HOME/newswatch)", "DIR" },
		{ "watchlists", 0, 0, G_OPTION_ARG_FILENAME, &c->watchlist_dir,
		  "Watchlist folder (default ~/.config/newswatch/watchlists, then the shipped ones)", "DIR" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &c->json, "Output one JSON object per line", NULL },
		{ "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (gpointer)count_verbose,
		  "More messages (-vv for debug)", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	memcpy(e, tmpl, sizeof(tmpl));
	return e;
}

int
cli_parse(struct cli_common *c, const char *cmd, const char *params, const char *summary,
          const GOptionEntry *own, int *argc, char ***argv)
{
	char *title = g_strdup_printf("%s%s%s", cmd, params ? " " : "", params ? params : "");
	GOptionContext *ctx = g_option_context_new(title);
	GOptionGroup *common = g_option_group_new("common", "Options every command takes:",
	                                          "Show common options", c, NULL);
	GError *err = NULL;
	int rc = 0;

	g_option_context_set_summary(ctx, summary);
	if (own)
		g_option_context_add_main_entries(ctx, own, NULL);
	g_option_group_add_entries(common, cli_common_entries(c));
	g_option_context_add_group(ctx, common);
	/* --help lists the common options too. */
	g_option_context_set_help_enabled(ctx, TRUE);
	if (!g_option_context_parse(ctx, argc, argv, &err)) {
		fprintf(stderr, "newswatch %s: %s\n", cmd, err->message);
		fprintf(stderr, "try 'newswatch %s --help'\n", cmd);
		g_clear_error(&err);
		rc = -1;
	}
	log_init(c->verbose);
	g_option_context_free(ctx);
	g_free(title);
	return rc;
}

void
cli_common_clear(struct cli_common *c)
{
	g_free(c->config_path);
	g_free(c->state_dir);
	g_free(c->watchlist_dir);
	memset(c, 0, sizeof(*c));
}

static void
print_errors(GPtrArray *errors)
{
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (const char *)g_ptr_array_index(errors, i));
}

/* --watchlists, then the config's, then ~/.config/newswatch/watchlists,
 * then the shipped defaults. */
static char *
watchlist_dir(struct cli_common *c, const struct config *cfg)
{
	char *user;

	if (c->watchlist_dir)
		return g_strdup(c->watchlist_dir);
	if (cfg->watchlist_dir)
		return g_strdup(cfg->watchlist_dir);
	user = g_build_filename(g_get_user_config_dir(), "newswatch", "watchlists", NULL);
	if (g_file_test(user, G_FILE_TEST_IS_DIR))
		return user;
	g_free(user);
	return g_build_filename(config_datadir(), "watchlists", NULL);
}

/* A secret written into a config file that others can read is a secret
 * shared with them: say so (once per key, as file:line). */
static void
warn_readable_secrets(const struct config *cfg)
{
	static const char *const keys[] = { "password", "token", "hmac_secret", "url", NULL };
	struct stat st;

	if (cfg->kf == NULL || g_stat(cfg->path, &st) != 0 || !(st.st_mode & (S_IRGRP | S_IROTH)))
		return;
	for (guint i = 0; i < cfg->channels->len; i++) {
		const struct channel_config *cc = g_ptr_array_index(cfg->channels, i);

		for (const char *const *k = keys; *k; k++) {
			/* an email server's url is no secret; a webhook's url is */
			if (strcmp(*k, "url") == 0 && g_strcmp0(cc->type, "webhook") != 0)
				continue;
			if (!g_key_file_has_key(cfg->kf, cc->group, *k, NULL))
				continue;
			fprintf(stderr, "warning: %s:%d: channel \"%s\": %s is written in a file others can "
			        "read (mode %03o): chmod 600 it, or use %s_file, %s_env or %s_credential\n",
			        cfg->path, config_line(cfg, cc->group, *k), cc->name, *k,
			        (unsigned)(st.st_mode & 0777), *k, *k, *k);
		}
	}
}

int
cli_load_config(struct cli_common *c, struct config **cfg, struct watchlists **wl)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	char *dir;
	int rc = EXIT_OK;

	*cfg = config_load(c->config_path, errors);
	if (*cfg == NULL) {
		print_errors(errors);
		rc = EXIT_CONFIG;
		goto out;
	}
	/* Routes and the channels' delivery keys belong to the outbox. */
	if (outbox_check_config(*cfg, errors) > 0) {
		print_errors(errors);
		config_free(*cfg);
		*cfg = NULL;
		rc = EXIT_CONFIG;
		goto out;
	}
	warn_readable_secrets(*cfg);
	if ((*cfg)->log_level > c->verbose)
		log_init((*cfg)->log_level);
	if (wl == NULL)
		goto out;
	dir = watchlist_dir(c, *cfg);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		fprintf(stderr, "%s: watchlist folder not found\n", dir);
		rc = EXIT_CONFIG;
	} else {
		*wl = watchlists_load_dir(dir, errors, warnings);
		for (guint i = 0; i < warnings->len; i++)
			fprintf(stderr, "warning: %s\n", (const char *)g_ptr_array_index(warnings, i));
		if (*wl == NULL) {
			print_errors(errors);
			rc = EXIT_CONFIG;
		}
	}
	g_free(dir);
	if (rc != EXIT_OK) {
		config_free(*cfg);
		*cfg = NULL;
	}
out:
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	return rc;
}

char *
cli_watchlist_dir(struct cli_common *c, const struct config *cfg)
{
	return watchlist_dir(c, cfg);
}

char *
cli_state_dir(struct cli_common *c, const struct config *cfg)
{
	if (c->state_dir)
		return g_strdup(c->state_dir);
	if (cfg && cfg->state_dir)
		return g_strdup(cfg->state_dir);
	return g_build_filename(g_get_user_state_dir(), "newswatch", NULL);
}

void
cli_fetch_options(struct fetch_options *fo, const struct config *cfg)
{
	fetch_options_defaults(fo);
	fo->max_connections = cfg->max_connections;
	fo->max_per_host = cfg->max_per_host;
	fo->connect_timeout_s = cfg->connect_timeout_s;
	fo->timeout_s = cfg->timeout_s;
	fo->max_body = (size_t)cfg->max_body_kb * 1024;
	fo->proxy = cfg->proxy;
	fo->user_agent = cfg->user_agent;
}

int
cli_open_store(struct cli_common *c, const struct config *cfg, struct store **s)
{
	char *dir = cli_state_dir(c, cfg);
	char *path = g_build_filename(dir, "newswatch.db", NULL);
	char *error = NULL;

	*s = store_open(path, &error);
	if (*s == NULL) {
		fprintf(stderr, "%s: %s\n", path, error ? error : "cannot open state database");
		g_free(error);
	}
	g_free(path);
	g_free(dir);
	return *s ? EXIT_OK : EXIT_STATE;
}
