/*
 * lfh_azure_sign — Shared Key string-to-sign, HMAC, percent-encoding, base64, dates.
 *
 * The string to sign follows the Blob service rules (Authorize with Shared Key, version
 * 2015-02-21 and later): the verb, twelve standard header lines (Content-Length empty
 * when 0), the canonicalized x-ms-* headers, then the canonicalized resource: "/account"
 * + the encoded URL path, and each query parameter as "\nname:value" with the name
 * lower-cased, the value decoded, sorted by name, repeated names joined by ','.
 */
#include "store/lfh_azure_sign.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lf/lf_plugin.h"

/* The standard headers in the order of their lines in the string to sign; Content-Length
 * (third) comes from the body length, not from a header. */
static const char *const k_std_headers[] = {
    "Content-Encoding", "Content-Language", NULL /* Content-Length */, "Content-MD5",
    "Content-Type",     "Date",             "If-Modified-Since",      "If-Match",
    "If-None-Match",    "If-Unmodified-Since", "Range"};

static const char *header_value(const lfh_azure_sign_in *in, const char *name) {
  for (size_t i = 0; i < in->n_headers; i++)
    if (strcasecmp(in->headers[i].name, name) == 0) return in->headers[i].value;
  return NULL;
}

static int append_str(lfh_buf *b, const char *s) { return lfh_buf_append(b, s, strlen(s)); }

/* Appends `v` with leading and trailing white space removed and inner runs of white
 * space (folded lines included) reduced to one space, as the rules ask. */
static int append_trimmed(lfh_buf *b, const char *v) {
  while (*v && isspace((unsigned char)*v)) v++;
  int pending_space = 0;
  for (; *v; v++) {
    if (isspace((unsigned char)*v)) {
      pending_space = 1;
      continue;
    }
    if (pending_space && lfh_buf_append(b, " ", 1) != 0) return LF_ERR_NOMEM;
    pending_space = 0;
    if (lfh_buf_append(b, v, 1) != 0) return LF_ERR_NOMEM;
  }
  return 0;
}

static int cmp_header_idx(const void *a, const void *b, void *ctx) {
  const lfh_http_header *h = ctx;
  return strcasecmp(h[*(const size_t *)a].name, h[*(const size_t *)b].name);
}

static int append_lower(lfh_buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = (char)tolower((unsigned char)s[i]);
    if (lfh_buf_append(b, &c, 1) != 0) return LF_ERR_NOMEM;
  }
  return 0;
}

/* "x-ms-name:value\n" for every x-ms-* header, names lower-cased and sorted. */
static int canonical_headers(const lfh_azure_sign_in *in, lfh_buf *out) {
  size_t *idx = calloc(in->n_headers + 1, sizeof *idx), n = 0;
  int rc = 0;
  if (!idx) return LF_ERR_NOMEM;
  for (size_t i = 0; i < in->n_headers; i++)
    if (strncasecmp(in->headers[i].name, "x-ms-", 5) == 0) idx[n++] = i;
  qsort_r(idx, n, sizeof *idx, cmp_header_idx, (void *)in->headers);
  for (size_t k = 0; k < n && rc == 0; k++) {
    const lfh_http_header *h = &in->headers[idx[k]];
    if (append_lower(out, h->name, strlen(h->name)) != 0 || lfh_buf_append(out, ":", 1) != 0 ||
        append_trimmed(out, h->value) != 0 || lfh_buf_append(out, "\n", 1) != 0)
      rc = LF_ERR_NOMEM;
  }
  free(idx);
  return rc;
}

/* One query parameter, name lower-cased and value decoded, both owned. */
typedef struct qparam {
  char *name, *value;
} qparam;

static int cmp_qparam(const void *a, const void *b) {
  const qparam *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->value, y->value);
}

/* Splits `query` into parameters; *n_out of them in *out (caller frees each and the array). */
static int split_query(const char *query, qparam **out, size_t *n_out) {
  size_t cap = 1;
  for (const char *p = query; *p; p++) cap += (*p == '&');
  qparam *ps = calloc(cap, sizeof *ps);
  size_t n = 0;
  if (!ps) return LF_ERR_NOMEM;
  for (const char *p = query; *p;) {
    size_t len = strcspn(p, "&"), nlen = strcspn(p, "=&");
    if (len > 0) {
      const char *v = nlen < len ? p + nlen + 1 : p + len;
      ps[n].name = strndup(p, nlen);
      ps[n].value = strndup(v, (size_t)(p + len - v));
      if (!ps[n].name || !ps[n].value) {
        n++;
        goto nomem;
      }
      for (char *c = ps[n].name; *c; c++) *c = (char)tolower((unsigned char)*c);
      lfh_azure_pct_decode(ps[n].name, strlen(ps[n].name));
      lfh_azure_pct_decode(ps[n].value, strlen(ps[n].value));
      n++;
    }
    p += len + (p[len] == '&');
  }
  *out = ps;
  *n_out = n;
  return 0;
nomem:
  for (size_t i = 0; i < n; i++) {
    free(ps[i].name);
    free(ps[i].value);
  }
  free(ps);
  return LF_ERR_NOMEM;
}

