/*
 * test_bronze_autoloader — the built lf_bronze.so driven through the real loader
 * (lfh_registry_load, lfh_host_table(), lfh_config from YAML options) on real temp
 * folders: negotiate, the planning rules (hidden, glob, ordering, caps, completeness,
 * include_existing_files), state round trips without re-reads, replay determinism,
 * the malformed-input corpus, schema evolution modes, JSON arrays and multi-line files,
 * and an abfss:// landing zone on Azurite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <sys/time.h>
#include <time.h>

#include "bundle/lfh_yaml.h"
#include "lf/lf.h"
#include "lfb_azurite.h"
#include "lfh_test.h"
#include "util/lfh_clock.h"
#include "loader/lfh_config.h"
#include "loader/lfh_hostapi.h"
#include "loader/lfh_loader.h"
#include "store/lfh_store.h"
#include "util/lfh_diag.h"

#define PLUGIN LFH_BINARY_DIR "/lib/lfhost/plugins/lf_bronze.so"
#define SCHEMA "id BIGINT, name STRING, user STRUCT<email: STRING>"
#define T0 1700000000000000LL /* a trigger time, microseconds */

static char g_msg[2048];
static lf_error g_err;

static lf_error *e0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

/* ------------------------------------------------------------ the harness */

typedef struct inst {
  lfh_registry *r;
  const lfh_stage_info *st;
  const lf_source_vtable *vt;
  lf_config *cfg;
  lfh_node *opts;
  void *state;
  lf_stage_ctx *ctx;
} inst;

/* Loads the plugin and creates an autoloader from YAML options; returns create's code
 * (LF_OK and a usable instance, or the refusal with g_msg). Options must pass
 * lfh_config_check, as a bundle's would. */
