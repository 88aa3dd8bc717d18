/* lfh_deploy_state — the deployment record: model, JSON, load/save through lfh_store. */
#include "deploy/lfh_deploy_state.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lf/lf_array.h"
#include "store/lfh_store.h"
#include "util/lfh_clock.h"

/* ------------------------------------------------------------ model */

int lfh_deploy_state_set(char **field, const char *value) {
  char *copy = NULL;
  if (value && !(copy = strdup(value))) return LF_ERR_NOMEM;
  free(*field);
  *field = copy;
  return 0;
}

lfh_deploy_state *lfh_deploy_state_new(void) { return calloc(1, sizeof(lfh_deploy_state)); }

static void free_pipeline(lfh_deploy_pipeline *p) {
  free(p->key);
  free(p->id);
  free(p->name);
  free(p->catalog);
  free(p->schema);
  free(p->storage);
}

static void free_table(lfh_deploy_table *t) {
  free(t->full_name);
  free(t->location);
  free(t->table_uuid);
  free(t->fingerprint);
  free(t->type);
  free(t->pipeline);
  free(t->prefix);
}

void lfh_deploy_state_free(lfh_deploy_state *s) {
  if (!s) return;
  free(s->bundle_name);
  free(s->target);
  free(s->bundle_digest);
  free(s->deployed_at);
  free(s->lfhost_version);
  for (size_t i = 0; i < s->n_pipelines; i++) free_pipeline(&s->pipelines[i]);
  free(s->pipelines);
  for (size_t i = 0; i < s->n_jobs; i++) {
    free(s->jobs[i].key);
    free(s->jobs[i].id);
    free(s->jobs[i].name);
  }
  free(s->jobs);
  for (size_t i = 0; i < s->n_plugins; i++) {
    free(s->plugins[i].name);
    free(s->plugins[i].version);
    free(s->plugins[i].path);
  }
  free(s->plugins);
  for (size_t i = 0; i < s->n_tables; i++) free_table(&s->tables[i]);
  free(s->tables);
  free(s);
}

/* Copies each of `n` strings into the matching slot; on failure frees what it copied. */
static int dup_all(char **dst[], const char *const src[], size_t n) {
  for (size_t i = 0; i < n; i++) {
    *dst[i] = NULL;
    if (src[i] && !(*dst[i] = strdup(src[i]))) {
      for (size_t k = 0; k < i; k++) {
        free(*dst[k]);
        *dst[k] = NULL;
      }
      return LF_ERR_NOMEM;
    }
  }
  return 0;
}

/* Grows `*items` (of `elem` bytes) by one zeroed slot; returns it or NULL. */
static void *grow_one(void *itemsp, size_t n, size_t elem) {
  void **items = itemsp;
  void *p = realloc(*items, (n + 1) * elem);
  if (!p) return NULL;
  *items = p;
  memset((char *)p + n * elem, 0, elem);
  return (char *)p + n * elem;
}

int lfh_deploy_state_add_pipeline(lfh_deploy_state *s, const lfh_deploy_pipeline *p) {
  lfh_deploy_pipeline *d = grow_one(&s->pipelines, s->n_pipelines, sizeof(*d));
  if (!d) return LF_ERR_NOMEM;
  char **dst[] = {&d->key, &d->id, &d->name, &d->catalog, &d->schema, &d->storage};
  const char *const src[] = {p->key, p->id, p->name, p->catalog, p->schema, p->storage};
  if (dup_all(dst, src, 6) != 0) return LF_ERR_NOMEM;
  s->n_pipelines++;
  return 0;
}

int lfh_deploy_state_add_job(lfh_deploy_state *s, const lfh_deploy_job *j) {
  lfh_deploy_job *d = grow_one(&s->jobs, s->n_jobs, sizeof(*d));
  if (!d) return LF_ERR_NOMEM;
  char **dst[] = {&d->key, &d->id, &d->name};
  const char *const src[] = {j->key, j->id, j->name};
  if (dup_all(dst, src, 3) != 0) return LF_ERR_NOMEM;
  s->n_jobs++;
  return 0;
}

