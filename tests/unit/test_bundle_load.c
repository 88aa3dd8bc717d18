/* Tests of the bundle loader: files, includes, targets, variables, references, secrets.
 * Every bundle is written into a fresh temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle/lfh_bundle.h"
#include "lfh_test.h"

static char *g_dir;       /* the current test's directory */
static lfh_diags g_d;     /* its diagnostics */
static lfh_bundle *g_b;   /* its bundle */

static void start(void) {
  g_dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(g_dir);
  lfh_diags_init(&g_d);
  g_b = NULL;
}

static void finish(void) {
  lfh_bundle_free(g_b);
  g_b = NULL;
  lfh_diags_free(&g_d);
  lfh_test_rmtree(g_dir);
  free(g_dir);
}

static void put(const char *name, const char *text) {
  char *p = lfh_test_write(g_dir, name, text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  free(p);
}

/* Loads DIR/databricks.yml (written from `text` unless NULL). Returns lfh_bundle_load's rc. */
static int load(const char *text, const char *target, const char *const *vars, size_t n_vars) {
  char path[4096];
  snprintf(path, sizeof path, "%s/databricks.yml", g_dir);
  if (text) put("databricks.yml", text);
  lfh_bundle_opts o = {.path = path, .target = target, .vars = vars, .n_vars = n_vars};
  lfh_bundle_free(g_b);
  g_b = NULL;
  return lfh_bundle_load(&o, &g_b, &g_d);
}

/* Asserts a diagnostic with `needle` in file DIR/<file> at line:col, returns it. */
static const lfh_diag *expect_at(const char *needle, const char *file, unsigned line,
                                 unsigned col) {
  const lfh_diag *g = lfh_diags_find(&g_d, needle);
  if (!g) fprintf(stderr, "\nmissing diagnostic: %s\n", needle);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g->file);
  size_t lf = strlen(g->file), ln = strlen(file);
  CU_ASSERT_TRUE(lf >= ln && strcmp(g->file + lf - ln, file) == 0);
  if (g->line != line || g->col != col)
    fprintf(stderr, "\n%s: at %u:%u, expected %u:%u\n", needle, g->line, g->col, line, col);
  CU_ASSERT_EQUAL(g->line, line);
  CU_ASSERT_EQUAL(g->col, col);
  return g;
}

/* The scalar at a dotted path of the resolved tree ("" if absent). */
static const char *at(const char *path) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  const lfh_node *n = g_b ? g_b->root : NULL;
  for (char *s = strtok(buf, "."); s && n; s = strtok(NULL, ".")) n = lfh_map_get(n, s);
  return n && n->kind == LFH_NODE_SCALAR ? n->scalar : "";
}

static const lfh_node *node_at(const char *path) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  const lfh_node *n = g_b ? g_b->root : NULL;
  for (char *s = strtok(buf, "."); s && n; s = strtok(NULL, ".")) n = lfh_map_get(n, s);
  return n;
}

static char *json(void) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  lfh_bundle_write_json(g_b, f);
  fclose(f);
  return buf;
}

static const char k_basic[] =
    "bundle:\n"
    "  name: clicks\n"
    "variables:\n"
    "  catalog:\n"
    "    default: main\n"
    "resources:\n"
    "  pipelines:\n"
    "    bronze:\n"
    "      name: bronze-${bundle.target}\n"
    "      catalog: ${var.catalog}\n"
    "targets:\n"
    "  dev:\n"
    "    default: true\n"
    "    mode: development\n"
    "  prod:\n"
    "    mode: production\n"
    "    workspace:\n"
    "      root_path: /srv/lfhost\n";

/* ------------------------------------------------------------ files */

