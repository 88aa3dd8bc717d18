/*
 * Avro binary records -> one Arrow struct batch, written straight into Arrow buffers.
 *
 * Avro cannot be read a column at a time (every value's position depends on the ones
 * before it), so decoding walks each record once over a plan compiled from the writer's
 * schema: one node per output column with its growing buffers, and for every record
 * field either the column it feeds or the schema to skip it by. Unprojected fields are
 * skipped without being materialised; arrays of fixed-size items are skipped in O(1) per
 * block. Every read is checked against the block end; counts are checked against the
 * bytes left, so hostile input cannot make the decoder allocate or loop without bound.
 *
 * Buffers are owned by the plan until lfh_avro_arrow_decoder_finish moves them into the
 * ArrowArray it returns (whose release frees them); the plan then starts empty.
 */
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro_arrow.h"
#include "avro/lfh_avro_internal.h"
#include "lf/lf_array.h"

#define AD_MAX_DEPTH 64
#define AD_MAX_ZERO_SIZE_ROWS ((int64_t)1 << 24) /* rows of records that take no bytes */

typedef enum ad_kind {
  AD_INT32, /* int, date */
  AD_INT64, /* long, timestamp-micros */
  AD_FLOAT,
  AD_DOUBLE,
  AD_BOOL,
  AD_BYTES, /* string, bytes */
  AD_STRUCT,
  AD_LIST,  /* Avro array */
  AD_MAP    /* Avro map: blocks of (string key, value) into entries {key, value} */
} ad_kind;

typedef struct ad_col ad_col;
struct ad_col {
  ad_kind kind;
  int is_union;         /* the Avro type is ["null", T] or [T, "null"]: Arrow nullable */
  int64_t null_branch;
  const char *name;     /* borrowed from the writer's schema */
  ad_col *kids;         /* STRUCT: output columns; LIST: items; MAP: entries struct */
  size_t n_kids;
  /* STRUCT: per Avro field, the kid it feeds or -1, and its type (to skip it). */
  int *field_kid;
  const lfh_avro_schema **field_type;
  size_t n_fields;
  /* Output, owned until finish. cap counts rows; buffers hold cap rows (+1 offset). */
  int64_t len, cap, null_count;
  uint8_t *valid;       /* nullable columns only */
  uint8_t *vals;        /* fixed-width values or bool bits */
  int32_t *offs;        /* BYTES, LIST, MAP */
  uint8_t *data;        /* BYTES */
  size_t data_len, data_cap;
  /* Capacities of the previous batch: the next one starts there instead of doubling up
   * from nothing again (batches of a scan are alike). */
  int64_t cap_hint;
  size_t data_hint;
};

struct lfh_avro_arrow_decoder {
  ad_col root;          /* non-nullable STRUCT: the batch */
  struct ArrowSchema schema;
  size_t min_record;    /* fewest bytes one record takes */
};

typedef struct ad_in {
  const uint8_t *p, *end;
  lf_error *err;
  int64_t row;          /* record being decoded, for errors */
} ad_in;

/* ------------------------------------------------------------ compiling */

static int ad_is_logical(const lfh_avro_schema *s, const char *lt) {
  return s->logical_type && strcmp(s->logical_type, lt) == 0;
}

static void ad_col_free(ad_col *c) {
  for (size_t i = 0; i < c->n_kids; i++) ad_col_free(&c->kids[i]);
  free(c->kids);
  free(c->field_kid);
  free(c->field_type);
  free(c->valid);
  free(c->vals);
  free(c->offs);
  free(c->data);
  memset(c, 0, sizeof *c);
}

static int ad_compile(ad_col *c, const char *name, const lfh_avro_schema *av,
                      struct ArrowSchema *parent, int depth, lf_error *err);

static int ad_alloc_kids(ad_col *c, size_t n, lf_error *err) {
  c->kids = calloc(n ? n : 1, sizeof *c->kids);
  if (!c->kids) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  c->n_kids = n;
  return LF_OK;
}