int lfh_deploy_state_add_plugin(lfh_deploy_state *s, const lfh_deploy_plugin *p) {
  lfh_deploy_plugin *d = grow_one(&s->plugins, s->n_plugins, sizeof(*d));
  if (!d) return LF_ERR_NOMEM;
  char **dst[] = {&d->name, &d->version, &d->path};
  const char *const src[] = {p->name, p->version, p->path};
  if (dup_all(dst, src, 3) != 0) return LF_ERR_NOMEM;
  s->n_plugins++;
  return 0;
}

int lfh_deploy_state_add_table(lfh_deploy_state *s, const lfh_deploy_table *t) {
  lfh_deploy_table *d = grow_one(&s->tables, s->n_tables, sizeof(*d));
  if (!d) return LF_ERR_NOMEM;
  char **dst[] = {&d->full_name, &d->location, &d->table_uuid, &d->fingerprint,
                  &d->type,      &d->pipeline, &d->prefix};
  const char *const src[] = {t->full_name, t->location, t->table_uuid, t->fingerprint,
                             t->type,      t->pipeline, t->prefix};
  if (dup_all(dst, src, 7) != 0) return LF_ERR_NOMEM;
  s->n_tables++;
  return 0;
}

const lfh_deploy_pipeline *lfh_deploy_state_pipeline(const lfh_deploy_state *s,
                                                     const char *key) {
  for (size_t i = 0; s && key && i < s->n_pipelines; i++)
    if (s->pipelines[i].key && strcmp(s->pipelines[i].key, key) == 0) return &s->pipelines[i];
  return NULL;
}

const char *lfh_deploy_state_pipeline_id(const lfh_deploy_state *s, const char *pipeline_key) {
  const lfh_deploy_pipeline *p = lfh_deploy_state_pipeline(s, pipeline_key);
  return p ? p->id : NULL;
}

const char *lfh_deploy_state_job_id(const lfh_deploy_state *s, const char *job_key) {
  for (size_t i = 0; s && job_key && i < s->n_jobs; i++)
    if (s->jobs[i].key && strcmp(s->jobs[i].key, job_key) == 0) return s->jobs[i].id;
  return NULL;
}

const lfh_deploy_table *lfh_deploy_state_table(const lfh_deploy_state *s,
                                               const char *full_name) {
  for (size_t i = 0; s && full_name && i < s->n_tables; i++)
    if (s->tables[i].full_name && strcmp(s->tables[i].full_name, full_name) == 0)
      return &s->tables[i];
  return NULL;
}

/* ------------------------------------------------------------ comparison */

static int str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static int strs_eq(const char *const a[], const char *const b[], size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!str_eq(a[i], b[i])) return 0;
  return 1;
}

static int pipelines_eq(const lfh_deploy_state *a, const lfh_deploy_state *b) {
  if (a->n_pipelines != b->n_pipelines) return 0;
  for (size_t i = 0; i < a->n_pipelines; i++) {
    const lfh_deploy_pipeline *x = &a->pipelines[i], *y = &b->pipelines[i];
    const char *const xs[] = {x->key, x->id, x->name, x->catalog, x->schema, x->storage};
    const char *const ys[] = {y->key, y->id, y->name, y->catalog, y->schema, y->storage};
    if (!strs_eq(xs, ys, 6)) return 0;
  }
  return 1;
}

static int jobs_plugins_eq(const lfh_deploy_state *a, const lfh_deploy_state *b) {
  if (a->n_jobs != b->n_jobs || a->n_plugins != b->n_plugins) return 0;
  for (size_t i = 0; i < a->n_jobs; i++) {
    const lfh_deploy_job *x = &a->jobs[i], *y = &b->jobs[i];
    const char *const xs[] = {x->key, x->id, x->name};
    const char *const ys[] = {y->key, y->id, y->name};
    if (!strs_eq(xs, ys, 3)) return 0;
  }
  for (size_t i = 0; i < a->n_plugins; i++) {
    const lfh_deploy_plugin *x = &a->plugins[i], *y = &b->plugins[i];
    const char *const xs[] = {x->name, x->version, x->path};
    const char *const ys[] = {y->name, y->version, y->path};
    if (!strs_eq(xs, ys, 3)) return 0;
  }
  return 1;
}

