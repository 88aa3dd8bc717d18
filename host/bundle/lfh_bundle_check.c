/*
 * lfh_bundle_check — everything `lfhost validate` checks once a bundle is loaded: the
 * schema of every key (lfh_schema), then the rules that span several nodes: dataset and
 * flow references, the dataset graph, auto_cdc settings, jobs, plugins and their stages'
 * options, and production mode. docs/BUNDLE.md "Reference" is the contract.
 *
 * Dataset names are compared case-insensitively, as Spark SQL compares table names: two
 * datasets that differ only in case would be one table to every SQL reader.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../loader/lfh_config.h"
#include "../util/lfh_suggest.h"
#include "lfh_bundle.h"
#include "lfh_bundle_exprs.h"
#include "lfh_schema.h"
#include "../util/lfh_mem.h"

typedef struct check_ctx {
  const lfh_bundle *b;
  const lfh_node *root; /* b->root, or b->raw when resolution failed */
  lfh_registry *reg;
  const lfh_searchpath *sp;
  lfh_diags *d;
  int production;
  int stages_known; /* every listed plugin was found and loaded: stage names are final */
} check_ctx;

/* ------------------------------------------------------------ node helpers */

static const lfh_node *get(const lfh_node *map, const char *key) {
  return map && map->kind == LFH_NODE_MAP ? lfh_map_get(map, key) : NULL;
}

static const lfh_map_entry *entry(const lfh_node *map, const char *key) {
  return map && map->kind == LFH_NODE_MAP ? lfh_map_entry_get(map, key) : NULL;
}

/* The text of a scalar that is resolved; NULL for anything else (checked elsewhere). */
static const char *text(const lfh_node *n) {
  if (!n || n->kind != LFH_NODE_SCALAR || !n->scalar || lfh_node_unresolved(n)) return NULL;
  return n->scalar;
}

static int is_map(const lfh_node *n) { return n && n->kind == LFH_NODE_MAP; }
static int is_seq(const lfh_node *n) { return n && n->kind == LFH_NODE_SEQ; }

static int is_true(const lfh_node *n) {
  int v = 0;
  return text(n) && lfh_scalar_bool(n, &v) == 0 && v;
}

static const char *hint_near(char *buf, size_t cap, const char *word, const char *const *cands,
                             size_t n) {
  const char *near = word ? lfh_suggest(word, cands, n) : NULL;
  if (!near) return NULL;
  snprintf(buf, cap, "did you mean '%s'?", near);
  return buf;
}

static const char *article(const char *word) {
  return word && strchr("aeiou", word[0]) ? "an" : "a";
}

/* ------------------------------------------------------------ a small directed graph */

typedef struct edge {
  size_t from, to;
  lfh_mark mark;
  char *path; /* owned */
} edge;

typedef struct graph {
  const char *const *names; /* borrowed, n of them */
  size_t n;
  edge *edges;
  size_t n_edges, cap;
} graph;

static int graph_add(graph *g, size_t from, size_t to, const lfh_mark *m, const char *path) {
  if (lfh_grow(&g->edges, &g->cap, g->n_edges + 1, sizeof *g->edges, 16) != 0) return -1;
  char *p = strdup(path ? path : "");
  if (!p) return -1;
  g->edges[g->n_edges++] = (edge){from, to, *m, p};
  return 0;
}

static void graph_free(graph *g) {
  for (size_t i = 0; i < g->n_edges; i++) free(g->edges[i].path);
  free(g->edges);
  memset(g, 0, sizeof *g);
}

/* Names the cycle closed by edge `e`: the DFS stack from where e->to sits, then e->to. */
static void report_cycle(const graph *g, const size_t *stack, size_t top, size_t at,
                         const edge *e, const char *what, lfh_diags *d) {
  char *msg = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&msg, &len);
  if (!f) return;
  for (size_t k = at; k < top; k++) fprintf(f, "%s -> ", g->names[stack[k]]);
  fprintf(f, "%s", g->names[e->to]);
  if (fclose(f) == 0)
    lfh_check_diag(d, LFH_SEV_ERROR, &e->mark, e->path, NULL, "cycle in %s: %s", what, msg);
  free(msg);
}

typedef struct dfs {
  size_t *first;  /* CSR: edges of node u are order[first[u] .. first[u+1]) */
  size_t *order;
  size_t *stack, *next, *depth_of;
  unsigned char *color; /* 0 unvisited, 1 on the stack, 2 done */
} dfs;

static void dfs_free(dfs *s) {
  free(s->first);
  free(s->order);
  free(s->stack);
  free(s->next);
  free(s->depth_of);
  free(s->color);
}

static int dfs_init(dfs *s, const graph *g) {
  memset(s, 0, sizeof *s);
  s->first = calloc(g->n + 1, sizeof *s->first);
  s->order = calloc(g->n_edges + 1, sizeof *s->order);
  s->stack = calloc(g->n + 1, sizeof *s->stack);
  s->next = calloc(g->n + 1, sizeof *s->next);
  s->depth_of = calloc(g->n + 1, sizeof *s->depth_of);
  s->color = calloc(g->n + 1, 1);
  if (!s->first || !s->order || !s->stack || !s->next || !s->depth_of || !s->color) return -1;
  for (size_t i = 0; i < g->n_edges; i++) s->first[g->edges[i].from + 1]++;
  for (size_t u = 0; u < g->n; u++) s->first[u + 1] += s->first[u];
  for (size_t i = 0; i < g->n_edges; i++) s->order[s->next[g->edges[i].from]++ +
                                                   s->first[g->edges[i].from]] = i;
  return 0;
}

/* Depth-first search with an explicit stack (a hostile bundle may chain thousands of
 * datasets); every edge that closes a cycle is reported once. */
