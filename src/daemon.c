/* daemon.c — `newswatch run`: the main loop.
 *
 * Every feed has a due time (wall clock, so that a suspend counts as time
 * passed); the feeds wait in one queue ordered by due time, and one timer is
 * armed for the earliest — the OpenBSD ntpd shape, and one GSource instead of
 * a thousand. The timer never sleeps longer than a minute, so a suspend or a
 * clock change is noticed within one. Feeds found more than a few seconds
 * overdue (start-up, resume, the network coming back) are spread over a
 * window instead of being fetched all at once.
 *
 * A configuration "generation" bundles config, watchlists, matcher and
 * pipeline. SIGHUP builds a new one; polls in flight keep a reference to the
 * generation they started in (the pipeline holds its feed_config pointer),
 * so the old one is freed only when its last poll is over. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "daemon.h"
#include "channel.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "pipeline.h"
#include "scheduler.h"

#define MAX_SLEEP_US     (60 * G_USEC_PER_SEC)    /* re-check the wall clock at least this often */
#define LATE_US          (10 * G_USEC_PER_SEC)    /* due longer ago than this: overdue */
#define SPREAD_CAP_US    (300 * G_USEC_PER_SEC)   /* overdue feeds are spread over at most this */
#define NEW_FEED_US      (2 * G_USEC_PER_SEC)     /* a feed added by a reload starts within this */

struct daemon;

struct gen {
	int refs;                       /* 1 while current, +1 per poll in flight */
	struct daemon *d;
	struct config *cfg;
	struct watchlists *wl;
	struct matcher *matcher;
	struct pipeline *pipe;
	struct outbox *outbox;          /* only the current generation has one */
};

struct feed_run {
	char *name;
	const struct feed_config *fc;   /* in d->cur; NULL once removed by a reload */
	char *host;                     /* "" for file://, for the network check */
	gint64 due;                     /* wall clock, µs */
	GSequenceIter *it;              /* in d->queue; NULL while polling or parked */
	gboolean polling;
	gboolean parked;                /* due while the network was down */
};

struct daemon {
	struct cli_common *cli;
	struct daemon_options opt;
	GMainLoop *loop;
	struct store *store;
	struct fetcher *fetcher;
	struct gen *cur;
	GHashTable *runs;               /* name → struct feed_run * */
	GSequence *queue;               /* struct feed_run *, by due time */
	guint timer;
	guint watchdog;
	guint prune_timer;
	guint stop_timer;
	guint signals[3];
	GNetworkMonitor *netmon;
	gulong netmon_handler;
	gboolean online;
	gboolean stopping;
	gboolean cancelled;
	gint64 stop_deadline;           /* monotonic µs */
	guint in_flight;
	int exit_code;
	/* for STATUS= */
	guint alerts_today;
	int today;                      /* local day of alerts_today (g_date_time_get_day_of_year) */
	guint polls, failures_now;
	gint64 last_wall, last_mono;    /* clocks at the last timer, µs: detects clocks set back */
};

static void queue_arm(struct daemon *d);
static void status_update(struct daemon *d);

/* --- generations ----------------------------------------------------------- */

static void
gen_free(struct gen *g)
{
	if (g == NULL)
		return;
	pipeline_free(g->pipe);
	outbox_free(g->outbox);
	matcher_free(g->matcher);
	watchlists_free(g->wl);
	config_free(g->cfg);
	g_free(g);
}

static gboolean
gen_free_idle(gpointer data)
{
	gen_free(data);
	return G_SOURCE_REMOVE;
}

/* Freed from an idle callback: the last unref happens inside the pipeline's
 * done hook, which must not see its pipeline vanish under it. */
static void
gen_unref(struct gen *g)
{
	if (g && --g->refs == 0)
		g_idle_add(gen_free_idle, g);
}

static void on_alert(const struct alert *a, void *user);
static void on_poll_done(const struct poll_report *r, void *user);

/* Queued by the current outbox even for a poll that started under an
 * older configuration: only one outbox may deliver from the database. */
static int
on_queue(struct alert *a, void *user)
{
	struct gen *g = user;

	return outbox_enqueue(g->d->cur->outbox, a) < 0 ? -1 : 0;
}

