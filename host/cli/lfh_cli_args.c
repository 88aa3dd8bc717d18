#include "cli/lfh_cli_args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int lfh_cli_parse_limit(const char *s, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 0) {
    fprintf(stderr, "Error: --limit expects a number >= 0, got '%s'\n", s);
    return 2;
  }
  *out = v;
  return 0;
}
