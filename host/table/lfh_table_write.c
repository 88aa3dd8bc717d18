/* lfh_table_write.c — copy-on-write rewrites: overwrite, truncate and the commit that
 * compaction shares. Each attempt re-plans the newest base, checks that the files it
 * removes are still live there, and writes one manifest holding the whole new state
 * (ADDED + DELETED + EXISTING) and a manifest list naming only that manifest, so a rewrite
 * never has to edit another commit's manifests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_table_internal.h"
#include "util/lfh_mem.h"

struct lfh_table_overwrite {
  lfh_table *t;                /* borrowed */
  const char *op;              /* static: "overwrite", "delete", "replace" */
  char **remove;               /* owned URIs */
  size_t n_remove;
  int remove_all;              /* truncate: every file live in the base */
  lfh_datafiles files;         /* owned: the new files, streamed as rows arrive */
  lfh_avro_arrow_encoder *enc; /* owned: for the schema given to _begin, or NULL */
  int64_t snapshot_id;         /* fixed across retries */
  int done;
};

void lfh_table_overwrite_free(lfh_table_overwrite *ow) {
  if (!ow) return;
  for (size_t i = 0; i < ow->n_remove; i++) free(ow->remove[i]);
  free(ow->remove);
  lfh_avro_arrow_encoder_free(ow->enc);
  lfh_datafiles_release(&ow->files);
  free(ow);
}

static int rw_copy_paths(lfh_table_overwrite *ow, const char *const *paths, size_t n) {
  if (n && !(ow->remove = calloc(n, sizeof(*ow->remove)))) return LF_ERR_NOMEM;
  for (; ow->n_remove < n; ow->n_remove++)
    if (!(ow->remove[ow->n_remove] = strdup(paths[ow->n_remove]))) return LF_ERR_NOMEM;
  return LF_OK;
}

int lfh_table_rewrite_begin(lfh_table *t, const char *op, const char *const *remove_paths,
                            size_t n_remove, int64_t target_rows, lfh_table_overwrite **out,
                            lf_error *err) {
  lfh_table_overwrite *ow = calloc(1, sizeof(*ow));
  if (!ow) return lfh_table_oom(err, t->prefix);
  ow->t = t;
  ow->op = op;
  int rc = rw_copy_paths(ow, remove_paths, n_remove);
  if (rc != LF_OK) rc = lfh_table_oom(err, t->prefix);
  if (rc == LF_OK && !(ow->snapshot_id = lfh_random_id()))
    rc = lf_error_set(err, LF_ERR_IO, "getrandom failed making a snapshot id");
  if (rc == LF_OK) rc = lfh_datafiles_init(&ow->files, t, ow->snapshot_id, target_rows, err);
  if (rc != LF_OK) {
    lfh_table_overwrite_free(ow);
    return rc;
  }
  *out = ow;
  return LF_OK;
}

const lfh_avro_schema *lfh_table_rewrite_avro(const lfh_table_overwrite *ow) {
  return ow->files.avro;
}

int lfh_table_overwrite_begin(lfh_table *t, const char *const *remove_paths, size_t n_remove,
                              const struct ArrowSchema *schema, lfh_table_overwrite **out,
                              lf_error *err) {
  lfh_table_overwrite *ow = NULL;
  int rc = lfh_table_rewrite_begin(t, "overwrite", remove_paths, n_remove, 0, &ow, err);
  if (rc != LF_OK) return rc;
  if (schema && !(ow->enc = lfh_avro_arrow_encoder_new(ow->files.avro, schema, err))) {
    lfh_table_overwrite_free(ow);
    return LF_ERR_SCHEMA;
  }
  *out = ow;
  return LF_OK;
}

int lfh_table_rewrite_rows(lfh_table_overwrite *ow, lfh_avro_arrow_encoder *enc,
                           const struct ArrowArray *batch, int64_t first, int64_t n,
                           lf_error *err) {
  return lfh_datafiles_rows(&ow->files, enc, batch, first, n, err);
}

int lfh_table_overwrite_batch(lfh_table_overwrite *ow, const struct ArrowArray *batch,
                              lf_error *err) {
  if (ow->done || !ow->enc)
    return lf_error_set(err, LF_ERR_INVALID, "%s: overwrite %s", ow->t->prefix,
                        ow->done ? "already committed" : "started without a schema");
  return lfh_datafiles_rows(&ow->files, ow->enc, batch, 0, batch->length, err);
}

