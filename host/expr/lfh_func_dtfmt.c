/* lfh_func_dtfmt.c — Spark datetime patterns (a documented subset) and Spark's ISO 8601
 * string-to-timestamp forms, for the datetime functions. UTC only. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/lfh_func_internal.h"

static const char *const k_months[] = {"January", "February", "March",     "April",
                                       "May",     "June",     "July",      "August",
                                       "September", "October", "November", "December"};
static const char *const k_days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                     "Friday", "Saturday", "Sunday"};

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* Reads min..max digits at s[*i]; greedy. */
static int read_num(const char *s, size_t n, size_t *i, int min, int max, int64_t *v) {
  int k = 0;
  int64_t x = 0;
  while (k < max && *i + (size_t)k < n && is_digit(s[*i + (size_t)k])) x = x * 10 + (s[*i + (size_t)k++] - '0');
  if (k < min) return 0;
  *i += (size_t)k;
  *v = x;
  return 1;
}

static int starts_ci(const char *s, size_t n, size_t i, const char *word, size_t wlen) {
  return n - i >= wlen && strncasecmp(s + i, word, wlen) == 0;
}

/* A zone at s[*i]: "Z", "+HH", "+HHMM", "+HH:MM", optionally after "UTC"/"GMT"/"UT"
 * (names only when `names`), all case-insensitive. Offset in seconds east of UTC. */
static int read_zone(const char *s, size_t n, size_t *i, int names, int32_t *off) {
  size_t j = *i;
  *off = 0;
  if (j < n && (s[j] == 'Z' || s[j] == 'z') && (j + 1 == n || !is_alpha(s[j + 1]))) {
    *i = j + 1;
    return 1;
  }
  int named = 0;
  if (names) {
    static const char *const ids[] = {"Etc/UTC", "Etc/GMT", "UTC", "GMT", "UT"};
    for (size_t k = 0; k < sizeof ids / sizeof ids[0] && !named; k++)
      if (starts_ci(s, n, j, ids[k], strlen(ids[k]))) {
        j += strlen(ids[k]);
        named = 1;
      }
  }
  if (j < n && (s[j] == '+' || s[j] == '-')) {
    int neg = s[j++] == '-';
    int64_t hh, mm = 0;
    if (!read_num(s, n, &j, named ? 1 : 2, 2, &hh)) return 0;
    if (j < n && s[j] == ':') {
      j++;
      if (!read_num(s, n, &j, 2, 2, &mm)) return 0;
    } else if (j + 1 < n && is_digit(s[j]) && is_digit(s[j + 1])) {
      read_num(s, n, &j, 2, 2, &mm);
    }
    if (hh > 18 || mm > 59 || (hh == 18 && mm)) return 0;
    *off = (int32_t)((neg ? -1 : 1) * (hh * 3600 + mm * 60));
  } else if (!named) {
    return 0;
  }
  *i = j;
  return 1;
}

/* ------------------------------------------------------------ ISO 8601 (CAST forms) */

void lfh_trim_space(const char **p, size_t *n) {
  while (*n && (unsigned char)(*p)[0] <= ' ') (*p)++, (*n)--;
  while (*n && (unsigned char)(*p)[*n - 1] <= ' ') (*n)--;
}

/* "[+-]yyyy[-m[m][-d[d]]]": year of 4 to 7 digits as Spark. Returns how many parts. */
static int read_iso_date(const char *s, size_t n, size_t *i, int64_t *y, int *m, int *d) {
  int neg = 0;
  int64_t v;
  if (*i < n && (s[*i] == '-' || s[*i] == '+')) neg = s[(*i)++] == '-';
  if (!read_num(s, n, i, 4, 7, &v) || (*i < n && is_digit(s[*i]))) return 0;
  *y = neg ? -v : v;
  *m = *d = 1;
  if (*i >= n || s[*i] != '-') return 1;
  (*i)++;
  if (!read_num(s, n, i, 1, 2, &v)) return 0;
  *m = (int)v;
  if (*i >= n || s[*i] != '-') return 2;
  (*i)++;
  if (!read_num(s, n, i, 1, 2, &v)) return 0;
  *d = (int)v;
  return 3;
}

