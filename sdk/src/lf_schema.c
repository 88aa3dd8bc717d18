/* lf_schema.c — ArrowSchema helpers: make, grow, deep-copy, compare, move, release. */
#include <stdlib.h>
#include <string.h>

#include "lf_sdk_internal.h"

/* Everything a schema made here owns, freed by schema_release(). */
typedef struct schema_priv {
  char *format;
  char *name;
  char *metadata;
  int64_t children_cap;
} schema_priv;

/* Deepest nesting the recursive helpers follow; deeper input is treated as garbage
 * rather than risking the stack. */
#define LF_MAX_DEPTH 64

char *lf__strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

lf_type lf_format_type(const char *f) {
  if (!f) return LF_TYPE_UNSUPPORTED;
  if (strncmp(f, "tsu:", 4) == 0) return LF_TYPE_TIMESTAMP;
  static const struct {
    const char *format;
    lf_type type;
  } table[] = {{"i", LF_TYPE_INT32}, {"l", LF_TYPE_INT64},   {"g", LF_TYPE_DOUBLE},
               {"b", LF_TYPE_BOOL},  {"u", LF_TYPE_UTF8},    {"z", LF_TYPE_BINARY},
               {"+s", LF_TYPE_STRUCT}, {"+l", LF_TYPE_LIST}, {"+m", LF_TYPE_MAP}};
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    if (strcmp(f, table[i].format) == 0) return table[i].type;
  return LF_TYPE_UNSUPPORTED;
}

/* ------------------------------------------------------------ move / release */

void lf_schema_move(struct ArrowSchema *src, struct ArrowSchema *dst) {
  *dst = *src;
  src->release = NULL;
}

void lf_array_move(struct ArrowArray *src, struct ArrowArray *dst) {
  *dst = *src;
  src->release = NULL;
}

void lf_stream_move(struct ArrowArrayStream *src, struct ArrowArrayStream *dst) {
  *dst = *src;
  src->release = NULL;
}

void lf_schema_release(struct ArrowSchema *s) {
  if (s && s->release) s->release(s);
}

void lf_array_release(struct ArrowArray *a) {
  if (a && a->release) a->release(a);
}

/* ------------------------------------------------------------ our schemas */

/* Children and dictionary are separately malloc'd structs owned by the parent. A child
 * someone moved out of us has release == NULL and only its struct is freed. */
static void schema_release(struct ArrowSchema *s) {
  schema_priv *p = s->private_data;
  for (int64_t i = 0; i < s->n_children; i++) {
    lf_schema_release(s->children[i]);
    free(s->children[i]);
  }
  free(s->children);
  if (s->dictionary) {
    lf_schema_release(s->dictionary);
    free(s->dictionary);
  }
  if (p) {
    free(p->format);
    free(p->name);
    free(p->metadata);
    free(p);
  }
  s->release = NULL;
}

int lf__schema_is_ours(const struct ArrowSchema *s) {
  return s && s->release == schema_release;
}

int lf_schema_init(struct ArrowSchema *out, const char *format, const char *name,
                   int64_t flags, lf_error *err) {
  memset(out, 0, sizeof(*out));
  if (!format) return lf_error_set(err, LF_ERR_INVALID, "schema format is NULL");
  schema_priv *p = calloc(1, sizeof(*p));
  if (!p) goto nomem;
  out->private_data = p;
  out->release = schema_release;
  p->format = lf__strdup(format);
  p->name = lf__strdup(name ? name : "");
  if (!p->format || !p->name) goto nomem;
  out->format = p->format;
  out->name = p->name;
  out->flags = flags;
  return LF_OK;
nomem:
  if (out->release) schema_release(out);
  else free(p);
  return lf_error_set(err, LF_ERR_NOMEM, "out of memory making schema '%s'", format);
}

int lf_schema_add_child(struct ArrowSchema *parent, const char *format, const char *name,
                        int64_t flags, struct ArrowSchema **child_out, lf_error *err) {
  if (!lf__schema_is_ours(parent))
    return lf_error_set(err, LF_ERR_INVALID, "can only add children to schemas made by the SDK");
  schema_priv *p = parent->private_data;
  if (parent->n_children == p->children_cap) {
    int64_t cap = p->children_cap ? p->children_cap * 2 : 4;
    struct ArrowSchema **c = realloc(parent->children, (size_t)cap * sizeof(*c));
    if (!c) return lf_error_set(err, LF_ERR_NOMEM, "out of memory adding a child");
    parent->children = c;
    p->children_cap = cap;
  }
  struct ArrowSchema *child = malloc(sizeof(*child));
  if (!child) return lf_error_set(err, LF_ERR_NOMEM, "out of memory adding a child");
  int rc = lf_schema_init(child, format, name, flags, err);
  if (rc != LF_OK) {
    free(child);
    return rc;
  }
  parent->children[parent->n_children++] = child;
  if (child_out) *child_out = child;
  return LF_OK;
}

