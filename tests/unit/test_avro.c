/*
 * lfh_avro: varints, schema parse/print (every Iceberg attribute), container files with
 * each codec, corrupt and truncated files, the generic decoder against hostile input, and
 * interop with independent implementations — Debian's python3-avro (both directions) and
 * the manifests Java Iceberg wrote in ../shared/reference/iceberg.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "avro/lfh_avro.h"
#include "lf/lf_array.h"
#include "lfh_test.h"

#define PYTHON "/usr/bin/python3" /* Debian's, where python3-avro is: not a pyenv shim */
#define SCRIPTS LFH_SOURCE_DIR "/tests/avro"
#define JAVA_DIR LFH_SOURCE_DIR "/../shared/reference/iceberg/java-written-table/metadata"
#define JAVA_HEADERS LFH_SOURCE_DIR "/../shared/reference/iceberg/java-headers"

static char g_msg[512];
static lf_error g_err;

static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

/* ------------------------------------------------------------ helpers */

static lfh_avro_schema *parse(const char *json) {
  return lfh_avro_schema_parse(json, strlen(json), err0());
}

/* The schema printed back, malloc'd (NULL if it does not parse). */
static char *reprint(const char *json) {
  lfh_avro_schema *s = parse(json);
  if (!s) return NULL;
  lfh_buf b = {0};
  char *out = NULL;
  if (lfh_avro_schema_to_json(s, &b) == 0 && lfh_buf_append(&b, "", 1) == 0)
    out = strdup((char *)b.data);
  lfh_buf_free(&b);
  lfh_avro_schema_free(s);
  return out;
}

static int run_python(char *const argv[]) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execv(PYTHON, argv);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(data, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* Opens `data`, reads every block and decodes every record of it. Returns the number of
 * records, or a negative code with g_msg set. */
static long read_all(const void *data, size_t len, const char *name) {
  lf_error *err = err0();
  lfh_avro_reader *r = lfh_avro_reader_open(data, len, name, err);
  if (!r) return err->code;
  lfh_avro_arena *a = lfh_avro_arena_new();
  long total = 0;
  int rc;
  const uint8_t *blk;
  size_t n;
  int64_t count;
  while ((rc = lfh_avro_reader_next(r, &blk, &n, &count, err)) == 1) {
    const uint8_t *p = blk, *end = blk + n;
    for (int64_t i = 0; i < count && rc == 1; i++) {
      lfh_avro_value v;
      /* the decoder knows no file: name it and the block, as every caller should */
      if (lfh_avro_decode(lfh_avro_reader_schema(r), &p, end, a, &v, err) != 0) {
        char why[sizeof g_msg];
        snprintf(why, sizeof why, "%s", g_msg);
        rc = lf_error_set(err, LF_ERR_DATA, "%s: block at byte offset %zu: %s", name,
                          lfh_avro_reader_block_offset(r), why);
      }
      total++;
    }
    if (rc == 1 && p != end) rc = lf_error_set(err, LF_ERR_DATA, "trailing bytes in block");
    lfh_avro_arena_reset(a);
    if (rc != 1) break;
  }
  lfh_avro_arena_free(a);
  lfh_avro_reader_free(r);
  return rc < 0 ? rc : total;
}

/* ------------------------------------------------------------ varints */

static void test_varint(void) {
  static const struct {
    int64_t v;
    size_t n;
    uint8_t b[10];
  } cases[] = {
      {0, 1, {0x00}},
      {-1, 1, {0x01}},
      {1, 1, {0x02}},
      {-64, 1, {0x7f}},
      {64, 2, {0x80, 0x01}},
      {INT64_MAX, 10, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
      {INT64_MIN, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    uint8_t buf[10];
    size_t n = lfh_avro_put_long(buf, cases[i].v);
    CU_ASSERT_EQUAL(n, cases[i].n);
    CU_ASSERT(memcmp(buf, cases[i].b, n) == 0);
    const uint8_t *p = buf;
    int64_t back = 12345;
    CU_ASSERT_EQUAL(lfh_avro_get_long(&p, buf + n, &back), 0);
    CU_ASSERT_EQUAL(back, cases[i].v);
    CU_ASSERT_PTR_EQUAL(p, buf + n);
    /* every proper prefix is truncated */
    for (size_t k = 0; k < n; k++) {
      p = buf;
      CU_ASSERT_EQUAL(lfh_avro_get_long(&p, buf + k, &back), -1);
      CU_ASSERT_PTR_EQUAL(p, buf); /* not advanced on failure */
    }
  }
  uint8_t over[11];
  memset(over, 0x80, sizeof over);
  over[10] = 0x00; /* 11 bytes: longer than any long */
  const uint8_t *p = over;
  int64_t v;
  CU_ASSERT_EQUAL(lfh_avro_get_long(&p, over + sizeof over, &v), -1);
  uint8_t d[8];
  CU_ASSERT_EQUAL(lfh_avro_put_double(d, 1.0), 8);
  CU_ASSERT(d[7] == 0x3f && d[6] == 0xf0 && d[0] == 0); /* little-endian */
  CU_ASSERT_EQUAL(lfh_avro_put_float(d, 1.0f), 4);
  CU_ASSERT(d[3] == 0x3f && d[2] == 0x80 && d[0] == 0);
}

/* ------------------------------------------------------------ schemas */

/* Canonical forms: each must print back byte for byte. */
static const char *const k_round_trip[] = {
    "\"int\"",
    "[\"null\",\"long\"]",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[]}",
    /* field attributes in Java's order, doc, defaults of several kinds */
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"doc\":"
    "\"the a\",\"default\":3,\"field-id\":1},{\"name\":\"b\",\"type\":[\"null\",\"string\"],"
    "\"default\":null,\"field-id\":2},{\"name\":\"c\",\"type\":\"string\",\"default\":\"x\\\"y\"},"
    "{\"name\":\"d\",\"type\":{\"type\":\"array\",\"items\":\"int\"},\"default\":[1,2]}]}",
    /* Iceberg: element-id, key-id/value-id, map arrays, timestamps, dates, decimals, uuid */
    "{\"type\":\"record\",\"name\":\"t\",\"fields\":[{\"name\":\"l\",\"type\":{\"type\":"
    "\"array\",\"items\":\"long\",\"element-id\":3},\"field-id\":2},{\"name\":\"m\",\"type\":"
    "{\"type\":\"map\",\"values\":[\"null\",\"double\"],\"key-id\":5,\"value-id\":6},"
    "\"field-id\":4},{\"name\":\"im\",\"type\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"record\",\"name\":\"k8_v9\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":8},"
    "{\"name\":\"value\",\"type\":\"bytes\",\"field-id\":9}]},\"logicalType\":\"map\"},"
    "\"field-id\":7},{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":"
    "\"timestamp-micros\",\"adjust-to-utc\":true},\"field-id\":10},{\"name\":\"lts\",\"type\":"
    "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\",\"adjust-to-utc\":false},"
    "\"field-id\":11},{\"name\":\"d\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"},"
    "\"field-id\":12},{\"name\":\"dec\",\"type\":{\"type\":\"fixed\",\"name\":\"decimal_9_2\","
    "\"size\":4,\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2},\"field-id\":13},"
    "{\"name\":\"bdec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":"
    "38,\"scale\":0},\"field-id\":14},{\"name\":\"u\",\"type\":{\"type\":\"fixed\",\"name\":"
    "\"uuid_fixed\",\"size\":16,\"logicalType\":\"uuid\"},\"field-id\":15},{\"name\":\"u2\","
    "\"type\":\"uuid_fixed\",\"field-id\":16},{\"name\":\"us\",\"type\":{\"type\":\"string\","
    "\"logicalType\":\"uuid\"},\"field-id\":17}]}",
    /* explicit key-id on a map array (kept because the fields carry none) */
    "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"kv\",\"fields\":[{\"name\":"
    "\"key\",\"type\":\"string\"},{\"name\":\"value\",\"type\":\"int\"}]},\"logicalType\":"
    "\"map\",\"key-id\":1,\"value-id\":2}",
    /* namespaces: inherited, overridden, left for the null namespace, references */
    "{\"type\":\"record\",\"name\":\"A\",\"namespace\":\"x.y\",\"fields\":[{\"name\":\"e\","
    "\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"P\",\"Q\"]}},{\"name\":\"f\","
    "\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"namespace\":\"z\",\"size\":2}},{\"name\":"
    "\"g\",\"type\":{\"type\":\"record\",\"name\":\"G\",\"namespace\":\"\",\"fields\":[]}},"
    "{\"name\":\"e2\",\"type\":\"E\"},{\"name\":\"f2\",\"type\":\"z.F\"},{\"name\":\"u\","
    "\"type\":[\"null\",\"E\",\"z.F\"]}]}",
    /* bytes defaults are strings of code points 0-255, NUL included */
    "{\"type\":\"record\",\"name\":\"b\",\"fields\":[{\"name\":\"x\",\"type\":\"bytes\","
    "\"default\":\"\\u0000a\"}]}",
    /* a recursive record */
    "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
    "{\"name\":\"next\",\"type\":[\"null\",\"Node\"],\"default\":null}]}",
    NULL};

