/*
 * lfh_func_internal — what the files of the SQL function library (lfh_func_*.c) share:
 * argument checks for resolve, UTF-8 and calendar arithmetic, and Spark datetime
 * patterns. Not for use outside the function library.
 *
 * Each lfh_func_<area>.c exports one table (terminated by a row with name NULL) that
 * lfh_func_registry.c lists.
 */
#ifndef LFH_FUNC_INTERNAL_H
#define LFH_FUNC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "expr/lfh_expr_vec.h"
#include "lf/lf_array.h"

extern const lfh_func lfh_func_string_table[];
extern const lfh_func lfh_func_regex_table[];
extern const lfh_func lfh_func_hash_table[];
extern const lfh_func lfh_func_math_table[];
extern const lfh_func lfh_func_time_table[];

/* ------------------------------------------------------------ resolve helpers */

/* "BOOLEAN", "BIGINT", ... for messages (the library's own copy, so it links without
 * the compiler modules). */
const char *lfh_fn_type(uint32_t type);

/* The shapes an argument may be coerced to. Each sets sig->cast[i] when types[i] is
 * accepted (directly or through an implicit cast Spark would do) and otherwise fails
 * with "<fn>: argument <i+1> must be <WHAT>, got <TYPE>". */
int lfh_fn_arg_string(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                      lf_error *err);
/* STRING or BINARY kept as they are; other scalars cast to STRING. */
int lfh_fn_arg_string_or_binary(const char *fn, const uint32_t *types, int i,
                                lfh_func_sig *sig, lf_error *err);
int lfh_fn_arg_bigint(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                      lf_error *err);
int lfh_fn_arg_double(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                      lf_error *err);
int lfh_fn_arg_timestamp(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                         lf_error *err);
int lfh_fn_arg_date(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                    lf_error *err);

/* A constant argument's value. 1 with the value, 0 when the constant is NULL, -1 when
 * the argument is not a constant (or not of a convertible type). Strings are borrowed
 * from the constant (not NUL-terminated). */
int lfh_fn_const_str(const lfh_vec *c, const char **p, size_t *n);
int lfh_fn_const_int(const lfh_vec *c, int64_t *v);

/* ------------------------------------------------------------ eval helpers */

/* The output vector: ctx->rows rows of `type`, with a validity array. */
int lfh_fn_out(lfh_func_ctx *ctx, uint32_t type, lfh_vec *out);
/* Row r of a STRING/BINARY vector. */
static inline const char *lfh_fn_str(const lfh_vec *v, int64_t r, size_t *n) {
  int64_t k = LFH_ROW(v, r);
  *n = (size_t)(v->u.s.off[k + 1] - v->u.s.off[k]);
  return v->u.s.data + v->u.s.off[k];
}
/* 1 when every argument is valid at row r. */
static inline int lfh_fn_all_valid(const lfh_vec *args, int n, int64_t r) {
  for (int i = 0; i < n; i++)
    if (!LFH_VALID(&args[i], r)) return 0;
  return 1;
}
int lfh_fn_nomem(lfh_func_ctx *ctx, const char *fn);

/* ------------------------------------------------------------ UTF-8 */

/* Code points in p[0, n): every byte that is not a continuation byte starts one, so
 * invalid UTF-8 still counts each stray lead byte once. */
int64_t lfh_utf8_count(const char *p, size_t n);
/* The byte offset after the first k code points of p[0, n) (n when there are fewer). */
size_t lfh_utf8_skip(const char *p, size_t n, int64_t k);

/* ------------------------------------------------------------ calendar (proleptic Gregorian, UTC) */

#define LFH_US_PER_SEC INT64_C(1000000)
#define LFH_US_PER_DAY INT64_C(86400000000)

static inline int64_t lfh_floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static inline int64_t lfh_floormod(int64_t a, int64_t b) { return a - lfh_floordiv(a, b) * b; }

