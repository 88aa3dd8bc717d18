/* lfh_expr_parse.c — recursive-descent parser of the expression dialect (docs/SQL.md).
 *
 * Precedence, loosest first: OR; AND; NOT; comparisons and predicates (= <> < IS IN
 * BETWEEN LIKE RLIKE, left to right); + - ||; * / %; unary - +; primaries. Sugar is
 * rewritten here so later passes see few node kinds: BETWEEN into two comparisons, a
 * simple CASE into a searched one, IS [NOT] DISTINCT FROM into <=>, RLIKE into
 * regexp_like(), if/nvl/ifnull/nullif into CASE and COALESCE. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/lfh_expr_ast.h"
#include "lf/lf_array.h"
#include "util/lfh_suggest.h"

typedef struct parser {
  lfh_lexer lx;
  lfh_cctx *c;
  int rdepth; /* recursion depth, bounded like the tree's */
} parser;

static int parse_expr(parser *p, lfh_xnode **out);
static int parse_add(parser *p, lfh_xnode **out);

static int nomem(lfh_cctx *c) { return lf_error_set(c->err, LF_ERR_NOMEM, "out of memory"); }

lfh_xnode *lfh_xnode_new(lfh_cctx *c, int kind, size_t off, int nkids) {
  lfh_xnode *n = lfh_arena_zalloc(c->arena, sizeof(*n));
  if (!n) return NULL;
  n->kind = kind;
  n->off = off;
  n->slot = -1;
  n->col = -1;
  n->nkids = nkids;
  n->depth = 1;
  if (nkids > 0 && !(n->kids = lfh_arena_zalloc(c->arena, (size_t)nkids * sizeof(*n->kids))))
    return NULL;
  return n;
}

lfh_xnode *lfh_xnode_const(lfh_cctx *c, uint32_t type, size_t off) {
  lfh_xnode *n = lfh_xnode_new(c, LFH_N_CONST, off, 0);
  if (!n) return NULL;
  n->type = type;
  if (lfh_vec_alloc(c->arena, type == LFH_TYPE_NULL ? LFH_TYPE_BOOLEAN : type, 1, 1, &n->val))
    return NULL;
  n->val.type = type;
  n->val.is_const = 1;
  n->val.valid[0] = type != LFH_TYPE_NULL;
  if (type == LFH_TYPE_NULL) n->val.u.b[0] = 0;
  n->nullable = type == LFH_TYPE_NULL;
  return n;
}

int lfh_const_set_str(lfh_cctx *c, lfh_xnode *n, uint32_t type, const char *p, size_t len) {
  char *d = lfh_arena_alloc(c->arena, len + 1);
  if (!d) return LF_ERR_NOMEM;
  if (len) memcpy(d, p, len);
  d[len] = '\0';
  int32_t *off = (int32_t *)n->val.u.s.off;
  off[0] = 0;
  off[1] = (int32_t)len;
  n->val.u.s.data = d;
  n->val.type = type;
  n->type = type;
  return LF_OK;
}

/* Sets the node's height from its children; refuses trees deeper than the limit. */
static int fin(parser *p, lfh_xnode *n) {
  int d = 0;
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i] && n->kids[i]->depth > d) d = n->kids[i]->depth;
  n->depth = d + 1;
  if (n->depth > LFH_EXPR_MAX_DEPTH)
    return lfh_cerr(p->c, LF_ERR_INVALID, n->off, NULL,
                    "expression nested too deeply (more than %d levels)", LFH_EXPR_MAX_DEPTH);
  return LF_OK;
}

static int mk2(parser *p, int kind, int op, size_t off, lfh_xnode *a, lfh_xnode *b, lfh_xnode **out) {
  lfh_xnode *n = lfh_xnode_new(p->c, kind, off, b ? 2 : 1);
  if (!n) return nomem(p->c);
  n->op = op;
  n->kids[0] = a;
  if (b) n->kids[1] = b;
  *out = n;
  return fin(p, n);
}

/* A printable excerpt of the current token for messages. */
static void tok_text(parser *p, char *buf, size_t cap) {
  const lfh_token *t = &p->lx.tok;
  if (t->kind == LFH_T_EOF) {
    snprintf(buf, cap, "end of expression");
    return;
  }
  size_t n = t->len > 32 ? 32 : t->len;
  size_t o = 0;
  buf[o++] = '\'';
  for (size_t i = 0; i < n && o + 5 < cap; i++) {
    unsigned char ch = (unsigned char)p->c->text[t->off + i];
    buf[o++] = (ch >= 0x20 && ch != 0x7F) ? (char)ch : '?';
  }
  if (t->len > n && o + 5 < cap) o += (size_t)snprintf(buf + o, cap - o, "...");
  buf[o++] = '\'';
  buf[o] = '\0';
}

static int unexpected(parser *p, const char *expected) {
  char t[64];
  tok_text(p, t, sizeof t);
  if (expected)
    return lfh_cerr(p->c, LF_ERR_INVALID, p->lx.tok.off, NULL, "expected %s but found %s",
                    expected, t);
  return lfh_cerr(p->c, LF_ERR_INVALID, p->lx.tok.off, NULL, "unexpected %s", t);
}