static void test_schema_round_trip(void) {
  for (int i = 0; k_round_trip[i]; i++) {
    char *out = reprint(k_round_trip[i]);
    CU_ASSERT_PTR_NOT_NULL(out);
    if (!out) fprintf(stderr, "\n  schema %d refused: %s\n", i, g_msg);
    if (out && strcmp(out, k_round_trip[i]) != 0)
      fprintf(stderr, "\n  schema %d\n  in:  %s\n  out: %s\n", i, k_round_trip[i], out);
    CU_ASSERT(out && strcmp(out, k_round_trip[i]) == 0);
    free(out);
  }
}

/* The tree keeps what consumers (Arrow codec, table layer) read. */
static void test_schema_tree(void) {
  lfh_avro_schema *s = parse(k_round_trip[4]);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(s->type, LFH_AVRO_RECORD);
  CU_ASSERT_STRING_EQUAL(s->name, "t");
  const lfh_avro_field *f = lfh_avro_field_by_name(s, "l");
  CU_ASSERT(f && f->field_id == 2 && f->type->type == LFH_AVRO_ARRAY &&
            f->type->element_id == 3 && f->type->items->type == LFH_AVRO_LONG);
  f = lfh_avro_field_by_name(s, "m");
  CU_ASSERT(f && f->type->type == LFH_AVRO_MAP && f->type->key_id == 5 && f->type->value_id == 6);
  int ni = -1;
  CU_ASSERT(f && lfh_avro_nullable(f->type->items, &ni) &&
            lfh_avro_nullable(f->type->items, &ni)->type == LFH_AVRO_DOUBLE && ni == 0);
  f = lfh_avro_field_by_name(s, "im"); /* ids of a map array come from its fields */
  CU_ASSERT(f && f->type->key_id == 8 && f->type->value_id == 9 &&
            strcmp(f->type->logical_type, "map") == 0);
  f = lfh_avro_field_by_name(s, "ts");
  CU_ASSERT(f && f->type->adjust_to_utc == 1 && strcmp(f->type->logical_type, "timestamp-micros") == 0);
  f = lfh_avro_field_by_name(s, "lts");
  CU_ASSERT(f && f->type->adjust_to_utc == 0);
  f = lfh_avro_field_by_name(s, "dec");
  CU_ASSERT(f && f->type->precision == 9 && f->type->scale == 2 && f->type->fixed_size == 4);
  const lfh_avro_field *u = lfh_avro_field_by_name(s, "u"), *u2 = lfh_avro_field_by_name(s, "u2");
  CU_ASSERT(u && u2 && u->type == u2->type); /* a reference is the same node */
  CU_ASSERT_PTR_NULL(lfh_avro_field_by_name(s, "nope"));
  CU_ASSERT_PTR_NULL(lfh_avro_nullable(s, NULL));
  lfh_avro_schema_free(s);

  s = parse("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
  CU_ASSERT(s && s->fields[0].field_id == LFH_AVRO_NO_ID && s->fields[0].doc == NULL &&
            s->fields[0].default_json == NULL);
  lfh_avro_schema_free(s);
  s = parse("{\"type\":\"enum\",\"name\":\"a.b.E\",\"symbols\":[\"X\",\"Y\",\"Z\"]}");
  CU_ASSERT(s && s->n_symbols == 3 && strcmp(s->name, "a.b.E") == 0 &&
            strcmp(s->symbols[2], "Z") == 0);
  lfh_avro_schema_free(s);
}

static const char *const k_malformed[] = {
    "",
    "{",
    "\"integer\"",
    "42",
    "{\"type\":\"record\",\"fields\":[]}",
    "{\"type\":\"record\",\"name\":\"r\"}",
    "{\"type\":\"record\",\"name\":\"1r\",\"fields\":[]}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
    "{\"name\":\"a\",\"type\":\"long\"}]}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\"}]}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a-b\",\"type\":\"int\"}]}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
    "\"field-id\":\"7\"}]}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
    "\"field-id\":-3}]}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
    "\"default\":\"x\"}]}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":[\"int\",\"null\"],"
    "\"default\":null}]}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"r2\"}]}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":"
    "\"record\",\"name\":\"r\",\"fields\":[]}}]}",
    "{\"type\":\"record\",\"name\":\"int\",\"fields\":[]}",
    "{\"type\":\"fixed\",\"name\":\"long\",\"namespace\":\"x\",\"size\":1}",
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[],\"fields\":[]}", /* duplicate key */
    "[]",
    "[\"int\",\"int\"]",
    "[\"null\",[\"int\"]]",
    "[{\"type\":\"int\",\"logicalType\":\"date\"},\"int\"]",
    "{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"A\",\"A\"]}",
    "{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[]}",
    "{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"0A\"]}",
    "{\"type\":\"fixed\",\"name\":\"f\",\"size\":-1}",
    "{\"type\":\"fixed\",\"name\":\"f\"}",
    "{\"type\":\"array\"}",
    "{\"type\":\"map\",\"values\":\"int\",\"key-id\":1.5}",
    "{\"type\":\"bytes\",\"logicalType\":\"decimal\"}",
    "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":3,\"scale\":4}",
    "{\"type\":\"fixed\",\"name\":\"d\",\"size\":2,\"logicalType\":\"decimal\",\"precision\":9}",
    "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\",\"adjust-to-utc\":\"true\"}",
    "{\"type\":\"array\",\"items\":\"int\",\"logicalType\":\"map\"}",
    "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"kv\",\"fields\":[{\"name\":"
    "\"k\",\"type\":\"int\"},{\"name\":\"value\",\"type\":\"int\"}]},\"logicalType\":\"map\"}",
    "{\"type\":{\"type\":\"int\"}}",
    "{\"type\":\"record\",\"name\":\"r\\u0000x\",\"fields\":[]}",
    "{\"type\":\"int\\u0000\"}",
    "{\"type\":\"wat\"}",
    NULL};

static void test_schema_malformed(void) {
  for (int i = 0; k_malformed[i]; i++) {
    lfh_avro_schema *s = parse(k_malformed[i]);
    CU_ASSERT_PTR_NULL(s);
    if (s) fprintf(stderr, "\n  accepted malformed schema %d: %s\n", i, k_malformed[i]);
    CU_ASSERT(strncmp(g_msg, "avro schema: ", 13) == 0 && g_err.code == LF_ERR_SCHEMA);
    lfh_avro_schema_free(s);
  }
  /* deeper than the parser allows */
  lfh_buf b = {0};
  for (int i = 0; i < 200; i++) lfh_buf_append(&b, "{\"type\":\"array\",\"items\":", 24);
  lfh_buf_append(&b, "\"int\"", 5);
  for (int i = 0; i < 200; i++) lfh_buf_append(&b, "}", 1);
  CU_ASSERT_PTR_NULL(lfh_avro_schema_parse((char *)b.data, b.len, err0()));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "deep"));
  lfh_buf_free(&b);
}

