/*
 * lfh_eventlog_schema — the event log's columns as one builder tree: the table is created
 * from the schema of an empty tree and every flush builds its batch with the same tree,
 * so the two cannot drift apart.
 */
#include "lfh_eventlog_schema.h"

#include <string.h>

const char *const lfh_ev_column_names[LFH_EV_N_COLUMNS] = {
    "id",      "sequence",   "origin",  "timestamp", "level", "maturity_level",
    "event_type", "message", "details", "error"};
const char *const lfh_ev_seq_names[LFH_EV_SEQ_N] = {"update_id", "seq_no"};
const char *const lfh_ev_origin_names[LFH_EV_ORIGIN_N] = {
    "pipeline_id", "pipeline_name", "update_id", "flow_id", "flow_name", "dataset_name"};
const char *const lfh_ev_error_names[LFH_EV_ERROR_N] = {"fatal", "message"};

static const char *column_format(int i) {
  switch (i) {
  case LFH_EV_SEQUENCE:
  case LFH_EV_ORIGIN:
  case LFH_EV_ERROR: return LF_FORMAT_STRUCT;
  case LFH_EV_TIMESTAMP: return LF_FORMAT_TIMESTAMP;
  default: return LF_FORMAT_UTF8;
  }
}

/* Lakeflow declares these NOT NULL; maturity_level and error may be null. */
static int column_required(int i) {
  return i != LFH_EV_MATURITY_LEVEL && i != LFH_EV_ERROR;
}

int lfh_ev_builders_init(lfh_ev_builders *b) {
  memset(b, 0, sizeof *b);
  b->root = lf_builder_new(LF_FORMAT_STRUCT, "");
  if (!b->root) return LF_ERR_NOMEM;
  lf_builder_set_nullable(b->root, 0);
  for (int i = 0; i < LFH_EV_N_COLUMNS; i++) {
    b->col[i] = lf_builder_add_child(b->root, column_format(i), lfh_ev_column_names[i]);
    if (!b->col[i]) goto fail;
    if (column_required(i)) lf_builder_set_nullable(b->col[i], 0);
  }
  for (int i = 0; i < LFH_EV_SEQ_N; i++) {
    const char *fmt = i == LFH_EV_SEQ_SEQ_NO ? LF_FORMAT_INT64 : LF_FORMAT_UTF8;
    b->seq[i] = lf_builder_add_child(b->col[LFH_EV_SEQUENCE], fmt, lfh_ev_seq_names[i]);
    if (!b->seq[i]) goto fail;
  }
  lf_builder_set_nullable(b->seq[LFH_EV_SEQ_SEQ_NO], 0);
  for (int i = 0; i < LFH_EV_ORIGIN_N; i++) {
    b->origin[i] = lf_builder_add_child(b->col[LFH_EV_ORIGIN], LF_FORMAT_UTF8,
                                        lfh_ev_origin_names[i]);
    if (!b->origin[i]) goto fail;
  }
  for (int i = 0; i < LFH_EV_ERROR_N; i++) {
    const char *fmt = i == LFH_EV_ERROR_FATAL ? LF_FORMAT_BOOL : LF_FORMAT_UTF8;
    b->error[i] = lf_builder_add_child(b->col[LFH_EV_ERROR], fmt, lfh_ev_error_names[i]);
    if (!b->error[i]) goto fail;
  }
  return LF_OK;
fail:
  lf_builder_free(b->root);
  memset(b, 0, sizeof *b);
  return LF_ERR_NOMEM;
}

int lfh_ev_schema(struct ArrowSchema *out, lf_error *err) {
  lfh_ev_builders b;
  struct ArrowArray empty;
  if (lfh_ev_builders_init(&b) != LF_OK)
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory building the event log schema");
  int rc = lf_builder_finish(b.root, &empty, out, err);
  if (rc == LF_OK) lf_array_release(&empty);
  return rc;
}
