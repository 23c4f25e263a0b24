/* story.c — item identity, same-story clustering and the "already seen" decision.
 * The rules are documented in docs/state.md; in short:
 *   identity: feed + id while the feed's ids are trusted, else the canonical
 *   link, else a hash of title and date;
 *   an item is accounted for the entries it matched: an edit alerts again only
 *   for entries it newly matches (a follow-up);
 *   a matching item joins a story of the window by canonical link or by a
 *   near-duplicate title; a story alerts once per entry. */
#include <string.h>

#include "story.h"
#include "alert.h"
#include "match.h"
#include "simhash.h"
#include "url.h"

/* Known links under new ids this many times: the feed's ids are not identities. */
#define ID_CHANGES_UNTRUSTED 3

void
story_result_clear(struct story_result *r)
{
	g_free(r->key);
	g_free(r->canonical_link);
	if (r->sources)
		g_ptr_array_unref(r->sources);
	g_free(r->follow_up);
	memset(r, 0, sizeof(*r));
}

/* --- entry sets: sorted, unique, "\n"-joined (NULL = empty) --------------- */

static int
cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *
set_from_matches(GPtrArray *matches)
{
	GPtrArray *names = g_ptr_array_new();
	char *out;

	for (guint i = 0; matches && i < matches->len; i++) {
		const struct match *m = g_ptr_array_index(matches, i);

		if (m->entry && m->entry[0] && strchr(m->entry, '\n') == NULL)
			g_ptr_array_add(names, m->entry);
	}
	g_ptr_array_sort(names, cmp_strp);
	out = NULL;
	if (names->len) {
		GString *s = g_string_new(NULL);
		const char *prev = NULL;

		for (guint i = 0; i < names->len; i++) {
			const char *n = g_ptr_array_index(names, i);

			if (prev && strcmp(prev, n) == 0)
				continue;
			if (s->len)
				g_string_append_c(s, '\n');
			g_string_append(s, n);
			prev = n;
		}
		out = g_string_free(s, FALSE);
	}
	g_ptr_array_unref(names);
	return out;
}

static gboolean
set_has(const char *set, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = set; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && memcmp(p, name, n) == 0)
			return TRUE;
		p = nl ? nl + 1 : p + len;
	}
	return FALSE;
}

/* Names in a but not in b, joined with sep; NULL when none. */
static char *
set_minus(const char *a, const char *b, const char *sep)
{
	char **names;
	GString *s;

	if (a == NULL)
		return NULL;
	names = g_strsplit(a, "\n", -1);
	s = g_string_new(NULL);
	for (char **n = names; *n; n++) {
		if (set_has(b, *n))
			continue;
		if (s->len)
			g_string_append(s, sep);
		g_string_append(s, *n);
	}
	g_strfreev(names);
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

static char *
set_union(const char *a, const char *b)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	char **pa = g_strsplit(a ? a : "", "\n", -1), **pb = g_strsplit(b ? b : "", "\n", -1);
	char *out = NULL;

	for (char **n = pa; *n; n++)
		if (**n)
			g_ptr_array_add(names, g_strdup(*n));
	for (char **n = pb; *n; n++)
		if (**n && !set_has(a, *n))
			g_ptr_array_add(names, g_strdup(*n));
	g_ptr_array_sort(names, cmp_strp);
	for (guint i = 0; i < names->len; i++) {
		char *t = out ? g_strconcat(out, "\n", g_ptr_array_index(names, i), NULL)
		              : g_strdup(g_ptr_array_index(names, i));

		g_free(out);
		out = t;
	}
	g_strfreev(pa);
	g_strfreev(pb);
	g_ptr_array_unref(names);
	return out;
}

/* --- identity ------------------------------------------------------------ */

enum key_kind { KEY_ID, KEY_LINK, KEY_HASH };

/* The identity key: "id:…", "link:…" or "hash:…". */
static char *
identity_key(const struct feed_item *it, const char *canon, gboolean ids_untrusted,
             enum key_kind *kind)
{
	char *id = it->id ? g_strstrip(g_strdup(it->id)) : NULL;
	char *key = NULL;

	if (id && id[0] && !ids_untrusted) {
		*kind = KEY_ID;
		key = g_strconcat("id:", id, NULL);
	} else if (canon || (it->link && it->link[0])) {
		*kind = KEY_LINK;
		key = g_strconcat("link:", canon ? canon : it->link, NULL);
	} else if (id && id[0]) {
		/* Distrusted ids and no link: the id is still better than nothing. */
		*kind = KEY_ID;
		key = g_strconcat("id:", id, NULL);
	} else {
		GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
		char **words = title_words(it->title);
		char *norm = g_strjoinv(" ", words);
		char date[32];

		g_snprintf(date, sizeof(date), "\n%" G_GINT64_FORMAT "\n",
		           it->published ? it->published : it->updated);
		g_checksum_update(ck, (const guchar *)norm, -1);
		g_checksum_update(ck, (const guchar *)date, -1);
		/* Neither title nor date: the text is all there is. */
		if (norm[0] == '\0' && date[1] == '0') {
			const char *text = it->summary ? it->summary : it->content;

			if (text)
				g_checksum_update(ck, (const guchar *)text, -1);
		}
		*kind = KEY_HASH;
		key = g_strdup_printf("hash:%.32s", g_checksum_get_string(ck));
		g_checksum_free(ck);
		g_free(norm);
		g_strfreev(words);
	}
	g_free(id);
	return key;
}