/* Java's header schemas print back byte for byte: every field-id, doc and default. */
static void test_schema_java_headers(void) {
  static const char *const names[] = {"manifest.avro.schema", "mlist.avro.schema"};
  for (int i = 0; i < 2; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", JAVA_HEADERS, names[i]);
    char *json = lfh_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(json);
    char *out = reprint(json);
    CU_ASSERT(out && strcmp(out, json) == 0);
    free(out);
    free(json);
  }
}

/* ------------------------------------------------------------ simple files */

#define SIMPLE_SCHEMA                                                                      \
  "{\"type\":\"record\",\"name\":\"simple\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"," \
  "\"field-id\":1},{\"name\":\"name\",\"type\":\"string\",\"field-id\":2},{\"name\":"      \
  "\"value\",\"type\":\"double\",\"field-id\":3}]}"

static const char *const k_meta[] = {"schema", "{\"type\":\"struct\"}", "lfh.test", "yes",
                                     NULL};

static void encode_simple(lfh_buf *b, int i) {
  uint8_t tmp[64];
  char name[24];
  size_t n = lfh_avro_put_long(tmp, (int64_t)i * 7 - 3);
  int len = snprintf(name, sizeof name, "n%d", i);
  n += lfh_avro_put_long(tmp + n, len);
  memcpy(tmp + n, name, (size_t)len);
  n += (size_t)len;
  n += lfh_avro_put_double(tmp + n, i / 4.0);
  lfh_buf_append(b, tmp, n);
}

/* `count` simple records in blocks of `per_block`; block ends recorded in `ends` (the
 * header's end first) when not NULL. */
static int write_simple(lfh_buf *out, lfh_avro_codec codec, int count, int per_block,
                        size_t *ends, size_t *n_ends) {
  lfh_avro_writer *w = lfh_avro_writer_new(out, SIMPLE_SCHEMA, codec, k_meta, 6, err0());
  if (!w) return -1;
  lfh_buf blk = {0};
  size_t ne = 0;
  if (ends) ends[ne++] = out->len;
  int rc = 0;
  for (int i = 0; i < count && !rc; i += per_block) {
    blk.len = 0;
    int k = 0;
    for (; k < per_block && i + k < count; k++) encode_simple(&blk, i + k);
    rc = lfh_avro_writer_block(w, blk.data, blk.len, k, err0());
    if (ends) ends[ne++] = out->len;
  }
  if (n_ends) *n_ends = ne;
  lfh_buf_free(&blk);
  lfh_avro_writer_free(w);
  return rc;
}

