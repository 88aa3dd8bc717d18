/*
 * lfb_json (plugins/bronze): the schema-directed NDJSON decoder of the autoloader.
 * Every type with nulls and nesting, field order, rescued data (unknown fields, wrong
 * types, with their nesting; always valid JSON, checked with jansson), corrupt records
 * (invalid JSON, truncated, invalid UTF-8, NUL bytes, deep nesting, huge lines), empty
 * input, CRLF, JSON-array files, the evolution modes, the metadata column, several
 * batches per decoder; then real lfproduce output (malformed lines, drift) decoded with
 * the clickstream bundle's DDL and checked value by value against jansson's parse.
 * Every batch is validated with lf_view_init against lfb_json_output_schema.
 */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bundle/lfh_ddl.h"
#include "lf/lf_array.h"
#include "lfb_json.h"
#include "lfh_arrow_equal.h"
#include "lfp_events.h"
#include "lfb_json_internal.h"
#include "lfh_test.h"

/* ------------------------------------------------------------ harness */

/* One decoder over a DDL schema plus the last finished batch and its views. */
typedef struct fx {
  struct ArrowSchema ddl, out_schema;
  struct ArrowArray batch;
  lf_view root;
  lfb_json_decoder *dec;
  lfb_json_stats st;
  char msg[512];
  lf_error err;
  int rc;     /* of the last decode */
  int noview; /* the schema has formats lf_view does not read (FLOAT, DATE) */
} fx;

static void fx_open(fx *f, const char *ddl, const char *rescued, uint32_t evo, const char *meta,
                    size_t max_line) {
  memset(f, 0, sizeof *f);
  lf_error_init(&f->err, f->msg, sizeof f->msg);
  lfh_ddl_error de;
  CU_ASSERT_FATAL(lfh_ddl_parse(ddl, strlen(ddl), &f->ddl, &de) == LF_OK);
  lfb_json_opts o = {&f->ddl, rescued, evo, meta, max_line};
  CU_ASSERT_FATAL(lfb_json_decoder_new(&o, &f->dec, &f->err) == LF_OK);
}

static void fx_drop_batch(fx *f) {
  lf_array_release(&f->batch);
  lf_schema_release(&f->out_schema);
}

static void fx_close(fx *f) {
  fx_drop_batch(f);
  lfb_json_decoder_free(f->dec);
  lf_schema_release(&f->ddl);
}

static int fx_decode(fx *f, const char *text, size_t len, const char *path) {
  lfb_json_file file = {path, (int64_t)len, 1700000000000000};
  f->rc = lfb_json_decode(f->dec, text, len, &file, &f->st, &f->err);
  return f->rc;
}

/* Finishes a batch and validates it against the output schema. */
static void fx_finish(fx *f) {
  fx_drop_batch(f);
  CU_ASSERT_FATAL(lfb_json_finish(f->dec, &f->batch, &f->err) == LF_OK);
  CU_ASSERT_FATAL(lfb_json_output_schema(f->dec, &f->out_schema, &f->err) == LF_OK);
  if (f->noview) return;
  int rc = lf_view_init(&f->root, &f->out_schema, &f->batch, &f->err);
  if (rc != LF_OK) fprintf(stderr, "lf_view_init: %s\n", f->msg);
  CU_ASSERT_FATAL(rc == LF_OK);
}

/* Decodes `text` as one file and finishes the batch. */
static void fx_run(fx *f, const char *text) {
  memset(&f->st, 0, sizeof f->st);
  CU_ASSERT_EQUAL(fx_decode(f, text, strlen(text), "landing/a.json"), LF_OK);
  fx_finish(f);
}

/* The column named `path` ("user.email"; struct children only). */
static lf_view col(const fx *f, const char *path) {
  lf_view v = f->root, k;
  char part[128];
  while (*path) {
    size_t n = strcspn(path, ".");
    snprintf(part, sizeof part, "%.*s", (int)n, path);
    int found = 0;
    for (int64_t i = 0; i < lf_view_n_children(&v) && !found; i++) {
      CU_ASSERT_FATAL(lf_view_child(&v, i, &k) == LF_OK);
      if (strcmp(lf_view_name(&k), part) == 0) found = 1;
    }
    if (!found) fprintf(stderr, "no column %s\n", part);
    CU_ASSERT_FATAL(found);
    v = k;
    path += n + (path[n] == '.');
  }
  return v;
}

static int str_is(const lf_view *v, int64_t row, const char *want) {
  size_t n;
  if (!lf_view_is_valid(v, row)) return want == NULL;
  const char *s = lf_view_utf8(v, row, &n);
  return want && n == strlen(want) && memcmp(s, want, n) == 0;
}

/* The rescued JSON of `row` parsed (NULL when the column is NULL); the caller decrefs. */
static json_t *rescued(const fx *f, int64_t row) {
  lf_view r = col(f, "_rescued_data");
  if (!lf_view_is_valid(&r, row)) return NULL;
  size_t n;
  const char *s = lf_view_utf8(&r, row, &n);
  json_error_t je;
  json_t *j = json_loadb(s, n, JSON_ALLOW_NUL, &je);
  if (!j) fprintf(stderr, "rescued JSON does not parse: %.*s (%s)\n", (int)n, s, je.text);
  CU_ASSERT_FATAL(j != NULL);
  CU_ASSERT_FATAL(json_is_object(j));
  return j;
}

/* rescued(row) equals the JSON `want` (with _file_path removed). */
static int rescued_is(const fx *f, int64_t row, const char *want) {
  json_t *got = rescued(f, row), *w = json_loads(want, 0, NULL);
  CU_ASSERT_FATAL(w != NULL);
  int ok = got && json_is_string(json_object_get(got, "_file_path"));
  if (got) json_object_del(got, "_file_path");
  ok = ok && json_equal(got, w);
  if (!ok) {
    char *g = got ? json_dumps(got, JSON_COMPACT) : NULL;
    fprintf(stderr, "row %lld rescued %s, want %s\n", (long long)row, g ? g : "NULL", want);
    free(g);
  }
  json_decref(got);
  json_decref(w);
  return ok;
}

static const char *corrupt_text(const fx *f, int64_t row, json_t **hold) {
  *hold = rescued(f, row);
  json_t *c = *hold ? json_object_get(*hold, "_corrupt_record") : NULL;
  return c ? json_string_value(c) : NULL;
}

/* Every data column of `row` is NULL. */
static int all_null(const fx *f, int64_t row) {
  lf_view v = f->root, k;
  int64_t n = lf_view_n_children(&v) - 1; /* minus _rescued_data */
  for (int64_t i = 0; i < n; i++) {
    lf_view_child(&v, i, &k);
    if (lf_view_is_valid(&k, row)) return 0;
  }
  return 1;
}

/* ------------------------------------------------------------ types */

static const char *TYPES_DDL =
    "s STRING, b BOOLEAN, i INT, l BIGINT, d DOUBLE, ts TIMESTAMP, "
    "st STRUCT<a: INT, b: STRING>, arr ARRAY<INT>, m MAP<STRING, DOUBLE>, "
    "deep ARRAY<STRUCT<x: STRING, y: ARRAY<BIGINT>>>";

static void test_types(void) {
  fx f;
  fx_open(&f, TYPES_DDL, "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  fx_run(&f,
         "{\"s\":\"h\\u00e9\\n\\\"x\\\"\",\"b\":true,\"i\":-2147483648,\"l\":9223372036854775807,"
         "\"d\":-0.1e-3,\"ts\":\"2024-01-01T00:00:01.5Z\","
         "\"st\":{\"a\":7,\"b\":\"in\"},\"arr\":[1,null,3],\"m\":{\"k\":2,\"z\":null},"
         "\"deep\":[{\"x\":\"p\",\"y\":[1,2]},null,{\"y\":[]}]}\n"
         "{\"s\":null,\"b\":false,\"i\":0,\"l\":-1,\"d\":3,\"ts\":null,"
         "\"st\":null,\"arr\":[],\"m\":{},\"deep\":null}\n"
         "{}\n");
  CU_ASSERT_EQUAL(f.root.length, 3);
  CU_ASSERT_EQUAL(f.st.rows, 3);
  CU_ASSERT_EQUAL(f.st.rescued_rows, 0);
  lf_view v = col(&f, "s");
  CU_ASSERT(str_is(&v, 0, "h\xc3\xa9\n\"x\""));
  CU_ASSERT(str_is(&v, 1, NULL));
  CU_ASSERT(str_is(&v, 2, NULL));
  v = col(&f, "b");
  CU_ASSERT(lf_view_bool(&v, 0) == 1 && lf_view_is_valid(&v, 1) && lf_view_bool(&v, 1) == 0);
  CU_ASSERT(!lf_view_is_valid(&v, 2));
  v = col(&f, "i");
  CU_ASSERT_EQUAL(lf_view_int32(&v, 0), INT32_MIN);
  v = col(&f, "l");
  CU_ASSERT_EQUAL(lf_view_int64(&v, 0), INT64_MAX);
  CU_ASSERT_EQUAL(lf_view_int64(&v, 1), -1);
  v = col(&f, "d");
  CU_ASSERT_EQUAL(lf_view_double(&v, 0), -0.1e-3);
  CU_ASSERT_EQUAL(lf_view_double(&v, 1), 3.0);
  v = col(&f, "ts");
  CU_ASSERT_EQUAL(lf_view_int64(&v, 0), INT64_C(1704067201500000));
  v = col(&f, "st");
  CU_ASSERT(lf_view_is_valid(&v, 0) && !lf_view_is_valid(&v, 1) && !lf_view_is_valid(&v, 2));
  v = col(&f, "st.a");
  CU_ASSERT(lf_view_int32(&v, 0) == 7 && !lf_view_is_valid(&v, 1));
  v = col(&f, "arr");
  int64_t s, e;
  lf_view it;
  lf_view_list_range(&v, 0, &s, &e);
  lf_view_child(&v, 0, &it);
  CU_ASSERT(e - s == 3 && lf_view_int32(&it, s) == 1 && !lf_view_is_valid(&it, s + 1) &&
            lf_view_int32(&it, s + 2) == 3);
  lf_view_list_range(&v, 1, &s, &e);
  CU_ASSERT(lf_view_is_valid(&v, 1) && e == s);
  CU_ASSERT(!lf_view_is_valid(&v, 2));
  v = col(&f, "m");
  lf_view ent, key, val;
  lf_view_child(&v, 0, &ent);
  lf_view_child(&ent, 0, &key);
  lf_view_child(&ent, 1, &val);
  lf_view_list_range(&v, 0, &s, &e);
  CU_ASSERT(e - s == 2 && str_is(&key, s, "k") && lf_view_double(&val, s) == 2.0 &&
            str_is(&key, s + 1, "z") && !lf_view_is_valid(&val, s + 1));
  v = col(&f, "deep");
  lf_view_list_range(&v, 0, &s, &e);
  CU_ASSERT_EQUAL(e - s, 3);
  lf_view el, x, y, yi;
  lf_view_child(&v, 0, &el);
  lf_view_child(&el, 0, &x);
  lf_view_child(&el, 1, &y);
  lf_view_child(&y, 0, &yi);
  CU_ASSERT(str_is(&x, s, "p") && !lf_view_is_valid(&el, s + 1) && !lf_view_is_valid(&x, s + 2));
  int64_t ys, ye;
  lf_view_list_range(&y, s, &ys, &ye);
  CU_ASSERT(ye - ys == 2 && lf_view_int64(&yi, ys) == 1 && lf_view_int64(&yi, ys + 1) == 2);
  lf_view_list_range(&y, s + 2, &ys, &ye);
  CU_ASSERT(lf_view_is_valid(&y, s + 2) && ye == ys);
  fx_close(&f);
}

