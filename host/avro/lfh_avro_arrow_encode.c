/*
 * Arrow -> Avro binary records, compiled once, run a column at a time.
 *
 * Avro is row-major: record r is field 1, field 2, ... of row r. Interleaving columns
 * one value at a time would dispatch on the type for every value, so instead each chunk
 * of rows (AA_CHUNK) runs in two column-major passes over a flat plan:
 *   1. sizes: every column adds the exact encoded size of its value to the row's total
 *      (one tight loop per column, specialised by type);
 *   2. writes: a prefix sum turns the totals into one cursor per row, and every column
 *      writes its values at its rows' cursors, advancing them.
 * Lists and maps do the same one level down: items get their own sizes and cursors, laid
 * out inside their row's span. A chunk's output (about AA_CHUNK rows × row size) stays in
 * L2 while the columns are written into it. The output buffer grows once per call, by a
 * bound computed while validating the batch, so no loop reallocates.
 *
 * Index spaces: every column of a plan is reached through "level indices" i (the rows of
 * the top level and of structs below it; item indices below a list). Its value for level
 * index i sits at physical index `base + i` of its buffers (offsets already folded in).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro_arrow.h"
#include "lf/lf_array.h"
#include "util/lfh_mem.h"

#define AA_CHUNK 1024
#define AA_MAX_DEPTH 64

typedef enum aa_kind {
  AA_INT,    /* Arrow int32 / date32 */
  AA_LONG,   /* Arrow int64 / timestamp */
  AA_FLOAT,
  AA_DOUBLE,
  AA_BOOL,
  AA_BYTES,  /* utf8 / binary */
  AA_STRUCT,
  AA_LIST,   /* Avro array, Avro map and "map" arrays: all encode as blocks of items */
  AA_NULL    /* a nullable Avro field the Arrow batch lacks: always null */
} aa_kind;

typedef struct aa_col aa_col;
struct aa_col {
  aa_kind kind;
  int is_union;             /* the Avro type is ["null", T] or [T, "null"] */
  uint8_t null_tag, value_tag; /* zig-zag bytes of the two branch indices */
  int64_t arrow_index;      /* child of the parent Arrow array; -1 for AA_NULL */
  int in_list;              /* below a list: level indices are items, not rows */
  char *path;               /* dotted column path, for errors (owned) */
  aa_col *kids;             /* STRUCT: fields in Avro order; LIST: one, the items */
  size_t n_kids;
  /* Bound per batch, borrowed from it. */
  const uint8_t *valid;     /* NULL when the column has no nulls */
  const void *vals;         /* fixed-width values, bool bits or bytes data */
  const int32_t *offs;      /* BYTES, LIST */
  int64_t base;             /* physical index of level index 0 */
  /* Scratch reused across chunks and batches (owned). */
  uint8_t *skip;            /* STRUCT: rows whose children write nothing */
  size_t skip_cap;
  const uint8_t *kid_skip;  /* STRUCT, LIST: what the children got in pass 1 */
  size_t *isz;              /* LIST: item sizes of the current chunk */
  uint8_t **icur;           /* LIST: item cursors */
  uint8_t *iskip;           /* LIST: items of null or skipped rows */
  size_t icap;
  int64_t ilo, ihi;         /* LIST: item range of the current chunk */
};

struct lfh_avro_arrow_encoder {
  aa_col root;              /* a non-nullable STRUCT: the batch */
  size_t *sz;               /* per-row sizes of a chunk */
  uint8_t **cur;            /* per-row cursors of a chunk */
};

/* ------------------------------------------------------------ compiling */

static const lfh_avro_schema *aa_nullable(const lfh_avro_schema *s, int *null_index) {
  if (s->type != LFH_AVRO_UNION || s->n_branches != 2) return NULL;
  for (int i = 0; i < 2; i++) {
    if (s->branches[i]->type == LFH_AVRO_NULL && s->branches[1 - i]->type != LFH_AVRO_NULL) {
      *null_index = i;
      return s->branches[1 - i];
    }
  }
  return NULL;
}

static int aa_is_logical(const lfh_avro_schema *s, const char *lt) {
  return s->logical_type && strcmp(s->logical_type, lt) == 0;
}

static char *aa_join(const char *parent, const char *name) {
  size_t n = strlen(parent) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s%s", parent, *parent ? "." : "", name);
  return p;
}

static void aa_col_free(aa_col *c) {
  for (size_t i = 0; i < c->n_kids; i++) aa_col_free(&c->kids[i]);
  free(c->kids);
  free(c->path);
  free(c->skip);
  free(c->isz);
  free(c->icur);
  free(c->iskip);
  memset(c, 0, sizeof *c);
}

static int aa_compile(aa_col *c, const lfh_avro_schema *av, const struct ArrowSchema *as,
                      int depth, lf_error *err);

