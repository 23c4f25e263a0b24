/* ahocorasick.c — trie + failure links, flattened after the build.
 * During the build each node keeps its children as a linked list; the
 * finished automaton renumbers states breadth-first (so the hot shallow
 * states share cache lines) and stores each state's edges as one sorted
 * run of (class, target) pairs. The shallow states — where almost every
 * byte of ordinary text lands — also get a dense row: the full transition
 * (failure links already followed) for every byte class, so that the scan
 * costs one table load a byte there; deeper states take the sparse edges
 * and failure links until they fall back into the dense part. The dense
 * part is capped in bytes, so memory still grows with the patterns, not
 * with patterns x 256.
 *
 * Word mode (ac_builder_set_words) drops the occurrences that start inside
 * an ASCII word (an ASCII letter or digit right after another): failure
 * links lead only to suffixes that could start a hit, and when none is
 * left inside a word the scan sits in a DEAD state (state 1) until the
 * word ends. Ordinary text spends a third of its bytes there: fewer hits to
 * throw away, and fewer deep states visited, so the hot rows stay cached. */
#include <string.h>
#include "ahocorasick.h"

#define NONE G_MAXUINT32
/* Transitions hold codes, not state numbers: a state with a dense row is
 * coded as the offset of its row (state x n_cls), so the next load needs
 * no multiplication; a state without one as dense_size + (state - n_dense).
 * OUT_BIT: the target state has output (its own or on its dictionary chain). */
#define OUT_BIT 0x80000000u
#define CODE_MASK 0x7fffffffu
/* Word mode: the state inside an ASCII word with no hit under way. */
#define DEAD 1u
/* Bytes of dense rows, at most: enough for every shallow state of large
 * watchlists while staying within a typical L2 cache. */
#define DENSE_BYTES_DEFAULT (1u << 20)

/* Patterns are collected first and inserted in sorted order: each one then
 * shares a prefix with the one before, new nodes are always appended as
 * the last child (so children come out sorted), and no child is ever
 * searched for. */
struct bnode {
	guint32 child;      /* first child, NONE */
	guint32 sibling;    /* next sibling, NONE */
	guint32 id;         /* state number once numbered breadth-first */
	guint32 out;        /* pattern id + 1, 0 = none */
	guint8 byte;
};

struct ac_builder {
	GString *arena;     /* pattern bytes, back to back */
	GArray *off;        /* guint32 offset per pattern */
	GArray *plen;       /* guint32 length per pattern */
	GHashTable *ids;    /* pattern bytes (in a key chunk) -> id + 1 */
	GStringChunk *keys;
	guint32 dense_max;  /* states with a dense row, at most; 0 = by DENSE_BYTES_DEFAULT */
	gboolean words;     /* word mode */
};

struct ac_state {
	guint32 edges;      /* index of the first edge */
	guint32 fail;       /* word mode: DEAD instead of the root after an ASCII letter or digit */
	guint32 out;        /* pattern id + 1, 0 = none */
	guint32 dict;       /* nearest state on the fail chain with output, 0 = none */
	guint32 n_edges;
};

struct ac {
	guint16 cls[256];   /* byte -> class; 0 (and, in word mode, the last class
	                       for letters and digits) = in no pattern */
	guint32 n_cls;      /* classes, including 0 */
	guint32 n_dense;    /* states 0 .. n_dense-1 have a dense row */
	guint32 *dense;     /* n_dense x n_cls: target code | OUT_BIT */
	guint32 dense_size; /* n_dense x n_cls */
	struct ac_state *st;
	guint32 n_states;
	guint16 *ecls;      /* edge classes, sorted within a state */
	guint32 *eto;       /* edge targets */
	guint32 *plen;
	guint32 n_patterns;
	guint32 max_len;    /* longest pattern */
};

