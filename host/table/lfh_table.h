/*
 * lfh_table — an Iceberg v2 table in an object store: create, open, append, scan
 * (DESIGN.md "Storage", "Exactly-once"; issue 3 items 2, 4, 5). It puts together the
 * store (lfh_store), the metadata model (lfh_table_meta), manifests (lfh_manifest) and
 * the Arrow<->Avro codecs (lfh_avro_arrow).
 *
 * Layout under the table's key prefix ("<catalog>/<schema>/<table>"):
 *   metadata/vN.metadata.json           one per commit, created with put_if_absent
 *   metadata/version-hint.text          "N", best effort (a hint, never trusted alone)
 *   metadata/snap-<id>-<attempt>-<uuid>.avro   manifest lists
 *   metadata/<uuid>-m0.avro             manifests
 *   data/<uuid>.avro                    data files
 * Paths inside metadata are absolute URIs (lfh_store_uri), as v2 requires.
 *
 * Commit protocol: data file and manifest are written first under fresh names, then the
 * manifest list, then v(N+1).metadata.json with put_if_absent. The loser of a race
 * re-reads the newest metadata and re-applies its append on top of it (data file and
 * manifest reused; manifest list and metadata rewritten), up to LFH_TABLE_MAX_RETRIES.
 *
 * Ownership: an lfh_table borrows its store (which must outlive it) and owns its current
 * metadata. An lfh_table is not thread-safe; processes and other handles may commit to
 * the same table concurrently. Errors: negative lf_status codes, a one-line message in
 * `err` that names the file involved.
 */
#ifndef LFH_TABLE_H
#define LFH_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"
#include "store/lfh_store.h"
#include "table/lfh_manifest.h"
#include "table/lfh_table_meta.h"

#define LFH_TABLE_MAX_RETRIES 1000 /* commit attempts; contention is resolved, not fatal */
#define LFH_TABLE_PROP_CODEC "write.avro.compression-codec"
/* Iceberg's deflate level for data files, 1 (fastest) .. 9; absent: zlib's default (6). */
#define LFH_TABLE_PROP_LEVEL "write.avro.compression-level"
/* Data files roll over at about this many bytes (Java's default: 512 MiB). */
#define LFH_TABLE_PROP_TARGET_SIZE "write.target-file-size-bytes"

typedef struct lfh_table lfh_table;

/* Creates a table at `prefix` from an Arrow struct schema (borrowed; field ids assigned
 * as Java does) with `props` (borrowed, may be NULL). The codec property is validated
 * here: deflate (default), gzip (= deflate), snappy, uncompressed / null. LF_ERR_CONFLICT
 * when a table already exists there. *out is owned by the caller (lfh_table_close). */
int lfh_table_create(lfh_store *s, const char *prefix, const struct ArrowSchema *schema,
                     const lfh_kvs *props, lfh_table **out, lf_error *err);
/* Opens the newest version: version-hint.text, then probing vN+1, vN+2... (the hint may
 * lag behind). LF_ERR_NOT_FOUND when there is no table at `prefix`. */
int lfh_table_open(lfh_store *s, const char *prefix, lfh_table **out, lf_error *err);
/* Moves to the newest version, which other writers may have committed. */
int lfh_table_refresh(lfh_table *t, lf_error *err);
void lfh_table_close(lfh_table *t);

/* The current metadata (owned by the table, valid until the next refresh or commit) and
 * its version N. */
const lfh_table_meta *lfh_table_metadata(const lfh_table *t);
int64_t lfh_table_version(const lfh_table *t);

/* Exactly-once: the newest epoch flow `flow_id` committed in the current ancestry
 * (refreshed first). Returns 1 with *epoch and *snapshot_id (either may be NULL), 0 when
 * the flow never committed. */
int lfh_table_find_flow(lfh_table *t, const char *flow_id, int64_t *epoch,
                        int64_t *snapshot_id, lf_error *err);

/* ------------------------------------------------------------ append */

/* One append transaction: any number of batches -> one Avro data file -> one snapshot. */
typedef struct lfh_table_append lfh_table_append;

/* Starts an append of batches of `schema` (a "+s" struct, borrowed for the call). Its
 * columns must be columns of the table's current schema (LF_ERR_SCHEMA otherwise);
 * missing optional columns are written as null. Owned by the caller (free it after
 * commit, or instead of it to abandon). */
