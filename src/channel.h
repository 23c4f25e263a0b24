/* channel.h — one small interface over every kind of alert destination.
 * Each kind lives in channel_<kind>.c and registers itself in channel.c's table. */
#ifndef NW_CHANNEL_H
#define NW_CHANNEL_H

#include <glib.h>
#include "alert.h"
#include "config.h"

struct channel;   /* one configured [channel NAME] */

/* What a delivery attempt came to. */
enum delivery_status {
	DELIVERY_OK,
	DELIVERY_TEMPORARY,   /* retry later (network, 408, 425, 429, 5xx, SMTP 4xx) */
	DELIVERY_PERMANENT,   /* give up (other 4xx, SMTP 5xx, bad config) */
};

struct delivery_result {
	enum delivery_status status;
	char *error;          /* NULL on success; never contains a secret */
	gint64 retry_after;   /* seconds the destination asked us to wait, 0 = none */
};

typedef void (*channel_done_fn)(const struct delivery_result *r, void *user);

struct channel_type {
	const char *name;                    /* "stdout", "desktop", "email", "webhook", ... */
	const char *const *keys;             /* keys allowed in its section besides "type" */
	/* Reads and checks the section; errors as "file:line: message". NULL on error. */
	void *(*open)(const struct config *cfg, const struct channel_config *cc, GPtrArray *errors);
	void (*close)(void *state);
	/* Delivers a batch (1 alert, or several for digests and summaries) without
	 * blocking the loop; calls done exactly once, possibly before returning. */
	void (*deliver)(void *state, struct alert *const *alerts, guint n, const char *batch_title,
	                channel_done_fn done, void *user);
};

const struct channel_type *channel_type_find(const char *name);
/* Names of every known type, NULL-terminated, for messages. */
const char *const *channel_type_names(void);

#endif
