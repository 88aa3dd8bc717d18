/* lfh_iceberg_schema.c — Iceberg type trees: free, copy, compare, and Iceberg JSON. */
#include "table/lfh_iceberg_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"

/* ------------------------------------------------------------ lifetime */

static void field_clear(lfh_ice_field *f) {
  free(f->name);
  free(f->doc);
  lfh_ice_type_free(f->type);
}

void lfh_ice_type_free(lfh_ice_type *t) {
  if (!t) return;
  for (size_t i = 0; i < t->n_fields; i++) field_clear(&t->fields[i]);
  free(t->fields);
  lfh_ice_type_free(t->element);
  lfh_ice_type_free(t->key);
  lfh_ice_type_free(t->value);
  free(t);
}

void lfh_ice_schema_free(lfh_ice_schema *s) {
  if (!s) return;
  lfh_ice_type_free(s->root);
  free(s->identifier_ids);
  free(s);
}

static char *dup_or_null(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static int copy_field(lfh_ice_field *dst, const lfh_ice_field *src) {
  memset(dst, 0, sizeof(*dst));
  dst->id = src->id;
  dst->required = src->required;
  dst->name = dup_or_null(src->name);
  dst->doc = dup_or_null(src->doc);
  dst->type = lfh_ice_type_copy(src->type);
  if (!dst->name || (src->doc && !dst->doc) || !dst->type) return -1;
  return 0;
}

lfh_ice_type *lfh_ice_type_copy(const lfh_ice_type *t) {
  if (!t) return NULL;
  lfh_ice_type *c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  *c = *t;
  c->fields = NULL;
  c->n_fields = 0;
  c->element = c->key = c->value = NULL;
  if (t->n_fields) {
    c->fields = calloc(t->n_fields, sizeof(*c->fields));
    if (!c->fields) goto fail;
    for (; c->n_fields < t->n_fields; c->n_fields++)
      if (copy_field(&c->fields[c->n_fields], &t->fields[c->n_fields]) != 0) {
        c->n_fields++; /* the half-copied field is cleared with the rest */
        goto fail;
      }
  }
  if ((t->element && !(c->element = lfh_ice_type_copy(t->element))) ||
      (t->key && !(c->key = lfh_ice_type_copy(t->key))) ||
      (t->value && !(c->value = lfh_ice_type_copy(t->value))))
    goto fail;
  return c;
fail:
  lfh_ice_type_free(c);
  return NULL;
}

lfh_ice_schema *lfh_ice_schema_copy(const lfh_ice_schema *s) {
  lfh_ice_schema *c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->schema_id = s->schema_id;
  c->root = lfh_ice_type_copy(s->root);
  if (!c->root) goto fail;
  if (s->n_identifier_ids) {
    c->identifier_ids = malloc(s->n_identifier_ids * sizeof(int32_t));
    if (!c->identifier_ids) goto fail;
    memcpy(c->identifier_ids, s->identifier_ids, s->n_identifier_ids * sizeof(int32_t));
    c->n_identifier_ids = s->n_identifier_ids;
  }
  return c;
fail:
  lfh_ice_schema_free(c);
  return NULL;
}

static int str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

int lfh_ice_type_equal(const lfh_ice_type *a, const lfh_ice_type *b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || a->length != b->length || a->precision != b->precision ||
      a->scale != b->scale || a->n_fields != b->n_fields)
    return 0;
  for (size_t i = 0; i < a->n_fields; i++) {
    const lfh_ice_field *x = &a->fields[i], *y = &b->fields[i];
    if (x->id != y->id || x->required != y->required || !str_eq(x->name, y->name) ||
        !str_eq(x->doc, y->doc) || !lfh_ice_type_equal(x->type, y->type))
      return 0;
  }
  if (a->kind == LFH_ICE_LIST &&
      (a->element_id != b->element_id || a->element_required != b->element_required))
    return 0;
  if (a->kind == LFH_ICE_MAP && (a->key_id != b->key_id || a->value_id != b->value_id ||
                                 a->value_required != b->value_required))
    return 0;
  return lfh_ice_type_equal(a->element, b->element) && lfh_ice_type_equal(a->key, b->key) &&
         lfh_ice_type_equal(a->value, b->value);
}

int lfh_ice_schema_equal(const lfh_ice_schema *a, const lfh_ice_schema *b) {
  if (!a || !b) return a == b;
  if (a->schema_id != b->schema_id || a->n_identifier_ids != b->n_identifier_ids) return 0;
  for (size_t i = 0; i < a->n_identifier_ids; i++)
    if (a->identifier_ids[i] != b->identifier_ids[i]) return 0;
  return lfh_ice_type_equal(a->root, b->root);
}

