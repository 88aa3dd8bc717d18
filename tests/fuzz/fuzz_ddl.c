/*
 * fuzz_ddl — libFuzzer entry for the Spark DDL schema parser (host/bundle/lfh_ddl.c).
 *
 * Beyond "no crash": a rejected input must come with a message and a position inside the
 * input; an accepted one must format (lfh_ddl_format), the formatted text must parse to
 * an equal schema, and format again to the same text. A violation aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/lfh_ddl.h"
#include "lf/lf_array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ArrowSchema s, back;
  lfh_ddl_error e;
  int rc = lfh_ddl_parse((const char *)data, size, &s, &e);
  if (rc == LF_ERR_NOMEM) return 0;
  if (rc != LF_OK) {
    if (s.release || !e.message[0] || e.line < 1 || e.col < 1 || e.offset > size) abort();
    return 0;
  }
  char *text = NULL, *again = NULL;
  if (lfh_ddl_format(&s, &text, NULL) != LF_OK || !text) abort();
  if (lfh_ddl_parse(text, strlen(text), &back, &e) != LF_OK) abort(); /* printed, refused */
  if (!lf_schema_equal(&s, &back, 0)) abort();                        /* the trip changed it */
  if (lfh_ddl_format(&back, &again, NULL) != LF_OK || strcmp(text, again) != 0) abort();
  free(again);
  free(text);
  lf_schema_release(&back);
  lf_schema_release(&s);
  return 0;
}