int lfh_is_leap(int64_t year);
int lfh_days_in_month(int64_t year, int month);
/* Days since 1970-01-01 of year-month-day (month 1..12, day 1..31; not validated). */
int64_t lfh_days_from_civil(int64_t y, int m, int d);
void lfh_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* 1 = Monday ... 7 = Sunday (ISO). */
int lfh_iso_weekday(int64_t days);

/* A broken-down UTC timestamp. */
typedef struct lfh_tm {
  int64_t year;
  int month, day;       /* 1-based */
  int hour, min, sec;
  int32_t micros;       /* 0..999999 */
  int64_t days;         /* days since the epoch */
} lfh_tm;

void lfh_tm_from_us(int64_t us, lfh_tm *tm);
/* The microseconds of a validated date-time minus `offset_sec`; 0 or -1 on overflow. */
int lfh_tm_to_us(int64_t year, int month, int day, int hour, int min, int sec, int32_t micros,
                 int32_t offset_sec, int64_t *us);

/* Spark's CAST(string AS TIMESTAMP) / CAST(string AS DATE): ISO 8601-like forms
 * ("2024-03-05", "2024-03-05 10:11:12.345", "2024-03-05T10:11:12Z", "... +05:30"), with
 * surrounding whitespace. 1 with the value, 0 when the text does not parse. */
int lfh_parse_iso_timestamp(const char *p, size_t n, int64_t *us);
/* Drops leading and trailing spaces and control characters, as Spark's casts do. */
void lfh_trim_space(const char **p, size_t *n);
int lfh_parse_iso_date(const char *p, size_t n, int32_t *days);

/* ------------------------------------------------------------ datetime patterns */

/* A compiled Spark datetime pattern ("yyyy-MM-dd HH:mm:ss.SSS"): a list of fields and
 * literals. Literals point into the pattern text, which must outlive the compiled form. */
#define LFH_DTF_MAX 48

typedef struct lfh_dtf_item {
  char letter;          /* a pattern letter, 0 for a literal, '[' / ']' for optional parts */
  uint8_t count;        /* letters repeated */
  uint16_t len;         /* literal length */
  const char *lit;      /* literal bytes */
} lfh_dtf_item;

typedef struct lfh_dtf {
  int n;
  lfh_dtf_item item[LFH_DTF_MAX];
} lfh_dtf;

/* Compiles `pat` into *f. 0, or LF_ERR_INVALID with "<fn>: ..." naming the problem
 * (unknown letter, too many letters, unterminated quote). */
int lfh_dtf_compile(const char *fn, const char *pat, size_t n, lfh_dtf *f, lf_error *err);
/* Parses the whole of s[0, n) as `f`; 1 with microseconds since the epoch, 0 when the
 * text does not match or names an invalid date or time. */
int lfh_dtf_parse(const lfh_dtf *f, const char *s, size_t n, int64_t *us);
/* Formats `us` (UTC) as `f` into buf; the length, or -1 when it does not fit. */
int lfh_dtf_format(const lfh_dtf *f, int64_t us, char *buf, size_t cap);
/* Upper bound of lfh_dtf_format's output for `f`. */
size_t lfh_dtf_max_len(const lfh_dtf *f);

/* A prepared format argument: compiled once when the argument is a constant. `state`:
 * 1 compiled, 0 the constant is NULL (every row NULL), -1 not constant (compile per
 * row). Owns a copy of the pattern text. */
typedef struct lfh_dtf_prep {
  int state;
  lfh_dtf f;
  char text[];
} lfh_dtf_prep;

/* Compiles constant argument `c` (or records that it is NULL / not constant) into a
 * malloc'd prep, owned by the caller (free()). `dflt` is used when c is absent (NULL
 * pointer and `absent`). */
int lfh_dtf_prep_new(const char *fn, const lfh_vec *c, int absent, const char *dflt,
                     lfh_dtf_prep **out, lf_error *err);
/* The compiled pattern for row r: the prepared one, or `scratch` compiled from the
 * row's text. NULL when the row's pattern is NULL or invalid (the row is NULL). */
const lfh_dtf *lfh_dtf_for_row(const lfh_dtf_prep *p, const lfh_vec *fmt, int64_t r,
                               lfh_dtf *scratch);

#endif
