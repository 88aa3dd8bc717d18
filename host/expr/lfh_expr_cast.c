/* lfh_expr_cast.c — CAST between the engine's types with Spark's (non-ANSI) rules:
 * a value that does not convert becomes NULL. Also the calendar helpers and the text
 * forms of timestamps, dates and doubles, which the rest of the engine shares. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/lfh_expr_ast.h"
#include "expr/lfh_func_internal.h"

#define US_PER_SEC 1000000LL
#define US_PER_DAY 86400000000LL

/* ------------------------------------------------------------ parsing */

/* One reading of dates and timestamps for casts, literals and the function library:
 * the ISO 8601 forms Spark's cast accepts (lfh_func_dtfmt.c). */
int lfh_parse_date(const char *s, size_t n, int32_t *days) {
  return lfh_parse_iso_date(s, n, days) ? 0 : -1;
}

int lfh_parse_timestamp(const char *s, size_t n, int64_t *us) {
  return lfh_parse_iso_timestamp(s, n, us) ? 0 : -1;
}

/* ------------------------------------------------------------ formatting */

size_t lfh_format_date(int32_t days, char *buf) {
  int64_t y;
  int m, d;
  lfh_civil_from_days(days, &y, &m, &d);
  return (size_t)snprintf(buf, 64, "%04lld-%02d-%02d", (long long)y, m, d);
}

size_t lfh_format_timestamp(int64_t us, char *buf) {
  int64_t days = lfh_floordiv(us, US_PER_DAY);
  int64_t rem = us - days * US_PER_DAY;
  size_t n = lfh_format_date((int32_t)days, buf);
  int64_t secs = rem / US_PER_SEC, frac = rem % US_PER_SEC;
  n += (size_t)snprintf(buf + n, 64 - n, " %02d:%02d:%02d", (int)(secs / 3600),
                        (int)(secs / 60 % 60), (int)(secs % 60));
  if (frac) {
    char f[8];
    snprintf(f, sizeof f, "%06lld", (long long)frac);
    int k = 6;
    while (f[k - 1] == '0') k--; /* Spark prints the fraction without trailing zeros */
    n += (size_t)snprintf(buf + n, 64 - n, ".%.*s", k, f);
  }
  return n;
}

/* Java's Double.toString: the shortest digits that read back as the same double, in
 * plain notation for 1e-3 <= |d| < 1e7 and as d.dddE±n otherwise. */
size_t lfh_format_double(double d, char *buf) {
  if (isnan(d)) return (size_t)snprintf(buf, 64, "NaN");
  if (isinf(d)) return (size_t)snprintf(buf, 64, d > 0 ? "Infinity" : "-Infinity");
  if (d == 0) return (size_t)snprintf(buf, 64, signbit(d) ? "-0.0" : "0.0");
  char e[40];
  int prec = 1;
  for (; prec < 17; prec++) {
    snprintf(e, sizeof e, "%.*e", prec - 1, d);
    if (strtod(e, NULL) == d) break;
  }
  snprintf(e, sizeof e, "%.*e", prec - 1, d);
  /* e is [-]D[.DDD]e±XX: collect the digits and the exponent. */
  char digits[24];
  int nd = 0, neg = e[0] == '-';
  const char *q = e + neg;
  for (; *q && *q != 'e'; q++)
    if (*q != '.') digits[nd++] = *q;
  int exp10 = atoi(q + 1);
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  size_t n = 0;
  if (neg) buf[n++] = '-';
  if (exp10 >= -3 && exp10 < 7) {
    if (exp10 < 0) {
      n += (size_t)snprintf(buf + n, 64 - n, "0.");
      for (int k = -1; k > exp10; k--) buf[n++] = '0';
      for (int k = 0; k < nd; k++) buf[n++] = digits[k];
    } else {
      for (int k = 0; k <= exp10; k++) buf[n++] = k < nd ? digits[k] : '0';
      buf[n++] = '.';
      if (nd > exp10 + 1)
        for (int k = exp10 + 1; k < nd; k++) buf[n++] = digits[k];
      else buf[n++] = '0';
    }
  } else {
    buf[n++] = digits[0];
    buf[n++] = '.';
    if (nd > 1)
      for (int k = 1; k < nd; k++) buf[n++] = digits[k];
    else buf[n++] = '0';
    n += (size_t)snprintf(buf + n, 64 - n, "E%d", exp10);
  }
  buf[n] = '\0';
  return n;
}

