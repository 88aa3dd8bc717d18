/*
 * test_cli_table — `lfhost table describe|history|show` against a table built here with
 * the table API: the three output formats, time travel by id and by time, --limit,
 * --columns, name resolution through a bundle and --location, and the errors.
 *
 * The table main.clickstream.events gets three appends by flow "f1" (epochs 1..3) of
 * 3, 3 and 4 rows; row ids are 0..9, row 1's name needs CSV quoting, row 3's is null.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#ifndef LFHOST_EXE
#error "LFHOST_EXE must name the built lfhost executable"
#endif

#define NAME "main.clickstream.events"

static char *g_dir;      /* scratch folder: lake/, the bundle, captured output */
static char *g_lake;     /* <g_dir>/lake: the pipeline storage */
static char *g_table;    /* <g_lake>/main/clickstream/events */
static char *g_bundle;   /* <g_dir>/databricks.yml */
static int64_t g_snap[3];
static int64_t g_ts[3];  /* their timestamps, ms */
static char msg[1024];
static lf_error err;

static lf_error *err0(void) {
  lf_error_init(&err, msg, sizeof msg);
  return &err;
}

/* ------------------------------------------------------------ the table */

static void build_rows(int64_t first, int64_t n, struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  lf_builder *name = lf_builder_add_child(b, "u", "name");
  lf_builder *score = lf_builder_add_child(b, "g", "score");
  lf_builder *ts = lf_builder_add_child(b, "tsu:UTC", "ts");
  lf_builder *tags = lf_builder_add_child(b, "+l", "tags");
  lf_builder *tag = lf_builder_add_child(tags, "u", "item");
  lf_builder *attrs = lf_builder_add_child(b, "+m", "attrs");
  lf_builder *ak = lf_builder_add_child(attrs, "u", "key");
  lf_builder *av = lf_builder_add_child(attrs, "l", "value");
  lf_builder *loc = lf_builder_add_child(b, "+s", "loc");
  lf_builder *lat = lf_builder_add_child(loc, "g", "lat");
  lf_builder *city = lf_builder_add_child(loc, "u", "city");
  lf_builder_set_nullable(id, 0);
  for (int64_t r = first; r < first + n; r++) {
    char text[32];
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, r);
    snprintf(text, sizeof text, "name-%" PRId64, r);
    if (r == 3) lf_builder_append_null(name);
    else lf_builder_append_cstr(name, r == 1 ? "a,\"b\"" : text);
    lf_builder_append_double(score, (double)r / 4);
    lf_builder_append_timestamp(ts, 1700000000000000 + r);
    for (int64_t k = 0; k < r % 3; k++) lf_builder_append_cstr(tag, k ? "y" : "x");
    lf_builder_append_list(tags);
    lf_builder_append_cstr(ak, "a");
    lf_builder_append_int64(av, r * 10);
    lf_builder_append_map(attrs);
    lf_builder_append_struct(loc);
    lf_builder_append_double(lat, 1.5);
    lf_builder_append_cstr(city, "rome");
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, err0()), LF_OK);
}

