/* cmd_run.c — `newswatch run`: the long-running watcher (daemon.c). */
#include "cli.h"
#include "cmd.h"
#include "daemon.h"

int
cmd_run(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	struct daemon_options opt = { .stop_timeout_s = 5 };
	const GOptionEntry entries[] = {
		{ "stop-timeout", 0, 0, G_OPTION_ARG_INT, &opt.stop_timeout_s,
		  "Seconds polls in flight may take to finish after SIGTERM (default 5)", "S" },
		{ "seed", 0, 0, G_OPTION_ARG_NONE, &opt.seed_new,
		  "Record the items of every poll as seen without alerting", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int rc;

	if (cli_parse(&cli, "run", NULL,
	              "Watch every configured feed until stopped (SIGHUP reloads, SIGTERM stops).\n"
	              "Meant for a systemd user service: systemctl --user enable --now newswatch",
	              entries, &argc, &argv) < 0)
		return EXIT_USAGE;
	if (argc > 1) {
		g_printerr("newswatch run: unexpected argument '%s'\n", argv[1]);
		cli_common_clear(&cli);
		return EXIT_USAGE;
	}
	rc = daemon_run(&cli, &opt);
	cli_common_clear(&cli);
	return rc;
}
