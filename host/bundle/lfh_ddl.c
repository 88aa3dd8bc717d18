/*
 * lfh_ddl — Spark DDL schema strings to Arrow schemas and back (see lfh_ddl.h).
 *
 * A hand-written recursive-descent parser over a small tokenizer. Every token remembers
 * its byte offset, so each error names the exact line:col of the text; only the first
 * error is kept (later ones are consequences of it).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/lfh_common.h"
#include "../util/lfh_suggest.h"
#include "lf/lf_array.h"
#include "lfh_ddl.h"

/* ------------------------------------------------------------ types */

enum { P_NONE = 0, P_LENGTH = 1, P_DECIMAL = 2, P_NESTED = 3 };

typedef struct ddl_type {
  const char *name;
  const char *format;
  int params; /* P_*: what may follow the name */
} ddl_type;

static const ddl_type k_types[] = {
    {"STRING", "u", P_NONE},        {"VARCHAR", "u", P_LENGTH},
    {"CHAR", "u", P_LENGTH},        {"BOOLEAN", "b", P_NONE},
    {"TINYINT", "i", P_NONE},       {"BYTE", "i", P_NONE},
    {"SMALLINT", "i", P_NONE},      {"SHORT", "i", P_NONE},
    {"INT", "i", P_NONE},           {"INTEGER", "i", P_NONE},
    {"BIGINT", "l", P_NONE},        {"LONG", "l", P_NONE},
    {"FLOAT", "f", P_NONE},         {"REAL", "f", P_NONE},
    {"DOUBLE", "g", P_NONE},        {"DECIMAL", "g", P_DECIMAL},
    {"DEC", "g", P_DECIMAL},        {"NUMERIC", "g", P_DECIMAL},
    {"BINARY", "z", P_NONE},        {"DATE", "tdD", P_NONE},
    {"TIMESTAMP", "tsu:UTC", P_NONE}, {"TIMESTAMP_LTZ", "tsu:UTC", P_NONE},
    {"TIMESTAMP_NTZ", "tsu:", P_NONE}, {"STRUCT", "+s", P_NESTED},
    {"ARRAY", "+l", P_NESTED},      {"MAP", "+m", P_NESTED}};

#define DECIMAL_MAX_PRECISION 38

/* ------------------------------------------------------------ tokens */

typedef enum tok_kind {
  T_END,    /* end of text */
  T_WORD,   /* identifier or keyword */
  T_NUMBER, /* digits only */
  T_QUOTED, /* `backquoted name` */
  T_STRING, /* 'literal' or "literal" */
  T_PUNCT   /* one of < > ( ) , : */
} tok_kind;

typedef struct tok {
  tok_kind kind;
  size_t at, len; /* byte range in the text, quotes included */
} tok;

typedef struct parser {
  const char *s;
  size_t len, pos;
  tok t;             /* the current token */
  lfh_ddl_error *err;
  int rc;            /* the first failure, LF_OK until then */
} parser;

static void where(const char *s, size_t at, int *line, int *col) {
  int l = 1;
  size_t bol = 0;
  for (size_t i = 0; i < at; i++)
    if (s[i] == '\n') l++, bol = i + 1;
  *line = l;
  *col = (int)(at - bol) + 1;
}

/* Records the first error (at byte `at`); returns LF_ERR_INVALID for `return fail(...)`. */
static int fail(parser *p, size_t at, const char *hint, const char *fmt, ...) LFH_PRINTF(4, 5);
static int fail(parser *p, size_t at, const char *hint, const char *fmt, ...) {
  if (p->rc != LF_OK) return p->rc;
  p->rc = LF_ERR_INVALID;
  lfh_ddl_error *e = p->err;
  where(p->s, at, &e->line, &e->col);
  e->offset = at;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  snprintf(e->hint, sizeof e->hint, "%s", hint ? hint : "");
  return p->rc;
}

