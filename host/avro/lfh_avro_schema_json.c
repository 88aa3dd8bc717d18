/*
 * lfh_avro_schema_json — an lfh_avro_schema graph back to JSON, every attribute kept.
 *
 * The output is what Avro readers and Iceberg expect in a container header: compact,
 * attributes in Java's order (type, name, namespace, body, logicalType, ...; fields as
 * name, type, doc, default, field-id), each named type defined once and referenced by
 * name afterwards.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro_internal.h"

typedef struct print_ctx {
  lfh_avro_nodes defined; /* named types already written out in full */
  int failed;
} print_ctx;

static const char *const k_type_names[] = {
    "null",   "boolean", "int",   "long", "float", "double", "bytes",
    "string", "record",  "enum",  "array", "map",  "union",  "fixed"};

static json_t *node_json(print_ctx *c, const lfh_avro_schema *s, const char *ns);

/* Adds `v` to `o` under `key`; remembers a failure (NULL value or allocation) so that
 * the builders stay linear. */
static void put(print_ctx *c, json_t *o, const char *key, json_t *v) {
  if (!v || json_object_set_new(o, key, v) != 0) c->failed = 1;
}

static size_t ns_len(const char *full) {
  const char *dot = strrchr(full, '.');
  return dot ? (size_t)(dot - full) : 0;
}

static int same_ns(const char *full, const char *ns) {
  size_t n = ns_len(full);
  return strlen(ns) == n && strncmp(full, ns, n) == 0;
}

static const char *short_name(const char *full) {
  const char *dot = strrchr(full, '.');
  return dot ? dot + 1 : full;
}

/* A reference: the short name inside the type's own namespace, the full name elsewhere. */
static json_t *ref_json(const lfh_avro_schema *s, const char *ns) {
  return json_string(same_ns(s->name, ns) ? short_name(s->name) : s->name);
}

static void put_name(print_ctx *c, json_t *o, const lfh_avro_schema *s, const char *ns) {
  put(c, o, "name", json_string(short_name(s->name)));
  if (same_ns(s->name, ns)) return;
  /* "namespace": "" is how a type leaves an enclosing namespace for the null one */
  put(c, o, "namespace", json_stringn(s->name, ns_len(s->name)));
}

static json_t *field_json(print_ctx *c, const lfh_avro_field *f, const char *ns) {
  json_t *o = json_object();
  if (!o) return NULL;
  put(c, o, "name", json_string(f->name));
  put(c, o, "type", node_json(c, f->type, ns));
  if (f->doc) put(c, o, "doc", json_string(f->doc));
  if (f->default_json) put(c, o, "default", json_loads(f->default_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL));
  if (f->field_id != LFH_AVRO_NO_ID) put(c, o, "field-id", json_integer(f->field_id));
  return o;
}

static void put_fields(print_ctx *c, json_t *o, const lfh_avro_schema *s) {
  json_t *a = json_array();
  char *inner = strndup(s->name, ns_len(s->name));
  if (!a || !inner) c->failed = 1;
  for (size_t i = 0; a && inner && i < s->n_fields; i++)
    if (json_array_append_new(a, field_json(c, &s->fields[i], inner)) != 0) c->failed = 1;
  free(inner);
  put(c, o, "fields", a);
}

static void put_symbols(print_ctx *c, json_t *o, const lfh_avro_schema *s) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < s->n_symbols; i++)
    if (json_array_append_new(a, json_string(s->symbols[i])) != 0) c->failed = 1;
  put(c, o, "symbols", a);
}

/* The items record's key field-id, to tell an explicit key-id from a derived one. */
static int32_t items_field_id(const lfh_avro_schema *s, size_t i) {
  if (!s->items || s->items->type != LFH_AVRO_RECORD || s->items->n_fields != 2) return LFH_AVRO_NO_ID;
  return s->items->fields[i].field_id;
}

static void put_ids(print_ctx *c, json_t *o, const lfh_avro_schema *s) {
  if (s->element_id != LFH_AVRO_NO_ID) put(c, o, "element-id", json_integer(s->element_id));
  /* On Iceberg "map" arrays the ids live on the key/value fields; repeat them only if
   * they were given on the array itself (they then differ or the fields have none). */
  int derived = s->type == LFH_AVRO_ARRAY;
  if (s->key_id != LFH_AVRO_NO_ID && !(derived && s->key_id == items_field_id(s, 0)))
    put(c, o, "key-id", json_integer(s->key_id));
  if (s->value_id != LFH_AVRO_NO_ID && !(derived && s->value_id == items_field_id(s, 1)))
    put(c, o, "value-id", json_integer(s->value_id));
}

static void put_logical(print_ctx *c, json_t *o, const lfh_avro_schema *s) {
  if (s->logical_type) put(c, o, "logicalType", json_string(s->logical_type));
  if (s->logical_type && strcmp(s->logical_type, "decimal") == 0) {
    put(c, o, "precision", json_integer(s->precision));
    put(c, o, "scale", json_integer(s->scale));
  }
  if (s->adjust_to_utc >= 0) put(c, o, "adjust-to-utc", json_boolean(s->adjust_to_utc));
}

static int plain(const lfh_avro_schema *s) {
  return s->type <= LFH_AVRO_STRING && !s->logical_type && s->adjust_to_utc < 0;
}

static void put_body(print_ctx *c, json_t *o, const lfh_avro_schema *s, const char *ns) {
  switch (s->type) {
  case LFH_AVRO_RECORD: put_fields(c, o, s); break;
  case LFH_AVRO_ENUM: put_symbols(c, o, s); break;
  case LFH_AVRO_FIXED: put(c, o, "size", json_integer((json_int_t)s->fixed_size)); break;
  case LFH_AVRO_ARRAY: put(c, o, "items", node_json(c, s->items, ns)); break;
  case LFH_AVRO_MAP: put(c, o, "values", node_json(c, s->items, ns)); break;
  default: break;
  }
}

static json_t *union_json(print_ctx *c, const lfh_avro_schema *s, const char *ns) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < s->n_branches; i++)
    if (json_array_append_new(a, node_json(c, s->branches[i], ns)) != 0) c->failed = 1;
  return a;
}

static json_t *node_json(print_ctx *c, const lfh_avro_schema *s, const char *ns) {
  if (!s || (unsigned)s->type >= sizeof k_type_names / sizeof *k_type_names) {
    c->failed = 1;
    return NULL;
  }
  if (s->type == LFH_AVRO_UNION) return union_json(c, s, ns);
  if (plain(s)) return json_string(k_type_names[s->type]);
  if (s->name && lfh_avro_nodes_has(&c->defined, s)) return ref_json(s, ns);
  json_t *o = json_object();
  if (!o) return NULL;
  put(c, o, "type", json_string(k_type_names[s->type]));
  if (s->name) {
    if (lfh_avro_nodes_add(&c->defined, (lfh_avro_schema *)s) != 0) c->failed = 1;
    put_name(c, o, s, ns);
  }
  put_body(c, o, s, ns);
  put_logical(c, o, s);
  put_ids(c, o, s);
  return o;
}

int lfh_avro_schema_to_json(const lfh_avro_schema *s, lfh_buf *out) {
  print_ctx c = {0};
  json_t *j = node_json(&c, s, "");
  char *text = j && !c.failed ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  int rc = text ? lfh_buf_append(out, text, strlen(text)) : LF_ERR_NOMEM;
  if (!j || c.failed) rc = LF_ERR_INVALID;
  free(text);
  json_decref(j);
  free(c.defined.v);
  return rc;
}
