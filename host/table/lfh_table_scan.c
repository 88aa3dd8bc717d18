/* lfh_table_scan.c — scan planning (snapshot -> manifest list -> manifests -> live data
 * files, or the files appended in a range of snapshots) and decoding data files into
 * Arrow batches with column projection. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro_arrow.h"
#include "lf/lf_array.h"
#include "table/lfh_table_internal.h"
#include "util/lfh_mem.h"
#include "util/lfh_take.h"

void lfh_scan_plan_free(lfh_scan_plan *p) {
  for (size_t i = 0; i < p->n_files; i++) lfh_data_file_clear(&p->files[i].file);
  free(p->files);
  memset(p, 0, sizeof(*p));
}

/* The snapshot a scan reads: by id, as of a time, or the current one (NULL, LF_OK: the
 * table has none). */
static int pick_snapshot(const lfh_table *t, const lfh_scan_opts *o, const lfh_snapshot **out,
                         lf_error *err) {
  const lfh_table_meta *m = t->meta;
  if (o->snapshot_id) *out = lfh_table_meta_snapshot(m, o->snapshot_id);
  else if (o->as_of_ms) *out = lfh_table_meta_snapshot_as_of(m, o->as_of_ms);
  else *out = lfh_table_meta_current(m);
  if (o->snapshot_id && !*out)
    return lf_error_set(err, LF_ERR_NOT_FOUND, "%s: no snapshot %" PRId64, t->prefix,
                        o->snapshot_id);
  if (o->as_of_ms && !*out)
    return lf_error_set(err, LF_ERR_NOT_FOUND, "%s: no snapshot as of %" PRId64 " ms",
                        t->prefix, o->as_of_ms);
  return LF_OK;
}

/* Incremental scans: the snapshots in (from, to], which must all be appends. */
typedef struct id_set {
  int64_t *ids;
  size_t n, cap;
} id_set;

static int in_set(const id_set *s, int64_t id) {
  for (size_t i = 0; i < s->n; i++)
    if (s->ids[i] == id) return 1;
  return 0;
}

static int range_ids(const lfh_table *t, int64_t from, const lfh_snapshot *to, id_set *out,
                     lf_error *err) {
  const lfh_table_meta *m = t->meta;
  if (!to || !lfh_table_meta_is_ancestor(m, to, from))
    return lf_error_set(err, LF_ERR_INVALID,
                        "%s: snapshot %" PRId64 " is not an ancestor of %" PRId64, t->prefix,
                        from, to ? to->snapshot_id : LFH_NO_SNAPSHOT);
  for (const lfh_snapshot *s = to; s && s->snapshot_id != from; s = lfh_table_meta_parent(m, s)) {
    const char *op = lfh_kvs_get(&s->summary, "operation");
    if (!op || strcmp(op, "append") != 0)
      return lf_error_set(err, LF_ERR_UNSUPPORTED,
                          "%s: incremental scan over snapshot %" PRId64 " (%s), not an append",
                          t->prefix, s->snapshot_id, op ? op : "?");
    if (lfh_grow(&out->ids, &out->cap, out->n + 1, sizeof(*out->ids), 16) != 0)
      return lf_error_set(err, LF_ERR_NOMEM, "out of memory planning a scan");
    out->ids[out->n++] = s->snapshot_id;
  }
  return LF_OK;
}

/* Moves the live (or, incrementally, the added-in-range) entries of one manifest. */
static int take_entries(lfh_manifest *man, const id_set *range, int incremental,
                        lfh_scan_plan *p, size_t *cap) {
  for (size_t i = 0; i < man->n_entries; i++) {
    lfh_manifest_entry *e = &man->entries[i];
    if (e->status == LFH_ENTRY_DELETED) continue;
    if (incremental && (e->status != LFH_ENTRY_ADDED || !in_set(range, e->snapshot_id))) continue;
    if (lfh_grow(&p->files, cap, p->n_files + 1, sizeof(*p->files), 16) != 0) return LF_ERR_NOMEM;
    p->files[p->n_files++] = *e;
    memset(&e->file, 0, sizeof(e->file)); /* now owned by the plan */
  }
  return LF_OK;
}

static int plan_manifest(lfh_table *t, const lfh_manifest_file *mf, const id_set *range,
                         int incremental, lfh_scan_plan *p, size_t *cap, lf_error *err) {
  lfh_buf b = {0};
  lfh_manifest *man = NULL;
  int rc = lfh_table_get_uri(t, mf->manifest_path, &b, err);
  if (rc == LF_OK) rc = lfh_manifest_read(b.data, b.len, mf->manifest_path, mf, &man, err);
  if (rc == LF_OK && man->content != LFH_MANIFEST_DATA)
    rc = lf_error_set(err, LF_ERR_UNSUPPORTED, "%s: delete files are not supported yet",
                      mf->manifest_path);
  if (rc == LF_OK && take_entries(man, range, incremental, p, cap) != LF_OK)
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory planning a scan");
  lfh_manifest_free(man);
  lfh_buf_free(&b);
  return rc;
}