/* ------------------------------------------------------------ one attempt */

typedef struct rw_attempt {
  lfh_table_overwrite *ow;
  const lfh_kvs *props;
  int n;
  lfh_scan_plan base;            /* the base's live files */
  lfh_manifest_entry *entries;   /* shallow copies of `added` and `base` entries */
  size_t n_entries;
  int64_t del_files, del_rows, del_size, total_rows, total_size, total_files;
  char *man_key, *list_key;      /* owned: written this attempt, dropped if it loses */
} rw_attempt;

static int rw_removed(const lfh_table_overwrite *ow, const char *path) {
  if (ow->remove_all) return 1;
  for (size_t i = 0; i < ow->n_remove; i++)
    if (strcmp(ow->remove[i], path) == 0) return 1;
  return 0;
}

/* Every removed path must be live in the base: a concurrent rewrite may have removed it. */
static int rw_validate(const rw_attempt *at, lf_error *err) {
  const lfh_table_overwrite *ow = at->ow;
  for (size_t i = 0; i < ow->n_remove; i++) {
    size_t j = 0;
    while (j < at->base.n_files && strcmp(at->base.files[j].file.file_path, ow->remove[i]) != 0)
      j++;
    if (j == at->base.n_files)
      return lf_error_set(err, LF_ERR_CONFLICT,
                          "%s: %s is not a live data file of snapshot %" PRId64
                          " (removed by a concurrent commit?)",
                          ow->t->prefix, ow->remove[i], at->base.snapshot_id);
  }
  return LF_OK;
}

/* ADDED first (newest first, as Java), then the base's files as DELETED or EXISTING with
 * their snapshot ids and sequence numbers kept, as the spec requires. */
static int rw_entries(rw_attempt *at) {
  const lfh_table_overwrite *ow = at->ow;
  size_t n = ow->files.n_added + at->base.n_files;
  if (n && !(at->entries = calloc(n, sizeof(*at->entries)))) return LF_ERR_NOMEM;
  for (size_t i = 0; i < ow->files.n_added; i++) {
    at->entries[at->n_entries++] = ow->files.added[i];
    at->total_rows += ow->files.added[i].file.record_count;
    at->total_size += ow->files.added[i].file.file_size_in_bytes;
  }
  for (size_t i = 0; i < at->base.n_files; i++) {
    lfh_manifest_entry e = at->base.files[i];
    if (rw_removed(ow, e.file.file_path)) {
      e.status = LFH_ENTRY_DELETED;
      e.snapshot_id = ow->snapshot_id;
      at->del_files++;
      at->del_rows += e.file.record_count;
      at->del_size += e.file.file_size_in_bytes;
    } else {
      e.status = LFH_ENTRY_EXISTING;
      at->total_rows += e.file.record_count;
      at->total_size += e.file.file_size_in_bytes;
    }
    at->entries[at->n_entries++] = e;
  }
  at->total_files = (int64_t)(at->n_entries - (size_t)at->del_files);
  return LF_OK;
}

/* The manifest list record of the attempt's manifest (sequence numbers set by the list). */
static void rw_manifest_counts(const rw_attempt *at, lfh_manifest_file *mf, int64_t seq) {
  mf->partition_spec_id = at->ow->t->meta->default_spec_id;
  mf->content = LFH_MANIFEST_DATA;
  mf->added_snapshot_id = at->ow->snapshot_id;
  mf->sequence_number = mf->min_sequence_number = seq;
  for (size_t i = 0; i < at->n_entries; i++) {
    const lfh_manifest_entry *e = &at->entries[i];
    if (e->status == LFH_ENTRY_ADDED) {
      mf->added_files_count++;
      mf->added_rows_count += e->file.record_count;
    } else if (e->status == LFH_ENTRY_DELETED) {
      mf->deleted_files_count++;
      mf->deleted_rows_count += e->file.record_count;
    } else {
      mf->existing_files_count++;
      mf->existing_rows_count += e->file.record_count;
      if (e->sequence_number >= 0 && e->sequence_number < mf->min_sequence_number)
        mf->min_sequence_number = e->sequence_number;
    }
  }
}

