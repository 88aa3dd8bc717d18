/*
 * bench_avro_write — append throughput of Avro container files on one core: lfhost against
 * Avro C's generic value API, on the same clickstream rows (clickstream_rows.h).
 *
 *  - lfhost: Arrow batches -> lfh_avro_arrow encode -> lfh_avro_writer blocks, into an
 *    lfh_buf in memory (grown from empty, as a writer would).
 *  - Avro C (1.11, the distribution's libavro): one generic record value, reset and filled
 *    per row from the same Arrow batches (strings copied out NUL-terminated, as the API
 *    wants), avro_file_writer_append_value, to a file in /dev/shm (else $TMPDIR or /tmp):
 *    Avro C only writes to a FILE, so its figure includes the write to that file.
 *
 * The batches (64k rows each) are built before the clock starts; the schema, the writer
 * setup and closing are timed for both; each figure is the best of 3 runs (the first run
 * in a process pays for fresh memory). Blocks are cut every 4096 rows on both sides
 * (Avro C: an explicit flush, with a buffer large enough never to cut earlier). Avro C
 * hard-codes deflate level 9, so lfhost's deflate is measured at 9 and at its default (6).
 * MB/s counts the uncompressed Avro binary (the decoded blocks). Both outputs are read
 * back with lfh_avro_reader: the record counts and the decompressed blocks (size and a
 * hash) must match, or the run fails.
 *
 * Usage: bench_avro_write [--rows N]   (default 1000000)
 */
#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "avro/lfh_avro.h"
#include "avro/lfh_avro_arrow.h"
#include "clickstream_rows.h"
#include "lf/lf_array.h"

#define BATCH_ROWS 65536
#define BLOCK_ROWS 4096
#define AVROC_BUFFER (16u << 20) /* Avro C's block buffer: well above 4096 rows */
#define RUNS 3                   /* each figure is the best of RUNS runs */

typedef clickstream_batches batches;

/* What lfh_avro_reader finds in a container file. */
typedef struct tally {
  int64_t records, blocks;
  size_t raw_bytes, file_bytes;
  uint64_t hash;
} tally;

typedef struct codec_case {
  const char *label;
  lfh_avro_codec lfh;
  int level;          /* lfhost's deflate level; -1 elsewhere */
  const char *avroc;  /* Avro C's codec name, or NULL: lfhost only */
} codec_case;


/* ------------------------------------------------------------ input */

static void batches_free(batches *b) { clickstream_batches_free(b); }

static int batches_build(batches *b, int64_t rows) {
  return clickstream_batches_build(b, rows, BATCH_ROWS);
}

/* ------------------------------------------------------------ lfhost */

static int lfh_write_batch(lfh_avro_arrow_encoder *e, lfh_avro_writer *w,
                           const struct ArrowArray *batch, lfh_buf *blk, lf_error *err) {
  int rc = 0;
  for (int64_t r = 0; r < batch->length && rc == 0; r += BLOCK_ROWS) {
    int64_t n = batch->length - r < BLOCK_ROWS ? batch->length - r : BLOCK_ROWS;
    blk->len = 0;
    rc = lfh_avro_arrow_encode(e, batch, r, n, blk, err);
    if (rc == 0) rc = lfh_avro_writer_block(w, blk->data, blk->len, n, err);
  }
  return rc;
}

/* Writes every batch as one container file into `out`; the seconds taken in *secs. */
static int lfh_write(const batches *in, const codec_case *c, lfh_buf *out, double *secs,
                     lf_error *err) {
  double t0 = bench_now();
  const char *json = clickstream_schema_json;
  lfh_buf blk = {0};
  lfh_avro_writer *w = NULL;
  lfh_avro_arrow_encoder *e = NULL;
  lfh_avro_schema *sch = lfh_avro_schema_parse(json, strlen(json), err);
  if (sch) e = lfh_avro_arrow_encoder_new(sch, &in->s[0], err);
  if (e) w = lfh_avro_writer_new(out, json, c->lfh, NULL, c->level, err);
  int rc = w ? 0 : -1;
  for (size_t k = 0; k < in->n && rc == 0; k++)
    rc = lfh_write_batch(e, w, &in->a[k], &blk, err);
  lfh_avro_writer_free(w);
  lfh_avro_arrow_encoder_free(e);
  lfh_avro_schema_free(sch);
  lfh_buf_free(&blk);
  *secs = bench_now() - t0;
  return rc;
}

/* ------------------------------------------------------------ Avro C */

/* The views of a batch's columns, resolved once per batch, mirroring the Avro record:
 * struct children in field order; a map's one child is its entries {key, value}. */
