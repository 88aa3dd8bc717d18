/* test_take — lfh_take / lfh_filter over every supported type, nested and sliced input,
 * all-false and all-true masks, malformed input, and the result's ownership (children
 * moved out, released independently of the input). Each result is checked against the
 * input row by row through an independent renderer built on the SDK's lf_view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf.h"
#include "lfh_test.h"
#include "util/lfh_take.h"

static char msg[512];
static lf_error err;

static lf_error *e0(void) {
  lf_error_init(&err, msg, sizeof msg);
  return &err;
}

/* ------------------------------------------------------------ a reference renderer */

typedef struct sbuf {
  char text[8192];
  size_t len;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
  if (b->len >= sizeof b->text - 1) return; /* full: the text is truncated */
  size_t room = sizeof b->text - 1 - b->len;
  if (n > room) n = room;
  memcpy(b->text + b->len, s, n);
  b->len += n;
  b->text[b->len] = '\0';
}

/* A type letter and an integer: "i42". */
static void putf(sbuf *b, char tag, long long v) {
  char tmp[64];
  int n = snprintf(tmp, sizeof tmp, "%c%lld", tag, v);
  put(b, tmp, (size_t)n);
}

/* One value as text; every row of every type maps to a distinct spelling. */
static void render(const lf_view *v, int64_t row, sbuf *b) {
  if (!lf_view_is_valid(v, row)) {
    put(b, "null", 4);
    return;
  }
  size_t n = 0;
  const char *s;
  int64_t start, end;
  lf_view c, k, val;
  switch (v->type) {
  case LF_TYPE_INT32: putf(b, 'i', lf_view_int32(v, row)); break;
  case LF_TYPE_INT64: putf(b, 'l', lf_view_int64(v, row)); break;
  case LF_TYPE_TIMESTAMP: putf(b, 't', lf_view_int64(v, row)); break;
  case LF_TYPE_DOUBLE: putf(b, 'g', (long long)(lf_view_double(v, row) * 1000)); break;
  case LF_TYPE_BOOL: put(b, lf_view_bool(v, row) ? "true" : "false", lf_view_bool(v, row) ? 4 : 5); break;
  case LF_TYPE_UTF8:
  case LF_TYPE_BINARY:
    s = v->type == LF_TYPE_UTF8 ? lf_view_utf8(v, row, &n) : lf_view_binary(v, row, &n);
    put(b, "'", 1);
    put(b, s, n);
    put(b, "'", 1);
    break;
  case LF_TYPE_STRUCT:
    put(b, "{", 1);
    for (int64_t i = 0; i < lf_view_n_children(v); i++) {
      CU_ASSERT_EQUAL(lf_view_child(v, i, &c), LF_OK);
      if (i) put(b, ",", 1);
      render(&c, row, b);
    }
    put(b, "}", 1);
    break;
  case LF_TYPE_LIST:
    CU_ASSERT_EQUAL(lf_view_list_range(v, row, &start, &end), LF_OK);
    CU_ASSERT_EQUAL(lf_view_child(v, 0, &c), LF_OK);
    put(b, "[", 1);
    for (int64_t j = start; j < end; j++) {
      if (j > start) put(b, ",", 1);
      render(&c, j, b);
    }
    put(b, "]", 1);
    break;
  case LF_TYPE_MAP:
    CU_ASSERT_EQUAL(lf_view_list_range(v, row, &start, &end), LF_OK);
    CU_ASSERT_EQUAL(lf_view_child(v, 0, &c), LF_OK);
    CU_ASSERT_EQUAL(lf_view_child(&c, 0, &k), LF_OK);
    CU_ASSERT_EQUAL(lf_view_child(&c, 1, &val), LF_OK);
    put(b, "<", 1);
    for (int64_t j = start; j < end; j++) {
      if (j > start) put(b, ",", 1);
      render(&k, j, b);
      put(b, ":", 1);
      render(&val, j, b);
    }
    put(b, ">", 1);
    break;
  default: put(b, "?", 1);
  }
}

static void row_text(const lf_view *v, int64_t row, sbuf *b) {
  b->len = 0;
  b->text[0] = '\0';
  render(v, row, b);
}

/* Checks that out (validated by lf_view_init) holds in's rows `rows` in order, that it has
 * offset 0 and that its declared null count is exact. */