static int is_op(parser *p, int op) { return p->lx.tok.kind == LFH_T_OP && p->lx.tok.op == op; }
static int kw(parser *p, const char *k) { return lfh_lex_is_kw(&p->lx, k); }
static int next(parser *p) { return lfh_lex_next(&p->lx); }

static int expect_op(parser *p, int op, const char *what) {
  if (!is_op(p, op)) return unexpected(p, what);
  return next(p);
}

static int expect_kw(parser *p, const char *k) {
  if (!kw(p, k)) {
    char what[32];
    snprintf(what, sizeof what, "%s", k);
    return unexpected(p, what);
  }
  return next(p);
}

/* Words that cannot be column names unless backquoted. */
static int is_reserved(parser *p) {
  static const char *const k[] = {"AND",  "OR",   "NOT",  "IS",   "NULL",   "TRUE",
                                  "FALSE", "IN",  "BETWEEN", "LIKE", "ILIKE", "RLIKE",
                                  "REGEXP", "CASE", "WHEN", "THEN", "ELSE", "END",
                                  "ESCAPE", "DISTINCT"};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (kw(p, k[i])) return 1;
  return 0;
}

/* Peeks at the token after the current one without consuming anything. */
static int peek(parser *p, lfh_token *t) {
  lfh_lexer save = p->lx;
  int rc = next(p);
  *t = p->lx.tok;
  p->lx = save;
  return rc;
}

/* ------------------------------------------------------------ lists */

typedef struct nlist {
  lfh_xnode **v;
  int n, cap;
} nlist;

static int nlist_add(parser *p, nlist *l, lfh_xnode *x) {
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 8;
    lfh_xnode **v = lfh_arena_grow(p->c->arena, l->v, (size_t)l->cap * sizeof(*v),
                                  (size_t)cap * sizeof(*v));
    if (!v) return nomem(p->c);
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = x;
  return LF_OK;
}

static int from_list(parser *p, int kind, size_t off, const nlist *l, lfh_xnode **out) {
  lfh_xnode *n = lfh_xnode_new(p->c, kind, off, l->n);
  if (!n) return nomem(p->c);
  for (int i = 0; i < l->n; i++) n->kids[i] = l->v[i];
  *out = n;
  return fin(p, n);
}

/* ( expr [, expr]* ) after the opening parenthesis has been consumed; `allow_empty` for
 * function calls. */
static int parse_args(parser *p, nlist *l, int allow_empty) {
  if (allow_empty && is_op(p, LFH_OPC_RPAREN)) return next(p);
  for (;;) {
    lfh_xnode *a;
    int rc = parse_expr(p, &a);
    if (rc == LF_OK) rc = nlist_add(p, l, a);
    if (rc != LF_OK) return rc;
    if (is_op(p, LFH_OPC_COMMA)) {
      if ((rc = next(p)) != LF_OK) return rc;
      continue;
    }
    return expect_op(p, LFH_OPC_RPAREN, "',' or ')'");
  }
}

/* ------------------------------------------------------------ literals */

static int string_lit(parser *p, lfh_xnode **out) {
  /* Adjacent literals concatenate, as in Spark: 'a' 'b' is 'ab'. */
  size_t off = p->lx.tok.off;
  char *s = p->lx.tok.sval;
  size_t len = p->lx.tok.slen;
  int rc = next(p);
  while (rc == LF_OK && p->lx.tok.kind == LFH_T_STRING) {
    char *j = lfh_arena_alloc(p->c->arena, len + p->lx.tok.slen + 1);
    if (!j) return nomem(p->c);
    memcpy(j, s, len);
    memcpy(j + len, p->lx.tok.sval, p->lx.tok.slen + 1);
    s = j;
    len += p->lx.tok.slen;
    rc = next(p);
  }
  if (rc != LF_OK) return rc;
  lfh_xnode *n = lfh_xnode_const(p->c, LFH_TYPE_STRING, off);
  if (!n || lfh_const_set_str(p->c, n, LFH_TYPE_STRING, s, len)) return nomem(p->c);
  *out = n;
  return LF_OK;
}

/* TIMESTAMP '...' / DATE '...' (the keyword is current, the string next). */
static int datetime_lit(parser *p, uint32_t type, lfh_xnode **out) {
  size_t off = p->lx.tok.off;
  int rc = next(p);
  if (rc != LF_OK) return rc;
  const lfh_token *t = &p->lx.tok;
  lfh_xnode *n = lfh_xnode_const(p->c, type, off);
  if (!n) return nomem(p->c);
  int bad = type == LFH_TYPE_TIMESTAMP ? lfh_parse_timestamp(t->sval, t->slen, &n->val.u.i[0])
                                       : lfh_parse_date(t->sval, t->slen, &n->val.u.days[0]);
  if (bad)
    return lfh_cerr(p->c, LF_ERR_INVALID, t->off, NULL, "invalid %s literal '%.*s'",
                    lfh_type_name(type), (int)(t->slen > 40 ? 40 : t->slen), t->sval);
  *out = n;
  return next(p);
}