static int open_inst(inst *in, const char *yaml) {
  char why[1024];
  memset(in, 0, sizeof *in);
  in->r = lfh_registry_new();
  int rc = lfh_registry_load(in->r, PLUGIN, why, sizeof why);
  if (rc != 0) fprintf(stderr, "\n%s\n", why);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  in->st = lfh_registry_find_stage(in->r, "autoloader");
  CU_ASSERT_PTR_NOT_NULL_FATAL(in->st);
  in->vt = &in->st->vt.source;
  lfh_diags d;
  lfh_diags_init(&d);
  in->opts = lfh_yaml_load_buffer("opts.yml", yaml, strlen(yaml), &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(in->opts);
  size_t bad = lfh_config_check(in->st, in->opts, "options", NULL, 0, &d);
  if (bad) fprintf(stderr, "\noption check failed for:\n%s\n", yaml);
  CU_ASSERT_EQUAL_FATAL(bad, 0);
  lfh_diags_free(&d);
  in->cfg = lfh_config_new(in->st, in->opts);
  CU_ASSERT_PTR_NOT_NULL_FATAL(in->cfg);
  in->ctx = lfh_stage_ctx_new("p", "f", "autoloader");
  return in->st->raw->create(lfh_host_table(), in->ctx, in->cfg, &in->state, e0());
}

static void close_inst(inst *in) {
  if (in->state) in->st->raw->destroy(in->state);
  lfh_config_free(in->cfg);
  lfh_node_free(in->opts);
  lfh_stage_ctx_free(in->ctx);
  lfh_registry_free(in->r);
  memset(in, 0, sizeof *in);
}

static char *opts_for(const char *dir, const char *extra) {
  char *y = NULL;
  int age = extra && strstr(extra, "min_file_age");
  if (asprintf(&y, "path: '%s'\nformat: json\nschema: '" SCHEMA "'\n%s%s", dir,
               age ? "" : "min_file_age: 0\n", extra ? extra : "") < 0)
    return NULL;
  return y;
}

/* Creates with the common options plus `extra`; fatal unless create succeeds. */
static void open_ok(inst *in, const char *dir, const char *extra) {
  char *y = opts_for(dir, extra);
  int rc = open_inst(in, y);
  if (rc != LF_OK) fprintf(stderr, "\ncreate: %s\n", g_msg);
  free(y);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
}

static lf_blob plan(inst *in, int64_t trigger) {
  lf_epoch ep = {sizeof ep, 1, "flow", trigger};
  lf_blob b = {0};
  int rc = in->vt->plan(in->state, &ep, &b, e0());
  if (rc != LF_OK) fprintf(stderr, "\nplan: %s\n", g_msg);
  CU_ASSERT_EQUAL(rc, LF_OK);
  return b;
}

static void blob_free(lf_blob *b) {
  if (b->release) b->release(b);
}

/* The keys the plan reads ("R" lines), joined with ','. */
static char *plan_keys(const lf_blob *b, const char *tag) {
  char *out = calloc(1, b->size + 2), *p = out;
  const char *s = b->data, *end = s ? s + b->size : s;
  while (s && s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    if (!nl) break;
    if (strncmp(s, tag, 2) == 0) {
      long long size, mtime;
      size_t klen;
      int used = 0;
      if (sscanf(s + 2, "%lld %lld %zu %n", &size, &mtime, &klen, &used) == 3) {
        const char *key = s + 2 + used;
        if (p != out) *p++ = ',';
        memcpy(p, key, klen);
        p += klen;
        nl = key + klen;
      }
    }
    s = nl + 1;
  }
  return out;
}

/* The files instance `in` plans for a trigger at `t`, as "a,b,c", must be `want`. */
static void expect_plan(inst *in, int64_t t, const char *want) {
  lf_blob p = plan(in, t);
  char *keys = plan_keys(&p, "R ");
  CU_ASSERT_STRING_EQUAL(keys, want);
  free(keys);
  blob_free(&p);
}

/* Rows rendered as text, one line per row, for exact comparisons. */
typedef struct rows {
  char *text;
  size_t len, cap;
  int64_t n;
  int64_t batches;
} rows;

static void put(rows *r, const char *s, size_t n) {
  if (r->len + n + 1 > r->cap) {
    while (r->len + n + 1 > r->cap) r->cap = r->cap ? r->cap * 2 : 4096;
    r->text = realloc(r->text, r->cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->text);
  }
  memcpy(r->text + r->len, s, n);
  r->len += n;
  r->text[r->len] = '\0';
}

static void render(rows *r, const lf_view *v, int64_t row) {
  char buf[64];
  if (!lf_view_is_valid(v, row)) return put(r, "null", 4);
  size_t n;
  const char *s;
  switch (v->type) {
  case LF_TYPE_INT64:
  case LF_TYPE_TIMESTAMP:
    snprintf(buf, sizeof buf, "%lld", (long long)lf_view_int64(v, row));
    return put(r, buf, strlen(buf));
  case LF_TYPE_INT32:
    snprintf(buf, sizeof buf, "%d", lf_view_int32(v, row));
    return put(r, buf, strlen(buf));
  case LF_TYPE_UTF8:
    s = lf_view_utf8(v, row, &n);
    return put(r, s, n);
  case LF_TYPE_STRUCT:
    put(r, "{", 1);
    for (int64_t i = 0; i < lf_view_n_children(v); i++) {
      lf_view c;
      lf_view_child(v, i, &c);
      if (i) put(r, ";", 1);
      render(r, &c, row);
    }
    return put(r, "}", 1);
  default:
    return put(r, "?", 1);
  }
}

/* read(plan) to the end; returns the stream's first error code (0 when none). */
static int read_rows(inst *in, const lf_blob *p, rows *out, char *errbuf, size_t cap) {
  struct ArrowArrayStream st;
  struct ArrowSchema sch;
  lf_epoch ep = {sizeof ep, 1, "flow", T0 + 999}; /* not the plan's: must not matter */
  memset(out, 0, sizeof *out);
  put(out, "", 0);
  int rc = in->vt->read(in->state, &ep, p->data, p->size, &st, e0());
  if (rc != LF_OK) {
    snprintf(errbuf, cap, "%.*s", (int)(cap > 1 ? cap - 1 : 0), g_msg);
    return -1;
  }
  CU_ASSERT_EQUAL_FATAL(st.get_schema(&st, &sch), 0);
  for (;;) {
    struct ArrowArray a;
    rc = st.get_next(&st, &a);
    if (rc != 0) {
      const char *m = st.get_last_error(&st);
      snprintf(errbuf, cap, "%s", m ? m : "");
      break;
    }
    if (!a.release) break;
    lf_view v;
    CU_ASSERT_EQUAL_FATAL(lf_view_init(&v, &sch, &a, e0()), LF_OK);
    for (int64_t row = 0; row < v.length; row++) {
      render(out, &v, row);
      put(out, "\n", 1);
    }
    out->n += v.length;
    out->batches++;
    a.release(&a);
  }
  sch.release(&sch);
  st.release(&st);
  return rc;
}

static int64_t count_lines_with(const rows *r, const char *needle) {
  int64_t n = 0;
  for (const char *p = r->text; p && *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    char *line = strndup(p, len);
    if (strstr(line, needle)) n++;
    free(line);
    p = nl ? nl + 1 : p + len;
  }
  return n;
}

/* Writes DIR/NAME with mtime `sec` (seconds since the epoch). */
static void file_at(const char *dir, const char *name, const char *text, time_t sec) {
  char *path = lfh_test_write(dir, name, text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(path);
  struct timeval tv[2] = {{sec, 0}, {sec, 0}};
  CU_ASSERT_EQUAL(utimes(path, tv), 0);
  free(path);
}

#define SEC (T0 / 1000000)

/* ------------------------------------------------------------ tests */

static void test_negotiate(void) {
  char *dir = lfh_test_tmpdir();
  inst in;
  open_ok(&in, dir, NULL);
  struct ArrowSchema out;
  CU_ASSERT_EQUAL_FATAL(in.st->raw->negotiate(in.state, NULL, &out, e0()), LF_OK);
  const char *names[] = {"id", "name", "user", "_rescued_data", "_metadata", "_ingested_at"};
  const char *formats[] = {"l", "u", "+s", "u", "+s", "tsu:UTC"};
  CU_ASSERT_EQUAL_FATAL(out.n_children, 6);
  for (int i = 0; i < 6; i++) {
    CU_ASSERT_STRING_EQUAL(out.children[i]->name, names[i]);
    CU_ASSERT_STRING_EQUAL(out.children[i]->format, formats[i]);
  }
  const struct ArrowSchema *meta = out.children[4];
  CU_ASSERT_EQUAL_FATAL(meta->n_children, 4);
  CU_ASSERT_STRING_EQUAL(meta->children[0]->name, "file_path");
  CU_ASSERT_STRING_EQUAL(meta->children[2]->name, "file_size");
  CU_ASSERT_STRING_EQUAL(meta->children[3]->name, "file_modification_time");
  out.release(&out);
  close_inst(&in);
  /* schema_hints retype a column and add one; rescue off drops the column. */
  open_ok(&in, dir, "schema_hints: 'ID STRING, score DOUBLE'\nrescued_data_column: ''\n");
  CU_ASSERT_EQUAL_FATAL(in.st->raw->negotiate(in.state, NULL, &out, e0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(out.n_children, 6);
  CU_ASSERT_STRING_EQUAL(out.children[0]->format, "u");
  CU_ASSERT_STRING_EQUAL(out.children[3]->name, "score");
  CU_ASSERT_STRING_EQUAL(out.children[4]->name, "_metadata");
  out.release(&out);
  close_inst(&in);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_create_errors(void) {
  char *dir = lfh_test_tmpdir(), *y = NULL;
  inst in;
  CU_ASSERT(asprintf(&y, "path: '%s'\nformat: json\n", dir) > 0);
  CU_ASSERT_EQUAL(open_inst(&in, y), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "exactly one of `schema`"));
  close_inst(&in);
  free(y);
  y = opts_for(dir, "schema_hints: 'x STRNG'\n");
  CU_ASSERT_EQUAL(open_inst(&in, y), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "schema_hints: 1:3: unknown type 'STRNG'"));
  close_inst(&in);
  free(y);
  y = opts_for(dir, "schema_evolution_mode: add_new_columns\n");
  CU_ASSERT_EQUAL(open_inst(&in, y), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "needs schema_location"));
  close_inst(&in);
  free(y);
  y = opts_for(dir, "schema_hints: '_rescued_data STRING'\n");
  CU_ASSERT_EQUAL(open_inst(&in, y), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "'_rescued_data'"));
  close_inst(&in);
  free(y);
  /* schema_file: the DDL from a file. */
  char *sf = lfh_test_write(dir, "schema.ddl", "a STRING,\n b INT\n");
  CU_ASSERT(asprintf(&y, "path: '%s/land'\nformat: json\nschema_file: '%s'\n", dir, sf) > 0);
  CU_ASSERT_EQUAL(open_inst(&in, y), LF_OK);
  struct ArrowSchema out;
  CU_ASSERT_EQUAL_FATAL(in.st->raw->negotiate(in.state, NULL, &out, e0()), LF_OK);
  CU_ASSERT_STRING_EQUAL(out.children[1]->name, "b");
  out.release(&out);
  close_inst(&in);
  free(y);
  free(sf);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_plan_rules(void) {
  char *dir = lfh_test_tmpdir();
  file_at(dir, "b.json", "{\"id\":2}\n", SEC - 100);
  file_at(dir, "a.json", "{\"id\":1}\n", SEC - 100); /* same mtime: key order */
  file_at(dir, "old.json", "{\"id\":0}\n", SEC - 500);
  file_at(dir, "sub/c.json", "{\"id\":3}\n", SEC - 50);
  file_at(dir, ".hidden.json", "{}\n", SEC - 100);
  file_at(dir, "_tmp/x.json", "{}\n", SEC - 100);
  file_at(dir, "copy.json._COPYING_", "{}\n", SEC - 100);
  file_at(dir, "notes.txt", "hello\n", SEC - 100);
  file_at(dir, "young.json", "{\"id\":9}\n", SEC - 1); /* 1 s old at T0 */
  inst in;
  open_ok(&in, dir, "path_glob_filter: '*.json'\nmin_file_age: 10s\n");
  expect_plan(&in, T0, "old.json,a.json,b.json,sub/c.json");
  /* Later, the young file is old enough. */
  expect_plan(&in, T0 + 20000000, "old.json,a.json,b.json,sub/c.json,young.json");
  close_inst(&in);
  /* Caps: two files, or as many bytes as fit (at least one file). */
  open_ok(&in, dir, "path_glob_filter: '*.json'\nmax_files_per_trigger: 2\n");
  expect_plan(&in, T0, "old.json,a.json");
  close_inst(&in);
  open_ok(&in, dir, "path_glob_filter: '*.json'\nmax_bytes_per_trigger: 20\n");
  expect_plan(&in, T0, "old.json,a.json"); /* 9 + 9 bytes; a third would be 27 */
  close_inst(&in);
  open_ok(&in, dir, "path_glob_filter: '*.json'\nmax_bytes_per_trigger: 1\n");
  expect_plan(&in, T0, "old.json");
  close_inst(&in);
  /* The default min_file_age (2 s) defers a file written a second ago. */
  char *y = NULL;
  CU_ASSERT(asprintf(&y, "path: '%s'\nformat: json\nschema: 'id BIGINT'\n", dir) > 0);
  CU_ASSERT_EQUAL_FATAL(open_inst(&in, y), LF_OK);
  lf_blob p = plan(&in, T0);
  char *keys = plan_keys(&p, "R ");
  CU_ASSERT_PTR_NULL(strstr(keys, "young.json"));
  CU_ASSERT_PTR_NOT_NULL(strstr(keys, "notes.txt")); /* no glob: every visible file */
  free(keys);
  blob_free(&p);
  close_inst(&in);
  free(y);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_state_and_replay(void) {
  char *dir = lfh_test_tmpdir();
  file_at(dir, "1.json", "{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"name\":\"b\"}\n", SEC - 30);
  file_at(dir, "2.json", "{\"id\":3,\"user\":{\"email\":\"x@y\"}}\n", SEC - 20);
  inst in, again;
  open_ok(&in, dir, NULL);
  lf_blob p = plan(&in, T0);
  rows r1, r2;
  char eb[512] = "";
  CU_ASSERT_EQUAL(read_rows(&in, &p, &r1, eb, sizeof eb), 0);
  CU_ASSERT_EQUAL(r1.n, 3);
  /* Replay: a fresh instance (after a crash) reads the same plan: identical rows, the
   * same _ingested_at (the plan's trigger time, not the replay's). */
  open_ok(&again, dir, NULL);
  CU_ASSERT_EQUAL(read_rows(&again, &p, &r2, eb, sizeof eb), 0);
  CU_ASSERT_STRING_EQUAL(r1.text, r2.text);
  char ts[32];
  snprintf(ts, sizeof ts, ";%lld}", (long long)T0);
  CU_ASSERT_EQUAL(count_lines_with(&r1, ts), 3);
  if (getenv("LFB_DEBUG")) fprintf(stderr, "\n%s\n", r1.text);
  CU_ASSERT_PTR_NOT_NULL(strstr(r1.text, "1;a;null;null;{file://"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r1.text, "/1.json;1.json;"));
  close_inst(&again);
  free(r2.text);
  /* save_state checkpoints the read files; a restored instance plans nothing. */
  lf_epoch ep = {sizeof ep, 1, "flow", T0};
  lf_blob state = {0};
  CU_ASSERT_EQUAL_FATAL(in.vt->save_state(in.state, &ep, &state, e0()), LF_OK);
  lf_blob p2 = plan(&in, T0 + 1000000);
  CU_ASSERT_EQUAL(p2.size, 0);
  blob_free(&p2);
  open_ok(&again, dir, NULL);
  CU_ASSERT_EQUAL_FATAL(again.vt->load_state(again.state, state.data, state.size, e0()), LF_OK);
  p2 = plan(&again, T0 + 1000000);
  CU_ASSERT_EQUAL(p2.size, 0);
  blob_free(&p2);
  /* A new file is the only one planned, and the state grows by it. */
  file_at(dir, "3.json", "{\"id\":4}\n", SEC - 10);
  p2 = plan(&again, T0 + 1000000);
  char *keys = plan_keys(&p2, "R ");
  CU_ASSERT_STRING_EQUAL(keys, "3.json");
  free(keys);
  CU_ASSERT_EQUAL(read_rows(&again, &p2, &r2, eb, sizeof eb), 0);
  CU_ASSERT_EQUAL(r2.n, 1);
  free(r2.text);
  lf_blob s2 = {0};
  CU_ASSERT_EQUAL_FATAL(again.vt->save_state(again.state, &ep, &s2, e0()), LF_OK);
  CU_ASSERT(s2.size > state.size);
  CU_ASSERT_PTR_NOT_NULL(memmem(s2.data, s2.size, "3.json", 6));
  /* Garbage state is refused, not half-loaded. */
  CU_ASSERT_EQUAL(again.vt->load_state(again.state, "lfb-state 1\nbogus", 17, e0()),
                  LF_ERR_DATA);
  CU_ASSERT_EQUAL(again.vt->load_state(again.state, s2.data, s2.size, e0()), LF_OK);
  /* A plan that is not ours is refused too. */
  struct ArrowArrayStream st;
  CU_ASSERT_EQUAL(again.vt->read(again.state, &ep, "junk", 4, &st, e0()), LF_ERR_DATA);
  blob_free(&s2);
  blob_free(&p2);
  close_inst(&again);
  blob_free(&state);
  blob_free(&p);
  free(r1.text);
  close_inst(&in);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_include_existing_false(void) {
  char *dir = lfh_test_tmpdir();
  file_at(dir, "old1.json", "{\"id\":1}\n", SEC - 30);
  file_at(dir, "old2.json", "{\"id\":2}\n", SEC - 30);
  inst in, next;
  open_ok(&in, dir, "include_existing_files: false\n");
  lf_blob p = plan(&in, T0);
  CU_ASSERT(p.size > 0); /* the baseline must commit */
  char *keys = plan_keys(&p, "B ");
  CU_ASSERT_STRING_EQUAL(keys, "old1.json,old2.json");
  free(keys);
  keys = plan_keys(&p, "R ");
  CU_ASSERT_STRING_EQUAL(keys, "");
  free(keys);
  rows r;
  char eb[512];
  CU_ASSERT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  CU_ASSERT_EQUAL(r.n, 0);
  free(r.text);
  lf_epoch ep = {sizeof ep, 1, "flow", T0};
  lf_blob state = {0};
  CU_ASSERT_EQUAL_FATAL(in.vt->save_state(in.state, &ep, &state, e0()), LF_OK);
  file_at(dir, "new.json", "{\"id\":3}\n", SEC - 5);
  open_ok(&next, dir, "include_existing_files: false\n");
  CU_ASSERT_EQUAL_FATAL(next.vt->load_state(next.state, state.data, state.size, e0()), LF_OK);
  lf_blob p2 = plan(&next, T0 + 1000000);
  keys = plan_keys(&p2, "R ");
  CU_ASSERT_STRING_EQUAL(keys, "new.json");
  free(keys);
  blob_free(&p2);
  blob_free(&state);
  blob_free(&p);
  close_inst(&next);
  close_inst(&in);
  lfh_test_rmtree(dir);
  free(dir);
}

/* Each malformed input is routed as docs/BRONZE.md says: never an error. */
static void test_malformed_corpus(void) {
  char *dir = lfh_test_tmpdir();
  /* Nesting within the decoder's limit (64) is data; beyond it, a corrupt record. */
  char deep[4096] = "{\"id\":7,\"extra\":";
  for (int i = 0; i < 40; i++) strcat(deep, "[");
  for (int i = 0; i < 40; i++) strcat(deep, "]");
  strcat(deep, "}\n{\"id\":77,\"extra\":");
  for (int i = 0; i < 1000; i++) strcat(deep, "[");
  for (int i = 0; i < 1000; i++) strcat(deep, "]");
  strcat(deep, "}\n");
  char huge[3000];
  memset(huge, 'x', sizeof huge);
  memcpy(huge, "{\"id\":8,\"name\":\"", 16);
  strcpy(huge + sizeof huge - 4, "\"}\n");
  file_at(dir, "a_valid.json", "{\"id\":1,\"name\":\"ok\"}\n", SEC - 60);
  file_at(dir, "b_invalid.json", "{\"id\":2,\n", SEC - 59);
  file_at(dir, "c_types.json", "{\"id\":\"three\",\"name\":\"t\"}\n", SEC - 58);
  file_at(dir, "d_extra.json", "{\"id\":4,\"color\":\"red\"}\n", SEC - 57);
  file_at(dir, "e_deep.json", deep, SEC - 56);
  file_at(dir, "f_huge.json", huge, SEC - 55);
  file_at(dir, "g_utf8.json", "{\"id\":9,\"name\":\"bad \xC3\x28 utf8\"}\n", SEC - 54);
  file_at(dir, "h_empty.json", "", SEC - 53);
  file_at(dir, "i_crlf.json", "{\"id\":10}\r\n{\"id\":11}\r\n", SEC - 52);
  file_at(dir, "j_trunc.json", "{\"id\":12}\n{\"id\":13,\"na", SEC - 51);
  inst in;
  open_ok(&in, dir, "max_line_size: 1KB\n");
  lf_blob p = plan(&in, T0);
  rows r;
  char eb[512] = "";
  CU_ASSERT_EQUAL_FATAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  /* One row per non-empty line: 1+1+1+1+2+1+1+0+2+2. */
  CU_ASSERT_EQUAL(r.n, 12);
  if (getenv("LFB_DEBUG")) fprintf(stderr, "\n%s\n", r.text);
  /* b, e's second line (too deep), f (too long), g (invalid UTF-8), j's truncated end */
  CU_ASSERT_EQUAL(count_lines_with(&r, "_corrupt_record"), 5);
  CU_ASSERT_EQUAL(count_lines_with(&r, "\"_corrupt_record\":\"{\\\"id\\\":77"), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "bad \xEF\xBF\xBD( utf8")); /* U+FFFD */
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "1;ok;null;null;{"));   /* valid: no rescue */
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "\"id\":\"three\""));   /* wrong type, rescued */
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "4;null;null;{\"color\":\"red\""));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "{7;null;null;{\"extra\":[[[["));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "10;null;null;null;{"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "11;null;null;null;{"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "12;null;null;null;{"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "\"_file_path\":\"file://"));
  int64_t v;
  CU_ASSERT_EQUAL(lfh_metric_counter("p/f/autoloader", "corrupt_rows", &v), 0);
  CU_ASSERT(v >= 5);
  CU_ASSERT_EQUAL(lfh_metric_counter("p/f/autoloader", "files", &v), 0);
  CU_ASSERT(v >= 10);
  free(r.text);
  blob_free(&p);
  close_inst(&in);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_evolution(void) {
  char *dir = lfh_test_tmpdir(), land[600], extra[1400];
  snprintf(land, sizeof land, "%s/land", dir);
  file_at(dir, "land/1.json", "{\"id\":1,\"color\":\"red\",\"n\":5}\n", SEC - 60);
  inst in;
  rows r;
  char eb[1024] = "";
  /* fail_on_new_columns: the epoch fails naming the field. */
  open_ok(&in, land, "schema_evolution_mode: fail_on_new_columns\n");
  lf_blob p = plan(&in, T0);
  CU_ASSERT_NOT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(eb, "color"));
  free(r.text);
  blob_free(&p);
  close_inst(&in);
  /* none: the field is ignored, the row is read. */
  open_ok(&in, land, "schema_evolution_mode: none\nrescued_data_column: ''\n");
  p = plan(&in, T0);
  CU_ASSERT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  CU_ASSERT_EQUAL(r.n, 1);
  CU_ASSERT_PTR_NULL(strstr(r.text, "red"));
  free(r.text);
  blob_free(&p);
  close_inst(&in);
  /* add_new_columns: fail with Auto Loader's message, then the next run has them. */
  snprintf(extra, sizeof extra, "schema_evolution_mode: add_new_columns\nschema_location: '%s/schemas'\n",
           dir);
  open_ok(&in, land, extra);
  p = plan(&in, T0);
  CU_ASSERT_NOT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(eb, "new columns found"));
  CU_ASSERT_PTR_NOT_NULL(strstr(eb, "`color` STRING"));
  CU_ASSERT_PTR_NOT_NULL(strstr(eb, "rerun"));
  free(r.text);
  close_inst(&in);
  open_ok(&in, land, extra);
  struct ArrowSchema out;
  CU_ASSERT_EQUAL_FATAL(in.st->raw->negotiate(in.state, NULL, &out, e0()), LF_OK);
  CU_ASSERT_EQUAL(out.n_children, 8);
  CU_ASSERT_STRING_EQUAL(out.children[3]->name, "color");
  CU_ASSERT_STRING_EQUAL(out.children[4]->name, "n");
  CU_ASSERT_STRING_EQUAL(out.children[4]->format, "l");
  out.release(&out);
  CU_ASSERT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0); /* the replayed plan */
  CU_ASSERT_EQUAL(r.n, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "1;null;null;red;5;null;{"));
  free(r.text);
  blob_free(&p);
  close_inst(&in);
  lfh_test_rmtree(dir);
  free(dir);
}

