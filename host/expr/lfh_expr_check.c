/* lfh_expr_check.c — names, types and implicit casts over the tree, then constant
 * folding, all in one bottom-up pass.
 *
 * Coercions follow Spark where they are safe: BIGINT widens to DOUBLE, DATE to
 * TIMESTAMP, a STRING compared with a DATE/TIMESTAMP is converted to it, NULL becomes
 * whatever it meets. A STRING compared with a number is an error here (Spark would cast
 * the string silently), which catches `amount > '10'` typos; CAST says it explicitly.
 *
 * The tree may share nodes (BETWEEN's subject), so nodes are rewritten in place (folding,
 * IN → OR) and only casts, which belong to one edge, go through the parent's pointer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr/lfh_expr_ast.h"
#include "lf/lf_array.h"
#include "util/lfh_mem.h"
#include "util/lfh_suggest.h"

static int check(lfh_check *k, lfh_xnode **np);

static int nomem(lfh_check *k) { return lf_error_set(k->c->err, LF_ERR_NOMEM, "out of memory"); }

static int is_num(uint32_t t) { return t == LFH_TYPE_BIGINT || t == LFH_TYPE_DOUBLE; }
static int is_dt(uint32_t t) { return t == LFH_TYPE_TIMESTAMP || t == LFH_TYPE_DATE; }

const char *lfh_type_name(uint32_t type) {
  switch (type) {
  case LFH_TYPE_NULL: return "NULL";
  case LFH_TYPE_BOOLEAN: return "BOOLEAN";
  case LFH_TYPE_BIGINT: return "BIGINT";
  case LFH_TYPE_DOUBLE: return "DOUBLE";
  case LFH_TYPE_STRING: return "STRING";
  case LFH_TYPE_BINARY: return "BINARY";
  case LFH_TYPE_TIMESTAMP: return "TIMESTAMP";
  case LFH_TYPE_DATE: return "DATE";
  case LFH_TYPE_INTERVAL: return "INTERVAL";
  case LFH_TYPE_ARRAY: return "ARRAY<STRING>";
  case LFH_TYPE_STRUCT: return "STRUCT";
  case LFH_TYPE_LIST: return "ARRAY";
  case LFH_TYPE_MAP: return "MAP";
  default: return "an unsupported type";
  }
}

int lfh_cctx_own(lfh_cctx *c, void *p, void (*fr)(void *p)) {
  if (!p) return LF_OK;
  if (lfh_grow(&c->owned, &c->capowned, c->nowned + 1, sizeof(*c->owned), 8)) {
    fr(p);
    return lf_error_set(c->err, LF_ERR_NOMEM, "out of memory");
  }
  c->owned[c->nowned++] = (lfh_owned){p, fr};
  return LF_OK;
}

void lfh_cctx_release(lfh_cctx *c) {
  for (size_t i = 0; i < c->nowned; i++) c->owned[i].free(c->owned[i].p);
  free(c->owned);
  c->owned = NULL;
  c->nowned = c->capowned = 0;
}

/* ------------------------------------------------------------ folding */

static int is_volatile(const lfh_xnode *n) {
  if (n->kind != LFH_N_FUNC) return 0;
  if (n->nkids == 0) return 1; /* current_timestamp(), unix_timestamp(): per evaluation */
  return n->fname_len >= 7 && strncasecmp(n->fname, "current", 7) == 0;
}

/* Replaces a node whose children are all constants by its value, in place. */
static int fold(lfh_check *k, lfh_xnode *n) {
  if (n->kind == LFH_N_CONST || n->kind == LFH_N_COL || is_volatile(n)) return LF_OK;
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind != LFH_N_CONST) return LF_OK;
  lfh_op op;
  int rc = lfh_plan_op(k->c, n, &op);
  if (rc != LF_OK) return rc;
  int args[LFH_FUNC_MAX_ARGS + 1];
  lfh_vec *slots = lfh_arena_zalloc(k->c->arena, (size_t)(n->nkids + 1) * sizeof(*slots));
  int *argv = n->nkids <= LFH_FUNC_MAX_ARGS ? args : lfh_arena_alloc(k->c->arena, (size_t)n->nkids * sizeof(int));
  if (!slots || !argv) return nomem(k);
  for (int i = 0; i < n->nkids; i++) {
    slots[i] = n->kids[i]->val;
    argv[i] = i;
  }
  op.args = argv;
  op.nargs = op.kind == LFH_OP_IN ? 1 : n->nkids;
  op.out = n->nkids;
  lfh_run run = {.arena = k->c->arena, .slots = slots, .rows = 1, .err = k->c->err};
  if ((rc = lfh_op_run(&run, &op)) != LF_OK) return rc;
  lfh_vec v = slots[n->nkids];
  v.is_const = 1;
  v.len = 1;
  n->kind = LFH_N_CONST;
  n->val = v;
  n->nkids = 0;
  n->nullable = v.type == LFH_TYPE_NULL || (v.valid && !v.valid[0]);
  return LF_OK;
}