static void test_basic(void) {
  start();
  CU_ASSERT_EQUAL(load(k_basic, NULL, NULL, 0), 0);
  CU_ASSERT_EQUAL(lfh_diags_count(&g_d, LFH_SEV_ERROR), 0);
  CU_ASSERT_STRING_EQUAL(g_b->target, "dev");
  CU_ASSERT_STRING_EQUAL(g_b->mode, "development");
  CU_ASSERT_STRING_EQUAL(at("bundle.target"), "dev");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.bronze.name"), "bronze-dev");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.bronze.catalog"), "main");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.bronze.development"), "true");
  CU_ASSERT_PTR_NULL(node_at("targets"));
  CU_ASSERT_PTR_NOT_NULL(lfh_map_get(g_b->raw, "targets"));
  CU_ASSERT_TRUE(g_b->root_path_defaulted);
  CU_ASSERT_PTR_NOT_NULL(strstr(at("workspace.root_path"), "/.lfhost/dev"));
  CU_ASSERT_EQUAL(g_b->root_file[0], '/');
  CU_ASSERT_EQUAL(g_b->n_files, 1);
  /* marks of the resolved tree still point into the file */
  const lfh_node *name = node_at("resources.pipelines.bronze.name");
  CU_ASSERT_EQUAL(name->mark.line, 9);
  CU_ASSERT_EQUAL(name->mark.col, 13);
  char *j = json();
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"development\": true"));
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"name\": \"bronze-dev\""));
  free(j);
  /* production: no development flag, explicit root_path */
  CU_ASSERT_EQUAL(load(NULL, "prod", NULL, 0), 0);
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.bronze.name"), "bronze-prod");
  CU_ASSERT_PTR_NULL(node_at("resources.pipelines.bronze.development"));
  CU_ASSERT_STRING_EQUAL(at("workspace.root_path"), "/srv/lfhost");
  CU_ASSERT_FALSE(g_b->root_path_defaulted);
  finish();
}

/* A relative root_path is anchored at the root file's directory, so state lands in the
 * same place whatever the working directory; absolute paths and URIs are left alone. */
static void test_root_path_anchoring(void) {
  start();
  CU_ASSERT_EQUAL(load("bundle: {name: b}\n"
                       "workspace:\n  root_path: ./state/${bundle.name}\n"
                       "variables: {where: {default: '${workspace.root_path}/x'}}\n"
                       "targets:\n"
                       "  dev: {default: true}\n"
                       "  abs: {workspace: {root_path: /srv/b}}\n"
                       "  uri: {workspace: {root_path: 'abfss://c@a.dfs.core.windows.net/b'}}\n",
                       NULL, NULL, 0), 0);
  char want[4096];
  snprintf(want, sizeof want, "%s/state/b", g_b->root_dir);
  CU_ASSERT_STRING_EQUAL(at("workspace.root_path"), want);
  CU_ASSERT_EQUAL(at("workspace.root_path")[0], '/');
  snprintf(want, sizeof want, "%s/state/b/x", g_b->root_dir);
  CU_ASSERT_STRING_EQUAL(at("variables.where.value"), want); /* references see the anchored path */
  CU_ASSERT_FALSE(g_b->root_path_defaulted);
  CU_ASSERT_EQUAL(load(NULL, "abs", NULL, 0), 0);
  CU_ASSERT_STRING_EQUAL(at("workspace.root_path"), "/srv/b");
  CU_ASSERT_EQUAL(load(NULL, "uri", NULL, 0), 0);
  CU_ASSERT_STRING_EQUAL(at("workspace.root_path"), "abfss://c@a.dfs.core.windows.net/b");
  CU_ASSERT_EQUAL(lfh_diags_count(&g_d, LFH_SEV_ERROR), 0);
  finish();
}

static void test_root_lookup(void) {
  start();
  char cwd[4096];
  CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
  CU_ASSERT_EQUAL_FATAL(chdir(g_dir), 0);
  lfh_bundle_opts o = {0};
  CU_ASSERT_EQUAL(lfh_bundle_load(&o, &g_b, &g_d), -1);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&g_d, "no bundle file found"));
  put("bundle.yml", "bundle: {name: b}\n");
  lfh_diags_free(&g_d);
  CU_ASSERT_EQUAL(lfh_bundle_load(&o, &g_b, &g_d), 0);
  CU_ASSERT_STRING_EQUAL(g_b->files[0], "bundle.yml");
  CU_ASSERT_PTR_NOT_NULL(strstr(g_b->root_file, "/bundle.yml"));
  CU_ASSERT_PTR_NULL(g_b->target); /* no targets defined */
  lfh_bundle_free(g_b);
  put("databricks.yml", "bundle: {name: d}\n"); /* databricks.yml wins */
  CU_ASSERT_EQUAL(lfh_bundle_load(&o, &g_b, &g_d), 0);
  CU_ASSERT_STRING_EQUAL(at("bundle.name"), "d");
  CU_ASSERT_EQUAL(chdir(cwd), 0);
  lfh_bundle_free(g_b);
  o.path = g_dir; /* a directory works as well */
  CU_ASSERT_EQUAL(lfh_bundle_load(&o, &g_b, &g_d), 0);
  CU_ASSERT_STRING_EQUAL(at("bundle.name"), "d");
  finish();
}

