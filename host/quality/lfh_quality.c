/* lfh_quality — the expectation applier: verdicts, drop, quarantine, fail, metrics. */
#include "quality/lfh_quality.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lf/lf_array.h"
#include "loader/lfh_hostapi.h"
#include "quality/lfh_keyset.h"
#include "quality/lfh_row_json.h"
#include "util/lfh_take.h"
#include "util/lfh_clock.h"

#define KEY_MAX_DEPTH 16 /* nesting of a unique key column (a.b.c...) */
#define DEFAULT_VALUE_LEN 120

/* ------------------------------------------------------------ unique keys */

/* How to read one key column: child indices from the batch down to the leaf. */
typedef struct key_col {
  int64_t path[KEY_MAX_DEPTH];
  size_t depth;
  int kind;     /* 'b' bool, 'f' fixed width, 's' 32-bit offsets, 'S' 64-bit offsets */
  size_t width; /* 'f' only */
} key_col;

typedef struct rule_state {
  int64_t result_child; /* EXPR: child of the stage's result; -1 for UNIQUE */
  key_col *keys;        /* UNIQUE: one per column (owned) */
  lfh_keyset seen;      /* UNIQUE: keys of rows written so far in this flow run */
  uint8_t *kbuf;        /* UNIQUE: owned scratch, the current row's encoded key */
  size_t kcap, klen;
  uint64_t khash;
  int knull;            /* the current row's key has a NULL */
  int64_t passed, failed;
} rule_state;

struct lfh_quality {
  lfh_quality_rules rules; /* owned copy */
  rule_state *st;          /* owned, one per rule */
  struct ArrowSchema schema; /* owned copy of the batch schema */
  char *dataset, *flow;    /* owned */
  char **pii;              /* owned copies */
  size_t n_pii, max_value_len;
  int64_t dropped, quarantined;
};

/* Finds a child by name: an exact match first, else the only case-insensitive one. */
static int64_t child_named(const struct ArrowSchema *s, const char *name, size_t len) {
  int64_t found = -1, n_ci = 0;
  for (int64_t i = 0; i < s->n_children; i++) {
    const char *c = s->children[i]->name ? s->children[i]->name : "";
    if (strlen(c) != len) continue;
    if (strncmp(c, name, len) == 0) return i;
    if (strncasecmp(c, name, len) == 0) found = i, n_ci++;
  }
  return n_ci == 1 ? found : -1;
}

static int resolve_key(const struct ArrowSchema *schema, const char *path, key_col *k,
                       lf_error *err) {
  const struct ArrowSchema *s = schema;
  const char *p = path;
  memset(k, 0, sizeof *k);
  for (;;) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    int64_t i = strcmp(s->format, "+s") == 0 ? child_named(s, p, len) : -1;
    if (i < 0 || k->depth == KEY_MAX_DEPTH)
      return lf_error_set(err, LF_ERR_SCHEMA, "unique: unknown column '%s'", path);
    k->path[k->depth++] = i;
    s = s->children[i];
    if (!dot) break;
    p = dot + 1;
  }
  const char *f = s->format;
  size_t w = lfh_format_fixed_width(f);
  if (strcmp(f, "b") == 0) k->kind = 'b';
  else if (w > 0) k->kind = 'f', k->width = w;
  else if (strcmp(f, "u") == 0 || strcmp(f, "z") == 0) k->kind = 's';
  else if (strcmp(f, "U") == 0 || strcmp(f, "Z") == 0) k->kind = 'S';
  else
    return lf_error_set(err, LF_ERR_SCHEMA,
                        "unique: column '%s' has type '%s'; only non-nested columns can be keys",
                        path, f);
  return LF_OK;
}

static int bit_at(const void *bits, int64_t i) {
  return (((const uint8_t *)bits)[i >> 3] >> (i & 7)) & 1;
}

static int valid_at(const struct ArrowArray *a, int64_t phys) {
  const void *v = a->n_buffers > 0 ? a->buffers[0] : NULL;
  return !v || a->null_count == 0 || bit_at(v, phys);
}

