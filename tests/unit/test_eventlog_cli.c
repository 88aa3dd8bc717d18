/*
 * test_eventlog_cli — `lfhost events` and `lfhost runs` (the built binary) on a bundle of
 * three pipelines whose event logs are written here through the module API:
 *   clicks: update 1 COMPLETED (100 rows, 3 dropped), update 2 FAILED (40 rows);
 *   orders: one COMPLETED update (5 rows);   empty: no event log at all.
 * Text and JSON outputs are parsed and checked against what was written; filters,
 * --limit, update prefixes and 'latest', and the errors with their hints.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eventlog/lfh_eventlog.h"
#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"

#ifndef LFHOST_EXE
#error "LFHOST_EXE must name the built lfhost executable"
#endif

static char *g_dir, *g_lake, *g_bundle;
static char g_upd[3][37]; /* clicks 1, clicks 2, orders */
static char msg[1024];
static lf_error err;

static lf_error *e0(void) {
  lf_error_init(&err, msg, sizeof msg);
  return &err;
}

/* ------------------------------------------------------------ the logs */

static void one_update(lfh_eventlog *log, const char *flow, const char *dataset, int fail,
                       int64_t rows, int64_t dropped, char *id_out) {
  char fid[128];
  snprintf(fid, sizeof fid, "x.%s", flow);
  lfh_event_origin o = {fid, flow, dataset};
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_begin_update(log, "USER_ACTION", 0, NULL, 0, e0()), LF_OK);
  snprintf(id_out, 37, "%s", lfh_eventlog_update_id(log));
  CU_ASSERT_EQUAL(lfh_eventlog_update_progress(log, "INITIALIZING", NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_dataset_definition(log, dataset, "streaming_table", "id BIGINT",
                                                  NULL, e0()),
                  LF_OK);
  const char *in[] = {"landing"};
  CU_ASSERT_EQUAL(lfh_eventlog_flow_definition(log, &o, in, 1, dataset, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_update_progress(log, "RUNNING", NULL, e0()), LF_OK);
  json_t *dq = json_pack("{s:I, s:[{s:s, s:s, s:I, s:I}]}", "dropped_records",
                         (json_int_t)dropped, "expectations", "name", "valid_id", "dataset",
                         dataset, "passed_records", (json_int_t)rows, "failed_records",
                         (json_int_t)dropped);
  lfh_flow_metrics m = {rows, rows + dropped, 1, 1000, 1, 42, 0.5, dropped, dq};
  CU_ASSERT_EQUAL(lfh_eventlog_flow_progress(log, &o, "RUNNING", &m, NULL, e0()), LF_OK);
  json_decref(dq);
  CU_ASSERT_EQUAL(lfh_eventlog_flow_progress(log, &o, fail ? "FAILED" : "COMPLETED", NULL,
                                             fail ? "bad file" : NULL, e0()),
                  LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_update_progress(log, fail ? "FAILED" : "COMPLETED",
                                               fail ? "flow failed: bad file" : NULL, e0()),
                  LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_flush(log, e0()), LF_OK);
}

static void test_make_logs(void) {
  lfh_store *st = lfh_store_open(g_lake, e0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  lfh_eventlog *log = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(st, "main/sales/clicks_event_log", "pid-c", "Clicks",
                                          &log, e0()),
                        LF_OK);
  one_update(log, "ingest", "clicks", 0, 100, 3, g_upd[0]);
  one_update(log, "ingest", "clicks", 1, 40, 0, g_upd[1]);
  lfh_eventlog_close(log);
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(st, "main/sales/orders_event_log", "pid-o", "Orders",
                                          &log, e0()),
                        LF_OK);
  one_update(log, "load", "orders", 0, 5, 0, g_upd[2]);
  lfh_eventlog_close(log);
  lfh_store_close(st);
}

static int init_suite(void) {
  g_dir = lfh_test_tmpdir();
  if (!g_dir || asprintf(&g_lake, "%s/lake", g_dir) < 0) return -1;
  const char *yml =
      "bundle:\n  name: t\n"
      "resources:\n  pipelines:\n"
      "    clicks:\n      name: Clicks\n      catalog: main\n      schema: sales\n"
      "      storage: lake\n"
      "      datasets:\n        clicks:\n          type: streaming_table\n"
      "    orders:\n      name: Orders\n      catalog: main\n      schema: sales\n"
      "      storage: lake\n"
      "      datasets:\n        orders:\n          type: streaming_table\n"
      "    empty:\n      name: Empty\n      catalog: main\n      schema: other\n"
      "      storage: lake\n"
      "      datasets:\n        nothing:\n          type: streaming_table\n";
  g_bundle = lfh_test_write(g_dir, "databricks.yml", yml);
  return g_bundle ? 0 : -1;
}

