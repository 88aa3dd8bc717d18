/*
 * lfh_eventlog_query — events read back with lfh_table_scan, columns found by name (so a
 * table evolved with more columns still reads), and the run history folded from them.
 */
#include "util/lfh_mem.h"
#include "eventlog/lfh_eventlog_query.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog/lfh_eventlog_schema.h"
#include "lf/lf_array.h"
#include "table/lfh_table.h"

/* ------------------------------------------------------------ list */

static void event_free(lfh_event *e) {
  free(e->id);
  free(e->update_id);
  free(e->pipeline_id);
  free(e->pipeline_name);
  free(e->flow_id);
  free(e->flow_name);
  free(e->dataset_name);
  free(e->level);
  free(e->maturity_level);
  free(e->event_type);
  free(e->message);
  free(e->details);
  free(e->error_message);
}

void lfh_event_list_free(lfh_event_list *l) {
  for (size_t i = 0; i < l->n; i++) event_free(&l->items[i]);
  free(l->items);
  memset(l, 0, sizeof *l);
}

static int cmp_event(const void *pa, const void *pb) {
  const lfh_event *a = pa, *b = pb;
  if (a->timestamp_us != b->timestamp_us) return a->timestamp_us < b->timestamp_us ? -1 : 1;
  if (a->seq_no != b->seq_no) return a->seq_no < b->seq_no ? -1 : 1;
  return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

void lfh_event_list_sort(lfh_event_list *l) {
  if (l->n > 1) qsort(l->items, l->n, sizeof *l->items, cmp_event);
}

void lfh_event_list_keep_last(lfh_event_list *l, size_t keep) {
  if (l->n <= keep) return;
  size_t drop = l->n - keep;
  for (size_t i = 0; i < drop; i++) event_free(&l->items[i]);
  memmove(l->items, l->items + drop, keep * sizeof *l->items);
  l->n = keep;
}

const char *lfh_event_list_latest_update(const lfh_event_list *l) {
  for (size_t i = l->n; i-- > 0;)
    if (l->items[i].update_id && l->items[i].event_type &&
        strcmp(l->items[i].event_type, "create_update") == 0)
      return l->items[i].update_id;
  return NULL;
}

/* ------------------------------------------------------------ reading */

typedef struct read_ctx {
  const lfh_event_filter *f;
  lfh_event_list *out;
  lf_error *err;
} read_ctx;

/* The views of one batch; `ok` per column tells which ones exist. */
typedef struct ev_views {
  lf_view col[LFH_EV_N_COLUMNS];
  lf_view seq[LFH_EV_SEQ_N];
  lf_view origin[LFH_EV_ORIGIN_N];
  lf_view error[LFH_EV_ERROR_N];
  int has_col[LFH_EV_N_COLUMNS], has_seq[LFH_EV_SEQ_N], has_origin[LFH_EV_ORIGIN_N],
      has_error[LFH_EV_ERROR_N];
} ev_views;

static void find_children(const lf_view *parent, const char *const *names, size_t n,
                          lf_view *views, int *has) {
  for (int64_t i = 0; i < lf_view_n_children(parent); i++) {
    lf_view c;
    if (lf_view_child(parent, i, &c) != LF_OK) continue;
    for (size_t k = 0; k < n; k++)
      if (!has[k] && strcmp(lf_view_name(&c), names[k]) == 0) {
        views[k] = c;
        has[k] = 1;
      }
  }
}

static char *str_at(const lf_view *v, int has, int64_t row) {
  if (!has || v->type != LF_TYPE_UTF8 || !lf_view_is_valid(v, row)) return NULL;
  size_t len = 0;
  const char *s = lf_view_utf8(v, row, &len);
  return lfh_memdup_str(s, len);
}

/* 1 when `s` is one of the comma-separated `list` (NULL list: everything passes). */
static int in_list(const char *list, const char *s) {
  if (!list) return 1;
  if (!s) return 0;
  size_t n = strlen(s);
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, s, n) == 0) return 1;
    if (!end) break;
    p = end + 1;
  }
  return 0;
}

static int passes(const lfh_event_filter *f, const lfh_event *e) {
  if (!f) return 1;
  if (f->update_id && (!e->update_id || strcmp(f->update_id, e->update_id) != 0)) return 0;
  if (!in_list(f->event_types, e->event_type) || !in_list(f->level, e->level)) return 0;
  if (f->flow && !(e->flow_name && strcmp(e->flow_name, f->flow) == 0) &&
      !(e->dataset_name && strcmp(e->dataset_name, f->flow) == 0))
    return 0;
  return 1;
}

