/* test_deploy — `lfhost deploy`, `destroy`, `summary` on a small bundle fed by the engine's
 * fixture plugin (tests/plugins: test_seq, test_count) and expectations with quarantine:
 * first deploy creates the tables, the quarantine table and the event log; a second
 * deploy prints "0 created, 0 changed" and leaves the state file and every table version
 * untouched; the pipeline id is stable; an added transform evolves the tables; a
 * partitioning change and a removed dataset are refused without --auto-approve (nothing
 * changed) and applied with it without losing rows; a held lock refuses; destroy and
 * summary -o json. Also deploys the repository's bundles/dev.yml with whatever plugins
 * are built (pending datasets are notes, never errors). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deploy/lfh_deploy.h"
#include "deploy/lfh_deploy_state.h"
#include "deploy/lfh_lock.h"
#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#define PLUGIN_DIR LFH_BINARY_DIR "/tests/engine-plugins"

static char *g_dir;
static char *g_out, *g_err;
static char msg[1024];
static lf_error err;

static lf_error *err0(void) {
  lf_error_init(&err, msg, sizeof(msg));
  return &err;
}

/* Bundle variants: `count` adds the test_count transform (a new column), `part` adds
 * partition_cols, `other` adds a second dataset. */
static char *bundle(int count, int part, int other) {
  char *t = NULL;
  int n = asprintf(&t,
      "bundle: {name: dep, plugin_path: [\"%s\"]}\n"
      "workspace: {root_path: \"%s/root\"}\n"
      "resources:\n"
      "  pipelines:\n"
      "    p:\n"
      "      name: pname\n"
      "      catalog: cat\n"
      "      schema: sch\n"
      "      libraries: [{plugin: lft_engine}]\n"
      "      datasets:\n"
      "        raw:\n"
      "          type: streaming_table\n"
      "          comment: raw rows\n"
      "          table_properties: {write.avro.compression-codec: snappy}\n"
      "%s"
      "          expectations:\n"
      "            - {name: has_email, expr: \"email IS NOT NULL\", on_violation: drop, quarantine: true}\n"
      "%s"
      "        report: {type: materialized_view, sql: \"SELECT 1 AS one\"}\n"
      "      flows:\n"
      "        ingest:\n"
      "          target: raw\n"
      "          source: {stage: test_seq, options: {limit_file: \"%s/limit\"}}\n"
      "%s"
      "%s"
      "  jobs:\n"
      "    j:\n"
      "      name: jj\n"
      "      tasks: [{task_key: t, pipeline_task: {pipeline_id: p}}]\n",
      PLUGIN_DIR, g_dir, part ? "          partition_cols: [id]\n" : "",
      other ? "        other: {type: streaming_table}\n" : "", g_dir,
      count ? "          transforms: [{stage: test_count}]\n" : "",
      other ? "        feed_other:\n"
              "          target: other\n"
              "          source: {table: raw}\n" : "");
  CU_ASSERT_FATAL(n > 0);
  return t;
}

