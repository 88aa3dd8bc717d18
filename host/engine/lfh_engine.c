/* lfh_engine — one update: tables, full refresh, flows in order, modes, the event log. */
#include "engine/lfh_engine.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle/lfh_ddl.h"
#include "engine/lfh_engine_internal.h"
#include "lf/lf_array.h"
#include "loader/lfh_hostapi.h"
#include "util/lfh_clock.h"

int (*lfh_engine_fault_hook)(const char *flow, const char *step, uint64_t epoch) = NULL;

int lfh_update_fail(lfh_update *u, int rc, const char *fmt, ...) {
  if (u->res->error[0]) return rc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(u->res->error, sizeof u->res->error, fmt, ap);
  va_end(ap);
  return rc;
}

void lfh_update_warn_log(lfh_update *u, int rc, const char *what, const char *msg) {
  (void)u;
  lfh_log(NULL, LF_LOG_WARN, "event log: %s failed (%d): %s", what, rc, msg);
}

int lfh_update_fault(lfh_update *u, const char *flow, const char *step, uint64_t epoch) {
  if (u->fault_epoch >= 0 && (uint64_t)u->fault_epoch == epoch && !strcmp(u->fault_step, step)) {
    fprintf(stderr, "lfhost: LFHOST_FAULT %s:%" PRIu64 " (flow %s)\n", step, epoch, flow);
    fflush(NULL);
    _exit(99);
  }
  if (lfh_engine_fault_hook && lfh_engine_fault_hook(flow, step, epoch))
    return lfh_update_fail(u, LF_ERR_INTERNAL, "flow '%s': injected fault after step '%s' of "
                           "epoch %" PRIu64, flow, step, epoch);
  return LF_OK;
}

static int contains(const char *const *v, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i], s)) return 1;
  return 0;
}

/* The datasets this update touches (NULL selection: all). */
static int selected(const lfh_run_opts *o, const char *ds) {
  if (!o->refresh && !o->full_refresh) return 1;
  return (o->refresh && contains(o->refresh, o->n_refresh, ds)) ||
         (o->full_refresh && contains(o->full_refresh, o->n_full_refresh, ds));
}

static int refreshed(const lfh_run_opts *o, const char *ds) {
  return o->full_refresh_all || (o->full_refresh && contains(o->full_refresh, o->n_full_refresh, ds));
}

static int check_names(lfh_update *u) {
  const lfh_run_opts *o = u->o;
  for (int k = 0; k < 2; k++) {
    const char *const *v = k ? o->full_refresh : o->refresh;
    size_t n = k ? o->n_full_refresh : o->n_refresh;
    for (size_t i = 0; v && i < n; i++) {
      lfh_dataset *d = lfh_pipeline_dataset(u->p, v[i]);
      if (!d || d->type != LFH_DATASET_STREAMING_TABLE)
        return lfh_update_fail(u, LF_ERR_NOT_FOUND, "%s: no streaming table '%s' in pipeline '%s'",
                               k ? "--full-refresh" : "--refresh", v[i], u->p->key);
    }
  }
  return LF_OK;
}

/* ------------------------------------------------------------ tables */

static int open_or_create(lfh_update *u, const char *prefix, const struct ArrowSchema *schema,
                          int evolve, lfh_table **out, lf_error *err) {
  int rc = lfh_table_open(u->tables, prefix, out, err);
  if (rc == LF_OK && !evolve) return rc; /* an upstream table: read, never altered */
  /* New columns in the flow's output (a source that evolved its schema, Auto Loader's
   * add_new_columns) evolve the table, as Delta's schema evolution does on Databricks; a
   * breaking difference stops the update with the change named (deploy decides those). */
  if (rc == LF_OK) return lfh_table_evolve_schema(*out, schema, NULL, err);
  if (rc != LF_ERR_NOT_FOUND) return rc;
  /* `deploy` creates tables; a table that appeared since is created here so that a run
   * right after adding a dataset works (deploy records it next time). */
  rc = lfh_table_create(u->tables, prefix, schema, NULL, out, err);
  if (rc == LF_ERR_CONFLICT) rc = lfh_table_open(u->tables, prefix, out, err);
  return rc;
}

static int has_quarantine(const lfh_dataset *ds) {
  for (size_t i = 0; i < ds->rules.n; i++)
    if (ds->rules.items[i].quarantine) return 1;
  return 0;
}

