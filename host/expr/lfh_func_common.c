/* lfh_func_common.c — argument checks, UTF-8 and calendar arithmetic shared by the SQL
 * function library. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_func_internal.h"

/* ------------------------------------------------------------ resolve helpers */

const char *lfh_fn_type(uint32_t type) {
  static const char *const names[] = {"NULL",   "BOOLEAN", "BIGINT",    "DOUBLE",   "STRING",
                                      "BINARY", "TIMESTAMP", "DATE", "INTERVAL", "ARRAY<STRING>"};
  return type < sizeof names / sizeof names[0] ? names[type] : "UNKNOWN";
}

/* Accepts types[i] when it is `want` or its bit is in `castable` (then casts to want). */
static int arg_as(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig, uint32_t want,
                  unsigned castable, lf_error *err) {
  uint32_t t = types[i];
  if (t == want) sig->cast[i] = t;
  else if (t < 32 && (castable & (1u << t))) sig->cast[i] = want;
  else
    return lf_error_set(err, LF_ERR_INVALID, "%s: argument %d must be %s, got %s", fn, i + 1,
                        lfh_fn_type(want), lfh_fn_type(t));
  return LF_OK;
}

#define BIT(t) (1u << (t))

int lfh_fn_arg_string(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                      lf_error *err) {
  /* Spark casts any atomic type to STRING for a string parameter; BOOLEAN is refused here
   * on purpose (upper(flag) is a mistake far more often than it is meant). */
  unsigned ok = BIT(LFH_TYPE_NULL) | BIT(LFH_TYPE_BIGINT) | BIT(LFH_TYPE_DOUBLE) |
                BIT(LFH_TYPE_BINARY) | BIT(LFH_TYPE_TIMESTAMP) | BIT(LFH_TYPE_DATE);
  return arg_as(fn, types, i, sig, LFH_TYPE_STRING, ok, err);
}

int lfh_fn_arg_string_or_binary(const char *fn, const uint32_t *types, int i,
                                lfh_func_sig *sig, lf_error *err) {
  if (types[i] == LFH_TYPE_BINARY) {
    sig->cast[i] = LFH_TYPE_BINARY;
    return LF_OK;
  }
  return lfh_fn_arg_string(fn, types, i, sig, err);
}

int lfh_fn_arg_bigint(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                      lf_error *err) {
  unsigned ok = BIT(LFH_TYPE_NULL) | BIT(LFH_TYPE_DOUBLE) | BIT(LFH_TYPE_STRING);
  return arg_as(fn, types, i, sig, LFH_TYPE_BIGINT, ok, err);
}

int lfh_fn_arg_double(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                      lf_error *err) {
  unsigned ok = BIT(LFH_TYPE_NULL) | BIT(LFH_TYPE_BIGINT) | BIT(LFH_TYPE_STRING);
  return arg_as(fn, types, i, sig, LFH_TYPE_DOUBLE, ok, err);
}

int lfh_fn_arg_timestamp(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                         lf_error *err) {
  unsigned ok = BIT(LFH_TYPE_NULL) | BIT(LFH_TYPE_DATE) | BIT(LFH_TYPE_STRING);
  return arg_as(fn, types, i, sig, LFH_TYPE_TIMESTAMP, ok, err);
}

int lfh_fn_arg_date(const char *fn, const uint32_t *types, int i, lfh_func_sig *sig,
                    lf_error *err) {
  unsigned ok = BIT(LFH_TYPE_NULL) | BIT(LFH_TYPE_TIMESTAMP) | BIT(LFH_TYPE_STRING);
  return arg_as(fn, types, i, sig, LFH_TYPE_DATE, ok, err);
}

int lfh_fn_const_str(const lfh_vec *c, const char **p, size_t *n) {
  if (!c) return -1;
  if (c->type == LFH_TYPE_NULL || (c->valid && !c->valid[0])) return 0;
  if (c->type != LFH_TYPE_STRING && c->type != LFH_TYPE_BINARY) return -1;
  *p = lfh_fn_str(c, 0, n);
  return 1;
}

