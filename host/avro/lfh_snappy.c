/* lfh_snappy.c — greedy LZ77 into Snappy's raw format; see lfh_snappy.h.
 *
 * One pass over the whole input with a sliding 64 KiB window (no independent fragments,
 * so matches reach across what would be fragment boundaries). The hash table holds the
 * low 16 bits of positions: the distance back to a candidate is (pos - entry) mod 2^16,
 * always inside the window, so the table stays 16-bit (and in L1) for any input size; a
 * stale entry merely names a wrong candidate, which the 4-byte comparison rejects.
 *
 * The output bound: every copy piece covers >= 4 input bytes in <= 3 output bytes, so a
 * literal run plus the copy after it never outgrows its input by more than 1 byte per 65;
 * with the preamble and the last literal's header that stays below n + n/65 + 10, leaving
 * libsnappy's bound (32 + n + n/6) room for the 16-byte over-writes of short literals. */
#include "avro/lfh_snappy.h"

#include <stdint.h>
#include <string.h>

/* Tuned on lfhost's bronze Avro blocks (bench/snappy_bench.c, and blocks taken from a
 * bronze table): a 6-byte hash finds fewer but longer matches than a 4-byte one and was
 * fastest; a step that grows by 1 every 2 misses skips random ids and addresses quickly
 * and still compresses better than libsnappy there. */
#define HASH_BITS 14 /* 32 KiB of table: stays in L1 */
#define HASH_BYTES 6 /* how many leading bytes the hash covers (4..8) */
#define SKIP_SHIFT 1 /* the search step grows by 1 every 2^SKIP_SHIFT misses */
#define MAX_STEP 16  /* ... but no further: it comes back to compressible data quickly */

/* The search stops this far before the end, so 8-byte loads and 16-byte literal copies
 * in the loop never read past the input. */
#define TAIL_ROOM 16

enum { TAG_LITERAL = 0, TAG_COPY1 = 1, TAG_COPY2 = 2 };

static inline uint32_t load32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* Multiplicative hash of the first HASH_BYTES bytes of v (as loaded: on a
 * big-endian machine it covers other bytes, which costs ratio, never correctness). */
static inline uint32_t hash_of(uint64_t v, unsigned shift) {
  return (uint32_t)(((v << (64 - 8 * HASH_BYTES)) * 0x9E3779B97F4A7C15ull) >> shift);
}

/* Index of the first differing byte of two 8-byte loads (x = a ^ b, nonzero). */
static inline size_t first_diff(uint64_t x) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return (size_t)__builtin_clzll(x) >> 3;
#else
  return (size_t)__builtin_ctzll(x) >> 3;
#endif
}

/* How many bytes p and q (q < p) have in common, up to end. */
static inline size_t common_length(const uint8_t *p, const uint8_t *q, const uint8_t *end) {
  const uint8_t *start = p;
  while (p + 8 <= end) {
    uint64_t x = load64(p) ^ load64(q);
    if (x) return (size_t)(p - start) + first_diff(x);
    p += 8;
    q += 8;
  }
  while (p < end && *p == *q) p++, q++;
  return (size_t)(p - start);
}

