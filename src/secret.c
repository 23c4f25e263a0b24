/* secret.c — secrets from a file, the environment or systemd credentials. */
#include <string.h>

#include "channel.h"
#include "secret.h"

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	g_free(s);
}

/* Reads path; NULL (error appended, naming the path only) when unreadable or empty. */
static char *
read_secret_file(const struct config *cfg, const struct channel_config *cc, const char *key,
                 const char *path, GPtrArray *errors)
{
	GError *err = NULL;
	char *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &err)) {
		channel_config_error(errors, cfg, cc, key, "%s: cannot read %s: %s", key, path,
		                     err->message);
		g_error_free(err);
		return NULL;
	}
	/* A file written by `echo` ends in a newline that is not part of the secret. */
	if (len > 0 && data[len - 1] == '\n')
		data[--len] = '\0';
	if (len > 0 && data[len - 1] == '\r')
		data[--len] = '\0';
	if (len == 0 || strlen(data) != len) {
		channel_config_error(errors, cfg, cc, key, "%s: %s is empty or holds a NUL byte",
		                     key, path);
		secret_free(data);
		return NULL;
	}
	return data;
}

static char *
group_value(const struct config *cfg, const struct channel_config *cc, const char *key)
{
	char *v = g_key_file_get_string(cfg->kf, cc->group, key, NULL);

	if (v)
		g_strstrip(v);
	return v;
}

char *
secret_get(const struct config *cfg, const struct channel_config *cc, const char *key,
           gboolean required, GPtrArray *errors)
{
	const char *creds = g_getenv("CREDENTIALS_DIRECTORY");
	char *k = g_strconcat(key, "_file", NULL);
	char *v = group_value(cfg, cc, k);
	char *out = NULL;
	gboolean tried = FALSE;

	if (v) {
		char *path = g_str_has_prefix(v, "~/") ?
		             g_build_filename(g_get_home_dir(), v + 2, NULL) : g_strdup(v);

		tried = TRUE;
		out = read_secret_file(cfg, cc, k, path, errors);
		g_free(path);
		goto done;
	}
	g_free(k);
	k = g_strconcat(key, "_env", NULL);
	if ((v = group_value(cfg, cc, k)) != NULL) {
		const char *e = g_getenv(v);

		tried = TRUE;
		if (e && *e)
			out = g_strdup(e);
		else
			channel_config_error(errors, cfg, cc, k, "%s: environment variable %s is not set",
			                     k, v);
		goto done;
	}
	g_free(k);
	k = g_strconcat(key, "_credential", NULL);
	if ((v = group_value(cfg, cc, k)) != NULL) {
		tried = TRUE;
		if (creds == NULL || *creds == '\0' || strchr(v, '/') != NULL) {
			channel_config_error(errors, cfg, cc, k,
			                     "%s: %s needs $CREDENTIALS_DIRECTORY (systemd LoadCredential=)"
			                     " and a plain name", k, v);
		} else {
			char *path = g_build_filename(creds, v, NULL);

			out = read_secret_file(cfg, cc, k, path, errors);
			g_free(path);
		}
		goto done;
	}
	g_free(k);
	k = g_strdup(key);
	if ((v = group_value(cfg, cc, k)) != NULL && *v) {
		out = g_strdup(v);
		goto done;
	}
	if (creds && *creds) {
		char *name = g_strdup_printf("%s.%s", cc->name, key);
		char *path = g_build_filename(creds, name, NULL);

		if (strchr(cc->name, '/') == NULL && g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
			tried = TRUE;
			out = read_secret_file(cfg, cc, key, path, errors);
		}
		g_free(path);
		g_free(name);
	}
done:
	if (out == NULL && required && !tried)
		channel_config_error(errors, cfg, cc, NULL,
		                     "%s is required (set %s, %s_file, %s_env or %s_credential)",
		                     key, key, key, key, key);
	secret_free(v);
	g_free(k);
	return out;
}
