/*
 * lfh_az_cred: every source of the chain chosen from the environment, forced choices,
 * the error when nothing applies (what was looked for, no secret), and managed identity
 * against the local stand-in (tests/azure/imds_standin.py): IMDS and App Service requests
 * as Azure documents them, retries on 429/5xx (and 404 for IMDS) counted by the
 * stand-in, Retry-After honoured, the token cache (shared by threads) and its refresh
 * five minutes before expiry.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "az_standin.h"
#include "lf/lf_array.h"
#include "lfh_test.h"
#include "store/lfh_az_cred.h"
#include "store/lfh_az_identity.h"

static az_standin g_si;
static char g_msg[1024];
static lf_error g_err;
static char g_dead[64]; /* "http://127.0.0.1:PORT" where nothing listens */

/* Azurite's well-known development key (public, documented): decodes to 64 bytes. */
#define AZURITE_KEY                                                                          \
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

static lf_error *err0(void) {
  lf_error_init(&g_err, g_msg, sizeof g_msg);
  return &g_err;
}

static const char *const k_vars[] = {
    "LFH_AZURE_AUTH",    "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_CONNECTION_STRING", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
    "AZURE_CLIENT_ID",   "AZURE_POD_IDENTITY_AUTHORITY_HOST", "LFH_AZURE_CA_FILE", NULL};

/* A clean slate: no Azure variable, and IMDS pointed at a dead port so that no test
 * ever reaches a real 169.254.169.254 by accident. */
static void env_clear(void) {
  for (size_t i = 0; k_vars[i]; i++) unsetenv(k_vars[i]);
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", g_dead, 1);
}

static void env_imds(void) {
  env_clear();
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", g_si.base, 1);
}

static void env_app_service(const char *secret) {
  env_clear();
  char ep[128];
  snprintf(ep, sizeof ep, "%s/msi/token", g_si.base);
  setenv("IDENTITY_ENDPOINT", ep, 1);
  setenv("IDENTITY_HEADER", secret, 1);
}

/* The last recorded request (caller owns) or NULL. */
static json_t *last_request(void) {
  json_t *reqs = az_standin_requests(&g_si);
  size_t n = json_array_size(reqs);
  json_t *r = n ? json_incref(json_array_get(reqs, n - 1)) : NULL;
  json_decref(reqs);
  return r;
}

static const char *field(json_t *req, const char *part, const char *key) {
  const char *v = json_string_value(json_object_get(json_object_get(req, part), key));
  return v ? v : "(absent)";
}

static void test_started(void) {
  CU_ASSERT_TRUE_FATAL(g_si.port > 0);
  CU_ASSERT_EQUAL(az_standin_reset(&g_si), 0);
}

static void test_sas(void) {
  env_clear();
  setenv("AZURE_STORAGE_SAS_TOKEN", "?sv=2022-11-02&sig=SECRETSIG", 1);
  setenv("AZURE_STORAGE_KEY", AZURITE_KEY, 1); /* SAS comes first */
  lfh_az_cred *c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(lfh_az_cred_kind_of(c), LFH_AZ_CRED_SAS);
  CU_ASSERT_STRING_EQUAL(lfh_az_cred_describe(c), "sas");
  CU_ASSERT_STRING_EQUAL(lfh_az_cred_sas(c), "sv=2022-11-02&sig=SECRETSIG");
  CU_ASSERT_PTR_NULL(lfh_az_cred_key(c, NULL));
  char tok[64];
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, tok, sizeof tok, err0()), LF_ERR_INVALID);
  lfh_az_cred_free(c);
  setenv("AZURE_STORAGE_SAS_TOKEN", "sv=1&sig=x", 1); /* without '?' */
  c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_STRING_EQUAL(c ? lfh_az_cred_sas(c) : "", "sv=1&sig=x");
  lfh_az_cred_free(c);
}

