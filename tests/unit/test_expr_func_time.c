/* The date and time functions: parsing (ISO forms and Spark patterns), formatting,
 * fields, truncation, epoch seconds, the current time and date arithmetic. Expected
 * instants were computed independently (Python's datetime). */
#include "test_expr_func.h"

#define S(...) ((const char *const[]){__VA_ARGS__})
#define I(...) ((const int64_t[]){__VA_ARGS__})
#define NUL INT64_MIN /* expected NULL */

static const int64_t k_day = INT64_C(86400000000);

/* to_timestamp(s[, fmt]) on one row. */
static void check_ts(fx *x, const char *s, const char *fmt, int64_t want) {
  lfh_vec args[2] = {fx_str(x, 1, S(s)), fx_cstr(x, fmt)};
  CU_ASSERT_EQUAL_FATAL(fx_call(x, "to_timestamp", fmt ? 2 : 1, args), 0);
  int ok = want == NUL ? out_null(x, 0) : out_int(x, 0, want);
  if (!ok) fprintf(stderr, "    to_timestamp('%s', '%s')\n", s, fmt ? fmt : "");
  CU_ASSERT(ok);
}

static void test_to_timestamp_iso(void) {
  fx x;
  fx_init(&x);
  check_ts(&x, "2024-03-05", NULL, INT64_C(1709596800000000));
  check_ts(&x, "2024-03-05 10:11:12", NULL, INT64_C(1709633472000000));
  check_ts(&x, "2024-03-05T10:11:12.345Z", NULL, INT64_C(1709633472345000));
  check_ts(&x, "2024-03-05T10:11:12.123456789+05:30", NULL, INT64_C(1709613672123456));
  check_ts(&x, "2024-03-05T10:11:12.123456+0530", NULL, INT64_C(1709613672123456));
  check_ts(&x, " 2024-3-5 1:2:3 ", NULL, INT64_C(1709600523000000));
  check_ts(&x, "2024-03-05 10:11", NULL, INT64_C(1709633460000000));
  check_ts(&x, "2024-03-05 10:11:12 UTC", NULL, INT64_C(1709633472000000));
  check_ts(&x, "2024-03-05T10:11:12GMT+01:00", NULL, INT64_C(1709629872000000));
  check_ts(&x, "2024-03-05T10:11:12-00:00", NULL, INT64_C(1709633472000000));
  check_ts(&x, "1969-12-31 23:59:59.5", NULL, -500000);
  check_ts(&x, "1970-01-01 00:00:00", NULL, 0);
  check_ts(&x, "1900-01-01", NULL, INT64_C(-2208988800000000));
  check_ts(&x, "0001-01-01", NULL, INT64_C(-62135596800000000));
  check_ts(&x, "2024-02-29", NULL, INT64_C(19782) * k_day);
  check_ts(&x, "2024", NULL, INT64_C(19723) * k_day);
  check_ts(&x, "2024-02-30", NULL, NUL);
  check_ts(&x, "2023-02-29", NULL, NUL);
  check_ts(&x, "1900-02-29", NULL, NUL); /* not a leap year */
  check_ts(&x, "2024-13-01", NULL, NUL);
  check_ts(&x, "24-01-01", NULL, NUL);
  check_ts(&x, "2024-03-05 24:00:00", NULL, NUL);
  check_ts(&x, "2024-03-05 10:60", NULL, NUL);
  check_ts(&x, "2024-03-05Tx", NULL, NUL);
  check_ts(&x, "2024-03-05 10:11:12 Europe/Paris", NULL, NUL); /* UTC only */
  check_ts(&x, "2024-03-05 10:11:12+19:00", NULL, NUL);
  check_ts(&x, "garbage", NULL, NUL);
  check_ts(&x, "", NULL, NUL);
  /* Numbers are seconds since the epoch, as CAST in Spark. */
  lfh_vec n = fx_int(&x, 3, I(-1, 1704067200, INT64_MAX), NULL);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "to_timestamp", 1, &n), 0);
  CU_ASSERT(out_int(&x, 0, -1000000));
  CU_ASSERT(out_int(&x, 1, INT64_C(1704067200000000)));
  CU_ASSERT(out_null(&x, 2)); /* overflow */
  lfh_vec d = fx_dbl(&x, 1, (const double[]){1.5}, NULL);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "to_timestamp", 1, &d), 0);
  CU_ASSERT(out_int(&x, 0, 1500000));
  fx_done(&x);
}