static int32_t max32(int32_t a, int32_t b) { return a > b ? a : b; }

int32_t lfh_ice_type_max_id(const lfh_ice_type *t) {
  if (!t) return 0;
  int32_t m = 0;
  for (size_t i = 0; i < t->n_fields; i++)
    m = max32(m, max32(t->fields[i].id, lfh_ice_type_max_id(t->fields[i].type)));
  if (t->kind == LFH_ICE_LIST) m = max32(m, t->element_id);
  if (t->kind == LFH_ICE_MAP) m = max32(m, max32(t->key_id, t->value_id));
  m = max32(m, lfh_ice_type_max_id(t->element));
  m = max32(m, lfh_ice_type_max_id(t->key));
  return max32(m, lfh_ice_type_max_id(t->value));
}

static const lfh_ice_field *find_id(const lfh_ice_type *t, int32_t id) {
  if (!t) return NULL;
  for (size_t i = 0; i < t->n_fields; i++) {
    if (t->fields[i].id == id) return &t->fields[i];
    const lfh_ice_field *f = find_id(t->fields[i].type, id);
    if (f) return f;
  }
  const lfh_ice_field *f = find_id(t->element, id);
  if (!f) f = find_id(t->key, id);
  if (!f) f = find_id(t->value, id);
  return f;
}

const lfh_ice_field *lfh_ice_schema_find_id(const lfh_ice_schema *s, int32_t id) {
  return s ? find_id(s->root, id) : NULL;
}

/* Names of the primitives, indexed by kind; nested kinds have no primitive name. */
static const char *const PRIM_NAMES[] = {
    [LFH_ICE_BOOLEAN] = "boolean",   [LFH_ICE_INT] = "int",
    [LFH_ICE_LONG] = "long",         [LFH_ICE_FLOAT] = "float",
    [LFH_ICE_DOUBLE] = "double",     [LFH_ICE_DATE] = "date",
    [LFH_ICE_TIME] = "time",         [LFH_ICE_TIMESTAMP] = "timestamp",
    [LFH_ICE_TIMESTAMPTZ] = "timestamptz", [LFH_ICE_STRING] = "string",
    [LFH_ICE_UUID] = "uuid",         [LFH_ICE_BINARY] = "binary",
    [LFH_ICE_STRUCT] = "struct",     [LFH_ICE_LIST] = "list",
    [LFH_ICE_MAP] = "map"};

const char *lfh_ice_type_name(const lfh_ice_type *t, char *buf, size_t cap) {
  if (!t) return "?";
  if (t->kind == LFH_ICE_FIXED) {
    snprintf(buf, cap, "fixed[%d]", (int)t->length);
    return buf;
  }
  if (t->kind == LFH_ICE_DECIMAL) {
    snprintf(buf, cap, "decimal(%d,%d)", (int)t->precision, (int)t->scale);
    return buf;
  }
  if ((size_t)t->kind < sizeof(PRIM_NAMES) / sizeof(PRIM_NAMES[0]) && PRIM_NAMES[t->kind])
    return PRIM_NAMES[t->kind];
  return "?";
}

/* ------------------------------------------------------------ to JSON */

static json_t *fields_to_json(const lfh_ice_type *t);

/* json_object_set_new that remembers a failure instead of returning it at every call:
 * the builders below check *ok once at the end. */
static void put(json_t *o, const char *k, json_t *v, int *ok) {
  if (!v || json_object_set_new(o, k, v) != 0) *ok = 0;
}

static json_t *list_to_json(const lfh_ice_type *t) {
  json_t *o = json_object();
  int ok = o != NULL;
  if (!ok) return NULL;
  put(o, "type", json_string("list"), &ok);
  put(o, "element-id", json_integer(t->element_id), &ok);
  put(o, "element", lfh_ice_type_to_json(t->element), &ok);
  put(o, "element-required", json_boolean(t->element_required), &ok);
  if (!ok) json_decref(o);
  return ok ? o : NULL;
}