static int nomem(parser *p) {
  if (p->rc != LF_OK) return p->rc;
  p->rc = LF_ERR_NOMEM;
  memset(p->err, 0, sizeof *p->err);
  snprintf(p->err->message, sizeof p->err->message, "out of memory");
  return p->rc;
}

static int word_byte(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* Skips blanks and comments (-- to the end of the line, and bracketed ones). */
static int skip_blank(parser *p) {
  for (;;) {
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos])) p->pos++;
    if (p->pos + 1 < p->len && p->s[p->pos] == '-' && p->s[p->pos + 1] == '-') {
      while (p->pos < p->len && p->s[p->pos] != '\n') p->pos++;
    } else if (p->pos + 1 < p->len && p->s[p->pos] == '/' && p->s[p->pos + 1] == '*') {
      size_t start = p->pos;
      for (p->pos += 2; p->pos + 1 < p->len; p->pos++)
        if (p->s[p->pos] == '*' && p->s[p->pos + 1] == '/') break;
      if (p->pos + 1 >= p->len) return fail(p, start, NULL, "unterminated comment");
      p->pos += 2;
    } else {
      return LF_OK;
    }
  }
}

/* Finds the end of a quoted token starting at p->pos. Backquoted names escape the quote
 * by doubling it; string literals by a backslash. */
static int scan_quoted(parser *p) {
  char q = p->s[p->pos];
  size_t i = p->pos + 1;
  while (i < p->len) {
    if (q != '`' && p->s[i] == '\\' && i + 1 < p->len) i += 2;
    else if (q == '`' && p->s[i] == '`' && i + 1 < p->len && p->s[i + 1] == '`') i += 2;
    else if (p->s[i] == q) break;
    else i++;
  }
  if (i >= p->len)
    return fail(p, p->pos, q == '`' ? "close the name with a backquote" : NULL,
                q == '`' ? "unterminated quoted name" : "unterminated string");
  p->t.kind = q == '`' ? T_QUOTED : T_STRING;
  p->t.len = i + 1 - p->pos;
  p->pos = i + 1;
  return LF_OK;
}

static int next(parser *p) {
  size_t after_last = p->pos; /* the end is reported right after the last token */
  if (p->rc != LF_OK || skip_blank(p) != LF_OK) return p->rc;
  p->t = (tok){T_END, p->pos, 0};
  if (p->pos >= p->len) {
    p->t.at = after_last;
    return LF_OK;
  }
  unsigned char c = (unsigned char)p->s[p->pos];
  if (word_byte(c)) {
    int digits = 1;
    size_t i = p->pos;
    for (; i < p->len && word_byte((unsigned char)p->s[i]); i++)
      if (!isdigit((unsigned char)p->s[i])) digits = 0;
    p->t.kind = digits ? T_NUMBER : T_WORD;
    p->t.len = i - p->pos;
    p->pos = i;
    return LF_OK;
  }
  if (c == '`' || c == '\'' || c == '"') return scan_quoted(p);
  if (c && strchr("<>(),:", c)) {
    p->t.kind = T_PUNCT;
    p->t.len = 1;
    p->pos++;
    return LF_OK;
  }
  return fail(p, p->pos, NULL, "unexpected character '%c'", isprint(c) ? c : '?');
}

static int is_punct(const parser *p, char c) {
  return p->t.kind == T_PUNCT && p->s[p->t.at] == c;
}

static int is_word(const parser *p, const char *w) {
  return p->t.kind == T_WORD && strlen(w) == p->t.len &&
         strncasecmp(p->s + p->t.at, w, p->t.len) == 0;
}

/* The current token as the user wrote it, for messages ("'>'", "end of schema"). */
static const char *shown(const parser *p, char *buf, size_t cap) {
  if (p->t.kind == T_END) return "the end of the schema";
  int n = (int)(p->t.len < 60 ? p->t.len : 60);
  snprintf(buf, cap, "'%.*s%s'", n, p->s + p->t.at, p->t.len > 60 ? "..." : "");
  return buf;
}

