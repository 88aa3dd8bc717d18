/*
 * lfh_eventlog — writing the event log (lfh_eventlog.h).
 *
 * Events wait in memory until lfh_eventlog_flush turns them into one batch and one Iceberg
 * append. Each flush commits with lf.flow-id = "lf.event-log.<writer uuid>" and lf.epoch =
 * the flush number, so when a flush fails after its commit actually landed (a lost reply
 * from a blob store, say), retrying it is refused by the table as an epoch already
 * committed and the events are not written twice.
 *
 * seq_no continues from the newest snapshot's lf.event-log.last-seq, so sequence numbers
 * grow across updates and writers that follow each other, and strictly within an update
 * (one writer owns an update). Timestamps never go backwards within one writer, so
 * ordering by (timestamp, seq_no) keeps every update in its sequence order.
 */
#include "eventlog/lfh_eventlog.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eventlog/lfh_eventlog_schema.h"
#include "lf/lf_array.h"
#include "table/lfh_table.h"
#include "util/lfh_clock.h"
#include "util/lfh_mem.h"
#include "util/lfh_uuid.h"

#define EV_FLOW_ID_PREFIX "lf.event-log."
#define EV_PROP_LAST_SEQ "lf.event-log.last-seq"

/* One buffered event; every string owned by the record. */
typedef struct ev_rec {
  char id[37];
  char *update_id;       /* NULL outside an update */
  int64_t seq_no;
  char *flow_id, *flow_name, *dataset_name;
  int64_t ts_us;
  char *level, *event_type, *message, *details;
  int has_error, fatal;
  char *error;
} ev_rec;

struct lfh_eventlog {
  lfh_store *store;      /* borrowed */
  char *prefix, *pipeline_id, *pipeline_name;
  lfh_table *table;
  char update_id[37];    /* "" before the first update */
  char writer_id[37];
  int64_t next_seq, last_ts_us, n_flushes;
  ev_rec *buf;
  size_t n, cap;
};

/* ------------------------------------------------------------ small helpers */



static void rec_free(ev_rec *r) {
  free(r->update_id);
  free(r->flow_id);
  free(r->flow_name);
  free(r->dataset_name);
  free(r->level);
  free(r->event_type);
  free(r->message);
  free(r->details);
  free(r->error);
}

static void buf_clear(lfh_eventlog *log) {
  for (size_t i = 0; i < log->n; i++) rec_free(&log->buf[i]);
  log->n = 0;
}

/* ------------------------------------------------------------ open / close */

/* The seq_no the newest commit of any writer ended at (0 when none). */
static int64_t last_seq_of(const lfh_table *t) {
  const lfh_table_meta *m = lfh_table_metadata(t);
  for (size_t i = 0; i < m->n_snapshots; i++) {
    if (m->snapshots[i].snapshot_id != m->current_snapshot_id) continue;
    const char *v = lfh_kvs_get(&m->snapshots[i].summary, EV_PROP_LAST_SEQ);
    return v ? strtoll(v, NULL, 10) : 0;
  }
  return 0;
}

static int open_or_create(lfh_eventlog *log, lf_error *err) {
  int rc = lfh_table_open(log->store, log->prefix, &log->table, err);
  if (rc != LF_ERR_NOT_FOUND) return rc;
  struct ArrowSchema schema;
  lfh_kvs props = {0};
  rc = lfh_ev_schema(&schema, err);
  if (rc != LF_OK) return rc;
  if (lfh_kvs_set(&props, LFH_TABLE_PROP_CODEC, "deflate") != 0 ||
      lfh_kvs_set(&props, "lf.table-kind", "event_log") != 0)
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory creating the event log");
  else rc = lfh_table_create(log->store, log->prefix, &schema, &props, &log->table, err);
  /* Another process created it first: use theirs. */
  if (rc == LF_ERR_CONFLICT) rc = lfh_table_open(log->store, log->prefix, &log->table, err);
  lfh_kvs_free(&props);
  lf_schema_release(&schema);
  return rc;
}

