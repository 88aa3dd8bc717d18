/*
 * fuzz_json — libFuzzer entry for the bronze NDJSON decoder (plugins/bronze/lfb_json*.c).
 *
 * The first byte picks the options (evolution mode, rescued/metadata columns, a small
 * max_line_bytes); the rest is decoded twice: as one buffer, and again split at an
 * arbitrary line boundary into two calls, finishing in between. Beyond "no crash":
 * decoding never fails (malformed input is data, not an error) except with
 * fail_on_new_columns; every batch has rows == lines counted; the rescued column of
 * every row is NULL or a JSON object (checked with jansson) holding _file_path; both
 * runs give the same row count; the 16-byte SIMD string scanners and the scalar ones
 * (lfb_json_force_scalar) give identical batches; decoding each line in a call of its
 * own gives the batch the whole buffer does. A violation aborts.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/lfh_ddl.h"
#include "lf/lf_array.h"
#include "lfb_json.h"
#include "lfb_json_internal.h"
#include "../unit/lfh_arrow_equal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const DDL =
    "id STRING, n INT, l BIGINT, d DOUBLE, f FLOAT, b BOOLEAN, day DATE, ts TIMESTAMP, "
    "ntz TIMESTAMP_NTZ, user STRUCT<email: STRING, geo: STRUCT<city: STRING, n: INT>>, "
    "tags ARRAY<STRING>, items ARRAY<STRUCT<q: INT, s: ARRAY<DOUBLE>>>, "
    "props MAP<STRING, STRING>, mm MAP<STRING, ARRAY<BIGINT>>";

/* Checks the rescued column (index n_data) of a finished batch. */
static void check_batch(const struct ArrowArray *a, int64_t n_data, int rescue) {
  if (a->n_children < n_data) abort();
  for (int64_t i = 0; i < a->n_children; i++)
    if (a->children[i]->length != a->length) abort();
  if (!rescue) return;
  const struct ArrowArray *r = a->children[n_data];
  const uint8_t *valid = r->buffers[0];
  const int32_t *off = r->buffers[1];
  const char *txt = r->buffers[2];
  for (int64_t i = 0; i < r->length; i++) {
    if (valid && !((valid[i >> 3] >> (i & 7)) & 1)) continue;
    if (off[i + 1] < off[i]) abort();
    json_error_t e;
    json_t *j = json_loadb(txt + off[i], (size_t)(off[i + 1] - off[i]),
                           JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &e);
    /* jansson refuses numbers beyond double's range, which JSON allows: tolerated. */
    if (!j && !strstr(e.text, "overflow")) abort();
    if (j && (!json_is_object(j) || !json_is_string(json_object_get(j, "_file_path")))) abort();
    json_decref(j);
  }
}

/* The whole buffer decoded on the SIMD and on the scalar string paths: same batch. */
static void compare_paths(const struct ArrowSchema *schema, const lfb_json_opts *o,
                          const char *buf, size_t len) {
  struct ArrowArray a[2];
  struct ArrowSchema out;
  lfb_json_opts opts = *o;
  opts.schema = schema;
  int rc[2];
  for (int k = 0; k < 2; k++) {
    lfb_json_decoder *d = NULL;
    lfb_json_force_scalar(k);
    if (lfb_json_decoder_new(&opts, &d, NULL) != LF_OK) abort();
    lfb_json_file file = {"fuzz/in.json", (int64_t)len, 1};
    rc[k] = lfb_json_decode(d, buf, len, &file, NULL, NULL);
    if (lfb_json_finish(d, &a[k], NULL) != LF_OK) abort();
    if (k == 0 && lfb_json_output_schema(d, &out, NULL) != LF_OK) abort();
    lfb_json_decoder_free(d);
  }
  lfb_json_force_scalar(0);
  if (rc[0] != rc[1] || (rc[0] == LF_OK && !lfh_arrays_equal(&out, &a[0], &a[1]))) abort();
  a[0].release(&a[0]);
  a[1].release(&a[1]);
  out.release(&out);
}

/* Whether some line starts (after blanks) with '[' or a BOM: alone in a call it would
 * read as a JSON-array file, or lose its BOM. */
static int line_reads_differently(const char *buf, size_t len) {
  const char *p = buf, *end = buf + len;
  while (p < end) {
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) return 1;
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
    if (q < end && *q == '[') return 1;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    p = nl ? nl + 1 : end;
  }
  return 0;
}

/* The decoder finds a line's end by decoding it: each line decoded alone (a call of
 * exactly its bytes, where nothing depends on finding the end) gives the same batch. */