static void test_shared_key(void) {
  env_clear();
  setenv("AZURE_STORAGE_KEY", "AAECA/8=", 1); /* 00 01 02 03 ff */
  lfh_az_cred *c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(lfh_az_cred_kind_of(c), LFH_AZ_CRED_SHARED_KEY);
  CU_ASSERT_STRING_EQUAL(lfh_az_cred_describe(c), "shared key");
  size_t n = 0;
  const uint8_t *k = lfh_az_cred_key(c, &n);
  static const uint8_t want[] = {0, 1, 2, 3, 0xff};
  CU_ASSERT_EQUAL(n, 5);
  CU_ASSERT_TRUE(k && memcmp(k, want, 5) == 0);
  CU_ASSERT_PTR_NULL(lfh_az_cred_sas(c));
  lfh_az_cred_free(c);

  setenv("AZURE_STORAGE_KEY", "not*base64SECRET", 1);
  CU_ASSERT_PTR_NULL(lfh_az_cred_from_env("acct", err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "AZURE_STORAGE_KEY"));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "SECRET"));
}

static void test_connection_string(void) {
  env_clear();
  setenv("AZURE_STORAGE_CONNECTION_STRING",
         "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" AZURITE_KEY
         ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
         1);
  lfh_az_cred *c = lfh_az_cred_from_env("devstoreaccount1", err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(lfh_az_cred_kind_of(c), LFH_AZ_CRED_SHARED_KEY);
  size_t n = 0;
  const uint8_t *k = lfh_az_cred_key(c, &n);
  CU_ASSERT_EQUAL(n, 64);
  CU_ASSERT_TRUE(k && k[0] == 0x11 && k[1] == 0xbc && k[63] == 0x1b);
  lfh_az_cred_free(c);

  /* Another account's key: refused now, naming both accounts, not the key. */
  CU_ASSERT_PTR_NULL(lfh_az_cred_from_env("otheraccount", err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "devstoreaccount1"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "otheraccount"));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "Eby8"));

  /* A connection string without a key is not Shared Key: the chain goes on. */
  setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=acct;SharedAccessSignature=sv=1", 1);
  CU_ASSERT_PTR_NULL(lfh_az_cred_from_env("acct", err0()));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "looked for"));
}

static void test_nothing_applies(void) {
  env_clear();
  setenv("IDENTITY_HEADER", "HDRSECRET", 1); /* half of App Service: not enough */
  CU_ASSERT_PTR_NULL(lfh_az_cred_from_env("acct", err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
  static const char *const named[] = {"'acct'", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_KEY",
                                      "AZURE_STORAGE_CONNECTION_STRING", "IDENTITY_ENDPOINT",
                                      "IMDS", "LFH_AZURE_AUTH", NULL};
  for (size_t i = 0; named[i]; i++) CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, named[i]));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, g_dead)); /* where IMDS was looked for */
  CU_ASSERT_PTR_NULL(strstr(g_msg, "HDRSECRET"));
  fprintf(stderr, "\n    %s\n", g_msg);
}

static void test_imds_urls(void) {
  char *u = lfh_az_identity_imds_url(NULL);
  CU_ASSERT_STRING_EQUAL(u, "http://169.254.169.254/metadata/identity/oauth2/token");
  free(u);
  u = lfh_az_identity_imds_url("10.0.0.7:2579/");
  CU_ASSERT_STRING_EQUAL(u, "http://10.0.0.7:2579/metadata/identity/oauth2/token");
  free(u);
  u = lfh_az_identity_imds_url("https://pod-id.local");
  CU_ASSERT_STRING_EQUAL(u, "https://pod-id.local/metadata/identity/oauth2/token");
  free(u);
}

