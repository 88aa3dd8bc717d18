/*
 * lfh_http against a local stand-in (tests/azure/imds_standin.py, echo mode): methods,
 * bodies and headers as sent, response headers parsed, status mapping, retries counted by
 * the server, Retry-After (seconds, HTTP date, x-ms-retry-after-ms) honoured and timed,
 * timeouts, connection refused naming the URL without its query, threads.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "az_standin.h"
#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_http.h"

static az_standin g_si;
static char g_msg[512];
static lf_error g_err;

static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

static void url_of(char *out, size_t cap, const char *path) {
  snprintf(out, cap, "%s%s", g_si.base, path);
}

/* One request to the echo endpoint; its JSON echo (caller owns) or NULL. */
static json_t *echo_json(const lfh_http_response *r) {
  return json_loadb((const char *)r->body.data, r->body.len, 0, NULL);
}

static const char *jstr(json_t *o, const char *a, const char *b) {
  json_t *x = json_object_get(o, a);
  if (b) x = json_object_get(x, b);
  return json_string_value(x);
}

static void test_started(void) {
  CU_ASSERT_TRUE_FATAL(g_si.port > 0);
  CU_ASSERT_EQUAL(az_standin_reset(&g_si), 0);
}

static void test_get_headers_parsed(void) {
  char url[256];
  url_of(url, sizeof url,
         "/echo?status=404&etag=%220x8D%22&error_code=BlobNotFound&request_id=rid-7"
         "&last_modified=Wed,%2021%20Oct%202015%2007:28:00%20GMT");
  lfh_http_header h[] = {{"x-ms-version", "2021-08-06", 0}, {"X-Empty", "", 0}};
  lfh_http_request req = {.method = "GET", .url = url, .headers = h, .n_headers = 2};
  lfh_http_response r = {0};
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_OK);
  CU_ASSERT_EQUAL(r.status, 404);
  CU_ASSERT_STRING_EQUAL(r.etag ? r.etag : "", "\"0x8D\"");
  CU_ASSERT_STRING_EQUAL(r.error_code ? r.error_code : "", "BlobNotFound");
  CU_ASSERT_STRING_EQUAL(r.request_id ? r.request_id : "", "rid-7");
  CU_ASSERT_STRING_EQUAL(r.last_modified ? r.last_modified : "", "Wed, 21 Oct 2015 07:28:00 GMT");
  CU_ASSERT_EQUAL(r.content_length, (int64_t)r.body.len);
  CU_ASSERT_EQUAL(r.retry_after_ms, -1);
  json_t *e = echo_json(&r);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_STRING_EQUAL(jstr(e, "method", NULL), "GET");
  CU_ASSERT_STRING_EQUAL(jstr(e, "headers", "x-ms-version"), "2021-08-06");
  CU_ASSERT_PTR_NOT_NULL(jstr(e, "headers", "x-empty"));
  CU_ASSERT_STRING_EQUAL(jstr(e, "headers", "x-empty") ? jstr(e, "headers", "x-empty") : "?", "");
  json_decref(e);
  lfh_http_response_free(&r);
}

static void test_put_body(void) {
  char url[256], body[5000];
  url_of(url, sizeof url, "/echo?status=201&etag=%22e1%22");
  for (size_t i = 0; i < sizeof body; i++) body[i] = (char)('a' + i % 26);
  lfh_http_request req = {.method = "PUT", .url = url, .body = body, .body_len = sizeof body};
  lfh_http_response r = {0};
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_OK);
  CU_ASSERT_EQUAL(r.status, 201);
  json_t *e = echo_json(&r);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_STRING_EQUAL(jstr(e, "method", NULL), "PUT");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "body_len")), (json_int_t)sizeof body);
  CU_ASSERT_STRING_EQUAL(jstr(e, "headers", "content-length"), "5000");
  /* Nothing curl invents that a Shared Key signature would not cover. */
  CU_ASSERT_PTR_NULL(jstr(e, "headers", "content-type"));
  CU_ASSERT_PTR_NULL(jstr(e, "headers", "expect"));
  json_decref(e);
  lfh_http_response_free(&r);

  /* A PUT without a body still says Content-Length: 0 (Blob needs it). */
  req.body = NULL;
  req.body_len = 0;
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_OK);
  e = echo_json(&r);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  CU_ASSERT_STRING_EQUAL(jstr(e, "headers", "content-length") ? jstr(e, "headers", "content-length")
                                                               : "?", "0");
  json_decref(e);
  lfh_http_response_free(&r);
}

