/* test_iceberg_meta — table metadata: Java's v1..v7 read back field by field, our JSON
 * round trips, new tables, the add-snapshot step, time travel, the exactly-once flow
 * lookup, and malformed files giving errors that name the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf.h"
#include "lfh_test.h"
#include "table/lfh_table_meta.h"

#define META_DIR LFH_SOURCE_DIR "/../shared/reference/iceberg/java-written-table/metadata"

static char msg[512];
static lf_error err;

static void reset_err(void) { lf_error_init(&err, msg, sizeof(msg)); }

static lfh_table_meta *load_java(int version) {
  char path[512];
  size_t len = 0;
  lfh_table_meta *m = NULL;
  snprintf(path, sizeof(path), "%s/v%d.metadata.json", META_DIR, version);
  char *text = lfh_test_slurp(path, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  reset_err();
  int rc = lfh_table_meta_parse(text, len, path, &m, &err);
  if (rc != LF_OK) fprintf(stderr, "%s\n", msg);
  CU_ASSERT_EQUAL(rc, LF_OK);
  free(text);
  return m;
}

/* The snapshot chain of the reference table, oldest first. */
static const int64_t JAVA_IDS[] = {853766660775201079LL,  7342794868382145167LL,
                                   1584331123492059582LL, 842401149381792626LL,
                                   3340507003387467420LL, 1916084761853986166LL};

static void test_java_v1(void) {
  lfh_table_meta *m = load_java(1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(m->format_version, 2);
  CU_ASSERT_STRING_EQUAL(m->table_uuid, "96247900-66da-4f86-9cbe-c81dbcf8420f");
  CU_ASSERT_STRING_EQUAL(m->location, "data/persistent/equality_deletes/warehouse/mydb/mytable");
  CU_ASSERT_EQUAL(m->last_sequence_number, 0);
  CU_ASSERT_EQUAL(m->last_updated_ms, 1758879194794LL);
  CU_ASSERT_EQUAL(m->last_column_id, 3);
  CU_ASSERT_EQUAL(m->current_snapshot_id, LFH_NO_SNAPSHOT);
  CU_ASSERT_PTR_NULL(lfh_table_meta_current(m));
  CU_ASSERT_EQUAL(m->n_snapshots, 0);
  CU_ASSERT_EQUAL(m->n_refs, 0);
  CU_ASSERT_EQUAL(m->last_partition_id, 999);
  const lfh_ice_schema *s = lfh_table_meta_current_schema(m);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(s->root->n_fields, 3);
  CU_ASSERT_STRING_EQUAL(s->root->fields[2].name, "bir");
  CU_ASSERT_EQUAL(s->root->fields[2].type->kind, LFH_ICE_DATE);
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&m->properties, "owner"), "zhangjun");
  char *spec = lfh_table_meta_spec_fields_json(m, 0);
  CU_ASSERT_STRING_EQUAL(spec, "[]");
  free(spec);
  lfh_table_meta_free(m);
}