/* ------------------------------------------------------------ string → value */

static int str_to_bigint(const char *s, size_t n, int64_t *out) {
  lfh_trim_space(&s, &n);
  size_t i = 0;
  int neg = 0;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  uint64_t v = 0;
  size_t start = i;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    uint64_t dgt = (uint64_t)(s[i] - '0');
    if (v > (UINT64_MAX - dgt) / 10) return -1;
    v = v * 10 + dgt;
  }
  size_t nint = i - start;
  if (i < n && s[i] == '.') { /* Spark truncates a fraction: '1.9' is 1 */
    i++;
    size_t fs = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (nint == 0 && i == fs) return -1;
  } else if (nint == 0) {
    return -1;
  }
  if (i != n) return -1;
  if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX) return -1;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return 0;
}

static int str_to_double(const char *s, size_t n, double *out) {
  lfh_trim_space(&s, &n);
  if (n == 0 || n > 400) return -1;
  char buf[401];
  memcpy(buf, s, n);
  buf[n] = '\0';
  const char *w = buf + (buf[0] == '+' || buf[0] == '-');
  double sign = buf[0] == '-' ? -1.0 : 1.0;
  if (strcasecmp(w, "nan") == 0) {
    *out = NAN;
    return 0;
  }
  if (strcasecmp(w, "inf") == 0 || strcasecmp(w, "infinity") == 0) {
    *out = sign * INFINITY;
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    if (!strchr("0123456789+-.eE", buf[i])) return -1; /* no hex, no nan(...) */
  char *end;
  *out = strtod(buf, &end);
  return *end == '\0' ? 0 : -1;
}

static int str_to_bool(const char *s, size_t n, uint8_t *out) {
  static const char *const t[] = {"t", "true", "y", "yes", "1"};
  static const char *const f[] = {"f", "false", "n", "no", "0"};
  lfh_trim_space(&s, &n);
  for (int i = 0; i < 5; i++) {
    if (strlen(t[i]) == n && strncasecmp(t[i], s, n) == 0) return *out = 1, 0;
    if (strlen(f[i]) == n && strncasecmp(f[i], s, n) == 0) return *out = 0, 0;
  }
  return -1;
}

/* ------------------------------------------------------------ the matrix */

int lfh_cast_ok(uint32_t from, uint32_t to) {
  if (from == to || from == LFH_TYPE_NULL) return 1;
  switch (from) {
  case LFH_TYPE_STRING:
    return to == LFH_TYPE_BOOLEAN || to == LFH_TYPE_BIGINT || to == LFH_TYPE_DOUBLE ||
           to == LFH_TYPE_TIMESTAMP || to == LFH_TYPE_DATE || to == LFH_TYPE_BINARY;
  case LFH_TYPE_BOOLEAN:
    return to == LFH_TYPE_BIGINT || to == LFH_TYPE_DOUBLE || to == LFH_TYPE_STRING;
  case LFH_TYPE_BIGINT:
  case LFH_TYPE_DOUBLE:
    return to == LFH_TYPE_BOOLEAN || to == LFH_TYPE_BIGINT || to == LFH_TYPE_DOUBLE ||
           to == LFH_TYPE_STRING || to == LFH_TYPE_TIMESTAMP;
  case LFH_TYPE_TIMESTAMP:
    return to == LFH_TYPE_BIGINT || to == LFH_TYPE_DOUBLE || to == LFH_TYPE_STRING ||
           to == LFH_TYPE_DATE;
  case LFH_TYPE_DATE: return to == LFH_TYPE_STRING || to == LFH_TYPE_TIMESTAMP;
  case LFH_TYPE_BINARY: return to == LFH_TYPE_STRING;
  default: return 0;
  }
}

/* Casts that cannot fail keep the input's validity; these may add NULLs. */
static int may_fail(uint32_t from, uint32_t to) {
  return from == LFH_TYPE_STRING || from == LFH_TYPE_NULL ||
         (to == LFH_TYPE_TIMESTAMP &&
          (from == LFH_TYPE_BIGINT || from == LFH_TYPE_DOUBLE || from == LFH_TYPE_DATE));
}

static int64_t dbl_to_i64(double d) {
  if (d != d) return 0; /* Java's (long) cast: NaN is 0, out of range saturates */
  if (d >= 9223372036854775807.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)d;
}

/* To STRING: every row formatted through a small buffer. */
static int cast_to_string(lfh_arena *a, const lfh_vec *in, int64_t n, lfh_vec *out) {
  int rc = lfh_vec_alloc(a, LFH_TYPE_STRING, n, 1, out);
  lfh_strout so;
  if (rc || (rc = lfh_strout_begin(&so, a, out))) return rc;
  char buf[64];
  for (int64_t r = 0; r < n && rc == LF_OK; r++) {
    if (!LFH_VALID(in, r) || in->type == LFH_TYPE_NULL) {
      lfh_strout_null(&so);
      continue;
    }
    size_t len = 0;
    const char *p = buf;
    switch (in->type) {
    case LFH_TYPE_BOOLEAN: p = in->u.b[r] ? "true" : "false"; len = strlen(p); break;
    case LFH_TYPE_BIGINT: len = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)in->u.i[r]); break;
    case LFH_TYPE_DOUBLE: len = lfh_format_double(in->u.d[r], buf); break;
    case LFH_TYPE_TIMESTAMP: len = lfh_format_timestamp(in->u.i[r], buf); break;
    case LFH_TYPE_DATE: len = lfh_format_date(in->u.days[r], buf); break;
    case LFH_TYPE_STRING:
    case LFH_TYPE_BINARY:
      p = in->u.s.data + in->u.s.off[r];
      len = (size_t)(in->u.s.off[r + 1] - in->u.s.off[r]);
      break;
    default: return LF_ERR_INTERNAL;
    }
    rc = lfh_strout_add(&so, p, len);
  }
  lfh_strout_end(&so);
  return rc ? LF_ERR_NOMEM : LF_OK;
}

