/*
 * lfh_bundle_load — finds and reads the bundle's files and drives the loading steps:
 * root file, `include` globs, target and variables (lfh_targets.c), references
 * (lfh_refs.c). The schema and pipeline checks live in lfh_bundle_check.c.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lfh_load_internal.h"

/* ------------------------------------------------------------ small helpers */

size_t lfh_load_errors(const lfh_diags *d) { return lfh_diags_count(d, LFH_SEV_ERROR); }

char *lfh_path_key(const char *path, const char *key) {
  char *s = NULL;
  if (asprintf(&s, "%s%s%s", path && *path ? path : "", path && *path ? "." : "", key) < 0)
    return NULL;
  return s;
}

char *lfh_path_index(const char *path, size_t i) {
  char *s = NULL;
  if (asprintf(&s, "%s[%zu]", path ? path : "", i) < 0) return NULL;
  return s;
}

char *lfh_map_keys_joined(const lfh_node *map) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return NULL;
  for (size_t i = 0; map && map->kind == LFH_NODE_MAP && i < map->n; i++)
    fprintf(f, "%s%s", i ? ", " : "", map->entries[i].key);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* Directory part of a path as given ("a/b.yml" -> "a", "b.yml" -> "."). malloc'd. */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  if (slash == path) return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

/* The file names marks point at live in b->files until lfh_bundle_free. */
static const char *add_file(lfh_bundle *b, const char *name) {
  char **f = realloc(b->files, (b->n_files + 1) * sizeof *f);
  if (!f) return NULL;
  b->files = f;
  f[b->n_files] = strdup(name);
  if (!f[b->n_files]) return NULL;
  return f[b->n_files++];
}

void lfh_bundle_free(lfh_bundle *b) {
  if (!b) return;
  free(b->root_file);
  free(b->root_dir);
  free(b->target);
  free(b->mode);
  for (size_t i = 0; i < b->n_files; i++) free(b->files[i]);
  free(b->files);
  lfh_node_free(b->raw);
  lfh_node_free(b->root);
  for (size_t i = 0; i < b->n_secret_values; i++) free(b->secret_values[i]);
  free(b->secret_values);
  free(b);
}

void lfh_bundle_write_json(const lfh_bundle *b, FILE *out) {
  lfh_node_write_json(b ? b->root : NULL, out, 0); /* secret nodes print as "***" */
  fputc('\n', out);
}

/* ------------------------------------------------------------ root file */

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The root file as the user named it (or found in cwd / the given directory). */
static char *find_root(const char *path, lfh_diags *d) {
  static const char *const names[] = {"databricks.yml", "bundle.yml"};
  struct stat st;
  if (path && !(stat(path, &st) == 0 && S_ISDIR(st.st_mode))) return strdup(path);
  for (size_t i = 0; i < LFH_ARRAY_LEN(names); i++) {
    char *p = NULL;
    if (path && asprintf(&p, "%s/%s", path, names[i]) < 0) return NULL;
    if (!path && !(p = strdup(names[i]))) return NULL;
    if (exists(p)) return p;
    free(p);
  }
  lfh_diag_add(d, LFH_SEV_ERROR, NULL, NULL, "pass the bundle file, or run in its directory",
               "no bundle file found: looked for databricks.yml and bundle.yml in %s",
               path ? path : "the current directory");
  return NULL;
}

/* root_file: absolute (without resolving symlinks, so it names what the user named). */
static int set_root_paths(lfh_bundle *b, const char *name) {
  char cwd[PATH_MAX];
  if (name[0] == '/') b->root_file = strdup(name);
  else if (!getcwd(cwd, sizeof cwd) || asprintf(&b->root_file, "%s/%s", cwd, name) < 0)
    b->root_file = NULL;
  if (!b->root_file) return -1;
  b->root_dir = dir_of(b->root_file);
  return b->root_dir ? 0 : -1;
}

/* ------------------------------------------------------------ includes */

typedef struct lfh_incctx {
  lfh_bundle *b;
  lfh_diags *d;
  int no_files;
  char **seen; /* real paths of files already read */
  size_t n_seen;
} lfh_incctx;

/* 1 when the file was read before (or is the root): a glob like *.yml matches it too. */
static int seen_before(lfh_incctx *c, const char *file, int *oom) {
  char *real = realpath(file, NULL);
  if (!real) return 0; /* unreadable: reading it reports the error */
  for (size_t i = 0; i < c->n_seen; i++)
    if (strcmp(c->seen[i], real) == 0) return free(real), 1;
  char **s = realloc(c->seen, (c->n_seen + 1) * sizeof *s);
  if (!s) return free(real), *oom = 1, 0;
  c->seen = s;
  s[c->n_seen++] = real;
  return 0;
}