static void test_arrays_and_multiline(void) {
  char *dir = lfh_test_tmpdir();
  file_at(dir, "a.json", "[\n  {\"id\": 1, \"name\": \"x\"},\n  {\"id\": 2}\n]\n", SEC - 60);
  file_at(dir, "b.json", "{\"id\":3}\n", SEC - 50);
  inst in;
  rows r;
  char eb[512] = "";
  open_ok(&in, dir, NULL);
  lf_blob p = plan(&in, T0);
  CU_ASSERT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  CU_ASSERT_EQUAL(r.n, 3);
  CU_ASSERT_EQUAL(count_lines_with(&r, "_corrupt_record"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "1;x;null;null;{"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "2;null;null;null;{"));
  free(r.text);
  blob_free(&p);
  close_inst(&in);
  char *d2 = lfh_test_tmpdir();
  file_at(d2, "m.json", "{\n  \"id\": 5,\n  \"user\": {\n    \"email\": \"a@b\"\n  }\n}\n{\"id\": 6}\n",
          SEC - 60);
  open_ok(&in, d2, "multi_line: true\n");
  p = plan(&in, T0);
  CU_ASSERT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  CU_ASSERT_EQUAL(r.n, 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "5;null;{a@b};null;{"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "6;null;null;null;{"));
  free(r.text);
  blob_free(&p);
  close_inst(&in);
  lfh_test_rmtree(d2);
  free(d2);
  lfh_test_rmtree(dir);
  free(dir);
}

