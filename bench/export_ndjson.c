/*
 * bench_export_ndjson — writes the benchmark's clickstream rows (clickstream_rows.h) as
 * newline-delimited JSON, so DuckDB (bench/duckdb) loads exactly the rows lfhost's
 * benchmarks use, in the same run.
 *
 * Usage: bench_export_ndjson OUT.ndjson [--rows N]   (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow_ndjson.h"
#include "clickstream_rows.h"
#include "lf/lf_array.h"

#define BATCH_ROWS 65536

int main(int argc, char **argv) {
  long long rows = 1000000;
  if (argc == 4 && strcmp(argv[2], "--rows") == 0) rows = atoll(argv[3]);
  if ((argc != 2 && argc != 4) || rows <= 0) {
    fprintf(stderr, "usage: bench_export_ndjson OUT.ndjson [--rows N]\n");
    return 2;
  }
  FILE *out = fopen(argv[1], "w");
  if (!out) {
    perror(argv[1]);
    return 1;
  }
  int rc = 0;
  for (long long first = 0; rc == 0 && first < rows; first += BATCH_ROWS) {
    long long n = rows - first < BATCH_ROWS ? rows - first : BATCH_ROWS;
    struct ArrowArray a;
    struct ArrowSchema s;
    if (clickstream_batch(first, n, &a, &s) != 0) {
      rc = 1;
      break;
    }
    rc = arrow_ndjson_write(out, &s, &a) != 0;
    lf_array_release(&a);
    lf_schema_release(&s);
  }
  if (fclose(out) != 0) rc = 1;
  return rc;
}
