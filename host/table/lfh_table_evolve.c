/* lfh_table_evolve.c — schema evolution of an existing table: comparing a wanted schema
 * with the current one (same / additive / breaking) and committing the additive part as
 * a new schema (Iceberg spec "Schema Evolution": ids are never reused, added fields are
 * optional, int->long, float->double and decimal precision widening are allowed). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "table/lfh_table_internal.h"

/* ------------------------------------------------------------ compare */

typedef struct diff {
  int level;       /* LFH_SCHEMA_* so far */
  char *why;       /* first change of the highest level seen */
  size_t cap;
  int widen;       /* 1: patch widenings into `cur` while walking */
  int widened;     /* a widening was patched */
} diff;

static void note(diff *d, int level, const char *path, const char *what) {
  if (level <= d->level) return;
  d->level = level;
  if (d->why && d->cap) snprintf(d->why, d->cap, "%s %s", what, path);
}

/* 1 when Iceberg allows promoting `from` to `to` (a widening). */
static int widens(const lfh_ice_type *from, const lfh_ice_type *to) {
  if (from->kind == LFH_ICE_INT && to->kind == LFH_ICE_LONG) return 1;
  if (from->kind == LFH_ICE_FLOAT && to->kind == LFH_ICE_DOUBLE) return 1;
  return from->kind == LFH_ICE_DECIMAL && to->kind == LFH_ICE_DECIMAL &&
         from->scale == to->scale && to->precision > from->precision;
}

static int same_primitive(const lfh_ice_type *a, const lfh_ice_type *b) {
  return a->kind == b->kind && a->length == b->length && a->precision == b->precision &&
         a->scale == b->scale;
}

static void walk(lfh_ice_type *cur, const lfh_ice_type *want, const char *path, diff *d);

static void join(char *buf, size_t cap, const char *path, const char *name) {
  snprintf(buf, cap, "%s%s%s", path, *path ? "." : "", name);
}

static void walk_struct(lfh_ice_type *cur, const lfh_ice_type *want, const char *path,
                        diff *d) {
  char sub[512];
  for (size_t i = 0; i < cur->n_fields; i++) {
    lfh_ice_field *have = &cur->fields[i];
    const lfh_ice_field *w = NULL;
    for (size_t k = 0; k < want->n_fields && !w; k++)
      if (strcmp(want->fields[k].name, have->name) == 0) w = &want->fields[k];
    join(sub, sizeof(sub), path, have->name);
    if (!w) {
      note(d, LFH_SCHEMA_BREAKING, sub, "drops column");
      continue;
    }
    walk(have->type, w->type, sub, d);
  }
  for (size_t k = 0; k < want->n_fields; k++) {
    int found = 0;
    for (size_t i = 0; i < cur->n_fields && !found; i++)
      found = strcmp(want->fields[k].name, cur->fields[i].name) == 0;
    join(sub, sizeof(sub), path, want->fields[k].name);
    if (!found) note(d, LFH_SCHEMA_ADDITIVE, sub, "adds column");
  }
}

static void walk(lfh_ice_type *cur, const lfh_ice_type *want, const char *path, diff *d) {
  char sub[512];
  if (cur->kind == LFH_ICE_STRUCT && want->kind == LFH_ICE_STRUCT) {
    walk_struct(cur, want, path, d);
  } else if (cur->kind == LFH_ICE_LIST && want->kind == LFH_ICE_LIST) {
    /* New fields inside list elements and map values are not evolved (the table layer
     * merges plain structs only): they count as breaking, never as silently ignored. */
    diff inner = {LFH_SCHEMA_SAME, NULL, 0, 0, 0};
    snprintf(sub, sizeof(sub), "%s.element", path);
    walk(cur->element, want->element, sub, &inner);
    if (inner.level != LFH_SCHEMA_SAME) note(d, LFH_SCHEMA_BREAKING, sub, "changes the element of");
  } else if (cur->kind == LFH_ICE_MAP && want->kind == LFH_ICE_MAP) {
    diff inner = {LFH_SCHEMA_SAME, NULL, 0, 0, 0};
    walk(cur->key, want->key, path, &inner);
    walk(cur->value, want->value, path, &inner);
    if (inner.level != LFH_SCHEMA_SAME) note(d, LFH_SCHEMA_BREAKING, path, "changes the map");
  } else if (cur->kind >= LFH_ICE_STRUCT || want->kind >= LFH_ICE_STRUCT) {
    note(d, LFH_SCHEMA_BREAKING, path, "changes the type of");
  } else if (!same_primitive(cur, want)) {
    if (!widens(cur, want)) {
      note(d, LFH_SCHEMA_BREAKING, path, "changes the type (not a widening) of");
      return;
    }
    note(d, LFH_SCHEMA_ADDITIVE, path, "widens");
    if (d->widen) {
      d->widened = 1;
      cur->kind = want->kind;
      cur->precision = want->precision;
    }
  }
}

