/* test_daemon.c — the daemon's pure scheduling helpers. */
#include <glib.h>
#include "daemon.h"

#define S ((gint64)G_USEC_PER_SEC)

/* A clock set back moves the schedule back by the jump; time passing,
 * small corrections and clocks set forward do not. */
static void
test_clock_setback(void)
{
	static const struct {
		gint64 last_wall, last_mono, wall, mono, want;
	} cases[] = {
		{ 0,             0,      1000 * S,     5 * S,  0 },         /* first look */
		{ 1000 * S,      5 * S,  1060 * S,    65 * S,  0 },         /* 60 s passed, both clocks */
		{ 1000 * S,      5 * S,  1059 * S,    65 * S,  0 },         /* 1 s slew: ignored */
		{ 1000 * S,      5 * S,  1057 * S,    65 * S,  3 * S },     /* 3 s back */
		{ 1000 * S,      5 * S,  1000 * S - 3600 * S, 65 * S, 3660 * S }, /* an hour back, 60 s later */
		{ 1000 * S,      5 * S,  9000 * S,    65 * S,  0 },         /* forward: lateness, not this */
		{ 1000 * S,      5 * S,  1000 * S,  3605 * S,  3600 * S },  /* wall stood still for an hour */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(daemon_clock_setback(cases[i].last_wall, cases[i].last_mono,
		                                     cases[i].wall, cases[i].mono), ==, cases[i].want);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/daemon/clock-setback", test_clock_setback);
	return g_test_run();
}
