/* lfh_manifest_write.c — manifest and manifest-list schemas, Avro encoders and container
 * files with Java's header keys. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_manifest.h"

/* ------------------------------------------------------------ schemas */

/* The Iceberg schemas of manifest_entry (unpartitioned: an empty partition struct, id 102)
 * and manifest_file, field for field as the spec's tables and Java's "iceberg.schema"
 * header. The Avro schemas are derived from these by lfh_ice_schema_to_avro_json, whose
 * output tests compare byte for byte with the headers Java wrote. */
static const char ENTRY_ICEBERG_JSON[] =
    "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
    "{\"id\":0,\"name\":\"status\",\"required\":true,\"type\":\"int\"},"
    "{\"id\":1,\"name\":\"snapshot_id\",\"required\":false,\"type\":\"long\"},"
    "{\"id\":3,\"name\":\"sequence_number\",\"required\":false,\"type\":\"long\"},"
    "{\"id\":4,\"name\":\"file_sequence_number\",\"required\":false,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"data_file\",\"required\":true,\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":134,\"name\":\"content\",\"required\":true,\"type\":\"int\","
    "\"doc\":\"Contents of the file: 0=data, 1=position deletes, 2=equality deletes\"},"
    "{\"id\":100,\"name\":\"file_path\",\"required\":true,\"type\":\"string\","
    "\"doc\":\"Location URI with FS scheme\"},"
    "{\"id\":101,\"name\":\"file_format\",\"required\":true,\"type\":\"string\","
    "\"doc\":\"File format name: avro, orc, or parquet\"},"
    "{\"id\":102,\"name\":\"partition\",\"required\":true,\"type\":{\"type\":\"struct\",\"fields\":[]},"
    "\"doc\":\"Partition data tuple, schema based on the partition spec\"},"
    "{\"id\":103,\"name\":\"record_count\",\"required\":true,\"type\":\"long\","
    "\"doc\":\"Number of records in the file\"},"
    "{\"id\":104,\"name\":\"file_size_in_bytes\",\"required\":true,\"type\":\"long\","
    "\"doc\":\"Total file size in bytes\"},"
    "{\"id\":108,\"name\":\"column_sizes\",\"required\":false,\"type\":{\"type\":\"map\","
    "\"key-id\":117,\"key\":\"int\",\"value-id\":118,\"value\":\"long\",\"value-required\":true},"
    "\"doc\":\"Map of column id to total size on disk\"},"
    "{\"id\":109,\"name\":\"value_counts\",\"required\":false,\"type\":{\"type\":\"map\","
    "\"key-id\":119,\"key\":\"int\",\"value-id\":120,\"value\":\"long\",\"value-required\":true},"
    "\"doc\":\"Map of column id to total count, including null and NaN\"},"
    "{\"id\":110,\"name\":\"null_value_counts\",\"required\":false,\"type\":{\"type\":\"map\","
    "\"key-id\":121,\"key\":\"int\",\"value-id\":122,\"value\":\"long\",\"value-required\":true},"
    "\"doc\":\"Map of column id to null value count\"},"
    "{\"id\":137,\"name\":\"nan_value_counts\",\"required\":false,\"type\":{\"type\":\"map\","
    "\"key-id\":138,\"key\":\"int\",\"value-id\":139,\"value\":\"long\",\"value-required\":true},"
    "\"doc\":\"Map of column id to number of NaN values in the column\"},"
    "{\"id\":125,\"name\":\"lower_bounds\",\"required\":false,\"type\":{\"type\":\"map\","
    "\"key-id\":126,\"key\":\"int\",\"value-id\":127,\"value\":\"binary\",\"value-required\":true},"
    "\"doc\":\"Map of column id to lower bound\"},"
    "{\"id\":128,\"name\":\"upper_bounds\",\"required\":false,\"type\":{\"type\":\"map\","
    "\"key-id\":129,\"key\":\"int\",\"value-id\":130,\"value\":\"binary\",\"value-required\":true},"
    "\"doc\":\"Map of column id to upper bound\"},"
    "{\"id\":131,\"name\":\"key_metadata\",\"required\":false,\"type\":\"binary\","
    "\"doc\":\"Encryption key metadata blob\"},"
    "{\"id\":132,\"name\":\"split_offsets\",\"required\":false,\"type\":{\"type\":\"list\","
    "\"element-id\":133,\"element\":\"long\",\"element-required\":true},\"doc\":\"Splittable offsets\"},"
    "{\"id\":135,\"name\":\"equality_ids\",\"required\":false,\"type\":{\"type\":\"list\","
    "\"element-id\":136,\"element\":\"int\",\"element-required\":true},"
    "\"doc\":\"Equality comparison field IDs\"},"
    "{\"id\":140,\"name\":\"sort_order_id\",\"required\":false,\"type\":\"int\",\"doc\":\"Sort order ID\"},"
    "{\"id\":143,\"name\":\"referenced_data_file\",\"required\":false,\"type\":\"string\","
    "\"doc\":\"Fully qualified location (URI with FS scheme) of a data file that all deletes "
    "reference\"}]}}]}";

