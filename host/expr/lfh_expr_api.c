/* lfh_expr_api.c — the engine as plugins see it (lf_host.expr, sdk/include/lf/lf_expr.h).
 * An lf_expr is an lfh_expr; the table only adapts argument conventions. */
#include <string.h>

#include "bundle/lfh_ddl.h"
#include "expr/lfh_expr.h"
#include "lf/lf_array.h"
#include "expr/lfh_expr_api.h"
#include "lf/lf_expr.h"

static int api_compile(const char *text, const struct ArrowSchema *schema, lf_expr **out,
                       lf_error *err) {
  if (!text || !out) return lf_error_set(err, LF_ERR_INVALID, "compile: NULL text or out");
  lfh_expr *e = lfh_expr_compile(text, strlen(text), schema, NULL, err);
  if (!e) return err && err->code ? err->code : LF_ERR_INVALID;
  *out = (lf_expr *)e;
  return LF_OK;
}

static int api_result_schema(const lf_expr *e, const char *name, struct ArrowSchema *out,
                             lf_error *err) {
  if (!e || !out) return lf_error_set(err, LF_ERR_INVALID, "result_schema: NULL argument");
  return lfh_expr_result_schema((const lfh_expr *)e, name, out, err);
}

static int api_eval(lf_expr *e, const struct ArrowArray *batch, int64_t now_us,
                    struct ArrowArray *out, lf_error *err) {
  lfh_expr_eval_opts o = {.now_us = now_us};
  return lfh_expr_eval((lfh_expr *)e, batch, &o, out, err);
}

static int api_eval_predicate(lf_expr *e, const struct ArrowArray *batch, int64_t now_us,
                              uint8_t *verdict, lf_error *err) {
  lfh_expr_eval_opts o = {.now_us = now_us};
  return lfh_expr_eval_predicate((lfh_expr *)e, batch, &o, verdict, err);
}

static void api_free(lf_expr *e) { lfh_expr_free((lfh_expr *)e); }

/* lfh_ddl keeps the position apart from the message; plugins get one line that starts
 * with it, as every other position-bearing message of the host does. */
static int api_parse_ddl(const char *ddl, size_t len, struct ArrowSchema *out, lf_error *err) {
  if (!ddl || !out) return lf_error_set(err, LF_ERR_INVALID, "parse_ddl: NULL ddl or out");
  lfh_ddl_error e;
  memset(&e, 0, sizeof e);
  int rc = lfh_ddl_parse(ddl, len, out, &e);
  if (rc == LF_OK) return LF_OK;
  if (rc == LF_ERR_NOMEM) return lf_error_set(err, rc, "parse_ddl: out of memory");
  if (e.line > 0)
    return lf_error_set(err, rc, "%d:%d: %s%s%s", e.line, e.col, e.message, e.hint[0] ? "; " : "",
                        e.hint);
  return lf_error_set(err, rc, "%s%s%s", e.message, e.hint[0] ? "; " : "", e.hint);
}

const struct lf_expr_api lfh_expr_api_table = {
    .struct_size = sizeof(struct lf_expr_api),
    .compile = api_compile,
    .result_schema = api_result_schema,
    .eval = api_eval,
    .eval_predicate = api_eval_predicate,
    .free = api_free,
    .parse_ddl = api_parse_ddl,
};

const struct lf_expr_api *lfh_expr_api(void) { return &lfh_expr_api_table; }
