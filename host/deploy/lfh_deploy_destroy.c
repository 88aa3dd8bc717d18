/* lfh_deploy_destroy — `lfhost destroy` and `lfhost summary`, both driven by the recorded
 * deployment state of the bundle's target. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/lfh_deploy_internal.h"
#include "deploy/lfh_lock.h"
#include "lf/lf_array.h"

/* Opens the session and loads the state. 0 with *st (NULL when never deployed), or 1. */
static int open_target(const lfh_deploy_opts *o, lfh_session *s, char **root,
                       lfh_deploy_state **st, FILE *errs) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof(msg));
  *root = NULL;
  *st = NULL;
  if (lfh_session_open(&o->bundle, s) != 0) {
    lfh_session_report(s, errs, 0);
    fprintf(errs, "Error: the bundle does not validate\n");
    return 1;
  }
  lfh_session_report(s, errs, 1);
  if (!(*root = lfh_deploy_root_path(s->bundle))) {
    fprintf(errs, "Error: out of memory\n");
    return 1;
  }
  int rc = lfh_deploy_state_load(*root, st, &err);
  if (rc && rc != LF_ERR_NOT_FOUND) {
    fprintf(errs, "Error: %s\n", msg);
    return 1;
  }
  return 0;
}

/* ------------------------------------------------------------ destroy */

static const char *storage_of(const lfh_deploy_state *st, const lfh_deploy_table *t) {
  const lfh_deploy_pipeline *p = lfh_deploy_state_pipeline(st, t->pipeline);
  return p && p->storage && t->prefix ? p->storage : NULL;
}

static void list_destroy(const lfh_deploy_state *st, const char *root, FILE *out) {
  for (size_t i = 0; i < st->n_tables; i++)
    fprintf(out, "  - delete %s %s (%s)\n", st->tables[i].type ? st->tables[i].type : "table",
            st->tables[i].full_name, st->tables[i].location ? st->tables[i].location : "?");
  for (size_t i = 0; i < st->n_pipelines; i++)
    fprintf(out, "  - delete checkpoints of pipeline %s (id %s)\n", st->pipelines[i].key,
            st->pipelines[i].id);
  fprintf(out, "  - delete the deployment state %s/%s\n", root, LFH_DEPLOY_STATE_KEY);
}

static int delete_table(const lfh_deploy_state *st, const lfh_deploy_table *t, size_t *n,
                        lf_error *err) {
  const char *storage = storage_of(st, t);
  char prefix[1024];
  if (!storage) /* no pipeline entry: the table's own folder is the root to empty */
    return t->location ? lfh_deploy_delete_prefix(t->location, "", n, err) : 0;
  snprintf(prefix, sizeof(prefix), "%s/", t->prefix);
  return lfh_deploy_delete_prefix(storage, prefix, n, err);
}

static int destroy_all(const lfh_deploy_state *st, const char *root, FILE *out, lf_error *err) {
  size_t objects = 0, n = 0;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < st->n_tables; i++) {
    rc = delete_table(st, &st->tables[i], &n, err);
    if (rc == 0) fprintf(out, "  - deleted %s (%zu objects)\n", st->tables[i].full_name, n);
    objects += n;
  }
  for (size_t i = 0; rc == 0 && i < st->n_pipelines; i++) {
    char prefix[512];
    snprintf(prefix, sizeof(prefix), "checkpoints/%s/", st->pipelines[i].key);
    rc = lfh_deploy_delete_prefix(root, prefix, &n, err);
    if (rc == 0) fprintf(out, "  - deleted checkpoints of %s (%zu objects)\n", st->pipelines[i].key, n);
    objects += n;
  }
  if (rc == 0) rc = lfh_deploy_state_delete(root, err);
  if (rc == 0)
    fprintf(out, "Destroy complete: %zu tables, %zu pipelines, %zu objects deleted\n",
            st->n_tables, st->n_pipelines, objects + 1);
  return rc;
}

int lfh_deploy_destroy(const lfh_deploy_opts *o) {
  FILE *out = o->out ? o->out : stdout, *errs = o->errs ? o->errs : stderr;
  lfh_session s;
  lfh_deploy_state *st = NULL;
  lfh_lock *lock = NULL;
  char *root = NULL, msg[1024];
  lf_error err;
  int rc = 1;
  lf_error_init(&err, msg, sizeof(msg));
  if (open_target(o, &s, &root, &st, errs) != 0) goto done;
  if (!st) {
    fprintf(out, "Nothing to destroy: %s was never deployed\n", root);
    rc = 0;
    goto done;
  }
  if (!o->auto_approve) {
    fprintf(out, "Destroying %s (target %s) would:\n", st->bundle_name ? st->bundle_name : "?",
            st->target ? st->target : "none");
    list_destroy(st, root, out);
    fprintf(errs, "Error: destroy deletes these tables and their data; re-run with "
                  "--auto-approve to proceed\n");
    goto done;
  }
  if (lfh_deploy_lock(root, "destroy", o->force_lock, &lock, errs) != 0) goto done;
  fprintf(out, "Destroying %s (target %s) at %s\n", st->bundle_name ? st->bundle_name : "?",
          st->target ? st->target : "none", root);
  if (destroy_all(st, root, out, &err) != 0) {
    fprintf(errs, "Error: %s\n", msg);
    goto done;
  }
  rc = 0;
done:
  if (lfh_deploy_unlock(lock, errs) != 0) rc = 1;
  lfh_deploy_state_free(st);
  free(root);
  lfh_session_close(&s);
  return rc;
}

