/* The regular-expression functions (regexp_like rlike regexp_extract regexp_replace
 * split), including the Java-to-POSIX translation and its refusals. */
#include "test_expr_func.h"

#define S(...) ((const char *const[]){__VA_ARGS__})
#define I(...) ((const int64_t[]){__VA_ARGS__})

/* regexp_like(s, pattern) on one row. -1 for NULL, -2 when the pattern is refused. */
static int like1(fx *x, const char *s, const char *pattern) {
  lfh_vec args[2] = {fx_str(x, 1, S(s)), fx_cstr(x, pattern)};
  if (fx_call(x, "regexp_like", 2, args) != 0) return -2;
  return fx_valid(&x->out, 0) ? x->out.u.b[0] : -1;
}

static void test_like(void) {
  fx x;
  fx_init(&x);
  CU_ASSERT_EQUAL(like1(&x, "abc123", "\\d+"), 1);
  CU_ASSERT_EQUAL(like1(&x, "abcdef", "\\d"), 0);
  CU_ASSERT_EQUAL(like1(&x, "abc", "^a.c$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "a\nc", "a.c"), 0); /* Java's '.' stops at line ends */
  CU_ASSERT_EQUAL(like1(&x, "a\nc", "(?s)a.c"), 1);
  CU_ASSERT_EQUAL(like1(&x, "ABC", "(?i)abc"), 1);
  CU_ASSERT_EQUAL(like1(&x, "ABC", "abc"), 0);
  CU_ASSERT_EQUAL(like1(&x, "hello world", "o w"), 1); /* literal: memmem */
  CU_ASSERT_EQUAL(like1(&x, "hello world", "o  w"), 0);
  CU_ASSERT_EQUAL(like1(&x, "x", ""), 1);
  CU_ASSERT_EQUAL(like1(&x, "", ""), 1);
  CU_ASSERT_EQUAL(like1(&x, "v1.2", "^v[\\d.]+$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "abc", "^[^\\s]+$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "a c", "^[^\\s]+$"), 0);
  CU_ASSERT_EQUAL(like1(&x, "a\tc", "\\S\\s\\S"), 1);
  CU_ASSERT_EQUAL(like1(&x, "joe_1@example.com", "^\\w+@\\w+\\.com$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "joe@examplexcom", "^\\w+@\\w+\\.com$"), 0);
  CU_ASSERT_EQUAL(like1(&x, "a-b", "^\\W*a\\Wb\\D*$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "-", "^[]a-]$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "]", "^[]a-]$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "b", "^[]a-]$"), 0);
  CU_ASSERT_EQUAL(like1(&x, "^", "^[\\^x]$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "^", "^[\\^]$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "a", "^[^^]$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "-", "^[a\\-z]$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "b", "^[a\\-z]$"), 0);
  CU_ASSERT_EQUAL(like1(&x, "[", "^[\\[\\]]$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "a.b", "^\\Qa.b\\E$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "axb", "^\\Qa.b\\E$"), 0);
  CU_ASSERT_EQUAL(like1(&x, "A\xc3\xa9", "^\\x41\\u00e9$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "a cat sat", "\\bcat\\b"), 1);
  CU_ASSERT_EQUAL(like1(&x, "concat", "\\bcat\\b"), 0);
  CU_ASSERT_EQUAL(like1(&x, "Abc", "^\\p{Upper}\\p{Lower}+$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "abab", "^(?:ab){2}$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "xyxy", "^(x)(y)\\1\\2$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "line1\nline2", "(?m)^line2$"), 1);
  CU_ASSERT_EQUAL(like1(&x, "a|b", "a\\|b"), 1); /* escaped literal: memmem */
  CU_ASSERT_EQUAL(like1(&x, NULL, "a"), -1);

  /* Refused: Java-only syntax, malformed patterns, non-constant patterns. */
  static const char *const refused[] = {"a*?", "a+?", "a++", "(?=x)", "(?<!x)y", "(?>x)",
                                        "(?i:x)", "\\p{Foo}", "[\\D]", "[[a]]", "a{2",
                                        "(", "[abc", "\\", "\\k<x>", "[é]", "\\0", "(?x)a"};
  for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
    lfh_vec args[2] = {fx_str(&x, 1, S("x")), fx_cstr(&x, refused[k])};
    CU_ASSERT_EQUAL(fx_resolve(&x, "regexp_like", 2, args), LF_ERR_INVALID);
    if (!msg_has(&x, "regexp_like: regular expression")) fprintf(stderr, "    %s\n", refused[k]);
  }
  lfh_vec col[2] = {fx_str(&x, 1, S("x")), fx_str(&x, 1, S("x"))};
  CU_ASSERT_EQUAL(fx_resolve(&x, "rlike", 2, col), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "regexp_like: argument 2 must be a constant string"));

  /* A NULL pattern constant: every row NULL. Column of rows, sliced. */
  lfh_vec n[2] = {fx_str_sliced(&x, 3, S("a", "b", NULL), 2), fx_cnull(&x, LFH_TYPE_STRING)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "rlike", 2, n), 0);
  for (int r = 0; r < 3; r++) CU_ASSERT(out_null(&x, r));
  n[1] = fx_cstr(&x, "^[ab]$");
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "regexp", 2, n), 0);
  CU_ASSERT(out_bool(&x, 0, 1));
  CU_ASSERT(out_bool(&x, 1, 1));
  CU_ASSERT(out_null(&x, 2));
  fx_done(&x);
}

static void test_extract(void) {
  fx x;
  fx_init(&x);
  lfh_vec a[3] = {fx_str(&x, 4, S("100-200", "foo", NULL, "7-8")), fx_cstr(&x, "(\\d+)-(\\d+)"),
                  fx_cint(&x, 2)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "regexp_extract", 3, a), 0);
  CU_ASSERT(out_str(&x, 0, "200"));
  CU_ASSERT(out_str(&x, 1, "")); /* no match: '' as Spark */
  CU_ASSERT(out_null(&x, 2));
  CU_ASSERT(out_str(&x, 3, "8"));
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "regexp_extract", 2, a), 0); /* default group 1 */
  CU_ASSERT(out_str(&x, 0, "100"));
  a[2] = fx_cint(&x, 0);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "regexp_extract", 3, a), 0);
  CU_ASSERT(out_str(&x, 0, "100-200"));
  /* Non-capturing and named groups keep Java's numbering; a group that took no part. */
  lfh_vec g[3] = {fx_str(&x, 2, S("ababc", "2024-03")), fx_cstr(&x, "(?:ab)+(c)|(?<y>\\d{4})-(\\d\\d)"),
                  fx_int(&x, 2, I(1, 3), NULL)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "regexp_extract", 3, g), 0);
  CU_ASSERT(out_str(&x, 0, "c"));
  CU_ASSERT(out_str(&x, 1, "03"));
  g[2] = fx_int(&x, 2, I(2, 1), NULL);
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "regexp_extract", 3, g), 0);
  CU_ASSERT(out_str(&x, 0, ""));
  CU_ASSERT(out_str(&x, 1, ""));
  /* Per-row group numbers out of range or NULL: NULL rows; a constant one: an error. */
  g[2] = fx_int(&x, 2, I(4, 0), "10");
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "regexp_extract", 3, g), 0);
  CU_ASSERT(out_null(&x, 0));
  CU_ASSERT(out_null(&x, 1));
  /* POSIX leftmost-longest (documented difference: Java would give 'a'). */
  lfh_vec ll[3] = {fx_str(&x, 1, S("ab")), fx_cstr(&x, "(a|ab)"), fx_cint(&x, 1)};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "regexp_extract", 3, ll), 0);
  CU_ASSERT(out_str(&x, 0, "ab"));
  g[2] = fx_cint(&x, 4);
  CU_ASSERT_EQUAL(fx_resolve(&x, "regexp_extract", 3, g), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "has 3 groups"));
  fx_done(&x);
}

