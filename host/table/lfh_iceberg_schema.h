/*
 * lfh_iceberg_schema — Iceberg types and schemas with field ids (Iceberg spec, "Schemas
 * and Data Types", Appendix A "Avro" and Appendix C "JSON serialization").
 *
 *  - A schema is a struct type plus a schema-id; every struct field, list element and
 *    map key/value carries an id unique in the table. Ids are never reused: the table
 *    metadata tracks the highest one ever assigned in `last-column-id`.
 *  - From an Arrow schema (what stages negotiate), ids are assigned the way Java's
 *    TypeUtil.assignFreshIds does: all fields of a struct first, in order, then each
 *    field's nested type, depth first; a list's element id, a map's key and value ids
 *    before their nested types. Identical Arrow schemas therefore get the ids Spark or
 *    Flink would have assigned, so tables created here and there agree.
 *  - To and from Iceberg JSON (jansson), to Avro schema JSON for data files (field-id
 *    on every field, optional = ["null", T] with default null, record names "r<id>",
 *    non-string-key maps as logical "map" arrays of "k<id>_v<id>" records), and back
 *    to Arrow for scans.
 *
 * Ownership: every lfh_ice_type / lfh_ice_schema returned is owned by the caller and
 * freed with the matching *_free (NULL-safe); a field owns its name, doc and type; a
 * type owns its children. Strings returned as `char *` are malloc'd, caller frees.
 * Errors: negative lf_status codes with a one-line message in `err`.
 */
#ifndef LFH_ICEBERG_SCHEMA_H
#define LFH_ICEBERG_SCHEMA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"

typedef enum lfh_ice_kind {
  LFH_ICE_BOOLEAN = 1,
  LFH_ICE_INT,
  LFH_ICE_LONG,
  LFH_ICE_FLOAT,
  LFH_ICE_DOUBLE,
  LFH_ICE_DATE,
  LFH_ICE_TIME,
  LFH_ICE_TIMESTAMP,   /* microseconds, no zone */
  LFH_ICE_TIMESTAMPTZ, /* microseconds, UTC-adjusted */
  LFH_ICE_STRING,
  LFH_ICE_UUID,
  LFH_ICE_FIXED,
  LFH_ICE_BINARY,
  LFH_ICE_DECIMAL,
  LFH_ICE_STRUCT,
  LFH_ICE_LIST,
  LFH_ICE_MAP
} lfh_ice_kind;

typedef struct lfh_ice_type lfh_ice_type;

typedef struct lfh_ice_field {
  int32_t id;
  char *name;
  int required;
  lfh_ice_type *type;
  char *doc; /* may be NULL */
} lfh_ice_field;

struct lfh_ice_type {
  lfh_ice_kind kind;
  int32_t length;           /* FIXED */
  int32_t precision, scale; /* DECIMAL */
  /* STRUCT */
  lfh_ice_field *fields;
  size_t n_fields;
  /* LIST */
  int32_t element_id;
  int element_required;
  lfh_ice_type *element;
  /* MAP (keys are always required) */
  int32_t key_id, value_id;
  int value_required;
  lfh_ice_type *key, *value;
};

typedef struct lfh_ice_schema {
  int32_t schema_id;
  lfh_ice_type *root; /* kind STRUCT, owned */
  int32_t *identifier_ids; /* "identifier-field-ids", may be NULL */
  size_t n_identifier_ids;
} lfh_ice_schema;

/* Deepest nesting accepted from any input: deeper is treated as malformed rather than
 * risking the stack on hostile files. */
#define LFH_ICE_MAX_DEPTH 64

void lfh_ice_type_free(lfh_ice_type *t);
void lfh_ice_schema_free(lfh_ice_schema *s);
lfh_ice_type *lfh_ice_type_copy(const lfh_ice_type *t);
lfh_ice_schema *lfh_ice_schema_copy(const lfh_ice_schema *s);
/* 1 when both are the same types with the same ids, names, requiredness and docs. */
int lfh_ice_type_equal(const lfh_ice_type *a, const lfh_ice_type *b);
int lfh_ice_schema_equal(const lfh_ice_schema *a, const lfh_ice_schema *b);
/* Highest id used anywhere in the type (0 for none). */
int32_t lfh_ice_type_max_id(const lfh_ice_type *t);
/* The field with `id` anywhere in the schema (struct fields only), or NULL. */
const lfh_ice_field *lfh_ice_schema_find_id(const lfh_ice_schema *s, int32_t id);
/* "int", "decimal(9,2)", "struct", ... for messages (static or in `buf`). */
const char *lfh_ice_type_name(const lfh_ice_type *t, char *buf, size_t cap);

/* ------------------------------------------------------------ Arrow */

/* Builds a schema (schema-id `schema_id`) from an Arrow struct schema (borrowed).
 * Fresh ids start at *last_column_id + 1 (pass 0 for a new table); on success
 * *last_column_id is the highest id assigned. Arrow nullability gives requiredness.
 * Formats: b i l f g u z tdD ttu tsu:(tz) d:P,S w:N +s +l +m; others LF_ERR_UNSUPPORTED. */
int lfh_ice_schema_from_arrow(const struct ArrowSchema *arrow, int32_t schema_id,
                              int32_t *last_column_id, lfh_ice_schema **out, lf_error *err);

/* Schema evolution for appends: `cur` plus every column of `arrow` not yet in it (matched
 * by name, recursively inside structs) as a new *optional* field with fresh ids above
 * *last_column_id, which is updated. Existing columns keep their ids and types (a type
 * change is refused with LF_ERR_SCHEMA). *out gets schema-id cur->schema_id + 1 when
 * anything was added, and *changed says whether it was. */
int lfh_ice_schema_add_columns(const lfh_ice_schema *cur, const struct ArrowSchema *arrow,
                               int32_t *last_column_id, lfh_ice_schema **out, int *changed,
                               lf_error *err);

/* The Arrow schema of `s` for scans, into caller storage `out` (release with
 * lf_schema_release). Optional fields are ARROW_FLAG_NULLABLE. */
int lfh_ice_schema_to_arrow(const lfh_ice_schema *s, struct ArrowSchema *out, lf_error *err);

/* ------------------------------------------------------------ JSON */

/* Iceberg JSON of a schema: {"type":"struct","schema-id":N,["identifier-field-ids"],
 * "fields":[...]} with keys in Java's order. New reference, caller owns. */
json_t *lfh_ice_schema_to_json(const lfh_ice_schema *s);
/* The same as compact text (what manifest headers carry). malloc'd. */
char *lfh_ice_schema_to_json_text(const lfh_ice_schema *s);
/* JSON of a bare type (a string for primitives). New reference. */
json_t *lfh_ice_type_to_json(const lfh_ice_type *t);

/* Parses a schema object (borrowed). `where` names the place in errors
 * ("v3.metadata.json: schemas[0]"). */
int lfh_ice_schema_from_json(const json_t *j, const char *where, lfh_ice_schema **out,
                             lf_error *err);
int lfh_ice_schema_parse(const char *text, size_t len, const char *where,
                         lfh_ice_schema **out, lf_error *err);

/* ------------------------------------------------------------ Avro */

/* Avro schema JSON (compact) for files of `s`, top-level record named `record_name`
 * ("manifest_entry", or the table name for data files). Java's layout and key order:
 * name, type, doc, default, field-id. malloc'd, NULL on allocation failure. */
char *lfh_ice_schema_to_avro_json(const lfh_ice_schema *s, const char *record_name);

#endif
