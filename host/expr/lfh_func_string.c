/* lfh_func_string.c — string functions: lower upper trim ltrim rtrim btrim length substr
 * concat concat_ws (and their Spark aliases). */
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wctype.h>

#include "expr/lfh_func_internal.h"

/* ------------------------------------------------------------ shared shapes */

/* f(str) → STRING for any string-like argument. */
static int resolve_str_to_str(const char *fn, const uint32_t *types, int n, lfh_func_sig *sig,
                              lf_error *err) {
  sig->ret = LFH_TYPE_STRING;
  for (int i = 0; i < n; i++)
    if (lfh_fn_arg_string(fn, types, i, sig, err) < 0) return LF_ERR_INVALID;
  return LF_OK;
}

/* Writes f(row) for every valid row of `a`; `bound(n)` is the most bytes f writes for an
 * input of n bytes. */
typedef size_t (*str_map)(const char *in, size_t n, char *out);

static int map_rows(lfh_func_ctx *ctx, const char *fn, const lfh_vec *a, size_t (*bound)(size_t),
                    str_map f, lfh_vec *out) {
  lfh_strout so;
  if (lfh_fn_out(ctx, LFH_TYPE_STRING, out) < 0) return LF_ERR_NOMEM;
  if (lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, fn);
  for (int64_t r = 0; r < ctx->rows; r++) {
    if (!LFH_VALID(a, r)) {
      lfh_strout_null(&so);
      continue;
    }
    size_t n;
    const char *s = lfh_fn_str(a, r, &n);
    char *dst = lfh_strout_reserve(&so, bound(n));
    if (!dst) return lfh_fn_nomem(ctx, fn);
    lfh_strout_commit(&so, f(s, n, dst));
  }
  lfh_strout_end(&so);
  return LF_OK;
}

/* ------------------------------------------------------------ lower, upper */

/* Case mapping outside ASCII uses the C library's Unicode tables through a C.UTF-8
 * locale object (never the process locale, which the host leaves as "C"). Without that
 * locale only ASCII letters change. */
static locale_t g_utf8;
static pthread_once_t g_utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void) { g_utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0); }

/* Decodes the code point at s[0, n): its length, or 0 for a byte that does not start a
 * well-formed sequence (copied through untouched). */
static int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
  int len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
  if (!len || (size_t)len > n) return 0;
  uint32_t v = s[0] & (0x7F >> len);
  for (int k = 1; k < len; k++) {
    if ((s[k] & 0xC0) != 0x80) return 0;
    v = v << 6 | (s[k] & 0x3F);
  }
  if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return len;
}

static size_t utf8_encode(uint32_t cp, char *out) {
  if (cp < 0x80) return out[0] = (char)cp, 1;
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A mapped code point never needs more than 1.5 times the bytes (2 → 3 at worst). */
static size_t case_bound(size_t n) { return n + n / 2 + 4; }

static size_t map_case(const char *in, size_t n, char *out, int upper) {
  const unsigned char *s = (const unsigned char *)in;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    if (c < 0x80) {
      out[o++] = (char)(upper ? (c >= 'a' && c <= 'z' ? c - 32 : c) : (c >= 'A' && c <= 'Z' ? c + 32 : c));
      i++;
      continue;
    }
    uint32_t cp;
    int len = g_utf8 ? utf8_decode(s + i, n - i, &cp) : 0;
    if (!len) {
      out[o++] = (char)c;
      i++;
      continue;
    }
    wint_t m = upper ? towupper_l((wint_t)cp, g_utf8) : towlower_l((wint_t)cp, g_utf8);
    o += utf8_encode((uint32_t)m <= 0x10FFFF ? (uint32_t)m : cp, out + o);
    i += (size_t)len;
  }
  return o;
}

static size_t map_lower(const char *in, size_t n, char *out) { return map_case(in, n, out, 0); }
static size_t map_upper(const char *in, size_t n, char *out) { return map_case(in, n, out, 1); }