struct ac_builder *
ac_builder_new(void)
{
	struct ac_builder *b = g_new0(struct ac_builder, 1);

	b->arena = g_string_sized_new(1 << 16);
	b->off = g_array_sized_new(FALSE, FALSE, sizeof(guint32), 1024);
	b->plen = g_array_sized_new(FALSE, FALSE, sizeof(guint32), 1024);
	b->ids = g_hash_table_new(g_str_hash, g_str_equal);
	b->keys = g_string_chunk_new(1 << 16);
	return b;
}

void
ac_builder_set_dense_max(struct ac_builder *b, guint32 states)
{
	b->dense_max = states ? states : 1;
}

void
ac_builder_set_words(struct ac_builder *b, gboolean words)
{
	b->words = words;
}

void
ac_builder_free(struct ac_builder *b)
{
	if (b == NULL)
		return;
	g_string_free(b->arena, TRUE);
	g_array_free(b->off, TRUE);
	if (b->plen)
		g_array_free(b->plen, TRUE);
	g_hash_table_destroy(b->ids);
	g_string_chunk_free(b->keys);
	g_free(b);
}

guint32
ac_builder_add(struct ac_builder *b, const char *pat, gsize len)
{
	char *key = g_string_chunk_insert_len(b->keys, pat, (gssize)len);
	gpointer old = g_hash_table_lookup(b->ids, key);
	guint32 id, o, l;

	if (old)
		return GPOINTER_TO_UINT(old) - 1;
	id = b->plen->len;
	o = (guint32)b->arena->len;
	l = (guint32)len;
	g_string_append_len(b->arena, pat, (gssize)len);
	g_array_append_val(b->off, o);
	g_array_append_val(b->plen, l);
	g_hash_table_insert(b->ids, key, GUINT_TO_POINTER(id + 1));
	return id;
}

static gint
cmp_pattern(gconstpointer a, gconstpointer b, gpointer user)
{
	const struct ac_builder *bd = user;
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
	guint32 lx = g_array_index(bd->plen, guint32, x), ly = g_array_index(bd->plen, guint32, y);
	int c = memcmp(bd->arena->str + g_array_index(bd->off, guint32, x),
	               bd->arena->str + g_array_index(bd->off, guint32, y), MIN(lx, ly));

	return c ? c : (lx > ly) - (lx < ly);
}

#define NODE(nodes, i) (&g_array_index((nodes), struct bnode, (i)))

static guint32
bnode_new(GArray *nodes, guint8 byte)
{
	struct bnode n = { NONE, NONE, 0, 0, byte };

	g_array_append_val(nodes, n);
	return nodes->len - 1;
}

/* The trie, from the patterns in sorted order. */
static GArray *
build_trie(struct ac_builder *b)
{
	guint32 np = b->plen->len;
	guint32 *idx = g_new(guint32, np ? np : 1);
	GArray *nodes = g_array_sized_new(FALSE, FALSE, sizeof(struct bnode), b->arena->len + 1);
	GArray *path = g_array_new(FALSE, FALSE, sizeof(guint32));   /* nodes of the previous pattern */
	const char *prev = NULL;
	guint32 prev_len = 0;

	bnode_new(nodes, 0);
	guint32 root = 0;
	g_array_append_val(path, root);
	for (guint32 i = 0; i < np; i++)
		idx[i] = i;
	g_qsort_with_data(idx, (gint)np, sizeof(guint32), cmp_pattern, b);

	for (guint32 i = 0; i < np; i++) {
		guint32 id = idx[i];
		const char *p = b->arena->str + g_array_index(b->off, guint32, id);
		guint32 len = g_array_index(b->plen, guint32, id);
		guint32 l = 0;

		while (prev && l < len && l < prev_len && p[l] == prev[l])
			l++;
		for (guint32 d = l; d < len; d++) {
			guint32 parent = g_array_index(path, guint32, d);
			guint32 node = bnode_new(nodes, (guint8)p[d]);
			/* Sorted input: the new node follows the previous pattern's
			 * child at this depth, if that child belongs to the same parent. */
			if (d == l && d < prev_len)
				NODE(nodes, g_array_index(path, guint32, d + 1))->sibling = node;
			else
				NODE(nodes, parent)->child = node;
			if (d + 1 < path->len)
				g_array_index(path, guint32, d + 1) = node;
			else
				g_array_append_val(path, node);
		}
		NODE(nodes, g_array_index(path, guint32, len))->out = id + 1;
		prev = p;
		prev_len = len;
	}
	g_array_free(path, TRUE);
	g_free(idx);
	return nodes;
}

