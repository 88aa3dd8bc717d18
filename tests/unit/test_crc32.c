/* lfh_crc32: every implementation this machine runs against zlib's crc32 (lengths 0..1024
 * at every alignment, large buffers, continuation, more than 4 GiB), the standard check
 * value, and the folding constants against a separate polynomial computation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>

#include "lfh_test.h"
#include "util/lfh_crc32.h"

static uint64_t g_rng = 0x9E3779B97F4A7C15u;

static uint64_t rng_next(void) { /* xorshift64: reproducible data without a seed file */
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}

static uint8_t *random_bytes(size_t n) {
  uint8_t *b = malloc(n ? n : 1);
  if (b)
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)(rng_next() >> 56);
  return b;
}

static uint32_t zlib_crc(uint32_t crc, const uint8_t *p, size_t n) {
  return (uint32_t)crc32_z(crc, p, n);
}

/* Runs `fn(impl)` for every implementation available here; the CLMUL paths must be
 * available on x86-64 machines that have the instructions, so say which ran. */
static void each_impl(void (*fn)(lfh_crc32_impl)) {
  for (int i = 0; i < LFH_CRC32_IMPLS; i++)
    if (lfh_crc32_impl_available((lfh_crc32_impl)i)) fn((lfh_crc32_impl)i);
}

static void check_value(lfh_crc32_impl impl) {
  static const char msg[] = "123456789";
  CU_ASSERT_EQUAL(lfh_crc32_with(impl, 0, msg, 9), 0xCBF43926u);
  CU_ASSERT_EQUAL(lfh_crc32_with(impl, 0, NULL, 0), 0u);
  CU_ASSERT_EQUAL(lfh_crc32_with(impl, 0x12345678u, NULL, 0), 0x12345678u);
}

static void test_check_value(void) {
  CU_ASSERT_EQUAL(zlib_crc(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
  CU_ASSERT_EQUAL(lfh_crc32(0, "123456789", 9), 0xCBF43926u);
  CU_ASSERT_EQUAL(lfh_crc32_portable(0, "123456789", 9), 0xCBF43926u);
  each_impl(check_value);
}

/* x^k mod P computed in the plain (unreflected) order with the 33-bit polynomial, then
 * bit-reversed: a second derivation of what lfh_crc32_xpow gives. */
static uint32_t xpow_plain_reflected(uint64_t k) {
  uint64_t r = 1; /* x^0, bit i = x^i */
  for (uint64_t i = 0; i < k; i++) {
    r <<= 1;
    if (r & 0x100000000u) r ^= 0x104C11DB7u;
  }
  uint32_t out = 0;
  for (int i = 0; i < 32; i++)
    if (r & ((uint64_t)1 << i)) out |= 1u << (31 - i);
  return out;
}

static void test_constants(void) {
  /* every exponent the folds use (F+63 and F-1 for F = 128, 512, 2048), and a range */
  static const uint64_t used[] = {127, 191, 511, 575, 2047, 2111};
  for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
    CU_ASSERT_EQUAL(lfh_crc32_xpow(used[i]), xpow_plain_reflected(used[i]));
  for (uint64_t k = 0; k < 300; k++) CU_ASSERT_EQUAL(lfh_crc32_xpow(k), xpow_plain_reflected(k));
  CU_ASSERT_EQUAL(lfh_crc32_xpow(32), 0xEDB88320u); /* x^32 mod P is P's low terms */
}

static uint8_t *g_small; /* 1024 + 16 random bytes for the short-length sweep */

static void lengths(lfh_crc32_impl impl) {
  int bad = 0;
  for (size_t align = 0; align < 16; align++)
    for (size_t n = 0; n <= 1024; n++) {
      const uint8_t *p = g_small + align;
      uint32_t start = (uint32_t)(n * 2654435761u) ^ (uint32_t)align;
      if (lfh_crc32_with(impl, 0, p, n) != zlib_crc(0, p, n)) bad++;
      if (lfh_crc32_with(impl, start, p, n) != zlib_crc(start, p, n)) bad++;
    }
  if (bad) fprintf(stderr, "impl %d: %d mismatches in the length sweep\n", (int)impl, bad);
  CU_ASSERT_EQUAL(bad, 0);
}

static void test_lengths(void) {
  g_small = random_bytes(1024 + 16);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g_small);
  each_impl(lengths);
  free(g_small);
}

#define BIG (5u << 20)
static uint8_t *g_big; /* BIG + 64 random bytes */

static void big(lfh_crc32_impl impl) {
  static const size_t sizes[] = {BIG, BIG - 1, 2u << 20, (2u << 20) + 13, 1000003};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (size_t off = 0; off < 64; off += 21)
      CU_ASSERT_EQUAL(lfh_crc32_with(impl, 0, g_big + off, sizes[i]),
                      zlib_crc(0, g_big + off, sizes[i]));
  /* one bit flipped anywhere changes the CRC */
  uint32_t before = lfh_crc32_with(impl, 0, g_big, BIG);
  g_big[BIG / 3] ^= 0x10;
  CU_ASSERT_NOT_EQUAL(lfh_crc32_with(impl, 0, g_big, BIG), before);
  CU_ASSERT_EQUAL(lfh_crc32_with(impl, 0, g_big, BIG), zlib_crc(0, g_big, BIG));
  g_big[BIG / 3] ^= 0x10;
}

static void continuation(lfh_crc32_impl impl) {
  uint32_t whole = zlib_crc(0, g_big, BIG);
  for (int t = 0; t < 40; t++) {
    size_t a = (size_t)(rng_next() % BIG), b = (size_t)(rng_next() % BIG);
    if (t < 8) b = a + (size_t)(rng_next() % 300); /* short middle pieces too */
    if (b > BIG) b = BIG;
    if (a > b) {
      size_t s = a;
      a = b;
      b = s;
    }
    uint32_t c = lfh_crc32_with(impl, 0, g_big, a);
    c = lfh_crc32_with(impl, c, g_big + a, b - a);
    c = lfh_crc32_with(impl, c, g_big + b, BIG - b);
    CU_ASSERT_EQUAL(c, whole);
  }
  /* and mixed with the default entry point and zlib in between */
  uint32_t c = lfh_crc32_with(impl, 0, g_big, 777777);
  c = zlib_crc(c, g_big + 777777, 1234567);
  c = lfh_crc32(c, g_big + 777777 + 1234567, BIG - 777777 - 1234567);
  CU_ASSERT_EQUAL(c, whole);
}

static void test_big(void) {
  g_big = random_bytes(BIG + 64);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g_big);
  each_impl(big);
  each_impl(continuation);
  CU_ASSERT_EQUAL(lfh_crc32(0, g_big, BIG), zlib_crc(0, g_big, BIG));
  free(g_big);
}

