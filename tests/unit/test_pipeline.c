/* test_pipeline — the pipeline model read from bundles: the clickstream bundle
 * (bundles/dev.yml) and small bundles for paths, defaults and the flow order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/lfh_bundle.h"
#include "engine/lfh_pipeline.h"
#include "lfh_test.h"

static lfh_bundle *load_path(const char *path, const char *target) {
  lfh_bundle_opts o = {.path = path, .target = target};
  lfh_bundle *b = NULL;
  lfh_diags d;
  lfh_diags_init(&d);
  int rc = lfh_bundle_load(&o, &b, &d);
  if (rc != 0) lfh_diags_print(&d, LFH_OUT_TEXT, stderr);
  CU_ASSERT_EQUAL(rc, 0);
  lfh_diags_free(&d);
  return b;
}

static lfh_bundle *load_text(const char *dir, const char *text) {
  char *path = lfh_test_write(dir, "bundle.yml", text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(path);
  lfh_bundle *b = load_path(path, NULL);
  free(path);
  return b;
}

static lfh_pipeline *model(lfh_bundle *b, const char *key) {
  lfh_pipeline *p = NULL;
  lfh_diags d;
  lfh_diags_init(&d);
  int rc = lfh_pipeline_from_bundle(b, key, &p, &d);
  if (rc != 0) lfh_diags_print(&d, LFH_OUT_TEXT, stderr);
  CU_ASSERT_EQUAL(rc, 0);
  lfh_diags_free(&d);
  return p;
}

static void test_clickstream(void) {
  lfh_bundle *b = load_path(LFH_SOURCE_DIR "/bundles/dev.yml", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  size_t nk = 0;
  char **keys = lfh_pipeline_keys(b, &nk);
  CU_ASSERT_EQUAL_FATAL(nk, 1);
  CU_ASSERT_STRING_EQUAL(keys[0], "clickstream");
  lfh_pipeline_keys_free(keys, nk);
  lfh_pipeline *p = model(b, "clickstream");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_STRING_EQUAL(p->name, "clickstream_dev");
  CU_ASSERT_STRING_EQUAL(p->catalog, "dev");
  CU_ASSERT_STRING_EQUAL(p->schema, "clickstream");
  char want_root[4096];
  snprintf(want_root, sizeof want_root, "%s/bundles/.lfhost/clickstream/dev", LFH_SOURCE_DIR);
  CU_ASSERT_STRING_EQUAL(p->root_path, want_root);
  strcat(want_root, "/lakehouse");
  CU_ASSERT_STRING_EQUAL(p->storage, want_root);
  CU_ASSERT_EQUAL(p->continuous, 0);
  CU_ASSERT_EQUAL(p->trigger_interval_us, 60000000);
  CU_ASSERT_EQUAL(p->development, 1);
  CU_ASSERT_EQUAL(p->n_datasets, 10);
  CU_ASSERT_EQUAL(p->n_flows, 5);
  lfh_dataset *silver = lfh_pipeline_dataset(p, "silver_events");
  CU_ASSERT_PTR_NOT_NULL_FATAL(silver);
  CU_ASSERT_EQUAL(silver->type, LFH_DATASET_STREAMING_TABLE);
  /* 4 expectations, 4 not_null, 1 unique */
  CU_ASSERT_EQUAL(silver->rules.n, 9);
  CU_ASSERT_EQUAL(silver->n_partition_cols, 1);
  CU_ASSERT_STRING_EQUAL(silver->partition_cols[0], "event_date");
  CU_ASSERT_EQUAL(lfh_pipeline_dataset(p, "session_funnel")->type, LFH_DATASET_TEMPORARY_VIEW);
  CU_ASSERT_PTR_NOT_NULL(lfh_pipeline_dataset(p, "daily_active_users")->sql);
  CU_ASSERT_PTR_NULL(lfh_pipeline_dataset(p, "nope"));
  lfh_flow *ing = lfh_pipeline_flow(p, "ingest_events");
  CU_ASSERT_PTR_NOT_NULL_FATAL(ing);
  CU_ASSERT_EQUAL(ing->from, LFH_FLOW_FROM_STAGE);
  CU_ASSERT_STRING_EQUAL(ing->source.stage, "autoloader");
  CU_ASSERT_PTR_NOT_NULL(lfh_map_get(ing->source.options, "max_files_per_trigger"));
  CU_ASSERT_STRING_EQUAL(ing->target, "bronze_events");
  lfh_flow *clean = lfh_pipeline_flow(p, "clean_events");
  CU_ASSERT_EQUAL(clean->from, LFH_FLOW_FROM_TABLE);
  CU_ASSERT_STRING_EQUAL(clean->source_table, "bronze_events");
  CU_ASSERT_EQUAL(clean->n_transforms, 2);
  CU_ASSERT_STRING_EQUAL(clean->transforms[1].stage, "derive");
  CU_ASSERT_EQUAL_FATAL(clean->n_hashers, 1);
  CU_ASSERT_EQUAL(clean->hashers[0].n_columns, 2);
  CU_ASSERT_STRING_EQUAL(clean->hashers[0].columns[0], "user.email");
  CU_ASSERT_PTR_NOT_NULL(lfh_pipeline_flow(p, "apply_user_changes")->auto_cdc);
  CU_ASSERT_PTR_NULL(clean->auto_cdc);
  CU_ASSERT_PTR_NULL(clean->sink.stage);
  /* Already in dependency order in the bundle: the order keeps it. */
  static const char *const want[] = {"ingest_events", "clean_events", "user_changes",
                                     "apply_user_changes", "load_facts"};
  for (size_t i = 0; i < 5; i++) CU_ASSERT_STRING_EQUAL(p->flows[p->flow_order[i]].name, want[i]);
  char *id = lfh_pipeline_flow_id(p, ing), *pre = lfh_pipeline_table_prefix(p, "bronze_events");
  CU_ASSERT_STRING_EQUAL(id, "clickstream.ingest_events");
  CU_ASSERT_STRING_EQUAL(pre, "dev/clickstream/bronze_events");
  free(id);
  free(pre);
  lfh_pipeline_free(p);
  lfh_bundle_free(b);
}