static int key_reserve(rule_state *st, size_t need) {
  if (need <= st->kcap) return 0;
  size_t cap = st->kcap ? st->kcap : 64;
  while (cap < need) cap *= 2;
  uint8_t *b = realloc(st->kbuf, cap);
  if (!b) return -1;
  st->kbuf = b;
  st->kcap = cap;
  return 0;
}

/* Appends column k's value of `row` to the key at *len. Returns 1 when the value is NULL
 * (a NULL parent struct included), 0 when appended, -1 on ENOMEM. */
static int key_append(rule_state *st, const struct ArrowArray *batch, const key_col *k,
                      int64_t row, size_t *len) {
  const struct ArrowArray *a = batch;
  int64_t phys = batch->offset + row;
  for (size_t d = 0; d < k->depth; d++) {
    a = a->children[k->path[d]];
    phys += a->offset; /* a struct's offset reaches its children */
    if (!valid_at(a, phys)) return 1;
  }
  const uint8_t *src = NULL;
  size_t n = 0;
  uint8_t bit;
  uint64_t n64;
  if (k->kind == 'b') {
    bit = (uint8_t)bit_at(a->buffers[1], phys);
    src = &bit, n = 1;
  } else if (k->kind == 'f') {
    src = (const uint8_t *)a->buffers[1] + (size_t)phys * k->width, n = k->width;
  } else {
    int64_t b = k->kind == 's' ? ((const int32_t *)a->buffers[1])[phys]
                               : ((const int64_t *)a->buffers[1])[phys];
    int64_t e = k->kind == 's' ? ((const int32_t *)a->buffers[1])[phys + 1]
                               : ((const int64_t *)a->buffers[1])[phys + 1];
    src = (const uint8_t *)a->buffers[2] + b, n = (size_t)(e - b);
  }
  /* Variable-size values carry their length, so ("ab","c") != ("a","bc"). */
  size_t prefix = k->kind == 's' || k->kind == 'S' ? sizeof n64 : 0;
  if (key_reserve(st, *len + prefix + n) != 0) return -1;
  if (prefix) {
    n64 = n;
    memcpy(st->kbuf + *len, &n64, sizeof n64);
  }
  if (n) memcpy(st->kbuf + *len + prefix, src, n);
  *len += prefix + n;
  return 0;
}

/* Encodes rule r's key of `row` into st->kbuf/klen/khash; st->knull when a key column is
 * NULL. 0, or -1 on ENOMEM. */
static int key_of(const lfh_quality_rule *r, rule_state *st, const struct ArrowArray *batch,
                  int64_t row) {
  st->klen = 0;
  st->knull = 0;
  for (size_t c = 0; c < r->n_columns; c++) {
    int rc = key_append(st, batch, &st->keys[c], row, &st->klen);
    if (rc < 0) return rc;
    if (rc == 1) {
      st->knull = 1;
      return 0;
    }
  }
  st->khash = lfh_keyset_hash(st->kbuf, st->klen);
  return 0;
}

/* ------------------------------------------------------------ open / close */

void lfh_quality_close(lfh_quality *q) {
  if (!q) return;
  for (size_t i = 0; q->st && i < q->rules.n; i++) {
    free(q->st[i].keys);
    free(q->st[i].kbuf);
    lfh_keyset_free(&q->st[i].seen);
  }
  free(q->st);
  lfh_quality_rules_free(&q->rules);
  lf_schema_release(&q->schema);
  free(q->dataset);
  free(q->flow);
  for (size_t i = 0; i < q->n_pii; i++) free(q->pii[i]);
  free(q->pii);
  free(q);
}

