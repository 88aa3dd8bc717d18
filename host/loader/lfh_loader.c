/*
 * lfh_loader — dlopen()s plugin files, checks every byte of their descriptors before
 * trusting them, and keeps a registry of plugins and stages.
 *
 * The plugin is untrusted: a descriptor may come from a newer or older ABI minor, or be
 * garbage. Every check refuses with one line naming the file, and a refused plugin is
 * dlclose()d before returning. Only a crash inside the plugin's own code is beyond us.
 */
#include "lfh_loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh_config.h"

/* A plugin record: the public info plus the canonical path used to spot reloads. */
typedef struct plugin_rec {
  lfh_plugin_info info;
  char *real; /* owned; realpath() of info.path, NULL when it could not be resolved */
} plugin_rec;

struct lfh_registry {
  plugin_rec **plugins; /* owned; pointers stay stable because stages point at them */
  size_t n_plugins;
  lfh_stage_info **stages; /* owned */
  size_t n_stages;
};

/* State of one check run: where the refusal goes. */
typedef struct chk {
  const char *path;
  char *why;
  size_t cap;
} chk;

/* ------------------------------------------------------------ small helpers */

const char *lfh_stage_kind_name(lf_stage_kind k) {
  switch (k) {
  case LF_STAGE_SOURCE: return "source";
  case LF_STAGE_TRANSFORM: return "transform";
  case LF_STAGE_EXPECTATION: return "expectation";
  case LF_STAGE_HASHER: return "hasher";
  case LF_STAGE_SINK: return "sink";
  }
  return "unknown";
}

const char *lfh_config_type_name(lf_config_type t) {
  switch (t) {
  case LF_CONFIG_STRING: return "string";
  case LF_CONFIG_INT: return "int";
  case LF_CONFIG_DOUBLE: return "double";
  case LF_CONFIG_BOOL: return "bool";
  case LF_CONFIG_DURATION: return "duration";
  case LF_CONFIG_SIZE: return "size";
  case LF_CONFIG_ENUM: return "enum";
  case LF_CONFIG_LIST: return "list";
  case LF_CONFIG_MAP: return "map";
  case LF_CONFIG_EXPR: return "expr";
  case LF_CONFIG_SCHEMA: return "schema";
  }
  return "unknown";
}

int lfh_is_ident(const char *s) {
  if (!s || !(*s >= 'a' && *s <= 'z')) return 0;
  size_t n = strnlen(s, LFH_MAX_NAME_LEN + 1);
  if (n > LFH_MAX_NAME_LEN) return 0;
  for (size_t i = 1; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return 0;
  return 1;
}

/* Writes "PATH: refused: <reason>" and keeps it on one line whatever the reason holds. */
LFH_PRINTF(3, 4)
static int refuse(const chk *c, int code, const char *fmt, ...) {
  if (!c->why || c->cap == 0) return code;
  int n = snprintf(c->why, c->cap, "%s: refused: ", c->path);
  if (n >= 0 && (size_t)n < c->cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why + n, c->cap - (size_t)n, fmt, ap);
    va_end(ap);
  }
  for (char *p = c->why; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  return code;
}

/* A plugin string shown inside a refusal: printable ASCII only and cut short, because
 * the string is what failed the check and may be binary or unterminated. */
static const char *show(const char *s, char *buf, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; s[i] && i < 40 && o + 5 < cap; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 0x20 && ch < 0x7f && ch != '\'')
      buf[o++] = (char)ch;
    else
      o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
  }
  buf[o] = '\0';
  return buf;
}

/* A required identifier: non-NULL, terminated within bounds, [a-z][a-z0-9_]*. */
static int check_ident(const chk *c, const char *prefix, const char *what, const char *s) {
  char shown[200];
  if (!s) return refuse(c, LF_ERR_INVALID, "%s%s is NULL", prefix, what);
  if (strnlen(s, LFH_MAX_NAME_LEN + 1) > LFH_MAX_NAME_LEN)
    return refuse(c, LF_ERR_INVALID, "%s%s is longer than %u bytes or not NUL-terminated",
                  prefix, what, LFH_MAX_NAME_LEN);
  if (!lfh_is_ident(s))
    return refuse(c, LF_ERR_INVALID, "%s%s '%s' is invalid (expected [a-z][a-z0-9_]*)",
                  prefix, what, show(s, shown, sizeof shown));
  return 0;
}

