/* lf_builder.c — building Arrow arrays: growable buffers, validity bitmaps, nested
 * builders, and finishing into ArrowArray/ArrowSchema pairs with release callbacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf_sdk_internal.h"

/* ------------------------------------------------------------ growable buffers */

typedef struct lf_buf {
  uint8_t *data;
  size_t size;
  size_t cap;
} lf_buf;

static int buf_reserve(lf_buf *b, size_t extra) {
  if (extra > SIZE_MAX - b->size) return LF_ERR_NOMEM;
  size_t need = b->size + extra;
  if (need <= b->cap) return LF_OK;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  uint8_t *d = realloc(b->data, cap);
  if (!d) return LF_ERR_NOMEM;
  /* Zeroed so bitmaps start all-zero and padding never holds stale heap bytes. */
  memset(d + b->cap, 0, cap - b->cap);
  b->data = d;
  b->cap = cap;
  return LF_OK;
}

static int buf_append(lf_buf *b, const void *p, size_t n) {
  int rc = buf_reserve(b, n);
  if (rc != LF_OK) return rc;
  if (n) memcpy(b->data + b->size, p, n);
  b->size += n;
  return LF_OK;
}

/* Sets bit `i` (0 or 1) of a bitmap whose bits below i are already written. */
static int bits_set(lf_buf *b, int64_t i, int bit) {
  size_t byte = (size_t)(i / 8);
  if (byte >= b->size) {
    int rc = buf_reserve(b, byte + 1 - b->size);
    if (rc != LF_OK) return rc;
    b->size = byte + 1;
  }
  if (bit) b->data[byte] |= (uint8_t)(1u << (i % 8));
  else b->data[byte] &= (uint8_t)~(1u << (i % 8));
  return LF_OK;
}

/* Hands the buffer's memory to the caller (never NULL: empty arrays still get a valid
 * pointer, which some consumers require) and leaves the lf_buf empty. */
static void *buf_steal(lf_buf *b) {
  void *d = b->data;
  if (!d) d = calloc(1, 8);
  b->data = NULL;
  b->size = b->cap = 0;
  return d;
}

/* ------------------------------------------------------------ builders */

#define LF_REASON_CAP 200

struct lf_builder {
  lf_type type;
  char *format;
  char *name;
  int64_t flags;
  int64_t length;
  int64_t null_count;
  lf_buf validity; /* one bit per element, always kept; dropped at finish if no nulls */
  lf_buf values;   /* fixed-width values, bool bits, or utf8/binary bytes */
  lf_buf offsets;  /* int32 offsets (utf8, binary, list, map), starts with one 0 */
  lf_builder **children;
  int64_t n_children;
  int64_t children_cap;
  lf_builder *parent; /* NULL for the root */
  /* Root only: the first failure, reported by lf_builder_finish. */
  int status;
  char reason[LF_REASON_CAP];
};

static lf_builder *root_of(lf_builder *b) {
  while (b->parent) b = b->parent;
  return b;
}

/* Records the first failure on the root and returns `code`. */
static int poison(lf_builder *b, int code, const char *what) {
  lf_builder *r = root_of(b);
  if (r->status == LF_OK) {
    r->status = code;
    (void)snprintf(r->reason, sizeof(r->reason), "column '%s' (%s): %s", b->name, b->format,
                   what);
  }
  return code;
}

static int has_offsets(lf_type t) {
  return t == LF_TYPE_UTF8 || t == LF_TYPE_BINARY || t == LF_TYPE_LIST || t == LF_TYPE_MAP;
}

static size_t value_width(lf_type t) {
  switch (t) {
  case LF_TYPE_INT32: return 4;
  case LF_TYPE_INT64:
  case LF_TYPE_TIMESTAMP:
  case LF_TYPE_DOUBLE: return 8;
  default: return 0;
  }
}

static void builder_free(lf_builder *b) {
  if (!b) return;
  for (int64_t i = 0; i < b->n_children; i++) builder_free(b->children[i]);
  free(b->children);
  free(b->validity.data);
  free(b->values.data);
  free(b->offsets.data);
  free(b->format);
  free(b->name);
  free(b);
}