static void test_java_versions(void) {
  for (int v = 2; v <= 7; v++) {
    lfh_table_meta *m = load_java(v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    size_t n = (size_t)(v - 1);
    CU_ASSERT_EQUAL(m->n_snapshots, n);
    CU_ASSERT_EQUAL(m->last_sequence_number, (int64_t)n);
    CU_ASSERT_EQUAL(m->current_snapshot_id, JAVA_IDS[n - 1]);
    CU_ASSERT_EQUAL(lfh_table_meta_ref(m, "main")->snapshot_id, JAVA_IDS[n - 1]);
    CU_ASSERT_EQUAL(m->n_metadata_log, n);
    for (size_t i = 0; i < n; i++) {
      const lfh_snapshot *s = &m->snapshots[i];
      CU_ASSERT_EQUAL(s->snapshot_id, JAVA_IDS[i]);
      CU_ASSERT_EQUAL(s->sequence_number, (int64_t)i + 1);
      CU_ASSERT_EQUAL(s->parent_id, i ? JAVA_IDS[i - 1] : LFH_NO_SNAPSHOT);
      CU_ASSERT_EQUAL(s->schema_id, 0);
      CU_ASSERT_PTR_NOT_NULL(strstr(s->manifest_list, "/metadata/snap-"));
      CU_ASSERT_STRING_EQUAL(s->summary.items[0].key, "operation");
      const char *op = lfh_kvs_get(&s->summary, "operation");
      CU_ASSERT_STRING_EQUAL(op, (i == 0 || i == 4) ? "append" : "delete");
    }
    /* the ancestry of the current snapshot is the whole chain */
    size_t steps = 0;
    for (const lfh_snapshot *s = lfh_table_meta_current(m); s; s = lfh_table_meta_parent(m, s))
      steps++;
    CU_ASSERT_EQUAL(steps, n);
    lfh_table_meta_free(m);
  }
  lfh_table_meta *m = load_java(7);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  /* Java's table was rolled back and forward once: 8 snapshot-log entries for 6 snapshots */
  CU_ASSERT_EQUAL(m->n_snapshot_log, 8);
  CU_ASSERT_EQUAL(m->snapshot_log[3].snapshot_id, JAVA_IDS[1]);
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&m->snapshots[4].summary, "added-records"), "2");
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&m->snapshots[5].summary, "total-equality-deletes"), "4");
  CU_ASSERT_PTR_NOT_NULL(strstr(m->metadata_log[5].metadata_file, "v6.metadata.json"));
  CU_ASSERT_EQUAL(m->metadata_log[0].timestamp_ms, 1758879194794LL);
  /* time travel by the snapshot-log: before the first commit nothing, the rollback honoured */
  CU_ASSERT_PTR_NULL(lfh_table_meta_snapshot_as_of(m, 1758879443925LL));
  CU_ASSERT_EQUAL(lfh_table_meta_snapshot_as_of(m, 1758879443926LL)->snapshot_id, JAVA_IDS[0]);
  CU_ASSERT_EQUAL(lfh_table_meta_snapshot_as_of(m, 1758879496350LL)->snapshot_id, JAVA_IDS[1]);
  CU_ASSERT_EQUAL(lfh_table_meta_snapshot_as_of(m, 1758879496450LL)->snapshot_id, JAVA_IDS[2]);
  CU_ASSERT_EQUAL(lfh_table_meta_snapshot_as_of(m, INT64_MAX)->snapshot_id, JAVA_IDS[5]);
  CU_ASSERT_TRUE(lfh_table_meta_is_ancestor(m, lfh_table_meta_current(m), JAVA_IDS[0]));
  CU_ASSERT_FALSE(lfh_table_meta_is_ancestor(m, lfh_table_meta_snapshot(m, JAVA_IDS[0]), JAVA_IDS[1]));
  lfh_table_meta_free(m);
}

/* Our JSON of Java's metadata parses back to the same model and prints identically. */
static void test_round_trip(void) {
  for (int v = 1; v <= 7; v++) {
    lfh_table_meta *m = load_java(v), *back = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    char *text = lfh_table_meta_to_json(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    reset_err();
    CU_ASSERT_EQUAL_FATAL(lfh_table_meta_parse(text, strlen(text), "ours", &back, &err), LF_OK);
    char *again = lfh_table_meta_to_json(back);
    CU_ASSERT_STRING_EQUAL(text, again);
    CU_ASSERT_EQUAL(back->n_snapshots, m->n_snapshots);
    CU_ASSERT_EQUAL(back->current_snapshot_id, m->current_snapshot_id);
    CU_ASSERT_TRUE(lfh_ice_schema_equal(back->schemas[0], m->schemas[0]));
    /* Java's top-level key order */
    const char *keys[] = {"format-version", "table-uuid", "location", "last-sequence-number",
                          "last-updated-ms", "last-column-id", "current-schema-id", "schemas",
                          "default-spec-id", "partition-specs", "last-partition-id",
                          "default-sort-order-id", "sort-orders", "properties",
                          "current-snapshot-id", "refs", "snapshots", "statistics",
                          "partition-statistics", "snapshot-log", "metadata-log"};
    const char *prev = text;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
      char quoted[64];
      snprintf(quoted, sizeof(quoted), "\n  \"%s\":", keys[i]);
      const char *at = strstr(text, quoted);
      CU_ASSERT_TRUE(at && at >= prev);
      if (at) prev = at;
    }
    free(text);
    free(again);
    lfh_table_meta_free(back);
    lfh_table_meta_free(m);
  }
}

