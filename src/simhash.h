/* simhash.h — near-duplicate headlines: a 64-bit SimHash of a title's
 * normalised words and word pairs. Titles of one event reworded by two outlets
 * land a few bits apart; the threshold is measured in docs/state.md. */
#ifndef NW_SIMHASH_H
#define NW_SIMHASH_H

#include <glib.h>

/* Titles at most this many bits apart are the same story (docs/state.md). */
#define SIMHASH_SAME_STORY 13

/* The normalised words of a title: NFKD, marks dropped, case-folded, split on
 * anything but letters and digits, stop words and an outlet suffix
 * ("… - BBC News") removed, a plural 's' trimmed. Caller g_strfreev's. */
char **title_words(const char *title);
/* SimHash over the words and adjacent word pairs; 0 for a title without words. */
guint64 simhash_title(const char *title);
int simhash_distance(guint64 a, guint64 b);
/* 64-bit FNV-1a finished with a strong mix, for features and keys. */
guint64 hash64(const void *data, gsize len, guint64 seed);

#endif
