/* lfh_pipeline — the model part: reading `resources.pipelines.<key>` of a checked bundle.
 * Wiring (stage instances, negotiation) lives in lfh_pipeline_wire.c. */
#include "engine/lfh_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "loader/lfh_config.h"
#include "loader/lfh_hostapi.h"
#include "util/lfh_mem.h"

static const lfh_node *get(const lfh_node *map, const char *key) {
  return map && map->kind == LFH_NODE_MAP ? lfh_map_get(map, key) : NULL;
}

static const char *text(const lfh_node *map, const char *key) {
  const lfh_node *n = get(map, key);
  return n && n->kind == LFH_NODE_SCALAR ? n->scalar : NULL;
}

static int flag(const lfh_node *map, const char *key) {
  int v = 0;
  const lfh_node *n = get(map, key);
  return n && lfh_scalar_bool(n, &v) == 0 ? v : 0;
}

/* A sequence of scalars as a malloc'd string array. */
static int strings(const lfh_node *seq, char ***out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!seq || seq->kind != LFH_NODE_SEQ || seq->n == 0) return 0;
  *out = calloc(seq->n, sizeof **out);
  if (!*out) return -1;
  for (size_t i = 0; i < seq->n; i++) {
    if (seq->items[i]->kind != LFH_NODE_SCALAR) continue; /* validate reported it */
    if (!((*out)[(*n)++] = strdup(seq->items[i]->scalar))) return -1;
  }
  return 0;
}

static void strings_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static void oom(lfh_diags *d, const lfh_mark *m) {
  lfh_diag_add(d, LFH_SEV_ERROR, m, NULL, NULL, "out of memory reading the pipeline");
}

/* A relative path is anchored at the bundle's directory, as workspace.root_path is;
 * URIs ("abfss://", "file://") and absolute paths stay as they are. */
static char *anchored(const lfh_bundle *b, const char *path) {
  char *out = NULL;
  if (path[0] == '/' || strstr(path, "://") || !b->root_dir) return strdup(path);
  const char *rel = strncmp(path, "./", 2) == 0 ? path + 2 : path;
  return asprintf(&out, "%s/%s", b->root_dir, rel) < 0 ? NULL : out;
}

/* ------------------------------------------------------------ stages */

static int read_stage(const lfh_node *n, lfh_stage_use *u) {
  memset(u, 0, sizeof *u);
  if (!n || n->kind != LFH_NODE_MAP) return 0;
  u->mark = n->mark;
  u->options = get(n, "options");
  if (u->options && u->options->kind != LFH_NODE_MAP) u->options = NULL;
  if (lfh_dup_or_null(text(n, "stage"), &u->stage) != 0) return -1;
  return strings(get(n, "columns"), &u->columns, &u->n_columns);
}

static int read_stages(const lfh_node *seq, lfh_stage_use **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!seq || seq->kind != LFH_NODE_SEQ || seq->n == 0) return 0;
  *out = calloc(seq->n, sizeof **out);
  if (!*out) return -1;
  for (size_t i = 0; i < seq->n; i++, (*n)++)
    if (read_stage(seq->items[i], &(*out)[i]) != 0) return (*n)++, -1;
  return 0;
}

/* Frees what the model owns plus the instance the wiring created. */
static void stage_use_free(lfh_stage_use *u) {
  if (u->state && u->info && u->info->raw->destroy) u->info->raw->destroy(u->state);
  u->state = NULL;
  if (u->config) lfh_config_free(u->config);
  if (u->ctx) lfh_stage_ctx_free(u->ctx);
  if (u->output.release) u->output.release(&u->output);
  free(u->stage);
  strings_free(u->columns, u->n_columns);
  memset(u, 0, sizeof *u);
}

/* ------------------------------------------------------------ datasets */

static uint32_t dataset_type(const char *t) {
  if (!t) return 0;
  if (!strcmp(t, "streaming_table")) return LFH_DATASET_STREAMING_TABLE;
  if (!strcmp(t, "materialized_view")) return LFH_DATASET_MATERIALIZED_VIEW;
  if (!strcmp(t, "temporary_view")) return LFH_DATASET_TEMPORARY_VIEW;
  return 0;
}

static int read_dataset(const lfh_map_entry *e, lfh_dataset *ds, lfh_diags *d) {
  const lfh_node *n = e->value;
  char msg[512];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  ds->mark = e->key_mark;
  ds->type = dataset_type(text(n, "type"));
  lfh_quality_rules_init(&ds->rules);
  if (!(ds->name = strdup(e->key)) || lfh_dup_or_null(text(n, "comment"), &ds->comment) ||
      lfh_dup_or_null(text(n, "sql"), &ds->sql) || lfh_dup_or_null(text(n, "schema"), &ds->schema_ddl) ||
      strings(get(n, "partition_cols"), &ds->partition_cols, &ds->n_partition_cols) ||
      strings(get(n, "cluster_by"), &ds->cluster_by, &ds->n_cluster_by))
    return oom(d, &e->key_mark), -1;
  ds->table_properties = get(n, "table_properties");
  if (lfh_quality_rules_from_dataset(&ds->rules, n, &err) != LF_OK) {
    lfh_diag_add(d, LFH_SEV_ERROR, &e->key_mark, NULL, NULL, "dataset '%s': %s", e->key, msg);
    return -1;
  }
  return 0;
}

