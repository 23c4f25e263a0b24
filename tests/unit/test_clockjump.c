/* test_clockjump.c — the wall clock jumps (NTP after a suspend, a user
 * fixing the date, a VM restored from a snapshot). The scheduler takes
 * times as parameters, so a jump is just a different `now`: schedules must
 * stay sane — every delay it plans is between the floor and the backoff
 * ceiling from `now`, never relative to a time on the other side of the
 * jump, and no jump turns into a day without polling or a disabled feed.
 * A check that exposes a known bug reports g_test_incomplete (TAP "# TODO")
 * instead of failing, and starts passing when it is fixed. */
#include <glib.h>

#include "daemon.h"
#include "scheduler.h"

#define T0 ((gint64)1762164000)        /* Mon, 03 Nov 2025 10:00:00 GMT */
#define DAY ((gint64)86400)

static void
note_poll(struct feed_state *fs, const struct sched_poll *poll, gint64 now)
{
	fs->last_poll = now;
	fs->polls++;
	if (poll->outcome == FETCH_OK || poll->outcome == FETCH_NOT_MODIFIED) {
		fs->failures = 0;
		fs->error_since = 0;
	} else if (fs->failures++ == 0) {
		fs->error_since = now;
	}
}

/* next_due - now must lie in [floor, ceiling] for every outcome and seed. */
static void
assert_sane(const struct sched_params *sp, const struct feed_state *fs, gint64 now)
{
	gint64 d = fs->next_due - now;

	g_assert_false(fs->disabled);
	g_assert_cmpint(d, >=, MAX(sp->min_interval_s, 1));
	g_assert_cmpint(d, <=, MAX(sp->backoff_max_s, sp->interval_s) * (100 + sp->jitter_pct) / 100 + 1);
}

static const struct {
	const char *name;
	gint64 jump;         /* seconds added to the clock between two polls */
} jumps[] = {
	{ "back-1-hour", -3600 }, { "back-1-day", -DAY }, { "back-1-year", -365 * DAY },
	{ "forward-1-hour", 3600 }, { "forward-1-day", DAY }, { "forward-30-days", 30 * DAY },
	{ "back-to-1970", -T0 + 10 },
};

static void
test_plan_after_jump(gconstpointer data)
{
	gint64 jump = *(const gint64 *)data;
	static const enum fetch_outcome outcomes[] = {
		FETCH_OK, FETCH_NOT_MODIFIED, FETCH_TEMPORARY, FETCH_PERMANENT,
	};
	struct sched_params sp;

	sched_params_defaults(&sp);
	for (gsize o = 0; o < G_N_ELEMENTS(outcomes); o++) {
		for (guint32 seed = 1; seed <= 200; seed++) {
			GRand *rng = g_rand_new_with_seed(seed);
			struct feed_state fs = { 0 };
			struct sched_poll fail = { .outcome = FETCH_TEMPORARY, .http_status = 503 };
			struct sched_poll poll = { .outcome = outcomes[o], .http_status = 0 };
			gint64 now = T0;

			/* one failure before the jump, then the poll after it */
			note_poll(&fs, &fail, now);
			sched_plan(&sp, &fs, &fail, now, rng);
			assert_sane(&sp, &fs, now);
			now = T0 + jump;
			if (poll.outcome == FETCH_PERMANENT)
				poll.http_status = 404;
			note_poll(&fs, &poll, now);
			g_assert_cmpint(sched_plan(&sp, &fs, &poll, now, rng), !=, SCHED_DISABLE);
			assert_sane(&sp, &fs, now);
			g_rand_free(rng);
		}
	}
}

/* Forward: everything planned before is due at once; after a month of a
 * stopped clock a feed that failed twice is not "failing for 24 h". */