static int
effective_level(struct daemon *d, const struct config *cfg)
{
	return MAX(d->cli->verbose, cfg->log_level);
}

/* Loads config, watchlists and channels; every error goes to the log.
 * Returns NULL when anything is wrong. */
static struct gen *
gen_load(struct daemon *d)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	struct gen *g = g_new0(struct gen, 1);
	struct pipeline_hooks hooks = { NULL, on_alert, on_poll_done, g };
	struct pipeline_options po = { 0 };
	char *dir = NULL;

	g->d = d;
	g->refs = 1;
	g->cfg = config_load(d->cli->config_path, errors);
	if (g->cfg == NULL)
		goto fail;
	dir = cli_watchlist_dir(d->cli, g->cfg);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add(errors, g_strdup_printf("%s: watchlist folder not found", dir));
		goto fail;
	}
	g->wl = watchlists_load_dir(dir, errors, warnings);
	for (guint i = 0; i < warnings->len; i++)
		log_warnx("warning: %s", (const char *)g_ptr_array_index(warnings, i));
	if (g->wl == NULL)
		goto fail;
	g->outbox = outbox_new(g->cfg, d->store, NULL, errors);
	if (g->outbox == NULL)
		goto fail;
	g->matcher = matcher_new(g->wl);
	hooks.queue = on_queue;
	po.seed = d->opt.seed_new;
	g->pipe = pipeline_new(g->cfg, d->store, g->matcher, d->fetcher, &po, &hooks);
	g_free(dir);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	return g;
fail:
	for (guint i = 0; i < errors->len; i++)
		log_warnx("%s", (const char *)g_ptr_array_index(errors, i));
	if (errors->len == 0)
		log_warnx("configuration could not be loaded");
	g_free(dir);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	gen_free(g);
	return NULL;
}

/* --- the queue ------------------------------------------------------------- */

