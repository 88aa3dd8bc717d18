/* lfh_table_maint.c — table maintenance: compaction (a "replace" rewrite, optionally
 * sorted), snapshot expiry with deletion of the files only expired snapshots reached, and
 * orphan-file removal. Compaction holds the rows it rewrites in memory. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_table_internal.h"
#include "util/lfh_mem.h"

/* ------------------------------------------------------------ compaction */

#define MT_MAX_SORT 16

typedef struct mt_batch {
  struct ArrowSchema schema; /* owned copy: the scan lends it for the callback only */
  struct ArrowArray array;   /* owned */
  lfh_avro_arrow_encoder *enc;
  lf_view view;
  lf_view keys[MT_MAX_SORT]; /* sort columns; type UNSUPPORTED when the file lacks one */
} mt_batch;

typedef struct mt_rows {
  lfh_table_overwrite *ow;
  mt_batch *b;
  size_t n, cap;
  const char *const *sort;
  size_t n_sort;
  lf_error *err;
} mt_rows;

typedef struct mt_ref {
  uint32_t batch;
  int64_t row;
} mt_ref;

static void mt_rows_free(mt_rows *r) {
  for (size_t i = 0; i < r->n; i++) {
    lfh_avro_arrow_encoder_free(r->b[i].enc);
    lf_array_release(&r->b[i].array);
    lf_schema_release(&r->b[i].schema);
  }
  free(r->b);
}

/* The views of the sort columns in one batch. */
static int mt_keys(mt_rows *r, mt_batch *b) {
  int rc = lf_view_init(&b->view, &b->schema, &b->array, r->err);
  for (size_t k = 0; rc == LF_OK && k < r->n_sort; k++) {
    memset(&b->keys[k], 0, sizeof(b->keys[k]));
    for (int64_t c = 0; c < lf_view_n_children(&b->view); c++) {
      lf_view v;
      if (lf_view_child(&b->view, c, &v) == LF_OK && strcmp(lf_view_name(&v), r->sort[k]) == 0)
        b->keys[k] = v;
    }
  }
  return rc;
}

static int mt_collect(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  mt_rows *r = ctx;
  if (lfh_grow(&r->b, &r->cap, r->n + 1, sizeof(*r->b), 16) != 0) {
    lf_array_release(batch);
    return lf_error_set(r->err, LF_ERR_NOMEM, "out of memory compacting");
  }
  mt_batch *b = &r->b[r->n];
  memset(b, 0, sizeof(*b));
  lf_array_move(batch, &b->array);
  r->n++; /* owned from here on, freed by mt_rows_free */
  int rc = lf_schema_copy(&b->schema, schema, r->err);
  if (rc == LF_OK &&
      !(b->enc = lfh_avro_arrow_encoder_new(lfh_table_rewrite_avro(r->ow), schema, r->err)))
    rc = LF_ERR_SCHEMA;
  return rc; /* sort keys are viewed once r->b stops moving (mt_write) */
}

/* Ascending, nulls first; rows of other types compare equal. */
static int mt_cmp_key(const lf_view *x, int64_t i, const lf_view *y, int64_t j) {
  int vx = x->type != LF_TYPE_UNSUPPORTED && lf_view_is_valid(x, i);
  int vy = y->type != LF_TYPE_UNSUPPORTED && lf_view_is_valid(y, j);
  if (!vx || !vy) return vx - vy;
  switch (x->type) {
  case LF_TYPE_INT32: {
    int32_t a = lf_view_int32(x, i), b = lf_view_int32(y, j);
    return (a > b) - (a < b);
  }
  case LF_TYPE_INT64:
  case LF_TYPE_TIMESTAMP: {
    int64_t a = lf_view_int64(x, i), b = lf_view_int64(y, j);
    return (a > b) - (a < b);
  }
  case LF_TYPE_DOUBLE: {
    double a = lf_view_double(x, i), b = lf_view_double(y, j);
    return (a > b) - (a < b);
  }
  case LF_TYPE_BOOL:
    return lf_view_bool(x, i) - lf_view_bool(y, j);
  case LF_TYPE_UTF8:
  case LF_TYPE_BINARY: {
    size_t la = 0, lb = 0;
    const void *a = lf_view_binary(x, i, &la), *b = lf_view_binary(y, j, &lb);
    if (x->type == LF_TYPE_UTF8) { a = lf_view_utf8(x, i, &la); b = lf_view_utf8(y, j, &lb); }
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? (c > 0) - (c < 0) : (la > lb) - (la < lb);
  }
  default:
    return 0;
  }
}

