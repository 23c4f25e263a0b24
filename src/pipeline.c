/* pipeline.c — one feed poll: fetch → parse → match → story → queue.
 *
 * Bytes flow from the fetcher's write callback straight into the push
 * parser, so no feed is held whole. When the transfer ends, every item is
 * matched and recorded, alerts are stored and queued, and the feed's new
 * HTTP validators are written, all in one transaction: a crash can never
 * leave "validators advanced" without "items recorded", nor "item seen"
 * without "alert queued". Alerts are shown only after the commit. */
#include <string.h>

#include "feed.h"
#include "log.h"
#include "pipeline.h"
#include "scheduler.h"
#include "story.h"

struct pipeline {
	const struct config *cfg;
	struct store *store;
	struct matcher *matcher;
	struct fetcher *fetcher;
	struct pipeline_options opt;
	struct pipeline_hooks hooks;
};

struct poll {
	struct pipeline *p;
	const struct feed_config *fc;
	struct feed_parser *parser;
	struct feed_state fs;
	char *url;
	char *host;               /* for the scheduler's per-host slow-down */
	gboolean sink_failed;
};

struct pipeline *
pipeline_new(const struct config *cfg, struct store *store, struct matcher *matcher,
             struct fetcher *fetcher, const struct pipeline_options *opt,
             const struct pipeline_hooks *hooks)
{
	struct pipeline *p = g_new0(struct pipeline, 1);

	p->cfg = cfg;
	p->store = store;
	p->matcher = matcher;
	p->fetcher = fetcher;
	if (opt)
		p->opt = *opt;
	if (hooks)
		p->hooks = *hooks;
	return p;
}

void
pipeline_free(struct pipeline *p)
{
	g_free(p);
}

static gint64
pipeline_now(const struct pipeline *p)
{
	return p->opt.now ? p->opt.now : g_get_real_time() / G_USEC_PER_SEC;
}

static void
poll_free(struct poll *pl)
{
	feed_parser_free(pl->parser);
	feed_state_clear(&pl->fs);
	g_free(pl->url);
	g_free(pl->host);
	g_free(pl);
}

static void
report_done(struct poll *pl, struct poll_report *r)
{
	struct pipeline *p = pl->p;

	r->feed = pl->fc->name;
	if (p->hooks.done)
		p->hooks.done(r, p->hooks.user);
	g_free(r->error);
	poll_free(pl);
}

/* The parser starts once the answer's headers are in: links resolve
 * against the URL the feed really came from, and the HTTP charset counts. */
static int
start(const struct fetch_result *res, void *user)
{
	struct poll *pl = user;

	if (pl->parser == NULL)
		pl->parser = feed_parser_new(res->effective_url ? res->effective_url : pl->url,
		                             res->charset);
	return 0;
}

static int
sink(const char *buf, size_t len, void *user)
{
	struct poll *pl = user;

	if (pl->parser == NULL)
		pl->parser = feed_parser_new(pl->url, NULL);
	if (feed_parser_push(pl->parser, buf, len) < 0) {
		pl->sink_failed = TRUE;
		return -1;
	}
	return 0;
}

static enum priority
best_priority(GPtrArray *matches)
{
	enum priority best = PRIORITY_LOW;

	for (guint i = 0; i < matches->len; i++) {
		const struct match *m = g_ptr_array_index(matches, i);

		if (m->priority > best)
			best = m->priority;
	}
	return best;
}

static struct alert *
alert_build(const struct poll *pl, const struct feed_doc *doc, struct feed_item *it,
            GPtrArray *matches, struct story_result *sr)
{
	struct alert *a = alert_new();

	a->feed = g_strdup(pl->fc->name);
	a->feed_title = g_strdup(doc->title);
	a->title = g_strdup(it->title);
	a->link = g_strdup(sr->canonical_link ? sr->canonical_link : it->link);
	a->id = g_strdup(sr->key);
	a->published = it->published;
	a->summary = g_strdup(it->summary ? it->summary : it->content);
	a->priority = best_priority(matches);
	/* A story many outlets now carry matters more than its first report. */
	if (sr->verdict == STORY_REALERT && a->priority < PRIORITY_URGENT)
		a->priority++;
	if (sr->story_id)
		a->story = g_strdup_printf("%" G_GINT64_FORMAT, sr->story_id);
	a->follow_up = g_strdup(sr->follow_up);
	if (sr->sources) {
		g_ptr_array_extend_and_steal(a->sources, sr->sources);
		sr->sources = NULL;
	}
	/* The alert owns the matches from here on. */
	g_ptr_array_extend_and_steal(a->matches, g_ptr_array_ref(matches));
	return a;
}

static gboolean
verdict_alerts(enum story_verdict v)
{
	return v == STORY_NEW || v == STORY_FOLLOW_UP || v == STORY_REALERT;
}

