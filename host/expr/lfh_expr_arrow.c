/* lfh_expr_arrow.c — Arrow columns in, Arrow arrays out.
 *
 * Loading is zero-copy where the layouts agree: int64, double, timestamp and date32
 * values and utf8/binary offsets and bytes are used in place (a pointer plus the slice's
 * offset). Validity bitmaps of the column and of every enclosing struct (and of the
 * batch itself) are ANDed into one byte per row; int32/float columns are widened and
 * bit-packed booleans unpacked into the slice's arena. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* the kernels' loops vectorise at O3, not at O2 */
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_expr_ast.h"
#include "lf/lf_array.h"

static const char k_empty[1] = "";

/* ------------------------------------------------------------ bitmaps */

/* 8 bytes (0/1 each) for every bitmap byte, built once. */
static uint64_t g_expand[256];
static pthread_once_t g_expand_once = PTHREAD_ONCE_INIT;

static void expand_build(void) {
  for (int b = 0; b < 256; b++) {
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) v |= (uint64_t)((b >> k) & 1) << (8 * k);
    g_expand[b] = v;
  }
}

static void expand_init(void) { pthread_once(&g_expand_once, expand_build); }

/* out[i] = bit (off + i) of bm, for i < n (little-endian hosts: byte k of the 64-bit
 * word is row k). */
static void unpack_bits(const uint8_t *bm, int64_t off, int64_t n, uint8_t *out) {
  int64_t i = 0;
  for (; i < n && ((off + i) & 7); i++) out[i] = (bm[(off + i) >> 3] >> ((off + i) & 7)) & 1;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint8_t *p = bm + ((off + i) >> 3);
  for (; i + 8 <= n; i += 8) memcpy(out + i, &g_expand[*p++], 8);
#endif
  for (; i < n; i++) out[i] = (bm[(off + i) >> 3] >> ((off + i) & 7)) & 1;
}

/* ANDs the validity bitmap of `arr` (at physical index `phys`) into *valid. */
static int and_validity(lfh_arena *a, const struct ArrowArray *arr, int64_t phys, int64_t rows,
                        uint8_t **valid) {
  if (arr->null_count == 0 || arr->n_buffers < 1 || !arr->buffers[0]) return LF_OK;
  const uint8_t *bm = arr->buffers[0];
  if (!*valid) {
    if (!(*valid = lfh_arena_alloc(a, (size_t)rows))) return LF_ERR_NOMEM;
    unpack_bits(bm, phys, rows, *valid);
    return LF_OK;
  }
  uint8_t *tmp = lfh_arena_alloc(a, (size_t)rows);
  if (!tmp) return LF_ERR_NOMEM;
  unpack_bits(bm, phys, rows, tmp);
  for (int64_t r = 0; r < rows; r++) (*valid)[r] &= tmp[r];
  return LF_OK;
}

/* ------------------------------------------------------------ formats */

uint32_t lfh_type_of_format(const char *f) {
  if (!f) return LFH_TYPE_UNSUPPORTED;
  if (!strcmp(f, "l") || !strcmp(f, "i") || !strcmp(f, "s") || !strcmp(f, "c") ||
      !strcmp(f, "I") || !strcmp(f, "S") || !strcmp(f, "C"))
    return LFH_TYPE_BIGINT;
  if (!strcmp(f, "g") || !strcmp(f, "f")) return LFH_TYPE_DOUBLE;
  if (!strcmp(f, "b")) return LFH_TYPE_BOOLEAN;
  if (!strcmp(f, "u")) return LFH_TYPE_STRING;
  if (!strcmp(f, "z")) return LFH_TYPE_BINARY;
  if (!strncmp(f, "tsu:", 4)) return LFH_TYPE_TIMESTAMP;
  if (!strcmp(f, "tdD")) return LFH_TYPE_DATE;
  if (!strcmp(f, "+s")) return LFH_TYPE_STRUCT;
  if (!strcmp(f, "+l")) return LFH_TYPE_LIST; /* ARRAY when its items are utf8 */
  if (!strcmp(f, "+m")) return LFH_TYPE_MAP;
  return LFH_TYPE_UNSUPPORTED;
}