int64_t lf_metadata_size(const char *metadata) {
  if (!metadata) return 0;
  /* Layout: int32 n, then n times (int32 len, key bytes, int32 len, value bytes), in
   * native byte order. Lengths are bounded so garbage cannot make us run forever. */
  int32_t n;
  memcpy(&n, metadata, sizeof(n));
  if (n < 0) return -1;
  int64_t pos = 4;
  for (int64_t i = 0; i < 2 * (int64_t)n; i++) {
    int32_t len;
    memcpy(&len, metadata + pos, sizeof(len));
    if (len < 0) return -1;
    pos += 4 + len;
  }
  return pos;
}

int lf_schema_set_metadata(struct ArrowSchema *s, const char *metadata, lf_error *err) {
  if (!lf__schema_is_ours(s))
    return lf_error_set(err, LF_ERR_INVALID, "can only set metadata on schemas made by the SDK");
  int64_t size = lf_metadata_size(metadata);
  if (size < 0) return lf_error_set(err, LF_ERR_INVALID, "malformed schema metadata");
  char *copy = NULL;
  if (metadata) {
    copy = malloc((size_t)size);
    if (!copy) return lf_error_set(err, LF_ERR_NOMEM, "out of memory copying metadata");
    memcpy(copy, metadata, (size_t)size);
  }
  schema_priv *p = s->private_data;
  free(p->metadata);
  p->metadata = copy;
  s->metadata = copy;
  return LF_OK;
}

static int schema_copy_into(struct ArrowSchema *out, const struct ArrowSchema *src,
                            int depth, lf_error *err) {
  if (!src || !src->release || !src->format)
    return lf_error_set(err, LF_ERR_INVALID, "cannot copy a NULL or released schema");
  if (depth > LF_MAX_DEPTH)
    return lf_error_set(err, LF_ERR_INVALID, "schema nested deeper than %d", LF_MAX_DEPTH);
  int rc = lf_schema_init(out, src->format, src->name, src->flags, err);
  if (rc != LF_OK) return rc;
  rc = lf_schema_set_metadata(out, src->metadata, err);
  if (rc != LF_OK) goto fail;
  for (int64_t i = 0; i < src->n_children; i++) {
    struct ArrowSchema *c = NULL;
    if (!src->children || !src->children[i]) {
      rc = lf_error_set(err, LF_ERR_INVALID, "schema '%s' has a NULL child", src->format);
      goto fail;
    }
    /* Add a placeholder then overwrite it with the recursive copy. */
    rc = lf_schema_add_child(out, "", "", 0, &c, err);
    if (rc != LF_OK) goto fail;
    lf_schema_release(c);
    rc = schema_copy_into(c, src->children[i], depth + 1, err);
    if (rc != LF_OK) goto fail;
  }
  if (src->dictionary) {
    out->dictionary = malloc(sizeof(*out->dictionary));
    if (!out->dictionary) {
      rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory copying a dictionary");
      goto fail;
    }
    out->dictionary->release = NULL;
    rc = schema_copy_into(out->dictionary, src->dictionary, depth + 1, err);
    if (rc != LF_OK) goto fail;
  }
  return LF_OK;
fail:
  schema_release(out);
  return rc;
}

int lf_schema_copy(struct ArrowSchema *out, const struct ArrowSchema *src, lf_error *err) {
  return schema_copy_into(out, src, 0, err);
}

static int str_eq(const char *a, const char *b) {
  return strcmp(a ? a : "", b ? b : "") == 0;
}

static int metadata_eq(const char *a, const char *b) {
  int64_t na = lf_metadata_size(a), nb = lf_metadata_size(b);
  if (na != nb || na < 0) return 0;
  return na == 0 || memcmp(a, b, (size_t)na) == 0;
}

static int schema_equal(const struct ArrowSchema *a, const struct ArrowSchema *b,
                        unsigned opts, int depth) {
  if (!a || !b || !a->release || !b->release || depth > LF_MAX_DEPTH) return 0;
  if (!a->format || !b->format || strcmp(a->format, b->format) != 0) return 0;
  if (!(opts & LF_SCHEMA_EQ_IGNORE_NAMES) && !str_eq(a->name, b->name)) return 0;
  if (!(opts & LF_SCHEMA_EQ_IGNORE_FLAGS) && a->flags != b->flags) return 0;
  if (!(opts & LF_SCHEMA_EQ_IGNORE_METADATA) && !metadata_eq(a->metadata, b->metadata))
    return 0;
  if (a->n_children != b->n_children) return 0;
  for (int64_t i = 0; i < a->n_children; i++)
    if (!schema_equal(a->children[i], b->children[i], opts, depth + 1)) return 0;
  if (!a->dictionary != !b->dictionary) return 0;
  return !a->dictionary || schema_equal(a->dictionary, b->dictionary, opts, depth + 1);
}

int lf_schema_equal(const struct ArrowSchema *a, const struct ArrowSchema *b, unsigned opts) {
  return schema_equal(a, b, opts, 0);
}
