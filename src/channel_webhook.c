/* channel_webhook.c — chat and HTTP webhooks (libcurl + jansson).
 * Each preset builds exactly the payload its service documents; every string
 * goes through jansson, so feed text can never break out of the JSON, and
 * through the service's own escaping, so it can never mention @everyone. */
#include <string.h>

#include "channel_types.h"
#include "curl_loop.h"
#include "fetch.h"
#include "match.h"
#include "secret.h"

#define RETRY_AFTER_MAX 86400      /* s: a service asking for more is held a day */

struct webhook;

/* A payload builder fills body (new reference) and may change the URL/method. */
typedef json_t *(*payload_fn)(const struct webhook *w, struct alert *const *alerts, guint n,
                               const char *batch_title);

struct preset {
	const char *name;
	payload_fn build;
	gint64 min_interval_ms;        /* the service's documented pace; 0 = none */
	gboolean needs_token;
	const char *const *extra_keys; /* what the preset reads besides the common keys */
};

struct webhook {
	char *name;
	const struct preset *preset;
	char *url;                     /* secret: Slack/Discord URLs carry the token */
	char *token;                   /* secret */
	char *hmac_secret;             /* secret */
	char *hmac_header;
	char *topic;                   /* ntfy */
	char *room;                    /* matrix */
	char *username;                /* slack/discord/mattermost display name */
	char *ca_file;
	json_t *template;              /* json preset */
	struct curl_slist *headers;    /* user's extra headers */
	long timeout_ms;
	struct curl_loop *loop;        /* created on first delivery, on the caller's context */
};

/* ------------------------------------------------------------------ text */

struct view {                      /* what a message shows, plain UTF-8, no control chars */
	char *title;
	char *link;
	char *entries;
	char *feed;
	char *snippet;                 /* the hit marked [[like this]] */
	char *published;
	const char *priority;
};

static void
view_init(struct view *v, const struct alert *a)
{
	const struct match *m = a->matches->len ? g_ptr_array_index(a->matches, 0) : NULL;
	char *e = channel_alert_entries(a);

	v->title = channel_clean_text(a->title && *a->title ? a->title : "(untitled)");
	v->link = channel_clean_text(a->link ? a->link : "");
	v->entries = channel_clean_text(e);
	v->feed = channel_clean_text(a->feed_title ? a->feed_title : a->feed ? a->feed : "");
	v->snippet = channel_clean_text(m && m->snippet ? m->snippet : a->summary ? a->summary : "");
	v->published = time_to_rfc3339(a->published);
	v->priority = priority_name(a->priority);
	g_free(e);
}

static void
view_clear(struct view *v)
{
	g_free(v->title);
	g_free(v->link);
	g_free(v->entries);
	g_free(v->feed);
	g_free(v->snippet);
	g_free(v->published);
}

/* Slack mrkdwn: only &, < and > are special; escaping them defuses <!channel>. */
static void
append_slack(GString *s, const char *t)
{
	for (; *t; t++) {
		if (*t == '&')
			g_string_append(s, "&amp;");
		else if (*t == '<')
			g_string_append(s, "&lt;");
		else if (*t == '>')
			g_string_append(s, "&gt;");
		else
			g_string_append_c(s, *t);
	}
}

/* Markdown (Discord, Mattermost, Teams): backslash-escape the markup characters;
 * a zero-width space after '@' keeps "@channel"/"@here" from notifying anyone
 * on services that have no allowed_mentions switch. */
static void
append_md(GString *s, const char *t, gboolean break_mentions)
{
	for (; *t; t++) {
		if (strchr("\\*_~`[]()<>#|", *t))
			g_string_append_c(s, '\\');
		g_string_append_c(s, *t);
		if (*t == '@' && break_mentions)
			g_string_append(s, "\xe2\x80\x8b");
	}
}

static void
append_html(GString *s, const char *t)
{
	char *e = g_markup_escape_text(t, -1);

	g_string_append(s, e);
	g_free(e);
}

