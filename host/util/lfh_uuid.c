#include "util/lfh_uuid.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

#include "lf/lf_array.h"

int lfh_uuid_v4(char out[37], lf_error *err) {
  uint8_t b[16];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t r = getrandom(b + got, sizeof b - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return lf_error_set(err, LF_ERR_IO, "getrandom failed making a UUID");
    got += (size_t)r;
  }
  b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
  b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  static const char hex[] = "0123456789abcdef";
  char *p = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = hex[b[i] >> 4];
    *p++ = hex[b[i] & 15];
  }
  *p = '\0';
  return LF_OK;
}
