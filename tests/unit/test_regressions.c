/* test_regressions.c — replays every input that once broke a fuzz target
 * (tests/fixtures/fuzz-regressions/TARGET/) and the targets' hand-written
 * seeds (tests/fuzz/seeds/TARGET/) through the fuzz harnesses themselves,
 * each file in a subprocess so that an abort or a sanitizer report names it.
 * The harness sources are included here under other names: the checks a
 * fuzz target makes (round trips, the reference matcher) are the test. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int fuzz_feed_init(int *argc, char ***argv);
int fuzz_feed_one(const uint8_t *data, size_t size);
int fuzz_html_init(int *argc, char ***argv);
int fuzz_html_one(const uint8_t *data, size_t size);
int fuzz_date_init(int *argc, char ***argv);
int fuzz_date_one(const uint8_t *data, size_t size);
int fuzz_url_init(int *argc, char ***argv);
int fuzz_url_one(const uint8_t *data, size_t size);
int fuzz_watchlist_init(int *argc, char ***argv);
int fuzz_watchlist_one(const uint8_t *data, size_t size);
int fuzz_config_init(int *argc, char ***argv);
int fuzz_config_one(const uint8_t *data, size_t size);
int fuzz_match_init(int *argc, char ***argv);
int fuzz_match_one(const uint8_t *data, size_t size);

#define LLVMFuzzerInitialize fuzz_feed_init
#define LLVMFuzzerTestOneInput fuzz_feed_one
#include "../fuzz/fuzz_feed.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_html_init
#define LLVMFuzzerTestOneInput fuzz_html_one
#include "../fuzz/fuzz_html.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_date_init
#define LLVMFuzzerTestOneInput fuzz_date_one
#include "../fuzz/fuzz_date.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_url_init
#define LLVMFuzzerTestOneInput fuzz_url_one
#include "../fuzz/fuzz_url.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_watchlist_init
#define LLVMFuzzerTestOneInput fuzz_watchlist_one
#include "../fuzz/fuzz_watchlist.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_config_init
#define LLVMFuzzerTestOneInput fuzz_config_one
#include "../fuzz/fuzz_config.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_match_init
#define LLVMFuzzerTestOneInput fuzz_match_one
#include "../fuzz/fuzz_match.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

static const struct harness {
	const char *name;
	int (*init)(int *argc, char ***argv);
	int (*one)(const uint8_t *data, size_t size);
} harnesses[] = {
	{ "feed", fuzz_feed_init, fuzz_feed_one },
	{ "html", fuzz_html_init, fuzz_html_one },
	{ "date", fuzz_date_init, fuzz_date_one },
	{ "url", fuzz_url_init, fuzz_url_one },
	{ "watchlist", fuzz_watchlist_init, fuzz_watchlist_one },
	{ "config", fuzz_config_init, fuzz_config_one },
	{ "match", fuzz_match_init, fuzz_match_one },
};

struct replay {
	const struct harness *h;
	char *file;
};

static void
replay_free(gpointer p)
{
	struct replay *r = p;

	g_free(r->file);
	g_free(r);
}

static void
test_replay(gconstpointer data)
{
	const struct replay *r = data;

	if (g_test_subprocess()) {
		char *bytes = NULL;
		gsize len = 0;
		int argc = 0;
		char **argv = NULL;

		g_assert_true(g_file_get_contents(r->file, &bytes, &len, NULL));
		r->h->init(&argc, &argv);
		g_assert_cmpint(r->h->one((const uint8_t *)bytes, len), ==, 0);
		g_free(bytes);
		return;
	}
	g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
}

/* Adds one test per file in base/TARGET/ for every target; returns how many. */
static guint
add_dir(const char *base, const char *kind, GPtrArray *keep)
{
	guint n = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(harnesses); i++) {
		char *folder = g_build_filename(base, harnesses[i].name, NULL);
		GDir *d = g_dir_open(folder, 0, NULL);
		GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
		const char *name;

		while (d && (name = g_dir_read_name(d)))
			g_ptr_array_add(names, g_strdup(name));
		g_ptr_array_sort(names, (GCompareFunc)(void (*)(void))g_strcmp0);
		for (guint j = 0; j < names->len; j++) {
			struct replay *r = g_new0(struct replay, 1);
			char *tname;

			r->h = &harnesses[i];
			r->file = g_build_filename(folder, names->pdata[j], NULL);
			g_ptr_array_add(keep, r);
			tname = g_strdup_printf("/%s/%s/%s", kind, harnesses[i].name,
			                        (const char *)names->pdata[j]);
			g_test_add_data_func(tname, r, test_replay);
			g_free(tname);
			n++;
		}
		g_ptr_array_unref(names);
		if (d)
			g_dir_close(d);
		g_free(folder);
	}
	return n;
}

/* The harness table covers every target tests/fuzz/run builds. */
static void
test_every_target_replayed(gconstpointer data)
{
	const char *fuzzdir = data;
	GDir *d = g_dir_open(fuzzdir, 0, NULL);
	const char *name;
	guint n = 0;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d))) {
		gboolean known = FALSE;

		if (!g_str_has_prefix(name, "fuzz_") || !g_str_has_suffix(name, ".c"))
			continue;
		n++;
		for (gsize i = 0; i < G_N_ELEMENTS(harnesses); i++) {
			char *f = g_strdup_printf("fuzz_%s.c", harnesses[i].name);

			known |= strcmp(f, name) == 0;
			g_free(f);
		}
		if (!known)
			g_test_message("%s has no entry in test_regressions.c's table", name);
		g_assert_true(known);
	}
	g_dir_close(d);
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(harnesses));
}

int
main(int argc, char **argv)
{
	const char *src = g_getenv("NEWSWATCH_SRCDIR");
	GPtrArray *keep = g_ptr_array_new_with_free_func(replay_free);
	char *reg, *seeds, *fuzzdir;
	int rc;

	g_test_init(&argc, &argv, NULL);
	reg = g_build_filename(src ? src : ".", "tests", "fixtures", "fuzz-regressions", NULL);
	seeds = g_build_filename(src ? src : ".", "tests", "fuzz", "seeds", NULL);
	fuzzdir = g_build_filename(src ? src : ".", "tests", "fuzz", NULL);
	g_test_add_data_func("/regressions/table-covers-every-target", fuzzdir,
	                     test_every_target_replayed);
	add_dir(reg, "regressions", keep);
	add_dir(seeds, "seeds", keep);
	rc = g_test_run();
	g_ptr_array_unref(keep);
	g_free(reg);
	g_free(seeds);
	g_free(fuzzdir);
	return rc;
}
