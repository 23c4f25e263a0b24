/* ahocorasick.c — trie + failure links, flattened after the build.
 * During the build each node keeps its children as a linked list; the
 * finished automaton renumbers states breadth-first (so the hot shallow
 * states share cache lines) and stores each state's edges as one sorted
 * run of (class, target) pairs. The root has a dense 256-entry table,
 * which is where almost every byte of ordinary text lands. */
#include <string.h>
#include "ahocorasick.h"

#define NONE G_MAXUINT32

struct bnode {
	guint32 child;      /* first child, NONE */
	guint32 sibling;    /* next sibling, NONE */
	guint32 fail;
	guint32 out;        /* pattern id + 1, 0 = none */
	guint8 byte;
};

struct ac_builder {
	GArray *nodes;      /* of struct bnode; 0 is the root */
	GArray *plen;       /* guint32 per pattern */
	guint32 root_child[256];
};

struct ac_state {
	guint32 edges;      /* index of the first edge */
	guint32 fail;
	guint32 out;        /* pattern id + 1, 0 = none */
	guint32 dict;       /* nearest state on the fail chain with output, 0 = none */
	guint32 n_edges;
};

struct ac {
	guint32 root[256];  /* byte -> state (0 = stay at the root) */
	guint8 cls[256];    /* byte -> class; 0 = in no pattern */
	struct ac_state *st;
	guint32 n_states;
	guint8 *ecls;       /* edge classes, sorted within a state */
	guint32 *eto;       /* edge targets */
	guint32 *plen;
	guint32 n_patterns;
};

static guint32
bnode_new(struct ac_builder *b, guint8 byte)
{
	struct bnode n = { NONE, NONE, 0, 0, byte };

	g_array_append_val(b->nodes, n);
	return b->nodes->len - 1;
}

struct ac_builder *
ac_builder_new(void)
{
	struct ac_builder *b = g_new0(struct ac_builder, 1);

	b->nodes = g_array_sized_new(FALSE, FALSE, sizeof(struct bnode), 1024);
	b->plen = g_array_new(FALSE, FALSE, sizeof(guint32));
	for (int i = 0; i < 256; i++)
		b->root_child[i] = NONE;
	bnode_new(b, 0);
	return b;
}

void
ac_builder_free(struct ac_builder *b)
{
	if (b == NULL)
		return;
	g_array_free(b->nodes, TRUE);
	g_array_free(b->plen, TRUE);
	g_free(b);
}

#define NODE(b, i) (&g_array_index((b)->nodes, struct bnode, (i)))

static guint32
bchild(struct ac_builder *b, guint32 node, guint8 byte)
{
	if (node == 0)
		return b->root_child[byte];
	for (guint32 c = NODE(b, node)->child; c != NONE; c = NODE(b, c)->sibling)
		if (NODE(b, c)->byte == byte)
			return c;
	return NONE;
}

guint32
ac_builder_add(struct ac_builder *b, const char *pat, gsize len)
{
	guint32 node = 0;
	guint32 id;

	for (gsize i = 0; i < len; i++) {
		guint8 byte = (guint8)pat[i];
		guint32 next = bchild(b, node, byte);
		if (next == NONE) {
			next = bnode_new(b, byte);
			if (node == 0) {
				b->root_child[byte] = next;
			} else {
				NODE(b, next)->sibling = NODE(b, node)->child;
				NODE(b, node)->child = next;
			}
		}
		node = next;
	}
	if (NODE(b, node)->out)
		return NODE(b, node)->out - 1;
	id = b->plen->len;
	guint32 l = (guint32)len;
	g_array_append_val(b->plen, l);
	NODE(b, node)->out = id + 1;
	return id;
}

static int
cmp_byte(const void *a, const void *b)
{
	return (int)((const guint8 *)a)[0] - (int)((const guint8 *)b)[0];
}

