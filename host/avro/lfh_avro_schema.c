/*
 * lfh_avro_schema — Avro schema JSON into an lfh_avro_schema graph.
 *
 * Kept beyond what Avro itself needs: Iceberg's field-id, element-id, key-id, value-id
 * and adjust-to-utc, and every logicalType string (unknown ones too, so that they print
 * back). Named types are registered under their full name before their body is parsed,
 * so a later reference — even from inside the type itself — points at the same node.
 *
 * Validation follows the Avro specification where a violation would make data
 * ambiguous or unreadable elsewhere (python3-avro and Java refuse such schemas too):
 * names, duplicate fields and symbols, redefined names, nested unions, duplicate union
 * branches, defaults that do not fit their type, Iceberg "map" arrays without key/value.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro_internal.h"
#include "lf/lf_array.h"
#include "util/lfh_common.h"
#include "util/lfh_mem.h"

typedef struct parse_ctx {
  lfh_avro_nodes all;   /* every node allocated, for the failure path */
  lfh_avro_nodes named; /* named types by full name, for references */
  lf_error *err;
  int rc; /* the code of the first error, as lf_error may be NULL */
  int depth;
} parse_ctx;

static const char *const k_primitives[] = {"null", "boolean", "int",   "long",
                                           "float", "double", "bytes", "string"};

static lfh_avro_schema *parse_any(parse_ctx *c, json_t *j, const char *ns);

/* ------------------------------------------------------------ node sets */

int lfh_avro_nodes_has(const lfh_avro_nodes *ns, const lfh_avro_schema *s) {
  for (size_t i = 0; i < ns->n; i++)
    if (ns->v[i] == s) return 1;
  return 0;
}

int lfh_avro_nodes_add(lfh_avro_nodes *ns, lfh_avro_schema *s) {
  if (lfh_grow(&ns->v, &ns->cap, ns->n + 1, sizeof *ns->v, 16) != 0) return -1;
  ns->v[ns->n++] = s;
  return 0;
}

static int is_named(const lfh_avro_schema *s) {
  return s->type == LFH_AVRO_RECORD || s->type == LFH_AVRO_ENUM || s->type == LFH_AVRO_FIXED;
}

/* Only named nodes can be reached twice, so only they are looked up in `out`; the set
 * stays as small as the number of named types. */
static int collect(lfh_avro_nodes *out, lfh_avro_nodes *seen, lfh_avro_schema *s) {
  if (!s) return 0;
  if (is_named(s)) {
    if (lfh_avro_nodes_has(seen, s)) return 0;
    if (lfh_avro_nodes_add(seen, s) != 0) return -1;
  }
  if (lfh_avro_nodes_add(out, s) != 0) return -1;
  for (size_t i = 0; i < s->n_fields; i++)
    if (collect(out, seen, s->fields[i].type) != 0) return -1;
  for (size_t i = 0; i < s->n_branches; i++)
    if (collect(out, seen, s->branches[i]) != 0) return -1;
  return collect(out, seen, s->items);
}

int lfh_avro_nodes_collect(lfh_avro_nodes *out, lfh_avro_schema *s) {
  lfh_avro_nodes seen = {0};
  int rc = collect(out, &seen, s);
  free(seen.v);
  return rc;
}

void lfh_avro_node_free_shallow(lfh_avro_schema *s) {
  if (!s) return;
  free(s->name);
  free(s->logical_type);
  for (size_t i = 0; i < s->n_fields; i++) {
    free(s->fields[i].name);
    free(s->fields[i].doc);
    free(s->fields[i].default_json);
  }
  free(s->fields);
  free(s->branches);
  for (size_t i = 0; i < s->n_symbols; i++) free(s->symbols[i]);
  free(s->symbols);
  free(s);
}

void lfh_avro_schema_free(lfh_avro_schema *s) {
  if (!s) return;
  lfh_avro_nodes all = {0};
  /* On allocation failure mid-walk, free what was collected: a leak beats a crash. */
  (void)lfh_avro_nodes_collect(&all, s);
  for (size_t i = 0; i < all.n; i++) lfh_avro_node_free_shallow(all.v[i]);
  free(all.v);
}

