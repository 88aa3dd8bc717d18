/*
 * lfb_azurite — a plain-HTTP Azurite for one test program (tests/azure/azurite.sh in a temp
 * folder), with the backend pointed at it through the environment: Shared Key with the
 * well-known dev account. Header-only. A test that calls this fails when Azurite cannot
 * start (Node and `npm ci` in tests/azure are prerequisites), never skips.
 */
#ifndef LFB_AZURITE_H
#define LFB_AZURITE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh_test.h"
#include "store/lfh_store_backend.h"

#define LFB_DEV_ACCOUNT "devstoreaccount1"
#define LFB_DEV_KEY \
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

/* Starts Azurite under `dir` (which the caller made and later removes), sets the backend's
 * environment and creates `container`. 0 on success. Stop it with lfb_azurite_stop(dir). */
static inline int lfb_azurite_start(const char *dir, const char *container) {
  char cmd[2048], ep[512];
  snprintf(cmd, sizeof cmd, "'%s/tests/azure/azurite.sh' start '%s/azurite' >/dev/null",
           LFH_SOURCE_DIR, dir);
  if (system(cmd) != 0) return -1;
  snprintf(cmd, sizeof cmd, "%s/azurite/endpoint", dir);
  char *text = lfh_test_slurp(cmd, NULL);
  if (!text) return -1;
  snprintf(ep, sizeof ep, "%.*s", (int)strcspn(text, "\r\n"), text);
  free(text);
  setenv("LFH_AZURE_BLOB_ENDPOINT", ep, 1);
  setenv("AZURE_STORAGE_KEY", LFB_DEV_KEY, 1);
  setenv("AZURE_STORAGE_ACCOUNT", LFB_DEV_ACCOUNT, 1);
  setenv("LFH_AZURE_AUTH", "shared_key", 1);
  unsetenv("AZURE_STORAGE_SAS_TOKEN");
  unsetenv("AZURE_STORAGE_CONNECTION_STRING");
  char msg[512], uri[256];
  lf_error err = {sizeof err, 0, msg, sizeof msg};
  snprintf(uri, sizeof uri, "abfss://%s@" LFB_DEV_ACCOUNT ".dfs.core.windows.net/x", container);
  if (lfh_store_azure_create_container(uri, &err) != 0) {
    fprintf(stderr, "create container %s: %s\n", container, msg);
    return -1;
  }
  return 0;
}

static inline void lfb_azurite_stop(const char *dir) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s/tests/azure/azurite.sh' stop '%s/azurite' >/dev/null 2>&1",
           LFH_SOURCE_DIR, dir);
  if (system(cmd) != 0) fprintf(stderr, "azurite.sh stop failed\n");
}

#endif