/* Manifests of deletes without live files do not change what is read. */
static int skip_manifest(const lfh_manifest_file *mf, const id_set *range, int incremental) {
  if (incremental) return !in_set(range, mf->added_snapshot_id) || mf->added_files_count == 0;
  return mf->content == LFH_MANIFEST_DELETES && mf->added_files_count == 0 &&
         mf->existing_files_count == 0;
}

int lfh_table_plan(lfh_table *t, const lfh_scan_opts *o, lfh_scan_plan *out, lf_error *err) {
  const lfh_snapshot *snap = NULL;
  lfh_manifest_list *list = NULL;
  id_set range = {0};
  size_t cap = 0;
  int incremental = o->from_snapshot_id != 0;
  memset(out, 0, sizeof(*out));
  out->snapshot_id = LFH_NO_SNAPSHOT;
  int rc = pick_snapshot(t, o, &snap, err);
  if (rc == LF_OK && incremental) rc = range_ids(t, o->from_snapshot_id, snap, &range, err);
  if (rc != LF_OK || !snap) goto fail;
  out->snapshot_id = snap->snapshot_id;
  if ((rc = lfh_table_read_list(t, snap, &list, err)) != LF_OK) goto fail;
  for (size_t i = 0; i < list->n_files && rc == LF_OK; i++)
    if (!skip_manifest(&list->files[i], &range, incremental))
      rc = plan_manifest(t, &list->files[i], &range, incremental, out, &cap, err);
fail:
  if (rc != LF_OK) lfh_scan_plan_free(out);
  lfh_manifest_list_free(list);
  free(range.ids);
  return rc;
}

/* ------------------------------------------------------------ decoding */

/* Prefixes err's message with the file name (decoder messages name only column and row). */
static int name_error(lf_error *err, int rc, const char *name) {
  char msg[512] = "";
  if (err && err->message && err->message_cap) snprintf(msg, sizeof(msg), "%s", err->message);
  if (strstr(msg, name)) return rc;
  return lf_error_set(err, rc, "%s: %s", name, msg);
}

/* ------------------------------------------------------------ schema evolution */

/* A data file written before columns were added lacks them: its batches are re-shaped to
 * the snapshot's schema, the missing columns (also fields inside structs) as nulls, which
 * is what Iceberg's schema resolution gives readers. Columns are matched by name (lfhost
 * evolves only by adding, so names and field ids agree). The new struct shares the old
 * one's validity buffer and keeps the old array alive until it is released itself. */
typedef struct align_priv {
  struct ArrowArray orig; /* moved in: owns the validity buffer and unmoved children */
  struct ArrowArray *kids;
  struct ArrowArray **kid_ptrs;
  const void *bufs[1];
  int64_t n_kids;
} align_priv;

static void align_release(struct ArrowArray *a) {
  align_priv *p = a->private_data;
  for (int64_t i = 0; i < p->n_kids; i++) lf_array_release(&p->kids[i]);
  lf_array_release(&p->orig);
  free(p->kids);
  free(p->kid_ptrs);
  free(p);
  a->release = NULL;
}

static int64_t child_named(const struct ArrowSchema *s, const char *name) {
  for (int64_t i = 0; i < s->n_children; i++)
    if (s->children[i]->name && strcmp(s->children[i]->name, name) == 0) return i;
  return -1;
}

static int is_struct(const struct ArrowSchema *s) { return strcmp(s->format, "+s") == 0; }

#define ALIGN_EQ (LF_SCHEMA_EQ_IGNORE_METADATA | LF_SCHEMA_EQ_IGNORE_FLAGS)

