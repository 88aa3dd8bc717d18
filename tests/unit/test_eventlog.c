/* test_eventlog — the event log on a real folder: every event type written, committed and
 * read back (raw scan and the query module), details as valid JSON in Lakeflow's shapes,
 * sequence and time ordering, one commit per flush and none for an empty one, reopening
 * and continuing, two writers on one table, the run history folded from the events. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eventlog/lfh_eventlog.h"
#include "eventlog/lfh_eventlog_query.h"
#include "lf/lf.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#define PREFIX "main/sales/clicks_event_log"

static char msg[1024];
static lf_error err;

static lf_error *e0(void) {
  lf_error_init(&err, msg, sizeof msg);
  return &err;
}

typedef struct fixture {
  char *dir;
  lfh_store *store;
} fixture;

static void fx_open(fixture *fx) {
  fx->dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(fx->dir);
  fx->store = lfh_store_open(fx->dir, e0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(fx->store);
}

static void fx_close(fixture *fx) {
  lfh_store_close(fx->store);
  lfh_test_rmtree(fx->dir);
  free(fx->dir);
}

static size_t n_snapshots(fixture *fx) {
  lfh_table *t = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(fx->store, PREFIX, &t, e0()), LF_OK);
  size_t n = lfh_table_metadata(t)->n_snapshots;
  lfh_table_close(t);
  return n;
}

/* A data_quality object as lfh_quality_metrics_json makes it. */
static json_t *dq_json(void) {
  return json_pack("{s:I, s:[{s:s, s:s, s:I, s:I}, {s:s, s:s, s:I, s:I}]}", "dropped_records",
                   (json_int_t)3, "expectations", "name", "valid_email", "dataset", "clicks",
                   "passed_records", (json_int_t)97, "failed_records", (json_int_t)3, "name",
                   "has_user", "dataset", "clicks", "passed_records", (json_int_t)100,
                   "failed_records", (json_int_t)0);
}

static const lfh_event_origin flow_origin = {"clicks.ingest", "ingest", "clicks"};

/* One whole update: 8 events. `fail` ends it FAILED instead of COMPLETED. */
static void write_update(lfh_eventlog *log, int fail, int64_t rows) {
  const char *sel[] = {"clicks"};
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_begin_update(log, "USER_ACTION", 1, sel, 1, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_update_progress(log, "INITIALIZING", NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_dataset_definition(log, "clicks", "streaming_table",
                                                  "id BIGINT, email STRING",
                                                  "file:///x/main/sales/clicks", e0()),
                  LF_OK);
  const char *inputs[] = {"autoloader:/landing/clicks"};
  json_t *extra = json_pack("{s:[s,s]}", "stages", "autoloader", "expectations");
  CU_ASSERT_EQUAL(lfh_eventlog_flow_definition(log, &flow_origin, inputs, 1, "clicks", extra,
                                               e0()),
                  LF_OK);
  json_decref(extra);
  CU_ASSERT_EQUAL(lfh_eventlog_update_progress(log, "RUNNING", NULL, e0()), LF_OK);
  json_t *dq = dq_json();
  lfh_flow_metrics m = {rows, rows + 3, 2, 4096, 1, 77, 0.25, 3, dq};
  CU_ASSERT_EQUAL(lfh_eventlog_flow_progress(log, &flow_origin, "RUNNING", &m, NULL, e0()),
                  LF_OK);
  json_decref(dq);
  CU_ASSERT_EQUAL(lfh_eventlog_flow_progress(log, &flow_origin, fail ? "FAILED" : "COMPLETED",
                                             NULL, fail ? "disk full" : NULL, e0()),
                  LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_update_progress(log, fail ? "FAILED" : "COMPLETED",
                                               fail ? "flow ingest failed: disk full" : NULL,
                                               e0()),
                  LF_OK);
}

static const lfh_event *find_type(const lfh_event_list *l, const char *type, size_t nth) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].event_type, type) == 0 && nth-- == 0) return &l->items[i];
  return NULL;
}

/* details parsed, checked to be {"<type>": {...}}; returns the inner object (owned by
 * *root, which the caller decrefs). */
static json_t *inner(const lfh_event *e, json_t **root) {
  json_error_t je;
  *root = json_loads(e->details, 0, &je);
  CU_ASSERT_PTR_NOT_NULL_FATAL(*root);
  CU_ASSERT_EQUAL(json_object_size(*root), 1);
  json_t *in = json_object_get(*root, e->event_type);
  CU_ASSERT_TRUE_FATAL(json_is_object(in));
  return in;
}