static json_t *map_to_json(const lfh_ice_type *t) {
  json_t *o = json_object();
  int ok = o != NULL;
  if (!ok) return NULL;
  put(o, "type", json_string("map"), &ok);
  put(o, "key-id", json_integer(t->key_id), &ok);
  put(o, "key", lfh_ice_type_to_json(t->key), &ok);
  put(o, "value-id", json_integer(t->value_id), &ok);
  put(o, "value", lfh_ice_type_to_json(t->value), &ok);
  put(o, "value-required", json_boolean(t->value_required), &ok);
  if (!ok) json_decref(o);
  return ok ? o : NULL;
}

json_t *lfh_ice_type_to_json(const lfh_ice_type *t) {
  char buf[48];
  if (!t) return NULL;
  switch (t->kind) {
    case LFH_ICE_STRUCT: {
      json_t *o = json_object();
      int ok = o != NULL;
      if (!ok) return NULL;
      put(o, "type", json_string("struct"), &ok);
      put(o, "fields", fields_to_json(t), &ok);
      if (!ok) json_decref(o);
      return ok ? o : NULL;
    }
    case LFH_ICE_LIST: return list_to_json(t);
    case LFH_ICE_MAP: return map_to_json(t);
    default: return json_string(lfh_ice_type_name(t, buf, sizeof(buf)));
  }
}

static json_t *field_to_json(const lfh_ice_field *f) {
  json_t *o = json_object();
  int ok = o != NULL;
  if (!ok) return NULL;
  put(o, "id", json_integer(f->id), &ok);
  put(o, "name", json_string(f->name), &ok);
  put(o, "required", json_boolean(f->required), &ok);
  put(o, "type", lfh_ice_type_to_json(f->type), &ok);
  if (f->doc) put(o, "doc", json_string(f->doc), &ok);
  if (!ok) json_decref(o);
  return ok ? o : NULL;
}

static json_t *fields_to_json(const lfh_ice_type *t) {
  json_t *a = json_array();
  if (!a) return NULL;
  for (size_t i = 0; i < t->n_fields; i++)
    if (json_array_append_new(a, field_to_json(&t->fields[i])) != 0) {
      json_decref(a);
      return NULL;
    }
  return a;
}

json_t *lfh_ice_schema_to_json(const lfh_ice_schema *s) {
  json_t *o = json_object();
  int ok = o != NULL;
  if (!ok) return NULL;
  put(o, "type", json_string("struct"), &ok);
  put(o, "schema-id", json_integer(s->schema_id), &ok);
  if (s->n_identifier_ids) {
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < s->n_identifier_ids; i++)
      if (json_array_append_new(ids, json_integer(s->identifier_ids[i])) != 0) ok = 0;
    put(o, "identifier-field-ids", ids, &ok);
  }
  put(o, "fields", fields_to_json(s->root), &ok);
  if (!ok) json_decref(o);
  return ok ? o : NULL;
}

char *lfh_ice_schema_to_json_text(const lfh_ice_schema *s) {
  json_t *j = lfh_ice_schema_to_json(s);
  if (!j) return NULL;
  char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(j);
  return text;
}

/* ------------------------------------------------------------ from JSON */

typedef struct parse_ctx {
  const char *where;
  lf_error *err;
  int depth;
  int rc; /* the code of the first failure, returned by the entry points */
} parse_ctx;

static int nomem(parse_ctx *c) {
  c->rc = LF_ERR_NOMEM;
  return lf_error_set(c->err, LF_ERR_NOMEM, "%s: out of memory", c->where);
}

static lfh_ice_type *type_from_json(parse_ctx *c, const json_t *j, const char *path);

static lfh_ice_type *new_type(lfh_ice_kind kind) {
  lfh_ice_type *t = calloc(1, sizeof(*t));
  if (t) t->kind = kind;
  return t;
}

static lfh_ice_type *bad(parse_ctx *c, const char *path, const char *what) {
  c->rc = LF_ERR_DATA;
  lf_error_set(c->err, LF_ERR_DATA, "%s: %s: %s", c->where, path, what);
  return NULL;
}

/* "decimal(P, S)" and "fixed[L]" carry parameters inside the type string. */
static lfh_ice_type *parametric_from_string(const char *s) {
  int a = 0, b = 0, n = 0;
  if (sscanf(s, "decimal(%d ,%d )%n", &a, &b, &n) == 2 && s[n] == '\0' && a > 0 &&
      a <= 38 && b >= 0 && b <= a) {
    lfh_ice_type *t = new_type(LFH_ICE_DECIMAL);
    if (t) t->precision = a, t->scale = b;
    return t;
  }
  if (sscanf(s, "fixed[%d]%n", &a, &n) == 1 && s[n] == '\0' && a > 0) {
    lfh_ice_type *t = new_type(LFH_ICE_FIXED);
    if (t) t->length = a;
    return t;
  }
  return NULL;
}

