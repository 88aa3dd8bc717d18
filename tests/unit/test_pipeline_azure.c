/*
 * The clickstream ingest entirely on Azure storage: lfproduce writes events into an
 * Azurite landing container, `lfhost deploy` + `lfhost run` (real processes, real
 * lf_bronze.so) ingest them into a bronze table whose lakehouse root is another Azurite
 * container, with the workspace (deployment state, checkpoints) on Azurite too. Every
 * input line must be a row exactly once; a second run commits nothing; more files land
 * and only they are ingested. Needs Node and tests/azure's Azurite: fails, never skips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "lfb_azurite.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#ifndef LFPRODUCE_EXE
#error "producer/CMakeLists.txt defines LFPRODUCE_EXE for this test"
#endif

#define ACCOUNT_URI(c) "abfss://" c "@" LFB_DEV_ACCOUNT ".dfs.core.windows.net"
#define LANDING ACCOUNT_URI("landing") "/events"
#define LAKE ACCOUNT_URI("lake") "/lakehouse"
#define WORKSPACE ACCOUNT_URI("lake") "/workspace"

static char *g_dir;

static int sh(const char *cmd) {
  int rc = system(cmd);
  if (rc != 0) fprintf(stderr, "\n    failed (%d): %s\n", rc, cmd);
  return rc;
}

static int produce(const char *seed, const char *start) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           LFPRODUCE_EXE " --quiet --events 2000 --files 8 --malformed-fraction 0.02 --drift "
                         "--seed %s --start-time %s --out '" LANDING "'",
           seed, start);
  return sh(cmd);
}

static int lfhost(const char *cmd) {
  char bundle[600], log[600];
  snprintf(bundle, sizeof bundle, "%s/azure.yml", g_dir);
  snprintf(log, sizeof log, "%s/lfhost.log", g_dir);
  char full[1600];
  snprintf(full, sizeof full, LFHOST_EXE " %s '%s' >>'%s' 2>&1", cmd, bundle, log);
  return sh(full);
}

static int write_bundle(void) {
  char path[600];
  snprintf(path, sizeof path, "%s/azure.yml", g_dir);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f,
          "bundle:\n  name: azure_e2e\n"
          "workspace:\n  root_path: " WORKSPACE "\n"
          "resources:\n  pipelines:\n    clicks:\n      name: clicks\n"
          "      catalog: main\n      schema: web\n      storage: " LAKE "\n"
          "      libraries:\n        - plugin: lf_bronze\n"
          "      datasets:\n        bronze_events:\n          type: streaming_table\n"
          "      flows:\n        ingest:\n          target: bronze_events\n"
          "          source:\n            stage: autoloader\n            options:\n"
          "              path: " LANDING "\n              format: json\n"
          "              min_file_age: 0s\n              max_files_per_trigger: 3\n"
          "              schema: >-\n"
          "                event_id STRING NOT NULL, event_type STRING, event_ts TIMESTAMP,\n"
          "                session_id STRING, ip STRING, schema_version INT,\n"
          "                user STRUCT<user_id: STRING, email: STRING, country: STRING,\n"
          "                  plan: STRING>,\n"
          "                page STRUCT<url: STRING, referrer: STRING, title: STRING>,\n"
          "                device STRUCT<type: STRING, os: STRING, browser: STRING,\n"
          "                  user_agent: STRING>,\n"
          "                geo STRUCT<country: STRING, region: STRING, city: STRING>,\n"
          "                utm STRUCT<source: STRING, medium: STRING, campaign: STRING,\n"
          "                  term: STRING, content: STRING>,\n"
          "                purchase STRUCT<order_id: STRING, amount: DOUBLE,\n"
          "                  currency: STRING, items: INT>,\n"
          "                properties MAP<STRING, STRING>\n");
  return fclose(f);
}

/* Non-empty lines of every blob under the landing folder. */
static int64_t landing_lines(void) {
  char m[512];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  lfh_store *s = lfh_store_open(LANDING, &e);
  if (!s) return -1;
  int64_t n = 0;
  const char *runs[2][2] = {{"20240101T000000Z", "1"}, {"20240102T000000Z", "2"}};
  for (int r = 0; r < 2; r++)
    for (int i = 1; i <= 8; i++) {
      char key[128];
      snprintf(key, sizeof key, "events-%s-s%s-%06d.json", runs[r][0], runs[r][1], i);
      lfh_buf b = {0};
      if (lfh_store_get(s, key, &b, &e) != LF_OK) continue; /* the second run may be absent */
      const char *p = (const char *)b.data;
      for (size_t k = 0; k < b.len; k++) {
        size_t start = k;
        while (k < b.len && p[k] != '\n') k++;
        int blank = 1;
        for (size_t j = start; j < k; j++) blank &= p[j] == ' ' || p[j] == '\r' || p[j] == '\t';
        n += !blank;
      }
      lfh_buf_free(&b);
    }
  lfh_store_close(s);
  return n;
}

