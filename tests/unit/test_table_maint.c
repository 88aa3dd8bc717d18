/* test_table_maint — copy-on-write overwrite (with conflict re-validation), truncate,
 * compaction (sorted and not), snapshot expiry and orphan-file removal, checked through
 * scans of the rows that remain. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#define TBL "cat/sch/maint"
#define MAX_IDS 4096

static char msg[1024];
static lf_error err;

static lf_error *err0(void) {
  lf_error_init(&err, msg, sizeof(msg));
  return &err;
}

/* Rows id = ids[i], name = "n<id % 7>" (a sort key with ties). */
static void build(const int64_t *ids, size_t n, struct ArrowArray *a, struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  lf_builder *name = lf_builder_add_child(b, "u", "name");
  for (size_t i = 0; i < n; i++) {
    char text[16];
    snprintf(text, sizeof(text), "n%" PRId64, ids[i] % 7);
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, ids[i]);
    lf_builder_append_cstr(name, text);
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, err0()), LF_OK);
}

static void range_ids(int64_t *ids, int64_t first, size_t n) {
  for (size_t i = 0; i < n; i++) ids[i] = first + (int64_t)i;
}

typedef struct fixture {
  char *dir;
  lfh_store *store;
  lfh_table *t;
} fixture;

static void setup(fixture *fx) {
  struct ArrowArray a;
  struct ArrowSchema s;
  int64_t one = 0;
  fx->dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(fx->dir);
  fx->store = lfh_store_open(fx->dir, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(fx->store);
  build(&one, 1, &a, &s);
  CU_ASSERT_EQUAL_FATAL(lfh_table_create(fx->store, TBL, &s, NULL, &fx->t, err0()), LF_OK);
  lf_array_release(&a);
  lf_schema_release(&s);
}

static void teardown(fixture *fx) {
  lfh_table_close(fx->t);
  lfh_store_close(fx->store);
  lfh_test_rmtree(fx->dir);
  free(fx->dir);
}

/* Appends ids [first, first + n) as one data file; returns the snapshot id. */
static int64_t append(lfh_table *t, int64_t first, size_t n) {
  int64_t ids[MAX_IDS], snap = 0;
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table_append *ap = NULL;
  range_ids(ids, first, n);
  build(ids, n, &a, &s);
  int rc = lfh_table_append_begin(t, &s, &ap, err0());
  if (rc == LF_OK) rc = lfh_table_append_batch(ap, &a, err0());
  if (rc == LF_OK) rc = lfh_table_append_commit(ap, NULL, &snap, err0());
  if (rc) fprintf(stderr, "append: %s\n", msg);
  CU_ASSERT_EQUAL(rc, LF_OK);
  lfh_table_append_free(ap);
  lf_array_release(&a);
  lf_schema_release(&s);
  return snap;
}

/* Scanned ids in scan order. */
typedef struct ids {
  int64_t v[MAX_IDS];
  char name[MAX_IDS][8];
  size_t n;
} ids;

static int collect(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  ids *out = ctx;
  lf_view v, id, name;
  int rc = lf_view_init(&v, schema, batch, NULL);
  if (rc == LF_OK) rc = lf_view_child(&v, 0, &id);
  if (rc == LF_OK) rc = lf_view_child(&v, 1, &name);
  for (int64_t i = 0; rc == LF_OK && i < v.length && out->n < MAX_IDS; i++, out->n++) {
    size_t len = 0;
    const char *s = lf_view_utf8(&name, i, &len);
    out->v[out->n] = lf_view_int64(&id, i);
    snprintf(out->name[out->n], sizeof(out->name[0]), "%.*s", (int)len, s);
  }
  lf_array_release(batch);
  return rc;
}

static void scan_at(lfh_table *t, int64_t snapshot_id, ids *out) {
  lfh_scan_opts o;
  memset(&o, 0, sizeof(o));
  memset(out, 0, sizeof(*out));
  o.snapshot_id = snapshot_id;
  int rc = lfh_table_scan(t, &o, collect, out, err0());
  if (rc) fprintf(stderr, "scan: %s\n", msg);
  CU_ASSERT_EQUAL(rc, LF_OK);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* 1 when the scanned ids are, as a multiset, `want[0..n)`. */
static int same_ids(ids *got, int64_t *want, size_t n) {
  int64_t sorted[MAX_IDS];
  if (got->n != n) return 0;
  memcpy(sorted, got->v, n * sizeof(*sorted));
  qsort(sorted, n, sizeof(*sorted), cmp_i64);
  qsort(want, n, sizeof(*want), cmp_i64);
  return memcmp(sorted, want, n * sizeof(*want)) == 0;
}

static size_t n_files(lfh_table *t, lfh_scan_plan *p) {
  lfh_scan_opts o;
  memset(&o, 0, sizeof(o));
  CU_ASSERT_EQUAL(lfh_table_plan(t, &o, p, err0()), LF_OK);
  return p->n_files;
}

/* The live file holding id `first` (record_count rows from it), borrowed from `p`. */
static const char *file_of(const lfh_scan_plan *p, int64_t records) {
  for (size_t i = 0; i < p->n_files; i++)
    if (p->files[i].file.record_count == records) return p->files[i].file.file_path;
  return NULL;
}

/* ------------------------------------------------------------ overwrite */

static int overwrite(lfh_table *t, const char *remove, int64_t first, size_t n, int64_t *snap) {
  int64_t v[MAX_IDS];
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table_overwrite *ow = NULL;
  range_ids(v, first, n);
  build(v, n, &a, &s);
  int rc = lfh_table_overwrite_begin(t, &remove, 1, &s, &ow, err0());
  if (rc == LF_OK && n) rc = lfh_table_overwrite_batch(ow, &a, err0());
  if (rc == LF_OK) rc = lfh_table_overwrite_commit(ow, NULL, snap, err0());
  lfh_table_overwrite_free(ow);
  lf_array_release(&a);
  lf_schema_release(&s);
  return rc;
}

static void test_overwrite(void) {
  fixture fx;
  lfh_scan_plan p;
  ids got;
  int64_t want[64], snap = 0;
  setup(&fx);
  append(fx.t, 0, 10);
  int64_t before = append(fx.t, 10, 11); /* 11 rows: findable by record count */
  append(fx.t, 30, 12);
  CU_ASSERT_EQUAL(n_files(fx.t, &p), 3);
  int rc = overwrite(fx.t, file_of(&p, 11), 100, 5, &snap);
  if (rc) fprintf(stderr, "overwrite: %s\n", msg);
  CU_ASSERT_EQUAL(rc, LF_OK);
  lfh_scan_plan_free(&p);
  scan_at(fx.t, 0, &got);
  range_ids(want, 0, 10);
  range_ids(want + 10, 30, 12);
  range_ids(want + 22, 100, 5);
  CU_ASSERT(same_ids(&got, want, 27));
  const lfh_snapshot *cur = lfh_table_meta_current(lfh_table_metadata(fx.t));
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "operation"), "overwrite");
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "deleted-data-files"), "1");
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "deleted-records"), "11");
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "total-records"), "27");
  scan_at(fx.t, before, &got); /* time travel: the removed rows are still there */
  range_ids(want, 0, 21);
  CU_ASSERT(same_ids(&got, want, 21));
  teardown(&fx);
}