static const char FILE_ICEBERG_JSON[] =
    "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
    "{\"id\":500,\"name\":\"manifest_path\",\"required\":true,\"type\":\"string\","
    "\"doc\":\"Location URI with FS scheme\"},"
    "{\"id\":501,\"name\":\"manifest_length\",\"required\":true,\"type\":\"long\","
    "\"doc\":\"Total file size in bytes\"},"
    "{\"id\":502,\"name\":\"partition_spec_id\",\"required\":true,\"type\":\"int\","
    "\"doc\":\"Spec ID used to write\"},"
    "{\"id\":517,\"name\":\"content\",\"required\":true,\"type\":\"int\","
    "\"doc\":\"Contents of the manifest: 0=data, 1=deletes\"},"
    "{\"id\":515,\"name\":\"sequence_number\",\"required\":true,\"type\":\"long\","
    "\"doc\":\"Sequence number when the manifest was added\"},"
    "{\"id\":516,\"name\":\"min_sequence_number\",\"required\":true,\"type\":\"long\","
    "\"doc\":\"Lowest sequence number in the manifest\"},"
    "{\"id\":503,\"name\":\"added_snapshot_id\",\"required\":true,\"type\":\"long\","
    "\"doc\":\"Snapshot ID that added the manifest\"},"
    "{\"id\":504,\"name\":\"added_files_count\",\"required\":true,\"type\":\"int\","
    "\"doc\":\"Added entry count\"},"
    "{\"id\":505,\"name\":\"existing_files_count\",\"required\":true,\"type\":\"int\","
    "\"doc\":\"Existing entry count\"},"
    "{\"id\":506,\"name\":\"deleted_files_count\",\"required\":true,\"type\":\"int\","
    "\"doc\":\"Deleted entry count\"},"
    "{\"id\":512,\"name\":\"added_rows_count\",\"required\":true,\"type\":\"long\","
    "\"doc\":\"Added rows count\"},"
    "{\"id\":513,\"name\":\"existing_rows_count\",\"required\":true,\"type\":\"long\","
    "\"doc\":\"Existing rows count\"},"
    "{\"id\":514,\"name\":\"deleted_rows_count\",\"required\":true,\"type\":\"long\","
    "\"doc\":\"Deleted rows count\"},"
    "{\"id\":507,\"name\":\"partitions\",\"required\":false,\"type\":{\"type\":\"list\","
    "\"element-id\":508,\"element\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":509,\"name\":\"contains_null\",\"required\":true,\"type\":\"boolean\","
    "\"doc\":\"True if any file has a null partition value\"},"
    "{\"id\":518,\"name\":\"contains_nan\",\"required\":false,\"type\":\"boolean\","
    "\"doc\":\"True if any file has a nan partition value\"},"
    "{\"id\":510,\"name\":\"lower_bound\",\"required\":false,\"type\":\"binary\","
    "\"doc\":\"Partition lower bound for all files\"},"
    "{\"id\":511,\"name\":\"upper_bound\",\"required\":false,\"type\":\"binary\","
    "\"doc\":\"Partition upper bound for all files\"}]},\"element-required\":true},"
    "\"doc\":\"Summary for each partition\"},"
    "{\"id\":519,\"name\":\"key_metadata\",\"required\":false,\"type\":\"binary\","
    "\"doc\":\"Encryption key metadata blob\"}]}";