typedef struct table_info {
  int64_t rows, version, rescued;
} table_info;

static int count_rows(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  table_info *ti = ctx;
  lf_view v, col;
  if (lf_view_init(&v, schema, batch, NULL) == LF_OK && lf_view_child(&v, 0, &col) == LF_OK)
    for (int64_t i = 0; i < batch->length; i++) ti->rescued += lf_view_is_valid(&col, i);
  ti->rows += batch->length;
  lf_array_release(batch);
  return 0;
}

static table_info bronze(void) {
  table_info ti = {-1, -1, 0};
  char m[512];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  lfh_store *s = lfh_store_open(LAKE, &e);
  lfh_table *t = NULL;
  if (s && lfh_table_open(s, "main/web/bronze_events", &t, &e) == LF_OK) {
    static const char *const cols[] = {"_rescued_data"};
    lfh_scan_opts o = {.columns = cols, .n_columns = 1};
    ti.rows = 0;
    ti.version = lfh_table_version(t);
    if (lfh_table_scan(t, &o, count_rows, &ti, &e) != LF_OK) ti.rows = -1;
  }
  if (ti.rows < 0) fprintf(stderr, "\n    bronze: %s\n", m);
  lfh_table_close(t);
  lfh_store_close(s);
  return ti;
}

static void test_azure_pipeline(void) {
  g_dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(g_dir);
  int up = lfb_azurite_start(g_dir, "landing") == 0;
  CU_ASSERT_TRUE_FATAL(up);
  char m[512];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  CU_ASSERT_EQUAL_FATAL(lfh_store_azure_create_container(LAKE, &e), LF_OK);
  CU_ASSERT_EQUAL_FATAL(write_bundle(), 0);

  CU_ASSERT_EQUAL_FATAL(produce("1", "2024-01-01T00:00:00Z"), 0);
  CU_ASSERT_EQUAL(lfhost("deploy"), 0);
  CU_ASSERT_EQUAL(lfhost("run"), 0);
  int64_t lines = landing_lines();
  table_info a = bronze();
  fprintf(stderr, "\n    first run: %lld lines, %lld rows (%lld rescued), version %lld\n",
          (long long)lines, (long long)a.rows, (long long)a.rescued, (long long)a.version);
  CU_ASSERT_EQUAL(lines, 2000);
  CU_ASSERT_EQUAL(a.rows, lines);
  /* Drifted fields (the second half) and malformed lines were kept, the rest fit. */
  CU_ASSERT_TRUE(a.rescued > lines / 2 && a.rescued < lines * 3 / 4);

  /* Nothing new: nothing committed. */
  CU_ASSERT_EQUAL(lfhost("run"), 0);
  CU_ASSERT_EQUAL(bronze().version, a.version);

  /* New files land: only they are ingested. */
  CU_ASSERT_EQUAL_FATAL(produce("2", "2024-01-02T00:00:00Z"), 0);
  CU_ASSERT_EQUAL(lfhost("run"), 0);
  table_info b = bronze();
  CU_ASSERT_EQUAL(landing_lines(), 4000);
  CU_ASSERT_EQUAL(b.rows, 4000);
  CU_ASSERT_TRUE(b.version > a.version);

  /* The deployment state and the checkpoints live on Azurite as well. */
  lfh_store *ws = lfh_store_open(WORKSPACE, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ws);
  lfh_buf st = {0};
  CU_ASSERT_EQUAL(lfh_store_get(ws, "state/deployment.json", &st, &e), LF_OK);
  CU_ASSERT_TRUE(st.len > 0);
  lfh_buf_free(&st);
  lfh_store_close(ws);

  if (a.rows != lines) {
    char log[600];
    snprintf(log, sizeof log, "%s/lfhost.log", g_dir);
    char *text = lfh_test_slurp(log, NULL);
    fprintf(stderr, "\n--- lfhost.log:\n%s\n", text ? text : "(none)");
    free(text);
  }
  lfb_azurite_stop(g_dir);
  lfh_test_rmtree(g_dir);
  free(g_dir);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"lfproduce -> Azurite landing -> bronze on Azurite", test_azure_pipeline},
      {NULL, NULL}};
  return lfh_test_run("pipeline_azure", cases);
}
