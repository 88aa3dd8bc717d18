/*
 * lfh_expr evaluation: every operator with NULL inputs and boundaries, three-valued
 * logic truth tables, the CAST matrix, LIKE, CASE/COALESCE/IN/BETWEEN, nested columns
 * under null structs, sliced batches (offset != 0) and batches larger than one slice,
 * results through both lfh_expr_eval and lfh_expr_eval_predicate (always cross-checked),
 * result schemas, and the lf_expr_api table plugins get.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_expr.h"
#include "expr/lfh_expr_ast.h"
#include "expr/lfh_func_internal.h"
#include "lf/lf_array.h"
#include "lf/lf_expr.h"
#include "lfh_test.h"

/* "Ünïcode" in UTF-8 */
#define UNI "\xc3\x9c" "n" "\xc3\xaf" "code"

static char g_msg[512];
static lf_error g_err;

static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

/* ------------------------------------------------------------ the test batch */

#define TS(y, mo, d, h, mi, s) \
  ((lfh_days_from_civil(y, mo, d) * 86400 + (h) * 3600 + (mi) * 60 + (s)) * 1000000LL)

static struct ArrowArray g_arr;
static struct ArrowSchema g_schema;
#define NROWS 5

/* Columns: id l, amount g, name u, ts tsu:UTC, flag b, n32 i, d (date32, built as int32
 * and relabelled), user {email u, age l, addr {city u}}, tags list<u>, nums list<l>,
 * `odd name` u, bin z. */
static void build_batch(void) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  lf_builder *amount = lf_builder_add_child(b, "g", "amount");
  lf_builder *name = lf_builder_add_child(b, "u", "name");
  lf_builder *ts = lf_builder_add_child(b, "tsu:UTC", "ts");
  lf_builder *flag = lf_builder_add_child(b, "b", "flag");
  lf_builder *n32 = lf_builder_add_child(b, "i", "n32");
  lf_builder *d = lf_builder_add_child(b, "i", "d");
  lf_builder *user = lf_builder_add_child(b, "+s", "User");
  lf_builder *email = lf_builder_add_child(user, "u", "email");
  lf_builder *age = lf_builder_add_child(user, "l", "age");
  lf_builder *addr = lf_builder_add_child(user, "+s", "addr");
  lf_builder *city = lf_builder_add_child(addr, "u", "city");
  lf_builder *tags = lf_builder_add_child(b, "+l", "tags");
  lf_builder *tag = lf_builder_add_child(tags, "u", "item");
  lf_builder *nums = lf_builder_add_child(b, "+l", "nums");
  lf_builder *num = lf_builder_add_child(nums, "l", "item");
  lf_builder *odd = lf_builder_add_child(b, "u", "odd name");
  lf_builder *bin = lf_builder_add_child(b, "z", "bin");
  static const int64_t ids[] = {1, 2, 0, INT64_MAX, INT64_MIN};
  static const int idnull[] = {0, 0, 1, 0, 0};
  static const double amounts[] = {10.5, 0, -3, 0, NAN};
  static const int amnull[] = {0, 1, 0, 0, 0};
  static const char *const names[] = {"alice", NULL, "", "" UNI "", "bob_%"};
  const int64_t tss[] = {TS(2024, 1, 1, 10, 0, 0), 0, TS(2024, 6, 30, 23, 59, 59) + 500000,
                         TS(1970, 1, 1, 0, 0, 0), TS(2023, 12, 31, 23, 59, 59)};
  static const int tsnull[] = {0, 1, 0, 0, 0};
  static const int flags[] = {1, 0, -1, 1, 0};
  static const int32_t n32s[] = {7, 0, -1, 0, 100};
  static const int n32null[] = {0, 1, 0, 0, 0};
  const int32_t days[] = {(int32_t)lfh_days_from_civil(2024, 1, 1), 0,
                          (int32_t)lfh_days_from_civil(2024, 2, 29), 0,
                          (int32_t)lfh_days_from_civil(1969, 12, 31)};
  static const int dnull[] = {0, 1, 0, 0, 0};
  for (int r = 0; r < NROWS; r++) {
    lf_builder_append_struct(b);
    idnull[r] ? lf_builder_append_null(id) : lf_builder_append_int64(id, ids[r]);
    amnull[r] ? lf_builder_append_null(amount) : lf_builder_append_double(amount, amounts[r]);
    names[r] ? lf_builder_append_cstr(name, names[r]) : lf_builder_append_null(name);
    tsnull[r] ? lf_builder_append_null(ts) : lf_builder_append_timestamp(ts, tss[r]);
    flags[r] < 0 ? lf_builder_append_null(flag) : lf_builder_append_bool(flag, flags[r]);
    n32null[r] ? lf_builder_append_null(n32) : lf_builder_append_int32(n32, n32s[r]);
    dnull[r] ? lf_builder_append_null(d) : lf_builder_append_int32(d, days[r]);
    if (r == 1) {
      lf_builder_append_null(user);
    } else {
      lf_builder_append_struct(user);
      r == 2 ? lf_builder_append_null(email) : lf_builder_append_cstr(email, r == 0 ? "a@x" : "b@y");
      r == 3 ? lf_builder_append_null(age) : lf_builder_append_int64(age, 30 + r);
      if (r == 4) lf_builder_append_null(addr);
      else {
        lf_builder_append_struct(addr);
        lf_builder_append_cstr(city, r == 0 ? "Paris" : "Oslo");
      }
    }
    if (r == 1) lf_builder_append_null(tags);
    else {
      for (int k = 0; k < r; k++) {
        char t[2] = {(char)('a' + k), 0};
        k == 1 && r == 3 ? lf_builder_append_null(tag) : lf_builder_append_cstr(tag, t);
      }
      lf_builder_append_list(tags);
    }
    lf_builder_append_int64(num, r);
    lf_builder_append_list(nums);
    lf_builder_append_cstr(odd, r % 2 ? "odd" : "even");
    lf_builder_append_binary(bin, "\x01\x02", (size_t)(r % 3));
  }
  if (lf_builder_finish(b, &g_arr, &g_schema, err0()) != LF_OK) {
    fprintf(stderr, "building the test batch: %s\n", g_msg);
    exit(1);
  }
  g_schema.children[6]->format = "tdD"; /* the int32 column d as date32 */
}