/* ------------------------------------------------------------ casts */

static int cast_to(lfh_check *k, lfh_xnode **np, uint32_t to) {
  lfh_xnode *x = *np;
  if (x->type == to) return LF_OK;
  if (!lfh_cast_ok(x->type, to))
    return lfh_cerr(k->c, LF_ERR_INVALID, x->off, NULL, "cannot convert %s to %s",
                    lfh_type_name(x->type), lfh_type_name(to));
  lfh_xnode *c = lfh_xnode_new(k->c, LFH_N_CAST, x->off, 1);
  if (!c) return nomem(k);
  c->kids[0] = x;
  c->to = c->type = to;
  c->nullable = 1;
  c->checked = 1;
  c->depth = x->depth + 1;
  *np = c;
  return fold(k, c);
}

/* A string literal met by a DATE/TIMESTAMP: converted now, and an error if it is not a
 * date or timestamp (Spark would compare with NULL, which is never what was meant). */
static int cast_literal(lfh_check *k, lfh_xnode **np, uint32_t to) {
  lfh_xnode *x = *np;
  int was_value = x->kind == LFH_N_CONST && x->type == LFH_TYPE_STRING && LFH_VALID(&x->val, 0);
  int rc = cast_to(k, np, to);
  if (rc != LF_OK || !was_value || LFH_VALID(&(*np)->val, 0)) return rc;
  int32_t n = x->val.u.s.off[1] - x->val.u.s.off[0];
  return lfh_cerr(k->c, LF_ERR_INVALID, x->off, NULL, "cannot convert '%.*s' to %s",
                  (int)(n > 40 ? 40 : n), x->val.u.s.data + x->val.u.s.off[0],
                  lfh_type_name(to));
}

/* Returned by cmp_type/pick_type for types that do not go together (0 is NULL's type). */
#define NO_TYPE UINT32_MAX

/* The type two values are compared in, or NO_TYPE. */
static uint32_t cmp_type(uint32_t a, uint32_t b) {
  if (a == LFH_TYPE_ARRAY || b == LFH_TYPE_ARRAY) return NO_TYPE;
  if (a == b) return a;
  if (a == LFH_TYPE_NULL) return b;
  if (b == LFH_TYPE_NULL) return a;
  if (is_num(a) && is_num(b)) return LFH_TYPE_DOUBLE;
  if (is_dt(a) && is_dt(b)) return LFH_TYPE_TIMESTAMP;
  if (is_dt(a) && b == LFH_TYPE_STRING) return a;
  if (a == LFH_TYPE_STRING && is_dt(b)) return b;
  if ((a == LFH_TYPE_STRING || a == LFH_TYPE_BINARY) && (b == LFH_TYPE_STRING || b == LFH_TYPE_BINARY))
    return LFH_TYPE_BINARY;
  return NO_TYPE;
}

/* The type of one result among several (CASE, COALESCE): as for comparison, except that a
 * STRING next to a number or date makes the result a STRING, as Spark widens. */
static uint32_t pick_type(uint32_t a, uint32_t b) {
  if ((a == LFH_TYPE_STRING && b != LFH_TYPE_STRING && b != LFH_TYPE_NULL) ||
      (b == LFH_TYPE_STRING && a != LFH_TYPE_STRING && a != LFH_TYPE_NULL)) {
    uint32_t o = a == LFH_TYPE_STRING ? b : a;
    return is_num(o) || is_dt(o) ? LFH_TYPE_STRING : NO_TYPE;
  }
  return cmp_type(a, b);
}

/* Casts kid i of n to t, converting a string literal strictly when t is a date type. */
static int coerce_kid(lfh_check *k, lfh_xnode *n, int i, uint32_t t) {
  if (is_dt(t) && n->kids[i]->type == LFH_TYPE_STRING) return cast_literal(k, &n->kids[i], t);
  return cast_to(k, &n->kids[i], t);
}

static int need_bool(lfh_check *k, lfh_xnode *n, int i, const char *what) {
  lfh_xnode *x = n->kids[i];
  if (x->type == LFH_TYPE_BOOLEAN) return LF_OK;
  if (x->type == LFH_TYPE_NULL) return cast_to(k, &n->kids[i], LFH_TYPE_BOOLEAN);
  return lfh_cerr(k->c, LF_ERR_INVALID, x->off, NULL, "%s needs a BOOLEAN, not %s", what,
                  lfh_type_name(x->type));
}

