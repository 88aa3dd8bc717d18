/* The string functions, called through the registry over hand-built vectors:
 * lower upper trim ltrim rtrim btrim length octet_length substr concat concat_ws. */
#include "test_expr_func.h"

#define S(...) ((const char *const[]){__VA_ARGS__})
#define I(...) ((const int64_t[]){__VA_ARGS__})

static void test_lower_upper(void) {
  fx x;
  fx_init(&x);
  lfh_vec a = fx_str(&x, 6, S("AbC xyz", NULL, "", "ÄÖÜ Ça Été", "\xff\xfe" "A", "日本 İa"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "lower", 1, &a), 0);
  CU_ASSERT(out_str(&x, 0, "abc xyz"));
  CU_ASSERT(out_null(&x, 1));
  CU_ASSERT(out_str(&x, 2, ""));
  CU_ASSERT(out_str(&x, 3, "äöü ça été"));
  CU_ASSERT(out_str(&x, 4, "\xff\xfe" "a")); /* invalid UTF-8 bytes kept */
  CU_ASSERT(out_str(&x, 5, "日本 ia"));       /* U+0130 lowers to i (Java adds U+0307) */
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "upper", 1, &a), 0);
  CU_ASSERT(out_str(&x, 0, "ABC XYZ"));
  CU_ASSERT(out_null(&x, 1));
  CU_ASSERT(out_str(&x, 3, "ÄÖÜ ÇA ÉTÉ"));
  CU_ASSERT(out_str(&x, 4, "\xff\xfe" "A"));
  lfh_vec ss = fx_str(&x, 1, S("straße"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "upper", 1, &ss), 0);
  CU_ASSERT(out_str(&x, 0, "STRAßE")); /* one code point to one (Java: STRASSE) */
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "ucase", 1, &a), 0);
  CU_ASSERT(out_str(&x, 0, "ABC XYZ"));
  /* Sliced input and a constant broadcast to 3 rows. */
  lfh_vec sl = fx_str_sliced(&x, 2, S("Mixed", "CASE"), 3);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "lcase", 1, &sl), 0);
  CU_ASSERT(out_str(&x, 0, "mixed"));
  CU_ASSERT(out_str(&x, 1, "case"));
  lfh_vec c = fx_cstr(&x, "Hi");
  x.rows = 3;
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "upper", 1, &c), 0);
  for (int r = 0; r < 3; r++) CU_ASSERT(out_str(&x, r, "HI"));
  lfh_vec n = fx_cnull(&x, LFH_TYPE_STRING);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "upper", 1, &n), 0);
  for (int r = 0; r < 3; r++) CU_ASSERT(out_null(&x, r));
  fx_done(&x);
}

