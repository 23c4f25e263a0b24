/* channel_email.c — alerts by email over SMTP (libcurl).
 * smtp:// always upgrades with STARTTLS and refuses to continue without it
 * (CURLUSESSL_ALL), smtps:// is TLS from the first byte. Recipients come
 * only from the configuration; feed text reaches the message only inside an
 * RFC 2047 encoded Subject and base64 bodies, so it can never add a header. */
#include <string.h>

#include "channel_types.h"
#include "curl_loop.h"
#include "match.h"
#include "secret.h"

struct email {
	char *name;
	char *url;
	char *from;                  /* as written: "Name <addr>" or "addr" */
	char *from_addr;             /* addr only, for MAIL FROM and the Message-ID domain */
	char **to;                   /* as written */
	struct curl_slist *rcpt;     /* "<addr>" each */
	char *username;
	char *password;              /* secret */
	char *ca_file;
	char *subject_prefix;
	gboolean tls;
	long timeout_ms;
	struct curl_loop *loop;
};

static const char *const email_keys[] = {
	SECRET_KEYS("url"), "from", "to", SECRET_KEYS("username"), SECRET_KEYS("password"),
	"ca_file", "timeout", "subject_prefix", "tls", CHANNEL_COMMON_KEYS, NULL
};

/* ---------------------------------------------------------------- config */

/* An address as configured: printable ASCII, "addr@dom" or "Name <addr@dom>". */
static char *
parse_address(const char *s)
{
	const char *lt, *gt;
	char *addr;

	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return NULL;
	lt = strchr(s, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt)
		addr = g_strndup(lt + 1, (gsize)(gt - lt - 1));
	else if (lt || strchr(s, '>'))
		return NULL;
	else
		addr = g_strdup(s);
	g_strstrip(addr);
	if (strchr(addr, '@') == NULL || strpbrk(addr, " ,;<>\"()") != NULL ||
	    addr[0] == '@' || g_str_has_suffix(addr, "@")) {
		g_free(addr);
		return NULL;
	}
	return addr;
}

static void
email_close(void *state)
{
	struct email *e = state;

	if (e == NULL)
		return;
	curl_loop_free(e->loop);
	g_free(e->name);
	secret_free(e->url);
	g_free(e->from);
	g_free(e->from_addr);
	g_strfreev(e->to);
	curl_slist_free_all(e->rcpt);
	secret_free(e->username);
	secret_free(e->password);
	g_free(e->ca_file);
	g_free(e->subject_prefix);
	g_free(e);
}