/* Compares (and with d->widen patches) `cur` — a copy the caller owns — with `want`. */
static int compare(lfh_ice_schema *cur, const struct ArrowSchema *want, diff *d, lf_error *err) {
  lfh_ice_schema *w = NULL;
  int32_t scratch = 0;
  int rc = lfh_ice_schema_from_arrow(want, 0, &scratch, &w, err);
  if (rc != LF_OK) return rc;
  walk(cur->root, w->root, "", d);
  lfh_ice_schema_free(w);
  return LF_OK;
}

int lfh_table_schema_compare(const lfh_ice_schema *cur, const struct ArrowSchema *want,
                             char *why, size_t why_cap, lf_error *err) {
  diff d = {LFH_SCHEMA_SAME, why, why_cap, 0, 0};
  if (why && why_cap) why[0] = '\0';
  lfh_ice_schema *copy = lfh_ice_schema_copy(cur);
  if (!copy) return lf_error_set(err, LF_ERR_NOMEM, "out of memory comparing schemas");
  int rc = compare(copy, want, &d, err);
  lfh_ice_schema_free(copy);
  return rc != LF_OK ? rc : d.level;
}

/* ------------------------------------------------------------ commit */

typedef struct evolve_ctx {
  lfh_table *t;
  const struct ArrowSchema *want;
  int changed;
  int only_additive; /* refuse (LF_ERR_SCHEMA) when `want` is not additive */
} evolve_ctx;

static int32_t max_schema_id(const lfh_table_meta *m) {
  int32_t max = 0;
  for (size_t i = 0; i < m->n_schemas; i++)
    if (m->schemas[i]->schema_id > max) max = m->schemas[i]->schema_id;
  return max;
}

/* The evolved schema of the table's current version, or *out NULL when nothing changes. */
static int next_schema(evolve_ctx *c, int32_t *last_id, lfh_ice_schema **out, lf_error *err) {
  const lfh_table_meta *m = c->t->meta;
  char why[600];
  diff d = {LFH_SCHEMA_SAME, why, sizeof(why), 1, 0};
  int changed = 0, rc;
  *out = NULL;
  lfh_ice_schema *patched = lfh_ice_schema_copy(lfh_table_meta_current_schema(m));
  if (!patched) return lfh_table_oom(err, c->t->prefix);
  if ((rc = compare(patched, c->want, &d, err)) != LF_OK) goto done;
  if (d.level == LFH_SCHEMA_BREAKING && c->only_additive) {
    rc = lf_error_set(err, LF_ERR_SCHEMA, "%s: the new schema %s", c->t->prefix, why);
    goto done;
  }
  if (d.level == LFH_SCHEMA_SAME) goto done;
  /* Dropped columns stay (a schema never loses a column here); new ones are appended. */
  *last_id = m->last_column_id;
  if ((rc = lfh_ice_schema_add_columns(patched, c->want, last_id, out, &changed, err)) != LF_OK)
    goto done;
  if (!changed && !d.widened) { /* only drops, which are never applied here */
    lfh_ice_schema_free(*out);
    *out = NULL;
    goto done;
  }
  (*out)->schema_id = max_schema_id(m) + 1;
done:
  lfh_ice_schema_free(patched);
  return rc;
}

