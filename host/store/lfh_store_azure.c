/*
 * lfh_store_azure — the Azure Blob backend: objects are block blobs in one container,
 * under an optional folder prefix.
 *
 * URIs (parsed here; lfh_store.c dispatches the schemes):
 *   abfss://container@account.dfs.core.windows.net/path   (ADLS Gen2 accounts accept Blob calls)
 *   https://account.blob.core.windows.net/container/path  (virtual-hosted)
 *   http(s)://host:port/account/container/path            (path-style, Azurite)
 * LFH_AZURE_BLOB_ENDPOINT replaces the endpoint the first two map to (e.g.
 * http://127.0.0.1:10000/devstoreaccount1 for Azurite). Every request carries a pinned
 * x-ms-version and is authorised per attempt by lfh_az_cred (SAS query, Shared Key
 * signature or Bearer token) and retried on 429/5xx by lfh_http_send_retry.
 *
 * Create-if-absent is `If-None-Match: *` on Put Blob (or Put Block List): the service
 * answers 409/412 to all but one of racing creators. A retried conditional request can
 * meet its own first, lost-in-transit success; the object is then checked to be ours
 * (same bytes, or same committed block ids) before LF_ERR_CONFLICT is reported.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "lf/lf_array.h"
#include "store/lfh_az_cred.h"
#include "store/lfh_azure_sign.h"
#include "store/lfh_azure_xml.h"
#include "store/lfh_http.h"
#include "store/lfh_store_backend.h"

/* Supported by the service and by Azurite 3.35; ≥ 2017-11-09, which Bearer tokens need. */
#define AZ_VERSION "2021-08-06"
#define AZ_LIST_PAGE_MAX 5000
#define AZ_BLOCK_DEFAULT ((size_t)8 << 20)
/* Larger single writes go up in blocks: one Put Blob is capped by the service, and a
 * failed huge request would be retried whole. */
#define AZ_PUT_MAX ((size_t)256 << 20)
#define AZ_TOKEN_MAX 16384

typedef struct az_store {
  char *origin;    /* "https://acct.blob.core.windows.net" (scheme + authority) */
  char *base_path; /* URL path of the container: "/container" or "/acct/container" */
  char *account;
  char *prefix;    /* "" or "folder/": blob name = prefix + key */
  char *uri_slash; /* root URI + "/", for messages */
  lfh_az_cred *cred;
  const char *ca_file; /* borrowed (environment) */
  size_t list_page, block_size;
} az_store;

/* One request: its URL parts and what prepare() rebuilds on every attempt. */
typedef struct az_call {
  az_store *st;
  const char *key;         /* for messages; NULL for the container */
  const char *method;
  lfh_buf path;            /* encoded URL path, NUL-terminated */
  char *query;             /* non-secret query (owned), may be NULL */
  char *url;               /* owned */
  const lfh_http_header *extra; /* borrowed */
  size_t n_extra;
  const char *content_type; /* PUT bodies */
  const void *body;
  size_t body_len;
  int prepared;            /* how many attempts were prepared */
  lfh_http_header hdrs[16];
  char date[30];
  char auth[AZ_TOKEN_MAX + 64];
} az_call;

/* ------------------------------------------------------------------ messages */

static const char *az_name(const az_call *c) { return c->key ? c->key : ""; }

static int az_nomem(const az_call *c, lf_error *err) {
  return lf_error_set(err, LF_ERR_NOMEM, "%s%s: out of memory", c->st->uri_slash, az_name(c));
}

static int status_code(long status, int exclusive) {
  switch (status) {
  case 404:
    return LF_ERR_NOT_FOUND;
  case 409:
  case 412:
    return exclusive ? LF_ERR_CONFLICT : LF_ERR_IO;
  case 400:
  case 411:
  case 413:
  case 414:
    return LF_ERR_INVALID;
  default:
    return LF_ERR_IO;
  }
}

/* "<uri>: PUT: HTTP 403 AuthorizationFailure (shared key; request id ...)". */
static int az_fail(const az_call *c, const lfh_http_response *r, int exclusive, lf_error *err) {
  int code = status_code(r->status, exclusive);
  const char *what = code == LF_ERR_CONFLICT    ? "an object with this key exists: "
                     : code == LF_ERR_NOT_FOUND ? "no such object: "
                                                : "";
  return lf_error_set(err, code, "%s%s: %s%s failed: HTTP %ld %s (%s; request id %s)",
                      c->st->uri_slash, az_name(c), what, c->method, r->status,
                      r->error_code ? r->error_code : "",
                      lfh_az_cred_describe(c->st->cred),
                      r->request_id ? r->request_id : "none");
}