static gint
run_cmp(gconstpointer a, gconstpointer b, gpointer user)
{
	const struct feed_run *x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void
run_unqueue(struct daemon *d, struct feed_run *r)
{
	if (r->it) {
		g_sequence_remove(r->it);
		r->it = NULL;
	}
}

static void
run_queue(struct daemon *d, struct feed_run *r, gint64 due)
{
	run_unqueue(d, r);
	r->parked = FALSE;
	r->due = due;
	r->it = g_sequence_insert_sorted(d->queue, r, run_cmp, NULL);
}

static void
run_free(struct feed_run *r)
{
	g_free(r->name);
	g_free(r->host);
	g_free(r);
}

static gboolean
host_is_local(const char *host)
{
	return host == NULL || *host == '\0' || strcmp(host, "localhost") == 0 ||
	       g_str_has_prefix(host, "127.") || strcmp(host, "[::1]") == 0 ||
	       strcmp(host, "::1") == 0;
}

gint64
daemon_spread_delay(guint i, guint n, gint64 cap_us, double r)
{
	gint64 window;

	if (n == 0)
		return 0;
	window = MIN((gint64)n * G_USEC_PER_SEC / 5, cap_us);
	/* Stratified: the i-th feed lands in the i-th slice, at a random point in it. */
	return (gint64)(((double)i + r) * (double)window / (double)n);
}

/* Queues runs (all overdue) spread over a window from now, in random order. */
static void
spread(struct daemon *d, GPtrArray *runs, gint64 now, const char *why)
{
	gint64 cap = MIN(SPREAD_CAP_US, (gint64)d->cur->cfg->interval_s * G_USEC_PER_SEC);

	if (runs->len == 0)
		return;
	for (guint i = runs->len; i > 1; i--) {
		guint j = (guint)g_random_int_range(0, (gint32)i);
		gpointer t = runs->pdata[i - 1];

		runs->pdata[i - 1] = runs->pdata[j];
		runs->pdata[j] = t;
	}
	if (runs->len > 1)
		log_info("%u feeds overdue (%s): polling them over the next %" G_GINT64_FORMAT " s", runs->len,
		         why, daemon_spread_delay(runs->len - 1, runs->len, cap, 1.0) / G_USEC_PER_SEC + 1);
	for (guint i = 0; i < runs->len; i++)
		run_queue(d, runs->pdata[i], now + daemon_spread_delay(i, runs->len, cap, g_random_double()));
}

static void
poll_start(struct daemon *d, struct feed_run *r)
{
	struct gen *g = d->cur;

	r->polling = TRUE;
	g->refs++;
	d->in_flight++;
	log_field(G_LOG_LEVEL_DEBUG, "FEED", r->name, "feed \"%s\": polling", r->name);
	/* On an immediate failure the done hook has already run. */
	pipeline_poll(g->pipe, r->fc);
}

/* How far the wall clock was set back between two looks, in µs (0 if it was
 * not): the wall time that passed, compared with the monotonic time that did. */
gint64
daemon_clock_setback(gint64 last_wall, gint64 last_mono, gint64 wall, gint64 mono)
{
	gint64 back = (last_wall + (mono - last_mono)) - wall;

	return last_wall != 0 && back > 2 * G_USEC_PER_SEC ? back : 0;
}

/* Due times are wall-clock times. A clock set forward (or a resume) shows
 * up as lateness; a clock set back would leave every feed waiting out the
 * jump, so the whole queue moves back with it (the order is unchanged).
 * The timer wakes at least every MAX_SLEEP_US, so a jump is noticed soon. */
static void
clock_check(struct daemon *d, gint64 now)
{
	gint64 mono = g_get_monotonic_time();
	gint64 back = daemon_clock_setback(d->last_wall, d->last_mono, now, mono);

	if (back > 0) {
		for (GSequenceIter *it = g_sequence_get_begin_iter(d->queue); !g_sequence_iter_is_end(it);
		     it = g_sequence_iter_next(it))
			((struct feed_run *)g_sequence_get(it))->due -= back;
		sched_hosts_shift(sched_hosts_default(), -(back / G_USEC_PER_SEC));
		log_info("the clock went back %" G_GINT64_FORMAT " s: schedule moved back with it",
		         back / G_USEC_PER_SEC);
	}
	d->last_wall = now;
	d->last_mono = mono;
}

static gboolean
on_timer(gpointer data)
{
	struct daemon *d = data;
	gint64 now = g_get_real_time();
	GPtrArray *late = g_ptr_array_new();
	GPtrArray *due = g_ptr_array_new();
	GSequenceIter *it;

	d->timer = 0;
	clock_check(d, now);
	store_reopen_if_gone(d->store);
	while (!g_sequence_iter_is_end(it = g_sequence_get_begin_iter(d->queue))) {
		struct feed_run *r = g_sequence_get(it);

		if (r->due > now + G_USEC_PER_SEC / 20)
			break;
		g_sequence_remove(it);
		r->it = NULL;
		if (!d->online && !host_is_local(r->host)) {
			r->parked = TRUE;
			continue;
		}
		g_ptr_array_add(r->due < now - LATE_US ? late : due, r);
	}
	/* A host that asked us to slow down (429, 503) holds its feeds back. */
	for (guint i = 0; i < due->len; i++) {
		struct feed_run *r = g_ptr_array_index(due, i);
		gint64 allowed = sched_host_claim(r->host, now / G_USEC_PER_SEC);

		if (allowed > now / G_USEC_PER_SEC) {
			g_ptr_array_remove_index(due, i--);
			run_queue(d, r, allowed * G_USEC_PER_SEC + g_random_int_range(0, G_USEC_PER_SEC));
		}
	}
	for (guint i = 0; i < due->len; i++)
		poll_start(d, g_ptr_array_index(due, i));
	spread(d, late, now, "resumed after a pause");
	g_ptr_array_unref(due);
	g_ptr_array_unref(late);
	queue_arm(d);
	status_update(d);
	return G_SOURCE_REMOVE;
}

static void
queue_arm(struct daemon *d)
{
	GSequenceIter *it = g_sequence_get_begin_iter(d->queue);
	gint64 wait = MAX_SLEEP_US;

	if (d->timer) {
		g_source_remove(d->timer);
		d->timer = 0;
	}
	if (d->stopping)
		return;
	if (!g_sequence_iter_is_end(it)) {
		const struct feed_run *r = g_sequence_get(it);

		wait = CLAMP(r->due - g_get_real_time(), 0, MAX_SLEEP_US);
	}
	d->timer = g_timeout_add((guint)((wait + 999) / 1000), on_timer, d);
}

/* --- scheduling ------------------------------------------------------------ */

static int
run_interval(const struct daemon *d, const struct feed_config *fc)
{
	const struct config *cfg = d->cur->cfg;

	return MAX(fc->interval_s > 0 ? fc->interval_s : cfg->interval_s, cfg->min_interval_s);
}

/* First due time of a feed: where its stored schedule says, or now. */
static gint64
run_first_due(struct daemon *d, struct feed_run *r, gint64 now)
{
	struct feed_state fs = { 0 };
	gint64 due = now;

	if (store_feed_get(d->store, r->name, &fs) == 0 && fs.next_due > 0)
		due = fs.next_due * G_USEC_PER_SEC;
	feed_state_clear(&fs);
	return due;
}

static struct feed_run *
run_new(struct daemon *d, const struct feed_config *fc)
{
	struct feed_run *r = g_new0(struct feed_run, 1);

	r->name = g_strdup(fc->name);
	r->fc = fc;
	r->host = fetch_url_host(fc->url);
	g_hash_table_insert(d->runs, r->name, r);
	return r;
}

/* The pipeline planned the next poll and committed it with the feed's state. */
static gint64
run_reschedule(struct daemon *d, struct feed_run *r, const struct poll_report *rep)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (rep->disabled)
		log_field(G_LOG_LEVEL_WARNING, "FEED", r->name, "feed \"%s\": disabled after permanent failures (%s); "
		          "fix its url and reload", r->name, rep->error ? rep->error : "no reason");
	else if (!rep->ok)
		log_field(G_LOG_LEVEL_INFO, "FEED", r->name, "feed \"%s\": retrying in %" G_GINT64_FORMAT " s",
		          r->name, MAX(rep->next_due - now, 0));
	return (rep->next_due > 0 ? rep->next_due : now + 60) * G_USEC_PER_SEC;
}

