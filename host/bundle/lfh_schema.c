/*
 * lfh_schema — the tables of docs/BUNDLE.md "Reference" and the checker that walks them.
 * The tables are written bottom-up (leaves first) so each row can point at the schema
 * of its value; the reference document and these rows should be read side by side.
 */
#include "lfh_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/lfh_suggest.h"

/* ------------------------------------------------------------ leaves */

#define MAP(f) {.type = LFH_SCHEMA_MAP, .fields = (f)}
#define MAP_OF(it) {.type = LFH_SCHEMA_MAP_OF, .item = (it)}
#define SEQ_OF(it) {.type = LFH_SCHEMA_SEQ_OF, .item = (it)}
#define ENUM(v) {.type = LFH_SCHEMA_ENUM, .enum_values = (v)}
#define END_FIELDS {NULL, NULL, 0, NULL}
#define REQ LFH_SCHEMA_REQUIRED

static const lfh_schema k_any = {.type = LFH_SCHEMA_ANY};
static const lfh_schema k_string = {.type = LFH_SCHEMA_STRING};
static const lfh_schema k_bool = {.type = LFH_SCHEMA_BOOL};
static const lfh_schema k_int_ge0 = {.type = LFH_SCHEMA_INT, .flags = LFH_SCHEMA_HAS_MIN, .min = 0};
static const lfh_schema k_int_retries = {.type = LFH_SCHEMA_INT, .flags = LFH_SCHEMA_HAS_MIN,
                                         .min = -1};
static const lfh_schema k_strings = SEQ_OF(&k_string);
static const lfh_schema k_string_map = MAP_OF(&k_string);
static const lfh_schema k_options = MAP_OF(&k_any); /* checked by lfh_config_check */

static const char *const k_dataset_types[] = {"streaming_table", "materialized_view",
                                              "temporary_view", NULL};
static const char *const k_violations[] = {"warn", "drop", "fail", NULL};
static const char *const k_modes[] = {"development", "production", NULL};
static const char *const k_scd_types[] = {"1", "2", NULL};
static const char *const k_pause[] = {"PAUSED", "UNPAUSED", NULL};
static const char *const k_var_types[] = {"complex", NULL};

static const lfh_schema k_dataset_type = ENUM(k_dataset_types);
static const lfh_schema k_violation = ENUM(k_violations);
static const lfh_schema k_mode = ENUM(k_modes);
static const lfh_schema k_scd_type = ENUM(k_scd_types);
static const lfh_schema k_pause_status = ENUM(k_pause);
static const lfh_schema k_var_type = ENUM(k_var_types);

/* ------------------------------------------------------------ pipelines */

static const lfh_schema_field k_expectation_fields[] = {
    {"name", &k_string, REQ, "rule name, unique within the dataset"},
    {"expr", &k_string, REQ, "SQL boolean expression every row should satisfy"},
    {"on_violation", &k_violation, 0, "warn (default), drop or fail"},
    {"quarantine", &k_bool, 0, "keep failed rows in a side table with the failed rule names"},
    END_FIELDS};
static const lfh_schema k_expectation = MAP(k_expectation_fields);
static const lfh_schema k_expectations = SEQ_OF(&k_expectation);

static const lfh_schema_field k_dataset_fields[] = {
    {"type", &k_dataset_type, REQ, "streaming_table, materialized_view or temporary_view"},
    {"comment", &k_string, 0, "free text"},
    {"sql", &k_string, 0, "the query (views only); its inputs are the datasets after FROM/JOIN"},
    {"schema", &k_string, 0, "Spark DDL of the table"},
    {"table_properties", &k_string_map, 0, "Iceberg table properties"},
    {"cluster_by", &k_strings, 0, "clustering keys used by optimize"},
    {"partition_cols", &k_strings, 0, "partition columns"},
    {"expectations", &k_expectations, 0, "data quality rules"},
    {"unique", &k_strings, 0, "shorthand expectation: these columns are unique"},
    {"not_null", &k_strings, 0, "shorthand expectation: these columns are never NULL"},
    END_FIELDS};
static const lfh_schema k_dataset = MAP(k_dataset_fields);
static const lfh_schema k_datasets = {.type = LFH_SCHEMA_MAP_OF, .flags = LFH_SCHEMA_NON_EMPTY,
                                      .item = &k_dataset};

