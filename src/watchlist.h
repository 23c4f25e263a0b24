/* watchlist.h — watchlists/*.watch → entries and rules.
 * The format is documented in watchlists/README.md. */
#ifndef NW_WATCHLIST_H
#define NW_WATCHLIST_H

#include <glib.h>

enum priority { PRIORITY_LOW = 0, PRIORITY_NORMAL, PRIORITY_HIGH, PRIORITY_URGENT };

const char *priority_name(enum priority p);             /* "low", ... */
int priority_parse(const char *s, enum priority *out);  /* 0 or -1 */

struct watchlists;   /* opaque: entries and rules of every loaded file */

/* Loads every *.watch file in dir (sorted by name). Every problem found is
 * appended to errors as "file:line: message" (char *, caller's array);
 * warnings (e.g. duplicate aliases) go to warnings (may be NULL).
 * Returns NULL when any error was found. */
struct watchlists *watchlists_load_dir(const char *dir, GPtrArray *errors, GPtrArray *warnings);
/* Same for one file. */
struct watchlists *watchlists_load_file(const char *path, GPtrArray *errors, GPtrArray *warnings);
void watchlists_free(struct watchlists *wl);            /* accepts NULL */
guint watchlists_n_entries(const struct watchlists *wl);
guint watchlists_n_rules(const struct watchlists *wl);

#endif
