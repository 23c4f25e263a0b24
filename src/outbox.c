/* outbox.c — routing, pacing, retries: the alert's way from the database to
 * its channels. See outbox.h for the shape and docs/alerts.md for the keys. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "channel.h"
#include "channel_types.h"
#include "log.h"
#include "match.h"
#include "outbox.h"
#include "store_outbox.h"

#define BATCH_MAX 500          /* alerts in one summary or digest */

struct route {
	char *name;
	char **channels;
	char **lists;
	char **entries;
	char **feeds;
	enum priority min_priority;
	gboolean fallback;         /* only for alerts no other route took */
};

struct ochan {
	struct outbox *ob;
	char *name;
	struct channel *ch;
	enum priority min_priority;
	int rate_n;                /* 0 = unlimited */
	gint64 rate_window_s;
	GQueue sends;              /* Unix seconds of recent sends (gint64 in pointers) */
	gboolean quiet;
	int quiet_start, quiet_end;/* seconds after local midnight */
	gint64 digest_s;           /* 0 = off */
	int digest_at;             /* seconds after local midnight */
	gint64 pace_ms;
	gint64 retry_base_ms, retry_max_ms;
	gint64 max_age_s;
	gint64 last_send_us;       /* monotonic-free real time of the last attempt */
	gint64 blocked_until_us;   /* from Retry-After */
	gboolean in_flight;
};

struct outbox {
	const struct config *cfg;
	struct store *store;
	GMainContext *ctx;
	GPtrArray *routes;         /* struct route * */
	GPtrArray *chans;          /* struct ochan * */
	GSource *idle;
	GSource *timer;
	GRand *rand;
	gint64 due_cutoff;         /* µs; non-zero during a one-pass outbox_run */
};

struct attempt {
	struct ochan *oc;
	GPtrArray *rows;           /* struct delivery_row * */
	GPtrArray *alerts;         /* struct alert * */
};

static void schedule(struct outbox *ob);

/* --------------------------------------------------------------- config */

static void G_GNUC_PRINTF(5, 6)
add_error(GPtrArray *errors, const struct config *cfg, const char *group, const char *key,
          const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int line = config_line(cfg, group, key);

	if (line == 0)
		line = config_line(cfg, group, NULL);
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(errors, g_strdup_printf("%s:%d: %s", cfg->path ? cfg->path : "(config)",
	                                        line, msg));
	g_free(msg);
}

static char *
get_str(const struct config *cfg, const char *group, const char *key)
{
	char *v = g_key_file_get_string(cfg->kf, group, key, NULL);

	return v ? g_strstrip(v) : NULL;
}

static char **
get_list(const struct config *cfg, const char *group, const char *key)
{
	char **l = g_key_file_get_string_list(cfg->kf, group, key, NULL, NULL);
	GPtrArray *out;

	if (l == NULL)
		return NULL;
	out = g_ptr_array_new();
	for (char **p = l; *p; p++) {
		g_strstrip(*p);
		if (**p)
			g_ptr_array_add(out, g_strdup(*p));
	}
	g_strfreev(l);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* "HH:MM" or "HH:MM:SS" → seconds after midnight; -1 if malformed. */
static int
parse_clock(const char *s)
{
	unsigned h, m, sec = 0;
	char tail;
	int n = sscanf(s, "%2u:%2u:%2u%c", &h, &m, &sec, &tail);

	if (n != 2 && n != 3)
		return -1;
	if (n == 2 && sscanf(s, "%2u:%2u%c", &h, &m, &tail) == 3)
		return -1;
	if (h > 23 || m > 59 || sec > 59)
		return -1;
	return (int)(h * 3600 + m * 60 + sec);
}

/* "5/1m", "5 per 10s", "20/hour". */
static int
parse_rate(const char *s, int *n, gint64 *window_s)
{
	static const struct { const char *word; gint64 s; } words[] = {
		{ "second", 1 }, { "minute", 60 }, { "hour", 3600 }, { "day", 86400 },
	};
	char **parts;
	char *end;
	gint64 v, ms;
	int rc = -1;

	if (strstr(s, " per "))
		parts = g_strsplit(s, " per ", 2);
	else
		parts = g_strsplit(s, "/", 2);
	if (g_strv_length(parts) != 2)
		goto out;
	g_strstrip(parts[0]);
	g_strstrip(parts[1]);
	v = g_ascii_strtoll(parts[0], &end, 10);
	if (*parts[0] == '\0' || *end != '\0' || v < 1 || v > 100000)
		goto out;
	ms = -1;
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++)
		if (g_ascii_strcasecmp(parts[1], words[i].word) == 0)
			ms = words[i].s * 1000;
	if (ms < 0)
		ms = config_parse_duration_ms(parts[1]);
	if (ms < 1000)
		goto out;
	*n = (int)v;
	*window_s = ms / 1000;
	rc = 0;
out:
	g_strfreev(parts);
	return rc;
}