/* ------------------------------------------------------------ helpers */

static int nomem(parse_ctx *c);

static lfh_avro_schema *node_new(parse_ctx *c, lfh_avro_type t) {
  lfh_avro_schema *s = calloc(1, sizeof *s);
  if (!s || lfh_avro_nodes_add(&c->all, s) != 0) {
    free(s);
    nomem(c);
    return NULL;
  }
  s->type = t;
  s->adjust_to_utc = -1;
  s->element_id = s->key_id = s->value_id = LFH_AVRO_NO_ID;
  return s;
}

static int nomem(parse_ctx *c) {
  if (!c->rc) c->rc = lf_error_set(c->err, LF_ERR_NOMEM, "avro schema: out of memory");
  return LF_ERR_NOMEM;
}

static char *dup_or_fail(parse_ctx *c, const char *s) {
  char *d = strdup(s);
  if (!d) nomem(c);
  return d;
}

/* Records the first error only: later ones are consequences. */
static int bad(parse_ctx *c, const char *what, const char *detail) {
  if (!c->rc)
    c->rc = lf_error_set(c->err, LF_ERR_SCHEMA, "avro schema: %s%s%s", what,
                         detail ? ": " : "", detail ? detail : "");
  return LF_ERR_SCHEMA;
}

/* [A-Za-z_][A-Za-z0-9_]*, as the specification requires of names and symbols. */
static int valid_simple_name(const char *s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    int alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
    if (!alpha && !(i > 0 && ch >= '0' && ch <= '9')) return 0;
  }
  return 1;
}

/* A dotted full name: every component a valid simple name. */
static int valid_full_name(const char *s) {
  const char *start = s;
  for (const char *p = s;; p++) {
    if (*p == '.' || *p == '\0') {
      if (!valid_simple_name(start, (size_t)(p - start))) return 0;
      if (*p == '\0') return 1;
      start = p + 1;
    }
  }
}

static lfh_avro_schema *find_named(parse_ctx *c, const char *full) {
  for (size_t i = 0; i < c->named.n; i++)
    if (strcmp(c->named.v[i]->name, full) == 0) return c->named.v[i];
  return NULL;
}

/* `name` relative to namespace `ns`: qualified first, then as written — the fallback
 * lets a type of the null namespace be referenced from inside a namespace. */
static lfh_avro_schema *lookup(parse_ctx *c, const char *name, const char *ns) {
  if (!strchr(name, '.') && ns && *ns) {
    size_t n = strlen(ns) + strlen(name) + 2;
    char *full = malloc(n);
    if (!full) return NULL;
    snprintf(full, n, "%s.%s", ns, name);
    lfh_avro_schema *s = find_named(c, full);
    free(full);
    if (s) return s;
  }
  return find_named(c, name);
}

/* The text of a JSON string without embedded NULs, or NULL. The parser allows NULs
 * (JSON_ALLOW_NUL) because a bytes default such as "\u0000" is valid Avro, but names,
 * symbols and attributes must not carry them. */
static const char *plain_str(json_t *j) {
  if (!json_is_string(j)) return NULL;
  const char *s = json_string_value(j);
  return strlen(s) == json_string_length(j) ? s : NULL;
}

/* Integer attribute `key` of `o` into *out when present; refuses non-integers and values
 * outside [lo, hi]. */
static int int_attr(parse_ctx *c, json_t *o, const char *key, json_int_t lo, json_int_t hi,
                    int32_t *out) {
  json_t *v = json_object_get(o, key);
  if (!v) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
    return bad(c, "attribute is not an integer in range", key);
  *out = (int32_t)json_integer_value(v);
  return 0;
}

static int str_attr(parse_ctx *c, json_t *o, const char *key, char **out) {
  json_t *v = json_object_get(o, key);
  if (!v) return 0;
  if (!plain_str(v)) return bad(c, "attribute is not a string", key);
  *out = dup_or_fail(c, plain_str(v));
  return *out ? 0 : LF_ERR_NOMEM;
}