static void test_ci_target(void) {
  lfh_bundle *b = load_path(LFH_SOURCE_DIR "/bundles/dev.yml", "ci");
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  lfh_pipeline *p = model(b, "clickstream");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  CU_ASSERT_STRING_EQUAL(p->name, "clickstream_ci");
  CU_ASSERT_PTR_NOT_NULL(strstr(p->root_path, "/clickstream"));
  CU_ASSERT_EQUAL(p->root_path[0], '/');
  lfh_pipeline_free(p);
  lfh_bundle_free(b);
}

/* Flows listed against their dependencies, relative storage, defaults, continuous. */
static const char k_small[] =
    "bundle: {name: small}\n"
    "workspace: {root_path: state}\n"
    "resources:\n"
    "  pipelines:\n"
    "    p:\n"
    "      name: small\n"
    "      storage: ./lake\n"
    "      continuous: true\n"
    "      configuration: {pipelines.trigger.interval: \"5 seconds\"}\n"
    "      datasets:\n"
    "        c: {type: streaming_table}\n"
    "        b: {type: streaming_table, schema: \"id BIGINT\", not_null: [id]}\n"
    "        a: {type: streaming_table}\n"
    "      flows:\n"
    "        to_c: {target: c, source: {table: b}}\n"
    "        to_b: {target: b, source: {table: a}, transforms: [{stage: t1}, {stage: t2, "
    "options: {x: 1}}]}\n"
    "        to_a: {target: a, source: {stage: seq, options: {rows: 3}}}\n"
    "        to_a2: {target: a, source: {stage: seq}, once: true}\n"
    "    q:\n"
    "      name: q\n"
    "      datasets: {x: {type: streaming_table}}\n";