/* ------------------------------------------------------------------ requests */

static void call_free(az_call *c) {
  lfh_buf_free(&c->path);
  free(c->query);
  free(c->url);
  memset(c->auth, 0, sizeof c->auth); /* a token or signature: do not leave it around */
}

/* Sets up `c` for `method` on `key` (NULL: the container itself) with `query`. */
static int call_init(az_call *c, az_store *st, const char *method, const char *key,
                     const char *query, lf_error *err) {
  memset(c, 0, offsetof(az_call, hdrs));
  c->st = st;
  c->key = key;
  c->method = method;
  const char *sas = lfh_az_cred_kind_of(st->cred) == LFH_AZ_CRED_SAS ? lfh_az_cred_sas(st->cred)
                                                                     : NULL;
  int bad = lfh_buf_append(&c->path, st->base_path, strlen(st->base_path)) != 0;
  if (key && !bad)
    bad = lfh_buf_append(&c->path, "/", 1) != 0 ||
          lfh_azure_pct_encode(&c->path, st->prefix, strlen(st->prefix), 1) != 0 ||
          lfh_azure_pct_encode(&c->path, key, strlen(key), 1) != 0;
  if (bad || lfh_buf_append(&c->path, "", 1) != 0) return az_nomem(c, err);
  if (query && !(c->query = strdup(query))) return az_nomem(c, err);
  int sep = query && query[0];
  if (asprintf(&c->url, "%s%s%s%s%s%s", st->origin, (char *)c->path.data, sep ? "?" : "",
               sep ? query : "", sas && sas[0] ? (sep ? "&" : "?") : "",
               sas ? sas : "") < 0) {
    c->url = NULL;
    return az_nomem(c, err);
  }
  return 0;
}

static void add_header(az_call *c, size_t *n, const char *name, const char *value, int secret) {
  if (*n < sizeof c->hdrs / sizeof *c->hdrs)
    c->hdrs[(*n)++] = (lfh_http_header){.name = name, .value = value, .secret = secret};
}

/* Rebuilds the headers of one attempt: a fresh date and a fresh signature or token. */
static int call_prepare(void *ctx, lfh_http_request *req, lf_error *err) {
  az_call *c = ctx;
  size_t n = 0;
  c->prepared++;
  lfh_azure_http_date((int64_t)time(NULL), c->date);
  add_header(c, &n, "x-ms-version", AZ_VERSION, 0);
  add_header(c, &n, "x-ms-date", c->date, 0);
  for (size_t i = 0; i < c->n_extra; i++)
    add_header(c, &n, c->extra[i].name, c->extra[i].value, c->extra[i].secret);
  /* Every PUT names its type: an HTTP library adding its own default (libcurl does for
   * bodies it posts) would send a header the signature does not cover. */
  if (c->content_type || strcmp(c->method, "PUT") == 0)
    add_header(c, &n, "Content-Type",
               c->content_type ? c->content_type : "application/octet-stream", 0);
  switch (lfh_az_cred_kind_of(c->st->cred)) {
  case LFH_AZ_CRED_SHARED_KEY: {
    size_t key_len = 0;
    const uint8_t *key = lfh_az_cred_key(c->st->cred, &key_len);
    lfh_azure_sign_in in = {.method = c->method, .headers = c->hdrs, .n_headers = n,
                            .content_length = c->body_len, .account = c->st->account,
                            .path = (const char *)c->path.data, .query = c->query};
    if (lfh_azure_shared_key(&in, key, key_len, c->auth, sizeof c->auth) != 0)
      return lf_error_set(err, LF_ERR_INTERNAL, "%s%s: cannot sign the request",
                          c->st->uri_slash, az_name(c));
    add_header(c, &n, "Authorization", c->auth, 1);
    break;
  }
  case LFH_AZ_CRED_BEARER: {
    static const char pfx[] = "Bearer ";
    memcpy(c->auth, pfx, sizeof pfx);
    int rc = lfh_az_cred_bearer(c->st->cred, c->auth + strlen(pfx), sizeof c->auth - strlen(pfx),
                                err);
    if (rc != 0) return rc;
    add_header(c, &n, "Authorization", c->auth, 1);
    break;
  }
  default: /* SAS: already in the URL */
    break;
  }
  req->headers = c->hdrs;
  req->n_headers = n;
  return 0;
}

