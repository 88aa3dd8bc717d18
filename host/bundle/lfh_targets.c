/*
 * lfh_targets — picks the target, merges it over the top level and assigns variables.
 *
 * b->root starts as a copy of b->raw without `targets`. The target's sections (except
 * `default`, `mode` and `variables`) are deep-merged into it; its `variables` only give
 * values. Each declared variable gets `variables.NAME.value`, which ${var.NAME} reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/lfh_suggest.h"
#include "lfh_load_internal.h"
#include "../util/lfh_mem.h"

/* ------------------------------------------------------------ target selection */

static void hint_nearest(char *hint, size_t size, const char *word, const lfh_node *map) {
  hint[0] = '\0';
  const char **k = map && map->n ? malloc(map->n * sizeof *k) : NULL;
  if (!k) return;
  for (size_t i = 0; i < map->n; i++) k[i] = map->entries[i].key;
  const char *s = lfh_suggest(word, k, map->n);
  if (s) snprintf(hint, size, "did you mean '%s'?", s);
  free(k);
}

static int is_default(const lfh_node *t) {
  int v = 0;
  return t && t->kind == LFH_NODE_MAP && lfh_scalar_bool(lfh_map_get(t, "default"), &v) == 0 &&
         v;
}

/* The target named by -t. Returns its index or -1 (reported). */
static long named_target(const lfh_node *targets, const lfh_mark *at, const char *name,
                         lfh_diags *d) {
  for (size_t i = 0; targets && i < targets->n; i++)
    if (strcmp(targets->entries[i].key, name) == 0) return (long)i;
  if (!targets || targets->n == 0) {
    lfh_diag_add(d, LFH_SEV_ERROR, at, "targets", NULL,
                 "target '%s' not found: the bundle defines no targets", name);
    return -1;
  }
  char hint[256];
  char *valid = lfh_map_keys_joined(targets);
  hint_nearest(hint, sizeof hint, name, targets);
  lfh_diag_add(d, LFH_SEV_ERROR, at, "targets", hint, "target '%s' not found; valid targets: %s",
               name, valid ? valid : "");
  free(valid);
  return -1;
}

/* The `default: true` target, else the only one. -1 with none defined, -2 on error. */
static long default_target(const lfh_node *targets, const lfh_mark *at, lfh_diags *d) {
  long found = -1;
  for (size_t i = 0; targets && i < targets->n; i++) {
    if (!is_default(targets->entries[i].value)) continue;
    if (found >= 0) {
      const lfh_map_entry *e = lfh_map_entry_get(targets->entries[i].value, "default");
      char *path = lfh_path_key("targets", targets->entries[i].key);
      lfh_diag_add(d, LFH_SEV_ERROR, &e->key_mark, path, NULL,
                   "more than one default target: '%s' and '%s'",
                   targets->entries[found].key, targets->entries[i].key);
      free(path);
      return -2;
    }
    found = (long)i;
  }
  if (found >= 0 || !targets || targets->n == 0) return found;
  if (targets->n == 1) return 0;
  char *valid = lfh_map_keys_joined(targets);
  lfh_diag_add(d, LFH_SEV_ERROR, at, "targets", "set `default: true` on one target",
               "no target selected: pass -t with one of: %s", valid ? valid : "");
  free(valid);
  return -2;
}

/* The `targets` mapping of raw, or NULL; reports a `targets` that is not a mapping, and
 * targets that are neither a mapping nor empty. */
static const lfh_node *targets_of(const lfh_node *raw, lfh_mark *at, lfh_diags *d) {
  const lfh_map_entry *e = lfh_map_entry_get(raw, "targets");
  if (!e || e->value->kind == LFH_NODE_NULL) return NULL;
  *at = e->key_mark;
  if (e->value->kind != LFH_NODE_MAP) {
    lfh_diag_add(d, LFH_SEV_ERROR, &e->value->mark, "targets", NULL,
                 "'targets' must be a mapping of target names to targets");
    return NULL;
  }
  for (size_t i = 0; i < e->value->n; i++) {
    const lfh_node *t = e->value->entries[i].value;
    if (t->kind == LFH_NODE_MAP || t->kind == LFH_NODE_NULL) continue;
    char *path = lfh_path_key("targets", e->value->entries[i].key);
    lfh_diag_add(d, LFH_SEV_ERROR, &t->mark, path, NULL, "target '%s' must be a mapping",
                 e->value->entries[i].key);
    free(path);
  }
  return e->value;
}

/* ------------------------------------------------------------ merging the target */

