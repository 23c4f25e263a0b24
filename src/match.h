/* match.h — one multi-pattern automaton over all aliases of all entries;
 * every hit carries an explanation. */
#ifndef NW_MATCH_H
#define NW_MATCH_H

#include <glib.h>
#include "item.h"
#include "watchlist.h"

/* One reason an item alerts. Strings are owned by the match. */
struct match {
	char *entry;        /* entry (or rule) display name */
	char *list;         /* "people", "meetings", "aid", or the user's own */
	char *term;         /* the alias as written in the watchlist */
	char *field;        /* "title", "summary", "content", "categories", "author" */
	char *snippet;      /* surrounding text with the hit marked as [[term]] */
	gsize start, end;   /* byte offsets of the hit in the field's text */
	enum priority priority;
	gboolean is_rule;
	char *reason;       /* matcher_explain_item vetoes only: why this hit does not
	                       count ("excluded by 'MSC Cruises' in title"); NULL otherwise */
};

void match_free(struct match *m);                       /* accepts NULL */

struct matcher;

/* Builds the automaton; wl must outlive the matcher. */
struct matcher *matcher_new(const struct watchlists *wl);
void matcher_free(struct matcher *m);                   /* accepts NULL */

/* Matches one item. Returns a new array of struct match * (free with
 * g_ptr_array_unref), empty when nothing matched; at most one match per
 * entry/rule, the best field first (title before summary before content).
 * The matcher keeps reusable buffers: use one matcher per thread. */
GPtrArray *matcher_match_item(struct matcher *m, const struct feed_item *item);

/* What matcher_explain_item found: the matches (as matcher_match_item), every
 * surviving hit of every matched entry, and every hit that was vetoed, with
 * its reason (exclusion, not_in phrase, missing context, letter case). */
struct match_explanation {
	GPtrArray *matches;   /* of struct match *, owned */
	GPtrArray *hits;      /* of struct match *, owned: all counted hits, in text order */
	GPtrArray *vetoes;    /* of struct match *, owned: reason set */
};

struct match_explanation *matcher_explain_item(struct matcher *m, const struct feed_item *item);
void match_explanation_free(struct match_explanation *x);   /* accepts NULL */

/* Size of the automaton, for benchmarks and `check -v`. */
guint matcher_n_patterns(const struct matcher *m);
guint matcher_n_states(const struct matcher *m);

#endif
