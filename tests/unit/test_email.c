/* test_email.c — the email channel against a real SMTP server on loopback
 * (aiosmtpd, tests/servers/smtp_server.py) with STARTTLS (a self-signed
 * certificate made here with openssl) and AUTH. */
#include <string.h>
#include <curl/curl.h>
#include <glib/gstdio.h>

#include "helpers/alerts_helpers.h"
#include "log.h"

static char *tmp, *cert, *key;

static char *
mkdir_in(const char *name)
{
	char *d = g_build_filename(tmp, name, NULL);

	g_assert_cmpint(g_mkdir_with_parents(d, 0700), ==, 0);
	return d;
}

static struct tsrv *
smtp_start(const char *dir, gboolean tls, const char *port)
{
	if (tls)
		return tsrv_start("smtp_server.py", "--dir", dir, "--cert", cert, "--key", key,
		                  "--auth", "alice:pa55 word", "--port", port ? port : "0", NULL);
	return tsrv_start("smtp_server.py", "--dir", dir, "--auth", "alice:pa55 word",
	                  "--port", port ? port : "0", NULL);
}

static char *
email_conf(int port, const char *extra)
{
	return g_strdup_printf("[channel mail]\ntype = email\nurl = smtp://127.0.0.1:%d\n"
	                       "from = newswatch <nw@example.org>\nto = a@example.org; Bob <b@example.org>\n"
	                       "username = alice\npassword_file = %s/password\nca_file = %s\n"
	                       "retry_base = 500ms\n%s", port, tmp, cert, extra ? extra : "");
}

/* The decoded MIME part of type in a message. */
static char *
part(const char *msg, const char *type)
{
	char *hdr = g_strdup_printf("Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", type);
	const char *p = strstr(msg, hdr), *end;
	char *b64, *out;
	gsize len;

	g_assert_nonnull(p);
	p += strlen(hdr);
	end = strstr(p, "\r\n--");
	g_assert_nonnull(end);
	b64 = g_strndup(p, (gsize)(end - p));
	out = (char *)g_base64_decode(b64, &len);
	out = g_realloc(out, len + 1);
	out[len] = '\0';
	g_free(b64);
	g_free(hdr);
	return out;
}

static char *
decoded_subject(const char *msg)
{
	const char *p = strstr(msg, "\r\nSubject: ");
	GString *out = g_string_new(NULL);

	g_assert_nonnull(p);
	p += strlen("\r\nSubject: ");
	while (g_str_has_prefix(p, "=?UTF-8?B?")) {
		const char *end = strstr(p, "?=");
		char *b64 = g_strndup(p + 10, (gsize)(end - p - 10));
		gsize len;
		guchar *raw = g_base64_decode(b64, &len);

		g_string_append_len(out, (const char *)raw, (gssize)len);
		g_free(raw);
		g_free(b64);
		p = end + 2;
		if (g_str_has_prefix(p, "\r\n "))
			p += 3;
	}
	return g_string_free(out, FALSE);
}

