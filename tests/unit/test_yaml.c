/* Tests of lfh_yaml: marks, duplicate keys, aliases, syntax errors, merge, scalars, JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/lfh_yaml.h"
#include "lfh_test.h"

static lfh_node *parse(const char *text, lfh_diags *d) {
  lfh_diags_init(d);
  return lfh_yaml_load_buffer("t.yml", text, strlen(text), d);
}

/* Asserts one diagnostic containing `needle` at line:col of t.yml. */
static void expect_diag(const lfh_diags *d, const char *needle, unsigned line, unsigned col) {
  const lfh_diag *g = lfh_diags_find(d, needle);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  CU_ASSERT_STRING_EQUAL(g->file, "t.yml");
  CU_ASSERT_EQUAL(g->line, line);
  CU_ASSERT_EQUAL(g->col, col);
}

static char *to_json(const lfh_node *n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  lfh_node_write_json(n, f, 0);
  fclose(f);
  return buf;
}

static void test_marks(void) {
  lfh_diags d;
  lfh_node *n = parse("bundle:\n  name: demo\nlist:\n  - a\n  -   \"b\"\n", &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  CU_ASSERT_EQUAL(n->kind, LFH_NODE_MAP);
  const lfh_map_entry *e = lfh_map_entry_get(n, "bundle");
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_EQUAL(e->key_mark.line, 1);
  CU_ASSERT_EQUAL(e->key_mark.col, 1);
  const lfh_map_entry *name = lfh_map_entry_get(e->value, "name");
  CU_ASSERT_EQUAL(name->key_mark.line, 2);
  CU_ASSERT_EQUAL(name->key_mark.col, 3);
  CU_ASSERT_EQUAL(name->value->mark.col, 9);
  CU_ASSERT_STRING_EQUAL(name->value->scalar, "demo");
  CU_ASSERT_FALSE(name->value->quoted);
  lfh_node *list = lfh_map_get(n, "list");
  CU_ASSERT_EQUAL(list->kind, LFH_NODE_SEQ);
  CU_ASSERT_EQUAL(list->n, 2);
  CU_ASSERT_EQUAL(list->items[1]->mark.line, 5);
  CU_ASSERT_EQUAL(list->items[1]->mark.col, 7);
  CU_ASSERT_TRUE(list->items[1]->quoted);
  CU_ASSERT_STRING_EQUAL(list->items[1]->mark.file, "t.yml");
  CU_ASSERT_EQUAL(d.n, 0);
  lfh_node_free(n);
  lfh_diags_free(&d);
}

static void test_nulls_and_empty(void) {
  lfh_diags d;
  lfh_node *n = parse("a: ~\nb: null\nc:\nd: ''\ne: NULL\nf: !!str null\n", &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  CU_ASSERT_EQUAL(lfh_map_get(n, "a")->kind, LFH_NODE_NULL);
  CU_ASSERT_EQUAL(lfh_map_get(n, "b")->kind, LFH_NODE_NULL);
  CU_ASSERT_EQUAL(lfh_map_get(n, "c")->kind, LFH_NODE_NULL);
  CU_ASSERT_EQUAL(lfh_map_get(n, "d")->kind, LFH_NODE_SCALAR);
  CU_ASSERT_TRUE(lfh_map_get(n, "d")->quoted);
  CU_ASSERT_EQUAL(lfh_map_get(n, "e")->kind, LFH_NODE_NULL);
  CU_ASSERT_EQUAL(lfh_map_get(n, "f")->kind, LFH_NODE_SCALAR);
  lfh_node_free(n);
  lfh_diags_free(&d);
  n = parse("", &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  CU_ASSERT_EQUAL(n->kind, LFH_NODE_NULL);
  lfh_node_free(n);
  n = parse("# only a comment\n", &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  CU_ASSERT_EQUAL(n->kind, LFH_NODE_NULL);
  CU_ASSERT_EQUAL(d.n, 0);
  lfh_node_free(n);
  lfh_diags_free(&d);
}

static void test_duplicate_key(void) {
  lfh_diags d;
  lfh_node *n = parse("a: 1\nb:\n  x: 1\n  x: 2\n", &d);
  CU_ASSERT_PTR_NULL(n);
  expect_diag(&d, "duplicate key 'x' (first defined at t.yml:3:3)", 4, 3);
  lfh_diags_free(&d);
}

static void test_aliases(void) {
  lfh_diags d;
  lfh_node *n = parse("base: &b {k: v, l: [1, 2]}\ncopy: *b\n", &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  lfh_node *copy = lfh_map_get(n, "copy");
  CU_ASSERT_EQUAL(copy->kind, LFH_NODE_MAP);
  CU_ASSERT_STRING_EQUAL(lfh_map_get(copy, "k")->scalar, "v");
  CU_ASSERT_PTR_NOT_EQUAL(copy, lfh_map_get(n, "base")); /* expanded, not shared */
  lfh_node_free(n);
  lfh_diags_free(&d);

  n = parse("a: *nope\n", &d);
  CU_ASSERT_PTR_NULL(n);
  expect_diag(&d, "unknown alias '*nope'", 1, 4);
  lfh_diags_free(&d);
}

static void test_billion_laughs(void) {
  char text[2048] = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; i++) {
    char line[128];
    snprintf(line, sizeof line, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
             i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    strcat(text, line);
  }
  lfh_diags d;
  lfh_node *n = parse(text, &d);
  CU_ASSERT_PTR_NULL(n);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&d, "document too large"));
  lfh_diags_free(&d);
}

static void test_deep_nesting(void) {
  char text[1024];
  memset(text, '[', 300);
  text[300] = '\0';
  lfh_diags d;
  lfh_node *n = parse(text, &d);
  CU_ASSERT_PTR_NULL(n);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&d, "nests deeper"));
  lfh_diags_free(&d);
}

static void test_merge_key_refused(void) {
  lfh_diags d;
  lfh_node *n = parse("base: &b {k: v}\nother:\n  <<: *b\n", &d);
  CU_ASSERT_PTR_NULL(n);
  expect_diag(&d, "merge keys ('<<') are not supported", 3, 3);
  lfh_diags_free(&d);
  n = parse("\"<<\": quoted is a plain key\n", &d);
  CU_ASSERT_PTR_NOT_NULL(n);
  lfh_node_free(n);
  lfh_diags_free(&d);
}

static void test_complex_key(void) {
  lfh_diags d;
  lfh_node *n = parse("? [a, b]\n: v\n", &d);
  CU_ASSERT_PTR_NULL(n);
  expect_diag(&d, "mapping keys must be scalars", 1, 3);
  lfh_diags_free(&d);
}

static void test_syntax_error(void) {
  lfh_diags d;
  lfh_node *n = parse("a: 1\nb: [1, 2\nc: 3\n", &d);
  CU_ASSERT_PTR_NULL(n);
  const lfh_diag *g = lfh_diags_find(&d, "YAML syntax error");
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  CU_ASSERT_PTR_NOT_NULL(strstr(g->message, "did not find expected ',' or ']'"));
  CU_ASSERT_EQUAL(g->line, 3);
  CU_ASSERT_EQUAL(g->col, 2);
  lfh_diags_free(&d);

  n = parse("a: 1\n  b: 2\n", &d);
  CU_ASSERT_PTR_NULL(n);
  expect_diag(&d, "mapping values are not allowed in this context", 2, 4);
  lfh_diags_free(&d);

  n = parse("a: \"\\q\"\n", &d);
  CU_ASSERT_PTR_NULL(n);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&d, "found unknown escape character"));
  lfh_diags_free(&d);
}

