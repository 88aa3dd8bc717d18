/*
 * lfh_bundle — loads a bundle (databricks.yml-like YAML) into one resolved tree and
 * checks it. See docs/BUNDLE.md for the format.
 *
 * Loading: parse the root file, expand `include` globs (relative to the root file),
 * merge the included files' top-level sections, pick the target (-t, else the one with
 * `default: true`, else the only one), deep-merge its `variables`, `workspace`,
 * `resources` (and other top-level sections) over the top level, assign variables
 * (--var k=v beats BUNDLE_VAR_k beats the target's value beats the default), then
 * resolve ${...} references everywhere with cycle detection.
 *
 * Checking: the schema of every key (unknown keys with the nearest valid key, wrong
 * types, missing required keys), then the pipelines (dataset references, cycles,
 * duplicates), plugins and their stages' typed options, and production-mode rules.
 */
#ifndef LFH_BUNDLE_H
#define LFH_BUNDLE_H

#include <stddef.h>

#include "../loader/lfh_loader.h"
#include "../util/lfh_diag.h"
#include "lfh_yaml.h"

typedef struct lfh_bundle_opts {
  const char *path;          /* the root bundle file; NULL: ./databricks.yml, ./bundle.yml */
  const char *target;        /* NULL: the default target */
  const char *const *vars;   /* "k=v" strings from --var */
  size_t n_vars;
  const char *plugin_path;   /* --plugin-path, may be NULL */
  int no_files;              /* 1: read nothing but the root (fuzzing): `include` and file
                                secrets are skipped with a note */
} lfh_bundle_opts;

typedef struct lfh_bundle {
  char *root_file;           /* absolute path of the root bundle file */
  char *root_dir;            /* its directory */
  char *target;              /* the selected target name, or NULL if none is defined */
  char **files;              /* every file read (root first); marks point at these */
  size_t n_files;
  lfh_node *raw;             /* the root file with includes merged, before targets */
  lfh_node *root;            /* the target merged, variables assigned, refs resolved */
  char **secret_values;      /* resolved secret values, for redacting output */
  size_t n_secret_values;
  char *mode;                /* the target's `mode` ("development", ...), or NULL */
  int root_path_defaulted;   /* 1: workspace.root_path was not set; root has the default
                                <root_dir>/.lfhost/<target> (production mode forbids it) */
} lfh_bundle;

/* Loads and resolves. Returns 0 with *out set when the bundle could be built (errors of
 * later checks are still possible), or -1 with errors in `d` (and *out possibly set to
 * a partial bundle for further checks; free it either way). */
int lfh_bundle_load(const lfh_bundle_opts *opts, lfh_bundle **out, lfh_diags *d);
void lfh_bundle_free(lfh_bundle *b);

/* As lfh_bundle_load, with the root file's text given (`name` is used for marks and as
 * the root file's path: includes and file secrets are relative to its directory). */
int lfh_bundle_load_buffer(const char *name, const char *buf, size_t len,
                           const lfh_bundle_opts *opts, lfh_bundle **out, lfh_diags *d);

/* Checks keys, types and semantics; loads the plugins the bundle names into `reg` (found
 * through `sp`) and checks stage options against their tables. Adds diagnostics; returns
 * the number of errors added. */
size_t lfh_bundle_check(lfh_bundle *b, lfh_registry *reg, const lfh_searchpath *sp,
                        lfh_diags *d);

/* Writes the resolved bundle as JSON with secrets redacted as "***". */
void lfh_bundle_write_json(const lfh_bundle *b, FILE *out);

#endif