int lfh_eventlog_open(lfh_store *store, const char *prefix, const char *pipeline_id,
                      const char *pipeline_name, lfh_eventlog **out, lf_error *err) {
  *out = NULL;
  lfh_eventlog *log = calloc(1, sizeof *log);
  int rc = LF_ERR_NOMEM;
  if (!log) return lf_error_set(err, rc, "out of memory opening the event log");
  log->store = store;
  if (!(log->prefix = strdup(prefix)) || lfh_dup_or_null(pipeline_id, &log->pipeline_id) ||
      lfh_dup_or_null(pipeline_name, &log->pipeline_name)) {
    lf_error_set(err, rc, "out of memory opening the event log");
    goto fail;
  }
  if ((rc = lfh_uuid_v4(log->writer_id, err)) != LF_OK) goto fail;
  if ((rc = open_or_create(log, err)) != LF_OK) goto fail;
  log->next_seq = last_seq_of(log->table) + 1;
  *out = log;
  return LF_OK;
fail:
  lfh_eventlog_close(log);
  return rc;
}

void lfh_eventlog_close(lfh_eventlog *log) {
  if (!log) return;
  buf_clear(log);
  free(log->buf);
  if (log->table) lfh_table_close(log->table);
  free(log->prefix);
  free(log->pipeline_id);
  free(log->pipeline_name);
  free(log);
}

const char *lfh_eventlog_update_id(const lfh_eventlog *log) {
  return log->update_id[0] ? log->update_id : NULL;
}

size_t lfh_eventlog_pending(const lfh_eventlog *log) { return log->n; }

/* ------------------------------------------------------------ emitting */

/* Takes ownership of `details` (a JSON text, malloc'd). */
static int push(lfh_eventlog *log, const lfh_event_origin *o, const char *level,
                const char *event_type, const char *message, char *details,
                const char *error, lf_error *err) {
  if (log->n == log->cap) {
    size_t cap = log->cap ? log->cap * 2 : 32;
    ev_rec *b = realloc(log->buf, cap * sizeof *b);
    if (!b) goto nomem;
    log->buf = b;
    log->cap = cap;
  }
  ev_rec *r = &log->buf[log->n];
  memset(r, 0, sizeof *r);
  r->details = details;
  details = NULL;
  int rc = lfh_uuid_v4(r->id, err);
  if (rc != LF_OK) {
    rec_free(r);
    return rc;
  }
  int64_t ts = lfh_wall_us();
  r->ts_us = ts > log->last_ts_us ? ts : log->last_ts_us;
  r->seq_no = log->next_seq;
  r->has_error = error != NULL || (level && strcmp(level, "ERROR") == 0);
  r->fatal = level && strcmp(level, "ERROR") == 0;
  if (lfh_dup_or_null(log->update_id[0] ? log->update_id : NULL, &r->update_id) ||
      lfh_dup_or_null(o ? o->flow_id : NULL, &r->flow_id) ||
      lfh_dup_or_null(o ? o->flow_name : NULL, &r->flow_name) ||
      lfh_dup_or_null(o ? o->dataset_name : NULL, &r->dataset_name) ||
      !(r->level = strdup(level ? level : "INFO")) || !(r->event_type = strdup(event_type)) ||
      !(r->message = strdup(message ? message : "")) || lfh_dup_or_null(error, &r->error)) {
    rec_free(r);
    goto nomem;
  }
  log->last_ts_us = r->ts_us;
  log->next_seq++;
  log->n++;
  return LF_OK;
nomem:
  free(details);
  return lf_error_set(err, LF_ERR_NOMEM, "out of memory recording a %s event", event_type);
}

int lfh_eventlog_emit(lfh_eventlog *log, const lfh_event_origin *origin, const char *level,
                      const char *event_type, const char *message, json_t *details,
                      const char *error, lf_error *err) {
  if (!event_type || !*event_type)
    return lf_error_set(err, LF_ERR_INVALID, "an event needs an event_type");
  if (details && !json_is_object(details))
    return lf_error_set(err, LF_ERR_INVALID, "the details of a %s event must be a JSON object",
                        event_type);
  char *text = details ? json_dumps(details, JSON_COMPACT | JSON_ENSURE_ASCII)
                       : strdup("{}");
  if (!text)
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory recording a %s event", event_type);
  return push(log, origin, level, event_type, message, text, error, err);
}

