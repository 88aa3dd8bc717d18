/* lfh_expr_compile.c — text → checked tree → flat plan, and the compiled expression's
 * accessors. The plan is the tree in post-order: one operation per node, each reading
 * the slots its children wrote; constants and columns are slots filled before the
 * operations run (constants once, at compile time). */
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_expr_ast.h"
#include "lf/lf_array.h"
#include "util/lfh_mem.h"

/* ------------------------------------------------------------ one operation */

static int plan_in_set(lfh_cctx *c, const lfh_xnode *n, lfh_op *op) {
  int64_t k = n->nkids - 1;
  uint32_t t = n->kids[0]->type;
  lfh_vec *s = &op->set;
  if (lfh_vec_alloc(c->arena, t == LFH_TYPE_NULL ? LFH_TYPE_BOOLEAN : t, k, 0, s)) return LF_ERR_NOMEM;
  s->type = t;
  int64_t m = 0;
  lfh_strout so;
  int is_str = t == LFH_TYPE_STRING || t == LFH_TYPE_BINARY;
  if (is_str && lfh_strout_begin(&so, c->arena, s)) return LF_ERR_NOMEM;
  for (int64_t j = 0; j < k; j++) {
    const lfh_vec *v = &n->kids[j + 1]->val;
    if (!LFH_VALID(v, 0) || v->type == LFH_TYPE_NULL) {
      op->set_has_null = 1; /* NULL never matches; it only turns "not found" into NULL */
      continue;
    }
    switch (t) {
    case LFH_TYPE_BOOLEAN: s->u.b[m] = v->u.b[0]; break;
    case LFH_TYPE_BIGINT:
    case LFH_TYPE_TIMESTAMP:
    case LFH_TYPE_INTERVAL: s->u.i[m] = v->u.i[0]; break;
    case LFH_TYPE_DOUBLE: s->u.d[m] = v->u.d[0]; break;
    case LFH_TYPE_DATE: s->u.days[m] = v->u.days[0]; break;
    case LFH_TYPE_STRING:
    case LFH_TYPE_BINARY:
      if (lfh_strout_add(&so, v->u.s.data + v->u.s.off[0], (size_t)(v->u.s.off[1] - v->u.s.off[0])))
        return LF_ERR_NOMEM;
      break;
    default: break;
    }
    m++;
  }
  if (is_str) lfh_strout_end(&so);
  s->len = m;
  return LF_OK;
}

int lfh_plan_op(lfh_cctx *c, const lfh_xnode *n, lfh_op *op) {
  memset(op, 0, sizeof(*op));
  op->type = n->type;
  op->atype = n->nkids > 0 ? n->kids[0]->type : 0;
  op->op = n->op;
  op->neg = n->neg;
  op->truth = n->truth;
  op->escape = n->escape;
  switch (n->kind) {
  case LFH_N_CAST: op->kind = LFH_OP_CAST; break;
  case LFH_N_NEG: op->kind = LFH_OP_NEG; break;
  case LFH_N_ARITH: op->kind = LFH_OP_ARITH; break;
  case LFH_N_CONCAT: op->kind = LFH_OP_CONCAT; break;
  case LFH_N_CMP: op->kind = LFH_OP_CMP; break;
  case LFH_N_AND: op->kind = LFH_OP_AND; break;
  case LFH_N_OR: op->kind = LFH_OP_OR; break;
  case LFH_N_NOT: op->kind = LFH_OP_NOT; break;
  case LFH_N_ISNULL: op->kind = LFH_OP_ISNULL; break;
  case LFH_N_ISBOOL: op->kind = LFH_OP_ISBOOL; break;
  case LFH_N_IN:
    op->kind = LFH_OP_IN;
    if (plan_in_set(c, n, op)) return lf_error_set(c->err, LF_ERR_NOMEM, "out of memory");
    break;
  case LFH_N_LIKE: {
    op->kind = LFH_OP_LIKE;
    const lfh_xnode *p = n->kids[1];
    if (p->kind == LFH_N_CONST && LFH_VALID(&p->val, 0) && p->type == LFH_TYPE_STRING) {
      int bad = 0;
      lfh_like *l = lfh_like_new(p->val.u.s.data + p->val.u.s.off[0],
                                 (size_t)(p->val.u.s.off[1] - p->val.u.s.off[0]), n->escape, &bad);
      if (!l) return lf_error_set(c->err, LF_ERR_NOMEM, "out of memory");
      if (bad) { /* checked before: cannot happen for a compiled constant */
        lfh_like_free(l);
        break;
      }
      if (lfh_cctx_own(c, l, (void (*)(void *))lfh_like_free) != LF_OK) return LF_ERR_NOMEM;
      op->like = l;
    }
    break;
  }
  case LFH_N_CASE: op->kind = LFH_OP_CASE; break;
  case LFH_N_COALESCE: op->kind = LFH_OP_COALESCE; break;
  case LFH_N_FUNC:
    op->kind = LFH_OP_FUNC;
    op->fn = n->fn;
    op->sig = &n->sig;
    break;
  default: return lf_error_set(c->err, LF_ERR_INTERNAL, "node kind %d has no operation", n->kind);
  }
  return LF_OK;
}