static void test_to_timestamp_pattern(void) {
  fx x;
  fx_init(&x);
  check_ts(&x, "05/03/2024 10:11", "dd/MM/yyyy HH:mm", INT64_C(1709633460000000));
  check_ts(&x, "2024-03-05 10:11:12.5", "yyyy-MM-dd HH:mm:ss.SSS", INT64_C(1709633472500000));
  check_ts(&x, "2024-03-05 10:11:12.123456", "yyyy-MM-dd HH:mm:ss.SSSSSS", INT64_C(1709633472123456));
  check_ts(&x, "20240305", "yyyyMMdd", INT64_C(1709596800000000));
  check_ts(&x, "Mar 5, 2024 3:04 PM", "MMM d, yyyy h:mm a", INT64_C(1709651040000000));
  check_ts(&x, "mar 5, 2024 12:04 am", "MMM d, yyyy h:mm a", INT64_C(1709596800000000) + 240000000);
  check_ts(&x, "Tuesday, 05 March 2024", "EEEE, dd MMMM yyyy", INT64_C(1709596800000000));
  check_ts(&x, "2024-03-05T10:11:12+0200", "yyyy-MM-dd'T'HH:mm:ssZ", INT64_C(1709626272000000));
  check_ts(&x, "2024-03-05T10:11:12Z", "yyyy-MM-dd'T'HH:mm:ssXXX", INT64_C(1709633472000000));
  check_ts(&x, "2024-03-05T10:11:12+02:00", "yyyy-MM-dd'T'HH:mm:ssXXX", INT64_C(1709626272000000));
  check_ts(&x, "2024-03-05 10:11:12 UTC", "yyyy-MM-dd HH:mm:ss z", INT64_C(1709633472000000));
  check_ts(&x, "2024-065", "yyyy-DDD", INT64_C(1709596800000000));
  check_ts(&x, "2023-366", "yyyy-DDD", NUL);
  check_ts(&x, "12:30", "HH:mm", INT64_C(45000000000)); /* date fields default to 1970-01-01 */
  check_ts(&x, "24-03-05", "yy-MM-dd", INT64_C(1709596800000000));
  check_ts(&x, "2024-03-05", "yyyy-MM-dd[ HH:mm]", INT64_C(1709596800000000));
  check_ts(&x, "2024-03-05 10:11", "yyyy-MM-dd[ HH:mm]", INT64_C(1709633460000000));
  check_ts(&x, "o'clock 5", "'o''clock' H", INT64_C(18000000000));
  check_ts(&x, "2024-03-05", "yyyy-MM-dd HH", NUL);
  check_ts(&x, "2024-03-05 extra", "yyyy-MM-dd", NUL);
  check_ts(&x, "2024-3-5", "yyyy-MM-dd", NUL); /* MM and dd take two digits */
  check_ts(&x, "2024-3-5", "yyyy-M-d", INT64_C(1709596800000000));
  check_ts(&x, "2023-02-29", "yyyy-MM-dd", NUL);
  check_ts(&x, "2024-02-29", "yyyy-MM-dd", INT64_C(19782) * k_day);
  check_ts(&x, "13:00 PM", "hh:mm a", NUL);
  check_ts(&x, "1969-12-31 23:59:59", "yyyy-MM-dd HH:mm:ss", -1000000);

  /* Bad constant patterns fail at compile time, naming the problem. */
  static const struct { const char *fmt, *msg; } bad[] = {
      {"yyyy-bb", "unsupported datetime pattern letter 'b'"},
      {"'open", "unterminated quote"},
      {"MMMMM", "too many pattern letters 'M'"},
      {"yyyy]", "']' without '['"},
      {"[yyyy", "'[' without ']'"},
      {"yyyy-MM-ddTHH", "unsupported datetime pattern letter 'T'"}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    lfh_vec args[2] = {fx_str(&x, 1, S("x")), fx_cstr(&x, bad[k].fmt)};
    CU_ASSERT_EQUAL(fx_resolve(&x, "to_timestamp", 2, args), LF_ERR_INVALID);
    CU_ASSERT(msg_has(&x, bad[k].msg));
  }
  /* Per-row patterns: a NULL or invalid one gives a NULL row. */
  lfh_vec rows[2] = {fx_str(&x, 4, S("2024", "2024", "2024", NULL)),
                     fx_str(&x, 4, S("yyyy", NULL, "yyyy-bb", "yyyy"))};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "to_timestamp", 2, rows), 0);
  CU_ASSERT(out_int(&x, 0, INT64_C(19723) * k_day));
  CU_ASSERT(out_null(&x, 1));
  CU_ASSERT(out_null(&x, 2));
  CU_ASSERT(out_null(&x, 3));
  /* A NULL constant pattern. */
  lfh_vec np[2] = {fx_str(&x, 1, S("2024")), fx_cnull(&x, LFH_TYPE_STRING)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "to_timestamp", 2, np), 0);
  CU_ASSERT(out_null(&x, 0));
  fx_done(&x);
}