static void append(lfh_table *t, int64_t first, int64_t n, int epoch, int k) {
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table_append *ap = NULL;
  lfh_kvs props = {0};
  char e[16];
  snprintf(e, sizeof e, "%d", epoch);
  lfh_kvs_set(&props, LFH_SUMMARY_FLOW_ID, "f1");
  lfh_kvs_set(&props, LFH_SUMMARY_EPOCH, e);
  build_rows(first, n, &a, &s);
  int rc = lfh_table_append_begin(t, &s, &ap, err0());
  if (rc == LF_OK) rc = lfh_table_append_batch(ap, &a, err0());
  if (rc == LF_OK) rc = lfh_table_append_commit(ap, &props, &g_snap[k], err0());
  if (rc) fprintf(stderr, "append: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  g_ts[k] = lfh_table_meta_snapshot(lfh_table_metadata(t), g_snap[k])->timestamp_ms;
  lfh_table_append_free(ap);
  lf_array_release(&a);
  lf_schema_release(&s);
  lfh_kvs_free(&props);
  struct timespec pause = {0, 5 * 1000 * 1000}; /* distinct snapshot times */
  nanosleep(&pause, NULL);
}

static int make_table(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table *t = NULL;
  lfh_kvs props = {0};
  lfh_store *st = lfh_store_open(g_lake, err0());
  if (!st) return -1;
  build_rows(0, 1, &a, &s);
  lfh_kvs_set(&props, LFH_TABLE_PROP_CODEC, "snappy");
  int rc = lfh_table_create(st, "main/clickstream/events", &s, &props, &t, err0());
  if (rc == LF_OK) {
    append(t, 0, 3, 1, 0);
    append(t, 3, 3, 2, 1);
    append(t, 6, 4, 3, 2);
  }
  lfh_table_close(t);
  lfh_store_close(st);
  lf_array_release(&a);
  lf_schema_release(&s);
  lfh_kvs_free(&props);
  return rc;
}

static void test_make_table(void) {
  int rc = make_table();
  if (rc) fprintf(stderr, "make_table: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
}

static int init_suite(void) {
  g_dir = lfh_test_tmpdir();
  if (!g_dir || asprintf(&g_lake, "%s/lake", g_dir) < 0 ||
      asprintf(&g_table, "%s/main/clickstream/events", g_lake) < 0)
    return -1;
  char *yml = NULL;
  if (asprintf(&yml,
               "bundle:\n  name: t\n"
               "resources:\n  pipelines:\n"
               "    other:\n      name: other\n      catalog: dev\n      schema: x\n"
               "      storage: /nonexistent-lfh\n"
               "    p:\n      name: p\n      catalog: main\n      schema: clickstream\n"
               "      storage: lake\n"
               "      datasets:\n        events:\n          type: streaming_table\n"
               "          cluster_by: [id]\n") < 0)
    return -1;
  g_bundle = lfh_test_write(g_dir, "databricks.yml", yml);
  free(yml);
  return g_bundle ? 0 : -1;
}

/* ------------------------------------------------------------ running lfhost */

typedef lfh_test_proc run;

static void run_free(run *r) { lfh_test_proc_free(r); }

/* Runs lfhost with `args` (NULL-terminated) in folder `cwd` (NULL: here). */
static run lfh(const char *cwd, const char *const *args) {
  const char *argv[32];
  size_t n = 0;
  argv[n++] = LFHOST_EXE;
  for (; *args && n < 31; args++) argv[n++] = *args;
  argv[n] = NULL;
  return lfh_test_exec(g_dir, cwd, argv);
}

#define LFH(...) lfh(NULL, (const char *const[]){__VA_ARGS__, NULL})
#define LFH_IN(dir, ...) lfh((dir), (const char *const[]){__VA_ARGS__, NULL})

static void show(const run *r) { lfh_test_proc_show(r); }

#define EXPECT_STATUS(r, want)                                                           \
  do {                                                                                   \
    if ((r).status != (want)) show(&(r));                                                \
    CU_ASSERT_EQUAL((r).status, (want));                                                 \
  } while (0)

#define EXPECT_HAS(r, hay, needle)                                                       \
  do {                                                                                   \
    int found_ = strstr((hay), (needle)) != NULL;                                        \
    if (!found_) {                                                                       \
      fprintf(stderr, "\nexpected to find: [%s]\n", (needle));                           \
      show(&(r));                                                                        \
    }                                                                                    \
    CU_ASSERT_TRUE(found_);                                                              \
  } while (0)

#define EXPECT_LACKS(r, hay, needle)                                                     \
  do {                                                                                   \
    int found_ = strstr((hay), (needle)) != NULL;                                        \
    if (found_) {                                                                        \
      fprintf(stderr, "\nexpected NOT to find: [%s]\n", (needle));                       \
      show(&(r));                                                                        \
    }                                                                                    \
    CU_ASSERT_FALSE(found_);                                                             \
  } while (0)

static size_t count_lines(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

static void id_text(int k, char *buf, size_t cap) {
  snprintf(buf, cap, "%" PRId64, g_snap[k]);
}

/* ------------------------------------------------------------ tests */

static void test_describe(void) {
  run r = LFH("table", "describe", NAME, "--bundle", g_bundle);
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, "location");
  EXPECT_HAS(r, r.out, "format-version");
  EXPECT_HAS(r, r.out, "total-records");
  EXPECT_HAS(r, r.out, "loc.lat");
  EXPECT_HAS(r, r.out, "long (id 1, required)");
  EXPECT_HAS(r, r.out, "tags.element");
  EXPECT_HAS(r, r.out, "attrs.value");
  EXPECT_HAS(r, r.out, "write.avro.compression-codec  snappy");
  run_free(&r);

  r = LFH("table", "describe", NAME, "--bundle", g_bundle, "-o", "csv");
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, "section,key,value\r\n");
  EXPECT_HAS(r, r.out, "table,total-records,10\r\n");
  EXPECT_HAS(r, r.out, "table,format-version,2\r\n");
  EXPECT_HAS(r, r.out, "schema,id,\"long (id 1, required)\"\r\n");
  run_free(&r);

  char want[64];
  snprintf(want, sizeof want, "\"snapshot-id\": %" PRId64, g_snap[2]);
  r = LFH("table", "describe", NAME, "--bundle", g_bundle, "-o", "json");
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, want);
  EXPECT_HAS(r, r.out, "\"total-records\": 10");
  EXPECT_HAS(r, r.out, "\"format-version\": 2");
  EXPECT_HAS(r, r.out, "\"table-uuid\"");
  EXPECT_HAS(r, r.out, "\"write.avro.compression-codec\": \"snappy\"");
  run_free(&r);
}