/* ------------------------------------------------------------ columns */

/* Index of the child of `s` named `name`: an exact match, else the one case-insensitive
 * match; -1 when none, -2 when the case-insensitive match is ambiguous. */
static int find_child(const struct ArrowSchema *s, const char *name) {
  int found = -1, n = 0;
  for (int64_t i = 0; i < s->n_children; i++) {
    const char *cn = s->children[i]->name ? s->children[i]->name : "";
    if (strcmp(cn, name) == 0) return (int)i;
    if (strcasecmp(cn, name) == 0) {
      found = (int)i;
      n++;
    }
  }
  return n > 1 ? -2 : found;
}

static int unknown_name(lfh_check *k, const struct ArrowSchema *s, const lfh_name_part *part,
                        const char *parent) {
  const char **names = lfh_arena_alloc(k->c->arena, (size_t)(s->n_children + 1) * sizeof(char *));
  if (!names) return nomem(k);
  for (int64_t i = 0; i < s->n_children; i++)
    names[i] = s->children[i]->name ? s->children[i]->name : "";
  const char *sug = lfh_suggest(part->s, names, (size_t)s->n_children);
  char tail[320] = "";
  if (sug) snprintf(tail, sizeof tail, "; did you mean '%.256s'?", sug);
  if (parent)
    return lfh_cerr(k->c, LF_ERR_INVALID, part->off, tail, "unknown field '%.200s' in '%.200s'",
                    part->s, parent);
  return lfh_cerr(k->c, LF_ERR_INVALID, part->off, tail, "unknown column '%.200s'", part->s);
}

static int add_colref(lfh_check *k, const lfh_colref *ref) {
  for (int i = 0; i < k->ncols; i++)
    if (k->cols[i].depth == ref->depth &&
        memcmp(k->cols[i].idx, ref->idx, (size_t)ref->depth * sizeof(int)) == 0)
      return i;
  if (k->ncols == k->capcols) {
    int cap = k->capcols ? k->capcols * 2 : 8;
    lfh_colref *c = lfh_arena_grow(k->c->arena, k->cols, (size_t)k->capcols * sizeof(*c),
                                   (size_t)cap * sizeof(*c));
    if (!c) return -1;
    k->cols = c;
    k->capcols = cap;
  }
  k->cols[k->ncols] = *ref;
  return k->ncols++;
}

static int resolve_col(lfh_check *k, lfh_xnode *n) {
  const struct ArrowSchema *s = k->schema;
  lfh_colref ref;
  memset(&ref, 0, sizeof(ref));
  char path[1024];
  size_t plen = 0;
  path[0] = '\0';
  int nullable = 0;
  for (int i = 0; i < n->nparts; i++) {
    const lfh_name_part *part = &n->parts[i];
    if (i > 0 && lfh_type_of_format(s->format) != LFH_TYPE_STRUCT)
      return lfh_cerr(k->c, LF_ERR_INVALID, part->off, NULL,
                      "'%s' is %s, not a struct, so it has no field '%.200s'", path,
                      lfh_type_name(lfh_type_of_format(s->format)), part->s);
    int idx = find_child(s, part->s);
    if (idx == -2)
      return lfh_cerr(k->c, LF_ERR_INVALID, part->off, NULL,
                      "ambiguous %s '%.200s': several names differ only in case (use the exact "
                      "spelling)", i ? "field" : "column", part->s);
    if (idx < 0) return unknown_name(k, s, part, i ? path : NULL);
    s = s->children[idx];
    ref.idx[ref.depth++] = idx;
    nullable |= (s->flags & ARROW_FLAG_NULLABLE) != 0;
    const char *nm = s->name ? s->name : "";
    int w = snprintf(path + plen, sizeof path - plen, "%s%s", i ? "." : "", nm);
    if (w > 0) plen = plen + (size_t)w < sizeof path ? plen + (size_t)w : sizeof path - 1;
  }
  uint32_t t = lfh_type_of_format(s->format);
  if (t == LFH_TYPE_LIST && s->n_children == 1 && s->children[0]->format &&
      strcmp(s->children[0]->format, "u") == 0)
    t = LFH_TYPE_ARRAY;
  if (t == LFH_TYPE_STRUCT)
    return lfh_cerr(k->c, LF_ERR_INVALID, n->off, NULL,
                    "column '%s' is a struct; name one of its fields, as in '%s.%s'", path, path,
                    s->n_children > 0 && s->children[0]->name ? s->children[0]->name : "field");
  if (t >= LFH_TYPE_STRUCT && t != LFH_TYPE_LIST && t != LFH_TYPE_MAP)
    return lfh_cerr(k->c, LF_ERR_INVALID, n->off, NULL,
                    "column '%s' has Arrow format '%.20s', which expressions cannot read", path,
                    s->format ? s->format : "?");
  ref.fmt = s->format;
  ref.type = t;
  if (!(ref.path = lfh_arena_alloc(k->c->arena, plen + 1))) return nomem(k);
  memcpy(ref.path, path, plen + 1);
  if ((n->col = add_colref(k, &ref)) < 0) return nomem(k);
  n->type = t;
  n->nullable = nullable;
  return LF_OK;
}