static int merge_section(lfh_node *root, const lfh_map_entry *e) {
  lfh_node *dst = lfh_map_get(root, e->key);
  if (dst && dst->kind != LFH_NODE_NULL) return lfh_node_merge(dst, e->value);
  if (e->value->kind == LFH_NODE_NULL && dst) return 0;
  lfh_node *v = lfh_node_clone(e->value);
  if (!v || lfh_map_set(root, e->key, &e->key_mark, v) != 0) {
    lfh_node_free(v);
    return -1;
  }
  return 0;
}

static int set_scalar(lfh_node *map, const char *key, const char *value, const lfh_mark *m,
                      int quoted) {
  lfh_node *v = lfh_node_new_scalar(value, m);
  if (!v) return -1;
  v->quoted = quoted;
  if (lfh_map_set(map, key, m, v) != 0) {
    lfh_node_free(v);
    return -1;
  }
  return 0;
}

/* development mode: every pipeline that does not say otherwise is a development one */
static int development_mode(lfh_node *root, const lfh_mark *m) {
  lfh_node *p = lfh_map_get(lfh_map_get(root, "resources"), "pipelines");
  for (size_t i = 0; p && p->kind == LFH_NODE_MAP && i < p->n; i++) {
    lfh_node *pl = p->entries[i].value;
    if (pl->kind == LFH_NODE_MAP && !lfh_map_get(pl, "development") &&
        set_scalar(pl, "development", "true", m, 0) != 0)
      return -1;
  }
  return 0;
}

static int apply_mode(lfh_bundle *b, const lfh_node *t) {
  const lfh_node *mode = lfh_map_get(t, "mode");
  if (!mode || mode->kind != LFH_NODE_SCALAR) return 0;
  b->mode = strdup(mode->scalar);
  if (!b->mode) return -1;
  lfh_node *bundle = lfh_map_get(b->root, "bundle");
  if (bundle && bundle->kind == LFH_NODE_MAP && set_scalar(bundle, "mode", b->mode, &mode->mark, 1))
    return -1;
  return strcmp(b->mode, "development") == 0 ? development_mode(b->root, &mode->mark) : 0;
}

static int merge_target(lfh_bundle *b, const lfh_node *t) {
  for (size_t i = 0; t && t->kind == LFH_NODE_MAP && i < t->n; i++) {
    const char *k = t->entries[i].key;
    if (!strcmp(k, "default") || !strcmp(k, "mode") || !strcmp(k, "variables")) continue;
    if (merge_section(b->root, &t->entries[i]) != 0) return -1;
  }
  return apply_mode(b, t);
}

/* A relative root_path is anchored at the root bundle file's directory, so state and
 * tables land in the same place whatever directory lfhost runs from. A path that starts
 * with a reference or names a URI scheme is left alone. */
static int anchor_root_path(lfh_bundle *b, lfh_node *rp) {
  if (rp->kind != LFH_NODE_SCALAR || !b->root_dir || rp->scalar[0] == '/' ||
      rp->scalar[0] == '$' || strstr(rp->scalar, "://"))
    return 0;
  const char *rel = strncmp(rp->scalar, "./", 2) == 0 ? rp->scalar + 2 : rp->scalar;
  char *path = NULL;
  if (asprintf(&path, "%s/%s", b->root_dir, rel) < 0) return -1;
  int rc = lfh_node_set_text(rp, path, strlen(path));
  free(path);
  return rc;
}

/* workspace.root_path defaults to <root_dir>/.lfhost/<target>: state stays with the bundle */
static int default_root_path(lfh_bundle *b) {
  lfh_node *ws = lfh_map_get(b->root, "workspace");
  lfh_node *rp = ws && ws->kind == LFH_NODE_MAP ? lfh_map_get(ws, "root_path") : NULL;
  if (rp) return anchor_root_path(b, rp);
  if (ws && ws->kind != LFH_NODE_MAP) return 0;
  if (!ws) {
    lfh_mark m = {b->files ? b->files[0] : NULL, 0, 0};
    ws = lfh_node_new(LFH_NODE_MAP, &m);
    if (!ws || lfh_map_set(b->root, "workspace", &m, ws) != 0) return lfh_node_free(ws), -1;
  }
  char *path = NULL;
  if (asprintf(&path, "%s/.lfhost/%s", b->root_dir ? b->root_dir : ".",
               b->target ? b->target : "default") < 0)
    return -1;
  int rc = set_scalar(ws, "root_path", path, &ws->mark, 1);
  free(path);
  b->root_path_defaulted = 1;
  return rc;
}

/* ------------------------------------------------------------ variables */

void lfh_var_table_free(lfh_var_table *t) {
  for (size_t i = 0; i < t->n; i++) {
    free(t->items[i].name);
    free(t->items[i].path);
  }
  free(t->items);
  memset(t, 0, sizeof *t);
}

static int var_table_add(lfh_var_table *t, const char *name, char *path, lfh_node *value) {
  if (lfh_grow(&t->items, &t->cap, t->n + 1, sizeof *t->items, 8) != 0) return -1;
  char *n = strdup(name);
  if (!n) return -1;
  t->items[t->n++] = (lfh_var_src){n, path, value};
  return 0;
}

