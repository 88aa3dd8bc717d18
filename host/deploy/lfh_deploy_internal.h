/* lfh_deploy_internal — the deployment plan shared by lfh_deploy*.c; not an API. */
#ifndef LFH_DEPLOY_INTERNAL_H
#define LFH_DEPLOY_INTERNAL_H

#include <stdio.h>

#include "deploy/lfh_deploy.h"
#include "deploy/lfh_deploy_state.h"
#include "deploy/lfh_lock.h"
#include "engine/lfh_session.h"
#include "lf/lf_arrow.h"
#include "table/lfh_table.h"

/* What deploy does with one table. */
typedef enum lfh_deploy_act {
  LFH_ACT_KEEP = 0,  /* exists as wanted (maybe with a property update: props_change) */
  LFH_ACT_CREATE,    /* a new table */
  LFH_ACT_EVOLVE,    /* additive schema change (and maybe properties) */
  LFH_ACT_RECREATE,  /* breaking change: Iceberg REPLACE, flows restart (destructive) */
  LFH_ACT_DETACH,    /* no longer in the bundle: forgotten, data kept (destructive) */
  LFH_ACT_PENDING    /* cannot be created yet; an existing entry is carried over */
} lfh_deploy_act;

#define LFH_TABLE_TYPE_STREAMING "streaming_table"
#define LFH_TABLE_TYPE_QUARANTINE "quarantine"
#define LFH_TABLE_TYPE_EVENT_LOG "event_log"

typedef struct lfh_deploy_item {
  lfh_deploy_act act;
  int props_change;          /* properties to set on an existing table */
  char *full_name;           /* "<catalog>.<schema>.<name>" */
  char *prefix;              /* key prefix under `storage` */
  char *storage;             /* the pipeline's storage root */
  char *type;                /* LFH_TABLE_TYPE_* or the dataset's type for PENDING */
  char *pipeline;            /* pipeline key */
  char *pipeline_id, *pipeline_name; /* for the event log */
  char *why;                 /* the change or the note, or NULL */
  struct ArrowSchema schema; /* the wanted schema (release NULL when none) */
  lfh_kvs props;             /* the wanted properties */
  char **flows;              /* flows writing it: their checkpoints reset on RECREATE */
  size_t n_flows;
  const lfh_deploy_table *old; /* borrowed from plan->old, or NULL */
} lfh_deploy_item;

typedef struct lfh_deploy_plan {
  char *root_path;           /* the target's workspace root (absolute or a URI) */
  lfh_deploy_state *old;     /* the recorded state, NULL on a first deploy */
  lfh_deploy_state *next;    /* bundle, pipelines, jobs, plugins; tables filled by
                                lfh_deploy_record after the plan was carried out */
  lfh_deploy_item *items;
  size_t n_items;
  size_t n_new_resources;    /* pipelines and jobs new in `next` */
} lfh_deploy_plan;

/* The workspace root of the session's target (malloc'd), as lfh_pipeline anchors it. */
char *lfh_deploy_root_path(const lfh_bundle *b);

/* The deployment lock of `root` for `command` ("deploy", "destroy"), as the CLI reports
 * it: the refusal as an error, a stale holder's note as a warning, both on `errs`.
 * 0 with *out set, or 1. */
int lfh_deploy_lock(const char *root, const char *command, int force, lfh_lock **out,
                    FILE *errs);
/* Releases a lock taken by lfh_deploy_lock (NULL is fine); 0, or 1 after an error on
 * `errs`. */
int lfh_deploy_unlock(lfh_lock *lock, FILE *errs);

/* Makes the plan: state header of `next`, every pipeline wired, every table compared.
 * Errors (diagnostics of wiring, store failures) are printed to `errs`; returns 0 or 1. */
int lfh_deploy_plan_make(lfh_session *s, lfh_deploy_plan *plan, FILE *errs);
void lfh_deploy_plan_free(lfh_deploy_plan *plan);

/* Fills plan->next->tables from the tables as they now are (uuid, fingerprint) and the
 * carried-over entries of pending ones. */
int lfh_deploy_record(lfh_deploy_plan *plan, lf_error *err);

/* "sha256:<hex>" of `len` bytes into out (80 bytes). */
void lfh_deploy_sha256(const void *data, size_t len, char out[80]);
/* Deletes every object under `prefix` of the store at `root`; counts into *n (may be NULL). */
int lfh_deploy_delete_prefix(const char *root, const char *prefix, size_t *n, lf_error *err);

#endif
