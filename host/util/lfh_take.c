/* lfh_take — row selection over Arrow arrays (see lfh_take.h). */
#include "util/lfh_take.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"

#define TAKE_MAX_DEPTH 64

/* How a format lays out its buffers; everything take needs to know about a type. */
typedef enum take_kind {
  K_NULL,   /* no buffers */
  K_BOOL,   /* validity, bit-packed values */
  K_FIXED,  /* validity, `width` bytes per value */
  K_BIN32,  /* validity, int32 offsets, bytes */
  K_BIN64,  /* validity, int64 offsets, bytes */
  K_STRUCT, /* validity; children */
  K_LIST32, /* validity, int32 offsets; one child (map: the entries struct) */
  K_LIST64  /* validity, int64 offsets; one child */
} take_kind;

typedef struct take_layout {
  take_kind kind;
  size_t width; /* K_FIXED only */
  int64_t n_buffers;
} take_layout;

size_t lfh_format_fixed_width(const char *f) {
  if (!f) return 0;
  static const struct { const char *fmt; size_t width; } k[] = {
      {"c", 1},   {"C", 1},   {"s", 2},   {"S", 2},   {"e", 2},   {"i", 4},
      {"I", 4},   {"f", 4},   {"l", 8},   {"L", 8},   {"g", 8},   {"tdD", 4},
      {"tdm", 8}, {"tts", 4}, {"ttm", 4}, {"ttu", 8}, {"ttn", 8}, {"tDs", 8},
      {"tDm", 8}, {"tDu", 8}, {"tDn", 8}, {"tiM", 4}, {"tiD", 8}, {"tin", 16}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (strcmp(f, k[i].fmt) == 0) return k[i].width;
  /* Timestamps with any time zone: "tss:", "tsm:", "tsu:", "tsn:" + zone. */
  if (strncmp(f, "ts", 2) == 0 && f[2] && strchr("smun", f[2]) && f[3] == ':') return 8;
  int width = 0, p = 0, s = 0, bits = 128, used = 0;
  if (sscanf(f, "w:%d%n", &width, &used) == 1 && f[used] == '\0' && width > 0)
    return (size_t)width;
  if (sscanf(f, "d:%d,%d%n", &p, &s, &used) == 2) {
    if (f[used] == ',' && sscanf(f + used, ",%d", &bits) != 1) return 0;
    if (bits == 32 || bits == 64 || bits == 128 || bits == 256) return (size_t)bits / 8;
  }
  return 0;
}

static int layout_of(const struct ArrowSchema *schema, take_layout *l, lf_error *err) {
  const char *f = schema->format;
  if (!f) return lf_error_set(err, LF_ERR_DATA, "a schema without a format");
  if (schema->dictionary)
    return lf_error_set(err, LF_ERR_UNSUPPORTED, "cannot take rows of a dictionary array");
  static const struct { const char *fmt; take_kind kind; int64_t n_buffers; } k[] = {
      {"n", K_NULL, 0},    {"b", K_BOOL, 2},      {"u", K_BIN32, 3},     {"z", K_BIN32, 3},
      {"U", K_BIN64, 3},   {"Z", K_BIN64, 3},     {"+s", K_STRUCT, 1},   {"+l", K_LIST32, 2},
      {"+m", K_LIST32, 2}, {"+L", K_LIST64, 2}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    if (strcmp(f, k[i].fmt) == 0) {
      *l = (take_layout){k[i].kind, 0, k[i].n_buffers};
      return LF_OK;
    }
  }
  size_t width = lfh_format_fixed_width(f);
  if (width == 0)
    return lf_error_set(err, LF_ERR_UNSUPPORTED, "cannot take rows of Arrow format '%s'", f);
  *l = (take_layout){K_FIXED, width, 2};
  return LF_OK;
}

/* ------------------------------------------------------------ the result's memory */

/* What one result array owns. Children live in `child_mem`; `child_ptrs` points at them. */
typedef struct take_priv {
  void *bufs[3];
  const void *buf_ptrs[3];
  struct ArrowArray *child_mem;
  struct ArrowArray **child_ptrs;
  int64_t n_children;
} take_priv;

static void take_release(struct ArrowArray *a) {
  if (!a || !a->release) return;
  take_priv *p = a->private_data;
  /* A child may have been moved out (release NULL): then it is someone else's. */
  for (int64_t i = 0; i < p->n_children; i++)
    if (p->child_mem[i].release) p->child_mem[i].release(&p->child_mem[i]);
  for (int i = 0; i < 3; i++) free(p->bufs[i]);
  free(p->child_mem);
  free(p->child_ptrs);
  free(p);
  a->release = NULL;
}

/* Initialises *out as an empty result of `n` rows with room for `n_children` children. */
static int node_init(struct ArrowArray *out, int64_t n, int64_t n_buffers, int64_t n_children,
                     lf_error *err) {
  memset(out, 0, sizeof *out);
  take_priv *p = calloc(1, sizeof *p);
  if (!p) return lf_error_set(err, LF_ERR_NOMEM, "out of memory taking rows");
  if (n_children > 0) {
    p->child_mem = calloc((size_t)n_children, sizeof *p->child_mem);
    p->child_ptrs = calloc((size_t)n_children, sizeof *p->child_ptrs);
    if (!p->child_mem || !p->child_ptrs) {
      free(p->child_mem);
      free(p->child_ptrs);
      free(p);
      return lf_error_set(err, LF_ERR_NOMEM, "out of memory taking rows");
    }
    for (int64_t i = 0; i < n_children; i++) p->child_ptrs[i] = &p->child_mem[i];
  }
  p->n_children = n_children;
  out->length = n;
  out->n_buffers = n_buffers;
  out->n_children = n_children;
  out->buffers = p->buf_ptrs;
  out->children = n_children > 0 ? p->child_ptrs : NULL;
  out->private_data = p;
  out->release = take_release;
  return LF_OK;
}

/* Allocates buffer i of a result (at least one byte, so no buffer but validity is NULL). */
static void *node_buffer(struct ArrowArray *out, int i, size_t size, int zero) {
  take_priv *p = out->private_data;
  void *b = zero ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
  if (!b) return NULL;
  p->bufs[i] = b;
  p->buf_ptrs[i] = b;
  return b;
}

/* ------------------------------------------------------------ one level */

/* Rows are given as logical indices `idx` plus `base`: row k of the result is physical
 * element a->offset + base + idx[k] of `a`. `base` carries a struct's offset down to its
 * children without rewriting the index list. */
typedef struct take_sel {
  const int64_t *idx;
  int64_t n;
  int64_t base;
} take_sel;

#define PHYS(a, s, k) ((a)->offset + (s)->base + (s)->idx[k])
#define GET_BIT(b, i) (((b)[(i) >> 3] >> ((i) & 7)) & 1)
#define SET_BIT(b, i) ((b)[(i) >> 3] |= (uint8_t)(1u << ((i) & 7)))

static int row_valid(const struct ArrowArray *a, int64_t phys) {
  const uint8_t *v = a->n_buffers > 0 ? a->buffers[0] : NULL;
  return !v || a->null_count == 0 || GET_BIT(v, phys);
}

static int take_validity(const struct ArrowArray *a, const take_sel *s, struct ArrowArray *out,
                         lf_error *err) {
  const uint8_t *v = a->buffers[0];
  if (!v || a->null_count == 0) return LF_OK;
  uint8_t *bits = node_buffer(out, 0, (size_t)(s->n + 7) / 8, 1);
  if (!bits) return lf_error_set(err, LF_ERR_NOMEM, "out of memory taking rows");
  int64_t nulls = 0;
  for (int64_t k = 0; k < s->n; k++) {
    if (GET_BIT(v, PHYS(a, s, k))) SET_BIT(bits, k);
    else nulls++;
  }
  out->null_count = nulls;
  if (nulls == 0) { /* no selected row is null: drop the bitmap */
    take_priv *p = out->private_data;
    free(p->bufs[0]);
    p->bufs[0] = NULL;
    p->buf_ptrs[0] = NULL;
  }
  return LF_OK;
}

static int take_bool(const struct ArrowArray *a, const take_sel *s, struct ArrowArray *out,
                     lf_error *err) {
  const uint8_t *src = a->buffers[1];
  uint8_t *dst = node_buffer(out, 1, (size_t)(s->n + 7) / 8, 1);
  if (!dst) return lf_error_set(err, LF_ERR_NOMEM, "out of memory taking rows");
  if (s->n > 0 && !src) return lf_error_set(err, LF_ERR_DATA, "bool array without values");
  for (int64_t k = 0; k < s->n; k++)
    if (GET_BIT(src, PHYS(a, s, k))) SET_BIT(dst, k);
  return LF_OK;
}

static int take_fixed(const struct ArrowArray *a, const take_sel *s, size_t width,
                      struct ArrowArray *out, lf_error *err) {
  const uint8_t *src = a->buffers[1];
  uint8_t *dst = node_buffer(out, 1, (size_t)s->n * width, 0);
  if (!dst) return lf_error_set(err, LF_ERR_NOMEM, "out of memory taking rows");
  if (s->n > 0 && !src) return lf_error_set(err, LF_ERR_DATA, "array without values");
  /* Constant-size copies for the common widths let the compiler emit plain moves. */
  switch (width) {
  case 4:
    for (int64_t k = 0; k < s->n; k++) memcpy(dst + k * 4, src + PHYS(a, s, k) * 4, 4);
    break;
  case 8:
    for (int64_t k = 0; k < s->n; k++) memcpy(dst + k * 8, src + PHYS(a, s, k) * 8, 8);
    break;
  default:
    for (int64_t k = 0; k < s->n; k++)
      memcpy(dst + (size_t)k * width, src + (size_t)PHYS(a, s, k) * width, width);
  }
  return LF_OK;
}

/* Offsets of row `phys` as int64, whatever their width. */
static void range_of(const struct ArrowArray *a, int wide, int64_t phys, int64_t *b, int64_t *e) {
  if (wide) {
    const int64_t *o = a->buffers[1];
    *b = o[phys];
    *e = o[phys + 1];
  } else {
    const int32_t *o = a->buffers[1];
    *b = o[phys];
    *e = o[phys + 1];
  }
}

static void put_offset(void *offs, int wide, int64_t k, int64_t v) {
  if (wide) ((int64_t *)offs)[k] = v;
  else ((int32_t *)offs)[k] = (int32_t)v;
}

/* Sums the selected valid rows' ranges, checking each lies within [0, limit]. */
static int sum_ranges(const struct ArrowArray *a, const take_sel *s, int wide, int64_t limit,
                      int64_t *total, lf_error *err) {
  int64_t sum = 0;
  if (s->n > 0 && !a->buffers[1])
    return lf_error_set(err, LF_ERR_DATA, "variable-size array without offsets");
  for (int64_t k = 0; k < s->n; k++) {
    int64_t p = PHYS(a, s, k), b, e;
    if (!row_valid(a, p)) continue;
    range_of(a, wide, p, &b, &e);
    if (b < 0 || e < b || (limit >= 0 && e > limit))
      return lf_error_set(err, LF_ERR_DATA, "offsets [%lld, %lld) of row %lld are invalid",
                          (long long)b, (long long)e, (long long)(p - a->offset));
    sum += e - b;
  }
  if (!wide && sum > INT32_MAX)
    return lf_error_set(err, LF_ERR_DATA, "the selected rows exceed 2 GiB of 32-bit offsets");
  *total = sum;
  return LF_OK;
}

static int take_binary(const struct ArrowArray *a, const take_sel *s, int wide,
                       struct ArrowArray *out, lf_error *err) {
  int64_t total = 0;
  int rc = sum_ranges(a, s, wide, -1, &total, err);
  if (rc != LF_OK) return rc;
  size_t osz = wide ? sizeof(int64_t) : sizeof(int32_t);
  void *offs = node_buffer(out, 1, (size_t)(s->n + 1) * osz, 0);
  char *data = offs ? node_buffer(out, 2, (size_t)total, 0) : NULL;
  if (!data) return lf_error_set(err, LF_ERR_NOMEM, "out of memory taking rows");
  const char *src = a->buffers[2];
  if (total > 0 && !src) return lf_error_set(err, LF_ERR_DATA, "string array without data");
  int64_t at = 0;
  for (int64_t k = 0; k < s->n; k++) {
    put_offset(offs, wide, k, at);
    int64_t p = PHYS(a, s, k), b, e;
    if (!row_valid(a, p)) continue;
    range_of(a, wide, p, &b, &e);
    if (e > b) memcpy(data + at, src + b, (size_t)(e - b)); /* src may be NULL if all empty */
    at += e - b;
  }
  put_offset(offs, wide, s->n, at);
  return LF_OK;
}

static int take_node(const struct ArrowSchema *schema, const struct ArrowArray *a,
                     const take_sel *s, int depth, struct ArrowArray *out, lf_error *err);

static int take_list(const struct ArrowSchema *schema, const struct ArrowArray *a,
                     const take_sel *s, int wide, int depth, struct ArrowArray *out,
                     lf_error *err) {
  const struct ArrowArray *child = a->children[0];
  int64_t total = 0;
  int rc = sum_ranges(a, s, wide, child->length, &total, err);
  if (rc != LF_OK) return rc;
  size_t osz = wide ? sizeof(int64_t) : sizeof(int32_t);
  void *offs = node_buffer(out, 1, (size_t)(s->n + 1) * osz, 0);
  int64_t *items = offs ? malloc((size_t)(total ? total : 1) * sizeof *items) : NULL;
  if (!items) return lf_error_set(err, LF_ERR_NOMEM, "out of memory taking rows");
  int64_t at = 0;
  for (int64_t k = 0; k < s->n; k++) {
    put_offset(offs, wide, k, at);
    int64_t p = PHYS(a, s, k), b, e;
    if (!row_valid(a, p)) continue;
    range_of(a, wide, p, &b, &e);
    for (int64_t j = b; j < e; j++) items[at++] = j;
  }
  put_offset(offs, wide, s->n, at);
  /* List offsets index the child's logical rows: no base to carry down. */
  take_sel cs = {items, total, 0};
  rc = take_node(schema->children[0], child, &cs, depth + 1, out->children[0], err);
  free(items);
  return rc;
}

static int take_struct(const struct ArrowSchema *schema, const struct ArrowArray *a,
                       const take_sel *s, int depth, struct ArrowArray *out, lf_error *err) {
  /* Row r of a struct is row offset + r of each child (Arrow's offset applies downward). */
  take_sel cs = {s->idx, s->n, a->offset + s->base};
  for (int64_t i = 0; i < a->n_children; i++) {
    const struct ArrowArray *c = a->children[i];
    if (s->n > 0 && c->length < a->offset + a->length)
      return lf_error_set(err, LF_ERR_DATA, "struct child '%s' has %lld rows, needs %lld",
                          schema->children[i]->name ? schema->children[i]->name : "",
                          (long long)c->length, (long long)(a->offset + a->length));
    int rc = take_node(schema->children[i], c, &cs, depth + 1, out->children[i], err);
    if (rc != LF_OK) return rc;
  }
  return LF_OK;
}

/* Buffer and child counts as the layout requires, so nothing below reads past them. */
static int check_shape(const struct ArrowSchema *schema, const struct ArrowArray *a,
                       const take_layout *l, lf_error *err) {
  int64_t want_children = l->kind == K_STRUCT ? schema->n_children
                        : (l->kind == K_LIST32 || l->kind == K_LIST64) ? 1 : 0;
  if (!a->release) return lf_error_set(err, LF_ERR_DATA, "a released array");
  if (a->n_buffers != l->n_buffers || (a->n_buffers > 0 && !a->buffers))
    return lf_error_set(err, LF_ERR_DATA, "format '%s' needs %lld buffers, the array has %lld",
                        schema->format, (long long)l->n_buffers, (long long)a->n_buffers);
  if (a->n_children != want_children || schema->n_children != want_children ||
      (want_children > 0 && (!a->children || !schema->children)))
    return lf_error_set(err, LF_ERR_DATA, "format '%s' needs %lld children, found %lld",
                        schema->format, (long long)want_children, (long long)a->n_children);
  if (a->offset < 0 || a->length < 0)
    return lf_error_set(err, LF_ERR_DATA, "negative length or offset");
  return LF_OK;
}

static int take_node(const struct ArrowSchema *schema, const struct ArrowArray *a,
                     const take_sel *s, int depth, struct ArrowArray *out, lf_error *err) {
  take_layout l = {K_NULL, 0, 0};
  if (depth > TAKE_MAX_DEPTH)
    return lf_error_set(err, LF_ERR_DATA, "nesting deeper than %d levels", TAKE_MAX_DEPTH);
  int rc = layout_of(schema, &l, err);
  if (rc == LF_OK) rc = check_shape(schema, a, &l, err);
  if (rc == LF_OK) rc = node_init(out, s->n, l.n_buffers, a->n_children, err);
  if (rc != LF_OK) return rc;
  if (l.kind == K_NULL) {
    out->null_count = s->n;
    return LF_OK;
  }
  rc = take_validity(a, s, out, err);
  if (rc != LF_OK) goto fail;
  switch (l.kind) {
  case K_BOOL: rc = take_bool(a, s, out, err); break;
  case K_FIXED: rc = take_fixed(a, s, l.width, out, err); break;
  case K_BIN32: rc = take_binary(a, s, 0, out, err); break;
  case K_BIN64: rc = take_binary(a, s, 1, out, err); break;
  case K_STRUCT: rc = take_struct(schema, a, s, depth, out, err); break;
  case K_LIST32: rc = take_list(schema, a, s, 0, depth, out, err); break;
  case K_LIST64: rc = take_list(schema, a, s, 1, depth, out, err); break;
  case K_NULL: break;
  }
  if (rc == LF_OK) return LF_OK;
fail:
  take_release(out);
  return rc;
}

/* ------------------------------------------------------------ public */

int lfh_take(const struct ArrowSchema *schema, const struct ArrowArray *array,
             const int64_t *rows, int64_t n, struct ArrowArray *out, lf_error *err) {
  if (!out) return lf_error_set(err, LF_ERR_INVALID, "lfh_take: out is NULL");
  memset(out, 0, sizeof *out);
  if (!schema || !array || n < 0 || (n > 0 && !rows))
    return lf_error_set(err, LF_ERR_INVALID, "lfh_take: missing schema, array or rows");
  for (int64_t k = 0; k < n; k++)
    if (rows[k] < 0 || rows[k] >= array->length)
      return lf_error_set(err, LF_ERR_INVALID, "row %lld is out of range (the array has %lld)",
                          (long long)rows[k], (long long)array->length);
  take_sel s = {rows, n, 0};
  return take_node(schema, array, &s, 0, out, err);
}

int64_t lfh_mask_count(const uint8_t *keep, int64_t n) {
  int64_t c = 0;
  for (int64_t i = 0; i < n; i++) c += keep[i] != 0;
  return c;
}

int lfh_filter(const struct ArrowSchema *schema, const struct ArrowArray *array,
               const uint8_t *keep, struct ArrowArray *out, lf_error *err) {
  if (!out) return lf_error_set(err, LF_ERR_INVALID, "lfh_filter: out is NULL");
  memset(out, 0, sizeof *out);
  if (!array || (array->length > 0 && !keep))
    return lf_error_set(err, LF_ERR_INVALID, "lfh_filter: missing array or mask");
  int64_t n = lfh_mask_count(keep, array->length), at = 0;
  int64_t *rows = malloc((size_t)(n ? n : 1) * sizeof *rows);
  if (!rows) return lf_error_set(err, LF_ERR_NOMEM, "out of memory filtering rows");
  for (int64_t i = 0; i < array->length; i++)
    if (keep[i]) rows[at++] = i;
  int rc = lfh_take(schema, array, rows, n, out, err);
  free(rows);
  return rc;
}

/* ------------------------------------------------------------ all-null arrays */

static int nulls_node(const struct ArrowSchema *schema, int64_t n, struct ArrowArray *out,
                      lf_error *err) {
  take_layout l;
  int rc = layout_of(schema, &l, err);
  int64_t kids = l.kind == K_STRUCT ? schema->n_children
                 : (l.kind == K_LIST32 || l.kind == K_LIST64) ? 1 : 0;
  if (rc == LF_OK && kids > 0 && schema->n_children < kids)
    rc = lf_error_set(err, LF_ERR_DATA, "a list schema without its item");
  if (rc == LF_OK) rc = node_init(out, n, l.n_buffers, kids, err);
  if (rc != LF_OK) return rc;
  out->null_count = n;
  size_t bits = (size_t)(n + 7) / 8;
  int ok = l.kind == K_NULL || node_buffer(out, 0, bits, 1) != NULL;
  if (ok && l.kind == K_BOOL) ok = node_buffer(out, 1, bits, 1) != NULL;
  if (ok && l.kind == K_FIXED) ok = node_buffer(out, 1, (size_t)n * l.width, 1) != NULL;
  if (ok && (l.kind == K_BIN32 || l.kind == K_LIST32))
    ok = node_buffer(out, 1, (size_t)(n + 1) * 4, 1) != NULL;
  if (ok && (l.kind == K_BIN64 || l.kind == K_LIST64))
    ok = node_buffer(out, 1, (size_t)(n + 1) * 8, 1) != NULL;
  if (ok && (l.kind == K_BIN32 || l.kind == K_BIN64)) ok = node_buffer(out, 2, 0, 1) != NULL;
  if (!ok) rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory making a null column");
  /* struct children have the struct's rows; list items none (every list is empty) */
  for (int64_t i = 0; rc == LF_OK && i < kids; i++)
    rc = nulls_node(schema->children[i], l.kind == K_STRUCT ? n : 0, out->children[i], err);
  if (rc != LF_OK) take_release(out);
  return rc;
}

int lfh_nulls(const struct ArrowSchema *schema, int64_t n, struct ArrowArray *out, lf_error *err) {
  if (n < 0) return lf_error_set(err, LF_ERR_INVALID, "a negative row count");
  return nulls_node(schema, n, out, err);
}