/* FLOAT ("f") and DATE ("tdD") are outside lf_view's formats: read the raw buffers. */
static const struct ArrowArray *raw_child(const fx *f, const char *name) {
  for (int64_t i = 0; i < f->out_schema.n_children; i++)
    if (strcmp(f->out_schema.children[i]->name, name) == 0) return f->batch.children[i];
  CU_FAIL_FATAL("no such column");
  return NULL;
}

static int raw_valid(const struct ArrowArray *a, int64_t r) {
  const uint8_t *v = a->buffers[0];
  return !v || (v[r >> 3] >> (r & 7)) & 1;
}

static void test_date_float(void) {
  fx f;
  fx_open(&f, "f FLOAT, dt DATE", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  f.noview = 1;
  fx_run(&f, "{\"f\":1.5,\"dt\":\"2024-02-29\"}\n{\"f\":0,\"dt\":\"1970-01-01\"}\n"
             "{\"f\":-3e2,\"dt\":\"1969-12-31\"}\n{\"f\":null,\"dt\":null}\n"
             "{\"f\":1e300,\"dt\":\"2024-02-30\"}\n{\"dt\":\"2024-01-01T00:00:00Z\"}\n");
  CU_ASSERT_EQUAL(f.batch.length, 6);
  const struct ArrowArray *fa = raw_child(&f, "f"), *da = raw_child(&f, "dt");
  CU_ASSERT_STRING_EQUAL(f.out_schema.children[0]->format, "f");
  CU_ASSERT_STRING_EQUAL(f.out_schema.children[1]->format, "tdD");
  const float *fv = fa->buffers[1];
  const int32_t *dv = da->buffers[1];
  CU_ASSERT(fv[0] == 1.5f && fv[1] == 0.0f && fv[2] == -300.0f);
  CU_ASSERT(dv[0] == 19782 && dv[1] == 0 && dv[2] == -1); /* 2024-02-29 is day 19782 */
  CU_ASSERT(!raw_valid(fa, 3) && !raw_valid(da, 3));
  CU_ASSERT(!raw_valid(fa, 4) && !raw_valid(da, 4) && !raw_valid(da, 5)); /* rescued */
  CU_ASSERT_EQUAL(fa->null_count, 3);
  CU_ASSERT_EQUAL(da->null_count, 3);
  CU_ASSERT_EQUAL(f.st.rescued_rows, 2);
  fx_close(&f);
}

static void test_field_order(void) {
  fx f;
  fx_open(&f, "a INT, b STRING, c STRUCT<x: INT, y: INT>", "_rescued_data", LFB_EVOLVE_RESCUE,
          NULL, 0);
  fx_run(&f, "{\"a\":1,\"b\":\"x\",\"c\":{\"x\":1,\"y\":2}}\n"
             "{\"c\":{\"y\":4,\"x\":3},\"b\":\"y\",\"a\":2}\n"
             "{\"b\":\"z\"}\n"
             "{ \"c\" : { \"y\" : 6 } , \"a\" : 3 }\n"
             "{\"a\":5,\"a\":6}\n"
             "{\"\\u0061\":7}\n"
             "{\"A\":8}\n");
  lf_view a = col(&f, "a"), b = col(&f, "b"), cx = col(&f, "c.x"), cy = col(&f, "c.y");
  CU_ASSERT(lf_view_int32(&a, 0) == 1 && lf_view_int32(&a, 1) == 2 && !lf_view_is_valid(&a, 2));
  CU_ASSERT(lf_view_int32(&a, 3) == 3 && str_is(&b, 2, "z") && str_is(&b, 1, "y"));
  CU_ASSERT(lf_view_int32(&cx, 1) == 3 && lf_view_int32(&cy, 1) == 4);
  CU_ASSERT(!lf_view_is_valid(&cx, 3) && lf_view_int32(&cy, 3) == 6);
  /* A duplicate key: the first value counts, the later one is rescued. */
  CU_ASSERT(lf_view_int32(&a, 4) == 5 && rescued_is(&f, 4, "{\"a\":6}"));
  CU_ASSERT(lf_view_int32(&a, 5) == 7); /* an escaped key */
  /* Names match case-sensitively: "A" is not "a" (Auto Loader rescues it). */
  CU_ASSERT(!lf_view_is_valid(&a, 6) && rescued_is(&f, 6, "{\"A\":8}"));
  for (int64_t r = 0; r < 4; r++) CU_ASSERT(rescued(&f, r) == NULL);
  fx_close(&f);
}

/* ------------------------------------------------------------ rescued data */

static void test_rescue(void) {
  fx f;
  fx_open(&f, "id STRING, n INT, user STRUCT<email: STRING, geo: STRUCT<city: STRING>>, "
              "tags ARRAY<STRING>, props MAP<STRING, STRING>, when TIMESTAMP, items ARRAY<STRUCT<q: INT>>",
          "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  fx_run(&f,
         /* 0: an unknown top-level field */
         "{\"id\":\"a\",\"extra\":{\"k\":[1,2]}}\n"
         /* 1: wrong types, nested twice */
         "{\"id\":\"b\",\"n\":\"7\",\"user\":{\"email\":5,\"geo\":{\"city\":true,\"zip\":\"x\"}}}\n"
         /* 2: a struct that is a string; an array with a wrong item; a map with an object */
         "{\"user\":\"anon\",\"tags\":[\"a\",1],\"props\":{\"k\":{\"z\":1}}}\n"
         /* 3: ints that do not fit: fraction, exponent, overflow */
         "{\"n\":1.5}\n{\"n\":1e2}\n{\"n\":2147483648}\n"
         /* 6: a timestamp that does not parse; a struct in an array with an unknown field */
         "{\"when\":\"yesterday\",\"items\":[{\"q\":1},{\"q\":2,\"r\":3}]}\n"
         /* 7: the same, all fitting */
         "{\"when\":\"2024-01-01 10:00:00+02:00\",\"items\":[{\"q\":1}]}\n");
  CU_ASSERT_EQUAL(f.st.rows, 8);
  CU_ASSERT_EQUAL(f.st.rescued_rows, 7);
  CU_ASSERT_EQUAL(f.st.corrupt_rows, 0);
  lf_view id = col(&f, "id"), n = col(&f, "n"), email = col(&f, "user.email"),
          city = col(&f, "user.geo.city"), user = col(&f, "user"), tags = col(&f, "tags"),
          props = col(&f, "props"), when = col(&f, "when"), items = col(&f, "items");
  CU_ASSERT(str_is(&id, 0, "a") && rescued_is(&f, 0, "{\"extra\":{\"k\":[1,2]}}"));
  CU_ASSERT(str_is(&id, 1, "b") && !lf_view_is_valid(&n, 1));
  CU_ASSERT(lf_view_is_valid(&user, 1) && !lf_view_is_valid(&email, 1) &&
            !lf_view_is_valid(&city, 1));
  CU_ASSERT(rescued_is(&f, 1, "{\"n\":\"7\",\"user\":{\"email\":5,\"geo\":{\"city\":true,\"zip\":\"x\"}}}"));
  CU_ASSERT(!lf_view_is_valid(&user, 2) && !lf_view_is_valid(&tags, 2) &&
            !lf_view_is_valid(&props, 2));
  CU_ASSERT(rescued_is(&f, 2, "{\"user\":\"anon\",\"tags\":[\"a\",1],\"props\":{\"k\":{\"z\":1}}}"));
  CU_ASSERT(rescued_is(&f, 3, "{\"n\":1.5}") && rescued_is(&f, 4, "{\"n\":1e2}") &&
            rescued_is(&f, 5, "{\"n\":2147483648}"));
  CU_ASSERT(!lf_view_is_valid(&when, 6) && !lf_view_is_valid(&items, 6));
  CU_ASSERT(rescued_is(&f, 6, "{\"when\":\"yesterday\",\"items\":[{\"q\":1},{\"q\":2,\"r\":3}]}"));
  CU_ASSERT(rescued(&f, 7) == NULL);
  CU_ASSERT_EQUAL(lf_view_int64(&when, 7), INT64_C(1704096000000000));
  int64_t s, e;
  lf_view_list_range(&items, 7, &s, &e);
  CU_ASSERT_EQUAL(e - s, 1);
  /* The rolled-back array items left nothing behind: row 7's item is item 0. */
  lf_view q = col(&f, "items"), qs, qq;
  lf_view_child(&q, 0, &qs);
  lf_view_child(&qs, 0, &qq);
  CU_ASSERT(s == 0 && lf_view_int32(&qq, 0) == 1);
  fx_close(&f);
}

/* ------------------------------------------------------------ corrupt records */

static void test_corrupt(void) {
  fx f;
  fx_open(&f, "a INT, s STRING", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 200);
  char deep[400];
  size_t k = 0;
  k += (size_t)snprintf(deep, sizeof deep, "{\"s\":\"d\",\"x\":");
  for (int i = 0; i < 70; i++) deep[k++] = '[';
  for (int i = 0; i < 70; i++) deep[k++] = ']';
  deep[k++] = '}';
  deep[k] = '\0';
  char huge[400];
  snprintf(huge, sizeof huge, "{\"s\":\"%0250d\"}", 0);
  const char *lines[] = {
      "{\"a\":1}",                  /* 0 fine */
      "{\"a\":1",                   /* 1 truncated */
      "{a:1}",                      /* 2 not JSON */
      "[1,2]",                      /* 3 JSON, not an object: corrupt (an array line) */
      "\"text\"",                   /* 4 */
      "{\"s\":\"\xff\xfe\"}",       /* 5 invalid UTF-8 */
      "{\"s\":\"\xed\xa0\x80\"}",   /* 6 a UTF-8 surrogate */
      "{\"s\":\"\\ud800\"}",        /* 7 a lone escaped surrogate */
      "{\"a\":1} x",                /* 8 text after the object */
      "{\"a\":01}",                 /* 9 a leading zero */
      "{\"s\":\"tab\there\"}",      /* 10 a raw control byte */
      "{\"a\":1,}",                 /* 11 trailing comma */
      "{\"a\":nul}",                /* 12 */
      "{\"a\":2}",                  /* 13 fine */
      "{\"s\":\"dee\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" /* 14 */
  };
  size_t nl = sizeof lines / sizeof lines[0];
  char text[4096];
  size_t o = 0;
  for (size_t i = 0; i < nl; i++) o += (size_t)snprintf(text + o, sizeof text - o, "%s\n", lines[i]);
  o += (size_t)snprintf(text + o, sizeof text - o, "%s\n%s\n", deep, huge); /* 15, 16 */
  static const char nul[] = "{\"s\":\"a\0b\"}\n{\"a\":3}"; /* 17 a NUL byte, 18 fine */
  memcpy(text + o, nul, sizeof nul - 1);
  o += sizeof nul - 1;
  memset(&f.st, 0, sizeof f.st);
  CU_ASSERT_EQUAL(fx_decode(&f, text, o, "landing/bad.json"), LF_OK);
  fx_finish(&f);
  CU_ASSERT_EQUAL(f.root.length, 19);
  CU_ASSERT_EQUAL(f.st.lines, 19);
  CU_ASSERT_EQUAL(f.st.corrupt_rows, 16);
  CU_ASSERT_EQUAL(f.st.rescued_rows, 16);
  lf_view a = col(&f, "a");
  CU_ASSERT(lf_view_int32(&a, 0) == 1 && lf_view_int32(&a, 13) == 2 && lf_view_int32(&a, 18) == 3);
  CU_ASSERT(rescued(&f, 0) == NULL && rescued(&f, 13) == NULL && rescued(&f, 18) == NULL);
  for (int64_t r = 1; r <= 17; r++) {
    if (r == 13) continue;
    json_t *h;
    const char *c = corrupt_text(&f, r, &h);
    CU_ASSERT(c != NULL);
    CU_ASSERT(all_null(&f, r));
    if (r < 14 && r != 5 && r != 6 && c) CU_ASSERT_STRING_EQUAL(c, lines[r]);
    if ((r == 5 || r == 6) && c) CU_ASSERT(strstr(c, "\xef\xbf\xbd") != NULL); /* U+FFFD */
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(h, "_file_path")), "landing/bad.json");
    if (r == 16 && c) CU_ASSERT_EQUAL(strlen(c), 200); /* an over-long line keeps its head */
    json_decref(h);
  }
  fx_close(&f);
}

