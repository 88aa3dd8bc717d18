/* test_table — the table API end to end: create/append/scan round trips of nested data
 * with nulls for each codec (every Avro file also read by python3-avro), time travel by
 * id and timestamp, incremental scans, the exactly-once lookup, two processes appending
 * to one table, and truncated files refused by name. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

#define PYTHON "/usr/bin/python3"
#define CHECK_AVRO LFH_SOURCE_DIR "/tests/table/check_avro.py"
#define TBL "cat/sch/events"
#define RACE_APPENDS 200 /* per process */

static char msg[1024];
static lf_error err;

static lf_error *err0(void) {
  lf_error_init(&err, msg, sizeof(msg));
  return &err;
}

/* ------------------------------------------------------------ rows */

/* id (required), name, score, ts, tags list<utf8>, attrs map<utf8,int64>,
 * loc struct{lat, city} — nulls at every level. Rows numbered from `first`. */
/* Rows [first, first + n); with null_id >= 0, `id` is nullable in Arrow and row null_id
 * has none (a table whose id is required must refuse that row). */
static void build_rows_ex(int64_t first, int64_t n, int64_t null_id, struct ArrowArray *a,
                          struct ArrowSchema *s) {
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  lf_builder *name = lf_builder_add_child(b, "u", "name");
  lf_builder *score = lf_builder_add_child(b, "g", "score");
  lf_builder *ts = lf_builder_add_child(b, "tsu:UTC", "ts");
  lf_builder *tags = lf_builder_add_child(b, "+l", "tags");
  lf_builder *tag = lf_builder_add_child(tags, "u", "item");
  lf_builder *attrs = lf_builder_add_child(b, "+m", "attrs");
  lf_builder *ak = lf_builder_add_child(attrs, "u", "key");
  lf_builder *av = lf_builder_add_child(attrs, "l", "value");
  lf_builder *loc = lf_builder_add_child(b, "+s", "loc");
  lf_builder *lat = lf_builder_add_child(loc, "g", "lat");
  lf_builder *city = lf_builder_add_child(loc, "u", "city");
  lf_builder_set_nullable(id, null_id >= 0);
  for (int64_t r = first; r < first + n; r++) {
    char text[32];
    lf_builder_append_struct(b);
    if (r == null_id) lf_builder_append_null(id);
    else lf_builder_append_int64(id, r);
    snprintf(text, sizeof text, "name-%" PRId64, r);
    if (r % 4 == 3) lf_builder_append_null(name);
    else lf_builder_append_cstr(name, text);
    lf_builder_append_double(score, (double)r / 8);
    lf_builder_append_timestamp(ts, 1700000000000000 + r);
    for (int64_t k = 0; k < r % 3; k++) {
      if (k == 1) lf_builder_append_null(tag);
      else lf_builder_append_cstr(tag, "t");
    }
    if (r % 5 == 4) lf_builder_append_null(tags);
    else lf_builder_append_list(tags);
    for (int64_t k = 0; k < r % 2 + 1; k++) {
      lf_builder_append_cstr(ak, k ? "b" : "a");
      if (r % 7 == 0) lf_builder_append_null(av);
      else lf_builder_append_int64(av, r * 10 + k);
    }
    lf_builder_append_map(attrs);
    if (r % 6 == 5) {
      lf_builder_append_null(loc);
    } else {
      lf_builder_append_struct(loc);
      lf_builder_append_double(lat, (double)r);
      if (r % 2) lf_builder_append_null(city);
      else lf_builder_append_cstr(city, "rome");
    }
  }
  CU_ASSERT_EQUAL_FATAL(lf_builder_finish(b, a, s, err0()), LF_OK);
}

static void build_rows(int64_t first, int64_t n, struct ArrowArray *a, struct ArrowSchema *s) {
  build_rows_ex(first, n, -1, a, s);
}

static int bit(const void *bits, int64_t i) {
  return (((const uint8_t *)bits)[i / 8] >> (i % 8)) & 1;
}