static int setup_flow(lfh_update *u, lfh_flow_rt *rt, lfh_flow *f, lf_error *err) {
  rt->f = f;
  /* Refused rather than appended as if they were plain flows. */
  if (f->sink.stage || f->auto_cdc)
    return lf_error_set(err, LF_ERR_UNSUPPORTED, "%s flows are not run by this engine yet",
                        f->auto_cdc ? "auto_cdc" : "sink");
  rt->ds = lfh_pipeline_dataset(u->p, f->target);
  rt->flow_id = lfh_pipeline_flow_id(u->p, f);
  char *prefix = lfh_pipeline_table_prefix(u->p, f->target), *qprefix = NULL;
  int rc = rt->flow_id && prefix ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  if (rc == LF_OK) rc = open_or_create(u, prefix, &rt->ds->schema, 1, &rt->table, err);
  if (rc == LF_OK && has_quarantine(rt->ds)) {
    struct ArrowSchema qs = {0};
    rc = lfh_quality_quarantine_schema(&rt->ds->schema, &qs, err);
    if (rc == LF_OK && asprintf(&qprefix, "%s%s", prefix, LFH_QUARANTINE_SUFFIX) < 0)
      rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    if (rc == LF_OK) rc = open_or_create(u, qprefix, &qs, 1, &rt->quarantine, err);
    lf_schema_release(&qs);
  }
  if (rc == LF_OK && f->from == LFH_FLOW_FROM_TABLE) {
    char *up = lfh_pipeline_table_prefix(u->p, f->source_table);
    lfh_dataset *ud = lfh_pipeline_dataset(u->p, f->source_table);
    rc = up ? open_or_create(u, up, &ud->schema, 0, &rt->upstream, err) : LF_ERR_NOMEM;
    free(up);
  }
  if (rc == LF_OK) rc = lfh_checkpoint_open(u->state, u->p->key, f->name, &rt->ckpt, err);
  free(prefix);
  free(qprefix);
  return rc;
}

static void free_flow(lfh_flow_rt *rt) {
  lfh_table_close(rt->table);
  lfh_table_close(rt->quarantine);
  lfh_table_close(rt->upstream);
  lfh_checkpoint_close(rt->ckpt);
  free(rt->flow_id);
}

/* Full refresh of one dataset: the table (and the quarantine table) is truncated with a
 * marker per flow recording its last epoch, so epochs keep increasing; then the flows'
 * checkpoints go. */
static int full_refresh(lfh_flow_rt *rts, size_t n, const lfh_dataset *ds,
                        lf_error *err) {
  lfh_kvs props = {0};
  lfh_table *t = NULL, *q = NULL;
  int rc = LF_OK;
  for (size_t i = 0; rc == LF_OK && i < n; i++) {
    if (strcmp(rts[i].f->target, ds->name) != 0) continue;
    int64_t e = 0, snap = 0;
    char k[512], v[32];
    t = rts[i].table;
    q = rts[i].quarantine;
    rc = lfh_table_find_flow(t, rts[i].flow_id, &e, &snap, err);
    if (rc < 0) break;
    /* the largest epoch ever used: an earlier refresh marker may be newer than commits */
    const lfh_table_meta *m = lfh_table_metadata(t);
    snprintf(k, sizeof k, LFH_SUMMARY_REFRESH "%s", rts[i].flow_id);
    for (const lfh_snapshot *s = lfh_table_meta_current(m); s; s = lfh_table_meta_parent(m, s)) {
      const char *rv = lfh_kvs_get(&s->summary, k);
      if (rv && strtoll(rv, NULL, 10) > e) e = strtoll(rv, NULL, 10);
      if (rv) break;
    }
    snprintf(v, sizeof v, "%lld", (long long)e);
    rc = lfh_kvs_set(&props, k, v);
  }
  if (rc == LF_OK && t) rc = lfh_table_truncate(t, &props, NULL, err);
  if (rc == LF_OK && q) rc = lfh_table_truncate(q, &props, NULL, err);
  /* after the truncation: a crash in between leaves the marker, and a flow that finds a
   * marker newer than its commits deletes its stale checkpoint itself */
  for (size_t i = 0; rc == LF_OK && i < n; i++)
    if (!strcmp(rts[i].f->target, ds->name)) rc = lfh_checkpoint_delete_all(rts[i].ckpt, err);
  lfh_kvs_free(&props);
  return rc;
}

/* ------------------------------------------------------------ event log */