/* Parsed once, process-wide; immutable afterwards, so sharing across threads is safe. */
static struct {
  pthread_once_t once;
  lfh_ice_schema *entry, *file;
  char *entry_avro, *file_avro;
} g_schemas = {PTHREAD_ONCE_INIT, NULL, NULL, NULL, NULL};

static void init_schemas(void) {
  lfh_ice_schema_parse(ENTRY_ICEBERG_JSON, sizeof(ENTRY_ICEBERG_JSON) - 1, "manifest_entry",
                       &g_schemas.entry, NULL);
  lfh_ice_schema_parse(FILE_ICEBERG_JSON, sizeof(FILE_ICEBERG_JSON) - 1, "manifest_file",
                       &g_schemas.file, NULL);
  if (g_schemas.entry) g_schemas.entry_avro = lfh_ice_schema_to_avro_json(g_schemas.entry, "manifest_entry");
  if (g_schemas.file) g_schemas.file_avro = lfh_ice_schema_to_avro_json(g_schemas.file, "manifest_file");
}

const lfh_ice_schema *lfh_manifest_entry_schema(void) {
  pthread_once(&g_schemas.once, init_schemas);
  return g_schemas.entry;
}

const lfh_ice_schema *lfh_manifest_file_schema(void) {
  pthread_once(&g_schemas.once, init_schemas);
  return g_schemas.file;
}

const char *lfh_manifest_entry_avro_json(void) {
  pthread_once(&g_schemas.once, init_schemas);
  return g_schemas.entry_avro;
}

const char *lfh_manifest_file_avro_json(void) {
  pthread_once(&g_schemas.once, init_schemas);
  return g_schemas.file_avro;
}

/* ------------------------------------------------------------ binary encoding */

/* Encoders chain with `rc |= ...`: every lfh_buf failure is LF_ERR_NOMEM, and once one
 * failed the record is abandoned by the caller anyway. */
static int put_long(lfh_buf *b, int64_t v) {
  if (lfh_buf_reserve(b, 10) != 0) return LF_ERR_NOMEM;
  b->len += lfh_avro_put_long(b->data + b->len, v);
  return LF_OK;
}

static int put_bytes(lfh_buf *b, const void *p, size_t n) {
  if (put_long(b, (int64_t)n) != LF_OK) return LF_ERR_NOMEM;
  return n ? lfh_buf_append(b, p, n) : LF_OK;
}

static int put_str(lfh_buf *b, const char *s) { return put_bytes(b, s, s ? strlen(s) : 0); }

/* ["null", long] with `none` meaning null. */
static int put_opt_long(lfh_buf *b, int64_t v, int64_t none) {
  if (v == none) return put_long(b, 0);
  return put_long(b, 1) | put_long(b, v);
}

static int put_opt_str(lfh_buf *b, const char *s) {
  if (!s) return put_long(b, 0);
  return put_long(b, 1) | put_str(b, s);
}

/* ["null", array<record{key:int, value:long}>] — a map with int keys, as Avro arrays. */
static int put_id_longs(lfh_buf *b, const lfh_id_long *v, size_t n) {
  if (!v) return put_long(b, 0);
  int rc = put_long(b, 1);
  if (n) rc |= put_long(b, (int64_t)n);
  for (size_t i = 0; i < n; i++) rc |= put_long(b, v[i].id) | put_long(b, v[i].value);
  return rc | put_long(b, 0);
}

static int put_id_bytes(lfh_buf *b, const lfh_id_bytes *v, size_t n) {
  if (!v) return put_long(b, 0);
  int rc = put_long(b, 1);
  if (n) rc |= put_long(b, (int64_t)n);
  for (size_t i = 0; i < n; i++) rc |= put_long(b, v[i].id) | put_bytes(b, v[i].data, v[i].len);
  return rc | put_long(b, 0);
}