static void test_string_arg_types(void) {
  fx x;
  fx_init(&x);
  lfh_vec b = fx_cnull(&x, LFH_TYPE_BOOLEAN);
  CU_ASSERT_EQUAL(fx_resolve(&x, "upper", 1, &b), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "upper: argument 1 must be STRING, got BOOLEAN"));
  lfh_vec args[3] = {fx_cnull(&x, LFH_TYPE_BOOLEAN), fx_cint(&x, 1), fx_cint(&x, 2)};
  CU_ASSERT_EQUAL(fx_resolve(&x, "substr", 3, args), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "substr: argument 1 must be STRING, got BOOLEAN"));
  /* Implicit casts Spark does: numbers and dates to STRING, strings to BIGINT. */
  lfh_vec num = fx_cint(&x, 42);
  CU_ASSERT_EQUAL(fx_resolve(&x, "lower", 1, &num), 0);
  CU_ASSERT_EQUAL(x.sig.cast[0], LFH_TYPE_STRING);
  CU_ASSERT_EQUAL(x.sig.ret, LFH_TYPE_STRING);
  lfh_vec sargs[2] = {fx_cstr(&x, "abc"), fx_cstr(&x, "2")};
  CU_ASSERT_EQUAL(fx_resolve(&x, "substr", 2, sargs), 0);
  CU_ASSERT_EQUAL(x.sig.cast[0], LFH_TYPE_STRING);
  CU_ASSERT_EQUAL(x.sig.cast[1], LFH_TYPE_BIGINT);
  lfh_vec nul;
  memset(&nul, 0, sizeof nul);
  nul.type = LFH_TYPE_NULL;
  CU_ASSERT_EQUAL(fx_resolve(&x, "length", 1, &nul), 0);
  CU_ASSERT_EQUAL(x.sig.cast[0], LFH_TYPE_STRING);
  CU_ASSERT_EQUAL(x.sig.ret, LFH_TYPE_BIGINT);
  lfh_vec cargs[3] = {fx_cstr(&x, "a"), fx_cint(&x, 1), fx_cnull(&x, LFH_TYPE_DATE)};
  CU_ASSERT_EQUAL(fx_resolve(&x, "concat", 3, cargs), 0);
  CU_ASSERT_EQUAL(x.sig.cast[1], LFH_TYPE_STRING);
  CU_ASSERT_EQUAL(x.sig.cast[2], LFH_TYPE_STRING);
  CU_ASSERT_PTR_NULL(lfh_func_lookup("no_such_function", 16));
  CU_ASSERT_PTR_NOT_NULL(lfh_func_lookup("UPPER", 5)); /* case-insensitive */
  CU_ASSERT_PTR_NULL(lfh_func_lookup("upp", 3));
  fx_done(&x);
}

static void test_trim(void) {
  fx x;
  fx_init(&x);
  lfh_vec a = fx_str(&x, 6, S("  a b  ", "\t a \t", "", "    ", NULL, "x"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "trim", 1, &a), 0);
  CU_ASSERT(out_str(&x, 0, "a b"));
  CU_ASSERT(out_str(&x, 1, "\t a \t")); /* only U+0020, as Spark */
  CU_ASSERT(out_str(&x, 2, ""));
  CU_ASSERT(out_str(&x, 3, ""));
  CU_ASSERT(out_null(&x, 4));
  CU_ASSERT(out_str(&x, 5, "x"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "ltrim", 1, &a), 0);
  CU_ASSERT(out_str(&x, 0, "a b  "));
  CU_ASSERT(out_str(&x, 3, ""));
  CU_ASSERT(out_null(&x, 4));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "rtrim", 1, &a), 0);
  CU_ASSERT(out_str(&x, 0, "  a b"));
  CU_ASSERT(out_str(&x, 3, ""));
  lfh_vec bt[2] = {fx_str(&x, 4, S("xxaxyx", "ééaé", "xyz", NULL)), fx_cstr(&x, "xyé")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "btrim", 2, bt), 0);
  CU_ASSERT(out_str(&x, 0, "a"));
  CU_ASSERT(out_str(&x, 1, "a"));
  CU_ASSERT(out_str(&x, 2, "z"));
  CU_ASSERT(out_null(&x, 3));
  lfh_vec bn[2] = {fx_str(&x, 1, S("xax")), fx_cnull(&x, LFH_TYPE_STRING)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "btrim", 2, bn), 0);
  CU_ASSERT(out_null(&x, 0));
  lfh_vec b1 = fx_str(&x, 1, S("  b "));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "btrim", 1, &b1), 0);
  CU_ASSERT(out_str(&x, 0, "b"));
  fx_done(&x);
}

static void test_length(void) {
  fx x;
  fx_init(&x);
  lfh_vec a = fx_str_sliced(&x, 6, S("héllo", "", NULL, "日本語", "😀!", "\xff\x80"), 2);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "length", 1, &a), 0);
  CU_ASSERT(out_int(&x, 0, 5));
  CU_ASSERT(out_int(&x, 1, 0));
  CU_ASSERT(out_null(&x, 2));
  CU_ASSERT(out_int(&x, 3, 3));
  CU_ASSERT(out_int(&x, 4, 2));
  CU_ASSERT(out_int(&x, 5, 1)); /* a stray continuation byte belongs to the lead before it */
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "char_length", 1, &a), 0);
  CU_ASSERT(out_int(&x, 0, 5));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "octet_length", 1, &a), 0);
  CU_ASSERT(out_int(&x, 0, 6));
  CU_ASSERT(out_int(&x, 3, 9));
  CU_ASSERT(out_null(&x, 2));
  lfh_vec b = fx_bin(&x, 2, S("héllo", NULL));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "length", 1, &b), 0);
  CU_ASSERT(out_int(&x, 0, 6)); /* BINARY: bytes */
  CU_ASSERT(out_null(&x, 1));
  fx_done(&x);
}

