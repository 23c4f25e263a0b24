/* curl_loop.h — a libcurl multi handle driven by a GLib main context (the
 * socket interface: one fd watch per socket and one timer). The one place
 * that hooks curl into the loop: feed fetches (fetch.c) and the channels'
 * webhook and SMTP transfers all run through it. */
#ifndef NW_CURL_LOOP_H
#define NW_CURL_LOOP_H

#include <glib.h>
#include <curl/curl.h>

struct curl_loop;

/* Called once per finished transfer, from the main loop, after easy left the
 * multi handle; the callback owns easy again (curl_easy_cleanup it or keep it).
 * It may call curl_loop_add, curl_loop_remove and even curl_loop_free. */
typedef void (*curl_loop_done_fn)(CURL *easy, CURLcode rc, void *user);

/* ctx NULL = the default main context. NULL only when libcurl cannot make a
 * multi handle. */
struct curl_loop *curl_loop_new(GMainContext *ctx);
/* Aborts transfers in flight (their easy handles are cleaned up, their done
 * is not called); accepts NULL. Safe from inside a done callback: the loop
 * is then torn down as soon as the callback returns. */
void curl_loop_free(struct curl_loop *cl);
/* For multi-level options only (CURLMOPT_MAX_TOTAL_CONNECTIONS, ...); the
 * socket and timer functions belong to the loop. */
CURLM *curl_loop_multi(struct curl_loop *cl);
/* Starts easy; done is called exactly once, never from in here. The loop
 * takes CURLOPT_PRIVATE for itself. Returns -1 (done will not be called, the
 * caller keeps easy) when curl refuses the handle. Not from inside a curl
 * callback (write, header, read): libcurl refuses nested calls. */
int curl_loop_add(struct curl_loop *cl, CURL *easy, curl_loop_done_fn done, void *user);
/* Takes easy back out unfinished, without calling done; the caller keeps easy. */
void curl_loop_remove(struct curl_loop *cl, CURL *easy);
guint curl_loop_active(const struct curl_loop *cl);

#endif
