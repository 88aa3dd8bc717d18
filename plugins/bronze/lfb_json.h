/*
 * lfb_json — schema-directed NDJSON decoding straight into Arrow arrays, for the bronze
 * `autoloader` source (plugins/bronze). No DOM: one pass over the bytes per line that
 * validates JSON syntax and UTF-8 and appends each value to the builder of the schema
 * field it belongs to. What does not fit goes to the rescued-data column, never lost:
 *
 *  - a field the schema does not have, or a value of the wrong type (a string where an
 *    INT is declared, an object for a STRING...): that field is NULL in the row and kept
 *    verbatim (its JSON text) in the rescued column, a JSON object
 *    {"<field>": <value>, ..., "_file_path": "<file>"}; nested fields are rescued with
 *    their nesting ({"user": {"email": 5}}). With schema_evolution NONE unknown fields are
 *    dropped instead (rescued only when a rescued column is set — Auto Loader's rule).
 *  - a line that is not a JSON object (syntax error, truncated, invalid UTF-8): one row
 *    with every data column NULL and {"_corrupt_record": "<the raw line>", "_file_path":
 *    ...} in the rescued column (invalid UTF-8 bytes replaced by U+FFFD there).
 *  - empty and whitespace-only lines produce no row. CRLF line ends are accepted (the CR
 *    is not part of a corrupt record's text); a UTF-8 BOM at the start of a buffer is
 *    skipped.
 *
 * Rescue details (what Auto Loader users would expect, written down):
 *  - Field names match case-sensitively ("Email" is not "email": rescued, as Auto Loader
 *    rescues case mismatches). A key repeated in one object: the first value counts,
 *    later ones are rescued.
 *  - Inside an ARRAY or MAP value a misfit cannot be placed in the nested rescue object,
 *    so the whole array/map field of the nearest struct is NULL and rescued verbatim
 *    (also for an unknown field in a struct inside an array, when rescuing is on).
 *  - Rescued values are the input's JSON text verbatim (valid JSON; a number such as
 *    1e999 is kept as written even if a reader like jansson refuses it).
 *  - Without a rescued column, misfits are NULL and unknown fields dropped (stats still
 *    count corrupt rows; rescued_rows counts only rows with a rescued value).
 *  - A corrupt record's text is capped at max_line_bytes.
 *
 * A buffer whose first non-whitespace byte is '[' is one JSON array of records (Auto
 * Loader's multiLine JSON array file; pass the whole file in one call): each element is
 * a row, an element that is not an object is a corrupt record, and after a syntax error
 * (or a missing ']') the rest of the buffer is one corrupt record. `lines` counts
 * elements. max_line_bytes does not apply to array elements.
 *
 * Output: every data column is nullable in the output schema whatever the DDL says
 * (Spark reads files that way: a corrupt record or a missing field is NULL); map entries
 * and keys stay non-nullable.
 *
 * Types: STRING, BOOLEAN, INT, BIGINT, FLOAT, DOUBLE, DATE (ISO string), TIMESTAMP (ISO
 * 8601 string, UTC, microseconds), STRUCT, ARRAY, MAP<STRING, V> — the types Spark DDL
 * gives (host/bundle/lfh_ddl.h produces the ArrowSchema). Integers do not accept
 * fractions, exponents or out-of-range values; DOUBLE accepts integers and is correctly
 * rounded; STRING accepts only strings (Spark's primitivesAsString is not the default).
 * TIMESTAMP: "YYYY-MM-DD", optionally 'T' (or 't', or a space) "HH:MM[:SS[.fraction]]"
 * (digits past microseconds truncate), then 'Z' or an offset +HH, +HHMM, +HH:MM; no zone
 * means UTC. TIMESTAMP_NTZ: the same without a zone. DATE: exactly "YYYY-MM-DD". Dates
 * and times that do not parse (or do not exist, like 2024-02-30) are rescued. BINARY
 * and MAP keys other than STRING are refused with LF_ERR_SCHEMA.
 *
 * JSON: RFC 8259, strictly (no comments, NaN, trailing commas, single quotes, leading
 * zeros); strings are validated UTF-8 (no overlong forms or surrogates; escaped
 * surrogates must pair); "\u0000" is accepted. Values nest at most 64 deep (deeper:
 * corrupt record).
 *
 * Speed: no DOM; a struct's keys are matched against the two fields that followed the
 * previous key lately (one masked 16-byte compare per key, ':' included), strings are
 * copied straight into the Arrow buffers 16 bytes at a time (SSE2) into room reserved
 * once per string, a line's end is found by decoding it (not searched for first), valid
 * values write no validity bits (only nulls clear theirs), and the rescued NULLs and
 * _metadata values of a call's rows are appended in bulk. Cut batches at a few thousand
 * rows (lfb_json_pending_rows): each batch gets fresh buffers (sized like the last
 * batch's) and very large ones cost page faults.
 *
 * Not thread-safe per decoder; use one decoder per thread and concatenate the batches.
 */
