/*
 * lfproduce (producer/): the built binary run on real temp folders — same seed gives the
 * same bytes and names, a different seed different ones; lines per file; every
 * well-formed line parses and matches the autoloader DDL of the clickstream bundle;
 * late, duplicate and malformed fractions within tolerance; drift from the middle on;
 * the rate limit; no temp files; --help; option errors. Plus the JSON helpers directly.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

#include "bundle/lfh_ddl.h"
#include "lf/lf_array.h"
#include "lfh_test.h"
#include "lfp_events.h"
#include "lfp_json.h"
#include "store/lfh_store_backend.h"

#ifndef LFPRODUCE_EXE
#error "producer/CMakeLists.txt defines LFPRODUCE_EXE for this test"
#endif

/* Runs lfproduce with `args` (shell words; our temp paths have no spaces); exit status. */
static int produce(const char *args) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s --quiet %s", LFPRODUCE_EXE, args);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Sorted file names in `dir`, NULL-terminated, malloc'd (free with free_names). */
static char **names_in(const char *dir, size_t *n) {
  DIR *d = opendir(dir);
  char **v = calloc(1024, sizeof *v);
  struct dirent *e;
  *n = 0;
  while (d && v && (e = readdir(d)))
    if (e->d_name[0] != '.' || strncmp(e->d_name, ".lfh", 4) == 0)
      if (*n < 1023) v[(*n)++] = strdup(e->d_name);
  if (d) closedir(d);
  for (size_t i = 0; v && i < *n; i++) /* insertion sort: a handful of names */
    for (size_t k = i; k > 0 && strcmp(v[k - 1], v[k]) > 0; k--) {
      char *t = v[k];
      v[k] = v[k - 1];
      v[k - 1] = t;
    }
  return v;
}

static void free_names(char **v) {
  for (size_t i = 0; v && v[i]; i++) free(v[i]);
  free(v);
}

/* All files of `dir` concatenated in name order (malloc'd). */
static char *slurp_all(const char *dir, size_t *len) {
  size_t n, total = 0;
  char **v = names_in(dir, &n);
  char *all = calloc(1, 1);
  for (size_t i = 0; i < n && all; i++) {
    char path[1024];
    size_t l;
    snprintf(path, sizeof path, "%s/%s", dir, v[i]);
    char *t = lfh_test_slurp(path, &l);
    char *grown = t ? realloc(all, total + l + 1) : NULL;
    if (!grown) {
      free(t);
      free(all);
      all = NULL;
      break;
    }
    all = grown;
    memcpy(all + total, t, l);
    total += l;
    all[total] = '\0';
    free(t);
  }
  free_names(v);
  *len = total;
  return all;
}