static void test_structure_errors(void) {
  start();
  CU_ASSERT_EQUAL(load("- just\n- a list\n", NULL, NULL, 0), -1);
  expect_at("a bundle file must be a mapping", "databricks.yml", 1, 1);
  lfh_diags_free(&g_d);
  CU_ASSERT_EQUAL(load("bundle: {name: x}\ntargets: [a, b]\n", NULL, NULL, 0), -1);
  expect_at("'targets' must be a mapping", "databricks.yml", 2, 10);
  lfh_diags_free(&g_d);
  CU_ASSERT_EQUAL(load("bundle: {name: x}\ninclude: x.yml\nvariables: [1]\n", NULL, NULL, 0), -1);
  expect_at("'include' must be a sequence", "databricks.yml", 2, 10);
  expect_at("'variables' must be a mapping", "databricks.yml", 3, 12);
  lfh_diags_free(&g_d);
  CU_ASSERT_EQUAL(load("bundle: {name: x}\nvariables:\n  v: 3\n", NULL, NULL, 0), -1);
  expect_at("variable 'v' must be a mapping", "databricks.yml", 3, 6);
  lfh_diags_free(&g_d);
  CU_ASSERT_EQUAL(load("a: [1,\n", NULL, NULL, 0), -1);
  expect_at("YAML syntax error", "databricks.yml", 2, 1);
  lfh_diags_free(&g_d);
  CU_ASSERT_EQUAL(load("", NULL, NULL, 0), 0); /* empty: the checks say what is missing */
  CU_ASSERT_EQUAL(g_b->root->kind, LFH_NODE_MAP);
  finish();
}

/* ------------------------------------------------------------ includes */

static void test_includes(void) {
  start();
  put("resources/a.yml",
      "include:\n  - sub/*.yml\nresources:\n  pipelines:\n    a:\n      name: A\n");
  put("resources/b.yml", "resources:\n  pipelines:\n    b:\n      name: B\n"
                         "  jobs:\n    hourly:\n      name: H\nvariables:\n  extra:\n"
                         "    default: e\n");
  put("resources/sub/c.yml", "resources:\n  pipelines:\n    c:\n      name: ${var.extra}\n");
  put("resources/notes.txt", "not yaml: [\n");
  int rc = load("bundle: {name: inc}\n"
                "include:\n"
                "  - resources/*.yml\n"
                "  - nothing/*.yml\n"
                "  - ./*.yml\n", NULL, NULL, 0);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_EQUAL(lfh_diags_count(&g_d, LFH_SEV_ERROR), 0);
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.a.name"), "A");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.b.name"), "B");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.c.name"), "e");
  CU_ASSERT_STRING_EQUAL(at("resources.jobs.hourly.name"), "H");
  CU_ASSERT_EQUAL(g_b->n_files, 4); /* the root is not read twice through ./ *.yml */
  const lfh_diag *w = expect_at("include 'nothing/*.yml' matches no files", "databricks.yml", 4, 5);
  CU_ASSERT_EQUAL(w->sev, LFH_SEV_WARNING);
  CU_ASSERT_STRING_EQUAL(w->yaml_path, "include[1]");
  /* marks of included nodes name their file */
  const lfh_node *c = node_at("resources.pipelines.c.name");
  CU_ASSERT_PTR_NOT_NULL(strstr(c->mark.file, "resources/sub/c.yml"));
  CU_ASSERT_EQUAL(c->mark.line, 4);
  finish();
}

