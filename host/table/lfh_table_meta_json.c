/* lfh_table_meta_json.c — table metadata JSON: strict-where-required parsing and writing
 * in Java's key order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_table_meta.h"

/* ------------------------------------------------------------ parse helpers */

typedef struct mctx {
  const char *name; /* the file, first in every message */
  lf_error *err;
  int rc;
} mctx;

static int fail_at(mctx *c, const char *path, const char *key, const char *what) {
  c->rc = LF_ERR_DATA;
  const char *sep = path && *path && *key ? "." : "";
  return lf_error_set(c->err, LF_ERR_DATA, "%s: '%s%s%s' %s", c->name, path ? path : "", sep,
                      key, what);
}

static int nomem(mctx *c) {
  c->rc = LF_ERR_NOMEM;
  return lf_error_set(c->err, LF_ERR_NOMEM, "%s: out of memory", c->name);
}

/* A required (req=1) or optional integer member; an absent or null optional one keeps
 * *out unchanged. */
static int get_i64(mctx *c, const json_t *o, const char *path, const char *key, int req,
                   int64_t *out) {
  const json_t *v = json_object_get(o, key);
  if ((!v || json_is_null(v)) && !req) return 0;
  if (!v) return fail_at(c, path, key, "is required but missing");
  if (!json_is_integer(v)) return fail_at(c, path, key, "must be an integer");
  *out = json_integer_value(v);
  return 0;
}

static int get_i32(mctx *c, const json_t *o, const char *path, const char *key, int req,
                   int32_t *out) {
  int64_t v = *out;
  int rc = get_i64(c, o, path, key, req, &v);
  if (rc) return rc;
  if (v < INT32_MIN || v > INT32_MAX) return fail_at(c, path, key, "is out of range");
  *out = (int32_t)v;
  return 0;
}

static int get_str(mctx *c, const json_t *o, const char *path, const char *key, char **out) {
  const json_t *v = json_object_get(o, key);
  if (!v) return fail_at(c, path, key, "is required but missing");
  if (!json_is_string(v)) return fail_at(c, path, key, "must be a string");
  if (!(*out = strdup(json_string_value(v)))) return nomem(c);
  return 0;
}

/* An optional array member: NULL when absent or null, an error when not an array. */
static int get_array(mctx *c, const json_t *o, const char *key, int req, const json_t **out) {
  const json_t *v = json_object_get(o, key);
  *out = NULL;
  if (!v || json_is_null(v)) return req ? fail_at(c, "", key, "is required but missing") : 0;
  if (!json_is_array(v)) return fail_at(c, "", key, "must be an array");
  *out = v;
  return 0;
}

static int kvs_from_json(mctx *c, const json_t *o, const char *path, const char *key,
                         lfh_kvs *out) {
  const json_t *v = json_object_get(o, key);
  const char *k;
  const json_t *val;
  if (!v || json_is_null(v)) return 0;
  if (!json_is_object(v)) return fail_at(c, path, key, "must be an object");
  json_object_foreach((json_t *)v, k, val) {
    if (!json_is_string(val)) return fail_at(c, path, key, "values must be strings");
    if (lfh_kvs_set(out, k, json_string_value(val)) != 0) return nomem(c);
  }
  return 0;
}

/* ------------------------------------------------------------ parse parts */

static int parse_schemas(mctx *c, const json_t *root, lfh_table_meta *m) {
  const json_t *arr;
  if (get_array(c, root, "schemas", 1, &arr)) return c->rc;
  size_t n = json_array_size(arr);
  if (!n) return fail_at(c, "", "schemas", "must not be empty");
  if (!(m->schemas = calloc(n, sizeof(*m->schemas)))) return nomem(c);
  for (size_t i = 0; i < n; i++) {
    char where[512];
    snprintf(where, sizeof(where), "%s: schemas[%zu]", c->name, i);
    int rc = lfh_ice_schema_from_json(json_array_get(arr, i), where, &m->schemas[i], c->err);
    if (rc) return c->rc = rc;
    m->n_schemas++;
  }
  if (!lfh_table_meta_schema(m, m->current_schema_id))
    return fail_at(c, "", "current-schema-id", "names no schema in 'schemas'");
  return 0;
}

