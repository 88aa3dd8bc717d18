/*
 * test_expr_func.h — a fixture for calling the SQL function library directly, the way
 * the engine does (lfh_func_lookup → resolve → eval), over hand-built vectors: full
 * columns, constants (is_const), NULL rows and sliced string data. Shared by the
 * test_expr_func_*.c programs; everything is static, each program includes it once.
 */
#ifndef TEST_EXPR_FUNC_H
#define TEST_EXPR_FUNC_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "expr/lfh_expr_vec.h"
#include "lf/lf_array.h"
#include "lfh_test.h"

typedef struct fx {
  lfh_arena *arena;
  const lfh_func *f;
  lfh_func_sig sig;
  int resolved;
  int64_t rows;     /* 0: the longest non-constant argument (1 when all are constant) */
  int64_t now_us;
  lfh_vec out;
  char msg[256];
  lf_error err;
} fx;

static inline void fx_init(fx *x) {
  memset(x, 0, sizeof(*x));
  x->arena = lfh_arena_new();
  lf_error_init(&x->err, x->msg, sizeof x->msg);
  CU_ASSERT_PTR_NOT_NULL_FATAL(x->arena);
}

/* Releases the prepared state of the last call (as the engine does when it frees an
 * expression); the arena is kept for the next call. */
static inline void fx_release(fx *x) {
  if (x->resolved && x->sig.prep_free) x->sig.prep_free(x->sig.prep);
  memset(&x->sig, 0, sizeof x->sig);
  x->resolved = 0;
}

static inline void fx_done(fx *x) {
  fx_release(x);
  lfh_arena_free(x->arena);
}

/* ------------------------------------------------------------ vectors */

/* Parses a validity mask: NULL = all valid, else '1'/'0' per row. */
static inline uint8_t *fx_mask(fx *x, int64_t n, const char *mask) {
  if (!mask) return NULL;
  uint8_t *v = lfh_arena_alloc(x->arena, (size_t)n);
  for (int64_t r = 0; r < n; r++) v[r] = mask[r] == '1';
  return v;
}

/* A STRING vector of n rows; a NULL entry is a NULL row. `skip` garbage rows precede it
 * and the offsets start past them, as in a sliced Arrow array. */
static inline lfh_vec fx_str_sliced(fx *x, int n, const char *const *vals, int skip) {
  lfh_vec v;
  memset(&v, 0, sizeof v);
  v.type = LFH_TYPE_STRING;
  v.len = n;
  size_t total = 16 * (size_t)skip;
  for (int r = 0; r < n; r++) total += vals[r] ? strlen(vals[r]) : 0;
  char *data = lfh_arena_alloc(x->arena, total + 1);
  int32_t *off = lfh_arena_alloc(x->arena, sizeof(int32_t) * (size_t)(n + skip + 1));
  v.valid = lfh_arena_alloc(x->arena, (size_t)n);
  size_t at = 0;
  off[0] = 0;
  for (int r = 0; r < skip; r++) {
    memcpy(data + at, "garbage-garbage!", 16);
    at += 16;
    off[r + 1] = (int32_t)at;
  }
  for (int r = 0; r < n; r++) {
    size_t len = vals[r] ? strlen(vals[r]) : 0;
    memcpy(data + at, vals[r] ? vals[r] : "", len);
    at += len;
    off[skip + r + 1] = (int32_t)at;
    v.valid[r] = vals[r] != NULL;
  }
  v.u.s.off = off + skip;
  v.u.s.data = data;
  return v;
}

static inline lfh_vec fx_str(fx *x, int n, const char *const *vals) { return fx_str_sliced(x, n, vals, 0); }

/* A constant STRING (NULL s: a NULL constant). */
static inline lfh_vec fx_cstr(fx *x, const char *s) {
  const char *vals[1] = {s};
  lfh_vec v = fx_str(x, 1, vals);
  v.is_const = 1;
  return v;
}

static inline lfh_vec fx_bin(fx *x, int n, const char *const *vals) {
  lfh_vec v = fx_str(x, n, vals);
  v.type = LFH_TYPE_BINARY;
  return v;
}

