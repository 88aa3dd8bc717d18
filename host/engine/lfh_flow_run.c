/* lfh_flow_run — the epochs of one flow under the checkpoint protocol (docs/ENGINE.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/lfh_engine_internal.h"
#include "lf/lf_array.h"
#include "loader/lfh_hostapi.h"
#include "quality/lfh_quality.h"
#include "util/lfh_clock.h"

/* One epoch in flight. */
typedef struct epoch_run {
  lfh_update *u;
  lfh_flow_rt *rt;
  lf_epoch ep;
  lfh_quality *q;
  lfh_quality_stage *qs;
  struct ArrowSchema qschema; /* quarantine rows */
  lfh_table_append *app, *qapp;
  int64_t rows_in, rows_out, dropped, quarantined;
  int64_t now_us;
  int64_t files0, bytes0; /* the source's cumulative counters before the read */
  char msg[1024];
  lf_error err;
} epoch_run;

static double mono_s(void) { return (double)lfh_mono_us() / 1e6; }

static int failed(epoch_run *r, int rc, const char *stage) {
  return lfh_update_fail(r->u, rc, "flow '%s'%s%s%s, epoch %" PRIu64 ": %s", r->rt->f->name,
                         stage ? ", stage '" : "", stage ? stage : "", stage ? "'" : "",
                         r->ep.epoch, r->msg);
}

/* ------------------------------------------------------------ the row path */

static int hash_column(void *ctx, const struct ArrowArray *column, struct ArrowArray *out,
                       lf_error *err) {
  const lfh_stage_use *s = ctx;
  const lf_hasher_vtable *vt = s->info->raw->vtable;
  memset(out, 0, sizeof *out);
  return vt->hash(s->state, column, out, err);
}

static int write_rows(epoch_run *r, struct ArrowArray *batch);

/* Hashers then expectations then the table, for one batch in the flow's output schema
 * after the transforms (moved in). */
static int after_transforms(epoch_run *r, struct ArrowArray *b) {
  lfh_flow *f = r->rt->f;
  const struct ArrowSchema *cur =
      f->n_transforms ? &f->transforms[f->n_transforms - 1].output
                      : (f->from == LFH_FLOW_FROM_STAGE ? &f->source.output
                                                         : &lfh_pipeline_dataset(r->u->p, f->source_table)->schema);
  for (size_t i = 0; i < f->n_hashers; i++) {
    lfh_stage_use *h = &f->hashers[i];
    lfh_hash_place pl;
    lfh_pipeline_hash_place(h, &pl);
    struct ArrowSchema step;
    int rc = lf_schema_copy(&step, cur, &r->err);
    for (size_t c = 0; rc == LF_OK && c < h->n_columns; c++) {
      struct ArrowArray out;
      const struct ArrowSchema *col = lfh_hasher_column(&step, h->columns[c], &r->err);
      struct ArrowSchema next = {0};
      /* negotiated per column (as at wire time) for the hashed column's schema */
      rc = col ? h->info->raw->negotiate(h->state, col, &next, &r->err) : LF_ERR_SCHEMA;
      if (rc == LF_OK) rc = lfh_hasher_apply(&step, b, h->columns[c], &pl, hash_column, h, &out, &r->err);
      else lf_array_release(b);
      struct ArrowSchema after = {0};
      if (rc == LF_OK) rc = lfh_hasher_schema(&step, h->columns[c], &next, &pl, &after, &r->err);
      lf_schema_release(&next);
      if (rc == LF_OK) {
        lf_schema_release(&step);
        lf_schema_move(&after, &step);
        lf_array_move(&out, b);
      } else {
        lf_array_release(&out);
      }
    }
    lf_schema_release(&step);
    if (rc != LF_OK) return lf_array_release(b), failed(r, rc, h->stage);
    cur = &h->output;
  }
  return write_rows(r, b);
}

