/* cmd_opml.c — `newswatch import-opml FILE` and `newswatch export-opml`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmd.h"
#include "opml.h"

static void
print_lines(GPtrArray *lines, const char *prefix)
{
	for (guint i = 0; i < lines->len; i++)
		fprintf(stderr, "%s%s\n", prefix, (const char *)g_ptr_array_index(lines, i));
}

/* The file to edit: -c, else the user's config (which may not exist yet). */
static char *
config_target(const struct cli_common *cli)
{
	char *path = cli->config_path ? g_strdup(cli->config_path) :
	             g_build_filename(g_get_user_config_dir(), "newswatch", "newswatch.conf", NULL);
	char *real;

	/* A config kept in a dotfiles repository is often a symlink: edit its target. */
	real = realpath(path, NULL);
	if (real) {
		g_free(path);
		path = g_strdup(real);
		free(real);
	}
	return path;
}

int
cmd_import_opml(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	gboolean dry_run = FALSE;
	const GOptionEntry entries[] = {
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
		  "Print the sections that would be added; change nothing", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *urls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *feeds = NULL;
	struct config *cfg = NULL, *check = NULL;
	char *path = NULL, *text = NULL, *out = NULL, *error = NULL;
	GError *err = NULL;
	struct stat st;
	guint added = 0;
	int mode = 0600;
	int rc = EXIT_OK;

	if (cli_parse(&cli, "import-opml", "FILE",
	              "Append a [feed NAME] section to the configuration for every feed of an OPML\n"
	              "file that is not configured yet. Comments and the rest of the file are kept.",
	              entries, &argc, &argv) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (argc != 2) {
		fprintf(stderr, "newswatch import-opml: expected one OPML file\n");
		rc = EXIT_USAGE;
		goto out;
	}
	feeds = opml_read(argv[1], warnings, &error);
	print_lines(warnings, "warning: ");
	if (feeds == NULL) {
		fprintf(stderr, "%s\n", error);
		rc = EXIT_FAILURE_;
		goto out;
	}
	path = config_target(&cli);
	if (stat(path, &st) == 0) {
		mode = (int)(st.st_mode & 07777);
		if (!g_file_get_contents(path, &text, NULL, &err)) {
			fprintf(stderr, "%s: %s\n", path, err->message);
			rc = EXIT_CONFIG;
			goto out;
		}
		cfg = config_load_data(text, path, errors);
		if (cfg == NULL) {
			print_lines(errors, "");
			fprintf(stderr, "%s: fix these errors first; nothing imported\n", path);
			rc = EXIT_CONFIG;
			goto out;
		}
		for (guint i = 0; i < cfg->feeds->len; i++) {
			const struct feed_config *fc = g_ptr_array_index(cfg->feeds, i);

			g_hash_table_add(names, g_strdup(fc->name));
			g_hash_table_add(urls, g_strdup(fc->url));
		}
	} else if (errno != ENOENT) {
		fprintf(stderr, "%s: %s\n", path, g_strerror(errno));
		rc = EXIT_CONFIG;
		goto out;
	} else {
		text = g_strdup("# newswatch configuration (see `newswatch check`, docs/daemon.md)\n[general]\n");
	}
	out = opml_append_feeds(text, feeds, names, urls, &added);
	/* Whatever we wrote must load: never leave a config the daemon rejects. */
	check = config_load_data(out, path, errors);
	if (check == NULL) {
		print_lines(errors, "");
		fprintf(stderr, "%s: the imported feeds would make the configuration invalid; nothing written\n", path);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (dry_run) {
		fputs(out + strlen(text), stdout);
	} else if (added > 0) {
		char *dir = g_path_get_dirname(path);

		g_mkdir_with_parents(dir, 0700);
		g_free(dir);
		/* A temporary file, fsync, rename: a crash leaves the old file or the new one. */
		if (!g_file_set_contents_full(path, out, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, &err)) {
			fprintf(stderr, "%s: %s\n", path, err->message);
			rc = EXIT_FAILURE_;
			goto out;
		}
	}
	printf("%s %u feed%s into %s (%u skipped: already configured)%s\n", dry_run ? "would import" : "imported",
	       added, added == 1 ? "" : "s", path, feeds->len - added,
	       added && !dry_run ? "; reload a running daemon: systemctl --user reload newswatch" : "");
out:
	g_clear_error(&err);
	config_free(check);
	config_free(cfg);
	g_free(out);
	g_free(text);
	g_free(path);
	g_free(error);
	if (feeds)
		g_ptr_array_unref(feeds);
	g_hash_table_unref(names);
	g_hash_table_unref(urls);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	cli_common_clear(&cli);
	return rc;
}

int
cmd_export_opml(int argc, char **argv)
{
	struct cli_common cli = { 0 };
	struct config *cfg = NULL;
	char *doc;
	int rc;

	if (cli_parse(&cli, "export-opml", NULL,
	              "Print the configured feeds as an OPML 2.0 document (for other feed readers).",
	              NULL, &argc, &argv) < 0)
		return EXIT_USAGE;
	if ((rc = cli_load_config(&cli, &cfg, NULL)) == EXIT_OK) {
		doc = opml_write(cfg);
		fputs(doc, stdout);
		g_free(doc);
	}
	config_free(cfg);
	cli_common_clear(&cli);
	return rc;
}