/* `in` (a struct of schema `is`, moved in) as a struct of schema `ts`. */
static int align(struct ArrowArray *in, const struct ArrowSchema *is, const struct ArrowSchema *ts,
                 struct ArrowArray *out, lf_error *err) {
  align_priv *p = calloc(1, sizeof *p);
  int64_t n = ts->n_children;
  if (p) p->kids = calloc((size_t)n + 1, sizeof *p->kids);
  if (p && p->kids) p->kid_ptrs = calloc((size_t)n + 1, sizeof *p->kid_ptrs);
  if (!p || !p->kid_ptrs) {
    if (p) free(p->kids);
    free(p);
    lf_array_release(in);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory aligning a scan to the schema");
  }
  lf_array_move(in, &p->orig);
  p->n_kids = n;
  int64_t rows = p->orig.offset + p->orig.length; /* children are indexed past the offset */
  int rc = LF_OK;
  for (int64_t j = 0; j < n && rc == LF_OK; j++) {
    const struct ArrowSchema *want = ts->children[j];
    int64_t i = child_named(is, want->name);
    p->kid_ptrs[j] = &p->kids[j];
    if (i < 0) {
      rc = lfh_nulls(want, rows, &p->kids[j], err);
    } else if (is_struct(want) && is_struct(is->children[i]) &&
               !lf_schema_equal(is->children[i], want, ALIGN_EQ)) {
      struct ArrowArray c;
      lf_array_move(p->orig.children[i], &c);
      rc = align(&c, is->children[i], want, &p->kids[j], err);
    } else if (strcmp(is->children[i]->format, want->format) != 0) {
      /* a widened column (int -> long, float -> double): the buffers differ in width */
      rc = lf_error_set(err, LF_ERR_UNSUPPORTED,
                        "column '%s' was widened from Arrow '%s' to '%s': reading data files "
                        "written before the widening is not supported yet",
                        want->name, is->children[i]->format, want->format);
    } else {
      lf_array_move(p->orig.children[i], &p->kids[j]);
    }
  }
  memset(out, 0, sizeof *out);
  out->length = p->orig.length;
  out->offset = p->orig.offset;
  out->null_count = p->orig.null_count;
  out->n_buffers = 1;
  p->bufs[0] = p->orig.n_buffers > 0 ? p->orig.buffers[0] : NULL;
  out->buffers = p->bufs;
  out->n_children = n;
  out->children = p->kid_ptrs;
  out->private_data = p;
  out->release = align_release;
  if (rc != LF_OK) align_release(out);
  return rc;
}

typedef struct scan_ctx {
  lfh_table *t;
  const lfh_scan_opts *o;
  lfh_scan_fn fn;
  void *ctx;
  struct ArrowSchema target; /* the snapshot's schema, projected; release NULL: none */
} scan_ctx;

/* Hands the batch built so far to the callback, re-shaped to the snapshot's schema when
 * the file predates some of its columns. */
static int emit(lfh_avro_arrow_decoder *d, const struct ArrowSchema *schema, const scan_ctx *sc,
                lf_error *err) {
  struct ArrowArray batch, aligned;
  int rc = lfh_avro_arrow_decoder_finish(d, &batch, err);
  if (rc != LF_OK) return rc;
  if (!sc->target.release || lf_schema_equal(schema, &sc->target, ALIGN_EQ))
    return sc->fn(sc->ctx, schema, &batch);
  if ((rc = align(&batch, schema, &sc->target, &aligned, err)) != LF_OK) return rc;
  return sc->fn(sc->ctx, &sc->target, &aligned);
}

static int decode_blocks(lfh_avro_reader *r, lfh_avro_arrow_decoder *d,
                         const struct ArrowSchema *schema, const scan_ctx *sc, int64_t *rows,
                         lf_error *err) {
  const uint8_t *blk;
  size_t len;
  int64_t count;
  int rc;
  while ((rc = lfh_avro_reader_next(r, &blk, &len, &count, err)) == 1) {
    if ((rc = lfh_avro_arrow_decode_block(d, blk, len, count, err)) != LF_OK)
      return name_error(err, rc, lfh_avro_reader_name(r));
    *rows += count;
    if (lfh_avro_arrow_decoder_rows(d) >= LFH_SCAN_BATCH_ROWS &&
        (rc = emit(d, schema, sc, err)) != LF_OK)
      return rc;
  }
  if (rc == 0 && lfh_avro_arrow_decoder_rows(d) > 0) rc = emit(d, schema, sc, err);
  return rc;
}

/* The snapshot's schema projected to the scan's columns (top level, in their order), as
 * Arrow: what every batch is shaped to. An unknown column is LF_ERR_NOT_FOUND. */
