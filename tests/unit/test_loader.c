/*
 * test_loader — the plugin loader against the ABI fixtures (tests/abi), the search path,
 * option checking, lf_config getters, duration/size parsing, the host service table and
 * `lfhost plugins`.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/lfh_cmd_plugins.h"
#include "lfh_test.h"
#include "loader/lfh_config.h"
#include "lf/lf_expr.h"
#include "lf/lf_objstore.h"
#include "loader/lfh_hostapi.h"
#include "loader/lfh_loader.h"

#define FIXTURE(name) LFH_ABI_FIXTURE_DIR "/" name ".so"

/* ------------------------------------------------------------ helpers */

/* Loads one file into a fresh registry and returns the refusal (static buffer), or ""
 * when accepted. The registry is freed, so every plugin is dlclose()d. */
static const char *refusal_of(const char *path, int *rc_out) {
  static char why[1024];
  lfh_registry *r = lfh_registry_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  int rc = lfh_registry_load(r, path, why, sizeof why);
  if (rc == 0) why[0] = '\0';
  if (rc != 0) CU_ASSERT_EQUAL(lfh_registry_plugin_count(r), 0);
  if (rc_out) *rc_out = rc;
  lfh_registry_free(r);
  return why;
}

static int copy_file(const char *from, const char *dir, const char *name) {
  size_t n = 0;
  char *data = lfh_test_slurp(from, &n);
  if (!data) return -1;
  char *to = NULL;
  int rc = -1;
  if (asprintf(&to, "%s/%s", dir, name) < 0) goto done;
  FILE *f = fopen(to, "wb");
  if (!f) goto done;
  rc = fwrite(data, 1, n, f) == n ? 0 : -1;
  if (fclose(f) != 0) rc = -1;
done:
  free(to);
  free(data);
  return rc;
}

/* ------------------------------------------------------------ accepted plugins */

static void test_good_plugin(void) {
  char why[512];
  lfh_registry *r = lfh_registry_new();
  CU_ASSERT_EQUAL_FATAL(lfh_registry_load(r, FIXTURE("good"), why, sizeof why), 0);
  CU_ASSERT_EQUAL_FATAL(lfh_registry_plugin_count(r), 1);
  const lfh_plugin_info *p = lfh_registry_plugin_at(r, 0);
  CU_ASSERT_STRING_EQUAL(p->name, "lf_good");
  CU_ASSERT_STRING_EQUAL(p->version, "1.0.0");
  CU_ASSERT_EQUAL(p->abi_major, 1);
  CU_ASSERT_EQUAL(p->abi_minor, 0);
  CU_ASSERT_STRING_EQUAL(p->path, FIXTURE("good"));
  CU_ASSERT_EQUAL_FATAL(lfh_registry_stage_count(r), 2);
  const lfh_stage_info *a = lfh_registry_find_stage(r, "alpha");
  const lfh_stage_info *b = lfh_registry_find_stage(r, "beta");
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  CU_ASSERT_EQUAL(a->kind, LF_STAGE_SOURCE);
  CU_ASSERT_EQUAL(b->kind, LF_STAGE_TRANSFORM);
  CU_ASSERT_PTR_EQUAL(a->plugin, p);
  CU_ASSERT_EQUAL(a->n_options, 12);
  CU_ASSERT_EQUAL(b->n_options, 2);
  const lfh_option_info *o = lfh_stage_find_option(a, "max_files");
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CU_ASSERT_EQUAL(o->type, LF_CONFIG_INT);
  CU_ASSERT_STRING_EQUAL(o->default_value, "1000");
  CU_ASSERT_DOUBLE_EQUAL(o->min, 1, 0);
  CU_ASSERT_DOUBLE_EQUAL(o->max, 100000, 0);
  o = lfh_stage_find_option(a, "format");
  CU_ASSERT_PTR_NOT_NULL_FATAL(o);
  CU_ASSERT_STRING_EQUAL(o->enum_values[2], "parquet");
  CU_ASSERT_PTR_NULL(o->enum_values[3]);
  CU_ASSERT_TRUE(lfh_stage_find_option(a, "password")->flags & LF_CONFIG_SECRET);
  CU_ASSERT_PTR_NULL(lfh_stage_find_option(a, "nope"));
  CU_ASSERT_PTR_NULL(lfh_registry_find_stage(r, "gamma"));
  CU_ASSERT_PTR_EQUAL(lfh_registry_find_plugin(r, "lf_good"), p);
  lfh_registry_free(r);
}

/* A 1.1 source loads in the 1.2 host; the host-side vtable copy shows only what its
 * struct_size covers, so save_state/load_state read as not provided. */
static void test_old_source_minor(void) {
  char why[512];
  lfh_registry *r = lfh_registry_new();
  CU_ASSERT_EQUAL_FATAL(lfh_registry_load(r, FIXTURE("old_source"), why, sizeof why), 0);
  const lfh_stage_info *s = lfh_registry_find_stage(r, "old_files");
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(lfh_registry_plugin_at(r, 0)->abi_minor, 1);
  CU_ASSERT_PTR_NOT_NULL(s->vt.source.plan);
  CU_ASSERT_PTR_NOT_NULL(s->vt.source.read);
  CU_ASSERT_PTR_NOT_NULL(s->vt.source.committed);
  CU_ASSERT_PTR_NULL(s->vt.source.save_state);
  CU_ASSERT_PTR_NULL(s->vt.source.load_state);
  CU_ASSERT_EQUAL(s->vt.source.struct_size, LFH_END_OF(lf_source_vtable, committed));
  /* A current-minor plugin keeps its optional callbacks: the transform's are NULL by
   * choice, the required ones are there. */
  CU_ASSERT_EQUAL_FATAL(lfh_registry_load(r, FIXTURE("good"), why, sizeof why), 0);
  const lfh_stage_info *b = lfh_registry_find_stage(r, "beta");
  CU_ASSERT_PTR_NOT_NULL(b->vt.transform.process);
  CU_ASSERT_PTR_NULL(b->vt.transform.save_state);
  CU_ASSERT_EQUAL(b->vt.transform.struct_size, sizeof(lf_transform_vtable));
  lfh_registry_free(r);
}

