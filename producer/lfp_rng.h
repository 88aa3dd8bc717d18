/*
 * lfp_rng — the producer's PRNG: xoshiro256** seeded through splitmix64.
 *
 * Every random choice of lfproduce comes from one of these generators and nothing else
 * (no wall clock, no rand()), which is what makes a seed reproduce the same bytes. The
 * functions are inline because the generator draws a dozen numbers per event.
 */
#ifndef LFP_RNG_H
#define LFP_RNG_H

#include <stdint.h>

typedef struct lfp_rng {
  uint64_t s[4];
} lfp_rng;

/* One splitmix64 step: also a good 64-bit mixer for deriving sub-seeds. */
static inline uint64_t lfp_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Seeds all 256 bits from `seed`, so nearby seeds give unrelated streams. */
void lfp_rng_seed(lfp_rng *r, uint64_t seed);

static inline uint64_t lfp_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t lfp_rng_next(lfp_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = lfp_rng_rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = lfp_rng_rotl(s[3], 45);
  return result;
}

/* Uniform in [0, n) for n >= 1 (Lemire's multiply-shift; the bias is below 2^-32 for the
 * small n used here, which does not matter for synthetic data and keeps it branch-free). */
static inline uint32_t lfp_rng_below(lfp_rng *r, uint32_t n) {
  return (uint32_t)(((lfp_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 1) with 53 bits. */
static inline double lfp_rng_unit(lfp_rng *r) {
  return (double)(lfp_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* 1 with probability p. p <= 0 never draws true, p >= 1 always. */
static inline int lfp_rng_chance(lfp_rng *r, double p) { return lfp_rng_unit(r) < p; }

#endif