static void check_replace(fx *x, const char *s, const char *pat, const char *rep, int64_t pos,
                          const char *want) {
  lfh_vec args[4] = {fx_str(x, 1, S(s)), fx_cstr(x, pat), fx_cstr(x, rep), fx_cint(x, pos)};
  CU_ASSERT_EQUAL_FATAL(fx_call(x, "regexp_replace", pos ? 4 : 3, args), 0);
  if (!out_str(x, 0, want)) fprintf(stderr, "    regexp_replace('%s', '%s', '%s')\n", s, pat, rep);
  CU_ASSERT(out_str(x, 0, want));
}

static void test_replace(void) {
  fx x;
  fx_init(&x);
  check_replace(&x, "100-200", "(\\d+)", "num", 0, "num-num");
  check_replace(&x, "abc", "x*", "-", 0, "-a-b-c-");
  check_replace(&x, "abc", "b*", "-", 0, "-a--c-");
  check_replace(&x, "日本", "", "-", 0, "-日-本-");
  check_replace(&x, "John Smith", "(\\w+) (\\w+)", "$2, $1", 0, "Smith, John");
  check_replace(&x, "a.b.c", "\\.", "\\$", 0, "a$b$c");
  check_replace(&x, "a,b,,c", ",", ";", 0, "a;b;;c");
  check_replace(&x, "aaa", "a", "b", 2, "abb");
  check_replace(&x, "aaa", "^a", "b", 2, "aba"); /* the text before pos is out of sight */
  check_replace(&x, "aaa", "a", "b", 4, "aaa");
  check_replace(&x, "", "x*", "-", 0, "");       /* Spark leaves '' alone */
  check_replace(&x, "abc", "(?:a)(b)", "[$1$0]", 0, "[bab]c");
  check_replace(&x, "x", "(x)", "$10", 0, "x0"); /* $1 then '0': group 10 does not exist */
  /* Bad replacement references: a compile error when constant, NULL rows otherwise. */
  lfh_vec bad[3] = {fx_str(&x, 1, S("ab")), fx_cstr(&x, "(a)(b)"), fx_cstr(&x, "$3")};
  CU_ASSERT_EQUAL(fx_resolve(&x, "regexp_replace", 3, bad), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "regexp_replace: argument 3 has a bad group reference"));
  lfh_vec rows[3] = {fx_str(&x, 3, S("ab", "ab", "ab")), fx_cstr(&x, "(a)(b)"),
                     fx_str(&x, 3, S("$2$1", "$", NULL))};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "regexp_replace", 3, rows), 0);
  CU_ASSERT(out_str(&x, 0, "ba"));
  CU_ASSERT(out_null(&x, 1));
  CU_ASSERT(out_null(&x, 2));
  lfh_vec pos0[4] = {fx_str(&x, 1, S("ab")), fx_cstr(&x, "a"), fx_cstr(&x, "b"), fx_cint(&x, 0)};
  CU_ASSERT_EQUAL(fx_resolve(&x, "regexp_replace", 4, pos0), LF_ERR_INVALID);
  CU_ASSERT(msg_has(&x, "argument 4 must be positive"));
  fx_done(&x);
}