/* Writes DIR/NAME as the gzip of `text` (a whole member, or its first `cut` bytes when
 * cut > 0: a truncated upload), mtime `sec`. */
static void gz_file_at(const char *dir, const char *name, const char *text, size_t cut,
                       time_t sec) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  uLongf cap = compressBound((uLong)strlen(text)) + 64;
  unsigned char *buf = malloc(cap);
  CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
  z_stream z;
  memset(&z, 0, sizeof z);
  CU_ASSERT_EQUAL_FATAL(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                        Z_OK);
  z.next_in = (Bytef *)(uintptr_t)text;
  z.avail_in = (uInt)strlen(text);
  z.next_out = buf;
  z.avail_out = (uInt)cap;
  CU_ASSERT_EQUAL(deflate(&z, Z_FINISH), Z_STREAM_END);
  size_t n = cap - z.avail_out;
  deflateEnd(&z);
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(fwrite(buf, 1, cut && cut < n ? cut : n, f), cut && cut < n ? cut : n);
  fclose(f);
  free(buf);
  struct timeval tv[2] = {{sec, 0}, {sec, 0}};
  CU_ASSERT_EQUAL(utimes(path, tv), 0);
}

/* `*.json.gz` files are decompressed (by name, as Auto Loader does); a truncated one keeps
 * the lines that inflated and adds one corrupt record naming the damage. */
