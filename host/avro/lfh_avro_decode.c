/*
 * lfh_avro_decode — the generic decoder: one Avro binary datum into an lfh_avro_value tree.
 *
 * For metadata (manifests, manifest lists), where convenience beats speed; data files go
 * through lfh_avro_arrow. Input is hostile: every length is checked against the bytes
 * left, counts against what those bytes can hold, nesting against a depth of 64, and all
 * memory comes from an arena with a size limit, so no input can make it allocate without
 * bound or recurse off the stack.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro_internal.h"
#include "lf/lf_array.h"

#define MAX_DEPTH 64
#define CHUNK_MIN ((size_t)64 << 10)
#define CHUNK_MAX ((size_t)16 << 20)
#define DEFAULT_LIMIT ((size_t)1 << 30)
#define ALIGN 16

/* ------------------------------------------------------------ arena */

typedef struct chunk {
  struct chunk *next;
  size_t cap, used;
  alignas(ALIGN) unsigned char data[];
} chunk;

struct lfh_avro_arena {
  chunk *head; /* the newest and largest chunk; allocation happens here */
  size_t total, limit;
};

lfh_avro_arena *lfh_avro_arena_new(void) {
  lfh_avro_arena *a = calloc(1, sizeof *a);
  if (a) a->limit = DEFAULT_LIMIT;
  return a;
}

void lfh_avro_arena_set_limit(lfh_avro_arena *a, size_t bytes) { a->limit = bytes; }

static void free_chunks(chunk *c) {
  while (c) {
    chunk *next = c->next;
    free(c);
    c = next;
  }
}

void lfh_avro_arena_free(lfh_avro_arena *a) {
  if (!a) return;
  free_chunks(a->head);
  free(a);
}

/* Keeps only the largest chunk, so a reset-per-record loop settles on one allocation. */
void lfh_avro_arena_reset(lfh_avro_arena *a) {
  if (!a->head) return;
  free_chunks(a->head->next);
  a->head->next = NULL;
  a->head->used = 0;
  a->total = a->head->cap;
}

/* NULL when out of memory or beyond the limit. */
static void *arena_alloc(lfh_avro_arena *a, size_t n) {
  if (n > a->limit) return NULL;
  n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = c ? (c->cap < CHUNK_MAX ? 2 * c->cap : CHUNK_MAX) : CHUNK_MIN;
    size_t room = a->total < a->limit ? a->limit - a->total : 0;
    if (n > room) return NULL;
    if (cap < n) cap = n;
    if (cap > room) cap = room;
    if (!(c = malloc(sizeof *c + cap))) return NULL;
    c->next = a->head;
    c->cap = cap;
    c->used = 0;
    a->head = c;
    a->total += cap;
  }
  void *p = c->data + c->used;
  c->used += n;
  return p;
}

/* ------------------------------------------------------------ decoder */

typedef struct dec {
  const uint8_t *p, *end, *start;
  lfh_avro_arena *a;
  lf_error *err;
} dec;

static int bad(dec *d, const char *what) {
  return lf_error_set(d->err, LF_ERR_DATA, "avro decode: %s at datum byte %zu", what,
                      (size_t)(d->p - d->start));
}

static int nomem(dec *d) {
  return lf_error_set(d->err, LF_ERR_DATA,
                      "avro decode: value larger than the decoder's memory limit");
}

static int rd_long(dec *d, int64_t *v) {
  return lfh_avro_get_long(&d->p, d->end, v) == 0 ? 0 : bad(d, "truncated or overlong varint");
}

static size_t left(const dec *d) { return (size_t)(d->end - d->p); }

/* `n` bytes copied into the arena with a NUL after them, so strings are C strings too. */
static int rd_raw(dec *d, size_t n, lfh_avro_value *out) {
  if (n > left(d)) return bad(d, "length beyond the end of the data");
  uint8_t *s = n == SIZE_MAX ? NULL : arena_alloc(d->a, n + 1);
  if (!s) return nomem(d);
  memcpy(s, d->p, n);
  s[n] = 0;
  d->p += n;
  out->u.bytes.p = s;
  out->u.bytes.n = n;
  return 0;
}

