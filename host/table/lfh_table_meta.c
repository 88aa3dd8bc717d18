/* lfh_table_meta.c — table metadata model: lifetime, new tables, the add-snapshot step
 * of a commit, and snapshot lookups (time travel, ancestry, exactly-once). */
#include "table/lfh_table_meta.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "lf/lf_array.h"
#include "util/lfh_mem.h"
#include "util/lfh_clock.h"

/* ------------------------------------------------------------ string maps */

void lfh_kvs_free(lfh_kvs *m) {
  for (size_t i = 0; i < m->n; i++) {
    free(m->items[i].key);
    free(m->items[i].value);
  }
  free(m->items);
  memset(m, 0, sizeof(*m));
}

const char *lfh_kvs_get(const lfh_kvs *m, const char *key) {
  for (size_t i = 0; m && i < m->n; i++)
    if (strcmp(m->items[i].key, key) == 0) return m->items[i].value;
  return NULL;
}

int lfh_kvs_set(lfh_kvs *m, const char *key, const char *value) {
  char *v = strdup(value);
  if (!v) return LF_ERR_NOMEM;
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->items[i].key, key) == 0) {
      free(m->items[i].value);
      m->items[i].value = v;
      return LF_OK;
    }
  char *k = strdup(key);
  if (!k || lfh_grow(&m->items, &m->cap, m->n + 1, sizeof(*m->items), 8) != 0) {
    free(k);
    free(v);
    return LF_ERR_NOMEM;
  }
  m->items[m->n].key = k;
  m->items[m->n++].value = v;
  return LF_OK;
}

int lfh_kvs_copy(lfh_kvs *dst, const lfh_kvs *src) {
  for (size_t i = 0; src && i < src->n; i++)
    if (lfh_kvs_set(dst, src->items[i].key, src->items[i].value) != LF_OK) return LF_ERR_NOMEM;
  return LF_OK;
}

/* ------------------------------------------------------------ lifetime */

void lfh_table_meta_free(lfh_table_meta *m) {
  if (!m) return;
  free(m->location);
  for (size_t i = 0; i < m->n_schemas; i++) lfh_ice_schema_free(m->schemas[i]);
  free(m->schemas);
  json_decref(m->partition_specs);
  json_decref(m->sort_orders);
  json_decref(m->statistics);
  json_decref(m->partition_statistics);
  lfh_kvs_free(&m->properties);
  for (size_t i = 0; i < m->n_refs; i++) {
    free(m->refs[i].name);
    json_decref(m->refs[i].extra);
  }
  free(m->refs);
  for (size_t i = 0; i < m->n_snapshots; i++) {
    free(m->snapshots[i].manifest_list);
    lfh_kvs_free(&m->snapshots[i].summary);
  }
  free(m->snapshots);
  free(m->snapshot_log);
  for (size_t i = 0; i < m->n_metadata_log; i++) free(m->metadata_log[i].metadata_file);
  free(m->metadata_log);
  free(m);
}

/* A deep copy through our own JSON: one code path to keep correct instead of two, and
 * metadata is small next to the files a commit writes. */
lfh_table_meta *lfh_table_meta_copy(const lfh_table_meta *m) {
  char *text = lfh_table_meta_to_json(m);
  lfh_table_meta *c = NULL;
  if (text) lfh_table_meta_parse(text, strlen(text), "copy", &c, NULL);
  free(text);
  return c;
}

/* ------------------------------------------------------------ clock and ids */

int64_t lfh_now_ms(void) { return lfh_wall_us() / 1000; }

static int random_bytes(void *p, size_t n) {
  uint8_t *b = p;
  while (n) {
    ssize_t got = getrandom(b, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return -1;
    b += got;
    n -= (size_t)got;
  }
  return 0;
}

int64_t lfh_random_id(void) {
  uint64_t v = 0;
  if (random_bytes(&v, sizeof(v)) != 0) return 0;
  v &= (uint64_t)INT64_MAX; /* Java's snapshot ids are positive longs */
  return v ? (int64_t)v : 1;
}

static int random_uuid(char out[37]) {
  uint8_t b[16];
  if (random_bytes(b, sizeof(b)) != 0) return -1;
  b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
  b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  char *p = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    p += sprintf(p, "%02x", b[i]);
  }
  return 0;
}

