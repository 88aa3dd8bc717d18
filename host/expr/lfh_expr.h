/*
 * lfh_expr — SQL expressions (a Spark SQL subset) compiled once against an Arrow schema
 * and evaluated a column at a time over Arrow batches (DESIGN.md "SQL", issue 4).
 *
 * Used for expectations, filters, derived columns and watermarks. The grammar, the type
 * rules and every function are documented in docs/SQL.md and docs/SQL_FUNCTIONS.md.
 *
 * Evaluation never dispatches per row and per node: the compiled plan is a list of
 * vector operations (one per AST node, after constant folding), each running a tight
 * loop over a whole batch. Nulls follow SQL: three-valued AND/OR/NOT, NULL in → NULL
 * out for operators and most functions, and data errors that Spark (non-ANSI mode) turns
 * into NULL (division by zero, a string that does not parse as a timestamp, a failed
 * CAST) are NULL here too, never an error.
 *
 * Positions: every error from compilation names a 1-based line:column inside the
 * expression text (`unknown column 'evnt_ts' at 1:1; did you mean 'event_ts'?`) and
 * fills an lfh_expr_pos so callers (lfhost validate) can map it to the bundle file.
 *
 * Thread safety: a compiled lfh_expr is immutable except for its evaluation scratch;
 * evaluate one expression from one thread at a time (compile one per thread otherwise).
 */
#ifndef LFH_EXPR_H
#define LFH_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"

/* The engine's value types. Integer columns and literals are all evaluated as BIGINT
 * (Arrow int32 columns are widened on load), FLOAT columns as DOUBLE, and decimal
 * literals are DOUBLE ("decimal-as-double"). */
typedef enum lfh_type {
  LFH_TYPE_NULL = 0,     /* the type of a bare NULL literal; coerces to anything */
  LFH_TYPE_BOOLEAN = 1,  /* Arrow "b" */
  LFH_TYPE_BIGINT = 2,   /* Arrow "l" (and "i" read) */
  LFH_TYPE_DOUBLE = 3,   /* Arrow "g" (and "f" read) */
  LFH_TYPE_STRING = 4,   /* Arrow "u" */
  LFH_TYPE_BINARY = 5,   /* Arrow "z" */
  LFH_TYPE_TIMESTAMP = 6,/* Arrow "tsu:UTC" (and "tsu:" read): microseconds since the epoch, UTC */
  LFH_TYPE_DATE = 7,     /* Arrow "tdD": days since the epoch */
  LFH_TYPE_INTERVAL = 8, /* a day-time interval in microseconds (INTERVAL literals only) */
  LFH_TYPE_ARRAY = 9     /* array<string> (split()); Arrow "+l" of "u" */
} lfh_type;

/* "BOOLEAN", "BIGINT", ... as Spark spells them, for messages. */
const char *lfh_type_name(uint32_t type);

/* Where in the expression text an error is: 1-based line and column (bytes), and the
 * byte offset. All zero when the error has no position (out of memory). */
typedef struct lfh_expr_pos {
  int line, col;
  size_t offset;
} lfh_expr_pos;

typedef struct lfh_expr lfh_expr;

/* Compiles `text` (`len` bytes, need not be NUL-terminated) against `schema` (a "+s"
 * struct schema of the batches it will see; borrowed for the call only). Column names
 * resolve case-insensitively as in Spark, nested fields as `a.b.c`, any name in
 * backquotes. Returns NULL with `err` (LF_ERR_INVALID for syntax, unknown names and type
 * errors; LF_ERR_NOMEM) and `pos` (may be NULL) on failure. Owned by the caller. */
lfh_expr *lfh_expr_compile(const char *text, size_t len, const struct ArrowSchema *schema,
                           lfh_expr_pos *pos, lf_error *err);
void lfh_expr_free(lfh_expr *e);

/* Checks what can be checked without a schema: syntax, function names and argument
 * counts, literal formats (TIMESTAMP '...', INTERVAL units). Column references are
 * accepted as they are. LF_OK, or an error with `pos` as for lfh_expr_compile. Used by
 * `lfhost validate` where a dataset's schema is not known before it runs. */
int lfh_expr_check_syntax(const char *text, size_t len, lfh_expr_pos *pos, lf_error *err);

/* The result type, and the result as an Arrow schema (one field named `name`, nullable
 * unless the expression can never be NULL) written into *out (caller-owned storage,
 * overwritten; the caller releases it). */
uint32_t lfh_expr_type(const lfh_expr *e);
int lfh_expr_result_schema(const lfh_expr *e, const char *name, struct ArrowSchema *out,
                           lf_error *err);

/* The top-level and nested columns the expression reads, as dotted paths in the
 * schema's spelling ("user.email"), deduplicated, in first-use order; for lineage and
 * for PII redaction of failing rows. Borrowed from the expression. */
size_t lfh_expr_n_columns(const lfh_expr *e);
const char *lfh_expr_column(const lfh_expr *e, size_t i);

/* Evaluation options. current_timestamp() and current_date() return `now_us` (fixed for
 * a whole update, as in Spark, where they are fixed per query); 0 means "the wall clock
 * read once per lfh_expr_eval call". */
typedef struct lfh_expr_eval_opts {
  int64_t now_us;
} lfh_expr_eval_opts;

/* Evaluates over `batch` (a struct array of the compiled schema; borrowed; its offset
 * and validity respected: a null struct row makes every column of it NULL) and fills
 * *out (caller-owned storage, overwritten; the caller releases it) with one array of
 * batch->length rows of the result type. `opts` may be NULL. */
int lfh_expr_eval(lfh_expr *e, const struct ArrowArray *batch, const lfh_expr_eval_opts *opts,
                  struct ArrowArray *out, lf_error *err);

/* Predicate form for expectations and filters: the expression must be BOOLEAN (else
 * LF_ERR_INVALID). Writes one byte per row into `verdict` (batch->length bytes, caller's
 * memory): 1 where the row is TRUE, 0 where it is FALSE, 2 where it is NULL. Faster than
 * lfh_expr_eval (no Arrow array is built). */
#define LFH_VERDICT_FALSE 0
#define LFH_VERDICT_TRUE 1
#define LFH_VERDICT_NULL 2
int lfh_expr_eval_predicate(lfh_expr *e, const struct ArrowArray *batch,
                            const lfh_expr_eval_opts *opts, uint8_t *verdict, lf_error *err);

/* The public face of the engine for plugins (lf_host.expr, sdk/include/lf/lf_expr.h). */
const struct lf_expr_api *lfh_expr_api(void);

#endif