/* Row r of an array<string> result is exactly the n strings in `want`. */
static int arr_is(const fx *x, int64_t r, int n, const char *const *want) {
  if (!fx_valid(&x->out, r)) {
    fprintf(stderr, "  split row %lld: NULL\n", (long long)r);
    return 0;
  }
  const int32_t *off = x->out.u.a.off;
  if (off[r + 1] - off[r] != n) {
    fprintf(stderr, "  split row %lld: %d elements, expected %d\n", (long long)r,
            off[r + 1] - off[r], n);
    return 0;
  }
  int ok = 1;
  for (int k = 0; k < n; k++) ok &= vec_str_is(x->out.u.a.items, off[r] + k, want[k], "split");
  return ok;
}

static void check_split(fx *x, const char *s, const char *pat, int64_t limit, int n,
                        const char *const *want) {
  lfh_vec args[3] = {fx_str(x, 1, S(s)), fx_cstr(x, pat), fx_cint(x, limit)};
  CU_ASSERT_EQUAL_FATAL(fx_call(x, "split", limit == INT64_MIN ? 2 : 3, args), 0);
  if (!arr_is(x, 0, n, want)) fprintf(stderr, "    split('%s', '%s', %lld)\n", s, pat, (long long)limit);
  CU_ASSERT(arr_is(x, 0, n, want));
}

static void test_split(void) {
  fx x;
  fx_init(&x);
  const int64_t none = INT64_MIN;
  check_split(&x, "a,b,c", ",", none, 3, S("a", "b", "c"));
  check_split(&x, "a,b,,c,,", ",", none, 6, S("a", "b", "", "c", "", ""));
  check_split(&x, ",a", ",", none, 2, S("", "a"));
  check_split(&x, "abc", "", none, 3, S("a", "b", "c"));
  check_split(&x, "日本語", "", none, 3, S("日", "本", "語"));
  check_split(&x, "", ",", none, 1, S(""));
  check_split(&x, "", "", none, 1, S(""));
  check_split(&x, "a1b22c", "\\d+", none, 3, S("a", "b", "c"));
  check_split(&x, "abc", "x*", none, 4, S("a", "b", "c", ""));
  check_split(&x, "no match", ";", none, 1, S("no match"));
  check_split(&x, "a,b,c", ",", 2, 2, S("a", "b,c"));
  check_split(&x, "a,b,c", ",", 1, 1, S("a,b,c"));
  check_split(&x, "a,b,c", ",", 0, 3, S("a", "b", "c"));
  check_split(&x, "a,b,c", ",", -1, 3, S("a", "b", "c"));
  check_split(&x, "a,b,c", ",", 10, 3, S("a", "b", "c"));
  check_split(&x, "abc", "", 2, 2, S("a", "bc"));
  check_split(&x, "a.b|c", "[.|]", none, 3, S("a", "b", "c"));

  /* Several rows: NULL string, NULL limit, offsets running across rows. */
  lfh_vec args[3] = {fx_str_sliced(&x, 4, S("x y", NULL, "p q r", "z"), 1), fx_cstr(&x, " "),
                     fx_int(&x, 4, I(-1, -1, 2, 5), "1110")};
  CU_ASSERT_EQUAL_FATAL(fx_call(&x, "split", 3, args), 0);
  CU_ASSERT(arr_is(&x, 0, 2, S("x", "y")));
  CU_ASSERT(out_null(&x, 1));
  CU_ASSERT(arr_is(&x, 2, 2, S("p", "q r")));
  CU_ASSERT(out_null(&x, 3));
  CU_ASSERT_EQUAL(x.out.u.a.off[4], x.out.u.a.items->len);
  fx_done(&x);
}

int main(void) {
  static const lfh_test_case cases[] = {{"regexp_like", test_like},
                                        {"regexp_extract", test_extract},
                                        {"regexp_replace", test_replace},
                                        {"split", test_split},
                                        {NULL, NULL}};
  return lfh_test_run("expr_func_regex", cases);
}
