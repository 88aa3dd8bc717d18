/*
 * lfh_expr parsing and checking: precedence (NOT/AND/OR, comparison vs arithmetic, unary
 * minus, IN/BETWEEN/LIKE binding, CASE nesting) shown as S-expressions of the tree, every
 * syntax and type error with its message and position, lfh_expr_check_syntax, and depth
 * limits on hostile input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_expr.h"
#include "expr/lfh_expr_ast.h"
#include "lf/lf_array.h"
#include "lfh_test.h"

static char g_msg[512];
static lf_error g_err;

static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

/* ------------------------------------------------------------ tree dump */

static const char *opname(int op) {
  static const char *const k[] = {"?", "(", ")", ",", ".", "+", "-", "*", "/", "%", "||",
                                  "=", "<>", "<", "<=", ">", ">=", "<=>", "!"};
  return op >= 0 && op < (int)(sizeof k / sizeof k[0]) ? k[op] : "?";
}

static size_t dump(const lfh_xnode *n, char *b, size_t cap) {
  size_t o = 0;
#define P(...) (o += (size_t)snprintf(b + o, o < cap ? cap - o : 0, __VA_ARGS__))
  switch (n->kind) {
  case LFH_N_CONST:
    switch (n->val.type) {
    case LFH_TYPE_NULL: P("NULL"); break;
    case LFH_TYPE_BOOLEAN: P("%s", n->val.u.b[0] ? "TRUE" : "FALSE"); break;
    case LFH_TYPE_BIGINT: P("%lld", (long long)n->val.u.i[0]); break;
    case LFH_TYPE_DOUBLE: P("%gd", n->val.u.d[0]); break;
    case LFH_TYPE_STRING: P("'%.*s'", (int)n->val.u.s.off[1], n->val.u.s.data); break;
    case LFH_TYPE_TIMESTAMP: P("ts%lld", (long long)n->val.u.i[0]); break;
    case LFH_TYPE_DATE: P("date%d", n->val.u.days[0]); break;
    case LFH_TYPE_INTERVAL: P("iv%lld", (long long)n->val.u.i[0]); break;
    default: P("const?");
    }
    return o;
  case LFH_N_COL:
    for (int i = 0; i < n->nparts; i++) P("%s%s", i ? "." : "", n->parts[i].s);
    return o;
  case LFH_N_NEG: P("(neg "); break;
  case LFH_N_ARITH:
  case LFH_N_CMP: P("(%s ", opname(n->op)); break;
  case LFH_N_CONCAT: P("(|| "); break;
  case LFH_N_AND: P("(and "); break;
  case LFH_N_OR: P("(or "); break;
  case LFH_N_NOT: P("(not "); break;
  case LFH_N_ISNULL: P("(%s ", n->neg ? "notnull" : "isnull"); break;
  case LFH_N_ISBOOL: P("(is%s%s ", n->neg ? "not" : "", n->truth ? "true" : "false"); break;
  case LFH_N_IN: P("(%s ", n->neg ? "notin" : "in"); break;
  case LFH_N_LIKE: P("(%s[%c] ", n->neg ? "notlike" : "like", n->escape); break;
  case LFH_N_CASE: P("(case%s ", n->has_else ? "/else" : ""); break;
  case LFH_N_CAST: P("(cast:%s ", lfh_type_name(n->to)); break;
  case LFH_N_COALESCE: P("(coalesce "); break;
  case LFH_N_FUNC: P("(%.*s ", (int)n->fname_len, n->fname); break;
  default: P("(? ");
  }
  for (int i = 0; i < n->nkids; i++) {
    if (i) P(" ");
    o += dump(n->kids[i], b + (o < cap ? o : cap), o < cap ? cap - o : 0);
  }
  P(")");
  return o;
#undef P
}

/* The tree of `text` as an S-expression, or "ERROR: message". */
static const char *tree(const char *text) {
  static char out[2048];
  lfh_arena *a = lfh_arena_new();
  lfh_expr_pos pos;
  lfh_cctx c = {.text = text, .len = strlen(text), .arena = a, .err = err0(), .pos = &pos};
  lfh_xnode *root;
  if (lfh_expr_parse(&c, &root) != LF_OK) snprintf(out, sizeof out, "ERROR: %s", g_msg);
  else dump(root, out, sizeof out);
  lfh_cctx_release(&c);
  lfh_arena_free(a);
  return out;
}