/* Columns only some functions can take (lists of non-strings, maps) are refused anywhere
 * else; this is called for every operand that is not a function argument. */
static int usable(lfh_check *k, const lfh_xnode *x) {
  if (x->type == LFH_TYPE_LIST || x->type == LFH_TYPE_MAP)
    return lfh_cerr(k->c, LF_ERR_INVALID, x->off, NULL,
                    "%s values can only be passed to functions that take them",
                    lfh_type_name(x->type));
  return LF_OK;
}

/* ------------------------------------------------------------ operators */

static const char *op_text(int op) {
  switch (op) {
  case LFH_OPC_PLUS: return "+";
  case LFH_OPC_MINUS: return "-";
  case LFH_OPC_STAR: return "*";
  case LFH_OPC_SLASH: return "/";
  case LFH_OPC_PERCENT: return "%";
  case LFH_OPC_EQ: return "=";
  case LFH_OPC_NE: return "<>";
  case LFH_OPC_LT: return "<";
  case LFH_OPC_LE: return "<=";
  case LFH_OPC_GT: return ">";
  case LFH_OPC_GE: return ">=";
  default: return "<=>";
  }
}

static int check_neg(lfh_check *k, lfh_xnode *n) {
  lfh_xnode *x = n->kids[0];
  if (x->type == LFH_TYPE_NULL) {
    int rc = cast_to(k, &n->kids[0], LFH_TYPE_BIGINT);
    if (rc != LF_OK) return rc;
    x = n->kids[0];
  }
  if (!is_num(x->type) && x->type != LFH_TYPE_INTERVAL)
    return lfh_cerr(k->c, LF_ERR_INVALID, n->off, NULL, "cannot negate %s",
                    lfh_type_name(x->type));
  n->type = x->type;
  n->nullable = x->nullable;
  return LF_OK;
}

static void swap_kids(lfh_xnode *n) {
  lfh_xnode *t = n->kids[0];
  n->kids[0] = n->kids[1];
  n->kids[1] = t;
}

/* Date and time arithmetic: TIMESTAMP ± INTERVAL, DATE ± days, DATE ± INTERVAL. */
static int check_datetime_arith(lfh_check *k, lfh_xnode *n, int *done) {
  uint32_t a = n->kids[0]->type, b = n->kids[1]->type;
  int add = n->op == LFH_OPC_PLUS, sub = n->op == LFH_OPC_MINUS;
  *done = 0;
  if (!add && !sub) return LF_OK;
  if (add && (b == LFH_TYPE_TIMESTAMP || b == LFH_TYPE_DATE) &&
      (a == LFH_TYPE_INTERVAL || a == LFH_TYPE_BIGINT)) {
    swap_kids(n);
    uint32_t t = a;
    a = b;
    b = t;
  }
  if (a == LFH_TYPE_DATE && b == LFH_TYPE_INTERVAL) {
    lfh_xnode *iv = n->kids[1];
    int64_t us = iv->kind == LFH_N_CONST ? iv->val.u.i[0] : 1;
    if (iv->kind == LFH_N_CONST && LFH_VALID(&iv->val, 0) && us % 86400000000LL == 0) {
      lfh_xnode *days = lfh_xnode_const(k->c, LFH_TYPE_BIGINT, iv->off);
      if (!days) return nomem(k);
      days->val.u.i[0] = us / 86400000000LL;
      days->checked = 1;
      n->kids[1] = days;
      b = LFH_TYPE_BIGINT;
    } else {
      int rc = cast_to(k, &n->kids[0], LFH_TYPE_TIMESTAMP);
      if (rc != LF_OK) return rc;
      a = LFH_TYPE_TIMESTAMP;
    }
  }
  if ((a == LFH_TYPE_TIMESTAMP || a == LFH_TYPE_INTERVAL) && b == LFH_TYPE_INTERVAL) {
    n->type = a;
    *done = 1;
  } else if (a == LFH_TYPE_DATE && b == LFH_TYPE_BIGINT) {
    n->type = LFH_TYPE_DATE;
    *done = 1;
  }
  return LF_OK;
}

