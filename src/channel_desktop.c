/* channel_desktop.c — desktop notifications through libnotify (D-Bus).
 * Markup only when the server advertises body-markup, and always escaped;
 * an "Open" action only when it advertises actions (the callback needs the
 * main loop, which the daemon runs). No bus or no server → a temporary
 * failure for this channel alone; the outbox retries it. */
#include <string.h>
#include <libnotify/notify.h>

#include "channel_types.h"
#include "match.h"

struct desktop {
	char *name;
	char *app_name;
	char *icon;
	int timeout_ms;          /* NOTIFY_EXPIRES_DEFAULT unless set */
	gboolean actions;        /* user allows the Open action */
	gboolean markup;         /* user allows markup (when the server has it) */
	GList *live;             /* notifications kept for their action callbacks */
};

static const char *const desktop_keys[] = {
	"app_name", "icon", "timeout", "actions", "markup", CHANNEL_COMMON_KEYS, NULL
};

static gboolean
key_bool(const struct config *cfg, const struct channel_config *cc, const char *key,
         gboolean def, GPtrArray *errors)
{
	GError *err = NULL;
	gboolean v;

	if (!g_key_file_has_key(cfg->kf, cc->group, key, NULL))
		return def;
	v = g_key_file_get_boolean(cfg->kf, cc->group, key, &err);
	if (err) {
		channel_config_error(errors, cfg, cc, key, "%s: true or false expected", key);
		g_error_free(err);
		return def;
	}
	return v;
}

static void
desktop_close(void *state)
{
	struct desktop *d = state;

	if (d == NULL)
		return;
	g_list_free_full(d->live, g_object_unref);
	g_free(d->name);
	g_free(d->app_name);
	g_free(d->icon);
	g_free(d);
}

static void *
desktop_open(const struct config *cfg, const struct channel_config *cc, GPtrArray *errors)
{
	struct desktop *d = g_new0(struct desktop, 1);
	guint before = errors->len;
	gint64 t;

	d->name = g_strdup(cc->name);
	d->app_name = g_key_file_get_string(cfg->kf, cc->group, "app_name", NULL);
	if (d->app_name == NULL)
		d->app_name = g_strdup("newswatch");
	d->icon = g_key_file_get_string(cfg->kf, cc->group, "icon", NULL);
	if (d->icon == NULL)
		d->icon = g_strdup("dialog-information");
	t = channel_key_ms(cfg, cc, "timeout", -1, errors);
	d->timeout_ms = t < 0 ? NOTIFY_EXPIRES_DEFAULT : (int)MIN(t, G_MAXINT);
	d->actions = key_bool(cfg, cc, "actions", TRUE, errors);
	d->markup = key_bool(cfg, cc, "markup", TRUE, errors);
	if (errors->len != before) {
		desktop_close(d);
		return NULL;
	}
	return d;
}

/* A snippet marks hits as [[term]]: with markup they become <b>term</b>, every
 * other character escaped; without, the brackets are simply dropped. */
static void
append_snippet(GString *s, const char *snippet, gboolean markup)
{
	const char *p = snippet;

	while (*p) {
		const char *open = strstr(p, "[["), *close = open ? strstr(open + 2, "]]") : NULL;
		char *e;

		if (open == NULL || close == NULL) {
			e = markup ? g_markup_escape_text(p, -1) : g_strdup(p);
			g_string_append(s, e);
			g_free(e);
			break;
		}
		e = markup ? g_markup_escape_text(p, open - p) : g_strndup(p, (gsize)(open - p));
		g_string_append(s, e);
		g_free(e);
		e = markup ? g_markup_escape_text(open + 2, close - open - 2) :
		             g_strndup(open + 2, (gsize)(close - open - 2));
		g_string_append_printf(s, markup ? "<b>%s</b>" : "%s", e);
		g_free(e);
		p = close + 2;
	}
}

static void
append_text(GString *s, const char *t, gboolean markup)
{
	char *e = markup ? g_markup_escape_text(t, -1) : g_strdup(t);

	g_string_append(s, e);
	g_free(e);
}

static void
on_open(NotifyNotification *n, char *action, gpointer data)
{
	const char *uri = data;
	GError *err = NULL;

	if (!g_app_info_launch_default_for_uri(uri, NULL, &err)) {
		g_warning("cannot open %s: %s", uri, err->message);
		g_error_free(err);
	}
	notify_notification_close(n, NULL);
}

static void
on_closed(NotifyNotification *n, gpointer data)
{
	struct desktop *d = data;

	d->live = g_list_remove(d->live, n);
	g_object_unref(n);
}

static gboolean
has_cap(GList *caps, const char *cap)
{
	for (GList *l = caps; l; l = l->next)
		if (strcmp(l->data, cap) == 0)
			return TRUE;
	return FALSE;
}