/* Plain text for bodies without markup: one alert, or a batch list. */
static char *
plain_text(struct alert *const *alerts, guint n, const char *batch_title, gboolean with_title)
{
	GString *s = g_string_new(NULL);

	if (batch_title) {
		char *t = channel_clean_text(batch_title);

		g_string_append_printf(s, "%s\n", t);
		g_free(t);
	}
	for (guint i = 0; i < n; i++) {
		struct view v;

		view_init(&v, alerts[i]);
		if (batch_title) {
			g_string_append_printf(s, "- %s [%s] %s\n", v.title, v.entries, v.link);
		} else {
			if (with_title)
				g_string_append_printf(s, "%s\n", v.title);
			g_string_append_printf(s, "%s · %s · %s\n", v.entries, v.feed, v.priority);
			if (*v.snippet)
				g_string_append_printf(s, "%s\n", v.snippet);
			g_string_append(s, v.link);
		}
		view_clear(&v);
	}
	while (s->len && s->str[s->len - 1] == '\n')
		g_string_truncate(s, s->len - 1);
	return g_string_free(s, FALSE);
}

static char *
heading(struct alert *const *alerts, guint n, const char *batch_title)
{
	if (batch_title)
		return channel_clean_text(batch_title);
	return channel_clean_text(alerts[0]->title && *alerts[0]->title ? alerts[0]->title :
	                          "(untitled)");
}

/* --------------------------------------------------------------- presets */

static json_t *
build_slack(const struct webhook *w, struct alert *const *alerts, guint n, const char *batch)
{
	GString *s = g_string_new(NULL);
	json_t *o;

	if (batch) {
		append_slack(s, batch);
		g_string_append_c(s, '\n');
	}
	for (guint i = 0; i < n; i++) {
		struct view v;

		view_init(&v, alerts[i]);
		g_string_append(s, batch ? "• " : "*");
		if (*v.link) {
			g_string_append_c(s, '<');
			append_slack(s, v.link);
			g_string_append_c(s, '|');
			append_slack(s, v.title);
			g_string_append_c(s, '>');
		} else {
			append_slack(s, v.title);
		}
		g_string_append(s, batch ? " — " : "*\n");
		append_slack(s, v.entries);
		if (!batch) {
			g_string_append(s, " · ");
			append_slack(s, v.feed);
			g_string_append(s, " · ");
			g_string_append(s, v.priority);
			if (*v.snippet) {
				g_string_append(s, "\n>");
				append_slack(s, v.snippet);
			}
		}
		g_string_append_c(s, '\n');
		view_clear(&v);
	}
	o = json_pack("{s:s%,s:b,s:b}", "text", s->str, s->len, "unfurl_links", 0,
	              "unfurl_media", 0);
	if (w->username)
		json_object_set_new(o, "username", json_string(w->username));
	g_string_free(s, TRUE);
	return o;
}

static char *
markdown_text(struct alert *const *alerts, guint n, const char *batch, gboolean break_mentions,
              gsize max)
{
	GString *s = g_string_new(NULL);

	if (batch) {
		g_string_append(s, "**");
		append_md(s, batch, break_mentions);
		g_string_append(s, "**\n");
	}
	for (guint i = 0; i < n; i++) {
		struct view v;
		gsize before = s->len;

		view_init(&v, alerts[i]);
		g_string_append(s, batch ? "- " : "**");
		append_md(s, v.title, break_mentions);
		g_string_append(s, batch ? " — " : "**\n");
		append_md(s, v.entries, break_mentions);
		if (!batch) {
			g_string_append(s, " · ");
			append_md(s, v.feed, break_mentions);
			g_string_append_printf(s, " · %s", v.priority);
			if (*v.snippet) {
				g_string_append(s, "\n> ");
				append_md(s, v.snippet, break_mentions);
			}
		}
		if (*v.link) {
			/* Angle brackets keep a long URL one link and stop the preview. */
			g_string_append(s, batch ? " <" : "\n<");
			g_string_append(s, v.link);
			g_string_append_c(s, '>');
		}
		g_string_append_c(s, '\n');
		view_clear(&v);
		if (max && s->len > max) {
			g_string_truncate(s, before);
			g_string_append_printf(s, "… and %u more\n", n - i);
			break;
		}
	}
	return g_string_free(s, FALSE);
}