static void
on_alert(const struct alert *a, void *user)
{
	struct gen *g = user;
	struct daemon *d = g->d;
	char *entries = channel_alert_entries(a);

	log_field(G_LOG_LEVEL_INFO, "ENTRY", entries, "feed \"%s\": alert [%s] %s (%s)", a->feed,
	          priority_name(a->priority), a->title ? a->title : "(untitled)", entries);
	g_free(entries);
	d->alerts_today++;
}

static void
on_poll_done(const struct poll_report *rep, void *user)
{
	struct gen *g = user;
	struct daemon *d = g->d;
	struct feed_run *r = g_hash_table_lookup(d->runs, rep->feed);

	d->in_flight--;
	d->polls++;
	if (r && r->polling) {
		r->polling = FALSE;
		if (r->fc == NULL) {
			/* removed by a reload while it was polled */
			g_hash_table_remove(d->runs, r->name);
		} else if (!d->stopping) {
			gint64 due = run_reschedule(d, r, rep);

			run_queue(d, r, due);
			queue_arm(d);
		}
	}
	outbox_kick(d->cur->outbox);
	gen_unref(g);
	if (!d->stopping)
		status_update(d);
}

/* Matches the runs to the feeds of d->cur: new feeds start soon, removed
 * ones stop (after a poll in flight), the others keep their schedule. */