static void test_empty_crlf(void) {
  fx f;
  fx_open(&f, "a INT, s STRING", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  fx_run(&f, "");
  CU_ASSERT_EQUAL(f.root.length, 0);
  fx_run(&f, "\n\n  \r\n\t\n");
  CU_ASSERT_EQUAL(f.root.length, 0);
  CU_ASSERT_EQUAL(f.st.lines, 0);
  fx_run(&f, "{\"a\":1,\"s\":\"x\"}\r\n\r\n{\"a\":2}\r\n{\"a\":\r\n{\"a\":3}");
  CU_ASSERT_EQUAL(f.root.length, 4);
  lf_view a = col(&f, "a"), s = col(&f, "s");
  CU_ASSERT(lf_view_int32(&a, 0) == 1 && str_is(&s, 0, "x") && lf_view_int32(&a, 1) == 2);
  CU_ASSERT(lf_view_int32(&a, 3) == 3 && !lf_view_is_valid(&a, 2));
  json_t *h;
  const char *c = corrupt_text(&f, 2, &h);
  CU_ASSERT(c && strcmp(c, "{\"a\":") == 0); /* the CR is not part of the record */
  json_decref(h);
  /* A UTF-8 byte order mark at the start of a file. */
  fx_run(&f, "\xef\xbb\xbf{\"a\":9}\n");
  a = col(&f, "a");
  CU_ASSERT(f.root.length == 1 && lf_view_int32(&a, 0) == 9);
  fx_close(&f);
}

static void test_json_array(void) {
  fx f;
  fx_open(&f, "a INT, s STRING", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  fx_run(&f, "\n  [\n  {\"a\": 1, \"s\": \"x\"},\n  {\"a\": 2},\n  7,\n  {\"a\": 3, \"z\": 1}\n]\n");
  CU_ASSERT_EQUAL(f.root.length, 4);
  CU_ASSERT_EQUAL(f.st.corrupt_rows, 1);
  lf_view a = col(&f, "a");
  CU_ASSERT(lf_view_int32(&a, 0) == 1 && lf_view_int32(&a, 1) == 2 && lf_view_int32(&a, 3) == 3);
  json_t *h;
  const char *c = corrupt_text(&f, 2, &h);
  CU_ASSERT(c && strcmp(c, "7") == 0);
  json_decref(h);
  CU_ASSERT(rescued_is(&f, 3, "{\"z\":1}"));
  fx_run(&f, "[]");
  CU_ASSERT_EQUAL(f.root.length, 0);
  /* A syntax error: what follows cannot be split into records. */
  fx_run(&f, "[{\"a\":1},{\"a\":2,,{\"a\":3}]");
  CU_ASSERT_EQUAL(f.root.length, 2);
  CU_ASSERT_EQUAL(f.st.corrupt_rows, 1);
  c = corrupt_text(&f, 1, &h);
  CU_ASSERT(c && strcmp(c, "{\"a\":2,,{\"a\":3}]") == 0);
  json_decref(h);
  /* Truncated: the complete elements, then one corrupt record. */
  fx_run(&f, "[{\"a\":1},{\"a\":2}");
  CU_ASSERT_EQUAL(f.root.length, 3);
  CU_ASSERT_EQUAL(f.st.corrupt_rows, 1);
  a = col(&f, "a");
  CU_ASSERT(lf_view_int32(&a, 1) == 2);
  fx_close(&f);
}

/* ------------------------------------------------------------ evolution, metadata, batches */

static void test_evolution(void) {
  const char *text = "{\"a\":1}\n{\"a\":2,\"b\":\"x\",\"n\":{\"c\":[1.5],\"d\":true}}\n"
                     "{\"a\":3,\"st\":{\"x\":1,\"y\":2}}\n";
  const char *ddl = "a INT, st STRUCT<x: INT>";
  fx f;
  /* rescue */
  fx_open(&f, ddl, "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  fx_run(&f, text);
  CU_ASSERT(rescued_is(&f, 1, "{\"b\":\"x\",\"n\":{\"c\":[1.5],\"d\":true}}"));
  CU_ASSERT(rescued_is(&f, 2, "{\"st\":{\"y\":2}}"));
  CU_ASSERT_EQUAL(f.st.n_new_fields, 0);
  fx_close(&f);
  /* add_new_columns: rescued now, reported with their types */
  fx_open(&f, ddl, "_rescued_data", LFB_EVOLVE_ADD, NULL, 0);
  memset(&f.st, 0, sizeof f.st);
  CU_ASSERT_EQUAL(fx_decode(&f, text, strlen(text), "x.json"), LF_OK);
  CU_ASSERT_EQUAL(f.st.n_new_fields, 2);
  const char *nf = f.st.new_fields;
  CU_ASSERT_FATAL(nf != NULL);
  CU_ASSERT_STRING_EQUAL(nf, "b");
  nf += strlen(nf) + 1;
  CU_ASSERT_STRING_EQUAL(nf, "STRING");
  nf += strlen(nf) + 1;
  CU_ASSERT_STRING_EQUAL(nf, "n");
  nf += strlen(nf) + 1;
  CU_ASSERT_STRING_EQUAL(nf, "STRUCT<c: ARRAY<DOUBLE>, d: BOOLEAN>");
  /* The inferred type is DDL the parser reads. */
  struct ArrowSchema s;
  char ddl2[256];
  snprintf(ddl2, sizeof ddl2, "n %s", nf);
  CU_ASSERT(lfh_ddl_parse(ddl2, strlen(ddl2), &s, NULL) == LF_OK);
  lf_schema_release(&s);
  fx_finish(&f);
  CU_ASSERT(rescued_is(&f, 1, "{\"b\":\"x\",\"n\":{\"c\":[1.5],\"d\":true}}"));
  fx_close(&f);
  /* fail_on_new_columns: the call fails naming field, file and line */
  fx_open(&f, ddl, "_rescued_data", LFB_EVOLVE_FAIL, NULL, 0);
  CU_ASSERT_EQUAL(fx_decode(&f, text, strlen(text), "in/x.json"), LF_ERR_SCHEMA);
  CU_ASSERT(strstr(f.msg, "'b'") && strstr(f.msg, "in/x.json:2"));
  CU_ASSERT_EQUAL(lfb_json_pending_rows(f.dec), 1); /* the rows before the line stay */
  const char *nested = "{\"a\":3,\"st\":{\"x\":1,\"y\":2}}\n";
  CU_ASSERT_EQUAL(fx_decode(&f, nested, strlen(nested), "in/y.json"), LF_ERR_SCHEMA);
  CU_ASSERT(strstr(f.msg, "'st.y'") != NULL);
  fx_close(&f);
  /* none: unknown fields dropped without a rescued column, rescued with one */
  fx_open(&f, ddl, NULL, LFB_EVOLVE_NONE, NULL, 0);
  fx_run(&f, text);
  CU_ASSERT_EQUAL(lf_view_n_children(&f.root), 2);
  CU_ASSERT_EQUAL(f.root.length, 3);
  CU_ASSERT_EQUAL(f.st.rescued_rows, 0);
  lf_view a = col(&f, "a");
  CU_ASSERT(lf_view_int32(&a, 1) == 2);
  fx_close(&f);
  fx_open(&f, ddl, "_rescued_data", LFB_EVOLVE_NONE, NULL, 0);
  fx_run(&f, text);
  CU_ASSERT(rescued_is(&f, 1, "{\"b\":\"x\",\"n\":{\"c\":[1.5],\"d\":true}}"));
  fx_close(&f);
}

static void test_metadata_batches(void) {
  fx f;
  fx_open(&f, "a INT", "_rescued_data", LFB_EVOLVE_RESCUE, "_metadata", 0);
  lfb_json_file f1 = {"abfss://c@a.dfs.core.windows.net/in/x \"q\".json", 123, 1700000000123456};
  lfb_json_file f2 = {"/tmp/y.json", 7, 5};
  memset(&f.st, 0, sizeof f.st);
  CU_ASSERT(lfb_json_decode(f.dec, "{\"a\":1}\n{\"a\":2,\"b\":1}\n", 22, &f1, &f.st, &f.err) == LF_OK);
  CU_ASSERT(lfb_json_decode(f.dec, "{\"a\":3}", 7, &f2, &f.st, &f.err) == LF_OK);
  CU_ASSERT_EQUAL(lfb_json_pending_rows(f.dec), 3);
  fx_finish(&f);
  CU_ASSERT_EQUAL(lfb_json_pending_rows(f.dec), 0);
  lf_view p = col(&f, "_metadata.file_path"), n = col(&f, "_metadata.file_name"),
          sz = col(&f, "_metadata.file_size"), mt = col(&f, "_metadata.file_modification_time");
  CU_ASSERT(str_is(&p, 0, f1.path) && str_is(&n, 1, "x \"q\".json") && str_is(&n, 2, "y.json"));
  CU_ASSERT(lf_view_int64(&sz, 0) == 123 && lf_view_int64(&sz, 2) == 7);
  CU_ASSERT(lf_view_int64(&mt, 1) == 1700000000123456 && lf_view_int64(&mt, 2) == 5);
  json_t *r = rescued(&f, 1);
  CU_ASSERT(r && strcmp(json_string_value(json_object_get(r, "_file_path")), f1.path) == 0);
  json_decref(r);
  /* Several batches from one decoder; an empty one in between. */
  for (int b = 0; b < 4; b++) {
    char text[64];
    int len = snprintf(text, sizeof text, "{\"a\":%d}\n{\"a\":%d}\n", b, b + 100);
    if (b != 2) CU_ASSERT(lfb_json_decode(f.dec, text, (size_t)len, &f2, NULL, &f.err) == LF_OK);
    fx_finish(&f);
    lf_view a = col(&f, "a");
    CU_ASSERT_EQUAL(f.root.length, b == 2 ? 0 : 2);
    if (b != 2) CU_ASSERT(lf_view_int32(&a, 0) == b && lf_view_int32(&a, 1) == b + 100);
  }
  /* The output schema: data columns (nullable), then _rescued_data, then _metadata. */
  CU_ASSERT_EQUAL(f.out_schema.n_children, 3);
  CU_ASSERT_STRING_EQUAL(f.out_schema.children[1]->name, "_rescued_data");
  CU_ASSERT_STRING_EQUAL(f.out_schema.children[2]->format, "+s");
  fx_close(&f);
}

/* ------------------------------------------------------------ scalars in detail */

static void test_timestamps(void) {
  fx f;
  fx_open(&f, "t TIMESTAMP, n TIMESTAMP_NTZ", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  static const struct {
    const char *text;
    int64_t us; /* INT64_MIN: rescued */
  } cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2024-01-01T00:00:00.123Z", INT64_C(1704067200123000)},
      {"2024-01-01T00:00:00.1234567Z", INT64_C(1704067200123456)},
      {"2024-01-01 01:00:00+01:00", INT64_C(1704067200000000)},
      {"2024-01-01T00:00:00-0130", INT64_C(1704072600000000)},
      {"2024-01-01T05:30+05", INT64_C(1704069000000000)},
      {"2024-01-01", INT64_C(1704067200000000)},
      {"1969-12-31T23:59:59.5Z", -500000},
      {"2024-02-30T00:00:00Z", INT64_MIN},
      {"2024-01-01T24:00:00Z", INT64_MIN},
      {"2024-01-01T00:00:00Q", INT64_MIN},
      {"2024-1-01", INT64_MIN},
      {"", INT64_MIN},
  };
  char text[4096];
  size_t o = 0;
  size_t nc = sizeof cases / sizeof cases[0];
  for (size_t i = 0; i < nc; i++)
    o += (size_t)snprintf(text + o, sizeof text - o, "{\"t\":\"%s\",\"n\":\"%s\"}\n", cases[i].text,
                          cases[i].text);
  o += (size_t)snprintf(text + o, sizeof text - o,
                        "{\"t\":\"2024-01-01T00:00:00\\u005a\"}\n{\"t\":12}\n");
  fx_run(&f, text);
  lf_view t = col(&f, "t"), n = col(&f, "n");
  for (size_t i = 0; i < nc; i++) {
    int ok = cases[i].us == INT64_MIN ? !lf_view_is_valid(&t, (int64_t)i)
                                      : lf_view_is_valid(&t, (int64_t)i) &&
                                            lf_view_int64(&t, (int64_t)i) == cases[i].us;
    if (!ok) fprintf(stderr, "timestamp case %s\n", cases[i].text);
    CU_ASSERT(ok);
  }
  /* NTZ: a zone suffix is refused; the wall clock is kept */
  CU_ASSERT(!lf_view_is_valid(&n, 0) && !lf_view_is_valid(&n, 3));
  CU_ASSERT(lf_view_is_valid(&n, 6) && lf_view_int64(&n, 6) == INT64_C(1704067200000000));
  int64_t r = (int64_t)nc;
  CU_ASSERT(lf_view_int64(&t, r) == INT64_C(1704067200000000));
  CU_ASSERT(!lf_view_is_valid(&t, r + 1) && rescued_is(&f, r + 1, "{\"t\":12}"));
  fx_close(&f);
}

/* The fast path for "YYYY-MM-DDTHH:MM:SS.mmmZ" agrees with the general parser on that
 * form and on every one-byte change of it (each position through digits, separators,
 * letters and the closing quote's neighbours), on calendar edges and on other lengths;
 * consecutive values change the date often, so the remembered date is exercised too. */
static void test_timestamp_fast_form(void) {
  static const char *bases[] = {"2024-03-15T12:34:56.789Z", "2024-02-29T23:59:59.999Z",
                                "2023-02-29T00:00:00.000Z", "1969-12-31T23:59:59.001Z",
                                "0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
                                "2024-13-01T00:00:00.000Z", "2024-04-31T00:00:00.000Z",
                                "2024-01-00T00:00:00.000Z", "2024-01-01T24:00:00.000Z",
                                "2024-01-01T00:60:00.000Z", "2024-01-01T00:00:60.000Z",
                                "2024-03-15T12:34:56.78Z",  "2024-03-15T12:34:56.7890Z",
                                "2024-03-15T12:34:56Z",     "2024-03-15T12:34:56.789ZZ",
                                "2024-03-15T12:34:56.789",  "2024-03-15t12:34:56.789z",
                                "2024-03-15 12:34:56.789Z", "2024-03-15T12:34:56.789+00"};
  static const char subs[] = "0159/:-.TtZz +Q~";
  size_t nb = sizeof bases / sizeof bases[0], cap = 1 << 20, o = 0, rows = 0;
  char *text = malloc(cap), (*vals)[40] = malloc(10000 * sizeof *vals);
  CU_ASSERT_FATAL(text && vals);
  for (size_t b = 0; b < nb; b++) {
    size_t len = strlen(bases[b]);
    for (size_t i = 0; i <= len; i++)
      for (size_t k = 0; k < sizeof subs - 1 && (i < len || k == 0); k++) {
        char v[40];
        memcpy(v, bases[b], len + 1);
        if (i < len) v[i] = subs[k]; /* i == len: the base itself */
        CU_ASSERT_FATAL(rows < 10000);
        memcpy(vals[rows], v, sizeof v);
        o += (size_t)snprintf(text + o, cap - o, "{\"t\":\"%s\",\"n\":\"%s\"}\n", v, v);
        rows++;
      }
  }
  CU_ASSERT_FATAL(o < cap);
  fx f;
  fx_open(&f, "t TIMESTAMP, n TIMESTAMP_NTZ", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  fx_run(&f, text);
  lf_view t = col(&f, "t"), n = col(&f, "n");
  CU_ASSERT_EQUAL_FATAL(f.batch.length, (int64_t)rows);
  int bad = 0, fast = 0;
  for (size_t r = 0; r < rows; r++) {
    const char *v = vals[r];
    int64_t want, wn;
    int ok = lfb_parse_timestamp(v, strlen(v), 0, &want) == 0;
    int okn = lfb_parse_timestamp(v, strlen(v), 1, &wn) == 0;
    int64_t i = (int64_t)r;
    if (ok != lf_view_is_valid(&t, i) || (ok && lf_view_int64(&t, i) != want) ||
        okn != lf_view_is_valid(&n, i) || (okn && lf_view_int64(&n, i) != wn)) {
      fprintf(stderr, "fast timestamp form: %s\n", v);
      bad++;
    }
    fast += ok && strlen(v) == 24 && v[10] == 'T' && v[23] == 'Z';
  }
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT(fast > 100); /* the fast form itself was well covered */
  fx_close(&f);
  free(text);
  free(vals);
}

/* The fast path for short non-negative integers agrees with the general parser (values
 * it takes, and every shape around it that it must leave to the general one). */
static void test_int_fast_form(void) {
  static const char *nums[] = {"0", "7", "10", "00", "01", "-0", "-7", "123456789", "999999999",
                               "1234567890", "2147483647", "2147483648", "-2147483648",
                               "-2147483649", "9223372036854775807", "9223372036854775808",
                               "99999999999999999999", "1.0", "1e2", "1E2", "5.", "5e", "0.5",
                               "12 ", "3\t", "42x"};
  size_t nn = sizeof nums / sizeof nums[0];
  char text[8192];
  size_t o = 0;
  for (size_t i = 0; i < nn; i++)
    o += (size_t)snprintf(text + o, sizeof text - o, "{\"i\":%s,\"l\":%s}\n", nums[i], nums[i]);
  fx f;
  fx_open(&f, "i INT, l BIGINT", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  fx_run(&f, text);
  lf_view iv = col(&f, "i"), lv = col(&f, "l");
  CU_ASSERT_EQUAL_FATAL(f.batch.length, (int64_t)nn);
  for (size_t r = 0; r < nn; r++) {
    const char *p = nums[r], *e = p + strcspn(p, " \t");
    int64_t v = 0;
    int rc = lfb_parse_int64(&p, e, &v);
    int whole = rc == J_OK && p == e; /* "42x": a corrupt record */
    int64_t i = (int64_t)r;
    int iok = whole && v >= INT32_MIN && v <= INT32_MAX;
    int ok = lf_view_is_valid(&lv, i) == whole && (!whole || lf_view_int64(&lv, i) == v) &&
             lf_view_is_valid(&iv, i) == iok && (!iok || lf_view_int32(&iv, i) == (int32_t)v);
    if (!ok) fprintf(stderr, "int fast form: %s\n", nums[r]);
    CU_ASSERT(ok);
  }
  fx_close(&f);
}

/* One generated row of test_struct_nulls: what each field was. */
typedef struct nrow {
  int corrupt;
  int s;      /* 0 missing, 1 null, 2 {}, 3 x only, 4 x and t null, 5 t only, 6 all, 7 a number */
  int64_t x;
  int t;      /* s = 5, 6: 0 {}, 1 y, 2 y and z */
  int l;      /* 0 missing, 1 null, 2.. a list of l - 2 elements */
  int el[4];  /* 0 null, 1 {}, 2 q */
} nrow;

static uint32_t nrand(uint32_t *st) {
  *st = *st * 1103515245u + 12345u;
  return *st >> 16;
}

static size_t nrow_text(const nrow *r, int64_t i, char *out, size_t cap) {
  if (r->corrupt) return (size_t)snprintf(out, cap, "{\"a\":\"r%lld\",\"s\":{\"x\":\n", (long long)i);
  size_t o = (size_t)snprintf(out, cap, "{\"a\":\"r%lld\"", (long long)i);
  static const char *tt[] = {"{}", "{\"y\":\"why\"}", "{\"z\":2.5,\"y\":\"zy\"}"};
  switch (r->s) {
  case 1: o += (size_t)snprintf(out + o, cap - o, ",\"s\":null"); break;
  case 2: o += (size_t)snprintf(out + o, cap - o, ",\"s\":{}"); break;
  case 3: o += (size_t)snprintf(out + o, cap - o, ",\"s\":{\"x\":%lld}", (long long)r->x); break;
  case 4: o += (size_t)snprintf(out + o, cap - o, ",\"s\":{\"t\":null,\"x\":%lld}", (long long)r->x); break;
  case 5: o += (size_t)snprintf(out + o, cap - o, ",\"s\":{\"t\":%s}", tt[r->t]); break;
  case 6: o += (size_t)snprintf(out + o, cap - o, ",\"s\":{\"x\":%lld,\"t\":%s}", (long long)r->x, tt[r->t]); break;
  case 7: o += (size_t)snprintf(out + o, cap - o, ",\"s\":7"); break;
  }
  if (r->l == 1) o += (size_t)snprintf(out + o, cap - o, ",\"l\":null");
  if (r->l >= 2) {
    o += (size_t)snprintf(out + o, cap - o, ",\"l\":[");
    for (int k = 0; k < r->l - 2; k++)
      o += (size_t)snprintf(out + o, cap - o, "%s%s", k ? "," : "",
                            r->el[k] == 0 ? "null" : r->el[k] == 1 ? "{}" : "{\"q\":3}");
    o += (size_t)snprintf(out + o, cap - o, "]");
  }
  return o + (size_t)snprintf(out + o, cap - o, "}\n");
}

/* Row `i` of the batch holds what nrow r says. */
static int nrow_check(fx *f, int64_t i, const nrow *r) {
  lf_view s = col(f, "s"), x = col(f, "s.x"), t = col(f, "s.t"), y = col(f, "s.t.y"),
          z = col(f, "s.t.z"), l = col(f, "l"), e, q;
  CU_ASSERT_FATAL(lf_view_child(&l, 0, &e) == LF_OK && lf_view_child(&e, 0, &q) == LF_OK);
  int sv = !r->corrupt && r->s >= 2 && r->s <= 6, xv = sv && (r->s == 3 || r->s == 4 || r->s == 6);
  int tv = sv && r->s >= 5, yv = tv && r->t >= 1, zv = tv && r->t == 2;
  int ok = lf_view_is_valid(&s, i) == sv && lf_view_is_valid(&x, i) == xv &&
           (!xv || lf_view_int64(&x, i) == r->x) && lf_view_is_valid(&t, i) == tv &&
           lf_view_is_valid(&y, i) == yv && lf_view_is_valid(&z, i) == zv &&
           (!zv || lf_view_double(&z, i) == 2.5) && (!yv || str_is(&y, i, r->t == 1 ? "why" : "zy"));
  int lv = !r->corrupt && r->l >= 2;
  ok = ok && lf_view_is_valid(&l, i) == lv;
  int64_t b, en;
  if (ok && lv) {
    ok = lf_view_list_range(&l, i, &b, &en) == LF_OK && en - b == r->l - 2;
    for (int k = 0; ok && k < r->l - 2; k++)
      ok = lf_view_is_valid(&e, b + k) == (r->el[k] != 0) &&
           lf_view_is_valid(&q, b + k) == (r->el[k] == 2) &&
           (r->el[k] != 2 || lf_view_int32(&q, b + k) == 3);
  }
  return ok;
}

/* Structs missing, NULL, of the wrong type or in corrupt rows (their children's NULLs are
 * appended late, in bulk), then present again, in runs of every length and across batch
 * and file boundaries, nested and inside lists: each row's values and validity are the
 * ones it was generated with. */
static void test_struct_nulls(void) {
  fx f;
  fx_open(&f, "a STRING, s STRUCT<x: BIGINT, t: STRUCT<y: STRING, z: DOUBLE>>, "
              "l ARRAY<STRUCT<q: INT>>", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  enum { N = 3000 };
  nrow *rows = calloc(N, sizeof *rows);
  char *text = malloc((size_t)N * 160);
  CU_ASSERT_FATAL(rows && text);
  uint32_t st = 7;
  int64_t at = 0, bad = 0; /* rows[at] is row 0 of the pending batch */
  for (int64_t i = 0; i < N;) {
    size_t o = 0;
    int64_t first = i, n = 1 + nrand(&st) % 40;
    int run = (int)(nrand(&st) % 4); /* runs of missing / NULL structs */
    for (; i < N && i < first + n; i++) {
      nrow *r = &rows[i];
      uint32_t k = nrand(&st);
      r->corrupt = k % 29 == 0;
      r->s = run == 0 ? (int)(k % 2) : run == 1 ? (int)(k % 8) : (int)(2 + k % 5);
      r->x = (int64_t)(k % 1000) - 500;
      r->t = (int)(nrand(&st) % 3);
      r->l = run == 3 ? (int)(nrand(&st) % 2) : (int)(nrand(&st) % 6);
      for (int e = 0; e < 4; e++) r->el[e] = (int)(nrand(&st) % 3);
      o += nrow_text(r, i, text + o, 160);
    }
    CU_ASSERT_FATAL(fx_decode(&f, text, o, "landing/n.json") == LF_OK);
    if (nrand(&st) % 3 == 0 || i == N) {
      fx_finish(&f);
      CU_ASSERT_EQUAL_FATAL(f.batch.length, i - at);
      for (int64_t j = at; j < i; j++)
        if (!nrow_check(&f, j - at, &rows[j])) {
          if (bad++ < 5) fprintf(stderr, "struct nulls: row %lld\n", (long long)j);
        }
      at = i;
    }
  }
  CU_ASSERT_EQUAL(bad, 0);
  fx_close(&f);
  free(rows);
  free(text);
}

/* Doubles agree with strtod (correct rounding) on many shapes, and strings escape right. */
static void test_numbers_strings(void) {
  fx f;
  fx_open(&f, "d DOUBLE, l BIGINT, s STRING", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
  static const char *nums[] = {"0", "-0", "1", "0.1", "0.30000000000000004", "1e22", "1e23",
                               "9007199254740993", "123456789012345678901234567890",
                               "2.2250738585072014e-308", "4.9e-324", "1e-400", "1.7976931348623157e308",
                               "0.000001234", "-5e-5", "3.14159265358979323846264338327950288",
                               "123.456e-10", "1E+2", "0e999"};
  size_t nn = sizeof nums / sizeof nums[0];
  char text[8192];
  size_t o = 0;
  for (size_t i = 0; i < nn; i++) o += (size_t)snprintf(text + o, sizeof text - o, "{\"d\":%s}\n", nums[i]);
  srand(7);
  char rnd[200][40];
  for (int i = 0; i < 200; i++) {
    double v = (double)rand() / RAND_MAX * pow(10, rand() % 40 - 20);
    snprintf(rnd[i], sizeof rnd[i], "%.*g", i % 2 ? 17 : 1 + i % 16, v);
    o += (size_t)snprintf(text + o, sizeof text - o, "{\"d\":%s}\n", rnd[i]);
  }
  o += (size_t)snprintf(text + o, sizeof text - o,
                        "{\"d\":1e999}\n{\"l\":-9223372036854775808}\n{\"l\":9223372036854775808}\n"
                        "{\"s\":\"\\ud83d\\ude00 \\/ \\b\\f\\r\\t \\u0000 \\u20ac \xf0\x9f\x98\x80\"}\n");
  fx_run(&f, text);
  lf_view d = col(&f, "d"), l = col(&f, "l"), s = col(&f, "s");
  for (size_t i = 0; i < nn + 200; i++) {
    const char *t = i < nn ? nums[i] : rnd[i - nn];
    double want = strtod(t, NULL);
    int ok = lf_view_is_valid(&d, (int64_t)i) && lf_view_double(&d, (int64_t)i) == want &&
             signbit(lf_view_double(&d, (int64_t)i)) == signbit(want);
    if (!ok) fprintf(stderr, "double %s: %.17g\n", t, lf_view_double(&d, (int64_t)i));
    CU_ASSERT(ok);
  }
  int64_t r = (int64_t)(nn + 200);
  /* Rescued verbatim: 1e999 is valid JSON, but beyond what jansson reads. */
  lf_view rd = col(&f, "_rescued_data");
  size_t rn;
  const char *rs = lf_view_utf8(&rd, r, &rn);
  CU_ASSERT(!lf_view_is_valid(&d, r) && rn > 11 && memcmp(rs, "{\"d\":1e999,", 11) == 0);
  CU_ASSERT(lf_view_int64(&l, r + 1) == INT64_MIN && !lf_view_is_valid(&l, r + 2));
  size_t n;
  const char *sv = lf_view_utf8(&s, r + 3, &n);
  static const char want[] = "\xf0\x9f\x98\x80 / \b\f\r\t \0 \xe2\x82\xac \xf0\x9f\x98\x80";
  CU_ASSERT(n == sizeof want - 1 && memcmp(sv, want, n) == 0);
  fx_close(&f);
}

/* ------------------------------------------------------------ differential vs jansson */

static int64_t json_ts(const char *s) {
  int y, mo, d, h, mi, sec, ms;
  char z;
  if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &sec, &ms, &z) != 8 ||
      z != 'Z' || strlen(s) != 24)
    return INT64_MIN;
  /* days from civil, independent of the decoder's (libc timegm is not C11) */
  int64_t yy = y - (mo <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400, yoe = yy - era * 400;
  int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  return ((days * 24 + h) * 60 + mi) * INT64_C(60000000) + sec * INT64_C(1000000) + ms * 1000;
}

static int fits(const lf_view *v, json_t *j);

static int fits_struct(const lf_view *v, json_t *j) {
  if (!json_is_object(j)) return 0;
  const char *k;
  json_t *x;
  json_object_foreach(j, k, x) {
    int found = 0;
    for (int64_t i = 0; i < lf_view_n_children(v) && !found; i++) {
      lf_view c;
      lf_view_child(v, i, &c);
      if (strcmp(lf_view_name(&c), k) == 0) found = 1 + fits(&c, x);
    }
    if (found != 2) return 0; /* unknown (rescued) or not fitting: the container is rescued */
  }
  return 1;
}

/* Would `j` decode into a column of v's type without rescue? (NULL fits anything.) */
static int fits(const lf_view *v, json_t *j) {
  if (json_is_null(j)) return 1;
  const char *f = v->schema->format;
  lf_view c, e;
  size_t i;
  json_t *x;
  const char *k;
  switch (v->type) {
  case LF_TYPE_UTF8: return json_is_string(j);
  case LF_TYPE_BOOL: return json_is_boolean(j);
  case LF_TYPE_INT32: return json_is_integer(j) && json_integer_value(j) >= INT32_MIN && json_integer_value(j) <= INT32_MAX;
  case LF_TYPE_INT64: return json_is_integer(j);
  case LF_TYPE_DOUBLE: return json_is_number(j);
  case LF_TYPE_TIMESTAMP: return json_ts(json_string_value(j)) != INT64_MIN;
  case LF_TYPE_STRUCT: return fits_struct(v, j);
  case LF_TYPE_LIST:
    if (!json_is_array(j)) return 0;
    lf_view_child(v, 0, &c);
    json_array_foreach(j, i, x) if (!fits(&c, x)) return 0;
    return 1;
  case LF_TYPE_MAP:
    if (!json_is_object(j)) return 0;
    lf_view_child(v, 0, &e);
    lf_view_child(&e, 1, &c);
    json_object_foreach(j, k, x) if (!fits(&c, x)) return 0;
    return 1;
  default: return f == NULL;
  }
}

/* Does row `r` of v hold exactly j (which fits)? */
static int same(const lf_view *v, int64_t r, json_t *j) {
  if (json_is_null(j)) return !lf_view_is_valid(v, r);
  if (!lf_view_is_valid(v, r)) return 0;
  size_t n;
  const char *s;
  int64_t b, e;
  lf_view c, ent, key, val;
  switch (v->type) {
  case LF_TYPE_UTF8:
    s = lf_view_utf8(v, r, &n);
    return n == json_string_length(j) && memcmp(s, json_string_value(j), n) == 0;
  case LF_TYPE_BOOL: return lf_view_bool(v, r) == json_is_true(j);
  case LF_TYPE_INT32: return lf_view_int32(v, r) == json_integer_value(j);
  case LF_TYPE_INT64: return lf_view_int64(v, r) == json_integer_value(j);
  case LF_TYPE_DOUBLE: return lf_view_double(v, r) == json_number_value(j);
  case LF_TYPE_TIMESTAMP: return lf_view_int64(v, r) == json_ts(json_string_value(j));
  case LF_TYPE_STRUCT:
    for (int64_t i = 0; i < lf_view_n_children(v); i++) {
      lf_view_child(v, i, &c);
      json_t *x = json_object_get(j, lf_view_name(&c));
      if (!same(&c, r, x ? x : json_null())) return 0;
    }
    return 1;
  case LF_TYPE_LIST:
    lf_view_list_range(v, r, &b, &e);
    lf_view_child(v, 0, &c);
    if ((size_t)(e - b) != json_array_size(j)) return 0;
    for (int64_t i = b; i < e; i++)
      if (!same(&c, i, json_array_get(j, (size_t)(i - b)))) return 0;
    return 1;
  case LF_TYPE_MAP: {
    lf_view_list_range(v, r, &b, &e);
    lf_view_child(v, 0, &ent);
    lf_view_child(&ent, 0, &key);
    lf_view_child(&ent, 1, &val);
    if ((size_t)(e - b) != json_object_size(j)) return 0;
    for (int64_t i = b; i < e; i++) {
      s = lf_view_utf8(&key, i, &n);
      char k[256];
      snprintf(k, sizeof k, "%.*s", (int)n, s);
      json_t *x = json_object_get(j, k);
      if (!x || !same(&val, i, x)) return 0;
    }
    return 1;
  }
  default: return 0;
  }
}

/* Struct row against object `o`: fitting fields decoded, the others NULL and in `resc`
 * (the rescued object of this level, or NULL), unknown keys in `resc`, and nothing else
 * in it. Returns the number of mismatches found. */
static int diff_struct(const lf_view *v, int64_t r, json_t *o, json_t *resc) {
  int bad = 0;
  size_t expect = 0;
  const char *k;
  json_t *x;
  for (int64_t i = 0; i < lf_view_n_children(v); i++) {
    lf_view c;
    lf_view_child(v, i, &c);
    const char *name = lf_view_name(&c);
    if (strcmp(name, "_rescued_data") == 0) continue;
    json_t *jv = json_object_get(o, name), *rv = resc ? json_object_get(resc, name) : NULL;
    if (!jv) jv = json_null();
    if (c.type == LF_TYPE_STRUCT && json_is_object(jv)) {
      if (!lf_view_is_valid(&c, r)) bad++;
      else bad += diff_struct(&c, r, jv, rv);
      expect += rv != NULL;
    } else if (fits(&c, jv)) {
      bad += !same(&c, r, jv);
      bad += rv != NULL;
    } else {
      bad += lf_view_is_valid(&c, r) || !json_equal(rv, jv);
      expect++;
    }
  }
  json_object_foreach(o, k, x) {
    int known = 0;
    for (int64_t i = 0; i < lf_view_n_children(v) && !known; i++) {
      lf_view c;
      lf_view_child(v, i, &c);
      known = strcmp(lf_view_name(&c), k) == 0;
    }
    if (!known) {
      bad += !resc || !json_equal(json_object_get(resc, k), x);
      expect++;
    }
  }
  size_t have = resc ? json_object_size(resc) - (json_object_get(resc, "_file_path") != NULL) : 0;
  bad += have != expect;
  return bad;
}

static const char *CLICK_DDL = LFP_CLICKSTREAM_DDL;

/* The DDL above is the one in the bundle (so this test follows it if it changes). */
static void test_click_ddl_in_bundle(void) {
  size_t n;
  char *yml = lfh_test_slurp(LFH_SOURCE_DIR "/bundles/resources/clickstream_pipeline.yml", &n);
  CU_ASSERT_FATAL(yml != NULL);
  const char *fields[] = {"event_id STRING NOT NULL", "event_ts TIMESTAMP", "schema_version INT",
                          "purchase STRUCT<order_id: STRING, amount: DOUBLE, currency: STRING, items: INT>",
                          "properties MAP<STRING, STRING>"};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    CU_ASSERT(strstr(yml, fields[i]) != NULL);
    CU_ASSERT(strstr(CLICK_DDL, fields[i]) != NULL);
  }
  free(yml);
}

#ifndef LFPRODUCE_EXE
#error "plugins/bronze/CMakeLists.txt defines LFPRODUCE_EXE for this test"
#endif

static char *read_dir_file(const char *dir, size_t *len, char *name, size_t cap) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char *text = NULL;
  while (d && (e = readdir(d)) && !text)
    if (e->d_name[0] != '.') {
      char path[1024];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      snprintf(name, cap, "%s", path);
      text = lfh_test_slurp(path, len);
    }
  if (d) closedir(d);
  return text;
}

static void test_lfproduce_differential(void) {
  char *dir = lfh_test_tmpdir();
  CU_ASSERT_FATAL(dir != NULL);
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "%s --quiet --out %s --events 4000 --seed 11 --malformed-fraction 0.08 --drift "
           "--duplicate-fraction 0.02 --late-fraction 0.05",
           LFPRODUCE_EXE, dir);
  int st = system(cmd);
  CU_ASSERT_FATAL(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  size_t len;
  char path[1024];
  char *text = read_dir_file(dir, &len, path, sizeof path);
  CU_ASSERT_FATAL(text != NULL);

  fx f;
  fx_open(&f, CLICK_DDL, "_rescued_data", LFB_EVOLVE_ADD, NULL, 0);
  /* Decoded in runs of whole lines, several batches, as the autoloader may do. */
  int64_t drift_runs = 0, line = 0, bad_rows = 0, want_corrupt = 0, want_rows = 0, corrupt = 0, rescued_n = 0;
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *q = p;
    for (int k = 0; k < 700 && q < end; k++) {
      const char *nl = memchr(q, '\n', (size_t)(end - q));
      q = nl ? nl + 1 : end;
    }
    memset(&f.st, 0, sizeof f.st);
    CU_ASSERT_FATAL(fx_decode(&f, p, (size_t)(q - p), path) == LF_OK);
    corrupt += f.st.corrupt_rows;
    rescued_n += f.st.rescued_rows;
    if (f.st.n_new_fields) { /* drift: the new fields, typed */
      const char *nf = f.st.new_fields;
      int seen = 0;
      for (size_t i = 0; i < f.st.n_new_fields; i++) {
        const char *type = nf + strlen(nf) + 1;
        seen += strcmp(nf, "app_version") == 0 && strcmp(type, "STRING") == 0;
        seen += strcmp(nf, "consent") == 0 &&
                strcmp(type, "STRUCT<analytics: BOOLEAN, marketing: BOOLEAN>") == 0;
        nf = type + strlen(type) + 1;
      }
      CU_ASSERT_EQUAL(seen, 2);
      drift_runs++;
    }
    fx_finish(&f);
    /* Check each line of the run against jansson. */
    int64_t row = 0;
    for (const char *l = p; l < q;) {
      const char *nl = memchr(l, '\n', (size_t)(q - l)), *le = nl ? nl : q;
      line++;
      if (le > l) {
        want_rows++;
        json_t *j = json_loadb(l, (size_t)(le - l), 0, NULL);
        if (!j || !json_is_object(j)) {
          want_corrupt++;
          json_t *h;
          const char *c = corrupt_text(&f, row, &h);
          if (!c || strlen(c) != (size_t)(le - l) || memcmp(c, l, (size_t)(le - l)) != 0 ||
              !all_null(&f, row))
            bad_rows++;
          json_decref(h);
        } else {
          json_t *r = rescued(&f, row);
          int b = diff_struct(&f.root, row, j, r);
          if (b) {
            fprintf(stderr, "line %lld differs (%d): %.*s\n", (long long)line, b, (int)(le - l), l);
            bad_rows++;
          }
          json_decref(r);
        }
        json_decref(j);
        row++;
      }
      l = nl ? nl + 1 : q;
    }
    CU_ASSERT_EQUAL(row, f.root.length);
    p = q;
  }
  CU_ASSERT_EQUAL(bad_rows, 0);
  CU_ASSERT_EQUAL(want_rows, 4000);
  CU_ASSERT_EQUAL(corrupt, want_corrupt);
  CU_ASSERT(want_corrupt > 50);     /* the fraction really produced broken lines */
  CU_ASSERT(rescued_n > corrupt);   /* and wrong types / drift got rescued */
  CU_ASSERT(drift_runs > 0);
  fx_close(&f);
  free(text);
  lfh_test_rmtree(dir);
  free(dir);
}

/* ------------------------------------------------------------ string scanner paths */

/* A fixed-size output buffer for generated lines. */
typedef struct jbuf_t {
  char *p;
  size_t n;
} jbuf_t;

/* One special sequence spliced into a string body: its raw bytes, what it decodes to
 * (NULL: the string must be rejected) and the scan flags it sets. */
typedef struct spec {
  const char *raw;
  size_t rlen;
  const char *dec;
  size_t dlen;
  unsigned flags;
} spec;

#define SP(r, d, f) {r, sizeof r - 1, d, sizeof d - 1, f}
#define SPBAD(r) {r, sizeof r - 1, NULL, 0, 0}
static const spec SPECS[] = {
    SP("\\\"", "\"", SCAN_ESC),
    SP("\\\\", "\\", SCAN_ESC),
    SP("\\n", "\n", SCAN_ESC),
    SP("\\u00e9", "\xc3\xa9", SCAN_ESC),
    SP("\\ud83d\\ude00", "\xf0\x9f\x98\x80", SCAN_ESC),
    SP("\x7f", "\x7f", 0), /* DEL is a plain character in JSON */
    SP("\xc3\xa9", "\xc3\xa9", SCAN_NONASCII),
    SP("\xe2\x82\xac", "\xe2\x82\xac", SCAN_NONASCII),
    SP("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", SCAN_NONASCII),
    SPBAD("\x01"),
    SPBAD("\x1f"),
    SPBAD("\x00"),
    SPBAD("\xff"),
    SPBAD("\x80"),
    SPBAD("\xc0\x80"),     /* overlong */
    SPBAD("\xed\xa0\x80"), /* a surrogate in UTF-8 */
    SPBAD("\xe2\x82"),     /* cut short (the filler follows) */
    SPBAD("\\x"),
    SPBAD("\\ud83d"),      /* a lone high surrogate */
};

/* Plain filler, with neighbours of the special bytes ('!', '#', '[', ']', DEL, ' '). */
static char filler(size_t i) {
  static const char f[] = "ab!#[]~ \x7f" "cdefghijklmnopqrstuvwxyz0123456789";
  return f[i % (sizeof f - 1)];
}

/* A malloc'd copy of exactly n bytes (so ASan flags any read past them). */
static char *exact(const char *s, size_t n) {
  char *b = malloc(n ? n : 1);
  CU_ASSERT_FATAL(b != NULL);
  memcpy(b, s, n);
  return b;
}

/* Scans and copies text[0..n) as a string body (both scanner paths, two output buffer
 * states); checks the outcome against want (NULL: rejected) and the end position. */
static int check_string(const char *text, size_t n, size_t quote_at, const char *want,
                        size_t wlen, unsigned wflags) {
  int bad = 0;
  char *b = exact(text, n);
  for (int scalar = 0; scalar < 2; scalar++) {
    lfb_json_force_scalar(scalar);
    unsigned fl = 99;
    const char *e = lfb_scan_string(b, b + n, &fl);
    if (want ? e != b + quote_at + 1 || fl != wflags : e != NULL) bad |= 1;
    for (size_t at = 0; at <= 20; at += 20) { /* empty buffer; 4 bytes of room left */
      uint8_t *data = NULL;
      size_t cap = 0, got = 0;
      if (at) {
        cap = 24;
        data = malloc(cap);
        CU_ASSERT_FATAL(data != NULL);
        memset(data, 'Z', cap);
      }
      const char *p = b;
      int rc = lfb_copy_string(&p, b + n, &data, &cap, at, &got);
      if (want) {
        if (rc != 0 || p != b + quote_at + 1 || got != wlen || memcmp(data + at, want, wlen) != 0 ||
            (at && memcmp(data, "ZZZZZZZZZZZZZZZZZZZZ", at) != 0))
          bad |= 2;
      } else if (rc == 0) {
        bad |= 4;
      }
      free(data);
    }
  }
  lfb_json_force_scalar(0);
  free(b);
  return bad;
}

static void test_string_paths(void) {
  char text[256], want[256];
  int failures = 0;
  for (size_t s = 0; s < sizeof SPECS / sizeof SPECS[0]; s++) {
    const spec *sp = &SPECS[s];
    for (size_t len = 0; len <= 80; len++) {
      for (size_t pos = 0; pos <= len; pos++) {
        /* body = filler[0..pos) special filler[pos..len), then '"' and a tail */
        size_t n = 0, w = 0;
        for (size_t i = 0; i < pos; i++) text[n++] = want[w++] = filler(i);
        memcpy(text + n, sp->raw, sp->rlen);
        n += sp->rlen;
        if (sp->dec) memcpy(want + w, sp->dec, sp->dlen);
        w += sp->dlen;
        for (size_t i = pos; i < len; i++) text[n++] = want[w++] = filler(i);
        size_t quote = n;
        text[n++] = '"';
        memcpy(text + n, ",\"k\":[1,2,3]}", 13);
        const char *wp = sp->dec ? want : NULL;
        int bad = check_string(text, n + 13, quote, wp, w, sp->flags) |  /* a tail */
                  check_string(text, n, quote, wp, w, sp->flags) << 4 |  /* ends at '"' */
                  check_string(text, quote, quote, NULL, 0, 0) << 8;     /* no '"' */
        /* Cut inside the special: the buffer ends in an escape or UTF-8 sequence. */
        for (size_t k = 1; k < sp->rlen; k++)
          bad |= check_string(text, pos + k, 0, NULL, 0, 0) << 12;
        if (bad) {
          if (failures++ < 10)
            fprintf(stderr, "special %zu len %zu pos %zu: failure bits %#x\n", s, len, pos,
                    (unsigned)bad);
        }
      }
    }
  }
  CU_ASSERT_EQUAL(failures, 0);
}

/* Deterministic xorshift for the generated lines. */
static uint64_t rnd(uint64_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

/* A JSON string (quotes included) of up to 100 characters: plain runs, escapes, UTF-8,
 * and now and then something invalid (a control byte, a bad UTF-8 byte). */
static void gen_string(jbuf_t *o, uint64_t *x) {
  static const char *const bits[] = {"\\\"", "\\n", "\\u00e9", "\\ud83d\\ude00", "\xc3\xa9",
                                     "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\\/", "\\\\"};
  static const char *const bad[] = {"\x01", "\xff", "\xc0\x80", "\\q"};
  size_t len = (size_t)(rnd(x) % 101);
  o->p[o->n++] = '"';
  for (size_t i = 0; i < len; i++) {
    uint64_t r = rnd(x) % 1000;
    const char *b = r < 40 ? bits[r % 9] : r < 41 ? bad[r % 4] : NULL;
    if (b) {
      size_t k = strlen(b);
      memcpy(o->p + o->n, b, k);
      o->n += k;
    } else {
      o->p[o->n++] = filler((size_t)r);
    }
  }
  o->p[o->n++] = '"';
}

static void put_text(jbuf_t *o, const char *s) {
  size_t k = strlen(s);
  memcpy(o->p + o->n, s, k);
  o->n += k;
}

static void test_simd_scalar_differential(void) {
  static const char *DDL = "s STRING, t TIMESTAMP, n STRUCT<a: STRING, b: STRING>, "
                           "m MAP<STRING, STRING>, l ARRAY<STRING>";
  jbuf_t o = {malloc(4 << 20), 0};
  CU_ASSERT_FATAL(o.p != NULL);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int line = 0; line < 3000; line++) {
    static const char *const keys[] = {"\"s\":", "\"n\":", "\"m\":", "\"l\":", "\"zz\":",
                                       "\"t\":"};
    int order[6] = {0, 1, 2, 3, 4, 5};
    for (int k = 0; k < 5; k++) /* mostly schema order, some swaps */
      if (rnd(&x) % 3 == 0) {
        int t = order[k];
        order[k] = order[k + 1];
        order[k + 1] = t;
      }
    put_text(&o, "{");
    for (int k = 0, first = 1; k < 6; k++) {
      int which = order[k];
      if (rnd(&x) % 5 == 0) continue; /* missing fields */
      if (!first) put_text(&o, ",");
      first = 0;
      put_text(&o, keys[which]);
      switch (which) {
      case 1:
        put_text(&o, "{\"a\":");
        gen_string(&o, &x);
        put_text(&o, ",\"b\":");
        gen_string(&o, &x);
        put_text(&o, "}");
        break;
      case 2:
        put_text(&o, "{");
        gen_string(&o, &x);
        put_text(&o, ":");
        gen_string(&o, &x);
        put_text(&o, "}");
        break;
      case 3:
        put_text(&o, "[");
        gen_string(&o, &x);
        put_text(&o, ",");
        gen_string(&o, &x);
        put_text(&o, "]");
        break;
      case 5:
        put_text(&o, rnd(&x) % 2 ? "\"2024-01-01T00:00:00.123Z\"" : "\"2024-01-0\\u0031\"");
        break;
      default: gen_string(&o, &x); /* s, and zz (unknown: skipped and rescued) */
      }
    }
    put_text(&o, "}\n");
  }
  char *in = exact(o.p, o.n - 1); /* the last line has no newline and ends the buffer */
  fx f[2];
  for (int scalar = 0; scalar < 2; scalar++) {
    lfb_json_force_scalar(scalar);
    fx_open(&f[scalar], DDL, "_rescued_data", LFB_EVOLVE_RESCUE, "_metadata", 0);
    CU_ASSERT_EQUAL(fx_decode(&f[scalar], in, o.n - 1, "landing/gen.json"), LF_OK);
    fx_finish(&f[scalar]);
  }
  lfb_json_force_scalar(0);
  CU_ASSERT_EQUAL(f[0].batch.length, 3000);
  CU_ASSERT(f[0].st.corrupt_rows > 100 && f[0].st.corrupt_rows < 2900); /* both kinds */
  CU_ASSERT_EQUAL(f[0].st.corrupt_rows, f[1].st.corrupt_rows);
  CU_ASSERT_EQUAL(f[0].st.rescued_rows, f[1].st.rescued_rows);
  CU_ASSERT(lfh_arrays_equal(&f[0].out_schema, &f[0].batch, &f[1].batch));
  /* The same decoded through lfproduce's bytes would not hold invalid strings; check
   * a sample of valid ones against jansson so that equal paths are also right. */
  lf_view sv = col(&f[0], "s");
  int64_t checked = 0, bad = 0;
  const char *p = in, *end = in + o.n - 1;
  for (int64_t row = 0; p < end; row++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
    json_t *j = json_loadb(p, (size_t)(le - p), 0, NULL);
    json_t *js = j ? json_object_get(j, "s") : NULL;
    if (js && json_is_string(js)) {
      checked++;
      size_t n;
      const char *got = lf_view_is_valid(&sv, row) ? lf_view_utf8(&sv, row, &n) : NULL;
      if (!got || n != json_string_length(js) || memcmp(got, json_string_value(js), n) != 0) {
        if (bad++ < 3) fprintf(stderr, "row %lld: %.*s\n", (long long)row, (int)(le - p), p);
      }
    }
    json_decref(j);
    p = nl ? nl + 1 : end;
  }
  CU_ASSERT(checked > 500);
  CU_ASSERT_EQUAL(bad, 0);
  fx_close(&f[0]);
  fx_close(&f[1]);
  free(in);
  free(o.p);
}

/* A line cut inside a string at the very end of its buffer is a corrupt record, on
 * both paths, without reading past the buffer (the buffer is exactly that long). */
static void test_string_at_buffer_end(void) {
  char text[128];
  for (int scalar = 0; scalar < 2; scalar++) {
    lfb_json_force_scalar(scalar);
    for (size_t len = 0; len <= 80; len++) {
      size_t n = (size_t)sprintf(text, "{\"s\":\"");
      for (size_t i = 0; i < len; i++) text[n++] = filler(i);
      char *b = exact(text, n);
      fx f;
      fx_open(&f, "s STRING", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
      CU_ASSERT_EQUAL(fx_decode(&f, b, n, "landing/cut.json"), LF_OK);
      CU_ASSERT_EQUAL(f.st.corrupt_rows, 1);
      fx_finish(&f);
      CU_ASSERT_EQUAL(f.batch.length, 1);
      fx_close(&f);
      free(b);
    }
  }
  lfb_json_force_scalar(0);
}

/* ------------------------------------------------------------ lines found by the decoder */

/* One generated NDJSON line (no '\n'): mostly records of LINES_DDL in varied shapes,
 * with the cases where finding the line's end matters: whitespace (a record broken over
 * two lines by a newline), text after the object, unknown fields and misfits (their
 * values are re-scanned), over-long lines (max_line 300), blank lines, CRs. */
static const char *LINES_DDL = "s STRING, n INT, t STRUCT<a: STRING, b: BIGINT>, "
                               "l ARRAY<STRING>, m MAP<STRING, STRING>";

static void gen_line(jbuf_t *o, uint64_t *x) {
  static const char *const parts[] = {
      "\"s\":\"plain\"", "\"s\": \"spaced\"", "\"s\":null", "\"s\":7", "\"n\":12",
      "\"n\" : -3", "\"n\":\"x\"", "\"n\":1.5", "\"t\":{\"a\":\"in\",\"b\":9}",
      "\"t\":{\"b\":1,\"zz\":[1,{\"q\":2}]}", "\"t\":null", "\"t\":[1]", "\"l\":[\"a\",\"b\"]",
      "\"l\":[1]", "\"m\":{\"k\":\"v\",\"k2\":null}", "\"zz\":{\"deep\":[true,false,null]}",
      "\"zz\":\"t\\u00e9xt\"", "\"s\":\"G\xc3\xb6teborg \\\"q\\\"\"", "\t\"n\":5\t"};
  /* (No line starts with '[': alone in a buffer it would be a JSON-array file.) */
  static const char *const odd[] = {"", "   ", "\r", "{\"s\":\"a\"} x", "{\"s\":\"a\",",
                                    "\"n\":1}", " 7", "{}", "{\"s\":\"cut"};
  uint64_t r = rnd(x) % 100;
  if (r < 8) {
    put_text(o, odd[r]);
    return;
  }
  put_text(o, "{");
  int k = (int)(rnd(x) % 6);
  unsigned used = 0; /* no key twice (jansson would keep the last value, Spark the first) */
  for (int i = 0; i < k; i++) {
    size_t w = (size_t)(rnd(x) % (sizeof parts / sizeof parts[0]));
    const char *q = strchr(parts[w], '"');
    unsigned key = 1u << (q[1] == 'z' ? 5 : strchr("sntlm", q[1]) - "sntlm");
    if (used & key) continue;
    used |= key;
    if (used != key) put_text(o, rnd(x) % 8 ? "," : " ,\t");
    if (rnd(x) % 40 == 0) put_text(o, "\n"); /* the record is broken over two lines */
    put_text(o, parts[w]);
  }
  if (r >= 95) { /* over max_line (300), valid or not */
    put_text(o, used ? ",\"zy\":\"" : "\"zy\":\"");
    for (int i = 0; i < 300; i++) o->p[o->n++] = filler((size_t)i);
    put_text(o, "\"");
  }
  put_text(o, r == 94 ? "}\r" : r == 93 ? "}  " : "}");
}

static void decode_into(fx *f, const char *text, size_t n) {
  lfb_json_file file = {"landing/lines.json", 4242, 1700000000000000};
  CU_ASSERT_EQUAL(lfb_json_decode(f->dec, text, n, &file, &f->st, &f->err), LF_OK);
}

/* Decoding a buffer of many lines gives what decoding each line alone does (there the
 * line's end is the buffer's end, so nothing depends on finding it). Twice, the second
 * time into buffers sized by the first batch; enough rows for validity bitmaps to grow. */
static void test_lines_whole_vs_one_by_one(void) {
  jbuf_t o = {malloc(8 << 20), 0};
  CU_ASSERT_FATAL(o.p != NULL);
  uint64_t x = 0x2545F4914F6CDD1Dull;
  for (int i = 0; i < 12000; i++) {
    gen_line(&o, &x);
    o.p[o.n++] = '\n';
  }
  o.n--; /* the last line has no newline and ends the buffer */
  size_t n_lines = 0, *starts = malloc((o.n + 2) * sizeof *starts);
  CU_ASSERT_FATAL(starts != NULL);
  for (size_t i = 0; i <= o.n; i++) /* where each line starts (after each '\n') */
    if (i == 0 || o.p[i - 1] == '\n') starts[n_lines++] = i;
  starts[n_lines] = o.n + 1;
  char *whole = exact(o.p, o.n);
  fx f[2];
  for (int way = 0; way < 2; way++)
    fx_open(&f[way], LINES_DDL, "_rescued_data", LFB_EVOLVE_RESCUE, "_metadata", 300);
  for (int round = 0; round < 2; round++) {
    for (int way = 0; way < 2; way++) memset(&f[way].st, 0, sizeof f[way].st);
    decode_into(&f[0], whole, o.n);
    for (size_t i = 0; i < n_lines; i++) {
      const char *ls = o.p + starts[i];
      size_t len = starts[i + 1] - starts[i] - 1; /* without its '\n' */
      char *one = exact(ls, len);
      decode_into(&f[1], one, len);
      free(one);
    }
    for (int way = 0; way < 2; way++) fx_finish(&f[way]);
    CU_ASSERT(f[0].st.rows > 10000 && f[0].st.corrupt_rows > 500 && f[0].st.rescued_rows > 2000);
    CU_ASSERT_EQUAL(f[0].st.lines, f[1].st.lines);
    CU_ASSERT_EQUAL(f[0].st.rows, f[1].st.rows);
    CU_ASSERT_EQUAL(f[0].st.corrupt_rows, f[1].st.corrupt_rows);
    CU_ASSERT_EQUAL(f[0].st.rescued_rows, f[1].st.rescued_rows);
    CU_ASSERT(lfh_arrays_equal(&f[0].out_schema, &f[0].batch, &f[1].batch));
    /* Null where jansson finds no string "s" (and the line is a record within limits). */
    lf_view sv = col(&f[0], "s");
    int64_t row = 0, bad = 0;
    for (size_t i = 0; i < n_lines; i++) {
      const char *ls = o.p + starts[i];
      size_t len = starts[i + 1] - starts[i] - 1;
      json_t *j = json_loadb(ls, len, 0, NULL);
      if (!j && strspn(ls, " \t\r") >= len) continue; /* blank: no row */
      json_t *js = j && json_is_object(j) && len <= 300 ? json_object_get(j, "s") : NULL;
      int want = js && json_is_string(js);
      if (want != lf_view_is_valid(&sv, row)) bad++;
      json_decref(j);
      row++;
    }
    CU_ASSERT_EQUAL(row, f[0].batch.length);
    CU_ASSERT_EQUAL(bad, 0);
  }
  fx_close(&f[0]);
  fx_close(&f[1]);
  free(whole);
  free(starts);
  free(o.p);
}

/* Strings longer than one reservation of the string copy (LFB_STR_ROOM): an escape,
 * UTF-8, a bad byte or the closing quote at every position around its end, on both
 * scanner paths, checked against jansson. */
static void test_long_strings(void) {
  static const char *const specials[] = {"\\u00e9", "\xc3\xa9", "\\ud83d\\ude00", "\\n",
                                         "\xe2\x82\xac", "\x01", "\\q", ""};
  size_t cap = LFB_STR_ROOM + 256;
  char *text = malloc(cap);
  CU_ASSERT_FATAL(text != NULL);
  int bad = 0;
  for (int scalar = 0; scalar < 2; scalar++) {
    lfb_json_force_scalar(scalar);
    for (size_t sp = 0; sp < sizeof specials / sizeof specials[0]; sp++) {
      for (size_t at = LFB_STR_ROOM - 20; at <= LFB_STR_ROOM + 20; at++) {
        size_t n = (size_t)sprintf(text, "{\"s\":\"");
        for (size_t i = 0; i < at; i++) text[n++] = filler(i);
        n += (size_t)sprintf(text + n, "%s", specials[sp]);
        for (size_t i = 0; i < 20; i++) text[n++] = filler(i + 7);
        n += (size_t)sprintf(text + n, "\"}");
        char *b = exact(text, n);
        fx f;
        fx_open(&f, "s STRING", "_rescued_data", LFB_EVOLVE_RESCUE, NULL, 0);
        CU_ASSERT_EQUAL(fx_decode(&f, b, n, "landing/long.json"), LF_OK);
        fx_finish(&f);
        json_t *j = json_loadb(b, n, JSON_ALLOW_NUL, NULL);
        json_t *js = j ? json_object_get(j, "s") : NULL;
        lf_view sv = col(&f, "s");
        size_t got_n = 0;
        const char *got = lf_view_is_valid(&sv, 0) ? lf_view_utf8(&sv, 0, &got_n) : NULL;
        if (js ? !got || got_n != json_string_length(js) ||
                     memcmp(got, json_string_value(js), got_n) != 0
               : got != NULL || f.st.corrupt_rows != 1)
          bad++;
        json_decref(j);
        fx_close(&f);
        free(b);
      }
    }
  }
  lfb_json_force_scalar(0);
  CU_ASSERT_EQUAL(bad, 0);
  free(text);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"every type, nulls, nesting", test_types},
      {"FLOAT and DATE", test_date_float},
      {"field order, duplicates, escaped and cased keys", test_field_order},
      {"rescued data with nesting", test_rescue},
      {"corrupt records", test_corrupt},
      {"empty input, CRLF, BOM", test_empty_crlf},
      {"JSON array files", test_json_array},
      {"schema evolution modes", test_evolution},
      {"metadata column, several batches", test_metadata_batches},
      {"timestamps and dates", test_timestamps},
      {"short integers against the general parser", test_int_fast_form},
      {"missing and NULL structs in runs, across batches", test_struct_nulls},
      {"the producer's timestamp form against the general parser", test_timestamp_fast_form},
      {"numbers exact, string escapes", test_numbers_strings},
      {"clickstream DDL is the bundle's", test_click_ddl_in_bundle},
      {"lfproduce output vs jansson", test_lfproduce_differential},
      {"string scanner: specials at every position, buffer ends", test_string_paths},
      {"SIMD and scalar string paths decode alike", test_simd_scalar_differential},
      {"a string cut at the buffer end", test_string_at_buffer_end},
      {"a buffer of lines decodes as its lines one by one", test_lines_whole_vs_one_by_one},
      {"strings past one reservation of the copy", test_long_strings},
      {NULL, NULL}};
  return lfh_test_run("bronze_json", cases);
}
