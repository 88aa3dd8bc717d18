/*
 * lfh_avro_writer — Avro object container files, written (Avro specification, "Object
 * Container Files").
 *
 * The header is ours rather than Avro C's because Iceberg needs the schema JSON with its
 * field-ids and its own metadata keys. Blocks are compressed into one scratch buffer
 * that lives as long as the writer, so a file of many blocks allocates once; the codecs
 * themselves are lfh_avro_compress.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "avro/lfh_avro_internal.h"
#include "lf/lf_array.h"
#include "util/lfh_crc32.h"

struct lfh_avro_writer {
  lfh_buf *out;
  lfh_avro_codec codec;
  uint8_t sync[16];
  lfh_avro_compressor *comp; /* owned */
  lfh_buf scratch; /* the compressed payload of the block being written */
  uint8_t head[20]; /* the block header of lfh_avro_writer_block_parts: two longs */
};

static const char *const k_codecs[] = {"null", "deflate", "snappy"};

const char *lfh_avro_codec_name(lfh_avro_codec c) {
  return (unsigned)c < 3 ? k_codecs[c] : NULL;
}

int lfh_avro_codec_parse(const char *name, lfh_avro_codec *out) {
  for (int i = 0; i < 3; i++)
    if (name && strcmp(name, k_codecs[i]) == 0) {
      *out = (lfh_avro_codec)i;
      return 0;
    }
  return -1;
}

/* ------------------------------------------------------------ encoding into lfh_buf */

static int put_long(lfh_buf *b, int64_t v) {
  uint8_t tmp[10];
  return lfh_buf_append(b, tmp, lfh_avro_put_long(tmp, v));
}

static int put_bytes(lfh_buf *b, const void *p, size_t n) {
  if (n > INT64_MAX || put_long(b, (int64_t)n) != 0) return LF_ERR_NOMEM;
  return lfh_buf_append(b, p, n);
}

static int put_str(lfh_buf *b, const char *s) { return put_bytes(b, s, strlen(s)); }

/* ------------------------------------------------------------ header */

static int fill_sync(uint8_t sync[16]) {
  size_t got = 0;
  while (got < 16) {
    ssize_t n = getrandom(sync + got, 16 - got, 0);
    if (n < 0) return -1; /* EINTR included: rare enough to fail the file */
    got += (size_t)n;
  }
  return 0;
}

/* The caller's keys: pairs up to a NULL key; "avro.*" is reserved by the specification
 * and written by us. */
static int count_meta(const char *const *meta, size_t *n, lf_error *err) {
  *n = 0;
  for (size_t i = 0; meta && meta[i]; i += 2) {
    if (!meta[i + 1])
      return lf_error_set(err, LF_ERR_INVALID, "avro writer: metadata key %s has no value",
                          meta[i]);
    if (strncmp(meta[i], "avro.", 5) == 0)
      return lf_error_set(err, LF_ERR_INVALID, "avro writer: metadata key %s is reserved",
                          meta[i]);
    (*n)++;
  }
  return 0;
}

static int write_header(lfh_avro_writer *w, const char *schema_json, const char *const *meta,
                        size_t n_meta) {
  lfh_buf *b = w->out;
  int rc = lfh_buf_append(b, "Obj\x01", 4);
  if (!rc) rc = put_long(b, (int64_t)(2 + n_meta));
  if (!rc) rc = put_str(b, "avro.schema");
  if (!rc) rc = put_str(b, schema_json);
  if (!rc) rc = put_str(b, "avro.codec");
  if (!rc) rc = put_str(b, lfh_avro_codec_name(w->codec));
  for (size_t i = 0; !rc && i < 2 * n_meta; i++) rc = put_str(b, meta[i]);
  if (!rc) rc = put_long(b, 0); /* end of the map */
  if (!rc) rc = lfh_buf_append(b, w->sync, 16);
  return rc;
}

