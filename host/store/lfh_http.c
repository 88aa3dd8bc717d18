/*
 * lfh_http — one request per libcurl easy handle. Handles share a connection and DNS
 * cache (a curl share object guarded by mutexes), so the Blob backend's many small
 * requests reuse TLS connections without a handle per thread.
 */
#include "store/lfh_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lf/lf_array.h"

/* ---------------------------------------------------------------- global state */

/* curl_global_init is not thread-safe: one pthread_once call does it, and the share
 * object, for the whole process; atexit undoes both so leak checkers see nothing. */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_rc;
static CURLSH *g_share;
static pthread_mutex_t g_share_locks[CURL_LOCK_DATA_LAST];

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *u) {
  (void)h, (void)access, (void)u;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_lock(&g_share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *u) {
  (void)h, (void)u;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_unlock(&g_share_locks[data]);
}

static void global_cleanup(void) {
  if (g_share) curl_share_cleanup(g_share);
  g_share = NULL;
  curl_global_cleanup();
}

static void share_create(void) {
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&g_share_locks[i], NULL);
  g_share = curl_share_init();
  if (g_share) {
    curl_share_setopt(g_share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(g_share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(g_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(g_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  }
}

/* A forked child must not touch the parent's pooled connections: both processes would
 * write into the same TLS/HTTP stream and each would read the other's responses. The
 * child starts its own pool (and mutexes another thread may have held at fork time). The
 * parent's pool is left alone — cleaning it up would send close_notify on the parent's
 * sockets — and stays referenced so leak checkers see it as reachable. */
static CURLSH *g_share_of_parent;

static void after_fork_child(void) {
  if (!g_share) return;
  g_share_of_parent = g_share;
  share_create();
}

static void global_init(void) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    g_init_rc = LF_ERR_INTERNAL;
    return;
  }
  share_create();
  pthread_atfork(NULL, NULL, after_fork_child);
  atexit(global_cleanup);
}

/* ---------------------------------------------------------------- response */

void lfh_http_response_free(lfh_http_response *r) {
  if (!r) return;
  lfh_buf_free(&r->body);
  free(r->request_id);
  free(r->etag);
  free(r->last_modified);
  free(r->error_code);
  int attempts = r->attempts;
  memset(r, 0, sizeof *r);
  r->attempts = attempts;
  r->content_length = -1;
  r->retry_after_ms = -1;
}

/* Resets the header-derived fields: a new status line starts a new response (after a
 * "100 Continue" for instance). */
static void reset_headers(lfh_http_response *r) {
  free(r->request_id);
  free(r->etag);
  free(r->last_modified);
  free(r->error_code);
  r->request_id = r->etag = r->last_modified = r->error_code = NULL;
  r->content_length = -1;
  r->retry_after_ms = -1;
}

typedef struct recv_ctx {
  lfh_http_response *resp;
  int nomem;
  int64_t retry_after_header_ms; /* Retry-After; x-ms-retry-after-ms wins over it */
  int64_t retry_after_ms_header; /* x-ms-retry-after-ms / retry-after-ms */
} recv_ctx;

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  recv_ctx *rc = ud;
  if (lfh_buf_append(&rc->resp->body, data, size * n) != 0) {
    rc->nomem = 1;
    return 0;
  }
  return size * n;
}

/* Seconds ("120") or an HTTP date; -1 when neither parses. */
static int64_t parse_retry_after(const char *v) {
  char *end;
  errno = 0;
  long long s = strtoll(v, &end, 10);
  if (end != v && *end == '\0' && errno == 0 && s >= 0) return s > 86400 ? 86400000 : s * 1000;
  time_t t = curl_getdate(v, NULL);
  if (t < 0) return -1;
  time_t now = time(NULL);
  return t > now ? (int64_t)(t - now) * 1000 : 0;
}

static int64_t parse_nonneg(const char *v) {
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  return (end != v && *end == '\0' && errno == 0 && x >= 0) ? x : -1;
}

static int set_str(char **field, const char *v, recv_ctx *rc) {
  char *copy = strdup(v);
  if (!copy) {
    rc->nomem = 1;
    return -1;
  }
  free(*field);
  *field = copy;
  return 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  recv_ctx *rc = ud;
  size_t len = size * n;
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    reset_headers(rc->resp);
    rc->retry_after_header_ms = rc->retry_after_ms_header = -1;
    return len;
  }
  char line[1024];
  if (len >= sizeof line) return len; /* no header we read is that long */
  memcpy(line, data, len);
  line[len] = '\0';
  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
    line[--len] = '\0';
  char *colon = strchr(line, ':');
  if (!colon) return size * n;
  *colon = '\0';
  const char *name = line, *v = colon + 1;
  while (*v == ' ' || *v == '\t') v++;
  lfh_http_response *r = rc->resp;
  if (strcasecmp(name, "x-ms-request-id") == 0) set_str(&r->request_id, v, rc);
  else if (strcasecmp(name, "etag") == 0) set_str(&r->etag, v, rc);
  else if (strcasecmp(name, "last-modified") == 0) set_str(&r->last_modified, v, rc);
  else if (strcasecmp(name, "x-ms-error-code") == 0) set_str(&r->error_code, v, rc);
  else if (strcasecmp(name, "content-length") == 0) r->content_length = parse_nonneg(v);
  else if (strcasecmp(name, "retry-after") == 0) rc->retry_after_header_ms = parse_retry_after(v);
  else if (strcasecmp(name, "x-ms-retry-after-ms") == 0 || strcasecmp(name, "retry-after-ms") == 0)
    rc->retry_after_ms_header = parse_nonneg(v);
  return size * n;
}