static void graph_cycles(const graph *g, const char *what, lfh_diags *d) {
  dfs s = {0};
  if (g->n == 0 || dfs_init(&s, g) != 0) goto done;
  for (size_t r = 0; r < g->n; r++) {
    if (s.color[r]) continue;
    size_t top = 0;
    s.stack[top++] = r;
    s.next[r] = s.first[r];
    s.color[r] = 1;
    while (top > 0) {
      size_t u = s.stack[top - 1];
      if (s.next[u] == s.first[u + 1]) {
        s.color[u] = 2;
        top--;
        continue;
      }
      const edge *e = &g->edges[s.order[s.next[u]++]];
      if (s.color[e->to] == 1) report_cycle(g, s.stack, top, s.depth_of[e->to], e, what, d);
      if (s.color[e->to] != 0) continue;
      s.depth_of[e->to] = top;
      s.stack[top++] = e->to;
      s.next[e->to] = s.first[e->to];
      s.color[e->to] = 1;
    }
  }
done:
  dfs_free(&s);
}

/* ------------------------------------------------------------ SQL inputs */

/* Names after FROM and JOIN, outside strings and comments: enough to wire the dataset
 * graph, not a SQL parser. CTE names (`name AS (`) are not inputs; FROM inside
 * EXTRACT(... FROM x), TRIM(... FROM x) and IS DISTINCT FROM is not a table. */

typedef enum { TK_END, TK_WORD, TK_OTHER } tk_kind;

typedef struct sql_tok {
  tk_kind kind;
  const char *s;
  size_t len;
  char c; /* TK_OTHER: the punctuation character, 0 for a string literal */
} sql_tok;

static const char *sql_blank(const char *p) {
  for (;;) {
    while (*p && isspace((unsigned char)*p)) p++;
    if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n') p++;
    } else if (p[0] == '/' && p[1] == '*') {
      const char *end = strstr(p + 2, "*/");
      p = end ? end + 2 : p + strlen(p);
    } else {
      return p;
    }
  }
}

static const char *sql_skip_quoted(const char *p) {
  char q = *p++;
  while (*p) {
    if (*p == '\\' && q != '`' && p[1]) p += 2;
    else if (*p == q && p[1] == q) p += 2; /* '' and `` escape the quote */
    else if (*p == q) return p + 1;
    else p++;
  }
  return p;
}

static int word_char(char ch) { return isalnum((unsigned char)ch) || ch == '_'; }

/* A possibly qualified name: a.b.`c d` */
static const char *sql_name_end(const char *p) {
  for (;;) {
    if (*p == '`') p = sql_skip_quoted(p);
    else while (word_char(*p)) p++;
    if (p[0] == '.' && (word_char(p[1]) || p[1] == '`')) p++;
    else return p;
  }
}

static sql_tok sql_next(const char **pp) {
  const char *p = sql_blank(*pp);
  sql_tok t = {TK_END, p, 0, 0};
  if (!*p) return t;
  if (*p == '\'' || *p == '"') {
    *pp = sql_skip_quoted(p);
    t.kind = TK_OTHER;
  } else if (word_char(*p) || *p == '`') {
    *pp = sql_name_end(p);
    t.kind = TK_WORD;
  } else {
    *pp = p + 1;
    t.kind = TK_OTHER;
    t.c = *p;
  }
  t.len = (size_t)(*pp - p);
  return t;
}

static sql_tok sql_peek(const char *p) { return sql_next(&p); }

static int kw(sql_tok t, const char *w) {
  return t.kind == TK_WORD && strlen(w) == t.len && strncasecmp(t.s, w, t.len) == 0;
}

static int kw_any(sql_tok t, const char *const *words) {
  for (; *words; words++)
    if (kw(t, *words)) return 1;
  return 0;
}

static const char *const k_clause_words[] = {
    "where", "group", "order", "join", "left", "right", "inner", "outer", "full",
    "cross", "on", "using", "limit", "union", "having", "window", "natural", "except",
    "intersect", "lateral", "qualify", "semi", "anti", "tablesample", "pivot", "unpivot",
    "sort", "cluster", "distribute", "minus", "select", "from", "as", NULL};

/* Functions whose argument lists contain FROM without naming a table. */
static const char *const k_from_funcs[] = {"extract", "trim", "substring", "substr",
                                           "overlay", "position", NULL};

typedef void (*sql_name_fn)(void *ud, const char *name, size_t len, int cte);

/* After FROM (comma lists) or JOIN: name [[AS] alias] [, name ...]. */
static void sql_table_list(const char **pp, int commas, sql_name_fn fn, void *ud) {
  for (;;) {
    sql_tok t = sql_peek(*pp);
    if (t.kind != TK_WORD || kw_any(t, k_clause_words)) return; /* a subquery, or nothing */
    sql_next(pp);
    sql_tok after = sql_peek(*pp);
    if (after.c == '(') {
      /* STREAM(x) reads x; any other name( is a table-valued function */
      if (!kw(t, "stream")) return;
      sql_next(pp);
      t = sql_next(pp);
      if (t.kind != TK_WORD) return;
    }
    fn(ud, t.s, t.len, 0);
    const char *save = *pp;
    sql_tok a = sql_next(pp);
    if (kw(a, "as")) a = sql_next(pp);
    if (a.kind == TK_WORD && !kw_any(a, k_clause_words)) {
      save = *pp;
      a = sql_next(pp);
    }
    if (!(commas && a.c == ',')) {
      *pp = save;
      return;
    }
  }
}

#define SQL_MAX_DEPTH 64