/* Reads one channel's outbox keys into oc (oc may be a scratch copy). */
static void
read_channel_keys(const struct config *cfg, const struct channel_config *cc, struct ochan *oc,
                  GPtrArray *errors)
{
	const char *g = cc->group;
	char *v;
	gint64 ms;

	oc->min_priority = PRIORITY_LOW;
	if ((v = get_str(cfg, g, "min_priority")) != NULL) {
		if (priority_parse(v, &oc->min_priority) < 0)
			channel_config_error(errors, cfg, cc, "min_priority",
			                     "min_priority: \"%s\" is not low, normal, high or urgent", v);
		g_free(v);
	}
	if ((v = get_str(cfg, g, "rate_limit")) != NULL) {
		if (parse_rate(v, &oc->rate_n, &oc->rate_window_s) < 0)
			channel_config_error(errors, cfg, cc, "rate_limit",
			                     "rate_limit: \"%s\" is not N/DURATION (e.g. 5/1m, 20 per hour)", v);
		g_free(v);
	}
	if ((v = get_str(cfg, g, "quiet_hours")) != NULL) {
		char **p = g_strsplit(v, "-", 2);

		if (g_strv_length(p) == 2 && (oc->quiet_start = parse_clock(g_strstrip(p[0]))) >= 0 &&
		    (oc->quiet_end = parse_clock(g_strstrip(p[1]))) >= 0 &&
		    oc->quiet_start != oc->quiet_end)
			oc->quiet = TRUE;
		else
			channel_config_error(errors, cfg, cc, "quiet_hours",
			                     "quiet_hours: \"%s\" is not HH:MM-HH:MM (local time)", v);
		g_strfreev(p);
		g_free(v);
	}
	if ((v = get_str(cfg, g, "digest")) != NULL) {
		if (strcmp(v, "daily") == 0)
			ms = 86400000;
		else if (strcmp(v, "hourly") == 0)
			ms = 3600000;
		else
			ms = config_parse_duration_ms(v);
		if (ms < 1000 || ms > 7 * 86400000LL)
			channel_config_error(errors, cfg, cc, "digest",
			                     "digest: \"%s\" is not a period between 1s and 7d (e.g. 30m, daily)", v);
		else
			oc->digest_s = ms / 1000;
		g_free(v);
	}
	if ((v = get_str(cfg, g, "digest_at")) != NULL) {
		if ((oc->digest_at = parse_clock(v)) < 0) {
			oc->digest_at = 0;
			channel_config_error(errors, cfg, cc, "digest_at", "digest_at: \"%s\" is not HH:MM", v);
		}
		if (oc->digest_s == 0)
			channel_config_error(errors, cfg, cc, "digest_at", "digest_at needs digest");
		g_free(v);
	}
	oc->pace_ms = channel_key_ms(cfg, cc, "min_interval", -1, errors);
	oc->retry_base_ms = channel_key_ms(cfg, cc, "retry_base", 30000, errors);
	oc->retry_max_ms = channel_key_ms(cfg, cc, "retry_max", 3600000, errors);
	ms = channel_key_ms(cfg, cc, "max_age", 86400000, errors);
	oc->max_age_s = ms > 0 ? MAX(ms / 1000, 1) : 86400;
	if (oc->retry_base_ms <= 0)
		oc->retry_base_ms = 1000;
	if (oc->retry_max_ms < oc->retry_base_ms)
		oc->retry_max_ms = oc->retry_base_ms;
}

