/*
 * lfproduce writing into an Azurite landing container with each authentication method
 * lfhost supports: Shared Key (connection string), a SAS token, and a managed identity
 * through IMDS and through the App Service endpoint (the local stand-in), all over HTTPS
 * with Azurite's `--oauth basic`, which checks every kind. Each run must leave exactly
 * the files, byte for byte, that the same options write into a local folder. A credential
 * that is refused fails the run with a message that names no secret.
 * Needs python3, openssl, node and tests/azure's Azurite: it fails, never skips.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "az_standin.h"
#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_store.h"
#include "store/lfh_store_backend.h"

#ifndef LFPRODUCE_EXE
#error "producer/CMakeLists.txt defines LFPRODUCE_EXE for this test"
#endif

#define DEV_ACCOUNT "devstoreaccount1"
#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#define LANDING "abfss://landing@" DEV_ACCOUNT ".dfs.core.windows.net"
#define ARGS "--events 3000 --files 3 --seed 11 --late-fraction 0.05 --malformed-fraction 0.01"

static az_standin g_si;
static char *g_dir; /* temp folder: certificate, Azurite, the local reference; owned */
static char g_cert[512];
static char g_endpoint[256];
static int g_azurite_up;
static char g_msg[1024];
static lf_error g_err;

static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

static const char *const g_auth_vars[] = {
    "LFH_AZURE_AUTH", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_CONNECTION_STRING", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
    "AZURE_CLIENT_ID", "AZURE_POD_IDENTITY_AUTHORITY_HOST", NULL};

static void env_clear(void) {
  for (size_t i = 0; g_auth_vars[i]; i++) unsetenv(g_auth_vars[i]);
  /* No IMDS probe to the real address while a test expects another source. */
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9", 1);
}

static void env_shared_key(void) {
  env_clear();
  setenv("AZURE_STORAGE_CONNECTION_STRING",
         "DefaultEndpointsProtocol=https;AccountName=" DEV_ACCOUNT ";AccountKey=" DEV_KEY ";", 1);
}

/* Runs lfproduce with ARGS into `out`; its exit status, stderr into DIR/stderr.txt. */
static int produce(const char *out) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s --quiet " ARGS " --out '%s' 2>'%s/stderr.txt'", LFPRODUCE_EXE,
           out, g_dir);
  return system(cmd);
}

static char *last_stderr(void) {
  char path[600];
  snprintf(path, sizeof path, "%s/stderr.txt", g_dir);
  return lfh_test_slurp(path, NULL);
}

/* An account SAS for the Blob service signed with the dev key (the 2020-12-06+ form:
 * account, sp, ss, srt, st, se, sip, spr, sv, ses, each on its own line, then one more
 * newline). `perms` e.g. "racwdl". Written into out (cap 512). */
static int make_sas(const char *perms, char *out) {
  uint8_t key[96];
  int n = EVP_DecodeBlock(key, (const unsigned char *)DEV_KEY, (int)strlen(DEV_KEY));
  if (n < 2) return -1;
  n -= 2; /* DEV_KEY ends in "==" */
  char expiry[32];
  time_t t = time(NULL) + 3600;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(expiry, sizeof expiry, "%Y-%m-%dT%H:%M:%SZ", &tm);
  char sts[512];
  snprintf(sts, sizeof sts, "%s\n%s\nb\nsco\n\n%s\n\nhttps\n2021-08-06\n\n", DEV_ACCOUNT, perms,
           expiry);
  uint8_t mac[32];
  unsigned mac_len = 0;
  if (!HMAC(EVP_sha256(), key, n, (const uint8_t *)sts, strlen(sts), mac, &mac_len)) return -1;
  char b64[64], sig[128];
  EVP_EncodeBlock((unsigned char *)b64, mac, (int)mac_len);
  size_t j = 0;
  for (const char *p = b64; *p && j + 4 < sizeof sig; p++) {
    if (*p == '+' || *p == '/' || *p == '=')
      j += (size_t)snprintf(sig + j, sizeof sig - j, "%%%02X", (unsigned char)*p);
    else
      sig[j++] = *p;
  }
  sig[j] = '\0';
  /* The colons of the expiry stay as they are: Azure and Azurite decode the query. */
  snprintf(out, 512, "sv=2021-08-06&ss=b&srt=sco&sp=%s&se=%s&spr=https&sig=%s", perms, expiry,
           sig);
  return 0;
}