static void test_newer_minor_accepted(void) {
  char why[512];
  lfh_registry *r = lfh_registry_new();
  CU_ASSERT_EQUAL_FATAL(lfh_registry_load(r, FIXTURE("newer_minor"), why, sizeof why), 0);
  const lfh_plugin_info *p = lfh_registry_plugin_at(r, 0);
  CU_ASSERT_STRING_EQUAL(p->name, "lf_future");
  CU_ASSERT_EQUAL(p->abi_minor, 7);
  CU_ASSERT_EQUAL_FATAL(lfh_registry_stage_count(r), 2);
  /* The second stage and option are only found at the right place if the loader strides
   * by the plugin's struct_size rather than sizeof(lf_stage). */
  const lfh_stage_info *g = lfh_registry_stage_at(r, 0), *d = lfh_registry_stage_at(r, 1);
  CU_ASSERT_STRING_EQUAL(g->name, "gamma");
  CU_ASSERT_EQUAL(g->kind, LF_STAGE_SINK);
  CU_ASSERT_STRING_EQUAL(d->name, "delta");
  CU_ASSERT_EQUAL(d->kind, LF_STAGE_HASHER);
  CU_ASSERT_EQUAL_FATAL(g->n_options, 2);
  CU_ASSERT_STRING_EQUAL(g->options[1].name, "batch");
  CU_ASSERT_EQUAL(g->options[1].type, LF_CONFIG_SIZE);
  CU_ASSERT_STRING_EQUAL(g->options[0].enum_values[1], "scd2");
  /* good and the newer minor coexist: distinct names. */
  CU_ASSERT_EQUAL(lfh_registry_load(r, FIXTURE("good"), why, sizeof why), 0);
  CU_ASSERT_EQUAL(lfh_registry_stage_count(r), 4);
  lfh_registry_free(r);
}

/* ------------------------------------------------------------ refusals */

typedef struct refusal_case {
  const char *fixture;
  const char *reason;
} refusal_case;

static void check_refusal(const char *path, const char *reason) {
  char want[1024];
  int rc = 0;
  snprintf(want, sizeof want, "%s: refused: %s", path, reason);
  const char *got = refusal_of(path, &rc);
  CU_ASSERT_TRUE(rc < 0);
  CU_ASSERT_STRING_EQUAL(got, want);
  if (strcmp(got, want) != 0) fprintf(stderr, "\n  want: %s\n  got:  %s\n", want, got);
  CU_ASSERT_PTR_NULL(strchr(got, '\n'));
}