static int aa_mismatch(const aa_col *c, const lfh_avro_schema *t, const char *format,
                       lf_error *err) {
  static const char *const names[] = {"null",  "boolean", "int",   "long", "float",
                                      "double", "bytes",  "string", "record", "enum",
                                      "array", "map",     "union", "fixed"};
  const char *an = (size_t)t->type < sizeof names / sizeof names[0] ? names[t->type] : "?";
  return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': Avro %s%s%s does not match Arrow '%s'",
                      c->path, an, t->logical_type ? "/" : "",
                      t->logical_type ? t->logical_type : "", format);
}

static int aa_new_kids(aa_col *c, size_t n, lf_error *err) {
  c->kids = calloc(n ? n : 1, sizeof *c->kids);
  if (!c->kids) return lf_error_set(err, LF_ERR_NOMEM, "out of memory compiling '%s'", c->path);
  c->n_kids = n;
  return LF_OK;
}

static int aa_arrow_children(const aa_col *c, const struct ArrowSchema *as, int64_t n,
                             lf_error *err) {
  if (as->n_children != n || (n > 0 && !as->children))
    return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': Arrow '%s' has %lld children, not %lld",
                        c->path, as->format, (long long)as->n_children, (long long)n);
  for (int64_t i = 0; i < n; i++)
    if (!as->children[i] || !as->children[i]->format)
      return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': malformed Arrow child", c->path);
  return LF_OK;
}

/* Kid `k` of c: Avro type `av` fed by Arrow child `idx` of `as`, named `name`. */
static int aa_kid(aa_col *c, size_t k, const char *name, const lfh_avro_schema *av,
                  const struct ArrowSchema *as, int64_t idx, int depth, lf_error *err) {
  aa_col *kid = &c->kids[k];
  kid->path = aa_join(c->path, name);
  if (!kid->path) return lf_error_set(err, LF_ERR_NOMEM, "out of memory compiling '%s'", c->path);
  kid->arrow_index = idx;
  kid->in_list = c->in_list || c->kind == AA_LIST;
  return aa_compile(kid, av, as->children[idx], depth + 1, err);
}

static int64_t aa_arrow_find(const struct ArrowSchema *as, const char *name) {
  for (int64_t i = 0; i < as->n_children; i++)
    if (as->children[i]->name && strcmp(as->children[i]->name, name) == 0) return i;
  return -1;
}

static int aa_compile_record(aa_col *c, const lfh_avro_schema *t, const struct ArrowSchema *as,
                             int depth, lf_error *err) {
  int rc = aa_arrow_children(c, as, as->n_children, err);
  if (rc == LF_OK) rc = aa_new_kids(c, t->n_fields, err);
  int64_t matched = 0;
  for (size_t i = 0; rc == LF_OK && i < t->n_fields; i++) {
    const lfh_avro_field *f = &t->fields[i];
    int64_t idx = aa_arrow_find(as, f->name);
    if (idx >= 0) {
      matched++;
      rc = aa_kid(c, i, f->name, f->type, as, idx, depth, err);
      continue;
    }
    int ni;
    aa_col *kid = &c->kids[i];
    kid->path = aa_join(c->path, f->name);
    if (!kid->path) return lf_error_set(err, LF_ERR_NOMEM, "out of memory compiling schema");
    if (!aa_nullable(f->type, &ni))
      return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': required Avro field missing from the "
                          "Arrow schema", kid->path);
    kid->kind = AA_NULL;
    kid->is_union = 1;
    kid->arrow_index = -1;
    kid->null_tag = (uint8_t)(2 * ni);
  }
  if (rc == LF_OK && matched != as->n_children) {
    for (int64_t i = 0; i < as->n_children; i++)
      if (!lfh_avro_field_by_name(t, as->children[i]->name ? as->children[i]->name : ""))
        return lf_error_set(err, LF_ERR_SCHEMA, "column '%s%s%s': not in the Avro schema",
                            c->path, *c->path ? "." : "", as->children[i]->name);
    return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': duplicate Arrow field names", c->path);
  }
  return rc;
}

/* Arrow map "+m" -> entries struct -> {key, value}; Avro map, or an array of
 * {key, value} records (Iceberg's "map" arrays). Both encode the same: blocks of pairs. */
