/* The numeric functions (abs round bround floor ceil greatest least) and the digests
 * (sha2 md5 sha1 crc32), called through the registry over hand-built vectors. */
#include "test_expr_func.h"

#define S(...) ((const char *const[]){__VA_ARGS__})
#define I(...) ((const int64_t[]){__VA_ARGS__})
#define D(...) ((const double[]){__VA_ARGS__})

static void test_abs(void) {
  fx x;
  fx_init(&x);
  lfh_vec i = fx_int(&x, 5, I(-5, 0, INT64_MAX, INT64_MIN, 7), "11110");
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "abs", 1, &i), 0);
  CU_ASSERT_EQUAL(x.sig.ret, LFH_TYPE_BIGINT);
  CU_ASSERT(out_int(&x, 0, 5));
  CU_ASSERT(out_int(&x, 1, 0));
  CU_ASSERT(out_int(&x, 2, INT64_MAX));
  CU_ASSERT(out_int(&x, 3, INT64_MIN)); /* wraps, as Java's Math.abs */
  CU_ASSERT(out_null(&x, 4));
  lfh_vec d = fx_dbl(&x, 5, D(-1.5, -0.0, NAN, -INFINITY, 2.0), "11110");
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "abs", 1, &d), 0);
  CU_ASSERT(out_dbl(&x, 0, 1.5));
  CU_ASSERT(out_dbl(&x, 1, 0.0));
  CU_ASSERT(out_dbl(&x, 2, NAN));
  CU_ASSERT(out_dbl(&x, 3, INFINITY));
  CU_ASSERT(out_null(&x, 4));
  lfh_vec iv = fx_i64(&x, LFH_TYPE_INTERVAL, 1, I(-3600000000), NULL);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "abs", 1, &iv), 0);
  CU_ASSERT(out_int(&x, 0, 3600000000));
  lfh_vec s = fx_cstr(&x, "-2.5");
  CU_ASSERT_EQUAL(fx_resolve(&x, "abs", 1, &s), 0);
  CU_ASSERT_EQUAL(x.sig.cast[0], LFH_TYPE_DOUBLE);
  lfh_vec b = fx_cnull(&x, LFH_TYPE_BOOLEAN);
  CU_ASSERT_EQUAL(fx_resolve(&x, "abs", 1, &b), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "abs: argument 1 must be DOUBLE, got BOOLEAN"));
  fx_done(&x);
}

static void check_round(fx *x, const char *fn, double v, int64_t d, double want) {
  lfh_vec args[2] = {fx_dbl(x, 1, &v, NULL), fx_cint(x, d)};
  CU_ASSERT_EQUAL_FATAL(fx_call(x, fn, 2, args), 0);
  if (!out_dbl(x, 0, want)) fprintf(stderr, "    %s(%.17g, %lld)\n", fn, v, (long long)d);
  CU_ASSERT(out_dbl(x, 0, want));
}

static void check_round_i(fx *x, const char *fn, int64_t v, int64_t d, int64_t want) {
  lfh_vec args[2] = {fx_int(x, 1, &v, NULL), fx_cint(x, d)};
  CU_ASSERT_EQUAL_FATAL(fx_call(x, fn, 2, args), 0);
  CU_ASSERT_EQUAL(x->sig.ret, LFH_TYPE_BIGINT);
  if (!out_int(x, 0, want)) fprintf(stderr, "    %s(%lld, %lld)\n", fn, (long long)v, (long long)d);
  CU_ASSERT(out_int(x, 0, want));
}