static const lfh_schema_field k_stage_fields[] = {
    {"stage", &k_string, REQ, "a stage name provided by a plugin in `libraries`"},
    {"options", &k_options, 0, "checked against the stage's typed config table"},
    END_FIELDS};
static const lfh_schema k_stage = MAP(k_stage_fields);
static const lfh_schema k_stages = SEQ_OF(&k_stage);

/* Neither key is required by the table: "exactly one of" is a rule across keys. */
static const lfh_schema_field k_source_fields[] = {
    {"stage", &k_string, 0, "a SOURCE stage"},
    {"table", &k_string, 0, "a streaming read of another dataset of this pipeline"},
    {"options", &k_options, 0, "options of the SOURCE stage"},
    END_FIELDS};
static const lfh_schema k_source = MAP(k_source_fields);

static const lfh_schema_field k_hasher_fields[] = {
    {"stage", &k_string, REQ, "a HASHER stage"},
    {"columns", &k_strings, REQ, "columns to pseudonymise (nested as a.b)"},
    {"options", &k_options, 0, "options of the HASHER stage"},
    END_FIELDS};
static const lfh_schema k_hasher = MAP(k_hasher_fields);
static const lfh_schema k_hashers = SEQ_OF(&k_hasher);

static const lfh_schema_field k_cdc_fields[] = {
    {"keys", &k_strings, REQ, "columns that identify a row"},
    {"sequence_by", &k_string, REQ, "column that orders the changes"},
    {"stored_as_scd_type", &k_scd_type, 0, "1 (default) or 2"},
    {"ignore_null_updates", &k_bool, 0, "NULL in an update keeps the old value"},
    {"apply_as_deletes", &k_string, 0, "SQL: the change is a delete"},
    {"apply_as_truncates", &k_string, 0, "SQL: the change truncates the table (SCD1 only)"},
    {"column_list", &k_strings, 0, "columns to keep (not with except_column_list)"},
    {"except_column_list", &k_strings, 0, "columns to drop (not with column_list)"},
    {"track_history_column_list", &k_strings, 0, "SCD2: columns that start a new version"},
    {"track_history_except_column_list", &k_strings, 0,
     "SCD2: columns that do not start a new version"},
    END_FIELDS};
static const lfh_schema k_cdc = MAP(k_cdc_fields);

static const lfh_schema_field k_flow_fields[] = {
    {"target", &k_string, REQ, "a streaming_table of this pipeline"},
    {"comment", &k_string, 0, "free text"},
    {"once", &k_bool, 0, "run once (backfill)"},
    {"source", &k_source, REQ, "exactly one of stage or table"},
    {"transforms", &k_stages, 0, "TRANSFORM stages, in order"},
    {"hashers", &k_hashers, 0, "HASHER stages"},
    {"sink", &k_stage, 0, "a SINK stage; default: append to target"},
    {"auto_cdc", &k_cdc, 0, "change data capture into target; not with sink"},
    END_FIELDS};
static const lfh_schema k_flow = MAP(k_flow_fields);
static const lfh_schema k_flows = MAP_OF(&k_flow);

static const lfh_schema_field k_library_fields[] = {
    {"plugin", &k_string, REQ, "a plugin name on the search path, or a path to a .so"},
    END_FIELDS};
static const lfh_schema k_library = MAP(k_library_fields);
static const lfh_schema k_libraries = SEQ_OF(&k_library);

static const lfh_schema_field k_pipeline_fields[] = {
    {"name", &k_string, REQ, "display name"},
    {"catalog", &k_string, 0, "default main"},
    {"schema", &k_string, 0, "default default"},
    {"storage", &k_string, 0, "lakehouse root"},
    {"continuous", &k_bool, 0, "default false (triggered)"},
    {"development", &k_bool, 0, "development pipeline (not allowed in production mode)"},
    {"configuration", &k_string_map, 0, "free-form string settings"},
    {"libraries", &k_libraries, 0, "plugins providing the stages"},
    {"datasets", &k_datasets, REQ, "streaming tables and views (at least one)"},
    {"flows", &k_flows, 0, "flows feeding streaming tables"},
    END_FIELDS};
static const lfh_schema k_pipeline = MAP(k_pipeline_fields);

/* ------------------------------------------------------------ jobs */

static const lfh_schema_field k_schedule_fields[] = {
    {"quartz_cron_expression", &k_string, REQ, "sec min hour day-of-month month day-of-week"},
    {"timezone_id", &k_string, 0, "a Java time zone id"},
    {"pause_status", &k_pause_status, 0, "PAUSED or UNPAUSED"},
    END_FIELDS};
