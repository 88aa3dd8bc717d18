/*
 * lfh_az_identity — the managed identity token requests, as Azure documents them:
 *  - IMDS: GET {host}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=...
 *    [&client_id=...] with `Metadata: true`; retried on 404 (identity not yet ready),
 *    410 (IMDS being updated), 429 and 5xx with exponential backoff, Retry-After honoured.
 *  - App Service: GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=...[&client_id=...]
 *    with X-IDENTITY-HEADER: $IDENTITY_HEADER; retried on 429 and 5xx.
 * Both answer JSON with access_token and expires_on (epoch seconds) and/or expires_in.
 */
#include "store/lfh_az_identity.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lf/lf_array.h"
#include "store/lfh_az_cred.h"
#include "store/lfh_http.h"

/* The Azure SDKs' managed identity defaults: 5 tries, 800 ms first delay, doubling. */
#define MI_ATTEMPTS 5
#define MI_BASE_DELAY_MS 800
#define MI_MAX_DELAY_MS 10000
#define MI_TIMEOUT_MS 15000
#define MI_PROBE_TIMEOUT_MS 1000

/* Appends `s` percent-encoded (RFC 3986 unreserved kept) to `out`. */
static int append_enc(lfh_buf *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.' || c == '~';
    char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
    if (lfh_buf_append(out, keep ? (const char *)&c : enc, keep ? 1 : 3) != 0) return LF_ERR_NOMEM;
  }
  return LF_OK;
}

static int append_str(lfh_buf *out, const char *s) { return lfh_buf_append(out, s, strlen(s)); }

/* The full token URL (malloc'd) or NULL. */
static char *token_url(const lfh_az_identity_src *src) {
  lfh_buf b = {0};
  int app = src->kind == LFH_AZ_IDENTITY_APP_SERVICE;
  int bad = append_str(&b, src->endpoint) ||
            append_str(&b, strchr(src->endpoint, '?') ? "&" : "?") ||
            append_str(&b, app ? "api-version=2019-08-01" : "api-version=2018-02-01") ||
            append_str(&b, "&resource=") || append_enc(&b, LFH_AZ_STORAGE_RESOURCE);
  if (!bad && src->client_id && *src->client_id)
    bad = append_str(&b, "&client_id=") || append_enc(&b, src->client_id);
  if (bad || lfh_buf_append(&b, "", 1) != 0) {
    lfh_buf_free(&b);
    return NULL;
  }
  return (char *)b.data;
}

char *lfh_az_identity_imds_url(const char *host) {
  const char *h = host && *host ? host : LFH_AZ_IMDS_HOST;
  size_t n = strlen(h);
  while (n > 0 && h[n - 1] == '/') n--;
  /* A bare host ("10.0.0.1:2579") means http, as the pod identity docs write it. */
  int scheme = strstr(h, "://") != NULL;
  size_t cap = n + sizeof LFH_AZ_IMDS_PATH + 8;
  char *url = malloc(cap);
  if (url) snprintf(url, cap, "%s%.*s%s", scheme ? "" : "http://", (int)n, h, LFH_AZ_IMDS_PATH);
  return url;
}

/* A number given as a JSON string or number; -1 when absent or not a number. */
static int64_t json_num(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  if (json_is_integer(v)) return (int64_t)json_integer_value(v);
  const char *s = json_string_value(v);
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  return (*end == '\0' && errno == 0 && x >= 0) ? x : -1;
}

/* "error: description" from an error answer, for the message (never secret). */
static void error_detail(const lfh_http_response *r, char *out, size_t cap) {
  out[0] = '\0';
  json_t *j = json_loadb((const char *)r->body.data, r->body.len, 0, NULL);
  if (!j) return;
  const char *e = json_string_value(json_object_get(j, "error"));
  const char *d = json_string_value(json_object_get(j, "error_description"));
  if (!d) d = json_string_value(json_object_get(j, "message"));
  if (e || d) snprintf(out, cap, ": %s%s%.160s", e ? e : "", e && d ? ": " : "", d ? d : "");
  json_decref(j);
}

