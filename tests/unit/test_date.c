/* test_date.c — every date form feeds carry, as a table. */
#include <glib.h>
#include "date.h"

static const struct {
	const char *in;
	const char *want;       /* RFC 3339 UTC, NULL = unusable (0) */
} cases[] = {
	/* RFC 822 / 1123 */
	{ "Mon, 15 Jan 2024 10:00:00 GMT", "2024-01-15T10:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 +0100", "2024-01-15T09:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 -0500", "2024-01-15T15:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 +0000", "2024-01-15T10:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 UT", "2024-01-15T10:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 Z", "2024-01-15T10:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00", "2024-01-15T10:00:00Z" },
	{ "Mon,15 Jan 2024 10:00:00 GMT", "2024-01-15T10:00:00Z" },
	{ "  Mon, 15 Jan 2024 10:00:00 GMT \n", "2024-01-15T10:00:00Z" },
	/* two-digit years */
	{ "Mon, 15 Jan 24 10:00:00 GMT", "2024-01-15T10:00:00Z" },
	{ "Sun, 06 Nov 94 08:49:37 GMT", "1994-11-06T08:49:37Z" },
	/* missing seconds, missing day name, missing time */
	{ "Mon, 15 Jan 2024 10:00 GMT", "2024-01-15T10:00:00Z" },
	{ "15 Jan 2024 10:00:00 GMT", "2024-01-15T10:00:00Z" },
	{ "Mon, 15 Jan 2024", "2024-01-15T00:00:00Z" },
	/* named zones */
	{ "Mon, 15 Jan 2024 10:00:00 EST", "2024-01-15T15:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 EDT", "2024-01-15T14:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 PST", "2024-01-15T18:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 CEST", "2024-01-15T08:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 CET", "2024-01-15T09:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 MSK", "2024-01-15T07:00:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 IST", "2024-01-15T04:30:00Z" },
	{ "Mon, 15 Jan 2024 10:00:00 EET", "2024-01-15T08:00:00Z" },
	/* broken RFC 822 */
	{ "Mon, 15 Jan 2024 10:00:00 +01:00", "2024-01-15T09:00:00Z" },
	{ "Monday, 15 January 2024 10:00:00 GMT", "2024-01-15T10:00:00Z" },
	{ "Tues, 16 Sept 2024 10:00:00 GMT", "2024-09-16T10:00:00Z" },
	{ "Tue, 15 Jan 2024 10:00:00 +0000", "2024-01-15T10:00:00Z" },  /* wrong day name */
	{ "Mon Jan 15 10:00:00 2024", "2024-01-15T10:00:00Z" },          /* asctime */
	{ "Mon, 15 Jan 2024 10:00:00 +0100 (CET)", "2024-01-15T09:00:00Z" },
	{ "Mon, 15 Jan 2024 02:30:00 PM GMT", "2024-01-15T14:30:00Z" },
	{ "Mon, 15 Jan 2024 12:10:00 AM GMT", "2024-01-15T00:10:00Z" },
	{ "January 15, 2024 10:00:00 GMT", "2024-01-15T10:00:00Z" },
	{ "15 jan 2024 10:00:00 gmt", "2024-01-15T10:00:00Z" },
	/* RFC 3339 / ISO 8601 */
	{ "2024-01-15T10:00:00Z", "2024-01-15T10:00:00Z" },
	{ "2024-01-15T10:00:00+01:00", "2024-01-15T09:00:00Z" },
	{ "2024-01-15T10:00:00-05:00", "2024-01-15T15:00:00Z" },
	{ "2024-01-15T10:00:00.123456Z", "2024-01-15T10:00:00Z" },
	{ "2024-01-15t10:00:00z", "2024-01-15T10:00:00Z" },
	{ "2024-01-15T10:00:00+0100", "2024-01-15T09:00:00Z" },
	{ "2024-01-15T10:00:00", "2024-01-15T10:00:00Z" },
	{ "2024-01-15 10:00:00Z", "2024-01-15T10:00:00Z" },
	{ "2024-01-15T10:00Z", "2024-01-15T10:00:00Z" },
	{ "2024-01-15T10:00+02:00", "2024-01-15T08:00:00Z" },
	{ "2024-01-15", "2024-01-15T00:00:00Z" },
	{ "2024/01/15 10:00", "2024-01-15T10:00:00Z" },
	{ "1705312800", "2024-01-15T10:00:00Z" },
	/* unusable */
	{ "", NULL },
	{ "   ", NULL },
	{ "garbage", NULL },
	{ "yesterday", NULL },
	{ "2024-13-45T99:00:00Z", NULL },
	{ "0000-00-00 00:00:00", NULL },
};

static void
test_table(void)
{
	GString *fails = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char buf[21];
		gint64 t = date_parse(cases[i].in);
		const char *got = date_format_rfc3339(t, buf);

		if (g_strcmp0(got, cases[i].want) != 0)
			g_string_append_printf(fails, "date_parse(\"%s\") = %s, want %s\n", cases[i].in,
			                   got ? got : "(none)", cases[i].want ? cases[i].want : "(none)");
	}
	if (fails->len > 0)
		g_test_message("%s", fails->str);
	g_assert_cmpuint(fails->len, ==, 0);
	g_string_free(fails, TRUE);
}

static void
test_null_and_format(void)
{
	char buf[21];

	g_assert_cmpint(date_parse(NULL), ==, 0);
	g_assert_null(date_format_rfc3339(0, buf));
	g_assert_cmpstr(date_format_rfc3339(1, buf), ==, "1970-01-01T00:00:01Z");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/date/table", test_table);
	g_test_add_func("/date/null-and-format", test_null_and_format);
	return g_test_run();
}
