/* lfh_deploy_plan — what a deploy would do: the state header (bundle, pipelines with
 * stable ids, jobs, plugins) and one item per table, compared with what exists. Nothing is
 * written here. */
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/lfh_deploy_internal.h"
#include "engine/lfh_pipeline.h"
#include "lf/lf_array.h"
#include "store/lfh_store.h"
#include "util/lfh_common.h"

/* ------------------------------------------------------------ small helpers */

void lfh_deploy_sha256(const void *data, size_t len, char out[80]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  static const char hex[] = "0123456789abcdef";
  EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
  size_t o = (size_t)snprintf(out, 80, "sha256:");
  for (unsigned int i = 0; i < n && o + 2 < 80; i++) {
    out[o++] = hex[md[i] >> 4];
    out[o++] = hex[md[i] & 15];
  }
  out[o] = '\0';
}

static const char *scalar(const lfh_node *map, const char *key) {
  const lfh_node *n = map && map->kind == LFH_NODE_MAP ? lfh_map_get(map, key) : NULL;
  return n && n->kind == LFH_NODE_SCALAR ? n->scalar : NULL;
}

char *lfh_deploy_root_path(const lfh_bundle *b) {
  const char *root = scalar(b->root ? lfh_map_get(b->root, "workspace") : NULL, "root_path");
  char *out = NULL;
  if (!root) root = ".lfhost";
  if (root[0] == '/' || strstr(root, "://") || !b->root_dir) return strdup(root);
  const char *rel = strncmp(root, "./", 2) == 0 ? root + 2 : root;
  return asprintf(&out, "%s/%s", b->root_dir, rel) < 0 ? NULL : out;
}

/* The resolved bundle as validate -o json writes it (secrets redacted), hashed. */
static int bundle_digest(const lfh_bundle *b, char out[80]) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return -1;
  lfh_bundle_write_json(b, f);
  if (fclose(f) != 0) {
    free(text);
    return -1;
  }
  lfh_deploy_sha256(text, len, out);
  free(text);
  return 0;
}

static int item_new(lfh_deploy_plan *plan, lfh_deploy_item **out) {
  lfh_deploy_item *grown = realloc(plan->items, (plan->n_items + 1) * sizeof(*grown));
  if (!grown) return LF_ERR_NOMEM;
  plan->items = grown;
  *out = &grown[plan->n_items++];
  memset(*out, 0, sizeof(**out));
  return 0;
}

static void item_free(lfh_deploy_item *it) {
  free(it->full_name);
  free(it->prefix);
  free(it->storage);
  free(it->type);
  free(it->pipeline);
  free(it->pipeline_id);
  free(it->pipeline_name);
  free(it->why);
  lf_schema_release(&it->schema);
  lfh_kvs_free(&it->props);
  for (size_t i = 0; i < it->n_flows; i++) free(it->flows[i]);
  free(it->flows);
}

void lfh_deploy_plan_free(lfh_deploy_plan *plan) {
  for (size_t i = 0; i < plan->n_items; i++) item_free(&plan->items[i]);
  free(plan->items);
  free(plan->root_path);
  lfh_deploy_state_free(plan->old);
  lfh_deploy_state_free(plan->next);
  memset(plan, 0, sizeof(*plan));
}

static int set_why(lfh_deploy_item *it, const char *fmt, ...) LFH_PRINTF(2, 3);
static int set_why(lfh_deploy_item *it, const char *fmt, ...) {
  va_list ap;
  free(it->why);
  va_start(ap, fmt);
  int n = vasprintf(&it->why, fmt, ap);
  va_end(ap);
  if (n < 0) it->why = NULL;
  return n < 0 ? LF_ERR_NOMEM : 0;
}

/* ------------------------------------------------------------ state header */