/* ------------------------------------------------------------ raw scan */

typedef struct raw_ctx {
  int64_t rows;
  int saw_columns;
} raw_ctx;

static int raw_batch(void *vctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  raw_ctx *c = vctx;
  static const char *const want[] = {"id", "sequence", "origin", "timestamp", "level",
                                     "maturity_level", "event_type", "message", "details",
                                     "error"};
  c->saw_columns = schema->n_children == 10;
  for (int64_t i = 0; c->saw_columns && i < schema->n_children; i++)
    if (strcmp(schema->children[i]->name, want[i]) != 0) c->saw_columns = 0;
  CU_ASSERT_STRING_EQUAL(schema->children[3]->format, "tsu:UTC");
  CU_ASSERT_EQUAL(schema->children[1]->n_children, 2);
  CU_ASSERT_EQUAL(schema->children[2]->n_children, 6);
  c->rows += batch->length;
  batch->release(batch);
  return 0;
}

static void test_every_type(void) {
  fixture fx;
  fx_open(&fx);
  lfh_eventlog *log = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(fx.store, PREFIX, "pid-1", "Clicks", &log, e0()),
                        LF_OK);
  CU_ASSERT_PTR_NULL(lfh_eventlog_update_id(log));
  write_update(log, 0, 100);
  CU_ASSERT_PTR_NOT_NULL_FATAL(lfh_eventlog_update_id(log));
  char uid[37];
  snprintf(uid, sizeof uid, "%s", lfh_eventlog_update_id(log));
  json_t *custom = json_pack("{s:{s:s}}", "user_action", "action", "START");
  CU_ASSERT_EQUAL(lfh_eventlog_emit(log, NULL, "WARN", "user_action", "started", custom, NULL,
                                    e0()),
                  LF_OK);
  json_decref(custom);
  CU_ASSERT_EQUAL(lfh_eventlog_pending(log), 9);
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_flush(log, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_pending(log), 0);
  lfh_eventlog_close(log);

  /* The table as any Iceberg reader sees it. */
  lfh_table *t = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(fx.store, PREFIX, &t, e0()), LF_OK);
  raw_ctx rc = {0, 0};
  lfh_scan_opts o;
  memset(&o, 0, sizeof o);
  CU_ASSERT_EQUAL(lfh_table_scan(t, &o, raw_batch, &rc, e0()), LF_OK);
  CU_ASSERT_EQUAL(rc.rows, 9);
  CU_ASSERT_TRUE(rc.saw_columns);
  lfh_table_close(t);

  lfh_event_list l = {0};
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_read(fx.store, PREFIX, NULL, &l, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(l.n, 9);
  for (size_t i = 0; i < l.n; i++) {
    json_t *root;
    json_t *in = inner(&l.items[i], &root);
    (void)in;
    json_decref(root);
    CU_ASSERT_EQUAL(strlen(l.items[i].id), 36);
    CU_ASSERT_EQUAL(l.items[i].id[14], '4');
    CU_ASSERT_STRING_EQUAL(l.items[i].update_id, uid);
    CU_ASSERT_STRING_EQUAL(l.items[i].pipeline_id, "pid-1");
    CU_ASSERT_STRING_EQUAL(l.items[i].pipeline_name, "Clicks");
    CU_ASSERT_STRING_EQUAL(l.items[i].maturity_level, "STABLE");
    for (size_t k = 0; k < i; k++) CU_ASSERT_STRING_NOT_EQUAL(l.items[k].id, l.items[i].id);
  }
  json_t *root;
  const lfh_event *e = find_type(&l, "create_update", 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  json_t *in = inner(e, &root);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(in, "cause")), "USER_ACTION");
  CU_ASSERT_TRUE(json_is_false(json_object_get(in, "full_refresh")));
  CU_ASSERT_STRING_EQUAL(
      json_string_value(json_array_get(json_object_get(in, "full_refresh_selection"), 0)),
      "clicks");
  json_decref(root);

  e = find_type(&l, "flow_progress", 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_STRING_EQUAL(e->flow_name, "ingest");
  CU_ASSERT_STRING_EQUAL(e->flow_id, "clicks.ingest");
  CU_ASSERT_STRING_EQUAL(e->dataset_name, "clicks");
  in = inner(e, &root);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(in, "status")), "RUNNING");
  json_t *metrics = json_object_get(in, "metrics");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(metrics, "num_output_rows")), 100);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(metrics, "num_input_rows")), 103);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(metrics, "epoch")), 1);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(metrics, "snapshot_id")), 77);
  json_t *dq = json_object_get(in, "data_quality");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(dq, "dropped_records")), 3);
  json_t *x0 = json_array_get(json_object_get(dq, "expectations"), 0);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(x0, "name")), "valid_email");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(x0, "dataset")), "clicks");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(x0, "passed_records")), 97);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(x0, "failed_records")), 3);
  CU_ASSERT_FALSE(e->has_error);
  json_decref(root);

  e = find_type(&l, "flow_definition", 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  in = inner(e, &root);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(in, "output_dataset")), "clicks");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(in, "input_datasets"),
                                                          0)),
                         "autoloader:/landing/clicks");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(in, "flow_type")), "APPEND");
  CU_ASSERT_EQUAL(json_array_size(json_object_get(in, "stages")), 2);
  json_decref(root);

  e = find_type(&l, "dataset_definition", 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_STRING_EQUAL(e->dataset_name, "clicks");
  in = inner(e, &root);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(in, "dataset_type")),
                         "STREAMING_TABLE");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(in, "schema_ddl")),
                         "id BIGINT, email STRING");
  json_decref(root);

  e = find_type(&l, "update_progress", 2);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  in = inner(e, &root);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(in, "state")), "COMPLETED");
  json_decref(root);
  e = find_type(&l, "user_action", 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_STRING_EQUAL(e->level, "WARN");
  CU_ASSERT_STRING_EQUAL(e->message, "started");
  lfh_event_list_free(&l);
  fx_close(&fx);
}

