/*
 * lfh_avro — Apache Avro schemas, binary encoding and object container files, written
 * here (DESIGN.md "Storage"): Avro C drops `field-id` and custom header keys, and its
 * generic value API costs ~1 µs a record. Iceberg needs both the attributes and speed.
 *
 * Layers:
 *  - schemas: parsed from JSON into a tree that keeps Iceberg's attributes (field-id,
 *    element-id, key-id, value-id, logicalType, adjust-to-utc) and prints back to JSON;
 *  - binary primitives: zig-zag varints, floats, strings (inline, for the hot paths);
 *  - container files: header (magic, metadata map, sync marker), blocks with the null,
 *    deflate and snappy codecs, validated on read;
 *  - a generic decoder into a value tree, for metadata files (manifests, manifest lists).
 *  Arrow <-> Avro for data files lives in lfh_avro_arrow.h.
 *
 * Errors: negative lf_status codes with a one-line message in `err`.
 */
#ifndef LFH_AVRO_H
#define LFH_AVRO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lf/lf_plugin.h"
#include "store/lfh_store.h"

/* ------------------------------------------------------------ schemas */

typedef enum lfh_avro_type {
  LFH_AVRO_NULL = 0,
  LFH_AVRO_BOOLEAN,
  LFH_AVRO_INT,
  LFH_AVRO_LONG,
  LFH_AVRO_FLOAT,
  LFH_AVRO_DOUBLE,
  LFH_AVRO_BYTES,
  LFH_AVRO_STRING,
  LFH_AVRO_RECORD,
  LFH_AVRO_ENUM,
  LFH_AVRO_ARRAY,
  LFH_AVRO_MAP,
  LFH_AVRO_UNION,
  LFH_AVRO_FIXED
} lfh_avro_type;

#define LFH_AVRO_NO_ID (-1) /* an absent field-id / element-id / key-id / value-id */

typedef struct lfh_avro_schema lfh_avro_schema;

typedef struct lfh_avro_field {
  char *name;
  char *doc;              /* may be NULL */
  int32_t field_id;       /* Iceberg field-id, or LFH_AVRO_NO_ID */
  lfh_avro_schema *type;
  char *default_json;     /* the field's "default" as JSON text, or NULL */
} lfh_avro_field;

struct lfh_avro_schema {
  lfh_avro_type type;
  char *name;             /* RECORD, ENUM, FIXED: the full name */
  char *logical_type;     /* "timestamp-micros", "date", "decimal", "uuid", "map", or NULL */
  int adjust_to_utc;      /* Iceberg's attribute on timestamp-micros: 1, 0, or -1 absent */
  int32_t precision, scale; /* decimal */
  size_t fixed_size;      /* FIXED */
  /* RECORD */
  lfh_avro_field *fields;
  size_t n_fields;
  /* ARRAY: items; MAP: values */
  lfh_avro_schema *items;
  int32_t element_id;     /* ARRAY: Iceberg element-id */
  int32_t key_id, value_id; /* MAP (and "map" logical arrays): Iceberg key-id / value-id */
  /* UNION */
  lfh_avro_schema **branches;
  size_t n_branches;
  /* ENUM */
  char **symbols;
  size_t n_symbols;
};

/* Parses a schema's JSON (named-type references resolved; a record may be referenced by
 * name after its definition). NULL with `err` on a malformed or unsupported schema. */
lfh_avro_schema *lfh_avro_schema_parse(const char *json, size_t len, lf_error *err);
void lfh_avro_schema_free(lfh_avro_schema *s);
/* Canonical-enough JSON with every Iceberg attribute kept, appended to `out`. */
int lfh_avro_schema_to_json(const lfh_avro_schema *s, lfh_buf *out);
/* The record field named `name`, or NULL. */
const lfh_avro_field *lfh_avro_field_by_name(const lfh_avro_schema *rec, const char *name);
/* For ["null", T] or [T, "null"]: T and the index of the null branch; NULL otherwise. */
const lfh_avro_schema *lfh_avro_nullable(const lfh_avro_schema *s, int *null_index);

/* ------------------------------------------------------------ binary primitives */