static int bind_rule(lfh_quality *q, size_t i, const struct ArrowSchema *result_schema,
                     lf_error *err) {
  const lfh_quality_rule *r = &q->rules.items[i];
  rule_state *st = &q->st[i];
  lfh_keyset_init(&st->seen);
  st->result_child = -1;
  if (r->kind == LFH_RULE_UNIQUE) {
    st->keys = calloc(r->n_columns, sizeof *st->keys);
    if (!st->keys) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < r->n_columns; c++) {
      int rc = resolve_key(&q->schema, r->columns[c], &st->keys[c], err);
      if (rc != LF_OK) return rc;
    }
    return LF_OK;
  }
  for (int64_t c = 0; result_schema && c < result_schema->n_children; c++) {
    const struct ArrowSchema *cs = result_schema->children[c];
    if (cs->name && strcmp(cs->name, r->name) == 0) st->result_child = c;
  }
  if (st->result_child < 0)
    return lf_error_set(err, LF_ERR_SCHEMA, "the expectation stage gave no result for '%s'",
                        r->name);
  const char *f = result_schema->children[st->result_child]->format;
  if (!f || strcmp(f, "b") != 0)
    return lf_error_set(err, LF_ERR_SCHEMA, "the expectation stage's result for '%s' is '%s', "
                        "not boolean", r->name, f ? f : "?");
  return LF_OK;
}

static int copy_opts(lfh_quality *q, const lfh_quality_opts *o, lf_error *err) {
  q->dataset = strdup(o->dataset);
  q->flow = o->flow ? strdup(o->flow) : NULL;
  q->max_value_len = o->max_value_len ? o->max_value_len : DEFAULT_VALUE_LEN;
  q->pii = o->n_pii ? calloc(o->n_pii, sizeof *q->pii) : NULL;
  int ok = q->dataset && (!o->flow || q->flow) && (!o->n_pii || q->pii);
  for (size_t i = 0; ok && i < o->n_pii; i++) {
    q->pii[i] = strdup(o->pii_columns[i] ? o->pii_columns[i] : "");
    ok = q->pii[i] != NULL;
    q->n_pii += ok;
  }
  return ok ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "out of memory");
}

int lfh_quality_open(const lfh_quality_rules *rules, const struct ArrowSchema *batch_schema,
                     const struct ArrowSchema *result_schema, const lfh_quality_opts *opts,
                     lfh_quality **out, lf_error *err) {
  *out = NULL;
  if (!rules || !batch_schema || !opts || !opts->dataset)
    return lf_error_set(err, LF_ERR_INVALID, "lfh_quality_open: missing rules, schema or dataset");
  if (!batch_schema->format || strcmp(batch_schema->format, "+s") != 0)
    return lf_error_set(err, LF_ERR_SCHEMA, "expectations need a struct batch schema");
  lfh_quality *q = calloc(1, sizeof *q);
  if (!q) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  int rc = lfh_quality_rules_copy(&q->rules, rules, err);
  if (rc == LF_OK) rc = lf_schema_copy(&q->schema, batch_schema, err);
  if (rc == LF_OK) rc = copy_opts(q, opts, err);
  if (rc == LF_OK && !(q->st = calloc(q->rules.n ? q->rules.n : 1, sizeof *q->st)))
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  for (size_t i = 0; rc == LF_OK && i < q->rules.n; i++) rc = bind_rule(q, i, result_schema, err);
  if (rc != LF_OK) {
    lfh_quality_close(q);
    return rc;
  }
  *out = q;
  return LF_OK;
}

/* ------------------------------------------------------------ verdicts */

/* One batch being applied: pass[r * n + i] is 1 where row i passes rule r. */
typedef struct apply_ctx {
  lfh_quality *q;
  const struct ArrowArray *batch;
  int64_t n;
  uint8_t *pass; /* owned, rules x rows */
  uint8_t *drop; /* owned, rows */
  uint8_t *quar; /* owned, rows */
  size_t *marks; /* owned: each rule's keyset size before this batch */
} apply_ctx;

