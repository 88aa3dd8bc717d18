/*
 * Arrow -> Avro binary records, compiled once into a flat list of ops, run a row at a time.
 *
 * Avro is row-major, so rows are written in order, each by walking the op list: the
 * columns in pre-order of the schema tree (a struct's fields follow it; a null struct or
 * list jumps past its subtree; a list runs its item ops once per item). Output is written
 * strictly forward, so nothing needs to be sized beforehand (a block's count is its item
 * count) and string copies may store a little past their end (the next value overwrites
 * it). An earlier design sized then wrote a column at a time over chunks of rows; its two
 * passes and its cursor traffic cost more than dispatching each value (bench_avro_encode).
 * A row reads every column's buffers at once, more streams than hardware prefetchers
 * follow, so the driver prefetches them a few rows ahead.
 *
 * The output buffer grows once per call, by a bound computed while validating the batch
 * (plus a small slack); every level re-checks its room so nothing is written past it even
 * if the bound were wrong.
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

#define AA_MAX_DEPTH 64
#define AA_PF_ROWS 8      /* rows between prefetches of the row-level columns */
#define AA_PF_AHEAD 32    /* ... and how many rows ahead they reach */
#define AA_PREFETCH 1024  /* bytes ahead of each string in its column's data */
#define AA_PRE 9          /* an op's code when a validity bitmap or a union tag comes first */
#define AA_OVER 32        /* see aa_copy_over */

/* A prefetch `ahead` bytes past `p`, which may lie beyond p's buffer: the address is
 * computed as an integer, since pointer arithmetic out of an object is undefined even
 * when nothing dereferences it (and a prefetch never faults). */
static inline void aa_prefetch_at(const void *p, uintptr_t ahead) {
  __builtin_prefetch((const void *)((uintptr_t)p + ahead));
}

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
  int64_t vend;             /* BYTES: end of the bound range's data, read-safe below it */
};

/* One column of the plan in the row's order (pre-order of the column tree), with its
 * batch's buffers copied in so that a row touches one compact array. */
typedef struct aa_op {
  const uint8_t *valid;     /* as in aa_col */
  const void *vals;
  const int32_t *offs;
  int64_t base;
  int64_t vend;
  uint32_t next;            /* the op after this one's subtree (skipped when it is null) */
  uint32_t item_fixed;      /* LIST: the fixed bytes of one item (see aa_op_fixed) */
  uint8_t kind, is_union, null_tag, value_tag;
  uint8_t code;             /* what aa_run dispatches on: kind, or AA_PRE (see aa_emit) */
  const aa_col *col;        /* for error messages */
} aa_op;

struct lfh_avro_arrow_encoder {
  aa_col root;              /* a non-nullable STRUCT: the batch */
  aa_op *ops;               /* the root's columns, flattened */
  size_t n_ops;
  aa_op *run;               /* the ops a batch needs, with its buffers (aa_plan_bind) */
  size_t n_run;
  uint32_t row_fixed;       /* the most bytes a row writes besides strings and items */
  uint32_t slack;           /* the largest fixed size of a level: row or item */
};

/* ------------------------------------------------------------ compiling */

static int aa_plan(lfh_avro_arrow_encoder *e, lf_error *err);

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
  if (!e->root.path) {
    lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if (!record || record->type != LFH_AVRO_RECORD || !arrow || !arrow->format ||
      strcmp(arrow->format, "+s") != 0) {
    lf_error_set(err, LF_ERR_SCHEMA, "an encoder needs an Avro record and an Arrow struct");
    goto fail;
  }
  if (aa_compile_record(&e->root, record, arrow, 0, err) != LF_OK || aa_plan(e, err) != LF_OK)
    goto fail;
  return e;
fail:
  lfh_avro_arrow_encoder_free(e);
  return NULL;
}