/* Story links ignore the scheme: outlets link http and https alike. */
static gint64
story_link_hash(const char *canon)
{
	const char *p;

	if (canon == NULL)
		return 0;
	p = strstr(canon, "://");
	return store_item_hash(0, p ? p + 3 : canon);
}

/* A story of the window with the same link or (title != NULL) a near-duplicate
 * title. Items that match nothing look by link only: comparing every item's
 * title with every story would cost time and fill sources with near misses. */
static int
find_story(struct store *s, const char *canon, const char *title, const struct story_options *opt,
           struct story_row *story)
{
	gint64 since = opt->now - (gint64)(opt->window_hours > 0 ? opt->window_hours : 48) * 3600;
	guint64 h;
	int rc = 1;

	if (canon)
		rc = store_story_by_link(s, story_link_hash(canon), since, story);
	if (rc == 1 && title && (h = simhash_title(title)) != 0)
		rc = store_story_by_simhash(s, h, SIMHASH_SAME_STORY, since, story);
	return rc;
}

static gboolean
is_backfill(const struct feed_item *it, const struct story_options *opt)
{
	gint64 date = it->published ? it->published : it->updated;
	int hours = opt->backfill_hours;

	if (opt->seed)
		return TRUE;
	/* backfill_hours = 0: the user wants even a first poll's old items. */
	if (!opt->first_poll || hours <= 0)
		return FALSE;
	/* An undated item on a first poll cannot be shown to be new. */
	return date == 0 || date < opt->now - (gint64)hours * 3600;
}

static char *
comma_list(const char *set)
{
	char **names = g_strsplit(set, "\n", -1);
	char *out = g_strjoinv(", ", names);

	g_strfreev(names);
	return out;
}

int
story_record_item(struct store *s, const char *feed, const struct feed_item *it,
                  GPtrArray *matches, const struct story_options *opt,
                  struct story_result *out)
{
	struct item_row row = { 0 };
	struct story_row story = { 0 };
	gint64 feed_id, link_id = 0;
	gboolean untrusted, found = FALSE, have_story = FALSE, backfill;
	enum key_kind kind;
	char *entries = NULL, *fresh = NULL;
	int day = (int)(opt->now / 86400), rc = -1, r;

	memset(out, 0, sizeof(*out));
	if (store_feed_ref(s, feed, &feed_id, &untrusted) < 0)
		return -1;
	out->canonical_link = url_canonical(it->link);
	out->key = identity_key(it, out->canonical_link, untrusted, &kind);
	row.id = store_item_hash(feed_id, out->key);
	if (out->canonical_link) {
		char *lk = g_strconcat("link:", out->canonical_link, NULL);

		link_id = store_item_hash(feed_id, lk);
		g_free(lk);
	}
	entries = set_from_matches(matches);

	r = store_item_get(s, row.id, &row);
	if (r < 0)
		goto done;
	if (r == 0 && kind == KEY_ID && link_id && store_tx_note_item(s, row.id, FALSE)) {
		/* The same id twice in one document: an entry repeated, or an id the
		 * feed gives to several items (some CMSs use one for all). The link
		 * tells them apart; a different one is another item. */
		struct item_row other = { 0 };
		int q = store_item_get_by_link(s, link_id, &other);
		gboolean same = q == 0 && other.id == row.id;

		item_row_clear(&other);
		if (q < 0)
			goto done;
		if (!same) {
			if (store_feed_id_changed(s, feed_id, ID_CHANGES_UNTRUSTED) < 0)
				goto done;
			g_free(out->key);
			out->key = g_strconcat("link:", out->canonical_link, NULL);
			kind = KEY_LINK;
			item_row_clear(&row);
			row.id = link_id;
			r = store_item_get(s, link_id, &row);
			if (r < 0)
				goto done;
		}
	}
	if (r == 1 && link_id && row.id != link_id) {
		/* Not known by this id, but maybe by its link: under a new id, or known
		 * by link since the feed's ids were distrusted. */
		r = store_item_get_by_link(s, link_id, &row);
		if (r == 1)
			r = store_item_get(s, link_id, &row);
		if (r < 0)
			goto done;
		if (r == 0 && kind == KEY_ID) {
			int d = store_feed_id_changed(s, feed_id, ID_CHANGES_UNTRUSTED);

			if (d < 0)
				goto done;
			if (d == 1 && store_item_get(s, link_id, &row) < 0)
				goto done;
		}
	}
	found = r == 0;
	if (!found) {
		row.id = store_item_hash(feed_id, out->key);
		row.story = 0;
	}