static json_t *
build_discord(const struct webhook *w, struct alert *const *alerts, guint n, const char *batch)
{
	/* Discord caps content at 2000 characters; stay well inside in bytes. */
	char *text = markdown_text(alerts, n, batch, FALSE, 1800);
	json_t *o = json_pack("{s:s,s:{s:[]}}", "content", text, "allowed_mentions", "parse");

	if (w->username)
		json_object_set_new(o, "username", json_string(w->username));
	g_free(text);
	return o;
}

static json_t *
build_mattermost(const struct webhook *w, struct alert *const *alerts, guint n, const char *batch)
{
	char *text = markdown_text(alerts, n, batch, TRUE, 15000);
	json_t *o = json_pack("{s:s}", "text", text);

	if (w->username)
		json_object_set_new(o, "username", json_string(w->username));
	g_free(text);
	return o;
}

/* Teams Workflows ("Post to a channel when a webhook request is received"):
 * a message with one Adaptive Card attachment. */
static json_t *
build_teams(const struct webhook *w, struct alert *const *alerts, guint n, const char *batch)
{
	json_t *body = json_array();
	json_t *actions = json_array();
	char *head = heading(alerts, n, batch);
	json_t *card;

	json_array_append_new(body, json_pack("{s:s,s:s,s:s,s:b,s:s}", "type", "TextBlock",
	                                      "text", head, "weight", "Bolder", "wrap", 1,
	                                      "size", "Medium"));
	for (guint i = 0; i < n; i++) {
		struct view v;
		GString *line = g_string_new(NULL);

		view_init(&v, alerts[i]);
		if (batch) {
			append_md(line, v.title, TRUE);
			g_string_append(line, " — ");
		}
		append_md(line, v.entries, TRUE);
		g_string_append(line, " · ");
		append_md(line, v.feed, TRUE);
		g_string_append_printf(line, " · %s", v.priority);
		json_array_append_new(body, json_pack("{s:s,s:s,s:b,s:b}", "type", "TextBlock",
		                                      "text", line->str, "wrap", 1, "isSubtle", 1));
		if (!batch && *v.snippet) {
			g_string_truncate(line, 0);
			append_md(line, v.snippet, TRUE);
			json_array_append_new(body, json_pack("{s:s,s:s,s:b}", "type", "TextBlock",
			                                      "text", line->str, "wrap", 1));
		}
		if (*v.link && (g_str_has_prefix(v.link, "https://") || g_str_has_prefix(v.link, "http://"))
		    && json_array_size(actions) < 5)
			json_array_append_new(actions, json_pack("{s:s,s:s,s:s}", "type", "Action.OpenUrl",
			                                         "title", batch ? "Open " : "Open",
			                                         "url", v.link));
		g_string_free(line, TRUE);
		view_clear(&v);
	}
	if (batch) {
		for (size_t i = 0; i < json_array_size(actions); i++) {
			char *t = g_strdup_printf("Open %zu", i + 1);

			json_object_set_new(json_array_get(actions, i), "title", json_string(t));
			g_free(t);
		}
	}
	card = json_pack("{s:s,s:s,s:s,s:o,s:o}",
	                 "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
	                 "type", "AdaptiveCard", "version", "1.4", "body", body, "actions", actions);
	g_free(head);
	return json_pack("{s:s,s:[{s:s,s:n,s:o}]}", "type", "message", "attachments",
	                 "contentType", "application/vnd.microsoft.card.adaptive",
	                 "contentUrl", "content", card);
}

