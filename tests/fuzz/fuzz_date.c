/* fuzz_date.c — the date parser on arbitrary text. Any date it reads must
 * format as RFC 3339 and read back as the same instant. */
#include "fuzz_common.h"
#include "date.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	gint64 t = date_parse(s);
	char buf[21], *f;

	if (t != 0) {
		f = date_format_rfc3339(t, buf);
		if (f && date_parse(f) != t) {
			fprintf(stderr, "date round trip: '%s' -> %" G_GINT64_FORMAT " -> '%s' -> %"
			        G_GINT64_FORMAT "\n", s, t, f, date_parse(f));
			abort();
		}
	}
	g_free(s);
	return 0;
}
