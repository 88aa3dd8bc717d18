/* lfh_iceberg_arrow.c — Arrow schemas to Iceberg schemas (fresh ids, evolution) and back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_iceberg_schema.h"

/* ------------------------------------------------------------ Arrow -> Iceberg */

static int is_nullable(const struct ArrowSchema *a) { return (a->flags & ARROW_FLAG_NULLABLE) != 0; }

static lfh_ice_type *conv(const struct ArrowSchema *a, int depth, lf_error *err);

static lfh_ice_type *mk(lfh_ice_kind k, lf_error *err) {
  lfh_ice_type *t = calloc(1, sizeof(*t));
  if (!t) lf_error_set(err, LF_ERR_NOMEM, "out of memory converting an Arrow schema");
  else t->kind = k;
  return t;
}

/* Arrow's fixed-width formats with a parameter: decimal128 "d:P,S[,128]", "w:N". */
static lfh_ice_type *conv_parametric(const char *f, lf_error *err) {
  int p = 0, s = 0, n = 0;
  if ((sscanf(f, "d:%d,%d%n", &p, &s, &n) == 2 && (f[n] == '\0' || strcmp(f + n, ",128") == 0)) &&
      p > 0 && p <= 38 && s >= 0 && s <= p) {
    lfh_ice_type *t = mk(LFH_ICE_DECIMAL, err);
    if (t) t->precision = p, t->scale = s;
    return t;
  }
  if (sscanf(f, "w:%d%n", &p, &n) == 1 && f[n] == '\0' && p > 0) {
    lfh_ice_type *t = mk(LFH_ICE_FIXED, err);
    if (t) t->length = p;
    return t;
  }
  lf_error_set(err, LF_ERR_UNSUPPORTED, "Arrow format '%s' has no Iceberg type here", f);
  return NULL;
}

static lfh_ice_type *conv_primitive(const char *f, lf_error *err) {
  static const struct {
    const char *format;
    lfh_ice_kind kind;
  } table[] = {{"b", LFH_ICE_BOOLEAN}, {"i", LFH_ICE_INT},    {"l", LFH_ICE_LONG},
               {"f", LFH_ICE_FLOAT},   {"g", LFH_ICE_DOUBLE}, {"u", LFH_ICE_STRING},
               {"z", LFH_ICE_BINARY},  {"tdD", LFH_ICE_DATE}, {"ttu", LFH_ICE_TIME},
               {"tsu:", LFH_ICE_TIMESTAMP}};
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    if (strcmp(f, table[i].format) == 0) return mk(table[i].kind, err);
  /* Arrow: a timestamp with any zone is an instant (UTC-normalised values). */
  if (strncmp(f, "tsu:", 4) == 0) return mk(LFH_ICE_TIMESTAMPTZ, err);
  return conv_parametric(f, err);
}

static lfh_ice_type *conv_struct(const struct ArrowSchema *a, int depth, lf_error *err) {
  lfh_ice_type *t = mk(LFH_ICE_STRUCT, err);
  if (!t) return NULL;
  size_t n = a->n_children > 0 ? (size_t)a->n_children : 0;
  if (n && !(t->fields = calloc(n, sizeof(*t->fields)))) {
    lf_error_set(err, LF_ERR_NOMEM, "out of memory converting an Arrow schema");
    goto fail;
  }
  for (size_t i = 0; i < n; i++) {
    const struct ArrowSchema *c = a->children ? a->children[i] : NULL;
    if (!c || !c->format || !c->name || !c->name[0]) {
      lf_error_set(err, LF_ERR_SCHEMA, "struct field %zu has no name or format", i);
      goto fail;
    }
    for (size_t k = 0; k < i; k++)
      if (strcmp(t->fields[k].name, c->name) == 0) {
        lf_error_set(err, LF_ERR_SCHEMA, "duplicate field name '%s'", c->name);
        goto fail;
      }
    lfh_ice_field *f = &t->fields[t->n_fields++];
    f->required = !is_nullable(c);
    if (!(f->name = strdup(c->name))) {
      lf_error_set(err, LF_ERR_NOMEM, "out of memory converting an Arrow schema");
      goto fail;
    }
    if (!(f->type = conv(c, depth + 1, err))) goto fail;
  }
  return t;
fail:
  lfh_ice_type_free(t);
  return NULL;
}

