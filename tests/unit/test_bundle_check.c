/*
 * test_bundle_check — lfh_bundle_check on bad bundles (tests/data/bundles/check/):
 * every check of docs/BUNDLE.md "Reference" asserts its message, its file:line:col, and
 * its hint and YAML path where it has them; a complete bundle (plugins included) passes
 * with no errors and no warnings. Plugin checks use the ABI fixtures (good.so has the
 * SOURCE stage `alpha` and the TRANSFORM stage `beta`; wrong_major.so is refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/lfh_bundle.h"
#include "bundle/lfh_schema.h"
#include "lfh_test.h"
#include "loader/lfh_loader.h"

#define CHECK_DIR LFH_TEST_DATA_DIR "/bundles/check/"

typedef struct fx {
  const char *file; /* base name, for the mark assertions */
  lfh_bundle *b;
  lfh_registry *reg;
  lfh_searchpath sp;
  lfh_diags d;
  size_t errors; /* what lfh_bundle_check returned */
  unsigned failures_before;
} fx;

/* Loads tests/data/bundles/check/NAME and checks it. `plugin_dir` is --plugin-path (the
 * search path is then "configured"); NULL leaves only the install-relative directory. */
static void run(fx *f, const char *name, const char *plugin_dir) {
  memset(f, 0, sizeof *f);
  f->file = name;
  f->failures_before = CU_get_number_of_failures();
  lfh_diags_init(&f->d);
  char path[1024];
  snprintf(path, sizeof path, CHECK_DIR "%s", name);
  lfh_bundle_opts opts = {.path = path};
  int rc = lfh_bundle_load(&opts, &f->b, &f->d);
  if (rc != 0) lfh_diags_print(&f->d, LFH_OUT_TEXT, stderr);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(f->b);
  f->reg = lfh_registry_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(f->reg);
  CU_ASSERT_EQUAL_FATAL(lfh_searchpath_init(&f->sp, plugin_dir, NULL, 0), 0);
  f->errors = lfh_bundle_check(f->b, f->reg, &f->sp, &f->d);
}