/* "/account/path" then "\nname:v1,v2" per distinct parameter name, sorted. */
static int canonical_resource(const lfh_azure_sign_in *in, lfh_buf *out) {
  qparam *ps = NULL;
  size_t n = 0;
  int rc = 0;
  if (append_str(out, "/") != 0 || append_str(out, in->account) != 0 ||
      append_str(out, in->path[0] ? in->path : "/") != 0)
    return LF_ERR_NOMEM;
  if (!in->query || !in->query[0]) return 0;
  if ((rc = split_query(in->query, &ps, &n)) != 0) return rc;
  qsort(ps, n, sizeof *ps, cmp_qparam);
  for (size_t i = 0; i < n && rc == 0; i++) {
    int same = i > 0 && strcmp(ps[i].name, ps[i - 1].name) == 0;
    if (same ? append_str(out, ",") != 0
             : (append_str(out, "\n") != 0 || append_str(out, ps[i].name) != 0 ||
                append_str(out, ":") != 0))
      rc = LF_ERR_NOMEM;
    else if (append_str(out, ps[i].value) != 0)
      rc = LF_ERR_NOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    free(ps[i].name);
    free(ps[i].value);
  }
  free(ps);
  return rc;
}

int lfh_azure_string_to_sign(const lfh_azure_sign_in *in, lfh_buf *out) {
  size_t mark = out->len;
  int rc = LF_ERR_NOMEM;
  if (append_str(out, in->method) != 0 || append_str(out, "\n") != 0) goto fail;
  for (size_t i = 0; i < sizeof k_std_headers / sizeof *k_std_headers; i++) {
    char len[32] = "";
    const char *v = k_std_headers[i] ? header_value(in, k_std_headers[i]) : len;
    if (!k_std_headers[i] && in->content_length > 0)
      snprintf(len, sizeof len, "%llu", (unsigned long long)in->content_length);
    if ((v && append_trimmed(out, v) != 0) || append_str(out, "\n") != 0) goto fail;
  }
  if ((rc = canonical_headers(in, out)) != 0 || (rc = canonical_resource(in, out)) != 0)
    goto fail;
  if (lfh_buf_append(out, "", 1) != 0) goto fail; /* the NUL */
  out->len--;
  return 0;
fail:
  out->len = mark;
  return LF_ERR_NOMEM;
}

int lfh_azure_shared_key(const lfh_azure_sign_in *in, const uint8_t *key, size_t key_len,
                         char *out, size_t cap) {
  lfh_buf sts = {0};
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  char b64[64];
  int rc = lfh_azure_string_to_sign(in, &sts);
  if (rc != 0) goto done;
  rc = LF_ERR_INVALID;
  if (key_len > (size_t)INT32_MAX ||
      !HMAC(EVP_sha256(), key, (int)key_len, sts.data, sts.len, mac, &mac_len))
    goto done;
  if (lfh_azure_base64(mac, mac_len, b64, sizeof b64) < 0) goto done;
  int n = snprintf(out, cap, "SharedKey %s:%s", in->account, b64);
  if (n >= 0 && (size_t)n < cap) rc = 0;
done:
  OPENSSL_cleanse(mac, sizeof mac);
  lfh_buf_free(&sts);
  return rc;
}

int lfh_azure_pct_encode(lfh_buf *out, const char *s, size_t n, int keep_slash) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    int keep = isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
               (keep_slash && c == '/');
    char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
    if (lfh_buf_append(out, keep ? (const char *)&s[i] : esc, keep ? 1 : 3) != 0)
      return LF_ERR_NOMEM;
  }
  return 0;
}

static int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t lfh_azure_pct_decode(char *s, size_t n) {
  size_t w = 0;
  for (size_t r = 0; r < n; r++) {
    if (s[r] == '%' && r + 2 < n && hex_val(s[r + 1]) >= 0 && hex_val(s[r + 2]) >= 0) {
      s[w++] = (char)(hex_val(s[r + 1]) * 16 + hex_val(s[r + 2]));
      r += 2;
    } else {
      s[w++] = s[r];
    }
  }
  if (w < n) s[w] = '\0';
  return w;
}

long lfh_azure_base64(const void *data, size_t n, char *out, size_t cap) {
  size_t need = 4 * ((n + 2) / 3) + 1;
  if (cap < need || n > (size_t)INT32_MAX) return -1;
  return (long)EVP_EncodeBlock((unsigned char *)out, data, (int)n);
}

void lfh_azure_http_date(int64_t t, char out[30]) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  /* strftime's %a/%b follow the locale; HTTP wants the C locale's English names. */
  static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm.tm_wday % 7], tm.tm_mday,
           mo[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int lfh_azure_parse_http_date(const char *s, int64_t *us) {
  static const char mo[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  char wd[4], mon[4], zone[4];
  int d, y, h, mi, sec;
  if (!s || sscanf(s, "%3s, %d %3s %d %d:%d:%d %3s", wd, &d, mon, &y, &h, &mi, &sec, zone) != 8)
    return LF_ERR_INVALID;
  const char *m = strstr(mo, mon);
  if (!m || (m - mo) % 3 != 0 || strcmp(zone, "GMT") != 0 || d < 1 || d > 31 || h > 23 ||
      mi > 59 || sec > 60)
    return LF_ERR_INVALID;
  struct tm tm = {.tm_year = y - 1900, .tm_mon = (int)((m - mo) / 3), .tm_mday = d,
                  .tm_hour = h, .tm_min = mi, .tm_sec = sec};
  *us = (int64_t)timegm(&tm) * 1000000;
  return 0;
}