static lfh_table_meta *new_table(void) {
  const char *sj = "{\"type\":\"struct\",\"schema-id\":7,\"fields\":["
                   "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
                   "{\"id\":2,\"name\":\"tags\",\"required\":false,\"type\":{\"type\":\"list\","
                   "\"element-id\":3,\"element\":\"string\",\"element-required\":false}}]}";
  lfh_ice_schema *s = NULL;
  lfh_table_meta *m = NULL;
  lfh_kvs props = {0};
  CU_ASSERT_EQUAL(lfh_ice_schema_parse(sj, strlen(sj), "s", &s, NULL), LF_OK);
  CU_ASSERT_EQUAL(lfh_kvs_set(&props, "write.avro.compression-codec", "deflate"), LF_OK);
  reset_err();
  CU_ASSERT_EQUAL(lfh_table_meta_new(s, "file:///tmp/t", &props, 1000, &m, &err), LF_OK);
  lfh_kvs_free(&props);
  lfh_ice_schema_free(s);
  return m;
}

static void test_new_table(void) {
  lfh_table_meta *m = new_table(), *other = new_table();
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_PTR_NOT_NULL_FATAL(other);
  CU_ASSERT_EQUAL(strlen(m->table_uuid), 36);
  CU_ASSERT_EQUAL(m->table_uuid[14], '4'); /* version 4 */
  CU_ASSERT_PTR_NOT_NULL(strchr("89ab", m->table_uuid[19]));
  CU_ASSERT_STRING_NOT_EQUAL(m->table_uuid, other->table_uuid);
  CU_ASSERT_EQUAL(m->last_column_id, 3);
  CU_ASSERT_EQUAL(m->current_schema_id, 0);
  CU_ASSERT_EQUAL(m->schemas[0]->schema_id, 0);
  CU_ASSERT_EQUAL(m->last_updated_ms, 1000);
  CU_ASSERT_EQUAL(m->current_snapshot_id, LFH_NO_SNAPSHOT);
  char *text = lfh_table_meta_to_json(m);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"partition-specs\": [\n    {\n      \"spec-id\": 0,\n      \"fields\": []"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"order-id\": 0"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"current-snapshot-id\": -1"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"refs\": {}"));
  free(text);
  lfh_table_meta_free(other);
  lfh_table_meta_free(m);
}

static lfh_table_meta *commit(lfh_table_meta *base, const char *base_file, const char *flow,
                              const char *epoch, int64_t ts) {
  lfh_kvs sum = {0};
  lfh_table_meta *next = NULL;
  if (flow) lfh_kvs_set(&sum, LFH_SUMMARY_FLOW_ID, flow);
  if (epoch) lfh_kvs_set(&sum, LFH_SUMMARY_EPOCH, epoch);
  lfh_kvs_set(&sum, "operation", "ignored");
  lfh_kvs_set(&sum, "added-records", "5");
  lfh_snapshot_add add = {0, "file:///tmp/t/metadata/snap-x.avro", "append", &sum, ts};
  reset_err();
  CU_ASSERT_EQUAL(lfh_table_meta_add_snapshot(base, base_file, &add, &next, &err), LF_OK);
  lfh_kvs_free(&sum);
  lfh_table_meta_free(base);
  return next;
}

