/* lfh_expr_ops.c — the operator kernels: arithmetic, comparison, three-valued logic,
 * IN over a constant list, CASE/COALESCE selection and string concatenation.
 *
 * Each kernel is one straight loop per (type, operator, constant-or-column) case so that
 * gcc vectorises the hot ones (column vs constant comparisons, AND/OR on bytes). Values
 * on NULL rows are garbage and are computed on anyway (cheaper than branching), so
 * every signed integer operation wraps through uint64_t: garbage must not be UB. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3") /* the kernels' loops vectorise at O3, not at O2 */
#endif
#include <math.h>
#include <string.h>

#include "expr/lfh_expr_ast.h"

/* ------------------------------------------------------------ validity */

int lfh_valid_rows(lfh_arena *a, const lfh_vec *v, int64_t rows, uint8_t **out) {
  *out = NULL;
  if (!v->valid) return LF_OK;
  if (!v->is_const) {
    *out = v->valid;
    return LF_OK;
  }
  if (v->valid[0]) return LF_OK;
  if (!(*out = lfh_arena_alloc(a, (size_t)rows))) return LF_ERR_NOMEM;
  memset(*out, 0, (size_t)rows);
  return LF_OK;
}

int lfh_valid_and(lfh_arena *a, const lfh_vec *x, const lfh_vec *y, int64_t rows, uint8_t **out) {
  uint8_t *p, *q;
  int rc = lfh_valid_rows(a, x, rows, &p);
  if (rc == LF_OK) rc = lfh_valid_rows(a, y, rows, &q);
  if (rc != LF_OK) return rc;
  if (!p || !q) {
    *out = p ? p : q;
    return LF_OK;
  }
  uint8_t *o = lfh_arena_alloc(a, (size_t)rows);
  if (!o) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < rows; r++) o[r] = p[r] & q[r];
  *out = o;
  return LF_OK;
}

/* Rows of a BOOLEAN vector as full-length value and validity arrays (constants
 * broadcast); *valid NULL when every row is valid. */
static int bool_rows(lfh_arena *a, const lfh_vec *v, int64_t rows, const uint8_t **vals,
                     const uint8_t **valid) {
  uint8_t *vv;
  if (lfh_valid_rows(a, v, rows, &vv)) return LF_ERR_NOMEM;
  *valid = vv;
  if (!v->is_const) {
    *vals = v->u.b;
    return LF_OK;
  }
  uint8_t *b = lfh_arena_alloc(a, (size_t)rows);
  if (!b) return LF_ERR_NOMEM;
  memset(b, v->u.b[0] != 0, (size_t)rows);
  *vals = b;
  return LF_OK;
}

static uint8_t *ones(lfh_arena *a, int64_t rows) {
  uint8_t *o = lfh_arena_alloc(a, (size_t)rows);
  if (o) memset(o, 1, (size_t)rows);
  return o;
}

/* ------------------------------------------------------------ loops */

/* out[r] = EXPR(x, y) over every combination of column and constant inputs. */
#define BINLOOP(TA, PA, TB, PB, TO, PO, EXPR)                                             \
  do {                                                                                     \
    const TA *xa_ = (const TA *)(PA);                                                      \
    const TB *xb_ = (const TB *)(PB);                                                      \
    TO *xo_ = (TO *)(PO);                                                                  \
    if (!a->is_const && !b->is_const) {                                                    \
      for (int64_t r = 0; r < n; r++) {                                                    \
        TA x = xa_[r];                                                                     \
        TB y = xb_[r];                                                                     \
        xo_[r] = (TO)(EXPR);                                                               \
      }                                                                                    \
    } else if (!a->is_const) {                                                             \
      TB y = xb_[0];                                                                       \
      for (int64_t r = 0; r < n; r++) {                                                    \
        TA x = xa_[r];                                                                     \
        xo_[r] = (TO)(EXPR);                                                               \
      }                                                                                    \
    } else if (!b->is_const) {                                                             \
      TA x = xa_[0];                                                                       \
      for (int64_t r = 0; r < n; r++) {                                                    \
        TB y = xb_[r];                                                                     \
        xo_[r] = (TO)(EXPR);                                                               \
      }                                                                                    \
    } else {                                                                               \
      TA x = xa_[0];                                                                       \
      TB y = xb_[0];                                                                       \
      for (int64_t r = 0; r < n; r++) xo_[r] = (TO)(EXPR);                                 \
    }                                                                                      \
  } while (0)

