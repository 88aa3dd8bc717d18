/*
 * lfh_avro_reader — Avro object container files held in memory, read and validated.
 *
 * Every length, count and offset comes from the file and is checked against the bytes
 * that are really there before use: manifests and data files may be truncated by a
 * crash or corrupted on disk, and a reader of a table must say which file and where,
 * not crash. Decompressed blocks are bounded (max_block) so that a small hostile block
 * cannot claim gigabytes.
 */
#include <limits.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "avro/lfh_avro_internal.h"
#include "lf/lf_array.h"
#include "util/lfh_mem.h"
#include <stdio.h>

#define DEFAULT_MAX_BLOCK ((size_t)256 << 20)
/* Records of a schema that can encode in zero bytes (null, empty records) cannot be
 * bounded by the block size; a block of more than this many is refused. */
#define MAX_EMPTY_RECORDS ((int64_t)1 << 20)

typedef struct meta_kv {
  const uint8_t *key, *val;
  size_t klen, vlen;
} meta_kv;

struct lfh_avro_reader {
  const uint8_t *data;
  size_t len, pos;   /* pos: the next block */
  size_t block_off;  /* the block last returned, for callers' error messages */
  char *name;
  meta_kv *meta;
  size_t n_meta, cap_meta;
  lfh_avro_schema *schema;
  size_t min_record;
  lfh_avro_codec codec;
  uint8_t sync[16];
  z_stream z;
  int z_ready;
  lfh_buf buf;       /* decompressed block, reused */
  size_t max_block;
  int failed;        /* a corrupt block stops the reader: later blocks are not trusted */
};

static size_t off(const lfh_avro_reader *r, const uint8_t *p) { return (size_t)(p - r->data); }

static int corrupt(lfh_avro_reader *r, const uint8_t *p, const char *what, lf_error *err) {
  return lf_error_set(err, LF_ERR_DATA, "%s: %s at byte offset %zu", r->name, what, off(r, p));
}

static int rd_long(lfh_avro_reader *r, const uint8_t **p, int64_t *v, const char *what,
                   lf_error *err) {
  const uint8_t *at = *p;
  if (lfh_avro_get_long(p, r->data + r->len, v) == 0) return 0;
  char msg[128];
  snprintf(msg, sizeof msg, "truncated or overlong varint (%s)", what);
  return corrupt(r, at, msg, err);
}

/* A length-prefixed byte string that must lie within the file. */
static int rd_bytes(lfh_avro_reader *r, const uint8_t **p, const uint8_t **s, size_t *n,
                    lf_error *err) {
  const uint8_t *at = *p;
  int64_t len;
  int rc = rd_long(r, p, &len, "metadata length", err);
  if (rc) return rc;
  if (len < 0 || (uint64_t)len > (uint64_t)(r->data + r->len - *p))
    return corrupt(r, at, "metadata string length beyond the end of the file", err);
  *s = *p;
  *n = (size_t)len;
  *p += len;
  return 0;
}

/* ------------------------------------------------------------ header */

static const meta_kv *find_meta(const lfh_avro_reader *r, const uint8_t *key, size_t klen) {
  for (size_t i = 0; i < r->n_meta; i++)
    if (r->meta[i].klen == klen && memcmp(r->meta[i].key, key, klen) == 0) return &r->meta[i];
  return NULL;
}

static int rd_meta_entry(lfh_avro_reader *r, const uint8_t **p, lf_error *err) {
  meta_kv kv;
  const uint8_t *at = *p;
  int rc = rd_bytes(r, p, &kv.key, &kv.klen, err);
  if (!rc) rc = rd_bytes(r, p, &kv.val, &kv.vlen, err);
  if (rc) return rc;
  if (find_meta(r, kv.key, kv.klen)) return corrupt(r, at, "duplicate metadata key", err);
  if (lfh_grow(&r->meta, &r->cap_meta, r->n_meta + 1, sizeof *r->meta, 8) != 0)
    return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", r->name);
  r->meta[r->n_meta++] = kv;
  return 0;
}

/* The metadata map: blocks of entries up to a zero count; a negative count is followed by
 * the block's byte size (which we do not need but must read past). */
static int rd_meta(lfh_avro_reader *r, const uint8_t **p, lf_error *err) {
  for (;;) {
    const uint8_t *at = *p;
    int64_t count, size;
    int rc = rd_long(r, p, &count, "metadata count", err);
    if (rc) return rc;
    if (count == 0) return 0;
    if (count < 0) {
      if (count == INT64_MIN) return corrupt(r, at, "invalid metadata count", err);
      count = -count;
      if ((rc = rd_long(r, p, &size, "metadata block size", err))) return rc;
    }
    /* every entry takes at least two bytes: the two lengths */
    if ((uint64_t)count > (uint64_t)(r->data + r->len - *p) / 2)
      return corrupt(r, at, "metadata count beyond the end of the file", err);
    for (int64_t i = 0; i < count; i++)
      if ((rc = rd_meta_entry(r, p, err))) return rc;
  }
}

