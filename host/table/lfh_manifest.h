/*
 * lfh_manifest — Iceberg v2 manifests (manifest_entry files) and manifest lists
 * (manifest_file files): their schemas as Java 1.8.1 writes them for an unpartitioned
 * table, encoders straight into Avro binary, container files with Java's header keys, and
 * readers built on lfh_avro's generic decoder (Iceberg spec "Manifests", "Manifest Lists",
 * "Sequence Number Inheritance").
 *
 * Ownership: lfh_manifest / lfh_manifest_list returned by the readers are owned by the
 * caller (lfh_manifest_free / lfh_manifest_list_free) and own every string and array in
 * them. Writers borrow their inputs and append to a caller-owned lfh_buf.
 * Errors: negative lf_status codes; messages name the file.
 */
#ifndef LFH_MANIFEST_H
#define LFH_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "avro/lfh_avro.h"
#include "lf/lf_plugin.h"
#include "store/lfh_store.h"
#include "table/lfh_iceberg_schema.h"

/* manifest_entry.status */
#define LFH_ENTRY_EXISTING 0
#define LFH_ENTRY_ADDED 1
#define LFH_ENTRY_DELETED 2

/* data_file.content */
#define LFH_CONTENT_DATA 0
#define LFH_CONTENT_POSITION_DELETES 1
#define LFH_CONTENT_EQUALITY_DELETES 2

/* manifest_file.content */
#define LFH_MANIFEST_DATA 0
#define LFH_MANIFEST_DELETES 1

#define LFH_SEQ_NONE (-1) /* a null sequence number: inherited on read */

/* A column-id -> long metric (column_sizes, value_counts, null_value_counts). */
typedef struct lfh_id_long {
  int32_t id;
  int64_t value;
} lfh_id_long;

/* A column-id -> bytes bound (lower_bounds, upper_bounds; Iceberg single-value encoding). */
typedef struct lfh_id_bytes {
  int32_t id;
  uint8_t *data;
  size_t len;
} lfh_id_bytes;

typedef struct lfh_data_file {
  int32_t content;          /* LFH_CONTENT_* */
  char *file_path;          /* absolute URI */
  char *file_format;        /* "AVRO" */
  int64_t record_count;
  int64_t file_size_in_bytes;
  /* Optional metrics: NULL/0 writes null. */
  lfh_id_long *column_sizes, *value_counts, *null_value_counts;
  size_t n_column_sizes, n_value_counts, n_null_value_counts;
  lfh_id_bytes *lower_bounds, *upper_bounds;
  size_t n_lower_bounds, n_upper_bounds;
  int64_t *split_offsets;   /* NULL: null */
  size_t n_split_offsets;
  int32_t *equality_ids;    /* equality delete files only */
  size_t n_equality_ids;
  int32_t sort_order_id;    /* -1: null */
  char *referenced_data_file; /* may be NULL */
} lfh_data_file;

typedef struct lfh_manifest_entry {
  int32_t status;               /* LFH_ENTRY_* */
  int64_t snapshot_id;          /* -1: null (inherited from the manifest's added_snapshot_id) */
  int64_t sequence_number;      /* LFH_SEQ_NONE: null, inherited when ADDED */
  int64_t file_sequence_number; /* LFH_SEQ_NONE: null, inherited when ADDED */
  lfh_data_file file;
} lfh_manifest_entry;

/* One manifest_file record of a manifest list. */
typedef struct lfh_manifest_file {
  char *manifest_path;
  int64_t manifest_length;
  int32_t partition_spec_id;
  int32_t content; /* LFH_MANIFEST_* */
  int64_t sequence_number;
  int64_t min_sequence_number;
  int64_t added_snapshot_id;
  int32_t added_files_count, existing_files_count, deleted_files_count;
  int64_t added_rows_count, existing_rows_count, deleted_rows_count;
} lfh_manifest_file;

/* ------------------------------------------------------------ schemas */

/* The Iceberg schemas of the two file kinds (schema-id 0, field ids and docs as Java);
 * static, never freed. NULL only if the built-in JSON failed to parse (out of memory). */
const lfh_ice_schema *lfh_manifest_entry_schema(void);
const lfh_ice_schema *lfh_manifest_file_schema(void);
/* Their Avro schema JSON, byte-identical to Java's headers. Static strings. */
const char *lfh_manifest_entry_avro_json(void);
const char *lfh_manifest_file_avro_json(void);

/* ------------------------------------------------------------ writing */

typedef struct lfh_manifest_header {
  const lfh_ice_schema *table_schema; /* "schema" and "schema-id" */
  const char *partition_spec_json;    /* "partition-spec": the spec's fields, "[]" */
  int32_t partition_spec_id;
  int32_t content;                    /* LFH_MANIFEST_*: "data" or "deletes" */
} lfh_manifest_header;

typedef struct lfh_manifest_list_header {
  int64_t snapshot_id;
  int64_t parent_snapshot_id; /* -1: "null" */
  int64_t sequence_number;
} lfh_manifest_list_header;

/* Appends one manifest_entry / manifest_file record in Avro binary to `out`. */
int lfh_manifest_encode_entry(lfh_buf *out, const lfh_manifest_entry *e);
int lfh_manifest_encode_file(lfh_buf *out, const lfh_manifest_file *f);

/* Header key/value pairs as Java writes them (plus "schema-id", which the spec lists
 * and Java 1.8.1 omits), NULL-terminated, for lfh_avro_writer_new. The strings are
 * malloc'd: free with lfh_manifest_meta_free. NULL on allocation failure. */
char **lfh_manifest_meta(const lfh_manifest_header *h);
char **lfh_manifest_list_meta(const lfh_manifest_list_header *h);
void lfh_manifest_meta_free(char **meta);

/* A whole manifest / manifest list container file appended to `out`. */
int lfh_manifest_write(lfh_buf *out, const lfh_manifest_header *h,
                       const lfh_manifest_entry *entries, size_t n, lfh_avro_codec codec,
                       lf_error *err);
int lfh_manifest_list_write(lfh_buf *out, const lfh_manifest_list_header *h,
                            const lfh_manifest_file *files, size_t n, lfh_avro_codec codec,
                            lf_error *err);

/* ------------------------------------------------------------ reading */

typedef struct lfh_manifest {
  int32_t content;           /* from the "content" header (data when absent, as v1) */
  int32_t partition_spec_id; /* from "partition-spec-id", 0 when absent */
  int format_version;        /* from "format-version", 1 when absent */
  lfh_manifest_entry *entries;
  size_t n_entries;
} lfh_manifest;

typedef struct lfh_manifest_list {
  int64_t snapshot_id, parent_snapshot_id, sequence_number; /* headers; -1 when absent/null */
  lfh_manifest_file *files;
  size_t n_files;
} lfh_manifest_list;

/* Reads a manifest held in memory (`name` names it in errors). `mf` is its manifest list
 * record (borrowed; may be NULL): null snapshot ids and sequence numbers of ADDED
 * entries are inherited from it as the spec requires. Without `mf`, nulls stay
 * LFH_SEQ_NONE / -1. */
int lfh_manifest_read(const void *data, size_t len, const char *name,
                      const lfh_manifest_file *mf, lfh_manifest **out, lf_error *err);
void lfh_manifest_free(lfh_manifest *m);

int lfh_manifest_list_read(const void *data, size_t len, const char *name,
                           lfh_manifest_list **out, lf_error *err);
void lfh_manifest_list_free(lfh_manifest_list *l);

/* Frees what a data file owns (used by lfh_manifest_free; for callers building their own). */
void lfh_data_file_clear(lfh_data_file *f);

#endif
