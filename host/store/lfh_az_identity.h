/*
 * lfh_az_identity — one access token from a managed identity endpoint (internal to
 * lfh_az_cred): the request each variant documents, the retries it documents, and the
 * token response parsed. Callers cache; this module never does.
 */
#ifndef LFH_AZ_IDENTITY_H
#define LFH_AZ_IDENTITY_H

#include <stdint.h>

#include "lf/lf_plugin.h"

#define LFH_AZ_STORAGE_RESOURCE "https://storage.azure.com/"
#define LFH_AZ_IMDS_HOST "http://169.254.169.254"
#define LFH_AZ_IMDS_PATH "/metadata/identity/oauth2/token"

typedef enum lfh_az_identity_kind {
  LFH_AZ_IDENTITY_IMDS = 1,
  LFH_AZ_IDENTITY_APP_SERVICE = 2
} lfh_az_identity_kind;

/* Where and how to ask. All strings borrowed. */
typedef struct lfh_az_identity_src {
  int kind;                    /* an lfh_az_identity_kind */
  const char *endpoint;        /* token URL without query */
  const char *identity_header; /* App Service secret (X-IDENTITY-HEADER) */
  const char *client_id;       /* user-assigned identity, or NULL */
  const char *ca_file;         /* or NULL */
} lfh_az_identity_src;

/* Fetches a token for LFH_AZ_STORAGE_RESOURCE: *token (malloc'd, caller owns and should
 * wipe) and *expires_on (seconds since the epoch). LF_ERR_IO with a message naming the
 * endpoint (never the token or the secret header). */
int lfh_az_identity_fetch(const lfh_az_identity_src *src, char **token, int64_t *expires_on,
                          lf_error *err);

/* 1 when an IMDS endpoint answers at all within a second (the Azure SDKs' probe: a
 * request without `Metadata: true`, which a real IMDS refuses with 400 at once). On 0,
 * `why` gets the reason. */
int lfh_az_identity_probe(const char *endpoint, const char *ca_file, char *why, size_t cap);

/* The IMDS token URL for `host` ("http://h[:p]", NULL: the well-known address), malloc'd. */
char *lfh_az_identity_imds_url(const char *host);

#endif
