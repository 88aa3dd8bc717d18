/* lfh_func_regex.c — regular expressions: regexp_like (rlike, regexp) regexp_extract
 * regexp_replace split.
 *
 * Spark uses java.util.regex; this uses POSIX extended regular expressions (glibc's
 * regcomp), translating the Java syntax that has a POSIX equivalent (\d \w \s and their
 * negations, \t \n \xhh \uhhhh \Q...\E, \p{Alpha}-style classes, (?:...), (?<name>...),
 * (?i) (?s) (?m), Java's '.' that stops at line ends) and refusing the rest (lazy and
 * possessive quantifiers, lookaround, scoped flags) with a compile error. Java group
 * numbers are kept: non-capturing groups become POSIX groups that are skipped when a
 * group is referred to. Patterns must be constants, compiled once when the expression
 * is; a pattern made only of literal characters is matched with memmem instead.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "expr/lfh_func_internal.h"

#ifndef REG_STARTEND
#error "the regex functions need regexec's REG_STARTEND (glibc, BSD libc)"
#endif

#define RX_MAX_SUB 32 /* POSIX subexpressions + 1 a pattern may have */

/* A compiled constant pattern. Owned by the function signature. */
typedef struct rx_prep {
  int null;        /* the pattern is a NULL constant: every row is NULL */
  int literal;     /* match `lit` with memmem instead of `re` */
  int compiled;    /* `re` holds a compiled pattern (to regfree) */
  regex_t re;
  int ngroups;     /* Java capturing groups */
  int map[RX_MAX_SUB]; /* Java group number → POSIX subexpression index */
  size_t lit_len;
  char lit[];      /* the literal pattern's bytes */
} rx_prep;

static void rx_prep_free(void *p) {
  rx_prep *x = p;
  if (x && x->compiled) regfree(&x->re);
  free(x);
}

/* ------------------------------------------------------------ Java → POSIX ERE */

typedef struct rx_tr {
  const char *s;
  size_t n, i;
  char *out;       /* the ERE, NUL-terminated at the end */
  size_t len;
  rx_prep *x;      /* literal bytes, groups */
  int nsub, nonlit, icase, dotall, multiline;
  const char *fn;
  lf_error *err;
} rx_tr;

static int tr_fail(rx_tr *t, const char *why) {
  return lf_error_set(t->err, LF_ERR_INVALID, "%s: regular expression '%.*s': %s", t->fn,
                      (int)(t->n > 200 ? 200 : t->n), t->s, why);
}

static void emit(rx_tr *t, const char *s, size_t n) {
  memcpy(t->out + t->len, s, n);
  t->len += n;
}
static void emit_c(rx_tr *t, char c) { t->out[t->len++] = c; }

/* A literal byte outside brackets. */
static int emit_lit(rx_tr *t, unsigned char c) {
  if (c == 0) return tr_fail(t, "NUL characters are not supported");
  if (strchr(".[]()*+?{}|^$\\", c)) emit_c(t, '\\');
  emit_c(t, (char)c);
  t->x->lit[t->x->lit_len++] = (char)c;
  return LF_OK;
}

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Reads `digits` hex digits (or, when digits is 0, a braced {h...}) at t->i. */
static int read_hex(rx_tr *t, int digits, uint32_t *cp) {
  int braced = digits == 0;
  if (braced) {
    if (t->i >= t->n || t->s[t->i] != '{') return -1;
    t->i++;
    digits = 8;
  }
  uint32_t v = 0;
  int k = 0;
  for (; k < digits && t->i < t->n && hexval(t->s[t->i]) >= 0; k++) v = v * 16 + (uint32_t)hexval(t->s[t->i++]);
  if (braced) {
    if (t->i >= t->n || t->s[t->i] != '}' || k == 0) return -1;
    t->i++;
  } else if (k != digits) {
    return -1;
  }
  if (v > 0x10FFFF) return -1;
  *cp = v;
  return 0;
}

/* The character a simple escape letter stands for (\t \n ...), or -1. */
static int control_escape(char c) {
  switch (c) {
  case 't': return '\t';
  case 'n': return '\n';
  case 'r': return '\r';
  case 'f': return '\f';
  case 'a': return '\a';
  case 'e': return 27;
  default: return -1;
  }
}

/* \p{Name} → a POSIX class name, or NULL. */
static const char *posix_class(const char *name, size_t n) {
  static const char *const map[][2] = {
      {"Lower", "lower"}, {"Upper", "upper"}, {"Alpha", "alpha"}, {"Digit", "digit"},
      {"Alnum", "alnum"}, {"Punct", "punct"}, {"Graph", "graph"}, {"Print", "print"},
      {"Blank", "blank"}, {"Cntrl", "cntrl"}, {"XDigit", "xdigit"}, {"Space", "space"},
      {"IsAlphabetic", "alpha"}, {"IsDigit", "digit"}, {"IsLowercase", "lower"},
      {"IsUppercase", "upper"}, {"IsWhite_Space", "space"}, {"IsPunctuation", "punct"}};
  for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
    if (strlen(map[k][0]) == n && memcmp(map[k][0], name, n) == 0) return map[k][1];
  return NULL;
}

