/*
 * lfh_avro_arrow: Arrow -> Avro binary -> Arrow round trips of every type, nulls at every
 * level, empty and sliced batches, large strings, nested structs/lists/maps, projection,
 * schema mismatches, nulls in non-nullable fields, hostile blocks (every truncation and
 * many corruptions, under ASan in the sanitizer build), and a cross-check of the encoded
 * bytes against the independent generic decoder lfh_avro_decode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro.h"
#include "avro/lfh_avro_arrow.h"
#include "lf/lf_array.h"
#include "lfh_test.h"

static char g_msg[512];
static lf_error g_err;

static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

static lfh_avro_schema *parse(const char *json) {
  lfh_avro_schema *s = lfh_avro_schema_parse(json, strlen(json), err0());
  if (!s) fprintf(stderr, "schema: %s\n", g_msg);
  return s;
}

/* ------------------------------------------------------------ hand-made arrays */

/* Fixed-width columns the SDK builders do not make (float, date32): one malloc'd block
 * holding validity and values, freed by the release callback. */
typedef struct fixed_priv {
  const void *bufs[2];
  uint8_t *mem;
} fixed_priv;

static void fixed_release(struct ArrowArray *a) {
  fixed_priv *p = a->private_data;
  free(p->mem);
  free(p);
  a->release = NULL;
}

/* n values of `width` bytes from `vals`; valid[i] == 0 marks a null (valid may be NULL). */
static void make_fixed(struct ArrowArray *a, int64_t n, size_t width, const void *vals,
                       const int *valid) {
  fixed_priv *p = calloc(1, sizeof *p);
  size_t vb = ((size_t)(n + 7) / 8 + 7) & ~(size_t)7; /* values 8-aligned, as Arrow asks */
  p->mem = calloc(1, vb + (size_t)n * width + 8);
  memcpy(p->mem + vb, vals, (size_t)n * width);
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; i++) {
    int v = valid ? valid[i] : 1;
    if (v) p->mem[i / 8] |= (uint8_t)(1u << (i % 8));
    nulls += !v;
  }
  p->bufs[0] = nulls ? p->mem : NULL;
  p->bufs[1] = p->mem + vb;
  memset(a, 0, sizeof *a);
  a->length = n;
  a->null_count = nulls;
  a->n_buffers = 2;
  a->buffers = p->bufs;
  a->release = fixed_release;
  a->private_data = p;
}

/* ------------------------------------------------------------ comparing arrays */

static int bit(const void *v, int64_t i) {
  return !v || ((((const uint8_t *)v)[i >> 3] >> (i & 7)) & 1);
}

static size_t width_of(const char *f) {
  if (!strcmp(f, "i") || !strcmp(f, "f") || !strcmp(f, "tdD")) return 4;
  if (!strcmp(f, "l") || !strcmp(f, "g") || !strncmp(f, "ts", 2)) return 8;
  return 0;
}

/* Logical equality of row ra of a and row rb of b (logical indices), formats of s. */
static int same(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t ra,
                const struct ArrowArray *b, int64_t rb) {
  int64_t pa = a->offset + ra, pb = b->offset + rb;
  int va = a->null_count ? bit(a->buffers[0], pa) : 1;
  int vb = b->null_count ? bit(b->buffers[0], pb) : 1;
  if (va != vb) return 0;
  if (!va) return 1;
  const char *f = s->format;
  size_t w = width_of(f);
  if (w) return memcmp((const uint8_t *)a->buffers[1] + pa * (int64_t)w,
                       (const uint8_t *)b->buffers[1] + pb * (int64_t)w, w) == 0;
  if (!strcmp(f, "b")) return bit(a->buffers[1], pa) == bit(b->buffers[1], pb);
  if (!strcmp(f, "u") || !strcmp(f, "z")) {
    const int32_t *oa = a->buffers[1], *ob = b->buffers[1];
    int32_t na = oa[pa + 1] - oa[pa], nb = ob[pb + 1] - ob[pb];
    return na == nb && memcmp((const char *)a->buffers[2] + oa[pa],
                              (const char *)b->buffers[2] + ob[pb], (size_t)na) == 0;
  }
  if (!strcmp(f, "+s")) {
    for (int64_t k = 0; k < s->n_children; k++)
      if (!same(s->children[k], a->children[k], pa, b->children[k], pb)) return 0;
    return 1;
  }
  const int32_t *oa = a->buffers[1], *ob = b->buffers[1]; /* +l, +m */
  if (oa[pa + 1] - oa[pa] != ob[pb + 1] - ob[pb]) return 0;
  for (int32_t j = 0; j < oa[pa + 1] - oa[pa]; j++)
    if (!same(s->children[0], a->children[0], oa[pa] + j, b->children[0], ob[pb] + j)) return 0;
  return 1;
}

/* Rows [first, first + n) of batch a equal rows [0, n) of b, column by column. */
static int same_rows(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t first,
                     const struct ArrowArray *b, int64_t n) {
  if (b->length != n || a->n_children != b->n_children) return 0;
  for (int64_t r = 0; r < n; r++)
    for (int64_t k = 0; k < s->n_children; k++)
      if (!same(s->children[k], a->children[k], a->offset + first + r, b->children[k], r)) {
        fprintf(stderr, "row %lld column %s differs\n", (long long)r, s->children[k]->name);
        return 0;
      }
  return 1;
}

/* ------------------------------------------------------------ a reference encoder */

/* Row at a time and recursive, sharing nothing with the encoder under test: what the
 * encoder's bytes must equal exactly, whatever order it writes them in. */
static void ref_long(lfh_buf *o, int64_t v) {
  uint8_t tmp[10];
  lfh_buf_append(o, tmp, lfh_avro_put_long(tmp, v));
}

