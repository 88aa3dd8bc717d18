/* lfh_quality_rules — a dataset's expectations, from the bundle or built by hand. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lf/lf_array.h"
#include "quality/lfh_quality.h"
#include "util/lfh_mem.h"

void lfh_quality_rules_init(lfh_quality_rules *r) { memset(r, 0, sizeof *r); }

static void rule_free(lfh_quality_rule *x) {
  free(x->name);
  free(x->expr);
  for (size_t i = 0; i < x->n_columns; i++) free(x->columns[i]);
  free(x->columns);
}

void lfh_quality_rules_free(lfh_quality_rules *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) rule_free(&r->items[i]);
  free(r->items);
  memset(r, 0, sizeof *r);
}

int lfh_quality_parse_violation(const char *text, uint32_t *out) {
  static const char *const names[] = {"warn", "drop", "fail"};
  for (uint32_t i = 0; i < 3; i++) {
    if (text && strcasecmp(text, names[i]) == 0) {
      *out = i;
      return LF_OK;
    }
  }
  return LF_ERR_INVALID;
}

const char *lfh_quality_violation_name(uint32_t v) {
  return v == LFH_ON_VIOLATION_DROP ? "drop" : v == LFH_ON_VIOLATION_FAIL ? "fail" : "warn";
}

static int find_rule(const lfh_quality_rules *r, const char *name) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->items[i].name, name) == 0) return 1;
  return 0;
}

/* Appends a rule that takes ownership of name/expr/columns (freed here on failure). */
static int push_rule(lfh_quality_rules *r, lfh_quality_rule *x, lf_error *err) {
  int rc = LF_OK;
  if (!x->name || (x->kind == LFH_RULE_EXPR && !x->expr) ||
      (x->n_columns > 0 && !x->columns)) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  } else if (!x->name[0]) {
    rc = lf_error_set(err, LF_ERR_INVALID, "an expectation has no name");
  } else if (x->kind == LFH_RULE_EXPR && !x->expr[0]) {
    rc = lf_error_set(err, LF_ERR_INVALID, "expectation '%s' has an empty expression", x->name);
  } else if (find_rule(r, x->name)) {
    rc = lf_error_set(err, LF_ERR_INVALID, "expectation '%s' is declared twice", x->name);
  } else if (lfh_grow(&r->items, &r->cap, r->n + 1, sizeof *r->items, 8) != 0) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  }
  if (rc != LF_OK) {
    rule_free(x);
    return rc;
  }
  r->items[r->n++] = *x;
  return LF_OK;
}

int lfh_quality_rules_add(lfh_quality_rules *r, const char *name, const char *expr,
                          uint32_t on_violation, int quarantine, const lfh_mark *mark,
                          lf_error *err) {
  if (on_violation > LFH_ON_VIOLATION_FAIL)
    return lf_error_set(err, LF_ERR_INVALID, "invalid on_violation %u", (unsigned)on_violation);
  lfh_quality_rule x = {.name = strdup(name ? name : ""),
                        .expr = strdup(expr ? expr : ""),
                        .kind = LFH_RULE_EXPR,
                        .on_violation = on_violation,
                        .quarantine = quarantine != 0};
  if (mark) x.mark = *mark;
  return push_rule(r, &x, err);
}

/* "a.b" -> "a_b": rule names stay plain identifiers. */
static void underscore_dots(char *s) {
  for (; *s; s++)
    if (*s == '.') *s = '_';
}

/* `a`.`b` (backquotes doubled inside a name), so any column name parses. */
static char *quoted_path(const char *path) {
  size_t n = strlen(path), extra = 3;
  for (const char *p = path; *p; p++) extra += *p == '`' ? 1 : *p == '.' ? 2 : 0;
  char *q = malloc(n + extra), *o = q;
  if (!q) return NULL;
  *o++ = '`';
  for (const char *p = path; *p; p++) {
    if (*p == '.') {
      memcpy(o, "`.`", 3);
      o += 3;
      continue;
    }
    if (*p == '`') *o++ = '`';
    *o++ = *p;
  }
  *o++ = '`';
  *o = '\0';
  return q;
}