/* A quoted token's content, unescaped; malloc'd. */
static char *unquote(const parser *p) {
  const char *s = p->s + p->t.at;
  size_t n = p->t.len;
  char *out = malloc(n + 1), q = s[0];
  if (!out) return NULL;
  size_t k = 0;
  for (size_t i = 1; i + 1 < n; i++) {
    if (q == '`' && s[i] == '`') i++; /* `` */
    else if (q != '`' && s[i] == '\\' && i + 2 < n) {
      char e = s[++i];
      out[k++] = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      continue;
    }
    out[k++] = s[i];
  }
  out[k] = '\0';
  return out;
}

static char *token_text(const parser *p) {
  if (p->t.kind == T_QUOTED || p->t.kind == T_STRING) return unquote(p);
  char *out = malloc(p->t.len + 1);
  if (!out) return NULL;
  memcpy(out, p->s + p->t.at, p->t.len);
  out[p->t.len] = '\0';
  return out;
}

/* ------------------------------------------------------------ building */

/* Arrow metadata with one key "comment" (native byte order, as the C data interface
 * specifies). */
static int set_comment(struct ArrowSchema *f, const char *comment) {
  static const char key[] = "comment";
  int32_t n = 1, klen = (int32_t)(sizeof key - 1), vlen = (int32_t)strlen(comment);
  size_t size = 12 + (size_t)klen + (size_t)vlen;
  char *buf = malloc(size);
  if (!buf) return LF_ERR_NOMEM;
  memcpy(buf, &n, 4);
  memcpy(buf + 4, &klen, 4);
  memcpy(buf + 8, key, (size_t)klen);
  memcpy(buf + 8 + klen, &vlen, 4);
  memcpy(buf + 12 + klen, comment, (size_t)vlen);
  int rc = lf_schema_set_metadata(f, buf, NULL);
  free(buf);
  return rc;
}

static int add_child(parser *p, struct ArrowSchema *parent, const char *format,
                     const char *name, int64_t flags, struct ArrowSchema **child) {
  int rc = lf_schema_add_child(parent, format, name, flags, child, NULL);
  if (rc == LF_ERR_NOMEM) return nomem(p);
  if (rc != LF_OK) return fail(p, p->t.at, NULL, "cannot build the schema (code %d)", rc);
  return LF_OK;
}

/* ------------------------------------------------------------ grammar */

static int parse_type(parser *p, struct ArrowSchema *parent, const char *name, int depth,
                      struct ArrowSchema **made);
static int parse_fields(parser *p, struct ArrowSchema *st, int nested, int depth,
                        size_t open_at);

static const ddl_type *find_type(const parser *p) {
  for (size_t i = 0; i < LFH_ARRAY_LEN(k_types); i++)
    if (is_word(p, k_types[i].name)) return &k_types[i];
  return NULL;
}

static int unknown_type(parser *p) {
  char word[64], hint[160];
  size_t n = p->t.len < sizeof word - 1 ? p->t.len : sizeof word - 1;
  for (size_t i = 0; i < n; i++) word[i] = (char)toupper((unsigned char)p->s[p->t.at + i]);
  word[n] = '\0';
  const char *names[LFH_ARRAY_LEN(k_types)];
  for (size_t i = 0; i < LFH_ARRAY_LEN(k_types); i++) names[i] = k_types[i].name;
  const char *near = lfh_suggest(word, names, LFH_ARRAY_LEN(names));
  if (near) snprintf(hint, sizeof hint, "did you mean '%s'?", near);
  else snprintf(hint, sizeof hint, "types: STRING, BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p,s), "
                                   "DATE, TIMESTAMP, BINARY, STRUCT<>, ARRAY<>, MAP<>");
  return fail(p, p->t.at, hint, "unknown type '%.*s'", (int)n, p->s + p->t.at);
}