typedef struct node {
  lf_view v;
  struct node *kid;
  int64_t n_kids;
  int null_branch; /* of the Avro union this column fills; -1 until first met */
} node;

#define MAX_NODES 64

static int nodes_build(node *pool, size_t *used, node *at, lf_error *err) {
  at->n_kids = lf_view_n_children(&at->v);
  at->null_branch = -1;
  at->kid = pool + *used;
  if (*used + (size_t)at->n_kids > MAX_NODES)
    return lf_error_set(err, LF_ERR_INVALID, "bench: too many columns");
  *used += (size_t)at->n_kids;
  for (int64_t i = 0; i < at->n_kids; i++) {
    int rc = lf_view_child(&at->v, i, &at->kid[i].v);
    if (rc == 0) rc = nodes_build(pool, used, &at->kid[i], err);
    if (rc) return rc;
  }
  return 0;
}

/* A NUL-terminated copy of a utf8 value, for Avro C (single-threaded scratch). */
static const char *cstr(const lf_view *v, int64_t row, size_t *size) {
  static char buf[4096];
  size_t n;
  const char *p = lf_view_utf8(v, row, &n);
  if (!p || n >= sizeof buf) return NULL;
  memcpy(buf, p, n);
  buf[n] = '\0';
  *size = n + 1;
  return buf;
}

static int put(avro_value_t *dst, node *c, int64_t row);

static int put_record(avro_value_t *dst, node *c, int64_t row) {
  avro_value_t f;
  for (int64_t i = 0; i < c->n_kids; i++) {
    int rc = avro_value_get_by_index(dst, (size_t)i, &f, NULL);
    if (rc == 0) rc = put(&f, &c->kid[i], row);
    if (rc) return rc;
  }
  return 0;
}

static int put_map(avro_value_t *dst, node *c, int64_t row) {
  int64_t start, end;
  node *keys = &c->kid[0].kid[0], *vals = &c->kid[0].kid[1];
  if (lf_view_list_range(&c->v, row, &start, &end) != 0) return EINVAL;
  for (int64_t i = start; i < end; i++) {
    size_t size;
    avro_value_t elem;
    const char *key = cstr(&keys->v, i, &size);
    int rc = key ? avro_value_add(dst, key, &elem, NULL, NULL) : EINVAL;
    if (rc == 0) rc = put(&elem, vals, i);
    if (rc) return rc;
  }
  return 0;
}

static int put_value(avro_value_t *dst, node *c, int64_t row) {
  size_t size;
  const char *s;
  switch (c->v.type) {
  case LF_TYPE_INT32: return avro_value_set_int(dst, lf_view_int32(&c->v, row));
  case LF_TYPE_INT64:
  case LF_TYPE_TIMESTAMP: return avro_value_set_long(dst, lf_view_int64(&c->v, row));
  case LF_TYPE_DOUBLE: return avro_value_set_double(dst, lf_view_double(&c->v, row));
  case LF_TYPE_BOOL: return avro_value_set_boolean(dst, lf_view_bool(&c->v, row));
  case LF_TYPE_UTF8:
    s = cstr(&c->v, row, &size);
    return s ? avro_value_set_string_len(dst, s, size) : EINVAL;
  case LF_TYPE_STRUCT: return put_record(dst, c, row);
  case LF_TYPE_MAP: return put_map(dst, c, row);
  default: return EINVAL;
  }
}

/* An Arrow value into an Avro value; for ["null", T] / [T, "null"], choosing the branch
 * (whose index is looked up once per batch, as a hand-written writer would hard-code it). */
static int put(avro_value_t *dst, node *c, int64_t row) {
  if (avro_value_get_type(dst) != AVRO_UNION) return put_value(dst, c, row);
  avro_value_t b;
  if (c->null_branch < 0)
    c->null_branch = is_avro_null(avro_schema_union_branch(avro_value_get_schema(dst), 0)) ? 0 : 1;
  int valid = lf_view_is_valid(&c->v, row);
  int rc = avro_value_set_branch(dst, valid ? 1 - c->null_branch : c->null_branch, &b);
  if (rc) return rc;
  return valid ? put_value(&b, c, row) : avro_value_set_null(&b);
}

typedef struct avroc {
  avro_schema_t schema;
  avro_value_iface_t *iface;
  avro_value_t rec;
  avro_file_writer_t w;
  int64_t written;
} avroc;