static lfh_ice_type *prim_from_string(parse_ctx *c, const char *s, const char *path) {
  for (int k = LFH_ICE_BOOLEAN; k <= LFH_ICE_BINARY; k++)
    if (PRIM_NAMES[k] && strcmp(PRIM_NAMES[k], s) == 0) {
      lfh_ice_type *t = new_type((lfh_ice_kind)k);
      if (!t) nomem(c);
      return t;
    }
  lfh_ice_type *t = parametric_from_string(s);
  if (t) return t;
  char msg[160];
  snprintf(msg, sizeof(msg), "unknown or unsupported type '%.100s'", s);
  return bad(c, path, msg);
}

/* Reads an integer member as int32; -1 with an error when missing or out of range. */
static int get_id(parse_ctx *c, const json_t *o, const char *key, const char *path,
                  int32_t *out) {
  const json_t *v = json_object_get(o, key);
  if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX) {
    char msg[96];
    snprintf(msg, sizeof(msg), "'%s' is missing or not a non-negative integer", key);
    bad(c, path, msg);
    return -1;
  }
  *out = (int32_t)json_integer_value(v);
  return 0;
}

static int get_bool(parse_ctx *c, const json_t *o, const char *key, const char *path,
                    int *out) {
  const json_t *v = json_object_get(o, key);
  if (!json_is_boolean(v)) {
    char msg[96];
    snprintf(msg, sizeof(msg), "'%s' is missing or not a boolean", key);
    bad(c, path, msg);
    return -1;
  }
  *out = json_is_true(v);
  return 0;
}

static int field_from_json(parse_ctx *c, const json_t *j, const char *path, lfh_ice_field *f) {
  const json_t *name = json_object_get(j, "name"), *doc = json_object_get(j, "doc");
  if (!json_is_object(j)) return bad(c, path, "a field must be an object"), -1;
  if (get_id(c, j, "id", path, &f->id) != 0 || get_bool(c, j, "required", path, &f->required) != 0)
    return -1;
  if (!json_is_string(name)) return bad(c, path, "'name' is missing or not a string"), -1;
  if (doc && !json_is_string(doc) && !json_is_null(doc))
    return bad(c, path, "'doc' is not a string"), -1;
  f->name = dup_or_null(json_string_value(name));
  if (json_is_string(doc)) f->doc = dup_or_null(json_string_value(doc));
  if (!f->name || (json_is_string(doc) && !f->doc))
    return nomem(c), -1;
  char sub[256]; /* only names the spot in error messages: a long path is cut with "..." */
  int n = snprintf(sub, sizeof(sub), "%s.%s", path, f->name);
  if (n < 0 || (size_t)n >= sizeof(sub)) memcpy(sub + sizeof(sub) - 4, "...", 4);
  f->type = type_from_json(c, json_object_get(j, "type"), sub);
  return f->type ? 0 : -1;
}

static lfh_ice_type *struct_from_json(parse_ctx *c, const json_t *j, const char *path) {
  const json_t *fields = json_object_get(j, "fields");
  if (!json_is_array(fields)) return bad(c, path, "struct 'fields' is missing or not an array");
  lfh_ice_type *t = new_type(LFH_ICE_STRUCT);
  size_t n = json_array_size(fields);
  if (!t || (n && !(t->fields = calloc(n, sizeof(*t->fields))))) {
    nomem(c);
    goto fail;
  }
  for (; t->n_fields < n; t->n_fields++) {
    char sub[256];
    snprintf(sub, sizeof(sub), "%s.fields[%zu]", path, t->n_fields);
    if (field_from_json(c, json_array_get(fields, t->n_fields), sub,
                        &t->fields[t->n_fields]) != 0) {
      t->n_fields++;
      goto fail;
    }
  }
  return t;
fail:
  lfh_ice_type_free(t);
  return NULL;
}

static lfh_ice_type *list_from_json(parse_ctx *c, const json_t *j, const char *path) {
  lfh_ice_type *t = new_type(LFH_ICE_LIST);
  if (!t) return nomem(c), NULL;
  char sub[256];
  snprintf(sub, sizeof(sub), "%s.element", path);
  if (get_id(c, j, "element-id", path, &t->element_id) != 0 ||
      get_bool(c, j, "element-required", path, &t->element_required) != 0 ||
      !(t->element = type_from_json(c, json_object_get(j, "element"), sub)))
    goto fail;
  return t;
fail:
  lfh_ice_type_free(t);
  return NULL;
}