#define WRAP_ADD(x, y) ((int64_t)((uint64_t)(x) + (uint64_t)(y)))
#define WRAP_SUB(x, y) ((int64_t)((uint64_t)(x) - (uint64_t)(y)))
#define WRAP_MUL(x, y) ((int64_t)((uint64_t)(x) * (uint64_t)(y)))
/* C's % is undefined for INT64_MIN % -1 and for 0; y == 0 rows are made NULL. */
#define SAFE_MOD(x, y) ((y) == 0 || (y) == -1 ? 0 : (x) % (y))

/* Validity of a division: both inputs valid and the divisor non-zero. */
static int div_valid(lfh_arena *ar, const lfh_vec *a, const lfh_vec *b, int64_t n, int dbl,
                     uint8_t **out) {
  uint8_t *base;
  if (lfh_valid_and(ar, a, b, n, &base)) return LF_ERR_NOMEM;
  int nz = b->is_const && (dbl ? b->u.d[0] != 0 : b->u.i[0] != 0);
  if (nz) { /* a non-zero constant divisor adds no NULLs */
    *out = base;
    return LF_OK;
  }
  uint8_t *o = lfh_arena_alloc(ar, (size_t)n);
  if (!o) return LF_ERR_NOMEM;
  if (b->is_const) {
    for (int64_t r = 0; r < n; r++) o[r] = (uint8_t)(nz && (!base || base[r]));
  } else if (dbl) {
    for (int64_t r = 0; r < n; r++) o[r] = (uint8_t)((b->u.d[r] != 0) & (base ? base[r] : 1));
  } else {
    for (int64_t r = 0; r < n; r++) o[r] = (uint8_t)((b->u.i[r] != 0) & (base ? base[r] : 1));
  }
  *out = o;
  return LF_OK;
}

/* ------------------------------------------------------------ arithmetic */

static int arith_i64(const lfh_op *op, const lfh_vec *a, const lfh_vec *b, int64_t n, lfh_vec *out) {
  switch (op->op) {
  case LFH_OPC_PLUS: BINLOOP(int64_t, a->u.i, int64_t, b->u.i, int64_t, out->u.i, WRAP_ADD(x, y)); break;
  case LFH_OPC_MINUS: BINLOOP(int64_t, a->u.i, int64_t, b->u.i, int64_t, out->u.i, WRAP_SUB(x, y)); break;
  case LFH_OPC_STAR: BINLOOP(int64_t, a->u.i, int64_t, b->u.i, int64_t, out->u.i, WRAP_MUL(x, y)); break;
  case LFH_OPC_PERCENT: BINLOOP(int64_t, a->u.i, int64_t, b->u.i, int64_t, out->u.i, SAFE_MOD(x, y)); break;
  default: return LF_ERR_INTERNAL;
  }
  return LF_OK;
}

static int arith_f64(const lfh_op *op, const lfh_vec *a, const lfh_vec *b, int64_t n, lfh_vec *out) {
  switch (op->op) {
  case LFH_OPC_PLUS: BINLOOP(double, a->u.d, double, b->u.d, double, out->u.d, x + y); break;
  case LFH_OPC_MINUS: BINLOOP(double, a->u.d, double, b->u.d, double, out->u.d, x - y); break;
  case LFH_OPC_STAR: BINLOOP(double, a->u.d, double, b->u.d, double, out->u.d, x * y); break;
  case LFH_OPC_SLASH: BINLOOP(double, a->u.d, double, b->u.d, double, out->u.d, x / y); break;
  case LFH_OPC_PERCENT: BINLOOP(double, a->u.d, double, b->u.d, double, out->u.d, fmod(x, y)); break;
  default: return LF_ERR_INTERNAL;
  }
  return LF_OK;
}