/* A number inside a type's parentheses, within [lo, hi]. */
static int parse_number(parser *p, const char *what, long lo, long hi, long *out) {
  char buf[80];
  if (p->t.kind != T_NUMBER)
    return fail(p, p->t.at, NULL, "expected %s, found %s", what, shown(p, buf, sizeof buf));
  long v = 0;
  for (size_t i = 0; i < p->t.len && v <= hi; i++) v = v * 10 + (p->s[p->t.at + i] - '0');
  if (v < lo || v > hi)
    return fail(p, p->t.at, NULL, "%s %.*s is out of range (%ld to %ld)", what,
                (int)(p->t.len < 20 ? p->t.len : 20), p->s + p->t.at, lo, hi);
  *out = v;
  return next(p);
}

static int expect_punct(parser *p, char c, const char *after) {
  char buf[80];
  if (!is_punct(p, c))
    return fail(p, p->t.at, NULL, "expected '%c' %s, found %s", c, after,
                shown(p, buf, sizeof buf));
  return next(p);
}

/* VARCHAR(n), CHAR(n), DECIMAL[(p[, s])]: checked, then dropped (see lfh_ddl.h). */
static int parse_params(parser *p, const ddl_type *ty) {
  size_t name_at = p->t.at;
  if (next(p) != LF_OK) return p->rc;
  if (!is_punct(p, '(')) {
    if (ty->params != P_LENGTH) return LF_OK;
    return fail(p, name_at, "e.g. VARCHAR(255), or STRING for any length", "%s needs a length",
                ty->name);
  }
  if (ty->params == P_NONE)
    return fail(p, p->t.at, NULL, "%s takes no parameters", ty->name);
  long a = 0, b = 0;
  if (next(p) != LF_OK) return p->rc;
  if (ty->params == P_LENGTH) {
    if (parse_number(p, "a length", 1, 2147483647L, &a) != LF_OK) return p->rc;
  } else {
    if (parse_number(p, "a precision", 1, DECIMAL_MAX_PRECISION, &a) != LF_OK) return p->rc;
    if (is_punct(p, ',')) {
      if (next(p) != LF_OK || parse_number(p, "a scale", 0, a, &b) != LF_OK) return p->rc;
    }
  }
  return expect_punct(p, ')', "to close the parameters");
}

/* `>` closing a nested type opened at `open_at`. */
static int close_angle(parser *p, const char *what, size_t open_at) {
  if (is_punct(p, '>')) return next(p);
  char hint[96], buf[80];
  int line, col;
  where(p->s, open_at, &line, &col);
  snprintf(hint, sizeof hint, "the %s< opened at %d:%d is not closed", what, line, col);
  if (p->t.kind == T_END) return fail(p, p->t.at, hint, "missing '>' to close %s<", what);
  return fail(p, p->t.at, hint, "expected '>' to close %s<, found %s", what,
              shown(p, buf, sizeof buf));
}

static int parse_nested(parser *p, const ddl_type *ty, struct ArrowSchema *node, int depth) {
  size_t open_at = p->t.at;
  if (depth > LFH_DDL_MAX_DEPTH)
    return fail(p, open_at, NULL, "types nested deeper than %d levels", LFH_DDL_MAX_DEPTH);
  if (next(p) != LF_OK) return p->rc;
  char after[32];
  snprintf(after, sizeof after, "after %s", ty->name);
  if (expect_punct(p, '<', after) != LF_OK) return p->rc;
  struct ArrowSchema *k = NULL, *entries = NULL;
  if (ty->format[1] == 's') {
    if (!is_punct(p, '>') && parse_fields(p, node, 1, depth, open_at) != LF_OK) return p->rc;
  } else if (ty->format[1] == 'l') {
    if (parse_type(p, node, "item", depth, NULL) != LF_OK) return p->rc;
  } else {
    if (add_child(p, node, "+s", "entries", 0, &entries) != LF_OK ||
        parse_type(p, entries, "key", depth, &k) != LF_OK)
      return p->rc;
    k->flags &= ~(int64_t)ARROW_FLAG_NULLABLE; /* Arrow: map keys are never null */
    if (expect_punct(p, ',', "between the key and value types of MAP") != LF_OK ||
        parse_type(p, entries, "value", depth, NULL) != LF_OK)
      return p->rc;
  }
  return close_angle(p, ty->name, open_at);
}