/* ------------------------------------------------------------ summary */

static void summary_text(const lfh_deploy_state *st, const char *root, FILE *out) {
  fprintf(out, "Name: %s\nTarget: %s\nWorkspace:\n  Root: %s\n", st->bundle_name ? st->bundle_name : "?",
          st->target ? st->target : "none", root);
  fprintf(out, "  Deployed at: %s (lfhost %s)\n  Bundle digest: %s\nResources:\n  Pipelines:\n",
          st->deployed_at ? st->deployed_at : "?", st->lfhost_version ? st->lfhost_version : "?",
          st->bundle_digest ? st->bundle_digest : "?");
  for (size_t i = 0; i < st->n_pipelines; i++) {
    const lfh_deploy_pipeline *p = &st->pipelines[i];
    fprintf(out, "    %s:\n      Name: %s\n      Id: %s\n      Storage: %s\n      Tables:\n",
            p->key, p->name ? p->name : "?", p->id, p->storage ? p->storage : "?");
    for (size_t k = 0; k < st->n_tables; k++)
      if (st->tables[k].pipeline && strcmp(st->tables[k].pipeline, p->key) == 0)
        fprintf(out, "        %s (%s): %s\n", st->tables[k].full_name,
                st->tables[k].type ? st->tables[k].type : "?",
                st->tables[k].location ? st->tables[k].location : "?");
  }
  fprintf(out, "  Jobs:%s\n", st->n_jobs ? "" : " none");
  for (size_t i = 0; i < st->n_jobs; i++)
    fprintf(out, "    %s:\n      Name: %s\n      Id: %s\n", st->jobs[i].key,
            st->jobs[i].name ? st->jobs[i].name : "?", st->jobs[i].id ? st->jobs[i].id : "?");
  fprintf(out, "Plugins:%s\n", st->n_plugins ? "" : " none");
  for (size_t i = 0; i < st->n_plugins; i++)
    fprintf(out, "  %s %s (%s)\n", st->plugins[i].name,
            st->plugins[i].version ? st->plugins[i].version : "?",
            st->plugins[i].path ? st->plugins[i].path : "?");
}

/* The state JSON with "deployed" and "workspace" added; NULL state: not deployed. */
static int summary_json(const lfh_deploy_state *st, const lfh_bundle *b, const char *root,
                        FILE *out) {
  json_t *o = NULL;
  if (st) {
    char *text = lfh_deploy_state_to_json(st);
    o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
  } else if ((o = json_object()) != NULL) {
    const lfh_node *bn = b->root ? lfh_map_get(b->root, "bundle") : NULL;
    const lfh_node *name = bn && bn->kind == LFH_NODE_MAP ? lfh_map_get(bn, "name") : NULL;
    json_object_set_new(o, "bundle", name && name->kind == LFH_NODE_SCALAR
                                         ? json_string(name->scalar) : json_null());
    json_object_set_new(o, "target", b->target ? json_string(b->target) : json_null());
  }
  if (!o) return -1;
  json_object_set_new(o, "deployed", json_boolean(st != NULL));
  json_t *ws = json_object();
  json_object_set_new(ws, "root_path", json_string(root));
  json_object_set_new(o, "workspace", ws);
  int rc = json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', out);
  json_decref(o);
  return rc;
}

int lfh_deploy_summary(const lfh_deploy_opts *o) {
  FILE *out = o->out ? o->out : stdout, *errs = o->errs ? o->errs : stderr;
  lfh_session s;
  lfh_deploy_state *st = NULL;
  char *root = NULL;
  int rc = 1;
  if (open_target(o, &s, &root, &st, errs) != 0) goto done;
  if (o->json) {
    if (summary_json(st, s.bundle, root, out) != 0) {
      fprintf(errs, "Error: out of memory\n");
      goto done;
    }
  } else if (!st) {
    fprintf(out, "Target %s of %s is not deployed (no %s/%s); run 'lfhost deploy'\n",
            s.bundle->target ? s.bundle->target : "none", s.bundle->root_file, root,
            LFH_DEPLOY_STATE_KEY);
  } else {
    summary_text(st, root, out);
  }
  rc = 0;
done:
  lfh_deploy_state_free(st);
  free(root);
  lfh_session_close(&s);
  return rc;
}