/* A row as text, so input and output batches compare whatever their buffer layouts. */
static void dump(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i, FILE *out) {
  int64_t j = a->offset + i;
  const char *f = s->format;
  if (a->null_count != 0 && a->buffers[0] && !bit(a->buffers[0], j)) {
    fputs("null", out);
  } else if (!strcmp(f, "l") || !strncmp(f, "tsu:", 4)) {
    fprintf(out, "%" PRId64, ((const int64_t *)a->buffers[1])[j]);
  } else if (!strcmp(f, "g")) {
    fprintf(out, "%.17g", ((const double *)a->buffers[1])[j]);
  } else if (!strcmp(f, "u")) {
    const int32_t *o = a->buffers[1];
    fprintf(out, "'%.*s'", (int)(o[j + 1] - o[j]), (const char *)a->buffers[2] + o[j]);
  } else if (!strcmp(f, "+s")) {
    fputc('{', out);
    for (int64_t c = 0; c < s->n_children; c++) {
      fprintf(out, "%s=", s->children[c]->name);
      dump(s->children[c], a->children[c], j, out);
      fputc(',', out);
    }
    fputc('}', out);
  } else if (!strcmp(f, "+l") || !strcmp(f, "+m")) {
    const int32_t *o = a->buffers[1];
    fputc('[', out);
    for (int32_t k = o[j]; k < o[j + 1]; k++) {
      dump(s->children[0], a->children[0], k, out);
      fputc(',', out);
    }
    fputc(']', out);
  } else {
    fprintf(out, "?%s", f);
  }
}

/* Collects scanned rows as text lines and the column names of the batches. */
typedef struct collected {
  char *text;
  size_t len;
  FILE *f;
  int64_t rows, batches;
  char columns[256];
} collected;

static int collect(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  collected *c = ctx;
  c->columns[0] = '\0';
  for (int64_t k = 0; k < schema->n_children; k++) {
    strncat(c->columns, schema->children[k]->name, sizeof(c->columns) - strlen(c->columns) - 2);
    strcat(c->columns, ",");
  }
  for (int64_t i = 0; i < batch->length; i++) {
    dump(schema, batch, i, c->f);
    fputc('\n', c->f);
  }
  c->rows += batch->length;
  c->batches++;
  lf_array_release(batch);
  return 0;
}

static int scan(lfh_table *t, const lfh_scan_opts *o, collected *c) {
  memset(c, 0, sizeof(*c));
  c->f = open_memstream(&c->text, &c->len);
  int rc = lfh_table_scan(t, o, collect, c, err0());
  fclose(c->f);
  if (rc) fprintf(stderr, "scan: %s\n", msg);
  return rc;
}

static char *expected_text(const struct ArrowSchema *s, const struct ArrowArray *a) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  for (int64_t i = 0; i < a->length; i++) {
    dump(s, a, i, f);
    fputc('\n', f);
  }
  fclose(f);
  return text;
}

/* ------------------------------------------------------------ helpers */

typedef struct fixture {
  char *dir;
  lfh_store *store;
  lfh_table *t;
} fixture;

static void setup_props(fixture *fx, const char *codec, const char *target_size) {
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_kvs props = {0};
  fx->dir = lfh_test_tmpdir();
  CU_ASSERT_PTR_NOT_NULL_FATAL(fx->dir);
  fx->store = lfh_store_open(fx->dir, err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(fx->store);
  build_rows(0, 1, &a, &s);
  if (codec) lfh_kvs_set(&props, LFH_TABLE_PROP_CODEC, codec);
  if (target_size) lfh_kvs_set(&props, LFH_TABLE_PROP_TARGET_SIZE, target_size);
  int rc = lfh_table_create(fx->store, TBL, &s, &props, &fx->t, err0());
  if (rc) fprintf(stderr, "create: %s\n", msg);
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  lfh_kvs_free(&props);
  lf_array_release(&a);
  lf_schema_release(&s);
}

static void setup(fixture *fx, const char *codec) { setup_props(fx, codec, NULL); }

static void teardown(fixture *fx) {
  lfh_table_close(fx->t);
  lfh_store_close(fx->store);
  lfh_test_rmtree(fx->dir);
  free(fx->dir);
}

/* Appends rows [first, first + n) in `parts` batches; returns the snapshot id (0 on
 * failure, with the code in *rc_out when given). */
static int64_t append_rows(lfh_table *t, int64_t first, int64_t n, int parts,
                           const lfh_kvs *props, int *rc_out) {
  lfh_table_append *ap = NULL;
  int64_t id = 0;
  struct ArrowArray a;
  struct ArrowSchema s;
  build_rows(first, 1, &a, &s); /* the schema only */
  lf_array_release(&a);
  int rc = lfh_table_append_begin(t, &s, &ap, err0());
  for (int p = 0; rc == LF_OK && p < parts; p++) {
    int64_t lo = first + n * p / parts, hi = first + n * (p + 1) / parts;
    struct ArrowSchema s2;
    build_rows(lo, hi - lo, &a, &s2);
    rc = lfh_table_append_batch(ap, &a, err0());
    lf_array_release(&a);
    lf_schema_release(&s2);
  }
  if (rc == LF_OK) rc = lfh_table_append_commit(ap, props, &id, err0());
  if (rc && !rc_out) fprintf(stderr, "append: %s\n", msg);
  if (rc_out) *rc_out = rc;
  lfh_table_append_free(ap);
  lf_schema_release(&s);
  return rc == LF_OK ? id : 0;
}

static int run_argv(char *const argv[]) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Every .avro file under dir/sub into argv (from index `at`); returns the new count. */
static int avro_files(const char *dir, const char *sub, char **argv, int at, int cap) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, sub);
  DIR *d = opendir(path);
  if (!d) return at;
  struct dirent *e;
  while ((e = readdir(d)) && at < cap) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 5, ".avro") != 0) continue;
    char *p = malloc(strlen(path) + n + 2);
    sprintf(p, "%s/%s", path, e->d_name);
    argv[at++] = p;
  }
  closedir(d);
  return at;
}

