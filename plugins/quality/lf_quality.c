/*
 * lf_quality — the default EXPECTATION stage, `sql_expectations`: each rule is a SQL
 * boolean expression compiled by the host's engine (lf_host.expr, ABI 1.1), evaluated
 * over every batch into one boolean column per rule, true where the row passes.
 *
 * A row passes only where the expression is TRUE: FALSE and NULL fail, as a Spark filter
 * keeps only TRUE rows (write `x IS NULL OR x > 0` to let NULLs through). The host applies
 * warn/drop/fail/quarantine to the result (docs/EXPECTATIONS.md); another plugin may
 * replace this one by offering an EXPECTATION stage with the same contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf.h"
#include "lf/lf_expr.h"

/* One rule. Name and text are borrowed from the lf_config (valid until destroy). */
typedef struct qrule {
  const char *name;
  const char *text;
  lf_expr *expr; /* owned; NULL until negotiate */
} qrule;

typedef struct qstate {
  const lf_host *host; /* process lifetime */
  lf_stage_ctx *ctx;   /* host-owned, valid until destroy */
  qrule *rules;        /* owned array of n_rules */
  size_t n_rules;
  int negotiated;
  uint8_t *verdict;    /* owned scratch: one byte per row, grown as batches grow */
  int64_t verdict_cap;
} qstate;

static const lf_expr_api *expr_api(const lf_host *host) {
  return LF_HAS_FIELD(host, lf_host, expr) ? host->expr : NULL;
}

static void free_exprs(qstate *q) {
  for (size_t i = 0; i < q->n_rules; i++) {
    if (q->rules[i].expr) q->host->expr->free(q->rules[i].expr);
    q->rules[i].expr = NULL;
  }
  q->negotiated = 0;
}

static void q_destroy(void *state) {
  qstate *q = state;
  if (!q) return;
  free_exprs(q);
  free(q->rules);
  free(q->verdict);
  free(q);
}

/* Reads the `rules` map in bundle order, refusing empty names and empty expressions. */
static int read_rules(qstate *q, const lf_config *cfg, lf_error *err) {
  size_t n = 0;
  int rc = q->host->config_map_count(cfg, "rules", &n);
  if (rc != LF_OK) return lf_error_set(err, rc, "option 'rules' is required");
  if (n == 0) return lf_error_set(err, LF_ERR_INVALID, "option 'rules' has no rule");
  q->rules = calloc(n, sizeof *q->rules);
  if (!q->rules) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    qrule *r = &q->rules[i];
    rc = q->host->config_map_entry(cfg, "rules", i, &r->name, &r->text);
    if (rc != LF_OK) return lf_error_set(err, rc, "cannot read rule %zu", i);
    if (!r->name || !r->name[0]) return lf_error_set(err, LF_ERR_INVALID, "a rule has no name");
    if (!r->text || !r->text[0])
      return lf_error_set(err, LF_ERR_INVALID, "rule '%s' has an empty expression", r->name);
    q->n_rules++;
  }
  return LF_OK;
}

static int q_create(const lf_host *host, lf_stage_ctx *ctx, const lf_config *cfg, void **state,
                    lf_error *err) {
  const lf_expr_api *api = expr_api(host);
  if (!api || !api->compile || !api->eval_predicate || !api->free || !api->result_schema)
    return lf_error_set(err, LF_ERR_UNSUPPORTED,
                        "sql_expectations needs the host's SQL expression engine (lf_host.expr, "
                        "ABI 1.1); this host (ABI %u.%u) does not provide it",
                        (unsigned)host->abi_major, (unsigned)host->abi_minor);
  qstate *q = calloc(1, sizeof *q);
  if (!q) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  q->host = host;
  q->ctx = ctx;
  int rc = read_rules(q, cfg, err);
  if (rc != LF_OK) {
    q_destroy(q);
    return rc;
  }
  *state = q;
  return LF_OK;
}

/* Compiles one rule and checks that it is a predicate. */
static int compile_rule(qstate *q, qrule *r, const struct ArrowSchema *input, lf_error *err) {
  const lf_expr_api *api = q->host->expr;
  int rc = api->compile(r->text, input, &r->expr, err);
  if (rc == LF_ERR_NOMEM) return rc;
  if (rc != LF_OK) {
    /* Prefix the engine's message (position, column, suggestion) with the rule's name. */
    char why[512];
    snprintf(why, sizeof why, "%s", err && err->message ? err->message : "");
    r->expr = NULL;
    return lf_error_set(err, LF_ERR_SCHEMA, "expectation '%s': %s", r->name, why);
  }
  struct ArrowSchema rs;
  memset(&rs, 0, sizeof rs);
  rc = api->result_schema(r->expr, r->name, &rs, err);
  if (rc != LF_OK) return rc;
  int is_bool = rs.format && strcmp(rs.format, LF_FORMAT_BOOL) == 0;
  char fmt[32];
  snprintf(fmt, sizeof fmt, "%s", rs.format ? rs.format : "?");
  lf_schema_release(&rs);
  if (!is_bool)
    return lf_error_set(err, LF_ERR_SCHEMA,
                        "expectation '%s': '%s' is not a boolean expression (Arrow type '%s')",
                        r->name, r->text, fmt);
  return LF_OK;
}

