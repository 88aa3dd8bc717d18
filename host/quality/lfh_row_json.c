/* lfh_row_json — a row as JSON with redaction (see lfh_row_json.h). */
#include "quality/lfh_row_json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/lfh_clock.h"
#include "util/lfh_take.h"

#define ROW_JSON_MAX_DEPTH 64
#define ROW_JSON_MAX_ITEMS 100 /* list/map items shown; the rest summarised */

typedef struct rj {
  const char *const *redact;
  size_t n_redact;
  size_t max_len;
  char path[1024]; /* dotted path of the current column */
} rj;

/* ------------------------------------------------------------ redaction */

/* Reads one little-endian int32 of Arrow's metadata encoding. */
static int32_t md_int(const char *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

int lfh_field_is_secret(const struct ArrowSchema *field) {
  const char *m = field ? field->metadata : NULL;
  if (!m) return 0;
  int32_t n = md_int(m);
  const char *p = m + 4;
  size_t klen_want = strlen(LFH_ROW_JSON_SECRET_KEY);
  for (int32_t i = 0; i < n; i++) {
    int32_t kl = md_int(p);
    const char *k = p + 4;
    int32_t vl = md_int(k + kl);
    const char *v = k + kl + 4;
    if (kl < 0 || vl < 0) return 0;
    if ((size_t)kl == klen_want && memcmp(k, LFH_ROW_JSON_SECRET_KEY, klen_want) == 0 &&
        vl == 4 && strncasecmp(v, "true", 4) == 0)
      return 1;
    p = v + vl;
  }
  return 0;
}

static int path_listed(const rj *c) {
  for (size_t i = 0; i < c->n_redact; i++)
    if (c->redact[i] && strcasecmp(c->redact[i], c->path) == 0) return 1;
  return 0;
}

/* ------------------------------------------------------------ scalars */

static int is_valid(const struct ArrowArray *a, int64_t phys) {
  const uint8_t *v = a->n_buffers > 0 && a->buffers ? a->buffers[0] : NULL;
  return !v || a->null_count == 0 || ((v[phys >> 3] >> (phys & 7)) & 1);
}

/* A string shortened past max_len bytes (at a UTF-8 boundary) with "...". */
static json_t *text_value(const rj *c, const char *s, size_t n) {
  int cut = 0;
  if (n > c->max_len) {
    n = c->max_len;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    cut = 1;
  }
  char *tmp = malloc(n + 4);
  if (!tmp) return NULL;
  if (n) memcpy(tmp, s, n); /* s may be NULL for an empty value */
  memcpy(tmp + n, cut ? "..." : "", cut ? 4 : 1);
  json_t *j = json_stringn(tmp, n + (cut ? 3 : 0));
  free(tmp);
  return j ? j : json_string("<invalid utf-8>");
}

static json_t *hex_value(const rj *c, const uint8_t *p, size_t n) {
  size_t shown = n * 2 > c->max_len ? c->max_len / 2 : n;
  char *tmp = malloc(shown * 2 + 6);
  if (!tmp) return NULL;
  memcpy(tmp, "0x", 2);
  for (size_t i = 0; i < shown; i++) snprintf(tmp + 2 + i * 2, 3, "%02x", p[i]);
  strcpy(tmp + 2 + shown * 2, shown < n ? "..." : "");
  json_t *j = json_string(tmp);
  free(tmp);
  return j;
}

static json_t *time_value(int64_t us, int with_date, int with_time, int utc) {
  int64_t frac;
  struct tm tm;
  if (lfh_utc_tm(us, &tm, &frac) != 0) return json_string("<out of range>");
  char buf[64];
  if (with_date && !with_time)
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  else
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld%s", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac,
             utc ? "Z" : "");
  return json_string(buf);
}

static json_t *double_value(double d) {
  if (isnan(d)) return json_string("NaN");
  if (isinf(d)) return json_string(d > 0 ? "Infinity" : "-Infinity");
  return json_real(d);
}

/* Timestamps: unit letter of "ts?:" to a multiplier/divisor towards microseconds. */
static int64_t to_micros(char unit, int64_t v) {
  switch (unit) {
  case 's': return v * 1000000;
  case 'm': return v * 1000;
  case 'n': return v / 1000;
  default: return v;
  }
}

