/*
 * lfh_loader — finds plugin files, dlopen()s them and registers their stages.
 *
 * The loader is the only module that reads plugin-owned ABI structs byte by byte. It
 * checks them (magic, ABI major, struct sizes, strides, names, callbacks) and copies
 * what the rest of the host needs into host-side structs with a fixed layout
 * (lfh_stage_info, lfh_option_info), so nothing else has to do struct_size arithmetic.
 * Callbacks are still called through the plugin's own lf_stage (`raw`).
 */
#ifndef LFH_LOADER_H
#define LFH_LOADER_H

#include <stddef.h>

#include "lf/lf_plugin.h"

/* ------------------------------------------------------------ search path */

/* Where plugins named by a bundle are looked for, in this order:
 *   1. --plugin-path DIR[:DIR...] from the command line,
 *   2. bundle.plugin_path entries (relative to the bundle's root file),
 *   3. LFHOST_PLUGIN_PATH (colon-separated),
 *   4. <dir of the lfhost executable>/../lib/lfhost/plugins (build tree and install).
 * `configured` is 1 when any of 1-3 is non-empty: then a plugin the bundle names must be
 * found, and a stage no loaded plugin provides is an error (docs/BUNDLE.md). */
typedef struct lfh_searchpath {
  char **dirs; /* owned */
  size_t n;
  int configured;
} lfh_searchpath;

/* `cli` and `bundle_dirs` may be NULL; bundle_dirs entries must be absolute or already
 * resolved against the bundle root. Returns 0 or -1 on ENOMEM. */
int lfh_searchpath_init(lfh_searchpath *sp, const char *cli, const char *const *bundle_dirs,
                        size_t n_bundle_dirs);
void lfh_searchpath_free(lfh_searchpath *sp);
/* Adds one directory at the end. */
int lfh_searchpath_add(lfh_searchpath *sp, const char *dir);

/* Looks for NAME.so then libNAME.so in each directory. A NAME containing '/' is a path
 * and is returned as is if the file exists. Returns a malloc'd path or NULL. */
char *lfh_searchpath_find(const lfh_searchpath *sp, const char *name);

/* ------------------------------------------------------------ registry */

typedef struct lfh_plugin_info {
  char *path;              /* owned */
  const char *name;        /* plugin-owned strings, valid while loaded */
  const char *version;
  const char *description;
  unsigned abi_major, abi_minor;
  void *dl;                /* dlopen handle */
  const lf_plugin *raw;
} lfh_plugin_info;

typedef struct lfh_option_info {
  const char *name;        /* plugin-owned */
  lf_config_type type;
  unsigned flags;
  const char *default_value;
  double min, max;
  const char *const *enum_values;
  const char *doc;
} lfh_option_info;

typedef struct lfh_stage_info {
  const char *name;        /* plugin-owned */
  lf_stage_kind kind;
  const char *doc;
  lfh_option_info *options; /* owned copy of the plugin's table */
  size_t n_options;
  const lfh_plugin_info *plugin;
  const lf_stage *raw;     /* for calling create/negotiate/destroy and the vtable */
  /* The kind's vtable copied into this host's layout: callbacks that lie beyond the
   * plugin's vtable struct_size (an older minor) are NULL here, so callers test the
   * pointer alone (e.g. `vt.source.save_state`, new in 1.2). Use the member of `kind`. */
  union {
    lf_source_vtable source;
    lf_transform_vtable transform;
    lf_expectation_vtable expectation;
    lf_hasher_vtable hasher;
    lf_sink_vtable sink;
  } vt;
} lfh_stage_info;

typedef struct lfh_registry lfh_registry;

lfh_registry *lfh_registry_new(void);
/* dlclose()s every plugin. No stage instance may outlive this. */
void lfh_registry_free(lfh_registry *r);

/* Loads one plugin file and registers its stages. On refusal returns a negative lf_status
 * and writes a one-line reason naming the file into `why`, e.g.
 *   "/p/bad.so: refused: ABI major 2, this host speaks 1". Loading the same file twice
 *   is a no-op returning 0. */
int lfh_registry_load(lfh_registry *r, const char *path, char *why, size_t why_cap);

size_t lfh_registry_plugin_count(const lfh_registry *r);
const lfh_plugin_info *lfh_registry_plugin_at(const lfh_registry *r, size_t i);
size_t lfh_registry_stage_count(const lfh_registry *r);
const lfh_stage_info *lfh_registry_stage_at(const lfh_registry *r, size_t i);
const lfh_stage_info *lfh_registry_find_stage(const lfh_registry *r, const char *name);
const lfh_option_info *lfh_stage_find_option(const lfh_stage_info *s, const char *name);

const char *lfh_stage_kind_name(lf_stage_kind k);     /* "source", "transform", ... */
const char *lfh_config_type_name(lf_config_type t);   /* "string", "int", ... */

/* The host's service table (logging, metrics, config, secrets). Process-lifetime. */
const lf_host *lfh_host_table(void);

/* ------------------------------------------------------------ additions (loader) */

/* The smallest struct_size a v1.0 struct can have: the end of its last v1.0 field
 * (not sizeof, which includes trailing padding a plugin built elsewhere need not count). */
#define LFH_END_OF(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))
#define LFH_PLUGIN_V1_0_SIZE LFH_END_OF(lf_plugin, n_stages)
#define LFH_STAGE_V1_0_SIZE LFH_END_OF(lf_stage, vtable)
#define LFH_OPTION_V1_0_SIZE LFH_END_OF(lf_config_option, doc)
/* Sanity limits: anything beyond these is garbage, not a future ABI minor. */
#define LFH_STRUCT_SIZE_MAX 65536u
#define LFH_MAX_STAGES 256u
#define LFH_MAX_OPTIONS 1024u
#define LFH_MAX_ENUM_VALUES 256u
#define LFH_MAX_NAME_LEN 63u
#define LFH_MAX_DOC_LEN 16384u

/* Called for every plugin file the search path walk could not load: `why` is the
 * one-line refusal (it names the file). */
typedef void (*lfh_refusal_fn)(void *ud, const char *path, const char *why);

/* Loads every *.so in every search path directory (each directory in name order).
 * A file whose name was already loaded from an earlier directory is shadowed and skipped,
 * so LFHOST_PLUGIN_PATH can override an installed plugin. Returns the number of refused
 * files, or -1 on ENOMEM. `on_refuse` may be NULL. Missing directories are skipped. */
int lfh_registry_load_searchpath(lfh_registry *r, const lfh_searchpath *sp,
                                 lfh_refusal_fn on_refuse, void *ud);

/* Finds a loaded plugin by its descriptor name, or NULL. */
const lfh_plugin_info *lfh_registry_find_plugin(const lfh_registry *r, const char *name);

/* 1 when `s` matches [a-z][a-z0-9_]* and is at most LFH_MAX_NAME_LEN bytes. */
int lfh_is_ident(const char *s);

#endif
