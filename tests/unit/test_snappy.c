/*
 * lfh_snappy: every output goes back through libsnappy (snappy_validate_compressed_buffer,
 * snappy_uncompress) and must equal the input byte for byte. Inputs: every length 0..300
 * of several kinds, random (incompressible) data, long runs, matches at distances around
 * the 2048 and 65536 limits of the copy elements, inputs over 64 KiB and over 4 MiB, and
 * real Avro blocks of clickstream rows (the bench's rows, encoded by lfh_avro_arrow). An
 * independent walk over the elements checks what libsnappy would accept anyway but we
 * promise more strictly: no 4-byte-offset copies, no copy shorter than 4 bytes.
 */
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro.h"
#include "avro/lfh_avro_arrow.h"
#include "avro/lfh_snappy.h"
#include "lf/lf_array.h"
#include "lfh_test.h"

/* The benchmark's clickstream rows (a pure function of the row number): real Avro. */
#include "clickstream_rows.h"

static uint32_t g_seed = 12345;

static uint8_t rnd(void) {
  g_seed = g_seed * 1103515245u + 12345u;
  return (uint8_t)(g_seed >> 23);
}

static void fill_random(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = rnd();
}

/* Text-like: words from a small vocabulary with numbers, as log lines or JSON are. */
static void fill_text(uint8_t *p, size_t n) {
  static const char *const words[] = {"Mozilla/5.0 ", "https://shop.example.com/", "user",
                                      "page_view ", "click ", "Android 14 ", "\"id\":",
                                      "/tmp/landing/events-", ".json\n", "Safari/605.1.15 "};
  size_t i = 0;
  while (i < n) {
    char w[64];
    int len = rnd() % 4 ? snprintf(w, sizeof w, "%s", words[rnd() % 10])
                        : snprintf(w, sizeof w, "%u ", (unsigned)rnd() * 37u);
    for (int k = 0; k < len && i < n; k++) p[i++] = (uint8_t)w[k];
  }
}

/* Walks the elements after the preamble: 0 when the stream has only literals and 1- or
 * 2-byte-offset copies of length >= 4 within what was decoded so far, and decodes to n. */
static int check_elements(const uint8_t *p, size_t len, size_t n) {
  const uint8_t *end = p + len;
  uint64_t want = 0;
  for (int shift = 0; p < end; shift += 7) {
    want |= (uint64_t)(*p & 0x7f) << shift;
    if (!(*p++ & 0x80)) break;
  }
  if (want != n) return -1;
  size_t pos = 0;
  while (p < end) {
    unsigned tag = *p & 3;
    size_t l, off = 0;
    if (tag == 0) {
      l = (size_t)(*p++ >> 2);
      if (l >= 60) {
        size_t k = l - 59;
        if ((size_t)(end - p) < k) return -1;
        l = 0;
        for (size_t i = 0; i < k; i++) l |= (size_t)p[i] << (8 * i);
        p += k;
      }
      l++;
      if ((size_t)(end - p) < l) return -1;
      p += l;
    } else if (tag == 1) {
      if (end - p < 2) return -1;
      l = ((size_t)(*p >> 2) & 7) + 4;
      off = (size_t)(*p >> 5) << 8 | p[1];
      p += 2;
    } else if (tag == 2) {
      if (end - p < 3) return -1;
      l = (size_t)(*p >> 2) + 1;
      off = (size_t)p[1] | (size_t)p[2] << 8;
      p += 3;
      if (l < 4) return -1;
    } else {
      return -1; /* 4-byte offsets: never emitted */
    }
    if (tag && (off == 0 || off > pos)) return -1;
    pos += l;
  }
  return pos == n ? 0 : -1;
}

/* Compresses in[0, n) into a buffer of exactly the bound (so ASan sees any write past
 * it), checks it as above and through libsnappy; returns the compressed size (0: failed). */
