/* The function library end to end, through the engine's parser, type checker (implicit
 * casts the functions ask for) and evaluator: each case is a predicate over a small batch
 * whose per-row verdicts (T, F, N for NULL) are compared with the expected ones, plus the
 * compile errors functions raise, with the engine's positions. */
#include <stdio.h>
#include <string.h>

#include "expr/lfh_expr.h"
#include "lf/lf_array.h"
#include "lfh_test.h"

#define NROWS 4

static struct ArrowArray g_arr;
static struct ArrowSchema g_schema;
static char g_msg[512];
static lf_error g_err;

/* s: "abc", NULL, "2024-02-29 10:11:12", "a,b,c"; n: 1, 2, NULL, -7;
 * x: 2.675, NULL, -2.5, 0.5; ts: 2024-01-01 10:00:00, NULL, 1969-12-31 23:59:59, 0 */
static int build_batch(void) {
  static const char *const s[] = {"abc", NULL, "2024-02-29 10:11:12", "a,b,c"};
  static const int64_t n[] = {1, 2, 0, -7};
  static const double x[] = {2.675, 0, -2.5, 0.5};
  static const int64_t ts[] = {INT64_C(1704103200000000), 0, -1000000, 0};
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *cs = lf_builder_add_child(b, LF_FORMAT_UTF8, "s");
  lf_builder *cn = lf_builder_add_child(b, LF_FORMAT_INT64, "n");
  lf_builder *cx = lf_builder_add_child(b, LF_FORMAT_DOUBLE, "x");
  lf_builder *ct = lf_builder_add_child(b, LF_FORMAT_TIMESTAMP, "ts");
  for (int r = 0; r < NROWS; r++) {
    lf_builder_append_struct(b);
    s[r] ? lf_builder_append_cstr(cs, s[r]) : lf_builder_append_null(cs);
    r == 2 ? lf_builder_append_null(cn) : lf_builder_append_int64(cn, n[r]);
    r == 1 ? lf_builder_append_null(cx) : lf_builder_append_double(cx, x[r]);
    r == 1 ? lf_builder_append_null(ct) : lf_builder_append_timestamp(ct, ts[r]);
  }
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return lf_builder_finish(b, &g_arr, &g_schema, &g_err);
}

/* The verdicts of predicate `text`, "TFNT"-style, or "ERROR: message". */
static const char *verdicts(const char *text) {
  static char out[600];
  uint8_t v[NROWS];
  lfh_expr_pos pos;
  lfh_expr_eval_opts opts = {.now_us = INT64_C(1709633472345000)}; /* 2024-03-05 10:11:12.345 */
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  lfh_expr *e = lfh_expr_compile(text, strlen(text), &g_schema, &pos, &g_err);
  if (!e || lfh_expr_eval_predicate(e, &g_arr, &opts, v, &g_err) != LF_OK) {
    snprintf(out, sizeof out, "ERROR: %s", g_msg);
  } else {
    for (int r = 0; r < NROWS; r++) out[r] = "FTN"[v[r]];
    out[NROWS] = '\0';
  }
  lfh_expr_free(e);
  return out;
}

static int check(const char *text, const char *want, int line) {
  const char *got = verdicts(text);
  int ok = strncmp(got, want, strlen(want)) == 0;
  if (!ok) fprintf(stderr, "\nline %d: %s\n  want %s\n  got  %s\n", line, text, want, got);
  return ok;
}
#define EXPECT(text, want) CU_ASSERT(check(text, want, __LINE__))

static void test_strings(void) {
  EXPECT("upper(s) = 'ABC'", "TNFF");
  EXPECT("length(s) = 3", "TNFF");
  EXPECT("substr(s, -3) = 'abc'", "TNFF");
  EXPECT("substring(s, 1, 4) = '2024'", "FNTF");
  EXPECT("concat(n, ':', s) = '1:abc'", "TNNF"); /* BIGINT cast to STRING */
  EXPECT("concat_ws('|', split(s, ',')) = 'a|b|c'", "FFFT"); /* NULL array skipped: '' */
  EXPECT("trim(concat('  ', s, ' ')) = s", "TNTT");
  EXPECT("lower(NULL) IS NULL", "TTTT");
}