static void
runs_sync(struct daemon *d, gboolean startup)
{
	const struct config *cfg = d->cur->cfg;
	GHashTable *keep = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *late = g_ptr_array_new();
	gint64 now = g_get_real_time();
	GHashTableIter hi;
	gpointer k, v;
	guint added = 0, removed = 0;

	for (guint i = 0; i < cfg->feeds->len; i++) {
		const struct feed_config *fc = g_ptr_array_index(cfg->feeds, i);
		struct feed_run *r;
		gint64 due;

		if (!fc->enabled)
			continue;
		g_hash_table_add(keep, fc->name);
		r = g_hash_table_lookup(d->runs, fc->name);
		if (r) {
			gboolean url_changed = g_strcmp0(r->fc ? r->fc->url : NULL, fc->url) != 0;
			gint64 sooner = now + (gint64)run_interval(d, fc) * G_USEC_PER_SEC;

			r->fc = fc;
			if (url_changed) {
				g_free(r->host);
				r->host = fetch_url_host(fc->url);
			}
			/* A new URL (perhaps fixing a disabled feed) is tried soon; a
			 * shorter interval takes effect now rather than after the old one. */
			if (r->it && url_changed)
				run_queue(d, r, now + g_random_int_range(0, NEW_FEED_US));
			else if (r->it && r->due > sooner)
				run_queue(d, r, sooner);
			continue;
		}
		r = run_new(d, fc);
		added++;
		due = run_first_due(d, r, now);
		if (due < now - LATE_US || (startup && due <= now))
			g_ptr_array_add(late, r);
		else
			run_queue(d, r, MAX(due, now + (startup ? 0 : g_random_int_range(0, NEW_FEED_US))));
	}
	g_hash_table_iter_init(&hi, d->runs);
	while (g_hash_table_iter_next(&hi, &k, &v)) {
		struct feed_run *r = v;

		if (g_hash_table_contains(keep, k))
			continue;
		removed++;
		log_field(G_LOG_LEVEL_INFO, "FEED", r->name, "feed \"%s\": removed from the configuration", r->name);
		r->fc = NULL;
		run_unqueue(d, r);
		if (!r->polling)
			g_hash_table_iter_remove(&hi);
	}
	spread(d, late, now, startup ? "start-up" : "reload");
	if (!startup)
		log_info("reloaded %s: %u feeds (%u added, %u removed)", cfg->path,
		         g_hash_table_size(d->runs), added, removed);
	g_ptr_array_unref(late);
	g_hash_table_unref(keep);
	queue_arm(d);
}

/* --- status ---------------------------------------------------------------- */

static int
local_day(void)
{
	GDateTime *t = g_date_time_new_now_local();
	int day = g_date_time_get_year(t) * 1000 + g_date_time_get_day_of_year(t);

	g_date_time_unref(t);
	return day;
}

static void
status_update(struct daemon *d)
{
	GSequenceIter *it = g_sequence_get_begin_iter(d->queue);
	int day = local_day();
	char next[64] = "";

	if (day != d->today) {
		d->today = day;
		d->alerts_today = 0;
	}
	if (d->stopping) {
		notify_status("stopping: %u poll%s in flight", d->in_flight, d->in_flight == 1 ? "" : "s");
		return;
	}
	if (d->in_flight > 0) {
		g_snprintf(next, sizeof(next), "polling %u", d->in_flight);
	} else if (!g_sequence_iter_is_end(it)) {
		const struct feed_run *r = g_sequence_get(it);
		gint64 s = MAX(r->due - g_get_real_time(), 0) / G_USEC_PER_SEC;

		if (s < 120)
			g_snprintf(next, sizeof(next), "next poll %" G_GINT64_FORMAT " s", s);
		else
			g_snprintf(next, sizeof(next), "next poll %" G_GINT64_FORMAT " min", (s + 30) / 60);
	}
	notify_status("watching %u feed%s · %u alert%s today%s%s%s",
	              g_hash_table_size(d->runs), g_hash_table_size(d->runs) == 1 ? "" : "s",
	              d->alerts_today, d->alerts_today == 1 ? "" : "s", *next ? " · " : "", next,
	              d->online ? "" : " · offline");
}

static void
alerts_today_init(struct daemon *d)
{
	GDateTime *t = g_date_time_new_now_local();
	GDateTime *midnight = g_date_time_new_local(g_date_time_get_year(t), g_date_time_get_month(t),
	                                            g_date_time_get_day_of_month(t), 0, 0, 0);
	GPtrArray *h = store_history(d->store, g_date_time_to_unix(midnight), NULL, NULL);

	d->today = local_day();
	d->alerts_today = h ? h->len : 0;
	if (h)
		g_ptr_array_unref(h);
	g_date_time_unref(midnight);
	g_date_time_unref(t);
}

/* --- signals, watchdog, network -------------------------------------------- */

