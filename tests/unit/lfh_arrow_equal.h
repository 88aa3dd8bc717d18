/* lfh_arrow_equal — logical equality of two Arrow arrays of one schema, for tests and fuzz
 * targets that decode the same input two ways (SIMD and scalar, whole buffer and line by
 * line) and need the batches identical. No CUnit: fuzz targets link it too. */
#ifndef LFH_ARROW_EQUAL_H
#define LFH_ARROW_EQUAL_H

#include "lf/lf_arrow.h"

/* 1 when a and b (arrays of schema s, offset 0) have the same lengths, null counts,
 * validity, offsets, string bytes and values in every valid slot (what NULL slots hold is
 * undefined and not compared), recursively; else 0. */
int lfh_arrays_equal(const struct ArrowSchema *s, const struct ArrowArray *a,
                     const struct ArrowArray *b);

#endif