/* Free text (version, docs): optional unless `required`, terminated within `max`. */
static int check_text(const chk *c, const char *prefix, const char *what, const char *s,
                      size_t max, int required) {
  if (!s)
    return required ? refuse(c, LF_ERR_INVALID, "%s%s is NULL", prefix, what) : 0;
  if (strnlen(s, max + 1) > max)
    return refuse(c, LF_ERR_INVALID, "%s%s is longer than %zu bytes or not NUL-terminated",
                  prefix, what, max);
  return 0;
}

/* A struct array's stride: the first element's struct_size, at least the v1.0 size, not
 * absurd, aligned for the struct (so strided access is not misaligned), and the same for
 * every element. The struct_size field is first in every ABI struct. */
static int check_stride(const chk *c, const char *prefix, const char *what, const void *base,
                        size_t n, size_t v1_size, size_t align, uint32_t *stride_out) {
  uint32_t stride = *(const uint32_t *)base;
  if (stride < v1_size)
    return refuse(c, LF_ERR_INVALID, "%s%s struct_size %u is smaller than ABI 1.0's %zu",
                  prefix, what, stride, v1_size);
  if (stride > LFH_STRUCT_SIZE_MAX || stride % align != 0)
    return refuse(c, LF_ERR_INVALID, "%s%s struct_size %u is implausible", prefix, what,
                  stride);
  for (size_t i = 1; i < n; i++) {
    uint32_t sz = *(const uint32_t *)((const char *)base + i * stride);
    if (sz != stride)
      return refuse(c, LF_ERR_INVALID, "%s%s %zu has struct_size %u, %s 0 has %u", prefix,
                    what, i, sz, what, stride);
  }
  *stride_out = stride;
  return 0;
}

static const lf_stage *stage_at(const lf_plugin *p, uint32_t stride, size_t i) {
  return (const lf_stage *)(const void *)((const char *)p->stages + i * stride);
}

static const lf_config_option *option_at(const lf_stage *s, uint32_t stride, size_t i) {
  return (const lf_config_option *)(const void *)((const char *)s->options + i * stride);
}

/* ------------------------------------------------------------ options */

static int check_enum_values(const chk *c, const char *pfx, const lf_config_option *o) {
  if (!o->enum_values || !o->enum_values[0])
    return refuse(c, LF_ERR_INVALID, "%soption '%s' is an enum without values", pfx, o->name);
  for (size_t i = 0; o->enum_values[i]; i++) {
    if (i >= LFH_MAX_ENUM_VALUES)
      return refuse(c, LF_ERR_INVALID, "%soption '%s' has more than %u enum values", pfx,
                    o->name, LFH_MAX_ENUM_VALUES);
    int rc = check_text(c, pfx, "an enum value", o->enum_values[i], LFH_MAX_NAME_LEN, 1);
    if (rc) return rc;
  }
  return 0;
}

static void option_info_from(lfh_option_info *dst, const lf_config_option *o) {
  dst->name = o->name;
  dst->type = o->type;
  dst->flags = o->flags;
  dst->default_value = o->default_value;
  dst->min = o->min;
  dst->max = o->max;
  dst->enum_values = o->type == LF_CONFIG_ENUM ? o->enum_values : NULL;
  dst->doc = o->doc;
}

static int check_bounds(const chk *c, const char *pfx, const lf_config_option *o) {
  int has_min = (o->flags & LF_CONFIG_HAS_MIN) != 0, has_max = (o->flags & LF_CONFIG_HAS_MAX) != 0;
  if ((has_min && o->min != o->min) || (has_max && o->max != o->max))
    return refuse(c, LF_ERR_INVALID, "%soption '%s' has a NaN bound", pfx, o->name);
  if (has_min && has_max && o->min > o->max)
    return refuse(c, LF_ERR_INVALID, "%soption '%s' has min %g greater than max %g", pfx,
                  o->name, o->min, o->max);
  return 0;
}