static void test_head_delete(void) {
  char url[256];
  url_of(url, sizeof url, "/echo?status=202");
  lfh_http_request req = {.method = "DELETE", .url = url};
  lfh_http_response r = {0};
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_OK);
  CU_ASSERT_EQUAL(r.status, 202);
  json_t *e = echo_json(&r);
  CU_ASSERT_STRING_EQUAL(jstr(e, "method", NULL) ? jstr(e, "method", NULL) : "", "DELETE");
  json_decref(e);
  lfh_http_response_free(&r);
  req.method = "HEAD";
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_OK);
  CU_ASSERT_EQUAL(r.status, 202);
  CU_ASSERT_EQUAL(r.body.len, 0);
  CU_ASSERT_TRUE(r.content_length > 0); /* the header of the GET it stands for */
  lfh_http_response_free(&r);
}

static int count_prepare(void *ctx, lfh_http_request *req, lf_error *err) {
  (void)req, (void)err;
  (*(int *)ctx)++;
  return LF_OK;
}

static void test_retry_then_success(void) {
  CU_ASSERT_EQUAL_FATAL(az_standin_reset(&g_si), 0);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\":[{\"status\":503},{\"status\":500},"
                                            "{\"status\":429}]}"), 0);
  char url[256];
  url_of(url, sizeof url, "/echo");
  lfh_http_request req = {.method = "GET", .url = url};
  lfh_http_retry pol = {.base_delay_ms = 20, .max_delay_ms = 100};
  lfh_http_response r = {0};
  int prepared = 0;
  double t0 = az_now();
  CU_ASSERT_EQUAL(lfh_http_send_retry(&req, &pol, count_prepare, &prepared, &r, err0()), LF_OK);
  double dt = az_now() - t0;
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_EQUAL(r.attempts, 4);
  CU_ASSERT_EQUAL(prepared, 4);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 4); /* counted by the server */
  /* Backoff 20, 40, 80 ms with ±20 % jitter: at least 112 ms in all. */
  CU_ASSERT_TRUE(dt >= 0.112);
  CU_ASSERT_TRUE(dt < 2.0);
  lfh_http_response_free(&r);
}

static void test_retry_exhausted_and_not_retried(void) {
  CU_ASSERT_EQUAL_FATAL(az_standin_reset(&g_si), 0);
  char url[256];
  url_of(url, sizeof url, "/echo?status=502");
  lfh_http_request req = {.method = "GET", .url = url};
  lfh_http_retry pol = {.max_attempts = 3, .base_delay_ms = 5, .max_delay_ms = 10};
  lfh_http_response r = {0};
  CU_ASSERT_EQUAL(lfh_http_send_retry(&req, &pol, NULL, NULL, &r, err0()), LF_OK);
  CU_ASSERT_EQUAL(r.status, 502); /* the last response, for the caller to judge */
  CU_ASSERT_EQUAL(r.attempts, 3);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 3);
  lfh_http_response_free(&r);

  /* 404 and 400 are answers, not transient: one attempt... */
  const char *once[] = {"/echo?status=404", "/echo?status=400", "/echo?status=409"};
  for (size_t i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(az_standin_reset(&g_si), 0);
    url_of(url, sizeof url, once[i]);
    CU_ASSERT_EQUAL(lfh_http_send_retry(&req, &pol, NULL, NULL, &r, err0()), LF_OK);
    CU_ASSERT_EQUAL(r.attempts, 1);
    CU_ASSERT_EQUAL(az_standin_count(&g_si), 1);
    lfh_http_response_free(&r);
  }
  /* ...unless the policy says so (IMDS retries 404 and 410). */
  pol.extra_status = 404;
  pol.extra_status2 = 410;
  const char *extra[] = {"/echo?status=404", "/echo?status=410"};
  for (size_t i = 0; i < 2; i++) {
    CU_ASSERT_EQUAL(az_standin_reset(&g_si), 0);
    url_of(url, sizeof url, extra[i]);
    CU_ASSERT_EQUAL(lfh_http_send_retry(&req, &pol, NULL, NULL, &r, err0()), LF_OK);
    CU_ASSERT_EQUAL(r.attempts, 3);
    CU_ASSERT_EQUAL(az_standin_count(&g_si), 3);
    lfh_http_response_free(&r);
  }
}

