/* outbox.h — every alert reaches its channels, once, at the right time.
 *
 * Routing: [route NAME] sections pick channels by list, entry (or rule),
 * feed and minimum priority; with no [route] at all every channel gets every
 * alert. Each channel may also set min_priority. Deliveries are rows in the
 * state database (store_outbox.h), queued in the same transaction as the
 * item that caused them. Delivery runs on a GLib main context without
 * blocking: one batch in flight per channel, paced (min_interval, the
 * service's own pace, Retry-After), rate-limited (beyond N per window the
 * rest go out as one summary), held in quiet hours (urgent ones excepted)
 * and gathered into digests. Temporary failures retry with exponential
 * backoff and full jitter; permanent ones stop; max_age gives up. The keys
 * are documented in docs/alerts.md. */
#ifndef NW_OUTBOX_H
#define NW_OUTBOX_H

#include <glib.h>
#include "alert.h"
#include "config.h"
#include "store.h"

struct outbox;

/* Reads routes and the channels' outbox keys, opens every channel. Errors
 * as "file:line: message" are appended; NULL when there was any. cfg and
 * store must outlive the outbox; ctx NULL = the default main context. */
struct outbox *outbox_new(const struct config *cfg, struct store *store, GMainContext *ctx,
                          GPtrArray *errors);
/* Closes the channels; deliveries in flight stay pending in the database. */
void outbox_free(struct outbox *ob);                    /* accepts NULL */

/* Queues a->outbox_id (set by store_alert_add) for every routed channel.
 * Call inside the feed's transaction. Returns the number of channels, or -1. */
int outbox_enqueue(struct outbox *ob, const struct alert *a);
/* Starts delivering whatever is due, from an idle callback on the context:
 * never synchronously, so it is safe to call before the commit too. */
void outbox_kick(struct outbox *ob);
/* Nothing in flight and nothing due now (later retries, held alerts and
 * digests do not count). */
gboolean outbox_idle(struct outbox *ob);
/* Iterates the context until outbox_idle(). With wait_ms <= 0 it is one
 * pass: every delivery due when it begins is attempted, and retries that
 * fall due meanwhile wait for the next run. With wait_ms > 0 it also waits,
 * up to wait_ms, for deliveries scheduled later (retries, summaries).
 * Returns how many deliveries are still pending. */
guint outbox_run(struct outbox *ob, int wait_ms);
/* Pending deliveries of configured channels; -1 on error. */
int outbox_pending(struct outbox *ob);

/* Checks [route NAME] sections and the outbox keys of every [channel NAME]
 * (min_priority, rate_limit, quiet_hours, digest, ...) without opening
 * anything. Appends "file:line: message" errors; returns how many. */
int outbox_check_config(const struct config *cfg, GPtrArray *errors);

#endif