static void test_include_duplicate_resource(void) {
  start();
  put("one.yml", "resources:\n  pipelines:\n    p:\n      name: one\n");
  put("two.yml", "resources:\n  pipelines:\n\n    p:\n      name: two\n");
  CU_ASSERT_EQUAL(load("bundle: {name: x}\ninclude: [one.yml, two.yml]\n", NULL, NULL, 0), -1);
  const lfh_diag *g = expect_at("resource 'pipelines.p' is defined in two files", "two.yml", 4, 5);
  CU_ASSERT_PTR_NOT_NULL(strstr(g->message, "one.yml:3:5"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g->message, "two.yml:4:5"));
  CU_ASSERT_STRING_EQUAL(g->yaml_path, "resources.pipelines.p");
  finish();
}

static void test_include_errors(void) {
  start();
  put("bad.yml", "resources:\n  pipelines: {a: [}\n");
  put("list.yml", "- 1\n");
  CU_ASSERT_EQUAL(load("bundle: {name: x}\ninclude:\n  - bad.yml\n  - list.yml\n  - {a: 1}\n"
                       "  - ${var.x}.yml\n", NULL, NULL, 0), -1);
  expect_at("YAML syntax error", "bad.yml", 2, 19);
  expect_at("an included file must be a mapping", "list.yml", 1, 1);
  expect_at("an include must be a string", "databricks.yml", 5, 5);
  expect_at("include paths cannot use ${...} references", "databricks.yml", 6, 5);
  finish();
}

/* ------------------------------------------------------------ targets */

static const char k_targets[] =
    "bundle: {name: t}\n"
    "workspace:\n"
    "  root_path: /top\n"
    "resources:\n"
    "  pipelines:\n"
    "    p:\n"
    "      name: P\n"
    "      configuration: {a: '1', b: '2'}\n"
    "      libraries: [{plugin: bronze}, {plugin: silver}]\n"
    "      development: false\n"
    "targets:\n"
    "  dev:\n"
    "    mode: development\n"
    "    resources:\n"
    "      pipelines:\n"
    "        p:\n"
    "          configuration: {b: '3'}\n"
    "          libraries: [{plugin: gold}]\n"
    "        q: {name: Q}\n"
    "  prod:\n"
    "    workspace: {root_path: /prod}\n";

static void test_target_merge(void) {
  start();
  CU_ASSERT_EQUAL(load(k_targets, "dev", NULL, 0), 0);
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.p.configuration.a"), "1");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.p.configuration.b"), "3");
  const lfh_node *libs = node_at("resources.pipelines.p.libraries");
  CU_ASSERT_EQUAL(libs->n, 1); /* sequences replace */
  CU_ASSERT_STRING_EQUAL(lfh_map_get(libs->items[0], "plugin")->scalar, "gold");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.p.development"), "false"); /* said otherwise */
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.q.development"), "true");
  CU_ASSERT_STRING_EQUAL(at("workspace.root_path"), "/top");
  CU_ASSERT_EQUAL(load(NULL, "prod", NULL, 0), 0);
  CU_ASSERT_STRING_EQUAL(at("workspace.root_path"), "/prod");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.p.configuration.b"), "2");
  finish();
}

static void test_target_selection(void) {
  start();
  /* two targets, none default */
  CU_ASSERT_EQUAL(load(k_targets, NULL, NULL, 0), -1);
  const lfh_diag *g = expect_at("no target selected: pass -t with one of: dev, prod",
                                "databricks.yml", 11, 1);
  CU_ASSERT_STRING_EQUAL(g->yaml_path, "targets");
  lfh_diags_free(&g_d);
  /* unknown -t, with the nearest one suggested */
  CU_ASSERT_EQUAL(load(NULL, "prdd", NULL, 0), -1);
  g = expect_at("target 'prdd' not found; valid targets: dev, prod", "databricks.yml", 11, 1);
  CU_ASSERT_STRING_EQUAL(g->hint, "did you mean 'prod'?");
  lfh_diags_free(&g_d);
  /* the only target */
  CU_ASSERT_EQUAL(load("bundle: {name: x}\ntargets:\n  solo:\n", NULL, NULL, 0), 0);
  CU_ASSERT_STRING_EQUAL(g_b->target, "solo");
  /* no targets at all, but -t */
  CU_ASSERT_EQUAL(load("bundle: {name: x}\n", "dev", NULL, 0), -1);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&g_d, "the bundle defines no targets"));
  lfh_diags_free(&g_d);
  /* two defaults */
  CU_ASSERT_EQUAL(load("bundle: {name: x}\ntargets:\n  a:\n    default: true\n"
                       "  b:\n    default: true\n", NULL, NULL, 0), -1);
  g = expect_at("more than one default target: 'a' and 'b'", "databricks.yml", 6, 5);
  CU_ASSERT_STRING_EQUAL(g->yaml_path, "targets.b");
  lfh_diags_free(&g_d);
  /* a target that is not a mapping */
  CU_ASSERT_EQUAL(load("bundle: {name: x}\ntargets:\n  a: 3\n", NULL, NULL, 0), -1);
  expect_at("target 'a' must be a mapping", "databricks.yml", 3, 6);
  finish();
}