static inline lfh_vec fx_i64(fx *x, uint32_t type, int n, const int64_t *vals, const char *mask) {
  lfh_vec v;
  memset(&v, 0, sizeof v);
  v.type = type;
  v.len = n;
  v.valid = fx_mask(x, n, mask);
  v.u.i = lfh_arena_alloc(x->arena, sizeof(int64_t) * (size_t)n);
  memcpy(v.u.i, vals, sizeof(int64_t) * (size_t)n);
  return v;
}

static inline lfh_vec fx_int(fx *x, int n, const int64_t *vals, const char *mask) {
  return fx_i64(x, LFH_TYPE_BIGINT, n, vals, mask);
}

static inline lfh_vec fx_cint(fx *x, int64_t v) {
  lfh_vec c = fx_int(x, 1, &v, NULL);
  c.is_const = 1;
  return c;
}

static inline lfh_vec fx_dbl(fx *x, int n, const double *vals, const char *mask) {
  lfh_vec v;
  memset(&v, 0, sizeof v);
  v.type = LFH_TYPE_DOUBLE;
  v.len = n;
  v.valid = fx_mask(x, n, mask);
  v.u.d = lfh_arena_alloc(x->arena, sizeof(double) * (size_t)n);
  memcpy(v.u.d, vals, sizeof(double) * (size_t)n);
  return v;
}

static inline lfh_vec fx_dates(fx *x, int n, const int32_t *vals, const char *mask) {
  lfh_vec v;
  memset(&v, 0, sizeof v);
  v.type = LFH_TYPE_DATE;
  v.len = n;
  v.valid = fx_mask(x, n, mask);
  v.u.days = lfh_arena_alloc(x->arena, sizeof(int32_t) * (size_t)n);
  memcpy(v.u.days, vals, sizeof(int32_t) * (size_t)n);
  return v;
}

/* A constant of a type, NULL (valid 0), as the engine hands a cast NULL literal. */
static inline lfh_vec fx_cnull(fx *x, uint32_t type) {
  lfh_vec v;
  lfh_vec_alloc(x->arena, type, 1, 1, &v);
  v.valid[0] = 0;
  v.is_const = 1;
  if (type == LFH_TYPE_STRING || type == LFH_TYPE_BINARY || type == LFH_TYPE_ARRAY) {
    ((int32_t *)v.u.s.off)[0] = ((int32_t *)v.u.s.off)[1] = 0;
    v.u.s.data = "";
  } else {
    memset(v.u.i, 0, 8);
  }
  return v;
}

/* ------------------------------------------------------------ calls */

/* Resolves `name` over the argument types (constants passed as such). LF_OK or the
 * resolve error (message in x->msg). */
static inline int fx_resolve(fx *x, const char *name, int n, const lfh_vec *args) {
  uint32_t types[LFH_FUNC_MAX_ARGS];
  const lfh_vec *consts[LFH_FUNC_MAX_ARGS];
  fx_release(x);
  x->msg[0] = '\0';
  x->f = lfh_func_lookup(name, strlen(name));
  CU_ASSERT_PTR_NOT_NULL_FATAL(x->f);
  CU_ASSERT_FATAL(n >= x->f->min_args && (x->f->max_args < 0 || n <= x->f->max_args));
  for (int i = 0; i < n; i++) {
    types[i] = args[i].type;
    consts[i] = args[i].is_const ? &args[i] : NULL;
  }
  int rc = x->f->resolve(types, consts, n, &x->sig, &x->err);
  x->resolved = 1;
  return rc;
}

/* Resolves and evaluates; the arguments must already have the types resolve asks for
 * (a LFH_TYPE_NULL argument becomes a NULL constant of the requested type). */