static int valid_date(int64_t y, int m, int d) {
  return m >= 1 && m <= 12 && d >= 1 && d <= lfh_days_in_month(y, m);
}

int lfh_parse_iso_date(const char *p, size_t n, int32_t *days) {
  lfh_trim_space(&p, &n);
  size_t i = 0;
  int64_t y;
  int m, d, parts = read_iso_date(p, n, &i, &y, &m, &d);
  if (!parts) return 0;
  /* A time part after the date is ignored, as Spark's cast does. */
  if (i < n && !(parts == 3 && (p[i] == ' ' || p[i] == 'T'))) return 0;
  if (!valid_date(y, m, d) || y < -5000000 || y > 5000000) return 0;
  int64_t v = lfh_days_from_civil(y, m, d);
  if (v < INT32_MIN || v > INT32_MAX) return 0;
  *days = (int32_t)v;
  return 1;
}

/* "h[h][:m[m][:s[s][.fraction]]]", fraction truncated to microseconds. */
static int read_iso_time(const char *s, size_t n, size_t *i, int *hh, int *mi, int *ss,
                         int32_t *us) {
  int64_t v;
  *mi = *ss = 0;
  *us = 0;
  if (!read_num(s, n, i, 1, 2, &v)) return 0;
  *hh = (int)v;
  if (*i >= n || s[*i] != ':') return 1;
  (*i)++;
  if (!read_num(s, n, i, 1, 2, &v)) return 0;
  *mi = (int)v;
  if (*i >= n || s[*i] != ':') return 1;
  (*i)++;
  if (!read_num(s, n, i, 1, 2, &v)) return 0;
  *ss = (int)v;
  if (*i >= n || s[*i] != '.') return 1;
  (*i)++;
  int32_t scale = 100000;
  for (; *i < n && is_digit(s[*i]); (*i)++, scale /= 10) *us += (s[*i] - '0') * scale;
  return 1;
}

int lfh_parse_iso_timestamp(const char *p, size_t n, int64_t *us) {
  lfh_trim_space(&p, &n);
  size_t i = 0;
  int64_t y;
  int m, d, hh = 0, mi = 0, ss = 0;
  int32_t frac = 0, off = 0;
  int parts = read_iso_date(p, n, &i, &y, &m, &d);
  if (!parts) return 0;
  if (i < n) {
    if (parts != 3 || (p[i] != ' ' && p[i] != 'T')) return 0;
    i++;
    if (i < n && !read_iso_time(p, n, &i, &hh, &mi, &ss, &frac)) return 0;
    while (i < n && p[i] == ' ') i++;
    if (i < n && !read_zone(p, n, &i, 1, &off)) return 0;
    if (i != n) return 0;
  }
  if (!valid_date(y, m, d) || hh > 23 || mi > 59 || ss > 59) return 0;
  return lfh_tm_to_us(y, m, d, hh, mi, ss, frac, off, us) == 0;
}

/* ------------------------------------------------------------ compiling patterns */

/* The letters supported and the most repetitions of each. */
static int max_count(char c) {
  switch (c) {
  case 'y': return 6;
  case 'M': case 'L': case 'E': case 'z': return 4;
  case 'd': case 'H': case 'h': case 'k': case 'K': case 'm': case 's': return 2;
  case 'D': case 'Q': case 'q': case 'X': case 'x': return 3;
  case 'Z': return 5;
  case 'S': return 9;
  case 'a': return 1;
  case 'V': return 2;
  default: return 0;
  }
}

static int add_item(lfh_dtf *f, char letter, int count, const char *lit, size_t len) {
  if (f->n == LFH_DTF_MAX || len > UINT16_MAX) return -1;
  lfh_dtf_item *it = &f->item[f->n++];
  it->letter = letter;
  it->count = (uint8_t)count;
  it->lit = lit;
  it->len = (uint16_t)len;
  return 0;
}