static void
test_forward_is_due(void)
{
	struct sched_params sp;
	struct feed_state fs = { 0 };
	struct sched_poll fail = { .outcome = FETCH_PERMANENT, .http_status = 404 };

	sched_params_defaults(&sp);
	note_poll(&fs, &fail, T0);
	sched_plan(&sp, &fs, &fail, T0, NULL);
	g_assert_true(sched_is_due(&fs, T0 + 30 * DAY));
	note_poll(&fs, &fail, T0 + 30 * DAY);
	g_assert_cmpint(sched_plan(&sp, &fs, &fail, T0 + 30 * DAY, NULL), ==, SCHED_BACKOFF);
	g_assert_false(fs.disabled);
}

/* Backward: a due time planned before the clock went back a day lies a day
 * ahead of the new now; sched_is_due compares absolute times, so the daemon
 * notices the jump against the monotonic clock (daemon_clock_setback) and
 * moves its queue back by it: the feed is then due on time. */
static void
test_backward_is_due(void)
{
	struct sched_params sp;
	struct feed_state fs = { 0 };
	struct sched_poll ok = { .outcome = FETCH_OK };
	gint64 mono0 = (gint64)5000 * G_USEC_PER_SEC, back;

	sched_params_defaults(&sp);
	note_poll(&fs, &ok, T0);
	sched_plan(&sp, &fs, &ok, T0, NULL);
	g_assert_false(sched_is_due(&fs, T0));          /* just polled */
	/* 10 s of real time pass while the wall clock is set back a day */
	back = daemon_clock_setback(T0 * G_USEC_PER_SEC, mono0, (T0 - DAY + 10) * G_USEC_PER_SEC,
	                            mono0 + 10 * G_USEC_PER_SEC);
	g_assert_cmpint(back, ==, DAY * G_USEC_PER_SEC);
	fs.next_due -= back / G_USEC_PER_SEC;           /* what the daemon does to its queue */
	g_assert_false(sched_is_due(&fs, T0 - DAY + 10));
	g_assert_true(sched_is_due(&fs, T0 - DAY + sp.interval_s * (100 + sp.jitter_pct) / 100 + 1));
	/* no jump, no shift; a small drift is not a jump */
	g_assert_cmpint(daemon_clock_setback(T0 * G_USEC_PER_SEC, mono0, (T0 + 10) * G_USEC_PER_SEC,
	                                     mono0 + 10 * G_USEC_PER_SEC), ==, 0);
	g_assert_cmpint(daemon_clock_setback(T0 * G_USEC_PER_SEC, mono0, (T0 + 9) * G_USEC_PER_SEC,
	                                     mono0 + 10 * G_USEC_PER_SEC), ==, 0);
}

/* A host slowed down by a 429 just before the clock goes back a day must
 * not stay paused for a day. */
static void
test_backward_host_pause(void)
{
	struct sched_params sp;
	struct sched_hosts *h = sched_hosts_new();
	struct sched_poll p429 = { .outcome = FETCH_TEMPORARY, .http_status = 429, .retry_after = 60 };
	gint64 now = T0 - DAY, nb;

	sched_params_defaults(&sp);
	sched_hosts_record(h, &sp, "news.example.com", &p429, T0, NULL);
	nb = sched_hosts_not_before(h, "news.example.com");
	g_assert_cmpint(nb, >, T0);
	g_assert_cmpint(nb - T0, <=, sp.backoff_max_s);
	/* What the daemon does when it sees the clock set back (daemon_clock_setback). */
	sched_hosts_shift(h, now - T0);
	nb = sched_hosts_not_before(h, "news.example.com");
	g_assert_cmpint(nb, >, now);
	g_assert_cmpint(nb - now, <=, sp.backoff_max_s);
	sched_hosts_free(h);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(jumps); i++) {
		char *name = g_strdup_printf("/clockjump/plan/%s", jumps[i].name);

		g_test_add_data_func(name, &jumps[i].jump, test_plan_after_jump);
		g_free(name);
	}
	g_test_add_func("/clockjump/forward/due-and-not-disabled", test_forward_is_due);
	g_test_add_func("/clockjump/backward/due", test_backward_is_due);
	g_test_add_func("/clockjump/backward/host-pause", test_backward_host_pause);
	return g_test_run();
}