static int parse_summary(mctx *c, const json_t *o, const char *path, lfh_snapshot *s) {
  const json_t *sum = json_object_get(o, "summary");
  if (!sum) return fail_at(c, path, "summary", "is required but missing");
  if (kvs_from_json(c, o, path, "summary", &s->summary)) return c->rc;
  const char *op = lfh_kvs_get(&s->summary, "operation");
  if (!op) return fail_at(c, path, "summary.operation", "is required but missing");
  /* Keep "operation" first, as Java writes it, whatever order the file had. */
  for (size_t i = 1; i < s->summary.n; i++)
    if (s->summary.items[i].value == op) {
      lfh_kv t = s->summary.items[i];
      memmove(&s->summary.items[1], &s->summary.items[0], i * sizeof(t));
      s->summary.items[0] = t;
      break;
    }
  return 0;
}

static int parse_snapshot(mctx *c, const json_t *o, const char *path, lfh_snapshot *s) {
  s->parent_id = LFH_NO_SNAPSHOT;
  s->schema_id = -1;
  if (!json_is_object(o)) return fail_at(c, path, "", "must be an object");
  if (get_i64(c, o, path, "snapshot-id", 1, &s->snapshot_id) ||
      get_i64(c, o, path, "parent-snapshot-id", 0, &s->parent_id) ||
      get_i64(c, o, path, "sequence-number", 1, &s->sequence_number) ||
      get_i64(c, o, path, "timestamp-ms", 1, &s->timestamp_ms) ||
      get_str(c, o, path, "manifest-list", &s->manifest_list) ||
      get_i32(c, o, path, "schema-id", 0, &s->schema_id) || parse_summary(c, o, path, s))
    return c->rc;
  return 0;
}

static int parse_snapshots(mctx *c, const json_t *root, lfh_table_meta *m) {
  const json_t *arr;
  if (get_array(c, root, "snapshots", 0, &arr)) return c->rc;
  size_t n = json_array_size(arr);
  if (n && !(m->snapshots = calloc(n, sizeof(*m->snapshots)))) return nomem(c);
  for (size_t i = 0; i < n; i++) {
    char path[48];
    snprintf(path, sizeof(path), "snapshots[%zu]", i);
    m->n_snapshots++;
    if (parse_snapshot(c, json_array_get(arr, i), path, &m->snapshots[i])) return c->rc;
  }
  if (m->current_snapshot_id != LFH_NO_SNAPSHOT && !lfh_table_meta_current(m))
    return fail_at(c, "", "current-snapshot-id", "names no snapshot in 'snapshots'");
  return 0;
}

static int parse_snapshot_log(mctx *c, const json_t *root, lfh_table_meta *m) {
  const json_t *arr;
  if (get_array(c, root, "snapshot-log", 0, &arr)) return c->rc;
  size_t n = json_array_size(arr);
  if (n && !(m->snapshot_log = calloc(n, sizeof(*m->snapshot_log)))) return nomem(c);
  for (size_t i = 0; i < n; i++) {
    char path[48];
    const json_t *o = json_array_get(arr, i);
    snprintf(path, sizeof(path), "snapshot-log[%zu]", i);
    if (get_i64(c, o, path, "timestamp-ms", 1, &m->snapshot_log[i].timestamp_ms) ||
        get_i64(c, o, path, "snapshot-id", 1, &m->snapshot_log[i].snapshot_id))
      return c->rc;
    m->n_snapshot_log++;
  }
  return 0;
}

