/*
 * lfb_autoloader — the `autoloader` stage instance: options, the data schema (declared
 * DDL, then schema_hints, then columns added by add_new_columns), negotiate, and the
 * SOURCE callbacks that lfb_plugin.c puts in the vtable.
 *
 * The schema is assembled from DDL through the host's parser (lf_expr_api.parse_ddl, ABI
 * 1.2), so a bundle's `schema` reads exactly as `lfhost validate` checked it.
 */
#define _GNU_SOURCE
#include "lfb_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lfb_autoloader.h"

/* ---------------------------------------------------------------- struct schemas */

static void struct_release(struct ArrowSchema *s) {
  for (int64_t i = 0; i < s->n_children; i++) {
    lf_schema_release(s->children[i]);
    free(s->children[i]);
  }
  free(s->children);
  s->release = NULL;
}

/* *out = a "+s" schema holding deep copies of `kids` (borrowed), in order. */
static int struct_of(struct ArrowSchema *out, const struct ArrowSchema *const *kids, size_t n,
                     lf_error *err) {
  memset(out, 0, sizeof *out);
  out->format = "+s";
  out->name = "";
  out->release = struct_release;
  if (!(out->children = calloc(n ? n : 1, sizeof *out->children))) goto nomem;
  for (size_t i = 0; i < n; i++) {
    struct ArrowSchema *c = calloc(1, sizeof *c);
    if (!c) goto nomem;
    out->children[out->n_children++] = c;
    int rc = lf_schema_copy(c, kids[i], err);
    if (rc != LF_OK) {
      struct_release(out);
      return rc;
    }
  }
  return LF_OK;
nomem:
  struct_release(out);
  return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
}

static int parse(const lfb_source *s, const char *what, const char *ddl, struct ArrowSchema *out,
                 lf_error *err) {
  char msg[512];
  lf_error e;
  lf_error_init(&e, msg, sizeof msg);
  int rc = s->host->expr->parse_ddl(ddl, strlen(ddl), out, &e);
  if (rc != LF_OK) return lf_error_set(err, rc, "autoloader: %s: %s", what, msg);
  return LF_OK;
}

static int find_col(const struct ArrowSchema *const *v, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(v[i]->name ? v[i]->name : "", name) == 0) return (int)i;
  return -1;
}

/* data schema = base, each hint replacing the same-named column (or appended), then the
 * evolved columns not already there. */
static int assemble(lfb_source *s, const char *base, const char *hints, const char *evolved,
                    lf_error *err) {
  struct ArrowSchema b = {0}, h = {0}, e = {0};
  const struct ArrowSchema **v = NULL;
  int rc = parse(s, "schema", base, &b, err);
  if (rc == LF_OK && hints && *hints) rc = parse(s, "schema_hints", hints, &h, err);
  if (rc == LF_OK && evolved && *evolved) rc = parse(s, "evolved columns", evolved, &e, err);
  if (rc != LF_OK) goto done;
  size_t n = 0, cap = (size_t)(b.n_children + h.n_children + e.n_children) + 1;
  if (!(v = calloc(cap, sizeof *v))) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
    goto done;
  }
  for (int64_t i = 0; i < b.n_children; i++) v[n++] = b.children[i];
  for (int64_t i = 0; i < h.n_children; i++) {
    int at = find_col(v, n, h.children[i]->name);
    if (at >= 0) v[at] = h.children[i];
    else v[n++] = h.children[i];
  }
  for (int64_t i = 0; i < e.n_children; i++)
    if (find_col(v, n, e.children[i]->name) < 0) v[n++] = e.children[i];
  lf_schema_release(&s->data_schema);
  rc = struct_of(&s->data_schema, v, n, err);
done:
  free(v);
  lf_schema_release(&b);
  lf_schema_release(&h);
  lf_schema_release(&e);
  return rc;
}

/* The answer of negotiate: the decoder's columns (data, rescued, _metadata) and the
 * ingestion time. Also checks that the decoder takes every declared type. */