static int check_tree(const char *text, const char *want, int line) {
  const char *got = tree(text);
  if (strcmp(got, want)) {
    fprintf(stderr, "\nline %d: %s\n  want %s\n  got  %s\n", line, text, want, got);
    return 0;
  }
  return 1;
}
#define TREE(text, want) CU_ASSERT(check_tree(text, want, __LINE__))

/* ------------------------------------------------------------ schema */

static struct ArrowSchema g_schema;

static void build_schema(void) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder_add_child(b, "tsu:UTC", "event_ts");
  lf_builder_add_child(b, "u", "event_type");
  lf_builder_add_child(b, "l", "amount");
  lf_builder_add_child(b, "g", "score");
  lf_builder_add_child(b, "b", "ok");
  lf_builder *u = lf_builder_add_child(b, "+s", "user");
  lf_builder_add_child(u, "u", "email");
  lf_builder_add_child(u, "l", "id");
  lf_builder *m = lf_builder_add_child(b, "+m", "attrs");
  lf_builder_add_child(m, "u", "key");
  lf_builder_add_child(m, "u", "value");
  lf_builder *l = lf_builder_add_child(b, "+l", "ids");
  lf_builder_add_child(l, "l", "item");
  lf_builder_add_child(b, "u", "Dup");
  lf_builder_add_child(b, "u", "DUP");
  lf_builder_add_child(b, "u", "date");
  struct ArrowArray a;
  if (lf_builder_finish(b, &a, &g_schema, err0()) != LF_OK) {
    fprintf(stderr, "schema: %s\n", g_msg);
    exit(1);
  }
  a.release(&a);
}

/* Compiles `text` and returns "" or the error message; checks that a failure's position
 * is what the message says. */
static const char *compile_err(const char *text) {
  static char out[600];
  lfh_expr_pos pos = {-1, -1, 99};
  lfh_expr *e = lfh_expr_compile(text, strlen(text), &g_schema, &pos, err0());
  if (e) {
    lfh_expr_free(e);
    return "";
  }
  char at[64];
  snprintf(at, sizeof at, " at %d:%d", pos.line, pos.col);
  if (g_err.code != LF_ERR_NOMEM && !strstr(g_msg, at)) {
    fprintf(stderr, "position %s not in '%s'\n", at, g_msg);
    CU_FAIL("position mismatch");
  }
  snprintf(out, sizeof out, "%s", g_msg);
  return out;
}

static int check_err(const char *text, const char *want, int line) {
  const char *got = compile_err(text);
  if (strcmp(got, want)) {
    fprintf(stderr, "\nline %d: %s\n  want %s\n  got  %s\n", line, text, want, got);
    return 0;
  }
  return 1;
}
#define ERR(text, want) CU_ASSERT(check_err(text, want, __LINE__))
#define OK(text) CU_ASSERT(check_err(text, "", __LINE__))

/* ------------------------------------------------------------ tests */