static int put_longs(lfh_buf *b, const int64_t *v, size_t n) {
  if (!v) return put_long(b, 0);
  int rc = put_long(b, 1);
  if (n) rc |= put_long(b, (int64_t)n);
  for (size_t i = 0; i < n; i++) rc |= put_long(b, v[i]);
  return rc | put_long(b, 0);
}

static int put_ints(lfh_buf *b, const int32_t *v, size_t n) {
  if (!v) return put_long(b, 0);
  int rc = put_long(b, 1);
  if (n) rc |= put_long(b, (int64_t)n);
  for (size_t i = 0; i < n; i++) rc |= put_long(b, v[i]);
  return rc | put_long(b, 0);
}

static int encode_data_file(lfh_buf *b, const lfh_data_file *f) {
  int rc = put_long(b, f->content) | put_str(b, f->file_path) | put_str(b, f->file_format);
  /* partition: an empty record for the unpartitioned spec encodes as nothing */
  rc |= put_long(b, f->record_count) | put_long(b, f->file_size_in_bytes);
  rc |= put_id_longs(b, f->column_sizes, f->n_column_sizes);
  rc |= put_id_longs(b, f->value_counts, f->n_value_counts);
  rc |= put_id_longs(b, f->null_value_counts, f->n_null_value_counts);
  rc |= put_long(b, 0); /* nan_value_counts: null (no float columns' NaN tracking yet) */
  rc |= put_id_bytes(b, f->lower_bounds, f->n_lower_bounds);
  rc |= put_id_bytes(b, f->upper_bounds, f->n_upper_bounds);
  rc |= put_long(b, 0); /* key_metadata: null (no encryption) */
  rc |= put_longs(b, f->split_offsets, f->n_split_offsets);
  rc |= put_ints(b, f->equality_ids, f->n_equality_ids);
  rc |= put_opt_long(b, f->sort_order_id, -1);
  return rc | put_opt_str(b, f->referenced_data_file);
}

int lfh_manifest_encode_entry(lfh_buf *out, const lfh_manifest_entry *e) {
  int rc = put_long(out, e->status) | put_opt_long(out, e->snapshot_id, -1);
  rc |= put_opt_long(out, e->sequence_number, LFH_SEQ_NONE);
  rc |= put_opt_long(out, e->file_sequence_number, LFH_SEQ_NONE);
  return (rc | encode_data_file(out, &e->file)) ? LF_ERR_NOMEM : LF_OK;
}

int lfh_manifest_encode_file(lfh_buf *out, const lfh_manifest_file *f) {
  int rc = put_str(out, f->manifest_path) | put_long(out, f->manifest_length);
  rc |= put_long(out, f->partition_spec_id) | put_long(out, f->content);
  rc |= put_long(out, f->sequence_number) | put_long(out, f->min_sequence_number);
  rc |= put_long(out, f->added_snapshot_id);
  rc |= put_long(out, f->added_files_count) | put_long(out, f->existing_files_count);
  rc |= put_long(out, f->deleted_files_count);
  rc |= put_long(out, f->added_rows_count) | put_long(out, f->existing_rows_count);
  rc |= put_long(out, f->deleted_rows_count);
  /* partitions: an empty list for the unpartitioned spec (one summary per partition
   * field, and there are none), as Java writes; key_metadata: null. */
  rc |= put_long(out, 1) | put_long(out, 0);
  rc |= put_long(out, 0);
  return rc ? LF_ERR_NOMEM : LF_OK;
}

/* ------------------------------------------------------------ headers */

void lfh_manifest_meta_free(char **meta) {
  for (size_t i = 0; meta && meta[i]; i++) free(meta[i]);
  free(meta);
}

/* Builds a NULL-terminated array from `n` key/value strings of which the values are
 * malloc'd already (taken over, NULL meaning allocation failed). */
static char **meta_from(const char *const *keys, char **values, size_t n) {
  char **m = calloc(2 * n + 1, sizeof(char *));
  int ok = m != NULL;
  for (size_t i = 0; i < n; i++) {
    if (ok && values[i] && (m[2 * i] = strdup(keys[i]))) {
      m[2 * i + 1] = values[i];
      continue;
    }
    ok = 0;
    free(values[i]);
  }
  if (!ok) lfh_manifest_meta_free(m);
  return ok ? m : NULL;
}

