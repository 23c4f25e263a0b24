/* cmd_forget.c — `newswatch forget`: clear remembered state on purpose.
 * A forgotten feed's next poll is a first poll again: its old items are
 * recorded without alerting (backfill), so forgetting never floods. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"

/* Asks on the terminal; without one, --yes is required. */
static gboolean
confirm(const char *question, gboolean yes)
{
	char answer[16];

	if (yes)
		return TRUE;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "newswatch forget: not a terminal; add --yes to confirm\n");
		return FALSE;
	}
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return FALSE;
	return answer[0] == 'y' || answer[0] == 'Y';
}

int
cmd_forget(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	char *feed = NULL, *question = NULL;
	gboolean reset = FALSE, yes = FALSE;
	const GOptionEntry entries[] = {
		{ "feed", 'f', 0, G_OPTION_ARG_STRING, &feed,
		  "Forget one feed: its items, stories sources, alerts and validators", "NAME" },
		{ "reset", 0, 0, G_OPTION_ARG_NONE, &reset, "Forget everything", NULL },
		{ "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, "Do not ask for confirmation", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct config *cfg = NULL;
	struct store *store = NULL;
	int rc, r;

	if (cli_parse(&cli, "forget", NULL,
	              "Clear remembered state: one feed (--feed NAME) or everything (--reset).",
	              entries, &argc, &argv) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if ((feed == NULL) == !reset || argc > 1) {
		fprintf(stderr, "newswatch forget: give either --feed NAME or --reset\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = cli_load_config(&cli, &cfg, NULL)) != EXIT_OK)
		goto out;
	if ((rc = cli_open_store(&cli, cfg, &store)) != EXIT_OK)
		goto out;
	question = feed ? g_strdup_printf("forget everything remembered about feed \"%s\" "
	                                  "(seen items, stories, alert history)?", feed)
	                : g_strdup("forget ALL remembered state (every feed, item, story, alert "
	                           "and pending delivery)?");
	if (!confirm(question, yes)) {
		fprintf(stderr, "nothing forgotten\n");
		rc = EXIT_USAGE;
		goto out;
	}
	r = feed ? store_forget_feed(store, feed) : store_reset(store);
	if (r < 0) {
		fprintf(stderr, "newswatch forget: %s\n", store_errmsg(store));
		rc = EXIT_STATE;
	} else if (r == 1) {
		fprintf(stderr, "newswatch forget: no state for a feed named \"%s\"\n", feed);
		rc = EXIT_FAILURE_;
	} else {
		printf(feed ? "forgot feed \"%s\"\n" : "forgot everything%s\n", feed ? feed : "");
		rc = EXIT_OK;
	}
out:
	store_close(store);
	config_free(cfg);
	g_free(question);
	g_free(feed);
	cli_common_clear(&cli);
	return rc;
}