/* One option: name, type, enum values, bounds, and a default that reads as its type. */
static int check_option(const chk *c, const char *pfx, const lf_config_option *o,
                        lfh_option_info *out) {
  int rc = check_ident(c, pfx, "option name", o->name);
  if (rc) return rc;
  if (o->type < LF_CONFIG_STRING || o->type > LF_CONFIG_SCHEMA)
    return refuse(c, LF_ERR_INVALID, "%soption '%s' has invalid type %d", pfx, o->name,
                  (int)o->type);
  if (o->type == LF_CONFIG_ENUM && (rc = check_enum_values(c, pfx, o)) != 0) return rc;
  if ((rc = check_bounds(c, pfx, o)) != 0) return rc;
  if ((rc = check_text(c, pfx, "an option doc", o->doc, LFH_MAX_DOC_LEN, 0)) != 0) return rc;
  if ((rc = check_text(c, pfx, "an option default", o->default_value, LFH_MAX_DOC_LEN, 0)))
    return rc;
  option_info_from(out, o);
  if (o->default_value) {
    char why[256];
    if (lfh_option_check_text(out, o->default_value, why, sizeof why) != 0)
      return refuse(c, LF_ERR_INVALID, "%soption '%s': default %s", pfx, o->name, why);
  }
  return 0;
}

/* Checks a stage's option table and copies it into `info->options` (owned by info). */
static int check_options(const chk *c, const char *pfx, const lf_stage *s,
                         lfh_stage_info *info) {
  uint32_t stride = 0;
  int rc;
  if (s->n_options == 0) return 0;
  if (s->n_options > LFH_MAX_OPTIONS)
    return refuse(c, LF_ERR_INVALID, "%sn_options %u exceeds the limit of %u", pfx,
                  s->n_options, LFH_MAX_OPTIONS);
  if (!s->options)
    return refuse(c, LF_ERR_INVALID, "%soptions is NULL but n_options is %u", pfx,
                  s->n_options);
  if ((rc = check_stride(c, pfx, "option", s->options, s->n_options, LFH_OPTION_V1_0_SIZE,
                         _Alignof(lf_config_option), &stride)) != 0)
    return rc;
  info->options = calloc(s->n_options, sizeof *info->options);
  if (!info->options) return refuse(c, LF_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < s->n_options; i++) {
    if ((rc = check_option(c, pfx, option_at(s, stride, i), &info->options[i])) != 0)
      return rc;
    info->n_options = i + 1;
    for (size_t j = 0; j < i; j++)
      if (strcmp(info->options[j].name, info->options[i].name) == 0)
        return refuse(c, LF_ERR_INVALID, "%soption '%s' is declared twice", pfx,
                      info->options[i].name);
  }
  return 0;
}

/* ------------------------------------------------------------ stages */

/* The v1.0 size of each kind's vtable, and whether its required callbacks are set. The
 * optional ones (source.committed, transform.finish_epoch/save_state/load_state) may be
 * NULL or lie beyond struct_size. */
static size_t vtable_v1_size(lf_stage_kind k) {
  switch (k) {
  case LF_STAGE_SOURCE: return LFH_END_OF(lf_source_vtable, committed);
  case LF_STAGE_TRANSFORM: return LFH_END_OF(lf_transform_vtable, load_state);
  case LF_STAGE_EXPECTATION: return LFH_END_OF(lf_expectation_vtable, evaluate);
  case LF_STAGE_HASHER: return LFH_END_OF(lf_hasher_vtable, hash);
  case LF_STAGE_SINK: return LFH_END_OF(lf_sink_vtable, end_epoch);
  }
  return 0;
}