/* ------------------------------------------------------------ new table */

static int new_table_json_parts(lfh_table_meta *m) {
  m->partition_specs = json_pack("[{s:i, s:[]}]", "spec-id", 0, "fields");
  m->sort_orders = json_pack("[{s:i, s:[]}]", "order-id", 0, "fields");
  m->statistics = json_array();
  m->partition_statistics = json_array();
  return m->partition_specs && m->sort_orders && m->statistics && m->partition_statistics ? 0 : -1;
}

int lfh_table_meta_new(const lfh_ice_schema *schema, const char *location, const lfh_kvs *props,
                       int64_t now_ms, lfh_table_meta **out, lf_error *err) {
  *out = NULL;
  lfh_table_meta *m = calloc(1, sizeof(*m));
  if (!m) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  m->format_version = 2;
  m->last_updated_ms = now_ms ? now_ms : lfh_now_ms();
  m->current_snapshot_id = LFH_NO_SNAPSHOT;
  m->last_partition_id = 999; /* Java's value for an unpartitioned table: ids start at 1000 */
  if (random_uuid(m->table_uuid) != 0) {
    lfh_table_meta_free(m);
    return lf_error_set(err, LF_ERR_IO, "getrandom failed making a table uuid");
  }
  m->location = strdup(location);
  m->schemas = calloc(1, sizeof(*m->schemas));
  if (m->schemas) m->schemas[0] = lfh_ice_schema_copy(schema);
  if (!m->location || !m->schemas || !m->schemas[0] || new_table_json_parts(m) != 0 ||
      lfh_kvs_copy(&m->properties, props) != LF_OK) {
    lfh_table_meta_free(m);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  }
  m->n_schemas = 1;
  m->schemas[0]->schema_id = 0;
  m->last_column_id = lfh_ice_type_max_id(schema->root);
  *out = m;
  return LF_OK;
}

/* ------------------------------------------------------------ lookups */

const lfh_snapshot *lfh_table_meta_snapshot(const lfh_table_meta *m, int64_t id) {
  for (size_t i = 0; m && i < m->n_snapshots; i++)
    if (m->snapshots[i].snapshot_id == id) return &m->snapshots[i];
  return NULL;
}

const lfh_snapshot *lfh_table_meta_current(const lfh_table_meta *m) {
  if (!m || m->current_snapshot_id == LFH_NO_SNAPSHOT) return NULL;
  return lfh_table_meta_snapshot(m, m->current_snapshot_id);
}

const lfh_ice_schema *lfh_table_meta_schema(const lfh_table_meta *m, int32_t schema_id) {
  for (size_t i = 0; m && i < m->n_schemas; i++)
    if (m->schemas[i]->schema_id == schema_id) return m->schemas[i];
  return NULL;
}

const lfh_ice_schema *lfh_table_meta_current_schema(const lfh_table_meta *m) {
  return lfh_table_meta_schema(m, m->current_schema_id);
}

const lfh_ref *lfh_table_meta_ref(const lfh_table_meta *m, const char *name) {
  for (size_t i = 0; m && i < m->n_refs; i++)
    if (strcmp(m->refs[i].name, name) == 0) return &m->refs[i];
  return NULL;
}

const lfh_snapshot *lfh_table_meta_snapshot_as_of(const lfh_table_meta *m, int64_t ts) {
  const lfh_snapshot_log_entry *hit = NULL;
  for (size_t i = 0; i < m->n_snapshot_log; i++)
    if (m->snapshot_log[i].timestamp_ms <= ts) hit = &m->snapshot_log[i];
  return hit ? lfh_table_meta_snapshot(m, hit->snapshot_id) : NULL;
}