static int clean_suite(void) {
  if (g_dir && getenv("LFH_TEST_KEEP")) fprintf(stderr, "kept %s\n", g_dir); /* debugging */
  else if (g_dir) lfh_test_rmtree(g_dir);
  free(g_dir);
  free(g_lake);
  free(g_bundle);
  return 0;
}

/* ------------------------------------------------------------ running lfhost */

typedef lfh_test_proc run;

static void run_free(run *r) { lfh_test_proc_free(r); }

static run lfh(const char *const *args) {
  const char *argv[32];
  size_t n = 0;
  argv[n++] = LFHOST_EXE;
  for (; *args && n < 31; args++) argv[n++] = *args;
  argv[n] = NULL;
  return lfh_test_exec(g_dir, NULL, argv);
}

#define LFH(...) lfh((const char *const[]){__VA_ARGS__, NULL})

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

/* The output's lines (modified in place); at most `cap`. */
static size_t split_lines(char *s, char **lines, size_t cap) {
  size_t n = 0;
  for (char *save = NULL, *l = strtok_r(s, "\n", &save); l && n < cap;
       l = strtok_r(NULL, "\n", &save))
    lines[n++] = l;
  return n;
}

/* Every stdout line parsed as a JSON object into objs (caller decrefs); returns count. */
static size_t parse_ndjson(const run *r, json_t **objs, size_t cap) {
  char *copy = strdup(r->out), *lines[256];
  size_t n = split_lines(copy, lines, 256), k = 0;
  for (size_t i = 0; i < n && k < cap; i++) {
    json_error_t je;
    json_t *j = json_loads(lines[i], 0, &je);
    if (!json_is_object(j)) {
      fprintf(stderr, "not a JSON object: [%s]\n", lines[i]);
      CU_FAIL("line is not JSON");
      json_decref(j);
      continue;
    }
    objs[k++] = j;
  }
  free(copy);
  return k;
}

static void free_objs(json_t **objs, size_t n) {
  for (size_t i = 0; i < n; i++) json_decref(objs[i]);
}

/* ------------------------------------------------------------ events */

static void test_events_text(void) {
  run r = LFH("events", g_bundle, "--pipeline", "clicks");
  EXPECT_STATUS(r, 0);
  char *lines[64];
  size_t n = split_lines(r.out, lines, 64);
  CU_ASSERT_EQUAL(n, 16);
  /* timestamp, level, event type, origin, message. */
  char ts[64], level[16], type[32], origin[64];
  CU_ASSERT_EQUAL(sscanf(lines[0], "%63s %15s %31s %63s", ts, level, type, origin), 4);
  CU_ASSERT_EQUAL(strlen(ts), 24);
  CU_ASSERT_EQUAL(ts[23], 'Z');
  CU_ASSERT_STRING_EQUAL(type, "create_update");
  EXPECT_HAS(r, lines[0], "started by USER_ACTION");
  CU_ASSERT_EQUAL(sscanf(lines[5], "%63s %15s %31s %63s", ts, level, type, origin), 4);
  CU_ASSERT_STRING_EQUAL(type, "flow_progress");
  CU_ASSERT_STRING_EQUAL(origin, "ingest");
  EXPECT_HAS(r, lines[5], "wrote 100 rows (3 dropped)");
  CU_ASSERT_EQUAL(sscanf(lines[14], "%63s %15s %31s", ts, level, type), 3);
  CU_ASSERT_STRING_EQUAL(level, "ERROR");
  EXPECT_HAS(r, lines[14], "Error: bad file");
  run_free(&r);

  /* Every pipeline: both logs, the pipeline named in the origin; no error for `empty`. */
  r = LFH("events", g_bundle, "--type", "create_update");
  EXPECT_STATUS(r, 0);
  n = split_lines(r.out, lines, 64);
  CU_ASSERT_EQUAL(n, 3);
  EXPECT_HAS(r, lines[2], "Orders/-");
  run_free(&r);

  r = LFH("events", g_bundle, "-p", "clicks", "--level", "ERROR", "--flow", "ingest");
  EXPECT_STATUS(r, 0);
  n = split_lines(r.out, lines, 64);
  CU_ASSERT_EQUAL(n, 1);
  run_free(&r);
}