static int check_arith(lfh_check *k, lfh_xnode *n) {
  int rc, done;
  for (int i = 0; i < 2; i++)
    if (n->kids[i]->type == LFH_TYPE_NULL) { /* NULL takes the other side's type */
      uint32_t o = n->kids[1 - i]->type;
      if ((rc = cast_to(k, &n->kids[i], o == LFH_TYPE_NULL ? LFH_TYPE_BIGINT : o)) != LF_OK)
        return rc;
    }
  if ((rc = check_datetime_arith(k, n, &done)) != LF_OK) return rc;
  uint32_t a = n->kids[0]->type, b = n->kids[1]->type;
  n->nullable = n->kids[0]->nullable || n->kids[1]->nullable;
  if (done) return LF_OK;
  if (!is_num(a) || !is_num(b))
    return lfh_cerr(k->c, LF_ERR_INVALID, n->off, NULL, "cannot apply '%s' to %s and %s",
                    op_text(n->op), lfh_type_name(a), lfh_type_name(b));
  uint32_t t = (a == LFH_TYPE_DOUBLE || b == LFH_TYPE_DOUBLE || n->op == LFH_OPC_SLASH)
                   ? LFH_TYPE_DOUBLE
                   : LFH_TYPE_BIGINT;
  if ((rc = cast_to(k, &n->kids[0], t)) != LF_OK || (rc = cast_to(k, &n->kids[1], t)) != LF_OK)
    return rc;
  n->type = t;
  if (n->op == LFH_OPC_SLASH || n->op == LFH_OPC_PERCENT) n->nullable = 1; /* x / 0 */
  return LF_OK;
}

static int check_concat(lfh_check *k, lfh_xnode *n) {
  for (int i = 0; i < 2; i++) {
    uint32_t t = n->kids[i]->type;
    if (t == LFH_TYPE_ARRAY || t == LFH_TYPE_INTERVAL || t == LFH_TYPE_LIST || t == LFH_TYPE_MAP)
      return lfh_cerr(k->c, LF_ERR_INVALID, n->off, NULL, "cannot apply '||' to %s",
                      lfh_type_name(t));
    int rc = cast_to(k, &n->kids[i], LFH_TYPE_STRING);
    if (rc != LF_OK) return rc;
  }
  n->type = LFH_TYPE_STRING;
  n->nullable = n->kids[0]->nullable || n->kids[1]->nullable;
  return LF_OK;
}

static int check_cmp(lfh_check *k, lfh_xnode *n) {
  uint32_t a = n->kids[0]->type, b = n->kids[1]->type;
  uint32_t t = cmp_type(a, b);
  if (t == NO_TYPE)
    return lfh_cerr(k->c, LF_ERR_INVALID, n->off, NULL, "cannot compare %s with %s",
                    lfh_type_name(a), lfh_type_name(b));
  int rc = coerce_kid(k, n, 0, t);
  if (rc == LF_OK) rc = coerce_kid(k, n, 1, t);
  n->type = LFH_TYPE_BOOLEAN;
  n->nullable = n->op != LFH_OPC_NSEQ && (n->kids[0]->nullable || n->kids[1]->nullable);
  return rc;
}

/* x IN (a, b, ...): one vector operation over a constant list, or, when the list holds
 * expressions, x = a OR x = b ... (the same three-valued result), rewritten in place. */