static int avroc_batch(avroc *x, const batches *in, size_t k, lf_error *err) {
  node pool[MAX_NODES], root;
  size_t used = 0;
  int rc = lf_view_init(&root.v, &in->s[k], &in->a[k], err);
  if (rc == 0) rc = nodes_build(pool, &used, &root, err);
  for (int64_t r = 0; r < root.v.length && rc == 0; r++) {
    avro_value_reset(&x->rec);
    rc = put_record(&x->rec, &root, r);
    if (rc == 0) rc = avro_file_writer_append_value(x->w, &x->rec);
    if (rc == 0 && ++x->written % BLOCK_ROWS == 0) rc = avro_file_writer_flush(x->w);
    if (rc) lf_error_set(err, LF_ERR_IO, "avro c: row %lld: %s", (long long)r, avro_strerror());
  }
  return rc;
}

static int avroc_open(avroc *x, const codec_case *c, const char *path, lf_error *err) {
  const char *json = clickstream_schema_json;
  if (avro_schema_from_json_length(json, strlen(json), &x->schema) != 0)
    return lf_error_set(err, LF_ERR_SCHEMA, "avro c: schema: %s", avro_strerror());
  if (!(x->iface = avro_generic_class_from_schema(x->schema)) ||
      avro_generic_value_new(x->iface, &x->rec) != 0)
    return lf_error_set(err, LF_ERR_NOMEM, "avro c: value: %s", avro_strerror());
  if (avro_file_writer_create_with_codec(path, x->schema, &x->w, c->avroc, AVROC_BUFFER))
    return lf_error_set(err, LF_ERR_IO, "avro c: %s: %s", path, avro_strerror());
  return 0;
}

/* Writes every batch through Avro C's generic value API to the file `path`. */
static int avroc_write(const batches *in, const codec_case *c, const char *path, double *secs,
                       lf_error *err) {
  double t0 = bench_now();
  avroc x = {0};
  int rc = avroc_open(&x, c, path, err);
  for (size_t k = 0; k < in->n && rc == 0; k++) rc = avroc_batch(&x, in, k, err);
  if (x.w && avro_file_writer_close(x.w) != 0 && rc == 0)
    rc = lf_error_set(err, LF_ERR_IO, "avro c: close: %s", avro_strerror());
  if (x.iface) avro_value_decref(&x.rec);
  if (x.iface) avro_value_iface_decref(x.iface);
  if (x.schema) avro_schema_decref(x.schema);
  *secs = bench_now() - t0;
  return rc;
}

/* ------------------------------------------------------------ checking */

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static int tally_container(const void *data, size_t len, const char *name, tally *t,
                           lf_error *err) {
  lfh_avro_reader *r = lfh_avro_reader_open(data, len, name, err);
  if (!r) return -1;
  const uint8_t *p;
  size_t n;
  int64_t count;
  int rc;
  *t = (tally){.file_bytes = len, .hash = 0xcbf29ce484222325ull};
  while ((rc = lfh_avro_reader_next(r, &p, &n, &count, err)) == 1) {
    t->records += count;
    t->blocks++;
    t->raw_bytes += n;
    t->hash = hash_bytes(t->hash, p, n);
  }
  lfh_avro_reader_free(r);
  return rc;
}

static int tally_file(const char *path, tally *t, lf_error *err) {
  FILE *f = fopen(path, "rb");
  long size = -1;
  if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
  uint8_t *data = size >= 0 ? malloc((size_t)size + 1) : NULL;
  int rc = data && fseek(f, 0, SEEK_SET) == 0 && fread(data, 1, (size_t)size, f) == (size_t)size
               ? tally_container(data, (size_t)size, path, t, err)
               : lf_error_set(err, LF_ERR_IO, "cannot read %s", path);
  if (f) fclose(f);
  free(data);
  return rc;
}

static int same(const tally *a, const tally *b, int64_t rows, lf_error *err) {
  if (a->records != rows || b->records != rows)
    return lf_error_set(err, LF_ERR_DATA, "row counts: lfhost %lld, avro c %lld, wanted %lld",
                        (long long)a->records, (long long)b->records, (long long)rows);
  if (a->raw_bytes != b->raw_bytes || a->hash != b->hash || a->blocks != b->blocks)
    return lf_error_set(err, LF_ERR_DATA, "decoded blocks differ (%zu vs %zu bytes)",
                        a->raw_bytes, b->raw_bytes);
  return 0;
}

/* ------------------------------------------------------------ driver */

/* One table row; `base` is Avro C's seconds for the same codec, or 0 when it has none. */
static void row(const char *codec, const char *writer, const tally *t, int64_t rows,
                double secs, double base) {
  char vs[16] = "n/a";
  if (base > 0) snprintf(vs, sizeof vs, "%.1fx", base / secs);
  printf("| %-9s | %-14s | %6.2f M | %7.1f | %8.1f | %6s |\n", codec, writer,
         (double)rows / secs / 1e6, (double)t->raw_bytes / secs / 1e6,
         (double)t->file_bytes / 1e6, vs);
}

