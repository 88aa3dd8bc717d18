/* lfh_func_time.c — date and time functions: to_timestamp to_date date_trunc trunc
 * date_format year quarter month day dayofweek dayofyear weekofyear hour minute second
 * unix_timestamp from_unixtime current_timestamp current_date date_add date_sub datediff.
 *
 * The session time zone is UTC, always: TIMESTAMP values are instants and every field
 * read from or written to text is UTC; text with a zone offset is converted to UTC.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/lfh_func_internal.h"

#define DEFAULT_FORMAT "yyyy-MM-dd HH:mm:ss"

static int64_t days_of(const lfh_vec *v, int64_t r) {
  int64_t k = LFH_ROW(v, r);
  return v->type == LFH_TYPE_DATE ? v->u.days[k] : lfh_floordiv(v->u.i[k], LFH_US_PER_DAY);
}

/* A format argument `i` (absent when i >= n) prepared into sig->prep. */
static int prep_format(const char *fn, const uint32_t *t, const lfh_vec *const *c, int n, int i,
                       lfh_func_sig *sig, lf_error *err) {
  lfh_dtf_prep *p;
  if (i < n && lfh_fn_arg_string(fn, t, i, sig, err) < 0) return LF_ERR_INVALID;
  int rc = lfh_dtf_prep_new(fn, i < n ? c[i] : NULL, i >= n, DEFAULT_FORMAT, &p, err);
  if (rc < 0) return rc;
  sig->prep = p;
  sig->prep_free = free;
  return LF_OK;
}

/* A string-to-instant conversion for row r: with a pattern when the function has one,
 * Spark's CAST forms otherwise. 1 with *us, 0 for NULL. */
static int parse_row(const lfh_func_ctx *ctx, const lfh_vec *a, int n, int64_t r, int64_t *us) {
  size_t len;
  const char *s = lfh_fn_str(&a[0], r, &len);
  if (!ctx->sig->prep) return lfh_parse_iso_timestamp(s, len, us);
  lfh_dtf scratch;
  const lfh_dtf *f = lfh_dtf_for_row(ctx->sig->prep, n > 1 ? &a[1] : NULL, r, &scratch);
  return f && lfh_dtf_parse(f, s, len, us);
}

/* ------------------------------------------------------------ to_timestamp, to_date */

static int resolve_to_timestamp(const uint32_t *t, const lfh_vec *const *c, int n,
                                lfh_func_sig *sig, lf_error *err) {
  sig->ret = LFH_TYPE_TIMESTAMP;
  switch (t[0]) {
  case LFH_TYPE_TIMESTAMP: case LFH_TYPE_BIGINT: case LFH_TYPE_DOUBLE: sig->cast[0] = t[0]; break;
  case LFH_TYPE_DATE: sig->cast[0] = LFH_TYPE_TIMESTAMP; break;
  default:
    if (lfh_fn_arg_string("to_timestamp", t, 0, sig, err) < 0) return LF_ERR_INVALID;
  }
  return n > 1 ? prep_format("to_timestamp", t, c, n, 1, sig, err) : LF_OK;
}

/* Seconds (BIGINT or DOUBLE) to microseconds as Spark's cast; 0 on overflow or NaN. */
static int secs_to_us(const lfh_vec *v, int64_t r, int64_t *us) {
  int64_t k = LFH_ROW(v, r);
  if (v->type == LFH_TYPE_BIGINT) return !__builtin_mul_overflow(v->u.i[k], LFH_US_PER_SEC, us);
  double d = v->u.d[k] * 1e6;
  if (!(d > -0x1p63 && d < 0x1p63)) return 0;
  *us = (int64_t)d;
  return 1;
}

static int eval_to_timestamp(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  if (lfh_fn_out(ctx, LFH_TYPE_TIMESTAMP, out) < 0) return LF_ERR_NOMEM;
  uint32_t t = a[0].type;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int64_t us = 0;
    int ok = lfh_fn_all_valid(a, t == LFH_TYPE_STRING ? n : 1, r);
    if (ok && t == LFH_TYPE_TIMESTAMP) us = a[0].u.i[LFH_ROW(&a[0], r)];
    else if (ok && t == LFH_TYPE_STRING) ok = parse_row(ctx, a, n, r, &us);
    else if (ok) ok = secs_to_us(&a[0], r, &us);
    out->valid[r] = (uint8_t)ok;
    out->u.i[r] = ok ? us : 0;
  }
  return LF_OK;
}