static char *write_bundle(int count, int part, int other) {
  char *text = bundle(count, part, other);
  char *p = lfh_test_write(g_dir, "bundle.yml", text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  free(text);
  return p;
}

typedef enum { DEPLOY, DESTROY, SUMMARY } command;

/* Runs a command in-process; stdout/stderr text in g_out/g_err. */
static int run(command c, const char *path, int auto_approve, int force, int json) {
  size_t n1 = 0, n2 = 0;
  free(g_out);
  free(g_err);
  lfh_deploy_opts o;
  memset(&o, 0, sizeof o);
  o.bundle.path = path;
  o.auto_approve = auto_approve;
  o.force_lock = force;
  o.json = json;
  o.out = open_memstream(&g_out, &n1);
  o.errs = open_memstream(&g_err, &n2);
  int rc = c == DEPLOY ? lfh_deploy_run(&o) : c == DESTROY ? lfh_deploy_destroy(&o)
                                                           : lfh_deploy_summary(&o);
  fclose(o.out);
  fclose(o.errs);
  if (rc != 0) fprintf(stderr, "--- out:\n%s--- err:\n%s", g_out, g_err);
  return rc;
}

static int has(const char *text, const char *s) { return text && strstr(text, s) != NULL; }

static char *root(void) {
  char *r = NULL;
  CU_ASSERT_FATAL(asprintf(&r, "%s/root", g_dir) > 0);
  return r;
}

static lfh_store *lake(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/root/lakehouse", g_dir);
  lfh_store *s = lfh_store_open(path, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  return s;
}

static int64_t table_version(const char *prefix) {
  lfh_store *s = lake();
  lfh_table *t = NULL;
  int64_t v = -1;
  if (lfh_table_open(s, prefix, &t, err0()) == LF_OK) v = lfh_table_version(t);
  lfh_table_close(t);
  lfh_store_close(s);
  return v;
}

static char *state_text(struct stat *st) {
  char path[1024];
  snprintf(path, sizeof path, "%s/root/state/deployment.json", g_dir);
  if (st) CU_ASSERT_EQUAL(stat(path, st), 0);
  return lfh_test_slurp(path, NULL);
}

static char *pipeline_id(void) {
  char *r = root(), *id = NULL;
  lfh_deploy_state *s = NULL;
  if (lfh_deploy_state_load(r, &s, err0()) == 0 && lfh_deploy_state_pipeline_id(s, "p"))
    id = strdup(lfh_deploy_state_pipeline_id(s, "p"));
  lfh_deploy_state_free(s);
  free(r);
  return id;
}

static int has_column(const char *prefix, const char *col) {
  lfh_store *s = lake();
  lfh_table *t = NULL;
  int found = 0;
  if (lfh_table_open(s, prefix, &t, err0()) == LF_OK) {
    const lfh_ice_schema *sc = lfh_table_meta_current_schema(lfh_table_metadata(t));
    for (size_t i = 0; i < sc->root->n_fields; i++) found |= !strcmp(sc->root->fields[i].name, col);
  }
  lfh_table_close(t);
  lfh_store_close(s);
  return found;
}

/* ------------------------------------------------------------ tests */

static void test_first_and_second_deploy(void) {
  char *b = write_bundle(0, 0, 0);
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, b, 0, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "+ pipeline p (id "));
  CU_ASSERT_TRUE(has(g_out, "+ job j (id "));
  CU_ASSERT_TRUE(has(g_out, "+ streaming_table cat.sch.raw\n"));
  CU_ASSERT_TRUE(has(g_out, "+ quarantine cat.sch.raw_quarantine\n"));
  CU_ASSERT_TRUE(has(g_out, "+ event_log cat.sch.p_event_log\n"));
  CU_ASSERT_TRUE(has(g_out, ". pending materialized_view cat.sch.report"));
  CU_ASSERT_TRUE(has(g_out, "5 created, 0 changed"));
  CU_ASSERT_EQUAL(table_version("cat/sch/raw"), 1);
  CU_ASSERT_TRUE(table_version("cat/sch/p_event_log") >= 1);
  CU_ASSERT_TRUE(has_column("cat/sch/raw_quarantine", "_quarantine_rules"));
  CU_ASSERT_TRUE(has_column("cat/sch/raw", "email"));
  /* table properties and comment from the bundle */
  lfh_store *s = lake();
  lfh_table *t = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(s, "cat/sch/raw", &t, err0()), LF_OK);
  const lfh_table_meta *m = lfh_table_metadata(t);
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&m->properties, LFH_TABLE_PROP_CODEC), "snappy");
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&m->properties, "comment"), "raw rows");
  char uuid[37];
  memcpy(uuid, m->table_uuid, sizeof uuid);
  lfh_table_close(t);
  lfh_store_close(s);
  /* the state names the table's uuid, the plugin version, the pipeline id */
  char *r = root();
  lfh_deploy_state *st = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_deploy_state_load(r, &st, err0()), 0);
  const lfh_deploy_table *dt = lfh_deploy_state_table(st, "cat.sch.raw");
  CU_ASSERT_PTR_NOT_NULL_FATAL(dt);
  CU_ASSERT_STRING_EQUAL(dt->table_uuid, uuid);
  CU_ASSERT_PTR_NULL(lfh_deploy_state_table(st, "cat.sch.report"));
  int found = 0;
  for (size_t i = 0; i < st->n_plugins; i++)
    found |= !strcmp(st->plugins[i].name, "lft_engine") && !strcmp(st->plugins[i].version, "0.0.1");
  CU_ASSERT_TRUE(found);
  CU_ASSERT_EQUAL(strlen(lfh_deploy_state_pipeline_id(st, "p")), 36);
  CU_ASSERT_TRUE(has(st->bundle_digest, "sha256:"));
  lfh_deploy_state_free(st);
  free(r);
  char *id1 = pipeline_id();
  struct stat st1, st2;
  char *before = state_text(&st1);
  usleep(20000); /* a rewrite would show in the mtime */
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, b, 0, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "0 created, 0 changed"));
  CU_ASSERT_FALSE(has(g_out, "+ "));
  char *after = state_text(&st2);
  CU_ASSERT_STRING_EQUAL(before, after);
  CU_ASSERT_EQUAL(st1.st_mtim.tv_sec, st2.st_mtim.tv_sec);
  CU_ASSERT_EQUAL(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
  CU_ASSERT_EQUAL(table_version("cat/sch/raw"), 1);
  char *id2 = pipeline_id();
  CU_ASSERT_STRING_EQUAL(id1, id2);
  free(before);
  free(after);
  free(id1);
  free(id2);
  free(b);
}