/* Returns the name of the first missing required callback, or NULL. */
static const char *vtable_missing(lf_stage_kind k, const void *vt) {
  const lf_source_vtable *src = vt;
  const lf_transform_vtable *tr = vt;
  const lf_expectation_vtable *ex = vt;
  const lf_hasher_vtable *ha = vt;
  const lf_sink_vtable *si = vt;
  switch (k) {
  case LF_STAGE_SOURCE: return !src->plan ? "plan" : !src->read ? "read" : NULL;
  case LF_STAGE_TRANSFORM: return !tr->process ? "process" : NULL;
  case LF_STAGE_EXPECTATION: return !ex->evaluate ? "evaluate" : NULL;
  case LF_STAGE_HASHER: return !ha->hash ? "hash" : NULL;
  case LF_STAGE_SINK:
    return !si->begin_epoch ? "begin_epoch" : !si->write ? "write"
         : !si->end_epoch   ? "end_epoch"   : NULL;
  }
  return "?";
}

static int check_vtable(const chk *c, const char *pfx, const lf_stage *s) {
  const char *kind = lfh_stage_kind_name(s->kind);
  if (!s->vtable) return refuse(c, LF_ERR_INVALID, "%svtable is NULL", pfx);
  uint32_t size = *(const uint32_t *)s->vtable;
  size_t v1 = vtable_v1_size(s->kind);
  if (size < v1)
    return refuse(c, LF_ERR_INVALID, "%s%s vtable struct_size %u is smaller than ABI 1.0's %zu",
                  pfx, kind, size, v1);
  if (size > LFH_STRUCT_SIZE_MAX)
    return refuse(c, LF_ERR_INVALID, "%s%s vtable struct_size %u is implausible", pfx, kind,
                  size);
  const char *missing = vtable_missing(s->kind, s->vtable);
  if (missing)
    return refuse(c, LF_ERR_INVALID, "%s%s vtable has no '%s' callback", pfx, kind, missing);
  return 0;
}

/* What the plugin's vtable has of ours, the rest zero (NULL). check_vtable vouched for
 * the size being at least the v1.0 one. */
static void copy_vtable(lfh_stage_info *info, const lf_stage *s) {
  size_t size = *(const uint32_t *)s->vtable;
  memset(&info->vt, 0, sizeof info->vt);
  memcpy(&info->vt, s->vtable, size < sizeof info->vt ? size : sizeof info->vt);
  /* A newer plugin's larger size would claim fields this host does not have. */
  info->vt.source.struct_size = (uint32_t)(size < sizeof info->vt ? size : sizeof info->vt);
}

static int check_stage(const chk *c, size_t i, const lf_stage *s, lfh_stage_info *info) {
  char pfx[LFH_MAX_NAME_LEN + 32];
  snprintf(pfx, sizeof pfx, "stage %zu: ", i);
  int rc = check_ident(c, pfx, "name", s->name);
  if (rc) return rc;
  snprintf(pfx, sizeof pfx, "stage '%s': ", s->name);
  if (s->kind < LF_STAGE_SOURCE || s->kind > LF_STAGE_SINK)
    return refuse(c, LF_ERR_INVALID, "%sinvalid kind %d", pfx, (int)s->kind);
  if (!s->create || !s->negotiate || !s->destroy)
    return refuse(c, LF_ERR_INVALID, "%s%s is NULL", pfx,
                  !s->create ? "create" : !s->negotiate ? "negotiate" : "destroy");
  if ((rc = check_vtable(c, pfx, s)) != 0) return rc;
  if ((rc = check_text(c, pfx, "doc", s->doc, LFH_MAX_DOC_LEN, 0)) != 0) return rc;
  info->name = s->name;
  info->kind = s->kind;
  info->doc = s->doc;
  info->raw = s;
  copy_vtable(info, s);
  return check_options(c, pfx, s, info);
}

/* ------------------------------------------------------------ the descriptor */

