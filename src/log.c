/* log.c — logging over GLib's structured log. GLib's default writer sends
 * records to journald when stderr is the journal and to stderr otherwise,
 * so FEED=/CHANNEL=/ENTRY= fields reach the journal untouched. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include "log.h"

static int verbosity;

static GLogWriterOutput
writer(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user)
{
	if ((level & G_LOG_LEVEL_DEBUG) && verbosity < 2)
		return G_LOG_WRITER_HANDLED;
	if ((level & G_LOG_LEVEL_INFO) && verbosity < 1)
		return G_LOG_WRITER_HANDLED;
	if (g_log_writer_is_journald(fileno(stderr)) &&
	    g_log_writer_journald(level, fields, n, user) == G_LOG_WRITER_HANDLED)
		return G_LOG_WRITER_HANDLED;
	for (gsize i = 0; i < n; i++) {
		if (strcmp(fields[i].key, "MESSAGE") == 0) {
			fprintf(stderr, "newswatch: %s\n", (const char *)fields[i].value);
			break;
		}
	}
	return G_LOG_WRITER_HANDLED;
}

void
log_init(int v)
{
	static gboolean installed;

	verbosity = v;
	if (!installed) {
		g_log_set_writer_func(writer, NULL, NULL);
		installed = TRUE;
	}
}

int
log_verbosity(void)
{
	return verbosity;
}

static void G_GNUC_PRINTF(5, 0)
logv(GLogLevelFlags level, const char *kind, const char *value, const char *suffix,
     const char *fmt, va_list ap)
{
	char *msg = g_strdup_vprintf(fmt, ap);
	char *full = suffix ? g_strdup_printf("%s: %s", msg, suffix) : NULL;
	GLogField fields[4] = {
		{ "MESSAGE", full ? full : msg, -1 },
		{ "PRIORITY", level & G_LOG_LEVEL_WARNING ? "4" :
		              level & G_LOG_LEVEL_DEBUG ? "7" : "6", -1 },
		{ "GLIB_DOMAIN", "newswatch", -1 },
		{ kind ? kind : "SYSLOG_IDENTIFIER", kind ? value : "newswatch", -1 },
	};

	g_log_structured_array(level, fields, G_N_ELEMENTS(fields));
	g_free(full);
	g_free(msg);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	logv(G_LOG_LEVEL_WARNING, NULL, NULL, g_strerror(saved), fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, level) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		logv(level, NULL, NULL, NULL, fmt, ap); \
		va_end(ap); \
	}

LOG_FN(log_warnx, G_LOG_LEVEL_WARNING)
LOG_FN(log_info, G_LOG_LEVEL_INFO)
LOG_FN(log_debug, G_LOG_LEVEL_DEBUG)

void
log_field(GLogLevelFlags level, const char *kind, const char *value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(level, kind, value, NULL, fmt, ap);
	va_end(ap);
}
