/*
 * End to end: a managed identity token from the local IMDS stand-in, used as a Bearer
 * token against real Azurite over HTTPS (`--oauth basic`, a certificate made here with
 * the openssl CLI). Azurite checks the token's issuer, audience and lifetime, so a
 * container and a blob created with it prove the token is what Azure Storage expects.
 * Then the same through lfh_store on an abfss:// URI (LFH_AZURE_BLOB_ENDPOINT), with
 * the token fetched once and cached across the store's calls.
 * Needs python3, openssl, node and tests/azure's Azurite: it fails, never skips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "az_standin.h"
#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_az_cred.h"
#include "store/lfh_http.h"
#include "store/lfh_store.h"

#define AZ_VERSION "2021-08-06"

static az_standin g_si;
static char *g_dir;        /* temp folder: certificate, Azurite's files; owned */
static char g_cert[512];   /* CA file = the self-signed certificate */
static char g_endpoint[256]; /* https://127.0.0.1:PORT/devstoreaccount1 */
static int g_azurite_up;
static char g_msg[1024];
static lf_error g_err;

static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

static int setup(void) {
  if (az_standin_start(&g_si) != 0) return -1;
  if (!(g_dir = lfh_test_tmpdir())) return -1;
  g_azurite_up = 1;
  if (az_azurite_https_start(g_dir, g_cert, g_endpoint) != 0) return -1;
  /* The chain picks IMDS (the stand-in) and trusts the test certificate. */
  static const char *const vars[] = {"LFH_AZURE_AUTH", "AZURE_STORAGE_SAS_TOKEN",
                                     "AZURE_STORAGE_KEY", "AZURE_STORAGE_CONNECTION_STRING",
                                     "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_CLIENT_ID",
                                     "LFH_AZURE_BLOB_ENDPOINT", NULL};
  for (size_t i = 0; vars[i]; i++) unsetenv(vars[i]);
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", g_si.base, 1);
  setenv("LFH_AZURE_CA_FILE", g_cert, 1);
  return 0;
}

static void teardown(void) {
  if (g_azurite_up) az_azurite_stop(g_dir);
  az_standin_stop(&g_si);
  if (g_dir) lfh_test_rmtree(g_dir);
  free(g_dir);
}

/* One request to Azurite with `auth` ("Bearer ..." or NULL) and the CA file `ca`. */
static int azurite(const char *method, const char *path, const char *auth, const char *ca,
                   const void *body, size_t len, lfh_http_response *r) {
  char url[512], date[64];
  snprintf(url, sizeof url, "%s%s", g_endpoint, path);
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  lfh_http_header h[4] = {{"x-ms-version", AZ_VERSION, 0}, {"x-ms-date", date, 0},
                          {"x-ms-blob-type", "BlockBlob", 0}, {"Authorization", auth, 1}};
  lfh_http_request req = {.method = method, .url = url, .headers = h, .n_headers = auth ? 4 : 3,
                          .body = body, .body_len = len, .ca_file = ca};
  return lfh_http_send(&req, r, err0());
}

static void test_setup(void) {
  CU_ASSERT_TRUE_FATAL(g_si.port > 0);
  CU_ASSERT_TRUE_FATAL(strncmp(g_endpoint, "https://127.0.0.1:", 18) == 0);
  fprintf(stderr, "\n    Azurite at %s, stand-in at %s\n", g_endpoint, g_si.base);
}

