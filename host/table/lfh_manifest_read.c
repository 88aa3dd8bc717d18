/* lfh_manifest_read.c — manifests and manifest lists decoded with lfh_avro's generic
 * decoder, by field name (so v1 files and files with extra fields read too), with the
 * spec's sequence-number inheritance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/lfh_mem.h"
#include "lf/lf_array.h"
#include "table/lfh_manifest.h"

typedef struct rctx {
  const char *name; /* the file */
  size_t record;    /* record number, for messages */
  lf_error *err;
} rctx;

static int bad(rctx *c, const char *field, const char *what) {
  return lf_error_set(c->err, LF_ERR_DATA, "%s: record %zu: '%s' %s", c->name, c->record, field,
                      what);
}

static int nomem(rctx *c) { return lf_error_set(c->err, LF_ERR_NOMEM, "%s: out of memory", c->name); }

static int is_null(const lfh_avro_value *v) { return !v || v->schema->type == LFH_AVRO_NULL; }

/* An int/long field. Required: absent or null is an error. Optional: *out = dflt. */
static int get_num(rctx *c, const lfh_avro_value *rec, const char *field, int req, int64_t dflt,
                   int64_t *out) {
  const lfh_avro_value *v = lfh_avro_get(rec, field);
  if (is_null(v)) {
    if (req) return bad(c, field, "is required but missing or null");
    *out = dflt;
    return 0;
  }
  if (v->schema->type != LFH_AVRO_INT && v->schema->type != LFH_AVRO_LONG)
    return bad(c, field, "is not an int or long");
  *out = v->u.l;
  return 0;
}

static int get_i32(rctx *c, const lfh_avro_value *rec, const char *field, int req, int32_t dflt,
                   int32_t *out) {
  int64_t v = 0;
  int rc = get_num(c, rec, field, req, dflt, &v);
  if (rc) return rc;
  if (v < INT32_MIN || v > INT32_MAX) return bad(c, field, "is out of range");
  *out = (int32_t)v;
  return 0;
}

static int get_str(rctx *c, const lfh_avro_value *rec, const char *field, int req, char **out) {
  const lfh_avro_value *v = lfh_avro_get(rec, field);
  *out = NULL;
  if (is_null(v)) return req ? bad(c, field, "is required but missing or null") : 0;
  if (v->schema->type != LFH_AVRO_STRING) return bad(c, field, "is not a string");
  if (!(*out = lfh_memdup_str(v->u.bytes.p, v->u.bytes.n))) return nomem(c);
  return 0;
}

/* An optional array of {key:int, value:long} (or bytes) records: Iceberg's int-keyed maps. */
static int get_id_longs(rctx *c, const lfh_avro_value *rec, const char *field, lfh_id_long **out,
                        size_t *n) {
  const lfh_avro_value *v = lfh_avro_get(rec, field);
  *out = NULL;
  *n = 0;
  if (is_null(v)) return 0;
  if (v->schema->type != LFH_AVRO_ARRAY) return bad(c, field, "is not an array");
  if (!v->u.c.n) return (*out = calloc(1, sizeof(**out))) ? 0 : nomem(c);
  if (!(*out = calloc(v->u.c.n, sizeof(**out)))) return nomem(c);
  for (size_t i = 0; i < v->u.c.n; i++) {
    int64_t k = 0, val = 0;
    if (get_num(c, &v->u.c.items[i], "key", 1, 0, &k) ||
        get_num(c, &v->u.c.items[i], "value", 1, 0, &val))
      return LF_ERR_DATA;
    (*out)[i] = (lfh_id_long){(int32_t)k, val};
    ++*n;
  }
  return 0;
}

static int get_id_bytes(rctx *c, const lfh_avro_value *rec, const char *field,
                        lfh_id_bytes **out, size_t *n) {
  const lfh_avro_value *v = lfh_avro_get(rec, field);
  *out = NULL;
  *n = 0;
  if (is_null(v)) return 0;
  if (v->schema->type != LFH_AVRO_ARRAY) return bad(c, field, "is not an array");
  if (!(*out = calloc(v->u.c.n ? v->u.c.n : 1, sizeof(**out)))) return nomem(c);
  for (size_t i = 0; i < v->u.c.n; i++) {
    int64_t k = 0;
    const lfh_avro_value *b = lfh_avro_get(&v->u.c.items[i], "value");
    if (get_num(c, &v->u.c.items[i], "key", 1, 0, &k)) return LF_ERR_DATA;
    if (is_null(b) || b->schema->type != LFH_AVRO_BYTES) return bad(c, field, "has a non-bytes value");
    lfh_id_bytes *o = &(*out)[(*n)++];
    o->id = (int32_t)k;
    if (!(o->data = malloc(b->u.bytes.n ? b->u.bytes.n : 1))) return nomem(c);
    memcpy(o->data, b->u.bytes.p, b->u.bytes.n);
    o->len = b->u.bytes.n;
  }
  return 0;
}

