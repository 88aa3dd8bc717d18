/* lfh_pipeline_wire — stage instances and schema negotiation along each flow, in
 * dependency order: source (or the upstream dataset) -> transforms -> hashers -> sink;
 * the flow's output is its dataset's schema. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lfh_hasher.h"
#include "engine/lfh_pipeline.h"
#include "lf/lf_array.h"
#include "loader/lfh_config.h"
#include "loader/lfh_hostapi.h"

typedef struct wire {
  lfh_pipeline *p;
  lfh_registry *reg;
  lfh_diags *d;
  const lfh_flow *f;
  char path[512]; /* YAML path of the stage being wired */
} wire;

#include <stdarg.h>

static void fail(wire *w, const lfh_stage_use *u, const char *hint, const char *fmt, ...)
    LFH_PRINTF(4, 5);
static void fail(wire *w, const lfh_stage_use *u, const char *hint, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lfh_diag_add(w->d, LFH_SEV_ERROR, u ? &u->mark : &w->f->mark, w->path, hint,
               "flow '%s'%s%s%s: %s", w->f->name, u && u->stage ? ", stage '" : "",
               u && u->stage ? u->stage : "", u && u->stage ? "'" : "", msg);
}

static int want_kind(wire *w, lfh_stage_use *u, lf_stage_kind kind) {
  u->info = u->stage ? lfh_registry_find_stage(w->reg, u->stage) : NULL;
  if (!u->stage) return fail(w, u, NULL, "%s", "no stage named"), -1;
  if (!u->info) {
    fail(w, u, "list the plugin that provides it under `libraries`, and check the plugin "
               "search path (--plugin-path, LFHOST_PLUGIN_PATH)",
         "%s", "stage not found: no loaded plugin provides it");
    return -1;
  }
  if ((lf_stage_kind)u->info->kind != kind) {
    char why[128];
    snprintf(why, sizeof why, "is a %s stage, a %s is needed here",
             lfh_stage_kind_name(u->info->kind), lfh_stage_kind_name(kind));
    u->info = NULL;
    return fail(w, u, NULL, "%s", why), -1;
  }
  return 0;
}

/* create, then negotiate against `input` (NULL for a source) into u->output. */
static int create(wire *w, lfh_stage_use *u, lf_stage_kind kind) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  if (want_kind(w, u, kind) != 0) return -1;
  u->config = lfh_config_new(u->info, u->options);
  u->ctx = lfh_stage_ctx_new(w->p->key, w->f->name, u->stage);
  if (!u->config || !u->ctx) return fail(w, u, NULL, "%s", "out of memory or a bad option value"), -1;
  int rc = u->info->raw->create(lfh_host_table(), u->ctx, u->config, &u->state, &err);
  if (rc != LF_OK) {
    u->state = NULL; /* never destroy state of a failed create */
    return fail(w, u, NULL, "create failed: %s", msg), -1;
  }
  return 0;
}

static int negotiate(wire *w, lfh_stage_use *u, const struct ArrowSchema *in,
                     struct ArrowSchema *out) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  memset(out, 0, sizeof *out);
  int rc = u->info->raw->negotiate(u->state, in, out, &err);
  if (rc == LF_OK && (!out->release || strcmp(out->format, "+s") != 0 || out->n_children < 1) &&
      !(in && u->info->kind == LF_STAGE_HASHER && out->release))
    rc = lf_error_set(&err, LF_ERR_SCHEMA, "the stage answered no struct schema");
  if (rc != LF_OK) {
    lf_schema_release(out);
    return fail(w, u, NULL, "negotiation failed: %s", msg), -1;
  }
  return 0;
}

/* Where the hashed column goes, from the stage's own options when it has them. */
static void place_of(const lfh_stage_use *u, lfh_hash_place *pl) {
  pl->suffix = "";
  pl->keep_original = 0;
  if (lfh_stage_find_option(u->info, "output_suffix"))
    lfh_config_get_string(u->config, "output_suffix", &pl->suffix);
  if (lfh_stage_find_option(u->info, "keep_original"))
    lfh_config_get_bool(u->config, "keep_original", &pl->keep_original);
}

void lfh_pipeline_hash_place(const lfh_stage_use *u, lfh_hash_place *pl) { place_of(u, pl); }

/* A hasher: negotiated per listed column; u->output is the whole batch schema after it. */
static int wire_hasher(wire *w, lfh_stage_use *u, const struct ArrowSchema *in) {
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  if (create(w, u, LF_STAGE_HASHER) != 0) return -1;
  lfh_hash_place pl;
  place_of(u, &pl);
  struct ArrowSchema cur;
  if (lf_schema_copy(&cur, in, &err) != LF_OK) return fail(w, u, NULL, "%s", msg), -1;
  if (u->n_columns == 0) return lf_schema_release(&cur), fail(w, u, NULL, "%s", "no columns"), -1;
  for (size_t i = 0; i < u->n_columns; i++) {
    const struct ArrowSchema *col = lfh_hasher_column(&cur, u->columns[i], &err);
    struct ArrowSchema hashed, next;
    if (!col) return lf_schema_release(&cur), fail(w, u, NULL, "%s", msg), -1;
    if (negotiate(w, u, col, &hashed) != 0) return lf_schema_release(&cur), -1;
    int rc = lfh_hasher_schema(&cur, u->columns[i], &hashed, &pl, &next, &err);
    lf_schema_release(&hashed);
    lf_schema_release(&cur);
    if (rc != LF_OK) return fail(w, u, NULL, "%s", msg), -1;
    lf_schema_move(&next, &cur);
  }
  lf_schema_move(&cur, &u->output);
  return 0;
}

