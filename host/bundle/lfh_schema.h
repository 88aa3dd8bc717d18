/*
 * lfh_schema — the bundle format of docs/BUNDLE.md "Reference" as data, and a checker
 * that walks a node tree against it.
 *
 * Every key the format knows is one row of a table (key, schema, flags, doc), so adding a
 * key is adding a row, and the same tables can print documentation. The checker reports
 * unknown keys (with the nearest valid key), wrong types, enum values, integer bounds,
 * missing required keys and empty required collections; everything that needs more than
 * one node at a time (references, cycles, plugins) is in lfh_bundle_check.c.
 */
#ifndef LFH_SCHEMA_H
#define LFH_SCHEMA_H

#include <stddef.h>

#include "../util/lfh_diag.h"
#include "lfh_yaml.h"

typedef enum lfh_schema_type {
  LFH_SCHEMA_ANY = 0,  /* anything: not checked here (e.g. stage options, variable defaults) */
  LFH_SCHEMA_MAP,      /* a mapping with the fixed keys of `fields` */
  LFH_SCHEMA_MAP_OF,   /* a mapping of user-chosen names to `item` */
  LFH_SCHEMA_SEQ_OF,   /* a sequence of `item` */
  LFH_SCHEMA_STRING,   /* any scalar (numbers are strings too where a string is expected) */
  LFH_SCHEMA_BOOL,     /* true/false */
  LFH_SCHEMA_INT,      /* integer, optionally bounded */
  LFH_SCHEMA_ENUM      /* one of `enum_values` (compared as text, case-sensitive) */
} lfh_schema_type;

/* lfh_schema_field.flags */
#define LFH_SCHEMA_REQUIRED 0x1u /* the key must be present (and, for collections, non-null) */
#define LFH_SCHEMA_RAW_ONLY 0x2u /* checked on the raw tree only (targets): see LFH_CHECK_RESOLVED */
#define LFH_SCHEMA_DERIVED 0x4u  /* set by the loader (bundle.target, variables.x.value): accepted
                                    in the resolved tree, an unknown field when a user writes it */

/* lfh_schema.flags */
#define LFH_SCHEMA_HAS_MIN 0x1u
#define LFH_SCHEMA_HAS_MAX 0x2u
#define LFH_SCHEMA_NON_EMPTY 0x4u /* MAP_OF / SEQ_OF: at least one item */

typedef struct lfh_schema lfh_schema;

typedef struct lfh_schema_field {
  const char *key;
  const lfh_schema *schema;
  unsigned flags;
  const char *doc;
} lfh_schema_field;

struct lfh_schema {
  lfh_schema_type type;
  unsigned flags;
  const lfh_schema_field *fields;  /* MAP: terminated by a row with key NULL */
  const lfh_schema *item;          /* MAP_OF, SEQ_OF */
  const char *const *enum_values;  /* ENUM: NULL-terminated */
  long long min, max;              /* INT, with LFH_SCHEMA_HAS_MIN/MAX */
};

/* lfh_schema_check flags */
#define LFH_CHECK_PARTIAL 0x1u  /* an override merged later (a target): nothing is required */
#define LFH_CHECK_RESOLVED 0x2u /* the resolved tree: skip RAW_ONLY fields, accept DERIVED ones */

/* The whole bundle file (top level). */
const lfh_schema *lfh_schema_bundle(void);

/* The field `key` of a MAP schema, or NULL. */
const lfh_schema_field *lfh_schema_field_find(const lfh_schema *s, const char *key);

/* Checks `n` against `s`; `yaml_path` names `n` ("" for the document root). A NULL node
 * (absent or `key:` with nothing) is "not set" and passes. Scalars still holding an
 * unresolved "${" are not type-checked (the loader reports the reference). Returns the
 * number of errors added. */
size_t lfh_schema_check(const lfh_schema *s, const lfh_node *n, const char *yaml_path,
                        unsigned flags, lfh_diags *d);

/* "a boolean", "an integer", "a mapping", ... for messages. */
const char *lfh_schema_type_phrase(lfh_schema_type t);

/* lfh_diag_add that drops an exact repeat (same severity, message and position): the
 * same node can be reached twice, through a target in the raw tree and through the
 * merged tree, and one mistake should read as one diagnostic. */
void lfh_check_diag(lfh_diags *d, lfh_severity sev, const lfh_mark *mark, const char *yaml_path,
                    const char *hint, const char *fmt, ...) LFH_PRINTF(6, 7);

/* A YAML path under construction ("resources.pipelines.p.flows[0]"), on the stack. Paths
 * longer than the buffer are cut: a diagnostic with a shortened path beats none. */
#define LFH_YPATH_CAP 512
typedef struct lfh_ypath {
  char buf[LFH_YPATH_CAP];
  size_t len;
} lfh_ypath;

void lfh_ypath_init(lfh_ypath *p, const char *base);
/* Appends ".key" (or "key" at the root) / "[i]"; returns the previous length for pop. */
size_t lfh_ypath_key(lfh_ypath *p, const char *key);
size_t lfh_ypath_index(lfh_ypath *p, size_t i);
void lfh_ypath_pop(lfh_ypath *p, size_t len);

/* 1 when the node is a scalar still holding an unresolved "${...}". */
int lfh_node_unresolved(const lfh_node *n);

#endif
