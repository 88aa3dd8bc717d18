/*
 * bench_table — end-to-end Iceberg table throughput on one core: appends of clickstream
 * rows (clickstream_rows.h) through lfh_table with each data file codec, then a full and
 * a projected scan of the same table.
 *
 *  - REPS fresh tables per codec (uncompressed, snappy, deflate at the default level); the
 *    fastest append is reported with its scans, and the median append beside it. In a
 *    fresh folder under $TMPDIR (else /tmp): a real disk, not /dev/shm, so fsync costs what it
 *    costs there. The folder is removed at the end.
 *  - Rows are appended as one transaction per TXN_ROWS rows (250,000), each fed as
 *    TXN_BATCHES Arrow batches of 62,500 rows: begin, batches, commit. A transaction's
 *    time covers encoding, streaming the data file to the store block by block, its
 *    fsync, the manifest, the manifest list and the new metadata version (put_if_absent).
 *    The Arrow batches are built before the clock starts and reused by every codec.
 *  - Scans: lfh_table_scan of the current snapshot, every column, then three top-level
 *    columns (event_id, ts, user); both must deliver N rows. Batches are released as
 *    they arrive.
 *  - Append time is also split into "batches" (encode and write(2) each block,
 *    lfh_table_append_batch) and "commit" (lfh_table_append_commit: the last block, the
 *    data file's fsync, manifests and metadata).
 * MB/s counts data file bytes (as stored, so compressed for snappy/deflate).
 *
 * Usage: bench_table [--rows N]   (default 1000000)
 * Environment: BENCH_TABLE_CODEC=uncompressed|snappy|deflate runs that codec only (for
 * perf); BENCH_TABLE_KEEP=1 keeps the store folder.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clickstream_rows.h"
#include "lf/lf_array.h"
#include "table/lfh_table.h"

#define TXN_BATCHES 4
#define BATCH_ROWS 62500
#define TXN_ROWS ((int64_t)TXN_BATCHES * BATCH_ROWS)
#define REPS 5 /* runs per codec: the VM's page cache makes single runs vary 2x */

typedef clickstream_batches batches;

typedef struct result {
  double append_s, batch_s, commit_s, full_s, proj_s;
  int64_t full_rows, proj_rows, commits;
  int64_t data_bytes;
} result;


static void batches_free(batches *b) { clickstream_batches_free(b); }

static int batches_build(batches *b, int64_t rows) {
  return clickstream_batches_build(b, rows, BATCH_ROWS);
}

/* ------------------------------------------------------------ append */

static int append_all(lfh_table *t, const batches *in, result *r, lf_error *err) {
  double t0 = bench_now();
  int rc = LF_OK;
  for (size_t k = 0; k < in->n && rc == LF_OK; k += TXN_BATCHES) {
    lfh_table_append *a = NULL;
    double b0 = bench_now();
    rc = lfh_table_append_begin(t, &in->s[k], &a, err);
    for (size_t j = k; j < k + TXN_BATCHES && j < in->n && rc == LF_OK; j++)
      rc = lfh_table_append_batch(a, &in->a[j], err);
    double c0 = bench_now();
    if (rc == LF_OK) rc = lfh_table_append_commit(a, NULL, NULL, err);
    double c1 = bench_now();
    lfh_table_append_free(a);
    r->batch_s += c0 - b0;
    r->commit_s += c1 - c0;
    r->commits++;
  }
  r->append_s = bench_now() - t0;
  return rc;
}

/* ------------------------------------------------------------ scans */

static int count_rows(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  (void)schema;
  *(int64_t *)ctx += batch->length;
  batch->release(batch);
  return 0;
}

static int scan(lfh_table *t, const char *const *cols, size_t n_cols, int64_t *rows,
                double *secs, lf_error *err) {
  lfh_scan_opts o;
  memset(&o, 0, sizeof o);
  o.columns = cols;
  o.n_columns = n_cols;
  *rows = 0;
  double t0 = bench_now();
  int rc = lfh_table_scan(t, &o, count_rows, rows, err);
  *secs = bench_now() - t0;
  return rc;
}

static int data_bytes(lfh_table *t, int64_t *bytes, lf_error *err) {
  lfh_scan_opts o;
  memset(&o, 0, sizeof o);
  lfh_scan_plan p;
  int rc = lfh_table_plan(t, &o, &p, err);
  if (rc != LF_OK) return rc;
  *bytes = 0;
  for (size_t k = 0; k < p.n_files; k++) *bytes += p.files[k].file.file_size_in_bytes;
  lfh_scan_plan_free(&p);
  return LF_OK;
}

/* ------------------------------------------------------------ one codec */

static int run_codec(lfh_store *s, const char *codec, int rep, const batches *in, int64_t rows,
                     result *r, lf_error *err) {
  static const char *const proj[] = {"event_id", "ts", "user"};
  char prefix[64];
  snprintf(prefix, sizeof prefix, "bench/clicks_%s_%d", codec, rep);
  lfh_kvs props = {0};
  lfh_table *t = NULL;
  int rc = lfh_kvs_set(&props, LFH_TABLE_PROP_CODEC, codec) == 0 ? LF_OK : LF_ERR_NOMEM;
  if (rc == LF_OK) rc = lfh_table_create(s, prefix, &in->s[0], &props, &t, err);
  if (rc == LF_OK) rc = append_all(t, in, r, err);
  if (rc == LF_OK) rc = data_bytes(t, &r->data_bytes, err);
  if (rc == LF_OK) rc = scan(t, NULL, 0, &r->full_rows, &r->full_s, err);
  if (rc == LF_OK) rc = scan(t, proj, 3, &r->proj_rows, &r->proj_s, err);
  if (rc == LF_OK && (r->full_rows != rows || r->proj_rows != rows))
    rc = lf_error_set(err, LF_ERR_INVALID, "%s: scanned %lld / %lld rows, appended %lld",
                      codec, (long long)r->full_rows, (long long)r->proj_rows,
                      (long long)rows);
  lfh_table_close(t);
  lfh_kvs_free(&props);
  return rc;
}

