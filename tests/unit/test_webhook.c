/* test_webhook.c — every webhook preset against a real HTTP receiver on
 * loopback (tests/servers/webhook_receiver.py), and the outbox's retries,
 * Retry-After, permanent failures, rate-limit summaries, quiet hours and
 * restarts through it. */
#include <string.h>
#include <curl/curl.h>

#include "helpers/alerts_helpers.h"
#include "log.h"
#include "store_outbox.h"

#define NASTY "Quote \" backslash \\ <!channel> @everyone \xf0\x9f\x9a\x80 bad\xff\xfe end"

static struct tsrv *srv;

/* The requests recorded under path prefix p. */
static GPtrArray *
requests(const char *p)
{
	json_t *log = th_webhook_log(srv->port);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
	size_t i;
	json_t *r;

	json_array_foreach(log, i, r)
		if (g_str_has_prefix(json_string_value(json_object_get(r, "path")), p))
			g_ptr_array_add(out, json_incref(r));
	json_decref(log);
	return out;
}

static json_t *
body_json(json_t *req)
{
	char *b = th_request_body(req);
	json_error_t err;
	json_t *j = json_loads(b, 0, &err);

	if (j == NULL)
		g_printerr("not JSON (%s): %s\n", err.text, b);
	g_assert_nonnull(j);
	g_free(b);
	return j;
}

static const char *
jstr(json_t *o, const char *path)
{
	char **parts = g_strsplit(path, ".", -1);
	json_t *v = o;

	for (char **p = parts; *p && v; p++) {
		if (g_ascii_isdigit(**p))
			v = json_array_get(v, (size_t)g_ascii_strtoll(*p, NULL, 10));
		else
			v = json_object_get(v, *p);
	}
	g_strfreev(parts);
	return json_string_value(v);
}

