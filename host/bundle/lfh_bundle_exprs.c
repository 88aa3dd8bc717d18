/*
 * lfh_bundle_exprs — compiles a bundle's SQL expressions and parses its DDL schemas
 * before anything runs (see lfh_bundle_exprs.h; docs/BUNDLE.md "Expressions and schemas").
 *
 * Per pipeline, in three passes: (1) parse every dataset `schema` and every schema option
 * of a flow's source stage; (2) give each dataset the schema of its rows when that is
 * known before the run: its own `schema`, else the source schema of the one flow that
 * feeds it unchanged (no transforms, hashers, sink or auto_cdc); (3) compile every
 * expression against the schema of the rows it sees, or check its syntax alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../expr/lfh_expr.h"
#include "lf/lf_array.h"
#include "lfh_bundle_exprs.h"
#include "lfh_ddl.h"
#include "lfh_schema.h"

/* ------------------------------------------------------------ positions in the file */

#define SOURCE_MAX_BYTES (16u << 20) /* a bundle file larger than this is not re-read */

static char *read_source(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(SOURCE_MAX_BYTES + 1);
  size_t n = buf ? fread(buf, 1, SOURCE_MAX_BYTES + 1, f) : 0;
  fclose(f);
  if (!buf || n > SOURCE_MAX_BYTES) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

/* A position in the file text; columns count characters, as libyaml's marks do. */
typedef struct cursor {
  const char *s;
  size_t len, i;
  uint32_t line, col;
} cursor;

static void step(cursor *c) {
  if (c->s[c->i] == '\n') {
    c->line++;
    c->col = 1;
  } else if (c->i + 1 >= c->len || ((unsigned char)c->s[c->i + 1] & 0xC0) != 0x80) {
    c->col++; /* the next byte starts a character */
  }
  c->i++;
}

static int seek(cursor *c, const lfh_mark *m) {
  while (c->i < c->len && c->line < m->line) step(c);
  while (c->i < c->len && c->col < m->col && c->s[c->i] != '\n') step(c);
  return c->i < c->len && c->line == m->line && c->col == m->col ? 0 : -1;
}

/* Walks the file from the scalar's start alongside its value, skipping only what YAML
 * drops from a value (indentation, folded line breaks, quotes, escaping backslashes):
 * any other difference means the value is not the file's text here. */
static int align(cursor *c, const char *value, size_t upto) {
  char q = c->s[c->i];
  const char *skip = " \t\r\n";
  if (q == '\'' || q == '"') {
    skip = q == '"' ? " \t\r\n\"\\" : " \t\r\n'";
    step(c);
  } else if (q == '|' || q == '>') {
    while (c->i < c->len && c->s[c->i] != '\n') step(c); /* the header line */
  }
  for (size_t k = 0;; k++) {
    char v = value[k];
    while (c->i < c->len && c->s[c->i] != v && !(v == ' ' && c->s[c->i] == '\n')) {
      if (!strchr(skip, c->s[c->i])) return -1;
      step(c);
    }
    if (c->i >= c->len) return -1;
    if (k == upto) return 0;
    step(c);
  }
}

lfh_mark lfh_scalar_offset_mark(const lfh_node *n, size_t offset) {
  lfh_mark m = n->mark;
  if (!m.file || m.line == 0 || n->kind != LFH_NODE_SCALAR || !n->scalar || !n->scalar_len)
    return m;
  size_t len = 0;
  char *text = read_source(m.file, &len);
  if (!text) return m;
  cursor c = {text, len, 0, 1, 1};
  size_t upto = offset < n->scalar_len ? offset : n->scalar_len - 1;
  if (seek(&c, &m) == 0 && align(&c, n->scalar, upto) == 0) {
    m.line = c.line;
    m.col = c.col + (offset >= n->scalar_len ? 1 : 0);
  }
  free(text);
  return m;
}

/* The byte offset of a 1-based line:col inside `text`, clamped to its length. */
static size_t offset_of(const char *text, size_t len, int line, int col) {
  size_t i = 0;
  for (int l = 1; l < line && i < len; i++)
    if (text[i] == '\n') l++;
  i += col > 0 ? (size_t)(col - 1) : 0;
  return i < len ? i : len;
}

/* ------------------------------------------------------------ the walk */

typedef struct ectx {
  lfh_registry *reg;
  lfh_diags *d;
  lfh_ypath path;
} ectx;

/* The rows an expression sees, when known: borrowed schema and where it was declared. */
typedef struct rows {
  const struct ArrowSchema *schema;
  const char *origin; /* a YAML path */
} rows;

static const rows k_unknown = {NULL, NULL};

typedef struct dset {
  const lfh_map_entry *e;
  struct ArrowSchema own; /* from `schema`, released when absent or invalid */
  char own_origin[LFH_YPATH_CAP + 16];
  rows rows;
  size_t feeders;
  long feeder; /* the index of a flow that feeds it */
} dset;

typedef struct flowx {
  const lfh_map_entry *e;
  struct ArrowSchema src; /* the source stage's schema option, when set and valid */
  char src_origin[LFH_YPATH_CAP + 16];
  long target;            /* dataset index or -1 */
  int unchanged;          /* rows reach the target as the source makes them */
} flowx;

typedef struct pipex {
  ectx *x;
  dset *sets;
  size_t n_sets;
  flowx *flows;
  size_t n_flows;
} pipex;

static const lfh_node *get(const lfh_node *map, const char *key) {
  return map && map->kind == LFH_NODE_MAP ? lfh_map_get(map, key) : NULL;
}

static const char *text(const lfh_node *n) {
  if (!n || n->kind != LFH_NODE_SCALAR || !n->scalar || lfh_node_unresolved(n)) return NULL;
  return n->scalar;
}

static int is_map(const lfh_node *n) { return n && n->kind == LFH_NODE_MAP; }
static int is_seq(const lfh_node *n) { return n && n->kind == LFH_NODE_SEQ; }

static void oom(ectx *x) {
  lfh_diag_add(x->d, LFH_SEV_ERROR, NULL, x->path.buf, NULL, "out of memory");
}

/* Compiles scalar `n`'s expression against `r`, or checks its syntax when the schema is
 * not known. */
static int compile(const lfh_node *n, rows r, lfh_expr_pos *pos, lf_error *err) {
  if (!r.schema) return lfh_expr_check_syntax(n->scalar, n->scalar_len, pos, err);
  lfh_expr *e = lfh_expr_compile(n->scalar, n->scalar_len, r.schema, pos, err);
  if (e) {
    lfh_expr_free(e);
    return LF_OK;
  }
  return err->code ? err->code : LF_ERR_INVALID;
}

static void report_expr(ectx *x, const lfh_node *n, rows r, const lfh_expr_pos *pos,
                        const char *msg) {
  lfh_mark at = n->mark;
  if (pos->line > 0)
    at = lfh_scalar_offset_mark(n, offset_of(n->scalar, n->scalar_len, pos->line, pos->col));
  if (n->secret) { /* the engine's message may quote the value */
    lfh_check_diag(x->d, LFH_SEV_ERROR, &at, x->path.buf, NULL,
                   "invalid expression (a secret value: not shown)");
    return;
  }
  /* against a schema, a failure that is not the syntax's is the columns' or types' */
  char hint[2 * LFH_YPATH_CAP], scratch[64];
  lf_error err;
  lf_error_init(&err, scratch, sizeof scratch);
  if (r.schema && lfh_expr_check_syntax(n->scalar, n->scalar_len, NULL, &err) == LF_OK)
    snprintf(hint, sizeof hint, "the columns are those of %s", r.origin);
  else
    snprintf(hint, sizeof hint, "expression syntax and functions: docs/SQL.md");
  lfh_check_diag(x->d, LFH_SEV_ERROR, &at, x->path.buf, hint, "%s",
                 msg[0] ? msg : "invalid expression");
}

/* Checks the expression in scalar `n` (at x->path) against `r`. */
static void check_expr(ectx *x, const lfh_node *n, rows r) {
  if (!text(n)) return;
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  lfh_expr_pos pos = {0, 0, 0};
  int rc = compile(n, r, &pos, &err);
  if (rc == LF_ERR_NOMEM) oom(x);
  else if (rc != LF_OK) report_expr(x, n, r, &pos, msg);
}

/* Parses the DDL in scalar `n` (at x->path). Returns LF_OK with *out set (release it),
 * or an error already reported; `out` may be NULL to check only. */
static int check_ddl(ectx *x, const lfh_node *n, struct ArrowSchema *out) {
  struct ArrowSchema tmp;
  if (out) memset(out, 0, sizeof *out);
  const char *s = text(n);
  if (!s) return LF_ERR_INVALID;
  lfh_ddl_error e;
  int rc = lfh_ddl_parse(s, n->scalar_len, out ? out : &tmp, &e);
  if (rc == LF_OK && !out) lf_schema_release(&tmp);
  if (rc == LF_ERR_NOMEM) oom(x);
  if (rc != LF_ERR_INVALID) return rc;
  lfh_mark at = lfh_scalar_offset_mark(n, e.offset);
  if (n->secret)
    lfh_check_diag(x->d, LFH_SEV_ERROR, &at, x->path.buf, NULL,
                   "invalid schema (a secret value: not shown)");
  else
    lfh_check_diag(x->d, LFH_SEV_ERROR, &at, x->path.buf, e.hint[0] ? e.hint : NULL,
                   "invalid schema: %s at %d:%d", e.message, e.line, e.col);
  return rc;
}

/* The stage a `{stage: NAME, options: ...}` mapping names, when loaded and of `kind`. */
static const lfh_stage_info *stage_of(const ectx *x, const lfh_node *ref, lf_stage_kind kind) {
  const char *name = text(get(ref, "stage"));
  const lfh_stage_info *si = x->reg && name ? lfh_registry_find_stage(x->reg, name) : NULL;
  return si && si->kind == kind ? si : NULL;
}

/* Checks a stage's EXPR options against `r` and its SCHEMA options (all of them, or
 * none when `schemas` is 0: a source's were parsed by source_schema). */
static void check_stage(ectx *x, const lfh_node *ref, lf_stage_kind kind, rows r, int schemas) {
  const lfh_stage_info *si = stage_of(x, ref, kind);
  const lfh_node *opts = get(ref, "options");
  if (!si || !is_map(opts)) return;
  size_t o = lfh_ypath_key(&x->path, "options");
  for (size_t i = 0; i < si->n_options; i++) {
    const lfh_option_info *oi = &si->options[i];
    const lfh_node *v = get(opts, oi->name);
    if (!v || (oi->type != LF_CONFIG_EXPR && (oi->type != LF_CONFIG_SCHEMA || !schemas)))
      continue;
    size_t ok = lfh_ypath_key(&x->path, oi->name);
    if (oi->type == LF_CONFIG_EXPR) check_expr(x, v, r);
    else check_ddl(x, v, NULL);
    lfh_ypath_pop(&x->path, ok);
  }
  lfh_ypath_pop(&x->path, o);
}

/* A source stage that adds a column to what its schema declares names it in a string
 * option called *_column (autoloader's rescued_data_column): the column is part of the
 * rows, as a nullable STRING. */
static int add_named_columns(const lfh_stage_info *si, const lfh_node *opts,
                             struct ArrowSchema *s) {
  for (size_t i = 0; i < si->n_options; i++) {
    const lfh_option_info *oi = &si->options[i];
    size_t n = strlen(oi->name);
    if (oi->type != LF_CONFIG_STRING || n < 7 || strcmp(oi->name + n - 7, "_column") != 0)
      continue;
    const lfh_node *v = get(opts, oi->name);
    const char *col = v ? text(v) : oi->default_value;
    if (!col || !col[0]) continue;
    int dup = 0;
    for (int64_t k = 0; k < s->n_children && !dup; k++) dup = !strcasecmp(s->children[k]->name, col);
    if (!dup && lf_schema_add_child(s, "u", col, ARROW_FLAG_NULLABLE, NULL, NULL) != LF_OK)
      return LF_ERR_NOMEM;
  }
  return LF_OK;
}

/* Pass 1 for a flow with a source stage: parses its SCHEMA options; the first one set
 * and valid becomes f->src. */
static void source_schema(pipex *px, flowx *f, const lfh_node *src) {
  ectx *x = px->x;
  const lfh_stage_info *si = stage_of(x, src, LF_STAGE_SOURCE);
  const lfh_node *opts = get(src, "options");
  if (!si || !is_map(opts)) return;
  size_t o = lfh_ypath_key(&x->path, "options");
  for (size_t i = 0; i < si->n_options; i++) {
    const lfh_node *v = get(opts, si->options[i].name);
    if (si->options[i].type != LF_CONFIG_SCHEMA || !v) continue;
    size_t ok = lfh_ypath_key(&x->path, si->options[i].name);
    struct ArrowSchema s;
    if (check_ddl(x, v, &s) == LF_OK) {
      if (f->src.release) {
        lf_schema_release(&s);
      } else {
        lf_schema_move(&s, &f->src);
        snprintf(f->src_origin, sizeof f->src_origin, "%s", x->path.buf);
      }
    }
    lfh_ypath_pop(&x->path, ok);
  }
  lfh_ypath_pop(&x->path, o);
  if (f->src.release && add_named_columns(si, opts, &f->src) != LF_OK) oom(x);
}

static long find_set(const pipex *px, const char *name) {
  for (size_t i = 0; name && i < px->n_sets; i++)
    if (strcasecmp(px->sets[i].e->key, name) == 0) return (long)i;
  return -1;
}

static void pass_datasets(pipex *px) {
  ectx *x = px->x;
  size_t o = lfh_ypath_key(&x->path, "datasets");
  for (size_t i = 0; i < px->n_sets; i++) {
    dset *s = &px->sets[i];
    const lfh_node *ddl = get(s->e->value, "schema");
    if (!ddl) continue;
    size_t od = lfh_ypath_key(&x->path, s->e->key);
    lfh_ypath_key(&x->path, "schema");
    if (check_ddl(x, ddl, &s->own) == LF_OK) {
      snprintf(s->own_origin, sizeof s->own_origin, "%s", x->path.buf);
      s->rows = (rows){&s->own, s->own_origin};
    }
    lfh_ypath_pop(&x->path, od);
  }
  lfh_ypath_pop(&x->path, o);
}

static void pass_flow_sources(pipex *px) {
  ectx *x = px->x;
  size_t o = lfh_ypath_key(&x->path, "flows");
  for (size_t i = 0; i < px->n_flows; i++) {
    flowx *f = &px->flows[i];
    const lfh_node *flow = f->e->value;
    f->target = find_set(px, text(get(flow, "target")));
    f->unchanged = !get(flow, "transforms") && !get(flow, "hashers") && !get(flow, "sink") &&
                   !get(flow, "auto_cdc");
    if (f->target >= 0) {
      px->sets[f->target].feeders++;
      px->sets[f->target].feeder = (long)i;
    }
    const lfh_node *src = get(flow, "source");
    if (!is_map(src) || !get(src, "stage")) continue;
    size_t of = lfh_ypath_key(&x->path, f->e->key);
    lfh_ypath_key(&x->path, "source");
    source_schema(px, f, src);
    lfh_ypath_pop(&x->path, of);
  }
  lfh_ypath_pop(&x->path, o);
}

/* Pass 2: a dataset without `schema` fed by exactly one flow that passes its source's
 * rows through unchanged has the source's schema. */
static void pass_derive(pipex *px) {
  for (size_t i = 0; i < px->n_sets; i++) {
    dset *s = &px->sets[i];
    if (s->rows.schema || s->feeders != 1) continue;
    const flowx *f = &px->flows[s->feeder];
    if (f->unchanged && f->src.release) s->rows = (rows){&f->src, f->src_origin};
  }
}

static void check_cdc(ectx *x, const lfh_node *cdc, rows r) {
  static const char *const keys[] = {"sequence_by", "apply_as_deletes", "apply_as_truncates"};
  if (!is_map(cdc)) return;
  size_t o = lfh_ypath_key(&x->path, "auto_cdc");
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const lfh_node *v = get(cdc, keys[i]);
    if (!v) continue;
    size_t ok = lfh_ypath_key(&x->path, keys[i]);
    check_expr(x, v, r);
    lfh_ypath_pop(&x->path, ok);
  }
  lfh_ypath_pop(&x->path, o);
}