static void test_load_file(void) {
  lfh_diags d;
  lfh_diags_init(&d);
  char *dir = lfh_test_tmpdir();
  char *path = lfh_test_write(dir, "x.yml", "k: v\n");
  lfh_node *n = lfh_yaml_load_file(path, &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  CU_ASSERT_STRING_EQUAL(lfh_map_get(n, "k")->mark.file, path);
  lfh_node_free(n);
  n = lfh_yaml_load_file("/nonexistent/x.yml", &d);
  CU_ASSERT_PTR_NULL(n);
  CU_ASSERT_PTR_NOT_NULL(lfh_diags_find(&d, "cannot read /nonexistent/x.yml"));
  lfh_diags_free(&d);
  lfh_test_rmtree(dir);
  free(path);
  free(dir);
}

static void test_merge(void) {
  lfh_diags d;
  lfh_node *dst = parse("a: {x: 1, y: [1, 2], z: {p: 1}}\nb: keep\nc: 1\n", &d);
  lfh_node *src = parse("a: {y: [3], z: {q: 2}, w: new}\nb:\nc: {now: map}\n", &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dst);
  CU_ASSERT_PTR_NOT_NULL_FATAL(src);
  CU_ASSERT_EQUAL(lfh_node_merge(dst, src), 0);
  char *j = to_json(dst);
  CU_ASSERT_STRING_EQUAL(j, "{\n  \"a\": {\n    \"x\": 1,\n    \"y\": [\n      3\n    ],\n"
                            "    \"z\": {\n      \"p\": 1,\n      \"q\": 2\n    },\n"
                            "    \"w\": \"new\"\n  },\n  \"b\": \"keep\",\n"
                            "  \"c\": {\n    \"now\": \"map\"\n  }\n}");
  /* the replaced sequence carries the source's marks */
  CU_ASSERT_EQUAL(lfh_map_get(lfh_map_get(dst, "a"), "y")->mark.line, 1);
  CU_ASSERT_EQUAL(lfh_map_get(lfh_map_get(dst, "a"), "w")->mark.col, 27);
  free(j);
  lfh_node_free(dst);
  lfh_node_free(src);
  lfh_diags_free(&d);
}

static void test_clone_and_edit(void) {
  lfh_diags d;
  lfh_node *n = parse("a: [1, {b: c}]\nd: e\n", &d);
  lfh_node *c = lfh_node_clone(n);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  char *j1 = to_json(n), *j2 = to_json(c);
  CU_ASSERT_STRING_EQUAL(j1, j2);
  CU_ASSERT_EQUAL(lfh_map_remove(c, "a"), 1);
  CU_ASSERT_EQUAL(lfh_map_remove(c, "a"), 0);
  CU_ASSERT_EQUAL(c->n, 1);
  CU_ASSERT_EQUAL(lfh_map_set(c, "d", NULL, lfh_node_new_scalar("f", NULL)), 0);
  CU_ASSERT_STRING_EQUAL(lfh_map_get(c, "d")->scalar, "f");
  CU_ASSERT_EQUAL(lfh_map_get(c, "d")->mark.line, 0);
  CU_ASSERT_EQUAL(lfh_map_entry_get(c, "d")->key_mark.line, 2); /* key mark kept */
  free(j1);
  free(j2);
  lfh_node_free(n);
  lfh_node_free(c);
  lfh_diags_free(&d);
}

static void test_scalars(void) {
  lfh_node *n = lfh_node_new_scalar("", NULL);
  static const struct { const char *s; int ok; long long v; } ints[] = {
      {"0", 1, 0}, {"-12", 1, -12}, {"+7", 1, 7}, {"0x1F", 1, 31}, {"0o17", 1, 15},
      {"9223372036854775807", 1, 9223372036854775807LL}, {"9223372036854775808", 0, 0},
      {"-9223372036854775808", 1, -9223372036854775807LL - 1}, {"1.5", 0, 0}, {" 1", 0, 0},
      {"0x", 0, 0}, {"0o8", 0, 0}, {"--1", 0, 0}, {"", 0, 0}};
  for (size_t i = 0; i < LFH_ARRAY_LEN(ints); i++) {
    long long v = -99;
    lfh_node_set_text(n, ints[i].s, strlen(ints[i].s));
    CU_ASSERT_EQUAL(lfh_scalar_int(n, &v) == 0, ints[i].ok);
    if (ints[i].ok) CU_ASSERT_EQUAL(v, ints[i].v);
  }
  static const struct { const char *s; int ok; double v; } dbl[] = {
      {"1.5", 1, 1.5}, {"-2e3", 1, -2000}, {".5", 1, 0.5}, {"3", 1, 3}, {"1.", 1, 1},
      {"e3", 0, 0}, {"inf", 0, 0}, {"0x10", 0, 0}, {"1e", 0, 0}, {"nan", 0, 0}};
  for (size_t i = 0; i < LFH_ARRAY_LEN(dbl); i++) {
    double v = -99;
    lfh_node_set_text(n, dbl[i].s, strlen(dbl[i].s));
    CU_ASSERT_EQUAL(lfh_scalar_double(n, &v) == 0, dbl[i].ok);
    if (dbl[i].ok) CU_ASSERT_DOUBLE_EQUAL(v, dbl[i].v, 1e-12);
  }
  double v;
  lfh_node_set_text(n, "-.inf", 5);
  CU_ASSERT_EQUAL(lfh_scalar_double(n, &v), 0);
  CU_ASSERT_TRUE(v < -1e308);
  static const struct { const char *s; int ok, v; } bools[] = {
      {"true", 1, 1}, {"True", 1, 1}, {"FALSE", 1, 0}, {"yes", 0, 0}, {"tRue", 0, 0}};
  for (size_t i = 0; i < LFH_ARRAY_LEN(bools); i++) {
    int b = -1;
    lfh_node_set_text(n, bools[i].s, strlen(bools[i].s));
    CU_ASSERT_EQUAL(lfh_scalar_bool(n, &b) == 0, bools[i].ok);
    if (bools[i].ok) CU_ASSERT_EQUAL(b, bools[i].v);
  }
  lfh_node_free(n);
}

static void test_json(void) {
  lfh_diags d;
  lfh_node *n = parse("s: \"q\\\"b\\\\\\n\\t\\x01\"\nb: true\nqb: \"true\"\ni: 0x10\nf: 1.25\n"
                      "inf: .inf\nn: ~\ne: []\nm: {}\npw: hunter2\nu: \"h\\u00e9\"\n", &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  lfh_map_get(n, "pw")->secret = 1;
  char *j = to_json(n);
  CU_ASSERT_STRING_EQUAL(j, "{\n  \"s\": \"q\\\"b\\\\\\n\\t\\u0001\",\n  \"b\": true,\n"
                            "  \"qb\": \"true\",\n  \"i\": 16,\n  \"f\": 1.25,\n"
                            "  \"inf\": \".inf\",\n  \"n\": null,\n  \"e\": [],\n  \"m\": {},\n"
                            "  \"pw\": \"***\",\n  \"u\": \"h\xc3\xa9\"\n}");
  free(j);
  /* bytes that are not UTF-8 (say from the environment) still give valid JSON */
  lfh_node_set_text(lfh_map_get(n, "s"), "a\xff\xc3", 3);
  lfh_node *s = lfh_map_get(n, "s");
  j = to_json(s);
  CU_ASSERT_STRING_EQUAL(j, "\"a\\ufffd\\ufffd\"");
  free(j);
  lfh_node_free(n);
  lfh_diags_free(&d);
}

static void test_first_document_only(void) {
  lfh_diags d;
  lfh_node *n = parse("---\na: 1\n---\nb: 2\n", &d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n);
  CU_ASSERT_PTR_NOT_NULL(lfh_map_get(n, "a"));
  CU_ASSERT_PTR_NULL(lfh_map_get(n, "b"));
  lfh_node_free(n);
  lfh_diags_free(&d);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"marks", test_marks},
      {"nulls_and_empty", test_nulls_and_empty},
      {"duplicate_key", test_duplicate_key},
      {"aliases", test_aliases},
      {"billion_laughs", test_billion_laughs},
      {"deep_nesting", test_deep_nesting},
      {"merge_key_refused", test_merge_key_refused},
      {"complex_key", test_complex_key},
      {"syntax_error", test_syntax_error},
      {"load_file", test_load_file},
      {"merge", test_merge},
      {"clone_and_edit", test_clone_and_edit},
      {"scalars", test_scalars},
      {"json", test_json},
      {"first_document_only", test_first_document_only},
      {NULL, NULL}};
  return lfh_test_run("yaml", cases);
}