static void
test_presets(void)
{
	char *conf = g_strdup_printf(
		"[channel slack]\ntype = webhook\npreset = slack\nurl = http://127.0.0.1:%1$d/slack\n"
		"[channel discord]\ntype = webhook\npreset = discord\nurl_env = NW_TEST_DISCORD_URL\n"
		"[channel mm]\ntype = webhook\npreset = mattermost\nurl = http://127.0.0.1:%1$d/mm\n"
		"[channel teams]\ntype = webhook\npreset = teams\nurl = http://127.0.0.1:%1$d/teams\n"
		"[channel matrix]\ntype = webhook\npreset = matrix\nurl = http://127.0.0.1:%1$d/mx/\n"
		"room = !room:example.org\ntoken_env = NW_TEST_MATRIX_TOKEN\n"
		"[channel ntfy]\ntype = webhook\npreset = ntfy\nurl = http://127.0.0.1:%1$d/ntfy\ntopic = news\n"
		"[channel gotify]\ntype = webhook\npreset = gotify\nurl = http://127.0.0.1:%1$d/gotify\n"
		"token = gotify-app-token\n"
		"[channel json]\ntype = webhook\npreset = json\nurl = http://127.0.0.1:%1$d/json\n"
		"hmac_secret = s3cret\nheaders = X-Extra: yes\n", srv->port);
	char *url = g_strdup_printf("http://127.0.0.1:%d/discord", srv->port);
	struct th_env *e;
	struct alert *a = th_alert(NASTY, PRIORITY_URGENT, "Vladimir Putin", "people",
	                           "the [[Putin]] <b>quote</b> & more");
	GPtrArray *r;
	json_t *j;
	char *body, *sig, *path;

	g_setenv("NW_TEST_DISCORD_URL", url, TRUE);
	e = th_env_new(conf);
	th_enqueue(e, &a, 1);
	g_assert_cmpuint(outbox_run(e->ob, 10000), ==, 0);

	r = requests("/slack");
	g_assert_cmpuint(r->len, ==, 1);
	j = body_json(r->pdata[0]);
	g_assert_nonnull(strstr(jstr(j, "text"), "&lt;!channel&gt;"));
	g_assert_null(strstr(jstr(j, "text"), "<!channel>"));
	g_assert_nonnull(strstr(jstr(j, "text"), "<https://news.example.org/story?id=1|"));
	g_assert_nonnull(strstr(jstr(j, "text"), "\xf0\x9f\x9a\x80"));
	g_assert_true(json_is_false(json_object_get(j, "unfurl_links")));
	json_decref(j);
	g_ptr_array_unref(r);

	r = requests("/discord");
	g_assert_cmpuint(r->len, ==, 1);
	j = body_json(r->pdata[0]);
	g_assert_true(json_is_array(json_object_get(json_object_get(j, "allowed_mentions"), "parse")));
	g_assert_cmpuint(json_array_size(json_object_get(json_object_get(j, "allowed_mentions"), "parse")), ==, 0);
	g_assert_nonnull(strstr(jstr(j, "content"), "Quote \" backslash \\\\ "));
	g_assert_cmpuint(strlen(jstr(j, "content")), <=, 2000);
	json_decref(j);
	g_ptr_array_unref(r);

	r = requests("/mm");
	g_assert_cmpuint(r->len, ==, 1);
	j = body_json(r->pdata[0]);
	g_assert_nonnull(strstr(jstr(j, "text"), "@\xe2\x80\x8b" "everyone"));
	json_decref(j);
	g_ptr_array_unref(r);

	r = requests("/teams");
	g_assert_cmpuint(r->len, ==, 1);
	j = body_json(r->pdata[0]);
	g_assert_cmpstr(jstr(j, "type"), ==, "message");
	g_assert_cmpstr(jstr(j, "attachments.0.contentType"), ==, "application/vnd.microsoft.card.adaptive");
	g_assert_cmpstr(jstr(j, "attachments.0.content.type"), ==, "AdaptiveCard");
	g_assert_cmpstr(jstr(j, "attachments.0.content.version"), ==, "1.4");
	g_assert_cmpstr(jstr(j, "attachments.0.content.body.0.type"), ==, "TextBlock");
	g_assert_nonnull(strstr(jstr(j, "attachments.0.content.body.0.text"), "<!channel> @everyone"));
	g_assert_cmpstr(jstr(j, "attachments.0.content.actions.0.type"), ==, "Action.OpenUrl");
	g_assert_cmpstr(jstr(j, "attachments.0.content.actions.0.url"), ==, "https://news.example.org/story?id=1");
	json_decref(j);
	g_ptr_array_unref(r);

	r = requests("/mx/");
	g_assert_cmpuint(r->len, ==, 1);
	g_assert_cmpstr(jstr(r->pdata[0], "method"), ==, "PUT");
	path = g_strdup_printf("/mx/_matrix/client/v3/rooms/%%21room%%3Aexample.org/send/m.room.message/newswatch-%"
	                       G_GINT64_FORMAT, a->outbox_id);
	g_assert_cmpstr(jstr(r->pdata[0], "path"), ==, path);
	g_assert_cmpstr(jstr(r->pdata[0], "headers.authorization"), ==, "Bearer mx-token");
	j = body_json(r->pdata[0]);
	g_assert_cmpstr(jstr(j, "msgtype"), ==, "m.text");
	g_assert_cmpstr(jstr(j, "format"), ==, "org.matrix.custom.html");
	g_assert_nonnull(strstr(jstr(j, "formatted_body"), "&lt;!channel&gt;"));
	g_assert_nonnull(strstr(jstr(j, "formatted_body"), "&lt;b&gt;quote&lt;/b&gt;"));
	g_assert_true(json_is_object(json_object_get(j, "m.mentions")));
	json_decref(j);
	g_ptr_array_unref(r);
	g_free(path);

	r = requests("/ntfy");
	g_assert_cmpuint(r->len, ==, 1);
	j = body_json(r->pdata[0]);
	g_assert_cmpstr(jstr(j, "topic"), ==, "news");
	g_assert_nonnull(strstr(jstr(j, "title"), "<!channel>"));
	g_assert_cmpint(json_integer_value(json_object_get(j, "priority")), ==, 5);
	g_assert_cmpstr(jstr(j, "click"), ==, "https://news.example.org/story?id=1");
	g_assert_true(json_is_array(json_object_get(j, "tags")));
	json_decref(j);
	g_ptr_array_unref(r);

	r = requests("/gotify");
	g_assert_cmpuint(r->len, ==, 1);
	g_assert_cmpstr(jstr(r->pdata[0], "path"), ==, "/gotify/message");
	g_assert_cmpstr(jstr(r->pdata[0], "headers.x-gotify-key"), ==, "gotify-app-token");
	j = body_json(r->pdata[0]);
	g_assert_cmpint(json_integer_value(json_object_get(j, "priority")), ==, 8);
	g_assert_cmpstr(jstr(j, "extras.client::notification.click.url"), ==, "https://news.example.org/story?id=1");
	json_decref(j);
	g_ptr_array_unref(r);

	r = requests("/json");
	g_assert_cmpuint(r->len, ==, 1);
	g_assert_cmpstr(jstr(r->pdata[0], "headers.x-extra"), ==, "yes");
	body = th_request_body(r->pdata[0]);
	sig = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)"s3cret", 6, body, -1);
	{
		char *want = g_strconcat("sha256=", sig, NULL);

		g_assert_cmpstr(jstr(r->pdata[0], "headers.x-newswatch-signature"), ==, want);
		g_free(want);
	}
	j = body_json(r->pdata[0]);
	g_assert_true(g_str_has_prefix(jstr(j, "title"), "Quote \" backslash \\ <!channel> @everyone \xf0\x9f\x9a\x80 bad"));
	g_assert_true(g_utf8_validate(jstr(j, "title"), -1, NULL));
	g_assert_cmpstr(jstr(j, "priority"), ==, "urgent");
	g_assert_cmpstr(jstr(j, "matches.0.entry"), ==, "Vladimir Putin");
	json_decref(j);
	g_ptr_array_unref(r);
	g_free(body);
	g_free(sig);

	g_assert_cmpint(th_count(e, "json", "sent"), ==, 1);
	alert_free(a);
	th_env_free(e);
	g_free(conf);
	g_free(url);
}