static void test_gzip(void) {
  char *dir = lfh_test_tmpdir();
  gz_file_at(dir, "a.json.gz", "{\"id\": 1, \"name\": \"x\"}\n{\"id\": 2}\n", 0, SEC - 60);
  char big[8192] = "";
  for (int i = 0; i < 200; i++)
    snprintf(big + strlen(big), sizeof big - strlen(big), "{\"id\": %d}\n", 100 + i);
  gz_file_at(dir, "b.json.gz", big, 120, SEC - 50);
  inst in;
  rows r;
  char eb[512] = "";
  open_ok(&in, dir, NULL);
  lf_blob p = plan(&in, T0);
  CU_ASSERT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "1;x;null;null;{"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "2;null;null;null;{"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "100;null;null;null;{"));
  CU_ASSERT_EQUAL(count_lines_with(&r, "truncated stream in b.json.gz"), 1);
  CU_ASSERT_TRUE(r.n > 3 && r.n < 2 + 200 + 1); /* part of b, then the damage record */
  fprintf(stderr, "\n    %lld rows from a whole and a truncated gzip file\n", (long long)r.n);
  free(r.text);
  blob_free(&p);
  close_inst(&in);
  lfh_test_rmtree(dir);
  free(dir);
}

/* Many files through the two decoder threads: batches come out in plan order every time,
 * and a file that grew after planning is read as planned. */