/* One row of a fallible or infallible scalar cast; returns 0 when the result is NULL. */
static int cast_row(const lfh_vec *in, int64_t r, uint32_t to, lfh_vec *out) {
  uint32_t from = in->type;
  const char *s = NULL;
  size_t len = 0;
  if (from == LFH_TYPE_STRING || from == LFH_TYPE_BINARY) {
    s = in->u.s.data + in->u.s.off[r];
    len = (size_t)(in->u.s.off[r + 1] - in->u.s.off[r]);
  }
  switch (to) {
  case LFH_TYPE_BOOLEAN:
    if (from == LFH_TYPE_STRING) return str_to_bool(s, len, &out->u.b[r]) == 0;
    out->u.b[r] = from == LFH_TYPE_BIGINT ? in->u.i[r] != 0 : in->u.d[r] != 0;
    return 1;
  case LFH_TYPE_BIGINT:
    switch (from) {
    case LFH_TYPE_STRING: return str_to_bigint(s, len, &out->u.i[r]) == 0;
    case LFH_TYPE_BOOLEAN: out->u.i[r] = in->u.b[r] != 0; return 1;
    case LFH_TYPE_DOUBLE: out->u.i[r] = dbl_to_i64(in->u.d[r]); return 1;
    case LFH_TYPE_TIMESTAMP: out->u.i[r] = lfh_floordiv(in->u.i[r], US_PER_SEC); return 1;
    default: return 0;
    }
  case LFH_TYPE_DOUBLE:
    switch (from) {
    case LFH_TYPE_STRING: return str_to_double(s, len, &out->u.d[r]) == 0;
    case LFH_TYPE_BOOLEAN: out->u.d[r] = in->u.b[r] != 0; return 1;
    case LFH_TYPE_BIGINT: out->u.d[r] = (double)in->u.i[r]; return 1;
    case LFH_TYPE_TIMESTAMP: out->u.d[r] = (double)in->u.i[r] / 1e6; return 1;
    default: return 0;
    }
  case LFH_TYPE_TIMESTAMP:
    switch (from) {
    case LFH_TYPE_STRING: return lfh_parse_timestamp(s, len, &out->u.i[r]) == 0;
    case LFH_TYPE_BIGINT:
      if (in->u.i[r] > INT64_MAX / US_PER_SEC || in->u.i[r] < INT64_MIN / US_PER_SEC) return 0;
      out->u.i[r] = in->u.i[r] * US_PER_SEC;
      return 1;
    case LFH_TYPE_DOUBLE: {
      double us = in->u.d[r] * 1e6;
      if (!(fabs(us) < 9.2e18)) return 0;
      out->u.i[r] = (int64_t)us;
      return 1;
    }
    case LFH_TYPE_DATE: /* date32 reaches further than int64 microseconds */
      if (in->u.days[r] > INT64_MAX / US_PER_DAY || in->u.days[r] < INT64_MIN / US_PER_DAY) return 0;
      out->u.i[r] = (int64_t)in->u.days[r] * US_PER_DAY;
      return 1;
    default: return 0;
    }
  case LFH_TYPE_DATE:
    if (from == LFH_TYPE_STRING) return lfh_parse_date(s, len, &out->u.days[r]) == 0;
    if (from == LFH_TYPE_TIMESTAMP) {
      out->u.days[r] = (int32_t)lfh_floordiv(in->u.i[r], US_PER_DAY);
      return 1;
    }
    return 0;
  default: return 0;
  }
}

