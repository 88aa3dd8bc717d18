/* lfh_table_internal — what the lfh_table*.c files share; not an API. */
#ifndef LFH_TABLE_INTERNAL_H
#define LFH_TABLE_INTERNAL_H

#include "avro/lfh_avro.h"
#include "table/lfh_table.h"

struct lfh_table {
  lfh_store *store;     /* borrowed */
  char *prefix;         /* owned: "<catalog>/<schema>/<table>" */
  lfh_table_meta *meta; /* owned: version `version` */
  int64_t version;
};

/* "<prefix>/<rest>" into buf; LF_ERR_INVALID when it does not fit. */
int lfh_table_key(const lfh_table *t, char *buf, size_t cap, const char *rest, lf_error *err);
/* The store key of an absolute URI under the store root (a pointer into `uri`), or NULL. */
const char *lfh_table_uri_key(const lfh_table *t, const char *uri);
/* Reads the object behind an absolute URI found in metadata into `out`. */
int lfh_table_get_uri(lfh_table *t, const char *uri, lfh_buf *out, lf_error *err);
/* Installs `m` (moved) as version `version`. */
void lfh_table_install(lfh_table *t, lfh_table_meta *m, int64_t version);
/* Writes version-hint.text with t->version, best effort. */
void lfh_table_write_hint(lfh_table *t);
/* Publishes `m` as metadata/v`v`.metadata.json with put_if_absent (LF_ERR_CONFLICT when
 * another commit took that version). */
int lfh_table_publish(lfh_table *t, const lfh_table_meta *m, int64_t v, lf_error *err);
/* The data-file codec of `props` (LFH_TABLE_PROP_CODEC; deflate when absent). */
int lfh_table_codec(const lfh_kvs *props, lfh_avro_codec *out, lf_error *err);
/* The deflate level of `props` (LFH_TABLE_PROP_LEVEL, 1..9; -1, zlib's default, when absent). */
int lfh_table_codec_level(const lfh_kvs *props, int *out, lf_error *err);
/* Sets "<prefix>: out of memory" and returns LF_ERR_NOMEM. */
int lfh_table_oom(lf_error *err, const char *prefix);

/* Stores `data` as a new object "<prefix>/<rest>" (create-if-absent: names carry a fresh
 * UUID, so an existing object means a bug, not a race) and sets *uri (malloc'd). */
int lfh_table_put_new(lfh_table *t, const char *rest, const lfh_buf *data, char **uri,
                      lf_error *err);

/* Fills `e` as the ADDED entry of a new Avro data file of this commit. Its sequence
 * numbers stay null so readers inherit them from the manifest list. The file path is set
 * by the caller (lfh_table_put_new). */
/* Adds snapshot `snapshot_id` (manifest list `list_uri`, operation `op`, `summary`) on
 * top of the current version and publishes v(N+1) create-if-absent; on success the table
 * holds the new version. LF_ERR_CONFLICT when another commit took v(N+1) first. */
int lfh_table_commit_snapshot(lfh_table *t, int64_t snapshot_id, const char *list_uri,
                              const char *op, const lfh_kvs *summary, lf_error *err);

/* One commit attempt: returns LF_OK when it published, or an error with *raced = 1 when
 * it lost the create-if-absent race (retry on the newest version) and 0 when the error is
 * final. `n` is the attempt number, from 1. The attempt cleans up after itself. */
typedef int (*lfh_commit_attempt_fn)(void *ctx, int n, int *raced, lf_error *err);

/* Runs `attempt` until it publishes, refreshing `t` after each lost race, at most
 * LFH_TABLE_MAX_RETRIES times: the one retry policy of every kind of commit. */
int lfh_table_commit_retry(lfh_table *t, lfh_commit_attempt_fn attempt, void *ctx,
                           lf_error *err);

void lfh_table_added_entry(lfh_manifest_entry *e, int64_t snapshot_id, int64_t records,
                           int64_t size);
/* The manifest list of snapshot `s`, read and parsed; *out owned by the caller. */
int lfh_table_read_list(lfh_table *t, const lfh_snapshot *s, lfh_manifest_list **out,
                        lf_error *err);

#include "avro/lfh_avro_arrow.h"
#include "util/lfh_uuid.h"

/* The write.target-file-size-bytes of `props` (Java's default, 512 MiB, when absent). */
int lfh_table_target_bytes(const lfh_kvs *props, uint64_t *out, lf_error *err);

/* The new data files of one commit (lfh_table_files.c), streamed to the store block by
 * block and rolled over at `target_rows` rows (0: no row limit) or the table's target
 * file size. Entries in `added` are ADDED entries of `snapshot_id` with their paths. */
typedef struct lfh_datafiles {
  lfh_table *t;                 /* borrowed */
  int64_t snapshot_id;
  int64_t target_rows;
  uint64_t target_bytes;
  lfh_avro_codec codec;
  int level;                    /* deflate level, -1: zlib's default */
  char *avro_json, *ice_json;   /* owned: every file's schema and Iceberg header */
  lfh_avro_schema *avro;        /* owned: the record schema encoders must target */
  lfh_avro_writer *w;           /* owned: the open file's writer, or NULL */
  lfh_store_upload *up;         /* owned: the open file's upload */
  char *uri;                    /* owned: the open file's URI */
  lfh_buf head, block;          /* the open file's header; one block's records */
  uint64_t file_bytes;
  int64_t file_rows, block_rows;
  lfh_manifest_entry *added;    /* owned, with their file paths: the finished files */
  size_t n_added, cap_added;
  int64_t records, bytes;       /* totals over `added` */
  int broken;                   /* a store write failed: nothing more may be written */
  struct lfh_blockpar *par;     /* owned: encoders of whole blocks on several threads */
  int par_off;                  /* the pool could not start (or one CPU): one thread only */
} lfh_datafiles;

int lfh_datafiles_init(lfh_datafiles *d, lfh_table *t, int64_t snapshot_id, int64_t target_rows,
                       lf_error *err);
/* Appends rows [first, first + n) of `batch` encoded by `enc` (for d->avro). */
int lfh_datafiles_rows(lfh_datafiles *d, lfh_avro_arrow_encoder *enc,
                       const struct ArrowArray *batch, int64_t first, int64_t n, lf_error *err);
/* Writes the last block and commits the open file; after this `added` is complete. */
int lfh_datafiles_finish(lfh_datafiles *d, lf_error *err);
/* Aborts an open file (nothing of it becomes visible) and frees everything. Finished
 * files stay in the store until orphan removal if no snapshot names them. */
void lfh_datafiles_release(lfh_datafiles *d);

/* Rewrites (lfh_table_write.c), shared with compaction (lfh_table_maint.c). */
/* An lfh_table_overwrite committing operation `op` (static string) whose new files roll
 * over at `target_rows` rows (0: one file). */
int lfh_table_rewrite_begin(lfh_table *t, const char *op, const char *const *remove_paths,
                            size_t n_remove, int64_t target_rows, lfh_table_overwrite **out,
                            lf_error *err);
/* The Avro record schema new files are written with (for encoders of other batches). */
const lfh_avro_schema *lfh_table_rewrite_avro(const lfh_table_overwrite *ow);
/* Appends rows [first, first + n) of `batch` encoded by `enc`. */
int lfh_table_rewrite_rows(lfh_table_overwrite *ow, lfh_avro_arrow_encoder *enc,
                           const struct ArrowArray *batch, int64_t first, int64_t n,
                           lf_error *err);

#endif