static int setup_schema(lfh_avro_reader *r, lf_error *err) {
  size_t n;
  const char *js = lfh_avro_reader_meta(r, "avro.schema", &n);
  if (!js) return lf_error_set(err, LF_ERR_DATA, "%s: no avro.schema in the header", r->name);
  char msg[256];
  lf_error e2;
  lf_error_init(&e2, msg, sizeof msg);
  r->schema = lfh_avro_schema_parse(js, n, &e2);
  if (!r->schema) return lf_error_set(err, LF_ERR_DATA, "%s: header schema refused: %s", r->name, msg);
  r->min_record = lfh_avro_min_size(r->schema);
  return 0;
}

static int setup_codec(lfh_avro_reader *r, lf_error *err) {
  size_t n;
  const char *c = lfh_avro_reader_meta(r, "avro.codec", &n);
  r->codec = LFH_AVRO_CODEC_NULL; /* absent means null, per the specification */
  if (!c) return 0;
  for (int i = 0; i < 3; i++) {
    const char *name = lfh_avro_codec_name((lfh_avro_codec)i);
    if (strlen(name) == n && memcmp(name, c, n) == 0) {
      r->codec = (lfh_avro_codec)i;
      return 0;
    }
  }
  return lf_error_set(err, LF_ERR_UNSUPPORTED, "%s: unsupported codec \"%.*s\"", r->name,
                      n > 32 ? 32 : (int)n, c);
}

static int rd_header(lfh_avro_reader *r, lf_error *err) {
  const uint8_t *p = r->data;
  if (r->len < 4 || memcmp(p, "Obj\x01", 4) != 0)
    return lf_error_set(err, LF_ERR_DATA, "%s: not an Avro container file (bad magic)", r->name);
  p += 4;
  int rc = rd_meta(r, &p, err);
  if (rc) return rc;
  if ((size_t)(r->data + r->len - p) < 16)
    return corrupt(r, p, "truncated header (no sync marker)", err);
  memcpy(r->sync, p, 16);
  r->pos = off(r, p) + 16;
  if ((rc = setup_schema(r, err))) return rc;
  return setup_codec(r, err);
}

lfh_avro_reader *lfh_avro_reader_open(const void *data, size_t len, const char *name,
                                      lf_error *err) {
  lfh_avro_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->name = strdup(name ? name : "(avro)"))) {
    lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", name ? name : "(avro)");
    goto fail;
  }
  r->data = data;
  r->len = data ? len : 0;
  r->max_block = DEFAULT_MAX_BLOCK;
  if (rd_header(r, err) != 0) goto fail;
  return r;
fail:
  lfh_avro_reader_free(r);
  return NULL;
}

void lfh_avro_reader_free(lfh_avro_reader *r) {
  if (!r) return;
  if (r->z_ready) inflateEnd(&r->z);
  lfh_buf_free(&r->buf);
  lfh_avro_schema_free(r->schema);
  free(r->meta);
  free(r->name);
  free(r);
}

const char *lfh_avro_reader_meta(const lfh_avro_reader *r, const char *key, size_t *len) {
  const meta_kv *kv = find_meta(r, (const uint8_t *)key, strlen(key));
  if (!kv) return NULL;
  if (len) *len = kv->vlen;
  return (const char *)kv->val;
}

const lfh_avro_schema *lfh_avro_reader_schema(const lfh_avro_reader *r) { return r->schema; }
lfh_avro_codec lfh_avro_reader_codec(const lfh_avro_reader *r) { return r->codec; }
const char *lfh_avro_reader_name(const lfh_avro_reader *r) { return r->name; }
size_t lfh_avro_reader_block_offset(const lfh_avro_reader *r) { return r->block_off; }
void lfh_avro_reader_set_max_block(lfh_avro_reader *r, size_t bytes) { r->max_block = bytes; }

/* ------------------------------------------------------------ blocks */

/* Room for more inflated output, refusing to pass max_block. */
static int inflate_room(lfh_avro_reader *r, const uint8_t *at, lf_error *err) {
  if (r->buf.cap > r->buf.len) return 0;
  if (r->buf.len >= r->max_block)
    return corrupt(r, at, "decompressed block larger than the limit", err);
  size_t grow = r->buf.len ? r->buf.len : 65536;
  if (grow > r->max_block - r->buf.len) grow = r->max_block - r->buf.len;
  if (lfh_buf_reserve(&r->buf, grow) != 0)
    return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", r->name);
  return 0;
}