const char *lfh_type_format(uint32_t type) {
  switch (type) {
  case LFH_TYPE_NULL: return "n";
  case LFH_TYPE_BOOLEAN: return "b";
  case LFH_TYPE_BIGINT: return "l";
  case LFH_TYPE_DOUBLE: return "g";
  case LFH_TYPE_STRING: return "u";
  case LFH_TYPE_BINARY: return "z";
  case LFH_TYPE_TIMESTAMP: return "tsu:UTC";
  case LFH_TYPE_DATE: return "tdD";
  case LFH_TYPE_INTERVAL: return "tDu";
  case LFH_TYPE_ARRAY: return "+l";
  default: return NULL;
  }
}

/* ------------------------------------------------------------ loading */

int lfh_arrow_check_batch(const struct ArrowArray *batch, const lfh_colref *cols, int ncols,
                          lf_error *err) {
  if (!batch || !batch->release || batch->length < 0 || batch->offset < 0)
    return lf_error_set(err, LF_ERR_INVALID, "expression input is not a valid Arrow array");
  for (int c = 0; c < ncols; c++) {
    const lfh_colref *ref = &cols[c];
    const struct ArrowArray *arr = batch;
    int64_t end = batch->offset + batch->length;
    for (int k = 0; k < ref->depth; k++) {
      if (arr->n_children <= ref->idx[k] || !arr->children || !arr->children[ref->idx[k]])
        return lf_error_set(err, LF_ERR_INVALID, "batch has no column '%s' (schema mismatch)",
                            ref->path);
      arr = arr->children[ref->idx[k]];
      if (arr->length < end || arr->offset < 0)
        return lf_error_set(err, LF_ERR_INVALID, "column '%s' is shorter than its batch",
                            ref->path);
      end += arr->offset;
    }
    int need = ref->type == LFH_TYPE_STRING || ref->type == LFH_TYPE_BINARY ? 3 : 2;
    if (arr->n_buffers < need || !arr->buffers || (batch->length > 0 && !arr->buffers[1]))
      return lf_error_set(err, LF_ERR_INVALID, "column '%s' lacks its buffers", ref->path);
    if (ref->type == LFH_TYPE_ARRAY &&
        (arr->n_children != 1 || !arr->children[0] || arr->children[0]->n_buffers < 3))
      return lf_error_set(err, LF_ERR_INVALID, "column '%s' is not a list of strings", ref->path);
  }
  return LF_OK;
}

#define WIDEN(T, DST)                                                                     \
  do {                                                                                     \
    const T *src_ = (const T *)arr->buffers[1] + phys;                                     \
    for (int64_t r = 0; r < rows; r++) (DST)[r] = src_[r];                                 \
  } while (0)

static int load_array(lfh_arena *a, const struct ArrowArray *arr, int64_t phys, int64_t rows,
                      lfh_vec *out) {
  /* Items as a STRING vector whose row 0 is the list's first item in this slice; the
   * list offsets are rebased to match. */
  const int32_t *lo = (const int32_t *)arr->buffers[1] + phys;
  int32_t *off = lfh_arena_alloc(a, (size_t)(rows + 1) * sizeof(int32_t));
  lfh_vec *items = lfh_arena_zalloc(a, sizeof(*items));
  if (!off || !items) return LF_ERR_NOMEM;
  for (int64_t r = 0; r <= rows; r++) off[r] = lo[r] - lo[0];
  const struct ArrowArray *ch = arr->children[0];
  int64_t iphys = ch->offset + lo[0], nitems = lo[rows] - lo[0];
  items->type = LFH_TYPE_STRING;
  items->len = nitems;
  items->u.s.off = (const int32_t *)ch->buffers[1] + iphys;
  items->u.s.data = ch->buffers[2] ? ch->buffers[2] : k_empty;
  uint8_t *iv = NULL;
  if (and_validity(a, ch, iphys, nitems, &iv)) return LF_ERR_NOMEM;
  items->valid = iv;
  out->u.a.off = off;
  out->u.a.items = items;
  return LF_OK;
}

