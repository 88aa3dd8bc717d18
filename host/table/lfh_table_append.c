/* lfh_table_append.c — append transactions: Arrow batches into one Avro data file, a
 * manifest, a manifest list and a new metadata version published with put_if_absent,
 * re-applied on top of the newest version when another writer won the race. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro_arrow.h"
#include "lf/lf_array.h"
#include "table/lfh_table_internal.h"

struct lfh_table_append {
  lfh_table *t;                /* borrowed */
  lfh_datafiles files;         /* owned: the data files, streamed as batches arrive */
  lfh_avro_arrow_encoder *enc; /* owned */
  int64_t snapshot_id;         /* fixed across retries, so the manifest stays valid */
  int done;
};

void lfh_table_append_free(lfh_table_append *a) {
  if (!a) return;
  lfh_avro_arrow_encoder_free(a->enc);
  lfh_datafiles_release(&a->files);
  free(a);
}

int lfh_table_append_begin(lfh_table *t, const struct ArrowSchema *schema,
                           lfh_table_append **out, lf_error *err) {
  lfh_table_append *a = calloc(1, sizeof(*a));
  if (!a) return lf_error_set(err, LF_ERR_NOMEM, "out of memory starting an append");
  a->t = t;
  int rc = LF_OK;
  if (!(a->snapshot_id = lfh_random_id()))
    rc = lf_error_set(err, LF_ERR_IO, "getrandom failed making a snapshot id");
  if (rc == LF_OK) rc = lfh_datafiles_init(&a->files, t, a->snapshot_id, 0, err);
  if (rc == LF_OK && !(a->enc = lfh_avro_arrow_encoder_new(a->files.avro, schema, err)))
    rc = LF_ERR_SCHEMA;
  if (rc != LF_OK) {
    lfh_table_append_free(a);
    return rc;
  }
  *out = a;
  return LF_OK;
}

int lfh_table_append_batch(lfh_table_append *a, const struct ArrowArray *batch, lf_error *err) {
  if (a->done)
    return lf_error_set(err, LF_ERR_INVALID, "%s: append already committed", a->t->prefix);
  return lfh_datafiles_rows(&a->files, a->enc, batch, 0, batch->length, err);
}

/* ------------------------------------------------------------ files */

/* The manifest of the data files; `mf` gets its list record (its sequence numbers are
 * set per attempt). mf->manifest_path is malloc'd. */
static int write_manifest(lfh_table_append *a, lfh_manifest_file *mf, lf_error *err) {
  lfh_table *t = a->t;
  char uuid[37], rest[128];
  char *spec = NULL;
  lfh_buf man = {0};
  int rc = LF_ERR_NOMEM; /* until the allocations below succeed */
  if (!(spec = lfh_table_meta_spec_fields_json(t->meta, t->meta->default_spec_id))) goto fail;
  lfh_manifest_header h = {lfh_table_meta_current_schema(t->meta), spec,
                           t->meta->default_spec_id, LFH_MANIFEST_DATA};
  rc = lfh_manifest_write(&man, &h, a->files.added, a->files.n_added, a->files.codec, err);
  if (rc != LF_OK) goto fail;
  if ((rc = lfh_uuid_v4(uuid, err)) != LF_OK) goto fail;
  snprintf(rest, sizeof(rest), "metadata/%s-m0.avro", uuid);
  if ((rc = lfh_table_put_new(t, rest, &man, &mf->manifest_path, err)) != LF_OK) goto fail;
  mf->manifest_length = (int64_t)man.len;
  mf->partition_spec_id = t->meta->default_spec_id;
  mf->content = LFH_MANIFEST_DATA;
  mf->added_snapshot_id = a->snapshot_id;
  mf->added_files_count = (int32_t)a->files.n_added;
  mf->added_rows_count = a->files.records;
fail:
  if (rc == LF_ERR_NOMEM) lfh_table_oom(err, t->prefix);
  free(spec);
  lfh_buf_free(&man);
  return rc;
}

/* ------------------------------------------------------------ one commit attempt */