static guint32
find_edge(const struct ac *ac, const struct ac_state *st, guint16 c)
{
	const guint16 *ec = ac->ecls + st->edges;

	for (guint32 j = 0; j < st->n_edges; j++) {
		if (ec[j] == c)
			return ac->eto[st->edges + j];
		if (ec[j] > c)
			break;
	}
	return 0;
}

/* Dense rows for the first states in breadth-first order. A state's row is
 * its failure state's row (a shallower state, so already built) with its
 * own edges written over it. */
/* A transition's value: the state's code, flagged when it reports something. */
static inline guint32
target(const struct ac *ac, guint32 t)
{
	guint32 code = t < ac->n_dense ? t * ac->n_cls : ac->dense_size + (t - ac->n_dense);

	return code | (ac->st[t].out || ac->st[t].dict ? OUT_BIT : 0);
}

static inline guint32
code_state(const struct ac *ac, guint32 code)
{
	return code < ac->dense_size ? code / ac->n_cls : code - ac->dense_size + ac->n_dense;
}

static void
build_dense(struct ac *ac, const guint32 *root_cls, const gboolean *cls_alnum, gboolean words,
            guint32 dense_max)
{
	guint32 nc = ac->n_cls;
	guint32 nd = dense_max ? dense_max : MAX(1u, DENSE_BYTES_DEFAULT / (nc * (guint32)sizeof(guint32)));

	nd = MIN(MAX(nd, words ? DEAD + 1 : 1), MIN(ac->n_states, (1u << 30) / nc));
	ac->n_dense = nd;
	ac->dense_size = nd * nc;
	ac->dense = g_new(guint32, (gsize)nd * nc);
	for (guint32 c = 0; c < nc; c++) {
		guint32 t = root_cls[c];
		ac->dense[c] = target(ac, t ? t : cls_alnum[c] ? DEAD : 0);
	}
	for (guint32 s = 1; s < nd; s++) {
		const struct ac_state *st = &ac->st[s];
		guint32 *row = ac->dense + (gsize)s * nc;
		if (words && s == DEAD) {
			/* letters and digits stay in the word; anything else acts as from the root */
			for (guint32 c = 0; c < nc; c++)
				row[c] = cls_alnum[c] ? target(ac, DEAD) : ac->dense[c];
			continue;
		}
		memcpy(row, ac->dense + (gsize)st->fail * nc, nc * sizeof(guint32));
		for (guint32 j = 0; j < st->n_edges; j++)
			row[ac->ecls[st->edges + j]] = target(ac, ac->eto[st->edges + j]);
	}
}