static void check_taken(const struct ArrowSchema *s, const struct ArrowArray *in,
                        const struct ArrowArray *out, const int64_t *rows, int64_t n) {
  lf_view vi, vo;
  CU_ASSERT_EQUAL_FATAL(lf_view_init(&vi, s, in, e0()), LF_OK);
  int rc = lf_view_init(&vo, s, out, e0());
  if (rc != LF_OK) fprintf(stderr, "\nresult does not validate: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  CU_ASSERT_EQUAL(out->length, n);
  CU_ASSERT_EQUAL(out->offset, 0);
  int64_t nulls = 0;
  for (int64_t k = 0; k < n; k++) {
    sbuf a, b;
    row_text(&vi, rows[k], &a);
    row_text(&vo, k, &b);
    CU_ASSERT_STRING_EQUAL(b.text, a.text);
    if (strcmp(a.text, b.text) != 0)
      fprintf(stderr, "\nrow %lld (input %lld): got %s want %s\n", (long long)k,
              (long long)rows[k], b.text, a.text);
    nulls += !lf_view_is_valid(&vi, rows[k]);
  }
  CU_ASSERT_EQUAL(out->null_count, nulls);
}

/* Takes `rows` from (s, a) and checks the result. */
static void take_and_check(const struct ArrowSchema *s, const struct ArrowArray *a,
                           const int64_t *rows, int64_t n) {
  struct ArrowArray out;
  int rc = lfh_take(s, a, rows, n, &out, e0());
  if (rc != LF_OK) fprintf(stderr, "\ntake: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  check_taken(s, a, &out, rows, n);
  out.release(&out);
  CU_ASSERT_PTR_NULL(out.release);
}

/* ------------------------------------------------------------ inputs */

/* A flat batch of every SDK scalar type with NULLs in each column: 12 rows. */
static void flat_batch(struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *i32 = lf_builder_add_child(b, LF_FORMAT_INT32, "i32");
  lf_builder *i64 = lf_builder_add_child(b, LF_FORMAT_INT64, "i64");
  lf_builder *dbl = lf_builder_add_child(b, LF_FORMAT_DOUBLE, "dbl");
  lf_builder *bo = lf_builder_add_child(b, LF_FORMAT_BOOL, "bo");
  lf_builder *str = lf_builder_add_child(b, LF_FORMAT_UTF8, "str");
  lf_builder *bin = lf_builder_add_child(b, LF_FORMAT_BINARY, "bin");
  lf_builder *ts = lf_builder_add_child(b, LF_FORMAT_TIMESTAMP, "ts");
  for (int i = 0; i < 12; i++) {
    char txt[32];
    snprintf(txt, sizeof txt, "row-%d%s", i, i % 4 ? "" : "-long-ish-é");
    lf_builder_append_struct(b);
    i % 3 == 0 ? lf_builder_append_null(i32) : lf_builder_append_int32(i32, i * 7 - 20);
    i % 4 == 1 ? lf_builder_append_null(i64) : lf_builder_append_int64(i64, (int64_t)i << 40);
    i % 5 == 2 ? lf_builder_append_null(dbl) : lf_builder_append_double(dbl, i * 1.5);
    i % 6 == 3 ? lf_builder_append_null(bo) : lf_builder_append_bool(bo, i % 2);
    i % 7 == 4 ? lf_builder_append_null(str) : lf_builder_append_cstr(str, i == 5 ? "" : txt);
    i % 3 == 2 ? lf_builder_append_null(bin) : lf_builder_append_binary(bin, txt, (size_t)i);
    i == 11 ? lf_builder_append_null(ts) : lf_builder_append_timestamp(ts, 1700000000000000 + i);
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, e0()), LF_OK);
}

/* Nested: a nullable struct with a nested list, a list of strings with null lists and
 * null items, a map with null values, a list of structs. 10 rows. */
static void nested_batch(struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *id = lf_builder_add_child(b, LF_FORMAT_INT64, "id");
  lf_builder *user = lf_builder_add_child(b, LF_FORMAT_STRUCT, "user");
  lf_builder *email = lf_builder_add_child(user, LF_FORMAT_UTF8, "email");
  lf_builder *age = lf_builder_add_child(user, LF_FORMAT_INT32, "age");
  lf_builder *phones = lf_builder_add_child(user, LF_FORMAT_LIST, "phones");
  lf_builder *phone = lf_builder_add_child(phones, LF_FORMAT_UTF8, "item");
  lf_builder *tags = lf_builder_add_child(b, LF_FORMAT_LIST, "tags");
  lf_builder *tag = lf_builder_add_child(tags, LF_FORMAT_UTF8, "item");
  lf_builder *props = lf_builder_add_child(b, LF_FORMAT_MAP, "props");
  lf_builder *pk = lf_builder_add_child(props, LF_FORMAT_UTF8, "key");
  lf_builder *pv = lf_builder_add_child(props, LF_FORMAT_INT64, "value");
  lf_builder *items = lf_builder_add_child(b, LF_FORMAT_LIST, "items");
  lf_builder *item = lf_builder_add_child(items, LF_FORMAT_STRUCT, "item");
  lf_builder *sku = lf_builder_add_child(item, LF_FORMAT_UTF8, "sku");
  lf_builder *qty = lf_builder_add_child(item, LF_FORMAT_INT32, "qty");
  for (int i = 0; i < 10; i++) {
    char t[32];
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, 100 + i);
    if (i % 4 == 2) {
      lf_builder_append_null(user);
    } else {
      lf_builder_append_struct(user);
      snprintf(t, sizeof t, "u%d@example.com", i);
      i == 5 ? lf_builder_append_null(email) : lf_builder_append_cstr(email, t);
      lf_builder_append_int32(age, 20 + i);
      for (int j = 0; j < i % 3; j++) {
        snprintf(t, sizeof t, "+41-%d-%d", i, j);
        lf_builder_append_cstr(phone, t);
      }
      i == 7 ? lf_builder_append_null(phones) : lf_builder_append_list(phones);
    }
    if (i % 5 == 3) {
      lf_builder_append_null(tags);
    } else {
      for (int j = 0; j < i % 4; j++) {
        snprintf(t, sizeof t, "tag%d.%d", i, j);
        j == 1 ? lf_builder_append_null(tag) : lf_builder_append_cstr(tag, t);
      }
      lf_builder_append_list(tags);
    }
    for (int j = 0; j < (i + 1) % 3; j++) {
      snprintf(t, sizeof t, "k%d", j);
      lf_builder_append_cstr(pk, t);
      j == 1 ? lf_builder_append_null(pv) : lf_builder_append_int64(pv, i * 10 + j);
    }
    i == 6 ? lf_builder_append_null(props) : lf_builder_append_map(props);
    for (int j = 0; j < i % 3; j++) {
      lf_builder_append_struct(item);
      snprintf(t, sizeof t, "sku-%d-%d", i, j);
      lf_builder_append_cstr(sku, t);
      j == 1 ? lf_builder_append_null(qty) : lf_builder_append_int32(qty, j + i);
    }
    lf_builder_append_list(items);
  }
  int rc = lf_builder_finish(b, a, s, e0());
  if (rc != LF_OK) fprintf(stderr, "\nnested batch: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
}

/* ------------------------------------------------------------ tests */

static void test_flat(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  flat_batch(&a, &s);
  static const int64_t pick[] = {0, 3, 4, 11, 5, 5, 2};
  take_and_check(&s, &a, pick, 7);
  int64_t rev[12];
  for (int i = 0; i < 12; i++) rev[i] = 11 - i;
  take_and_check(&s, &a, rev, 12);
  take_and_check(&s, &a, NULL, 0);
  /* Only non-null rows of column i32: its validity bitmap is dropped. */
  static const int64_t valid_i32[] = {1, 2, 4};
  struct ArrowArray out;
  CU_ASSERT_EQUAL_FATAL(lfh_take(&s, &a, valid_i32, 3, &out, e0()), LF_OK);
  CU_ASSERT_EQUAL(out.children[0]->null_count, 0);
  CU_ASSERT_PTR_NULL(out.children[0]->buffers[0]);
  CU_ASSERT_EQUAL(((const int32_t *)out.children[0]->buffers[1])[2], 4 * 7 - 20);
  check_taken(&s, &a, &out, valid_i32, 3);
  out.release(&out);
  a.release(&a);
  s.release(&s);
}

static void test_nested(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  nested_batch(&a, &s);
  static const int64_t pick[] = {9, 2, 7, 3, 6, 1, 1, 0};
  take_and_check(&s, &a, pick, 8);
  int64_t all[10];
  for (int i = 0; i < 10; i++) all[i] = i;
  take_and_check(&s, &a, all, 10);
  /* A spot check independent of the renderer: row 6's tags are [tag6.0, null]. */
  struct ArrowArray out;
  static const int64_t six[] = {6};
  CU_ASSERT_EQUAL_FATAL(lfh_take(&s, &a, six, 1, &out, e0()), LF_OK);
  const struct ArrowArray *tags = out.children[2];
  const int32_t *off = tags->buffers[1];
  CU_ASSERT_EQUAL(off[0], 0);
  CU_ASSERT_EQUAL(off[1], 2);
  CU_ASSERT_EQUAL(tags->children[0]->length, 2);
  CU_ASSERT_EQUAL(tags->children[0]->null_count, 1);
  const char *data = tags->children[0]->buffers[2];
  CU_ASSERT_EQUAL(memcmp(data, "tag6.0", 6), 0);
  out.release(&out);
  a.release(&a);
  s.release(&s);
}

/* A top-level slice (offset != 0): the struct's offset reaches every child and list. */
static void test_sliced_struct(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  nested_batch(&a, &s);
  a.offset = 3;
  a.length = 6;
  a.null_count = 0;
  static const int64_t pick[] = {0, 5, 2, 3, 4};
  take_and_check(&s, &a, pick, 5);
  a.offset = 0; /* the builder's release does not care, but restore what it made */
  a.length = 10;
  a.release(&a);
  s.release(&s);
  flat_batch(&a, &s);
  a.offset = 5;
  a.length = 7;
  static const int64_t all[] = {0, 1, 2, 3, 4, 5, 6};
  take_and_check(&s, &a, all, 7);
  a.release(&a);
  s.release(&s);
}

/* ------------------------------------------------------------ hand-made arrays */

/* Arrays over static buffers: offsets at every level, and formats the builders lack. */
static void noop_release(struct ArrowArray *x) { x->release = NULL; }
static void noop_schema_release(struct ArrowSchema *x) { x->release = NULL; }

static struct ArrowSchema mk_schema(const char *fmt, const char *name, int64_t n,
                                    struct ArrowSchema **children) {
  struct ArrowSchema s = {fmt, name, NULL, ARROW_FLAG_NULLABLE, n, children, NULL,
                          noop_schema_release, NULL};
  return s;
}

static struct ArrowArray mk_array(int64_t len, int64_t nulls, int64_t off, int64_t nb,
                                  const void **bufs, int64_t nc, struct ArrowArray **ch) {
  struct ArrowArray x = {len, nulls, off, nb, nc, bufs, ch, NULL, noop_release, NULL};
  return x;
}

/* list<utf8> with offset 1 whose offsets start at 2, over a utf8 child with offset 1 and
 * its own validity; the parent has a null row. */
static void test_sliced_children(void) {
  /* child strings (physical): "x" "aa" "bb" null "cc" "ddd" "e" */
  static const int32_t soff[] = {0, 1, 3, 5, 5, 7, 10, 11};
  static const char sdata[] = "xaabbccddde";
  static const uint8_t svalid[] = {0x77}; /* physical 3 and 7 null: 0111 0111 */
  const void *sbufs[] = {svalid, soff, sdata};
  struct ArrowArray child = mk_array(6, 1, 1, 3, sbufs, 0, NULL); /* logical: aa bb null cc ddd e */
  struct ArrowArray *ch[] = {&child};
  /* list physical rows: [junk] [0,2) [2,2) null [2,4) [4,6); offset 1 => 4 logical rows */
  static const int32_t loff[] = {0, 0, 2, 2, 2, 4, 6};
  static const uint8_t lvalid[] = {0x37}; /* physical 3 null: 0011 0111 */
  const void *lbufs[] = {lvalid, loff};
  struct ArrowArray list = mk_array(5, 1, 1, 2, lbufs, 1, ch);
  struct ArrowSchema item = mk_schema("u", "item", 0, NULL);
  struct ArrowSchema *ich[] = {&item};
  struct ArrowSchema ls = mk_schema("+l", "l", 1, ich);
  static const int64_t pick[] = {3, 0, 2, 1, 4, 0};
  take_and_check(&ls, &list, pick, 6);
  struct ArrowArray out;
  CU_ASSERT_EQUAL_FATAL(lfh_take(&ls, &list, pick, 6, &out, e0()), LF_OK);
  const int32_t *o = out.buffers[1];
  /* rows: [null cc] [aa bb] null [] [ddd e] [aa bb] */
  CU_ASSERT_EQUAL(o[0], 0);
  CU_ASSERT_EQUAL(o[1], 2);
  CU_ASSERT_EQUAL(o[2], 4);
  CU_ASSERT_EQUAL(o[3], 4); /* the null row is an empty range */
  CU_ASSERT_EQUAL(o[4], 4);
  CU_ASSERT_EQUAL(out.null_count, 1);
  CU_ASSERT_EQUAL(o[5], 6);
  CU_ASSERT_EQUAL(o[6], 8);
  CU_ASSERT_EQUAL(out.children[0]->null_count, 1);
  CU_ASSERT_EQUAL(memcmp(out.children[0]->buffers[2], "ccaabbdddeaabb", 14), 0);
  out.release(&out);
}

/* Formats outside the SDK: "n", "w:3", "d:10,2", "tdD", "U", "+L", "f", checked on the
 * raw buffers. */
static void test_other_formats(void) {
  static const uint8_t fixed3[] = "abcdefghijkl";           /* 4 values of 3 bytes */
  static const uint8_t valid[] = {0x0b};                     /* row 2 null: 1011 */
  static const int64_t dec[8] = {1, 0, 2, 0, 3, 0, 4, 0};   /* 4 x 16 bytes */
  static const int32_t days[] = {0, 19000, 19001, 19002};
  static const int64_t loff[] = {0, 1, 1, 3, 6};
  static const char ldata[] = "abbccc";
  static const float fl[] = {0.5f, 1.5f, 2.5f, 3.5f};
  const void *nb[] = {NULL}, *wb[] = {valid, fixed3}, *db[] = {NULL, dec},
             *tb[] = {NULL, days}, *ub[] = {valid, loff, ldata}, *fb[] = {NULL, fl};
  struct ArrowArray cols[] = {mk_array(4, 4, 0, 0, nb, 0, NULL), mk_array(4, 1, 0, 2, wb, 0, NULL),
                              mk_array(4, 0, 0, 2, db, 0, NULL), mk_array(4, 0, 0, 2, tb, 0, NULL),
                              mk_array(4, 1, 0, 3, ub, 0, NULL), mk_array(4, 0, 0, 2, fb, 0, NULL)};
  struct ArrowArray *cp[] = {&cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5]};
  struct ArrowSchema ss[] = {mk_schema("n", "n", 0, NULL),      mk_schema("w:3", "w", 0, NULL),
                             mk_schema("d:10,2", "d", 0, NULL), mk_schema("tdD", "t", 0, NULL),
                             mk_schema("U", "u", 0, NULL),      mk_schema("f", "f", 0, NULL)};
  struct ArrowSchema *sp[] = {&ss[0], &ss[1], &ss[2], &ss[3], &ss[4], &ss[5]};
  struct ArrowArray batch = mk_array(4, 0, 0, 1, nb, 6, cp);
  struct ArrowSchema bs = mk_schema("+s", "", 6, sp);
  static const int64_t pick[] = {3, 2, 0};
  struct ArrowArray out;
  int rc = lfh_take(&bs, &batch, pick, 3, &out, e0());
  if (rc != LF_OK) fprintf(stderr, "\n%s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  CU_ASSERT_EQUAL(out.children[0]->null_count, 3);
  CU_ASSERT_EQUAL(out.children[0]->n_buffers, 0);
  CU_ASSERT_EQUAL(memcmp(out.children[1]->buffers[1], "jklghiabc", 9), 0);
  CU_ASSERT_EQUAL(out.children[1]->null_count, 1);
  CU_ASSERT_EQUAL(((const uint8_t *)out.children[1]->buffers[0])[0], 0x05); /* 101 */
  const int64_t *d = out.children[2]->buffers[1];
  CU_ASSERT_EQUAL(d[0], 4);
  CU_ASSERT_EQUAL(d[2], 3);
  CU_ASSERT_EQUAL(d[4], 1);
  const int32_t *t = out.children[3]->buffers[1];
  CU_ASSERT_EQUAL(t[0], 19002);
  CU_ASSERT_EQUAL(t[2], 0);
  const int64_t *uo = out.children[4]->buffers[1];
  CU_ASSERT_EQUAL(uo[1], 3); /* "ccc" */
  CU_ASSERT_EQUAL(uo[2], 3); /* null: empty */
  CU_ASSERT_EQUAL(uo[3], 4); /* "a" */
  CU_ASSERT_EQUAL(memcmp(out.children[4]->buffers[2], "ccca", 4), 0);
  const float *f = out.children[5]->buffers[1];
  CU_ASSERT_DOUBLE_EQUAL(f[0], 3.5, 0);
  CU_ASSERT_DOUBLE_EQUAL(f[2], 0.5, 0);
  out.release(&out);

  /* Large list "+L" of int32 with a sliced child. */
  static const int32_t ints[] = {-1, 10, 20, 30, 40};
  const void *ib[] = {NULL, ints};
  struct ArrowArray ic = mk_array(4, 0, 1, 2, ib, 0, NULL);
  struct ArrowArray *icp[] = {&ic};
  static const int64_t lo[] = {0, 3, 3, 4};
  const void *lb[] = {NULL, lo};
  struct ArrowArray ll = mk_array(3, 0, 0, 2, lb, 1, icp);
  struct ArrowSchema is = mk_schema("i", "item", 0, NULL);
  struct ArrowSchema *isp[] = {&is};
  struct ArrowSchema lls = mk_schema("+L", "big", 1, isp);
  static const int64_t lp[] = {2, 0};
  CU_ASSERT_EQUAL_FATAL(lfh_take(&lls, &ll, lp, 2, &out, e0()), LF_OK);
  const int64_t *o2 = out.buffers[1];
  CU_ASSERT_EQUAL(o2[1], 1);
  CU_ASSERT_EQUAL(o2[2], 4);
  const int32_t *v = out.children[0]->buffers[1];
  CU_ASSERT_EQUAL(v[0], 40);
  CU_ASSERT_EQUAL(v[1], 10);
  CU_ASSERT_EQUAL(v[3], 30);
  out.release(&out);
}

/* Empty strings only: a producer may leave the data buffer NULL. */
static void test_empty_strings_null_data(void) {
  static const int32_t off[] = {0, 0, 0, 0};
  const void *bufs[] = {NULL, off, NULL};
  struct ArrowArray a = mk_array(3, 0, 0, 3, bufs, 0, NULL);
  struct ArrowSchema s = mk_schema("u", "s", 0, NULL);
  static const int64_t pick[] = {2, 0};
  struct ArrowArray out;
  CU_ASSERT_EQUAL_FATAL(lfh_take(&s, &a, pick, 2, &out, e0()), LF_OK);
  CU_ASSERT_EQUAL(((const int32_t *)out.buffers[1])[2], 0);
  CU_ASSERT_PTR_NOT_NULL(out.buffers[2]);
  out.release(&out);
}

static void test_masks(void) {
  struct ArrowArray a, out;
  struct ArrowSchema s;
  nested_batch(&a, &s);
  uint8_t none[10] = {0}, all[10], some[10];
  int64_t rows[10], n = 0;
  for (int i = 0; i < 10; i++) {
    all[i] = 1;
    some[i] = (uint8_t)(i % 3 == 1 ? 7 : 0); /* any non-zero byte keeps */
    if (some[i]) rows[n++] = i;
  }
  CU_ASSERT_EQUAL(lfh_mask_count(some, 10), n);
  CU_ASSERT_EQUAL_FATAL(lfh_filter(&s, &a, none, &out, e0()), LF_OK);
  check_taken(&s, &a, &out, NULL, 0);
  CU_ASSERT_EQUAL(out.length, 0);
  CU_ASSERT_EQUAL(out.children[2]->length, 0);
  CU_ASSERT_PTR_NOT_NULL(out.children[2]->buffers[1]); /* offsets present even when empty */
  out.release(&out);
  int64_t every[10];
  for (int i = 0; i < 10; i++) every[i] = i;
  CU_ASSERT_EQUAL_FATAL(lfh_filter(&s, &a, all, &out, e0()), LF_OK);
  check_taken(&s, &a, &out, every, 10);
  out.release(&out);
  CU_ASSERT_EQUAL_FATAL(lfh_filter(&s, &a, some, &out, e0()), LF_OK);
  check_taken(&s, &a, &out, rows, n);
  out.release(&out);
  a.release(&a);
  s.release(&s);
}

/* The result owns everything: the input can go first, and a child moved out of the
 * result lives on after the result is released. */
static void test_ownership(void) {
  struct ArrowArray a, out, kept;
  struct ArrowSchema s;
  nested_batch(&a, &s);
  static const int64_t pick[] = {4, 1};
  CU_ASSERT_EQUAL_FATAL(lfh_take(&s, &a, pick, 2, &out, e0()), LF_OK);
  a.release(&a);
  lf_array_move(out.children[1], &kept); /* the user struct */
  CU_ASSERT_PTR_NULL(out.children[1]->release);
  out.release(&out);
  CU_ASSERT_EQUAL(kept.length, 2);
  CU_ASSERT_EQUAL(kept.children[0]->length, 2);
  const int32_t *eo = kept.children[0]->buffers[1];
  CU_ASSERT_EQUAL(memcmp((const char *)kept.children[0]->buffers[2] + eo[0], "u4@", 3), 0);
  kept.release(&kept);
  s.release(&s);
  /* Rebuild a batch from moved children (the quarantine path does this). */
  nested_batch(&a, &s);
  CU_ASSERT_EQUAL_FATAL(lfh_take(&s, &a, pick, 2, &out, e0()), LF_OK);
  struct ArrowArray moved[2], rebuilt;
  lf_array_move(out.children[0], &moved[0]);
  lf_array_move(out.children[3], &moved[1]);
  out.release(&out);
  CU_ASSERT_EQUAL(lf_array_make_struct(&rebuilt, 2, 0, moved, 2, e0()), LF_OK);
  CU_ASSERT_EQUAL(((const int64_t *)rebuilt.children[0]->buffers[1])[1], 101);
  rebuilt.release(&rebuilt);
  a.release(&a);
  s.release(&s);
}

static void test_errors(void) {
  struct ArrowArray a, out;
  struct ArrowSchema s;
  flat_batch(&a, &s);
  static const int64_t bad[] = {1, 12};
  CU_ASSERT_EQUAL(lfh_take(&s, &a, bad, 2, &out, e0()), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "row 12 is out of range"));
  CU_ASSERT_PTR_NULL(out.release);
  static const int64_t neg[] = {-1};
  CU_ASSERT_EQUAL(lfh_take(&s, &a, neg, 1, &out, e0()), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lfh_take(NULL, &a, bad, 1, &out, e0()), LF_ERR_INVALID);
  /* An unsupported format deep inside: nothing leaks, nothing is returned. */
  const char *saved = s.children[4]->format;
  s.children[4]->format = "+ud:0,1";
  static const int64_t one[] = {1};
  CU_ASSERT_EQUAL(lfh_take(&s, &a, one, 1, &out, e0()), LF_ERR_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "+ud:0,1"));
  CU_ASSERT_PTR_NULL(out.release);
  s.children[4]->format = saved;
  /* Buffer count that does not match the format. */
  a.children[2]->n_buffers = 3;
  CU_ASSERT_EQUAL(lfh_take(&s, &a, one, 1, &out, e0()), LF_ERR_DATA);
  a.children[2]->n_buffers = 2;
  a.release(&a);
  s.release(&s);
  /* List offsets beyond the child. */
  static const int32_t ints[] = {1, 2};
  static const int32_t loff[] = {0, 5};
  const void *ib[] = {NULL, ints}, *lb[] = {NULL, loff};
  struct ArrowArray ic = mk_array(2, 0, 0, 2, ib, 0, NULL);
  struct ArrowArray *icp[] = {&ic};
  struct ArrowArray l = mk_array(1, 0, 0, 2, lb, 1, icp);
  struct ArrowSchema is = mk_schema("i", "item", 0, NULL);
  struct ArrowSchema *isp[] = {&is};
  struct ArrowSchema ls = mk_schema("+l", "l", 1, isp);
  static const int64_t zero[] = {0};
  CU_ASSERT_EQUAL(lfh_take(&ls, &l, zero, 1, &out, e0()), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "offsets [0, 5) of row 0 are invalid"));
}

int main(void) {
  static const lfh_test_case cases[] = {{"flat types with nulls", test_flat},
                                        {"nested struct/list/map", test_nested},
                                        {"sliced struct", test_sliced_struct},
                                        {"sliced children", test_sliced_children},
                                        {"other formats", test_other_formats},
                                        {"empty strings, NULL data", test_empty_strings_null_data},
                                        {"masks", test_masks},
                                        {"ownership", test_ownership},
                                        {"errors", test_errors},
                                        {NULL, NULL}};
  return lfh_test_run("take", cases);
}