int lfh_quality_rules_add_not_null(lfh_quality_rules *r, const char *column,
                                   const lfh_mark *mark, lf_error *err) {
  if (!column || !column[0])
    return lf_error_set(err, LF_ERR_INVALID, "not_null: an empty column name");
  lfh_quality_rule x = {.kind = LFH_RULE_EXPR, .on_violation = LFH_ON_VIOLATION_WARN};
  char *q = quoted_path(column);
  size_t nl = strlen(column) + sizeof "not_null_";
  x.name = malloc(nl);
  x.expr = q ? malloc(strlen(q) + sizeof " IS NOT NULL") : NULL;
  if (x.name) {
    snprintf(x.name, nl, "not_null_%s", column);
    underscore_dots(x.name);
  }
  if (x.expr) sprintf(x.expr, "%s IS NOT NULL", q);
  free(q);
  if (mark) x.mark = *mark;
  return push_rule(r, &x, err);
}

int lfh_quality_rules_add_unique(lfh_quality_rules *r, const char *const *columns, size_t n,
                                 const lfh_mark *mark, lf_error *err) {
  if (n == 0) return lf_error_set(err, LF_ERR_INVALID, "unique: no columns");
  lfh_quality_rule x = {.kind = LFH_RULE_UNIQUE, .on_violation = LFH_ON_VIOLATION_WARN};
  size_t len = sizeof "unique";
  for (size_t i = 0; i < n; i++) {
    if (!columns[i] || !columns[i][0])
      return lf_error_set(err, LF_ERR_INVALID, "unique: an empty column name");
    len += strlen(columns[i]) + 1;
  }
  x.columns = calloc(n, sizeof *x.columns);
  x.name = malloc(len);
  if (x.columns) x.n_columns = n;
  for (size_t i = 0; x.columns && i < n; i++) {
    x.columns[i] = strdup(columns[i]);
    if (!x.columns[i]) {
      free(x.name);
      x.name = NULL; /* push_rule reports the ENOMEM and frees the rest */
      break;
    }
  }
  if (x.name) {
    strcpy(x.name, "unique");
    for (size_t i = 0; i < n; i++) strcat(strcat(x.name, "_"), columns[i]);
    underscore_dots(x.name);
  }
  if (mark) x.mark = *mark;
  return push_rule(r, &x, err);
}

/* ------------------------------------------------------------ from the bundle */

static const char *scalar_of(const lfh_node *map, const char *key) {
  const lfh_node *n = map ? lfh_map_get(map, key) : NULL;
  return n && n->kind == LFH_NODE_SCALAR ? n->scalar : NULL;
}

static int add_expectation(lfh_quality_rules *r, const lfh_node *e, lf_error *err) {
  const char *name = scalar_of(e, "name"), *expr = scalar_of(e, "expr");
  const char *ov = scalar_of(e, "on_violation");
  const lfh_node *qn = lfh_map_get(e, "quarantine");
  uint32_t v = LFH_ON_VIOLATION_WARN;
  int quarantine = 0;
  if (!name || !expr)
    return lf_error_set(err, LF_ERR_INVALID, "%s:%u: an expectation needs a name and an expr",
                        e->mark.file ? e->mark.file : "", (unsigned)e->mark.line);
  if (ov && lfh_quality_parse_violation(ov, &v) != LF_OK)
    return lf_error_set(err, LF_ERR_INVALID,
                        "expectation '%s': on_violation '%s' is not warn, drop or fail", name, ov);
  if (qn && qn->kind == LFH_NODE_SCALAR && lfh_scalar_bool(qn, &quarantine) != 0)
    return lf_error_set(err, LF_ERR_INVALID, "expectation '%s': quarantine is not a bool", name);
  const lfh_node *xn = lfh_map_get(e, "expr");
  return lfh_quality_rules_add(r, name, expr, v, quarantine, &xn->mark, err);
}