static int add_jobs(const lfh_bundle *b, lfh_deploy_plan *plan, char idbuf[37], lf_error *err) {
  const lfh_node *res = b->root ? lfh_map_get(b->root, "resources") : NULL;
  const lfh_node *jobs = res && res->kind == LFH_NODE_MAP ? lfh_map_get(res, "jobs") : NULL;
  for (size_t i = 0; jobs && jobs->kind == LFH_NODE_MAP && i < jobs->n; i++) {
    const lfh_map_entry *e = &jobs->entries[i];
    const char *id = lfh_deploy_state_job_id(plan->old, e->key);
    if (!id) {
      int rc = lfh_uuid_v4(idbuf, err);
      if (rc) return rc;
      id = idbuf;
      plan->n_new_resources++;
    }
    const char *name = scalar(e->value, "name");
    lfh_deploy_job j = {e->key, (char *)id, (char *)(name ? name : e->key)};
    if (lfh_deploy_state_add_job(plan->next, &j)) return LF_ERR_NOMEM;
  }
  return 0;
}

static int add_plugins(const lfh_registry *reg, lfh_deploy_state *st) {
  for (size_t i = 0; reg && i < lfh_registry_plugin_count(reg); i++) {
    const lfh_plugin_info *pi = lfh_registry_plugin_at(reg, i);
    lfh_deploy_plugin p = {(char *)pi->name, (char *)pi->version, pi->path};
    if (lfh_deploy_state_add_plugin(st, &p)) return LF_ERR_NOMEM;
  }
  return 0;
}

static int state_header(lfh_session *s, lfh_deploy_plan *plan, lf_error *err) {
  char digest[80], idbuf[37];
  const lfh_bundle *b = s->bundle;
  lfh_deploy_state *st = plan->next;
  const char *name = scalar(b->root ? lfh_map_get(b->root, "bundle") : NULL, "name");
  if (bundle_digest(b, digest) != 0 || lfh_deploy_state_set(&st->bundle_name, name) ||
      lfh_deploy_state_set(&st->target, b->target) ||
      lfh_deploy_state_set(&st->bundle_digest, digest) ||
      lfh_deploy_state_set(&st->lfhost_version, LFH_VERSION) || add_plugins(s->reg, st))
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory planning the deployment");
  int rc = add_jobs(b, plan, idbuf, err);
  return rc == LF_ERR_NOMEM ? lf_error_set(err, rc, "out of memory planning the deployment") : rc;
}

/* ------------------------------------------------------------ wiring what can be wired */

static int stage_ok(const lfh_registry *reg, const lfh_stage_use *u, lf_stage_kind kind) {
  const lfh_stage_info *si = u->stage ? lfh_registry_find_stage(reg, u->stage) : NULL;
  return si && (lf_stage_kind)si->kind == kind;
}

/* The first reason flow `f` cannot be wired now (NULL: it can); `ready` says which
 * datasets (by index) are fully fed by wirable flows so far. */
static const char *flow_blocker(const lfh_pipeline *p, const lfh_registry *reg,
                                const lfh_flow *f, const int *ready, const char **stage) {
  *stage = NULL;
  if (f->auto_cdc) return "an auto_cdc flow (SCD writer not available to deploy yet)";
  if (f->sink.stage) return "written by a sink stage, not appended by lfhost";
  if (f->from == LFH_FLOW_FROM_STAGE && !stage_ok(reg, &f->source, LF_STAGE_SOURCE))
    return *stage = f->source.stage, "stage not available";
  if (f->from == LFH_FLOW_FROM_TABLE) {
    for (size_t i = 0; i < p->n_datasets; i++)
      if (f->source_table && strcmp(p->datasets[i].name, f->source_table) == 0 && !ready[i])
        return *stage = f->source_table, "reads a dataset that is pending";
  }
  for (size_t i = 0; i < f->n_transforms; i++)
    if (!stage_ok(reg, &f->transforms[i], LF_STAGE_TRANSFORM))
      return *stage = f->transforms[i].stage, "stage not available";
  for (size_t i = 0; i < f->n_hashers; i++)
    if (!lfh_registry_find_stage(reg, f->hashers[i].stage))
      return *stage = f->hashers[i].stage, "stage not available";
  return NULL;
}