static int check_header(const chk *c, const lf_plugin *p) {
  if (p->magic != LF_PLUGIN_MAGIC)
    return refuse(c, LF_ERR_INVALID, "bad magic 0x%08x (expected 0x%08x): not an lfhost plugin",
                  p->magic, LF_PLUGIN_MAGIC);
  if (p->abi_major != LF_ABI_MAJOR)
    return refuse(c, LF_ERR_UNSUPPORTED, "ABI major %u, this host speaks %d", p->abi_major,
                  LF_ABI_MAJOR);
  if (p->struct_size < LFH_PLUGIN_V1_0_SIZE)
    return refuse(c, LF_ERR_INVALID, "descriptor struct_size %u is smaller than ABI 1.0's %zu",
                  p->struct_size, LFH_PLUGIN_V1_0_SIZE);
  if (p->struct_size > LFH_STRUCT_SIZE_MAX)
    return refuse(c, LF_ERR_INVALID, "descriptor struct_size %u is implausible",
                  p->struct_size);
  int rc = check_ident(c, "plugin ", "name", p->name);
  if (!rc) rc = check_text(c, "plugin ", "version", p->version, LFH_MAX_NAME_LEN, 1);
  if (!rc) rc = check_text(c, "plugin ", "description", p->description, LFH_MAX_DOC_LEN, 0);
  if (rc) return rc;
  if (p->n_stages == 0) return refuse(c, LF_ERR_INVALID, "the plugin declares no stages");
  if (p->n_stages > LFH_MAX_STAGES)
    return refuse(c, LF_ERR_INVALID, "n_stages %u exceeds the limit of %u", p->n_stages,
                  LFH_MAX_STAGES);
  if (!p->stages)
    return refuse(c, LF_ERR_INVALID, "stages is NULL but n_stages is %u", p->n_stages);
  return 0;
}

static void stage_info_free(lfh_stage_info *s) {
  if (!s) return;
  free(s->options);
  free(s);
}

static void stage_infos_free(lfh_stage_info **v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) stage_info_free(v[i]);
  free(v);
}

/* Checks the whole descriptor and builds one lfh_stage_info per stage (*out, owned by
 * the caller, n_stages entries, freed here on refusal). */
static int check_plugin(const chk *c, const lf_plugin *p, const lfh_plugin_info *pi,
                        lfh_stage_info ***out) {
  uint32_t stride = 0;
  size_t made = 0;
  lfh_stage_info **v = NULL;
  int rc = check_header(c, p);
  if (!rc)
    rc = check_stride(c, "", "stage", p->stages, p->n_stages, LFH_STAGE_V1_0_SIZE,
                      _Alignof(lf_stage), &stride);
  if (rc) goto fail;
  v = calloc(p->n_stages, sizeof *v);
  if (!v) goto nomem;
  for (; made < p->n_stages; made++) {
    if (!(v[made] = calloc(1, sizeof **v))) goto nomem;
    v[made]->plugin = pi;
    if ((rc = check_stage(c, made, stage_at(p, stride, made), v[made])) != 0) goto fail;
    for (size_t j = 0; j < made; j++)
      if (strcmp(v[j]->name, v[made]->name) == 0) {
        rc = refuse(c, LF_ERR_INVALID, "stage '%s' is declared twice", v[made]->name);
        goto fail;
      }
  }
  *out = v;
  return 0;
nomem:
  rc = refuse(c, LF_ERR_NOMEM, "out of memory");
fail:
  stage_infos_free(v, made < p->n_stages && v ? made + 1 : made);
  return rc;
}

/* ------------------------------------------------------------ registry */

lfh_registry *lfh_registry_new(void) { return calloc(1, sizeof(lfh_registry)); }

static void plugin_rec_free(plugin_rec *rec) {
  if (!rec) return;
  if (rec->info.dl) dlclose(rec->info.dl);
  free(rec->info.path);
  free(rec->real);
  free(rec);
}

void lfh_registry_free(lfh_registry *r) {
  if (!r) return;
  stage_infos_free(r->stages, r->n_stages);
  for (size_t i = 0; i < r->n_plugins; i++) plugin_rec_free(r->plugins[i]);
  free(r->plugins);
  free(r);
}

size_t lfh_registry_plugin_count(const lfh_registry *r) { return r->n_plugins; }

