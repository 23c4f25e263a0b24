/* fuzz_url.c — canonical links and relative-link resolution. A canonical
 * link is an absolute http(s) URL, and canonicalising it again changes
 * nothing (otherwise one story would get two identities) — except for links
 * wrapped in aggregator redirects more than three deep: url.c unwraps at
 * most three levels per call (a bound on hostile nesting), so such a link
 * only converges over further calls. Known and reported (docs/SECURITY.md);
 * the check below demands a fixed point within 64 further calls (each
 * unwraps three more levels; 4 KiB of input cannot nest deeper). */
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
		char *prev = g_strdup(c);
		int rounds = 0;

		while ((cc = url_canonical(prev)) != NULL && strcmp(prev, cc) != 0 && ++rounds < 64) {
			g_free(prev);
			prev = cc;
		}
		if (!cc || strcmp(prev, cc) != 0) {
			fprintf(stderr, "url canonical form does not converge: '%s' -> '%s' -> ... '%s'\n",
			        s, c, cc ? cc : "(null)");
			abort();
		}
		g_free(cc);
		g_free(prev);
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
