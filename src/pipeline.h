/* pipeline.h — one feed poll end to end: fetch → parse → match → story →
 * queue, committed in one transaction. Used by `once` and by the daemon. */
#ifndef NW_PIPELINE_H
#define NW_PIPELINE_H

#include <glib.h>
#include "alert.h"
#include "config.h"
#include "fetch.h"
#include "match.h"
#include "store.h"

/* What one poll came to, for summaries, status and the scheduler. */
struct poll_report {
	const char *feed;
	gboolean ok;              /* fetched and parsed (or 304) and committed */
	gboolean not_modified;
	enum fetch_outcome outcome;
	long http_status;         /* 0 when no HTTP answer */
	char *error;              /* NULL when ok */
	guint items;              /* items in the document */
	guint new_items;
	guint seen_items;         /* already known, nothing new */
	guint alerts;             /* alerts produced (committed) */
	guint same_story;         /* recorded as another outlet of a known story */
	guint backfilled;         /* recorded without alerting (first poll, --seed) */
	gboolean ill_formed;
	gint64 retry_after;
	gint64 ttl_s;             /* the feed's or server's polling hint */
	gint64 next_due;          /* Unix s: when the scheduler wants the next poll (committed) */
	gboolean disabled;        /* the scheduler disabled the feed after permanent failures */
};

/* Called inside the feed's transaction for each alert after it is stored
 * (a->outbox_id set): queue deliveries here. Return 0, or -1 to roll back. */
typedef int (*pipeline_queue_fn)(struct alert *a, void *user);
/* Called after the commit, once per committed alert (print it, count it). */
typedef void (*pipeline_alert_fn)(const struct alert *a, void *user);
/* Called once per poll, after the commit or the failure. */
typedef void (*pipeline_done_fn)(const struct poll_report *r, void *user);

struct pipeline_hooks {
	pipeline_queue_fn queue;      /* may be NULL */
	pipeline_alert_fn alert;      /* may be NULL */
	pipeline_done_fn done;        /* may be NULL */
	void *user;
};

struct pipeline_options {
	gboolean dry_run;             /* everything, then roll back: nothing is remembered */
	gboolean seed;                /* record everything, alert nothing */
	gint64 now;                   /* 0 = the real clock */
};

struct pipeline;

/* None of the arguments is owned; all must outlive the pipeline. */
struct pipeline *pipeline_new(const struct config *cfg, struct store *store,
                              struct matcher *matcher, struct fetcher *fetcher,
                              const struct pipeline_options *opt,
                              const struct pipeline_hooks *hooks);
void pipeline_free(struct pipeline *p);     /* accepts NULL; polls in flight are cancelled by the fetcher */

/* Every poll also plans the feed's next one (scheduler.h) and commits it with
 * the feed's state, in the same transaction as the items. */

/* Starts polling one feed; hooks->done runs when it is over. Returns 0, or -1
 * when the poll could not start (done has then been called with the error). */
int pipeline_poll(struct pipeline *p, const struct feed_config *fc);

#endif
