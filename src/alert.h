/* alert.h — an alert as data: what dedup hands to the outbox and channels.
 * Every alert can be printed as one JSON object (DESIGN.md "Alert as data"). */
#ifndef NW_ALERT_H
#define NW_ALERT_H

#include <glib.h>
#include <jansson.h>
#include "watchlist.h"

struct alert_source {          /* another outlet that carried the same story */
	char *feed;
	char *title;
	char *link;
};

struct alert {
	gint64 outbox_id;      /* row in the outbox; 0 before it is queued */
	char *feed;            /* feed name from the config */
	char *feed_title;      /* the feed's own title, may be NULL */
	char *title;
	char *link;            /* canonical */
	char *id;              /* item identity key */
	gint64 published;      /* Unix seconds UTC; 0 unknown */
	enum priority priority;
	char *summary;         /* plain text, may be NULL */
	GPtrArray *matches;    /* of struct match * (match.h), owned */
	char *story;           /* story id as text, may be NULL */
	GPtrArray *sources;    /* of struct alert_source *, owned, never NULL */
	char *follow_up;       /* non-NULL for an edit that made new entries match: what is new */
};

struct alert *alert_new(void);
void alert_free(struct alert *a);                       /* accepts NULL */

/* JSON form: feed, title, link, id, published (RFC 3339 UTC or null), priority,
 * matches [{entry, list, term, field, snippet}], story, sources. New reference. */
json_t *alert_to_json(const struct alert *a);
/* Inverse of alert_to_json (the outbox stores alerts as JSON). NULL if malformed. */
struct alert *alert_from_json(json_t *obj);
/* One line of readable text per alert plus indented match lines, for terminals. */
char *alert_to_text(const struct alert *a);

/* RFC 3339 UTC ("2026-11-28T09:30:00Z") for t, or NULL for t == 0. Caller frees. */
char *time_to_rfc3339(gint64 t);

#endif