static void *
email_open(const struct config *cfg, const struct channel_config *cc, GPtrArray *errors)
{
	struct email *e = g_new0(struct email, 1);
	guint before = errors->len;
	char *tls;
	gint64 timeout;

	e->name = g_strdup(cc->name);
	e->url = secret_get(cfg, cc, "url", TRUE, errors);
	if (e->url && !g_str_has_prefix(e->url, "smtp://") && !g_str_has_prefix(e->url, "smtps://"))
		channel_config_error(errors, cfg, cc, "url", "url: smtp://HOST:PORT or smtps://HOST:PORT expected");
	e->from = g_key_file_get_string(cfg->kf, cc->group, "from", NULL);
	if (e->from == NULL)
		channel_config_error(errors, cfg, cc, NULL, "from is required");
	else if ((e->from_addr = parse_address(g_strstrip(e->from))) == NULL)
		channel_config_error(errors, cfg, cc, "from",
		                     "from: \"%s\" is not an address (ASCII, addr@domain or Name <addr@domain>)",
		                     e->from);
	e->to = g_key_file_get_string_list(cfg->kf, cc->group, "to", NULL, NULL);
	for (char **t = e->to; t && *t; t++) {
		char *addr = parse_address(g_strstrip(*t));
		char *r;

		if (addr == NULL) {
			channel_config_error(errors, cfg, cc, "to", "to: \"%s\" is not an address", *t);
			continue;
		}
		r = g_strdup_printf("<%s>", addr);
		e->rcpt = curl_slist_append(e->rcpt, r);
		g_free(r);
		g_free(addr);
	}
	if (e->rcpt == NULL && errors->len == before)
		channel_config_error(errors, cfg, cc, "to", "to: at least one recipient is required");
	e->username = secret_get(cfg, cc, "username", FALSE, errors);
	e->password = secret_get(cfg, cc, "password", FALSE, errors);
	if ((e->username == NULL) != (e->password == NULL))
		channel_config_error(errors, cfg, cc, NULL, "username and password go together");
	e->ca_file = g_key_file_get_string(cfg->kf, cc->group, "ca_file", NULL);
	if (e->ca_file)
		g_strstrip(e->ca_file);
	e->subject_prefix = g_key_file_get_string(cfg->kf, cc->group, "subject_prefix", NULL);
	if (e->subject_prefix == NULL)
		e->subject_prefix = g_strdup("[newswatch] ");
	e->tls = TRUE;
	tls = g_key_file_get_string(cfg->kf, cc->group, "tls", NULL);
	if (tls) {
		g_strstrip(tls);
		if (strcmp(tls, "none") == 0)
			e->tls = FALSE;
		else if (strcmp(tls, "required") != 0)
			channel_config_error(errors, cfg, cc, "tls", "tls: \"%s\" is not required or none", tls);
		/* A password never travels in clear, whatever the config says. */
		if (!e->tls && e->password)
			channel_config_error(errors, cfg, cc, "tls",
			                     "tls = none cannot be used with a password");
		if (!e->tls && e->url && g_str_has_prefix(e->url, "smtps://"))
			channel_config_error(errors, cfg, cc, "tls", "tls = none contradicts smtps://");
		g_free(tls);
	}
	timeout = channel_key_ms(cfg, cc, "timeout", 60000, errors);
	e->timeout_ms = timeout > 0 ? (long)timeout : 60000;
	if (errors->len != before) {
		email_close(e);
		return NULL;
	}
	return e;
}

/* --------------------------------------------------------------- message */

/* RFC 5322 date in English whatever the locale. */
static void
append_date(GString *s, GDateTime *dt)
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	gint64 off = g_date_time_get_utc_offset(dt) / G_USEC_PER_SEC / 60;

	g_string_append_printf(s, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
	                       days[g_date_time_get_day_of_week(dt) - 1],
	                       g_date_time_get_day_of_month(dt),
	                       months[g_date_time_get_month(dt) - 1], g_date_time_get_year(dt),
	                       g_date_time_get_hour(dt), g_date_time_get_minute(dt),
	                       g_date_time_get_second(dt), off < 0 ? '-' : '+',
	                       (int)(ABS(off) / 60), (int)(ABS(off) % 60));
}

/* Subject: plain when printable ASCII, otherwise RFC 2047 B-words of at most
 * 45 bytes each (never splitting a character), folded onto continuation lines. */
