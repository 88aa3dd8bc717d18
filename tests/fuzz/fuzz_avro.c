/*
 * fuzz_avro — libFuzzer entry for the Avro container reader, the schema parser and
 * printer, and the generic decoder (host/avro).
 *
 * The input is opened as a container file; every block is read and every record decoded
 * generically, as the table layer does with manifests. Limits are lowered (1 MiB blocks,
 * 16 MiB of decoded values) so that a hostile count or a compression bomb shows up as an
 * error quickly instead of as a slow or memory-heavy run. Input that is not a container
 * (no "Obj\x01" magic) is parsed as schema JSON instead, so the schema parser is fuzzed
 * without the fuzzer first having to keep a header's lengths consistent. One oracle
 * beyond "no crash": a schema printed back must parse again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avro/lfh_avro.h"
#include "lf/lf_array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_schema_prints(const lfh_avro_schema *s) {
  lfh_buf b = {0};
  if (lfh_avro_schema_to_json(s, &b) != 0) abort();
  lfh_avro_schema *back = lfh_avro_schema_parse((const char *)b.data, b.len, NULL);
  if (!back) abort(); /* we printed something we refuse to read */
  lfh_avro_schema_free(back);
  lfh_buf_free(&b);
}

static void decode_blocks(lfh_avro_reader *r, lfh_avro_arena *a, lf_error *err) {
  const uint8_t *blk;
  size_t n;
  int64_t count;
  while (lfh_avro_reader_next(r, &blk, &n, &count, err) == 1) {
    const uint8_t *p = blk;
    for (int64_t i = 0; i < count; i++) {
      lfh_avro_value v;
      if (lfh_avro_decode(lfh_avro_reader_schema(r), &p, blk + n, a, &v, err) != 0) return;
      lfh_avro_arena_reset(a);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  if (size < 4 || memcmp(data, "Obj\x01", 4) != 0) {
    lfh_avro_schema *s = lfh_avro_schema_parse((const char *)data, size, &err);
    if (s) check_schema_prints(s);
    lfh_avro_schema_free(s);
    return 0;
  }
  lfh_avro_reader *r = lfh_avro_reader_open(data, size, "fuzz.avro", &err);
  if (!r) return 0;
  check_schema_prints(lfh_avro_reader_schema(r));
  lfh_avro_reader_set_max_block(r, (size_t)1 << 20);
  lfh_avro_arena *a = lfh_avro_arena_new();
  if (a) {
    lfh_avro_arena_set_limit(a, (size_t)16 << 20);
    decode_blocks(r, a, &err);
  }
  lfh_avro_arena_free(a);
  lfh_avro_reader_free(r);
  return 0;
}
