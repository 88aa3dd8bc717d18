/*
 * lf_expr.h — the host's SQL expression engine, offered to plugins through `lf_host.expr`
 * (ABI 1.1; NULL from older hosts: check before use). `parse_ddl` since 1.2.
 *
 * Expressions are the Spark SQL subset of docs/SQL.md (the same dialect as bundle
 * expectations and filters), compiled once against an Arrow schema and evaluated a column
 * at a time. A plugin that filters, derives columns or checks rules should use this
 * rather than interpret SQL itself, so every stage speaks one dialect.
 *
 * Ownership: a compiled lf_expr belongs to the plugin that compiled it and is released
 * with `free`. Schemas and batches passed in are borrowed for the call; Arrow structs
 * filled by the host are owned by the caller (release them). One lf_expr must not be
 * evaluated from two threads at once (it keeps scratch memory); compile one per thread.
 */
#ifndef LF_EXPR_H
#define LF_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "lf_arrow.h"
#include "lf_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lf_expr lf_expr;

/* Verdicts of eval_predicate, one byte per row. */
#define LF_VERDICT_FALSE 0
#define LF_VERDICT_TRUE 1
#define LF_VERDICT_NULL 2

struct lf_expr_api {
  uint32_t struct_size;
  /* Compiles NUL-terminated `text` against `schema` (a "+s" struct schema). On failure
   * returns LF_ERR_INVALID (syntax, unknown column or function, type error) with a message
   * that names the position in the text ("unknown column 'evnt_ts' at 1:1; did you mean
   * 'event_ts'?"), or LF_ERR_NOMEM; *out is set only on success. */
  int (*compile)(const char *text, const struct ArrowSchema *schema, lf_expr **out,
                 lf_error *err);
  /* The result as a one-field schema named `name` (caller-owned storage, overwritten). */
  int (*result_schema)(const lf_expr *e, const char *name, struct ArrowSchema *out,
                       lf_error *err);
  /* Evaluates over `batch` (a struct array of the compiled schema) into *out (one array of
   * batch->length rows; caller-owned storage, overwritten). current_timestamp() is
   * `now_us` (e.g. lf_epoch.trigger_time_us), or the wall clock when 0. */
  int (*eval)(lf_expr *e, const struct ArrowArray *batch, int64_t now_us,
              struct ArrowArray *out, lf_error *err);
  /* For a BOOLEAN expression: one LF_VERDICT_* byte per row into `verdict` (caller's
   * memory of batch->length bytes). Faster than eval: no Arrow array is built. */
  int (*eval_predicate)(lf_expr *e, const struct ArrowArray *batch, int64_t now_us,
                        uint8_t *verdict, lf_error *err);
  void (*free)(lf_expr *e);
  /* Since 1.2 (check LF_HAS_FIELD or a NULL pointer): parses `len` bytes of a Spark DDL
   * schema string ("id BIGINT NOT NULL, user STRUCT<email: STRING>"; need not be
   * NUL-terminated) into *out, a "+s" struct schema with the types of docs/BUNDLE.md
   * "Schemas" (caller-owned storage, overwritten; the caller releases it). Returns LF_OK,
   * LF_ERR_INVALID with a message that starts with the position ("1:9: unknown type
   * 'STRNG'; did you mean 'STRING'?") and *out released, or LF_ERR_NOMEM. */
  int (*parse_ddl)(const char *ddl, size_t len, struct ArrowSchema *out, lf_error *err);
};

#ifdef __cplusplus
}
#endif

#endif /* LF_EXPR_H */