static struct th_env *
one_channel(const char *path, const char *extra)
{
	char *conf = g_strdup_printf("[channel hook]\ntype = webhook\npreset = json\n"
	                             "url = http://127.0.0.1:%d%s\nretry_base = 300ms\n%s",
	                             srv->port, path, extra ? extra : "");
	struct th_env *e = th_env_new(conf);

	g_free(conf);
	return e;
}

static void
test_retry_5xx(void)
{
	struct th_env *e = one_channel("/s/500,500,500,200/retry", NULL);
	struct alert *a = th_alert("retried", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]] summit");
	GPtrArray *r;

	th_enqueue(e, &a, 1);
	g_assert_cmpuint(outbox_run(e->ob, 20000), ==, 0);
	r = requests("/s/500,500,500,200/retry");
	g_assert_cmpuint(r->len, ==, 4);
	g_assert_cmpint(json_integer_value(json_object_get(r->pdata[3], "status")), ==, 200);
	g_assert_cmpint(th_count(e, "hook", "sent"), ==, 1);
	/* Delivered and recorded: a restart sends nothing again. */
	th_env_restart(e);
	outbox_run(e->ob, 1500);
	g_ptr_array_unref(r);
	r = requests("/s/500,500,500,200/retry");
	g_assert_cmpuint(r->len, ==, 4);
	g_ptr_array_unref(r);
	alert_free(a);
	th_env_free(e);
}