static int resolve_lower(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                         lf_error *err) {
  (void)c;
  pthread_once(&g_utf8_once, utf8_locale_init);
  return resolve_str_to_str("lower", t, n, sig, err);
}
static int resolve_upper(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                         lf_error *err) {
  (void)c;
  pthread_once(&g_utf8_once, utf8_locale_init);
  return resolve_str_to_str("upper", t, n, sig, err);
}
static int eval_lower(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  return map_rows(ctx, "lower", &a[0], case_bound, map_lower, out);
}
static int eval_upper(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  return map_rows(ctx, "upper", &a[0], case_bound, map_upper, out);
}

/* ------------------------------------------------------------ trim */

static size_t same_bound(size_t n) { return n; }

/* Spark's trim removes the space character (U+0020) only, not tabs or newlines. */
static size_t trim_both(const char *in, size_t n, char *out) {
  size_t b = 0, e = n;
  while (b < e && in[b] == ' ') b++;
  while (e > b && in[e - 1] == ' ') e--;
  memcpy(out, in + b, e - b);
  return e - b;
}
static size_t trim_left(const char *in, size_t n, char *out) {
  size_t b = 0;
  while (b < n && in[b] == ' ') b++;
  memcpy(out, in + b, n - b);
  return n - b;
}
static size_t trim_right(const char *in, size_t n, char *out) {
  size_t e = n;
  while (e > 0 && in[e - 1] == ' ') e--;
  memcpy(out, in, e);
  return e;
}

static int resolve_trim(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                        lf_error *err) {
  (void)c;
  return resolve_str_to_str("trim", t, n, sig, err);
}
static int eval_trim(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  return map_rows(ctx, "trim", &a[0], same_bound, trim_both, out);
}
static int eval_ltrim(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  return map_rows(ctx, "ltrim", &a[0], same_bound, trim_left, out);
}
static int eval_rtrim(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  return map_rows(ctx, "rtrim", &a[0], same_bound, trim_right, out);
}

/* The length of the code point of `set` that s[0, n) starts (ends, when `at_end`) with;
 * 0 when none. Code points of `set` are compared as whole UTF-8 sequences. */
static size_t set_match(const char *s, size_t n, const char *set, size_t sn, int at_end) {
  for (size_t i = 0; i < sn;) {
    size_t len = 1;
    while (i + len < sn && ((unsigned char)set[i + len] & 0xC0) == 0x80) len++;
    if (len <= n && memcmp(at_end ? s + n - len : s, set + i, len) == 0) return len;
    i += len;
  }
  return 0;
}

static int eval_btrim(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  if (n == 1) return eval_trim(ctx, a, n, out);
  lfh_strout so;
  if (lfh_fn_out(ctx, LFH_TYPE_STRING, out) < 0) return LF_ERR_NOMEM;
  if (lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, "btrim");
  for (int64_t r = 0; r < ctx->rows; r++) {
    if (!lfh_fn_all_valid(a, 2, r)) {
      lfh_strout_null(&so);
      continue;
    }
    size_t len, sn, k;
    const char *s = lfh_fn_str(&a[0], r, &len), *set = lfh_fn_str(&a[1], r, &sn);
    while (len && (k = set_match(s, len, set, sn, 0)) != 0) s += k, len -= k;
    while (len && (k = set_match(s, len, set, sn, 1)) != 0) len -= k;
    if (lfh_strout_add(&so, s, len) < 0) return lfh_fn_nomem(ctx, "btrim");
  }
  lfh_strout_end(&so);
  return LF_OK;
}

/* ------------------------------------------------------------ length */

static int resolve_length(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                          lf_error *err) {
  (void)c;
  (void)n;
  sig->ret = LFH_TYPE_BIGINT;
  return lfh_fn_arg_string_or_binary("length", t, 0, sig, err);
}