static int tables_eq(const lfh_deploy_state *a, const lfh_deploy_state *b) {
  if (a->n_tables != b->n_tables) return 0;
  for (size_t i = 0; i < a->n_tables; i++) {
    const lfh_deploy_table *x = &a->tables[i], *y = &b->tables[i];
    const char *const xs[] = {x->full_name, x->location, x->table_uuid, x->fingerprint,
                              x->type,      x->pipeline, x->prefix};
    const char *const ys[] = {y->full_name, y->location, y->table_uuid, y->fingerprint,
                              y->type,      y->pipeline, y->prefix};
    if (!strs_eq(xs, ys, 7)) return 0;
  }
  return 1;
}

int lfh_deploy_state_same(const lfh_deploy_state *a, const lfh_deploy_state *b) {
  if (!a || !b) return a == b;
  const char *const xs[] = {a->bundle_name, a->target, a->bundle_digest, a->lfhost_version};
  const char *const ys[] = {b->bundle_name, b->target, b->bundle_digest, b->lfhost_version};
  return strs_eq(xs, ys, 4) && pipelines_eq(a, b) && jobs_plugins_eq(a, b) && tables_eq(a, b);
}

/* ------------------------------------------------------------ JSON */

/* Sets `key` to the string or to null; returns -1 when out of memory. */
static int put_str(json_t *o, const char *key, const char *v) {
  return json_object_set_new(o, key, v ? json_string(v) : json_null());
}

static json_t *pipelines_json(const lfh_deploy_state *s) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < s->n_pipelines; i++) {
    const lfh_deploy_pipeline *p = &s->pipelines[i];
    json_t *e = json_object();
    if (!e || put_str(e, "id", p->id) || put_str(e, "name", p->name) ||
        put_str(e, "catalog", p->catalog) || put_str(e, "schema", p->schema) ||
        put_str(e, "storage", p->storage) || json_object_set_new(o, p->key, e)) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

static json_t *jobs_json(const lfh_deploy_state *s) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < s->n_jobs; i++) {
    json_t *e = json_object();
    if (!e || put_str(e, "id", s->jobs[i].id) || put_str(e, "name", s->jobs[i].name) ||
        json_object_set_new(o, s->jobs[i].key, e)) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

static json_t *plugins_json(const lfh_deploy_state *s) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < s->n_plugins; i++) {
    json_t *e = json_object();
    if (!e || put_str(e, "version", s->plugins[i].version) ||
        put_str(e, "path", s->plugins[i].path) || json_object_set_new(o, s->plugins[i].name, e)) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

static json_t *tables_json(const lfh_deploy_state *s) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < s->n_tables; i++) {
    const lfh_deploy_table *t = &s->tables[i];
    json_t *e = json_object();
    if (!e || put_str(e, "location", t->location) || put_str(e, "prefix", t->prefix) ||
        put_str(e, "table_uuid", t->table_uuid) ||
        put_str(e, "schema_fingerprint", t->fingerprint) || put_str(e, "type", t->type) ||
        put_str(e, "pipeline", t->pipeline) || json_object_set_new(o, t->full_name, e)) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

char *lfh_deploy_state_to_json(const lfh_deploy_state *s) {
  json_t *root = json_object(), *res = json_object();
  char *text = NULL;
  if (!root || !res) goto done;
  if (json_object_set_new(root, "state_version", json_integer(LFH_DEPLOY_STATE_VERSION)) ||
      put_str(root, "bundle", s->bundle_name) || put_str(root, "target", s->target) ||
      put_str(root, "bundle_digest", s->bundle_digest) ||
      put_str(root, "deployed_at", s->deployed_at) ||
      put_str(root, "lfhost_version", s->lfhost_version))
    goto done;
  if (json_object_set_new(res, "pipelines", pipelines_json(s)) ||
      json_object_set_new(res, "jobs", jobs_json(s)) ||
      json_object_set_new(res, "plugins", plugins_json(s)) ||
      json_object_set_new(res, "tables", tables_json(s)))
    goto done;
  if (json_object_set(root, "resources", res)) goto done;
  text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
done:
  json_decref(res);
  json_decref(root);
  return text;
}

/* A string member or NULL (json null or absent); LF_ERR_DATA for any other type. */
static int get_str(json_t *o, const char *key, char **out, const char *name, lf_error *err) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v)) return 0;
  if (!json_is_string(v))
    return lf_error_set(err, LF_ERR_DATA, "%s: \"%s\" is not a string", name, key);
  return lfh_deploy_state_set(out, json_string_value(v)) ? lf_error_set(err, LF_ERR_NOMEM,
                                                                        "out of memory")
                                                         : 0;
}