static void test_events_json(void) {
  run r = LFH("events", g_bundle, "-p", "clicks", "--type", "flow_progress", "-o", "json");
  EXPECT_STATUS(r, 0);
  json_t *objs[64];
  size_t n = parse_ndjson(&r, objs, 64);
  CU_ASSERT_EQUAL_FATAL(n, 4);
  /* An expectation report from flow_progress alone. */
  json_t *first = objs[0];
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(first, "event_type")),
                         "flow_progress");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(first, "sequence"),
                                                           "update_id")),
                         g_upd[0]);
  json_t *origin = json_object_get(first, "origin");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(origin, "pipeline_id")), "pid-c");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(origin, "flow_name")), "ingest");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(origin, "dataset_name")), "clicks");
  json_t *fp = json_object_get(json_object_get(first, "details"), "flow_progress");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(fp, "metrics"),
                                                     "num_output_rows")),
                  100);
  json_t *x = json_array_get(json_object_get(json_object_get(fp, "data_quality"),
                                             "expectations"), 0);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(x, "name")), "valid_id");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(x, "passed_records")), 100);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(x, "failed_records")), 3);
  CU_ASSERT_TRUE(json_is_null(json_object_get(first, "error")));
  json_t *failed = objs[3];
  json_t *e = json_object_get(failed, "error");
  CU_ASSERT_TRUE(json_is_true(json_object_get(e, "fatal")));
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "message")), "bad file");
  const char *ts = json_string_value(json_object_get(first, "timestamp"));
  CU_ASSERT_TRUE(ts && strlen(ts) == 27 && ts[26] == 'Z');
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(first, "maturity_level")), "STABLE");
  free_objs(objs, n);
  run_free(&r);

  /* Lineage from flow_definition. */
  r = LFH("events", g_bundle, "-p", "orders", "--type", "flow_definition", "-o", "json");
  EXPECT_STATUS(r, 0);
  n = parse_ndjson(&r, objs, 64);
  CU_ASSERT_EQUAL_FATAL(n, 1);
  json_t *fd = json_object_get(json_object_get(objs[0], "details"), "flow_definition");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(fd, "output_dataset")), "orders");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(fd, "input_datasets"),
                                                          0)),
                         "landing");
  free_objs(objs, n);
  run_free(&r);
}

static void test_events_update(void) {
  json_t *objs[64];
  run r = LFH("events", g_bundle, "-p", "clicks", "--update", "latest", "-o", "json");
  EXPECT_STATUS(r, 0);
  size_t n = parse_ndjson(&r, objs, 64);
  CU_ASSERT_EQUAL(n, 8);
  for (size_t i = 0; i < n; i++)
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(objs[i], "origin"),
                                                             "update_id")),
                           g_upd[1]);
  free_objs(objs, n);
  run_free(&r);

  char prefix[9];
  snprintf(prefix, sizeof prefix, "%.8s", g_upd[0]);
  r = LFH("events", g_bundle, "-p", "clicks", "-u", prefix, "-o", "json", "--limit", "2");
  EXPECT_STATUS(r, 0);
  n = parse_ndjson(&r, objs, 64);
  CU_ASSERT_EQUAL(n, 2);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(objs[1], "event_type")),
                         "update_progress");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(
                             json_object_get(objs[1], "details"), "update_progress"), "state")),
                         "COMPLETED");
  free_objs(objs, n);
  run_free(&r);

  r = LFH("events", g_bundle, "-p", "clicks", "--update", "0000-nope");
  EXPECT_STATUS(r, 1);
  EXPECT_HAS(r, r.err, "no update '0000-nope'");
  EXPECT_HAS(r, r.err, "lfhost runs --pipeline clicks");
  CU_ASSERT_STRING_EQUAL(r.out, "");
  run_free(&r);
}

static void test_errors(void) {
  run r = LFH("events", g_bundle, "--pipeline", "clickz");
  EXPECT_STATUS(r, 1);
  EXPECT_HAS(r, r.err, "no pipeline 'clickz'");
  EXPECT_HAS(r, r.err, "did you mean 'clicks'?");
  EXPECT_HAS(r, r.err, "clicks, orders, empty");
  run_free(&r);

  r = LFH("runs", g_bundle, "--pipeline", "empty");
  EXPECT_STATUS(r, 1);
  EXPECT_HAS(r, r.err, "pipeline 'empty' has no event log yet");
  EXPECT_HAS(r, r.err, "main.other.empty_event_log");
  EXPECT_HAS(r, r.err, "lfhost deploy");
  run_free(&r);

  r = LFH("events", g_bundle, "-o", "yaml");
  EXPECT_STATUS(r, 2);
  run_free(&r);
  r = LFH("runs", g_bundle, "--type", "x");
  EXPECT_STATUS(r, 2);
  EXPECT_HAS(r, r.err, "not of 'lfhost runs'");
  run_free(&r);
  r = LFH("events", g_bundle, "--limit", "-3");
  EXPECT_STATUS(r, 2);
  run_free(&r);

  char *bad = NULL;
  CU_ASSERT_TRUE_FATAL(asprintf(&bad, "%s/nope.yml", g_dir) > 0);
  r = LFH("events", bad);
  EXPECT_STATUS(r, 1);
  run_free(&r);
  free(bad);

  r = LFH("events", "--help");
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, "Usage: lfhost events");
  EXPECT_HAS(r, r.out, "--update");
  run_free(&r);
  r = LFH("help", "runs");
  EXPECT_STATUS(r, 0);
  EXPECT_HAS(r, r.out, "Usage: lfhost runs");
  run_free(&r);
}