static int read_results(apply_ctx *c, const struct ArrowArray *res, lf_error *err) {
  lfh_quality *q = c->q;
  if (lfh_quality_rules_n_expr(&q->rules) == 0) return LF_OK;
  if (!res || !res->release || res->length != c->n || !res->children)
    return lf_error_set(err, LF_ERR_DATA, "the expectation stage's result has %lld rows, the "
                        "batch %lld", res ? (long long)res->length : -1LL, (long long)c->n);
  for (size_t r = 0; r < q->rules.n; r++) {
    int64_t ci = q->st[r].result_child;
    if (ci < 0) continue;
    if (ci >= res->n_children || res->children[ci]->n_buffers != 2 ||
        res->children[ci]->length < res->offset + c->n ||
        (c->n > 0 && !res->children[ci]->buffers[1]))
      return lf_error_set(err, LF_ERR_DATA, "the expectation stage's result for '%s' is malformed",
                          q->rules.items[r].name);
    const struct ArrowArray *col = res->children[ci];
    uint8_t *p = c->pass + r * (size_t)c->n;
    int64_t base = res->offset + col->offset;
    /* A NULL verdict (the contract says there are none) counts as a failure. */
    for (int64_t i = 0; i < c->n; i++)
      p[i] = (uint8_t)(bit_at(col->buffers[1], base + i) && valid_at(col, base + i));
  }
  return LF_OK;
}

/* Rows failing any drop rule so far (expression rules; unique rules add theirs later). */
static void mark_drops(apply_ctx *c, uint32_t kind) {
  for (size_t r = 0; r < c->q->rules.n; r++) {
    const lfh_quality_rule *x = &c->q->rules.items[r];
    if (x->kind != kind || x->on_violation != LFH_ON_VIOLATION_DROP) continue;
    const uint8_t *p = c->pass + r * (size_t)c->n;
    for (int64_t i = 0; i < c->n; i++) c->drop[i] |= !p[i];
  }
}

/* Unique verdicts, row by row: a key seen in an earlier batch, or in an earlier row of
 * this batch that is kept, fails. Only rows that are written remember their key. */
static int check_unique(apply_ctx *c, lf_error *err) {
  lfh_quality *q = c->q;
  for (int64_t i = 0; i < c->n; i++) {
    for (size_t r = 0; r < q->rules.n; r++) {
      const lfh_quality_rule *x = &q->rules.items[r];
      rule_state *st = &q->st[r];
      if (x->kind != LFH_RULE_UNIQUE) continue;
      if (key_of(x, st, c->batch, i) != 0) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
      /* A NULL key is never a duplicate (as a SQL UNIQUE constraint). */
      int seen = !st->knull && lfh_keyset_contains(&st->seen, st->khash, st->kbuf, st->klen);
      c->pass[r * (size_t)c->n + (size_t)i] = (uint8_t)!seen;
      if (seen && x->on_violation == LFH_ON_VIOLATION_DROP) c->drop[i] = 1;
    }
    if (c->drop[i]) continue;
    for (size_t r = 0; r < q->rules.n; r++) {
      rule_state *st = &q->st[r];
      if (q->rules.items[r].kind != LFH_RULE_UNIQUE || st->knull) continue;
      if (!c->pass[r * (size_t)c->n + (size_t)i]) continue;
      if (lfh_keyset_add(&st->seen, st->khash, st->kbuf, st->klen) != 0)
        return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    }
  }
  return LF_OK;
}

/* ------------------------------------------------------------ fail */

static void describe_rule(const lfh_quality_rule *x, char *buf, size_t cap) {
  if (x->kind == LFH_RULE_EXPR) {
    snprintf(buf, cap, "%s", x->expr);
    return;
  }
  size_t at = (size_t)snprintf(buf, cap, "unique(");
  for (size_t i = 0; i < x->n_columns && at < cap; i++)
    at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? ", " : "", x->columns[i]);
  if (at < cap) snprintf(buf + at, cap - at, ")");
}