static void
append_subject(GString *s, const char *text)
{
	gboolean ascii = TRUE;
	const char *p = text;

	for (const char *q = text; *q; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
			ascii = FALSE;
	if (ascii && strlen(text) < 900 && strstr(text, "=?") == NULL) {
		g_string_append(s, text);
		return;
	}
	while (*p) {
		const char *end = p;
		char *b64;

		while (*end) {
			const char *next = g_utf8_next_char(end);

			if (next - p > 45)
				break;
			end = next;
		}
		b64 = g_base64_encode((const guchar *)p, (gsize)(end - p));
		if (p != text)
			g_string_append(s, "\r\n ");
		g_string_append_printf(s, "=?UTF-8?B?%s?=", b64);
		g_free(b64);
		p = end;
	}
}

static void
append_base64_part(GString *s, const char *boundary, const char *type, const char *body)
{
	char *b64 = g_base64_encode((const guchar *)body, strlen(body));
	gsize len = strlen(b64);

	g_string_append_printf(s, "--%s\r\nContent-Type: %s; charset=utf-8\r\n"
	                       "Content-Transfer-Encoding: base64\r\n\r\n", boundary, type);
	for (gsize i = 0; i < len; i += 76) {
		g_string_append_len(s, b64 + i, (gssize)MIN(76, len - i));
		g_string_append(s, "\r\n");
	}
	g_free(b64);
}

static void
append_esc(GString *s, const char *t)
{
	char *e = g_markup_escape_text(t, -1);

	g_string_append(s, e);
	g_free(e);
}

static gboolean
is_web_link(const char *l)
{
	return l && (g_str_has_prefix(l, "https://") || g_str_has_prefix(l, "http://"));
}

/* One alert, as text and HTML. */
static void
render_alert(GString *text, GString *html, const struct alert *a, gboolean brief)
{
	char *title = channel_clean_text(a->title && *a->title ? a->title : "(untitled)");
	char *link = channel_clean_text(a->link);
	char *entries = channel_alert_entries(a);
	char *ce = channel_clean_text(entries);
	char *feed = channel_clean_text(a->feed_title ? a->feed_title : a->feed);
	char *published = time_to_rfc3339(a->published);

	g_string_append_printf(text, "%s%s\n", brief ? "- " : "", title);
	if (*link)
		g_string_append_printf(text, "%s%s\n", brief ? "  " : "", link);
	g_string_append(html, brief ? "<li>" : "<h2>");
	if (is_web_link(link)) {
		g_string_append(html, "<a href=\"");
		append_esc(html, link);
		g_string_append(html, "\">");
	}
	append_esc(html, title);
	if (is_web_link(link))
		g_string_append(html, "</a>");
	g_string_append(html, brief ? "" : "</h2>\n");
	if (!brief) {
		g_string_append_printf(text, "\n%s · %s · %s%s%s\n", ce, feed, priority_name(a->priority),
		                       published ? " · " : "", published ? published : "");
		g_string_append(html, "<p>");
		append_esc(html, ce);
		g_string_append(html, " · ");
		append_esc(html, feed);
		g_string_append_printf(html, " · %s%s%s</p>\n", priority_name(a->priority),
		                       published ? " · " : "", published ? published : "");
		for (guint i = 0; i < a->matches->len; i++) {
			const struct match *m = g_ptr_array_index(a->matches, i);
			char *entry = channel_clean_text(m->entry);
			char *snip = channel_clean_text(m->snippet);

			g_string_append_printf(text, "  %s: %s\n", entry, snip);
			g_string_append(html, "<p><b>");
			append_esc(html, entry);
			g_string_append(html, "</b>: ");
			append_esc(html, snip);
			g_string_append(html, "</p>\n");
			g_free(entry);
			g_free(snip);
		}
		if (a->follow_up) {
			char *f = channel_clean_text(a->follow_up);

			g_string_append_printf(text, "  follow-up: %s\n", f);
			g_string_append(html, "<p>follow-up: ");
			append_esc(html, f);
			g_string_append(html, "</p>\n");
			g_free(f);
		}
	} else {
		g_string_append(html, " <small>");
		append_esc(html, feed);
		g_string_append(html, "</small></li>\n");
	}
	g_free(title);
	g_free(link);
	g_free(entries);
	g_free(ce);
	g_free(feed);
	g_free(published);
}

/* A digest lists every alert under each watch entry it matched, entries in first-seen order. */
static void
render_digest(GString *text, GString *html, struct alert *const *alerts, guint n)
{
	GPtrArray *order = g_ptr_array_new();
	GHashTable *groups = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	                                           (GDestroyNotify)g_ptr_array_unref);

	for (guint i = 0; i < n; i++) {
		gboolean any = FALSE;

		for (guint j = 0; j <= alerts[i]->matches->len; j++) {
			const struct match *m = j < alerts[i]->matches->len ?
			                        g_ptr_array_index(alerts[i]->matches, j) : NULL;
			const char *entry = m && m->entry ? m->entry : (any ? NULL : "(other)");
			GPtrArray *g;

			if (entry == NULL)
				break;
			any = TRUE;
			g = g_hash_table_lookup(groups, entry);
			if (g == NULL) {
				g = g_ptr_array_new();
				g_hash_table_insert(groups, (gpointer)entry, g);
				g_ptr_array_add(order, (gpointer)entry);
			}
			if (g->len == 0 || g_ptr_array_index(g, g->len - 1) != alerts[i])
				g_ptr_array_add(g, alerts[i]);
		}
	}
	for (guint i = 0; i < order->len; i++) {
		const char *entry = g_ptr_array_index(order, i);
		GPtrArray *g = g_hash_table_lookup(groups, entry);
		char *ce = channel_clean_text(entry);

		g_string_append_printf(text, "\n== %s (%u)\n", ce, g->len);
		g_string_append(html, "<h2>");
		append_esc(html, ce);
		g_string_append_printf(html, " (%u)</h2>\n<ul>\n", g->len);
		for (guint j = 0; j < g->len; j++)
			render_alert(text, html, g_ptr_array_index(g, j), TRUE);
		g_string_append(html, "</ul>\n");
		g_free(ce);
	}
	g_hash_table_unref(groups);
	g_ptr_array_unref(order);
}