/* ---------------------------------------------------------------- request */

typedef struct send_ctx {
  const uint8_t *body;
  size_t len, pos;
} send_ctx;

static size_t on_read(char *out, size_t size, size_t n, void *ud) {
  send_ctx *s = ud;
  size_t want = size * n, left = s->len - s->pos;
  if (want > left) want = left;
  if (want) memcpy(out, s->body + s->pos, want);
  s->pos += want;
  return want;
}

/* The URL without its query and fragment, for messages: a SAS query is a secret. */
static void url_for_message(const char *url, char *out, size_t cap) {
  size_t n = strcspn(url ? url : "", "?#");
  if (n >= cap) n = cap - 1;
  memcpy(out, url ? url : "", n);
  out[n] = '\0';
}

/* Header lines for curl; secret values are wiped before the list is freed. */
static void free_headers(struct curl_slist *list) {
  for (struct curl_slist *p = list; p; p = p->next) explicit_bzero(p->data, strlen(p->data));
  curl_slist_free_all(list);
}

static int has_header(const lfh_http_request *req, const char *name) {
  for (size_t i = 0; i < req->n_headers; i++)
    if (strcasecmp(req->headers[i].name, name) == 0) return 1;
  return 0;
}

static int append_raw(struct curl_slist **list, const char *line) {
  struct curl_slist *next = curl_slist_append(*list, line);
  if (!next) return LF_ERR_NOMEM;
  *list = next;
  return LF_OK;
}

static int append_line(struct curl_slist **list, const char *name, const char *value) {
  size_t n = strlen(name) + strlen(value) + 3;
  char *line = malloc(n);
  if (!line) return LF_ERR_NOMEM;
  /* "Name;" is curl's way to send a header with an empty value. */
  if (*value) snprintf(line, n, "%s: %s", name, value);
  else snprintf(line, n, "%s;", name);
  int rc = append_raw(list, line);
  explicit_bzero(line, strlen(line));
  free(line);
  return rc;
}

static int build_headers(const lfh_http_request *req, struct curl_slist **out) {
  struct curl_slist *list = NULL;
  int rc = LF_OK;
  for (size_t i = 0; i < req->n_headers && rc == LF_OK; i++) {
    const lfh_http_header *h = &req->headers[i];
    rc = append_line(&list, h->name, h->value ? h->value : "");
  }
  /* "Name:" removes a header curl would add: no "Expect: 100-continue" round trip, and
   * no Content-Type curl would invent (a Shared Key signature covers what is sent). */
  if (rc == LF_OK && !has_header(req, "Expect")) rc = append_raw(&list, "Expect:");
  if (rc == LF_OK && !has_header(req, "Content-Type")) rc = append_raw(&list, "Content-Type:");
  if (rc != LF_OK) {
    free_headers(list);
    return rc;
  }
  *out = list;
  return LF_OK;
}

static void set_method(CURL *h, const lfh_http_request *req, send_ctx *sc) {
  const char *m = req->method ? req->method : "GET";
  if (strcmp(m, "GET") == 0) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (strcmp(m, "HEAD") == 0) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (strcmp(m, "PUT") == 0 || strcmp(m, "POST") == 0 || req->body) {
    /* An upload always carries Content-Length (0 for no body), as Blob PUTs need. */
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, sc);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)sc->len);
    if (strcmp(m, "PUT") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
  }
}

/* 1 for loopback and link-local hosts (local stand-ins, Azurite, IMDS at 169.254.169.254):
 * a proxy from the environment must never see those requests. */
static int is_local_host(const char *url) {
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  static const char *const local[] = {"127.", "localhost", "[::1]", "169.254.", NULL};
  for (size_t i = 0; local[i]; i++)
    if (strncasecmp(p, local[i], strlen(local[i])) == 0) return 1;
  return 0;
}

static void configure(CURL *h, const lfh_http_request *req, struct curl_slist *hdrs, recv_ctx *rc,
                      send_ctx *sc, char *errbuf) {
  long timeout = req->timeout_ms > 0 ? req->timeout_ms : 60000;
  curl_easy_setopt(h, CURLOPT_URL, req->url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, rc);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, rc);
  if (req->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
  if (g_share) curl_easy_setopt(h, CURLOPT_SHARE, g_share);
  if (is_local_host(req->url)) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  set_method(h, req, sc);
}