static void test_history(void) {
  char id0[32], id2[32], want[128];
  id_text(0, id0, sizeof id0);
  id_text(2, id2, sizeof id2);
  run r = LFH("table", "history", "--location", g_table, "-o", "json");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 3);
  snprintf(want, sizeof want, "{\"snapshot_id\":%s,", id2);
  CU_ASSERT_EQUAL(strncmp(r.out, want, strlen(want)), 0); /* newest first */
  EXPECT_HAS(r, r.out, "\"operation\":\"append\",\"added_records\":4,\"total_records\":10,"
                       "\"flow_id\":\"f1\",\"epoch\":3}");
  snprintf(want, sizeof want, "{\"snapshot_id\":%s,\"parent_id\":null,", id0);
  EXPECT_HAS(r, r.out, want);
  run_free(&r);

  r = LFH("table", "history", "--location", g_table, "--limit", "1", "-o", "csv");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 2);
  EXPECT_HAS(r, r.out, "snapshot_id,parent_id,timestamp,operation,added_records,"
                       "total_records,flow_id,epoch\r\n");
  EXPECT_HAS(r, r.out, ",append,4,10,f1,3\r\n");
  run_free(&r);

  r = LFH("table", "history", NAME, "--bundle", g_bundle);
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 5); /* header, rule, 3 snapshots */
  EXPECT_HAS(r, r.out, "snapshot_id");
  EXPECT_HAS(r, r.out, id0);
  EXPECT_HAS(r, r.out, "Z  append");
  run_free(&r);
}

static void test_show_formats(void) {
  run r = LFH("table", "show", NAME, "--bundle", g_bundle, "-o", "json");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 10);
  EXPECT_HAS(r, r.out, "{\"id\":0,\"name\":\"name-0\",\"score\":0,"
                       "\"ts\":\"2023-11-14T22:13:20.000000Z\",\"tags\":[],"
                       "\"attrs\":{\"a\": 0},\"loc\":{\"lat\": 1.5, \"city\": \"rome\"}}\n");
  EXPECT_HAS(r, r.out, "\"name\":\"a,\\\"b\\\"\"");
  EXPECT_HAS(r, r.out, "{\"id\":3,\"name\":null,\"score\":0.75,");
  EXPECT_HAS(r, r.out, "\"tags\":[\"x\", \"y\"]");
  run_free(&r);

  r = LFH("table", "show", NAME, "--bundle", g_bundle, "-o", "csv");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 11);
  EXPECT_HAS(r, r.out, "id,name,score,ts,tags,attrs,loc\r\n");
  EXPECT_HAS(r, r.out, "1,\"a,\"\"b\"\"\",0.25,2023-11-14T22:13:20.000001Z,");
  EXPECT_HAS(r, r.out, "\r\n3,,0.75,"); /* null is an empty field */
  EXPECT_HAS(r, r.out, ",\"{\"\"a\"\": 20}\",");
  run_free(&r);

  r = LFH("table", "show", NAME, "--bundle", g_bundle);
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 12);
  EXPECT_HAS(r, r.out, "id  name");
  EXPECT_HAS(r, r.out, "name-9");
  EXPECT_HAS(r, r.out, "{\"lat\": 1.5, \"city\": \"rome\"}");
  run_free(&r);
}