void lfh_avro_arrow_encoder_free(lfh_avro_arrow_encoder *e) {
  if (!e) return;
  aa_col_free(&e->root);
  free(e->ops);
  free(e->run);
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
  if (!c || aa_col_copy(&c->root, &e->root) != 0 || aa_plan(c, err) != LF_OK) {
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

typedef int32_t aa_v4i __attribute__((vector_size(16)));

/* Whether any of o[0..n] is below its predecessor: four lanes at a time without a
 * branch (SSE2 on x86-64, plain code elsewhere), every pair compared. */
static int aa_decreasing(const int32_t *o, int64_t n) {
  aa_v4i acc = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    aa_v4i a, b;
    memcpy(&a, o + i, sizeof a);
    memcpy(&b, o + i + 1, sizeof b);
    acc |= b < a;
  }
  int bad = (acc[0] | acc[1] | acc[2] | acc[3]) != 0;
  for (; i < n; i++) bad |= o[i + 1] < o[i];
  return bad;
}

/* Offsets of [lo, hi] must rise and stay within [0, limit]. */
static int aa_check_offsets(const aa_col *c, int64_t lo, int64_t hi, int64_t limit,
                            lf_error *err) {
  const int32_t *o = c->offs + c->base;
  if (o[lo] < 0 || o[hi] > limit) return aa_bad(c, "offsets out of range", err);
  return aa_decreasing(o + lo, hi - lo) ? aa_bad(c, "offsets decrease", err) : LF_OK;
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
    c->vend = c->offs[c->base + hi];
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

/* ------------------------------------------------------------ the op list */

static inline int aa_bit(const uint8_t *v, int64_t i) { return (v[i >> 3] >> (i & 7)) & 1; }

static int aa_null_error(const aa_col *c, int64_t i, lf_error *err) {
  if (!*c->path) return lf_error_set(err, LF_ERR_DATA, "batch row %lld is null", (long long)i);
  return lf_error_set(err, LF_ERR_DATA, "column '%s': null at %s %lld in a non-nullable Avro "
                      "field", c->path, c->in_list ? "item" : "row", (long long)i);
}

/* The most bytes op c writes at its own level besides string data (list items are a level
 * of their own): the union tag, a varint, a fixed value, a block count and its end. */
static uint32_t aa_op_fixed(const aa_col *c) {
  static const uint8_t max[] = {[AA_INT] = 5, [AA_LONG] = 10, [AA_FLOAT] = 4, [AA_DOUBLE] = 8,
                                [AA_BOOL] = 1, [AA_BYTES] = 5, [AA_STRUCT] = 0,
                                [AA_LIST] = 11, [AA_NULL] = 0};
  return (uint32_t)c->is_union + max[c->kind];
}

static size_t aa_count_ops(const aa_col *c) {
  size_t n = 1;
  for (size_t k = 0; k < c->n_kids; k++) n += aa_count_ops(&c->kids[k]);
  return n;
}

/* Appends c's subtree to e->ops in pre-order; returns the fixed bytes it adds to its
 * level (see aa_op_fixed) and raises e->slack to every list item level's. */
static uint32_t aa_flatten(lfh_avro_arrow_encoder *e, const aa_col *c) {
  aa_op *op = &e->ops[e->n_ops++];
  memset(op, 0, sizeof *op);
  op->col = c;
  op->kind = (uint8_t)c->kind;
  op->is_union = (uint8_t)c->is_union;
  op->null_tag = c->null_tag;
  /* An absent column is a union whose "value" is the null branch, with nothing after. */
  op->value_tag = c->kind == AA_NULL ? c->null_tag : c->value_tag;
  uint32_t fixed = aa_op_fixed(c);
  if (c->kind == AA_STRUCT)
    for (size_t k = 0; k < c->n_kids; k++) fixed += aa_flatten(e, &c->kids[k]);
  if (c->kind == AA_LIST) {
    uint32_t item = aa_flatten(e, &c->kids[0]);
    op->item_fixed = item;
    if (item > e->slack) e->slack = item;
  }
  op->next = (uint32_t)e->n_ops;
  return fixed;
}

static int aa_plan(lfh_avro_arrow_encoder *e, lf_error *err) {
  size_t n = 0;
  for (size_t k = 0; k < e->root.n_kids; k++) n += aa_count_ops(&e->root.kids[k]);
  e->ops = calloc(n ? n : 1, sizeof *e->ops);
  e->run = calloc(n ? n : 1, sizeof *e->run);
  if (!e->ops || !e->run) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  e->n_ops = 0;
  e->row_fixed = 0;
  for (size_t k = 0; k < e->root.n_kids; k++) e->row_fixed += aa_flatten(e, &e->root.kids[k]);
  if (e->row_fixed > e->slack) e->slack = e->row_fixed;
  e->slack += AA_OVER;
  return LF_OK;
}

/* Copies static op k's subtree into e->run with the batch's buffers; returns the static
 * op after it. A struct that is neither a union nor has nulls in this batch writes
 * nothing of its own: only its fields are copied, so rows never dispatch on it. */
static uint32_t aa_emit(lfh_avro_arrow_encoder *e, uint32_t k) {
  const aa_op *so = &e->ops[k];
  const aa_col *c = so->col;
  uint32_t kid = k + 1;
  if (so->kind == AA_STRUCT && !c->valid && !so->is_union) {
    while (kid < so->next) kid = aa_emit(e, kid);
    return so->next;
  }
  aa_op *op = &e->run[e->n_run++];
  *op = *so;
  op->valid = c->valid;
  op->vals = c->vals;
  op->offs = c->offs;
  op->base = c->base;
  op->vend = c->vend;
  op->code = c->valid || so->is_union ? AA_PRE : op->kind; /* a check or a tag first */
  while (kid < so->next) kid = aa_emit(e, kid);
  op->next = (uint32_t)(op - e->run) + 1;
  if (so->kind == AA_STRUCT || so->kind == AA_LIST) op->next = (uint32_t)e->n_run;
  return so->next;
}

static void aa_plan_bind(lfh_avro_arrow_encoder *e) {
  e->n_run = 0;
  for (uint32_t k = 0; k < e->n_ops;) k = aa_emit(e, k);
}

/* ------------------------------------------------------------ writing rows */

/* 16 bytes through a vector register: one unaligned load and store on any target. */
typedef uint8_t aa_v16 __attribute__((vector_size(16)));

static inline void aa_mv16(uint8_t *d, const uint8_t *s) {
  aa_v16 v;
  memcpy(&v, s, 16);
  memcpy(d, &v, 16);
}

/* memcpy of exactly n bytes, inline for the strings most columns hold (a call to memcpy
 * costs more than copying a URL): overlapping moves cover any length without a byte
 * loop. Neither reads nor stores leave [s, s + n) and [d, d + n). */
static inline __attribute__((always_inline)) void aa_copy(uint8_t *d, const uint8_t *s,
                                                          size_t n) {
  if (n >= 16) {
    if (n > 512) {
      memcpy(d, s, n);
      return;
    }
    for (size_t k = 0; k + 16 < n; k += 16) aa_mv16(d + k, s + k);
    aa_mv16(d + n - 16, s + n - 16);
  } else if (n >= 8) {
    uint64_t a, b;
    memcpy(&a, s, 8);
    memcpy(&b, s + n - 8, 8);
    memcpy(d, &a, 8);
    memcpy(d + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t x, y;
    memcpy(&x, s, 4);
    memcpy(&y, s + n - 4, 4);
    memcpy(d, &x, 4);
    memcpy(d + n - 4, &y, 4);
  } else if (n) { /* 1..3: first, middle and last cover it */
    uint8_t x = s[0], y = s[n / 2], z = s[n - 1];
    d[0] = x;
    d[n / 2] = y;
    d[n - 1] = z;
  }
}

/* Copies n bytes in 32-byte steps, reading and writing up to AA_OVER bytes past both
 * ends: one loop trip for most strings, and no branch on their lengths. Row by row, the
 * bytes past the end are overwritten by what follows (or lie past the output's length);
 * the caller makes sure the source has them. */
static inline __attribute__((always_inline)) void aa_copy_over(uint8_t *d, const uint8_t *s,
                                                               size_t n) {
  size_t k = 0;
  do {
    aa_mv16(d + k, s + k);
    aa_mv16(d + k + 16, s + k + 16);
    k += 32;
  } while (k < n);
}

/* A string's length as a zig-zag varint: 1 or 2 bytes without a loop for the lengths
 * strings have (< 8192), the general writer beyond. */
static inline __attribute__((always_inline)) uint8_t *aa_put_len(uint8_t *o, int32_t n) {
  uint32_t z = (uint32_t)n << 1; /* n >= 0: zig-zag is 2n */
  if (z < 0x80) {
    *o = (uint8_t)z;
    return o + 1;
  }
  if (z < 0x4000) {
    o[0] = (uint8_t)(z | 0x80);
    o[1] = (uint8_t)(z >> 7);
    return o + 2;
  }
  return o + lfh_avro_put_long(o, n);
}

/* What every level of a row shares: the ops, the output's limit and the first error. */
typedef struct aa_ctx {
  const aa_op *ops;
  const uint8_t *limit;
  lf_error *err;
  int rc;
} aa_ctx;

static uint8_t *aa_overflow(aa_ctx *x) {
  x->rc = lf_error_set(x->err, LF_ERR_INTERNAL, "encoded size exceeds its bound");
  return NULL;
}

static uint8_t *aa_fail_null(aa_ctx *x, const aa_col *c, int64_t i) {
  x->rc = aa_null_error(c, i, x->err);
  return NULL;
}

/* Writes ops [from, to) — one level: a row, or one item of a list — for level index i at
 * o; returns the end, or NULL with x->rc. Room: the caller saw at least `fixed` bytes
 * before o's limit, the most this level writes besides string data and items; every
 * string and every list re-checks that room after what it adds, so nothing is ever
 * written past `limit`, even if the bound behind it were wrong. */
static uint8_t *aa_run(aa_ctx *x, uint32_t from, uint32_t to, uint32_t fixed, int64_t i,
                       uint8_t *o) {
  /* Threaded dispatch (GNU C labels as values, GCC and Clang): every handler jumps to the
   * next op's itself, so each jump site learns the op sequence that follows it. */
  static const void *const go[] = {
      [AA_INT] = &&op_int,   [AA_LONG] = &&op_long,   [AA_FLOAT] = &&op_float,
      [AA_DOUBLE] = &&op_double, [AA_BOOL] = &&op_bool, [AA_BYTES] = &&op_bytes,
      [AA_STRUCT] = &&op_next, [AA_LIST] = &&op_list,  [AA_NULL] = &&op_next,
      [AA_PRE] = &&op_pre};
  const aa_op *const ops = x->ops, *const end = ops + to, *op = ops + from;
  const uint8_t *limit = x->limit;
  int64_t p;
#define AA_DISPATCH()                                                                       \
  do {                                                                                      \
    if (op == end) return o;                                                                \
    p = op->base + i;                                                                       \
    goto *go[op->code];                                                                     \
  } while (0)
  AA_DISPATCH();
op_pre: /* a validity bitmap or a union tag first; most columns have neither */
  if (op->valid && !aa_bit(op->valid, p)) { /* its subtree writes nothing */
    if (!op->is_union) return aa_fail_null(x, op->col, i);
    *o++ = op->null_tag;
    op = ops + op->next;
    AA_DISPATCH();
  }
  if (op->is_union) *o++ = op->value_tag;
  goto *go[op->kind];
op_int:
  o += lfh_avro_put_long(o, ((const int32_t *)op->vals)[p]);
  op++;
  AA_DISPATCH();
op_long:
  o += lfh_avro_put_long(o, ((const int64_t *)op->vals)[p]);
  op++;
  AA_DISPATCH();
op_float:
  o += lfh_avro_put_float(o, ((const float *)op->vals)[p]);
  op++;
  AA_DISPATCH();
op_double:
  o += lfh_avro_put_double(o, ((const double *)op->vals)[p]);
  op++;
  AA_DISPATCH();
op_bool:
  *o++ = (uint8_t)aa_bit(op->vals, p);
  op++;
  AA_DISPATCH();
op_bytes: {
  int32_t a = op->offs[p], n = op->offs[p + 1] - a;
  if ((size_t)(limit - o) < (size_t)n + AA_OVER + fixed) return aa_overflow(x);
  const uint8_t *src = (const uint8_t *)op->vals + a;
  /* Rows go across columns: the hardware sees too many streams to follow them all. */
  aa_prefetch_at(src, AA_PREFETCH);
  if (n > 48) aa_prefetch_at(src, AA_PREFETCH + 64);
  o = aa_put_len(o, n);
  if ((int64_t)a + n + AA_OVER <= op->vend) aa_copy_over(o, src, (size_t)n);
  else aa_copy(o, src, (size_t)n);
  o += n;
  op++;
  AA_DISPATCH();
}
op_list: {
  int64_t a = op->offs[p], b = op->offs[p + 1];
  if (b > a) o += lfh_avro_put_long(o, b - a);
  uint32_t k = (uint32_t)(op - ops) + 1;
  for (int64_t j = a; j < b; j++) {
    if ((size_t)(limit - o) < op->item_fixed) return aa_overflow(x);
    o = aa_run(x, k, op->next, op->item_fixed, j, o);
    if (!o) return NULL;
  }
  if ((size_t)(limit - o) < fixed) return aa_overflow(x);
  *o++ = 0;
  op = ops + op->next;
  AA_DISPATCH();
}
op_next: /* a struct's fields follow at the same level; an absent column wrote its tag */
  op++;
  AA_DISPATCH();
#undef AA_DISPATCH
}

/* ------------------------------------------------------------ driver */

/* Rows read every column's buffers at once: more streams than the hardware prefetchers
 * follow. Every AA_PF_ROWS rows, ask for the lines of the row-level columns AA_PF_AHEAD
 * rows on (a prefetch past a buffer's end is harmless: it never faults). */
static void aa_prefetch_rows(const lfh_avro_arrow_encoder *e, int64_t i) {
  for (size_t k = 0; k < e->n_run; k++) {
    const aa_op *op = &e->run[k];
    if (op->col->in_list) continue;
    uintptr_t p = (uintptr_t)(op->base + i + AA_PF_AHEAD);
    if (op->valid) aa_prefetch_at(op->valid, p / 8);
    if (op->offs) aa_prefetch_at(op->offs, p * 4);
    else if (op->vals && op->kind != AA_BOOL) aa_prefetch_at(op->vals, p * 8);
  }
}

int lfh_avro_arrow_encode(lfh_avro_arrow_encoder *e, const struct ArrowArray *batch,
                          int64_t first, int64_t count, lfh_buf *out, lf_error *err) {
  if (!e || !batch || !out || first < 0 || count < 0 || first > batch->length - count)
    return lf_error_set(err, LF_ERR_INVALID, "encode: bad arguments or row range");
  size_t bound = 0;
  int rc = aa_bind(&e->root, batch, 0, first, first + count, &bound, err);
  if (rc != LF_OK || count == 0) return rc;
  /* The slack lets each level's room check be one compare (see aa_run). */
  if (bound > SIZE_MAX - e->slack || lfh_buf_reserve(out, bound + e->slack) != 0)
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory reserving %zu bytes", bound);
  aa_plan_bind(e);
  uint8_t *start = out->data + out->len, *p = start;
  aa_ctx x = {e->run, start + bound + e->slack, err, LF_OK};
  const aa_col *root = &e->root;
  for (int64_t i = first; i < first + count && p; i++) {
    if (root->valid && !aa_bit(root->valid, root->base + i)) return aa_null_error(root, i, err);
    if (((i - first) & (AA_PF_ROWS - 1)) == 0) aa_prefetch_rows(e, i);
    p = (size_t)(x.limit - p) < e->row_fixed ? aa_overflow(&x)
                                             : aa_run(&x, 0, (uint32_t)e->n_run, e->row_fixed, i, p);
  }
  if (!p) return x.rc; /* nothing appended */
  if ((size_t)(p - start) > bound) /* the bound is a theorem; say so if it is wrong */
    return lf_error_set(err, LF_ERR_INTERNAL, "encoded size exceeds its bound");
  out->len += (size_t)(p - start);
  return LF_OK;
}
