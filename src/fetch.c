/* fetch.c — feed fetches over HTTP(S) on the shared curl loop (curl_loop.c):
 * request setup, conditional GET, header parsing, the body cap, redirects
 * and the classification of what came back.
 *
 * Transfers wait in our own queue until both the global and the per-host cap
 * allow them to start: libcurl can queue too, but its total timeout would then
 * run while a transfer waits for a connection, so slow hosts would make
 * innocent feeds time out. CURLMOPT_MAX_*_CONNECTIONS stay set as a backstop
 * (redirects can change hosts) and so idle cached connections are closed
 * rather than piled up. */
#include <string.h>
#include <curl/curl.h>

#include "curl_loop.h"
#include "fetch.h"
#include "log.h"

#define RETRY_AFTER_MAX_DEFAULT (6 * 3600)
#define HEADER_VALUE_MAX 1024   /* longer validators are not worth storing */
#define MAX_CHAIN 16            /* statuses remembered along a redirect chain */

static const char feed_accept[] =
	"Accept: application/rss+xml, application/atom+xml, application/feed+json, "
	"application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
	"application/json;q=0.8, */*;q=0.5";

struct transfer {
	struct fetcher *f;
	CURL *easy;
	struct curl_slist *headers;
	char *host;                     /* per-host cap key */
	char *url, *etag, *last_modified, *label;
	gboolean allow_file;
	fetch_sink_fn sink;
	fetch_start_fn start;
	fetch_done_fn done;
	void *user;

	/* what the header callback saw, for the current response */
	long status;
	char *h_etag, *h_last_modified, *h_content_type, *h_retry_after,
	     *h_cache_control, *h_location;
	long chain[MAX_CHAIN];          /* status of every response, in order */
	int n_chain;

	size_t body_bytes;
	size_t discarded;               /* body of a non-2xx answer, thrown away */
	gboolean started;               /* start() called */
	gboolean too_large, refused;    /* why the write callback aborted */
	char errbuf[CURL_ERROR_SIZE];
};

struct fetcher {
	struct curl_loop *loop;
	struct fetch_options o;
	char *proxy, *user_agent;
	GQueue waiting;                 /* struct transfer *, not yet in curl */
	GHashTable *running;            /* struct transfer * set */
	GHashTable *per_host;           /* host → running count (GUINT_TO_POINTER) */
	int busy;                       /* depth of our own dispatch functions */
	gboolean dying;                 /* freed while busy: free on the way out */
};

void
fetch_options_defaults(struct fetch_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_connections = 16;
	o->max_per_host = 2;
	o->connect_timeout_s = 15;
	o->timeout_s = 60;
	o->low_speed_bytes = 100;
	o->low_speed_time_s = 30;
	o->max_body = 8 * 1024 * 1024;
	o->max_redirects = 5;
	o->retry_after_max_s = RETRY_AFTER_MAX_DEFAULT;
}

/* --- pure helpers ------------------------------------------------------- */

enum fetch_outcome
fetch_classify(int curl_code, long http_status)
{
	switch ((CURLcode)curl_code) {
	case CURLE_OK:
		break;
	/* the request itself can never succeed as configured */
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_FILE_COULDNT_READ_FILE:
	case CURLE_REMOTE_FILE_NOT_FOUND:
	case CURLE_LOGIN_DENIED:
	case CURLE_REMOTE_ACCESS_DENIED:
	case CURLE_NOT_BUILT_IN:
	case CURLE_USE_SSL_FAILED:          /* SMTP without the STARTTLS we demand */
		return FETCH_PERMANENT;
	/* everything else (timeouts, DNS, refused, resets, TLS, bad encoding)
	 * may heal by itself: back off, never disable */
	default:
		return FETCH_TEMPORARY;
	}
	if (http_status == 0 || (http_status >= 200 && http_status < 300))
		return FETCH_OK;        /* 0: file://, no HTTP */
	if (http_status == 304)
		return FETCH_NOT_MODIFIED;
	/* 425 Too Early: the request may be replayed later, not rejected */
	if (http_status == 408 || http_status == 425 || http_status == 429 || http_status >= 500)
		return FETCH_TEMPORARY;
	if (http_status >= 400)
		return FETCH_PERMANENT;
	/* 1xx or a 3xx curl could not follow (no Location): a server glitch */
	return FETCH_TEMPORARY;
}