static void done(fx *f) {
  if (CU_get_number_of_failures() > f->failures_before)
    lfh_diags_print(&f->d, LFH_OUT_TEXT, stderr);
  lfh_bundle_free(f->b);
  lfh_registry_free(f->reg);
  lfh_searchpath_free(&f->sp);
  lfh_diags_free(&f->d);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = s ? strlen(s) : 0, k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Asserts a diagnostic containing `needle`, with its severity, position, and (when not
 * NULL) its hint and YAML path. Returns it for further checks. */
static const lfh_diag *expect_at(const fx *f, int line_of_test, lfh_severity sev,
                                 const char *needle, unsigned line, unsigned col,
                                 const char *hint, const char *path) {
  const lfh_diag *g = lfh_diags_find(&f->d, needle);
  if (!g) fprintf(stderr, "\n  line %d: no diagnostic contains \"%s\"\n", line_of_test, needle);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  int ok = g->sev == sev && g->line == line && g->col == col && ends_with(g->file, f->file) &&
           (!hint || (g->hint && strcmp(g->hint, hint) == 0)) &&
           (!path || (g->yaml_path && strcmp(g->yaml_path, path) == 0));
  if (!ok)
    fprintf(stderr,
            "\n  line %d: \"%s\": got sev %d at %s:%u:%u hint \"%s\" path \"%s\"; "
            "want sev %d at %s:%u:%u hint \"%s\" path \"%s\"\n",
            line_of_test, g->message, (int)g->sev, g->file ? g->file : "?", g->line, g->col,
            g->hint ? g->hint : "", g->yaml_path ? g->yaml_path : "", (int)sev, f->file, line,
            col, hint ? hint : "", path ? path : "");
  CU_ASSERT_TRUE(ok);
  return g;
}

#define EXPECT(f, sev, needle, line, col, hint, path) \
  expect_at((f), __LINE__, (sev), (needle), (line), (col), (hint), (path))
#define ERR LFH_SEV_ERROR
#define WARN LFH_SEV_WARNING

/* ------------------------------------------------------------ schema */

static void test_unknown_keys(void) {
  fx f;
  run(&f, "schema.yml", NULL);
  EXPECT(&f, ERR, "unknown field: tragets", 3, 1, "did you mean 'targets'?", "tragets");
  /* in a target that is not the selected one */
  EXPECT(&f, ERR, "unknown field: root_pth", 12, 7, "did you mean 'root_path'?",
         "targets.prod.workspace.root_pth");
  EXPECT(&f, ERR, "unknown field: tagret", 30, 11, "did you mean 'target'?",
         "resources.pipelines.p.flows.load.tagret");
  done(&f);
}

static void test_wrong_types(void) {
  fx f;
  run(&f, "schema.yml", NULL);
  EXPECT(&f, ERR, "expected a boolean, found 'yes please'", 20, 19, NULL,
         "resources.pipelines.p.continuous");
  EXPECT(&f, ERR, "expected an integer, found 'many'", 47, 24, NULL,
         "resources.jobs.j.tasks[0].max_retries");
  /* targets.prod...continuous is still ${var.later} in the raw tree: not type-checked */
  for (size_t i = 0; i < f.d.n; i++) CU_ASSERT_NOT_EQUAL(f.d.items[i].line, 16);
  done(&f);
}

static void test_missing_required(void) {
  fx f;
  run(&f, "schema.yml", NULL);
  /* the mark is the mapping that lacks the key: its first key */
  EXPECT(&f, ERR, "missing required field: name", 20, 7, NULL, "resources.pipelines.p");
  EXPECT(&f, ERR, "missing required field: target", 30, 11, NULL,
         "resources.pipelines.p.flows.load");
  done(&f);
}

static void test_enum_values(void) {
  fx f;
  run(&f, "schema.yml", NULL);
  EXPECT(&f, ERR, "invalid value 'streaming_tabel'", 23, 17, "did you mean 'streaming_table'?",
         "resources.pipelines.p.datasets.events.type");
  EXPECT(&f, ERR, "invalid value 'dropp': expected one of warn, drop, fail", 27, 29,
         "did you mean 'drop'?", "resources.pipelines.p.datasets.events.expectations[0].on_violation");
  EXPECT(&f, ERR, "invalid value 'prodution'", 10, 11, "did you mean 'production'?",
         "targets.prod.mode");
  EXPECT(&f, ERR, "invalid value '3': expected one of 1, 2", 36, 33, NULL,
         "resources.pipelines.p.flows.load.auto_cdc.stored_as_scd_type");
  EXPECT(&f, ERR, "invalid value 'paused'", 42, 23, "did you mean 'PAUSED'?",
         "resources.jobs.j.schedule.pause_status");
  done(&f);
}

static void test_numeric_bounds(void) {
  fx f;
  run(&f, "schema.yml", NULL);
  EXPECT(&f, ERR, "value -5 is out of range: must be >= 0", 48, 28, NULL,
         "resources.jobs.j.tasks[0].timeout_seconds");
  done(&f);
  run(&f, "jobs.yml", NULL);
  EXPECT(&f, ERR, "value -2 is out of range: must be >= -1", 34, 24, NULL,
         "resources.jobs.j.tasks[3].max_retries");
  EXPECT(&f, ERR, "value -1 is out of range: must be >= 0", 35, 38, NULL,
         "resources.jobs.j.tasks[3].min_retry_interval_millis");
  done(&f);
}

/* ------------------------------------------------------------ pipelines */

static void test_dataset_names(void) {
  fx f;
  run(&f, "pipeline.yml", NULL);
  EXPECT(&f, ERR, "invalid dataset name '1bad'", 12, 9, NULL, "resources.pipelines.p.datasets.1bad");
  EXPECT(&f, ERR, "duplicate dataset name 'Orders' (also 'orders')", 10, 9, NULL, NULL);
  done(&f);
}

static void test_flow_names(void) {
  fx f;
  run(&f, "pipeline.yml", NULL);
  EXPECT(&f, ERR, "duplicate flow name 'Load' (also 'load')", 35, 9, NULL,
         "resources.pipelines.p.flows.Load");
  EXPECT(&f, ERR, "flow name 'orders' clashes with dataset 'orders'", 40, 9, NULL, NULL);
  done(&f);
}

static void test_flow_target(void) {
  fx f;
  run(&f, "pipeline.yml", NULL);
  EXPECT(&f, ERR, "unknown target dataset 'ordrs'", 32, 19, "did you mean 'orders'?",
         "resources.pipelines.p.flows.load.target");
  EXPECT(&f, ERR, "flow target 'totals' is a materialized_view, expected a streaming_table", 36,
         19, NULL, "resources.pipelines.p.flows.Load.target");
  done(&f);
}

static void test_flow_source(void) {
  fx f;
  run(&f, "pipeline.yml", NULL);
  EXPECT(&f, ERR, "source has both 'stage' and 'table'", 38, 13, NULL,
         "resources.pipelines.p.flows.Load.source");
  EXPECT(&f, ERR, "source needs exactly one of 'stage' or 'table'", 42, 19, NULL,
         "resources.pipelines.p.flows.orders.source");
  EXPECT(&f, ERR, "unknown source dataset 'orderz'", 34, 20, "did you mean 'orders'?",
         "resources.pipelines.p.flows.load.source.table");
  done(&f);
}

static void test_sql_inputs(void) {
  fx f;
  run(&f, "pipeline.yml", NULL);
  EXPECT(&f, WARN, "unknown table 'ordrs'", 17, 16, "did you mean 'orders'?",
         "resources.pipelines.p.datasets.totals.sql");
  EXPECT(&f, WARN, "unknown table 'external.db.tbl'", 17, 16, NULL, NULL);
  done(&f);
  /* strings, comments, CTEs, EXTRACT/TRIM ... FROM and IS DISTINCT FROM are not inputs */
  run(&f, "valid.yml", LFH_ABI_FIXTURE_DIR);
  CU_ASSERT_PTR_NULL(lfh_diags_find(&f.d, "unknown table"));
  done(&f);
}

static void test_sql_required(void) {
  fx f;
  run(&f, "pipeline.yml", NULL);
  EXPECT(&f, ERR, "missing required field: sql (required for a materialized_view)", 19, 11,
         NULL, "resources.pipelines.p.datasets.no_sql");
  EXPECT(&f, ERR, "sql is not allowed for a streaming_table", 22, 11, NULL,
         "resources.pipelines.p.datasets.st_sql.sql");
  done(&f);
}

static void test_unfed_streaming_table(void) {
  fx f;
  run(&f, "pipeline.yml", NULL);
  EXPECT(&f, WARN, "streaming table 'unfed' is not fed by any flow", 23, 9,
         "add a flow with 'target: unfed'", "resources.pipelines.p.datasets.unfed");
  done(&f);
}

static void test_expectation_names(void) {
  fx f;
  run(&f, "pipeline.yml", NULL);
  EXPECT(&f, ERR, "duplicate expectation name 'rule'", 28, 21, NULL,
         "resources.pipelines.p.datasets.unfed.expectations[1].name");
  done(&f);
}

static void test_auto_cdc(void) {
  fx f;
  run(&f, "cdc.yml", NULL);
  const char *base = "resources.pipelines.p.flows.scd2.auto_cdc";
  EXPECT(&f, ERR, "auto_cdc cannot be combined with 'sink'", 25, 11, NULL, base);
  EXPECT(&f, ERR, "auto_cdc keys must not be empty", 26, 13, NULL, NULL);
  EXPECT(&f, ERR, "'column_list' and 'except_column_list' cannot both be set", 30, 13,
         "keep one of the two", "resources.pipelines.p.flows.scd2.auto_cdc.except_column_list");
  EXPECT(&f, ERR, "'apply_as_truncates' is only allowed with stored_as_scd_type: 1", 31, 13,
         NULL, NULL);
  EXPECT(&f, ERR, "'track_history_column_list' is only allowed with stored_as_scd_type: 2", 39,
         13, NULL, "resources.pipelines.p.flows.scd1.auto_cdc.track_history_column_list");
  EXPECT(&f, ERR,
         "'track_history_column_list' and 'track_history_except_column_list' cannot both be set",
         40, 13, NULL, NULL);
  done(&f);
}

static void test_dataset_cycles(void) {
  fx f;
  run(&f, "cycle.yml", NULL);
  EXPECT(&f, ERR, "cycle in datasets: a -> b -> a", 10, 16, NULL,
         "resources.pipelines.p.datasets.a.sql");
  EXPECT(&f, ERR, "cycle in datasets: s -> s", 20, 20, NULL,
         "resources.pipelines.p.flows.loop.source.table");
  done(&f);
}

static void test_duplicate_pipeline_names(void) {
  fx f;
  run(&f, "cycle.yml", NULL);
  EXPECT(&f, WARN, "pipeline name 'shared' is also used by pipeline 'p'", 22, 13, NULL,
         "resources.pipelines.q.name");
  done(&f);
}

/* ------------------------------------------------------------ jobs */

static void test_jobs(void) {
  fx f;
  run(&f, "jobs.yml", NULL);
  EXPECT(&f, ERR, "duplicate task_key 'a' (also tasks[0])", 31, 21, NULL,
         "resources.jobs.j.tasks[3].task_key");
  EXPECT(&f, ERR, "unknown task 'cc' in depends_on", 23, 25, "did you mean 'c'?",
         "resources.jobs.j.tasks[1].depends_on[1].task_key");
  EXPECT(&f, ERR, "cycle in task dependencies: a -> b -> c -> a", 17, 25, NULL,
         "resources.jobs.j.tasks[0].depends_on[0].task_key");
  EXPECT(&f, ERR, "unknown pipeline 'pp'", 25, 26, "did you mean 'p'?",
         "resources.jobs.j.tasks[1].pipeline_task.pipeline_id");
  done(&f);
}

/* ------------------------------------------------------------ plugins */

static void test_unknown_stage(void) {
  fx f;
  run(&f, "plugins.yml", LFH_ABI_FIXTURE_DIR);
  EXPECT(&f, ERR, "unknown stage 'alphs'", 18, 20, "did you mean 'alpha'?",
         "resources.pipelines.p.flows.f1.source.stage");
  done(&f);
}

static void test_stage_kind(void) {
  fx f;
  run(&f, "plugins.yml", LFH_ABI_FIXTURE_DIR);
  EXPECT(&f, ERR, "stage 'beta' is a transform, expected a source", 22, 20, NULL,
         "resources.pipelines.p.flows.f2.source.stage");
  done(&f);
}

static void test_stage_options(void) {
  fx f;
  run(&f, "plugins.yml", LFH_ABI_FIXTURE_DIR);
  EXPECT(&f, ERR, "option 'max_files' of stage 'alpha'", 28, 26, NULL,
         "resources.pipelines.p.flows.f3.source.options.max_files");
  EXPECT(&f, ERR, "unknown option 'pth' for stage 'alpha'", 29, 15, "did you mean 'path'?",
         NULL);
  EXPECT(&f, ERR, "missing required option 'path' for stage 'alpha'", 28, 15, NULL,
         "resources.pipelines.p.flows.f3.source.options");
  /* no options at all: the mark is the stage's mapping */
  EXPECT(&f, ERR, "missing required option 'keys' for stage 'beta'", 31, 15, NULL,
         "resources.pipelines.p.flows.f3.transforms[0].options");
  done(&f);
}

static void test_plugin_refused(void) {
  fx f;
  run(&f, "plugin_refused.yml", LFH_ABI_FIXTURE_DIR);
  const lfh_diag *g = EXPECT(&f, ERR, "cannot load plugin 'wrong_major': ", 8, 19, NULL,
                             "resources.pipelines.p.libraries[0].plugin");
  CU_ASSERT_PTR_NOT_NULL(strstr(g->message, "wrong_major.so")); /* the loader's reason */
  done(&f);
}

static void test_plugin_missing_configured(void) {
  fx f;
  run(&f, "plugins_missing.yml", LFH_ABI_FIXTURE_DIR);
  const lfh_diag *g = EXPECT(&f, ERR, "plugin 'lf_not_built_yet' not found on the plugin search path",
                             9, 19, NULL, "resources.pipelines.p.libraries[1].plugin");
  CU_ASSERT_TRUE(g->hint && strstr(g->hint, LFH_ABI_FIXTURE_DIR) != NULL);
  /* a listed plugin is missing: stage names are not final, so no unknown-stage error;
   * the stages that are found still have their options checked */
  CU_ASSERT_PTR_NULL(lfh_diags_find(&f.d, "unknown stage"));
  EXPECT(&f, ERR, "missing required option 'path' for stage 'alpha'", 21, 13, NULL, NULL);
  CU_ASSERT_EQUAL(f.errors, 2);
  done(&f);
}

static void test_plugin_missing_unconfigured(void) {
  fx f;
  run(&f, "plugins_missing.yml", NULL);
  EXPECT(&f, LFH_SEV_NOTE, "plugin 'good' not found; the options of its stages are not checked",
         8, 19, "set LFHOST_PLUGIN_PATH (or --plugin-path) to check them", NULL);
  EXPECT(&f, LFH_SEV_NOTE, "plugin 'lf_not_built_yet' not found", 9, 19, NULL, NULL);
  CU_ASSERT_EQUAL(f.errors, 0);
  CU_ASSERT_EQUAL(lfh_diags_count(&f.d, LFH_SEV_ERROR), 0);
  CU_ASSERT_EQUAL(lfh_diags_count(&f.d, LFH_SEV_WARNING), 0);
  done(&f);
}

/* ------------------------------------------------------------ production mode */

static void test_production(void) {
  fx f;
  run(&f, "production.yml", NULL);
  EXPECT(&f, ERR, "production mode requires an explicit workspace.root_path", 6, 11,
         "set workspace.root_path in the target or at the top level", "targets.prod.mode");
  EXPECT(&f, ERR, "development: true is not allowed in production mode", 11, 20, NULL,
         "resources.pipelines.p.development");
  done(&f);
}

/* ------------------------------------------------------------ a valid bundle */

static void test_valid_bundle(void) {
  fx f;
  run(&f, "valid.yml", LFH_ABI_FIXTURE_DIR);
  CU_ASSERT_EQUAL(f.errors, 0);
  CU_ASSERT_EQUAL(lfh_diags_count(&f.d, LFH_SEV_ERROR), 0);
  CU_ASSERT_EQUAL(lfh_diags_count(&f.d, LFH_SEV_WARNING), 0);
  CU_ASSERT_EQUAL(lfh_registry_stage_count(f.reg), 2); /* good.so was loaded */
  if (f.d.n) lfh_diags_print(&f.d, LFH_OUT_TEXT, stderr);
  done(&f);
}

/* The shipped bundles pass the same checks (plugins not built: notes only). */
static void test_shipped_bundles(void) {
  const char *files[] = {LFH_SOURCE_DIR "/bundles/dev.yml"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    lfh_diags d;
    lfh_diags_init(&d);
    lfh_bundle *b = NULL;
    lfh_bundle_opts opts = {.path = files[i]};
    lfh_searchpath sp = {0};
    lfh_registry *reg = lfh_registry_new();
    CU_ASSERT_EQUAL(lfh_bundle_load(&opts, &b, &d), 0);
    CU_ASSERT_EQUAL(lfh_searchpath_init(&sp, NULL, NULL, 0), 0);
    if (b) lfh_bundle_check(b, reg, &sp, &d);
    CU_ASSERT_EQUAL(lfh_diags_count(&d, LFH_SEV_ERROR), 0);
    CU_ASSERT_EQUAL(lfh_diags_count(&d, LFH_SEV_WARNING), 0);
    if (lfh_diags_count(&d, LFH_SEV_ERROR) + lfh_diags_count(&d, LFH_SEV_WARNING))
      lfh_diags_print(&d, LFH_OUT_TEXT, stderr);
    lfh_bundle_free(b);
    lfh_registry_free(reg);
    lfh_searchpath_free(&sp);
    lfh_diags_free(&d);
  }
}

/* ------------------------------------------------------------ the schema on its own */

static void test_schema_table(void) {
  const lfh_schema *top = lfh_schema_bundle();
  const lfh_schema_field *f = lfh_schema_field_find(top, "bundle");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_TRUE(f->flags & LFH_SCHEMA_REQUIRED);
  CU_ASSERT_PTR_NOT_NULL(lfh_schema_field_find(f->schema, "plugin_path"));
  CU_ASSERT_PTR_NULL(lfh_schema_field_find(top, "nope"));
  /* hostile input: wrong kinds everywhere, deep nesting, never a crash */
  lfh_diags d;
  lfh_diags_init(&d);
  const char *text = "bundle: [1, 2]\nresources:\n  pipelines:\n    p: [[[[[[[]]]]]]]\n"
                     "  jobs: {j: {tasks: {a: b}}}\ntargets: 7\n";
  lfh_node *n = lfh_yaml_load_buffer("h.yml", text, strlen(text), &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  size_t errors = lfh_schema_check(top, n, "", LFH_CHECK_RESOLVED, &d);
  /* bundle, pipelines.p, jobs.j.name (missing), jobs.j.tasks; targets skipped */
  CU_ASSERT_EQUAL(errors, 4);
  if (errors != 4) lfh_diags_print(&d, LFH_OUT_TEXT, stderr);
  lfh_bundle b = {.raw = n, .root = n};
  lfh_bundle_check(&b, NULL, NULL, &d);
  lfh_node_free(n);
  lfh_diags_free(&d);
}

int main(void) {
  unsetenv("LFHOST_PLUGIN_PATH"); /* the tests choose the search path */
  static const lfh_test_case cases[] = {
      {"unknown keys, all targets, nearest key", test_unknown_keys},
      {"wrong types, unresolved references skipped", test_wrong_types},
      {"missing required keys at the parent", test_missing_required},
      {"enum values", test_enum_values},
      {"numeric bounds", test_numeric_bounds},
      {"dataset names valid and unique", test_dataset_names},
      {"flow names unique, not datasets", test_flow_names},
      {"flow target exists, is a streaming table", test_flow_target},
      {"flow source: one of stage/table, table exists", test_flow_source},
      {"sql inputs: unknown table warning", test_sql_inputs},
      {"sql required / not allowed by type", test_sql_required},
      {"streaming table fed by no flow", test_unfed_streaming_table},
      {"expectation names unique", test_expectation_names},
      {"auto_cdc rules", test_auto_cdc},
      {"dataset cycles", test_dataset_cycles},
      {"duplicate pipeline names", test_duplicate_pipeline_names},
      {"jobs: task keys, depends_on, cycles, pipeline_id", test_jobs},
      {"plugins: unknown stage", test_unknown_stage},
      {"plugins: stage of the wrong kind", test_stage_kind},
      {"plugins: stage options", test_stage_options},
      {"plugins: refused plugin", test_plugin_refused},
      {"plugins: missing, search path configured", test_plugin_missing_configured},
      {"plugins: missing, not configured (note)", test_plugin_missing_unconfigured},
      {"production mode", test_production},
      {"a valid bundle: no errors, no warnings", test_valid_bundle},
      {"shipped bundles", test_shipped_bundles},
      {"schema tables and hostile trees", test_schema_table},
      {NULL, NULL}};
  return lfh_test_run("bundle_check", cases);
}
