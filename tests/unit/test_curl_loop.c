/* test_curl_loop.c — the shared libcurl multi loop on a GMainLoop: every
 * transfer gets exactly one done, done may add, remove and even free the
 * loop, free and remove never call done. Quick transfers are file:// URLs;
 * a transfer that stays in flight talks to a 127.0.0.1 socket that listens
 * but never answers. */
#include <string.h>
#include <curl/curl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "curl_loop.h"

struct fx {
	GMainLoop *ml;
	struct curl_loop *cl;
	char *dir, *file_url;
	GSocket *silent;             /* listening, never accepting */
	char *silent_url;
	int done[4];                 /* done calls per transfer tag */
	CURLcode rc[4];
	int free_in_done;            /* tag whose done frees the loop */
	int add_in_done;             /* tag whose done adds tag 3 */
	guint quit_at;               /* quit when this many dones came in */
	int total;
};

struct tag {
	struct fx *fx;
	int n;
};

static struct tag tags[4];

static void
fx_setup(struct fx *fx, gconstpointer data)
{
	GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	GSocketAddress *sa = g_inet_socket_address_new(lo, 0);
	GSocketAddress *bound;
	char *path;

	memset(fx, 0, sizeof(*fx));
	fx->ml = g_main_loop_new(NULL, FALSE);
	fx->cl = curl_loop_new(NULL);
	g_assert_nonnull(fx->cl);
	fx->dir = g_dir_make_tmp("nw-curl-loop-XXXXXX", NULL);
	path = g_build_filename(fx->dir, "body", NULL);
	g_assert_true(g_file_set_contents(path, "hello\n", -1, NULL));
	fx->file_url = g_filename_to_uri(path, NULL, NULL);
	g_free(path);
	fx->silent = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
	                          G_SOCKET_PROTOCOL_TCP, NULL);
	g_assert_true(g_socket_bind(fx->silent, sa, FALSE, NULL));
	g_assert_true(g_socket_listen(fx->silent, NULL));
	bound = g_socket_get_local_address(fx->silent, NULL);
	fx->silent_url = g_strdup_printf("http://127.0.0.1:%u/",
	                                 g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	g_object_unref(bound);
	g_object_unref(sa);
	g_object_unref(lo);
	fx->free_in_done = fx->add_in_done = -1;
	for (int i = 0; i < 4; i++) {
		tags[i].fx = fx;
		tags[i].n = i;
	}
}

static void
fx_teardown(struct fx *fx, gconstpointer data)
{
	char *path = g_build_filename(fx->dir, "body", NULL);

	curl_loop_free(fx->cl);
	g_unlink(path);
	g_rmdir(fx->dir);
	g_free(path);
	g_free(fx->dir);
	g_free(fx->file_url);
	g_free(fx->silent_url);
	g_object_unref(fx->silent);
	g_main_loop_unref(fx->ml);
}

static size_t
discard(char *buf, size_t size, size_t n, void *data)
{
	return size * n;
}

static CURL *
easy_for(const char *url)
{
	CURL *e = curl_easy_init();

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "file,http");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 20000L);
	return e;
}

static void
on_done(CURL *easy, CURLcode rc, void *user)
{
	struct tag *t = user;
	struct fx *fx = t->fx;

	fx->done[t->n]++;
	fx->rc[t->n] = rc;
	fx->total++;
	curl_easy_cleanup(easy);
	if (t->n == fx->add_in_done)
		g_assert_cmpint(curl_loop_add(fx->cl, easy_for(fx->file_url), on_done, &tags[3]), ==, 0);
	if (t->n == fx->free_in_done) {
		curl_loop_free(fx->cl);
		fx->cl = NULL;
	}
	if ((guint)fx->total >= fx->quit_at)
		g_main_loop_quit(fx->ml);
}

static gboolean
on_deadline(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_CONTINUE;
}

/* Runs the loop until quit_at dones, or ms milliseconds have passed. */
static void
run(struct fx *fx, guint ms)
{
	guint id = g_timeout_add(ms, on_deadline, fx->ml);

	g_main_loop_run(fx->ml);
	g_source_remove(id);
}