static void
route_free(struct route *r)
{
	if (r == NULL)
		return;
	g_free(r->name);
	g_strfreev(r->channels);
	g_strfreev(r->lists);
	g_strfreev(r->entries);
	g_strfreev(r->feeds);
	g_free(r);
}

static const char *const route_keys[] = {
	"channels", "lists", "entries", "feeds", "min_priority", "fallback", NULL
};

static gboolean
channel_exists(const struct config *cfg, const char *name)
{
	for (guint i = 0; i < cfg->channels->len; i++)
		if (strcmp(((struct channel_config *)g_ptr_array_index(cfg->channels, i))->name, name) == 0)
			return TRUE;
	return FALSE;
}

/* Parses every [route NAME]; returns the routes (errors appended). */
static GPtrArray *
read_routes(const struct config *cfg, GPtrArray *errors)
{
	GPtrArray *routes = g_ptr_array_new_with_free_func((GDestroyNotify)route_free);
	char **groups = g_key_file_get_groups(cfg->kf, NULL);

	for (char **g = groups; g && *g; g++) {
		struct route *r;
		char **keys;
		char *v;
		GError *err = NULL;

		if (strcmp(*g, "route") != 0 && !g_str_has_prefix(*g, "route "))
			continue;
		r = g_new0(struct route, 1);
		r->name = g_strstrip(g_strdup(*g + strlen("route")));
		g_ptr_array_add(routes, r);
		if (*r->name == '\0')
			add_error(errors, cfg, *g, NULL, "[route] needs a name: [route NAME]");
		keys = g_key_file_get_keys(cfg->kf, *g, NULL, NULL);
		for (char **k = keys; k && *k; k++)
			if (!g_strv_contains(route_keys, *k))
				add_error(errors, cfg, *g, *k, "route \"%s\": unknown key \"%s\" (known: %s)",
				          r->name, *k, "channels, lists, entries, feeds, min_priority, fallback");
		g_strfreev(keys);
		r->channels = get_list(cfg, *g, "channels");
		if (r->channels == NULL || r->channels[0] == NULL)
			add_error(errors, cfg, *g, NULL, "route \"%s\": channels is required", r->name);
		for (char **c = r->channels; c && *c; c++)
			if (!channel_exists(cfg, *c))
				add_error(errors, cfg, *g, "channels", "route \"%s\": no [channel %s]", r->name, *c);
		r->lists = get_list(cfg, *g, "lists");
		r->entries = get_list(cfg, *g, "entries");
		r->feeds = get_list(cfg, *g, "feeds");
		for (char **f = r->feeds; f && *f; f++) {
			gboolean found = FALSE;

			for (guint i = 0; i < cfg->feeds->len; i++)
				found |= strcmp(((struct feed_config *)g_ptr_array_index(cfg->feeds, i))->name, *f) == 0;
			if (!found)
				add_error(errors, cfg, *g, "feeds", "route \"%s\": no [feed %s]", r->name, *f);
		}
		r->min_priority = PRIORITY_LOW;
		if ((v = get_str(cfg, *g, "min_priority")) != NULL) {
			if (priority_parse(v, &r->min_priority) < 0)
				add_error(errors, cfg, *g, "min_priority",
				          "route \"%s\": min_priority \"%s\" is not low, normal, high or urgent",
				          r->name, v);
			g_free(v);
		}
		if (g_key_file_has_key(cfg->kf, *g, "fallback", NULL)) {
			r->fallback = g_key_file_get_boolean(cfg->kf, *g, "fallback", &err);
			if (err) {
				add_error(errors, cfg, *g, "fallback", "route \"%s\": fallback: true or false expected",
				          r->name);
				g_clear_error(&err);
			}
		}
	}
	g_strfreev(groups);
	return routes;
}

int
outbox_check_config(const struct config *cfg, GPtrArray *errors)
{
	guint before = errors->len;
	GPtrArray *routes = read_routes(cfg, errors);

	for (guint i = 0; i < cfg->channels->len; i++) {
		struct ochan scratch = { 0 };

		read_channel_keys(cfg, g_ptr_array_index(cfg->channels, i), &scratch, errors);
	}
	g_ptr_array_unref(routes);
	return (int)(errors->len - before);
}