/* ------------------------------------------------------------ main */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(path);
}

static int64_t parse_rows(int argc, char **argv) {
  if (argc == 1) return 1000000;
  char *end;
  long long n = argc == 3 && strcmp(argv[1], "--rows") == 0 ? strtoll(argv[2], &end, 10) : 0;
  return n > 0 && *end == '\0' ? (int64_t)n : -1;
}

static void row(const char *what, const char *codec, int64_t rows, double secs,
                int64_t bytes) {
  printf("| %-12s | %-28s | %8.0f | %9.2f M | %8.1f | %7.1f |\n", codec, what, secs * 1e3,
         (double)rows / secs / 1e6, (double)bytes / secs / 1e6, (double)bytes / 1e6);
}

static int by_append_time(const void *a, const void *b) {
  double x = ((const result *)a)->append_s, y = ((const result *)b)->append_s;
  return (x > y) - (x < y);
}

/* REPS fresh tables per codec; res[0] becomes the fastest append, *median_s the median. */
static int run_reps(lfh_store *s, const char *codec, const batches *in, int64_t rows,
                    result *best, double *median_s, lf_error *err) {
  result r[REPS];
  memset(r, 0, sizeof r);
  for (int k = 0; k < REPS; k++) {
    int rc = run_codec(s, codec, k, in, rows, &r[k], err);
    if (rc != LF_OK) return rc;
  }
  qsort(r, REPS, sizeof r[0], by_append_time);
  *best = r[0];
  *median_s = r[REPS / 2].append_s;
  return LF_OK;
}

int main(int argc, char **argv) {
  static const char *const codecs[] = {"uncompressed", "snappy", "deflate"};
  int64_t rows = parse_rows(argc, argv);
  if (rows < 0) {
    fprintf(stderr, "usage: bench_table [--rows N]\n");
    return 2;
  }
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !*tmp) tmp = "/tmp";
  char dir[512], msg[512];
  snprintf(dir, sizeof dir, "%s/bench_table.XXXXXX", tmp);
  if (!mkdtemp(dir)) {
    perror("bench_table: mkdtemp");
    return 1;
  }
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  batches in = {0};
  int rc = batches_build(&in, rows) == 0 ? LF_OK : LF_ERR_NOMEM;
  lfh_store *s = rc == LF_OK ? lfh_store_open(dir, &err) : NULL;
  if (!s) rc = rc == LF_OK ? LF_ERR_IO : rc;
  result res[sizeof codecs / sizeof codecs[0]];
  double median[sizeof codecs / sizeof codecs[0]];
  memset(res, 0, sizeof res);
  const char *only = getenv("BENCH_TABLE_CODEC");
  for (size_t k = 0; k < sizeof codecs / sizeof codecs[0] && rc == LF_OK; k++)
    if (!only || strcmp(only, codecs[k]) == 0)
      rc = run_reps(s, codecs[k], &in, rows, &res[k], &median[k], &err);
  if (rc == LF_OK) {
    printf("Iceberg table append and scan, %lld clickstream rows, one core, store %s\n"
           "(%lld-row transactions of %d x %d-row batches; %d fresh tables per codec, the\n"
           "fastest append shown with its scans, and the median append)\n\n",
           (long long)rows, dir, (long long)TXN_ROWS, TXN_BATCHES, BATCH_ROWS, REPS);
    printf("| codec        | phase                        | ms       | rows/s      | MB/s     "
           "| data MB |\n"
           "|--------------|------------------------------|----------|-------------|----------"
           "|---------|\n");
    for (size_t k = 0; k < sizeof codecs / sizeof codecs[0]; k++) {
      const result *r = &res[k];
      if (!r->commits) continue;
      char what[64];
      snprintf(what, sizeof what, "append (%lld commits)", (long long)r->commits);
      row(what, codecs[k], rows, r->append_s, r->data_bytes);
      row("  median append", codecs[k], rows, median[k], r->data_bytes);
      row("  of which batches (encode)", codecs[k], rows, r->batch_s, r->data_bytes);
      row("  of which commit (io+meta)", codecs[k], rows, r->commit_s, r->data_bytes);
      row("scan, all columns", codecs[k], r->full_rows, r->full_s, r->data_bytes);
      row("scan, 3 columns", codecs[k], r->proj_rows, r->proj_s, r->data_bytes);
    }
    printf("\nMB/s: data file bytes as stored. Scanned row counts checked against %lld.\n",
           (long long)rows);
  } else {
    fprintf(stderr, "bench_table: %s\n", msg[0] ? msg : "out of memory");
  }
  lfh_store_close(s);
  batches_free(&in);
  if (!getenv("BENCH_TABLE_KEEP")) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return rc == LF_OK ? 0 : 1;
}