const lfh_plugin_info *lfh_registry_plugin_at(const lfh_registry *r, size_t i) {
  return i < r->n_plugins ? &r->plugins[i]->info : NULL;
}

size_t lfh_registry_stage_count(const lfh_registry *r) { return r->n_stages; }

const lfh_stage_info *lfh_registry_stage_at(const lfh_registry *r, size_t i) {
  return i < r->n_stages ? r->stages[i] : NULL;
}

const lfh_stage_info *lfh_registry_find_stage(const lfh_registry *r, const char *name) {
  for (size_t i = 0; name && i < r->n_stages; i++)
    if (strcmp(r->stages[i]->name, name) == 0) return r->stages[i];
  return NULL;
}

const lfh_plugin_info *lfh_registry_find_plugin(const lfh_registry *r, const char *name) {
  for (size_t i = 0; name && i < r->n_plugins; i++)
    if (strcmp(r->plugins[i]->info.name, name) == 0) return &r->plugins[i]->info;
  return NULL;
}

const lfh_option_info *lfh_stage_find_option(const lfh_stage_info *s, const char *name) {
  for (size_t i = 0; name && i < s->n_options; i++)
    if (strcmp(s->options[i].name, name) == 0) return &s->options[i];
  return NULL;
}

/* Names and stage names must be unique across the registry; the later plugin loses. */
static int check_unique(const chk *c, const lfh_registry *r, const lfh_plugin_info *pi,
                        lfh_stage_info *const *v, size_t n) {
  const lfh_plugin_info *other = lfh_registry_find_plugin(r, pi->name);
  if (other)
    return refuse(c, LF_ERR_CONFLICT, "plugin name '%s' is already used by %s", pi->name,
                  other->path);
  for (size_t i = 0; i < n; i++) {
    const lfh_stage_info *s = lfh_registry_find_stage(r, v[i]->name);
    if (s)
      return refuse(c, LF_ERR_CONFLICT, "stage '%s' is already provided by plugin %s (%s)",
                    v[i]->name, s->plugin->name, s->plugin->path);
  }
  return 0;
}

static int registry_add(lfh_registry *r, plugin_rec *rec, lfh_stage_info **v, size_t n) {
  plugin_rec **ps = realloc(r->plugins, (r->n_plugins + 1) * sizeof *ps);
  if (!ps) return -1;
  r->plugins = ps;
  lfh_stage_info **ss = realloc(r->stages, (r->n_stages + n) * sizeof *ss);
  if (!ss) return -1;
  r->stages = ss;
  r->plugins[r->n_plugins++] = rec;
  memcpy(r->stages + r->n_stages, v, n * sizeof *v);
  r->n_stages += n;
  return 0;
}

static int already_loaded(const lfh_registry *r, const char *real) {
  for (size_t i = 0; real && i < r->n_plugins; i++)
    if (r->plugins[i]->real && strcmp(r->plugins[i]->real, real) == 0) return 1;
  return 0;
}

/* dlerror() text usually repeats the path we already print first; drop that echo. */
static const char *strip_path(const char *err, const char *path) {
  size_t n = strlen(path);
  if (err && strncmp(err, path, n) == 0 && strncmp(err + n, ": ", 2) == 0) return err + n + 2;
  return err ? err : "unknown dlopen error";
}

/* dlopen()s the file and calls its entry: the steps where the plugin's own code runs. */
static int open_plugin(const chk *c, plugin_rec *rec, const lf_plugin **desc) {
  char *dlpath = NULL;
  /* A bare file name would make dlopen search the system library path instead. */
  if (asprintf(&dlpath, "%s%s", strchr(c->path, '/') ? "" : "./", c->path) < 0)
    return refuse(c, LF_ERR_NOMEM, "out of memory");
  rec->info.dl = dlopen(dlpath, RTLD_NOW | RTLD_LOCAL);
  if (!rec->info.dl) {
    int rc = refuse(c, LF_ERR_IO, "%s", strip_path(dlerror(), dlpath));
    free(dlpath);
    return rc;
  }
  free(dlpath);
  /* POSIX dlsym returns void *; converting it to a function pointer is the sanctioned
   * idiom (the union keeps -Wpedantic quiet if it is ever turned on). */
  union { void *obj; lf_plugin_entry_fn fn; } entry;
  entry.obj = dlsym(rec->info.dl, LF_PLUGIN_ENTRY_SYMBOL);
  if (!entry.obj)
    return refuse(c, LF_ERR_INVALID, "no %s symbol: not an lfhost plugin",
                  LF_PLUGIN_ENTRY_SYMBOL);
  *desc = entry.fn(lfh_host_table());
  if (!*desc)
    return refuse(c, LF_ERR_INVALID, "%s returned NULL (the plugin declined to load)",
                  LF_PLUGIN_ENTRY_SYMBOL);
  return 0;
}

