/* channel.c — the table of channel kinds, and what every kind shares. */
#include <stdarg.h>
#include <string.h>

#include <curl/curl.h>

#include "channel.h"
#include "channel_types.h"
#include "fetch.h"
#include "match.h"

/* Sorted by name; one row per kind. */
static const struct channel_type *const types[] = {
	&channel_type_desktop,
	&channel_type_email,
	&channel_type_exec,
	&channel_type_jsonl,
	&channel_type_stdout,
	&channel_type_webhook,
};

const struct channel_type *
channel_type_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}

const char *const *
channel_type_names(void)
{
	static const char *names[G_N_ELEMENTS(types) + 1];

	if (names[0] == NULL)
		for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
			names[i] = types[i]->name;
	return names;
}

struct channel *
channel_open(const struct config *cfg, const struct channel_config *cc, GPtrArray *errors)
{
	const struct channel_type *type = channel_type_find(cc->type);
	struct channel *ch;
	void *state;

	if (type == NULL) {
		channel_config_error(errors, cfg, cc, "type", "unknown type \"%s\"",
		                     cc->type ? cc->type : "");
		return NULL;
	}
	state = type->open(cfg, cc, errors);
	if (state == NULL)
		return NULL;
	ch = g_new0(struct channel, 1);
	ch->name = g_strdup(cc->name);
	ch->type = type;
	ch->state = state;
	return ch;
}

void
channel_close(struct channel *ch)
{
	if (ch == NULL)
		return;
	ch->type->close(ch->state);
	g_free(ch->name);
	g_free(ch);
}

void
channel_deliver(struct channel *ch, struct alert *const *alerts, guint n,
                const char *batch_title, channel_done_fn done, void *user)
{
	ch->type->deliver(ch->state, alerts, n, batch_title, done, user);
}

void
channel_config_error(GPtrArray *errors, const struct config *cfg,
                     const struct channel_config *cc, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int line = config_line(cfg, cc->group, key);

	if (line == 0)
		line = cc->line;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(errors, g_strdup_printf("%s:%d: channel \"%s\": %s",
	                                        cfg->path ? cfg->path : "(config)", line,
	                                        cc->name, msg));
	g_free(msg);
}

void
channel_finish(channel_done_fn done, void *user, enum delivery_status status,
               gint64 retry_after, const char *fmt, ...)
{
	struct delivery_result r = { status, NULL, retry_after };
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		r.error = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	done(&r, user);
	g_free(r.error);
}

char *
channel_alert_entries(const struct alert *a)
{
	GString *s = g_string_new(NULL);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < a->matches->len; i++) {
		const struct match *m = g_ptr_array_index(a->matches, i);

		if (m->entry == NULL || !g_hash_table_add(seen, m->entry))
			continue;
		if (s->len)
			g_string_append(s, ", ");
		g_string_append(s, m->entry);
	}
	g_hash_table_unref(seen);
	return g_string_free(s, FALSE);
}

char *
channel_clean_text(const char *s)
{
	GString *out;
	char *valid;

	if (s == NULL)
		return g_strdup("");
	valid = g_utf8_make_valid(s, -1);
	out = g_string_sized_new(strlen(valid));
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029 || c == 0x85)
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, c);
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

enum delivery_status
channel_transfer_status(int curl_code, long http_status)
{
	switch (fetch_classify(curl_code, http_status)) {
	case FETCH_OK:
		return DELIVERY_OK;
	case FETCH_TEMPORARY:
		/* The one real difference: a feed fetch follows redirects, so a 1xx/3xx
		 * left over is a server glitch; deliveries follow none, so the
		 * configured URL itself answers "elsewhere" and retrying cannot help. */
		if (curl_code == CURLE_OK && http_status < 400)
			return DELIVERY_PERMANENT;
		return DELIVERY_TEMPORARY;
	case FETCH_NOT_MODIFIED:            /* nobody sends validators with a POST */
	case FETCH_PERMANENT:
	default:
		return DELIVERY_PERMANENT;
	}
}

void
channel_curl_start(struct curl_loop **loop, CURL *easy, long timeout_ms, const char *ca_file,
                   char *errbuf, curl_loop_done_fn done, void *user)
{
	if (*loop == NULL) {
		GMainContext *ctx = g_main_context_ref_thread_default();

		*loop = curl_loop_new(ctx);
		g_main_context_unref(ctx);
	}
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, MIN(timeout_ms, 15000L));
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	if (ca_file)
		curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file);
	if (curl_loop_add(*loop, easy, done, user) < 0)
		done(easy, CURLE_FAILED_INIT, user);
}

gint64
channel_key_ms(const struct config *cfg, const struct channel_config *cc, const char *key,
               gint64 def, GPtrArray *errors)
{
	char *v = g_key_file_get_string(cfg->kf, cc->group, key, NULL);
	gint64 ms;

	if (v == NULL)
		return def;
	ms = config_parse_duration_ms(v);
	if (ms < 0)
		channel_config_error(errors, cfg, cc, key,
		                     "%s: \"%s\" is not a duration (e.g. 500ms, 30s, 5m, 1h, 1d)", key, v);
	g_free(v);
	return ms;
}