int lfh_arrow_load(lfh_arena *a, const struct ArrowArray *batch, const lfh_colref *ref,
                   int64_t start, int64_t rows, lfh_vec *out, lf_error *err) {
  expand_init();
  memset(out, 0, sizeof(*out));
  out->type = ref->type;
  out->len = rows;
  uint8_t *valid = NULL;
  const struct ArrowArray *arr = batch;
  int64_t phys = batch->offset + start;
  if (and_validity(a, arr, phys, rows, &valid)) goto nomem;
  for (int k = 0; k < ref->depth; k++) {
    arr = arr->children[ref->idx[k]];
    phys += arr->offset;
    if (and_validity(a, arr, phys, rows, &valid)) goto nomem;
  }
  out->valid = valid;
  const char *f = ref->fmt;
  switch (ref->type) {
  case LFH_TYPE_BIGINT:
    if (f[0] == 'l') {
      out->u.i = (int64_t *)arr->buffers[1] + phys;
      return LF_OK;
    }
    if (!(out->u.i = lfh_arena_alloc(a, (size_t)rows * sizeof(int64_t)))) goto nomem;
    switch (f[0]) {
    case 'i': WIDEN(int32_t, out->u.i); break;
    case 's': WIDEN(int16_t, out->u.i); break;
    case 'c': WIDEN(int8_t, out->u.i); break;
    case 'I': WIDEN(uint32_t, out->u.i); break;
    case 'S': WIDEN(uint16_t, out->u.i); break;
    default: WIDEN(uint8_t, out->u.i); break;
    }
    return LF_OK;
  case LFH_TYPE_TIMESTAMP: out->u.i = (int64_t *)arr->buffers[1] + phys; return LF_OK;
  case LFH_TYPE_DATE: out->u.days = (int32_t *)arr->buffers[1] + phys; return LF_OK;
  case LFH_TYPE_DOUBLE:
    if (f[0] == 'g') {
      out->u.d = (double *)arr->buffers[1] + phys;
      return LF_OK;
    }
    if (!(out->u.d = lfh_arena_alloc(a, (size_t)rows * sizeof(double)))) goto nomem;
    WIDEN(float, out->u.d);
    return LF_OK;
  case LFH_TYPE_BOOLEAN:
    if (!(out->u.b = lfh_arena_alloc(a, (size_t)rows))) goto nomem;
    unpack_bits(arr->buffers[1], phys, rows, out->u.b);
    return LF_OK;
  case LFH_TYPE_STRING:
  case LFH_TYPE_BINARY:
    out->u.s.off = (const int32_t *)arr->buffers[1] + phys;
    out->u.s.data = arr->buffers[2] ? arr->buffers[2] : k_empty;
    return LF_OK;
  case LFH_TYPE_ARRAY:
    if (load_array(a, arr, phys, rows, out)) goto nomem;
    return LF_OK;
  default: return lf_error_set(err, LF_ERR_INTERNAL, "column '%s' has no loader", ref->path);
  }
nomem:
  return lf_error_set(err, LF_ERR_NOMEM, "out of memory loading column '%s'", ref->path);
}

/* ------------------------------------------------------------ output */

struct lfh_arrow_out {
  uint32_t type;
  int64_t rows, filled, nulls;
  uint8_t *validity;     /* bitmap, rows bits */
  void *values;          /* fixed width, or the bool bitmap */
  int32_t *offsets;      /* STRING/BINARY/ARRAY */
  char *data;            /* STRING/BINARY bytes, or the ARRAY items' bytes */
  size_t dlen, dcap;
  /* ARRAY items */
  int32_t *ioff;
  uint8_t *ivalid;       /* bitmap over items */
  int64_t nitems, icap, inulls;
};

/* Each array (the result and an ARRAY result's items) owns its buffers through its own
 * private struct, so a consumer may move the child out and release it separately. */
typedef struct out_priv {
  const void *buffers[3];
  void *owned[3];
  struct ArrowArray child;
  struct ArrowArray *children[1];
} out_priv;

static size_t width_of(uint32_t type) {
  switch (type) {
  case LFH_TYPE_BIGINT:
  case LFH_TYPE_TIMESTAMP:
  case LFH_TYPE_INTERVAL:
  case LFH_TYPE_DOUBLE: return 8;
  case LFH_TYPE_DATE: return 4;
  default: return 0;
  }
}