static void compare_lines(const struct ArrowSchema *schema, const lfb_json_opts *o,
                          const char *buf, size_t len) {
  if (line_reads_differently(buf, len)) return;
  struct ArrowArray a[2];
  struct ArrowSchema out;
  lfb_json_opts opts = *o;
  opts.schema = schema;
  int ok = 1;
  lfb_json_file file = {"fuzz/in.json", 7, 1};
  for (int k = 0; k < 2; k++) {
    lfb_json_decoder *d = NULL;
    if (lfb_json_decoder_new(&opts, &d, NULL) != LF_OK) abort();
    const char *p = buf, *end = buf + len;
    while (p < end && ok) {
      const char *nl = k ? memchr(p, '\n', (size_t)(end - p)) : NULL, *le = nl ? nl : end;
      char *one = malloc(le > p ? (size_t)(le - p) : 1); /* exactly the line: reads past it show */
      if (!one) abort();
      memcpy(one, p, (size_t)(le - p));
      ok = lfb_json_decode(d, one, (size_t)(le - p), &file, NULL, NULL) == LF_OK;
      free(one);
      p = nl ? nl + 1 : end;
    }
    if (lfb_json_finish(d, &a[k], NULL) != LF_OK) abort();
    if (k == 0 && lfb_json_output_schema(d, &out, NULL) != LF_OK) abort();
    lfb_json_decoder_free(d);
  }
  if (ok && !lfh_arrays_equal(&out, &a[0], &a[1])) abort();
  a[0].release(&a[0]);
  a[1].release(&a[1]);
  out.release(&out);
}

static int64_t run(const struct ArrowSchema *schema, const lfb_json_opts *o, const char *buf,
                   size_t len, size_t split) {
  lfb_json_decoder *d = NULL;
  lfb_json_opts opts = *o;
  opts.schema = schema;
  if (lfb_json_decoder_new(&opts, &d, NULL) != LF_OK) abort();
  lfb_json_file file = {"fuzz/\"in\".json", (int64_t)len, 1};
  lfb_json_stats st;
  memset(&st, 0, sizeof st);
  int64_t rows = 0;
  struct ArrowArray a;
  const char *parts[2] = {buf, buf + split};
  size_t lens[2] = {split, len - split};
  for (int k = 0; k < 2; k++) {
    int rc = lfb_json_decode(d, parts[k], lens[k], &file, &st, NULL);
    if (rc != LF_OK && !(rc == LF_ERR_SCHEMA && o->evolution == LFB_EVOLVE_FAIL)) abort();
    if (rc != LF_OK) rows = -1000000; /* runs with a failure are not compared */
    if (lfb_json_finish(d, &a, NULL) != LF_OK) abort();
    check_batch(&a, schema->n_children, o->rescued_column != NULL);
    rows += a.length;
    a.release(&a);
  }
  if (rows >= 0 && (st.rows != rows || st.lines != rows || st.corrupt_rows > rows)) abort();
  lfb_json_decoder_free(d);
  return rows;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct ArrowSchema schema;
  if (!schema.release && lfh_ddl_parse(DDL, strlen(DDL), &schema, NULL) != LF_OK) abort();
  if (size < 1) return 0;
  unsigned mode = data[0];
  const char *buf = (const char *)data + 1;
  size_t len = size - 1;
  lfb_json_opts o = {NULL, (mode & 4) ? NULL : "_rescued_data", mode & 3,
                     (mode & 8) ? "_metadata" : NULL, (mode & 16) ? 64 : 0};
  int64_t whole = run(&schema, &o, buf, len, len);
  compare_paths(&schema, &o, buf, len);
  compare_lines(&schema, &o, buf, len);
  /* The same bytes in two calls, cut after a newline (a JSON-array file must stay whole). */
  const char *first = buf;
  while (first < buf + len && (*first == ' ' || *first == '\n' || *first == '\r' || *first == '\t'))
    first++;
  const char *nl = memchr(buf, '\n', len), *second = nl ? nl + 1 : NULL, *end = buf + len;
  while (second && second < end && (*second == ' ' || *second == '\n' || *second == '\r' ||
                                    *second == '\t'))
    second++;
  /* Each call decides on its own whether it holds a JSON array and skips a BOM at its
   * start: cuts where that changes the reading are not comparable. */
  int comparable = nl && !(first < end && *first == '[') && !(second < end && *second == '[') &&
                   !(len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) &&
                   !(end - (nl + 1) >= 3 && memcmp(nl + 1, "\xEF\xBB\xBF", 3) == 0);
  if (comparable) {
    int64_t parts = run(&schema, &o, buf, len, (size_t)(nl + 1 - buf));
    if (whole >= 0 && parts >= 0 && parts != whole) abort();
  }
  return 0;
}