typedef struct attempt {
  lfh_table_append *a;
  const lfh_manifest_file *mf; /* NULL for an append of no rows */
  const lfh_kvs *props;
  int n;                       /* attempt number, in the manifest list's name */
  char *list_key;              /* owned: the manifest list written, deleted if we lose */
} attempt;

static int64_t prev_total(const lfh_snapshot *prev, const char *key) {
  const char *v = prev ? lfh_kvs_get(&prev->summary, key) : NULL;
  return v ? strtoll(v, NULL, 10) : 0;
}

static int set_num(lfh_kvs *s, const char *key, int64_t v) {
  char text[32];
  snprintf(text, sizeof(text), "%" PRId64, v);
  return lfh_kvs_set(s, key, text);
}

/* Java's append summary after the caller's properties. */
static int build_summary(const attempt *at, const lfh_snapshot *prev, lfh_kvs *s) {
  const lfh_datafiles *d = &at->a->files;
  int64_t files = (int64_t)d->n_added, rows = d->records, size = d->bytes;
  int rc = at->props ? lfh_kvs_copy(s, at->props) : LF_OK;
  if (rc == LF_OK && files) {
    rc |= set_num(s, "added-data-files", files);
    rc |= set_num(s, "added-records", rows);
    rc |= set_num(s, "added-files-size", size);
    rc |= set_num(s, "changed-partition-count", 1);
  }
  rc |= set_num(s, "total-records", prev_total(prev, "total-records") + rows);
  rc |= set_num(s, "total-files-size", prev_total(prev, "total-files-size") + size);
  rc |= set_num(s, "total-data-files", prev_total(prev, "total-data-files") + files);
  rc |= set_num(s, "total-delete-files", prev_total(prev, "total-delete-files"));
  rc |= set_num(s, "total-position-deletes", prev_total(prev, "total-position-deletes"));
  rc |= set_num(s, "total-equality-deletes", prev_total(prev, "total-equality-deletes"));
  return rc ? LF_ERR_NOMEM : LF_OK;
}

/* The base's manifests plus ours (sequence numbers of this attempt), as a manifest list
 * written under a fresh name; *uri gets its URI. */
static int write_list(attempt *at, const lfh_snapshot *prev, int64_t seq, char **uri,
                      lf_error *err) {
  lfh_table *t = at->a->t;
  lfh_manifest_list *old = NULL;
  lfh_manifest_file *all = NULL;
  lfh_buf out = {0};
  size_t n = 0;
  char uuid[37], rest[160];
  int rc = prev ? lfh_table_read_list(t, prev, &old, err) : LF_OK;
  if (rc != LF_OK) return rc;
  size_t cap = (old ? old->n_files : 0) + 1;
  rc = LF_ERR_NOMEM; /* until the allocations below succeed */
  if (!(all = calloc(cap, sizeof(*all)))) goto fail;
  if (at->mf) { /* newest first, as Java lists them */
    all[n] = *at->mf;
    all[n].sequence_number = all[n].min_sequence_number = seq;
    n++;
  }
  for (size_t i = 0; old && i < old->n_files; i++) all[n++] = old->files[i]; /* borrowed */
  lfh_manifest_list_header h = {at->a->snapshot_id, prev ? prev->snapshot_id : -1, seq};
  lfh_avro_codec codec = LFH_AVRO_CODEC_DEFLATE;
  if ((rc = lfh_table_codec(&t->meta->properties, &codec, err)) != LF_OK) goto fail;
  if ((rc = lfh_manifest_list_write(&out, &h, all, n, codec, err)) != LF_OK) goto fail;
  if ((rc = lfh_uuid_v4(uuid, err)) != LF_OK) goto fail;
  snprintf(rest, sizeof(rest), "metadata/snap-%" PRId64 "-%d-%s.avro", at->a->snapshot_id, at->n,
           uuid);
  if ((rc = lfh_table_put_new(t, rest, &out, uri, err)) != LF_OK) goto fail;
  rc = LF_ERR_NOMEM; /* until the allocations below succeed */
  if (!(at->list_key = strdup(lfh_table_uri_key(t, *uri)))) goto fail;
  rc = LF_OK;
fail:
  if (rc == LF_ERR_NOMEM) lfh_table_oom(err, t->prefix);
  free(all);
  lfh_buf_free(&out);
  lfh_manifest_list_free(old);
  return rc;
}