static void ref_value(lfh_buf *o, const lfh_avro_schema *t, const struct ArrowSchema *s,
                      const struct ArrowArray *a, int64_t i);

static void ref_fields(lfh_buf *o, const lfh_avro_schema *t, const struct ArrowSchema *s,
                       const struct ArrowArray *a, int64_t p) {
  for (size_t f = 0; f < t->n_fields; f++) {
    int64_t k = -1;
    for (int64_t c = 0; c < s->n_children; c++)
      if (strcmp(s->children[c]->name, t->fields[f].name) == 0) k = c;
    if (k >= 0) ref_value(o, t->fields[f].type, s->children[k], a->children[k], p);
    else ref_long(o, t->fields[f].type->branches[0]->type == LFH_AVRO_NULL ? 0 : 1);
  }
}

static void ref_items(lfh_buf *o, const lfh_avro_schema *t, const struct ArrowSchema *s,
                      const struct ArrowArray *a, int64_t p) {
  const int32_t *off = a->buffers[1];
  if (off[p + 1] > off[p]) ref_long(o, off[p + 1] - off[p]);
  static const lfh_avro_schema str = {.type = LFH_AVRO_STRING};
  for (int64_t j = off[p]; j < off[p + 1]; j++) {
    if (t->type == LFH_AVRO_ARRAY) {
      ref_value(o, t->items, s->children[0], a->children[0], j);
      continue;
    }
    const struct ArrowArray *ea = a->children[0];
    const struct ArrowSchema *es = s->children[0];
    ref_value(o, &str, es->children[0], ea->children[0], ea->offset + j);
    ref_value(o, t->items, es->children[1], ea->children[1], ea->offset + j);
  }
  ref_long(o, 0);
}

static void ref_value(lfh_buf *o, const lfh_avro_schema *t, const struct ArrowSchema *s,
                      const struct ArrowArray *a, int64_t i) {
  int64_t p = a->offset + i;
  if (t->type == LFH_AVRO_UNION) {
    int ni = t->branches[0]->type == LFH_AVRO_NULL ? 0 : 1;
    if (a->null_count && !bit(a->buffers[0], p)) {
      ref_long(o, ni);
      return;
    }
    ref_long(o, 1 - ni);
    t = t->branches[1 - ni];
  }
  uint8_t b[8];
  switch (t->type) {
  case LFH_AVRO_BOOLEAN: lfh_buf_append(o, &(uint8_t){(uint8_t)bit(a->buffers[1], p)}, 1); break;
  case LFH_AVRO_INT: ref_long(o, ((const int32_t *)a->buffers[1])[p]); break;
  case LFH_AVRO_LONG: ref_long(o, ((const int64_t *)a->buffers[1])[p]); break;
  case LFH_AVRO_FLOAT:
    lfh_buf_append(o, b, lfh_avro_put_float(b, ((const float *)a->buffers[1])[p]));
    break;
  case LFH_AVRO_DOUBLE:
    lfh_buf_append(o, b, lfh_avro_put_double(b, ((const double *)a->buffers[1])[p]));
    break;
  case LFH_AVRO_STRING:
  case LFH_AVRO_BYTES: {
    const int32_t *off = a->buffers[1];
    ref_long(o, off[p + 1] - off[p]);
    lfh_buf_append(o, (const char *)a->buffers[2] + off[p], (size_t)(off[p + 1] - off[p]));
    break;
  }
  case LFH_AVRO_RECORD: ref_fields(o, t, s, a, p); break;
  default: ref_items(o, t, s, a, p); break;
  }
}

/* The encoder's bytes for rows [first, first + n) equal the reference's, encoded in one
 * call and a row per call alike (every range end, where reads and copies are exact). */
static void check_bytes(const char *json, const struct ArrowSchema *s,
                        const struct ArrowArray *a, int64_t first, int64_t n) {
  lfh_avro_schema *sch = parse(json);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sch);
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, s, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  lfh_buf want = {0}, got = {0}, rows = {0};
  for (int64_t r = first; r < first + n; r++) ref_value(&want, sch, s, a, r);
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, a, first, n, &got, err0()), LF_OK);
  for (int64_t r = first; r < first + n; r++)
    CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, a, r, 1, &rows, err0()), LF_OK);
  CU_ASSERT_EQUAL(got.len, want.len);
  CU_ASSERT(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
  CU_ASSERT(rows.len == want.len && memcmp(rows.data, want.data, rows.len) == 0);
  lfh_buf_free(&want);
  lfh_buf_free(&got);
  lfh_buf_free(&rows);
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
}

/* ------------------------------------------------------------ round trips */

/* Encodes rows [first, first+n) of (as, a) into Avro of `json`, decodes them back and
 * checks equality and the decoder's schema formats; also returns the bytes if asked. */
