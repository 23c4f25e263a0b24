/* test_scheduler.c — the polling policy as tables of (state, poll, now) →
 * (verdict, delay bounds). Time is passed in; jitter comes from seeded GRands,
 * and every bound is checked over many seeds. */
#include <string.h>

#include "pipeline.h"
#include "scheduler.h"

#define NOW ((gint64)1762164000)       /* Mon, 03 Nov 2025 10:00:00 GMT */
#define H 3600
#define SEEDS 500

/* What pipeline.c does before asking the scheduler. */
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

static void
params(struct sched_params *sp, gint64 interval)
{
	sched_params_defaults(sp);
	if (interval)
		sp->interval_s = interval;
}

/* Plans with many seeds; returns the smallest and largest delay seen. */
static enum sched_verdict
plan_range(const struct sched_params *sp, const struct feed_state *start,
           const struct sched_poll *poll, gint64 *lo, gint64 *hi)
{
	enum sched_verdict v = SCHED_NORMAL;

	*lo = G_MAXINT64;
	*hi = G_MININT64;
	for (guint32 seed = 1; seed <= SEEDS; seed++) {
		struct feed_state fs = *start;
		GRand *r = g_rand_new_with_seed(seed);
		enum sched_verdict got = sched_plan(sp, &fs, poll, NOW, r);

		g_assert_true(seed == 1 || got == v);   /* the verdict never depends on chance */
		v = got;
		*lo = MIN(*lo, fs.next_due - NOW);
		*hi = MAX(*hi, fs.next_due - NOW);
		g_rand_free(r);
	}
	return v;
}

static void
test_defaults(void)
{
	struct sched_params sp;

	sched_params_defaults(&sp);
	g_assert_cmpint(sp.interval_s, ==, 900);
	g_assert_cmpint(sp.min_interval_s, ==, 60);
	g_assert_cmpint(sp.jitter_pct, ==, 10);
	g_assert_cmpint(sp.retry_after_max_s, ==, 6 * H);
	g_assert_cmpint(sp.disable_after_s, ==, 24 * H);
}

/* Success: interval ± jitter, stretched (never shortened) by the feed's hint,
 * never below the floor. */
