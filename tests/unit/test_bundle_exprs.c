/*
 * test_bundle_exprs — `lfhost validate`'s expression and schema pass
 * (host/bundle/lfh_bundle_exprs.c) on the bundles of tests/data/bundles_expr/: every
 * kind of mistake (syntax, unknown column with its suggestion, unknown function, bad
 * DDL) at its exact file:line:col, the schema rules (declared, derived from a source
 * stage, unknown: syntax only), positions in every YAML scalar style, and clean bundles
 * (the shipped ones included) passing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/lfh_bundle.h"
#include "bundle/lfh_bundle_exprs.h"
#include "lfh_test.h"
#include "loader/lfh_loader.h"

#define DATA_DIR LFH_TEST_DATA_DIR "/bundles_expr/"

typedef struct fx {
  const char *file;
  lfh_bundle *b;
  lfh_registry *reg;
  lfh_searchpath sp;
  lfh_diags d;
  size_t errors;
  unsigned failures_before;
} fx;

/* Loads and checks `path` (the whole of lfh_bundle_check, as validate runs it) with
 * `plugin_dir` as --plugin-path (NULL: none configured). */
static void run_path(fx *f, const char *path, const char *const *vars, size_t n_vars,
                     const char *plugin_dir) {
  memset(f, 0, sizeof *f);
  const char *slash = strrchr(path, '/');
  f->file = slash ? slash + 1 : path;
  f->failures_before = CU_get_number_of_failures();
  lfh_diags_init(&f->d);
  lfh_bundle_opts opts = {.path = path, .vars = vars, .n_vars = n_vars};
  int rc = lfh_bundle_load(&opts, &f->b, &f->d);
  if (rc != 0) lfh_diags_print(&f->d, LFH_OUT_TEXT, stderr);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  f->reg = lfh_registry_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(f->reg);
  CU_ASSERT_EQUAL_FATAL(lfh_searchpath_init(&f->sp, plugin_dir, NULL, 0), 0);
  f->errors = lfh_bundle_check(f->b, f->reg, &f->sp, &f->d);
}

static void run(fx *f, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, DATA_DIR "%s", name);
  run_path(f, path, NULL, 0, LFH_ABI_FIXTURE_DIR);
}