static void test_forced(void) {
  env_clear();
  setenv("AZURE_STORAGE_SAS_TOKEN", "sv=1&sig=SASSECRET", 1);
  setenv("AZURE_STORAGE_KEY", AZURITE_KEY, 1);
  setenv("LFH_AZURE_AUTH", "shared_key", 1);
  lfh_az_cred *c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_EQUAL(lfh_az_cred_kind_of(c), LFH_AZ_CRED_SHARED_KEY);
  lfh_az_cred_free(c);
  /* Forced managed identity does not probe: the dead IMDS still makes a credential. */
  setenv("LFH_AZURE_AUTH", "managed_identity", 1);
  c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_EQUAL(lfh_az_cred_kind_of(c), LFH_AZ_CRED_BEARER);
  CU_ASSERT_STRING_EQUAL(c ? lfh_az_cred_describe(c) : "", "managed identity (IMDS)");
  lfh_az_cred_free(c);
  setenv("LFH_AZURE_AUTH", "sas", 1);
  c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_EQUAL(lfh_az_cred_kind_of(c), LFH_AZ_CRED_SAS);
  lfh_az_cred_free(c);

  unsetenv("AZURE_STORAGE_SAS_TOKEN");
  CU_ASSERT_PTR_NULL(lfh_az_cred_from_env("acct", err0()));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "AZURE_STORAGE_SAS_TOKEN is not set"));
  unsetenv("AZURE_STORAGE_KEY");
  setenv("LFH_AZURE_AUTH", "shared_key", 1);
  CU_ASSERT_PTR_NULL(lfh_az_cred_from_env("acct", err0()));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "AZURE_STORAGE_KEY"));
  setenv("LFH_AZURE_AUTH", "password", 1);
  CU_ASSERT_PTR_NULL(lfh_az_cred_from_env("acct", err0()));
  CU_ASSERT_EQUAL(g_err.code, LF_ERR_INVALID);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "sas, shared_key or managed_identity"));
}

static void test_imds_request(void) {
  env_imds();
  setenv("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555", 1);
  CU_ASSERT_EQUAL_FATAL(az_standin_reset(&g_si), 0);
  lfh_az_cred *c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(lfh_az_cred_kind_of(c), LFH_AZ_CRED_BEARER);
  CU_ASSERT_STRING_EQUAL(lfh_az_cred_describe(c), "managed identity (IMDS)");
  /* Chosen because the endpoint answered the probe, which goes without Metadata. */
  json_t *probe = last_request();
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 1);
  CU_ASSERT_STRING_EQUAL(field(probe, "headers", "metadata"), "(absent)");
  json_decref(probe);

  char tok[4096];
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, tok, sizeof tok, err0()), LF_OK);
  CU_ASSERT_EQUAL(strncmp(tok, "eyJ", 3), 0); /* a JWT */
  json_t *r = last_request();
  CU_ASSERT_STRING_EQUAL(field(r, "headers", "metadata"), "true");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "path")),
                         "/metadata/identity/oauth2/token");
  CU_ASSERT_STRING_EQUAL(field(r, "query", "api-version"), "2018-02-01");
  CU_ASSERT_STRING_EQUAL(field(r, "query", "resource"), "https://storage.azure.com/");
  CU_ASSERT_STRING_EQUAL(field(r, "query", "client_id"), "11111111-2222-3333-4444-555555555555");
  json_decref(r);
  lfh_az_cred_free(c);

  /* System-assigned: no client_id at all. */
  unsetenv("AZURE_CLIENT_ID");
  c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_EQUAL(c ? lfh_az_cred_bearer(c, tok, sizeof tok, err0()) : -99, LF_OK);
  r = last_request();
  CU_ASSERT_STRING_EQUAL(field(r, "query", "client_id"), "(absent)");
  json_decref(r);
  lfh_az_cred_free(c);
}