static int attach_child(lf_builder *parent, lf_builder *child) {
  if (parent->n_children == parent->children_cap) {
    int64_t cap = parent->children_cap ? parent->children_cap * 2 : 4;
    lf_builder **c = realloc(parent->children, (size_t)cap * sizeof(*c));
    if (!c) return LF_ERR_NOMEM;
    parent->children = c;
    parent->children_cap = cap;
  }
  parent->children[parent->n_children++] = child;
  child->parent = parent;
  return LF_OK;
}

static lf_builder *builder_make(const char *format, const char *name) {
  lf_type t = lf_format_type(format);
  if (t == LF_TYPE_UNSUPPORTED) return NULL;
  lf_builder *b = calloc(1, sizeof(*b));
  if (!b) return NULL;
  b->type = t;
  b->flags = ARROW_FLAG_NULLABLE;
  b->format = lf__strdup(format);
  b->name = lf__strdup(name ? name : "");
  if (!b->format || !b->name) goto fail;
  int32_t zero = 0;
  if (has_offsets(t) && buf_append(&b->offsets, &zero, sizeof(zero)) != LF_OK) goto fail;
  if (t == LF_TYPE_MAP) {
    /* Arrow's map is a list of non-nullable "entries" structs {key, value}; callers add
     * key and value and we keep the wrapper out of their way. */
    lf_builder *entries = builder_make(LF_FORMAT_STRUCT, "entries");
    if (!entries) goto fail;
    entries->flags = 0;
    if (attach_child(b, entries) != LF_OK) {
      builder_free(entries);
      goto fail;
    }
  }
  return b;
fail:
  builder_free(b);
  return NULL;
}

lf_builder *lf_builder_new(const char *format, const char *name) {
  return builder_make(format, name);
}

lf_builder *lf_builder_add_child(lf_builder *parent, const char *format, const char *name) {
  if (!parent) return NULL;
  lf_builder *target = parent;
  int64_t max = INT64_MAX;
  switch (parent->type) {
  case LF_TYPE_STRUCT: break;
  case LF_TYPE_LIST: max = 1; break;
  case LF_TYPE_MAP: target = parent->children[0]; max = 2; break;
  default:
    poison(parent, LF_ERR_INVALID, "only struct, list and map builders take children");
    return NULL;
  }
  if (target->n_children >= max) {
    poison(parent, LF_ERR_INVALID, "too many children for this type");
    return NULL;
  }
  if (target->length > 0 && parent->type == LF_TYPE_STRUCT) {
    poison(parent, LF_ERR_INVALID, "add every child before appending rows");
    return NULL;
  }
  lf_builder *c = builder_make(format, name);
  if (!c) {
    poison(parent, LF_ERR_INVALID, "unsupported child format or out of memory");
    return NULL;
  }
  if (parent->type == LF_TYPE_MAP && target->n_children == 0) c->flags = 0; /* keys */
  if (attach_child(target, c) != LF_OK) {
    builder_free(c);
    poison(parent, LF_ERR_NOMEM, "out of memory adding a child");
    return NULL;
  }
  return c;
}

void lf_builder_set_nullable(lf_builder *b, int nullable) {
  if (!b) return;
  if (nullable) b->flags |= ARROW_FLAG_NULLABLE;
  else b->flags &= ~(int64_t)ARROW_FLAG_NULLABLE;
}

int64_t lf_builder_length(const lf_builder *b) {
  return b ? b->length : 0;
}

/* Common prologue of every append: refuse a failed tree or the wrong type. */
static int check(lf_builder *b, lf_type want) {
  if (!b) return LF_ERR_INVALID;
  lf_builder *r = root_of(b);
  if (r->status != LF_OK) return r->status;
  if (b->type != want) return poison(b, LF_ERR_INVALID, "append of the wrong type");
  return LF_OK;
}

/* Writes the validity bit of the element about to be added and counts it. */
static int push_validity(lf_builder *b, int valid) {
  if (bits_set(&b->validity, b->length, valid) != LF_OK)
    return poison(b, LF_ERR_NOMEM, "out of memory");
  if (!valid) b->null_count++;
  b->length++;
  return LF_OK;
}

static int push_fixed(lf_builder *b, lf_type t, const void *v, size_t n) {
  int rc = check(b, t);
  if (rc != LF_OK) return rc;
  if (buf_append(&b->values, v, n) != LF_OK) return poison(b, LF_ERR_NOMEM, "out of memory");
  return push_validity(b, 1);
}