static void test_round(void) {
  fx x;
  fx_init(&x);
  check_round(&x, "round", 2.5, 0, 3.0);
  check_round(&x, "round", -2.5, 0, -3.0); /* HALF_UP: away from zero */
  check_round(&x, "round", 0.5, 0, 1.0);
  check_round(&x, "round", -0.4, 0, 0.0);  /* not -0.0: Spark goes through BigDecimal */
  check_round(&x, "round", 1.4999999, 0, 1.0);
  check_round(&x, "round", 2.675, 2, 2.68); /* the decimal 2.675, not the binary 2.67499.. */
  check_round(&x, "round", 1.005, 2, 1.01);
  check_round(&x, "round", 0.285, 2, 0.29);
  check_round(&x, "round", 8.345, 2, 8.35);
  check_round(&x, "round", 123456789.125, 2, 123456789.13);
  check_round(&x, "round", 0.1 + 0.2, 1, 0.3);
  check_round(&x, "round", 123.456, -1, 120.0);
  check_round(&x, "round", 125.0, -1, 130.0);
  check_round(&x, "round", -125.0, -1, -130.0);
  check_round(&x, "round", 1234567.891, -3, 1235000.0);
  check_round(&x, "round", 4503599627370495.5, 0, 4503599627370496.0);
  check_round(&x, "round", 1e300, 2, 1e300);
  check_round(&x, "round", 1e300, -299, 1e300);
  check_round(&x, "round", 4e299, -300, 0.0);
  check_round(&x, "round", 5e-324, 0, 0.0);
  check_round(&x, "round", 5e-324, 400, 5e-324);
  check_round(&x, "round", 3.14159, 1000, 3.14159);
  check_round(&x, "round", 3.14159, -1000, 0.0);
  check_round(&x, "round", NAN, 2, NAN);
  check_round(&x, "round", -INFINITY, 2, -INFINITY);
  check_round(&x, "bround", 2.5, 0, 2.0);
  check_round(&x, "bround", 3.5, 0, 4.0);
  check_round(&x, "bround", -2.5, 0, -2.0);
  check_round(&x, "bround", 1.005, 2, 1.0);
  check_round(&x, "bround", 0.125, 2, 0.12);
  check_round(&x, "bround", 0.135, 2, 0.14);
  check_round_i(&x, "round", 15, -1, 20);
  check_round_i(&x, "round", -15, -1, -20);
  check_round_i(&x, "round", 14, -1, 10);
  check_round_i(&x, "round", 123, 2, 123);
  check_round_i(&x, "round", 4, -1, 0);
  check_round_i(&x, "round", 123, -100, 0);
  check_round_i(&x, "round", INT64_MIN, 0, INT64_MIN);
  /* Overflow wraps as BigDecimal.longValue: 9223372036854775810 - 2^64 */
  check_round_i(&x, "round", INT64_MAX, -1, INT64_MIN + 2);
  check_round_i(&x, "round", 5000000000000000000, -19, (int64_t)UINT64_C(10000000000000000000));
  check_round_i(&x, "bround", 25, -1, 20);
  check_round_i(&x, "bround", 35, -1, 40);
  check_round_i(&x, "bround", -25, -1, -20);

  /* Default scale, NULL rows and a NULL scale. */
  lfh_vec v = fx_dbl(&x, 3, D(1.5, 0, -1.5), "101");
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "round", 1, &v), 0);
  CU_ASSERT(out_dbl(&x, 0, 2.0));
  CU_ASSERT(out_null(&x, 1));
  CU_ASSERT(out_dbl(&x, 2, -2.0));
  lfh_vec args[2] = {fx_dbl(&x, 2, D(1.5, 2.5), NULL), fx_cnull(&x, LFH_TYPE_BIGINT)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "round", 2, args), 0);
  CU_ASSERT(out_null(&x, 0));
  CU_ASSERT(out_null(&x, 1));
  /* The scale must be a constant. */
  lfh_vec col[2] = {fx_dbl(&x, 1, D(1.5), NULL), fx_int(&x, 1, I(1), NULL)};
  CU_ASSERT_EQUAL(fx_resolve(&x, "round", 2, col), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "round: argument 2 must be a constant integer"));
  fx_done(&x);
}

