/* curl_loop.c — libcurl's multi *socket* interface on a GLib main context.
 *
 * curl tells us which sockets it wants watched (CURLMOPT_SOCKETFUNCTION →
 * one GUnixFDSource per socket) and when it next wants a timeout
 * (CURLMOPT_TIMERFUNCTION → one timeout source); we hand events back with
 * curl_multi_socket_action and collect finished transfers, each finding its
 * owner through CURLINFO_PRIVATE. The shape follows curl's ghiper.c example. */
#include <glib-unix.h>

#include "curl_loop.h"
#include "log.h"

struct sock {
	struct curl_loop *cl;
	curl_socket_t fd;
	GSource *source;
};

struct xfer {                       /* one transfer in flight, CURLOPT_PRIVATE */
	CURL *easy;
	curl_loop_done_fn done;
	void *user;
};

struct curl_loop {
	GMainContext *ctx;
	CURLM *multi;
	GSource *timer;
	GHashTable *socks;              /* struct sock * set, owns them */
	GHashTable *xfers;              /* struct xfer * set, owns them */
	int busy;                       /* depth of our own dispatch functions */
	gboolean dying;                 /* freed while busy: free on the way out */
};

static void
timer_clear(struct curl_loop *cl)
{
	if (cl->timer) {
		g_source_destroy(cl->timer);
		g_source_unref(cl->timer);
		cl->timer = NULL;
	}
}

/* Aborts every transfer in flight, without calling done. */
static void
abort_all(struct curl_loop *cl)
{
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, cl->xfers);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		struct xfer *x = key;

		g_hash_table_iter_steal(&it);
		curl_multi_remove_handle(cl->multi, x->easy);
		curl_easy_cleanup(x->easy);
		g_free(x);
	}
}

static void
destroy(struct curl_loop *cl)
{
	if (cl->multi) {
		abort_all(cl);
		curl_multi_cleanup(cl->multi);  /* its REMOVE callbacks still find socks */
	}
	timer_clear(cl);
	g_hash_table_destroy(cl->socks);
	g_hash_table_destroy(cl->xfers);
	g_main_context_unref(cl->ctx);
	g_free(cl);
}

static void
check_done(struct curl_loop *cl)
{
	CURLMsg *msg;
	int left;

	while (!cl->dying && (msg = curl_multi_info_read(cl->multi, &left)) != NULL) {
		CURL *easy = msg->easy_handle;      /* msg dies with remove_handle */
		CURLcode rc = msg->data.result;
		void *p = NULL;
		struct xfer *x;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p);
		x = p;
		if (x == NULL || !g_hash_table_steal(cl->xfers, x))
			continue;
		curl_multi_remove_handle(cl->multi, easy);
		x->done(easy, rc, x->user);
		g_free(x);
	}
}

/* Every way into curl goes through here: done callbacks may free the loop. */
static void
dispatch(struct curl_loop *cl, curl_socket_t fd, int ev)
{
	int running;

	cl->busy++;
	curl_multi_socket_action(cl->multi, fd, ev, &running);
	check_done(cl);
	if (--cl->busy == 0 && cl->dying)
		destroy(cl);
}