static void test_refusals(void) {
  static const refusal_case cases[] = {
      {"bad_magic", "bad magic 0x12345678 (expected 0x4c46504c): not an lfhost plugin"},
      {"wrong_major", "ABI major 2, this host speaks 1"},
      {"null_desc", "lf_plugin_entry returned NULL (the plugin declined to load)"},
      {"no_entry", "no lf_plugin_entry symbol: not an lfhost plugin"},
      {"undef_sym", "undefined symbol: lfx_missing_symbol"},
      {"not_elf", "invalid ELF header"},
      {"dup_stage", "stage 'g_one' is declared twice"},
      {"huge_stages", "n_stages 4294967295 exceeds the limit of 256"},
      {"no_stages", "the plugin declares no stages"},
      {"null_create", "stage 'g_one': create is NULL"},
      {"bad_kind", "stage 'g_two': invalid kind 42"},
      {"bad_name", "stage 0: name 'Bad-Name' is invalid (expected [a-z][a-z0-9_]*)"},
      {"unterminated", "stage 1: name is longer than 63 bytes or not NUL-terminated"},
      {"bad_plugin_name", "plugin name 'lf garbage' is invalid (expected [a-z][a-z0-9_]*)"},
      {"null_vtable", "stage 'g_two': vtable is NULL"},
      {"no_callback", "stage 'g_one': transform vtable has no 'process' callback"},
      {"dup_option", "stage 'g_one': option 'level' is declared twice"},
      {"enum_no_values", "stage 'g_one': option 'mode' is an enum without values"},
      {"bad_default", "stage 'g_one': option 'level': default 'ten' is not a valid int"},
      {"default_range", "stage 'g_one': option 'level': default '12' is above the maximum 9"},
      {"min_gt_max", "stage 'g_one': option 'level' has min 10 greater than max 9"},
      {"bad_option_type", "stage 'g_one': option 'mode' has invalid type 99"},
      {"null_options", "stage 'g_one': options is NULL but n_options is 2"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.so", LFH_ABI_FIXTURE_DIR, cases[i].fixture);
    check_refusal(path, cases[i].reason);
  }
}

/* Reasons that quote ABI struct sizes, computed from the headers. */
static void test_refusals_struct_sizes(void) {
  char reason[256];
  snprintf(reason, sizeof reason, "descriptor struct_size %zu is smaller than ABI 1.0's %zu",
           offsetof(lf_plugin, n_stages), LFH_PLUGIN_V1_0_SIZE);
  check_refusal(FIXTURE("short_size"), reason);
  snprintf(reason, sizeof reason, "stage struct_size 16 is smaller than ABI 1.0's %zu",
           LFH_STAGE_V1_0_SIZE);
  check_refusal(FIXTURE("small_stage"), reason);
  snprintf(reason, sizeof reason, "stage 1 has struct_size %zu, stage 0 has %zu",
           sizeof(lf_stage) + 8, sizeof(lf_stage));
  check_refusal(FIXTURE("stride_mismatch"), reason);
  snprintf(reason, sizeof reason,
           "stage 'g_one': transform vtable struct_size 4 is smaller than ABI 1.0's %zu",
           LFH_END_OF(lf_transform_vtable, load_state));
  check_refusal(FIXTURE("small_vtable"), reason);
  /* The v1.0 minimum is the end of n_stages, not sizeof (which adds padding). */
  CU_ASSERT_EQUAL(LFH_PLUGIN_V1_0_SIZE, offsetof(lf_plugin, n_stages) + sizeof(uint32_t));
}

static void test_missing_file(void) {
  check_refusal("/nonexistent/lfh/none.so",
                "cannot open shared object file: No such file or directory");
}

static void test_duplicate_across_plugins(void) {
  char why[1024], want[1024];
  lfh_registry *r = lfh_registry_new();
  CU_ASSERT_EQUAL_FATAL(lfh_registry_load(r, FIXTURE("good"), why, sizeof why), 0);
  CU_ASSERT_TRUE(lfh_registry_load(r, FIXTURE("dup_across"), why, sizeof why) < 0);
  snprintf(want, sizeof want,
           "%s: refused: stage 'alpha' is already provided by plugin lf_good (%s)",
           FIXTURE("dup_across"), FIXTURE("good"));
  CU_ASSERT_STRING_EQUAL(why, want);
  CU_ASSERT_EQUAL(lfh_registry_plugin_count(r), 1);
  CU_ASSERT_EQUAL(lfh_registry_stage_count(r), 2);
  CU_ASSERT_PTR_NULL(lfh_registry_find_stage(r, "g_one"));
  /* The same file again is a no-op. */
  CU_ASSERT_EQUAL(lfh_registry_load(r, FIXTURE("good"), why, sizeof why), 0);
  CU_ASSERT_EQUAL(lfh_registry_plugin_count(r), 1);
  lfh_registry_free(r);
}

static void test_duplicate_plugin_name(void) {
  char why[1024], want[1024], *dir = lfh_test_tmpdir(), *copy = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_EQUAL_FATAL(copy_file(FIXTURE("good"), dir, "again.so"), 0);
  CU_ASSERT_FATAL(asprintf(&copy, "%s/again.so", dir) > 0);
  lfh_registry *r = lfh_registry_new();
  CU_ASSERT_EQUAL(lfh_registry_load(r, FIXTURE("good"), why, sizeof why), 0);
  CU_ASSERT_TRUE(lfh_registry_load(r, copy, why, sizeof why) < 0);
  snprintf(want, sizeof want, "%s: refused: plugin name 'lf_good' is already used by %s", copy,
           FIXTURE("good"));
  CU_ASSERT_STRING_EQUAL(why, want);
  lfh_registry_free(r);
  free(copy);
  lfh_test_rmtree(dir);
  free(dir);
}

/* ------------------------------------------------------------ search path */

static void test_searchpath_order(void) {
  lfh_searchpath sp;
  const char *bundle_dirs[] = {"/b1", "/b2"};
  setenv("LFHOST_PLUGIN_PATH", "/e1::/e2", 1);
  CU_ASSERT_EQUAL_FATAL(lfh_searchpath_init(&sp, "/c1:/c2", bundle_dirs, 2), 0);
  CU_ASSERT_EQUAL_FATAL(sp.n, 7);
  static const char *const want[] = {"/c1", "/c2", "/b1", "/b2", "/e1", "/e2"};
  for (size_t i = 0; i < 6; i++) CU_ASSERT_STRING_EQUAL(sp.dirs[i], want[i]);
  CU_ASSERT_PTR_NOT_NULL(strstr(sp.dirs[6], "lib/lfhost/plugins"));
  CU_ASSERT_EQUAL(sp.configured, 1);
  lfh_searchpath_free(&sp);

  unsetenv("LFHOST_PLUGIN_PATH");
  CU_ASSERT_EQUAL_FATAL(lfh_searchpath_init(&sp, NULL, NULL, 0), 0);
  CU_ASSERT_EQUAL(sp.n, 1);
  CU_ASSERT_EQUAL(sp.configured, 0);
  lfh_searchpath_free(&sp);
}

static void test_searchpath_find(void) {
  char *root = lfh_test_tmpdir(), *d1 = NULL, *d2 = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(root);
  char *f1 = lfh_test_write(root, "d1/foo.so", "x");
  char *f2 = lfh_test_write(root, "d2/foo.so", "x");
  char *f3 = lfh_test_write(root, "d2/libbar.so", "x");
  char *f4 = lfh_test_write(root, "d2/baz.so", "x");
  CU_ASSERT_FATAL(f1 && f2 && f3 && f4);
  CU_ASSERT_FATAL(asprintf(&d1, "%s/d1", root) > 0 && asprintf(&d2, "%s/d2", root) > 0);
  lfh_searchpath sp = {0};
  CU_ASSERT_EQUAL(lfh_searchpath_add(&sp, d1), 0);
  CU_ASSERT_EQUAL(lfh_searchpath_add(&sp, d2), 0);
  char *got = lfh_searchpath_find(&sp, "foo");
  CU_ASSERT_STRING_EQUAL(got, f1); /* the earlier directory wins */
  free(got);
  got = lfh_searchpath_find(&sp, "bar");
  CU_ASSERT_STRING_EQUAL(got, f3);
  free(got);
  got = lfh_searchpath_find(&sp, "baz.so");
  CU_ASSERT_STRING_EQUAL(got, f4);
  free(got);
  got = lfh_searchpath_find(&sp, f2);
  CU_ASSERT_STRING_EQUAL(got, f2);
  free(got);
  CU_ASSERT_PTR_NULL(lfh_searchpath_find(&sp, "nope"));
  CU_ASSERT_PTR_NULL(lfh_searchpath_find(&sp, "/nonexistent/foo.so"));
  lfh_searchpath_free(&sp);
  lfh_test_rmtree(root);
  free(root), free(d1), free(d2), free(f1), free(f2), free(f3), free(f4);
}

typedef struct refusals {
  int n;
  char last[1024];
} refusals;

static void on_refuse(void *ud, const char *path, const char *why) {
  refusals *r = ud;
  r->n++;
  snprintf(r->last, sizeof r->last, "%s", why);
  CU_ASSERT_PTR_NOT_NULL(strstr(why, path));
}

static void test_load_searchpath(void) {
  char *root = lfh_test_tmpdir(), *d1 = NULL, *d2 = NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(root);
  CU_ASSERT_FATAL(asprintf(&d1, "%s/d1", root) > 0 && asprintf(&d2, "%s/d2", root) > 0);
  CU_ASSERT_FATAL(mkdir(d1, 0755) == 0 && mkdir(d2, 0755) == 0);
  CU_ASSERT_EQUAL(copy_file(FIXTURE("good"), d1, "good.so"), 0);
  CU_ASSERT_EQUAL(copy_file(FIXTURE("good"), d2, "good.so"), 0); /* shadowed by d1 */
  CU_ASSERT_EQUAL(copy_file(FIXTURE("bad_magic"), d2, "bad_magic.so"), 0);
  CU_ASSERT_EQUAL(copy_file(FIXTURE("newer_minor"), d2, "newer.so"), 0);
  lfh_searchpath sp = {0};
  lfh_searchpath_add(&sp, d1);
  lfh_searchpath_add(&sp, "/nonexistent/dir");
  lfh_searchpath_add(&sp, d2);
  lfh_registry *r = lfh_registry_new();
  refusals ref = {0};
  CU_ASSERT_EQUAL(lfh_registry_load_searchpath(r, &sp, on_refuse, &ref), 1);
  CU_ASSERT_EQUAL(ref.n, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(ref.last, "bad_magic.so: refused: bad magic"));
  CU_ASSERT_EQUAL(lfh_registry_plugin_count(r), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(lfh_registry_find_plugin(r, "lf_good")->path, "/d1/"));
  CU_ASSERT_PTR_NOT_NULL(lfh_registry_find_stage(r, "gamma"));
  lfh_registry_free(r);
  lfh_searchpath_free(&sp);
  lfh_test_rmtree(root);
  free(root), free(d1), free(d2);
}

/* ------------------------------------------------------------ option checking */

static const lfh_mark opts_mark = {"bundle.yml", 10, 7};

static lfh_node *new_opts(void) { return lfh_node_new(LFH_NODE_MAP, &opts_mark); }

/* Sets key: scalar at line `line` (key at column 9, value at column 15). */
static lfh_node *put(lfh_node *map, const char *key, const char *value, unsigned line) {
  lfh_mark km = {"bundle.yml", line, 9}, vm = {"bundle.yml", line, 15};
  lfh_node *v = lfh_node_new_scalar(value, &vm);
  CU_ASSERT_PTR_NOT_NULL_FATAL(v);
  CU_ASSERT_EQUAL_FATAL(lfh_map_set(map, key, &km, v), 0);
  return v;
}

static lfh_node *put_seq(lfh_node *map, const char *key, const char *const *items, unsigned line) {
  lfh_mark km = {"bundle.yml", line, 9}, vm = {"bundle.yml", line, 15};
  lfh_node *seq = lfh_node_new(LFH_NODE_SEQ, &vm);
  for (size_t i = 0; items[i]; i++) lfh_seq_push(seq, lfh_node_new_scalar(items[i], &vm));
  CU_ASSERT_EQUAL_FATAL(lfh_map_set(map, key, &km, seq), 0);
  return seq;
}

typedef struct loaded {
  lfh_registry *r;
  const lfh_stage_info *alpha;
} loaded;

static loaded load_good(void) {
  char why[512];
  loaded l = {lfh_registry_new(), NULL};
  CU_ASSERT_EQUAL(lfh_registry_load(l.r, FIXTURE("good"), why, sizeof why), 0);
  l.alpha = lfh_registry_find_stage(l.r, "alpha");
  return l;
}

/* Checks `opts` for alpha and returns the diagnostics (caller frees). */
static lfh_diags run_check(const loaded *l, const lfh_node *opts, int production,
                           size_t *errors) {
  lfh_diags d;
  lfh_diags_init(&d);
  *errors = lfh_config_check(l->alpha, opts, "resources.p.source.options", &opts_mark,
                             production, &d);
  CU_ASSERT_EQUAL(*errors, lfh_diags_count(&d, LFH_SEV_ERROR));
  return d;
}

static void test_check_valid(void) {
  loaded l = load_good();
  CU_ASSERT_PTR_NOT_NULL_FATAL(l.alpha);
  lfh_node *o = new_opts();
  put(o, "path", "/landing", 11);
  put(o, "max_files", "0x10", 12);
  put(o, "ratio", "1", 13);
  put(o, "recursive", "True", 14);
  put(o, "poll", "1h30m", 15);
  put(o, "max_bytes", "512 MiB", 16);
  put(o, "format", "csv", 17);
  static const char *const cols[] = {"a", "b", NULL};
  put_seq(o, "columns", cols, 18);
  put(o, "filter", "x > 1", 19);
  put(o, "password", "s3cr3t", 20)->secret = 1;
  size_t errors = 99;
  lfh_diags d = run_check(&l, o, 1, &errors);
  CU_ASSERT_EQUAL(errors, 0);
  CU_ASSERT_EQUAL(d.n, 0);
  lfh_diags_free(&d);
  lfh_node_free(o);
  lfh_registry_free(l.r);
}

static void test_check_unknown_option(void) {
  loaded l = load_good();
  lfh_node *o = new_opts();
  put(o, "path", "/landing", 11);
  put(o, "max_filez", "3", 12);
  put(o, "zzzzzz", "3", 13);
  size_t errors = 0;
  lfh_diags d = run_check(&l, o, 0, &errors);
  CU_ASSERT_EQUAL(errors, 2);
  const lfh_diag *g = lfh_diags_find(&d, "unknown option 'max_filez'");
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  CU_ASSERT_STRING_EQUAL(g->message, "unknown option 'max_filez' for stage 'alpha'");
  CU_ASSERT_STRING_EQUAL(g->hint, "did you mean 'max_files'?");
  CU_ASSERT_STRING_EQUAL(g->yaml_path, "resources.p.source.options.max_filez");
  CU_ASSERT_STRING_EQUAL(g->file, "bundle.yml");
  CU_ASSERT_EQUAL(g->line, 12);
  CU_ASSERT_EQUAL(g->col, 9);
  g = lfh_diags_find(&d, "unknown option 'zzzzzz'");
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  CU_ASSERT_PTR_NOT_NULL(strstr(g->hint, "valid options: path max_files"));
  lfh_diags_free(&d);
  lfh_node_free(o);
  lfh_registry_free(l.r);
}

typedef struct bad_value {
  const char *key, *value, *message, *hint;
} bad_value;

static void test_check_bad_values(void) {
  static const bad_value cases[] = {
      {"max_files", "abc", "option 'max_files' of stage 'alpha': 'abc' is not a valid int", NULL},
      {"max_files", "0", "option 'max_files' of stage 'alpha': '0' is below the minimum 1", NULL},
      {"max_files", "100001",
       "option 'max_files' of stage 'alpha': '100001' is above the maximum 100000", NULL},
      {"ratio", "1.5", "option 'ratio' of stage 'alpha': '1.5' is above the maximum 1", NULL},
      {"ratio", "half", "option 'ratio' of stage 'alpha': 'half' is not a valid double", NULL},
      {"recursive", "yes",
       "option 'recursive' of stage 'alpha': 'yes' is not a valid bool (true or false)", NULL},
      {"poll", "2d", "option 'poll' of stage 'alpha': '2d' is above the maximum 1d", NULL},
      {"poll", "500ms", "option 'poll' of stage 'alpha': '500ms' is below the minimum 1s", NULL},
      {"poll", "5 parsecs",
       "option 'poll' of stage 'alpha': '5 parsecs' is not a valid duration (e.g. '30s', "
       "'10 minutes', '1h30m')", NULL},
      {"max_bytes", "2GB", "option 'max_bytes' of stage 'alpha': '2GB' is above the maximum 1GiB",
       NULL},
      {"format", "jsn", "option 'format' of stage 'alpha': 'jsn' is not one of json, csv, parquet",
       "did you mean 'json'?"},
      {"filter", "", "option 'filter' of stage 'alpha': an empty expr is not allowed", NULL},
      {"columns", "a", "option 'columns' of stage 'alpha' expects a list of strings, got a "
                       "single value", NULL},
      {"headers", "a", "option 'headers' of stage 'alpha' expects a mapping of strings, got a "
                       "single value", NULL},
  };
  loaded l = load_good();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    lfh_node *o = new_opts();
    put(o, "path", "/landing", 11);
    put(o, cases[i].key, cases[i].value, 12);
    size_t errors = 0;
    lfh_diags d = run_check(&l, o, 0, &errors);
    CU_ASSERT_EQUAL(errors, 1);
    if (d.n == 1) {
      CU_ASSERT_STRING_EQUAL(d.items[0].message, cases[i].message);
      if (strcmp(d.items[0].message, cases[i].message) != 0)
        fprintf(stderr, "\n  want: %s\n  got:  %s\n", cases[i].message, d.items[0].message);
      CU_ASSERT_EQUAL(d.items[0].line, 12);
      CU_ASSERT_EQUAL(d.items[0].col, 15); /* the value, not the key */
      if (cases[i].hint) CU_ASSERT_STRING_EQUAL(d.items[0].hint, cases[i].hint);
    }
    lfh_diags_free(&d);
    lfh_node_free(o);
  }
  lfh_registry_free(l.r);
}