static int check_in(lfh_check *k, lfh_xnode *n) {
  uint32_t t = n->kids[0]->type;
  int all_const = 1;
  for (int i = 1; i < n->nkids; i++) {
    uint32_t u = cmp_type(t, n->kids[i]->type);
    if (u == NO_TYPE)
      return lfh_cerr(k->c, LF_ERR_INVALID, n->kids[i]->off, NULL,
                      "cannot compare %s with %s in IN list", lfh_type_name(n->kids[0]->type),
                      lfh_type_name(n->kids[i]->type));
    t = u;
  }
  int nullable = n->kids[0]->nullable;
  for (int i = 0; i < n->nkids; i++) {
    int rc = coerce_kid(k, n, i, t);
    if (rc != LF_OK) return rc;
    nullable |= n->kids[i]->nullable;
    if (i > 0 && n->kids[i]->kind != LFH_N_CONST) all_const = 0;
  }
  n->type = LFH_TYPE_BOOLEAN;
  n->nullable = nullable;
  if (all_const) return LF_OK;
  lfh_xnode *acc = NULL;
  for (int i = 1; i < n->nkids; i++) {
    lfh_xnode *eq = lfh_xnode_new(k->c, LFH_N_CMP, n->kids[i]->off, 2);
    if (!eq) return nomem(k);
    eq->op = LFH_OPC_EQ;
    eq->kids[0] = n->kids[0];
    eq->kids[1] = n->kids[i];
    eq->type = LFH_TYPE_BOOLEAN;
    eq->nullable = nullable;
    eq->checked = 1;
    if (acc) {
      lfh_xnode *o = lfh_xnode_new(k->c, LFH_N_OR, n->off, 2);
      if (!o) return nomem(k);
      o->kids[0] = acc;
      o->kids[1] = eq;
      o->type = LFH_TYPE_BOOLEAN;
      o->nullable = nullable;
      o->checked = 1;
      acc = o;
    } else {
      acc = eq;
    }
  }
  /* The IN node itself becomes NOT(acc) or takes acc's place. */
  if (n->neg) {
    n->kind = LFH_N_NOT;
    n->nkids = 1;
    n->kids[0] = acc;
  } else {
    *n = *acc;
  }
  return LF_OK;
}

static int check_like(lfh_check *k, lfh_xnode *n) {
  for (int i = 0; i < 2; i++) {
    uint32_t t = n->kids[i]->type;
    if (t != LFH_TYPE_STRING && t != LFH_TYPE_NULL)
      return lfh_cerr(k->c, LF_ERR_INVALID, n->kids[i]->off, NULL, "LIKE needs a STRING, not %s",
                      lfh_type_name(t));
    int rc = cast_to(k, &n->kids[i], LFH_TYPE_STRING);
    if (rc != LF_OK) return rc;
  }
  lfh_xnode *p = n->kids[1];
  if (p->kind == LFH_N_CONST && LFH_VALID(&p->val, 0)) {
    int bad = 0;
    lfh_like *l = lfh_like_new(p->val.u.s.data + p->val.u.s.off[0],
                               (size_t)(p->val.u.s.off[1] - p->val.u.s.off[0]), n->escape, &bad);
    if (!l) return nomem(k);
    lfh_like_free(l);
    if (bad)
      return lfh_cerr(k->c, LF_ERR_INVALID, p->off, NULL,
                      "LIKE pattern ends with the escape character '%c'", n->escape);
  }
  n->type = LFH_TYPE_BOOLEAN;
  n->nullable = n->kids[0]->nullable || n->kids[1]->nullable;
  return LF_OK;
}

/* CASE and COALESCE: the values' common type. */
static int check_choice(lfh_check *k, lfh_xnode *n) {
  int is_case = n->kind == LFH_N_CASE, rc;
  int *vi = lfh_arena_alloc(k->c->arena, (size_t)(n->nkids + 1) * sizeof(int));
  int nv = 0;
  if (!vi) return nomem(k);
  if (is_case) {
    for (int i = 1; i < n->nkids - (n->has_else ? 1 : 0); i += 2) vi[nv++] = i;
    if (n->has_else) vi[nv++] = n->nkids - 1;
  } else {
    for (int i = 0; i < n->nkids; i++) vi[nv++] = i;
  }
  uint32_t t = LFH_TYPE_NULL;
  for (int j = 0; j < nv; j++) {
    const lfh_xnode *x = n->kids[vi[j]];
    uint32_t u = pick_type(t, x->type);
    if (u == NO_TYPE || u == LFH_TYPE_ARRAY || u == LFH_TYPE_INTERVAL || u >= LFH_TYPE_STRUCT) {
      if (t == LFH_TYPE_NULL || x->type == LFH_TYPE_ARRAY || x->type == LFH_TYPE_INTERVAL)
        return lfh_cerr(k->c, LF_ERR_INVALID, x->off, NULL, "%s cannot return %s",
                        is_case ? "CASE" : "COALESCE", lfh_type_name(x->type));
      return lfh_cerr(k->c, LF_ERR_INVALID, x->off, NULL, "%s cannot mix %s and %s",
                      is_case ? "CASE" : "COALESCE", lfh_type_name(t), lfh_type_name(x->type));
    }
    t = u;
  }
  int nullable = is_case ? !n->has_else : 1;
  for (int j = 0; j < nv; j++) {
    if ((rc = cast_to(k, &n->kids[vi[j]], t)) != LF_OK) return rc;
    nullable = is_case ? nullable || n->kids[vi[j]]->nullable
                       : nullable && n->kids[vi[j]]->nullable;
  }
  if (is_case)
    for (int i = 0; i + 1 < n->nkids; i += 2)
      if ((rc = need_bool(k, n, i, "WHEN")) != LF_OK) return rc;
  n->type = t;
  n->nullable = nullable || t == LFH_TYPE_NULL;
  return LF_OK;
}

