/* simhash.c — near-duplicate headline detection (Charikar's SimHash). */
#include <string.h>

#include "simhash.h"

/* Words that carry no news: articles, prepositions, reporting verbs, and the
 * labels outlets stick on headlines. Sorted for bsearch. */
static const char *const stop_words[] = {
	"a", "about", "after", "against", "amid", "an", "analysis", "and", "are", "as",
	"at", "be", "been", "breaking", "but", "by", "exclusive", "for", "from", "had",
	"has", "have", "he", "her", "his", "in", "into", "is", "it", "its", "live",
	"new", "of", "on", "or", "over", "report", "reports", "said", "say", "says",
	"she", "than", "that", "the", "their", "they", "this", "to", "update",
	"updates", "video", "was", "watch", "were", "what", "will", "with",
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, *(const char *const *)b);
}

static gboolean
is_stop(const char *w)
{
	return bsearch(w, stop_words, G_N_ELEMENTS(stop_words), sizeof(stop_words[0]),
	               cmp_str) != NULL;
}

guint64
hash64(const void *data, gsize len, guint64 seed)
{
	const guchar *p = data;
	guint64 h = 0xcbf29ce484222325ULL ^ seed;

	for (gsize i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	/* splitmix64's finaliser: FNV alone leaves short inputs' high bits weak. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* Drops " - Outlet Name" / " | Outlet" when the tail is short and the head is not. */
static char *
strip_outlet(const char *title)
{
	static const char *const seps[] = { " - ", " | ", " \xe2\x80\x93 ", " \xe2\x80\x94 " };
	const char *cut = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(seps); i++) {
		const char *p = g_strrstr(title, seps[i]);

		if (p && (cut == NULL || p > cut))
			cut = p;
	}
	if (cut) {
		char **tail = g_strsplit_set(cut + 3, " ", -1);
		char **head = g_strsplit_set(title, " ", -1);
		guint nt = g_strv_length(tail), nh = g_strv_length(head) - nt;

		g_strfreev(tail);
		g_strfreev(head);
		if (nt <= 4 && nh >= 4)
			return g_strndup(title, (gsize)(cut - title));
	}
	return g_strdup(title);
}

char **
title_words(const char *title)
{
	GPtrArray *words = g_ptr_array_new();
	char *base, *nfkd, *folded;
	GString *w = g_string_new(NULL);

	if (title == NULL || !g_utf8_validate(title, -1, NULL)) {
		g_string_free(w, TRUE);
		g_ptr_array_add(words, NULL);
		return (char **)g_ptr_array_free(words, FALSE);
	}
	base = strip_outlet(title);
	nfkd = g_utf8_normalize(base, -1, G_NORMALIZE_NFKD);
	folded = g_utf8_casefold(nfkd ? nfkd : base, -1);
	for (const char *p = folded;; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c != 0 && g_unichar_ismark(c))
			continue;
		/* Apostrophes join ("gaza's" -> "gazas" -> "gaza"). */
		if (c == '\'' || c == 0x2019)
			continue;
		if (c != 0 && g_unichar_isalnum(c)) {
			g_string_append_unichar(w, c);
			continue;
		}
		if (w->len) {
			if (w->len > 3 && w->str[w->len - 1] == 's' && w->str[w->len - 2] != 's')
				g_string_truncate(w, w->len - 1);
			if (!is_stop(w->str))
				g_ptr_array_add(words, g_strdup(w->str));
			g_string_truncate(w, 0);
		}
		if (c == 0)
			break;
	}
	g_string_free(w, TRUE);
	g_free(folded);
	g_free(nfkd);
	g_free(base);
	g_ptr_array_add(words, NULL);
	return (char **)g_ptr_array_free(words, FALSE);
}

static void
add_feature(int v[64], const char *f)
{
	guint64 h = hash64(f, strlen(f), 0);

	for (int b = 0; b < 64; b++)
		v[b] += (h >> b) & 1 ? 1 : -1;
}

guint64
simhash_title(const char *title)
{
	char **words = title_words(title);
	int v[64] = { 0 };
	guint64 h = 0;

	if (words[0] == NULL) {
		g_strfreev(words);
		return 0;
	}
	for (guint i = 0; words[i]; i++) {
		add_feature(v, words[i]);
		if (words[i + 1]) {
			char *pair = g_strconcat(words[i], " ", words[i + 1], NULL);

			add_feature(v, pair);
			g_free(pair);
		}
	}
	for (int b = 0; b < 64; b++)
		if (v[b] > 0)
			h |= G_GUINT64_CONSTANT(1) << b;
	g_strfreev(words);
	return h;
}

int
simhash_distance(guint64 a, guint64 b)
{
	return __builtin_popcountll(a ^ b);
}