static void free_batch(void) {
  lf_array_release(&g_arr);
  lf_schema_release(&g_schema);
}

/* ------------------------------------------------------------ running */

/* One value of the result as text. */
static void fmt_value(uint32_t type, const struct ArrowArray *a, int64_t r, char *buf, size_t cap) {
  int64_t i = a->offset + r;
  const uint8_t *vb = a->n_buffers > 0 ? a->buffers[0] : NULL;
  if (type == LFH_TYPE_NULL || (vb && !(vb[i / 8] >> (i % 8) & 1))) {
    snprintf(buf, cap, "NULL");
    return;
  }
  char t[64];
  switch (type) {
  case LFH_TYPE_BOOLEAN:
    snprintf(buf, cap, "%s", ((const uint8_t *)a->buffers[1])[i / 8] >> (i % 8) & 1 ? "true" : "false");
    break;
  case LFH_TYPE_BIGINT:
  case LFH_TYPE_INTERVAL: snprintf(buf, cap, "%lld", (long long)((const int64_t *)a->buffers[1])[i]); break;
  case LFH_TYPE_DOUBLE:
    lfh_format_double(((const double *)a->buffers[1])[i], t);
    snprintf(buf, cap, "%s", t);
    break;
  case LFH_TYPE_TIMESTAMP:
    lfh_format_timestamp(((const int64_t *)a->buffers[1])[i], t);
    snprintf(buf, cap, "%s", t);
    break;
  case LFH_TYPE_DATE:
    lfh_format_date(((const int32_t *)a->buffers[1])[i], t);
    snprintf(buf, cap, "%s", t);
    break;
  case LFH_TYPE_STRING:
  case LFH_TYPE_BINARY: {
    const int32_t *o = a->buffers[1];
    snprintf(buf, cap, "%.*s", (int)(o[i + 1] - o[i]), (const char *)a->buffers[2] + o[i]);
    break;
  }
  case LFH_TYPE_ARRAY: {
    const int32_t *o = a->buffers[1];
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int32_t k = o[i]; k < o[i + 1] && n < cap; k++) {
      char item[64];
      fmt_value(LFH_TYPE_STRING, a->children[0], k, item, sizeof item);
      n += (size_t)snprintf(buf + n, cap - n, "%s%s", k > o[i] ? "," : "", item);
    }
    if (n < cap) snprintf(buf + n, cap - n, "]");
    break;
  }
  default: snprintf(buf, cap, "?");
  }
}

/* Evaluates `text` over `arr` and returns the rows joined by '|' (static buffer), or
 * "ERROR: message". BOOLEAN results are cross-checked against eval_predicate. */
static const char *run_on(const char *text, const struct ArrowSchema *schema,
                          const struct ArrowArray *arr) {
  static char out[4096];
  lfh_expr_pos pos;
  lfh_expr *e = lfh_expr_compile(text, strlen(text), schema, &pos, err0());
  if (!e) {
    snprintf(out, sizeof out, "ERROR: %s", g_msg);
    return out;
  }
  lfh_expr_eval_opts opts = {.now_us = TS(2024, 5, 6, 7, 8, 9)};
  struct ArrowArray res;
  int rc = lfh_expr_eval(e, arr, &opts, &res, err0());
  if (rc != LF_OK) {
    snprintf(out, sizeof out, "ERROR: %s", g_msg);
    lfh_expr_free(e);
    return out;
  }
  CU_ASSERT_EQUAL(res.length, arr->length);
  uint32_t type = lfh_expr_type(e);
  size_t n = 0;
  out[0] = '\0';
  for (int64_t r = 0; r < res.length && n < sizeof out - 1; r++) {
    char v[512];
    fmt_value(type, &res, r, v, sizeof v);
    n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", r ? "|" : "", v);
  }
  if (type == LFH_TYPE_BOOLEAN) {
    uint8_t *verdict = malloc((size_t)arr->length + 1);
    CU_ASSERT_EQUAL(lfh_expr_eval_predicate(e, arr, &opts, verdict, err0()), LF_OK);
    for (int64_t r = 0; r < res.length; r++) {
      char v[16];
      fmt_value(type, &res, r, v, sizeof v);
      int want = !strcmp(v, "true") ? LFH_VERDICT_TRUE : !strcmp(v, "false") ? LFH_VERDICT_FALSE
                                                                             : LFH_VERDICT_NULL;
      if (verdict[r] != want) {
        fprintf(stderr, "%s: row %lld: eval %s, predicate %d\n", text, (long long)r, v, verdict[r]);
        CU_FAIL("eval and eval_predicate disagree");
      }
    }
    free(verdict);
  }
  res.release(&res);
  lfh_expr_free(e);
  return out;
}

static const char *run(const char *text) { return run_on(text, &g_schema, &g_arr); }

static int check_eq(const char *text, const char *want, int line) {
  const char *got = run(text);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "\nline %d: %s\n  want %s\n  got  %s\n", line, text, want, got);
    return 0;
  }
  return 1;
}
#define EXPECT(text, want) CU_ASSERT(check_eq(text, want, __LINE__))

/* A constant expression: every one of the 5 rows holds `want`. */
static int check_const(const char *text, const char *want, int line) {
  char all[2048];
  size_t n = 0;
  for (int r = 0; r < NROWS; r++) n += (size_t)snprintf(all + n, sizeof all - n, "%s%s", r ? "|" : "", want);
  return check_eq(text, all, line);
}
#define EXPECT_C(text, want) CU_ASSERT(check_const(text, want, __LINE__))

/* ------------------------------------------------------------ tests */