static void sql_inputs(const char *sql, sql_name_fn fn, void *ud) {
  unsigned char in_func[SQL_MAX_DEPTH] = {0}; /* paren level opened by EXTRACT( etc. */
  size_t depth = 0;
  sql_tok prev = {TK_END, "", 0, 0};
  const char *p = sql;
  for (;;) {
    sql_tok t = sql_next(&p);
    if (t.kind == TK_END) return;
    if (t.c == '(' && ++depth < SQL_MAX_DEPTH) in_func[depth] = (unsigned char)kw_any(prev, k_from_funcs);
    if (t.c == ')' && depth > 0) depth--;
    int func_from = depth < SQL_MAX_DEPTH && depth > 0 && in_func[depth];
    if ((kw(t, "from") && !func_from && !kw(prev, "distinct")) || kw(t, "join")) {
      sql_table_list(&p, kw(t, "from"), fn, ud);
    } else if (t.kind == TK_WORD && kw(sql_peek(p), "as")) {
      const char *q = p;
      sql_next(&q);
      if (sql_peek(q).c == '(') fn(ud, t.s, t.len, 1);
    }
    prev = t;
  }
}

/* ------------------------------------------------------------ pipelines */

typedef struct dataset {
  const lfh_map_entry *e; /* key = name, value = the dataset mapping */
  const char *type;       /* NULL when missing or unresolved */
  int fed;
} dataset;

typedef struct pipe {
  check_ctx *c;
  const char *key;
  const lfh_node *node;
  dataset *sets;
  const char **names; /* dataset names: suggestions and graph labels */
  size_t n;
  graph g;
  lfh_ypath path; /* resources.pipelines.<key> */
  /* sql scan state: CTE names of the query being scanned (pointers into its text) */
  const char *ctes[64];
  size_t n_ctes;
  size_t cur; /* the dataset whose sql is being scanned */
} pipe;

static long find_dataset(const pipe *pp, const char *name, size_t len) {
  for (size_t i = 0; i < pp->n; i++)
    if (strlen(pp->names[i]) == len && strncasecmp(pp->names[i], name, len) == 0) return (long)i;
  return -1;
}

static int valid_dataset_name(const char *s) {
  if (!(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
  for (const char *p = s; *p; p++)
    if (!word_char(*p)) return 0;
  return 1;
}

/* Reports a reference to a dataset that does not exist (with the nearest name). */
static void unknown_dataset(pipe *pp, lfh_severity sev, const lfh_node *at, const char *path,
                            const char *what, const char *name, size_t len) {
  char word[128], hint[160];
  snprintf(word, sizeof word, "%.*s", (int)(len < 100 ? len : 100), name);
  const char *h = hint_near(hint, sizeof hint, word, pp->names, pp->n);
  lfh_check_diag(pp->c->d, sev, &at->mark, path, h, "%s '%s'", what, word);
}

static void check_expectations(pipe *pp, const lfh_node *ds) {
  const lfh_node *ex = get(ds, "expectations");
  if (!is_seq(ex)) return;
  for (size_t i = 0; i < ex->n; i++) {
    const lfh_node *name = get(ex->items[i], "name");
    if (!text(name)) continue;
    for (size_t j = 0; j < i; j++) {
      const char *other = text(get(ex->items[j], "name"));
      if (!other || strcmp(other, name->scalar) != 0) continue;
      size_t o = lfh_ypath_key(&pp->path, "expectations");
      lfh_ypath_index(&pp->path, i);
      lfh_ypath_key(&pp->path, "name");
      lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &name->mark, pp->path.buf, NULL,
                     "duplicate expectation name '%s' (also expectations[%zu])", other, j);
      lfh_ypath_pop(&pp->path, o);
      break;
    }
  }
}

/* sql is required for views and not allowed for streaming tables. */
static void check_dataset_sql(pipe *pp, const dataset *s) {
  const lfh_map_entry *sql = entry(s->e->value, "sql");
  int streaming = strcmp(s->type, "streaming_table") == 0;
  if (streaming && sql) {
    size_t o = lfh_ypath_key(&pp->path, "sql");
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &sql->key_mark, pp->path.buf,
                   "feed a streaming_table with a flow (flows.<name>.target)",
                   "sql is not allowed for a streaming_table");
    lfh_ypath_pop(&pp->path, o);
  } else if (!streaming && !sql) {
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &s->e->value->mark, pp->path.buf, NULL,
                   "missing required field: sql (required for %s %s)", article(s->type),
                   s->type);
  }
}

static void check_one_dataset(pipe *pp, size_t i) {
  dataset *s = &pp->sets[i];
  const char *name = s->e->key;
  size_t o = lfh_ypath_key(&pp->path, name);
  if (!valid_dataset_name(name))
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &s->e->key_mark, pp->path.buf,
                   "names are [A-Za-z_][A-Za-z0-9_]*", "invalid dataset name '%s'", name);
  for (size_t j = 0; j < i; j++) {
    if (strcasecmp(pp->names[j], name) != 0) continue;
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &s->e->key_mark, pp->path.buf,
                   "dataset names are compared case-insensitively, as SQL table names",
                   "duplicate dataset name '%s' (also '%s')", name, pp->names[j]);
    break;
  }
  if (is_map(s->e->value)) {
    if (s->type) check_dataset_sql(pp, s);
    check_expectations(pp, s->e->value);
  }
  lfh_ypath_pop(&pp->path, o);
}

