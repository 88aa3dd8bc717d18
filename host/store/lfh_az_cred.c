/*
 * lfh_az_cred — the credential chain (see lfh_az_cred.h) and the bearer token cache.
 * Secrets live only in this struct and are wiped when it is freed; messages name the
 * environment variables and endpoints, never their secret values.
 */
#include "store/lfh_az_cred.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lf/lf_array.h"
#include "store/lfh_az_identity.h"

/* Refresh this long before expiry: the Azure SDKs' margin, and enough for a slow commit. */
#define REFRESH_MARGIN_S 300
/* A token this close to expiry is not handed out even when a refresh failed. */
#define STILL_VALID_S 30

struct lfh_az_cred {
  uint32_t kind;      /* lfh_az_cred_kind */
  int mi_kind;        /* lfh_az_identity_kind when kind is BEARER */
  char *sas;          /* owned secret: query string without '?' */
  uint8_t *key;       /* owned secret: decoded Shared Key */
  size_t key_len;
  char *endpoint;     /* owned: token URL without query */
  char *id_header;    /* owned secret: App Service X-IDENTITY-HEADER */
  char *client_id;    /* owned, or NULL */
  pthread_mutex_t mu; /* guards the cache: one fetch at a time, shared by all threads */
  char *token;        /* owned secret, cached, or NULL */
  int64_t expires_on; /* of `token`, seconds since the epoch */
};

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

static void wipe_free(void *p, size_t n) {
  if (p) explicit_bzero(p, n);
  free(p);
}

static void wipe_str(char *s) {
  if (s) wipe_free(s, strlen(s));
}