static json_t *
build_matrix(const struct webhook *w, struct alert *const *alerts, guint n, const char *batch)
{
	char *plain = plain_text(alerts, n, batch, TRUE);
	GString *html = g_string_new(NULL);

	if (batch) {
		g_string_append(html, "<p><strong>");
		append_html(html, batch);
		g_string_append(html, "</strong></p><ul>");
	}
	for (guint i = 0; i < n; i++) {
		struct view v;

		view_init(&v, alerts[i]);
		g_string_append(html, batch ? "<li>" : "<p><strong>");
		if (*v.link) {
			g_string_append(html, "<a href=\"");
			append_html(html, v.link);
			g_string_append(html, "\">");
		}
		append_html(html, v.title);
		if (*v.link)
			g_string_append(html, "</a>");
		g_string_append(html, batch ? " — " : "</strong><br>");
		append_html(html, v.entries);
		if (!batch) {
			g_string_append(html, " · ");
			append_html(html, v.feed);
			g_string_append_printf(html, " · %s", v.priority);
			if (*v.snippet) {
				g_string_append(html, "</p><blockquote>");
				append_html(html, v.snippet);
				g_string_append(html, "</blockquote>");
			} else {
				g_string_append(html, "</p>");
			}
		} else {
			g_string_append(html, "</li>");
		}
		view_clear(&v);
	}
	if (batch)
		g_string_append(html, "</ul>");
	/* An empty m.mentions says "this mentions nobody" (intentional mentions). */
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:{}}", "msgtype", "m.text", "body", plain,
	                      "format", "org.matrix.custom.html", "formatted_body", html->str,
	                      "m.mentions");
	g_free(plain);
	g_string_free(html, TRUE);
	return o;
}

static int
ntfy_priority(enum priority p)
{
	static const int map[] = { [PRIORITY_LOW] = 2, [PRIORITY_NORMAL] = 3,
	                           [PRIORITY_HIGH] = 4, [PRIORITY_URGENT] = 5 };

	return (unsigned)p < G_N_ELEMENTS(map) ? map[p] : 3;
}

static enum priority
batch_priority(struct alert *const *alerts, guint n)
{
	enum priority p = PRIORITY_LOW;

	for (guint i = 0; i < n; i++)
		if (alerts[i]->priority > p)
			p = alerts[i]->priority;
	return p;
}

static json_t *
build_ntfy(const struct webhook *w, struct alert *const *alerts, guint n, const char *batch)
{
	char *title = heading(alerts, n, batch);
	char *msg = plain_text(alerts, n, batch, FALSE);
	json_t *tags = json_array();
	json_t *o;

	json_array_append_new(tags, json_string("newspaper"));
	if (!batch && alerts[0]->priority == PRIORITY_URGENT)
		json_array_append_new(tags, json_string("rotating_light"));
	o = json_pack("{s:s,s:s,s:s,s:i,s:o}", "topic", w->topic, "title", title, "message", msg,
	              "priority", ntfy_priority(batch_priority(alerts, n)), "tags", tags);
	if (!batch && alerts[0]->link && (g_str_has_prefix(alerts[0]->link, "http://") ||
	                                  g_str_has_prefix(alerts[0]->link, "https://"))) {
		char *link = channel_clean_text(alerts[0]->link);

		json_object_set_new(o, "click", json_string(link));
		g_free(link);
	}
	g_free(title);
	g_free(msg);
	return o;
}

static json_t *
build_gotify(const struct webhook *w, struct alert *const *alerts, guint n, const char *batch)
{
	static const int prio[] = { [PRIORITY_LOW] = 2, [PRIORITY_NORMAL] = 4,
	                            [PRIORITY_HIGH] = 6, [PRIORITY_URGENT] = 8 };
	char *title = heading(alerts, n, batch);
	char *msg = plain_text(alerts, n, batch, FALSE);
	enum priority p = batch_priority(alerts, n);
	json_t *extras = json_pack("{s:{s:s}}", "client::display", "contentType", "text/plain");
	json_t *o;

	if (!batch && alerts[0]->link && *alerts[0]->link) {
		char *link = channel_clean_text(alerts[0]->link);

		json_object_set_new(extras, "client::notification",
		                    json_pack("{s:{s:s}}", "click", "url", link));
		g_free(link);
	}
	o = json_pack("{s:s,s:s,s:i,s:o}", "title", title, "message", msg, "priority", prio[p],
	              "extras", extras);
	g_free(title);
	g_free(msg);
	return o;
}