/* python3-avro reads every Avro file of the table and checks headers and field ids. */
static void check_with_python(const fixture *fx, const char *codec) {
  char *argv[64] = {PYTHON, CHECK_AVRO, (char *)codec};
  int n = avro_files(fx->dir, TBL "/data", argv, 3, 62);
  n = avro_files(fx->dir, TBL "/metadata", argv, n, 62);
  CU_ASSERT_TRUE(n >= 3 + 3); /* a data file, a manifest, a manifest list */
  CU_ASSERT_EQUAL(run_argv(argv), 0);
  for (int i = 3; i < n; i++) free(argv[i]);
}

/* ------------------------------------------------------------ tests */

static void round_trip(const char *codec, const char *avro_codec) {
  fixture fx;
  setup(&fx, codec);
  struct ArrowArray a;
  struct ArrowSchema s;
  build_rows(0, 1000, &a, &s);
  char *want = expected_text(&s, &a);
  CU_ASSERT_TRUE_FATAL(append_rows(fx.t, 0, 1000, 3, NULL, NULL) != 0);
  collected c;
  lfh_scan_opts o = {0};
  CU_ASSERT_EQUAL(scan(fx.t, &o, &c), LF_OK);
  CU_ASSERT_EQUAL(c.rows, 1000);
  CU_ASSERT_STRING_EQUAL(c.columns, "id,name,score,ts,tags,attrs,loc,");
  CU_ASSERT_TRUE(c.text && !strcmp(c.text, want));
  free(c.text);
  /* projection, in the order asked */
  const char *cols[] = {"loc", "id"};
  o.columns = cols;
  o.n_columns = 2;
  CU_ASSERT_EQUAL(scan(fx.t, &o, &c), LF_OK);
  CU_ASSERT_STRING_EQUAL(c.columns, "loc,id,");
  CU_ASSERT_TRUE(c.text && !strncmp(c.text, "{loc={lat=0,city='rome',},id=0,}\n", 32));
  free(c.text);
  /* a second handle opens the same version; the summary adds up */
  lfh_table *t2 = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(fx.store, TBL, &t2, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_version(t2), 2);
  const lfh_snapshot *cur = lfh_table_meta_current(lfh_table_metadata(t2));
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "added-records"), "1000");
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "total-data-files"), "1");
  lfh_table_close(t2);
  check_with_python(&fx, avro_codec);
  free(want);
  lf_array_release(&a);
  lf_schema_release(&s);
  teardown(&fx);
}

static void test_round_trip_deflate(void) { round_trip(NULL, "deflate"); }

/* write.avro.compression-level: the rows come back at every level; level 1 files are
 * larger than level 9 ones (the level reached zlib); out-of-range levels are refused. */
static int64_t files_size_at_level(const char *level) {
  fixture fx;
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_kvs props = {0};
  lfh_table *t = NULL;
  setup(&fx, NULL);
  build_rows(0, 1, &a, &s);
  lfh_kvs_set(&props, LFH_TABLE_PROP_LEVEL, level);
  int rc = lfh_table_create(fx.store, "c/s/leveled", &s, &props, &t, err0());
  CU_ASSERT_EQUAL_FATAL(rc, LF_OK);
  CU_ASSERT_TRUE_FATAL(append_rows(t, 0, 3000, 1, NULL, NULL) != 0);
  collected c;
  lfh_scan_opts o = {0};
  CU_ASSERT_EQUAL(scan(t, &o, &c), LF_OK);
  CU_ASSERT_EQUAL(c.rows, 3000);
  free(c.text);
  const lfh_snapshot *cur = lfh_table_meta_current(lfh_table_metadata(t));
  int64_t size = strtoll(lfh_kvs_get(&cur->summary, "total-files-size"), NULL, 10);
  lfh_table_close(t);
  lfh_kvs_free(&props);
  lf_array_release(&a);
  lf_schema_release(&s);
  teardown(&fx);
  return size;
}