static void test_precedence(void) {
  TREE("a OR b AND c", "(or a (and b c))");
  TREE("a AND b OR c", "(or (and a b) c)");
  TREE("NOT a AND b", "(and (not a) b)");
  TREE("NOT a OR NOT b", "(or (not a) (not b))");
  TREE("NOT NOT a", "(not (not a))");
  TREE("NOT a = b", "(not (= a b))");
  TREE("a = b AND c < d", "(and (= a b) (< c d))");
  TREE("a + b * c", "(+ a (* b c))");
  TREE("a * b + c", "(+ (* a b) c)");
  TREE("a - b - c", "(- (- a b) c)");
  TREE("a / b % c", "(% (/ a b) c)");
  TREE("a + b = c * d", "(= (+ a b) (* c d))");
  TREE("a || b = c", "(= (|| a b) c)");
  TREE("a + b || c", "(|| (+ a b) c)");
  TREE("-a * b", "(* (neg a) b)");
  TREE("-2 * 3", "(* -2 3)");
  TREE("- (2)", "(neg 2)");
  TREE("+a", "a");
  TREE("a - -1", "(- a -1)");
  TREE("a--1\n", "a"); /* -- starts a comment */
  TREE("a /* c */ + 1", "(+ a 1)");
  TREE("(a OR b) AND c", "(and (or a b) c)");
  TREE("a IN (1, 2) AND b", "(and (in a 1 2) b)");
  TREE("a NOT IN (1) OR b", "(or (notin a 1) b)");
  TREE("NOT a IN (1)", "(not (in a 1))");
  TREE("a + 1 IN (2)", "(in (+ a 1) 2)");
  TREE("a BETWEEN 1 AND 2 AND b", "(and (and (>= a 1) (<= a 2)) b)");
  TREE("a NOT BETWEEN b + 1 AND 2", "(not (and (>= a (+ b 1)) (<= a 2)))");
  TREE("a LIKE 'x%' OR b", "(or (like[\\] a 'x%') b)");
  TREE("a NOT LIKE 'x' ESCAPE '!'", "(notlike[!] a 'x')");
  TREE("a || 'x' LIKE b", "(like[\\] (|| a 'x') b)");
  TREE("a RLIKE 'x' AND b", "(and (regexp_like a 'x') b)");
  TREE("a NOT REGEXP 'x'", "(not (regexp_like a 'x'))");
  TREE("a IS NULL AND b IS NOT NULL", "(and (isnull a) (notnull b))");
  TREE("a = 1 IS NULL", "(isnull (= a 1))");
  TREE("a IS NOT TRUE", "(isnottrue a)");
  TREE("a IS FALSE", "(isfalse a)");
  TREE("a IS DISTINCT FROM b", "(not (<=> a b))");
  TREE("a IS NOT DISTINCT FROM b + 1", "(<=> a (+ b 1))");
  TREE("a <=> b", "(<=> a b)");
  TREE("a == b", "(= a b)");
  TREE("a != b", "(<> a b)");
  TREE("!a", "(not a)");
  TREE("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END", "(case/else a 1 b 2 3)");
  TREE("CASE x WHEN 1 THEN 'a' END", "(case (= x 1) 'a')");
  TREE("CASE WHEN a THEN CASE WHEN b THEN 1 END ELSE CASE c WHEN 2 THEN 3 ELSE 4 END END",
       "(case/else a (case b 1) (case/else (= c 2) 3 4))");
  TREE("CAST(a AS int) + 1", "(+ (cast:BIGINT a) 1)");
  TREE("CAST(a AS DECIMAL(10, 2))", "(cast:DOUBLE a)");
  TREE("cast(a as varchar(10))", "(cast:STRING a)");
  TREE("COALESCE(a, b, 1)", "(coalesce a b 1)");
  TREE("lower(a.b.c)", "(lower a.b.c)");
  TREE("`weird name`.`x``y`", "weird name.x`y");
  TREE("f()", "(f )");
  TREE("date_format(ts, 'y')", "(date_format ts 'y')");
  TREE("date + timestamp", "(+ date timestamp)"); /* contextual keywords as columns */
  TREE("DATE '2024-01-01'", "date19723");
  TREE("TIMESTAMP '1970-01-01 00:00:01'", "ts1000000");
  TREE("INTERVAL 2 HOURS", "iv7200000000");
  TREE("x > current_timestamp() - INTERVAL 1 DAY",
       "(> x (- (current_timestamp ) iv86400000000))");
  TREE("if(a, 1, 2)", "(case/else a 1 2)");
  TREE("nullif(a, 1)", "(case/else (= a 1) NULL a)");
  TREE("ifnull(a, 1)", "(coalesce a 1)");
}