/* ------------------------------------------------------------ names */

/* The full name of a named type from its "name" and "namespace" attributes and the
 * enclosing namespace, registered for later references. */
static int set_name(parse_ctx *c, lfh_avro_schema *s, json_t *o, const char *ns) {
  json_t *jn = json_object_get(o, "name");
  json_t *jns = json_object_get(o, "namespace");
  const char *name = plain_str(jn);
  if (!name) return bad(c, "named type without a string \"name\"", NULL);
  if (jns && !plain_str(jns) && !json_is_null(jns))
    return bad(c, "\"namespace\" is not a string", NULL);
  const char *space = strchr(name, '.') ? "" : (plain_str(jns) ? plain_str(jns) : ns);
  if (!space) space = "";
  size_t n = strlen(space) + strlen(name) + 2;
  s->name = malloc(n);
  if (!s->name) return nomem(c);
  snprintf(s->name, n, "%s%s%s", space, *space ? "." : "", name);
  if (!valid_full_name(s->name)) return bad(c, "invalid name", s->name);
  /* "Primitive type names have no namespace and their names may not be defined in any
   * namespace": a record x.int would otherwise print as "int" inside namespace x. */
  const char *last = strrchr(s->name, '.');
  for (size_t i = 0; i < LFH_ARRAY_LEN(k_primitives); i++)
    if (strcmp(last ? last + 1 : s->name, k_primitives[i]) == 0)
      return bad(c, "primitive type redefined", name);
  if (find_named(c, s->name)) return bad(c, "name defined twice", s->name);
  if (lfh_avro_nodes_add(&c->named, s) != 0)
    return nomem(c);
  return 0;
}

/* The namespace of a full name, as a fresh string ("" for none). */
static char *namespace_of(const char *full) {
  const char *dot = strrchr(full, '.');
  size_t n = dot ? (size_t)(dot - full) : 0;
  char *ns = malloc(n + 1);
  if (!ns) return NULL;
  memcpy(ns, full, n);
  ns[n] = '\0';
  return ns;
}

/* ------------------------------------------------------------ defaults */

static int default_fits(const lfh_avro_schema *s, json_t *d, int depth);

static int record_default_fits(const lfh_avro_schema *s, json_t *d, int depth) {
  if (!json_is_object(d)) return 0;
  for (size_t i = 0; i < s->n_fields; i++) {
    json_t *v = json_object_get(d, s->fields[i].name);
    if (v ? !default_fits(s->fields[i].type, v, depth + 1) : !s->fields[i].default_json)
      return 0;
  }
  return 1;
}

static int enum_default_fits(const lfh_avro_schema *s, json_t *d) {
  const char *v = plain_str(d);
  for (size_t i = 0; v && i < s->n_symbols; i++)
    if (strcmp(s->symbols[i], v) == 0) return 1;
  return 0;
}

static int container_default_fits(const lfh_avro_schema *s, json_t *d, int depth) {
  size_t i;
  const char *k;
  json_t *v;
  if (s->type == LFH_AVRO_ARRAY) {
    if (!json_is_array(d)) return 0;
    json_array_foreach(d, i, v) if (!default_fits(s->items, v, depth + 1)) return 0;
    return 1;
  }
  if (!json_is_object(d)) return 0;
  json_object_foreach(d, k, v) if (!default_fits(s->items, v, depth + 1)) return 0;
  return 1;
}

