/*
 * bench_avro_encode — Arrow -> Avro binary encoding alone (lfh_avro_arrow_encode), in
 * ns/row over the clickstream rows, with a byte check that makes it fail loudly when an
 * optimisation changes the output.
 *
 * The rows are built up front as batches of BATCH_ROWS and encoded in slices of `slice`
 * rows (the table writer encodes ranges of a batch into a reused buffer); the best of
 * RUNS passes over all rows is reported. Every pass hashes what it produced, and the
 * hash must equal the one of a reference encoding of the same slices, made by a plain
 * row-at-a-time recursive encoder below that shares no code with the encoder under test.
 *
 * Usage: bench_avro_encode [rows, default 1000000] [slice rows, default 2048]
 * Exit status: 0, or 1 on an error or a byte mismatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro.h"
#include "avro/lfh_avro_arrow.h"
#include "clickstream_rows.h"
#include "lf/lf_array.h"

#define BATCH_ROWS 10000
#define RUNS 7

/* ------------------------------------------------------------ reference encoder */

static int ref_bit(const struct ArrowArray *a, int64_t p, int buffer) {
  const uint8_t *v = a->buffers[buffer];
  return (v[p >> 3] >> (p & 7)) & 1;
}

static int ref_valid(const struct ArrowArray *a, int64_t p) {
  return a->null_count == 0 || !a->buffers[0] || ref_bit(a, p, 0);
}

static int ref_put_long(lfh_buf *o, int64_t v) {
  uint8_t tmp[10];
  return lfh_buf_append(o, tmp, lfh_avro_put_long(tmp, v));
}

static int64_t ref_child(const struct ArrowSchema *s, const char *name) {
  for (int64_t k = 0; k < s->n_children; k++)
    if (s->children[k]->name && strcmp(s->children[k]->name, name) == 0) return k;
  return -1;
}

static int ref_value(lfh_buf *o, const lfh_avro_schema *t, const struct ArrowSchema *s,
                     const struct ArrowArray *a, int64_t i);

/* Record fields in Avro order; a field the batch lacks is a null union branch. */
static int ref_record(lfh_buf *o, const lfh_avro_schema *t, const struct ArrowSchema *s,
                      const struct ArrowArray *a, int64_t p) {
  for (size_t f = 0; f < t->n_fields; f++) {
    const lfh_avro_schema *ft = t->fields[f].type;
    int64_t k = ref_child(s, t->fields[f].name);
    int rc;
    if (k >= 0) rc = ref_value(o, ft, s->children[k], a->children[k], p);
    else rc = ref_put_long(o, ft->branches[0]->type == LFH_AVRO_NULL ? 0 : 1);
    if (rc) return rc;
  }
  return 0;
}

/* Arrays, maps and "map" arrays: one block of n items (none when empty), then 0. */
static int ref_items(lfh_buf *o, const lfh_avro_schema *t, const struct ArrowSchema *s,
                     const struct ArrowArray *a, int64_t p) {
  const int32_t *off = a->buffers[1];
  int64_t n = off[p + 1] - off[p];
  int rc = n ? ref_put_long(o, n) : 0;
  const struct ArrowSchema *is = s->children[0];
  const struct ArrowArray *ia = a->children[0];
  for (int64_t j = off[p]; rc == 0 && j < off[p + 1]; j++) {
    if (t->type == LFH_AVRO_ARRAY) {
      rc = ref_value(o, t->items, is, ia, j);
      continue;
    }
    int64_t q = ia->offset + j; /* map entries: a string key, then the value */
    static const lfh_avro_schema str = {.type = LFH_AVRO_STRING};
    rc = ref_value(o, &str, is->children[0], ia->children[0], q);
    if (rc == 0) rc = ref_value(o, t->items, is->children[1], ia->children[1], q);
  }
  return rc ? rc : ref_put_long(o, 0);
}

/* Value at logical index i of a, of Avro type t. */
static int ref_value(lfh_buf *o, const lfh_avro_schema *t, const struct ArrowSchema *s,
                     const struct ArrowArray *a, int64_t i) {
  int64_t p = a->offset + i;
  if (t->type == LFH_AVRO_UNION) {
    int ni = t->branches[0]->type == LFH_AVRO_NULL ? 0 : 1;
    if (!ref_valid(a, p)) return ref_put_long(o, ni);
    int rc = ref_put_long(o, 1 - ni);
    if (rc) return rc;
    t = t->branches[1 - ni];
  }
  switch (t->type) {
  case LFH_AVRO_BOOLEAN: return lfh_buf_append(o, &(uint8_t){(uint8_t)ref_bit(a, p, 1)}, 1);
  case LFH_AVRO_INT: return ref_put_long(o, ((const int32_t *)a->buffers[1])[p]);
  case LFH_AVRO_LONG: return ref_put_long(o, ((const int64_t *)a->buffers[1])[p]);
  case LFH_AVRO_FLOAT: {
    uint8_t b[4];
    return lfh_buf_append(o, b, lfh_avro_put_float(b, ((const float *)a->buffers[1])[p]));
  }
  case LFH_AVRO_DOUBLE: {
    uint8_t b[8];
    return lfh_buf_append(o, b, lfh_avro_put_double(b, ((const double *)a->buffers[1])[p]));
  }
  case LFH_AVRO_STRING:
  case LFH_AVRO_BYTES: {
    const int32_t *off = a->buffers[1];
    int rc = ref_put_long(o, off[p + 1] - off[p]);
    return rc ? rc : lfh_buf_append(o, (const char *)a->buffers[2] + off[p],
                                    (size_t)(off[p + 1] - off[p]));
  }
  case LFH_AVRO_RECORD: return ref_record(o, t, s, a, p);
  case LFH_AVRO_ARRAY:
  case LFH_AVRO_MAP: return ref_items(o, t, s, a, p);
  default: fprintf(stderr, "reference encoder: unsupported Avro type %d\n", (int)t->type); return -1;
  }
}

