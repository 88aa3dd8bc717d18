/*
 * test_cli — runs the built `lfhost` executable the way a user and CI do, and checks what
 * it prints and how it exits: the shipped bundles validate, a mangled bundle fails with
 * Databricks-CLI-style diagnostics pointing at the exact file:line:col, the json and
 * github output formats, secret redaction, --strict, and usage errors (exit 2).
 *
 * Every run captures stdout and stderr separately (files in a scratch folder), so the
 * tests can check which stream carries what (`-o json` keeps stdout pure JSON).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lfh_test.h"
#include "util/lfh_common.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef LFHOST_EXE
#error "LFHOST_EXE must name the built lfhost executable"
#endif

#define DEV_YML LFH_SOURCE_DIR "/bundles/dev.yml"
#define PROD_YML LFH_SOURCE_DIR "/bundles/prod.yml"
#define SECRET_ENV "LFH_TEST_CLI_SECRET"
#define SECRET_VALUE "s3cr3t-never-printed-7f1e"

static char *g_scratch; /* realpath of a temp dir, removed at exit */

/* ------------------------------------------------------------ running lfhost */

typedef struct cli_run {
  int status; /* exit code; 128+N when killed by signal N; -1 when it did not run */
  char *out;  /* stdout, NUL-terminated ("" when empty) */
  char *err;  /* stderr */
  char *all;  /* stdout followed by stderr */
} cli_run;

static void cli_run_free(cli_run *r) {
  free(r->out);
  free(r->err);
  free(r->all);
  memset(r, 0, sizeof *r);
}

static char *slurp_or_empty(const char *path) {
  char *s = lfh_test_slurp(path, NULL);
  return s ? s : strdup("");
}

/* Runs LFHOST_EXE with the NULL-terminated argument list `args`. */
static int cli_argv(cli_run *r, const char *const *args) {
  char *out_path = NULL, *err_path = NULL;
  const char *argv[64];
  size_t n = 0;
  memset(r, 0, sizeof *r);
  r->status = -1;
  argv[n++] = LFHOST_EXE;
  for (; *args && n < LFH_ARRAY_LEN(argv) - 1; args++) argv[n++] = *args;
  argv[n] = NULL;
  if (asprintf(&out_path, "%s/cli.out", g_scratch) < 0) out_path = NULL;
  if (asprintf(&err_path, "%s/cli.err", g_scratch) < 0) err_path = NULL;
  if (!out_path || !err_path) goto done;
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) goto done;
  if (pid == 0) {
    int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fi = open("/dev/null", O_RDONLY);
    if (fo < 0 || fe < 0 || fi < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || dup2(fi, 0) < 0)
      _exit(126);
    execv(LFHOST_EXE, (char *const *)argv);
    _exit(127);
  }
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR) goto done;
  r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : -1;
  r->out = slurp_or_empty(out_path);
  r->err = slurp_or_empty(err_path);
  if (r->out && r->err && asprintf(&r->all, "%s%s", r->out, r->err) < 0) r->all = NULL;
done:
  free(out_path);
  free(err_path);
  if (!r->out || !r->err || !r->all) r->status = -1;
  return r->status;
}

#define CLI(r, ...) cli_argv((r), (const char *const[]){__VA_ARGS__, NULL})

/* Prints what lfhost said when an assertion about it is going to fail, so a CTest log
 * shows the actual output next to CUnit's line number. */
static void show(const cli_run *r, const char *what) {
  fprintf(stderr, "\n--- %s: exit %d\n--- stdout:\n%s--- stderr:\n%s---\n", what, r->status,
          r->out ? r->out : "(none)", r->err ? r->err : "(none)");
}

#define EXPECT_STATUS(r, want)                                                           \
  do {                                                                                   \
    if ((r)->status != (want)) show((r), "unexpected exit status");                      \
    CU_ASSERT_EQUAL((r)->status, (want));                                                \
  } while (0)

#define EXPECT_HAS(r, hay, needle)                                                       \
  do {                                                                                   \
    int found_ = (hay) && strstr((hay), (needle)) != NULL;                               \
    if (!found_) {                                                                       \
      fprintf(stderr, "\nexpected to find: [%s]\n", (needle));                           \
      show((r), "missing text");                                                         \
    }                                                                                    \
    CU_ASSERT_TRUE(found_);                                                              \
  } while (0)

#define EXPECT_LACKS(r, hay, needle)                                                     \
  do {                                                                                   \
    int found_ = (hay) && strstr((hay), (needle)) != NULL;                               \
    if (found_) {                                                                        \
      fprintf(stderr, "\nexpected NOT to find: [%s]\n", (needle));                       \
      show((r), "unexpected text");                                                      \
    }                                                                                    \
    CU_ASSERT_FALSE(found_);                                                             \
  } while (0)