/* A quoted literal starting after the opening quote at pat[*i - 1]: `''` inside is one
 * quote. Adds one literal item per run. */
static int compile_quoted(const char *pat, size_t n, size_t *i, lfh_dtf *f) {
  size_t start = *i;
  for (;;) {
    if (*i >= n) return -2;
    if (pat[*i] != '\'') {
      (*i)++;
      continue;
    }
    if (*i + 1 < n && pat[*i + 1] == '\'') { /* an escaped quote: keep one of the two */
      if (add_item(f, 0, 0, pat + start, *i + 1 - start) < 0) return -1;
      *i += 2;
      start = *i;
      continue;
    }
    if (*i > start && add_item(f, 0, 0, pat + start, *i - start) < 0) return -1;
    (*i)++;
    return 0;
  }
}

int lfh_dtf_compile(const char *fn, const char *pat, size_t n, lfh_dtf *f, lf_error *err) {
  int depth = 0, rc = 0;
  f->n = 0;
  for (size_t i = 0; i < n && rc == 0;) {
    char c = pat[i];
    if (c == '\'') {
      if (i + 1 < n && pat[i + 1] == '\'') {
        rc = add_item(f, 0, 0, pat + i, 1);
        i += 2;
      } else {
        i++;
        rc = compile_quoted(pat, n, &i, f);
      }
    } else if (is_alpha(c)) {
      size_t j = i;
      while (j < n && pat[j] == c) j++;
      int count = (int)(j - i), mx = max_count(c);
      if (!mx)
        return lf_error_set(err, LF_ERR_INVALID, "%s: unsupported datetime pattern letter '%c'",
                            fn, c);
      if (count > mx || (c == 'V' && count != 2))
        return lf_error_set(err, LF_ERR_INVALID,
                            "%s: too many pattern letters '%c' (at most %d)", fn, c, mx);
      rc = add_item(f, c, count, NULL, 0);
      i = j;
    } else if (c == '[' || c == ']') {
      depth += c == '[' ? 1 : -1;
      if (depth < 0)
        return lf_error_set(err, LF_ERR_INVALID, "%s: ']' without '[' in datetime pattern", fn);
      rc = add_item(f, c, 0, NULL, 0);
      i++;
    } else if (c == '{' || c == '}' || c == '#') {
      return lf_error_set(err, LF_ERR_INVALID, "%s: reserved character '%c' in datetime pattern",
                          fn, c);
    } else {
      size_t j = i;
      while (j < n && !is_alpha(pat[j]) && strchr("'[]{}#", pat[j]) == NULL) j++;
      rc = add_item(f, 0, 0, pat + i, j - i);
      i = j;
    }
  }
  if (rc == -1) return lf_error_set(err, LF_ERR_INVALID, "%s: datetime pattern too long", fn);
  if (rc == -2)
    return lf_error_set(err, LF_ERR_INVALID, "%s: unterminated quote in datetime pattern", fn);
  if (depth != 0)
    return lf_error_set(err, LF_ERR_INVALID, "%s: '[' without ']' in datetime pattern", fn);
  return LF_OK;
}

/* ------------------------------------------------------------ parsing */

/* Fields seen while parsing; -1 = not given. */
typedef struct parsed {
  int64_t year, month, day, doy, hour24, hour_k, hour12, hour_K, pm, min, sec;
  int32_t micros, offset;
  int yy; /* year came from 'yy' */
} parsed;

static int read_name(const char *s, size_t n, size_t *i, const char *const *names, int count,
                     int full, int64_t *v) {
  for (int k = 0; k < count; k++) {
    size_t len = full ? strlen(names[k]) : 3;
    if (starts_ci(s, n, *i, names[k], len)) {
      *i += len;
      *v = k + 1;
      return 1;
    }
  }
  return 0;
}