/* Whether JSON `d` is a valid default for `s` (for a union: of its first branch). */
static int default_fits(const lfh_avro_schema *s, json_t *d, int depth) {
  if (depth > LFH_AVRO_MAX_SCHEMA_DEPTH) return 0;
  switch (s->type) {
  case LFH_AVRO_NULL: return json_is_null(d);
  case LFH_AVRO_BOOLEAN: return json_is_boolean(d);
  case LFH_AVRO_INT:
    return json_is_integer(d) && json_integer_value(d) >= INT32_MIN &&
           json_integer_value(d) <= INT32_MAX;
  case LFH_AVRO_LONG: return json_is_integer(d);
  case LFH_AVRO_FLOAT:
  case LFH_AVRO_DOUBLE: return json_is_number(d);
  case LFH_AVRO_BYTES:
  case LFH_AVRO_STRING:
  case LFH_AVRO_FIXED: return json_is_string(d);
  case LFH_AVRO_ENUM: return enum_default_fits(s, d);
  case LFH_AVRO_RECORD: return record_default_fits(s, d, depth);
  case LFH_AVRO_ARRAY:
  case LFH_AVRO_MAP: return container_default_fits(s, d, depth);
  case LFH_AVRO_UNION: return s->n_branches > 0 && default_fits(s->branches[0], d, depth + 1);
  }
  return 0;
}

/* ------------------------------------------------------------ logical types */

/* Digits a two's-complement number of `n` bytes always holds: floor((8n-1)·log10 2). */
static int32_t fixed_decimal_digits(size_t n) {
  if (n == 0) return 0;
  if (n > 1024) return INT32_MAX;
  return (int32_t)floor((double)(8 * n - 1) * log10(2.0));
}

static int parse_decimal(parse_ctx *c, lfh_avro_schema *s, json_t *o) {
  if (s->type != LFH_AVRO_BYTES && s->type != LFH_AVRO_FIXED)
    return bad(c, "logicalType decimal on a type other than bytes or fixed", NULL);
  if (!json_object_get(o, "precision")) return bad(c, "decimal without \"precision\"", NULL);
  int rc = int_attr(c, o, "precision", 1, INT32_MAX, &s->precision);
  if (!rc) rc = int_attr(c, o, "scale", 0, INT32_MAX, &s->scale);
  if (rc) return rc;
  if (s->scale > s->precision) return bad(c, "decimal scale greater than its precision", NULL);
  if (s->type == LFH_AVRO_FIXED && s->precision > fixed_decimal_digits(s->fixed_size))
    return bad(c, "decimal precision too large for its fixed size", s->name);
  return 0;
}

/* logicalType (any string, kept), Iceberg's adjust-to-utc, and decimal's attributes.
 * Decimal is checked strictly — unlike the specification's "ignore invalid logical
 * types" — because readers size values from precision and scale. */
static int parse_logical(parse_ctx *c, lfh_avro_schema *s, json_t *o) {
  int rc = str_attr(c, o, "logicalType", &s->logical_type);
  if (rc) return rc;
  json_t *utc = json_object_get(o, "adjust-to-utc");
  if (utc) {
    if (!json_is_boolean(utc)) return bad(c, "\"adjust-to-utc\" is not a boolean", NULL);
    s->adjust_to_utc = json_is_true(utc);
  }
  if (s->logical_type && strcmp(s->logical_type, "decimal") == 0) return parse_decimal(c, s, o);
  return 0;
}

/* Iceberg writes maps with non-string keys as arrays of {key, value} records marked
 * logicalType "map"; key-id and value-id are then the field-ids of those fields. */
static int check_map_array(parse_ctx *c, lfh_avro_schema *s) {
  const lfh_avro_schema *it = s->items;
  if (it->type != LFH_AVRO_RECORD || it->n_fields != 2 || strcmp(it->fields[0].name, "key") ||
      strcmp(it->fields[1].name, "value"))
    return bad(c, "logicalType map needs an array of records with fields key and value", NULL);
  if (s->key_id == LFH_AVRO_NO_ID) s->key_id = it->fields[0].field_id;
  if (s->value_id == LFH_AVRO_NO_ID) s->value_id = it->fields[1].field_id;
  return 0;
}

/* ------------------------------------------------------------ complex types */