static void set_path(wire *w, const char *part, size_t i) {
  int n = snprintf(w->path, sizeof w->path, "resources.pipelines.%s.flows.%s.%s", w->p->key,
                   w->f->name, part);
  if (i != (size_t)-1 && n > 0 && (size_t)n < sizeof w->path)
    snprintf(w->path + n, sizeof w->path - (size_t)n, "[%zu]", i);
}

/* The schema rows enter the flow with (borrowed; NULL after an error). */
static const struct ArrowSchema *flow_input(wire *w, lfh_flow *f) {
  if (f->from == LFH_FLOW_FROM_STAGE) {
    set_path(w, "source", (size_t)-1);
    if (create(w, &f->source, LF_STAGE_SOURCE) != 0 ||
        negotiate(w, &f->source, NULL, &f->source.output) != 0)
      return NULL;
    return &f->source.output;
  }
  set_path(w, "source.table", (size_t)-1);
  lfh_dataset *up = lfh_pipeline_dataset(w->p, f->source_table);
  if (!up || !up->schema.release) {
    fail(w, NULL, NULL, "reads '%s', which no flow of this pipeline feeds",
         f->source_table ? f->source_table : "?");
    return NULL;
  }
  return &up->schema;
}

static int wire_flow(wire *w, lfh_flow *f) {
  w->f = f;
  const struct ArrowSchema *cur = flow_input(w, f);
  if (!cur) return -1;
  for (size_t i = 0; i < f->n_transforms; i++) {
    set_path(w, "transforms", i);
    lfh_stage_use *u = &f->transforms[i];
    if (create(w, u, LF_STAGE_TRANSFORM) != 0 || negotiate(w, u, cur, &u->output) != 0) return -1;
    cur = &u->output;
  }
  for (size_t i = 0; i < f->n_hashers; i++) {
    set_path(w, "hashers", i);
    if (wire_hasher(w, &f->hashers[i], cur) != 0) return -1;
    cur = &f->hashers[i].output;
  }
  if (f->sink.stage) {
    set_path(w, "sink", (size_t)-1);
    if (create(w, &f->sink, LF_STAGE_SINK) != 0) return -1;
    if (negotiate(w, &f->sink, cur, &f->sink.output) != 0) return -1;
  }
  lfh_dataset *ds = lfh_pipeline_dataset(w->p, f->target);
  set_path(w, "target", (size_t)-1);
  if (!ds) return fail(w, NULL, NULL, "unknown target dataset '%s'", f->target), -1;
  if (ds->schema.release) {
    /* A second flow into the same table must deliver the same columns. */
    if (!lf_schema_equal(&ds->schema, cur, LF_SCHEMA_EQ_IGNORE_METADATA))
      return fail(w, NULL, NULL, "its rows do not match the schema another flow gives '%s'",
                  f->target), -1;
    return 0;
  }
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  if (lf_schema_copy(&ds->schema, cur, &err) != LF_OK) return fail(w, NULL, NULL, "%s", msg), -1;
  return 0;
}

int lfh_pipeline_wire_flows(lfh_pipeline *p, lfh_registry *reg, const uint8_t *want,
                            lfh_diags *d) {
  wire w = {.p = p, .reg = reg, .d = d};
  if (p->wired) return 0;
  for (size_t k = 0; k < p->n_flows; k++) {
    lfh_flow *f = &p->flows[p->flow_order[k]];
    if ((want && !want[p->flow_order[k]]) || f->wired) continue;
    if (wire_flow(&w, f) != 0) return -1;
    f->wired = 1;
  }
  if (!want) p->wired = 1;
  return 0;
}

int lfh_pipeline_wire(lfh_pipeline *p, lfh_registry *reg, lfh_diags *d) {
  return lfh_pipeline_wire_flows(p, reg, NULL, d);
}

static int in_list(const char *const *v, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0) return 1;
  return 0;
}

/* Marks the writers of `ds` and, recursively, of what they read. Bounded by n_flows
 * rounds: a flow is marked once. */
static void mark_writers(const lfh_pipeline *p, const char *ds, uint8_t *want) {
  for (size_t i = 0; i < p->n_flows; i++) {
    const lfh_flow *f = &p->flows[i];
    if (want[i] || strcmp(f->target, ds) != 0) continue;
    want[i] = 1;
    if (f->from == LFH_FLOW_FROM_TABLE && f->source_table) mark_writers(p, f->source_table, want);
  }
}

void lfh_pipeline_flows_for(const lfh_pipeline *p, const char *const *datasets, size_t n,
                            uint8_t *want) {
  memset(want, 0, p->n_flows);
  for (size_t i = 0; i < p->n_flows; i++)
    if (in_list(datasets, n, p->flows[i].target)) mark_writers(p, p->flows[i].target, want);
}