/* ------------------------------------------------------------ variables */

static const char k_vars[] =
    "bundle: {name: v}\n"
    "variables:\n"
    "  landing:\n"
    "    description: where events land\n"
    "    default: /data/landing\n"
    "  flag:\n"
    "    default: false\n"
    "  required:\n"
    "    description: no default\n"
    "targets:\n"
    "  dev:\n"
    "    default: true\n"
    "    variables:\n"
    "      landing: /dev/landing\n"
    "      required: r\n"
    "  ci:\n"
    "    variables:\n"
    "      required: {default: from-ci}\n"
    "  bad:\n"
    "    variables:\n"
    "      required: x\n"
    "      landnig: /oops\n";

static void test_variable_precedence(void) {
  start();
  unsetenv("BUNDLE_VAR_landing");
  CU_ASSERT_EQUAL(load(k_vars, NULL, NULL, 0), 0);
  CU_ASSERT_STRING_EQUAL(at("variables.landing.value"), "/dev/landing"); /* target > default */
  CU_ASSERT_STRING_EQUAL(at("variables.flag.value"), "false");
  CU_ASSERT_STRING_EQUAL(at("variables.landing.default"), "/data/landing");
  CU_ASSERT_EQUAL(load(NULL, "ci", NULL, 0), 0);
  CU_ASSERT_STRING_EQUAL(at("variables.landing.value"), "/data/landing");
  CU_ASSERT_STRING_EQUAL(at("variables.required.value"), "from-ci");
  setenv("BUNDLE_VAR_landing", "/env/landing", 1); /* env > target */
  CU_ASSERT_EQUAL(load(NULL, NULL, NULL, 0), 0);
  CU_ASSERT_STRING_EQUAL(at("variables.landing.value"), "/env/landing");
  const char *vars[] = {"landing=/cli/1", "flag=true", "landing=/cli/2"}; /* --var > env */
  CU_ASSERT_EQUAL(load(NULL, NULL, vars, 3), 0);
  CU_ASSERT_STRING_EQUAL(at("variables.landing.value"), "/cli/2");
  CU_ASSERT_FALSE(node_at("variables.flag.value")->quoted);
  unsetenv("BUNDLE_VAR_landing");
  finish();
}

static void test_variable_errors(void) {
  start();
  CU_ASSERT_EQUAL(load(k_vars, "bad", NULL, 0), -1);
  const lfh_diag *g = expect_at("variable 'landnig' is not declared", "databricks.yml", 22, 7);
  CU_ASSERT_STRING_EQUAL(g->yaml_path, "targets.bad.variables.landnig");
  CU_ASSERT_STRING_EQUAL(g->hint, "did you mean 'landing'?");
  lfh_diags_free(&g_d);
  const char *vars[] = {"nope=1", "broken"};
  CU_ASSERT_EQUAL(load(NULL, "dev", vars, 2), -1);
  g = lfh_diags_find(&g_d, "--var sets variable 'nope', which is not declared");
  CU_ASSERT_PTR_NOT_NULL(g);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&g_d, "--var 'broken' must have the form NAME=VALUE"));
  lfh_diags_free(&g_d);
  unsetenv("BUNDLE_VAR_required");
  CU_ASSERT_EQUAL(load(k_vars, "ci", NULL, 0), 0);
  CU_ASSERT_EQUAL(load("bundle: {name: v}\nvariables:\n  required:\n    description: d\n"
                       "x: a${var.required}b\n", NULL, NULL, 0), -1);
  g = expect_at("no value assigned to required variable 'required'", "databricks.yml", 3, 3);
  CU_ASSERT_STRING_EQUAL(g->yaml_path, "variables.required");
  CU_ASSERT_EQUAL(lfh_diags_count(&g_d, LFH_SEV_ERROR), 1); /* the reference adds nothing */
  finish();
}