/* ------------------------------------------------------------ the bench */

/* FNV-1a's step over 8-byte words (then the tail bytes): quick enough that checking
 * every pass costs little next to the encoding, and any changed byte changes it. */
static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  for (; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h ^ n;
}

typedef struct bench {
  clickstream_batches b;
  lfh_avro_schema *sch;
  int64_t slice;
  lfh_buf out;
  char msg[256];
  lf_error err;
} bench;

/* Hash and size of the reference encoding of every slice, in order. */
static int reference(bench *x, uint64_t *hash, size_t *bytes) {
  *hash = 0xcbf29ce484222325ull;
  *bytes = 0;
  for (size_t i = 0; i < x->b.n; i++)
    for (int64_t f = 0; f < x->b.a[i].length; f += x->slice) {
      int64_t k = x->b.a[i].length - f < x->slice ? x->b.a[i].length - f : x->slice;
      x->out.len = 0;
      for (int64_t r = f; r < f + k; r++)
        if (ref_value(&x->out, x->sch, &x->b.s[i], &x->b.a[i], r)) return -1;
      *hash = hash_bytes(*hash, x->out.data, x->out.len);
      *bytes += x->out.len;
    }
  return 0;
}

/* One timed pass over every slice; the hash is taken after the clock stops per slice. */
static int pass(bench *x, lfh_avro_arrow_encoder *e, double *secs, uint64_t *hash,
                size_t *bytes) {
  *hash = 0xcbf29ce484222325ull;
  *bytes = 0;
  *secs = 0;
  for (size_t i = 0; i < x->b.n; i++)
    for (int64_t f = 0; f < x->b.a[i].length; f += x->slice) {
      int64_t k = x->b.a[i].length - f < x->slice ? x->b.a[i].length - f : x->slice;
      x->out.len = 0;
      double t0 = bench_now();
      int rc = lfh_avro_arrow_encode(e, &x->b.a[i], f, k, &x->out, &x->err);
      *secs += bench_now() - t0;
      if (rc) return rc;
      *hash = hash_bytes(*hash, x->out.data, x->out.len);
      *bytes += x->out.len;
    }
  return 0;
}

static int run(bench *x) {
  uint64_t ref_hash, hash;
  size_t ref_len, len;
  if (reference(x, &ref_hash, &ref_len)) return -1;
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(x->sch, &x->b.s[0], &x->err);
  if (!e) return -1;
  double best = 1e30, secs;
  int rc = 0;
  for (int r = 0; r < RUNS && rc == 0; r++) {
    rc = pass(x, e, &secs, &hash, &len);
    if (rc == 0 && (hash != ref_hash || len != ref_len)) {
      fprintf(stderr, "MISMATCH: encoder %zu bytes hash %016llx, reference %zu bytes hash "
              "%016llx\n", len, (unsigned long long)hash, ref_len, (unsigned long long)ref_hash);
      rc = -1;
    }
    if (secs < best) best = secs;
  }
  lfh_avro_arrow_encoder_free(e);
  if (rc) return rc;
  printf("encode: %.1f ns/row  %.0f MB/s  %.1f bytes/row  (%lld rows, slices of %lld, best of "
         "%d; bytes match the reference, hash %016llx)\n",
         best * 1e9 / (double)x->b.rows, (double)len / best / 1e6, (double)len / (double)x->b.rows,
         (long long)x->b.rows, (long long)x->slice, RUNS, (unsigned long long)hash);
  return 0;
}

int main(int argc, char **argv) {
  bench x;
  memset(&x, 0, sizeof x);
  lf_error_init(&x.err, x.msg, sizeof x.msg);
  int64_t rows = argc > 1 ? atoll(argv[1]) : 1000000;
  x.slice = argc > 2 ? atoll(argv[2]) : 2048;
  if (rows <= 0 || x.slice <= 0) {
    fprintf(stderr, "usage: bench_avro_encode [rows] [slice rows]\n");
    return 1;
  }
  int rc = clickstream_batches_build(&x.b, rows, BATCH_ROWS);
  if (rc == 0) {
    x.sch = lfh_avro_schema_parse(clickstream_schema_json, strlen(clickstream_schema_json),
                                  &x.err);
    rc = x.sch ? run(&x) : -1;
  }
  if (rc && x.msg[0]) fprintf(stderr, "bench_avro_encode: %s\n", x.msg);
  lfh_buf_free(&x.out);
  lfh_avro_schema_free(x.sch);
  clickstream_batches_free(&x.b);
  return rc ? 1 : 0;
}
