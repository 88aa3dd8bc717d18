/*
 * lfh_take — copies chosen rows of an Arrow array into a new, independent array: "take"
 * by row indices and "filter" by a byte mask. Expectations drop and quarantine rows with
 * it; the expression engine's filters reuse it.
 *
 * Any array the host handles is accepted, nested or not, sliced or not (offset != 0 at any
 * level): null "n"; bool "b"; fixed-width ints, floats, dates, times, timestamps,
 * durations, intervals, "w:N" and decimals "d:P,S[,bits]"; utf8/binary "u" "z" and their
 * large forms "U" "Z"; struct "+s"; list "+l", large list "+L"; map "+m". Dictionaries,
 * unions, views and run-end encoding are refused with LF_ERR_UNSUPPORTED.
 *
 * The result has offset 0 at every level, its own buffers (nothing is shared with the
 * input, which may be released first), a validity bitmap only where a selected row is
 * null, and exact null counts. Every child has its own release callback, so a child may
 * be moved out of the result before the result is released (lf_array_make_struct).
 * Null list/map rows come out as empty ranges; null string rows as empty values.
 *
 * Ownership: `schema` and `array` are borrowed for the call; `*out` (caller-owned
 * storage, overwritten) is owned by the caller afterwards and released with its release
 * callback. On failure *out is left released (release == NULL).
 */
#ifndef LFH_TAKE_H
#define LFH_TAKE_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"

/* Rows `rows[0..n)` of `array` (logical indices, 0 .. array->length - 1, in any order,
 * repeats allowed) in that order. LF_ERR_INVALID for an index out of range,
 * LF_ERR_UNSUPPORTED for a format above, LF_ERR_DATA for a malformed array (buffer or
 * child counts, offsets outside the child, a string over 2 GiB), LF_ERR_NOMEM. */
int lfh_take(const struct ArrowSchema *schema, const struct ArrowArray *array,
             const int64_t *rows, int64_t n, struct ArrowArray *out, lf_error *err);

/* The rows of `array` whose byte in `keep` (array->length bytes) is non-zero, in order. */
int lfh_filter(const struct ArrowSchema *schema, const struct ArrowArray *array,
               const uint8_t *keep, struct ArrowArray *out, lf_error *err);

/* An array of `n` nulls of `schema`'s type (any format lfh_take accepts; struct children
 * null too, list/map elements empty): the column an older data file lacks after a schema
 * evolution. Owned by the caller. */
int lfh_nulls(const struct ArrowSchema *schema, int64_t n, struct ArrowArray *out, lf_error *err);

/* The number of non-zero bytes of keep[0..n). */
int64_t lfh_mask_count(const uint8_t *keep, int64_t n);

/* Bytes per value of a fixed-width Arrow format (ints, floats, dates, times, timestamps,
 * durations, intervals, "w:N", decimals); 0 for anything else (bool included). */
size_t lfh_format_fixed_width(const char *format);

#endif
