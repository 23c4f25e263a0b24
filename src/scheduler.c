/* scheduler.c — per-feed due times and per-host slow-downs.
 *
 * Shape of OpenBSD ntpd's peers: every feed keeps a "next due" time; success
 * waits the interval (stretched, never shortened, by the feed's own hint),
 * failure doubles the wait each time, every delay gets random jitter so feeds
 * spread out instead of marching in step, and a host that says 429/503 is
 * left alone by every feed it serves. No clocks here: time comes in. */
#include <string.h>

#include "pipeline.h"
#include "config.h"
#include "scheduler.h"

#define DEFAULT_INTERVAL 900

void
sched_params_defaults(struct sched_params *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->interval_s = DEFAULT_INTERVAL;
	sp->min_interval_s = 60;
	sp->jitter_pct = 10;
	sp->hint_max_s = 6 * 3600;
	sp->backoff_max_s = 6 * 3600;
	sp->retry_after_max_s = 6 * 3600;
	sp->disable_after_s = 24 * 3600;
	sp->disable_after_polls = 5;
	sp->host_pause_s = 120;
	sp->host_gap_s = 30;
}

static double
uniform(GRand *rng)
{
	return rng ? g_rand_double(rng) : g_random_double();
}

/* delay × (1 ± jitter), never below floor. */
static gint64
jitter(const struct sched_params *sp, gint64 delay, gint64 floor, GRand *rng)
{
	double j = CLAMP(sp->jitter_pct, 0, 100) / 100.0;
	double f = 1.0 + j * (2.0 * uniform(rng) - 1.0);
	gint64 d = (gint64)((double)delay * f + 0.5);

	return MAX(d, floor);
}

/* base × 2^(n-1), capped, without overflow. */
static gint64
doubled(gint64 base, int n, gint64 cap)
{
	gint64 d = MAX(base, 1);

	for (int i = 1; i < n && d < cap; i++)
		d *= 2;
	return MIN(d, cap);
}

static gint64
base_interval(const struct sched_params *sp, const struct feed_state *fs)
{
	gint64 interval = sp->interval_s > 0 ? sp->interval_s : DEFAULT_INTERVAL;
	gint64 hint = MIN(fs->poll_hint, sp->hint_max_s);

	interval = MAX(interval, MAX(sp->min_interval_s, 1));
	/* the feed may ask for less frequent polling, never for more */
	return MAX(interval, hint);
}

static gboolean
should_disable(const struct sched_params *sp, const struct feed_state *fs,
               const struct sched_poll *poll, gint64 now)
{
	if (poll->outcome != FETCH_PERMANENT)
		return FALSE;
	if (poll->http_status == 410)
		return TRUE;
	/* long in time AND seen several times: one unlucky poll a day apart, or
	 * a burst of polls within minutes, is not enough */
	return fs->error_since > 0 && now - fs->error_since >= sp->disable_after_s &&
	       fs->failures >= sp->disable_after_polls;
}

enum sched_verdict
sched_plan(const struct sched_params *sp, struct feed_state *fs, const struct sched_poll *poll,
           gint64 now, GRand *rng)
{
	gint64 base, delay, floor = MAX(sp->min_interval_s, 1);

	if (poll->hint_s > 0)
		fs->poll_hint = poll->hint_s;
	else if (poll->outcome == FETCH_OK)
		fs->poll_hint = 0;      /* a full document without a hint: it dropped it */
	base = base_interval(sp, fs);

	switch (poll->outcome) {
	case FETCH_OK:
	case FETCH_NOT_MODIFIED:
		fs->disabled = FALSE;
		fs->next_due = now + jitter(sp, base, floor, rng);
		return SCHED_NORMAL;
	case FETCH_TEMPORARY:
	case FETCH_PERMANENT:
		break;
	}
	if (should_disable(sp, fs, poll, now)) {
		fs->disabled = TRUE;
		fs->next_due = SCHED_NEVER;
		return SCHED_DISABLE;
	}
	delay = doubled(base, MAX(fs->failures, 1), MAX(sp->backoff_max_s, base));
	if (poll->retry_after > 0) {
		gint64 ra = MIN(poll->retry_after, sp->retry_after_max_s);

		/* Retry-After is a floor: jitter may only add to it */
		floor = MAX(floor, ra);
		delay = MAX(delay, ra);
	}
	fs->next_due = now + jitter(sp, delay, floor, rng);
	return SCHED_BACKOFF;
}

gboolean
sched_is_due(const struct feed_state *fs, gint64 now)
{
	return !fs->disabled && fs->next_due <= now;
}

/* --- hosts --------------------------------------------------------------- */

struct host {
	int strikes;
	gint64 until;           /* paused until */
	gint64 last_start;
	gint64 gap;             /* spacing per strike, from the params of the last strike */
};

struct sched_hosts {
	GHashTable *hosts;      /* name → struct host */
};

struct sched_hosts *
sched_hosts_new(void)
{
	struct sched_hosts *h = g_new0(struct sched_hosts, 1);

	h->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return h;
}