/* The digits a numeric field reads: `*min`..`*max`. */
static void widths(char c, int count, int *min, int *max) {
  *min = count;
  *max = count;
  if (c == 'y') *max = count == 2 ? 2 : (count >= 4 ? count : 6);
  else if (c == 'D') *max = 3;
  else if (c == 'S') *min = 1;
  else if (count == 1) *max = 2;
}

static int parse_field(const lfh_dtf_item *it, const char *s, size_t n, size_t *i, parsed *st) {
  int64_t v;
  int min, max;
  char c = it->letter;
  if ((c == 'M' || c == 'L') && it->count >= 3)
    return read_name(s, n, i, k_months, 12, it->count == 4, &st->month);
  if (c == 'E') return read_name(s, n, i, k_days, 7, it->count == 4, &v);
  if (c == 'a') {
    if (starts_ci(s, n, *i, "AM", 2) || starts_ci(s, n, *i, "PM", 2)) {
      st->pm = s[*i] == 'P' || s[*i] == 'p';
      *i += 2;
      return 1;
    }
    return 0;
  }
  if (c == 'X' || c == 'x' || c == 'Z' || c == 'z' || c == 'V')
    return read_zone(s, n, i, c == 'z' || c == 'V' || (c == 'Z' && it->count == 4), &st->offset);
  if ((c == 'Q' || c == 'q') && it->count == 3) {
    if (*i >= n || (s[*i] != 'Q' && s[*i] != 'q')) return 0;
    (*i)++;
    return read_num(s, n, i, 1, 1, &v) && v >= 1 && v <= 4;
  }
  widths(c, it->count, &min, &max);
  size_t start = *i;
  if (!read_num(s, n, i, min, max, &v)) return 0;
  switch (c) {
  case 'y': st->year = it->count == 2 ? 2000 + v : v; break;
  case 'M': case 'L': st->month = v; break;
  case 'd': st->day = v; break;
  case 'D': st->doy = v; break;
  case 'H': st->hour24 = v; break;
  case 'k': st->hour_k = v; break;
  case 'h': st->hour12 = v; break;
  case 'K': st->hour_K = v; break;
  case 'm': st->min = v; break;
  case 's': st->sec = v; break;
  case 'S': {
    int digits = (int)(*i - start);
    for (; digits < 6; digits++) v *= 10;
    for (; digits > 6; digits--) v /= 10;
    st->micros = (int32_t)v;
    break;
  }
  default: return v >= 1 && v <= 4; /* quarter: checked, not used */
  }
  return 1;
}

/* Parses items [*k, end) up to the ']' closing the current optional part. */
static int parse_items(const lfh_dtf *f, int *k, const char *s, size_t n, size_t *i, parsed *st) {
  for (; *k < f->n; (*k)++) {
    const lfh_dtf_item *it = &f->item[*k];
    if (it->letter == ']') return 1;
    if (it->letter == '[') {
      parsed save = *st;
      size_t at = *i;
      (*k)++;
      if (!parse_items(f, k, s, n, i, st)) {
        *st = save;
        *i = at;
        for (int depth = 0; *k < f->n; (*k)++) { /* skip to the matching ']' */
          if (f->item[*k].letter == '[') depth++;
          else if (f->item[*k].letter == ']' && depth-- == 0) break;
        }
      }
      continue;
    }
    if (it->letter == 0) {
      if (n - *i < it->len || strncasecmp(s + *i, it->lit, it->len) != 0) return 0;
      *i += it->len;
    } else if (!parse_field(it, s, n, i, st)) {
      return 0;
    }
  }
  return 1;
}