static void test_add_snapshots_and_flows(void) {
  lfh_table_meta *m = new_table();
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  int64_t epoch = 0, sid = 0;
  CU_ASSERT_EQUAL(lfh_table_meta_find_flow(m, "bronze", &epoch, &sid, NULL), 0);
  m = commit(m, "file:///tmp/t/metadata/v1.metadata.json", "bronze", "1", 2000);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  int64_t first = m->current_snapshot_id;
  CU_ASSERT_TRUE(first > 0);
  m = commit(m, "file:///tmp/t/metadata/v2.metadata.json", "silver", "7", 3000);
  m = commit(m, "file:///tmp/t/metadata/v3.metadata.json", "bronze", "2", 2500); /* clock went back */
  m = commit(m, "file:///tmp/t/metadata/v4.metadata.json", NULL, NULL, 4000);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(m->n_snapshots, 4);
  CU_ASSERT_EQUAL(m->last_sequence_number, 4);
  CU_ASSERT_EQUAL(m->last_updated_ms, 4000);
  CU_ASSERT_EQUAL(m->snapshots[2].timestamp_ms, 3000); /* never earlier than its base */
  CU_ASSERT_EQUAL(m->snapshots[0].parent_id, LFH_NO_SNAPSHOT);
  CU_ASSERT_EQUAL(m->snapshots[0].snapshot_id, first);
  for (size_t i = 1; i < 4; i++) {
    CU_ASSERT_EQUAL(m->snapshots[i].parent_id, m->snapshots[i - 1].snapshot_id);
    CU_ASSERT_EQUAL(m->snapshots[i].sequence_number, (int64_t)i + 1);
    CU_ASSERT_STRING_EQUAL(m->snapshots[i].summary.items[0].key, "operation");
    CU_ASSERT_STRING_EQUAL(m->snapshots[i].summary.items[0].value, "append");
  }
  CU_ASSERT_EQUAL(m->n_snapshot_log, 4);
  CU_ASSERT_EQUAL(m->n_metadata_log, 4);
  CU_ASSERT_EQUAL(m->metadata_log[0].timestamp_ms, 1000);
  CU_ASSERT_EQUAL(m->metadata_log[1].timestamp_ms, 2000);
  CU_ASSERT_STRING_EQUAL(m->metadata_log[3].metadata_file, "file:///tmp/t/metadata/v4.metadata.json");
  CU_ASSERT_EQUAL(lfh_table_meta_ref(m, "main")->snapshot_id, m->current_snapshot_id);
  CU_ASSERT_EQUAL(lfh_table_meta_find_flow(m, "bronze", &epoch, &sid, NULL), 1);
  CU_ASSERT_EQUAL(epoch, 2);
  CU_ASSERT_EQUAL(sid, m->snapshots[2].snapshot_id);
  CU_ASSERT_EQUAL(lfh_table_meta_find_flow(m, "silver", &epoch, &sid, NULL), 1);
  CU_ASSERT_EQUAL(epoch, 7);
  CU_ASSERT_EQUAL(lfh_table_meta_find_flow(m, "gold", &epoch, &sid, NULL), 0);
  CU_ASSERT_EQUAL(lfh_table_meta_snapshot_as_of(m, 2999)->snapshot_id, first);
  /* a bad epoch is reported, not guessed */
  m = commit(m, NULL, "gold", "x1", 5000);
  CU_ASSERT_EQUAL(m->n_metadata_log, 4); /* no base file given: no entry */
  reset_err();
  CU_ASSERT_EQUAL(lfh_table_meta_find_flow(m, "gold", &epoch, &sid, &err), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "lf.epoch"));
  /* an explicit id that exists is a conflict */
  lfh_table_meta *next = NULL;
  lfh_snapshot_add dup = {first, "x", "append", NULL, 0};
  CU_ASSERT_EQUAL(lfh_table_meta_add_snapshot(m, NULL, &dup, &next, NULL), LF_ERR_CONFLICT);
  CU_ASSERT_PTR_NULL(next);
  /* the written file reads back equal */
  char *text = lfh_table_meta_to_json(m);
  lfh_table_meta *back = NULL;
  CU_ASSERT_EQUAL(lfh_table_meta_parse(text, strlen(text), "v6", &back, NULL), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_meta_find_flow(back, "bronze", &epoch, &sid, NULL), 1);
  CU_ASSERT_EQUAL(epoch, 2);
  free(text);
  lfh_table_meta_free(back);
  lfh_table_meta_free(m);
}