/* Microseconds per interval unit (singular or plural); 0 when not a day-time unit,
 * -1 for the year-month units Spark has and this engine does not. */
static int64_t unit_us(const char *s, size_t n) {
  static const struct {
    const char *name;
    int64_t us;
  } k[] = {{"microsecond", 1},           {"millisecond", 1000},
           {"second", 1000000},          {"minute", 60000000},
           {"hour", 3600000000LL},       {"day", 86400000000LL},
           {"week", 604800000000LL},     {"month", -1},
           {"year", -1}};
  if (n > 0 && (s[n - 1] == 's' || s[n - 1] == 'S')) n--;
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (strlen(k[i].name) == n && strncasecmp(k[i].name, s, n) == 0) return k[i].us;
  return 0;
}

/* Adds value*unit to *acc; errors name the unit's position. */
static int interval_add(parser *p, double value, const char *u, size_t ulen, size_t uoff,
                        int64_t *acc) {
  int64_t us = unit_us(u, ulen);
  if (us < 0)
    return lfh_cerr(p->c, LF_ERR_INVALID, uoff, NULL,
                    "year-month intervals are not supported (use days or weeks)");
  if (us == 0)
    return lfh_cerr(p->c, LF_ERR_INVALID, uoff, NULL,
                    "unknown interval unit '%.*s' (expected microsecond, millisecond, second, "
                    "minute, hour, day or week)", (int)(ulen > 32 ? 32 : ulen), u);
  double v = nearbyint(value * (double)us);
  double sum = (double)*acc + v;
  if (!(fabs(sum) < 9.2e18))
    return lfh_cerr(p->c, LF_ERR_INVALID, uoff, NULL, "interval out of range");
  *acc += (int64_t)v;
  return LF_OK;
}

/* The text of an INTERVAL string: "10", "-1.5", or pairs "1 day 2 hours". With one
 * number only, the unit follows the literal (`unit_next` set). */
static int interval_string(parser *p, const lfh_token *t, int64_t *acc, int *unit_next,
                           double *single) {
  const char *s = t->sval;
  size_t n = t->slen, i = 0;
  int pairs = 0;
  for (;;) {
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (i >= n) break;
    char num[64];
    size_t k = 0;
    while (i < n && k + 1 < sizeof num && (s[i] == '-' || s[i] == '+' || s[i] == '.' ||
                                            (s[i] >= '0' && s[i] <= '9')))
      num[k++] = s[i++];
    num[k] = '\0';
    char *end;
    double v = k ? strtod(num, &end) : 0;
    if (!k || *end) break;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    size_t us = i;
    while (i < n && s[i] != ' ' && s[i] != '\t') i++;
    if (us == i) {
      if (pairs == 0 && i >= n) {
        *unit_next = 1;
        *single = v;
        return LF_OK;
      }
      break;
    }
    int rc = interval_add(p, v, s + us, i - us, t->off, acc);
    if (rc != LF_OK) return rc;
    pairs++;
  }
  if (pairs == 0 || i < n)
    return lfh_cerr(p->c, LF_ERR_INVALID, t->off, NULL, "invalid INTERVAL literal '%.*s'",
                    (int)(n > 40 ? 40 : n), s);
  *unit_next = 0;
  return LF_OK;
}

/* INTERVAL (value unit)+ where value is a number (optionally negative) or a string. */
static int interval_lit(parser *p, lfh_xnode **out) {
  size_t off = p->lx.tok.off;
  int64_t acc = 0;
  int terms = 0, rc = next(p);
  while (rc == LF_OK) {
    int neg = 0;
    double v;
    lfh_token t = p->lx.tok;
    if (is_op(p, LFH_OPC_MINUS)) {
      neg = 1;
      if ((rc = next(p)) != LF_OK) return rc;
      t = p->lx.tok;
    }
    if (t.kind == LFH_T_INT) v = (double)t.ival;
    else if (t.kind == LFH_T_DOUBLE) v = t.dval;
    else if (t.kind == LFH_T_STRING && !neg) {
      int unit_next = 0;
      if ((rc = interval_string(p, &t, &acc, &unit_next, &v)) != LF_OK) return rc;
      if (!unit_next) {
        terms++;
        rc = next(p);
        continue;
      }
    } else {
      if (terms > 0) break;
      return unexpected(p, "an interval value");
    }
    if ((rc = next(p)) != LF_OK) return rc;
    if (p->lx.tok.kind != LFH_T_IDENT) return unexpected(p, "an interval unit");
    rc = interval_add(p, neg ? -v : v, p->lx.tok.sval, p->lx.tok.slen, p->lx.tok.off, &acc);
    if (rc == LF_OK) rc = next(p);
    terms++;
  }
  if (rc != LF_OK) return rc;
  lfh_xnode *n = lfh_xnode_const(p->c, LFH_TYPE_INTERVAL, off);
  if (!n) return nomem(p->c);
  n->val.u.i[0] = acc;
  *out = n;
  return LF_OK;
}

/* ------------------------------------------------------------ CAST */