static int check_simple_record(const lfh_avro_value *v, int i) {
  char name[24];
  snprintf(name, sizeof name, "n%d", i);
  const lfh_avro_value *id = lfh_avro_get(v, "id"), *nm = lfh_avro_get(v, "name"),
                       *val = lfh_avro_get(v, "value");
  return id && nm && val && id->u.l == (int64_t)i * 7 - 3 &&
         strcmp((const char *)nm->u.bytes.p, name) == 0 && val->u.d == i / 4.0;
}

static void test_container_codecs(void) {
  for (int c = 0; c < 3; c++) {
    lfh_buf out = {0};
    CU_ASSERT_EQUAL_FATAL(write_simple(&out, (lfh_avro_codec)c, 250, 100, NULL, NULL), 0);
    lfh_avro_reader *r = lfh_avro_reader_open(out.data, out.len, "simple.avro", err0());
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(lfh_avro_reader_codec(r), (lfh_avro_codec)c);
    size_t n;
    const char *m = lfh_avro_reader_meta(r, "lfh.test", &n);
    CU_ASSERT(m && n == 3 && memcmp(m, "yes", 3) == 0);
    m = lfh_avro_reader_meta(r, "avro.codec", &n);
    CU_ASSERT(m && n == strlen(lfh_avro_codec_name((lfh_avro_codec)c)));
    CU_ASSERT_PTR_NULL(lfh_avro_reader_meta(r, "absent", &n));
    lfh_avro_arena *a = lfh_avro_arena_new();
    const uint8_t *blk;
    int64_t count;
    int blocks = 0, rec = 0, rc;
    while ((rc = lfh_avro_reader_next(r, &blk, &n, &count, err0())) == 1) {
      const uint8_t *p = blk;
      blocks++;
      for (int64_t i = 0; i < count; i++, rec++) {
        lfh_avro_value v;
        CU_ASSERT_EQUAL(lfh_avro_decode(lfh_avro_reader_schema(r), &p, blk + n, a, &v, err0()), 0);
        CU_ASSERT(check_simple_record(&v, rec));
      }
      CU_ASSERT_PTR_EQUAL(p, blk + n);
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(blocks, 3);
    CU_ASSERT_EQUAL(rec, 250);
    lfh_avro_arena_free(a);
    lfh_avro_reader_free(r);
    lfh_buf_free(&out);
  }
}

static void test_container_empty_and_args(void) {
  lfh_buf out = {0};
  CU_ASSERT_EQUAL(write_simple(&out, LFH_AVRO_CODEC_DEFLATE, 0, 10, NULL, NULL), 0);
  CU_ASSERT_EQUAL(read_all(out.data, out.len, "empty.avro"), 0);
  lfh_buf_free(&out);
  /* writer arguments */
  CU_ASSERT_PTR_NULL(lfh_avro_writer_new(&out, "{bad", LFH_AVRO_CODEC_NULL, NULL, 0, err0()));
  CU_ASSERT_PTR_NULL(lfh_avro_writer_new(&out, "\"int\"", LFH_AVRO_CODEC_DEFLATE, NULL, 12, err0()));
  static const char *const reserved[] = {"avro.codec", "x", NULL};
  CU_ASSERT_PTR_NULL(lfh_avro_writer_new(&out, "\"int\"", LFH_AVRO_CODEC_NULL, reserved, 0, err0()));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "reserved"));
  CU_ASSERT_EQUAL(out.len, 0); /* nothing written on failure */
  lfh_buf_free(&out);
  lfh_avro_codec c;
  CU_ASSERT(lfh_avro_codec_parse("snappy", &c) == 0 && c == LFH_AVRO_CODEC_SNAPPY);
  CU_ASSERT_EQUAL(lfh_avro_codec_parse("uncompressed", &c), -1);
  CU_ASSERT_EQUAL(lfh_avro_codec_parse("zstandard", &c), -1);
  CU_ASSERT_STRING_EQUAL(lfh_avro_codec_name(LFH_AVRO_CODEC_DEFLATE), "deflate");
}

/* Every proper prefix of a file is refused, except those ending exactly where a block
 * ends (a shorter valid file); never a crash. Messages name the file and an offset. */
static void test_container_truncated(void) {
  for (int c = 0; c < 3; c++) {
    lfh_buf out = {0};
    size_t ends[8], n_ends = 0;
    CU_ASSERT_EQUAL_FATAL(write_simple(&out, (lfh_avro_codec)c, 5, 2, ends, &n_ends), 0);
    for (size_t len = 0; len < out.len; len++) {
      uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
      memcpy(copy, out.data, len);
      long got = read_all(copy, len, "trunc.avro");
      int boundary = 0;
      for (size_t k = 0; k < n_ends; k++) boundary |= ends[k] == len;
      CU_ASSERT(boundary ? got >= 0 : got < 0);
      if (!boundary && got < 0) CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "trunc.avro"));
      free(copy);
    }
    lfh_buf_free(&out);
  }
}

static void test_container_corrupt(void) {
  for (int c = 0; c < 3; c++) {
    lfh_buf out = {0};
    size_t ends[8], n_ends;
    CU_ASSERT_EQUAL_FATAL(write_simple(&out, (lfh_avro_codec)c, 5, 2, ends, &n_ends), 0);
    uint8_t *copy = malloc(out.len);
    for (size_t i = 0; i < out.len; i++) { /* flip every byte: errors or data, no crash */
      memcpy(copy, out.data, out.len);
      copy[i] ^= 0xff;
      long got = read_all(copy, out.len, "flip.avro");
      if (i < 4 || (i >= ends[0] - 16 && i < ends[0])) CU_ASSERT(got < 0); /* magic, sync */
      if (got < 0) CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "flip.avro"));
    }
    /* the sync marker after the last block */
    memcpy(copy, out.data, out.len);
    copy[out.len - 1] ^= 1;
    CU_ASSERT(read_all(copy, out.len, "sync.avro") < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "sync.avro: sync marker mismatch at byte offset"));
    if (c == LFH_AVRO_CODEC_SNAPPY) { /* the CRC: the 4 bytes before the sync marker */
      memcpy(copy, out.data, out.len);
      copy[out.len - 17] ^= 1;
      CU_ASSERT(read_all(copy, out.len, "crc.avro") < 0);
      CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "crc.avro: snappy CRC mismatch at byte offset"));
    }
    free(copy);
    lfh_buf_free(&out);
  }
}