static int read_row(const ev_views *v, int64_t r, lfh_event *e) {
  memset(e, 0, sizeof *e);
  e->id = str_at(&v->col[LFH_EV_ID], v->has_col[LFH_EV_ID], r);
  e->update_id = str_at(&v->seq[LFH_EV_SEQ_UPDATE_ID], v->has_seq[LFH_EV_SEQ_UPDATE_ID], r);
  if (v->has_seq[LFH_EV_SEQ_SEQ_NO] && lf_view_is_valid(&v->seq[LFH_EV_SEQ_SEQ_NO], r))
    e->seq_no = lf_view_int64(&v->seq[LFH_EV_SEQ_SEQ_NO], r);
  char **origin[LFH_EV_ORIGIN_N] = {&e->pipeline_id, &e->pipeline_name, NULL, &e->flow_id,
                                    &e->flow_name, &e->dataset_name};
  for (int k = 0; k < LFH_EV_ORIGIN_N; k++)
    if (origin[k]) *origin[k] = str_at(&v->origin[k], v->has_origin[k], r);
  if (v->has_col[LFH_EV_TIMESTAMP] && lf_view_is_valid(&v->col[LFH_EV_TIMESTAMP], r))
    e->timestamp_us = lf_view_int64(&v->col[LFH_EV_TIMESTAMP], r);
  e->level = str_at(&v->col[LFH_EV_LEVEL], v->has_col[LFH_EV_LEVEL], r);
  e->maturity_level =
      str_at(&v->col[LFH_EV_MATURITY_LEVEL], v->has_col[LFH_EV_MATURITY_LEVEL], r);
  e->event_type = str_at(&v->col[LFH_EV_EVENT_TYPE], v->has_col[LFH_EV_EVENT_TYPE], r);
  e->message = str_at(&v->col[LFH_EV_MESSAGE], v->has_col[LFH_EV_MESSAGE], r);
  e->details = str_at(&v->col[LFH_EV_DETAILS], v->has_col[LFH_EV_DETAILS], r);
  if (v->has_col[LFH_EV_ERROR] && lf_view_is_valid(&v->col[LFH_EV_ERROR], r)) {
    e->has_error = 1;
    if (v->has_error[LFH_EV_ERROR_FATAL] && lf_view_is_valid(&v->error[LFH_EV_ERROR_FATAL], r))
      e->error_fatal = lf_view_bool(&v->error[LFH_EV_ERROR_FATAL], r) != 0;
    e->error_message =
        str_at(&v->error[LFH_EV_ERROR_MESSAGE], v->has_error[LFH_EV_ERROR_MESSAGE], r);
  }
  return e->id && e->event_type ? LF_OK : LF_ERR_DATA;
}

static int on_batch(void *vctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  read_ctx *ctx = vctx;
  ev_views v;
  lf_view root;
  memset(&v, 0, sizeof v);
  int rc = lf_view_init(&root, schema, batch, ctx->err);
  if (rc != LF_OK) goto done;
  find_children(&root, lfh_ev_column_names, LFH_EV_N_COLUMNS, v.col, v.has_col);
  if (v.has_col[LFH_EV_SEQUENCE])
    find_children(&v.col[LFH_EV_SEQUENCE], lfh_ev_seq_names, LFH_EV_SEQ_N, v.seq, v.has_seq);
  if (v.has_col[LFH_EV_ORIGIN])
    find_children(&v.col[LFH_EV_ORIGIN], lfh_ev_origin_names, LFH_EV_ORIGIN_N, v.origin,
                  v.has_origin);
  if (v.has_col[LFH_EV_ERROR])
    find_children(&v.col[LFH_EV_ERROR], lfh_ev_error_names, LFH_EV_ERROR_N, v.error,
                  v.has_error);
  for (int64_t r = 0; r < root.length; r++) {
    lfh_event e;
    if (read_row(&v, r, &e) != LF_OK) {
      event_free(&e);
      rc = lf_error_set(ctx->err, LF_ERR_DATA, "event log row without id or event_type "
                        "(or out of memory)");
      goto done;
    }
    if (!passes(ctx->f, &e)) {
      event_free(&e);
      continue;
    }
    lfh_event_list *l = ctx->out;
    if (l->n == l->cap) {
      size_t cap = l->cap ? l->cap * 2 : 64;
      lfh_event *items = realloc(l->items, cap * sizeof *items);
      if (!items) {
        event_free(&e);
        rc = lf_error_set(ctx->err, LF_ERR_NOMEM, "out of memory reading the event log");
        goto done;
      }
      l->items = items;
      l->cap = cap;
    }
    l->items[l->n++] = e;
  }
done:
  lf_array_release(batch);
  return rc;
}