static int resolve_to_date(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                           lf_error *err) {
  sig->ret = LFH_TYPE_DATE;
  if (t[0] == LFH_TYPE_TIMESTAMP || t[0] == LFH_TYPE_DATE) sig->cast[0] = t[0];
  else if (t[0] == LFH_TYPE_BIGINT || t[0] == LFH_TYPE_DOUBLE || t[0] == LFH_TYPE_BOOLEAN)
    return lf_error_set(err, LF_ERR_INVALID,
                        "to_date: argument 1 must be STRING, DATE or TIMESTAMP, got %s",
                        lfh_fn_type(t[0]));
  else if (lfh_fn_arg_string("to_date", t, 0, sig, err) < 0) return LF_ERR_INVALID;
  return n > 1 ? prep_format("to_date", t, c, n, 1, sig, err) : LF_OK;
}

static int eval_to_date(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  if (lfh_fn_out(ctx, LFH_TYPE_DATE, out) < 0) return LF_ERR_NOMEM;
  uint32_t t = a[0].type;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int ok = lfh_fn_all_valid(a, t == LFH_TYPE_STRING ? n : 1, r);
    int64_t days = 0, us;
    if (ok && t != LFH_TYPE_STRING) {
      days = days_of(&a[0], r);
    } else if (ok && !ctx->sig->prep) {
      size_t len;
      const char *s = lfh_fn_str(&a[0], r, &len);
      int32_t d32 = 0;
      ok = lfh_parse_iso_date(s, len, &d32);
      days = d32;
    } else if (ok && (ok = parse_row(ctx, a, n, r, &us)) != 0) {
      days = lfh_floordiv(us, LFH_US_PER_DAY);
    }
    out->valid[r] = (uint8_t)ok;
    out->u.days[r] = (int32_t)days;
  }
  return LF_OK;
}

/* ------------------------------------------------------------ unix_timestamp, from_unixtime */

static int resolve_unix_timestamp(const uint32_t *t, const lfh_vec *const *c, int n,
                                  lfh_func_sig *sig, lf_error *err) {
  sig->ret = LFH_TYPE_BIGINT;
  sig->never_null = n == 0;
  if (n == 0) return LF_OK;
  if (t[0] == LFH_TYPE_TIMESTAMP || t[0] == LFH_TYPE_DATE) sig->cast[0] = t[0];
  else if (lfh_fn_arg_string("unix_timestamp", t, 0, sig, err) < 0) return LF_ERR_INVALID;
  return prep_format("unix_timestamp", t, c, n, 1, sig, err);
}

