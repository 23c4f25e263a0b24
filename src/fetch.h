/* fetch.h — feed fetches over HTTP(S), on the GLib main loop (curl_loop.h).
 * Knows nothing of feed formats: bytes go to the request's sink as they arrive. */
#ifndef NW_FETCH_H
#define NW_FETCH_H

#include <glib.h>
#include <stddef.h>

struct fetch_options {
	int max_connections;        /* global cap (default 16) */
	int max_per_host;           /* per-host cap (default 2) */
	int connect_timeout_s;      /* default 15 */
	int timeout_s;              /* whole transfer (default 60) */
	int low_speed_bytes;        /* abort below this many bytes/s ... */
	int low_speed_time_s;       /* ... for this long (default 100 B/s for 30 s) */
	size_t max_body;            /* decoded body cap (default 8 MiB) */
	int max_redirects;          /* default 5 */
	const char *proxy;          /* NULL: libcurl's standard environment variables;
	                             * "" : no proxy at all (tests on loopback) */
	const char *user_agent;     /* NULL: "newswatch/VERSION (+https://...)" */
	int retry_after_max_s;      /* cap on Retry-After (default 6 h) */
};

void fetch_options_defaults(struct fetch_options *o);

enum fetch_outcome {
	FETCH_OK,                   /* 2xx, body delivered to the sink */
	FETCH_NOT_MODIFIED,         /* 304 */
	FETCH_TEMPORARY,            /* retry later: timeouts, DNS, refused, 408, 425, 429, 5xx */
	FETCH_PERMANENT,            /* 404, 410, other 4xx, refused scheme, body too large, sink refused */
};

struct fetch_result {
	enum fetch_outcome outcome;
	long http_status;           /* 0 when no HTTP answer */
	char *error;                /* human-readable reason, NULL on success */
	char *etag;                 /* new validators, NULL when absent */
	char *last_modified;
	char *content_type;
	char *effective_url;        /* after redirects */
	char *permanent_url;        /* set when every redirect was permanent (301/308) */
	gint64 retry_after;         /* seconds asked by Retry-After (capped), 0 = none */
	gint64 max_age;             /* Cache-Control max-age, 0 = none */
	size_t body_bytes;          /* decoded bytes delivered */
	char *charset;              /* charset parameter of Content-Type, NULL when absent */
	int curl_code;              /* CURLcode of the transfer, for diagnostics */
	int redirects;              /* redirects followed */
};
/* Every string above is owned by the fetcher and valid only during done():
 * copy what you keep. On FETCH_NOT_MODIFIED, etag and last_modified hold the
 * validators to keep (the server's new ones, else the ones that were sent).
 * permanent_url is only set when the outcome is FETCH_OK or FETCH_NOT_MODIFIED
 * and never for an https → http downgrade. */

/* Returns 0 to continue, -1 to abort the transfer (outcome FETCH_PERMANENT). */
typedef int (*fetch_sink_fn)(const char *buf, size_t len, void *user);
typedef void (*fetch_done_fn)(const struct fetch_result *res, void *user);
/* Optional: called once, before the first sink call, when a 2xx answer's
 * headers are in. res has http_status, content_type, charset and
 * effective_url filled (the rest zero). Return -1 to abort (FETCH_PERMANENT). */
typedef int (*fetch_start_fn)(const struct fetch_result *res, void *user);

struct fetch_request {
	const char *url;
	const char *etag;           /* sent as If-None-Match, may be NULL */
	const char *last_modified;  /* sent as If-Modified-Since, may be NULL */
	gboolean allow_file;        /* file:// only where the user configured it */
	const char *label;          /* feed name, for log lines */
	fetch_sink_fn sink;         /* gets the decoded body of a 2xx answer only */
	fetch_done_fn done;         /* called exactly once, from the main loop */
	void *user;
	fetch_start_fn start;       /* may be NULL */
};

struct fetcher;

/* ctx NULL = the default main context. */
struct fetcher *fetcher_new(GMainContext *ctx, const struct fetch_options *o);
void fetcher_free(struct fetcher *f);   /* cancels transfers in flight (done is not called) */
/* Queues a request; strings are copied. Returns 0, -1 if it cannot even start
 * (then done is not called). Call it from the loop or from done(), not from
 * inside sink() or start() (libcurl refuses nested calls). */
int fetcher_add(struct fetcher *f, const struct fetch_request *req);
guint fetcher_active(const struct fetcher *f);      /* queued + running */
/* Cancels everything in flight; each cancelled request gets done() with FETCH_TEMPORARY. */
void fetcher_cancel_all(struct fetcher *f);
/* fetcher_free may be called from inside a done() callback: the fetcher is
 * then torn down as soon as the callback returns. */

/* --- pure helpers (fetch.c), exported for the scheduler and the tests ----- */
/* The one place that decides, for feeds and (through channel_transfer_status)
 * for webhook and SMTP deliveries: curl_code is a CURLcode, http_status the
 * final answer (0 = none). Body-too-large and sink refusals are decided by the
 * fetcher before this is asked. */
enum fetch_outcome fetch_classify(int curl_code, long http_status);
const char *fetch_outcome_name(enum fetch_outcome o);  /* "ok", "not-modified", ... */
/* Retry-After as delay-seconds (fractions round up) or an HTTP date (relative
 * to now), capped at cap; 0 when absent, malformed or in the past. */
gint64 fetch_parse_retry_after(const char *value, gint64 now, gint64 cap);
/* max-age from a Cache-Control value (s-maxage is not max-age); 0 = none. */
gint64 fetch_parse_max_age(const char *cache_control);
/* The charset parameter of a Content-Type value, unquoted; caller frees; NULL = none. */
char *fetch_parse_charset(const char *content_type);
/* Lower-case host name of an URL, for per-host caps and slow-downs; caller
 * frees; "" for URLs without a host (file://), NULL when url is malformed. */
char *fetch_url_host(const char *url);

#endif
