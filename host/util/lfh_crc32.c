/*
 * lfh_crc32 — CRC-32 by carry-less multiplication folding, zlib's table code elsewhere.
 *
 * The math, in the bit-reflected order this CRC uses (byte 0, bit 0 is the highest power):
 * zlib's crc32(c, M) = ~(((~c)·x^8n + M·x^32) mod P). XOR-ing ~c into the first four bytes
 * turns that into M'·x^32 mod P, so only a message polynomial has to be reduced. A 16-byte
 * chunk X = H·x^64 + L (H: bytes 0..7, L: bytes 8..15) that stands F bits before another
 * chunk Y may be replaced by adding H·(x^(F+64) mod P) + L·(x^F mod P), a polynomial below
 * x^96, into Y: the remainder mod P does not change. PCLMULQDQ multiplies reflected 64-bit
 * halves into a reflected 128-bit product that carries one extra factor x, so each
 * constant is x^(F+63) mod P and x^(F-1) mod P, put in the upper half of a 64-bit lane
 * (bit 63-i holds x^i). The constants are computed once at start-up from the polynomial
 * (lfh_crc32_xpow), so no hand-copied number stands between this file and zlib.
 *
 * Once every whole 16-byte chunk is folded into one chunk X, the CRC so far is
 * X·x^32 mod P, which is what zlib computes for the 16 bytes of X from an all-ones CRC;
 * zlib then finishes those and the last 0..15 bytes. That costs a few dozen
 * nanoseconds per call and keeps the reduction trivially right.
 */
#include "util/lfh_crc32.h"

#include <limits.h>
#include <pthread.h>
#include <zlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define LFH_CRC32_X86 1
#include <immintrin.h>
#else
#define LFH_CRC32_X86 0
#endif

#define CRC32_POLY 0xEDB88320u /* reflected: bit 31-i is the coefficient of x^i */

uint32_t lfh_crc32_xpow(uint64_t k) {
  uint32_t r = 0x80000000u; /* x^0 */
  for (uint64_t i = 0; i < k; i++) /* multiply by x: x^31 overflows into x^32 = P - x^32 */
    r = (r >> 1) ^ ((r & 1u) ? CRC32_POLY : 0u);
  return r;
}

uint32_t lfh_crc32_portable(uint32_t crc, const void *p, size_t n) {
  const Bytef *b = p;
  uLong c = crc;
  while (n > 0) { /* zlib's length is a uInt */
    uInt step = n > UINT_MAX ? UINT_MAX : (uInt)n;
    c = crc32(c, b, step);
    b += step;
    n -= step;
  }
  return (uint32_t)c;
}

/* ------------------------------------------------------------ constants and dispatch */

/* One fold distance: {x^(F+63) mod P, x^(F-1) mod P}, each in a 64-bit lane's upper half
 * (the low lane multiplies H, the high lane L). */
typedef struct fold_k {
  uint64_t k[2];
} fold_k;

static struct {
  fold_k f128, f512, f2048;
  lfh_crc32_impl chosen;
  int available[LFH_CRC32_IMPLS];
} g_crc;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static fold_k fold_constants(uint64_t bits) {
  fold_k f = {{(uint64_t)lfh_crc32_xpow(bits + 63) << 32,
               (uint64_t)lfh_crc32_xpow(bits - 1) << 32}};
  return f;
}

static void crc_init(void) {
  g_crc.f128 = fold_constants(128);
  g_crc.f512 = fold_constants(512);
  g_crc.f2048 = fold_constants(2048);
  g_crc.available[LFH_CRC32_PORTABLE] = 1;
  g_crc.chosen = LFH_CRC32_PORTABLE;
#if LFH_CRC32_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
    g_crc.available[LFH_CRC32_CLMUL] = 1;
    g_crc.chosen = LFH_CRC32_CLMUL;
    /* libgcc's check includes the OS enabling the AVX-512 register state (XCR0) */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq")) {
      g_crc.available[LFH_CRC32_VCLMUL] = 1;
      g_crc.chosen = LFH_CRC32_VCLMUL;
    }
  }
#endif
}

int lfh_crc32_impl_available(lfh_crc32_impl impl) {
  pthread_once(&g_once, crc_init);
  return impl >= 0 && impl < LFH_CRC32_IMPLS && g_crc.available[impl];
}

lfh_crc32_impl lfh_crc32_impl_chosen(void) {
  pthread_once(&g_once, crc_init);
  return g_crc.chosen;
}

/* ------------------------------------------------------------ x86-64 folding */

#if LFH_CRC32_X86

#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))
#define VCLMUL_TARGET __attribute__((target("pclmul,sse4.1,avx512f,vpclmulqdq")))

/* Y + X·x^F mod P, for X F bits before Y. */
CLMUL_TARGET static inline __m128i fold16(__m128i x, __m128i k, __m128i y) {
  __m128i h = _mm_clmulepi64_si128(x, k, 0x00); /* bytes 0..7 of x, x^(F+63) */
  __m128i l = _mm_clmulepi64_si128(x, k, 0x11); /* bytes 8..15 of x, x^(F-1) */
  return _mm_xor_si128(_mm_xor_si128(h, l), y);
}

