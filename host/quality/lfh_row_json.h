/*
 * lfh_row_json — one row of an Arrow batch as a compact JSON object, with sensitive
 * columns shown as "***". Used by expectations with on_violation: fail, whose error
 * message quotes the first failing row (docs/EXPECTATIONS.md).
 *
 * A column is redacted when its dotted path ("user.email", matched case-insensitively,
 * as Spark resolves names) is in the caller's list — the dataset's hashed (PII) columns —
 * or when its Arrow field metadata holds LFH_ROW_JSON_SECRET_KEY = "true"; a redacted
 * struct, list or map hides everything below it. NULL stays null (it reveals nothing).
 *
 * Spelling: integers and doubles as JSON numbers (NaN and infinities as strings), bool,
 * strings (cut after `max_len` bytes with "..."; invalid UTF-8 as "<invalid utf-8>"),
 * binary and fixed-size binary as "0x..." hex, dates "YYYY-MM-DD", timestamps ISO 8601
 * with microseconds ("2024-05-01T12:00:00.000000Z"; no Z without a time zone), structs as
 * objects, lists as arrays, maps as objects (string keys) or arrays of {key, value}.
 * Other formats appear as "<format F>".
 */
#ifndef LFH_ROW_JSON_H
#define LFH_ROW_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_arrow.h"

/* Arrow field metadata key that marks a column secret (value "true"). */
#define LFH_ROW_JSON_SECRET_KEY "lf.secret"

/* Renders logical row `row` of `batch` (a "+s" struct array of `schema`; both borrowed;
 * offsets and validity respected). `redact` holds `n_redact` dotted paths (borrowed; may
 * be NULL). Returns a malloc'd NUL-terminated string owned by the caller, or NULL on
 * ENOMEM or when `row` is out of range or the input is not a struct. */
char *lfh_row_json(const struct ArrowSchema *schema, const struct ArrowArray *batch, int64_t row,
                   const char *const *redact, size_t n_redact, size_t max_len);

/* 1 when the field's metadata (borrowed) marks it secret. */
int lfh_field_is_secret(const struct ArrowSchema *field);

#endif
