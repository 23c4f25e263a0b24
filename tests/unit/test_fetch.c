/* test_fetch.c — the fetcher against a real HTTP server on 127.0.0.1
 * (tests/servers/feedserver.py, started and stopped by each test), driven on
 * a GMainLoop. What the server saw is read back from its logs. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <curl/curl.h>
#include <jansson.h>
#include <glib/gstdio.h>

#include "fetch.h"

/* --- the server --------------------------------------------------------- */

struct server {
	GPid pid;
	int port;
	char *dir;              /* logs and port file */
};

static char *srcdir;

/* The source tree: $NEWSWATCH_SRCDIR, else up from the binary (build/tests/ and friends). */
static char *
find_srcdir(void)
{
	const char *env = g_getenv("NEWSWATCH_SRCDIR");
	char *exe, *dir;

	if (env)
		return g_strdup(env);
	exe = g_file_read_link("/proc/self/exe", NULL);
	dir = exe ? g_path_get_dirname(exe) : g_get_current_dir();
	g_free(exe);
	while (strcmp(dir, "/") != 0) {
		char *probe = g_build_filename(dir, "tests", "servers", "feedserver.py", NULL);
		gboolean ok = g_file_test(probe, G_FILE_TEST_EXISTS);
		char *up;

		g_free(probe);
		if (ok)
			return dir;
		up = g_path_get_dirname(dir);
		g_free(dir);
		dir = up;
	}
	g_free(dir);
	return g_get_current_dir();
}

static void
server_start(struct server *s)
{
	char *script = g_build_filename(srcdir, "tests", "servers", "feedserver.py", NULL);
	char *root = g_build_filename(srcdir, "tests", "fixtures", "fetch", NULL);
	char *portfile;
	GError *err = NULL;
	char *text = NULL;

	s->dir = g_dir_make_tmp("nw-fetch-XXXXXX", &err);
	g_assert_no_error(err);
	portfile = g_build_filename(s->dir, "port", NULL);
	{
		char *argv[] = { (char *)"/usr/bin/python3", script, (char *)"--port-file", portfile,
		                 (char *)"--log-dir", s->dir, (char *)"--root", root, NULL };

		/* no inherited stdout/stderr: a server must never hold prove's pipe */
		g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
		              G_SPAWN_STDERR_TO_DEV_NULL,
		              NULL, NULL, &s->pid, &err);
		g_assert_no_error(err);
	}
	for (int i = 0; i < 500 && !g_file_get_contents(portfile, &text, NULL, NULL); i++)
		g_usleep(20000);
	g_assert_nonnull(text);
	s->port = (int)g_ascii_strtoll(text, NULL, 10);
	g_assert_cmpint(s->port, >, 0);
	g_free(text);
	g_free(portfile);
	g_free(root);
	g_free(script);
}

static void
server_stop(struct server *s)
{
	const char *name;
	GDir *d;

	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	g_spawn_close_pid(s->pid);
	d = g_dir_open(s->dir, 0, NULL);
	while (d && (name = g_dir_read_name(d))) {
		char *p = g_build_filename(s->dir, name, NULL);

		g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(s->dir);
	g_free(s->dir);
}

static char *
server_log(const struct server *s, const char *name)
{
	char *p = g_build_filename(s->dir, name, NULL);
	char *text = NULL;

	g_file_get_contents(p, &text, NULL, NULL);
	g_free(p);
	return text ? text : g_strdup("");
}

/* Requests the server logged, as parsed JSON objects (caller unrefs). */
static GPtrArray *
server_requests(const struct server *s)
{
	GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
	char *text = server_log(s, "requests.jsonl");
	char **lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l; l++) {
		json_t *j;

		if (**l == '\0')
			continue;
		j = json_loads(*l, 0, NULL);
		g_assert_nonnull(j);
		g_ptr_array_add(a, j);
	}
	g_strfreev(lines);
	g_free(text);
	return a;
}

static const char *
req_header(GPtrArray *reqs, guint i, const char *name)
{
	json_t *h = json_object_get(g_ptr_array_index(reqs, i), "headers");

	return json_string_value(json_object_get(h, name));
}

/* Counts the access log lines starting with prefix, and the highest value of
 * key=N among them. */
static int
server_count(const struct server *s, const char *prefix, const char *key, int *max_value)
{
	char *text = server_log(s, "access.log");
	char **lines = g_strsplit(text, "\n", -1);
	int n = 0, max = 0;

	for (char **l = lines; *l; l++) {
		const char *c;

		if (!g_str_has_prefix(*l, prefix))
			continue;
		n++;
		c = key ? strstr(*l, key) : NULL;
		if (c && (int)g_ascii_strtoll(c + strlen(key), NULL, 10) > max)
			max = (int)g_ascii_strtoll(c + strlen(key), NULL, 10);
	}
	g_strfreev(lines);
	g_free(text);
	if (max_value)
		*max_value = max;
	return n;
}

/* Connections the server accepted, and the most it had open at once. */
static int
server_connections(const struct server *s, int *max_concurrent)
{
	return server_count(s, "open conn=", "concurrent=", max_concurrent);
}