/* Expectations, then the append(s). `b` is moved in. */
static int write_rows(epoch_run *r, struct ArrowArray *b) {
  lfh_dataset *ds = r->rt->ds;
  r->rows_out += b->length;
  if (r->q) {
    struct ArrowArray res = {0};
    int rc = r->qs ? lfh_quality_stage_eval(r->qs, b, &res, &r->err) : LF_OK;
    lfh_quality_out out;
    memset(&out, 0, sizeof out);
    if (rc == LF_OK) rc = lfh_quality_apply(r->q, b, r->qs ? &res : NULL, r->now_us, &out, &r->err);
    else lf_array_release(b);
    lf_array_release(&res);
    if (rc != LF_OK) return failed(r, rc, NULL);
    r->dropped += out.n_dropped;
    r->rows_out -= out.n_dropped;
    r->quarantined += out.n_quarantined;
    if (out.quarantine.release && out.quarantine.length > 0 && r->rt->quarantine) {
      if (!r->qapp) rc = lfh_table_append_begin(r->rt->quarantine, &r->qschema, &r->qapp, &r->err);
      if (rc == LF_OK) rc = lfh_table_append_batch(r->qapp, &out.quarantine, &r->err);
    }
    lf_array_release(&out.quarantine);
    lf_array_move(&out.kept, b);
    if (rc != LF_OK) return lf_array_release(b), failed(r, rc, NULL);
  }
  int rc = LF_OK;
  if (b->length > 0) {
    if (!r->app) rc = lfh_table_append_begin(r->rt->table, &ds->schema, &r->app, &r->err);
    if (rc == LF_OK) rc = lfh_table_append_batch(r->app, b, &r->err);
  }
  lf_array_release(b);
  return rc == LF_OK ? LF_OK : failed(r, rc, NULL);
}

/* Transforms from index `from` on, then the rest. `b` is moved in. */
static int through(epoch_run *r, struct ArrowArray *b, size_t from) {
  lfh_flow *f = r->rt->f;
  for (size_t i = from; i < f->n_transforms; i++) {
    lfh_stage_use *t = &f->transforms[i];
    const lf_transform_vtable *vt = t->info->raw->vtable;
    struct ArrowArray out = {0};
    int rc = vt->process(t->state, &r->ep, b, &out, &r->err);
    lf_array_release(b); /* moved or released by the stage; a no-op then */
    if (rc != LF_OK) return lf_array_release(&out), failed(r, rc, t->stage);
    if (!out.release || out.length == 0) return lf_array_release(&out), LF_OK;
    lf_array_move(&out, b);
  }
  return after_transforms(r, b);
}

static int batch_in(epoch_run *r, struct ArrowArray *b) {
  r->rows_in += b->length;
  if (b->length == 0) return lf_array_release(b), LF_OK;
  return through(r, b, 0);
}

static int finish_transforms(epoch_run *r) {
  lfh_flow *f = r->rt->f;
  for (size_t i = 0; i < f->n_transforms; i++) {
    lfh_stage_use *t = &f->transforms[i];
    const lf_transform_vtable *vt = t->info->raw->vtable;
    if (!vt->finish_epoch) continue;
    struct ArrowArray out = {0};
    int rc = vt->finish_epoch(t->state, &r->ep, &out, &r->err);
    if (rc != LF_OK) return lf_array_release(&out), failed(r, rc, t->stage);
    if (!out.release || out.length == 0) {
      lf_array_release(&out);
      continue;
    }
    if ((rc = through(r, &out, i + 1)) != LF_OK) return rc;
  }
  return LF_OK;
}

/* ------------------------------------------------------------ reading */

static int read_source(epoch_run *r, const lfh_buf *plan) {
  lfh_stage_use *s = &r->rt->f->source;
  const lf_source_vtable *vt = s->info->raw->vtable;
  struct ArrowArrayStream st;
  memset(&st, 0, sizeof st);
  int rc = vt->read(s->state, &r->ep, plan->data, plan->len, &st, &r->err);
  if (rc != LF_OK) return failed(r, rc, s->stage);
  for (;;) {
    struct ArrowArray b;
    memset(&b, 0, sizeof b);
    int e = st.get_next(&st, &b);
    if (e != 0) {
      const char *why = st.get_last_error ? st.get_last_error(&st) : NULL;
      snprintf(r->msg, sizeof r->msg, "reading: %s", why ? why : "error");
      rc = failed(r, LF_ERR_IO, s->stage);
      break;
    }
    if (!b.release) break;
    if ((rc = batch_in(r, &b)) != LF_OK) break;
  }
  if (st.release) st.release(&st);
  return rc;
}

static int scan_cb(void *ctx, const struct ArrowSchema *schema, struct ArrowArray *batch) {
  (void)schema;
  epoch_run *r = ctx;
  return batch_in(r, batch);
}