/* LF_ERR_DATA naming the rule, the dataset, the flow and the first failing row. */
static int fail_error(apply_ctx *c, size_t r, lf_error *err) {
  lfh_quality *q = c->q;
  const lfh_quality_rule *x = &q->rules.items[r];
  const uint8_t *p = c->pass + r * (size_t)c->n;
  int64_t first = -1, failed = 0;
  for (int64_t i = 0; i < c->n; i++)
    if (!p[i]) failed++, first = first < 0 ? i : first;
  char what[512], *row = lfh_row_json(&q->schema, c->batch, first,
                                      (const char *const *)q->pii, q->n_pii, q->max_value_len);
  describe_rule(x, what, sizeof what);
  char *text = NULL;
  int n = asprintf(&text, "expectation '%s' failed on dataset '%s'%s%s%s: %lld of %lld rows "
                   "violate %s; first failing row: %s", x->name, q->dataset,
                   q->flow ? " (flow '" : "", q->flow ? q->flow : "", q->flow ? "')" : "",
                   (long long)failed, (long long)c->n, what, row ? row : "<unavailable>");
  free(row);
  char *safe = n >= 0 ? lfh_redact(text) : NULL; /* secret values that sit in the data */
  int rc = lf_error_set(err, LF_ERR_DATA, "%s", safe ? safe : "an expectation failed (out of memory)");
  free(safe);
  if (n >= 0) free(text);
  return rc;
}

/* The first `fail` rule of `kind` with a failing row, or -1. */
static int64_t failing_rule(const apply_ctx *c, uint32_t kind) {
  for (size_t r = 0; r < c->q->rules.n; r++) {
    const lfh_quality_rule *x = &c->q->rules.items[r];
    if (x->kind != kind || x->on_violation != LFH_ON_VIOLATION_FAIL) continue;
    const uint8_t *p = c->pass + r * (size_t)c->n;
    for (int64_t i = 0; i < c->n; i++)
      if (!p[i]) return (int64_t)r;
  }
  return -1;
}

static void rollback_unique(apply_ctx *c) {
  for (size_t r = 0; r < c->q->rules.n; r++)
    if (c->q->rules.items[r].kind == LFH_RULE_UNIQUE)
      lfh_keyset_truncate(&c->q->st[r].seen, c->marks[r]);
}

/* ------------------------------------------------------------ outputs */

/* The two added columns of the quarantine rows `rows`. */
static int quarantine_columns(apply_ctx *c, const int64_t *rows, int64_t nq, int64_t now_us,
                              struct ArrowArray *names, struct ArrowArray *at, lf_error *err) {
  lfh_quality *q = c->q;
  lf_builder *lb = lf_builder_new(LF_FORMAT_LIST, LFH_QUARANTINE_RULES_COLUMN);
  lf_builder *item = lb ? lf_builder_add_child(lb, LF_FORMAT_UTF8, "item") : NULL;
  lf_builder *tb = lf_builder_new(LF_FORMAT_TIMESTAMP, LFH_QUARANTINE_TIME_COLUMN);
  if (!item || !tb) {
    lf_builder_free(lb);
    lf_builder_free(tb);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  }
  lf_builder_set_nullable(lb, 0);
  lf_builder_set_nullable(item, 0);
  lf_builder_set_nullable(tb, 0);
  int64_t ts = now_us ? now_us : lfh_wall_us();
  for (int64_t k = 0; k < nq; k++) {
    for (size_t r = 0; r < q->rules.n; r++)
      if (!c->pass[r * (size_t)c->n + (size_t)rows[k]])
        lf_builder_append_cstr(item, q->rules.items[r].name);
    lf_builder_append_list(lb);
    lf_builder_append_timestamp(tb, ts);
  }
  int rc = lf_builder_finish(lb, names, NULL, err);
  int rc2 = lf_builder_finish(tb, at, NULL, err);
  if (rc == LF_OK && rc2 == LF_OK) return LF_OK;
  lf_array_release(names);
  lf_array_release(at);
  return rc != LF_OK ? rc : rc2;
}