static void
test_message(void)
{
	char *dir = mkdir_in("message");
	struct tsrv *srv = smtp_start(dir, TRUE, NULL);
	char *conf = email_conf(srv->port, NULL);
	struct th_env *e = th_env_new(conf);
	struct alert *a = th_alert("Zelenskyy \xc3\xbc\x62\x65r <script>\r\nBcc: x@y", PRIORITY_URGENT,
	                           "Volodymyr Zelenskyy", "people", "[[Zelenskyy]] & <friends>");
	char *msg, *env, *subject, *text, *html, *head, *mid;
	json_t *j;

	th_enqueue(e, &a, 1);
	g_assert_cmpuint(outbox_run(e->ob, 15000), ==, 0);
	env = th_read(dir, "001.json");
	msg = th_read(dir, "001.eml");
	g_assert_nonnull(env);
	g_assert_nonnull(msg);
	j = json_loads(env, 0, NULL);
	/* Only the configured recipients, over TLS, after AUTH. */
	g_assert_cmpuint(json_array_size(json_object_get(j, "rcpt_tos")), ==, 2);
	g_assert_cmpstr(json_string_value(json_array_get(json_object_get(j, "rcpt_tos"), 0)), ==, "a@example.org");
	g_assert_cmpstr(json_string_value(json_array_get(json_object_get(j, "rcpt_tos"), 1)), ==, "b@example.org");
	g_assert_cmpstr(json_string_value(json_object_get(j, "mail_from")), ==, "nw@example.org");
	g_assert_true(json_is_true(json_object_get(j, "tls")));
	g_assert_true(json_is_true(json_object_get(j, "authenticated")));
	json_decref(j);
	head = g_strndup(msg, (gsize)(strstr(msg, "\r\n\r\n") - msg + 2));
	g_assert_null(strstr(head, "\r\nBcc:"));
	g_assert_null(strstr(head, "x@y"));
	g_assert_true(g_str_has_prefix(msg, "Date: "));
	g_assert_nonnull(strstr(head, "\r\nFrom: newswatch <nw@example.org>\r\n"));
	g_assert_nonnull(strstr(head, "\r\nTo: a@example.org, Bob <b@example.org>\r\n"));
	g_assert_nonnull(strstr(head, "\r\nMIME-Version: 1.0\r\n"));
	g_assert_nonnull(strstr(head, "\r\nContent-Type: multipart/alternative; boundary=\""));
	mid = g_strdup_printf("\r\nMessage-ID: <newswatch.%" G_GINT64_FORMAT ".", a->outbox_id);
	g_assert_nonnull(strstr(head, mid));
	g_assert_nonnull(strstr(head, "@example.org>\r\n"));
	/* Every header line is ASCII and no longer than 998. */
	for (const char *p = head; *p; p++)
		g_assert_cmpint((unsigned char)*p, <, 0x80);
	subject = decoded_subject(msg);
	g_assert_cmpstr(subject, ==, "[newswatch] Volodymyr Zelenskyy: Zelenskyy \xc3\xbc" "ber <script>  Bcc: x@y");
	text = part(msg, "text/plain");
	html = part(msg, "text/html");
	g_assert_nonnull(strstr(text, "Zelenskyy \xc3\xbc" "ber <script>  Bcc: x@y"));
	g_assert_nonnull(strstr(text, "https://news.example.org/story?id=1"));
	g_assert_nonnull(strstr(html, "&lt;script&gt;"));
	g_assert_null(strstr(html, "<script>"));
	g_assert_nonnull(strstr(html, "[[Zelenskyy]] &amp; &lt;friends&gt;"));
	g_assert_nonnull(strstr(html, "<a href=\"https://news.example.org/story?id=1\">"));
	g_assert_cmpint(th_count(e, "mail", "sent"), ==, 1);
	g_free(mid);
	g_free(head);
	g_free(subject);
	g_free(text);
	g_free(html);
	g_free(msg);
	g_free(env);
	alert_free(a);
	th_env_free(e);
	tsrv_stop(srv);
	g_free(conf);
	g_free(dir);
}