/* Hand-made headers: bad magic, bad map, unknown codec, missing schema, bad block sizes. */
static void test_container_bad_headers(void) {
  static const struct {
    const char *bytes;
    size_t n;
    const char *msg;
  } cases[] = {
      {"Obj\x02", 4, "bad magic"},
      {"Obj\x01\x02\x16" "avro", 10, "beyond the end"},
      {"Obj\x01\x01", 5, "truncated or overlong"},
      {"Obj\x01\x02\x16" "avro.schema" "\x0a\"int\"" "\x00" "0123456789abcdef", 40, NULL},
      {"Obj\x01\x02\x16" "avro.schema" "\x0a\"int\"" "\x00" "0123456789abcde", 39, "no sync"},
      {"Obj\x01\x02\x16" "avro.schema" "\x0a\"wat\"" "\x00" "0123456789abcdef", 40, "header schema"},
      {"Obj\x01\x02\x14" "avro.codec" "\x06" "lzo" "\x00" "0123456789abcdef", 37, "no avro.schema"},
      {"Obj\x01\x04\x16" "avro.schema" "\x0a\"int\"" "\x14" "avro.codec" "\x06" "lzo" "\x00"
       "0123456789abcdef", 55, "unsupported codec \"lzo\""},
      {"Obj\x01\x04\x16" "avro.schema" "\x0a\"int\"" "\x16" "avro.schema" "\x0a\"int\"" "\x00"
       "0123456789abcdef", 58, "duplicate metadata key"},
      /* negative block count in the map, with a byte size */
      {"Obj\x01\x01\x22\x16" "avro.schema" "\x0a\"int\"" "\x00" "0123456789abcdef", 41, NULL},
      /* a data block with a negative count, one too large, one with a bad sync */
      {"Obj\x01\x02\x16" "avro.schema" "\x0a\"int\"" "\x00" "0123456789abcdef" "\x01\x02\x02"
       "0123456789abcdef", 59, "negative block record count"},
      {"Obj\x01\x02\x16" "avro.schema" "\x0a\"int\"" "\x00" "0123456789abcdef" "\x02\x40\x02"
       "0123456789abcdef", 59, "block size beyond"},
      {"Obj\x01\x02\x16" "avro.schema" "\x0a\"int\"" "\x00" "0123456789abcdef" "\x06\x02\x02"
       "0123456789abcdef", 59, "record count larger"},
      {"Obj\x01\x02\x16" "avro.schema" "\x0a\"int\"" "\x00" "0123456789abcdef" "\x02\x02\x02"
       "0123456789abcdeX", 59, "sync marker mismatch at byte offset 43"},
      {"Obj\x01\x02\x16" "avro.schema" "\x0a\"int\"" "\x00" "0123456789abcdef" "\x02\x02\x02"
       "0123456789abcdef", 59, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    long got = read_all(cases[i].bytes, cases[i].n, "hand.avro");
    if (cases[i].msg) {
      CU_ASSERT(got < 0);
      CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, cases[i].msg));
      if (!strstr(g_msg, cases[i].msg) || got >= 0)
        fprintf(stderr, "\n  case %zu: got %ld, \"%s\"\n", i, got, g_msg);
    } else {
      CU_ASSERT(got >= 0);
      if (got < 0) fprintf(stderr, "\n  case %zu: %s\n", i, g_msg);
    }
  }
}

/* ------------------------------------------------------------ decoder */

/* Values point at their schema: the last one stays alive until the next call (or a call
 * with a NULL schema). */
static int decode_bytes(const char *schema, const void *data, size_t n, lfh_avro_arena *a,
                        lfh_avro_value *v) {
  static lfh_avro_schema *s;
  lfh_avro_schema_free(s);
  if (!schema || !(s = parse(schema))) return -100;
  const uint8_t *p = data;
  int rc = lfh_avro_decode(s, &p, p + n, a, v, err0());
  if (rc == 0 && p != (const uint8_t *)data + n) rc = -101;
  return rc;
}