static void test_deflate_level(void) {
  int64_t fast = files_size_at_level("1"), small = files_size_at_level("9");
  CU_ASSERT_TRUE(fast > small && small > 0);
  fixture fx;
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_table *t = NULL;
  setup(&fx, NULL);
  build_rows(0, 1, &a, &s);
  static const char *const bad[] = {"0", "10", "fast", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    lfh_kvs props = {0};
    lfh_kvs_set(&props, LFH_TABLE_PROP_LEVEL, bad[i]);
    CU_ASSERT_EQUAL(lfh_table_create(fx.store, "c/s/bad", &s, &props, &t, err0()), LF_ERR_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, LFH_TABLE_PROP_LEVEL));
    lfh_kvs_free(&props);
  }
  lf_array_release(&a);
  lf_schema_release(&s);
  teardown(&fx);
}
static void test_round_trip_snappy(void) { round_trip("snappy", "snappy"); }
static void test_round_trip_uncompressed(void) { round_trip("uncompressed", "null"); }

static void test_bad_codec(void) {
  fixture fx;
  setup(&fx, NULL);
  struct ArrowArray a;
  struct ArrowSchema s;
  lfh_kvs props = {0};
  lfh_table *t = NULL;
  build_rows(0, 1, &a, &s);
  lfh_kvs_set(&props, LFH_TABLE_PROP_CODEC, "lz5");
  CU_ASSERT_EQUAL(lfh_table_create(fx.store, "c/s/other", &s, &props, &t, err0()),
                  LF_ERR_UNSUPPORTED);
  CU_ASSERT_EQUAL(lfh_table_create(fx.store, TBL, &s, NULL, &t, err0()), LF_ERR_CONFLICT);
  CU_ASSERT_EQUAL(lfh_table_open(fx.store, "c/s/none", &t, err0()), LF_ERR_NOT_FOUND);
  lfh_kvs_free(&props);
  lf_array_release(&a);
  lf_schema_release(&s);
  teardown(&fx);
}