/* A record: every field becomes a column (nested records keep all their fields). */
static int ad_compile_record(ad_col *c, const lfh_avro_schema *t, struct ArrowSchema *as,
                             int depth, lf_error *err) {
  c->kind = AD_STRUCT;
  c->n_fields = t->n_fields;
  c->field_kid = malloc((t->n_fields ? t->n_fields : 1) * sizeof *c->field_kid);
  c->field_type = malloc((t->n_fields ? t->n_fields : 1) * sizeof *c->field_type);
  if (!c->field_kid || !c->field_type) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  int rc = ad_alloc_kids(c, t->n_fields, err);
  for (size_t i = 0; rc == LF_OK && i < t->n_fields; i++) {
    c->field_kid[i] = (int)i;
    c->field_type[i] = t->fields[i].type;
    rc = ad_compile(&c->kids[i], t->fields[i].name, t->fields[i].type, as, depth + 1, err);
  }
  return rc;
}

/* Avro map: entries {key: utf8, value}. "map" arrays: their {key, value} records. */
static int ad_compile_map(ad_col *c, const lfh_avro_schema *t, struct ArrowSchema *as,
                          int depth, lf_error *err) {
  struct ArrowSchema *es = NULL;
  int rc = lf_schema_add_child(as, "+s", "entries", 0, &es, err);
  if (rc == LF_OK) rc = ad_alloc_kids(c, 1, err);
  if (rc != LF_OK) return rc;
  ad_col *ent = &c->kids[0];
  ent->name = "entries";
  if (t->type == LFH_AVRO_ARRAY) { /* a record of key and value, in either order */
    const lfh_avro_schema *rec = t->items;
    if (rec->type != LFH_AVRO_RECORD || rec->n_fields != 2 || !lfh_avro_field_by_name(rec, "key") ||
        !lfh_avro_field_by_name(rec, "value"))
      return lf_error_set(err, LF_ERR_UNSUPPORTED, "column '%s': a map array needs {key, "
                          "value} records", c->name);
    c->kind = AD_LIST;
    rc = ad_compile_record(ent, rec, es, depth + 1, err);
    if (rc == LF_OK && strcmp(rec->fields[0].name, "key") != 0) { /* Arrow wants key first */
      ad_col tmp = ent->kids[0];
      ent->kids[0] = ent->kids[1];
      ent->kids[1] = tmp;
      ent->field_kid[0] = 1;
      ent->field_kid[1] = 0;
      struct ArrowSchema *s0 = es->children[0];
      es->children[0] = es->children[1];
      es->children[1] = s0;
    }
    if (rc == LF_OK && ent->kids[0].is_union)
      return lf_error_set(err, LF_ERR_UNSUPPORTED, "column '%s': nullable map keys", c->name);
    return rc;
  }
  c->kind = AD_MAP;
  ent->kind = AD_STRUCT;
  rc = ad_alloc_kids(ent, 2, err);
  static const lfh_avro_schema str = {.type = LFH_AVRO_STRING};
  if (rc == LF_OK) rc = ad_compile(&ent->kids[0], "key", &str, es, depth + 1, err);
  if (rc == LF_OK) rc = ad_compile(&ent->kids[1], "value", t->items, es, depth + 1, err);
  return rc;
}

static const char *ad_leaf_format(ad_col *c, const lfh_avro_schema *t) {
  switch (t->type) {
  case LFH_AVRO_INT:
    c->kind = AD_INT32;
    return ad_is_logical(t, "date") ? "tdD" : t->logical_type ? NULL : "i";
  case LFH_AVRO_LONG:
    c->kind = AD_INT64;
    if (ad_is_logical(t, "timestamp-micros")) return t->adjust_to_utc == 0 ? "tsu:" : "tsu:UTC";
    return t->logical_type ? NULL : "l";
  case LFH_AVRO_FLOAT: c->kind = AD_FLOAT; return "f";
  case LFH_AVRO_DOUBLE: c->kind = AD_DOUBLE; return "g";
  case LFH_AVRO_BOOLEAN: c->kind = AD_BOOL; return "b";
  case LFH_AVRO_STRING: c->kind = AD_BYTES; return "u";
  case LFH_AVRO_BYTES: c->kind = AD_BYTES; return t->logical_type ? NULL : "z";
  case LFH_AVRO_RECORD: return "+s";
  case LFH_AVRO_ARRAY: return ad_is_logical(t, "map") ? "+m" : "+l";
  case LFH_AVRO_MAP: return "+m";
  default: return NULL;
  }
}