/* {{name}} placeholders inside the template's strings, filled per alert. */
static char *
fill_placeholders(const char *tmpl, const struct alert *a, const char *batch, const char *text)
{
	struct view v;
	GString *s = g_string_new(NULL);
	const char *p = tmpl;

	view_init(&v, a);
	while (*p) {
		const char *open = strstr(p, "{{"), *close;
		char *name;
		const char *val = NULL;

		if (open == NULL || (close = strstr(open + 2, "}}")) == NULL) {
			g_string_append(s, p);
			break;
		}
		g_string_append_len(s, p, open - p);
		name = g_strstrip(g_strndup(open + 2, (gsize)(close - open - 2)));
		if (strcmp(name, "title") == 0)
			val = batch ? batch : v.title;
		else if (strcmp(name, "link") == 0)
			val = v.link;
		else if (strcmp(name, "entries") == 0)
			val = v.entries;
		else if (strcmp(name, "feed") == 0)
			val = v.feed;
		else if (strcmp(name, "snippet") == 0)
			val = v.snippet;
		else if (strcmp(name, "priority") == 0)
			val = v.priority;
		else if (strcmp(name, "published") == 0)
			val = v.published ? v.published : "";
		else if (strcmp(name, "text") == 0)
			val = text;
		if (val)
			g_string_append(s, val);
		else
			g_string_append_len(s, open, close + 2 - open);
		g_free(name);
		p = close + 2;
	}
	view_clear(&v);
	return g_string_free(s, FALSE);
}

static json_t *
fill_template(json_t *t, const struct alert *a, const char *batch, const char *text)
{
	const char *key;
	json_t *v, *out;
	size_t i;

	switch (json_typeof(t)) {
	case JSON_STRING: {
		char *s = fill_placeholders(json_string_value(t), a, batch, text);

		out = json_string(s);
		g_free(s);
		return out ? out : json_string("");
	}
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach(t, key, v)
			json_object_set_new(out, key, fill_template(v, a, batch, text));
		return out;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(t, i, v)
			json_array_append_new(out, fill_template(v, a, batch, text));
		return out;
	default:
		return json_deep_copy(t);
	}
}

static json_t *
build_json(const struct webhook *w, struct alert *const *alerts, guint n, const char *batch)
{
	json_t *arr;

	if (w->template) {
		char *text = plain_text(alerts, n, batch, TRUE);
		json_t *o = fill_template(w->template, alerts[0], batch, text);

		g_free(text);
		return o;
	}
	if (!batch && n == 1)
		return alert_to_json(alerts[0]);
	arr = json_array();
	for (guint i = 0; i < n; i++)
		json_array_append_new(arr, alert_to_json(alerts[i]));
	return json_pack("{s:s,s:i,s:o}", "batch", batch ? batch : "", "count", (json_int_t)n,
	                 "alerts", arr);
}

static const char *const no_keys[] = { NULL };
static const char *const ntfy_keys[] = { "topic", NULL };
static const char *const matrix_keys[] = { "room", NULL };
static const char *const json_keys[] = { "template", NULL };

static const struct preset presets[] = {
	{ "discord",    build_discord,    1000, FALSE, no_keys },
	{ "gotify",     build_gotify,     0,    TRUE,  no_keys },
	{ "json",       build_json,       0,    FALSE, json_keys },
	{ "matrix",     build_matrix,     200,  TRUE,  matrix_keys },
	{ "mattermost", build_mattermost, 0,    FALSE, no_keys },
	{ "ntfy",       build_ntfy,       0,    FALSE, ntfy_keys },
	{ "slack",      build_slack,      1000, FALSE, no_keys },
	{ "teams",      build_teams,      1000, FALSE, no_keys },
};

