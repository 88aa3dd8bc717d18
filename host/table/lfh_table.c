/* lfh_table.c — creating, opening and refreshing tables; helpers the append and scan
 * parts share. */
#include "table/lfh_table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_table_internal.h"

int lfh_table_key(const lfh_table *t, char *buf, size_t cap, const char *rest, lf_error *err) {
  int n = snprintf(buf, cap, "%s/%s", t->prefix, rest);
  if (n < 0 || (size_t)n >= cap)
    return lf_error_set(err, LF_ERR_INVALID, "table %s: key '%s' too long", t->prefix, rest);
  return LF_OK;
}

const char *lfh_table_uri_key(const lfh_table *t, const char *uri) {
  const char *root = lfh_store_root(t->store);
  size_t n = strlen(root);
  if (strncmp(uri, root, n) != 0 || uri[n] != '/') return NULL;
  return uri + n + 1;
}

int lfh_table_get_uri(lfh_table *t, const char *uri, lfh_buf *out, lf_error *err) {
  const char *key = lfh_table_uri_key(t, uri);
  if (!key)
    return lf_error_set(err, LF_ERR_UNSUPPORTED, "%s: not under the store root %s", uri,
                        lfh_store_root(t->store));
  return lfh_store_get(t->store, key, out, err);
}


int lfh_table_codec(const lfh_kvs *props, lfh_avro_codec *out, lf_error *err) {
  const char *v = props ? lfh_kvs_get(props, LFH_TABLE_PROP_CODEC) : NULL;
  if (!v || !strcmp(v, "deflate") || !strcmp(v, "gzip")) /* Java's default is gzip */
    *out = LFH_AVRO_CODEC_DEFLATE;
  else if (!strcmp(v, "snappy"))
    *out = LFH_AVRO_CODEC_SNAPPY;
  else if (!strcmp(v, "uncompressed") || !strcmp(v, "null"))
    *out = LFH_AVRO_CODEC_NULL;
  else
    return lf_error_set(err, LF_ERR_UNSUPPORTED, "%s '%s': use deflate, snappy or uncompressed",
                        LFH_TABLE_PROP_CODEC, v);
  return LF_OK;
}

int lfh_table_codec_level(const lfh_kvs *props, int *out, lf_error *err) {
  const char *v = props ? lfh_kvs_get(props, LFH_TABLE_PROP_LEVEL) : NULL;
  *out = -1;
  if (!v) return LF_OK;
  if (v[0] < '1' || v[0] > '9' || v[1] != '\0')
    return lf_error_set(err, LF_ERR_INVALID, "%s '%s': use 1 (fastest) to 9 (smallest)",
                        LFH_TABLE_PROP_LEVEL, v);
  *out = v[0] - '0';
  return LF_OK;
}

int lfh_table_target_bytes(const lfh_kvs *props, uint64_t *out, lf_error *err) {
  const char *v = props ? lfh_kvs_get(props, LFH_TABLE_PROP_TARGET_SIZE) : NULL;
  char *end = NULL;
  *out = (uint64_t)512 << 20;
  if (!v) return LF_OK;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (errno || end == v || *end || n < 1)
    return lf_error_set(err, LF_ERR_INVALID, "%s '%s': need a positive number of bytes",
                        LFH_TABLE_PROP_TARGET_SIZE, v);
  *out = (uint64_t)n;
  return LF_OK;
}

int lfh_table_oom(lf_error *err, const char *prefix) {
  return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", prefix);
}

void lfh_table_install(lfh_table *t, lfh_table_meta *m, int64_t version) {
  lfh_table_meta_free(t->meta);
  t->meta = m;
  t->version = version;
}

/* ------------------------------------------------------------ versions */

static int meta_key(const lfh_table *t, int64_t v, char *buf, size_t cap, lf_error *err) {
  char rest[64];
  snprintf(rest, sizeof(rest), "metadata/v%" PRId64 ".metadata.json", v);
  return lfh_table_key(t, buf, cap, rest, err);
}

