/* notify.c — sd_notify from libsystemd, kept behind a few names so the
 * daemon reads as what it says to the manager, not how. */
#include <stdarg.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

static char *last_status;

static void
notify_send(const char *msg)
{
	int rc = sd_notify(0, msg);

	if (rc < 0)
		log_debug("sd_notify(%s): %s", msg, g_strerror(-rc));
}

void
notify_ready(void)
{
	notify_send("READY=1");
}

void
notify_reloading(void)
{
	char *msg = g_strdup_printf("RELOADING=1\nMONOTONIC_USEC=%" G_GINT64_FORMAT,
	                            g_get_monotonic_time());

	notify_send(msg);
	g_free(msg);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void
notify_status(const char *fmt, ...)
{
	va_list ap;
	char *status, *msg;

	va_start(ap, fmt);
	status = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (g_strcmp0(status, last_status) == 0) {
		g_free(status);
		return;
	}
	msg = g_strconcat("STATUS=", status, NULL);
	notify_send(msg);
	g_free(msg);
	g_free(last_status);
	last_status = status;
}

void
notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}

guint64
notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}
