/* curl_loop.h — a libcurl multi handle driven by a GLib main context (the
 * socket interface: one fd watch per socket and one timer), for the channels'
 * webhook and SMTP transfers. fetch.c has its own for feeds. */
#ifndef NW_CURL_LOOP_H
#define NW_CURL_LOOP_H

#include <glib.h>
#include <curl/curl.h>
#include "channel.h"

struct curl_loop;

/* Called once per finished transfer, after it left the multi handle; the
 * callback owns easy (curl_easy_cleanup it). */
typedef void (*curl_loop_done_fn)(CURL *easy, CURLcode rc, void *user);

struct curl_loop *curl_loop_new(GMainContext *ctx);         /* ctx NULL = default */
/* Aborts transfers in flight without calling their done; accepts NULL. */
void curl_loop_free(struct curl_loop *cl);
void curl_loop_add(struct curl_loop *cl, CURL *easy, curl_loop_done_fn done, void *user);
guint curl_loop_active(const struct curl_loop *cl);

/* The retry class of an HTTP answer: 2xx ok; 408, 425, 429, 5xx temporary; else permanent. */
enum delivery_status curl_loop_http_class(long status);
/* The retry class of a transfer error (network → temporary, bad URL → permanent). */
enum delivery_status curl_loop_error_class(CURLcode rc);
/* Seconds from a Retry-After value (delta seconds or an HTTP date), capped at
 * one day; 0 when absent or malformed. */
gint64 curl_loop_parse_retry_after(const char *value, gint64 now);

#endif