static void round_trip(const char *json, const struct ArrowSchema *as,
                       const struct ArrowArray *a, int64_t first, int64_t n, lfh_buf *bytes) {
  lfh_avro_schema *sch = parse(json);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sch);
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, as, err0());
  if (!e) fprintf(stderr, "encoder: %s\n", g_msg);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  lfh_buf buf = {0};
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, a, first, n, &buf, err0()), LF_OK);
  lfh_avro_arrow_decoder *d = lfh_avro_arrow_decoder_new(sch, NULL, 0, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  int rc = lfh_avro_arrow_decode_block(d, buf.data, buf.len, n, err0());
  if (rc) fprintf(stderr, "decode: %s\n", g_msg);
  CU_ASSERT_EQUAL(rc, LF_OK);
  struct ArrowArray out;
  struct ArrowSchema os;
  CU_ASSERT_EQUAL_FATAL(lfh_avro_arrow_decoder_finish(d, &out, err0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_avro_arrow_decoder_schema(d, &os, err0()), LF_OK);
  CU_ASSERT(lf_schema_equal(&os, as, LF_SCHEMA_EQ_IGNORE_NAMES | LF_SCHEMA_EQ_IGNORE_FLAGS |
                                         LF_SCHEMA_EQ_IGNORE_METADATA));
  CU_ASSERT(same_rows(as, a, first, &out, n));
  lf_view v; /* the SDK's validator accepts what we built (where it knows the formats) */
  if (!strstr(json, "float") && !strstr(json, "\"date\""))
    CU_ASSERT_EQUAL(lf_view_init(&v, &os, &out, err0()), LF_OK);
  out.release(&out);
  os.release(&os);
  lfh_avro_arrow_decoder_free(d);
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
  if (bytes) *bytes = buf;
  else lfh_buf_free(&buf);
}

#define PRIMS_JSON                                                                           \
  "{\"type\":\"record\",\"name\":\"r\",\"fields\":["                                          \
  "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":[\"null\",\"long\"]},"           \
  "{\"name\":\"d\",\"type\":[\"double\",\"null\"]},{\"name\":\"b\",\"type\":\"boolean\"},"     \
  "{\"name\":\"s\",\"type\":[\"null\",\"string\"]},{\"name\":\"z\",\"type\":\"bytes\"},"       \
  "{\"name\":\"ts\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"," \
  "\"adjust-to-utc\":true}]}]}"

/* 7 columns × n rows; every nullable column has nulls in a pattern of its own. */
static void build_prims(int64_t n, struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *ci = lf_builder_add_child(b, "i", "i");
  lf_builder *cl = lf_builder_add_child(b, "l", "l");
  lf_builder *cd = lf_builder_add_child(b, "g", "d");
  lf_builder *cb = lf_builder_add_child(b, "b", "b");
  lf_builder *cs = lf_builder_add_child(b, "u", "s");
  lf_builder *cz = lf_builder_add_child(b, "z", "z");
  lf_builder *ct = lf_builder_add_child(b, "tsu:UTC", "ts");
  lf_builder_set_nullable(ci, 0);
  lf_builder_set_nullable(cb, 0);
  lf_builder_set_nullable(cz, 0);
  static const int32_t ints[] = {0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN};
  static const int64_t longs[] = {0, -1, INT64_MAX, INT64_MIN, 1234567890123LL};
  for (int64_t r = 0; r < n; r++) {
    char str[32];
    snprintf(str, sizeof str, "row-%lld%s", (long long)r, r % 5 ? "" : "-é");
    lf_builder_append_struct(b);
    lf_builder_append_int32(ci, ints[r % 8]);
    if (r % 3 == 1) lf_builder_append_null(cl);
    else lf_builder_append_int64(cl, longs[r % 5]);
    if (r % 4 == 2) lf_builder_append_null(cd);
    else lf_builder_append_double(cd, (double)r * -1.5e10);
    lf_builder_append_bool(cb, (int)(r % 2));
    if (r % 7 == 3) lf_builder_append_null(cs);
    else lf_builder_append_cstr(cs, r % 6 == 0 ? "" : str);
    lf_builder_append_binary(cz, "\0\1\2\3", (size_t)(r % 5));
    if (r % 2) lf_builder_append_null(ct);
    else lf_builder_append_timestamp(ct, 1700000000000000LL + r);
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, err0()), LF_OK);
}

static void test_primitives(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_prims(3000, &a, &s); /* more than one encoder chunk */
  round_trip(PRIMS_JSON, &s, &a, 0, 3000, NULL);
  round_trip(PRIMS_JSON, &s, &a, 1001, 1500, NULL); /* a row range */
  a.release(&a);
  s.release(&s);
}

/* float and date32, which the SDK builders do not make, and timestamp without zone. */
static void test_float_date(void) {
  static const float fv[] = {1.5f, -0.0f, 3.4e38f, 0.0f};
  static const int32_t dv[] = {0, 19000, -1, 0};
  static const int64_t tv[] = {1, 2, 3, -4};
  static const int valid[] = {1, 1, 0, 1};
  struct ArrowSchema s;
  CU_ASSERT_EQUAL_FATAL(lf_schema_init(&s, "+s", "", 0, err0()), LF_OK);
  lf_schema_add_child(&s, "f", "f", ARROW_FLAG_NULLABLE, NULL, err0());
  lf_schema_add_child(&s, "tdD", "d", 0, NULL, err0());
  lf_schema_add_child(&s, "tsu:", "t", 0, NULL, err0());
  struct ArrowArray kids[3], a;
  make_fixed(&kids[0], 4, 4, fv, valid);
  make_fixed(&kids[1], 4, 4, dv, NULL);
  make_fixed(&kids[2], 4, 8, tv, NULL);
  CU_ASSERT_EQUAL_FATAL(lf_array_make_struct(&a, 4, 0, kids, 3, err0()), LF_OK);
  round_trip("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
             "{\"name\":\"f\",\"type\":[\"null\",\"float\"]},"
             "{\"name\":\"d\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
             "{\"name\":\"t\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\","
             "\"adjust-to-utc\":false}}]}",
             &s, &a, 0, 4, NULL);
  a.release(&a);
  s.release(&s);
}

static void test_empty(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_prims(0, &a, &s);
  lfh_buf bytes = {0};
  round_trip(PRIMS_JSON, &s, &a, 0, 0, &bytes);
  CU_ASSERT_EQUAL(bytes.len, 0);
  lfh_buf_free(&bytes);
  a.release(&a);
  s.release(&s);
}

/* A struct with an offset over children with offsets of their own. */
static void test_sliced(void) {
  struct ArrowArray a, kids[7];
  struct ArrowSchema s;
  build_prims(40, &a, &s);
  for (int k = 0; k < 7; k++) { /* move the columns out, then slice each by k rows */
    lf_array_move(a.children[k], &kids[k]);
    kids[k].offset += k;
    kids[k].length -= k;
    if (kids[k].null_count) kids[k].null_count = -1; /* not recomputed: "unknown" */
  }
  a.release(&a);
  struct ArrowArray sl;
  CU_ASSERT_EQUAL_FATAL(lf_array_make_struct(&sl, 20, 9, kids, 7, err0()), LF_OK);
  round_trip(PRIMS_JSON, &s, &sl, 0, 20, NULL);
  round_trip(PRIMS_JSON, &s, &sl, 5, 10, NULL);
  sl.release(&sl);
  s.release(&s);
}

static void test_large_strings(void) {
  size_t big = (size_t)3 << 19; /* 1.5 MiB */
  char *str = malloc(big);
  for (size_t i = 0; i < big; i++) str[i] = (char)('a' + i % 26);
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *c = lf_builder_add_child(b, "u", "s");
  lf_builder *z = lf_builder_add_child(b, "z", "z");
  lf_builder_set_nullable(c, 0);
  for (int r = 0; r < 3; r++) {
    lf_builder_append_struct(b);
    lf_builder_append_utf8(c, str, big - (size_t)r);
    lf_builder_append_binary(z, str, r ? big : 0);
  }
  struct ArrowArray a;
  struct ArrowSchema s;
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, &a, &s, err0()), LF_OK);
  round_trip("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"},"
             "{\"name\":\"z\",\"type\":[\"null\",\"bytes\"]}]}", &s, &a, 0, 3, NULL);
  a.release(&a);
  s.release(&s);
  free(str);
}