static void test_syntax_errors(void) {
  TREE("", "ERROR: empty expression at 1:1");
  TREE("   -- nothing", "ERROR: empty expression at 1:14");
  TREE("a +", "ERROR: unexpected end of expression at 1:4");
  TREE("a b", "ERROR: unexpected 'b' at 1:3");
  TREE("(a", "ERROR: expected ')' but found end of expression at 1:3");
  TREE("a)", "ERROR: unexpected ')' at 1:2");
  TREE("'abc", "ERROR: unterminated string literal at 1:1");
  TREE("`abc", "ERROR: unterminated `quoted name` at 1:1");
  TREE("``", "ERROR: empty `quoted name` at 1:1");
  TREE("a /* x", "ERROR: unterminated comment at 1:3");
  TREE("a ~ b", "ERROR: unexpected character '~' at 1:3");
  TREE("a\n  AND\n  # b", "ERROR: unexpected character '#' at 3:3");
  TREE("12abc", "ERROR: invalid number '12a' at 1:1");
  TREE("99999999999999999999L", "ERROR: integer literal '99999999999999999999' is out of range at 1:1");
  TREE("a IN 1", "ERROR: expected '(' but found '1' at 1:6");
  TREE("a IN ()", "ERROR: unexpected ')' at 1:7");
  TREE("a IN (SELECT 1)", "ERROR: subqueries are not supported at 1:7");
  TREE("a BETWEEN 1 OR 2", "ERROR: expected AND but found 'OR' at 1:13");
  TREE("a IS 5", "ERROR: expected NULL, TRUE, FALSE or DISTINCT FROM but found '5' at 1:6");
  TREE("a NOT b", "ERROR: unexpected 'NOT' at 1:3");
  TREE("a LIKE 'x' ESCAPE 'ab'", "ERROR: expected a one-character escape string but found ''ab'' at 1:19");
  TREE("CASE END", "ERROR: unexpected 'END' at 1:6");
  TREE("CASE a END", "ERROR: expected WHEN but found 'END' at 1:8");
  TREE("CASE WHEN a THEN 1", "ERROR: expected END but found end of expression at 1:19");
  TREE("CASE WHEN a 1 END", "ERROR: expected THEN but found '1' at 1:13");
  TREE("CAST(a)", "ERROR: expected AS but found ')' at 1:7");
  TREE("CAST(a AS strng)", "ERROR: unknown type 'strng' at 1:11; did you mean 'string'?");
  TREE("CAST(a AS INT", "ERROR: expected ')' but found end of expression at 1:14");
  TREE("TIMESTAMP '2024-13-01'", "ERROR: invalid TIMESTAMP literal '2024-13-01' at 1:11");
  TREE("DATE '2023-02-29'", "ERROR: invalid DATE literal '2023-02-29' at 1:6");
  TREE("INTERVAL 1 FORTNIGHT",
       "ERROR: unknown interval unit 'FORTNIGHT' (expected microsecond, millisecond, second, "
       "minute, hour, day or week) at 1:12");
  TREE("INTERVAL 1 MONTH", "ERROR: year-month intervals are not supported (use days or weeks) at 1:12");
  TREE("INTERVAL 'x' DAY", "ERROR: invalid INTERVAL literal 'x' at 1:10");
  TREE("INTERVAL 5", "ERROR: expected an interval unit but found end of expression at 1:11");
  TREE("a.", "ERROR: expected a field name but found end of expression at 1:3");
  TREE("a.1", "ERROR: unexpected '.1' at 1:2");
  TREE("count(DISTINCT a)", "ERROR: DISTINCT is for aggregates, which expressions do not have at 1:7");
  TREE("f(a,)", "ERROR: unexpected ')' at 1:5");
  TREE("if(a, b)", "ERROR: function 'if' takes 3 arguments, got 2 at 1:1");
  TREE("coalesce()", "ERROR: function 'coalesce' takes at least 1 argument, got 0 at 1:1");
  TREE("AND", "ERROR: unexpected 'AND' at 1:1");
  TREE("a = = b", "ERROR: unexpected '=' at 1:5");
  TREE("\x01", "ERROR: unexpected byte 0x01 at 1:1");
}