static int build_quarantine(apply_ctx *c, int64_t now_us, struct ArrowArray *out, lf_error *err) {
  lfh_quality *q = c->q;
  int64_t nq = lfh_mask_count(c->quar, c->n), k = 0;
  int64_t *rows = malloc((size_t)(nq ? nq : 1) * sizeof *rows);
  int64_t nc = q->schema.n_children;
  struct ArrowArray *cols = calloc((size_t)nc + 2, sizeof *cols), taken;
  memset(&taken, 0, sizeof taken);
  int rc = rows && cols ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  for (int64_t i = 0; rc == LF_OK && i < c->n; i++)
    if (c->quar[i]) rows[k++] = i;
  if (rc == LF_OK) rc = lfh_take(&q->schema, c->batch, rows, nq, &taken, err);
  if (rc == LF_OK) rc = quarantine_columns(c, rows, nq, now_us, &cols[nc], &cols[nc + 1], err);
  if (rc == LF_OK) {
    /* The taken columns move into the new struct beside the two added ones. */
    for (int64_t i = 0; i < nc; i++) lf_array_move(taken.children[i], &cols[i]);
    rc = lf_array_make_struct(out, nq, 0, cols, nc + 2, err);
  }
  lf_array_release(&taken);
  for (int64_t i = 0; rc != LF_OK && cols && i < nc + 2; i++) lf_array_release(&cols[i]);
  free(cols);
  free(rows);
  return rc;
}

static void count_verdicts(apply_ctx *c) {
  lfh_quality *q = c->q;
  for (size_t r = 0; r < q->rules.n; r++) {
    int64_t failed = c->n - lfh_mask_count(c->pass + r * (size_t)c->n, c->n);
    q->st[r].failed += failed;
    q->st[r].passed += c->n - failed;
  }
}

static void mark_quarantine(apply_ctx *c) {
  for (size_t r = 0; r < c->q->rules.n; r++) {
    if (!c->q->rules.items[r].quarantine) continue;
    const uint8_t *p = c->pass + r * (size_t)c->n;
    for (int64_t i = 0; i < c->n; i++) c->quar[i] |= !p[i];
  }
}

/* Everything after the verdicts: quarantine rows, kept rows, counters. */
static int produce(apply_ctx *c, struct ArrowArray *batch, int64_t now_us, lfh_quality_out *out,
                   lf_error *err) {
  mark_quarantine(c);
  int64_t nq = lfh_mask_count(c->quar, c->n), nd = lfh_mask_count(c->drop, c->n);
  int rc = nq > 0 ? build_quarantine(c, now_us, &out->quarantine, err) : LF_OK;
  if (rc == LF_OK && nd == 0) {
    lf_array_move(batch, &out->kept); /* nothing dropped: the batch itself is the output */
  } else if (rc == LF_OK) {
    for (int64_t i = 0; i < c->n; i++) c->drop[i] = !c->drop[i]; /* now: keep */
    rc = lfh_filter(&c->q->schema, batch, c->drop, &out->kept, err);
  }
  if (rc != LF_OK) {
    lf_array_release(&out->quarantine);
    return rc;
  }
  count_verdicts(c);
  out->n_dropped = nd;
  out->n_quarantined = nq;
  c->q->dropped += nd;
  c->q->quarantined += nq;
  return LF_OK;
}

int lfh_quality_apply(lfh_quality *q, struct ArrowArray *batch, const struct ArrowArray *results,
                      int64_t now_us, lfh_quality_out *out, lf_error *err) {
  memset(out, 0, sizeof *out);
  if (!q || !batch || !batch->release) {
    lf_array_release(batch);
    return lf_error_set(err, LF_ERR_INVALID, "lfh_quality_apply: no batch");
  }
  apply_ctx c = {q, batch, batch->length, NULL, NULL, NULL, NULL};
  size_t cells = q->rules.n * (size_t)c.n;
  c.pass = malloc(cells ? cells : 1);
  c.drop = calloc((size_t)c.n + 1, 1);
  c.quar = calloc((size_t)c.n + 1, 1);
  c.marks = calloc(q->rules.n + 1, sizeof *c.marks);
  int rc = c.pass && c.drop && c.quar && c.marks ? LF_OK
                                                  : lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  for (size_t r = 0; rc == LF_OK && r < q->rules.n; r++) c.marks[r] = q->st[r].seen.n;
  if (rc == LF_OK) rc = read_results(&c, results, err);
  int64_t bad = rc == LF_OK ? failing_rule(&c, LFH_RULE_EXPR) : -1;
  if (bad >= 0) rc = fail_error(&c, (size_t)bad, err);
  if (rc == LF_OK) {
    mark_drops(&c, LFH_RULE_EXPR);
    rc = check_unique(&c, err);
    bad = rc == LF_OK ? failing_rule(&c, LFH_RULE_UNIQUE) : -1;
    if (bad >= 0) rc = fail_error(&c, (size_t)bad, err);
  }
  if (rc == LF_OK) rc = produce(&c, batch, now_us, out, err);
  if (rc != LF_OK) rollback_unique(&c);
  lf_array_release(batch); /* moved into out->kept, filtered, or abandoned */
  free(c.pass);
  free(c.drop);
  free(c.quar);
  free(c.marks);
  return rc;
}

