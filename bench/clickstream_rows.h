/*
 * clickstream_rows — the benchmark data set shared by the bench programs: clickstream
 * events of about 500 bytes encoded, nested (user/page/device/geo records, a properties
 * map, a nullable amount). Row r is a pure function of r, so any program building rows
 * [first, first + n) gets the same values.
 */
#ifndef CLICKSTREAM_ROWS_H
#define CLICKSTREAM_ROWS_H

#include <stdint.h>

#include "lf/lf_arrow.h"

/* The Avro schema of the rows, with Iceberg's field ids. */
extern const char *const clickstream_schema_json;

/* Builds rows [first, first + rows) as one Arrow struct batch into *a and *s (caller-owned
 * storage; the caller releases both). 0, or nonzero with a message on stderr. */
int clickstream_batch(int64_t first, int64_t rows, struct ArrowArray *a, struct ArrowSchema *s);

#endif