static int rd_len_bytes(dec *d, lfh_avro_value *out) {
  int64_t n;
  int rc = rd_long(d, &n);
  if (rc) return rc;
  if (n < 0) return bad(d, "negative length");
  return rd_raw(d, (size_t)n, out);
}

static int rd_fixed_le(dec *d, size_t n, uint64_t *u) {
  if (left(d) < n) return bad(d, "truncated number");
  *u = 0;
  for (size_t i = 0; i < n; i++) *u |= (uint64_t)d->p[i] << (8 * i);
  d->p += n;
  return 0;
}

static int rd_float(dec *d, lfh_avro_value *out, int wide) {
  uint64_t u = 0;
  int rc = rd_fixed_le(d, wide ? 8 : 4, &u);
  if (rc) return rc;
  if (wide) {
    memcpy(&out->u.d, &u, 8);
  } else {
    uint32_t u32 = (uint32_t)u;
    float f;
    memcpy(&f, &u32, 4);
    out->u.d = f;
  }
  return 0;
}

static int rd_index(dec *d, size_t n, int64_t *i, const char *what) {
  int rc = rd_long(d, i);
  if (rc) return rc;
  return *i >= 0 && (uint64_t)*i < n ? 0 : bad(d, what);
}

static int dec_value(dec *d, const lfh_avro_schema *s, lfh_avro_value *out, int depth);

static int dec_record(dec *d, const lfh_avro_schema *s, lfh_avro_value *out, int depth) {
  out->u.c.n = s->n_fields;
  out->u.c.keys = NULL;
  out->u.c.items = arena_alloc(d->a, (s->n_fields ? s->n_fields : 1) * sizeof *out->u.c.items);
  if (!out->u.c.items) return nomem(d);
  for (size_t i = 0; i < s->n_fields; i++) {
    int rc = dec_value(d, s->fields[i].type, &out->u.c.items[i], depth + 1);
    if (rc) return rc;
  }
  return 0;
}

/* One block header of an array or map: its item count, checked against the bytes left
 * (each item takes at least `min` bytes; the arena limit bounds zero-size items). */
static int rd_block_count(dec *d, size_t min, int64_t *count) {
  int rc = rd_long(d, count);
  if (rc) return rc;
  if (*count < 0) {
    int64_t size;
    if (*count == INT64_MIN) return bad(d, "invalid block count");
    *count = -*count;
    if ((rc = rd_long(d, &size))) return rc;
    if (size < 0 || (uint64_t)size > left(d)) return bad(d, "block size beyond the data");
  }
  if (min && (uint64_t)*count > left(d) / min) return bad(d, "item count beyond the data");
  return 0;
}

/* Makes room for `more` items (and keys for maps) after the `n` already decoded. Arrays
 * usually come in one block, so copying on the next block is rare. */
static int grow_items(dec *d, lfh_avro_value *out, size_t more, int is_map) {
  size_t n = out->u.c.n, total = n + more;
  if (total < n || total > SIZE_MAX / sizeof(lfh_avro_value)) return nomem(d);
  lfh_avro_value *items = arena_alloc(d->a, (total ? total : 1) * sizeof *items);
  const char **keys = is_map ? arena_alloc(d->a, (total ? total : 1) * sizeof *keys) : NULL;
  if (!items || (is_map && !keys)) return nomem(d);
  if (n) memcpy(items, out->u.c.items, n * sizeof *items);
  if (n && is_map) memcpy(keys, out->u.c.keys, n * sizeof *keys);
  out->u.c.items = items;
  out->u.c.keys = keys;
  return 0;
}

static int dec_item(dec *d, const lfh_avro_schema *s, lfh_avro_value *out, int depth) {
  size_t i = out->u.c.n;
  if (s->type == LFH_AVRO_MAP) {
    lfh_avro_value k;
    int rc = rd_len_bytes(d, &k);
    if (rc) return rc;
    out->u.c.keys[i] = (const char *)k.u.bytes.p;
  }
  int rc = dec_value(d, s->items, &out->u.c.items[i], depth + 1);
  if (!rc) out->u.c.n++;
  return rc;
}

