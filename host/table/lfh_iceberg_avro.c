/* lfh_iceberg_avro.c — Iceberg schema to Avro schema JSON (spec Appendix A, "Avro").
 *
 * The output follows Java's AvroSchemaUtil layout key for key, so a manifest schema built
 * here is byte-identical to the header Java writes (tests compare against
 * shared/reference/iceberg/java-headers): field keys name, type, doc, default, field-id;
 * nested records named "r<id of the field/element/value holding them>"; non-string-key
 * maps as arrays with logicalType "map" of records "k<key-id>_v<value-id>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/lfh_iceberg_schema.h"

typedef struct avro_ctx {
  json_t *named; /* names of fixed types already defined: later uses are references */
  int ok;
} avro_ctx;

static json_t *avro_type(avro_ctx *c, const lfh_ice_type *t, int32_t holder_id);

static void put(avro_ctx *c, json_t *o, const char *k, json_t *v) {
  if (!v || json_object_set_new(o, k, v) != 0) c->ok = 0;
}

static json_t *obj2(avro_ctx *c, const char *type, const char *logical) {
  json_t *o = json_object();
  if (!o) {
    c->ok = 0;
    return NULL;
  }
  put(c, o, "type", json_string(type));
  if (logical) put(c, o, "logicalType", json_string(logical));
  return o;
}

static json_t *optional(avro_ctx *c, json_t *t) {
  json_t *u = json_array();
  if (!u || !t || json_array_append_new(u, json_string("null")) != 0 || json_array_append_new(u, t) != 0) {
    c->ok = 0;
    if (!u) json_decref(t);
  }
  return u;
}

/* An Avro record field; `id` becomes its field-id. `type` is consumed. */
static json_t *avro_field(avro_ctx *c, const char *name, json_t *type, int required,
                          const char *doc, int32_t id) {
  json_t *f = json_object();
  if (!f) {
    json_decref(type);
    c->ok = 0;
    return NULL;
  }
  put(c, f, "name", json_string(name));
  put(c, f, "type", required ? type : optional(c, type));
  if (doc) put(c, f, "doc", json_string(doc));
  if (!required) put(c, f, "default", json_null());
  put(c, f, "field-id", json_integer(id));
  return f;
}

static json_t *avro_record(avro_ctx *c, const lfh_ice_type *t, const char *name) {
  json_t *o = obj2(c, "record", NULL), *fields = json_array();
  if (!o || !fields) {
    c->ok = 0;
    json_decref(fields);
    return o;
  }
  put(c, o, "name", json_string(name));
  for (size_t i = 0; i < t->n_fields; i++) {
    const lfh_ice_field *f = &t->fields[i];
    json_t *ft = avro_type(c, f->type, f->id);
    if (json_array_append_new(fields, avro_field(c, f->name, ft, f->required, f->doc, f->id)) != 0)
      c->ok = 0;
  }
  put(c, o, "fields", fields);
  return o;
}

static json_t *avro_list(avro_ctx *c, const lfh_ice_type *t) {
  json_t *o = obj2(c, "array", NULL);
  if (!o) return NULL;
  json_t *items = avro_type(c, t->element, t->element_id);
  put(c, o, "items", t->element_required ? items : optional(c, items));
  put(c, o, "element-id", json_integer(t->element_id));
  return o;
}

static json_t *avro_map(avro_ctx *c, const lfh_ice_type *t) {
  json_t *v = avro_type(c, t->value, t->value_id);
  if (t->key->kind == LFH_ICE_STRING) {
    json_t *o = obj2(c, "map", NULL);
    if (!o) return json_decref(v), NULL;
    put(c, o, "values", t->value_required ? v : optional(c, v));
    put(c, o, "key-id", json_integer(t->key_id));
    put(c, o, "value-id", json_integer(t->value_id));
    return o;
  }
  char name[40];
  snprintf(name, sizeof(name), "k%d_v%d", (int)t->key_id, (int)t->value_id);
  json_t *rec = obj2(c, "record", NULL), *fields = json_array();
  if (rec) put(c, rec, "name", json_string(name));
  if (fields) {
    json_t *k = avro_type(c, t->key, t->key_id);
    if (json_array_append_new(fields, avro_field(c, "key", k, 1, NULL, t->key_id)) != 0 ||
        json_array_append_new(fields, avro_field(c, "value", v, t->value_required, NULL,
                                                 t->value_id)) != 0)
      c->ok = 0;
  } else {
    json_decref(v);
  }
  if (rec) put(c, rec, "fields", fields);
  else json_decref(fields);
  json_t *o = obj2(c, "array", NULL);
  if (o) put(c, o, "items", rec);
  else json_decref(rec);
  if (o) put(c, o, "logicalType", json_string("map"));
  return o;
}