/* A FROM_TABLE plan: "<from> <to>" snapshot ids (from 0: everything up to `to`). */
static int read_upstream(epoch_run *r, const lfh_buf *plan) {
  long long from = 0, to = 0;
  char text[64] = {0};
  memcpy(text, plan->data, plan->len < sizeof text - 1 ? plan->len : sizeof text - 1);
  if (sscanf(text, "%lld %lld", &from, &to) != 2) {
    snprintf(r->msg, sizeof r->msg, "damaged plan '%s'", text);
    return failed(r, LF_ERR_DATA, NULL);
  }
  lfh_scan_opts so = {.snapshot_id = to, .from_snapshot_id = from};
  int rc = lfh_table_scan(r->rt->upstream, &so, scan_cb, r, &r->err);
  if (rc != LF_OK && !r->u->res->error[0]) return failed(r, rc, NULL);
  r->rt->upstream_snap = to;
  return rc;
}

/* ------------------------------------------------------------ planning */

static int plan_epoch(epoch_run *r, lfh_buf *plan) {
  lfh_flow_rt *rt = r->rt;
  int rc = lfh_checkpoint_get_plan(rt->ckpt, r->ep.epoch, plan, &r->err);
  if (rc == LF_OK) return LF_OK; /* a replay: read exactly what was planned */
  if (rc != LF_ERR_NOT_FOUND) return failed(r, rc, NULL);
  if (rt->f->from == LFH_FLOW_FROM_TABLE) {
    if ((rc = lfh_table_refresh(rt->upstream, &r->err)) != LF_OK) return failed(r, rc, NULL);
    int64_t to = lfh_table_metadata(rt->upstream)->current_snapshot_id;
    if (to <= 0 || to == rt->upstream_snap) return LF_OK;
    char text[64];
    int n = snprintf(text, sizeof text, "%lld %lld", (long long)rt->upstream_snap, (long long)to);
    rc = lfh_buf_append(plan, text, (size_t)n);
  } else {
    lfh_stage_use *s = &rt->f->source;
    const lf_source_vtable *vt = s->info->raw->vtable;
    lf_blob b = {.struct_size = sizeof b};
    rc = vt->plan(s->state, &r->ep, &b, &r->err);
    if (rc != LF_OK) return failed(r, rc, s->stage);
    if (b.size) rc = lfh_buf_append(plan, b.data, b.size);
    if (b.release) b.release(&b);
  }
  if (rc != LF_OK) return snprintf(r->msg, sizeof r->msg, "out of memory"), failed(r, rc, NULL);
  if (plan->len == 0) return LF_OK;
  rc = lfh_checkpoint_put_plan(rt->ckpt, r->ep.epoch, plan->data, plan->len, &r->err);
  return rc == LF_OK ? LF_OK : failed(r, rc, NULL);
}

/* ------------------------------------------------------------ state */

static int add_blob(lfh_ckpt_parts *parts, const char *name, lf_blob *b) {
  int rc = lfh_ckpt_parts_add(parts, name, b->data, b->size);
  if (b->release) b->release(b);
  return rc;
}

static int save_state(epoch_run *r) {
  lfh_flow *f = r->rt->f;
  lfh_ckpt_parts parts = {0};
  int rc = LF_OK;
  if (f->from == LFH_FLOW_FROM_STAGE) {
    const lf_source_vtable *vt = f->source.info->raw->vtable;
    if (LF_HAS_FIELD(vt, lf_source_vtable, save_state) && vt->save_state) {
      lf_blob b = {.struct_size = sizeof b};
      rc = vt->save_state(f->source.state, &r->ep, &b, &r->err);
      if (rc != LF_OK) return lfh_ckpt_parts_free(&parts), failed(r, rc, f->source.stage);
      if ((rc = add_blob(&parts, "source", &b)) != LF_OK) goto oom;
    }
  }
  for (size_t i = 0; i < f->n_transforms; i++) {
    const lf_transform_vtable *vt = f->transforms[i].info->raw->vtable;
    if (!vt->save_state) continue;
    lf_blob b = {.struct_size = sizeof b};
    rc = vt->save_state(f->transforms[i].state, &r->ep, &b, &r->err);
    if (rc != LF_OK) return lfh_ckpt_parts_free(&parts), failed(r, rc, f->transforms[i].stage);
    char name[32];
    snprintf(name, sizeof name, "transform.%zu", i);
    if ((rc = add_blob(&parts, name, &b)) != LF_OK) goto oom;
  }
  rc = lfh_checkpoint_put_state(r->rt->ckpt, r->ep.epoch, &parts, &r->err);
  lfh_ckpt_parts_free(&parts);
  return rc == LF_OK ? LF_OK : failed(r, rc, NULL);
oom:
  lfh_ckpt_parts_free(&parts);
  snprintf(r->msg, sizeof r->msg, "out of memory saving state");
  return failed(r, LF_ERR_NOMEM, NULL);
}