static void dataset_free(lfh_dataset *ds) {
  free(ds->name);
  free(ds->comment);
  free(ds->sql);
  free(ds->schema_ddl);
  strings_free(ds->partition_cols, ds->n_partition_cols);
  strings_free(ds->cluster_by, ds->n_cluster_by);
  lfh_quality_rules_free(&ds->rules);
  if (ds->schema.release) ds->schema.release(&ds->schema);
}

/* ------------------------------------------------------------ flows */

static int read_flow(const lfh_map_entry *e, lfh_flow *f, lfh_diags *d) {
  const lfh_node *n = e->value, *src = get(n, "source");
  f->mark = e->key_mark;
  f->once = flag(n, "once");
  f->auto_cdc = get(n, "auto_cdc");
  if (!(f->name = strdup(e->key)) || lfh_dup_or_null(text(n, "target"), &f->target) ||
      lfh_dup_or_null(text(n, "comment"), &f->comment))
    return oom(d, &e->key_mark), -1;
  if (text(src, "table")) {
    f->from = LFH_FLOW_FROM_TABLE;
    if (!(f->source_table = strdup(text(src, "table")))) return oom(d, &e->key_mark), -1;
  } else {
    f->from = LFH_FLOW_FROM_STAGE;
    if (read_stage(src, &f->source) != 0) return oom(d, &e->key_mark), -1;
  }
  if (read_stages(get(n, "transforms"), &f->transforms, &f->n_transforms) != 0 ||
      read_stages(get(n, "hashers"), &f->hashers, &f->n_hashers) != 0 ||
      read_stage(get(n, "sink"), &f->sink) != 0)
    return oom(d, &e->key_mark), -1;
  if (!f->target) {
    lfh_diag_add(d, LFH_SEV_ERROR, &e->key_mark, NULL, NULL, "flow '%s' has no target", e->key);
    return -1;
  }
  return 0;
}

/* Stage instances go in reverse order of creation: sink, hashers, transforms, source. */
static void flow_free(lfh_flow *f) {
  stage_use_free(&f->sink);
  for (size_t i = f->n_hashers; i-- > 0;) stage_use_free(&f->hashers[i]);
  for (size_t i = f->n_transforms; i-- > 0;) stage_use_free(&f->transforms[i]);
  stage_use_free(&f->source);
  free(f->hashers);
  free(f->transforms);
  free(f->name);
  free(f->target);
  free(f->comment);
  free(f->source_table);
}

/* Kahn's algorithm; among the flows ready to run, the first in bundle order goes first,
 * so the order is deterministic. Returns -1 on a cycle (validate rejects those). */
static int order_flows(lfh_pipeline *p) {
  size_t n = p->n_flows, k = 0;
  char *done = calloc(n + 1, 1);
  p->flow_order = calloc(n + 1, sizeof *p->flow_order);
  if (!done || !p->flow_order) return free(done), -1;
  while (k < n) {
    size_t pick = n;
    for (size_t i = 0; i < n && pick == n; i++) {
      if (done[i]) continue;
      const lfh_flow *f = &p->flows[i];
      int ready = 1;
      for (size_t j = 0; j < n && ready && f->from == LFH_FLOW_FROM_TABLE; j++)
        if (j != i && !done[j] && !strcmp(p->flows[j].target, f->source_table)) ready = 0;
      if (ready) pick = i;
    }
    if (pick == n) break;
    done[pick] = 1;
    p->flow_order[k++] = pick;
  }
  free(done);
  return k == n ? 0 : -2;
}

/* ------------------------------------------------------------ the pipeline */

static int read_settings(const lfh_bundle *b, const lfh_node *pl, lfh_pipeline *p,
                         lfh_diags *d) {
  const char *root = text(get(b->root, "workspace"), "root_path");
  const char *name = text(pl, "name"), *storage = text(pl, "storage");
  char *def_storage = NULL;
  if (!root) root = ".lfhost";
  if (!storage && asprintf(&def_storage, "%s/lakehouse", root) < 0) return oom(d, &pl->mark), -1;
  p->root_path = anchored(b, root);
  p->storage = anchored(b, storage ? storage : def_storage);
  free(def_storage);
  if (!p->root_path || !p->storage || !(p->name = strdup(name ? name : p->key)) ||
      !(p->catalog = strdup(text(pl, "catalog") ? text(pl, "catalog") : "main")) ||
      !(p->schema = strdup(text(pl, "schema") ? text(pl, "schema") : "default")))
    return oom(d, &pl->mark), -1;
  p->continuous = flag(pl, "continuous");
  p->development = flag(pl, "development") || (b->mode && !strcmp(b->mode, "development"));
  const lfh_node *iv = get(get(pl, "configuration"), "pipelines.trigger.interval");
  long long us = 0;
  if (iv && iv->kind == LFH_NODE_SCALAR) {
    if (lfh_parse_duration_us(iv->scalar, &us) != 0 || us < 0) {
      lfh_diag_add(d, LFH_SEV_ERROR, &iv->mark, NULL, "e.g. \"5 seconds\", \"1 minute\"",
                   "pipelines.trigger.interval: '%s' is not a duration", iv->scalar);
      return -1;
    }
    p->trigger_interval_us = us;
  }
  return 0;
}