/* Zig-zag varint of a long: at most 10 bytes at p. Returns the number written. */
static inline size_t lfh_avro_put_long(uint8_t *p, int64_t v) {
  uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  size_t n = 0;
  while (z >= 0x80) {
    p[n++] = (uint8_t)(z | 0x80);
    z >>= 7;
  }
  p[n++] = (uint8_t)z;
  return n;
}

/* Reads a zig-zag varint; 0, or -1 when it is truncated or longer than 10 bytes. *out is
 * 0 on failure: always written, so callers' error paths never read an indeterminate value
 * (and optimisers can see that). */
static inline int lfh_avro_get_long(const uint8_t **p, const uint8_t *end, int64_t *out) {
  uint64_t z = 0;
  unsigned shift = 0;
  const uint8_t *q = *p;
  *out = 0;
  for (;;) {
    if (q >= end || shift > 63) return -1;
    uint8_t b = *q++;
    z |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  *p = q;
  *out = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
  return 0;
}

/* Little-endian IEEE 754, as Avro specifies. */
static inline size_t lfh_avro_put_double(uint8_t *p, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(u >> (8 * i));
  return 8;
}
static inline size_t lfh_avro_put_float(uint8_t *p, float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(u >> (8 * i));
  return 4;
}

/* ------------------------------------------------------------ container files */

typedef enum lfh_avro_codec {
  LFH_AVRO_CODEC_NULL = 0,
  LFH_AVRO_CODEC_DEFLATE = 1, /* raw deflate (RFC 1951), as the Avro spec says */
  LFH_AVRO_CODEC_SNAPPY = 2   /* snappy + 4-byte big-endian CRC32 of the uncompressed data */
} lfh_avro_codec;

/* "null", "deflate", "snappy"; lfh_avro_codec_parse returns -1 for anything else
 * (including "uncompressed", which callers map to NULL themselves where they accept it). */
const char *lfh_avro_codec_name(lfh_avro_codec c);
int lfh_avro_codec_parse(const char *name, lfh_avro_codec *out);

/* One block codec: a writer owns one; a caller compressing blocks of a file on several
 * threads gives each thread its own (deflate keeps stream state). */
typedef struct lfh_avro_compressor lfh_avro_compressor;
lfh_avro_compressor *lfh_avro_compressor_new(lfh_avro_codec codec, int deflate_level,
                                             lf_error *err);
void lfh_avro_compressor_free(lfh_avro_compressor *c);

typedef struct lfh_avro_piece {
  const void *data;
  size_t len;
} lfh_avro_piece;

/* A block's payload as the file holds it: `data` itself with the null codec, else its
 * compressed form in `scratch` (replaced; the caller owns it; snappy's CRC included).
 * `payload` borrows from `data` or `scratch`. */
int lfh_avro_compress(lfh_avro_compressor *c, const void *data, size_t len, lfh_buf *scratch,
                      lfh_avro_piece *payload, lf_error *err);

typedef struct lfh_avro_writer lfh_avro_writer;

/* Starts a container file in `out` (appended; the caller owns `out`): magic, the metadata
 * map — avro.schema = `schema_json`, avro.codec, then `meta` as NULL-terminated
 * key, value pairs in order (Iceberg's "schema", "partition-spec", ...) — and a random
 * sync marker. */
lfh_avro_writer *lfh_avro_writer_new(lfh_buf *out, const char *schema_json,
                                     lfh_avro_codec codec, const char *const *meta,
                                     int deflate_level, lf_error *err);
/* Appends one block of `count` records, already encoded in Avro binary. */
int lfh_avro_writer_block(lfh_avro_writer *w, const void *data, size_t len, int64_t count,
                          lf_error *err);
/* The same block as three pieces, for a caller that streams the file (the header stays
 * in `out`; blocks go wherever the caller writes them): the block header (record count
 * and payload size), the payload (`data` itself with the null codec, else the writer's
 * compressed copy) and the sync marker. Borrowed; valid until the next call on the
 * writer. A block of 0 records gives three empty pieces. */
int lfh_avro_writer_block_parts(lfh_avro_writer *w, const void *data, size_t len, int64_t count,
                                lfh_avro_piece parts[3], lf_error *err);
/* The same for a payload compressed beforehand by lfh_avro_compress with the writer's codec
 * (blocks compressed on other threads); `payload` is borrowed into parts[1]. */
int lfh_avro_writer_payload_parts(lfh_avro_writer *w, lfh_avro_piece payload, int64_t count,
                                  lfh_avro_piece parts[3], lf_error *err);
void lfh_avro_writer_free(lfh_avro_writer *w);

typedef struct lfh_avro_reader lfh_avro_reader;

/* Opens a container file held in memory (`data` is borrowed and must outlive the reader;
 * `name` names it in errors). Validates the magic, metadata map, schema and codec. */
lfh_avro_reader *lfh_avro_reader_open(const void *data, size_t len, const char *name,
                                      lf_error *err);
void lfh_avro_reader_free(lfh_avro_reader *r);
/* A header metadata value (not NUL-terminated; `len` set), or NULL if absent. */
const char *lfh_avro_reader_meta(const lfh_avro_reader *r, const char *key, size_t *len);
const lfh_avro_schema *lfh_avro_reader_schema(const lfh_avro_reader *r);
lfh_avro_codec lfh_avro_reader_codec(const lfh_avro_reader *r);
/* The next block, decompressed into a reader-owned buffer valid until the next call.
 * Returns 1 with a block, 0 at the end, or a negative code (corrupt block, bad sync
 * marker, CRC mismatch, truncated file) with a message naming the file and offset. */
int lfh_avro_reader_next(lfh_avro_reader *r, const uint8_t **data, size_t *len,
                         int64_t *count, lf_error *err);
/* Additions (lfh_avro owner): the name given to lfh_avro_reader_open; the byte offset of
 * the block lfh_avro_reader_next returned last, for callers' own error messages; and the
 * limit on a decompressed block (default 256 MiB; fuzzers lower it). */
const char *lfh_avro_reader_name(const lfh_avro_reader *r);
size_t lfh_avro_reader_block_offset(const lfh_avro_reader *r);
void lfh_avro_reader_set_max_block(lfh_avro_reader *r, size_t bytes);

/* ------------------------------------------------------------ generic values */

/* A decoded datum. Strings and bytes point into the arena; records, arrays and maps hold
 * their children in arena-owned arrays. */
typedef struct lfh_avro_value lfh_avro_value;
struct lfh_avro_value {
  const lfh_avro_schema *schema; /* the branch taken, for unions */
  union {
    int b;
    int64_t l; /* INT and LONG (and ENUM index) */
    double d;  /* FLOAT and DOUBLE */
    struct {
      const uint8_t *p;
      size_t n;
    } bytes;   /* STRING, BYTES, FIXED */
    struct {
      lfh_avro_value *items; /* RECORD: one per field; ARRAY: items; MAP: values */
      const char **keys;     /* MAP: keys (NUL-terminated) */
      size_t n;
    } c;
  } u;
};

typedef struct lfh_avro_arena lfh_avro_arena;
lfh_avro_arena *lfh_avro_arena_new(void);
void lfh_avro_arena_free(lfh_avro_arena *a);
/* Additions: frees every value decoded so far but keeps the memory for reuse (decode a
 * record, use it, reset); and a cap on the bytes an arena may hold (default 1 GiB), which
 * bounds what hostile counts can make the decoder allocate — LF_ERR_DATA beyond it. */
void lfh_avro_arena_reset(lfh_avro_arena *a);
void lfh_avro_arena_set_limit(lfh_avro_arena *a, size_t bytes);

/* Decodes one datum of `schema` from [*p, end), advancing *p. Bounded: refuses lengths
 * beyond the block and nesting deeper than 64. */
int lfh_avro_decode(const lfh_avro_schema *schema, const uint8_t **p, const uint8_t *end,
                    lfh_avro_arena *a, lfh_avro_value *out, lf_error *err);
/* The record field `name` of a decoded record (unions unwrapped), or NULL when `rec` is
 * not a record or has no such field. A null value is returned as a value whose
 * schema->type is LFH_AVRO_NULL, so "absent field" and "null" stay distinguishable. */
const lfh_avro_value *lfh_avro_get(const lfh_avro_value *rec, const char *name);

#endif