static int check_args(const char *schema_json, lfh_avro_codec codec, int level, lf_error *err) {
  if (!lfh_avro_codec_name(codec))
    return lf_error_set(err, LF_ERR_INVALID, "avro writer: unknown codec %d", (int)codec);
  if (codec == LFH_AVRO_CODEC_DEFLATE && (level < -1 || level > 9))
    return lf_error_set(err, LF_ERR_INVALID, "avro writer: deflate level %d not in -1..9", level);
  /* Parsed once here so that no file ever carries a schema readers would refuse. */
  lfh_avro_schema *s = schema_json ? lfh_avro_schema_parse(schema_json, strlen(schema_json), err)
                                   : NULL;
  if (!s) return schema_json ? LF_ERR_SCHEMA : lf_error_set(err, LF_ERR_INVALID, "avro writer: no schema");
  lfh_avro_schema_free(s);
  return 0;
}

lfh_avro_writer *lfh_avro_writer_new(lfh_buf *out, const char *schema_json,
                                     lfh_avro_codec codec, const char *const *meta,
                                     int deflate_level, lf_error *err) {
  size_t n_meta, start = out->len;
  if (check_args(schema_json, codec, deflate_level, err) != 0) return NULL;
  if (count_meta(meta, &n_meta, err) != 0) return NULL;
  lfh_avro_writer *w = calloc(1, sizeof *w);
  if (!w) goto nomem;
  w->out = out;
  w->codec = codec;
  if (fill_sync(w->sync) != 0) {
    lf_error_set(err, LF_ERR_IO, "avro writer: getrandom failed for the sync marker");
    goto fail;
  }
  if (!(w->comp = lfh_avro_compressor_new(codec, deflate_level, err))) goto fail;
  if (write_header(w, schema_json, meta, n_meta) != 0) goto nomem;
  return w;
nomem:
  lf_error_set(err, LF_ERR_NOMEM, "avro writer: out of memory");
fail:
  out->len = start; /* no half-written header left behind */
  lfh_avro_writer_free(w);
  return NULL;
}

void lfh_avro_writer_free(lfh_avro_writer *w) {
  if (!w) return;
  lfh_avro_compressor_free(w->comp);
  lfh_buf_free(&w->scratch);
  free(w);
}

/* ------------------------------------------------------------ blocks */

uint32_t lfh_avro_crc32(const uint8_t *p, size_t n) { return lfh_crc32(0, p, n); }

int lfh_avro_writer_payload_parts(lfh_avro_writer *w, lfh_avro_piece payload, int64_t count,
                                  lfh_avro_piece parts[3], lf_error *err) {
  memset(parts, 0, 3 * sizeof(*parts));
  if (count < 0) return lf_error_set(err, LF_ERR_INVALID, "avro writer: negative record count");
  if (count == 0) return 0; /* a block of no records says nothing: skip it */
  if (payload.len > INT64_MAX)
    return lf_error_set(err, LF_ERR_INVALID, "avro writer: block of %zu bytes too large",
                        payload.len);
  size_t h = lfh_avro_put_long(w->head, count);
  h += lfh_avro_put_long(w->head + h, (int64_t)payload.len);
  parts[0] = (lfh_avro_piece){w->head, h};
  parts[1] = payload;
  parts[2] = (lfh_avro_piece){w->sync, 16};
  return 0;
}

int lfh_avro_writer_block_parts(lfh_avro_writer *w, const void *data, size_t len, int64_t count,
                                lfh_avro_piece parts[3], lf_error *err) {
  lfh_avro_piece payload = {data, len};
  if (count <= 0) return lfh_avro_writer_payload_parts(w, payload, count, parts, err);
  int rc = lfh_avro_compress(w->comp, data, len, &w->scratch, &payload, err);
  return rc ? rc : lfh_avro_writer_payload_parts(w, payload, count, parts, err);
}

int lfh_avro_writer_block(lfh_avro_writer *w, const void *data, size_t len, int64_t count,
                          lf_error *err) {
  lfh_avro_piece parts[3];
  int rc = lfh_avro_writer_block_parts(w, data, len, count, parts, err);
  if (rc) return rc;
  size_t start = w->out->len;
  for (int i = 0; i < 3 && !rc; i++) rc = lfh_buf_append(w->out, parts[i].data, parts[i].len);
  if (rc) {
    w->out->len = start;
    return lf_error_set(err, LF_ERR_NOMEM, "avro writer: out of memory");
  }
  return 0;
}