static int check_cast(lfh_check *k, lfh_xnode *n) {
  lfh_xnode *x = n->kids[0];
  if (!lfh_cast_ok(x->type, n->to))
    return lfh_cerr(k->c, LF_ERR_INVALID, n->off, NULL, "cannot cast %s to %s",
                    lfh_type_name(x->type), lfh_type_name(n->to));
  n->type = n->to;
  n->nullable = 1;
  if (x->type == n->to) n->nullable = x->nullable;
  return LF_OK;
}

/* ------------------------------------------------------------ functions */

static const char *const k_core_names[] = {"coalesce", "cast", "try_cast", "if", "nvl",
                                           "ifnull", "nullif"};

static int unknown_function(lfh_cctx *c, const lfh_xnode *n) {
  size_t nlib = 0;
  while (lfh_func_at(nlib)) nlib++;
  size_t ncore = sizeof k_core_names / sizeof k_core_names[0];
  const char **names = lfh_arena_alloc(c->arena, (nlib + ncore) * sizeof(char *));
  if (!names) return lf_error_set(c->err, LF_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < nlib; i++) names[i] = lfh_func_at(i)->name;
  for (size_t i = 0; i < ncore; i++) names[nlib + i] = k_core_names[i];
  char word[128];
  snprintf(word, sizeof word, "%.*s", (int)(n->fname_len > 100 ? 100 : n->fname_len), n->fname);
  const char *sug = lfh_suggest(word, names, nlib + ncore);
  char tail[160] = "";
  if (sug) snprintf(tail, sizeof tail, "; did you mean '%s'?", sug);
  return lfh_cerr(c, LF_ERR_INVALID, n->off, tail, "unknown function '%s'", word);
}

/* The function's name and argument count, which need no schema. */
static int check_call_shape(lfh_cctx *c, lfh_xnode *n) {
  const lfh_func *f = lfh_func_lookup(n->fname, n->fname_len);
  if (!f) return unknown_function(c, n);
  n->fn = f;
  if (n->nkids >= f->min_args && (f->max_args < 0 || n->nkids <= f->max_args)) return LF_OK;
  char want[64];
  if (f->max_args == f->min_args)
    snprintf(want, sizeof want, "%d argument%s", f->min_args, f->min_args == 1 ? "" : "s");
  else if (f->max_args < 0)
    snprintf(want, sizeof want, "at least %d argument%s", f->min_args, f->min_args == 1 ? "" : "s");
  else
    snprintf(want, sizeof want, "%d to %d arguments", f->min_args, f->max_args);
  return lfh_cerr(c, LF_ERR_INVALID, n->off, NULL, "function '%s' takes %s, got %d", f->name,
                  want, n->nkids);
}

static void free_prep(void *p) { (void)p; }

static int check_func(lfh_check *k, lfh_xnode *n) {
  int rc = check_call_shape(k->c, n);
  if (rc != LF_OK) return rc;
  uint32_t types[LFH_FUNC_MAX_ARGS];
  const lfh_vec *consts[LFH_FUNC_MAX_ARGS];
  for (int i = 0; i < n->nkids; i++) {
    types[i] = n->kids[i]->type;
    consts[i] = n->kids[i]->kind == LFH_N_CONST ? &n->kids[i]->val : NULL;
  }
  char msg[384];
  lf_error ferr;
  lf_error_init(&ferr, msg, sizeof msg);
  memset(&n->sig, 0, sizeof(n->sig));
  rc = n->fn->resolve(types, consts, n->nkids, &n->sig, &ferr);
  if (n->sig.prep) { /* the expression frees it, whatever happens next */
    void (*fr)(void *) = n->sig.prep_free ? n->sig.prep_free : free_prep;
    if (lfh_cctx_own(k->c, n->sig.prep, fr) != LF_OK) return LF_ERR_NOMEM;
  }
  if (rc == LF_ERR_NOMEM) return lf_error_set(k->c->err, rc, "out of memory");
  if (rc != LF_OK)
    return lfh_cerr(k->c, rc, n->off, NULL, "%s", msg[0] ? msg : "invalid arguments");
  for (int i = 0; i < n->nkids; i++) {
    if (n->sig.cast[i] == n->kids[i]->type) continue;
    if (!lfh_cast_ok(n->kids[i]->type, n->sig.cast[i]))
      return lfh_cerr(k->c, LF_ERR_INVALID, n->kids[i]->off, NULL,
                      "%s: argument %d must be %s, not %s", n->fn->name, i + 1,
                      lfh_type_name(n->sig.cast[i]), lfh_type_name(n->kids[i]->type));
    if ((rc = cast_to(k, &n->kids[i], n->sig.cast[i])) != LF_OK) return rc;
  }
  n->type = n->sig.ret;
  n->nullable = !n->sig.never_null;
  return LF_OK;
}