static void test_small(void) {
  char *dir = lfh_test_tmpdir();
  lfh_bundle *b = load_text(dir, k_small);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  size_t nk = 0;
  char **keys = lfh_pipeline_keys(b, &nk);
  CU_ASSERT_EQUAL(nk, 2);
  lfh_pipeline_keys_free(keys, nk);
  lfh_pipeline *p = model(b, "p");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  char want[4096];
  snprintf(want, sizeof want, "%s/state", dir);
  CU_ASSERT_STRING_EQUAL(p->root_path, want);
  snprintf(want, sizeof want, "%s/lake", dir);
  CU_ASSERT_STRING_EQUAL(p->storage, want);
  CU_ASSERT_STRING_EQUAL(p->catalog, "main");
  CU_ASSERT_STRING_EQUAL(p->schema, "default");
  CU_ASSERT_EQUAL(p->continuous, 1);
  CU_ASSERT_EQUAL(p->trigger_interval_us, 5000000);
  CU_ASSERT_EQUAL(p->development, 0);
  CU_ASSERT_STRING_EQUAL(lfh_pipeline_dataset(p, "b")->schema_ddl, "id BIGINT");
  CU_ASSERT_EQUAL(lfh_pipeline_dataset(p, "b")->rules.n, 1);
  CU_ASSERT_EQUAL_FATAL(p->n_flows, 4);
  static const char *const order[] = {"to_a", "to_a2", "to_b", "to_c"};
  for (size_t i = 0; i < 4; i++) CU_ASSERT_STRING_EQUAL(p->flows[p->flow_order[i]].name, order[i]);
  lfh_flow *tb = lfh_pipeline_flow(p, "to_b");
  CU_ASSERT_EQUAL(tb->n_transforms, 2);
  CU_ASSERT_PTR_NULL(tb->transforms[0].options);
  CU_ASSERT_PTR_NOT_NULL(tb->transforms[1].options);
  CU_ASSERT_EQUAL(lfh_pipeline_flow(p, "to_a2")->once, 1);
  lfh_pipeline_free(p);
  /* q: storage defaults under root_path */
  p = model(b, "q");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  snprintf(want, sizeof want, "%s/state/lakehouse", dir);
  CU_ASSERT_STRING_EQUAL(p->storage, want);
  CU_ASSERT_EQUAL(p->n_flows, 0);
  lfh_pipeline_free(p);
  /* An unknown key is an error naming it. */
  lfh_diags d;
  lfh_diags_init(&d);
  p = NULL;
  CU_ASSERT_EQUAL(lfh_pipeline_from_bundle(b, "zzz", &p, &d), -1);
  CU_ASSERT_PTR_NULL(p);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&d, "zzz"));
  lfh_diags_free(&d);
  lfh_bundle_free(b);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_cycle(void) {
  char *dir = lfh_test_tmpdir();
  lfh_bundle *b = load_text(dir,
                            "bundle: {name: cyc}\n"
                            "resources:\n"
                            "  pipelines:\n"
                            "    p:\n"
                            "      name: p\n"
                            "      datasets: {a: {type: streaming_table}, b: {type: streaming_table}}\n"
                            "      flows:\n"
                            "        f1: {target: a, source: {table: b}}\n"
                            "        f2: {target: b, source: {table: a}}\n");
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  lfh_diags d;
  lfh_diags_init(&d);
  lfh_pipeline *p = NULL;
  CU_ASSERT_EQUAL(lfh_pipeline_from_bundle(b, "p", &p, &d), -1);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&d, "cycle"));
  lfh_diags_free(&d);
  lfh_bundle_free(b);
  lfh_test_rmtree(dir);
  free(dir);
}

int main(void) {
  static const lfh_test_case cases[] = {{"clickstream model", test_clickstream},
                                        {"ci target", test_ci_target},
                                        {"small bundle: paths, defaults, order", test_small},
                                        {"cycle", test_cycle},
                                        {NULL, NULL}};
  return lfh_test_run("pipeline", cases);
}
