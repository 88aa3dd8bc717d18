/* test_sdk_array — the SDK helper library: errors, builders, views, schemas, ownership.
 * Runs under ASan+UBSan in the sanitizer build, so every test also checks that what it
 * builds is released exactly once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf.h"
#include "lfh_test.h"

static char msg[256];
static lf_error err;

static void reset_err(void) {
  lf_error_init(&err, msg, sizeof(msg));
}

/* Builds a single-column array from a root builder, asserting success. */
static void finish_ok(lf_builder *b, struct ArrowArray *a, struct ArrowSchema *s) {
  reset_err();
  int rc = lf_builder_finish(b, a, s, &err);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(a->release);
  if (s) CU_ASSERT_PTR_NOT_NULL_FATAL(s->release);
}

static void view_ok(lf_view *v, const struct ArrowSchema *s, const struct ArrowArray *a) {
  reset_err();
  int rc = lf_view_init(v, s, a, &err);
  if (rc != LF_OK) fprintf(stderr, "view: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
}

static void release_both(struct ArrowArray *a, struct ArrowSchema *s) {
  lf_array_release(a);
  lf_schema_release(s);
  CU_ASSERT_PTR_NULL(a->release);
  CU_ASSERT_PTR_NULL(s->release);
}

/* ------------------------------------------------------------ errors */

static void test_error_set(void) {
  char small[8];
  lf_error e;
  lf_error_init(&e, small, sizeof(small));
  CU_ASSERT_EQUAL(e.struct_size, sizeof(lf_error));
  CU_ASSERT_STRING_EQUAL(small, "");
  CU_ASSERT_EQUAL(lf_error_set(&e, LF_ERR_IO, "disk %s is %d%% full", "sda", 99), LF_ERR_IO);
  CU_ASSERT_EQUAL(e.code, LF_ERR_IO);
  CU_ASSERT_STRING_EQUAL(small, "disk sd"); /* truncated to cap - 1 */
  CU_ASSERT_EQUAL(lf_error_set(NULL, LF_ERR_NOMEM, "x"), LF_ERR_NOMEM);
  lf_error none;
  lf_error_init(&none, NULL, 0);
  CU_ASSERT_EQUAL(lf_error_set(&none, LF_ERR_DATA, "no buffer %d", 1), LF_ERR_DATA);
  CU_ASSERT_EQUAL(none.code, LF_ERR_DATA);
  lf_error one;
  lf_error_init(&one, small, 1);
  lf_error_set(&one, LF_ERR_INVALID, "anything");
  CU_ASSERT_STRING_EQUAL(small, "");
}

/* ------------------------------------------------------------ primitives */

static void test_int32_nulls(void) {
  lf_builder *b = lf_builder_new(LF_FORMAT_INT32, "n");
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  for (int32_t i = 0; i < 20; i++) {
    int rc = (i % 3 == 0) ? lf_builder_append_null(b) : lf_builder_append_int32(b, i * 10 - 50);
    CU_ASSERT_EQUAL(rc, LF_OK);
  }
  CU_ASSERT_EQUAL(lf_builder_length(b), 20);
  struct ArrowArray a;
  struct ArrowSchema s;
  finish_ok(b, &a, &s);
  CU_ASSERT_STRING_EQUAL(s.format, "i");
  CU_ASSERT_STRING_EQUAL(s.name, "n");
  CU_ASSERT_TRUE(s.flags & ARROW_FLAG_NULLABLE);
  CU_ASSERT_EQUAL(a.length, 20);
  CU_ASSERT_EQUAL(a.null_count, 7);
  CU_ASSERT_EQUAL(a.n_buffers, 2);
  CU_ASSERT_PTR_NOT_NULL(a.buffers[0]);
  lf_view v;
  view_ok(&v, &s, &a);
  CU_ASSERT_EQUAL(v.type, LF_TYPE_INT32);
  for (int32_t i = 0; i < 20; i++) {
    CU_ASSERT_EQUAL(lf_view_is_valid(&v, i), i % 3 != 0);
    if (i % 3) CU_ASSERT_EQUAL(lf_view_int32(&v, i), i * 10 - 50);
  }
  /* Out-of-range and wrong-type reads are harmless. */
  CU_ASSERT_EQUAL(lf_view_is_valid(&v, 20), 0);
  CU_ASSERT_EQUAL(lf_view_int32(&v, -1), 0);
  CU_ASSERT_EQUAL(lf_view_int64(&v, 1), 0);
  release_both(&a, &s);
}

static void test_int64_double_timestamp(void) {
  lf_builder *bl = lf_builder_new(LF_FORMAT_INT64, "l");
  lf_builder *bg = lf_builder_new(LF_FORMAT_DOUBLE, "g");
  lf_builder *bt = lf_builder_new(LF_FORMAT_TIMESTAMP, "ts");
  CU_ASSERT_EQUAL(lf_builder_append_int64(bl, INT64_MIN), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_int64(bl, INT64_MAX), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_null(bl), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_double(bg, -0.5), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_double(bg, 1e300), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_timestamp(bt, 1700000000123456), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_null(bt), LF_OK);
  struct ArrowArray al, ag, at;
  struct ArrowSchema sl, sg, st;
  finish_ok(bl, &al, &sl);
  finish_ok(bg, &ag, &sg);
  finish_ok(bt, &at, &st);
  CU_ASSERT_STRING_EQUAL(st.format, "tsu:UTC");
  CU_ASSERT_EQUAL(ag.null_count, 0);
  CU_ASSERT_PTR_NULL(ag.buffers[0]); /* no nulls: no bitmap */
  lf_view vl, vg, vt;
  view_ok(&vl, &sl, &al);
  view_ok(&vg, &sg, &ag);
  view_ok(&vt, &st, &at);
  CU_ASSERT_EQUAL(lf_view_int64(&vl, 0), INT64_MIN);
  CU_ASSERT_EQUAL(lf_view_int64(&vl, 1), INT64_MAX);
  CU_ASSERT_FALSE(lf_view_is_valid(&vl, 2));
  CU_ASSERT_DOUBLE_EQUAL(lf_view_double(&vg, 0), -0.5, 0.0);
  CU_ASSERT_DOUBLE_EQUAL(lf_view_double(&vg, 1), 1e300, 0.0);
  CU_ASSERT_TRUE(lf_view_is_valid(&vg, 1));
  CU_ASSERT_EQUAL(vt.type, LF_TYPE_TIMESTAMP);
  CU_ASSERT_EQUAL(lf_view_int64(&vt, 0), 1700000000123456);
  CU_ASSERT_FALSE(lf_view_is_valid(&vt, 1));
  release_both(&al, &sl);
  release_both(&ag, &sg);
  release_both(&at, &st);
}

static void test_bool(void) {
  lf_builder *b = lf_builder_new(LF_FORMAT_BOOL, "flag");
  for (int i = 0; i < 37; i++) {
    int rc = (i % 5 == 4) ? lf_builder_append_null(b) : lf_builder_append_bool(b, i % 2);
    CU_ASSERT_EQUAL(rc, LF_OK);
  }
  struct ArrowArray a;
  struct ArrowSchema s;
  finish_ok(b, &a, &s);
  lf_view v;
  view_ok(&v, &s, &a);
  CU_ASSERT_EQUAL(a.null_count, 7);
  for (int i = 0; i < 37; i++) {
    CU_ASSERT_EQUAL(lf_view_is_valid(&v, i), i % 5 != 4);
    if (i % 5 != 4) CU_ASSERT_EQUAL(lf_view_bool(&v, i), i % 2);
  }
  release_both(&a, &s);
}

static void test_utf8_binary(void) {
  lf_builder *b = lf_builder_new(LF_FORMAT_UTF8, "s");
  CU_ASSERT_EQUAL(lf_builder_append_cstr(b, "héllo"), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_utf8(b, "", 0), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_null(b), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_utf8(b, "abcdef", 3), LF_OK);
  lf_builder *z = lf_builder_new(LF_FORMAT_BINARY, "z");
  const uint8_t raw[] = {0, 1, 0, 255};
  CU_ASSERT_EQUAL(lf_builder_append_binary(z, raw, sizeof(raw)), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_binary(z, NULL, 0), LF_OK);
  struct ArrowArray a, az;
  struct ArrowSchema s, sz;
  finish_ok(b, &a, &s);
  finish_ok(z, &az, &sz);
  CU_ASSERT_EQUAL(a.n_buffers, 3);
  lf_view v, vz;
  view_ok(&v, &s, &a);
  view_ok(&vz, &sz, &az);
  size_t len = 99;
  const char *p = lf_view_utf8(&v, 0, &len);
  CU_ASSERT_EQUAL(len, strlen("héllo"));
  CU_ASSERT_EQUAL(memcmp(p, "héllo", len), 0);
  p = lf_view_utf8(&v, 1, &len);
  CU_ASSERT_PTR_NOT_NULL(p);
  CU_ASSERT_EQUAL(len, 0);
  CU_ASSERT_FALSE(lf_view_is_valid(&v, 2));
  lf_view_utf8(&v, 2, &len);
  CU_ASSERT_EQUAL(len, 0);
  p = lf_view_utf8(&v, 3, &len);
  CU_ASSERT_EQUAL(len, 3);
  CU_ASSERT_EQUAL(memcmp(p, "abc", 3), 0);
  CU_ASSERT_PTR_NULL(lf_view_binary(&v, 0, &len)); /* wrong type */
  const uint8_t *q = lf_view_binary(&vz, 0, &len);
  CU_ASSERT_EQUAL(len, 4);
  CU_ASSERT_EQUAL(memcmp(q, raw, 4), 0);
  lf_view_binary(&vz, 1, &len);
  CU_ASSERT_EQUAL(len, 0);
  release_both(&a, &s);
  release_both(&az, &sz);
}

static void test_large_strings(void) {
  size_t big = (size_t)3 << 20; /* 3 MiB per value: forces many buffer growths */
  char *text = malloc(big);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  for (size_t i = 0; i < big; i++) text[i] = (char)('a' + i % 26);
  lf_builder *b = lf_builder_new(LF_FORMAT_UTF8, "big");
  for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(lf_builder_append_utf8(b, text + i, big - (size_t)i), LF_OK);
  struct ArrowArray a;
  struct ArrowSchema s;
  finish_ok(b, &a, &s);
  lf_view v;
  view_ok(&v, &s, &a);
  for (int i = 0; i < 4; i++) {
    size_t len = 0;
    const char *p = lf_view_utf8(&v, i, &len);
    CU_ASSERT_EQUAL(len, big - (size_t)i);
    CU_ASSERT_EQUAL(memcmp(p, text + i, len), 0);
  }
  release_both(&a, &s);
  free(text);
}

static void test_empty_arrays(void) {
  const char *formats[] = {"i", "l", "g", "b", "u", "z", "tsu:UTC", "+s", "+l", "+m"};
  for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
    lf_builder *b = lf_builder_new(formats[f], "e");
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    if (!strcmp(formats[f], "+l")) CU_ASSERT_PTR_NOT_NULL(lf_builder_add_child(b, "i", "item"));
    if (!strcmp(formats[f], "+m")) {
      CU_ASSERT_PTR_NOT_NULL(lf_builder_add_child(b, "u", "key"));
      CU_ASSERT_PTR_NOT_NULL(lf_builder_add_child(b, "l", "value"));
    }
    struct ArrowArray a;
    struct ArrowSchema s;
    finish_ok(b, &a, &s);
    CU_ASSERT_EQUAL(a.length, 0);
    CU_ASSERT_STRING_EQUAL(s.format, formats[f]);
    lf_view v;
    view_ok(&v, &s, &a);
    CU_ASSERT_EQUAL(v.length, 0);
    CU_ASSERT_EQUAL(lf_view_is_valid(&v, 0), 0);
    release_both(&a, &s);
  }
}

