/*
 * lfh_yaml — YAML documents as a tree of nodes that remember where they came from.
 *
 * Built on libyaml's event parser. Every node and every mapping key keeps its mark
 * (file:line:col), so a check anywhere in the host can name the exact position.
 * Anchors/aliases are expanded (with a limit against "billion laughs"); merge keys
 * (`<<`) are not supported and are reported as errors.
 *
 * Ownership: a tree is owned by its root; lfh_node_free() frees it whole. Mapping
 * keys and scalars are NUL-terminated heap strings owned by their node.
 */
#ifndef LFH_YAML_H
#define LFH_YAML_H

#include <stddef.h>
#include <stdio.h>

#include "../util/lfh_diag.h"

typedef enum lfh_node_kind {
  LFH_NODE_NULL = 0, /* `~`, `null`, or an empty value */
  LFH_NODE_SCALAR = 1,
  LFH_NODE_MAP = 2,
  LFH_NODE_SEQ = 3
} lfh_node_kind;

typedef struct lfh_node lfh_node;

typedef struct lfh_map_entry {
  char *key;
  lfh_mark key_mark;
  lfh_node *value;
} lfh_map_entry;

struct lfh_node {
  lfh_node_kind kind;
  lfh_mark mark;
  /* SCALAR */
  char *scalar;
  size_t scalar_len;
  int quoted;  /* 1 when the scalar was quoted or a block scalar: always a string */
  int secret;  /* 1 when the value came from ${secrets...}: printed as "***" */
  int resolve_state; /* internal to reference resolution (lfh_refs.c); 0 elsewhere */
  /* MAP: entries in document order; SEQ: items */
  lfh_map_entry *entries;
  lfh_node **items;
  size_t n, cap;
};

/* Parses the first document of a file / buffer. On a syntax error returns NULL and adds
 * an error with the position libyaml reports. An empty document yields a NULL node
 * (kind LFH_NODE_NULL), not a failure. `file` is borrowed for the marks (see lfh_mark). */
lfh_node *lfh_yaml_load_file(const char *file, lfh_diags *d);
lfh_node *lfh_yaml_load_buffer(const char *file, const char *buf, size_t len, lfh_diags *d);

void lfh_node_free(lfh_node *n);
lfh_node *lfh_node_clone(const lfh_node *n);

/* Constructors used when building trees by hand (tests, defaults). NULL on ENOMEM. */
lfh_node *lfh_node_new(lfh_node_kind kind, const lfh_mark *mark);
lfh_node *lfh_node_new_scalar(const char *s, const lfh_mark *mark);

/* Mapping access. lfh_map_get returns the value or NULL; lfh_map_entry_get the entry. */
lfh_node *lfh_map_get(const lfh_node *map, const char *key);
const lfh_map_entry *lfh_map_entry_get(const lfh_node *map, const char *key);
/* Sets key to value, taking ownership of value (replacing and freeing an old one). */
int lfh_map_set(lfh_node *map, const char *key, const lfh_mark *key_mark, lfh_node *value);
int lfh_seq_push(lfh_node *seq, lfh_node *item);

/* Deep merge of `src` into `dst`, the way DAB merges a target over the top level:
 * mappings merge key by key recursively, sequences and scalars in `src` replace those in
 * `dst`. `src` is not modified. Returns 0 or -1 on ENOMEM. */
int lfh_node_merge(lfh_node *dst, const lfh_node *src);

/* Scalar helpers: "true"/"false" (YAML 1.2 core schema, case-insensitive variants
 * True/TRUE), integers (decimal, 0x, 0o), floats. Return 0 on success, -1 otherwise. */
int lfh_scalar_bool(const lfh_node *n, int *out);
int lfh_scalar_int(const lfh_node *n, long long *out);
int lfh_scalar_double(const lfh_node *n, double *out);

/* JSON of a tree; secret scalars print as "***". Plain scalars that read as a bool,
 * integer, float or null print as JSON literals, everything else as strings. */
void lfh_node_write_json(const lfh_node *n, FILE *out, int indent);

/* ---- additions (bundle loader) ---- */

/* Limits that keep hostile input cheap: nesting depth and the number of nodes a document
 * may produce once aliases are expanded ("billion laughs"). */
#define LFH_YAML_MAX_DEPTH 100
#define LFH_YAML_MAX_NODES 200000

/* NULL, MAP and SEQ nodes have scalar == NULL; a parsed NULL node remembers nothing of
 * its spelling (`~`, `null`, empty). */

/* dst takes over src's kind, content and flags (keeping its own mark when keep_mark);
 * src is freed. Used to replace a node in place when its parent is unknown. */
void lfh_node_replace(lfh_node *dst, lfh_node *src, int keep_mark);
/* Replaces a scalar's text (copied). Returns 0 or -1 on ENOMEM (node unchanged). */
int lfh_node_set_text(lfh_node *n, const char *s, size_t len);
/* Removes `key` from a mapping, freeing its value. Returns 1 when removed, 0 if absent. */
int lfh_map_remove(lfh_node *map, const char *key);

/* The JSON writer prints 2 spaces per level; `indent` is the level of `n` itself (0 for a
 * whole document). No trailing newline. */

#endif
