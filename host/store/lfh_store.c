/*
 * lfh_store — URI parsing, key validation and dispatch to a backend (lfh_store_backend.h).
 *
 * Everything here is backend-neutral: the rules for keys are those of an object store
 * (Azure Blob included), checked once so that no backend can be handed a key that
 * escapes its root. A store is immutable after open, so one store may be used from
 * several threads at once as far as this layer is concerned.
 */
#include "store/lfh_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lf/lf_array.h"
#include "store/lfh_store_backend.h"

struct lfh_store {
  const lfh_store_ops *ops;
  void *impl;     /* owned; released by ops->close */
  char *root_uri; /* owned; "file:///abs/dir" or the Azure root URI */
};

/* ------------------------------------------------------------------ keys */

/* Why a key is refused, or NULL when it is fine. `is_prefix` accepts "" and a trailing
 * '/' (list prefixes); the last, possibly partial, segment of a prefix is only compared
 * with names, never opened, so it needs no segment checks. */
static const char *key_problem(const char *key, int is_prefix) {
  if (!is_prefix && key[0] == '\0') return "empty key";
  if (key[0] == '/') return "keys are relative: no leading '/'";
  const char *seg = key;
  for (;;) {
    const char *end = strchr(seg, '/');
    if (!end) break;
    size_t n = (size_t)(end - seg);
    if (n == 0) return "empty segment ('//')";
    if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
      return "'.' and '..' segments are not allowed";
    if (strncmp(seg, LFH_STORE_TMP_PREFIX, strlen(LFH_STORE_TMP_PREFIX)) == 0)
      return "segments starting with '" LFH_STORE_TMP_PREFIX "' are reserved";
    seg = end + 1;
  }
  if (is_prefix) return NULL;
  if (seg[0] == '\0') return "trailing '/' (a key names an object, not a folder)";
  if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0)
    return "'.' and '..' segments are not allowed";
  if (strncmp(seg, LFH_STORE_TMP_PREFIX, strlen(LFH_STORE_TMP_PREFIX)) == 0)
    return "segments starting with '" LFH_STORE_TMP_PREFIX "' are reserved";
  return NULL;
}

static int check_key(const lfh_store *s, const char *key, int is_prefix, lf_error *err) {
  if (!s) return lf_error_set(err, LF_ERR_INVALID, "store: no store given");
  if (!key) return lf_error_set(err, LF_ERR_INVALID, "%s: no key given", s->root_uri);
  const char *why = key_problem(key, is_prefix);
  if (why)
    return lf_error_set(err, LF_ERR_INVALID, "%s: invalid %s '%s': %s", s->root_uri,
                        is_prefix ? "prefix" : "key", key, why);
  return 0;
}

/* ------------------------------------------------------------------ URIs */

/* Appends `seg` (n bytes) to the normalised absolute path `out`, resolving "." and ".."
 * lexically: a store root is named by the user, and resolving symlinks would put a path
 * they never wrote into table metadata. */
static void push_segment(char *out, size_t *len, const char *seg, size_t n) {
  if (n == 0 || (n == 1 && seg[0] == '.')) return;
  if (n == 2 && seg[0] == '.' && seg[1] == '.') {
    while (*len > 0 && out[*len - 1] != '/') (*len)--;
    if (*len > 0) (*len)--; /* the '/' too; "/.." stays "/" (POSIX) */
    out[*len] = '\0';
    return;
  }
  out[(*len)++] = '/';
  memcpy(out + *len, seg, n);
  *len += n;
  out[*len] = '\0';
}

/* `path` made absolute (against the working directory) and normalised: no trailing '/',
 * no "//", "." or "..". malloc'd, or NULL with `err`. */
static char *absolute_path(const char *uri, const char *path, lf_error *err) {
  char *cwd = NULL, *out = NULL;
  if (path[0] != '/' && !(cwd = getcwd(NULL, 0))) {
    lf_error_set(err, LF_ERR_IO, "%s: cannot resolve a relative path: getcwd: %s", uri,
                 strerror(errno));
    goto fail;
  }
  size_t cap = (cwd ? strlen(cwd) : 0) + strlen(path) + 3;
  if (!(out = malloc(cap))) {
    lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory", uri);
    goto fail;
  }
  size_t len = 0;
  out[0] = '\0';
  for (int pass = 0; pass < 2; pass++) {
    const char *p = pass == 0 ? (cwd ? cwd : "") : path;
    while (*p) {
      size_t n = strcspn(p, "/");
      push_segment(out, &len, p, n);
      p += n + (p[n] == '/');
    }
  }
  free(cwd);
  return out;
fail:
  free(cwd);
  free(out);
  return NULL;
}

