/* lfb_json_scan.c — the byte-level JSON scanner of lfb_json: strings (UTF-8 and escape
 * validation, unescaping), numbers, skipping whole values, ISO 8601 dates and times,
 * escaping text into JSON, and type inference for new fields. Every read is bounds
 * checked against `end`: the input is a borrowed file buffer with no sentinel. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lfb_json_internal.h"


int lfb_grow(void *pp, size_t *cap, size_t need) {
  size_t n = *cap ? *cap : 64;
  while (n < need) {
    if (n > SIZE_MAX / 2) return J_NOMEM;
    n *= 2;
  }
  void *q = realloc(*(void **)pp, n);
  if (!q) return J_NOMEM;
  *(void **)pp = q;
  *cap = n;
  return J_OK;
}

/* ------------------------------------------------------------ strings */

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), 0 if invalid: no
 * overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;
  if (c < 0xC2) return 0;
  if (c < 0xE0) n = 2;
  else if (c < 0xF0) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c < 0xF5) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else return 0;
  if ((size_t)(end - p) < n) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if ((p[i] & 0xC0) != 0x80) return 0;
  return n;
}

static int hexval(unsigned c) {
  if (c - '0' < 10) return (int)(c - '0');
  c |= 0x20;
  if (c - 'a' < 6) return (int)(c - 'a' + 10);
  return -1;
}

/* Four hex digits at p (bounds checked by the caller); -1 if not hex. */
static long hex4(const unsigned char *p) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The high bit of each byte that is '"', '\\', a control byte or non-ASCII. Only the
 * lowest flagged byte is exact (borrows may flag bytes above it); that is all we use. */
static inline uint64_t special8(uint64_t v) {
  uint64_t q = v ^ (ONES * '"');
  uint64_t b = v ^ (ONES * '\\');
  return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((v - ONES * 0x20) & ~v) | v) & HIGHS;
}

/* Validates the escape at p ('\\'); returns its length or 0. */
static size_t escape_len(const unsigned char *p, const unsigned char *end) {
  if (end - p < 2) return 0;
  switch (p[1]) {
  case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
    return 2;
  case 'u': break;
  default: return 0;
  }
  if (end - p < 6) return 0;
  long u = hex4(p + 2);
  if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF)) return 0; /* a lone low surrogate */
  if (u < 0xD800 || u > 0xDBFF) return 6;
  if (end - p < 12 || p[6] != '\\' || p[7] != 'u') return 0;
  long lo = hex4(p + 8);
  return lo >= 0xDC00 && lo <= 0xDFFF ? 12 : 0;
}

/* A plain byte: neither '"', '\\', a control byte nor the start of non-ASCII UTF-8. */
static inline int plain_byte(unsigned c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

/* The switch of lfb_json_force_scalar: 0 lets the 16-byte SSE2 paths run. */
int lfb_json_scalar;

void lfb_json_force_scalar(int on) { lfb_json_scalar = on; }

#ifdef __SSE2__
/* Bit i set when byte i of v is special (see plain_byte). A signed compare below 0x20
 * catches control bytes and 0x80..0xFF (negative as int8) at once. */
static inline unsigned special16(__m128i v) {
  __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  __m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  __m128i c = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, b), c));
}
#endif

/* The first special byte in [p, e), or e. Blocks are only loaded whole inside [p, e). */
static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *e) {
#ifdef __SSE2__
  if (!lfb_json_scalar) {
    while (e - p >= 16) {
      unsigned m = special16(_mm_loadu_si128((const __m128i *)(const void *)p));
      if (m) return p + __builtin_ctz(m);
      p += 16;
    }
  }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (e - p >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    uint64_t m = special8(v);
    if (m) return p + (__builtin_ctzll(m) >> 3);
    p += 8;
  }
#endif
  while (p < e && plain_byte(*p)) p++;
  return p;
}