static void test_overwrite_conflict(void) {
  fixture fx;
  lfh_table *t2 = NULL;
  lfh_scan_plan p;
  int64_t snap = 0;
  setup(&fx);
  append(fx.t, 0, 10);
  append(fx.t, 10, 11);
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(fx.store, TBL, &t2, err0()), LF_OK);
  n_files(fx.t, &p);
  const char *victim = file_of(&p, 11);
  CU_ASSERT_EQUAL(overwrite(fx.t, victim, 50, 2, &snap), LF_OK);
  append(fx.t, 60, 3); /* an unrelated commit between: t2 must re-apply on top of it */
  CU_ASSERT_EQUAL(overwrite(t2, victim, 70, 2, &snap), LF_ERR_CONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, victim));
  /* A file still live is re-validated fine across the same race. */
  const char *other = file_of(&p, 10);
  CU_ASSERT_EQUAL(overwrite(t2, other, 80, 4, &snap), LF_OK);
  ids got;
  int64_t want[16] = {50, 51, 60, 61, 62, 80, 81, 82, 83};
  CU_ASSERT(lfh_table_refresh(fx.t, err0()) == LF_OK);
  scan_at(fx.t, 0, &got);
  CU_ASSERT(same_ids(&got, want, 9));
  lfh_scan_plan_free(&p);
  lfh_table_close(t2);
  teardown(&fx);
}

