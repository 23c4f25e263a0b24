/* match.c — the matcher: every alias, exclusion, not_in phrase, context word
 * and rule phrase of every entry goes into one Aho-Corasick automaton over
 * folded text, so an item costs one fold and one scan per field whatever
 * the size of the watchlists. Each pattern knows its "uses" (which entry
 * wants it and as what). Hits are checked for word boundaries at both ends,
 * exact-case aliases against the original text, and then, per touched
 * entry only, exclusions, not_in phrases and context windows veto what they
 * must. Rules are evaluated only when one of their terms was touched.
 * Nothing in the per-item path allocates except the results. */
#include <string.h>
#include "match.h"
#include "fold.h"
#include "ahocorasick.h"

enum use_kind { U_ALIAS, U_EXCLUDE, U_NOT_IN, U_CONTEXT, U_PHRASE };
enum { USE_EXACT = 1, USE_PREFIX = 2 };
enum { PAT_START_WORD = 1, PAT_END_WORD = 2, PAT_AUX = 4 };
enum hit_state { HIT_OK, HIT_CASE, HIT_EXCLUDED, HIT_NOT_IN, HIT_NO_CONTEXT };

#define NO_USE G_MAXUINT32
#define SNIPPET_CONTEXT 60

struct use {
	guint32 group;          /* entry index, or n_entries + phrase index */
	guint32 index;          /* which alias / exclude / not_in / context of the entry */
	guint8 kind;
	guint8 flags;
};

/* A quoted phrase in a rule expression: a group of its own. */
struct phrase {
	const struct wl_expr *node;
	guint32 rule;
};

/* An exclusion, not_in phrase or context word of one entry. These are
 * recorded once per occurrence in the text, not once per entry that wants
 * them ("minister" may be a context word of a thousand entries), and only
 * looked at for entries that have an alias hit. */
struct aux_ref {
	guint32 pattern;
	guint32 index;          /* into the entry's exclude / not_in / context */
	guint8 kind;
};

struct aux_hit {
	guint32 pattern;
	guint32 start, end;     /* folded offsets */
	guint32 next;           /* the pattern's next occurrence, NO_USE = none */
	guint8 field;
};

struct hit {
	guint32 group;
	guint32 use;            /* NO_USE for a regex hit */
	guint32 start, end;     /* folded offsets in the field */
	guint32 ostart, oend;   /* original offsets in the field */
	guint32 veto;           /* HIT_EXCLUDED / HIT_NOT_IN: the vetoing aux hit */
	guint32 veto_ref;       /* ... and the entry's aux_ref it answers to */
	guint8 field;
	guint8 kind;
	guint8 state;
};

struct group_state {
	guint32 gen;            /* item generation that last touched the group */
	guint32 first, n;       /* its hits, after sorting */
	gboolean present;       /* has a counted hit */
};

struct field_text {
	const char *orig;       /* the item's text (or m->cats) */
	gsize olen;
	struct fold fold;
};

struct matcher {
	const struct watchlists *wl;
	guint n_entries;
	guint n_groups;
	struct ac *ac;
	guint32 *use_first;     /* per pattern: range into uses (n_patterns + 1) */
	struct use *uses;
	guint8 *pat_flags;
	guint *group_fields;    /* enum wl_field bits per group */
	GArray *phrases;        /* of struct phrase */
	GHashTable *phrase_of;  /* const struct wl_expr * -> phrase index + 1 */
	guint32 *group_rules_first;  /* per group: range into group_rules (n_groups + 1) */
	guint32 *group_rules;
	GArray *regex_entries;  /* guint: entries with regexes (the slow path) */
	guint32 *entry_aux_first;    /* per entry: range into entry_aux (n_entries + 1) */
	struct aux_ref *entry_aux;

	/* per-item scratch, reused */
	guint32 gen;
	struct group_state *gs;
	guint32 *rule_gen;
	GArray *hits;           /* of struct hit */
	GArray *aux_hits;       /* of struct aux_hit, in text order */
	guint32 *aux_gen;       /* per pattern: item generation of aux_head/aux_tail */
	guint32 *aux_head;      /* per pattern: its first and last occurrence in aux_hits, */
	guint32 *aux_tail;      /* chained through next (text order, no sorting) */
	GArray *hit_tmp;        /* scratch for sorting hits */
	GArray *touched;        /* guint32 groups in first-touch order */
	GArray *near_a, *near_b;/* guint32 hit indexes */
	GString *cats;
	struct field_text ft[WL_N_FIELDS];
	gboolean explaining;
};

struct scan {
	struct matcher *m;
	guint8 field;
	struct field_text *ft;
};

void
match_free(struct match *m)
{
	if (m == NULL)
		return;
	g_free(m->entry);
	g_free(m->list);
	g_free(m->term);
	g_free(m->field);
	g_free(m->snippet);
	g_free(m->reason);
	g_free(m);
}

/* --- build ----------------------------------------------------------- */

struct pending_use {
	guint32 pattern;
	struct use use;
};

struct build {
	struct ac_builder *ac;
	GArray *pending;        /* of struct pending_use */
	GArray *flags;          /* guint8 per pattern */
	GArray *aux;            /* of struct aux_ref */
	struct fold fold;       /* one buffer for every pattern */
};

