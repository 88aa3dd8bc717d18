/*
 * lf_objstore.h — the host's object store, offered to plugins through `lf_host.objstore`
 * (ABI 1.2; NULL from older hosts: check before use).
 *
 * A source that reads files (Auto Loader style) or a stage that keeps side files should
 * go through this service rather than open(2) or an HTTP client of its own: the host
 * resolves the same roots bundles use — a local path, `file:///dir`, `abfss://` or
 * `https://` (Azure Blob / ADLS Gen2) — with the host's credentials (environment, managed
 * identity; the plugin never sees a secret), and keeps the host's durability rules.
 *
 * Keys are '/'-separated names relative to the root the handle was opened on: no leading
 * or trailing '/', no empty, "." or ".." segments, no segment starting with ".lfh-tmp-"
 * (the host's in-flight temp files, which listings never show). Anything else is
 * LF_ERR_INVALID, so no key leaves the root. A folder is not an object.
 *
 * Errors: LF_ERR_NOT_FOUND for a missing key, LF_ERR_CONFLICT when `write` with
 * `if_absent` meets an existing object, LF_ERR_IO for storage failures, LF_ERR_INVALID for
 * bad keys or arguments; each with a one-line message naming the URI (never a secret).
 *
 * Threads: one handle may be used from several threads at once (list, stat, read, write,
 * remove), e.g. to fetch files in parallel; only `close` must not race with other calls
 * on the same handle.
 *
 * Ownership:
 *  - An lf_objstore handle belongs to the plugin that opened it and is released with
 *    `close` (before the plugin's instance is destroyed).
 *  - Strings passed in (root_uri, prefix, key) and `data` are borrowed for the call.
 *  - `root`'s string belongs to the handle, valid until `close`.
 *  - The lf_object_info given to a list callback, and its `key`, belong to the host and
 *    are valid only during that callback: copy what you keep.
 *  - The lf_blob filled by `read` belongs to the caller, who calls its `release` once.
 */
#ifndef LF_OBJSTORE_H
#define LF_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "lf_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An opened store root (opaque, see "Ownership"). */
typedef struct lf_objstore lf_objstore;

/* One object. Filled by the host (struct_size = its sizeof). */
typedef struct lf_object_info {
  uint32_t struct_size;
  const char *key;  /* relative to the root (see "Ownership" for its lifetime) */
  uint64_t size;    /* bytes */
  int64_t mtime_us; /* last modification, microseconds since the Unix epoch, UTC */
} lf_object_info;

/* Called once per object in strcmp order of keys; return 0 to go on, anything else to
 * stop the listing, which then returns that value. */
typedef int (*lf_object_list_fn)(void *cb_ctx, const lf_object_info *info);

/* Read to the end of the object (`read`'s length). */
#define LF_OBJSTORE_TO_END (-1)

struct lf_objstore_api {
  uint32_t struct_size;
  /* Opens the store rooted at NUL-terminated `root_uri`: an absolute or relative local
   * path, "file:///dir", "abfss://container@account.dfs.core.windows.net/dir" or
   * "https://account.blob.core.windows.net/container/dir". A local root folder is created
   * if missing; an Azure container must exist. `ctx` (may be NULL) attributes log lines.
   * *out is set only on success. */
  int (*open)(lf_stage_ctx *ctx, const char *root_uri, lf_objstore **out, lf_error *err);
  /* Releases the handle; NULL is a no-op. */
  void (*close)(lf_objstore *h);
  /* The normalised root URI ("file:///abs/dir", no trailing '/'): an object's full URI is
   * root + "/" + key (what Auto Loader's _metadata.file_path shows). */
  const char *(*root)(const lf_objstore *h);
  /* Every object whose key starts with `prefix` ("" for all; a folder is "dir/"),
   * recursively, in strcmp order of keys. */
  int (*list)(lf_objstore *h, const char *prefix, lf_object_list_fn fn, void *cb_ctx,
              lf_error *err);
  /* Size and modification time of `key` into *out (whose struct_size the caller sets);
   * out->key is set to `key` (borrowed). */
  int (*stat)(lf_objstore *h, const char *key, lf_object_info *out, lf_error *err);
  /* Bytes [offset, offset + length) of `key` (fewer at the end of the object, none from
   * at or past its end), or to the end when length is LF_OBJSTORE_TO_END, into *out (the
   * caller releases it; `data` may be NULL when `size` is 0). *out is set only on success. */
  int (*read)(lf_objstore *h, const char *key, uint64_t offset, int64_t length, lf_blob *out,
              lf_error *err);
  /* Creates or atomically replaces `key` with `len` bytes of `data`: readers see the old
   * or the new whole object, never a part, and the object is durable when this returns.
   * With `if_absent` non-zero, creates only if no object has that key (LF_ERR_CONFLICT
   * otherwise; exactly one of several racing writers wins). */
  int (*write)(lf_objstore *h, const char *key, const void *data, size_t len,
               int32_t if_absent, lf_error *err);
  /* Deletes `key`; LF_ERR_NOT_FOUND when there is none. */
  int (*remove)(lf_objstore *h, const char *key, lf_error *err);
};

#ifdef __cplusplus
}
#endif

#endif /* LF_OBJSTORE_H */