static int read_body(const lfh_node *pl, lfh_pipeline *p, lfh_diags *d) {
  const lfh_node *ds = get(pl, "datasets"), *fl = get(pl, "flows");
  size_t nd = ds && ds->kind == LFH_NODE_MAP ? ds->n : 0;
  size_t nf = fl && fl->kind == LFH_NODE_MAP ? fl->n : 0;
  p->datasets = calloc(nd + 1, sizeof *p->datasets);
  p->flows = calloc(nf + 1, sizeof *p->flows);
  if (!p->datasets || !p->flows) return oom(d, &pl->mark), -1;
  for (size_t i = 0; i < nd; i++, p->n_datasets++)
    if (read_dataset(&ds->entries[i], &p->datasets[i], d) != 0) return p->n_datasets++, -1;
  for (size_t i = 0; i < nf; i++, p->n_flows++)
    if (read_flow(&fl->entries[i], &p->flows[i], d) != 0) return p->n_flows++, -1;
  int rc = order_flows(p);
  if (rc == -1) return oom(d, &pl->mark), -1;
  if (rc != 0)
    lfh_diag_add(d, LFH_SEV_ERROR, &pl->mark, NULL, NULL,
                 "pipeline '%s': the flows read each other's tables in a cycle", p->key);
  return rc == 0 ? 0 : -1;
}

int lfh_pipeline_from_bundle(const lfh_bundle *b, const char *key, lfh_pipeline **out,
                             lfh_diags *d) {
  *out = NULL;
  const lfh_node *pl = get(get(b->root, "resources"), "pipelines");
  pl = get(pl, key);
  lfh_mark at = {b->files ? b->files[0] : NULL, 0, 0};
  if (!pl || pl->kind != LFH_NODE_MAP) {
    lfh_diag_add(d, LFH_SEV_ERROR, &at, NULL, NULL, "no pipeline '%s' in the bundle", key);
    return -1;
  }
  lfh_pipeline *p = calloc(1, sizeof *p);
  if (!p || !(p->key = strdup(key))) return free(p), oom(d, &at), -1;
  if (read_settings(b, pl, p, d) != 0 || read_body(pl, p, d) != 0) {
    lfh_pipeline_free(p);
    return -1;
  }
  *out = p;
  return 0;
}

char **lfh_pipeline_keys(const lfh_bundle *b, size_t *n) {
  const lfh_node *pl = get(get(b->root, "resources"), "pipelines");
  size_t m = pl && pl->kind == LFH_NODE_MAP ? pl->n : 0;
  char **keys = calloc(m + 1, sizeof *keys);
  *n = 0;
  if (!keys) return NULL;
  for (size_t i = 0; i < m; i++) {
    if (!(keys[i] = strdup(pl->entries[i].key))) {
      lfh_pipeline_keys_free(keys, i);
      return NULL;
    }
  }
  *n = m;
  return keys;
}

void lfh_pipeline_keys_free(char **keys, size_t n) { strings_free(keys, n); }

lfh_dataset *lfh_pipeline_dataset(lfh_pipeline *p, const char *name) {
  for (size_t i = 0; p && name && i < p->n_datasets; i++)
    if (!strcmp(p->datasets[i].name, name)) return &p->datasets[i];
  return NULL;
}

lfh_flow *lfh_pipeline_flow(lfh_pipeline *p, const char *name) {
  for (size_t i = 0; p && name && i < p->n_flows; i++)
    if (!strcmp(p->flows[i].name, name)) return &p->flows[i];
  return NULL;
}

char *lfh_pipeline_flow_id(const lfh_pipeline *p, const lfh_flow *f) {
  char *out = NULL;
  return asprintf(&out, "%s.%s", p->key, f->name) < 0 ? NULL : out;
}

char *lfh_pipeline_table_prefix(const lfh_pipeline *p, const char *dataset) {
  char *out = NULL;
  return asprintf(&out, "%s/%s/%s", p->catalog, p->schema, dataset) < 0 ? NULL : out;
}

void lfh_pipeline_free(lfh_pipeline *p) {
  if (!p) return;
  for (size_t i = p->n_flows; i-- > 0;) flow_free(&p->flows[i]);
  for (size_t i = 0; i < p->n_datasets; i++) dataset_free(&p->datasets[i]);
  free(p->flows);
  free(p->datasets);
  free(p->flow_order);
  free(p->key);
  free(p->name);
  free(p->catalog);
  free(p->schema);
  free(p->storage);
  free(p->root_path);
  free(p);
}