/* Above 4 GiB zlib's crc32() length no longer fits: the portable path chunks, the
 * folding paths never narrow. Zero pages cost no memory. */
static void test_over_4gib(void) {
  size_t n = ((size_t)1 << 32) + 77;
  void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CU_ASSERT_FATAL(m != MAP_FAILED);
  uint32_t want = zlib_crc(0x5A5A5A5Au, m, n);
  CU_ASSERT_EQUAL(lfh_crc32_portable(0x5A5A5A5Au, m, n), want);
  CU_ASSERT_EQUAL(lfh_crc32(0x5A5A5A5Au, m, n), want);
  munmap(m, n);
}

static void test_dispatch(void) {
  lfh_crc32_impl c = lfh_crc32_impl_chosen();
  CU_ASSERT_TRUE(lfh_crc32_impl_available(c));
  CU_ASSERT_TRUE(lfh_crc32_impl_available(LFH_CRC32_PORTABLE));
  CU_ASSERT_FALSE(lfh_crc32_impl_available(LFH_CRC32_IMPLS));
  for (int i = LFH_CRC32_IMPLS - 1; i > (int)c; i--) /* the fastest available is chosen */
    CU_ASSERT_FALSE(lfh_crc32_impl_available((lfh_crc32_impl)i));
  static const char *const names[] = {"portable", "pclmul", "vpclmul"};
  fprintf(stderr, "crc32 paths tested here:");
  for (int i = 0; i < LFH_CRC32_IMPLS; i++)
    if (lfh_crc32_impl_available((lfh_crc32_impl)i)) fprintf(stderr, " %s", names[i]);
  fprintf(stderr, "; chosen: %s\n", names[c]);
}

int main(void) {
  static const lfh_test_case cases[] = {{"check_value", test_check_value},
                                        {"constants", test_constants},
                                        {"lengths", test_lengths},
                                        {"big", test_big},
                                        {"over_4gib", test_over_4gib},
                                        {"dispatch", test_dispatch},
                                        {NULL, NULL}};
  return lfh_test_run("crc32", cases);
}