static int build_output(lfb_source *s, lf_error *err) {
  lfb_json_opts o = {.schema = &s->data_schema, .rescued_column = s->opt.rescued,
                     .evolution = s->opt.evolution, .metadata_column = LFB_METADATA_COLUMN,
                     .max_line_bytes = (size_t)s->opt.max_line_bytes};
  lfb_json_decoder *d = NULL;
  struct ArrowSchema dec = {0}, ing = {0};
  const struct ArrowSchema **v = NULL;
  int rc = lfb_json_decoder_new(&o, &d, err);
  if (rc == LF_OK) rc = lfb_json_output_schema(d, &dec, err);
  if (rc == LF_OK)
    rc = lf_schema_init(&ing, LF_FORMAT_TIMESTAMP, LFB_INGESTED_COLUMN, ARROW_FLAG_NULLABLE, err);
  if (rc != LF_OK) goto done;
  if (!(v = calloc((size_t)dec.n_children + 1, sizeof *v))) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
    goto done;
  }
  for (int64_t i = 0; i < dec.n_children; i++) v[i] = dec.children[i];
  v[dec.n_children] = &ing;
  lf_schema_release(&s->out_schema);
  rc = struct_of(&s->out_schema, v, (size_t)dec.n_children + 1, err);
done:
  free(v);
  lf_schema_release(&dec);
  lf_schema_release(&ing);
  lfb_json_decoder_free(d);
  return rc;
}

static int check_names(const lfb_source *s, lf_error *err) {
  const struct ArrowSchema *const *v = (const struct ArrowSchema *const *)s->data_schema.children;
  size_t n = (size_t)s->data_schema.n_children;
  const char *reserved[] = {s->opt.rescued, LFB_METADATA_COLUMN, LFB_INGESTED_COLUMN};
  for (size_t i = 0; i < 3; i++)
    if (reserved[i][0] && find_col(v, n, reserved[i]) >= 0)
      return lf_error_set(err, LF_ERR_INVALID,
                          "autoloader: the schema has a column '%s', which the source adds "
                          "itself; rename it%s", reserved[i],
                          i == 0 ? " or set rescued_data_column" : "");
  return LF_OK;
}

/* ---------------------------------------------------------------- schema files */

/* The text of a file named by a path or URI (a schema_file), via the object store. */
static int read_uri(lfb_source *s, const char *uri, char **out, lf_error *err) {
  const lf_objstore_api *os = s->host->objstore;
  const char *slash = strrchr(uri, '/');
  char *dir = slash ? strndup(uri, (size_t)(slash - uri)) : strdup(".");
  lf_objstore *h = NULL;
  lf_blob b = {0};
  int rc = dir ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  if (rc == LF_OK) rc = os->open(s->ctx, dir[0] ? dir : "/", &h, err);
  if (rc == LF_OK) rc = os->read(h, slash ? slash + 1 : uri, 0, LF_OBJSTORE_TO_END, &b, err);
  if (rc == LF_OK && !(*out = lfb_memdup_str(b.data, b.size)))
    rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  if (b.release) b.release(&b);
  if (h) os->close(h);
  free(dir);
  return rc;
}

typedef struct versions {
  long latest;
} versions;

static int version_of(void *ctx, const lf_object_info *info) {
  versions *v = ctx;
  const char *name = info->key + strlen("_schemas/");
  char *end = NULL;
  long n = strtol(name, &end, 10);
  if (end != name && *end == '\0' && n > v->latest) v->latest = n;
  return 0;
}

/* The newest `_schemas/<n>` under schema_location: the evolved columns so far. */
static int load_evolution(lfb_source *s, long *version, lf_error *err) {
  const lf_objstore_api *os = s->host->objstore;
  versions v = {-1};
  *version = -1;
  int rc = os->list(s->schema_store, "_schemas/", version_of, &v, err);
  if (rc != LF_OK || v.latest < 0) return rc;
  char key[64];
  lf_blob b = {0};
  snprintf(key, sizeof key, "_schemas/%ld", v.latest);
  if ((rc = os->read(s->schema_store, key, 0, LF_OBJSTORE_TO_END, &b, err)) != LF_OK) return rc;
  free(s->prog.evolved);
  s->prog.evolved = lfb_memdup_str(b.data, b.size);
  b.release(&b);
  if (!s->prog.evolved) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  *version = v.latest;
  return LF_OK;
}