int lfh_registry_load(lfh_registry *r, const char *path, char *why, size_t why_cap) {
  chk c = {path, why, why_cap};
  lfh_stage_info **v = NULL;
  const lf_plugin *p = NULL;
  int rc;
  if (why && why_cap) why[0] = '\0';
  plugin_rec *rec = calloc(1, sizeof *rec);
  if (!rec || !(rec->info.path = strdup(path))) {
    rc = refuse(&c, LF_ERR_NOMEM, "out of memory");
    goto fail;
  }
  rec->real = realpath(path, NULL);
  if (already_loaded(r, rec->real)) {
    plugin_rec_free(rec);
    return 0;
  }
  if ((rc = open_plugin(&c, rec, &p)) != 0) goto fail;
  if ((rc = check_plugin(&c, p, &rec->info, &v)) != 0) goto fail;
  rec->info.name = p->name;
  rec->info.version = p->version;
  rec->info.description = p->description ? p->description : "";
  rec->info.abi_major = p->abi_major;
  rec->info.abi_minor = p->abi_minor;
  rec->info.raw = p;
  if ((rc = check_unique(&c, r, &rec->info, v, p->n_stages)) != 0) goto fail;
  if (registry_add(r, rec, v, p->n_stages) != 0) {
    rc = refuse(&c, LF_ERR_NOMEM, "out of memory");
    goto fail;
  }
  free(v); /* the registry took the stage infos themselves */
  return 0;
fail:
  stage_infos_free(v, v ? p->n_stages : 0);
  plugin_rec_free(rec);
  return rc;
}

/* ------------------------------------------------------------ search path walk */

static int so_filter(const struct dirent *e) {
  size_t n = strlen(e->d_name);
  return n > 3 && strcmp(e->d_name + n - 3, ".so") == 0;
}

static int shadowed(const lfh_registry *r, const char *base) {
  for (size_t i = 0; i < r->n_plugins; i++) {
    const char *p = r->plugins[i]->info.path, *slash = strrchr(p, '/');
    if (strcmp(slash ? slash + 1 : p, base) == 0) return 1;
  }
  return 0;
}

/* Loads the *.so of one directory; returns refusals or -1 on ENOMEM. */
static int load_dir(lfh_registry *r, const char *dir, lfh_refusal_fn cb, void *ud) {
  struct dirent **ents = NULL;
  int n = scandir(dir, &ents, so_filter, alphasort), refused = 0;
  for (int i = 0; i < n; i++) {
    char *path = NULL, why[1024];
    if (refused >= 0 && !shadowed(r, ents[i]->d_name)) {
      if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
        refused = -1;
      } else if (lfh_registry_load(r, path, why, sizeof why) != 0) {
        refused++;
        if (cb) cb(ud, path, why);
      }
      free(path);
    }
    free(ents[i]);
  }
  free(ents);
  return refused;
}

int lfh_registry_load_searchpath(lfh_registry *r, const lfh_searchpath *sp,
                                 lfh_refusal_fn on_refuse, void *ud) {
  int total = 0;
  for (size_t i = 0; i < sp->n; i++) {
    int rc = load_dir(r, sp->dirs[i], on_refuse, ud);
    if (rc < 0) return -1;
    total += rc;
  }
  return total;
}