static void sleep_ms(long ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

static int64_t count_rows(lfh_table *t, const lfh_scan_opts *o) {
  collected c;
  int rc = scan(t, o, &c);
  free(c.text);
  return rc == LF_OK ? c.rows : -1;
}

static int count_data_files(lfh_table *t) {
  lfh_scan_plan p;
  lfh_scan_opts o = {0};
  if (lfh_table_plan(t, &o, &p, err0()) != LF_OK) return -1;
  int n = (int)p.n_files;
  lfh_scan_plan_free(&p);
  return n;
}

/* Appends batches of the given sizes (rows numbered on from 0) in one commit. */
static int append_sizes(lfh_table *t, const int64_t *sizes, int k) {
  lfh_table_append *ap = NULL;
  struct ArrowArray a;
  struct ArrowSchema s;
  build_rows(0, 1, &a, &s); /* the schema only */
  lf_array_release(&a);
  int rc = lfh_table_append_begin(t, &s, &ap, err0());
  int64_t first = 0, id = 0;
  for (int i = 0; rc == LF_OK && i < k; first += sizes[i++]) {
    struct ArrowSchema s2;
    build_rows(first, sizes[i], &a, &s2);
    rc = lfh_table_append_batch(ap, &a, err0());
    lf_array_release(&a);
    lf_schema_release(&s2);
  }
  if (rc == LF_OK) rc = lfh_table_append_commit(ap, NULL, &id, err0());
  lfh_table_append_free(ap);
  lf_schema_release(&s);
  return rc;
}

static int count_objects(void *ctx, const lfh_store_entry *e) {
  (void)e;
  ++*(int *)ctx;
  return 0;
}

typedef struct blocks_seen {
  lfh_store *store;
  int64_t rows[64];
  int n, files;
} blocks_seen;

static int read_blocks(void *ctx, const lfh_store_entry *e) {
  blocks_seen *b = ctx;
  size_t n = strlen(e->key);
  if (n < 5 || strcmp(e->key + n - 5, ".avro") != 0) return 0;
  lfh_buf buf = {0};
  if (lfh_store_get(b->store, e->key, &buf, err0()) != LF_OK) return -1;
  lfh_avro_reader *r = lfh_avro_reader_open(buf.data, buf.len, e->key, err0());
  const uint8_t *data;
  size_t len;
  int64_t count;
  int rc = r ? 0 : -1;
  while (r && (rc = lfh_avro_reader_next(r, &data, &len, &count, err0())) == 1 && b->n < 64)
    b->rows[b->n++] = count;
  lfh_avro_reader_free(r);
  lfh_buf_free(&buf);
  b->files++;
  return rc < 0 ? -1 : 0;
}

/* Blocks are cut every 2048 rows whatever the batches are and whichever thread encoded
 * them (several blocks of a large batch are encoded and compressed in parallel): a short
 * batch starts a block the next large one finishes, the large one's whole blocks go to
 * the pool, its tail starts the next block. Every row comes back in order, and
 * python3-avro reads the file. */
static void parallel_blocks(const char *codec, const char *avro_codec) {
  fixture fx;
  setup(&fx, codec);
  static const int64_t sizes[] = {100, 2048 * 9 + 777, 5000, 1, 2048 * 3};
  int64_t total = 0;
  for (int i = 0; i < 5; i++) total += sizes[i];
  CU_ASSERT_EQUAL_FATAL(append_sizes(fx.t, sizes, 5), LF_OK);
  blocks_seen b = {fx.store, {0}, 0, 0};
  CU_ASSERT_EQUAL(lfh_store_list(fx.store, TBL "/data/", read_blocks, &b, err0()), LF_OK);
  CU_ASSERT_EQUAL(b.files, 1);
  int64_t sum = 0;
  int whole = 1;
  for (int i = 0; i < b.n; i++) {
    sum += b.rows[i];
    if (i < b.n - 1) whole &= b.rows[i] == 2048;
  }
  CU_ASSERT_EQUAL(sum, total);
  CU_ASSERT_TRUE(whole);
  CU_ASSERT_EQUAL(b.n, (int)((total + 2047) / 2048));
  struct ArrowArray a;
  struct ArrowSchema s;
  build_rows(0, total, &a, &s);
  char *want = expected_text(&s, &a);
  collected c;
  lfh_scan_opts o = {0};
  CU_ASSERT_EQUAL(scan(fx.t, &o, &c), LF_OK);
  CU_ASSERT_EQUAL(c.rows, total);
  CU_ASSERT_TRUE(c.text && want && !strcmp(c.text, want));
  free(c.text);
  free(want);
  lf_array_release(&a);
  lf_schema_release(&s);
  check_with_python(&fx, avro_codec);
  teardown(&fx);
}

/* A batch whose 6th whole block cannot be encoded (a null in the required id) fails its
 * append with a message naming the column, whichever thread met the null; abandoning the
 * append then leaves the table as it was (no snapshot, no visible data file). */
static void test_parallel_block_error(void) {
  fixture fx;
  setup(&fx, "snappy");
  int64_t version = lfh_table_version(fx.t);
  lfh_table_append *ap = NULL;
  struct ArrowArray a;
  struct ArrowSchema s, s2;
  build_rows(0, 1, &a, &s); /* the schema only: id required */
  lf_array_release(&a);
  CU_ASSERT_EQUAL_FATAL(lfh_table_append_begin(fx.t, &s, &ap, err0()), LF_OK);
  build_rows(0, 3000, &a, &s2);
  CU_ASSERT_EQUAL(lfh_table_append_batch(ap, &a, err0()), LF_OK);
  lf_array_release(&a);
  lf_schema_release(&s2);
  build_rows_ex(3000, 2048 * 8, 3000 + 1096 + 2048 * 5 + 7, &a, &s2);
  CU_ASSERT_EQUAL(lfh_table_append_batch(ap, &a, err0()), LF_ERR_DATA);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'id'"));
  lf_array_release(&a);
  lf_schema_release(&s2);
  lfh_table_append_free(ap); /* abandoned, as the engine does with a failed epoch */
  lf_schema_release(&s);
  CU_ASSERT_EQUAL(lfh_table_version(fx.t), version);
  CU_ASSERT_EQUAL(count_data_files(fx.t), 0);
  CU_ASSERT_EQUAL(count_rows(fx.t, &(lfh_scan_opts){0}), 0);
  int files = 0;
  CU_ASSERT_EQUAL(lfh_store_list(fx.store, TBL "/data/", count_objects, &files, err0()), LF_OK);
  CU_ASSERT_EQUAL(files, 0);
  teardown(&fx);
}

static void test_parallel_blocks(void) {
  parallel_blocks("snappy", "snappy");
  parallel_blocks(NULL, "deflate");
  parallel_blocks("uncompressed", "null");
}

/* Data files roll over at write.target-file-size-bytes: one append writes several files
 * (each about the target, never far past it), the summary counts them all, and every
 * row comes back in order. */
static void test_rollover(void) {
  fixture fx;
  setup_props(&fx, "uncompressed", "65536");
  CU_ASSERT_TRUE_FATAL(append_rows(fx.t, 0, 20000, 4, NULL, NULL) != 0);
  const lfh_snapshot *cur = lfh_table_meta_current(lfh_table_metadata(fx.t));
  const char *files = lfh_kvs_get(&cur->summary, "added-data-files");
  CU_ASSERT_PTR_NOT_NULL_FATAL(files);
  int n = atoi(files);
  CU_ASSERT_TRUE(n > 1);
  CU_ASSERT_EQUAL(count_data_files(fx.t), n);
  int64_t size = strtoll(lfh_kvs_get(&cur->summary, "added-files-size"), NULL, 10);
  /* every file but the last reached the target; none went past it by a whole block */
  CU_ASSERT_TRUE(size >= (int64_t)(n - 1) * 65536);
  CU_ASSERT_EQUAL(count_rows(fx.t, &(lfh_scan_opts){0}), 20000);
  struct ArrowArray a;
  struct ArrowSchema s;
  build_rows(0, 20000, &a, &s);
  char *want = expected_text(&s, &a);
  collected c;
  lfh_scan_opts o = {0};
  CU_ASSERT_EQUAL(scan(fx.t, &o, &c), LF_OK);
  CU_ASSERT_TRUE(c.text && want && !strcmp(c.text, want));
  free(c.text);
  free(want);
  lf_array_release(&a);
  lf_schema_release(&s);
  /* an append abandoned before commit leaves no visible object behind */
  lfh_table_append *ap = NULL;
  build_rows(0, 5000, &a, &s);
  CU_ASSERT_EQUAL_FATAL(lfh_table_append_begin(fx.t, &s, &ap, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_append_batch(ap, &a, err0()), LF_OK);
  lfh_table_append_free(ap);
  lf_array_release(&a);
  lf_schema_release(&s);
  CU_ASSERT_EQUAL(count_data_files(fx.t), n);
  teardown(&fx);
}

static void test_time_travel(void) {
  fixture fx;
  setup(&fx, NULL);
  int64_t ids[4], ts[4];
  for (int i = 0; i < 4; i++) {
    sleep_ms(3); /* distinct commit times */
    ids[i] = append_rows(fx.t, i * 10, 10, 1, NULL, NULL);
    CU_ASSERT_TRUE_FATAL(ids[i] != 0);
    ts[i] = lfh_table_meta_current(lfh_table_metadata(fx.t))->timestamp_ms;
    sleep_ms(3);
  }
  for (int i = 0; i < 4; i++) {
    lfh_scan_opts by_id = {.snapshot_id = ids[i]}, by_ts = {.as_of_ms = ts[i]};
    CU_ASSERT_EQUAL(count_rows(fx.t, &by_id), 10 * (i + 1));
    CU_ASSERT_EQUAL(count_rows(fx.t, &by_ts), 10 * (i + 1));
  }
  lfh_scan_opts before = {.as_of_ms = ts[0] - 1}, nosuch = {.snapshot_id = 42};
  CU_ASSERT_EQUAL(lfh_table_scan(fx.t, &before, collect, NULL, err0()), LF_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL(lfh_table_scan(fx.t, &nosuch, collect, NULL, err0()), LF_ERR_NOT_FOUND);
  /* incremental: files added in (from, to] */
  lfh_scan_opts inc = {.from_snapshot_id = ids[0]};
  CU_ASSERT_EQUAL(count_rows(fx.t, &inc), 30);
  inc.snapshot_id = ids[2];
  CU_ASSERT_EQUAL(count_rows(fx.t, &inc), 20);
  lfh_scan_plan p;
  CU_ASSERT_EQUAL(lfh_table_plan(fx.t, &inc, &p, err0()), LF_OK);
  CU_ASSERT_EQUAL(p.n_files, 2);
  for (size_t i = 0; i < p.n_files; i++) {
    /* sequence numbers inherited from the manifest list: ids[k] has k + 1 */
    int k = p.files[i].snapshot_id == ids[1] ? 1 : p.files[i].snapshot_id == ids[2] ? 2 : -1;
    CU_ASSERT_TRUE(k > 0);
    CU_ASSERT_EQUAL(p.files[i].sequence_number, k + 1);
    CU_ASSERT_EQUAL(p.files[i].file_sequence_number, k + 1);
  }
  lfh_scan_plan_free(&p);
  lfh_scan_opts backwards = {.snapshot_id = ids[0], .from_snapshot_id = ids[2]};
  CU_ASSERT_EQUAL(lfh_table_plan(fx.t, &backwards, &p, err0()), LF_ERR_INVALID);
  teardown(&fx);
}

static void flow_props(lfh_kvs *p, const char *flow, int64_t epoch) {
  char text[32];
  snprintf(text, sizeof text, "%" PRId64, epoch);
  lfh_kvs_set(p, LFH_SUMMARY_FLOW_ID, flow);
  lfh_kvs_set(p, LFH_SUMMARY_EPOCH, text);
  lfh_kvs_set(p, "lf.upstream.cat.sch.src", "12345");
}

static void test_exactly_once(void) {
  fixture fx;
  setup(&fx, NULL);
  int64_t epoch = -1, snap = 0, last = 0;
  CU_ASSERT_EQUAL(lfh_table_find_flow(fx.t, "f1", &epoch, &snap, err0()), 0);
  for (int64_t e = 1; e <= 3; e++) {
    lfh_kvs p = {0};
    flow_props(&p, e == 2 ? "f2" : "f1", e);
    last = append_rows(fx.t, e * 10, 5, 1, &p, NULL);
    CU_ASSERT_TRUE(last != 0);
    lfh_kvs_free(&p);
  }
  CU_ASSERT_EQUAL(lfh_table_find_flow(fx.t, "f1", &epoch, &snap, err0()), 1);
  CU_ASSERT_EQUAL(epoch, 3);
  CU_ASSERT_EQUAL(snap, last);
  CU_ASSERT_EQUAL(lfh_table_find_flow(fx.t, "f2", &epoch, NULL, err0()), 1);
  CU_ASSERT_EQUAL(epoch, 2);
  /* a re-run of epoch 3 (or older) commits nothing */
  lfh_kvs p = {0};
  flow_props(&p, "f1", 3);
  int rc = 0;
  CU_ASSERT_EQUAL(append_rows(fx.t, 0, 5, 1, &p, &rc), 0);
  CU_ASSERT_EQUAL(rc, LF_ERR_CONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "already committed epoch 3"));
  CU_ASSERT_EQUAL(lfh_table_metadata(fx.t)->n_snapshots, 3);
  const lfh_snapshot *cur = lfh_table_meta_current(lfh_table_metadata(fx.t));
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "lf.upstream.cat.sch.src"), "12345");
  CU_ASSERT_STRING_EQUAL(lfh_kvs_get(&cur->summary, "total-records"), "15");
  lfh_kvs_free(&p);
  teardown(&fx);
}

