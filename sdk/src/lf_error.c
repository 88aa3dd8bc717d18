/* lf_error.c — the error convention: a code plus a caller-owned message buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "lf_sdk_internal.h"

int lf_error_set(lf_error *err, int code, const char *fmt, ...) {
  if (!err) return code;
  err->code = code;
  if (!err->message || err->message_cap == 0) return code;
  err->message[0] = '\0';
  if (!fmt) return code;
  va_list ap;
  va_start(ap, fmt);
  /* vsnprintf truncates and always NUL-terminates within message_cap. */
  (void)vsnprintf(err->message, err->message_cap, fmt, ap);
  va_end(ap);
  return code;
}

void lf_error_init(lf_error *err, char *buf, size_t cap) {
  if (!err) return;
  err->struct_size = (uint32_t)sizeof(*err);
  err->code = LF_OK;
  err->message = buf;
  err->message_cap = buf ? cap : 0;
  if (buf && cap > 0) buf[0] = '\0';
}