/* Every string length the inline copy distinguishes (0..80, crossing 4, 8, 16 and 32), as
 * the last column of rows: the next row's first column is written before it (columns go
 * one at a time), so a copy that stored past its string would corrupt that, and both the
 * round trip and the byte check would see it. */
static void test_string_lengths(void) {
  char src[96];
  for (int i = 0; i < 96; i++) src[i] = (char)('A' + i % 50);
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *t = lf_builder_add_child(b, "u", "t");
  lf_builder *c = lf_builder_add_child(b, "u", "s");
  lf_builder_set_nullable(c, 0);
  lf_builder_set_nullable(t, 0);
  for (int r = 0; r <= 80; r++) {
    lf_builder_append_struct(b);
    lf_builder_append_utf8(t, "xyz", (size_t)(r % 4));
    lf_builder_append_utf8(c, src + r % 7, (size_t)r);
  }
  struct ArrowArray a;
  struct ArrowSchema s;
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, &a, &s, err0()), LF_OK);
  lfh_buf bytes = {0};
  round_trip("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"t\",\"type\":\"string\"},"
             "{\"name\":\"s\",\"type\":\"string\"}]}", &s, &a, 0, 81, &bytes);
  /* The exact bytes too: each row is len(t) t len(s) s, lengths as zig-zag varints. */
  size_t o = 0;
  int ok = 1;
  for (int r = 0; r <= 80 && ok; r++) {
    uint8_t len[10];
    size_t h = lfh_avro_put_long(len, r);
    ok = o + 1 + (size_t)(r % 4) <= bytes.len && bytes.data[o] == (uint8_t)(2 * (r % 4)) &&
         memcmp(bytes.data + o + 1, "xyz", (size_t)(r % 4)) == 0;
    o += 1 + (size_t)(r % 4);
    ok = ok && o + h + (size_t)r <= bytes.len && memcmp(bytes.data + o, len, h) == 0 &&
         memcmp(bytes.data + o + h, src + r % 7, (size_t)r) == 0;
    o += h + (size_t)r;
  }
  CU_ASSERT(ok);
  CU_ASSERT_EQUAL(o, bytes.len);
  lfh_buf_free(&bytes);
  a.release(&a);
  s.release(&s);
}

#define NESTED_JSON                                                                          \
  "{\"type\":\"record\",\"name\":\"r\",\"fields\":["                                          \
  "{\"name\":\"id\",\"type\":\"long\"},"                                                      \
  "{\"name\":\"user\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"u\",\"fields\":["     \
  "{\"name\":\"name\",\"type\":[\"null\",\"string\"]},"                                       \
  "{\"name\":\"geo\",\"type\":{\"type\":\"record\",\"name\":\"g\",\"fields\":["               \
  "{\"name\":\"lat\",\"type\":\"double\"}]}}]}]},"                                            \
  "{\"name\":\"items\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","  \
  "\"name\":\"it\",\"fields\":[{\"name\":\"sku\",\"type\":\"int\"},"                          \
  "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"string\"]}}]}}]},"     \
  "{\"name\":\"props\",\"type\":[\"null\",{\"type\":\"map\",\"values\":{\"type\":\"record\","   \
  "\"name\":\"pv\",\"fields\":[{\"name\":\"x\",\"type\":[\"null\",\"double\"]}]}}]},"           \
  "{\"name\":\"codes\",\"type\":{\"type\":\"array\",\"logicalType\":\"map\",\"items\":{"        \
  "\"type\":\"record\",\"name\":\"kv\",\"fields\":[{\"name\":\"key\",\"type\":\"int\"},"        \
  "{\"name\":\"value\",\"type\":[\"null\",\"string\"]}]}}}]}"

