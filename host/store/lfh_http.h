/*
 * lfh_http — one HTTP(S) request through libcurl, for the Azure Blob backend and the
 * managed identity credential. Small on purpose: a request, its response, and the retry
 * policy Azure documents (429 and 5xx with exponential backoff, Retry-After honoured).
 *
 * Secrets: header values given with `secret` set (Authorization, X-IDENTITY-HEADER, SAS
 * query parts) are never written into error messages or logs.
 */
#ifndef LFH_HTTP_H
#define LFH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_plugin.h"
#include "store/lfh_store.h"

typedef struct lfh_http_header {
  const char *name;  /* e.g. "x-ms-version" */
  const char *value;
  int secret;        /* 1: never print the value */
} lfh_http_header;

typedef struct lfh_http_request {
  const char *method;            /* "GET", "PUT", "HEAD", "DELETE" */
  const char *url;               /* absolute; may carry a SAS query (treated as secret) */
  const lfh_http_header *headers;
  size_t n_headers;
  const void *body;              /* PUT body (borrowed), NULL for none */
  size_t body_len;
  const char *ca_file;           /* extra CA bundle (tests: Azurite's certificate), or NULL */
  long timeout_ms;               /* whole request; 0: 60 s */
} lfh_http_request;

typedef struct lfh_http_response {
  long status;                   /* 0 when no response arrived (connection failed) */
  lfh_buf body;                  /* owned; lfh_http_response_free releases it */
  char *request_id;              /* x-ms-request-id, owned, may be NULL */
  char *etag, *last_modified;    /* owned, may be NULL */
  char *error_code;              /* x-ms-error-code, owned, may be NULL */
  int64_t content_length;        /* -1 when absent */
  int64_t retry_after_ms;        /* from Retry-After / x-ms-retry-after-ms; -1 when absent */
  int attempts;                  /* requests lfh_http_send_retry made (1 + retries) */
} lfh_http_response;

void lfh_http_response_free(lfh_http_response *r);

/* Sends `req` once. LF_OK when a response arrived (whatever its status: the caller
 * decides), LF_ERR_IO with a message naming the URL (query stripped) when none did. */
int lfh_http_send(const lfh_http_request *req, lfh_http_response *resp, lf_error *err);

/* Retry policy: which statuses retry, how many attempts, and the delays. Defaults (all
 * fields 0) are Azure's: statuses 408, 429, 500, 502, 503, 504 and connection failures;
 * 5 attempts; exponential backoff from 200 ms, capped at 10 s, with jitter; Retry-After
 * wins when present. `extra_status`/`extra_status2` add retried statuses (IMDS retries
 * 404 and 410). */
typedef struct lfh_http_retry {
  int max_attempts;
  long base_delay_ms, max_delay_ms;
  long extra_status;
  long extra_status2;
} lfh_http_retry;

/* Sends `req` until it gets a non-retried status or attempts run out; `resp` holds the
 * last response (and the number of attempts). A NULL `policy` is the defaults. When no
 * response ever arrived it returns LF_ERR_IO as lfh_http_send does. The request is rebuilt by `prepare` before every attempt when non-NULL
 * (signatures carry the date), else sent as is. */
typedef int (*lfh_http_prepare_fn)(void *ctx, lfh_http_request *req, lf_error *err);
int lfh_http_send_retry(lfh_http_request *req, const lfh_http_retry *policy,
                        lfh_http_prepare_fn prepare, void *ctx, lfh_http_response *resp,
                        lf_error *err);

#endif
