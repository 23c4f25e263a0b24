/* fuzz_url.c — canonical links and relative-link resolution. A canonical
 * link is an absolute http(s) URL, and canonicalising it again changes
 * nothing (otherwise one story would get two identities). This found links
 * wrapped in aggregator redirects deeper than url.c unwrapped per call;
 * url.c now unwraps to a fixed point (54d3b9d), and the check is strict. */
#include "fuzz_common.h"
#include "url.h"

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
	char *c = url_canonical(s), *cc, *nl, *r;

	if (c) {
		if (g_ascii_strncasecmp(c, "http://", 7) != 0 && g_ascii_strncasecmp(c, "https://", 8) != 0)
			abort();
		cc = url_canonical(c);
		if (!cc || strcmp(c, cc) != 0) {
			fprintf(stderr, "url not idempotent: '%s' -> '%s' -> '%s'\n", s, c, cc ? cc : "(null)");
			abort();
		}
		g_free(cc);
	}
	/* "base\nref" resolves ref against base; otherwise resolve against a fixed base. */
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		r = url_resolve(s, nl + 1);
	} else {
		r = url_resolve("https://example.com/a/b/feed.xml?x=1", s);
	}
	g_free(r);
	g_free(c);
	g_free(s);
	return 0;
}