/* Checks the stages of one `transforms`/`hashers` list: the first sees `r`, the later
 * ones rows the earlier ones may have changed. */
static void check_stage_list(ectx *x, const lfh_node *list, const char *key, lf_stage_kind kind,
                             rows r) {
  if (!is_seq(list)) return;
  size_t o = lfh_ypath_key(&x->path, key);
  for (size_t i = 0; i < list->n; i++) {
    size_t oi = lfh_ypath_index(&x->path, i);
    check_stage(x, list->items[i], kind, i == 0 ? r : k_unknown, 1);
    lfh_ypath_pop(&x->path, oi);
  }
  lfh_ypath_pop(&x->path, o);
}

/* Pass 3 for one flow: each stage sees the rows of the stage before it, known only as
 * long as no transform or hasher has run. */
static void check_flow(pipex *px, const flowx *f) {
  ectx *x = px->x;
  const lfh_node *flow = f->e->value, *src = get(flow, "source");
  rows in = k_unknown;
  if (f->src.release) in = (rows){&f->src, f->src_origin};
  long t = find_set(px, text(get(src, "table")));
  if (t >= 0) in = px->sets[t].rows;
  size_t o = lfh_ypath_key(&x->path, f->e->key);
  size_t os = lfh_ypath_key(&x->path, "source");
  if (is_map(src)) check_stage(x, src, LF_STAGE_SOURCE, in, 0);
  lfh_ypath_pop(&x->path, os);
  const lfh_node *transforms = get(flow, "transforms"), *hashers = get(flow, "hashers");
  check_stage_list(x, transforms, "transforms", LF_STAGE_TRANSFORM, in);
  rows after = transforms ? k_unknown : in;
  check_stage_list(x, hashers, "hashers", LF_STAGE_HASHER, after);
  if (hashers) after = k_unknown;
  os = lfh_ypath_key(&x->path, "sink");
  check_stage(x, get(flow, "sink"), LF_STAGE_SINK, after, 1);
  lfh_ypath_pop(&x->path, os);
  check_cdc(x, get(flow, "auto_cdc"), after);
  lfh_ypath_pop(&x->path, o);
}

