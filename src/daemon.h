/* daemon.h — `newswatch run`: one GLib main loop that polls every feed on its
 * own schedule, delivers alerts, reloads on SIGHUP, stops cleanly on
 * SIGTERM/SIGINT and keeps systemd informed (READY, STATUS, WATCHDOG). */
#ifndef NW_DAEMON_H
#define NW_DAEMON_H

#include "cli.h"

struct daemon_options {
	int stop_timeout_s;     /* in-flight polls get this long after SIGTERM (default 5) */
	gboolean seed_new;      /* feeds never polled before: record, do not alert */
};

/* Loads everything, runs until stopped. Returns an EXIT_* code (cli.h):
 * EXIT_CONFIG for configuration errors at start-up, EXIT_STATE when the
 * database cannot be opened, EXIT_OK after a clean stop. */
int daemon_run(struct cli_common *cli, const struct daemon_options *opt);

/* --- pure helpers, exported for the tests ------------------------------- */
/* Spreads n overdue feeds over a window: the delay (µs) for the i-th of n,
 * with r in [0,1) a random draw. The window grows with n (a fifth of a second
 * per feed) up to cap_us, so a handful of feeds are polled at once while a
 * thousand after a long suspend are spread over minutes. */
gint64 daemon_spread_delay(guint i, guint n, gint64 cap_us, double r);
/* How far the wall clock was set back between two looks (µs; 0 when it was
 * not, or by 2 s or less): due times are moved back by this much. */
gint64 daemon_clock_setback(gint64 last_wall, gint64 last_mono, gint64 wall, gint64 mono);

#endif