int lf_builder_append_int32(lf_builder *b, int32_t v) {
  return push_fixed(b, LF_TYPE_INT32, &v, sizeof(v));
}

int lf_builder_append_int64(lf_builder *b, int64_t v) {
  return push_fixed(b, LF_TYPE_INT64, &v, sizeof(v));
}

int lf_builder_append_double(lf_builder *b, double v) {
  return push_fixed(b, LF_TYPE_DOUBLE, &v, sizeof(v));
}

int lf_builder_append_timestamp(lf_builder *b, int64_t micros) {
  return push_fixed(b, LF_TYPE_TIMESTAMP, &micros, sizeof(micros));
}

int lf_builder_append_bool(lf_builder *b, int v) {
  int rc = check(b, LF_TYPE_BOOL);
  if (rc != LF_OK) return rc;
  if (bits_set(&b->values, b->length, v != 0) != LF_OK)
    return poison(b, LF_ERR_NOMEM, "out of memory");
  return push_validity(b, 1);
}

/* Appends the int32 end offset `end`, refusing what int32 offsets cannot address. */
static int push_offset(lf_builder *b, int64_t end) {
  if (end > INT32_MAX) return poison(b, LF_ERR_INVALID, "more than 2 GiB or 2^31 items");
  int32_t o = (int32_t)end;
  if (buf_append(&b->offsets, &o, sizeof(o)) != LF_OK)
    return poison(b, LF_ERR_NOMEM, "out of memory");
  return LF_OK;
}

static int push_bytes(lf_builder *b, lf_type t, const void *p, size_t len) {
  int rc = check(b, t);
  if (rc != LF_OK) return rc;
  if (len > 0 && !p) return poison(b, LF_ERR_INVALID, "NULL data with a non-zero length");
  if (len > (size_t)INT32_MAX || b->values.size + len > (size_t)INT32_MAX)
    return poison(b, LF_ERR_INVALID, "more than 2 GiB of data");
  if (buf_append(&b->values, p, len) != LF_OK) return poison(b, LF_ERR_NOMEM, "out of memory");
  rc = push_offset(b, (int64_t)b->values.size);
  return rc != LF_OK ? rc : push_validity(b, 1);
}

int lf_builder_append_utf8(lf_builder *b, const char *s, size_t len) {
  return push_bytes(b, LF_TYPE_UTF8, s, len);
}

int lf_builder_append_cstr(lf_builder *b, const char *s) {
  return push_bytes(b, LF_TYPE_UTF8, s, s ? strlen(s) : 0);
}

int lf_builder_append_binary(lf_builder *b, const void *data, size_t len) {
  return push_bytes(b, LF_TYPE_BINARY, data, len);
}

int lf_builder_append_struct(lf_builder *b) {
  int rc = check(b, LF_TYPE_STRUCT);
  return rc != LF_OK ? rc : push_validity(b, 1);
}

/* Closes one list/map element over the child items appended since the previous one. */
static int close_element(lf_builder *b, lf_type t) {
  int rc = check(b, t);
  if (rc != LF_OK) return rc;
  if (b->n_children == 0) return poison(b, LF_ERR_INVALID, "no child added");
  lf_builder *items = b->children[0];
  if (t == LF_TYPE_MAP) {
    if (items->n_children != 2) return poison(b, LF_ERR_INVALID, "a map needs key and value");
    if (items->children[0]->length != items->children[1]->length)
      return poison(b, LF_ERR_INVALID, "keys and values differ in count");
    items->length = items->children[0]->length; /* entries rows are never null */
  }
  rc = push_offset(b, items->length);
  return rc != LF_OK ? rc : push_validity(b, 1);
}

int lf_builder_append_list(lf_builder *b) {
  return close_element(b, LF_TYPE_LIST);
}

int lf_builder_append_map(lf_builder *b) {
  return close_element(b, LF_TYPE_MAP);
}

/* Appends one slot with no content: null if the column is nullable, otherwise a zero /
 * empty value (Arrow requires a slot under a null struct row even in a non-nullable
 * child, and its value is then irrelevant). */