int lfh_ops_arith(lfh_run *run, const lfh_op *op, const lfh_vec *a, const lfh_vec *b, lfh_vec *out) {
  int64_t n = run->rows;
  int rc = lfh_vec_alloc(run->arena, op->type, n, 0, out);
  if (rc) return rc;
  int divides = op->op == LFH_OPC_SLASH || op->op == LFH_OPC_PERCENT;
  if (divides) rc = div_valid(run->arena, a, b, n, a->type == LFH_TYPE_DOUBLE, &out->valid);
  else rc = lfh_valid_and(run->arena, a, b, n, &out->valid);
  if (rc) return rc;
  if (a->type == LFH_TYPE_DOUBLE) return arith_f64(op, a, b, n, out);
  if (a->type == LFH_TYPE_DATE) { /* DATE ± BIGINT days; wraps like Spark's int days */
    if (op->op == LFH_OPC_PLUS)
      BINLOOP(int32_t, a->u.days, int64_t, b->u.i, int32_t, out->u.days,
              (int32_t)(uint32_t)((uint64_t)(int64_t)x + (uint64_t)y));
    else
      BINLOOP(int32_t, a->u.days, int64_t, b->u.i, int32_t, out->u.days,
              (int32_t)(uint32_t)((uint64_t)(int64_t)x - (uint64_t)y));
    return LF_OK;
  }
  return arith_i64(op, a, b, n, out); /* BIGINT, TIMESTAMP ± INTERVAL, INTERVAL ± INTERVAL */
}

int lfh_ops_neg(lfh_run *run, const lfh_vec *a, lfh_vec *out) {
  int64_t n = a->is_const ? 1 : run->rows;
  int rc = lfh_vec_alloc(run->arena, a->type, n, 0, out);
  if (rc) return rc;
  out->valid = a->valid;
  out->is_const = a->is_const;
  if (a->type == LFH_TYPE_DOUBLE)
    for (int64_t r = 0; r < n; r++) out->u.d[r] = -a->u.d[r];
  else
    for (int64_t r = 0; r < n; r++) out->u.i[r] = (int64_t)(0 - (uint64_t)a->u.i[r]);
  return LF_OK;
}

/* ------------------------------------------------------------ comparison */

/* Spark orders NaN above every other double and equal to itself. */
#define D_EQ(x, y) (((x) == (y)) | (((x) != (x)) & ((y) != (y))))
#define D_LT(x, y) (((x) < (y)) | (((x) == (x)) & ((y) != (y))))
#define N_EQ(x, y) ((x) == (y))
#define N_LT(x, y) ((x) < (y))

#define CMP_CASES(TA, PA, PO, EQ, LT)                                                     \
  switch (op) {                                                                            \
  case LFH_OPC_EQ:                                                                         \
  case LFH_OPC_NSEQ: BINLOOP(TA, PA(a), TA, PA(b), uint8_t, PO, EQ(x, y)); break;          \
  case LFH_OPC_NE: BINLOOP(TA, PA(a), TA, PA(b), uint8_t, PO, !(EQ(x, y))); break;         \
  case LFH_OPC_LT: BINLOOP(TA, PA(a), TA, PA(b), uint8_t, PO, LT(x, y)); break;            \
  case LFH_OPC_LE: BINLOOP(TA, PA(a), TA, PA(b), uint8_t, PO, !(LT(y, x))); break;         \
  case LFH_OPC_GT: BINLOOP(TA, PA(a), TA, PA(b), uint8_t, PO, LT(y, x)); break;            \
  case LFH_OPC_GE: BINLOOP(TA, PA(a), TA, PA(b), uint8_t, PO, !(LT(x, y))); break;         \
  default: return LF_ERR_INTERNAL;                                                         \
  }

