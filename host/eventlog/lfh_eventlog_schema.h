/*
 * lfh_eventlog_schema — the columns of the event log table, shared by the writer
 * (lfh_eventlog.c) and the reader (lfh_eventlog_query.c) so both always agree.
 */
#ifndef LFH_EVENTLOG_SCHEMA_H
#define LFH_EVENTLOG_SCHEMA_H

#include "lf/lf_array.h"

/* Top-level columns, in table order. */
enum {
  LFH_EV_ID,
  LFH_EV_SEQUENCE,       /* struct<update_id, seq_no> */
  LFH_EV_ORIGIN,         /* struct<pipeline_id, pipeline_name, update_id, flow_id,
                            flow_name, dataset_name> */
  LFH_EV_TIMESTAMP,
  LFH_EV_LEVEL,
  LFH_EV_MATURITY_LEVEL,
  LFH_EV_EVENT_TYPE,
  LFH_EV_MESSAGE,
  LFH_EV_DETAILS,
  LFH_EV_ERROR,          /* struct<fatal, message>, null unless the event is an error */
  LFH_EV_N_COLUMNS
};

/* Children of `sequence`, `origin` and `error`, in order. */
enum { LFH_EV_SEQ_UPDATE_ID, LFH_EV_SEQ_SEQ_NO, LFH_EV_SEQ_N };
enum {
  LFH_EV_ORIGIN_PIPELINE_ID,
  LFH_EV_ORIGIN_PIPELINE_NAME,
  LFH_EV_ORIGIN_UPDATE_ID,
  LFH_EV_ORIGIN_FLOW_ID,
  LFH_EV_ORIGIN_FLOW_NAME,
  LFH_EV_ORIGIN_DATASET_NAME,
  LFH_EV_ORIGIN_N
};
enum { LFH_EV_ERROR_FATAL, LFH_EV_ERROR_MESSAGE, LFH_EV_ERROR_N };

/* The builders of one batch: the root and every leaf, by the enums above. */
typedef struct lfh_ev_builders {
  lf_builder *root;
  lf_builder *col[LFH_EV_N_COLUMNS];
  lf_builder *seq[LFH_EV_SEQ_N];
  lf_builder *origin[LFH_EV_ORIGIN_N];
  lf_builder *error[LFH_EV_ERROR_N];
} lfh_ev_builders;

/* Column names (top level, then the children's). */
extern const char *const lfh_ev_column_names[LFH_EV_N_COLUMNS];
extern const char *const lfh_ev_seq_names[LFH_EV_SEQ_N];
extern const char *const lfh_ev_origin_names[LFH_EV_ORIGIN_N];
extern const char *const lfh_ev_error_names[LFH_EV_ERROR_N];

/* A fresh builder tree with the table's schema (required columns non-nullable). Returns
 * LF_OK or LF_ERR_NOMEM; on success b->root is owned by the caller (finish or free). */
int lfh_ev_builders_init(lfh_ev_builders *b);

/* The table's Arrow schema into *out (caller-owned storage; release it). */
int lfh_ev_schema(struct ArrowSchema *out, lf_error *err);

#endif