void
sched_hosts_free(struct sched_hosts *h)
{
	if (h == NULL)
		return;
	g_hash_table_destroy(h->hosts);
	g_free(h);
}

static struct host *
host_get(struct sched_hosts *h, const char *name)
{
	struct host *e = g_hash_table_lookup(h->hosts, name);

	if (e == NULL) {
		e = g_new0(struct host, 1);
		g_hash_table_insert(h->hosts, g_strdup(name), e);
	}
	return e;
}

static gboolean
host_idle(gpointer key, gpointer value, gpointer now)
{
	const struct host *e = value;

	return e->strikes == 0 && e->until <= *(gint64 *)now;
}

void
sched_hosts_record(struct sched_hosts *h, const struct sched_params *sp, const char *name,
                   const struct sched_poll *poll, gint64 now, GRand *rng)
{
	struct host *e;

	if (h == NULL || name == NULL || *name == '\0')
		return;
	if (poll->http_status == 429 || poll->http_status == 503) {
		gint64 pause, ra = MIN(poll->retry_after, sp->retry_after_max_s);

		e = host_get(h, name);
		e->strikes++;
		e->gap = sp->host_gap_s;
		pause = doubled(sp->host_pause_s, e->strikes, MAX(sp->backoff_max_s, 1));
		pause = jitter(sp, MAX(pause, ra), MAX(ra, 1), rng);
		e->until = MAX(e->until, now + pause);
	} else if (poll->outcome == FETCH_OK || poll->outcome == FETCH_NOT_MODIFIED) {
		e = g_hash_table_lookup(h->hosts, name);
		if (e && e->strikes > 0)
			e->strikes--;
	}
	/* forget hosts that have nothing left to say */
	g_hash_table_foreach_remove(h->hosts, host_idle, &now);
}

void
sched_hosts_started(struct sched_hosts *h, const char *name, gint64 now)
{
	struct host *e;

	if (h == NULL || name == NULL || (e = g_hash_table_lookup(h->hosts, name)) == NULL)
		return;
	e->last_start = MAX(e->last_start, now);
}

void
sched_hosts_shift(struct sched_hosts *h, gint64 delta)
{
	GHashTableIter it;
	gpointer v;

	if (h == NULL)
		return;
	g_hash_table_iter_init(&it, h->hosts);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct host *e = v;

		if (e->until > 0)
			e->until += delta;
		if (e->last_start > 0)
			e->last_start += delta;
	}
}

gint64
sched_hosts_not_before(const struct sched_hosts *h, const char *name)
{
	const struct host *e;
	gint64 t;

	if (h == NULL || name == NULL || (e = g_hash_table_lookup(h->hosts, name)) == NULL)
		return 0;
	t = e->until;
	if (e->strikes > 0 && e->last_start > 0)
		t = MAX(t, e->last_start + (gint64)e->strikes * e->gap);
	return t;
}

int
sched_hosts_strikes(const struct sched_hosts *h, const char *name)
{
	const struct host *e;

	if (h == NULL || name == NULL || (e = g_hash_table_lookup(h->hosts, name)) == NULL)
		return 0;
	return e->strikes;
}

/* --- daemon glue --------------------------------------------------------- */

static struct sched_hosts *default_hosts;

struct sched_hosts *
sched_hosts_default(void)
{
	if (default_hosts == NULL)
		default_hosts = sched_hosts_new();
	return default_hosts;
}

void
sched_poll_from_report(struct sched_poll *poll, const struct poll_report *rep)
{
	memset(poll, 0, sizeof(*poll));
	poll->outcome = rep->outcome;
	poll->retry_after = rep->retry_after;
	poll->hint_s = rep->ttl_s;
	poll->http_status = rep->http_status;
}

void
sched_params_for_feed(struct sched_params *sp, const struct config *cfg, const struct feed_config *fc)
{
	sched_params_defaults(sp);
	sp->interval_s = MAX(fc->interval_s > 0 ? fc->interval_s : cfg->interval_s, cfg->min_interval_s);
	sp->min_interval_s = cfg->min_interval_s;
	sp->jitter_pct = cfg->jitter_pct;
}

gint64
sched_next_due(const struct sched_params *sp, struct feed_state *fs,
               const struct poll_report *rep, const char *host, gint64 now)
{
	struct sched_hosts *h = sched_hosts_default();
	struct sched_poll poll;
	gint64 nb;

	sched_poll_from_report(&poll, rep);
	sched_hosts_record(h, sp, host, &poll, now, NULL);
	if (sched_plan(sp, fs, &poll, now, NULL) == SCHED_DISABLE)
		return fs->next_due;
	nb = sched_hosts_not_before(h, host);
	if (nb > fs->next_due)
		fs->next_due = nb;
	return fs->next_due;
}

gint64
sched_host_claim(const char *host, gint64 now)
{
	struct sched_hosts *h = sched_hosts_default();
	gint64 nb = sched_hosts_not_before(h, host);

	if (nb > now)
		return nb;
	sched_hosts_started(h, host, now);
	return now;
}
