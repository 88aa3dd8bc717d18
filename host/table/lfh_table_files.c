/* lfh_table_files.c — the data files of one commit, streamed to the store a block at a
 * time: encode a block into a reused buffer, hand header, records and sync marker to the
 * store upload as they are, and roll over to a new file at the row or byte target. Memory
 * stays at a few blocks whatever the file size, and the store's writeback runs while the
 * next block is encoded (issue 3 "Speed by design"). A batch holding several whole blocks
 * has them encoded and compressed on all cores at once, then written in row order, so
 * the blocks (and files) are the same as one thread would write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_table_internal.h"
#include "util/lfh_mem.h"
#include "util/lfh_workers.h"

/* Rows per container block: about 1 MB of clickstream rows, small enough to stay in the
 * cache between encoding and compressing, large enough that block overhead is nothing,
 * and small enough that a source's per-file batches (10k rows of a clickstream file)
 * still hold several whole blocks to encode in parallel. */
#define ROWS_PER_BLOCK 2048

/* Whole blocks encoded and compressed at once when a batch holds several: enough to keep
 * every core busy, few enough that their buffers (a few MB each) stay modest. */
#define PAR_BLOCKS 8
#define PAR_MAX_THREADS 3

/* One block of a parallel run: its rows, its records, its payload and its outcome. */
typedef struct par_slot {
  int64_t first, rows;
  lfh_buf raw, out;          /* owned: the encoded records; the compressed payload */
  lfh_avro_piece payload;    /* borrows raw or out */
  int rc;
  char msg[256];
} par_slot;

/* Encoding and compressing whole blocks on the caller's thread and a small pool. Each
 * thread has its own encoder and compressor; the blocks are then written in row order,
 * so files are the same as the one-thread path's (sync markers aside). */
typedef struct lfh_blockpar {
  lfh_workers *pool;
  int n_workers;                       /* pool threads + the caller */
  lfh_avro_compressor *comp[PAR_MAX_THREADS + 1];
  lfh_avro_arrow_encoder *enc[PAR_MAX_THREADS + 1]; /* [0] borrowed for one run; others owned */
  const struct ArrowArray *batch;      /* borrowed for one run */
  par_slot slot[PAR_BLOCKS];
} lfh_blockpar;

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

static void par_free(lfh_blockpar *bp) {
  if (!bp) return;
  lfh_workers_free(bp->pool);
  for (int i = 0; i < bp->n_workers; i++) {
    lfh_avro_compressor_free(bp->comp[i]);
    if (i > 0) lfh_avro_arrow_encoder_free(bp->enc[i]);
  }
  for (int i = 0; i < PAR_BLOCKS; i++) {
    lfh_buf_free(&bp->slot[i].raw);
    lfh_buf_free(&bp->slot[i].out);
  }
  free(bp);
}