#define P_I(v) ((v)->u.i)
#define P_D(v) ((v)->u.d)
#define P_DAYS(v) ((v)->u.days)
#define P_B(v) ((v)->u.b)

/* -1, 0, 1 comparing byte strings as Spark compares UTF-8 (unsigned bytes, then length). */
static int str_cmp(const char *p, size_t pn, const char *q, size_t qn) {
  int c = memcmp(p, q, pn < qn ? pn : qn);
  if (c) return c < 0 ? -1 : 1;
  return pn < qn ? -1 : pn > qn;
}

static int cmp_str(int op, const lfh_vec *a, const lfh_vec *b, int64_t n, uint8_t *o) {
  const int32_t *ao = a->u.s.off, *bo = b->u.s.off;
  if ((op == LFH_OPC_EQ || op == LFH_OPC_NSEQ || op == LFH_OPC_NE) && (a->is_const || b->is_const)) {
    const lfh_vec *c = a->is_const ? b : a, *k = a->is_const ? a : b;
    const int32_t *co = c->u.s.off;
    const char *kp = k->u.s.data + k->u.s.off[0];
    int32_t kn = k->u.s.off[1] - k->u.s.off[0];
    uint8_t ne = op == LFH_OPC_NE;
    if (c->is_const) {
      memset(o, (co[1] - co[0] == kn && memcmp(c->u.s.data + co[0], kp, (size_t)kn) == 0) ^ ne,
             (size_t)n);
      return LF_OK;
    }
    for (int64_t r = 0; r < n; r++)
      o[r] = (uint8_t)((co[r + 1] - co[r] == kn &&
                        memcmp(c->u.s.data + co[r], kp, (size_t)kn) == 0) ^ ne);
    return LF_OK;
  }
  for (int64_t r = 0; r < n; r++) {
    int64_t ra = LFH_ROW(a, r), rb = LFH_ROW(b, r);
    int c = str_cmp(a->u.s.data + ao[ra], (size_t)(ao[ra + 1] - ao[ra]), b->u.s.data + bo[rb],
                    (size_t)(bo[rb + 1] - bo[rb]));
    int v;
    switch (op) {
    case LFH_OPC_EQ:
    case LFH_OPC_NSEQ: v = c == 0; break;
    case LFH_OPC_NE: v = c != 0; break;
    case LFH_OPC_LT: v = c < 0; break;
    case LFH_OPC_LE: v = c <= 0; break;
    case LFH_OPC_GT: v = c > 0; break;
    default: v = c >= 0; break;
    }
    o[r] = (uint8_t)v;
  }
  return LF_OK;
}

static int cmp_values(int op, const lfh_vec *a, const lfh_vec *b, int64_t n, uint8_t *o) {
  switch (a->type) {
  case LFH_TYPE_BIGINT:
  case LFH_TYPE_TIMESTAMP:
  case LFH_TYPE_INTERVAL: CMP_CASES(int64_t, P_I, o, N_EQ, N_LT); break;
  case LFH_TYPE_DOUBLE: CMP_CASES(double, P_D, o, D_EQ, D_LT); break;
  case LFH_TYPE_DATE: CMP_CASES(int32_t, P_DAYS, o, N_EQ, N_LT); break;
  case LFH_TYPE_BOOLEAN: CMP_CASES(uint8_t, P_B, o, N_EQ, N_LT); break;
  case LFH_TYPE_STRING:
  case LFH_TYPE_BINARY: return cmp_str(op, a, b, n, o);
  case LFH_TYPE_NULL: memset(o, 0, (size_t)n); break;
  default: return LF_ERR_INTERNAL;
  }
  return LF_OK;
}