/* 1 when vN.metadata.json exists, 0 when not, negative on an error. */
static int meta_exists(lfh_table *t, int64_t v, lf_error *err) {
  char key[1024], msg[512];
  lfh_store_stat st;
  lf_error probe; /* "not found" is the expected answer: keep it out of `err` */
  lf_error_init(&probe, msg, sizeof(msg));
  int rc = meta_key(t, v, key, sizeof(key), err);
  if (rc == LF_OK) rc = lfh_store_stat_key(t->store, key, &st, &probe);
  if (rc == LF_ERR_NOT_FOUND) return 0;
  if (rc < 0) return lf_error_set(err, rc, "%s", msg);
  return 1;
}

/* The version in version-hint.text, 0 when absent or unreadable (it is only a hint). */
static int64_t read_hint(lfh_table *t) {
  char key[1024];
  char text[32];
  lfh_buf b = {0};
  int64_t v = 0;
  if (lfh_table_key(t, key, sizeof(key), "metadata/version-hint.text", NULL) == LF_OK &&
      lfh_store_get(t->store, key, &b, NULL) == LF_OK && b.len > 0 && b.len < sizeof(text)) {
    memcpy(text, b.data, b.len);
    text[b.len] = '\0';
    char *end = NULL;
    long long n = strtoll(text, &end, 10);
    if (end != text && (*end == '\0' || *end == '\n') && n > 0) v = n;
  }
  lfh_buf_free(&b);
  return v;
}

static int max_version_cb(void *ctx, const lfh_store_entry *e) {
  const char *base = strrchr(e->key, '/');
  base = base ? base + 1 : e->key;
  char *end = NULL;
  if (base[0] != 'v') return 0;
  long long n = strtoll(base + 1, &end, 10);
  if (end != base + 1 && !strcmp(end, ".metadata.json") && n > *(int64_t *)ctx)
    *(int64_t *)ctx = n;
  return 0;
}

/* The newest version at or after `from` (0: start from the hint, else from a listing). */
static int find_newest(lfh_table *t, int64_t from, int64_t *out, lf_error *err) {
  int64_t v = from ? from : read_hint(t);
  int rc = v ? meta_exists(t, v, err) : 0;
  if (rc < 0) return rc;
  if (rc == 0) { /* no hint, or a hint to a missing file: list what is there */
    char key[1024];
    v = 0;
    if ((rc = lfh_table_key(t, key, sizeof(key), "metadata/", err)) != LF_OK) return rc;
    if ((rc = lfh_store_list(t->store, key, max_version_cb, &v, err)) != LF_OK) return rc;
    if (v == 0)
      return lf_error_set(err, LF_ERR_NOT_FOUND, "%s: no table (no metadata/v*.metadata.json)",
                          t->prefix);
  }
  while ((rc = meta_exists(t, v + 1, err)) == 1) v++;
  *out = v;
  return rc;
}

static int load_version(lfh_table *t, int64_t v, lfh_table_meta **out, lf_error *err) {
  char key[1024];
  lfh_buf b = {0};
  char *uri = NULL;
  int rc = meta_key(t, v, key, sizeof(key), err);
  if (rc != LF_OK) return rc;
  if ((rc = lfh_store_get(t->store, key, &b, err)) != LF_OK) goto fail;
  rc = LF_ERR_NOMEM;
  if (!(uri = lfh_store_uri(t->store, key))) goto fail;
  rc = lfh_table_meta_parse((const char *)b.data, b.len, uri, out, err);
fail:
  if (rc == LF_ERR_NOMEM) lfh_table_oom(err, t->prefix);
  free(uri);
  lfh_buf_free(&b);
  return rc;
}

