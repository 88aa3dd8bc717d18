#include "lfh_suggest.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t lfh_edit_distance(const char *a, const char *b, size_t cap) {
  size_t la = strlen(a), lb = strlen(b);
  if ((la > lb ? la - lb : lb - la) > cap) return cap + 1;
  size_t *row = malloc((lb + 1) * sizeof *row);
  if (!row) return cap + 1;
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0], best = i;
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t sub = diag + (a[i - 1] != b[j - 1]);
      size_t del = up + 1, ins = row[j - 1] + 1;
      size_t v = sub < del ? sub : del;
      row[j] = v < ins ? v : ins;
      diag = up;
      if (row[j] < best) best = row[j];
    }
    if (best > cap) { /* every path already costs more than the cap */
      free(row);
      return cap + 1;
    }
  }
  size_t d = row[lb];
  free(row);
  return d > cap ? cap + 1 : d;
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
