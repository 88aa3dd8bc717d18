/* lfh_table_files.c — the data files of one commit, streamed to the store a block at a
 * time: encode a block into a reused buffer, hand header, records and sync marker to the
 * store upload as they are, and roll over to a new file at the row or byte target. Memory
 * stays at one block whatever the file size, and the store's writeback runs while the
 * next block is encoded (issue 3 "Speed by design"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_table_internal.h"
#include "util/lfh_mem.h"

/* Rows per container block: about 2 MB of clickstream rows, small enough to stay in the
 * cache between encoding and writing, large enough that block overhead is nothing. */
#define ROWS_PER_BLOCK 4096

int lfh_datafiles_init(lfh_datafiles *d, lfh_table *t, int64_t snapshot_id, int64_t target_rows,
                       lf_error *err) {
  const lfh_ice_schema *ice = lfh_table_meta_current_schema(t->meta);
  memset(d, 0, sizeof(*d));
  d->t = t;
  d->snapshot_id = snapshot_id;
  d->target_rows = target_rows > 0 ? target_rows : 0;
  int rc = lfh_table_codec(&t->meta->properties, &d->codec, err);
  if (rc == LF_OK) rc = lfh_table_codec_level(&t->meta->properties, &d->level, err);
  if (rc == LF_OK) rc = lfh_table_target_bytes(&t->meta->properties, &d->target_bytes, err);
  if (rc != LF_OK) return rc;
  if (!ice || !(d->avro_json = lfh_ice_schema_to_avro_json(ice, "table")) ||
      !(d->ice_json = lfh_ice_schema_to_json_text(ice)))
    return lfh_table_oom(err, t->prefix);
  d->avro = lfh_avro_schema_parse(d->avro_json, strlen(d->avro_json), err);
  return d->avro ? LF_OK : LF_ERR_SCHEMA;
}

void lfh_datafiles_release(lfh_datafiles *d) {
  lfh_store_upload_abort(d->up); /* an unfinished file never becomes visible */
  for (size_t i = 0; i < d->n_added; i++) free(d->added[i].file.file_path);
  free(d->added);
  free(d->uri);
  free(d->avro_json);
  free(d->ice_json);
  lfh_avro_writer_free(d->w);
  lfh_avro_schema_free(d->avro);
  lfh_buf_free(&d->head);
  lfh_buf_free(&d->block);
  memset(d, 0, sizeof(*d));
}

static int put(lfh_datafiles *d, const void *p, size_t n, lf_error *err) {
  int rc = lfh_store_upload_write(d->up, p, n, err);
  if (rc == LF_OK) d->file_bytes += n;
  return rc;
}

/* Starts data/<uuid>.avro: the upload, and the container header written into it. */
static int open_file(lfh_datafiles *d, lf_error *err) {
  char uuid[37], rest[128], key[1024];
  const char *meta[] = {"iceberg.schema", d->ice_json, NULL};
  int rc = lfh_uuid_v4(uuid, err);
  if (rc != LF_OK) return rc;
  snprintf(rest, sizeof(rest), "data/%s.avro", uuid);
  if ((rc = lfh_table_key(d->t, key, sizeof(key), rest, err)) != LF_OK) return rc;
  if (!(d->uri = lfh_store_uri(d->t->store, key))) return lfh_table_oom(err, d->t->prefix);
  /* create-if-absent: the name carries a fresh UUID, so an existing object is a bug */
  if ((rc = lfh_store_upload_begin(d->t->store, key, 1, &d->up, err)) != LF_OK) return rc;
  d->head.len = 0;
  if (!(d->w = lfh_avro_writer_new(&d->head, d->avro_json, d->codec, meta, d->level, err)))
    return LF_ERR_INVALID;
  d->file_bytes = d->file_rows = 0;
  return put(d, d->head.data, d->head.len, err);
}

/* Commits the open file and records it as an ADDED entry. */
static int close_file(lfh_datafiles *d, lf_error *err) {
  lfh_manifest_entry e;
  memset(&e, 0, sizeof(e));
  if (lfh_grow(&d->added, &d->cap_added, d->n_added + 1, sizeof(*d->added), 8) != 0)
    return lfh_table_oom(err, d->t->prefix);
  lfh_store_upload *up = d->up;
  d->up = NULL; /* commit releases it, success or not */
  lfh_avro_writer_free(d->w);
  d->w = NULL;  /* so a caller that goes on after a failure starts a new file */
  int rc = lfh_store_upload_commit(up, err);
  if (rc != LF_OK) return rc; /* d->uri is freed by release */
  lfh_table_added_entry(&e, d->snapshot_id, d->file_rows, (int64_t)d->file_bytes);
  e.file.file_path = d->uri; /* moved */
  d->uri = NULL;
  d->added[d->n_added++] = e;
  d->records += d->file_rows;
  d->bytes += (int64_t)d->file_bytes;
  return LF_OK;
}

static int flush_block(lfh_datafiles *d, lf_error *err) {
  lfh_avro_piece parts[3];
  if (d->block_rows == 0) return LF_OK;
  int rc = lfh_avro_writer_block_parts(d->w, d->block.data, d->block.len, d->block_rows, parts,
                                       err);
  for (int i = 0; i < 3 && rc == LF_OK; i++) rc = put(d, parts[i].data, parts[i].len, err);
  if (rc != LF_OK) return rc;
  d->file_rows += d->block_rows;
  d->block_rows = 0;
  d->block.len = 0;
  if ((d->target_rows && d->file_rows >= d->target_rows) ||
      (d->target_bytes && d->file_bytes >= d->target_bytes))
    rc = close_file(d, err);
  return rc;
}

/* How many of `n` rows fit in the current block without passing the file's row target. */
static int64_t room(const lfh_datafiles *d, int64_t n) {
  int64_t r = ROWS_PER_BLOCK - d->block_rows;
  if (d->target_rows && d->target_rows - d->file_rows - d->block_rows < r)
    r = d->target_rows - d->file_rows - d->block_rows;
  return n < r ? n : r;
}

/* A write that failed half-way leaves the open file in an unknown state: refuse to go on
 * rather than commit a torn file. */
static int broken(lfh_datafiles *d, int rc) {
  if (rc != LF_OK) d->broken = 1;
  return rc;
}

static int refuse_broken(const lfh_datafiles *d, lf_error *err) {
  return lf_error_set(err, LF_ERR_INVALID, "%s: an earlier write of this commit failed",
                      d->t->prefix);
}

int lfh_datafiles_rows(lfh_datafiles *d, lfh_avro_arrow_encoder *enc,
                       const struct ArrowArray *batch, int64_t first, int64_t n, lf_error *err) {
  if (d->broken) return refuse_broken(d, err);
  while (n > 0) {
    int rc = d->w ? LF_OK : open_file(d, err);
    if (rc != LF_OK) return broken(d, rc);
    int64_t k = room(d, n);
    /* an encoding error appends nothing: the file is still whole */
    if ((rc = lfh_avro_arrow_encode(enc, batch, first, k, &d->block, err)) != LF_OK) return rc;
    d->block_rows += k;
    first += k;
    n -= k;
    if (room(d, 1) == 0 && (rc = flush_block(d, err)) != LF_OK) return broken(d, rc);
  }
  return LF_OK;
}

int lfh_datafiles_finish(lfh_datafiles *d, lf_error *err) {
  if (d->broken) return refuse_broken(d, err);
  int rc = flush_block(d, err);
  if (rc == LF_OK && d->w) rc = close_file(d, err);
  return broken(d, rc);
}