/* ------------------------------------------------------------ slicing */

static void test_sliced_primitive_and_utf8(void) {
  lf_builder *b = lf_builder_new(LF_FORMAT_INT64, "x");
  lf_builder *u = lf_builder_new(LF_FORMAT_UTF8, "u");
  char word[32];
  for (int i = 0; i < 10; i++) {
    if (i == 5) {
      lf_builder_append_null(b);
      lf_builder_append_null(u);
      continue;
    }
    lf_builder_append_int64(b, i * 100);
    snprintf(word, sizeof(word), "w%d", i);
    lf_builder_append_cstr(u, word);
  }
  struct ArrowArray a, au;
  struct ArrowSchema s, su;
  finish_ok(b, &a, &s);
  finish_ok(u, &au, &su);
  /* Slice rows 3..8 the way Arrow producers do: offset + length, null_count unknown. */
  a.offset = 3, a.length = 5, a.null_count = -1;
  au.offset = 3, au.length = 5, au.null_count = -1;
  lf_view v, vu;
  view_ok(&v, &s, &a);
  view_ok(&vu, &su, &au);
  CU_ASSERT_EQUAL(v.length, 5);
  for (int r = 0; r < 5; r++) {
    int i = r + 3;
    CU_ASSERT_EQUAL(lf_view_is_valid(&v, r), i != 5);
    CU_ASSERT_EQUAL(lf_view_is_valid(&vu, r), i != 5);
    if (i == 5) continue;
    CU_ASSERT_EQUAL(lf_view_int64(&v, r), i * 100);
    size_t len;
    const char *p = lf_view_utf8(&vu, r, &len);
    snprintf(word, sizeof(word), "w%d", i);
    CU_ASSERT_EQUAL(len, strlen(word));
    CU_ASSERT_EQUAL(memcmp(p, word, len), 0);
  }
  CU_ASSERT_EQUAL(lf_view_int64(&v, 5), 0); /* past the slice */
  /* (A top-level slice past the end of its buffers cannot be detected: the C Data
   * Interface carries no buffer sizes. Nested children are checked against their
   * parents, see nested_sliced.) A negative slice is refused. */
  a.offset = -1;
  reset_err();
  CU_ASSERT_EQUAL(lf_view_init(&v, &s, &a, &err), LF_ERR_DATA);
  a.offset = 3;
  release_both(&a, &s);
  release_both(&au, &su);
}