int lfh_table_append_begin(lfh_table *t, const struct ArrowSchema *schema,
                           lfh_table_append **out, lf_error *err);
/* Encodes `batch` (borrowed) into the data files being written. On failure (a malformed
 * batch, a null in a required column, a store error) an unknown part of the batch may be
 * in them: abandon the append (free it without commit), which leaves the table as it
 * was. */
int lfh_table_append_batch(lfh_table_append *a, const struct ArrowArray *batch, lf_error *err);
/* Writes the data file and manifest, then commits a snapshot whose summary holds
 * `props` (borrowed, may be NULL: lf.flow-id, lf.epoch, upstream ids...) and Java's
 * figures. When `props` carry lf.flow-id and lf.epoch and the table already holds that
 * flow at an epoch >= this one (found at the start or while retrying a conflict), nothing
 * is committed and LF_ERR_CONFLICT is returned: a re-run epoch is a no-op. The new
 * snapshot id goes to *snapshot_id (may be NULL). At most once per transaction. */
int lfh_table_append_commit(lfh_table_append *a, const lfh_kvs *props, int64_t *snapshot_id,
                            lf_error *err);
void lfh_table_append_free(lfh_table_append *a);

/* ------------------------------------------------------------ scans */

/* Which snapshot(s) a scan reads. Zeroed = the current snapshot, every column. */
typedef struct lfh_scan_opts {
  int64_t snapshot_id;      /* 0: current (or as_of_ms) */
  int64_t as_of_ms;         /* non-zero: the snapshot current at this time (ms) */
  int64_t from_snapshot_id; /* non-zero: incremental, files added in (from, snapshot] */
  const char *const *columns; /* top-level projection, in output order; NULL = all */
  size_t n_columns;
} lfh_scan_opts;

/* The data files a scan reads, with their manifest entries (sequence numbers inherited). */
typedef struct lfh_scan_plan {
  int64_t snapshot_id; /* LFH_NO_SNAPSHOT for an empty table */
  lfh_manifest_entry *files;
  size_t n_files;
} lfh_scan_plan;

int lfh_table_plan(lfh_table *t, const lfh_scan_opts *o, lfh_scan_plan *out, lf_error *err);
void lfh_scan_plan_free(lfh_scan_plan *p);

/* One decoded batch: `batch` is moved to the callee (release it or move it on);
 * `schema` is borrowed for the call. Non-zero stops the scan with that value. */
typedef int (*lfh_scan_fn)(void *ctx, const struct ArrowSchema *schema,
                           struct ArrowArray *batch);

/* Plans, then decodes each data file into batches (at most LFH_SCAN_BATCH_ROWS rows,
 * block boundaries permitting) delivered in order to `fn`. */
#define LFH_SCAN_BATCH_ROWS 65536
int lfh_table_scan(lfh_table *t, const lfh_scan_opts *o, lfh_scan_fn fn, void *ctx,
                   lf_error *err);

/* ------------------------------------------------------------ rewrites (maintenance) */

/* A copy-on-write overwrite: removes whole data files and adds new ones in one snapshot
 * (operation "overwrite"). Its manifest lists the new files as ADDED, the removed ones as
 * DELETED and every other live file as EXISTING. On a commit race every removed file must
 * still be live in the newer base (LF_ERR_CONFLICT naming the file otherwise); the rest
 * of the rewrite is then re-applied on top of it. */
typedef struct lfh_table_overwrite lfh_table_overwrite;

/* Starts an overwrite removing `remove_paths` (absolute URIs as in the scan plan; copied)
 * and adding batches of `schema` ("+s", borrowed for the call; NULL: no new rows). Owned
 * by the caller (free it after commit, or instead of it to abandon). */
int lfh_table_overwrite_begin(lfh_table *t, const char *const *remove_paths, size_t n_remove,
                              const struct ArrowSchema *schema, lfh_table_overwrite **out,
                              lf_error *err);
int lfh_table_overwrite_batch(lfh_table_overwrite *ow, const struct ArrowArray *batch,
                              lf_error *err);
/* Writes the new data files and commits; summary `props` as lfh_table_append_commit. */
int lfh_table_overwrite_commit(lfh_table_overwrite *ow, const lfh_kvs *props,
                               int64_t *snapshot_id, lf_error *err);
void lfh_table_overwrite_free(lfh_table_overwrite *ow);

