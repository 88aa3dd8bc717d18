/*
 * lfh_table_meta — Iceberg v2 table metadata (`vN.metadata.json`): model, JSON read and
 * write, the next-version step of a commit, and the snapshot lookups time travel and
 * exactly-once need (DESIGN.md "Storage", "Exactly-once"; Iceberg spec "Table Metadata").
 *
 * Reading is tolerant of fields it does not know (other engines add their own) and strict
 * on the ones v2 requires: every error names the file and the JSON path. Writing uses
 * Java's key order so diffs against Java-written metadata stay readable.
 *
 * Partition specs and sort orders are kept as JSON (lfhost writes only the unpartitioned
 * spec 0 and the unsorted order 0, but must carry other engines' specs through a commit
 * unchanged).
 *
 * Ownership: an lfh_table_meta and everything it points to is owned by the caller of the
 * function that returned it and freed with lfh_table_meta_free. Lookups return pointers
 * into the metadata, valid while it lives.
 * Errors: negative lf_status codes, one-line message in `err`.
 */
#ifndef LFH_TABLE_META_H
#define LFH_TABLE_META_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lf/lf_plugin.h"
#include "table/lfh_iceberg_schema.h"

#define LFH_NO_SNAPSHOT (-1) /* current-snapshot-id / parent of a table without one */

/* Snapshot summary keys of lfhost's exactly-once protocol. */
#define LFH_SUMMARY_FLOW_ID "lf.flow-id"
#define LFH_SUMMARY_EPOCH "lf.epoch"

/* An ordered string map (properties, snapshot summaries). Keys are unique. */
typedef struct lfh_kv {
  char *key;
  char *value;
} lfh_kv;

typedef struct lfh_kvs {
  lfh_kv *items;
  size_t n, cap;
} lfh_kvs;

void lfh_kvs_free(lfh_kvs *m);
/* The value of `key`, or NULL. */
const char *lfh_kvs_get(const lfh_kvs *m, const char *key);
/* Sets (replaces or appends, keeping first-insertion order) copies of key and value. */
int lfh_kvs_set(lfh_kvs *m, const char *key, const char *value);
int lfh_kvs_copy(lfh_kvs *dst, const lfh_kvs *src);

typedef struct lfh_snapshot {
  int64_t snapshot_id;
  int64_t parent_id;       /* LFH_NO_SNAPSHOT when absent */
  int64_t sequence_number;
  int64_t timestamp_ms;
  char *manifest_list;     /* absolute URI */
  lfh_kvs summary;         /* "operation" first */
  int32_t schema_id;       /* -1 when absent */
} lfh_snapshot;

typedef struct lfh_snapshot_log_entry {
  int64_t timestamp_ms;
  int64_t snapshot_id;
} lfh_snapshot_log_entry;

typedef struct lfh_metadata_log_entry {
  int64_t timestamp_ms;
  char *metadata_file;
} lfh_metadata_log_entry;

typedef struct lfh_ref {
  char *name;
  int64_t snapshot_id;
  int is_tag;      /* "tag" rather than "branch" */
  json_t *extra;   /* retention settings etc., carried through unchanged; may be NULL */
} lfh_ref;

typedef struct lfh_table_meta {
  int format_version; /* 2 */
  char table_uuid[37];
  char *location;
  int64_t last_sequence_number;
  int64_t last_updated_ms;
  int32_t last_column_id;
  int32_t current_schema_id;
  lfh_ice_schema **schemas;
  size_t n_schemas;
  int32_t default_spec_id;
  json_t *partition_specs; /* array */
  int32_t last_partition_id;
  int32_t default_sort_order_id;
  json_t *sort_orders;     /* array */
  lfh_kvs properties;
  int64_t current_snapshot_id; /* LFH_NO_SNAPSHOT when none */
  lfh_ref *refs;
  size_t n_refs;
  lfh_snapshot *snapshots;
  size_t n_snapshots;
  json_t *statistics;           /* arrays carried through unchanged; may be NULL */
  json_t *partition_statistics;
  lfh_snapshot_log_entry *snapshot_log;
  size_t n_snapshot_log;
  lfh_metadata_log_entry *metadata_log;
  size_t n_metadata_log;
} lfh_table_meta;