/* ------------------------------------------------------------ references */

static void test_references(void) {
  start();
  int rc = load("bundle: {name: refs}\n"
                "workspace: {root_path: /ws}\n"
                "variables:\n"
                "  env: {default: dev}\n"
                "  schema: {default: 'clicks_${var.env}'}\n"
                "  path: {default: '${workspace.root_path}/${var.schema}'}\n"
                "  conf:\n"
                "    type: complex\n"
                "    default: {trigger: 1 minute, owner: '${bundle.name}'}\n"
                "  flag: {default: true}\n"
                "resources:\n"
                "  pipelines:\n"
                "    silver:\n"
                "      name: '${var.schema} pipeline'\n"
                "      schema: ${variables.schema.value}\n"
                "      storage: ${var.path}\n"
                "      configuration: ${var.conf}\n"
                "      continuous: ${var.flag}\n"
                "      comment: costs $$5 and $${var.env} stays\n"
                "      trigger: ${var.conf.trigger}\n"
                "  jobs:\n"
                "    hourly:\n"
                "      name: run ${resources.pipelines.silver.name}\n"
                "      tasks:\n"
                "        - task_key: t\n"
                "          pipeline_task:\n"
                "            pipeline_id: ${resources.pipelines.silver.id}\n"
                "      description: ${resources.jobs.hourly.tasks.0.task_key}\n",
                NULL, NULL, 0);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_EQUAL(g_d.n, 0);
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.silver.name"), "clicks_dev pipeline");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.silver.schema"), "clicks_dev");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.silver.storage"), "/ws/clicks_dev");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.silver.configuration.owner"), "refs");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.silver.configuration.trigger"), "1 minute");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.silver.trigger"), "1 minute");
  const lfh_node *cont = node_at("resources.pipelines.silver.continuous");
  CU_ASSERT_STRING_EQUAL(cont->scalar, "true");
  CU_ASSERT_FALSE(cont->quoted);
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.silver.comment"), "costs $$5 and ${var.env} stays");
  CU_ASSERT_STRING_EQUAL(at("resources.jobs.hourly.name"), "run clicks_dev pipeline");
  CU_ASSERT_STRING_EQUAL(at("resources.jobs.hourly.description"), "t");
  const lfh_node *tasks = node_at("resources.jobs.hourly.tasks");
  CU_ASSERT_STRING_EQUAL(
      lfh_map_get(lfh_map_get(tasks->items[0], "pipeline_task"), "pipeline_id")->scalar, "silver");
  /* a substituted complex value keeps the position of the reference */
  const lfh_node *conf = node_at("resources.pipelines.silver.configuration");
  CU_ASSERT_EQUAL(conf->kind, LFH_NODE_MAP);
  CU_ASSERT_EQUAL(conf->mark.line, 17);
  char *j = json();
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"continuous\": true"));
  free(j);
  finish();
}

static void test_reference_cycle(void) {
  start();
  CU_ASSERT_EQUAL(load("bundle: {name: c}\n"
                       "variables:\n"
                       "  a: {default: 'x${var.b}'}\n"
                       "  b:\n"
                       "    default: ${var.a}\n"
                       "resources:\n"
                       "  pipelines:\n"
                       "    p: {name: '${var.a}'}\n"
                       "    q: {name: '${resources.pipelines.q.name}'}\n",
                       NULL, NULL, 0), -1);
  const lfh_diag *g = expect_at("reference cycle: var.a -> var.b -> var.a", "databricks.yml", 5, 14);
  CU_ASSERT_STRING_EQUAL(g->yaml_path, "variables.b.default");
  g = expect_at("reference cycle: resources.pipelines.q.name -> resources.pipelines.q.name",
                "databricks.yml", 9, 15);
  CU_ASSERT_EQUAL(lfh_diags_count(&g_d, LFH_SEV_ERROR), 2); /* p's name adds no error */
  finish();
}

