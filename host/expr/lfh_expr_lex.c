/* lfh_expr_lex.c — tokens of the SQL expression dialect, and position-bearing errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/lfh_expr_ast.h"
#include "lf/lf_array.h"

void lfh_expr_offset_pos(const char *text, size_t len, size_t off, lfh_expr_pos *pos) {
  if (!pos) return;
  if (off > len) off = len;
  int line = 1;
  size_t bol = 0;
  for (size_t i = 0; i < off; i++)
    if (text[i] == '\n') {
      line++;
      bol = i + 1;
    }
  pos->line = line;
  pos->col = (int)(off - bol) + 1;
  pos->offset = off;
}

int lfh_cerr(lfh_cctx *c, int code, size_t off, const char *suffix, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lfh_expr_pos p;
  lfh_expr_offset_pos(c->text, c->len, off, &p);
  if (c->pos) *c->pos = p;
  return lf_error_set(c->err, code, "%s at %d:%d%s", msg, p.line, p.col, suffix ? suffix : "");
}

static int is_ident_start(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch >= 0x80;
}
static int is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }
static int is_ident_char(unsigned char ch) { return is_ident_start(ch) || is_digit(ch); }
static int is_space(unsigned char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

int lfh_lex_is_kw(const lfh_lexer *lx, const char *kw) {
  const lfh_token *t = &lx->tok;
  return t->kind == LFH_T_IDENT && strlen(kw) == t->len &&
         strncasecmp(lx->c->text + t->off, kw, t->len) == 0;
}

/* Skips blanks and comments (-- to end of line, C-style blocks). */
static int skip_blank(lfh_lexer *lx) {
  const char *s = lx->c->text;
  size_t n = lx->c->len;
  for (;;) {
    while (lx->at < n && is_space((unsigned char)s[lx->at])) lx->at++;
    if (lx->at + 1 < n && s[lx->at] == '-' && s[lx->at + 1] == '-') {
      while (lx->at < n && s[lx->at] != '\n') lx->at++;
    } else if (lx->at + 1 < n && s[lx->at] == '/' && s[lx->at + 1] == '*') {
      size_t start = lx->at;
      lx->at += 2;
      while (lx->at + 1 < n && !(s[lx->at] == '*' && s[lx->at + 1] == '/')) lx->at++;
      if (lx->at + 1 >= n)
        return lfh_cerr(lx->c, LF_ERR_INVALID, start, NULL, "unterminated comment");
      lx->at += 2;
    } else {
      return LF_OK;
    }
  }
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; /* a lone surrogate is not UTF-8 */
  if (cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static int hexval(unsigned char ch) {
  if (is_digit(ch)) return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* One backslash escape as Spark's unescapeSQLString reads it, from s[*i] (the byte after
 * the backslash); appends to out and advances *i. */
static size_t unescape_one(const char *s, size_t n, size_t *i, char *out) {
  unsigned char ch = (unsigned char)s[*i];
  if (ch == 'u' && *i + 4 < n) {
    uint32_t cp = 0;
    int ok = 1;
    for (int k = 1; k <= 4; k++) {
      int h = hexval((unsigned char)s[*i + (size_t)k]);
      if (h < 0) ok = 0;
      else cp = cp * 16 + (uint32_t)h;
    }
    if (ok) {
      *i += 5;
      return put_utf8(out, cp);
    }
  }
  if (ch >= '0' && ch <= '3' && *i + 2 < n && s[*i + 1] >= '0' && s[*i + 1] <= '7' &&
      s[*i + 2] >= '0' && s[*i + 2] <= '7') {
    uint32_t cp = (uint32_t)((ch - '0') * 64 + (s[*i + 1] - '0') * 8 + (s[*i + 2] - '0'));
    *i += 3;
    return put_utf8(out, cp);
  }
  (*i)++;
  switch (ch) {
  case '0': out[0] = '\0'; return 1;
  case 'b': out[0] = '\b'; return 1;
  case 'n': out[0] = '\n'; return 1;
  case 'r': out[0] = '\r'; return 1;
  case 't': out[0] = '\t'; return 1;
  case 'Z': out[0] = '\x1A'; return 1;
  case '%': /* kept escaped so LIKE still sees a literal % / _ */
  case '_': out[0] = '\\'; out[1] = (char)ch; return 2;
  default: out[0] = (char)ch; return 1;
  }
}

/* A quoted string ('...' or "...") starting at lx->at. */
static int lex_string(lfh_lexer *lx) {
  const char *s = lx->c->text;
  size_t n = lx->c->len, start = lx->at, i = start + 1;
  char q = s[start];
  /* Unescaping never grows the text: \uXXXX is 6 bytes for at most 3. */
  char *out = lfh_arena_alloc(lx->c->arena, n - start + 1);
  if (!out) return lf_error_set(lx->c->err, LF_ERR_NOMEM, "out of memory");
  size_t o = 0;
  for (;;) {
    if (i >= n) return lfh_cerr(lx->c, LF_ERR_INVALID, start, NULL, "unterminated string literal");
    char ch = s[i];
    if (ch == q) {
      if (i + 1 < n && s[i + 1] == q) { /* '' inside '...' is one quote */
        out[o++] = q;
        i += 2;
        continue;
      }
      i++;
      break;
    }
    if (ch == '\\' && i + 1 < n) {
      i++;
      o += unescape_one(s, n, &i, out + o);
      continue;
    }
    out[o++] = ch;
    i++;
  }
  out[o] = '\0';
  lx->tok.kind = LFH_T_STRING;
  lx->tok.sval = out;
  lx->tok.slen = o;
  lx->at = i;
  return LF_OK;
}

static int lex_backquoted(lfh_lexer *lx) {
  const char *s = lx->c->text;
  size_t n = lx->c->len, start = lx->at, i = start + 1;
  char *out = lfh_arena_alloc(lx->c->arena, n - start + 1);
  if (!out) return lf_error_set(lx->c->err, LF_ERR_NOMEM, "out of memory");
  size_t o = 0;
  for (;;) {
    if (i >= n) return lfh_cerr(lx->c, LF_ERR_INVALID, start, NULL, "unterminated `quoted name`");
    if (s[i] == '`') {
      if (i + 1 < n && s[i + 1] == '`') {
        out[o++] = '`';
        i += 2;
        continue;
      }
      i++;
      break;
    }
    out[o++] = s[i++];
  }
  out[o] = '\0';
  if (o == 0) return lfh_cerr(lx->c, LF_ERR_INVALID, start, NULL, "empty `quoted name`");
  lx->tok.kind = LFH_T_QIDENT;
  lx->tok.sval = out;
  lx->tok.slen = o;
  lx->at = i;
  return LF_OK;
}

/* Numbers: 12, 12.5, .5, 1e10, 1.5E-3, with Spark's suffixes L S Y (integers) and D F BD
 * (decimals, read as DOUBLE). An integer too large for BIGINT becomes DOUBLE, as Spark
 * makes it a DECIMAL. */
static int lex_number(lfh_lexer *lx) {
  const char *s = lx->c->text;
  size_t n = lx->c->len, start = lx->at, i = start;
  int is_dec = 0;
  while (i < n && is_digit((unsigned char)s[i])) i++;
  if (i < n && s[i] == '.') {
    is_dec = 1;
    i++;
    while (i < n && is_digit((unsigned char)s[i])) i++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < n && (s[j] == '+' || s[j] == '-')) j++;
    if (j < n && is_digit((unsigned char)s[j])) {
      is_dec = 1;
      i = j;
      while (i < n && is_digit((unsigned char)s[i])) i++;
    }
  }
  size_t end = i;
  int want_int = 0, want_dec = 0;
  if (i < n && (s[i] == 'L' || s[i] == 'l' || s[i] == 'S' || s[i] == 's' || s[i] == 'Y' ||
                s[i] == 'y') && !is_dec) {
    want_int = 1;
    i++;
  } else if (i < n && (s[i] == 'D' || s[i] == 'd' || s[i] == 'F' || s[i] == 'f')) {
    want_dec = 1;
    i++;
  } else if (i + 1 < n && (s[i] == 'B' || s[i] == 'b') && (s[i + 1] == 'D' || s[i + 1] == 'd')) {
    want_dec = 1;
    i += 2;
  }
  if (i < n && is_ident_char((unsigned char)s[i]))
    return lfh_cerr(lx->c, LF_ERR_INVALID, start, NULL, "invalid number '%.*s'",
                    (int)(i - start + 1 > 40 ? 40 : i - start + 1), s + start);
  char *buf = lfh_arena_alloc(lx->c->arena, end - start + 1);
  if (!buf) return lf_error_set(lx->c->err, LF_ERR_NOMEM, "out of memory");
  memcpy(buf, s + start, end - start);
  buf[end - start] = '\0';
  lx->at = i;
  if (!is_dec && !want_dec) {
    errno = 0;
    char *e;
    unsigned long long v = strtoull(buf, &e, 10);
    if (errno == 0 && v <= (unsigned long long)INT64_MAX) {
      lx->tok.kind = LFH_T_INT;
      lx->tok.ival = (int64_t)v;
      return LF_OK;
    }
    if (errno == 0 && v == (unsigned long long)INT64_MAX + 1) lx->tok.big = 1;
    else if (want_int)
      return lfh_cerr(lx->c, LF_ERR_INVALID, start, NULL, "integer literal '%s' is out of range",
                      buf);
  }
  lx->tok.kind = LFH_T_DOUBLE;
  lx->tok.dval = strtod(buf, NULL);
  return LF_OK;
}

typedef struct opdef {
  const char *s;
  int op;
} opdef;

/* Longest first so "<=>" wins over "<=" and "<". */
static const opdef k_ops[] = {
    {"<=>", LFH_OPC_NSEQ}, {"<=", LFH_OPC_LE}, {">=", LFH_OPC_GE}, {"<>", LFH_OPC_NE},
    {"!=", LFH_OPC_NE},    {"==", LFH_OPC_EQ}, {"||", LFH_OPC_CONCAT}, {"(", LFH_OPC_LPAREN},
    {")", LFH_OPC_RPAREN}, {",", LFH_OPC_COMMA}, {".", LFH_OPC_DOT},   {"+", LFH_OPC_PLUS},
    {"-", LFH_OPC_MINUS},  {"*", LFH_OPC_STAR}, {"/", LFH_OPC_SLASH},  {"%", LFH_OPC_PERCENT},
    {"=", LFH_OPC_EQ},     {"<", LFH_OPC_LT},   {">", LFH_OPC_GT},     {"!", LFH_OPC_BANG},
};

int lfh_lex_next(lfh_lexer *lx) {
  int rc = skip_blank(lx);
  if (rc != LF_OK) return rc;
  const char *s = lx->c->text;
  size_t n = lx->c->len;
  memset(&lx->tok, 0, sizeof(lx->tok));
  lx->tok.off = lx->at;
  if (lx->at >= n) {
    lx->tok.kind = LFH_T_EOF;
    return LF_OK;
  }
  unsigned char ch = (unsigned char)s[lx->at];
  if (ch == '\'' || ch == '"') rc = lex_string(lx);
  else if (ch == '`') rc = lex_backquoted(lx);
  else if (is_digit(ch) || (ch == '.' && lx->at + 1 < n && is_digit((unsigned char)s[lx->at + 1])))
    rc = lex_number(lx);
  else if (is_ident_start(ch)) {
    while (lx->at < n && is_ident_char((unsigned char)s[lx->at])) lx->at++;
    lx->tok.kind = LFH_T_IDENT;
    size_t len = lx->at - lx->tok.off;
    char *id = lfh_arena_alloc(lx->c->arena, len + 1);
    if (!id) return lf_error_set(lx->c->err, LF_ERR_NOMEM, "out of memory");
    memcpy(id, s + lx->tok.off, len);
    id[len] = '\0';
    lx->tok.sval = id;
    lx->tok.slen = len;
  } else {
    for (size_t k = 0; k < sizeof k_ops / sizeof k_ops[0]; k++) {
      size_t l = strlen(k_ops[k].s);
      if (lx->at + l <= n && memcmp(s + lx->at, k_ops[k].s, l) == 0) {
        lx->tok.kind = LFH_T_OP;
        lx->tok.op = k_ops[k].op;
        lx->at += l;
        lx->tok.len = l;
        return LF_OK;
      }
    }
    if (ch >= 0x20 && ch < 0x7F)
      return lfh_cerr(lx->c, LF_ERR_INVALID, lx->at, NULL, "unexpected character '%c'", ch);
    return lfh_cerr(lx->c, LF_ERR_INVALID, lx->at, NULL, "unexpected byte 0x%02X", ch);
  }
  lx->tok.len = lx->at - lx->tok.off;
  return rc;
}