static int collect_datasets(pipe *pp) {
  const lfh_node *ds = get(pp->node, "datasets");
  if (!is_map(ds) || ds->n == 0) return 0;
  pp->sets = calloc(ds->n, sizeof *pp->sets);
  pp->names = calloc(ds->n, sizeof *pp->names);
  if (!pp->sets || !pp->names) return -1;
  for (size_t i = 0; i < ds->n; i++) {
    pp->sets[i].e = &ds->entries[i];
    pp->names[i] = ds->entries[i].key;
    const char *type = text(get(ds->entries[i].value, "type"));
    if (type && (strcmp(type, "streaming_table") == 0 || strcmp(type, "materialized_view") == 0 ||
                 strcmp(type, "temporary_view") == 0))
      pp->sets[i].type = type; /* an invalid type is the schema's error */
  }
  pp->n = ds->n;
  pp->g.names = pp->names;
  pp->g.n = pp->n;
  size_t o = lfh_ypath_key(&pp->path, "datasets");
  for (size_t i = 0; i < pp->n; i++) check_one_dataset(pp, i);
  lfh_ypath_pop(&pp->path, o);
  return 0;
}

/* -------- flows */

static void check_flow_name(pipe *pp, const lfh_node *flows, size_t i) {
  const lfh_map_entry *e = &flows->entries[i];
  for (size_t j = 0; j < i; j++) {
    if (strcasecmp(flows->entries[j].key, e->key) != 0) continue;
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &e->key_mark, pp->path.buf, NULL,
                   "duplicate flow name '%s' (also '%s')", e->key, flows->entries[j].key);
    return;
  }
  long k = find_dataset(pp, e->key, strlen(e->key));
  if (k >= 0)
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &e->key_mark, pp->path.buf,
                   "flows and datasets share one namespace; rename the flow",
                   "flow name '%s' clashes with dataset '%s'", e->key, pp->names[k]);
}

/* Returns the target's dataset index, or -1. */
static long check_flow_target(pipe *pp, const lfh_node *flow) {
  const lfh_node *t = get(flow, "target");
  const char *name = text(t);
  if (!name) return -1;
  size_t o = lfh_ypath_key(&pp->path, "target");
  long k = find_dataset(pp, name, strlen(name));
  if (k < 0) {
    unknown_dataset(pp, LFH_SEV_ERROR, t, pp->path.buf, "unknown target dataset", name,
                    strlen(name));
  } else if (pp->sets[k].type && strcmp(pp->sets[k].type, "streaming_table") != 0) {
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &t->mark, pp->path.buf,
                   "flows feed streaming tables; a view is defined by its sql",
                   "flow target '%s' is %s %s, expected a streaming_table", name,
                   article(pp->sets[k].type), pp->sets[k].type);
    k = -1;
  } else {
    pp->sets[k].fed = 1;
  }
  lfh_ypath_pop(&pp->path, o);
  return k;
}

static void check_flow_source(pipe *pp, const lfh_node *flow, long target) {
  const lfh_node *src = get(flow, "source");
  if (!is_map(src)) return;
  const lfh_node *stage = get(src, "stage"), *table = get(src, "table");
  size_t o = lfh_ypath_key(&pp->path, "source");
  if (stage && table)
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &src->mark, pp->path.buf, NULL,
                   "source has both 'stage' and 'table': give exactly one");
  else if (!stage && !table)
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &src->mark, pp->path.buf, NULL,
                   "source needs exactly one of 'stage' or 'table'");
  const char *name = text(table);
  if (name) {
    lfh_ypath_key(&pp->path, "table");
    long k = find_dataset(pp, name, strlen(name));
    if (k < 0)
      unknown_dataset(pp, LFH_SEV_ERROR, table, pp->path.buf, "unknown source dataset", name,
                      strlen(name));
    else if (target >= 0 && graph_add(&pp->g, (size_t)k, (size_t)target, &table->mark,
                                      pp->path.buf) != 0)
      lfh_diag_add(pp->c->d, LFH_SEV_ERROR, NULL, NULL, NULL, "out of memory");
  }
  lfh_ypath_pop(&pp->path, o);
}

/* Pairs of auto_cdc keys that cannot both be set. */
static const char *const k_cdc_exclusive[][2] = {
    {"column_list", "except_column_list"},
    {"track_history_column_list", "track_history_except_column_list"}};

/* auto_cdc keys allowed only with one SCD type. */
static const struct {
  const char *key;
  long scd;
} k_cdc_scd_only[] = {{"track_history_column_list", 2},
                      {"track_history_except_column_list", 2},
                      {"apply_as_truncates", 1}};

static void cdc_diag(pipe *pp, const lfh_map_entry *e, const char *hint, const char *msg) {
  size_t o = lfh_ypath_key(&pp->path, e->key);
  lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &e->key_mark, pp->path.buf, hint, "%s", msg);
  lfh_ypath_pop(&pp->path, o);
}

static void check_cdc_rules(pipe *pp, const lfh_node *cdc) {
  const lfh_node *keys = get(cdc, "keys");
  char msg[200];
  if (is_seq(keys) && keys->n == 0)
    cdc_diag(pp, entry(cdc, "keys"), "name the columns that identify a row",
             "auto_cdc keys must not be empty");
  for (size_t i = 0; i < LFH_ARRAY_LEN(k_cdc_exclusive); i++) {
    const lfh_map_entry *a = entry(cdc, k_cdc_exclusive[i][0]);
    const lfh_map_entry *b = entry(cdc, k_cdc_exclusive[i][1]);
    snprintf(msg, sizeof msg, "'%s' and '%s' cannot both be set", k_cdc_exclusive[i][0],
             k_cdc_exclusive[i][1]);
    if (a && b) cdc_diag(pp, b, "keep one of the two", msg);
  }
  const lfh_node *scd_node = get(cdc, "stored_as_scd_type");
  long long scd = 1;
  if (scd_node && (!text(scd_node) || lfh_scalar_int(scd_node, &scd) != 0)) return;
  for (size_t i = 0; i < LFH_ARRAY_LEN(k_cdc_scd_only); i++) {
    const lfh_map_entry *e = entry(cdc, k_cdc_scd_only[i].key);
    if (!e || scd == k_cdc_scd_only[i].scd) continue;
    snprintf(msg, sizeof msg, "'%s' is only allowed with stored_as_scd_type: %ld", e->key,
             k_cdc_scd_only[i].scd);
    cdc_diag(pp, e, NULL, msg);
  }
}

