/*
 * lfh_deploy_state — what `lfhost deploy` recorded about a target: the bundle it
 * deployed (name, target, digest), when and with which lfhost, and every resource it
 * manages (pipelines with their stable ids, jobs, plugins with versions, tables with
 * their Iceberg table-uuid and schema fingerprint). docs/DEPLOY.md describes the file.
 *
 * It lives at `<root_path>/state/deployment.json` (root_path = the target's
 * workspace.root_path, lfh_pipeline.root_path), read and written through lfh_store so an
 * abfss:// root works as a local one. Writes are atomic (lfh_store_put: readers see the
 * old or the new whole file). It never holds a secret: the digest is taken over the
 * resolved bundle with secrets redacted, and no option value is stored.
 *
 * Ownership: an lfh_deploy_state owns every string and array in it; the add functions
 * copy their arguments. Lookups return pointers into the state, valid while it lives.
 * Errors: negative lf_status codes with a one-line message in `err`.
 */
#ifndef LFH_DEPLOY_STATE_H
#define LFH_DEPLOY_STATE_H

#include <stddef.h>

#include "lf/lf_plugin.h"
#include "util/lfh_uuid.h"

#define LFH_DEPLOY_STATE_KEY "state/deployment.json" /* under root_path */
#define LFH_DEPLOY_STATE_VERSION 1                   /* "state_version" in the file */

typedef struct lfh_deploy_pipeline {
  char *key;     /* resources.pipelines.<key> */
  char *id;      /* UUID v4, assigned at the first deploy and kept forever after */
  char *name, *catalog, *schema, *storage;
} lfh_deploy_pipeline;

typedef struct lfh_deploy_job {
  char *key;     /* resources.jobs.<key> */
  char *id;      /* UUID v4, stable like a pipeline's */
  char *name;
} lfh_deploy_job;

typedef struct lfh_deploy_plugin {
  char *name, *version, *path; /* path: the .so that was loaded */
} lfh_deploy_plugin;

typedef struct lfh_deploy_table {
  char *full_name;    /* "<catalog>.<schema>.<name>" */
  char *location;     /* the table's absolute URI */
  char *table_uuid;   /* Iceberg table-uuid */
  char *fingerprint;  /* lfh_deploy_schema_fingerprint of its current schema */
  char *type;         /* "streaming_table", "quarantine", "event_log" */
  char *pipeline;     /* the key of the pipeline that owns it */
  char *prefix;       /* key prefix under the pipeline's storage root */
} lfh_deploy_table;

typedef struct lfh_deploy_state {
  char *bundle_name;
  char *target;         /* NULL when the bundle defines no target */
  char *bundle_digest;  /* "sha256:<hex>" of the redacted resolved bundle JSON */
  char *deployed_at;    /* RFC 3339 UTC, e.g. "2024-05-01T12:00:00.123Z" */
  char *lfhost_version;
  lfh_deploy_pipeline *pipelines;
  size_t n_pipelines;
  lfh_deploy_job *jobs;
  size_t n_jobs;
  lfh_deploy_plugin *plugins;
  size_t n_plugins;
  lfh_deploy_table *tables;
  size_t n_tables;
} lfh_deploy_state;

/* Reads `<root_path>/state/deployment.json`. LF_ERR_NOT_FOUND (and *out NULL) when the
 * target was never deployed; LF_ERR_DATA when the file is not a valid state. */
int lfh_deploy_state_load(const char *root_path, lfh_deploy_state **out, lf_error *err);
/* The stable id of pipeline `pipeline_key`, or NULL when the state does not list it. */
const char *lfh_deploy_state_pipeline_id(const lfh_deploy_state *s, const char *pipeline_key);
void lfh_deploy_state_free(lfh_deploy_state *s);

/* An empty state (all NULL/0), or NULL when out of memory. */
lfh_deploy_state *lfh_deploy_state_new(void);
/* Writes the state atomically to `<root_path>/state/deployment.json`. */
int lfh_deploy_state_save(const char *root_path, const lfh_deploy_state *s, lf_error *err);
/* Removes the state file (LF_ERR_NOT_FOUND when there is none). */
int lfh_deploy_state_delete(const char *root_path, lf_error *err);

/* JSON text (2-space indented, stable key order) and back; `name` prefixes errors. */
char *lfh_deploy_state_to_json(const lfh_deploy_state *s);
int lfh_deploy_state_parse(const char *json, size_t len, const char *name,
                           lfh_deploy_state **out, lf_error *err);

/* Appends copies (NULL strings stay NULL). 0 or LF_ERR_NOMEM. */
int lfh_deploy_state_add_pipeline(lfh_deploy_state *s, const lfh_deploy_pipeline *p);
int lfh_deploy_state_add_job(lfh_deploy_state *s, const lfh_deploy_job *j);
int lfh_deploy_state_add_plugin(lfh_deploy_state *s, const lfh_deploy_plugin *p);
int lfh_deploy_state_add_table(lfh_deploy_state *s, const lfh_deploy_table *t);
/* Sets a string field (copy; NULL clears). 0 or LF_ERR_NOMEM. */
int lfh_deploy_state_set(char **field, const char *value);

/* Lookups; NULL when absent. */
const lfh_deploy_pipeline *lfh_deploy_state_pipeline(const lfh_deploy_state *s,
                                                     const char *key);
const char *lfh_deploy_state_job_id(const lfh_deploy_state *s, const char *job_key);
const lfh_deploy_table *lfh_deploy_state_table(const lfh_deploy_state *s,
                                               const char *full_name);

/* 1 when `a` and `b` describe the same deployment: everything equal except deployed_at
 * (a redeploy of an unchanged bundle must not rewrite the file). */
int lfh_deploy_state_same(const lfh_deploy_state *a, const lfh_deploy_state *b);

/* The current time as RFC 3339 UTC with milliseconds into `out`. */
void lfh_deploy_now_rfc3339(char out[32]);

#endif