/* ------------------------------------------------------------ the plan */

typedef struct planner {
  lfh_cctx *c;
  lfh_expr *e;
  size_t capops, capslots;
} planner;

static int new_slot(planner *p) {
  lfh_expr *e = p->e;
  if (lfh_grow(&e->slots, &p->capslots, (size_t)e->nslots + 1, sizeof(*e->slots), 16)) return -1;
  memset(&e->slots[e->nslots], 0, sizeof(e->slots[0]));
  return e->nslots++;
}

static int emit(planner *p, lfh_xnode *n) {
  lfh_expr *e = p->e;
  if (n->slot >= 0) return LF_OK;
  if (n->kind == LFH_N_COL && e->colslot[n->col] >= 0) {
    n->slot = e->colslot[n->col];
    return LF_OK;
  }
  int nk = n->kind == LFH_N_IN ? 1 : n->nkids; /* IN's list is inside the operation */
  for (int i = 0; i < nk; i++) {
    int rc = emit(p, n->kids[i]);
    if (rc != LF_OK) return rc;
  }
  int s = new_slot(p);
  if (s < 0) return lf_error_set(p->c->err, LF_ERR_NOMEM, "out of memory");
  n->slot = s;
  if (n->kind == LFH_N_CONST) {
    e->slots[s] = n->val;
    return LF_OK;
  }
  if (n->kind == LFH_N_COL) {
    e->colslot[n->col] = s;
    return LF_OK;
  }
  if (lfh_grow(&e->ops, &p->capops, (size_t)e->nops + 1, sizeof(*e->ops), 16))
    return lf_error_set(p->c->err, LF_ERR_NOMEM, "out of memory");
  lfh_op *op = &e->ops[e->nops];
  int rc = lfh_plan_op(p->c, n, op);
  if (rc != LF_OK) return rc;
  if (!(op->args = lfh_arena_alloc(p->c->arena, (size_t)(nk ? nk : 1) * sizeof(int))))
    return lf_error_set(p->c->err, LF_ERR_NOMEM, "out of memory");
  for (int i = 0; i < nk; i++) op->args[i] = n->kids[i]->slot;
  op->nargs = nk;
  op->out = s;
  e->nops++;
  return LF_OK;
}

static int build_plan(lfh_cctx *c, lfh_expr *e, lfh_xnode *root) {
  planner p = {.c = c, .e = e};
  if (e->ncols && !(e->colslot = lfh_arena_alloc(c->arena, (size_t)e->ncols * sizeof(int))))
    return lf_error_set(c->err, LF_ERR_NOMEM, "out of memory");
  for (int i = 0; i < e->ncols; i++) e->colslot[i] = -1;
  int rc = emit(&p, root);
  e->result_slot = root->slot;
  return rc;
}