int lfh_ops_cmp(lfh_run *run, const lfh_op *op, const lfh_vec *a, const lfh_vec *b, lfh_vec *out) {
  int64_t n = run->rows;
  int rc = lfh_vec_alloc(run->arena, LFH_TYPE_BOOLEAN, n, 0, out);
  if (rc == LF_OK) rc = cmp_values(op->op, a, b, n, out->u.b);
  if (rc != LF_OK) return rc;
  if (op->op != LFH_OPC_NSEQ) return lfh_valid_and(run->arena, a, b, n, &out->valid);
  /* <=>: both NULL is TRUE, one NULL is FALSE, never NULL itself. */
  uint8_t *va, *vb;
  if ((rc = lfh_valid_rows(run->arena, a, n, &va)) || (rc = lfh_valid_rows(run->arena, b, n, &vb)))
    return rc;
  if (a->type == LFH_TYPE_NULL && b->type == LFH_TYPE_NULL) {
    memset(out->u.b, 1, (size_t)n);
    return LF_OK;
  }
  for (int64_t r = 0; r < n; r++) {
    uint8_t x = va ? va[r] : 1, y = vb ? vb[r] : 1;
    out->u.b[r] = (uint8_t)((x & y) ? out->u.b[r] : x == y);
  }
  return LF_OK;
}

/* ------------------------------------------------------------ logic */

static int logic_andor(lfh_run *run, const lfh_op *op, lfh_vec *out) {
  int64_t n = run->rows;
  const lfh_vec *x = &run->slots[op->args[0]], *y = &run->slots[op->args[1]];
  const uint8_t *a, *b, *va, *vb;
  if (bool_rows(run->arena, x, n, &a, &va) || bool_rows(run->arena, y, n, &b, &vb))
    return LF_ERR_NOMEM;
  int rc = lfh_vec_alloc(run->arena, LFH_TYPE_BOOLEAN, n, 0, out);
  if (rc) return rc;
  uint8_t *o = out->u.b;
  int is_and = op->kind == LFH_OP_AND;
  if (!va && !vb) {
    if (is_and)
      for (int64_t r = 0; r < n; r++) o[r] = (a[r] != 0) & (b[r] != 0);
    else
      for (int64_t r = 0; r < n; r++) o[r] = (a[r] != 0) | (b[r] != 0);
    return LF_OK;
  }
  if ((!va && !(va = ones(run->arena, n))) || (!vb && !(vb = ones(run->arena, n))))
    return LF_ERR_NOMEM;
  uint8_t *v = lfh_arena_alloc(run->arena, (size_t)n);
  if (!v) return LF_ERR_NOMEM;
  /* Three-valued: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE, else NULL wins. */
  if (is_and) {
    for (int64_t r = 0; r < n; r++) {
      uint8_t at = va[r] & (a[r] != 0), bt = vb[r] & (b[r] != 0);
      uint8_t af = va[r] & (a[r] == 0), bf = vb[r] & (b[r] == 0);
      o[r] = at & bt;
      v[r] = af | bf | (va[r] & vb[r]);
    }
  } else {
    for (int64_t r = 0; r < n; r++) {
      uint8_t at = va[r] & (a[r] != 0), bt = vb[r] & (b[r] != 0);
      o[r] = at | bt;
      v[r] = at | bt | (va[r] & vb[r]);
    }
  }
  out->valid = v;
  return LF_OK;
}

