/*
 * bench_snappy — Snappy raw-format compression of Avro blocks on one core: libsnappy's
 * snappy_compress against lfh_snappy_compress (host/avro/lfh_snappy.c), the codec of the
 * Iceberg data files lfhost writes.
 *
 * The Avro encoding of clickstream rows (bench/clickstream_rows.h) is cut into blocks of
 * about the size the table writer makes; each compressor then compresses every block,
 * best of 5 passes (GB/s of uncompressed input, and ratio). Last, every block goes
 * through lfh_snappy and back through libsnappy's decoder and must come back equal.
 *
 * Usage: bench_snappy [rows, default 1000000] [block bytes, default 1048576]
 */
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro.h"
#include "avro/lfh_avro_arrow.h"
#include "avro/lfh_snappy.h"
#include "clickstream_rows.h"
#include "lf/lf_array.h"

#define BATCH_ROWS 65536
#define STEP_ROWS 256 /* rows encoded at a time; a block is cut once it reaches the size */

typedef struct blocks {
  lfh_buf avro;  /* every block, back to back */
  size_t *off;   /* block k is avro.data[off[k], off[k + 1]) */
  size_t n, cap; /* blocks */
  size_t max_len;
} blocks;

static int cut(blocks *bl) {
  if (bl->n + 2 > bl->cap) {
    size_t cap = bl->cap ? bl->cap * 2 : 1024;
    size_t *off = realloc(bl->off, cap * sizeof *off);
    if (!off) return -1;
    bl->off = off;
    bl->cap = cap;
  }
  if (bl->n == 0) bl->off[0] = 0;
  size_t len = bl->avro.len - bl->off[bl->n];
  if (len > bl->max_len) bl->max_len = len;
  bl->off[++bl->n] = bl->avro.len;
  return 0;
}

/* Encodes every batch of cs into blocks of about block_bytes. */
static int encode_blocks(const clickstream_batches *cs, size_t block_bytes, blocks *bl,
                         lf_error *err) {
  const char *json = clickstream_schema_json;
  lfh_avro_schema *sch = lfh_avro_schema_parse(json, strlen(json), err);
  if (!sch) return -1;
  int rc = 0;
  for (size_t k = 0; k < cs->n && rc == 0; k++) {
    lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, &cs->s[k], err);
    if (!e) {
      rc = -1;
      break;
    }
    for (int64_t r = 0; r < cs->a[k].length && rc == 0; r += STEP_ROWS) {
      int64_t n = cs->a[k].length - r < STEP_ROWS ? cs->a[k].length - r : STEP_ROWS;
      rc = lfh_avro_arrow_encode(e, &cs->a[k], r, n, &bl->avro, err);
      if (rc == 0 && bl->avro.len - (bl->n ? bl->off[bl->n] : 0) >= block_bytes) rc = cut(bl);
    }
    lfh_avro_arrow_encoder_free(e);
  }
  if (rc == 0 && bl->avro.len > (bl->n ? bl->off[bl->n] : 0)) rc = cut(bl);
  lfh_avro_schema_free(sch);
  return rc;
}

/* One pass of compressor `ours` over every block; the compressed total, or 0 on error. */
static size_t pass(const blocks *bl, int ours, char *out, size_t out_cap) {
  size_t total = 0;
  for (size_t k = 0; k < bl->n; k++) {
    const char *p = (const char *)bl->avro.data + bl->off[k];
    size_t len = bl->off[k + 1] - bl->off[k], n = out_cap;
    int bad = ours ? lfh_snappy_compress(p, len, out, &n) != 0
                   : snappy_compress(p, len, out, &n) != SNAPPY_OK;
    if (bad) return 0;
    total += n;
  }
  return total;
}

static int measure(const blocks *bl, int ours, char *out, size_t out_cap) {
  double best = 0;
  size_t total = 0;
  for (int r = 0; r < 5; r++) {
    double t0 = bench_now();
    total = pass(bl, ours, out, out_cap);
    double t = bench_now() - t0;
    if (!total) return -1;
    if ((double)bl->avro.len / t > best) best = (double)bl->avro.len / t;
  }
  printf("%-10s %7.2f GB/s  ratio %5.3f  (%zu -> %zu bytes)\n", ours ? "lfh_snappy" : "libsnappy",
         best / 1e9, (double)bl->avro.len / (double)total, bl->avro.len, total);
  return 0;
}

/* Every block through lfh_snappy and back through libsnappy: 0 when all come back. */
static int round_trip(const blocks *bl, char *out, size_t out_cap, char *back) {
  for (size_t k = 0; k < bl->n; k++) {
    const char *p = (const char *)bl->avro.data + bl->off[k];
    size_t len = bl->off[k + 1] - bl->off[k], n = out_cap, m = bl->max_len;
    if (lfh_snappy_compress(p, len, out, &n) != 0 ||
        snappy_validate_compressed_buffer(out, n) != SNAPPY_OK ||
        snappy_uncompress(out, n, back, &m) != SNAPPY_OK || m != len || memcmp(back, p, len)) {
      fprintf(stderr, "bench_snappy: block %zu does not round-trip\n", k);
      return -1;
    }
  }
  printf("round trip through libsnappy's decoder: %zu blocks ok\n", bl->n);
  return 0;
}

int main(int argc, char **argv) {
  int64_t rows = argc > 1 ? atoll(argv[1]) : 1000000;
  size_t block_bytes = argc > 2 ? strtoull(argv[2], NULL, 10) : (size_t)1 << 20;
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  clickstream_batches cs = {0};
  blocks bl = {0};
  char *out = NULL, *back = NULL;
  int rc = 1;
  if (rows <= 0 || !block_bytes || clickstream_batches_build(&cs, rows, BATCH_ROWS) != 0)
    goto fail;
  if (encode_blocks(&cs, block_bytes, &bl, &err) != 0) goto fail;
  clickstream_batches_free(&cs);
  cs = (clickstream_batches){0};
  size_t cap = snappy_max_compressed_length(bl.max_len);
  if (lfh_snappy_max_compressed_length(bl.max_len) > cap)
    cap = lfh_snappy_max_compressed_length(bl.max_len);
  out = malloc(cap);
  back = malloc(bl.max_len);
  if (!out || !back) goto fail;
  printf("%lld clickstream rows, %zu Avro blocks of %.0f bytes on average, best of 5\n",
         (long long)rows, bl.n, (double)bl.avro.len / (double)bl.n);
  if (measure(&bl, 0, out, cap) || measure(&bl, 1, out, cap) || round_trip(&bl, out, cap, back))
    goto fail;
  rc = 0;
fail:
  if (rc) fprintf(stderr, "bench_snappy: failed%s%s\n", msg[0] ? ": " : "", msg);
  clickstream_batches_free(&cs);
  free(bl.off);
  lfh_buf_free(&bl.avro);
  free(out);
  free(back);
  return rc;
}