/* ------------------------------------------------------------ text helpers */

/* Number of lines of `text` that start with `prefix`. */
static size_t count_lines(const char *text, const char *prefix) {
  size_t n = 0, plen = strlen(prefix);
  for (const char *p = text; p && *p;) {
    if (strncmp(p, prefix, plen) == 0) n++;
    p = strchr(p, '\n');
    if (p) p++;
  }
  return n;
}

/* The last non-empty line of `text`, malloc'd without its newline ("" if none). */
static char *last_line(const char *text) {
  size_t end = strlen(text);
  while (end > 0 && text[end - 1] == '\n') end--;
  size_t start = end;
  while (start > 0 && text[start - 1] != '\n') start--;
  return strndup(text + start, end - start);
}

/* The diagnostic block ("Error: ...\n  at ...\n  in ...\n[  hint: ...\n]") of `text`
 * that starts with `sev` ("Error: ") and contains `needle`; malloc'd, or NULL. Blocks
 * are separated by a blank line. */
static char *diag_block(const char *text, const char *sev, const char *needle) {
  const char *p = text;
  while (p && *p) {
    const char *end = strstr(p, "\n\n");
    size_t len = end ? (size_t)(end - p) + 1 : strlen(p);
    if (strncmp(p, sev, strlen(sev)) == 0) {
      char *block = strndup(p, len);
      if (block && strstr(block, needle)) return block;
      free(block);
    }
    p = end ? end + 2 : NULL;
  }
  return NULL;
}

/* 1-based line and column (in bytes) of the first occurrence of `needle` in `text`. */
static int position_of(const char *text, const char *needle, unsigned *line, unsigned *col) {
  const char *hit = strstr(text, needle);
  if (!hit) return -1;
  *line = 1;
  const char *bol = text;
  for (const char *p = text; p < hit; p++)
    if (*p == '\n') {
      (*line)++;
      bol = p + 1;
    }
  *col = (unsigned)(hit - bol) + 1;
  return 0;
}

/* Replaces the first `from` in `s` by `to`; malloc'd, or NULL when `from` is absent. */
static char *replace_once(const char *s, const char *from, const char *to) {
  const char *hit = strstr(s, from);
  char *r = NULL;
  if (!hit) return NULL;
  if (asprintf(&r, "%.*s%s%s", (int)(hit - s), s, to, hit + strlen(from)) < 0) return NULL;
  return r;
}

/* ------------------------------------------------------------ a tiny JSON checker */

/* Enough of RFC 8259 to tell well-formed JSON from something that only looks like it:
 * returns the position after one value (after leading whitespace), or NULL. */
static const char *json_ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

static const char *json_value(const char *p, int depth);

static const char *json_string(const char *p) {
  if (*p++ != '"') return NULL;
  for (; *p && *p != '"'; p++) {
    if ((unsigned char)*p < 0x20) return NULL;
    if (*p == '\\') {
      p++;
      if (*p == 'u') {
        for (int i = 1; i <= 4; i++)
          if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i]) return NULL;
        p += 4;
      } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
        return NULL;
      }
    }
  }
  return *p == '"' ? p + 1 : NULL;
}

static const char *json_number(const char *p) {
  const char *s = p;
  if (*p == '-') p++;
  if (*p == '0') {
    p++;
  } else if (*p >= '1' && *p <= '9') {
    while (*p >= '0' && *p <= '9') p++;
  } else {
    return NULL;
  }
  if (*p == '.') {
    p++;
    if (!(*p >= '0' && *p <= '9')) return NULL;
    while (*p >= '0' && *p <= '9') p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return NULL;
    while (*p >= '0' && *p <= '9') p++;
  }
  return p > s ? p : NULL;
}

static const char *json_value(const char *p, int depth) {
  if (depth > 64) return NULL;
  p = json_ws(p);
  switch (*p) {
  case '{':
    p = json_ws(p + 1);
    if (*p == '}') return p + 1;
    for (;;) {
      p = json_string(json_ws(p));
      if (!p) return NULL;
      p = json_ws(p);
      if (*p++ != ':') return NULL;
      p = json_value(p, depth + 1);
      if (!p) return NULL;
      p = json_ws(p);
      if (*p == '}') return p + 1;
      if (*p++ != ',') return NULL;
    }
  case '[':
    p = json_ws(p + 1);
    if (*p == ']') return p + 1;
    for (;;) {
      p = json_value(p, depth + 1);
      if (!p) return NULL;
      p = json_ws(p);
      if (*p == ']') return p + 1;
      if (*p++ != ',') return NULL;
    }
  case '"': return json_string(p);
  case 't': return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
  case 'f': return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
  case 'n': return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
  default: return json_number(p);
  }
}

