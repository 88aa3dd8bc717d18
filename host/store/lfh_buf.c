/* lfh_buf — the growable byte buffer the store reads into and the encoders write into. */
#include "store/lfh_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Small buffers start here so that a few appends of headers don't realloc each time. */
#define LFH_BUF_FIRST_CAP 64

void lfh_buf_free(lfh_buf *b) {
  if (!b) return;
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* Grows by doubling (amortised O(1) appends); when doubling cannot reach the need or would
 * overflow, asks for exactly the need. On failure the buffer is unchanged. */
int lfh_buf_reserve(lfh_buf *b, size_t extra) {
  if (b->cap - b->len >= extra) return 0;
  if (extra > SIZE_MAX - b->len) return LF_ERR_NOMEM;
  size_t need = b->len + extra;
  size_t cap = b->cap ? b->cap : LFH_BUF_FIRST_CAP;
  while (cap < need && cap <= SIZE_MAX / 2) cap *= 2;
  if (cap < need) cap = need;
  uint8_t *p = realloc(b->data, cap);
  if (!p) return LF_ERR_NOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int lfh_buf_append(lfh_buf *b, const void *data, size_t len) {
  if (len == 0) return 0;
  if (lfh_buf_reserve(b, len) != 0) return LF_ERR_NOMEM;
  memcpy(b->data + b->len, data, len);
  b->len += len;
  return 0;
}