static lfh_ice_type *conv_list(const struct ArrowSchema *a, int depth, lf_error *err) {
  if (a->n_children != 1 || !a->children || !a->children[0]) {
    lf_error_set(err, LF_ERR_SCHEMA, "an Arrow list needs exactly one child");
    return NULL;
  }
  lfh_ice_type *t = mk(LFH_ICE_LIST, err);
  if (!t) return NULL;
  t->element_required = !is_nullable(a->children[0]);
  if (!(t->element = conv(a->children[0], depth + 1, err))) {
    lfh_ice_type_free(t);
    return NULL;
  }
  return t;
}

static lfh_ice_type *conv_map(const struct ArrowSchema *a, int depth, lf_error *err) {
  const struct ArrowSchema *e = a->n_children == 1 && a->children ? a->children[0] : NULL;
  if (!e || !e->format || strcmp(e->format, "+s") != 0 || e->n_children != 2 || !e->children ||
      !e->children[0] || !e->children[1]) {
    lf_error_set(err, LF_ERR_SCHEMA, "an Arrow map needs one struct child of key and value");
    return NULL;
  }
  lfh_ice_type *t = mk(LFH_ICE_MAP, err);
  if (!t) return NULL;
  t->value_required = !is_nullable(e->children[1]);
  if (!(t->key = conv(e->children[0], depth + 1, err)) ||
      !(t->value = conv(e->children[1], depth + 1, err))) {
    lfh_ice_type_free(t);
    return NULL;
  }
  return t;
}

static lfh_ice_type *conv(const struct ArrowSchema *a, int depth, lf_error *err) {
  if (!a || !a->format) {
    lf_error_set(err, LF_ERR_SCHEMA, "Arrow schema without a format");
    return NULL;
  }
  if (depth > LFH_ICE_MAX_DEPTH) {
    lf_error_set(err, LF_ERR_SCHEMA, "Arrow schema nested too deeply");
    return NULL;
  }
  if (a->dictionary) {
    lf_error_set(err, LF_ERR_UNSUPPORTED, "dictionary-encoded Arrow columns are not supported");
    return NULL;
  }
  if (strcmp(a->format, "+s") == 0) return conv_struct(a, depth, err);
  if (strcmp(a->format, "+l") == 0) return conv_list(a, depth, err);
  if (strcmp(a->format, "+m") == 0) return conv_map(a, depth, err);
  return conv_primitive(a->format, err);
}

/* Java's assignFreshIds order: every field of a struct gets its id before any nested
 * type is visited; a list element, a map key and value likewise before theirs. */
static void assign_ids(lfh_ice_type *t, int32_t *next) {
  switch (t->kind) {
    case LFH_ICE_STRUCT:
      for (size_t i = 0; i < t->n_fields; i++) t->fields[i].id = ++*next;
      for (size_t i = 0; i < t->n_fields; i++) assign_ids(t->fields[i].type, next);
      break;
    case LFH_ICE_LIST:
      t->element_id = ++*next;
      assign_ids(t->element, next);
      break;
    case LFH_ICE_MAP:
      t->key_id = ++*next;
      t->value_id = ++*next;
      assign_ids(t->key, next);
      assign_ids(t->value, next);
      break;
    default: break;
  }
}