static void test_to_date(void) {
  fx x;
  fx_init(&x);
  lfh_vec s = fx_str_sliced(&x, 7,
                            S("2024-02-29", "2024-02-29 23:59:59", "2024-02-29T10:00", "2024-02-30",
                              NULL, " 1969-12-31 ", "2024-02-29x"),
                            2);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "to_date", 1, &s), 0);
  CU_ASSERT(out_days(&x, 0, 19782));
  CU_ASSERT(out_days(&x, 1, 19782)); /* a time part is ignored, as CAST AS DATE */
  CU_ASSERT(out_days(&x, 2, 19782));
  CU_ASSERT(out_null(&x, 3));
  CU_ASSERT(out_null(&x, 4));
  CU_ASSERT(out_days(&x, 5, -1));
  CU_ASSERT(out_null(&x, 6));
  lfh_vec ts = fx_i64(&x, LFH_TYPE_TIMESTAMP, 3, I(-1, 0, INT64_C(19782) * k_day + 5), "111");
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "to_date", 1, &ts), 0);
  CU_ASSERT(out_days(&x, 0, -1));
  CU_ASSERT(out_days(&x, 1, 0));
  CU_ASSERT(out_days(&x, 2, 19782));
  lfh_vec f[2] = {fx_str(&x, 2, S("29.02.2024", "31.02.2024")), fx_cstr(&x, "dd.MM.yyyy")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "to_date", 2, f), 0);
  CU_ASSERT(out_days(&x, 0, 19782));
  CU_ASSERT(out_null(&x, 1));
  lfh_vec num = fx_cint(&x, 5);
  CU_ASSERT_EQUAL(fx_resolve(&x, "to_date", 1, &num), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "to_date: argument 1 must be STRING, DATE or TIMESTAMP, got BIGINT"));
  fx_done(&x);
}

/* date_format(ts, fmt) on one instant. */
static void check_fmt(fx *x, int64_t us, const char *fmt, const char *want) {
  lfh_vec args[2] = {fx_i64(x, LFH_TYPE_TIMESTAMP, 1, &us, NULL), fx_cstr(x, fmt)};
  CU_ASSERT_EQUAL_FATAL(fx_call(x, "date_format", 2, args), 0);
  if (!out_str(x, 0, want)) fprintf(stderr, "    date_format(%lld, '%s')\n", (long long)us, fmt);
  CU_ASSERT(out_str(x, 0, want));
}

static void test_date_format(void) {
  fx x;
  fx_init(&x);
  const int64_t t = INT64_C(1715780730123456); /* 2024-05-15 13:45:30.123456, a Wednesday */
  check_fmt(&x, t, "yyyy-MM-dd HH:mm:ss", "2024-05-15 13:45:30");
  check_fmt(&x, t, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-05-15T13:45:30.123Z");
  check_fmt(&x, t, "EEE, d MMM yyyy", "Wed, 15 May 2024");
  check_fmt(&x, t, "EEEE MMMM", "Wednesday May");
  check_fmt(&x, t, "h:mm a", "1:45 PM");
  check_fmt(&x, t, "K k hh", "1 13 01");
  check_fmt(&x, t, "D DDD yy M", "136 136 24 5");
  check_fmt(&x, t, "SSSSSS S SSSSSSSSS", "123456 1 123456000");
  check_fmt(&x, t, "Q qq QQQ", "2 02 Q2");
  check_fmt(&x, t, "X xxx Z ZZZZ z zzzz VV", "Z +00:00 +0000 GMT UTC Coordinated Universal Time UTC");
  check_fmt(&x, t, "[yyyy] 'quoted '' text'", "2024 quoted ' text");
  check_fmt(&x, -1, "yyyy-MM-dd HH:mm:ss.SSSSSS", "1969-12-31 23:59:59.999999");
  check_fmt(&x, 0, "yyyy-MM-dd HH:mm:ss EEEE", "1970-01-01 00:00:00 Thursday");
  check_fmt(&x, INT64_C(-62135596800000000), "yyyy-MM-dd", "0001-01-01");
  check_fmt(&x, INT64_C(-62135596800000000) - k_day, "yyyy-MM-dd", "0000-12-31");
  check_fmt(&x, INT64_C(2932897) * k_day, "yyyy-MM-dd", "+10000-01-01");
  check_fmt(&x, INT64_C(19782) * k_day + 1, "dd MMM yyyy h:mm:ss a", "29 Feb 2024 12:00:00 AM");
  /* NULL instants and per-row patterns. */
  lfh_vec args[2] = {fx_i64(&x, LFH_TYPE_TIMESTAMP, 3, I(0, 0, 0), "110"),
                     fx_str(&x, 3, S("yyyy", NULL, "yyyy"))};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "date_format", 2, args), 0);
  CU_ASSERT(out_str(&x, 0, "1970"));
  CU_ASSERT(out_null(&x, 1));
  CU_ASSERT(out_null(&x, 2));
  /* Strings and dates are cast to TIMESTAMP by the engine. */
  lfh_vec s[2] = {fx_cstr(&x, "2024-01-01"), fx_cstr(&x, "yyyy")};
  CU_ASSERT_EQUAL(fx_resolve(&x, "date_format", 2, s), 0);
  CU_ASSERT_EQUAL(x.sig.cast[0], LFH_TYPE_TIMESTAMP);
  fx_done(&x);
}

