/* arrow_ndjson — see arrow_ndjson.h. */
#include "arrow_ndjson.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "lf/lf_array.h"

static void put_string(FILE *out, const char *p, size_t n) {
  fputc('"', out);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

static void put_timestamp(FILE *out, int64_t us) {
  time_t secs = (time_t)(us / 1000000);
  int64_t frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs--;
  }
  struct tm tm;
  gmtime_r(&secs, &tm);
  char text[40];
  strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  fprintf(out, "\"%s.%06" PRId64 "\"", text, frac);
}

static int put_value(FILE *out, const lf_view *v, int64_t row);

static int put_struct(FILE *out, const lf_view *v, int64_t row) {
  fputc('{', out);
  for (int64_t i = 0; i < lf_view_n_children(v); i++) {
    lf_view c;
    if (lf_view_child(v, i, &c) != LF_OK) return -1;
    if (i) fputc(',', out);
    const char *name = lf_view_name(&c);
    put_string(out, name, strlen(name));
    fputc(':', out);
    if (put_value(out, &c, row) != 0) return -1;
  }
  fputc('}', out);
  return 0;
}

static int put_items(FILE *out, const lf_view *v, int64_t row, int is_map) {
  int64_t lo, hi;
  lf_view items, k, val;
  if (lf_view_list_range(v, row, &lo, &hi) != LF_OK || lf_view_child(v, 0, &items) != LF_OK)
    return -1;
  if (is_map && (lf_view_child(&items, 0, &k) != LF_OK || lf_view_child(&items, 1, &val) != LF_OK))
    return -1;
  fputc(is_map ? '{' : '[', out);
  for (int64_t i = lo; i < hi; i++) {
    if (i > lo) fputc(',', out);
    if (!is_map) {
      if (put_value(out, &items, i) != 0) return -1;
      continue;
    }
    size_t n;
    const char *key = lf_view_utf8(&k, i, &n);
    put_string(out, key ? key : "", key ? n : 0);
    fputc(':', out);
    if (put_value(out, &val, i) != 0) return -1;
  }
  fputc(is_map ? '}' : ']', out);
  return 0;
}

static int put_value(FILE *out, const lf_view *v, int64_t row) {
  size_t n;
  const char *p;
  if (!lf_view_is_valid(v, row)) {
    fputs("null", out);
    return 0;
  }
  switch (v->type) {
  case LF_TYPE_INT32: fprintf(out, "%" PRId32, lf_view_int32(v, row)); return 0;
  case LF_TYPE_INT64: fprintf(out, "%" PRId64, lf_view_int64(v, row)); return 0;
  case LF_TYPE_DOUBLE: fprintf(out, "%.17g", lf_view_double(v, row)); return 0;
  case LF_TYPE_BOOL: fputs(lf_view_bool(v, row) ? "true" : "false", out); return 0;
  case LF_TYPE_TIMESTAMP: put_timestamp(out, lf_view_int64(v, row)); return 0;
  case LF_TYPE_UTF8:
    p = lf_view_utf8(v, row, &n);
    put_string(out, p, n);
    return 0;
  case LF_TYPE_STRUCT: return put_struct(out, v, row);
  case LF_TYPE_LIST: return put_items(out, v, row, 0);
  case LF_TYPE_MAP: return put_items(out, v, row, 1);
  default: fprintf(stderr, "arrow_ndjson: column %s: type not supported\n", lf_view_name(v));
  }
  return -1;
}

int arrow_ndjson_write(FILE *out, const struct ArrowSchema *s, const struct ArrowArray *a) {
  char msg[256];
  lf_error err;
  lf_view v;
  lf_error_init(&err, msg, sizeof msg);
  if (lf_view_init(&v, s, a, &err) != LF_OK) {
    fprintf(stderr, "arrow_ndjson: %s\n", msg);
    return -1;
  }
  for (int64_t r = 0; r < v.length; r++) {
    if (put_struct(out, &v, r) != 0) return -1;
    fputc('\n', out);
  }
  return ferror(out) ? -1 : 0;
}