static size_t dataset_index(const lfh_pipeline *p, const char *name) {
  for (size_t i = 0; i < p->n_datasets; i++)
    if (name && strcmp(p->datasets[i].name, name) == 0) return i;
  return (size_t)-1;
}

/* Decides which flows can be wired (ok[] by flow index) and why datasets are pending
 * (why[] by dataset index, NULL when ready). */
static void classify(const lfh_pipeline *p, const lfh_registry *reg, uint8_t *ok, int *ready,
                     char **why) {
  for (size_t i = 0; i < p->n_datasets; i++) ready[i] = p->datasets[i].type == LFH_DATASET_STREAMING_TABLE;
  /* A dataset is ready when every flow feeding it can be wired; flow_order puts writers
   * of a dataset before its readers, so one pass in that order settles it. */
  for (size_t k = 0; k < p->n_flows; k++) {
    const lfh_flow *f = &p->flows[p->flow_order[k]];
    const char *stage = NULL, *b = flow_blocker(p, reg, f, ready, &stage);
    size_t d = dataset_index(p, f->target);
    ok[p->flow_order[k]] = b == NULL;
    if (!b || d == (size_t)-1 || !ready[d]) continue;
    ready[d] = 0;
    if (asprintf(&why[d], "flow '%s': %s%s%s%s", f->name, b, stage ? " ('" : "",
                 stage ? stage : "", stage ? "')" : "") < 0)
      why[d] = NULL;
  }
  for (size_t k = 0; k < p->n_flows; k++) { /* flows into a pending dataset wait too */
    size_t d = dataset_index(p, p->flows[k].target);
    if (d != (size_t)-1 && !ready[d]) ok[k] = 0;
  }
}

/* ------------------------------------------------------------ tables */

static int join_cols(lfh_kvs *kv, const char *key, char **cols, size_t n) {
  size_t len = 1;
  for (size_t i = 0; i < n; i++) len += strlen(cols[i]) + 1;
  char *s = calloc(1, len);
  if (!s) return -1;
  for (size_t i = 0; i < n; i++) {
    if (i) strcat(s, ",");
    strcat(s, cols[i]);
  }
  int rc = lfh_kvs_set(kv, key, s);
  free(s);
  return rc;
}

/* The properties a dataset's table should carry: table_properties, the comment, and the
 * partitioning/clustering as lf.* properties (the table layer has no partition specs). */
static int dataset_props(const lfh_dataset *ds, const char *type, lfh_kvs *kv) {
  const lfh_node *tp = ds->table_properties;
  for (size_t i = 0; tp && tp->kind == LFH_NODE_MAP && i < tp->n; i++) {
    const lfh_node *v = tp->entries[i].value;
    if (v && v->kind == LFH_NODE_SCALAR && lfh_kvs_set(kv, tp->entries[i].key, v->scalar)) return -1;
  }
  if (ds->comment && lfh_kvs_set(kv, "comment", ds->comment)) return -1;
  if (lfh_kvs_set(kv, "lf.dataset-type", type)) return -1;
  if (ds->n_partition_cols && join_cols(kv, "lf.partition-cols", ds->partition_cols, ds->n_partition_cols))
    return -1;
  if (ds->n_cluster_by && join_cols(kv, "lf.cluster-by", ds->cluster_by, ds->n_cluster_by)) return -1;
  return 0;
}

static int props_differ(const lfh_kvs *want, const lfh_kvs *have) {
  for (size_t i = 0; i < want->n; i++) {
    const char *v = lfh_kvs_get(have, want->items[i].key);
    if (!v || strcmp(v, want->items[i].value) != 0) return 1;
  }
  return 0;
}

