/*
 * lfh_ddl — Spark DDL schema strings ("id BIGINT NOT NULL, user STRUCT<email: STRING>")
 * to Arrow "+s" schemas and back. Used for the `schema` of datasets and for stage options
 * of type LF_CONFIG_SCHEMA (autoloader's `schema`); docs/BUNDLE.md "Schemas" lists the
 * types and what each becomes.
 *
 * The mapping keeps to the formats the rest of lfhost reads and writes (the Avro/Iceberg
 * layer, the expression engine):
 *   STRING, VARCHAR(n), CHAR(n)  -> "u"        BINARY            -> "z"
 *   BOOLEAN                      -> "b"        DATE              -> "tdD"
 *   TINYINT, SMALLINT, INT       -> "i"        TIMESTAMP(_LTZ)   -> "tsu:UTC"
 *   BIGINT, LONG                 -> "l"        TIMESTAMP_NTZ     -> "tsu:"
 *   FLOAT, REAL                  -> "f"        STRUCT<a: T, ...> -> "+s"
 *   DOUBLE, DECIMAL(p,s)         -> "g"        ARRAY<T>          -> "+l" (child "item")
 *   MAP<K, V> -> "+m" with the non-nullable struct "entries" of a non-nullable "key" and a
 *                nullable "value", as Arrow requires.
 * TINYINT and SMALLINT widen to INT as Iceberg stores them; DECIMAL is a double, as the
 * expression engine evaluates decimals ("decimal-as-double"), so lfh_ddl_format() prints
 * these back as INT and DOUBLE. Fields are nullable unless NOT NULL; a COMMENT is kept
 * in the field's Arrow metadata under the key "comment", as Spark keeps it in a
 * StructField's metadata. Type names are case-insensitive; field names are compared
 * case-insensitively for duplicates (Spark's default, and how the engine resolves them).
 */
#ifndef LFH_DDL_H
#define LFH_DDL_H

#include <stddef.h>

#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"

/* Where and why a DDL string did not parse. `line`/`col` are 1-based (col in bytes) and
 * `offset` the byte offset in the text; all 0 when there is no position (out of memory).
 * `message` names the problem without the position ("unknown type 'STRNG'"); `hint` is
 * "" or a suggestion ("did you mean 'STRING'?"). */
typedef struct lfh_ddl_error {
  int line, col;
  size_t offset;
  char message[256];
  char hint[256];
} lfh_ddl_error;

/* Nesting limit (STRUCT/ARRAY/MAP inside each other): deeper input is an error, so a
 * hostile schema cannot exhaust the stack. */
#define LFH_DDL_MAX_DEPTH 64

/* Parses `len` bytes of `text` (need not be NUL-terminated) into *out (caller-owned
 * storage, overwritten; the caller releases it with lf_schema_release). Returns LF_OK,
 * LF_ERR_INVALID with `err` filled (and *out released), or LF_ERR_NOMEM. `err` may be
 * NULL. An empty schema (only blanks) is an error: a table needs a column. */
int lfh_ddl_parse(const char *text, size_t len, struct ArrowSchema *out, lfh_ddl_error *err);

/* Formats a "+s" schema (borrowed) as DDL that lfh_ddl_parse reads back to an equal
 * schema: top-level fields as `name TYPE`, nested ones as `name: TYPE`, names in
 * backquotes unless they are plain identifiers, NOT NULL and COMMENT as parsed. Formats
 * without a DDL spelling (durations, unions, ...) fail with LF_ERR_UNSUPPORTED naming the
 * field. *out is malloc'd (the caller frees it). */
int lfh_ddl_format(const struct ArrowSchema *schema, char **out, lf_error *err);

#endif
