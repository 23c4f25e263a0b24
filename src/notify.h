/* notify.h — the service manager protocol (sd_notify) in a few calls.
 * Every call is a no-op when NOTIFY_SOCKET is unset (not under systemd). */
#ifndef NW_NOTIFY_H
#define NW_NOTIFY_H

#include <glib.h>

void notify_ready(void);
/* RELOADING=1 with MONOTONIC_USEC (what Type=notify-reload wants too). */
void notify_reloading(void);
void notify_stopping(void);
/* STATUS=...; sent only when the text changed since the last call. */
void notify_status(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void notify_watchdog(void);
/* The watchdog interval asked for by the manager (WATCHDOG_USEC, honouring
 * WATCHDOG_PID), in microseconds; 0 when disabled. */
guint64 notify_watchdog_usec(void);

#endif