static int append_slot(lf_builder *b, int as_null) {
  lf_builder *r = root_of(b);
  if (r->status != LF_OK) return r->status;
  static const uint8_t zeros[8];
  int rc = LF_OK;
  switch (b->type) {
  case LF_TYPE_BOOL: rc = bits_set(&b->values, b->length, 0); break;
  case LF_TYPE_UTF8:
  case LF_TYPE_BINARY: return push_offset(b, (int64_t)b->values.size) != LF_OK
                                  ? r->status : push_validity(b, !as_null);
  case LF_TYPE_LIST:
  case LF_TYPE_MAP: {
    int64_t end = b->n_children ? b->children[0]->length : 0;
    return push_offset(b, end) != LF_OK ? r->status : push_validity(b, !as_null);
  }
  case LF_TYPE_STRUCT:
    for (int64_t i = 0; i < b->n_children; i++) {
      lf_builder *c = b->children[i];
      rc = append_slot(c, (c->flags & ARROW_FLAG_NULLABLE) != 0);
      if (rc != LF_OK) return rc;
    }
    return push_validity(b, !as_null);
  default: rc = buf_append(&b->values, zeros, value_width(b->type)); break;
  }
  if (rc != LF_OK) return poison(b, LF_ERR_NOMEM, "out of memory");
  return push_validity(b, !as_null);
}

int lf_builder_append_null(lf_builder *b) {
  if (!b) return LF_ERR_INVALID;
  lf_builder *r = root_of(b);
  if (r->status != LF_OK) return r->status;
  if (!(b->flags & ARROW_FLAG_NULLABLE))
    return poison(b, LF_ERR_INVALID, "null appended to a non-nullable column");
  return append_slot(b, 1);
}

void lf_builder_free(lf_builder *b) {
  if (b && !b->parent) builder_free(b);
}

/* ------------------------------------------------------------ finishing */

/* What a finished array owns: its buffers. Children are separate ArrowArrays with their
 * own release, so a consumer may move one out and release the parent (Arrow allows it). */
typedef struct array_priv {
  const void *buffers[3];
} array_priv;

static void array_release(struct ArrowArray *a) {
  for (int64_t i = 0; i < a->n_children; i++) {
    lf_array_release(a->children[i]);
    free(a->children[i]);
  }
  free(a->children);
  array_priv *p = a->private_data;
  if (p) {
    for (int i = 0; i < 3; i++) free((void *)p->buffers[i]);
    free(p);
  }
  a->release = NULL;
}

/* An empty, owned array shell with n_children released child slots. */
static int array_shell(struct ArrowArray *out, int64_t n_children) {
  memset(out, 0, sizeof(*out));
  array_priv *p = calloc(1, sizeof(*p));
  if (!p) return LF_ERR_NOMEM;
  out->private_data = p;
  out->buffers = p->buffers;
  out->release = array_release;
  if (n_children == 0) return LF_OK;
  out->children = calloc((size_t)n_children, sizeof(*out->children));
  if (!out->children) goto fail;
  for (int64_t i = 0; i < n_children; i++) {
    out->n_children = i + 1; /* so a failure below frees exactly what exists */
    out->children[i] = calloc(1, sizeof(*out->children[i]));
    if (!out->children[i]) goto fail;
  }
  return LF_OK;
fail:
  array_release(out);
  return LF_ERR_NOMEM;
}