static void
desktop_deliver(void *state, struct alert *const *alerts, guint n, const char *batch_title,
                channel_done_fn done, void *user)
{
	struct desktop *d = state;
	GString *summary = g_string_new(NULL), *body = g_string_new(NULL);
	GList *caps;
	gboolean markup, actions;
	NotifyNotification *note;
	GError *err = NULL;
	enum priority prio = PRIORITY_LOW;
	const char *link = NULL;

	if (!notify_is_initted() && !notify_init(d->app_name)) {
		channel_finish(done, user, DELIVERY_TEMPORARY, 0,
		               "no desktop notification service (libnotify could not start)");
		goto out;
	}
	/* GetCapabilities doubles as the check that a server is there at all. */
	caps = notify_get_server_caps();
	if (caps == NULL) {
		const char *bus = g_getenv("DBUS_SESSION_BUS_ADDRESS");

		channel_finish(done, user, DELIVERY_TEMPORARY, 0,
		               "no desktop notification server on the session bus%s",
		               bus && *bus ? "" : " (DBUS_SESSION_BUS_ADDRESS is not set)");
		goto out;
	}
	markup = d->markup && has_cap(caps, "body-markup");
	actions = d->actions && has_cap(caps, "actions");
	g_list_free_full(caps, g_free);
	for (guint i = 0; i < n; i++)
		if (alerts[i]->priority > prio)
			prio = alerts[i]->priority;
	if (batch_title) {
		char *t = channel_clean_text(batch_title);

		g_string_append(summary, t);
		g_free(t);
		for (guint i = 0; i < n && i < 10; i++) {
			char *title = channel_clean_text(alerts[i]->title);
			char *entries = channel_alert_entries(alerts[i]);
			char *ce = channel_clean_text(entries);

			if (i)
				g_string_append_c(body, '\n');
			append_text(body, "• ", FALSE);
			append_text(body, ce, markup);
			append_text(body, ": ", FALSE);
			append_text(body, title, markup);
			g_free(title);
			g_free(entries);
			g_free(ce);
		}
		if (n > 10)
			g_string_append_printf(body, "\n… and %u more", n - 10);
	} else {
		const struct alert *a = alerts[0];
		const struct match *m = a->matches->len ? g_ptr_array_index(a->matches, 0) : NULL;
		char *entries = channel_alert_entries(a);
		char *title = channel_clean_text(a->title && *a->title ? a->title : "(untitled)");
		char *feed = channel_clean_text(a->feed_title ? a->feed_title : a->feed);
		char *snippet = channel_clean_text(m && m->snippet ? m->snippet : a->summary);
		GDateTime *dt = a->published ? g_date_time_new_from_unix_local(a->published) : NULL;
		char *when = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M") : NULL;
		char *ce = channel_clean_text(entries);

		/* The summary is plain text in the spec; never markup. */
		g_string_append_printf(summary, "%s%s%s", ce, *ce ? ": " : "", title);
		append_text(body, feed, markup);
		if (when) {
			append_text(body, " · ", FALSE);
			append_text(body, when, markup);
		}
		if (*snippet) {
			g_string_append_c(body, '\n');
			append_snippet(body, snippet, markup);
		}
		if (a->link && (g_str_has_prefix(a->link, "https://") ||
		                g_str_has_prefix(a->link, "http://")))
			link = a->link;
		if (dt)
			g_date_time_unref(dt);
		g_free(when);
		g_free(entries);
		g_free(ce);
		g_free(title);
		g_free(feed);
		g_free(snippet);
	}
	note = notify_notification_new(summary->str, body->str, d->icon);
	notify_notification_set_app_name(note, d->app_name);
	notify_notification_set_urgency(note, prio == PRIORITY_URGENT ? NOTIFY_URGENCY_CRITICAL :
	                                      prio == PRIORITY_LOW ? NOTIFY_URGENCY_LOW :
	                                      NOTIFY_URGENCY_NORMAL);
	notify_notification_set_timeout(note, d->timeout_ms);
	notify_notification_set_category(note, "im.received");
	if (actions && link)
		notify_notification_add_action(note, "default", "Open", on_open, g_strdup(link), g_free);
	if (!notify_notification_show(note, &err)) {
		channel_finish(done, user, DELIVERY_TEMPORARY, 0, "desktop notification: %s",
		               err->message);
		g_error_free(err);
		g_object_unref(note);
		goto out;
	}
	if (actions && link) {
		/* Kept until the server closes it, so the Open action can still fire. */
		d->live = g_list_prepend(d->live, note);
		g_signal_connect(note, "closed", G_CALLBACK(on_closed), d);
	} else {
		g_object_unref(note);
	}
	channel_finish(done, user, DELIVERY_OK, 0, NULL);
out:
	g_string_free(summary, TRUE);
	g_string_free(body, TRUE);
}

const struct channel_type channel_type_desktop = {
	.name = "desktop",
	.keys = desktop_keys,
	.open = desktop_open,
	.close = desktop_close,
	.deliver = desktop_deliver,
};
