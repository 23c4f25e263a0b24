/* store_outbox.h — the deliveries table: one row per alert and channel.
 * Times are Unix seconds. Used by outbox.c and the outbox command only. */
#ifndef NW_STORE_OUTBOX_H
#define NW_STORE_OUTBOX_H

#include <glib.h>
#include "store.h"

struct delivery_row {
	gint64 alert;
	char *channel;
	char *state;            /* "pending", "sent", "failed", "given_up" */
	int attempts;
	gint64 next_try;
	char *last_error;
	gint64 sent_at;         /* 0 = not sent */
	char *held;             /* "quiet", "rate", "digest" or NULL */
	gint64 queued;
	gint64 created;         /* the alert's */
	char *json;             /* the alert's JSON */
};

void delivery_row_free(struct delivery_row *r);          /* accepts NULL */

/* Queues one delivery (inside the caller's transaction). 0 or -1. An existing
 * (alert, channel) row is left alone: an alert is never queued twice. */
int store_delivery_add(struct store *s, gint64 alert, const char *channel, gint64 now,
                       gint64 next_try, const char *held);
/* Pending deliveries of channel due at now (next_try <= now), oldest first, at
 * most limit. Array of struct delivery_row * (free func set), NULL on error. */
GPtrArray *store_deliveries_due(struct store *s, const char *channel, gint64 now, int limit);
/* The earliest next_try of channel's pending deliveries: 0 found, 1 none, -1 error. */
int store_delivery_next(struct store *s, const char *channel, gint64 *next_try);
/* Writes state, attempts, next_try, last_error, sent_at, held, queued of (alert, channel). */
int store_delivery_update(struct store *s, const struct delivery_row *r);
/* Deliveries whose state is in states (NULL-terminated), oldest first. */
GPtrArray *store_deliveries_list(struct store *s, const char *const *states);
/* Failed and given-up deliveries (of channel, or all when NULL) back to pending,
 * due now, with a fresh max-age clock. Returns how many, or -1. */
int store_deliveries_retry(struct store *s, const char *channel, gint64 now);
/* Starts a transaction unless one is already open (the pipeline's): returns
 * 1 when it began one (end it with store_outbox_end), 0 when not, -1 on error. */
int store_outbox_begin(struct store *s);
void store_outbox_end(struct store *s, int began);
/* How many deliveries of channel are pending; -1 on error. */
int store_deliveries_pending(struct store *s, const char *channel);
/* How many deliveries are in state; -1 on error. */
int store_deliveries_count(struct store *s, const char *state);

#endif
