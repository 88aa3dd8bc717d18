/*
 * bench_avro_codec — Arrow <-> Avro binary throughput of lfh_avro_arrow on one core.
 *
 * Clickstream-shaped rows (about 500 bytes encoded, nested: user/page/device/geo structs,
 * a properties map, a nullable amount) are built once as Arrow batches of 64k rows; then
 * encode (rows/s, MB/s of Avro produced), full decode and projected decode (rows/s) are
 * timed over repeated runs. No container framing or codec: that is the table bench.
 *
 * Usage: bench_avro_codec [seconds per measurement, default 2]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "avro/lfh_avro.h"
#include "avro/lfh_avro_arrow.h"
#include "clickstream_rows.h"
#include "lf/lf_array.h"

#define ROWS 65536
#define BLOCK_ROWS 4096 /* rows per container block when decoding, as a writer would cut */


typedef struct bench {
  lfh_avro_schema *sch;
  struct ArrowArray batch;
  struct ArrowSchema schema;
  lfh_buf avro;           /* one batch encoded */
  size_t block_off[ROWS / BLOCK_ROWS + 1];
  char msg[256];
  lf_error err;
} bench;

static int bench_encode(bench *b, double secs) {
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(b->sch, &b->schema, &b->err);
  if (!e) return -1;
  double t0 = bench_now(), t;
  int64_t rows = 0;
  size_t bytes = 0;
  int rc = 0;
  do { /* blocks of BLOCK_ROWS into a reused buffer, as the table writer does */
    b->avro.len = 0;
    for (int64_t r = 0; r < ROWS && rc == 0; r += BLOCK_ROWS) {
      b->block_off[r / BLOCK_ROWS] = b->avro.len;
      rc = lfh_avro_arrow_encode(e, &b->batch, r, BLOCK_ROWS, &b->avro, &b->err);
    }
    b->block_off[ROWS / BLOCK_ROWS] = b->avro.len;
    rows += ROWS;
    bytes += b->avro.len;
    t = bench_now() - t0;
  } while (rc == 0 && t < secs);
  lfh_avro_arrow_encoder_free(e);
  if (rc) return rc;
  printf("encode        %8.2f M rows/s  %8.1f MB/s  (%.1f bytes/row)\n", (double)rows / t / 1e6,
         (double)bytes / t / 1e6, (double)b->avro.len / ROWS);
  return 0;
}

static int bench_decode(bench *b, const char *what, const char *const *proj, size_t n_proj,
                        double secs) {
  lfh_avro_arrow_decoder *d = lfh_avro_arrow_decoder_new(b->sch, proj, n_proj, &b->err);
  if (!d) return -1;
  double t0 = bench_now(), t;
  int64_t rows = 0;
  int rc = 0;
  do {
    for (int k = 0; k < ROWS / BLOCK_ROWS && rc == 0; k++)
      rc = lfh_avro_arrow_decode_block(d, b->avro.data + b->block_off[k],
                                       b->block_off[k + 1] - b->block_off[k], BLOCK_ROWS, &b->err);
    struct ArrowArray out;
    if (rc == 0 && (rc = lfh_avro_arrow_decoder_finish(d, &out, &b->err)) == 0) {
      rows += out.length;
      out.release(&out);
    }
    t = bench_now() - t0;
  } while (rc == 0 && t < secs);
  lfh_avro_arrow_decoder_free(d);
  if (rc) return rc;
  printf("decode %-6s %8.2f M rows/s  %8.1f MB/s of Avro\n", what, (double)rows / t / 1e6,
         (double)rows * ((double)b->avro.len / ROWS) / t / 1e6);
  return 0;
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 2.0;
  static bench b;
  lf_error_init(&b.err, b.msg, sizeof b.msg);
  int rc = 1;
  const char *json = clickstream_schema_json;
  b.sch = lfh_avro_schema_parse(json, strlen(json), &b.err);
  if (!b.sch || clickstream_batch(0, ROWS, &b.batch, &b.schema) != 0) goto fail;
  printf("lfh_avro_arrow, %d-row batches, %d-row blocks, one core\n", ROWS, BLOCK_ROWS);
  static const char *const proj[] = {"event_type", "ts", "amount"};
  if (bench_encode(&b, secs) || bench_decode(&b, "all", NULL, 0, secs) ||
      bench_decode(&b, "3 cols", proj, 3, secs))
    goto fail;
  rc = 0;
fail:
  if (rc) fprintf(stderr, "bench_avro_codec: %s\n", b.msg);
  if (b.batch.release) b.batch.release(&b.batch);
  if (b.schema.release) b.schema.release(&b.schema);
  lfh_buf_free(&b.avro);
  lfh_avro_schema_free(b.sch);
  return rc;
}
