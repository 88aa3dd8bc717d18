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

/* Hands the batch built so far to the callback. */
static int emit(lfh_avro_arrow_decoder *d, const struct ArrowSchema *schema, lfh_scan_fn fn,
                void *ctx, lf_error *err) {
  struct ArrowArray batch;
  int rc = lfh_avro_arrow_decoder_finish(d, &batch, err);
  if (rc != LF_OK) return rc;
  return fn(ctx, schema, &batch);
}

typedef struct scan_ctx {
  lfh_table *t;
  const lfh_scan_opts *o;
  lfh_scan_fn fn;
  void *ctx;
} scan_ctx;

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
        (rc = emit(d, schema, sc->fn, sc->ctx, err)) != LF_OK)
      return rc;
  }
  if (rc == 0 && lfh_avro_arrow_decoder_rows(d) > 0) rc = emit(d, schema, sc->fn, sc->ctx, err);
  return rc;
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
  if (!(d = lfh_avro_arrow_decoder_new(lfh_avro_reader_schema(r), sc->o->columns,
                                       sc->o->n_columns, err))) {
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
  scan_ctx sc = {t, o, fn, ctx};
  int rc = lfh_table_plan(t, o, &p, err);
  for (size_t i = 0; rc == LF_OK && i < p.n_files; i++) rc = scan_file(&sc, &p.files[i].file, err);
  lfh_scan_plan_free(&p); /* lfh_table_plan zeroed it first */
  return rc;
}