/* ------------------------------------------------------------ nested */

/* struct{id int64, tags list<utf8>, attrs map<utf8,int64>, inner struct{ts (not null)}} */
static void build_nested(struct ArrowArray *a, struct ArrowSchema *s, int rows) {
  lf_builder *root = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *id = lf_builder_add_child(root, LF_FORMAT_INT64, "id");
  lf_builder *tags = lf_builder_add_child(root, LF_FORMAT_LIST, "tags");
  lf_builder *tag = lf_builder_add_child(tags, LF_FORMAT_UTF8, "item");
  lf_builder *attrs = lf_builder_add_child(root, LF_FORMAT_MAP, "attrs");
  lf_builder *key = lf_builder_add_child(attrs, LF_FORMAT_UTF8, "key");
  lf_builder *val = lf_builder_add_child(attrs, LF_FORMAT_INT64, "value");
  lf_builder *inner = lf_builder_add_child(root, LF_FORMAT_STRUCT, "inner");
  lf_builder *ts = lf_builder_add_child(inner, LF_FORMAT_TIMESTAMP, "ts");
  CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
  lf_builder_set_nullable(ts, 0);
  char word[32];
  for (int r = 0; r < rows; r++) {
    if (r % 4 == 3) { /* a null row: children get placeholder slots */
      CU_ASSERT_EQUAL(lf_builder_append_null(root), LF_OK);
      continue;
    }
    lf_builder_append_struct(root);
    lf_builder_append_int64(id, r);
    for (int t = 0; t < r % 3; t++) {
      snprintf(word, sizeof(word), "t%d.%d", r, t);
      lf_builder_append_cstr(tag, word);
    }
    if (r % 5 == 1) lf_builder_append_null(tags);
    else lf_builder_append_list(tags);
    for (int k = 0; k < r % 2 + 1; k++) {
      snprintf(word, sizeof(word), "k%d", k);
      lf_builder_append_cstr(key, word);
      if (k == 1) lf_builder_append_null(val);
      else lf_builder_append_int64(val, r * 10 + k);
    }
    CU_ASSERT_EQUAL(lf_builder_append_map(attrs), LF_OK);
    lf_builder_append_struct(inner);
    CU_ASSERT_EQUAL(lf_builder_append_timestamp(ts, 1000 + r), LF_OK);
  }
  finish_ok(root, a, s);
}