static json_t *fixed_value(const char *f, const uint8_t *p) {
  int64_t i64;
  int32_t i32;
  int16_t i16;
  double d;
  float fl;
  if (!strcmp(f, "c")) return json_integer((int8_t)p[0]);
  if (!strcmp(f, "C")) return json_integer(p[0]);
  if (!strcmp(f, "s") || !strcmp(f, "S")) {
    memcpy(&i16, p, 2);
    return json_integer(f[0] == 's' ? (json_int_t)i16 : (json_int_t)(uint16_t)i16);
  }
  if (!strcmp(f, "i") || !strcmp(f, "I") || !strcmp(f, "tdD")) {
    memcpy(&i32, p, 4);
    if (f[0] == 't') return time_value((int64_t)i32 * 86400000000LL, 1, 0, 0);
    return json_integer(f[0] == 'i' ? (json_int_t)i32 : (json_int_t)(uint32_t)i32);
  }
  if (!strcmp(f, "l")) {
    memcpy(&i64, p, 8);
    return json_integer(i64);
  }
  if (!strcmp(f, "L")) { /* beyond json_int_t's range: as a string */
    uint64_t u;
    memcpy(&u, p, 8);
    return u <= INT64_MAX ? json_integer((json_int_t)u) : json_sprintf("%llu", (unsigned long long)u);
  }
  if (!strcmp(f, "f")) {
    memcpy(&fl, p, 4);
    return double_value(fl);
  }
  if (!strcmp(f, "g")) {
    memcpy(&d, p, 8);
    return double_value(d);
  }
  if (!strncmp(f, "ts", 2) && f[2] && f[3] == ':') {
    memcpy(&i64, p, 8);
    return time_value(to_micros(f[2], i64), 1, 1, f[4] != '\0');
  }
  return NULL; /* not one of these: the caller decides */
}

/* ------------------------------------------------------------ nested */

static json_t *value_at(rj *c, const struct ArrowSchema *s, const struct ArrowArray *a,
                        int64_t phys, int depth);

/* Appends ".name" to the current path; returns the old length to restore. */
static size_t path_push(rj *c, const char *name) {
  size_t old = strlen(c->path);
  snprintf(c->path + old, sizeof c->path - old, "%s%s", old ? "." : "", name ? name : "");
  return old;
}