	if (found) {
		if (row.seen_day != day &&
		    store_item_touch(s, row.id, kind == KEY_ID ? link_id : 0, day) < 0)
			goto done;
		out->story_id = row.story;
		fresh = set_minus(entries, row.entries, "\n");
		if (fresh == NULL) {
			out->verdict = STORY_SEEN;
			rc = 0;
			goto done;
		}
		if (row.entries) {
			/* An edit made new entries match: one follow-up naming them. */
			char *all = set_union(row.entries, fresh);

			g_free(row.entries);
			row.entries = all;
			row.seen_day = day;
			if (store_item_put(s, feed_id, &row, kind == KEY_ID ? link_id : 0) < 0)
				goto done;
			if (row.story && store_story_get(s, row.story, &story) == 0) {
				char *se = set_union(story.entries, fresh);

				g_free(story.entries);
				story.entries = se;
				if (store_story_update(s, &story) < 0)
					goto done;
				out->sources = store_story_sources(s, row.story, row.id);
			}
			if (opt->seed) {
				out->verdict = STORY_BACKFILL;
			} else {
				out->verdict = STORY_FOLLOW_UP;
				out->follow_up = comma_list(fresh);
			}
			rc = 0;
			goto done;
		}
		/* Known, but matched nothing until now: a first sighting for alerting. */
	}

	backfill = is_backfill(it, opt);
	row.seen_day = day;
	g_free(row.entries);
	row.entries = g_strdup(entries);
	if (row.story && (r = store_story_get(s, row.story, &story)) < 0)
		goto done;
	have_story = row.story && r == 0;
	if (!have_story) {
		story_row_clear(&story);
		r = find_story(s, out->canonical_link, entries ? it->title : NULL, opt, &story);
		if (r < 0)
			goto done;
		have_story = r == 0;
	}

	if (!have_story && entries) {
		/* The first matching item of some news founds its story. Backfilled
		 * ones alert nothing, so their entries are not the story's. */
		gint64 id = store_story_add(s, opt->now, story_link_hash(out->canonical_link),
		                            simhash_title(it->title), backfill ? NULL : entries);

		if (id < 0)
			goto done;
		row.story = id;
		if (store_item_put(s, feed_id, &row, kind == KEY_ID ? link_id : 0) < 0 ||
		    store_source_add(s, id, feed_id, row.id, opt->now, it->title,
		                     out->canonical_link ? out->canonical_link : it->link) < 0)
			goto done;
		out->story_id = id;
		out->verdict = backfill ? STORY_BACKFILL : STORY_NEW;
		rc = 0;
		goto done;
	}
	if (!have_story) {
		/* Matched nothing and belongs to no story: an identity, nothing more. */
		if (store_item_put(s, feed_id, &row, kind == KEY_ID ? link_id : 0) < 0)
			goto done;
		out->verdict = backfill ? STORY_BACKFILL : STORY_NEW;
		rc = 0;
		goto done;
	}

	/* Another copy of a known story. */
	row.story = story.id;
	out->story_id = story.id;
	if (store_item_put(s, feed_id, &row, kind == KEY_ID ? link_id : 0) < 0 ||
	    store_source_add(s, story.id, feed_id, row.id, opt->now, it->title,
	                     out->canonical_link ? out->canonical_link : it->link) < 0)
		goto done;
	out->sources = store_story_sources(s, story.id, row.id);
	if (out->sources == NULL)
		goto done;
	g_free(fresh);
	fresh = set_minus(entries, story.entries, "\n");
	if (backfill) {
		out->verdict = STORY_BACKFILL;
	} else if (fresh) {
		int outlets = store_story_outlets(s, story.id);
		char *se = set_union(story.entries, fresh);

		if (outlets < 0) {
			g_free(se);
			goto done;
		}
		out->verdict = story.entries ? STORY_FOLLOW_UP : STORY_NEW;
		if (story.entries)
			out->follow_up = comma_list(fresh);
		g_free(story.entries);
		story.entries = se;
		if (opt->realert_sources > 0 && outlets >= opt->realert_sources)
			story.realerted = TRUE;
		if (store_story_update(s, &story) < 0)
			goto done;
	} else if (entries && opt->realert_sources > 0 && !story.realerted) {
		int outlets = store_story_outlets(s, story.id);

		if (outlets < 0)
			goto done;
		if (outlets >= opt->realert_sources) {
			story.realerted = TRUE;
			if (store_story_update(s, &story) < 0)
				goto done;
			out->verdict = STORY_REALERT;
		} else {
			out->verdict = STORY_SAME_STORY;
		}
	} else {
		out->verdict = STORY_SAME_STORY;
	}
	rc = 0;
done:
	if (rc == 0)
		store_tx_note_item(s, row.id, TRUE);
	g_free(entries);
	g_free(fresh);
	item_row_clear(&row);
	story_row_clear(&story);
	return rc;
}