/* An optional array of longs (split_offsets) or ints (equality_ids), widened to int64. */
static int get_nums(rctx *c, const lfh_avro_value *rec, const char *field, int64_t **out,
                    size_t *n) {
  const lfh_avro_value *v = lfh_avro_get(rec, field);
  *out = NULL;
  *n = 0;
  if (is_null(v)) return 0;
  if (v->schema->type != LFH_AVRO_ARRAY) return bad(c, field, "is not an array");
  if (!(*out = calloc(v->u.c.n ? v->u.c.n : 1, sizeof(int64_t)))) return nomem(c);
  for (size_t i = 0; i < v->u.c.n; i++) {
    const lfh_avro_value *x = &v->u.c.items[i];
    if (x->schema->type != LFH_AVRO_INT && x->schema->type != LFH_AVRO_LONG)
      return bad(c, field, "has a non-integer item");
    (*out)[(*n)++] = x->u.l;
  }
  return 0;
}

static int get_equality_ids(rctx *c, const lfh_avro_value *rec, lfh_data_file *f) {
  int64_t *wide = NULL;
  size_t n = 0;
  int rc = get_nums(c, rec, "equality_ids", &wide, &n);
  if (rc == 0 && wide) {
    if (!(f->equality_ids = calloc(n ? n : 1, sizeof(int32_t)))) rc = nomem(c);
    for (size_t i = 0; rc == 0 && i < n; i++) f->equality_ids[i] = (int32_t)wide[i];
    if (rc == 0) f->n_equality_ids = n;
  }
  free(wide);
  return rc;
}

static int read_metrics(rctx *c, const lfh_avro_value *df, lfh_data_file *f) {
  if (get_id_longs(c, df, "column_sizes", &f->column_sizes, &f->n_column_sizes) ||
      get_id_longs(c, df, "value_counts", &f->value_counts, &f->n_value_counts) ||
      get_id_longs(c, df, "null_value_counts", &f->null_value_counts, &f->n_null_value_counts) ||
      get_id_bytes(c, df, "lower_bounds", &f->lower_bounds, &f->n_lower_bounds) ||
      get_id_bytes(c, df, "upper_bounds", &f->upper_bounds, &f->n_upper_bounds))
    return c->err && c->err->code ? c->err->code : LF_ERR_DATA;
  return 0;
}

static int read_data_file(rctx *c, const lfh_avro_value *df, lfh_data_file *f) {
  if (is_null(df) || df->schema->type != LFH_AVRO_RECORD)
    return bad(c, "data_file", "is missing or not a record");
  if (get_i32(c, df, "content", 0, LFH_CONTENT_DATA, &f->content) ||
      get_str(c, df, "file_path", 1, &f->file_path) ||
      get_str(c, df, "file_format", 1, &f->file_format) ||
      get_num(c, df, "record_count", 1, 0, &f->record_count) ||
      get_num(c, df, "file_size_in_bytes", 1, 0, &f->file_size_in_bytes) ||
      read_metrics(c, df, f) || get_nums(c, df, "split_offsets", &f->split_offsets, &f->n_split_offsets) ||
      get_equality_ids(c, df, f) || get_i32(c, df, "sort_order_id", 0, -1, &f->sort_order_id) ||
      get_str(c, df, "referenced_data_file", 0, &f->referenced_data_file))
    return c->err && c->err->code ? c->err->code : LF_ERR_DATA;
  if (f->content < 0 || f->content > 2) return bad(c, "data_file.content", "is not 0, 1 or 2");
  return 0;
}

/* Spec "Sequence Number Inheritance": a null sequence number of an ADDED entry is the
 * manifest's (from the manifest list); any other null is corrupt. A field missing from
 * the schema altogether is a v1 manifest: sequence number 0. */
static int inherit_seq(rctx *c, const lfh_avro_value *rec, const char *field, int32_t status,
                       const lfh_manifest_file *mf, int64_t *out) {
  const lfh_avro_value *v = lfh_avro_get(rec, field);
  if (!v) {
    *out = 0;
    return 0;
  }
  if (!is_null(v)) return get_num(c, rec, field, 1, 0, out);
  if (status != LFH_ENTRY_ADDED) return bad(c, field, "is null in an entry that is not ADDED");
  *out = mf ? mf->sequence_number : LFH_SEQ_NONE;
  return 0;
}