/* Emits {"<event_type>": body}; takes the reference to `body` (NULL: out of memory). */
static int emit_wrapped(lfh_eventlog *log, const lfh_event_origin *o, const char *level,
                        const char *event_type, const char *message, json_t *body,
                        const char *error, lf_error *err) {
  json_t *d = body ? json_object() : NULL;
  if (!d || json_object_set(d, event_type, body) != 0) {
    json_decref(body);
    json_decref(d);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory recording a %s event", event_type);
  }
  json_decref(body);
  int rc = lfh_eventlog_emit(log, o, level, event_type, message, d, error, err);
  json_decref(d);
  return rc;
}

static json_t *string_array(const char *const *items, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    if (json_array_append_new(a, json_string(items[i] ? items[i] : "")) != 0) {
      json_decref(a);
      return NULL;
    }
  return a;
}

int lfh_eventlog_begin_update(lfh_eventlog *log, const char *cause, int full_refresh,
                              const char *const *refresh, size_t n_refresh, lf_error *err) {
  char id[37], msg[160];
  int rc = lfh_uuid_v4(id, err);
  if (rc != LF_OK) return rc;
  if (!cause) cause = "USER_ACTION";
  /* `--full-refresh=a,b` selects tables to reset, `--refresh a,b` tables to update:
   * Lakeflow's full_refresh_selection and refresh_selection. */
  int selective = n_refresh > 0;
  json_t *sel = string_array(refresh, n_refresh);
  json_t *none = json_array();
  json_t *body = sel && none ? json_pack("{s:s, s:b, s:O, s:O}", "cause", cause,
                                         "full_refresh", full_refresh && !selective,
                                         "full_refresh_selection", full_refresh ? sel : none,
                                         "refresh_selection", full_refresh ? none : sel)
                             : NULL;
  json_decref(sel);
  json_decref(none);
  memcpy(log->update_id, id, sizeof id);
  snprintf(msg, sizeof msg, "Update %.6s started by %s.", id, cause);
  return emit_wrapped(log, NULL, "INFO", "create_update", msg, body, NULL, err);
}

int lfh_eventlog_update_progress(lfh_eventlog *log, const char *state, const char *error,
                                 lf_error *err) {
  char msg[160];
  if (!state) return lf_error_set(err, LF_ERR_INVALID, "update_progress needs a state");
  snprintf(msg, sizeof msg, "Update %.6s is %s.", log->update_id[0] ? log->update_id : "-",
           state);
  json_t *body = json_pack("{s:s}", "state", state);
  int failed = strcmp(state, "FAILED") == 0;
  return emit_wrapped(log, NULL, failed ? "ERROR" : "INFO", "update_progress", msg, body,
                      error, err);
}

/* {"num_output_rows": .., ...}: Lakeflow's metrics, plus what lfhost knows besides. */
static json_t *flow_metrics_json(const lfh_flow_metrics *m) {
  json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:f}", "num_output_rows",
                        (json_int_t)m->num_output_rows, "num_input_rows",
                        (json_int_t)m->num_input_rows, "num_files", (json_int_t)m->num_files,
                        "input_bytes", (json_int_t)m->input_bytes, "duration_seconds",
                        m->duration_s);
  if (j && m->epoch >= 0 && json_object_set_new(j, "epoch", json_integer(m->epoch)) != 0)
    goto fail;
  if (j && m->snapshot_id >= 0 &&
      json_object_set_new(j, "snapshot_id", json_integer(m->snapshot_id)) != 0)
    goto fail;
  return j;
fail:
  json_decref(j);
  return NULL;
}

static json_t *data_quality_json(const lfh_flow_metrics *m) {
  json_t *dq = m->data_quality ? json_deep_copy(m->data_quality) : json_object();
  if (dq && !json_is_object(dq)) {
    json_decref(dq);
    return NULL;
  }
  if (dq && !json_object_get(dq, "dropped_records") &&
      json_object_set_new(dq, "dropped_records", json_integer(m->dropped_records)) != 0) {
    json_decref(dq);
    return NULL;
  }
  return dq;
}