/* state/E of the newest own commit, into the source and the transforms. */
static int load_state(epoch_run *r) {
  lfh_flow *f = r->rt->f;
  lfh_ckpt_parts parts = {0};
  int rc = lfh_checkpoint_get_state(r->rt->ckpt, r->rt->epoch, &parts, &r->err);
  if (rc == LF_ERR_NOT_FOUND)
    snprintf(r->msg, sizeof r->msg,
             "the checkpoint of committed epoch %" PRIu64 " is missing (deleted by hand?); "
             "run with --full-refresh=%s to start the table over",
             r->rt->epoch, r->rt->ds->name);
  if (rc != LF_OK) return failed(r, rc, NULL);
  const lfh_ckpt_part *src = lfh_ckpt_parts_get(&parts, "source");
  if (src && f->from == LFH_FLOW_FROM_STAGE) {
    const lf_source_vtable *vt = f->source.info->raw->vtable;
    if (LF_HAS_FIELD(vt, lf_source_vtable, load_state) && vt->load_state &&
        (rc = vt->load_state(f->source.state, src->data, src->len, &r->err)) != LF_OK) {
      lfh_ckpt_parts_free(&parts);
      return failed(r, rc, f->source.stage);
    }
  }
  for (size_t i = 0; rc == LF_OK && i < f->n_transforms; i++) {
    char name[32];
    snprintf(name, sizeof name, "transform.%zu", i);
    const lfh_ckpt_part *pt = lfh_ckpt_parts_get(&parts, name);
    const lf_transform_vtable *vt = f->transforms[i].info->raw->vtable;
    if (pt && vt->load_state &&
        (rc = vt->load_state(f->transforms[i].state, pt->data, pt->len, &r->err)) != LF_OK) {
      lfh_ckpt_parts_free(&parts);
      return failed(r, rc, f->transforms[i].stage);
    }
  }
  lfh_ckpt_parts_free(&parts);
  return LF_OK;
}

/* ------------------------------------------------------------ resume */

/* The newest snapshot in the ancestry that is either this flow's commit (resume after it)
 * or a full refresh of its table (start over, epochs continuing after the recorded one). */
static int find_resume(lfh_flow_rt *rt, int *fresh, lf_error *err) {
  int rc = lfh_table_refresh(rt->table, err);
  if (rc != LF_OK) return rc;
  const lfh_table_meta *m = lfh_table_metadata(rt->table);
  char refresh_key[512];
  snprintf(refresh_key, sizeof refresh_key, LFH_SUMMARY_REFRESH "%s", rt->flow_id);
  *fresh = 1;
  rt->epoch = 0;
  rt->upstream_snap = 0;
  const lfh_snapshot *s = lfh_table_meta_current(m);
  for (size_t steps = 0; s && steps <= m->n_snapshots; steps++, s = lfh_table_meta_parent(m, s)) {
    const char *fid = lfh_kvs_get(&s->summary, LFH_SUMMARY_FLOW_ID);
    const char *ep = lfh_kvs_get(&s->summary, LFH_SUMMARY_EPOCH);
    const char *rf = lfh_kvs_get(&s->summary, refresh_key);
    if (fid && ep && !strcmp(fid, rt->flow_id)) {
      rt->epoch = strtoull(ep, NULL, 10);
      *fresh = 0;
      if (rt->f->from == LFH_FLOW_FROM_TABLE) {
        char k[512];
        snprintf(k, sizeof k, LFH_SUMMARY_UPSTREAM "%s", rt->f->source_table);
        const char *up = lfh_kvs_get(&s->summary, k);
        rt->upstream_snap = up ? strtoll(up, NULL, 10) : 0;
      }
      return LF_OK;
    }
    if (rf) {
      rt->epoch = strtoull(rf, NULL, 10);
      return LF_OK;
    }
  }
  return LF_OK;
}

static int resume(epoch_run *r) {
  lfh_flow_rt *rt = r->rt;
  int fresh = 1;
  int rc = find_resume(rt, &fresh, &r->err);
  if (rc != LF_OK) return failed(r, rc, NULL);
  rt->resumed = 1;
  if (fresh) {
    /* Nothing committed since the start or a full refresh: whatever the folder holds
     * belongs to before it. */
    rc = lfh_checkpoint_delete_all(rt->ckpt, &r->err);
    return rc == LF_OK ? LF_OK : failed(r, rc, NULL);
  }
  return load_state(r);
}

