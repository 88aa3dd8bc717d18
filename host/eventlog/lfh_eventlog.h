/*
 * lfh_eventlog — a pipeline's event log: an Iceberg table with the shape of the Lakeflow
 * (DLT) event log, `<catalog>.<schema>.<pipeline key>_event_log` under the pipeline's
 * storage root, from which run history, data-quality reports, lineage and throughput are
 * read (`lfhost events`, `lfhost runs`; docs/EVENTLOG.md).
 *
 * Columns (Lakeflow names): id STRING (UUID), sequence STRUCT<update_id STRING,
 * seq_no BIGINT> (strictly increasing within an update), origin STRUCT<pipeline_id,
 * pipeline_name, update_id, flow_id, flow_name, dataset_name STRING>, timestamp
 * TIMESTAMP, level STRING (INFO, WARN, ERROR, METRICS), maturity_level STRING (STABLE),
 * event_type STRING, message STRING, details STRING (JSON, keyed by event_type as in
 * Lakeflow: {"flow_progress": {...}}), error STRUCT<fatal BOOLEAN, message STRING>.
 *
 * Writing is buffered: events are appended to the table by lfh_eventlog_flush, one Iceberg
 * commit per flush (the engine flushes at state changes and after each epoch's commit). A
 * crash loses at most the unflushed events, and never duplicates one.
 *
 * Not thread-safe per log.
 */
#ifndef LFH_EVENTLOG_H
#define LFH_EVENTLOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lf/lf_plugin.h"
#include "store/lfh_store.h"

typedef struct lfh_eventlog lfh_eventlog;

/* Where an event comes from; every field may be NULL (borrowed for the call). */
typedef struct lfh_event_origin {
  const char *flow_id;      /* "<pipeline key>.<flow>" (lf.flow-id) */
  const char *flow_name;
  const char *dataset_name;
} lfh_event_origin;

/* Opens (creating when absent) the event log table of a pipeline at `prefix` (e.g.
 * "dev/clickstream/clickstream_event_log") of `store` (borrowed; must outlive the log).
 * `pipeline_id` (the stable id deploy assigned) and `pipeline_name` are copied. */
int lfh_eventlog_open(lfh_store *store, const char *prefix, const char *pipeline_id,
                      const char *pipeline_name, lfh_eventlog **out, lf_error *err);
/* Frees the log; unflushed events are dropped (flush first). */
void lfh_eventlog_close(lfh_eventlog *log);

/* Starts an update: a fresh update id (UUID v4, readable through lfh_eventlog_update_id)
 * and a `create_update` event with details {"create_update": {"cause": cause,
 * "full_refresh": bool, "refresh_selection": [...]}}; `cause` e.g. "USER_ACTION",
 * "JOB_TASK", "RETRY_ON_FAILURE". `refresh` may be NULL. */
int lfh_eventlog_begin_update(lfh_eventlog *log, const char *cause, int full_refresh,
                              const char *const *refresh, size_t n_refresh, lf_error *err);
const char *lfh_eventlog_update_id(const lfh_eventlog *log);

/* Any event. `details` is borrowed (NULL: "{}"); `error` NULL unless level is ERROR. */
int lfh_eventlog_emit(lfh_eventlog *log, const lfh_event_origin *origin, const char *level,
                      const char *event_type, const char *message, json_t *details,
                      const char *error, lf_error *err);

/* `update_progress`: the update's state — INITIALIZING, SETTING_UP_TABLES, RUNNING,
 * STOPPING, COMPLETED, FAILED, CANCELED. `error` for FAILED (else NULL). */
int lfh_eventlog_update_progress(lfh_eventlog *log, const char *state, const char *error,
                                 lf_error *err);

/* `flow_progress` of one flow: status QUEUED, STARTING, RUNNING, COMPLETED, FAILED,
 * SKIPPED, STOPPED, IDLE. Metrics may be NULL (state changes only). */
typedef struct lfh_flow_metrics {
  int64_t num_output_rows;
  int64_t num_input_rows;
  int64_t num_files;            /* files read (sources that read files), else 0 */
  int64_t input_bytes;
  int64_t epoch;                /* the epoch committed, or -1 */
  int64_t snapshot_id;          /* the table snapshot committed, or -1 */
  double duration_s;            /* of this epoch/flow run */
  int64_t dropped_records;      /* by expectations */
  json_t *data_quality;         /* borrowed: lfh_quality's `data_quality` object, or NULL */
} lfh_flow_metrics;
int lfh_eventlog_flow_progress(lfh_eventlog *log, const lfh_event_origin *origin,
                               const char *status, const lfh_flow_metrics *m,
                               const char *error, lf_error *err);

/* `flow_definition` (lineage: the flow's input datasets or source, its output dataset,
 * its stages) and `dataset_definition` (type, schema as Spark DDL, table location). */
int lfh_eventlog_flow_definition(lfh_eventlog *log, const lfh_event_origin *origin,
                                 const char *const *inputs, size_t n_inputs,
                                 const char *output, json_t *extra, lf_error *err);
int lfh_eventlog_dataset_definition(lfh_eventlog *log, const char *dataset, const char *type,
                                    const char *schema_ddl, const char *location,
                                    lf_error *err);

/* Appends the buffered events in one commit (nothing to do when none). On failure the
 * events stay buffered and the next flush retries them; a retried flush whose earlier
 * attempt did land is recognised (lf.flow-id/lf.epoch of the writer) and not written twice. */
int lfh_eventlog_flush(lfh_eventlog *log, lf_error *err);

/* Events buffered and not yet flushed. */
size_t lfh_eventlog_pending(const lfh_eventlog *log);


#endif
