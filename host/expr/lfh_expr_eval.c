/* lfh_expr_eval.c — running a compiled plan over a batch, slice by slice.
 *
 * A slice is LFH_EXPR_SLICE rows: its columns are loaded (zero-copy where possible), the
 * plan's operations run one after the other over the whole slice, and the result slot
 * is handed to a sink (verdict bytes or an Arrow builder). The scratch arena is reset
 * per slice, so intermediates of a slice stay in cache and a batch of any size needs
 * only a slice's worth of scratch memory. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* the kernels' loops vectorise at O3, not at O2 */
#endif
#include <string.h>
#include <time.h>

#include "expr/lfh_expr_ast.h"
#include "lf/lf_array.h"
#include "util/lfh_clock.h"

int lfh_op_run(lfh_run *run, const lfh_op *op) {
  lfh_vec *out = &run->slots[op->out];
  const lfh_vec *a = op->nargs > 0 ? &run->slots[op->args[0]] : NULL;
  const lfh_vec *b = op->nargs > 1 ? &run->slots[op->args[1]] : NULL;
  int rc;
  switch (op->kind) {
  case LFH_OP_CAST: rc = lfh_cast_vec(run->arena, a, op->type, run->rows, out); break;
  case LFH_OP_NEG: rc = lfh_ops_neg(run, a, out); break;
  case LFH_OP_ARITH: rc = lfh_ops_arith(run, op, a, b, out); break;
  case LFH_OP_CONCAT: rc = lfh_ops_concat(run, a, b, out); break;
  case LFH_OP_CMP: rc = lfh_ops_cmp(run, op, a, b, out); break;
  case LFH_OP_AND:
  case LFH_OP_OR:
  case LFH_OP_NOT:
  case LFH_OP_ISNULL:
  case LFH_OP_ISBOOL: rc = lfh_ops_logic(run, op, out); break;
  case LFH_OP_IN: rc = lfh_ops_in(run, op, a, out); break;
  case LFH_OP_LIKE: rc = lfh_ops_like(run, op, a, b, out); break;
  case LFH_OP_CASE:
  case LFH_OP_COALESCE: rc = lfh_ops_pick(run, op, out); break;
  case LFH_OP_FUNC: {
    lfh_vec args[LFH_FUNC_MAX_ARGS];
    for (int i = 0; i < op->nargs; i++) args[i] = run->slots[op->args[i]];
    lfh_func_ctx ctx = {.sig = op->sig, .rows = run->rows, .now_us = run->now_us,
                        .arena = run->arena, .err = run->err};
    rc = op->fn->eval(&ctx, args, op->nargs, out);
    if (rc == LF_OK && (out->type != op->type || (!out->is_const && out->len < run->rows)))
      return lf_error_set(run->err, LF_ERR_INTERNAL, "%s returned a %s vector of %lld rows",
                          op->fn->name, lfh_type_name(out->type), (long long)out->len);
    return rc; /* the function wrote its own message */
  }
  default: return lf_error_set(run->err, LF_ERR_INTERNAL, "unknown operation %d", op->kind);
  }
  if (rc == LF_ERR_NOMEM) return lf_error_set(run->err, rc, "out of memory evaluating an expression");
  if (rc != LF_OK) return lf_error_set(run->err, rc, "internal error in operation %d", op->kind);
  return LF_OK;
}

typedef int (*sink_fn)(void *ctx, const lfh_vec *v, int64_t start, int64_t rows);

static int run_slices(lfh_expr *e, const struct ArrowArray *batch, const lfh_expr_eval_opts *opts,
                      sink_fn sink, void *ctx, lf_error *err) {
  int rc = lfh_arrow_check_batch(batch, e->cols, e->ncols, err);
  if (rc != LF_OK) return rc;
  lfh_run run = {.arena = e->scratch, .slots = e->slots, .err = err};
  run.now_us = opts && opts->now_us ? opts->now_us : lfh_wall_us();
  for (int64_t start = 0; start < batch->length; start += LFH_EXPR_SLICE) {
    int64_t n = batch->length - start < LFH_EXPR_SLICE ? batch->length - start : LFH_EXPR_SLICE;
    lfh_arena_reset(e->scratch);
    run.rows = n;
    for (int c = 0; c < e->ncols; c++)
      if ((rc = lfh_arrow_load(e->scratch, batch, &e->cols[c], start, n, &e->slots[e->colslot[c]],
                               err)) != LF_OK)
        return rc;
    for (int i = 0; i < e->nops; i++)
      if ((rc = lfh_op_run(&run, &e->ops[i])) != LF_OK) return rc;
    if ((rc = sink(ctx, &e->slots[e->result_slot], start, n)) != LF_OK)
      return lf_error_set(err, rc, "cannot store the result (%s)",
                          rc == LF_ERR_NOMEM ? "out of memory" : "internal error");
  }
  return LF_OK;
}

/* ------------------------------------------------------------ predicate */

static int verdict_sink(void *ctx, const lfh_vec *v, int64_t start, int64_t n) {
  uint8_t *dst = (uint8_t *)ctx + start;
  if (v->type == LFH_TYPE_NULL) {
    memset(dst, LFH_VERDICT_NULL, (size_t)n);
  } else if (v->is_const) {
    memset(dst, LFH_VALID(v, 0) ? (v->u.b[0] != 0) : LFH_VERDICT_NULL, (size_t)n);
  } else if (!v->valid) {
    const uint8_t *b = v->u.b;
    for (int64_t r = 0; r < n; r++) dst[r] = b[r] != 0;
  } else {
    const uint8_t *b = v->u.b, *ok = v->valid;
    for (int64_t r = 0; r < n; r++) dst[r] = ok[r] ? (b[r] != 0) : LFH_VERDICT_NULL;
  }
  return LF_OK;
}

int lfh_expr_eval_predicate(lfh_expr *e, const struct ArrowArray *batch,
                            const lfh_expr_eval_opts *opts, uint8_t *verdict, lf_error *err) {
  if (!e || !verdict) return lf_error_set(err, LF_ERR_INVALID, "no expression or verdict buffer");
  if (e->type != LFH_TYPE_BOOLEAN && e->type != LFH_TYPE_NULL)
    return lf_error_set(err, LF_ERR_INVALID, "a predicate must be BOOLEAN, not %s",
                        lfh_type_name(e->type));
  return run_slices(e, batch, opts, verdict_sink, verdict, err);
}

/* ------------------------------------------------------------ Arrow result */

static int arrow_sink(void *ctx, const lfh_vec *v, int64_t start, int64_t n) {
  (void)start;
  return lfh_arrow_out_append(ctx, v, n);
}

int lfh_expr_eval(lfh_expr *e, const struct ArrowArray *batch, const lfh_expr_eval_opts *opts,
                  struct ArrowArray *out, lf_error *err) {
  if (!e || !out) return lf_error_set(err, LF_ERR_INVALID, "no expression or output array");
  memset(out, 0, sizeof(*out));
  int64_t rows = batch && batch->length > 0 ? batch->length : 0;
  lfh_arrow_out *o = lfh_arrow_out_new(e->type, rows);
  if (!o) return lf_error_set(err, LF_ERR_NOMEM, "out of memory for the result");
  int rc = run_slices(e, batch, opts, arrow_sink, o, err);
  if (rc != LF_OK) {
    lfh_arrow_out_free(o);
    return rc;
  }
  return lfh_arrow_out_finish(o, out, err);
}
