/*
 * lfh_crc32 — CRC-32 (IEEE 802.3 / zlib: reflected polynomial 0xEDB88320), the checksum
 * Avro's snappy codec appends to every block. Same values as zlib's crc32(); faster on
 * x86-64 through carry-less multiplication (PCLMULQDQ, VPCLMULQDQ where present), chosen
 * once at run time; zlib's table code everywhere else.
 */
#ifndef LFH_CRC32_H
#define LFH_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of `n` bytes at `p` continued from `crc` (0 to start), exactly like zlib's
 * crc32(): lfh_crc32(lfh_crc32(0, a, na), b, nb) is the CRC of a followed by b.
 * `p` may be NULL when n is 0. Thread-safe. */
uint32_t lfh_crc32(uint32_t crc, const void *p, size_t n);

/* ---- for tests and benchmarks: each implementation on its own ---- */

typedef enum lfh_crc32_impl {
  LFH_CRC32_PORTABLE, /* zlib, chunked below 4 GiB per call */
  LFH_CRC32_CLMUL,    /* 128-bit PCLMULQDQ folding (x86-64 with pclmul and sse4.1) */
  LFH_CRC32_VCLMUL,   /* 512-bit VPCLMULQDQ folding (x86-64 with avx512f, vpclmulqdq) */
  LFH_CRC32_IMPLS
} lfh_crc32_impl;

/* Whether this machine (and this build) can run `impl`. */
int lfh_crc32_impl_available(lfh_crc32_impl impl);

/* The implementation lfh_crc32 uses here (the fastest available). */
lfh_crc32_impl lfh_crc32_impl_chosen(void);

/* lfh_crc32 through `impl`, which must be available. */
uint32_t lfh_crc32_with(lfh_crc32_impl impl, uint32_t crc, const void *p, size_t n);

/* The zlib fallback on its own (any machine). */
uint32_t lfh_crc32_portable(uint32_t crc, const void *p, size_t n);

/* x^k mod P as a reflected 32-bit value (bit 31-i holds the coefficient of x^i), the
 * form of every folding constant; computed bit by bit, as slowly as it is clear. */
uint32_t lfh_crc32_xpow(uint64_t k);

#endif