/* ------------------------------------------------------------ schema, metrics */

int lfh_quality_quarantine_schema(const struct ArrowSchema *dataset_schema,
                                  struct ArrowSchema *out, lf_error *err) {
  memset(out, 0, sizeof *out);
  if (!dataset_schema || !dataset_schema->format || strcmp(dataset_schema->format, "+s") != 0)
    return lf_error_set(err, LF_ERR_SCHEMA, "a quarantine table needs a struct schema");
  for (int64_t i = 0; i < dataset_schema->n_children; i++) {
    const char *n = dataset_schema->children[i]->name;
    if (n && (strcasecmp(n, LFH_QUARANTINE_RULES_COLUMN) == 0 ||
              strcasecmp(n, LFH_QUARANTINE_TIME_COLUMN) == 0))
      return lf_error_set(err, LF_ERR_SCHEMA, "the dataset already has a column '%s', which its "
                          "quarantine table adds", n);
  }
  struct ArrowSchema *list = NULL;
  int rc = lf_schema_copy(out, dataset_schema, err);
  if (rc == LF_OK)
    rc = lf_schema_add_child(out, LF_FORMAT_LIST, LFH_QUARANTINE_RULES_COLUMN, 0, &list, err);
  if (rc == LF_OK) rc = lf_schema_add_child(list, LF_FORMAT_UTF8, "item", 0, NULL, err);
  if (rc == LF_OK)
    rc = lf_schema_add_child(out, LF_FORMAT_TIMESTAMP, LFH_QUARANTINE_TIME_COLUMN, 0, NULL, err);
  if (rc != LF_OK) lf_schema_release(out);
  return rc;
}

size_t lfh_quality_n_rules(const lfh_quality *q) { return q->rules.n; }

const lfh_quality_rule *lfh_quality_rule_at(const lfh_quality *q, size_t i) {
  return i < q->rules.n ? &q->rules.items[i] : NULL;
}

void lfh_quality_rule_counts(const lfh_quality *q, size_t i, int64_t *passed, int64_t *failed) {
  if (passed) *passed = i < q->rules.n ? q->st[i].passed : 0;
  if (failed) *failed = i < q->rules.n ? q->st[i].failed : 0;
}

int64_t lfh_quality_dropped(const lfh_quality *q) { return q->dropped; }
int64_t lfh_quality_quarantined(const lfh_quality *q) { return q->quarantined; }

json_t *lfh_quality_metrics_json(const lfh_quality *q) {
  json_t *list = json_array();
  for (size_t i = 0; list && i < q->rules.n; i++) {
    json_t *e = json_pack("{s:s,s:s,s:I,s:I}", "name", q->rules.items[i].name, "dataset",
                          q->dataset, "passed_records", (json_int_t)q->st[i].passed,
                          "failed_records", (json_int_t)q->st[i].failed);
    if (!e || json_array_append_new(list, e) != 0) {
      json_decref(list);
      return NULL;
    }
  }
  return list ? json_pack("{s:I,s:o}", "dropped_records", (json_int_t)q->dropped,
                          "expectations", list)
              : NULL;
}