static size_t count_lines(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

/* ------------------------------------------------------------------ the DDL */

/* The autoloader `schema` of the clickstream bundle, parsed (lf_schema_release it). */
static int bundle_schema(struct ArrowSchema *out) {
  char *yml = lfh_test_slurp(LFH_SOURCE_DIR "/bundles/resources/clickstream_pipeline.yml", NULL);
  if (!yml) return -1;
  char *p = strstr(yml, "stage: autoloader");
  p = p ? strstr(p, "schema: >-\n") : NULL;
  if (!p) {
    free(yml);
    return -1;
  }
  char *line_start = p;
  while (line_start > yml && line_start[-1] != '\n') line_start--;
  size_t indent = (size_t)(p - line_start);
  char *ddl = calloc(1, strlen(p) + 1);
  size_t used = 0;
  p = strchr(p, '\n') + 1;
  /* A folded block: every more-indented line, joined with spaces. */
  while (*p && strspn(p, " ") > indent) {
    char *eol = strchr(p, '\n');
    size_t l = eol ? (size_t)(eol - p) : strlen(p);
    memcpy(ddl + used, p, l); /* l + 1 <= what is left of p: the buffer fits */
    used += l;
    ddl[used++] = ' ';
    p += l + (eol ? 1 : 0);
  }
  ddl[used ? used - 1 : 0] = '\0';
  lfh_ddl_error e;
  int rc = lfh_ddl_parse(ddl, strlen(ddl), out, &e);
  if (rc) fprintf(stderr, "\n  DDL: %s at %d:%d\n", e.message, e.line, e.col);
  free(ddl);
  free(yml);
  return rc;
}

static const struct ArrowSchema *child_named(const struct ArrowSchema *s, const char *name) {
  for (int64_t i = 0; i < s->n_children; i++)
    if (strcmp(s->children[i]->name, name) == 0) return s->children[i];
  return NULL;
}

/* 1 when JSON value `v` fits field `f`, per the autoloader's typing. */
static int fits(const struct ArrowSchema *f, json_t *v) {
  const char *fmt = f->format;
  if (json_is_null(v)) return (f->flags & ARROW_FLAG_NULLABLE) != 0;
  if (!strcmp(fmt, "u")) return json_is_string(v);
  if (!strcmp(fmt, "i")) return json_is_integer(v) && llabs((long long)json_integer_value(v)) < 2147483647LL;
  if (!strcmp(fmt, "l")) return json_is_integer(v);
  if (!strcmp(fmt, "g")) return json_is_number(v);
  if (!strcmp(fmt, "b")) return json_is_boolean(v);
  if (!strncmp(fmt, "tsu:", 4)) {
    int64_t us;
    return json_is_string(v) && lfp_parse_ts(json_string_value(v), &us) == 0;
  }
  if (!strcmp(fmt, "+m")) {
    const char *k;
    json_t *x;
    if (!json_is_object(v)) return 0;
    json_object_foreach(v, k, x) if (!json_is_string(x)) return 0;
    return 1;
  }
  if (!strcmp(fmt, "+s")) {
    const char *k;
    json_t *x;
    if (!json_is_object(v)) return 0;
    json_object_foreach(v, k, x) {
      const struct ArrowSchema *c = child_named(f, k);
      if (!c || !fits(c, x)) return 0;
    }
    for (int64_t i = 0; i < f->n_children; i++) /* NOT NULL fields must be there */
      if (!(f->children[i]->flags & ARROW_FLAG_NULLABLE) && !json_object_get(v, f->children[i]->name))
        return 0;
    return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------ line analysis */

typedef struct tally {
  size_t lines, malformed, duplicates, fresh, late, drifted, drift_before_start;
  size_t types[16];
  size_t bad_purchase, bad_user, first_drift;
} tally;

static int type_index(const char *t) {
  for (int i = 0; lfp_event_types[i]; i++)
    if (!strcmp(lfp_event_types[i], t)) return i;
  return -1;
}

/* Sorts the lines of `text` into the tally; drift fields are allowed (and counted). */
static void analyse(char *text, const struct ArrowSchema *schema, tally *t) {
  size_t cap = count_lines(text) + 1, nids = 0;
  char **ids = calloc(cap, sizeof *ids);
  int64_t max_ts = INT64_MIN;
  memset(t, 0, sizeof *t);
  t->first_drift = SIZE_MAX;
  for (char *line = text, *eol; *line; line = eol + 1) {
    eol = strchr(line, '\n');
    if (!eol) break;
    *eol = '\0';
    json_error_t je;
    json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &je);
    size_t idx = t->lines++;
    if (o && json_is_object(o) && json_object_get(o, "app_version")) {
      json_object_del(o, "app_version");
      json_object_del(o, "consent");
      if (idx < t->first_drift) t->first_drift = idx;
      t->drifted++;
    }
    if (!o || !fits(schema, o)) {
      t->malformed++;
      json_decref(o);
      *eol = '\n';
      continue;
    }
    const char *id = json_string_value(json_object_get(o, "event_id"));
    int dup = 0;
    for (size_t k = nids; k-- > 0 && !dup;) dup = strcmp(ids[k], id) == 0;
    if (dup) {
      t->duplicates++;
    } else {
      ids[nids++] = strdup(id);
      t->fresh++;
      int64_t ts;
      lfp_parse_ts(json_string_value(json_object_get(o, "event_ts")), &ts);
      if (ts < max_ts) t->late++;
      else max_ts = ts;
      const char *type = json_string_value(json_object_get(o, "event_type"));
      int ti = type ? type_index(type) : -1;
      t->types[ti < 0 ? 15 : ti]++;
      json_t *pur = json_object_get(o, "purchase");
      if (type && !strcmp(type, "purchase") !=
                      !!(pur && json_real_value(json_object_get(pur, "amount")) >= 0 &&
                         json_object_get(pur, "currency")))
        t->bad_purchase++;
      json_t *user = json_object_get(o, "user");
      if (type && !strcmp(type, "signup") && (!user || !json_object_get(user, "email") ||
                                              !json_object_get(user, "plan")))
        t->bad_user++;
    }
    json_decref(o);
    *eol = '\n';
  }
  for (size_t k = 0; k < nids; k++) free(ids[k]);
  free(ids);
}

/* Runs lfproduce into a fresh folder and analyses all lines. */
static void run_and_analyse(const char *args, tally *t, char **dir_out) {
  struct ArrowSchema schema;
  char full[1024];
  char *dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  snprintf(full, sizeof full, "--out %s %s", dir, args);
  CU_ASSERT_EQUAL_FATAL(produce(full), 0);
  CU_ASSERT_EQUAL_FATAL(bundle_schema(&schema), 0);
  size_t len;
  char *all = slurp_all(dir, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(all);
  analyse(all, &schema, t);
  free(all);
  lf_schema_release(&schema);
  *dir_out = dir;
}

static void done_dir(char *dir) {
  lfh_test_rmtree(dir);
  free(dir);
}

/* ------------------------------------------------------------------ tests */

static void test_same_seed_same_bytes(void) {
  const char *opts = "--events 3000 --files 3 --seed 7 --late-fraction 0.1 "
                     "--duplicate-fraction 0.05 --malformed-fraction 0.05 --drift";
  char *a = lfh_test_tmpdir(), *b = lfh_test_tmpdir(), *c = lfh_test_tmpdir(), args[1024];
  snprintf(args, sizeof args, "--out %s %s", a, opts);
  CU_ASSERT_EQUAL(produce(args), 0);
  snprintf(args, sizeof args, "--out file://%s %s --rate 100000", b, opts); /* rate: no effect */
  CU_ASSERT_EQUAL(produce(args), 0);
  snprintf(args, sizeof args, "--out %s %s", c, "--events 3000 --files 3 --seed 8 "
           "--late-fraction 0.1 --duplicate-fraction 0.05 --malformed-fraction 0.05 --drift");
  CU_ASSERT_EQUAL(produce(args), 0);
  size_t na, nb, nc, la, lb, lc;
  char **va = names_in(a, &na), **vb = names_in(b, &nb), **vc = names_in(c, &nc);
  CU_ASSERT_EQUAL(na, 3);
  CU_ASSERT_EQUAL(nb, 3);
  CU_ASSERT_EQUAL(nc, 3);
  for (size_t i = 0; i < na && i < nb; i++) CU_ASSERT_STRING_EQUAL(va[i], vb[i]);
  CU_ASSERT_STRING_EQUAL(va[0], "events-20240101T000000Z-s7-000001.json");
  CU_ASSERT_STRING_EQUAL(vc[2], "events-20240101T000000Z-s8-000003.json");
  char *da = slurp_all(a, &la), *db = slurp_all(b, &lb), *dc = slurp_all(c, &lc);
  CU_ASSERT_FATAL(da && db && dc);
  CU_ASSERT(la > 3000 * 300);
  CU_ASSERT(la == lb && memcmp(da, db, la) == 0);
  CU_ASSERT(la != lc || memcmp(da, dc, la) != 0);
  /* Different seeds share no event ids (UUIDs from the seed), compare the first one. */
  CU_ASSERT(strncmp(da, dc, 60) != 0);
  free(da), free(db), free(dc);
  free_names(va), free_names(vb), free_names(vc);
  done_dir(a), done_dir(b), done_dir(c);
}

/* Line counts of each file of a run, in name order. */
static void lines_per_file(const char *args, const size_t *want, size_t nwant) {
  char *dir = lfh_test_tmpdir(), full[1024];
  snprintf(full, sizeof full, "--out %s %s", dir, args);
  CU_ASSERT_EQUAL_FATAL(produce(full), 0);
  size_t n;
  char **v = names_in(dir, &n);
  CU_ASSERT_EQUAL(n, nwant);
  for (size_t i = 0; i < n && i < nwant; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, v[i]);
    char *t = lfh_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(count_lines(t), want[i]);
    CU_ASSERT(strncmp(v[i], LFH_STORE_TMP_PREFIX, strlen(LFH_STORE_TMP_PREFIX)) != 0);
    free(t);
  }
  free_names(v);
  done_dir(dir);
}

static void test_events_per_file(void) {
  const size_t even[] = {334, 333, 333}, capped[] = {400, 400, 200}, both[] = {50, 50, 50, 50};
  lines_per_file("--events 1000 --files 3", even, 3);
  lines_per_file("--events 1000 --events-per-file 400 --malformed-fraction 0.2", capped, 3);
  lines_per_file("--files 4 --events-per-file 50 --duplicate-fraction 0.5", both, 4);
}

static void test_lines_match_ddl(void) {
  tally t;
  char *dir;
  run_and_analyse("--events 5000 --seed 3", &t, &dir);
  CU_ASSERT_EQUAL(t.lines, 5000);
  CU_ASSERT_EQUAL(t.malformed, 0); /* every line parses and fits the bundle's DDL */
  CU_ASSERT_EQUAL(t.duplicates, 0);
  CU_ASSERT_EQUAL(t.late, 0); /* event time only moves forward without --late-fraction */
  CU_ASSERT_EQUAL(t.drifted, 0);
  CU_ASSERT_EQUAL(t.bad_purchase, 0);
  CU_ASSERT_EQUAL(t.bad_user, 0);
  CU_ASSERT_EQUAL(t.types[15], 0); /* no unknown event type */
  for (int i = 0; i < 9; i++) CU_ASSERT(t.types[i] > 0); /* all but the rare deletion */
  /* The funnel narrows: views > clicks > carts > checkouts > purchases. */
  CU_ASSERT(t.types[0] > t.types[1] && t.types[1] > t.types[2] && t.types[2] > t.types[3] &&
            t.types[3] > t.types[4]);
  done_dir(dir);
}

/* |got/n - want| within `tol` (absolute). */
static int near(size_t got, size_t n, double want, double tol) {
  double f = (double)got / (double)n;
  if (f < want - tol || f > want + tol)
    fprintf(stderr, "\n  fraction %.4f, want %.4f +- %.4f\n", f, want, tol);
  return f >= want - tol && f <= want + tol;
}

static void test_fault_fractions(void) {
  tally t;
  char *dir;
  run_and_analyse("--events 20000 --files 4 --seed 11 --late-fraction 0.1 --late-max 2m "
                  "--duplicate-fraction 0.05 --malformed-fraction 0.03",
                  &t, &dir);
  CU_ASSERT_EQUAL(t.lines, 20000);
  /* Binomial standard deviations are 0.0012-0.0022 here; allow about four. */
  CU_ASSERT(near(t.malformed, t.lines, 0.03, 0.006));
  CU_ASSERT(near(t.duplicates, t.lines, 0.05, 0.008));
  CU_ASSERT(near(t.late, t.fresh, 0.10, 0.012));
  CU_ASSERT(t.types[9] > 0); /* 20k events include account deletions */
  CU_ASSERT_EQUAL(t.bad_purchase, 0);
  size_t n;
  char **v = names_in(dir, &n);
  CU_ASSERT_EQUAL(n, 4); /* and no temp file next to them */
  free_names(v);
  done_dir(dir);
}

static void test_drift(void) {
  tally t;
  char *dir;
  run_and_analyse("--events 2000 --drift", &t, &dir);
  CU_ASSERT_EQUAL(t.malformed, 0); /* only the two documented fields are new */
  CU_ASSERT_EQUAL(t.first_drift, 1000);
  CU_ASSERT_EQUAL(t.drifted, 1000);
  done_dir(dir);
  run_and_analyse("--events 2000 --drift-after 1500", &t, &dir);
  CU_ASSERT_EQUAL(t.first_drift, 1500);
  CU_ASSERT_EQUAL(t.drifted, 500);
  done_dir(dir);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_rate(void) {
  char *dir = lfh_test_tmpdir(), args[1024];
  snprintf(args, sizeof args, "--out %s --events 2000 --files 2 --rate 2000", dir);
  double t0 = now_s();
  CU_ASSERT_EQUAL(produce(args), 0);
  double took = now_s() - t0;
  if (took < 0.9 || took > 1.5) fprintf(stderr, "\n  2000 events at 2000/s took %.3f s\n", took);
  CU_ASSERT(took >= 0.9 && took <= 1.5);
  done_dir(dir);
  dir = lfh_test_tmpdir();
  snprintf(args, sizeof args, "--out %s --events 20000", dir); /* unlimited is fast */
  t0 = now_s();
  CU_ASSERT_EQUAL(produce(args), 0);
  CU_ASSERT(now_s() - t0 < 2.0);
  done_dir(dir);
}

static void test_help_lists_schema(void) {
  FILE *p = popen(LFPRODUCE_EXE " --help", "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  char buf[16384];
  size_t n = fread(buf, 1, sizeof buf - 1, p);
  buf[n] = '\0';
  CU_ASSERT_EQUAL(pclose(p), 0);
  struct ArrowSchema schema;
  CU_ASSERT_EQUAL_FATAL(bundle_schema(&schema), 0);
  for (int64_t i = 0; i < schema.n_children; i++) { /* every field of the DDL, nested too */
    char want[128];
    snprintf(want, sizeof want, "  %s ", schema.children[i]->name);
    if (!strstr(buf, want)) fprintf(stderr, "\n  --help lacks '%s'\n", want);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
    for (int64_t k = 0; k < schema.children[i]->n_children; k++) {
      const char *sub = schema.children[i]->children[k]->name;
      if (strcmp(schema.children[i]->format, "+s") == 0) {
        snprintf(want, sizeof want, "%s: ", sub);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
      }
    }
  }
  lf_schema_release(&schema);
  for (int i = 0; lfp_event_types[i]; i++) CU_ASSERT_PTR_NOT_NULL(strstr(buf, lfp_event_types[i]));
  const char *opts[] = {"--out", "--events", "--files", "--events-per-file", "--rate", "--seed",
                        "--start-time", "--late-fraction", "--late-max", "--duplicate-fraction",
                        "--malformed-fraction", "--drift", "--prefix", NULL};
  for (int i = 0; opts[i]; i++) CU_ASSERT_PTR_NOT_NULL(strstr(buf, opts[i]));
}

static void test_bad_options(void) {
  CU_ASSERT_EQUAL(produce("--events 10 2>/dev/null"), 2); /* no --out */
  CU_ASSERT_EQUAL(produce("--out /tmp/x --late-fraction 1.5 2>/dev/null"), 2);
  CU_ASSERT_EQUAL(produce("--out /tmp/x --late-max 10ms 2>/dev/null"), 2);
  CU_ASSERT_EQUAL(produce("--out /tmp/x --rate fast 2>/dev/null"), 2);
  CU_ASSERT_EQUAL(produce("--out /tmp/x --start-time yesterday 2>/dev/null"), 2);
  CU_ASSERT_EQUAL(produce("--out /tmp/x --events 5 --files 6 2>/dev/null"), 2);
  CU_ASSERT_EQUAL(produce("--out /tmp/x --duplicate-fraction 0.6 --malformed-fraction 0.6 2>/dev/null"), 2);
  CU_ASSERT_EQUAL(produce("--out /tmp/x --bogus 2>/dev/null"), 2);
  CU_ASSERT_EQUAL(produce("--out /tmp/x --events 10 --prefix ../up 2>/dev/null"), 1); /* key check */
}

static void test_start_time_and_late_max(void) {
  tally t;
  char *dir;
  run_and_analyse("--events 200 --start-time 2023-06-30T23:59:00Z --late-fraction 1 --late-max 5s",
                  &t, &dir);
  size_t n, len;
  char **v = names_in(dir, &n);
  CU_ASSERT_EQUAL_FATAL(n, 1);
  CU_ASSERT_STRING_EQUAL(v[0], "events-20230630T235900Z-s1-000001.json");
  char *all = slurp_all(dir, &len);
  /* Every event lags 1..5 s behind a clock that starts at the start time. */
  json_t *o = json_loads(all, JSON_DISABLE_EOF_CHECK, NULL);
  int64_t ts, start;
  lfp_parse_ts("2023-06-30T23:59:00Z", &start);
  CU_ASSERT_EQUAL(lfp_parse_ts(json_string_value(json_object_get(o, "event_ts")), &ts), 0);
  CU_ASSERT(ts <= start - 1000000 + 200000 && ts >= start - 5000000);
  json_decref(o);
  free(all);
  free_names(v);
  done_dir(dir);
}

static void test_json_helpers(void) {
  char buf[256];
  lfp_json j = {buf, buf + sizeof buf, 0};
  lfp_json_str(&j, "a\"b\\c\n\x01é");
  lfp_json_char(&j, ' ');
  lfp_json_cents(&j, 1205);
  lfp_json_char(&j, ' ');
  lfp_json_i64(&j, INT64_MIN);
  lfp_json_char(&j, ' ');
  lfp_json_ts(&j, 951868799999000); /* 2000-02-29T23:59:59.999Z, a leap day */
  *j.p = '\0';
  CU_ASSERT_STRING_EQUAL(buf, "\"a\\\"b\\\\c\\n\\u0001é\" 12.05 -9223372036854775808 "
                              "\"2000-02-29T23:59:59.999Z\"");
  int64_t us;
  CU_ASSERT_EQUAL(lfp_parse_ts("2000-02-29T23:59:59.999Z", &us), 0);
  CU_ASSERT_EQUAL(us, 951868799999000);
  CU_ASSERT_EQUAL(lfp_parse_ts("2000-02-29 23:59:59", &us), -1);
  lfp_json small = {buf, buf + 4, 0}; /* overflow writes nothing past the end */
  lfp_json_str(&small, "too long");
  CU_ASSERT_EQUAL(small.overflow, 1);
  CU_ASSERT(small.p <= buf + 4);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"same seed, same bytes and names", test_same_seed_same_bytes},
      {"lines per file", test_events_per_file},
      {"every line fits the bundle DDL", test_lines_match_ddl},
      {"late, duplicate, malformed fractions", test_fault_fractions},
      {"drift from the middle on", test_drift},
      {"rate limit", test_rate},
      {"--help lists the schema", test_help_lists_schema},
      {"bad options", test_bad_options},
      {"start time and late max", test_start_time_and_late_max},
      {"json helpers", test_json_helpers},
      {NULL, NULL}};
  return lfh_test_run("producer", cases);
}
