/* alerts_helpers.c — see alerts_helpers.h. */
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <curl/curl.h>
#include <glib/gstdio.h>

#include "alerts_helpers.h"
#include "match.h"
#include "store_outbox.h"

/* A server must never outlive a test that crashed: it would hold prove's pipes. */
static void
die_with_parent(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

struct tsrv *
tsrv_start(const char *script, ...)
{
	GSubprocessLauncher *l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	struct tsrv *s = g_new0(struct tsrv, 1);
	GError *err = NULL;
	GDataInputStream *in;
	char *line;
	const char *a;
	va_list ap;

	g_ptr_array_add(argv, g_strdup("/usr/bin/python3"));
	g_ptr_array_add(argv, g_strdup_printf("tests/servers/%s", script));
	va_start(ap, script);
	while ((a = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(argv, g_strdup(a));
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_child_setup(l, die_with_parent, NULL, NULL);
	s->proc = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata, &err);
	g_assert_no_error(err);
	g_object_unref(l);
	in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(s->proc));
	line = g_data_input_stream_read_line(in, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "PORT "));
	s->port = (int)g_ascii_strtoll(line + 5, NULL, 10);
	g_free(line);
	g_object_unref(in);
	g_ptr_array_unref(argv);
	return s;
}

void
tsrv_stop(struct tsrv *s)
{
	if (s == NULL)
		return;
	g_subprocess_send_signal(s->proc, SIGTERM);
	g_subprocess_wait(s->proc, NULL, NULL);
	g_object_unref(s->proc);
	g_free(s);
}

static size_t
collect(char *buf, size_t size, size_t n, void *data)
{
	g_string_append_len(data, buf, (gssize)(size * n));
	return size * n;
}

char *
th_http(const char *method, const char *url)
{
	CURL *c = curl_easy_init();
	GString *body = g_string_new(NULL);
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	rc = curl_easy_perform(c);
	g_assert_cmpint(rc, ==, CURLE_OK);
	curl_easy_cleanup(c);
	return g_string_free(body, FALSE);
}

json_t *
th_webhook_log(int port)
{
	char *url = g_strdup_printf("http://127.0.0.1:%d/_log", port);
	char *body = th_http("GET", url);
	json_t *j = json_loads(body, 0, NULL);

	g_assert_true(json_is_array(j));
	g_free(url);
	g_free(body);
	return j;
}

char *
th_request_body(json_t *req)
{
	gsize len;
	guchar *raw = g_base64_decode(json_string_value(json_object_get(req, "body")), &len);
	char *s = g_strndup((const char *)raw, len);

	g_free(raw);
	return s;
}

struct alert *
th_alert(const char *title, enum priority p, const char *entry, const char *list,
         const char *snippet)
{
	struct alert *a = alert_new();
	struct match *m = g_new0(struct match, 1);
	static int n;

	a->feed = g_strdup("test-feed");
	a->title = g_strdup(title);
	a->link = g_strdup("https://news.example.org/story?id=1");
	a->id = g_strdup_printf("item-%d", ++n);
	a->published = 1764322200;   /* 2025-11-28T09:30:00Z */
	a->priority = p;
	m->entry = g_strdup(entry);
	m->list = g_strdup(list);
	m->term = g_strdup(entry);
	m->field = g_strdup("title");
	m->snippet = g_strdup(snippet);
	m->priority = p;
	g_ptr_array_add(a->matches, m);
	return a;
}

static void
open_outbox(struct th_env *e)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);

	e->ob = outbox_new(e->cfg, e->store, NULL, errors);
	for (guint i = 0; i < errors->len; i++)
		g_printerr("%s\n", (char *)errors->pdata[i]);
	g_assert_cmpuint(errors->len, ==, 0);
	g_assert_nonnull(e->ob);
	g_ptr_array_unref(errors);
}

struct th_env *
th_env_new(const char *config_text)
{
	struct th_env *e = g_new0(struct th_env, 1);
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GString *text = g_string_new(config_text);
	char *path, *db, *err = NULL;

	e->dir = g_dir_make_tmp("nw-alerts-XXXXXX", NULL);
	g_assert_nonnull(e->dir);
	g_string_replace(text, "@DIR@", e->dir, 0);
	path = g_build_filename(e->dir, "newswatch.conf", NULL);
	g_assert_true(g_file_set_contents(path, text->str, -1, NULL));
	e->cfg = config_load(path, errors);
	for (guint i = 0; i < errors->len; i++)
		g_printerr("%s\n", (char *)errors->pdata[i]);
	g_assert_nonnull(e->cfg);
	g_assert_cmpint(outbox_check_config(e->cfg, errors), ==, 0);
	db = g_build_filename(e->dir, "state.db", NULL);
	e->store = store_open(db, &err);
	g_assert_null(err);
	g_assert_nonnull(e->store);
	open_outbox(e);
	g_free(db);
	g_free(path);
	g_string_free(text, TRUE);
	g_ptr_array_unref(errors);
	return e;
}

void
th_env_restart(struct th_env *e)
{
	outbox_free(e->ob);
	open_outbox(e);
}

static void
rm_rf(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

void
th_env_free(struct th_env *e)
{
	outbox_free(e->ob);
	store_close(e->store);
	config_free(e->cfg);
	rm_rf(e->dir);
	g_free(e->dir);
	g_free(e);
}

void
th_enqueue(struct th_env *e, struct alert **alerts, guint n)
{
	g_assert_cmpint(store_begin(e->store), ==, 0);
	for (guint i = 0; i < n; i++) {
		json_t *j = alert_to_json(alerts[i]);
		char *text = json_dumps(j, JSON_COMPACT);

		alerts[i]->outbox_id = store_alert_add(e->store, alerts[i]->feed, 0, alerts[i]->priority, text);
		g_assert_cmpint(alerts[i]->outbox_id, >, 0);
		g_assert_cmpint(outbox_enqueue(e->ob, alerts[i]), >=, 0);
		free(text);
		json_decref(j);
	}
	g_assert_cmpint(store_commit(e->store), ==, 0);
	outbox_kick(e->ob);
}

int
th_count(struct th_env *e, const char *channel, const char *state)
{
	const char *states[] = { state, NULL };
	GPtrArray *rows = store_deliveries_list(e->store, states);
	int n = 0;

	for (guint i = 0; rows && i < rows->len; i++)
		n += strcmp(((struct delivery_row *)rows->pdata[i])->channel, channel) == 0;
	if (rows)
		g_ptr_array_unref(rows);
	return n;
}

char *
th_read(const char *dir, const char *name)
{
	char *p = g_build_filename(dir, name, NULL);
	char *data = NULL;

	if (!g_file_get_contents(p, &data, NULL, NULL))
		data = NULL;
	g_free(p);
	return data;
}