int lfh_cast_vec(lfh_arena *a, const lfh_vec *in, uint32_t to, int64_t rows, lfh_vec *out) {
  int64_t n = in->is_const ? 1 : rows;
  int rc;
  if (in->type == to) {
    *out = *in;
    return LF_OK;
  }
  if (to == LFH_TYPE_STRING) {
    rc = cast_to_string(a, in, n, out);
  } else if (to == LFH_TYPE_BINARY) { /* from STRING (or NULL): the same bytes */
    if (in->type == LFH_TYPE_NULL) goto all_null;
    *out = *in;
    out->type = LFH_TYPE_BINARY;
    return LF_OK;
  } else if (in->type == LFH_TYPE_NULL) {
    goto all_null;
  } else {
    int fail = may_fail(in->type, to);
    if ((rc = lfh_vec_alloc(a, to, n, fail, out)) != LF_OK) return rc;
    if (!fail) out->valid = in->valid;
    for (int64_t r = 0; r < n; r++) {
      int ok = LFH_VALID(in, r) && cast_row(in, r, to, out);
      if (fail) out->valid[r] = (uint8_t)ok;
    }
  }
  if (rc == LF_OK) {
    out->is_const = in->is_const;
    out->len = n;
  }
  return rc;
all_null:
  if ((rc = lfh_vec_alloc(a, to, n, 1, out)) != LF_OK) return rc;
  memset(out->valid, 0, (size_t)n);
  if (to == LFH_TYPE_STRING || to == LFH_TYPE_BINARY || to == LFH_TYPE_ARRAY)
    memset((void *)out->u.s.off, 0, (size_t)(n + 1) * sizeof(int32_t));
  else if (to == LFH_TYPE_BOOLEAN) memset(out->u.b, 0, (size_t)n);
  if (to == LFH_TYPE_ARRAY) out->u.a.items = NULL;
  out->is_const = in->is_const;
  out->len = n;
  return LF_OK;
}
