/* lfh_deploy — `lfhost deploy`: plan (lfh_deploy_plan.c), refuse destructive changes
 * without approval, carry the plan out, record the state. */
#include "deploy/lfh_deploy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/lfh_deploy_internal.h"
#include "deploy/lfh_lock.h"
#include "eventlog/lfh_eventlog.h"
#include "lf/lf_array.h"
#include "store/lfh_store.h"

/* ------------------------------------------------------------ store helpers */

typedef struct del_ctx {
  lfh_store *st;
  lf_error *err;
  size_t n;
  int rc;
} del_ctx;

/* Collects keys first: deleting while listing would disturb the listing. */
typedef struct keys {
  char **v;
  size_t n, cap;
} keys;

static int collect(void *ctx, const lfh_store_entry *e) {
  keys *k = ctx;
  if (k->n == k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 64;
    char **grown = realloc(k->v, cap * sizeof(*grown));
    if (!grown) return LF_ERR_NOMEM;
    k->v = grown;
    k->cap = cap;
  }
  if (!(k->v[k->n] = strdup(e->key))) return LF_ERR_NOMEM;
  k->n++;
  return 0;
}

int lfh_deploy_delete_prefix(const char *root, const char *prefix, size_t *n, lf_error *err) {
  keys k = {NULL, 0, 0};
  size_t done = 0;
  lfh_store *st = lfh_store_open(root, err);
  if (!st) return err ? err->code : LF_ERR_IO;
  int rc = lfh_store_list(st, prefix, collect, &k, err);
  if (rc == LF_ERR_NOMEM) lf_error_set(err, rc, "out of memory listing %s", prefix);
  if (rc == LF_ERR_NOT_FOUND) rc = 0;
  for (size_t i = 0; rc == 0 && i < k.n; i++) {
    rc = lfh_store_delete(st, k.v[i], err);
    if (rc == LF_ERR_NOT_FOUND) rc = 0;
    else if (rc == 0) done++;
  }
  for (size_t i = 0; i < k.n; i++) free(k.v[i]);
  free(k.v);
  lfh_store_close(st);
  if (n) *n = done;
  return rc;
}

/* ------------------------------------------------------------ recording */

static int record_table(const lfh_deploy_item *it, lfh_deploy_state *st, lf_error *err) {
  lfh_table *t = NULL;
  char fp[80];
  lfh_store *s = lfh_store_open(it->storage, err);
  if (!s) return err->code;
  int rc = lfh_table_open(s, it->prefix, &t, err);
  if (rc == 0) {
    const lfh_table_meta *m = lfh_table_metadata(t);
    char *json = lfh_ice_schema_to_json_text(lfh_table_meta_current_schema(m));
    if (!json) {
      rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory recording %s", it->full_name);
    } else {
      lfh_deploy_sha256(json, strlen(json), fp);
      lfh_deploy_table e = {it->full_name, m->location, (char *)m->table_uuid, fp,
                            it->type,      it->pipeline, it->prefix};
      if (lfh_deploy_state_add_table(st, &e)) rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    }
    free(json);
  }
  lfh_table_close(t);
  lfh_store_close(s);
  return rc;
}

int lfh_deploy_record(lfh_deploy_plan *plan, lf_error *err) {
  for (size_t i = 0; i < plan->n_items; i++) {
    const lfh_deploy_item *it = &plan->items[i];
    int rc = 0;
    if (it->act == LFH_ACT_DETACH) continue;
    if (it->act == LFH_ACT_PENDING) {
      if (it->old && lfh_deploy_state_add_table(plan->next, it->old))
        rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    } else {
      rc = record_table(it, plan->next, err);
    }
    if (rc) return rc;
  }
  return 0;
}

/* ------------------------------------------------------------ carrying out */

static int reset_checkpoints(const lfh_deploy_plan *plan, const lfh_deploy_item *it,
                             lf_error *err) {
  for (size_t i = 0; i < it->n_flows; i++) {
    char prefix[1024];
    snprintf(prefix, sizeof(prefix), "checkpoints/%s/%s/", it->pipeline, it->flows[i]);
    int rc = lfh_deploy_delete_prefix(plan->root_path, prefix, NULL, err);
    if (rc) return rc;
  }
  return 0;
}