struct ac *
ac_build(struct ac_builder *b)
{
	struct ac *ac = g_new0(struct ac, 1);
	GArray *nodes = build_trie(b);
	guint32 n = nodes->len;
	guint32 *order = g_new(guint32, n);     /* BFS order -> trie node */
	guint32 head = 0, tail = 0;
	guint32 root_cls[258] = { 0 };          /* class -> depth-1 state */
	gboolean cls_alnum[258] = { FALSE };
	gboolean used[256] = { FALSE };
	guint32 dense_max = b->dense_max;
	gboolean words = b->words;
	guint32 extra = words ? 1 : 0;          /* word mode: state 1 is DEAD */
	guint32 dead = words ? DEAD : NONE;

	/* Breadth-first numbering: shallow states first, and every state's
	 * children numbered consecutively. */
	order[tail++] = 0;
	while (head < tail) {
		guint32 u = order[head++];
		for (guint32 v = NODE(nodes, u)->child; v != NONE; v = NODE(nodes, v)->sibling)
			order[tail++] = v;
	}
	for (guint32 i = 0; i < n; i++)
		NODE(nodes, order[i])->id = i == 0 ? 0 : i + extra;

	/* Byte classes: only bytes that occur in patterns get one. Classes
	 * keep byte order, so sorted children give sorted edges. */
	for (guint32 i = 1; i < n; i++)
		used[NODE(nodes, i)->byte] = TRUE;
	guint16 k = 0;
	for (int c = 0; c < 256; c++) {
		ac->cls[c] = used[c] ? ++k : 0;
		cls_alnum[ac->cls[c]] = words && g_ascii_isalnum(c);
	}
	/* Word mode: letters and digits in no pattern must not share class 0
	 * with the bytes that end a word. */
	for (int c = 0; words && c < 256; c++) {
		if (g_ascii_isalnum(c) && !used[c]) {
			ac->cls[c] = k + 1;
			cls_alnum[k + 1] = TRUE;
		}
	}
	ac->n_cls = (guint32)k + 1 + (words ? 1 : 0);

	ac->n_states = n + extra;
	ac->st = g_new0(struct ac_state, n + extra);
	ac->ecls = g_new(guint16, n > 1 ? n - 1 : 1);
	ac->eto = g_new(guint32, n > 1 ? n - 1 : 1);
	for (guint32 v = NODE(nodes, 0)->child; v != NONE; v = NODE(nodes, v)->sibling)
		root_cls[ac->cls[NODE(nodes, v)->byte]] = NODE(nodes, v)->id;

	guint32 e = 0;
	for (guint32 i = 0; i < n; i++) {
		const struct bnode *bn = NODE(nodes, order[i]);
		struct ac_state *st = &ac->st[bn->id];
		guint32 m = 0;
		st->out = bn->out;
		/* depth 1 (the others are set below) */
		st->fail = words && g_ascii_isalnum(bn->byte) ? dead : 0;
		st->dict = 0;
		st->edges = e;
		if (i != 0) {
			for (guint32 v = bn->child; v != NONE; v = NODE(nodes, v)->sibling) {
				ac->ecls[e] = ac->cls[NODE(nodes, v)->byte];
				ac->eto[e] = NODE(nodes, v)->id;
				e++;
				m++;
			}
		}
		st->n_edges = m;
	}
	g_free(order);
	g_array_free(nodes, TRUE);
	ac->n_patterns = b->plen->len;
	ac->plen = (guint32 *)(void *)g_array_free(b->plen, FALSE);
	for (guint32 i = 0; i < ac->n_patterns; i++)
		ac->max_len = MAX(ac->max_len, ac->plen[i]);
	b->plen = NULL;
	ac_builder_free(b);

	/* Failure and dictionary links, in BFS order, on the compact arrays
	 * (contiguous edge runs are far kinder to the cache than the builder's
	 * linked lists). Depth-1 states fail to the root. In word mode a chain
	 * ending in DEAD means the state ends in a letter or digit: a pattern
	 * starting with one cannot begin right after it. */
	for (guint32 s = 1; s < ac->n_states; s++) {
		const struct ac_state *st = &ac->st[s];
		for (guint32 j = 0; j < st->n_edges; j++) {
			guint16 c = ac->ecls[st->edges + j];
			struct ac_state *t = &ac->st[ac->eto[st->edges + j]];
			guint32 f = st->fail, to = 0;
			for (;;) {
				if (f == 0 || f == dead) {
					to = f == dead && cls_alnum[c] ? 0 : root_cls[c];
					break;
				}
				to = find_edge(ac, &ac->st[f], c);
				if (to)
					break;
				f = ac->st[f].fail;
			}
			t->fail = to == 0 && cls_alnum[c] ? dead : to;
			t->dict = ac->st[to].out ? to : ac->st[to].dict;
		}
	}
	build_dense(ac, root_cls, cls_alnum, words, dense_max);
	return ac;
}