/* ------------------------------------------------------------ one epoch */

static int open_quality(epoch_run *r) {
  lfh_dataset *ds = r->rt->ds;
  if (ds->rules.n == 0) return LF_OK;
  lfh_quality_opts qo = {.dataset = ds->name, .flow = r->rt->f->name};
  int rc = LF_OK;
  if (lfh_quality_rules_n_expr(&ds->rules) > 0) {
    if (!r->u->expect_stage) {
      snprintf(r->msg, sizeof r->msg,
               "dataset '%s' has expectations but no EXPECTATION stage is loaded (the "
               "lf_quality plugin was not found on the plugin search path)", ds->name);
      return failed(r, LF_ERR_NOT_FOUND, NULL);
    }
    rc = lfh_quality_stage_open(r->u->expect_stage, lfh_host_table(), NULL, &ds->rules,
                                &ds->schema, &r->qs, &r->err);
  }
  if (rc == LF_OK)
    rc = lfh_quality_open(&ds->rules, &ds->schema, r->qs ? lfh_quality_stage_schema(r->qs) : NULL,
                          &qo, &r->q, &r->err);
  if (rc == LF_OK && r->rt->quarantine)
    rc = lfh_quality_quarantine_schema(&ds->schema, &r->qschema, &r->err);
  return rc == LF_OK ? LF_OK : failed(r, rc, NULL);
}

static void close_epoch(epoch_run *r) {
  lfh_table_append_free(r->app);
  lfh_table_append_free(r->qapp);
  lfh_quality_close(r->q);
  lfh_quality_stage_close(r->qs);
  lf_schema_release(&r->qschema);
}

static int set_props(epoch_run *r, lfh_kvs *props) {
  char v[32];
  snprintf(v, sizeof v, "%" PRIu64, r->ep.epoch);
  int rc = lfh_kvs_set(props, LFH_SUMMARY_FLOW_ID, r->rt->flow_id);
  if (rc == LF_OK) rc = lfh_kvs_set(props, LFH_SUMMARY_EPOCH, v);
  if (rc == LF_OK && r->rt->f->from == LFH_FLOW_FROM_TABLE) {
    char k[512];
    snprintf(k, sizeof k, LFH_SUMMARY_UPSTREAM "%s", r->rt->f->source_table);
    snprintf(v, sizeof v, "%lld", (long long)r->rt->upstream_snap);
    rc = lfh_kvs_set(props, k, v);
  }
  return rc;
}

/* Quarantine first, then the table: each is a no-op when the epoch is already there, so
 * a crash between them is repaired by the replay. */
static int commit(epoch_run *r, int64_t *snap, int *noop) {
  lfh_kvs props = {0};
  int rc = set_props(r, &props);
  *noop = 0;
  if (rc == LF_OK && r->qapp) {
    rc = lfh_table_append_commit(r->qapp, &props, NULL, &r->err);
    if (rc == LF_ERR_CONFLICT) rc = LF_OK;
  }
  if (rc == LF_OK && !r->app) rc = lfh_table_append_begin(r->rt->table, &r->rt->ds->schema, &r->app, &r->err);
  if (rc == LF_OK) {
    rc = lfh_table_append_commit(r->app, &props, snap, &r->err);
    if (rc == LF_ERR_CONFLICT) *noop = 1, rc = LF_OK;
  }
  lfh_kvs_free(&props);
  return rc == LF_OK ? LF_OK : failed(r, rc, NULL);
}

/* The source's counters ("files", "bytes", as the autoloader reports them) are
 * cumulative per process: an epoch's share is the difference. */
static void source_counters(const epoch_run *r, int64_t *files, int64_t *bytes) {
  *files = *bytes = 0;
  if (r->rt->f->from != LFH_FLOW_FROM_STAGE || !r->rt->f->source.ctx) return;
  const char *label = lfh_stage_ctx_label(r->rt->f->source.ctx);
  lfh_metric_counter(label, "files", files);
  lfh_metric_counter(label, "bytes", bytes);
}

