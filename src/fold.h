/* fold.h — text normalisation for matching.
 * NFKD, combining marks removed, case-folded, typographic apostrophes
 * unified to ', every dash and hyphen turned into a space (so "Ramstein-format"
 * = "Ramstein format"), soft hyphens and zero-width characters dropped,
 * whitespace collapsed; plus a map from every folded byte
 * back to the original text, so that exact-case aliases can be checked and
 * snippets cut from what the publisher wrote. */
#ifndef NW_FOLD_H
#define NW_FOLD_H

#include <glib.h>
#include <sys/types.h>

/* Reusable folding buffer: fold_run() overwrites the previous result, so a
 * matcher keeps one and folds every field without allocating after warm-up.
 * Not thread-safe; one per thread. */
struct fold {
	GString *text;        /* folded text, NUL-terminated */
	GArray *map;          /* guint32 per folded byte: offset of the original
	                         character it came from; map[text->len] = original length */
	struct fold_cache *cache;   /* folded forms of characters beyond U+07FF, private */
};

void fold_init(struct fold *f);
void fold_clear(struct fold *f);                        /* frees the buffers; accepts zeroed */

/* Folds src (len < 0: NUL-terminated; invalid UTF-8 bytes become U+FFFD).
 * Returns f->text->str, valid until the next call. */
const char *fold_run(struct fold *f, const char *src, gssize len);

/* Original byte offsets of the folded range [start, end) (end exclusive),
 * given the original text src the map was built from. */
void fold_orig_range(const struct fold *f, const char *src, gsize start, gsize end,
                     gsize *ostart, gsize *oend);

/* One-shot convenience: the folded form of s (caller frees). */
char *fold_string(const char *s);

/* Word characters for boundaries: letters and digits of any script.
 * Apostrophes, hyphens, '#', brackets and spaces are boundaries. */
gboolean fold_is_word_char(gunichar c);
/* Is there a word character ending right before offset i of folded text s? */
gboolean fold_word_before(const char *s, gsize i);
/* Is there a word character starting at offset i of folded text s (len bytes)? */
gboolean fold_word_at(const char *s, gsize len, gsize i);

#endif