const char *lfb_scan_string(const char *sp, const char *se, unsigned *flags) {
  const unsigned char *p = (const unsigned char *)sp, *end = (const unsigned char *)se;
  unsigned f = 0;
  for (;;) {
    p = skip_plain(p, end);
    if (p >= end) return NULL;
    unsigned c = *p;
    if (c == '"') {
      *flags = f;
      return (const char *)p + 1;
    }
    size_t n;
    if (c == '\\') {
      n = escape_len(p, end);
      f |= SCAN_ESC;
    } else if (c >= 0x80) {
      n = utf8_len(p, end);
      f |= SCAN_NONASCII;
    } else {
      n = 0; /* a control byte */
    }
    if (!n) return NULL;
    p += n;
  }
}

static size_t put_utf8(char *o, unsigned long u) {
  if (u < 0x80) {
    o[0] = (char)u;
    return 1;
  }
  if (u < 0x800) {
    o[0] = (char)(0xC0 | (u >> 6));
    o[1] = (char)(0x80 | (u & 0x3F));
    return 2;
  }
  if (u < 0x10000) {
    o[0] = (char)(0xE0 | (u >> 12));
    o[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    o[2] = (char)(0x80 | (u & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (u >> 18));
  o[1] = (char)(0x80 | ((u >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((u >> 6) & 0x3F));
  o[3] = (char)(0x80 | (u & 0x3F));
  return 4;
}

size_t lfb_unescape(const char *s, size_t n, char *out) {
  const char *end = s + n;
  char *o = out;
  while (s < end) {
    const char *bs = memchr(s, '\\', (size_t)(end - s));
    size_t run = (size_t)((bs ? bs : end) - s);
    memcpy(o, s, run);
    o += run;
    s += run;
    if (!bs) break;
    char e = s[1];
    s += 2;
    switch (e) {
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u': {
      unsigned long u = (unsigned long)hex4((const unsigned char *)s);
      s += 4;
      if (u >= 0xD800 && u <= 0xDBFF) { /* validated: a low surrogate follows */
        unsigned long lo = (unsigned long)hex4((const unsigned char *)s + 2);
        s += 6;
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      }
      o += put_utf8(o, u);
      break;
    }
    default: *o++ = e; break; /* " \ / */
    }
  }
  return (size_t)(o - out);
}

/* Decodes the (validated) escape at p into o; returns the bytes written, *used the
 * input consumed. */
static size_t unescape_one(const unsigned char *p, unsigned char *o, size_t *used) {
  static const char simple[256] = {['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
                                   ['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t'};
  if (p[1] != 'u') {
    *used = 2;
    *o = (unsigned char)simple[p[1]];
    return 1;
  }
  unsigned long u = (unsigned long)hex4(p + 2);
  *used = 6;
  if (u >= 0xD800 && u <= 0xDBFF) {
    u = 0x10000 + ((u - 0xD800) << 10) + ((unsigned long)hex4(p + 8) - 0xDC00);
    *used = 12;
  }
  return put_utf8((char *)o, u);
}

/* Copies the plain bytes at *pp to out + *po while they fit below `cap`: blocks are
 * stored before they are tested (the room is there), so a run of plain characters costs
 * one load, one test and one store per block. Returns 1 when it stopped at a special
 * byte or at `e`, 0 when the room ran out first. */
static inline int copy_plain(const unsigned char **pp, const unsigned char *e, unsigned char *out,
                             size_t *po, size_t cap) {
  const unsigned char *p = *pp;
  size_t o = *po;
  int stop = 1;
#ifdef __SSE2__
  if (!lfb_json_scalar) {
    while (e - p >= 16 && cap - o >= 16) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
      _mm_storeu_si128((__m128i *)(void *)(out + o), v);
      unsigned m = special16(v);
      if (m) {
        size_t k = (size_t)__builtin_ctz(m);
        p += k;
        o += k;
        goto done;
      }
      p += 16;
      o += 16;
    }
  }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (e - p >= 8 && cap - o >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    memcpy(out + o, &v, 8);
    uint64_t m = special8(v);
    if (m) {
      size_t k = (size_t)__builtin_ctzll(m) >> 3;
      p += k;
      o += k;
      goto done;
    }
    p += 8;
    o += 8;
  }
#endif
  while (p < e && o < cap && plain_byte(*p)) out[o++] = *p++;
  stop = p >= e || o < cap;
done:
  *pp = p;
  *po = o;
  return stop;
}

int lfb_copy_string(const char **pp, const char *end, uint8_t **data, size_t *cap, size_t at,
                    size_t *n) {
  const unsigned char *p = (const unsigned char *)*pp, *e = (const unsigned char *)end;
  size_t o = at;
  for (;;) {
    if (*cap - o < 16 && lfb_grow(data, cap, o + 16) != J_OK) return J_NOMEM;
    if (!copy_plain(&p, e, *data, &o, *cap)) continue; /* more room first */
    if (p >= e) return J_SYNTAX;
    unsigned c = *p;
    if (c == '"') {
      *pp = (const char *)p + 1;
      *n = o - at;
      return J_OK;
    }
    /* A decoded escape or UTF-8 sequence takes at most 4 bytes. */
    if (*cap - o < 4 && lfb_grow(data, cap, o + 16) != J_OK) return J_NOMEM;
    unsigned char *out = *data;
    if (c == '\\') {
      size_t len = escape_len(p, e), used;
      if (!len) return J_SYNTAX;
      o += unescape_one(p, out + o, &used);
      p += used;
    } else if (c >= 0x80) {
      size_t len = utf8_len(p, e);
      if (!len) return J_SYNTAX;
      memcpy(out + o, p, len);
      o += len;
      p += len;
    } else {
      return J_SYNTAX; /* a control byte */
    }
  }
}

int lfb_copy_rest(const unsigned char **pp, const unsigned char *lim, const unsigned char *e,
                  unsigned char **po) {
  const unsigned char *p = *pp;
  unsigned char *o = *po;
  int rc;
  for (;;) {
    /* Plain runs (the caller made room for everything up to lim). */
    size_t off = 0;
    copy_plain(&p, lim, o, &off, (size_t)(lim - p));
    o += off;
    if (p >= lim) {
      rc = lim < e ? J_ROOM : J_SYNTAX;
      break;
    }
    unsigned c = *p;
    if (c == '"') {
      p++;
      rc = J_OK;
      break;
    }
    size_t len = c == '\\' ? escape_len(p, e) : c >= 0x80 ? utf8_len(p, e) : 0;
    if (!len) return J_SYNTAX; /* a bad escape or UTF-8 sequence, or a control byte */
    if (c == '\\') {
      o += unescape_one(p, o, &len);
    } else {
      memcpy(o, p, len);
      o += len;
    }
    p += len;
  }
  *pp = p;
  *po = o;
  return rc;
}

/* ------------------------------------------------------------ numbers */

/* The extent of a JSON number at p: returns the end or NULL; *is_int when it has neither
 * fraction nor exponent. */
static const char *number_end(const char *p, const char *end, int *is_int) {
  *is_int = 1;
  if (p < end && *p == '-') p++;
  if (p >= end) return NULL;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9')
    while (p < end && (unsigned)(*p - '0') < 10) p++;
  else return NULL;
  if (p < end && *p == '.') {
    *is_int = 0;
    p++;
    const char *d = p;
    while (p < end && (unsigned)(*p - '0') < 10) p++;
    if (p == d) return NULL;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    *is_int = 0;
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    const char *d = p;
    while (p < end && (unsigned)(*p - '0') < 10) p++;
    if (p == d) return NULL;
  }
  return p;
}

int lfb_parse_int64(const char **pp, const char *end, int64_t *out) {
  const char *p = *pp;
  int neg = 0;
  if (p < end && *p == '-') {
    neg = 1;
    p++;
  }
  if (p >= end || (unsigned)(*p - '0') >= 10) return J_SYNTAX;
  uint64_t m = 0;
  int over = 0;
  if (*p == '0') {
    p++;
  } else {
    while (p < end && (unsigned)(*p - '0') < 10) {
      unsigned d = (unsigned)(*p - '0');
      if (m > (UINT64_MAX - d) / 10) over = 1;
      else m = m * 10 + d;
      p++;
    }
  }
  if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
    int is_int;
    return number_end(*pp, end, &is_int) ? J_MISMATCH : J_SYNTAX;
  }
  if (p < end && (unsigned)(*p - '0') < 10) return J_SYNTAX; /* a leading zero */
  *pp = p;
  if (over || m > (uint64_t)INT64_MAX + (uint64_t)neg) return J_MISMATCH;
  *out = neg ? (int64_t)(0 - m) : (int64_t)m;
  return J_OK;
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Clinger's fast path: a mantissa below 2^53 times an exactly representable power of
 * ten rounds once, so the result is the correctly rounded value. Anything else (long
 * mantissas, big exponents) goes to strtod. */
int lfb_parse_double(const char **pp, const char *end, jbuf *scratch, double *out) {
  const char *s = *pp, *p = s;
  int is_int;
  const char *e = number_end(s, end, &is_int);
  if (!e) return J_SYNTAX;
  int neg = *p == '-';
  p += neg;
  uint64_t m = 0;
  int nd = 0, exp10 = 0, exact = 1;
  for (; p < e && (unsigned)(*p - '0') < 10; p++) {
    if (nd < 19) {
      m = m * 10 + (unsigned)(*p - '0');
      if (m) nd++;
    } else {
      exp10++;
      exact = 0;
    }
  }
  if (p < e && *p == '.') {
    for (p++; p < e && (unsigned)(*p - '0') < 10; p++) {
      if (nd < 19) {
        m = m * 10 + (unsigned)(*p - '0');
        if (m) nd++;
        exp10--;
      } else {
        exact = 0;
      }
    }
  }
  if (p < e) { /* exponent */
    p++;
    int eneg = *p == '-';
    if (*p == '+' || *p == '-') p++;
    int x = 0;
    for (; p < e; p++)
      if (x < 100000) x = x * 10 + (*p - '0');
    exp10 += eneg ? -x : x;
  }
  *pp = e;
  if (exact && m <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
    double v = (double)m;
    v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
    *out = neg ? -v : v;
    return J_OK;
  }
  if (m == 0) { /* all digits zero: 0e999 is still zero */
    *out = neg ? -0.0 : 0.0;
    return J_OK;
  }
  size_t n = (size_t)(e - s);
  scratch->len = 0;
  if (jbuf_put(scratch, s, n) != J_OK) return J_NOMEM;
  scratch->p[n] = '\0';
  errno = 0;
  double v = strtod(scratch->p, NULL);
  if (isinf(v)) return J_MISMATCH; /* out of double's range */
  *out = v;
  return J_OK;
}

/* ------------------------------------------------------------ skipping values */

static const char *skip_lit(const char *p, const char *end, const char *lit, size_t n) {
  return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0 ? p + n : NULL;
}

const char *lfb_skip_value(const char *p, const char *end, int depth) {
  if (p >= end) return NULL;
  int is_int;
  unsigned f;
  switch (*p) {
  case '"': return lfb_scan_string(p + 1, end, &f);
  case 't': return skip_lit(p, end, "true", 4);
  case 'f': return skip_lit(p, end, "false", 5);
  case 'n': return skip_lit(p, end, "null", 4);
  case '[': case '{': break;
  default: return number_end(p, end, &is_int);
  }
  if (depth > LFB_JSON_MAX_DEPTH) return NULL;
  char close = *p == '[' ? ']' : '}';
  p = lfb_skip_ws(p + 1, end);
  if (p < end && *p == close) return p + 1;
  for (;;) {
    if (close == '}') {
      if (p >= end || *p != '"' || !(p = lfb_scan_string(p + 1, end, &f))) return NULL;
      p = lfb_skip_ws(p, end);
      if (p >= end || *p != ':') return NULL;
      p = lfb_skip_ws(p + 1, end);
    }
    if (!(p = lfb_skip_value(p, end, depth + 1))) return NULL;
    p = lfb_skip_ws(p, end);
    if (p >= end) return NULL;
    if (*p == close) return p + 1;
    if (*p != ',') return NULL;
    p = lfb_skip_ws(p + 1, end);
  }
}

/* ------------------------------------------------------------ dates and times */

static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if ((unsigned)(s[i] - '0') >= 10) return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int month_days(int y, int m) {
  static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : md[m - 1];
}

/* "YYYY-MM-DD" at s (at least 10 bytes). */
static int parse_ymd(const char *s, int64_t *days) {
  int y, m, d;
  if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
      digits(s + 8, 2, &d))
    return -1;
  if (m < 1 || m > 12 || d < 1 || d > month_days(y, m)) return -1;
  *days = days_from_civil(y, m, d);
  return 0;
}

int lfb_parse_date(const char *s, size_t n, int32_t *out) {
  int64_t days;
  if (n != 10 || parse_ymd(s, &days)) return -1;
  *out = (int32_t)days;
  return 0;
}

/* Zone suffix at s[0..n): Z, +HH, +HHMM, +HH:MM (or '-'); seconds east in *off. */
static int parse_zone(const char *s, size_t n, int64_t *off) {
  if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
    *off = 0;
    return 0;
  }
  if (n < 3 || (s[0] != '+' && s[0] != '-')) return -1;
  int h, m = 0;
  if (digits(s + 1, 2, &h)) return -1;
  if (n == 6 && s[3] == ':') {
    if (digits(s + 4, 2, &m)) return -1;
  } else if (n == 5) {
    if (digits(s + 3, 2, &m)) return -1;
  } else if (n != 3) {
    return -1;
  }
  if (h > 18 || m > 59) return -1;
  *off = (s[0] == '-' ? -1 : 1) * (int64_t)(h * 3600 + m * 60);
  return 0;
}

int lfb_parse_timestamp(const char *s, size_t n, int ntz, int64_t *out) {
  int64_t days, off = 0, us = 0;
  int hh = 0, mi = 0, ss = 0;
  if (n < 10 || parse_ymd(s, &days)) return -1;
  size_t i = 10;
  if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
    if (n - i < 6 || digits(s + i + 1, 2, &hh) || s[i + 3] != ':' || digits(s + i + 4, 2, &mi))
      return -1;
    i += 6;
    if (i < n && s[i] == ':') {
      if (n - i < 3 || digits(s + i + 1, 2, &ss)) return -1;
      i += 3;
      if (i < n && (s[i] == '.' || s[i] == ',')) {
        size_t f0 = ++i;
        int64_t scale = 100000;
        for (; i < n && (unsigned)(s[i] - '0') < 10; i++, scale /= 10)
          us += (s[i] - '0') * scale; /* digits past microseconds truncate (scale 0) */
        if (i == f0) return -1;
      }
    }
    if (hh > 23 || mi > 59 || ss > 59) return -1;
  }
  if (i < n) {
    if (ntz || parse_zone(s + i, n - i, &off)) return -1;
  }
  *out = ((days * 86400 + hh * 3600 + mi * 60 + ss) - off) * 1000000 + us;
  return 0;
}

/* ------------------------------------------------------------ escaping */

int lfb_json_escape(jbuf *out, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  if (lfb_reserve(&out->p, &out->cap, out->len + n + 1) != J_OK) return J_NOMEM;
  while (p < end) {
    const unsigned char *r = p;
    while (r < end && *r >= 0x20 && *r < 0x80 && *r != '"' && *r != '\\') r++;
    if (r > p && jbuf_put(out, p, (size_t)(r - p)) != J_OK) return J_NOMEM;
    p = r;
    if (p >= end) break;
    char e[8];
    size_t k = 0;
    unsigned c = *p;
    if (c == '"' || c == '\\') {
      e[0] = '\\';
      e[1] = (char)c;
      k = 2;
      p++;
    } else if (c < 0x20) {
      memcpy(e, "\\u00", 4);
      e[4] = hex[c >> 4];
      e[5] = hex[c & 15];
      k = 6;
      p++;
    } else {
      size_t u = utf8_len(p, end);
      if (u) {
        memcpy(e, p, u);
        k = u;
        p += u;
      } else {
        memcpy(e, "\xEF\xBF\xBD", 3); /* U+FFFD for each invalid byte */
        k = 3;
        p++;
      }
    }
    if (jbuf_put(out, e, k) != J_OK) return J_NOMEM;
  }
  return J_OK;
}

/* ------------------------------------------------------------ type inference */

static int ddl_name(jbuf *out, const char *raw, size_t n) {
  char small[256];
  char *key = n <= sizeof small ? small : malloc(n);
  if (!key) return J_NOMEM;
  size_t k = lfb_unescape(raw, n, key);
  int plain = k > 0 && !((unsigned)(key[0] - '0') < 10);
  for (size_t i = 0; i < k && plain; i++) {
    unsigned c = (unsigned char)key[i];
    plain = c == '_' || (unsigned)(c - '0') < 10 || (unsigned)((c | 0x20) - 'a') < 26;
  }
  int rc = J_OK;
  if (plain) rc = jbuf_put(out, key, k);
  else {
    rc = jbuf_putc(out, '`');
    for (size_t i = 0; i < k && rc == J_OK; i++)
      rc = key[i] == '`' ? jbuf_put(out, "``", 2) : jbuf_putc(out, key[i]);
    if (rc == J_OK) rc = jbuf_putc(out, '`');
  }
  if (key != small) free(key);
  return rc;
}

static int infer_object(jbuf *out, const char *p, const char *end, int depth) {
  const char *q = lfb_skip_ws(p + 1, end);
  if (q < end && *q == '}') return jbuf_put(out, "STRING", 6); /* {}: no member to type */
  if (jbuf_put(out, "STRUCT<", 7) != J_OK) return J_NOMEM;
  for (int first = 1;; first = 0) {
    unsigned f;
    const char *ke = q < end && *q == '"' ? lfb_scan_string(q + 1, end, &f) : NULL;
    if (!ke) return J_SYNTAX;
    if ((!first && jbuf_put(out, ", ", 2) != J_OK) ||
        ddl_name(out, q + 1, (size_t)(ke - q - 2)) != J_OK || jbuf_put(out, ": ", 2) != J_OK)
      return J_NOMEM;
    q = lfb_skip_ws(ke, end);
    if (q >= end || *q != ':') return J_SYNTAX;
    q = lfb_skip_ws(q + 1, end);
    int rc = lfb_infer_type(out, q, end, depth + 1);
    if (rc != J_OK) return rc;
    if (!(q = lfb_skip_value(q, end, depth + 1))) return J_SYNTAX;
    q = lfb_skip_ws(q, end);
    if (q < end && *q == ',') {
      q = lfb_skip_ws(q + 1, end);
      continue;
    }
    return jbuf_putc(out, '>');
  }
}

static int infer_array(jbuf *out, const char *p, const char *end, int depth) {
  if (jbuf_put(out, "ARRAY<", 6) != J_OK) return J_NOMEM;
  const char *q = lfb_skip_ws(p + 1, end);
  while (q < end && *q != ']') { /* the first non-null item decides */
    if (*q != 'n') {
      int rc = lfb_infer_type(out, q, end, depth + 1);
      return rc != J_OK ? rc : jbuf_putc(out, '>');
    }
    if (!(q = lfb_skip_value(q, end, depth + 1))) return J_SYNTAX;
    q = lfb_skip_ws(q, end);
    if (q < end && *q == ',') q = lfb_skip_ws(q + 1, end);
  }
  return jbuf_put(out, "STRING>", 7);
}

int lfb_infer_type(jbuf *out, const char *p, const char *end, int depth) {
  if (p >= end || depth > LFB_JSON_MAX_DEPTH) return J_SYNTAX;
  int is_int;
  const char *e;
  switch (*p) {
  case '{': return infer_object(out, p, end, depth);
  case '[': return infer_array(out, p, end, depth);
  case 't': case 'f': return jbuf_put(out, "BOOLEAN", 7);
  case '"': case 'n': return jbuf_put(out, "STRING", 6);
  default:
    e = number_end(p, end, &is_int);
    if (!e) return J_SYNTAX;
    /* Spark infers LongType for integers that fit, else a decimal (here: DOUBLE). */
    return is_int && e - p <= 18 ? jbuf_put(out, "BIGINT", 6) : jbuf_put(out, "DOUBLE", 6);
  }
}