/* Parses one type and adds it to `parent` as the nullable child `name` (*made, if
 * given, points at it). */
static int parse_type(parser *p, struct ArrowSchema *parent, const char *name, int depth,
                      struct ArrowSchema **made) {
  char buf[80];
  if (p->t.kind != T_WORD)
    return fail(p, p->t.at, NULL, "expected a type for '%s', found %s", name,
                shown(p, buf, sizeof buf));
  const ddl_type *ty = find_type(p);
  if (!ty) return unknown_type(p);
  struct ArrowSchema *node = NULL;
  if (add_child(p, parent, ty->format, name, ARROW_FLAG_NULLABLE, &node) != LF_OK) return p->rc;
  if (made) *made = node;
  if (ty->params == P_NESTED) return parse_nested(p, ty, node, depth + 1);
  return parse_params(p, ty);
}

/* NOT NULL and COMMENT 'text' after a field's type. */
static int parse_constraints(parser *p, struct ArrowSchema *f) {
  char buf[80];
  if (is_word(p, "NOT")) {
    if (next(p) != LF_OK) return p->rc;
    if (!is_word(p, "NULL"))
      return fail(p, p->t.at, NULL, "expected NULL after NOT, found %s", shown(p, buf, sizeof buf));
    f->flags &= ~(int64_t)ARROW_FLAG_NULLABLE;
    if (next(p) != LF_OK) return p->rc;
  }
  if (!is_word(p, "COMMENT")) return LF_OK;
  if (next(p) != LF_OK) return p->rc;
  if (p->t.kind != T_STRING)
    return fail(p, p->t.at, "write COMMENT 'text'", "expected a string after COMMENT, found %s",
                shown(p, buf, sizeof buf));
  char *text = unquote(p);
  int rc = text ? set_comment(f, text) : LF_ERR_NOMEM;
  free(text);
  if (rc == LF_ERR_NOMEM) return nomem(p);
  if (rc != LF_OK) return fail(p, p->t.at, NULL, "cannot keep the comment (code %d)", rc);
  return next(p);
}

static int duplicate_name(parser *p, const struct ArrowSchema *st, const char *name,
                          size_t at) {
  for (int64_t i = 0; i < st->n_children; i++) {
    if (strcasecmp(st->children[i]->name, name) != 0) continue;
    char hint[200];
    snprintf(hint, sizeof hint, "'%.60s' is already a field here (names are compared "
             "case-insensitively)", st->children[i]->name);
    return fail(p, at, hint, "duplicate field name '%.60s'", name);
  }
  return LF_OK;
}

static int parse_field(parser *p, struct ArrowSchema *st, int nested, int depth) {
  char buf[80];
  if (p->t.kind != T_WORD && p->t.kind != T_QUOTED && p->t.kind != T_NUMBER)
    return fail(p, p->t.at, NULL, "expected a field name, found %s", shown(p, buf, sizeof buf));
  size_t at = p->t.at;
  char *name = token_text(p);
  if (!name) return nomem(p);
  struct ArrowSchema *f = NULL;
  if (!name[0]) fail(p, at, NULL, "empty field name");
  else if (duplicate_name(p, st, name, at) == LF_OK && next(p) == LF_OK) {
    if (is_punct(p, ':') && !nested)
      fail(p, p->t.at, "top-level fields are written 'name TYPE', without a colon",
           "unexpected ':' after '%.60s'", name);
    else if (is_punct(p, ':'))
      next(p);
    if (p->rc == LF_OK && parse_type(p, st, name, depth, &f) == LF_OK) parse_constraints(p, f);
  }
  free(name);
  return p->rc;
}