static int parse_token(const lfh_http_response *r, const char *what, const char *where,
                       char **token, int64_t *expires_on, lf_error *err) {
  json_t *j = json_loadb((const char *)r->body.data, r->body.len, 0, NULL);
  const char *tok = json_string_value(json_object_get(j, "access_token"));
  int64_t on = json_num(j, "expires_on"), in = json_num(j, "expires_in");
  int rc = LF_OK;
  if (!tok || !*tok) {
    rc = lf_error_set(err, LF_ERR_IO, "%s at %s: the answer has no access_token", what, where);
  } else if (on < 0 && in < 0) {
    rc = lf_error_set(err, LF_ERR_IO, "%s at %s: the answer has neither expires_on nor expires_in",
                      what, where);
  } else if (!(*token = strdup(tok))) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "%s at %s: out of memory", what, where);
  } else {
    *expires_on = on >= 0 ? on : (int64_t)time(NULL) + in;
  }
  json_decref(j);
  return rc;
}

int lfh_az_identity_fetch(const lfh_az_identity_src *src, char **token, int64_t *expires_on,
                          lf_error *err) {
  int app = src->kind == LFH_AZ_IDENTITY_APP_SERVICE;
  const char *what = app ? "managed identity (App Service)" : "managed identity (IMDS)";
  char where[256];
  snprintf(where, sizeof where, "%.*s", (int)strcspn(src->endpoint, "?"), src->endpoint);
  *token = NULL;
  char *url = token_url(src);
  if (!url) return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", what);
  lfh_http_header h = app ? (lfh_http_header){"X-IDENTITY-HEADER", src->identity_header, 1}
                          : (lfh_http_header){"Metadata", "true", 0};
  lfh_http_request req = {.method = "GET", .url = url, .headers = &h, .n_headers = 1,
                          .ca_file = src->ca_file, .timeout_ms = MI_TIMEOUT_MS};
  lfh_http_retry pol = {.max_attempts = MI_ATTEMPTS, .base_delay_ms = MI_BASE_DELAY_MS,
                        .max_delay_ms = MI_MAX_DELAY_MS, .extra_status = app ? 0 : 404,
                        .extra_status2 = app ? 0 : 410};
  lfh_http_response r = {0};
  char sub[256];
  lf_error inner;
  lf_error_init(&inner, sub, sizeof sub);
  int rc = lfh_http_send_retry(&req, &pol, NULL, NULL, &r, &inner);
  if (rc != LF_OK) {
    rc = lf_error_set(err, rc, "%s: %s", what, sub);
  } else if (r.status != 200) {
    char detail[200];
    error_detail(&r, detail, sizeof detail);
    rc = lf_error_set(err, LF_ERR_IO, "%s at %s: HTTP %ld after %d attempt%s%s", what, where,
                      r.status, r.attempts, r.attempts == 1 ? "" : "s", detail);
  } else {
    rc = parse_token(&r, what, where, token, expires_on, err);
  }
  /* The body held the token: wipe it before it goes back to the allocator. */
  if (r.body.data) explicit_bzero(r.body.data, r.body.len);
  lfh_http_response_free(&r);
  free(url);
  return rc;
}

int lfh_az_identity_probe(const char *endpoint, const char *ca_file, char *why, size_t cap) {
  lfh_az_identity_src src = {.kind = LFH_AZ_IDENTITY_IMDS, .endpoint = endpoint};
  char *url = token_url(&src);
  if (!url) {
    snprintf(why, cap, "out of memory");
    return 0;
  }
  lfh_http_request req = {.method = "GET", .url = url, .ca_file = ca_file,
                          .timeout_ms = MI_PROBE_TIMEOUT_MS};
  lfh_http_response r = {0};
  lf_error e;
  lf_error_init(&e, why, cap);
  int ok = lfh_http_send(&req, &r, &e) == LF_OK;
  lfh_http_response_free(&r);
  free(url);
  return ok;
}