static void flow_message(char *msg, size_t cap, const lfh_event_origin *o, const char *status,
                         const lfh_flow_metrics *m) {
  const char *name = o && o->flow_name ? o->flow_name : o && o->flow_id ? o->flow_id : "?";
  int final = !strcmp(status, "COMPLETED") || !strcmp(status, "FAILED") ||
              !strcmp(status, "STOPPED") || !strcmp(status, "SKIPPED");
  int len = snprintf(msg, cap, "Flow '%s' %s %s", name, final ? "has" : "is", status);
  if (len < 0 || (size_t)len >= cap) return;
  if (m && m->epoch >= 0)
    snprintf(msg + len, cap - (size_t)len, ": epoch %" PRId64 " wrote %" PRId64 " rows (%" PRId64
             " dropped).", m->epoch, m->num_output_rows, m->dropped_records);
  else if (m)
    snprintf(msg + len, cap - (size_t)len, ": wrote %" PRId64 " rows (%" PRId64 " dropped).",
             m->num_output_rows, m->dropped_records);
  else
    snprintf(msg + len, cap - (size_t)len, ".");
}

int lfh_eventlog_flow_progress(lfh_eventlog *log, const lfh_event_origin *origin,
                               const char *status, const lfh_flow_metrics *m,
                               const char *error, lf_error *err) {
  char msg[512];
  if (!status) return lf_error_set(err, LF_ERR_INVALID, "flow_progress needs a status");
  json_t *body = json_pack("{s:s}", "status", status);
  if (body && m) {
    json_t *metrics = flow_metrics_json(m), *dq = data_quality_json(m);
    if (!metrics || !dq || json_object_set_new(body, "metrics", metrics) != 0 ||
        json_object_set_new(body, "data_quality", dq) != 0) {
      json_decref(body);
      body = NULL;
    }
  }
  flow_message(msg, sizeof msg, origin, status, m);
  int failed = strcmp(status, "FAILED") == 0;
  return emit_wrapped(log, origin, failed ? "ERROR" : "INFO", "flow_progress", msg, body,
                      error, err);
}

int lfh_eventlog_flow_definition(lfh_eventlog *log, const lfh_event_origin *origin,
                                 const char *const *inputs, size_t n_inputs,
                                 const char *output, json_t *extra, lf_error *err) {
  char msg[512];
  const char *name = origin && origin->flow_name ? origin->flow_name : output;
  json_t *body = extra && json_is_object(extra) ? json_deep_copy(extra) : json_object();
  json_t *in = string_array(inputs, n_inputs);
  if (body && !json_object_get(body, "flow_type"))
    json_object_set_new(body, "flow_type", json_string("APPEND"));
  if (!body || !in || json_object_set_new(body, "input_datasets", in) != 0 ||
      json_object_set_new(body, "output_dataset", output ? json_string(output) : json_null())) {
    if (!body) json_decref(in);
    json_decref(body);
    body = NULL;
  }
  const char *type = body ? json_string_value(json_object_get(body, "flow_type")) : NULL;
  snprintf(msg, sizeof msg, "Flow '%s' is defined as %s.", name ? name : "?",
           type ? type : "APPEND");
  lfh_event_origin o = {origin ? origin->flow_id : NULL, origin ? origin->flow_name : NULL,
                        output};
  return emit_wrapped(log, &o, "INFO", "flow_definition", msg, body, NULL, err);
}

int lfh_eventlog_dataset_definition(lfh_eventlog *log, const char *dataset, const char *type,
                                    const char *schema_ddl, const char *location,
                                    lf_error *err) {
  char msg[512], utype[64];
  size_t i = 0;
  for (; type && type[i] && i + 1 < sizeof utype; i++)
    utype[i] = (char)toupper((unsigned char)type[i]);
  utype[i] = '\0';
  json_t *body = json_pack("{s:s, s:s?, s:s?}", "dataset_type", i ? utype : "TABLE",
                           "schema_ddl", schema_ddl, "location", location);
  snprintf(msg, sizeof msg, "Dataset '%s' is defined as %s.", dataset ? dataset : "?",
           i ? utype : "TABLE");
  lfh_event_origin o = {NULL, NULL, dataset};
  return emit_wrapped(log, &o, "INFO", "dataset_definition", msg, body, NULL, err);
}

/* ------------------------------------------------------------ flushing */

static void append_str(lf_builder *b, const char *s) {
  if (s) lf_builder_append_cstr(b, s);
  else lf_builder_append_null(b);
}