const char *
fetch_outcome_name(enum fetch_outcome o)
{
	static const char *const names[] = {
		[FETCH_OK] = "ok",
		[FETCH_NOT_MODIFIED] = "not-modified",
		[FETCH_TEMPORARY] = "temporary",
		[FETCH_PERMANENT] = "permanent",
	};

	return (unsigned)o < G_N_ELEMENTS(names) ? names[o] : "unknown";
}

gint64
fetch_parse_retry_after(const char *value, gint64 now, gint64 cap)
{
	gint64 delay = 0;
	gboolean fraction = FALSE;
	const char *p, *end;

	if (value == NULL)
		return 0;
	while (g_ascii_isspace(*value))
		value++;
	if (*value == '\0')
		return 0;
	for (end = value; g_ascii_isdigit(*end); end++)
		;
	p = end;
	/* Discord's X-RateLimit-Reset-After (read by the webhooks) has fractions: round up */
	if (p > value && *p == '.')
		for (p++; g_ascii_isdigit(*p); p++)
			fraction = fraction || *p != '0';
	if (p > value && (*p == '\0' || g_ascii_isspace(*p))) {
		char digits[24];
		guint64 v;

		/* absurdly many digits: as long as we allow */
		if ((size_t)(end - value) >= sizeof(digits))
			return cap;
		memcpy(digits, value, end - value);
		digits[end - value] = '\0';
		if (!g_ascii_string_to_unsigned(digits, 10, 0, G_MAXINT64, &v, NULL))
			return cap;
		delay = (gint64)v + (fraction && v < G_MAXINT64);
	} else {
		time_t t = curl_getdate(value, NULL);

		if (t == -1)
			return 0;
		delay = (gint64)t - now;
	}
	if (delay <= 0)
		return 0;
	return cap > 0 && delay > cap ? cap : delay;
}

/* The value of parameter name in a header value split at sep ("max-age" in
 * Cache-Control, "charset" in Content-Type, after its media type when
 * skip_first), spaces and quotes removed; caller frees; NULL when absent. */
static char *
header_param(const char *value, const char *sep, gboolean skip_first, const char *name,
             const char *quotes)
{
	size_t nl = strlen(name);
	char **parts, *res = NULL;

	if (value == NULL)
		return NULL;
	parts = g_strsplit(value, sep, -1);
	for (char **p = parts + (skip_first && *parts); *p; p++) {
		char *d = g_strstrip(*p);

		if (g_ascii_strncasecmp(d, name, nl) != 0)
			continue;
		d += nl;
		while (g_ascii_isspace(*d))
			d++;
		if (*d++ != '=')
			continue;
		while (g_ascii_isspace(*d) || (*d && strchr(quotes, *d)))
			d++;
		g_strdelimit(d, quotes, ' ');
		res = g_strdup(g_strchomp(d));
		break;
	}
	g_strfreev(parts);
	return res;
}

gint64
fetch_parse_max_age(const char *cc)
{
	char *v = header_param(cc, ",", FALSE, "max-age", "\"");
	guint64 age = 0;

	if (v && !g_ascii_string_to_unsigned(v, 10, 0, G_MAXINT32, &age, NULL))
		age = 0;
	g_free(v);
	return (gint64)age;
}

char *
fetch_parse_charset(const char *ct)
{
	char *v = header_param(ct, ";", TRUE, "charset", "\"'");
	char *res = v && *v ? g_ascii_strdown(v, -1) : NULL;

	g_free(v);
	return res;
}

char *
fetch_url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *res = NULL;

	if (u == NULL || url == NULL)
		goto out;
	/* file:// has no host part; any other scheme is still parsed so that a
	 * refused scheme gets its error from curl, not a malformed-URL one */
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		res = g_strdup("");
		goto out;
	}
	res = g_ascii_strdown(host, -1);
out:
	curl_free(host);
	curl_url_cleanup(u);
	return res;
}

/* --- transfers ---------------------------------------------------------- */

static void
transfer_reset_headers(struct transfer *t)
{
	g_clear_pointer(&t->h_etag, g_free);
	g_clear_pointer(&t->h_last_modified, g_free);
	g_clear_pointer(&t->h_content_type, g_free);
	g_clear_pointer(&t->h_retry_after, g_free);
	g_clear_pointer(&t->h_cache_control, g_free);
	g_clear_pointer(&t->h_location, g_free);
}