/* Nested data with nulls at every level: null structs, lists, maps, items, values. */
static void build_nested(int64_t n, struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  lf_builder *user = lf_builder_add_child(b, "+s", "user");
  lf_builder *name = lf_builder_add_child(user, "u", "name");
  lf_builder *geo = lf_builder_add_child(user, "+s", "geo");
  lf_builder *lat = lf_builder_add_child(geo, "g", "lat");
  lf_builder *items = lf_builder_add_child(b, "+l", "items");
  lf_builder *it = lf_builder_add_child(items, "+s", "item");
  lf_builder *sku = lf_builder_add_child(it, "i", "sku");
  lf_builder *tags = lf_builder_add_child(it, "+l", "tags");
  lf_builder *tag = lf_builder_add_child(tags, "u", "item");
  lf_builder *props = lf_builder_add_child(b, "+m", "props");
  lf_builder *pk = lf_builder_add_child(props, "u", "key");
  lf_builder *pv = lf_builder_add_child(props, "+s", "value");
  lf_builder *px = lf_builder_add_child(pv, "g", "x");
  lf_builder *codes = lf_builder_add_child(b, "+m", "codes");
  lf_builder *ck = lf_builder_add_child(codes, "i", "key");
  lf_builder *cv = lf_builder_add_child(codes, "u", "value");
  lf_builder_set_nullable(id, 0);
  lf_builder_set_nullable(geo, 0);
  lf_builder_set_nullable(lat, 0);
  lf_builder_set_nullable(it, 0);
  lf_builder_set_nullable(sku, 0);
  lf_builder_set_nullable(tags, 0);
  lf_builder_set_nullable(pv, 0);
  lf_builder_set_nullable(codes, 0);
  for (int64_t r = 0; r < n; r++) {
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, r);
    if (r % 5 == 4) lf_builder_append_null(user);
    else {
      lf_builder_append_struct(user);
      if (r % 3) lf_builder_append_cstr(name, "ann");
      else lf_builder_append_null(name);
      lf_builder_append_struct(geo);
      lf_builder_append_double(lat, (double)r / 7);
    }
    for (int64_t k = 0; k < r % 4; k++) {
      lf_builder_append_struct(it);
      lf_builder_append_int32(sku, (int32_t)(r * 10 + k));
      for (int64_t t = 0; t < (r + k) % 3; t++) {
        if (t == 1) lf_builder_append_null(tag);
        else lf_builder_append_cstr(tag, "red");
      }
      lf_builder_append_list(tags);
    }
    if (r % 6 == 5) lf_builder_append_null(items);
    else lf_builder_append_list(items);
    for (int64_t k = 0; k < r % 3; k++) {
      lf_builder_append_cstr(pk, k ? "b" : "a");
      lf_builder_append_struct(pv);
      if (k) lf_builder_append_null(px);
      else lf_builder_append_double(px, 2.5);
    }
    if (r % 7 == 6) lf_builder_append_null(props);
    else lf_builder_append_map(props);
    for (int64_t k = 0; k < r % 2 + 1; k++) {
      lf_builder_append_int32(ck, (int32_t)k - 1);
      if (k) lf_builder_append_cstr(cv, "v");
      else lf_builder_append_null(cv);
    }
    lf_builder_append_map(codes);
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, err0()), LF_OK);
}

static void test_nested(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(2500, &a, &s);
  round_trip(NESTED_JSON, &s, &a, 0, 2500, NULL);
  round_trip(NESTED_JSON, &s, &a, 17, 1100, NULL);
  a.release(&a);
  s.release(&s);
}

/* A clone encodes exactly what its original does, and keeps working after the original is
 * freed (it shares nothing with it). */
static void test_encoder_clone(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(2500, &a, &s);
  lfh_avro_schema *sch = parse(NESTED_JSON);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sch);
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, &s, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  lfh_avro_arrow_encoder *c = lfh_avro_arrow_encoder_clone(e, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  lfh_buf x = {0}, y = {0};
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 5, 2000, &x, err0()), LF_OK);
  lfh_avro_arrow_encoder_free(e);
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(c, &a, 5, 2000, &y, err0()), LF_OK);
  CU_ASSERT(x.len > 0 && x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
  lfh_buf_free(&x);
  lfh_buf_free(&y);
  lfh_avro_arrow_encoder_free(c);
  lfh_avro_schema_free(sch);
  a.release(&a);
  s.release(&s);
}

/* A null list element may still span items (Arrow allows it): they must not be written. */
static void test_null_list_with_items(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(12, &a, &s);
  struct ArrowArray *items = a.children[2];
  /* Make row 3 (3 items, valid) null without touching its offsets. */
  uint8_t *valid = (uint8_t *)items->buffers[0];
  CU_ASSERT_PTR_NOT_NULL_FATAL(valid);
  valid[0] &= (uint8_t)~(1u << 3);
  items->null_count++;
  lfh_avro_schema *sch = parse(NESTED_JSON);
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, &s, err0());
  lfh_buf buf = {0};
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 0, 12, &buf, err0()), LF_OK);
  lfh_avro_arrow_decoder *d = lfh_avro_arrow_decoder_new(sch, NULL, 0, err0());
  CU_ASSERT_EQUAL(lfh_avro_arrow_decode_block(d, buf.data, buf.len, 12, err0()), LF_OK);
  struct ArrowArray out;
  CU_ASSERT_EQUAL_FATAL(lfh_avro_arrow_decoder_finish(d, &out, err0()), LF_OK);
  CU_ASSERT(same_rows(&s, &a, 0, &out, 12)); /* row 3 comes back null, the rest intact */
  out.release(&out);
  lfh_avro_arrow_decoder_free(d);
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
  lfh_buf_free(&buf);
  a.release(&a);
  s.release(&s);
}