static void test_additive_change_evolves(void) {
  char *b = write_bundle(1, 0, 0), *id1 = pipeline_id();
  CU_ASSERT_FALSE(has_column("cat/sch/raw", "seq"));
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, b, 0, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "~ streaming_table cat.sch.raw: adds column seq"));
  CU_ASSERT_TRUE(has(g_out, "~ quarantine cat.sch.raw_quarantine: adds column seq"));
  CU_ASSERT_TRUE(has(g_out, "0 created, 2 changed"));
  CU_ASSERT_TRUE(has_column("cat/sch/raw", "seq"));
  CU_ASSERT_TRUE(has_column("cat/sch/raw_quarantine", "seq"));
  CU_ASSERT_EQUAL(table_version("cat/sch/raw"), 2);
  char *id2 = pipeline_id();
  CU_ASSERT_STRING_EQUAL(id1, id2);
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, b, 0, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "0 created, 0 changed"));
  free(id1);
  free(id2);
  free(b);
}

/* Appends 3 rows to raw; returns the snapshot id. */
static int64_t add_rows(void) {
  lfh_store *s = lake();
  lfh_table *t = NULL;
  lfh_table_append *a = NULL;
  struct ArrowArray arr;
  struct ArrowSchema sch;
  int64_t snap = 0;
  lf_builder *bl = lf_builder_new("+s", "");
  lf_builder *id = lf_builder_add_child(bl, "l", "id");
  for (int i = 0; i < 3; i++) {
    lf_builder_append_struct(bl);
    lf_builder_append_int64(id, i);
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(bl, &arr, &sch, err0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(s, "cat/sch/raw", &t, err0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_table_append_begin(t, &sch, &a, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_append_batch(a, &arr, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_append_commit(a, NULL, &snap, err0()), LF_OK);
  lfh_table_append_free(a);
  lfh_table_close(t);
  lfh_store_close(s);
  lf_array_release(&arr);
  lf_schema_release(&sch);
  return snap;
}

static int count_cb(void *ctx, const struct ArrowSchema *s, struct ArrowArray *b) {
  (void)s;
  *(int64_t *)ctx += b->length;
  lf_array_release(b);
  return 0;
}

static int64_t rows_at(int64_t snapshot) {
  lfh_store *s = lake();
  lfh_table *t = NULL;
  int64_t n = 0;
  lfh_scan_opts o;
  memset(&o, 0, sizeof o);
  o.snapshot_id = snapshot;
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(s, "cat/sch/raw", &t, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_scan(t, &o, count_cb, &n, err0()), LF_OK);
  lfh_table_close(t);
  lfh_store_close(s);
  return n;
}

static void test_destructive_refused_then_approved(void) {
  int64_t snap = add_rows();
  CU_ASSERT_EQUAL(rows_at(0), 3);
  char *ck = lfh_test_write(g_dir, "root/checkpoints/p/ingest/plan/1", "{}");
  char *b = write_bundle(1, 1, 0);
  struct stat st1, st2;
  char *before = state_text(&st1);
  int64_t v = table_version("cat/sch/raw");
  CU_ASSERT_EQUAL(run(DEPLOY, b, 0, 0, 0), 1);
  CU_ASSERT_TRUE(has(g_out, "! recreate streaming_table cat.sch.raw: changes the partitioning"));
  CU_ASSERT_TRUE(has(g_err, "--auto-approve"));
  CU_ASSERT_TRUE(has(g_err, "nothing was changed"));
  char *after = state_text(&st2);
  CU_ASSERT_STRING_EQUAL(before, after);
  CU_ASSERT_EQUAL(table_version("cat/sch/raw"), v);
  CU_ASSERT_EQUAL(rows_at(0), 3);
  CU_ASSERT_EQUAL(access(ck, F_OK), 0);
  free(after);
  /* approved: replaced, checkpoints of its flow reset, the old rows still reachable */
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, b, 1, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "! recreate streaming_table cat.sch.raw"));
  CU_ASSERT_EQUAL(rows_at(0), 0);
  CU_ASSERT_EQUAL(rows_at(snap), 3);
  CU_ASSERT_NOT_EQUAL(access(ck, F_OK), 0);
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, b, 0, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "0 created, 0 changed"));
  free(before);
  free(ck);
  free(b);
}