static int aa_compile_map(aa_col *c, const lfh_avro_schema *t, const struct ArrowSchema *as,
                          int depth, lf_error *err) {
  int rc = aa_arrow_children(c, as, 1, err);
  if (rc == LF_OK) rc = aa_new_kids(c, 1, err);
  if (rc != LF_OK) return rc;
  const struct ArrowSchema *es = as->children[0];
  aa_col *ent = &c->kids[0];
  ent->kind = AA_STRUCT;
  ent->in_list = 1;
  ent->path = aa_join(c->path, "entries");
  if (!ent->path) return lf_error_set(err, LF_ERR_NOMEM, "out of memory compiling schema");
  if (strcmp(es->format, "+s") != 0 || es->dictionary)
    return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': map entries are not a struct", c->path);
  rc = aa_arrow_children(ent, es, 2, err);
  if (rc == LF_OK) rc = aa_new_kids(ent, 2, err);
  if (rc != LF_OK) return rc;
  if (t->type == LFH_AVRO_MAP) {
    if (strcmp(es->children[0]->format, "u") != 0)
      return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': an Avro map needs utf8 keys, Arrow "
                          "has '%s'", c->path, es->children[0]->format);
    static lfh_avro_schema str_schema = {.type = LFH_AVRO_STRING};
    rc = aa_kid(ent, 0, "key", &str_schema, es, 0, depth, err);
    if (rc == LF_OK) rc = aa_kid(ent, 1, "value", t->items, es, 1, depth, err);
    return rc;
  }
  const lfh_avro_schema *rec = t->items;
  if (rec->type != LFH_AVRO_RECORD || rec->n_fields != 2)
    return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': a map array needs {key, value} "
                        "records", c->path);
  for (size_t i = 0; rc == LF_OK && i < 2; i++) {
    const lfh_avro_field *f = &rec->fields[i];
    int64_t idx = strcmp(f->name, "key") == 0 ? 0 : strcmp(f->name, "value") == 0 ? 1 : -1;
    if (idx < 0 || (i == 1 && strcmp(f->name, rec->fields[0].name) == 0))
      return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': map array record field '%s' is "
                          "not key or value", c->path, f->name);
    rc = aa_kid(ent, i, f->name, f->type, es, idx, depth, err);
  }
  return rc;
}

static int aa_compile_nested(aa_col *c, const lfh_avro_schema *t, const struct ArrowSchema *as,
                             int depth, lf_error *err) {
  const char *f = as->format;
  if (t->type == LFH_AVRO_RECORD && strcmp(f, "+s") == 0) {
    c->kind = AA_STRUCT;
    return aa_compile_record(c, t, as, depth, err);
  }
  if (strcmp(f, "+m") == 0 &&
      (t->type == LFH_AVRO_MAP || (t->type == LFH_AVRO_ARRAY && aa_is_logical(t, "map")))) {
    c->kind = AA_LIST;
    return aa_compile_map(c, t, as, depth, err);
  }
  if (t->type == LFH_AVRO_ARRAY && strcmp(f, "+l") == 0) {
    c->kind = AA_LIST;
    int rc = aa_arrow_children(c, as, 1, err);
    if (rc == LF_OK) rc = aa_new_kids(c, 1, err);
    if (rc == LF_OK) rc = aa_kid(c, 0, "element", t->items, as, 0, depth, err);
    return rc;
  }
  return aa_mismatch(c, t, f, err);
}

/* The leaf kind for Avro type t and Arrow format f, or -1. */
static int aa_leaf_kind(const lfh_avro_schema *t, const char *f) {
  switch (t->type) {
  case LFH_AVRO_INT:
    if (aa_is_logical(t, "date")) return strcmp(f, "tdD") == 0 ? AA_INT : -1;
    return !t->logical_type && strcmp(f, "i") == 0 ? AA_INT : -1;
  case LFH_AVRO_LONG:
    if (aa_is_logical(t, "timestamp-micros"))
      return strcmp(f, t->adjust_to_utc == 0 ? "tsu:" : "tsu:UTC") == 0 ? AA_LONG : -1;
    return !t->logical_type && strcmp(f, "l") == 0 ? AA_LONG : -1;
  case LFH_AVRO_FLOAT: return strcmp(f, "f") == 0 ? AA_FLOAT : -1;
  case LFH_AVRO_DOUBLE: return strcmp(f, "g") == 0 ? AA_DOUBLE : -1;
  case LFH_AVRO_BOOLEAN: return strcmp(f, "b") == 0 ? AA_BOOL : -1;
  case LFH_AVRO_STRING: return strcmp(f, "u") == 0 ? AA_BYTES : -1;
  case LFH_AVRO_BYTES: return !t->logical_type && strcmp(f, "z") == 0 ? AA_BYTES : -1;
  default: return -1;
  }
}

static int aa_compile(aa_col *c, const lfh_avro_schema *av, const struct ArrowSchema *as,
                      int depth, lf_error *err) {
  if (depth > AA_MAX_DEPTH)
    return lf_error_set(err, LF_ERR_UNSUPPORTED, "column '%s': nested too deeply", c->path);
  if (!as || !as->format || as->dictionary)
    return lf_error_set(err, LF_ERR_SCHEMA, "column '%s': malformed or dictionary Arrow schema",
                        c->path);
  const lfh_avro_schema *t = av;
  if (av->type == LFH_AVRO_UNION) {
    int ni = 0;
    t = aa_nullable(av, &ni);
    if (!t)
      return lf_error_set(err, LF_ERR_UNSUPPORTED, "column '%s': only [\"null\", T] unions are "
                          "supported", c->path);
    c->is_union = 1;
    c->null_tag = (uint8_t)(2 * ni);
    c->value_tag = (uint8_t)(2 * (1 - ni));
  }
  int k = aa_leaf_kind(t, as->format);
  if (k >= 0) {
    c->kind = (aa_kind)k;
    return LF_OK;
  }
  return aa_compile_nested(c, t, as, depth, err);
}

