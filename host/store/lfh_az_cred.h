/*
 * lfh_az_cred — how lfhost authenticates to Azure Storage, chosen like the Azure SDKs
 * choose (DefaultAzureCredential, storage subset), first match wins:
 *   1. a SAS token: AZURE_STORAGE_SAS_TOKEN (query string, with or without '?');
 *   2. Shared Key: AZURE_STORAGE_KEY (base64), or AccountKey= in
 *      AZURE_STORAGE_CONNECTION_STRING (Azurite and development);
 *   3. managed identity, App Service variant: IDENTITY_ENDPOINT + IDENTITY_HEADER;
 *   4. managed identity through IMDS: http://169.254.169.254/metadata/identity/oauth2/token
 *      (host overridable by AZURE_POD_IDENTITY_AUTHORITY_HOST), `Metadata: true`, with
 *      AZURE_CLIENT_ID as client_id when set (user-assigned identity).
 * LFH_AZURE_AUTH=sas|shared_key|managed_identity forces one of them.
 *
 * Bearer tokens are cached and refreshed five minutes before they expire; fetching them
 * retries as Azure documents (IMDS: 404, 429, 5xx with backoff, Retry-After honoured).
 * No secret (key, SAS, token, identity header) is ever printed, logged or stored.
 */
#ifndef LFH_AZ_CRED_H
#define LFH_AZ_CRED_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_plugin.h"

typedef enum lfh_az_cred_kind {
  LFH_AZ_CRED_SAS = 1,
  LFH_AZ_CRED_SHARED_KEY = 2,
  LFH_AZ_CRED_BEARER = 3 /* managed identity (IMDS or App Service) */
} lfh_az_cred_kind;

typedef struct lfh_az_cred lfh_az_cred;

/* The credential for storage account `account`, from the environment as above. NULL with
 * `err` when nothing applies (the message lists what was looked for). Thread-safe: one
 * credential may be shared by the threads of a store. */
lfh_az_cred *lfh_az_cred_from_env(const char *account, lf_error *err);
void lfh_az_cred_free(lfh_az_cred *c);

uint32_t lfh_az_cred_kind_of(const lfh_az_cred *c); /* an lfh_az_cred_kind */
/* "sas", "shared key", "managed identity (IMDS)", "managed identity (App Service)" */
const char *lfh_az_cred_describe(const lfh_az_cred *c);

/* SAS: the query string without '?'. Borrowed from the credential. */
const char *lfh_az_cred_sas(const lfh_az_cred *c);
/* Shared Key: the decoded key bytes. Borrowed from the credential. */
const uint8_t *lfh_az_cred_key(const lfh_az_cred *c, size_t *len);
/* Bearer: a valid access token for https://storage.azure.com/ into `out` (NUL-terminated),
 * from the cache or fetched now. LF_ERR_IO / LF_ERR_INVALID with a message naming the
 * endpoint (never the token). */
int lfh_az_cred_bearer(lfh_az_cred *c, char *out, size_t cap, lf_error *err);

/* Tests: the CA bundle for HTTPS to a stand-in or Azurite (LFH_AZURE_CA_FILE), or NULL. */
const char *lfh_az_ca_file(void);

#endif