static char *fmt_i64(int64_t v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%lld", (long long)v);
  return strdup(buf);
}

char **lfh_manifest_meta(const lfh_manifest_header *h) {
  static const char *const keys[] = {"schema", "schema-id", "partition-spec",
                                     "partition-spec-id", "format-version", "content",
                                     "iceberg.schema"};
  const char *ice = lfh_manifest_entry_schema() ? ENTRY_ICEBERG_JSON : NULL;
  char *values[] = {lfh_ice_schema_to_json_text(h->table_schema),
                    fmt_i64(h->table_schema->schema_id),
                    strdup(h->partition_spec_json ? h->partition_spec_json : "[]"),
                    fmt_i64(h->partition_spec_id), strdup("2"),
                    strdup(h->content == LFH_MANIFEST_DELETES ? "deletes" : "data"),
                    ice ? strdup(ice) : NULL};
  return meta_from(keys, values, sizeof(keys) / sizeof(keys[0]));
}

char **lfh_manifest_list_meta(const lfh_manifest_list_header *h) {
  static const char *const keys[] = {"snapshot-id", "parent-snapshot-id", "sequence-number",
                                     "format-version", "iceberg.schema"};
  const char *ice = lfh_manifest_file_schema() ? FILE_ICEBERG_JSON : NULL;
  char *values[] = {fmt_i64(h->snapshot_id),
                    h->parent_snapshot_id < 0 ? strdup("null") : fmt_i64(h->parent_snapshot_id),
                    fmt_i64(h->sequence_number), strdup("2"), ice ? strdup(ice) : NULL};
  return meta_from(keys, values, sizeof(keys) / sizeof(keys[0]));
}

/* ------------------------------------------------------------ container files */

typedef int (*encode_fn)(lfh_buf *out, const void *item);

static int enc_entry(lfh_buf *out, const void *item) { return lfh_manifest_encode_entry(out, item); }
static int enc_file(lfh_buf *out, const void *item) { return lfh_manifest_encode_file(out, item); }

/* One block holds every record: manifests are small and written once. */
static int write_container(lfh_buf *out, const char *schema, char **meta, const void *items,
                           size_t size, size_t n, encode_fn enc, lfh_avro_codec codec,
                           lf_error *err) {
  lfh_buf block = {0};
  lfh_avro_writer *w = NULL;
  int rc = LF_ERR_NOMEM;
  if (!schema || !meta) {
    lf_error_set(err, rc, "out of memory building a manifest header");
    goto fail;
  }
  if (!(w = lfh_avro_writer_new(out, schema, codec, (const char *const *)meta, -1, err))) {
    rc = err && err->code ? err->code : LF_ERR_IO;
    goto fail;
  }
  for (size_t i = 0; i < n; i++)
    if ((rc = enc(&block, (const char *)items + i * size)) != LF_OK) {
      lf_error_set(err, rc, "out of memory encoding manifest records");
      goto fail;
    }
  if (n && (rc = lfh_avro_writer_block(w, block.data, block.len, (int64_t)n, err)) != LF_OK)
    goto fail;
  rc = LF_OK;
fail:
  lfh_avro_writer_free(w);
  lfh_buf_free(&block);
  return rc;
}

int lfh_manifest_write(lfh_buf *out, const lfh_manifest_header *h,
                       const lfh_manifest_entry *entries, size_t n, lfh_avro_codec codec,
                       lf_error *err) {
  char **meta = lfh_manifest_meta(h);
  int rc = write_container(out, lfh_manifest_entry_avro_json(), meta, entries, sizeof(*entries),
                           n, enc_entry, codec, err);
  lfh_manifest_meta_free(meta);
  return rc;
}

int lfh_manifest_list_write(lfh_buf *out, const lfh_manifest_list_header *h,
                            const lfh_manifest_file *files, size_t n, lfh_avro_codec codec,
                            lf_error *err) {
  char **meta = lfh_manifest_list_meta(h);
  int rc = write_container(out, lfh_manifest_file_avro_json(), meta, files, sizeof(*files), n,
                           enc_file, codec, err);
  lfh_manifest_meta_free(meta);
  return rc;
}