static void test_depth_limits(void) {
  /* Deep nesting is refused with a message, not a stack overflow. */
  size_t n = 100000;
  char *s = malloc(2 * n + 2);
  for (size_t i = 0; i < n; i++) s[i] = '(';
  s[n] = '1';
  for (size_t i = 0; i < n; i++) s[n + 1 + i] = ')';
  s[2 * n + 1] = '\0';
  CU_ASSERT_PTR_NOT_NULL(strstr(tree(s), "nested too deeply"));
  for (size_t i = 0; i < n; i++) s[i] = i % 2 ? ' ' : '-'; /* "--" would be a comment */
  s[n] = '1';
  s[n + 1] = '\0';
  CU_ASSERT_PTR_NOT_NULL(strstr(tree(s), "nested too deeply"));
  for (size_t i = 0; i < 10000; i++) memcpy(s + 4 * i, "NOT ", 4);
  s[40000] = 'a';
  s[40001] = '\0';
  CU_ASSERT_PTR_NOT_NULL(strstr(tree(s), "nested too deeply"));
  /* A long flat chain a+a+...: the tree is deep even though the text is flat. */
  char *chain = malloc(4 * n);
  size_t o = 0;
  for (size_t i = 0; i < 1000; i++) o += (size_t)sprintf(chain + o, "%sa", i ? "+" : "");
  CU_ASSERT_PTR_NOT_NULL(strstr(tree(chain), "nested too deeply"));
  o = 0;
  for (size_t i = 0; i < 200; i++) o += (size_t)sprintf(chain + o, "%samount", i ? "+" : "");
  OK(chain); /* within the limit */
  /* BETWEEN shares its subject: nesting it must not explode the passes over the tree. */
  o = (size_t)sprintf(chain, "amount BETWEEN 1 AND 2");
  for (int i = 0; i < 60; i++) {
    char *t = strdup(chain);
    o = (size_t)snprintf(chain, 4 * n, "(%s) BETWEEN FALSE AND TRUE", t);
    free(t);
  }
  OK(chain); /* 2^60 paths through the tree: only finishes if shared nodes are visited once */
  CU_ASSERT_EQUAL(lfh_expr_check_syntax(chain, strlen(chain), NULL, err0()), LF_OK);
  free(chain);
  free(s);
}

static void test_names(void) {
  OK("event_ts > TIMESTAMP '2024-01-01 00:00:00'");
  OK("EVENT_TYPE = 'x'");
  OK("`event_type` = 'x'");
  OK("user.email LIKE '%@%'");
  OK("`user`.`EMAIL` IS NULL");
  OK("`date` = 'x'");
  OK("Dup = 'x' AND DUP = 'y'");
  ERR("evnt_ts > 1", "unknown column 'evnt_ts' at 1:1; did you mean 'event_ts'?");
  ERR("amount > 0 AND\n  evnt_type = 'x'",
      "unknown column 'evnt_type' at 2:3; did you mean 'event_type'?");
  ERR("nothing_like_it = 1", "unknown column 'nothing_like_it' at 1:1");
  ERR("user.emial = 'x'", "unknown field 'emial' in 'user' at 1:6; did you mean 'email'?");
  ERR("user.email.x = 'x'", "'user.email' is STRING, not a struct, so it has no field 'x' at 1:12");
  ERR("amount.x = 1", "'amount' is BIGINT, not a struct, so it has no field 'x' at 1:8");
  ERR("user = 1", "column 'user' is a struct; name one of its fields, as in 'user.email' at 1:1");
  ERR("dup = 'x'",
      "ambiguous column 'dup': several names differ only in case (use the exact spelling) at 1:1");
  ERR("lowr(event_type) = 'x'", "unknown function 'lowr' at 1:1; did you mean 'lower'?");
  ERR("amount > 0 OR frobnicate(1)", "unknown function 'frobnicate' at 1:15");
  ERR("coalesc(amount, 1) > 0", "unknown function 'coalesc' at 1:1; did you mean 'coalesce'?");
  ERR("lower(event_type, 1) = 'x'", "function 'lower' takes 1 argument, got 2 at 1:1");
  ERR("attrs = 1", "MAP values can only be passed to functions that take them at 1:1");
  ERR("ids IS NULL OR ids = 1", "ARRAY values can only be passed to functions that take them at 1:16");
}

