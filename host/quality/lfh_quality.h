/*
 * lfh_quality — expectations on the host side (issue 4; docs/EXPECTATIONS.md).
 *
 * Three parts:
 *  - rules: a dataset's expectations as the bundle declares them (`expectations` with
 *    name/expr/on_violation/quarantine, and the `not_null` and `unique` shorthands),
 *    turned into one ordered list. not_null becomes an expression rule; unique is checked
 *    here, by the host, with a set of the key values kept across the batches of a flow run.
 *  - the stage: the EXPECTATION plugin (default: lf_quality's sql_expectations) created
 *    with the expression rules as its `rules` option, negotiated against the batch schema
 *    and evaluated per batch into one boolean column per rule (true = passes).
 *  - the applier: batch + rule results -> the rows to write (drop rules applied), the rows
 *    for the `<dataset>_quarantine` table, an LF_ERR_DATA stop for `fail` rules with a
 *    redacted sample row, and per-expectation metrics in the Lakeflow event log's
 *    `details.flow_progress.data_quality` shape.
 *
 * Verdicts: a row passes an expression rule only when the expression is TRUE; FALSE and
 * NULL fail it (a Spark filter keeps only TRUE rows). A row is dropped when it fails any
 * `drop` rule, quarantined when it fails any rule with `quarantine: true`, and kept
 * otherwise (`warn` only counts). A quarantined row of a `warn` rule is kept as well.
 *
 * Ownership is stated per function. Nothing here is thread-safe per object.
 */
#ifndef LFH_QUALITY_H
#define LFH_QUALITY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle/lfh_yaml.h"
#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"
#include "loader/lfh_loader.h"
#include "util/lfh_diag.h"

/* ------------------------------------------------------------ rules */

/* on_violation, as the bundle spells it: warn (default), drop, fail. */
#define LFH_ON_VIOLATION_WARN 0u
#define LFH_ON_VIOLATION_DROP 1u
#define LFH_ON_VIOLATION_FAIL 2u

/* What checks a rule: the EXPECTATION stage (an SQL expression) or the host (unique). */
#define LFH_RULE_EXPR 0u
#define LFH_RULE_UNIQUE 1u

/* Suffix of the quarantine table's name: "<dataset>_quarantine". */
#define LFH_QUARANTINE_SUFFIX "_quarantine"
/* Columns the quarantine table adds to the dataset's. */
#define LFH_QUARANTINE_RULES_COLUMN "_quarantine_rules"
#define LFH_QUARANTINE_TIME_COLUMN "_quarantined_at"

typedef struct lfh_quality_rule {
  char *name;            /* owned; unique within the dataset */
  char *expr;            /* owned; the SQL boolean (LFH_RULE_EXPR), NULL for UNIQUE */
  uint32_t kind;         /* LFH_RULE_* */
  uint32_t on_violation; /* LFH_ON_VIOLATION_* */
  int quarantine;        /* 1: failing rows also go to <dataset>_quarantine */
  char **columns;        /* owned: UNIQUE's key columns as dotted paths; n_columns of them */
  size_t n_columns;
  lfh_mark mark;         /* where the bundle declares it (file borrowed from the tree) */
} lfh_quality_rule;

typedef struct lfh_quality_rules {
  lfh_quality_rule *items; /* owned, in order: expectations, not_null, unique */
  size_t n, cap;
} lfh_quality_rules;

void lfh_quality_rules_init(lfh_quality_rules *r);
void lfh_quality_rules_free(lfh_quality_rules *r);

/* "warn"/"drop"/"fail" (case-insensitive) -> LFH_ON_VIOLATION_*; LF_ERR_INVALID else. */
int lfh_quality_parse_violation(const char *text, uint32_t *out);
const char *lfh_quality_violation_name(uint32_t on_violation);

/* Appends an expression rule (strings copied). LF_ERR_INVALID for an empty or duplicate
 * name or an empty expression. `mark` may be NULL. */
int lfh_quality_rules_add(lfh_quality_rules *r, const char *name, const char *expr,
                          uint32_t on_violation, int quarantine, const lfh_mark *mark,
                          lf_error *err);
/* The not_null shorthand for one column (dotted path, nested allowed): rule
 * "not_null_<col>" (dots become '_') with expression "`a`.`b` IS NOT NULL", warn. */
int lfh_quality_rules_add_not_null(lfh_quality_rules *r, const char *column,
                                   const lfh_mark *mark, lf_error *err);
/* The unique shorthand: one rule "unique_<a>_<b>" over the combination of the columns,
 * checked by the applier, warn. */
int lfh_quality_rules_add_unique(lfh_quality_rules *r, const char *const *columns, size_t n,
                                 const lfh_mark *mark, lf_error *err);

/* Reads a dataset mapping of the bundle (`datasets.<name>`; borrowed, already checked by
 * lfhost validate's schema): `expectations`, then `not_null`, then `unique`. */
int lfh_quality_rules_from_dataset(lfh_quality_rules *r, const lfh_node *dataset,
                                   lf_error *err);

/* Deep copy into *dst (initialised here; freed again on failure). */
int lfh_quality_rules_copy(lfh_quality_rules *dst, const lfh_quality_rules *src,
                           lf_error *err);

/* The number of LFH_RULE_EXPR rules (0: no EXPECTATION stage is needed). */
size_t lfh_quality_rules_n_expr(const lfh_quality_rules *r);