/* fixed-backed types are named; Avro lets a name be defined once per schema, so a second
 * use of the same fixed type is written as a reference to the name, as Java does. */
static json_t *avro_fixed(avro_ctx *c, const char *name, int32_t size, const char *logical,
                          const lfh_ice_type *dec) {
  if (json_object_get(c->named, name)) return json_string(name);
  if (json_object_set_new(c->named, name, json_true()) != 0) c->ok = 0;
  json_t *o = obj2(c, "fixed", NULL);
  if (!o) return NULL;
  put(c, o, "name", json_string(name));
  put(c, o, "size", json_integer(size));
  if (logical) put(c, o, "logicalType", json_string(logical));
  if (dec) {
    put(c, o, "precision", json_integer(dec->precision));
    put(c, o, "scale", json_integer(dec->scale));
  }
  return o;
}

/* Smallest two's-complement byte width holding every unscaled value of `precision`
 * digits: the largest n-byte value is 2^(8n-1)-1, which has floor((8n-1)*log10 2) digits. */
static int32_t decimal_bytes(int32_t precision) {
  for (int32_t n = 1; n < 64; n++)
    if ((double)precision <= (double)(8 * n - 1) * 0.30102999566398119521) return n;
  return 64;
}

static json_t *avro_timestamp(avro_ctx *c, int utc) {
  json_t *o = obj2(c, "long", "timestamp-micros");
  if (o) put(c, o, "adjust-to-utc", json_boolean(utc));
  return o;
}

static json_t *avro_type(avro_ctx *c, const lfh_ice_type *t, int32_t holder_id) {
  char name[48];
  switch (t->kind) {
    case LFH_ICE_BOOLEAN: return json_string("boolean");
    case LFH_ICE_INT: return json_string("int");
    case LFH_ICE_LONG: return json_string("long");
    case LFH_ICE_FLOAT: return json_string("float");
    case LFH_ICE_DOUBLE: return json_string("double");
    case LFH_ICE_STRING: return json_string("string");
    case LFH_ICE_BINARY: return json_string("bytes");
    case LFH_ICE_DATE: return obj2(c, "int", "date");
    case LFH_ICE_TIME: return obj2(c, "long", "time-micros");
    case LFH_ICE_TIMESTAMP: return avro_timestamp(c, 0);
    case LFH_ICE_TIMESTAMPTZ: return avro_timestamp(c, 1);
    case LFH_ICE_UUID: return avro_fixed(c, "uuid_fixed", 16, "uuid", NULL);
    case LFH_ICE_FIXED:
      snprintf(name, sizeof(name), "fixed_%d", (int)t->length);
      return avro_fixed(c, name, t->length, NULL, NULL);
    case LFH_ICE_DECIMAL:
      snprintf(name, sizeof(name), "decimal_%d_%d", (int)t->precision, (int)t->scale);
      return avro_fixed(c, name, decimal_bytes(t->precision), "decimal", t);
    case LFH_ICE_STRUCT:
      snprintf(name, sizeof(name), "r%d", (int)holder_id);
      return avro_record(c, t, name);
    case LFH_ICE_LIST: return avro_list(c, t);
    case LFH_ICE_MAP: return avro_map(c, t);
  }
  c->ok = 0;
  return NULL;
}

char *lfh_ice_schema_to_avro_json(const lfh_ice_schema *s, const char *record_name) {
  avro_ctx c = {json_object(), 1};
  char *text = NULL;
  json_t *root = c.named ? avro_record(&c, s->root, record_name) : NULL;
  if (root && c.ok) text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(root);
  json_decref(c.named);
  return text;
}
