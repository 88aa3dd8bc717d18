/* test_engine — updates of a real pipeline through the real loader: the fixture plugin
 * lft_engine.so (tests/plugins) and lf_quality.so, tables on local disk. Exactly-once
 * after a failure at every step of the checkpoint protocol, replays, full refresh,
 * refresh selection, hashers, expectations with quarantine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/lfh_engine.h"
#include "engine/lfh_pipeline.h"
#include "engine/lfh_session.h"
#include "lf/lf.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#define PLUGDIR LFH_BINARY_DIR "/tests/engine-plugins"

static char *g_dir;

static void write_file(const char *name, const char *text) {
  char *p = lfh_test_write(g_dir, name, text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  free(p);
}

static void set_limit(long n) {
  char t[32];
  snprintf(t, sizeof t, "%ld\n", n);
  write_file("limit", t);
}

static char *bundle_text(void) {
  char *t = NULL;
  int n = asprintf(&t,
      "bundle: {name: eng, plugin_path: [\"%s\"]}\n"
      "workspace: {root_path: \"%s/root\"}\n"
      "resources:\n"
      "  pipelines:\n"
      "    p:\n"
      "      name: p\n"
      "      libraries: [{plugin: lft_engine}]\n"
      "      datasets:\n"
      "        raw:\n"
      "          type: streaming_table\n"
      "          expectations:\n"
      "            - {name: has_email, expr: \"email IS NOT NULL\", on_violation: drop, quarantine: true}\n"
      "        counted: {type: streaming_table}\n"
      "      flows:\n"
      "        ingest:\n"
      "          target: raw\n"
      "          source: {stage: test_seq, options: {limit_file: \"%s/limit\", rows_per_plan: 10}}\n"
      "          transforms: [{stage: test_fail, options: {fail_file: \"%s/fail\"}}]\n"
      "          hashers: [{stage: test_rev, columns: [payload]}]\n"
      "        count:\n"
      "          target: counted\n"
      "          source: {table: raw}\n"
      "          transforms: [{stage: test_count}]\n",
      PLUGDIR, g_dir, g_dir, g_dir);
  return n < 0 ? NULL : t;
}

typedef struct run_ctx {
  lfh_session s;
  lfh_pipeline *p;
} run_ctx;

static void open_run(run_ctx *r) {
  char *text = bundle_text();
  write_file("bundle.yml", text);
  free(text);
  char path[4096];
  snprintf(path, sizeof path, "%s/bundle.yml", g_dir);
  lfh_bundle_opts o = {.path = path};
  int rc = lfh_session_open(&o, &r->s);
  if (rc != 0) lfh_session_report(&r->s, stderr, 0);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  lfh_diags d;
  lfh_diags_init(&d);
  rc = lfh_pipeline_from_bundle(r->s.bundle, "p", &r->p, &d);
  if (rc == 0) rc = lfh_pipeline_wire(r->p, r->s.reg, &d);
  if (rc != 0) lfh_diags_print(&d, LFH_OUT_TEXT, stderr);
  lfh_diags_free(&d);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void close_run(run_ctx *r) {
  lfh_pipeline_free(r->p);
  lfh_session_close(&r->s);
}

/* One update with fresh instances (as a new process would have). */
static int update(const lfh_run_opts *extra, lfh_update_result *res) {
  run_ctx r;
  memset(&r, 0, sizeof r);
  open_run(&r);
  lfh_run_opts o = {.continuous = -1, .sp = &r.s.sp};
  if (extra) o = *extra, o.sp = &r.s.sp;
  int rc = lfh_engine_run(r.p, r.s.reg, &o, res);
  if (rc != 0 && getenv("LFT_VERBOSE")) fprintf(stderr, "\nupdate: %s\n", res->error);
  close_run(&r);
  return rc;
}

/* ------------------------------------------------------------ reading tables back */

typedef struct ids {
  int64_t *v;
  size_t n, cap;
  int64_t seq_sum, seq_max;
  int bad_payload;
  const char *col;
} ids;