/* The `options:` mapping for an EXPECTATION stage: {rules: {name: expr, ...}} with the
 * expression rules in order, for lfh_config_new(). Owned by the caller (lfh_node_free);
 * NULL on ENOMEM. */
lfh_node *lfh_quality_stage_options(const lfh_quality_rules *r);

/* ------------------------------------------------------------ the stage */

/* One EXPECTATION stage instance driven by the host. */
typedef struct lfh_quality_stage lfh_quality_stage;

/* Creates `stage` (an EXPECTATION stage taking a MAP option `rules`) with the expression
 * rules of `r`, through `host` (process lifetime) and `ctx` (may be NULL; borrowed, must
 * outlive the instance), and negotiates it against `input` (borrowed). The answer must
 * be a struct of non-nullable booleans, one per rule, named after the rules
 * (LF_ERR_SCHEMA otherwise). Errors from create/negotiate (e.g. a rule that does not
 * compile) are passed on. Owned by the caller (lfh_quality_stage_close). */
int lfh_quality_stage_open(const lfh_stage_info *stage, const lf_host *host, lf_stage_ctx *ctx,
                           const lfh_quality_rules *r, const struct ArrowSchema *input,
                           lfh_quality_stage **out, lf_error *err);
/* The negotiated result schema (owned by the instance). */
const struct ArrowSchema *lfh_quality_stage_schema(const lfh_quality_stage *s);
/* Evaluates `batch` (borrowed) into *result (caller-owned storage; released by the
 * caller), checked to be a struct of the negotiated shape and batch->length rows. */
int lfh_quality_stage_eval(lfh_quality_stage *s, const struct ArrowArray *batch,
                           struct ArrowArray *result, lf_error *err);
void lfh_quality_stage_close(lfh_quality_stage *s);

/* ------------------------------------------------------------ the applier */

typedef struct lfh_quality_opts {
  const char *dataset;            /* required: names metrics and messages */
  const char *flow;               /* optional: named in fail messages */
  const char *const *pii_columns; /* dotted paths shown as "***" in fail messages */
  size_t n_pii;
  size_t max_value_len;           /* longest value quoted in a fail message; 0: 120 */
} lfh_quality_opts;

/* One flow run's expectations on one dataset: rule verdicts, unique key sets and
 * metrics accumulate across its batches. */
typedef struct lfh_quality lfh_quality;

/* `rules` are copied. `batch_schema` (borrowed; copied) is the schema of the batches;
 * unique key columns must resolve in it (case-insensitively; nested through structs) to
 * a non-nested column (LF_ERR_SCHEMA otherwise). `result_schema` (borrowed; NULL when
 * there is no expression rule) is the stage's negotiated answer: every expression rule
 * must have a boolean child of its name. `opts` is copied. */
int lfh_quality_open(const lfh_quality_rules *rules, const struct ArrowSchema *batch_schema,
                     const struct ArrowSchema *result_schema, const lfh_quality_opts *opts,
                     lfh_quality **out, lf_error *err);
void lfh_quality_close(lfh_quality *q);

typedef struct lfh_quality_out {
  struct ArrowArray kept;       /* rows to write, batch schema; owned by the caller */
  struct ArrowArray quarantine; /* rows for the quarantine table (lfh_quality_quarantine_
                                   schema); released (release == NULL) when none */
  int64_t n_dropped;            /* rows of the batch not in `kept` */
  int64_t n_quarantined;        /* rows in `quarantine` */
} lfh_quality_out;

/* Applies every rule to one batch. `batch` is MOVED in (released by the call, on success
 * and on failure); `results` (borrowed; NULL without expression rules) is the stage's
 * answer for it. `now_us` stamps _quarantined_at (0: the wall clock). On a `fail` rule's
 * violation returns LF_ERR_DATA with a message naming the expectation, the dataset, the
 * flow, the number of failing rows and the first failing row as JSON (PII and secret
 * columns "***", registered secret values redacted); nothing of that batch is counted or
 * remembered then. *out is caller-owned storage, overwritten. */
int lfh_quality_apply(lfh_quality *q, struct ArrowArray *batch, const struct ArrowArray *results,
                      int64_t now_us, lfh_quality_out *out, lf_error *err);

/* The quarantine table's schema for a dataset of `dataset_schema` (borrowed): its columns,
 * then _quarantine_rules list<utf8> and _quarantined_at timestamp[us, UTC], both
 * non-nullable. LF_ERR_SCHEMA when the dataset already has such a column. *out is
 * caller-owned storage (release it). */
int lfh_quality_quarantine_schema(const struct ArrowSchema *dataset_schema,
                                  struct ArrowSchema *out, lf_error *err);

/* Metrics so far. Rules in order; `passed`/`failed` count rows over applied batches. */
size_t lfh_quality_n_rules(const lfh_quality *q);
const lfh_quality_rule *lfh_quality_rule_at(const lfh_quality *q, size_t i);
void lfh_quality_rule_counts(const lfh_quality *q, size_t i, int64_t *passed, int64_t *failed);
int64_t lfh_quality_dropped(const lfh_quality *q);
int64_t lfh_quality_quarantined(const lfh_quality *q);

/* {"dropped_records": N, "expectations": [{"name", "dataset", "passed_records",
 * "failed_records"}, ...]} — the event log's details.flow_progress.data_quality. New
 * reference owned by the caller (json_decref); NULL on ENOMEM. */
json_t *lfh_quality_metrics_json(const lfh_quality *q);

#endif