static void check_flow_cdc(pipe *pp, const lfh_node *flow) {
  const lfh_map_entry *cdc = entry(flow, "auto_cdc");
  if (!cdc || !is_map(cdc->value)) return;
  size_t o = lfh_ypath_key(&pp->path, "auto_cdc");
  if (entry(flow, "sink"))
    lfh_check_diag(pp->c->d, LFH_SEV_ERROR, &cdc->key_mark, pp->path.buf,
                   "auto_cdc writes the target itself; remove 'sink'",
                   "auto_cdc cannot be combined with 'sink'");
  check_cdc_rules(pp, cdc->value);
  lfh_ypath_pop(&pp->path, o);
}

static void check_flows(pipe *pp) {
  const lfh_node *flows = get(pp->node, "flows");
  if (!is_map(flows)) return;
  size_t o = lfh_ypath_key(&pp->path, "flows");
  for (size_t i = 0; i < flows->n; i++) {
    const lfh_node *flow = flows->entries[i].value;
    size_t of = lfh_ypath_key(&pp->path, flows->entries[i].key);
    check_flow_name(pp, flows, i);
    if (is_map(flow)) {
      long target = check_flow_target(pp, flow);
      check_flow_source(pp, flow, target);
      check_flow_cdc(pp, flow);
    }
    lfh_ypath_pop(&pp->path, of);
  }
  lfh_ypath_pop(&pp->path, o);
}

/* -------- sql inputs and the graph */

static void sql_name(void *ud, const char *name, size_t len, int cte) {
  pipe *pp = ud;
  char word[128];
  if (len >= sizeof word) len = sizeof word - 1;
  /* `quoted` names match unquoted ones */
  size_t w = 0;
  for (size_t i = 0; i < len; i++)
    if (name[i] != '`') word[w++] = name[i];
  word[w] = '\0';
  if (cte) {
    if (pp->n_ctes < LFH_ARRAY_LEN(pp->ctes)) pp->ctes[pp->n_ctes++] = name;
    return;
  }
  for (size_t i = 0; i < pp->n_ctes; i++)
    if (strncasecmp(pp->ctes[i], word, w) == 0 && !word_char(pp->ctes[i][w])) return;
  const lfh_node *sql = get(pp->sets[pp->cur].e->value, "sql");
  long k = find_dataset(pp, word, w);
  if (k < 0)
    unknown_dataset(pp, LFH_SEV_WARNING, sql, pp->path.buf, "unknown table", word, w);
  else if (graph_add(&pp->g, (size_t)k, pp->cur, &sql->mark, pp->path.buf) != 0)
    lfh_diag_add(pp->c->d, LFH_SEV_ERROR, NULL, NULL, NULL, "out of memory");
}

static void check_sql_inputs(pipe *pp) {
  size_t o = lfh_ypath_key(&pp->path, "datasets");
  for (size_t i = 0; i < pp->n; i++) {
    const char *sql = text(get(pp->sets[i].e->value, "sql"));
    if (!sql || !pp->sets[i].type || strcmp(pp->sets[i].type, "streaming_table") == 0) continue;
    size_t od = lfh_ypath_key(&pp->path, pp->names[i]);
    lfh_ypath_key(&pp->path, "sql");
    pp->cur = i;
    pp->n_ctes = 0;
    sql_inputs(sql, sql_name, pp);
    lfh_ypath_pop(&pp->path, od);
  }
  lfh_ypath_pop(&pp->path, o);
}

static void check_unfed(pipe *pp) {
  size_t o = lfh_ypath_key(&pp->path, "datasets");
  for (size_t i = 0; i < pp->n; i++) {
    const dataset *s = &pp->sets[i];
    if (!s->type || strcmp(s->type, "streaming_table") != 0 || s->fed) continue;
    size_t od = lfh_ypath_key(&pp->path, pp->names[i]);
    char hint[200];
    snprintf(hint, sizeof hint, "add a flow with 'target: %s'", pp->names[i]);
    lfh_check_diag(pp->c->d, LFH_SEV_WARNING, &s->e->key_mark, pp->path.buf, hint,
                   "streaming table '%s' is not fed by any flow", pp->names[i]);
    lfh_ypath_pop(&pp->path, od);
  }
  lfh_ypath_pop(&pp->path, o);
}

static void check_pipeline(check_ctx *c, const lfh_map_entry *pe) {
  pipe pp = {.c = c, .key = pe->key, .node = pe->value};
  lfh_ypath_init(&pp.path, "resources.pipelines");
  lfh_ypath_key(&pp.path, pe->key);
  if (!is_map(pe->value)) goto done;
  if (collect_datasets(&pp) != 0) goto fail;
  check_flows(&pp);
  check_sql_inputs(&pp);
  check_unfed(&pp);
  graph_cycles(&pp.g, "datasets", c->d);
  goto done;
fail:
  lfh_diag_add(c->d, LFH_SEV_ERROR, NULL, pp.path.buf, NULL, "out of memory");
done:
  graph_free(&pp.g);
  free(pp.sets);
  free(pp.names);
}

static const lfh_node *pipelines_of(const lfh_node *root) {
  const lfh_node *p = get(get(root, "resources"), "pipelines");
  return is_map(p) ? p : NULL;
}