/* The object member `key` of `res` (absent = empty); LF_ERR_DATA when not an object. */
static int get_obj(json_t *res, const char *key, json_t **out, const char *name, lf_error *err) {
  *out = json_object_get(res, key);
  if (*out && !json_is_object(*out))
    return lf_error_set(err, LF_ERR_DATA, "%s: resources.%s is not an object", name, key);
  return 0;
}

static int parse_pipelines(json_t *o, lfh_deploy_state *s, const char *name, lf_error *err) {
  const char *key;
  json_t *e;
  json_object_foreach(o, key, e) {
    lfh_deploy_pipeline *p = grow_one(&s->pipelines, s->n_pipelines, sizeof(*p));
    if (!p) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    s->n_pipelines++;
    if (!json_is_object(e))
      return lf_error_set(err, LF_ERR_DATA, "%s: pipeline \"%s\" is not an object", name, key);
    int rc = lfh_deploy_state_set(&p->key, key) ? LF_ERR_NOMEM : 0;
    if (rc) return lf_error_set(err, rc, "out of memory");
    if ((rc = get_str(e, "id", &p->id, name, err)) || (rc = get_str(e, "name", &p->name, name, err)) ||
        (rc = get_str(e, "catalog", &p->catalog, name, err)) ||
        (rc = get_str(e, "schema", &p->schema, name, err)) ||
        (rc = get_str(e, "storage", &p->storage, name, err)))
      return rc;
    if (!p->id)
      return lf_error_set(err, LF_ERR_DATA, "%s: pipeline \"%s\" has no id", name, key);
  }
  return 0;
}

static int parse_jobs_plugins(json_t *jobs, json_t *plugins, lfh_deploy_state *s,
                              const char *name, lf_error *err) {
  const char *key;
  json_t *e;
  int rc;
  json_object_foreach(jobs, key, e) {
    lfh_deploy_job *j = grow_one(&s->jobs, s->n_jobs, sizeof(*j));
    if (!j) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    s->n_jobs++;
    if (lfh_deploy_state_set(&j->key, key)) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    if ((rc = get_str(e, "id", &j->id, name, err)) || (rc = get_str(e, "name", &j->name, name, err)))
      return rc;
  }
  json_object_foreach(plugins, key, e) {
    lfh_deploy_plugin *p = grow_one(&s->plugins, s->n_plugins, sizeof(*p));
    if (!p) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    s->n_plugins++;
    if (lfh_deploy_state_set(&p->name, key)) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    if ((rc = get_str(e, "version", &p->version, name, err)) ||
        (rc = get_str(e, "path", &p->path, name, err)))
      return rc;
  }
  return 0;
}

static int parse_tables(json_t *o, lfh_deploy_state *s, const char *name, lf_error *err) {
  const char *key;
  json_t *e;
  int rc;
  json_object_foreach(o, key, e) {
    lfh_deploy_table *t = grow_one(&s->tables, s->n_tables, sizeof(*t));
    if (!t) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    s->n_tables++;
    if (lfh_deploy_state_set(&t->full_name, key))
      return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    if ((rc = get_str(e, "location", &t->location, name, err)) ||
        (rc = get_str(e, "prefix", &t->prefix, name, err)) ||
        (rc = get_str(e, "table_uuid", &t->table_uuid, name, err)) ||
        (rc = get_str(e, "schema_fingerprint", &t->fingerprint, name, err)) ||
        (rc = get_str(e, "type", &t->type, name, err)) ||
        (rc = get_str(e, "pipeline", &t->pipeline, name, err)))
      return rc;
  }
  return 0;
}