static void test_check_required(void) {
  loaded l = load_good();
  size_t errors = 0;
  /* No options mapping at all: reported at the parent's mark. */
  lfh_diags d = run_check(&l, NULL, 0, &errors);
  CU_ASSERT_EQUAL(errors, 1);
  CU_ASSERT_EQUAL_FATAL(d.n, 1);
  CU_ASSERT_STRING_EQUAL(d.items[0].message, "missing required option 'path' for stage 'alpha'");
  CU_ASSERT_EQUAL(d.items[0].line, 10);
  CU_ASSERT_STRING_EQUAL(d.items[0].yaml_path, "resources.p.source.options");
  lfh_diags_free(&d);
  /* A mapping without it. */
  lfh_node *o = new_opts();
  put(o, "max_files", "5", 11);
  d = run_check(&l, o, 0, &errors);
  CU_ASSERT_EQUAL(errors, 1);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&d, "missing required option 'path'"));
  lfh_diags_free(&d);
  lfh_node_free(o);
  /* Options that are not a mapping. */
  lfh_node *s = lfh_node_new_scalar("oops", &opts_mark);
  d = run_check(&l, s, 0, &errors);
  CU_ASSERT_EQUAL(errors, 2);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&d, "options of stage 'alpha' must be a mapping"));
  lfh_diags_free(&d);
  lfh_node_free(s);
  lfh_registry_free(l.r);
}