static void test_projection(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(500, &a, &s);
  lfh_avro_schema *sch = parse(NESTED_JSON);
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, &s, err0());
  lfh_buf buf = {0};
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 0, 500, &buf, err0()), LF_OK);
  static const char *const proj[] = {"codes", "id"}; /* skips user, items, props */
  lfh_avro_arrow_decoder *d = lfh_avro_arrow_decoder_new(sch, proj, 2, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  /* Two blocks into one batch. */
  size_t half = 0;
  {
    const uint8_t *p = buf.data;
    lfh_avro_arena *ar = lfh_avro_arena_new();
    for (int r = 0; r < 200; r++) {
      lfh_avro_value v;
      CU_ASSERT_EQUAL_FATAL(lfh_avro_decode(sch, &p, buf.data + buf.len, ar, &v, err0()), 0);
    }
    half = (size_t)(p - buf.data);
    lfh_avro_arena_free(ar);
  }
  CU_ASSERT_EQUAL(lfh_avro_arrow_decode_block(d, buf.data, half, 200, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_avro_arrow_decode_block(d, buf.data + half, buf.len - half, 300, err0()),
                  LF_OK);
  CU_ASSERT_EQUAL(lfh_avro_arrow_decoder_rows(d), 500);
  struct ArrowArray out;
  struct ArrowSchema os;
  CU_ASSERT_EQUAL_FATAL(lfh_avro_arrow_decoder_finish(d, &out, err0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_avro_arrow_decoder_schema(d, &os, err0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(os.n_children, 2);
  CU_ASSERT_STRING_EQUAL(os.children[0]->name, "codes");
  CU_ASSERT_STRING_EQUAL(os.children[1]->name, "id");
  for (int64_t r = 0; r < 500; r++) {
    CU_ASSERT(same(s.children[4], a.children[4], r, out.children[0], r));
    CU_ASSERT(same(s.children[0], a.children[0], r, out.children[1], r));
  }
  out.release(&out);
  os.release(&os);
  CU_ASSERT_PTR_NULL(lfh_avro_arrow_decoder_new(sch, (const char *const[]){"nope"}, 1, err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_NOT_FOUND);
  lfh_avro_arrow_decoder_free(d);
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
  lfh_buf_free(&buf);
  a.release(&a);
  s.release(&s);
}

/* The generic decoder (written independently) reads what the encoder wrote. */
static void test_generic_decoder(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(300, &a, &s);
  lfh_buf buf = {0};
  round_trip(NESTED_JSON, &s, &a, 0, 300, &buf);
  lfh_avro_schema *sch = parse(NESTED_JSON);
  lfh_avro_arena *ar = lfh_avro_arena_new();
  const uint8_t *p = buf.data;
  for (int64_t r = 0; r < 300; r++) {
    lfh_avro_value v;
    CU_ASSERT_EQUAL_FATAL(lfh_avro_decode(sch, &p, buf.data + buf.len, ar, &v, err0()), 0);
    const lfh_avro_value *id = lfh_avro_get(&v, "id");
    CU_ASSERT(id && id->u.l == r);
    const lfh_avro_value *user = lfh_avro_get(&v, "user");
    CU_ASSERT(user && (r % 5 == 4) == (user->schema->type == LFH_AVRO_NULL));
    const lfh_avro_value *items = lfh_avro_get(&v, "items");
    if (r % 6 != 5) CU_ASSERT(items && items->u.c.n == (size_t)(r % 4));
    const lfh_avro_value *props = lfh_avro_get(&v, "props");
    if (r % 7 != 6 && props && props->u.c.n == (size_t)(r % 3) && r % 3)
      CU_ASSERT_STRING_EQUAL(props->u.c.keys[0], "a");
    const lfh_avro_value *codes = lfh_avro_get(&v, "codes");
    CU_ASSERT(codes && codes->u.c.n == (size_t)(r % 2 + 1));
  }
  CU_ASSERT_PTR_EQUAL(p, buf.data + buf.len);
  lfh_avro_arena_free(ar);
  lfh_avro_schema_free(sch);
  lfh_buf_free(&buf);
  a.release(&a);
  s.release(&s);
}

/* ------------------------------------------------------------ errors */

static void expect_schema_error(const char *json, const struct ArrowSchema *s,
                                const char *needle) {
  lfh_avro_schema *sch = parse(json);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sch);
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, s, err0());
  CU_ASSERT_PTR_NULL(e);
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_SCHEMA);
  if (!strstr(g_msg, needle)) fprintf(stderr, "message '%s' lacks '%s'\n", g_msg, needle);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, needle));
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
}

static void test_mismatch(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_prims(3, &a, &s);
  /* i is int32 in Arrow. */
  expect_schema_error("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"i\",\"type\":"
                      "\"string\"}]}", &s, "'i'");
  /* A required Avro field the batch lacks. */
  const char *missing = "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
      "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":[\"null\",\"long\"]},"
      "{\"name\":\"d\",\"type\":[\"double\",\"null\"]},{\"name\":\"b\",\"type\":\"boolean\"},"
      "{\"name\":\"s\",\"type\":[\"null\",\"string\"]},{\"name\":\"z\",\"type\":\"bytes\"},"
      "{\"name\":\"ts\",\"type\":[\"null\",\"long\"]},{\"name\":\"extra\",\"type\":\"int\"}]}";
  expect_schema_error(missing, &s, "'ts'"); /* ts: plain long vs timestamp, first */
  /* An Arrow column the Avro schema lacks. */
  expect_schema_error("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"i\",\"type\":"
                      "\"int\"}]}", &s, "not in the Avro schema");
  a.release(&a);
  s.release(&s);
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder_add_child(b, "i", "i");
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, &a, &s, err0()), LF_OK);
  expect_schema_error("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"i\",\"type\":"
                      "\"int\"},{\"name\":\"x\",\"type\":\"int\"}]}", &s, "'x'");
  a.release(&a);
  s.release(&s);
}