/* Two pipelines with one display name would share tables and event logs by name. */
static void check_pipeline_names(check_ctx *c, const lfh_node *pipes) {
  for (size_t i = 0; i < pipes->n; i++) {
    const lfh_node *name = get(pipes->entries[i].value, "name");
    if (!text(name)) continue;
    for (size_t j = 0; j < i; j++) {
      const char *other = text(get(pipes->entries[j].value, "name"));
      if (!other || strcmp(other, name->scalar) != 0) continue;
      lfh_ypath p;
      lfh_ypath_init(&p, "resources.pipelines");
      lfh_ypath_key(&p, pipes->entries[i].key);
      lfh_ypath_key(&p, "name");
      lfh_check_diag(c->d, LFH_SEV_WARNING, &name->mark, p.buf, NULL,
                     "pipeline name '%s' is also used by pipeline '%s'", other,
                     pipes->entries[j].key);
      break;
    }
  }
}

static void check_pipelines(check_ctx *c) {
  const lfh_node *pipes = pipelines_of(c->root);
  if (!pipes) return;
  for (size_t i = 0; i < pipes->n; i++) check_pipeline(c, &pipes->entries[i]);
  check_pipeline_names(c, pipes);
}

/* ------------------------------------------------------------ jobs */

typedef struct job {
  check_ctx *c;
  const lfh_node *tasks;
  const char **keys; /* task_key of each task, NULL when missing */
  graph g;
  lfh_ypath path;
} job;

static long find_task(const job *j, const char *key) {
  for (size_t i = 0; i < j->tasks->n; i++)
    if (j->keys[i] && strcmp(j->keys[i], key) == 0) return (long)i;
  return -1;
}

static void check_task_keys(job *j) {
  for (size_t i = 0; i < j->tasks->n; i++) {
    const lfh_node *k = get(j->tasks->items[i], "task_key");
    j->keys[i] = text(k);
    if (!j->keys[i]) continue;
    long first = find_task(j, j->keys[i]);
    if (first < 0 || (size_t)first == i) continue;
    size_t o = lfh_ypath_index(&j->path, i);
    lfh_ypath_key(&j->path, "task_key");
    lfh_check_diag(j->c->d, LFH_SEV_ERROR, &k->mark, j->path.buf, NULL,
                   "duplicate task_key '%s' (also tasks[%ld])", j->keys[i], first);
    lfh_ypath_pop(&j->path, o);
    j->keys[i] = NULL; /* the first one is the task others depend on */
  }
}

static void check_depends(job *j, size_t i) {
  const lfh_node *deps = get(j->tasks->items[i], "depends_on");
  if (!is_seq(deps)) return;
  for (size_t k = 0; k < deps->n; k++) {
    const lfh_node *dk = get(deps->items[k], "task_key");
    const char *name = text(dk);
    if (!name) continue;
    size_t o = lfh_ypath_index(&j->path, i);
    lfh_ypath_key(&j->path, "depends_on");
    lfh_ypath_index(&j->path, k);
    lfh_ypath_key(&j->path, "task_key");
    long t = find_task(j, name);
    char hint[160];
    if (t < 0)
      lfh_check_diag(j->c->d, LFH_SEV_ERROR, &dk->mark, j->path.buf,
                     hint_near(hint, sizeof hint, name, j->keys, j->tasks->n),
                     "unknown task '%s' in depends_on", name);
    else if (graph_add(&j->g, (size_t)t, i, &dk->mark, j->path.buf) != 0)
      lfh_diag_add(j->c->d, LFH_SEV_ERROR, NULL, NULL, NULL, "out of memory");
    lfh_ypath_pop(&j->path, o);
  }
}

static void check_pipeline_task(job *j, size_t i) {
  const lfh_node *id = get(get(j->tasks->items[i], "pipeline_task"), "pipeline_id");
  const char *name = text(id);
  const lfh_node *pipes = pipelines_of(j->c->root);
  if (!name || (pipes && lfh_map_get(pipes, name))) return;
  const char *keys[256];
  size_t n = 0;
  for (size_t k = 0; pipes && k < pipes->n && n < LFH_ARRAY_LEN(keys); k++)
    keys[n++] = pipes->entries[k].key;
  char hint[200];
  const char *h = hint_near(hint, sizeof hint, name, keys, n);
  if (!h) {
    snprintf(hint, sizeof hint, "use ${resources.pipelines.KEY.id} with a key of resources.pipelines");
    h = hint;
  }
  size_t o = lfh_ypath_index(&j->path, i);
  lfh_ypath_key(&j->path, "pipeline_task.pipeline_id");
  lfh_check_diag(j->c->d, LFH_SEV_ERROR, &id->mark, j->path.buf, h, "unknown pipeline '%s'",
                 name);
  lfh_ypath_pop(&j->path, o);
}

static void check_job(check_ctx *c, const lfh_map_entry *je) {
  job j = {.c = c, .tasks = get(je->value, "tasks")};
  lfh_ypath_init(&j.path, "resources.jobs");
  lfh_ypath_key(&j.path, je->key);
  lfh_ypath_key(&j.path, "tasks");
  if (!is_seq(j.tasks) || j.tasks->n == 0) return;
  j.keys = calloc(j.tasks->n, sizeof *j.keys);
  if (!j.keys) goto fail;
  check_task_keys(&j);
  for (size_t i = 0; i < j.tasks->n; i++) {
    check_depends(&j, i);
    check_pipeline_task(&j, i);
  }
  /* graph labels: a task without a key is never in an edge */
  for (size_t i = 0; i < j.tasks->n; i++)
    if (!j.keys[i]) j.keys[i] = "?";
  j.g.names = j.keys;
  j.g.n = j.tasks->n;
  graph_cycles(&j.g, "task dependencies", c->d);
  goto done;
fail:
  lfh_diag_add(c->d, LFH_SEV_ERROR, NULL, j.path.buf, NULL, "out of memory");
done:
  graph_free(&j.g);
  free(j.keys);
}