static const char *const webhook_keys[] = {
	"preset", SECRET_KEYS("url"), SECRET_KEYS("token"), SECRET_KEYS("hmac_secret"),
	"hmac_header", "headers", "topic", "room", "username", "template", "timeout", "ca_file",
	CHANNEL_COMMON_KEYS, NULL
};

/* ----------------------------------------------------------------- open */

static void
webhook_close(void *state)
{
	struct webhook *w = state;

	if (w == NULL)
		return;
	curl_loop_free(w->loop);
	g_free(w->name);
	secret_free(w->url);
	secret_free(w->token);
	secret_free(w->hmac_secret);
	g_free(w->hmac_header);
	g_free(w->topic);
	g_free(w->room);
	g_free(w->username);
	g_free(w->ca_file);
	if (w->template)
		json_decref(w->template);
	curl_slist_free_all(w->headers);
	g_free(w);
}

static gboolean
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return TRUE;
	return FALSE;
}

static char *
get_str(const struct config *cfg, const struct channel_config *cc, const char *key)
{
	char *v = g_key_file_get_string(cfg->kf, cc->group, key, NULL);

	return v ? g_strstrip(v) : NULL;
}

static int
check_url(const struct config *cfg, const struct channel_config *cc, const char *url,
          GPtrArray *errors)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	int rc = 0;

	/* The URL is a secret: say what is wrong with it, never what it is. */
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) || has_ctl(url)) {
		channel_config_error(errors, cfg, cc, "url", "url: not an http:// or https:// URL");
		rc = -1;
	}
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

static void *
webhook_open(const struct config *cfg, const struct channel_config *cc, GPtrArray *errors)
{
	struct webhook *w = g_new0(struct webhook, 1);
	char *preset = get_str(cfg, cc, "preset");
	char **headers;
	char *tmpl;
	guint before = errors->len;
	gint64 timeout;

	w->name = g_strdup(cc->name);
	for (size_t i = 0; i < G_N_ELEMENTS(presets); i++)
		if (strcmp(presets[i].name, preset ? preset : "json") == 0)
			w->preset = &presets[i];
	if (w->preset == NULL) {
		GString *known = g_string_new(NULL);

		for (size_t i = 0; i < G_N_ELEMENTS(presets); i++)
			g_string_append_printf(known, "%s%s", i ? ", " : "", presets[i].name);
		channel_config_error(errors, cfg, cc, "preset", "preset: unknown \"%s\" (known: %s)",
		                     preset, known->str);
		g_string_free(known, TRUE);
		goto fail;
	}
	w->url = secret_get(cfg, cc, "url", TRUE, errors);
	if (w->url)
		check_url(cfg, cc, w->url, errors);
	w->token = secret_get(cfg, cc, "token", w->preset->needs_token, errors);
	w->hmac_secret = secret_get(cfg, cc, "hmac_secret", FALSE, errors);
	w->hmac_header = get_str(cfg, cc, "hmac_header");
	if (w->hmac_header == NULL)
		w->hmac_header = g_strdup("X-Newswatch-Signature");
	w->topic = get_str(cfg, cc, "topic");
	w->room = get_str(cfg, cc, "room");
	w->username = get_str(cfg, cc, "username");
	w->ca_file = get_str(cfg, cc, "ca_file");
	/* Keys meant for another preset are mistakes worth reporting. */
	static const char *const preset_only[] = { "topic", "room", "template" };
	for (size_t i = 0; i < G_N_ELEMENTS(preset_only); i++) {
		gboolean mine = FALSE;

		for (const char *const *k = w->preset->extra_keys; *k; k++)
			mine = mine || strcmp(*k, preset_only[i]) == 0;
		if (!mine && g_key_file_has_key(cfg->kf, cc->group, preset_only[i], NULL))
			channel_config_error(errors, cfg, cc, preset_only[i],
			                     "%s: not used by preset %s", preset_only[i], w->preset->name);
	}
	if (strcmp(w->preset->name, "ntfy") == 0 && (w->topic == NULL || *w->topic == '\0'))
		channel_config_error(errors, cfg, cc, NULL, "preset ntfy needs topic");
	if (strcmp(w->preset->name, "matrix") == 0 && (w->room == NULL || w->room[0] != '!'))
		channel_config_error(errors, cfg, cc, "room",
		                     "preset matrix needs room = !id:server (the room ID)");
	if ((w->hmac_secret || g_key_file_has_key(cfg->kf, cc->group, "hmac_header", NULL)) &&
	    (has_ctl(w->hmac_header) || strchr(w->hmac_header, ':') || *w->hmac_header == '\0'))
		channel_config_error(errors, cfg, cc, "hmac_header", "hmac_header: not a header name");
	headers = g_key_file_get_string_list(cfg->kf, cc->group, "headers", NULL, NULL);
	for (char **h = headers; h && *h; h++) {
		char *line = g_strstrip(*h);
		const char *colon = strchr(line, ':');

		if (*line == '\0')
			continue;
		if (colon == NULL || colon == line || has_ctl(line)) {
			channel_config_error(errors, cfg, cc, "headers",
			                     "headers: \"Name: value\" expected, separated by ';'");
			continue;
		}
		w->headers = curl_slist_append(w->headers, line);
	}
	g_strfreev(headers);
	tmpl = get_str(cfg, cc, "template");
	if (tmpl) {
		json_error_t jerr;

		w->template = json_load_file(tmpl, 0, &jerr);
		if (w->template == NULL)
			channel_config_error(errors, cfg, cc, "template", "template: %s:%d: %s", tmpl,
			                     jerr.line, jerr.text);
		g_free(tmpl);
	}
	timeout = channel_key_ms(cfg, cc, "timeout", 30000, errors);
	w->timeout_ms = timeout > 0 ? (long)timeout : 30000;
	if (errors->len != before)
		goto fail;
	g_free(preset);
	return w;
fail:
	g_free(preset);
	webhook_close(w);
	return NULL;
}