int lfh_table_refresh(lfh_table *t, lf_error *err) {
  int64_t v = 0;
  lfh_table_meta *m = NULL;
  int rc = find_newest(t, t->version, &v, err);
  if (rc != LF_OK || (v == t->version && t->meta)) return rc;
  if ((rc = load_version(t, v, &m, err)) != LF_OK) return rc;
  lfh_table_install(t, m, v);
  return LF_OK;
}

/* ------------------------------------------------------------ create, open, close */

static lfh_table *table_new(lfh_store *s, const char *prefix) {
  lfh_table *t = calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->store = s;
  if (!(t->prefix = strdup(prefix))) {
    free(t);
    return NULL;
  }
  return t;
}

void lfh_table_close(lfh_table *t) {
  if (!t) return;
  lfh_table_meta_free(t->meta);
  free(t->prefix);
  free(t);
}

int lfh_table_open(lfh_store *s, const char *prefix, lfh_table **out, lf_error *err) {
  lfh_table *t = table_new(s, prefix);
  if (!t) return lf_error_set(err, LF_ERR_NOMEM, "out of memory opening %s", prefix);
  int rc = lfh_table_refresh(t, err);
  if (rc != LF_OK) {
    lfh_table_close(t);
    return rc;
  }
  *out = t;
  return LF_OK;
}

void lfh_table_write_hint(lfh_table *t) {
  char key[1024], text[32];
  int n = snprintf(text, sizeof(text), "%" PRId64, t->version);
  /* Best effort: readers probe past a stale hint, so a failure here costs only time. */
  if (lfh_table_key(t, key, sizeof(key), "metadata/version-hint.text", NULL) == LF_OK)
    (void)lfh_store_put(t->store, key, text, (size_t)n, NULL);
}

/* Writes `m` as version `v` with put_if_absent (LF_ERR_CONFLICT when taken). */
int lfh_table_publish(lfh_table *t, const lfh_table_meta *m, int64_t v, lf_error *err) {
  char key[1024];
  int rc = meta_key(t, v, key, sizeof(key), err);
  if (rc != LF_OK) return rc;
  char *json = lfh_table_meta_to_json(m);
  if (!json) return lf_error_set(err, LF_ERR_NOMEM, "out of memory writing %s", key);
  rc = lfh_store_put_if_absent(t->store, key, json, strlen(json), err);
  free(json);
  return rc;
}

int lfh_table_create(lfh_store *s, const char *prefix, const struct ArrowSchema *schema,
                     const lfh_kvs *props, lfh_table **out, lf_error *err) {
  lfh_ice_schema *ice = NULL;
  lfh_table_meta *m = NULL;
  char *location = NULL;
  int32_t last_id = 0;
  lfh_avro_codec codec;
  lfh_table *t = table_new(s, prefix);
  int rc = t ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "out of memory creating %s", prefix);
  if (rc != LF_OK) return rc;
  int level;
  if ((rc = lfh_table_codec(props, &codec, err)) != LF_OK) goto fail;
  if ((rc = lfh_table_codec_level(props, &level, err)) != LF_OK) goto fail;
  if ((rc = lfh_ice_schema_from_arrow(schema, 0, &last_id, &ice, err)) != LF_OK) goto fail;
  rc = LF_ERR_NOMEM; /* until the allocations below succeed */
  if (!(location = lfh_store_uri(s, prefix))) goto fail;
  if ((rc = lfh_table_meta_new(ice, location, props, 0, &m, err)) != LF_OK) goto fail;
  if ((rc = lfh_table_publish(t, m, 1, err)) != LF_OK) goto fail;
  lfh_table_install(t, m, 1);
  m = NULL;
  lfh_table_write_hint(t);
  *out = t;
  t = NULL;
fail:
  if (rc == LF_ERR_NOMEM) lfh_table_oom(err, prefix);
  lfh_table_meta_free(m);
  lfh_ice_schema_free(ice);
  free(location);
  lfh_table_close(t);
  return rc;
}