/* Full refresh: a snapshot (operation "delete") removing every file live at commit time. */
int lfh_table_truncate(lfh_table *t, const lfh_kvs *props, int64_t *snapshot_id, lf_error *err);

/* Compaction: reads every live file of the current snapshot (in memory), optionally sorts
 * the rows by top-level `sort_columns` (ascending, nulls first, stable; int32/int64/
 * timestamp/double/bool/utf8/binary), writes them as files of at most `target_file_rows`
 * rows (0: one file) and commits operation "replace" (same rows, files swapped). Nothing
 * is committed (*snapshot_id = 0) when there is at most one file and no sort. */
int lfh_table_compact(lfh_table *t, int64_t target_file_rows, const char *const *sort_columns,
                      size_t n_sort, const lfh_kvs *props, int64_t *snapshot_id, lf_error *err);

/* Expires snapshots older than `older_than_ms`, keeping the `retain_last` newest of the
 * current ancestry and every snapshot a ref points at; the snapshot-log loses the expired
 * ids. After the commit, files that only expired snapshots reached (manifest lists,
 * manifests, data files) are deleted from the store. Counts go to *n_expired / *n_deleted
 * (either may be NULL). */
int lfh_table_expire_snapshots(lfh_table *t, int64_t older_than_ms, int retain_last,
                               size_t *n_expired, size_t *n_deleted, lf_error *err);

/* Deletes objects under data/ and metadata/ last modified before `older_than_ms` that the
 * current metadata does not reach (any snapshot's list, manifests or data files, the
 * metadata-log). Never deletes version-hint.text nor vN.metadata.json with N at or above
 * the current version (a concurrent commit may be publishing). */
int lfh_table_remove_orphans(lfh_table *t, int64_t older_than_ms, size_t *n_deleted,
                             lf_error *err);

/* ------------------------------------------------------------ schema evolution
 * (lfh_table_evolve.c). Iceberg's rules: field ids are never reused, added fields are
 * optional (older files have no value: scans of those files simply lack the column, which
 * readers aligning by name treat as null), int->long, float->double and decimal precision
 * increases are widenings; everything else is a breaking change. */

#define LFH_SCHEMA_SAME 0     /* nothing to do */
#define LFH_SCHEMA_ADDITIVE 1 /* new columns (also nested in structs) and/or widenings */
#define LFH_SCHEMA_BREAKING 2 /* a dropped column, a type change that is not a widening,
                                 a change inside a list element or map */

/* Classifies `want` (an Arrow struct, borrowed) against `cur`: returns LFH_SCHEMA_* (or a
 * negative error), with the first change of that level in `why` ("adds column user.email",
 * "drops column x"; may be NULL). */
int lfh_table_schema_compare(const lfh_ice_schema *cur, const struct ArrowSchema *want,
                             char *why, size_t why_cap, lf_error *err);

/* Commits the additive part of `want` as a new current schema (new schema-id, fresh
 * field ids above last-column-id) with a create-if-absent metadata commit, retried on
 * races. *changed (may be NULL) says whether a new schema was committed. A breaking
 * difference is refused with LF_ERR_SCHEMA naming it, and nothing is committed. */
int lfh_table_evolve_schema(lfh_table *t, const struct ArrowSchema *want, int *changed,
                            lf_error *err);
/* Adds the columns of `columns` (an Arrow struct of new top-level columns, or of existing
 * struct columns with new fields in them) as optional fields; columns it does not name are
 * kept. LF_ERR_INVALID when none of them is new. */
int lfh_table_add_columns(lfh_table *t, const struct ArrowSchema *columns, lf_error *err);

/* Replaces the table's schema the way Iceberg's REPLACE TABLE does: `schema` (Arrow
 * struct, borrowed) becomes the current schema with fresh field ids, and the table has no
 * current snapshot (it reads as empty). Older snapshots, their files and schemas stay in
 * the metadata, so time travel to them keeps working until snapshots expire: the old
 * rows are never deleted by this call. */
int lfh_table_replace_schema(lfh_table *t, const struct ArrowSchema *schema, lf_error *err);
/* Sets `props` (borrowed; other properties are kept) with one metadata commit, none when
 * every value is already set. *changed (may be NULL) says whether it committed. */
int lfh_table_set_properties(lfh_table *t, const lfh_kvs *props, int *changed, lf_error *err);

#endif