static int parse_field(parse_ctx *c, lfh_avro_field *f, json_t *jf, const char *ns) {
  if (!json_is_object(jf)) return bad(c, "a record field is not an object", NULL);
  json_t *jn = json_object_get(jf, "name");
  const char *name = plain_str(jn);
  if (!name) return bad(c, "a record field has no string \"name\"", NULL);
  if (!valid_simple_name(name, strlen(name))) return bad(c, "invalid field name", name);
  if (!(f->name = dup_or_fail(c, name))) return LF_ERR_NOMEM;
  json_t *jt = json_object_get(jf, "type");
  if (!jt) return bad(c, "field without a \"type\"", name);
  if (!(f->type = parse_any(c, jt, ns))) return c->rc;
  int rc = str_attr(c, jf, "doc", &f->doc);
  if (!rc) rc = int_attr(c, jf, "field-id", 0, INT32_MAX, &f->field_id);
  if (rc) return rc;
  json_t *d = json_object_get(jf, "default");
  if (!d) return 0;
  if (!default_fits(f->type, d, 0)) return bad(c, "default does not match the field's type", name);
  f->default_json = json_dumps(d, JSON_ENCODE_ANY | JSON_COMPACT);
  return f->default_json ? 0 : nomem(c);
}

static int parse_fields(parse_ctx *c, lfh_avro_schema *s, json_t *jf) {
  size_t n = json_array_size(jf);
  char *inner = namespace_of(s->name);
  s->fields = calloc(n ? n : 1, sizeof *s->fields);
  if (!inner || !s->fields) goto fail_nomem;
  for (size_t i = 0; i < n; i++) {
    lfh_avro_field *f = &s->fields[i];
    f->field_id = LFH_AVRO_NO_ID;
    s->n_fields = i + 1; /* so that the failure path frees what this field got */
    if (parse_field(c, f, json_array_get(jf, i), inner) != 0) goto fail;
    for (size_t k = 0; k < i; k++)
      if (strcmp(s->fields[k].name, f->name) == 0) {
        bad(c, "duplicate field name", f->name);
        goto fail;
      }
  }
  free(inner);
  return 0;
fail_nomem:
  nomem(c);
fail:
  free(inner);
  return c->rc;
}

static lfh_avro_schema *parse_record(parse_ctx *c, json_t *o, const char *ns) {
  lfh_avro_schema *s = node_new(c, LFH_AVRO_RECORD);
  if (!s || set_name(c, s, o, ns) != 0) return NULL;
  json_t *jf = json_object_get(o, "fields");
  if (!json_is_array(jf)) {
    bad(c, "record without a \"fields\" array", s->name);
    return NULL;
  }
  return parse_fields(c, s, jf) == 0 ? s : NULL;
}

static int add_symbol(parse_ctx *c, lfh_avro_schema *s, json_t *js) {
  const char *sym = plain_str(js);
  if (!sym) return bad(c, "enum symbol is not a string", s->name);
  if (!valid_simple_name(sym, strlen(sym))) return bad(c, "invalid enum symbol", sym);
  for (size_t k = 0; k < s->n_symbols; k++)
    if (strcmp(s->symbols[k], sym) == 0) return bad(c, "duplicate enum symbol", sym);
  if (!(s->symbols[s->n_symbols] = dup_or_fail(c, sym))) return LF_ERR_NOMEM;
  s->n_symbols++;
  return 0;
}

static lfh_avro_schema *parse_enum(parse_ctx *c, json_t *o, const char *ns) {
  lfh_avro_schema *s = node_new(c, LFH_AVRO_ENUM);
  if (!s || set_name(c, s, o, ns) != 0) return NULL;
  json_t *js = json_object_get(o, "symbols");
  if (!json_is_array(js) || json_array_size(js) == 0) {
    bad(c, "enum without a non-empty \"symbols\" array", s->name);
    return NULL;
  }
  if (!(s->symbols = calloc(json_array_size(js), sizeof *s->symbols))) {
    nomem(c);
    return NULL;
  }
  for (size_t i = 0; i < json_array_size(js); i++)
    if (add_symbol(c, s, json_array_get(js, i)) != 0) return NULL;
  return s;
}