/* ------------------------------------------------------------ two writers */

static void writer(const char *dir, int w, int go) {
  char buf[1];
  lf_error e;
  lf_error_init(&e, NULL, 0);
  lfh_store *s = lfh_store_open(dir, &e);
  lfh_table *t = NULL;
  int ok = s && lfh_table_open(s, TBL, &t, &e) == LF_OK && read(go, buf, 1) == 0;
  for (int i = 0; ok && i < RACE_APPENDS; i++) {
    lfh_kvs p = {0};
    flow_props(&p, w ? "w1" : "w0", i + 1);
    /* rows from 3i: a one-row batch of row 3i has an empty tags list, so batches whose
     * list columns hold no item at all are covered too */
    ok = append_rows(t, 3 * i, i % 3 + 1, 1, &p, NULL) != 0;
    lfh_kvs_free(&p);
  }
  lfh_table_close(t);
  lfh_store_close(s);
  _exit(ok ? 0 : 1);
}

static void check_chain(const lfh_table_meta *m, int64_t *records) {
  const lfh_snapshot *s = lfh_table_meta_current(m);
  int64_t n = 0;
  for (; s; s = lfh_table_meta_parent(m, s), n++) {
    /* each parent is the previous commit: sequence numbers step by one */
    const lfh_snapshot *parent = lfh_table_meta_parent(m, s);
    CU_ASSERT_EQUAL(s->sequence_number, parent ? parent->sequence_number + 1 : 1);
    if (!parent) CU_ASSERT_EQUAL(s->parent_id, LFH_NO_SNAPSHOT);
  }
  CU_ASSERT_EQUAL(n, (int64_t)m->n_snapshots);
  *records = strtoll(lfh_kvs_get(&lfh_table_meta_current(m)->summary, "total-records"), NULL, 10);
}