int lfb_record_evolution(lfb_source *s, const char *ddl, lf_error *err) {
  const char *old = s->prog.evolved ? s->prog.evolved : "";
  char *all = NULL;
  if (asprintf(&all, "%s%s%s", old, old[0] ? ", " : "", ddl) < 0)
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  free(s->prog.evolved);
  s->prog.evolved = all;
  if (!s->schema_store) return LF_OK;
  const lf_objstore_api *os = s->host->objstore;
  long version = -1;
  versions v = {-1};
  int rc = os->list(s->schema_store, "_schemas/", version_of, &v, err);
  version = v.latest + 1;
  char key[64];
  snprintf(key, sizeof key, "_schemas/%ld", version);
  if (rc == LF_OK) rc = os->write(s->schema_store, key, all, strlen(all), 1, err);
  return rc;
}

/* ---------------------------------------------------------------- options */

static uint32_t mode_of(const char *m) {
  if (!strcmp(m, "add_new_columns") || !strcmp(m, "addNewColumns")) return LFB_EVOLVE_ADD;
  if (!strcmp(m, "fail_on_new_columns") || !strcmp(m, "failOnNewColumns")) return LFB_EVOLVE_FAIL;
  if (!strcmp(m, "none")) return LFB_EVOLVE_NONE;
  return LFB_EVOLVE_RESCUE;
}

static char *opt_str(const lfb_source *s, const lf_config *c, const char *name) {
  const char *v = NULL;
  if (s->host->config_string(c, name, &v) != LF_OK || !v) return NULL;
  return strdup(v);
}

static int64_t opt_i64(int (*get)(const lf_config *, const char *, int64_t *), const lf_config *c,
                       const char *name, int64_t dflt) {
  int64_t v;
  return get(c, name, &v) == LF_OK ? v : dflt;
}

static int opt_bool(const lfb_source *s, const lf_config *c, const char *name, int dflt) {
  int v;
  return s->host->config_bool(c, name, &v) == LF_OK ? v : dflt;
}

static int read_options(lfb_source *s, const lf_config *c, lf_error *err) {
  const lf_host *h = s->host;
  lfb_options *o = &s->opt;
  const char *mode = NULL;
  o->path = opt_str(s, c, "path");
  o->rescued = opt_str(s, c, "rescued_data_column");
  if (!o->rescued) o->rescued = strdup("");
  o->glob = opt_str(s, c, "path_glob_filter");
  o->schema_location = opt_str(s, c, "schema_location");
  if (h->config_string(c, "schema_evolution_mode", &mode) != LF_OK) mode = "rescue";
  o->evolution = mode_of(mode);
  o->multi_line = opt_bool(s, c, "multi_line", 0);
  o->include_existing = opt_bool(s, c, "include_existing_files", 1);
  o->allow_overwrites = opt_bool(s, c, "allow_overwrites", 0);
  o->max_files = opt_i64(h->config_int, c, "max_files_per_trigger", 1000);
  o->max_bytes = opt_i64(h->config_size_bytes, c, "max_bytes_per_trigger", 0);
  o->min_age_us = opt_i64(h->config_duration_us, c, "min_file_age", 0);
  o->max_line_bytes = opt_i64(h->config_size_bytes, c, "max_line_size", 64 << 20);
  if (!o->path || !o->rescued)
    return lf_error_set(err, o->path ? LF_ERR_NOMEM : LF_ERR_INVALID,
                        "autoloader: %s", o->path ? "out of memory" : "`path` is required");
  if (o->evolution == LFB_EVOLVE_ADD && !o->schema_location)
    return lf_error_set(err, LF_ERR_INVALID,
                        "autoloader: schema_evolution_mode add_new_columns needs "
                        "schema_location (where the evolved schema is kept between runs)");
  return LF_OK;
}

/* The declared schema text: `schema`, or the contents of `schema_file` (not both). */
static int base_ddl(lfb_source *s, const lf_config *c, char **out, lf_error *err) {
  char *inline_ddl = opt_str(s, c, "schema"), *file = opt_str(s, c, "schema_file");
  int rc = LF_OK;
  if ((inline_ddl && *inline_ddl) == (file && *file))
    rc = lf_error_set(err, LF_ERR_INVALID, "autoloader: set exactly one of `schema` (Spark DDL) "
                      "and `schema_file` (a file holding it)");
  else if (file && *file)
    rc = read_uri(s, file, out, err);
  else
    *out = inline_ddl, inline_ddl = NULL;
  free(inline_ddl);
  free(file);
  return rc;
}

/* ---------------------------------------------------------------- callbacks */