/* LF_ERR_CONFLICT when the flow of `props` already committed this epoch or a later one. */
static int check_epoch(const lfh_table *t, const lfh_kvs *props, lf_error *err) {
  const char *flow = props ? lfh_kvs_get(props, LFH_SUMMARY_FLOW_ID) : NULL;
  const char *epoch = props ? lfh_kvs_get(props, LFH_SUMMARY_EPOCH) : NULL;
  int64_t have = 0, id = 0;
  if (!flow || !epoch) return LF_OK;
  int rc = lfh_table_meta_find_flow(t->meta, flow, &have, &id, err);
  if (rc == 1 && have >= strtoll(epoch, NULL, 10))
    return lf_error_set(err, LF_ERR_CONFLICT,
                        "%s: flow '%s' already committed epoch %" PRId64 " (snapshot %" PRId64 ")",
                        t->prefix, flow, have, id);
  return rc < 0 ? rc : LF_OK;
}

/* One attempt on top of the table's current version: LF_ERR_CONFLICT when another
 * commit took version N+1 first. */
static int try_commit(attempt *at, lf_error *err) {
  lfh_table *t = at->a->t;
  const lfh_snapshot *prev = lfh_table_meta_current(t->meta);
  lfh_kvs summary = {0};
  char *list_uri = NULL;
  int rc = check_epoch(t, at->props, err);
  if (rc != LF_OK) return rc;
  if ((rc = write_list(at, prev, t->meta->last_sequence_number + 1, &list_uri, err)) != LF_OK)
    goto fail;
  if (build_summary(at, prev, &summary) != LF_OK) {
    rc = lfh_table_oom(err, t->prefix);
    goto fail;
  }
  rc = lfh_table_commit_snapshot(t, at->a->snapshot_id, list_uri, "append", &summary, err);
fail:
  lfh_kvs_free(&summary);
  free(list_uri);
  return rc;
}

/* Drops the manifest list of a lost attempt: nothing refers to it (best effort; an
 * orphan left behind is harmless and removed by orphan-file cleanup). */
static void drop_list(attempt *at) {
  if (at->list_key) (void)lfh_store_delete(at->a->t->store, at->list_key, NULL);
  free(at->list_key);
  at->list_key = NULL;
}

/* One attempt at re-applying the append on the newest version. A conflict found by the
 * epoch check (no manifest list written) is final, not a race: a re-run epoch. */
static int append_attempt(void *ctx, int n, int *raced, lf_error *err) {
  attempt *at = ctx;
  at->n = n;
  int rc = try_commit(at, err);
  *raced = rc == LF_ERR_CONFLICT && at->list_key != NULL;
  if (rc != LF_OK) drop_list(at);
  return rc;
}

int lfh_table_append_commit(lfh_table_append *a, const lfh_kvs *props, int64_t *snapshot_id,
                            lf_error *err) {
  lfh_manifest_file mf;
  memset(&mf, 0, sizeof(mf));
  attempt at = {a, NULL, props, 0, NULL};
  if (a->done)
    return lf_error_set(err, LF_ERR_INVALID, "%s: append already committed", a->t->prefix);
  a->done = 1;
  int rc = lfh_table_refresh(a->t, err);
  if (rc == LF_OK) rc = check_epoch(a->t, props, err); /* before writing anything */
  if (rc == LF_OK) rc = lfh_datafiles_finish(&a->files, err);
  if (rc == LF_OK && a->files.n_added > 0 && (rc = write_manifest(a, &mf, err)) == LF_OK)
    at.mf = &mf;
  if (rc == LF_OK) rc = lfh_table_commit_retry(a->t, append_attempt, &at, err);
  if (rc == LF_OK) lfh_table_write_hint(a->t);
  if (rc == LF_OK && snapshot_id) *snapshot_id = a->snapshot_id;
  free(mf.manifest_path);
  free(at.list_key);
  return rc;
}