/* Reads "{Name}" after \p or \P into a POSIX class name. */
static const char *read_prop(rx_tr *t) {
  if (t->i >= t->n || t->s[t->i] != '{') return NULL;
  const char *close = memchr(t->s + t->i, '}', t->n - t->i);
  if (!close) return NULL;
  const char *name = posix_class(t->s + t->i + 1, (size_t)(close - t->s - t->i - 1));
  t->i = (size_t)(close - t->s) + 1;
  return name;
}

/* The byte a code point stands for inside brackets, where only single bytes work. */
static int ascii_cp(rx_tr *t, uint32_t cp) {
  if (cp == 0 || cp > 0x7F)
    return tr_fail(t, "only ASCII characters other than NUL are supported inside [...]");
  return (int)cp;
}

/* ---- bracket expressions: collected as a byte set plus POSIX classes, then written in
 * the one order POSIX reads unambiguously (']' first, '-' last, '^' not first). */

typedef struct rx_set {
  uint8_t has[256];
  const char *cls[16];
  int ncls;
} rx_set;

static void set_range(rx_set *st, int a, int b) {
  for (int c = a; c <= b; c++) st->has[c] = 1;
}

/* One escape inside brackets (after the backslash). The byte it stands for, -2 when it
 * added a class or several bytes, or an error. */