lfh_arrow_out *lfh_arrow_out_new(uint32_t type, int64_t rows) {
  lfh_arrow_out *o = calloc(1, sizeof(*o));
  if (!o) return NULL;
  o->type = type;
  o->rows = rows;
  size_t bm = (size_t)(rows + 7) / 8 + 1;
  int ok = (o->validity = calloc(1, bm)) != NULL;
  size_t w = width_of(type);
  if (w) ok = ok && (o->values = malloc((size_t)rows * w + 8));
  if (type == LFH_TYPE_BOOLEAN) ok = ok && (o->values = calloc(1, bm));
  if (type == LFH_TYPE_STRING || type == LFH_TYPE_BINARY || type == LFH_TYPE_ARRAY) {
    ok = ok && (o->offsets = malloc((size_t)(rows + 1) * sizeof(int32_t)));
    if (ok) o->offsets[0] = 0;
  }
  if (type == LFH_TYPE_ARRAY) {
    ok = ok && (o->ioff = malloc(sizeof(int32_t) * 64));
    ok = ok && (o->ivalid = calloc(1, 8));
    o->icap = ok ? 63 : 0;
    if (ok) o->ioff[0] = 0;
  }
  if (!ok) {
    lfh_arrow_out_free(o);
    return NULL;
  }
  return o;
}

void lfh_arrow_out_free(lfh_arrow_out *o) {
  if (!o) return;
  free(o->validity);
  free(o->values);
  free(o->offsets);
  free(o->data);
  free(o->ioff);
  free(o->ivalid);
  free(o);
}

static int reserve_data(lfh_arrow_out *o, size_t more) {
  if (more > (size_t)INT32_MAX - o->dlen) return LF_ERR_NOMEM; /* int32 offsets */
  if (o->dcap - o->dlen >= more && o->data) return LF_OK;
  size_t cap = o->dcap ? o->dcap : 256;
  while (cap - o->dlen < more) cap *= 2;
  char *d = realloc(o->data, cap);
  if (!d) return LF_ERR_NOMEM;
  o->data = d;
  o->dcap = cap;
  return LF_OK;
}

