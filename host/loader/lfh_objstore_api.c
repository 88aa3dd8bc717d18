/* lfh_objstore_api.c — the object store as plugins see it (lf_host.objstore). An
 * lf_objstore is an lfh_store; the table adapts argument conventions and hands read
 * results over as lf_blobs. Thread-safety is lfh_store's: a store is immutable after open
 * (file backend: per-call file descriptors and unique temp names; Azure backend: a shared
 * connection pool and a credential cache, both behind mutexes), so one handle serves
 * several threads. */
#include "loader/lfh_objstore_api.h"

#include <stddef.h>
#include <stdlib.h>

#include "lf/lf_array.h"
#include "store/lfh_store.h"

/* The end of the last 1.2 field of lf_object_info: a caller's struct must reach it. */
#define LF_OBJSTORE_INFO_V1_2_SIZE \
  (offsetof(lf_object_info, mtime_us) + sizeof(((lf_object_info *)0)->mtime_us))

static lfh_store *store_of(lf_objstore *h) { return (lfh_store *)h; }

static int api_open(lf_stage_ctx *ctx, const char *root_uri, lf_objstore **out, lf_error *err) {
  (void)ctx;
  if (!root_uri || !out) return lf_error_set(err, LF_ERR_INVALID, "objstore open: NULL argument");
  lfh_store *s = lfh_store_open(root_uri, err);
  if (!s) return err && err->code ? err->code : LF_ERR_IO;
  *out = (lf_objstore *)s;
  return LF_OK;
}

static void api_close(lf_objstore *h) { lfh_store_close(store_of(h)); }

static const char *api_root(const lf_objstore *h) {
  return lfh_store_root((const lfh_store *)h);
}

typedef struct list_adapter {
  lf_object_list_fn fn;
  void *ctx;
} list_adapter;

static int list_one(void *ctx, const lfh_store_entry *e) {
  list_adapter *a = ctx;
  lf_object_info info = {sizeof info, e->key, e->stat.size, e->stat.mtime_us};
  return a->fn(a->ctx, &info);
}

static int api_list(lf_objstore *h, const char *prefix, lf_object_list_fn fn, void *cb_ctx,
                    lf_error *err) {
  if (!h || !fn) return lf_error_set(err, LF_ERR_INVALID, "objstore list: NULL argument");
  list_adapter a = {fn, cb_ctx};
  return lfh_store_list(store_of(h), prefix, list_one, &a, err);
}

static int api_stat(lf_objstore *h, const char *key, lf_object_info *out, lf_error *err) {
  if (!h || !out) return lf_error_set(err, LF_ERR_INVALID, "objstore stat: NULL argument");
  /* The caller's struct may be older (smaller) than ours: write only what it has. */
  if (out->struct_size < LF_OBJSTORE_INFO_V1_2_SIZE)
    return lf_error_set(err, LF_ERR_INVALID, "objstore stat: lf_object_info struct_size %u",
                        out->struct_size);
  lfh_store_stat st;
  int rc = lfh_store_stat_key(store_of(h), key, &st, err);
  if (rc != 0) return rc;
  out->key = key;
  out->size = st.size;
  out->mtime_us = st.mtime_us;
  return LF_OK;
}

static void blob_release(lf_blob *b) {
  free(b->private_data);
  b->data = NULL;
  b->private_data = NULL;
  b->size = 0;
  b->release = NULL;
}

static int api_read(lf_objstore *h, const char *key, uint64_t offset, int64_t length,
                    lf_blob *out, lf_error *err) {
  if (!h || !out) return lf_error_set(err, LF_ERR_INVALID, "objstore read: NULL argument");
  if (length < 0 && length != LF_OBJSTORE_TO_END)
    return lf_error_set(err, LF_ERR_INVALID, "objstore read: negative length %lld",
                        (long long)length);
  lfh_buf buf = {0};
  uint64_t n = length < 0 ? UINT64_MAX : (uint64_t)length;
  int rc = lfh_store_get_range(store_of(h), key, offset, n, &buf, err);
  if (rc != 0) {
    lfh_buf_free(&buf);
    return rc;
  }
  *out = (lf_blob){sizeof *out, buf.data, buf.len, blob_release, buf.data};
  return LF_OK;
}

static int api_write(lf_objstore *h, const char *key, const void *data, size_t len,
                     int32_t if_absent, lf_error *err) {
  if (!h) return lf_error_set(err, LF_ERR_INVALID, "objstore write: NULL handle");
  return if_absent ? lfh_store_put_if_absent(store_of(h), key, data, len, err)
                   : lfh_store_put(store_of(h), key, data, len, err);
}

static int api_remove(lf_objstore *h, const char *key, lf_error *err) {
  if (!h) return lf_error_set(err, LF_ERR_INVALID, "objstore remove: NULL handle");
  return lfh_store_delete(store_of(h), key, err);
}

const struct lf_objstore_api lfh_objstore_api_table = {
    .struct_size = sizeof(struct lf_objstore_api),
    .open = api_open,
    .close = api_close,
    .root = api_root,
    .list = api_list,
    .stat = api_stat,
    .read = api_read,
    .write = api_write,
    .remove = api_remove,
};