/* Records every item and queues alerts. Returns 0 or -1 (store error). */
static int
record_items(struct poll *pl, struct feed_doc *doc, GPtrArray *alerts, struct poll_report *r)
{
	struct pipeline *p = pl->p;
	struct story_options so = {
		.now = pipeline_now(p),
		.backfill_hours = p->cfg->backfill_hours,
		.seed = p->opt.seed,
		.window_hours = p->cfg->story_window_hours,
		.realert_sources = p->cfg->realert_sources,
		.first_poll = pl->fs.first_poll == 0,
	};

	for (guint i = 0; i < doc->items->len; i++) {
		struct feed_item *it = g_ptr_array_index(doc->items, i);
		GPtrArray *matches = matcher_match_item(p->matcher, it);
		struct story_result sr = { 0 };
		struct alert *a;
		json_t *j;
		char *text;

		if (story_record_item(p->store, pl->fc->name, it, matches, &so, &sr) < 0) {
			g_ptr_array_unref(matches);
			story_result_clear(&sr);
			return -1;
		}
		switch (sr.verdict) {
		case STORY_SEEN:       r->seen_items++; break;
		case STORY_SAME_STORY: r->same_story++; r->new_items++; break;
		case STORY_BACKFILL:   r->backfilled++; r->new_items++; break;
		default:               r->new_items++; break;
		}
		if (matches->len == 0 || !verdict_alerts(sr.verdict)) {
			g_ptr_array_unref(matches);
			story_result_clear(&sr);
			continue;
		}
		a = alert_build(pl, doc, it, matches, &sr);
		g_ptr_array_unref(matches);
		j = alert_to_json(a);
		text = json_dumps(j, JSON_COMPACT);
		a->outbox_id = store_alert_add(p->store, a->feed, sr.story_id, a->priority, text);
		story_result_clear(&sr);
		free(text);
		json_decref(j);
		if (a->outbox_id < 0 ||
		    (p->hooks.queue && p->hooks.queue(a, p->hooks.user) < 0)) {
			alert_free(a);
			return -1;
		}
		g_ptr_array_add(alerts, a);
	}
	return 0;
}

/* Plans the next poll into pl->fs (next_due, disabled) before it is written. */
static void
plan(struct poll *pl, struct poll_report *r, gint64 now)
{
	struct sched_params sp;

	sched_params_for_feed(&sp, pl->p->cfg, pl->fc);
	r->next_due = sched_next_due(&sp, &pl->fs, r, pl->host, now);
	r->disabled = pl->fs.disabled;
}

