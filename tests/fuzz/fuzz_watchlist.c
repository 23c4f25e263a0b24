/* fuzz_watchlist.c — a watchlist file with arbitrary content, written to a
 * temporary file and loaded the way the daemon loads it. A list that loads
 * must build a matcher and match an item made of its own text. */
#include <glib/gstdio.h>
#include <unistd.h>
#include "fuzz_common.h"
#include "match.h"
#include "watchlist.h"

static char *dir, *path;

static void
cleanup(void)
{
	if (path)
		g_unlink(path);
	if (dir)
		g_rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	dir = g_dir_make_tmp("fuzz-watchlist-XXXXXX", NULL);
	if (!dir)
		abort();
	path = g_build_filename(dir, "fuzz.watch", NULL);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	struct watchlists *wl;

	if (!g_file_set_contents(path, (const char *)data, (gssize)size, NULL))
		abort();
	wl = watchlists_load_file(path, errors, warnings);
	if (wl && errors->len)
		abort();    /* watchlist.h: NULL whenever an error was found */
	if (!wl && errors->len == 0)
		abort();    /* a refusal must say why */
	for (guint i = 0; i < errors->len; i++)
		if (!g_utf8_validate(errors->pdata[i], -1, NULL))
			abort();
	if (wl) {
		struct matcher *m = matcher_new(wl);
		struct feed_item *item = feed_item_new();
		GPtrArray *matches;

		item->title = g_utf8_make_valid((const char *)data, (gssize)size);
		item->summary = g_strdup(item->title);
		matches = matcher_match_item(m, item);
		g_ptr_array_unref(matches);
		feed_item_free(item);
		matcher_free(m);
		watchlists_free(wl);
	}
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	return 0;
}