static void test_fields(void) {
  fx x;
  fx_init(&x);
  /* 2024-02-29 (Thursday), 1969-12-31 (Wednesday), 2021-01-03 (Sunday, ISO week 53 of
   * 2020), 2020-12-31, 2026-01-01 (ISO week 1), NULL */
  lfh_vec d = fx_dates(&x, 6, (const int32_t[]){19782, -1, 18630, 18627, 20454, 0}, "111110");
  static const struct { const char *fn; int64_t want[5]; } cases[] = {
      {"year", {2024, 1969, 2021, 2020, 2026}},  {"month", {2, 12, 1, 12, 1}},
      {"day", {29, 31, 3, 31, 1}},               {"dayofmonth", {29, 31, 3, 31, 1}},
      {"quarter", {1, 4, 1, 4, 1}},              {"dayofweek", {5, 4, 1, 5, 5}},
      {"weekday", {3, 2, 6, 3, 3}},              {"dayofyear", {60, 365, 3, 366, 1}},
      {"weekofyear", {9, 1, 53, 53, 1}}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    CU_ASSERT_EQUAL_FATAL(fx_call(&x, cases[k].fn, 1, &d), 0);
    for (int r = 0; r < 5; r++) CU_ASSERT(out_int(&x, r, cases[k].want[r]));
    CU_ASSERT(out_null(&x, 5));
  }
  /* TIMESTAMP arguments directly (UTC), including before the epoch. */
  lfh_vec ts = fx_i64(&x, LFH_TYPE_TIMESTAMP, 2, I(-1, INT64_C(1715780730123456)), NULL);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "year", 1, &ts), 0);
  CU_ASSERT(out_int(&x, 0, 1969));
  CU_ASSERT(out_int(&x, 1, 2024));
  static const struct { const char *fn; int64_t want[2]; } tcases[] = {
      {"hour", {23, 13}}, {"minute", {59, 45}}, {"second", {59, 30}}};
  for (size_t k = 0; k < sizeof tcases / sizeof tcases[0]; k++) {
    CU_ASSERT_EQUAL_FATAL(fx_call(&x, tcases[k].fn, 1, &ts), 0);
    CU_ASSERT(out_int(&x, 0, tcases[k].want[0]));
    CU_ASSERT(out_int(&x, 1, tcases[k].want[1]));
  }
  /* Strings are cast by the engine: to DATE for year(), to TIMESTAMP for hour(). */
  lfh_vec s = fx_cstr(&x, "2024-01-01 10:00:00");
  CU_ASSERT_EQUAL(fx_resolve(&x, "year", 1, &s), 0);
  CU_ASSERT_EQUAL(x.sig.cast[0], LFH_TYPE_DATE);
  CU_ASSERT_EQUAL(fx_resolve(&x, "hour", 1, &s), 0);
  CU_ASSERT_EQUAL(x.sig.cast[0], LFH_TYPE_TIMESTAMP);
  lfh_vec b = fx_cnull(&x, LFH_TYPE_BOOLEAN);
  CU_ASSERT_EQUAL(fx_resolve(&x, "month", 1, &b), LF_ERR_INVALID);
  fx_done(&x);
}