/* -------------------------------------------------------------- deliver */

struct post {
	struct webhook *w;
	channel_done_fn done;
	void *user;
	struct curl_slist *headers;
	GString *response;
	gint64 retry_after;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t
on_body(char *buf, size_t size, size_t n, void *data)
{
	struct post *p = data;

	if (p->response->len < 2048)
		g_string_append_len(p->response, buf, (gssize)MIN(size * n, 2048 - p->response->len));
	return size * n;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *data)
{
	struct post *p = data;
	size_t len = size * n;
	char *line = g_strndup(buf, len);
	char *colon = strchr(line, ':');

	if (colon) {
		*colon = '\0';
		g_strstrip(line);
		if (g_ascii_strcasecmp(line, "Retry-After") == 0 ||
		    g_ascii_strcasecmp(line, "X-RateLimit-Reset-After") == 0) {
			gint64 ra = fetch_parse_retry_after(g_strstrip(colon + 1),
			                                    g_get_real_time() / G_USEC_PER_SEC,
			                                    RETRY_AFTER_MAX);

			if (ra > p->retry_after)
				p->retry_after = ra;
		}
	}
	g_free(line);
	return len;
}

static void
post_done(CURL *easy, CURLcode rc, void *data)
{
	struct post *p = data;
	long status = 0;
	enum delivery_status cls;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	cls = channel_transfer_status(rc, status);
	if (rc != CURLE_OK) {
		channel_finish(p->done, p->user, cls, 0, "%s", p->errbuf[0] ? p->errbuf :
		               curl_easy_strerror(rc));
	} else if (cls == DELIVERY_OK) {
		channel_finish(p->done, p->user, cls, 0, NULL);
	} else {
		char *body = channel_clean_text(p->response->str);

		if (strlen(body) > 200)
			body[200] = '\0';
		channel_finish(p->done, p->user, cls, p->retry_after, "http %ld%s%s", status,
		               *body ? ": " : "", body);
		g_free(body);
	}
	curl_easy_cleanup(easy);
	curl_slist_free_all(p->headers);
	g_string_free(p->response, TRUE);
	g_free(p);
}

static char *
matrix_url(const struct webhook *w, struct alert *const *alerts, guint n)
{
	char *room = g_uri_escape_string(w->room, NULL, FALSE);
	char *txn, *url;
	const char *base = w->url;
	gsize len = strlen(base);

	/* The outbox id as txnId: a retry of the same delivery is the same event. */
	if (n == 1 && alerts[0]->outbox_id)
		txn = g_strdup_printf("newswatch-%" G_GINT64_FORMAT, alerts[0]->outbox_id);
	else if (alerts[0]->outbox_id)
		txn = g_strdup_printf("newswatch-%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "-%u",
		                      alerts[0]->outbox_id, alerts[n - 1]->outbox_id, n);
	else
		txn = g_strdup_printf("newswatch-test-%" G_GINT64_FORMAT, g_get_real_time());
	while (len > 0 && base[len - 1] == '/')
		len--;
	url = g_strdup_printf("%.*s/_matrix/client/v3/rooms/%s/send/m.room.message/%s", (int)len,
	                      base, room, txn);
	g_free(room);
	g_free(txn);
	return url;
}

static char *
service_url(const struct webhook *w, struct alert *const *alerts, guint n, const char **method)
{
	gsize len = strlen(w->url);

	*method = "POST";
	while (len > 0 && w->url[len - 1] == '/')
		len--;
	if (strcmp(w->preset->name, "matrix") == 0) {
		*method = "PUT";
		return matrix_url(w, alerts, n);
	}
	if (strcmp(w->preset->name, "gotify") == 0 && !g_str_has_suffix(w->url, "/message"))
		return g_strdup_printf("%.*s/message", (int)len, w->url);
	return g_strdup(w->url);
}

static void
webhook_deliver(void *state, struct alert *const *alerts, guint n, const char *batch_title,
                channel_done_fn done, void *user)
{
	struct webhook *w = state;
	struct post *p;
	json_t *payload;
	char *body, *url, *h;
	const char *method;
	CURL *easy;

	if (n == 0) {
		channel_finish(done, user, DELIVERY_OK, 0, NULL);
		return;
	}
	payload = w->preset->build(w, alerts, n, batch_title);
	body = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	if (payload)
		json_decref(payload);
	if (body == NULL) {
		channel_finish(done, user, DELIVERY_PERMANENT, 0, "cannot build the %s payload",
		               w->preset->name);
		return;
	}
	p = g_new0(struct post, 1);
	p->w = w;
	p->done = done;
	p->user = user;
	p->response = g_string_new(NULL);
	p->headers = curl_slist_append(NULL, "Content-Type: application/json");
	for (struct curl_slist *l = w->headers; l; l = l->next)
		p->headers = curl_slist_append(p->headers, l->data);
	if (w->token) {
		if (strcmp(w->preset->name, "gotify") == 0)
			h = g_strdup_printf("X-Gotify-Key: %s", w->token);
		else
			h = g_strdup_printf("Authorization: Bearer %s", w->token);
		p->headers = curl_slist_append(p->headers, h);
		secret_free(h);
	}
	if (w->hmac_secret) {
		char *sig = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)w->hmac_secret,
		                                      strlen(w->hmac_secret), body, -1);

		h = g_strdup_printf("%s: sha256=%s", w->hmac_header, sig);
		p->headers = curl_slist_append(p->headers, h);
		g_free(h);
		g_free(sig);
	}
	url = service_url(w, alerts, n, &method);
	easy = curl_easy_init();
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, body);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "newswatch/" NEWSWATCH_VERSION);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, p);
	channel_curl_start(&w->loop, easy, w->timeout_ms, w->ca_file, p->errbuf, post_done, p);
	g_free(url);
	free(body);
}

static gint64
webhook_pace_ms(void *state)
{
	const struct webhook *w = state;

	return w->preset->min_interval_ms;
}

const struct channel_type channel_type_webhook = {
	.name = "webhook",
	.keys = webhook_keys,
	.open = webhook_open,
	.close = webhook_close,
	.deliver = webhook_deliver,
	.pace_ms = webhook_pace_ms,
};