static void
transfer_free(struct transfer *t)
{
	if (t == NULL)
		return;
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	transfer_reset_headers(t);
	g_free(t->host);
	g_free(t->url);
	g_free(t->etag);
	g_free(t->last_modified);
	g_free(t->label);
	g_free(t);
}

static const char *
transfer_name(const struct transfer *t)
{
	return t->label ? t->label : t->url;
}

/* Header lines arrive one at a time, for every response of a redirect chain
 * (and 1xx interim answers); each "HTTP/" status line starts a new response. */
static size_t
on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;
	static const struct {
		const char *name;
		size_t off;
	} wanted[] = {
		{ "etag", G_STRUCT_OFFSET(struct transfer, h_etag) },
		{ "last-modified", G_STRUCT_OFFSET(struct transfer, h_last_modified) },
		{ "content-type", G_STRUCT_OFFSET(struct transfer, h_content_type) },
		{ "retry-after", G_STRUCT_OFFSET(struct transfer, h_retry_after) },
		{ "cache-control", G_STRUCT_OFFSET(struct transfer, h_cache_control) },
		{ "location", G_STRUCT_OFFSET(struct transfer, h_location) },
	};
	const char *colon, *v, *end;

	if (len > 5 && memcmp(buf, "HTTP/", 5) == 0) {
		const char *sp = memchr(buf, ' ', len);
		long code = 0;

		for (sp = sp ? sp + 1 : buf + len; sp < buf + len && g_ascii_isdigit(*sp); sp++)
			code = code * 10 + (*sp - '0');
		t->status = code;
		if (t->n_chain < MAX_CHAIN)
			t->chain[t->n_chain++] = code;
		transfer_reset_headers(t);
		return len;
	}
	colon = memchr(buf, ':', len);
	if (colon == NULL)
		return len;
	end = buf + len;
	while (end > colon + 1 && g_ascii_isspace(end[-1]))
		end--;
	for (v = colon + 1; v < end && g_ascii_isspace(*v); v++)
		;
	if (end - v > HEADER_VALUE_MAX)
		return len;
	for (size_t i = 0; i < G_N_ELEMENTS(wanted); i++) {
		size_t nl = strlen(wanted[i].name);
		char **slot;

		if ((size_t)(colon - buf) != nl || g_ascii_strncasecmp(buf, wanted[i].name, nl) != 0)
			continue;
		slot = G_STRUCT_MEMBER_P(t, wanted[i].off);
		g_free(*slot);
		*slot = g_strndup(v, end - v);
		break;
	}
	return len;
}

static gboolean
status_is_body(long status)
{
	return status == 0 || (status >= 200 && status < 300);
}

static void
result_fill_start(struct transfer *t, struct fetch_result *r)
{
	char *eff = NULL;

	r->http_status = t->status;
	r->content_type = t->h_content_type;
	r->charset = fetch_parse_charset(t->h_content_type);
	curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &eff);
	r->effective_url = eff ? eff : t->url;
}

/* Decoded bytes: the cap is enforced here because CURLOPT_MAXFILESIZE sees
 * neither chunked bodies nor what a compressed body inflates to. */
static size_t
on_write(char *buf, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;
	size_t cap = t->f->o.max_body;

	if (!status_is_body(t->status)) {
		/* an error page: read it (so the connection can be reused), never parse it */
		t->discarded += len;
		return t->discarded > cap ? 0 : len;
	}
	if (len > cap - t->body_bytes) {
		t->too_large = TRUE;
		return 0;
	}
	if (!t->started) {
		t->started = TRUE;
		if (t->start) {
			struct fetch_result r = { .outcome = FETCH_OK };
			int rc;

			result_fill_start(t, &r);
			rc = t->start(&r, t->user);
			g_free(r.charset);
			if (rc < 0) {
				t->refused = TRUE;
				return 0;
			}
		}
	}
	if (len && t->sink && t->sink(buf, len, t->user) < 0) {
		t->refused = TRUE;
		return 0;
	}
	t->body_bytes += len;
	return len;
}

static char *
header_line(const char *name, const char *value)
{
	return g_strdup_printf("%s: %s", name, value);
}