static void test_app_service_request(void) {
  env_app_service("standin-secret");
  setenv("AZURE_CLIENT_ID", "uai-client", 1);
  CU_ASSERT_EQUAL_FATAL(az_standin_reset(&g_si), 0);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"identity_header\":\"standin-secret\"}"), 0);
  lfh_az_cred *c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_STRING_EQUAL(lfh_az_cred_describe(c), "managed identity (App Service)");
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 0); /* no probe for App Service */
  char tok[4096];
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, tok, sizeof tok, err0()), LF_OK);
  json_t *r = last_request();
  CU_ASSERT_STRING_EQUAL(field(r, "headers", "x-identity-header"), "standin-secret");
  CU_ASSERT_STRING_EQUAL(field(r, "headers", "metadata"), "(absent)");
  CU_ASSERT_STRING_EQUAL(field(r, "query", "api-version"), "2019-08-01");
  CU_ASSERT_STRING_EQUAL(field(r, "query", "resource"), "https://storage.azure.com/");
  CU_ASSERT_STRING_EQUAL(field(r, "query", "client_id"), "uai-client");
  json_decref(r);
  lfh_az_cred_free(c);

  /* A wrong secret: the endpoint's complaint is reported, the secret is not. */
  env_app_service("WRONGSECRET");
  c = lfh_az_cred_from_env("acct", err0());
  CU_ASSERT_EQUAL(c ? lfh_az_cred_bearer(c, tok, sizeof tok, err0()) : -99, LF_ERR_IO);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "/msi/token"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "HTTP 400"));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "WRONGSECRET"));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "standin-secret"));
  fprintf(stderr, "\n    %s\n", g_msg);
  lfh_az_cred_free(c);
}

/* A managed identity credential for the stand-in (IMDS unless `app`), requests reset. */
static lfh_az_cred *mi_cred(int app) {
  if (app) env_app_service("standin-secret");
  else env_imds();
  lfh_az_cred *c = lfh_az_cred_from_env("acct", err0());
  az_standin_reset(&g_si);
  return c;
}

static void test_retries_429_500(void) {
  lfh_az_cred *c = mi_cred(0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\":[{\"status\":429},{\"status\":500}]}"), 0);
  char tok[4096];
  double t0 = az_now();
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, tok, sizeof tok, err0()), LF_OK);
  double dt = az_now() - t0;
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 3); /* 429, 500, then the token */
  /* Backoff 800 then 1600 ms, each within ±20 %. */
  CU_ASSERT_TRUE(dt >= 1.9 && dt < 5.0);
  fprintf(stderr, "\n    IMDS 429, 500, 200: 3 requests, %.3f s\n", dt);
  lfh_az_cred_free(c);

  /* The App Service variant retries them too. */
  c = mi_cred(1);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\":[{\"status\":503,\"retry_after\":\"0\"}]}"),
                  0);
  CU_ASSERT_EQUAL(c ? lfh_az_cred_bearer(c, tok, sizeof tok, err0()) : -99, LF_OK);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 2);
  lfh_az_cred_free(c);
}

static void test_imds_404_retried(void) {
  lfh_az_cred *c = mi_cred(0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\":[{\"status\":404,\"retry_after\":\"0\"},"
                                            "{\"status\":410,\"retry_after\":\"0\"},"
                                            "{\"status\":404,\"retry_after\":\"0\"}]}"), 0);
  char tok[4096];
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, tok, sizeof tok, err0()), LF_OK);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 4);
  lfh_az_cred_free(c);

  /* App Service: a 404 is an answer, not retried. */
  c = mi_cred(1);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\":[{\"status\":404}]}"), 0);
  CU_ASSERT_EQUAL(c ? lfh_az_cred_bearer(c, tok, sizeof tok, err0()) : -99, LF_ERR_IO);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "HTTP 404 after 1 attempt"));
  lfh_az_cred_free(c);
}

static void test_retry_after(void) {
  lfh_az_cred *c = mi_cred(0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\":[{\"status\":429,\"retry_after\":\"2\"}]}"),
                  0);
  char tok[4096];
  double t0 = az_now();
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, tok, sizeof tok, err0()), LF_OK);
  double dt = az_now() - t0;
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 2);
  /* 2 s asked; the backoff alone would have been 0.64-0.96 s. */
  CU_ASSERT_TRUE(dt >= 1.99 && dt < 4.0);
  fprintf(stderr, "\n    IMDS 429 Retry-After: 2 -> %.3f s\n", dt);
  lfh_az_cred_free(c);
}

