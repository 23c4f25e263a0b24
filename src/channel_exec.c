/* channel_exec.c — runs a command with the alert JSON on standard input.
 * The command is an argument list (no shell, so feed text is never parsed
 * as shell syntax); exit 0 is success, 75 (EX_TEMPFAIL) asks for a retry,
 * anything else is a permanent failure. */
#include <signal.h>
#include <string.h>
#include <gio/gio.h>

#include "channel_types.h"

struct exec {
	char *name;
	char **argv;
	guint timeout_ms;
};

static const char *const exec_keys[] = { "command", "timeout", CHANNEL_COMMON_KEYS, NULL };

static void
exec_close(void *state)
{
	struct exec *x = state;

	if (x == NULL)
		return;
	g_free(x->name);
	g_strfreev(x->argv);
	g_free(x);
}

static void *
exec_open(const struct config *cfg, const struct channel_config *cc, GPtrArray *errors)
{
	struct exec *x = g_new0(struct exec, 1);
	guint before = errors->len;
	gint64 t;

	x->name = g_strdup(cc->name);
	x->argv = g_key_file_get_string_list(cfg->kf, cc->group, "command", NULL, NULL);
	for (char **a = x->argv; a && *a; a++)
		g_strstrip(*a);
	if (x->argv == NULL || x->argv[0] == NULL || *x->argv[0] == '\0')
		channel_config_error(errors, cfg, cc, "command",
		                     "command is required: PROGRAM;ARG;ARG (a list, no shell)");
	else {
		char *found = g_find_program_in_path(x->argv[0]);

		if (found == NULL)
			channel_config_error(errors, cfg, cc, "command", "command: %s not found", x->argv[0]);
		g_free(found);
	}
	t = channel_key_ms(cfg, cc, "timeout", 60000, errors);
	x->timeout_ms = t > 0 ? (guint)MIN(t, G_MAXUINT) : 60000;
	if (errors->len != before) {
		exec_close(x);
		return NULL;
	}
	return x;
}

struct run {
	struct exec *x;
	GSubprocess *proc;
	GSource *timer;
	channel_done_fn done;
	void *user;
	gboolean timed_out;
};

static gboolean
on_timeout(gpointer data)
{
	struct run *r = data;

	r->timed_out = TRUE;
	g_subprocess_force_exit(r->proc);
	return G_SOURCE_REMOVE;
}

static void
on_finished(GObject *obj, GAsyncResult *res, gpointer data)
{
	struct run *r = data;
	GError *err = NULL;

	if (r->timer) {
		g_source_destroy(r->timer);
		g_source_unref(r->timer);
	}
	if (!g_subprocess_communicate_finish(r->proc, res, NULL, NULL, &err) &&
	    !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)) {
		channel_finish(r->done, r->user, DELIVERY_TEMPORARY, 0, "command %s: %s", r->x->argv[0],
		               err->message);
		g_error_free(err);
		/* Still reap it. */
		g_subprocess_wait(r->proc, NULL, NULL);
		goto out;
	}
	/* A command that did not read its input has still said what it wanted by its exit status. */
	if (err) {
		g_clear_error(&err);
		g_subprocess_wait(r->proc, NULL, NULL);
	}
	if (r->timed_out) {
		channel_finish(r->done, r->user, DELIVERY_TEMPORARY, 0, "command %s: timed out after %u ms",
		               r->x->argv[0], r->x->timeout_ms);
	} else if (g_subprocess_get_if_exited(r->proc)) {
		int st = g_subprocess_get_exit_status(r->proc);

		if (st == 0)
			channel_finish(r->done, r->user, DELIVERY_OK, 0, NULL);
		else
			channel_finish(r->done, r->user, st == 75 ? DELIVERY_TEMPORARY : DELIVERY_PERMANENT,
			               0, "command %s: exit status %d", r->x->argv[0], st);
	} else {
		channel_finish(r->done, r->user, DELIVERY_TEMPORARY, 0, "command %s: killed by signal %d",
		               r->x->argv[0], g_subprocess_get_term_sig(r->proc));
	}
out:
	g_object_unref(r->proc);
	g_free(r);
}

static void
exec_deliver(void *state, struct alert *const *alerts, guint n, const char *batch_title,
             channel_done_fn done, void *user)
{
	struct exec *x = state;
	GError *err = NULL;
	GString *in = g_string_new(NULL);
	GBytes *bytes;
	struct run *r;

	/* A command that exits without reading its input must not kill us with
	 * SIGPIPE; the write then just fails and the exit status decides. */
	signal(SIGPIPE, SIG_IGN);
	/* One JSON object per line: a single alert is exactly one line. */
	for (guint i = 0; i < n; i++) {
		json_t *j = alert_to_json(alerts[i]);
		char *line;

		if (batch_title)
			json_object_set_new(j, "batch", json_string(batch_title));
		line = json_dumps(j, JSON_COMPACT);
		g_string_append_printf(in, "%s\n", line ? line : "{}");
		free(line);
		json_decref(j);
	}
	r = g_new0(struct run, 1);
	r->x = x;
	r->done = done;
	r->user = user;
	r->proc = g_subprocess_newv((const char *const *)x->argv,
	                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
	                            &err);
	if (r->proc == NULL) {
		channel_finish(done, user, DELIVERY_PERMANENT, 0, "command %s: %s", x->argv[0],
		               err->message);
		g_error_free(err);
		g_free(r);
		g_string_free(in, TRUE);
		return;
	}
	r->timer = g_timeout_source_new(x->timeout_ms);
	g_source_set_callback(r->timer, on_timeout, r, NULL);
	g_source_attach(r->timer, g_main_context_get_thread_default());
	bytes = g_string_free_to_bytes(in);
	g_subprocess_communicate_async(r->proc, bytes, NULL, on_finished, r);
	g_bytes_unref(bytes);
}

const struct channel_type channel_type_exec = {
	.name = "exec",
	.keys = exec_keys,
	.open = exec_open,
	.close = exec_close,
	.deliver = exec_deliver,
};