static void test_reference_errors(void) {
  start();
  CU_ASSERT_EQUAL(load("bundle: {name: e}\n"
                       "variables:\n"
                       "  landing: {default: /l}\n"
                       "  conf: {type: complex, default: {a: 1}}\n"
                       "resources:\n"
                       "  pipelines:\n"
                       "    p:\n"
                       "      name: ${var.lnding}\n"
                       "      schema: ${bundel.name}\n"
                       "      catalog: x_${var.conf}\n"
                       "      comment: 'open ${var.landing'\n"
                       "      storage: ${resources.pipelines.q.name}\n"
                       "      x: ${resources.pipelines.p.nme}\n",
                       NULL, NULL, 0), -1);
  const lfh_diag *g = expect_at("unknown reference '${var.lnding}'", "databricks.yml", 8, 13);
  CU_ASSERT_STRING_EQUAL(g->hint, "did you mean '${var.landing}'?");
  CU_ASSERT_STRING_EQUAL(g->yaml_path, "resources.pipelines.p.name");
  g = expect_at("unknown reference '${bundel.name}'", "databricks.yml", 9, 15);
  CU_ASSERT_STRING_EQUAL(g->hint, "did you mean '${bundle.name}'?");
  expect_at("cannot interpolate '${var.conf}' into a string: it is a mapping", "databricks.yml",
            10, 16);
  expect_at("unterminated reference", "databricks.yml", 11, 16);
  g = expect_at("unknown reference '${resources.pipelines.q.name}'", "databricks.yml", 12, 16);
  CU_ASSERT_STRING_EQUAL(g->hint, "did you mean '${resources.pipelines.p.name}'?");
  g = expect_at("unknown reference '${resources.pipelines.p.nme}'", "databricks.yml", 13, 10);
  CU_ASSERT_STRING_EQUAL(g->hint, "did you mean '${resources.pipelines.p.name}'?");
  finish();
}

/* A reference error inside a target's variable value points at the target. */
static void test_reference_in_target_value(void) {
  start();
  CU_ASSERT_EQUAL(load("bundle: {name: e}\n"
                       "variables:\n"
                       "  x: {default: 1}\n"
                       "targets:\n"
                       "  t:\n"
                       "    variables:\n"
                       "      x: ${var.y}\n", NULL, NULL, 0), -1);
  const lfh_diag *g = expect_at("unknown reference '${var.y}'", "databricks.yml", 7, 10);
  CU_ASSERT_STRING_EQUAL(g->yaml_path, "targets.t.variables.x");
  finish();
}

/* ------------------------------------------------------------ secrets */

static void test_secrets(void) {
  start();
  put("secrets/pw.txt", "file-secret\n");
  put("store/db/password", "scope-secret\n");
  char store[4096];
  snprintf(store, sizeof store, "%s/store", g_dir);
  setenv("LFHOST_SECRETS_DIR", store, 1);
  setenv("LFH_TEST_TOKEN", "env-secret", 1);
  unsetenv("LFH_TEST_MISSING");
  int rc = load("bundle: {name: s}\n"
                "variables:\n"
                "  token: {default: '${secrets.env.LFH_TEST_TOKEN}'}\n"
                "resources:\n"
                "  pipelines:\n"
                "    p:\n"
                "      name: p\n"
                "      configuration:\n"
                "        token: ${var.token}\n"
                "        dsn: 'user:${secrets.file.secrets/pw.txt}@host'\n"
                "        db: ${secrets.db.password}\n"
                "        missing: ${secrets.env.LFH_TEST_MISSING}\n"
                "        plain: not secret\n",
                NULL, NULL, 0);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.p.configuration.token"), "env-secret");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.p.configuration.dsn"), "user:file-secret@host");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.p.configuration.db"), "scope-secret");
  CU_ASSERT_STRING_EQUAL(at("resources.pipelines.p.configuration.missing"), "");
  CU_ASSERT_TRUE(node_at("resources.pipelines.p.configuration.token")->secret);
  CU_ASSERT_TRUE(node_at("resources.pipelines.p.configuration.dsn")->secret);
  CU_ASSERT_FALSE(node_at("resources.pipelines.p.configuration.plain")->secret);
  const lfh_diag *g = expect_at("secret '${secrets.env.LFH_TEST_MISSING}' is not available",
                                "databricks.yml", 12, 18);
  CU_ASSERT_EQUAL(g->sev, LFH_SEV_NOTE);
  CU_ASSERT_EQUAL(lfh_diags_count(&g_d, LFH_SEV_ERROR), 0);
  CU_ASSERT_EQUAL(g_b->n_secret_values, 3);
  char *j = json();
  CU_ASSERT_PTR_NULL(strstr(j, "env-secret"));
  CU_ASSERT_PTR_NULL(strstr(j, "file-secret"));
  CU_ASSERT_PTR_NULL(strstr(j, "scope-secret"));
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"dsn\": \"***\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"plain\": \"not secret\""));
  free(j);
  /* no diagnostic quotes a secret */
  for (size_t i = 0; i < g_d.n; i++) CU_ASSERT_PTR_NULL(strstr(g_d.items[i].message, "secret\n"));
  unsetenv("LFH_TEST_TOKEN");
  unsetenv("LFHOST_SECRETS_DIR");
  finish();
}