typedef struct tname {
  const char *name;
  uint32_t type;
} tname;

static const tname k_types[] = {
    {"string", LFH_TYPE_STRING},   {"varchar", LFH_TYPE_STRING},  {"char", LFH_TYPE_STRING},
    {"int", LFH_TYPE_BIGINT},      {"integer", LFH_TYPE_BIGINT},  {"bigint", LFH_TYPE_BIGINT},
    {"long", LFH_TYPE_BIGINT},     {"smallint", LFH_TYPE_BIGINT}, {"short", LFH_TYPE_BIGINT},
    {"tinyint", LFH_TYPE_BIGINT},  {"byte", LFH_TYPE_BIGINT},     {"double", LFH_TYPE_DOUBLE},
    {"float", LFH_TYPE_DOUBLE},    {"real", LFH_TYPE_DOUBLE},     {"decimal", LFH_TYPE_DOUBLE},
    {"dec", LFH_TYPE_DOUBLE},      {"numeric", LFH_TYPE_DOUBLE},  {"boolean", LFH_TYPE_BOOLEAN},
    {"bool", LFH_TYPE_BOOLEAN},    {"timestamp", LFH_TYPE_TIMESTAMP},
    {"timestamp_ltz", LFH_TYPE_TIMESTAMP}, {"date", LFH_TYPE_DATE},
    {"binary", LFH_TYPE_BINARY}};

static int parse_type(parser *p, uint32_t *type) {
  if (p->lx.tok.kind != LFH_T_IDENT) return unexpected(p, "a type name");
  const lfh_token t = p->lx.tok;
  const char *names[sizeof k_types / sizeof k_types[0]];
  for (size_t i = 0; i < sizeof k_types / sizeof k_types[0]; i++) {
    names[i] = k_types[i].name;
    if (strlen(k_types[i].name) == t.slen && strncasecmp(k_types[i].name, t.sval, t.slen) == 0) {
      *type = k_types[i].type;
      int rc = next(p);
      if (rc != LF_OK || !is_op(p, LFH_OPC_LPAREN)) return rc;
      /* DECIMAL(p, s), VARCHAR(n): the precision does not change the engine's type. */
      if ((rc = next(p)) != LF_OK) return rc;
      for (int k = 0; k < 2; k++) {
        if (p->lx.tok.kind != LFH_T_INT) return unexpected(p, "a number");
        if ((rc = next(p)) != LF_OK) return rc;
        if (!is_op(p, LFH_OPC_COMMA)) break;
        if ((rc = next(p)) != LF_OK) return rc;
      }
      return expect_op(p, LFH_OPC_RPAREN, "')'");
    }
  }
  char sug[96] = "";
  const char *s = lfh_suggest(t.sval, names, sizeof names / sizeof names[0]);
  if (s) snprintf(sug, sizeof sug, "; did you mean '%s'?", s);
  return lfh_cerr(p->c, LF_ERR_INVALID, t.off, sug, "unknown type '%.*s'",
                  (int)(t.slen > 40 ? 40 : t.slen), t.sval);
}

/* CAST ( expr AS type ); the current token is the opening parenthesis. */
static int parse_cast(parser *p, size_t off, int try_cast, lfh_xnode **out) {
  lfh_xnode *x;
  int rc = next(p);
  if (rc == LF_OK) rc = parse_expr(p, &x);
  if (rc == LF_OK) rc = expect_kw(p, "AS");
  uint32_t type = 0;
  if (rc == LF_OK) rc = parse_type(p, &type);
  if (rc == LF_OK) rc = expect_op(p, LFH_OPC_RPAREN, "')'");
  if (rc != LF_OK) return rc;
  if ((rc = mk2(p, LFH_N_CAST, 0, off, x, NULL, out)) != LF_OK) return rc;
  (*out)->to = type;
  (*out)->try_cast = try_cast;
  return LF_OK;
}

/* ------------------------------------------------------------ CASE */

static int parse_case(parser *p, lfh_xnode **out) {
  size_t off = p->lx.tok.off;
  lfh_xnode *subject = NULL;
  nlist l = {0};
  int rc = next(p);
  if (rc == LF_OK && !kw(p, "WHEN")) rc = parse_expr(p, &subject);
  if (rc == LF_OK && !kw(p, "WHEN")) rc = unexpected(p, "WHEN");
  while (rc == LF_OK && kw(p, "WHEN")) {
    size_t woff = p->lx.tok.off;
    lfh_xnode *cond, *val;
    if ((rc = next(p)) != LF_OK || (rc = parse_expr(p, &cond)) != LF_OK) break;
    if (subject && (rc = mk2(p, LFH_N_CMP, LFH_OPC_EQ, woff, subject, cond, &cond)) != LF_OK)
      break;
    if ((rc = expect_kw(p, "THEN")) != LF_OK || (rc = parse_expr(p, &val)) != LF_OK) break;
    if ((rc = nlist_add(p, &l, cond)) != LF_OK || (rc = nlist_add(p, &l, val)) != LF_OK) break;
  }
  int has_else = 0;
  if (rc == LF_OK && kw(p, "ELSE")) {
    lfh_xnode *e;
    has_else = 1;
    if ((rc = next(p)) == LF_OK && (rc = parse_expr(p, &e)) == LF_OK) rc = nlist_add(p, &l, e);
  }
  if (rc == LF_OK) rc = expect_kw(p, "END");
  if (rc == LF_OK) rc = from_list(p, LFH_N_CASE, off, &l, out);
  if (rc == LF_OK) (*out)->has_else = has_else;
  return rc;
}