static void test_retries_exhausted(void) {
  lfh_az_cred *c = mi_cred(0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"fail\":[{\"status\":500,\"retry_after\":\"0\"},"
                                            "{\"status\":500,\"retry_after\":\"0\"},"
                                            "{\"status\":500,\"retry_after\":\"0\"},"
                                            "{\"status\":500,\"retry_after\":\"0\"},"
                                            "{\"status\":500,\"retry_after\":\"0\"},"
                                            "{\"status\":500,\"retry_after\":\"0\"}]}"), 0);
  char tok[4096];
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, tok, sizeof tok, err0()), LF_ERR_IO);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 5);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "HTTP 500 after 5 attempts"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_msg, "/metadata/identity/oauth2/token"));
  CU_ASSERT_PTR_NULL(strstr(g_msg, "resource=")); /* no query in messages */
  lfh_az_cred_free(c);
  az_standin_reset(&g_si);
}

static void test_cache_and_refresh(void) {
  lfh_az_cred *c = mi_cred(0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"expires_in\":3600}"), 0);
  char t1[4096], t2[4096];
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, t1, sizeof t1, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, t2, sizeof t2, err0()), LF_OK);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 1); /* the second came from the cache */
  CU_ASSERT_STRING_EQUAL(t1, t2);

  /* Tokens that expire within five minutes are fetched again on every call. */
  lfh_az_cred_free(c);
  c = mi_cred(0);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"expires_in\":240}"), 0);
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, t1, sizeof t1, err0()), LF_OK);
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, t2, sizeof t2, err0()), LF_OK);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 2);
  CU_ASSERT_STRING_NOT_EQUAL(t1, t2); /* a new token each time */
  /* ...and once the endpoint hands out long-lived ones, the cache holds again. */
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"expires_in\":420}"), 0);
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, t1, sizeof t1, err0()), LF_OK);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 3);
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, t2, sizeof t2, err0()), LF_OK);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 3);
  lfh_az_cred_free(c);

  /* expires_in alone (no expires_on) is enough. */
  c = mi_cred(1);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"expires_in\":3600,\"expires_on_format\":\"none\"}"),
                  0);
  CU_ASSERT_EQUAL(c ? lfh_az_cred_bearer(c, t1, sizeof t1, err0()) : -99, LF_OK);
  CU_ASSERT_EQUAL(c ? lfh_az_cred_bearer(c, t2, sizeof t2, err0()) : -99, LF_OK);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 1);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"expires_on_format\":\"epoch\"}"), 0);
  lfh_az_cred_free(c);
}

#define FIVE_500S                                                                           \
  "{\"fail\":[{\"status\":500,\"retry_after\":\"0\"},{\"status\":500,\"retry_after\":\"0\"}," \
  "{\"status\":500,\"retry_after\":\"0\"},{\"status\":500,\"retry_after\":\"0\"},"           \
  "{\"status\":500,\"retry_after\":\"0\"}]}"

static void test_refresh_failure_keeps_valid_token(void) {
  lfh_az_cred *c = mi_cred(0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  char t1[4096], t2[4096];
  /* Four minutes left: due for refresh, but still good. */
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"expires_in\":240}"), 0);
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, t1, sizeof t1, err0()), LF_OK);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, FIVE_500S), 0);
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, t2, sizeof t2, err0()), LF_OK);
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 6); /* the refresh was tried, 5 times */
  CU_ASSERT_STRING_EQUAL(t1, t2);
  lfh_az_cred_free(c);

  /* Twenty seconds left: too close; the failure is reported. */
  c = mi_cred(0);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"expires_in\":20}"), 0);
  CU_ASSERT_EQUAL(c ? lfh_az_cred_bearer(c, t1, sizeof t1, err0()) : -99, LF_OK);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, FIVE_500S), 0);
  CU_ASSERT_EQUAL(c ? lfh_az_cred_bearer(c, t2, sizeof t2, err0()) : -99, LF_ERR_IO);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"expires_in\":3600}"), 0);
  lfh_az_cred_free(c);
  az_standin_reset(&g_si);
}