static inline int fx_call(fx *x, const char *name, int n, lfh_vec *args) {
  int rc = fx_resolve(x, name, n, args);
  if (rc < 0) return rc;
  int64_t rows = x->rows;
  for (int i = 0; i < n; i++) {
    if (args[i].type == LFH_TYPE_NULL) args[i] = fx_cnull(x, x->sig.cast[i]);
    CU_ASSERT_EQUAL_FATAL(x->sig.cast[i], args[i].type);
    if (!x->rows && !args[i].is_const && args[i].len > rows) rows = args[i].len;
  }
  if (!rows) rows = 1;
  lfh_func_ctx ctx = {&x->sig, rows, x->now_us, x->arena, &x->err};
  rc = x->f->eval(&ctx, args, n, &x->out);
  if (rc == 0) {
    CU_ASSERT_EQUAL(x->out.type, x->sig.ret);
    CU_ASSERT_EQUAL(x->out.len, rows);
    CU_ASSERT_FALSE(x->out.is_const);
  }
  return rc;
}

/* ------------------------------------------------------------ checks (report, then the
 * caller's CU_ASSERT records the line) */

static inline int fx_valid(const lfh_vec *v, int64_t r) { return !v->valid || v->valid[r]; }

static inline int out_null(const fx *x, int64_t r) {
  if (!fx_valid(&x->out, r)) return 1;
  fprintf(stderr, "  %s row %lld: expected NULL\n", x->f->name, (long long)r);
  return 0;
}

static inline int vec_str_is(const lfh_vec *v, int64_t r, const char *want, const char *fn) {
  if (!fx_valid(v, r)) {
    fprintf(stderr, "  %s row %lld: NULL, expected '%s'\n", fn, (long long)r, want);
    return 0;
  }
  size_t n = (size_t)(v->u.s.off[r + 1] - v->u.s.off[r]);
  if (n == strlen(want) && memcmp(v->u.s.data + v->u.s.off[r], want, n) == 0) return 1;
  fprintf(stderr, "  %s row %lld: '%.*s', expected '%s'\n", fn, (long long)r, (int)n,
          v->u.s.data + v->u.s.off[r], want);
  return 0;
}

static inline int out_str(const fx *x, int64_t r, const char *want) {
  return vec_str_is(&x->out, r, want, x->f->name);
}

static inline int out_int(const fx *x, int64_t r, int64_t want) {
  if (fx_valid(&x->out, r) && x->out.u.i[r] == want) return 1;
  fprintf(stderr, "  %s row %lld: %s%lld, expected %lld\n", x->f->name, (long long)r,
          fx_valid(&x->out, r) ? "" : "NULL/", (long long)x->out.u.i[r], (long long)want);
  return 0;
}

static inline int out_dbl(const fx *x, int64_t r, double want) {
  double got = x->out.u.d[r];
  if (fx_valid(&x->out, r) && (got == want || (isnan(got) && isnan(want))) &&
      signbit(got) == signbit(want))
    return 1;
  fprintf(stderr, "  %s row %lld: %s%.17g, expected %.17g\n", x->f->name, (long long)r,
          fx_valid(&x->out, r) ? "" : "NULL/", got, want);
  return 0;
}

static inline int out_bool(const fx *x, int64_t r, int want) {
  if (fx_valid(&x->out, r) && x->out.u.b[r] == want) return 1;
  fprintf(stderr, "  %s row %lld: %s%d, expected %d\n", x->f->name, (long long)r,
          fx_valid(&x->out, r) ? "" : "NULL/", x->out.u.b[r], want);
  return 0;
}

static inline int out_days(const fx *x, int64_t r, int32_t want) {
  if (fx_valid(&x->out, r) && x->out.u.days[r] == want) return 1;
  fprintf(stderr, "  %s row %lld: %s%d, expected %d\n", x->f->name, (long long)r,
          fx_valid(&x->out, r) ? "" : "NULL/", x->out.u.days[r], want);
  return 0;
}

/* The resolve error message contains `part`. */
static inline int msg_has(const fx *x, const char *part) {
  if (strstr(x->msg, part)) return 1;
  fprintf(stderr, "  message '%s' lacks '%s'\n", x->msg, part);
  return 0;
}

#endif