/* 1 when `text` is exactly one JSON object (surrounded by whitespace at most). */
static int is_json_object(const char *text) {
  const char *p = json_ws(text);
  if (*p != '{') return 0;
  p = json_value(p, 0);
  return p && *json_ws(p) == '\0';
}

/* Matches a JSON member `"key": "value"` with any whitespace around the colon. */
static int json_has_member(const char *text, const char *key, const char *value) {
  char *k = NULL;
  int found = 0;
  if (asprintf(&k, "\"%s\"", key) < 0) return 0;
  for (const char *p = strstr(text, k); p && !found; p = strstr(p + 1, k)) {
    const char *q = json_ws(p + strlen(k));
    if (*q != ':') continue;
    q = json_ws(q + 1);
    found = *q == '"' && strncmp(q + 1, value, strlen(value)) == 0 &&
            q[1 + strlen(value)] == '"';
  }
  free(k);
  return found;
}

/* ------------------------------------------------------------ bundle copies */

/* Copies bundles/dev.yml and everything it needs (the resources and dev-secrets folders) from the
 * source tree into DIR, optionally replacing text in dev.yml and in
 * resources/clickstream_pipeline.yml. Returns 0 or -1. */
static int copy_dev_bundle(const char *dir, char *dev_text, char *pipeline_text) {
  static const char *const patterns[] = {"resources/*.yml", "dev-secrets/*"};
  char *src = lfh_test_slurp(DEV_YML, NULL);
  if (!src) return -1;
  char *p = lfh_test_write(dir, "dev.yml", dev_text ? dev_text : src);
  free(src);
  if (!p) return -1;
  free(p);
  for (size_t i = 0; i < LFH_ARRAY_LEN(patterns); i++) {
    char pat[PATH_MAX];
    glob_t g;
    snprintf(pat, sizeof pat, "%s/bundles/%s", LFH_SOURCE_DIR, patterns[i]);
    if (glob(pat, 0, NULL, &g) != 0) return -1;
    for (size_t j = 0; j < g.gl_pathc; j++) {
      const char *rel = g.gl_pathv[j] + strlen(LFH_SOURCE_DIR "/bundles/");
      char *text = NULL;
      if (pipeline_text && strcmp(rel, "resources/clickstream_pipeline.yml") == 0)
        text = strdup(pipeline_text);
      else
        text = lfh_test_slurp(g.gl_pathv[j], NULL);
      char *w = text ? lfh_test_write(dir, rel, text) : NULL;
      free(text);
      if (!w) {
        globfree(&g);
        return -1;
      }
      free(w);
    }
    globfree(&g);
  }
  return 0;
}

static char *fresh_dir(const char *name) {
  char *d = NULL;
  if (asprintf(&d, "%s/%s", g_scratch, name) < 0) return NULL;
  if (mkdir(d, 0755) != 0 && errno != EEXIST) {
    free(d);
    return NULL;
  }
  return d;
}

/* ------------------------------------------------------------ the shipped bundles */

static void test_dev_validates(void) {
  cli_run r;
  CLI(&r, "validate", DEV_YML);
  EXPECT_STATUS(&r, 0);
  EXPECT_HAS(&r, r.out, "Validation OK!");
  CU_ASSERT_EQUAL(count_lines(r.all, "Error:"), 0);
  CU_ASSERT_EQUAL(count_lines(r.all, "Warning:"), 0);
  char *last = last_line(r.out);
  CU_ASSERT_STRING_EQUAL(last, "Validation OK!");
  free(last);
  cli_run_free(&r);
}

static void test_dev_targets_validate_strict(void) {
  static const char *const targets[] = {"dev", "ci"};
  for (size_t i = 0; i < LFH_ARRAY_LEN(targets); i++) {
    cli_run r;
    CLI(&r, "validate", "--strict", "-t", targets[i], DEV_YML);
    EXPECT_STATUS(&r, 0);
    EXPECT_HAS(&r, r.out, "Validation OK!");
    cli_run_free(&r);
  }
}