int lfh_ice_schema_from_arrow(const struct ArrowSchema *arrow, int32_t schema_id,
                              int32_t *last_column_id, lfh_ice_schema **out, lf_error *err) {
  *out = NULL;
  if (!arrow || !arrow->format || strcmp(arrow->format, "+s") != 0)
    return lf_error_set(err, LF_ERR_SCHEMA, "a table schema must be an Arrow struct (+s)");
  lfh_ice_schema *s = calloc(1, sizeof(*s));
  if (!s) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  s->schema_id = schema_id;
  if (!(s->root = conv(arrow, 0, err))) {
    lfh_ice_schema_free(s);
    return err && err->code ? err->code : LF_ERR_SCHEMA;
  }
  int32_t next = *last_column_id;
  assign_ids(s->root, &next);
  *last_column_id = next;
  *out = s;
  return LF_OK;
}

/* ------------------------------------------------------------ evolution */

/* Same shape (kinds, parameters, nesting) ignoring ids and requiredness: what an
 * existing column and an incoming Arrow column must share. */
static int same_shape(const lfh_ice_type *a, const lfh_ice_type *b) {
  if (a->kind != b->kind || a->length != b->length || a->precision != b->precision ||
      a->scale != b->scale)
    return 0;
  if (a->kind == LFH_ICE_LIST) return same_shape(a->element, b->element);
  if (a->kind == LFH_ICE_MAP) return same_shape(a->key, b->key) && same_shape(a->value, b->value);
  return 1; /* structs are merged field by field by the caller */
}

static int merge_struct(lfh_ice_type *dst, const lfh_ice_type *in, int32_t *next, int *changed,
                        lf_error *err);

static int append_field(lfh_ice_type *dst, const lfh_ice_field *src, int32_t *next,
                        lf_error *err) {
  lfh_ice_field *grown = realloc(dst->fields, (dst->n_fields + 1) * sizeof(*grown));
  if (!grown) return lf_error_set(err, LF_ERR_NOMEM, "out of memory evolving a schema");
  dst->fields = grown;
  lfh_ice_field *f = &dst->fields[dst->n_fields];
  memset(f, 0, sizeof(*f));
  f->name = strdup(src->name);
  f->type = lfh_ice_type_copy(src->type);
  if (!f->name || !f->type) {
    free(f->name);
    lfh_ice_type_free(f->type);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory evolving a schema");
  }
  dst->n_fields++;
  f->required = 0; /* older rows have no value: an added column must be optional */
  f->id = ++*next;
  assign_ids(f->type, next);
  return LF_OK;
}

static int merge_field(lfh_ice_type *dst, const lfh_ice_field *in, int32_t *next, int *changed,
                       lf_error *err) {
  char n1[48], n2[48];
  for (size_t k = 0; k < dst->n_fields; k++) {
    lfh_ice_field *have = &dst->fields[k];
    if (strcmp(have->name, in->name) != 0) continue;
    if (have->type->kind == LFH_ICE_STRUCT && in->type->kind == LFH_ICE_STRUCT)
      return merge_struct(have->type, in->type, next, changed, err);
    if (!same_shape(have->type, in->type))
      return lf_error_set(err, LF_ERR_SCHEMA, "column '%s' is %s in the table but %s in the input",
                          in->name, lfh_ice_type_name(have->type, n1, sizeof(n1)),
                          lfh_ice_type_name(in->type, n2, sizeof(n2)));
    return LF_OK;
  }
  *changed = 1;
  return append_field(dst, in, next, err);
}

static int merge_struct(lfh_ice_type *dst, const lfh_ice_type *in, int32_t *next, int *changed,
                        lf_error *err) {
  for (size_t i = 0; i < in->n_fields; i++) {
    int rc = merge_field(dst, &in->fields[i], next, changed, err);
    if (rc != LF_OK) return rc;
  }
  return LF_OK;
}