static json_t *struct_value(rj *c, const struct ArrowSchema *s, const struct ArrowArray *a,
                            int64_t phys, int depth) {
  json_t *o = json_object();
  for (int64_t i = 0; o && i < a->n_children && i < s->n_children; i++) {
    const struct ArrowSchema *cs = s->children[i];
    size_t old = path_push(c, cs->name);
    const struct ArrowArray *ca = a->children[i];
    json_t *v = value_at(c, cs, ca, ca->offset + phys, depth + 1);
    c->path[old] = '\0';
    if (!v || json_object_set_new(o, cs->name ? cs->name : "", v) != 0) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

static void range_at(const struct ArrowArray *a, int wide, int64_t phys, int64_t *b, int64_t *e) {
  if (wide) {
    *b = ((const int64_t *)a->buffers[1])[phys];
    *e = ((const int64_t *)a->buffers[1])[phys + 1];
  } else {
    *b = ((const int32_t *)a->buffers[1])[phys];
    *e = ((const int32_t *)a->buffers[1])[phys + 1];
  }
}

static json_t *list_value(rj *c, const struct ArrowSchema *s, const struct ArrowArray *a,
                          int64_t phys, int depth, int wide) {
  int64_t b, e;
  range_at(a, wide, phys, &b, &e);
  const struct ArrowArray *ca = a->children[0];
  json_t *arr = json_array();
  for (int64_t j = b; arr && j < e; j++) {
    json_t *v = j - b < ROW_JSON_MAX_ITEMS
                    ? value_at(c, s->children[0], ca, ca->offset + j, depth + 1)
                    : json_sprintf("... %lld more", (long long)(e - j));
    if (!v || json_array_append_new(arr, v) != 0) {
      json_decref(arr);
      return NULL;
    }
    if (j - b >= ROW_JSON_MAX_ITEMS) break;
  }
  return arr;
}

/* A map with utf8 keys becomes an object, any other map an array of {key, value}. */
static json_t *map_value(rj *c, const struct ArrowSchema *s, const struct ArrowArray *a,
                         int64_t phys, int depth) {
  const struct ArrowArray *ent = a->children[0];
  const struct ArrowSchema *es = s->children[0];
  if (ent->n_children != 2 || es->n_children != 2) return json_string("<malformed map>");
  int string_keys = strcmp(es->children[0]->format, "u") == 0;
  int64_t b, e;
  range_at(a, 0, phys, &b, &e);
  json_t *out = string_keys ? json_object() : json_array();
  for (int64_t j = b; out && j < e && j - b < ROW_JSON_MAX_ITEMS; j++) {
    int64_t ep = ent->offset + j;
    const struct ArrowArray *ka = ent->children[0], *va = ent->children[1];
    json_t *k = value_at(c, es->children[0], ka, ka->offset + ep, depth + 1);
    json_t *v = value_at(c, es->children[1], va, va->offset + ep, depth + 1);
    int rc = -1;
    if (k && v && string_keys && json_is_string(k))
      rc = json_object_set_new(out, json_string_value(k), v), v = NULL;
    else if (k && v && !string_keys)
      rc = json_array_append_new(out, json_pack("{s:o,s:o}", "key", k, "value", v)), k = v = NULL;
    json_decref(k);
    json_decref(v);
    if (rc != 0) {
      json_decref(out);
      return NULL;
    }
  }
  return out;
}

static json_t *value_at(rj *c, const struct ArrowSchema *s, const struct ArrowArray *a,
                        int64_t phys, int depth) {
  if (!is_valid(a, phys)) return json_null();
  if (path_listed(c) || lfh_field_is_secret(s)) return json_string("***");
  if (depth > ROW_JSON_MAX_DEPTH) return json_string("<too deep>");
  const char *f = s->format ? s->format : "";
  if (!strcmp(f, "n")) return json_null();
  if (!strcmp(f, "b"))
    return json_boolean((((const uint8_t *)a->buffers[1])[phys >> 3] >> (phys & 7)) & 1);
  if (!strcmp(f, "+s")) return struct_value(c, s, a, phys, depth);
  if (!strcmp(f, "+l") || !strcmp(f, "+L")) return list_value(c, s, a, phys, depth, f[1] == 'L');
  if (!strcmp(f, "+m")) return map_value(c, s, a, phys, depth);
  if (!strcmp(f, "u") || !strcmp(f, "z") || !strcmp(f, "U") || !strcmp(f, "Z")) {
    int64_t b, e;
    range_at(a, f[0] == 'U' || f[0] == 'Z', phys, &b, &e);
    const char *data = e > b ? (const char *)a->buffers[2] + b : "";
    if (f[0] == 'u' || f[0] == 'U') return text_value(c, data, (size_t)(e - b));
    return hex_value(c, (const uint8_t *)data, (size_t)(e - b));
  }
  size_t w = lfh_format_fixed_width(f);
  if (w > 0) {
    const uint8_t *p = (const uint8_t *)a->buffers[1] + (size_t)phys * w;
    json_t *v = fixed_value(f, p);
    if (v) return v;
    if (!strncmp(f, "w:", 2)) return hex_value(c, p, w);
  }
  return json_sprintf("<format %s>", f);
}

char *lfh_row_json(const struct ArrowSchema *schema, const struct ArrowArray *batch, int64_t row,
                   const char *const *redact, size_t n_redact, size_t max_len) {
  if (!schema || !batch || !schema->format || strcmp(schema->format, "+s") != 0 || row < 0 ||
      row >= batch->length || batch->n_children != schema->n_children)
    return NULL;
  rj c = {redact, n_redact, max_len ? max_len : 1, {0}};
  json_t *v = value_at(&c, schema, batch, batch->offset + row, 0);
  char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  json_decref(v);
  return text;
}