int lfh_ops_logic(lfh_run *run, const lfh_op *op, lfh_vec *out) {
  int64_t n = run->rows;
  if (op->kind == LFH_OP_AND || op->kind == LFH_OP_OR) return logic_andor(run, op, out);
  const lfh_vec *x = &run->slots[op->args[0]];
  int rc = lfh_vec_alloc(run->arena, LFH_TYPE_BOOLEAN, n, 0, out);
  if (rc) return rc;
  uint8_t *o = out->u.b, *vx;
  if ((rc = lfh_valid_rows(run->arena, x, n, &vx))) return rc;
  if (op->kind == LFH_OP_ISNULL) { /* never NULL */
    uint8_t want_valid = (uint8_t)(op->neg != 0);
    if (!vx || x->type == LFH_TYPE_NULL) memset(o, x->type == LFH_TYPE_NULL ? !want_valid : want_valid, (size_t)n);
    else for (int64_t r = 0; r < n; r++) o[r] = (uint8_t)(vx[r] == want_valid);
    return LF_OK;
  }
  const uint8_t *b, *vb;
  if (bool_rows(run->arena, x, n, &b, &vb)) return LF_ERR_NOMEM;
  if (op->kind == LFH_OP_NOT) {
    for (int64_t r = 0; r < n; r++) o[r] = b[r] == 0;
    out->valid = (uint8_t *)vb;
    return LF_OK;
  }
  /* IS [NOT] TRUE/FALSE: a NULL input is neither; never NULL. */
  uint8_t truth = (uint8_t)(op->truth != 0), neg = (uint8_t)(op->neg != 0);
  if (x->type == LFH_TYPE_NULL) {
    memset(o, neg, (size_t)n);
    return LF_OK;
  }
  for (int64_t r = 0; r < n; r++)
    o[r] = (uint8_t)(((vb ? vb[r] : 1) & ((b[r] != 0) == truth)) ^ neg);
  return LF_OK;
}

/* ------------------------------------------------------------ IN */

static unsigned str_key(const char *p, int32_t len) {
  if (len <= 0) return 0;
  return ((unsigned)len * 31u + (unsigned char)p[0] * 7u + (unsigned char)p[len - 1]) & 255u;
}

int lfh_ops_in(lfh_run *run, const lfh_op *op, const lfh_vec *a, lfh_vec *out) {
  int64_t n = run->rows, k = op->set.len;
  const lfh_vec *s = &op->set;
  int rc = lfh_vec_alloc(run->arena, LFH_TYPE_BOOLEAN, n, 0, out);
  if (rc) return rc;
  uint8_t *o = out->u.b;
  memset(o, 0, (size_t)n);
  int64_t stride = a->is_const ? 0 : 1;
  switch (a->type) {
  case LFH_TYPE_BIGINT:
  case LFH_TYPE_TIMESTAMP:
  case LFH_TYPE_INTERVAL:
    for (int64_t j = 0; j < k; j++) {
      int64_t y = s->u.i[j];
      const int64_t *x = a->u.i;
      if (stride) for (int64_t r = 0; r < n; r++) o[r] |= x[r] == y;
      else memset(o, o[0] | (x[0] == y), (size_t)n);
    }
    break;
  case LFH_TYPE_DOUBLE:
    for (int64_t j = 0; j < k; j++) {
      double y = s->u.d[j];
      for (int64_t r = 0; r < n; r++) {
        double x = a->u.d[r * stride];
        o[r] |= D_EQ(x, y);
      }
    }
    break;
  case LFH_TYPE_DATE:
    for (int64_t j = 0; j < k; j++)
      for (int64_t r = 0; r < n; r++) o[r] |= a->u.days[r * stride] == s->u.days[j];
    break;
  case LFH_TYPE_BOOLEAN:
    for (int64_t j = 0; j < k; j++)
      for (int64_t r = 0; r < n; r++) o[r] |= (a->u.b[r * stride] != 0) == (s->u.b[j] != 0);
    break;
  case LFH_TYPE_STRING:
  case LFH_TYPE_BINARY: {
    const int32_t *ao = a->u.s.off, *so = s->u.s.off;
    if (k <= 64 && !a->is_const) {
      /* Bucket the list by (length, first byte, last byte): a row is compared with the
       * one or two entries in its bucket instead of the whole list. */
      uint64_t bucket[256];
      memset(bucket, 0, sizeof bucket);
      for (int64_t j = 0; j < k; j++)
        bucket[str_key(s->u.s.data + so[j], so[j + 1] - so[j])] |= (uint64_t)1 << j;
      for (int64_t r = 0; r < n; r++) {
        int32_t len = ao[r + 1] - ao[r];
        const char *p = a->u.s.data + ao[r];
        uint64_t m = bucket[str_key(p, len)];
        uint8_t f = 0;
        while (m && !f) {
          int j = __builtin_ctzll(m);
          m &= m - 1;
          f = so[j + 1] - so[j] == len && memcmp(p, s->u.s.data + so[j], (size_t)len) == 0;
        }
        o[r] = f;
      }
      break;
    }
    for (int64_t r = 0; r < n; r++) {
      int64_t ra = r * stride;
      int32_t len = ao[ra + 1] - ao[ra];
      const char *p = a->u.s.data + ao[ra];
      uint8_t f = 0;
      for (int64_t j = 0; j < k && !f; j++)
        f = so[j + 1] - so[j] == len && memcmp(p, s->u.s.data + so[j], (size_t)len) == 0;
      o[r] = f;
    }
    break;
  }
  case LFH_TYPE_NULL: break;
  default: return LF_ERR_INTERNAL;
  }
  uint8_t *va;
  if ((rc = lfh_valid_rows(run->arena, a, n, &va))) return rc;
  if (a->type == LFH_TYPE_NULL && !va) {
    if (!(va = lfh_arena_zalloc(run->arena, (size_t)n))) return LF_ERR_NOMEM;
  }
  /* Not found in a list holding NULL is NULL, as x = NULL would be. */
  if (op->set_has_null) {
    uint8_t *v = lfh_arena_alloc(run->arena, (size_t)n);
    if (!v) return LF_ERR_NOMEM;
    for (int64_t r = 0; r < n; r++) v[r] = (uint8_t)((va ? va[r] : 1) & o[r]);
    va = v;
  }
  if (op->neg)
    for (int64_t r = 0; r < n; r++) o[r] ^= 1;
  out->valid = va;
  return LF_OK;
}