static void
add_pattern(struct build *b, const char *text, struct use u)
{
	const char *f = fold_run(&b->fold, text, -1);
	gsize len = b->fold.text->len;
	guint32 pattern;
	guint8 *flags;

	if (len == 0)
		return;
	pattern = ac_builder_add(b->ac, f, len);
	if (pattern >= b->flags->len)
		g_array_set_size(b->flags, pattern + 1);
	flags = &g_array_index(b->flags, guint8, pattern);
	/* Boundaries only bind at ends that are word characters: an alias
	 * "#ukraine" may follow anything. */
	*flags |= (fold_word_at(f, len, 0) ? PAT_START_WORD : 0) |
	          (fold_word_before(f, len) ? PAT_END_WORD : 0);
	if (u.kind == U_EXCLUDE || u.kind == U_NOT_IN || u.kind == U_CONTEXT) {
		struct aux_ref r = { pattern, u.index, u.kind };
		*flags |= PAT_AUX;
		g_array_append_val(b->aux, r);
		return;
	}
	struct pending_use p = { pattern, u };
	g_array_append_val(b->pending, p);
}

static int
cmp_pending(const void *a, const void *b)
{
	const struct pending_use *x = a, *y = b;

	if (x->pattern != y->pattern)
		return x->pattern < y->pattern ? -1 : 1;
	if (x->use.group != y->use.group)
		return x->use.group < y->use.group ? -1 : 1;
	return x->use.kind - y->use.kind;
}

static void
collect_phrases(struct matcher *m, const struct wl_expr *x, guint32 rule)
{
	if (x == NULL)
		return;
	if (x->op == WL_EXPR_PHRASE) {
		struct phrase p = { x, rule };
		g_array_append_val(m->phrases, p);
		g_hash_table_insert(m->phrase_of, (gpointer)x, GUINT_TO_POINTER(m->phrases->len));
	}
	collect_phrases(m, x->a, rule);
	collect_phrases(m, x->b, rule);
}

/* Every group a rule mentions, so touching it wakes the rule. */
static void
rule_groups(struct matcher *m, const struct wl_expr *x, GArray *pairs, guint32 rule)
{
	guint32 pair[2];

	if (x == NULL)
		return;
	if (x->op == WL_EXPR_ENTRY || x->op == WL_EXPR_PHRASE) {
		pair[0] = x->op == WL_EXPR_ENTRY ? x->entry :
		          m->n_entries + GPOINTER_TO_UINT(g_hash_table_lookup(m->phrase_of, x)) - 1;
		pair[1] = rule;
		g_array_append_vals(pairs, pair, 1);
	}
	rule_groups(m, x->a, pairs, rule);
	rule_groups(m, x->b, pairs, rule);
}