static int q_negotiate(void *state, const struct ArrowSchema *input, struct ArrowSchema *output,
                       lf_error *err) {
  qstate *q = state;
  memset(output, 0, sizeof *output);
  if (!input || lf_format_type(input->format) != LF_TYPE_STRUCT)
    return lf_error_set(err, LF_ERR_SCHEMA, "sql_expectations expects a record batch (struct)");
  free_exprs(q); /* a second negotiation starts over */
  for (size_t i = 0; i < q->n_rules; i++) {
    int rc = compile_rule(q, &q->rules[i], input, err);
    if (rc != LF_OK) {
      free_exprs(q);
      return rc;
    }
  }
  int rc = lf_schema_init(output, LF_FORMAT_STRUCT, "", 0, err);
  for (size_t i = 0; rc == LF_OK && i < q->n_rules; i++)
    rc = lf_schema_add_child(output, LF_FORMAT_BOOL, q->rules[i].name, 0, NULL, err);
  if (rc != LF_OK) {
    lf_schema_release(output);
    free_exprs(q);
    return rc;
  }
  q->negotiated = 1;
  return LF_OK;
}

/* ------------------------------------------------------------ result columns */

/* A non-nullable boolean column owning one bitmap (buffers: validity NULL, values). */
typedef struct bool_col {
  const void *bufs[2];
} bool_col;

static void bool_col_release(struct ArrowArray *a) {
  if (!a || !a->release) return;
  bool_col *c = a->private_data;
  free((void *)c->bufs[1]);
  free(c);
  a->release = NULL;
}

/* Packs verdict bytes into a boolean column: bit set only where the verdict is TRUE. */
static int verdict_column(const uint8_t *verdict, int64_t n, struct ArrowArray *out) {
  memset(out, 0, sizeof *out);
  bool_col *c = calloc(1, sizeof *c);
  uint8_t *bits = calloc((size_t)(n + 7) / 8 + 1, 1);
  if (!c || !bits) {
    free(c);
    free(bits);
    return LF_ERR_NOMEM;
  }
  for (int64_t i = 0; i < n; i++)
    bits[i >> 3] |= (uint8_t)((verdict[i] == LF_VERDICT_TRUE) << (i & 7));
  c->bufs[1] = bits;
  out->length = n;
  out->n_buffers = 2;
  out->buffers = c->bufs;
  out->private_data = c;
  out->release = bool_col_release;
  return LF_OK;
}

static int grow_verdict(qstate *q, int64_t n, lf_error *err) {
  if (n < 1) n = 1; /* never hand the engine a NULL buffer, even for an empty batch */
  if (n <= q->verdict_cap) return LF_OK;
  uint8_t *v = realloc(q->verdict, (size_t)n);
  if (!v) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  q->verdict = v;
  q->verdict_cap = n;
  return LF_OK;
}

static int q_evaluate(void *state, const struct ArrowArray *batch, struct ArrowArray *result,
                      lf_error *err) {
  qstate *q = state;
  memset(result, 0, sizeof *result);
  if (!q->negotiated)
    return lf_error_set(err, LF_ERR_INVALID, "sql_expectations: evaluate before negotiate");
  int64_t n = batch->length;
  struct ArrowArray *cols = calloc(q->n_rules, sizeof *cols);
  int rc = cols ? grow_verdict(q, n, err) : lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  for (size_t i = 0; rc == LF_OK && i < q->n_rules; i++) {
    rc = q->host->expr->eval_predicate(q->rules[i].expr, batch, 0, q->verdict, err);
    if (rc != LF_OK) break;
    if (verdict_column(q->verdict, n, &cols[i]) != LF_OK)
      rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  }
  if (rc == LF_OK) {
    /* Moves every column into the result, also on failure. */
    rc = lf_array_make_struct(result, n, 0, cols, (int64_t)q->n_rules, err);
    if (rc == LF_OK && q->host->counter_add) q->host->counter_add(q->ctx, "rows_evaluated", n);
  } else {
    for (size_t i = 0; cols && i < q->n_rules; i++) lf_array_release(&cols[i]);
  }
  free(cols);
  return rc;
}

/* ------------------------------------------------------------ descriptor */

static const lf_config_option q_options[] = {
    {.struct_size = sizeof(lf_config_option),
     .flags = LF_CONFIG_REQUIRED,
     .name = "rules",
     .type = LF_CONFIG_MAP,
     .doc = "Rule name -> SQL boolean expression over the input row, in order. A row passes a "
            "rule only where the expression is TRUE; FALSE and NULL fail it."}};

static const lf_expectation_vtable q_vtable = {.struct_size = sizeof(lf_expectation_vtable),
                                               .evaluate = q_evaluate};

static const lf_stage q_stages[] = {
    {.struct_size = sizeof(lf_stage),
     .kind = LF_STAGE_EXPECTATION,
     .name = "sql_expectations",
     .doc = "Checks each row against SQL boolean rules compiled by the host's expression "
            "engine and answers one non-nullable boolean column per rule, true where the "
            "row passes (the expression is TRUE; FALSE and NULL fail). The host applies "
            "warn, drop, fail and quarantine.",
     .options = q_options,
     .n_options = sizeof q_options / sizeof q_options[0],
     .create = q_create,
     .negotiate = q_negotiate,
     .destroy = q_destroy,
     .vtable = &q_vtable}};

static const lf_plugin q_plugin = {.struct_size = sizeof(lf_plugin),
                                   .magic = LF_PLUGIN_MAGIC,
                                   .abi_major = LF_ABI_MAJOR,
                                   .abi_minor = LF_ABI_MINOR,
                                   .name = "lf_quality",
                                   .version = "0.1.0",
                                   .description = "SQL expectations (the default EXPECTATION stage)",
                                   .stages = q_stages,
                                   .n_stages = 1};

LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  (void)host; /* the engine is checked per instance, so `plugins describe` works anywhere */
  return &q_plugin;
}
