/* story.h — item identity, same-story clustering and the "already seen" decision.
 * Runs inside the caller's per-feed transaction. */
#ifndef NW_STORY_H
#define NW_STORY_H

#include <glib.h>
#include "item.h"
#include "store.h"

struct story_options {
	gint64 now;                  /* Unix seconds; tests pin it */
	int backfill_hours;          /* first poll of a feed: older items are recorded, not alerted (default 24) */
	gboolean seed;               /* first poll: record everything, alert nothing (--seed) */
	int window_hours;            /* same-story window (default 48) */
	int realert_sources;         /* alert again when this many outlets carry a story; 0 = off */
	gboolean first_poll;         /* this is the feed's first successful poll */
};

enum story_verdict {
	STORY_NEW,          /* first sighting of a new story: alert if it matched */
	STORY_SEEN,         /* this item was seen before, nothing new: no alert */
	STORY_FOLLOW_UP,    /* seen before, but an edit made new entries match: follow-up alert */
	STORY_SAME_STORY,   /* another outlet's copy of a story already known: recorded as a source */
	STORY_REALERT,      /* a story reached realert_sources outlets: alert again */
	STORY_BACKFILL,     /* old item on a first poll / seed: recorded without alert */
};

struct story_result {
	enum story_verdict verdict;
	gint64 story_id;
	char *key;           /* identity key of the item (caller frees) */
	char *canonical_link;/* caller frees; may be NULL */
	GPtrArray *sources;  /* struct alert_source * of other outlets (alert.h), may be NULL; caller unrefs */
	char *follow_up;     /* for STORY_FOLLOW_UP: which entries are new (caller frees) */
};

void story_result_clear(struct story_result *r);

/* Records one item (matched or not) and decides whether it alerts.
 * matches: the struct match * array from match.h (may be empty).
 * Returns 0, or -1 on a store error (the caller rolls back). */
int story_record_item(struct store *s, const char *feed, const struct feed_item *item,
                      GPtrArray *matches, const struct story_options *opt,
                      struct story_result *out);

#endif