static char *
build_message(const struct email *e, struct alert *const *alerts, guint n, const char *batch)
{
	GString *s = g_string_new(NULL);
	GString *text = g_string_new(NULL);
	GString *html = g_string_new("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n");
	GDateTime *now = g_date_time_new_now_local();
	const char *domain = strchr(e->from_addr, '@') + 1;
	char *chan = g_compute_checksum_for_string(G_CHECKSUM_SHA256, e->name, -1);
	char *subject, *boundary, *raw;

	if (batch) {
		subject = g_strdup_printf("%s%s", e->subject_prefix, batch);
	} else {
		char *entries = channel_alert_entries(alerts[0]);

		subject = g_strdup_printf("%s%s%s%s", e->subject_prefix, entries, *entries ? ": " : "",
		                          alerts[0]->title ? alerts[0]->title : "(untitled)");
		g_free(entries);
	}
	raw = subject;
	subject = channel_clean_text(raw);
	g_free(raw);
	if (g_utf8_strlen(subject, -1) > 200) {
		raw = g_utf8_substring(subject, 0, 199);
		g_free(subject);
		subject = g_strconcat(raw, "…", NULL);
		g_free(raw);
	}
	chan[12] = '\0';
	g_string_append(s, "Date: ");
	append_date(s, now);
	g_string_append_printf(s, "\r\nFrom: %s\r\nTo: ", e->from);
	for (char **t = e->to; t && *t; t++)
		g_string_append_printf(s, "%s%s", t == e->to ? "" : ", ", *t);
	g_string_append(s, "\r\nSubject: ");
	append_subject(s, subject);
	/* The same alert (or batch) gives the same Message-ID on every retry, so a
	 * server that did take an earlier attempt lets the duplicate be recognised. */
	if (alerts[0]->outbox_id && n == 1 && batch == NULL)
		g_string_append_printf(s, "\r\nMessage-ID: <newswatch.%" G_GINT64_FORMAT ".%s@%s>",
		                       alerts[0]->outbox_id, chan, domain);
	else if (alerts[0]->outbox_id)
		g_string_append_printf(s, "\r\nMessage-ID: <newswatch.%" G_GINT64_FORMAT "-%"
		                       G_GINT64_FORMAT ".%u.%s@%s>", alerts[0]->outbox_id,
		                       alerts[n - 1]->outbox_id, n, chan, domain);
	else
		g_string_append_printf(s, "\r\nMessage-ID: <newswatch.test.%" G_GINT64_FORMAT ".%s@%s>",
		                       g_get_real_time(), chan, domain);
	boundary = g_strdup_printf("=_newswatch_%s", chan);
	g_string_append_printf(s, "\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
	                       "X-Newswatch-Priority: %s\r\n"
	                       "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
	                       priority_name(alerts[0]->priority), boundary);
	if (batch) {
		char *b = channel_clean_text(batch);

		g_string_append_printf(text, "%s\n", b);
		g_string_append(html, "<h1>");
		append_esc(html, b);
		g_string_append(html, "</h1>\n");
		render_digest(text, html, alerts, n);
		g_free(b);
	} else {
		render_alert(text, html, alerts[0], FALSE);
	}
	g_string_append(text, "\n-- \nsent by newswatch\n");
	g_string_append(html, "<hr><p><small>sent by newswatch</small></p>\n</body></html>\n");
	g_string_append(s, "This is a multi-part message in MIME format.\r\n\r\n");
	append_base64_part(s, boundary, "text/plain", text->str);
	append_base64_part(s, boundary, "text/html", html->str);
	g_string_append_printf(s, "--%s--\r\n", boundary);
	g_date_time_unref(now);
	g_free(chan);
	g_free(subject);
	g_free(boundary);
	g_string_free(text, TRUE);
	g_string_free(html, TRUE);
	return g_string_free(s, FALSE);
}