static int ad_compile(ad_col *c, const char *name, const lfh_avro_schema *av,
                      struct ArrowSchema *parent, int depth, lf_error *err) {
  c->name = name;
  if (depth > AD_MAX_DEPTH)
    return lf_error_set(err, LF_ERR_UNSUPPORTED, "column '%s': nested too deeply", name);
  const lfh_avro_schema *t = av;
  if (av->type == LFH_AVRO_UNION) {
    int ni = 0;
    t = lfh_avro_nullable(av, &ni);
    if (!t)
      return lf_error_set(err, LF_ERR_UNSUPPORTED, "column '%s': only [\"null\", T] unions are "
                          "supported", name);
    c->is_union = 1;
    c->null_branch = ni;
  }
  const char *format = ad_leaf_format(c, t);
  if (!format)
    return lf_error_set(err, LF_ERR_UNSUPPORTED, "column '%s': Avro type %d%s%s has no Arrow "
                        "mapping", name, (int)t->type, t->logical_type ? "/" : "",
                        t->logical_type ? t->logical_type : "");
  struct ArrowSchema *as = NULL;
  int rc = lf_schema_add_child(parent, format, name, c->is_union ? ARROW_FLAG_NULLABLE : 0, &as,
                               err);
  if (rc != LF_OK) return rc;
  if (t->type == LFH_AVRO_RECORD) return ad_compile_record(c, t, as, depth, err);
  if (t->type == LFH_AVRO_MAP || (t->type == LFH_AVRO_ARRAY && format[1] == 'm'))
    return ad_compile_map(c, t, as, depth, err);
  if (t->type == LFH_AVRO_ARRAY) {
    c->kind = AD_LIST;
    if (lfh_avro_min_size(t->items) == 0) /* would let a few bytes claim countless items */
      return lf_error_set(err, LF_ERR_UNSUPPORTED, "column '%s': array items of no size", name);
    rc = ad_alloc_kids(c, 1, err);
    return rc == LF_OK ? ad_compile(&c->kids[0], "item", t->items, as, depth + 1, err) : rc;
  }
  return LF_OK;
}

/* The root: projected fields in projection order, the others skipped. */
static int ad_compile_root(lfh_avro_arrow_decoder *d, const lfh_avro_schema *w,
                           const char *const *proj, size_t n_proj, lf_error *err) {
  ad_col *c = &d->root;
  size_t n = proj ? n_proj : w->n_fields;
  c->kind = AD_STRUCT;
  c->n_fields = w->n_fields;
  c->field_kid = malloc((w->n_fields ? w->n_fields : 1) * sizeof *c->field_kid);
  c->field_type = malloc((w->n_fields ? w->n_fields : 1) * sizeof *c->field_type);
  if (!c->field_kid || !c->field_type) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  int rc = ad_alloc_kids(c, n, err);
  for (size_t i = 0; i < w->n_fields; i++) {
    c->field_kid[i] = proj ? -1 : (int)i;
    c->field_type[i] = w->fields[i].type;
  }
  for (size_t k = 0; rc == LF_OK && k < n; k++) {
    size_t fi = k;
    if (proj) {
      for (fi = 0; fi < w->n_fields && strcmp(w->fields[fi].name, proj[k]) != 0; fi++) {}
      if (fi == w->n_fields)
        return lf_error_set(err, LF_ERR_NOT_FOUND, "projected column '%s' is not in the file",
                            proj[k]);
      if (c->field_kid[fi] >= 0)
        return lf_error_set(err, LF_ERR_INVALID, "column '%s' projected twice", proj[k]);
      c->field_kid[fi] = (int)k;
    }
    rc = ad_compile(&c->kids[k], w->fields[fi].name, w->fields[fi].type, &d->schema, 1, err);
  }
  return rc;
}