static lfh_avro_schema *parse_fixed(parse_ctx *c, json_t *o, const char *ns) {
  lfh_avro_schema *s = node_new(c, LFH_AVRO_FIXED);
  if (!s || set_name(c, s, o, ns) != 0) return NULL;
  json_t *js = json_object_get(o, "size");
  if (!json_is_integer(js) || json_integer_value(js) < 0 || json_integer_value(js) > INT32_MAX) {
    bad(c, "fixed without a valid \"size\"", s->name);
    return NULL;
  }
  s->fixed_size = (size_t)json_integer_value(js);
  return s;
}

/* ARRAY (items, element-id) and MAP (values, key-id, value-id). */
static lfh_avro_schema *parse_container(parse_ctx *c, json_t *o, const char *ns,
                                        lfh_avro_type t) {
  const char *key = t == LFH_AVRO_ARRAY ? "items" : "values";
  lfh_avro_schema *s = node_new(c, t);
  if (!s) return NULL;
  json_t *ji = json_object_get(o, key);
  if (!ji) {
    bad(c, t == LFH_AVRO_ARRAY ? "array without \"items\"" : "map without \"values\"", NULL);
    return NULL;
  }
  if (!(s->items = parse_any(c, ji, ns))) return NULL;
  if (int_attr(c, o, "element-id", 0, INT32_MAX, &s->element_id) ||
      int_attr(c, o, "key-id", 0, INT32_MAX, &s->key_id) ||
      int_attr(c, o, "value-id", 0, INT32_MAX, &s->value_id))
    return NULL;
  return s;
}

static int same_branch_type(const lfh_avro_schema *a, const lfh_avro_schema *b) {
  if (a->type != b->type) return 0;
  if (a->name && b->name) return strcmp(a->name, b->name) == 0;
  return 1;
}

static lfh_avro_schema *parse_union(parse_ctx *c, json_t *a, const char *ns) {
  size_t n = json_array_size(a);
  lfh_avro_schema *s = node_new(c, LFH_AVRO_UNION);
  if (!s) return NULL;
  if (n == 0) {
    bad(c, "empty union", NULL);
    return NULL;
  }
  if (!(s->branches = calloc(n, sizeof *s->branches))) {
    nomem(c);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    lfh_avro_schema *b = parse_any(c, json_array_get(a, i), ns);
    if (!b) return NULL;
    if (b->type == LFH_AVRO_UNION) {
      bad(c, "a union directly inside a union", NULL);
      return NULL;
    }
    for (size_t k = 0; k < i; k++)
      if (same_branch_type(s->branches[k], b)) {
        bad(c, "a union with two branches of the same type", b->name);
        return NULL;
      }
    s->branches[s->n_branches++] = b;
  }
  return s;
}

static int primitive_type(const char *name, lfh_avro_type *t) {
  for (size_t i = 0; i < LFH_ARRAY_LEN(k_primitives); i++)
    if (strcmp(name, k_primitives[i]) == 0) {
      *t = (lfh_avro_type)i; /* k_primitives follows the enum's order */
      return 1;
    }
  return 0;
}

static lfh_avro_schema *parse_name(parse_ctx *c, const char *name, const char *ns) {
  lfh_avro_type t;
  if (primitive_type(name, &t)) return node_new(c, t);
  lfh_avro_schema *s = lookup(c, name, ns);
  if (!s) bad(c, "unknown type name", name);
  return s;
}

static lfh_avro_schema *parse_typed(parse_ctx *c, json_t *o, const char *type, const char *ns) {
  lfh_avro_type t;
  if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) return parse_record(c, o, ns);
  if (strcmp(type, "enum") == 0) return parse_enum(c, o, ns);
  if (strcmp(type, "fixed") == 0) return parse_fixed(c, o, ns);
  if (strcmp(type, "array") == 0) return parse_container(c, o, ns, LFH_AVRO_ARRAY);
  if (strcmp(type, "map") == 0) return parse_container(c, o, ns, LFH_AVRO_MAP);
  if (primitive_type(type, &t)) return node_new(c, t);
  bad(c, "unknown type", type);
  return NULL;
}