/* ------------------------------------------------------------ names and calls */

/* if(c, a, b), nvl/ifnull(a, b), nullif(a, b): rewritten into CASE/COALESCE here. */
static int core_sugar(parser *p, const lfh_token *name, nlist *args, lfh_xnode **out, int *done) {
  static const struct {
    const char *name;
    int nargs;
  } k[] = {{"if", 3}, {"nvl", 2}, {"ifnull", 2}, {"nullif", 2}};
  int which = -1;
  for (int i = 0; i < 4; i++)
    if (strlen(k[i].name) == name->slen && strncasecmp(k[i].name, name->sval, name->slen) == 0)
      which = i;
  *done = which >= 0;
  if (which < 0) return LF_OK;
  if (args->n != k[which].nargs)
    return lfh_cerr(p->c, LF_ERR_INVALID, name->off, NULL,
                    "function '%s' takes %d arguments, got %d", k[which].name, k[which].nargs,
                    args->n);
  if (which == 1 || which == 2) return from_list(p, LFH_N_COALESCE, name->off, args, out);
  lfh_xnode *n = lfh_xnode_new(p->c, LFH_N_CASE, name->off, 3);
  if (!n) return nomem(p->c);
  n->has_else = 1;
  if (which == 0) {
    for (int i = 0; i < 3; i++) n->kids[i] = args->v[i];
  } else { /* nullif(a, b) = CASE WHEN a = b THEN NULL ELSE a END */
    int rc = mk2(p, LFH_N_CMP, LFH_OPC_EQ, name->off, args->v[0], args->v[1], &n->kids[0]);
    if (rc != LF_OK) return rc;
    if (!(n->kids[1] = lfh_xnode_const(p->c, LFH_TYPE_NULL, name->off))) return nomem(p->c);
    n->kids[2] = args->v[0];
  }
  *out = n;
  return fin(p, n);
}

static int parse_call(parser *p, const lfh_token *name, lfh_xnode **out) {
  nlist args = {0};
  int rc = next(p); /* the '(' */
  if (rc == LF_OK && kw(p, "DISTINCT"))
    return lfh_cerr(p->c, LF_ERR_INVALID, p->lx.tok.off, NULL,
                    "DISTINCT is for aggregates, which expressions do not have");
  if (rc == LF_OK) rc = parse_args(p, &args, 1);
  if (rc != LF_OK) return rc;
  int done;
  if ((rc = core_sugar(p, name, &args, out, &done)) != LF_OK || done) return rc;
  int is_coalesce = name->slen == 8 && strncasecmp(name->sval, "coalesce", 8) == 0;
  if (is_coalesce && args.n == 0)
    return lfh_cerr(p->c, LF_ERR_INVALID, name->off, NULL,
                    "function 'coalesce' takes at least 1 argument, got 0");
  if (args.n > LFH_FUNC_MAX_ARGS && !is_coalesce)
    return lfh_cerr(p->c, LF_ERR_INVALID, name->off, NULL,
                    "too many arguments to '%.*s' (at most %d)", (int)(name->slen > 40 ? 40 : name->slen),
                    name->sval, LFH_FUNC_MAX_ARGS);
  if ((rc = from_list(p, is_coalesce ? LFH_N_COALESCE : LFH_N_FUNC, name->off, &args, out)))
    return rc;
  (*out)->fname = name->sval;
  (*out)->fname_len = name->slen;
  return LF_OK;
}

/* name[.name]* or name( args ). */
static int parse_name(parser *p, lfh_xnode **out) {
  lfh_token first = p->lx.tok;
  int rc = next(p);
  if (rc != LF_OK) return rc;
  if (first.kind == LFH_T_IDENT && is_op(p, LFH_OPC_LPAREN)) return parse_call(p, &first, out);
  lfh_name_part parts[LFH_EXPR_MAX_PATH];
  int n = 0;
  parts[n++] = (lfh_name_part){first.sval, first.slen, first.off};
  while (is_op(p, LFH_OPC_DOT)) {
    if ((rc = next(p)) != LF_OK) return rc;
    if (p->lx.tok.kind != LFH_T_IDENT && p->lx.tok.kind != LFH_T_QIDENT)
      return unexpected(p, "a field name");
    if (n == LFH_EXPR_MAX_PATH)
      return lfh_cerr(p->c, LF_ERR_INVALID, p->lx.tok.off, NULL,
                      "column path longer than %d names", LFH_EXPR_MAX_PATH);
    parts[n++] = (lfh_name_part){p->lx.tok.sval, p->lx.tok.slen, p->lx.tok.off};
    if ((rc = next(p)) != LF_OK) return rc;
  }
  lfh_xnode *c = lfh_xnode_new(p->c, LFH_N_COL, first.off, 0);
  if (!c || !(c->parts = lfh_arena_alloc(p->c->arena, (size_t)n * sizeof(*parts))))
    return nomem(p->c);
  memcpy(c->parts, parts, (size_t)n * sizeof(*parts));
  c->nparts = n;
  *out = c;
  return LF_OK;
}

