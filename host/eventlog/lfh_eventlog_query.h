/*
 * lfh_eventlog_query — reading an event log table back: events with filters, and the run
 * history (one row per update) computed from them. `lfhost events` and `lfhost runs` are
 * thin printers over this module.
 *
 * Ownership: an lfh_event_list owns its events and every string in them; an lfh_run array
 * owns its strings. Free with the matching *_free.
 */
#ifndef LFH_EVENTLOG_QUERY_H
#define LFH_EVENTLOG_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_plugin.h"
#include "store/lfh_store.h"

/* One event, every column of the table; NULL for a null string. */
typedef struct lfh_event {
  char *id;
  char *update_id;          /* sequence.update_id */
  int64_t seq_no;           /* sequence.seq_no */
  char *pipeline_id, *pipeline_name, *flow_id, *flow_name, *dataset_name; /* origin */
  int64_t timestamp_us;     /* UTC */
  char *level, *maturity_level, *event_type, *message;
  char *details;            /* JSON text */
  int has_error, error_fatal;
  char *error_message;
} lfh_event;

typedef struct lfh_event_list {
  lfh_event *items;
  size_t n, cap;
} lfh_event_list;

/* What to keep; zeroed = everything. */
typedef struct lfh_event_filter {
  const char *update_id;    /* exact update id */
  const char *event_types;  /* comma-separated event types (any of them) */
  const char *level;        /* comma-separated levels */
  const char *flow;         /* origin.flow_name or origin.dataset_name */
} lfh_event_filter;

/* Appends the events of the table at `prefix` of `store` that pass `f` (NULL: all) to
 * `out`, then sorts the whole list by (timestamp, seq_no). LF_ERR_NOT_FOUND when there is
 * no table at `prefix`. */
int lfh_eventlog_read(lfh_store *store, const char *prefix, const lfh_event_filter *f,
                      lfh_event_list *out, lf_error *err);
/* Sorts by (timestamp, seq_no, id): chronological, each update in sequence order. */
void lfh_event_list_sort(lfh_event_list *l);
/* Drops all but the newest `keep` events (the list must be sorted). */
void lfh_event_list_keep_last(lfh_event_list *l, size_t keep);
void lfh_event_list_free(lfh_event_list *l);

/* Keeps only the events that pass `f`, in order. */
void lfh_event_list_filter(lfh_event_list *l, const lfh_event_filter *f);

/* Resolves what a user typed for an update: "latest" (the newest update), a full id, or a
 * unique prefix of one (as git does with commits). *id is borrowed from the list.
 * LF_ERR_NOT_FOUND when nothing matches, LF_ERR_CONFLICT when a prefix is ambiguous;
 * `err` names the candidates. */
int lfh_event_list_resolve_update(const lfh_event_list *l, const char *arg, const char **id,
                                  lf_error *err);

/* The id of the update whose create_update is the newest in `l` (sorted), else NULL.
 * Borrowed from the list. */
const char *lfh_event_list_latest_update(const lfh_event_list *l);

/* One update as `lfhost runs` shows it. */
typedef struct lfh_run {
  char *update_id;
  char *pipeline_id, *pipeline_name;
  char *cause;              /* create_update's cause, or NULL */
  int full_refresh;         /* create_update's full_refresh */
  int64_t start_us;         /* create_update's time (else the first event's) */
  int64_t end_us;           /* the final state's time; -1 while none */
  char *state;              /* COMPLETED, FAILED or CANCELED; RUNNING without a final */
  int64_t rows_written;     /* sum of flow_progress metrics.num_output_rows */
  int64_t dropped_records;  /* sum of flow_progress data_quality.dropped_records */
  size_t n_flows;           /* distinct flows with a flow_progress event */
  char *error;              /* the first error message of the update, or NULL */
} lfh_run;

/* Groups the events of `l` (sorted) by update, in order of start. *out is malloc'd (free
 * with lfh_runs_free); events outside any update are ignored. */
int lfh_eventlog_runs(const lfh_event_list *l, lfh_run **out, size_t *n, lf_error *err);
void lfh_runs_free(lfh_run *runs, size_t n);

#endif