static void check_nested_row(const lf_view *v, int64_t row, int r) {
  lf_view id, tags, tag, attrs, entries, keys, vals, inner, ts;
  CU_ASSERT_EQUAL_FATAL(lf_view_child(v, 0, &id), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_view_child(v, 1, &tags), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_view_child(&tags, 0, &tag), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_view_child(v, 2, &attrs), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_view_child(&attrs, 0, &entries), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_view_child(&entries, 0, &keys), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_view_child(&entries, 1, &vals), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_view_child(v, 3, &inner), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lf_view_child(&inner, 0, &ts), LF_OK);
  CU_ASSERT_STRING_EQUAL(lf_view_name(&tags), "tags");
  CU_ASSERT_EQUAL(lf_view_is_valid(v, row), r % 4 != 3);
  if (r % 4 == 3) return;
  CU_ASSERT_EQUAL(lf_view_int64(&id, row), r);
  int64_t start, end;
  CU_ASSERT_EQUAL(lf_view_list_range(&tags, row, &start, &end), LF_OK);
  if (r % 5 == 1) {
    CU_ASSERT_FALSE(lf_view_is_valid(&tags, row));
  } else {
    CU_ASSERT_TRUE(lf_view_is_valid(&tags, row));
    CU_ASSERT_EQUAL(end - start, r % 3);
    char word[32];
    for (int64_t t = start; t < end; t++) {
      size_t len;
      const char *p = lf_view_utf8(&tag, t, &len);
      snprintf(word, sizeof(word), "t%d.%d", r, (int)(t - start));
      CU_ASSERT_EQUAL(len, strlen(word));
      CU_ASSERT_EQUAL(memcmp(p, word, len), 0);
    }
  }
  CU_ASSERT_EQUAL(lf_view_list_range(&attrs, row, &start, &end), LF_OK);
  CU_ASSERT_EQUAL(end - start, r % 2 + 1);
  size_t len;
  CU_ASSERT_EQUAL(memcmp(lf_view_utf8(&keys, start, &len), "k0", 2), 0);
  CU_ASSERT_EQUAL(lf_view_int64(&vals, start), r * 10);
  if (end - start == 2) CU_ASSERT_FALSE(lf_view_is_valid(&vals, start + 1));
  CU_ASSERT_EQUAL(lf_view_int64(&ts, row), 1000 + r);
}

static void test_nested_roundtrip(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(&a, &s, 23);
  CU_ASSERT_EQUAL(s.n_children, 4);
  CU_ASSERT_STRING_EQUAL(s.children[2]->format, "+m");
  CU_ASSERT_STRING_EQUAL(s.children[2]->children[0]->name, "entries");
  CU_ASSERT_FALSE(s.children[2]->children[0]->flags & ARROW_FLAG_NULLABLE);
  CU_ASSERT_FALSE(s.children[2]->children[0]->children[0]->flags & ARROW_FLAG_NULLABLE);
  CU_ASSERT_FALSE(s.children[3]->children[0]->flags & ARROW_FLAG_NULLABLE);
  lf_view v;
  view_ok(&v, &s, &a);
  CU_ASSERT_EQUAL(lf_view_n_children(&v), 4);
  for (int r = 0; r < 23; r++) check_nested_row(&v, r, r);
  lf_view bad;
  CU_ASSERT_EQUAL(lf_view_child(&v, 4, &bad), LF_ERR_INVALID);
  release_both(&a, &s);
}