static gboolean
on_hup(gpointer data)
{
	struct daemon *d = data;
	struct gen *g;

	if (d->stopping)
		return G_SOURCE_CONTINUE;
	notify_reloading();
	notify_status("reloading the configuration");
	log_info("SIGHUP: reloading the configuration");
	g = gen_load(d);
	if (g == NULL) {
		log_warnx("reload failed: the configuration above has errors; still running the previous one (%s)",
		          d->cur->cfg->path);
		notify_ready();
		notify_status("reload failed, running the previous configuration (see the journal)");
		return G_SOURCE_CONTINUE;
	}
	log_init(effective_level(d, g->cfg));
	/* Deliveries the old outbox had in flight stay pending and go out again
	 * through the new one. */
	outbox_free(d->cur->outbox);
	d->cur->outbox = NULL;
	gen_unref(d->cur);
	d->cur = g;
	runs_sync(d, FALSE);
	outbox_kick(g->outbox);
	notify_ready();
	status_update(d);
	return G_SOURCE_CONTINUE;
}

/* While stopping: quits once no poll is in flight and the outbox has
 * delivered what is due, or at the deadline (then polls are cancelled and
 * undelivered alerts stay pending in the database for the next start). */
static gboolean
stop_check(struct daemon *d)
{
	gboolean deadline = g_get_monotonic_time() >= d->stop_deadline;

	if (deadline && d->in_flight > 0 && !d->cancelled) {
		log_info("stopping: cancelling %u poll%s still in flight", d->in_flight,
		         d->in_flight == 1 ? "" : "s");
		d->cancelled = TRUE;
		fetcher_cancel_all(d->fetcher);
	}
	if (d->in_flight == 0 && (deadline || outbox_idle(d->cur->outbox))) {
		g_main_loop_quit(d->loop);
		return TRUE;
	}
	status_update(d);
	return FALSE;
}

static gboolean
on_stop_tick(gpointer data)
{
	struct daemon *d = data;

	if (!stop_check(d))
		return G_SOURCE_CONTINUE;
	d->stop_timer = 0;
	return G_SOURCE_REMOVE;
}

static gboolean
on_stop(gpointer data)
{
	struct daemon *d = data;

	if (d->stopping) {
		/* A second signal: do not wait any longer. */
		d->stop_deadline = 0;
		if (stop_check(d) && d->stop_timer) {
			g_source_remove(d->stop_timer);
			d->stop_timer = 0;
		}
		return G_SOURCE_CONTINUE;
	}
	d->stopping = TRUE;
	d->stop_deadline = g_get_monotonic_time() + (gint64)d->opt.stop_timeout_s * G_USEC_PER_SEC;
	notify_stopping();
	log_info("stopping (%u poll%s in flight)", d->in_flight, d->in_flight == 1 ? "" : "s");
	status_update(d);
	if (d->timer) {
		g_source_remove(d->timer);
		d->timer = 0;
	}
	if (!stop_check(d))
		d->stop_timer = g_timeout_add(100, on_stop_tick, d);
	return G_SOURCE_CONTINUE;
}

/* Retention: old items and stories go, alerted identities stay long enough
 * that nothing re-alerts (store_prune). Cheap (25 ms for 380,000 items). */
static gboolean
on_prune(gpointer data)
{
	struct daemon *d = data;

	if (d->stopping)
		return G_SOURCE_CONTINUE;
	if (store_prune(d->store, g_get_real_time() / G_USEC_PER_SEC, d->cur->cfg->retention_days) < 0)
		log_warnx("state database: pruning old items failed: %s", store_errmsg(d->store));
	return G_SOURCE_CONTINUE;
}

static gboolean
on_watchdog(gpointer data)
{
	notify_watchdog();
	return G_SOURCE_CONTINUE;
}

static void
on_network(GNetworkMonitor *m, gboolean available, gpointer data)
{
	struct daemon *d = data;
	GPtrArray *parked;
	GHashTableIter hi;
	gpointer v;

	if (available == d->online)
		return;
	d->online = available;
	if (!available) {
		log_info("network unavailable: polling only local feeds until it returns");
		status_update(d);
		return;
	}
	parked = g_ptr_array_new();
	g_hash_table_iter_init(&hi, d->runs);
	while (g_hash_table_iter_next(&hi, NULL, &v)) {
		struct feed_run *r = v;

		if (r->parked)
			g_ptr_array_add(parked, r);
	}
	log_info("network available again (%u feed%s waiting)", parked->len, parked->len == 1 ? "" : "s");
	if (!d->stopping)
		spread(d, parked, g_get_real_time(), "network back");
	g_ptr_array_unref(parked);
	queue_arm(d);
	status_update(d);
}

