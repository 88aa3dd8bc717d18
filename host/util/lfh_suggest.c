#include "lfh_suggest.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Optimal string alignment distance: Levenshtein plus adjacent transpositions, because
 * "tagret" for "target" is the typo people make most and should cost one edit, not two.
 * Three rolling rows: the one before last is needed for the transposition. */
size_t lfh_edit_distance(const char *a, const char *b, size_t cap) {
  size_t la = strlen(a), lb = strlen(b);
  if ((la > lb ? la - lb : lb - la) > cap) return cap + 1;
  size_t *mem = malloc(3 * (lb + 1) * sizeof *mem);
  if (!mem) return cap + 1;
  size_t *prev2 = mem, *prev = mem + lb + 1, *row = mem + 2 * (lb + 1);
  for (size_t j = 0; j <= lb; j++) prev[j] = j;
  size_t d = cap + 1;
  for (size_t i = 1; i <= la; i++) {
    size_t best = row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = row[j - 1] + 1;
      size_t v = sub < del ? sub : del;
      v = v < ins ? v : ins;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
        v = prev2[j - 2] + 1;
      row[j] = v;
      if (v < best) best = v;
    }
    if (best > cap) goto done; /* every alignment already costs more than the cap */
    size_t *t = prev2;
    prev2 = prev;
    prev = row;
    row = t;
  }
  d = prev[lb] > cap ? cap + 1 : prev[lb];
done:
  free(mem);
  return d;
}

const char *lfh_suggest(const char *word, const char *const *candidates, size_t n) {
  size_t len = strlen(word);
  size_t limit = len / 3 > 1 ? len / 3 : 1;
  const char *best = NULL;
  size_t best_d = limit + 1;
  for (size_t i = 0; i < n; i++) {
    if (!candidates[i]) continue;
    if (strcasecmp(word, candidates[i]) == 0) return candidates[i];
    size_t d = lfh_edit_distance(word, candidates[i], limit);
    if (d < best_d) {
      best_d = d;
      best = candidates[i];
    }
  }
  return best;
}