static int dec_blocks(dec *d, const lfh_avro_schema *s, lfh_avro_value *out, int depth) {
  int is_map = s->type == LFH_AVRO_MAP;
  size_t min = lfh_avro_min_size(s->items) + (is_map ? 1 : 0);
  out->u.c.n = 0;
  out->u.c.items = NULL;
  out->u.c.keys = NULL;
  for (;;) {
    int64_t count;
    int rc = rd_block_count(d, min, &count);
    if (rc) return rc;
    if (count == 0) return 0;
    if ((uint64_t)count > SIZE_MAX || (rc = grow_items(d, out, (size_t)count, is_map)))
      return rc ? rc : nomem(d);
    for (int64_t i = 0; i < count; i++)
      if ((rc = dec_item(d, s, out, depth))) return rc;
  }
}

static int dec_scalar(dec *d, const lfh_avro_schema *s, lfh_avro_value *out) {
  int64_t v;
  int rc;
  switch (s->type) {
  case LFH_AVRO_NULL: return 0;
  case LFH_AVRO_BOOLEAN:
    if (!left(d) || d->p[0] > 1) return bad(d, left(d) ? "boolean not 0 or 1" : "truncated boolean");
    out->u.b = *d->p++;
    return 0;
  case LFH_AVRO_INT:
    if ((rc = rd_long(d, &v))) return rc;
    if (v < INT32_MIN || v > INT32_MAX) return bad(d, "int out of range");
    out->u.l = v;
    return 0;
  case LFH_AVRO_LONG: return rd_long(d, &out->u.l);
  case LFH_AVRO_FLOAT: return rd_float(d, out, 0);
  case LFH_AVRO_DOUBLE: return rd_float(d, out, 1);
  case LFH_AVRO_BYTES:
  case LFH_AVRO_STRING: return rd_len_bytes(d, out);
  case LFH_AVRO_FIXED: return rd_raw(d, s->fixed_size, out);
  case LFH_AVRO_ENUM: return rd_index(d, s->n_symbols, &out->u.l, "enum index out of range");
  default: return bad(d, "unknown schema type");
  }
}

static int dec_value(dec *d, const lfh_avro_schema *s, lfh_avro_value *out, int depth) {
  if (depth > MAX_DEPTH) return bad(d, "nesting deeper than 64");
  out->schema = s;
  switch (s->type) {
  case LFH_AVRO_RECORD: return dec_record(d, s, out, depth);
  case LFH_AVRO_ARRAY:
  case LFH_AVRO_MAP: return dec_blocks(d, s, out, depth);
  case LFH_AVRO_UNION: {
    int64_t i;
    int rc = rd_index(d, s->n_branches, &i, "union branch index out of range");
    return rc ? rc : dec_value(d, s->branches[i], out, depth + 1);
  }
  default: return dec_scalar(d, s, out);
  }
}

int lfh_avro_decode(const lfh_avro_schema *schema, const uint8_t **p, const uint8_t *end,
                    lfh_avro_arena *a, lfh_avro_value *out, lf_error *err) {
  dec d = {.p = *p, .end = end, .start = *p, .a = a, .err = err};
  memset(out, 0, sizeof *out);
  if (!schema || !a || !p || !*p || end < *p)
    return lf_error_set(err, LF_ERR_INVALID, "avro decode: invalid arguments");
  int rc = dec_value(&d, schema, out, 0);
  if (rc) return rc;
  *p = d.p;
  return 0;
}

const lfh_avro_value *lfh_avro_get(const lfh_avro_value *rec, const char *name) {
  if (!rec || !rec->schema || rec->schema->type != LFH_AVRO_RECORD) return NULL;
  const lfh_avro_schema *s = rec->schema;
  for (size_t i = 0; i < s->n_fields && i < rec->u.c.n; i++)
    if (strcmp(s->fields[i].name, name) == 0) return &rec->u.c.items[i];
  return NULL;
}
