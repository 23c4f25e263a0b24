/* fuzz_html.c — HTML fragments to text. html.h promises valid UTF-8 out,
 * never NULL, for any UTF-8 in; whitespace collapsing is idempotent. */
#include <libxml/parser.h>
#include "fuzz_common.h"
#include "html.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	xmlInitParser();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The contract is UTF-8 in (the feed parser has decoded it): make it so. */
	char *in = g_utf8_make_valid((const char *)data, size);
	char *text = html_to_text(in, -1);
	char *c1, *c2;

	if (!text || !g_utf8_validate(text, -1, NULL))
		abort();
	c1 = text_collapse_ws(text);
	c2 = text_collapse_ws(c1);
	if (!g_utf8_validate(c1, -1, NULL) || strcmp(c1, c2) != 0)
		abort();
	(void)html_looks_like_markup(in, strlen(in));
	g_free(c2);
	g_free(c1);
	g_free(text);
	/* The sized form: a field cut short (at a character boundary, as the
	 * parser's field cap cuts). */
	{
		const char *half = in + strlen(in) / 2;

		if (*half && half > in)
			half = g_utf8_find_prev_char(in, half + 1);
		text = html_to_text(in, half ? half - in : 0);
	}
	if (!text || !g_utf8_validate(text, -1, NULL))
		abort();
	g_free(text);
	g_free(in);
	return 0;
}