static void test_nested_sliced(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(&a, &s, 23);
  a.offset = 7;
  a.length = 12;
  a.null_count = -1;
  lf_view v;
  view_ok(&v, &s, &a);
  for (int r = 0; r < 12; r++) check_nested_row(&v, r, r + 7);
  /* And a slice of a child list column itself. */
  struct ArrowArray *tags = a.children[1];
  tags->offset = 2;
  tags->length = 10;
  tags->null_count = -1;
  a.offset = 0;
  a.length = 8; /* the struct's rows must fit in its children */
  view_ok(&v, &s, &a);
  lf_view tv;
  lf_view_child(&v, 1, &tv);
  CU_ASSERT_EQUAL(tv.offset, 2);
  int64_t start, end;
  CU_ASSERT_EQUAL(lf_view_list_range(&tv, 0, &start, &end), LF_OK); /* row 2: 2 tags */
  CU_ASSERT_EQUAL(end - start, 2);
  a.length = 9; /* now longer than tags (offset 2 + 10 >= 9 is fine) */
  view_ok(&v, &s, &a);
  a.length = 13; /* 13 > 12 rows available in tags */
  reset_err();
  CU_ASSERT_EQUAL(lf_view_init(&v, &s, &a, &err), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "tags"));
  release_both(&a, &s);
}

/* ------------------------------------------------------------ ownership */

static void test_move_child_out(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(&a, &s, 9);
  /* Keep only the "tags" column: move it out, then release the parent (Arrow's rule). */
  struct ArrowArray tags;
  struct ArrowSchema tags_schema;
  lf_array_move(a.children[1], &tags);
  lf_schema_move(s.children[1], &tags_schema);
  CU_ASSERT_PTR_NULL(a.children[1]->release);
  release_both(&a, &s);
  lf_view v;
  view_ok(&v, &tags_schema, &tags);
  CU_ASSERT_EQUAL(v.length, 9);
  release_both(&tags, &tags_schema);
  /* Releasing twice through the helper is a no-op. */
  lf_array_release(&tags);
  lf_schema_release(&tags_schema);
  lf_array_release(NULL);
}

static void test_make_struct(void) {
  lf_builder *x = lf_builder_new(LF_FORMAT_INT32, "x");
  lf_builder *y = lf_builder_new(LF_FORMAT_UTF8, "y");
  for (int i = 0; i < 6; i++) {
    lf_builder_append_int32(x, i);
    lf_builder_append_cstr(y, i % 2 ? "odd" : "even");
  }
  struct ArrowArray cols[2];
  struct ArrowSchema sx, sy;
  finish_ok(x, &cols[0], &sx);
  finish_ok(y, &cols[1], &sy);
  struct ArrowArray st;
  reset_err();
  CU_ASSERT_EQUAL_FATAL(lf_array_make_struct(&st, 4, 2, cols, 2, &err), LF_OK);
  CU_ASSERT_PTR_NULL(cols[0].release);
  CU_ASSERT_PTR_NULL(cols[1].release);
  struct ArrowSchema ss;
  CU_ASSERT_EQUAL(lf_schema_init(&ss, "+s", "", 0, &err), LF_OK);
  struct ArrowSchema *c;
  CU_ASSERT_EQUAL(lf_schema_add_child(&ss, "i", "x", ARROW_FLAG_NULLABLE, &c, &err), LF_OK);
  CU_ASSERT_EQUAL(lf_schema_add_child(&ss, "u", "y", ARROW_FLAG_NULLABLE, &c, &err), LF_OK);
  lf_view v, vx, vy;
  view_ok(&v, &ss, &st);
  lf_view_child(&v, 0, &vx);
  lf_view_child(&v, 1, &vy);
  CU_ASSERT_EQUAL(v.length, 4);
  CU_ASSERT_EQUAL(lf_view_int32(&vx, 0), 2);
  CU_ASSERT_EQUAL(lf_view_int32(&vx, 3), 5);
  size_t len;
  CU_ASSERT_EQUAL(memcmp(lf_view_utf8(&vy, 1, &len), "odd", 3), 0);
  release_both(&st, &ss);
  lf_schema_release(&sx);
  lf_schema_release(&sy);
  /* Too-short children are refused and still released (moved in). */
  lf_builder *z = lf_builder_new(LF_FORMAT_INT32, "z");
  lf_builder_append_int32(z, 1);
  struct ArrowArray one;
  finish_ok(z, &one, NULL);
  reset_err();
  CU_ASSERT_EQUAL(lf_array_make_struct(&st, 5, 0, &one, 1, &err), LF_ERR_INVALID);
  CU_ASSERT_PTR_NULL(one.release);
  CU_ASSERT_PTR_NULL(st.release);
}

/* ------------------------------------------------------------ schemas */

