/*
 * lfh_deploy — `lfhost deploy`, `destroy` and `summary` (docs/DEPLOY.md).
 *
 * deploy: the bundle is opened with lfh_session_open (exactly validate's checks: a bundle
 * with errors is refused with its diagnostics), the target's deployment lock is taken
 * (lfh_lock), every pipeline is read and wired (lfh_pipeline) to learn its datasets'
 * schemas, and a plan is made against the recorded state and the tables that exist:
 * tables to create (streaming tables, `<dataset>_quarantine` tables, the event log),
 * tables to evolve (additive schema changes, widenings, property changes), and
 * destructive changes (recreate after a breaking schema or partitioning change, a table
 * no longer in the bundle). Destructive changes are listed and refused — nothing at all is
 * changed — unless `auto_approve`. Datasets that cannot be created yet (a plugin of their
 * flows is missing, materialized and temporary views) are reported as pending. Then the
 * plan is carried out and the state (lfh_deploy_state) written — only when it differs, so
 * a second deploy of the same bundle touches nothing.
 *
 * Output goes to `out` (one line per change, then "N created, M changed"); diagnostics
 * and errors to `errs`. Every function returns the process exit code: 0 done, 1 refused
 * or failed.
 */
#ifndef LFH_DEPLOY_H
#define LFH_DEPLOY_H

#include <stdio.h>

#include "bundle/lfh_bundle.h"

typedef struct lfh_deploy_opts {
  lfh_bundle_opts bundle;
  int auto_approve;  /* --auto-approve */
  int force_lock;    /* --force-lock */
  int json;          /* summary -o json */
  FILE *out, *errs;  /* NULL: stdout, stderr */
} lfh_deploy_opts;

int lfh_deploy_run(const lfh_deploy_opts *o);
/* Removes every table the state lists, the pipelines' checkpoints, then the state. Without
 * auto_approve it only lists what it would remove and returns 1. */
int lfh_deploy_destroy(const lfh_deploy_opts *o);
/* Bundle name, target, workspace root, resources with ids and table locations, plugin
 * versions, deployed_at; o->json: the same as one JSON object. */
int lfh_deploy_summary(const lfh_deploy_opts *o);

#endif