static int create_item(lfh_store *s, const lfh_deploy_item *it, lf_error *err) {
  if (strcmp(it->type, LFH_TABLE_TYPE_EVENT_LOG) == 0) {
    lfh_eventlog *log = NULL;
    int rc = lfh_eventlog_open(s, it->prefix, it->pipeline_id, it->pipeline_name, &log, err);
    lfh_eventlog_close(log);
    return rc;
  }
  lfh_table *t = NULL;
  int rc = lfh_table_create(s, it->prefix, &it->schema, &it->props, &t, err);
  lfh_table_close(t);
  return rc;
}

static int change_item(const lfh_deploy_plan *plan, lfh_store *s, const lfh_deploy_item *it,
                       lf_error *err) {
  lfh_table *t = NULL;
  int rc = lfh_table_open(s, it->prefix, &t, err);
  if (rc == 0 && it->act == LFH_ACT_EVOLVE) rc = lfh_table_evolve_schema(t, &it->schema, NULL, err);
  if (rc == 0 && it->act == LFH_ACT_RECREATE) rc = lfh_table_replace_schema(t, &it->schema, err);
  if (rc == 0 && (it->props_change || it->act == LFH_ACT_RECREATE))
    rc = lfh_table_set_properties(t, &it->props, NULL, err);
  lfh_table_close(t);
  if (rc == 0 && it->act == LFH_ACT_RECREATE) rc = reset_checkpoints(plan, it, err);
  return rc;
}

static int carry_out(const lfh_deploy_plan *plan, lf_error *err) {
  for (size_t i = 0; i < plan->n_items; i++) {
    const lfh_deploy_item *it = &plan->items[i];
    int touch = it->act == LFH_ACT_CREATE || it->act == LFH_ACT_EVOLVE ||
                it->act == LFH_ACT_RECREATE || (it->act == LFH_ACT_KEEP && it->props_change);
    if (!touch) continue;
    lfh_store *s = lfh_store_open(it->storage, err);
    if (!s) return err->code;
    int rc = it->act == LFH_ACT_CREATE ? create_item(s, it, err) : change_item(plan, s, it, err);
    lfh_store_close(s);
    if (rc) return rc;
  }
  return 0;
}

/* ------------------------------------------------------------ output */

typedef struct counts {
  size_t created, changed, removed, destructive;
} counts;

static void print_resources(const lfh_deploy_plan *plan, FILE *out, counts *c) {
  const lfh_deploy_state *o = plan->old, *n = plan->next;
  for (size_t i = 0; i < n->n_pipelines; i++)
    if (!lfh_deploy_state_pipeline(o, n->pipelines[i].key)) {
      fprintf(out, "  + pipeline %s (id %s)\n", n->pipelines[i].key, n->pipelines[i].id);
      c->created++;
    }
  for (size_t i = 0; i < n->n_jobs; i++)
    if (!lfh_deploy_state_job_id(o, n->jobs[i].key)) {
      fprintf(out, "  + job %s (id %s)\n", n->jobs[i].key, n->jobs[i].id);
      c->created++;
    }
  for (size_t i = 0; o && i < o->n_pipelines; i++)
    if (!lfh_deploy_state_pipeline(n, o->pipelines[i].key)) {
      fprintf(out, "  - pipeline %s (id %s): no longer in the bundle\n", o->pipelines[i].key,
              o->pipelines[i].id);
      c->removed++;
    }
}

/* One line per table change; `only_destructive` for the refusal listing. */
static void print_items(const lfh_deploy_plan *plan, FILE *out, int only_destructive, counts *c) {
  for (size_t i = 0; i < plan->n_items; i++) {
    const lfh_deploy_item *it = &plan->items[i];
    const char *why = it->why ? it->why : "";
    int destructive = it->act == LFH_ACT_RECREATE || it->act == LFH_ACT_DETACH;
    c->destructive += (size_t)destructive;
    if (only_destructive && !destructive) continue;
    switch (it->act) {
      case LFH_ACT_CREATE:
        fprintf(out, "  + %s %s\n", it->type, it->full_name);
        c->created++;
        break;
      case LFH_ACT_EVOLVE:
        fprintf(out, "  ~ %s %s: %s%s\n", it->type, it->full_name, why,
                it->props_change ? ", table properties" : "");
        c->changed++;
        break;
      case LFH_ACT_KEEP:
        if (it->props_change) fprintf(out, "  ~ %s %s: %s\n", it->type, it->full_name, why);
        c->changed += (size_t)it->props_change;
        break;
      case LFH_ACT_RECREATE:
        fprintf(out, "  ! recreate %s %s: %s (old snapshots are kept for time travel; its "
                "flows start again from scratch)\n", it->type, it->full_name, why);
        c->changed++;
        break;
      case LFH_ACT_DETACH:
        fprintf(out, "  ! remove %s %s from the deployment: %s\n", it->type, it->full_name, why);
        c->removed++;
        break;
      case LFH_ACT_PENDING:
        fprintf(out, "  . pending %s %s: %s\n", it->type, it->full_name, why);
        break;
    }
  }
}