/* The most requests the server was answering at once. */
static int
server_max_busy(const struct server *s)
{
	int max = 0;

	server_count(s, "begin conn=", "busy=", &max);
	return max;
}

/* --- running fetches ---------------------------------------------------- */

struct got {
	gboolean done;
	enum fetch_outcome outcome;
	long status;
	char *error, *etag, *last_modified, *content_type, *charset, *effective_url,
	     *permanent_url;
	gint64 retry_after, max_age;
	size_t body_bytes;
	GString *body;
	int sink_calls, start_calls;
	char *start_charset;
	int sink_refuse_after;  /* refuse on this sink call (1-based); 0 = never */
	gboolean start_refuse;
	double elapsed;
	GTimer *timer;
	/* shared by a batch */
	int *pending;
	GMainLoop *loop;
	struct fetcher *free_in_done;
};

static void
got_clear(struct got *g)
{
	g_free(g->error);
	g_free(g->etag);
	g_free(g->last_modified);
	g_free(g->content_type);
	g_free(g->charset);
	g_free(g->effective_url);
	g_free(g->permanent_url);
	g_free(g->start_charset);
	if (g->body)
		g_string_free(g->body, TRUE);
	if (g->timer)
		g_timer_destroy(g->timer);
	memset(g, 0, sizeof(*g));
}

static int
on_sink(const char *buf, size_t len, void *user)
{
	struct got *g = user;

	g->sink_calls++;
	if (g->sink_refuse_after && g->sink_calls >= g->sink_refuse_after)
		return -1;
	g_string_append_len(g->body, buf, len);
	return 0;
}

static int
on_start(const struct fetch_result *res, void *user)
{
	struct got *g = user;

	g->start_calls++;
	g_assert_cmpint(g->sink_calls, ==, 0);
	g_assert_true(res->http_status == 0 || res->http_status / 100 == 2);     /* 0: file:// */
	g->start_charset = g_strdup(res->charset);
	return g->start_refuse ? -1 : 0;
}

static void
on_done(const struct fetch_result *r, void *user)
{
	struct got *g = user;

	g_assert_false(g->done);        /* exactly once */
	g->done = TRUE;
	g->elapsed = g_timer_elapsed(g->timer, NULL);
	g->outcome = r->outcome;
	g->status = r->http_status;
	g->error = g_strdup(r->error);
	g->etag = g_strdup(r->etag);
	g->last_modified = g_strdup(r->last_modified);
	g->content_type = g_strdup(r->content_type);
	g->charset = g_strdup(r->charset);
	g->effective_url = g_strdup(r->effective_url);
	g->permanent_url = g_strdup(r->permanent_url);
	g->retry_after = r->retry_after;
	g->max_age = r->max_age;
	g->body_bytes = r->body_bytes;
	if (r->outcome == FETCH_OK || r->outcome == FETCH_NOT_MODIFIED)
		g_assert_null(r->error);
	else
		g_assert_nonnull(r->error);
	if (g->free_in_done)
		fetcher_free(g->free_in_done);
	if (--*g->pending == 0)
		g_main_loop_quit(g->loop);
}

static gboolean
on_watchdog(gpointer user)
{
	g_error("fetch test: no answer within 30 s");
	return G_SOURCE_REMOVE;
}

struct fx {
	struct server srv;
	struct fetch_options o;
	GMainLoop *loop;
};

static void
fx_setup(struct fx *fx, gconstpointer data)
{
	server_start(&fx->srv);
	fetch_options_defaults(&fx->o);
	/* short limits, so the slow cases end in a few seconds */
	fx->o.connect_timeout_s = 2;
	fx->o.timeout_s = 4;
	fx->o.low_speed_bytes = 100;
	fx->o.low_speed_time_s = 2;
	fx->o.max_body = 256 * 1024;
	fx->o.proxy = "";               /* loopback only, whatever the environment says */
	fx->loop = g_main_loop_new(NULL, FALSE);
}

static void
fx_teardown(struct fx *fx, gconstpointer data)
{
	g_main_loop_unref(fx->loop);
	server_stop(&fx->srv);
}

static char *
fx_url(const struct fx *fx, const char *path)
{
	return g_strdup_printf("http://127.0.0.1:%d%s", fx->srv.port, path);
}

/* Fetches n paths at once with one fetcher and waits for every done(). */
static void
fetch_many(struct fx *fx, const struct fetch_options *o, const char *const *paths,
           struct got *gots, int n, const char *etag, const char *lm)
{
	struct fetcher *f = fetcher_new(NULL, o ? o : &fx->o);
	int pending = n;
	guint wd = g_timeout_add_seconds(30, on_watchdog, NULL);