/* The gap between the first two recorded requests, in seconds. */
static double first_gap(void) {
  json_t *reqs = az_standin_requests(&g_si);
  double gap = -1;
  if (json_array_size(reqs) >= 2)
    gap = json_real_value(json_object_get(json_array_get(reqs, 1), "t")) -
          json_real_value(json_object_get(json_array_get(reqs, 0), "t"));
  json_decref(reqs);
  return gap;
}

static void test_retry_after_honoured(void) {
  char url[256];
  url_of(url, sizeof url, "/echo");
  lfh_http_request req = {.method = "GET", .url = url};
  /* A tiny backoff: only Retry-After can explain a long wait. */
  lfh_http_retry pol = {.base_delay_ms = 1, .max_delay_ms = 2};
  lfh_http_response r = {0};

  CU_ASSERT_EQUAL_FATAL(az_standin_reset(&g_si), 0);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\":[{\"status\":429,\"retry_after\":\"1\"}]}"),
                  0);
  double t0 = az_now();
  CU_ASSERT_EQUAL(lfh_http_send_retry(&req, &pol, NULL, NULL, &r, err0()), LF_OK);
  double dt = az_now() - t0;
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_EQUAL(r.attempts, 2);
  CU_ASSERT_TRUE(dt >= 0.99 && dt < 3.0);
  double gap = first_gap();
  CU_ASSERT_TRUE(gap >= 0.95 && gap < 3.0);
  fprintf(stderr, "\n    Retry-After: 1 -> %.3f s elapsed, %.3f s between requests\n", dt, gap);
  lfh_http_response_free(&r);

  /* x-ms-retry-after-ms wins over Retry-After. */
  CU_ASSERT_EQUAL_FATAL(az_standin_reset(&g_si), 0);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\":[{\"status\":503,\"retry_after\":\"5\","
                                            "\"retry_after_ms\":300}]}"), 0);
  t0 = az_now();
  CU_ASSERT_EQUAL(lfh_http_send_retry(&req, &pol, NULL, NULL, &r, err0()), LF_OK);
  dt = az_now() - t0;
  CU_ASSERT_EQUAL(r.attempts, 2);
  CU_ASSERT_TRUE(dt >= 0.29 && dt < 2.0);
  lfh_http_response_free(&r);
}

static void test_retry_after_parsing(void) {
  char url[512], date[64], path[256];
  time_t later = time(NULL) + 3;
  struct tm tm;
  gmtime_r(&later, &tm);
  strftime(date, sizeof date, "%a,%%20%d%%20%b%%20%Y%%20%H:%M:%S%%20GMT", &tm);
  snprintf(path, sizeof path, "/echo?status=503&retry_after=%s", date);
  url_of(url, sizeof url, path);
  lfh_http_request req = {.method = "GET", .url = url};
  lfh_http_response r = {0};
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_OK);
  CU_ASSERT_TRUE(r.retry_after_ms >= 1000 && r.retry_after_ms <= 3000);
  lfh_http_response_free(&r);
  url_of(url, sizeof url, "/echo?status=503&retry_after=7");
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_OK);
  CU_ASSERT_EQUAL(r.retry_after_ms, 7000);
  lfh_http_response_free(&r);
  url_of(url, sizeof url, "/echo?status=503&retry_after=soon");
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_OK);
  CU_ASSERT_EQUAL(r.retry_after_ms, -1);
  lfh_http_response_free(&r);
}

/* A port nothing listens on: bound, then closed. */
static int dead_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int port = -1;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