/* Sends the call with retries; `resp` is set whenever LF_OK comes back. */
static int call_send(az_call *c, lfh_http_response *resp, lf_error *err) {
  lfh_http_request req = {.method = c->method, .url = c->url, .body = c->body,
                          .body_len = c->body_len, .ca_file = c->st->ca_file};
  return lfh_http_send_retry(&req, NULL, call_prepare, c, resp, err);
}

/* Sets up and sends a request without extra headers or body; the caller checks the
 * status in `resp` and releases `resp` and `c` whatever this returns. */
static int az_request(az_store *st, const char *method, const char *key, const char *query,
                      az_call *c, lfh_http_response *resp, lf_error *err) {
  int rc = call_init(c, st, method, key, query, err);
  if (rc == 0) rc = call_send(c, resp, err);
  return rc;
}

static int is_ok(long status) { return status >= 200 && status < 300; }

/* ------------------------------------------------------------------ reading */

static int az_stat(void *impl, const char *key, lfh_store_stat *out, lf_error *err) {
  az_call c;
  lfh_http_response r = {0};
  int rc = az_request(impl, "HEAD", key, NULL, &c, &r, err);
  if (rc == 0 && !is_ok(r.status)) rc = az_fail(&c, &r, 0, err);
  if (rc == 0) {
    out->size = r.content_length > 0 ? (uint64_t)r.content_length : 0;
    out->mtime_us = 0;
    if (r.last_modified) (void)lfh_azure_parse_http_date(r.last_modified, &out->mtime_us);
  }
  lfh_http_response_free(&r);
  call_free(&c);
  return rc;
}

/* Moves the body into `out` without copying when `out` is empty. */
static int take_body(lfh_http_response *r, lfh_buf *out) {
  if (out->len == 0) {
    lfh_buf_free(out);
    *out = r->body;
    memset(&r->body, 0, sizeof r->body);
    return 0;
  }
  return lfh_buf_append(out, r->body.data, r->body.len);
}

static int az_read(void *impl, const char *key, uint64_t offset, uint64_t len, lfh_buf *out,
                   lf_error *err) {
  if (len == 0) {
    lfh_store_stat st;
    return az_stat(impl, key, &st, err); /* nothing to read, but the object must exist */
  }
  char range[64];
  lfh_http_header h = {.name = "x-ms-range", .value = range};
  int ranged = offset > 0 || len != LFH_STORE_TO_END;
  if (len == LFH_STORE_TO_END || len - 1 > UINT64_MAX - offset)
    snprintf(range, sizeof range, "bytes=%llu-", (unsigned long long)offset);
  else
    snprintf(range, sizeof range, "bytes=%llu-%llu", (unsigned long long)offset,
             (unsigned long long)(offset + len - 1));
  az_call c;
  lfh_http_response r = {0};
  int rc = call_init(&c, impl, "GET", key, NULL, err);
  c.extra = ranged ? &h : NULL;
  c.n_extra = ranged ? 1 : 0;
  if (rc == 0) rc = call_send(&c, &r, err);
  if (rc == 0) {
    if (r.status == 416 && ranged)
      rc = 0; /* the range starts at or past the end: nothing to read */
    else if (!is_ok(r.status))
      rc = az_fail(&c, &r, 0, err);
    else if (take_body(&r, out) != 0)
      rc = az_nomem(&c, err);
    lfh_http_response_free(&r);
  }
  call_free(&c);
  return rc;
}

/* ------------------------------------------------------------------ writing */

/* After a conflict on a retried create: is the object there exactly `data`? Then the
 * first attempt won and only its answer was lost. */
static int object_is(az_store *st, const char *key, const void *data, size_t len) {
  lfh_buf b = {0};
  char msg[64];
  lf_error e;
  lf_error_init(&e, msg, sizeof msg);
  int same = az_read(st, key, 0, LFH_STORE_TO_END, &b, &e) == 0 && b.len == len &&
             (len == 0 || memcmp(b.data, data, len) == 0);
  lfh_buf_free(&b);
  return same;
}