int lfh_expr_check_names(lfh_cctx *c, lfh_xnode *n) {
  if (n->checked) return LF_OK;
  n->checked = 1;
  for (int i = 0; i < n->nkids; i++) {
    int rc = lfh_expr_check_names(c, n->kids[i]);
    if (rc != LF_OK) return rc;
  }
  if (n->kind == LFH_N_FUNC) return check_call_shape(c, n);
  if (n->kind == LFH_N_LIKE && n->kids[1]->kind == LFH_N_CONST &&
      n->kids[1]->type == LFH_TYPE_STRING) {
    const lfh_vec *p = &n->kids[1]->val;
    if (lfh_like_match_raw(p->u.s.data, (size_t)p->u.s.off[1], n->escape, "", 0) == -1)
      return lfh_cerr(c, LF_ERR_INVALID, n->kids[1]->off, NULL,
                      "LIKE pattern ends with the escape character '%c'", n->escape);
  }
  return LF_OK;
}

/* ------------------------------------------------------------ the pass */

static int check_node(lfh_check *k, lfh_xnode *n) {
  int rc;
  if (n->kind != LFH_N_FUNC && n->kind != LFH_N_ISNULL)
    for (int i = 0; i < n->nkids; i++)
      if ((rc = usable(k, n->kids[i])) != LF_OK) return rc;
  switch (n->kind) {
  case LFH_N_CONST:
    n->nullable = n->type == LFH_TYPE_NULL || !LFH_VALID(&n->val, 0);
    return LF_OK;
  case LFH_N_COL: return resolve_col(k, n);
  case LFH_N_NEG: return check_neg(k, n);
  case LFH_N_ARITH: return check_arith(k, n);
  case LFH_N_CONCAT: return check_concat(k, n);
  case LFH_N_CMP: return check_cmp(k, n);
  case LFH_N_AND:
  case LFH_N_OR:
  case LFH_N_NOT:
    for (int i = 0; i < n->nkids; i++)
      if ((rc = need_bool(k, n, i, n->kind == LFH_N_AND ? "AND" : n->kind == LFH_N_OR ? "OR" : "NOT")))
        return rc;
    n->type = LFH_TYPE_BOOLEAN;
    n->nullable = n->kids[0]->nullable || (n->nkids > 1 && n->kids[1]->nullable);
    return LF_OK;
  case LFH_N_ISNULL:
    n->type = LFH_TYPE_BOOLEAN;
    n->nullable = 0;
    return LF_OK;
  case LFH_N_ISBOOL:
    if ((rc = need_bool(k, n, 0, n->truth ? "IS TRUE" : "IS FALSE"))) return rc;
    n->type = LFH_TYPE_BOOLEAN;
    n->nullable = 0;
    return LF_OK;
  case LFH_N_IN: return check_in(k, n);
  case LFH_N_LIKE: return check_like(k, n);
  case LFH_N_CASE:
  case LFH_N_COALESCE: return check_choice(k, n);
  case LFH_N_CAST: return check_cast(k, n);
  case LFH_N_FUNC: return check_func(k, n);
  default: return lf_error_set(k->c->err, LF_ERR_INTERNAL, "unknown node kind %d", n->kind);
  }
}

static int check(lfh_check *k, lfh_xnode **np) {
  lfh_xnode *n = *np;
  if (n->checked) return LF_OK;
  for (int i = 0; i < n->nkids; i++) {
    int rc = check(k, &n->kids[i]);
    if (rc != LF_OK) return rc;
  }
  int rc = check_node(k, n);
  n->checked = 1;
  if (rc == LF_OK) rc = fold(k, n);
  return rc;
}

int lfh_expr_check(lfh_check *k, lfh_xnode **root) {
  int rc = check(k, root);
  if (rc == LF_OK && ((*root)->type == LFH_TYPE_LIST || (*root)->type == LFH_TYPE_MAP))
    rc = usable(k, *root);
  return rc;
}