/* ---------------------------------------------------------------- setup */

static void
ochan_free(struct ochan *oc)
{
	if (oc == NULL)
		return;
	channel_close(oc->ch);
	g_queue_clear_full(&oc->sends, g_free);
	g_free(oc->name);
	g_free(oc);
}

struct outbox *
outbox_new(const struct config *cfg, struct store *store, GMainContext *ctx, GPtrArray *errors)
{
	struct outbox *ob = g_new0(struct outbox, 1);
	guint before = errors->len;

	ob->cfg = cfg;
	ob->store = store;
	ob->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
	ob->rand = g_rand_new();
	ob->routes = read_routes(cfg, errors);
	ob->chans = g_ptr_array_new_with_free_func((GDestroyNotify)ochan_free);
	for (guint i = 0; i < cfg->channels->len; i++) {
		const struct channel_config *cc = g_ptr_array_index(cfg->channels, i);
		struct ochan *oc = g_new0(struct ochan, 1);

		oc->ob = ob;
		oc->name = g_strdup(cc->name);
		g_queue_init(&oc->sends);
		read_channel_keys(cfg, cc, oc, errors);
		oc->ch = channel_open(cfg, cc, errors);
		if (oc->ch && oc->pace_ms < 0)
			oc->pace_ms = oc->ch->type->pace_ms ? oc->ch->type->pace_ms(oc->ch->state) : 0;
		g_ptr_array_add(ob->chans, oc);
	}
	if (errors->len != before) {
		outbox_free(ob);
		return NULL;
	}
	return ob;
}

void
outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	if (ob->idle) {
		g_source_destroy(ob->idle);
		g_source_unref(ob->idle);
	}
	if (ob->timer) {
		g_source_destroy(ob->timer);
		g_source_unref(ob->timer);
	}
	/* Closing a channel aborts its transfer without calling back: the rows stay pending. */
	g_ptr_array_unref(ob->chans);
	g_ptr_array_unref(ob->routes);
	g_rand_free(ob->rand);
	g_main_context_unref(ob->ctx);
	g_free(ob);
}

/* -------------------------------------------------------------- routing */

static gboolean
route_matches(const struct route *r, const struct alert *a)
{
	gboolean list_ok = r->lists == NULL, entry_ok = r->entries == NULL;

	if (a->priority < r->min_priority)
		return FALSE;
	if (r->feeds && !(a->feed && g_strv_contains((const char *const *)r->feeds, a->feed)))
		return FALSE;
	for (guint i = 0; i < a->matches->len; i++) {
		const struct match *m = g_ptr_array_index(a->matches, i);

		if (r->lists && m->list && g_strv_contains((const char *const *)r->lists, m->list))
			list_ok = TRUE;
		if (r->entries && m->entry && g_strv_contains((const char *const *)r->entries, m->entry))
			entry_ok = TRUE;
	}
	return list_ok && entry_ok;
}

/* Local time of day in seconds, and the local midnight, for now. */
static int
local_seconds(gint64 now, gint64 *midnight)
{
	GDateTime *dt = g_date_time_new_from_unix_local(now);
	int sod = g_date_time_get_hour(dt) * 3600 + g_date_time_get_minute(dt) * 60 +
	          g_date_time_get_second(dt);

	*midnight = now - sod;
	g_date_time_unref(dt);
	return sod;
}

/* The first digest time after now: digest_at + k × period, local time. */
static gint64
digest_due(const struct ochan *oc, gint64 now)
{
	gint64 midnight, base, k;

	local_seconds(now, &midnight);
	base = midnight + oc->digest_at;
	k = (gint64)floor((double)(now - base) / (double)oc->digest_s) + 1;
	return base + k * oc->digest_s;
}