static void test_schema_helpers(void) {
  struct ArrowSchema s, copy;
  reset_err();
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(&s, "+s", "root", 0, &err), LF_OK);
  struct ArrowSchema *lst = NULL, *item = NULL;
  CU_ASSERT_EQUAL(lf_schema_add_child(&s, "l", "a", ARROW_FLAG_NULLABLE, NULL, &err), LF_OK);
  CU_ASSERT_EQUAL(lf_schema_add_child(&s, "+l", "b", ARROW_FLAG_NULLABLE, &lst, &err), LF_OK);
  CU_ASSERT_EQUAL(lf_schema_add_child(lst, "u", "item", 0, &item, &err), LF_OK);
  for (int i = 0; i < 9; i++) /* grows the children array past its first capacity */
    CU_ASSERT_EQUAL(lf_schema_add_child(&s, "g", "d", 0, NULL, &err), LF_OK);
  /* metadata: 1 pair, "k" -> "vv" */
  char md[4 + 4 + 1 + 4 + 2];
  int32_t n = 1, kl = 1, vl = 2;
  memcpy(md, &n, 4);
  memcpy(md + 4, &kl, 4);
  md[8] = 'k';
  memcpy(md + 9, &vl, 4);
  memcpy(md + 13, "vv", 2);
  CU_ASSERT_EQUAL(lf_metadata_size(md), (int64_t)sizeof(md));
  CU_ASSERT_EQUAL(lf_schema_set_metadata(item, md, &err), LF_OK);
  CU_ASSERT_EQUAL(s.n_children, 11);
  CU_ASSERT_EQUAL_FATAL(lf_schema_copy(&copy, &s, &err), LF_OK);
  CU_ASSERT_TRUE(lf_schema_equal(&s, &copy, 0));
  CU_ASSERT_PTR_NOT_EQUAL(copy.children[1]->children[0]->metadata, item->metadata);
  CU_ASSERT_EQUAL(memcmp(copy.children[1]->children[0]->metadata, md, sizeof(md)), 0);
  /* Differences: name, flags, metadata, format, children count. */
  struct ArrowSchema *c1 = copy.children[1];
  c1->name = "renamed"; /* borrowed literal; private copy is what gets freed */
  CU_ASSERT_FALSE(lf_schema_equal(&s, &copy, 0));
  CU_ASSERT_TRUE(lf_schema_equal(&s, &copy, LF_SCHEMA_EQ_IGNORE_NAMES));
  copy.children[0]->flags = 0;
  CU_ASSERT_FALSE(lf_schema_equal(&s, &copy, LF_SCHEMA_EQ_IGNORE_NAMES));
  CU_ASSERT_TRUE(lf_schema_equal(&s, &copy, LF_SCHEMA_EQ_IGNORE_NAMES | LF_SCHEMA_EQ_IGNORE_FLAGS));
  CU_ASSERT_EQUAL(lf_schema_set_metadata(c1->children[0], NULL, &err), LF_OK);
  CU_ASSERT_FALSE(lf_schema_equal(&s, &copy, LF_SCHEMA_EQ_IGNORE_NAMES | LF_SCHEMA_EQ_IGNORE_FLAGS));
  CU_ASSERT_TRUE(lf_schema_equal(&s, &copy, 0x7));
  CU_ASSERT_EQUAL(lf_schema_add_child(&copy, "i", "extra", 0, NULL, &err), LF_OK);
  CU_ASSERT_FALSE(lf_schema_equal(&s, &copy, 0x7));
  CU_ASSERT_FALSE(lf_schema_equal(&s, NULL, 0));
  lf_schema_release(&copy);
  CU_ASSERT_FALSE(lf_schema_equal(&s, &copy, 0)); /* released */
  /* The original is untouched by releasing the copy. */
  CU_ASSERT_STRING_EQUAL(s.children[1]->children[0]->name, "item");
  /* Foreign schemas cannot be grown. */
  struct ArrowSchema foreign = s;
  foreign.release = (void (*)(struct ArrowSchema *))test_schema_helpers;
  reset_err();
  CU_ASSERT_EQUAL(lf_schema_add_child(&foreign, "i", "x", 0, NULL, &err), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "made by the SDK"));
  lf_schema_release(&s);
  CU_ASSERT_EQUAL(lf_format_type("tsu:Europe/Paris"), LF_TYPE_TIMESTAMP);
  CU_ASSERT_EQUAL(lf_format_type("tss:"), LF_TYPE_UNSUPPORTED);
  CU_ASSERT_EQUAL(lf_format_type(NULL), LF_TYPE_UNSUPPORTED);
}

/* ------------------------------------------------------------ builder misuse */