static int mt_cmp(const mt_rows *r, const mt_ref *a, const mt_ref *b) {
  for (size_t k = 0; k < r->n_sort; k++) {
    int c = mt_cmp_key(&r->b[a->batch].keys[k], a->row, &r->b[b->batch].keys[k], b->row);
    if (c) return c;
  }
  return 0;
}

/* Bottom-up merge sort: stable, so equal keys keep scan order. */
static void mt_sort(const mt_rows *r, mt_ref *v, mt_ref *tmp, size_t n) {
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = mt_cmp(r, &v[j], &v[i]) < 0 ? v[j++] : v[i++];
      while (i < mid) tmp[k++] = v[i++];
      while (j < hi) tmp[k++] = v[j++];
    }
    memcpy(v, tmp, n * sizeof(*v));
  }
}

/* Writes rows in `refs` order, one encode call per run of adjacent rows. */
static int mt_write_sorted(mt_rows *r, const mt_ref *refs, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && refs[j].batch == refs[i].batch && refs[j].row == refs[j - 1].row + 1) j++;
    mt_batch *b = &r->b[refs[i].batch];
    int rc = lfh_table_rewrite_rows(r->ow, b->enc, &b->array, refs[i].row, (int64_t)(j - i),
                                    r->err);
    if (rc != LF_OK) return rc;
    i = j;
  }
  return LF_OK;
}

static int mt_write(mt_rows *r) {
  size_t total = 0, k = 0;
  mt_ref *refs = NULL, *tmp = NULL;
  if (!r->n_sort) {
    for (size_t i = 0; i < r->n; i++) {
      int rc = lfh_table_rewrite_rows(r->ow, r->b[i].enc, &r->b[i].array, 0,
                                      r->b[i].array.length, r->err);
      if (rc != LF_OK) return rc;
    }
    return LF_OK;
  }
  for (size_t i = 0; i < r->n; i++) {
    int rc = mt_keys(r, &r->b[i]);
    if (rc != LF_OK) return rc;
    total += (size_t)r->b[i].array.length;
  }
  int rc = LF_ERR_NOMEM; /* until the allocations below succeed */
  if (total && (!(refs = malloc(total * sizeof(*refs))) || !(tmp = malloc(total * sizeof(*tmp)))))
    goto fail;
  for (size_t i = 0; i < r->n; i++)
    for (int64_t j = 0; j < r->b[i].array.length; j++) refs[k++] = (mt_ref){(uint32_t)i, j};
  mt_sort(r, refs, tmp, total);
  rc = mt_write_sorted(r, refs, total);
fail:
  if (rc == LF_ERR_NOMEM) lf_error_set(r->err, rc, "out of memory sorting rows");
  free(refs);
  free(tmp);
  return rc;
}

static int mt_compact_plan(lfh_table *t, int64_t target, const lfh_scan_plan *p, mt_rows *r,
                           lf_error *err) {
  const char **paths = calloc(p->n_files ? p->n_files : 1, sizeof(*paths));
  if (!paths) return lfh_table_oom(err, t->prefix);
  for (size_t i = 0; i < p->n_files; i++) paths[i] = p->files[i].file.file_path;
  int rc = lfh_table_rewrite_begin(t, "replace", paths, p->n_files, target, &r->ow, err);
  free(paths);
  return rc;
}

int lfh_table_compact(lfh_table *t, int64_t target_file_rows, const char *const *sort_columns,
                      size_t n_sort, const lfh_kvs *props, int64_t *snapshot_id, lf_error *err) {
  lfh_scan_plan p;
  lfh_scan_opts o;
  mt_rows r = {NULL, NULL, 0, 0, sort_columns, n_sort, err};
  memset(&o, 0, sizeof(o));
  if (snapshot_id) *snapshot_id = 0;
  if (n_sort > MT_MAX_SORT)
    return lf_error_set(err, LF_ERR_INVALID, "%s: at most %d sort columns", t->prefix,
                        MT_MAX_SORT);
  int rc = lfh_table_refresh(t, err);
  if (rc == LF_OK) rc = lfh_table_plan(t, &o, &p, err);
  if (rc != LF_OK) return rc;
  if (p.n_files == 0 || (p.n_files == 1 && n_sort == 0)) goto fail; /* nothing to do */
  o.snapshot_id = p.snapshot_id; /* read exactly the files being replaced */
  if ((rc = mt_compact_plan(t, target_file_rows, &p, &r, err)) != LF_OK) goto fail;
  if ((rc = lfh_table_scan(t, &o, mt_collect, &r, err)) != LF_OK) goto fail;
  if ((rc = mt_write(&r)) != LF_OK) goto fail;
  rc = lfh_table_overwrite_commit(r.ow, props, snapshot_id, err);
fail:
  mt_rows_free(&r);
  lfh_table_overwrite_free(r.ow);
  lfh_scan_plan_free(&p);
  return rc;
}