static int eval_unix_timestamp(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  if (lfh_fn_out(ctx, LFH_TYPE_BIGINT, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int64_t us = ctx->now_us;
    int ok = n == 0 || lfh_fn_all_valid(a, a[0].type == LFH_TYPE_STRING ? n : 1, r);
    if (ok && n > 0) {
      if (a[0].type == LFH_TYPE_TIMESTAMP) us = a[0].u.i[LFH_ROW(&a[0], r)];
      else if (a[0].type == LFH_TYPE_DATE) us = (int64_t)a[0].u.days[LFH_ROW(&a[0], r)] * LFH_US_PER_DAY;
      else ok = parse_row(ctx, a, n, r, &us);
    }
    out->valid[r] = (uint8_t)ok;
    out->u.i[r] = ok ? lfh_floordiv(us, LFH_US_PER_SEC) : 0;
  }
  return LF_OK;
}

/* Formats instants row by row; `us_of` reads row r's instant (0 when it has none). */
typedef int (*instant_fn)(const lfh_vec *a, int64_t r, int64_t *us);

static int format_rows(lfh_func_ctx *ctx, const char *fn, const lfh_vec *a, int n, instant_fn us_of,
                       lfh_vec *out) {
  lfh_strout so;
  lfh_dtf scratch;
  if (lfh_fn_out(ctx, LFH_TYPE_STRING, out) < 0) return LF_ERR_NOMEM;
  if (lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, fn);
  for (int64_t r = 0; r < ctx->rows; r++) {
    const lfh_dtf *f = lfh_dtf_for_row(ctx->sig->prep, n > 1 ? &a[1] : NULL, r, &scratch);
    int64_t us;
    if (!f || !LFH_VALID(&a[0], r) || !us_of(&a[0], r, &us)) {
      lfh_strout_null(&so);
      continue;
    }
    size_t cap = lfh_dtf_max_len(f);
    char *dst = lfh_strout_reserve(&so, cap);
    if (!dst) return lfh_fn_nomem(ctx, fn);
    int len = lfh_dtf_format(f, us, dst, cap);
    if (len < 0) return lf_error_set(ctx->err, LF_ERR_INTERNAL, "%s: format overflow", fn);
    lfh_strout_commit(&so, (size_t)len);
  }
  lfh_strout_end(&so);
  return LF_OK;
}

static int resolve_from_unixtime(const uint32_t *t, const lfh_vec *const *c, int n,
                                 lfh_func_sig *sig, lf_error *err) {
  sig->ret = LFH_TYPE_STRING;
  if (lfh_fn_arg_bigint("from_unixtime", t, 0, sig, err) < 0) return LF_ERR_INVALID;
  return prep_format("from_unixtime", t, c, n, 1, sig, err);
}

static int seconds_of(const lfh_vec *a, int64_t r, int64_t *us) { return secs_to_us(a, r, us); }

static int eval_from_unixtime(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  return format_rows(ctx, "from_unixtime", a, n, seconds_of, out);
}

static int resolve_date_format(const uint32_t *t, const lfh_vec *const *c, int n,
                               lfh_func_sig *sig, lf_error *err) {
  sig->ret = LFH_TYPE_STRING;
  if (lfh_fn_arg_timestamp("date_format", t, 0, sig, err) < 0) return LF_ERR_INVALID;
  return prep_format("date_format", t, c, n, 1, sig, err);
}

static int instant_of(const lfh_vec *a, int64_t r, int64_t *us) {
  *us = a->u.i[LFH_ROW(a, r)];
  return 1;
}

static int eval_date_format(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  return format_rows(ctx, "date_format", a, n, instant_of, out);
}

/* ------------------------------------------------------------ date_trunc, trunc */

enum { U_YEAR = 1, U_QUARTER, U_MONTH, U_WEEK, U_DAY, U_HOUR, U_MINUTE, U_SECOND, U_MILLI, U_MICRO };

/* The unit a name stands for (case-insensitive), 0 if none; `date_only` limits it to
 * trunc()'s units. */
static int unit_of(const char *s, size_t n, int date_only) {
  static const struct { const char *name; int unit; } units[] = {
      {"YEAR", U_YEAR},     {"YYYY", U_YEAR},   {"YY", U_YEAR},       {"QUARTER", U_QUARTER},
      {"MONTH", U_MONTH},   {"MM", U_MONTH},    {"MON", U_MONTH},     {"WEEK", U_WEEK},
      {"DAY", U_DAY},       {"DD", U_DAY},      {"HOUR", U_HOUR},     {"MINUTE", U_MINUTE},
      {"SECOND", U_SECOND}, {"MILLISECOND", U_MILLI}, {"MICROSECOND", U_MICRO}};
  for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
    if (strlen(units[k].name) == n && strncasecmp(units[k].name, s, n) == 0)
      return date_only && units[k].unit > U_WEEK ? 0 : units[k].unit;
  return 0;
}

typedef struct unit_prep {
  int unit; /* a constant unit, 0 when NULL, -1 per row */
} unit_prep;

static int prep_unit(const char *fn, const lfh_vec *c, int date_only, lfh_func_sig *sig,
                     lf_error *err) {
  const char *s;
  size_t n;
  int known = lfh_fn_const_str(c, &s, &n), unit = known == 1 ? unit_of(s, n, date_only) : -1;
  if (known == 1 && !unit)
    return lf_error_set(err, LF_ERR_INVALID,
                        date_only ? "%s: unknown unit '%.*s'; one of YEAR, YYYY, YY, QUARTER, "
                                    "MONTH, MM, MON, WEEK"
                                  : "%s: unknown unit '%.*s'; one of YEAR, YYYY, YY, QUARTER, "
                                    "MONTH, MM, MON, WEEK, DAY, DD, HOUR, MINUTE, SECOND, "
                                    "MILLISECOND, MICROSECOND",
                        fn, (int)(n > 40 ? 40 : n), s);
  unit_prep *p = malloc(sizeof(*p));
  if (!p) return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", fn);
  p->unit = known == 0 ? 0 : unit;
  sig->prep = p;
  sig->prep_free = free;
  return LF_OK;
}

static int row_unit(const unit_prep *p, const lfh_vec *u, int64_t r, int date_only) {
  if (p->unit >= 0) return p->unit;
  if (!LFH_VALID(u, r)) return 0;
  size_t n;
  const char *s = lfh_fn_str(u, r, &n);
  return unit_of(s, n, date_only);
}

/* The first day of the unit containing `days` (units of a day or more). */
static int64_t trunc_days(int64_t days, int unit) {
  int64_t y;
  int m, d;
  if (unit == U_WEEK) return days - (lfh_iso_weekday(days) - 1);
  if (unit == U_DAY) return days;
  lfh_civil_from_days(days, &y, &m, &d);
  if (unit == U_YEAR) m = 1;
  else if (unit == U_QUARTER) m = (m - 1) / 3 * 3 + 1;
  return lfh_days_from_civil(y, m, 1);
}

static int resolve_date_trunc(const uint32_t *t, const lfh_vec *const *c, int n,
                              lfh_func_sig *sig, lf_error *err) {
  (void)n;
  sig->ret = LFH_TYPE_TIMESTAMP;
  if (lfh_fn_arg_string("date_trunc", t, 0, sig, err) < 0 ||
      lfh_fn_arg_timestamp("date_trunc", t, 1, sig, err) < 0)
    return LF_ERR_INVALID;
  return prep_unit("date_trunc", c[0], 0, sig, err);
}

static int eval_date_trunc(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  static const int64_t step[] = {[U_HOUR] = INT64_C(3600000000), [U_MINUTE] = 60000000,
                                 [U_SECOND] = 1000000, [U_MILLI] = 1000, [U_MICRO] = 1};
  (void)n;
  if (lfh_fn_out(ctx, LFH_TYPE_TIMESTAMP, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int unit = row_unit(ctx->sig->prep, &a[0], r, 0);
    int ok = unit && LFH_VALID(&a[1], r);
    int64_t us = ok ? a[1].u.i[LFH_ROW(&a[1], r)] : 0, res = 0;
    if (ok && unit >= U_HOUR) res = lfh_floordiv(us, step[unit]) * step[unit];
    else if (ok) ok = !__builtin_mul_overflow(trunc_days(lfh_floordiv(us, LFH_US_PER_DAY), unit),
                                              LFH_US_PER_DAY, &res);
    out->valid[r] = (uint8_t)ok;
    out->u.i[r] = ok ? res : 0;
  }
  return LF_OK;
}

static int resolve_trunc(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                         lf_error *err) {
  (void)n;
  sig->ret = LFH_TYPE_DATE;
  if (lfh_fn_arg_date("trunc", t, 0, sig, err) < 0 || lfh_fn_arg_string("trunc", t, 1, sig, err) < 0)
    return LF_ERR_INVALID;
  return prep_unit("trunc", c[1], 1, sig, err);
}

static int eval_trunc(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  if (lfh_fn_out(ctx, LFH_TYPE_DATE, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int unit = row_unit(ctx->sig->prep, &a[1], r, 1);
    out->valid[r] = (uint8_t)(unit && LFH_VALID(&a[0], r));
    out->u.days[r] = out->valid[r] ? (int32_t)trunc_days(a[0].u.days[LFH_ROW(&a[0], r)], unit) : 0;
  }
  return LF_OK;
}

/* ------------------------------------------------------------ fields */

enum { F_YEAR, F_QUARTER, F_MONTH, F_DAY, F_DOW, F_WEEKDAY, F_DOY, F_WEEK, F_HOUR, F_MINUTE, F_SECOND };

static int resolve_date_part(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                             lf_error *err) {
  (void)c;
  (void)n;
  sig->ret = LFH_TYPE_BIGINT;
  if (t[0] == LFH_TYPE_TIMESTAMP) sig->cast[0] = t[0];
  else return lfh_fn_arg_date("year/month/day", t, 0, sig, err);
  return LF_OK;
}

static int resolve_time_part(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                             lf_error *err) {
  (void)c;
  (void)n;
  sig->ret = LFH_TYPE_BIGINT;
  return lfh_fn_arg_timestamp("hour/minute/second", t, 0, sig, err);
}

/* ISO 8601 week number: the week holding the year's first Thursday is week 1. */
static int iso_week(int64_t days) {
  int64_t thursday = days + 4 - lfh_iso_weekday(days), y;
  int m, d;
  lfh_civil_from_days(thursday, &y, &m, &d);
  return (int)((thursday - lfh_days_from_civil(y, 1, 1)) / 7 + 1);
}

static int64_t date_field(int64_t days, int field) {
  int64_t y;
  int m, d;
  lfh_civil_from_days(days, &y, &m, &d);
  switch (field) {
  case F_YEAR: return y;
  case F_QUARTER: return (m - 1) / 3 + 1;
  case F_MONTH: return m;
  case F_DAY: return d;
  case F_DOW: return lfh_iso_weekday(days) % 7 + 1; /* 1 = Sunday ... 7 = Saturday */
  case F_WEEKDAY: return lfh_iso_weekday(days) - 1; /* 0 = Monday ... 6 = Sunday */
  case F_DOY: return days - lfh_days_from_civil(y, 1, 1) + 1;
  default: return iso_week(days);
  }
}

static int eval_field(lfh_func_ctx *ctx, const lfh_vec *a, int field, lfh_vec *out) {
  static const int64_t unit[] = {[F_HOUR] = INT64_C(3600000000), [F_MINUTE] = 60000000,
                                 [F_SECOND] = 1000000};
  static const int64_t wrap[] = {[F_HOUR] = 24, [F_MINUTE] = 60, [F_SECOND] = 60};
  if (lfh_fn_out(ctx, LFH_TYPE_BIGINT, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    out->valid[r] = (uint8_t)LFH_VALID(&a[0], r);
    if (!out->valid[r]) out->u.i[r] = 0;
    else if (field >= F_HOUR)
      out->u.i[r] = lfh_floormod(lfh_floordiv(a[0].u.i[LFH_ROW(&a[0], r)], unit[field]), wrap[field]);
    else out->u.i[r] = date_field(days_of(&a[0], r), field);
  }
  return LF_OK;
}

#define FIELD_EVAL(name, field)                                                          \
  static int name(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {          \
    (void)n;                                                                             \
    return eval_field(ctx, a, field, out);                                               \
  }
FIELD_EVAL(eval_year, F_YEAR)
FIELD_EVAL(eval_quarter, F_QUARTER)
FIELD_EVAL(eval_month, F_MONTH)
FIELD_EVAL(eval_day, F_DAY)
FIELD_EVAL(eval_dayofweek, F_DOW)
FIELD_EVAL(eval_weekday, F_WEEKDAY)
FIELD_EVAL(eval_dayofyear, F_DOY)
FIELD_EVAL(eval_weekofyear, F_WEEK)
FIELD_EVAL(eval_hour, F_HOUR)
FIELD_EVAL(eval_minute, F_MINUTE)
FIELD_EVAL(eval_second, F_SECOND)

/* ------------------------------------------------------------ current time */

static int resolve_now(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                       lf_error *err) {
  (void)t, (void)c, (void)n, (void)err;
  sig->ret = LFH_TYPE_TIMESTAMP;
  sig->never_null = 1;
  return LF_OK;
}

static int resolve_today(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                         lf_error *err) {
  (void)t, (void)c, (void)n, (void)err;
  sig->ret = LFH_TYPE_DATE;
  sig->never_null = 1;
  return LF_OK;
}

static int eval_now(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)a, (void)n;
  if (lfh_vec_alloc(ctx->arena, ctx->sig->ret, ctx->rows, 0, out) < 0)
    return lfh_fn_nomem(ctx, "current_timestamp");
  int32_t today = (int32_t)lfh_floordiv(ctx->now_us, LFH_US_PER_DAY);
  for (int64_t r = 0; r < ctx->rows; r++) {
    if (out->type == LFH_TYPE_DATE) out->u.days[r] = today;
    else out->u.i[r] = ctx->now_us;
  }
  return LF_OK;
}

/* ------------------------------------------------------------ date arithmetic */

static int resolve_date_add(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                            lf_error *err) {
  (void)c, (void)n;
  sig->ret = LFH_TYPE_DATE;
  if (lfh_fn_arg_date("date_add/date_sub", t, 0, sig, err) < 0 ||
      lfh_fn_arg_bigint("date_add/date_sub", t, 1, sig, err) < 0)
    return LF_ERR_INVALID;
  return LF_OK;
}

static int eval_date_shift(lfh_func_ctx *ctx, const lfh_vec *a, int sign, lfh_vec *out) {
  if (lfh_fn_out(ctx, LFH_TYPE_DATE, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int64_t v = 0;
    int ok = lfh_fn_all_valid(a, 2, r);
    if (ok) {
      int64_t k = a[1].u.i[LFH_ROW(&a[1], r)];
      v = a[0].u.days[LFH_ROW(&a[0], r)];
      ok = k >= INT32_MIN && k <= INT32_MAX; /* Spark's days argument is an INT */
      v += ok ? sign * k : 0;
      ok = ok && v >= INT32_MIN && v <= INT32_MAX;
    }
    out->valid[r] = (uint8_t)ok;
    out->u.days[r] = ok ? (int32_t)v : 0;
  }
  return LF_OK;
}
static int eval_date_add(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  return eval_date_shift(ctx, a, 1, out);
}
static int eval_date_sub(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  return eval_date_shift(ctx, a, -1, out);
}

static int resolve_datediff(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                            lf_error *err) {
  (void)c, (void)n;
  sig->ret = LFH_TYPE_BIGINT;
  if (lfh_fn_arg_date("datediff", t, 0, sig, err) < 0 || lfh_fn_arg_date("datediff", t, 1, sig, err) < 0)
    return LF_ERR_INVALID;
  return LF_OK;
}

static int eval_datediff(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  if (lfh_fn_out(ctx, LFH_TYPE_BIGINT, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    out->valid[r] = (uint8_t)lfh_fn_all_valid(a, 2, r);
    out->u.i[r] = out->valid[r] ? (int64_t)a[0].u.days[LFH_ROW(&a[0], r)] -
                                      a[1].u.days[LFH_ROW(&a[1], r)]
                                : 0;
  }
  return LF_OK;
}

/* ------------------------------------------------------------ table */

const lfh_func lfh_func_time_table[] = {
    {"to_timestamp", 1, 2, resolve_to_timestamp, eval_to_timestamp,
     "to_timestamp(expr[, fmt]) → TIMESTAMP",
     "Parses a string with datetime pattern `fmt`, or without one as CAST(expr AS TIMESTAMP) "
     "(ISO 8601 forms, 'T' or space, fraction, zone offset). Numbers are seconds since the "
     "epoch. NULL if any argument is NULL or the text does not match."},
    {"to_date", 1, 2, resolve_to_date, eval_to_date, "to_date(expr[, fmt]) → DATE",
     "Parses a string with datetime pattern `fmt`, or without one as CAST(expr AS DATE); a "
     "TIMESTAMP gives its UTC date. NULL if any argument is NULL or the text does not match."},
    {"date_trunc", 2, 2, resolve_date_trunc, eval_date_trunc, "date_trunc(unit, ts) → TIMESTAMP",
     "`ts` truncated to the start of its YEAR, QUARTER, MONTH, WEEK (Monday), DAY, HOUR, "
     "MINUTE, SECOND, MILLISECOND or MICROSECOND. NULL if any argument is NULL."},
    {"trunc", 2, 2, resolve_trunc, eval_trunc, "trunc(date, unit) → DATE",
     "`date` truncated to the first day of its YEAR, QUARTER, MONTH or WEEK (Monday). NULL "
     "if any argument is NULL."},
    {"date_format", 2, 2, resolve_date_format, eval_date_format,
     "date_format(ts, fmt) → STRING",
     "`ts` formatted in UTC with datetime pattern `fmt`. NULL if any argument is NULL."},
    {"year", 1, 1, resolve_date_part, eval_year, "year(date) → BIGINT",
     "The year. NULL in, NULL out."},
    {"quarter", 1, 1, resolve_date_part, eval_quarter, "quarter(date) → BIGINT",
     "The quarter of the year, 1 to 4. NULL in, NULL out."},
    {"month", 1, 1, resolve_date_part, eval_month, "month(date) → BIGINT",
     "The month, 1 to 12. NULL in, NULL out."},
    {"day", 1, 1, resolve_date_part, eval_day, "day(date) → BIGINT",
     "The day of the month, 1 to 31. NULL in, NULL out."},
    {"dayofmonth", 1, 1, resolve_date_part, eval_day, "dayofmonth(date) → BIGINT", "Same as day."},
    {"dayofweek", 1, 1, resolve_date_part, eval_dayofweek, "dayofweek(date) → BIGINT",
     "The day of the week, 1 = Sunday to 7 = Saturday. NULL in, NULL out."},
    {"weekday", 1, 1, resolve_date_part, eval_weekday, "weekday(date) → BIGINT",
     "The day of the week, 0 = Monday to 6 = Sunday. NULL in, NULL out."},
    {"dayofyear", 1, 1, resolve_date_part, eval_dayofyear, "dayofyear(date) → BIGINT",
     "The day of the year, 1 to 366. NULL in, NULL out."},
    {"weekofyear", 1, 1, resolve_date_part, eval_weekofyear, "weekofyear(date) → BIGINT",
     "The ISO 8601 week number, 1 to 53 (weeks start on Monday; week 1 holds the year's "
     "first Thursday). NULL in, NULL out."},
    {"hour", 1, 1, resolve_time_part, eval_hour, "hour(ts) → BIGINT",
     "The hour (UTC), 0 to 23. NULL in, NULL out."},
    {"minute", 1, 1, resolve_time_part, eval_minute, "minute(ts) → BIGINT",
     "The minute, 0 to 59. NULL in, NULL out."},
    {"second", 1, 1, resolve_time_part, eval_second, "second(ts) → BIGINT",
     "The second, 0 to 59. NULL in, NULL out."},
    {"unix_timestamp", 0, 2, resolve_unix_timestamp, eval_unix_timestamp,
     "unix_timestamp([expr[, fmt]]) → BIGINT",
     "Seconds since 1970-01-01 00:00:00 UTC of a TIMESTAMP, DATE or string parsed with `fmt` "
     "(default 'yyyy-MM-dd HH:mm:ss'); without arguments, of the current time. NULL if any "
     "argument is NULL or the text does not match."},
    {"to_unix_timestamp", 1, 2, resolve_unix_timestamp, eval_unix_timestamp,
     "to_unix_timestamp(expr[, fmt]) → BIGINT", "Same as unix_timestamp with an argument."},
    {"from_unixtime", 1, 2, resolve_from_unixtime, eval_from_unixtime,
     "from_unixtime(sec[, fmt]) → STRING",
     "Seconds since the epoch formatted in UTC with `fmt` (default 'yyyy-MM-dd HH:mm:ss'). "
     "NULL if any argument is NULL."},
    {"current_timestamp", 0, 0, resolve_now, eval_now, "current_timestamp() → TIMESTAMP",
     "The time the update started (the same value in every row and expression of a run). "
     "Never NULL."},
    {"now", 0, 0, resolve_now, eval_now, "now() → TIMESTAMP", "Same as current_timestamp."},
    {"current_date", 0, 0, resolve_today, eval_now, "current_date() → DATE",
     "The UTC date of current_timestamp(). Never NULL."},
    {"date_add", 2, 2, resolve_date_add, eval_date_add, "date_add(date, days) → DATE",
     "`days` days after `date`. NULL if any argument is NULL."},
    {"date_sub", 2, 2, resolve_date_add, eval_date_sub, "date_sub(date, days) → DATE",
     "`days` days before `date`. NULL if any argument is NULL."},
    {"datediff", 2, 2, resolve_datediff, eval_datediff, "datediff(end, start) → BIGINT",
     "Days from `start` to `end` (negative when `end` is earlier). NULL if any argument is NULL."},
    {0}};