/* ------------------------------------------------------------ ordering, flushes */

static void test_order_and_flushes(void) {
  fixture fx;
  fx_open(&fx);
  lfh_eventlog *log = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(fx.store, PREFIX, "pid-1", "Clicks", &log, e0()),
                        LF_OK);
  size_t base = n_snapshots(&fx);
  CU_ASSERT_EQUAL(base, 0);
  CU_ASSERT_EQUAL(lfh_eventlog_flush(log, e0()), LF_OK); /* nothing: no commit */
  CU_ASSERT_EQUAL(n_snapshots(&fx), 0);
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_begin_update(log, "JOB_TASK", 0, NULL, 0, e0()), LF_OK);
  for (int i = 0; i < 5; i++) {
    lfh_flow_metrics m = {10, 10, 1, 100, i + 1, -1, 0.1, 0, NULL};
    for (int k = 0; k < 40; k++)
      CU_ASSERT_EQUAL(lfh_eventlog_flow_progress(log, &flow_origin, "RUNNING", &m, NULL, e0()),
                      LF_OK);
    CU_ASSERT_EQUAL(lfh_eventlog_flush(log, e0()), LF_OK);
    CU_ASSERT_EQUAL(n_snapshots(&fx), (size_t)i + 1);
    CU_ASSERT_EQUAL(lfh_eventlog_flush(log, e0()), LF_OK); /* again: nothing more */
    CU_ASSERT_EQUAL(n_snapshots(&fx), (size_t)i + 1);
  }
  lfh_eventlog_close(log);

  lfh_event_list l = {0};
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_read(fx.store, PREFIX, NULL, &l, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(l.n, 201);
  CU_ASSERT_STRING_EQUAL(l.items[0].event_type, "create_update");
  for (size_t i = 1; i < l.n; i++) {
    CU_ASSERT_EQUAL(l.items[i].seq_no, l.items[i - 1].seq_no + 1);
    CU_ASSERT_TRUE(l.items[i].timestamp_us >= l.items[i - 1].timestamp_us);
    CU_ASSERT_STRING_EQUAL(l.items[i].update_id, l.items[0].update_id);
  }
  /* The epochs in the details follow the flushes. */
  json_t *root;
  json_t *in = inner(&l.items[200], &root);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(in, "metrics"), "epoch")), 5);
  json_decref(root);
  /* Timestamps are µs since the epoch, UTC: within a minute of now. */
  CU_ASSERT_TRUE(l.items[0].timestamp_us > (int64_t)(time(NULL) - 60) * 1000000);
  CU_ASSERT_TRUE(l.items[0].timestamp_us < (int64_t)(time(NULL) + 60) * 1000000);
  lfh_event_list_free(&l);
  fx_close(&fx);
}

