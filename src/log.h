/* log.h — a handful of logging functions over GLib's structured log.
 * log_warn appends errno's text, log_warnx does not; log_debug only when
 * verbose. Under systemd the records reach journald with FEED=/CHANNEL= fields. */
#ifndef NW_LOG_H
#define NW_LOG_H

#include <glib.h>

void log_init(int verbosity);      /* 0 = warnings and info, 1 = -v, 2 = -vv */
int log_verbosity(void);

void log_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void log_debug(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* With a structured field: kind is "FEED", "CHANNEL" or "ENTRY". */
void log_field(GLogLevelFlags level, const char *kind, const char *value,
               const char *fmt, ...) G_GNUC_PRINTF(4, 5);

#endif