/* `unique: [cols]` and `not_null: [cols]` name columns: checked when the schema is. */
static void check_column_lists(ectx *x, const lfh_node *ds, rows r) {
  static const char *const keys[] = {"unique", "not_null"};
  for (size_t k = 0; r.schema && k < sizeof keys / sizeof keys[0]; k++) {
    const lfh_node *list = get(ds, keys[k]);
    if (!is_seq(list)) continue;
    size_t o = lfh_ypath_key(&x->path, keys[k]);
    for (size_t i = 0; i < list->n; i++) {
      size_t oi = lfh_ypath_index(&x->path, i);
      check_expr(x, list->items[i], r);
      lfh_ypath_pop(&x->path, oi);
    }
    lfh_ypath_pop(&x->path, o);
  }
}

static void check_expectations(pipex *px) {
  ectx *x = px->x;
  size_t o = lfh_ypath_key(&x->path, "datasets");
  for (size_t i = 0; i < px->n_sets; i++) {
    const dset *s = &px->sets[i];
    const lfh_node *ex = get(s->e->value, "expectations");
    size_t od = lfh_ypath_key(&x->path, s->e->key);
    for (size_t k = 0; is_seq(ex) && k < ex->n; k++) {
      size_t ok = lfh_ypath_key(&x->path, "expectations");
      lfh_ypath_index(&x->path, k);
      lfh_ypath_key(&x->path, "expr");
      check_expr(x, get(ex->items[k], "expr"), s->rows);
      lfh_ypath_pop(&x->path, ok);
    }
    check_column_lists(x, s->e->value, s->rows);
    lfh_ypath_pop(&x->path, od);
  }
  lfh_ypath_pop(&x->path, o);
}