static void log_definitions(lfh_update *u, lfh_flow_rt *rts, size_t n) {
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  for (size_t i = 0; i < u->p->n_datasets; i++) {
    lfh_dataset *ds = &u->p->datasets[i];
    if (!ds->schema.release) continue;
    char *ddl = NULL, *prefix = lfh_pipeline_table_prefix(u->p, ds->name);
    char *loc = prefix ? lfh_store_uri(u->tables, prefix) : NULL;
    if (lfh_ddl_format(&ds->schema, &ddl, &err) != LF_OK) ddl = NULL;
    int rc = lfh_eventlog_dataset_definition(u->log, ds->name, "STREAMING_TABLE", ddl, loc, &err);
    if (rc != LF_OK) lfh_update_warn_log(u, rc, "dataset_definition", msg);
    free(ddl);
    free(loc);
    free(prefix);
  }
  for (size_t i = 0; i < n; i++) {
    lfh_flow *f = rts[i].f;
    lfh_event_origin org = {rts[i].flow_id, f->name, f->target};
    const char *in = f->from == LFH_FLOW_FROM_TABLE ? f->source_table : f->source.stage;
    json_t *extra = json_object();
    json_t *stages = json_array();
    for (size_t k = 0; k < f->n_transforms; k++)
      json_array_append_new(stages, json_string(f->transforms[k].stage));
    for (size_t k = 0; k < f->n_hashers; k++)
      json_array_append_new(stages, json_string(f->hashers[k].stage));
    json_object_set_new(extra, "stages", stages);
    json_object_set_new(extra, "source_kind",
                        json_string(f->from == LFH_FLOW_FROM_TABLE ? "table" : "stage"));
    int rc = lfh_eventlog_flow_definition(u->log, &org, &in, in ? 1 : 0, f->target, extra, &err);
    if (rc != LF_OK) lfh_update_warn_log(u, rc, "flow_definition", msg);
    json_decref(extra);
  }
}

static void state_change(lfh_update *u, const char *state, const char *error) {
  if (!u->log) return;
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  int rc = lfh_eventlog_update_progress(u->log, state, error, &err);
  if (rc == LF_OK) rc = lfh_eventlog_flush(u->log, &err);
  if (rc != LF_OK) lfh_update_warn_log(u, rc, "update_progress", msg);
}

static void flow_status(lfh_update *u, lfh_flow_rt *rt, const char *status, const char *error) {
  if (u->o->on_status) u->o->on_status(u->o->ud, rt->f->name, status);
  if (!u->log) return;
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  lfh_event_origin org = {rt->flow_id, rt->f->name, rt->f->target};
  int rc = lfh_eventlog_flow_progress(u->log, &org, status, NULL, error, &err);
  if (rc != LF_OK) lfh_update_warn_log(u, rc, "flow_progress", msg);
}

static int open_log(lfh_update *u) {
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  char name[512];
  snprintf(name, sizeof name, "%s_event_log", u->p->key);
  char *prefix = lfh_pipeline_table_prefix(u->p, name);
  int rc = prefix ? lfh_eventlog_open(u->tables, prefix, u->o->pipeline_id ? u->o->pipeline_id
                                                                           : u->p->key,
                                      u->p->name, &u->log, &err)
                  : LF_ERR_NOMEM;
  free(prefix);
  if (rc != LF_OK) {
    u->log = NULL;
    return lfh_update_fail(u, rc, "event log: %s", msg);
  }
  const char *const *sel = u->o->refresh ? u->o->refresh : u->o->full_refresh;
  size_t nsel = u->o->refresh ? u->o->n_refresh : u->o->n_full_refresh;
  rc = lfh_eventlog_begin_update(u->log, u->o->cause ? u->o->cause : "USER_ACTION",
                                 u->o->full_refresh_all || u->o->full_refresh, sel, nsel, &err);
  if (rc != LF_OK) return lfh_update_fail(u, rc, "event log: %s", msg);
  snprintf(u->res->update_id, sizeof u->res->update_id, "%s", lfh_eventlog_update_id(u->log));
  return LF_OK;
}

/* ------------------------------------------------------------ the update */

static const lfh_stage_info *expectation_stage(lfh_update *u) {
  const lfh_stage_info *s = lfh_registry_find_stage(u->reg, "sql_expectations");
  if (s || !u->o->sp) return s;
  char *path = lfh_searchpath_find(u->o->sp, "lf_quality");
  char why[512];
  if (path) lfh_registry_load(u->reg, path, why, sizeof why);
  free(path);
  return lfh_registry_find_stage(u->reg, "sql_expectations");
}

static int stopping(const lfh_update *u) { return u->o->stop && *u->o->stop; }