static void report(epoch_run *r, int64_t snap, int noop, double secs) {
  lfh_update *u = r->u;
  int64_t files = 0, bytes = 0;
  source_counters(r, &files, &bytes);
  files -= r->files0;
  bytes -= r->bytes0;
  lfh_epoch_report rep = {r->rt->f->name, r->rt->ds->name, r->ep.epoch, r->rows_in,
                          r->rows_out, r->dropped, r->quarantined, files, bytes, snap, secs, noop};
  if (!noop) {
    u->res->epochs++;
    u->res->rows += r->rows_out;
    u->res->files += files;
  }
  if (u->o->on_epoch) u->o->on_epoch(u->o->ud, &rep);
  if (!u->log) return;
  lfh_event_origin org = {r->rt->flow_id, r->rt->f->name, r->rt->ds->name};
  json_t *dq = r->q ? lfh_quality_metrics_json(r->q) : NULL;
  lfh_flow_metrics m = {r->rows_out, r->rows_in, files, bytes, (int64_t)r->ep.epoch, snap, secs,
                        r->dropped, dq};
  int rc = lfh_eventlog_flow_progress(u->log, &org, "RUNNING", &m, NULL, &r->err);
  if (rc != LF_OK) lfh_update_warn_log(u, rc, "flow_progress", r->msg);
  json_decref(dq);
  rc = lfh_eventlog_flush(u->log, &r->err);
  if (rc != LF_OK) lfh_update_warn_log(u, rc, "flush", r->msg);
}

/* Runs epoch rt->epoch + 1. *more = 0 when the source had nothing new. */
static int one_epoch(lfh_update *u, lfh_flow_rt *rt, int *more) {
  epoch_run r;
  memset(&r, 0, sizeof r);
  r.u = u;
  r.rt = rt;
  lf_error_init(&r.err, r.msg, sizeof r.msg);
  r.ep = (lf_epoch){.struct_size = sizeof r.ep, .epoch = rt->epoch + 1, .flow_id = rt->flow_id,
                    .trigger_time_us = lfh_wall_us()};
  r.now_us = r.ep.trigger_time_us;
  double t0 = mono_s();
  lfh_buf plan = {0};
  int rc = rt->resumed ? LF_OK : resume(&r);
  if (rc == LF_OK) r.ep.epoch = rt->epoch + 1;
  if (rc == LF_OK) rc = plan_epoch(&r, &plan);
  *more = rc == LF_OK && plan.len > 0;
  if (!*more) goto out;
  if ((rc = lfh_update_fault(u, rt->f->name, "planned", r.ep.epoch)) != LF_OK) goto out;
  if ((rc = open_quality(&r)) != LF_OK) goto out;
  source_counters(&r, &r.files0, &r.bytes0);
  rc = rt->f->from == LFH_FLOW_FROM_TABLE ? read_upstream(&r, &plan) : read_source(&r, &plan);
  if (rc == LF_OK) rc = finish_transforms(&r);
  if (rc == LF_OK) rc = lfh_update_fault(u, rt->f->name, "read", r.ep.epoch);
  if (rc == LF_OK) rc = save_state(&r);
  if (rc == LF_OK) rc = lfh_update_fault(u, rt->f->name, "state", r.ep.epoch);
  int64_t snap = 0;
  int noop = 0;
  if (rc == LF_OK) rc = commit(&r, &snap, &noop);
  if (rc == LF_OK) rc = lfh_update_fault(u, rt->f->name, "committed", r.ep.epoch);
  if (rc != LF_OK) goto out;
  rt->epoch = r.ep.epoch;
  if (rt->f->from == LFH_FLOW_FROM_STAGE) {
    const lf_source_vtable *vt = rt->f->source.info->raw->vtable;
    if (vt->committed && (rc = vt->committed(rt->f->source.state, &r.ep, &r.err)) != LF_OK) {
      rc = failed(&r, rc, rt->f->source.stage);
      goto out;
    }
  }
  if (r.ep.epoch > 2 && lfh_checkpoint_prune(rt->ckpt, r.ep.epoch - 2, &r.err) != LF_OK)
    lfh_update_warn_log(u, LF_ERR_IO, "checkpoint cleanup", r.msg);
  report(&r, snap, noop, mono_s() - t0);
out:
  lfh_buf_free(&plan);
  close_epoch(&r);
  return rc;
}

int lfh_flow_run(lfh_update *u, lfh_flow_rt *rt, int64_t *committed) {
  *committed = 0;
  for (;;) {
    int more = 0;
    int rc = one_epoch(u, rt, &more);
    if (rc != LF_OK) return rc;
    if (!more) {
      rt->done = 1;
      return LF_OK;
    }
    ++*committed;
    if (u->o->stop && *u->o->stop) return LF_OK;
    if (u->o->deadline_us) {
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      if ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 > u->o->deadline_us)
        return lfh_update_fail(u, LF_ERR_CANCELLED, "flow '%s': timed out", rt->f->name);
    }
  }
}