static void test_type_errors(void) {
  ERR("event_type = 5", "cannot compare STRING with BIGINT at 1:12");
  ERR("amount > '10'", "cannot compare BIGINT with STRING at 1:8");
  ERR("ok = 1", "cannot compare BOOLEAN with BIGINT at 1:4");
  ERR("event_ts > 'yesterday'", "cannot convert 'yesterday' to TIMESTAMP at 1:12");
  ERR("event_ts > 5", "cannot compare TIMESTAMP with BIGINT at 1:10");
  ERR("amount + event_type > 0", "cannot apply '+' to BIGINT and STRING at 1:8");
  ERR("event_ts * 2", "cannot apply '*' to TIMESTAMP and BIGINT at 1:10");
  ERR("-event_type", "cannot negate STRING at 1:1");
  ERR("amount AND ok", "AND needs a BOOLEAN, not BIGINT at 1:1");
  ERR("ok OR event_type", "OR needs a BOOLEAN, not STRING at 1:7");
  ERR("NOT amount", "NOT needs a BOOLEAN, not BIGINT at 1:5");
  ERR("amount IS TRUE", "IS TRUE needs a BOOLEAN, not BIGINT at 1:1");
  ERR("CASE WHEN amount THEN 1 END", "WHEN needs a BOOLEAN, not BIGINT at 1:11");
  ERR("CASE WHEN ok THEN 1 ELSE ok END", "CASE cannot mix BIGINT and BOOLEAN at 1:26");
  ERR("COALESCE(ok, event_ts)", "COALESCE cannot mix BOOLEAN and TIMESTAMP at 1:14");
  ERR("amount IN (1, 'x')", "cannot compare BIGINT with STRING in IN list at 1:15");
  ERR("amount LIKE 'x'", "LIKE needs a STRING, not BIGINT at 1:1");
  ERR("CAST(event_ts AS BOOLEAN)", "cannot cast TIMESTAMP to BOOLEAN at 1:1");
  ERR("CAST(ok AS DATE)", "cannot cast BOOLEAN to DATE at 1:1");
  ERR("event_type LIKE 'abc\\\\'", "LIKE pattern ends with the escape character '\\' at 1:17");
  ERR("event_type LIKE 'a!' ESCAPE '!'", "LIKE pattern ends with the escape character '!' at 1:17");
  ERR("INTERVAL 1 DAY || 'x'", "cannot apply '||' to INTERVAL at 1:16");
  OK("score = amount");
  OK("event_ts > '2024-01-01'");
  OK("event_ts + INTERVAL 10 MINUTES > current_timestamp()");
  OK("CAST(amount AS STRING) = event_type");
  OK("amount IN (1, 2.5, NULL)");
  OK("event_type || amount = 'x1'");
}

static void test_check_syntax(void) {
  lfh_expr_pos pos;
  const char *t = "evnt_ts > 1 AND lower(x) = 'a'";
  CU_ASSERT_EQUAL(lfh_expr_check_syntax(t, strlen(t), &pos, err0()), LF_OK); /* columns unknown */
  t = "a > 1 AND\n lowr(x) = 'a'";
  CU_ASSERT_EQUAL(lfh_expr_check_syntax(t, strlen(t), &pos, err0()), LF_ERR_INVALID);
  CU_ASSERT_STRING_EQUAL(g_msg, "unknown function 'lowr' at 2:2; did you mean 'lower'?");
  CU_ASSERT_EQUAL(pos.line, 2);
  CU_ASSERT_EQUAL(pos.col, 2);
  CU_ASSERT_EQUAL(pos.offset, 11);
  t = "substr(a)";
  CU_ASSERT_EQUAL(lfh_expr_check_syntax(t, strlen(t), &pos, err0()), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "function 'substr' takes"));
  t = "a LIKE 'x\\'";
  CU_ASSERT_EQUAL(lfh_expr_check_syntax(t, strlen(t), &pos, err0()), LF_ERR_INVALID);
  t = "TIMESTAMP 'nope'";
  CU_ASSERT_EQUAL(lfh_expr_check_syntax(t, strlen(t), &pos, err0()), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(pos.col, 11);
  /* The text need not be NUL-terminated: only len bytes are read. */
  char buf[8] = {'a', ' ', '>', ' ', '1', 'x', 'y', 'z'};
  CU_ASSERT_EQUAL(lfh_expr_check_syntax(buf, 5, &pos, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_expr_check_syntax(buf, 7, &pos, err0()), LF_ERR_INVALID);
  /* Not a struct schema. */
  struct ArrowSchema leaf;
  lf_schema_init(&leaf, "l", "x", 0, NULL);
  CU_ASSERT_PTR_NULL(lfh_expr_compile("x", 1, &leaf, &pos, err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
  lf_schema_release(&leaf);
}

int main(void) {
  build_schema();
  static const lfh_test_case cases[] = {{"precedence", test_precedence},
                                        {"syntax errors", test_syntax_errors},
                                        {"depth limits", test_depth_limits},
                                        {"names", test_names},
                                        {"type errors", test_type_errors},
                                        {"check_syntax", test_check_syntax},
                                        {NULL, NULL}};
  int rc = lfh_test_run("expr_parse", cases);
  lf_schema_release(&g_schema);
  return rc;
}
