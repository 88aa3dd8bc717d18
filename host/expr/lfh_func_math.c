/* lfh_func_math.c — numeric functions: abs round bround floor ceil greatest least. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_func_internal.h"

/* ------------------------------------------------------------ abs */

static int resolve_abs(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                       lf_error *err) {
  (void)c;
  (void)n;
  if (t[0] == LFH_TYPE_BIGINT || t[0] == LFH_TYPE_INTERVAL) sig->ret = sig->cast[0] = t[0];
  else if (lfh_fn_arg_double("abs", t, 0, sig, err) < 0) return LF_ERR_INVALID;
  else sig->ret = LFH_TYPE_DOUBLE;
  return LF_OK;
}

static int eval_abs(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  if (lfh_fn_out(ctx, ctx->sig->ret, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int64_t k = LFH_ROW(&a[0], r);
    out->valid[r] = (uint8_t)LFH_VALID(&a[0], r);
    if (out->type == LFH_TYPE_DOUBLE) {
      out->u.d[r] = fabs(a[0].u.d[k]);
    } else {
      /* Through unsigned arithmetic so abs(INT64_MIN) wraps to INT64_MIN as in Spark
       * (Java's Math.abs) instead of being undefined behaviour. */
      uint64_t u = (uint64_t)a[0].u.i[k];
      out->u.i[r] = (int64_t)(a[0].u.i[k] < 0 ? 0 - u : u);
    }
  }
  return LF_OK;
}

/* ------------------------------------------------------------ round, bround */

/* The scale, fixed at compile time (Spark requires a constant too). */
typedef struct round_prep {
  int null_scale;
  int64_t scale;
  int even;
} round_prep;

static int resolve_round_as(const char *fn, int even, const uint32_t *t, const lfh_vec *const *c,
                            int n, lfh_func_sig *sig, lf_error *err) {
  int64_t scale = 0;
  int known = 1;
  if (t[0] == LFH_TYPE_BIGINT) sig->ret = sig->cast[0] = LFH_TYPE_BIGINT;
  else if (lfh_fn_arg_double(fn, t, 0, sig, err) < 0) return LF_ERR_INVALID;
  else sig->ret = LFH_TYPE_DOUBLE;
  if (n > 1) {
    if (lfh_fn_arg_bigint(fn, t, 1, sig, err) < 0) return LF_ERR_INVALID;
    known = lfh_fn_const_int(c[1], &scale);
    if (known < 0)
      return lf_error_set(err, LF_ERR_INVALID, "%s: argument 2 must be a constant integer", fn);
  }
  round_prep *p = malloc(sizeof(*p));
  if (!p) return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", fn);
  p->null_scale = !known;
  p->scale = scale;
  p->even = even;
  sig->prep = p;
  sig->prep_free = free;
  return LF_OK;
}

static int resolve_round(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                         lf_error *err) {
  return resolve_round_as("round", 0, t, c, n, sig, err);
}
static int resolve_bround(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                          lf_error *err) {
  return resolve_round_as("bround", 1, t, c, n, sig, err);
}

/* Whether a magnitude whose dropped part compares to one half as `cmp` (<0, 0, >0) rounds
 * up, given the parity of the kept part. */
static int round_up(int cmp, int odd, int even) { return cmp > 0 || (cmp == 0 && (!even || odd)); }

/* BIGINT at a negative scale, in 128 bits; the result wraps to 64 bits as Spark's
 * BigDecimal.toLong does when it overflows. */
static int64_t round_bigint(int64_t x, int64_t scale, int even) {
  if (scale >= 0) return x;
  if (scale < -38) return 0;
  unsigned __int128 p = 1, mag = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
  for (int64_t k = 0; k < -scale; k++) p *= 10;
  unsigned __int128 q = mag / p, rem = mag % p, twice = rem * 2;
  if (round_up(twice > p ? 1 : twice == p ? 0 : -1, (int)(q & 1), even)) q++;
  uint64_t res = (uint64_t)(q * p);
  return (int64_t)(x < 0 ? 0 - res : res);
}

static const double k_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Spark rounds BigDecimal(x), i.e. the shortest decimal that reads back as x, not the
 * binary value (round(2.675, 2) = 2.68). The slow path rounds that decimal's digits. */
static double round_digits(double ax, int64_t scale, int even) {
  char buf[40], out[48];
  /* A double's shortest decimal has at most 17 digits; when one of at most 15 exists,
   * the 15-digit rendering is it padded with zeros, so three tries find it. */
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*e", prec - 1, ax);
    if (strtod(buf, NULL) == ax) break;
  }
  char digits[20];
  int nd = 0;
  for (const char *p = buf; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') digits[nd++] = *p;
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  int exp10 = atoi(strchr(buf, 'e') + 1);
  int64_t keep = exp10 + scale + 1; /* digits at or above the 10^-scale place */
  if (keep >= nd) return ax;
  if (keep < 0) return 0.0;
  uint64_t kept = 0;
  for (int64_t i = 0; i < keep; i++) kept = kept * 10 + (uint64_t)(digits[i] - '0');
  /* Shortest digits have no trailing zeros, so "5" alone is exactly one half. */
  int cmp = digits[keep] > '5' ? 1 : digits[keep] < '5' ? -1 : (keep + 1 < nd ? 1 : 0);
  if (round_up(cmp, (int)(kept & 1), even)) kept++;
  snprintf(out, sizeof out, "%llue%lld", (unsigned long long)kept, (long long)-scale);
  return strtod(out, NULL);
}

static double round_double(double x, int64_t scale, int even) {
  if (!isfinite(x) || x == 0) return x;
  if (scale > 400) return x;
  if (scale < -400) return 0.0;
  double ax = fabs(x), res;
  if (scale >= -22 && scale <= 22) {
    double p = k_pow10[scale < 0 ? -scale : scale];
    double y = scale >= 0 ? ax * p : ax / p;
    /* y is within |y|·2^-52 of the decimal's scaled value; away from a tie the rounding
     * direction is certain and dividing two exact values rounds correctly. */
    if (y < 0x1p52) {
      double fl = floor(y), dist = fabs(y - fl - 0.5);
      if (dist > ldexp(y, -50) + 0x1p-60) {
        double r = y - fl > 0.5 ? fl + 1 : fl;
        res = scale >= 0 ? r / p : r * p;
        return x < 0 && res != 0 ? -res : res; /* BigDecimal has no -0 */
      }
    }
  }
  res = round_digits(ax, scale, even);
  return x < 0 && res != 0 ? -res : res;
}

static int eval_round(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  const round_prep *p = ctx->sig->prep;
  if (lfh_fn_out(ctx, ctx->sig->ret, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int64_t k = LFH_ROW(&a[0], r);
    out->valid[r] = (uint8_t)(LFH_VALID(&a[0], r) && !p->null_scale);
    if (!out->valid[r]) out->u.i[r] = 0;
    else if (out->type == LFH_TYPE_BIGINT) out->u.i[r] = round_bigint(a[0].u.i[k], p->scale, p->even);
    else out->u.d[r] = round_double(a[0].u.d[k], p->scale, p->even);
  }
  return LF_OK;
}

/* ------------------------------------------------------------ floor, ceil */

static int resolve_floor(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                         lf_error *err) {
  (void)c;
  (void)n;
  sig->ret = LFH_TYPE_BIGINT;
  if (t[0] == LFH_TYPE_BIGINT) sig->cast[0] = LFH_TYPE_BIGINT;
  else if (lfh_fn_arg_double("floor/ceil", t, 0, sig, err) < 0) return LF_ERR_INVALID;
  return LF_OK;
}

/* Java's (long) cast: NaN → 0, out of range → the nearest limit. */
static int64_t to_long(double d) {
  if (d != d) return 0;
  if (d >= 0x1p63) return INT64_MAX;
  if (d <= -0x1p63) return INT64_MIN;
  return (int64_t)d;
}

static int eval_floor_ceil(lfh_func_ctx *ctx, const lfh_vec *a, int up, lfh_vec *out) {
  if (lfh_fn_out(ctx, LFH_TYPE_BIGINT, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int64_t k = LFH_ROW(&a[0], r);
    out->valid[r] = (uint8_t)LFH_VALID(&a[0], r);
    if (a[0].type == LFH_TYPE_BIGINT) out->u.i[r] = a[0].u.i[k];
    else out->u.i[r] = to_long(up ? ceil(a[0].u.d[k]) : floor(a[0].u.d[k]));
  }
  return LF_OK;
}
static int eval_floor(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  return eval_floor_ceil(ctx, a, 0, out);
}
static int eval_ceil(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  return eval_floor_ceil(ctx, a, 1, out);
}

/* ------------------------------------------------------------ greatest, least */

/* The type two argument types meet at, or LFH_TYPE_NULL (0) when they do not. */
static uint32_t common_type(uint32_t a, uint32_t b) {
  if (a == LFH_TYPE_NULL) return b;
  if (b == LFH_TYPE_NULL || a == b) return a;
  if ((a == LFH_TYPE_BIGINT && b == LFH_TYPE_DOUBLE) || (a == LFH_TYPE_DOUBLE && b == LFH_TYPE_BIGINT))
    return LFH_TYPE_DOUBLE;
  if ((a == LFH_TYPE_DATE && b == LFH_TYPE_TIMESTAMP) || (a == LFH_TYPE_TIMESTAMP && b == LFH_TYPE_DATE))
    return LFH_TYPE_TIMESTAMP;
  return UINT32_MAX;
}

static int resolve_extreme(const char *fn, const uint32_t *t, int n, lfh_func_sig *sig,
                           lf_error *err) {
  uint32_t ct = LFH_TYPE_NULL;
  for (int i = 0; i < n; i++) {
    uint32_t next = common_type(ct, t[i]);
    if (next == UINT32_MAX || t[i] == LFH_TYPE_ARRAY)
      return lf_error_set(err, LF_ERR_INVALID,
                          "%s: arguments must have a common type, got %s and %s", fn,
                          lfh_fn_type(ct), lfh_fn_type(t[i]));
    ct = next;
  }
  sig->ret = ct;
  for (int i = 0; i < n; i++) sig->cast[i] = ct;
  return LF_OK;
}

static int resolve_greatest(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                            lf_error *err) {
  (void)c;
  return resolve_extreme("greatest", t, n, sig, err);
}
static int resolve_least(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                         lf_error *err) {
  (void)c;
  return resolve_extreme("least", t, n, sig, err);
}

/* Spark's ordering of doubles: NaN above every other value, NaN equal to NaN. */
static int cmp_double(double x, double y) {
  if (x != x) return y != y ? 0 : 1;
  if (y != y) return -1;
  return (x > y) - (x < y);
}

/* Compares row i of vector a with row j of vector b (same type). */
static int cmp_rows(const lfh_vec *a, int64_t i, const lfh_vec *b, int64_t j) {
  i = LFH_ROW(a, i);
  j = LFH_ROW(b, j);
  switch (a->type) {
  case LFH_TYPE_BOOLEAN: return (a->u.b[i] > b->u.b[j]) - (a->u.b[i] < b->u.b[j]);
  case LFH_TYPE_DOUBLE: return cmp_double(a->u.d[i], b->u.d[j]);
  case LFH_TYPE_DATE: return (a->u.days[i] > b->u.days[j]) - (a->u.days[i] < b->u.days[j]);
  case LFH_TYPE_STRING:
  case LFH_TYPE_BINARY: {
    size_t na, nb;
    const char *sa = lfh_fn_str(a, i, &na), *sb = lfh_fn_str(b, j, &nb);
    int c = memcmp(sa, sb, na < nb ? na : nb);
    return c ? (c > 0) - (c < 0) : (na > nb) - (na < nb);
  }
  default: return (a->u.i[i] > b->u.i[j]) - (a->u.i[i] < b->u.i[j]);
  }
}

/* Row r of `src` into row o of `out`; a zero value when src is NULL (a NULL row). */
static void copy_value(const lfh_vec *src, int64_t r, lfh_vec *out, int64_t o) {
  int64_t k = src ? LFH_ROW(src, r) : 0;
  switch (out->type) {
  case LFH_TYPE_BOOLEAN: case LFH_TYPE_NULL: out->u.b[o] = src ? src->u.b[k] : 0; break;
  case LFH_TYPE_DOUBLE: out->u.d[o] = src ? src->u.d[k] : 0; break;
  case LFH_TYPE_DATE: out->u.days[o] = src ? src->u.days[k] : 0; break;
  default: out->u.i[o] = src ? src->u.i[k] : 0; break;
  }
}

static int eval_extreme(lfh_func_ctx *ctx, const lfh_vec *a, int n, int sign, lfh_vec *out) {
  lfh_strout so;
  uint32_t t = ctx->sig->ret;
  int str = t == LFH_TYPE_STRING || t == LFH_TYPE_BINARY;
  if (lfh_fn_out(ctx, t, out) < 0) return LF_ERR_NOMEM;
  if (str && lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, "greatest");
  for (int64_t r = 0; r < ctx->rows; r++) {
    const lfh_vec *best = NULL;
    for (int i = 0; i < n; i++)
      if (LFH_VALID(&a[i], r) && (!best || cmp_rows(&a[i], r, best, r) * sign > 0)) best = &a[i];
    if (str) {
      size_t len = 0;
      const char *s = best ? lfh_fn_str(best, r, &len) : NULL;
      if (!best) lfh_strout_null(&so);
      else if (lfh_strout_add(&so, s, len) < 0) return lfh_fn_nomem(ctx, "greatest");
      continue;
    }
    out->valid[r] = best != NULL;
    copy_value(best, r, out, r);
  }
  if (str) lfh_strout_end(&so);
  return LF_OK;
}

static int eval_greatest(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  return eval_extreme(ctx, a, n, 1, out);
}
static int eval_least(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  return eval_extreme(ctx, a, n, -1, out);
}

/* ------------------------------------------------------------ table */

const lfh_func lfh_func_math_table[] = {
    {"abs", 1, 1, resolve_abs, eval_abs, "abs(expr) → BIGINT | DOUBLE | INTERVAL",
     "The absolute value; abs of the smallest BIGINT is itself (it wraps, as in Spark). "
     "NULL in, NULL out."},
    {"round", 1, 2, resolve_round, eval_round, "round(expr[, d]) → BIGINT | DOUBLE",
     "`expr` rounded to `d` decimal places (default 0; negative rounds to tens, hundreds...) "
     "with HALF_UP rounding (halves away from zero). BIGINT stays BIGINT. `d` must be a "
     "constant. NULL if `expr` or `d` is NULL."},
    {"bround", 1, 2, resolve_bround, eval_round, "bround(expr[, d]) → BIGINT | DOUBLE",
     "As round, with HALF_EVEN rounding (halves to the even neighbour)."},
    {"floor", 1, 1, resolve_floor, eval_floor, "floor(expr) → BIGINT",
     "The largest integer not greater than `expr`. NULL in, NULL out."},
    {"ceil", 1, 1, resolve_floor, eval_ceil, "ceil(expr) → BIGINT",
     "The smallest integer not less than `expr`. NULL in, NULL out."},
    {"ceiling", 1, 1, resolve_floor, eval_ceil, "ceiling(expr) → BIGINT", "Same as ceil."},
    {"greatest", 2, -1, resolve_greatest, eval_greatest, "greatest(expr, expr, ...) → common type",
     "The largest argument, skipping NULLs; NULL only when every argument is NULL."},
    {"least", 2, -1, resolve_least, eval_least, "least(expr, expr, ...) → common type",
     "The smallest argument, skipping NULLs; NULL only when every argument is NULL."},
    {0}};