/* field (, field)*: up to the end of the text (top level) or a '>' (STRUCT<...>). */
static int parse_fields(parser *p, struct ArrowSchema *st, int nested, int depth,
                        size_t open_at) {
  char buf[80];
  for (;;) {
    if (parse_field(p, st, nested, depth) != LF_OK) return p->rc;
    if (is_punct(p, ',')) {
      if (next(p) != LF_OK) return p->rc;
      if (p->t.kind == T_END || is_punct(p, '>'))
        return fail(p, p->t.at, "remove the trailing comma", "expected a field after ','");
      continue;
    }
    if (nested && (is_punct(p, '>') || p->t.kind == T_END))
      return p->t.kind == T_END ? close_angle(p, "STRUCT", open_at) : LF_OK;
    if (!nested && p->t.kind == T_END) return LF_OK;
    if (!nested && is_punct(p, '>'))
      return fail(p, p->t.at, "no '<' is open here", "unexpected '>'");
    return fail(p, p->t.at, "separate fields with ','", "expected ',' %s, found %s",
                nested ? "or '>'" : "or the end of the schema", shown(p, buf, sizeof buf));
  }
}

int lfh_ddl_parse(const char *text, size_t len, struct ArrowSchema *out, lfh_ddl_error *err) {
  lfh_ddl_error scratch;
  parser p = {.s = text ? text : "", .len = text ? len : 0, .err = err ? err : &scratch};
  memset(p.err, 0, sizeof *p.err);
  memset(out, 0, sizeof *out);
  int rc = lf_schema_init(out, "+s", "", 0, NULL);
  if (rc != LF_OK) return nomem(&p);
  if (next(&p) == LF_OK) {
    if (p.t.kind == T_END)
      fail(&p, p.t.at, "e.g. 'id BIGINT NOT NULL, name STRING'", "empty schema");
    else
      parse_fields(&p, out, 0, 0, 0);
  }
  if (p.rc != LF_OK) lf_schema_release(out);
  return p.rc;
}

/* ------------------------------------------------------------ formatting */

typedef struct fmt {
  FILE *f;
  lf_error *err;
  int rc;
} fmt;

static void put_name(FILE *f, const char *name) {
  int plain = (isalpha((unsigned char)name[0]) || name[0] == '_');
  for (const char *c = name; plain && *c; c++)
    if (!isalnum((unsigned char)*c) && *c != '_') plain = 0;
  if (plain) {
    fputs(name, f);
    return;
  }
  fputc('`', f);
  for (const char *c = name; *c; c++) {
    if (*c == '`') fputc('`', f);
    fputc(*c, f);
  }
  fputc('`', f);
}

/* The "comment" value of Arrow metadata, or NULL; *n its length. */
static const char *comment_of(const char *md, int32_t *n) {
  if (!md || lf_metadata_size(md) < 0) return NULL;
  int32_t pairs, kl, vl;
  memcpy(&pairs, md, 4);
  const char *p = md + 4;
  for (int32_t i = 0; i < pairs; i++) {
    memcpy(&kl, p, 4);
    const char *k = p + 4;
    memcpy(&vl, k + kl, 4);
    p = k + kl + 4;
    if (kl == 7 && memcmp(k, "comment", 7) == 0) {
      *n = vl;
      return p;
    }
    p += vl;
  }
  return NULL;
}

static void put_comment(FILE *f, const char *s, int32_t n) {
  fputs(" COMMENT '", f);
  for (int32_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\\' || c == '\'') fputc('\\', f);
    if (c == '\n') fputs("\\n", f);
    else if (c == '\t') fputs("\\t", f);
    else if (c == '\r') fputs("\\r", f);
    else fputc(c, f);
  }
  fputc('\'', f);
}