static void
test_retry_after(void)
{
	struct th_env *e = one_channel("/s/429ra3,200/ra", NULL);
	struct alert *a = th_alert("slow down", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
	GPtrArray *r;
	double t0, t1;

	th_enqueue(e, &a, 1);
	g_assert_cmpuint(outbox_run(e->ob, 15000), ==, 0);
	r = requests("/s/429ra3,200/ra");
	g_assert_cmpuint(r->len, ==, 2);
	t0 = json_real_value(json_object_get(r->pdata[0], "time"));
	t1 = json_real_value(json_object_get(r->pdata[1], "time"));
	g_test_message("retry came %.2f s after the 429", t1 - t0);
	g_assert_cmpfloat(t1 - t0, >=, 3.0);
	g_ptr_array_unref(r);
	alert_free(a);
	th_env_free(e);
}

static void
test_permanent_404(void)
{
	struct th_env *e = one_channel("/s/404/gone", NULL);
	struct alert *a = th_alert("nobody home", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
	GPtrArray *r;

	th_enqueue(e, &a, 1);
	outbox_run(e->ob, 3000);
	r = requests("/s/404/gone");
	g_assert_cmpuint(r->len, ==, 1);
	g_assert_cmpint(th_count(e, "hook", "failed"), ==, 1);
	g_assert_cmpint(th_count(e, "hook", "pending"), ==, 0);
	/* outbox retry puts it back. */
	g_assert_cmpint(store_deliveries_retry(e->store, NULL, g_get_real_time() / G_USEC_PER_SEC), ==, 1);
	outbox_run(e->ob, 0);
	g_ptr_array_unref(r);
	r = requests("/s/404/gone");
	g_assert_cmpuint(r->len, ==, 2);
	g_ptr_array_unref(r);
	alert_free(a);
	th_env_free(e);
}

static void
test_max_age(void)
{
	struct th_env *e = one_channel("/s/503/old", "max_age = 2s\n");
	struct alert *a = th_alert("never arrives", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
	GPtrArray *r;

	th_enqueue(e, &a, 1);
	g_assert_cmpuint(outbox_run(e->ob, 10000), ==, 0);
	g_assert_cmpint(th_count(e, "hook", "given_up"), ==, 1);
	r = requests("/s/503/old");
	g_assert_cmpuint(r->len, >=, 1);
	g_ptr_array_unref(r);
	alert_free(a);
	th_env_free(e);
}

static void
test_rate_limit_summary(void)
{
	struct th_env *e = one_channel("/burst", "rate_limit = 5/3s\n");
	struct alert *alerts[100];
	GPtrArray *r;
	json_t *j;

	for (int i = 0; i < 100; i++) {
		char *t = g_strdup_printf("burst %d", i);

		alerts[i] = th_alert(t, PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
		g_free(t);
	}
	th_enqueue(e, alerts, 100);
	g_assert_cmpuint(outbox_run(e->ob, 10000), ==, 0);
	r = requests("/burst");
	g_assert_cmpuint(r->len, ==, 6);
	for (int i = 0; i < 5; i++) {
		j = body_json(r->pdata[i]);
		g_assert_nonnull(jstr(j, "title"));
		json_decref(j);
	}
	j = body_json(r->pdata[5]);
	g_assert_cmpint(json_integer_value(json_object_get(j, "count")), ==, 95);
	g_assert_cmpuint(json_array_size(json_object_get(j, "alerts")), ==, 95);
	g_assert_nonnull(strstr(jstr(j, "batch"), "rate limit"));
	json_decref(j);
	g_assert_cmpint(th_count(e, "hook", "sent"), ==, 100);
	g_ptr_array_unref(r);
	for (int i = 0; i < 100; i++)
		alert_free(alerts[i]);
	th_env_free(e);
}

static void
test_quiet_hours(void)
{
	GDateTime *now = g_date_time_new_now_local();
	GDateTime *from = g_date_time_add_seconds(now, -60), *to = g_date_time_add_seconds(now, 3);
	char *f = g_date_time_format(from, "%H:%M:%S"), *t = g_date_time_format(to, "%H:%M:%S");
	char *extra = g_strdup_printf("quiet_hours = %s-%s\n", f, t);
	struct th_env *e = one_channel("/quiet", extra);
	struct alert *alerts[4];
	GPtrArray *r;
	json_t *j;

	for (int i = 0; i < 3; i++)
		alerts[i] = th_alert("calm news", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
	alerts[3] = th_alert("urgent news", PRIORITY_URGENT, "NATO", "meetings", "[[NATO]]");
	th_enqueue(e, alerts, 4);
	outbox_run(e->ob, 0);
	r = requests("/quiet");
	g_assert_cmpuint(r->len, ==, 1);           /* only the urgent one, at once */
	j = body_json(r->pdata[0]);
	g_assert_cmpstr(jstr(j, "title"), ==, "urgent news");
	json_decref(j);
	g_ptr_array_unref(r);
	g_assert_cmpuint(outbox_run(e->ob, 8000), ==, 0);
	r = requests("/quiet");
	g_assert_cmpuint(r->len, ==, 2);
	j = body_json(r->pdata[1]);
	g_assert_cmpint(json_integer_value(json_object_get(j, "count")), ==, 3);
	g_assert_nonnull(strstr(jstr(j, "batch"), "quiet hours"));
	json_decref(j);
	g_ptr_array_unref(r);
	for (int i = 0; i < 4; i++)
		alert_free(alerts[i]);
	th_env_free(e);
	g_free(extra);
	g_free(f);
	g_free(t);
	g_date_time_unref(now);
	g_date_time_unref(from);
	g_date_time_unref(to);
}

static void
test_routes(void)
{
	char *conf = g_strdup_printf(
		"[channel urgent]\ntype = webhook\nurl = http://127.0.0.1:%1$d/route-urgent\n"
		"[channel rest]\ntype = webhook\nurl = http://127.0.0.1:%1$d/route-rest\n"
		"[route aid-urgent]\nchannels = urgent\nlists = aid\nmin_priority = urgent\n"
		"[route everything-else]\nchannels = rest\nfallback = true\n", srv->port);
	struct th_env *e = th_env_new(conf);
	struct alert *alerts[3] = {
		th_alert("aid urgent", PRIORITY_URGENT, "UNRWA", "aid", "[[UNRWA]]"),
		th_alert("aid normal", PRIORITY_NORMAL, "UNRWA", "aid", "[[UNRWA]]"),
		th_alert("people urgent", PRIORITY_URGENT, "Putin", "people", "[[Putin]]"),
	};
	GPtrArray *r;

	th_enqueue(e, alerts, 3);
	g_assert_cmpuint(outbox_run(e->ob, 5000), ==, 0);
	r = requests("/route-urgent");
	g_assert_cmpuint(r->len, ==, 1);
	g_ptr_array_unref(r);
	r = requests("/route-rest");
	g_assert_cmpuint(r->len, ==, 2);
	g_ptr_array_unref(r);
	for (int i = 0; i < 3; i++)
		alert_free(alerts[i]);
	th_env_free(e);
	g_free(conf);
}

static void
test_config_errors(void)
{
	static const struct { const char *conf; const char *error; } cases[] = {
		{ "[channel x]\ntype = webhook\npreset = nope\nurl = http://h/\n", "preset: unknown \"nope\"" },
		{ "[channel x]\ntype = webhook\n", "url is required" },
		{ "[channel x]\ntype = webhook\nurl = ftp://h/secret-token\n", "url: not an http" },
		{ "[channel x]\ntype = webhook\npreset = ntfy\nurl = http://h/\n", "preset ntfy needs topic" },
		{ "[channel x]\ntype = webhook\nurl_env = NW_TEST_UNSET_VARIABLE\n", "NW_TEST_UNSET_VARIABLE is not set" },
		{ "[channel x]\ntype = webhook\nurl = http://h/\nrate_limit = lots\n", "rate_limit: \"lots\"" },
		{ "[channel x]\ntype = webhook\nurl = http://h/\nquiet_hours = 25:00-07:00\n", "quiet_hours" },
		{ "[channel x]\ntype = stdout\n[route r]\nchannels = y\n", "route \"r\": no [channel y]" },
		{ "[channel x]\ntype = stdout\n[route r]\nchannels = x\ncolour = red\n", "unknown key \"colour\"" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
		struct config *cfg = config_load_data(cases[i].conf, "t.conf", errors);
		gboolean found = FALSE;

		g_assert_nonnull(cfg);
		g_assert_null(outbox_new(cfg, NULL, NULL, errors));
		for (guint k = 0; k < errors->len; k++) {
			found |= strstr(errors->pdata[k], cases[i].error) != NULL;
			/* Secrets never appear in messages. */
			g_assert_null(strstr(errors->pdata[k], "secret-token"));
		}
		if (!found)
			for (guint k = 0; k < errors->len; k++)
				g_printerr("case %zu: %s\n", i, (char *)errors->pdata[k]);
		g_assert_true(found);
		config_free(cfg);
		g_ptr_array_unref(errors);
	}
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	/* Retry warnings are expected here; they must not abort the test. */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	log_init(0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	g_setenv("NW_TEST_MATRIX_TOKEN", "mx-token", TRUE);
	srv = tsrv_start("webhook_receiver.py", NULL);
	g_test_add_func("/webhook/presets", test_presets);
	g_test_add_func("/webhook/retry-5xx", test_retry_5xx);
	g_test_add_func("/webhook/retry-after", test_retry_after);
	g_test_add_func("/webhook/permanent-404", test_permanent_404);
	g_test_add_func("/webhook/max-age", test_max_age);
	g_test_add_func("/webhook/rate-limit-summary", test_rate_limit_summary);
	g_test_add_func("/webhook/quiet-hours", test_quiet_hours);
	g_test_add_func("/webhook/routes", test_routes);
	g_test_add_func("/webhook/config-errors", test_config_errors);
	rc = g_test_run();
	tsrv_stop(srv);
	curl_global_cleanup();
	return rc;
}
