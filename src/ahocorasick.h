/* ahocorasick.h — a byte-level Aho-Corasick automaton: many patterns, one
 * pass over the text. Bytes are mapped to classes; the shallow states (where
 * text spends nearly all its time) get dense rows of complete transitions,
 * the rest sorted edge lists and failure links. The dense part is capped
 * (about 1 MB), so memory grows with the patterns, not with patterns x 256. */
#ifndef NW_AHOCORASICK_H
#define NW_AHOCORASICK_H

#include <glib.h>

struct ac_builder;
struct ac;

struct ac_builder *ac_builder_new(void);
/* Adds a pattern (len > 0 bytes); returns its id. Adding the same bytes
 * again returns the same id. */
guint32 ac_builder_add(struct ac_builder *b, const char *pat, gsize len);
/* Caps the dense rows at this many states (tests; default: by size). */
void ac_builder_set_dense_max(struct ac_builder *b, guint32 states);
/* Word mode: skip the occurrences that begin with an ASCII letter or digit
 * right after another one (inside a word), which a whole-word matcher would
 * throw away; the scan gets much faster on ordinary text. Every other
 * occurrence is still reported. */
void ac_builder_set_words(struct ac_builder *b, gboolean words);
/* Builds the automaton and frees the builder. */
struct ac *ac_build(struct ac_builder *b);
void ac_builder_free(struct ac_builder *b);             /* accepts NULL */
void ac_free(struct ac *ac);                            /* accepts NULL */

guint32 ac_n_patterns(const struct ac *ac);
guint32 ac_n_states(const struct ac *ac);
guint32 ac_pattern_len(const struct ac *ac, guint32 id);

/* Called for every occurrence, in order of end offset; end is exclusive. */
typedef void (*ac_hit_fn)(guint32 pattern, gsize end, void *user);
void ac_scan(const struct ac *ac, const char *text, gsize len, ac_hit_fn hit, void *user);

#endif