int lfh_ice_schema_add_columns(const lfh_ice_schema *cur, const struct ArrowSchema *arrow,
                               int32_t *last_column_id, lfh_ice_schema **out, int *changed,
                               lf_error *err) {
  lfh_ice_schema *incoming = NULL, *next_schema = NULL;
  int32_t scratch = 0, next = *last_column_id;
  int rc;
  *out = NULL;
  *changed = 0;
  if ((rc = lfh_ice_schema_from_arrow(arrow, 0, &scratch, &incoming, err)) != LF_OK) goto fail;
  if (!(next_schema = lfh_ice_schema_copy(cur))) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory evolving a schema");
    goto fail;
  }
  if ((rc = merge_struct(next_schema->root, incoming->root, &next, changed, err)) != LF_OK)
    goto fail;
  if (*changed) next_schema->schema_id = cur->schema_id + 1;
  *last_column_id = next;
  *out = next_schema;
  lfh_ice_schema_free(incoming);
  return LF_OK;
fail:
  lfh_ice_schema_free(incoming);
  lfh_ice_schema_free(next_schema);
  *changed = 0;
  return rc;
}

/* ------------------------------------------------------------ Iceberg -> Arrow */

static int to_arrow_child(struct ArrowSchema *parent, const lfh_ice_type *t, const char *name,
                          int required, lf_error *err);

static const char *arrow_format(const lfh_ice_type *t, char *buf, size_t cap) {
  switch (t->kind) {
    case LFH_ICE_BOOLEAN: return "b";
    case LFH_ICE_INT: return "i";
    case LFH_ICE_LONG: return "l";
    case LFH_ICE_FLOAT: return "f";
    case LFH_ICE_DOUBLE: return "g";
    case LFH_ICE_DATE: return "tdD";
    case LFH_ICE_TIME: return "ttu";
    case LFH_ICE_TIMESTAMP: return "tsu:";
    case LFH_ICE_TIMESTAMPTZ: return "tsu:UTC";
    case LFH_ICE_STRING: return "u";
    case LFH_ICE_BINARY: return "z";
    case LFH_ICE_UUID: return "w:16";
    case LFH_ICE_FIXED: snprintf(buf, cap, "w:%d", (int)t->length); return buf;
    case LFH_ICE_DECIMAL: snprintf(buf, cap, "d:%d,%d", (int)t->precision, (int)t->scale); return buf;
    case LFH_ICE_STRUCT: return "+s";
    case LFH_ICE_LIST: return "+l";
    case LFH_ICE_MAP: return "+m";
  }
  return NULL;
}

/* Adds the children a nested type needs below `self`. */
static int to_arrow_nested(struct ArrowSchema *self, const lfh_ice_type *t, lf_error *err) {
  int rc = LF_OK;
  struct ArrowSchema *entries = NULL;
  if (t->kind == LFH_ICE_STRUCT) {
    for (size_t i = 0; rc == LF_OK && i < t->n_fields; i++)
      rc = to_arrow_child(self, t->fields[i].type, t->fields[i].name, t->fields[i].required, err);
  } else if (t->kind == LFH_ICE_LIST) {
    rc = to_arrow_child(self, t->element, "element", t->element_required, err);
  } else if (t->kind == LFH_ICE_MAP) {
    rc = lf_schema_add_child(self, "+s", "entries", 0, &entries, err);
    if (rc == LF_OK) rc = to_arrow_child(entries, t->key, "key", 1, err);
    if (rc == LF_OK) rc = to_arrow_child(entries, t->value, "value", t->value_required, err);
  }
  return rc;
}

static int to_arrow_child(struct ArrowSchema *parent, const lfh_ice_type *t, const char *name,
                          int required, lf_error *err) {
  char buf[32];
  struct ArrowSchema *child = NULL;
  int rc = lf_schema_add_child(parent, arrow_format(t, buf, sizeof(buf)), name,
                               required ? 0 : ARROW_FLAG_NULLABLE, &child, err);
  return rc == LF_OK ? to_arrow_nested(child, t, err) : rc;
}

int lfh_ice_schema_to_arrow(const lfh_ice_schema *s, struct ArrowSchema *out, lf_error *err) {
  int rc = lf_schema_init(out, "+s", "", 0, err);
  if (rc != LF_OK) return rc;
  if ((rc = to_arrow_nested(out, s->root, err)) != LF_OK) lf_schema_release(out);
  return rc;
}