static void test_show_limit_columns(void) {
  run r = LFH("table", "show", NAME, "--bundle", g_bundle, "--limit", "4", "-o", "json",
              "--columns", "name,id");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 4);
  /* which 4 rows depends on the scan's file order; their shape does not */
  static const char first[] = "{\"name\":\"name-";
  CU_ASSERT_EQUAL(strncmp(r.out, first, sizeof first - 1), 0);
  EXPECT_HAS(r, r.out, "\",\"id\":");
  EXPECT_LACKS(r, r.out, "score");
  run_free(&r);

  r = LFH("table", "show", NAME, "--bundle", g_bundle, "--columns", "id,nope");
  EXPECT_STATUS(r, 2);
  EXPECT_HAS(r, r.err, "no column 'nope'");
  run_free(&r);
}

static void test_as_of(void) {
  char id[32], iso[64], ms[32];
  id_text(0, id, sizeof id);
  run r = LFH("table", "show", "--location", g_table, "--as-of", id, "-o", "json");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 3);
  run_free(&r);

  /* the time of snapshot 1 exactly, as ISO-8601 and as epoch ms */
  time_t secs = (time_t)(g_ts[1] / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(g_ts[1] % 1000));
  r = LFH("table", "show", "--location", g_table, "--as-of", iso, "-o", "csv");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 7);
  run_free(&r);
  snprintf(ms, sizeof ms, "%" PRId64, g_ts[1]);
  r = LFH("table", "show", "--location", g_table, "--as-of", ms, "-o", "json");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 6);
  run_free(&r);

  r = LFH("table", "show", "--location", g_table, "--as-of", "yesterday");
  EXPECT_STATUS(r, 2);
  EXPECT_HAS(r, r.err, "bad --as-of 'yesterday'");
  run_free(&r);
  r = LFH("table", "show", "--location", g_table, "--as-of", "2001-01-01T00:00:00Z");
  EXPECT_STATUS(r, 1);
  EXPECT_HAS(r, r.err, "has no snapshot as of 2001-01-01T00:00:00.000Z");
  run_free(&r);
  r = LFH("table", "show", "--location", g_table, "--as-of", "123456789012345678");
  EXPECT_STATUS(r, 1);
  EXPECT_HAS(r, r.err, "has no snapshot 123456789012345678");
  run_free(&r);
}

static void test_resolution(void) {
  char *uri = NULL;
  CU_ASSERT_TRUE(asprintf(&uri, "file://%s/", g_table) > 0);
  run r = LFH("table", "describe", "--location", uri, "-o", "json");
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, "\"total-records\": 10");
  run_free(&r);
  free(uri);

  r = LFH_IN(g_dir, "table", "history", NAME, "-o", "json"); /* ./databricks.yml */
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 3);
  run_free(&r);

  r = LFH("table", "show", "main.clickstream.nope", "--bundle", g_bundle);
  EXPECT_STATUS(r, 1);
  EXPECT_HAS(r, r.err, "Error: table main.clickstream.nope not found at file://");
  EXPECT_HAS(r, r.err, "/lake/main/clickstream/nope");
  run_free(&r);

  r = LFH("table", "describe", "--location", "/nonexistent-lfh/t");
  EXPECT_STATUS(r, 1);
  EXPECT_HAS(r, r.err, "not found at file:///nonexistent-lfh/t");
  run_free(&r);

  r = LFH("table", "describe", "--location", g_lake); /* a folder, but not a table */
  EXPECT_STATUS(r, 1);
  EXPECT_HAS(r, r.err, "not found at");
  run_free(&r);
}