lfh_avro_arrow_decoder *lfh_avro_arrow_decoder_new(const lfh_avro_schema *writer,
                                                   const char *const *projection,
                                                   size_t n_projection, lf_error *err) {
  if (!writer || writer->type != LFH_AVRO_RECORD) {
    lf_error_set(err, LF_ERR_SCHEMA, "a decoder needs an Avro record schema");
    return NULL;
  }
  lfh_avro_arrow_decoder *d = calloc(1, sizeof *d);
  if (!d) {
    lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if (lf_schema_init(&d->schema, "+s", "", 0, err) != LF_OK) goto fail;
  if (ad_compile_root(d, writer, projection, n_projection, err) != LF_OK) goto fail;
  d->min_record = lfh_avro_min_size(writer);
  return d;
fail:
  lfh_avro_arrow_decoder_free(d);
  return NULL;
}

void lfh_avro_arrow_decoder_free(lfh_avro_arrow_decoder *d) {
  if (!d) return;
  ad_col_free(&d->root);
  lf_schema_release(&d->schema);
  free(d);
}

int lfh_avro_arrow_decoder_schema(const lfh_avro_arrow_decoder *d, struct ArrowSchema *out,
                                  lf_error *err) {
  return lf_schema_copy(out, &d->schema, err);
}

int64_t lfh_avro_arrow_decoder_rows(const lfh_avro_arrow_decoder *d) { return d->root.len; }

/* ------------------------------------------------------------ buffers */

static size_t ad_width(ad_kind k) {
  switch (k) {
  case AD_INT32: case AD_FLOAT: return 4;
  case AD_INT64: case AD_DOUBLE: return 8;
  default: return 0;
  }
}

static int ad_has_offsets(ad_kind k) { return k == AD_BYTES || k == AD_LIST || k == AD_MAP; }

/* Grows c to hold `need` rows. New validity and bool bytes are zeroed (bits are only
 * ever set). A failed step leaves a larger buffer behind but cap unchanged: consistent. */
static int ad_grow(ad_col *c, int64_t need) {
  int64_t cap = c->cap ? c->cap : c->cap_hint > 64 ? c->cap_hint : 64;
  while (cap < need) cap *= 2;
  size_t w = ad_width(c->kind), obits = (size_t)(c->cap + 7) / 8, nbits = (size_t)(cap + 7) / 8;
  if (w || c->kind == AD_BOOL) {
    size_t bytes = w ? (size_t)cap * w : nbits;
    uint8_t *v = realloc(c->vals, bytes);
    if (!v) return -1;
    c->vals = v;
    if (!w) memset(v + obits, 0, nbits - obits);
  }
  if (c->is_union) {
    uint8_t *v = realloc(c->valid, nbits);
    if (!v) return -1;
    c->valid = v;
    memset(v + obits, 0, nbits - obits);
  }
  if (ad_has_offsets(c->kind)) {
    int32_t *o = realloc(c->offs, ((size_t)cap + 1) * sizeof *o);
    if (!o) return -1;
    if (!c->offs) o[0] = 0;
    c->offs = o;
  }
  c->cap = cap;
  return 0;
}

static void ad_reset(ad_col *c) {
  for (size_t i = 0; i < c->n_kids; i++) ad_reset(&c->kids[i]);
  free(c->valid);
  free(c->vals);
  free(c->offs);
  free(c->data);
  c->valid = c->vals = c->data = NULL;
  c->offs = NULL;
  c->len = c->cap = c->null_count = 0;
  c->data_len = c->data_cap = 0;
}

/* ------------------------------------------------------------ decoding */

static int ad_bad(ad_in *in, const char *col, const char *what) {
  return lf_error_set(in->err, LF_ERR_DATA, "corrupt Avro data in record %lld%s%s%s: %s",
                      (long long)in->row, col ? ", column '" : "", col ? col : "",
                      col ? "'" : "", what);
}

static inline int ad_long(ad_in *in, const char *col, int64_t *v) {
  if (lfh_avro_get_long(&in->p, in->end, v) == 0) return LF_OK;
  ad_bad(in, col, "truncated varint");
  return LF_ERR_DATA; /* a constant, so the compiler sees *v is set on LF_OK */
}

static inline int ad_need(ad_in *in, const char *col, uint64_t n) {
  if (n > (uint64_t)(in->end - in->p)) return ad_bad(in, col, "value runs past the block end");
  return LF_OK;
}

static int ad_value(ad_col *c, ad_in *in, int depth);
static int ad_skip(const lfh_avro_schema *s, ad_in *in, int depth);

/* A null (nullable c) or an empty placeholder (a non-nullable child of a null struct). */
static int ad_empty(ad_col *c, ad_in *in) {
  if (c->len == c->cap && ad_grow(c, c->len + 1))
    return lf_error_set(in->err, LF_ERR_NOMEM, "out of memory decoding '%s'", c->name);
  size_t w = ad_width(c->kind);
  if (w) memset(c->vals + (size_t)c->len * w, 0, w);
  if (ad_has_offsets(c->kind)) c->offs[c->len + 1] = c->offs[c->len];
  for (size_t i = 0; c->kind == AD_STRUCT && i < c->n_kids; i++) {
    int rc = ad_empty(&c->kids[i], in);
    if (rc != LF_OK) return rc;
  }
  c->null_count += c->valid != NULL;
  c->len++;
  return LF_OK;
}

static int ad_bytes(ad_col *c, ad_in *in) {
  int64_t n;
  int rc = ad_long(in, c->name, &n);
  if (rc != LF_OK) return rc;
  if (n < 0) return ad_bad(in, c->name, "negative length");
  if ((rc = ad_need(in, c->name, (uint64_t)n)) != LF_OK) return rc;
  if ((uint64_t)n > (uint64_t)INT32_MAX - c->data_len)
    return ad_bad(in, c->name, "column exceeds 2 GiB of bytes in one batch");
  if (c->data_len + (size_t)n > c->data_cap) {
    size_t cap = c->data_cap ? c->data_cap : c->data_hint > 4096 ? c->data_hint : 4096;
    while (cap < c->data_len + (size_t)n) cap *= 2;
    uint8_t *d = realloc(c->data, cap);
    if (!d) return lf_error_set(in->err, LF_ERR_NOMEM, "out of memory decoding '%s'", c->name);
    c->data = d;
    c->data_cap = cap;
  }
  if (n) memcpy(c->data + c->data_len, in->p, (size_t)n); /* data is NULL until needed */
  in->p += n;
  c->data_len += (size_t)n;
  c->offs[c->len + 1] = (int32_t)c->data_len;
  return LF_OK;
}

static int ad_fields(ad_col *c, ad_in *in, int depth) {
  for (size_t f = 0; f < c->n_fields; f++) {
    int k = c->field_kid[f];
    int rc = k >= 0 ? ad_value(&c->kids[k], in, depth + 1)
                    : ad_skip(c->field_type[f], in, depth + 1);
    if (rc != LF_OK) return rc;
  }
  return LF_OK;
}

/* A block count, made positive (a negative count is followed by the block's byte size),
 * and checked against the bytes left: every item takes at least one byte here. */
static int ad_block_count(ad_in *in, const char *col, int64_t *n, int64_t *bytes) {
  int rc = ad_long(in, col, n);
  *bytes = -1;
  if (rc != LF_OK || *n >= 0) goto check;
  if (*n == INT64_MIN) return ad_bad(in, col, "bad block count");
  *n = -*n;
  if ((rc = ad_long(in, col, bytes)) != LF_OK) return rc;
  if (*bytes < 0 || (rc = ad_need(in, col, (uint64_t)*bytes)) != LF_OK)
    return rc != LF_OK ? rc : ad_bad(in, col, "bad block size");
check:
  if (rc == LF_OK && *n > in->end - in->p) return ad_bad(in, col, "block count exceeds the bytes left");
  return rc;
}

static int ad_map_entry(ad_col *ent, ad_in *in, int depth) {
  if (ent->len == ent->cap && ad_grow(ent, ent->len + 1))
    return lf_error_set(in->err, LF_ERR_NOMEM, "out of memory decoding '%s'", ent->name);
  int rc = ad_value(&ent->kids[0], in, depth + 1);
  if (rc == LF_OK) rc = ad_value(&ent->kids[1], in, depth + 1);
  if (rc == LF_OK) ent->len++;
  return rc;
}

static int ad_blocks(ad_col *c, ad_in *in, int depth) {
  ad_col *it = &c->kids[0];
  for (;;) {
    int64_t n, bytes;
    int rc = ad_block_count(in, c->name, &n, &bytes);
    if (rc != LF_OK) return rc;
    if (n == 0) break;
    if (n > INT32_MAX - it->len) return ad_bad(in, c->name, "more than 2^31 items in one batch");
    for (int64_t k = 0; k < n; k++) {
      rc = c->kind == AD_MAP ? ad_map_entry(it, in, depth) : ad_value(it, in, depth + 1);
      if (rc != LF_OK) return rc;
    }
  }
  c->offs[c->len + 1] = (int32_t)it->len;
  return LF_OK;
}

static int ad_fixed(ad_col *c, ad_in *in) {
  int64_t v;
  int rc;
  switch (c->kind) {
  case AD_INT32:
    if ((rc = ad_long(in, c->name, &v)) != LF_OK) return rc;
    if (v < INT32_MIN || v > INT32_MAX) return ad_bad(in, c->name, "int out of range");
    ((int32_t *)c->vals)[c->len] = (int32_t)v;
    return LF_OK;
  case AD_INT64:
    if ((rc = ad_long(in, c->name, &v)) != LF_OK) return rc;
    ((int64_t *)c->vals)[c->len] = v;
    return LF_OK;
  case AD_BOOL:
    if ((rc = ad_need(in, c->name, 1)) != LF_OK) return rc;
    if (*in->p > 1) return ad_bad(in, c->name, "boolean is neither 0 nor 1");
    c->vals[c->len >> 3] |= (uint8_t)(*in->p++ << (c->len & 7));
    return LF_OK;
  default: { /* float, double: little-endian, as is every host we build for */
    size_t w = ad_width(c->kind);
    if ((rc = ad_need(in, c->name, w)) != LF_OK) return rc;
    memcpy(c->vals + (size_t)c->len * w, in->p, w);
    in->p += w;
    return LF_OK;
  }
  }
}

static int ad_value(ad_col *c, ad_in *in, int depth) {
  if (c->len == c->cap && ad_grow(c, c->len + 1))
    return lf_error_set(in->err, LF_ERR_NOMEM, "out of memory decoding '%s'", c->name);
  int rc;
  if (c->is_union) {
    int64_t b;
    if ((rc = ad_long(in, c->name, &b)) != LF_OK) return rc;
    if (b == c->null_branch) return ad_empty(c, in);
    if (b != 1 - c->null_branch) return ad_bad(in, c->name, "bad union branch");
  }
  switch (c->kind) {
  case AD_BYTES: rc = ad_bytes(c, in); break;
  case AD_STRUCT: rc = ad_fields(c, in, depth); break;
  case AD_LIST: case AD_MAP: rc = ad_blocks(c, in, depth); break;
  default: rc = ad_fixed(c, in); break;
  }
  if (rc != LF_OK) return rc;
  if (c->valid) c->valid[c->len >> 3] |= (uint8_t)(1u << (c->len & 7));
  c->len++;
  return LF_OK;
}

/* ------------------------------------------------------------ skipping */

/* Bytes every datum of s takes when that is fixed, else -1. */
static int64_t ad_fixed_size(const lfh_avro_schema *s, int depth) {
  if (depth > AD_MAX_DEPTH) return -1;
  switch (s->type) {
  case LFH_AVRO_NULL: return 0;
  case LFH_AVRO_BOOLEAN: return 1;
  case LFH_AVRO_FLOAT: return 4;
  case LFH_AVRO_DOUBLE: return 8;
  case LFH_AVRO_FIXED: return (int64_t)s->fixed_size;
  case LFH_AVRO_RECORD: {
    int64_t sum = 0;
    for (size_t i = 0; i < s->n_fields; i++) {
      int64_t f = ad_fixed_size(s->fields[i].type, depth + 1);
      if (f < 0) return -1;
      sum += f;
    }
    return sum;
  }
  default: return -1;
  }
}

static int ad_skip_blocks(const lfh_avro_schema *s, ad_in *in, int depth) {
  int64_t fs = s->type == LFH_AVRO_ARRAY ? ad_fixed_size(s->items, depth + 1) : -1;
  for (;;) {
    int64_t n, bytes;
    int rc = fs == 0 ? ad_long(in, NULL, &n) : ad_block_count(in, NULL, &n, &bytes);
    if (rc != LF_OK) return rc;
    if (n == 0) return LF_OK;
    if (fs == 0) { /* items of no size: a negative count still carries a byte size */
      if (n < 0 && (rc = ad_long(in, NULL, &bytes)) != LF_OK) return rc;
      continue;
    }
    if (bytes >= 0 || fs > 0) { /* the block's bytes are known: jump over them */
      uint64_t skip = bytes >= 0 ? (uint64_t)bytes : (uint64_t)n * (uint64_t)fs;
      if (fs > 0 && bytes < 0 && (uint64_t)n > UINT64_MAX / (uint64_t)fs)
        return ad_bad(in, NULL, "block too large");
      if ((rc = ad_need(in, NULL, skip)) != LF_OK) return rc;
      in->p += skip;
      continue;
    }
    for (int64_t k = 0; k < n; k++) {
      if (s->type == LFH_AVRO_MAP && (rc = ad_skip(&(lfh_avro_schema){.type = LFH_AVRO_STRING},
                                                   in, depth + 1)) != LF_OK)
        return rc;
      if ((rc = ad_skip(s->items, in, depth + 1)) != LF_OK) return rc;
    }
  }
}

static int ad_skip(const lfh_avro_schema *s, ad_in *in, int depth) {
  int64_t v;
  int rc;
  if (depth > AD_MAX_DEPTH) return ad_bad(in, NULL, "nested too deeply");
  switch (s->type) {
  case LFH_AVRO_NULL: return LF_OK;
  case LFH_AVRO_INT: case LFH_AVRO_LONG: case LFH_AVRO_ENUM: return ad_long(in, NULL, &v);
  case LFH_AVRO_BYTES: case LFH_AVRO_STRING:
    if ((rc = ad_long(in, NULL, &v)) != LF_OK) return rc;
    if (v < 0 || (rc = ad_need(in, NULL, (uint64_t)v)) != LF_OK)
      return rc != LF_OK ? rc : ad_bad(in, NULL, "negative length");
    in->p += v;
    return LF_OK;
  case LFH_AVRO_RECORD:
    for (size_t i = 0; i < s->n_fields; i++)
      if ((rc = ad_skip(s->fields[i].type, in, depth + 1)) != LF_OK) return rc;
    return LF_OK;
  case LFH_AVRO_ARRAY: case LFH_AVRO_MAP: return ad_skip_blocks(s, in, depth);
  case LFH_AVRO_UNION:
    if ((rc = ad_long(in, NULL, &v)) != LF_OK) return rc;
    if (v < 0 || (uint64_t)v >= s->n_branches) return ad_bad(in, NULL, "bad union branch");
    return ad_skip(s->branches[v], in, depth + 1);
  default: { /* boolean, float, double, fixed */
    int64_t n = ad_fixed_size(s, depth);
    if (n < 0 || (rc = ad_need(in, NULL, (uint64_t)n)) != LF_OK)
      return n < 0 ? ad_bad(in, NULL, "unknown type") : rc;
    in->p += n;
    return LF_OK;
  }
  }
}

int lfh_avro_arrow_decode_block(lfh_avro_arrow_decoder *d, const uint8_t *data, size_t len,
                                int64_t count, lf_error *err) {
  if (!d || (!data && len) || count < 0)
    return lf_error_set(err, LF_ERR_INVALID, "decode: bad arguments");
  if (d->min_record ? (uint64_t)count > len / d->min_record : count > AD_MAX_ZERO_SIZE_ROWS)
    return lf_error_set(err, LF_ERR_DATA, "corrupt Avro block: %lld records cannot fit in %zu "
                        "bytes", (long long)count, len);
  ad_in in = {data, data ? data + len : data, err, 0};
  int rc = LF_OK;
  for (int64_t r = 0; r < count && rc == LF_OK; r++) {
    in.row = r;
    rc = ad_fields(&d->root, &in, 0);
    d->root.len++;
  }
  if (rc == LF_OK && in.p != in.end)
    rc = lf_error_set(err, LF_ERR_DATA, "corrupt Avro block: %zu bytes left after %lld records",
                      (size_t)(in.end - in.p), (long long)count);
  if (rc != LF_OK) ad_reset(&d->root);
  return rc;
}

/* ------------------------------------------------------------ export */

typedef struct ad_owned {
  const void *bufs[3];
  void *own[4];
  struct ArrowArray *kids;
  struct ArrowArray **kidp;
  int64_t n_kids;
} ad_owned;

static void ad_release(struct ArrowArray *a) {
  ad_owned *o = a->private_data;
  for (int64_t i = 0; i < o->n_kids; i++)
    if (o->kids[i].release) o->kids[i].release(&o->kids[i]);
  for (int i = 0; i < 4; i++) free(o->own[i]);
  free(o->kids);
  free(o->kidp);
  free(o);
  a->release = NULL;
}

static int ad_export(ad_col *c, struct ArrowArray *a, lf_error *err);

static int ad_export_kids(ad_col *c, ad_owned *o, lf_error *err) {
  size_t n = c->n_kids ? c->n_kids : 1;
  o->kids = calloc(n, sizeof *o->kids);
  o->kidp = calloc(n, sizeof *o->kidp);
  if (!o->kids || !o->kidp) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < c->n_kids; i++) {
    int rc = ad_export(&c->kids[i], &o->kids[i], err);
    if (rc != LF_OK) return rc;
    o->kidp[i] = &o->kids[i];
    o->n_kids++;
  }
  return LF_OK;
}