static int
cmp_pair(const void *a, const void *b)
{
	const guint32 *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

struct matcher *
matcher_new(const struct watchlists *wl)
{
	struct matcher *m = g_new0(struct matcher, 1);
	struct build bb = {
		ac_builder_new(),
		g_array_new(FALSE, FALSE, sizeof(struct pending_use)),
		g_array_new(FALSE, TRUE, sizeof(guint8)),
		g_array_new(FALSE, FALSE, sizeof(struct aux_ref)),
		{ 0 },
	};
	struct build *b = &bb;
	GArray *pending = bb.pending;
	guint n_rules = watchlists_n_rules(wl);

	m->wl = wl;
	m->n_entries = watchlists_n_entries(wl);
	m->phrases = g_array_new(FALSE, FALSE, sizeof(struct phrase));
	m->phrase_of = g_hash_table_new(NULL, NULL);
	m->regex_entries = g_array_new(FALSE, FALSE, sizeof(guint));
	for (guint r = 0; r < n_rules; r++)
		collect_phrases(m, watchlists_rule(wl, r)->expr, r);
	m->n_groups = m->n_entries + m->phrases->len;
	m->group_fields = g_new0(guint, m->n_groups + 1);
	m->entry_aux_first = g_new0(guint32, m->n_entries + 1);
	fold_init(&b->fold);
	/* Hits that start inside a word never count (see on_hit), so the
	 * automaton need not find them. */
	ac_builder_set_words(b->ac, TRUE);

	for (guint i = 0; i < m->n_entries; i++) {
		const struct wl_entry *e = watchlists_entry(wl, i);
		struct use u = { i, 0, U_ALIAS, 0 };
		m->entry_aux_first[i] = b->aux->len;
		m->group_fields[i] = e->fields;
		for (guint j = 0; j < e->aliases->len; j++) {
			const struct wl_alias *a = g_ptr_array_index(e->aliases, j);
			u.index = j;
			u.flags = (a->exact ? USE_EXACT : 0) | (a->prefix ? USE_PREFIX : 0);
			add_pattern(b, a->text, u);
		}
		u.flags = 0;
		u.kind = U_EXCLUDE;
		for (guint j = 0; e->exclude[j]; j++) {
			u.index = j;
			add_pattern(b, e->exclude[j], u);
		}
		u.kind = U_NOT_IN;
		for (guint j = 0; e->not_in[j]; j++) {
			u.index = j;
			add_pattern(b, e->not_in[j], u);
		}
		u.kind = U_CONTEXT;
		for (guint j = 0; e->context[j]; j++) {
			u.index = j;
			add_pattern(b, e->context[j], u);
		}
		if (e->regex->len)
			g_array_append_val(m->regex_entries, i);
	}
	m->entry_aux_first[m->n_entries] = b->aux->len;
	m->entry_aux = (struct aux_ref *)(void *)g_array_free(b->aux, FALSE);

	for (guint p = 0; p < m->phrases->len; p++) {
		const struct phrase *ph = &g_array_index(m->phrases, struct phrase, p);
		struct use u = { m->n_entries + p, 0, U_PHRASE, 0 };
		m->group_fields[m->n_entries + p] = watchlists_rule(wl, ph->rule)->fields;
		add_pattern(b, ph->node->phrase, u);
	}

	fold_clear(&b->fold);
	m->ac = ac_build(b->ac);
	guint np = ac_n_patterns(m->ac);

	/* Uses, grouped by pattern (CSR). */
	g_array_sort(pending, cmp_pending);
	m->use_first = g_new0(guint32, np + 1);
	m->uses = g_new(struct use, pending->len ? pending->len : 1);
	for (guint i = 0; i < pending->len; i++) {
		const struct pending_use *p = &g_array_index(pending, struct pending_use, i);
		m->uses[i] = p->use;
		m->use_first[p->pattern + 1]++;
	}
	for (guint i = 0; i < np; i++)
		m->use_first[i + 1] += m->use_first[i];
	g_array_free(pending, TRUE);

	g_array_set_size(b->flags, np + 1);
	m->pat_flags = (guint8 *)(void *)g_array_free(b->flags, FALSE);

	/* Rules woken by each group (CSR). */
	GArray *pairs = g_array_new(FALSE, FALSE, sizeof(guint32) * 2);
	for (guint r = 0; r < n_rules; r++)
		rule_groups(m, watchlists_rule(wl, r)->expr, pairs, r);
	g_array_sort(pairs, cmp_pair);
	m->group_rules_first = g_new0(guint32, m->n_groups + 1);
	m->group_rules = g_new(guint32, pairs->len ? pairs->len : 1);
	guint nr = 0;
	for (guint i = 0; i < pairs->len; i++) {
		const guint32 *p = (const guint32 *)(void *)(pairs->data + i * 2 * sizeof(guint32));
		if (i > 0) {
			const guint32 *q = p - 2;
			if (q[0] == p[0] && q[1] == p[1])
				continue;
		}
		m->group_rules[nr++] = p[1];
		m->group_rules_first[p[0] + 1]++;
	}
	for (guint i = 0; i < m->n_groups; i++)
		m->group_rules_first[i + 1] += m->group_rules_first[i];
	g_array_free(pairs, TRUE);

	m->gs = g_new0(struct group_state, m->n_groups + 1);
	m->rule_gen = g_new0(guint32, n_rules + 1);
	m->hits = g_array_sized_new(FALSE, FALSE, sizeof(struct hit), 64);
	m->aux_hits = g_array_sized_new(FALSE, FALSE, sizeof(struct aux_hit), 64);
	m->aux_gen = g_new0(guint32, np + 1);
	m->aux_head = g_new0(guint32, np + 1);
	m->aux_tail = g_new0(guint32, np + 1);
	m->hit_tmp = g_array_new(FALSE, FALSE, sizeof(struct hit));
	m->touched = g_array_sized_new(FALSE, FALSE, sizeof(guint32), 64);
	m->near_a = g_array_new(FALSE, FALSE, sizeof(guint32));
	m->near_b = g_array_new(FALSE, FALSE, sizeof(guint32));
	m->cats = g_string_sized_new(128);
	for (int f = 0; f < WL_N_FIELDS; f++)
		fold_init(&m->ft[f].fold);
	return m;
}

void
matcher_free(struct matcher *m)
{
	if (m == NULL)
		return;
	ac_free(m->ac);
	g_free(m->use_first);
	g_free(m->uses);
	g_free(m->pat_flags);
	g_free(m->group_fields);
	g_array_free(m->phrases, TRUE);
	g_hash_table_destroy(m->phrase_of);
	g_free(m->group_rules_first);
	g_free(m->group_rules);
	g_array_free(m->regex_entries, TRUE);
	g_free(m->gs);
	g_free(m->rule_gen);
	g_array_free(m->hits, TRUE);
	g_array_free(m->aux_hits, TRUE);
	g_free(m->aux_gen);
	g_free(m->aux_head);
	g_free(m->aux_tail);
	g_array_free(m->hit_tmp, TRUE);
	g_free(m->entry_aux_first);
	g_free(m->entry_aux);
	g_array_free(m->touched, TRUE);
	g_array_free(m->near_a, TRUE);
	g_array_free(m->near_b, TRUE);
	g_string_free(m->cats, TRUE);
	for (int f = 0; f < WL_N_FIELDS; f++)
		fold_clear(&m->ft[f].fold);
	g_free(m);
}

guint
matcher_n_patterns(const struct matcher *m)
{
	return ac_n_patterns(m->ac);
}

guint
matcher_n_states(const struct matcher *m)
{
	return ac_n_states(m->ac);
}

/* --- scanning -------------------------------------------------------- */

static gboolean
is_spacey(gunichar c)
{
	return c == '-' || g_unichar_isspace(c) || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 ||
	       g_unichar_type(c) == G_UNICODE_SPACE_SEPARATOR;
}

static gboolean
is_ignorable(gunichar c)
{
	GUnicodeType t = g_unichar_type(c);

	return t == G_UNICODE_NON_SPACING_MARK || t == G_UNICODE_SPACING_MARK ||
	       t == G_UNICODE_ENCLOSING_MARK || c == 0x00AD || (c >= 0x200B && c <= 0x200D) ||
	       c == 0xFEFF || c == 0x2060;
}

static gunichar
base_char(gunichar c)
{
	gunichar d[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];

	if (c < 0x80)
		return c;
	if (g_unichar_fully_decompose(c, TRUE, d, G_N_ELEMENTS(d)) > 0)
		return d[0];
	return c;
}

/* Does the original text say exactly what the alias says (letter case
 * included)? Accents, and spaces versus hyphens, still do not matter. */
static gboolean
exact_equal(const char *s, gsize slen, const char *alias)
{
	const char *p = s, *pe = s + slen, *q = alias;

	for (;;) {
		while (p < pe && is_ignorable(g_utf8_get_char(p)))
			p = g_utf8_next_char(p);
		while (*q && is_ignorable(g_utf8_get_char(q)))
			q = g_utf8_next_char(q);
		if (p >= pe || *q == '\0')
			return p >= pe && *q == '\0';
		gunichar a = g_utf8_get_char(p), b = g_utf8_get_char(q);
		if (is_spacey(a) && is_spacey(b)) {
			while (p < pe && is_spacey(g_utf8_get_char(p)))
				p = g_utf8_next_char(p);
			while (*q && is_spacey(g_utf8_get_char(q)))
				q = g_utf8_next_char(q);
			continue;
		}
		if (base_char(a) != base_char(b))
			return FALSE;
		p = g_utf8_next_char(p);
		q = g_utf8_next_char(q);
	}
}

static void
touch(struct matcher *m, guint32 group)
{
	struct group_state *g = &m->gs[group];

	if (g->gen == m->gen)
		return;
	g->gen = m->gen;
	g->present = FALSE;
	g->n = 0;
	g_array_append_val(m->touched, group);
}

static const struct wl_alias *
use_alias(const struct matcher *m, const struct use *u)
{
	const struct wl_entry *e = watchlists_entry(m->wl, u->group);

	return g_ptr_array_index(e->aliases, u->index);
}

static void
on_hit(guint32 pattern, gsize end, void *user)
{
	struct scan *sc = user;
	struct matcher *m = sc->m;
	const struct fold *f = &sc->ft->fold;
	const char *text = f->text->str;
	gsize start = end - ac_pattern_len(m->ac, pattern);
	guint8 pf = m->pat_flags[pattern];
	guint fbit = 1u << sc->field;
	gsize os = 0, oe = 0;
	gboolean have_orig = FALSE;

	if ((pf & PAT_START_WORD) && fold_word_before(text, start))
		return;
	gboolean end_ok = !(pf & PAT_END_WORD) || !fold_word_at(text, f->text->len, end);
	if ((pf & PAT_AUX) && end_ok) {
		struct aux_hit a = { pattern, (guint32)start, (guint32)end, NO_USE, sc->field };
		guint32 k = m->aux_hits->len;
		g_array_append_val(m->aux_hits, a);
		if (m->aux_gen[pattern] != m->gen) {
			m->aux_gen[pattern] = m->gen;
			m->aux_head[pattern] = k;
		} else {
			g_array_index(m->aux_hits, struct aux_hit, m->aux_tail[pattern]).next = k;
		}
		m->aux_tail[pattern] = k;
	}
	for (guint32 i = m->use_first[pattern]; i < m->use_first[pattern + 1]; i++) {
		const struct use *u = &m->uses[i];
		struct hit h;
		if (!(m->group_fields[u->group] & fbit))
			continue;
		if (!end_ok && !(u->flags & USE_PREFIX))
			continue;
		if (!have_orig) {
			fold_orig_range(f, sc->ft->orig, start, end, &os, &oe);
			have_orig = TRUE;
		}
		h.state = HIT_OK;
		if ((u->flags & USE_EXACT) &&
		    !exact_equal(sc->ft->orig + os, oe - os, use_alias(m, u)->text)) {
			if (!m->explaining)
				continue;
			h.state = HIT_CASE;
		}
		h.group = u->group;
		h.use = i;
		h.start = (guint32)start;
		h.end = (guint32)end;
		h.ostart = (guint32)os;
		h.oend = (guint32)oe;
		h.veto = 0;
		h.veto_ref = 0;
		h.field = sc->field;
		h.kind = u->kind;
		touch(m, u->group);
		g_array_append_val(m->hits, h);
	}
}

/* Folded offset of original offset o (the first folded byte at or after it). */
static guint32
folded_offset(const struct fold *f, gsize o)
{
	const guint32 *map = (const guint32 *)(void *)f->map->data;
	guint lo = 0, hi = f->text->len;

	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		if (map[mid] < o)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The slow path: entries with regexes run them over the original text. */
static void
scan_regex(struct matcher *m, guint8 field, struct field_text *ft)
{
	for (guint i = 0; i < m->regex_entries->len; i++) {
		guint idx = g_array_index(m->regex_entries, guint, i);
		const struct wl_entry *e = watchlists_entry(m->wl, idx);
		if (!(e->fields & (1u << field)))
			continue;
		for (guint j = 0; j < e->regex->len; j++) {
			GMatchInfo *mi = NULL;
			g_regex_match_full(g_ptr_array_index(e->regex, j), ft->orig, (gssize)ft->olen,
			                   0, 0, &mi, NULL);
			while (g_match_info_matches(mi)) {
				int s, en;
				if (g_match_info_fetch_pos(mi, 0, &s, &en) && en > s) {
					struct hit h = { 0 };
					h.group = idx;
					h.use = NO_USE;
					h.ostart = (guint32)s;
					h.oend = (guint32)en;
					h.start = folded_offset(&ft->fold, (gsize)s);
					h.end = folded_offset(&ft->fold, (gsize)en);
					h.field = field;
					h.kind = U_ALIAS;
					h.state = HIT_OK;
					touch(m, idx);
					g_array_append_val(m->hits, h);
				}
				g_match_info_next(mi, NULL);
			}
			g_match_info_free(mi);
		}
	}
}

static int
cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->field != y->field)
		return x->field - y->field;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->kind - y->kind;
}