static int put_blob(az_store *st, const char *key, const void *data, size_t len, int exclusive,
                    lf_error *err) {
  lfh_http_header h[2] = {{.name = "x-ms-blob-type", .value = "BlockBlob"},
                          {.name = "If-None-Match", .value = "*"}};
  az_call c;
  lfh_http_response r = {0};
  int rc = call_init(&c, st, "PUT", key, NULL, err);
  c.extra = h;
  c.n_extra = exclusive ? 2 : 1;
  c.content_type = "application/octet-stream";
  c.body = data;
  c.body_len = len;
  if (rc == 0) rc = call_send(&c, &r, err);
  if (rc == 0) {
    if (!is_ok(r.status) &&
        !(exclusive && c.prepared > 1 && (r.status == 409 || r.status == 412) &&
          object_is(st, key, data, len)))
      rc = az_fail(&c, &r, exclusive, err);
    lfh_http_response_free(&r);
  }
  call_free(&c);
  return rc;
}

static int az_upload_begin(void *impl, const char *key, int exclusive, void **up, lf_error *err);
static int az_upload_write(void *up, const void *data, size_t len, lf_error *err);
static int az_upload_commit(void *up, lf_error *err);
static void az_upload_abort(void *up);

static int az_write(void *impl, const char *key, const void *data, size_t len, int exclusive,
                    lf_error *err) {
  if (len <= AZ_PUT_MAX) return put_blob(impl, key, data, len, exclusive, err);
  void *up = NULL;
  int rc = az_upload_begin(impl, key, exclusive, &up, err);
  if (rc != 0) return rc;
  if ((rc = az_upload_write(up, data, len, err)) != 0) {
    az_upload_abort(up);
    return rc;
  }
  return az_upload_commit(up, err);
}

static int az_remove(void *impl, const char *key, lf_error *err) {
  az_call c;
  lfh_http_response r = {0};
  int rc = az_request(impl, "DELETE", key, NULL, &c, &r, err);
  if (rc == 0) {
    if (!is_ok(r.status)) rc = az_fail(&c, &r, 0, err);
    lfh_http_response_free(&r);
  }
  call_free(&c);
  return rc;
}

/* ------------------------------------------------------------------ listing */

/* A listed blob name that is no key of this store (written by other tools: "a//b",
 * "./x", a trailing '/') or one of the store's in-flight names: skipped, as the file
 * backend skips what it cannot name. */
static int foreign_key(const char *key) {
  const char *seg = key;
  for (;;) {
    size_t n = strcspn(seg, "/");
    if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.') ||
        strncmp(seg, LFH_STORE_TMP_PREFIX, strlen(LFH_STORE_TMP_PREFIX)) == 0)
      return 1;
    if (seg[n] == '\0') return 0;
    seg += n + 1;
  }
}

/* The query of one List Blobs page. */
static int list_query(const az_store *st, const char *prefix, const char *marker, lfh_buf *q) {
  char head[96];
  snprintf(head, sizeof head, "restype=container&comp=list&maxresults=%zu&prefix=",
           st->list_page);
  int bad = lfh_buf_append(q, head, strlen(head)) != 0 ||
            lfh_azure_pct_encode(q, st->prefix, strlen(st->prefix), 0) != 0 ||
            lfh_azure_pct_encode(q, prefix, strlen(prefix), 0) != 0;
  if (!bad && marker && marker[0])
    bad = lfh_buf_append(q, "&marker=", 8) != 0 ||
          lfh_azure_pct_encode(q, marker, strlen(marker), 0) != 0;
  if (bad || lfh_buf_append(q, "", 1) != 0) return LF_ERR_NOMEM;
  return 0;
}

/* Fetches the page after `marker` into `pg`. */
static int list_page(az_store *st, const char *prefix, const char *marker,
                     lfh_azure_list_page *pg, lf_error *err) {
  lfh_buf q = {0};
  az_call c;
  lfh_http_response r = {0};
  if (list_query(st, prefix, marker, &q) != 0) {
    lfh_buf_free(&q);
    return lf_error_set(err, LF_ERR_NOMEM, "%s%s: out of memory listing", st->uri_slash, prefix);
  }
  int rc = az_request(st, "GET", NULL, (const char *)q.data, &c, &r, err);
  c.key = prefix;
  if (rc == 0 && !is_ok(r.status)) rc = az_fail(&c, &r, 0, err);
  if (rc == 0)
    rc = lfh_azure_parse_list((const char *)r.body.data, r.body.len, pg, st->uri_slash, err);
  lfh_http_response_free(&r);
  call_free(&c);
  lfh_buf_free(&q);
  return rc;
}