static int collect(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *b) {
  ids *x = ctx;
  lf_view v, c;
  char m[256];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  if (lf_view_init(&v, schema, b, &e) != LF_OK) return lf_array_release(b), 1;
  for (int64_t k = 0; k < lf_view_n_children(&v); k++) {
    lf_view_child(&v, k, &c);
    const char *nm = lf_view_name(&c);
    for (int64_t i = 0; i < c.length; i++) {
      if (!strcmp(nm, "id")) {
        if (x->n == x->cap) x->v = realloc(x->v, (x->cap = x->cap * 2 + 64) * sizeof *x->v);
        x->v[x->n++] = lf_view_int64(&c, i);
      } else if (!strcmp(nm, "seq")) {
        int64_t s = lf_view_int64(&c, i);
        x->seq_sum += s;
        if (s > x->seq_max) x->seq_max = s;
      } else if (!strcmp(nm, "payload_rev")) {
        size_t len = 0;
        const char *s = lf_view_utf8(&c, i, &len);
        if (len < 5 || strncmp(s + len - 4, "-wor", 4) != 0) x->bad_payload++;
      } else if (!strcmp(nm, "payload")) {
        x->bad_payload++; /* the hasher must have dropped the clear text */
      }
    }
  }
  lf_array_release(b);
  return 0;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static void read_table(const char *name, ids *x) {
  memset(x, 0, sizeof *x);
  char m[512], root[4096];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  snprintf(root, sizeof root, "%s/root/lakehouse", g_dir);
  lfh_store *s = lfh_store_open(root, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  char prefix[256];
  snprintf(prefix, sizeof prefix, "main/default/%s", name);
  lfh_table *t = NULL;
  int rc = lfh_table_open(s, prefix, &t, &e);
  CU_ASSERT_EQUAL(rc, LF_OK);
  lfh_scan_opts so = {0};
  if (rc == LF_OK) rc = lfh_table_scan(t, &so, collect, x, &e);
  if (rc != LF_OK) fprintf(stderr, "\nscan %s: %s\n", name, m);
  CU_ASSERT_EQUAL(rc, LF_OK);
  lfh_table_close(t);
  lfh_store_close(s);
  qsort(x->v, x->n, sizeof *x->v, cmp64);
}

/* raw holds ids 0..n-1 except id%7==3 exactly once; the quarantine those; counted what
 * raw holds, with seq 1..count. */
static void check_exactly_once(long n, int with_counted) {
  ids raw, q, c;
  read_table("raw", &raw);
  read_table("raw_quarantine", &q);
  size_t want = 0, want_q = 0, bad = 0;
  for (long i = 0; i < n; i++) *(i % 7 == 3 ? &want_q : &want) += 1;
  CU_ASSERT_EQUAL(raw.n, want);
  CU_ASSERT_EQUAL(q.n, want_q);
  for (size_t i = 0, k = 0; i < raw.n; i++, k++) {
    if (k % 7 == 3) k++;
    if (raw.v[i] != (int64_t)k) bad++;
  }
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT_EQUAL(raw.bad_payload, 0);
  if (raw.n != want || bad) fprintf(stderr, "\nraw: %zu rows, want %zu, %zu misplaced\n", raw.n, want, bad);
  if (with_counted) {
    read_table("counted", &c);
    CU_ASSERT_EQUAL(c.n, raw.n);
    bad = 0;
    for (size_t i = 0; i < c.n && i < raw.n; i++) bad += c.v[i] != raw.v[i];
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(c.seq_max, (int64_t)c.n);
    CU_ASSERT_EQUAL(c.seq_sum, (int64_t)c.n * ((int64_t)c.n + 1) / 2);
    free(c.v);
  }
  free(raw.v);
  free(q.v);
}

static void fresh_dir(void) {
  if (g_dir) lfh_test_rmtree(g_dir), free(g_dir);
  g_dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(g_dir);
}

/* ------------------------------------------------------------ tests */

static void test_triggered(void) {
  fresh_dir();
  set_limit(35);
  lfh_update_result res;
  CU_ASSERT_EQUAL_FATAL(update(NULL, &res), 0);
  CU_ASSERT_EQUAL(res.state, LFH_UPDATE_COMPLETED);
  /* ingest: 4 epochs (10, 10, 10, 5); count: 1 epoch over all of raw */
  CU_ASSERT_EQUAL(res.epochs, 5);
  check_exactly_once(35, 1);
  /* Nothing new: nothing committed. */
  CU_ASSERT_EQUAL(update(NULL, &res), 0);
  CU_ASSERT_EQUAL(res.epochs, 0);
  /* More rows arrive: only they are read. */
  set_limit(52);
  CU_ASSERT_EQUAL(update(NULL, &res), 0);
  CU_ASSERT_EQUAL(res.epochs, 3);
  check_exactly_once(52, 1);
}

static const char *g_fault_flow, *g_fault_step;
static uint64_t g_fault_epoch;

static int fault(const char *flow, const char *step, uint64_t epoch) {
  return g_fault_flow && !strcmp(flow, g_fault_flow) && !strcmp(step, g_fault_step) &&
         epoch == g_fault_epoch;
}

static void test_faults(void) {
  static const char *const steps[] = {"planned", "read", "state", "committed"};
  static const char *const flows[] = {"ingest", "count"};
  lfh_engine_fault_hook = fault;
  for (size_t fl = 0; fl < 2; fl++) {
    for (size_t s = 0; s < 4; s++) {
      fresh_dir();
      set_limit(23);
      lfh_update_result res;
      g_fault_flow = flows[fl];
      g_fault_step = steps[s];
      g_fault_epoch = fl == 0 ? 2 : 1;
      CU_ASSERT_EQUAL(update(NULL, &res), -1);
      CU_ASSERT_EQUAL(res.state, LFH_UPDATE_FAILED);
      CU_ASSERT_PTR_NOT_NULL(strstr(res.error, steps[s]));
      /* more data arrives while it is down */
      set_limit(41);
      g_fault_flow = NULL;
      CU_ASSERT_EQUAL(update(NULL, &res), 0);
      if (res.state != LFH_UPDATE_COMPLETED) fprintf(stderr, "\n%s\n", res.error);
      check_exactly_once(41, 1);
    }
  }
  lfh_engine_fault_hook = NULL;
}

static void test_stage_failure(void) {
  fresh_dir();
  set_limit(15);
  write_file("fail", "x");
  lfh_update_result res;
  CU_ASSERT_EQUAL(update(NULL, &res), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(res.error, "injected failure"));
  CU_ASSERT_PTR_NOT_NULL(strstr(res.error, "test_fail"));
  CU_ASSERT_PTR_NOT_NULL(strstr(res.error, "ingest"));
  char f[4096];
  snprintf(f, sizeof f, "%s/fail", g_dir);
  unlink(f);
  CU_ASSERT_EQUAL(update(NULL, &res), 0);
  check_exactly_once(15, 1);
}

static void test_refresh(void) {
  fresh_dir();
  set_limit(20);
  lfh_update_result res;
  CU_ASSERT_EQUAL_FATAL(update(NULL, &res), 0);
  /* --refresh raw: only ingest runs; counted does not see the new rows yet. */
  set_limit(30);
  const char *sel[] = {"raw"};
  lfh_run_opts o = {.continuous = -1, .refresh = sel, .n_refresh = 1};
  CU_ASSERT_EQUAL(update(&o, &res), 0);
  CU_ASSERT_EQUAL(res.epochs, 1);
  check_exactly_once(30, 0);
  ids c;
  read_table("counted", &c);
  CU_ASSERT_EQUAL(c.n, 17); /* 20 rows minus 3 quarantined */
  free(c.v);
  /* Full refresh of everything: tables start over, every row once. */
  lfh_run_opts fr = {.continuous = -1, .full_refresh_all = 1};
  CU_ASSERT_EQUAL(update(&fr, &res), 0);
  check_exactly_once(30, 1);
  /* Full refresh of raw and counted again, then a normal run: still once. */
  const char *both[] = {"raw", "counted"};
  lfh_run_opts fr2 = {.continuous = -1, .full_refresh = both, .n_full_refresh = 2};
  CU_ASSERT_EQUAL(update(&fr2, &res), 0);
  set_limit(33);
  CU_ASSERT_EQUAL(update(NULL, &res), 0);
  check_exactly_once(33, 1);
  /* An unknown dataset is refused. */
  const char *bad[] = {"nope"};
  lfh_run_opts o3 = {.continuous = -1, .refresh = bad, .n_refresh = 1};
  CU_ASSERT_EQUAL(update(&o3, &res), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(res.error, "nope"));
}

static void test_missing_stage(void) {
  fresh_dir();
  char path[4096];
  snprintf(path, sizeof path, "%s/b.yml", g_dir);
  write_file("b.yml",
             "bundle: {name: m}\n"
             "resources:\n"
             "  pipelines:\n"
             "    p:\n"
             "      name: p\n"
             "      datasets: {a: {type: streaming_table}}\n"
             "      flows:\n"
             "        f: {target: a, source: {stage: autoloadr}}\n");
  lfh_bundle_opts o = {.path = path};
  lfh_bundle *b = NULL;
  lfh_diags d;
  lfh_diags_init(&d);
  CU_ASSERT_EQUAL_FATAL(lfh_bundle_load(&o, &b, &d), 0);
  lfh_pipeline *p = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_pipeline_from_bundle(b, "p", &p, &d), 0);
  lfh_registry *reg = lfh_registry_new();
  CU_ASSERT_EQUAL(lfh_pipeline_wire(p, reg, &d), -1);
  const lfh_diag *x = lfh_diags_find(&d, "autoloadr");
  CU_ASSERT_PTR_NOT_NULL(x);
  if (x) {
    CU_ASSERT_PTR_NOT_NULL(strstr(x->message, "flow 'f'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(x->message, "not found"));
    CU_ASSERT_EQUAL(x->line, 8);
  }
  lfh_registry_free(reg);
  lfh_pipeline_free(p);
  lfh_bundle_free(b);
  lfh_diags_free(&d);
}

int main(void) {
  static const lfh_test_case cases[] = {{"triggered runs, nothing new, more", test_triggered},
                                        {"fault at every protocol step", test_faults},
                                        {"stage failure then resume", test_stage_failure},
                                        {"refresh selection and full refresh", test_refresh},
                                        {"missing stage", test_missing_stage},
                                        {NULL, NULL}};
  int rc = lfh_test_run("engine", cases);
  if (g_dir) lfh_test_rmtree(g_dir), free(g_dir);
  return rc;
}