/* ------------------------------------------------------------ compile */

void lfh_expr_free(lfh_expr *e) {
  if (!e) return;
  lfh_cctx_release(&e->cctx);
  free(e->ops);
  free(e->slots);
  lfh_arena_free(e->scratch);
  lfh_arena_free(e->perm);
  free(e);
}

static lfh_expr *expr_new(const char *text, size_t len, lfh_expr_pos *pos, lf_error *err) {
  lfh_expr *e = calloc(1, sizeof(*e));
  if (!e) return NULL;
  e->perm = lfh_arena_new();
  e->scratch = lfh_arena_new();
  if (!e->perm || !e->scratch) {
    lfh_expr_free(e);
    return NULL;
  }
  e->cctx = (lfh_cctx){.text = text, .len = len, .arena = e->perm, .err = err, .pos = pos};
  return e;
}

lfh_expr *lfh_expr_compile(const char *text, size_t len, const struct ArrowSchema *schema,
                           lfh_expr_pos *pos, lf_error *err) {
  if (pos) memset(pos, 0, sizeof(*pos));
  if (!text || !schema || !schema->format || strcmp(schema->format, "+s") != 0) {
    lf_error_set(err, LF_ERR_INVALID, "an expression compiles against a struct (\"+s\") schema");
    return NULL;
  }
  lfh_expr *e = expr_new(text, len, pos, err);
  if (!e) {
    lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    return NULL;
  }
  lfh_xnode *root;
  lfh_check k = {.c = &e->cctx, .schema = schema};
  int rc = lfh_expr_parse(&e->cctx, &root);
  if (rc == LF_OK) rc = lfh_expr_check(&k, &root);
  if (rc == LF_OK) {
    e->cols = k.cols;
    e->ncols = k.ncols;
    e->type = root->type;
    e->nullable = root->nullable;
    rc = build_plan(&e->cctx, e, root);
  }
  /* The text and the caller's error/position are borrowed for this call only. */
  e->cctx.text = NULL;
  e->cctx.err = NULL;
  e->cctx.pos = NULL;
  if (rc != LF_OK) {
    lfh_expr_free(e);
    return NULL;
  }
  return e;
}

int lfh_expr_check_syntax(const char *text, size_t len, lfh_expr_pos *pos, lf_error *err) {
  if (pos) memset(pos, 0, sizeof(*pos));
  if (!text) return lf_error_set(err, LF_ERR_INVALID, "no expression text");
  lfh_expr *e = expr_new(text, len, pos, err);
  if (!e) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  lfh_xnode *root;
  int rc = lfh_expr_parse(&e->cctx, &root);
  if (rc == LF_OK) rc = lfh_expr_check_names(&e->cctx, root);
  lfh_expr_free(e);
  return rc;
}

/* ------------------------------------------------------------ accessors */

uint32_t lfh_expr_type(const lfh_expr *e) { return e->type; }

size_t lfh_expr_n_columns(const lfh_expr *e) { return (size_t)e->ncols; }

const char *lfh_expr_column(const lfh_expr *e, size_t i) {
  return i < (size_t)e->ncols ? e->cols[i].path : NULL;
}

int lfh_expr_result_schema(const lfh_expr *e, const char *name, struct ArrowSchema *out,
                           lf_error *err) {
  const char *fmt = lfh_type_format(e->type);
  if (!fmt) return lf_error_set(err, LF_ERR_INTERNAL, "result type has no Arrow format");
  int64_t flags = e->nullable ? ARROW_FLAG_NULLABLE : 0;
  int rc = lf_schema_init(out, fmt, name, flags, err);
  if (rc == LF_OK && e->type == LFH_TYPE_ARRAY)
    rc = lf_schema_add_child(out, "u", "item", ARROW_FLAG_NULLABLE, NULL, err);
  if (rc != LF_OK) lf_schema_release(out);
  return rc;
}
