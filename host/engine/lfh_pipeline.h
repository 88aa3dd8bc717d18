/*
 * lfh_pipeline — one pipeline of a loaded bundle as the engine and `deploy` see it:
 * its datasets (the tables it publishes), its flows (what feeds each dataset, stage by
 * stage), the order flows run in, and — once wired — every dataset's schema as the flows
 * negotiate it.
 *
 * Two steps, because `deploy` and `run` need both and `validate` only the first:
 *   1. lfh_pipeline_from_bundle: reads `resources.pipelines.<key>` of a checked bundle
 *      into this model (no plugin is touched).
 *   2. lfh_pipeline_wire: creates a stage instance for every stage of every flow from
 *      the registry, negotiates schemas along each flow in dependency order (a flow that
 *      reads a table gets the negotiated schema of that dataset as its input), and fills
 *      lfh_dataset.schema. Errors name the flow, the stage and the bundle position.
 *
 * Ownership: the model owns every string and array in it (freed by lfh_pipeline_free);
 * `options`/`auto_cdc`/`table_properties` nodes and marks are borrowed from the bundle's
 * tree, which must outlive the model. Not thread-safe.
 */
#ifndef LFH_PIPELINE_H
#define LFH_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/lfh_bundle.h"
#include "engine/lfh_hasher.h"
#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"
#include "loader/lfh_loader.h"
#include "quality/lfh_quality.h"
#include "util/lfh_diag.h"

/* Dataset types, as the bundle spells them (`type:`). */
#define LFH_DATASET_STREAMING_TABLE 1u   /* "streaming_table": appended by its flows */
#define LFH_DATASET_MATERIALIZED_VIEW 2u /* "materialized_view": recomputed from `sql` */
#define LFH_DATASET_TEMPORARY_VIEW 3u    /* "temporary_view": computed, never published */

typedef struct lfh_dataset {
  char *name;               /* the key under `datasets:`; the table's name */
  uint32_t type;            /* LFH_DATASET_* */
  char *comment;            /* or NULL */
  char *sql;                /* materialized/temporary views: the query, else NULL */
  const lfh_node *table_properties; /* borrowed mapping or NULL */
  char **partition_cols;    /* n_partition_cols names */
  size_t n_partition_cols;
  char **cluster_by;        /* n_cluster_by names */
  size_t n_cluster_by;
  lfh_quality_rules rules;  /* expectations, not_null, unique (lfh_quality.h) */
  lfh_mark mark;            /* `datasets.<name>` in the bundle */
  char *schema_ddl;         /* the declared `schema:` (Spark DDL) or NULL */
  /* Filled by lfh_pipeline_wire for datasets fed by flows: the negotiated schema of the
   * rows the table stores (a struct; release == NULL until wired, or for views). */
  struct ArrowSchema schema;
} lfh_dataset;

/* One stage as a flow uses it. */
typedef struct lfh_stage_use {
  char *stage;              /* stage name, e.g. "autoloader" */
  const lfh_node *options;  /* borrowed `options:` mapping or NULL */
  char **columns;           /* hashers: the columns (dotted paths) it applies to */
  size_t n_columns;
  lfh_mark mark;
  /* Set by lfh_pipeline_wire. */
  const lfh_stage_info *info; /* borrowed from the registry */
  lf_config *config;          /* owned */
  lf_stage_ctx *ctx;          /* owned */
  void *state;                /* the plugin's instance; destroyed by lfh_pipeline_free */
  struct ArrowSchema output;  /* owned: the schema the stage answered */
} lfh_stage_use;

/* Where a flow's rows come from. */
#define LFH_FLOW_FROM_STAGE 1u /* `source: {stage: ..., options: ...}`: a SOURCE plugin */
#define LFH_FLOW_FROM_TABLE 2u /* `source: {table: <dataset>}`: incremental reads of a
                                  dataset of this pipeline (its new appends per epoch) */