static void test_connection_refused(void) {
  int port = dead_port();
  CU_ASSERT_TRUE_FATAL(port > 0);
  char url[256], where[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/c/blob?sv=2021&sig=TOPSECRETSIG", port);
  snprintf(where, sizeof where, "http://127.0.0.1:%d/c/blob", port);
  lfh_http_header h[] = {{"Authorization", "Bearer TOPSECRETTOKEN", 1}};
  lfh_http_request req = {.method = "GET", .url = url, .headers = h, .n_headers = 1};
  lfh_http_response r = {0};
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_ERR_IO);
  CU_ASSERT_EQUAL(r.status, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, where));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "TOPSECRET"));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "sig="));
  fprintf(stderr, "\n    refused: %s\n", g_msg);
  lfh_http_response_free(&r);

  lfh_http_retry pol = {.max_attempts = 3, .base_delay_ms = 5, .max_delay_ms = 10};
  CU_ASSERT_EQUAL(lfh_http_send_retry(&req, &pol, NULL, NULL, &r, err0()), LF_ERR_IO);
  CU_ASSERT_EQUAL(r.attempts, 3);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, where));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "TOPSECRET"));
  lfh_http_response_free(&r);
}

static void test_timeout(void) {
  char url[256];
  url_of(url, sizeof url, "/echo?delay_ms=1500");
  lfh_http_request req = {.method = "GET", .url = url, .timeout_ms = 200};
  lfh_http_response r = {0};
  double t0 = az_now();
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_ERR_IO);
  double dt = az_now() - t0;
  CU_ASSERT_TRUE(dt < 1.0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "/echo"));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "delay_ms"));
  lfh_http_response_free(&r);
}

static void test_bad_scheme(void) {
  lfh_http_request req = {.method = "GET", .url = "file:///etc/passwd"};
  lfh_http_response r = {0};
  CU_ASSERT_EQUAL(lfh_http_send(&req, &r, err0()), LF_ERR_IO);
  CU_ASSERT_EQUAL(r.status, 0);
  lfh_http_response_free(&r);
}

enum { N_THREADS = 8, N_PER_THREAD = 25 };

static void *hammer(void *arg) {
  int *ok = arg;
  char url[256], msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  for (int i = 0; i < N_PER_THREAD; i++) {
    snprintf(url, sizeof url, "%s/echo?status=200&request_id=t%d", g_si.base, i);
    lfh_http_request req = {.method = "GET", .url = url};
    lfh_http_response r = {0};
    if (lfh_http_send(&req, &r, &err) == LF_OK && r.status == 200 && r.request_id)
      (*ok)++;
    lfh_http_response_free(&r);
  }
  return NULL;
}

static void test_threads(void) {
  pthread_t t[N_THREADS];
  int ok[N_THREADS] = {0};
  for (int i = 0; i < N_THREADS; i++) pthread_create(&t[i], NULL, hammer, &ok[i]);
  int total = 0;
  for (int i = 0; i < N_THREADS; i++) {
    pthread_join(t[i], NULL);
    total += ok[i];
  }
  CU_ASSERT_EQUAL(total, N_THREADS * N_PER_THREAD);
}

int main(void) {
  if (az_standin_start(&g_si) != 0) fprintf(stderr, "imds_standin.py did not start\n");
  static const lfh_test_case cases[] = {
      {"stand-in answers", test_started},
      {"GET: status and response headers parsed", test_get_headers_parsed},
      {"PUT: body, Content-Length, nothing invented", test_put_body},
      {"HEAD and DELETE", test_head_delete},
      {"429/5xx retried until success, counted", test_retry_then_success},
      {"retries exhausted; 4xx not retried unless asked", test_retry_exhausted_and_not_retried},
      {"Retry-After and x-ms-retry-after-ms honoured", test_retry_after_honoured},
      {"Retry-After: seconds, HTTP date, garbage", test_retry_after_parsing},
      {"connection refused: LF_ERR_IO naming the URL, no secrets", test_connection_refused},
      {"timeout", test_timeout},
      {"only http and https", test_bad_scheme},
      {"8 threads share the connection cache", test_threads},
      {NULL, NULL}};
  int rc = lfh_test_run("http", cases);
  az_standin_stop(&g_si);
  return rc;
}