static void test_prod_validates_with_required_var(void) {
  cli_run r;
  CLI(&r, "validate", PROD_YML, "-t", "prod", "--var", "storage_account=lfhtestacct",
      "--strict");
  EXPECT_STATUS(&r, 0);
  EXPECT_HAS(&r, r.out, "Validation OK!");
  CU_ASSERT_EQUAL(count_lines(r.all, "Error:"), 0);
  cli_run_free(&r);

  /* the same through the environment, as CI does it */
  setenv("BUNDLE_VAR_storage_account", "lfhtestacct", 1);
  CLI(&r, "validate", "-t", "prod", PROD_YML);
  unsetenv("BUNDLE_VAR_storage_account");
  EXPECT_STATUS(&r, 0);
  EXPECT_HAS(&r, r.out, "Validation OK!");
  cli_run_free(&r);
}

static void test_prod_without_required_var_fails(void) {
  cli_run r;
  CLI(&r, "validate", "-t", "prod", PROD_YML);
  EXPECT_STATUS(&r, 1);
  char *block = diag_block(r.out, "Error: ", "storage_account");
  if (!block) show(&r, "no error about storage_account");
  CU_ASSERT_PTR_NOT_NULL(block);
  free(block);
  char *last = last_line(r.out);
  CU_ASSERT_TRUE(strncmp(last, "Found ", 6) == 0);
  free(last);
  cli_run_free(&r);
}

/* `-o json` prints the resolved bundle: references replaced, the job's pipeline_id the
 * pipeline key, and the dev HMAC key (a file secret) redacted. */