void lfh_table_meta_free(lfh_table_meta *m);
lfh_table_meta *lfh_table_meta_copy(const lfh_table_meta *m);

/* Parses metadata JSON. `name` (the file's URI or key) prefixes every error message. */
int lfh_table_meta_parse(const char *json, size_t len, const char *name, lfh_table_meta **out,
                         lf_error *err);
/* Serialises to JSON text (2-space indented, Java's key order). malloc'd. */
char *lfh_table_meta_to_json(const lfh_table_meta *m);

/* A new v2 table: fresh random table-uuid (getrandom), schema `schema` (copied; its
 * schema-id becomes 0), last-column-id from the schema, the unpartitioned spec 0
 * (last-partition-id 999 as Java), the unsorted order 0, `props` (copied; may be NULL),
 * last-updated-ms `now_ms` (0 = the clock). */
int lfh_table_meta_new(const lfh_ice_schema *schema, const char *location, const lfh_kvs *props,
                       int64_t now_ms, lfh_table_meta **out, lf_error *err);

typedef struct lfh_snapshot_add {
  int64_t snapshot_id;       /* 0: a fresh random positive id */
  const char *manifest_list; /* absolute URI, copied */
  const char *operation;     /* "append", "overwrite", "replace", "delete" */
  const lfh_kvs *summary;    /* further summary entries (may be NULL); "operation" ignored */
  int64_t timestamp_ms;      /* 0: the clock */
} lfh_snapshot_add;

/* The next version of `base` with one more snapshot on main: sequence number
 * base->last_sequence_number + 1, parent = base's current snapshot, schema-id = current,
 * snapshot-log and metadata-log appended (`base_file`: base's metadata file URI; NULL
 * skips the metadata-log entry), refs.main moved, last-updated-ms = the snapshot's
 * timestamp (never earlier than base's, so time travel stays monotonic). The metadata-log
 * is trimmed to `write.metadata.previous-versions-max` (default 100) as Java does. */
int lfh_table_meta_add_snapshot(const lfh_table_meta *base, const char *base_file,
                                const lfh_snapshot_add *add, lfh_table_meta **out,
                                lf_error *err);

/* Lookups; NULL when absent. */
const lfh_snapshot *lfh_table_meta_snapshot(const lfh_table_meta *m, int64_t snapshot_id);
const lfh_snapshot *lfh_table_meta_current(const lfh_table_meta *m);
const lfh_ice_schema *lfh_table_meta_schema(const lfh_table_meta *m, int32_t schema_id);
const lfh_ice_schema *lfh_table_meta_current_schema(const lfh_table_meta *m);
const lfh_ref *lfh_table_meta_ref(const lfh_table_meta *m, const char *name);
/* The snapshot that was current at `timestamp_ms` per the snapshot-log (the last entry
 * at or before it), as Java's "as of time" reads do; NULL if the table had none then. */
const lfh_snapshot *lfh_table_meta_snapshot_as_of(const lfh_table_meta *m, int64_t timestamp_ms);
/* The parent of `s` when it is still in the metadata (expired parents end the walk). */
const lfh_snapshot *lfh_table_meta_parent(const lfh_table_meta *m, const lfh_snapshot *s);
/* 1 when `ancestor_id` is `s` or one of its ancestors. */
int lfh_table_meta_is_ancestor(const lfh_table_meta *m, const lfh_snapshot *s, int64_t ancestor_id);

/* Exactly-once: the newest snapshot in the current snapshot's ancestry whose summary has
 * lf.flow-id == flow_id. Returns 1 and sets *epoch (from lf.epoch) and *snapshot_id; 0
 * when the flow has no commit in the ancestry; LF_ERR_DATA when its lf.epoch is not an
 * integer. */
int lfh_table_meta_find_flow(const lfh_table_meta *m, const char *flow_id, int64_t *epoch,
                             int64_t *snapshot_id, lf_error *err);

/* The fields array of partition spec `spec_id` as compact JSON (the manifest header
 * "partition-spec"), malloc'd; NULL when there is no such spec. */
char *lfh_table_meta_spec_fields_json(const lfh_table_meta *m, int32_t spec_id);

/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t lfh_now_ms(void);
/* A random positive 63-bit id (getrandom); 0 on failure. */
int64_t lfh_random_id(void);

#endif