static void check_jobs(check_ctx *c) {
  const lfh_node *jobs = get(get(c->root, "resources"), "jobs");
  if (!is_map(jobs)) return;
  for (size_t i = 0; i < jobs->n; i++) check_job(c, &jobs->entries[i]);
}

/* ------------------------------------------------------------ plugins and stages */

/* A `./x.so` is relative to the file that names it, as include globs are. */
static char *plugin_path(const check_ctx *c, const lfh_node *n) {
  const char *name = n->scalar;
  if (name[0] == '/' || !strchr(name, '/')) return lfh_searchpath_find(c->sp, name);
  const char *file = n->mark.file ? n->mark.file : c->b->root_file;
  const char *slash = file ? strrchr(file, '/') : NULL;
  char *joined = NULL;
  if (slash) {
    if (asprintf(&joined, "%.*s/%s", (int)(slash - file), file, name) < 0) return NULL;
  } else if (c->b->root_dir) {
    if (asprintf(&joined, "%s/%s", c->b->root_dir, name) < 0) return NULL;
  }
  char *found = lfh_searchpath_find(c->sp, joined ? joined : name);
  free(joined);
  return found;
}

static void searched_dirs(const lfh_searchpath *sp, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < sp->n && len < cap; i++) {
    int w = snprintf(buf + len, cap - len, "%s%s", i ? ":" : "searched: ", sp->dirs[i]);
    if (w < 0) break;
    len += (size_t)w;
  }
}

/* Returns 1 when the plugin is loaded, 0 when it is not (missing or refused). */
static int load_plugin(check_ctx *c, const lfh_node *n, const char *path) {
  char *file = plugin_path(c, n);
  char why[512], hint[1024];
  if (!file && c->sp->configured) {
    searched_dirs(c->sp, hint, sizeof hint);
    lfh_check_diag(c->d, LFH_SEV_ERROR, &n->mark, path, hint,
                   "plugin '%s' not found on the plugin search path", n->scalar);
  } else if (!file) {
    lfh_check_diag(c->d, LFH_SEV_NOTE, &n->mark, path,
                   "set LFHOST_PLUGIN_PATH (or --plugin-path) to check them",
                   "plugin '%s' not found; the options of its stages are not checked",
                   n->scalar);
  } else if (lfh_registry_load(c->reg, file, why, sizeof why) < 0) {
    lfh_check_diag(c->d, LFH_SEV_ERROR, &n->mark, path, NULL, "cannot load plugin '%s': %s",
                   n->scalar, why);
  } else {
    free(file);
    return 1;
  }
  free(file);
  return 0;
}

static void load_plugins(check_ctx *c) {
  const lfh_node *pipes = pipelines_of(c->root);
  c->stages_known = 1;
  for (size_t i = 0; pipes && i < pipes->n; i++) {
    const lfh_node *libs = get(pipes->entries[i].value, "libraries");
    for (size_t k = 0; is_seq(libs) && k < libs->n; k++) {
      const lfh_node *plugin = get(libs->items[k], "plugin");
      if (!text(plugin) || !plugin->scalar[0]) continue;
      lfh_ypath p;
      lfh_ypath_init(&p, "resources.pipelines");
      lfh_ypath_key(&p, pipes->entries[i].key);
      lfh_ypath_key(&p, "libraries");
      lfh_ypath_index(&p, k);
      lfh_ypath_key(&p, "plugin");
      if (!load_plugin(c, plugin, p.buf)) c->stages_known = 0;
    }
  }
}

static void unknown_stage(check_ctx *c, const lfh_node *st, const char *path) {
  size_t n = lfh_registry_stage_count(c->reg);
  const char **names = calloc(n + 1, sizeof *names);
  for (size_t i = 0; names && i < n; i++) names[i] = lfh_registry_stage_at(c->reg, i)->name;
  char hint[160];
  const char *h = names ? hint_near(hint, sizeof hint, st->scalar, names, n) : NULL;
  if (!h) h = "no plugin in the pipeline's libraries provides it";
  lfh_check_diag(c->d, LFH_SEV_ERROR, &st->mark, path, h, "unknown stage '%s'", st->scalar);
  free(names);
}

static void check_stage_ref(check_ctx *c, const lfh_node *ref, lf_stage_kind kind, lfh_ypath *p) {
  const lfh_node *st = get(ref, "stage");
  if (!text(st)) return;
  const lfh_stage_info *si = lfh_registry_find_stage(c->reg, st->scalar);
  size_t o = lfh_ypath_key(p, "stage");
  if (!si && c->stages_known) unknown_stage(c, st, p->buf);
  if (si && si->kind != kind) {
    const char *is = lfh_stage_kind_name(si->kind), *want = lfh_stage_kind_name(kind);
    lfh_check_diag(c->d, LFH_SEV_ERROR, &st->mark, p->buf, NULL,
                   "stage '%s' is %s %s, expected %s %s", st->scalar, article(is), is,
                   article(want), want);
  }
  lfh_ypath_pop(p, o);
  if (!si || si->kind != kind) return;
  o = lfh_ypath_key(p, "options");
  lfh_config_check(si, get(ref, "options"), p->buf, &ref->mark, c->production, c->d);
  lfh_ypath_pop(p, o);
}

