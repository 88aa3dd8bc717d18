/* lfh_suggest — "did you mean ...?" for misspelled keys, stage names and columns. */
#ifndef LFH_SUGGEST_H
#define LFH_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance (bytes), capped at `cap`+1 to stay cheap on long strings. */
size_t lfh_edit_distance(const char *a, const char *b, size_t cap);

/* The candidate nearest to `word` within a distance that scales with its length
 * (at most max(1, len/3), or a case-insensitive match), or NULL. Candidates are borrowed. */
const char *lfh_suggest(const char *word, const char *const *candidates, size_t n);

#endif