int lfh_eventlog_read(lfh_store *store, const char *prefix, const lfh_event_filter *f,
                      lfh_event_list *out, lf_error *err) {
  lfh_table *t = NULL;
  int rc = lfh_table_open(store, prefix, &t, err);
  if (rc != LF_OK) return rc;
  read_ctx ctx = {f, out, err};
  lfh_scan_opts o;
  memset(&o, 0, sizeof o);
  rc = lfh_table_scan(t, &o, on_batch, &ctx, err);
  lfh_table_close(t);
  lfh_event_list_sort(out);
  return rc;
}

void lfh_event_list_filter(lfh_event_list *l, const lfh_event_filter *f) {
  size_t k = 0;
  for (size_t i = 0; i < l->n; i++) {
    if (passes(f, &l->items[i])) l->items[k++] = l->items[i];
    else event_free(&l->items[i]);
  }
  l->n = k;
}

int lfh_event_list_resolve_update(const lfh_event_list *l, const char *arg, const char **id,
                                  lf_error *err) {
  *id = NULL;
  if (strcmp(arg, "latest") == 0) {
    *id = lfh_event_list_latest_update(l);
    return *id ? LF_OK : lf_error_set(err, LF_ERR_NOT_FOUND, "the event log holds no update");
  }
  size_t len = strlen(arg);
  const char *other = NULL;
  for (size_t i = 0; i < l->n; i++) {
    const char *u = l->items[i].update_id;
    if (!u || strncmp(u, arg, len) != 0) continue;
    if (strcmp(u, arg) == 0) {
      *id = u;
      return LF_OK;
    }
    if (!*id) *id = u;
    else if (strcmp(*id, u) != 0) other = u;
  }
  if (*id && other) {
    int rc = lf_error_set(err, LF_ERR_CONFLICT, "update '%s' is ambiguous: %s, %s, ...", arg,
                          *id, other);
    *id = NULL;
    return rc;
  }
  if (*id && len == 0) *id = NULL;
  return *id ? LF_OK : lf_error_set(err, LF_ERR_NOT_FOUND, "no update '%s' in the event log",
                                    arg);
}

/* ------------------------------------------------------------ runs */

void lfh_runs_free(lfh_run *runs, size_t n) {
  for (size_t i = 0; runs && i < n; i++) {
    free(runs[i].update_id);
    free(runs[i].pipeline_id);
    free(runs[i].pipeline_name);
    free(runs[i].cause);
    free(runs[i].state);
    free(runs[i].error);
  }
  free(runs);
}

static int is_final(const char *state) {
  return state && (!strcmp(state, "COMPLETED") || !strcmp(state, "FAILED") ||
                   !strcmp(state, "CANCELED"));
}

/* Distinct flows per run are counted over a small list of names kept per run. */
typedef struct flow_names {
  char **names;
  size_t n, cap;
} flow_names;

/* Runs being folded, with each run's flow names at the same index. */
typedef struct run_acc {
  lfh_run *runs;
  flow_names *flows;
  size_t n, cap;
} run_acc;

/* The index of the run of e's update, appended when new; -1 when out of memory. */
static long run_for(run_acc *a, const lfh_event *e) {
  for (size_t i = a->n; i-- > 0;)
    if (strcmp(a->runs[i].update_id, e->update_id) == 0) return (long)i;
  if (a->n == a->cap) {
    size_t c = a->cap ? a->cap * 2 : 16;
    lfh_run *r = realloc(a->runs, c * sizeof *r);
    if (r) a->runs = r;
    flow_names *f = r ? realloc(a->flows, c * sizeof *f) : NULL;
    if (!f) return -1;
    a->flows = f;
    a->cap = c;
  }
  lfh_run *r = &a->runs[a->n];
  memset(r, 0, sizeof *r);
  memset(&a->flows[a->n], 0, sizeof a->flows[a->n]);
  r->start_us = e->timestamp_us;
  r->end_us = -1;
  a->n++; /* counted first so that lfh_runs_free frees what was copied */
  r->update_id = strdup(e->update_id);
  r->pipeline_id = e->pipeline_id ? strdup(e->pipeline_id) : NULL;
  r->pipeline_name = e->pipeline_name ? strdup(e->pipeline_name) : NULL;
  if (!r->update_id || (e->pipeline_id && !r->pipeline_id) ||
      (e->pipeline_name && !r->pipeline_name))
    return -1;
  return (long)(a->n - 1);
}