static void test_usage(void) {
  static const char *const bad_names[] = {"main.events", "a..b", "a.b.c.d/e", ".a.b"};
  for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
    run r = LFH("table", "describe", bad_names[i], "--bundle", g_bundle);
    EXPECT_STATUS(r, 2);
    EXPECT_HAS(r, r.err, "bad table name");
    run_free(&r);
  }
  run r = LFH("table", "show");
  EXPECT_STATUS(r, 2);
  run_free(&r);
  r = LFH("table", "frob", NAME);
  EXPECT_STATUS(r, 2);
  run_free(&r);
  r = LFH("table", "show", NAME, "-o", "xml");
  EXPECT_STATUS(r, 2);
  run_free(&r);
  r = LFH("table", "show", NAME, "--limit", "-3");
  EXPECT_STATUS(r, 2);
  run_free(&r);
  static const char *const subs[] = {"describe", "history", "show", "optimize", "vacuum"};
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
    r = LFH("table", subs[i], "--help");
    EXPECT_STATUS(r, 0);
    EXPECT_HAS(r, r.out, "Usage: lfhost table ");
    run_free(&r);
  }
  r = LFH("help", "table");
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, "describe");
  run_free(&r);
}

/* Last: it rewrites the table. optimize sorts by the bundle's cluster_by (id) into one
 * file; vacuum then expires everything but that snapshot. */
static void test_maintenance(void) {
  run r = LFH("table", "optimize", NAME, "--bundle", g_bundle, "--file-rows", "0");
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, NAME ": compacted into snapshot ");
  run_free(&r);
  r = LFH("table", "show", NAME, "--bundle", g_bundle, "-o", "csv", "--columns", "id",
          "--limit", "0");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_STRING_EQUAL(r.out, "id\r\n0\r\n1\r\n2\r\n3\r\n4\r\n5\r\n6\r\n7\r\n8\r\n9\r\n");
  run_free(&r);
  r = LFH("table", "history", "--location", g_table, "-o", "json", "--limit", "1");
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, "\"operation\":\"replace\"");
  run_free(&r);

  r = LFH("table", "vacuum", NAME, "--bundle", g_bundle, "--older-than", "0s");
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, "expired 3 snapshot(s)");
  run_free(&r);
  r = LFH("table", "history", "--location", g_table, "-o", "json");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 1);
  run_free(&r);
  r = LFH("table", "show", "--location", g_table, "-o", "json");
  EXPECT_STATUS(r, 0);
  CU_ASSERT_EQUAL(count_lines(r.out), 10);
  run_free(&r);

  r = LFH("table", "vacuum", NAME, "--bundle", g_bundle, "--older-than", "soon");
  EXPECT_STATUS(r, 2);
  EXPECT_HAS(r, r.err, "--older-than expects an age");
  run_free(&r);
}

int main(void) {
  if (init_suite() != 0) {
    fprintf(stderr, "test_cli_table: cannot make a scratch folder\n");
    return 1;
  }
  static const lfh_test_case cases[] = {{"make the table", test_make_table},
                                        {"describe", test_describe},
                                        {"history", test_history},
                                        {"show formats", test_show_formats},
                                        {"show --limit --columns", test_show_limit_columns},
                                        {"--as-of", test_as_of},
                                        {"resolution", test_resolution},
                                        {"usage", test_usage},
                                        {"optimize/vacuum", test_maintenance},
                                        {NULL, NULL}};
  int rc = lfh_test_run("cli_table", cases);
  if (getenv("LFH_KEEP")) printf("kept %s\n", g_dir); /* to look at the table by hand */
  else lfh_test_rmtree(g_dir);
  free(g_dir);
  free(g_lake);
  free(g_table);
  free(g_bundle);
  return rc;
}