static int parse_metadata_log(mctx *c, const json_t *root, lfh_table_meta *m) {
  const json_t *arr;
  if (get_array(c, root, "metadata-log", 0, &arr)) return c->rc;
  size_t n = json_array_size(arr);
  if (n && !(m->metadata_log = calloc(n, sizeof(*m->metadata_log)))) return nomem(c);
  for (size_t i = 0; i < n; i++) {
    char path[48];
    const json_t *o = json_array_get(arr, i);
    snprintf(path, sizeof(path), "metadata-log[%zu]", i);
    m->n_metadata_log++;
    if (get_i64(c, o, path, "timestamp-ms", 1, &m->metadata_log[i].timestamp_ms) ||
        get_str(c, o, path, "metadata-file", &m->metadata_log[i].metadata_file))
      return c->rc;
  }
  return 0;
}

static int parse_ref(mctx *c, const char *name, const json_t *o, lfh_ref *r) {
  char path[300];
  snprintf(path, sizeof(path), "refs.%.200s", name);
  const char *type = json_string_value(json_object_get(o, "type"));
  if (!(r->name = strdup(name))) return nomem(c);
  if (!json_is_object(o)) return fail_at(c, path, "", "must be an object");
  if (get_i64(c, o, path, "snapshot-id", 1, &r->snapshot_id)) return c->rc;
  if (!type || (strcmp(type, "branch") != 0 && strcmp(type, "tag") != 0))
    return fail_at(c, path, "type", "must be \"branch\" or \"tag\"");
  r->is_tag = strcmp(type, "tag") == 0;
  if (!(r->extra = json_deep_copy(o))) return nomem(c);
  json_object_del(r->extra, "snapshot-id");
  json_object_del(r->extra, "type");
  return 0;
}

static int parse_refs(mctx *c, const json_t *root, lfh_table_meta *m) {
  const json_t *refs = json_object_get(root, "refs");
  const char *k;
  const json_t *v;
  if (refs && !json_is_object(refs)) return fail_at(c, "", "refs", "must be an object");
  size_t n = json_object_size(refs);
  if (!refs || !n) {
    /* Spec: without refs, a current snapshot means main points at it. */
    if (m->current_snapshot_id == LFH_NO_SNAPSHOT) return 0;
    if (!(m->refs = calloc(1, sizeof(*m->refs))) || !(m->refs[0].name = strdup("main")))
      return nomem(c);
    m->n_refs = 1;
    m->refs[0].snapshot_id = m->current_snapshot_id;
    return 0;
  }
  if (!(m->refs = calloc(n, sizeof(*m->refs)))) return nomem(c);
  json_object_foreach((json_t *)refs, k, v) {
    if (parse_ref(c, k, v, &m->refs[m->n_refs++])) return c->rc;
  }
  return 0;
}

static int parse_uuid(mctx *c, const json_t *root, lfh_table_meta *m) {
  const json_t *u = json_object_get(root, "table-uuid");
  if (!u) return fail_at(c, "", "table-uuid", "is required but missing");
  if (!json_is_string(u) || json_string_length(u) != 36)
    return fail_at(c, "", "table-uuid", "must be a UUID string");
  memcpy(m->table_uuid, json_string_value(u), 37);
  return 0;
}

static int parse_json_parts(mctx *c, const json_t *root, lfh_table_meta *m) {
  const json_t *specs, *orders;
  if (get_array(c, root, "partition-specs", 1, &specs) ||
      get_array(c, root, "sort-orders", 1, &orders))
    return c->rc;
  m->partition_specs = json_deep_copy(specs);
  m->sort_orders = json_deep_copy(orders);
  const json_t *st = json_object_get(root, "statistics");
  const json_t *pst = json_object_get(root, "partition-statistics");
  if (json_is_array(st)) m->statistics = json_deep_copy(st);
  if (json_is_array(pst)) m->partition_statistics = json_deep_copy(pst);
  if (!m->partition_specs || !m->sort_orders) return nomem(c);
  return 0;
}