static const char *simple_type(const char *format) {
  static const struct {
    const char *format, *ddl;
  } k_names[] = {{"u", "STRING"}, {"b", "BOOLEAN"}, {"c", "TINYINT"}, {"s", "SMALLINT"},
                 {"i", "INT"},    {"l", "BIGINT"},  {"f", "FLOAT"},   {"g", "DOUBLE"},
                 {"z", "BINARY"}, {"tdD", "DATE"},  {"tsu:", "TIMESTAMP_NTZ"}};
  for (size_t i = 0; i < LFH_ARRAY_LEN(k_names); i++)
    if (strcmp(format, k_names[i].format) == 0) return k_names[i].ddl;
  if (strncmp(format, "tsu:", 4) == 0) return "TIMESTAMP"; /* any zone: an instant */
  return NULL;
}

static void put_fields(fmt *w, const struct ArrowSchema *st, int nested, int depth);

static void put_type(fmt *w, const struct ArrowSchema *s, int depth) {
  const char *name = s->name ? s->name : "";
  if (w->rc != LF_OK) return;
  if (depth > LFH_DDL_MAX_DEPTH) {
    w->rc = lf_error_set(w->err, LF_ERR_UNSUPPORTED, "schema nested deeper than %d levels",
                         LFH_DDL_MAX_DEPTH);
    return;
  }
  const char *simple = s->format ? simple_type(s->format) : NULL;
  const char *f = s->format ? s->format : "";
  if (simple) {
    fputs(simple, w->f);
  } else if (strcmp(f, "+s") == 0) {
    fputs("STRUCT<", w->f);
    put_fields(w, s, 1, depth + 1);
    fputc('>', w->f);
  } else if (strcmp(f, "+l") == 0 && s->n_children == 1) {
    fputs("ARRAY<", w->f);
    put_type(w, s->children[0], depth + 1);
    fputc('>', w->f);
  } else if (strcmp(f, "+m") == 0 && s->n_children == 1 && s->children[0]->n_children == 2) {
    fputs("MAP<", w->f);
    put_type(w, s->children[0]->children[0], depth + 1);
    fputs(", ", w->f);
    put_type(w, s->children[0]->children[1], depth + 1);
    fputc('>', w->f);
  } else {
    w->rc = lf_error_set(w->err, LF_ERR_UNSUPPORTED,
                         "field '%s': Arrow format '%s' has no Spark DDL spelling", name, f);
  }
}

static void put_fields(fmt *w, const struct ArrowSchema *st, int nested, int depth) {
  for (int64_t i = 0; i < st->n_children && w->rc == LF_OK; i++) {
    const struct ArrowSchema *c = st->children[i];
    if (i) fputs(", ", w->f);
    put_name(w->f, c->name ? c->name : "");
    fputs(nested ? ": " : " ", w->f);
    put_type(w, c, depth);
    if (!(c->flags & ARROW_FLAG_NULLABLE)) fputs(" NOT NULL", w->f);
    int32_t n = 0;
    const char *comment = comment_of(c->metadata, &n);
    if (comment) put_comment(w->f, comment, n);
  }
}

int lfh_ddl_format(const struct ArrowSchema *schema, char **out, lf_error *err) {
  *out = NULL;
  if (!schema || !schema->format || strcmp(schema->format, "+s") != 0)
    return lf_error_set(err, LF_ERR_INVALID, "a DDL schema is a struct (\"+s\") schema");
  char *buf = NULL;
  size_t len = 0;
  fmt w = {open_memstream(&buf, &len), err, LF_OK};
  if (!w.f) return lf_error_set(err, LF_ERR_NOMEM, "out of memory formatting a schema");
  put_fields(&w, schema, 0, 0);
  if (fclose(w.f) != 0 && w.rc == LF_OK)
    w.rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory formatting a schema");
  if (w.rc != LF_OK) {
    free(buf);
    return w.rc;
  }
  *out = buf;
  return LF_OK;
}
