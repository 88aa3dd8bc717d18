/*
 * test_ddl — Spark DDL schema strings: every type and its Arrow format, nesting, names,
 * NOT NULL and COMMENT, round trips through lfh_ddl_format, and every error with its
 * exact line:col and hint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/lfh_ddl.h"
#include "lf/lf_array.h"
#include "lfh_test.h"

/* Parses `ddl`, which must succeed. */
static void parse_ok(const char *ddl, struct ArrowSchema *out) {
  lfh_ddl_error e;
  int rc = lfh_ddl_parse(ddl, strlen(ddl), out, &e);
  if (rc != LF_OK) fprintf(stderr, "\n  '%s': %s at %d:%d\n", ddl, e.message, e.line, e.col);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
}

/* Formats `s`, which must succeed; the caller frees the text. */
static char *format_ok(const struct ArrowSchema *s) {
  char buf[256];
  lf_error err;
  lf_error_init(&err, buf, sizeof buf);
  char *text = NULL;
  int rc = lfh_ddl_format(s, &text, &err);
  if (rc != LF_OK) fprintf(stderr, "\n  format: %s\n", buf);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  return text;
}

/* parse -> format gives `want`; parsing that again gives an equal schema. */
static void round_trip(const char *ddl, const char *want) {
  struct ArrowSchema a, b;
  parse_ok(ddl, &a);
  char *text = format_ok(&a);
  if (strcmp(text, want) != 0) fprintf(stderr, "\n  '%s'\n  got  '%s'\n  want '%s'\n", ddl, text, want);
  CU_ASSERT_STRING_EQUAL(text, want);
  parse_ok(text, &b);
  CU_ASSERT_TRUE(lf_schema_equal(&a, &b, 0));
  free(text);
  lf_schema_release(&a);
  lf_schema_release(&b);
}