static void
test_done_once(struct fx *fx, gconstpointer data)
{
	for (int i = 0; i < 3; i++)
		g_assert_cmpint(curl_loop_add(fx->cl, easy_for(fx->file_url), on_done, &tags[i]), ==, 0);
	g_assert_cmpuint(curl_loop_active(fx->cl), ==, 3);
	fx->quit_at = 3;
	run(fx, 5000);
	run(fx, 100);                       /* nothing more comes */
	for (int i = 0; i < 3; i++) {
		g_assert_cmpint(fx->done[i], ==, 1);
		g_assert_cmpint(fx->rc[i], ==, CURLE_OK);
	}
	g_assert_cmpuint(curl_loop_active(fx->cl), ==, 0);
}

static void
test_add_in_done(struct fx *fx, gconstpointer data)
{
	fx->add_in_done = 0;
	g_assert_cmpint(curl_loop_add(fx->cl, easy_for(fx->file_url), on_done, &tags[0]), ==, 0);
	fx->quit_at = 2;
	run(fx, 5000);
	g_assert_cmpint(fx->done[0], ==, 1);
	g_assert_cmpint(fx->done[3], ==, 1);
	g_assert_cmpint(fx->rc[3], ==, CURLE_OK);
}

/* The loop freed by a done callback while another transfer is in flight:
 * the other one is aborted without its done, nothing runs on freed memory. */
static void
test_free_in_done(struct fx *fx, gconstpointer data)
{
	g_assert_cmpint(curl_loop_add(fx->cl, easy_for(fx->silent_url), on_done, &tags[1]), ==, 0);
	g_assert_cmpint(curl_loop_add(fx->cl, easy_for(fx->file_url), on_done, &tags[0]), ==, 0);
	g_assert_cmpint(curl_loop_add(fx->cl, easy_for(fx->file_url), on_done, &tags[2]), ==, 0);
	fx->free_in_done = 0;
	fx->quit_at = 100;
	run(fx, 300);
	g_assert_null(fx->cl);
	g_assert_cmpint(fx->done[0], ==, 1);
	g_assert_cmpint(fx->done[1], ==, 0);
	/* tag 2 may have finished in the same round before tag 0, never after */
	g_assert_cmpint(fx->done[2], <=, 1);
	g_assert_cmpint(fx->total, ==, 1 + fx->done[2]);
}

static void
test_remove(struct fx *fx, gconstpointer data)
{
	CURL *slow = easy_for(fx->silent_url);

	g_assert_cmpint(curl_loop_add(fx->cl, slow, on_done, &tags[1]), ==, 0);
	g_assert_cmpint(curl_loop_add(fx->cl, easy_for(fx->file_url), on_done, &tags[0]), ==, 0);
	fx->quit_at = 1;
	run(fx, 5000);
	g_assert_cmpint(fx->done[0], ==, 1);
	curl_loop_remove(fx->cl, slow);
	g_assert_cmpuint(curl_loop_active(fx->cl), ==, 0);
	curl_easy_cleanup(slow);            /* still ours */
	fx->quit_at = 100;
	run(fx, 200);
	g_assert_cmpint(fx->done[1], ==, 0);
}

/* Freed with transfers in flight, from outside any callback: no done at all. */
static void
test_free_in_flight(struct fx *fx, gconstpointer data)
{
	g_assert_cmpint(curl_loop_add(fx->cl, easy_for(fx->silent_url), on_done, &tags[1]), ==, 0);
	g_assert_cmpint(curl_loop_add(fx->cl, easy_for(fx->file_url), on_done, &tags[0]), ==, 0);
	curl_loop_free(fx->cl);
	fx->cl = NULL;
	fx->quit_at = 100;
	run(fx, 200);
	g_assert_cmpint(fx->total, ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
#define ADD(path, fn) g_test_add(path, struct fx, NULL, fx_setup, fn, fx_teardown)
	ADD("/curl_loop/done-once", test_done_once);
	ADD("/curl_loop/add-in-done", test_add_in_done);
	ADD("/curl_loop/free-in-done", test_free_in_done);
	ADD("/curl_loop/remove", test_remove);
	ADD("/curl_loop/free-in-flight", test_free_in_flight);
#undef ADD
	return g_test_run();
}