static int read_entry(rctx *c, const lfh_avro_value *rec, const lfh_manifest_file *mf,
                      lfh_manifest_entry *e) {
  e->file.sort_order_id = -1;
  if (get_i32(c, rec, "status", 1, 0, &e->status)) return LF_ERR_DATA;
  if (e->status < 0 || e->status > 2) return bad(c, "status", "is not 0, 1 or 2");
  if (get_num(c, rec, "snapshot_id", 0, mf ? mf->added_snapshot_id : -1, &e->snapshot_id) ||
      inherit_seq(c, rec, "sequence_number", e->status, mf, &e->sequence_number) ||
      inherit_seq(c, rec, "file_sequence_number", e->status, mf, &e->file_sequence_number))
    return LF_ERR_DATA;
  return read_data_file(c, lfh_avro_get(rec, "data_file"), &e->file);
}

/* ------------------------------------------------------------ record loop */

typedef int (*record_fn)(rctx *c, const lfh_avro_value *rec, void *state);

/* Decodes every record of every block of an open reader and hands each to `fn`. */
static int for_each_record(lfh_avro_reader *r, rctx *c, record_fn fn, void *state) {
  lfh_avro_arena *arena = lfh_avro_arena_new();
  const uint8_t *block;
  size_t len;
  int64_t count;
  int rc = arena ? 1 : nomem(c);
  while (rc == 1 && (rc = lfh_avro_reader_next(r, &block, &len, &count, c->err)) == 1) {
    const uint8_t *p = block, *end = block + len;
    for (int64_t i = 0; rc == 1 && i < count; i++, c->record++) {
      lfh_avro_value v;
      lfh_avro_arena_reset(arena);
      if (lfh_avro_decode(lfh_avro_reader_schema(r), &p, end, arena, &v, c->err) != 0 ||
          fn(c, &v, state) != 0)
        rc = c->err && c->err->code ? c->err->code : LF_ERR_DATA;
    }
    if (rc == 1 && p != end) rc = lf_error_set(c->err, LF_ERR_DATA, "%s: block has trailing bytes", c->name);
  }
  lfh_avro_arena_free(arena);
  return rc;
}

/* A header value as a NUL-terminated copy in `buf` (empty when absent or too long). */
static const char *meta_str(lfh_avro_reader *r, const char *key, char *buf, size_t cap) {
  size_t n = 0;
  const char *v = lfh_avro_reader_meta(r, key, &n);
  buf[0] = '\0';
  if (v && n < cap) {
    memcpy(buf, v, n);
    buf[n] = '\0';
  }
  return buf;
}

static int64_t meta_i64(lfh_avro_reader *r, const char *key, int64_t dflt) {
  char buf[32], *end = NULL;
  meta_str(r, key, buf, sizeof(buf));
  long long v = strtoll(buf, &end, 10);
  return buf[0] && end && *end == '\0' ? (int64_t)v : dflt;
}

/* ------------------------------------------------------------ manifests */

void lfh_data_file_clear(lfh_data_file *f) {
  free(f->file_path);
  free(f->file_format);
  free(f->column_sizes);
  free(f->value_counts);
  free(f->null_value_counts);
  for (size_t i = 0; i < f->n_lower_bounds; i++) free(f->lower_bounds[i].data);
  for (size_t i = 0; i < f->n_upper_bounds; i++) free(f->upper_bounds[i].data);
  free(f->lower_bounds);
  free(f->upper_bounds);
  free(f->split_offsets);
  free(f->equality_ids);
  free(f->referenced_data_file);
  memset(f, 0, sizeof(*f));
}

void lfh_manifest_free(lfh_manifest *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n_entries; i++) lfh_data_file_clear(&m->entries[i].file);
  free(m->entries);
  free(m);
}

typedef struct entry_state {
  lfh_manifest *m;
  size_t cap;
  const lfh_manifest_file *mf;
} entry_state;

static int on_entry(rctx *c, const lfh_avro_value *rec, void *state) {
  entry_state *s = state;
  if (s->m->n_entries == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 16;
    lfh_manifest_entry *grown = realloc(s->m->entries, cap * sizeof(*grown));
    if (!grown) return nomem(c);
    s->m->entries = grown;
    s->cap = cap;
  }
  lfh_manifest_entry *e = &s->m->entries[s->m->n_entries++];
  memset(e, 0, sizeof(*e));
  return read_entry(c, rec, s->mf, e);
}

