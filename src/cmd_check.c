/* cmd_check.c — `newswatch check`: validate everything the daemon would
 * load; print "configuration OK" with counts, or every error as file:line. */
#include <stdio.h>

#include "channel.h"
#include "cli.h"
#include "cmd.h"

/* Opening each channel checks its keys and secrets without sending anything. */
static int
check_channels(const struct config *cfg, GPtrArray *errors)
{
	for (guint i = 0; i < cfg->channels->len; i++) {
		const struct channel_config *cc = g_ptr_array_index(cfg->channels, i);
		const struct channel_type *t = channel_type_find(cc->type);
		void *state;

		if (t == NULL || t->open == NULL)
			continue;
		state = t->open(cfg, cc, errors);
		if (state && t->close)
			t->close(state);
	}
	return (int)errors->len;
}

int
cmd_check(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	struct config *cfg = NULL;
	struct watchlists *wl = NULL;
	GPtrArray *errors;
	int rc;

	if (cli_parse(&cli, "check", NULL, "Validate the configuration and watchlists.", NULL,
	              &argc, &argv) < 0)
		return EXIT_USAGE;
	rc = cli_load_config(&cli, &cfg, &wl);
	if (rc != EXIT_OK) {
		cli_common_clear(&cli);
		return rc;
	}
	errors = g_ptr_array_new_with_free_func(g_free);
	if (check_channels(cfg, errors) > 0) {
		for (guint i = 0; i < errors->len; i++)
			fprintf(stderr, "%s\n", (const char *)g_ptr_array_index(errors, i));
		rc = EXIT_CONFIG;
	} else {
		printf("configuration OK: %s: %u feed%s, %u channel%s; %u watch entr%s, %u rule%s\n",
		       cfg->path, cfg->feeds->len, cfg->feeds->len == 1 ? "" : "s",
		       cfg->channels->len, cfg->channels->len == 1 ? "" : "s",
		       watchlists_n_entries(wl), watchlists_n_entries(wl) == 1 ? "y" : "ies",
		       watchlists_n_rules(wl), watchlists_n_rules(wl) == 1 ? "" : "s");
	}
	g_ptr_array_unref(errors);
	watchlists_free(wl);
	config_free(cfg);
	cli_common_clear(&cli);
	return rc;
}