/* ------------------------------------------------------------ reachable files */

/* A set of store keys: appended, then sorted and deduplicated for lookups. */
typedef struct mt_set {
  char **v;
  size_t n, cap;
} mt_set;

static void mt_set_free(mt_set *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof(*s));
}

static int mt_set_add(mt_set *s, const char *key) {
  if (!key) return LF_OK; /* outside the store: never ours to delete */
  if (lfh_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v), 64) != 0) return LF_ERR_NOMEM;
  if (!(s->v[s->n] = strdup(key))) return LF_ERR_NOMEM;
  s->n++;
  return LF_OK;
}

static int mt_strcmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void mt_set_sort(mt_set *s) {
  size_t k = 0;
  if (s->n) qsort(s->v, s->n, sizeof(*s->v), mt_strcmp);
  for (size_t i = 0; i < s->n; i++) {
    if (k && strcmp(s->v[k - 1], s->v[i]) == 0) free(s->v[i]);
    else s->v[k++] = s->v[i];
  }
  s->n = k;
}

static int mt_set_has(const mt_set *s, const char *key) {
  return s->n && bsearch(&key, s->v, s->n, sizeof(*s->v), mt_strcmp) != NULL;
}

/* Adds the data files of one manifest (`live_only`: not its DELETED entries). */
static int mt_reach_manifest(lfh_table *t, const lfh_manifest_file *mf, int live_only,
                             mt_set *out, lf_error *err) {
  lfh_buf b = {0};
  lfh_manifest *man = NULL;
  int rc = lfh_table_get_uri(t, mf->manifest_path, &b, err);
  if (rc == LF_OK) rc = lfh_manifest_read(b.data, b.len, mf->manifest_path, mf, &man, err);
  for (size_t i = 0; rc == LF_OK && i < man->n_entries; i++)
    if (!live_only || man->entries[i].status != LFH_ENTRY_DELETED)
      rc = mt_set_add(out, lfh_table_uri_key(t, man->entries[i].file.file_path));
  if (rc == LF_ERR_NOMEM) lfh_table_oom(err, t->prefix);
  lfh_manifest_free(man);
  lfh_buf_free(&b);
  return rc;
}

/* Adds what snapshot `s` reaches: its manifest list, manifests and data files. */
static int mt_reach(lfh_table *t, const lfh_snapshot *s, int live_only, mt_set *out,
                    lf_error *err) {
  lfh_manifest_list *list = NULL;
  int rc = mt_set_add(out, lfh_table_uri_key(t, s->manifest_list));
  if (rc != LF_OK) return lfh_table_oom(err, t->prefix);
  if ((rc = lfh_table_read_list(t, s, &list, err)) != LF_OK) return rc;
  for (size_t i = 0; rc == LF_OK && i < list->n_files; i++) {
    rc = mt_set_add(out, lfh_table_uri_key(t, list->files[i].manifest_path));
    if (rc != LF_OK) rc = lfh_table_oom(err, t->prefix);
    else rc = mt_reach_manifest(t, &list->files[i], live_only, out, err);
  }
  lfh_manifest_list_free(list);
  return rc;
}

/* Deletes every key of `doomed` not in `keep`; counts deletions (best effort: a file
 * already gone or failing to delete is left to orphan cleanup). */
static size_t mt_delete(lfh_table *t, const mt_set *doomed, const mt_set *keep) {
  size_t n = 0;
  for (size_t i = 0; i < doomed->n; i++)
    if (!mt_set_has(keep, doomed->v[i]) && lfh_store_delete(t->store, doomed->v[i], NULL) == LF_OK)
      n++;
  return n;
}

/* ------------------------------------------------------------ expiry */