static void test_decode_hostile(void) {
  lfh_avro_arena *a = lfh_avro_arena_new();
  lfh_avro_value v;
  CU_ASSERT_EQUAL(decode_bytes("[\"null\",\"int\"]", "\x04", 1, a, &v), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "union branch index"));
  CU_ASSERT_EQUAL(decode_bytes("[\"null\",\"int\"]", "\x01", 1, a, &v), LF_ERR_DATA);
  CU_ASSERT_EQUAL(decode_bytes("\"string\"", "\x01", 1, a, &v), LF_ERR_DATA);
  CU_ASSERT_EQUAL(decode_bytes("\"string\"", "\x08xyz", 4, a, &v), LF_ERR_DATA);
  CU_ASSERT_EQUAL(decode_bytes("\"boolean\"", "\x02", 1, a, &v), LF_ERR_DATA);
  CU_ASSERT_EQUAL(decode_bytes("\"int\"", "\x80\x80\x80\x80\x20", 5, a, &v), LF_ERR_DATA);
  CU_ASSERT_EQUAL(decode_bytes("\"double\"", "1234567", 7, a, &v), LF_ERR_DATA);
  CU_ASSERT_EQUAL(decode_bytes("{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"A\"]}", "\x02", 1,
                               a, &v), LF_ERR_DATA);
  CU_ASSERT_EQUAL(decode_bytes("{\"type\":\"fixed\",\"name\":\"f\",\"size\":4}", "abc", 3, a, &v),
                  LF_ERR_DATA);
  /* counts beyond what the bytes hold */
  CU_ASSERT_EQUAL(decode_bytes("{\"type\":\"array\",\"items\":\"long\"}", "\xfe\xff\xff\xff\x0f",
                               5, a, &v), LF_ERR_DATA);
  CU_ASSERT_EQUAL(decode_bytes("{\"type\":\"map\",\"values\":\"null\"}", "\x40\x00", 2, a, &v),
                  LF_ERR_DATA);
  /* zero-size items: bounded by the arena's limit */
  lfh_avro_arena_set_limit(a, 1 << 20);
  CU_ASSERT_EQUAL(decode_bytes("{\"type\":\"array\",\"items\":\"null\"}",
                               "\xfe\xff\xff\xff\xff\xff\x0f\x00", 8, a, &v), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "memory limit"));
  lfh_avro_arena_reset(a);
  CU_ASSERT_EQUAL(decode_bytes("{\"type\":\"array\",\"items\":\"null\"}", "\x06\x00", 2, a, &v), 0);
  CU_ASSERT_EQUAL(v.u.c.n, 3);
  /* a negative block count with its byte size, then a second block */
  CU_ASSERT_EQUAL(decode_bytes("{\"type\":\"array\",\"items\":\"int\"}", "\x03\x04\x02\x04\x02\x06\x00",
                               7, a, &v), 0);
  CU_ASSERT(v.u.c.n == 3 && v.u.c.items[0].u.l == 1 && v.u.c.items[2].u.l == 3);
  CU_ASSERT_EQUAL(decode_bytes("{\"type\":\"map\",\"values\":\"int\"}", "\x02\x02k\x54\x00", 5, a, &v), 0);
  CU_ASSERT(v.u.c.n == 1 && strcmp(v.u.c.keys[0], "k") == 0 && v.u.c.items[0].u.l == 42);
  /* nesting deeper than 64: a recursive list of 100 nodes */
  lfh_buf b = {0};
  for (int i = 0; i < 100; i++) lfh_buf_append(&b, "\x02\x02", 2); /* v=1, next: branch 1 */
  lfh_buf_append(&b, "\x02\x00", 2);
  CU_ASSERT_EQUAL(decode_bytes(k_round_trip[8], b.data, b.len, a, &v), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "deeper than 64"));
  CU_ASSERT_EQUAL(decode_bytes(k_round_trip[8], b.data + 180, b.len - 180, a, &v), 0);
  const lfh_avro_value *next = lfh_avro_get(&v, "next");
  CU_ASSERT(next && next->schema->type == LFH_AVRO_RECORD && lfh_avro_get(next, "v")->u.l == 1);
  CU_ASSERT_PTR_NULL(lfh_avro_get(&v, "nope"));
  lfh_buf_free(&b);
  decode_bytes(NULL, NULL, 0, a, &v);
  lfh_avro_arena_free(a);
}

/* ------------------------------------------------------------ python3-avro interop */

/* row(i) of tests/avro/interop_rows.py, checked field by field; NULL or what differs. */
static const char *check_row(const lfh_avro_value *v, int i) {
  char s[64];
  const lfh_avro_value *f;
  if (!(f = lfh_avro_get(v, "id")) || f->u.l != (int64_t)i * 1000003 - 500000000000) return "id";
  snprintf(s, sizeof s, "row-%d-\xc3\xa9", i);
  if (!(f = lfh_avro_get(v, "name")) || strcmp((const char *)f->u.bytes.p, s)) return "name";
  f = lfh_avro_get(v, "score");
  if (!f || (i % 3 == 0 ? f->schema->type != LFH_AVRO_NULL : f->u.d != i * 0.5)) return "score";
  if (!(f = lfh_avro_get(v, "flag")) || f->u.b != (i % 2 == 0)) return "flag";
  if (!(f = lfh_avro_get(v, "small")) || f->u.l != i - 50) return "small";
  if (!(f = lfh_avro_get(v, "ratio")) || f->u.d != i * 0.25) return "ratio";
  if (!(f = lfh_avro_get(v, "blob")) || f->u.bytes.n != (size_t)(i % 7)) return "blob";
  for (size_t k = 0; k < f->u.bytes.n; k++)
    if (f->u.bytes.p[k] != k) return "blob";
  if (!(f = lfh_avro_get(v, "tags")) || f->u.c.n != (size_t)(i % 4)) return "tags";
  for (size_t k = 0; k < f->u.c.n; k++) {
    snprintf(s, sizeof s, "t%zu", k);
    if (strcmp((const char *)f->u.c.items[k].u.bytes.p, s)) return "tags";
  }
  if (!(f = lfh_avro_get(v, "attrs")) || f->u.c.n != (size_t)(i % 3)) return "attrs";
  for (size_t k = 0; k < f->u.c.n; k++) {
    snprintf(s, sizeof s, "k%zu", k);
    if (strcmp(f->u.c.keys[k], s) || f->u.c.items[k].u.l != (int64_t)k * i) return "attrs";
  }
  if (!(f = lfh_avro_get(v, "color")) || f->u.l != i % 3) return "color";
  if (!(f = lfh_avro_get(v, "uid")) || f->u.bytes.n != 16 || f->u.bytes.p[15] != (i + 15) % 256)
    return "uid";
  if (!(f = lfh_avro_get(v, "ts")) || f->u.l != 1700000000000000 + i) return "ts";
  if (!(f = lfh_avro_get(v, "day")) || f->u.l != 19000 + i) return "day";
  const lfh_avro_value *n = lfh_avro_get(v, "nested");
  if (!n || !(f = lfh_avro_get(n, "a")) || f->u.l != i) return "nested.a";
  f = lfh_avro_get(n, "b");
  if (!f || (i % 2 ? f->schema->type != LFH_AVRO_NULL : f->u.l != 1)) return "nested.b";
  if (!(f = lfh_avro_get(v, "imap")) || f->u.c.n != (size_t)(i % 3)) return "imap";
  for (size_t k = 0; k < f->u.c.n; k++) {
    snprintf(s, sizeof s, "v%zu", k);
    const lfh_avro_value *e = &f->u.c.items[k];
    if (lfh_avro_get(e, "key")->u.l != (int64_t)k ||
        strcmp((const char *)lfh_avro_get(e, "value")->u.bytes.p, s))
      return "imap";
  }
  return NULL;
}