static int resolve_hour(const parsed *st, int64_t *hour) {
  if (st->hour24 >= 0) *hour = st->hour24;
  else if (st->hour_k >= 0) {
    if (st->hour_k < 1 || st->hour_k > 24) return 0;
    *hour = st->hour_k % 24;
  } else if (st->hour12 >= 0) {
    if (st->hour12 < 1 || st->hour12 > 12) return 0;
    *hour = st->hour12 % 12 + (st->pm > 0 ? 12 : 0);
  } else if (st->hour_K >= 0) {
    if (st->hour_K > 11) return 0;
    *hour = st->hour_K + (st->pm > 0 ? 12 : 0);
  } else {
    *hour = 0;
  }
  return *hour <= 23;
}

static int resolve_date(const parsed *st, int64_t *year, int *month, int *day) {
  *year = st->year >= 0 ? st->year : 1970;
  *month = (int)(st->month >= 0 ? st->month : 1);
  *day = (int)(st->day >= 0 ? st->day : 1);
  if (st->doy < 0) return valid_date(*year, *month, *day);
  if (st->doy < 1 || st->doy > 365 + lfh_is_leap(*year)) return 0;
  int64_t y2;
  int m2, d2;
  lfh_civil_from_days(lfh_days_from_civil(*year, 1, 1) + st->doy - 1, &y2, &m2, &d2);
  if ((st->month >= 0 && st->month != m2) || (st->day >= 0 && st->day != d2)) return 0;
  *month = m2;
  *day = d2;
  return 1;
}

int lfh_dtf_parse(const lfh_dtf *f, const char *s, size_t n, int64_t *us) {
  parsed st = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0};
  size_t i = 0;
  int k = 0;
  if (!parse_items(f, &k, s, n, &i, &st) || i != n) return 0;
  int64_t year, hour;
  int month, day;
  if (!resolve_date(&st, &year, &month, &day) || !resolve_hour(&st, &hour)) return 0;
  int64_t mi = st.min >= 0 ? st.min : 0, sec = st.sec >= 0 ? st.sec : 0;
  if (mi > 59 || sec > 59) return 0;
  return lfh_tm_to_us(year, month, day, (int)hour, (int)mi, (int)sec, st.micros, st.offset,
                      us) == 0;
}

/* ------------------------------------------------------------ formatting */

typedef struct outbuf {
  char *p;
  size_t len, cap;
  int over;
} outbuf;

static void put(outbuf *o, const char *s, size_t n) {
  if (o->cap - o->len < n) {
    o->over = 1;
    return;
  }
  memcpy(o->p + o->len, s, n);
  o->len += n;
}

/* v zero-padded to `width` digits; a '-' for negatives, a '+' when `plus` and the value
 * needs more digits than the width (Java's EXCEEDS_PAD for years). */
static void put_num(outbuf *o, int64_t v, int width, int plus) {
  char tmp[24];
  int k = 0;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do tmp[k++] = (char)('0' + u % 10); while ((u /= 10) != 0);
  if (v < 0) put(o, "-", 1);
  else if (plus && k > width) put(o, "+", 1);
  for (int z = k; z < width; z++) put(o, "0", 1);
  while (k) put(o, &tmp[--k], 1);
}

static void put_zone(outbuf *o, char c, int count) {
  if (c == 'X' || (c == 'Z' && count == 5)) put(o, "Z", 1);
  else if (c == 'x') {
    static const char *const forms[] = {"+00", "+0000", "+00:00"};
    put(o, forms[count - 1], strlen(forms[count - 1]));
  }
  else if (c == 'Z') put(o, count == 4 ? "GMT" : "+0000", count == 4 ? 3 : 5);
  else if (c == 'z' && count == 4) put(o, "Coordinated Universal Time", 26);
  else put(o, "UTC", 3);
}

