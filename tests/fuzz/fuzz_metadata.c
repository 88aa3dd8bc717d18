/*
 * fuzz_metadata — libFuzzer entry for the Iceberg table metadata reader and writer
 * (host/table/lfh_table_meta*.c, and through it the Iceberg schema parser).
 *
 * The input is parsed as a vN.metadata.json. Beyond "no crash", one oracle: metadata we
 * accept must print (lfh_table_meta_to_json), the printed text must parse again, and the
 * re-parsed metadata must print byte for byte the same text — so every field we read is
 * carried through a commit unchanged. A violation aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_table_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  lfh_table_meta *m = NULL;
  if (lfh_table_meta_parse((const char *)data, size, "fuzz.metadata.json", &m, &err) != 0) {
    if (m) abort(); /* an error must not hand out metadata */
    return 0;
  }
  if (!m) abort();
  char *json = lfh_table_meta_to_json(m);
  if (!json) abort();
  lfh_table_meta *back = NULL;
  lf_error_init(&err, msg, sizeof msg);
  if (lfh_table_meta_parse(json, strlen(json), "printed.metadata.json", &back, &err) != 0 ||
      !back)
    abort(); /* we printed something we refuse to read */
  char *again = lfh_table_meta_to_json(back);
  if (!again || strcmp(json, again) != 0) abort(); /* the round trip lost or changed a field */
  /* a copy prints the same too (commits start from a copy of the base) */
  lfh_table_meta *copy = lfh_table_meta_copy(back);
  if (!copy) abort();
  char *copied = lfh_table_meta_to_json(copy);
  if (!copied || strcmp(json, copied) != 0) abort();
  free(copied);
  lfh_table_meta_free(copy);
  free(again);
  lfh_table_meta_free(back);
  free(json);
  lfh_table_meta_free(m);
  return 0;
}