/* ------------------------------------------------------------ expressions */

static int parse_primary(parser *p, lfh_xnode **out) {
  lfh_token t = p->lx.tok;
  lfh_xnode *n;
  switch (t.kind) {
  case LFH_T_INT:
  case LFH_T_DOUBLE:
    if (!(n = lfh_xnode_const(p->c, t.kind == LFH_T_INT ? LFH_TYPE_BIGINT : LFH_TYPE_DOUBLE, t.off)))
      return nomem(p->c);
    if (t.kind == LFH_T_INT) n->val.u.i[0] = t.ival;
    else n->val.u.d[0] = t.dval;
    *out = n;
    return next(p);
  case LFH_T_STRING: return string_lit(p, out);
  case LFH_T_QIDENT: return parse_name(p, out);
  case LFH_T_OP:
    if (t.op == LFH_OPC_LPAREN) {
      int rc = next(p);
      if (rc == LF_OK) rc = parse_expr(p, out);
      if (rc == LF_OK) rc = expect_op(p, LFH_OPC_RPAREN, "')'");
      return rc;
    }
    return unexpected(p, NULL);
  case LFH_T_IDENT: break;
  default: return unexpected(p, NULL);
  }
  lfh_token nx;
  int rc = peek(p, &nx);
  if (rc != LF_OK) return rc;
  if (kw(p, "NULL") || kw(p, "TRUE") || kw(p, "FALSE")) {
    if (!(n = lfh_xnode_const(p->c, kw(p, "NULL") ? LFH_TYPE_NULL : LFH_TYPE_BOOLEAN, t.off)))
      return nomem(p->c);
    if (!kw(p, "NULL")) n->val.u.b[0] = (uint8_t)kw(p, "TRUE");
    *out = n;
    return next(p);
  }
  if (kw(p, "CASE")) return parse_case(p, out);
  int is_op_lparen = nx.kind == LFH_T_OP && nx.op == LFH_OPC_LPAREN;
  if ((kw(p, "CAST") || kw(p, "TRY_CAST")) && is_op_lparen) {
    int try_cast = kw(p, "TRY_CAST");
    if ((rc = next(p)) != LF_OK) return rc;
    return parse_cast(p, t.off, try_cast, out);
  }
  if (kw(p, "TIMESTAMP") && nx.kind == LFH_T_STRING) return datetime_lit(p, LFH_TYPE_TIMESTAMP, out);
  if (kw(p, "DATE") && nx.kind == LFH_T_STRING) return datetime_lit(p, LFH_TYPE_DATE, out);
  if (kw(p, "INTERVAL") && (nx.kind == LFH_T_STRING || nx.kind == LFH_T_INT ||
                            nx.kind == LFH_T_DOUBLE || (nx.kind == LFH_T_OP && nx.op == LFH_OPC_MINUS)))
    return interval_lit(p, out);
  if (is_reserved(p)) return unexpected(p, NULL);
  return parse_name(p, out);
}

static int enter(parser *p, size_t off) {
  if (++p->rdepth > LFH_EXPR_MAX_DEPTH)
    return lfh_cerr(p->c, LF_ERR_INVALID, off, NULL,
                    "expression nested too deeply (more than %d levels)", LFH_EXPR_MAX_DEPTH);
  return LF_OK;
}

static int parse_unary(parser *p, lfh_xnode **out) {
  if (!is_op(p, LFH_OPC_MINUS) && !is_op(p, LFH_OPC_PLUS)) return parse_primary(p, out);
  size_t off = p->lx.tok.off;
  int minus = is_op(p, LFH_OPC_MINUS);
  int rc = enter(p, off);
  if (rc == LF_OK) rc = next(p);
  lfh_xnode *x = NULL;
  const lfh_token t = p->lx.tok;
  if (rc == LF_OK && minus && (t.kind == LFH_T_INT || t.kind == LFH_T_DOUBLE)) {
    /* A negative number stays a literal, so -9223372036854775808 is a BIGINT. */
    int big = t.kind == LFH_T_INT || t.big;
    if (!(x = lfh_xnode_const(p->c, big ? LFH_TYPE_BIGINT : LFH_TYPE_DOUBLE, off))) rc = nomem(p->c);
    else if (t.kind == LFH_T_INT) x->val.u.i[0] = -t.ival;
    else if (t.big) x->val.u.i[0] = INT64_MIN;
    else x->val.u.d[0] = -t.dval;
    if (rc == LF_OK) rc = next(p);
    p->rdepth--;
    *out = x;
    return rc;
  }
  if (rc == LF_OK) rc = parse_unary(p, &x);
  p->rdepth--;
  if (rc != LF_OK) return rc;
  if (!minus) {
    *out = x;
    return LF_OK;
  }
  return mk2(p, LFH_N_NEG, 0, off, x, NULL, out);
}