static int parse_root(mctx *c, const json_t *root, lfh_table_meta *m) {
  int64_t fv = 0;
  if (!json_is_object(root)) return fail_at(c, "", "metadata", "must be a JSON object");
  if (get_i64(c, root, "", "format-version", 1, &fv)) return c->rc;
  if (fv != 2)
    return c->rc = lf_error_set(c->err, LF_ERR_UNSUPPORTED,
                                "%s: format-version %lld is not supported (lfhost reads v2)",
                                c->name, (long long)fv);
  m->format_version = 2;
  m->current_snapshot_id = LFH_NO_SNAPSHOT;
  if (parse_uuid(c, root, m) || get_str(c, root, "", "location", &m->location) ||
      get_i64(c, root, "", "last-sequence-number", 1, &m->last_sequence_number) ||
      get_i64(c, root, "", "last-updated-ms", 1, &m->last_updated_ms) ||
      get_i32(c, root, "", "last-column-id", 1, &m->last_column_id) ||
      get_i32(c, root, "", "current-schema-id", 1, &m->current_schema_id) ||
      get_i32(c, root, "", "default-spec-id", 1, &m->default_spec_id) ||
      get_i32(c, root, "", "last-partition-id", 1, &m->last_partition_id) ||
      get_i32(c, root, "", "default-sort-order-id", 1, &m->default_sort_order_id) ||
      get_i64(c, root, "", "current-snapshot-id", 0, &m->current_snapshot_id) ||
      kvs_from_json(c, root, "", "properties", &m->properties) ||
      parse_schemas(c, root, m) || parse_json_parts(c, root, m) ||
      parse_snapshots(c, root, m) || parse_refs(c, root, m) || parse_snapshot_log(c, root, m) ||
      parse_metadata_log(c, root, m))
    return c->rc;
  return 0;
}

int lfh_table_meta_parse(const char *json, size_t len, const char *name, lfh_table_meta **out,
                         lf_error *err) {
  mctx c = {name ? name : "metadata", err, 0};
  json_error_t je;
  *out = NULL;
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    return lf_error_set(err, LF_ERR_DATA, "%s: invalid JSON at line %d column %d: %s", c.name,
                        je.line, je.column, je.text);
  lfh_table_meta *m = calloc(1, sizeof(*m));
  if (!m) {
    json_decref(root);
    return nomem(&c);
  }
  if (parse_root(&c, root, m) != 0) {
    json_decref(root);
    lfh_table_meta_free(m);
    return c.rc ? c.rc : LF_ERR_DATA;
  }
  json_decref(root);
  *out = m;
  return LF_OK;
}

/* ------------------------------------------------------------ write */

typedef struct wctx {
  int ok;
} wctx;

static void put(wctx *w, json_t *o, const char *k, json_t *v) {
  if (!v || json_object_set_new(o, k, v) != 0) w->ok = 0;
}

static void push(wctx *w, json_t *a, json_t *v) {
  if (!v || json_array_append_new(a, v) != 0) w->ok = 0;
}

static json_t *kvs_to_json(wctx *w, const lfh_kvs *m) {
  json_t *o = json_object();
  if (!o) return w->ok = 0, NULL;
  for (size_t i = 0; i < m->n; i++) put(w, o, m->items[i].key, json_string(m->items[i].value));
  return o;
}

static json_t *snapshot_to_json(wctx *w, const lfh_snapshot *s) {
  json_t *o = json_object();
  if (!o) return w->ok = 0, NULL;
  put(w, o, "sequence-number", json_integer(s->sequence_number));
  put(w, o, "snapshot-id", json_integer(s->snapshot_id));
  if (s->parent_id != LFH_NO_SNAPSHOT) put(w, o, "parent-snapshot-id", json_integer(s->parent_id));
  put(w, o, "timestamp-ms", json_integer(s->timestamp_ms));
  put(w, o, "summary", kvs_to_json(w, &s->summary));
  put(w, o, "manifest-list", json_string(s->manifest_list));
  if (s->schema_id >= 0) put(w, o, "schema-id", json_integer(s->schema_id));
  return o;
}