static int push_metadata_log(lfh_table_meta *m, const lfh_table_meta *base, const char *file) {
  lfh_metadata_log_entry *ml = realloc(m->metadata_log, (m->n_metadata_log + 1) * sizeof(*ml));
  if (!ml) return LF_ERR_NOMEM;
  m->metadata_log = ml;
  ml[m->n_metadata_log].timestamp_ms = base->last_updated_ms;
  if (!(ml[m->n_metadata_log].metadata_file = strdup(file))) return LF_ERR_NOMEM;
  m->n_metadata_log++;
  const char *max_text = lfh_kvs_get(&m->properties, "write.metadata.previous-versions-max");
  long long max = max_text ? strtoll(max_text, NULL, 10) : 100;
  if (max < 1) max = 100;
  while (m->n_metadata_log > (size_t)max) { /* drop the oldest, as Java does */
    free(m->metadata_log[0].metadata_file);
    memmove(&m->metadata_log[0], &m->metadata_log[1], --m->n_metadata_log * sizeof(*ml));
  }
  return LF_OK;
}

/* `m` (a copy of the base) with schema `s` (moved) added and made current. */
static int install_schema(lfh_table_meta *m, const lfh_table_meta *base, const char *base_file,
                          lfh_ice_schema *s, int32_t last_id) {
  lfh_ice_schema **grown = realloc(m->schemas, (m->n_schemas + 1) * sizeof(*grown));
  if (!grown) {
    lfh_ice_schema_free(s);
    return LF_ERR_NOMEM;
  }
  m->schemas = grown;
  m->schemas[m->n_schemas++] = s;
  m->current_schema_id = s->schema_id;
  m->last_column_id = last_id;
  int64_t now = lfh_now_ms();
  m->last_updated_ms = now > base->last_updated_ms ? now : base->last_updated_ms;
  return push_metadata_log(m, base, base_file);
}

static int evolve_attempt(void *ctx, int n, int *raced, lf_error *err) {
  evolve_ctx *c = ctx;
  lfh_table *t = c->t;
  lfh_ice_schema *s = NULL;
  lfh_table_meta *next = NULL;
  char key[1024], *base_uri = NULL;
  int32_t last_id = 0;
  (void)n;
  int rc = next_schema(c, &last_id, &s, err);
  if (rc != LF_OK || !s) return rc; /* nothing to add (maybe another writer did) */
  rc = LF_ERR_NOMEM;
  snprintf(key, sizeof(key), "%s/metadata/v%" PRId64 ".metadata.json", t->prefix, t->version);
  if (!(base_uri = lfh_store_uri(t->store, key))) goto fail;
  if (!(next = lfh_table_meta_copy(t->meta))) goto fail;
  rc = install_schema(next, t->meta, base_uri, s, last_id);
  s = NULL;
  if (rc != LF_OK) goto fail;
  rc = lfh_table_publish(t, next, t->version + 1, err);
  *raced = rc == LF_ERR_CONFLICT;
  if (rc != LF_OK) goto fail;
  lfh_table_install(t, next, t->version + 1);
  next = NULL;
  lfh_table_write_hint(t);
  c->changed = 1;
fail:
  if (rc == LF_ERR_NOMEM) lfh_table_oom(err, t->prefix);
  lfh_ice_schema_free(s);
  lfh_table_meta_free(next);
  free(base_uri);
  return rc;
}

static int evolve(lfh_table *t, const struct ArrowSchema *want, int only_additive, int *changed,
                  lf_error *err) {
  evolve_ctx c = {t, want, 0, only_additive};
  int rc = lfh_table_refresh(t, err);
  if (rc == LF_OK) rc = lfh_table_commit_retry(t, evolve_attempt, &c, err);
  if (changed) *changed = c.changed;
  return rc;
}

int lfh_table_evolve_schema(lfh_table *t, const struct ArrowSchema *want, int *changed,
                            lf_error *err) {
  return evolve(t, want, 1, changed, err);
}

int lfh_table_add_columns(lfh_table *t, const struct ArrowSchema *columns, lf_error *err) {
  int changed = 0;
  int rc = evolve(t, columns, 0, &changed, err);
  if (rc == LF_OK && !changed)
    rc = lf_error_set(err, LF_ERR_INVALID, "%s: every column given already exists", t->prefix);
  return rc;
}

/* ------------------------------------------------------------ replace and properties */