/* ------------------------------------------------------------ CASE and COALESCE */

/* which[r]: the argument slot index chosen for row r, or -1 for NULL. */
static int pick_rows(lfh_run *run, const lfh_op *op, int32_t *which, const lfh_vec **vals,
                     int *nvals) {
  int64_t n = run->rows;
  for (int64_t r = 0; r < n; r++) which[r] = -1;
  if (op->kind == LFH_OP_COALESCE) {
    for (int i = op->nargs - 1; i >= 0; i--) { /* the last write wins: go backwards */
      const lfh_vec *v = &run->slots[op->args[i]];
      vals[i] = v;
      if (v->type == LFH_TYPE_NULL) continue;
      for (int64_t r = 0; r < n; r++)
        if (LFH_VALID(v, r)) which[r] = i;
    }
    *nvals = op->nargs;
    return LF_OK;
  }
  int pairs = op->nargs / 2, has_else = op->nargs % 2;
  for (int i = 0; i < pairs; i++) vals[i] = &run->slots[op->args[2 * i + 1]];
  if (has_else) {
    vals[pairs] = &run->slots[op->args[op->nargs - 1]];
    for (int64_t r = 0; r < n; r++) which[r] = pairs;
  }
  for (int i = pairs - 1; i >= 0; i--) {
    const lfh_vec *c = &run->slots[op->args[2 * i]];
    if (c->type == LFH_TYPE_NULL) continue;
    for (int64_t r = 0; r < n; r++)
      if (LFH_VALID(c, r) && c->u.b[LFH_ROW(c, r)]) which[r] = i;
  }
  *nvals = pairs + has_else;
  return LF_OK;
}