static int inflate_block(lfh_avro_reader *r, const uint8_t *in, size_t n, lf_error *err) {
  if (!r->z_ready) {
    if (inflateInit2(&r->z, -15) != Z_OK)
      return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", r->name);
    r->z_ready = 1;
  } else if (inflateReset(&r->z) != Z_OK) {
    return lf_error_set(err, LF_ERR_INTERNAL, "%s: inflateReset failed", r->name);
  }
  if (n > UINT_MAX) return corrupt(r, in, "deflate block too large", err);
  r->z.next_in = (Bytef *)(uintptr_t)in; /* zlib's API is not const-correct */
  r->z.avail_in = (uInt)n;
  for (;;) {
    int rc = inflate_room(r, in, err);
    if (rc) return rc;
    size_t room = r->buf.cap - r->buf.len;
    uInt chunk = room > UINT_MAX ? UINT_MAX : (uInt)room;
    r->z.next_out = r->buf.data + r->buf.len;
    r->z.avail_out = chunk;
    int zr = inflate(&r->z, Z_NO_FLUSH);
    r->buf.len += chunk - r->z.avail_out;
    if (r->buf.len > r->max_block) return corrupt(r, in, "decompressed block larger than the limit", err);
    if (zr == Z_STREAM_END) return 0;
    if (zr == Z_BUF_ERROR && r->z.avail_in == 0) return corrupt(r, in, "truncated deflate data", err);
    if (zr != Z_OK && zr != Z_BUF_ERROR) return corrupt(r, in, "corrupt deflate data", err);
  }
}

static int snappy_block(lfh_avro_reader *r, const uint8_t *in, size_t n, lf_error *err) {
  size_t ulen;
  if (n < 4) return corrupt(r, in, "snappy block shorter than its CRC", err);
  if (snappy_uncompressed_length((const char *)in, n - 4, &ulen) != SNAPPY_OK)
    return corrupt(r, in, "corrupt snappy data", err);
  if (ulen > r->max_block) return corrupt(r, in, "decompressed block larger than the limit", err);
  r->buf.len = 0;
  if (lfh_buf_reserve(&r->buf, ulen ? ulen : 1) != 0)
    return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", r->name);
  if (snappy_uncompress((const char *)in, n - 4, (char *)r->buf.data, &ulen) != SNAPPY_OK)
    return corrupt(r, in, "corrupt snappy data", err);
  r->buf.len = ulen;
  uint32_t crc = lfh_avro_crc32(r->buf.data, ulen);
  const uint8_t *c = in + n - 4;
  uint32_t want = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
  if (crc != want) return corrupt(r, c, "snappy CRC mismatch", err);
  return 0;
}

/* Block framing: count, size, payload within the file, then the header's sync marker. */
static int rd_frame(lfh_avro_reader *r, const uint8_t **payload, size_t *size, int64_t *count,
                    lf_error *err) {
  const uint8_t *p = r->data + r->pos, *end = r->data + r->len;
  int64_t n, sz;
  int rc = rd_long(r, &p, &n, "block record count", err);
  if (!rc) rc = rd_long(r, &p, &sz, "block size", err);
  if (rc) return rc;
  if (n < 0) return corrupt(r, r->data + r->pos, "negative block record count", err);
  if (sz < 0 || (uint64_t)sz > (uint64_t)(end - p))
    return corrupt(r, r->data + r->pos, "block size beyond the end of the file", err);
  if ((size_t)(end - p) - (size_t)sz < 16)
    return corrupt(r, p + sz, "truncated block (no sync marker)", err);
  if (memcmp(p + sz, r->sync, 16) != 0) return corrupt(r, p + sz, "sync marker mismatch", err);
  *payload = p;
  *size = (size_t)sz;
  *count = n;
  return 0;
}

/* Hostile counts: no more records than the bytes can hold. */
static int check_count(lfh_avro_reader *r, int64_t count, size_t len, lf_error *err) {
  int ok = r->min_record ? (uint64_t)count <= len / r->min_record : count <= MAX_EMPTY_RECORDS;
  if (ok) return 0;
  return corrupt(r, r->data + r->block_off, "block record count larger than its data can hold",
                 err);
}

static int next_block(lfh_avro_reader *r, const uint8_t **data, size_t *len, int64_t *count,
                      lf_error *err) {
  const uint8_t *payload = NULL; /* initialised for gcc -O2's flow analysis */
  size_t size = 0;
  int rc = rd_frame(r, &payload, &size, count, err);
  if (rc) return rc;
  r->block_off = r->pos;
  if (r->codec == LFH_AVRO_CODEC_NULL) {
    *data = payload;
    *len = size;
  } else {
    r->buf.len = 0;
    rc = r->codec == LFH_AVRO_CODEC_DEFLATE ? inflate_block(r, payload, size, err)
                                            : snappy_block(r, payload, size, err);
    if (rc) return rc;
    *data = r->buf.data;
    *len = r->buf.len;
  }
  if ((rc = check_count(r, *count, *len, err))) return rc;
  r->pos = off(r, payload) + size + 16;
  return 1;
}

int lfh_avro_reader_next(lfh_avro_reader *r, const uint8_t **data, size_t *len,
                         int64_t *count, lf_error *err) {
  if (r->failed) return lf_error_set(err, r->failed, "%s: reading after an error", r->name);
  if (r->pos == r->len) return 0;
  int rc = next_block(r, data, len, count, err);
  if (rc < 0) r->failed = rc;
  return rc;
}
