#include "lfh_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int lfh_grow(void *itemsp, size_t *cap, size_t need, size_t elem, size_t first) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : (first ? first : 1);
  while (n < need) {
    if (n > SIZE_MAX / 2 / elem) return -1;
    n *= 2;
  }
  /* memcpy, not a cast to void **: the caller's pointer has type T *, not void * */
  void *old;
  memcpy(&old, itemsp, sizeof old);
  void *items = realloc(old, n * elem);
  if (!items) return -1;
  memcpy(itemsp, &items, sizeof items);
  *cap = n;
  return 0;
}

char *lfh_memdup_str(const void *p, size_t n) {
  char *out = malloc(n + 1);
  if (!out) return NULL;
  if (n) memcpy(out, p, n);
  out[n] = '\0';
  return out;
}

int lfh_dup_or_null(const char *s, char **out) {
  *out = s ? strdup(s) : NULL;
  return s && !*out ? -1 : 0;
}