static void test_regex_hash_math(void) {
  EXPECT("s RLIKE '^a'", "TNFT");
  EXPECT("regexp_like(s, '^\\\\d{4}-')", "FNTF");
  EXPECT("regexp_extract(s, '(\\\\d+)-(\\\\d+)', 2) = '02'", "FNTF");
  EXPECT("regexp_replace(s, ',', '') = 'abc'", "TNFT");
  EXPECT("sha2(s, 256) = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'",
         "TNFF");
  EXPECT("md5(s) = '900150983cd24fb0d6963f7d28e17f72'", "TNFF");
  EXPECT("round(x, 2) = 2.68", "TNFF");
  EXPECT("round(x) = -3.0", "FNTF");
  EXPECT("floor(x) = -3", "FNTF");
  EXPECT("ceil(x) = 1", "FNFT");
  EXPECT("abs(n) = 7", "FFNT");
  EXPECT("greatest(n, x) > 1", "TTFF");
  EXPECT("least(n, x) < 0", "FFTT");
}

static void test_datetime(void) {
  EXPECT("year(s) = 2024", "NNTN");                      /* STRING cast to DATE */
  EXPECT("hour(to_timestamp(s)) = 10", "NNTN");
  EXPECT("to_date(s) = DATE '2024-02-29'", "NNTN");
  EXPECT("month(ts) = 12", "FNTF");
  EXPECT("date_format(ts, 'yyyy-MM-dd HH:mm') = '2024-01-01 10:00'", "TNFF");
  EXPECT("date_trunc('DAY', ts) = TIMESTAMP '1969-12-31 00:00:00'", "FNTF");
  EXPECT("unix_timestamp(ts) = -1", "FNTF");
  EXPECT("from_unixtime(unix_timestamp(ts)) = date_format(ts, 'yyyy-MM-dd HH:mm:ss')", "TNTT");
  EXPECT("to_timestamp(s, 'yyyy-MM-dd HH:mm:ss') > ts", "NNTN");
  EXPECT("current_date() = DATE '2024-03-05'", "TTTT");
  EXPECT("ts < current_timestamp()", "TNTT");
  EXPECT("datediff(current_date(), ts) > 63", "TNTT"); /* 64 days from 2024-01-01 */
  EXPECT("datediff(current_date(), ts) > 64", "FNTT");
}

static void test_compile_errors(void) {
  EXPECT("sha2(s, 100) = ''", "ERROR: sha2: argument 2 must be one of 0, 224, 256, 384, 512");
  EXPECT("regexp_like(s, s)", "ERROR: regexp_like: argument 2 must be a constant string");
  EXPECT("s RLIKE 'a*?'", "ERROR: regexp_like: regular expression 'a*?'");
  EXPECT("substr(n > 1, 1) = ''", "ERROR: substr: argument 1 must be STRING, got BOOLEAN");
  EXPECT("date_format(ts, 'yyyy-bb') = ''", "ERROR: date_format: unsupported datetime pattern letter 'b'");
  EXPECT("date_trunc('fortnight', ts) IS NULL", "ERROR: date_trunc: unknown unit 'fortnight'");
  EXPECT("round(x, n) = 1", "ERROR: round: argument 2 must be a constant integer");
  /* The engine names the place of the call. */
  const char *got = verdicts("n > 0 AND sha2(s, 1) = ''");
  CU_ASSERT_PTR_NOT_NULL(strstr(got, "1:"));
}

int main(void) {
  if (build_batch() != LF_OK) return 1;
  static const lfh_test_case cases[] = {{"strings", test_strings},
                                        {"regex, hashes, math", test_regex_hash_math},
                                        {"date and time", test_datetime},
                                        {"compile errors", test_compile_errors},
                                        {NULL, NULL}};
  int rc = lfh_test_run("expr_func_sql", cases);
  g_arr.release(&g_arr);
  g_schema.release(&g_schema);
  return rc;
}
