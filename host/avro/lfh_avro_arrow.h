/*
 * lfh_avro_arrow — Arrow batches to Avro binary records and back, for Iceberg data files
 * (DESIGN.md "Storage", issue 3 "Speed by design"). Avro C's generic value API costs about
 * 1 µs a record; these codecs are compiled once per (schema, schema) pair into flat plans:
 * the encoder runs its op list a row at a time, the decoder a column at a time.
 *
 * Type mapping (Arrow format ↔ Avro), nullable Arrow fields ↔ ["null", T] in either order:
 *   "i" int32 ↔ int              "l" int64 ↔ long          "g" ↔ double    "f" ↔ float
 *   "b" ↔ boolean                "u" utf8 ↔ string         "z" binary ↔ bytes
 *   "tsu:UTC" ↔ long/timestamp-micros (adjust-to-utc true or absent)
 *   "tsu:"    ↔ long/timestamp-micros with adjust-to-utc false (Iceberg `timestamp`)
 *   "tdD" date32 ↔ int/date       "+s" struct ↔ record (fields matched by name)
 *   "+l" list ↔ array             "+m" map<utf8, V> ↔ map
 *   "+m" map<K, V> ↔ array of records {key, value} with logicalType "map" (Iceberg's form
 *       for non-string keys; any key type is accepted this way)
 * Decimal, uuid, fixed, enum and unions other than null+T are refused (LF_ERR_UNSUPPORTED)
 * when they must be converted; the decoder still skips them when they are not projected.
 *
 * Errors: negative lf_status codes with a one-line message in `err` naming the column
 * (dotted path) and, for data errors, the row.
 */
#ifndef LFH_AVRO_ARROW_H
#define LFH_AVRO_ARROW_H

#include <stddef.h>
#include <stdint.h>

#include "avro/lfh_avro.h"
#include "lf/lf_arrow.h"
#include "lf/lf_plugin.h"
#include "store/lfh_store.h"

/* ------------------------------------------------------------ encoder */

typedef struct lfh_avro_arrow_encoder lfh_avro_arrow_encoder;

/* Compiles an encoder for batches of `arrow` (a "+s" struct schema, borrowed for the call
 * only) into records of `record` (an Avro RECORD, borrowed for the call only: the encoder
 * keeps no pointer into either). Every Avro field needs an Arrow column of the same name
 * and a matching type, except a nullable Avro field, which is written as null when the
 * batch lacks it; every Arrow column needs an Avro field. A nullable Arrow column may feed
 * a non-nullable Avro field: a null met while encoding is then an error (LF_ERR_DATA).
 * Returns NULL with `err` (LF_ERR_SCHEMA on a mismatch) on failure. Owned by the caller. */
lfh_avro_arrow_encoder *lfh_avro_arrow_encoder_new(const lfh_avro_schema *record,
                                                   const struct ArrowSchema *arrow,
                                                   lf_error *err);
void lfh_avro_arrow_encoder_free(lfh_avro_arrow_encoder *e);
/* A second encoder with the same compiled plan and its own scratch, for another thread. */
lfh_avro_arrow_encoder *lfh_avro_arrow_encoder_clone(const lfh_avro_arrow_encoder *e,
                                                     lf_error *err);

/* Appends rows [first, first + count) of `batch` (a struct array of the compiled schema,
 * borrowed; its offset, slicing and validity bitmaps are respected) to `out` as Avro
 * binary records, one after the other — the body of one container block. The batch is
 * validated first (buffers, lengths, monotonic offsets; LF_ERR_DATA when malformed), and
 * `out` grows once, by a bound of the encoded size. On failure nothing is appended
 * (out->len unchanged). Not thread-safe per encoder (it keeps scratch space). */
int lfh_avro_arrow_encode(lfh_avro_arrow_encoder *e, const struct ArrowArray *batch,
                          int64_t first, int64_t count, lfh_buf *out, lf_error *err);

/* ------------------------------------------------------------ decoder */

typedef struct lfh_avro_arrow_decoder lfh_avro_arrow_decoder;

/* Compiles a decoder for records of the writer's schema `writer` (a RECORD, borrowed: it
 * must outlive the decoder, which skips unprojected fields by walking it). `projection`
 * lists top-level field names, in the order the output columns take; NULL (n_projection
 * 0) means every field in the writer's order. An unknown name is LF_ERR_NOT_FOUND; a
 * projected field of an unsupported type LF_ERR_UNSUPPORTED. Owned by the caller. */
lfh_avro_arrow_decoder *lfh_avro_arrow_decoder_new(const lfh_avro_schema *writer,
                                                   const char *const *projection,
                                                   size_t n_projection, lf_error *err);
void lfh_avro_arrow_decoder_free(lfh_avro_arrow_decoder *d);

/* The output schema ("+s", one child per projected field) as a new copy in *out
 * (caller-owned storage, overwritten; the caller releases it). */
int lfh_avro_arrow_decoder_schema(const lfh_avro_arrow_decoder *d, struct ArrowSchema *out,
                                  lf_error *err);

/* Decodes `count` records that must fill [data, data + len) exactly (one container block,
 * decompressed; borrowed) and appends them to the batch being built. Every length and
 * count is checked against the block end: hostile input is LF_ERR_DATA, never a read out
 * of bounds. On failure the whole batch being built is discarded (earlier blocks too). */
int lfh_avro_arrow_decode_block(lfh_avro_arrow_decoder *d, const uint8_t *data, size_t len,
                                int64_t count, lf_error *err);

/* Rows in the batch being built. */
int64_t lfh_avro_arrow_decoder_rows(const lfh_avro_arrow_decoder *d);

/* Moves the batch built so far (possibly 0 rows) into *out (caller-owned storage,
 * overwritten; the caller releases it) and starts a new one. */
int lfh_avro_arrow_decoder_finish(lfh_avro_arrow_decoder *d, struct ArrowArray *out,
                                  lf_error *err);

#endif
