/* lfp_json — value formatting for the producer's JSON writer. */
#include "lfp_json.h"

#include <stdio.h>
#include <stdlib.h>

static const char k_hex[] = "0123456789abcdef";

/* 1 for the bytes a JSON string cannot hold as they are. */
static int needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

static void put_escaped(lfp_json *j, unsigned char c) {
  char esc[6] = {'\\', 'u', '0', '0', k_hex[c >> 4], k_hex[c & 15]};
  switch (c) {
    case '"': LFP_JSON_LIT(j, "\\\""); return;
    case '\\': LFP_JSON_LIT(j, "\\\\"); return;
    case '\n': LFP_JSON_LIT(j, "\\n"); return;
    case '\r': LFP_JSON_LIT(j, "\\r"); return;
    case '\t': LFP_JSON_LIT(j, "\\t"); return;
    default: lfp_json_raw(j, esc, sizeof esc); return;
  }
}

void lfp_json_strn(lfp_json *j, const char *s, size_t n) {
  lfp_json_char(j, '"');
  size_t run = 0; /* start of the current run of bytes that need no escaping */
  for (size_t i = 0; i < n; i++) {
    if (!needs_escape((unsigned char)s[i])) continue;
    lfp_json_raw(j, s + run, i - run);
    put_escaped(j, (unsigned char)s[i]);
    run = i + 1;
  }
  lfp_json_raw(j, s + run, n - run);
  lfp_json_char(j, '"');
}

void lfp_json_str(lfp_json *j, const char *s) { lfp_json_strn(j, s, strlen(s)); }

void lfp_json_u64(lfp_json *j, uint64_t v) {
  char tmp[20];
  int n = 0;
  do {
    tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  lfp_json_raw(j, tmp + sizeof tmp - n, (size_t)n);
}

void lfp_json_i64(lfp_json *j, int64_t v) {
  if (v < 0) {
    lfp_json_char(j, '-');
    lfp_json_u64(j, (uint64_t)0 - (uint64_t)v);
    return;
  }
  lfp_json_u64(j, (uint64_t)v);
}

void lfp_json_cents(lfp_json *j, uint64_t cents) {
  char frac[3] = {'.', (char)('0' + cents / 10 % 10), (char)('0' + cents % 10)};
  lfp_json_u64(j, cents / 100);
  lfp_json_raw(j, frac, sizeof frac);
}

void lfp_json_hex(lfp_json *j, uint64_t v, int digits) {
  char tmp[16];
  if (digits < 1 || digits > 16) digits = 16;
  for (int i = digits - 1; i >= 0; i--, v >>= 4) tmp[i] = k_hex[v & 15];
  lfp_json_raw(j, tmp, (size_t)digits);
}

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian), by 400-year eras. */
static void civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Inverse of civil_from_days. */
static int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void put2(char *p, int v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
}

void lfp_format_ts(int64_t us, char out[25]) {
  int64_t ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  int64_t in_day = ms - days * 86400000;
  int y, m, d;
  civil_from_days(days, &y, &m, &d);
  if (y < 0 || y > 9999) y = 0; /* out of ISO range: the options reject such times */
  put2(out, y / 100);
  put2(out + 2, y % 100);
  out[4] = '-';
  put2(out + 5, m);
  out[7] = '-';
  put2(out + 8, d);
  out[10] = 'T';
  put2(out + 11, (int)(in_day / 3600000));
  out[13] = ':';
  put2(out + 14, (int)(in_day / 60000 % 60));
  out[16] = ':';
  put2(out + 17, (int)(in_day / 1000 % 60));
  out[19] = '.';
  out[20] = (char)('0' + in_day % 1000 / 100);
  put2(out + 21, (int)(in_day % 100));
  out[23] = 'Z';
  out[24] = '\0';
}

void lfp_json_ts(lfp_json *j, int64_t us) {
  char tmp[26];
  tmp[0] = '"';
  lfp_format_ts(us, tmp + 1);
  tmp[25] = '"';
  lfp_json_raw(j, tmp, sizeof tmp);
}

int lfp_parse_ts(const char *s, int64_t *us) {
  int y, mo, d, h, mi, sec, n = 0;
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
    return -1;
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
      sec > 59 || h < 0 || mi < 0 || sec < 0)
    return -1;
  const char *p = s + n;
  int64_t frac_us = 0;
  if (*p == '.') {
    int64_t scale = 100000;
    for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10) frac_us += (*p - '0') * scale;
  }
  if (*p == 'Z' || *p == 'z') p++;
  else if (strncmp(p, "+00:00", 6) == 0) p += 6;
  if (*p) return -1;
  int64_t days = days_from_civil(y, mo, d);
  *us = ((days * 86400 + h * 3600 + mi * 60 + sec) * 1000000) + frac_us;
  return 0;
}