static int rw_write_manifest(rw_attempt *at, lfh_manifest_file *mf, lf_error *err) {
  lfh_table *t = at->ow->t;
  lfh_buf man = {0};
  char uuid[37], rest[128];
  char *spec = lfh_table_meta_spec_fields_json(t->meta, t->meta->default_spec_id);
  int rc = spec ? lfh_uuid_v4(uuid, err) : lfh_table_oom(err, t->prefix);
  if (rc != LF_OK) goto fail;
  lfh_manifest_header h = {lfh_table_meta_current_schema(t->meta), spec,
                           t->meta->default_spec_id, LFH_MANIFEST_DATA};
  rc = lfh_manifest_write(&man, &h, at->entries, at->n_entries, at->ow->files.codec, err);
  snprintf(rest, sizeof(rest), "metadata/%s-m0.avro", uuid);
  if (rc == LF_OK) rc = lfh_table_put_new(t, rest, &man, &mf->manifest_path, err);
  if (rc == LF_OK && !(at->man_key = strdup(lfh_table_uri_key(t, mf->manifest_path))))
    rc = lfh_table_oom(err, t->prefix);
  mf->manifest_length = (int64_t)man.len;
fail:
  free(spec);
  lfh_buf_free(&man);
  return rc;
}

/* The manifest list: the attempt's one manifest, or none when the table ends up empty
 * and nothing was deleted. */
static int rw_write_list(rw_attempt *at, const lfh_snapshot *prev, int64_t seq, char **uri,
                         lf_error *err) {
  lfh_table *t = at->ow->t;
  lfh_manifest_file mf;
  lfh_buf out = {0};
  char uuid[37], rest[160];
  memset(&mf, 0, sizeof(mf));
  int rc = LF_OK;
  if (at->n_entries) {
    rw_manifest_counts(at, &mf, seq);
    rc = rw_write_manifest(at, &mf, err);
  }
  lfh_manifest_list_header h = {at->ow->snapshot_id, prev ? prev->snapshot_id : -1, seq};
  if (rc == LF_OK)
    rc = lfh_manifest_list_write(&out, &h, &mf, at->n_entries ? 1 : 0, at->ow->files.codec, err);
  if (rc == LF_OK) rc = lfh_uuid_v4(uuid, err);
  snprintf(rest, sizeof(rest), "metadata/snap-%" PRId64 "-%d-%s.avro", at->ow->snapshot_id,
           at->n, uuid);
  if (rc == LF_OK) rc = lfh_table_put_new(t, rest, &out, uri, err);
  if (rc == LF_OK && !(at->list_key = strdup(lfh_table_uri_key(t, *uri))))
    rc = lfh_table_oom(err, t->prefix);
  free(mf.manifest_path);
  lfh_buf_free(&out);
  return rc;
}

static int rw_num(lfh_kvs *s, const char *key, int64_t v) {
  char text[32];
  snprintf(text, sizeof(text), "%" PRId64, v);
  return lfh_kvs_set(s, key, text);
}

/* Java's overwrite/replace/delete summary after the caller's properties. */
static int rw_summary(const rw_attempt *at, lfh_kvs *s) {
  const lfh_table_overwrite *ow = at->ow;
  int64_t add_rows = 0, add_size = 0;
  for (size_t i = 0; i < ow->files.n_added; i++) {
    add_rows += ow->files.added[i].file.record_count;
    add_size += ow->files.added[i].file.file_size_in_bytes;
  }
  int rc = at->props ? lfh_kvs_copy(s, at->props) : LF_OK;
  if (ow->files.n_added) {
    rc |= rw_num(s, "added-data-files", (int64_t)ow->files.n_added);
    rc |= rw_num(s, "added-records", add_rows);
    rc |= rw_num(s, "added-files-size", add_size);
  }
  if (at->del_files) {
    rc |= rw_num(s, "deleted-data-files", at->del_files);
    rc |= rw_num(s, "deleted-records", at->del_rows);
    rc |= rw_num(s, "removed-files-size", at->del_size);
  }
  if (ow->files.n_added || at->del_files) rc |= rw_num(s, "changed-partition-count", 1);
  rc |= rw_num(s, "total-records", at->total_rows);
  rc |= rw_num(s, "total-files-size", at->total_size);
  rc |= rw_num(s, "total-data-files", at->total_files);
  rc |= rw_num(s, "total-delete-files", 0);
  rc |= rw_num(s, "total-position-deletes", 0);
  rc |= rw_num(s, "total-equality-deletes", 0);
  return rc ? LF_ERR_NOMEM : LF_OK;
}