typedef struct meta_ctx {
  lfh_table *t;
  const struct ArrowSchema *schema; /* replace: the new schema */
  const lfh_kvs *props;             /* properties to set */
  int changed;
} meta_ctx;

/* `m` (a copy of t's metadata) with a brand-new schema and no current snapshot. */
static int apply_replace(meta_ctx *c, lfh_table_meta *m, const char *base_file, lf_error *err) {
  lfh_ice_schema *s = NULL;
  int32_t last_id = m->last_column_id;
  int rc = lfh_ice_schema_from_arrow(c->schema, max_schema_id(m) + 1, &last_id, &s, err);
  if (rc != LF_OK) return rc;
  if ((rc = install_schema(m, c->t->meta, base_file, s, last_id)) != LF_OK) return rc;
  /* Snapshots stay (time travel to the old rows works until they expire); main goes. */
  m->current_snapshot_id = LFH_NO_SNAPSHOT;
  for (size_t i = 0; i < m->n_refs; i++)
    if (strcmp(m->refs[i].name, "main") == 0) {
      free(m->refs[i].name);
      json_decref(m->refs[i].extra);
      memmove(&m->refs[i], &m->refs[i + 1], (m->n_refs - i - 1) * sizeof(*m->refs));
      m->n_refs--;
      break;
    }
  c->changed = 1;
  return LF_OK;
}

static int apply_props(meta_ctx *c, lfh_table_meta *m, const char *base_file) {
  for (size_t i = 0; i < c->props->n; i++) {
    const char *have = lfh_kvs_get(&m->properties, c->props->items[i].key);
    if (have && strcmp(have, c->props->items[i].value) == 0) continue;
    if (lfh_kvs_set(&m->properties, c->props->items[i].key, c->props->items[i].value) != 0)
      return LF_ERR_NOMEM;
    c->changed = 1;
  }
  if (!c->changed) return LF_OK;
  int64_t now = lfh_now_ms();
  m->last_updated_ms = now > c->t->meta->last_updated_ms ? now : c->t->meta->last_updated_ms;
  return push_metadata_log(m, c->t->meta, base_file);
}

static int meta_attempt(void *ctx, int n, int *raced, lf_error *err) {
  meta_ctx *c = ctx;
  lfh_table *t = c->t;
  lfh_table_meta *next = NULL;
  char key[1024], *base_uri = NULL;
  int rc = LF_ERR_NOMEM;
  (void)n;
  c->changed = 0;
  snprintf(key, sizeof(key), "%s/metadata/v%" PRId64 ".metadata.json", t->prefix, t->version);
  if (!(base_uri = lfh_store_uri(t->store, key))) goto fail;
  if (!(next = lfh_table_meta_copy(t->meta))) goto fail;
  rc = c->schema ? apply_replace(c, next, base_uri, err) : apply_props(c, next, base_uri);
  if (rc != LF_OK || !c->changed) goto fail;
  rc = lfh_table_publish(t, next, t->version + 1, err);
  *raced = rc == LF_ERR_CONFLICT;
  if (rc != LF_OK) goto fail;
  lfh_table_install(t, next, t->version + 1);
  next = NULL;
  lfh_table_write_hint(t);
fail:
  if (rc == LF_ERR_NOMEM) lfh_table_oom(err, t->prefix);
  if (rc != LF_OK) c->changed = 0;
  lfh_table_meta_free(next);
  free(base_uri);
  return rc;
}

int lfh_table_replace_schema(lfh_table *t, const struct ArrowSchema *schema, lf_error *err) {
  meta_ctx c = {t, schema, NULL, 0};
  int rc = lfh_table_refresh(t, err);
  return rc == LF_OK ? lfh_table_commit_retry(t, meta_attempt, &c, err) : rc;
}

int lfh_table_set_properties(lfh_table *t, const lfh_kvs *props, int *changed, lf_error *err) {
  meta_ctx c = {t, NULL, props, 0};
  int rc = lfh_table_refresh(t, err);
  if (rc == LF_OK) rc = lfh_table_commit_retry(t, meta_attempt, &c, err);
  if (changed) *changed = rc == LF_OK && c.changed;
  return rc;
}