/* 0 when now is outside the channel's quiet hours, else when they end. */
static gint64
quiet_until(const struct ochan *oc, gint64 now)
{
	gint64 midnight;
	int sod;

	if (!oc->quiet)
		return 0;
	sod = local_seconds(now, &midnight);
	if (oc->quiet_start < oc->quiet_end) {
		if (sod >= oc->quiet_start && sod < oc->quiet_end)
			return midnight + oc->quiet_end;
		return 0;
	}
	if (sod >= oc->quiet_start)
		return midnight + 86400 + oc->quiet_end;
	if (sod < oc->quiet_end)
		return midnight + oc->quiet_end;
	return 0;
}

int
outbox_enqueue(struct outbox *ob, const struct alert *a)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	GHashTable *targets = g_hash_table_new(g_str_hash, g_str_equal);
	gboolean any = FALSE;
	int n = 0;

	if (a->outbox_id <= 0) {
		log_warnx("outbox: alert \"%s\" has no id; not queued", a->title ? a->title : "");
		g_hash_table_unref(targets);
		return -1;
	}
	if (ob->routes->len == 0) {
		for (guint i = 0; i < ob->chans->len; i++)
			g_hash_table_add(targets, ((struct ochan *)g_ptr_array_index(ob->chans, i))->name);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < ob->routes->len; i++) {
			const struct route *r = g_ptr_array_index(ob->routes, i);

			if (r->fallback != (pass == 1) || !route_matches(r, a))
				continue;
			any = TRUE;
			for (char **c = r->channels; c && *c; c++)
				g_hash_table_add(targets, *c);
		}
		if (any)
			break;
	}
	for (guint i = 0; i < ob->chans->len; i++) {
		struct ochan *oc = g_ptr_array_index(ob->chans, i);
		gint64 next = now;
		const char *held = NULL;

		if (!g_hash_table_contains(targets, oc->name) || a->priority < oc->min_priority)
			continue;
		if (oc->digest_s) {
			next = digest_due(oc, now);
			held = "digest";
		}
		/* A digest's wait is not a failure: max age counts from the digest time. */
		if (store_delivery_add(ob->store, a->outbox_id, oc->name, next, next, held) < 0) {
			g_hash_table_unref(targets);
			return -1;
		}
		n++;
	}
	g_hash_table_unref(targets);
	return n;
}

/* ------------------------------------------------------------- delivery */

