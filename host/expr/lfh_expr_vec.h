/*
 * lfh_expr_vec — the column vectors the expression engine evaluates on, the arena they
 * live in, and the interface of the function library (lfh_func_*.c).
 *
 * A vector is one typed column of a batch, or one constant broadcast to every row
 * (is_const; len 1). Validity is one byte per row (1 = valid) rather than a bitmap, so
 * kernels are straight loops the compiler vectorises; NULL `valid` means every row is
 * valid. Everything a vector points to lives in the evaluation's arena or is borrowed
 * from the input batch (string columns are zero-copy), so kernels never free.
 */
#ifndef LFH_EXPR_VEC_H
#define LFH_EXPR_VEC_H

#include <stddef.h>
#include <stdint.h>

#include "expr/lfh_expr.h"

/* ------------------------------------------------------------ arena */

/* Bump allocator for one evaluation: reset (not freed) between batches so a steady
 * stream of same-sized batches allocates nothing after the first. */
typedef struct lfh_arena lfh_arena;

lfh_arena *lfh_arena_new(void);
void lfh_arena_free(lfh_arena *a);
/* Everything allocated since the last reset becomes invalid; memory is kept. */
void lfh_arena_reset(lfh_arena *a);
/* `size` bytes aligned to 16, uninitialised; NULL when out of memory. */
void *lfh_arena_alloc(lfh_arena *a, size_t size);
void *lfh_arena_zalloc(lfh_arena *a, size_t size);
/* Grows the most recent allocation `p` (of `old` bytes) to `size` bytes, in place when it
 * can, keeping its content; for string outputs of unknown size. NULL when out of memory
 * (`p` stays valid). `p` NULL allocates. */
void *lfh_arena_grow(lfh_arena *a, void *p, size_t old, size_t size);

/* ------------------------------------------------------------ vectors */

typedef struct lfh_vec {
  uint32_t type;   /* an lfh_type */
  int is_const;    /* one value for every row: index 0 holds it */
  int64_t len;     /* rows (1 when is_const) */
  uint8_t *valid;  /* one byte per row, 1 = valid; NULL = all valid */
  union {
    uint8_t *b;    /* BOOLEAN: 0 or 1 per row */
    int64_t *i;    /* BIGINT, TIMESTAMP, INTERVAL */
    int32_t *days; /* DATE */
    double *d;     /* DOUBLE */
    struct {       /* STRING, BINARY: row r is data[off[r], off[r + 1]) */
      const int32_t *off;
      const char *data;
    } s;
    struct {       /* ARRAY (of STRING): row r holds items rows [off[r], off[r + 1]) */
      const int32_t *off;
      const struct lfh_vec *items; /* a STRING vector */
    } a;
  } u;
} lfh_vec;

/* The row index to read for row r: 0 for a constant. */
#define LFH_ROW(v, r) ((v)->is_const ? 0 : (r))
#define LFH_VALID(v, r) (!(v)->valid || (v)->valid[LFH_ROW(v, r)])

/* A vector of `rows` rows of `type` in the arena: data uninitialised, `valid` NULL unless
 * `with_valid` (then uninitialised too). STRING/BINARY/ARRAY get `rows + 1` offsets and
 * no data (fill with lfh_strout). 0 or LF_ERR_NOMEM. */
int lfh_vec_alloc(lfh_arena *a, uint32_t type, int64_t rows, int with_valid, lfh_vec *out);

/* A growing string output in the arena: call lfh_strout_begin, then for each row r in
 * order lfh_strout_add (or lfh_strout_null) exactly once, then lfh_strout_end. */
typedef struct lfh_strout {
  lfh_arena *arena;
  lfh_vec *v;     /* a STRING or BINARY vector from lfh_vec_alloc (with_valid 1) */
  char *data;
  size_t len, cap;
  int64_t row;
} lfh_strout;

int lfh_strout_begin(lfh_strout *so, lfh_arena *a, lfh_vec *v);
int lfh_strout_add(lfh_strout *so, const char *p, size_t n);  /* 0 or LF_ERR_NOMEM */
/* Reserves n bytes for the next row's value and returns where to write them; the row is
 * closed by lfh_strout_commit with the bytes actually written (<= n). */
char *lfh_strout_reserve(lfh_strout *so, size_t n);
void lfh_strout_commit(lfh_strout *so, size_t used);
void lfh_strout_null(lfh_strout *so);
void lfh_strout_end(lfh_strout *so);

/* ------------------------------------------------------------ functions */

#define LFH_FUNC_MAX_ARGS 16

/* What a function decided when the expression was compiled. */
typedef struct lfh_func_sig {
  uint32_t ret;                             /* result type */
  uint32_t cast[LFH_FUNC_MAX_ARGS];         /* each argument is cast to this type first */
  int never_null;                           /* result has no NULLs whatever the input */
  void *prep;                               /* prepared state (compiled regex, format) */
  void (*prep_free)(void *prep);            /* releases `prep`; NULL when nothing to free */
} lfh_func_sig;

/* Everything an evaluation passes a kernel. */
typedef struct lfh_func_ctx {
  const lfh_func_sig *sig;
  int64_t rows;       /* rows of the batch; arguments are `rows` long or constant */
  int64_t now_us;     /* current_timestamp() for this evaluation */
  lfh_arena *arena;   /* for the output vector and any scratch */
  lf_error *err;
} lfh_func_ctx;

typedef struct lfh_func {
  const char *name;   /* lower case, as written in SQL */
  int min_args;
  int max_args;       /* -1: any number >= min_args */
  /* Resolves the result type and argument casts from the argument types (`types[i]`,
   * LFH_TYPE_NULL for a NULL literal) and constant arguments (`consts[i]` is the value of
   * argument i when it is a constant, already of type types[i], else NULL). Errors are
   * LF_ERR_INVALID with a message that names the function and the argument
   * ("regexp_extract: argument 2 must be a constant string"); the engine adds the
   * position. Must set sig->ret and every sig->cast[i] (to types[i] for no cast). */
  int (*resolve)(const uint32_t *types, const lfh_vec *const *consts, int n, lfh_func_sig *sig,
                 lf_error *err);
  /* Fills `out` with ctx->rows rows of sig->ret (allocated in ctx->arena). Arguments are
   * already cast; each is either ctx->rows long or constant. Data problems give NULL
   * rows; only LF_ERR_NOMEM (and internal errors) are errors. */
  int (*eval)(lfh_func_ctx *ctx, const lfh_vec *args, int n, lfh_vec *out);
  const char *synopsis; /* "substr(str, pos[, len]) → STRING" */
  const char *doc;      /* one or two sentences, including NULL behaviour */
} lfh_func;

/* The function named `name` (case-insensitive), or NULL. */
const lfh_func *lfh_func_lookup(const char *name, size_t len);
/* The i-th function of the library (NULL past the end), for docs and suggestions. */
const lfh_func *lfh_func_at(size_t i);

#endif