static void test_removed_dataset(void) {
  char *b = write_bundle(1, 1, 1);
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, b, 0, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "+ streaming_table cat.sch.other\n"));
  CU_ASSERT_TRUE(has(g_out, "1 created, 0 changed"));
  free(b);
  b = write_bundle(1, 1, 0);
  CU_ASSERT_EQUAL(run(DEPLOY, b, 0, 0, 0), 1);
  CU_ASSERT_TRUE(has(g_out, "! remove streaming_table cat.sch.other"));
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, b, 1, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "1 removed"));
  CU_ASSERT_TRUE(table_version("cat/sch/other") >= 1); /* data kept */
  char *r = root();
  lfh_deploy_state *st = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_deploy_state_load(r, &st, err0()), 0);
  CU_ASSERT_PTR_NULL(lfh_deploy_state_table(st, "cat.sch.other"));
  CU_ASSERT_PTR_NOT_NULL(lfh_deploy_state_table(st, "cat.sch.raw"));
  lfh_deploy_state_free(st);
  free(r);
  free(b);
}

static void test_lock_refuses(void) {
  char *b = write_bundle(1, 1, 0), *r = root();
  lfh_lock *l = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_lock_acquire(r, "deploy", 0, &l, err0()), 0);
  CU_ASSERT_EQUAL(run(DEPLOY, b, 0, 0, 0), 1);
  char pid[32];
  snprintf(pid, sizeof pid, "pid %d", (int)getpid());
  CU_ASSERT_TRUE(has(g_err, pid));
  CU_ASSERT_TRUE(has(g_err, "--force-lock"));
  CU_ASSERT_EQUAL(run(DEPLOY, b, 0, 1, 0), 0);
  CU_ASSERT_TRUE(has(g_err, "overrode the lock"));
  CU_ASSERT_EQUAL(lfh_lock_release(l, err0()), 0);
  lfh_lock_holder h;
  CU_ASSERT_EQUAL(lfh_lock_read(r, &h, err0()), LF_ERR_NOT_FOUND); /* released after use */
  free(r);
  free(b);
}

static void test_summary_json(void) {
  char *b = write_bundle(1, 1, 0), *id = pipeline_id();
  CU_ASSERT_EQUAL_FATAL(run(SUMMARY, b, 0, 0, 1), 0);
  json_t *o = json_loads(g_out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "bundle")), "dep");
  CU_ASSERT_TRUE(json_is_true(json_object_get(o, "deployed")));
  json_t *res = json_object_get(o, "resources");
  const char *got = json_string_value(
      json_object_get(json_object_get(json_object_get(res, "pipelines"), "p"), "id"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(got);
  CU_ASSERT_STRING_EQUAL(got, id);
  json_t *raw = json_object_get(json_object_get(res, "tables"), "cat.sch.raw");
  CU_ASSERT_TRUE(has(json_string_value(json_object_get(raw, "location")), "/cat/sch/raw"));
  CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(res, "plugins"), "lft_engine"));
  CU_ASSERT_TRUE(has(json_string_value(json_object_get(json_object_get(o, "workspace"), "root_path")),
                     "/root"));
  json_decref(o);
  CU_ASSERT_EQUAL_FATAL(run(SUMMARY, b, 0, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "Id: "));
  CU_ASSERT_TRUE(has(g_out, id));
  CU_ASSERT_TRUE(has(g_out, "lft_engine 0.0.1"));
  free(id);
  free(b);
}