static int parse_root(json_t *root, lfh_deploy_state *s, const char *name, lf_error *err) {
  json_t *res, *pl = NULL, *jobs = NULL, *plugins = NULL, *tables = NULL;
  int rc;
  if (!json_is_object(root))
    return lf_error_set(err, LF_ERR_DATA, "%s: not a JSON object", name);
  json_t *ver = json_object_get(root, "state_version");
  if (!json_is_integer(ver) || json_integer_value(ver) != LFH_DEPLOY_STATE_VERSION)
    return lf_error_set(err, LF_ERR_DATA, "%s: unknown state_version (expected %d)", name,
                        LFH_DEPLOY_STATE_VERSION);
  if ((rc = get_str(root, "bundle", &s->bundle_name, name, err)) ||
      (rc = get_str(root, "target", &s->target, name, err)) ||
      (rc = get_str(root, "bundle_digest", &s->bundle_digest, name, err)) ||
      (rc = get_str(root, "deployed_at", &s->deployed_at, name, err)) ||
      (rc = get_str(root, "lfhost_version", &s->lfhost_version, name, err)))
    return rc;
  res = json_object_get(root, "resources");
  if (res && !json_is_object(res))
    return lf_error_set(err, LF_ERR_DATA, "%s: \"resources\" is not an object", name);
  if ((rc = get_obj(res, "pipelines", &pl, name, err)) ||
      (rc = get_obj(res, "jobs", &jobs, name, err)) ||
      (rc = get_obj(res, "plugins", &plugins, name, err)) ||
      (rc = get_obj(res, "tables", &tables, name, err)))
    return rc;
  if ((rc = parse_pipelines(pl, s, name, err)) ||
      (rc = parse_jobs_plugins(jobs, plugins, s, name, err)) ||
      (rc = parse_tables(tables, s, name, err)))
    return rc;
  return 0;
}

int lfh_deploy_state_parse(const char *json, size_t len, const char *name,
                           lfh_deploy_state **out, lf_error *err) {
  json_error_t je;
  lfh_deploy_state *s = NULL;
  int rc;
  *out = NULL;
  json_t *root = json_loadb(json, len, 0, &je);
  if (!root)
    return lf_error_set(err, LF_ERR_DATA, "%s:%d:%d: %s", name, je.line, je.column, je.text);
  if (!(s = lfh_deploy_state_new())) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if ((rc = parse_root(root, s, name, err)) != 0) goto fail;
  json_decref(root);
  *out = s;
  return 0;
fail:
  lfh_deploy_state_free(s);
  json_decref(root);
  return rc;
}

/* ------------------------------------------------------------ store */

int lfh_deploy_state_load(const char *root_path, lfh_deploy_state **out, lf_error *err) {
  lfh_buf buf = {0};
  char *name = NULL;
  int rc;
  *out = NULL;
  lfh_store *st = lfh_store_open(root_path, err);
  if (!st) return err ? err->code : LF_ERR_IO;
  if ((rc = lfh_store_get(st, LFH_DEPLOY_STATE_KEY, &buf, err)) != 0) goto done;
  name = lfh_store_uri(st, LFH_DEPLOY_STATE_KEY);
  rc = lfh_deploy_state_parse((const char *)buf.data, buf.len,
                              name ? name : LFH_DEPLOY_STATE_KEY, out, err);
done:
  free(name);
  lfh_buf_free(&buf);
  lfh_store_close(st);
  return rc;
}

int lfh_deploy_state_save(const char *root_path, const lfh_deploy_state *s, lf_error *err) {
  char *text = lfh_deploy_state_to_json(s);
  int rc;
  if (!text) return lf_error_set(err, LF_ERR_NOMEM, "out of memory writing the deployment state");
  lfh_store *st = lfh_store_open(root_path, err);
  if (!st) {
    free(text);
    return err ? err->code : LF_ERR_IO;
  }
  rc = lfh_store_put(st, LFH_DEPLOY_STATE_KEY, text, strlen(text), err);
  free(text);
  lfh_store_close(st);
  return rc;
}

int lfh_deploy_state_delete(const char *root_path, lf_error *err) {
  lfh_store *st = lfh_store_open(root_path, err);
  if (!st) return err ? err->code : LF_ERR_IO;
  int rc = lfh_store_delete(st, LFH_DEPLOY_STATE_KEY, err);
  lfh_store_close(st);
  return rc;
}

/* ------------------------------------------------------------ ids and time */


void lfh_deploy_now_rfc3339(char out[32]) { lfh_format_utc_us(lfh_wall_us(), 3, out, 32); }
