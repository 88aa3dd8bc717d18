/*
 * lfh_load_internal — what the bundle loader's files share (lfh_bundle_load.c,
 * lfh_targets.c, lfh_refs.c, lfh_secrets.c). Not for use outside host/bundle/.
 */
#ifndef LFH_LOAD_INTERNAL_H
#define LFH_LOAD_INTERNAL_H

#include <stddef.h>

#include "lfh_bundle.h"

/* Where a variable's value came from, for diagnostics about that value. */
typedef struct lfh_var_src {
  char *name;       /* owned */
  char *path;       /* owned: "targets.prod.variables.x", "variables.x.default", ... */
  lfh_node *value;  /* borrowed: root.variables.<name>.value */
} lfh_var_src;

typedef struct lfh_var_table {
  lfh_var_src *items;
  size_t n, cap;
} lfh_var_table;

void lfh_var_table_free(lfh_var_table *t);

/* lfh_node.resolve_state values. A node marked FAILED before resolution (the null value
 * of a variable nobody assigned) resolves to "" without another diagnostic. */
enum { LFH_RS_TODO = 0, LFH_RS_BUSY = 1, LFH_RS_DONE = 2, LFH_RS_FAILED = 3 };

/* Number of errors in d (the loader compares before/after a step). */
size_t lfh_load_errors(const lfh_diags *d);

/* "a.b" from a path and a key; "a[3]" for an index. malloc'd, NULL on ENOMEM. */
char *lfh_path_key(const char *path, const char *key);
char *lfh_path_index(const char *path, size_t i);

/* Comma-separated keys of a mapping ("a, b, c"), malloc'd. */
char *lfh_map_keys_joined(const lfh_node *map);

/* Selects the target, merges it into b->root, assigns variables (filling `vars`).
 * b->raw must be a mapping. Errors go to d; returns -1 on ENOMEM only. */
int lfh_apply_target(lfh_bundle *b, const lfh_bundle_opts *opts, lfh_var_table *vars,
                     lfh_diags *d);

/* Resolves every ${...} in b->root. Returns -1 on ENOMEM only; errors go to d. */
int lfh_refs_resolve(lfh_bundle *b, const lfh_var_table *vars, int no_files, lfh_diags *d);

/* Reads the secret named by `ref` (the text after "secrets.": "env.NAME", "file.PATH",
 * "SCOPE.KEY"). Returns 0 with *value set (malloc'd), 1 when it is not available (with
 * *why, malloc'd, saying why), 2 when the reference is malformed (with *why), -1 on
 * ENOMEM. `no_files` refuses file-based secrets (fuzzing: stay off the filesystem). */
int lfh_secret_read(const lfh_bundle *b, const char *ref, int no_files, char **value,
                    char **why);

/* Remembers a secret value for redaction (copied; duplicates and "" ignored). */
int lfh_bundle_remember_secret(lfh_bundle *b, const char *value);

#endif
