/*
 * fuzz_snappy — libFuzzer entry for the Snappy compressor (host/avro/lfh_snappy.c).
 *
 * The input is compressed with lfh_snappy, twice: once as it is and once repeated (input
 * twice back to back), which gives the fuzzer long matches and distances past what a
 * single input reaches. Each result must fit the bound, pass libsnappy's validator and
 * decode with libsnappy to the exact input; anything else aborts.
 */
#include <snappy-c.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_snappy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *in, size_t n) {
  size_t cap = lfh_snappy_max_compressed_length(n), len = cap, back_len = n;
  char *out = malloc(cap);
  char *back = malloc(n ? n : 1);
  if (!out || !back) abort();
  if (lfh_snappy_compress(in, n, out, &len) != 0 || len > cap) abort();
  if (snappy_validate_compressed_buffer(out, len) != SNAPPY_OK) abort();
  if (snappy_uncompress(out, len, back, &back_len) != SNAPPY_OK) abort();
  if (back_len != n || (n && memcmp(back, in, n) != 0)) abort();
  free(out);
  free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check(data, size);
  uint8_t *twice = malloc(2 * size + 1);
  if (!twice) abort();
  if (size) {
    memcpy(twice, data, size);
    memcpy(twice + size, data, size);
  }
  check(twice, 2 * size);
  free(twice);
  return 0;
}