static void test_truncate(void) {
  fixture fx;
  ids got;
  int64_t want[8], snap = 0;
  setup(&fx);
  append(fx.t, 0, 10);
  append(fx.t, 10, 10);
  CU_ASSERT_EQUAL(lfh_table_truncate(fx.t, NULL, &snap, err0()), LF_OK);
  scan_at(fx.t, 0, &got);
  CU_ASSERT_EQUAL(got.n, 0);
  const lfh_snapshot *cur = lfh_table_meta_current(lfh_table_metadata(fx.t));
  CU_ASSERT_EQUAL(cur->snapshot_id, snap);
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "deleted-records"), "20");
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "total-data-files"), "0");
  append(fx.t, 5, 3);
  scan_at(fx.t, 0, &got);
  range_ids(want, 5, 3);
  CU_ASSERT(same_ids(&got, want, 3));
  teardown(&fx);
}

/* ------------------------------------------------------------ compaction */

static void test_compact(void) {
  fixture fx;
  lfh_scan_plan p;
  ids got;
  int64_t want[MAX_IDS], snap = 0;
  size_t n = 0;
  setup(&fx);
  for (int f = 5; f >= 0; f--) { /* newest files hold the smallest ids */
    append(fx.t, f * 100, 40);
    range_ids(want + n, f * 100, 40);
    n += 40;
  }
  CU_ASSERT_EQUAL(n_files(fx.t, &p), 6);
  lfh_scan_plan_free(&p);
  const char *by_id[] = {"id"};
  int rc = lfh_table_compact(fx.t, 100, by_id, 1, NULL, &snap, err0());
  if (rc) fprintf(stderr, "compact: %s\n", msg);
  CU_ASSERT_EQUAL(rc, LF_OK);
  CU_ASSERT_NOT_EQUAL(snap, 0);
  CU_ASSERT_EQUAL(n_files(fx.t, &p), 3); /* 240 rows in files of at most 100 */
  lfh_scan_plan_free(&p);
  const lfh_snapshot *cur = lfh_table_meta_current(lfh_table_metadata(fx.t));
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "operation"), "replace");
  scan_at(fx.t, 0, &got);
  int sorted = 1;
  for (size_t i = 1; i < got.n; i++) sorted &= got.v[i - 1] <= got.v[i];
  CU_ASSERT(sorted); /* files listed newest first, each sorted, written in order */
  CU_ASSERT(same_ids(&got, want, n));
  /* By name (ties kept in the previous order: stable), one file. */
  const char *by_name[] = {"name"};
  CU_ASSERT_EQUAL(lfh_table_compact(fx.t, 0, by_name, 1, NULL, &snap, err0()), LF_OK);
  CU_ASSERT_EQUAL(n_files(fx.t, &p), 1);
  lfh_scan_plan_free(&p);
  scan_at(fx.t, 0, &got);
  int stable = 1;
  for (size_t i = 1; i < got.n; i++) {
    int c = strcmp(got.name[i - 1], got.name[i]);
    stable &= c < 0 || (c == 0 && got.v[i - 1] < got.v[i]);
  }
  CU_ASSERT(stable);
  CU_ASSERT(same_ids(&got, want, n));
  /* One file, no sort: nothing to do. */
  CU_ASSERT_EQUAL(lfh_table_compact(fx.t, 0, NULL, 0, NULL, &snap, err0()), LF_OK);
  CU_ASSERT_EQUAL(snap, 0);
  teardown(&fx);
}

/* ------------------------------------------------------------ expiry, orphans */

static int exists(fixture *fx, const char *uri) {
  lfh_store_stat st;
  const char *root = lfh_store_root(fx->store);
  return lfh_store_stat_key(fx->store, uri + strlen(root) + 1, &st, NULL) == LF_OK;
}