static void test_bearer_against_azurite(void) {
  lfh_az_cred *c = lfh_az_cred_from_env("devstoreaccount1", err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_STRING_EQUAL(lfh_az_cred_describe(c), "managed identity (IMDS)");
  char auth[8192] = "Bearer ";
  CU_ASSERT_EQUAL_FATAL(lfh_az_cred_bearer(c, auth + 7, sizeof auth - 7, err0()), LF_OK);
  lfh_http_response r = {0};

  /* TLS is verified: without the test CA the handshake fails. */
  CU_ASSERT_EQUAL(azurite("GET", "?comp=list", auth, NULL, NULL, 0, &r), LF_ERR_IO);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "certificate"));
  fprintf(stderr, "\n    without the CA: %s\n", g_msg);
  lfh_http_response_free(&r);

  /* Authorisation is checked: no token, or a made-up one, is refused. */
  CU_ASSERT_EQUAL(azurite("PUT", "/oauthc?restype=container", NULL, g_cert, NULL, 0, &r), LF_OK);
  CU_ASSERT_TRUE(r.status == 401 || r.status == 403);
  lfh_http_response_free(&r);
  CU_ASSERT_EQUAL(azurite("PUT", "/oauthc?restype=container", "Bearer not.a.jwt", g_cert, NULL,
                          0, &r), LF_OK);
  CU_ASSERT_TRUE(r.status == 401 || r.status == 403);
  lfh_http_response_free(&r);

  /* With the managed identity token: container, blob, read back. */
  CU_ASSERT_EQUAL(azurite("PUT", "/oauthc?restype=container", auth, g_cert, NULL, 0, &r), LF_OK);
  CU_ASSERT_EQUAL(r.status, 201);
  CU_ASSERT_PTR_NOT_NULL(r.request_id);
  lfh_http_response_free(&r);
  static const char text[] = "written with a managed identity token";
  CU_ASSERT_EQUAL(azurite("PUT", "/oauthc/dir/hello.txt", auth, g_cert, text, sizeof text - 1, &r),
                  LF_OK);
  CU_ASSERT_EQUAL(r.status, 201);
  CU_ASSERT_PTR_NOT_NULL(r.etag);
  lfh_http_response_free(&r);
  CU_ASSERT_EQUAL(azurite("GET", "/oauthc/dir/hello.txt", auth, g_cert, NULL, 0, &r), LF_OK);
  CU_ASSERT_EQUAL(r.status, 200);
  CU_ASSERT_TRUE(r.body.len == sizeof text - 1 && memcmp(r.body.data, text, r.body.len) == 0);
  lfh_http_response_free(&r);
  lfh_az_cred_free(c);
}

/* Counts the token requests (not the probes) the stand-in saw. */
static int token_requests(void) {
  json_t *reqs = az_standin_requests(&g_si);
  int n = 0;
  for (size_t i = 0; i < json_array_size(reqs); i++) {
    json_t *h = json_object_get(json_array_get(reqs, i), "headers");
    if (json_object_get(h, "metadata")) n++;
  }
  json_decref(reqs);
  return n;
}

static int collect(void *ctx, const lfh_store_entry *e) {
  int *n = ctx;
  (void)e;
  (*n)++;
  return 0;
}

static void test_store_with_managed_identity(void) {
  setenv("LFH_AZURE_BLOB_ENDPOINT", g_endpoint, 1);
  CU_ASSERT_EQUAL(az_standin_reset(&g_si), 0);
  const char *uri = "abfss://oauthc@devstoreaccount1.dfs.core.windows.net/lake";
  lfh_store *s = lfh_store_open(uri, err0());
  if (!s) fprintf(stderr, "\n    lfh_store_open: %s\n", g_msg);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  static const char a[] = "alpha", b[] = "beta";
  CU_ASSERT_EQUAL(lfh_store_put(s, "t/a.txt", a, sizeof a - 1, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, "t/b.txt", b, sizeof b - 1, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_store_put_if_absent(s, "t/b.txt", a, sizeof a - 1, err0()), LF_ERR_CONFLICT);
  lfh_buf got = {0};
  CU_ASSERT_EQUAL(lfh_store_get(s, "t/b.txt", &got, err0()), LF_OK);
  CU_ASSERT_TRUE(got.len == sizeof b - 1 && memcmp(got.data, b, got.len) == 0);
  lfh_buf_free(&got);
  int n = 0;
  CU_ASSERT_EQUAL(lfh_store_list(s, "t/", collect, &n, err0()), LF_OK);
  CU_ASSERT_EQUAL(n, 2);
  CU_ASSERT_EQUAL(lfh_store_delete(s, "t/a.txt", err0()), LF_OK);
  /* Many calls, one token. */
  CU_ASSERT_EQUAL(token_requests(), 1);
  lfh_store_close(s);
  unsetenv("LFH_AZURE_BLOB_ENDPOINT");
}

int main(void) {
  int ok = setup() == 0;
  if (!ok) fprintf(stderr, "setup failed: stand-in, openssl or Azurite\n");
  static const lfh_test_case cases[] = {
      {"stand-in, certificate and Azurite (https, oauth) up", test_setup},
      {"IMDS token as Bearer: container and blob on Azurite", test_bearer_against_azurite},
      {"lfh_store on abfss:// with managed identity", test_store_with_managed_identity},
      {NULL, NULL}};
  int rc = lfh_test_run("az_oauth", cases);
  teardown();
  return rc;
}