static int bracket_escape(rx_tr *t, rx_set *st) {
  char c = t->s[t->i++];
  uint32_t cp;
  int v;
  if (c == 'd') return set_range(st, '0', '9'), -2;
  if (c == 'w') {
    set_range(st, 'a', 'z');
    set_range(st, 'A', 'Z');
    set_range(st, '0', '9');
    st->has['_'] = 1;
    return -2;
  }
  if (c == 's') {
    set_range(st, '\t', '\r');
    st->has[' '] = 1;
    return -2;
  }
  if (c == 'p') {
    const char *name = read_prop(t);
    if (!name || st->ncls == 16) return tr_fail(t, "unsupported \\p{...} class");
    st->cls[st->ncls++] = name;
    return -2;
  }
  if ((v = control_escape(c)) >= 0) return v;
  if (c == 'x' || c == 'u') {
    if (read_hex(t, c == 'u' ? 4 : (t->i < t->n && t->s[t->i] == '{') ? 0 : 2, &cp) < 0)
      return tr_fail(t, "bad \\x or \\u escape");
    return ascii_cp(t, cp);
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return tr_fail(t, "unsupported escape inside [...] (\\D, \\W, \\S and \\P cannot be "
                      "negated inside a class)");
  return ascii_cp(t, (unsigned char)c);
}

/* The next member of a bracket: a byte (>= 0), -2 for a class, or an error (< -2). */
static int bracket_atom(rx_tr *t, rx_set *st) {
  unsigned char c = (unsigned char)t->s[t->i];
  if (c == '[' || (c == '&' && t->i + 1 < t->n && t->s[t->i + 1] == '&'))
    return tr_fail(t, "nested classes and && are not supported"), -3;
  t->i++;
  if (c == '\\') {
    if (t->i >= t->n) return tr_fail(t, "trailing backslash");
    int v = bracket_escape(t, st);
    return v < 0 && v != -2 ? -3 : v;
  }
  return ascii_cp(t, c) < 0 ? -3 : c;
}

static void emit_set(rx_tr *t, const rx_set *st, int neg) {
  static const char special[] = "]-^[";
  int others = 0;
  for (int c = 1; c < 256; c++) others += st->has[c] && !strchr(special, c);
  if (!neg && !others && !st->ncls && !st->has[']'] && !st->has['['] && !st->has['-'] &&
      st->has['^']) {
    emit(t, "\\^", 2); /* "[^]" would read as a negation */
    return;
  }
  emit_c(t, '[');
  if (neg) emit_c(t, '^');
  int lead = st->has[']'];
  if (lead) emit_c(t, ']');
  else if (!others && !st->ncls && !st->has['['] && st->has['-']) lead = 2, emit_c(t, '-');
  for (int c = 1; c < 256; c++) {
    if (!st->has[c] || strchr(special, c)) continue;
    int e = c;
    while (e + 1 < 256 && st->has[e + 1] && !strchr(special, e + 1)) e++;
    emit_c(t, (char)c);
    if (e > c + 1) emit_c(t, '-');
    if (e > c) emit_c(t, (char)e);
    c = e;
  }
  for (int k = 0; k < st->ncls; k++) {
    emit(t, "[:", 2);
    emit(t, st->cls[k], strlen(st->cls[k]));
    emit(t, ":]", 2);
  }
  if (st->has['[']) emit_c(t, '[');
  if (st->has['^']) emit_c(t, '^');
  if (st->has['-'] && lead != 2) emit_c(t, '-');
  emit_c(t, ']');
}

/* A Java class [...] with t->i just after the '['. */
static int tr_bracket(rx_tr *t) {
  rx_set st;
  memset(&st, 0, sizeof st);
  int neg = t->i < t->n && t->s[t->i] == '^';
  t->i += (size_t)neg;
  int first = 1;
  while (t->i < t->n && (t->s[t->i] != ']' || first)) {
    first = 0;
    int a = bracket_atom(t, &st);
    if (a < -2) return LF_ERR_INVALID;
    if (a == -2) continue;
    if (t->i + 1 < t->n && t->s[t->i] == '-' && t->s[t->i + 1] != ']') {
      t->i++;
      int b = bracket_atom(t, &st);
      if (b < -2) return LF_ERR_INVALID;
      if (b == -2 || b < a) return tr_fail(t, "bad range in [...]");
      set_range(&st, a, b);
    } else {
      st.has[a] = 1;
    }
  }
  if (t->i >= t->n) return tr_fail(t, "unclosed [...]");
  t->i++;
  emit_set(t, &st, neg);
  t->nonlit = 1;
  return LF_OK;
}

/* ---- outside brackets */

static int tr_class_escape(rx_tr *t, char c) {
  static const char *const classes[][2] = {{"d", "[0-9]"},          {"D", "[^0-9]"},
                                           {"w", "[A-Za-z0-9_]"},   {"W", "[^A-Za-z0-9_]"},
                                           {"s", "[\t\n\v\f\r ]"},  {"S", "[^\t\n\v\f\r ]"},
                                           {"b", "\\b"},            {"B", "\\B"},
                                           {"A", "^"},              {"z", "$"},
                                           {"Z", "$"}};
  for (size_t k = 0; k < sizeof classes / sizeof classes[0]; k++)
    if (classes[k][0][0] == c) {
      emit(t, classes[k][1], strlen(classes[k][1]));
      t->nonlit = 1;
      return 1;
    }
  return 0;
}

static int emit_cp(rx_tr *t, uint32_t cp) {
  char buf[4];
  size_t n;
  if (cp < 0x80) return emit_lit(t, (unsigned char)cp);
  if (cp < 0x800) buf[0] = (char)(0xC0 | cp >> 6), buf[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
  else if (cp < 0x10000)
    buf[0] = (char)(0xE0 | cp >> 12), buf[1] = (char)(0x80 | (cp >> 6 & 0x3F)),
    buf[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
  else
    buf[0] = (char)(0xF0 | cp >> 18), buf[1] = (char)(0x80 | (cp >> 12 & 0x3F)),
    buf[2] = (char)(0x80 | (cp >> 6 & 0x3F)), buf[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
  for (size_t k = 0; k < n; k++) emit_lit(t, (unsigned char)buf[k]);
  return LF_OK;
}

static int tr_escape(rx_tr *t) {
  if (t->i >= t->n) return tr_fail(t, "trailing backslash");
  char c = t->s[t->i++];
  uint32_t cp;
  int v;
  if (tr_class_escape(t, c)) return LF_OK;
  if ((v = control_escape(c)) >= 0) return emit_lit(t, (unsigned char)v);
  if (c == 'x' || c == 'u') {
    if (read_hex(t, c == 'u' ? 4 : (t->i < t->n && t->s[t->i] == '{') ? 0 : 2, &cp) < 0)
      return tr_fail(t, "bad \\x or \\u escape");
    return cp ? emit_cp(t, cp) : tr_fail(t, "NUL characters are not supported");
  }
  if (c == 'Q') { /* quoted until \E */
    for (; t->i < t->n; t->i++) {
      if (t->s[t->i] == '\\' && t->i + 1 < t->n && t->s[t->i + 1] == 'E') {
        t->i += 2;
        return LF_OK;
      }
      if (emit_lit(t, (unsigned char)t->s[t->i]) < 0) return LF_ERR_INVALID;
    }
    return LF_OK;
  }
  if (c == 'p' || c == 'P') {
    const char *name = read_prop(t);
    if (!name) return tr_fail(t, "unsupported \\p{...} class");
    emit(t, c == 'P' ? "[^[:" : "[[:", c == 'P' ? 4 : 3);
    emit(t, name, strlen(name));
    emit(t, ":]]", 3);
    t->nonlit = 1;
    return LF_OK;
  }
  if (c >= '1' && c <= '9') {
    int g = c - '0';
    if (g > t->x->ngroups || t->x->map[g] > 9) return tr_fail(t, "bad back reference");
    emit_c(t, '\\');
    emit_c(t, (char)('0' + t->x->map[g]));
    t->nonlit = 1;
    return LF_OK;
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '0')
    return tr_fail(t, "unsupported escape");
  return emit_lit(t, (unsigned char)c);
}

/* "(?flags)" with t->i at the first flag letter. */
static int tr_flags(rx_tr *t) {
  for (; t->i < t->n && t->s[t->i] != ')'; t->i++) {
    switch (t->s[t->i]) {
    case 'i': t->icase = 1; break;
    case 's': t->dotall = 1; break;
    case 'm': t->multiline = 1; break;
    case 'u': case 'U': break;
    case ':': return tr_fail(t, "scoped flags (?flags:...) are not supported");
    default: return tr_fail(t, "unsupported inline flag");
    }
  }
  if (t->i >= t->n) return tr_fail(t, "unclosed (?...)");
  t->i++;
  return LF_OK;
}

/* A group opening, with t->i just after the '('. */
static int tr_group(rx_tr *t) {
  t->nonlit = 1;
  int capture = 1;
  if (t->i < t->n && t->s[t->i] == '?') {
    char k = t->i + 1 < t->n ? t->s[t->i + 1] : 0, k2 = t->i + 2 < t->n ? t->s[t->i + 2] : 0;
    if (k == ':') {
      capture = 0;
      t->i += 2;
    } else if (k == '<' && k2 != '=' && k2 != '!') { /* (?<name>...): a numbered group */
      const char *close = memchr(t->s + t->i, '>', t->n - t->i);
      if (!close) return tr_fail(t, "unclosed group name");
      t->i = (size_t)(close - t->s) + 1;
    } else if (k == '=' || k == '!' || k == '<' || k == '>') {
      return tr_fail(t, "lookahead, lookbehind and atomic groups are not supported");
    } else {
      t->i++;
      return tr_flags(t);
    }
  }
  if (++t->nsub >= RX_MAX_SUB) return tr_fail(t, "too many groups");
  if (capture) t->x->map[++t->x->ngroups] = t->nsub;
  emit_c(t, '(');
  return LF_OK;
}

static int tr_lazy_check(rx_tr *t) {
  if (t->i < t->n && (t->s[t->i] == '?' || t->s[t->i] == '+'))
    return tr_fail(t, "lazy (*?) and possessive (*+) quantifiers are not supported");
  return LF_OK;
}

static int tr_one(rx_tr *t) {
  char c = t->s[t->i++];
  switch (c) {
  case '\\': return tr_escape(t);
  case '[': return tr_bracket(t);
  case '(': return tr_group(t);
  case '.':
    t->nonlit = 1;
    if (t->dotall) emit_c(t, '.');
    else emit(t, "[^\n\r]", 6); /* Java's '.' stops at line ends */
    return LF_OK;
  case '*': case '+': case '?':
    t->nonlit = 1;
    emit_c(t, c);
    return tr_lazy_check(t);
  case '{': {
    const char *close = memchr(t->s + t->i, '}', t->n - t->i);
    if (!close) return tr_fail(t, "unclosed {...}");
    emit(t, t->s + t->i - 1, (size_t)(close - t->s) - t->i + 2);
    t->i = (size_t)(close - t->s) + 1;
    t->nonlit = 1;
    return tr_lazy_check(t);
  }
  case ')': case '|': case '^': case '$': case '}': case ']':
    t->nonlit = 1;
    emit_c(t, c);
    return LF_OK;
  default: return emit_lit(t, (unsigned char)c);
  }
}

/* Translates and compiles pattern s[0, n) into a new prep. */
static int rx_compile(const char *fn, const char *s, size_t n, rx_prep **out, lf_error *err) {
  rx_prep *x = calloc(1, sizeof(*x) + n * 4 + 1);
  rx_tr t = {s, n, 0, malloc(n * 16 + 16), 0, x, 0, 0, 0, 0, 0, fn, err};
  int rc = LF_ERR_NOMEM;
  if (!x || !t.out) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", fn);
    goto fail;
  }
  while (t.i < n)
    if ((rc = tr_one(&t)) < 0) goto fail;
  t.out[t.len] = '\0';
  x->literal = !t.nonlit && !t.icase;
  if (!x->literal) {
    int flags = REG_EXTENDED | (t.icase ? REG_ICASE : 0) | (t.multiline ? REG_NEWLINE : 0);
    int e = regcomp(&x->re, t.out, flags);
    if (e != 0) {
      char msg[128];
      regerror(e, &x->re, msg, sizeof msg);
      rc = tr_fail(&t, msg);
      goto fail;
    }
    x->compiled = 1;
    if (x->re.re_nsub + 1 > RX_MAX_SUB) {
      rc = tr_fail(&t, "too many groups");
      goto fail;
    }
  }
  free(t.out);
  *out = x;
  return LF_OK;
fail:
  free(t.out);
  rx_prep_free(x);
  return rc;
}

/* Sets up sig->prep from constant pattern argument `i` (required to be constant). */
static int rx_resolve_pattern(const char *fn, const uint32_t *types, const lfh_vec *const *c,
                              int i, lfh_func_sig *sig, lf_error *err) {
  const char *p;
  size_t n;
  if (lfh_fn_arg_string(fn, types, i, sig, err) < 0) return LF_ERR_INVALID;
  int known = lfh_fn_const_str(c[i], &p, &n);
  if (known < 0)
    return lf_error_set(err, LF_ERR_INVALID, "%s: argument %d must be a constant string", fn,
                        i + 1);
  rx_prep *x = NULL;
  int rc = known ? rx_compile(fn, p, n, &x, err) : LF_OK;
  if (rc < 0) return rc;
  if (!x && !(x = calloc(1, sizeof(*x))))
    return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", fn);
  x->null = !known;
  sig->prep = x;
  sig->prep_free = rx_prep_free;
  return LF_OK;
}

/* ------------------------------------------------------------ matching */

/* The first match in s[from, n) (offsets relative to s); groups in m[0..RX_MAX_SUB) for a
 * regex. 1 when found. Earlier bytes still count as context (^ anchors at 0 only). */
static int rx_find(const rx_prep *x, const char *s, size_t n, size_t from, regmatch_t *m) {
  if (x->literal) {
    const char *hit = x->lit_len == 0 ? s + from : memmem(s + from, n - from, x->lit, x->lit_len);
    if (!hit) return 0;
    m[0].rm_so = (regoff_t)(hit - s);
    m[0].rm_eo = m[0].rm_so + (regoff_t)x->lit_len;
    return 1;
  }
  m[0].rm_so = (regoff_t)from;
  m[0].rm_eo = (regoff_t)n;
  return regexec(&x->re, s, RX_MAX_SUB, m, REG_STARTEND) == 0;
}

/* Where the search continues after a match [so, eo): after an empty match one character
 * further, as java.util.regex.Matcher.find does. */
static size_t rx_next(const char *s, size_t n, regoff_t so, regoff_t eo) {
  size_t at = (size_t)eo;
  if (eo != so) return at;
  return at >= n ? n + 1 : at + lfh_utf8_skip(s + at, n - at, 1);
}

/* ------------------------------------------------------------ regexp_like */

static int resolve_like(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                        lf_error *err) {
  (void)n;
  sig->ret = LFH_TYPE_BOOLEAN;
  if (lfh_fn_arg_string("regexp_like", t, 0, sig, err) < 0) return LF_ERR_INVALID;
  return rx_resolve_pattern("regexp_like", t, c, 1, sig, err);
}

static int eval_like(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  const rx_prep *x = ctx->sig->prep;
  regmatch_t m[RX_MAX_SUB];
  if (lfh_fn_out(ctx, LFH_TYPE_BOOLEAN, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    size_t len;
    const char *s = lfh_fn_str(&a[0], r, &len);
    out->valid[r] = (uint8_t)(LFH_VALID(&a[0], r) && !x->null);
    out->u.b[r] = out->valid[r] && rx_find(x, s, len, 0, m);
  }
  return LF_OK;
}

/* ------------------------------------------------------------ regexp_extract */

static int resolve_extract(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                           lf_error *err) {
  sig->ret = LFH_TYPE_STRING;
  int64_t idx;
  if (lfh_fn_arg_string("regexp_extract", t, 0, sig, err) < 0 ||
      rx_resolve_pattern("regexp_extract", t, c, 1, sig, err) < 0)
    return LF_ERR_INVALID;
  if (n < 3) return LF_OK;
  if (lfh_fn_arg_bigint("regexp_extract", t, 2, sig, err) < 0) return LF_ERR_INVALID;
  const rx_prep *x = sig->prep;
  if (!x->null && lfh_fn_const_int(c[2], &idx) == 1 && (idx < 0 || idx > x->ngroups))
    return lf_error_set(err, LF_ERR_INVALID,
                        "regexp_extract: the pattern has %d groups, so argument 3 (%lld) must "
                        "be between 0 and %d",
                        x->ngroups, (long long)idx, x->ngroups);
  return LF_OK;
}

static int eval_extract(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  const rx_prep *x = ctx->sig->prep;
  regmatch_t m[RX_MAX_SUB];
  lfh_strout so;
  if (lfh_fn_out(ctx, LFH_TYPE_STRING, out) < 0) return LF_ERR_NOMEM;
  if (lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, "regexp_extract");
  for (int64_t r = 0; r < ctx->rows; r++) {
    int64_t idx = n > 2 && LFH_VALID(&a[2], r) ? a[2].u.i[LFH_ROW(&a[2], r)] : 1;
    if (x->null || !lfh_fn_all_valid(a, n, r) || idx < 0 || idx > x->ngroups) {
      lfh_strout_null(&so);
      continue;
    }
    size_t len;
    const char *s = lfh_fn_str(&a[0], r, &len);
    size_t b = 0, e = 0; /* no match, or a group that took no part: '' as Spark */
    if (rx_find(x, s, len, 0, m)) {
      int g = idx == 0 ? 0 : x->map[idx];
      if (m[g].rm_so >= 0) b = (size_t)m[g].rm_so, e = (size_t)m[g].rm_eo;
    }
    if (lfh_strout_add(&so, s + b, e - b) < 0) return lfh_fn_nomem(ctx, "regexp_extract");
  }
  lfh_strout_end(&so);
  return LF_OK;
}

/* ------------------------------------------------------------ regexp_replace */

/* Appends to the row being built (`*used` bytes so far). */
static int row_put(lfh_strout *so, size_t *used, const char *p, size_t n) {
  char *dst = lfh_strout_reserve(so, *used + n);
  if (!dst) return LF_ERR_NOMEM;
  memcpy(dst + *used, p, n);
  *used += n;
  return LF_OK;
}

/* Expands Java replacement `rep` ("$1", "\$" for a dollar) for the match `m` of `s`; with
 * `so` NULL only checks it. 0, LF_ERR_INVALID for a bad group reference, or NOMEM. */
static int expand(const rx_prep *x, const char *rep, size_t rn, const char *s, const regmatch_t *m,
                  lfh_strout *so, size_t *used) {
  for (size_t i = 0; i < rn; i++) {
    const char *piece = rep + i;
    size_t plen = 1;
    if (rep[i] == '\\') {
      if (++i >= rn) return LF_ERR_INVALID;
      piece = rep + i;
    } else if (rep[i] == '$') {
      if (++i >= rn || rep[i] < '0' || rep[i] > '9' || rep[i] - '0' > x->ngroups) return LF_ERR_INVALID;
      int g = rep[i] - '0';
      /* Java reads more digits while the number still names a group. */
      while (i + 1 < rn && rep[i + 1] >= '0' && rep[i + 1] <= '9' && g * 10 + rep[i + 1] - '0' <= x->ngroups)
        g = g * 10 + rep[++i] - '0';
      if (!so) continue;
      int k = g == 0 ? 0 : x->map[g];
      piece = s + (m[k].rm_so >= 0 ? m[k].rm_so : 0);
      plen = m[k].rm_so >= 0 ? (size_t)(m[k].rm_eo - m[k].rm_so) : 0;
    }
    if (so && row_put(so, used, piece, plen) < 0) return LF_ERR_NOMEM;
  }
  return LF_OK;
}

static int resolve_replace(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                           lf_error *err) {
  const char *rep;
  size_t rn;
  int64_t pos;
  sig->ret = LFH_TYPE_STRING;
  if (lfh_fn_arg_string("regexp_replace", t, 0, sig, err) < 0 ||
      rx_resolve_pattern("regexp_replace", t, c, 1, sig, err) < 0 ||
      lfh_fn_arg_string("regexp_replace", t, 2, sig, err) < 0 ||
      (n > 3 && lfh_fn_arg_bigint("regexp_replace", t, 3, sig, err) < 0))
    return LF_ERR_INVALID;
  const rx_prep *x = sig->prep;
  if (!x->null && lfh_fn_const_str(c[2], &rep, &rn) == 1 &&
      expand(x, rep, rn, NULL, NULL, NULL, NULL) < 0)
    return lf_error_set(err, LF_ERR_INVALID,
                        "regexp_replace: argument 3 has a bad group reference ($n with n up to "
                        "%d; write \\$ for a dollar sign)",
                        x->ngroups);
  if (n > 3 && lfh_fn_const_int(c[3], &pos) == 1 && pos < 1)
    return lf_error_set(err, LF_ERR_INVALID, "regexp_replace: argument 4 must be positive");
  return LF_OK;
}

/* One row: every match from character `pos` on replaced. 0, LF_ERR_INVALID (bad `rep`:
 * the row is NULL) or NOMEM. */
static int replace_row(const rx_prep *x, const char *s, size_t n, const char *rep, size_t rn,
                       int64_t pos, lfh_strout *so) {
  regmatch_t m[RX_MAX_SUB];
  size_t used = 0, start = lfh_utf8_skip(s, n, pos - 1);
  if (expand(x, rep, rn, NULL, NULL, NULL, NULL) < 0) return LF_ERR_INVALID;
  if (start >= n) return lfh_strout_add(so, s, n); /* nothing from `pos` on: unchanged */
  if (row_put(so, &used, s, start) < 0) return LF_ERR_NOMEM;
  /* Java's region: the text before `pos` is invisible to the pattern (^ anchors there). */
  const char *sub = s + start;
  size_t sn = n - start, last = 0;
  for (size_t from = 0; from <= sn && rx_find(x, sub, sn, from, m);) {
    if (row_put(so, &used, sub + last, (size_t)m[0].rm_so - last) < 0 ||
        expand(x, rep, rn, sub, m, so, &used) < 0)
      return LF_ERR_NOMEM;
    last = (size_t)m[0].rm_eo;
    from = rx_next(sub, sn, m[0].rm_so, m[0].rm_eo);
  }
  if (row_put(so, &used, sub + last, sn - last) < 0) return LF_ERR_NOMEM;
  lfh_strout_commit(so, used);
  return LF_OK;
}

static int eval_replace(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  const rx_prep *x = ctx->sig->prep;
  lfh_strout so;
  if (lfh_fn_out(ctx, LFH_TYPE_STRING, out) < 0) return LF_ERR_NOMEM;
  if (lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, "regexp_replace");
  for (int64_t r = 0; r < ctx->rows; r++) {
    int64_t pos = n > 3 && LFH_VALID(&a[3], r) ? a[3].u.i[LFH_ROW(&a[3], r)] : 1;
    if (x->null || !lfh_fn_all_valid(a, n, r) || pos < 1) {
      lfh_strout_null(&so);
      continue;
    }
    size_t len, rn;
    const char *s = lfh_fn_str(&a[0], r, &len), *rep = lfh_fn_str(&a[2], r, &rn);
    int rc = replace_row(x, s, len, rep, rn, pos, &so);
    if (rc == LF_ERR_INVALID) lfh_strout_null(&so);
    else if (rc < 0) return lfh_fn_nomem(ctx, "regexp_replace");
  }
  lfh_strout_end(&so);
  return LF_OK;
}

/* ------------------------------------------------------------ split */

/* Pieces of all rows as (start, length) pairs into the input rows, collected before the
 * items vector is built because their number is only known at the end. */
typedef struct pieces {
  lfh_arena *arena;
  int64_t (*p)[2];
  size_t n, cap;
  const char **src; /* the row text each piece is in */
  size_t src_cap;
} pieces;

static int piece_add(pieces *pc, const char *row, size_t b, size_t e) {
  if (pc->n == pc->cap) {
    size_t cap = pc->cap ? pc->cap * 2 : 256;
    void *np = lfh_arena_grow(pc->arena, pc->p, pc->cap * sizeof(*pc->p), cap * sizeof(*pc->p));
    void *ns = np ? lfh_arena_grow(pc->arena, pc->src, pc->cap * sizeof(*pc->src), cap * sizeof(*pc->src)) : NULL;
    if (!ns) return LF_ERR_NOMEM;
    pc->p = np;
    pc->src = ns;
    pc->cap = cap;
  }
  pc->p[pc->n][0] = (int64_t)b;
  pc->p[pc->n][1] = (int64_t)(e - b);
  pc->src[pc->n++] = row;
  return LF_OK;
}

/* Java's String.split(regex, limit) with Spark's adjustments: limit <= 0 keeps trailing
 * empty strings, an empty pattern splits into characters. */
static int split_row(const rx_prep *x, const char *s, size_t n, int64_t limit, pieces *pc) {
  regmatch_t m[RX_MAX_SUB];
  if (n > 0 && x->literal && x->lit_len == 0) {
    int64_t chars = lfh_utf8_count(s, n), want = limit > chars || limit <= 0 ? chars : limit;
    size_t at = 0;
    for (int64_t k = 0; k + 1 < want; k++) {
      size_t step = lfh_utf8_skip(s + at, n - at, 1);
      if (piece_add(pc, s, at, at + step) < 0) return LF_ERR_NOMEM;
      at += step;
    }
    return piece_add(pc, s, at, n);
  }
  size_t index = 0, count = 0;
  for (size_t from = 0; from <= n && rx_find(x, s, n, from, m);) {
    if (limit > 0 && count >= (uint64_t)limit - 1) break;
    size_t ms = (size_t)m[0].rm_so, me = (size_t)m[0].rm_eo;
    if (!(index == 0 && ms == 0 && me == 0)) { /* no empty leading piece for a zero-width match */
      if (piece_add(pc, s, index, ms) < 0) return LF_ERR_NOMEM;
      count++;
      index = me;
    }
    from = rx_next(s, n, m[0].rm_so, m[0].rm_eo);
  }
  return piece_add(pc, s, count ? index : 0, n);
}

static int resolve_split(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                         lf_error *err) {
  sig->ret = LFH_TYPE_ARRAY;
  if (lfh_fn_arg_string("split", t, 0, sig, err) < 0 ||
      rx_resolve_pattern("split", t, c, 1, sig, err) < 0 ||
      (n > 2 && lfh_fn_arg_bigint("split", t, 2, sig, err) < 0))
    return LF_ERR_INVALID;
  return LF_OK;
}

/* The items vector from the collected pieces. */
static int split_items(lfh_func_ctx *ctx, const pieces *pc, lfh_vec *items) {
  size_t total = 0;
  for (size_t k = 0; k < pc->n; k++) total += (size_t)pc->p[k][1];
  if (total > INT32_MAX) return lf_error_set(ctx->err, LF_ERR_DATA, "split: result over 2 GiB");
  if (lfh_vec_alloc(ctx->arena, LFH_TYPE_STRING, (int64_t)pc->n, 0, items) < 0) return lfh_fn_nomem(ctx, "split");
  char *data = lfh_arena_alloc(ctx->arena, total);
  int32_t *off = (int32_t *)items->u.s.off;
  if (!data) return lfh_fn_nomem(ctx, "split");
  off[0] = 0;
  for (size_t k = 0; k < pc->n; k++) {
    memcpy(data + off[k], pc->src[k] + pc->p[k][0], (size_t)pc->p[k][1]);
    off[k + 1] = off[k] + (int32_t)pc->p[k][1];
  }
  items->u.s.data = data;
  return LF_OK;
}

static int eval_split(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  const rx_prep *x = ctx->sig->prep;
  pieces pc = {ctx->arena, NULL, 0, 0, NULL, 0};
  lfh_vec *items = lfh_arena_alloc(ctx->arena, sizeof(*items));
  if (!items || lfh_fn_out(ctx, LFH_TYPE_ARRAY, out) < 0) return lfh_fn_nomem(ctx, "split");
  int32_t *off = (int32_t *)out->u.a.off;
  off[0] = 0;
  for (int64_t r = 0; r < ctx->rows; r++) {
    out->valid[r] = (uint8_t)(!x->null && lfh_fn_all_valid(a, n, r));
    if (out->valid[r]) {
      size_t len;
      const char *s = lfh_fn_str(&a[0], r, &len);
      int64_t limit = n > 2 ? a[2].u.i[LFH_ROW(&a[2], r)] : -1;
      if (split_row(x, s, len, limit, &pc) < 0) return lfh_fn_nomem(ctx, "split");
    }
    if (pc.n > INT32_MAX) return lf_error_set(ctx->err, LF_ERR_DATA, "split: too many elements");
    off[r + 1] = (int32_t)pc.n;
  }
  int rc = split_items(ctx, &pc, items);
  if (rc < 0) return rc;
  out->u.a.items = items;
  return LF_OK;
}

/* ------------------------------------------------------------ table */

#define LIKE_DOC                                                                           \
  "TRUE when `pattern` (a constant regular expression) matches anywhere in `str`. NULL if " \
  "either is NULL."

const lfh_func lfh_func_regex_table[] = {
    {"regexp_like", 2, 2, resolve_like, eval_like, "regexp_like(str, pattern) → BOOLEAN",
     LIKE_DOC},
    {"rlike", 2, 2, resolve_like, eval_like, "rlike(str, pattern) → BOOLEAN",
     "Same as regexp_like (also written `str RLIKE pattern`)."},
    {"regexp", 2, 2, resolve_like, eval_like, "regexp(str, pattern) → BOOLEAN",
     "Same as regexp_like."},
    {"regexp_extract", 2, 3, resolve_extract, eval_extract,
     "regexp_extract(str, pattern[, idx]) → STRING",
     "Group `idx` (default 1; 0 is the whole match) of the first match of `pattern` in "
     "`str`; '' when nothing matches or the group took no part. NULL if any argument is NULL."},
    {"regexp_replace", 3, 4, resolve_replace, eval_replace,
     "regexp_replace(str, pattern, rep[, pos]) → STRING",
     "`str` with every match of `pattern` from character `pos` (default 1) on replaced by "
     "`rep`, where `$n` is group n and `\\$` a dollar sign. NULL if any argument is NULL."},
    {"split", 2, 3, resolve_split, eval_split, "split(str, pattern[, limit]) → ARRAY<STRING>",
     "`str` split around matches of `pattern`; with `limit` > 0 at most `limit` elements (the "
     "last holds the rest), otherwise all, trailing empty strings included. NULL if any "
     "argument is NULL."},
    {0}};