static void test_metadata_log_trim(void) {
  lfh_table_meta *m = new_table();
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  lfh_kvs_set(&m->properties, "write.metadata.previous-versions-max", "2");
  m = commit(m, "v1", NULL, NULL, 0);
  m = commit(m, "v2", NULL, NULL, 0);
  m = commit(m, "v3", NULL, NULL, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(m->n_metadata_log, 2);
  CU_ASSERT_STRING_EQUAL(m->metadata_log[0].metadata_file, "v2");
  CU_ASSERT_STRING_EQUAL(m->metadata_log[1].metadata_file, "v3");
  lfh_table_meta_free(m);
}

/* Replaces the first occurrence of `from` by `to` in Java's v3 and expects an error naming
 * the file and mentioning `needle`. */
static void expect_bad(const char *from, const char *to, const char *needle) {
  char path[512];
  size_t len = 0;
  snprintf(path, sizeof(path), "%s/v3.metadata.json", META_DIR);
  char *text = lfh_test_slurp(path, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  char *at = strstr(text, from);
  CU_ASSERT_PTR_NOT_NULL_FATAL(at);
  size_t fl = strlen(from), tl = strlen(to);
  char *edited = malloc(len + tl + 1);
  memcpy(edited, text, (size_t)(at - text));
  memcpy(edited + (at - text), to, tl);
  strcpy(edited + (at - text) + tl, at + fl);
  lfh_table_meta *m = NULL;
  reset_err();
  int rc = lfh_table_meta_parse(edited, strlen(edited), "bad/v3.metadata.json", &m, &err);
  CU_ASSERT_TRUE(rc < 0);
  CU_ASSERT_PTR_NULL(m);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "bad/v3.metadata.json"));
  if (!strstr(msg, needle)) fprintf(stderr, "message '%s' lacks '%s'\n", msg, needle);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, needle));
  free(edited);
  free(text);
}

static void test_malformed(void) {
  expect_bad("\"location\"", "\"locashun\"", "'location' is required");
  expect_bad("\"last-column-id\" : 3", "\"last-column-id\" : \"3\"", "'last-column-id' must be an integer");
  expect_bad("\"format-version\" : 2", "\"format-version\" : 3", "format-version 3");
  expect_bad("\"table-uuid\" : \"96247900-66da-4f86-9cbe-c81dbcf8420f\"", "\"table-uuid\" : 5",
             "'table-uuid' must be a UUID");
  expect_bad("\"snapshot-id\" : 853766660775201079,", "", "'snapshots[0].snapshot-id' is required");
  expect_bad("\"sequence-number\" : 2", "\"sequence-number\" : null", "'snapshots[1].sequence-number'");
  expect_bad("\"operation\" : \"delete\"", "\"op\" : \"delete\"", "summary.operation");
  expect_bad("\"added-records\" : \"4\"", "\"added-records\" : 4", "values must be strings");
  expect_bad("\"current-snapshot-id\" : 7342794868382145167", "\"current-snapshot-id\" : 1",
             "names no snapshot");
  expect_bad("\"current-schema-id\" : 0", "\"current-schema-id\" : 4", "names no schema");
  expect_bad("\"type\" : \"date\"", "\"type\" : \"datetime\"", "schemas[0]");
  expect_bad("\"schemas\" : [", "\"schemas\" : {\"a\":1}, \"x\" : [", "'schemas' must be an array");
  expect_bad("\"type\" : \"branch\"", "\"type\" : \"twig\"", "refs.main");
  expect_bad("\"metadata-file\"", "\"metadata-fil\"", "metadata-log[0].metadata-file");
  /* truncation at every length: an error, never a crash */
  char path[512];
  size_t len = 0;
  snprintf(path, sizeof(path), "%s/v3.metadata.json", META_DIR);
  char *text = lfh_test_slurp(path, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  for (size_t cut = 0; cut < len - 2; cut += 7) {
    lfh_table_meta *m = NULL;
    reset_err();
    CU_ASSERT_TRUE(lfh_table_meta_parse(text, cut, "cut.json", &m, &err) < 0);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cut.json"));
  }
  free(text);
  /* a parent cycle ends the walk instead of looping */
  lfh_table_meta *m = load_java(3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  m->snapshots[0].parent_id = m->snapshots[1].snapshot_id;
  int64_t e, s;
  CU_ASSERT_EQUAL(lfh_table_meta_find_flow(m, "nobody", &e, &s, NULL), 0);
  CU_ASSERT_FALSE(lfh_table_meta_is_ancestor(m, lfh_table_meta_current(m), 42));
  lfh_table_meta_free(m);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"Java v1 metadata", test_java_v1},
      {"Java v2..v7: snapshots, parents, sequence numbers, logs", test_java_versions},
      {"write/read round trip and key order", test_round_trip},
      {"new table", test_new_table},
      {"add snapshot and flow lookup", test_add_snapshots_and_flows},
      {"metadata-log trimmed", test_metadata_log_trim},
      {"malformed metadata names the file", test_malformed},
      {NULL, NULL}};
  return lfh_test_run("iceberg_meta", cases);
}