static lfh_ice_type *map_from_json(parse_ctx *c, const json_t *j, const char *path) {
  lfh_ice_type *t = new_type(LFH_ICE_MAP);
  if (!t) return nomem(c), NULL;
  char ksub[256], vsub[256];
  snprintf(ksub, sizeof(ksub), "%s.key", path);
  snprintf(vsub, sizeof(vsub), "%s.value", path);
  if (get_id(c, j, "key-id", path, &t->key_id) != 0 ||
      get_id(c, j, "value-id", path, &t->value_id) != 0 ||
      get_bool(c, j, "value-required", path, &t->value_required) != 0 ||
      !(t->key = type_from_json(c, json_object_get(j, "key"), ksub)) ||
      !(t->value = type_from_json(c, json_object_get(j, "value"), vsub)))
    goto fail;
  return t;
fail:
  lfh_ice_type_free(t);
  return NULL;
}

static lfh_ice_type *type_from_json(parse_ctx *c, const json_t *j, const char *path) {
  if (json_is_string(j)) return prim_from_string(c, json_string_value(j), path);
  if (!json_is_object(j)) return bad(c, path, "'type' is missing or not a string/object");
  if (c->depth >= LFH_ICE_MAX_DEPTH) return bad(c, path, "types nested too deeply");
  const char *kind = json_string_value(json_object_get(j, "type"));
  lfh_ice_type *t = NULL;
  c->depth++;
  if (kind && strcmp(kind, "struct") == 0) t = struct_from_json(c, j, path);
  else if (kind && strcmp(kind, "list") == 0) t = list_from_json(c, j, path);
  else if (kind && strcmp(kind, "map") == 0) t = map_from_json(c, j, path);
  else bad(c, path, "nested type must be struct, list or map");
  c->depth--;
  return t;
}

static int identifier_ids_from_json(parse_ctx *c, const json_t *j, lfh_ice_schema *s) {
  const json_t *ids = json_object_get(j, "identifier-field-ids");
  if (!ids || json_is_null(ids)) return 0;
  if (!json_is_array(ids)) return bad(c, "identifier-field-ids", "not an array"), -1;
  size_t n = json_array_size(ids);
  if (!n) return 0;
  s->identifier_ids = calloc(n, sizeof(int32_t));
  if (!s->identifier_ids) return nomem(c), -1;
  for (size_t i = 0; i < n; i++) {
    const json_t *v = json_array_get(ids, i);
    if (!json_is_integer(v)) return bad(c, "identifier-field-ids", "not an integer"), -1;
    s->identifier_ids[s->n_identifier_ids++] = (int32_t)json_integer_value(v);
  }
  return 0;
}

int lfh_ice_schema_from_json(const json_t *j, const char *where, lfh_ice_schema **out,
                             lf_error *err) {
  parse_ctx c = {where ? where : "schema", err, 0, LF_ERR_DATA};
  *out = NULL;
  lfh_ice_schema *s = calloc(1, sizeof(*s));
  if (!s) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  const json_t *sid = json_object_get(j, "schema-id");
  if (!json_is_object(j)) {
    bad(&c, "schema", "not a JSON object");
    goto fail;
  }
  if (sid && !json_is_integer(sid)) {
    bad(&c, "schema-id", "not an integer");
    goto fail;
  }
  s->schema_id = sid ? (int32_t)json_integer_value(sid) : 0;
  const char *kind = json_string_value(json_object_get(j, "type"));
  if (!kind || strcmp(kind, "struct") != 0) {
    bad(&c, "type", "a schema must be of type \"struct\"");
    goto fail;
  }
  if (!(s->root = struct_from_json(&c, j, "fields")) || identifier_ids_from_json(&c, j, s) != 0)
    goto fail;
  *out = s;
  return LF_OK;
fail:
  lfh_ice_schema_free(s);
  return c.rc;
}

int lfh_ice_schema_parse(const char *text, size_t len, const char *where,
                         lfh_ice_schema **out, lf_error *err) {
  json_error_t je;
  *out = NULL;
  json_t *j = json_loadb(text, len, 0, &je);
  if (!j)
    return lf_error_set(err, LF_ERR_DATA, "%s: invalid JSON at line %d column %d: %s",
                        where ? where : "schema", je.line, je.column, je.text);
  int rc = lfh_ice_schema_from_json(j, where, out, err);
  json_decref(j);
  return rc;
}