static size_t round_trip(const uint8_t *in, size_t n) {
  size_t cap = lfh_snappy_max_compressed_length(n), len = cap, back_len = 0;
  uint8_t *out = malloc(cap);
  char *back = malloc(n ? n : 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_PTR_NOT_NULL_FATAL(back);
  size_t ok = 0;
  if (lfh_snappy_compress(in, n, out, &len) != 0) goto done;
  if (len > cap || snappy_validate_compressed_buffer((const char *)out, len) != SNAPPY_OK)
    goto done;
  if (snappy_uncompressed_length((const char *)out, len, &back_len) != SNAPPY_OK ||
      back_len != n)
    goto done;
  if (snappy_uncompress((const char *)out, len, back, &back_len) != SNAPPY_OK || back_len != n)
    goto done;
  if (n && memcmp(back, in, n) != 0) goto done;
  if (check_elements(out, len, n) != 0) goto done;
  ok = len;
done:
  if (!ok) fprintf(stderr, "round trip of %zu bytes failed\n", n);
  free(out);
  free(back);
  return ok;
}

/* libsnappy's compressed size of in[0, n), the reference for ratios. */
static size_t libsnappy_size(const uint8_t *in, size_t n) {
  size_t len = snappy_max_compressed_length(n);
  char *out = malloc(len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(out);
  CU_ASSERT_EQUAL(snappy_compress((const char *)in, n, out, &len), SNAPPY_OK);
  free(out);
  return len;
}

/* ------------------------------------------------------------ the cases */

/* Inputs too short to search are one literal: byte-identical to libsnappy's output. */
static void test_tiny_like_libsnappy(void) {
  uint8_t in[16], ours[64], theirs[64];
  fill_random(in, sizeof in);
  for (size_t n = 0; n <= sizeof in; n++) {
    size_t a = sizeof ours, b = sizeof theirs;
    CU_ASSERT_EQUAL_FATAL(lfh_snappy_compress(in, n, ours, &a), 0);
    CU_ASSERT_EQUAL_FATAL(snappy_compress((const char *)in, n, (char *)theirs, &b), SNAPPY_OK);
    CU_ASSERT_EQUAL(a, b);
    CU_ASSERT(memcmp(ours, theirs, a) == 0);
  }
  CU_ASSERT(round_trip(in, 0) == 1); /* empty: the preamble alone */
  CU_ASSERT(round_trip(in, 1) == 3);
}

static void test_every_length(void) {
  enum { N = 300 };
  static uint8_t kinds[4][N];
  memset(kinds[0], 'z', N);
  fill_random(kinds[1], N);
  fill_text(kinds[2], N);
  for (size_t i = 0; i < N; i++) kinds[3][i] = (uint8_t)("abcdefg"[i % 7] ^ (i % 50 == 0));
  for (int k = 0; k < 4; k++)
    for (size_t n = 0; n <= N; n++) CU_ASSERT(round_trip(kinds[k], n) != 0);
  /* every start offset too: alignment must not matter */
  for (size_t s = 0; s < 16; s++) CU_ASSERT(round_trip(kinds[2] + s, N - s) != 0);
}

static void test_incompressible(void) {
  size_t n = (size_t)1 << 20;
  uint8_t *in = malloc(n);
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  fill_random(in, n);
  size_t len = round_trip(in, n);
  CU_ASSERT(len != 0);
  CU_ASSERT(len <= n + n / 60 + 16); /* literals cost little beyond their bytes */
  free(in);
}

static void test_repetitive(void) {
  size_t n = (size_t)3 << 20;
  uint8_t *in = malloc(n);
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  memset(in, 0, n);
  size_t len = round_trip(in, n);
  CU_ASSERT(len != 0 && len < n / 20); /* 64-byte copies of 3 bytes each */
  for (size_t i = 0; i < n; i++) in[i] = (uint8_t)(i % 3);
  len = round_trip(in, n);
  CU_ASSERT(len != 0 && len < n / 20);
  free(in);
}

/* Runs of period 1..9 and every length around the 64-byte limit of a copy element, with
 * random bytes between them. */
static void test_long_runs(void) {
  size_t cap = 200000, n = 0;
  uint8_t *in = malloc(cap);
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  for (size_t period = 1; period <= 9; period++)
    for (size_t run = 56; run <= 140; run++) {
      fill_random(in + n, period + 3);
      for (size_t i = 0; i < run; i++) in[n + period + 3 + i] = in[n + 3 + i];
      n += period + 3 + run;
    }
  CU_ASSERT_FATAL(n <= cap);
  for (size_t cut = n - 300; cut <= n; cut++) CU_ASSERT(round_trip(in, cut) != 0);
  CU_ASSERT(round_trip(in, n) < n / 3);
  free(in);
}

/* A chunk of random bytes at the start, zeros, the chunk again at distance d (for d
 * below the chunk's length: a run of period d), then 0xFF bytes: the match is taken when d fits a copy
 * element (d < 65536: output smaller than with an unrelated second chunk) and the result
 * is correct either way. The chunk leads the input, where the search steps byte by byte,
 * so the greedy single-probe search is sure to have its positions in the table. */
static void test_distances(void) {
  static const size_t dist[] = {1,    2,    3,     4,     2046,  2047,  2048,
                                2049, 4096, 65534, 65535, 65536, 65537, 70000};
  static const size_t lens[] = {4, 5, 6, 7, 11, 12, 63, 64, 65, 68, 200};
  size_t cap = 70000 + 200 + 40;
  uint8_t *in = malloc(cap), *plain = malloc(cap);
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
  for (size_t i = 0; i < sizeof dist / sizeof dist[0]; i++)
    for (size_t j = 0; j < sizeof lens / sizeof lens[0]; j++) {
      size_t d = dist[i], l = lens[j], n = d + l + 40;
      memset(in, 0, n);
      memset(in + d + l, 0xFF, 40); /* the repeat ends with the chunk */
      fill_random(in, d < l ? d : l);
      memcpy(plain, in, n);
      fill_random(plain + d, l); /* the same, but the second chunk unrelated */
      for (size_t k = 0; k < l; k++) in[d + k] = in[k];
      size_t with = round_trip(in, n), without = round_trip(plain, n);
      CU_ASSERT(with != 0 && without != 0);
      /* the hash covers 6 bytes: a shorter repeat is found only by chance, and so is a
       * short run of small period (the first byte is never a match's start) */
      int sure = d < 65536 && l >= 6 && (d >= 8 || l >= 12);
      if (sure && with >= without)
        fprintf(stderr, "distance %zu length %zu: %zu >= %zu bytes\n", d, l, with, without);
      if (sure) CU_ASSERT(with < without);
    }
  free(in);
  free(plain);
}

/* After a long incompressible stretch the search steps quickly, but not so far that the
 * compressible data after it is lost: random + text costs about what each does alone. */
static void test_recovery(void) {
  size_t r = (size_t)1 << 16, t = (size_t)1 << 16;
  uint8_t *in = malloc(r + t);
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  fill_random(in, r);
  fill_text(in + r, t);
  size_t both = round_trip(in, r + t), rand_only = round_trip(in, r);
  size_t text_only = round_trip(in + r, t);
  CU_ASSERT(both != 0 && rand_only != 0 && text_only != 0);
  CU_ASSERT(both <= rand_only + text_only * 11 / 10);
  CU_ASSERT(text_only < t / 2); /* and the text does compress */
  free(in);
}

/* Larger than 64 KiB and than 4 MiB: positions wrap the 16-bit table entries many times. */
static void test_large(void) {
  size_t n = ((size_t)4 << 20) + 12345;
  uint8_t *in = malloc(n);
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  fill_text(in, n);
  size_t len = round_trip(in, n);
  CU_ASSERT(len != 0);
  CU_ASSERT(len <= libsnappy_size(in, n) * 11 / 10);
  CU_ASSERT(round_trip(in, 65536 + 7) != 0);
  free(in);
}

/* Avro blocks of clickstream rows, as the table writer compresses them: correct, and at
 * least as small as libsnappy's output. */
static void test_avro_blocks(void) {
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  const char *json = clickstream_schema_json;
  lfh_avro_schema *sch = lfh_avro_schema_parse(json, strlen(json), &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(sch);
  struct ArrowArray a;
  struct ArrowSchema s;
  CU_ASSERT_EQUAL_FATAL(clickstream_batch(777, 4500, &a, &s), 0);
  lfh_avro_arrow_encoder *e = lfh_avro_arrow_encoder_new(sch, &s, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  for (int64_t first = 0; first < 4500; first += 2250) { /* two blocks of ~1.1 MB */
    lfh_buf b = {0};
    CU_ASSERT_EQUAL_FATAL(lfh_avro_arrow_encode(e, &a, first, 2250, &b, &err), LF_OK);
    CU_ASSERT(b.len > ((size_t)1 << 20));
    size_t len = round_trip(b.data, b.len);
    CU_ASSERT(len != 0);
    CU_ASSERT(len <= libsnappy_size(b.data, b.len));
    lfh_buf_free(&b);
  }
  lfh_avro_arrow_encoder_free(e);
  a.release(&a);
  s.release(&s);
  lfh_avro_schema_free(sch);
}

static void test_refusals(void) {
  uint8_t in[64] = {0}, out[128];
  size_t len = lfh_snappy_max_compressed_length(sizeof in) - 1;
  CU_ASSERT_EQUAL(lfh_snappy_compress(in, sizeof in, out, &len), -1); /* too little room */
  CU_ASSERT(lfh_snappy_max_compressed_length(0) >= 1);
#if SIZE_MAX > 0xFFFFFFFFu
  len = sizeof out; /* refused before anything is read */
  CU_ASSERT_EQUAL(lfh_snappy_compress(in, LFH_SNAPPY_MAX_INPUT + 1, out, &len), -1);
#endif
}

int main(void) {
  static const lfh_test_case cases[] = {
      {"tiny inputs equal libsnappy's", test_tiny_like_libsnappy},
      {"every length 0..300", test_every_length},
      {"incompressible", test_incompressible},
      {"repetitive", test_repetitive},
      {"long runs", test_long_runs},
      {"distances near 2048 and 65536", test_distances},
      {"recovery after random data", test_recovery},
      {"over 64 KiB and 4 MiB", test_large},
      {"clickstream Avro blocks", test_avro_blocks},
      {"refusals", test_refusals},
      {NULL, NULL}};
  return lfh_test_run("snappy", cases);
}