typedef struct listing {
  int n;
  char keys[16][256];
} listing;

static int collect(void *ctx, const lfh_store_entry *e) {
  listing *l = ctx;
  if (l->n < 16) snprintf(l->keys[l->n], sizeof l->keys[0], "%s", e->key);
  l->n++;
  return 0;
}

/* Every file under LANDING/`folder` equals the one of the same name in the local
 * reference run, and there are as many; read with Shared Key. 0 when so. */
static int same_as_reference(const char *folder) {
  char uri[512], path[1024];
  snprintf(uri, sizeof uri, LANDING "/%s", folder);
  env_shared_key();
  lfh_store *s = lfh_store_open(uri, err0());
  if (!s) return -1;
  listing l = {0};
  int bad = lfh_store_list(s, "", collect, &l, err0()) != LF_OK || l.n != 3;
  for (int i = 0; !bad && i < l.n; i++) {
    lfh_buf got = {0};
    size_t want_len = 0;
    snprintf(path, sizeof path, "%s/ref/%s", g_dir, l.keys[i]);
    char *want = lfh_test_slurp(path, &want_len);
    bad = !want || lfh_store_get(s, l.keys[i], &got, err0()) != LF_OK || got.len != want_len ||
          memcmp(got.data, want, want_len) != 0;
    if (bad) fprintf(stderr, "\n    %s/%s differs from %s\n", uri, l.keys[i], path);
    free(want);
    lfh_buf_free(&got);
  }
  if (l.n != 3) fprintf(stderr, "\n    %d files under %s, want 3\n", l.n, uri);
  lfh_store_close(s);
  return bad ? -1 : 0;
}

static int setup(void) {
  if (az_standin_start(&g_si) != 0) return -1;
  if (!(g_dir = lfh_test_tmpdir())) return -1;
  g_azurite_up = 1;
  if (az_azurite_https_start(g_dir, g_cert, g_endpoint) != 0) return -1;
  setenv("LFH_AZURE_BLOB_ENDPOINT", g_endpoint, 1);
  setenv("LFH_AZURE_CA_FILE", g_cert, 1);
  env_shared_key();
  if (lfh_store_azure_create_container(LANDING "/x", err0()) != LF_OK) {
    fprintf(stderr, "create container: %s\n", g_msg);
    return -1;
  }
  char ref[600];
  snprintf(ref, sizeof ref, "%s/ref", g_dir);
  return produce(ref) == 0 ? 0 : -1;
}

static void teardown(void) {
  if (g_azurite_up) az_azurite_stop(g_dir);
  az_standin_stop(&g_si);
  if (g_dir) lfh_test_rmtree(g_dir);
  free(g_dir);
}

static void test_shared_key(void) {
  env_shared_key();
  CU_ASSERT_EQUAL_FATAL(produce(LANDING "/shared-key"), 0);
  CU_ASSERT_EQUAL(same_as_reference("shared-key"), 0);

  /* A wrong key: refused by Azurite, the run fails, and neither key is printed. */
  env_clear();
  setenv("AZURE_STORAGE_KEY", "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5", 1);
  CU_ASSERT_NOT_EQUAL(produce(LANDING "/wrong-key"), 0);
  char *e = last_stderr();
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  fprintf(stderr, "\n    wrong key: %s", e);
  /* Azure answers 403 AuthenticationFailed; Azurite 400 InvalidAuthenticationInfo. */
  CU_ASSERT_TRUE(strstr(e, "HTTP 403") != NULL || strstr(e, "HTTP 400") != NULL);
  CU_ASSERT_PTR_NULL(strstr(e, "d3Jvbmcta2V5"));
  CU_ASSERT_PTR_NULL(strstr(e, "Eby8vdM02"));
  free(e);
}