int lfh_fn_const_int(const lfh_vec *c, int64_t *v) {
  if (!c) return -1;
  if (c->type == LFH_TYPE_NULL || (c->valid && !c->valid[0])) return 0;
  if (c->type == LFH_TYPE_BIGINT) {
    *v = c->u.i[0];
    return 1;
  }
  if (c->type == LFH_TYPE_DOUBLE) {
    double d = c->u.d[0];
    if (!(d > -9.2e18 && d < 9.2e18)) return -1;
    *v = (int64_t)d;
    return 1;
  }
  const char *p;
  size_t n;
  if (c->type != LFH_TYPE_STRING || lfh_fn_const_str(c, &p, &n) != 1 || n == 0 || n > 30)
    return -1;
  char buf[32], *end;
  memcpy(buf, p, n);
  buf[n] = '\0';
  long long x = strtoll(buf, &end, 10);
  if (end == buf || *end) return -1;
  *v = x;
  return 1;
}

/* ------------------------------------------------------------ eval helpers */

int lfh_fn_out(lfh_func_ctx *ctx, uint32_t type, lfh_vec *out) {
  int rc = lfh_vec_alloc(ctx->arena, type, ctx->rows, 1, out);
  if (rc < 0) return lf_error_set(ctx->err, rc, "out of memory evaluating a function");
  return LF_OK;
}

int lfh_fn_nomem(lfh_func_ctx *ctx, const char *fn) {
  return lf_error_set(ctx->err, LF_ERR_NOMEM, "%s: out of memory", fn);
}

/* ------------------------------------------------------------ UTF-8 */

int64_t lfh_utf8_count(const char *p, size_t n) {
  int64_t c = 0;
  for (size_t i = 0; i < n; i++) c += ((unsigned char)p[i] & 0xC0) != 0x80;
  return c;
}

size_t lfh_utf8_skip(const char *p, size_t n, int64_t k) {
  if (k <= 0) return 0;
  size_t i = 0;
  /* Stop at the lead byte of code point k + 1, so a continuation run stays whole. */
  for (int64_t seen = 0; i < n; i++) {
    if (((unsigned char)p[i] & 0xC0) != 0x80 && seen++ == k) break;
  }
  return i;
}

/* ------------------------------------------------------------ calendar */

int lfh_is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int lfh_days_in_month(int64_t year, int month) {
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return dim[month - 1] + (month == 2 && lfh_is_leap(year));
}

/* Counting years from March makes February the last month, so the leap day needs no
 * special case; eras of 400 years repeat exactly (146097 days). */
int64_t lfh_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = lfh_floordiv(y, 400);
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void lfh_civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
  days += 719468;
  int64_t era = lfh_floordiv(days, 146097);
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

int lfh_iso_weekday(int64_t days) { return (int)lfh_floormod(days + 3, 7) + 1; }

void lfh_tm_from_us(int64_t us, lfh_tm *tm) {
  tm->days = lfh_floordiv(us, LFH_US_PER_DAY);
  int64_t rem = us - tm->days * LFH_US_PER_DAY;
  lfh_civil_from_days(tm->days, &tm->year, &tm->month, &tm->day);
  tm->micros = (int32_t)(rem % LFH_US_PER_SEC);
  int64_t secs = rem / LFH_US_PER_SEC;
  tm->hour = (int)(secs / 3600);
  tm->min = (int)(secs / 60 % 60);
  tm->sec = (int)(secs % 60);
}

int lfh_tm_to_us(int64_t year, int month, int day, int hour, int min, int sec, int32_t micros,
                 int32_t offset_sec, int64_t *us) {
  /* Years beyond ±300000 cannot be held in microseconds; refusing them early keeps the
   * day arithmetic far from overflow. */
  if (year < -300000 || year > 300000) return -1;
  int64_t days = lfh_days_from_civil(year, month, day);
  int64_t secs = (int64_t)hour * 3600 + min * 60 + sec - offset_sec, t;
  if (__builtin_mul_overflow(days, LFH_US_PER_DAY, &t) ||
      __builtin_add_overflow(t, secs * LFH_US_PER_SEC + micros, &t))
    return -1;
  *us = t;
  return 0;
}