static int
transfer_setup(struct transfer *t)
{
	struct fetcher *f = t->f;
	const struct fetch_options *o = &f->o;
	CURL *e = curl_easy_init();
	CURLcode rc = CURLE_OK;
	char *line;

	if (e == NULL)
		return -1;
	t->easy = e;
	t->headers = curl_slist_append(t->headers, feed_accept);
	if (t->etag) {
		line = header_line("If-None-Match", t->etag);
		t->headers = curl_slist_append(t->headers, line);
		g_free(line);
	}
	if (t->last_modified) {
		/* the server's own string back, byte for byte, as RFC 9110 advises */
		line = header_line("If-Modified-Since", t->last_modified);
		t->headers = curl_slist_append(t->headers, line);
		g_free(line);
	}
#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
	SET(CURLOPT_URL, t->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, t->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, t);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, t);
	SET(CURLOPT_HTTPHEADER, t->headers);
	SET(CURLOPT_USERAGENT, f->user_agent);
	SET(CURLOPT_ACCEPT_ENCODING, "");       /* everything this libcurl can decode */
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)o->max_redirects);
	SET(CURLOPT_PROTOCOLS_STR, t->allow_file ? "http,https,file" : "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
	SET(CURLOPT_TIMEOUT, (long)o->timeout_s);
	SET(CURLOPT_LOW_SPEED_LIMIT, (long)o->low_speed_bytes);
	SET(CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_time_s);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	if (f->proxy)
		SET(CURLOPT_PROXY, f->proxy);
#undef SET
	if (rc != CURLE_OK) {
		log_warnx("feed \"%s\": curl setup: %s", transfer_name(t), curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

/* --- queue -------------------------------------------------------------- */

static guint
host_running(struct fetcher *f, const char *host)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(f->per_host, host));
}

static void
host_adjust(struct fetcher *f, const char *host, int delta)
{
	guint n = host_running(f, host) + delta;

	if (n == 0)
		g_hash_table_remove(f->per_host, host);
	else
		g_hash_table_insert(f->per_host, g_strdup(host), GUINT_TO_POINTER(n));
}

static void on_done(CURL *easy, CURLcode code, void *user);
static void transfer_finish(struct transfer *t, CURLcode code);

/* Hands t to curl; its first callbacks come from the loop (a 0 ms timer). */
static int
transfer_start(struct transfer *t)
{
	struct fetcher *f = t->f;

	if (transfer_setup(t) < 0 || curl_loop_add(f->loop, t->easy, on_done, t) < 0)
		return -1;
	g_hash_table_add(f->running, t);
	host_adjust(f, t->host, +1);
	return 0;
}

/* Starts every waiting transfer the caps allow, oldest first. */
static void
pump(struct fetcher *f)
{
	GList *l = f->waiting.head;

	while (l && !f->dying && g_hash_table_size(f->running) < (guint)f->o.max_connections) {
		GList *next = l->next;
		struct transfer *t = l->data;

		if (host_running(f, t->host) < (guint)f->o.max_per_host) {
			g_queue_delete_link(&f->waiting, l);
			if (transfer_start(t) < 0) {
				/* cannot happen short of memory; still answer, from the loop */
				g_strlcpy(t->errbuf, "cannot start the transfer", sizeof(t->errbuf));
				transfer_finish(t, CURLE_OUT_OF_MEMORY);
			}
		}
		l = next;
	}
}

static gboolean
chain_all_permanent(const struct transfer *t)
{
	int redirects = 0;

	for (int i = 0; i < t->n_chain; i++) {
		long s = t->chain[i];

		if (s >= 100 && s < 200)
			continue;
		if (s >= 300 && s < 400 && s != 304) {
			if (s != 301 && s != 308)
				return FALSE;
			redirects++;
		}
	}
	return redirects > 0;
}

static char *
describe_error(const struct transfer *t, CURLcode code, long status, const char *retry_note)
{
	if (t->too_large)
		return g_strdup_printf("body larger than %zu bytes (decoded), aborted", t->f->o.max_body);
	if (t->refused)
		return g_strdup("the parser refused the body");
	switch (code) {
	case CURLE_OK:
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (t->h_location)
			return g_strdup_printf("redirect to %s refused (only http and https)", t->h_location);
		return g_strdup_printf("url scheme refused (only http and https%s)",
		                       t->allow_file ? " and file" : "");
	case CURLE_TOO_MANY_REDIRECTS:
		return g_strdup_printf("too many redirects (more than %d)", t->f->o.max_redirects);
	case CURLE_FILESIZE_EXCEEDED:
		return g_strdup_printf("body larger than %zu bytes (Content-Length), not fetched",
		                       t->f->o.max_body);
	case CURLE_OPERATION_TIMEDOUT:
		return g_strdup_printf("timed out: %s", t->errbuf[0] ? t->errbuf : "no answer");
	default:
		return g_strdup_printf("%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
	}
	if (status == 304 || status_is_body(status))
		return NULL;
	return g_strdup_printf("http %ld%s", status, retry_note);
}

static void
transfer_finish(struct transfer *t, CURLcode code)
{
	struct fetcher *f = t->f;
	struct fetch_result r = { 0 };
	long status = 0, redirects = 0;
	char *eff = NULL, *retry_note = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (t->easy) {
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_COUNT, &redirects);
		curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &eff);
	}
	r.http_status = status;
	r.redirects = (int)redirects;
	/* a huge error page (cut by our cap or curl's): its status says it all */
	if (!status_is_body(status) && status >= 400 &&
	    (code == CURLE_FILESIZE_EXCEEDED || (code == CURLE_WRITE_ERROR && t->discarded > 0)))
		code = CURLE_OK;
	if (t->too_large || t->refused)
		r.outcome = FETCH_PERMANENT;
	else
		r.outcome = fetch_classify(code, status);
	r.retry_after = fetch_parse_retry_after(t->h_retry_after, now, f->o.retry_after_max_s);
	if (r.retry_after > 0)
		retry_note = g_strdup_printf(", server asks to retry after %" G_GINT64_FORMAT " s",
		                             r.retry_after);
	r.curl_code = code;
	r.error = r.outcome == FETCH_OK || r.outcome == FETCH_NOT_MODIFIED ? NULL :
	          describe_error(t, code, status, retry_note ? retry_note : "");
	if (r.error == NULL && (r.outcome == FETCH_TEMPORARY || r.outcome == FETCH_PERMANENT))
		r.error = g_strdup(t->errbuf[0] ? t->errbuf : "cancelled");
	r.max_age = fetch_parse_max_age(t->h_cache_control);
	r.content_type = t->h_content_type;
	r.charset = fetch_parse_charset(t->h_content_type);
	r.effective_url = eff ? eff : t->url;
	r.etag = t->h_etag;
	r.last_modified = t->h_last_modified;
	if (r.outcome == FETCH_NOT_MODIFIED) {
		if (r.etag == NULL)
			r.etag = t->etag;
		if (r.last_modified == NULL)
			r.last_modified = t->last_modified;
	}
	if ((r.outcome == FETCH_OK || r.outcome == FETCH_NOT_MODIFIED) && eff &&
	    chain_all_permanent(t) &&
	    !(g_str_has_prefix(t->url, "https:") && g_str_has_prefix(eff, "http:")))
		r.permanent_url = eff;
	r.body_bytes = t->body_bytes;

	if (g_hash_table_remove(f->running, t))    /* the loop took easy out already */
		host_adjust(f, t->host, -1);
	if (r.outcome == FETCH_TEMPORARY || r.outcome == FETCH_PERMANENT)
		log_debug("feed \"%s\": %s (%s)", transfer_name(t), r.error, fetch_outcome_name(r.outcome));
	t->done(&r, t->user);
	g_free(r.error);
	g_free(r.charset);
	g_free(retry_note);
	transfer_free(t);
}