int lfh_quality_rules_from_dataset(lfh_quality_rules *r, const lfh_node *dataset,
                                   lf_error *err) {
  if (!dataset || dataset->kind != LFH_NODE_MAP)
    return lf_error_set(err, LF_ERR_INVALID, "a dataset must be a mapping");
  const lfh_node *ex = lfh_map_get(dataset, "expectations");
  for (size_t i = 0; ex && ex->kind == LFH_NODE_SEQ && i < ex->n; i++) {
    int rc = add_expectation(r, ex->items[i], err);
    if (rc != LF_OK) return rc;
  }
  const lfh_node *nn = lfh_map_get(dataset, "not_null");
  for (size_t i = 0; nn && nn->kind == LFH_NODE_SEQ && i < nn->n; i++) {
    const lfh_node *c = nn->items[i];
    if (c->kind != LFH_NODE_SCALAR)
      return lf_error_set(err, LF_ERR_INVALID, "not_null: item %zu is not a column name", i);
    int rc = lfh_quality_rules_add_not_null(r, c->scalar, &c->mark, err);
    if (rc != LF_OK) return rc;
  }
  const lfh_node *un = lfh_map_get(dataset, "unique");
  if (un && un->kind == LFH_NODE_SEQ && un->n > 0) {
    const char **cols = calloc(un->n, sizeof *cols);
    if (!cols) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < un->n; i++)
      cols[i] = un->items[i]->kind == LFH_NODE_SCALAR ? un->items[i]->scalar : NULL;
    int rc = lfh_quality_rules_add_unique(r, cols, un->n, &un->mark, err);
    free(cols);
    if (rc != LF_OK) return rc;
  }
  return LF_OK;
}

int lfh_quality_rules_copy(lfh_quality_rules *dst, const lfh_quality_rules *src,
                           lf_error *err) {
  lfh_quality_rules_init(dst);
  for (size_t i = 0; i < src->n; i++) {
    const lfh_quality_rule *s = &src->items[i];
    lfh_quality_rule x = *s;
    x.name = strdup(s->name);
    x.expr = s->expr ? strdup(s->expr) : NULL;
    x.columns = s->n_columns ? calloc(s->n_columns, sizeof *x.columns) : NULL;
    x.n_columns = x.columns ? s->n_columns : 0;
    for (size_t j = 0; j < x.n_columns; j++) {
      x.columns[j] = strdup(s->columns[j]);
      if (!x.columns[j]) {
        free(x.name);
        x.name = NULL; /* push_rule reports the ENOMEM and frees the rest */
      }
    }
    if (s->n_columns && !x.columns) {
      free(x.name);
      x.name = NULL;
    }
    if (s->expr && !x.expr) {
      free(x.name);
      x.name = NULL;
    }
    int rc = push_rule(dst, &x, err);
    if (rc != LF_OK) {
      lfh_quality_rules_free(dst);
      return rc;
    }
  }
  return LF_OK;
}

size_t lfh_quality_rules_n_expr(const lfh_quality_rules *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->n; i++) n += r->items[i].kind == LFH_RULE_EXPR;
  return n;
}

lfh_node *lfh_quality_stage_options(const lfh_quality_rules *r) {
  lfh_mark none = {NULL, 0, 0};
  lfh_node *opts = lfh_node_new(LFH_NODE_MAP, &none);
  lfh_node *rules = lfh_node_new(LFH_NODE_MAP, &none);
  if (!opts || !rules) goto fail;
  for (size_t i = 0; i < r->n; i++) {
    const lfh_quality_rule *x = &r->items[i];
    if (x->kind != LFH_RULE_EXPR) continue;
    lfh_node *v = lfh_node_new_scalar(x->expr, &x->mark);
    if (!v) goto fail;
    v->quoted = 1; /* an expression is a string, whatever it looks like */
    if (lfh_map_set(rules, x->name, &x->mark, v) != 0) {
      lfh_node_free(v);
      goto fail;
    }
  }
  if (lfh_map_set(opts, "rules", &none, rules) != 0) goto fail;
  return opts;
fail:
  lfh_node_free(rules);
  lfh_node_free(opts);
  return NULL;
}