static const lfh_schema k_schedule = MAP(k_schedule_fields);

static const lfh_schema_field k_depends_fields[] = {
    {"task_key", &k_string, REQ, "a task of the same job"}, END_FIELDS};
static const lfh_schema k_depends = MAP(k_depends_fields);
static const lfh_schema k_depends_list = SEQ_OF(&k_depends);

static const lfh_schema_field k_pipeline_task_fields[] = {
    {"pipeline_id", &k_string, REQ, "a pipeline key, usually ${resources.pipelines.KEY.id}"},
    {"full_refresh", &k_bool, 0, "truncate and recompute every table"},
    END_FIELDS};
static const lfh_schema k_pipeline_task = MAP(k_pipeline_task_fields);

static const lfh_schema_field k_task_fields[] = {
    {"task_key", &k_string, REQ, "unique in the job"},
    {"depends_on", &k_depends_list, 0, "tasks that must finish first"},
    {"pipeline_task", &k_pipeline_task, REQ, "the pipeline update this task runs"},
    {"max_retries", &k_int_retries, 0, ">= -1; -1 retries forever"},
    {"min_retry_interval_millis", &k_int_ge0, 0, ">= 0"},
    {"retry_on_timeout", &k_bool, 0, "retry a timed-out run"},
    {"timeout_seconds", &k_int_ge0, 0, ">= 0; 0 means no timeout"},
    END_FIELDS};
static const lfh_schema k_task = MAP(k_task_fields);
static const lfh_schema k_tasks = {.type = LFH_SCHEMA_SEQ_OF, .flags = LFH_SCHEMA_NON_EMPTY,
                                   .item = &k_task};

static const lfh_schema_field k_job_fields[] = {
    {"name", &k_string, REQ, "display name"},
    {"schedule", &k_schedule, 0, "a Quartz cron schedule"},
    {"max_concurrent_runs", &k_int_ge0, 0, "runs of this job at once"},
    {"timeout_seconds", &k_int_ge0, 0, "the whole job, retries included; 0 means none"},
    {"tasks", &k_tasks, REQ, "non-empty"},
    END_FIELDS};
static const lfh_schema k_job = MAP(k_job_fields);

/* ------------------------------------------------------------ top level */

static const lfh_schema k_pipelines = MAP_OF(&k_pipeline);
static const lfh_schema k_jobs = MAP_OF(&k_job);

static const lfh_schema_field k_resources_fields[] = {
    {"pipelines", &k_pipelines, 0, "resources.pipelines.<key>"},
    {"jobs", &k_jobs, 0, "resources.jobs.<key>"},
    END_FIELDS};
static const lfh_schema k_resources = MAP(k_resources_fields);

static const lfh_schema_field k_workspace_fields[] = {
    {"root_path", &k_string, 0, "where lfhost keeps state, checkpoints and tables"},
    END_FIELDS};
static const lfh_schema k_workspace = MAP(k_workspace_fields);

static const lfh_schema_field k_variable_fields[] = {
    {"description", &k_string, 0, "what the variable is for"},
    {"default", &k_any, 0, "a scalar; a map or sequence with type: complex"},
    {"type", &k_var_type, 0, "complex: the default may be a map or a sequence"},
    {"value", &k_any, LFH_SCHEMA_DERIVED, "the value assigned by the loader"},
    END_FIELDS};
static const lfh_schema k_variable = MAP(k_variable_fields);
static const lfh_schema k_variables = MAP_OF(&k_variable);
static const lfh_schema k_target_variables = MAP_OF(&k_any);

static const lfh_schema_field k_target_fields[] = {
    {"default", &k_bool, 0, "the target used without -t (at most one)"},
    {"mode", &k_mode, 0, "development or production"},
    {"workspace", &k_workspace, 0, "merged over the top-level workspace"},
    {"variables", &k_target_variables, 0, "<name>: value, for variables declared at the top"},
    {"resources", &k_resources, 0, "merged over the top-level resources"},
    END_FIELDS};
static const lfh_schema k_target = MAP(k_target_fields);
static const lfh_schema k_targets = MAP_OF(&k_target);