static void format_field(outbuf *o, const lfh_dtf_item *it, const lfh_tm *tm) {
  int cnt = it->count;
  switch (it->letter) {
  case 'y':
    if (cnt == 2) put_num(o, lfh_floormod(tm->year, 100), 2, 0);
    else put_num(o, tm->year, cnt, cnt >= 4);
    break;
  case 'M': case 'L':
    if (cnt >= 3) {
      const char *name = k_months[tm->month - 1];
      put(o, name, cnt == 4 ? strlen(name) : 3);
    } else {
      put_num(o, tm->month, cnt, 0);
    }
    break;
  case 'd': put_num(o, tm->day, cnt, 0); break;
  case 'D': put_num(o, tm->days - lfh_days_from_civil(tm->year, 1, 1) + 1, cnt, 0); break;
  case 'H': put_num(o, tm->hour, cnt, 0); break;
  case 'k': put_num(o, tm->hour ? tm->hour : 24, cnt, 0); break;
  case 'h': put_num(o, tm->hour % 12 ? tm->hour % 12 : 12, cnt, 0); break;
  case 'K': put_num(o, tm->hour % 12, cnt, 0); break;
  case 'm': put_num(o, tm->min, cnt, 0); break;
  case 's': put_num(o, tm->sec, cnt, 0); break;
  case 'S': {
    char digits[10];
    int32_t v = tm->micros;
    for (int k = 5; k >= 0; k--, v /= 10) digits[k] = (char)('0' + v % 10);
    memset(digits + 6, '0', 3);
    put(o, digits, (size_t)cnt);
    break;
  }
  case 'a': put(o, tm->hour < 12 ? "AM" : "PM", 2); break;
  case 'E': {
    const char *name = k_days[lfh_iso_weekday(tm->days) - 1];
    put(o, name, cnt == 4 ? strlen(name) : 3);
    break;
  }
  case 'Q': case 'q':
    if (cnt == 3) put(o, "Q", 1);
    put_num(o, (tm->month - 1) / 3 + 1, cnt == 2 ? 2 : 1, 0);
    break;
  default: put_zone(o, it->letter, cnt); break;
  }
}

int lfh_dtf_format(const lfh_dtf *f, int64_t us, char *buf, size_t cap) {
  lfh_tm tm;
  lfh_tm_from_us(us, &tm);
  outbuf o = {buf, 0, cap, 0};
  for (int k = 0; k < f->n; k++) {
    const lfh_dtf_item *it = &f->item[k];
    if (it->letter == 0) put(&o, it->lit, it->len);
    else if (it->letter != '[' && it->letter != ']') format_field(&o, it, &tm);
  }
  return o.over ? -1 : (int)o.len;
}

size_t lfh_dtf_max_len(const lfh_dtf *f) {
  size_t n = 0;
  for (int k = 0; k < f->n; k++) n += f->item[k].letter ? 32 : f->item[k].len;
  return n;
}

/* ------------------------------------------------------------ prepared formats */

int lfh_dtf_prep_new(const char *fn, const lfh_vec *c, int absent, const char *dflt,
                     lfh_dtf_prep **out, lf_error *err) {
  const char *p = dflt;
  size_t n = 0;
  int state = absent ? 1 : lfh_fn_const_str(c, &p, &n);
  if (absent) n = strlen(dflt);
  lfh_dtf_prep *pp = malloc(sizeof(*pp) + (state == 1 ? n + 1 : 1));
  if (!pp) return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", fn);
  pp->state = state;
  pp->f.n = 0;
  if (state == 1) {
    memcpy(pp->text, p, n);
    pp->text[n] = '\0';
    int rc = lfh_dtf_compile(fn, pp->text, n, &pp->f, err);
    if (rc < 0) {
      free(pp);
      return rc;
    }
  }
  *out = pp;
  return LF_OK;
}

const lfh_dtf *lfh_dtf_for_row(const lfh_dtf_prep *p, const lfh_vec *fmt, int64_t r,
                               lfh_dtf *scratch) {
  if (p->state == 1) return &p->f;
  if (p->state == 0 || !fmt || !LFH_VALID(fmt, r)) return NULL;
  size_t n;
  const char *s = lfh_fn_str(fmt, r, &n);
  return lfh_dtf_compile("", s, n, scratch, NULL) == LF_OK ? scratch : NULL;
}
