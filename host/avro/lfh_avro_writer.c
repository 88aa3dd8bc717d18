/*
 * lfh_avro_writer — Avro object container files, written (Avro specification, "Object
 * Container Files").
 *
 * The header is ours rather than Avro C's because Iceberg needs the schema JSON with its
 * field-ids and its own metadata keys. Blocks are compressed into one scratch buffer
 * that lives as long as the writer, so a file of many blocks allocates once.
 */
#include <limits.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zlib.h>

#include "avro/lfh_avro_internal.h"
#include "lf/lf_array.h"

struct lfh_avro_writer {
  lfh_buf *out;
  lfh_avro_codec codec;
  uint8_t sync[16];
  z_stream z;
  int z_ready;
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
  if (codec == LFH_AVRO_CODEC_DEFLATE) {
    /* windowBits -15: raw deflate without zlib header or checksum, as Avro specifies */
    if (deflateInit2(&w->z, deflate_level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      goto nomem;
    w->z_ready = 1;
  }
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
  if (w->z_ready) deflateEnd(&w->z);
  lfh_buf_free(&w->scratch);
  free(w);
}

/* ------------------------------------------------------------ blocks */

uint32_t lfh_avro_crc32(const uint8_t *p, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t off = 0; off < n;) {
    uInt step = n - off > UINT_MAX ? UINT_MAX : (uInt)(n - off);
    crc = crc32(crc, p + off, step);
    off += step;
  }
  return (uint32_t)crc;
}

static int deflate_block(lfh_avro_writer *w, const void *data, size_t len, lf_error *err) {
  if (len > UINT_MAX || deflateReset(&w->z) != Z_OK)
    return lf_error_set(err, LF_ERR_INVALID, "avro writer: block of %zu bytes too large", len);
  uLong bound = deflateBound(&w->z, (uLong)len);
  w->scratch.len = 0;
  if (bound > UINT_MAX || lfh_buf_reserve(&w->scratch, bound) != 0)
    return lf_error_set(err, LF_ERR_NOMEM, "avro writer: out of memory");
  w->z.next_in = (Bytef *)(uintptr_t)data; /* zlib's API is not const-correct */
  w->z.avail_in = (uInt)len;
  w->z.next_out = w->scratch.data;
  w->z.avail_out = (uInt)bound;
  if (deflate(&w->z, Z_FINISH) != Z_STREAM_END)
    return lf_error_set(err, LF_ERR_INTERNAL, "avro writer: deflate failed: %s",
                        w->z.msg ? w->z.msg : "output bound exceeded");
  w->scratch.len = bound - w->z.avail_out;
  return 0;
}

static int snappy_block(lfh_avro_writer *w, const void *data, size_t len, lf_error *err) {
  size_t n = snappy_max_compressed_length(len);
  w->scratch.len = 0;
  if (n > SIZE_MAX - 4 || lfh_buf_reserve(&w->scratch, n + 4) != 0)
    return lf_error_set(err, LF_ERR_NOMEM, "avro writer: out of memory");
  if (snappy_compress(data, len, (char *)w->scratch.data, &n) != SNAPPY_OK)
    return lf_error_set(err, LF_ERR_INTERNAL, "avro writer: snappy compression failed");
  /* Avro appends the CRC-32 of the uncompressed data, big-endian */
  uint32_t crc = lfh_avro_crc32(data, len);
  for (int i = 0; i < 4; i++) w->scratch.data[n + (size_t)i] = (uint8_t)(crc >> (24 - 8 * i));
  w->scratch.len = n + 4;
  return 0;
}

int lfh_avro_writer_block_parts(lfh_avro_writer *w, const void *data, size_t len, int64_t count,
                                lfh_avro_piece parts[3], lf_error *err) {
  memset(parts, 0, 3 * sizeof(*parts));
  if (count < 0) return lf_error_set(err, LF_ERR_INVALID, "avro writer: negative record count");
  if (count == 0) return 0; /* a block of no records says nothing: skip it */
  const void *payload = data;
  size_t n = len;
  int rc = 0;
  if (w->codec == LFH_AVRO_CODEC_DEFLATE) rc = deflate_block(w, data, len, err);
  if (w->codec == LFH_AVRO_CODEC_SNAPPY) rc = snappy_block(w, data, len, err);
  if (rc) return rc;
  if (w->codec != LFH_AVRO_CODEC_NULL) {
    payload = w->scratch.data;
    n = w->scratch.len;
  }
  if (n > INT64_MAX)
    return lf_error_set(err, LF_ERR_INVALID, "avro writer: block of %zu bytes too large", n);
  size_t h = lfh_avro_put_long(w->head, count);
  h += lfh_avro_put_long(w->head + h, (int64_t)n);
  parts[0] = (lfh_avro_piece){w->head, h};
  parts[1] = (lfh_avro_piece){payload, n};
  parts[2] = (lfh_avro_piece){w->sync, 16};
  return 0;
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