#define GATHER(FIELD)                                                                     \
  for (int64_t r = 0; r < n; r++) {                                                        \
    const lfh_vec *v = which[r] >= 0 ? vals[which[r]] : NULL;                              \
    int ok = v && v->type != LFH_TYPE_NULL && LFH_VALID(v, r);                              \
    out->valid[r] = (uint8_t)ok;                                                           \
    if (ok) out->FIELD[r] = v->FIELD[LFH_ROW(v, r)];                                       \
  }

int lfh_ops_pick(lfh_run *run, const lfh_op *op, lfh_vec *out) {
  int64_t n = run->rows;
  int32_t *which = lfh_arena_alloc(run->arena, (size_t)n * sizeof(int32_t));
  const lfh_vec **vals = lfh_arena_alloc(run->arena, (size_t)op->nargs * sizeof(*vals));
  int nvals, rc;
  if (!which || !vals) return LF_ERR_NOMEM;
  if ((rc = pick_rows(run, op, which, vals, &nvals))) return rc;
  if ((rc = lfh_vec_alloc(run->arena, op->type, n, 1, out))) return rc;
  switch (op->type) {
  case LFH_TYPE_BOOLEAN: GATHER(u.b); break;
  case LFH_TYPE_BIGINT:
  case LFH_TYPE_TIMESTAMP:
  case LFH_TYPE_INTERVAL: GATHER(u.i); break;
  case LFH_TYPE_DOUBLE: GATHER(u.d); break;
  case LFH_TYPE_DATE: GATHER(u.days); break;
  case LFH_TYPE_NULL: memset(out->valid, 0, (size_t)n); memset(out->u.b, 0, (size_t)n); break;
  case LFH_TYPE_STRING:
  case LFH_TYPE_BINARY: {
    lfh_strout so;
    if ((rc = lfh_strout_begin(&so, run->arena, out))) return rc;
    for (int64_t r = 0; r < n && rc == LF_OK; r++) {
      const lfh_vec *v = which[r] >= 0 ? vals[which[r]] : NULL;
      if (!v || v->type == LFH_TYPE_NULL || !LFH_VALID(v, r)) {
        lfh_strout_null(&so);
        continue;
      }
      int64_t vr = LFH_ROW(v, r);
      rc = lfh_strout_add(&so, v->u.s.data + v->u.s.off[vr],
                          (size_t)(v->u.s.off[vr + 1] - v->u.s.off[vr]));
    }
    lfh_strout_end(&so);
    return rc;
  }
  default: return LF_ERR_INTERNAL;
  }
  return LF_OK;
}

/* ------------------------------------------------------------ || */

int lfh_ops_concat(lfh_run *run, const lfh_vec *a, const lfh_vec *b, lfh_vec *out) {
  int64_t n = run->rows;
  int rc = lfh_vec_alloc(run->arena, LFH_TYPE_STRING, n, 1, out);
  lfh_strout so;
  if (rc || (rc = lfh_strout_begin(&so, run->arena, out))) return rc;
  for (int64_t r = 0; r < n && rc == LF_OK; r++) {
    if (!LFH_VALID(a, r) || !LFH_VALID(b, r) || a->type == LFH_TYPE_NULL ||
        b->type == LFH_TYPE_NULL) {
      lfh_strout_null(&so);
      continue;
    }
    int64_t ra = LFH_ROW(a, r), rb = LFH_ROW(b, r);
    size_t la = (size_t)(a->u.s.off[ra + 1] - a->u.s.off[ra]);
    size_t lb = (size_t)(b->u.s.off[rb + 1] - b->u.s.off[rb]);
    char *d = lfh_strout_reserve(&so, la + lb);
    if (!d) {
      rc = LF_ERR_NOMEM;
      break;
    }
    if (la) memcpy(d, a->u.s.data + a->u.s.off[ra], la);
    if (lb) memcpy(d + la, b->u.s.data + b->u.s.off[rb], lb);
    lfh_strout_commit(&so, la + lb);
  }
  lfh_strout_end(&so);
  return rc;
}