static int finish_array(lf_builder *b, struct ArrowArray *out, lf_error *err) {
  for (int64_t i = 0; b->type == LF_TYPE_STRUCT && i < b->n_children; i++)
    if (b->children[i]->length != b->length)
      return lf_error_set(err, LF_ERR_INVALID,
                          "struct '%s' has %lld rows but its child '%s' has %lld", b->name,
                          (long long)b->length, b->children[i]->name,
                          (long long)b->children[i]->length);
  if ((b->type == LF_TYPE_LIST || b->type == LF_TYPE_MAP) && b->n_children == 0)
    return lf_error_set(err, LF_ERR_INVALID, "'%s' (%s) has no child", b->name, b->format);
  if (b->type == LF_TYPE_MAP && b->children[0]->n_children != 2)
    return lf_error_set(err, LF_ERR_INVALID, "map '%s' needs a key and a value", b->name);
  if (array_shell(out, b->n_children) != LF_OK)
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory finishing '%s'", b->name);
  array_priv *p = out->private_data;
  out->length = b->length;
  out->null_count = b->null_count;
  /* A validity bitmap with no nulls is dropped: NULL means "all valid" in Arrow. */
  p->buffers[0] = b->null_count ? buf_steal(&b->validity) : NULL;
  int n = 1;
  if (b->type == LF_TYPE_LIST || b->type == LF_TYPE_MAP) p->buffers[n++] = buf_steal(&b->offsets);
  else if (has_offsets(b->type)) {
    p->buffers[n++] = buf_steal(&b->offsets);
    p->buffers[n++] = buf_steal(&b->values);
  } else if (b->type != LF_TYPE_STRUCT) p->buffers[n++] = buf_steal(&b->values);
  out->n_buffers = n;
  for (int i = (b->null_count ? 0 : 1); i < n; i++)
    if (!p->buffers[i]) goto nomem;
  for (int64_t i = 0; i < b->n_children; i++) {
    int rc = finish_array(b->children[i], out->children[i], err);
    if (rc != LF_OK) {
      array_release(out);
      return rc;
    }
  }
  return LF_OK;
nomem:
  array_release(out);
  return lf_error_set(err, LF_ERR_NOMEM, "out of memory finishing '%s'", b->name);
}

static int finish_schema(const lf_builder *b, struct ArrowSchema *out, lf_error *err) {
  int rc = lf_schema_init(out, b->format, b->name, b->flags, err);
  for (int64_t i = 0; rc == LF_OK && i < b->n_children; i++) {
    struct ArrowSchema *c = NULL;
    rc = lf_schema_add_child(out, "", "", 0, &c, err);
    if (rc != LF_OK) break;
    lf_schema_release(c); /* replaced by the child's own schema */
    rc = finish_schema(b->children[i], c, err);
  }
  if (rc != LF_OK) lf_schema_release(out);
  return rc;
}

int lf_builder_finish(lf_builder *b, struct ArrowArray *out, struct ArrowSchema *schema_out,
                      lf_error *err) {
  int rc = LF_OK;
  if (out) out->release = NULL;
  if (schema_out) schema_out->release = NULL;
  if (!b || b->parent) {
    /* A child belongs to its root: finishing it alone would free it twice. */
    return lf_error_set(err, LF_ERR_INVALID, "lf_builder_finish needs a root builder");
  }
  if (!out) {
    rc = lf_error_set(err, LF_ERR_INVALID, "lf_builder_finish needs an output array");
    goto done;
  }
  if (b->status != LF_OK) {
    rc = lf_error_set(err, b->status, "%s", b->reason);
    goto done;
  }
  if (schema_out && (rc = finish_schema(b, schema_out, err)) != LF_OK) goto done;
  rc = finish_array(b, out, err);
  if (rc != LF_OK && schema_out) lf_schema_release(schema_out);
done:
  builder_free(b);
  return rc;
}

/* ------------------------------------------------------------ assembling structs */

int lf_array_make_struct(struct ArrowArray *out, int64_t length, int64_t offset,
                         struct ArrowArray *children, int64_t n_children, lf_error *err) {
  int rc = LF_OK;
  out->release = NULL;
  if (length < 0 || offset < 0 || n_children < 0 || (n_children > 0 && !children)) {
    rc = lf_error_set(err, LF_ERR_INVALID, "lf_array_make_struct: bad arguments");
    goto fail;
  }
  if (array_shell(out, n_children) != LF_OK) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory assembling a struct");
    goto fail;
  }
  out->length = length;
  out->offset = offset;
  out->n_buffers = 1; /* validity only, NULL: no struct-level nulls */
  for (int64_t i = 0; i < n_children; i++)
    lf_array_move(&children[i], out->children[i]);
  for (int64_t i = 0; i < n_children; i++) {
    if (!out->children[i]->release || out->children[i]->length < offset + length) {
      rc = lf_error_set(err, LF_ERR_INVALID, "struct child %lld is released or too short",
                        (long long)i);
      lf_array_release(out);
      return rc;
    }
  }
  return LF_OK;
fail:
  for (int64_t i = 0; children && i < n_children; i++) lf_array_release(&children[i]);
  return rc;
}
