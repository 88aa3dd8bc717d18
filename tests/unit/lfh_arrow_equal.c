/* lfh_arrow_equal.c — see lfh_arrow_equal.h. Formats it knows: utf8, list, map, bool,
 * 4-byte (int32, float, date32) and 8-byte (int64, double, timestamps) values, structs. */
#include "lfh_arrow_equal.h"

#include <stdint.h>
#include <string.h>

static int bit(const uint8_t *v, int64_t i) { return (v[i >> 3] >> (i & 7)) & 1; }

int lfh_arrays_equal(const struct ArrowSchema *s, const struct ArrowArray *a,
                     const struct ArrowArray *b) {
  if (a->length != b->length || a->null_count != b->null_count ||
      a->n_children != b->n_children || a->n_buffers != b->n_buffers)
    return 0;
  int64_t n = a->length;
  const uint8_t *va = a->buffers[0], *vb = b->buffers[0];
  for (int64_t i = 0; a->null_count && i < n; i++)
    if (bit(va, i) != bit(vb, i)) return 0;
  const char *f = s->format;
  size_t w = 0;
  if (strcmp(f, "u") == 0 || strcmp(f, "+l") == 0 || strcmp(f, "+m") == 0) {
    const int32_t *oa = a->buffers[1], *ob = b->buffers[1];
    if (memcmp(oa, ob, (size_t)(n + 1) * 4) != 0) return 0;
    if (f[0] == 'u' && memcmp(a->buffers[2], b->buffers[2], (size_t)oa[n]) != 0) return 0;
  } else if (strcmp(f, "b") == 0) {
    w = 1; /* bits, compared one by one below */
  } else if (strcmp(f, "i") == 0 || strcmp(f, "f") == 0 || strcmp(f, "tdD") == 0) {
    w = 4;
  } else if (f[0] != '+') {
    w = 8;
  }
  const uint8_t *xa = w ? a->buffers[1] : NULL, *xb = w ? b->buffers[1] : NULL;
  for (int64_t i = 0; w && i < n; i++) {
    if (a->null_count && !bit(va, i)) continue;
    if (w == 1 ? bit(xa, i) != bit(xb, i)
               : memcmp(xa + i * (int64_t)w, xb + i * (int64_t)w, w) != 0)
      return 0;
  }
  for (int64_t k = 0; k < a->n_children; k++)
    if (!lfh_arrays_equal(s->children[k], a->children[k], b->children[k])) return 0;
  return 1;
}