lfh_avro_arrow_encoder *lfh_avro_arrow_encoder_new(const lfh_avro_schema *record,
                                                   const struct ArrowSchema *arrow,
                                                   lf_error *err) {
  lfh_avro_arrow_encoder *e = calloc(1, sizeof *e);
  if (!e) {
    lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    return NULL;
  }
  e->root.kind = AA_STRUCT;
  e->root.path = calloc(1, 1);
  e->sz = malloc(AA_CHUNK * sizeof *e->sz);
  e->cur = malloc(AA_CHUNK * sizeof *e->cur);
  if (!e->root.path || !e->sz || !e->cur) {
    lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if (!record || record->type != LFH_AVRO_RECORD || !arrow || !arrow->format ||
      strcmp(arrow->format, "+s") != 0) {
    lf_error_set(err, LF_ERR_SCHEMA, "an encoder needs an Avro record and an Arrow struct");
    goto fail;
  }
  if (aa_compile_record(&e->root, record, arrow, 0, err) != LF_OK) goto fail;
  return e;
fail:
  lfh_avro_arrow_encoder_free(e);
  return NULL;
}

void lfh_avro_arrow_encoder_free(lfh_avro_arrow_encoder *e) {
  if (!e) return;
  aa_col_free(&e->root);
  free(e->sz);
  free(e->cur);
  free(e);
}

/* The plan of `src` into the zeroed `dst`: kinds, tags, indices, paths and kids; none of
 * the per-batch bindings or scratch. */
static int aa_col_copy(aa_col *dst, const aa_col *src) {
  dst->kind = src->kind;
  dst->is_union = src->is_union;
  dst->null_tag = src->null_tag;
  dst->value_tag = src->value_tag;
  dst->arrow_index = src->arrow_index;
  dst->in_list = src->in_list;
  if (!(dst->path = strdup(src->path))) return -1;
  if (src->n_kids) {
    if (!(dst->kids = calloc(src->n_kids, sizeof *dst->kids))) return -1;
    dst->n_kids = src->n_kids;
    for (size_t i = 0; i < src->n_kids; i++)
      if (aa_col_copy(&dst->kids[i], &src->kids[i]) != 0) return -1;
  }
  return 0;
}

lfh_avro_arrow_encoder *lfh_avro_arrow_encoder_clone(const lfh_avro_arrow_encoder *e,
                                                     lf_error *err) {
  lfh_avro_arrow_encoder *c = calloc(1, sizeof *c);
  if (!c || !(c->sz = malloc(AA_CHUNK * sizeof *c->sz)) ||
      !(c->cur = malloc(AA_CHUNK * sizeof *c->cur)) || aa_col_copy(&c->root, &e->root) != 0) {
    lfh_avro_arrow_encoder_free(c); /* aa_col_free copes with a partial copy */
    lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    return NULL;
  }
  return c;
}

/* ------------------------------------------------------------ binding a batch */

static int aa_bad(const aa_col *c, const char *what, lf_error *err) {
  return lf_error_set(err, LF_ERR_DATA, "column '%s': malformed Arrow array (%s)",
                      *c->path ? c->path : "<batch>", what);
}

static int64_t aa_buffers_needed(aa_kind k) {
  switch (k) {
  case AA_STRUCT: return 1;
  case AA_BYTES: return 3;
  default: return 2;
  }
}

static int aa_bind(aa_col *c, const struct ArrowArray *a, int64_t koff, int64_t lo, int64_t hi,
                   size_t *bound, lf_error *err);

/* Offsets of [lo, hi] must rise and stay within [0, limit]. */
static int aa_check_offsets(const aa_col *c, int64_t lo, int64_t hi, int64_t limit,
                            lf_error *err) {
  const int32_t *o = c->offs + c->base;
  if (o[lo] < 0 || o[hi] > limit) return aa_bad(c, "offsets out of range", err);
  int bad = 0;
  for (int64_t i = lo; i < hi; i++) bad |= o[i + 1] < o[i];
  return bad ? aa_bad(c, "offsets decrease", err) : LF_OK;
}

static int aa_bind_kids(aa_col *c, const struct ArrowArray *a, int64_t koff, int64_t lo,
                        int64_t hi, size_t *bound, lf_error *err) {
  for (size_t k = 0; k < c->n_kids; k++) {
    aa_col *kid = &c->kids[k];
    if (kid->kind == AA_NULL) {
      *bound += (size_t)(hi - lo);
      continue;
    }
    const struct ArrowArray *ka = a->children[kid->arrow_index];
    if (!ka) return aa_bad(c, "missing child", err);
    int rc = aa_bind(kid, ka, koff, lo, hi, bound, err);
    if (rc != LF_OK) return rc;
  }
  return LF_OK;
}

static int aa_bind_list(aa_col *c, const struct ArrowArray *a, int64_t lo, int64_t hi,
                        size_t *bound, lf_error *err) {
  const struct ArrowArray *ia = a->children[0];
  if (!ia) return aa_bad(c, "missing child", err);
  int rc = aa_check_offsets(c, lo, hi, ia->length, err);
  if (rc != LF_OK) return rc;
  *bound += (size_t)(hi - lo) * 11; /* block count (≤ 10) and the closing 0 */
  /* Item j of the offsets is child index j: the child's own offset only. */
  int64_t ilo = c->offs[c->base + lo], ihi = c->offs[c->base + hi];
  return aa_bind(&c->kids[0], ia, 0, ilo, ihi, bound, err);
}

/* Validates array `a` for level indices [lo, hi) (child index koff + i), records its
 * buffers in c and adds the most bytes they can encode to *bound. */
static int aa_bind(aa_col *c, const struct ArrowArray *a, int64_t koff, int64_t lo, int64_t hi,
                   size_t *bound, lf_error *err) {
  if (a->release == NULL || a->length < 0 || a->offset < 0 || a->dictionary)
    return aa_bad(c, "released, negative length or dictionary", err);
  if (koff + lo < 0 || koff + hi > a->length) return aa_bad(c, "too short", err);
  int64_t nb = aa_buffers_needed(c->kind);
  int64_t nk = c->kind == AA_STRUCT ? (int64_t)c->n_kids : c->kind == AA_LIST ? 1 : 0;
  if (c->kind == AA_STRUCT) {
    nk = 0;
    for (size_t k = 0; k < c->n_kids; k++) nk += c->kids[k].kind != AA_NULL;
  }
  if (a->n_buffers != nb || !a->buffers || a->n_children != nk || (nk && !a->children))
    return aa_bad(c, "wrong number of buffers or children", err);
  c->base = a->offset + koff;
  c->valid = a->null_count != 0 ? a->buffers[0] : NULL;
  if (a->null_count > 0 && !c->valid) return aa_bad(c, "nulls without a validity bitmap", err);
  size_t n = (size_t)(hi - lo), tag = (size_t)c->is_union;
  int need = hi > lo;
  switch (c->kind) {
  case AA_STRUCT:
    *bound += n * tag;
    return aa_bind_kids(c, a, c->base, lo, hi, bound, err); /* struct offsets reach kids */
  case AA_LIST:
    c->offs = a->buffers[1];
    if (!c->offs) return aa_bad(c, "no offsets", err);
    *bound += n * tag;
    return aa_bind_list(c, a, lo, hi, bound, err);
  case AA_BYTES: {
    c->offs = a->buffers[1];
    c->vals = a->buffers[2];
    if (!c->offs) return aa_bad(c, "no offsets", err);
    int rc = aa_check_offsets(c, lo, hi, INT32_MAX, err);
    if (rc != LF_OK) return rc;
    size_t span = (size_t)(c->offs[c->base + hi] - c->offs[c->base + lo]);
    if (span && !c->vals) return aa_bad(c, "no data buffer", err);
    *bound += n * (tag + 5) + span;
    return LF_OK;
  }
  default:
    c->vals = a->buffers[1];
    if (need && !c->vals) return aa_bad(c, "no values buffer", err);
    *bound += n * (tag + (c->kind == AA_LONG ? 10 : c->kind == AA_BOOL ? 1 : 8));
    return LF_OK;
  }
}

/* ------------------------------------------------------------ pass 1: sizes */

static inline int aa_bit(const uint8_t *v, int64_t i) { return (v[i >> 3] >> (i & 7)) & 1; }

/* Bytes of the zig-zag varint of v. */
static inline size_t aa_varlen(int64_t v) {
  uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  return (size_t)(64 - __builtin_clzll(z | 1) + 6) / 7;
}

static int aa_null_error(const aa_col *c, int64_t i, lf_error *err) {
  if (!*c->path) return lf_error_set(err, LF_ERR_DATA, "batch row %lld is null", (long long)i);
  return lf_error_set(err, LF_ERR_DATA, "column '%s': null at %s %lld in a non-nullable Avro "
                      "field", c->path, c->in_list ? "item" : "row", (long long)i);
}

static int aa_size(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip, size_t *sz,
                   lf_error *err);
static void aa_write(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip, uint8_t **cur);

/* Encoded size of the value at physical index p; `k` is a constant at every call site,
 * so each inlined copy is straight-line code for one type. */
static inline size_t aa_value_size(const aa_col *c, aa_kind k, int64_t p) {
  switch (k) {
  case AA_INT: return aa_varlen(((const int32_t *)c->vals)[p]);
  case AA_LONG: return aa_varlen(((const int64_t *)c->vals)[p]);
  case AA_FLOAT: return 4;
  case AA_DOUBLE: return 8;
  case AA_BOOL: return 1;
  default: {
    int64_t n = (int64_t)c->offs[p + 1] - c->offs[p];
    return (size_t)n + aa_varlen(n);
  }
  }
}

static inline __attribute__((always_inline)) int
aa_size_leaf(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip, size_t *sz, aa_kind k,
             lf_error *err) {
  const int64_t b = c->base;
  const size_t tag = (size_t)c->is_union;
  if (!skip && !c->valid) { /* the common case: no branches but the loop's */
    for (int64_t i = lo; i < hi; i++) sz[i - lo] += tag + aa_value_size(c, k, b + i);
    return LF_OK;
  }
  for (int64_t i = lo; i < hi; i++) {
    if (skip && skip[i - lo]) continue;
    if (c->valid && !aa_bit(c->valid, b + i)) {
      if (!tag) return aa_null_error(c, i, err);
      sz[i - lo] += 1;
      continue;
    }
    sz[i - lo] += tag + aa_value_size(c, k, b + i);
  }
  return LF_OK;
}

static int aa_grow_scratch(aa_col *c, size_t n, int list) {
  if (!list) return lfh_grow(&c->skip, &c->skip_cap, n, 1, AA_CHUNK);
  if (n <= c->icap) return 0;
  size_t cap = c->icap, c2 = c->icap, c3 = c->icap;
  if (lfh_grow(&c->isz, &cap, n, sizeof *c->isz, AA_CHUNK) ||
      lfh_grow(&c->icur, &c2, n, sizeof *c->icur, AA_CHUNK) ||
      lfh_grow(&c->iskip, &c3, n, 1, AA_CHUNK))
    return -1;
  c->icap = cap < c2 ? (cap < c3 ? cap : c3) : (c2 < c3 ? c2 : c3);
  return 0;
}

static int aa_size_struct(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip, size_t *sz,
                          lf_error *err) {
  const uint8_t *ks = skip;
  const size_t tag = (size_t)c->is_union;
  if (c->valid) { /* null rows: the children write nothing for them */
    if (aa_grow_scratch(c, (size_t)(hi - lo), 0))
      return lf_error_set(err, LF_ERR_NOMEM, "out of memory encoding '%s'", c->path);
    for (int64_t i = lo; i < hi; i++) {
      int s = skip ? skip[i - lo] : 0, null = !aa_bit(c->valid, c->base + i);
      if (!s && null && !tag) return aa_null_error(c, i, err);
      c->skip[i - lo] = (uint8_t)(s | null);
    }
    ks = c->skip;
  }
  if (tag)
    for (int64_t i = lo; i < hi; i++) sz[i - lo] += !(skip && skip[i - lo]);
  c->kid_skip = ks;
  for (size_t k = 0; k < c->n_kids; k++) {
    int rc = aa_size(&c->kids[k], lo, hi, ks, sz, err);
    if (rc != LF_OK) return rc;
  }
  return LF_OK;
}

/* Items of null or skipped rows must not be written: a null list may still span items. */
static const uint8_t *aa_item_skip(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip) {
  const int32_t *o = c->offs + c->base;
  int any = 0;
  for (int64_t i = lo; i < hi && !any; i++)
    any = ((skip && skip[i - lo]) || (c->valid && !aa_bit(c->valid, c->base + i))) &&
          o[i + 1] > o[i];
  if (!any) return NULL;
  memset(c->iskip, 0, (size_t)(c->ihi - c->ilo));
  for (int64_t i = lo; i < hi; i++)
    if ((skip && skip[i - lo]) || (c->valid && !aa_bit(c->valid, c->base + i)))
      memset(c->iskip + (o[i] - c->ilo), 1, (size_t)(o[i + 1] - o[i]));
  return c->iskip;
}

static int aa_size_list(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip, size_t *sz,
                        lf_error *err) {
  const int32_t *o = c->offs + c->base;
  const size_t tag = (size_t)c->is_union;
  c->ilo = o[lo];
  c->ihi = o[hi];
  size_t ni = (size_t)(c->ihi - c->ilo);
  if (aa_grow_scratch(c, ni, 1))
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory encoding '%s'", c->path);
  if (ni) memset(c->isz, 0, ni * sizeof *c->isz); /* isz is NULL until a chunk has items */
  c->kid_skip = (skip || c->valid) ? aa_item_skip(c, lo, hi, skip) : NULL;
  int rc = aa_size(&c->kids[0], c->ilo, c->ihi, c->kid_skip, c->isz, err);
  if (rc != LF_OK) return rc;
  for (int64_t i = lo; i < hi; i++) {
    if (skip && skip[i - lo]) continue;
    if (c->valid && !aa_bit(c->valid, c->base + i)) {
      if (!tag) return aa_null_error(c, i, err);
      sz[i - lo] += 1;
      continue;
    }
    int64_t n = o[i + 1] - o[i];
    size_t s = tag + 1 + (n ? aa_varlen(n) : 0);
    for (int64_t j = o[i]; j < o[i + 1]; j++) s += c->isz[j - c->ilo];
    sz[i - lo] += s;
  }
  return LF_OK;
}

static int aa_size(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip, size_t *sz,
                   lf_error *err) {
  switch (c->kind) {
  case AA_INT: return aa_size_leaf(c, lo, hi, skip, sz, AA_INT, err);
  case AA_LONG: return aa_size_leaf(c, lo, hi, skip, sz, AA_LONG, err);
  case AA_FLOAT: return aa_size_leaf(c, lo, hi, skip, sz, AA_FLOAT, err);
  case AA_DOUBLE: return aa_size_leaf(c, lo, hi, skip, sz, AA_DOUBLE, err);
  case AA_BOOL: return aa_size_leaf(c, lo, hi, skip, sz, AA_BOOL, err);
  case AA_BYTES: return aa_size_leaf(c, lo, hi, skip, sz, AA_BYTES, err);
  case AA_STRUCT: return aa_size_struct(c, lo, hi, skip, sz, err);
  case AA_LIST: return aa_size_list(c, lo, hi, skip, sz, err);
  case AA_NULL:
    for (int64_t i = lo; i < hi; i++) sz[i - lo] += !(skip && skip[i - lo]);
    return LF_OK;
  }
  return lf_error_set(err, LF_ERR_INTERNAL, "column '%s': unknown plan kind", c->path);
}

/* ------------------------------------------------------------ pass 2: writes */

/* memcpy of exactly n bytes, inline for the short strings most columns hold: two
 * overlapping moves cover any length in [k, 2k] without a call or a loop. Nothing is
 * stored outside [d, d + n): later bytes of the row may already be written. */
static inline void aa_copy(uint8_t *d, const uint8_t *s, size_t n) {
  uint64_t a, b;
  uint32_t x, y;
  if (n >= 8 && n <= 16) {
    memcpy(&a, s, 8);
    memcpy(&b, s + n - 8, 8);
    memcpy(d, &a, 8);
    memcpy(d + n - 8, &b, 8);
  } else if (n > 16 && n <= 32) {
    uint64_t c2, e;
    memcpy(&a, s, 8);
    memcpy(&b, s + 8, 8);
    memcpy(&c2, s + n - 16, 8);
    memcpy(&e, s + n - 8, 8);
    memcpy(d, &a, 8);
    memcpy(d + 8, &b, 8);
    memcpy(d + n - 16, &c2, 8);
    memcpy(d + n - 8, &e, 8);
  } else if (n >= 4 && n < 8) {
    memcpy(&x, s, 4);
    memcpy(&y, s + n - 4, 4);
    memcpy(d, &x, 4);
    memcpy(d + n - 4, &y, 4);
  } else if (n > 32) {
    memcpy(d, s, n);
  } else {
    for (size_t i = 0; i < n; i++) d[i] = s[i];
  }
}

static inline uint8_t *aa_put_value(const aa_col *c, aa_kind k, int64_t p, uint8_t *o) {
  switch (k) {
  case AA_INT: return o + lfh_avro_put_long(o, ((const int32_t *)c->vals)[p]);
  case AA_LONG: return o + lfh_avro_put_long(o, ((const int64_t *)c->vals)[p]);
  case AA_FLOAT: return o + lfh_avro_put_float(o, ((const float *)c->vals)[p]);
  case AA_DOUBLE: return o + lfh_avro_put_double(o, ((const double *)c->vals)[p]);
  case AA_BOOL: *o = (uint8_t)aa_bit(c->vals, p); return o + 1;
  default: {
    int32_t a = c->offs[p], n = c->offs[p + 1] - a;
    o += lfh_avro_put_long(o, n);
    aa_copy(o, (const uint8_t *)c->vals + a, (size_t)n);
    return o + n;
  }
  }
}

static inline __attribute__((always_inline)) void
aa_write_leaf(const aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip, uint8_t **cur,
              aa_kind k) {
  const int64_t b = c->base;
  if (!skip && !c->valid && !c->is_union) {
    for (int64_t i = lo; i < hi; i++) cur[i - lo] = aa_put_value(c, k, b + i, cur[i - lo]);
    return;
  }
  for (int64_t i = lo; i < hi; i++) {
    if (skip && skip[i - lo]) continue;
    uint8_t *o = cur[i - lo];
    if (c->valid && !aa_bit(c->valid, b + i)) { /* pass 1 refused nulls outside unions */
      *o = c->null_tag;
      cur[i - lo] = o + 1;
      continue;
    }
    if (c->is_union) *o++ = c->value_tag;
    cur[i - lo] = aa_put_value(c, k, b + i, o);
  }
}

static void aa_write_struct(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip,
                            uint8_t **cur) {
  if (c->is_union)
    for (int64_t i = lo; i < hi; i++) {
      if (skip && skip[i - lo]) continue;
      int null = c->valid && !aa_bit(c->valid, c->base + i);
      *cur[i - lo]++ = null ? c->null_tag : c->value_tag;
    }
  for (size_t k = 0; k < c->n_kids; k++) aa_write(&c->kids[k], lo, hi, c->kid_skip, cur);
}

/* Writes each row's block header and closing 0, and places the item cursors between
 * them; the items are then written a column at a time like rows. */
static void aa_write_list(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip,
                          uint8_t **cur) {
  const int32_t *o = c->offs + c->base;
  for (int64_t i = lo; i < hi; i++) {
    if (skip && skip[i - lo]) continue;
    uint8_t *p = cur[i - lo];
    if (c->valid && !aa_bit(c->valid, c->base + i)) {
      *p = c->null_tag;
      cur[i - lo] = p + 1;
      continue;
    }
    if (c->is_union) *p++ = c->value_tag;
    int64_t n = o[i + 1] - o[i];
    if (n) p += lfh_avro_put_long(p, n);
    for (int64_t j = o[i]; j < o[i + 1]; j++) {
      c->icur[j - c->ilo] = p;
      p += c->isz[j - c->ilo];
    }
    *p++ = 0;
    cur[i - lo] = p;
  }
  aa_write(&c->kids[0], c->ilo, c->ihi, c->kid_skip, c->icur);
}

static void aa_write(aa_col *c, int64_t lo, int64_t hi, const uint8_t *skip, uint8_t **cur) {
  switch (c->kind) {
  case AA_INT: aa_write_leaf(c, lo, hi, skip, cur, AA_INT); return;
  case AA_LONG: aa_write_leaf(c, lo, hi, skip, cur, AA_LONG); return;
  case AA_FLOAT: aa_write_leaf(c, lo, hi, skip, cur, AA_FLOAT); return;
  case AA_DOUBLE: aa_write_leaf(c, lo, hi, skip, cur, AA_DOUBLE); return;
  case AA_BOOL: aa_write_leaf(c, lo, hi, skip, cur, AA_BOOL); return;
  case AA_BYTES: aa_write_leaf(c, lo, hi, skip, cur, AA_BYTES); return;
  case AA_STRUCT: aa_write_struct(c, lo, hi, skip, cur); return;
  case AA_LIST: aa_write_list(c, lo, hi, skip, cur); return;
  case AA_NULL:
    for (int64_t i = lo; i < hi; i++)
      if (!(skip && skip[i - lo])) *cur[i - lo]++ = c->null_tag;
    return;
  }
}

/* ------------------------------------------------------------ driver */

/* One chunk: sizes, cursors, writes; *p advances to the chunk's end. */
static int aa_chunk(lfh_avro_arrow_encoder *e, int64_t lo, int64_t hi, uint8_t **pp,
                    const uint8_t *limit, lf_error *err) {
  size_t n = (size_t)(hi - lo);
  uint8_t *p = *pp;
  memset(e->sz, 0, n * sizeof *e->sz);
  int rc = aa_size(&e->root, lo, hi, NULL, e->sz, err);
  if (rc != LF_OK) return rc;
  for (size_t i = 0; i < n; i++) {
    e->cur[i] = p;
    p += e->sz[i];
  }
  if (p > limit) /* the bound is a theorem; never write past it if it is wrong */
    return lf_error_set(err, LF_ERR_INTERNAL, "encoded size exceeds its bound");
  aa_write(&e->root, lo, hi, NULL, e->cur);
  if (n && e->cur[n - 1] != p)
    return lf_error_set(err, LF_ERR_INTERNAL, "encoded size differs from its computation");
  *pp = p;
  return LF_OK;
}

int lfh_avro_arrow_encode(lfh_avro_arrow_encoder *e, const struct ArrowArray *batch,
                          int64_t first, int64_t count, lfh_buf *out, lf_error *err) {
  if (!e || !batch || !out || first < 0 || count < 0 || first > batch->length - count)
    return lf_error_set(err, LF_ERR_INVALID, "encode: bad arguments or row range");
  size_t bound = 0;
  int rc = aa_bind(&e->root, batch, 0, first, first + count, &bound, err);
  if (rc != LF_OK || count == 0) return rc;
  if (lfh_buf_reserve(out, bound) != 0)
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory reserving %zu bytes", bound);
  uint8_t *start = out->data + out->len, *p = start;
  for (int64_t lo = first; lo < first + count; lo += AA_CHUNK) {
    int64_t hi = first + count - lo > AA_CHUNK ? lo + AA_CHUNK : first + count;
    rc = aa_chunk(e, lo, hi, &p, start + bound, err);
    if (rc != LF_OK) return rc; /* nothing appended: out->len is unchanged */
  }
  out->len += (size_t)(p - start);
  return LF_OK;
}