static int eval_length(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  if (lfh_fn_out(ctx, LFH_TYPE_BIGINT, out) < 0) return LF_ERR_NOMEM;
  int bytes = a[0].type == LFH_TYPE_BINARY;
  for (int64_t r = 0; r < ctx->rows; r++) {
    size_t len;
    const char *s = lfh_fn_str(&a[0], r, &len);
    out->valid[r] = (uint8_t)LFH_VALID(&a[0], r);
    out->u.i[r] = bytes ? (int64_t)len : lfh_utf8_count(s, len);
  }
  return LF_OK;
}

static int resolve_octet_length(const uint32_t *t, const lfh_vec *const *c, int n,
                                lfh_func_sig *sig, lf_error *err) {
  (void)c;
  (void)n;
  sig->ret = LFH_TYPE_BIGINT;
  return lfh_fn_arg_string_or_binary("octet_length", t, 0, sig, err);
}

static int eval_octet_length(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  if (lfh_fn_out(ctx, LFH_TYPE_BIGINT, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    int64_t k = LFH_ROW(&a[0], r);
    out->valid[r] = (uint8_t)LFH_VALID(&a[0], r);
    out->u.i[r] = a[0].u.s.off[k + 1] - a[0].u.s.off[k];
  }
  return LF_OK;
}

/* ------------------------------------------------------------ substr */

static int resolve_substr(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                          lf_error *err) {
  (void)c;
  if (lfh_fn_arg_string_or_binary("substr", t, 0, sig, err) < 0) return LF_ERR_INVALID;
  sig->ret = sig->cast[0];
  for (int i = 1; i < n; i++)
    if (lfh_fn_arg_bigint("substr", t, i, sig, err) < 0) return LF_ERR_INVALID;
  return LF_OK;
}

/* Spark's UTF8String.substringSQL: 1-based `pos`, 0 meaning 1, negative counting from the
 * end; the window [start, start + len) clipped to the string. Units are code points
 * (bytes for BINARY). Sets [*b, *e) to the byte range. */
static void substr_range(const char *s, size_t n, int64_t pos, int64_t len, int bytes, size_t *b,
                         size_t *e) {
  int64_t units = bytes ? (int64_t)n : (pos < 0 ? lfh_utf8_count(s, n) : 0);
  int64_t start = pos > 0 ? pos - 1 : (pos < 0 ? units + pos : 0), end;
  if (__builtin_add_overflow(start, len, &end)) end = len > 0 ? INT64_MAX : INT64_MIN;
  if (start < 0) start = 0;
  if (start >= end) {
    *b = *e = 0;
    return;
  }
  if (bytes) {
    *b = (size_t)start < n ? (size_t)start : n;
    *e = (uint64_t)end < n ? (size_t)end : n;
    return;
  }
  *b = lfh_utf8_skip(s, n, start);
  *e = *b + lfh_utf8_skip(s + *b, n - *b, end - start);
}

static int eval_substr(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  lfh_strout so;
  int bytes = a[0].type == LFH_TYPE_BINARY;
  if (lfh_fn_out(ctx, a[0].type, out) < 0) return LF_ERR_NOMEM;
  if (lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, "substr");
  for (int64_t r = 0; r < ctx->rows; r++) {
    if (!lfh_fn_all_valid(a, n, r)) {
      lfh_strout_null(&so);
      continue;
    }
    size_t len, b, e;
    const char *s = lfh_fn_str(&a[0], r, &len);
    int64_t want = n > 2 ? a[2].u.i[LFH_ROW(&a[2], r)] : INT64_MAX;
    substr_range(s, len, a[1].u.i[LFH_ROW(&a[1], r)], want, bytes, &b, &e);
    if (lfh_strout_add(&so, s + b, e - b) < 0) return lfh_fn_nomem(ctx, "substr");
  }
  lfh_strout_end(&so);
  return LF_OK;
}

/* ------------------------------------------------------------ concat */

static int resolve_concat(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                          lf_error *err) {
  (void)c;
  int all_binary = n > 0;
  for (int i = 0; i < n; i++) all_binary &= t[i] == LFH_TYPE_BINARY;
  sig->ret = all_binary ? LFH_TYPE_BINARY : LFH_TYPE_STRING;
  for (int i = 0; i < n; i++)
    if (!all_binary && lfh_fn_arg_string("concat", t, i, sig, err) < 0) return LF_ERR_INVALID;
    else if (all_binary) sig->cast[i] = LFH_TYPE_BINARY;
  sig->never_null = n == 0;
  return LF_OK;
}

static int eval_concat(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  lfh_strout so;
  if (lfh_fn_out(ctx, ctx->sig->ret, out) < 0) return LF_ERR_NOMEM;
  if (lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, "concat");
  for (int64_t r = 0; r < ctx->rows; r++) {
    if (!lfh_fn_all_valid(a, n, r)) {
      lfh_strout_null(&so);
      continue;
    }
    size_t total = 0, len;
    for (int i = 0; i < n; i++) total += (lfh_fn_str(&a[i], r, &len), len);
    char *dst = lfh_strout_reserve(&so, total);
    if (!dst) return lfh_fn_nomem(ctx, "concat");
    for (int i = 0; i < n; i++) {
      const char *s = lfh_fn_str(&a[i], r, &len);
      memcpy(dst, s, len);
      dst += len;
    }
    lfh_strout_commit(&so, total);
  }
  lfh_strout_end(&so);
  return LF_OK;
}

static int resolve_concat_ws(const uint32_t *t, const lfh_vec *const *c, int n,
                             lfh_func_sig *sig, lf_error *err) {
  (void)c;
  sig->ret = LFH_TYPE_STRING;
  for (int i = 0; i < n; i++) {
    if (i > 0 && t[i] == LFH_TYPE_ARRAY) sig->cast[i] = LFH_TYPE_ARRAY;
    else if (lfh_fn_arg_string("concat_ws", t, i, sig, err) < 0) return LF_ERR_INVALID;
  }
  return LF_OK;
}

/* Appends `s` to the row being built at `*dst` (NULL: only counts), with the separator
 * before every piece but the first. */
static void ws_piece(char **dst, size_t *total, int *first, const char *sep, size_t sn,
                     const char *s, size_t len) {
  size_t add = (*first ? 0 : sn) + len;
  if (*dst) {
    if (!*first) memcpy(*dst, sep, sn);
    memcpy(*dst + (*first ? 0 : sn), s, len);
    *dst += add;
  }
  *total += add;
  *first = 0;
}

/* One row of concat_ws: measures when *dst is NULL, writes otherwise. */
static size_t ws_row(const lfh_vec *a, int n, int64_t r, char *dst) {
  size_t sn, len, total = 0;
  const char *sep = lfh_fn_str(&a[0], r, &sn);
  int first = 1;
  for (int i = 1; i < n; i++) {
    if (!LFH_VALID(&a[i], r)) continue;
    if (a[i].type != LFH_TYPE_ARRAY) {
      const char *s = lfh_fn_str(&a[i], r, &len);
      ws_piece(&dst, &total, &first, sep, sn, s, len);
      continue;
    }
    int64_t k = LFH_ROW(&a[i], r);
    const lfh_vec *items = a[i].u.a.items;
    for (int32_t j = a[i].u.a.off[k]; j < a[i].u.a.off[k + 1]; j++) {
      if (!LFH_VALID(items, j)) continue;
      const char *s = lfh_fn_str(items, j, &len);
      ws_piece(&dst, &total, &first, sep, sn, s, len);
    }
  }
  return total;
}

static int eval_concat_ws(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  lfh_strout so;
  if (lfh_fn_out(ctx, LFH_TYPE_STRING, out) < 0) return LF_ERR_NOMEM;
  if (lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, "concat_ws");
  for (int64_t r = 0; r < ctx->rows; r++) {
    if (!LFH_VALID(&a[0], r)) {
      lfh_strout_null(&so);
      continue;
    }
    size_t total = ws_row(a, n, r, NULL);
    char *dst = lfh_strout_reserve(&so, total);
    if (!dst) return lfh_fn_nomem(ctx, "concat_ws");
    ws_row(a, n, r, dst);
    lfh_strout_commit(&so, total);
  }
  lfh_strout_end(&so);
  return LF_OK;
}

/* ------------------------------------------------------------ table */

#define LOWER_DOC                                                                          \
  "Converts ASCII letters and other Unicode letters (through the C library's C.UTF-8 "   \
  "tables) to lower case; bytes that are not valid UTF-8 are kept. NULL in, NULL out."
#define UPPER_DOC                                                                          \
  "Converts ASCII letters and other Unicode letters (through the C library's C.UTF-8 "   \
  "tables) to upper case; bytes that are not valid UTF-8 are kept. NULL in, NULL out."
#define LENGTH_DOC                                                                         \
  "The number of characters (Unicode code points) of a string, or of bytes of a BINARY. " \
  "NULL in, NULL out."
#define SUBSTR_DOC                                                                         \
  "The `len` characters (default: the rest) starting at 1-based `pos`; `pos` 0 means 1 " \
  "and a negative `pos` counts from the end. Out-of-range windows are clipped, giving '' " \
  "when nothing is left. NULL if any argument is NULL."

const lfh_func lfh_func_string_table[] = {
    {"lower", 1, 1, resolve_lower, eval_lower, "lower(str) → STRING", LOWER_DOC},
    {"lcase", 1, 1, resolve_lower, eval_lower, "lcase(str) → STRING", "Same as lower."},
    {"upper", 1, 1, resolve_upper, eval_upper, "upper(str) → STRING", UPPER_DOC},
    {"ucase", 1, 1, resolve_upper, eval_upper, "ucase(str) → STRING", "Same as upper."},
    {"trim", 1, 1, resolve_trim, eval_trim, "trim(str) → STRING",
     "Removes leading and trailing space characters (U+0020 only, as Spark). NULL in, NULL out."},
    {"ltrim", 1, 1, resolve_trim, eval_ltrim, "ltrim(str) → STRING",
     "Removes leading space characters (U+0020). NULL in, NULL out."},
    {"rtrim", 1, 1, resolve_trim, eval_rtrim, "rtrim(str) → STRING",
     "Removes trailing space characters (U+0020). NULL in, NULL out."},
    {"btrim", 1, 2, resolve_trim, eval_btrim, "btrim(str[, trimStr]) → STRING",
     "Removes from both ends every character that occurs in `trimStr` (default: the space "
     "character). NULL if any argument is NULL."},
    {"length", 1, 1, resolve_length, eval_length, "length(expr) → BIGINT", LENGTH_DOC},
    {"char_length", 1, 1, resolve_length, eval_length, "char_length(expr) → BIGINT",
     "Same as length."},
    {"character_length", 1, 1, resolve_length, eval_length, "character_length(expr) → BIGINT",
     "Same as length."},
    {"octet_length", 1, 1, resolve_octet_length, eval_octet_length,
     "octet_length(expr) → BIGINT",
     "The number of bytes of the UTF-8 string or BINARY value. NULL in, NULL out."},
    {"substr", 2, 3, resolve_substr, eval_substr, "substr(str, pos[, len]) → STRING", SUBSTR_DOC},
    {"substring", 2, 3, resolve_substr, eval_substr, "substring(str, pos[, len]) → STRING",
     "Same as substr."},
    {"concat", 0, -1, resolve_concat, eval_concat, "concat(expr, ...) → STRING",
     "The arguments joined without a separator (BINARY when all are BINARY). NULL if any "
     "argument is NULL."},
    {"concat_ws", 1, -1, resolve_concat_ws, eval_concat_ws,
     "concat_ws(sep, expr, ...) → STRING",
     "The non-NULL arguments (strings, or the elements of array<string> values) joined with "
     "`sep`. NULL arguments and elements are skipped; NULL only when `sep` is NULL."},
    {0}};
