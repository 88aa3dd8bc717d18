/* arrow_ndjson — Arrow batches as newline-delimited JSON, so DuckDB (the benchmark peer)
 * loads exactly the rows the lfhost benchmarks use. Timestamps become
 * "YYYY-MM-DD HH:MM:SS.ffffff" (UTC), maps JSON objects, lists arrays. */
#ifndef ARROW_NDJSON_H
#define ARROW_NDJSON_H

#include <stdio.h>

#include "lf/lf_arrow.h"

/* Writes every row of `a` (a struct batch of `s`) as one JSON object per line. 0, or -1
 * with a message on stderr. */
int arrow_ndjson_write(FILE *out, const struct ArrowSchema *s, const struct ArrowArray *a);

#endif