/* ------------------------------------------------------------ the command */

static int finish(lfh_deploy_plan *plan, const lfh_deploy_opts *o, FILE *out, lf_error *err) {
  counts c = {0, 0, 0, 0};
  print_resources(plan, out, &c);
  print_items(plan, out, 0, &c);
  int rc = carry_out(plan, err);
  if (rc == 0) rc = lfh_deploy_record(plan, err);
  if (rc == 0 && !lfh_deploy_state_same(plan->old, plan->next)) {
    char now[32];
    lfh_deploy_now_rfc3339(now);
    rc = lfh_deploy_state_set(&plan->next->deployed_at, now) ? LF_ERR_NOMEM : 0;
    if (rc == 0) rc = lfh_deploy_state_save(plan->root_path, plan->next, err);
  }
  if (rc) return rc;
  fprintf(out, "Deployment complete: %zu created, %zu changed", c.created, c.changed);
  if (c.removed) fprintf(out, ", %zu removed", c.removed);
  fputc('\n', out);
  (void)o;
  return 0;
}

static int refuse(const lfh_deploy_plan *plan, FILE *out, FILE *errs) {
  counts c = {0, 0, 0, 0};
  print_items(plan, out, 1, &c);
  fprintf(errs,
          "Error: %zu destructive change%s listed above; nothing was changed. Re-run with "
          "--auto-approve to apply %s (data is never deleted: see docs/DEPLOY.md).\n",
          c.destructive, c.destructive == 1 ? " is" : "s are", c.destructive == 1 ? "it" : "them");
  return 1;
}

static size_t n_destructive(const lfh_deploy_plan *plan) {
  size_t n = 0;
  for (size_t i = 0; i < plan->n_items; i++)
    n += plan->items[i].act == LFH_ACT_RECREATE || plan->items[i].act == LFH_ACT_DETACH;
  return n;
}

int lfh_deploy_run(const lfh_deploy_opts *o) {
  FILE *out = o->out ? o->out : stdout, *errs = o->errs ? o->errs : stderr;
  lfh_session s;
  lfh_deploy_plan plan;
  lfh_lock *lock = NULL;
  char msg[1024];
  lf_error err;
  int rc = 1;
  memset(&plan, 0, sizeof(plan));
  lf_error_init(&err, msg, sizeof(msg));
  if (lfh_session_open(&o->bundle, &s) != 0) {
    lfh_session_report(&s, errs, 0);
    fprintf(errs, "Error: the bundle does not validate; nothing was deployed\n");
    goto done;
  }
  lfh_session_report(&s, errs, 1);
  if (!(plan.root_path = lfh_deploy_root_path(s.bundle))) goto done;
  fprintf(out, "Deploying %s (target %s) to %s\n",
          s.bundle->root_file ? s.bundle->root_file : "bundle",
          s.bundle->target ? s.bundle->target : "none", plan.root_path);
  if (lfh_deploy_lock(plan.root_path, "deploy", o->force_lock, &lock, errs) != 0) goto done;
  if (lfh_deploy_plan_make(&s, &plan, errs) != 0) goto done;
  if (n_destructive(&plan) && !o->auto_approve) {
    rc = refuse(&plan, out, errs);
    goto done;
  }
  if (finish(&plan, o, out, &err) != 0) {
    fprintf(errs, "Error: %s\n", msg);
    goto done;
  }
  rc = 0;
done:
  if (lfh_deploy_unlock(lock, errs) != 0) rc = 1;
  lfh_deploy_plan_free(&plan);
  lfh_session_close(&s);
  return rc;
}

int lfh_deploy_lock(const char *root, const char *command, int force, lfh_lock **out,
                    FILE *errs) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof(msg));
  if (lfh_lock_acquire(root, command, force, out, &err) != 0) {
    fprintf(errs, "Error: %s\n", msg);
    return 1;
  }
  if (lfh_lock_note(*out)) fprintf(errs, "Warning: %s\n", lfh_lock_note(*out));
  return 0;
}

int lfh_deploy_unlock(lfh_lock *lock, FILE *errs) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof(msg));
  if (!lock || lfh_lock_release(lock, &err) == 0) return 0;
  fprintf(errs, "Error: releasing the deployment lock: %s\n", msg);
  return 1;
}