static void test_columns(void) {
  EXPECT("id", "1|2|NULL|9223372036854775807|-9223372036854775808");
  EXPECT("ID", "1|2|NULL|9223372036854775807|-9223372036854775808"); /* case-insensitive */
  EXPECT("amount", "10.5|NULL|-3.0|0.0|NaN");
  EXPECT("name", "alice|NULL||" UNI "|bob_%");
  EXPECT("ts", "2024-01-01 10:00:00|NULL|2024-06-30 23:59:59.5|1970-01-01 00:00:00|2023-12-31 23:59:59");
  EXPECT("flag", "true|false|NULL|true|false");
  EXPECT("n32", "7|NULL|-1|0|100");
  EXPECT("d", "2024-01-01|NULL|2024-02-29|1970-01-01|1969-12-31");
  EXPECT("`odd name`", "even|odd|even|odd|even");
  EXPECT("bin", "|\x01|\x01\x02||\x01");
  EXPECT("tags", "[]|NULL|[a,b]|[a,NULL,c]|[a,b,c,d]");
}

static void test_nested(void) {
  /* Row 1's user is NULL: every field under it is NULL; row 4's addr is NULL. */
  EXPECT("user.email", "a@x|NULL|NULL|b@y|b@y");
  EXPECT("USER.Age", "30|NULL|32|NULL|34");
  EXPECT("user.addr.city", "Paris|NULL|Oslo|Oslo|NULL");
  EXPECT("`user`.`addr`.city IS NULL", "false|true|false|false|true");
  EXPECT("user.age + 1", "31|NULL|33|NULL|35");
  struct ArrowSchema *s = &g_schema;
  const char *t1 = "user.email = 'x' OR user.addr.city > id";
  lfh_expr *e = lfh_expr_compile(t1, strlen(t1), s, NULL, err0());
  CU_ASSERT_PTR_NULL(e); /* STRING > BIGINT */
  const char *t2 = "user.email = 'x' OR user.addr.city = name OR user.email = name";
  e = lfh_expr_compile(t2, strlen(t2), s, NULL, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_EQUAL(lfh_expr_n_columns(e), 3);
  CU_ASSERT_STRING_EQUAL(lfh_expr_column(e, 0), "User.email");
  CU_ASSERT_STRING_EQUAL(lfh_expr_column(e, 1), "User.addr.city");
  CU_ASSERT_STRING_EQUAL(lfh_expr_column(e, 2), "name");
  CU_ASSERT_PTR_NULL(lfh_expr_column(e, 3));
  lfh_expr_free(e);
}

static void test_literals(void) {
  EXPECT_C("42", "42");
  EXPECT_C("-9223372036854775808", "-9223372036854775808");
  EXPECT_C("9223372036854775807", "9223372036854775807");
  EXPECT_C("9223372036854775808", "9.223372036854776E18"); /* too big: DOUBLE */
  EXPECT_C("1.5", "1.5");
  EXPECT_C("1e3", "1000.0");
  EXPECT_C(".5", "0.5");
  EXPECT_C("10L + 2S + 1Y", "13");
  EXPECT_C("1.5D", "1.5");
  EXPECT_C("2BD", "2.0");
  EXPECT_C("'it''s'", "it's");
  EXPECT_C("'a\\'b'", "a'b");
  EXPECT_C("\"dq\"", "dq");
  EXPECT_C("'tab\\there'", "tab\there");
  EXPECT_C("'\\u00e9'", "\xc3\xa9");
  EXPECT_C("'a' 'b'", "ab");
  EXPECT_C("''", "");
  EXPECT_C("TRUE", "true");
  EXPECT_C("false", "false");
  EXPECT_C("NULL", "NULL");
  EXPECT_C("TIMESTAMP '2024-01-01 10:00:00'", "2024-01-01 10:00:00");
  EXPECT_C("TIMESTAMP '2024-01-01T10:00:00.123456Z'", "2024-01-01 10:00:00.123456");
  EXPECT_C("TIMESTAMP '2024-01-01T10:00:00+02:00'", "2024-01-01 08:00:00");
  EXPECT_C("TIMESTAMP '2024-01-01 10:00:00.1-01:30'", "2024-01-01 11:30:00.1");
  EXPECT_C("TIMESTAMP '2024-01-01'", "2024-01-01 00:00:00");
  EXPECT_C("DATE '2024-02-29'", "2024-02-29");
  EXPECT_C("DATE '1900-03-01'", "1900-03-01");
  EXPECT_C("INTERVAL 10 MINUTES", "600000000");
  EXPECT_C("INTERVAL '10' MINUTE", "600000000");
  EXPECT_C("INTERVAL 1 DAY 2 HOURS", "93600000000");
  EXPECT_C("INTERVAL '1 day 2 hours'", "93600000000");
  EXPECT_C("INTERVAL 1.5 SECONDS", "1500000");
  EXPECT_C("INTERVAL -1 WEEK", "-604800000000");
  EXPECT_C("INTERVAL 3 MILLISECONDS + INTERVAL 4 MICROSECOND", "3004");
  EXPECT_C("-INTERVAL 1 second", "-1000000");
}

static void test_arith(void) {
  EXPECT("id + 1", "2|3|NULL|-9223372036854775808|-9223372036854775807"); /* wraps */
  EXPECT("id - 1", "0|1|NULL|9223372036854775806|9223372036854775807");
  EXPECT("id * 2", "2|4|NULL|-2|0");
  EXPECT("-id", "-1|-2|NULL|-9223372036854775807|-9223372036854775808");
  EXPECT("id / 2", "0.5|1.0|NULL|4.611686018427388E18|-4.611686018427388E18");
  EXPECT("id / 0", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("id % 0", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("id % -1", "0|0|NULL|0|0");
  EXPECT("id % 2", "1|0|NULL|1|0");
  EXPECT("-7 % 3", "-1|-1|-1|-1|-1");
  EXPECT("amount + 1", "11.5|NULL|-2.0|1.0|NaN");
  EXPECT("amount / 0", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("amount / 0.0", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("amount % 2", "0.5|NULL|-1.0|0.0|NaN");
  EXPECT("n32 * 3 + id", "22|NULL|NULL|9223372036854775807|-9223372036854775508");
  EXPECT("amount * id", "10.5|NULL|NULL|0.0|NaN");
  EXPECT("1 + 2 * 3 - 4 / 2", "5.0|5.0|5.0|5.0|5.0");
  EXPECT("(1 + 2) * 3", "9|9|9|9|9");
  EXPECT("- - 3", "3|3|3|3|3");
  EXPECT("1 + NULL", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("NULL / 2", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("1e308 * 10", "Infinity|Infinity|Infinity|Infinity|Infinity");
  EXPECT("ts + INTERVAL 10 MINUTES",
         "2024-01-01 10:10:00|NULL|2024-07-01 00:09:59.5|1970-01-01 00:10:00|2024-01-01 00:09:59");
  EXPECT("INTERVAL 1 HOUR + ts",
         "2024-01-01 11:00:00|NULL|2024-07-01 00:59:59.5|1970-01-01 01:00:00|2024-01-01 00:59:59");
  EXPECT("ts - INTERVAL '1' DAY",
         "2023-12-31 10:00:00|NULL|2024-06-29 23:59:59.5|1969-12-31 00:00:00|2023-12-30 23:59:59");
  EXPECT("d + 1", "2024-01-02|NULL|2024-03-01|1970-01-02|1970-01-01");
  EXPECT("d - INTERVAL 2 DAYS", "2023-12-30|NULL|2024-02-27|1969-12-30|1969-12-29");
  EXPECT("d + INTERVAL 12 HOURS",
         "2024-01-01 12:00:00|NULL|2024-02-29 12:00:00|1970-01-01 12:00:00|1969-12-31 12:00:00");
  EXPECT("'a' || name || 'z'", "aalicez|NULL|az|a" UNI "z|abob_%z");
  EXPECT("id || '-' || flag", "1-true|2-false|NULL|9223372036854775807-true|-9223372036854775808-false");
  EXPECT("amount || ''", "10.5|NULL|-3.0|0.0|NaN");
}

static void test_compare(void) {
  EXPECT("id = 1", "true|false|NULL|false|false");
  EXPECT("id == 2", "false|true|NULL|false|false");
  EXPECT("id <> 1", "false|true|NULL|true|true");
  EXPECT("id != 1", "false|true|NULL|true|true");
  EXPECT("id < 2", "true|false|NULL|false|true");
  EXPECT("id <= 2", "true|true|NULL|false|true");
  EXPECT("id > 1", "false|true|NULL|true|false");
  EXPECT("id >= 9223372036854775807", "false|false|NULL|true|false");
  EXPECT("2 < id", "false|false|NULL|true|false");
  EXPECT("id <=> 1", "true|false|false|false|false");
  EXPECT("id <=> NULL", "false|false|true|false|false");
  EXPECT("NULL <=> NULL", "true|true|true|true|true");
  EXPECT("id = NULL", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("id IS DISTINCT FROM 2", "true|false|true|true|true");
  EXPECT("id IS NOT DISTINCT FROM 2", "false|true|false|false|false");
  /* NaN: equal to itself and above every number, as in Spark. */
  EXPECT("amount = amount", "true|NULL|true|true|true");
  EXPECT("amount > 1e308", "false|NULL|false|false|true");
  EXPECT("amount >= 0", "true|NULL|false|true|true");
  EXPECT("amount < 0", "false|NULL|true|false|false");
  EXPECT("amount = 10.5", "true|NULL|false|false|false");
  EXPECT("id = 1.0", "true|false|NULL|false|false"); /* BIGINT widened to DOUBLE */
  EXPECT("amount = id", "false|NULL|NULL|false|false");
  EXPECT("amount = n32", "false|NULL|false|true|false");
  EXPECT("name = 'alice'", "true|NULL|false|false|false");
  EXPECT("'alice' = name", "true|NULL|false|false|false");
  EXPECT("name <> ''", "true|NULL|false|true|true");
  EXPECT("name < 'b'", "true|NULL|true|false|false");
  EXPECT("name >= 'bob'", "false|NULL|false|true|true"); /* bytes: U+00DC sorts high */
  EXPECT("name = user.email", "false|NULL|NULL|false|false");
  EXPECT("flag = TRUE", "true|false|NULL|true|false");
  EXPECT("flag < TRUE", "false|true|NULL|false|true");
  EXPECT("ts > '2024-01-01'", "true|NULL|true|false|false");
  EXPECT("ts >= TIMESTAMP '2024-01-01 10:00:00'", "true|NULL|true|false|false");
  EXPECT("ts < d", "false|NULL|false|false|false");
  EXPECT("d = '2024-02-29'", "false|NULL|true|false|false");
  EXPECT("d < ts", "true|NULL|true|false|true");
  EXPECT("bin = 'x'", "false|false|false|false|false");
  EXPECT("1 < 2", "true|true|true|true|true");
}

/* AND, OR, NOT over every pair of TRUE, FALSE, NULL. */
static void test_three_valued(void) {
  static const char *const v[] = {"TRUE", "FALSE", "NULL"};
  static const char *const and_t[3][3] = {{"true", "false", "NULL"},
                                          {"false", "false", "false"},
                                          {"NULL", "false", "NULL"}};
  static const char *const or_t[3][3] = {{"true", "true", "true"},
                                         {"true", "false", "NULL"},
                                         {"true", "NULL", "NULL"}};
  static const char *const not_t[3] = {"false", "true", "NULL"};
  char e[128];
  for (int a = 0; a < 3; a++) {
    for (int b = 0; b < 3; b++) {
      snprintf(e, sizeof e, "%s AND %s", v[a], v[b]);
      EXPECT_C(e, and_t[a][b]);
      snprintf(e, sizeof e, "%s OR %s", v[a], v[b]);
      EXPECT_C(e, or_t[a][b]);
    }
    snprintf(e, sizeof e, "NOT %s", v[a]);
    EXPECT_C(e, not_t[a]);
  }
  /* The same through columns (flag: true, false, NULL, true, false; so the kernels with
   * validity arrays run, not just folding). */
  EXPECT("flag AND NULL", "NULL|false|NULL|NULL|false");
  EXPECT("flag OR NULL", "true|NULL|NULL|true|NULL");
  EXPECT("flag AND flag", "true|false|NULL|true|false");
  EXPECT("flag OR NOT flag", "true|true|NULL|true|true");
  EXPECT("NOT flag", "false|true|NULL|false|true");
  EXPECT("! flag", "false|true|NULL|false|true");
  EXPECT("flag AND id > 1", "false|false|NULL|true|false");
  EXPECT("flag OR id > 1", "true|true|NULL|true|false");
  EXPECT("id > 1 OR flag", "true|true|NULL|true|false");
  EXPECT("flag IS TRUE", "true|false|false|true|false");
  EXPECT("flag IS NOT TRUE", "false|true|true|false|true");
  EXPECT("flag IS FALSE", "false|true|false|false|true");
  EXPECT("flag IS NOT FALSE", "true|false|true|true|false");
  EXPECT("flag IS UNKNOWN", "false|false|true|false|false");
  EXPECT("NULL IS TRUE", "false|false|false|false|false");
  EXPECT("flag IS NULL", "false|false|true|false|false");
  EXPECT("flag IS NOT NULL", "true|true|false|true|true");
  EXPECT("NULL IS NULL", "true|true|true|true|true");
  EXPECT("1 IS NULL", "false|false|false|false|false");
  EXPECT("tags IS NULL", "false|true|false|false|false");
  EXPECT("user.addr.city IS NOT NULL", "true|false|true|true|false");
}

static void test_in_between(void) {
  EXPECT("id IN (1, 2, 3)", "true|true|NULL|false|false");
  EXPECT("id NOT IN (1, 2, 3)", "false|false|NULL|true|true");
  EXPECT("id IN (1, NULL)", "true|NULL|NULL|NULL|NULL");
  EXPECT("id NOT IN (1, NULL)", "false|NULL|NULL|NULL|NULL");
  EXPECT("id IN (1.0, 2.5)", "true|false|NULL|false|false");
  EXPECT("id IN (n32, 2)", "false|true|NULL|false|false"); /* not constant: OR of = */
  EXPECT("id NOT IN (n32, 2)", "true|false|NULL|true|true");
  EXPECT("name IN ('alice', 'bob_%', '')", "true|NULL|true|false|true");
  EXPECT("name NOT IN ('alice')", "false|NULL|true|true|true");
  EXPECT("amount IN (0, -3)", "false|NULL|true|true|false");
  EXPECT("flag IN (TRUE)", "true|false|NULL|true|false");
  EXPECT("d IN ('2024-01-01', DATE '1970-01-01')", "true|NULL|false|true|false");
  EXPECT("ts IN ('1970-01-01 00:00:00')", "false|NULL|false|true|false");
  EXPECT("2 IN (1, 2)", "true|true|true|true|true");
  EXPECT("NULL IN (1, 2)", "NULL|NULL|NULL|NULL|NULL");
  /* Long lists (over the 64 entries the bucketed string path takes). */
  char big[2048];
  size_t o = (size_t)snprintf(big, sizeof big, "name IN ('alice'");
  for (int i = 0; i < 70; i++) o += (size_t)snprintf(big + o, sizeof big - o, ", 'x%d'", i);
  snprintf(big + o, sizeof big - o, ", '')");
  EXPECT(big, "true|NULL|true|false|false");
  o = (size_t)snprintf(big, sizeof big, "id NOT IN (2");
  for (int i = 100; i < 200; i++) o += (size_t)snprintf(big + o, sizeof big - o, ", %d", i);
  snprintf(big + o, sizeof big - o, ")");
  EXPECT(big, "true|false|NULL|true|true");
  EXPECT("name IN ('alicf', 'alice ', 'ALICE', 'a')", "false|NULL|false|false|false");
  EXPECT("'alice' IN (name, 'x')", "true|NULL|false|false|false");
  EXPECT("'alice' IN (name, NULL)", "true|NULL|NULL|NULL|NULL");
  EXPECT("id BETWEEN 1 AND 2", "true|true|NULL|false|false");
  EXPECT("id NOT BETWEEN 1 AND 2", "false|false|NULL|true|true");
  EXPECT("amount BETWEEN -3 AND 0", "false|NULL|true|true|false");
  EXPECT("id BETWEEN 2 AND 1", "false|false|NULL|false|false");
  EXPECT("id BETWEEN NULL AND 1", "NULL|false|NULL|false|NULL");
  EXPECT("name BETWEEN 'a' AND 'b'", "true|NULL|false|false|false");
  EXPECT("ts BETWEEN '2024-01-01' AND '2024-12-31'", "true|NULL|true|false|false");
  EXPECT("id BETWEEN 1 AND 2 AND flag", "true|false|NULL|false|false");
}

static void test_like(void) {
  EXPECT("name LIKE 'a%'", "true|NULL|false|false|false");
  EXPECT("name LIKE '%e'", "true|NULL|false|true|false");
  EXPECT("name LIKE '%lic%'", "true|NULL|false|false|false");
  EXPECT("name LIKE 'alice'", "true|NULL|false|false|false");
  EXPECT("name LIKE '%'", "true|NULL|true|true|true");
  EXPECT("name LIKE ''", "false|NULL|true|false|false");
  EXPECT("name LIKE '_____'", "true|NULL|false|false|true");
  EXPECT("name LIKE '_n_code'", "false|NULL|false|true|false"); /* _ is one character */
  EXPECT("name LIKE 'a_i%e'", "true|NULL|false|false|false");
  EXPECT("name LIKE 'bob\\_\\%'", "false|NULL|false|false|true");
  EXPECT("name LIKE 'bob!_!%' ESCAPE '!'", "false|NULL|false|false|true");
  EXPECT("name LIKE 'bob__'", "false|NULL|false|false|true");
  EXPECT("name NOT LIKE 'a%'", "false|NULL|true|true|true");
  EXPECT("name LIKE '%%c%%'", "true|NULL|false|true|false");
  EXPECT("name LIKE '%_%_%'", "true|NULL|false|true|true");
  EXPECT("name LIKE NULL", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("'abc' LIKE name", "false|NULL|false|false|false");
  EXPECT("'alice' LIKE user.email || name", "false|NULL|NULL|false|false");
  EXPECT("'aXbXc' LIKE '%b%c'", "true|true|true|true|true");
  EXPECT("'aaa' LIKE '%a%a%a%a'", "false|false|false|false|false");
  EXPECT("name RLIKE '^a.*e$'", "true|NULL|false|false|false");
  EXPECT("name REGEXP 'o'", "false|NULL|false|true|true");
  EXPECT("name NOT RLIKE 'o'", "true|NULL|true|false|false");
}

static void test_case_coalesce(void) {
  EXPECT("CASE WHEN id = 1 THEN 'one' WHEN id = 2 THEN 'two' ELSE 'many' END",
         "one|two|many|many|many");
  EXPECT("CASE WHEN id = 1 THEN 'one' END", "one|NULL|NULL|NULL|NULL");
  EXPECT("CASE id WHEN 1 THEN 10 WHEN 2 THEN 20.5 END", "10.0|20.5|NULL|NULL|NULL");
  EXPECT("CASE WHEN flag THEN id ELSE -id END", "1|-2|NULL|9223372036854775807|-9223372036854775808");
  EXPECT("CASE WHEN flag THEN id ELSE n32 END", "1|NULL|-1|9223372036854775807|100");
  EXPECT("CASE WHEN flag THEN id END", "1|NULL|NULL|9223372036854775807|NULL");
  EXPECT("CASE WHEN NULL THEN 1 ELSE 2 END", "2|2|2|2|2");
  EXPECT("CASE WHEN id > 1 THEN CASE WHEN id > 2 THEN 'big' ELSE 'two' END ELSE 'small' END",
         "small|two|small|big|small");
  EXPECT("CASE WHEN id = 1 THEN ts ELSE d END",
         "2024-01-01 10:00:00|NULL|2024-02-29 00:00:00|1970-01-01 00:00:00|1969-12-31 00:00:00");
  EXPECT("CASE WHEN id = 1 THEN 1 ELSE 'x' END", "1|x|x|x|x");
  EXPECT("CASE WHEN TRUE THEN 1 ELSE 2 END", "1|1|1|1|1");
  EXPECT("COALESCE(name, 'none')", "alice|none||" UNI "|bob_%");
  EXPECT("COALESCE(id, n32, 99)", "1|2|-1|9223372036854775807|-9223372036854775808");
  EXPECT("COALESCE(NULL, amount, id)", "10.5|2.0|-3.0|0.0|NaN");
  EXPECT("COALESCE(NULL, NULL)", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("COALESCE(user.age, 0) > 31", "false|false|true|false|true");
  EXPECT("coalesce(flag, FALSE)", "true|false|false|true|false");
  EXPECT("nvl(name, '?')", "alice|?||" UNI "|bob_%");
  EXPECT("ifnull(id, 0)", "1|2|0|9223372036854775807|-9223372036854775808");
  EXPECT("if(id > 1, 'y', 'n')", "n|y|n|y|n");
  EXPECT("nullif(id, 2)", "1|NULL|NULL|9223372036854775807|-9223372036854775808");
}

static void test_cast(void) {
  /* To STRING */
  EXPECT_C("CAST(1 AS STRING)", "1");
  EXPECT_C("CAST(-1.5 AS STRING)", "-1.5");
  EXPECT_C("CAST(1e7 AS STRING)", "1.0E7");
  EXPECT_C("CAST(1234567.0 AS STRING)", "1234567.0");
  EXPECT_C("CAST(0.001 AS STRING)", "0.001");
  EXPECT_C("CAST(0.0001 AS STRING)", "1.0E-4");
  EXPECT_C("CAST(0.1 + 0.2 AS STRING)", "0.30000000000000004");
  EXPECT_C("CAST(TRUE AS STRING)", "true");
  EXPECT_C("CAST(DATE '2024-01-02' AS STRING)", "2024-01-02");
  EXPECT_C("CAST(TIMESTAMP '2024-01-02 03:04:05.060' AS STRING)", "2024-01-02 03:04:05.06");
  EXPECT_C("CAST(NULL AS STRING)", "NULL");
  /* From STRING: failures are NULL */
  EXPECT_C("CAST(' 42 ' AS INT)", "42");
  EXPECT_C("CAST('1.9' AS BIGINT)", "1");
  EXPECT_C("CAST('-9223372036854775808' AS LONG)", "-9223372036854775808");
  EXPECT_C("CAST('9223372036854775808' AS BIGINT)", "NULL");
  EXPECT_C("CAST('abc' AS INT)", "NULL");
  EXPECT_C("CAST('' AS INT)", "NULL");
  EXPECT_C("CAST('1e3' AS DOUBLE)", "1000.0");
  EXPECT_C("CAST('-inf' AS DOUBLE)", "-Infinity");
  EXPECT_C("CAST('NaN' AS DOUBLE)", "NaN");
  EXPECT_C("CAST('0x10' AS DOUBLE)", "NULL");
  EXPECT_C("CAST('1.5' AS DECIMAL(10, 2))", "1.5");
  EXPECT_C("CAST('yes' AS BOOLEAN)", "true");
  EXPECT_C("CAST('F' AS BOOLEAN)", "false");
  EXPECT_C("CAST('maybe' AS BOOLEAN)", "NULL");
  EXPECT_C("CAST('2024-02-30' AS DATE)", "NULL");
  EXPECT_C("CAST('2024-02-29 10:00' AS DATE)", "2024-02-29");
  EXPECT_C("CAST('2024-2-3' AS DATE)", "2024-02-03");
  EXPECT_C("CAST('2024-01-01 25:00:00' AS TIMESTAMP)", "NULL");
  EXPECT_C("CAST('2024-01-01T01:02:03Z' AS TIMESTAMP)", "2024-01-01 01:02:03");
  EXPECT_C("CAST('abc' AS BINARY)", "abc");
  /* Numbers */
  EXPECT_C("CAST(1.9 AS INT)", "1");
  EXPECT_C("CAST(-1.9 AS BIGINT)", "-1");
  EXPECT_C("CAST(1e30 AS BIGINT)", "9223372036854775807");
  EXPECT_C("CAST(CAST('NaN' AS DOUBLE) AS BIGINT)", "0");
  EXPECT_C("CAST(3 AS DOUBLE)", "3.0");
  EXPECT_C("CAST(2 AS BOOLEAN)", "true");
  EXPECT_C("CAST(0.0 AS BOOLEAN)", "false");
  EXPECT_C("CAST(TRUE AS INT)", "1");
  EXPECT_C("CAST(FALSE AS DOUBLE)", "0.0");
  /* Date and time */
  EXPECT_C("CAST(86400 AS TIMESTAMP)", "1970-01-02 00:00:00");
  EXPECT_C("CAST(1.5 AS TIMESTAMP)", "1970-01-01 00:00:01.5");
  EXPECT_C("CAST(9223372036854775807 AS TIMESTAMP)", "NULL");
  EXPECT_C("CAST(TIMESTAMP '1969-12-31 23:59:59.5' AS BIGINT)", "-1");
  EXPECT_C("CAST(TIMESTAMP '1970-01-01 00:00:01.5' AS DOUBLE)", "1.5");
  EXPECT_C("CAST(TIMESTAMP '1969-12-31 23:00:00' AS DATE)", "1969-12-31");
  EXPECT_C("CAST(DATE '2024-01-01' AS TIMESTAMP)", "2024-01-01 00:00:00");
  EXPECT_C("try_cast('x' AS INT)", "NULL");
  /* Columns */
  EXPECT("CAST(id AS STRING)", "1|2|NULL|9223372036854775807|-9223372036854775808");
  EXPECT("CAST(name AS INT)", "NULL|NULL|NULL|NULL|NULL");
  EXPECT("CAST(amount AS BIGINT)", "10|NULL|-3|0|0");
  EXPECT("CAST(ts AS DATE)", "2024-01-01|NULL|2024-06-30|1970-01-01|2023-12-31");
  EXPECT("CAST(flag AS STRING)", "true|false|NULL|true|false");
  EXPECT("CAST(d AS TIMESTAMP) < ts", "true|NULL|true|false|true");
}

static void test_functions(void) {
  EXPECT("lower(name)", "alice|NULL||\xc3\xbc" "n\xc3\xaf" "code|bob_%");
  EXPECT("upper(name) = 'ALICE'", "true|NULL|false|false|false");
  EXPECT("length(name) + 1", "6|NULL|1|8|6");
  EXPECT("abs(n32)", "7|NULL|1|0|100");
  EXPECT_C("upper('x' || 'y')", "XY"); /* folded at compile time */
  EXPECT("split(user.email, '@')", "[a,x]|NULL|NULL|[b,y]|[b,y]");
  EXPECT_C("year(current_date())", "2024");
  EXPECT_C("current_timestamp()", "2024-05-06 07:08:09");
}

/* Results stay right when the batch starts at an offset and spans several slices. */
static void test_offset_and_slices(void) {
  struct ArrowArray sliced = g_arr;
  sliced.offset = 2;
  sliced.length = 3;
  CU_ASSERT_STRING_EQUAL(run_on("id", &g_schema, &sliced),
                         "NULL|9223372036854775807|-9223372036854775808");
  CU_ASSERT_STRING_EQUAL(run_on("user.email", &g_schema, &sliced), "NULL|b@y|b@y");
  CU_ASSERT_STRING_EQUAL(run_on("flag IS NULL", &g_schema, &sliced), "true|false|false");
  CU_ASSERT_STRING_EQUAL(run_on("name LIKE '%e'", &g_schema, &sliced), "false|true|false");
  CU_ASSERT_STRING_EQUAL(run_on("tags", &g_schema, &sliced), "[a,b]|[a,NULL,c]|[a,b,c,d]");
  CU_ASSERT_STRING_EQUAL(run_on("d", &g_schema, &sliced), "2024-02-29|1970-01-01|1969-12-31");

  /* 10000 rows: three slices; nulls every 7th row; offset 3 on the batch. */
  const int64_t n = 10003;
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *x = lf_builder_add_child(b, "l", "x");
  lf_builder *s = lf_builder_add_child(b, "u", "s");
  for (int64_t r = 0; r < n; r++) {
    lf_builder_append_struct(b);
    r % 7 == 0 ? lf_builder_append_null(x) : lf_builder_append_int64(x, r);
    char t[32];
    snprintf(t, sizeof t, "v%lld", (long long)(r % 10));
    lf_builder_append_cstr(s, t);
  }
  struct ArrowArray big;
  struct ArrowSchema bs;
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, &big, &bs, err0()), LF_OK);
  big.offset = 3;
  big.length = n - 3;
  const char *t = "x % 2 = 0 AND s IN ('v1', 'v2', 'v4')";
  lfh_expr *e = lfh_expr_compile(t, strlen(t), &bs, NULL, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  uint8_t *v = malloc((size_t)big.length);
  CU_ASSERT_EQUAL(lfh_expr_eval_predicate(e, &big, NULL, v, err0()), LF_OK);
  struct ArrowArray res;
  CU_ASSERT_EQUAL(lfh_expr_eval(e, &big, NULL, &res, err0()), LF_OK);
  int bad = 0;
  for (int64_t i = 0; i < big.length; i++) {
    int64_t r = i + 3;
    int sm = r % 10 == 1 || r % 10 == 2 || r % 10 == 4;
    int want = r % 7 == 0 ? (sm ? LFH_VERDICT_NULL : LFH_VERDICT_FALSE)
                          : (r % 2 == 0 && sm);
    if (v[i] != want) bad++;
    int valid = !res.buffers[0] || (((const uint8_t *)res.buffers[0])[i / 8] >> (i % 8) & 1);
    int val = ((const uint8_t *)res.buffers[1])[i / 8] >> (i % 8) & 1;
    if ((want == LFH_VERDICT_NULL) != !valid || (valid && val != want)) bad++;
  }
  CU_ASSERT_EQUAL(bad, 0);
  res.release(&res);
  free(v);
  lfh_expr_free(e);
  big.offset = 0;
  big.length = n;
  lf_array_release(&big);
  lf_schema_release(&bs);
}

static void test_result_schema(void) {
  static const struct {
    const char *text, *format;
    int nullable;
  } k[] = {{"id + 1", "l", 1},          {"1 + 2", "l", 0},
           {"id IS NULL", "b", 0},      {"amount / 2", "g", 1},
           {"name", "u", 1},            {"ts", "tsu:UTC", 1},
           {"d", "tdD", 1},             {"INTERVAL 1 DAY", "tDu", 0},
           {"NULL", "n", 1},            {"COALESCE(id, 0)", "l", 0},
           {"split(name, ',')", "+l", 1}, {"bin", "z", 1},
           {"id <=> 2", "b", 0}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    lfh_expr *e = lfh_expr_compile(k[i].text, strlen(k[i].text), &g_schema, NULL, err0());
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    struct ArrowSchema s;
    CU_ASSERT_EQUAL(lfh_expr_result_schema(e, "out", &s, err0()), LF_OK);
    CU_ASSERT_STRING_EQUAL(s.format, k[i].format);
    CU_ASSERT_STRING_EQUAL(s.name, "out");
    if (((s.flags & ARROW_FLAG_NULLABLE) != 0) != k[i].nullable)
      fprintf(stderr, "nullable of %s: %lld\n", k[i].text, (long long)s.flags);
    CU_ASSERT_EQUAL((s.flags & ARROW_FLAG_NULLABLE) != 0, k[i].nullable);
    lf_schema_release(&s);
    /* Every result also evaluates into an array of that format's layout. */
    struct ArrowArray a;
    CU_ASSERT_EQUAL(lfh_expr_eval(e, &g_arr, NULL, &a, err0()), LF_OK);
    CU_ASSERT_EQUAL(a.length, NROWS);
    a.release(&a);
    lfh_expr_free(e);
  }
  /* A predicate must be BOOLEAN. */
  lfh_expr *e = lfh_expr_compile("id", 2, &g_schema, NULL, err0());
  uint8_t v[NROWS];
  CU_ASSERT_EQUAL(lfh_expr_eval_predicate(e, &g_arr, NULL, v, err0()), LF_ERR_INVALID);
  CU_ASSERT_STRING_EQUAL(g_msg, "a predicate must be BOOLEAN, not BIGINT");
  lfh_expr_free(e);
}

static void test_empty_batch(void) {
  struct ArrowArray empty = g_arr;
  empty.length = 0;
  CU_ASSERT_STRING_EQUAL(run_on("id > 1 AND name LIKE 'a%'", &g_schema, &empty), "");
  CU_ASSERT_STRING_EQUAL(run_on("name || 'x'", &g_schema, &empty), "");
}

/* The table plugins get through lf_host.expr. */
static void test_api_table(void) {
  const struct lf_expr_api *api = lfh_expr_api();
  CU_ASSERT_PTR_NOT_NULL_FATAL(api);
  CU_ASSERT_EQUAL(api->struct_size, sizeof(struct lf_expr_api));
  lf_expr *e = NULL;
  CU_ASSERT_EQUAL(api->compile("evnt_ts > 1", &g_schema, &e, err0()), LF_ERR_INVALID);
  CU_ASSERT_PTR_NULL(e);
  CU_ASSERT_EQUAL(api->compile("amount >= 0 AND name IS NOT NULL", &g_schema, &e, err0()), LF_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  struct ArrowSchema s;
  CU_ASSERT_EQUAL(api->result_schema(e, "ok", &s, err0()), LF_OK);
  CU_ASSERT_STRING_EQUAL(s.format, "b");
  s.release(&s);
  uint8_t v[NROWS];
  CU_ASSERT_EQUAL(api->eval_predicate(e, &g_arr, 0, v, err0()), LF_OK);
  static const uint8_t want[NROWS] = {1, 0, 0, 1, 1}; /* NaN >= 0: NaN is the largest */
  CU_ASSERT_EQUAL(memcmp(v, want, NROWS), 0);
  struct ArrowArray a;
  CU_ASSERT_EQUAL(api->eval(e, &g_arr, 0, &a, err0()), LF_OK);
  CU_ASSERT_EQUAL(a.length, NROWS);
  CU_ASSERT_EQUAL(a.null_count, 0);
  a.release(&a);
  api->free(e);
  CU_ASSERT_EQUAL(api->compile("current_timestamp() = TIMESTAMP '2024-01-01 00:00:00'", &g_schema,
                               &e, err0()),
                  LF_OK);
  CU_ASSERT_EQUAL(api->eval_predicate(e, &g_arr, TS(2024, 1, 1, 0, 0, 0), v, err0()), LF_OK);
  CU_ASSERT_EQUAL(v[0], 1);
  CU_ASSERT_EQUAL(api->eval_predicate(e, &g_arr, TS(2024, 1, 1, 0, 0, 1), v, err0()), LF_OK);
  CU_ASSERT_EQUAL(v[0], 0);
  api->free(e);
}

int main(void) {
  build_batch();
  static const lfh_test_case cases[] = {{"columns", test_columns},
                                        {"nested columns and null structs", test_nested},
                                        {"literals", test_literals},
                                        {"arithmetic", test_arith},
                                        {"comparison", test_compare},
                                        {"three-valued logic", test_three_valued},
                                        {"IN and BETWEEN", test_in_between},
                                        {"LIKE and RLIKE", test_like},
                                        {"CASE and COALESCE", test_case_coalesce},
                                        {"CAST matrix", test_cast},
                                        {"function calls", test_functions},
                                        {"offsets and slices", test_offset_and_slices},
                                        {"result schemas", test_result_schema},
                                        {"empty batch", test_empty_batch},
                                        {"lf_expr_api table", test_api_table},
                                        {NULL, NULL}};
  int rc = lfh_test_run("expr_eval", cases);
  free_batch();
  return rc;
}