	for (int i = 0; i < n; i++) {
		char *url = strstr(paths[i], "://") ? g_strdup(paths[i]) : fx_url(fx, paths[i]);
		struct fetch_request req = {
			.url = url, .etag = etag, .last_modified = lm, .label = "test",
			.sink = on_sink, .done = on_done, .start = on_start, .user = &gots[i],
			.allow_file = g_str_has_prefix(paths[i], "file:"),
		};

		gots[i].body = g_string_new(NULL);
		gots[i].timer = g_timer_new();
		gots[i].pending = &pending;
		gots[i].loop = fx->loop;
		g_assert_cmpint(fetcher_add(f, &req), ==, 0);
		g_free(url);
	}
	g_assert_cmpuint(fetcher_active(f), ==, (guint)n);
	g_main_loop_run(fx->loop);
	g_source_remove(wd);
	g_assert_cmpuint(fetcher_active(f), ==, 0);
	fetcher_free(f);
}

static void
fetch_one(struct fx *fx, const char *path, struct got *g, const char *etag, const char *lm)
{
	fetch_many(fx, NULL, &path, g, 1, etag, lm);
	g_assert_true(g->done);
}

static char *
fixture(const char *name, gsize *len)
{
	char *p = g_build_filename(srcdir, "tests", "fixtures", "fetch", name, NULL);
	char *text = NULL;

	g_assert_true(g_file_get_contents(p, &text, len, NULL));
	g_free(p);
	return text;
}

/* --- pure helpers: tables ------------------------------------------------ */

static void
test_classify(void)
{
	static const struct {
		int code;
		long status;
		enum fetch_outcome want;
	} cases[] = {
		{ CURLE_OK, 200, FETCH_OK },
		{ CURLE_OK, 203, FETCH_OK },
		{ CURLE_OK, 0, FETCH_OK },              /* file:// */
		{ CURLE_OK, 304, FETCH_NOT_MODIFIED },
		{ CURLE_OK, 404, FETCH_PERMANENT },
		{ CURLE_OK, 410, FETCH_PERMANENT },
		{ CURLE_OK, 401, FETCH_PERMANENT },
		{ CURLE_OK, 403, FETCH_PERMANENT },
		{ CURLE_OK, 451, FETCH_PERMANENT },
		{ CURLE_OK, 408, FETCH_TEMPORARY },
		{ CURLE_OK, 429, FETCH_TEMPORARY },
		{ CURLE_OK, 500, FETCH_TEMPORARY },
		{ CURLE_OK, 502, FETCH_TEMPORARY },
		{ CURLE_OK, 503, FETCH_TEMPORARY },
		{ CURLE_OK, 504, FETCH_TEMPORARY },
		{ CURLE_OK, 302, FETCH_TEMPORARY },     /* a redirect without Location */
		{ CURLE_OPERATION_TIMEDOUT, 0, FETCH_TEMPORARY },
		{ CURLE_OPERATION_TIMEDOUT, 200, FETCH_TEMPORARY },
		{ CURLE_COULDNT_RESOLVE_HOST, 0, FETCH_TEMPORARY },
		{ CURLE_COULDNT_RESOLVE_PROXY, 0, FETCH_TEMPORARY },
		{ CURLE_COULDNT_CONNECT, 0, FETCH_TEMPORARY },
		{ CURLE_RECV_ERROR, 200, FETCH_TEMPORARY },
		{ CURLE_PARTIAL_FILE, 200, FETCH_TEMPORARY },
		{ CURLE_GOT_NOTHING, 0, FETCH_TEMPORARY },
		{ CURLE_SSL_CONNECT_ERROR, 0, FETCH_TEMPORARY },
		{ CURLE_PEER_FAILED_VERIFICATION, 0, FETCH_TEMPORARY },
		{ CURLE_BAD_CONTENT_ENCODING, 200, FETCH_TEMPORARY },
		{ CURLE_UNSUPPORTED_PROTOCOL, 0, FETCH_PERMANENT },
		{ CURLE_UNSUPPORTED_PROTOCOL, 302, FETCH_PERMANENT },
		{ CURLE_URL_MALFORMAT, 0, FETCH_PERMANENT },
		{ CURLE_TOO_MANY_REDIRECTS, 302, FETCH_PERMANENT },
		{ CURLE_FILESIZE_EXCEEDED, 200, FETCH_PERMANENT },
		{ CURLE_FILE_COULDNT_READ_FILE, 0, FETCH_PERMANENT },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		enum fetch_outcome got = fetch_classify(cases[i].code, cases[i].status);

		if (got != cases[i].want)
			g_error("case %zu: curl %d http %ld: %s, want %s", i, cases[i].code, cases[i].status,
			        fetch_outcome_name(got), fetch_outcome_name(cases[i].want));
	}
}