static int merge_resource_type(lfh_incctx *c, lfh_node *dst, const lfh_map_entry *type) {
  for (size_t i = 0; i < type->value->n; i++) {
    const lfh_map_entry *e = &type->value->entries[i];
    const lfh_map_entry *first = lfh_map_entry_get(dst, e->key);
    if (first) {
      char *path = NULL;
      if (asprintf(&path, "resources.%s.%s", type->key, e->key) < 0) path = NULL;
      lfh_diag_add(c->d, LFH_SEV_ERROR, &e->key_mark, path, NULL,
                   "resource '%s.%s' is defined in two files: %s:%u:%u and %s:%u:%u", type->key,
                   e->key, first->key_mark.file, first->key_mark.line, first->key_mark.col,
                   e->key_mark.file, e->key_mark.line, e->key_mark.col);
      free(path);
      continue;
    }
    lfh_node *v = lfh_node_clone(e->value);
    if (!v || lfh_map_set(dst, e->key, &e->key_mark, v) != 0) return lfh_node_free(v), -1;
  }
  return 0;
}

static int merge_resources(lfh_incctx *c, lfh_node *dst, const lfh_node *src) {
  for (size_t i = 0; i < src->n; i++) {
    const lfh_map_entry *t = &src->entries[i];
    lfh_node *have = lfh_map_get(dst, t->key);
    int rc = have && have->kind == LFH_NODE_MAP && t->value->kind == LFH_NODE_MAP
                 ? merge_resource_type(c, have, t)
                 : (have ? lfh_node_merge(have, t->value) : -2);
    if (rc == -2) {
      lfh_node *v = lfh_node_clone(t->value);
      rc = v && lfh_map_set(dst, t->key, &t->key_mark, v) == 0 ? 0 : (lfh_node_free(v), -1);
    }
    if (rc != 0) return -1;
  }
  return 0;
}

/* Merges an included file's top-level sections into raw, key by key. */
static int merge_included(lfh_incctx *c, const lfh_node *inc) {
  lfh_node *raw = c->b->raw;
  for (size_t i = 0; i < inc->n; i++) {
    const lfh_map_entry *e = &inc->entries[i];
    if (strcmp(e->key, "include") == 0 || e->value->kind == LFH_NODE_NULL) continue;
    lfh_node *have = lfh_map_get(raw, e->key);
    int rc;
    if (have && have->kind == LFH_NODE_MAP && e->value->kind == LFH_NODE_MAP &&
        strcmp(e->key, "resources") == 0)
      rc = merge_resources(c, have, e->value);
    else if (have && have->kind != LFH_NODE_NULL)
      rc = lfh_node_merge(have, e->value);
    else {
      lfh_node *v = lfh_node_clone(e->value);
      rc = v && lfh_map_set(raw, e->key, &e->key_mark, v) == 0 ? 0 : (lfh_node_free(v), -1);
    }
    if (rc != 0) return -1;
  }
  return 0;
}

static int process_includes(lfh_incctx *c, const lfh_node *file_root, const char *file);

static int include_file(lfh_incctx *c, const char *match) {
  int oom = 0;
  if (seen_before(c, match, &oom)) return 0;
  if (oom) return -1;
  const char *name = add_file(c->b, match);
  if (!name) return -1;
  lfh_node *inc = lfh_yaml_load_file(name, c->d);
  if (!inc) return 0; /* reported */
  int rc = 0;
  if (inc->kind == LFH_NODE_MAP) {
    rc = merge_included(c, inc);
    if (rc == 0) rc = process_includes(c, inc, name);
  } else if (inc->kind != LFH_NODE_NULL) {
    lfh_diag_add(c->d, LFH_SEV_ERROR, &inc->mark, NULL, NULL,
                 "an included file must be a mapping of top-level sections");
  }
  lfh_node_free(inc);
  return rc;
}

static int glob_one(lfh_incctx *c, const lfh_node *item, const char *dir, const char *path) {
  char *pattern = NULL;
  if (item->scalar[0] == '/') pattern = strdup(item->scalar);
  else if (asprintf(&pattern, "%s/%s", dir, item->scalar) < 0) pattern = NULL;
  if (!pattern) return -1;
  glob_t g;
  int rc = glob(pattern, 0, NULL, &g), ret = 0;
  if (rc == GLOB_NOMATCH)
    lfh_diag_add(c->d, LFH_SEV_WARNING, &item->mark, path, NULL, "include '%s' matches no files",
                 item->scalar);
  else if (rc != 0)
    lfh_diag_add(c->d, LFH_SEV_ERROR, &item->mark, path, NULL, "include '%s': cannot expand: %s",
                 item->scalar, rc == GLOB_NOSPACE ? "out of memory" : "read error");
  for (size_t i = 0; rc == 0 && i < g.gl_pathc && ret == 0; i++)
    ret = include_file(c, g.gl_pathv[i]);
  if (rc == 0 || rc == GLOB_NOMATCH) globfree(&g);
  free(pattern);
  return ret;
}