static gboolean
on_fd(gint fd, GIOCondition cond, gpointer data)
{
	struct sock *so = data;
	int ev = 0;

	if (cond & G_IO_IN)
		ev |= CURL_CSELECT_IN;
	if (cond & G_IO_OUT)
		ev |= CURL_CSELECT_OUT;
	if (cond & (G_IO_ERR | G_IO_HUP | G_IO_NVAL))
		ev |= CURL_CSELECT_ERR;
	/* so may be freed inside the action (CURL_POLL_REMOVE): keep nothing of it */
	dispatch(so->cl, fd, ev);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout(gpointer data)
{
	struct curl_loop *cl = data;
	GSource *self = cl->timer;

	/* curl may set a new timer from inside the action */
	cl->timer = NULL;
	dispatch(cl, CURL_SOCKET_TIMEOUT, 0);
	if (self)
		g_source_unref(self);
	return G_SOURCE_REMOVE;
}

static int
timer_cb(CURLM *multi, long timeout_ms, void *data)
{
	struct curl_loop *cl = data;

	timer_clear(cl);
	if (timeout_ms < 0)
		return 0;
	/* even a 0 ms timeout goes through the loop: curl must not be re-entered
	 * from its own callback */
	cl->timer = g_timeout_source_new((guint)MIN(timeout_ms, (long)G_MAXUINT));
	g_source_set_callback(cl->timer, on_timeout, cl, NULL);
	g_source_attach(cl->timer, cl->ctx);
	return 0;
}

static void
sock_free(gpointer p)
{
	struct sock *so = p;

	if (so->source) {
		g_source_destroy(so->source);
		g_source_unref(so->source);
	}
	g_free(so);
}

static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *data, void *sockp)
{
	struct curl_loop *cl = data;
	struct sock *so = sockp;
	GIOCondition cond = G_IO_ERR | G_IO_HUP;

	if (what == CURL_POLL_REMOVE) {
		if (so)
			g_hash_table_remove(cl->socks, so);
		return 0;
	}
	if (what & CURL_POLL_IN)
		cond |= G_IO_IN;
	if (what & CURL_POLL_OUT)
		cond |= G_IO_OUT;
	if (so == NULL) {
		so = g_new0(struct sock, 1);
		so->cl = cl;
		so->fd = fd;
		g_hash_table_add(cl->socks, so);
		curl_multi_assign(cl->multi, fd, so);
	} else if (so->source) {
		g_source_destroy(so->source);
		g_source_unref(so->source);
	}
	so->source = g_unix_fd_source_new(fd, cond);
	g_source_set_callback(so->source, G_SOURCE_FUNC(on_fd), so, NULL);
	g_source_attach(so->source, cl->ctx);
	return 0;
}

struct curl_loop *
curl_loop_new(GMainContext *ctx)
{
	struct curl_loop *cl;
	CURLM *multi = curl_multi_init();

	if (multi == NULL) {
		log_warnx("curl_multi_init failed");
		return NULL;
	}
	cl = g_new0(struct curl_loop, 1);
	cl->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
	cl->multi = multi;
	cl->socks = g_hash_table_new_full(NULL, NULL, sock_free, NULL);
	cl->xfers = g_hash_table_new(NULL, NULL);
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, cl);
	return cl;
}

void
curl_loop_free(struct curl_loop *cl)
{
	if (cl == NULL || cl->dying)
		return;
	if (cl->busy == 0) {
		destroy(cl);
		return;
	}
	/* inside one of our callbacks: stop everything now, free on the way out */
	cl->dying = TRUE;
	abort_all(cl);
	timer_clear(cl);
}

CURLM *
curl_loop_multi(struct curl_loop *cl)
{
	return cl->multi;
}

int
curl_loop_add(struct curl_loop *cl, CURL *easy, curl_loop_done_fn done, void *user)
{
	struct xfer *x;

	if (cl == NULL || cl->dying)
		return -1;
	x = g_new0(struct xfer, 1);
	x->easy = easy;
	x->done = done;
	x->user = user;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	/* arms a 0 ms timer through timer_cb: the first callbacks come from the loop */
	if (curl_multi_add_handle(cl->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		g_free(x);
		return -1;
	}
	g_hash_table_add(cl->xfers, x);
	return 0;
}

void
curl_loop_remove(struct curl_loop *cl, CURL *easy)
{
	void *p = NULL;

	if (cl == NULL || easy == NULL)
		return;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p);
	if (p == NULL || !g_hash_table_steal(cl->xfers, p))
		return;
	curl_multi_remove_handle(cl->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	g_free(p);
}

guint
curl_loop_active(const struct curl_loop *cl)
{
	return cl ? g_hash_table_size(cl->xfers) : 0;
}