static int parse_mul(parser *p, lfh_xnode **out) {
  int rc = parse_unary(p, out);
  while (rc == LF_OK && (is_op(p, LFH_OPC_STAR) || is_op(p, LFH_OPC_SLASH) ||
                         is_op(p, LFH_OPC_PERCENT))) {
    int op = p->lx.tok.op;
    size_t off = p->lx.tok.off;
    lfh_xnode *r;
    if ((rc = next(p)) != LF_OK || (rc = parse_unary(p, &r)) != LF_OK) break;
    rc = mk2(p, LFH_N_ARITH, op, off, *out, r, out);
  }
  return rc;
}

static int parse_add(parser *p, lfh_xnode **out) {
  int rc = parse_mul(p, out);
  while (rc == LF_OK && (is_op(p, LFH_OPC_PLUS) || is_op(p, LFH_OPC_MINUS) ||
                         is_op(p, LFH_OPC_CONCAT))) {
    int op = p->lx.tok.op;
    size_t off = p->lx.tok.off;
    lfh_xnode *r;
    if ((rc = next(p)) != LF_OK || (rc = parse_mul(p, &r)) != LF_OK) break;
    rc = mk2(p, op == LFH_OPC_CONCAT ? LFH_N_CONCAT : LFH_N_ARITH, op, off, *out, r, out);
  }
  return rc;
}

/* x [NOT] IN ( list ). */
static int parse_in(parser *p, lfh_xnode *x, size_t off, int neg, lfh_xnode **out) {
  nlist l = {0};
  int rc = next(p);
  if (rc == LF_OK && !is_op(p, LFH_OPC_LPAREN)) rc = unexpected(p, "'('");
  if (rc == LF_OK && (rc = next(p)) == LF_OK && kw(p, "SELECT"))
    rc = lfh_cerr(p->c, LF_ERR_INVALID, p->lx.tok.off, NULL, "subqueries are not supported");
  if (rc == LF_OK) rc = nlist_add(p, &l, x);
  if (rc == LF_OK) rc = parse_args(p, &l, 0);
  if (rc == LF_OK) rc = from_list(p, LFH_N_IN, off, &l, out);
  if (rc == LF_OK) (*out)->neg = neg;
  return rc;
}

/* x [NOT] BETWEEN a AND b = x >= a AND x <= b (x shared, evaluated once). */
static int parse_between(parser *p, lfh_xnode *x, size_t off, int neg, lfh_xnode **out) {
  lfh_xnode *lo, *hi, *ge, *le;
  int rc = next(p);
  if (rc == LF_OK) rc = parse_add(p, &lo);
  if (rc == LF_OK) rc = expect_kw(p, "AND");
  if (rc == LF_OK) rc = parse_add(p, &hi);
  if (rc == LF_OK) rc = mk2(p, LFH_N_CMP, LFH_OPC_GE, off, x, lo, &ge);
  if (rc == LF_OK) rc = mk2(p, LFH_N_CMP, LFH_OPC_LE, off, x, hi, &le);
  if (rc == LF_OK) rc = mk2(p, LFH_N_AND, 0, off, ge, le, out);
  if (rc == LF_OK && neg) rc = mk2(p, LFH_N_NOT, 0, off, *out, NULL, out);
  return rc;
}

static int parse_like(parser *p, lfh_xnode *x, size_t off, int neg, lfh_xnode **out) {
  lfh_xnode *pat;
  int rc = next(p);
  if (rc == LF_OK) rc = parse_add(p, &pat);
  if (rc == LF_OK) rc = mk2(p, LFH_N_LIKE, 0, off, x, pat, out);
  if (rc != LF_OK) return rc;
  (*out)->neg = neg;
  (*out)->escape = '\\';
  if (!kw(p, "ESCAPE")) return LF_OK;
  if ((rc = next(p)) != LF_OK) return rc;
  if (p->lx.tok.kind != LFH_T_STRING || p->lx.tok.slen != 1)
    return unexpected(p, "a one-character escape string");
  (*out)->escape = p->lx.tok.sval[0];
  return next(p);
}

static int parse_rlike(parser *p, lfh_xnode *x, size_t off, int neg, lfh_xnode **out) {
  lfh_xnode *pat;
  int rc = next(p);
  if (rc == LF_OK) rc = parse_add(p, &pat);
  if (rc == LF_OK) rc = mk2(p, LFH_N_FUNC, 0, off, x, pat, out);
  if (rc != LF_OK) return rc;
  (*out)->fname = "regexp_like";
  (*out)->fname_len = strlen("regexp_like");
  if (neg) rc = mk2(p, LFH_N_NOT, 0, off, *out, NULL, out);
  return rc;
}