/* Reads the files `include` of file_root names (globs relative to `file`). */
static int process_includes(lfh_incctx *c, const lfh_node *file_root, const char *file) {
  const lfh_node *inc = lfh_map_get(file_root, "include");
  if (!inc || inc->kind == LFH_NODE_NULL) return 0;
  if (inc->kind != LFH_NODE_SEQ) {
    lfh_diag_add(c->d, LFH_SEV_ERROR, &inc->mark, "include", NULL,
                 "'include' must be a sequence of file globs");
    return 0;
  }
  if (c->no_files) {
    lfh_diag_add(c->d, LFH_SEV_NOTE, &inc->mark, "include", NULL, "includes are not read here");
    return 0;
  }
  char *dir = dir_of(file);
  int rc = dir ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < inc->n; i++) {
    const lfh_node *item = inc->items[i];
    char *path = lfh_path_index("include", i);
    if (!path) rc = -1;
    else if (item->kind != LFH_NODE_SCALAR)
      lfh_diag_add(c->d, LFH_SEV_ERROR, &item->mark, path, NULL, "an include must be a string");
    else if (strstr(item->scalar, "${"))
      lfh_diag_add(c->d, LFH_SEV_ERROR, &item->mark, path, NULL,
                   "include paths cannot use ${...} references");
    else
      rc = glob_one(c, item, dir, path);
    free(path);
  }
  free(dir);
  return rc;
}

/* ------------------------------------------------------------ entry */

/* Everything after the root file is parsed into b->raw. Returns -1 on ENOMEM. */
static int load_rest(lfh_bundle *b, const lfh_bundle_opts *opts, lfh_diags *d) {
  lfh_incctx c = {.b = b, .d = d, .no_files = opts && opts->no_files};
  lfh_var_table vars = {0};
  int oom = 0, rc = -1;
  if (b->raw->kind == LFH_NODE_NULL) { /* an empty file: the checks report what is missing */
    lfh_node *m = lfh_node_new(LFH_NODE_MAP, &b->raw->mark);
    if (!m) return -1;
    lfh_node_replace(b->raw, m, 1);
  }
  if (b->raw->kind != LFH_NODE_MAP) {
    lfh_diag_add(d, LFH_SEV_ERROR, &b->raw->mark, NULL, NULL,
                 "a bundle file must be a mapping of top-level sections (bundle, resources, ...)");
    return 0;
  }
  if (!c.no_files) seen_before(&c, b->root_file, &oom);
  if (oom || process_includes(&c, b->raw, b->files[0]) != 0) goto done;
  if (lfh_apply_target(b, opts, &vars, d) != 0) goto done;
  if (lfh_refs_resolve(b, &vars, c.no_files, d) != 0) goto done;
  rc = 0;
done:
  for (size_t i = 0; i < c.n_seen; i++) free(c.seen[i]);
  free(c.seen);
  lfh_var_table_free(&vars);
  return rc;
}

static int finish(lfh_bundle *b, const lfh_bundle_opts *opts, size_t errors, lfh_bundle **out,
                  lfh_diags *d) {
  if (b->raw && load_rest(b, opts, d) != 0)
    lfh_diag_add(d, LFH_SEV_ERROR, NULL, NULL, NULL, "out of memory loading the bundle");
  *out = b;
  return lfh_load_errors(d) > errors || !b->raw ? -1 : 0;
}

static lfh_bundle *bundle_new(const char *name, lfh_diags *d) {
  lfh_bundle *b = calloc(1, sizeof *b);
  if (b && set_root_paths(b, name) == 0 && add_file(b, name)) return b;
  lfh_bundle_free(b);
  lfh_diag_add(d, LFH_SEV_ERROR, NULL, NULL, NULL, "out of memory loading the bundle");
  return NULL;
}

int lfh_bundle_load(const lfh_bundle_opts *opts, lfh_bundle **out, lfh_diags *d) {
  size_t errors = lfh_load_errors(d);
  *out = NULL;
  char *name = find_root(opts ? opts->path : NULL, d);
  if (!name) return -1;
  lfh_bundle *b = bundle_new(name, d);
  free(name);
  if (!b) return -1;
  b->raw = lfh_yaml_load_file(b->files[0], d);
  return finish(b, opts, errors, out, d);
}

int lfh_bundle_load_buffer(const char *name, const char *buf, size_t len,
                           const lfh_bundle_opts *opts, lfh_bundle **out, lfh_diags *d) {
  size_t errors = lfh_load_errors(d);
  *out = NULL;
  lfh_bundle *b = bundle_new(name, d);
  if (!b) return -1;
  b->raw = lfh_yaml_load_buffer(b->files[0], buf, len, d);
  return finish(b, opts, errors, out, d);
}
