/*
 * lfh_store_backend — what a storage backend implements behind lfh_store.
 *
 * lfh_store.c parses the URI, validates every key and prefix, then calls the backend
 * through this vtable, so a backend only ever sees keys that are relative, '/'-separated,
 * without empty, "." or ".." segments and without the store's reserved temp prefix.
 * Backends write their error messages themselves (they know the URI of the key and the
 * cause); every message names the URI.
 */
#ifndef LFH_STORE_BACKEND_H
#define LFH_STORE_BACKEND_H

#include "store/lfh_store.h"

/* Names starting with this are the store's own in-flight files: keys may not use it and
 * listings skip it (a crash can leave such files behind; they are garbage, never objects). */
#define LFH_STORE_TMP_PREFIX ".lfh-tmp-"

/* "Read to the end of the object" for lfh_store_ops.read. */
#define LFH_STORE_TO_END UINT64_MAX

typedef struct lfh_store_ops {
  const char *name; /* "file", for messages */
  void (*close)(void *impl);
  /* Appends bytes [offset, offset + len) of the object (fewer at its end; len may be
   * LFH_STORE_TO_END) to `out`. On error `out` is left as it was. */
  int (*read)(void *impl, const char *key, uint64_t offset, uint64_t len, lfh_buf *out,
              lf_error *err);
  int (*stat)(void *impl, const char *key, lfh_store_stat *st, lf_error *err);
  /* Durable create-or-replace (exclusive == 0) or create-if-absent (exclusive != 0,
   * LF_ERR_CONFLICT when the key exists). */
  int (*write)(void *impl, const char *key, const void *data, size_t len, int exclusive,
               lf_error *err);
  /* A write in pieces: begin returns a handle in *up; commit makes the object durable and
   * visible as write() would (exclusive as given to begin) and releases the handle
   * whatever it returns; abort releases it leaving nothing visible. */
  int (*upload_begin)(void *impl, const char *key, int exclusive, void **up, lf_error *err);
  int (*upload_write)(void *up, const void *data, size_t len, lf_error *err);
  int (*upload_commit)(void *up, lf_error *err);
  void (*upload_abort)(void *up);
  int (*remove)(void *impl, const char *key, lf_error *err);
  /* Every object whose key starts with `prefix`, in strcmp order of keys. */
  int (*list)(void *impl, const char *prefix, lfh_store_list_fn fn, void *ctx, lf_error *err);
} lfh_store_ops;

/* The file:// backend. `root` is an absolute, normalised path ("/a/b", never "/" and no
 * trailing slash) and `root_uri` its URI (copied). The root folder is created with its
 * parents. On success *ops and *impl are set; the impl is released by ops->close. */
int lfh_store_file_open(const char *root, const char *root_uri, const lfh_store_ops **ops,
                        void **impl, lf_error *err);

/* Test hook: when on, put_if_absent publishes with link() + unlink() even where
 * renameat2(RENAME_NOREPLACE) works, so that both paths are exercised. Process-wide. */
void lfh_store_file_force_link(int on);

/* The Azure Blob backend (lfh_store_azure.c) for "abfss://container@account.dfs.<suffix>/dir",
 * "https://account.blob.<suffix>/container/dir" and path-style
 * "http(s)://host:port/account/container/dir" (Azurite); LFH_AZURE_BLOB_ENDPOINT overrides
 * the endpoint. The credential comes from lfh_az_cred_from_env. On success *ops and *impl
 * are set (impl released by ops->close) and *root_uri is the normalised root URI
 * (malloc'd, owned by the caller). The container must exist. */
int lfh_store_azure_open(const char *uri, const lfh_store_ops **ops, void **impl,
                         char **root_uri, lf_error *err);
/* Creates the container a store URI names; 0 when it exists already (tests, tools). */
int lfh_store_azure_create_container(const char *uri, lf_error *err);

#endif