/* IS [NOT] NULL | TRUE | FALSE | UNKNOWN | DISTINCT FROM y. */
static int parse_is(parser *p, lfh_xnode *x, size_t off, lfh_xnode **out) {
  int rc = next(p), neg = 0;
  if (rc == LF_OK && kw(p, "NOT")) {
    neg = 1;
    rc = next(p);
  }
  if (rc != LF_OK) return rc;
  if (kw(p, "NULL") || kw(p, "UNKNOWN")) {
    if ((rc = mk2(p, LFH_N_ISNULL, 0, off, x, NULL, out)) != LF_OK) return rc;
    (*out)->neg = neg;
    return next(p);
  }
  if (kw(p, "TRUE") || kw(p, "FALSE")) {
    if ((rc = mk2(p, LFH_N_ISBOOL, 0, off, x, NULL, out)) != LF_OK) return rc;
    (*out)->neg = neg;
    (*out)->truth = kw(p, "TRUE");
    return next(p);
  }
  if (kw(p, "DISTINCT")) {
    lfh_xnode *y;
    if ((rc = next(p)) == LF_OK) rc = expect_kw(p, "FROM");
    if (rc == LF_OK) rc = parse_add(p, &y);
    if (rc == LF_OK) rc = mk2(p, LFH_N_CMP, LFH_OPC_NSEQ, off, x, y, out);
    if (rc == LF_OK && !neg) rc = mk2(p, LFH_N_NOT, 0, off, *out, NULL, out);
    return rc;
  }
  return unexpected(p, "NULL, TRUE, FALSE or DISTINCT FROM");
}

static int parse_pred(parser *p, lfh_xnode **out) {
  int rc = parse_add(p, out);
  while (rc == LF_OK) {
    size_t off = p->lx.tok.off;
    if (p->lx.tok.kind == LFH_T_OP && p->lx.tok.op >= LFH_OPC_EQ && p->lx.tok.op <= LFH_OPC_NSEQ) {
      int op = p->lx.tok.op;
      lfh_xnode *r;
      if ((rc = next(p)) != LF_OK || (rc = parse_add(p, &r)) != LF_OK) break;
      rc = mk2(p, LFH_N_CMP, op, off, *out, r, out);
      continue;
    }
    if (kw(p, "IS")) {
      rc = parse_is(p, *out, off, out);
      continue;
    }
    int neg = 0;
    if (kw(p, "NOT")) {
      lfh_lexer save = p->lx;
      if ((rc = next(p)) != LF_OK) break;
      if (!kw(p, "IN") && !kw(p, "BETWEEN") && !kw(p, "LIKE") && !kw(p, "RLIKE") &&
          !kw(p, "REGEXP")) {
        p->lx = save; /* a NOT that starts something else: not ours */
        break;
      }
      neg = 1;
    }
    if (kw(p, "IN")) rc = parse_in(p, *out, off, neg, out);
    else if (kw(p, "BETWEEN")) rc = parse_between(p, *out, off, neg, out);
    else if (kw(p, "LIKE")) rc = parse_like(p, *out, off, neg, out);
    else if (kw(p, "RLIKE") || kw(p, "REGEXP")) rc = parse_rlike(p, *out, off, neg, out);
    else break;
  }
  return rc;
}

static int parse_not(parser *p, lfh_xnode **out) {
  if (!kw(p, "NOT") && !is_op(p, LFH_OPC_BANG)) return parse_pred(p, out);
  size_t off = p->lx.tok.off;
  lfh_xnode *x;
  int rc = enter(p, off);
  if (rc == LF_OK) rc = next(p);
  if (rc == LF_OK) rc = parse_not(p, &x);
  p->rdepth--;
  if (rc != LF_OK) return rc;
  return mk2(p, LFH_N_NOT, 0, off, x, NULL, out);
}

static int parse_and(parser *p, lfh_xnode **out) {
  int rc = parse_not(p, out);
  while (rc == LF_OK && kw(p, "AND")) {
    size_t off = p->lx.tok.off;
    lfh_xnode *r;
    if ((rc = next(p)) != LF_OK || (rc = parse_not(p, &r)) != LF_OK) break;
    rc = mk2(p, LFH_N_AND, 0, off, *out, r, out);
  }
  return rc;
}

static int parse_expr(parser *p, lfh_xnode **out) {
  int rc = enter(p, p->lx.tok.off);
  if (rc == LF_OK) rc = parse_and(p, out);
  while (rc == LF_OK && kw(p, "OR")) {
    size_t off = p->lx.tok.off;
    lfh_xnode *r;
    if ((rc = next(p)) != LF_OK || (rc = parse_and(p, &r)) != LF_OK) break;
    rc = mk2(p, LFH_N_OR, 0, off, *out, r, out);
  }
  p->rdepth--;
  return rc;
}

int lfh_expr_parse(lfh_cctx *c, lfh_xnode **out) {
  parser p = {.c = c};
  p.lx.c = c;
  int rc = lfh_lex_next(&p.lx);
  if (rc != LF_OK) return rc;
  if (p.lx.tok.kind == LFH_T_EOF)
    return lfh_cerr(c, LF_ERR_INVALID, p.lx.tok.off, NULL, "empty expression");
  if ((rc = parse_expr(&p, out)) != LF_OK) return rc;
  if (p.lx.tok.kind != LFH_T_EOF) return unexpected(&p, NULL);
  return LF_OK;
}