static void test_floor_ceil(void) {
  fx x;
  fx_init(&x);
  lfh_vec d = fx_dbl(&x, 7, D(1.5, -1.5, NAN, 1e20, -1e20, -0.0, 3), "1111110");
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "floor", 1, &d), 0);
  CU_ASSERT_EQUAL(x.sig.ret, LFH_TYPE_BIGINT);
  const int64_t fl[] = {1, -2, 0, INT64_MAX, INT64_MIN, 0};
  for (int r = 0; r < 6; r++) CU_ASSERT(out_int(&x, r, fl[r]));
  CU_ASSERT(out_null(&x, 6));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "ceil", 1, &d), 0);
  const int64_t ce[] = {2, -1, 0, INT64_MAX, INT64_MIN, 0};
  for (int r = 0; r < 6; r++) CU_ASSERT(out_int(&x, r, ce[r]));
  CU_ASSERT(out_null(&x, 6));
  lfh_vec i = fx_int(&x, 2, I(INT64_MIN, 5), "10");
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "ceiling", 1, &i), 0);
  CU_ASSERT(out_int(&x, 0, INT64_MIN));
  CU_ASSERT(out_null(&x, 1));
  fx_done(&x);
}

static void test_greatest_least(void) {
  fx x;
  fx_init(&x);
  lfh_vec a[3] = {fx_int(&x, 4, I(1, 0, 0, 9), "1001"), fx_cnull(&x, LFH_TYPE_BIGINT),
                  fx_int(&x, 4, I(3, -2, 0, -9), "1101")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "greatest", 3, a), 0);
  CU_ASSERT(out_int(&x, 0, 3));
  CU_ASSERT(out_int(&x, 1, -2)); /* NULLs skipped */
  CU_ASSERT(out_null(&x, 2));    /* all NULL */
  CU_ASSERT(out_int(&x, 3, 9));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "least", 3, a), 0);
  CU_ASSERT(out_int(&x, 0, 1));
  CU_ASSERT(out_int(&x, 1, -2));
  CU_ASSERT(out_null(&x, 2));
  CU_ASSERT(out_int(&x, 3, -9));
  lfh_vec d[2] = {fx_dbl(&x, 3, D(NAN, 1.0, -0.5), NULL), fx_dbl(&x, 3, D(5.0, NAN, -0.25), NULL)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "greatest", 2, d), 0);
  CU_ASSERT(out_dbl(&x, 0, NAN)); /* NaN is the largest, as Spark orders doubles */
  CU_ASSERT(out_dbl(&x, 1, NAN));
  CU_ASSERT(out_dbl(&x, 2, -0.25));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "least", 2, d), 0);
  CU_ASSERT(out_dbl(&x, 0, 5.0));
  CU_ASSERT(out_dbl(&x, 1, 1.0));
  CU_ASSERT(out_dbl(&x, 2, -0.5));
  lfh_vec s[3] = {fx_str(&x, 2, S("apple", NULL)), fx_str_sliced(&x, 2, S("banana", NULL), 1),
                  fx_cstr(&x, "Zebra")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "greatest", 3, s), 0);
  CU_ASSERT(out_str(&x, 0, "banana"));
  CU_ASSERT(out_str(&x, 1, "Zebra"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "least", 3, s), 0);
  CU_ASSERT(out_str(&x, 0, "Zebra")); /* byte order: 'Z' < 'a' */
  lfh_vec p[2] = {fx_str(&x, 1, S("ab")), fx_str(&x, 1, S("abc"))};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "greatest", 2, p), 0);
  CU_ASSERT(out_str(&x, 0, "abc"));
  /* Common types: BIGINT with DOUBLE → DOUBLE, DATE with TIMESTAMP → TIMESTAMP. */
  lfh_vec m[2] = {fx_cint(&x, 1), fx_dbl(&x, 1, D(2.5), NULL)};
  CU_ASSERT_EQUAL(fx_resolve(&x, "greatest", 2, m), 0);
  CU_ASSERT_EQUAL(x.sig.ret, LFH_TYPE_DOUBLE);
  CU_ASSERT_EQUAL(x.sig.cast[0], LFH_TYPE_DOUBLE);
  lfh_vec t[2] = {fx_cnull(&x, LFH_TYPE_DATE), fx_cnull(&x, LFH_TYPE_TIMESTAMP)};
  CU_ASSERT_EQUAL(fx_resolve(&x, "least", 2, t), 0);
  CU_ASSERT_EQUAL(x.sig.ret, LFH_TYPE_TIMESTAMP);
  lfh_vec bad[2] = {fx_cint(&x, 1), fx_cstr(&x, "2")};
  CU_ASSERT_EQUAL(fx_resolve(&x, "greatest", 2, bad), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "greatest: arguments must have a common type, got BIGINT and STRING"));
  lfh_vec dt[2] = {fx_dates(&x, 2, (const int32_t[]){5, -3}, NULL),
                   fx_dates(&x, 2, (const int32_t[]){2, 0}, "10")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "greatest", 2, dt), 0);
  CU_ASSERT(out_days(&x, 0, 5));
  CU_ASSERT(out_days(&x, 1, -3));
  fx_done(&x);
}