static void test_simple_types(void) {
  static const struct {
    const char *ddl, *format;
  } cases[] = {
      {"STRING", "u"},         {"varchar(10)", "u"},      {"Char(1)", "u"},
      {"BOOLEAN", "b"},        {"TINYINT", "i"},          {"byte", "i"},
      {"SMALLINT", "i"},       {"short", "i"},            {"INT", "i"},
      {"integer", "i"},        {"BIGINT", "l"},           {"long", "l"},
      {"FLOAT", "f"},          {"real", "f"},             {"DOUBLE", "g"},
      {"DECIMAL(10,2)", "g"},  {"decimal", "g"},          {"DEC(5)", "g"},
      {"NUMERIC(38, 38)", "g"}, {"BINARY", "z"},          {"DATE", "tdD"},
      {"TIMESTAMP", "tsu:UTC"}, {"timestamp_ltz", "tsu:UTC"}, {"TIMESTAMP_NTZ", "tsu:"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char ddl[64];
    snprintf(ddl, sizeof ddl, "x %s", cases[i].ddl);
    struct ArrowSchema s;
    parse_ok(ddl, &s);
    CU_ASSERT_STRING_EQUAL(s.format, "+s");
    CU_ASSERT_EQUAL_FATAL(s.n_children, 1);
    CU_ASSERT_STRING_EQUAL(s.children[0]->name, "x");
    CU_ASSERT_STRING_EQUAL(s.children[0]->format, cases[i].format);
    if (strcmp(s.children[0]->format, cases[i].format) != 0)
      fprintf(stderr, "\n  %s -> %s\n", cases[i].ddl, s.children[0]->format);
    CU_ASSERT_TRUE(s.children[0]->flags & ARROW_FLAG_NULLABLE);
    lf_schema_release(&s);
  }
}

static void test_nested_shapes(void) {
  struct ArrowSchema s;
  parse_ok("user STRUCT<user_id: STRING, email STRING NOT NULL>, "
           "properties MAP<STRING,ARRAY<INT>>, tags ARRAY<STRUCT<k: STRING>>",
           &s);
  CU_ASSERT_EQUAL_FATAL(s.n_children, 3);
  struct ArrowSchema *user = s.children[0], *props = s.children[1], *tags = s.children[2];
  CU_ASSERT_STRING_EQUAL(user->format, "+s");
  CU_ASSERT_EQUAL_FATAL(user->n_children, 2);
  CU_ASSERT_STRING_EQUAL(user->children[0]->name, "user_id");
  CU_ASSERT_TRUE(user->children[0]->flags & ARROW_FLAG_NULLABLE);
  CU_ASSERT_STRING_EQUAL(user->children[1]->name, "email");
  CU_ASSERT_FALSE(user->children[1]->flags & ARROW_FLAG_NULLABLE);
  /* Arrow's map layout: +m -> non-nullable struct "entries" -> key (not null), value */
  CU_ASSERT_STRING_EQUAL(props->format, "+m");
  CU_ASSERT_EQUAL_FATAL(props->n_children, 1);
  struct ArrowSchema *ent = props->children[0];
  CU_ASSERT_STRING_EQUAL(ent->format, "+s");
  CU_ASSERT_STRING_EQUAL(ent->name, "entries");
  CU_ASSERT_FALSE(ent->flags & ARROW_FLAG_NULLABLE);
  CU_ASSERT_EQUAL_FATAL(ent->n_children, 2);
  CU_ASSERT_STRING_EQUAL(ent->children[0]->name, "key");
  CU_ASSERT_STRING_EQUAL(ent->children[0]->format, "u");
  CU_ASSERT_FALSE(ent->children[0]->flags & ARROW_FLAG_NULLABLE);
  CU_ASSERT_STRING_EQUAL(ent->children[1]->name, "value");
  CU_ASSERT_STRING_EQUAL(ent->children[1]->format, "+l");
  CU_ASSERT_TRUE(ent->children[1]->flags & ARROW_FLAG_NULLABLE);
  CU_ASSERT_STRING_EQUAL(ent->children[1]->children[0]->name, "item");
  CU_ASSERT_STRING_EQUAL(ent->children[1]->children[0]->format, "i");
  CU_ASSERT_STRING_EQUAL(tags->format, "+l");
  CU_ASSERT_STRING_EQUAL(tags->children[0]->format, "+s");
  CU_ASSERT_STRING_EQUAL(tags->children[0]->children[0]->name, "k");
  lf_schema_release(&s);
}

static void test_names_and_comments(void) {
  struct ArrowSchema s;
  parse_ok("`event id` STRING COMMENT 'the id', `a``b` INT, select BIGINT NOT NULL "
           "COMMENT \"it's \\\"quoted\\\"\", comment STRING",
           &s);
  CU_ASSERT_EQUAL_FATAL(s.n_children, 4);
  CU_ASSERT_STRING_EQUAL(s.children[0]->name, "event id");
  CU_ASSERT_STRING_EQUAL(s.children[1]->name, "a`b");
  CU_ASSERT_STRING_EQUAL(s.children[2]->name, "select");
  CU_ASSERT_FALSE(s.children[2]->flags & ARROW_FLAG_NULLABLE);
  CU_ASSERT_STRING_EQUAL(s.children[3]->name, "comment");
  /* the comment is the field's Arrow metadata {"comment": ...} */
  const char *md = s.children[0]->metadata;
  CU_ASSERT_PTR_NOT_NULL_FATAL(md);
  int32_t n, kl, vl;
  memcpy(&n, md, 4);
  memcpy(&kl, md + 4, 4);
  memcpy(&vl, md + 8 + kl, 4);
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_EQUAL(kl, 7);
  CU_ASSERT_EQUAL(memcmp(md + 8, "comment", 7), 0);
  CU_ASSERT_EQUAL(vl, 6);
  CU_ASSERT_EQUAL(memcmp(md + 12 + kl, "the id", 6), 0);
  CU_ASSERT_PTR_NULL(s.children[1]->metadata);
  lf_schema_release(&s);
}

static void test_round_trips(void) {
  round_trip("a STRING, b BOOLEAN, c INT, d BIGINT, e FLOAT, f DOUBLE, g BINARY, h DATE, "
             "i TIMESTAMP, j TIMESTAMP_NTZ",
             "a STRING, b BOOLEAN, c INT, d BIGINT, e FLOAT, f DOUBLE, g BINARY, h DATE, "
             "i TIMESTAMP, j TIMESTAMP_NTZ");
  /* aliases print as their canonical name; lengths and decimals are dropped */
  round_trip("a varchar(3), b tinyint, c smallint, d long, e real, f decimal(10,2), "
             "g timestamp_ltz, h integer",
             "a STRING, b INT, c INT, d BIGINT, e FLOAT, f DOUBLE, g TIMESTAMP, h INT");
  round_trip("event_id STRING NOT NULL, user STRUCT<user_id: STRING, email: STRING>, "
             "properties MAP<STRING,STRING>, tags ARRAY<STRING>, amount DECIMAL(10,2), "
             "ts TIMESTAMP, d DATE, n INT COMMENT 'x'",
             "event_id STRING NOT NULL, user STRUCT<user_id: STRING, email: STRING>, "
             "properties MAP<STRING, STRING>, tags ARRAY<STRING>, amount DOUBLE, "
             "ts TIMESTAMP, d DATE, n INT COMMENT 'x'");
  round_trip("a ARRAY<ARRAY<MAP<INT, STRUCT<x: ARRAY<DATE> NOT NULL COMMENT 'deep', "
             "y: MAP<STRING, BINARY>>>>>, e STRUCT<>",
             "a ARRAY<ARRAY<MAP<INT, STRUCT<x: ARRAY<DATE> NOT NULL COMMENT 'deep', "
             "y: MAP<STRING, BINARY>>>>>, e STRUCT<>");
  round_trip("`odd name` INT COMMENT 'it\\'s a \\\\ and\\na line', `x``y` STRING, `1st` INT",
             "`odd name` INT COMMENT 'it\\'s a \\\\ and\\na line', `x``y` STRING, `1st` INT");
  round_trip("  -- a comment\n  a INT /* inline */ ,\n\tb STRING\n", "a INT, b STRING");
}

static void test_format_refuses(void) {
  struct ArrowSchema s;
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(&s, "+s", "", 0, NULL), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_schema_add_child(&s, "tDm", "span", 2, NULL, NULL), LF_OK);
  char buf[200];
  lf_error err;
  lf_error_init(&err, buf, sizeof buf);
  char *text = (char *)"unchanged";
  CU_ASSERT_EQUAL(lfh_ddl_format(&s, &text, &err), LF_ERR_UNSUPPORTED);
  CU_ASSERT_PTR_NULL(text);
  CU_ASSERT_PTR_NOT_NULL(strstr(buf, "span"));
  lf_schema_release(&s);
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(&s, "i", "", 0, NULL), LF_OK);
  CU_ASSERT_EQUAL(lfh_ddl_format(&s, &text, &err), LF_ERR_INVALID);
  lf_schema_release(&s);
}

