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
	/* Optional: the least time between two sends the destination asks for
	 * (e.g. Slack about one per second); the outbox paces by it. */
	gint64 (*pace_ms)(void *state);
};

const struct channel_type *channel_type_find(const char *name);

/* Keys every type accepts besides its own: read by the outbox (routing shortcut,
 * pacing, quiet hours, digests, retries). Each type's keys list includes them. */
#define CHANNEL_COMMON_KEYS \
	"min_priority", "rate_limit", "quiet_hours", "digest", "digest_at", \
	"min_interval", "retry_base", "retry_max", "max_age"

/* One configured channel: its type and open state. */
struct channel {
	char *name;
	const struct channel_type *type;
	void *state;
};

/* Opens cc with its type's open(); NULL (errors appended) on failure. */
struct channel *channel_open(const struct config *cfg, const struct channel_config *cc,
                             GPtrArray *errors);
void channel_close(struct channel *ch);                  /* accepts NULL */
void channel_deliver(struct channel *ch, struct alert *const *alerts, guint n,
                     const char *batch_title, channel_done_fn done, void *user);

/* Helpers for channel_*.c: "file:line: channel \"NAME\": message" into errors. */
void channel_config_error(GPtrArray *errors, const struct config *cfg,
                          const struct channel_config *cc, const char *key,
                          const char *fmt, ...) G_GNUC_PRINTF(5, 6);
/* The delivery status of a finished libcurl transfer (curl_code a CURLcode,
 * http_status 0 when there was no HTTP answer): fetch_classify's verdict,
 * except that a 1xx/3xx answer is permanent (see channel.c). */
enum delivery_status channel_transfer_status(int curl_code, long http_status);
/* Calls done once with a result built from status and a printf message. */
void channel_finish(channel_done_fn done, void *user, enum delivery_status status,
                    gint64 retry_after, const char *fmt, ...) G_GNUC_PRINTF(5, 6);
/* The entries an alert matched, "A, B" (unique, in order); caller frees. */
char *channel_alert_entries(const struct alert *a);
/* Feed text with control characters (CR, LF, escapes) turned into spaces; caller frees. */
char *channel_clean_text(const char *s);
/* Names of every known type, NULL-terminated, for messages. */
const char *const *channel_type_names(void);

#endif
