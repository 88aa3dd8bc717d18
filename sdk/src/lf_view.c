/* lf_view.c — validating and reading ArrowSchema/ArrowArray pairs from other producers.
 * Everything a plugin receives crosses a trust boundary, so lf_view_init checks the
 * whole tree once and the accessors can then read without further checks. */
#include <string.h>

#include "lf_sdk_internal.h"

#define LF_MAX_DEPTH 64

/* Buffers each type carries, per the Arrow columnar format. */
static int64_t expected_buffers(lf_type t) {
  switch (t) {
  case LF_TYPE_STRUCT: return 1;
  case LF_TYPE_UTF8:
  case LF_TYPE_BINARY: return 3;
  default: return 2;
  }
}

static int bad(lf_error *err, const char *path, const char *what) {
  return lf_error_set(err, LF_ERR_DATA, "invalid Arrow array at '%s': %s", path, what);
}

/* Offsets [offset, offset+length] must be non-negative, monotonic, and (for nested
 * types) end within the child's `limit` items; limit < 0 means unknown (utf8 bytes). */
static int check_offsets(const int32_t *o, int64_t offset, int64_t length, int64_t limit,
                         const char *path, lf_error *err) {
  if (length == 0 && !o) return LF_OK;
  if (!o) return bad(err, path, "offsets buffer is NULL");
  if (o[offset] < 0) return bad(err, path, "negative offset");
  for (int64_t i = offset; i < offset + length; i++)
    if (o[i + 1] < o[i]) return bad(err, path, "offsets are not monotonic");
  if (limit >= 0 && o[offset + length] > limit)
    return bad(err, path, "offsets point past the end of the child");
  return LF_OK;
}

static int validate(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t min_len,
                    int depth, const char *path, lf_error *err);

/* Children of struct/list/map: counts match between schema and array, then recurse with
 * the number of rows each child must at least have. */
static int validate_children(const struct ArrowSchema *s, const struct ArrowArray *a,
                             lf_type t, int depth, const char *path, lf_error *err) {
  if (s->n_children != a->n_children)
    return bad(err, path, "schema and array differ in child count");
  if (t != LF_TYPE_STRUCT && s->n_children != 1)
    return bad(err, path, "a list or map needs exactly one child");
  if (s->n_children > 0 && (!s->children || !a->children))
    return bad(err, path, "children pointer is NULL");
  for (int64_t i = 0; i < s->n_children; i++) {
    const struct ArrowSchema *cs = s->children[i];
    const struct ArrowArray *ca = a->children[i];
    if (!cs || !ca) return bad(err, path, "a child is NULL");
    int64_t need = 0;
    if (t == LF_TYPE_STRUCT) need = a->offset + a->length;
    const char *cname = cs->name && cs->name[0] ? cs->name : "?";
    int rc = validate(cs, ca, need, depth + 1, cname, err);
    if (rc != LF_OK) return rc;
    if (t == LF_TYPE_LIST || t == LF_TYPE_MAP) {
      const int32_t *o = a->length ? a->buffers[1] : NULL;
      rc = check_offsets(o, a->offset, a->length, ca->length, path, err);
      if (rc != LF_OK) return rc;
    }
    if (t == LF_TYPE_MAP &&
        (lf_format_type(cs->format) != LF_TYPE_STRUCT || cs->n_children != 2))
      return bad(err, path, "a map's child must be a struct of key and value");
  }
  return LF_OK;
}

static int validate(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t min_len,
                    int depth, const char *path, lf_error *err) {
  if (depth > LF_MAX_DEPTH) return bad(err, path, "nested too deeply");
  if (!s || !s->release || !s->format) return bad(err, path, "schema is NULL or released");
  if (!a || !a->release) return bad(err, path, "array is NULL or released");
  lf_type t = lf_format_type(s->format);
  if (t == LF_TYPE_UNSUPPORTED)
    return lf_error_set(err, LF_ERR_UNSUPPORTED, "unsupported Arrow format '%s' at '%s'",
                        s->format, path);
  if (s->dictionary || a->dictionary) return bad(err, path, "dictionaries are not supported");
  if (a->length < 0 || a->offset < 0 || a->length > INT64_MAX - a->offset - 1)
    return bad(err, path, "negative or overflowing length/offset");
  if (a->length + a->offset < min_len) return bad(err, path, "child shorter than its parent");
  if (a->null_count < -1 || a->null_count > a->length) return bad(err, path, "bad null_count");
  if (a->n_buffers != expected_buffers(t)) return bad(err, path, "wrong n_buffers for format");
  if (!a->buffers) return bad(err, path, "buffers pointer is NULL");
  if (!a->buffers[0] && a->null_count != 0)
    return bad(err, path, "validity bitmap is NULL but the array may have nulls");
  int64_t physical = a->offset + a->length;
  /* Values/offsets may only be absent when nothing would be read from them; utf8 data is
   * checked below, once we know whether any byte is referenced. */
  if (a->n_buffers > 1 && !a->buffers[1] && physical > 0)
    return bad(err, path, "a required buffer is NULL");
  if (t == LF_TYPE_UTF8 || t == LF_TYPE_BINARY) {
    const int32_t *o = a->buffers[1];
    int rc = check_offsets(a->length ? o : NULL, a->offset, a->length, -1, path, err);
    if (rc != LF_OK) return rc;
    if (a->length && o[a->offset + a->length] > o[a->offset] && !a->buffers[2])
      return bad(err, path, "data buffer is NULL");
  }
  if (t == LF_TYPE_STRUCT || t == LF_TYPE_LIST || t == LF_TYPE_MAP)
    return validate_children(s, a, t, depth, path, err);
  if (s->n_children != 0 || a->n_children != 0)
    return bad(err, path, "a primitive column has children");
  return LF_OK;
}