static void source_free(lfb_source *s) {
  if (!s) return;
  const lf_objstore_api *os = s->host->objstore;
  if (os && s->store) os->close(s->store);
  if (os && s->schema_store) os->close(s->schema_store);
  lf_schema_release(&s->data_schema);
  lf_schema_release(&s->out_schema);
  lfb_progress_free(&s->prog);
  free(s->opt.path);
  free(s->opt.rescued);
  free(s->opt.glob);
  free(s->opt.schema_location);
  free(s);
}

static int host_ok(const lf_host *h, lf_error *err) {
  int ok = LF_HAS_FIELD(h, lf_host, objstore) && h->objstore && h->expr &&
           LF_HAS_FIELD(h->expr, struct lf_expr_api, parse_ddl) && h->expr->parse_ddl;
  if (ok) return LF_OK;
  return lf_error_set(err, LF_ERR_UNSUPPORTED,
                      "autoloader needs a host with ABI 1.2 (object store, DDL parser); this "
                      "host speaks %u.%u", (unsigned)h->abi_major, (unsigned)h->abi_minor);
}

int lfb_al_create(const lf_host *host, lf_stage_ctx *ctx, const lf_config *config, void **state,
                  lf_error *err) {
  char *ddl = NULL, *hints = NULL;
  long version = -1;
  int rc = host_ok(host, err);
  if (rc != LF_OK) return rc;
  lfb_source *s = calloc(1, sizeof *s);
  if (!s) return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
  s->host = host;
  s->ctx = ctx;
  if ((rc = read_options(s, config, err)) != LF_OK) goto fail;
  if ((rc = base_ddl(s, config, &ddl, err)) != LF_OK) goto fail;
  hints = opt_str(s, config, "schema_hints");
  if ((rc = host->objstore->open(ctx, s->opt.path, &s->store, err)) != LF_OK) goto fail;
  if (s->opt.schema_location &&
      ((rc = host->objstore->open(ctx, s->opt.schema_location, &s->schema_store, err)) != LF_OK ||
       (rc = load_evolution(s, &version, err)) != LF_OK))
    goto fail;
  if ((rc = assemble(s, ddl, hints, s->prog.evolved, err)) != LF_OK) goto fail;
  if ((rc = check_names(s, err)) != LF_OK || (rc = build_output(s, err)) != LF_OK) goto fail;
  if (version >= 0 && host->log)
    host->log(ctx, LF_LOG_INFO, "schema version %ld from schema_location adds: %s", version,
              s->prog.evolved);
  free(ddl);
  free(hints);
  *state = s;
  return LF_OK;
fail:
  free(ddl);
  free(hints);
  source_free(s);
  return rc;
}

int lfb_al_negotiate(void *state, const struct ArrowSchema *input, struct ArrowSchema *output,
                     lf_error *err) {
  lfb_source *s = state;
  if (input) return lf_error_set(err, LF_ERR_SCHEMA, "autoloader is a source: no input");
  return lf_schema_copy(output, &s->out_schema, err);
}

void lfb_al_destroy(void *state) { source_free(state); }

int lfb_al_plan(void *state, const lf_epoch *epoch, lf_blob *plan_out, lf_error *err) {
  return lfb_plan(state, epoch, plan_out, err);
}

int lfb_al_read(void *state, const lf_epoch *epoch, const void *plan, size_t plan_size,
                struct ArrowArrayStream *out, lf_error *err) {
  (void)epoch; /* the plan carries the trigger time: a replay stamps the same rows */
  return lfb_read(state, plan, plan_size, out, err);
}

/* The epoch's files become ingested; what is saved is all of them. */
int lfb_al_save_state(void *state, const lf_epoch *epoch, lf_blob *state_out, lf_error *err) {
  lfb_source *s = state;
  (void)epoch;
  for (size_t i = 0; i < s->prog.pending.n; i++)
    if (lfb_fileset_add(&s->prog.seen, &s->prog.pending.v[i]) != LF_OK)
      return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
  lfb_fileset_free(&s->prog.pending);
  return lfb_state_save(&s->prog, state_out, err);
}

int lfb_al_load_state(void *state, const void *data, size_t size, lf_error *err) {
  lfb_source *s = state;
  char *evolved = s->prog.evolved;
  s->prog.evolved = NULL;
  int rc = lfb_state_load(&s->prog, data, size, err);
  /* The columns negotiated at create (from schema_location) stay what this run writes;
   * the checkpoint's copy may be older when the run that evolved them failed. */
  free(s->prog.evolved);
  s->prog.evolved = evolved;
  return rc;
}
