/* test_desktop.c — the desktop channel against a real notification server:
 * a private D-Bus session bus (dbus-daemon) and dunst under Xvfb. The
 * notification is read back from dunst (dunstctl history: summary, body,
 * app name) and from the bus itself (dbus-monitor: urgency hint, actions).
 * Without a bus the channel fails cleanly and other channels still deliver. */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>

#include "helpers/alerts_helpers.h"
#include "log.h"

static void
die_with_parent(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn(GSubprocessFlags flags, const char *out_path, const char *const *argv)
{
	GSubprocessLauncher *l = g_subprocess_launcher_new(flags);
	GError *err = NULL;
	GSubprocess *p;

	g_subprocess_launcher_set_child_setup(l, die_with_parent, NULL, NULL);
	if (out_path)
		g_subprocess_launcher_set_stdout_file_path(l, out_path);
	p = g_subprocess_launcher_spawnv(l, argv, &err);
	g_assert_no_error(err);
	g_object_unref(l);
	return p;
}

static char *
first_line(GSubprocess *p)
{
	GDataInputStream *in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(p));
	char *line = g_data_input_stream_read_line(in, NULL, NULL, NULL);

	g_object_unref(in);
	g_assert_nonnull(line);
	return line;
}

static void
stop(GSubprocess *p)
{
	if (p == NULL)
		return;
	g_subprocess_send_signal(p, SIGTERM);
	g_subprocess_wait(p, NULL, NULL);
	g_object_unref(p);
}

static char *
run(const char *cmd)
{
	char *out = NULL, *err = NULL;
	int status = -1;

	g_spawn_command_line_sync(cmd, &out, &err, &status, NULL);
	g_free(err);
	if (status != 0) {
		g_free(out);
		return NULL;
	}
	return out;
}

static const char *
hist(json_t *n, const char *key)
{
	return json_string_value(json_object_get(json_object_get(n, key), "data"));
}

static void
test_dunst(void)
{
	char *dir = g_dir_make_tmp("nw-desktop-XXXXXX", NULL);
	char *rc = g_build_filename(dir, "dunstrc", NULL), *mon = g_build_filename(dir, "monitor.txt", NULL);
	const char *xvfb_argv[] = { "Xvfb", "-displayfd", "1", "-screen", "0", "640x480x24", "-nolisten", "tcp", NULL };
	const char *bus_argv[] = { "dbus-daemon", "--session", "--nofork", "--print-address=1", NULL };
	GSubprocess *xvfb, *bus, *dunst = NULL, *monitor;
	char *display, *addr, *history = NULL, *monitored = NULL, *disp;
	struct th_env *e;
	struct alert *a;
	json_t *j, *n;

	xvfb = spawn(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL, xvfb_argv);
	display = first_line(xvfb);
	disp = g_strdup_printf(":%s", display);
	g_setenv("DISPLAY", disp, TRUE);     /* before the bus: what it activates needs it too */
	bus = spawn(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL, bus_argv);
	addr = first_line(bus);
	g_setenv("DBUS_SESSION_BUS_ADDRESS", addr, TRUE);
	g_assert_true(g_file_set_contents(rc, "[global]\n    markup = full\n", -1, NULL));
	{
		const char *argv[] = { "dunst", "-config", rc, NULL };

		dunst = spawn(G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, NULL, argv);
	}
	for (int i = 0; i < 100 && (history = run("dunstctl count")) == NULL; i++)
		g_usleep(50000);
	g_assert_nonnull(history);
	g_free(history);
	{
		const char *argv[] = { "dbus-monitor", "--address", addr,
		                       "interface='org.freedesktop.Notifications',member='Notify'", NULL };

		monitor = spawn(G_SUBPROCESS_FLAGS_STDERR_SILENCE, mon, argv);
	}
	g_usleep(300000);

	e = th_env_new("[channel desk]\ntype = desktop\napp_name = newswatch-test\nicon = dialog-warning\n"
	               "timeout = 0\n");
	a = th_alert("Putin <meets> envoy & aides", PRIORITY_URGENT, "Vladimir Putin", "people",
	             "as [[Putin]] said <x> & y");
	th_enqueue(e, &a, 1);
	g_assert_cmpuint(outbox_run(e->ob, 5000), ==, 0);
	g_assert_cmpint(th_count(e, "desk", "sent"), ==, 1);
	g_usleep(300000);

	g_free(run("dunstctl close-all"));
	g_usleep(300000);
	history = run("dunstctl history");
	g_assert_nonnull(history);
	j = json_loads(history, 0, NULL);
	g_assert_nonnull(j);
	n = json_array_get(json_array_get(json_object_get(j, "data"), 0), 0);
	g_assert_nonnull(n);
	g_assert_cmpstr(hist(n, "summary"), ==, "Vladimir Putin: Putin <meets> envoy & aides");
	g_assert_cmpstr(hist(n, "appname"), ==, "newswatch-test");
	g_test_message("body: %s", hist(n, "body"));
	g_assert_nonnull(strstr(hist(n, "body"), "as <b>Putin</b> said &lt;x&gt; &amp; y"));
	g_assert_true(g_str_has_prefix(hist(n, "body"), "test-feed · "));
	json_decref(j);

	g_usleep(200000);
	g_assert_true(g_file_get_contents(mon, &monitored, NULL, NULL));
	g_assert_nonnull(strstr(monitored, "string \"newswatch-test\""));
	g_assert_nonnull(strstr(monitored, "string \"Open\""));
	g_assert_nonnull(strstr(monitored, "string \"default\""));
	g_assert_nonnull(strstr(monitored, "string \"urgency\"\n         variant             byte 2"));

	alert_free(a);
	th_env_free(e);
	stop(monitor);
	stop(dunst);
	stop(bus);
	stop(xvfb);
	g_unlink(rc);
	g_unlink(mon);
	g_rmdir(dir);
	g_free(history);
	g_free(monitored);
	g_free(display);
	g_free(disp);
	g_free(addr);
	g_free(rc);
	g_free(mon);
	g_free(dir);
}

static void
test_no_bus_child(void)
{
	struct th_env *e = th_env_new("[channel desk]\ntype = desktop\n"
	                              "[channel file]\ntype = jsonl\npath = @DIR@/alerts.jsonl\n");
	struct alert *a = th_alert("still delivered", PRIORITY_NORMAL, "NATO", "meetings", "[[NATO]]");
	char *path = g_build_filename(e->dir, "alerts.jsonl", NULL), *data = NULL;

	th_enqueue(e, &a, 1);
	outbox_run(e->ob, 1000);
	g_assert_cmpint(th_count(e, "file", "sent"), ==, 1);
	g_assert_cmpint(th_count(e, "desk", "pending"), ==, 1);   /* temporary: retried later */
	g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
	g_assert_nonnull(strstr(data, "\"title\":\"still delivered\""));
	g_free(data);
	g_free(path);
	alert_free(a);
	th_env_free(e);
}

static void
test_no_bus(void)
{
	if (g_test_subprocess()) {
		g_setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/newswatch-test-bus", TRUE);
		g_unsetenv("DISPLAY");
		test_no_bus_child();
		return;
	}
	g_test_trap_subprocess(NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDOUT);
	g_test_trap_assert_passed();
	g_test_trap_assert_stderr("*channel \"desk\": no desktop notification server on the session bus*");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	log_init(0);
	g_test_add_func("/desktop/no-bus", test_no_bus);
	g_test_add_func("/desktop/dunst", test_dunst);
	return g_test_run();
}