static int mt_keep(const lfh_table_meta *m, const lfh_snapshot *s, int64_t older, int retain) {
  if (s->timestamp_ms >= older) return 1;
  for (size_t i = 0; i < m->n_refs; i++)
    if (m->refs[i].snapshot_id == s->snapshot_id) return 1;
  const lfh_snapshot *a = lfh_table_meta_current(m);
  for (int k = 0; a && k < retain; k++, a = lfh_table_meta_parent(m, a))
    if (a->snapshot_id == s->snapshot_id) return 1;
  return 0;
}

/* Drops the snapshots of `m` not kept, and their snapshot-log entries. */
static size_t mt_drop_snapshots(lfh_table_meta *m, const lfh_table_meta *base, int64_t older,
                                int retain) {
  size_t k = 0, dropped = 0;
  for (size_t i = 0; i < m->n_snapshots; i++) {
    if (mt_keep(base, &base->snapshots[i], older, retain)) {
      m->snapshots[k++] = m->snapshots[i];
      continue;
    }
    free(m->snapshots[i].manifest_list);
    lfh_kvs_free(&m->snapshots[i].summary);
    dropped++;
  }
  m->n_snapshots = k;
  k = 0;
  for (size_t i = 0; i < m->n_snapshot_log; i++)
    if (lfh_table_meta_snapshot(m, m->snapshot_log[i].snapshot_id))
      m->snapshot_log[k++] = m->snapshot_log[i];
  m->n_snapshot_log = k;
  return dropped;
}

/* Records the base version in the metadata-log, as every commit does. */
static int mt_log_base(const lfh_table *t, lfh_table_meta *m) {
  char key[1024];
  snprintf(key, sizeof(key), "%s/metadata/v%" PRId64 ".metadata.json", t->prefix, t->version);
  lfh_metadata_log_entry *log =
      realloc(m->metadata_log, (m->n_metadata_log + 1) * sizeof(*m->metadata_log));
  if (!log) return LF_ERR_NOMEM;
  m->metadata_log = log;
  if (!(log[m->n_metadata_log].metadata_file = lfh_store_uri(t->store, key))) return LF_ERR_NOMEM;
  log[m->n_metadata_log++].timestamp_ms = t->meta->last_updated_ms;
  int64_t now = lfh_now_ms();
  m->last_updated_ms = now > m->last_updated_ms ? now : m->last_updated_ms;
  return LF_OK;
}

/* The next version without the expired snapshots (*next NULL when none expire). */
static int mt_expire_next(lfh_table *t, int64_t older, int retain, lfh_table_meta **next,
                          size_t *n_expired, lf_error *err) {
  lfh_table_meta *m = lfh_table_meta_copy(t->meta);
  *next = NULL;
  if (!m) return lfh_table_oom(err, t->prefix);
  *n_expired = mt_drop_snapshots(m, t->meta, older, retain);
  if (*n_expired == 0) {
    lfh_table_meta_free(m);
    return LF_OK;
  }
  if (mt_log_base(t, m) != LF_OK) {
    lfh_table_meta_free(m);
    return lfh_table_oom(err, t->prefix);
  }
  *next = m;
  return LF_OK;
}

/* After the commit: what expired snapshots of `old` reached and kept ones do not. */
static int mt_expire_files(lfh_table *t, const lfh_table_meta *old, size_t *n_deleted,
                           lf_error *err) {
  mt_set keep = {0}, doomed = {0};
  int rc = LF_OK;
  for (size_t i = 0; rc == LF_OK && i < t->meta->n_snapshots; i++)
    rc = mt_reach(t, &t->meta->snapshots[i], 1, &keep, err);
  for (size_t i = 0; rc == LF_OK && i < old->n_snapshots; i++)
    if (!lfh_table_meta_snapshot(t->meta, old->snapshots[i].snapshot_id))
      rc = mt_reach(t, &old->snapshots[i], 0, &doomed, err);
  mt_set_sort(&keep);
  mt_set_sort(&doomed);
  if (rc == LF_OK) *n_deleted = mt_delete(t, &doomed, &keep);
  mt_set_free(&keep);
  mt_set_free(&doomed);
  return rc;
}