static void test_two_writers(void) {
  fixture fx;
  setup(&fx, "snappy");
  int go[2];
  pid_t pids[2];
  CU_ASSERT_EQUAL_FATAL(pipe(go), 0);
  fflush(NULL);
  for (int w = 0; w < 2; w++) {
    pids[w] = fork();
    if (pids[w] == 0) {
      close(go[1]);
      writer(fx.dir, w, go[0]);
    }
  }
  close(go[0]);
  close(go[1]); /* both start together */
  for (int w = 0; w < 2; w++) {
    int st = 0;
    CU_ASSERT_EQUAL(waitpid(pids[w], &st, 0), pids[w]);
    CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  CU_ASSERT_EQUAL_FATAL(lfh_table_refresh(fx.t, err0()), LF_OK);
  const lfh_table_meta *m = lfh_table_metadata(fx.t);
  CU_ASSERT_EQUAL_FATAL(m->n_snapshots, 2 * RACE_APPENDS);
  CU_ASSERT_EQUAL(lfh_table_version(fx.t), 2 * RACE_APPENDS + 1);
  int64_t want = 0, total = 0, epoch = 0;
  for (int i = 0; i < RACE_APPENDS; i++) want += 2 * (i % 3 + 1);
  check_chain(m, &total);
  CU_ASSERT_EQUAL(total, want);
  lfh_scan_opts o = {0};
  CU_ASSERT_EQUAL(count_rows(fx.t, &o), want);
  for (int w = 0; w < 2; w++) {
    CU_ASSERT_EQUAL(lfh_table_find_flow(fx.t, w ? "w1" : "w0", &epoch, NULL, err0()), 1);
    CU_ASSERT_EQUAL(epoch, RACE_APPENDS);
  }
  teardown(&fx);
}

/* ------------------------------------------------------------ bad files */

static void truncate_key(lfh_store *s, const char *key) {
  lfh_buf b = {0};
  CU_ASSERT_EQUAL_FATAL(lfh_store_get(s, key, &b, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_put(s, key, b.data, b.len / 2, err0()), LF_OK);
  lfh_buf_free(&b);
}

static void test_truncated(void) {
  fixture fx;
  setup(&fx, NULL);
  CU_ASSERT_TRUE_FATAL(append_rows(fx.t, 0, 500, 1, NULL, NULL) != 0);
  lfh_scan_plan p;
  CU_ASSERT_EQUAL_FATAL(lfh_table_plan(fx.t, &(lfh_scan_opts){0}, &p, err0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(p.n_files, 1);
  char *path = strdup(p.files[0].file.file_path);
  const char *key = strstr(path, TBL "/data/");
  lfh_scan_plan_free(&p);
  CU_ASSERT_PTR_NOT_NULL_FATAL(key);
  truncate_key(fx.store, key);
  lfh_scan_opts o = {0};
  CU_ASSERT_TRUE(lfh_table_scan(fx.t, &o, collect, NULL, err0()) < 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, key));
  free(path);
  truncate_key(fx.store, TBL "/metadata/v2.metadata.json");
  lfh_table *t2 = NULL;
  CU_ASSERT_TRUE(lfh_table_open(fx.store, TBL, &t2, err0()) < 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(msg, "v2.metadata.json"));
  teardown(&fx);
}

/* The hint lags: open still finds the newest version by probing. */
static void test_stale_hint(void) {
  fixture fx;
  setup(&fx, NULL);
  /* rows 0, 3, 6: one-row batches whose tags list is empty */
  for (int i = 0; i < 3; i++) CU_ASSERT_TRUE(append_rows(fx.t, 3 * i, 1, 1, NULL, NULL) != 0);
  CU_ASSERT_EQUAL(lfh_store_put(fx.store, TBL "/metadata/version-hint.text", "2", 1, err0()),
                  LF_OK);
  lfh_table *t2 = NULL;
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(fx.store, TBL, &t2, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_version(t2), 4);
  lfh_table_close(t2);
  CU_ASSERT_EQUAL(lfh_store_delete(fx.store, TBL "/metadata/version-hint.text", err0()), LF_OK);
  CU_ASSERT_EQUAL_FATAL(lfh_table_open(fx.store, TBL, &t2, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_table_version(t2), 4);
  lfh_table_close(t2);
  teardown(&fx);
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"round trip, deflate (default)", test_round_trip_deflate},
      {"round trip, snappy", test_round_trip_snappy},
      {"round trip, uncompressed", test_round_trip_uncompressed},
      {"deflate level: 1 and 9 read back, bad levels refused", test_deflate_level},
      {"data files roll over at the target size", test_rollover},
      {"blocks of 2048 rows whichever thread encoded them", test_parallel_blocks},
      {"a block that cannot be encoded fails its batch; abandoning leaves the table", test_parallel_block_error},
      {"bad codec, existing and missing tables", test_bad_codec},
      {"time travel by id and timestamp, incremental scans", test_time_travel},
      {"exactly-once: newest epoch of a flow, re-runs refused", test_exactly_once},
      {"two processes append to one table", test_two_writers},
      {"truncated data and metadata files are named", test_truncated},
      {"a stale or missing version hint", test_stale_hint},
      {NULL, NULL}};
  return lfh_test_run("table", cases);
}
