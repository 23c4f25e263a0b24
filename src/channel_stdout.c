/* channel_stdout.c — alerts as text or JSON lines, to stdout or a file.
 * "stdout" writes readable text by default, "jsonl" one JSON object per line.
 * A file is opened with O_APPEND, so several writers never interleave a line. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "channel_types.h"

struct stdout_state {
	char *name;
	gboolean json;
	char *path;      /* NULL = standard output */
	int fd;
};

static const char *const stdout_keys[] = { "format", "path", CHANNEL_COMMON_KEYS, NULL };

static void *
stdout_open_as(const struct config *cfg, const struct channel_config *cc, GPtrArray *errors,
               gboolean json)
{
	struct stdout_state *st;
	char *format = g_key_file_get_string(cfg->kf, cc->group, "format", NULL);
	char *path = g_key_file_get_string(cfg->kf, cc->group, "path", NULL);
	int fd = STDOUT_FILENO;

	if (format) {
		g_strstrip(format);
		if (strcmp(format, "json") == 0 || strcmp(format, "jsonl") == 0) {
			json = TRUE;
		} else if (strcmp(format, "text") == 0) {
			json = FALSE;
		} else {
			channel_config_error(errors, cfg, cc, "format",
			                     "format: \"%s\" is not text or json", format);
			goto fail;
		}
	}
	if (path) {
		g_strstrip(path);
		if (g_str_has_prefix(path, "~/")) {
			char *p = g_build_filename(g_get_home_dir(), path + 2, NULL);

			g_free(path);
			path = p;
		}
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			channel_config_error(errors, cfg, cc, "path", "path: cannot open %s: %s", path,
			                     g_strerror(errno));
			goto fail;
		}
	}
	st = g_new0(struct stdout_state, 1);
	st->name = g_strdup(cc->name);
	st->json = json;
	st->path = path;
	st->fd = fd;
	g_free(format);
	return st;
fail:
	g_free(format);
	g_free(path);
	return NULL;
}

static void *
stdout_open(const struct config *cfg, const struct channel_config *cc, GPtrArray *errors)
{
	return stdout_open_as(cfg, cc, errors, FALSE);
}

static void *
jsonl_open(const struct config *cfg, const struct channel_config *cc, GPtrArray *errors)
{
	return stdout_open_as(cfg, cc, errors, TRUE);
}

static void
stdout_close(void *state)
{
	struct stdout_state *st = state;

	if (st == NULL)
		return;
	if (st->path && st->fd >= 0)
		close(st->fd);
	g_free(st->path);
	g_free(st->name);
	g_free(st);
}

/* One write per delivery, so a batch lands whole or the error is reported. */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
stdout_deliver(void *state, struct alert *const *alerts, guint n, const char *batch_title,
               channel_done_fn done, void *user)
{
	struct stdout_state *st = state;
	GString *out = g_string_new(NULL);

	if (batch_title && !st->json) {
		char *t = channel_clean_text(batch_title);

		g_string_append_printf(out, "== %s\n", t);
		g_free(t);
	}
	for (guint i = 0; i < n; i++) {
		if (st->json) {
			json_t *j = alert_to_json(alerts[i]);
			char *line;

			if (batch_title)
				json_object_set_new(j, "batch", json_string(batch_title));
			line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
			g_string_append(out, line ? line : "{}");
			g_string_append_c(out, '\n');
			free(line);
			json_decref(j);
		} else {
			char *text = alert_to_text(alerts[i]);

			g_string_append(out, text);
			g_free(text);
		}
	}
	if (write_all(st->fd, out->str, out->len) < 0)
		channel_finish(done, user, DELIVERY_TEMPORARY, 0, "write to %s: %s",
		               st->path ? st->path : "standard output", g_strerror(errno));
	else
		channel_finish(done, user, DELIVERY_OK, 0, NULL);
	g_string_free(out, TRUE);
}

const struct channel_type channel_type_stdout = {
	.name = "stdout",
	.keys = stdout_keys,
	.open = stdout_open,
	.close = stdout_close,
	.deliver = stdout_deliver,
};

const struct channel_type channel_type_jsonl = {
	.name = "jsonl",
	.keys = stdout_keys,
	.open = jsonl_open,
	.close = stdout_close,
	.deliver = stdout_deliver,
};