/* The value --var gives `name` (the last one wins), or NULL. */
static const char *cli_var(const lfh_bundle_opts *o, const char *name) {
  const char *found = NULL;
  size_t len = strlen(name);
  for (size_t i = 0; o && i < o->n_vars; i++)
    if (strncmp(o->vars[i], name, len) == 0 && o->vars[i][len] == '=') found = o->vars[i] + len + 1;
  return found;
}

/* --var and the target may only set declared variables. */
static void check_cli_vars(const lfh_bundle_opts *o, const lfh_node *decls, lfh_diags *d) {
  for (size_t i = 0; o && i < o->n_vars; i++) {
    const char *eq = strchr(o->vars[i], '=');
    if (!eq || eq == o->vars[i]) {
      lfh_diag_add(d, LFH_SEV_ERROR, NULL, NULL, NULL,
                   "--var '%s' must have the form NAME=VALUE", o->vars[i]);
      continue;
    }
    char *name = strndup(o->vars[i], (size_t)(eq - o->vars[i]));
    if (!name) continue;
    if (!lfh_map_get(decls, name)) {
      char hint[256];
      hint_nearest(hint, sizeof hint, name, decls);
      lfh_diag_add(d, LFH_SEV_ERROR, NULL, NULL, hint,
                   "--var sets variable '%s', which is not declared in 'variables'", name);
    }
    free(name);
  }
}

static void check_target_vars(const lfh_node *tv, const char *tname, const lfh_node *decls,
                              lfh_diags *d) {
  for (size_t i = 0; tv && tv->kind == LFH_NODE_MAP && i < tv->n; i++) {
    const lfh_map_entry *e = &tv->entries[i];
    if (lfh_map_get(decls, e->key)) continue;
    char hint[256], *path = NULL;
    hint_nearest(hint, sizeof hint, e->key, decls);
    if (asprintf(&path, "targets.%s.variables.%s", tname, e->key) < 0) path = NULL;
    lfh_diag_add(d, LFH_SEV_ERROR, &e->key_mark, path, hint,
                 "variable '%s' is not declared in the top-level 'variables'", e->key);
    free(path);
  }
}

static int is_complex(const lfh_node *decl) {
  const lfh_node *t = lfh_map_get(decl, "type");
  return t && t->kind == LFH_NODE_SCALAR && strcmp(t->scalar, "complex") == 0;
}

/* A target may give `name: value` or, as DAB allows, `name: {default: value}`. */
static const lfh_node *target_value(const lfh_node *tv, const char *name, int complex) {
  const lfh_node *v = lfh_map_get(tv, name);
  if (v && !complex && v->kind == LFH_NODE_MAP && lfh_map_get(v, "default"))
    return lfh_map_get(v, "default");
  return v && v->kind != LFH_NODE_NULL ? v : NULL;
}

typedef struct lfh_varctx {
  lfh_bundle *b;
  const lfh_bundle_opts *opts;
  const lfh_node *tv; /* the target's variables, or NULL */
  lfh_var_table *vars;
  lfh_diags *d;
} lfh_varctx;

/* Picks the value of one variable: a new node (owned by the caller) and where it came
 * from; NULL with *path NULL when no source has one. */
static lfh_node *pick_value(const lfh_varctx *c, const lfh_map_entry *decl, char **path,
                            int *bad) {
  const char *name = decl->key;
  int complex = is_complex(decl->value);
  char env[512];
  snprintf(env, sizeof env, "BUNDLE_VAR_%s", name);
  const char *s = cli_var(c->opts, name);
  const char *src = s ? "--var" : "BUNDLE_VAR_";
  if (!s) s = getenv(env);
  *path = NULL;
  if (s && complex) {
    lfh_diag_add(c->d, LFH_SEV_ERROR, &decl->key_mark, NULL, NULL,
                 "complex variable '%s' cannot be set from %s%s", name, src,
                 src[0] == '-' ? "" : name);
    *bad = 1;
    return NULL;
  }
  if (s) {
    if (asprintf(path, "variables.%s", name) < 0) return NULL;
    return lfh_node_new_scalar(s, &decl->key_mark); /* plain: `--var flag=true` is a bool */
  }
  const lfh_node *v = target_value(c->tv, name, complex);
  if (v) {
    if (asprintf(path, "targets.%s.variables.%s", c->b->target, name) < 0) return NULL;
    return lfh_node_clone(v);
  }
  v = lfh_map_get(decl->value, "default");
  if (!v) return NULL;
  if (asprintf(path, "variables.%s.default", name) < 0) return NULL;
  return lfh_node_clone(v);
}