int lfh_http_send(const lfh_http_request *req, lfh_http_response *resp, lf_error *err) {
  char where[512];
  url_for_message(req->url, where, sizeof where);
  const char *method = req->method ? req->method : "GET";
  int attempts = resp->attempts;
  memset(resp, 0, sizeof *resp);
  resp->attempts = attempts;
  resp->content_length = resp->retry_after_ms = -1;
  if (!req->url) return lf_error_set(err, LF_ERR_INVALID, "http: no URL");
  pthread_once(&g_once, global_init);
  if (g_init_rc) return lf_error_set(err, g_init_rc, "http: curl_global_init failed");

  struct curl_slist *hdrs = NULL;
  if (build_headers(req, &hdrs) != LF_OK)
    return lf_error_set(err, LF_ERR_NOMEM, "%s %s: out of memory", method, where);
  CURL *h = curl_easy_init();
  if (!h) {
    free_headers(hdrs);
    return lf_error_set(err, LF_ERR_NOMEM, "%s %s: curl_easy_init failed", method, where);
  }
  char errbuf[CURL_ERROR_SIZE] = "";
  recv_ctx rc = {.resp = resp, .retry_after_header_ms = -1, .retry_after_ms_header = -1};
  send_ctx sc = {.body = req->body, .len = req->body ? req->body_len : 0};
  configure(h, req, hdrs, &rc, &sc, errbuf);
  CURLcode cc = curl_easy_perform(h);
  int ret = LF_OK;
  if (rc.nomem) {
    ret = lf_error_set(err, LF_ERR_NOMEM, "%s %s: out of memory reading the response", method,
                       where);
  } else if (cc != CURLE_OK) {
    /* curl's message may quote the URL: use the code's generic text, plus the detail
     * only when it cannot carry the query. */
    const char *detail = errbuf[0] && !strchr(errbuf, '?') ? errbuf : curl_easy_strerror(cc);
    ret = lf_error_set(err, LF_ERR_IO, "%s %s: %s", method, where, detail);
  } else {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    resp->retry_after_ms =
        rc.retry_after_ms_header >= 0 ? rc.retry_after_ms_header : rc.retry_after_header_ms;
  }
  if (ret != LF_OK) resp->status = 0;
  curl_easy_cleanup(h);
  free_headers(hdrs);
  return ret;
}

/* ---------------------------------------------------------------- retries */

static int status_retried(long status, const lfh_http_retry *p) {
  switch (status) {
  case 408: case 429: case 500: case 502: case 503: case 504:
    return 1;
  default:
    return (p->extra_status != 0 && status == p->extra_status) ||
           (p->extra_status2 != 0 && status == p->extra_status2);
  }
}

static void sleep_ms(int64_t ms) {
  struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Exponential backoff with ±20 % jitter, so that clients throttled together do not
 * come back together; a server's Retry-After wins (capped at a minute: a misbehaving
 * endpoint should not park a pipeline for hours). */
static int64_t backoff_ms(const lfh_http_retry *p, int attempt, int64_t retry_after,
                          unsigned short xsubi[3]) {
  if (retry_after >= 0) return retry_after < 60000 ? retry_after : 60000;
  int64_t d = p->base_delay_ms;
  for (int i = 1; i < attempt && d < p->max_delay_ms; i++) d *= 2;
  if (d > p->max_delay_ms) d = p->max_delay_ms;
  double f = 0.8 + 0.4 * erand48(xsubi);
  return (int64_t)((double)d * f);
}

static lfh_http_retry effective_policy(const lfh_http_retry *in) {
  lfh_http_retry p = in ? *in : (lfh_http_retry){0};
  if (p.max_attempts <= 0) p.max_attempts = 5;
  if (p.base_delay_ms <= 0) p.base_delay_ms = 200;
  if (p.max_delay_ms <= 0) p.max_delay_ms = 10000;
  if (p.max_delay_ms < p.base_delay_ms) p.max_delay_ms = p.base_delay_ms;
  return p;
}

int lfh_http_send_retry(lfh_http_request *req, const lfh_http_retry *policy,
                        lfh_http_prepare_fn prepare, void *ctx, lfh_http_response *resp,
                        lf_error *err) {
  lfh_http_retry p = effective_policy(policy);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  unsigned short xsubi[3] = {(unsigned short)now.tv_nsec, (unsigned short)(now.tv_nsec >> 16),
                             (unsigned short)(uintptr_t)resp};
  memset(resp, 0, sizeof *resp);
  resp->content_length = resp->retry_after_ms = -1;
  int rc = LF_OK;
  for (int attempt = 1; attempt <= p.max_attempts; attempt++) {
    if (attempt > 1) lfh_http_response_free(resp);
    if (prepare && (rc = prepare(ctx, req, err)) != LF_OK) return rc;
    resp->attempts = attempt;
    rc = lfh_http_send(req, resp, err);
    if (rc != LF_OK && rc != LF_ERR_IO) return rc; /* NOMEM, INVALID: retrying won't help */
    int again = rc == LF_ERR_IO || status_retried(resp->status, &p);
    if (!again || attempt == p.max_attempts) break;
    sleep_ms(backoff_ms(&p, attempt, rc == LF_OK ? resp->retry_after_ms : -1, xsubi));
  }
  return rc;
}
