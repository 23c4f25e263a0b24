/* test_channels.c — the local channels (stdout/jsonl to a file, exec),
 * secrets from files, the environment and systemd credentials, and the
 * outbox's durability: queued in the feed's transaction or not at all,
 * never lost by a restart, never sent twice. */
#include <string.h>
#include <glib/gstdio.h>

#include "helpers/alerts_helpers.h"
#include "log.h"
#include "secret.h"

static guint
count_lines(const char *s)
{
	guint n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void
test_jsonl_and_text(void)
{
	struct th_env *e = th_env_new("[channel j]\ntype = jsonl\npath = @DIR@/a.jsonl\n"
	                              "[channel t]\ntype = stdout\npath = @DIR@/a.txt\n");
	struct alert *a = th_alert("Title with \x1b[31m escape", PRIORITY_HIGH, "NATO", "meetings", "[[NATO]]");
	char *j, *t;
	json_t *o;

	th_enqueue(e, &a, 1);
	g_assert_cmpuint(outbox_run(e->ob, 2000), ==, 0);
	j = th_read(e->dir, "a.jsonl");
	t = th_read(e->dir, "a.txt");
	g_assert_cmpuint(count_lines(j), ==, 1);
	o = json_loads(j, 0, NULL);
	g_assert_nonnull(o);
	g_assert_cmpstr(json_string_value(json_object_get(o, "priority")), ==, "high");
	g_assert_cmpint(json_integer_value(json_object_get(o, "alert_id")), ==, a->outbox_id);
	json_decref(o);
	g_assert_nonnull(strstr(t, "[high] test-feed: Title with  [31m escape"));
	g_assert_null(strchr(t, '\x1b'));
	g_free(j);
	g_free(t);
	alert_free(a);
	th_env_free(e);
}

static void
test_exec(void)
{
	struct th_env *e = th_env_new("[channel ok]\ntype = exec\ncommand = /bin/sh;-c;cat > \"$0\";@DIR@/stdin.txt\n"
	                              "[channel again]\ntype = exec\ncommand = /bin/sh;-c;exit 75\nretry_base = 60s\n"
	                              "[channel bad]\ntype = exec\ncommand = /bin/false\n");
	struct alert *a = th_alert("$(touch /tmp/pwned) ; rm -rf / `id`", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
	char *in;
	json_t *o;

	th_enqueue(e, &a, 1);
	outbox_run(e->ob, 3000);
	in = th_read(e->dir, "stdin.txt");
	g_assert_nonnull(in);
	o = json_loads(in, 0, NULL);
	g_assert_cmpstr(json_string_value(json_object_get(o, "title")), ==, "$(touch /tmp/pwned) ; rm -rf / `id`");
	json_decref(o);
	g_assert_cmpint(th_count(e, "ok", "sent"), ==, 1);
	g_assert_cmpint(th_count(e, "again", "pending"), ==, 1);     /* 75: try again later */
	g_assert_cmpint(th_count(e, "bad", "failed"), ==, 1);
	g_free(in);
	alert_free(a);
	th_env_free(e);
}

static void
test_secrets(void)
{
	char *dir = g_dir_make_tmp("nw-secret-XXXXXX", NULL);
	char *file = g_build_filename(dir, "pw", NULL), *cred = g_build_filename(dir, "smtp-pass", NULL);
	char *implicit = g_build_filename(dir, "hook.token", NULL);
	char *missing = g_build_filename(dir, "missing", NULL);
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg;
	const struct channel_config *cc;
	char *v;

	g_assert_true(g_file_set_contents(file, "from-file\n", -1, NULL));
	g_assert_true(g_file_set_contents(cred, "from-credential", -1, NULL));
	g_assert_true(g_file_set_contents(implicit, "implicit-credential\n", -1, NULL));
	g_setenv("NW_TEST_SECRET", "from-env", TRUE);
	g_setenv("CREDENTIALS_DIRECTORY", dir, TRUE);
	cfg = config_load_data("[channel hook]\ntype = stdout\n", "s.conf", errors);
	g_assert_nonnull(cfg);
	/* Made-up keys, set after loading (the loader would reject them for this type). */
	g_key_file_set_string(cfg->kf, "channel hook", "a_file", file);
	g_key_file_set_string(cfg->kf, "channel hook", "b_env", "NW_TEST_SECRET");
	g_key_file_set_string(cfg->kf, "channel hook", "c_credential", "smtp-pass");
	g_key_file_set_string(cfg->kf, "channel hook", "d", "inline");
	g_key_file_set_string(cfg->kf, "channel hook", "e_file", missing);
	g_key_file_set_string(cfg->kf, "channel hook", "f_env", "NW_TEST_NOT_SET");
	cc = cfg->channels->pdata[0];
	v = secret_get(cfg, cc, "a", TRUE, errors);
	g_assert_cmpstr(v, ==, "from-file");
	secret_free(v);
	v = secret_get(cfg, cc, "b", TRUE, errors);
	g_assert_cmpstr(v, ==, "from-env");
	secret_free(v);
	v = secret_get(cfg, cc, "c", TRUE, errors);
	g_assert_cmpstr(v, ==, "from-credential");
	secret_free(v);
	v = secret_get(cfg, cc, "d", TRUE, errors);
	g_assert_cmpstr(v, ==, "inline");
	secret_free(v);
	v = secret_get(cfg, cc, "token", FALSE, errors);
	g_assert_cmpstr(v, ==, "implicit-credential");
	secret_free(v);
	g_assert_cmpuint(errors->len, ==, 0);
	g_assert_null(secret_get(cfg, cc, "e", TRUE, errors));
	g_assert_null(secret_get(cfg, cc, "f", TRUE, errors));
	g_assert_null(secret_get(cfg, cc, "g", TRUE, errors));
	g_assert_null(secret_get(cfg, cc, "h", FALSE, errors));
	g_assert_cmpuint(errors->len, ==, 3);
	g_assert_nonnull(strstr(errors->pdata[0], "cannot read"));
	g_assert_nonnull(strstr(errors->pdata[1], "NW_TEST_NOT_SET is not set"));
	g_assert_nonnull(strstr(errors->pdata[2], "g is required"));
	for (guint i = 0; i < errors->len; i++)
		g_assert_null(strstr(errors->pdata[i], "from-"));
	g_unsetenv("CREDENTIALS_DIRECTORY");
	config_free(cfg);
	g_ptr_array_unref(errors);
	g_unlink(file);
	g_unlink(cred);
	g_unlink(implicit);
	g_rmdir(dir);
	g_free(file);
	g_free(cred);
	g_free(implicit);
	g_free(missing);
	g_free(dir);
}

static void
test_durable(void)
{
	struct th_env *e = th_env_new("[channel j]\ntype = jsonl\npath = @DIR@/d.jsonl\n");
	struct alert *a = th_alert("rolled back", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
	struct alert *b = th_alert("survives a restart", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
	char *out;
	json_t *j = alert_to_json(a);
	char *text = json_dumps(j, JSON_COMPACT);

	/* Queued inside a transaction that rolls back: as if it never happened. */
	g_assert_cmpint(store_begin(e->store), ==, 0);
	a->outbox_id = store_alert_add(e->store, a->feed, 0, a->priority, text);
	g_assert_cmpint(outbox_enqueue(e->ob, a), ==, 1);
	store_rollback(e->store);
	free(text);
	json_decref(j);
	/* Queued and committed, then the process "dies" before delivering. */
	th_enqueue(e, &b, 1);
	th_env_restart(e);
	g_assert_cmpuint(outbox_run(e->ob, 2000), ==, 0);
	th_env_restart(e);
	g_assert_cmpuint(outbox_run(e->ob, 1000), ==, 0);
	out = th_read(e->dir, "d.jsonl");
	g_assert_cmpuint(count_lines(out), ==, 1);
	g_assert_nonnull(strstr(out, "survives a restart"));
	g_free(out);
	alert_free(a);
	alert_free(b);
	th_env_free(e);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	log_init(0);
	g_test_add_func("/channels/jsonl-and-text", test_jsonl_and_text);
	g_test_add_func("/channels/exec", test_exec);
	g_test_add_func("/channels/secrets", test_secrets);
	g_test_add_func("/channels/durable", test_durable);
	return g_test_run();
}