/* substr over one string with (pos, len) pairs; len INT64_MIN means "no len". */
static void check_substr(fx *x, const char *s, int64_t pos, int64_t len, const char *want) {
  lfh_vec args[3] = {fx_str(x, 1, S(s)), fx_cint(x, pos), fx_cint(x, len)};
  int n = len == INT64_MIN ? 2 : 3;
  CU_ASSERT_EQUAL_FATAL(fx_call(x, "substr", n, args), 0);
  if (!out_str(x, 0, want))
    fprintf(stderr, "    substr('%s', %lld, %lld)\n", s, (long long)pos, (long long)len);
  CU_ASSERT(out_str(x, 0, want));
}

static void test_substr(void) {
  fx x;
  fx_init(&x);
  const int64_t none = INT64_MIN;
  check_substr(&x, "Spark SQL", 5, none, "k SQL");
  check_substr(&x, "Spark SQL", -3, none, "SQL");
  check_substr(&x, "Spark SQL", 5, 1, "k");
  check_substr(&x, "Spark SQL", 0, 2, "Sp"); /* 0 counts as 1 */
  check_substr(&x, "Spark SQL", 1, 2, "Sp");
  check_substr(&x, "Spark SQL", -3, 2, "SQ");
  check_substr(&x, "Spark SQL", -10, 3, "Sp"); /* window [-1, 2) clipped */
  check_substr(&x, "Spark SQL", -20, 3, "");
  check_substr(&x, "Spark SQL", 9, none, "L");
  check_substr(&x, "Spark SQL", 10, none, "");
  check_substr(&x, "Spark SQL", 2, -1, "");
  check_substr(&x, "Spark SQL", 2, 0, "");
  check_substr(&x, "Spark SQL", 3, 100, "ark SQL");
  check_substr(&x, "", 1, 1, "");
  check_substr(&x, "", -1, none, "");
  check_substr(&x, "héllo wörld", 2, 4, "éllo");
  check_substr(&x, "héllo wörld", -4, 2, "ör");
  check_substr(&x, "日本語テキスト", -3, none, "キスト");
  check_substr(&x, "abc", INT64_MIN, INT64_MAX, "ab"); /* window [3 + MIN, 2) */
  check_substr(&x, "abc", INT64_MAX, INT64_MAX, "");
  check_substr(&x, "abc", 2, INT64_MAX, "bc");
  check_substr(&x, "abc", -2, INT64_MIN + 1, "");
  check_substr(&x, "abc", INT64_MIN, none, "ab"); /* as Spark: len defaults to MAX */
  fx_done(&x);
}

static void test_substr_columns(void) {
  fx x;
  fx_init(&x);
  /* Column positions and lengths, NULL in each argument, sliced strings. */
  lfh_vec args[3] = {fx_str_sliced(&x, 5, S("abcdef", "abcdef", NULL, "abcdef", "xyz"), 1),
                     fx_int(&x, 5, I(2, -2, 1, 1, 0), "11101"),
                     fx_int(&x, 5, I(3, 5, 1, 9, 2), "11110")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "substring", 3, args), 0);
  CU_ASSERT(out_str(&x, 0, "bcd"));
  CU_ASSERT(out_str(&x, 1, "ef"));
  CU_ASSERT(out_null(&x, 2));
  CU_ASSERT(out_null(&x, 3));
  CU_ASSERT(out_null(&x, 4));
  lfh_vec b[3] = {fx_bin(&x, 1, S("h\xc3\xa9llo")), fx_cint(&x, 2), fx_cint(&x, 2)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "substr", 3, b), 0);
  CU_ASSERT_EQUAL(x.out.type, LFH_TYPE_BINARY);
  CU_ASSERT(out_str(&x, 0, "\xc3\xa9")); /* BINARY: bytes */
  lfh_vec nl[2] = {fx_str(&x, 2, S("ab", "cd")), fx_cnull(&x, LFH_TYPE_BIGINT)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "substr", 2, nl), 0);
  CU_ASSERT(out_null(&x, 0));
  CU_ASSERT(out_null(&x, 1));
  fx_done(&x);
}

