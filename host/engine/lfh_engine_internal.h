/* Shared between the update (lfh_engine.c) and the flow runner (lfh_flow_run.c). */
#ifndef LFH_ENGINE_INTERNAL_H
#define LFH_ENGINE_INTERNAL_H

#include "engine/lfh_checkpoint.h"
#include "engine/lfh_engine.h"
#include "eventlog/lfh_eventlog.h"
#include "store/lfh_store.h"
#include "table/lfh_table.h"

/* Summary keys beside lf.flow-id / lf.epoch. */
#define LFH_SUMMARY_UPSTREAM "lf.upstream." /* + dataset: upstream snapshot read up to */
#define LFH_SUMMARY_REFRESH "lf.refresh."   /* + flow id: epoch before a full refresh */

typedef struct lfh_update {
  lfh_pipeline *p;
  lfh_registry *reg;
  const lfh_run_opts *o;
  lfh_store *tables;     /* p->storage */
  lfh_store *state;      /* p->root_path */
  lfh_eventlog *log;     /* NULL without an event log */
  const lfh_stage_info *expect_stage; /* sql_expectations, or NULL */
  lfh_update_result *res;
  int continuous;
  int64_t interval_us;
  int fault_epoch;       /* LFHOST_FAULT: -1 none */
  char fault_step[32];
} lfh_update;

/* Per flow and update: its table handles and checkpoint. */
typedef struct lfh_flow_rt {
  lfh_flow *f;
  lfh_dataset *ds;
  char *flow_id;
  lfh_table *table;      /* the target */
  lfh_table *quarantine; /* NULL when no rule quarantines */
  lfh_table *upstream;   /* FROM_TABLE: the source dataset's table */
  lfh_checkpoint *ckpt;
  int resumed;           /* state loaded (once per update) */
  uint64_t epoch;        /* last committed epoch */
  int64_t upstream_snap; /* FROM_TABLE: read up to here (0: nothing yet) */
  int done;              /* triggered mode: nothing new */
} lfh_flow_rt;

/* Runs epochs of one flow until its source has nothing new (or stop / failure).
 * Returns LF_OK, or a negative status with u->res->error set. *committed counts the
 * epochs it committed. */
int lfh_flow_run(lfh_update *u, lfh_flow_rt *rt, int64_t *committed);

/* Event-log calls never fail an update: a failure is logged as a warning. */
void lfh_update_warn_log(lfh_update *u, int rc, const char *what, const char *msg);

/* Fails the update with a message (first failure wins). Returns `rc`. */
int lfh_update_fail(lfh_update *u, int rc, const char *fmt, ...) LFH_PRINTF(3, 4);

/* The fault points (lfh_engine_fault_hook, LFHOST_FAULT). Non-zero: stop as if crashed. */
int lfh_update_fault(lfh_update *u, const char *flow, const char *step, uint64_t epoch);

#endif