const lfh_snapshot *lfh_table_meta_parent(const lfh_table_meta *m, const lfh_snapshot *s) {
  if (!s || s->parent_id == LFH_NO_SNAPSHOT) return NULL;
  return lfh_table_meta_snapshot(m, s->parent_id);
}

int lfh_table_meta_is_ancestor(const lfh_table_meta *m, const lfh_snapshot *s, int64_t id) {
  /* At most n steps: a corrupt file with a parent cycle must not loop forever. */
  for (size_t steps = 0; s && steps <= m->n_snapshots; steps++, s = lfh_table_meta_parent(m, s))
    if (s->snapshot_id == id) return 1;
  return 0;
}

static int parse_epoch(const char *text, int64_t *out) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno || end == text || *end) return -1;
  *out = v;
  return 0;
}

int lfh_table_meta_find_flow(const lfh_table_meta *m, const char *flow_id, int64_t *epoch,
                             int64_t *snapshot_id, lf_error *err) {
  const lfh_snapshot *s = lfh_table_meta_current(m);
  for (size_t steps = 0; s && steps <= m->n_snapshots; steps++, s = lfh_table_meta_parent(m, s)) {
    const char *f = lfh_kvs_get(&s->summary, LFH_SUMMARY_FLOW_ID);
    if (!f || strcmp(f, flow_id) != 0) continue;
    const char *e = lfh_kvs_get(&s->summary, LFH_SUMMARY_EPOCH);
    if (!e || parse_epoch(e, epoch) != 0)
      return lf_error_set(err, LF_ERR_DATA, "snapshot %lld of flow '%s' has no integer %s",
                          (long long)s->snapshot_id, flow_id, LFH_SUMMARY_EPOCH);
    *snapshot_id = s->snapshot_id;
    return 1;
  }
  return 0;
}