int lfh_manifest_read(const void *data, size_t len, const char *name,
                      const lfh_manifest_file *mf, lfh_manifest **out, lf_error *err) {
  rctx c = {name ? name : "manifest", 0, err};
  char content[16];
  *out = NULL;
  lfh_avro_reader *r = lfh_avro_reader_open(data, len, c.name, err);
  if (!r) return err && err->code ? err->code : LF_ERR_DATA;
  entry_state s = {calloc(1, sizeof(lfh_manifest)), 0, mf};
  int rc = s.m ? 0 : nomem(&c);
  if (rc == 0) {
    meta_str(r, "content", content, sizeof(content));
    s.m->content = strcmp(content, "deletes") == 0 ? LFH_MANIFEST_DELETES : LFH_MANIFEST_DATA;
    s.m->partition_spec_id = (int32_t)meta_i64(r, "partition-spec-id", 0);
    s.m->format_version = (int)meta_i64(r, "format-version", 1);
    rc = for_each_record(r, &c, on_entry, &s);
  }
  lfh_avro_reader_free(r);
  if (rc != 0) {
    lfh_manifest_free(s.m);
    return rc;
  }
  *out = s.m;
  return LF_OK;
}

/* ------------------------------------------------------------ manifest lists */

void lfh_manifest_list_free(lfh_manifest_list *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n_files; i++) free(l->files[i].manifest_path);
  free(l->files);
  free(l);
}

static int read_counts(rctx *c, const lfh_avro_value *rec, lfh_manifest_file *f) {
  if (get_i32(c, rec, "added_files_count", 0, 0, &f->added_files_count) ||
      get_i32(c, rec, "existing_files_count", 0, 0, &f->existing_files_count) ||
      get_i32(c, rec, "deleted_files_count", 0, 0, &f->deleted_files_count) ||
      get_num(c, rec, "added_rows_count", 0, 0, &f->added_rows_count) ||
      get_num(c, rec, "existing_rows_count", 0, 0, &f->existing_rows_count) ||
      get_num(c, rec, "deleted_rows_count", 0, 0, &f->deleted_rows_count))
    return LF_ERR_DATA;
  return 0;
}

static int read_manifest_file(rctx *c, const lfh_avro_value *rec, lfh_manifest_file *f) {
  if (get_str(c, rec, "manifest_path", 1, &f->manifest_path) ||
      get_num(c, rec, "manifest_length", 1, 0, &f->manifest_length) ||
      get_i32(c, rec, "partition_spec_id", 1, 0, &f->partition_spec_id) ||
      get_i32(c, rec, "content", 0, LFH_MANIFEST_DATA, &f->content) ||
      get_num(c, rec, "sequence_number", 0, 0, &f->sequence_number) ||
      get_num(c, rec, "min_sequence_number", 0, 0, &f->min_sequence_number) ||
      get_num(c, rec, "added_snapshot_id", 1, 0, &f->added_snapshot_id) || read_counts(c, rec, f))
    return LF_ERR_DATA;
  if (f->content != LFH_MANIFEST_DATA && f->content != LFH_MANIFEST_DELETES)
    return bad(c, "content", "is not 0 or 1");
  return 0;
}

typedef struct file_state {
  lfh_manifest_list *l;
  size_t cap;
} file_state;

static int on_file(rctx *c, const lfh_avro_value *rec, void *state) {
  file_state *s = state;
  if (s->l->n_files == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 16;
    lfh_manifest_file *grown = realloc(s->l->files, cap * sizeof(*grown));
    if (!grown) return nomem(c);
    s->l->files = grown;
    s->cap = cap;
  }
  lfh_manifest_file *f = &s->l->files[s->l->n_files++];
  memset(f, 0, sizeof(*f));
  return read_manifest_file(c, rec, f);
}

int lfh_manifest_list_read(const void *data, size_t len, const char *name,
                           lfh_manifest_list **out, lf_error *err) {
  rctx c = {name ? name : "manifest list", 0, err};
  *out = NULL;
  lfh_avro_reader *r = lfh_avro_reader_open(data, len, c.name, err);
  if (!r) return err && err->code ? err->code : LF_ERR_DATA;
  file_state s = {calloc(1, sizeof(lfh_manifest_list)), 0};
  int rc = s.l ? 0 : nomem(&c);
  if (rc == 0) {
    s.l->snapshot_id = meta_i64(r, "snapshot-id", -1);
    s.l->parent_snapshot_id = meta_i64(r, "parent-snapshot-id", -1);
    s.l->sequence_number = meta_i64(r, "sequence-number", -1);
    rc = for_each_record(r, &c, on_file, &s);
  }
  lfh_avro_reader_free(r);
  if (rc != 0) {
    lfh_manifest_list_free(s.l);
    return rc;
  }
  *out = s.l;
  return LF_OK;
}