static void fetcher_destroy(struct fetcher *f);

static void
leave(struct fetcher *f)
{
	if (--f->busy == 0 && f->dying)
		fetcher_destroy(f);
}

/* From the loop: a transfer ended, which may free a cap for a waiting one. */
static void
on_done(CURL *easy, CURLcode code, void *user)
{
	struct transfer *t = user;
	struct fetcher *f = t->f;

	f->busy++;
	transfer_finish(t, code);
	if (!f->dying)
		pump(f);
	leave(f);
}

/* --- public ------------------------------------------------------------- */

struct fetcher *
fetcher_new(GMainContext *ctx, const struct fetch_options *o)
{
	struct fetcher *f = g_new0(struct fetcher, 1);
	struct fetch_options def;
	CURLM *multi;

	fetch_options_defaults(&def);
	f->o = o ? *o : def;
	if (f->o.max_connections <= 0)
		f->o.max_connections = def.max_connections;
	if (f->o.max_per_host <= 0)
		f->o.max_per_host = def.max_per_host;
	if (f->o.max_body == 0)
		f->o.max_body = def.max_body;
	if (f->o.max_redirects < 0)
		f->o.max_redirects = def.max_redirects;
	if (f->o.retry_after_max_s <= 0)
		f->o.retry_after_max_s = def.retry_after_max_s;
	f->proxy = g_strdup(f->o.proxy);
	f->user_agent = f->o.user_agent ? g_strdup(f->o.user_agent) :
	                g_strdup("newswatch/" NEWSWATCH_VERSION " (+https://github.com/newswatch)");
	f->o.proxy = f->proxy;
	f->o.user_agent = f->user_agent;
	f->running = g_hash_table_new(NULL, NULL);
	f->per_host = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_queue_init(&f->waiting);
	f->loop = curl_loop_new(ctx);
	if (f->loop == NULL) {
		fetcher_destroy(f);
		return NULL;
	}
	multi = curl_loop_multi(f->loop);
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->o.max_connections);
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)f->o.max_per_host);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)f->o.max_connections);
	return f;
}