/* Reads a rows file and checks all its rows; returns the number of blocks. */
static int check_rows_file(const uint8_t *data, size_t len, const char *name) {
  lfh_avro_reader *r = lfh_avro_reader_open(data, len, name, err0());
  CU_ASSERT_PTR_NOT_NULL(r);
  if (!r) {
    fprintf(stderr, "\n  %s\n", g_msg);
    return -1;
  }
  lfh_avro_arena *a = lfh_avro_arena_new();
  const uint8_t *blk;
  size_t n;
  int64_t count;
  int blocks = 0, row = 0, rc;
  while ((rc = lfh_avro_reader_next(r, &blk, &n, &count, err0())) == 1) {
    const uint8_t *p = blk;
    blocks++;
    for (int64_t i = 0; i < count; i++, row++) {
      lfh_avro_value v;
      CU_ASSERT_EQUAL_FATAL(lfh_avro_decode(lfh_avro_reader_schema(r), &p, blk + n, a, &v, err0()), 0);
      const char *bad = check_row(&v, row);
      CU_ASSERT_PTR_NULL(bad);
      if (bad) fprintf(stderr, "\n  %s row %d: %s differs\n", name, row, bad);
    }
    lfh_avro_arena_reset(a);
  }
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_EQUAL(row, 2000); /* N_ROWS of interop_rows.py */
  lfh_avro_arena_free(a);
  lfh_avro_reader_free(r);
  return blocks;
}

/* Rewrites the blocks of a rows file with our writer (python's record bytes, our
 * container: header, keys, codec, sync markers). */
static int rewrite(const uint8_t *data, size_t len, lfh_avro_codec codec, lfh_buf *out) {
  lfh_avro_reader *r = lfh_avro_reader_open(data, len, "rewrite", err0());
  if (!r) return -1;
  lfh_buf schema = {0};
  int rc = lfh_avro_schema_to_json(lfh_avro_reader_schema(r), &schema);
  lfh_buf_append(&schema, "", 1);
  lfh_avro_writer *w = rc ? NULL
                          : lfh_avro_writer_new(out, (char *)schema.data, codec, k_meta, 9, err0());
  const uint8_t *blk;
  size_t n;
  int64_t count;
  rc = w ? 1 : -1;
  while (rc == 1 && (rc = lfh_avro_reader_next(r, &blk, &n, &count, err0())) == 1)
    if (lfh_avro_writer_block(w, blk, n, count, err0()) != 0) rc = -1;
  lfh_avro_writer_free(w);
  lfh_buf_free(&schema);
  lfh_avro_reader_free(r);
  return rc;
}

