/*
 * clickstream_rows — the benchmark data set shared by the bench programs: clickstream
 * events of about 500 bytes encoded, nested (user/page/device/geo records, a properties
 * map, a nullable amount). Row r is a pure function of r, so any program building rows
 * [first, first + n) gets the same values.
 */
#ifndef CLICKSTREAM_ROWS_H
#define CLICKSTREAM_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_arrow.h"

/* The Avro schema of the rows, with Iceberg's field ids. */
extern const char *const clickstream_schema_json;

/* Builds rows [first, first + rows) as one Arrow struct batch into *a and *s (caller-owned
 * storage; the caller releases both). 0, or nonzero with a message on stderr. */
int clickstream_batch(int64_t first, int64_t rows, struct ArrowArray *a, struct ArrowSchema *s);

/* Rows [0, rows) as batches of `batch_rows` (the last may be shorter), built up front so a
 * benchmark's clock measures only the work under test. The arrays belong to the set. */
typedef struct clickstream_batches {
  struct ArrowArray *a;
  struct ArrowSchema *s;
  size_t n;
  int64_t rows;
} clickstream_batches;

/* 0, or nonzero (free the set either way). */
int clickstream_batches_build(clickstream_batches *b, int64_t rows, int64_t batch_rows);
void clickstream_batches_free(clickstream_batches *b);

/* A monotonic clock in seconds. */
double bench_now(void);

#endif
