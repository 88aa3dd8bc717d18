/*
 * Auto Loader's add_new_columns through the real lfhost binary and lf_bronze.so: a file
 * with a field outside the schema stops the update (exit 1, the new column named), the
 * rerun picks the column up, the bronze table evolves (the old rows keep their field ids,
 * the new column gets a fresh one) and every line is a row exactly once, the new field in
 * its own column rather than in _rescued_data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_iceberg_schema.h"
#include "table/lfh_table.h"
#include "table/lfh_table_meta.h"

static char *g_dir;

static int write_text(const char *rel, const char *text) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", g_dir, rel);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

static int lfhost(const char *cmd, char *out, size_t cap) {
  char full[2048], log[1024];
  snprintf(log, sizeof log, "%s/out.log", g_dir);
  snprintf(full, sizeof full, LFHOST_EXE " %s '%s/b.yml' >'%s' 2>&1", cmd, g_dir, log);
  int st = system(full);
  char *text = lfh_test_slurp(log, NULL);
  snprintf(out, cap, "%s", text ? text : "");
  free(text);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

typedef struct rows {
  int64_t n, with_color, rescued;
} rows;

static int on_batch(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  rows *r = ctx;
  lf_view v, c;
  for (int64_t k = 0; k < schema->n_children; k++) {
    const char *name = schema->children[k]->name;
    int color = strcmp(name, "color") == 0, resc = strcmp(name, "_rescued_data") == 0;
    if ((!color && !resc) || lf_view_init(&v, schema, batch, NULL) != LF_OK ||
        lf_view_child(&v, k, &c) != LF_OK)
      continue;
    for (int64_t i = 0; i < batch->length; i++)
      if (lf_view_is_valid(&c, i)) *(color ? &r->with_color : &r->rescued) += 1;
  }
  r->n += batch->length;
  lf_array_release(batch);
  return 0;
}

static void test_add_new_columns(void) {
  g_dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(g_dir);
  char path[1024], out[8192];
  snprintf(path, sizeof path, "%s/landing", g_dir);
  CU_ASSERT_EQUAL_FATAL(mkdir(path, 0755), 0);
  CU_ASSERT_EQUAL_FATAL(write_text("landing/a.json", "{\"id\": 1}\n{\"id\": 2}\n"), 0);
  char bundle[2048];
  snprintf(bundle, sizeof bundle,
           "bundle:\n  name: evolve\nworkspace:\n  root_path: %s/ws\n"
           "resources:\n  pipelines:\n    p:\n      name: p\n      catalog: main\n"
           "      schema: raw\n      storage: %s/lake\n"
           "      libraries:\n        - plugin: lf_bronze\n"
           "      datasets:\n        events:\n          type: streaming_table\n"
           "      flows:\n        ingest:\n          target: events\n"
           "          source:\n            stage: autoloader\n            options:\n"
           "              path: %s/landing\n              format: json\n"
           "              schema: id BIGINT\n              min_file_age: 0s\n"
           "              max_files_per_trigger: 1\n"
           "              schema_evolution_mode: add_new_columns\n"
           "              schema_location: %s/schemas\n",
           g_dir, g_dir, g_dir, g_dir);
  CU_ASSERT_EQUAL_FATAL(write_text("b.yml", bundle), 0);
  CU_ASSERT_EQUAL_FATAL(lfhost("deploy", out, sizeof out), 0);
  CU_ASSERT_EQUAL(lfhost("run", out, sizeof out), 0);

  /* A new field: the update stops and names it. */
  CU_ASSERT_EQUAL_FATAL(write_text("landing/b.json", "{\"id\": 3, \"color\": \"red\"}\n"), 0);
  CU_ASSERT_EQUAL(lfhost("run", out, sizeof out), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "new columns"));
  CU_ASSERT_PTR_NOT_NULL(strstr(out, "color"));
  fprintf(stderr, "\n    first run with the new field: %s", out);

  /* The rerun evolves the table and ingests the file with the column. */
  int rc = lfhost("run", out, sizeof out);
  if (rc != 0) fprintf(stderr, "\n    rerun: %s", out);
  CU_ASSERT_EQUAL(rc, 0);
  char m[512];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  snprintf(path, sizeof path, "%s/lake", g_dir);
  lfh_store *s = lfh_store_open(path, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  lfh_table *t = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(s, "main/raw/events", &t, &e), LF_OK);
  const lfh_table_meta *meta = lfh_table_metadata(t);
  const lfh_ice_schema *cur = lfh_table_meta_current_schema(meta);
  CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
  CU_ASSERT_TRUE(cur->schema_id > 0); /* a new schema, not the deployed one */
  rows r = {0};
  CU_ASSERT_EQUAL(lfh_table_scan(t, &(lfh_scan_opts){0}, on_batch, &r, &e), LF_OK);
  CU_ASSERT_EQUAL(r.n, 3);
  CU_ASSERT_EQUAL(r.with_color, 1);
  CU_ASSERT_EQUAL(r.rescued, 0);
  lfh_table_close(t);
  lfh_store_close(s);
  lfh_test_rmtree(g_dir);
  free(g_dir);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"add_new_columns: stop, rerun, the table evolves", test_add_new_columns}, {NULL, NULL}};
  return lfh_test_run("bronze_evolve", cases);
}
