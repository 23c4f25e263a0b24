/* alerts_helpers.h — shared by the channel/outbox tests: real servers on
 * loopback started as child processes, a temporary config + state, alerts. */
#ifndef NW_ALERTS_HELPERS_H
#define NW_ALERTS_HELPERS_H

#include <gio/gio.h>
#include <jansson.h>
#include "alert.h"
#include "config.h"
#include "outbox.h"
#include "store.h"
#include "watchlist.h"

struct tsrv {
	GSubprocess *proc;
	int port;
};

/* Runs /usr/bin/python3 tests/servers/SCRIPT ARGS... and waits for "PORT n". */
struct tsrv *tsrv_start(const char *script, ...) G_GNUC_NULL_TERMINATED;
void tsrv_stop(struct tsrv *s);                      /* accepts NULL */

/* GET/POST url with libcurl (blocking; tests only); returns the body. */
char *th_http(const char *method, const char *url);
/* The contents of dir/name, or NULL when it cannot be read; caller frees. */
char *th_read(const char *dir, const char *name);
/* The webhook receiver's recorded requests (a JSON array, new reference). */
json_t *th_webhook_log(int port);
/* Body of a recorded request, decoded. */
char *th_request_body(json_t *req);

struct alert *th_alert(const char *title, enum priority p, const char *entry, const char *list,
                       const char *snippet);

struct th_env {
	char *dir;
	struct config *cfg;
	struct store *store;
	struct outbox *ob;
};

/* Writes config text (with @DIR@ replaced) to DIR/newswatch.conf, loads it,
 * opens DIR/state.db and an outbox; fails the test on any error. */
struct th_env *th_env_new(const char *config_text);
/* Closes the outbox and opens a new one on the same state (a restart). */
void th_env_restart(struct th_env *e);
void th_env_free(struct th_env *e);
/* Stores and queues alerts in one transaction, like the pipeline does. */
void th_enqueue(struct th_env *e, struct alert **alerts, guint n);
/* Deliveries in state (e.g. "sent") for channel. */
int th_count(struct th_env *e, const char *channel, const char *state);

#endif