/* A nullable Avro field the batch lacks is written as null. */
static void test_absent_nullable(void) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *i = lf_builder_add_child(b, "i", "i");
  for (int r = 0; r < 3; r++) {
    lf_builder_append_struct(b);
    lf_builder_append_int32(i, r);
  }
  struct ArrowArray a;
  struct ArrowSchema s;
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, &a, &s, err0()), LF_OK);
  lfh_avro_schema *sch = parse("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"x\","
                               "\"type\":[\"null\",\"string\"]},{\"name\":\"i\",\"type\":\"int\"}]}");
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, &s, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  lfh_buf buf = {0};
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 0, 3, &buf, err0()), LF_OK);
  static const uint8_t want[] = {0, 0, 0, 2, 0, 4};
  CU_ASSERT_EQUAL(buf.len, sizeof want);
  CU_ASSERT(buf.len == sizeof want && memcmp(buf.data, want, sizeof want) == 0);
  lfh_buf_free(&buf);
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
  a.release(&a);
  s.release(&s);
}

static void test_null_in_required(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_prims(10, &a, &s);
  /* s is nullable in Arrow with a null at row 3; make it required in Avro. */
  lfh_avro_schema *sch = parse("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
      "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":[\"null\",\"long\"]},"
      "{\"name\":\"d\",\"type\":[\"double\",\"null\"]},{\"name\":\"b\",\"type\":\"boolean\"},"
      "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"z\",\"type\":\"bytes\"},"
      "{\"name\":\"ts\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\""
      "}]}]}");
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, &s, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  lfh_buf buf = {0};
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 0, 3, &buf, err0()), LF_OK); /* before it */
  size_t len = buf.len;
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 0, 10, &buf, err0()), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "'s'"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "row 3"));
  CU_ASSERT_EQUAL(buf.len, len); /* nothing appended */
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 5, 6, &buf, err0()), LF_ERR_INVALID);
  lfh_buf_free(&buf);
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
  a.release(&a);
  s.release(&s);
}

/* Malformed Arrow input is refused, not read out of bounds. */
static void test_malformed_arrow(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_prims(10, &a, &s);
  lfh_avro_schema *sch = parse(PRIMS_JSON);
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, &s, err0());
  lfh_buf buf = {0};
  int32_t *offs = (int32_t *)a.children[4]->buffers[1];
  int32_t keep = offs[5];
  offs[5] = offs[4] - 1; /* decreasing offsets */
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 0, 10, &buf, err0()), LF_ERR_DATA);
  offs[5] = keep;
  a.children[0]->length = 5; /* a child shorter than its struct */
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 0, 10, &buf, err0()), LF_ERR_DATA);
  a.children[0]->length = 10;
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 0, 10, &buf, err0()), LF_OK);
  lfh_buf_free(&buf);
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
  a.release(&a);
  s.release(&s);
}

/* Byte for byte against the reference: every type, nulls at every level, lists of
 * strings, maps, whole batches and ranges starting and ending anywhere. */
static void test_reference_bytes(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_prims(3000, &a, &s);
  check_bytes(PRIMS_JSON, &s, &a, 0, 3000);
  check_bytes(PRIMS_JSON, &s, &a, 1023, 5);
  a.release(&a);
  s.release(&s);
  build_nested(2500, &a, &s);
  check_bytes(NESTED_JSON, &s, &a, 0, 2500);
  check_bytes(NESTED_JSON, &s, &a, 7, 1031);
  check_bytes(NESTED_JSON, &s, &a, 2499, 1);
  a.release(&a);
  s.release(&s);
}

/* Strings of every length up to 100 next to each other and at the data's end, where a
 * copy that read or wrote past its string would show (under ASan, or in the bytes). */
static void test_string_copies(void) {
  char src[128];
  for (int i = 0; i < 128; i++) src[i] = (char)(' ' + i % 90);
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *x = lf_builder_add_child(b, "u", "x");
  lf_builder *y = lf_builder_add_child(b, "z", "y");
  lf_builder *l = lf_builder_add_child(b, "+l", "l");
  lf_builder *it = lf_builder_add_child(l, "u", "item");
  lf_builder_set_nullable(x, 0);
  for (int r = 0; r <= 100; r++) {
    lf_builder_append_struct(b);
    lf_builder_append_utf8(x, src + r % 11, (size_t)r);
    if (r % 9 == 4) lf_builder_append_null(y);
    else lf_builder_append_binary(y, src, (size_t)(100 - r));
    for (int k = 0; k < r % 4; k++) lf_builder_append_utf8(it, src + k, (size_t)(r + k * 13) % 70);
    lf_builder_append_list(l);
  }
  struct ArrowArray a;
  struct ArrowSchema s;
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, &a, &s, err0()), LF_OK);
  static const char json[] =
      "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"x\",\"type\":\"string\"},"
      "{\"name\":\"y\",\"type\":[\"bytes\",\"null\"]},{\"name\":\"l\",\"type\":[\"null\","
      "{\"type\":\"array\",\"items\":[\"null\",\"string\"]}]}]}";
  check_bytes(json, &s, &a, 0, 101);
  check_bytes(json, &s, &a, 60, 41);
  round_trip(json, &s, &a, 0, 101, NULL);
  a.release(&a);
  s.release(&s);
}