int lfh_table_expire_snapshots(lfh_table *t, int64_t older_than_ms, int retain_last,
                               size_t *n_expired, size_t *n_deleted, lf_error *err) {
  lfh_table_meta *next = NULL, *old = NULL;
  size_t expired = 0, deleted = 0;
  int rc = LF_OK;
  for (int n = 0; n < LFH_TABLE_MAX_RETRIES; n++) {
    if ((rc = lfh_table_refresh(t, err)) != LF_OK) goto fail;
    if ((rc = mt_expire_next(t, older_than_ms, retain_last, &next, &expired, err)) != LF_OK)
      goto fail;
    if (!next) goto fail; /* nothing expires */
    rc = lfh_table_publish(t, next, t->version + 1, err);
    if (rc != LF_ERR_CONFLICT) break;
    lfh_table_meta_free(next); /* another commit won: recompute on top of it */
    next = NULL;
  }
  if (rc != LF_OK) goto fail;
  rc = LF_ERR_NOMEM;
  if (!(old = lfh_table_meta_copy(t->meta))) goto fail;
  lfh_table_install(t, next, t->version + 1);
  next = NULL;
  lfh_table_write_hint(t);
  rc = mt_expire_files(t, old, &deleted, err);
fail:
  if (rc == LF_ERR_NOMEM) lfh_table_oom(err, t->prefix);
  if (n_expired) *n_expired = rc == LF_OK ? expired : 0;
  if (n_deleted) *n_deleted = deleted;
  lfh_table_meta_free(next);
  lfh_table_meta_free(old);
  return rc;
}

/* ------------------------------------------------------------ orphans */

typedef struct mt_orphans {
  const lfh_table *t;
  const mt_set *keep;
  mt_set doomed;
  int64_t older_us;
  int failed;
} mt_orphans;

/* version-hint.text, and metadata versions a commit may be publishing right now. */
static int mt_protected(const lfh_table *t, const char *key) {
  const char *base = strrchr(key, '/');
  long long v = 0;
  char tail[32] = "";
  base = base ? base + 1 : key;
  if (strcmp(base, "version-hint.text") == 0) return 1;
  if (sscanf(base, "v%lld.metadata.jso%31s", &v, tail) == 2 && strcmp(tail, "n") == 0)
    return v >= t->version;
  return 0;
}

static int mt_orphan_cb(void *ctx, const lfh_store_entry *e) {
  mt_orphans *o = ctx;
  if (e->stat.mtime_us >= o->older_us || mt_set_has(o->keep, e->key) ||
      mt_protected(o->t, e->key))
    return 0;
  if (mt_set_add(&o->doomed, e->key) != LF_OK) o->failed = 1;
  return o->failed;
}

/* Everything the current metadata reaches, DELETED entries included (conservative). */
static int mt_reach_all(lfh_table *t, mt_set *keep, lf_error *err) {
  char key[1024];
  const lfh_table_meta *m = t->meta;
  int rc = LF_OK;
  for (size_t i = 0; rc == LF_OK && i < m->n_snapshots; i++)
    rc = mt_reach(t, &m->snapshots[i], 0, keep, err);
  for (size_t i = 0; rc == LF_OK && i < m->n_metadata_log; i++)
    if (mt_set_add(keep, lfh_table_uri_key(t, m->metadata_log[i].metadata_file)) != LF_OK)
      rc = lfh_table_oom(err, t->prefix);
  snprintf(key, sizeof(key), "%s/metadata/v%" PRId64 ".metadata.json", t->prefix, t->version);
  if (rc == LF_OK && mt_set_add(keep, key) != LF_OK) rc = lfh_table_oom(err, t->prefix);
  mt_set_sort(keep);
  return rc;
}

int lfh_table_remove_orphans(lfh_table *t, int64_t older_than_ms, size_t *n_deleted,
                             lf_error *err) {
  static const char *const dirs[] = {"data/", "metadata/"};
  mt_set keep = {0}, none = {0};
  mt_orphans o = {t, &keep, {0}, older_than_ms * 1000, 0};
  char prefix[1024];
  if (n_deleted) *n_deleted = 0;
  int rc = lfh_table_refresh(t, err);
  if (rc == LF_OK) rc = mt_reach_all(t, &keep, err);
  for (size_t i = 0; rc == LF_OK && i < 2; i++) {
    if ((rc = lfh_table_key(t, prefix, sizeof(prefix), dirs[i], err)) != LF_OK) break;
    rc = lfh_store_list(t->store, prefix, mt_orphan_cb, &o, err);
    if (o.failed) rc = lfh_table_oom(err, t->prefix);
  }
  if (rc == LF_OK && n_deleted) *n_deleted = mt_delete(t, &o.doomed, &none);
  else if (rc == LF_OK) (void)mt_delete(t, &o.doomed, &none);
  mt_set_free(&keep);
  mt_set_free(&o.doomed);
  return rc;
}