static void test_parallel_order(void) {
  char *dir = lfh_test_tmpdir();
  for (int f = 0; f < 12; f++) {
    char name[32], *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    for (int i = 0; i < 200 * (f % 3 + 1); i++) fprintf(m, "{\"id\":%d}\n", f * 10000 + i);
    fclose(m);
    snprintf(name, sizeof name, "f%02d.json", f);
    file_at(dir, name, text, SEC - 100 + f);
    free(text);
  }
  inst in;
  rows first, r;
  char eb[512] = "";
  open_ok(&in, dir, NULL);
  lf_blob p = plan(&in, T0);
  CU_ASSERT_EQUAL_FATAL(read_rows(&in, &p, &first, eb, sizeof eb), 0);
  CU_ASSERT_EQUAL(first.n, 200 * 4 * 6);
  CU_ASSERT_EQUAL(first.batches, 12);
  /* ids ascend through the output: file order, then line order */
  long long prev = -1;
  int ordered = 1;
  for (const char *s = first.text; *s; s = strchr(s, '\n') + 1) {
    long long id = atoll(s + 1); /* past the row's '{' */
    if (id <= prev) ordered = 0;
    prev = id;
  }
  CU_ASSERT_TRUE(ordered);
  if (!ordered && getenv("LFB_DEBUG")) fprintf(stderr, "\n%.2000s\n", first.text);
  char path[1024];
  snprintf(path, sizeof path, "%s/f00.json", dir);
  FILE *f = fopen(path, "a");
  fputs("{\"id\":99999999}\n", f);
  fclose(f);
  for (int k = 0; k < 3; k++) {
    CU_ASSERT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
    CU_ASSERT_EQUAL(r.len, first.len);
    CU_ASSERT(r.text && strcmp(r.text, first.text) == 0);
    free(r.text);
  }
  /* A planned file that shrank fails the epoch. */
  snprintf(path, sizeof path, "%s/f05.json", dir);
  f = fopen(path, "w");
  fclose(f);
  CU_ASSERT_NOT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(eb, "shrank"));
  free(r.text);
  free(first.text);
  blob_free(&p);
  close_inst(&in);
  lfh_test_rmtree(dir);
  free(dir);
}