static int add_flow(flow_names *fl, const char *name) {
  for (size_t i = 0; i < fl->n; i++)
    if (strcmp(fl->names[i], name) == 0) return 0;
  if (fl->n == fl->cap) {
    size_t c = fl->cap ? fl->cap * 2 : 8;
    char **p = realloc(fl->names, c * sizeof *p);
    if (!p) return -1;
    fl->names = p;
    fl->cap = c;
  }
  if (!(fl->names[fl->n] = strdup(name))) return -1;
  fl->n++;
  return 1;
}

static int64_t json_i64(json_t *j) { return json_is_integer(j) ? json_integer_value(j) : 0; }

static int fold_event(lfh_run *r, flow_names *fl, const lfh_event *e) {
  json_error_t je;
  json_t *d = e->details ? json_loads(e->details, 0, &je) : NULL;
  int rc = 0;
  if (!strcmp(e->event_type, "create_update")) {
    json_t *cu = json_object_get(d, "create_update");
    const char *cause = json_string_value(json_object_get(cu, "cause"));
    r->start_us = e->timestamp_us;
    r->full_refresh = json_is_true(json_object_get(cu, "full_refresh"));
    if (cause && !r->cause && !(r->cause = strdup(cause))) rc = -1;
  } else if (!strcmp(e->event_type, "update_progress")) {
    const char *st =
        json_string_value(json_object_get(json_object_get(d, "update_progress"), "state"));
    if (is_final(st) && !is_final(r->state)) {
      free(r->state);
      if (!(r->state = strdup(st))) rc = -1;
      r->end_us = e->timestamp_us;
      /* The update's own reason beats the first flow error seen before it. */
      const char *why = e->error_message ? e->error_message : NULL;
      if (rc == 0 && e->has_error && why) {
        free(r->error);
        if (!(r->error = strdup(why))) rc = -1;
      }
    }
  } else if (!strcmp(e->event_type, "flow_progress")) {
    json_t *fp = json_object_get(d, "flow_progress");
    r->rows_written += json_i64(json_object_get(json_object_get(fp, "metrics"),
                                                "num_output_rows"));
    r->dropped_records += json_i64(json_object_get(json_object_get(fp, "data_quality"),
                                                   "dropped_records"));
    const char *name = e->flow_name ? e->flow_name : e->flow_id;
    if (name) {
      int added = add_flow(fl, name);
      if (added < 0) rc = -1;
      else r->n_flows += (size_t)added;
    }
  }
  if (rc == 0 && e->has_error && !r->error) {
    const char *msg = e->error_message ? e->error_message : e->message;
    if (msg && !(r->error = strdup(msg))) rc = -1;
  }
  json_decref(d);
  return rc;
}

int lfh_eventlog_runs(const lfh_event_list *l, lfh_run **out, size_t *n, lf_error *err) {
  run_acc a = {NULL, NULL, 0, 0};
  int rc = LF_OK;
  *out = NULL;
  *n = 0;
  for (size_t i = 0; i < l->n && rc == LF_OK; i++) {
    const lfh_event *e = &l->items[i];
    if (!e->update_id || !e->event_type) continue;
    long k = run_for(&a, e);
    if (k < 0 || fold_event(&a.runs[k], &a.flows[k], e) != 0)
      rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory computing the run history");
  }
  for (size_t i = 0; i < a.n; i++) {
    if (rc == LF_OK && !a.runs[i].state && !(a.runs[i].state = strdup("RUNNING")))
      rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory computing the run history");
    for (size_t k = 0; k < a.flows[i].n; k++) free(a.flows[i].names[k]);
    free(a.flows[i].names);
  }
  free(a.flows);
  if (rc != LF_OK) {
    lfh_runs_free(a.runs, a.n);
    return rc;
  }
  *out = a.runs;
  *n = a.n;
  return LF_OK;
}