static int az_list(void *impl, const char *prefix, lfh_store_list_fn fn, void *ctx,
                   lf_error *err) {
  az_store *st = impl;
  char *marker = NULL;
  size_t plen = strlen(st->prefix);
  int rc = 0;
  do {
    lfh_azure_list_page pg = {0};
    rc = list_page(st, prefix, marker, &pg, err);
    free(marker);
    marker = NULL;
    for (size_t i = 0; rc == 0 && i < pg.n; i++) {
      const lfh_azure_blob_item *it = &pg.items[i];
      if (it->is_dir || strncmp(it->name, st->prefix, plen) != 0 || foreign_key(it->name + plen))
        continue;
      lfh_store_entry e = {.key = it->name + plen,
                           .stat = {.size = it->size, .mtime_us = it->mtime_us}};
      rc = fn(ctx, &e);
    }
    if (rc == 0 && pg.next_marker && pg.next_marker[0]) {
      marker = pg.next_marker; /* taken over */
      pg.next_marker = NULL;
    }
    lfh_azure_list_page_free(&pg);
  } while (rc == 0 && marker);
  free(marker);
  return rc;
}

/* ------------------------------------------------------------------ uploads */

/* Block ids: base64 of "lfh-<upload id>-<8-digit index>", all the same length as the
 * service requires; the random upload id keeps concurrent uploads of one key apart. */
#define AZ_BLOCK_RAW 29 /* "lfh-" + 16 hex + "-" + 8 digits */
#define AZ_BLOCK_B64 41

typedef struct az_upload {
  az_store *st;
  char *key;       /* owned */
  int exclusive;
  char id[17];     /* random hex */
  lfh_buf pending; /* bytes not yet staged as a block */
  uint32_t n_blocks;
} az_upload;

static void block_id(const az_upload *u, uint32_t i, char out[AZ_BLOCK_B64]) {
  char raw[48]; /* AZ_BLOCK_RAW used; room for what the compiler cannot rule out */
  snprintf(raw, sizeof raw, "lfh-%.16s-%08u", u->id, (unsigned)(i % 100000000u));
  (void)lfh_azure_base64(raw, AZ_BLOCK_RAW, out, AZ_BLOCK_B64);
}

static int az_upload_begin(void *impl, const char *key, int exclusive, void **up,
                           lf_error *err) {
  az_store *st = impl;
  az_upload *u = calloc(1, sizeof *u);
  uint64_t r = 0;
  if (!u || !(u->key = strdup(key))) {
    free(u);
    return lf_error_set(err, LF_ERR_NOMEM, "%s%s: out of memory", st->uri_slash, key);
  }
  if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
    r = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)u << 16);
  snprintf(u->id, sizeof u->id, "%016llx", (unsigned long long)r);
  u->st = st;
  u->exclusive = exclusive;
  *up = u;
  return 0;
}

/* Put Block of `len` bytes as block number u->n_blocks. */
static int put_block(az_upload *u, const void *data, size_t len, lf_error *err) {
  char id[AZ_BLOCK_B64], query[160];
  lfh_buf enc = {0};
  block_id(u, u->n_blocks, id);
  if (lfh_azure_pct_encode(&enc, id, strlen(id), 0) != 0 || lfh_buf_append(&enc, "", 1) != 0) {
    lfh_buf_free(&enc);
    return lf_error_set(err, LF_ERR_NOMEM, "%s%s: out of memory", u->st->uri_slash, u->key);
  }
  snprintf(query, sizeof query, "comp=block&blockid=%s", (const char *)enc.data);
  lfh_buf_free(&enc);
  az_call c;
  lfh_http_response r = {0};
  int rc = call_init(&c, u->st, "PUT", u->key, query, err);
  c.content_type = "application/octet-stream";
  c.body = data;
  c.body_len = len;
  if (rc == 0) rc = call_send(&c, &r, err);
  if (rc == 0 && !is_ok(r.status)) rc = az_fail(&c, &r, 0, err);
  lfh_http_response_free(&r);
  call_free(&c);
  if (rc == 0) u->n_blocks++;
  return rc;
}

static int az_upload_write(void *up, const void *data, size_t len, lf_error *err) {
  az_upload *u = up;
  size_t bs = u->st->block_size;
  const uint8_t *p = data;
  while (len > 0) {
    if (u->pending.len == 0 && len >= bs) { /* a whole block straight from the caller */
      int rc = put_block(u, p, bs, err);
      if (rc != 0) return rc;
      p += bs;
      len -= bs;
      continue;
    }
    size_t take = bs - u->pending.len < len ? bs - u->pending.len : len;
    if (lfh_buf_append(&u->pending, p, take) != 0)
      return lf_error_set(err, LF_ERR_NOMEM, "%s%s: out of memory", u->st->uri_slash, u->key);
    p += take;
    len -= take;
    if (u->pending.len == bs) {
      int rc = put_block(u, u->pending.data, bs, err);
      if (rc != 0) return rc;
      u->pending.len = 0;
    }
  }
  return 0;
}