static void
test_no_starttls(void)
{
	char *dir = mkdir_in("nostarttls");
	struct tsrv *srv = smtp_start(dir, FALSE, NULL);
	char *conf = email_conf(srv->port, NULL);
	struct th_env *e = th_env_new(conf);
	struct alert *a = th_alert("must not leak", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
	char *auth = NULL, *p;

	th_enqueue(e, &a, 1);
	outbox_run(e->ob, 5000);
	p = g_build_filename(dir, "auth.log", NULL);
	g_assert_false(g_file_get_contents(p, &auth, NULL, NULL));   /* no AUTH was ever tried */
	g_free(p);
	p = g_build_filename(dir, "001.eml", NULL);
	g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
	g_free(p);
	g_assert_cmpint(th_count(e, "mail", "failed"), ==, 1);
	alert_free(a);
	th_env_free(e);
	tsrv_stop(srv);
	g_free(conf);
	g_free(dir);
}

static void
test_down_then_up(void)
{
	char *dir = mkdir_in("downup");
	struct tsrv *srv = smtp_start(dir, TRUE, NULL);
	int port = srv->port;
	char *conf = email_conf(port, NULL), *ports = g_strdup_printf("%d", port), *p;
	struct th_env *e = th_env_new(conf);
	struct alert *a = th_alert("after the outage", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");

	tsrv_stop(srv);                     /* the server goes away */
	th_enqueue(e, &a, 1);
	outbox_run(e->ob, 1500);
	g_assert_cmpint(th_count(e, "mail", "pending"), ==, 1);
	srv = smtp_start(dir, TRUE, ports);  /* and comes back on the same port */
	g_assert_cmpuint(outbox_run(e->ob, 15000), ==, 0);
	p = g_build_filename(dir, "001.eml", NULL);
	g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
	g_free(p);
	p = g_build_filename(dir, "002.eml", NULL);
	g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));   /* exactly once */
	g_free(p);
	g_assert_cmpint(th_count(e, "mail", "sent"), ==, 1);
	alert_free(a);
	th_env_free(e);
	tsrv_stop(srv);
	g_free(conf);
	g_free(ports);
	g_free(dir);
}

static void
test_digest(void)
{
	char *dir = mkdir_in("digest");
	struct tsrv *srv = smtp_start(dir, TRUE, NULL);
	char *conf = email_conf(srv->port, "digest = 2s\n");
	struct th_env *e = th_env_new(conf);
	struct alert *alerts[3] = {
		th_alert("first", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]"),
		th_alert("second", PRIORITY_URGENT, "Putin", "people", "[[Putin]]"),
		th_alert("third", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]"),
	};
	char *msg, *text, *p;

	th_enqueue(e, alerts, 3);
	g_assert_cmpuint(outbox_run(e->ob, 10000), ==, 0);
	msg = th_read(dir, "001.eml");
	g_assert_nonnull(msg);
	p = g_build_filename(dir, "002.eml", NULL);
	g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
	g_free(p);
	g_assert_nonnull(strstr(msg, "\r\nSubject: [newswatch] newswatch digest: 3 alerts\r\n"));
	text = part(msg, "text/plain");
	g_assert_nonnull(strstr(text, "== NATO (2)\n- first"));
	g_assert_nonnull(strstr(text, "== Putin (1)\n- second"));
	g_free(text);
	g_free(msg);
	for (int i = 0; i < 3; i++)
		alert_free(alerts[i]);
	th_env_free(e);
	tsrv_stop(srv);
	g_free(conf);
	g_free(dir);
}

int
main(int argc, char **argv)
{
	char *cmd, *pw, *out = NULL, *err = NULL;
	int rc, status;

	g_test_init(&argc, &argv, NULL);
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	log_init(0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tmp = g_dir_make_tmp("nw-email-XXXXXX", NULL);
	cert = g_build_filename(tmp, "cert.pem", NULL);
	key = g_build_filename(tmp, "key.pem", NULL);
	cmd = g_strdup_printf("openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 1 "
	                      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost",
	                      key, cert);
	g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status, NULL));
	g_free(out);
	g_free(err);
	g_assert_cmpint(status, ==, 0);
	pw = g_build_filename(tmp, "password", NULL);
	g_assert_true(g_file_set_contents(pw, "pa55 word\n", -1, NULL));
	g_test_add_func("/email/message", test_message);
	g_test_add_func("/email/no-starttls", test_no_starttls);
	g_test_add_func("/email/down-then-up", test_down_then_up);
	g_test_add_func("/email/digest", test_digest);
	rc = g_test_run();
	g_spawn_command_line_sync((cmd = (g_free(cmd), g_strdup_printf("rm -rf %s", tmp))), NULL, NULL, NULL, NULL);
	g_free(cmd);
	g_free(pw);
	g_free(cert);
	g_free(key);
	g_free(tmp);
	curl_global_cleanup();
	return rc;
}