/* Moves c's rows into *a; c starts empty afterwards. Buffers Arrow requires are never
 * NULL, even for 0 rows. */
static int ad_export(ad_col *c, struct ArrowArray *a, lf_error *err) {
  memset(a, 0, sizeof *a);
  ad_owned *o = calloc(1, sizeof *o);
  if (!o) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  int rc = (c->cap == 0 && c->kind != AD_STRUCT && ad_grow(c, 1))
               ? lf_error_set(err, LF_ERR_NOMEM, "out of memory") : LF_OK;
  if (rc == LF_OK && c->kind == AD_BYTES && !c->data && !(c->data = malloc(1)))
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  if (rc == LF_OK) rc = ad_export_kids(c, o, err);
  a->private_data = o;
  a->release = ad_release;
  if (rc != LF_OK) goto fail;
  a->length = c->len;
  a->null_count = c->null_count;
  a->n_children = o->n_kids;
  a->children = c->n_kids ? o->kidp : NULL;
  a->buffers = o->bufs;
  o->bufs[0] = c->null_count ? c->valid : NULL;
  o->own[0] = c->valid;
  o->own[1] = c->vals;
  o->own[2] = c->offs;
  o->own[3] = c->data;
  a->n_buffers = c->kind == AD_STRUCT ? 1 : c->kind == AD_BYTES ? 3 : 2;
  o->bufs[1] = ad_has_offsets(c->kind) ? (const void *)c->offs : c->vals;
  o->bufs[2] = c->data;
  c->valid = c->vals = c->data = NULL;
  c->offs = NULL;
  c->cap_hint = c->cap;
  c->data_hint = c->data_cap;
  c->len = c->cap = c->null_count = 0;
  c->data_len = c->data_cap = 0;
  return LF_OK;
fail:
  ad_release(a);
  return rc;
}

int lfh_avro_arrow_decoder_finish(lfh_avro_arrow_decoder *d, struct ArrowArray *out,
                                  lf_error *err) {
  int rc = ad_export(&d->root, out, err);
  if (rc != LF_OK) ad_reset(&d->root);
  return rc;
}