static void az_upload_abort(void *up) {
  az_upload *u = up;
  if (!u) return;
  /* Staged blocks are never committed; the service drops them after a week. */
  lfh_buf_free(&u->pending);
  free(u->key);
  free(u);
}

/* After a conflict on a retried Put Block List: are the committed blocks ours? */
static int blocks_are_ours(az_upload *u) {
  az_call c;
  lfh_http_response r = {0};
  char msg[64], **names = NULL, id[AZ_BLOCK_B64];
  size_t n = 0;
  lf_error e;
  lf_error_init(&e, msg, sizeof msg);
  int ours = 0;
  if (az_request(u->st, "GET", u->key, "comp=blocklist&blocklisttype=committed", &c, &r, &e) ==
          0 &&
      r.status == 200 &&
      lfh_azure_parse_block_list((const char *)r.body.data, r.body.len, &names, &n,
                                 u->st->uri_slash, &e) == 0) {
    ours = n == u->n_blocks;
    for (size_t i = 0; i < n; i++) {
      block_id(u, (uint32_t)i, id);
      if (strcmp(names[i], id) != 0) ours = 0;
      free(names[i]);
    }
    free(names);
  }
  lfh_http_response_free(&r);
  call_free(&c);
  return ours;
}

/* Put Block List of every staged block. */
static int put_block_list(az_upload *u, lf_error *err) {
  lfh_buf xml = {0};
  char id[AZ_BLOCK_B64];
  int bad = lfh_buf_append(&xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>", 49);
  for (uint32_t i = 0; i < u->n_blocks && !bad; i++) {
    block_id(u, i, id);
    bad = lfh_buf_append(&xml, "<Latest>", 8) || lfh_buf_append(&xml, id, strlen(id)) ||
          lfh_buf_append(&xml, "</Latest>", 9);
  }
  if (bad || lfh_buf_append(&xml, "</BlockList>", 12) != 0) {
    lfh_buf_free(&xml);
    return lf_error_set(err, LF_ERR_NOMEM, "%s%s: out of memory", u->st->uri_slash, u->key);
  }
  lfh_http_header h = {.name = "If-None-Match", .value = "*"};
  az_call c;
  lfh_http_response r = {0};
  int rc = call_init(&c, u->st, "PUT", u->key, "comp=blocklist", err);
  c.extra = &h;
  c.n_extra = u->exclusive ? 1 : 0;
  c.content_type = "application/xml";
  c.body = xml.data;
  c.body_len = xml.len;
  if (rc == 0) rc = call_send(&c, &r, err);
  if (rc == 0 && !is_ok(r.status) &&
      !(u->exclusive && c.prepared > 1 && (r.status == 409 || r.status == 412) &&
        blocks_are_ours(u)))
    rc = az_fail(&c, &r, u->exclusive, err);
  lfh_http_response_free(&r);
  call_free(&c);
  lfh_buf_free(&xml);
  return rc;
}

static int az_upload_commit(void *up, lf_error *err) {
  az_upload *u = up;
  int rc;
  if (u->n_blocks == 0) { /* it all fitted in one block: a single Put Blob */
    rc = put_blob(u->st, u->key, u->pending.data, u->pending.len, u->exclusive, err);
  } else {
    rc = u->pending.len ? put_block(u, u->pending.data, u->pending.len, err) : 0;
    if (rc == 0) rc = put_block_list(u, err);
  }
  az_upload_abort(u);
  return rc;
}

/* ------------------------------------------------------------------ open / close */

static void az_close(void *impl) {
  az_store *st = impl;
  if (!st) return;
  lfh_az_cred_free(st->cred);
  free(st->origin);
  free(st->base_path);
  free(st->account);
  free(st->prefix);
  free(st->uri_slash);
  free(st);
}

static const lfh_store_ops k_azure_ops = {
    .name = "azure",
    .close = az_close,
    .read = az_read,
    .stat = az_stat,
    .write = az_write,
    .upload_begin = az_upload_begin,
    .upload_write = az_upload_write,
    .upload_commit = az_upload_commit,
    .upload_abort = az_upload_abort,
    .remove = az_remove,
    .list = az_list,
};

/* The parts of a store URI. Everything malloc'd and owned by the struct. */
typedef struct az_parts {
  char *origin, *acct_path; /* endpoint: "scheme://authority" and "" or "/account" */
  char *account, *container, *prefix, *root_uri;
} az_parts;

static void parts_free(az_parts *p) {
  free(p->origin);
  free(p->acct_path);
  free(p->account);
  free(p->container);
  free(p->prefix);
  free(p->root_uri);
}

static int bad_uri(const char *uri, const char *why, lf_error *err) {
  return lf_error_set(err, LF_ERR_INVALID, "%s: not an Azure Blob store URI: %s", uri, why);
}

/* Container names: 3-63 of [a-z0-9-] (the service's rule, checked early for a clear
 * message instead of an HTTP 400). */
static int container_ok(const char *c) {
  size_t n = strlen(c);
  return n >= 3 && n <= 63 && strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* The folder part after the container: "" or "a/b/" (trailing '/' added), segments
 * checked like keys. */
static int parse_folder(const char *uri, const char *path, char **out, lf_error *err) {
  size_t n = strlen(path);
  while (n > 0 && path[n - 1] == '/') n--;
  if (n == 0) return (*out = strdup("")) ? 0 : LF_ERR_NOMEM;
  char *f = malloc(n + 2);
  if (!f) return LF_ERR_NOMEM;
  memcpy(f, path, n);
  f[n] = '\0';
  if (foreign_key(f)) {
    free(f);
    return bad_uri(uri, "the folder has an empty, '.', '..' or reserved segment", err);
  }
  f[n] = '/';
  f[n + 1] = '\0';
  *out = f;
  return 0;
}

/* Splits `uri` into parts; the endpoint is the service's or LFH_AZURE_BLOB_ENDPOINT. */
static int parse_uri(const char *uri, az_parts *p, lf_error *err) {
  const char *sep = strstr(uri, "://");
  size_t slen = (size_t)(sep - uri);
  const char *auth = sep + 3, *path = auth + strcspn(auth, "/");
  char *host = strndup(auth, (size_t)(path - auth)), *at = NULL, *folder_path;
  int rc = LF_ERR_NOMEM;
  if (!host) return rc;
  int abfss = slen == 5 && strncasecmp(uri, "abfss", 5) == 0;
  if (abfss) { /* container@account.dfs.suffix/folder */
    if (!(at = strchr(host, '@'))) {
      rc = bad_uri(uri, "abfss:// needs container@account.dfs.core.windows.net", err);
      goto done;
    }
    *at = '\0';
    const char *dot = strchr(at + 1, '.');
    if (!(p->container = strdup(host))) goto done;
    if (!dot || (strncmp(dot, ".dfs.", 5) != 0 && strncmp(dot, ".blob.", 6) != 0)) {
      rc = bad_uri(uri, "the host must be account.dfs.<suffix>", err);
      goto done;
    }
    const char *suffix = strchr(dot + 1, '.') + 1; /* after ".dfs." or ".blob." */
    if (!(p->account = strndup(at + 1, (size_t)(dot - at - 1)))) goto done;
    if (asprintf(&p->origin, "https://%s.blob.%s", p->account, suffix) < 0) {
      p->origin = NULL;
      goto done;
    }
    if (!(p->acct_path = strdup(""))) goto done;
    folder_path = (char *)path + (*path == '/');
  } else {
    const char *seg1 = path + (*path == '/');
    size_t n1 = strcspn(seg1, "/");
    int vhost = strstr(host, ".blob.") != NULL;
    const char *after = seg1 + n1 + (seg1[n1] == '/');
    if (asprintf(&p->origin, "%.*s://%s", (int)slen, uri, host) < 0) {
      p->origin = NULL;
      goto done;
    }
    if (vhost) { /* account.blob.suffix/container/folder */
      if (!(p->account = strndup(host, strcspn(host, "."))) ||
          !(p->container = strndup(seg1, n1)) || !(p->acct_path = strdup("")))
        goto done;
      folder_path = (char *)after;
    } else { /* host:port/account/container/folder (Azurite) */
      size_t n2 = strcspn(after, "/");
      if (!(p->account = strndup(seg1, n1)) || !(p->container = strndup(after, n2)) ||
          asprintf(&p->acct_path, "/%.*s", (int)n1, seg1) < 0)
        goto done;
      folder_path = (char *)after + n2 + (after[n2] == '/');
    }
  }
  if (!p->account[0] || !container_ok(p->container)) {
    rc = bad_uri(uri, "needs an account and a container (3-63 of a-z, 0-9, '-')", err);
    goto done;
  }
  if ((rc = parse_folder(uri, folder_path, &p->prefix, err)) != 0) goto done;
  rc = LF_ERR_NOMEM;
  size_t keep = strlen(uri);
  while (keep > 0 && uri[keep - 1] == '/') keep--;
  if (!(p->root_uri = strndup(uri, keep))) goto done;
  rc = 0;
done:
  free(host);
  if (rc == LF_ERR_NOMEM) lf_error_set(err, rc, "%s: out of memory opening the store", uri);
  return rc;
}

/* LFH_AZURE_BLOB_ENDPOINT: "scheme://authority[/account]" replacing the parsed endpoint. */
static int apply_endpoint_env(const char *uri, az_parts *p, lf_error *err) {
  const char *env = getenv("LFH_AZURE_BLOB_ENDPOINT");
  if (!env || !env[0]) return 0;
  const char *sep = strstr(env, "://");
  if (!sep) return lf_error_set(err, LF_ERR_INVALID, "%s: LFH_AZURE_BLOB_ENDPOINT '%s' is no URL",
                                uri, env);
  const char *path = sep + 3 + strcspn(sep + 3, "/");
  size_t plen = strlen(path);
  while (plen > 0 && path[plen - 1] == '/') plen--;
  free(p->origin);
  free(p->acct_path);
  p->origin = strndup(env, (size_t)(path - env));
  p->acct_path = strndup(path, plen);
  if (!p->origin || !p->acct_path)
    return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory opening the store", uri);
  return 0;
}

static size_t env_size(const char *name, size_t dflt, size_t max) {
  const char *v = getenv(name);
  char *end = NULL;
  unsigned long long n = v ? strtoull(v, &end, 10) : 0;
  if (!v || end == v || *end || n == 0) return dflt;
  return n > max ? max : (size_t)n;
}

static int store_from_parts(az_parts *p, az_store *st, lf_error *err) {
  if (asprintf(&st->base_path, "%s/%s", p->acct_path, p->container) < 0 ||
      asprintf(&st->uri_slash, "%s/", p->root_uri) < 0) {
    st->base_path = st->uri_slash = NULL;
    return lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory opening the store", p->root_uri);
  }
  st->origin = p->origin;
  st->account = p->account;
  st->prefix = p->prefix;
  p->origin = p->account = p->prefix = NULL;
  st->ca_file = lfh_az_ca_file();
  st->list_page = env_size("LFH_AZURE_LIST_PAGE", AZ_LIST_PAGE_MAX, AZ_LIST_PAGE_MAX);
  st->block_size = env_size("LFH_AZURE_BLOCK_SIZE", AZ_BLOCK_DEFAULT, (size_t)4000 << 20);
  if (!(st->cred = lfh_az_cred_from_env(st->account, err))) return err ? err->code : LF_ERR_INVALID;
  return 0;
}

int lfh_store_azure_open(const char *uri, const lfh_store_ops **ops, void **impl,
                         char **root_uri, lf_error *err) {
  az_parts p = {0};
  az_store *st = calloc(1, sizeof *st);
  int rc = st ? 0 : lf_error_set(err, LF_ERR_NOMEM, "%s: out of memory opening the store", uri);
  if (rc == 0) rc = parse_uri(uri, &p, err);
  if (rc == 0) rc = apply_endpoint_env(uri, &p, err);
  if (rc == 0) rc = store_from_parts(&p, st, err);
  if (rc != 0) {
    az_close(st);
    parts_free(&p);
    return rc;
  }
  *root_uri = p.root_uri;
  p.root_uri = NULL;
  parts_free(&p);
  *ops = &k_azure_ops;
  *impl = st;
  return 0;
}

int lfh_store_azure_create_container(const char *uri, lf_error *err) {
  const lfh_store_ops *ops = NULL;
  void *impl = NULL;
  char *root = NULL;
  int rc = lfh_store_azure_open(uri, &ops, &impl, &root, err);
  if (rc != 0) return rc;
  az_call c;
  lfh_http_response r = {0};
  rc = az_request(impl, "PUT", NULL, "restype=container", &c, &r, err);
  if (rc == 0 && !is_ok(r.status) && !(r.status == 409 && r.error_code &&
                                       strcmp(r.error_code, "ContainerAlreadyExists") == 0))
    rc = az_fail(&c, &r, 0, err);
  lfh_http_response_free(&r);
  call_free(&c);
  az_close(impl);
  free(root);
  return rc;
}
