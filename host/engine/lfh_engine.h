/*
 * lfh_engine — one update of a wired pipeline (docs/ENGINE.md): the selected flows run in
 * dependency order, each as a sequence of epochs (micro-batches) under the checkpoint
 * protocol: plan -> persist plan -> read -> transforms -> hashers -> expectations ->
 * persist state -> quarantine + table commit (lf.flow-id, lf.epoch) -> source committed.
 *
 * Triggered mode runs each flow until its source has nothing new; continuous mode loops
 * with the trigger interval until *stop becomes non-zero, finishing (committing) the epoch
 * in progress first.
 *
 * Ownership: the engine borrows the pipeline (wired), the registry and the search path.
 */
#ifndef LFH_ENGINE_H
#define LFH_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/lfh_pipeline.h"
#include "loader/lfh_loader.h"

/* The update's final state. */
#define LFH_UPDATE_COMPLETED 0
#define LFH_UPDATE_FAILED 1
#define LFH_UPDATE_CANCELED 2

/* One committed epoch, as reported to the progress callback. */
typedef struct lfh_epoch_report {
  const char *flow;
  const char *dataset;
  uint64_t epoch;
  int64_t rows_in, rows_out, dropped, quarantined, files, bytes;
  int64_t snapshot_id;
  double seconds;
  int noop; /* 1: the epoch was already committed (a replay) */
} lfh_epoch_report;

typedef struct lfh_run_opts {
  const char *pipeline_id;     /* deploy's stable id (event log); NULL: the key */
  const char *cause;           /* create_update cause; NULL: "USER_ACTION" */
  int full_refresh_all;        /* --full-refresh without a list */
  const char *const *full_refresh; /* --full-refresh=a,b: datasets */
  size_t n_full_refresh;
  const char *const *refresh;  /* --refresh a,b: datasets to update (NULL: all) */
  size_t n_refresh;
  int continuous;              /* -1: the pipeline's setting, 0/1: override */
  int64_t trigger_interval_us; /* 0: the pipeline's, else 5 s */
  int64_t deadline_us;         /* 0: none; a monotonic time after which the update fails */
  volatile sig_atomic_t *stop; /* may be NULL: set by SIGINT/SIGTERM handlers */
  const lfh_searchpath *sp;    /* where to find lf_quality when the bundle does not list it */
  int no_eventlog;             /* 1: do not write the event log (tests) */
  void (*on_epoch)(void *ud, const lfh_epoch_report *r);
  void (*on_status)(void *ud, const char *flow, const char *status);
  void *ud;
} lfh_run_opts;

typedef struct lfh_update_result {
  int state;                   /* LFH_UPDATE_* */
  int64_t epochs, rows, files; /* committed by this update */
  char update_id[40];          /* the event log's, or "" */
  char error[1024];            /* the failure's message, or "" */
} lfh_update_result;

/* Runs one update. Returns 0 when it completed or was canceled cleanly, -1 when it
 * failed (res->error says why). */
int lfh_engine_run(lfh_pipeline *p, lfh_registry *reg, const lfh_run_opts *o,
                   lfh_update_result *res);

/* Test hook: when set, called at each protocol step ("planned", "read", "state",
 * "committed") of every epoch; a non-zero answer makes the update fail right there, as a
 * crash would (nothing after that step happens). Also settable for the lfhost binary with
 * LFHOST_FAULT=<step>:<epoch> (exit code 99 at that point). */
extern int (*lfh_engine_fault_hook)(const char *flow, const char *step, uint64_t epoch);

#endif