int
fetcher_add(struct fetcher *f, const struct fetch_request *req)
{
	struct transfer *t;

	g_return_val_if_fail(f && req && req->url && req->done, -1);
	if (f->dying)
		return -1;
	t = g_new0(struct transfer, 1);
	t->f = f;
	t->url = g_strdup(req->url);
	t->host = fetch_url_host(req->url);
	if (t->host == NULL)
		t->host = g_strdup("");     /* curl will name the problem */
	t->etag = g_strdup(req->etag);
	t->last_modified = g_strdup(req->last_modified);
	t->label = g_strdup(req->label);
	t->allow_file = req->allow_file;
	t->sink = req->sink;
	t->start = req->start;
	t->done = req->done;
	t->user = req->user;
	/* wait behind others only when a cap says so; done() never runs in here */
	if (f->waiting.length == 0 &&
	    g_hash_table_size(f->running) < (guint)f->o.max_connections &&
	    host_running(f, t->host) < (guint)f->o.max_per_host) {
		if (transfer_start(t) < 0) {
			log_warnx("feed \"%s\": cannot start the transfer", transfer_name(t));
			transfer_free(t);
			return -1;
		}
		return 0;
	}
	g_queue_push_tail(&f->waiting, t);
	return 0;
}

guint
fetcher_active(const struct fetcher *f)
{
	return f ? f->waiting.length + g_hash_table_size(f->running) : 0;
}

/* Removes every transfer; with notify, each gets done(FETCH_TEMPORARY). */
static void
drop_all(struct fetcher *f, gboolean notify)
{
	GList *running = g_hash_table_get_keys(f->running);
	struct transfer *t;

	for (GList *l = running; l; l = l->next) {
		t = l->data;
		g_hash_table_remove(f->running, t);
		curl_loop_remove(f->loop, t->easy);
		host_adjust(f, t->host, -1);
		g_queue_push_tail(&f->waiting, t);
	}
	g_list_free(running);
	while ((t = g_queue_pop_head(&f->waiting))) {
		if (notify) {
			struct fetch_result r = { .outcome = FETCH_TEMPORARY, .error = (char *)"cancelled",
			                          .effective_url = t->url,
			                          .curl_code = CURLE_ABORTED_BY_CALLBACK };

			t->done(&r, t->user);
		}
		transfer_free(t);
	}
}

void
fetcher_cancel_all(struct fetcher *f)
{
	if (f == NULL || f->dying)
		return;
	f->busy++;
	drop_all(f, TRUE);
	leave(f);
}

static void
fetcher_destroy(struct fetcher *f)
{
	if (f->running)
		drop_all(f, FALSE);
	curl_loop_free(f->loop);
	g_clear_pointer(&f->running, g_hash_table_destroy);
	g_clear_pointer(&f->per_host, g_hash_table_destroy);
	g_free(f->proxy);
	g_free(f->user_agent);
	g_free(f);
}

void
fetcher_free(struct fetcher *f)
{
	if (f == NULL || f->dying)
		return;
	if (f->busy == 0) {
		fetcher_destroy(f);
		return;
	}
	/* inside one of our callbacks: stop everything now, free on the way out */
	f->dying = TRUE;
	drop_all(f, FALSE);
	curl_loop_free(f->loop);    /* deferred by the loop too when inside its callback */
	f->loop = NULL;
}