void
ac_free(struct ac *ac)
{
	if (ac == NULL)
		return;
	g_free(ac->st);
	g_free(ac->dense);
	g_free(ac->ecls);
	g_free(ac->eto);
	g_free(ac->plen);
	g_free(ac);
}

guint32
ac_n_patterns(const struct ac *ac)
{
	return ac->n_patterns;
}

guint32
ac_n_states(const struct ac *ac)
{
	return ac->n_states;
}

guint32
ac_pattern_len(const struct ac *ac, guint32 id)
{
	return id < ac->n_patterns ? ac->plen[id] : 0;
}

/* A transition from a state beyond the dense rows: its own edges, else
 * down the failure chain, which soon reaches a state with a dense row. */
static guint32
sparse_step(const struct ac *ac, guint32 code, guint16 c)
{
	guint32 s = code - ac->dense_size + ac->n_dense;

	do {
		guint32 t = find_edge(ac, &ac->st[s], c);
		if (t)
			return target(ac, t);
		s = ac->st[s].fail;
	} while (s >= ac->n_dense);
	return ac->dense[(gsize)s * ac->n_cls + c];
}

static inline guint32
next_code(const struct ac *ac, guint32 code, guint8 byte)
{
	guint16 c = ac->cls[byte];

	return G_LIKELY(code < ac->dense_size) ? ac->dense[code + c] : sparse_step(ac, code, c);
}

static void
report(const struct ac *ac, guint32 code, gsize end, ac_hit_fn hit, void *user)
{
	const struct ac_state *st = &ac->st[code_state(ac, code)];

	if (st->out)
		hit(st->out - 1, end, user);
	for (guint32 d = st->dict; d != 0; d = ac->st[d].dict)
		hit(ac->st[d].out - 1, end, user);
}

static void
scan_run(const struct ac *ac, const guint8 *p, gsize i, gsize len, guint32 *state,
         ac_hit_fn hit, void *user)
{
	guint32 s = *state;

	for (; i < len; i++) {
		guint32 t = next_code(ac, s, p[i]);
		s = t & CODE_MASK;
		if (G_UNLIKELY(t & OUT_BIT))
			report(ac, s, i + 1, hit, user);
	}
	*state = s;
}

#define SPLIT_MIN 256
#define SPLIT_BUF 128

/* Each byte costs one table load that depends on the previous one, so a
 * long text is scanned as two halves at once: the second pass starts
 * max_len bytes before the middle (by then its state is exactly what one
 * pass would have) and keeps its hits aside until the first half is done,
 * so hits still come in order. A full buffer only ends the overlap early. */
void
ac_scan(const struct ac *ac, const char *text, gsize len, ac_hit_fn hit, void *user)
{
	const guint8 *p = (const guint8 *)text;
	gsize i = 0;
	guint32 s = 0;

	if (len >= SPLIT_MIN && len / 2 > ac->max_len) {
		struct { guint32 s; gsize end; } buf[SPLIT_BUF];
		gsize mid = len / 2, j = mid - ac->max_len;
		guint32 sb = 0;
		guint nb = 0;

		while (i < mid) {
			guint32 ta = next_code(ac, s, p[i]);
			guint32 tb = next_code(ac, sb, p[j]);
			s = ta & CODE_MASK;
			sb = tb & CODE_MASK;
			i++;
			j++;
			if (G_UNLIKELY(ta & OUT_BIT))
				report(ac, s, i, hit, user);
			if (G_UNLIKELY(tb & OUT_BIT) && j > mid) {
				buf[nb].s = sb;
				buf[nb].end = j;
				if (++nb == SPLIT_BUF)
					break;
			}
		}
		scan_run(ac, p, i, mid, &s, hit, user);
		for (guint k = 0; k < nb; k++)
			report(ac, buf[k].s, buf[k].end, hit, user);
		i = j;
		s = sb;
	}
	scan_run(ac, p, i, len, &s, hit, user);
}