/* Where a flow names stages, and the kind each position takes. */
static const struct {
  const char *key;
  lf_stage_kind kind;
  int many;
} k_stage_slots[] = {{"source", LF_STAGE_SOURCE, 0},
                     {"transforms", LF_STAGE_TRANSFORM, 1},
                     {"hashers", LF_STAGE_HASHER, 1},
                     {"sink", LF_STAGE_SINK, 0}};

static void check_flow_stages(check_ctx *c, const lfh_node *flow, lfh_ypath *p) {
  for (size_t s = 0; s < LFH_ARRAY_LEN(k_stage_slots); s++) {
    const lfh_node *n = get(flow, k_stage_slots[s].key);
    size_t o = lfh_ypath_key(p, k_stage_slots[s].key);
    if (!k_stage_slots[s].many && is_map(n)) check_stage_ref(c, n, k_stage_slots[s].kind, p);
    for (size_t i = 0; k_stage_slots[s].many && is_seq(n) && i < n->n; i++) {
      size_t oi = lfh_ypath_index(p, i);
      if (is_map(n->items[i])) check_stage_ref(c, n->items[i], k_stage_slots[s].kind, p);
      lfh_ypath_pop(p, oi);
    }
    lfh_ypath_pop(p, o);
  }
}

static void check_stages(check_ctx *c) {
  const lfh_node *pipes = pipelines_of(c->root);
  for (size_t i = 0; pipes && i < pipes->n; i++) {
    const lfh_node *flows = get(pipes->entries[i].value, "flows");
    for (size_t k = 0; is_map(flows) && k < flows->n; k++) {
      lfh_ypath p;
      lfh_ypath_init(&p, "resources.pipelines");
      lfh_ypath_key(&p, pipes->entries[i].key);
      lfh_ypath_key(&p, "flows");
      lfh_ypath_key(&p, flows->entries[k].key);
      check_flow_stages(c, flows->entries[k].value, &p);
    }
  }
}

static void check_plugins(check_ctx *c) {
  if (!c->reg || !c->sp) return; /* nothing to load plugins with: stages stay unchecked */
  load_plugins(c);
  check_stages(c);
}

/* ------------------------------------------------------------ production mode */

/* The selected target's `mode` node in the raw tree (resolved from the merged tree when
 * the raw one is a reference). */
static const lfh_node *target_mode(const check_ctx *c) {
  if (!c->b->target) return NULL;
  const lfh_node *t = get(get(c->b->raw, "targets"), c->b->target);
  const lfh_node *mode = get(t, "mode");
  if (mode && !text(mode)) {
    const lfh_node *resolved = get(get(get(c->root, "targets"), c->b->target), "mode");
    if (text(resolved)) mode = resolved;
  }
  return mode;
}

static int has_root_path(const lfh_node *section) {
  const lfh_node *rp = get(get(section, "workspace"), "root_path");
  return rp && rp->kind == LFH_NODE_SCALAR && rp->scalar && rp->scalar[0];
}

static void check_production(check_ctx *c, const lfh_node *mode) {
  const char *t = c->b->target;
  const lfh_node *target = get(get(c->b->raw, "targets"), t);
  lfh_ypath p;
  lfh_ypath_init(&p, "targets");
  lfh_ypath_key(&p, t);
  lfh_ypath_key(&p, "mode");
  if (c->b->root_path_defaulted || (!has_root_path(target) && !has_root_path(c->b->raw)))
    lfh_check_diag(c->d, LFH_SEV_ERROR, mode ? &mode->mark : NULL, p.buf,
                   "set workspace.root_path in the target or at the top level",
                   "production mode requires an explicit workspace.root_path");
  const lfh_node *pipes = pipelines_of(c->root);
  for (size_t i = 0; pipes && i < pipes->n; i++) {
    const lfh_node *dev = get(pipes->entries[i].value, "development");
    if (!is_true(dev)) continue;
    lfh_ypath_init(&p, "resources.pipelines");
    lfh_ypath_key(&p, pipes->entries[i].key);
    lfh_ypath_key(&p, "development");
    lfh_check_diag(c->d, LFH_SEV_ERROR, &dev->mark, p.buf,
                   "remove it, or use a target with mode: development",
                   "development: true is not allowed in production mode");
  }
}

/* ------------------------------------------------------------ entry */

/* The raw tree first (every target, not only the selected one, and what the user wrote
 * before the loader added derived keys), then the resolved tree for what only resolution
 * tells (required keys after the merge, types of ${...} values). A mistake seen in both
 * is one diagnostic (lfh_check_diag drops the repeat). */
static void check_schema(check_ctx *c) {
  const lfh_schema *top = lfh_schema_bundle();
  if (c->b->raw) lfh_schema_check(top, c->b->raw, "", LFH_CHECK_PARTIAL, c->d);
  if (c->b->root) lfh_schema_check(top, c->b->root, "", LFH_CHECK_RESOLVED, c->d);
}

size_t lfh_bundle_check(lfh_bundle *b, lfh_registry *reg, const lfh_searchpath *sp,
                        lfh_diags *d) {
  if (!b || !d) return 0;
  size_t before = lfh_diags_count(d, LFH_SEV_ERROR);
  check_ctx c = {.b = b, .root = b->root ? b->root : b->raw, .reg = reg, .sp = sp, .d = d};
  const lfh_node *mode = target_mode(&c);
  const char *mode_name = b->mode ? b->mode : text(mode);
  c.production = mode_name && strcmp(mode_name, "production") == 0;
  check_schema(&c);
  check_pipelines(&c);
  check_jobs(&c);
  check_plugins(&c);
  lfh_bundle_check_exprs(c.root, reg, d); /* after the plugins: their stages type options */
  if (c.production && b->target) check_production(&c, mode);
  return lfh_diags_count(d, LFH_SEV_ERROR) - before;
}