static json_t *refs_to_json(wctx *w, const lfh_table_meta *m) {
  json_t *o = json_object();
  if (!o) return w->ok = 0, NULL;
  for (size_t i = 0; i < m->n_refs; i++) {
    json_t *r = json_object();
    if (!r) {
      w->ok = 0;
      break;
    }
    put(w, r, "snapshot-id", json_integer(m->refs[i].snapshot_id));
    put(w, r, "type", json_string(m->refs[i].is_tag ? "tag" : "branch"));
    if (m->refs[i].extra && json_object_update(r, m->refs[i].extra) != 0) w->ok = 0;
    put(w, o, m->refs[i].name, r);
  }
  return o;
}

static json_t *logs_to_json(wctx *w, const lfh_table_meta *m, int metadata) {
  json_t *a = json_array();
  if (!a) return w->ok = 0, NULL;
  size_t n = metadata ? m->n_metadata_log : m->n_snapshot_log;
  for (size_t i = 0; i < n; i++) {
    json_t *e = json_object();
    if (!e) {
      w->ok = 0;
      break;
    }
    if (metadata) {
      put(w, e, "timestamp-ms", json_integer(m->metadata_log[i].timestamp_ms));
      put(w, e, "metadata-file", json_string(m->metadata_log[i].metadata_file));
    } else {
      put(w, e, "timestamp-ms", json_integer(m->snapshot_log[i].timestamp_ms));
      put(w, e, "snapshot-id", json_integer(m->snapshot_log[i].snapshot_id));
    }
    push(w, a, e);
  }
  return a;
}

static json_t *copy_or_empty(const json_t *a) {
  return a ? json_deep_copy(a) : json_array();
}

static void put_collections(wctx *w, json_t *o, const lfh_table_meta *m) {
  json_t *schemas = json_array(), *snaps = json_array();
  for (size_t i = 0; schemas && i < m->n_schemas; i++)
    push(w, schemas, lfh_ice_schema_to_json(m->schemas[i]));
  put(w, o, "current-schema-id", json_integer(m->current_schema_id));
  put(w, o, "schemas", schemas);
  put(w, o, "default-spec-id", json_integer(m->default_spec_id));
  put(w, o, "partition-specs", copy_or_empty(m->partition_specs));
  put(w, o, "last-partition-id", json_integer(m->last_partition_id));
  put(w, o, "default-sort-order-id", json_integer(m->default_sort_order_id));
  put(w, o, "sort-orders", copy_or_empty(m->sort_orders));
  put(w, o, "properties", kvs_to_json(w, &m->properties));
  put(w, o, "current-snapshot-id", json_integer(m->current_snapshot_id));
  put(w, o, "refs", refs_to_json(w, m));
  for (size_t i = 0; snaps && i < m->n_snapshots; i++)
    push(w, snaps, snapshot_to_json(w, &m->snapshots[i]));
  put(w, o, "snapshots", snaps);
  put(w, o, "statistics", copy_or_empty(m->statistics));
  put(w, o, "partition-statistics", copy_or_empty(m->partition_statistics));
  put(w, o, "snapshot-log", logs_to_json(w, m, 0));
  put(w, o, "metadata-log", logs_to_json(w, m, 1));
}

char *lfh_table_meta_to_json(const lfh_table_meta *m) {
  wctx w = {1};
  json_t *o = json_object();
  char *text = NULL;
  if (!o) return NULL;
  put(&w, o, "format-version", json_integer(m->format_version));
  put(&w, o, "table-uuid", json_string(m->table_uuid));
  put(&w, o, "location", json_string(m->location));
  put(&w, o, "last-sequence-number", json_integer(m->last_sequence_number));
  put(&w, o, "last-updated-ms", json_integer(m->last_updated_ms));
  put(&w, o, "last-column-id", json_integer(m->last_column_id));
  put_collections(&w, o, m);
  if (w.ok) text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(o);
  return text;
}