/* Stable, and without the allocation qsort makes for all but tiny arrays:
 * hits arrive nearly sorted (by field, then end), so insertion sort on
 * short runs and merging them costs little. */
static void
sort_hits(struct matcher *m)
{
	struct hit *a = (struct hit *)(void *)m->hits->data;
	guint n = m->hits->len;
	const guint run = 16;

	for (guint lo = 0; lo < n; lo += run) {
		guint hi = MIN(lo + run, n);
		for (guint i = lo + 1; i < hi; i++) {
			struct hit x = a[i];
			guint j = i;
			while (j > lo && cmp_hit(&a[j - 1], &x) > 0) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = x;
		}
	}
	if (n <= run)
		return;
	g_array_set_size(m->hit_tmp, n);
	struct hit *src = a, *dst = (struct hit *)(void *)m->hit_tmp->data;
	for (guint w = run; w < n; w *= 2) {
		for (guint lo = 0; lo < n; lo += 2 * w) {
			guint mid = MIN(lo + w, n), hi = MIN(lo + 2 * w, n), i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = cmp_hit(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		struct hit *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

static void
scan_item(struct matcher *m, const struct feed_item *item)
{
	const char *texts[WL_N_FIELDS] = { item->title, item->summary, item->content, NULL, item->author };

	if (++m->gen == 0) {            /* wrapped: forget every stamp */
		memset(m->gs, 0, sizeof(*m->gs) * (m->n_groups + 1));
		memset(m->rule_gen, 0, sizeof(*m->rule_gen) * (watchlists_n_rules(m->wl) + 1));
		memset(m->aux_gen, 0, sizeof(*m->aux_gen) * (ac_n_patterns(m->ac) + 1));
		m->gen = 1;
	}
	g_array_set_size(m->hits, 0);
	g_array_set_size(m->aux_hits, 0);
	g_array_set_size(m->touched, 0);
	g_string_truncate(m->cats, 0);
	for (guint i = 0; item->categories && i < item->categories->len; i++) {
		if (i)
			g_string_append(m->cats, ", ");
		g_string_append(m->cats, g_ptr_array_index(item->categories, i));
	}
	texts[3] = m->cats->len ? m->cats->str : NULL;

	for (guint8 f = 0; f < WL_N_FIELDS; f++) {
		struct field_text *ft = &m->ft[f];
		struct scan sc = { m, f, ft };
		ft->orig = texts[f] ? texts[f] : "";
		ft->olen = strlen(ft->orig);
		fold_run(&ft->fold, ft->orig, (gssize)ft->olen);
		if (ft->fold.text->len)
			ac_scan(m->ac, ft->fold.text->str, ft->fold.text->len, on_hit, &sc);
		if (m->regex_entries->len && ft->olen)
			scan_regex(m, f, ft);
	}
	if (m->hits->len > 1)
		sort_hits(m);
	for (guint i = 0; i < m->hits->len; i++) {
		const struct hit *h = &g_array_index(m->hits, struct hit, i);
		struct group_state *g = &m->gs[h->group];
		if (g->n++ == 0)
			g->first = i;
	}
}

/* --- deciding -------------------------------------------------------- */

/* Words from a to b in folded text: the number of word starts in [a, b],
 * counted no further than limit + 1 (callers only ask "at most limit?"). */
static guint
words_between(const char *t, gsize len, gsize a, gsize b, guint limit)
{
	guint n = 0;

	for (gsize i = a; i <= b && i < len && n <= limit; i++) {
		if ((unsigned char)t[i] >= 0x80 && ((unsigned char)t[i] & 0xC0) == 0x80)
			continue;
		if (fold_word_at(t, len, i) && !fold_word_before(t, i))
			n++;
	}
	return n;
}

/* Words between two ranges of one field's folded text; 0 when they overlap. */
static guint
span_distance(const struct matcher *m, guint8 field, guint32 as, guint32 ae, guint32 bs,
              guint32 be, guint limit)
{
	const struct fold *f = &m->ft[field].fold;

	if (ae <= bs)
		return words_between(f->text->str, f->text->len, ae, bs, limit);
	if (be <= as)
		return words_between(f->text->str, f->text->len, be, as, limit);
	return 0;
}

static guint
hit_distance(const struct matcher *m, const struct hit *x, const struct hit *y, guint limit)
{
	return span_distance(m, x->field, x->start, x->end, y->start, y->end, limit);
}

static struct hit *
hit_at(struct matcher *m, guint32 i)
{
	return &g_array_index(m->hits, struct hit, i);
}

static const struct aux_hit *
aux_at(const struct matcher *m, guint32 i)
{
	return &g_array_index(m->aux_hits, struct aux_hit, i);
}

/* First occurrence of an aux pattern in this item, NO_USE = none; the
 * others follow through next. */
static guint32
aux_first(const struct matcher *m, guint32 pattern)
{
	return m->aux_gen[pattern] == m->gen ? m->aux_head[pattern] : NO_USE;
}

static void
decide_entry(struct matcher *m, guint32 group)
{
	const struct wl_entry *e = watchlists_entry(m->wl, group);
	struct group_state *g = &m->gs[group];
	const struct aux_ref *refs = m->entry_aux ? m->entry_aux + m->entry_aux_first[group] : NULL;
	guint32 n_refs = m->entry_aux_first[group + 1] - m->entry_aux_first[group];
	guint32 end = g->first + g->n;
	guint32 excluded = NO_USE, excluded_ref = 0;
	gboolean any_context = FALSE;

	/* One pass over the entry's own exclusions and context words. */
	for (guint32 r = 0; r < n_refs && m->aux_hits->len; r++) {
		if (refs[r].kind == U_NOT_IN)
			continue;
		for (guint32 k = aux_first(m, refs[r].pattern); k != NO_USE; k = aux_at(m, k)->next) {
			if (!(e->fields & (1u << aux_at(m, k)->field)))
				continue;
			if (refs[r].kind == U_EXCLUDE && excluded == NO_USE) {
				excluded = k;
				excluded_ref = r;
			}
			if (refs[r].kind == U_CONTEXT)
				any_context = TRUE;
			break;
		}
	}
	for (guint32 i = g->first; i < end; i++) {
		struct hit *h = hit_at(m, i);
		if (h->kind != U_ALIAS || h->state != HIT_OK)
			continue;
		if (excluded != NO_USE) {
			h->state = HIT_EXCLUDED;
			h->veto = excluded;
			h->veto_ref = excluded_ref;
			continue;
		}
		gboolean has_context = e->context[0] == NULL || (e->context_window == 0 && any_context);
		for (guint32 r = 0; r < n_refs && h->state == HIT_OK; r++) {
			if (refs[r].kind == U_EXCLUDE || (refs[r].kind == U_CONTEXT && has_context))
				continue;
			for (guint32 k = aux_first(m, refs[r].pattern); k != NO_USE; k = aux_at(m, k)->next) {
				const struct aux_hit *a = aux_at(m, k);
				if (a->field != h->field)
					continue;
				if (refs[r].kind == U_NOT_IN && a->start <= h->start && h->end <= a->end) {
					h->state = HIT_NOT_IN;
					h->veto = k;
					h->veto_ref = r;
					break;
				}
				if (refs[r].kind == U_CONTEXT &&
				    span_distance(m, h->field, h->start, h->end, a->start, a->end,
				                  (guint)e->context_window) <= (guint)e->context_window) {
					has_context = TRUE;
					break;
				}
			}
		}
		if (h->state == HIT_OK && !has_context)
			h->state = HIT_NO_CONTEXT;
	}
	for (guint32 i = g->first; i < end; i++) {
		const struct hit *h = hit_at(m, i);
		if (h->kind == U_ALIAS && h->state == HIT_OK) {
			g->present = TRUE;
			break;
		}
	}
}

static void
decide_phrase(struct matcher *m, guint32 group)
{
	struct group_state *g = &m->gs[group];

	g->present = g->n > 0;
}

static gboolean
group_present(const struct matcher *m, guint32 group)
{
	return m->gs[group].gen == m->gen && m->gs[group].present;
}

static guint32
expr_group(const struct matcher *m, const struct wl_expr *x)
{
	if (x->op == WL_EXPR_ENTRY)
		return x->entry;
	return m->n_entries + GPOINTER_TO_UINT(g_hash_table_lookup(m->phrase_of, x)) - 1;
}

/* The counted hits of a term, or of (A OR B), appended to out. */
static void
expr_hits(struct matcher *m, const struct wl_expr *x, GArray *out)
{
	if (x->op == WL_EXPR_OR) {
		expr_hits(m, x->a, out);
		expr_hits(m, x->b, out);
		return;
	}
	guint32 group = expr_group(m, x);
	if (!group_present(m, group))
		return;
	const struct group_state *g = &m->gs[group];
	for (guint32 i = g->first; i < g->first + g->n; i++) {
		const struct hit *h = hit_at(m, i);
		if ((h->kind == U_ALIAS || h->kind == U_PHRASE) && h->state == HIT_OK)
			g_array_append_val(out, i);
	}
}

static gboolean
expr_eval(struct matcher *m, const struct wl_expr *x)
{
	switch (x->op) {
	case WL_EXPR_ENTRY:
	case WL_EXPR_PHRASE:
		return group_present(m, expr_group(m, x));
	case WL_EXPR_AND:
		return expr_eval(m, x->a) && expr_eval(m, x->b);
	case WL_EXPR_OR:
		return expr_eval(m, x->a) || expr_eval(m, x->b);
	case WL_EXPR_NOT:
		return !expr_eval(m, x->a);
	case WL_EXPR_NEAR:
		g_array_set_size(m->near_a, 0);
		g_array_set_size(m->near_b, 0);
		expr_hits(m, x->a, m->near_a);
		expr_hits(m, x->b, m->near_b);
		for (guint i = 0; i < m->near_a->len; i++) {
			const struct hit *a = hit_at(m, g_array_index(m->near_a, guint32, i));
			for (guint j = 0; j < m->near_b->len; j++) {
				const struct hit *b = hit_at(m, g_array_index(m->near_b, guint32, j));
				if (a->field == b->field && hit_distance(m, a, b, (guint)x->near) <= (guint)x->near)
					return TRUE;
			}
		}
		return FALSE;
	}
	return FALSE;
}

/* --- results --------------------------------------------------------- */

static char *
make_snippet(const char *t, gsize len, gsize s, gsize e)
{
	gsize a = s > SNIPPET_CONTEXT ? s - SNIPPET_CONTEXT : 0;
	gsize b = e + SNIPPET_CONTEXT < len ? e + SNIPPET_CONTEXT : len;
	GString *out = g_string_sized_new(b - a + 16);

	while (a < s && ((unsigned char)t[a] & 0xC0) == 0x80)
		a++;
	if (a > 0) {            /* start on a word */
		for (gsize i = a; i < s; i++) {
			if (t[i] == ' ') {
				a = i + 1;
				break;
			}
		}
	}
	while (b > e && b < len && ((unsigned char)t[b] & 0xC0) == 0x80)
		b--;
	if (b < len) {
		for (gsize i = b; i > e; i--) {
			if (t[i] == ' ') {
				b = i;
				break;
			}
		}
	}
	if (a > 0)
		g_string_append(out, "…");
	g_string_append_len(out, t + a, (gssize)(s - a));
	g_string_append(out, "[[");
	g_string_append_len(out, t + s, (gssize)(e - s));
	g_string_append(out, "]]");
	g_string_append_len(out, t + e, (gssize)(b - e));
	if (b < len)
		g_string_append(out, "…");
	for (gsize i = 0; i < out->len; i++)
		if ((unsigned char)out->str[i] < 0x20)
			out->str[i] = ' ';
	return g_string_free(out, FALSE);
}

static const char *
hit_term(const struct matcher *m, const struct hit *h, char **owned)
{
	*owned = NULL;
	if (h->use == NO_USE) {
		const struct field_text *ft = &m->ft[h->field];
		*owned = g_strndup(ft->orig + h->ostart, h->oend - h->ostart);
		return *owned;
	}
	const struct use *u = &m->uses[h->use];
	if (u->kind == U_PHRASE)
		return g_array_index(m->phrases, struct phrase, u->group - m->n_entries).node->phrase;
	return use_alias(m, u)->text;
}

static struct match *
match_from_hit(const struct matcher *m, const struct hit *h, const char *name,
               const char *list, enum priority prio, gboolean is_rule)
{
	struct match *r = g_new0(struct match, 1);
	const struct field_text *ft = &m->ft[h->field];
	char *owned;
	const char *term = hit_term(m, h, &owned);

	r->entry = g_strdup(name);
	r->list = g_strdup(list);
	r->term = owned ? owned : g_strdup(term);
	r->field = g_strdup(wl_field_name(h->field));
	r->snippet = make_snippet(ft->orig, ft->olen, h->ostart, h->oend);
	r->start = h->ostart;
	r->end = h->oend;
	r->priority = prio;
	r->is_rule = is_rule;
	return r;
}

static char *
veto_reason(struct matcher *m, const struct wl_entry *e, const struct hit *h)
{
	char *owned = NULL;
	char *r = NULL;

	switch (h->state) {
	case HIT_CASE:
		return g_strdup_printf("letter case differs from exact alias '%s'", hit_term(m, h, &owned));
	case HIT_EXCLUDED: {
		const struct aux_ref *ref = m->entry_aux + m->entry_aux_first[h->group] + h->veto_ref;
		r = g_strdup_printf("excluded by '%s' in %s", e->exclude[ref->index],
		                    wl_field_name(aux_at(m, h->veto)->field));
		break;
	}
	case HIT_NOT_IN: {
		const struct aux_ref *ref = m->entry_aux + m->entry_aux_first[h->group] + h->veto_ref;
		r = g_strdup_printf("part of '%s'", e->not_in[ref->index]);
		break;
	}
	case HIT_NO_CONTEXT: {
		char *words = g_strjoinv(", ", e->context);
		if (e->context_window == 0)
			r = g_strdup_printf("no context word (%s) anywhere in the item", words);
		else
			r = g_strdup_printf("no context word (%s) within %d words", words, e->context_window);
		g_free(words);
		break;
	}
	default:
		r = g_strdup("vetoed");
	}
	g_free(owned);
	return r;
}

/* Adds the positive terms of a rule that are present, for its "term". */
static void
rule_terms(struct matcher *m, const struct wl_expr *x, GString *terms, guint32 *first_hit,
           GPtrArray *names)
{
	if (x == NULL || x->op == WL_EXPR_NOT)
		return;
	if (x->op != WL_EXPR_ENTRY && x->op != WL_EXPR_PHRASE) {
		rule_terms(m, x->a, terms, first_hit, names);
		rule_terms(m, x->b, terms, first_hit, names);
		return;
	}
	guint32 group = expr_group(m, x);
	if (!group_present(m, group))
		return;
	if (x->op == WL_EXPR_ENTRY) {        /* one term per thing, however many entries name it */
		const char *name = watchlists_entry(m->wl, group)->name;
		for (guint i = 0; i < names->len; i++)
			if (strcmp(g_ptr_array_index(names, i), name) == 0)
				return;
		g_ptr_array_add(names, (gpointer)name);
	}
	const struct group_state *g = &m->gs[group];
	for (guint32 i = g->first; i < g->first + g->n; i++) {
		const struct hit *h = hit_at(m, i);
		if ((h->kind != U_ALIAS && h->kind != U_PHRASE) || h->state != HIT_OK)
			continue;
		char *owned;
		if (terms->len)
			g_string_append(terms, " + ");
		g_string_append(terms, hit_term(m, h, &owned));
		g_free(owned);
		if (*first_hit == NO_USE || h->field < hit_at(m, *first_hit)->field)
			*first_hit = i;
		return;
	}
}

static int
field_rank(const char *name)
{
	for (int i = 0; i < WL_N_FIELDS; i++)
		if (strcmp(name, wl_field_name(i)) == 0)
			return i;
	return WL_N_FIELDS;
}

static gint
cmp_match(gconstpointer a, gconstpointer b)
{
	const struct match *x = *(struct match *const *)a, *y = *(struct match *const *)b;
	int fx = field_rank(x->field), fy = field_rank(y->field);

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	if (x->is_rule != y->is_rule)
		return x->is_rule ? -1 : 1;
	if (fx != fy)
		return fx - fy;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Is a a better explanation than b? Earlier field, then earlier hit, then longer term. */
static gboolean
match_better(const struct match *a, const struct match *b)
{
	int fa = field_rank(a->field), fb = field_rank(b->field);

	if (fa != fb)
		return fa < fb;
	if (a->start != b->start)
		return a->start < b->start;
	return a->end > b->end;
}

/* Entries sharing a display name in one list alert once, with the best hit. */
static void
add_entry_match(GPtrArray *out, struct match *nm)
{
	for (guint i = 0; i < out->len; i++) {
		struct match *o = g_ptr_array_index(out, i);
		if (o->is_rule || strcmp(o->entry, nm->entry) != 0 || strcmp(o->list, nm->list) != 0)
			continue;
		if (match_better(nm, o)) {
			if (nm->priority < o->priority)
				nm->priority = o->priority;
			out->pdata[i] = nm;
			match_free(o);
		} else {
			if (o->priority < nm->priority)
				o->priority = nm->priority;
			match_free(nm);
		}
		return;
	}
	g_ptr_array_add(out, nm);
}

/* A case veto is noise when another alias of the entry matched the same
 * words ("Patriot" for exact "PATRIOT" while exact "Patriot" counted). */
static gboolean
case_twin(struct matcher *m, const struct group_state *g, guint32 j)
{
	const struct hit *h = hit_at(m, j);

	if (h->state != HIT_CASE)
		return FALSE;
	for (guint32 k = g->first; k < g->first + g->n; k++) {
		const struct hit *o = hit_at(m, k);
		if (k != j && o->kind == U_ALIAS && o->state != HIT_CASE && o->field == h->field &&
		    o->start == h->start && o->end == h->end)
			return TRUE;
	}
	return FALSE;
}

static void
run(struct matcher *m, const struct feed_item *item, struct match_explanation *x)
{
	GPtrArray *out = x->matches;

	m->explaining = x->hits != NULL;
	scan_item(m, item);
	for (guint i = 0; i < m->touched->len; i++) {
		guint32 group = g_array_index(m->touched, guint32, i);
		if (group < m->n_entries)
			decide_entry(m, group);
		else
			decide_phrase(m, group);
	}
	for (guint i = 0; i < m->touched->len; i++) {
		guint32 group = g_array_index(m->touched, guint32, i);
		const struct group_state *g = &m->gs[group];
		if (group >= m->n_entries)
			continue;
		const struct wl_entry *e = watchlists_entry(m->wl, group);
		gboolean first = TRUE;
		for (guint32 j = g->first; j < g->first + g->n; j++) {
			const struct hit *h = hit_at(m, j);
			if (h->kind != U_ALIAS)
				continue;
			if (h->state == HIT_OK) {
				if (first && e->alert)
					add_entry_match(out, match_from_hit(m, h, e->name, e->list, e->priority, FALSE));
				if (x->hits)
					g_ptr_array_add(x->hits, match_from_hit(m, h, e->name, e->list, e->priority, FALSE));
				first = FALSE;
			} else if (x->vetoes && !case_twin(m, g, j)) {
				struct match *v = match_from_hit(m, h, e->name, e->list, e->priority, FALSE);
				v->reason = veto_reason(m, e, h);
				g_ptr_array_add(x->vetoes, v);
			}
			if (!first && x->hits == NULL)
				break;
		}
	}
	/* Rules: only those a present group points at can be true. */
	for (guint i = 0; i < m->touched->len; i++) {
		guint32 group = g_array_index(m->touched, guint32, i);
		if (!m->gs[group].present)
			continue;
		for (guint32 k = m->group_rules_first[group]; k < m->group_rules_first[group + 1]; k++) {
			guint32 r = m->group_rules[k];
			if (m->rule_gen[r] == m->gen)
				continue;
			m->rule_gen[r] = m->gen;
			const struct wl_rule *rule = watchlists_rule(m->wl, r);
			if (!expr_eval(m, rule->expr))
				continue;
			GString *terms = g_string_new(NULL);
			GPtrArray *names = g_ptr_array_new();
			guint32 first_hit = NO_USE;
			rule_terms(m, rule->expr, terms, &first_hit, names);
			g_ptr_array_unref(names);
			if (first_hit != NO_USE) {
				struct match *rm = match_from_hit(m, hit_at(m, first_hit), rule->name,
				                                  rule->list, rule->priority, TRUE);
				g_free(rm->term);
				rm->term = g_string_free(terms, FALSE);
				g_ptr_array_add(out, rm);
			} else {
				g_string_free(terms, TRUE);
			}
		}
	}
	g_ptr_array_sort(out, cmp_match);
	m->explaining = FALSE;
}

GPtrArray *
matcher_match_item(struct matcher *m, const struct feed_item *item)
{
	struct match_explanation x = { g_ptr_array_new_with_free_func((GDestroyNotify)match_free),
	                               NULL, NULL };

	run(m, item, &x);
	return x.matches;
}

struct match_explanation *
matcher_explain_item(struct matcher *m, const struct feed_item *item)
{
	struct match_explanation *x = g_new0(struct match_explanation, 1);

	x->matches = g_ptr_array_new_with_free_func((GDestroyNotify)match_free);
	x->hits = g_ptr_array_new_with_free_func((GDestroyNotify)match_free);
	x->vetoes = g_ptr_array_new_with_free_func((GDestroyNotify)match_free);
	run(m, item, x);
	/* A veto of words that another entry of the same name counted explains nothing. */
	for (guint i = x->vetoes->len; i-- > 0;) {
		const struct match *v = g_ptr_array_index(x->vetoes, i);
		for (guint j = 0; j < x->hits->len; j++) {
			const struct match *h = g_ptr_array_index(x->hits, j);
			if (strcmp(h->entry, v->entry) == 0 && strcmp(h->list, v->list) == 0 &&
			    strcmp(h->field, v->field) == 0 && h->start <= v->start && v->end <= h->end) {
				g_ptr_array_remove_index(x->vetoes, i);
				break;
			}
		}
	}
	return x;
}

void
match_explanation_free(struct match_explanation *x)
{
	if (x == NULL)
		return;
	g_ptr_array_unref(x->matches);
	g_ptr_array_unref(x->hits);
	g_ptr_array_unref(x->vetoes);
	g_free(x);
}
