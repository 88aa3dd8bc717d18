/*
 * lfh_azure_sign — the pieces of an Azure Storage request that are pure computation:
 * Shared Key signing (the "Authorize with Shared Key" rules for the Blob service,
 * versions 2015-02-21 and later), percent-encoding of paths and query values, base64,
 * and HTTP dates. No I/O, so all of it is unit-tested without a server.
 */
#ifndef LFH_AZURE_SIGN_H
#define LFH_AZURE_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "store/lfh_http.h"
#include "store/lfh_store.h"

/* What the signature covers. Headers are taken from `headers` by name (any case): the
 * standard ones (Content-Type, If-None-Match, Range, ...) and every x-ms-* header. */
typedef struct lfh_azure_sign_in {
  const char *method;              /* "GET", "PUT", ... */
  const lfh_http_header *headers;  /* what will be sent (Authorization excluded) */
  size_t n_headers;
  uint64_t content_length;         /* body bytes; 0 signs as "" (2015-02-21 rule) */
  const char *account;             /* storage account name */
  const char *path;                /* URL path as sent (percent-encoded), starting '/' */
  const char *query;               /* URL query as sent, without '?'; NULL or "" for none */
} lfh_azure_sign_in;

/* The string to sign, NUL-terminated, appended to `out`. 0 or LF_ERR_NOMEM. */
int lfh_azure_string_to_sign(const lfh_azure_sign_in *in, lfh_buf *out);

/* "SharedKey account:base64(HMAC-SHA256(key, string_to_sign))" into `out`. 0, or
 * LF_ERR_NOMEM / LF_ERR_INVALID (output too small, HMAC failure). */
int lfh_azure_shared_key(const lfh_azure_sign_in *in, const uint8_t *key, size_t key_len,
                         char *out, size_t cap);

/* Appends `s` (n bytes) percent-encoded: RFC 3986 unreserved bytes stay, '/' stays when
 * `keep_slash`, everything else becomes %XX. 0 or LF_ERR_NOMEM. No NUL is added. */
int lfh_azure_pct_encode(lfh_buf *out, const char *s, size_t n, int keep_slash);
/* Decodes %XX in place (invalid escapes stay as they are); returns the new length. */
size_t lfh_azure_pct_decode(char *s, size_t n);

/* Standard base64 of `n` bytes into `out` (needs 4 * ((n + 2) / 3) + 1 bytes). Returns
 * the length written (NUL excluded), or -1 when `cap` is too small. */
long lfh_azure_base64(const void *data, size_t n, char *out, size_t cap);

/* RFC 1123 date ("Sun, 06 Nov 1994 08:49:37 GMT") of `t` (UTC) into out[30]. */
void lfh_azure_http_date(int64_t t, char out[30]);
/* Parses an RFC 1123 date into microseconds since the epoch; 0 or LF_ERR_INVALID. */
int lfh_azure_parse_http_date(const char *s, int64_t *us);

#endif