static void test_interop_python(void) {
  CU_ASSERT_EQUAL_FATAL(access(PYTHON, X_OK), 0);
  char *dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
  char *wargv[] = {PYTHON, SCRIPTS "/write_interop.py", dir, NULL};
  CU_ASSERT_EQUAL_FATAL(run_python(wargv), 0);
  static const char *const codecs[] = {"null", "deflate", "snappy"};
  for (int c = 0; c < 3; c++) {
    char path[512], ours[512];
    snprintf(path, sizeof path, "%s/interop-%s.avro", dir, codecs[c]);
    size_t len;
    char *data = lfh_test_slurp(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    /* (a) python wrote it, we read it */
    CU_ASSERT(check_rows_file((uint8_t *)data, len, path) > 1); /* several blocks */
    /* (b) we write it, python reads it */
    lfh_buf out = {0};
    CU_ASSERT_EQUAL(rewrite((uint8_t *)data, len, (lfh_avro_codec)c, &out), 0);
    CU_ASSERT(check_rows_file(out.data, out.len, "rewritten") > 1);
    snprintf(ours, sizeof ours, "%s/ours-%s.avro", dir, codecs[c]);
    CU_ASSERT_EQUAL(write_file(ours, out.data, out.len), 0);
    char *cargv[] = {PYTHON, SCRIPTS "/check_interop.py", ours, (char *)codecs[c], "rows",
                     "lfh.test=yes", "schema={\"type\":\"struct\"}", NULL};
    CU_ASSERT_EQUAL(run_python(cargv), 0);
    /* hand-encoded records through lfh_avro's primitives, and an empty file */
    for (int count = 0; count <= 250; count += 250) {
      out.len = 0;
      CU_ASSERT_EQUAL(write_simple(&out, (lfh_avro_codec)c, count, 100, NULL, NULL), 0);
      CU_ASSERT_EQUAL(write_file(ours, out.data, out.len), 0);
      char arg[32];
      snprintf(arg, sizeof arg, "count=%d", count);
      char *sargv[] = {PYTHON, SCRIPTS "/check_interop.py", ours, (char *)codecs[c], "simple",
                       arg, "lfh.test=yes", NULL};
      CU_ASSERT_EQUAL(run_python(sargv), 0);
    }
    lfh_buf_free(&out);
    free(data);
  }
  lfh_test_rmtree(dir);
  free(dir);
}

/* ------------------------------------------------------------ Java-written metadata */

static char *java_file(const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", JAVA_DIR, name);
  return lfh_test_slurp(path, len);
}

/* The header schema equals Java's reference copy and prints back byte for byte. */
static void check_java_schema(const lfh_avro_reader *r, const char *ref_name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", JAVA_HEADERS, ref_name);
  char *ref = lfh_test_slurp(path, NULL);
  size_t n;
  const char *js = lfh_avro_reader_meta(r, "avro.schema", &n);
  CU_ASSERT(ref && js && n == strlen(ref) && memcmp(js, ref, n) == 0);
  lfh_buf out = {0};
  CU_ASSERT_EQUAL(lfh_avro_schema_to_json(lfh_avro_reader_schema(r), &out), 0);
  CU_ASSERT(js && out.len == n && memcmp(out.data, js, n) == 0); /* every field-id kept */
  lfh_buf_free(&out);
  free(ref);
}

/* Decodes every record of a Java file; calls `fn` on each. Returns the record count. */
static int java_records(const char *name, const char *ref_schema,
                        void (*fn)(const lfh_avro_value *, const char *, void *), void *ctx) {
  size_t len;
  char *data = java_file(name, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  lfh_avro_reader *r = lfh_avro_reader_open(data, len, name, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  CU_ASSERT_EQUAL(lfh_avro_reader_codec(r), LFH_AVRO_CODEC_DEFLATE);
  check_java_schema(r, ref_schema);
  lfh_avro_arena *a = lfh_avro_arena_new();
  const uint8_t *blk;
  size_t n;
  int64_t count;
  int recs = 0;
  while (lfh_avro_reader_next(r, &blk, &n, &count, err0()) == 1) {
    const uint8_t *p = blk;
    for (int64_t i = 0; i < count; i++, recs++) {
      lfh_avro_value v;
      CU_ASSERT_EQUAL_FATAL(lfh_avro_decode(lfh_avro_reader_schema(r), &p, blk + n, a, &v, err0()), 0);
      fn(&v, name, ctx);
    }
    CU_ASSERT_PTR_EQUAL(p, blk + n);
  }
  CU_ASSERT_EQUAL(g_err.code, 0);
  lfh_avro_arena_free(a);
  lfh_avro_reader_free(r);
  free(data);
  return recs;
}

/* A manifest list entry: its manifest exists beside it; the manifest this snapshot wrote
 * (the list's file name ends with its uuid) was added by this snapshot. */
static void mlist_entry(const lfh_avro_value *v, const char *name, void *ctx) {
  int *own = ctx;
  const lfh_avro_value *path = lfh_avro_get(v, "manifest_path");
  const lfh_avro_value *added = lfh_avro_get(v, "added_snapshot_id");
  CU_ASSERT_FATAL(path && added && path->schema->type == LFH_AVRO_STRING);
  const char *base = strrchr((const char *)path->u.bytes.p, '/');
  CU_ASSERT_PTR_NOT_NULL_FATAL(base);
  char *m = java_file(base + 1, NULL);
  CU_ASSERT_PTR_NOT_NULL(m);
  free(m);
  char uuid[40];
  long long snap = strtoll(name + 5, NULL, 10);
  snprintf(uuid, sizeof uuid, "%.36s", strrchr(name, '-') - 23);
  if (strstr(base, uuid)) {
    CU_ASSERT_EQUAL(added->u.l, snap);
    (*own)++;
  }
  CU_ASSERT(lfh_avro_get(v, "content")->u.l == 0 || lfh_avro_get(v, "content")->u.l == 1);
}

static void manifest_entry(const lfh_avro_value *v, const char *name, void *ctx) {
  (void)name;
  (void)ctx;
  const lfh_avro_value *st = lfh_avro_get(v, "status"), *df = lfh_avro_get(v, "data_file");
  CU_ASSERT_FATAL(st && df);
  CU_ASSERT(st->u.l >= 0 && st->u.l <= 2);
  const lfh_avro_value *path = lfh_avro_get(df, "file_path");
  CU_ASSERT(path && strstr((const char *)path->u.bytes.p, ".parquet"));
  CU_ASSERT(lfh_avro_get(df, "record_count")->u.l > 0);
  CU_ASSERT(strcmp((const char *)lfh_avro_get(df, "file_format")->u.bytes.p, "PARQUET") == 0);
}

static void test_java_metadata(void) {
  static const struct {
    const char *name;
    int entries;
  } lists[] = {
      {"snap-1584331123492059582-2-91bf4420-2bae-484f-b724-8184d56d3029.avro", 3},
      {"snap-1584331123492059582-3-91bf4420-2bae-484f-b724-8184d56d3029.avro", 3},
      {"snap-1916084761853986166-1-61648895-78fc-44d6-bf55-298a7614c4f8.avro", 6},
      {"snap-3340507003387467420-1-8057d23a-ed01-40cb-bfd6-44b145234c6d.avro", 5},
      {"snap-7342794868382145167-3-34f7dec7-90c5-4cd5-b158-5782b73fc010.avro", 4},
      {"snap-842401149381792626-2-c4028cec-4266-45e9-bf74-77cbf1b55328.avro", 4},
      {"snap-853766660775201079-1-bcc5469e-83b4-4a41-be7e-af79ed029353.avro", 1},
  };
  for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
    int own = 0;
    CU_ASSERT_EQUAL(java_records(lists[i].name, "mlist.avro.schema", mlist_entry, &own),
                    lists[i].entries);
    CU_ASSERT(own >= 1); /* snap-7342794868382145167-3 lists its manifest twice */
    if (own < 1) fprintf(stderr, "\n  %s: %d own manifests\n", lists[i].name, own);
  }
  DIR *d = opendir(JAVA_DIR);
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  int manifests = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strstr(e->d_name, "-m0.avro")) {
      CU_ASSERT_EQUAL(java_records(e->d_name, "manifest.avro.schema", manifest_entry, NULL), 1);
      manifests++;
    }
  closedir(d);
  CU_ASSERT_EQUAL(manifests, 6);
}

/* Header keys of a manifest list, as Java wrote them. */
static void test_java_header_keys(void) {
  size_t len, n;
  const char *name = "snap-853766660775201079-1-bcc5469e-83b4-4a41-be7e-af79ed029353.avro";
  char *data = java_file(name, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  lfh_avro_reader *r = lfh_avro_reader_open(data, len, name, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  const char *v = lfh_avro_reader_meta(r, "snapshot-id", &n);
  CU_ASSERT(v && n == 18 && memcmp(v, "853766660775201079", 18) == 0);
  v = lfh_avro_reader_meta(r, "format-version", &n);
  CU_ASSERT(v && n == 1 && v[0] == '2');
  CU_ASSERT_PTR_NOT_NULL(lfh_avro_reader_meta(r, "iceberg.schema", &n));
  lfh_avro_reader_free(r);
  free(data);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"varint", test_varint},
      {"schema_round_trip", test_schema_round_trip},
      {"schema_tree", test_schema_tree},
      {"schema_malformed", test_schema_malformed},
      {"schema_java_headers", test_schema_java_headers},
      {"container_codecs", test_container_codecs},
      {"container_empty_and_args", test_container_empty_and_args},
      {"container_truncated", test_container_truncated},
      {"container_corrupt", test_container_corrupt},
      {"container_bad_headers", test_container_bad_headers},
      {"decode_hostile", test_decode_hostile},
      {"interop_python", test_interop_python},
      {"java_metadata", test_java_metadata},
      {"java_header_keys", test_java_header_keys},
      {NULL, NULL}};
  return lfh_test_run("avro", cases);
}