/* Sleeps up to `us`, waking early on stop. */
static void wait_interval(const lfh_update *u, int64_t us) {
  int64_t until = lfh_mono_us() + us;
  while (!stopping(u) && lfh_mono_us() < until) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static int run_flows(lfh_update *u, lfh_flow_rt *rts, size_t n) {
  for (;;) {
    int64_t round = 0;
    for (size_t i = 0; i < n && !stopping(u); i++) {
      int64_t c = 0;
      if (!u->continuous) flow_status(u, &rts[i], "RUNNING", NULL);
      int rc = lfh_flow_run(u, &rts[i], &c);
      if (rc != LF_OK) return flow_status(u, &rts[i], "FAILED", u->res->error), rc;
      if (!u->continuous) flow_status(u, &rts[i], "COMPLETED", NULL);
      round += c;
    }
    if (!u->continuous || stopping(u)) return LF_OK;
    if (u->o->deadline_us && lfh_mono_us() > u->o->deadline_us)
      return lfh_update_fail(u, LF_ERR_CANCELLED, "the update timed out");
    /* a round that found nothing waits an interval; a busy pipeline keeps going */
    if (round == 0) wait_interval(u, u->interval_us);
  }
}

static int setup(lfh_update *u, lfh_flow_rt *rts, size_t *n) {
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  *n = 0;
  for (size_t k = 0; k < u->p->n_flows; k++) {
    lfh_flow *f = &u->p->flows[u->p->flow_order[k]];
    if (!selected(u->o, f->target)) continue;
    if (!f->wired) return lfh_update_fail(u, LF_ERR_INVALID, "flow '%s' is not wired", f->name);
    int rc = setup_flow(u, &rts[*n], f, &err);
    (*n)++;
    if (rc != LF_OK) return lfh_update_fail(u, rc, "flow '%s': %s", f->name, msg);
  }
  for (size_t i = 0; i < u->p->n_datasets; i++) {
    lfh_dataset *ds = &u->p->datasets[i];
    if (ds->type != LFH_DATASET_STREAMING_TABLE || !refreshed(u->o, ds->name) ||
        !selected(u->o, ds->name))
      continue;
    int rc = full_refresh(rts, *n, ds, &err);
    if (rc != LF_OK) return lfh_update_fail(u, rc, "full refresh of '%s': %s", ds->name, msg);
  }
  return LF_OK;
}

static int parse_fault(lfh_update *u) {
  const char *f = getenv("LFHOST_FAULT");
  u->fault_epoch = -1;
  if (!f || !*f) return 0;
  const char *colon = strchr(f, ':');
  if (!colon || (size_t)(colon - f) >= sizeof u->fault_step) return 0;
  memcpy(u->fault_step, f, (size_t)(colon - f));
  u->fault_step[colon - f] = 0;
  u->fault_epoch = atoi(colon + 1);
  return 0;
}

int lfh_engine_run(lfh_pipeline *p, lfh_registry *reg, const lfh_run_opts *o,
                   lfh_update_result *res) {
  memset(res, 0, sizeof *res);
  lfh_update u = {.p = p, .reg = reg, .o = o, .res = res};
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  parse_fault(&u);
  u.continuous = o->continuous < 0 ? p->continuous : o->continuous;
  u.interval_us = o->trigger_interval_us ? o->trigger_interval_us
                  : p->trigger_interval_us ? p->trigger_interval_us : 5000000;
  lfh_flow_rt *rts = calloc(p->n_flows + 1, sizeof *rts);
  size_t n = 0;
  int rc = LF_OK;
  if (!rts) rc = lfh_update_fail(&u, LF_ERR_NOMEM, "out of memory");
  if (rc == LF_OK) rc = check_names(&u);
  if (rc == LF_OK && !(u.tables = lfh_store_open(p->storage, &err)))
    rc = lfh_update_fail(&u, LF_ERR_IO, "storage: %s", msg);
  if (rc == LF_OK && !(u.state = lfh_store_open(p->root_path, &err)))
    rc = lfh_update_fail(&u, LF_ERR_IO, "root_path: %s", msg);
  if (rc == LF_OK && !o->no_eventlog) rc = open_log(&u);
  state_change(&u, "INITIALIZING", NULL);
  u.expect_stage = rc == LF_OK ? expectation_stage(&u) : NULL;
  if (rc == LF_OK) state_change(&u, "SETTING_UP_TABLES", NULL);
  if (rc == LF_OK) rc = setup(&u, rts, &n);
  if (rc == LF_OK && u.log) log_definitions(&u, rts, n);
  if (rc == LF_OK) state_change(&u, "RUNNING", NULL);
  if (rc == LF_OK) rc = run_flows(&u, rts, n);
  if (rc == LF_OK && stopping(&u)) {
    state_change(&u, "STOPPING", NULL);
    res->state = LFH_UPDATE_CANCELED;
    state_change(&u, "CANCELED", NULL);
  } else if (rc == LF_OK) {
    res->state = LFH_UPDATE_COMPLETED;
    state_change(&u, "COMPLETED", NULL);
  } else {
    res->state = LFH_UPDATE_FAILED;
    if (!res->error[0]) snprintf(res->error, sizeof res->error, "failed (%d)", rc);
    state_change(&u, "FAILED", res->error);
  }
  for (size_t i = 0; i < n; i++) free_flow(&rts[i]);
  free(rts);
  lfh_eventlog_close(u.log);
  lfh_store_close(u.tables);
  lfh_store_close(u.state);
  return res->state == LFH_UPDATE_FAILED ? -1 : 0;
}
