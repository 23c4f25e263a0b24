/* main.c — newswatch's subcommands: a table of contents. */
#include <stdio.h>
#include <string.h>
#include <locale.h>
#include <curl/curl.h>
#include <libxml/parser.h>

#include "cli.h"
#include "cmd.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* One line per subcommand; each lives in cmd_<name>.c. */
static const struct command commands[] = {
	{ "once",        cmd_once,        "poll every feed once, print and deliver new alerts" },
	{ "check",       cmd_check,       "validate the configuration and watchlists" },
	{ "history",     cmd_history,     "past alerts with their stories and sources (--since, --entry, --feed)" },
	{ "forget",      cmd_forget,      "clear remembered state: one feed (--feed) or everything (--reset)" },
	{ "test-alert",  cmd_test_alert,  "send a sample alert through each channel and report the result" },
	{ "outbox",      cmd_outbox,      "list pending and failed deliveries; 'outbox retry' requeues failed ones" },
	{ "run",         cmd_run,         "watch every feed until stopped (the systemd user service)" },
	{ "status",      cmd_status,      "per feed and channel health, alert counts (--json)" },
	{ "import-opml", cmd_import_opml, "add the feeds of an OPML file to the configuration" },
	{ "export-opml", cmd_export_opml, "print the configured feeds as OPML 2.0" },
	{ "match",       cmd_match,       "show which watch entries some text or a feed matches, and why" },
	{ "parse",       cmd_parse,       "print a feed file or URL exactly as newswatch reads it (--json)" },
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: newswatch [--version] [--help] COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'newswatch COMMAND --help' shows a command's options.\n");
}

int
main(int argc, char **argv)
{
	int rc;

	setlocale(LC_ALL, "");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("newswatch %s\n", NEWSWATCH_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		curl_global_init(CURL_GLOBAL_DEFAULT);
		xmlInitParser();
		rc = commands[i].run(argc - 1, argv + 1);
		xmlCleanupParser();
		curl_global_cleanup();
		return rc;
	}
	fprintf(stderr, "newswatch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