static void test_builder_errors(void) {
  CU_ASSERT_PTR_NULL(lf_builder_new("w:16", "fixed"));
  CU_ASSERT_PTR_NULL(lf_builder_new(NULL, "x"));
  struct ArrowArray a;
  struct ArrowSchema s;

  /* Wrong type: sticky, reported by finish, outputs left released. */
  lf_builder *b = lf_builder_new(LF_FORMAT_INT32, "n");
  CU_ASSERT_EQUAL(lf_builder_append_int32(b, 1), LF_OK);
  CU_ASSERT_EQUAL(lf_builder_append_cstr(b, "x"), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lf_builder_append_int32(b, 2), LF_ERR_INVALID); /* sticky */
  reset_err();
  CU_ASSERT_EQUAL(lf_builder_finish(b, &a, &s, &err), LF_ERR_INVALID);
  CU_ASSERT_PTR_NULL(a.release);
  CU_ASSERT_PTR_NULL(s.release);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "wrong type"));
  CU_ASSERT_EQUAL(err.code, LF_ERR_INVALID);

  /* Null into a non-nullable column. */
  b = lf_builder_new(LF_FORMAT_UTF8, "req");
  lf_builder_set_nullable(b, 0);
  CU_ASSERT_EQUAL(lf_builder_append_null(b), LF_ERR_INVALID);
  reset_err();
  CU_ASSERT_EQUAL(lf_builder_finish(b, &a, NULL, &err), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "non-nullable"));

  /* Struct child with a missing value. */
  b = lf_builder_new(LF_FORMAT_STRUCT, "");
  lf_builder *x = lf_builder_add_child(b, LF_FORMAT_INT32, "x");
  lf_builder_add_child(b, LF_FORMAT_INT32, "y");
  lf_builder_append_struct(b);
  lf_builder_append_int32(x, 1);
  reset_err();
  CU_ASSERT_EQUAL(lf_builder_finish(b, &a, &s, &err), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'y'"));
  CU_ASSERT_PTR_NULL(s.release);

  /* Children where they cannot go. */
  b = lf_builder_new(LF_FORMAT_LIST, "l");
  CU_ASSERT_PTR_NOT_NULL(lf_builder_add_child(b, LF_FORMAT_INT32, "item"));
  CU_ASSERT_PTR_NULL(lf_builder_add_child(b, LF_FORMAT_INT32, "second"));
  lf_builder_free(b);
  b = lf_builder_new(LF_FORMAT_INT64, "p");
  CU_ASSERT_PTR_NULL(lf_builder_add_child(b, LF_FORMAT_INT32, "c"));
  lf_builder_free(b);

  /* A child cannot be finished on its own; its root stays usable. */
  b = lf_builder_new(LF_FORMAT_STRUCT, "");
  x = lf_builder_add_child(b, LF_FORMAT_INT32, "x");
  reset_err();
  CU_ASSERT_EQUAL(lf_builder_finish(x, &a, NULL, &err), LF_ERR_INVALID);
  lf_builder_free(x); /* ignored: not a root */
  lf_builder_append_struct(b);
  lf_builder_append_int32(x, 5);
  finish_ok(b, &a, &s);
  CU_ASSERT_EQUAL(a.children[0]->length, 1);
  release_both(&a, &s);

  /* Map with keys and values out of step. */
  b = lf_builder_new(LF_FORMAT_MAP, "m");
  lf_builder *k = lf_builder_add_child(b, LF_FORMAT_UTF8, "key");
  lf_builder_add_child(b, LF_FORMAT_UTF8, "value");
  lf_builder_append_cstr(k, "lonely");
  CU_ASSERT_EQUAL(lf_builder_append_map(b), LF_ERR_INVALID);
  CU_ASSERT_EQUAL(lf_builder_append_null(k), LF_ERR_INVALID); /* poisoned (and keys non-null) */
  reset_err();
  CU_ASSERT_EQUAL(lf_builder_finish(b, &a, &s, &err), LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "keys and values"));

  lf_builder_free(NULL);
  CU_ASSERT_EQUAL(lf_builder_append_int32(NULL, 1), LF_ERR_INVALID);
  reset_err();
  CU_ASSERT_EQUAL(lf_builder_finish(NULL, &a, &s, &err), LF_ERR_INVALID);
  b = lf_builder_new(LF_FORMAT_INT32, "n"); /* consumed even without an output */
  CU_ASSERT_EQUAL(lf_builder_finish(b, NULL, NULL, &err), LF_ERR_INVALID);
}

/* ------------------------------------------------------------ validator */

/* Each case corrupts a good array, expects refusal, restores it. */
static void expect_refused(const struct ArrowSchema *s, const struct ArrowArray *a,
                           const char *needle) {
  lf_view v;
  reset_err();
  int rc = lf_view_init(&v, s, a, &err);
  CU_ASSERT_NOT_EQUAL(rc, LF_OK);
  CU_ASSERT_EQUAL(err.code, rc);
  if (needle && !strstr(msg, needle)) {
    fprintf(stderr, "expected '%s' in '%s'\n", needle, msg);
    CU_FAIL("message");
  }
}