CLMUL_TARGET static inline __m128i load16(const uint8_t *p) {
  return _mm_loadu_si128((const __m128i *)(const void *)p);
}

CLMUL_TARGET static inline __m128i load_k(const fold_k *f) {
  return _mm_loadu_si128((const __m128i *)(const void *)f->k);
}

/* Folds the remaining whole chunks into x, then lets zlib reduce x and the tail. */
CLMUL_TARGET static uint32_t finish16(__m128i x, const uint8_t *p, size_t n) {
  __m128i k128 = load_k(&g_crc.f128);
  for (; n >= 16; p += 16, n -= 16) x = fold16(x, k128, load16(p));
  uint8_t last[16];
  _mm_storeu_si128((__m128i *)(void *)last, x);
  uint32_t crc = (uint32_t)crc32(0xFFFFFFFFuL, last, 16); /* from a zero register */
  return lfh_crc32_portable(crc, p, n);
}

/* Four 16-byte lanes folded 512 bits ahead, so four multiplications are in flight. */
CLMUL_TARGET static uint32_t crc_clmul(uint32_t crc, const uint8_t *p, size_t n) {
  if (n < 64) return lfh_crc32_portable(crc, p, n);
  __m128i x0 = _mm_xor_si128(load16(p), _mm_cvtsi32_si128((int)~crc));
  __m128i x1 = load16(p + 16), x2 = load16(p + 32), x3 = load16(p + 48);
  __m128i k512 = load_k(&g_crc.f512), k128 = load_k(&g_crc.f128);
  for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
    x0 = fold16(x0, k512, load16(p));
    x1 = fold16(x1, k512, load16(p + 16));
    x2 = fold16(x2, k512, load16(p + 32));
    x3 = fold16(x3, k512, load16(p + 48));
  }
  __m128i x = fold16(fold16(fold16(x0, k128, x1), k128, x2), k128, x3);
  return finish16(x, p, n);
}

VCLMUL_TARGET static inline __m512i fold64(__m512i x, __m512i k, __m512i y) {
  __m512i h = _mm512_clmulepi64_epi128(x, k, 0x00);
  __m512i l = _mm512_clmulepi64_epi128(x, k, 0x11);
  return _mm512_ternarylogic_epi64(h, l, y, 0x96); /* three-way XOR */
}

VCLMUL_TARGET static inline __m512i load64(const uint8_t *p) {
  return _mm512_loadu_si512((const void *)p);
}

VCLMUL_TARGET static inline __m512i load_k4(const fold_k *f) {
  return _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)f->k));
}

/* Four 64-byte registers (sixteen 16-byte lanes) folded 2048 bits ahead. */
VCLMUL_TARGET static uint32_t crc_vclmul(uint32_t crc, const uint8_t *p, size_t n) {
  if (n < 256) return crc_clmul(crc, p, n);
  __m512i z0 = _mm512_xor_si512(load64(p), _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)~crc)));
  __m512i z1 = load64(p + 64), z2 = load64(p + 128), z3 = load64(p + 192);
  __m512i k2048 = load_k4(&g_crc.f2048), k512 = load_k4(&g_crc.f512);
  for (p += 256, n -= 256; n >= 256; p += 256, n -= 256) {
    z0 = fold64(z0, k2048, load64(p));
    z1 = fold64(z1, k2048, load64(p + 64));
    z2 = fold64(z2, k2048, load64(p + 128));
    z3 = fold64(z3, k2048, load64(p + 192));
  }
  __m512i z = fold64(fold64(fold64(z0, k512, z1), k512, z2), k512, z3);
  for (; n >= 64; p += 64, n -= 64) z = fold64(z, k512, load64(p));
  __m128i k128 = load_k(&g_crc.f128);
  __m128i x = fold16(_mm512_extracti32x4_epi32(z, 0), k128, _mm512_extracti32x4_epi32(z, 1));
  x = fold16(x, k128, _mm512_extracti32x4_epi32(z, 2));
  x = fold16(x, k128, _mm512_extracti32x4_epi32(z, 3));
  return finish16(x, p, n);
}

#endif /* LFH_CRC32_X86 */

/* ------------------------------------------------------------ entry points */

uint32_t lfh_crc32_with(lfh_crc32_impl impl, uint32_t crc, const void *p, size_t n) {
  if (!lfh_crc32_impl_available(impl)) impl = LFH_CRC32_PORTABLE;
  switch (impl) {
#if LFH_CRC32_X86
  case LFH_CRC32_CLMUL:
    return crc_clmul(crc, p, n);
  case LFH_CRC32_VCLMUL:
    return crc_vclmul(crc, p, n);
#endif
  default:
    return lfh_crc32_portable(crc, p, n);
  }
}

uint32_t lfh_crc32(uint32_t crc, const void *p, size_t n) {
  return lfh_crc32_with(lfh_crc32_impl_chosen(), crc, p, n);
}