static void
test_retry_after(void)
{
	const gint64 now = 1762164000;  /* Mon, 03 Nov 2025 10:00:00 GMT */
	static const struct {
		const char *value;
		gint64 cap, want;
	} cases[] = {
		{ NULL, 21600, 0 },
		{ "", 21600, 0 },
		{ "120", 21600, 120 },
		{ "  120 ", 21600, 120 },
		{ "0", 21600, 0 },
		{ "86400", 21600, 21600 },                      /* capped */
		{ "99999999999999999999999999", 21600, 21600 },
		{ "-5", 21600, 0 },
		{ "12abc", 21600, 0 },
		{ "soon", 21600, 0 },
		{ "Mon, 03 Nov 2025 10:05:00 GMT", 21600, 300 },
		{ "Monday, 03-Nov-25 10:01:00 GMT", 21600, 60 },
		{ "Mon Nov  3 10:02:00 2025", 21600, 120 },
		{ "Mon, 03 Nov 2025 09:00:00 GMT", 21600, 0 },  /* in the past */
		{ "Tue, 04 Nov 2025 10:00:00 GMT", 21600, 21600 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		gint64 got = fetch_parse_retry_after(cases[i].value, now, cases[i].cap);

		if (got != cases[i].want)
			g_error("case %zu \"%s\": %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT,
			        i, cases[i].value, got, cases[i].want);
	}
}

static void
test_header_values(void)
{
	static const struct {
		const char *cc;
		gint64 want;
	} ages[] = {
		{ NULL, 0 }, { "", 0 }, { "max-age=300", 300 }, { "public, max-age=3600", 3600 },
		{ "s-maxage=600", 0 }, { "s-maxage=600, max-age=60", 60 }, { "MAX-AGE = 90", 90 },
		{ "max-age=\"120\"", 120 }, { "max-age=abc", 0 }, { "no-cache", 0 },
	};
	static const struct {
		const char *ct, *want;
	} charsets[] = {
		{ NULL, NULL }, { "application/rss+xml", NULL },
		{ "text/xml; charset=ISO-8859-1", "iso-8859-1" },
		{ "text/xml;charset=\"windows-1251\"", "windows-1251" },
		{ "text/html; foo=bar; Charset = utf-8 ", "utf-8" },
		{ "text/xml; charset=", NULL },
	};
	static const struct {
		const char *url, *want;
	} hosts[] = {
		{ "http://Example.ORG/feed", "example.org" },
		{ "https://news.example.com:8443/rss?x=1", "news.example.com" },
		{ "http://[::1]:8080/", "[::1]" },
		{ "file:///tmp/feed.xml", "" },
		{ "not a url", NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(ages); i++)
		g_assert_cmpint(fetch_parse_max_age(ages[i].cc), ==, ages[i].want);
	for (gsize i = 0; i < G_N_ELEMENTS(charsets); i++) {
		char *got = fetch_parse_charset(charsets[i].ct);

		g_assert_cmpstr(got, ==, charsets[i].want);
		g_free(got);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(hosts); i++) {
		char *got = fetch_url_host(hosts[i].url);

		g_assert_cmpstr(got, ==, hosts[i].want);
		g_free(got);
	}
}

/* --- against the server ------------------------------------------------- */

static void
test_etag_round_trip(struct fx *fx, gconstpointer data)
{
	struct got a = { 0 }, b = { 0 };
	GPtrArray *reqs;
	gsize len;
	char *want = fixture("basic.xml", &len);

	fetch_one(fx, "/feed/basic.xml", &a, NULL, NULL);
	g_assert_cmpint(a.outcome, ==, FETCH_OK);
	g_assert_cmpint(a.status, ==, 200);
	g_assert_cmpmem(a.body->str, a.body->len, want, len);
	g_assert_cmpuint(a.body_bytes, ==, len);
	g_assert_nonnull(a.etag);
	g_assert_nonnull(a.last_modified);
	g_assert_cmpstr(a.charset, ==, "utf-8");
	g_assert_cmpstr(a.start_charset, ==, "utf-8");
	g_assert_cmpint(a.start_calls, ==, 1);

	fetch_one(fx, "/feed/basic.xml", &b, a.etag, a.last_modified);
	g_assert_cmpint(b.outcome, ==, FETCH_NOT_MODIFIED);
	g_assert_cmpint(b.status, ==, 304);
	g_assert_cmpint(b.sink_calls, ==, 0);
	g_assert_cmpint(b.start_calls, ==, 0);
	g_assert_cmpstr(b.etag, ==, a.etag);
	g_assert_cmpstr(b.last_modified, ==, a.last_modified);

	reqs = server_requests(&fx->srv);
	g_assert_cmpuint(reqs->len, ==, 2);
	g_assert_null(req_header(reqs, 0, "if-none-match"));
	g_assert_cmpstr(req_header(reqs, 1, "if-none-match"), ==, a.etag);
	g_assert_cmpstr(req_header(reqs, 1, "if-modified-since"), ==, a.last_modified);
	g_ptr_array_unref(reqs);
	g_free(want);
	got_clear(&a);
	got_clear(&b);
}

static void
test_last_modified_only(struct fx *fx, gconstpointer data)
{
	struct got a = { 0 }, b = { 0 };

	fetch_one(fx, "/feed/basic.xml?etag=0", &a, NULL, NULL);
	g_assert_cmpint(a.outcome, ==, FETCH_OK);
	g_assert_null(a.etag);
	g_assert_nonnull(a.last_modified);
	fetch_one(fx, "/feed/basic.xml?etag=0", &b, a.etag, a.last_modified);
	g_assert_cmpint(b.outcome, ==, FETCH_NOT_MODIFIED);
	g_assert_cmpint(b.sink_calls, ==, 0);
	g_assert_cmpstr(b.last_modified, ==, a.last_modified);
	got_clear(&a);
	got_clear(&b);
}

static void
test_user_agent(struct fx *fx, gconstpointer data)
{
	struct got a = { 0 };
	GPtrArray *reqs;
	const char *ua, *ae;

	fetch_one(fx, "/feed/basic.xml", &a, NULL, NULL);
	reqs = server_requests(&fx->srv);
	ua = req_header(reqs, 0, "user-agent");
	g_assert_nonnull(ua);
	g_assert_true(g_str_has_prefix(ua, "newswatch/" NEWSWATCH_VERSION " "));
	ae = req_header(reqs, 0, "accept-encoding");
	g_assert_nonnull(ae);
	g_assert_nonnull(strstr(ae, "gzip"));
	g_assert_nonnull(strstr(req_header(reqs, 0, "accept"), "application/rss+xml"));
	g_ptr_array_unref(reqs);
	got_clear(&a);
}

static void
test_compressed(struct fx *fx, gconstpointer data)
{
	static const char *const paths[] = { "/feed/basic.xml?gzip=1", "/feed/basic.xml?deflate=1" };
	struct got g[2] = { 0 };
	gsize len;
	char *want = fixture("basic.xml", &len);
	char *log;

	fetch_many(fx, NULL, paths, g, 2, NULL, NULL);
	for (int i = 0; i < 2; i++) {
		g_assert_cmpint(g[i].outcome, ==, FETCH_OK);
		g_assert_cmpmem(g[i].body->str, g[i].body->len, want, len);
		got_clear(&g[i]);
	}
	/* the server really did compress (it answers plain text otherwise) */
	log = server_log(&fx->srv, "requests.jsonl");
	g_assert_nonnull(strstr(log, "deflate"));
	g_free(log);
	g_free(want);
}

static void
test_redirects(struct fx *fx, gconstpointer data)
{
	static const struct {
		const char *path;
		gboolean permanent;
	} cases[] = {
		{ "/redir/301/feed/basic.xml", TRUE },
		{ "/redir/308/feed/basic.xml", TRUE },
		{ "/redir/301/redir/308/feed/basic.xml", TRUE },
		{ "/redir/302/feed/basic.xml", FALSE },
		{ "/redir/307/feed/basic.xml", FALSE },
		{ "/redir/301/redir/302/feed/basic.xml", FALSE },
		{ "/redir/303/redir/301/feed/basic.xml", FALSE },
	};
	char *final = fx_url(fx, "/feed/basic.xml");

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct got g = { 0 };

		fetch_one(fx, cases[i].path, &g, NULL, NULL);
		g_assert_cmpint(g.outcome, ==, FETCH_OK);
		g_assert_cmpint(g.sink_calls, >, 0);
		g_assert_cmpstr(g.effective_url, ==, final);
		if (cases[i].permanent)
			g_assert_cmpstr(g.permanent_url, ==, final);
		else
			g_assert_null(g.permanent_url);
		got_clear(&g);
	}
	g_free(final);
}

static void
test_redirect_schemes_refused(struct fx *fx, gconstpointer data)
{
	char *file = g_build_filename(srcdir, "tests", "fixtures", "fetch", "basic.xml", NULL);
	char *targets[3], *esc;
	int conns;

	targets[0] = g_strconcat("file://", file, NULL);
	targets[1] = g_strdup_printf("ftp://127.0.0.1:%d/feed/basic.xml", fx->srv.port);
	targets[2] = g_strdup_printf("gopher://127.0.0.1:%d/1/feed", fx->srv.port);
	for (int i = 0; i < 3; i++) {
		struct got g = { 0 };
		char *path;

		esc = g_uri_escape_string(targets[i], NULL, FALSE);
		path = g_strdup_printf("/redirect-to?code=301&url=%s", esc);
		fetch_one(fx, path, &g, NULL, NULL);
		g_assert_cmpint(g.outcome, ==, FETCH_PERMANENT);
		g_assert_cmpint(g.sink_calls, ==, 0);
		g_assert_null(g.permanent_url);
		g_assert_nonnull(strstr(g.error, "refused"));
		g_free(path);
		g_free(esc);
		got_clear(&g);
	}
	/* one connection per fetcher for the redirect itself, none to ftp/gopher */
	conns = server_connections(&fx->srv, NULL);
	g_assert_cmpint(conns, ==, 3);
	{
		GPtrArray *reqs = server_requests(&fx->srv);

		g_assert_cmpuint(reqs->len, ==, 3);     /* nothing reached us but the redirects */
		g_ptr_array_unref(reqs);
	}
	for (int i = 0; i < 3; i++)
		g_free(targets[i]);
	g_free(file);
}

static void
test_file_scheme(struct fx *fx, gconstpointer data)
{
	char *file = g_build_filename(srcdir, "tests", "fixtures", "fetch", "basic.xml", NULL);
	char *url = g_strconcat("file://", file, NULL);
	struct got g = { 0 }, h = { 0 };
	struct fetcher *f = fetcher_new(NULL, &fx->o);
	int pending = 1;
	struct fetch_request req = { .url = url, .label = "file", .sink = on_sink, .done = on_done,
	                             .user = &h };
	gsize len;
	char *want = fixture("basic.xml", &len);

	/* configured explicitly: allowed */
	fetch_one(fx, url, &g, NULL, NULL);
	g_assert_cmpint(g.outcome, ==, FETCH_OK);
	g_assert_cmpmem(g.body->str, g.body->len, want, len);

	/* not configured: refused */
	h.body = g_string_new(NULL);
	h.timer = g_timer_new();
	h.pending = &pending;
	h.loop = fx->loop;
	g_assert_cmpint(fetcher_add(f, &req), ==, 0);
	g_main_loop_run(fx->loop);
	g_assert_cmpint(h.outcome, ==, FETCH_PERMANENT);
	g_assert_cmpint(h.sink_calls, ==, 0);
	g_assert_nonnull(strstr(h.error, "refused"));
	fetcher_free(f);
	got_clear(&g);
	got_clear(&h);
	g_free(want);
	g_free(url);
	g_free(file);
}

static void
test_redirect_loop(struct fx *fx, gconstpointer data)
{
	struct got g = { 0 };
	GPtrArray *reqs;

	fetch_one(fx, "/loop/0", &g, NULL, NULL);
	g_assert_cmpint(g.outcome, ==, FETCH_PERMANENT);
	g_assert_nonnull(strstr(g.error, "redirects"));
	reqs = server_requests(&fx->srv);
	g_assert_cmpuint(reqs->len, ==, 6);     /* the request and 5 redirects */
	g_ptr_array_unref(reqs);
	got_clear(&g);
}

static void
test_statuses(struct fx *fx, gconstpointer data)
{
	static const struct {
		const char *path;
		enum fetch_outcome want;
		long status;
		gint64 retry_min, retry_max;
	} cases[] = {
		{ "/status/404", FETCH_PERMANENT, 404, 0, 0 },
		{ "/status/410", FETCH_PERMANENT, 410, 0, 0 },
		{ "/status/403", FETCH_PERMANENT, 403, 0, 0 },
		{ "/status/400", FETCH_PERMANENT, 400, 0, 0 },
		{ "/status/408", FETCH_TEMPORARY, 408, 0, 0 },
		{ "/status/500", FETCH_TEMPORARY, 500, 0, 0 },
		{ "/status/502", FETCH_TEMPORARY, 502, 0, 0 },
		{ "/status/429?retry_after=120", FETCH_TEMPORARY, 429, 120, 120 },
		{ "/status/503?retry_after=999999", FETCH_TEMPORARY, 503, 21600, 21600 },
		{ "/status/503?retry_after_date=600", FETCH_TEMPORARY, 503, 590, 600 },
		{ "/nowhere", FETCH_PERMANENT, 404, 0, 0 },
		{ "/status/500?size=1000000", FETCH_TEMPORARY, 500, 0, 0 },   /* error page > cap */
		{ "/status/404?size=1000000", FETCH_PERMANENT, 404, 0, 0 },
	};
	const char *paths[G_N_ELEMENTS(cases)];
	struct got g[G_N_ELEMENTS(cases)] = { 0 };

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		paths[i] = cases[i].path;
	fetch_many(fx, NULL, paths, g, G_N_ELEMENTS(cases), NULL, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *code = g_strdup_printf("http %ld", cases[i].status);

		if (g[i].outcome != cases[i].want)
			g_error("%s: %s, want %s", cases[i].path, fetch_outcome_name(g[i].outcome),
			        fetch_outcome_name(cases[i].want));
		g_assert_cmpint(g[i].status, ==, cases[i].status);
		g_assert_cmpint(g[i].sink_calls, ==, 0);        /* error pages are never parsed */
		g_assert_cmpint(g[i].retry_after, >=, cases[i].retry_min);
		g_assert_cmpint(g[i].retry_after, <=, cases[i].retry_max);
		g_assert_true(g_str_has_prefix(g[i].error, code));
		g_free(code);
		got_clear(&g[i]);
	}
}

/* Each misbehaving server ends with the expected outcome, in bounded time. */
static void
test_hostile(struct fx *fx, gconstpointer data)
{
	static const struct {
		const char *path;
		enum fetch_outcome want;
		const char *error;      /* substring of the message */
		double max_s;
	} cases[] = {
		/* the bounds leave room for a loaded machine (ASan, parallel
		 * suites); left alone, /hang waits 120 s and /drip 1000 s */
		{ "/hang", FETCH_TEMPORARY, "timed out", 20 },
		{ "/drip", FETCH_TEMPORARY, "timed out", 20 },
		{ "/endless", FETCH_PERMANENT, "larger than", 20 },
		{ "/bomb", FETCH_PERMANENT, "larger than", 20 },
		{ "/huge", FETCH_PERMANENT, "Content-Length", 20 },
		{ "/short", FETCH_TEMPORARY, NULL, 20 },
		{ "/reset", FETCH_TEMPORARY, NULL, 20 },
		{ "/badgzip", FETCH_TEMPORARY, NULL, 20 },
		{ "/empty", FETCH_OK, NULL, 20 },
	};
	const char *paths[G_N_ELEMENTS(cases)];
	struct got g[G_N_ELEMENTS(cases)] = { 0 };
	struct fetch_options o = fx->o;

	/* all at once: a stuck transfer must not hold up the others */
	o.max_per_host = G_N_ELEMENTS(cases);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		paths[i] = cases[i].path;
	fetch_many(fx, &o, paths, g, G_N_ELEMENTS(cases), NULL, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (g[i].outcome != cases[i].want)
			g_error("%s: %s (%s), want %s", cases[i].path, fetch_outcome_name(g[i].outcome),
			        g[i].error, fetch_outcome_name(cases[i].want));
		if (cases[i].error && !strstr(g[i].error, cases[i].error))
			g_error("%s: error \"%s\" lacks \"%s\"", cases[i].path, g[i].error, cases[i].error);
		g_assert_cmpfloat(g[i].elapsed, <, cases[i].max_s);
		g_assert_cmpuint(g[i].body_bytes, <=, o.max_body);
		g_assert_cmpuint(g[i].body->len, <=, o.max_body);
		got_clear(&g[i]);
	}
}

static void
test_per_host_cap(struct fx *fx, gconstpointer data)
{
	enum { N = 20 };
	const char *paths[N];
	struct got g[N] = { 0 };
	struct fetch_options o = fx->o;
	int max = 0, conns;

	o.max_per_host = 2;
	for (int i = 0; i < N; i++)
		paths[i] = "/slow/100/basic.xml";
	fetch_many(fx, &o, paths, g, N, NULL, NULL);
	for (int i = 0; i < N; i++) {
		g_assert_cmpint(g[i].outcome, ==, FETCH_OK);
		got_clear(&g[i]);
	}
	conns = server_connections(&fx->srv, &max);
	g_assert_cmpint(max, ==, 2);            /* concurrent, but never more than the cap */
	g_assert_cmpint(conns, <=, N);
	g_assert_cmpint(server_max_busy(&fx->srv), ==, 2);
	g_test_message("%d requests over %d connections, at most %d at once", N, conns, max);
}

static void
test_global_cap(struct fx *fx, gconstpointer data)
{
	enum { N = 12 };
	const char *paths[N];
	struct got g[N] = { 0 };
	struct fetch_options o = fx->o;
	char *other = g_strdup_printf("http://localhost:%d/slow/100/basic.xml", fx->srv.port);
	int max = 0;

	/* two host names for one server: per-host 2 each would allow 4 */
	o.max_per_host = 2;
	o.max_connections = 3;
	for (int i = 0; i < N; i++)
		paths[i] = i % 2 ? other : "/slow/100/basic.xml";
	fetch_many(fx, &o, paths, g, N, NULL, NULL);
	for (int i = 0; i < N; i++) {
		g_assert_cmpint(g[i].outcome, ==, FETCH_OK);
		got_clear(&g[i]);
	}
	/* counted as requests being answered: a connection curl closed to make
	 * room may still look open to the server for a moment */
	max = server_max_busy(&fx->srv);
	g_assert_cmpint(max, <=, 3);
	g_assert_cmpint(max, >=, 2);
	g_free(other);
}

static void
test_max_age(struct fx *fx, gconstpointer data)
{
	struct got g = { 0 };

	fetch_one(fx, "/feed/basic.xml?cache=3600&ct=text/xml;%20charset=ISO-8859-1", &g, NULL, NULL);
	g_assert_cmpint(g.outcome, ==, FETCH_OK);
	g_assert_cmpint(g.max_age, ==, 3600);
	g_assert_cmpstr(g.charset, ==, "iso-8859-1");
	g_assert_cmpstr(g.content_type, ==, "text/xml; charset=ISO-8859-1");
	got_clear(&g);
}

static void
test_sink_refuses(struct fx *fx, gconstpointer data)
{
	struct got g[2] = { 0 };
	static const char *const paths[] = { "/feed/basic.xml", "/feed/basic.xml" };
	struct fetcher *f = fetcher_new(NULL, &fx->o);
	int pending = 2;

	g[0].sink_refuse_after = 1;
	g[1].start_refuse = TRUE;
	for (int i = 0; i < 2; i++) {
		char *url = fx_url(fx, paths[i]);
		struct fetch_request req = { .url = url, .sink = on_sink, .start = on_start,
		                             .done = on_done, .user = &g[i] };

		g[i].body = g_string_new(NULL);
		g[i].timer = g_timer_new();
		g[i].pending = &pending;
		g[i].loop = fx->loop;
		g_assert_cmpint(fetcher_add(f, &req), ==, 0);
		g_free(url);
	}
	g_main_loop_run(fx->loop);
	g_assert_cmpint(g[0].outcome, ==, FETCH_PERMANENT);
	g_assert_cmpint(g[0].sink_calls, ==, 1);
	g_assert_cmpint(g[1].outcome, ==, FETCH_PERMANENT);
	g_assert_cmpint(g[1].sink_calls, ==, 0);
	fetcher_free(f);
	got_clear(&g[0]);
	got_clear(&g[1]);
}

static gboolean
cancel_soon(gpointer f)
{
	fetcher_cancel_all(f);
	return G_SOURCE_REMOVE;
}

static void
test_cancel(struct fx *fx, gconstpointer data)
{
	struct fetch_options o = fx->o;
	struct fetcher *f;
	struct got g[3] = { 0 };
	int pending = 3;

	o.max_per_host = 1;     /* one running, two waiting in the queue */
	o.timeout_s = 60;
	f = fetcher_new(NULL, &o);
	for (int i = 0; i < 3; i++) {
		char *url = fx_url(fx, "/hang");
		struct fetch_request req = { .url = url, .sink = on_sink, .done = on_done, .user = &g[i] };

		g[i].body = g_string_new(NULL);
		g[i].timer = g_timer_new();
		g[i].pending = &pending;
		g[i].loop = fx->loop;
		g_assert_cmpint(fetcher_add(f, &req), ==, 0);
		g_free(url);
	}
	g_timeout_add(300, cancel_soon, f);
	g_main_loop_run(fx->loop);
	for (int i = 0; i < 3; i++) {
		g_assert_true(g[i].done);
		g_assert_cmpint(g[i].outcome, ==, FETCH_TEMPORARY);
		g_assert_cmpstr(g[i].error, ==, "cancelled");
		g_assert_cmpfloat(g[i].elapsed, <, 5);
		got_clear(&g[i]);
	}
	g_assert_cmpuint(fetcher_active(f), ==, 0);
	fetcher_free(f);
}

/* fetcher_free from inside done(), with other transfers still in flight. */
static void
test_free_in_done(struct fx *fx, gconstpointer data)
{
	struct fetcher *f = fetcher_new(NULL, &fx->o);
	struct got a = { 0 }, b = { 0 };
	int pending = 1;
	char *u1 = fx_url(fx, "/feed/basic.xml"), *u2 = fx_url(fx, "/hang");
	struct fetch_request r1 = { .url = u1, .sink = on_sink, .done = on_done, .user = &a };
	struct fetch_request r2 = { .url = u2, .sink = on_sink, .done = on_done, .user = &b };

	a.body = g_string_new(NULL);
	a.timer = g_timer_new();
	a.pending = &pending;
	a.loop = fx->loop;
	a.free_in_done = f;
	b.body = g_string_new(NULL);
	b.timer = g_timer_new();
	b.pending = &pending;
	b.loop = fx->loop;
	g_assert_cmpint(fetcher_add(f, &r1), ==, 0);
	g_assert_cmpint(fetcher_add(f, &r2), ==, 0);
	g_main_loop_run(fx->loop);
	g_assert_cmpint(a.outcome, ==, FETCH_OK);
	g_assert_false(b.done);         /* freed: the other transfer is dropped silently */
	/* the loop still runs cleanly afterwards: no source of the dead fetcher fires */
	for (int i = 0; i < 20; i++)
		g_main_context_iteration(NULL, FALSE);
	g_assert_false(b.done);
	got_clear(&a);
	got_clear(&b);
	g_free(u1);
	g_free(u2);
}

int
main(int argc, char **argv)
{
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	g_test_init(&argc, &argv, NULL);
	srcdir = find_srcdir();
	g_test_add_func("/fetch/classify", test_classify);
	g_test_add_func("/fetch/retry-after", test_retry_after);
	g_test_add_func("/fetch/header-values", test_header_values);
#define ADD(path, fn) g_test_add(path, struct fx, NULL, fx_setup, fn, fx_teardown)
	ADD("/fetch/server/etag-round-trip", test_etag_round_trip);
	ADD("/fetch/server/last-modified-only", test_last_modified_only);
	ADD("/fetch/server/user-agent", test_user_agent);
	ADD("/fetch/server/compressed", test_compressed);
	ADD("/fetch/server/redirects", test_redirects);
	ADD("/fetch/server/redirect-schemes-refused", test_redirect_schemes_refused);
	ADD("/fetch/server/file-scheme", test_file_scheme);
	ADD("/fetch/server/redirect-loop", test_redirect_loop);
	ADD("/fetch/server/statuses", test_statuses);
	ADD("/fetch/server/hostile", test_hostile);
	ADD("/fetch/server/per-host-cap", test_per_host_cap);
	ADD("/fetch/server/global-cap", test_global_cap);
	ADD("/fetch/server/max-age-charset", test_max_age);
	ADD("/fetch/server/sink-refuses", test_sink_refuses);
	ADD("/fetch/server/cancel", test_cancel);
	ADD("/fetch/server/free-in-done", test_free_in_done);
#undef ADD
	rc = g_test_run();
	g_free(srcdir);
	curl_global_cleanup();
	return rc;
}