static void
log_channel(GLogLevelFlags level, const struct ochan *oc, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
log_channel(GLogLevelFlags level, const struct ochan *oc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	log_field(level, "CHANNEL", oc->name, "channel \"%s\": %s", oc->name, msg);
	g_free(msg);
}

static void
attempt_free(struct attempt *at)
{
	g_ptr_array_unref(at->rows);
	g_ptr_array_unref(at->alerts);
	g_free(at);
}

/* Full jitter: uniform in [0, min(max, base × 2^(attempt-1))], in ms. */
static gint64
backoff_ms(struct outbox *ob, const struct ochan *oc, int attempt)
{
	double cap = (double)oc->retry_base_ms * pow(2.0, MIN(attempt - 1, 40));

	if (cap > (double)oc->retry_max_ms)
		cap = (double)oc->retry_max_ms;
	return (gint64)g_rand_double_range(ob->rand, 0, cap);
}

static void
on_done(const struct delivery_result *r, void *user)
{
	struct attempt *at = user;
	struct ochan *oc = at->oc;
	struct outbox *ob = oc->ob;
	gint64 now_us = g_get_real_time(), now = now_us / G_USEC_PER_SEC;
	int began = store_outbox_begin(ob->store);
	gint64 next = 0;
	int attempts = 0;

	oc->in_flight = FALSE;
	oc->last_send_us = now_us;
	if (r->status == DELIVERY_TEMPORARY) {
		gint64 wait_ms = backoff_ms(ob, oc, ((struct delivery_row *)at->rows->pdata[0])->attempts + 1);

		if (r->retry_after * 1000 > wait_ms)
			wait_ms = r->retry_after * 1000;
		if (r->retry_after)
			oc->blocked_until_us = now_us + r->retry_after * G_USEC_PER_SEC;
		/* Round up: a second-granular next_try never comes early. */
		next = (now_us + wait_ms * 1000 + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
	}
	for (guint i = 0; i < at->rows->len; i++) {
		struct delivery_row *row = g_ptr_array_index(at->rows, i);

		attempts = ++row->attempts;
		g_free(row->last_error);
		row->last_error = r->error ? g_strdup(r->error) : NULL;
		g_free(row->state);
		switch (r->status) {
		case DELIVERY_OK:
			row->state = g_strdup("sent");
			row->sent_at = now;
			break;
		case DELIVERY_TEMPORARY:
			if (next - row->queued > oc->max_age_s) {
				row->state = g_strdup("given_up");
				log_channel(G_LOG_LEVEL_WARNING, oc,
				            "giving up alert %" G_GINT64_FORMAT " after %d attempts over %"
				            G_GINT64_FORMAT " s (max_age): %s", row->alert, row->attempts,
				            now - row->queued, r->error ? r->error : "temporary failure");
			} else {
				row->state = g_strdup("pending");
				row->next_try = next;
			}
			break;
		case DELIVERY_PERMANENT:
			row->state = g_strdup("failed");
			break;
		}
		store_delivery_update(ob->store, row);
	}
	store_outbox_end(ob->store, began);
	if (r->status == DELIVERY_OK) {
		g_queue_push_tail(&oc->sends, g_memdup2(&now, sizeof(now)));
		log_channel(G_LOG_LEVEL_INFO, oc, "delivered %u alert%s", at->rows->len,
		            at->rows->len == 1 ? "" : "s");
	} else if (r->status == DELIVERY_TEMPORARY && next) {
		log_channel(G_LOG_LEVEL_WARNING, oc, "%s, retrying in %" G_GINT64_FORMAT " s (attempt %d)",
		            r->error ? r->error : "temporary failure", next - now, attempts);
	} else if (r->status == DELIVERY_PERMANENT) {
		log_channel(G_LOG_LEVEL_WARNING, oc, "%s; not retrying (%u alert%s failed, see 'newswatch outbox')",
		            r->error ? r->error : "permanent failure", at->rows->len,
		            at->rows->len == 1 ? "" : "s");
	}
	attempt_free(at);
	outbox_kick(ob);
}

static int
sends_in_window(struct ochan *oc, gint64 now, gint64 *oldest)
{
	while (!g_queue_is_empty(&oc->sends)) {
		gint64 *t = g_queue_peek_head(&oc->sends);

		if (*t > now - oc->rate_window_s)
			break;
		g_free(g_queue_pop_head(&oc->sends));
	}
	if (!g_queue_is_empty(&oc->sends))
		*oldest = *(gint64 *)g_queue_peek_head(&oc->sends);
	return (int)g_queue_get_length(&oc->sends);
}

static void
hold(struct outbox *ob, struct delivery_row *row, const char *why, gint64 until)
{
	g_free(row->held);
	row->held = g_strdup(why);
	row->next_try = until;
	/* Waiting on purpose is not failing: max age counts from the release. */
	row->queued = until;
	store_delivery_update(ob->store, row);
}

static char *
batch_title(const struct ochan *oc, const char *why, guint n)
{
	if (g_strcmp0(why, "digest") == 0)
		return g_strdup_printf("newswatch digest: %u alert%s", n, n == 1 ? "" : "s");
	if (g_strcmp0(why, "quiet") == 0)
		return g_strdup_printf("newswatch: %u alert%s held during quiet hours", n, n == 1 ? "" : "s");
	return g_strdup_printf("newswatch: %u more alert%s (rate limit %d per %" G_GINT64_FORMAT " s)",
	                       n, n == 1 ? "" : "s", oc->rate_n, oc->rate_window_s);
}

/* Sends what is due on one channel: one alert, or one summary of held ones. */
static void
process(struct ochan *oc)
{
	struct outbox *ob = oc->ob;
	gint64 now_us = g_get_real_time(), now = now_us / G_USEC_PER_SEC;
	gint64 quiet_end, oldest = now;
	GPtrArray *rows, *batch, *alerts;
	const char *why = NULL;
	struct attempt *at;
	char *title = NULL;
	int began;

	if (oc->in_flight || oc->ch == NULL)
		return;
	if (now_us < oc->blocked_until_us || (oc->pace_ms > 0 && oc->last_send_us &&
	                                      now_us < oc->last_send_us + oc->pace_ms * 1000))
		return;
	/* A one-pass run (outbox_run) takes only what was due when it began. */
	rows = store_deliveries_due(ob->store, oc->name,
	                            ob->due_cutoff ? ob->due_cutoff / G_USEC_PER_SEC : now, BATCH_MAX);
	if (rows == NULL || rows->len == 0)
		goto out;
	began = store_outbox_begin(ob->store);
	batch = g_ptr_array_new_with_free_func((GDestroyNotify)delivery_row_free);
	alerts = g_ptr_array_new_with_free_func((GDestroyNotify)alert_free);
	quiet_end = quiet_until(oc, now);
	for (guint i = 0; i < rows->len; i++) {
		struct delivery_row *row = g_ptr_array_index(rows, i);
		json_t *j = json_loads(row->json ? row->json : "", 0, NULL);
		struct alert *a = j ? alert_from_json(j) : NULL;

		if (j)
			json_decref(j);
		if (a == NULL) {
			g_free(row->state);
			row->state = g_strdup("failed");
			g_free(row->last_error);
			row->last_error = g_strdup("the stored alert is unreadable");
			store_delivery_update(ob->store, row);
			continue;
		}
		a->outbox_id = row->alert;
		if (now - row->queued > oc->max_age_s) {
			g_free(row->state);
			row->state = g_strdup("given_up");
			store_delivery_update(ob->store, row);
			log_channel(G_LOG_LEVEL_WARNING, oc, "giving up alert %" G_GINT64_FORMAT
			            " queued %" G_GINT64_FORMAT " s ago (max_age): %s", row->alert,
			            now - row->queued, row->last_error ? row->last_error : "never delivered");
			alert_free(a);
			continue;
		}
		/* Quiet hours: hold all but urgent alerts (digests keep their own time). */
		if (quiet_end && a->priority < PRIORITY_URGENT && g_strcmp0(row->held, "digest") != 0) {
			hold(ob, row, "quiet", quiet_end);
			alert_free(a);
			continue;
		}
		if (row->held && why == NULL)
			why = row->held;
		g_ptr_array_add(alerts, a);
		g_ptr_array_add(batch, row);
		rows->pdata[i] = NULL;
	}
	if (batch->len > 0 && why == NULL && oc->rate_n > 0 &&
	    sends_in_window(oc, now, &oldest) >= oc->rate_n) {
		/* Over the limit: everything due waits for the window, then goes as one summary. */
		for (guint i = 0; i < batch->len; i++)
			hold(ob, g_ptr_array_index(batch, i), "rate", oldest + oc->rate_window_s);
		log_channel(G_LOG_LEVEL_INFO, oc, "rate limit reached: %u alert%s held for one summary",
		            batch->len, batch->len == 1 ? "" : "s");
		g_ptr_array_set_size(batch, 0);
	}
	store_outbox_end(ob->store, began);
	if (batch->len == 0) {
		g_ptr_array_unref(batch);
		g_ptr_array_unref(alerts);
		goto out;
	}
	if (why == NULL || (batch->len == 1 && strcmp(why, "digest") != 0)) {
		/* One alert at a time; the rest stay due for the next pass. */
		g_ptr_array_set_size(batch, 1);
		g_ptr_array_set_size(alerts, 1);
	} else {
		title = batch_title(oc, why, batch->len);
	}
	at = g_new0(struct attempt, 1);
	at->oc = oc;
	at->rows = batch;
	at->alerts = alerts;
	oc->in_flight = TRUE;
	oc->last_send_us = now_us;
	channel_deliver(oc->ch, (struct alert *const *)alerts->pdata, alerts->len, title, on_done, at);
	g_free(title);
out:
	if (rows)
		g_ptr_array_unref(rows);
}

static gboolean
on_idle(gpointer data)
{
	struct outbox *ob = data;

	g_source_unref(ob->idle);
	ob->idle = NULL;
	for (guint i = 0; i < ob->chans->len; i++)
		process(g_ptr_array_index(ob->chans, i));
	schedule(ob);
	return G_SOURCE_REMOVE;
}

void
outbox_kick(struct outbox *ob)
{
	if (ob->idle)
		return;
	ob->idle = g_idle_source_new();
	g_source_set_callback(ob->idle, on_idle, ob, NULL);
	g_source_attach(ob->idle, ob->ctx);
}

static gboolean
on_timer(gpointer data)
{
	struct outbox *ob = data;

	g_source_unref(ob->timer);
	ob->timer = NULL;
	outbox_kick(ob);
	return G_SOURCE_REMOVE;
}

/* When can oc send next (µs), or 0 when it has nothing pending / is busy. */
static gint64
channel_wake(struct ochan *oc)
{
	gint64 next, at;

	if (oc->in_flight || oc->ch == NULL)
		return 0;
	if (store_delivery_next(oc->ob->store, oc->name, &next) != 0)
		return 0;
	at = next * G_USEC_PER_SEC;
	if (oc->pace_ms > 0 && oc->last_send_us && oc->last_send_us + oc->pace_ms * 1000 > at)
		at = oc->last_send_us + oc->pace_ms * 1000;
	if (oc->blocked_until_us > at)
		at = oc->blocked_until_us;
	return at;
}

/* One timer for the whole outbox: the earliest moment any channel can send. */
static void
schedule(struct outbox *ob)
{
	gint64 wake = 0, now = g_get_real_time();

	if (ob->timer) {
		g_source_destroy(ob->timer);
		g_source_unref(ob->timer);
		ob->timer = NULL;
	}
	for (guint i = 0; i < ob->chans->len; i++) {
		gint64 at = channel_wake(g_ptr_array_index(ob->chans, i));

		if (at && (wake == 0 || at < wake))
			wake = at;
	}
	if (wake == 0)
		return;
	ob->timer = g_timeout_source_new((guint)MIN(MAX((wake - now + 999) / 1000, 0), 86400000));
	g_source_set_callback(ob->timer, on_timer, ob, NULL);
	g_source_attach(ob->timer, ob->ctx);
}

gboolean
outbox_idle(struct outbox *ob)
{
	/* A one-pass run counts only what was due when it began: a retry that
	 * falls due while an attempt hangs waits for the next run. */
	gint64 now = ob->due_cutoff ? ob->due_cutoff : g_get_real_time();

	if (ob->idle)
		return FALSE;
	for (guint i = 0; i < ob->chans->len; i++) {
		struct ochan *oc = g_ptr_array_index(ob->chans, i);
		gint64 next;

		if (oc->in_flight)
			return FALSE;
		/* A destination that asked us to wait (Retry-After) keeps the rest
		 * for the next run rather than holding a one-pass run up. */
		if (ob->due_cutoff && oc->blocked_until_us > g_get_real_time())
			continue;
		if (oc->ch && store_delivery_next(ob->store, oc->name, &next) == 0 &&
		    next * G_USEC_PER_SEC <= now)
			return FALSE;
	}
	return TRUE;
}

int
outbox_pending(struct outbox *ob)
{
	int n = 0;

	for (guint i = 0; i < ob->chans->len; i++) {
		int c = store_deliveries_pending(ob->store, ((struct ochan *)ob->chans->pdata[i])->name);

		if (c < 0)
			return -1;
		n += c;
	}
	return n;
}

static gboolean
on_deadline(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

guint
outbox_run(struct outbox *ob, int wait_ms)
{
	gboolean expired = wait_ms <= 0;
	GSource *deadline = NULL;
	int pending;

	if (wait_ms > 0) {
		deadline = g_timeout_source_new((guint)wait_ms);
		g_source_set_callback(deadline, on_deadline, &expired, NULL);
		g_source_attach(deadline, ob->ctx);
	}
	if (wait_ms <= 0)
		ob->due_cutoff = g_get_real_time();
	outbox_kick(ob);
	for (;;) {
		if (outbox_idle(ob) && (expired || outbox_pending(ob) == 0))
			break;
		g_main_context_iteration(ob->ctx, TRUE);
	}
	ob->due_cutoff = 0;
	if (deadline) {
		g_source_destroy(deadline);
		g_source_unref(deadline);
	}
	pending = outbox_pending(ob);
	return pending > 0 ? (guint)pending : 0;
}