static void test_validator_refuses_garbage(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(&a, &s, 10);
  lf_view v;
  view_ok(&v, &s, &a);

  expect_refused(NULL, &a, "schema is NULL");
  expect_refused(&s, NULL, "array is NULL");

  a.n_buffers = 2;
  expect_refused(&s, &a, "n_buffers");
  a.n_buffers = 1;

  a.length = -1;
  expect_refused(&s, &a, "length");
  a.length = 10;
  a.offset = -2;
  expect_refused(&s, &a, "offset");
  a.offset = 0;
  int64_t nulls = a.null_count;
  CU_ASSERT_EQUAL(nulls, 2); /* rows 3 and 7 */
  a.null_count = 11;
  expect_refused(&s, &a, "null_count");
  a.null_count = nulls;

  /* Validity bitmap missing although nulls are declared. */
  const void **bufs = a.buffers;
  const void *validity = bufs[0];
  bufs[0] = NULL;
  expect_refused(&s, &a, "validity");
  bufs[0] = validity;

  /* Child count mismatch between schema and array. */
  a.n_children = 3;
  expect_refused(&s, &a, "child count");
  a.n_children = 4;

  /* List offsets: non-monotonic, negative, past the child. */
  struct ArrowArray *tags = a.children[1];
  int32_t *off = (int32_t *)tags->buffers[1];
  int32_t saved = off[3];
  off[3] = off[2] - 1;
  expect_refused(&s, &a, "monotonic");
  off[3] = saved;
  int32_t last = off[10];
  off[10] = (int32_t)tags->children[0]->length + 1;
  expect_refused(&s, &a, "past the end");
  off[10] = last;
  off[0] = -1;
  expect_refused(&s, &a, "negative offset");
  off[0] = 0;

  /* NULL required buffers: list offsets, utf8 offsets, int64 values. */
  const void **tb = tags->buffers;
  const void *o = tb[1];
  tb[1] = NULL;
  expect_refused(&s, &a, "NULL");
  tb[1] = o;
  struct ArrowArray *item = tags->children[0];
  const void *data = item->buffers[2];
  ((const void **)item->buffers)[2] = NULL;
  expect_refused(&s, &a, "data buffer");
  ((const void **)item->buffers)[2] = data;
  struct ArrowArray *id = a.children[0];
  const void *vals = id->buffers[1];
  ((const void **)id->buffers)[1] = NULL;
  expect_refused(&s, &a, "required buffer");
  ((const void **)id->buffers)[1] = vals;
  ((const void **)id->buffers)[1] = vals;
  id->n_buffers = 3;
  expect_refused(&s, &a, "n_buffers");
  id->n_buffers = 2;

  /* utf8 offsets going backwards. */
  int32_t *uo = (int32_t *)item->buffers[1];
  if (item->length >= 2) {
    int32_t keep = uo[1];
    uo[1] = uo[2] + 5;
    expect_refused(&s, &a, "monotonic");
    uo[1] = keep;
  }

  /* Struct child shorter than the struct. */
  id->length = 9;
  expect_refused(&s, &a, "shorter");
  id->length = 10;

  /* Released child, unsupported format, dictionary. */
  void (*rel)(struct ArrowArray *) = id->release;
  id->release = NULL;
  expect_refused(&s, &a, "released");
  id->release = rel;
  const char *fmt = s.children[0]->format;
  s.children[0]->format = "w:8";
  expect_refused(&s, &a, "unsupported");
  CU_ASSERT_EQUAL(err.code, LF_ERR_UNSUPPORTED);
  s.children[0]->format = "u"; /* utf8 expects 3 buffers, int64 array has 2 */
  expect_refused(&s, &a, "n_buffers");
  s.children[0]->format = fmt;
  struct ArrowSchema dict = *s.children[0];
  s.children[0]->dictionary = &dict;
  expect_refused(&s, &a, "dictionar");
  s.children[0]->dictionary = NULL;

  /* A primitive that claims children. */
  id->n_children = 1;
  expect_refused(&s, &a, NULL);
  id->n_children = 0;

  /* A map whose child is not a key/value struct. */
  struct ArrowSchema *entries = s.children[2]->children[0];
  entries->n_children = 1;
  expect_refused(&s, &a, NULL);
  entries->n_children = 2;

  /* Restored: valid again, and releasing it frees everything (ASan checks). */
  view_ok(&v, &s, &a);
  release_both(&a, &s);
}

/* Deep nesting beyond the limit is refused rather than recursing without bound. */
static void test_validator_depth_limit(void) {
  lf_builder *root = lf_builder_new(LF_FORMAT_LIST, "l0");
  lf_builder *cur = root;
  for (int i = 0; i < 70; i++) cur = lf_builder_add_child(cur, LF_FORMAT_LIST, "l");
  CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
  lf_builder_add_child(cur, LF_FORMAT_INT32, "leaf");
  struct ArrowArray a;
  struct ArrowSchema s;
  finish_ok(root, &a, &s);
  lf_view v;
  reset_err();
  CU_ASSERT_EQUAL(lf_view_init(&v, &s, &a, &err), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "deeply"));
  release_both(&a, &s);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"error_set", test_error_set},
      {"int32_nulls", test_int32_nulls},
      {"int64_double_timestamp", test_int64_double_timestamp},
      {"bool", test_bool},
      {"utf8_binary", test_utf8_binary},
      {"large_strings", test_large_strings},
      {"empty_arrays", test_empty_arrays},
      {"sliced_primitive_and_utf8", test_sliced_primitive_and_utf8},
      {"nested_roundtrip", test_nested_roundtrip},
      {"nested_sliced", test_nested_sliced},
      {"move_child_out", test_move_child_out},
      {"make_struct", test_make_struct},
      {"schema_helpers", test_schema_helpers},
      {"builder_errors", test_builder_errors},
      {"validator_refuses_garbage", test_validator_refuses_garbage},
      {"validator_depth_limit", test_validator_depth_limit},
      {NULL, NULL},
  };
  return lfh_test_run("sdk_array", cases);
}
