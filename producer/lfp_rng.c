/* lfp_rng — seeding (the generator itself is inline in lfp_rng.h). */
#include "lfp_rng.h"

void lfp_rng_seed(lfp_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = lfp_splitmix64(&x);
  /* xoshiro must not start from all zeros; splitmix64 cannot give four zeros in a row,
   * but say so rather than rely on it silently. */
  if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0) r->s[0] = 1;
}