#ifndef LFB_JSON_H
#define LFB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"

/* What a field outside the schema does (the `schema_evolution_mode` option). */
#define LFB_EVOLVE_RESCUE 0u    /* "rescue": into the rescued column */
#define LFB_EVOLVE_ADD 1u       /* "add_new_columns": rescued now, and reported in
                                   lfb_json_stats.new_fields so the source can stop and
                                   evolve the schema (Auto Loader's behaviour) */
#define LFB_EVOLVE_FAIL 2u      /* "fail_on_new_columns": lfb_json_decode fails on a
                                   field outside the schema at any struct level (not
                                   inside arrays/maps) */
#define LFB_EVOLVE_NONE 3u      /* "none": ignored (still rescued if a rescued column) */

typedef struct lfb_json_opts {
  const struct ArrowSchema *schema; /* struct of the data columns; borrowed for the call */
  const char *rescued_column;       /* e.g. "_rescued_data"; NULL or "" for none */
  uint32_t evolution;               /* LFB_EVOLVE_* */
  /* Optional per-file columns appended after the rescued column, as Auto Loader's
   * `_metadata` struct {file_path STRING, file_name STRING, file_size BIGINT,
   * file_modification_time TIMESTAMP}: NULL for none. */
  const char *metadata_column;
  size_t max_line_bytes;            /* longer lines are corrupt records; 0: 64 MiB */
} lfb_json_opts;

/* The file a call decodes (borrowed for the call). */
typedef struct lfb_json_file {
  const char *path;       /* goes into _file_path and _metadata.file_path */
  int64_t size;
  int64_t mtime_us;
} lfb_json_file;

typedef struct lfb_json_stats {
  int64_t lines;          /* non-empty lines seen */
  int64_t rows;           /* rows appended (= lines) */
  int64_t rescued_rows;   /* rows with a non-NULL rescued value (corrupt ones included) */
  int64_t corrupt_rows;   /* lines that were not a JSON object */
  /* LFB_EVOLVE_ADD: top-level field names outside the schema seen so far, with the
   * Spark type inferred from their first value ("STRING", "BIGINT", "DOUBLE", "BOOLEAN",
   * "STRUCT<...>", "ARRAY<...>"), NUL-separated "name\0type\0..." in a buffer owned by
   * the decoder (valid until the next call). */
  const char *new_fields;
  size_t n_new_fields;
} lfb_json_stats;

typedef struct lfb_json_decoder lfb_json_decoder;

/* A decoder for `opts` (the schema is copied). LF_ERR_SCHEMA for a type it cannot
 * decode, naming the field. Owned by the caller. */
int lfb_json_decoder_new(const lfb_json_opts *opts, lfb_json_decoder **out, lf_error *err);
void lfb_json_decoder_free(lfb_json_decoder *d);

/* The schema of the batches lfb_json_finish returns: data columns, then the rescued
 * column (utf8, nullable) when set, then the metadata column when set. `out` is owned by
 * the caller. */
int lfb_json_output_schema(const lfb_json_decoder *d, struct ArrowSchema *out, lf_error *err);

/* Decodes the lines of `buf` (a whole file or a run of whole lines; the last line may lack
 * its newline) from `file`, appending rows. Returns LF_OK, LF_ERR_SCHEMA under
 * LFB_EVOLVE_FAIL naming the field (dotted for nested ones), the file and the line,
 * LF_ERR_DATA when a column of the pending batch would pass 2 GiB (finish sooner), or
 * LF_ERR_NOMEM. Malformed input is never an error. On an error the rows of the lines
 * before the failing one stay pending. `stats` (may be NULL) accumulates: the caller
 * zeroes it; new_fields/n_new_fields reflect every call since the last finish. */
int lfb_json_decode(lfb_json_decoder *d, const char *buf, size_t len, const lfb_json_file *file,
                    lfb_json_stats *stats, lf_error *err);

/* Rows appended since the last finish (to decide when to cut a batch). */
int64_t lfb_json_pending_rows(const lfb_json_decoder *d);

/* Moves the rows decoded so far into `out` (a struct array with the output schema; the
 * caller owns it) and starts a new batch; 0 rows gives an empty array. */
int lfb_json_finish(lfb_json_decoder *d, struct ArrowArray *out, lf_error *err);

#endif