char *lfh_table_meta_spec_fields_json(const lfh_table_meta *m, int32_t spec_id) {
  size_t i;
  json_t *spec;
  json_array_foreach(m->partition_specs, i, spec) {
    json_t *id = json_object_get(spec, "spec-id");
    json_t *fields = json_object_get(spec, "fields");
    if (json_is_integer(id) && json_integer_value(id) == spec_id && json_is_array(fields))
      return json_dumps(fields, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
  }
  return NULL;
}

/* ------------------------------------------------------------ add snapshot */

static int64_t fresh_snapshot_id(const lfh_table_meta *m) {
  for (int tries = 0; tries < 8; tries++) {
    int64_t id = lfh_random_id();
    if (id && !lfh_table_meta_snapshot(m, id)) return id;
  }
  return 0;
}

static int fill_summary(lfh_kvs *sum, const lfh_snapshot_add *add) {
  if (lfh_kvs_set(sum, "operation", add->operation) != LF_OK) return LF_ERR_NOMEM;
  for (size_t i = 0; add->summary && i < add->summary->n; i++) {
    const lfh_kv *kv = &add->summary->items[i];
    if (strcmp(kv->key, "operation") != 0 && lfh_kvs_set(sum, kv->key, kv->value) != LF_OK)
      return LF_ERR_NOMEM;
  }
  return LF_OK;
}

static int push_snapshot(lfh_table_meta *m, const lfh_snapshot_add *add, int64_t id, int64_t ts) {
  lfh_snapshot *grown = realloc(m->snapshots, (m->n_snapshots + 1) * sizeof(*grown));
  if (!grown) return LF_ERR_NOMEM;
  m->snapshots = grown;
  lfh_snapshot *s = &m->snapshots[m->n_snapshots];
  memset(s, 0, sizeof(*s));
  s->snapshot_id = id;
  s->parent_id = m->current_snapshot_id;
  s->sequence_number = m->last_sequence_number + 1;
  s->timestamp_ms = ts;
  s->schema_id = m->current_schema_id;
  s->manifest_list = strdup(add->manifest_list);
  m->n_snapshots++; /* counted now so that a failure below is freed with the rest */
  if (!s->manifest_list || fill_summary(&s->summary, add) != LF_OK) return LF_ERR_NOMEM;
  return LF_OK;
}

static int push_logs(lfh_table_meta *m, const lfh_table_meta *base, const char *base_file,
                     int64_t id, int64_t ts) {
  lfh_snapshot_log_entry *sl = realloc(m->snapshot_log, (m->n_snapshot_log + 1) * sizeof(*sl));
  if (!sl) return LF_ERR_NOMEM;
  m->snapshot_log = sl;
  sl[m->n_snapshot_log++] = (lfh_snapshot_log_entry){ts, id};
  if (!base_file) return LF_OK;
  lfh_metadata_log_entry *ml = realloc(m->metadata_log, (m->n_metadata_log + 1) * sizeof(*ml));
  if (!ml) return LF_ERR_NOMEM;
  m->metadata_log = ml;
  ml[m->n_metadata_log].timestamp_ms = base->last_updated_ms;
  if (!(ml[m->n_metadata_log].metadata_file = strdup(base_file))) return LF_ERR_NOMEM;
  m->n_metadata_log++;
  const char *max_text = lfh_kvs_get(&m->properties, "write.metadata.previous-versions-max");
  int64_t max = 100;
  if (max_text && (parse_epoch(max_text, &max) != 0 || max < 1)) max = 100;
  while (m->n_metadata_log > (size_t)max) { /* drop the oldest, as Java does */
    free(m->metadata_log[0].metadata_file);
    memmove(&m->metadata_log[0], &m->metadata_log[1], --m->n_metadata_log * sizeof(*ml));
  }
  return LF_OK;
}

static int move_main(lfh_table_meta *m, int64_t id) {
  for (size_t i = 0; i < m->n_refs; i++)
    if (strcmp(m->refs[i].name, "main") == 0) {
      m->refs[i].snapshot_id = id;
      m->refs[i].is_tag = 0;
      return LF_OK;
    }
  lfh_ref *grown = realloc(m->refs, (m->n_refs + 1) * sizeof(*grown));
  if (!grown) return LF_ERR_NOMEM;
  m->refs = grown;
  memset(&m->refs[m->n_refs], 0, sizeof(*grown));
  if (!(m->refs[m->n_refs].name = strdup("main"))) return LF_ERR_NOMEM;
  m->refs[m->n_refs++].snapshot_id = id;
  return LF_OK;
}

int lfh_table_meta_add_snapshot(const lfh_table_meta *base, const char *base_file,
                                const lfh_snapshot_add *add, lfh_table_meta **out,
                                lf_error *err) {
  *out = NULL;
  if (!add->manifest_list || !add->operation)
    return lf_error_set(err, LF_ERR_INVALID, "a snapshot needs a manifest list and an operation");
  if (add->snapshot_id && lfh_table_meta_snapshot(base, add->snapshot_id))
    return lf_error_set(err, LF_ERR_CONFLICT, "snapshot id %lld already exists",
                        (long long)add->snapshot_id);
  int64_t id = add->snapshot_id ? add->snapshot_id : fresh_snapshot_id(base);
  int64_t ts = add->timestamp_ms ? add->timestamp_ms : lfh_now_ms();
  if (ts < base->last_updated_ms) ts = base->last_updated_ms;
  if (!id) return lf_error_set(err, LF_ERR_IO, "getrandom failed making a snapshot id");
  lfh_table_meta *m = lfh_table_meta_copy(base);
  if (!m || push_snapshot(m, add, id, ts) != LF_OK || push_logs(m, base, base_file, id, ts) != LF_OK ||
      move_main(m, id) != LF_OK) {
    lfh_table_meta_free(m);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory adding a snapshot");
  }
  m->current_snapshot_id = id;
  m->last_sequence_number++;
  m->last_updated_ms = ts;
  *out = m;
  return LF_OK;
}