static void test_expire(void) {
  fixture fx;
  lfh_scan_plan p;
  ids got;
  int64_t want[64], snap = 0;
  size_t expired = 0, deleted = 0;
  char first_file[1024];
  setup(&fx);
  append(fx.t, 0, 11);
  append(fx.t, 20, 10);
  int64_t s3 = append(fx.t, 40, 10);
  n_files(fx.t, &p);
  snprintf(first_file, sizeof(first_file), "%s", file_of(&p, 11));
  lfh_scan_plan_free(&p);
  CU_ASSERT_EQUAL(overwrite(fx.t, first_file, 100, 2, &snap), LF_OK);
  int64_t future = lfh_now_ms() + 60000;
  CU_ASSERT_EQUAL(lfh_table_expire_snapshots(fx.t, future, 2, &expired, &deleted, err0()), LF_OK);
  const lfh_table_meta *m = lfh_table_metadata(fx.t);
  CU_ASSERT_EQUAL(expired, 2);
  CU_ASSERT_EQUAL(m->n_snapshots, 2);
  CU_ASSERT_EQUAL(m->n_snapshot_log, 2);
  CU_ASSERT(exists(&fx, first_file)); /* still live in s3, which is kept */
  scan_at(fx.t, s3, &got);
  CU_ASSERT_EQUAL(got.n, 31);
  CU_ASSERT_EQUAL(lfh_table_expire_snapshots(fx.t, future, 1, &expired, &deleted, err0()), LF_OK);
  m = lfh_table_metadata(fx.t);
  CU_ASSERT_EQUAL(expired, 1);
  CU_ASSERT_EQUAL(m->n_snapshots, 1);
  CU_ASSERT_EQUAL(m->current_snapshot_id, snap);
  CU_ASSERT(deleted >= 2); /* s3's manifest list and the removed data file at least */
  CU_ASSERT(!exists(&fx, first_file));
  scan_at(fx.t, 0, &got);
  range_ids(want, 20, 10);
  range_ids(want + 10, 40, 10);
  range_ids(want + 20, 100, 2);
  CU_ASSERT(same_ids(&got, want, 22));
  lfh_table *t2 = NULL; /* the expired metadata reads back */
  CU_ASSERT_EQUAL(lfh_table_open(fx.store, TBL, &t2, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_metadata(t2)->n_snapshots, 1);
  lfh_table_close(t2);
  teardown(&fx);
}

static void test_orphans(void) {
  fixture fx;
  lfh_scan_plan p;
  ids got;
  size_t deleted = 9;
  setup(&fx);
  append(fx.t, 0, 10);
  append(fx.t, 10, 10);
  const char *stray = TBL "/data/stray.avro";
  CU_ASSERT_EQUAL(lfh_store_put(fx.store, stray, "x", 1, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_remove_orphans(fx.t, 1, &deleted, err0()), LF_OK);
  CU_ASSERT_EQUAL(deleted, 0); /* nothing older than the cutoff */
  lfh_store_stat st;
  CU_ASSERT_EQUAL(lfh_store_stat_key(fx.store, stray, &st, NULL), LF_OK);
  int rc = lfh_table_remove_orphans(fx.t, lfh_now_ms() + 60000, &deleted, err0());
  if (rc) fprintf(stderr, "orphans: %s\n", msg);
  CU_ASSERT_EQUAL(rc, LF_OK);
  CU_ASSERT_EQUAL(deleted, 1);
  CU_ASSERT_EQUAL(lfh_store_stat_key(fx.store, stray, &st, NULL), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(lfh_store_stat_key(fx.store, TBL "/metadata/version-hint.text", &st, NULL),
                  LF_OK);
  CU_ASSERT_EQUAL(n_files(fx.t, &p), 2);
  for (size_t i = 0; i < p.n_files; i++) CU_ASSERT(exists(&fx, p.files[i].file.file_path));
  lfh_scan_plan_free(&p);
  scan_at(fx.t, 0, &got);
  CU_ASSERT_EQUAL(got.n, 20);
  lfh_table *t2 = NULL; /* every metadata version still opens */
  CU_ASSERT_EQUAL(lfh_table_open(fx.store, TBL, &t2, err0()), LF_OK);
  lfh_table_close(t2);
  teardown(&fx);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"overwrite", test_overwrite},
      {"overwrite_conflict", test_overwrite_conflict},
      {"truncate", test_truncate},
      {"compact", test_compact},
      {"expire", test_expire},
      {"orphans", test_orphans},
      {NULL, NULL},
  };
  return lfh_test_run("table_maint", cases);
}
