/*
 * lfh_store — the object store every table and source goes through.
 *
 * Keys are '/'-separated relative names under the store's root URI, never OS paths, so
 * that nothing above this interface assumes POSIX: the `file://` backend maps them to
 * files today, the Azure Blob backend (issue 5) to blobs behind the same vtable.
 *
 * Durability: put() and put_if_absent() return only after the data is durable (file and
 * directory fsync'd on local disk; a completed PUT on Blob). put_if_absent() is the
 * commit primitive of the table layer: exactly one of several concurrent creators wins,
 * the others get LF_ERR_CONFLICT and nothing of theirs is visible.
 *
 * Errors: negative lf_status codes (lf/lf_plugin.h) and a one-line message in `err`
 * naming the URI. LF_ERR_NOT_FOUND for a missing key.
 *
 * Keys: relative, '/'-separated, no leading or trailing '/', no empty, "." or ".."
 * segments, no segment starting with ".lfh-tmp-" (the store's in-flight files, which
 * listings skip). Anything else is LF_ERR_INVALID, so no key can leave the root. List
 * prefixes follow the same rules but may be "" or end in '/'. A folder is not an object:
 * get/stat/delete of one is LF_ERR_NOT_FOUND. A store may be shared by threads.
 */
#ifndef LFH_STORE_H
#define LFH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lf_plugin.h"

typedef struct lfh_store lfh_store;

/* A growable byte buffer. `data` is owned by the buffer; lfh_buf_free releases it. */
typedef struct lfh_buf {
  uint8_t *data;
  size_t len, cap;
} lfh_buf;

void lfh_buf_free(lfh_buf *b);
int lfh_buf_reserve(lfh_buf *b, size_t extra);                 /* 0 or LF_ERR_NOMEM */
int lfh_buf_append(lfh_buf *b, const void *data, size_t len);  /* 0 or LF_ERR_NOMEM */

typedef struct lfh_store_stat {
  uint64_t size;
  int64_t mtime_us; /* last modification, microseconds since the epoch, UTC */
} lfh_store_stat;

/* One listed object. `key` is relative to the store root and owned by the listing. */
typedef struct lfh_store_entry {
  const char *key;
  lfh_store_stat stat;
} lfh_store_entry;

/* Called once per object, in lexicographic key order; return non-zero to stop early
 * (that value is returned by lfh_store_list). */
typedef int (*lfh_store_list_fn)(void *ctx, const lfh_store_entry *e);

/* Opens a store rooted at `uri`: "file:///abs/dir", or an absolute or relative local path
 * (made absolute). The root folder is created if missing. NULL with `err` on failure. */
lfh_store *lfh_store_open(const char *uri, lf_error *err);
void lfh_store_close(lfh_store *s);

/* The root URI ("file:///abs/dir", no trailing slash) and the absolute URI of a key. The
 * returned string of lfh_store_uri is malloc'd and owned by the caller. */
const char *lfh_store_root(const lfh_store *s);
char *lfh_store_uri(const lfh_store *s, const char *key);

/* Whole object into `out` (appended). */
int lfh_store_get(lfh_store *s, const char *key, lfh_buf *out, lf_error *err);
/* `len` bytes from `offset` (fewer at the end of the object, none from at or past its
 * end) appended to `out`. On any error `out` is left as it was. */
int lfh_store_get_range(lfh_store *s, const char *key, uint64_t offset, uint64_t len,
                        lfh_buf *out, lf_error *err);
int lfh_store_stat_key(lfh_store *s, const char *key, lfh_store_stat *st, lf_error *err);
/* Creates or atomically replaces an object: readers see the old or the new whole object. */
int lfh_store_put(lfh_store *s, const char *key, const void *data, size_t len, lf_error *err);
/* Creates an object only if no object has that key; LF_ERR_CONFLICT otherwise. */
int lfh_store_put_if_absent(lfh_store *s, const char *key, const void *data, size_t len,
                            lf_error *err);
/* Writing an object in pieces, for data files that should not sit whole in memory:
 * nothing is visible until commit, which makes the object durable and visible exactly as
 * put (exclusive 0) or put_if_absent (exclusive 1) would. Commit and abort release the
 * upload, whatever commit returns; an upload must end with one of them. The file://
 * backend starts writeback as pieces arrive, so commit's fsync is short. */
typedef struct lfh_store_upload lfh_store_upload;

int lfh_store_upload_begin(lfh_store *s, const char *key, int exclusive, lfh_store_upload **out,
                           lf_error *err);
int lfh_store_upload_write(lfh_store_upload *u, const void *data, size_t len, lf_error *err);
int lfh_store_upload_commit(lfh_store_upload *u, lf_error *err);
void lfh_store_upload_abort(lfh_store_upload *u);

/* Deletes an object; deleting a missing key returns LF_ERR_NOT_FOUND. */
int lfh_store_delete(lfh_store *s, const char *key, lf_error *err);
/* Every object whose key starts with `prefix` ("" for all), recursively. */
int lfh_store_list(lfh_store *s, const char *prefix, lfh_store_list_fn fn, void *ctx,
                   lf_error *err);

#endif
