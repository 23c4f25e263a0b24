/* secret.h — passwords, tokens and webhook URLs that need not live in the config.
 * For a key K of [channel NAME] the value comes from, in this order:
 *   K_file = PATH         the file's contents (one trailing newline dropped)
 *   K_env = VARIABLE      the environment variable
 *   K_credential = NAME   $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=)
 *   K = VALUE             the config file itself
 *   $CREDENTIALS_DIRECTORY/NAME.K when none of the above is set.
 * Messages name the key, file or variable, never the value. */
#ifndef NW_SECRET_H
#define NW_SECRET_H

#include <glib.h>
#include "config.h"

/* The keys K, K_file, K_env, K_credential, for a type's key table. */
#define SECRET_KEYS(k) k, k "_file", k "_env", k "_credential"

/* Returns the secret (caller frees with secret_free), or NULL: when required,
 * an error "file:line: channel "NAME": ..." is appended; otherwise NULL just
 * means the key is not set (errors are still appended for an unreadable file). */
char *secret_get(const struct config *cfg, const struct channel_config *cc, const char *key,
                 gboolean required, GPtrArray *errors);
/* Overwrites then frees; accepts NULL. */
void secret_free(char *s);

#endif