/* Closing without a flush drops the buffer; a reopened log continues the sequence. */
static void test_reopen_continue(void) {
  fixture fx;
  fx_open(&fx);
  lfh_eventlog *log = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(fx.store, PREFIX, "pid-1", "Clicks", &log, e0()),
                        LF_OK);
  write_update(log, 0, 100);
  CU_ASSERT_EQUAL(lfh_eventlog_flush(log, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_update_progress(log, "STOPPING", NULL, e0()), LF_OK);
  lfh_eventlog_close(log); /* the STOPPING event is lost, as documented */

  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(fx.store, PREFIX, "pid-1", "Clicks", &log, e0()),
                        LF_OK);
  CU_ASSERT_PTR_NULL(lfh_eventlog_update_id(log));
  write_update(log, 1, 50);
  char second[37];
  snprintf(second, sizeof second, "%s", lfh_eventlog_update_id(log));
  CU_ASSERT_EQUAL(lfh_eventlog_flush(log, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_flush(log, e0()), LF_OK);
  lfh_eventlog_close(log);
  CU_ASSERT_EQUAL(n_snapshots(&fx), 2);

  lfh_event_list l = {0};
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_read(fx.store, PREFIX, NULL, &l, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(l.n, 16);
  for (size_t i = 1; i < l.n; i++) CU_ASSERT_EQUAL(l.items[i].seq_no, (int64_t)i + 1);
  CU_ASSERT_STRING_EQUAL(l.items[8].update_id, second);
  CU_ASSERT_STRING_NOT_EQUAL(l.items[7].update_id, second);
  CU_ASSERT_STRING_EQUAL(lfh_event_list_latest_update(&l), second);
  const lfh_event *failed = find_type(&l, "update_progress", 5);
  CU_ASSERT_PTR_NOT_NULL_FATAL(failed);
  CU_ASSERT_STRING_EQUAL(failed->level, "ERROR");
  CU_ASSERT_TRUE(failed->has_error);
  CU_ASSERT_TRUE(failed->error_fatal);
  CU_ASSERT_STRING_EQUAL(failed->error_message, "flow ingest failed: disk full");

  /* Filters. */
  lfh_event_list f = {0};
  lfh_event_filter flt = {second, "flow_progress,create_update", NULL, NULL};
  CU_ASSERT_EQUAL(lfh_eventlog_read(fx.store, PREFIX, &flt, &f, e0()), LF_OK);
  CU_ASSERT_EQUAL(f.n, 3);
  CU_ASSERT_STRING_EQUAL(f.items[0].event_type, "create_update");
  lfh_event_list_free(&f);
  lfh_event_filter by_flow = {NULL, NULL, "ERROR", "ingest"};
  CU_ASSERT_EQUAL(lfh_eventlog_read(fx.store, PREFIX, &by_flow, &f, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(f.n, 1);
  CU_ASSERT_STRING_EQUAL(f.items[0].error_message, "disk full");
  lfh_event_list_free(&f);
  lfh_event_list_keep_last(&l, 3);
  CU_ASSERT_EQUAL(l.n, 3);
  CU_ASSERT_STRING_EQUAL(l.items[2].event_type, "update_progress");
  lfh_event_list_free(&l);
  fx_close(&fx);
}

/* ------------------------------------------------------------ runs */

static void test_runs(void) {
  fixture fx;
  fx_open(&fx);
  lfh_eventlog *log = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(fx.store, PREFIX, "pid-1", "Clicks", &log, e0()),
                        LF_OK);
  write_update(log, 0, 100);
  write_update(log, 1, 40);
  CU_ASSERT_EQUAL(lfh_eventlog_begin_update(log, "RETRY_ON_FAILURE", 0, NULL, 0, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_update_progress(log, "RUNNING", NULL, e0()), LF_OK);
  lfh_flow_metrics m = {7, 7, 1, 10, 1, 5, 0.1, 0, NULL};
  lfh_event_origin o2 = {"clicks.other", "other", "clicks"};
  CU_ASSERT_EQUAL(lfh_eventlog_flow_progress(log, &flow_origin, "RUNNING", &m, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_flow_progress(log, &o2, "RUNNING", &m, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_flow_progress(log, &o2, "RUNNING", &m, NULL, e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_eventlog_flush(log, e0()), LF_OK);
  lfh_eventlog_close(log);

  lfh_event_list l = {0};
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_read(fx.store, PREFIX, NULL, &l, e0()), LF_OK);
  lfh_run *runs = NULL;
  size_t n = 0;
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_runs(&l, &runs, &n, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(n, 3);
  CU_ASSERT_STRING_EQUAL(runs[0].state, "COMPLETED");
  CU_ASSERT_STRING_EQUAL(runs[0].cause, "USER_ACTION");
  CU_ASSERT_EQUAL(runs[0].rows_written, 100);
  CU_ASSERT_EQUAL(runs[0].dropped_records, 3);
  CU_ASSERT_EQUAL(runs[0].n_flows, 1);
  CU_ASSERT_PTR_NULL(runs[0].error);
  CU_ASSERT_TRUE(runs[0].end_us >= runs[0].start_us);
  CU_ASSERT_STRING_EQUAL(runs[0].pipeline_id, "pid-1");
  CU_ASSERT_STRING_EQUAL(runs[1].state, "FAILED");
  CU_ASSERT_EQUAL(runs[1].rows_written, 40);
  CU_ASSERT_STRING_EQUAL(runs[1].error, "flow ingest failed: disk full");
  CU_ASSERT_STRING_EQUAL(runs[2].state, "RUNNING");
  CU_ASSERT_STRING_EQUAL(runs[2].cause, "RETRY_ON_FAILURE");
  CU_ASSERT_EQUAL(runs[2].end_us, -1);
  CU_ASSERT_EQUAL(runs[2].rows_written, 21);
  CU_ASSERT_EQUAL(runs[2].n_flows, 2);
  CU_ASSERT_TRUE(runs[1].start_us >= runs[0].end_us);
  lfh_runs_free(runs, n);
  lfh_event_list_free(&l);
  fx_close(&fx);
}

/* Two writers (a deploy and a run, say) on one table: both commit, nothing is lost. */
static void test_two_writers(void) {
  fixture fx;
  fx_open(&fx);
  lfh_eventlog *a = NULL, *b = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(fx.store, PREFIX, "pid-1", "Clicks", &a, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(fx.store, PREFIX, "pid-1", "Clicks", &b, e0()), LF_OK);
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(lfh_eventlog_emit(a, NULL, "INFO", "a_event", "a", NULL, NULL, e0()), LF_OK);
    CU_ASSERT_EQUAL(lfh_eventlog_emit(b, NULL, "INFO", "b_event", "b", NULL, NULL, e0()), LF_OK);
    CU_ASSERT_EQUAL(lfh_eventlog_flush(a, e0()), LF_OK);
    CU_ASSERT_EQUAL(lfh_eventlog_flush(b, e0()), LF_OK);
  }
  lfh_eventlog_close(a);
  lfh_eventlog_close(b);
  lfh_event_list l = {0};
  lfh_event_filter f = {NULL, "a_event", NULL, NULL};
  CU_ASSERT_EQUAL(lfh_eventlog_read(fx.store, PREFIX, &f, &l, e0()), LF_OK);
  CU_ASSERT_EQUAL(l.n, 3);
  CU_ASSERT_STRING_EQUAL(l.items[0].details, "{}");
  lfh_event_list_free(&l);
  CU_ASSERT_EQUAL(lfh_eventlog_read(fx.store, PREFIX, NULL, &l, e0()), LF_OK);
  CU_ASSERT_EQUAL(l.n, 6);
  lfh_event_list_free(&l);
  CU_ASSERT_EQUAL(n_snapshots(&fx), 6);
  fx_close(&fx);
}

static void test_errors(void) {
  fixture fx;
  fx_open(&fx);
  lfh_event_list l = {0};
  CU_ASSERT_EQUAL(lfh_eventlog_read(fx.store, PREFIX, NULL, &l, e0()), LF_ERR_NOT_FOUND);
  lfh_eventlog *log = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_eventlog_open(fx.store, PREFIX, NULL, NULL, &log, e0()), LF_OK);
  json_t *arr = json_array();
  CU_ASSERT_EQUAL(lfh_eventlog_emit(log, NULL, "INFO", "x", "m", arr, NULL, e0()),
                  LF_ERR_INVALID);
  json_decref(arr);
  CU_ASSERT_EQUAL(lfh_eventlog_emit(log, NULL, "INFO", "", "m", NULL, NULL, e0()),
                  LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lfh_eventlog_pending(log), 0);
  lfh_eventlog_close(log);
  /* The table exists now and is empty. */
  CU_ASSERT_EQUAL(lfh_eventlog_read(fx.store, PREFIX, NULL, &l, e0()), LF_OK);
  CU_ASSERT_EQUAL(l.n, 0);
  lfh_event_list_free(&l);
  fx_close(&fx);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"every event type round trip", test_every_type},
      {"ordering, one commit per flush", test_order_and_flushes},
      {"reopen and continue, filters", test_reopen_continue},
      {"run history", test_runs},
      {"two writers on one table", test_two_writers},
      {"errors", test_errors},
      {NULL, NULL}};
  return lfh_test_run("eventlog", cases);
}