void lfh_az_cred_free(lfh_az_cred *c) {
  if (!c) return;
  wipe_str(c->sas);
  wipe_free(c->key, c->key_len);
  free(c->endpoint);
  wipe_str(c->id_header);
  free(c->client_id);
  wipe_str(c->token);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

static lfh_az_cred *cred_new(uint32_t kind) {
  lfh_az_cred *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->kind = kind;
  pthread_mutex_init(&c->mu, NULL);
  return c;
}

/* ---------------------------------------------------------------- SAS and Shared Key */

static int make_sas(const char *sas, lfh_az_cred **out, lf_error *err) {
  if (*sas == '?') sas++;
  if (!*sas) return lf_error_set(err, LF_ERR_INVALID, "azure: AZURE_STORAGE_SAS_TOKEN is empty");
  lfh_az_cred *c = cred_new(LFH_AZ_CRED_SAS);
  if (!c || !(c->sas = strdup(sas))) {
    lfh_az_cred_free(c);
    return lf_error_set(err, LF_ERR_NOMEM, "azure: out of memory");
  }
  *out = c;
  return LF_OK;
}

/* Strict base64 (whitespace not allowed): the decoded bytes, or LF_ERR_INVALID. */
static int decode_key(const char *b64, size_t n, uint8_t **key, size_t *key_len) {
  if (n == 0 || n % 4 != 0) return LF_ERR_INVALID;
  uint8_t *k = malloc(n / 4 * 3 + 1);
  if (!k) return LF_ERR_NOMEM;
  int len = EVP_DecodeBlock(k, (const unsigned char *)b64, (int)n);
  if (len < 0) {
    free(k);
    return LF_ERR_INVALID;
  }
  /* EVP_DecodeBlock counts the padding as zero bytes. */
  if (b64[n - 1] == '=') len--;
  if (b64[n - 2] == '=') len--;
  *key = k;
  *key_len = (size_t)len;
  return LF_OK;
}

/* The value of `name=` in a ';'-separated connection string: pointer and length, or NULL. */
static const char *conn_field(const char *cs, const char *name, size_t *len) {
  size_t nl = strlen(name);
  for (const char *p = cs; *p;) {
    size_t seg = strcspn(p, ";");
    while (seg > 0 && (*p == ' ' || *p == '\t')) p++, seg--;
    if (seg > nl && p[nl] == '=' && strncasecmp(p, name, nl) == 0) {
      *len = seg - nl - 1;
      return p + nl + 1;
    }
    p += seg;
    if (*p == ';') p++;
  }
  return NULL;
}

static int make_shared_key(const char *b64, size_t n, const char *source, lfh_az_cred **out,
                           lf_error *err) {
  lfh_az_cred *c = cred_new(LFH_AZ_CRED_SHARED_KEY);
  if (!c) return lf_error_set(err, LF_ERR_NOMEM, "azure: out of memory");
  int rc = decode_key(b64, n, &c->key, &c->key_len);
  if (rc != LF_OK) {
    lfh_az_cred_free(c);
    return lf_error_set(err, rc, rc == LF_ERR_NOMEM ? "azure: out of memory"
                                                    : "azure: the key in %s is not valid base64",
                        source);
  }
  *out = c;
  return LF_OK;
}

/* Shared Key from AZURE_STORAGE_KEY or the connection string; LF_ERR_NOT_FOUND when
 * neither holds a key. */
static int try_shared_key(const char *account, lfh_az_cred **out, lf_error *err) {
  const char *key = env("AZURE_STORAGE_KEY");
  if (key) return make_shared_key(key, strlen(key), "AZURE_STORAGE_KEY", out, err);
  const char *cs = env("AZURE_STORAGE_CONNECTION_STRING");
  size_t kn = 0, an = 0;
  const char *k = cs ? conn_field(cs, "AccountKey", &kn) : NULL;
  if (!k) return LF_ERR_NOT_FOUND;
  const char *name = conn_field(cs, "AccountName", &an);
  /* A key for another account could only produce 403s later: say so now. */
  if (name && account && (an != strlen(account) || strncmp(name, account, an) != 0))
    return lf_error_set(err, LF_ERR_INVALID,
                        "azure: AZURE_STORAGE_CONNECTION_STRING is for account '%.*s', not '%s'",
                        (int)an, name, account);
  return make_shared_key(k, kn, "AZURE_STORAGE_CONNECTION_STRING", out, err);
}

/* ---------------------------------------------------------------- managed identity */

static int make_mi(int mi_kind, const char *endpoint, lfh_az_cred **out, lf_error *err) {
  lfh_az_cred *c = cred_new(LFH_AZ_CRED_BEARER);
  const char *hdr = env("IDENTITY_HEADER"), *cid = env("AZURE_CLIENT_ID");
  int bad = !c || !(c->endpoint = strdup(endpoint));
  if (!bad && mi_kind == LFH_AZ_IDENTITY_APP_SERVICE) bad = !(c->id_header = strdup(hdr));
  if (!bad && cid) bad = !(c->client_id = strdup(cid));
  if (bad) {
    lfh_az_cred_free(c);
    return lf_error_set(err, LF_ERR_NOMEM, "azure: out of memory");
  }
  c->mi_kind = mi_kind;
  *out = c;
  return LF_OK;
}

/* App Service when its two variables are set, else IMDS; with `probe`, IMDS only when it
 * answers (`why` gets the reason when not): LF_ERR_NOT_FOUND then. */
static int try_mi(int probe, char *why, size_t cap, lfh_az_cred **out, lf_error *err) {
  const char *ep = env("IDENTITY_ENDPOINT");
  if (ep && env("IDENTITY_HEADER")) return make_mi(LFH_AZ_IDENTITY_APP_SERVICE, ep, out, err);
  char *imds = lfh_az_identity_imds_url(env("AZURE_POD_IDENTITY_AUTHORITY_HOST"));
  if (!imds) return lf_error_set(err, LF_ERR_NOMEM, "azure: out of memory");
  int rc = LF_ERR_NOT_FOUND;
  if (!probe || lfh_az_identity_probe(imds, lfh_az_ca_file(), why, cap))
    rc = make_mi(LFH_AZ_IDENTITY_IMDS, imds, out, err);
  else if (why[0] == '\0') /* the probe's message names the URL; otherwise name it here */
    snprintf(why, cap, "no answer from %s", imds);
  free(imds);
  return rc;
}

/* ---------------------------------------------------------------- the chain */

static int forced(const char *account, const char *mode, lfh_az_cred **out, lf_error *err) {
  const char *sas = env("AZURE_STORAGE_SAS_TOKEN");
  char why[256] = "";
  if (strcmp(mode, "sas") == 0) {
    if (!sas) return lf_error_set(err, LF_ERR_INVALID,
                                  "azure: LFH_AZURE_AUTH=sas but AZURE_STORAGE_SAS_TOKEN is not set");
    return make_sas(sas, out, err);
  }
  if (strcmp(mode, "shared_key") == 0) {
    int rc = try_shared_key(account, out, err);
    if (rc == LF_ERR_NOT_FOUND)
      return lf_error_set(err, LF_ERR_INVALID,
                          "azure: LFH_AZURE_AUTH=shared_key but neither AZURE_STORAGE_KEY nor "
                          "AccountKey= in AZURE_STORAGE_CONNECTION_STRING is set");
    return rc;
  }
  if (strcmp(mode, "managed_identity") == 0) return try_mi(0, why, sizeof why, out, err);
  return lf_error_set(err, LF_ERR_INVALID,
                      "azure: LFH_AZURE_AUTH must be sas, shared_key or managed_identity");
}

lfh_az_cred *lfh_az_cred_from_env(const char *account, lf_error *err) {
  lfh_az_cred *c = NULL;
  const char *mode = env("LFH_AZURE_AUTH");
  if (mode) return forced(account, mode, &c, err) == LF_OK ? c : NULL;
  const char *sas = env("AZURE_STORAGE_SAS_TOKEN");
  if (sas) return make_sas(sas, &c, err) == LF_OK ? c : NULL;
  int rc = try_shared_key(account, &c, err);
  if (rc != LF_ERR_NOT_FOUND) return rc == LF_OK ? c : NULL;
  char why[384] = "";
  rc = try_mi(1, why, sizeof why, &c, err);
  if (rc == LF_OK) return c;
  if (rc == LF_ERR_NOT_FOUND)
    lf_error_set(err, LF_ERR_INVALID,
                 "azure: no credential for account '%s': looked for AZURE_STORAGE_SAS_TOKEN, "
                 "AZURE_STORAGE_KEY, AccountKey= in AZURE_STORAGE_CONNECTION_STRING, "
                 "IDENTITY_ENDPOINT+IDENTITY_HEADER (App Service) and the IMDS endpoint (%s); "
                 "LFH_AZURE_AUTH=sas|shared_key|managed_identity forces one",
                 account ? account : "?", why);
  return NULL;
}

/* ---------------------------------------------------------------- accessors */

uint32_t lfh_az_cred_kind_of(const lfh_az_cred *c) { return c ? c->kind : 0; }

const char *lfh_az_cred_describe(const lfh_az_cred *c) {
  if (!c) return "none";
  switch (c->kind) {
  case LFH_AZ_CRED_SAS: return "sas";
  case LFH_AZ_CRED_SHARED_KEY: return "shared key";
  default:
    return c->mi_kind == LFH_AZ_IDENTITY_APP_SERVICE ? "managed identity (App Service)"
                                                      : "managed identity (IMDS)";
  }
}

const char *lfh_az_cred_sas(const lfh_az_cred *c) {
  return c && c->kind == LFH_AZ_CRED_SAS ? c->sas : NULL;
}

const uint8_t *lfh_az_cred_key(const lfh_az_cred *c, size_t *len) {
  if (!c || c->kind != LFH_AZ_CRED_SHARED_KEY) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = c->key_len;
  return c->key;
}

const char *lfh_az_ca_file(void) { return env("LFH_AZURE_CA_FILE"); }

/* ---------------------------------------------------------------- bearer tokens */

/* Under c->mu: a fresh token into the cache when the cached one is missing or within
 * the refresh margin of its expiry. */
static int refresh_locked(lfh_az_cred *c, lf_error *err) {
  if (c->token && (int64_t)time(NULL) < c->expires_on - REFRESH_MARGIN_S) return LF_OK;
  lfh_az_identity_src src = {.kind = c->mi_kind, .endpoint = c->endpoint,
                             .identity_header = c->id_header, .client_id = c->client_id,
                             .ca_file = lfh_az_ca_file()};
  char *tok = NULL;
  int64_t exp = 0;
  int rc = lfh_az_identity_fetch(&src, &tok, &exp, err);
  /* A failed early refresh keeps using the cached token while it is still valid for a
   * while: an identity endpoint hiccup should not fail storage calls that would work. */
  if (rc != LF_OK && c->token && (int64_t)time(NULL) < c->expires_on - STILL_VALID_S) return LF_OK;
  if (rc != LF_OK) return rc;
  wipe_str(c->token);
  c->token = tok;
  c->expires_on = exp;
  return LF_OK;
}

int lfh_az_cred_bearer(lfh_az_cred *c, char *out, size_t cap, lf_error *err) {
  if (!c || c->kind != LFH_AZ_CRED_BEARER)
    return lf_error_set(err, LF_ERR_INVALID, "azure: not a managed identity credential");
  pthread_mutex_lock(&c->mu);
  int rc = refresh_locked(c, err);
  if (rc == LF_OK) {
    size_t n = strlen(c->token);
    if (n >= cap) rc = lf_error_set(err, LF_ERR_INVALID,
                                    "%s at %s: the token (%zu bytes) does not fit in %zu",
                                    lfh_az_cred_describe(c), c->endpoint, n, cap);
    else memcpy(out, c->token, n + 1);
  }
  pthread_mutex_unlock(&c->mu);
  return rc;
}