static void check_pipeline(ectx *x, const lfh_map_entry *pe) {
  const lfh_node *ds = get(pe->value, "datasets"), *fl = get(pe->value, "flows");
  pipex px = {.x = x};
  px.n_sets = is_map(ds) ? ds->n : 0;
  px.n_flows = is_map(fl) ? fl->n : 0;
  px.sets = calloc(px.n_sets + 1, sizeof *px.sets);
  px.flows = calloc(px.n_flows + 1, sizeof *px.flows);
  lfh_ypath_init(&x->path, "resources.pipelines");
  lfh_ypath_key(&x->path, pe->key);
  if (!px.sets || !px.flows) {
    oom(x);
    goto done;
  }
  for (size_t i = 0; i < px.n_sets; i++) px.sets[i].e = &ds->entries[i];
  for (size_t i = 0; i < px.n_flows; i++) px.flows[i].e = &fl->entries[i];
  pass_datasets(&px);
  pass_flow_sources(&px);
  pass_derive(&px);
  size_t o = lfh_ypath_key(&x->path, "flows");
  for (size_t i = 0; i < px.n_flows; i++)
    if (is_map(px.flows[i].e->value)) check_flow(&px, &px.flows[i]);
  lfh_ypath_pop(&x->path, o);
  check_expectations(&px);
done:
  for (size_t i = 0; px.sets && i < px.n_sets; i++) lf_schema_release(&px.sets[i].own);
  for (size_t i = 0; px.flows && i < px.n_flows; i++) lf_schema_release(&px.flows[i].src);
  free(px.sets);
  free(px.flows);
}

size_t lfh_bundle_check_exprs(const lfh_node *root, lfh_registry *reg, lfh_diags *d) {
  if (!d) return 0;
  size_t before = lfh_diags_count(d, LFH_SEV_ERROR);
  const lfh_node *pipes = get(get(root, "resources"), "pipelines");
  ectx x = {.reg = reg, .d = d};
  for (size_t i = 0; is_map(pipes) && i < pipes->n; i++)
    if (is_map(pipes->entries[i].value)) check_pipeline(&x, &pipes->entries[i]);
  return lfh_diags_count(d, LFH_SEV_ERROR) - before;
}