/* --- run ------------------------------------------------------------------- */

static void
daemon_teardown(struct daemon *d)
{
	for (guint i = 0; i < G_N_ELEMENTS(d->signals); i++)
		if (d->signals[i])
			g_source_remove(d->signals[i]);
	if (d->timer)
		g_source_remove(d->timer);
	if (d->watchdog)
		g_source_remove(d->watchdog);
	if (d->stop_timer)
		g_source_remove(d->stop_timer);
	if (d->prune_timer)
		g_source_remove(d->prune_timer);
	if (d->netmon_handler)
		g_signal_handler_disconnect(d->netmon, d->netmon_handler);
	if (d->cur)
		gen_unref(d->cur);
	d->cur = NULL;
	/* Let retired generations' idle frees run. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	fetcher_free(d->fetcher);
	if (d->runs)
		g_hash_table_unref(d->runs);
	if (d->queue)
		g_sequence_free(d->queue);
	store_close(d->store);
	if (d->loop)
		g_main_loop_unref(d->loop);
}

int
daemon_run(struct cli_common *cli, const struct daemon_options *opt)
{
	struct daemon d = { 0 };
	struct fetch_options fo;
	struct config *probe = NULL;
	guint64 wd;
	int rc;

	d.cli = cli;
	if (opt)
		d.opt = *opt;
	if (d.opt.stop_timeout_s <= 0)
		d.opt.stop_timeout_s = 5;
	d.exit_code = EXIT_OK;
	d.online = TRUE;
	d.runs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)run_free);
	d.queue = g_sequence_new(NULL);
	d.loop = g_main_loop_new(NULL, FALSE);

	/* The state folder may be named by the config: read it once for that. */
	if ((rc = cli_load_config(cli, &probe, NULL)) != EXIT_OK)
		goto out;
	if ((rc = cli_open_store(cli, probe, &d.store)) != EXIT_OK)
		goto out;
	cli_fetch_options(&fo, probe);
	d.fetcher = fetcher_new(NULL, &fo);
	if (d.fetcher == NULL) {
		rc = EXIT_FAILURE_;
		goto out;
	}
	d.cur = gen_load(&d);
	if (d.cur == NULL) {
		rc = EXIT_CONFIG;
		goto out;
	}
	log_init(effective_level(&d, d.cur->cfg));
	alerts_today_init(&d);

	d.signals[0] = g_unix_signal_add(SIGHUP, on_hup, &d);
	d.signals[1] = g_unix_signal_add(SIGTERM, on_stop, &d);
	d.signals[2] = g_unix_signal_add(SIGINT, on_stop, &d);
	if ((wd = notify_watchdog_usec()) > 0) {
		d.watchdog = g_timeout_add((guint)MAX(wd / 2000, 1), on_watchdog, &d);
		log_debug("watchdog: pinging every %" G_GUINT64_FORMAT " ms", wd / 2000);
	}
	d.netmon = g_network_monitor_get_default();
	if (d.netmon) {
		d.online = g_network_monitor_get_network_available(d.netmon);
		d.netmon_handler = g_signal_connect(d.netmon, "network-changed", G_CALLBACK(on_network), &d);
	}

	on_prune(&d);
	d.prune_timer = g_timeout_add_seconds(3600, on_prune, &d);
	runs_sync(&d, TRUE);
	outbox_kick(d.cur->outbox);
	log_info("watching %u feeds from %s%s", g_hash_table_size(d.runs), d.cur->cfg->path,
	         d.online ? "" : " (network unavailable: local feeds only for now)");
	notify_ready();
	status_update(&d);
	g_main_loop_run(d.loop);

	log_info("stopped");
	rc = d.exit_code;
out:
	config_free(probe);
	daemon_teardown(&d);
	return rc;
}