struct ac *
ac_build(struct ac_builder *b)
{
	struct ac *ac = g_new0(struct ac, 1);
	guint32 n = b->nodes->len;
	guint32 *order = g_new(guint32, n);     /* BFS order -> builder node */
	guint32 *newid = g_new(guint32, n);     /* builder node -> state */
	guint32 head = 0, tail = 0;
	gboolean used[256] = { FALSE };

	/* Breadth-first: failure links need every shallower node done first. */
	order[tail++] = 0;
	for (int c = 0; c < 256; c++) {
		guint32 ch = b->root_child[c];
		if (ch != NONE) {
			NODE(b, ch)->fail = 0;
			order[tail++] = ch;
		}
	}
	head = 1;
	while (head < tail) {
		guint32 u = order[head++];
		for (guint32 v = NODE(b, u)->child; v != NONE; v = NODE(b, v)->sibling) {
			guint8 byte = NODE(b, v)->byte;
			guint32 f = NODE(b, u)->fail;
			guint32 t;
			while ((t = bchild(b, f, byte)) == NONE && f != 0)
				f = NODE(b, f)->fail;
			NODE(b, v)->fail = t == NONE ? 0 : t;
			order[tail++] = v;
		}
	}
	for (guint32 i = 0; i < n; i++)
		newid[order[i]] = i;

	/* Byte classes: only bytes that occur in patterns get one. */
	for (guint32 i = 1; i < n; i++)
		used[NODE(b, i)->byte] = TRUE;
	guint8 k = 0;
	for (int c = 0; c < 256; c++)
		ac->cls[c] = used[c] ? ++k : 0;

	ac->n_states = n;
	ac->st = g_new0(struct ac_state, n);
	ac->ecls = g_new(guint8, n > 1 ? n - 1 : 1);
	ac->eto = g_new(guint32, n > 1 ? n - 1 : 1);
	for (int c = 0; c < 256; c++)
		ac->root[c] = b->root_child[c] == NONE ? 0 : newid[b->root_child[c]];

	guint32 e = 0;
	struct { guint8 cls; guint32 to; } tmp[256];
	for (guint32 i = 0; i < n; i++) {
		struct bnode *bn = NODE(b, order[i]);
		struct ac_state *s = &ac->st[i];
		guint32 m = 0;
		s->fail = newid[bn->fail];
		s->out = bn->out;
		s->edges = e;
		if (i != 0) {
			for (guint32 v = bn->child; v != NONE; v = NODE(b, v)->sibling) {
				tmp[m].cls = ac->cls[NODE(b, v)->byte];
				tmp[m].to = newid[v];
				m++;
			}
			qsort(tmp, m, sizeof(tmp[0]), cmp_byte);
			for (guint32 j = 0; j < m; j++) {
				ac->ecls[e] = tmp[j].cls;
				ac->eto[e] = tmp[j].to;
				e++;
			}
		}
		s->n_edges = m;
		/* Fail targets come earlier in BFS order, so their dict is final. */
		if (i != 0) {
			const struct ac_state *f = &ac->st[s->fail];
			s->dict = f->out ? s->fail : f->dict;
		}
	}
	ac->n_patterns = b->plen->len;
	ac->plen = (guint32 *)(void *)g_array_free(b->plen, FALSE);
	b->plen = NULL;
	g_array_free(b->nodes, TRUE);
	g_free(b);
	g_free(order);
	g_free(newid);
	return ac;
}

void
ac_free(struct ac *ac)
{
	if (ac == NULL)
		return;
	g_free(ac->st);
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

static inline guint32
step(const struct ac *ac, guint32 s, guint8 byte)
{
	guint8 c = ac->cls[byte];

	if (c == 0)
		return 0;
	while (s != 0) {
		const struct ac_state *st = &ac->st[s];
		const guint8 *ec = ac->ecls + st->edges;
		for (guint32 j = 0; j < st->n_edges; j++) {
			if (ec[j] == c)
				return ac->eto[st->edges + j];
			if (ec[j] > c)
				break;
		}
		s = st->fail;
	}
	return ac->root[byte];
}

void
ac_scan(const struct ac *ac, const char *text, gsize len, ac_hit_fn hit, void *user)
{
	guint32 s = 0;

	for (gsize i = 0; i < len; i++) {
		s = step(ac, s, (guint8)text[i]);
		if (s == 0)
			continue;
		const struct ac_state *st = &ac->st[s];
		if (st->out)
			hit(st->out - 1, i + 1, user);
		for (guint32 d = st->dict; d != 0; d = ac->st[d].dict)
			hit(ac->st[d].out - 1, i + 1, user);
	}
}