static uint8_t *put_varint(uint8_t *op, uint32_t v) {
  while (v >= 0x80) {
    *op++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *op++ = (uint8_t)v;
  return op;
}

/* A literal's tag and length bytes. */
static inline uint8_t *literal_header(uint8_t *op, size_t len) {
  size_t m = len - 1;
  if (m < 60) {
    *op++ = (uint8_t)(m << 2 | TAG_LITERAL);
    return op;
  }
  uint8_t *tag = op++;
  unsigned bytes = 0;
  for (; m; m >>= 8, bytes++) *op++ = (uint8_t)m;
  *tag = (uint8_t)((59 + bytes) << 2 | TAG_LITERAL);
  return op;
}

/* A literal inside the search region: short ones are copied 16 bytes at once (the input
 * has TAIL_ROOM after them, the output has room by the bound above). */
static inline uint8_t *literal_fast(uint8_t *op, const uint8_t *src, size_t len) {
  if (len <= 16 && len) {
    *op = (uint8_t)((len - 1) << 2 | TAG_LITERAL);
    memcpy(op + 1, src, 16);
    return op + 1 + len;
  }
  if (!len) return op;
  op = literal_header(op, len);
  memcpy(op, src, len);
  return op + len;
}

static inline uint8_t *copy2(uint8_t *op, size_t off, size_t len) {
  op[0] = (uint8_t)((len - 1) << 2 | TAG_COPY2);
  op[1] = (uint8_t)off;
  op[2] = (uint8_t)(off >> 8);
  return op + 3;
}

/* A match of len >= 4 bytes at distance off (1..65535), in pieces of 4..64 bytes. */
static inline uint8_t *emit_copy(uint8_t *op, size_t off, size_t len) {
  while (len >= 68) {
    op = copy2(op, off, 64);
    len -= 64;
  }
  if (len > 64) { /* 65..67: two pieces, neither shorter than 4 */
    op = copy2(op, off, 60);
    len -= 60;
  }
  if (len <= 11 && off < 2048) {
    op[0] = (uint8_t)((off >> 8) << 5 | (len - 4) << 2 | TAG_COPY1);
    op[1] = (uint8_t)off;
    return op + 2;
  }
  return copy2(op, off, len);
}

/* The elements for in[0, n) (n > TAIL_ROOM) into op; returns the end of the output. */
static uint8_t *compress_body(const uint8_t *in, size_t n, uint8_t *op, uint16_t *table,
                              unsigned shift) {
  const uint8_t *ip = in + 1, *anchor = in, *end = in + n, *limit = end - TAIL_ROOM;
  for (;;) {
    const uint8_t *cand;
    uint32_t misses = 1u << SKIP_SHIFT;
    for (;;) {
      uint64_t v = load64(ip);
      uint32_t h = hash_of(v, shift);
      uint16_t pos = (uint16_t)(ip - in);
      uint16_t off = (uint16_t)(pos - table[h]);
      table[h] = pos;
      cand = ip - off;
      if (off && load32(cand) == load32(ip)) break;
      ip += misses >> SKIP_SHIFT;
      misses += misses < (MAX_STEP << SKIP_SHIFT);
      if (ip > limit) goto done;
    }
    while (ip > anchor && cand > in && ip[-1] == cand[-1]) ip--, cand--;
    op = literal_fast(op, anchor, (size_t)(ip - anchor));
    for (;;) {
      size_t off = (size_t)(ip - cand), len = 4 + common_length(ip + 4, cand + 4, end);
      op = emit_copy(op, off, len);
      ip += len;
      anchor = ip;
      if (ip > limit) goto done;
      /* the position just before the match's end: the next match often starts there */
      table[hash_of(load64(ip - 2), shift)] = (uint16_t)(ip - 2 - in);
      /* rows of a block differ from earlier rows in single bytes (digits of ids, counters):
       * one literal byte, then the same distance again, costs no hash probe */
      if (load32(ip + 1) != load32(ip + 1 - off)) break;
      op[0] = TAG_LITERAL;
      op[1] = *ip++;
      op += 2;
      cand = ip - off;
    }
  }
done:
  if (anchor < end) {
    op = literal_header(op, (size_t)(end - anchor));
    memcpy(op, anchor, (size_t)(end - anchor));
    op += end - anchor;
  }
  return op;
}

size_t lfh_snappy_max_compressed_length(size_t n) { return 32 + n + n / 6; }

int lfh_snappy_compress(const void *in, size_t n, void *out, size_t *out_len) {
  if (n > LFH_SNAPPY_MAX_INPUT || *out_len < lfh_snappy_max_compressed_length(n)) return -1;
  uint8_t *op = put_varint(out, (uint32_t)n);
  if (n <= TAIL_ROOM) { /* too short to search: one literal */
    if (n) {
      op = literal_header(op, n);
      memcpy(op, in, n);
      op += n;
    }
  } else {
    unsigned bits = 8; /* a small input gets a small table: less to clear */
    while (bits < HASH_BITS && ((size_t)1 << bits) < n) bits++;
    uint16_t table[1u << HASH_BITS];
    memset(table, 0, sizeof table[0] << bits);
    op = compress_body(in, n, op, table, 64 - bits);
  }
  *out_len = (size_t)(op - (uint8_t *)out);
  return 0;
}