static void done(fx *f) {
  if (CU_get_number_of_failures() > f->failures_before) lfh_diags_print(&f->d, LFH_OUT_TEXT, stderr);
  lfh_bundle_free(f->b);
  lfh_registry_free(f->reg);
  lfh_searchpath_free(&f->sp);
  lfh_diags_free(&f->d);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = s ? strlen(s) : 0, k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The error whose YAML path is `path`: exactly one, at line:col of the test's file, its
 * message containing `needle` and its hint containing `hint` (when not NULL). */
static void expect_at(const fx *f, int test_line, const char *path, const char *needle,
                      unsigned line, unsigned col, const char *hint) {
  const lfh_diag *g = NULL;
  size_t n = 0;
  for (size_t i = 0; i < f->d.n; i++)
    if (f->d.items[i].yaml_path && strcmp(f->d.items[i].yaml_path, path) == 0 &&
        f->d.items[i].sev == LFH_SEV_ERROR)
      g = &f->d.items[i], n++;
  if (n != 1) fprintf(stderr, "\n  test line %d: %zu errors at %s\n", test_line, n, path);
  CU_ASSERT_EQUAL_FATAL(n, 1);
  int ok = strstr(g->message, needle) && g->line == line && g->col == col &&
           ends_with(g->file, f->file) && (!hint || (g->hint && strstr(g->hint, hint)));
  if (!ok)
    fprintf(stderr, "\n  test line %d: got \"%s\" at %s:%u:%u hint \"%s\"; want \"%s\" at "
            "%s:%u:%u hint \"%s\"\n", test_line, g->message, g->file ? g->file : "?", g->line,
            g->col, g->hint ? g->hint : "", needle, f->file, line, col, hint ? hint : "");
  CU_ASSERT_TRUE(ok);
}

#define EXPECT(f, path, needle, line, col, hint) \
  expect_at((f), __LINE__, "resources.pipelines.p." path, (needle), (line), (col), (hint))

static void no_error_at(const fx *f, const char *path) {
  for (size_t i = 0; i < f->d.n; i++) {
    int hit = f->d.items[i].yaml_path && strcmp(f->d.items[i].yaml_path, path) == 0;
    if (hit) fprintf(stderr, "\n  unexpected: %s (%s)\n", f->d.items[i].message, path);
    CU_ASSERT_FALSE(hit);
  }
}

/* ------------------------------------------------------------ errors.yml */

static void test_unknown_columns(void) {
  fx f;
  run(&f, "errors.yml");
  EXPECT(&f, "datasets.events.expectations[0].expr",
         "unknown column 'evnt_ts' at 1:1; did you mean 'event_ts'?", 23, 21,
         "resources.pipelines.p.datasets.events.schema");
  EXPECT(&f, "datasets.events.not_null[1]", "unknown column 'evnt_id'", 20, 32, NULL);
  /* the second line of a folded block, and the indented line of a literal block */
  EXPECT(&f, "datasets.events.expectations[3].expr", "unknown column 'amont'", 31, 20, NULL);
  EXPECT(&f, "datasets.events.expectations[4].expr",
         "unknown field 'emial' in 'user' at 2:8; did you mean 'email'?", 35, 24, NULL);
  /* from_source has no schema of its own: its feeding flow's source schema counts */
  EXPECT(&f, "datasets.from_source.expectations[0].expr", "unknown column 'idd'", 58, 21,
         "resources.pipelines.p.flows.load_from_source.source.options.schema");
  /* a source stage's expr option sees the rows its own schema option declares */
  EXPECT(&f, "flows.load_from_source.source.options.filter",
         "unknown column 'tss' at 1:1; did you mean 'ts'?", 82, 23,
         "the columns are those of resources.pipelines.p.flows.load_from_source.source.options.schema");
  done(&f);
}

static void test_syntax_and_functions(void) {
  fx f;
  run(&f, "errors.yml");
  EXPECT(&f, "datasets.events.expectations[1].expr", "'AND' at 1:17", 25, 38, "docs/SQL.md");
  EXPECT(&f, "datasets.events.expectations[2].expr",
         "unknown function 'lowr' at 1:1; did you mean 'lower'?", 27, 22, "docs/SQL.md");
  EXPECT(&f, "flows.load_raw.source.options.filter", "'>' at 1:5", 66, 27, "docs/SQL.md");
  /* at the end of the expression: the column after its last character */
  EXPECT(&f, "flows.load_events.auto_cdc.apply_as_deletes", "end of expression at 1:13", 74, 43,
         NULL);
  EXPECT(&f, "datasets.raw.expectations[1].expr", "end of expression at 1:21", 45, 41, NULL);
  done(&f);
}

static void test_syntax_only_without_schema(void) {
  fx f;
  run(&f, "errors.yml");
  /* raw's schema is unknown: an unknown column is not an error, nor sequence_by: seq */
  no_error_at(&f, "resources.pipelines.p.datasets.raw.expectations[0].expr");
  no_error_at(&f, "resources.pipelines.p.flows.load_events.auto_cdc.sequence_by");
  no_error_at(&f, "resources.pipelines.p.datasets.events.expectations[5].expr");
  no_error_at(&f, "resources.pipelines.p.datasets.events.unique[0]");
  done(&f);
}

static void test_bad_ddl(void) {
  fx f;
  run(&f, "errors.yml");
  EXPECT(&f, "datasets.bad_ddl.schema", "invalid schema: unknown type 'STRNG' at 1:17", 48, 36,
         "did you mean 'STRING'?");
  EXPECT(&f, "datasets.unbalanced_ddl.schema",
         "invalid schema: missing '>' to close ARRAY< at 2:18", 53, 30,
         "the ARRAY< opened at 2:6 is not closed");
  EXPECT(&f, "flows.load_bad_ddl.source.options.schema",
         "invalid schema: duplicate field name 'id' at 1:12", 89, 34, NULL);
  /* nothing else: every mistake in the file is reported once */
  CU_ASSERT_EQUAL(f.errors, 14);
  CU_ASSERT_EQUAL(lfh_diags_count(&f.d, LFH_SEV_WARNING), 0);
  done(&f);
}

/* ------------------------------------------------------------ clean bundles */

static void test_clean_bundle(void) {
  fx f;
  run(&f, "clean.yml");
  CU_ASSERT_EQUAL(f.errors, 0);
  CU_ASSERT_EQUAL(lfh_diags_count(&f.d, LFH_SEV_WARNING), 0);
  CU_ASSERT_EQUAL(lfh_registry_stage_count(f.reg), 2); /* the options were really typed */
  done(&f);
}

static void test_shipped_bundles(void) {
  static const char *const prod_vars[] = {"storage_account=lfhtestacct"};
  fx f;
  run_path(&f, LFH_SOURCE_DIR "/bundles/dev.yml", NULL, 0, NULL);
  CU_ASSERT_EQUAL(lfh_diags_count(&f.d, LFH_SEV_ERROR), 0);
  done(&f);
  run_path(&f, LFH_SOURCE_DIR "/bundles/prod.yml", prod_vars, 1, NULL);
  CU_ASSERT_EQUAL(lfh_diags_count(&f.d, LFH_SEV_ERROR), 0);
  done(&f);
}

/* A typo in a shipped expectation is caught (syntax only there: no schema is declared). */
static void test_shipped_bundle_typo(void) {
  char *dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  size_t len = 0;
  char *text = lfh_test_slurp(LFH_SOURCE_DIR "/bundles/resources/clickstream_pipeline.yml", &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  const char *from = "expr: user.email_hash IS NULL OR length(user.email_hash) = 64";
  char *at = strstr(text, from);
  CU_ASSERT_PTR_NOT_NULL_FATAL(at);
  memcpy(at + strlen("expr: user.email_hash IS NULL OR "), "lenght", 6);
  unsigned line = 1;
  for (const char *p = text; p < at; p++) line += *p == '\n';
  unsigned col = 1;
  while (at - col >= text && at[-(long)col] != '\n') col++;
  char *res = lfh_test_write(dir, "resources/clickstream_pipeline.yml", text);
  char *copy = lfh_test_slurp(LFH_SOURCE_DIR "/bundles/dev.yml", &len);
  char *root = copy ? lfh_test_write(dir, "dev.yml", copy) : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(res);
  CU_ASSERT_PTR_NOT_NULL_FATAL(root);
  fx f;
  run_path(&f, root, NULL, 0, NULL);
  f.file = "resources/clickstream_pipeline.yml";
  expect_at(&f, __LINE__,
            "resources.pipelines.clickstream.datasets.silver_events.expectations[3].expr",
            "lenght", line, col + (unsigned)strlen("expr: user.email_hash IS NULL OR "), NULL);
  done(&f);
  free(res);
  free(root);
  free(copy);
  free(text);
  lfh_test_rmtree(dir);
  free(dir);
}

/* ------------------------------------------------------------ references */

static void test_substituted_values(void) {
  fx f;
  run(&f, "vars.yml");
  /* before the ${...}: exact; after it: the start of the value */
  EXPECT(&f, "datasets.t.expectations[0].expr", "unknown column 'aa'", 18, 21, NULL);
  EXPECT(&f, "datasets.t.expectations[1].expr", "unknown column 'bb'", 20, 21, NULL);
  CU_ASSERT_EQUAL(f.errors, 2);
  done(&f);
}

/* ------------------------------------------------------------ positions in scalars */

static void expect_mark(const lfh_node *root, const char *key, size_t offset, unsigned line,
                        unsigned col) {
  const lfh_node *n = lfh_map_get(root, key);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  lfh_mark m = lfh_scalar_offset_mark(n, offset);
  if (m.line != line || m.col != col)
    fprintf(stderr, "\n  %s[%zu]: got %u:%u, want %u:%u\n", key, offset, m.line, m.col, line, col);
  CU_ASSERT_EQUAL(m.line, line);
  CU_ASSERT_EQUAL(m.col, col);
}

static size_t offset_of_bb(const lfh_node *root, const char *key) {
  const lfh_node *n = lfh_map_get(root, key);
  const char *bb = n && n->scalar ? strstr(n->scalar, "bb") : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(bb);
  return (size_t)(bb - n->scalar);
}

static void test_scalar_styles(void) {
  lfh_diags d;
  lfh_diags_init(&d);
  lfh_node *root = lfh_yaml_load_file(DATA_DIR "styles.yml", &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(root);
  static const struct {
    const char *key;
    unsigned line, col;
  } cases[] = {{"plain", 2, 18},  {"plain_multi", 4, 7}, {"single", 5, 16},
               {"double", 6, 21}, {"double_multi", 8, 7}, {"literal", 11, 12},
               {"folded", 15, 8}, {"utf8", 16, 11}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    expect_mark(root, cases[i].key, offset_of_bb(root, cases[i].key), cases[i].line, cases[i].col);
  expect_mark(root, "plain", 0, 2, 8);
  expect_mark(root, "plain", 16, 2, 24);  /* the end: after the last character */
  expect_mark(root, "plain", 999, 2, 24);
  expect_mark(root, "empty", 0, 18, 8);   /* nothing to align: the value's mark */
  /* a value that is no longer the file's text (a substituted reference) */
  lfh_node *sub = lfh_map_get(root, "substituted");
  CU_ASSERT_EQUAL_FATAL(lfh_node_set_text(sub, "x > 5 AND bb", 12), 0);
  expect_mark(root, "substituted", 2, 17, 16);  /* before the reference: exact */
  expect_mark(root, "substituted", 10, 17, 14); /* after it: the start */
  lfh_node_free(root);
  lfh_diags_free(&d);
  /* a node whose file is gone */
  lfh_mark m = {"/nonexistent/bundle.yml", 3, 9};
  lfh_node *n = lfh_node_new_scalar("a > 1", &m);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  lfh_mark got = lfh_scalar_offset_mark(n, 4);
  CU_ASSERT_EQUAL(got.line, 3);
  CU_ASSERT_EQUAL(got.col, 9);
  lfh_node_free(n);
}

int main(void) {
  unsetenv("LFHOST_PLUGIN_PATH");
  static const lfh_test_case cases[] = {
      {"unknown columns, with the schema they were checked against", test_unknown_columns},
      {"syntax errors and unknown functions", test_syntax_and_functions},
      {"no schema known: syntax only", test_syntax_only_without_schema},
      {"bad DDL: dataset schema and schema options", test_bad_ddl},
      {"a clean bundle: no errors, no warnings", test_clean_bundle},
      {"shipped bundles still validate", test_shipped_bundles},
      {"a typo in a shipped expectation", test_shipped_bundle_typo},
      {"values built by ${...}", test_substituted_values},
      {"positions in every scalar style", test_scalar_styles},
      {NULL, NULL}};
  return lfh_test_run("bundle_exprs", cases);
}
