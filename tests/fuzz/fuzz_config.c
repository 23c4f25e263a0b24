/* fuzz_config.c — newswatch.conf with arbitrary content. Every refusal
 * names a reason; a config that loads passes the outbox's own checks
 * without crashing. */
#include "fuzz_common.h"
#include "config.h"
#include "outbox.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	/* Secrets named by _env keys must not come from the real environment. */
	g_setenv("HOME", "/nonexistent", TRUE);
	g_unsetenv("CREDENTIALS_DIRECTORY");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	char *text = fuzz_cstr(data, size);
	struct config *cfg = config_load_data(text, "fuzz.conf", errors);

	if (cfg && errors->len)
		abort();    /* config.h: NULL when there was any error */
	if (!cfg && errors->len == 0)
		abort();
	if (cfg) {
		(void)outbox_check_config(cfg, errors);
		for (guint i = 0; i < cfg->feeds->len; i++)
			(void)config_line(cfg, "general", NULL);
		config_free(cfg);
	}
	(void)config_parse_duration(text);
	g_free(text);
	g_ptr_array_unref(errors);
	return 0;
}
