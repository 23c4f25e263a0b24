/* curl_loop.c — libcurl's multi socket interface on a GLib main context,
 * the pattern of curl's own GLib example: curl tells us which sockets to
 * watch and when to time out; GLib tells curl when they are ready. */
#include <math.h>
#include <string.h>
#include <glib-unix.h>

#include "curl_loop.h"

struct sock {
	struct curl_loop *cl;
	curl_socket_t fd;
	GSource *src;
};

struct transfer {
	CURL *easy;
	curl_loop_done_fn done;
	void *user;
};

struct curl_loop {
	GMainContext *ctx;
	CURLM *multi;
	GSource *timer;
	GHashTable *transfers;       /* CURL * → struct transfer * */
	gboolean checking;
};

static void
check_done(struct curl_loop *cl)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(cl->multi, &left)) != NULL) {
		struct transfer *t;
		CURL *easy = msg->easy_handle;
		CURLcode rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		t = g_hash_table_lookup(cl->transfers, easy);
		g_hash_table_steal(cl->transfers, easy);
		curl_multi_remove_handle(cl->multi, easy);
		if (t) {
			t->done(easy, rc, t->user);
			g_free(t);
		} else {
			curl_easy_cleanup(easy);
		}
	}
}

static gboolean
on_timer(gpointer data)
{
	struct curl_loop *cl = data;
	int running;

	g_source_unref(cl->timer);
	cl->timer = NULL;
	curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(cl);
	return G_SOURCE_REMOVE;
}

static int
timer_cb(CURLM *multi, long timeout_ms, void *data)
{
	struct curl_loop *cl = data;

	if (cl->timer) {
		g_source_destroy(cl->timer);
		g_source_unref(cl->timer);
		cl->timer = NULL;
	}
	if (timeout_ms < 0)
		return 0;
	cl->timer = g_timeout_source_new((guint)timeout_ms);
	g_source_set_callback(cl->timer, on_timer, cl, NULL);
	g_source_attach(cl->timer, cl->ctx);
	return 0;
}

static gboolean
on_socket(gint fd, GIOCondition cond, gpointer data)
{
	struct sock *s = data;
	struct curl_loop *cl = s->cl;
	int action = 0, running;

	if (cond & (G_IO_IN | G_IO_PRI))
		action |= CURL_CSELECT_IN;
	if (cond & G_IO_OUT)
		action |= CURL_CSELECT_OUT;
	if (cond & (G_IO_ERR | G_IO_HUP | G_IO_NVAL))
		action |= CURL_CSELECT_ERR;
	/* s may be freed inside socket_action (CURL_POLL_REMOVE): keep nothing of it. */
	curl_multi_socket_action(cl->multi, fd, action, &running);
	check_done(cl);
	return G_SOURCE_CONTINUE;
}

static void
sock_unwatch(struct sock *s)
{
	if (s->src) {
		g_source_destroy(s->src);
		g_source_unref(s->src);
		s->src = NULL;
	}
}

static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *data, void *sockp)
{
	struct curl_loop *cl = data;
	struct sock *s = sockp;
	GIOCondition cond = 0;

	if (what == CURL_POLL_REMOVE) {
		if (s) {
			sock_unwatch(s);
			curl_multi_assign(cl->multi, fd, NULL);
			g_free(s);
		}
		return 0;
	}
	if (s == NULL) {
		s = g_new0(struct sock, 1);
		s->cl = cl;
		s->fd = fd;
		curl_multi_assign(cl->multi, fd, s);
	}
	sock_unwatch(s);
	if (what & CURL_POLL_IN)
		cond |= G_IO_IN | G_IO_PRI;
	if (what & CURL_POLL_OUT)
		cond |= G_IO_OUT;
	s->src = g_unix_fd_source_new(fd, cond | G_IO_ERR | G_IO_HUP);
	g_source_set_callback(s->src, (GSourceFunc)(void (*)(void))on_socket, s, NULL);
	g_source_attach(s->src, cl->ctx);
	return 0;
}

struct curl_loop *
curl_loop_new(GMainContext *ctx)
{
	struct curl_loop *cl = g_new0(struct curl_loop, 1);

	cl->ctx = ctx ? g_main_context_ref(ctx) : g_main_context_ref(g_main_context_default());
	cl->multi = curl_multi_init();
	cl->transfers = g_hash_table_new(g_direct_hash, g_direct_equal);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	return cl;
}

void
curl_loop_free(struct curl_loop *cl)
{
	GHashTableIter it;
	gpointer key, val;

	if (cl == NULL)
		return;
	g_hash_table_iter_init(&it, cl->transfers);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		curl_multi_remove_handle(cl->multi, key);
		curl_easy_cleanup(key);
		g_free(val);
	}
	g_hash_table_unref(cl->transfers);
	curl_multi_cleanup(cl->multi);    /* REMOVE callbacks free the socket watches */
	if (cl->timer) {
		g_source_destroy(cl->timer);
		g_source_unref(cl->timer);
	}
	g_main_context_unref(cl->ctx);
	g_free(cl);
}

void
curl_loop_add(struct curl_loop *cl, CURL *easy, curl_loop_done_fn done, void *user)
{
	struct transfer *t = g_new0(struct transfer, 1);

	t->easy = easy;
	t->done = done;
	t->user = user;
	g_hash_table_insert(cl->transfers, easy, t);
	curl_multi_add_handle(cl->multi, easy);   /* arms the timer through timer_cb */
}

guint
curl_loop_active(const struct curl_loop *cl)
{
	return cl ? g_hash_table_size(cl->transfers) : 0;
}

enum delivery_status
curl_loop_http_class(long status)
{
	if (status >= 200 && status < 300)
		return DELIVERY_OK;
	if (status == 408 || status == 425 || status == 429 || status >= 500)
		return DELIVERY_TEMPORARY;
	return DELIVERY_PERMANENT;
}

enum delivery_status
curl_loop_error_class(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return DELIVERY_OK;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_REMOTE_ACCESS_DENIED:
		return DELIVERY_PERMANENT;
	default:
		return DELIVERY_TEMPORARY;
	}
}

gint64
curl_loop_parse_retry_after(const char *value, gint64 now)
{
	char *end;
	double d;
	time_t t;

	if (value == NULL)
		return 0;
	while (g_ascii_isspace(*value))
		value++;
	if (*value == '\0')
		return 0;
	if (g_ascii_isdigit(*value)) {
		/* Discord's X-RateLimit-Reset-After carries fractions: round up. */
		d = g_ascii_strtod(value, &end);
		while (g_ascii_isspace(*end))
			end++;
		if (*end != '\0' || d < 0 || !isfinite(d))
			return 0;
		return d > 86400 ? 86400 : (gint64)ceil(d);
	}
	t = curl_getdate(value, NULL);
	if (t == -1 || t <= now)
		return 0;
	return t - now > 86400 ? 86400 : t - now;
}