static void
fail(struct poll *pl, struct poll_report *r, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* A failed poll advances nothing but the failure bookkeeping. */
static void
fail(struct poll *pl, struct poll_report *r, const char *fmt, ...)
{
	struct pipeline *p = pl->p;
	gint64 now = pipeline_now(p);
	va_list ap;

	va_start(ap, fmt);
	r->error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	log_field(G_LOG_LEVEL_WARNING, "FEED", pl->fc->name, "feed \"%s\": %s", pl->fc->name, r->error);
	if (p->opt.dry_run)
		return;
	pl->fs.last_poll = now;
	g_free(pl->fs.last_error);
	pl->fs.last_error = g_strdup(r->error);
	if (pl->fs.failures++ == 0)
		pl->fs.error_since = now;
	pl->fs.polls++;
	plan(pl, r, now);
	if (store_begin(p->store) == 0) {
		if (store_feed_put(p->store, pl->fc->name, &pl->fs) == 0)
			store_commit(p->store);
		else
			store_rollback(p->store);
	}
}

static void
fetched(const struct fetch_result *res, void *user)
{
	struct poll *pl = user;
	struct pipeline *p = pl->p;
	struct poll_report r = { .outcome = res->outcome, .http_status = res->http_status,
	                         .retry_after = res->retry_after, .ttl_s = res->max_age };
	GPtrArray *alerts = NULL;
	struct feed_doc *doc = NULL;
	char *perr = NULL;
	gint64 now = pipeline_now(p);

	if (res->outcome != FETCH_OK && res->outcome != FETCH_NOT_MODIFIED && !pl->sink_failed) {
		fail(pl, &r, "%s", res->error ? res->error : "fetch failed");
		goto done;
	}
	/* A parser that stopped early (item limit, an HTML page) still says
	 * what it recovered or why it is not a feed. */
	if (res->outcome != FETCH_NOT_MODIFIED) {
		if (pl->parser == NULL)     /* an empty body */
			pl->parser = feed_parser_new(pl->url, NULL);
		doc = feed_parser_finish(pl->parser, &perr);
		if (doc == NULL) {
			/* Often a maintenance page: retry with backoff, never disable. */
			r.outcome = FETCH_TEMPORARY;
			fail(pl, &r, "%s", perr ? perr : "not a feed");
			g_free(perr);
			goto done;
		}
		r.outcome = FETCH_OK;
		doc->ill_formed |= pl->sink_failed;
		r.items = doc->items->len;
		r.ill_formed = doc->ill_formed;
		if (doc->ttl_minutes > 0 && (gint64)doc->ttl_minutes * 60 > r.ttl_s)
			r.ttl_s = (gint64)doc->ttl_minutes * 60;
		/* A feed cut short at a limit is worth a warning; one merely
		 * ill-formed (and recovered) is everyday life on the web. */
		if (doc->ill_formed)
			log_field(pl->sink_failed ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO, "FEED", pl->fc->name,
			          "feed \"%s\": %s, recovered %u items%s%s", pl->fc->name,
			          pl->sink_failed ? "stopped reading at a limit" : "ill-formed",
			          doc->items->len, doc->error ? ": " : "", doc->error ? doc->error : "");
	}
	r.not_modified = res->outcome == FETCH_NOT_MODIFIED;

	alerts = g_ptr_array_new_with_free_func((GDestroyNotify)alert_free);
	if (store_begin(p->store) < 0) {
		fail(pl, &r, "state database %s: %s", store_path(p->store), store_errmsg(p->store));
		goto done;
	}
	if (doc && record_items(pl, doc, alerts, &r) < 0) {
		char *msg = g_strdup(store_errmsg(p->store));

		store_rollback(p->store);
		g_ptr_array_set_size(alerts, 0);
		fail(pl, &r, "state database %s: %s (nothing recorded)", store_path(p->store), msg);
		g_free(msg);
		goto done;
	}
	/* Validators and counters advance in the same transaction as the items. */
	if (pl->fs.first_poll == 0)
		pl->fs.first_poll = now;
	pl->fs.last_poll = pl->fs.last_success = now;
	pl->fs.failures = 0;
	pl->fs.error_since = 0;
	g_clear_pointer(&pl->fs.last_error, g_free);
	pl->fs.polls++;
	if (r.not_modified) {
		pl->fs.not_modified++;
	} else {
		g_free(pl->fs.etag);
		pl->fs.etag = g_strdup(res->etag);
		g_free(pl->fs.last_modified);
		pl->fs.last_modified = g_strdup(res->last_modified);
		pl->fs.ill_formed = r.ill_formed;
		pl->fs.items_total += r.new_items;
	}
	if (res->permanent_url && g_strcmp0(res->permanent_url, pl->url) != 0) {
		log_field(G_LOG_LEVEL_INFO, "FEED", pl->fc->name, "feed \"%s\": moved permanently to %s",
		          pl->fc->name, res->permanent_url);
		g_free(pl->fs.url);
		pl->fs.url = g_strdup(res->permanent_url);
		g_free(pl->fs.moved_from);
		pl->fs.moved_from = g_strdup(pl->fc->url);
	}
	plan(pl, &r, now);
	if (store_feed_put(p->store, pl->fc->name, &pl->fs) < 0 ||
	    (p->opt.dry_run ? (store_rollback(p->store), 0) : store_commit(p->store)) < 0) {
		char *msg = g_strdup(store_errmsg(p->store));

		store_rollback(p->store);
		g_ptr_array_set_size(alerts, 0);
		r.outcome = FETCH_TEMPORARY;
		fail(pl, &r, "state database %s: %s (nothing recorded)", store_path(p->store), msg);
		g_free(msg);
		goto done;
	}
	r.ok = TRUE;
	r.alerts = alerts->len;
	for (guint i = 0; i < alerts->len && p->hooks.alert; i++)
		p->hooks.alert(g_ptr_array_index(alerts, i), p->hooks.user);
done:
	if (alerts)
		g_ptr_array_unref(alerts);
	feed_doc_free(doc);
	report_done(pl, &r);
}

int
pipeline_poll(struct pipeline *p, const struct feed_config *fc)
{
	struct poll *pl = g_new0(struct poll, 1);
	struct fetch_request req = { 0 };
	struct poll_report r = { .outcome = FETCH_TEMPORARY };

	pl->p = p;
	pl->fc = fc;
	pl->host = fetch_url_host(fc->url);
	if (store_feed_get(p->store, fc->name, &pl->fs) < 0) {
		fail(pl, &r, "state database %s: %s", store_path(p->store), store_errmsg(p->store));
		report_done(pl, &r);
		return -1;
	}
	/* A 301 recorded earlier wins, unless the user has since changed the URL. */
	if (pl->fs.url && g_strcmp0(pl->fs.moved_from, fc->url) == 0)
		pl->url = g_strdup(pl->fs.url);
	else
		pl->url = g_strdup(fc->url);
	req.url = pl->url;
	req.etag = pl->fs.etag;
	req.last_modified = pl->fs.last_modified;
	req.allow_file = g_str_has_prefix(fc->url, "file://");
	req.label = fc->name;
	req.start = start;
	req.sink = sink;
	req.done = fetched;
	req.user = pl;
	if (fetcher_add(p->fetcher, &req) < 0) {
		r.outcome = FETCH_PERMANENT;
		fail(pl, &r, "cannot start fetching %s", pl->url);
		report_done(pl, &r);
		return -1;
	}
	return 0;
}