static void test_check_secret(void) {
  loaded l = load_good();
  size_t errors = 0;
  lfh_node *o = new_opts();
  put(o, "path", "/landing", 11);
  put(o, "password", "hunter2", 12);
  lfh_diags d = run_check(&l, o, 0, &errors); /* development: a warning */
  CU_ASSERT_EQUAL(errors, 0);
  CU_ASSERT_EQUAL(lfh_diags_count(&d, LFH_SEV_WARNING), 1);
  const lfh_diag *g = lfh_diags_find(&d, "is a secret but is set to a literal value");
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  CU_ASSERT_PTR_NULL(strstr(g->message, "hunter2"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g->hint, "${secrets."));
  lfh_diags_free(&d);
  d = run_check(&l, o, 1, &errors); /* production: an error */
  CU_ASSERT_EQUAL(errors, 1);
  lfh_diags_free(&d);
  lfh_map_get(o, "password")->secret = 1;
  d = run_check(&l, o, 1, &errors);
  CU_ASSERT_EQUAL(errors, 0);
  CU_ASSERT_EQUAL(d.n, 0);
  lfh_diags_free(&d);
  lfh_node_free(o);
  lfh_registry_free(l.r);
}

/* ------------------------------------------------------------ lf_config */

static void test_config_getters(void) {
  loaded l = load_good();
  const lf_host *h = lfh_host_table();
  lfh_node *o = new_opts();
  put(o, "path", "/landing", 11);
  put(o, "max_files", "7", 12);
  put(o, "poll", "90s", 13);
  static const char *const cols[] = {"a", "b", "c", NULL};
  put_seq(o, "columns", cols, 14);
  lf_config *cfg = lfh_config_new(l.alpha, o);
  CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
  const char *s = NULL;
  int64_t i = 0;
  double x = 0;
  int b = -1;
  size_t n = 0;
  CU_ASSERT_EQUAL(h->config_string(cfg, "path", &s), LF_OK);
  CU_ASSERT_STRING_EQUAL(s, "/landing");
  CU_ASSERT_EQUAL(h->config_int(cfg, "max_files", &i), LF_OK);
  CU_ASSERT_EQUAL(i, 7);
  CU_ASSERT_EQUAL(h->config_double(cfg, "ratio", &x), LF_OK); /* default */
  CU_ASSERT_DOUBLE_EQUAL(x, 0.5, 1e-12);
  CU_ASSERT_EQUAL(h->config_bool(cfg, "recursive", &b), LF_OK);
  CU_ASSERT_EQUAL(b, 0);
  CU_ASSERT_EQUAL(h->config_duration_us(cfg, "poll", &i), LF_OK);
  CU_ASSERT_EQUAL(i, 90000000);
  CU_ASSERT_EQUAL(h->config_size_bytes(cfg, "max_bytes", &i), LF_OK);
  CU_ASSERT_EQUAL(i, 64LL << 20);
  CU_ASSERT_EQUAL(h->config_string(cfg, "format", &s), LF_OK);
  CU_ASSERT_STRING_EQUAL(s, "json");
  CU_ASSERT_EQUAL(h->config_string(cfg, "schema", &s), LF_OK);
  CU_ASSERT_STRING_EQUAL(s, "id BIGINT, ts TIMESTAMP");
  CU_ASSERT_EQUAL(h->config_list_count(cfg, "columns", &n), LF_OK);
  CU_ASSERT_EQUAL(n, 3);
  CU_ASSERT_EQUAL(h->config_list_item(cfg, "columns", 2, &s), LF_OK);
  CU_ASSERT_STRING_EQUAL(s, "c");
  CU_ASSERT_EQUAL(h->config_list_item(cfg, "columns", 3, &s), LF_ERR_NOT_FOUND);
  const char *k = NULL, *v = NULL;
  CU_ASSERT_EQUAL(h->config_map_count(cfg, "headers", &n), LF_OK); /* default {a: 1, b: two} */
  CU_ASSERT_EQUAL(n, 2);
  CU_ASSERT_EQUAL(h->config_map_entry(cfg, "headers", 1, &k, &v), LF_OK);
  CU_ASSERT_STRING_EQUAL(k, "b");
  CU_ASSERT_STRING_EQUAL(v, "two");
  /* No value and no default; unknown name; wrong type. */
  CU_ASSERT_EQUAL(h->config_string(cfg, "filter", &s), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(h->config_string(cfg, "nope", &s), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(h->config_int(cfg, "path", &i), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(h->config_bool(cfg, "max_files", &b), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(h->config_double(cfg, "max_files", &x), LF_OK); /* ints read as doubles */
  CU_ASSERT_DOUBLE_EQUAL(x, 7, 0);
  lfh_config_free(cfg);

  /* Defaults only, including the list default. */
  cfg = lfh_config_new(l.alpha, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
  CU_ASSERT_EQUAL(h->config_string(cfg, "path", &s), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(h->config_list_count(cfg, "columns", &n), LF_OK);
  CU_ASSERT_EQUAL(n, 2);
  CU_ASSERT_EQUAL(h->config_list_item(cfg, "columns", 1, &s), LF_OK);
  CU_ASSERT_STRING_EQUAL(s, "ts");
  CU_ASSERT_EQUAL(h->config_int(cfg, "max_files", &i), LF_OK);
  CU_ASSERT_EQUAL(i, 1000);
  lfh_config_free(cfg);
  lfh_node_free(o);
  lfh_registry_free(l.r);
}

/* ------------------------------------------------------------ parsers */

static void test_parse_duration(void) {
  static const struct { const char *s; long long us; } ok[] = {
      {"10 minutes", 600000000LL}, {"5s", 5000000}, {"250ms", 250000}, {"1h30m", 5400000000LL},
      {"2 days", 172800000000LL}, {"1 hour 30 minutes", 5400000000LL}, {"0", 0},
      {"1.5s", 1500000}, {"7us", 7}, {"1w", 604800000000LL}, {"  3 SECONDS ", 3000000},
      {"1m", 60000000}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    long long v = -1;
    CU_ASSERT_EQUAL(lfh_parse_duration_us(ok[i].s, &v), 0);
    CU_ASSERT_EQUAL(v, ok[i].us);
  }
  static const char *const bad[] = {"", "   ", "10", "s", "5 parsecs", "-5s", "5s garbage",
                                    "1e3s", "5..s", "99999999999999 weeks", "0x10s", NULL};
  for (size_t i = 0; bad[i]; i++) {
    long long v = 42;
    CU_ASSERT_EQUAL(lfh_parse_duration_us(bad[i], &v), -1);
    CU_ASSERT_EQUAL(v, 42); /* untouched on failure */
  }
  CU_ASSERT_EQUAL(lfh_parse_duration_us(NULL, NULL), -1);
}

static void test_parse_size(void) {
  static const struct { const char *s; long long b; } ok[] = {
      {"4096", 4096}, {"64MB", 64LL << 20}, {"1 GiB", 1LL << 30}, {"10g", 10LL << 30},
      {"1.5KB", 1536}, {"0", 0}, {"7b", 7}, {"2 TiB", 2LL << 40}, {"1k", 1024},
      {"3 bytes", 3}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    long long v = -1;
    CU_ASSERT_EQUAL(lfh_parse_size_bytes(ok[i].s, &v), 0);
    CU_ASSERT_EQUAL(v, ok[i].b);
  }
  static const char *const bad[] = {"", "MB", "-1", "1 XB", "1MB 2KB", "9999999 PB", "1,5MB",
                                    NULL};
  for (size_t i = 0; bad[i]; i++) {
    long long v = 42;
    CU_ASSERT_EQUAL(lfh_parse_size_bytes(bad[i], &v), -1);
    CU_ASSERT_EQUAL(v, 42);
  }
  char buf[32];
  lfh_format_size(64LL << 20, buf, sizeof buf);
  CU_ASSERT_STRING_EQUAL(buf, "64MiB");
  lfh_format_size(1000, buf, sizeof buf);
  CU_ASSERT_STRING_EQUAL(buf, "1000B");
  lfh_format_duration(5400000000LL, buf, sizeof buf);
  CU_ASSERT_STRING_EQUAL(buf, "90m");
  lfh_format_duration(1500, buf, sizeof buf);
  CU_ASSERT_STRING_EQUAL(buf, "1500us");
}

/* ------------------------------------------------------------ host services */

static char *read_stream(FILE *f) {
  fflush(f);
  long n = ftell(f);
  char *buf = calloc(1, (size_t)n + 1);
  rewind(f);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) buf[0] = '\0';
  rewind(f);
  return buf;
}

static void test_host_logging(void) {
  const lf_host *h = lfh_host_table();
  FILE *f = tmpfile();
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  lfh_log_set_stream(f);
  lfh_log_set_level(LF_LOG_INFO);
  lf_stage_ctx *ctx = lfh_stage_ctx_new("clicks", "ingest", "alpha");
  CU_ASSERT_STRING_EQUAL(lfh_stage_ctx_label(ctx), "clicks/ingest/alpha");
  CU_ASSERT_EQUAL(lfh_redact_register("hunter2"), 0);
  CU_ASSERT_EQUAL(lfh_redact_register("hunter"), 0); /* a prefix must not leave "2" behind */
  h->log(ctx, LF_LOG_WARN, "key=%s n=%d", "hunter2", 3);
  h->log(ctx, LF_LOG_DEBUG, "hidden");
  h->log(NULL, LF_LOG_ERROR, "host-level");
  CU_ASSERT_FALSE(h->log_enabled(ctx, LF_LOG_DEBUG));
  CU_ASSERT_TRUE(h->log_enabled(ctx, LF_LOG_ERROR));
  char *out = read_stream(f);
  CU_ASSERT_STRING_EQUAL(out, "[warn] clicks/ingest/alpha: key=*** n=3\n"
                              "[error] lfhost: host-level\n");
  free(out);
  char *red = lfh_redact("a hunter2 b hunter c");
  CU_ASSERT_STRING_EQUAL(red, "a *** b *** c");
  free(red);
  lfh_log_set_stream(NULL);
  fclose(f);
  lfh_stage_ctx_free(ctx);
  lfh_hostapi_reset();
}

static void test_host_metrics(void) {
  const lf_host *h = lfh_host_table();
  lf_stage_ctx *ctx = lfh_stage_ctx_new("p", NULL, "s");
  int64_t c = 0;
  double g = 0;
  h->counter_add(ctx, "rows.in", 5);
  h->counter_add(ctx, "rows.in", 7);
  h->counter_add(ctx, "Bad Name", 1);
  h->gauge_set(ctx, "lag_s", 1.5);
  h->gauge_set(ctx, "lag_s", 2.5);
  h->counter_add(NULL, "host.count", 1);
  CU_ASSERT_EQUAL(lfh_metric_counter("p/s", "rows.in", &c), 0);
  CU_ASSERT_EQUAL(c, 12);
  CU_ASSERT_EQUAL(lfh_metric_gauge("p/s", "lag_s", &g), 0);
  CU_ASSERT_DOUBLE_EQUAL(g, 2.5, 0);
  CU_ASSERT_EQUAL(lfh_metric_counter("", "host.count", &c), 0);
  CU_ASSERT_EQUAL(c, 1);
  CU_ASSERT_EQUAL(lfh_metric_counter("p/s", "Bad Name", &c), -1);
  CU_ASSERT_EQUAL(lfh_metric_counter("p/s", "lag_s", &c), -1); /* a gauge, not a counter */
  lfh_stage_ctx_free(ctx);
  lfh_hostapi_reset();
  CU_ASSERT_EQUAL(lfh_metric_counter("p/s", "rows.in", &c), -1);
}

static void test_host_secrets(void) {
  const lf_host *h = lfh_host_table();
  char buf[64], msg[256];
  lf_error err = {sizeof err, 0, msg, sizeof msg};
  setenv("LFH_TEST_SECRET", "s3cr3t-value", 1);
  CU_ASSERT_EQUAL(h->secret_get(NULL, "env.LFH_TEST_SECRET", buf, sizeof buf, &err), LF_OK);
  CU_ASSERT_STRING_EQUAL(buf, "s3cr3t-value");
  char *red = lfh_redact("token s3cr3t-value");
  CU_ASSERT_STRING_EQUAL(red, "token ***"); /* handed-out secrets are redacted */
  free(red);
  CU_ASSERT_EQUAL(h->secret_get(NULL, "env.LFH_TEST_UNSET_XYZ", buf, sizeof buf, &err),
                  LF_ERR_NOT_FOUND);
  CU_ASSERT_STRING_EQUAL(msg, "environment variable 'LFH_TEST_UNSET_XYZ' is not set");
  CU_ASSERT_EQUAL(err.code, LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(h->secret_get(NULL, "env.LFH_TEST_SECRET", buf, 4, &err), LF_ERR_INVALID);
  char *dir = lfh_test_tmpdir(), *path = lfh_test_write(dir, "key", "from-file\n"), *ref = NULL;
  CU_ASSERT_FATAL(path && asprintf(&ref, "file.%s", path) > 0);
  CU_ASSERT_EQUAL(h->secret_get(NULL, ref, buf, sizeof buf, &err), LF_OK);
  CU_ASSERT_STRING_EQUAL(buf, "from-file");
  CU_ASSERT_EQUAL(h->secret_get(NULL, "file./nonexistent/x", buf, sizeof buf, &err),
                  LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(h->secret_get(NULL, "vault.key", buf, sizeof buf, &err), LF_ERR_NOT_FOUND);
  lfh_test_rmtree(dir);
  free(dir), free(path), free(ref);
  lfh_hostapi_reset();
}

static void test_host_table(void) {
  const lf_host *h = lfh_host_table();
  CU_ASSERT_EQUAL(h->struct_size, sizeof(lf_host));
  CU_ASSERT_EQUAL(h->abi_major, LF_ABI_MAJOR);
  CU_ASSERT_EQUAL(h->abi_minor, LF_ABI_MINOR);
  CU_ASSERT_STRING_EQUAL(h->host_version, LFH_VERSION);
  CU_ASSERT_PTR_NULL(h->get_extension(h, "lf.objstore/1"));
  CU_ASSERT_PTR_NULL(h->get_extension(h, ""));
  CU_ASSERT_PTR_NOT_NULL(h->objstore); /* since 1.2 */
  CU_ASSERT_EQUAL(h->objstore->struct_size, sizeof(struct lf_objstore_api));
  CU_ASSERT_PTR_NULL(h->tables);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h->expr->parse_ddl); /* since 1.2 */
  struct ArrowSchema sch;
  char msg[256];
  lf_error e = {sizeof e, 0, msg, sizeof msg};
  const char *ddl = "id BIGINT NOT NULL, user STRUCT<email: STRING>";
  CU_ASSERT_EQUAL_FATAL(h->expr->parse_ddl(ddl, strlen(ddl), &sch, &e), LF_OK);
  CU_ASSERT_STRING_EQUAL(sch.format, "+s");
  CU_ASSERT_EQUAL(sch.n_children, 2);
  CU_ASSERT_STRING_EQUAL(sch.children[0]->format, "l");
  CU_ASSERT_STRING_EQUAL(sch.children[1]->children[0]->name, "email");
  sch.release(&sch);
  ddl = "id BIGINT,\n  name STRNG";
  CU_ASSERT_EQUAL(h->expr->parse_ddl(ddl, strlen(ddl), &sch, &e), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(e.code, LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "2:8: "));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "STRNG"));
  CU_ASSERT_PTR_NULL(sch.release);
  /* Only `len` bytes count: the text need not be NUL-terminated. */
  CU_ASSERT_EQUAL(h->expr->parse_ddl("a INT, b", 5, &sch, &e), LF_OK);
  CU_ASSERT_EQUAL(sch.n_children, 1);
  sch.release(&sch);
  CU_ASSERT_EQUAL(h->expr->parse_ddl("  ", 2, &sch, &e), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(h->expr);
  CU_ASSERT_EQUAL(h->expr->struct_size, sizeof(struct lf_expr_api));
  CU_ASSERT_PTR_NOT_NULL(h->log);
  CU_ASSERT_PTR_NOT_NULL(h->config_map_entry);
}

/* ------------------------------------------------------------ lfhost plugins */

typedef struct cli_result {
  int rc;
  char *out, *err; /* owned */
} cli_result;

static int redirect(int fd, FILE **tmp) {
  *tmp = tmpfile();
  int saved = dup(fd);
  if (!*tmp || saved < 0) return -1;
  dup2(fileno(*tmp), fd);
  return saved;
}

static char *restore(int fd, int saved, FILE *tmp) {
  dup2(saved, fd);
  close(saved);
  fseek(tmp, 0, SEEK_END);
  char *s = read_stream(tmp);
  fclose(tmp);
  return s;
}

static cli_result run_plugins(const char *a1, const char *a2, const char *a3, const char *a4) {
  char *argv[] = {"plugins", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
  int argc = 1;
  while (argv[argc]) argc++;
  cli_result res = {0};
  FILE *to = NULL, *te = NULL;
  fflush(stdout);
  fflush(stderr);
  int so = redirect(1, &to), se = redirect(2, &te);
  CU_ASSERT_FATAL(so >= 0 && se >= 0);
  res.rc = lfh_cmd_plugins(argc, argv);
  fflush(stdout);
  fflush(stderr);
  res.out = restore(1, so, to);
  res.err = restore(2, se, te);
  return res;
}

static void cli_free(cli_result *r) {
  free(r->out);
  free(r->err);
}

static void test_cli_check(void) {
  char want[1024];
  cli_result r = run_plugins("check", FIXTURE("good"), NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 0);
  snprintf(want, sizeof want,
           "OK: %s: plugin lf_good 1.0.0 (ABI 1.0), stages: alpha (source), beta (transform)\n",
           FIXTURE("good"));
  CU_ASSERT_STRING_EQUAL(r.out, want);
  cli_free(&r);
  r = run_plugins("check", FIXTURE("newer_minor"), NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "(ABI 1.7), stages: gamma (sink), delta (hasher)"));
  cli_free(&r);
  r = run_plugins("check", FIXTURE("bad_magic"), NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 1);
  snprintf(want, sizeof want,
           "%s: refused: bad magic 0x12345678 (expected 0x4c46504c): not an lfhost plugin\n",
           FIXTURE("bad_magic"));
  CU_ASSERT_STRING_EQUAL(r.err, want);
  CU_ASSERT_STRING_EQUAL(r.out, "");
  cli_free(&r);
  /* A bare name is looked up on the search path. */
  r = run_plugins("check", "good", "--plugin-path", LFH_ABI_FIXTURE_DIR);
  CU_ASSERT_EQUAL(r.rc, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "OK: " LFH_ABI_FIXTURE_DIR "/good.so: plugin lf_good"));
  cli_free(&r);
}

static void test_cli_usage(void) {
  cli_result r = run_plugins(NULL, NULL, NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "Usage: lfhost plugins"));
  cli_free(&r);
  r = run_plugins("--help", NULL, NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "describe STAGE"));
  cli_free(&r);
  static const char *const subs[] = {"list", "describe", "check"};
  for (size_t i = 0; i < 3; i++) {
    r = run_plugins(subs[i], "--help", NULL, NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Usage: lfhost plugins "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, subs[i]));
    cli_free(&r);
  }
  r = run_plugins("frobnicate", NULL, NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 2);
  cli_free(&r);
  r = run_plugins("check", NULL, NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 2);
  cli_free(&r);
  r = run_plugins("list", "extra", NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 2);
  cli_free(&r);
  r = run_plugins("list", "--plugin-path", NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 2);
  cli_free(&r);
  r = run_plugins("list", "--bogus", NULL, NULL);
  CU_ASSERT_EQUAL(r.rc, 2);
  cli_free(&r);
}

static void test_cli_list_and_describe(void) {
  unsetenv("LFHOST_PLUGIN_PATH");
  char *dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  CU_ASSERT_EQUAL(copy_file(FIXTURE("good"), dir, "good.so"), 0);
  CU_ASSERT_EQUAL(copy_file(FIXTURE("wrong_major"), dir, "wrong_major.so"), 0);
  cli_result r = run_plugins("list", "--plugin-path", dir, NULL);
  CU_ASSERT_EQUAL(r.rc, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "lf_good 1.0.0 (ABI 1.0)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "stages: alpha (source), beta (transform)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "wrong_major.so: refused: ABI major 2, this host speaks 1"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, dir));
  cli_free(&r);

  char *arg = NULL;
  CU_ASSERT_FATAL(asprintf(&arg, "--plugin-path=%s", dir) > 0);
  r = run_plugins("describe", "alpha", arg, NULL);
  CU_ASSERT_EQUAL(r.rc, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "alpha - source stage of plugin lf_good 1.0.0"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "    path (string, required)\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "    max_files (int)\n        default: 1000\n"
                                       "        min: 1\n        max: 100000\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "values: json | csv | parquet"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "    poll (duration)\n        default: 10s\n"
                                       "        min: 1s\n        max: 1d\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "    password (string, secret)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Reads files as they land."));
  cli_free(&r);
  r = run_plugins("describe", "alpa", arg, NULL);
  CU_ASSERT_EQUAL(r.rc, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "no plugin on the search path provides stage 'alpa'"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "did you mean 'alpha'?"));
  cli_free(&r);
  free(arg);
  lfh_test_rmtree(dir);
  free(dir);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"good plugin accepted", test_good_plugin},
      {"newer minor accepted", test_newer_minor_accepted},
      {"1.1 source in a 1.2 host", test_old_source_minor},
      {"refusals with reasons", test_refusals},
      {"refusals quoting struct sizes", test_refusals_struct_sizes},
      {"missing file", test_missing_file},
      {"duplicate stage across plugins", test_duplicate_across_plugins},
      {"duplicate plugin name", test_duplicate_plugin_name},
      {"search path order", test_searchpath_order},
      {"search path find", test_searchpath_find},
      {"load search path", test_load_searchpath},
      {"config check valid", test_check_valid},
      {"config check unknown option", test_check_unknown_option},
      {"config check bad values", test_check_bad_values},
      {"config check required", test_check_required},
      {"config check secret", test_check_secret},
      {"config getters", test_config_getters},
      {"parse duration", test_parse_duration},
      {"parse size", test_parse_size},
      {"host logging and redaction", test_host_logging},
      {"host metrics", test_host_metrics},
      {"host secrets", test_host_secrets},
      {"host table", test_host_table},
      {"cli check", test_cli_check},
      {"cli usage", test_cli_usage},
      {"cli list and describe", test_cli_list_and_describe},
      {NULL, NULL}};
  return lfh_test_run("loader", cases);
}