static void set_bit(uint8_t *bm, int64_t i, int v) {
  if (v) bm[i >> 3] |= (uint8_t)(1u << (i & 7));
  else bm[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

static int append_items(lfh_arrow_out *o, const lfh_vec *v, int64_t row) {
  const lfh_vec *it = v->u.a.items;
  for (int32_t k = v->u.a.off[row]; k < v->u.a.off[row + 1]; k++) {
    if (o->nitems >= o->icap) {
      int64_t cap = o->icap * 2 + 1;
      int32_t *io = realloc(o->ioff, (size_t)(cap + 1) * sizeof(int32_t));
      if (!io) return LF_ERR_NOMEM;
      o->ioff = io;
      uint8_t *iv = realloc(o->ivalid, (size_t)(cap + 8) / 8);
      if (!iv) return LF_ERR_NOMEM;
      memset(iv + (o->icap + 8) / 8, 0, (size_t)(cap + 8) / 8 - (size_t)(o->icap + 8) / 8);
      o->ivalid = iv;
      o->icap = cap;
    }
    int ok = !it->valid || it->valid[k];
    size_t n = ok ? (size_t)(it->u.s.off[k + 1] - it->u.s.off[k]) : 0;
    if (reserve_data(o, n)) return LF_ERR_NOMEM;
    if (n) memcpy(o->data + o->dlen, it->u.s.data + it->u.s.off[k], n);
    o->dlen += n;
    set_bit(o->ivalid, o->nitems, ok);
    o->inulls += !ok;
    o->ioff[++o->nitems] = (int32_t)o->dlen;
  }
  return LF_OK;
}

int lfh_arrow_out_append(lfh_arrow_out *o, const lfh_vec *v, int64_t rows) {
  int64_t base = o->filled;
  if (base + rows > o->rows) return LF_ERR_INTERNAL;
  for (int64_t r = 0; r < rows; r++) {
    int ok = v->type != LFH_TYPE_NULL && LFH_VALID(v, r);
    set_bit(o->validity, base + r, ok);
    o->nulls += !ok;
  }
  size_t w = width_of(o->type);
  if (w) {
    char *dst = (char *)o->values + (size_t)base * w;
    if (!v->is_const) memcpy(dst, v->u.i, (size_t)rows * w);
    else
      for (int64_t r = 0; r < rows; r++) memcpy(dst + (size_t)r * w, v->u.i, w);
  } else if (o->type == LFH_TYPE_BOOLEAN) {
    for (int64_t r = 0; r < rows; r++) set_bit(o->values, base + r, v->u.b[LFH_ROW(v, r)] != 0);
  } else if (o->type == LFH_TYPE_STRING || o->type == LFH_TYPE_BINARY) {
    for (int64_t r = 0; r < rows; r++) {
      int64_t vr = LFH_ROW(v, r);
      int ok = v->type != LFH_TYPE_NULL && LFH_VALID(v, r);
      size_t n = ok ? (size_t)(v->u.s.off[vr + 1] - v->u.s.off[vr]) : 0;
      if (reserve_data(o, n)) return LF_ERR_NOMEM;
      if (n) memcpy(o->data + o->dlen, v->u.s.data + v->u.s.off[vr], n);
      o->dlen += n;
      o->offsets[base + r + 1] = (int32_t)o->dlen;
    }
  } else if (o->type == LFH_TYPE_ARRAY) {
    for (int64_t r = 0; r < rows; r++) {
      if (v->type != LFH_TYPE_NULL && LFH_VALID(v, r) && append_items(o, v, LFH_ROW(v, r)))
        return LF_ERR_NOMEM;
      o->offsets[base + r + 1] = (int32_t)o->nitems;
    }
  }
  o->filled += rows;
  return LF_OK;
}

static void out_release(struct ArrowArray *arr) {
  if (!arr || !arr->release) return;
  out_priv *p = arr->private_data;
  if (p) {
    for (int i = 0; i < 3; i++) free(p->owned[i]);
    if (p->child.release) p->child.release(&p->child);
    free(p);
  }
  arr->release = NULL;
}

int lfh_arrow_out_finish(lfh_arrow_out *o, struct ArrowArray *out, lf_error *err) {
  memset(out, 0, sizeof(*out));
  out_priv *p = calloc(1, sizeof(*p));
  if (!p) {
    lfh_arrow_out_free(o);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory building the result");
  }
  out->length = o->rows;
  out->null_count = o->nulls;
  out->private_data = p;
  out->release = out_release;
  out->buffers = p->buffers;
  if (o->type == LFH_TYPE_NULL) {
    out->n_buffers = 0;
    free(o->validity);
    o->validity = NULL;
  } else {
    out->n_buffers = o->type == LFH_TYPE_STRING || o->type == LFH_TYPE_BINARY ? 3 : 2;
    if (o->nulls) p->owned[0] = o->validity;
    else free(o->validity);
    o->validity = NULL;
    p->buffers[0] = p->owned[0];
  }
  if (o->type == LFH_TYPE_STRING || o->type == LFH_TYPE_BINARY || o->type == LFH_TYPE_ARRAY) {
    p->buffers[1] = p->owned[1] = o->offsets;
    o->offsets = NULL;
  } else if (o->type != LFH_TYPE_NULL) {
    p->buffers[1] = p->owned[1] = o->values;
    o->values = NULL;
  }
  if (o->type == LFH_TYPE_STRING || o->type == LFH_TYPE_BINARY) {
    p->buffers[2] = p->owned[2] = o->data ? o->data : malloc(1);
    o->data = NULL;
  }
  if (o->type == LFH_TYPE_ARRAY) {
    out_priv *cp = calloc(1, sizeof(*cp));
    if (!cp) {
      lfh_arrow_out_free(o);
      out_release(out);
      return lf_error_set(err, LF_ERR_NOMEM, "out of memory building the result");
    }
    struct ArrowArray *c = &p->child;
    c->length = o->nitems;
    c->null_count = o->inulls;
    c->n_buffers = 3;
    c->buffers = cp->buffers;
    cp->buffers[0] = cp->owned[0] = o->inulls ? o->ivalid : NULL;
    if (!o->inulls) free(o->ivalid);
    cp->buffers[1] = cp->owned[1] = o->ioff;
    cp->buffers[2] = cp->owned[2] = o->data ? o->data : malloc(1);
    o->ivalid = NULL;
    o->ioff = NULL;
    o->data = NULL;
    c->private_data = cp;
    c->release = out_release;
    p->children[0] = c;
    out->n_children = 1;
    out->children = p->children;
  }
  int bad = (o->type == LFH_TYPE_STRING || o->type == LFH_TYPE_BINARY) && !p->buffers[2];
  bad = bad || (o->type == LFH_TYPE_ARRAY && !p->child.buffers[2]);
  lfh_arrow_out_free(o);
  if (bad) {
    out_release(out);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory building the result");
  }
  return LF_OK;
}