/* An abfss:// landing zone on Azurite, written through the store like lfproduce does. */
static void test_azure_landing(void) {
  char *dir = lfh_test_tmpdir();
  int up = lfb_azurite_start(dir, "landing") == 0;
  CU_ASSERT_TRUE_FATAL(up);
  const char *uri = "abfss://landing@" LFB_DEV_ACCOUNT ".dfs.core.windows.net/events";
  lfh_store *s = lfh_store_open(uri, e0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  const char *a = "{\"id\":1,\"name\":\"az\"}\n{\"id\":2,\"bad\n";
  const char *b = "[{\"id\":3},{\"id\":4,\"user\":{\"email\":\"e@f\"}}]";
  CU_ASSERT_EQUAL(lfh_store_put(s, "2024/01/a.json", a, strlen(a), e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_put(s, "2024/01/b.json", b, strlen(b), e0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_put(s, "2024/_SUCCESS", "", 0, e0()), LF_OK);
  lfh_store_close(s);
  inst in;
  rows r;
  char eb[512] = "", extra[256];
  snprintf(extra, sizeof extra, "path_glob_filter: '*.json'\n");
  open_ok(&in, uri, extra);
  /* Blob mtimes are the service's clock: plan a minute ahead. */
  int64_t t = lfh_wall_us() + 60000000;
  lf_blob p = plan(&in, t);
  char *keys = plan_keys(&p, "R ");
  CU_ASSERT(strcmp(keys, "2024/01/a.json,2024/01/b.json") == 0 ||
            strcmp(keys, "2024/01/b.json,2024/01/a.json") == 0);
  free(keys);
  CU_ASSERT_EQUAL(read_rows(&in, &p, &r, eb, sizeof eb), 0);
  CU_ASSERT_EQUAL(r.n, 4);
  CU_ASSERT_EQUAL(count_lines_with(&r, "_corrupt_record"), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "1;az;null;null;{abfss://landing@"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "4;null;{e@f};null;{abfss://"));
  CU_ASSERT_PTR_NOT_NULL(strstr(r.text, "/events/2024/01/b.json;b.json;"));
  lf_epoch ep = {sizeof ep, 1, "flow", t};
  lf_blob st = {0};
  CU_ASSERT_EQUAL(in.vt->save_state(in.state, &ep, &st, e0()), LF_OK);
  lf_blob p2 = plan(&in, t);
  CU_ASSERT_EQUAL(p2.size, 0);
  blob_free(&p2);
  blob_free(&st);
  free(r.text);
  blob_free(&p);
  close_inst(&in);
  lfb_azurite_stop(dir);
  lfh_test_rmtree(dir);
  free(dir);
}

#ifdef LFPRODUCE_EXE
#include "lfp_events.h"

/* lfproduce's clickstream (with malformed lines) under the bundle's schema: every line
 * lands exactly once, valid ones unrescued; prints the decode rate of the whole path. */
#define CLICK_SCHEMA LFP_CLICKSTREAM_DDL

static void test_clickstream(void) {
  char *dir = lfh_test_tmpdir(), cmd[2048], *y = NULL;
  const int events = 200000;
  snprintf(cmd, sizeof cmd, "%s --quiet --events %d --files 8 --seed 5 --malformed-fraction 0.01 "
           "--out '%s/land'", LFPRODUCE_EXE, events, dir);
  CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
  CU_ASSERT(asprintf(&y, "path: '%s/land'\nformat: json\nschema: '" CLICK_SCHEMA "'\n"
                     "min_file_age: 0\npath_glob_filter: '*.json*'\n", dir) > 0);
  inst in;
  CU_ASSERT_EQUAL_FATAL(open_inst(&in, y), LF_OK);
  lf_blob p = plan(&in, T0 * 2);
  struct ArrowArrayStream st;
  lf_epoch ep = {sizeof ep, 1, "flow", T0};
  int64_t t0 = lfh_mono_us();
  CU_ASSERT_EQUAL_FATAL(in.vt->read(in.state, &ep, p.data, p.size, &st, e0()), LF_OK);
  int64_t n = 0, bytes = 0;
  for (;;) {
    struct ArrowArray arr;
    CU_ASSERT_EQUAL_FATAL(st.get_next(&st, &arr), 0);
    if (!arr.release) break;
    n += arr.length;
    arr.release(&arr);
  }
  double secs = (double)(lfh_mono_us() - t0) / 1e6;
  st.release(&st);
  CU_ASSERT_EQUAL(n, events);
  int64_t corrupt = 0, rescued = 0;
  lfh_metric_counter("p/f/autoloader", "bytes", &bytes);
  lfh_metric_counter("p/f/autoloader", "corrupt_rows", &corrupt);
  lfh_metric_counter("p/f/autoloader", "rescued_rows", &rescued);
  CU_ASSERT(corrupt > 0 && rescued >= corrupt && rescued < events / 20);
  fprintf(stderr, "\n    %d events (%.1f MB) in %.3f s: %.0f events/s, %.0f MB/s; "
          "rescued %lld (corrupt %lld)\n", events, (double)bytes / 1e6, secs, (double)events / secs,
          (double)bytes / 1e6 / secs, (long long)rescued, (long long)corrupt);
  blob_free(&p);
  close_inst(&in);
  free(y);
  lfh_test_rmtree(dir);
  free(dir);
}
#endif

int main(void) {
  static const lfh_test_case cases[] = {
      {"negotiate: schema, hints, metadata, ingestion time", test_negotiate},
      {"create errors and schema_file", test_create_errors},
      {"plan: hidden, glob, order, caps, completeness", test_plan_rules},
      {"state round trip, no re-reads, replay identical", test_state_and_replay},
      {"include_existing_files false", test_include_existing_false},
      {"malformed corpus routed", test_malformed_corpus},
      {"schema evolution modes", test_evolution},
      {"JSON arrays and multi_line", test_arrays_and_multiline},
      {"parallel decode keeps plan order", test_parallel_order},
      {"abfss:// landing on Azurite", test_azure_landing},
      {"gzip files, whole and truncated", test_gzip},
#ifdef LFPRODUCE_EXE
      {"lfproduce clickstream: every line once, rate", test_clickstream},
#endif
      {NULL, NULL},
  };
  int rc = lfh_test_run("bronze_autoloader", cases);
  lfh_hostapi_reset();
  return rc;
}