static void test_destroy(void) {
  char *b = write_bundle(1, 1, 0);
  char *ck = lfh_test_write(g_dir, "root/checkpoints/p/ingest/state/3", "{}");
  CU_ASSERT_EQUAL(run(DESTROY, b, 0, 0, 0), 1);
  CU_ASSERT_TRUE(has(g_out, "delete streaming_table cat.sch.raw"));
  CU_ASSERT_TRUE(table_version("cat/sch/raw") >= 1);
  CU_ASSERT_EQUAL_FATAL(run(DESTROY, b, 1, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "Destroy complete"));
  CU_ASSERT_EQUAL(table_version("cat/sch/raw"), -1);
  CU_ASSERT_EQUAL(table_version("cat/sch/raw_quarantine"), -1);
  CU_ASSERT_EQUAL(table_version("cat/sch/p_event_log"), -1);
  CU_ASSERT_NOT_EQUAL(access(ck, F_OK), 0);
  char *state = state_text(NULL);
  CU_ASSERT_PTR_NULL(state);
  free(state);
  CU_ASSERT_EQUAL(run(DESTROY, b, 1, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "never deployed"));
  CU_ASSERT_EQUAL_FATAL(run(SUMMARY, b, 0, 0, 1), 0);
  CU_ASSERT_TRUE(has(g_out, "\"deployed\": false"));
  /* deployed again from scratch: a new pipeline id */
  free(ck);
  free(b);
}

static void test_invalid_bundle_refused(void) {
  char *p = lfh_test_write(g_dir, "bad/bundle.yml",
                           "bundle: {name: bad}\nresources: {pipelines: {p: {nmae: x}}}\n");
  CU_ASSERT_EQUAL(run(DEPLOY, p, 1, 0, 0), 1);
  CU_ASSERT_TRUE(has(g_err, "does not validate"));
  char state[1024];
  snprintf(state, sizeof state, "%s/bad/.lfhost", g_dir);
  CU_ASSERT_NOT_EQUAL(access(state, F_OK), 0);
  free(p);
}

/* The repository's dev bundle with whatever plugins are built: it validates, so it must
 * deploy (datasets whose plugins are missing are pending), and a redeploy is a no-op. */
static void test_dev_bundle(void) {
  char cmd[2048], path[1024];
  snprintf(cmd, sizeof cmd, "cp -r %s/bundles %s/devb", LFH_SOURCE_DIR, g_dir);
  CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "rm -rf %s/devb/.lfhost", g_dir);
  CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
  snprintf(path, sizeof path, "%s/devb/dev.yml", g_dir);
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, path, 0, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "+ pipeline clickstream"));
  CU_ASSERT_TRUE(has(g_out, ". pending materialized_view dev.clickstream.daily_active_users"));
  CU_ASSERT_TRUE(has(g_out, "+ event_log dev.clickstream.clickstream_event_log"));
  CU_ASSERT_EQUAL_FATAL(run(DEPLOY, path, 0, 0, 0), 0);
  CU_ASSERT_TRUE(has(g_out, "0 created, 0 changed"));
}

int main(void) {
  g_dir = lfh_test_tmpdir();
  char *limit = lfh_test_write(g_dir, "limit", "0\n");
  free(limit);
  static const lfh_test_case cases[] = {
      {"first deploy creates, second touches nothing", test_first_and_second_deploy},
      {"additive change evolves, id stable", test_additive_change_evolves},
      {"destructive change refused, then approved", test_destructive_refused_then_approved},
      {"removed dataset detached, data kept", test_removed_dataset},
      {"held lock refuses, --force-lock", test_lock_refuses},
      {"summary -o json", test_summary_json},
      {"destroy", test_destroy},
      {"invalid bundle refused", test_invalid_bundle_refused},
      {"bundles/dev.yml deploys with the plugins that exist", test_dev_bundle},
      {NULL, NULL}};
  int rc = lfh_test_run("deploy", cases);
  lfh_test_rmtree(g_dir);
  free(g_dir);
  free(g_out);
  free(g_err);
  return rc;
}