/* Fills a view over (s, a) that has already been validated; `extra` is the parent's
 * offset, which a struct child inherits. */
static void fill(lf_view *v, const struct ArrowSchema *s, const struct ArrowArray *a,
                 int64_t extra, int64_t length) {
  memset(v, 0, sizeof(*v));
  v->schema = s;
  v->array = a;
  v->type = lf_format_type(s->format);
  v->length = length;
  v->offset = a->offset + extra;
  v->null_count = a->null_count;
  v->validity = a->buffers[0];
  switch (v->type) {
  case LF_TYPE_STRUCT: break;
  case LF_TYPE_UTF8:
  case LF_TYPE_BINARY:
    v->offsets = a->buffers[1];
    v->values = a->buffers[2];
    break;
  case LF_TYPE_LIST:
  case LF_TYPE_MAP: v->offsets = a->buffers[1]; break;
  default: v->values = a->buffers[1]; break;
  }
  if (v->length == 0) v->offsets = NULL;
}

int lf_view_init(lf_view *v, const struct ArrowSchema *schema, const struct ArrowArray *array,
                 lf_error *err) {
  memset(v, 0, sizeof(*v));
  const char *path = schema && schema->name && schema->name[0] ? schema->name : "<root>";
  int rc = validate(schema, array, 0, 0, path, err);
  if (rc != LF_OK) return rc;
  fill(v, schema, array, 0, array->length);
  return LF_OK;
}

int64_t lf_view_n_children(const lf_view *v) {
  return v->schema ? v->schema->n_children : 0;
}

const char *lf_view_name(const lf_view *v) {
  return v->schema && v->schema->name ? v->schema->name : "";
}

int lf_view_child(const lf_view *v, int64_t i, lf_view *out) {
  if (!v->schema || i < 0 || i >= v->schema->n_children) {
    memset(out, 0, sizeof(*out));
    return LF_ERR_INVALID;
  }
  const struct ArrowArray *ca = v->array->children[i];
  if (v->type == LF_TYPE_STRUCT) {
    /* Row r of a struct child is row r of the struct: the struct's whole offset (its own
     * plus what it inherited) shifts the child too. */
    fill(out, v->schema->children[i], ca, v->offset, v->length);
  } else {
    fill(out, v->schema->children[i], ca, 0, ca->length);
  }
  return LF_OK;
}

int lf_view_is_valid(const lf_view *v, int64_t row) {
  if (row < 0 || row >= v->length) return 0;
  if (!v->validity) return 1;
  int64_t i = v->offset + row;
  return (v->validity[i / 8] >> (i % 8)) & 1;
}

/* True when `row` can be read from a view of type `t`. */
static int readable(const lf_view *v, int64_t row, lf_type t) {
  return v->type == t && row >= 0 && row < v->length;
}

int32_t lf_view_int32(const lf_view *v, int64_t row) {
  if (!readable(v, row, LF_TYPE_INT32)) return 0;
  return ((const int32_t *)v->values)[v->offset + row];
}

int64_t lf_view_int64(const lf_view *v, int64_t row) {
  if (!readable(v, row, LF_TYPE_INT64) && !readable(v, row, LF_TYPE_TIMESTAMP)) return 0;
  return ((const int64_t *)v->values)[v->offset + row];
}

double lf_view_double(const lf_view *v, int64_t row) {
  if (!readable(v, row, LF_TYPE_DOUBLE)) return 0.0;
  return ((const double *)v->values)[v->offset + row];
}

int lf_view_bool(const lf_view *v, int64_t row) {
  if (!readable(v, row, LF_TYPE_BOOL)) return 0;
  int64_t i = v->offset + row;
  return (((const uint8_t *)v->values)[i / 8] >> (i % 8)) & 1;
}

static const void *bytes_at(const lf_view *v, int64_t row, lf_type t, size_t *len) {
  if (len) *len = 0;
  if (!readable(v, row, t)) return NULL;
  int32_t start = v->offsets[v->offset + row], end = v->offsets[v->offset + row + 1];
  if (len) *len = (size_t)(end - start);
  /* An empty value may sit in an absent data buffer: hand out a valid empty string. */
  if (!v->values) return "";
  return (const char *)v->values + start;
}

const char *lf_view_utf8(const lf_view *v, int64_t row, size_t *len) {
  return bytes_at(v, row, LF_TYPE_UTF8, len);
}

const void *lf_view_binary(const lf_view *v, int64_t row, size_t *len) {
  return bytes_at(v, row, LF_TYPE_BINARY, len);
}

int lf_view_list_range(const lf_view *v, int64_t row, int64_t *start, int64_t *end) {
  *start = *end = 0;
  if (!readable(v, row, LF_TYPE_LIST) && !readable(v, row, LF_TYPE_MAP)) return LF_ERR_INVALID;
  *start = v->offsets[v->offset + row];
  *end = v->offsets[v->offset + row + 1];
  return LF_OK;
}