static void rw_reset(rw_attempt *at) {
  lfh_scan_plan_free(&at->base);
  free(at->entries);
  at->entries = NULL;
  at->n_entries = 0;
  at->del_files = at->del_rows = at->del_size = 0;
  at->total_rows = at->total_size = at->total_files = 0;
}

/* Publishes the next version with the attempt's snapshot. */
static int rw_publish(rw_attempt *at, const char *list_uri, lf_error *err) {
  lfh_table *t = at->ow->t;
  lfh_kvs summary = {0};
  int rc = rw_summary(at, &summary) != LF_OK
               ? lfh_table_oom(err, t->prefix)
               : lfh_table_commit_snapshot(t, at->ow->snapshot_id, list_uri, at->ow->op,
                                           &summary, err);
  lfh_kvs_free(&summary);
  return rc;
}

/* One attempt on the table's current version; LF_ERR_CONFLICT with at->list_key set when
 * another commit took version N+1 first. */
static int rw_try(rw_attempt *at, lf_error *err) {
  lfh_table *t = at->ow->t;
  lfh_scan_opts o;
  char *list_uri = NULL;
  memset(&o, 0, sizeof(o));
  rw_reset(at);
  int rc = lfh_table_plan(t, &o, &at->base, err);
  if (rc == LF_OK) rc = rw_validate(at, err);
  if (rc == LF_OK && rw_entries(at) != LF_OK) rc = lfh_table_oom(err, t->prefix);
  if (rc == LF_OK)
    rc = rw_write_list(at, lfh_table_meta_current(t->meta), t->meta->last_sequence_number + 1,
                       &list_uri, err);
  if (rc == LF_OK) rc = rw_publish(at, list_uri, err);
  free(list_uri);
  return rc;
}

/* Drops what a lost attempt wrote (best effort: orphan cleanup catches leftovers). */
static void rw_drop(rw_attempt *at) {
  lfh_store *s = at->ow->t->store;
  if (at->man_key) (void)lfh_store_delete(s, at->man_key, NULL);
  if (at->list_key) (void)lfh_store_delete(s, at->list_key, NULL);
  free(at->man_key);
  free(at->list_key);
  at->man_key = at->list_key = NULL;
}

/* One attempt on the newest version; a removed file that is gone is final, not a race. */
static int rw_attempt_fn(void *ctx, int n, int *raced, lf_error *err) {
  rw_attempt *at = ctx;
  at->n = n;
  int rc = rw_try(at, err);
  *raced = rc == LF_ERR_CONFLICT && at->list_key != NULL;
  if (rc != LF_OK) rw_drop(at);
  return rc;
}

int lfh_table_overwrite_commit(lfh_table_overwrite *ow, const lfh_kvs *props,
                               int64_t *snapshot_id, lf_error *err) {
  rw_attempt at;
  memset(&at, 0, sizeof(at));
  at.ow = ow;
  at.props = props;
  if (ow->done)
    return lf_error_set(err, LF_ERR_INVALID, "%s: overwrite already committed", ow->t->prefix);
  ow->done = 1;
  int rc = lfh_datafiles_finish(&ow->files, err);
  if (rc == LF_OK) rc = lfh_table_refresh(ow->t, err);
  if (rc == LF_OK) rc = lfh_table_commit_retry(at.ow->t, rw_attempt_fn, &at, err);
  if (rc == LF_OK) lfh_table_write_hint(ow->t);
  if (rc == LF_OK && snapshot_id) *snapshot_id = ow->snapshot_id;
  rw_reset(&at);
  free(at.man_key);
  free(at.list_key);
  return rc;
}

int lfh_table_truncate(lfh_table *t, const lfh_kvs *props, int64_t *snapshot_id, lf_error *err) {
  lfh_table_overwrite *ow = NULL;
  int rc = lfh_table_rewrite_begin(t, "delete", NULL, 0, 0, &ow, err);
  if (rc != LF_OK) return rc;
  ow->remove_all = 1;
  rc = lfh_table_overwrite_commit(ow, props, snapshot_id, err);
  lfh_table_overwrite_free(ow);
  return rc;
}