static const lfh_schema_field k_bundle_fields[] = {
    {"name", &k_string, REQ, "the bundle's name"},
    {"plugin_path", &k_strings, 0, "extra plugin directories, relative to this file"},
    {"target", &k_string, LFH_SCHEMA_DERIVED, "the selected target (set by the loader)"},
    {"mode", &k_mode, LFH_SCHEMA_DERIVED, "the selected target's mode (set by the loader)"},
    END_FIELDS};
static const lfh_schema k_bundle_section = MAP(k_bundle_fields);

/* `targets` is RAW_ONLY: in the resolved tree the selected target is already merged, and
 * every target (not only the selected one) is checked on the raw tree instead. */
static const lfh_schema_field k_top_fields[] = {
    {"bundle", &k_bundle_section, REQ, "name and plugin_path"},
    {"include", &k_strings, 0, "globs relative to the file that names them"},
    {"variables", &k_variables, 0, "<name>: {description, default, type}"},
    {"workspace", &k_workspace, 0, "root_path"},
    {"targets", &k_targets, LFH_SCHEMA_RAW_ONLY, "<name>: target"},
    {"resources", &k_resources, 0, "pipelines and jobs"},
    END_FIELDS};
static const lfh_schema k_top = MAP(k_top_fields);

const lfh_schema *lfh_schema_bundle(void) { return &k_top; }

const lfh_schema_field *lfh_schema_field_find(const lfh_schema *s, const char *key) {
  if (!s || s->type != LFH_SCHEMA_MAP || !s->fields || !key) return NULL;
  for (const lfh_schema_field *f = s->fields; f->key; f++)
    if (strcmp(f->key, key) == 0) return f;
  return NULL;
}

/* ------------------------------------------------------------ paths and diagnostics */

void lfh_ypath_init(lfh_ypath *p, const char *base) {
  p->len = 0;
  p->buf[0] = '\0';
  if (base && *base) {
    snprintf(p->buf, sizeof p->buf, "%s", base);
    p->len = strlen(p->buf);
  }
}

/* Appends `piece` (already formatted), cutting it when the buffer is full. */
static size_t path_append(lfh_ypath *p, const char *piece) {
  size_t old = p->len;
  size_t room = sizeof p->buf - 1 - p->len;
  size_t n = strlen(piece);
  if (n > room) n = room;
  memcpy(p->buf + p->len, piece, n);
  p->len += n;
  p->buf[p->len] = '\0';
  return old;
}

size_t lfh_ypath_key(lfh_ypath *p, const char *key) {
  size_t old = p->len;
  if (p->len) path_append(p, ".");
  path_append(p, key ? key : "");
  return old;
}

size_t lfh_ypath_index(lfh_ypath *p, size_t i) {
  char piece[32];
  snprintf(piece, sizeof piece, "[%zu]", i);
  return path_append(p, piece);
}

void lfh_ypath_pop(lfh_ypath *p, size_t len) {
  if (len < sizeof p->buf) {
    p->len = len;
    p->buf[len] = '\0';
  }
}

int lfh_node_unresolved(const lfh_node *n) {
  return n && n->kind == LFH_NODE_SCALAR && n->scalar && strstr(n->scalar, "${") != NULL;
}