static void test_secret_errors(void) {
  start();
  unsetenv("LFHOST_SECRETS_DIR");
  CU_ASSERT_EQUAL(load("bundle: {name: s}\n"
                       "resources:\n"
                       "  pipelines:\n"
                       "    p:\n"
                       "      a: ${secrets.file.nope.txt}\n"
                       "      b: ${secrets.scope.key}\n"
                       "      c: ${secrets.scope}\n"
                       "      d: ${secrets.../etc.passwd}\n", NULL, NULL, 0), -1);
  CU_ASSERT_EQUAL(expect_at("secret '${secrets.file.nope.txt}' is not available",
                            "databricks.yml", 5, 10)->sev, LFH_SEV_NOTE);
  expect_at("secret '${secrets.scope.key}' is not available (LFHOST_SECRETS_DIR is not set)",
            "databricks.yml", 6, 10);
  expect_at("malformed secret reference '${secrets.scope}'", "databricks.yml", 7, 10);
  expect_at("malformed secret reference '${secrets.../etc.passwd}'", "databricks.yml", 8, 10);
  finish();
}

/* ------------------------------------------------------------ buffers */

static void test_load_buffer(void) {
  start();
  static const char text[] = "bundle: {name: buf}\ninclude: ['*.yml']\n"
                             "x: ${secrets.file.f}\ny: ${bundle.name}\n";
  lfh_bundle_opts o = {.no_files = 1};
  CU_ASSERT_EQUAL(lfh_bundle_load_buffer("mem.yml", text, strlen(text), &o, &g_b, &g_d), 0);
  CU_ASSERT_STRING_EQUAL(at("y"), "buf");
  CU_ASSERT_EQUAL(lfh_diags_find(&g_d, "includes are not read here")->sev, LFH_SEV_NOTE);
  CU_ASSERT_EQUAL(lfh_diags_find(&g_d, "file secrets are not read here")->sev, LFH_SEV_NOTE);
  lfh_bundle_free(g_b);
  g_b = NULL;
  CU_ASSERT_EQUAL(lfh_bundle_load_buffer("mem.yml", "a: [", 4, &o, &g_b, &g_d), -1);
  CU_ASSERT_PTR_NOT_NULL(g_b);
  CU_ASSERT_PTR_NULL(g_b->raw);
  finish();
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"basic", test_basic},
      {"root_path_anchoring", test_root_path_anchoring},
      {"root_lookup", test_root_lookup},
      {"structure_errors", test_structure_errors},
      {"includes", test_includes},
      {"include_duplicate_resource", test_include_duplicate_resource},
      {"include_errors", test_include_errors},
      {"target_merge", test_target_merge},
      {"target_selection", test_target_selection},
      {"variable_precedence", test_variable_precedence},
      {"variable_errors", test_variable_errors},
      {"references", test_references},
      {"reference_cycle", test_reference_cycle},
      {"reference_errors", test_reference_errors},
      {"reference_in_target_value", test_reference_in_target_value},
      {"secrets", test_secrets},
      {"secret_errors", test_secret_errors},
      {"load_buffer", test_load_buffer},
      {NULL, NULL}};
  return lfh_test_run("bundle_load", cases);
}