static void
test_success(void)
{
	static const struct {
		const char *what;
		gint64 interval, min_interval;
		int jitter;
		enum fetch_outcome outcome;
		gint64 hint, stored_hint;
		gint64 lo, hi;          /* bounds of the delay */
		gint64 hint_after;
	} cases[] = {
		{ "plain interval", 900, 60, 10, FETCH_OK, 0, 0, 810, 990, 0 },
		{ "no jitter", 900, 60, 0, FETCH_OK, 0, 0, 900, 900, 0 },
		{ "304 same as 200", 900, 60, 10, FETCH_NOT_MODIFIED, 0, 0, 810, 990, 0 },
		{ "floor of a minute", 10, 60, 10, FETCH_OK, 0, 0, 60, 66, 0 },
		{ "floor lowered for tests", 5, 1, 0, FETCH_OK, 0, 0, 5, 5, 0 },
		{ "jitter never below the floor", 60, 60, 50, FETCH_OK, 0, 0, 60, 90, 0 },
		{ "ttl asks for less often", 900, 60, 0, FETCH_OK, 3600, 0, 3600, 3600, 3600 },
		{ "ttl asks for more often: ignored", 900, 60, 0, FETCH_OK, 300, 0, 900, 900, 300 },
		{ "hint capped at 6 h", 900, 60, 0, FETCH_OK, 7 * 24 * H, 0, 6 * H, 6 * H, 7 * 24 * H },
		{ "304 keeps the stored hint", 900, 60, 0, FETCH_NOT_MODIFIED, 0, 7200, 7200, 7200, 7200 },
		{ "304 with max-age updates it", 900, 60, 0, FETCH_NOT_MODIFIED, 1800, 7200, 1800, 1800, 1800 },
		{ "200 without hint clears it", 900, 60, 0, FETCH_OK, 0, 7200, 900, 900, 0 },
		{ "interval longer than any hint", 12 * H, 60, 0, FETCH_OK, 3600, 0, 12 * H, 12 * H, 3600 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sched_params sp;
		struct feed_state fs = { .poll_hint = cases[i].stored_hint };
		struct sched_poll poll = { .outcome = cases[i].outcome, .hint_s = cases[i].hint };
		gint64 lo, hi;
		enum sched_verdict v;

		params(&sp, cases[i].interval);
		sp.min_interval_s = cases[i].min_interval;
		sp.jitter_pct = cases[i].jitter;
		note_poll(&fs, &poll, NOW);
		v = plan_range(&sp, &fs, &poll, &lo, &hi);
		if (v != SCHED_NORMAL || lo < cases[i].lo || hi > cases[i].hi)
			g_error("%s: verdict %d, delay %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
			        ", want %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
			        cases[i].what, v, lo, hi, cases[i].lo, cases[i].hi);
		sched_plan(&sp, &fs, &poll, NOW, NULL);
		g_assert_cmpint(fs.poll_hint, ==, cases[i].hint_after);
		g_assert_false(fs.disabled);
	}
}

/* Jitter really spreads feeds: 500 feeds due at once land all over ±10 %. */
static void
test_jitter_spreads(void)
{
	struct sched_params sp;
	struct sched_poll poll = { .outcome = FETCH_OK };
	GRand *r = g_rand_new_with_seed(42);
	int buckets[10] = { 0 };

	params(&sp, 1000);
	for (int i = 0; i < 500; i++) {
		struct feed_state fs = { 0 };
		gint64 d;

		sched_plan(&sp, &fs, &poll, NOW, r);
		d = fs.next_due - NOW;
		g_assert_cmpint(d, >=, 900);
		g_assert_cmpint(d, <=, 1100);
		buckets[MIN((d - 900) / 20, 9)]++;
	}
	for (int b = 0; b < 10; b++)
		g_assert_cmpint(buckets[b], >, 20);     /* each 20 s slice got its share */
	g_rand_free(r);
}

/* Failures: the wait doubles from the interval up to the ceiling, Retry-After
 * is a floor (capped), and temporary failures never disable. */
static void
test_backoff(void)
{
	static const struct {
		const char *what;
		enum fetch_outcome outcome;
		long status;
		int failures;           /* including this one */
		gint64 retry_after;
		gint64 lo, hi;
	} cases[] = {
		{ "first failure", FETCH_TEMPORARY, 503, 1, 0, 810, 990 },
		{ "second", FETCH_TEMPORARY, 503, 2, 0, 1620, 1980 },
		{ "third", FETCH_TEMPORARY, 0, 3, 0, 3240, 3960 },
		{ "fifth", FETCH_TEMPORARY, 0, 5, 0, 12960, 15840 },
		{ "ceiling", FETCH_TEMPORARY, 0, 6, 0, 19440, 23760 },
		{ "ceiling holds", FETCH_TEMPORARY, 0, 60, 0, 19440, 23760 },
		{ "absurd count", FETCH_TEMPORARY, 0, G_MAXINT, 0, 19440, 23760 },
		{ "Retry-After above backoff", FETCH_TEMPORARY, 429, 1, 7200, 7200, 7920 },
		{ "Retry-After below backoff", FETCH_TEMPORARY, 503, 3, 60, 3240, 3960 },
		{ "Retry-After capped", FETCH_TEMPORARY, 503, 1, 3 * 24 * H, 6 * H, 6 * H * 11 / 10 },
		{ "permanent backs off too", FETCH_PERMANENT, 404, 2, 0, 1620, 1980 },
		{ "403 backs off", FETCH_PERMANENT, 403, 1, 0, 810, 990 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sched_params sp;
		struct feed_state fs = { .failures = cases[i].failures, .error_since = NOW - 60 };
		struct sched_poll poll = { .outcome = cases[i].outcome, .http_status = cases[i].status,
		                           .retry_after = cases[i].retry_after };
		gint64 lo, hi;
		enum sched_verdict v;

		params(&sp, 900);
		v = plan_range(&sp, &fs, &poll, &lo, &hi);
		if (v != SCHED_BACKOFF || lo < cases[i].lo || hi > cases[i].hi)
			g_error("%s: verdict %d, delay %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
			        ", want %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
			        cases[i].what, v, lo, hi, cases[i].lo, cases[i].hi);
	}
}

static void
test_disable(void)
{
	static const struct {
		const char *what;
		enum fetch_outcome outcome;
		long status;
		int failures;
		gint64 failing_for;
		gboolean disabled;
	} cases[] = {
		{ "410 at once", FETCH_PERMANENT, 410, 1, 0, TRUE },
		{ "404 once", FETCH_PERMANENT, 404, 1, 0, FALSE },
		{ "404 for 2 h, 10 polls", FETCH_PERMANENT, 404, 10, 2 * H, FALSE },
		{ "404 for 25 h, 3 polls", FETCH_PERMANENT, 404, 3, 25 * H, FALSE },
		{ "404 for 25 h, 5 polls", FETCH_PERMANENT, 404, 5, 25 * H, TRUE },
		{ "refused redirect for 2 days", FETCH_PERMANENT, 0, 8, 48 * H, TRUE },
		{ "503 for 3 days", FETCH_TEMPORARY, 503, 40, 72 * H, FALSE },
		{ "timeouts for a week", FETCH_TEMPORARY, 0, 100, 7 * 24 * H, FALSE },
		{ "a 410 status on a temporary outcome", FETCH_TEMPORARY, 410, 1, 0, FALSE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct sched_params sp;
		struct feed_state fs = { .failures = cases[i].failures,
		                         .error_since = NOW - cases[i].failing_for };
		struct sched_poll poll = { .outcome = cases[i].outcome, .http_status = cases[i].status };
		enum sched_verdict v;

		params(&sp, 900);
		v = sched_plan(&sp, &fs, &poll, NOW, NULL);
		if ((v == SCHED_DISABLE) != cases[i].disabled || fs.disabled != cases[i].disabled)
			g_error("%s: verdict %d, disabled %d", cases[i].what, v, fs.disabled);
		if (cases[i].disabled) {
			g_assert_cmpint(fs.next_due, ==, SCHED_NEVER);
			g_assert_false(sched_is_due(&fs, G_MAXINT64 / G_USEC_PER_SEC));
			/* safe to turn into microseconds */
			g_assert_cmpint(fs.next_due * G_USEC_PER_SEC / G_USEC_PER_SEC, ==, SCHED_NEVER);
		} else {
			g_assert_true(sched_is_due(&fs, fs.next_due));
			g_assert_false(sched_is_due(&fs, fs.next_due - 1));
		}
	}
}

/* A day of a feed whose server is down from 02:00 to 08:00: the polls during
 * the outage thin out, and it is back on its interval after the first success. */
static void
test_outage_day(void)
{
	struct sched_params sp;
	struct feed_state fs = { 0 };
	GRand *r = g_rand_new_with_seed(7);
	gint64 t = NOW, end = NOW + 24 * H, down = NOW + 2 * H, up = NOW + 8 * H;
	int polls = 0, during = 0;
	gint64 first_after = 0;

	params(&sp, 900);
	while (t < end) {
		gboolean is_down = t >= down && t < up;
		struct sched_poll poll = { .outcome = is_down ? FETCH_TEMPORARY : FETCH_OK,
		                           .http_status = is_down ? 503 : 200 };

		note_poll(&fs, &poll, t);
		g_assert_cmpint(sched_plan(&sp, &fs, &poll, t, r), !=, SCHED_DISABLE);
		polls++;
		during += is_down;
		if (!is_down && t >= up && first_after == 0)
			first_after = t;
		g_assert_cmpint(fs.next_due, >, t);
		t = fs.next_due;
	}
	/* 6 h down: 900, 1800, 3600, 7200, 14400 s ... at most 6 polls, not 24 */
	g_assert_cmpint(during, <=, 6);
	g_assert_cmpint(during, >=, 3);
	g_assert_cmpint(first_after - up, <=, 6 * H * 11 / 10);
	g_assert_cmpint(polls, >=, 60);
	g_assert_false(fs.disabled);
	g_rand_free(r);
}

static void
test_hosts(void)
{
	struct sched_params sp;
	struct sched_hosts *h = sched_hosts_new();
	struct sched_poll busy = { .outcome = FETCH_TEMPORARY, .http_status = 429 };
	struct sched_poll down = { .outcome = FETCH_TEMPORARY, .http_status = 503, .retry_after = 3600 };
	struct sched_poll fine = { .outcome = FETCH_OK, .http_status = 200 };
	struct sched_poll other = { .outcome = FETCH_TEMPORARY, .http_status = 500 };
	gint64 nb;

	params(&sp, 900);
	sp.jitter_pct = 0;
	g_assert_cmpint(sched_hosts_not_before(h, "a.example"), ==, 0);
	/* a 500 is the feed's problem, not the host asking for air */
	sched_hosts_record(h, &sp, "a.example", &other, NOW, NULL);
	g_assert_cmpint(sched_hosts_strikes(h, "a.example"), ==, 0);

	sched_hosts_record(h, &sp, "a.example", &busy, NOW, NULL);
	g_assert_cmpint(sched_hosts_strikes(h, "a.example"), ==, 1);
	g_assert_cmpint(sched_hosts_not_before(h, "a.example"), ==, NOW + 120);
	sched_hosts_record(h, &sp, "a.example", &busy, NOW + 10, NULL);
	g_assert_cmpint(sched_hosts_not_before(h, "a.example"), ==, NOW + 10 + 240);
	sched_hosts_record(h, &sp, "a.example", &down, NOW + 20, NULL);
	g_assert_cmpint(sched_hosts_strikes(h, "a.example"), ==, 3);
	g_assert_cmpint(sched_hosts_not_before(h, "a.example"), ==, NOW + 20 + 3600);
	/* other hosts are not touched */
	g_assert_cmpint(sched_hosts_not_before(h, "b.example"), ==, 0);

	/* after the pause, requests are spaced while strikes remain */
	sched_hosts_started(h, "a.example", NOW + 4000);
	nb = sched_hosts_not_before(h, "a.example");
	g_assert_cmpint(nb, ==, NOW + 4000 + 3 * 30);
	sched_hosts_record(h, &sp, "a.example", &fine, NOW + 4001, NULL);
	sched_hosts_record(h, &sp, "a.example", &fine, NOW + 4100, NULL);
	g_assert_cmpint(sched_hosts_strikes(h, "a.example"), ==, 1);
	g_assert_cmpint(sched_hosts_not_before(h, "a.example"), ==, NOW + 4000 + 30);
	sched_hosts_record(h, &sp, "a.example", &fine, NOW + 4200, NULL);
	g_assert_cmpint(sched_hosts_strikes(h, "a.example"), ==, 0);
	g_assert_cmpint(sched_hosts_not_before(h, "a.example"), ==, 0);     /* forgotten */

	/* Retry-After beyond the cap is capped; the pause doubling is capped too */
	down.retry_after = 10 * 24 * H;
	sched_hosts_record(h, &sp, "c.example", &down, NOW, NULL);
	g_assert_cmpint(sched_hosts_not_before(h, "c.example"), ==, NOW + 6 * H);
	for (int i = 0; i < 100; i++)
		sched_hosts_record(h, &sp, "d.example", &busy, NOW, NULL);
	g_assert_cmpint(sched_hosts_not_before(h, "d.example"), ==, NOW + 6 * H);
	sched_hosts_free(h);
	sched_hosts_free(NULL);
}

static void
test_poll_from_report(void)
{
	/* The HTTP status travels as a field, never recovered from error text. */
	static const struct {
		const char *error;
		long status;
	} cases[] = {
		{ NULL, 0 },
		{ "http 410", 410 },
		{ "http 503, server asks to retry after 120 s", 503 },
		{ "timed out: Operation timed out after 4000 milliseconds", 0 },
		{ "http 404", 0 },      /* text alone says nothing */
		{ "not a feed", 200 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct poll_report rep = { .outcome = FETCH_TEMPORARY, .error = (char *)cases[i].error,
		                           .http_status = cases[i].status, .retry_after = 30, .ttl_s = 600 };
		struct sched_poll poll;

		sched_poll_from_report(&poll, &rep);
		g_assert_cmpint(poll.http_status, ==, cases[i].status);
		g_assert_cmpint(poll.outcome, ==, FETCH_TEMPORARY);
		g_assert_cmpint(poll.retry_after, ==, 30);
		g_assert_cmpint(poll.hint_s, ==, 600);
	}
}

/* The daemon's calls: a 503 on one feed holds back a sibling on the same host. */
static void
test_daemon_glue(void)
{
	struct sched_params sp;
	struct feed_state a = { .failures = 1, .error_since = NOW }, b = { 0 };
	struct poll_report bad = { .feed = "a", .outcome = FETCH_TEMPORARY,
	                           .http_status = 503, .error = (char *)"http 503",
	                           .retry_after = 1800 };
	struct poll_report good = { .feed = "b", .ok = TRUE, .outcome = FETCH_OK };
	gint64 due_a, due_b;

	params(&sp, 300);
	due_a = sched_next_due(&sp, &a, &bad, "glue.example", NOW);
	g_assert_cmpint(due_a, >=, NOW + 1800);
	/* the sibling's own schedule would be ~300 s; the host says 1800 */
	g_assert_cmpint(sched_host_claim("glue.example", NOW + 10), >=, NOW + 1800);
	due_b = sched_next_due(&sp, &b, &good, "glue.example", NOW + 10);
	g_assert_cmpint(due_b, >=, NOW + 1800);
	g_assert_cmpint(b.next_due, ==, due_b);
	/* another host goes at once */
	g_assert_cmpint(sched_host_claim("elsewhere.example", NOW + 10), ==, NOW + 10);
	g_assert_cmpint(sched_hosts_strikes(sched_hosts_default(), "glue.example"), ==, 0);
	/* the success took the strike away, but the pause stands */
	g_assert_cmpint(sched_hosts_not_before(sched_hosts_default(), "glue.example"), >=, NOW + 1800);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/scheduler/defaults", test_defaults);
	g_test_add_func("/scheduler/success", test_success);
	g_test_add_func("/scheduler/jitter-spreads", test_jitter_spreads);
	g_test_add_func("/scheduler/backoff", test_backoff);
	g_test_add_func("/scheduler/disable", test_disable);
	g_test_add_func("/scheduler/outage-day", test_outage_day);
	g_test_add_func("/scheduler/hosts", test_hosts);
	g_test_add_func("/scheduler/poll-from-report", test_poll_from_report);
	g_test_add_func("/scheduler/daemon-glue", test_daemon_glue);
	rc = g_test_run();
	sched_hosts_free(sched_hosts_default());
	return rc;
}