/* -------------------------------------------------------------- deliver */

struct send {
	channel_done_fn done;
	void *user;
	char *msg;
	size_t len, pos;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t
on_read(char *buf, size_t size, size_t n, void *data)
{
	struct send *sd = data;
	size_t want = MIN(size * n, sd->len - sd->pos);

	memcpy(buf, sd->msg + sd->pos, want);
	sd->pos += want;
	return want;
}

static void
send_done(CURL *easy, CURLcode rc, void *data)
{
	struct send *sd = data;
	long code = 0;
	enum delivery_status cls;
	const char *why = sd->errbuf[0] ? sd->errbuf : curl_easy_strerror(rc);

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		channel_finish(sd->done, sd->user, DELIVERY_OK, 0, NULL);
	} else if (rc == CURLE_USE_SSL_FAILED) {
		channel_finish(sd->done, sd->user, DELIVERY_PERMANENT, 0,
		               "smtp server does not offer STARTTLS: refusing to send credentials or "
		               "mail in clear (%s)", why);
	} else {
		/* An SMTP reply decides when there was one: 4xx try again, 5xx do not. */
		if (code >= 400 && code < 500)
			cls = DELIVERY_TEMPORARY;
		else if (code >= 500 && code < 600)
			cls = DELIVERY_PERMANENT;
		else
			cls = channel_transfer_status(rc, 0);
		if (code)
			channel_finish(sd->done, sd->user, cls, 0, "smtp %ld: %s", code, why);
		else
			channel_finish(sd->done, sd->user, cls, 0, "smtp: %s", why);
	}
	curl_easy_cleanup(easy);
	g_free(sd->msg);
	g_free(sd);
}

static void
email_deliver(void *state, struct alert *const *alerts, guint n, const char *batch_title,
              channel_done_fn done, void *user)
{
	struct email *e = state;
	struct send *sd;
	CURL *easy;
	char *mail_from;

	if (n == 0) {
		channel_finish(done, user, DELIVERY_OK, 0, NULL);
		return;
	}
	sd = g_new0(struct send, 1);
	sd->done = done;
	sd->user = user;
	sd->msg = build_message(e, alerts, n, batch_title);
	sd->len = strlen(sd->msg);
	mail_from = g_strdup_printf("<%s>", e->from_addr);
	easy = curl_easy_init();
	curl_easy_setopt(easy, CURLOPT_URL, e->url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(easy, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, e->rcpt);
	curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)sd->len);
	curl_easy_setopt(easy, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(easy, CURLOPT_READDATA, sd);
	if (e->tls)
		curl_easy_setopt(easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (e->username) {
		curl_easy_setopt(easy, CURLOPT_USERNAME, e->username);
		curl_easy_setopt(easy, CURLOPT_PASSWORD, e->password);
	}
	channel_curl_start(&e->loop, easy, e->timeout_ms, e->ca_file, sd->errbuf, send_done, sd);
	g_free(mail_from);
}

const struct channel_type channel_type_email = {
	.name = "email",
	.keys = email_keys,
	.open = email_open,
	.close = email_close,
	.deliver = email_deliver,
};