static void test_sas(void) {
  char sas[512];
  CU_ASSERT_EQUAL_FATAL(make_sas("racwdl", sas), 0);
  env_clear();
  setenv("AZURE_STORAGE_SAS_TOKEN", sas, 1);
  CU_ASSERT_EQUAL_FATAL(produce(LANDING "/sas"), 0);
  CU_ASSERT_EQUAL(same_as_reference("sas"), 0);

  /* With a leading '?' too, as the portal copies it. */
  char q[520];
  snprintf(q, sizeof q, "?%s", sas);
  env_clear();
  setenv("AZURE_STORAGE_SAS_TOKEN", q, 1);
  CU_ASSERT_EQUAL(produce(LANDING "/sas-q"), 0);
  CU_ASSERT_EQUAL(same_as_reference("sas-q"), 0);

  /* A read-only SAS cannot write: the run fails naming the status, not the signature. */
  CU_ASSERT_EQUAL_FATAL(make_sas("rl", sas), 0);
  env_clear();
  setenv("AZURE_STORAGE_SAS_TOKEN", sas, 1);
  CU_ASSERT_NOT_EQUAL(produce(LANDING "/sas-ro"), 0);
  char *e = last_stderr();
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  fprintf(stderr, "\n    read-only SAS: %s", e);
  CU_ASSERT_PTR_NOT_NULL(strstr(e, "HTTP 403"));
  CU_ASSERT_PTR_NULL(strstr(e, "sig="));
  CU_ASSERT_PTR_NULL(strstr(e, strstr(sas, "sig=") + 4));
  free(e);
}

/* Token requests the stand-in answered on `path`. */
static int token_requests(const char *path) {
  json_t *reqs = az_standin_requests(&g_si);
  int n = 0;
  for (size_t i = 0; i < json_array_size(reqs); i++) {
    const char *p = json_string_value(json_object_get(json_array_get(reqs, i), "path"));
    if (p && strcmp(p, path) == 0) n++;
  }
  json_decref(reqs);
  return n;
}

static void test_imds(void) {
  env_clear();
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", g_si.base, 1);
  CU_ASSERT_EQUAL(az_standin_reset(&g_si), 0);
  /* The probe meets a 429 (any answer proves IMDS is there), the token request a 500
   * with Retry-After and a 503: the run still succeeds. */
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\": [{\"status\": 429}, {\"status\": 500, "
                                            "\"retry_after\": \"1\"}, {\"status\": 503}]}"),
                  0);
  CU_ASSERT_EQUAL_FATAL(produce(LANDING "/imds"), 0);
  CU_ASSERT_EQUAL(same_as_reference("imds"), 0);
  /* The probe plus 3 attempts for one token, cached for the whole run. */
  int n = token_requests("/metadata/identity/oauth2/token");
  CU_ASSERT_EQUAL(n, 4);
  fprintf(stderr, "\n    IMDS requests in the run: %d\n", n);
}

static void env_app_service(const char *identity_header) {
  env_clear();
  char ep[128];
  snprintf(ep, sizeof ep, "%s/msi/token", g_si.base);
  setenv("IDENTITY_ENDPOINT", ep, 1);
  setenv("IDENTITY_HEADER", identity_header, 1);
}

static void test_app_service(void) {
  env_app_service("standin-secret");
  CU_ASSERT_EQUAL(az_standin_reset(&g_si), 0);
  CU_ASSERT_EQUAL_FATAL(produce(LANDING "/app-service"), 0);
  CU_ASSERT_EQUAL(same_as_reference("app-service"), 0);
  CU_ASSERT_EQUAL(token_requests("/msi/token"), 1);

  /* The wrong identity header: no token, the run fails without printing the header. */
  env_app_service("not-the-secret-header");
  CU_ASSERT_NOT_EQUAL(produce(LANDING "/app-service-bad"), 0);
  char *e = last_stderr();
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  fprintf(stderr, "    wrong identity header: %s", e);
  CU_ASSERT_PTR_NOT_NULL(strstr(e, "/msi/token"));
  CU_ASSERT_PTR_NULL(strstr(e, "not-the-secret-header"));
  free(e);
}

int main(void) {
  int ok = setup() == 0;
  if (!ok) fprintf(stderr, "setup failed: stand-in, openssl, Azurite or the local run\n");
  static const lfh_test_case cases[] = {{"Shared Key (connection string)", test_shared_key},
                                        {"SAS token", test_sas},
                                        {"managed identity, IMDS", test_imds},
                                        {"managed identity, App Service", test_app_service},
                                        {NULL, NULL}};
  int rc = ok ? lfh_test_run("produce_azure", cases) : 1;
  teardown();
  return rc;
}
