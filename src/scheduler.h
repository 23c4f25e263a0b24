/* scheduler.h — when each feed is polled next, and when a host must be left
 * alone. Pure functions of struct feed_state, the poll's outcome and times
 * passed in (Unix seconds), so the policy is unit-tested without clocks.
 * Jitter comes from a GRand the caller may pass (NULL = GLib's global one).
 * The policy in words, with its defaults, is docs/fetching.md. */
#ifndef NW_SCHEDULER_H
#define NW_SCHEDULER_H

#include <glib.h>
#include "fetch.h"
#include "store.h"

struct poll_report;             /* pipeline.h */

struct sched_params {
	gint64 interval_s;          /* configured interval (default 900) */
	gint64 min_interval_s;      /* floor on every delay (default 60; tests may lower it) */
	int jitter_pct;             /* ± random spread of every delay, % (default 10) */
	gint64 hint_max_s;          /* a feed's own hint stretches the interval up to this (6 h) */
	gint64 backoff_max_s;       /* ceiling of the failure backoff (6 h) */
	gint64 retry_after_max_s;   /* ceiling on Retry-After (6 h) */
	gint64 disable_after_s;     /* failing this long (24 h) ... */
	int disable_after_polls;    /* ... over this many polls (5), ending on a permanent
	                             * error, disables a feed; a 410 disables at once */
	gint64 host_pause_s;        /* first pause of a host after a 429/503 (120 s), doubling */
	gint64 host_gap_s;          /* spacing of requests to a slowed host, per strike (30 s) */
};

void sched_params_defaults(struct sched_params *sp);
struct config;
struct feed_config;
/* Defaults, then the configured interval (the feed's, else the general one),
 * floor and jitter. */
void sched_params_for_feed(struct sched_params *sp, const struct config *cfg,
                           const struct feed_config *fc);

/* What one poll came to, as far as scheduling cares. */
struct sched_poll {
	enum fetch_outcome outcome;
	long http_status;           /* 0 = none or unknown */
	gint64 retry_after;         /* s asked by Retry-After; 0 = none */
	gint64 hint_s;              /* the feed's own hint: max(ttl, sy:updatePeriod, max-age), s */
};

enum sched_verdict {
	SCHED_NORMAL,               /* success: the (possibly stretched) interval */
	SCHED_BACKOFF,              /* failure: exponential backoff, Retry-After honoured */
	SCHED_DISABLE,              /* permanent: 410, or a long run of failures ending on one */
};

/* next_due of a disabled feed: far away, yet safe to multiply by G_USEC_PER_SEC. */
#define SCHED_NEVER ((gint64)(G_MAXINT64 / G_USEC_PER_SEC))

/* Plans the next poll. fs must already count this poll's failure, if any
 * (failures, error_since: pipeline.c does that bookkeeping). Sets
 * fs->next_due, fs->disabled and fs->poll_hint; returns the verdict. */
enum sched_verdict sched_plan(const struct sched_params *sp, struct feed_state *fs,
                              const struct sched_poll *poll, gint64 now, GRand *rng);
/* TRUE when a feed should be polled at now. */
gboolean sched_is_due(const struct feed_state *fs, gint64 now);

/* --- per-host slow-down ---------------------------------------------------
 * A 429 or 503 is a host speaking for every feed it serves: each one adds a
 * strike, pausing the whole host for max(Retry-After, host_pause_s doubling
 * with each strike), capped at backoff_max_s; while it has strikes, requests
 * to it are also spaced host_gap_s × strikes apart. A success removes one
 * strike. */
struct sched_hosts;

struct sched_hosts *sched_hosts_new(void);
void sched_hosts_free(struct sched_hosts *h);           /* accepts NULL */
void sched_hosts_record(struct sched_hosts *h, const struct sched_params *sp, const char *host,
                        const struct sched_poll *poll, gint64 now, GRand *rng);
/* A request to host starts now (for the spacing of a slowed host). */
void sched_hosts_started(struct sched_hosts *h, const char *host, gint64 now);
/* No request to host before this time; 0 when the host is not slowed. */
gint64 sched_hosts_not_before(const struct sched_hosts *h, const char *host);
int sched_hosts_strikes(const struct sched_hosts *h, const char *host);
/* Moves every pause and start time by delta seconds: the daemon calls it
 * with the jump when the wall clock was set back. */
void sched_hosts_shift(struct sched_hosts *h, gint64 delta);

/* --- for the daemon ---------------------------------------------------------
 * The three calls below share one process-wide host table (main loop only). */
/* Records rep for host, plans fs (see sched_plan) and returns fs->next_due,
 * never earlier than the host allows. */
gint64 sched_next_due(const struct sched_params *sp, struct feed_state *fs,
                      const struct poll_report *rep, const char *host, gint64 now);
/* Before starting a poll of a due feed: the time the host allows (≤ now: go,
 * and the start is recorded), else the time to try again. */
gint64 sched_host_claim(const char *host, gint64 now);
/* The process-wide table, e.g. for status output. */
struct sched_hosts *sched_hosts_default(void);

/* The poll report as the scheduler sees it. */
void sched_poll_from_report(struct sched_poll *poll, const struct poll_report *rep);

#endif