void lfh_datafiles_release(lfh_datafiles *d) {
  par_free(d->par);
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

/* A write that failed half-way leaves the open file in an unknown state: refuse to go on
 * rather than commit a torn file. */
static int broken(lfh_datafiles *d, int rc) {
  if (rc != LF_OK) d->broken = 1;
  return rc;
}

/* Writes a block's three pieces into the open file, then rolls over to a new file when the
 * row or byte target is reached. */
static int emit_parts(lfh_datafiles *d, const lfh_avro_piece parts[3], int64_t rows,
                      lf_error *err) {
  int rc = LF_OK;
  for (int i = 0; i < 3 && rc == LF_OK; i++) rc = put(d, parts[i].data, parts[i].len, err);
  if (rc != LF_OK) return rc;
  d->file_rows += rows;
  if ((d->target_rows && d->file_rows >= d->target_rows) ||
      (d->target_bytes && d->file_bytes >= d->target_bytes))
    rc = close_file(d, err);
  return rc;
}

static int flush_block(lfh_datafiles *d, lf_error *err) {
  lfh_avro_piece parts[3];
  if (d->block_rows == 0) return LF_OK;
  int64_t rows = d->block_rows;
  int rc = lfh_avro_writer_block_parts(d->w, d->block.data, d->block.len, rows, parts, err);
  d->block_rows = 0;
  d->block.len = 0; /* parts[1] may still point into it: nothing is written before put */
  return rc == LF_OK ? emit_parts(d, parts, rows, err) : rc;
}

/* A block compressed beforehand, into the open file (opened first if none is). */
static int emit_block(lfh_datafiles *d, lfh_avro_piece payload, int64_t rows, lf_error *err) {
  lfh_avro_piece parts[3];
  int rc = d->w ? LF_OK : open_file(d, err);
  if (rc == LF_OK) rc = lfh_avro_writer_payload_parts(d->w, payload, rows, parts, err);
  return rc == LF_OK ? emit_parts(d, parts, rows, err) : rc;
}

/* ------------------------------------------------------------ whole blocks in parallel */

static lfh_blockpar *par_new(const lfh_datafiles *d) {
  char msg[128];
  lf_error err[1];
  lf_error_init(err, msg, sizeof msg);
  int threads = lfh_workers_default(PAR_MAX_THREADS);
  if (threads == 0) return NULL; /* one CPU: the plain path is as fast */
  lfh_blockpar *bp = calloc(1, sizeof *bp);
  if (!bp || !(bp->pool = lfh_workers_new(threads))) goto fail;
  bp->n_workers = threads + 1;
  for (int i = 0; i < bp->n_workers; i++)
    if (!(bp->comp[i] = lfh_avro_compressor_new(d->codec, d->level, err))) goto fail;
  return bp;
fail:
  par_free(bp);
  return NULL; /* a pool that cannot start only costs speed: the plain path remains */
}

static void par_task(void *ctx, size_t i, int worker) {
  lfh_blockpar *bp = ctx;
  par_slot *s = &bp->slot[i];
  lf_error e;
  lf_error_init(&e, s->msg, sizeof s->msg);
  s->raw.len = 0;
  s->rc = lfh_avro_arrow_encode(bp->enc[worker], bp->batch, s->first, s->rows, &s->raw, &e);
  if (s->rc == LF_OK)
    s->rc = lfh_avro_compress(bp->comp[worker], s->raw.data, s->raw.len, &s->out, &s->payload,
                              &e);
}

/* Encoders for this run: the caller's for worker 0, fresh clones for the others (the
 * caller may pass a different encoder on every call). */
static int par_encoders(lfh_blockpar *bp, lfh_avro_arrow_encoder *enc, lf_error *err) {
  bp->enc[0] = enc;
  for (int i = 1; i < bp->n_workers; i++) {
    lfh_avro_arrow_encoder_free(bp->enc[i]);
    if (!(bp->enc[i] = lfh_avro_arrow_encoder_clone(enc, err))) return LF_ERR_NOMEM;
  }
  return LF_OK;
}

/* Encodes up to PAR_BLOCKS whole blocks from `first` and writes them in order; *done gets
 * the rows written. An encoding error writes none of them. */
static int par_rows(lfh_datafiles *d, lfh_avro_arrow_encoder *enc, const struct ArrowArray *batch,
                    int64_t first, int64_t n, int64_t *done, lf_error *err) {
  lfh_blockpar *bp = d->par;
  size_t k = (size_t)(n / ROWS_PER_BLOCK);
  if (k > PAR_BLOCKS) k = PAR_BLOCKS;
  *done = 0;
  int rc = par_encoders(bp, enc, err);
  if (rc != LF_OK) return rc;
  for (size_t i = 0; i < k; i++) {
    bp->slot[i].first = first + (int64_t)i * ROWS_PER_BLOCK;
    bp->slot[i].rows = ROWS_PER_BLOCK;
  }
  bp->batch = batch;
  lfh_workers_run(bp->pool, k, par_task, bp);
  bp->batch = NULL;
  for (size_t i = 0; i < k; i++)
    if (bp->slot[i].rc != LF_OK)
      return lf_error_set(err, bp->slot[i].rc, "%s", bp->slot[i].msg);
  for (size_t i = 0; i < k; i++) {
    if ((rc = emit_block(d, bp->slot[i].payload, bp->slot[i].rows, err)) != LF_OK)
      return broken(d, rc);
    *done += bp->slot[i].rows;
  }
  return LF_OK;
}

/* Whole blocks go to the pool when there are at least two, none is half-filled and files
 * have no row target (their blocks would then not all be whole). */
static int par_usable(lfh_datafiles *d, int64_t n) {
  if (d->target_rows || d->block_rows || n < 2 * ROWS_PER_BLOCK) return 0;
  if (!d->par && !d->par_off && !(d->par = par_new(d))) d->par_off = 1;
  return d->par != NULL;
}

/* How many of `n` rows fit in the current block without passing the file's row target. */
static int64_t room(const lfh_datafiles *d, int64_t n) {
  int64_t r = ROWS_PER_BLOCK - d->block_rows;
  if (d->target_rows && d->target_rows - d->file_rows - d->block_rows < r)
    r = d->target_rows - d->file_rows - d->block_rows;
  return n < r ? n : r;
}


static int refuse_broken(const lfh_datafiles *d, lf_error *err) {
  return lf_error_set(err, LF_ERR_INVALID, "%s: an earlier write of this commit failed",
                      d->t->prefix);
}

int lfh_datafiles_rows(lfh_datafiles *d, lfh_avro_arrow_encoder *enc,
                       const struct ArrowArray *batch, int64_t first, int64_t n, lf_error *err) {
  if (d->broken) return refuse_broken(d, err);
  while (n > 0) {
    int rc;
    if (par_usable(d, n)) {
      int64_t done;
      if ((rc = par_rows(d, enc, batch, first, n, &done, err)) != LF_OK) return rc;
      first += done;
      n -= done;
      continue;
    }
    rc = d->w ? LF_OK : open_file(d, err);
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