/* The DDL must fail with `message` (a substring) at line:col, and `hint` (exact) when
 * not NULL. */
static void expect_error(int at_line, const char *ddl, const char *message, int line, int col,
                         const char *hint) {
  struct ArrowSchema s;
  lfh_ddl_error e;
  int rc = lfh_ddl_parse(ddl, strlen(ddl), &s, &e);
  int ok = rc == LF_ERR_INVALID && strstr(e.message, message) && e.line == line &&
           e.col == col && (!hint || strcmp(e.hint, hint) == 0);
  if (!ok)
    fprintf(stderr, "\n  test line %d: '%s': rc %d \"%s\" at %d:%d hint \"%s\"; want \"%s\" at "
            "%d:%d hint \"%s\"\n", at_line, ddl, rc, e.message, e.line, e.col, e.hint, message,
            line, col, hint ? hint : "");
  CU_ASSERT_TRUE(ok);
  CU_ASSERT_PTR_NULL(s.release); /* released on failure */
  /* the offset agrees with line:col */
  size_t off = 0;
  for (int l = 1; l < e.line; l++) off = (size_t)(strchr(ddl + off, '\n') - ddl) + 1;
  CU_ASSERT_EQUAL(e.offset, off + (size_t)e.col - 1);
}

#define ERR(ddl, msg, line, col, hint) expect_error(__LINE__, ddl, msg, line, col, hint)