static int same_str(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int is_repeat(const lfh_diags *d, lfh_severity sev, const lfh_mark *m, const char *msg) {
  for (size_t i = 0; i < d->n; i++) {
    const lfh_diag *g = &d->items[i];
    if (g->sev == sev && same_str(g->message, msg) && m && m->line && g->line == m->line &&
        g->col == m->col && same_str(g->file, m->file))
      return 1;
  }
  return 0;
}

void lfh_check_diag(lfh_diags *d, lfh_severity sev, const lfh_mark *mark, const char *yaml_path,
                    const char *hint, const char *fmt, ...) {
  char *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  int w = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (w < 0) {
    /* out of memory: still say something, lfh_diag_add reports its own failure */
    lfh_diag_add(d, sev, mark, yaml_path, hint, "%s", fmt);
    return;
  }
  if (!is_repeat(d, sev, mark, msg)) lfh_diag_add(d, sev, mark, yaml_path, hint, "%s", msg);
  free(msg);
}

/* ------------------------------------------------------------ the checker */

const char *lfh_schema_type_phrase(lfh_schema_type t) {
  switch (t) {
  case LFH_SCHEMA_ANY: return "a value";
  case LFH_SCHEMA_MAP:
  case LFH_SCHEMA_MAP_OF: return "a mapping";
  case LFH_SCHEMA_SEQ_OF: return "a sequence";
  case LFH_SCHEMA_STRING: return "a string";
  case LFH_SCHEMA_BOOL: return "a boolean";
  case LFH_SCHEMA_INT: return "an integer";
  case LFH_SCHEMA_ENUM: return "one of the allowed values";
  }
  return "a value";
}

/* Scalars are quoted, shortened past 60 bytes; secrets are never quoted. */
#define QUOTE_MAX 60
static void describe_found(const lfh_node *n, char *buf, size_t cap) {
  if (n->kind == LFH_NODE_MAP) snprintf(buf, cap, "a mapping");
  else if (n->kind == LFH_NODE_SEQ) snprintf(buf, cap, "a sequence");
  else if (n->kind == LFH_NODE_NULL || !n->scalar) snprintf(buf, cap, "null");
  else if (n->secret) snprintf(buf, cap, "a secret value");
  else if (n->scalar_len > QUOTE_MAX) snprintf(buf, cap, "'%.*s...'", QUOTE_MAX, n->scalar);
  else snprintf(buf, cap, "'%s'", n->scalar);
}

typedef struct walk {
  unsigned flags;
  lfh_diags *d;
  lfh_ypath path;
} walk;

static void check_node(walk *w, const lfh_schema *s, const lfh_node *n);

static void type_error(walk *w, const lfh_schema *s, const lfh_node *n) {
  char found[QUOTE_MAX + 16];
  describe_found(n, found, sizeof found);
  lfh_check_diag(w->d, LFH_SEV_ERROR, &n->mark, w->path.buf, NULL, "expected %s, found %s",
                 lfh_schema_type_phrase(s->type), found);
}

static void check_enum(walk *w, const lfh_schema *s, const lfh_node *n) {
  size_t count = 0;
  for (const char *const *v = s->enum_values; *v; v++, count++)
    if (strcmp(*v, n->scalar) == 0) return;
  char list[256] = "";
  size_t len = 0;
  for (const char *const *v = s->enum_values; *v && len < sizeof list; v++) {
    int k = snprintf(list + len, sizeof list - len, "%s%s", v == s->enum_values ? "" : ", ", *v);
    if (k < 0) break;
    len += (size_t)k;
  }
  char found[QUOTE_MAX + 16], hint[128] = "";
  describe_found(n, found, sizeof found);
  const char *near = n->secret ? NULL : lfh_suggest(n->scalar, s->enum_values, count);
  if (near) snprintf(hint, sizeof hint, "did you mean '%s'?", near);
  lfh_check_diag(w->d, LFH_SEV_ERROR, &n->mark, w->path.buf, near ? hint : NULL,
                 "invalid value %s: expected one of %s", found, list);
}

static void check_int(walk *w, const lfh_schema *s, const lfh_node *n) {
  long long v;
  if (lfh_scalar_int(n, &v) != 0) {
    type_error(w, s, n);
    return;
  }
  if ((s->flags & LFH_SCHEMA_HAS_MIN) && v < s->min)
    lfh_check_diag(w->d, LFH_SEV_ERROR, &n->mark, w->path.buf, NULL,
                   "value %lld is out of range: must be >= %lld", v, s->min);
  else if ((s->flags & LFH_SCHEMA_HAS_MAX) && v > s->max)
    lfh_check_diag(w->d, LFH_SEV_ERROR, &n->mark, w->path.buf, NULL,
                   "value %lld is out of range: must be <= %lld", v, s->max);
}

static void check_scalar(walk *w, const lfh_schema *s, const lfh_node *n) {
  if (n->kind != LFH_NODE_SCALAR || !n->scalar) {
    type_error(w, s, n);
    return;
  }
  if (lfh_node_unresolved(n)) return; /* its type is known only after resolution */
  int b;
  switch (s->type) {
  case LFH_SCHEMA_BOOL:
    if (lfh_scalar_bool(n, &b) != 0) type_error(w, s, n);
    break;
  case LFH_SCHEMA_INT: check_int(w, s, n); break;
  case LFH_SCHEMA_ENUM: check_enum(w, s, n); break;
  default: break; /* any scalar reads as a string */
  }
}

static size_t field_keys(const lfh_schema *s, const char **keys, size_t cap) {
  size_t n = 0;
  for (const lfh_schema_field *f = s->fields; f && f->key && n < cap; f++) keys[n++] = f->key;
  return n;
}

static void unknown_key(walk *w, const lfh_schema *s, const lfh_map_entry *e) {
  const char *keys[64];
  size_t n = field_keys(s, keys, LFH_ARRAY_LEN(keys));
  const char *near = lfh_suggest(e->key, keys, n);
  char hint[128];
  if (near) snprintf(hint, sizeof hint, "did you mean '%s'?", near);
  lfh_check_diag(w->d, LFH_SEV_ERROR, &e->key_mark, w->path.buf, near ? hint : NULL,
                 "unknown field: %s", e->key);
}

static void check_required(walk *w, const lfh_schema *s, const lfh_node *n) {
  for (const lfh_schema_field *f = s->fields; f && f->key; f++) {
    if (!(f->flags & LFH_SCHEMA_REQUIRED)) continue;
    const lfh_map_entry *e = lfh_map_entry_get(n, f->key);
    if (!e)
      lfh_check_diag(w->d, LFH_SEV_ERROR, &n->mark, w->path.buf, NULL,
                     "missing required field: %s", f->key);
    else if (!e->value || e->value->kind == LFH_NODE_NULL)
      lfh_check_diag(w->d, LFH_SEV_ERROR, &e->key_mark, w->path.buf, NULL,
                     "required field is empty: %s", f->key);
  }
}

static void check_map(walk *w, const lfh_schema *s, const lfh_node *n) {
  for (size_t i = 0; i < n->n; i++) {
    const lfh_map_entry *e = &n->entries[i];
    const lfh_schema_field *f = lfh_schema_field_find(s, e->key);
    if (f && (f->flags & LFH_SCHEMA_DERIVED) && !(w->flags & LFH_CHECK_RESOLVED)) f = NULL;
    /* keys the loader adds itself carry no position: they are not the user's */
    if (!f && e->key_mark.line == 0) continue;
    if (f && (f->flags & LFH_SCHEMA_RAW_ONLY) && (w->flags & LFH_CHECK_RESOLVED)) continue;
    size_t old = lfh_ypath_key(&w->path, e->key);
    if (!f) unknown_key(w, s, e);
    else check_node(w, f->schema, e->value);
    lfh_ypath_pop(&w->path, old);
  }
  if (!(w->flags & LFH_CHECK_PARTIAL)) check_required(w, s, n);
}

static void check_collection(walk *w, const lfh_schema *s, const lfh_node *n) {
  int is_map = s->type == LFH_SCHEMA_MAP_OF;
  if (n->n == 0 && (s->flags & LFH_SCHEMA_NON_EMPTY) && !(w->flags & LFH_CHECK_PARTIAL))
    lfh_check_diag(w->d, LFH_SEV_ERROR, &n->mark, w->path.buf, NULL, "%s must not be empty",
                   w->path.len ? w->path.buf : "the document");
  for (size_t i = 0; i < n->n; i++) {
    size_t old = is_map ? lfh_ypath_key(&w->path, n->entries[i].key) : lfh_ypath_index(&w->path, i);
    check_node(w, s->item, is_map ? n->entries[i].value : n->items[i]);
    lfh_ypath_pop(&w->path, old);
  }
}

static void check_node(walk *w, const lfh_schema *s, const lfh_node *n) {
  if (!s || !n || n->kind == LFH_NODE_NULL || s->type == LFH_SCHEMA_ANY) return;
  switch (s->type) {
  case LFH_SCHEMA_MAP:
    if (n->kind != LFH_NODE_MAP) type_error(w, s, n);
    else check_map(w, s, n);
    break;
  case LFH_SCHEMA_MAP_OF:
  case LFH_SCHEMA_SEQ_OF:
    if (n->kind != (s->type == LFH_SCHEMA_MAP_OF ? LFH_NODE_MAP : LFH_NODE_SEQ))
      type_error(w, s, n);
    else check_collection(w, s, n);
    break;
  default: check_scalar(w, s, n); break;
  }
}

size_t lfh_schema_check(const lfh_schema *s, const lfh_node *n, const char *yaml_path,
                        unsigned flags, lfh_diags *d) {
  size_t before = lfh_diags_count(d, LFH_SEV_ERROR);
  walk *w = malloc(sizeof *w); /* the path buffer is large: keep it off small stacks */
  if (!w) return 0;
  w->flags = flags;
  w->d = d;
  lfh_ypath_init(&w->path, yaml_path);
  check_node(w, s, n);
  free(w);
  return lfh_diags_count(d, LFH_SEV_ERROR) - before;
}