/* ------------------------------------------------------------ runs */

static void test_runs_text(void) {
  run r = LFH("runs", g_bundle, "-p", "clicks");
  EXPECT_STATUS(r, 0);
  char *lines[16];
  size_t n = split_lines(r.out, lines, 16);
  CU_ASSERT_EQUAL_FATAL(n, 3);
  EXPECT_HAS(r, lines[0], "UPDATE");
  EXPECT_HAS(r, lines[0], "STATE");
  char id[64], cause[32], start[64], dur[32], state[32];
  long long rows, flows, dropped;
  CU_ASSERT_EQUAL(sscanf(lines[1], "%63s %31s %63s %31s %31s %lld %lld %lld", id, cause, start,
                         dur, state, &rows, &flows, &dropped),
                  8);
  CU_ASSERT_STRING_EQUAL(id, g_upd[0]);
  CU_ASSERT_STRING_EQUAL(cause, "USER_ACTION");
  CU_ASSERT_STRING_EQUAL(state, "COMPLETED");
  CU_ASSERT_EQUAL(rows, 100);
  CU_ASSERT_EQUAL(flows, 1);
  CU_ASSERT_EQUAL(dropped, 3);
  CU_ASSERT_EQUAL(dur[strlen(dur) - 1], 's');
  CU_ASSERT_EQUAL(sscanf(lines[2], "%63s %31s %63s %31s %31s %lld", id, cause, start, dur, state,
                         &rows),
                  6);
  CU_ASSERT_STRING_EQUAL(id, g_upd[1]);
  CU_ASSERT_STRING_EQUAL(state, "FAILED");
  CU_ASSERT_EQUAL(rows, 40);
  EXPECT_HAS(r, lines[2], "flow failed: bad file");
  run_free(&r);

  /* All pipelines: a PIPELINE column; --limit keeps the newest. */
  r = LFH("runs", g_bundle, "--limit", "1");
  EXPECT_STATUS(r, 0);
  n = split_lines(r.out, lines, 16);
  CU_ASSERT_EQUAL_FATAL(n, 2);
  EXPECT_HAS(r, lines[0], "PIPELINE");
  CU_ASSERT_TRUE(strncmp(lines[1], "Orders", 6) == 0);
  run_free(&r);
}

static void test_runs_json(void) {
  run r = LFH("runs", g_bundle, "-o", "json");
  EXPECT_STATUS(r, 0);
  json_t *objs[16];
  size_t n = parse_ndjson(&r, objs, 16);
  CU_ASSERT_EQUAL_FATAL(n, 3);
  const char *want_state[] = {"COMPLETED", "FAILED", "COMPLETED"};
  const json_int_t want_rows[] = {100, 40, 5};
  for (size_t i = 0; i < 3; i++) {
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(objs[i], "update_id")), g_upd[i]);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(objs[i], "state")), want_state[i]);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(objs[i], "rows_written")), want_rows[i]);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(objs[i], "flows")), 1);
    CU_ASSERT_TRUE(json_real_value(json_object_get(objs[i], "duration_seconds")) >= 0);
    CU_ASSERT_TRUE(json_is_string(json_object_get(objs[i], "end")));
  }
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(objs[2], "pipeline_name")), "Orders");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(objs[0], "dropped_records")), 3);
  CU_ASSERT_TRUE(json_is_null(json_object_get(objs[0], "error")));
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(objs[1], "error")),
                         "flow failed: bad file");
  free_objs(objs, n);
  run_free(&r);
}

int main(void) {
  if (init_suite() != 0) {
    fprintf(stderr, "cannot set up the bundle\n");
    return 1;
  }
  static const lfh_test_case cases[] = {{"write the logs", test_make_logs},
                                        {"events text", test_events_text},
                                        {"events json", test_events_json},
                                        {"events --update", test_events_update},
                                        {"errors and help", test_errors},
                                        {"runs text", test_runs_text},
                                        {"runs json", test_runs_json},
                                        {NULL, NULL}};
  int rc = lfh_test_run("eventlog_cli", cases);
  clean_suite();
  return rc;
}
