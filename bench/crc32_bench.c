/*
 * bench_crc32 — CRC-32 throughput: zlib's crc32 against each lfh_crc32 path this machine
 * runs, over one buffer the size of an Avro block (2 MiB unless told). Each figure is the
 * best of 5 runs of about 0.2 s each, so a busy shared machine shows its quiet moments.
 *
 * Usage: bench_crc32 [buffer bytes, default 2097152]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

#include "util/lfh_crc32.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* impl < 0: zlib itself */
static uint32_t run_once(int impl, const uint8_t *p, size_t n) {
  if (impl < 0) return (uint32_t)crc32_z(0, p, n);
  return lfh_crc32_with((lfh_crc32_impl)impl, 0, p, n);
}

static double best_gbps(int impl, const uint8_t *p, size_t n, uint32_t *crc) {
  double best = 0;
  for (int r = 0; r < 5; r++) {
    size_t bytes = 0;
    double t0 = now(), t;
    do {
      *crc = run_once(impl, p, n);
      bytes += n;
      t = now() - t0;
    } while (t < 0.2);
    double gbps = (double)bytes / t / 1e9;
    if (gbps > best) best = gbps;
  }
  return best;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : (size_t)2 << 20;
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf) return 1;
  uint32_t s = 12345;
  for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 24);
  static const char *const names[] = {"lfh portable", "lfh pclmul", "lfh vpclmul"};
  uint32_t want = 0, got = 0;
  double base = best_gbps(-1, buf, n, &want);
  printf("buffer %zu bytes, best of 5\n%-14s %7.2f GB/s  crc %08x\n", n, "zlib crc32", base,
         (unsigned)want);
  int rc = 0;
  for (int i = 0; i < LFH_CRC32_IMPLS; i++) {
    if (!lfh_crc32_impl_available((lfh_crc32_impl)i)) continue;
    double g = best_gbps(i, buf, n, &got);
    printf("%-14s %7.2f GB/s  crc %08x  %5.2fx%s%s\n", names[i], g, (unsigned)got, g / base,
           lfh_crc32_impl_chosen() == (lfh_crc32_impl)i ? "  (chosen)" : "",
           got == want ? "" : "  MISMATCH");
    if (got != want) rc = 1;
  }
  free(buf);
  return rc;
}