static void test_trunc(void) {
  fx x;
  fx_init(&x);
  const int64_t t = INT64_C(1715780730123456); /* 2024-05-15 13:45:30.123456, a Wednesday */
  static const struct { const char *unit; int64_t want; } cases[] = {
      {"YEAR", INT64_C(19723) * k_day},    {"yyyy", INT64_C(19723) * k_day},
      {"yy", INT64_C(19723) * k_day},      {"QUARTER", INT64_C(19814) * k_day},
      {"MONTH", INT64_C(19844) * k_day},   {"mm", INT64_C(19844) * k_day},
      {"MON", INT64_C(19844) * k_day},     {"WEEK", INT64_C(19856) * k_day},
      {"DAY", INT64_C(19858) * k_day},     {"dd", INT64_C(19858) * k_day},
      {"HOUR", INT64_C(1715778000000000)}, {"MINUTE", INT64_C(1715780700000000)},
      {"SECOND", INT64_C(1715780730000000)}, {"MILLISECOND", INT64_C(1715780730123000)},
      {"MICROSECOND", t}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    lfh_vec args[2] = {fx_cstr(&x, cases[k].unit), fx_i64(&x, LFH_TYPE_TIMESTAMP, 2, I(t, 0), "10")};
    CU_ASSERT_EQUAL_FATAL(fx_call(&x, "date_trunc", 2, args), 0);
    if (!out_int(&x, 0, cases[k].want)) fprintf(stderr, "    unit %s\n", cases[k].unit);
    CU_ASSERT(out_int(&x, 0, cases[k].want));
    CU_ASSERT(out_null(&x, 1));
  }
  /* Before the epoch: truncation goes down, not toward zero. */
  lfh_vec neg[2] = {fx_str(&x, 4, S("DAY", "HOUR", "fortnight", NULL)),
                    fx_i64(&x, LFH_TYPE_TIMESTAMP, 4, I(-1, -1, -1, -1), NULL)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "date_trunc", 2, neg), 0);
  CU_ASSERT(out_int(&x, 0, -k_day));
  CU_ASSERT(out_int(&x, 1, -3600000000));
  CU_ASSERT(out_null(&x, 2)); /* per-row unknown unit: NULL */
  CU_ASSERT(out_null(&x, 3));
  lfh_vec bad[2] = {fx_cstr(&x, "fortnight"), fx_cnull(&x, LFH_TYPE_TIMESTAMP)};
  CU_ASSERT_EQUAL(fx_resolve(&x, "date_trunc", 2, bad), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "date_trunc: unknown unit 'fortnight'"));
  lfh_vec min[2] = {fx_cstr(&x, "YEAR"), fx_i64(&x, LFH_TYPE_TIMESTAMP, 1, I(INT64_MIN + 1), NULL)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "date_trunc", 2, min), 0);
  CU_ASSERT(out_null(&x, 0)); /* the start of that year is not representable */

  lfh_vec d[2] = {fx_dates(&x, 3, (const int32_t[]){19858, 19782, 0}, "110"), fx_cstr(&x, "MM")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "trunc", 2, d), 0);
  CU_ASSERT(out_days(&x, 0, 19844));
  CU_ASSERT(out_days(&x, 1, 19754)); /* 2024-02-01 */
  CU_ASSERT(out_null(&x, 2));
  d[1] = fx_cstr(&x, "DAY");
  CU_ASSERT_EQUAL(fx_resolve(&x, "trunc", 2, d), LF_ERR_INVALID); /* not a trunc() unit */
  fx_done(&x);
}