static int assign_one(const lfh_varctx *c, lfh_map_entry *decl) {
  char *vpath = NULL, *dpath = lfh_path_key("variables", decl->key);
  int bad = 0;
  if (!dpath) return -1;
  if (decl->value->kind != LFH_NODE_MAP && decl->value->kind != LFH_NODE_NULL) {
    lfh_diag_add(c->d, LFH_SEV_ERROR, &decl->value->mark, dpath, NULL,
                 "variable '%s' must be a mapping (description, default, type)", decl->key);
    return free(dpath), 0;
  }
  lfh_node *v = pick_value(c, decl, &vpath, &bad);
  if (!v && !bad && vpath) goto fail; /* ENOMEM */
  if (!v) {
    if (!bad)
      lfh_diag_add(c->d, LFH_SEV_ERROR, &decl->key_mark, dpath,
                   "give it a default, a value in the target, --var or BUNDLE_VAR_",
                   "no value assigned to required variable '%s'", decl->key);
    /* a null value already FAILED: references to it add no second error */
    free(vpath);
    vpath = strdup(dpath);
    v = lfh_node_new(LFH_NODE_NULL, &decl->key_mark);
    if (!vpath || !v) goto fail;
    v->resolve_state = LFH_RS_FAILED;
  }
  if (decl->value->kind == LFH_NODE_NULL) {
    lfh_node *m = lfh_node_new(LFH_NODE_MAP, &decl->value->mark);
    if (!m) goto fail;
    lfh_node_replace(decl->value, m, 1);
  }
  if (lfh_map_set(decl->value, "value", &v->mark, v) != 0) goto fail;
  v = NULL;
  if (var_table_add(c->vars, decl->key, vpath, lfh_map_get(decl->value, "value")) != 0) goto fail;
  free(dpath);
  return 0;
fail:
  lfh_node_free(v);
  free(vpath);
  free(dpath);
  return -1;
}

static int assign_variables(lfh_bundle *b, const lfh_bundle_opts *o, const lfh_node *t,
                            lfh_var_table *vars, lfh_diags *d) {
  lfh_node *decls = lfh_map_get(b->root, "variables");
  if (decls && decls->kind != LFH_NODE_MAP && decls->kind != LFH_NODE_NULL) {
    lfh_diag_add(d, LFH_SEV_ERROR, &decls->mark, "variables", NULL,
                 "'variables' must be a mapping of variable names to declarations");
    decls = NULL;
  }
  const lfh_node *tv = lfh_map_get(t, "variables");
  if (tv && tv->kind != LFH_NODE_MAP && tv->kind != LFH_NODE_NULL) {
    char *path = NULL;
    if (asprintf(&path, "targets.%s.variables", b->target) < 0) path = NULL;
    lfh_diag_add(d, LFH_SEV_ERROR, &tv->mark, path, NULL, "target variables must be a mapping");
    free(path);
    tv = NULL;
  }
  check_cli_vars(o, decls, d);
  if (tv) check_target_vars(tv, b->target, decls, d);
  lfh_varctx c = {b, o, tv, vars, d};
  for (size_t i = 0; decls && decls->kind == LFH_NODE_MAP && i < decls->n; i++)
    if (assign_one(&c, &decls->entries[i]) != 0) return -1;
  return 0;
}

/* ------------------------------------------------------------ entry */

static int select_target(lfh_bundle *b, const lfh_bundle_opts *o, const lfh_node *targets,
                         const lfh_mark *at, const lfh_node **t, lfh_diags *d) {
  long i = o && o->target ? named_target(targets, at, o->target, d)
                          : default_target(targets, at, d);
  *t = NULL;
  if (i < 0) return 0;
  b->target = strdup(targets->entries[i].key);
  if (!b->target) return -1;
  *t = targets->entries[i].value;
  return 0;
}

int lfh_apply_target(lfh_bundle *b, const lfh_bundle_opts *opts, lfh_var_table *vars,
                     lfh_diags *d) {
  lfh_mark at = {b->files ? b->files[0] : NULL, 1, 1};
  const lfh_node *targets = targets_of(b->raw, &at, d), *t = NULL;
  if (select_target(b, opts, targets, &at, &t, d) != 0) return -1;
  b->root = lfh_node_clone(b->raw);
  if (!b->root) return -1;
  lfh_map_remove(b->root, "targets"); /* selected and merged: DAB drops them as well */
  if (merge_target(b, t) != 0) return -1;
  lfh_node *bundle = lfh_map_get(b->root, "bundle");
  if (b->target && bundle && bundle->kind == LFH_NODE_MAP &&
      set_scalar(bundle, "target", b->target, &bundle->mark, 1) != 0)
    return -1;
  if (default_root_path(b) != 0) return -1;
  return assign_variables(b, opts, t, vars, d);
}