static void test_dev_json_is_resolved_and_redacted(void) {
  cli_run r;
  CLI(&r, "validate", "-o", "json", DEV_YML);
  EXPECT_STATUS(&r, 0);
  CU_ASSERT_TRUE(is_json_object(r.out));
  if (!is_json_object(r.out)) show(&r, "stdout is not one JSON object");
  CU_ASSERT_TRUE(json_has_member(r.out, "name", "clickstream_dev"));
  CU_ASSERT_TRUE(json_has_member(r.out, "pipeline_id", "clickstream"));
  CU_ASSERT_TRUE(json_has_member(r.out, "catalog", "dev"));
  CU_ASSERT_TRUE(json_has_member(r.out, "quartz_cron_expression", "0 0 * * * ?"));
  CU_ASSERT_TRUE(json_has_member(r.out, "key", "***"));
  /* variables keep their declared `default` next to the resolved `value` (as the
   * Databricks CLI shows them); everything under resources is resolved */
  CU_ASSERT_TRUE(json_has_member(r.out, "value", "***"));
  const char *resources = strstr(r.out, "\"resources\"");
  CU_ASSERT_PTR_NOT_NULL_FATAL(resources);
  EXPECT_LACKS(&r, resources, "${");
  /* the landing path is derived from workspace.root_path through a variable */
  EXPECT_HAS(&r, r.out, ".lfhost/clickstream/dev/landing/events\"");
  char *key = lfh_test_slurp(LFH_SOURCE_DIR "/bundles/dev-secrets/hmac_key", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(key);
  key[strcspn(key, "\r\n")] = '\0';
  CU_ASSERT_TRUE(strlen(key) >= 16);
  EXPECT_LACKS(&r, r.all, key);
  free(key);
  /* the summary goes to stderr, keeping stdout pipeable into jq */
  EXPECT_HAS(&r, r.err, "Validation OK!");
  cli_run_free(&r);

  /* --var beats BUNDLE_VAR_ beats the default */
  setenv("BUNDLE_VAR_catalog", "from_env", 1);
  CLI(&r, "validate", "-o", "json", DEV_YML);
  CU_ASSERT_TRUE(json_has_member(r.out, "catalog", "from_env"));
  cli_run_free(&r);
  CLI(&r, "validate", "-o", "json", "--var", "catalog=from_flag", DEV_YML);
  unsetenv("BUNDLE_VAR_catalog");
  EXPECT_STATUS(&r, 0);
  CU_ASSERT_TRUE(json_has_member(r.out, "catalog", "from_flag"));
  EXPECT_LACKS(&r, r.out, "from_env");
  cli_run_free(&r);
}

static const char *const k_json_bundle =
    "bundle:\n"
    "  name: jsontest\n"
    "variables:\n"
    "  greeting:\n"
    "    default: hello\n"
    "  token:\n"
    "    description: reaches the pipeline configuration through a variable\n"
    "    default: ${secrets.env." SECRET_ENV "}\n"
    "workspace:\n"
    "  root_path: /tmp/lfh-cli-jsontest\n"
    "resources:\n"
    "  pipelines:\n"
    "    p:\n"
    "      name: ${bundle.name}_${var.greeting}\n"
    "      configuration:\n"
    "        direct.token: ${secrets.env." SECRET_ENV "}\n"
    "        via.variable: ${var.token}\n"
    "        root: ${workspace.root_path}\n"
    "      datasets:\n"
    "        numbers:\n"
    "          type: materialized_view\n"
    "          sql: SELECT 1 AS one\n";

/* A secret set in the environment is resolved for the run but printed as "***". */
static void test_json_redacts_env_secret(void) {
  char *dir = fresh_dir("json");
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  char *path = lfh_test_write(dir, "bundle.yml", k_json_bundle);
  CU_ASSERT_PTR_NOT_NULL_FATAL(path);
  setenv(SECRET_ENV, SECRET_VALUE, 1);
  cli_run r;
  CLI(&r, "validate", "-o", "json", path);
  EXPECT_STATUS(&r, 0);
  CU_ASSERT_TRUE(is_json_object(r.out));
  CU_ASSERT_TRUE(json_has_member(r.out, "name", "jsontest_hello"));
  CU_ASSERT_TRUE(json_has_member(r.out, "root", "/tmp/lfh-cli-jsontest"));
  CU_ASSERT_TRUE(json_has_member(r.out, "direct.token", "***"));
  CU_ASSERT_TRUE(json_has_member(r.out, "via.variable", "***"));
  EXPECT_LACKS(&r, r.all, SECRET_VALUE);
  EXPECT_LACKS(&r, r.all, "s3cr3t");
  cli_run_free(&r);

  /* nor do text diagnostics quote it: make the bundle invalid around the secret */
  char *bad = replace_once(k_json_bundle, "    p:\n      name: ${bundle.name}_${var.greeting}\n",
                           "    p:\n");
  CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
  char *badpath = lfh_test_write(dir, "bad.yml", bad);
  CU_ASSERT_PTR_NOT_NULL_FATAL(badpath);
  CLI(&r, "validate", badpath);
  EXPECT_STATUS(&r, 1);
  EXPECT_HAS(&r, r.out, "Error:");
  EXPECT_LACKS(&r, r.all, SECRET_VALUE);
  cli_run_free(&r);
  unsetenv(SECRET_ENV);
  free(badpath);
  free(bad);
  free(path);
  free(dir);
}

/* ------------------------------------------------------------ a mangled bundle */

/* Two mistakes a user makes: a misspelled key in dev.yml, and (in an included file) a
 * flow whose target dataset does not exist. */
#define TYPO_FROM "  watermark_delay:\n    description:"
#define TYPO_TO "  watermark_delay:\n    descripion:"
#define FLOW_ANCHOR "      flows:\n"
#define FLOW_NEW                                                                           \
  "      flows:\n"                                                                         \
  "        replay_archive:\n"                                                              \
  "          target: fact_event\n"                                                         \
  "          source:\n"                                                                    \
  "            table: silver_events\n"

typedef struct mangled {
  char *dir, *dev_path, *res_path;
  unsigned typo_line, typo_col;     /* the misspelled key */
  unsigned target_line, target_col; /* the value naming the missing dataset */
} mangled;

static int make_mangled(mangled *m) {
  memset(m, 0, sizeof *m);
  char *dev = lfh_test_slurp(DEV_YML, NULL);
  char *pipe = lfh_test_slurp(LFH_SOURCE_DIR "/bundles/resources/clickstream_pipeline.yml", NULL);
  char *dev2 = dev ? replace_once(dev, TYPO_FROM, TYPO_TO) : NULL;
  char *pipe2 = pipe ? replace_once(pipe, FLOW_ANCHOR, FLOW_NEW) : NULL;
  int rc = -1;
  if (!dev2 || !pipe2) goto done;
  if (position_of(dev2, "descripion:", &m->typo_line, &m->typo_col) != 0) goto done;
  if (position_of(pipe2, "fact_event\n", &m->target_line, &m->target_col) != 0) goto done;
  m->dir = fresh_dir("mangled");
  if (!m->dir || copy_dev_bundle(m->dir, dev2, pipe2) != 0) goto done;
  if (asprintf(&m->dev_path, "%s/dev.yml", m->dir) < 0) m->dev_path = NULL;
  if (asprintf(&m->res_path, "%s/resources/clickstream_pipeline.yml", m->dir) < 0)
    m->res_path = NULL;
  rc = m->dev_path && m->res_path ? 0 : -1;
done:
  free(dev);
  free(pipe);
  free(dev2);
  free(pipe2);
  return rc;
}

static void mangled_free(mangled *m) {
  free(m->dir);
  free(m->dev_path);
  free(m->res_path);
}

static void test_mangled_text(void) {
  mangled m;
  CU_ASSERT_EQUAL_FATAL(make_mangled(&m), 0);
  cli_run r;
  CLI(&r, "validate", m.dev_path);
  EXPECT_STATUS(&r, 1);

  /* the misspelled key: where it is, and what was meant */
  char want[PATH_MAX + 64];
  char *typo = diag_block(r.out, "Error: ", "descripion");
  if (!typo) show(&r, "no error block for the misspelled key");
  CU_ASSERT_PTR_NOT_NULL_FATAL(typo);
  snprintf(want, sizeof want, "\n  in %s:%u:%u\n", m.dev_path, m.typo_line, m.typo_col);
  EXPECT_HAS(&r, typo, want);
  EXPECT_HAS(&r, typo, "\n  at variables.watermark_delay");
  EXPECT_HAS(&r, typo, "\n  hint: ");
  EXPECT_HAS(&r, typo, "did you mean");
  EXPECT_HAS(&r, typo, "description");
  /* order: message, then at, then in */
  CU_ASSERT_TRUE(strstr(typo, "\n  at ") < strstr(typo, "\n  in "));
  free(typo);

  /* the flow target: reported in the included file, at the value */
  char *flow = diag_block(r.out, "Error: ", "fact_event'");
  if (!flow) flow = diag_block(r.out, "Error: ", "fact_event");
  if (!flow) show(&r, "no error block for the unknown flow target");
  CU_ASSERT_PTR_NOT_NULL_FATAL(flow);
  snprintf(want, sizeof want, "\n  in %s:%u:%u\n", m.res_path, m.target_line, m.target_col);
  EXPECT_HAS(&r, flow, want);
  EXPECT_HAS(&r, flow, "\n  at resources.pipelines.clickstream.flows.replay_archive.target\n");
  EXPECT_HAS(&r, flow, "did you mean");
  EXPECT_HAS(&r, flow, "fact_events");
  free(flow);

  /* summary: the last line, and it agrees with what was printed */
  size_t errors = count_lines(r.out, "Error: "), warnings = count_lines(r.out, "Warning: ");
  CU_ASSERT_EQUAL(errors, 2);
  char summary[96];
  snprintf(summary, sizeof summary, "Found %zu error%s and %zu warning%s", errors,
           errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
  char *last = last_line(r.out);
  if (strcmp(last, summary) != 0) show(&r, summary);
  CU_ASSERT_STRING_EQUAL(last, summary);
  free(last);
  /* every diagnostic is followed by a blank line */
  CU_ASSERT_TRUE(strstr(r.out, "\n\nFound ") != NULL);
  cli_run_free(&r);
  mangled_free(&m);
}

static void test_mangled_github(void) {
  mangled m;
  CU_ASSERT_EQUAL_FATAL(make_mangled(&m), 0);
  cli_run r;
  CLI(&r, "validate", "-o", "github", "--strict", m.dev_path);
  EXPECT_STATUS(&r, 1);
  char want[PATH_MAX + 64];
  snprintf(want, sizeof want, "::error file=%s,line=%u,col=%u", m.dev_path, m.typo_line,
           m.typo_col);
  EXPECT_HAS(&r, r.out, want);
  snprintf(want, sizeof want, "::error file=%s,line=%u,col=%u", m.res_path, m.target_line,
           m.target_col);
  EXPECT_HAS(&r, r.out, want);
  CU_ASSERT_EQUAL(count_lines(r.out, "::error "), 2);
  /* each annotation is one line: `::error <properties>::<message>` */
  for (const char *p = strstr(r.out, "::error "); p; p = strstr(p + 1, "\n::error ")) {
    const char *eol = strchr(p + 1, '\n');
    const char *sep = strstr(p + 8, "::");
    CU_ASSERT_PTR_NOT_NULL(sep);
    CU_ASSERT_TRUE(sep && eol && sep < eol && sep + 2 < eol);
  }
  /* no text-format blocks mixed in */
  CU_ASSERT_EQUAL(count_lines(r.out, "Error: "), 0);
  CU_ASSERT_EQUAL(count_lines(r.out, "  in "), 0);
  cli_run_free(&r);
  mangled_free(&m);
}

static void test_mangled_json_reports_on_stderr(void) {
  mangled m;
  CU_ASSERT_EQUAL_FATAL(make_mangled(&m), 0);
  cli_run r;
  CLI(&r, "validate", "-o", "json", m.dev_path);
  EXPECT_STATUS(&r, 1);
  char want[PATH_MAX + 64];
  snprintf(want, sizeof want, "\n  in %s:%u:%u\n", m.dev_path, m.typo_line, m.typo_col);
  EXPECT_HAS(&r, r.err, want);
  EXPECT_LACKS(&r, r.out, "Error:");
  cli_run_free(&r);
  mangled_free(&m);
}

/* ------------------------------------------------------------ --strict */

/* A bundle that is valid but earns a warning: the ABI fixture plugin good.so has a source
 * stage `alpha` whose `password` option is marked SECRET; a plain value there is a warning
 * in development mode (and an error in production mode). */
static const char *const k_warning_bundle = "bundle:\n"
                                            "  name: warntest\n"
                                            "workspace:\n"
                                            "  root_path: /tmp/lfh-cli-warntest\n"
                                            "targets:\n"
                                            "  dev:\n"
                                            "    default: true\n"
                                            "    mode: development\n"
                                            "  prod:\n"
                                            "    mode: production\n"
                                            "resources:\n"
                                            "  pipelines:\n"
                                            "    p:\n"
                                            "      name: p\n"
                                            "      libraries:\n"
                                            "        - plugin: " LFH_ABI_FIXTURE_DIR "/good.so\n"
                                            "      datasets:\n"
                                            "        raw:\n"
                                            "          type: streaming_table\n"
                                            "      flows:\n"
                                            "        ingest:\n"
                                            "          target: raw\n"
                                            "          source:\n"
                                            "            stage: alpha\n"
                                            "            options:\n"
                                            "              path: /tmp/lfh-cli-warntest/in\n"
                                            "              password: not-from-a-secret\n";

static void test_strict_turns_warnings_into_failure(void) {
  char *dir = fresh_dir("strict");
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  char *path = lfh_test_write(dir, "bundle.yml", k_warning_bundle);
  CU_ASSERT_PTR_NOT_NULL_FATAL(path);
  cli_run r;
  CLI(&r, "validate", path);
  if (r.status != 0 || count_lines(r.out, "Warning: ") == 0)
    show(&r, "expected a valid bundle with at least one warning");
  EXPECT_STATUS(&r, 0);
  size_t warnings = count_lines(r.out, "Warning: ");
  CU_ASSERT_TRUE(warnings >= 1);
  char summary[96];
  snprintf(summary, sizeof summary, "Found 0 errors and %zu warning%s", warnings,
           warnings == 1 ? "" : "s");
  char *last = last_line(r.out);
  CU_ASSERT_STRING_EQUAL(last, summary);
  free(last);
  cli_run_free(&r);

  CLI(&r, "validate", "--strict", path);
  EXPECT_STATUS(&r, 1);
  EXPECT_HAS(&r, r.out, "Warning: ");
  cli_run_free(&r);

  CLI(&r, "validate", "-o", "github", "--strict", path);
  EXPECT_STATUS(&r, 1);
  EXPECT_HAS(&r, r.out, "::warning ");
  cli_run_free(&r);

  /* the same option is an error in production mode, --strict or not; the plain value
   * itself is not quoted (it was meant to be a secret) */
  CLI(&r, "validate", "-t", "prod", path);
  EXPECT_STATUS(&r, 1);
  char *block = diag_block(r.out, "Error: ", "password");
  if (!block) show(&r, "no error about the non-secret password in production");
  CU_ASSERT_PTR_NOT_NULL(block);
  free(block);
  EXPECT_LACKS(&r, r.all, "not-from-a-secret");
  cli_run_free(&r);
  free(path);
  free(dir);
}

/* ------------------------------------------------------------ plugin search path */

/* The shipped bundles name plugins that are not built yet. That is a note while no
 * search path is configured, and an error once one is (docs/BUNDLE.md, "Plugins and
 * unknown stages") — the rule that lets CI validate them today. */
static void test_configured_plugin_path_requires_plugins(void) {
  char *empty = fresh_dir("no-plugins");
  CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
  cli_run r;
  CLI(&r, "validate", DEV_YML);
  EXPECT_STATUS(&r, 0);
  EXPECT_HAS(&r, r.out, "Note: ");
  EXPECT_HAS(&r, r.out, "lf_silver");
  EXPECT_LACKS(&r, r.out, "lf_bronze"); /* built, so found and its options checked */
  cli_run_free(&r);

  setenv("LFHOST_PLUGIN_PATH", empty, 1);
  CLI(&r, "validate", DEV_YML);
  unsetenv("LFHOST_PLUGIN_PATH");
  EXPECT_STATUS(&r, 1);
  char *block = diag_block(r.out, "Error: ", "lf_silver");
  if (!block) show(&r, "no error for a plugin missing from a configured path");
  CU_ASSERT_PTR_NOT_NULL(block);
  if (block) EXPECT_HAS(&r, block, "\n  at resources.pipelines.clickstream.libraries[1]");
  free(block);
  cli_run_free(&r);

  CLI(&r, "validate", "--plugin-path", empty, DEV_YML);
  EXPECT_STATUS(&r, 1);
  EXPECT_HAS(&r, r.out, "Error: ");
  cli_run_free(&r);
  free(empty);
}

/* ------------------------------------------------------------ usage, help, version */

static void test_usage_errors_exit_2(void) {
  cli_run r;
  CLI(&r, "validate", "--no-such-flag", DEV_YML);
  EXPECT_STATUS(&r, 2);
  EXPECT_HAS(&r, r.err, "--no-such-flag");
  CU_ASSERT_EQUAL(count_lines(r.out, "Validation OK!"), 0);
  cli_run_free(&r);

  CLI(&r, "validate", "-o", "xml", DEV_YML);
  EXPECT_STATUS(&r, 2);
  EXPECT_HAS(&r, r.err, "xml");
  cli_run_free(&r);

  CLI(&r, "validate", "--var", "no_equals_sign", DEV_YML);
  EXPECT_STATUS(&r, 2);
  cli_run_free(&r);

  CLI(&r, "validate", DEV_YML, PROD_YML);
  EXPECT_STATUS(&r, 2);
  cli_run_free(&r);

  CLI(&r, "validate", DEV_YML, "-t");
  EXPECT_STATUS(&r, 2);
  cli_run_free(&r);

  CLI(&r, "no-such-command");
  EXPECT_STATUS(&r, 2);
  cli_run_free(&r);
}

static void test_help_and_version(void) {
  cli_run r;
  CLI(&r, "--version");
  EXPECT_STATUS(&r, 0);
  EXPECT_HAS(&r, r.out, LFH_VERSION);
  cli_run_free(&r);

  CLI(&r, "help");
  EXPECT_STATUS(&r, 0);
  EXPECT_HAS(&r, r.out, "validate");
  EXPECT_HAS(&r, r.out, "plugins");
  cli_run_free(&r);

  CLI(&r, "validate", "--help");
  EXPECT_STATUS(&r, 0);
  EXPECT_HAS(&r, r.out, "Usage: lfhost validate");
  EXPECT_HAS(&r, r.out, "--strict");
  EXPECT_HAS(&r, r.out, "--target");
  cli_run_free(&r);
}

/* ------------------------------------------------------------ main */

static void cleanup(void) {
  if (g_scratch && !getenv("LFH_TEST_KEEP")) lfh_test_rmtree(g_scratch);
  free(g_scratch);
  g_scratch = NULL;
}

int main(void) {
  /* Only what each test sets: no plugin path or variables leaking in from the caller's
   * environment (a configured plugin path turns missing plugins into errors). */
  static const char *const scrub[] = {"LFHOST_PLUGIN_PATH", "LFHOST_SECRETS_DIR",
                                      "BUNDLE_VAR_storage_account", "BUNDLE_VAR_catalog",
                                      "BUNDLE_VAR_ci_root", "BUNDLE_VAR_hmac_key", SECRET_ENV};
  for (size_t i = 0; i < LFH_ARRAY_LEN(scrub); i++) unsetenv(scrub[i]);

  char *tmp = lfh_test_tmpdir();
  if (!tmp) {
    perror("test_cli: temporary directory");
    return 2;
  }
  /* the CLI reports real paths; compare against the same spelling */
  g_scratch = realpath(tmp, NULL);
  free(tmp);
  if (!g_scratch) return 2;
  atexit(cleanup);

  static const lfh_test_case cases[] = {
      {"dev.yml validates", test_dev_validates},
      {"dev.yml targets validate under --strict", test_dev_targets_validate_strict},
      {"prod.yml validates with its required variable", test_prod_validates_with_required_var},
      {"prod.yml without the required variable fails", test_prod_without_required_var_fails},
      {"-o json: dev.yml resolved, key redacted", test_dev_json_is_resolved_and_redacted},
      {"-o json: env secret redacted", test_json_redacts_env_secret},
      {"mangled bundle: text diagnostics", test_mangled_text},
      {"mangled bundle: github annotations", test_mangled_github},
      {"mangled bundle: json keeps stdout clean", test_mangled_json_reports_on_stderr},
      {"--strict fails on warnings", test_strict_turns_warnings_into_failure},
      {"a configured plugin path must hold the plugins", test_configured_plugin_path_requires_plugins},
      {"usage errors exit 2", test_usage_errors_exit_2},
      {"help and version", test_help_and_version},
      {NULL, NULL}};
  return lfh_test_run("cli", cases);
}