static void test_errors(void) {
  ERR("id BIGINT, ts TIMESTMP", "unknown type 'TIMESTMP'", 1, 15, "did you mean 'TIMESTAMP'?");
  ERR("a strng", "unknown type 'strng'", 1, 3, "did you mean 'STRING'?");
  ERR("a FOO", "unknown type 'FOO'", 1, 3, NULL);
  ERR("a INT,\n  b STRING,\n  A DOUBLE", "duplicate field name 'A'", 3, 3,
      "'a' is already a field here (names are compared case-insensitively)");
  ERR("s STRUCT<x: INT, X: INT>", "duplicate field name 'X'", 1, 18, NULL);
  ERR("u STRUCT<a: INT, b: STRING", "missing '>' to close STRUCT<", 1, 27,
      "the STRUCT< opened at 1:3 is not closed");
  ERR("t ARRAY<INT", "missing '>' to close ARRAY<", 1, 12, "the ARRAY< opened at 1:3 is not closed");
  ERR("m MAP<STRING, INT", "missing '>' to close MAP<", 1, 18, NULL);
  ERR("t ARRAY<INT>>", "unexpected '>'", 1, 13, "no '<' is open here");
  ERR("m MAP<STRING>", "expected ',' between the key and value types of MAP", 1, 13, NULL);
  ERR("t ARRAY INT", "expected '<' after ARRAY", 1, 9, NULL);
  ERR("t ARRAY<INT, STRING>", "expected '>' to close ARRAY<, found ','", 1, 12, NULL);
  ERR("a INT,", "expected a field after ','", 1, 7, "remove the trailing comma");
  ERR("s STRUCT<a: INT,>", "expected a field after ','", 1, 17, NULL);
  ERR("", "empty schema", 1, 1, NULL);
  ERR("  \n  -- nothing\n", "empty schema", 1, 1, NULL);
  ERR("a INT,\n  -- more to come\n", "expected a field after ','", 1, 7, NULL);
  ERR("u STRUCT<a: INT\n\n", "missing '>' to close STRUCT<", 1, 16, NULL);
  ERR("a", "expected a type for 'a', found the end of the schema", 1, 2, NULL);
  ERR("a INT b STRING", "expected ',' or the end of the schema, found 'b'", 1, 7,
      "separate fields with ','");
  ERR("a: INT", "unexpected ':' after 'a'", 1, 2, NULL);
  ERR("v VARCHAR", "VARCHAR needs a length", 1, 3, NULL);
  ERR("d DECIMAL(39, 2)", "a precision 39 is out of range (1 to 38)", 1, 11, NULL);
  ERR("d DECIMAL(5, 6)", "a scale 6 is out of range (0 to 5)", 1, 14, NULL);
  ERR("d DECIMAL(5 2)", "expected ')' to close the parameters, found '2'", 1, 13, NULL);
  ERR("d DECIMAL(x)", "expected a precision, found 'x'", 1, 11, NULL);
  ERR("t TIMESTAMP(3)", "TIMESTAMP takes no parameters", 1, 12, NULL);
  ERR("a INT NOT NUL", "expected NULL after NOT, found 'NUL'", 1, 11, NULL);
  ERR("a INT COMMENT x", "expected a string after COMMENT", 1, 15, "write COMMENT 'text'");
  ERR("a INT COMMENT 'open", "unterminated string", 1, 15, NULL);
  ERR("`a INT", "unterminated quoted name", 1, 1, NULL);
  ERR("a INT /* open", "unterminated comment", 1, 7, NULL);
  ERR("a INT;", "unexpected character ';'", 1, 6, NULL);
  ERR("`` INT", "empty field name", 1, 1, NULL);
  ERR(", a INT", "expected a field name, found ','", 1, 1, NULL);
}

/* "a " then `levels` ARRAY< around INT. */
static size_t nested_arrays(char *buf, size_t cap, int levels) {
  size_t n = (size_t)snprintf(buf, cap, "a ");
  for (int i = 0; i < levels; i++) n += (size_t)snprintf(buf + n, cap - n, "ARRAY<");
  n += (size_t)snprintf(buf + n, cap - n, "INT");
  for (int i = 0; i < levels; i++) n += (size_t)snprintf(buf + n, cap - n, ">");
  return n;
}

static void test_depth_limit(void) {
  char ddl[2048];
  struct ArrowSchema s;
  lfh_ddl_error e;
  size_t n = nested_arrays(ddl, sizeof ddl, LFH_DDL_MAX_DEPTH);
  CU_ASSERT_EQUAL(lfh_ddl_parse(ddl, n, &s, &e), LF_OK);
  lf_schema_release(&s);
  n = nested_arrays(ddl, sizeof ddl, LFH_DDL_MAX_DEPTH + 1);
  CU_ASSERT_EQUAL(lfh_ddl_parse(ddl, n, &s, &e), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "nested deeper than"));
  CU_ASSERT_EQUAL(e.col, 3 + 6 * LFH_DDL_MAX_DEPTH); /* the ARRAY that is one too many */
}

/* Not NUL-terminated input: the parser stays inside `len`. */
static void test_length_bound(void) {
  const char text[] = "a INT, b STRINGxyz";
  struct ArrowSchema s;
  lfh_ddl_error e;
  CU_ASSERT_EQUAL_FATAL(lfh_ddl_parse(text, 15, &s, &e), LF_OK);
  CU_ASSERT_EQUAL(s.n_children, 2);
  CU_ASSERT_STRING_EQUAL(s.children[1]->format, "u");
  lf_schema_release(&s);
  CU_ASSERT_EQUAL(lfh_ddl_parse(NULL, 0, &s, NULL), LF_ERR_INVALID);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"every simple type and its format", test_simple_types},
      {"struct, array and map shapes", test_nested_shapes},
      {"names, NOT NULL and comments", test_names_and_comments},
      {"round trips through lfh_ddl_format", test_round_trips},
      {"format refuses what DDL cannot spell", test_format_refuses},
      {"errors with line:col and hints", test_errors},
      {"nesting limit", test_depth_limit},
      {"length-bounded input", test_length_bound},
      {NULL, NULL}};
  return lfh_test_run("ddl", cases);
}
