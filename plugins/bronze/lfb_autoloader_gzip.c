/* lfb_autoloader_gzip — gzip-compressed landing files (`*.json.gz`, as Auto Loader reads
 * them by extension). Decompressed whole before decoding, concatenated gzip members
 * included. A damaged or truncated stream never stops the flow: what inflated is kept and
 * a line naming the damage follows it, which the decoder turns into a corrupt record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lfb_autoloader.h"

int lfb_is_gzip_name(const char *key) {
  size_t n = strlen(key);
  return n > 3 && strcmp(key + n - 3, ".gz") == 0;
}

static int grow(char **buf, size_t *cap, size_t need) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 1 << 16;
  while (c < need) c *= 2;
  char *p = realloc(*buf, c);
  if (!p) return -1;
  *buf = p;
  *cap = c;
  return 0;
}

/* Appends "\n<gzip: WHY in KEY>\n" so the damage shows as one corrupt record. */
static int note_damage(char **buf, size_t *len, size_t *cap, const char *why, const char *key) {
  size_t n = strlen(why) + strlen(key) + 16;
  if (grow(buf, cap, *len + n) != 0) return -1;
  *len += (size_t)snprintf(*buf + *len, n, "\n<gzip: %s in %s>\n", why, key);
  return 0;
}

int lfb_gunzip(const char *in, size_t n, const char *key, size_t max_bytes, char **out,
               size_t *out_len, lf_error *err) {
  z_stream z;
  memset(&z, 0, sizeof z);
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int zrc = inflateInit2(&z, 16 + MAX_WBITS); /* gzip header and trailer */
  if (zrc != Z_OK) return lf_error_set(err, LF_ERR_NOMEM, "autoloader: zlib: cannot start inflate");
  z.next_in = (Bytef *)(uintptr_t)in;
  size_t left = n;
  const char *damage = NULL;
  while (!damage) {
    if (grow(&buf, &cap, len + (1 << 16)) != 0) goto nomem;
    uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
    z.avail_in = chunk;
    z.next_out = (Bytef *)buf + len;
    z.avail_out = (uInt)(cap - len);
    zrc = inflate(&z, Z_NO_FLUSH);
    len = cap - z.avail_out;
    left -= chunk - z.avail_in;
    if (len > max_bytes) damage = "larger than max_decompressed_bytes when decompressed";
    else if (zrc == Z_STREAM_END && left == 0) break;
    else if (zrc == Z_STREAM_END) inflateReset(&z); /* another gzip member follows */
    else if (zrc == Z_BUF_ERROR && left == 0) damage = "truncated stream";
    else if (zrc != Z_OK && zrc != Z_BUF_ERROR) damage = z.msg ? z.msg : "corrupt stream";
  }
  inflateEnd(&z);
  if (damage && note_damage(&buf, &len, &cap, damage, key) != 0) goto nomem2;
  *out = buf;
  *out_len = len;
  return LF_OK;
nomem:
  inflateEnd(&z);
nomem2:
  free(buf);
  return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory decompressing %s", key);
}