static void test_digests(void) {
  fx x;
  fx_init(&x);
  static const struct { int64_t bits; const char *hex; } abc[] = {
      {224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
      {256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {0, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358b"
            "aeca134c825a7"},
      {512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836b"
            "a3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"}};
  for (size_t k = 0; k < sizeof abc / sizeof abc[0]; k++) {
    lfh_vec args[2] = {fx_str(&x, 3, S("abc", NULL, "abc")), fx_cint(&x, abc[k].bits)};
    CU_ASSERT_EQUAL_FATAL(fx_call(&x, "sha2", 2, args), 0);
    CU_ASSERT(out_str(&x, 0, abc[k].hex));
    CU_ASSERT(out_null(&x, 1));
    CU_ASSERT(out_str(&x, 2, abc[k].hex));
  }
  /* Per-row bit lengths: unsupported or NULL ones give NULL, as Spark. */
  lfh_vec rows[2] = {fx_str(&x, 4, S("", "abc", "abc", "héllo")),
                     fx_int(&x, 4, I(256, 100, 0, 256), "1101")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "sha2", 2, rows), 0);
  CU_ASSERT(out_str(&x, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CU_ASSERT(out_null(&x, 1));
  CU_ASSERT(out_null(&x, 2));
  CU_ASSERT(out_str(&x, 3, "3c48591d8d098a4538f5e013dfcf406e948eac4d3277b10bf614e295d6068179"));
  lfh_vec bad[2] = {fx_str(&x, 1, S("abc")), fx_cint(&x, 100)};
  CU_ASSERT_EQUAL(fx_resolve(&x, "sha2", 2, bad), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "sha2: argument 2 must be one of 0, 224, 256, 384, 512"));
  lfh_vec nb[2] = {fx_str(&x, 1, S("abc")), fx_cnull(&x, LFH_TYPE_BIGINT)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "sha2", 2, nb), 0);
  CU_ASSERT(out_null(&x, 0));
  lfh_vec num[2] = {fx_cint(&x, 5), fx_cint(&x, 256)};
  CU_ASSERT_EQUAL(fx_resolve(&x, "sha2", 2, num), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "sha2: argument 1 must be STRING or BINARY, got BIGINT"));

  lfh_vec m = fx_str_sliced(&x, 3, S("", "abc", NULL), 2);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "md5", 1, &m), 0);
  CU_ASSERT(out_str(&x, 0, "d41d8cd98f00b204e9800998ecf8427e"));
  CU_ASSERT(out_str(&x, 1, "900150983cd24fb0d6963f7d28e17f72"));
  CU_ASSERT(out_null(&x, 2));
  lfh_vec b = fx_bin(&x, 1, S("\x01\xff"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "md5", 1, &b), 0);
  CU_ASSERT(out_str(&x, 0, "90b82cfd67e3a72ceb8d642b3085f86d"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "sha1", 1, &m), 0);
  CU_ASSERT(out_str(&x, 1, "a9993e364706816aba3e25717850c26c9cd0d89d"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "crc32", 1, &m), 0);
  CU_ASSERT(out_int(&x, 0, 0));
  CU_ASSERT(out_int(&x, 1, 891568578));
  CU_ASSERT(out_null(&x, 2));
  fx_done(&x);
}

int main(void) {
  static const lfh_test_case cases[] = {{"abs", test_abs},
                                        {"round/bround", test_round},
                                        {"floor/ceil", test_floor_ceil},
                                        {"greatest/least", test_greatest_least},
                                        {"sha2/md5/sha1/crc32", test_digests},
                                        {NULL, NULL}};
  return lfh_test_run("expr_func_math", cases);
}