static void append_rec(lfh_ev_builders *b, const lfh_eventlog *log, const ev_rec *r) {
  lf_builder_append_struct(b->root);
  lf_builder_append_cstr(b->col[LFH_EV_ID], r->id);
  lf_builder_append_struct(b->col[LFH_EV_SEQUENCE]);
  append_str(b->seq[LFH_EV_SEQ_UPDATE_ID], r->update_id);
  lf_builder_append_int64(b->seq[LFH_EV_SEQ_SEQ_NO], r->seq_no);
  lf_builder_append_struct(b->col[LFH_EV_ORIGIN]);
  append_str(b->origin[LFH_EV_ORIGIN_PIPELINE_ID], log->pipeline_id);
  append_str(b->origin[LFH_EV_ORIGIN_PIPELINE_NAME], log->pipeline_name);
  append_str(b->origin[LFH_EV_ORIGIN_UPDATE_ID], r->update_id);
  append_str(b->origin[LFH_EV_ORIGIN_FLOW_ID], r->flow_id);
  append_str(b->origin[LFH_EV_ORIGIN_FLOW_NAME], r->flow_name);
  append_str(b->origin[LFH_EV_ORIGIN_DATASET_NAME], r->dataset_name);
  lf_builder_append_timestamp(b->col[LFH_EV_TIMESTAMP], r->ts_us);
  lf_builder_append_cstr(b->col[LFH_EV_LEVEL], r->level);
  lf_builder_append_cstr(b->col[LFH_EV_MATURITY_LEVEL], "STABLE");
  lf_builder_append_cstr(b->col[LFH_EV_EVENT_TYPE], r->event_type);
  lf_builder_append_cstr(b->col[LFH_EV_MESSAGE], r->message);
  lf_builder_append_cstr(b->col[LFH_EV_DETAILS], r->details);
  if (!r->has_error) {
    lf_builder_append_null(b->col[LFH_EV_ERROR]);
    return;
  }
  lf_builder_append_struct(b->col[LFH_EV_ERROR]);
  lf_builder_append_bool(b->error[LFH_EV_ERROR_FATAL], r->fatal);
  append_str(b->error[LFH_EV_ERROR_MESSAGE], r->error ? r->error : r->message);
}

static int commit_batch(lfh_eventlog *log, struct ArrowSchema *schema, struct ArrowArray *batch,
                        lf_error *err) {
  char flow_id[64], epoch[32], last_seq[32];
  lfh_kvs props = {0};
  lfh_table_append *a = NULL;
  snprintf(flow_id, sizeof flow_id, EV_FLOW_ID_PREFIX "%s", log->writer_id);
  snprintf(epoch, sizeof epoch, "%" PRId64, log->n_flushes + 1);
  snprintf(last_seq, sizeof last_seq, "%" PRId64, log->buf[log->n - 1].seq_no);
  int rc = LF_ERR_NOMEM;
  if (lfh_kvs_set(&props, "lf.flow-id", flow_id) != 0 ||
      lfh_kvs_set(&props, "lf.epoch", epoch) != 0 ||
      lfh_kvs_set(&props, EV_PROP_LAST_SEQ, last_seq) != 0) {
    lf_error_set(err, rc, "out of memory flushing the event log");
    goto done;
  }
  if ((rc = lfh_table_append_begin(log->table, schema, &a, err)) != LF_OK) goto done;
  if ((rc = lfh_table_append_batch(a, batch, err)) != LF_OK) goto done;
  rc = lfh_table_append_commit(a, &props, NULL, err);
  /* Our own earlier attempt of this very flush landed: the events are in the table. */
  if (rc == LF_ERR_CONFLICT) rc = LF_OK;
done:
  lfh_table_append_free(a);
  lfh_kvs_free(&props);
  return rc;
}

int lfh_eventlog_flush(lfh_eventlog *log, lf_error *err) {
  if (log->n == 0) return LF_OK;
  lfh_ev_builders b;
  struct ArrowArray batch;
  struct ArrowSchema schema;
  if (lfh_ev_builders_init(&b) != LF_OK)
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory flushing the event log");
  for (size_t i = 0; i < log->n; i++) append_rec(&b, log, &log->buf[i]);
  int rc = lf_builder_finish(b.root, &batch, &schema, err);
  if (rc != LF_OK) return rc;
  rc = commit_batch(log, &schema, &batch, err);
  lf_array_release(&batch);
  lf_schema_release(&schema);
  if (rc != LF_OK) return rc; /* events kept: a later flush retries them */
  buf_clear(log);
  log->n_flushes++;
  return LF_OK;
}