/* lfhost, best of RUNS, each into a fresh buffer; the last output is tallied. */
static int lfh_measure(const batches *in, const codec_case *c, double *best, tally *t,
                       lf_error *err) {
  int rc = 0;
  for (int k = 0; k < RUNS && rc == 0; k++) {
    lfh_buf out = {0};
    double s;
    rc = lfh_write(in, c, &out, &s, err);
    if (rc == 0 && (k == 0 || s < *best)) *best = s;
    if (rc == 0 && k == RUNS - 1) rc = tally_container(out.data, out.len, "lfhost", t, err);
    lfh_buf_free(&out);
  }
  return rc;
}

/* Avro C, best of RUNS, each into a new file at `path`; the last file is tallied. */
static int avroc_measure(const batches *in, const codec_case *c, const char *path,
                         double *best, tally *t, lf_error *err) {
  int rc = 0;
  for (int k = 0; k < RUNS && rc == 0; k++) {
    double s;
    unlink(path); /* Avro C creates the file exclusively */
    rc = avroc_write(in, c, path, &s, err);
    if (rc == 0 && (k == 0 || s < *best)) *best = s;
    if (rc == 0 && k == RUNS - 1) rc = tally_file(path, t, err);
    unlink(path);
  }
  return rc;
}

/* One codec: lfhost into memory, then Avro C to `path` if it has the codec; checked. */
static int run_case(const batches *in, const codec_case *c, const char *path, tally *ref,
                    lf_error *err) {
  tally lt, at;
  double ls = 0, as = 0;
  int rc = lfh_measure(in, c, &ls, &lt, err);
  if (rc) return rc;
  if (!c->avroc) { /* lfhost only: its blocks must still hold what the others hold */
    if ((rc = same(&lt, ref, in->rows, err)) == 0) row(c->label, "lfhost", &lt, in->rows, ls, 0);
    return rc;
  }
  rc = avroc_measure(in, c, path, &as, &at, err);
  if (rc == 0) rc = same(&lt, &at, in->rows, err);
  if (rc) return rc;
  *ref = lt;
  row(c->label, "lfhost", &lt, in->rows, ls, as);
  row(c->label, "Avro C generic", &at, in->rows, as, as);
  return 0;
}

static const char *temp_dir(void) {
  if (access("/dev/shm", W_OK) == 0) return "/dev/shm";
  const char *t = getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

static int64_t parse_rows(int argc, char **argv) {
  if (argc == 1) return 1000000;
  char *end;
  long long n = argc == 3 && strcmp(argv[1], "--rows") == 0 ? strtoll(argv[2], &end, 10) : 0;
  return n > 0 && *end == '\0' ? (int64_t)n : -1;
}

int main(int argc, char **argv) {
  static const codec_case cases[] = {
      {"null", LFH_AVRO_CODEC_NULL, -1, "null"},
      {"deflate-9", LFH_AVRO_CODEC_DEFLATE, 9, "deflate"},
      {"deflate-6", LFH_AVRO_CODEC_DEFLATE, 6, NULL},
      {"snappy", LFH_AVRO_CODEC_SNAPPY, -1, "snappy"},
  };
  int64_t rows = parse_rows(argc, argv);
  if (rows < 0) {
    fprintf(stderr, "usage: bench_avro_write [--rows N]\n");
    return 2;
  }
  char msg[256], path[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  snprintf(path, sizeof path, "%s/bench_avro_write.%ld.avro", temp_dir(), (long)getpid());
  batches in = {0};
  int rc = batches_build(&in, rows);
  if (rc == 0) {
    printf("Avro container append, %lld clickstream rows, %d-row blocks, one core "
           "(Avro C %s, to %s)\n\n", (long long)rows, BLOCK_ROWS, AVROC_VERSION, temp_dir());
    printf("| codec     | writer         | rows/s   | MB/s    | file MB  | vs C   |\n"
           "|-----------|----------------|----------|---------|----------|--------|\n");
  }
  tally ref = {0};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0] && rc == 0; k++)
    rc = run_case(&in, &cases[k], path, &ref, &err);
  if (rc == 0)
    printf("\nMB/s: uncompressed Avro binary. Both outputs read back with lfh_avro_reader: "
           "same row count and same decoded blocks.\nBest of %d runs; Avro C's time includes "
           "filling its values from the Arrow batches and writing the file.\n", RUNS);
  else
    fprintf(stderr, "bench_avro_write: %s\n", msg[0] ? msg : "out of memory");
  batches_free(&in);
  return rc ? 1 : 0;
}