static void test_concat(void) {
  fx x;
  fx_init(&x);
  lfh_vec args[3] = {fx_str(&x, 4, S("a", "", NULL, "héllo")), fx_cstr(&x, "-"),
                     fx_str_sliced(&x, 4, S("b", "", "c", "wörld"), 2)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "concat", 3, args), 0);
  CU_ASSERT(out_str(&x, 0, "a-b"));
  CU_ASSERT(out_str(&x, 1, "-"));
  CU_ASSERT(out_null(&x, 2));
  CU_ASSERT(out_str(&x, 3, "héllo-wörld"));
  args[1] = fx_cnull(&x, LFH_TYPE_STRING);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "concat", 3, args), 0);
  for (int r = 0; r < 4; r++) CU_ASSERT(out_null(&x, r));
  x.rows = 2;
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "concat", 0, NULL), 0);
  CU_ASSERT(x.sig.never_null);
  CU_ASSERT(out_str(&x, 0, ""));
  CU_ASSERT(out_str(&x, 1, ""));
  x.rows = 0;
  lfh_vec bins[2] = {fx_bin(&x, 1, S("\x01")), fx_bin(&x, 1, S("\x02"))};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "concat", 2, bins), 0);
  CU_ASSERT_EQUAL(x.sig.ret, LFH_TYPE_BINARY);
  CU_ASSERT(out_str(&x, 0, "\x01\x02"));
  fx_done(&x);
}

static void test_concat_ws(void) {
  fx x;
  fx_init(&x);
  /* An array<string> argument: rows ["x", NULL, "y"] and [] */
  lfh_vec items = fx_str(&x, 3, S("x", NULL, "y"));
  lfh_vec arr;
  lfh_vec_alloc(x.arena, LFH_TYPE_ARRAY, 2, 0, &arr);
  int32_t *off = (int32_t *)arr.u.a.off;
  off[0] = 0, off[1] = 3, off[2] = 3;
  arr.u.a.items = &items;
  lfh_vec args[4] = {fx_cstr(&x, ","), fx_str(&x, 2, S("a", NULL)), arr,
                     fx_str(&x, 2, S("z", "w"))};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "concat_ws", 4, args), 0);
  CU_ASSERT(out_str(&x, 0, "a,x,y,z"));
  CU_ASSERT(out_str(&x, 1, "w")); /* NULL and the empty array skipped */
  lfh_vec sep[2] = {fx_str(&x, 2, S(NULL, "--")), fx_str(&x, 2, S("a", "b"))};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "concat_ws", 2, sep), 0);
  CU_ASSERT(out_null(&x, 0));
  CU_ASSERT(out_str(&x, 1, "b"));
  lfh_vec only = fx_cstr(&x, ";");
  x.rows = 1;
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "concat_ws", 1, &only), 0);
  CU_ASSERT(out_str(&x, 0, ""));
  fx_done(&x);
}

int main(void) {
  static const lfh_test_case cases[] = {{"lower/upper", test_lower_upper},
                                        {"argument types", test_string_arg_types},
                                        {"trim", test_trim},
                                        {"length", test_length},
                                        {"substr", test_substr},
                                        {"substr columns", test_substr_columns},
                                        {"concat", test_concat},
                                        {"concat_ws", test_concat_ws},
                                        {NULL, NULL}};
  return lfh_test_run("expr_func_string", cases);
}
