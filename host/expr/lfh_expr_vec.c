/* lfh_expr_vec.c — the evaluation arena, vector allocation and string outputs. */
#include "expr/lfh_expr_vec.h"

#include <stdlib.h>
#include <string.h>

/* Chunks are kept across resets; a reset rewinds to the first. A request larger than the
 * chunk size gets a chunk of its own size, so one huge batch does not waste a chunk per
 * small allocation afterwards. */
#define CHUNK_MIN ((size_t)1 << 20)

typedef struct chunk {
  struct chunk *next;
  size_t cap, used;
  _Alignas(16) unsigned char data[];
} chunk;

struct lfh_arena {
  chunk *head;  /* every chunk, in allocation order */
  chunk *cur;   /* the chunk allocations come from */
  void *last;   /* the most recent allocation, for lfh_arena_grow */
};

lfh_arena *lfh_arena_new(void) { return calloc(1, sizeof(lfh_arena)); }

void lfh_arena_free(lfh_arena *a) {
  if (!a) return;
  for (chunk *c = a->head, *n; c; c = n) {
    n = c->next;
    free(c);
  }
  free(a);
}

void lfh_arena_reset(lfh_arena *a) {
  for (chunk *c = a->head; c; c = c->next) c->used = 0;
  a->cur = a->head;
  a->last = NULL;
}

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

/* The first chunk from `a->cur` on with `size` bytes free, appending a new one if none. */
static chunk *chunk_with_room(lfh_arena *a, size_t size) {
  chunk *c = a->cur, *prev = NULL;
  for (; c; prev = c, c = c->next)
    if (c->cap - c->used >= size) return a->cur = c;
  size_t cap = size > CHUNK_MIN ? size : CHUNK_MIN;
  if (cap > SIZE_MAX - sizeof(chunk)) return NULL;
  c = malloc(sizeof(chunk) + cap);
  if (!c) return NULL;
  c->next = NULL;
  c->cap = cap;
  c->used = 0;
  if (prev) prev->next = c; /* the loop ran to the tail */
  else a->head = c;          /* the first chunk */
  return a->cur = c;
}

void *lfh_arena_alloc(lfh_arena *a, size_t size) {
  if (size > SIZE_MAX - 16) return NULL;
  size = round16(size ? size : 1);
  chunk *c = chunk_with_room(a, size);
  if (!c) return NULL;
  void *p = c->data + c->used;
  c->used += size;
  return a->last = p;
}

void *lfh_arena_zalloc(lfh_arena *a, size_t size) {
  void *p = lfh_arena_alloc(a, size);
  if (p) memset(p, 0, size);
  return p;
}

void *lfh_arena_grow(lfh_arena *a, void *p, size_t old, size_t size) {
  if (!p) return lfh_arena_alloc(a, size);
  if (size <= old) return p;
  chunk *c = a->cur;
  size_t r_old = round16(old ? old : 1);
  if (p == a->last && c && (unsigned char *)p + r_old == c->data + c->used &&
      size <= SIZE_MAX - 16 && c->cap - (c->used - r_old) >= round16(size)) {
    c->used += round16(size) - r_old; /* the last allocation of cur: extend in place */
    return p;
  }
  void *q = lfh_arena_alloc(a, size);
  if (q) memcpy(q, p, old);
  return q;
}

/* ------------------------------------------------------------ vectors */

int lfh_vec_alloc(lfh_arena *a, uint32_t type, int64_t rows, int with_valid, lfh_vec *out) {
  memset(out, 0, sizeof(*out));
  out->type = type;
  out->len = rows;
  size_t n = rows > 0 ? (size_t)rows : 0;
  if (with_valid && !(out->valid = lfh_arena_alloc(a, n))) return LF_ERR_NOMEM;
  void *p = NULL;
  switch (type) {
  case LFH_TYPE_BOOLEAN:
  case LFH_TYPE_NULL: p = out->u.b = lfh_arena_alloc(a, n); break;
  case LFH_TYPE_BIGINT:
  case LFH_TYPE_TIMESTAMP:
  case LFH_TYPE_INTERVAL: p = out->u.i = lfh_arena_alloc(a, n * sizeof(int64_t)); break;
  case LFH_TYPE_DATE: p = out->u.days = lfh_arena_alloc(a, n * sizeof(int32_t)); break;
  case LFH_TYPE_DOUBLE: p = out->u.d = lfh_arena_alloc(a, n * sizeof(double)); break;
  case LFH_TYPE_STRING:
  case LFH_TYPE_BINARY: p = (void *)(out->u.s.off = lfh_arena_alloc(a, (n + 1) * sizeof(int32_t))); break;
  case LFH_TYPE_ARRAY: p = (void *)(out->u.a.off = lfh_arena_alloc(a, (n + 1) * sizeof(int32_t))); break;
  default: return LF_ERR_INTERNAL;
  }
  return p ? LF_OK : LF_ERR_NOMEM;
}

/* ------------------------------------------------------------ string outputs */

int lfh_strout_begin(lfh_strout *so, lfh_arena *a, lfh_vec *v) {
  memset(so, 0, sizeof(*so));
  so->arena = a;
  so->v = v;
  so->cap = 64 + (size_t)(v->len > 0 ? v->len : 0) * 16; /* a guess; grows in place */
  if (!(so->data = lfh_arena_alloc(a, so->cap))) return LF_ERR_NOMEM;
  ((int32_t *)v->u.s.off)[0] = 0;
  v->u.s.data = so->data;
  return LF_OK;
}

char *lfh_strout_reserve(lfh_strout *so, size_t n) {
  if (n > (size_t)INT32_MAX - so->len) return NULL; /* Arrow utf8 offsets are int32 */
  if (so->cap - so->len < n) {
    size_t cap = so->cap * 2 > so->len + n ? so->cap * 2 : so->len + n;
    if (cap > (size_t)INT32_MAX) cap = (size_t)INT32_MAX;
    char *d = lfh_arena_grow(so->arena, so->data, so->cap, cap);
    if (!d) return NULL;
    so->data = d;
    so->cap = cap;
    so->v->u.s.data = d;
  }
  return so->data + so->len;
}

void lfh_strout_commit(lfh_strout *so, size_t used) {
  so->len += used;
  if (so->v->valid) so->v->valid[so->row] = 1;
  ((int32_t *)so->v->u.s.off)[++so->row] = (int32_t)so->len;
}

int lfh_strout_add(lfh_strout *so, const char *p, size_t n) {
  char *dst = lfh_strout_reserve(so, n);
  if (!dst) return LF_ERR_NOMEM;
  if (n) memcpy(dst, p, n);
  lfh_strout_commit(so, n);
  return LF_OK;
}

void lfh_strout_null(lfh_strout *so) {
  if (so->v->valid) so->v->valid[so->row] = 0;
  ((int32_t *)so->v->u.s.off)[++so->row] = (int32_t)so->len;
}

void lfh_strout_end(lfh_strout *so) { so->v->u.s.data = so->data; }