enum { N_THREADS = 8 };

typedef struct bearer_job {
  lfh_az_cred *c;
  int rc;
  char tok[4096];
} bearer_job;

static void *bearer_thread(void *arg) {
  bearer_job *j = arg;
  char msg[256];
  lf_error e;
  lf_error_init(&e, msg, sizeof msg);
  j->rc = lfh_az_cred_bearer(j->c, j->tok, sizeof j->tok, &e);
  return NULL;
}

static void test_threads_share_one_fetch(void) {
  lfh_az_cred *c = mi_cred(0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  CU_ASSERT_EQUAL(az_standin_control(&g_si, "{\"expires_in\":3600}"), 0);
  static bearer_job jobs[N_THREADS];
  pthread_t t[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) {
    jobs[i].c = c;
    pthread_create(&t[i], NULL, bearer_thread, &jobs[i]);
  }
  for (int i = 0; i < N_THREADS; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < N_THREADS; i++) {
    CU_ASSERT_EQUAL(jobs[i].rc, LF_OK);
    CU_ASSERT_STRING_EQUAL(jobs[i].tok, jobs[0].tok);
  }
  CU_ASSERT_EQUAL(az_standin_count(&g_si), 1);
  lfh_az_cred_free(c);
}

static void test_small_buffer(void) {
  lfh_az_cred *c = mi_cred(0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  char tok[16];
  CU_ASSERT_EQUAL(lfh_az_cred_bearer(c, tok, sizeof tok, err0()), LF_ERR_INVALID);
  CU_ASSERT_PTR_NULL(strstr(g_msg, "eyJ"));
  lfh_az_cred_free(c);
}

int main(void) {
  if (az_standin_start(&g_si) != 0) fprintf(stderr, "imds_standin.py did not start\n");
  /* A second stand-in, stopped at once, leaves a port where nothing listens. */
  az_standin dead;
  if (az_standin_start(&dead) == 0) snprintf(g_dead, sizeof g_dead, "%s", dead.base);
  az_standin_stop(&dead);
  static const lfh_test_case cases[] = {
      {"stand-in answers", test_started},
      {"SAS first, with or without '?'", test_sas},
      {"Shared Key from AZURE_STORAGE_KEY, bad base64", test_shared_key},
      {"Shared Key from the connection string, account check", test_connection_string},
      {"nothing applies: what was looked for, no secret", test_nothing_applies},
      {"IMDS URL and AZURE_POD_IDENTITY_AUTHORITY_HOST", test_imds_urls},
      {"LFH_AZURE_AUTH forces a source", test_forced},
      {"IMDS: probe, Metadata, api-version, resource, client_id", test_imds_request},
      {"App Service: X-IDENTITY-HEADER, api-version, client_id", test_app_service_request},
      {"429 then 500 then a token: retried with backoff", test_retries_429_500},
      {"IMDS retries 404 and 410, App Service does not", test_imds_404_retried},
      {"Retry-After honoured", test_retry_after},
      {"retries exhausted: endpoint and attempts named", test_retries_exhausted},
      {"token cached; refreshed within 5 minutes of expiry", test_cache_and_refresh},
      {"a failed early refresh keeps the still-valid token", test_refresh_failure_keeps_valid_token},
      {"8 threads, one fetch", test_threads_share_one_fetch},
      {"token larger than the buffer", test_small_buffer},
      {NULL, NULL}};
  int rc = lfh_test_run("az_cred", cases);
  az_standin_stop(&g_si);
  return rc;
}