static lfh_avro_schema *parse_object(parse_ctx *c, json_t *o, const char *ns) {
  json_t *jt = json_object_get(o, "type");
  const char *type = plain_str(jt);
  if (!type) {
    bad(c, "a schema object needs a string \"type\"", NULL);
    return NULL;
  }
  lfh_avro_type t;
  int builtin = primitive_type(type, &t) || !strcmp(type, "record") || !strcmp(type, "error") ||
                !strcmp(type, "enum") || !strcmp(type, "fixed") || !strcmp(type, "array") ||
                !strcmp(type, "map");
  /* {"type": "SomeName"}: a reference, as Java accepts; its other attributes belong to
   * the definition. */
  if (!builtin) return parse_name(c, type, ns);
  lfh_avro_schema *s = parse_typed(c, o, type, ns);
  if (!s || parse_logical(c, s, o) != 0) return NULL;
  if (s->type == LFH_AVRO_ARRAY && s->logical_type && strcmp(s->logical_type, "map") == 0 &&
      check_map_array(c, s) != 0)
    return NULL;
  return s;
}

static lfh_avro_schema *parse_any(parse_ctx *c, json_t *j, const char *ns) {
  lfh_avro_schema *s = NULL;
  if (++c->depth > LFH_AVRO_MAX_SCHEMA_DEPTH)
    bad(c, "nested too deeply", NULL);
  else if (plain_str(j))
    s = parse_name(c, plain_str(j), ns);
  else if (json_is_array(j))
    s = parse_union(c, j, ns);
  else if (json_is_object(j))
    s = parse_object(c, j, ns);
  else
    bad(c, "a schema must be a string, an array or an object", NULL);
  c->depth--;
  return s;
}

lfh_avro_schema *lfh_avro_schema_parse(const char *json, size_t len, lf_error *err) {
  parse_ctx c = {.err = err};
  json_error_t je;
  json_t *j = json_loadb(json, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                      &je);
  if (!j) {
    lf_error_set(err, LF_ERR_SCHEMA, "avro schema: invalid JSON at line %d column %d: %s",
                 je.line, je.column, je.text);
    return NULL;
  }
  lfh_avro_schema *s = parse_any(&c, j, "");
  json_decref(j);
  if (!s)
    for (size_t i = 0; i < c.all.n; i++) lfh_avro_node_free_shallow(c.all.v[i]);
  free(c.all.v);
  free(c.named.v);
  return s;
}

/* ------------------------------------------------------------ queries */

const lfh_avro_field *lfh_avro_field_by_name(const lfh_avro_schema *rec, const char *name) {
  if (!rec || rec->type != LFH_AVRO_RECORD) return NULL;
  for (size_t i = 0; i < rec->n_fields; i++)
    if (strcmp(rec->fields[i].name, name) == 0) return &rec->fields[i];
  return NULL;
}

const lfh_avro_schema *lfh_avro_nullable(const lfh_avro_schema *s, int *null_index) {
  if (!s || s->type != LFH_AVRO_UNION || s->n_branches != 2) return NULL;
  for (int i = 0; i < 2; i++)
    if (s->branches[i]->type == LFH_AVRO_NULL && s->branches[1 - i]->type != LFH_AVRO_NULL) {
      if (null_index) *null_index = i;
      return s->branches[1 - i];
    }
  return NULL;
}

static size_t min_size(const lfh_avro_schema *s, int depth) {
  if (depth > LFH_AVRO_MAX_SCHEMA_DEPTH) return 0; /* recursive types: stop counting */
  size_t n = 0;
  switch (s->type) {
  case LFH_AVRO_NULL: return 0;
  case LFH_AVRO_FLOAT: return 4;
  case LFH_AVRO_DOUBLE: return 8;
  case LFH_AVRO_FIXED: return s->fixed_size;
  case LFH_AVRO_RECORD:
    for (size_t i = 0; i < s->n_fields; i++) n += min_size(s->fields[i].type, depth + 1);
    return n;
  default: return 1; /* a varint, a length or a boolean byte */
  }
}

size_t lfh_avro_min_size(const lfh_avro_schema *s) { return min_size(s, 0); }