const lfh_table_meta *lfh_table_metadata(const lfh_table *t) { return t->meta; }
int64_t lfh_table_version(const lfh_table *t) { return t->version; }

int lfh_table_find_flow(lfh_table *t, const char *flow_id, int64_t *epoch,
                        int64_t *snapshot_id, lf_error *err) {
  int64_t e = 0, id = 0;
  int rc = lfh_table_refresh(t, err);
  if (rc != LF_OK) return rc;
  rc = lfh_table_meta_find_flow(t->meta, flow_id, &e, &id, err);
  if (rc == 1 && epoch) *epoch = e;
  if (rc == 1 && snapshot_id) *snapshot_id = id;
  return rc;
}

int lfh_table_read_list(lfh_table *t, const lfh_snapshot *s, lfh_manifest_list **out,
                        lf_error *err) {
  lfh_buf b = {0};
  int rc = lfh_table_get_uri(t, s->manifest_list, &b, err);
  if (rc == LF_OK) rc = lfh_manifest_list_read(b.data, b.len, s->manifest_list, out, err);
  lfh_buf_free(&b);
  return rc;
}

int lfh_table_put_new(lfh_table *t, const char *rest, const lfh_buf *data, char **uri,
                      lf_error *err) {
  char key[1024];
  int rc = lfh_table_key(t, key, sizeof(key), rest, err);
  if (rc == LF_OK) rc = lfh_store_put_if_absent(t->store, key, data->data, data->len, err);
  if (rc == LF_OK && !(*uri = lfh_store_uri(t->store, key))) rc = lfh_table_oom(err, t->prefix);
  return rc;
}

void lfh_table_added_entry(lfh_manifest_entry *e, int64_t snapshot_id, int64_t records,
                           int64_t size) {
  e->status = LFH_ENTRY_ADDED;
  e->snapshot_id = snapshot_id;
  e->sequence_number = e->file_sequence_number = LFH_SEQ_NONE; /* inherited on read */
  e->file.content = LFH_CONTENT_DATA;
  e->file.file_format = (char *)"AVRO";
  e->file.record_count = records;
  e->file.file_size_in_bytes = size;
  e->file.sort_order_id = 0; /* the unsorted order */
}

int lfh_table_commit_retry(lfh_table *t, lfh_commit_attempt_fn attempt, void *ctx,
                           lf_error *err) {
  for (int n = 1;; n++) {
    int raced = 0;
    int rc = attempt(ctx, n, &raced, err);
    if (rc == LF_OK || !raced) return rc;
    if (n >= LFH_TABLE_MAX_RETRIES)
      return lf_error_set(err, LF_ERR_CONFLICT, "%s: commit lost %d races in a row", t->prefix,
                          n);
    if ((rc = lfh_table_refresh(t, err)) != LF_OK) return rc;
  }
}

int lfh_table_commit_snapshot(lfh_table *t, int64_t snapshot_id, const char *list_uri,
                              const char *op, const lfh_kvs *summary, lf_error *err) {
  lfh_table_meta *next = NULL;
  char key[1024], *base_uri = NULL;
  int rc = LF_ERR_NOMEM; /* until the allocation below succeeds */
  snprintf(key, sizeof(key), "%s/metadata/v%" PRId64 ".metadata.json", t->prefix, t->version);
  if (!(base_uri = lfh_store_uri(t->store, key))) goto fail;
  lfh_snapshot_add add = {snapshot_id, list_uri, op, summary, 0};
  if ((rc = lfh_table_meta_add_snapshot(t->meta, base_uri, &add, &next, err)) != LF_OK) goto fail;
  if ((rc = lfh_table_publish(t, next, t->version + 1, err)) != LF_OK) goto fail;
  lfh_table_install(t, next, t->version + 1);
  next = NULL;
fail:
  if (rc == LF_ERR_NOMEM) lfh_table_oom(err, t->prefix);
  lfh_table_meta_free(next);
  free(base_uri);
  return rc;
}