typedef struct lfh_flow {
  char *name;               /* the key under `flows:`; with the pipeline id, lf.flow-id */
  char *target;             /* the dataset it writes */
  char *comment;
  uint32_t from;            /* LFH_FLOW_FROM_* */
  lfh_stage_use source;     /* FROM_STAGE */
  char *source_table;       /* FROM_TABLE: dataset name */
  lfh_stage_use *transforms;/* in order */
  size_t n_transforms;
  lfh_stage_use *hashers;   /* in order, after the transforms */
  size_t n_hashers;
  const lfh_node *auto_cdc; /* borrowed `auto_cdc:` mapping or NULL (a CDC flow) */
  lfh_mark mark;
  int once;                 /* `once: true`: a backfill flow that runs one update only */
  lfh_stage_use sink;       /* `sink:`; sink.stage NULL: append to `target` (default) */
  int wired;                /* 1 once lfh_pipeline_wire[_flows] wired this flow */
} lfh_flow;

typedef struct lfh_pipeline {
  char *key;                /* `resources.pipelines.<key>` */
  char *name;               /* `name:` (defaults to the key) */
  char *catalog, *schema;   /* tables are catalog.schema.<dataset> */
  char *storage;            /* lakehouse root URI or path (`storage:`), absolute */
  char *root_path;          /* workspace.root_path of the target: state, checkpoints */
  int continuous;           /* `continuous:` */
  int64_t trigger_interval_us; /* configuration pipelines.trigger.interval; 0: none */
  int development;          /* `development:` or the target's mode */
  lfh_dataset *datasets;    /* n_datasets, in bundle order */
  size_t n_datasets;
  lfh_flow *flows;          /* n_flows, in bundle order */
  size_t n_flows;
  size_t *flow_order;       /* n_flows indexes into flows: a topological order (a flow
                               reading dataset D runs after every flow writing D); ties
                               keep bundle order, so the order is deterministic */
  int wired;                /* 1 after lfh_pipeline_wire succeeded */
} lfh_pipeline;

/* Reads pipeline `key` of `b` (checked by lfh_bundle_check without errors). Returns 0
 * with *out set, or -1 with errors in `d`. */
int lfh_pipeline_from_bundle(const lfh_bundle *b, const char *key, lfh_pipeline **out,
                             lfh_diags *d);
/* The keys of every pipeline of `b` in bundle order (array and strings malloc'd; free
 * with lfh_pipeline_keys_free). */
char **lfh_pipeline_keys(const lfh_bundle *b, size_t *n);
void lfh_pipeline_keys_free(char **keys, size_t n);

/* Creates and negotiates every stage of every flow (see above). Plugins must already be
 * loaded into `reg` (lfh_bundle_check does). Returns 0, or -1 with errors in `d`, each
 * naming the flow, the stage and the bundle position. */
int lfh_pipeline_wire(lfh_pipeline *p, lfh_registry *reg, lfh_diags *d);
/* The same for the flows whose byte in `want` (n_flows bytes, by index into p->flows) is
 * non-zero: an update of some datasets, or a deploy while a plugin is missing, needs only
 * those. A flow reading a dataset needs the flows writing it wired first (see
 * lfh_pipeline_flows_for). NULL `want` is lfh_pipeline_wire. */
int lfh_pipeline_wire_flows(lfh_pipeline *p, lfh_registry *reg, const uint8_t *want,
                            lfh_diags *d);
/* Marks in `want` (n_flows bytes, cleared here) the flows writing `datasets` and, for the
 * schemas they read, every flow upstream of them. */
void lfh_pipeline_flows_for(const lfh_pipeline *p, const char *const *datasets, size_t n,
                            uint8_t *want);

/* Lookups; NULL when absent. */
lfh_dataset *lfh_pipeline_dataset(lfh_pipeline *p, const char *name);
lfh_flow *lfh_pipeline_flow(lfh_pipeline *p, const char *name);

/* The flow id that goes into `lf.flow-id`: "<pipeline key>.<flow name>" (malloc'd). */
char *lfh_pipeline_flow_id(const lfh_pipeline *p, const lfh_flow *f);
/* The table prefix of a dataset under the storage root: "<catalog>/<schema>/<name>"
 * (malloc'd), as docs/STORAGE.md lays tables out. */
char *lfh_pipeline_table_prefix(const lfh_pipeline *p, const char *dataset);

/* Where a wired hasher use puts its output (its `output_suffix`/`keep_original` options
 * when the stage has them; else in place). */
void lfh_pipeline_hash_place(const lfh_stage_use *u, lfh_hash_place *pl);

/* Destroys stage instances (in reverse order of creation), then frees everything. */
void lfh_pipeline_free(lfh_pipeline *p);

#endif