static int same_opt(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Compares the wanted table of `it` with what is at its prefix. */
static int compare_existing(lfh_deploy_item *it, lfh_table *t, lf_error *err) {
  char why[600];
  const lfh_table_meta *m = lfh_table_metadata(t);
  int lvl = lfh_table_schema_compare(lfh_table_meta_current_schema(m), &it->schema, why,
                                     sizeof(why), err);
  if (lvl < 0) return lvl;
  it->props_change = props_differ(&it->props, &m->properties);
  const char *pc_want = lfh_kvs_get(&it->props, "lf.partition-cols");
  const char *pc_have = lfh_kvs_get(&m->properties, "lf.partition-cols");
  if (!same_opt(pc_want, pc_have)) {
    it->act = LFH_ACT_RECREATE;
    return set_why(it, "changes the partitioning (%s -> %s)", pc_have ? pc_have : "none",
                   pc_want ? pc_want : "none");
  }
  if (lvl == LFH_SCHEMA_BREAKING) {
    it->act = LFH_ACT_RECREATE;
    return set_why(it, "%s", why);
  }
  if (lvl == LFH_SCHEMA_ADDITIVE) {
    it->act = LFH_ACT_EVOLVE;
    return set_why(it, "%s", why);
  }
  it->act = LFH_ACT_KEEP;
  return it->props_change ? set_why(it, "table properties") : 0;
}

static int plan_table(lfh_store *st, lfh_deploy_item *it, lf_error *err) {
  lfh_table *t = NULL;
  char msg[512];
  lf_error probe;
  lf_error_init(&probe, msg, sizeof(msg));
  int rc = lfh_table_open(st, it->prefix, &t, &probe);
  if (rc == LF_ERR_NOT_FOUND) {
    it->act = LFH_ACT_CREATE;
    return 0;
  }
  if (rc != LF_OK) return lf_error_set(err, rc, "%s", msg);
  rc = it->schema.release ? compare_existing(it, t, err) : 0;
  lfh_table_close(t);
  return rc;
}

typedef struct pctx {
  lfh_deploy_plan *plan;
  lfh_pipeline *p;
  lfh_store *store;
  const char *pipeline_id;
} pctx;

static int base_item(pctx *c, const char *name, const char *type, lfh_deploy_item **out) {
  lfh_deploy_item *it = NULL;
  if (item_new(c->plan, &it)) return LF_ERR_NOMEM;
  *out = it;
  if (asprintf(&it->full_name, "%s.%s.%s", c->p->catalog, c->p->schema, name) < 0) {
    it->full_name = NULL;
    return LF_ERR_NOMEM;
  }
  it->prefix = lfh_pipeline_table_prefix(c->p, name);
  it->storage = strdup(c->p->storage);
  it->type = strdup(type);
  it->pipeline = strdup(c->p->key);
  it->old = lfh_deploy_state_table(c->plan->old, it->full_name);
  return it->prefix && it->storage && it->type && it->pipeline ? 0 : LF_ERR_NOMEM;
}

static int add_flows(lfh_deploy_item *it, const lfh_pipeline *p, const char *dataset) {
  for (size_t i = 0; i < p->n_flows; i++) {
    if (strcmp(p->flows[i].target, dataset) != 0) continue;
    char **grown = realloc(it->flows, (it->n_flows + 1) * sizeof(*grown));
    if (!grown) return LF_ERR_NOMEM;
    it->flows = grown;
    if (!(it->flows[it->n_flows] = strdup(p->flows[i].name))) return LF_ERR_NOMEM;
    it->n_flows++;
  }
  return 0;
}

static int has_quarantine(const lfh_dataset *ds) {
  for (size_t i = 0; i < ds->rules.n; i++)
    if (ds->rules.items[i].quarantine) return 1;
  return 0;
}

static const char *type_name(uint32_t t) {
  return t == LFH_DATASET_MATERIALIZED_VIEW ? "materialized_view"
         : t == LFH_DATASET_TEMPORARY_VIEW  ? "temporary_view"
                                            : LFH_TABLE_TYPE_STREAMING;
}

static int plan_pending(pctx *c, const lfh_dataset *ds, const char *why) {
  lfh_deploy_item *it = NULL;
  char qname[512];
  snprintf(qname, sizeof(qname), "%s%s", ds->name, LFH_QUARANTINE_SUFFIX);
  int rc = base_item(c, qname, LFH_TABLE_TYPE_QUARANTINE, &it);
  if (rc) return rc;
  if (!it->old) { /* only an existing quarantine table is carried over */
    item_free(it);
    c->plan->n_items--;
  } else {
    it->act = LFH_ACT_PENDING;
    if ((rc = set_why(it, "quarantine of a pending dataset")) != 0) return rc;
  }
  if ((rc = base_item(c, ds->name, type_name(ds->type), &it)) != 0) return rc;
  it->act = LFH_ACT_PENDING;
  if (ds->type == LFH_DATASET_MATERIALIZED_VIEW)
    why = "materialized view: its table is written by the first update that computes it";
  else if (ds->type == LFH_DATASET_TEMPORARY_VIEW)
    why = "temporary view: computed during updates, never published";
  else if (!why)
    why = "no flow feeds it";
  return set_why(it, "%s", why);
}

static int plan_dataset(pctx *c, lfh_dataset *ds, lf_error *err) {
  lfh_deploy_item *it = NULL, *q = NULL;
  char qname[512];
  int rc = base_item(c, ds->name, LFH_TABLE_TYPE_STREAMING, &it);
  if (rc || (rc = lf_schema_copy(&it->schema, &ds->schema, err)) ||
      dataset_props(ds, LFH_TABLE_TYPE_STREAMING, &it->props) || add_flows(it, c->p, ds->name))
    return rc ? rc : LF_ERR_NOMEM;
  if ((rc = plan_table(c->store, it, err)) != 0 || !has_quarantine(ds)) return rc;
  snprintf(qname, sizeof(qname), "%s%s", ds->name, LFH_QUARANTINE_SUFFIX);
  if ((rc = base_item(c, qname, LFH_TABLE_TYPE_QUARANTINE, &q)) != 0) return rc;
  if ((rc = lfh_quality_quarantine_schema(&ds->schema, &q->schema, err)) != 0) return rc;
  if (dataset_props(ds, LFH_TABLE_TYPE_QUARANTINE, &q->props) ||
      lfh_kvs_set(&q->props, "comment", "rows that failed a quarantine rule") ||
      add_flows(q, c->p, ds->name))
    return LF_ERR_NOMEM;
  return plan_table(c->store, q, err);
}

static int plan_event_log(pctx *c, lf_error *err) {
  lfh_deploy_item *it = NULL;
  char name[512];
  snprintf(name, sizeof(name), "%s_event_log", c->p->key);
  int rc = base_item(c, name, LFH_TABLE_TYPE_EVENT_LOG, &it);
  if (rc) return rc;
  if (!(it->pipeline_id = strdup(c->pipeline_id)) || !(it->pipeline_name = strdup(c->p->name)))
    return LF_ERR_NOMEM;
  return plan_table(c->store, it, err);
}

/* ------------------------------------------------------------ pipelines */

static int pipeline_entry(lfh_deploy_plan *plan, const lfh_pipeline *p, const char **id,
                          lf_error *err) {
  char idbuf[37];
  *id = lfh_deploy_state_pipeline_id(plan->old, p->key);
  if (!*id) {
    int rc = lfh_uuid_v4(idbuf, err);
    if (rc) return rc;
    *id = idbuf;
    plan->n_new_resources++;
  }
  lfh_deploy_pipeline e = {p->key, (char *)*id, p->name, p->catalog, p->schema, p->storage};
  if (lfh_deploy_state_add_pipeline(plan->next, &e)) return LF_ERR_NOMEM;
  *id = plan->next->pipelines[plan->next->n_pipelines - 1].id;
  return 0;
}

static int plan_datasets(pctx *c, const int *ready, char **why, lf_error *err) {
  for (size_t i = 0; i < c->p->n_datasets; i++) {
    lfh_dataset *ds = &c->p->datasets[i];
    int rc = ready[i] && ds->schema.release ? plan_dataset(c, ds, err)
                                            : plan_pending(c, ds, why[i]);
    if (rc) return rc;
  }
  return plan_event_log(c, err);
}

static int plan_pipeline(lfh_session *s, lfh_deploy_plan *plan, const char *key, FILE *errs,
                         lf_error *err) {
  lfh_pipeline *p = NULL;
  pctx c = {plan, NULL, NULL, NULL};
  uint8_t *ok = NULL;
  int *ready = NULL, rc = 1;
  char **why = NULL;
  if (lfh_pipeline_from_bundle(s->bundle, key, &p, &s->diags) != 0) goto report;
  c.p = p;
  ok = calloc(p->n_flows + 1, sizeof(*ok));
  ready = calloc(p->n_datasets + 1, sizeof(*ready));
  why = calloc(p->n_datasets + 1, sizeof(*why));
  if (!ok || !ready || !why) goto oom;
  classify(p, s->reg, ok, ready, why);
  if (lfh_pipeline_wire_flows(p, s->reg, ok, &s->diags) != 0) goto report;
  if ((rc = pipeline_entry(plan, p, &c.pipeline_id, err)) != 0) goto fail;
  if (!(c.store = lfh_store_open(p->storage, err))) {
    rc = err->code;
    goto fail;
  }
  rc = plan_datasets(&c, ready, why, err);
  goto fail;
oom:
  rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory planning pipeline '%s'", key);
  goto fail;
report:
  lfh_session_report(s, errs, 0);
  rc = lf_error_set(err, LF_ERR_SCHEMA, "pipeline '%s' cannot be deployed (see above)", key);
fail:
  if (rc == LF_ERR_NOMEM) lf_error_set(err, rc, "out of memory planning pipeline '%s'", key);
  for (size_t i = 0; why && p && i < p->n_datasets; i++) free(why[i]);
  free(why);
  free(ok);
  free(ready);
  lfh_store_close(c.store);
  lfh_pipeline_free(p);
  return rc;
}

/* ------------------------------------------------------------ removed tables */

static int wanted(const lfh_deploy_plan *plan, const char *full_name) {
  for (size_t i = 0; i < plan->n_items; i++)
    if (strcmp(plan->items[i].full_name, full_name) == 0) return 1;
  return 0;
}

static int plan_removed(lfh_deploy_plan *plan) {
  for (size_t i = 0; plan->old && i < plan->old->n_tables; i++) {
    const lfh_deploy_table *t = &plan->old->tables[i];
    if (!t->full_name || wanted(plan, t->full_name)) continue;
    lfh_deploy_item *it = NULL;
    if (item_new(plan, &it)) return LF_ERR_NOMEM;
    it->act = LFH_ACT_DETACH;
    it->old = t;
    it->full_name = strdup(t->full_name);
    it->type = strdup(t->type ? t->type : "?");
    it->pipeline = strdup(t->pipeline ? t->pipeline : "?");
    if (!it->full_name || !it->type || !it->pipeline ||
        set_why(it, "no longer in the bundle; data kept at %s", t->location ? t->location : "?"))
      return LF_ERR_NOMEM;
  }
  return 0;
}

int lfh_deploy_plan_make(lfh_session *s, lfh_deploy_plan *plan, FILE *errs) {
  char msg[1024];
  lf_error err;
  size_t n = 0;
  char **keys = NULL;
  int rc = LF_ERR_NOMEM;
  lf_error_init(&err, msg, sizeof(msg));
  if (!(plan->next = lfh_deploy_state_new())) goto fail;
  rc = lfh_deploy_state_load(plan->root_path, &plan->old, &err);
  if (rc == LF_ERR_NOT_FOUND) rc = 0;
  if (rc || (rc = state_header(s, plan, &err)) != 0) goto fail;
  if (!(keys = lfh_pipeline_keys(s->bundle, &n)) && n) goto fail;
  for (size_t i = 0; i < n && rc == 0; i++) rc = plan_pipeline(s, plan, keys[i], errs, &err);
  if (rc == 0) rc = plan_removed(plan);
fail:
  if (rc == LF_ERR_NOMEM && !msg[0]) lf_error_set(&err, rc, "out of memory planning the deployment");
  if (rc) fprintf(errs, "Error: %s\n", msg);
  lfh_pipeline_keys_free(keys, n);
  return rc ? 1 : 0;
}