/* The local path a "file:" URI names: "file:///abs", "file://localhost/abs" or Hadoop's
 * "file:/abs". Taken verbatim (no percent-decoding), as Hadoop and Java Iceberg write
 * local paths into metadata. NULL with `err` for anything else. */
static const char *file_uri_path(const char *uri, lf_error *err) {
  const char *rest = uri + strlen("file:");
  if (strncmp(rest, "///", 3) == 0) return rest + 2;
  if (strncasecmp(rest, "//localhost/", 12) == 0) return rest + 11;
  if (strncmp(rest, "//", 2) == 0) {
    lf_error_set(err, LF_ERR_INVALID, "%s: file URIs with a host are not supported", uri);
    return NULL;
  }
  if (rest[0] == '/') return rest;
  lf_error_set(err, LF_ERR_INVALID, "%s: a file URI needs an absolute path (file:///dir)",
               uri);
  return NULL;
}

/* Length of the RFC 3986 scheme before "://", or 0 when `uri` has none (a plain path). */
static size_t scheme_len(const char *uri) {
  size_t n = strspn(uri, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
  return (n > 0 && strncmp(uri + n, "://", 3) == 0) ? n : 0;
}

/* The normalised absolute root path a URI names, malloc'd; NULL with `err`. */
static char *root_path_of(const char *uri, lf_error *err) {
  const char *path = uri;
  if (strncasecmp(uri, "file:", 5) == 0) {
    if (!(path = file_uri_path(uri, err))) return NULL;
  } else if (scheme_len(uri) > 0) {
    lf_error_set(err, LF_ERR_UNSUPPORTED, "%s: no store backend for scheme '%.*s'", uri,
                 (int)scheme_len(uri), uri);
    return NULL;
  }
  char *abs = absolute_path(uri, path, err);
  if (abs && abs[0] == '\0') {
    lf_error_set(err, LF_ERR_INVALID, "%s: the file system root cannot be a store root", uri);
    free(abs);
    return NULL;
  }
  return abs;
}

/* ------------------------------------------------------------------ open / close */

/* abfss:// and http(s):// roots are Azure Blob (lfh_store_azure.c). */
static int is_azure_uri(const char *uri) {
  size_t n = scheme_len(uri);
  return (n == 5 && strncasecmp(uri, "abfss", 5) == 0) ||
         (n == 5 && strncasecmp(uri, "https", 5) == 0) ||
         (n == 4 && strncasecmp(uri, "http", 4) == 0);
}

static lfh_store *open_azure(const char *uri, lf_error *err) {
  lfh_store *s = calloc(1, sizeof(*s));
  if (!s) {
    lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory opening the store", uri);
    return NULL;
  }
  if (lfh_store_azure_open(uri, &s->ops, &s->impl, &s->root_uri, err) != 0) {
    free(s);
    return NULL;
  }
  return s;
}

lfh_store *lfh_store_open(const char *uri, lf_error *err) {
  lfh_store *s = NULL;
  char *root = NULL;
  if (!uri || !uri[0]) {
    lf_error_set(err, LF_ERR_INVALID, "store: empty root URI");
    return NULL;
  }
  if (is_azure_uri(uri)) return open_azure(uri, err);
  if (!(root = root_path_of(uri, err))) goto fail;
  if (!(s = calloc(1, sizeof(*s))) || asprintf(&s->root_uri, "file://%s", root) < 0) {
    if (s) s->root_uri = NULL; /* asprintf leaves it undefined on failure */
    lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory opening the store", uri);
    goto fail;
  }
  if (lfh_store_file_open(root, s->root_uri, &s->ops, &s->impl, err) != 0) goto fail;
  free(root);
  return s;
fail:
  free(root);
  lfh_store_close(s);
  return NULL;
}

void lfh_store_close(lfh_store *s) {
  if (!s) return;
  if (s->ops && s->impl) s->ops->close(s->impl);
  free(s->root_uri);
  free(s);
}

const char *lfh_store_root(const lfh_store *s) { return s ? s->root_uri : NULL; }

/* "" names the root itself, which is handy for building prefixes of URIs. */
char *lfh_store_uri(const lfh_store *s, const char *key) {
  char *uri = NULL;
  if (!s || !key) return NULL;
  if (key[0] == '\0') return strdup(s->root_uri);
  if (key_problem(key, 0)) return NULL;
  if (asprintf(&uri, "%s/%s", s->root_uri, key) < 0) return NULL;
  return uri;
}

/* ------------------------------------------------------------------ operations */

int lfh_store_get(lfh_store *s, const char *key, lfh_buf *out, lf_error *err) {
  return lfh_store_get_range(s, key, 0, LFH_STORE_TO_END, out, err);
}

int lfh_store_get_range(lfh_store *s, const char *key, uint64_t offset, uint64_t len,
                        lfh_buf *out, lf_error *err) {
  int rc = check_key(s, key, 0, err);
  if (rc != 0) return rc;
  if (!out) return lf_error_set(err, LF_ERR_INVALID, "%s/%s: no output buffer", s->root_uri, key);
  return s->ops->read(s->impl, key, offset, len, out, err);
}

int lfh_store_stat_key(lfh_store *s, const char *key, lfh_store_stat *st, lf_error *err) {
  int rc = check_key(s, key, 0, err);
  if (rc != 0) return rc;
  if (!st) return lf_error_set(err, LF_ERR_INVALID, "%s/%s: no stat output", s->root_uri, key);
  return s->ops->stat(s->impl, key, st, err);
}

static int write_key(lfh_store *s, const char *key, const void *data, size_t len,
                     int exclusive, lf_error *err) {
  int rc = check_key(s, key, 0, err);
  if (rc != 0) return rc;
  if (!data && len > 0)
    return lf_error_set(err, LF_ERR_INVALID, "%s/%s: no data for %zu bytes", s->root_uri, key,
                        len);
  return s->ops->write(s->impl, key, data, len, exclusive, err);
}

int lfh_store_put(lfh_store *s, const char *key, const void *data, size_t len, lf_error *err) {
  return write_key(s, key, data, len, 0, err);
}

int lfh_store_put_if_absent(lfh_store *s, const char *key, const void *data, size_t len,
                            lf_error *err) {
  return write_key(s, key, data, len, 1, err);
}

struct lfh_store_upload {
  const lfh_store_ops *ops;
  void *up; /* the backend's handle */
};

int lfh_store_upload_begin(lfh_store *s, const char *key, int exclusive, lfh_store_upload **out,
                           lf_error *err) {
  int rc = check_key(s, key, 0, err);
  if (rc != 0) return rc;
  lfh_store_upload *u = calloc(1, sizeof(*u));
  if (!u) return lf_error_set(err, LF_ERR_NOMEM, "%s/%s: out of memory", s->root_uri, key);
  u->ops = s->ops;
  if ((rc = s->ops->upload_begin(s->impl, key, exclusive, &u->up, err)) != 0) {
    free(u);
    return rc;
  }
  *out = u;
  return 0;
}

int lfh_store_upload_write(lfh_store_upload *u, const void *data, size_t len, lf_error *err) {
  if (!data && len > 0) return lf_error_set(err, LF_ERR_INVALID, "upload: no data");
  return len ? u->ops->upload_write(u->up, data, len, err) : 0;
}

int lfh_store_upload_commit(lfh_store_upload *u, lf_error *err) {
  int rc = u->ops->upload_commit(u->up, err);
  free(u);
  return rc;
}

void lfh_store_upload_abort(lfh_store_upload *u) {
  if (!u) return;
  u->ops->upload_abort(u->up);
  free(u);
}

int lfh_store_delete(lfh_store *s, const char *key, lf_error *err) {
  int rc = check_key(s, key, 0, err);
  if (rc != 0) return rc;
  return s->ops->remove(s->impl, key, err);
}

int lfh_store_list(lfh_store *s, const char *prefix, lfh_store_list_fn fn, void *ctx,
                   lf_error *err) {
  int rc = check_key(s, prefix, 1, err);
  if (rc != 0) return rc;
  if (!fn) return lf_error_set(err, LF_ERR_INVALID, "%s: list without a callback", s->root_uri);
  return s->ops->list(s->impl, prefix, fn, ctx, err);
}