/* A nullable struct null in every row writes only its null tag: its children's values,
 * even a list spanning items and a required field's nulls, are never looked at. */
static void test_all_null_struct(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(300, &a, &s);
  struct ArrowArray *user = a.children[1];
  uint8_t *valid = (uint8_t *)user->buffers[0];
  CU_ASSERT_PTR_NOT_NULL_FATAL(valid);
  memset(valid, 0, (size_t)(user->offset + user->length + 7) / 8);
  user->null_count = user->length;
  struct ArrowArray *items = a.children[2];
  memset((uint8_t *)items->buffers[0], 0, (size_t)(items->offset + items->length + 7) / 8);
  items->null_count = items->length; /* null lists that still span items */
  check_bytes(NESTED_JSON, &s, &a, 0, 300);
  round_trip(NESTED_JSON, &s, &a, 3, 290, NULL);
  a.release(&a);
  s.release(&s);
}

/* Decreasing offsets are refused wherever they are: every position of a long column. */
static void test_offsets_decrease(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_prims(64, &a, &s);
  lfh_avro_schema *sch = parse(PRIMS_JSON);
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, &s, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  lfh_buf buf = {0};
  int32_t *offs = (int32_t *)a.children[5]->buffers[1]; /* z: bytes, lengths 0..4 */
  int refused = 0;
  for (int k = 1; k <= 64; k++) {
    int32_t keep = offs[k];
    offs[k] = offs[k - 1] - 1;
    refused += lfh_avro_arrow_encode(e, &a, 0, 64, &buf, err0()) == LF_ERR_DATA;
    offs[k] = keep;
  }
  CU_ASSERT_EQUAL(refused, 64);
  CU_ASSERT_EQUAL(buf.len, 0);
  CU_ASSERT_EQUAL(lfh_avro_arrow_encode(e, &a, 0, 64, &buf, err0()), LF_OK);
  lfh_buf_free(&buf);
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
  a.release(&a);
  s.release(&s);
}

/* Every truncation of a block and a thousand byte corruptions: refused or decoded, never
 * a crash (the sanitizer build checks every access). */
static void test_hostile_blocks(void) {
  struct ArrowArray a;
  struct ArrowSchema s;
  build_nested(40, &a, &s);
  lfh_buf buf = {0};
  round_trip(NESTED_JSON, &s, &a, 0, 40, &buf);
  lfh_avro_schema *sch = parse(NESTED_JSON);
  lfh_avro_arrow_decoder *d = lfh_avro_arrow_decoder_new(sch, NULL, 0, err0());
  static const char *const proj[] = {"id"};
  lfh_avro_arrow_decoder *dp = lfh_avro_arrow_decoder_new(sch, proj, 1, err0());
  for (size_t n = 0; n < buf.len; n++) {
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
    memcpy(copy, buf.data, n);
    CU_ASSERT_NOT_EQUAL(lfh_avro_arrow_decode_block(d, copy, n, 40, err0()), LF_OK);
    CU_ASSERT_NOT_EQUAL(lfh_avro_arrow_decode_block(dp, copy, n, 40, err0()), LF_OK);
    free(copy);
  }
  CU_ASSERT_EQUAL(lfh_avro_arrow_decoder_rows(d), 0); /* failures discard the batch */
  CU_ASSERT_EQUAL(lfh_avro_arrow_decode_block(d, buf.data, buf.len, 39, err0()), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "left after"));
  CU_ASSERT_EQUAL(lfh_avro_arrow_decode_block(d, buf.data, buf.len, 1 << 30, err0()),
                  LF_ERR_DATA);
  unsigned seed = 12345;
  uint8_t *copy = malloc(buf.len);
  for (int t = 0; t < 2000; t++) {
    memcpy(copy, buf.data, buf.len);
    for (int k = 0; k < 1 + t % 3; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 8) % buf.len;
      seed = seed * 1103515245u + 12345u;
      copy[at] = (uint8_t)(t % 2 ? seed >> 16 : copy[at] ^ 0x80);
    }
    lfh_avro_arrow_decoder *dd = t % 2 ? dp : d;
    if (lfh_avro_arrow_decode_block(dd, copy, buf.len, 40, err0()) == LF_OK) {
      struct ArrowArray out;
      CU_ASSERT_EQUAL_FATAL(lfh_avro_arrow_decoder_finish(dd, &out, err0()), LF_OK);
      out.release(&out);
    }
  }
  free(copy);
  lfh_avro_arrow_decoder_free(d);
  lfh_avro_arrow_decoder_free(dp);
  lfh_avro_schema_free(sch);
  lfh_buf_free(&buf);
  a.release(&a);
  s.release(&s);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"primitives", test_primitives},
      {"float_date", test_float_date},
      {"empty", test_empty},
      {"sliced", test_sliced},
      {"large_strings", test_large_strings},
      {"nested", test_nested},
      {"string_lengths", test_string_lengths},
      {"encoder_clone", test_encoder_clone},
      {"null_list_with_items", test_null_list_with_items},
      {"projection", test_projection},
      {"generic_decoder", test_generic_decoder},
      {"mismatch", test_mismatch},
      {"absent_nullable", test_absent_nullable},
      {"null_in_required", test_null_in_required},
      {"malformed_arrow", test_malformed_arrow},
      {"hostile_blocks", test_hostile_blocks},
      {"reference_bytes", test_reference_bytes},
      {"string_copies", test_string_copies},
      {"all_null_struct", test_all_null_struct},
      {"offsets_decrease", test_offsets_decrease},
      {NULL, NULL}};
  return lfh_test_run("avro_arrow", cases);
}
