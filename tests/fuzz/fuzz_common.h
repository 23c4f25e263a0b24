/* fuzz_common.h — shared by the libFuzzer targets: quiet logging (warnings
 * about hostile input are expected), GLib criticals and errors fatal (a
 * g_return_if_fail tripped by input is a bug), and a small byte reader for
 * targets that build structured input from the fuzzer's bytes. */
#ifndef NW_FUZZ_COMMON_H
#define NW_FUZZ_COMMON_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static GLogWriterOutput
fuzz_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user)
{
	(void)user;
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) {
		for (gsize i = 0; i < n; i++)
			if (strcmp(fields[i].key, "MESSAGE") == 0)
				fprintf(stderr, "fuzz: glib critical: %s\n", (const char *)fields[i].value);
		abort();
	}
	return G_LOG_WRITER_HANDLED;
}

/* GLib allows one writer per process: the regression test includes every
 * target into one program. */
static inline void
fuzz_quiet_logs(void)
{
	static gboolean done;

	if (!done)
		g_log_set_writer_func(fuzz_log_writer, NULL, NULL);
	done = TRUE;
}

/* A NUL-terminated copy of the input (most parsers take C strings). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = g_malloc(size + 1);

	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Consumes bytes front to back; past the end every read returns 0. */
struct fuzz_reader {
	const uint8_t *p;
	size_t left;
};

static inline unsigned
fuzz_byte(struct fuzz_reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

/* 0 .. n-1 */
static inline unsigned
fuzz_pick(struct fuzz_reader *r, unsigned n)
{
	return n ? fuzz_byte(r) % n : 0;
}

#endif