static int target_schema(lfh_table *t, const lfh_scan_opts *o, int64_t snapshot_id,
                         struct ArrowSchema *out, lf_error *err) {
  const lfh_table_meta *m = t->meta;
  const lfh_snapshot *snap = lfh_table_meta_snapshot(m, snapshot_id);
  const lfh_ice_schema *sch = snap && snap->schema_id >= 0 ? lfh_table_meta_schema(m, snap->schema_id)
                                                           : NULL;
  if (!sch) sch = lfh_table_meta_current_schema(m);
  if (!sch) return lf_error_set(err, LF_ERR_DATA, "%s: no schema", t->prefix);
  lfh_ice_type root = *sch->root; /* shallow: fields borrowed from the metadata */
  lfh_ice_field *pick = NULL;
  if (o->columns) {
    if (!(pick = calloc(o->n_columns + 1, sizeof *pick))) return lfh_table_oom(err, t->prefix);
    for (size_t i = 0; i < o->n_columns; i++) {
      size_t k = 0;
      while (k < root.n_fields && strcmp(root.fields[k].name, o->columns[i]) != 0) k++;
      if (k == root.n_fields) {
        free(pick);
        return lf_error_set(err, LF_ERR_NOT_FOUND, "%s: no column '%s'", t->prefix, o->columns[i]);
      }
      pick[i] = root.fields[k];
    }
    root.fields = pick;
    root.n_fields = o->n_columns;
  }
  lfh_ice_schema view = {.schema_id = sch->schema_id, .root = &root};
  int rc = lfh_ice_schema_to_arrow(&view, out, err);
  free(pick);
  return rc;
}

/* The target's top-level names that the file has, in the target's order (borrowed
 * strings); at least one name, so the decoder never falls back to "all fields". */
static const char **file_projection(const scan_ctx *sc, const lfh_avro_schema *w, size_t *n) {
  const struct ArrowSchema *ts = &sc->target;
  const char **names = calloc((size_t)ts->n_children + 1, sizeof *names);
  if (!names) return NULL;
  *n = 0;
  for (int64_t j = 0; j < ts->n_children; j++)
    for (size_t k = 0; k < w->n_fields; k++)
      if (strcmp(w->fields[k].name, ts->children[j]->name) == 0) names[(*n)++] = w->fields[k].name;
  if (*n == 0 && w->n_fields > 0) names[(*n)++] = w->fields[0].name; /* dropped by align */
  return names;
}

static int scan_file(const scan_ctx *sc, const lfh_data_file *f, lf_error *err) {
  lfh_buf b = {0};
  lfh_avro_reader *r = NULL;
  lfh_avro_arrow_decoder *d = NULL;
  struct ArrowSchema schema;
  int64_t rows = 0;
  memset(&schema, 0, sizeof(schema));
  int rc = lfh_table_get_uri(sc->t, f->file_path, &b, err);
  if (rc != LF_OK) goto fail;
  rc = LF_ERR_DATA;
  if (!(r = lfh_avro_reader_open(b.data, b.len, f->file_path, err))) goto fail;
  const lfh_avro_schema *w = lfh_avro_reader_schema(r);
  size_t n_proj = 0;
  const char **proj = w->type == LFH_AVRO_RECORD ? file_projection(sc, w, &n_proj) : NULL;
  if (w->type == LFH_AVRO_RECORD && !proj) {
    rc = lfh_table_oom(err, sc->t->prefix);
    goto fail;
  }
  d = lfh_avro_arrow_decoder_new(w, proj ? proj : sc->o->columns, proj ? n_proj : sc->o->n_columns,
                                 err);
  free(proj);
  if (!d) {
    rc = name_error(err, err ? err->code : LF_ERR_DATA, f->file_path);
    goto fail;
  }
  if ((rc = lfh_avro_arrow_decoder_schema(d, &schema, err)) != LF_OK) goto fail;
  if ((rc = decode_blocks(r, d, &schema, sc, &rows, err)) != LF_OK) goto fail;
  if (rows != f->record_count)
    rc = lf_error_set(err, LF_ERR_DATA, "%s: %" PRId64 " records, the manifest says %" PRId64,
                      f->file_path, rows, f->record_count);
fail:
  lf_schema_release(&schema);
  lfh_avro_arrow_decoder_free(d);
  lfh_avro_reader_free(r);
  lfh_buf_free(&b);
  return rc;
}

int lfh_table_scan(lfh_table *t, const lfh_scan_opts *o, lfh_scan_fn fn, void *ctx,
                   lf_error *err) {
  lfh_scan_plan p;
  scan_ctx sc = {t, o, fn, ctx, {0}};
  int rc = lfh_table_plan(t, o, &p, err);
  if (rc == LF_OK && p.n_files > 0) rc = target_schema(t, o, p.snapshot_id, &sc.target, err);
  for (size_t i = 0; rc == LF_OK && i < p.n_files; i++) rc = scan_file(&sc, &p.files[i].file, err);
  lf_schema_release(&sc.target);
  lfh_scan_plan_free(&p); /* lfh_table_plan zeroed it first */
  return rc;
}