static void test_epoch_seconds(void) {
  fx x;
  fx_init(&x);
  x.now_us = -1500000; /* 1969-12-31 23:59:58.5 */
  x.rows = 2;
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "unix_timestamp", 0, NULL), 0);
  CU_ASSERT(x.sig.never_null);
  CU_ASSERT(out_int(&x, 0, -2)); /* floor, not truncation */
  CU_ASSERT(out_int(&x, 1, -2));
  x.rows = 0;
  lfh_vec s = fx_str(&x, 4, S("2024-01-01 00:00:00", "2024-01-01", NULL, "1969-12-31 23:59:59"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "unix_timestamp", 1, &s), 0);
  CU_ASSERT(out_int(&x, 0, 1704067200));
  CU_ASSERT(out_null(&x, 1)); /* the default pattern wants the time too */
  CU_ASSERT(out_null(&x, 2));
  CU_ASSERT(out_int(&x, 3, -1));
  lfh_vec f[2] = {fx_str(&x, 1, S("2024-01-01")), fx_cstr(&x, "yyyy-MM-dd")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "to_unix_timestamp", 2, f), 0);
  CU_ASSERT(out_int(&x, 0, 1704067200));
  lfh_vec ts = fx_i64(&x, LFH_TYPE_TIMESTAMP, 2, I(-1, 1999999), NULL);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "unix_timestamp", 1, &ts), 0);
  CU_ASSERT(out_int(&x, 0, -1));
  CU_ASSERT(out_int(&x, 1, 1));
  lfh_vec d = fx_dates(&x, 1, (const int32_t[]){-1}, NULL);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "unix_timestamp", 1, &d), 0);
  CU_ASSERT(out_int(&x, 0, -86400));

  lfh_vec sec = fx_int(&x, 5, I(0, -1, 1704067200, INT64_C(9000000000000000000), 0), "11110");
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "from_unixtime", 1, &sec), 0);
  CU_ASSERT(out_str(&x, 0, "1970-01-01 00:00:00"));
  CU_ASSERT(out_str(&x, 1, "1969-12-31 23:59:59"));
  CU_ASSERT(out_str(&x, 2, "2024-01-01 00:00:00"));
  CU_ASSERT(out_null(&x, 3)); /* beyond the TIMESTAMP range */
  CU_ASSERT(out_null(&x, 4));
  lfh_vec fs[2] = {fx_int(&x, 1, I(1704067200), NULL), fx_cstr(&x, "yyyy/MM/dd EEE")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "from_unixtime", 2, fs), 0);
  CU_ASSERT(out_str(&x, 0, "2024/01/01 Mon"));
  fx_done(&x);
}

static void test_now_and_arithmetic(void) {
  fx x;
  fx_init(&x);
  x.now_us = INT64_C(1709633472345000); /* 2024-03-05 10:11:12.345 */
  x.rows = 3;
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "current_timestamp", 0, NULL), 0);
  CU_ASSERT(x.sig.never_null);
  for (int r = 0; r < 3; r++) CU_ASSERT(out_int(&x, r, x.now_us));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "now", 0, NULL), 0);
  CU_ASSERT(out_int(&x, 2, x.now_us));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "current_date", 0, NULL), 0);
  CU_ASSERT_EQUAL(x.out.type, LFH_TYPE_DATE);
  for (int r = 0; r < 3; r++) CU_ASSERT(out_days(&x, r, 19787));
  x.now_us = -1;
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "current_date", 0, NULL), 0);
  CU_ASSERT(out_days(&x, 0, -1));
  x.rows = 0;

  lfh_vec a[2] = {fx_dates(&x, 4, (const int32_t[]){19781, 19782, 0, INT32_MAX}, "1101"),
                  fx_int(&x, 4, I(1, -366, 1, 1), NULL)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "date_add", 2, a), 0);
  CU_ASSERT(out_days(&x, 0, 19782)); /* 2024-02-28 + 1 = 2024-02-29 */
  CU_ASSERT(out_days(&x, 1, 19416));
  CU_ASSERT(out_null(&x, 2));
  CU_ASSERT(out_null(&x, 3)); /* overflow */
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "date_sub", 2, a), 0);
  CU_ASSERT(out_days(&x, 0, 19780));
  lfh_vec dd[2] = {fx_dates(&x, 2, (const int32_t[]){19782, -1}, NULL),
                   fx_dates(&x, 2, (const int32_t[]){19723, 0}, "10")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "datediff", 2, dd), 0);
  CU_ASSERT(out_int(&x, 0, 59));
  CU_ASSERT(out_null(&x, 1));
  fx_done(&x);
}

int main(void) {
  static const lfh_test_case cases[] = {{"to_timestamp ISO forms", test_to_timestamp_iso},
                                        {"to_timestamp patterns", test_to_timestamp_pattern},
                                        {"to_date", test_to_date},
                                        {"date_format", test_date_format},
                                        {"fields", test_fields},
                                        {"date_trunc/trunc", test_trunc},
                                        {"unix_timestamp/from_unixtime", test_epoch_seconds},
                                        {"current time, date arithmetic", test_now_and_arithmetic},
                                        {NULL, NULL}};
  return lfh_test_run("expr_func_time", cases);
}
