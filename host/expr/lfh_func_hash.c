/* lfh_func_hash.c — digests: sha2 md5 sha1 (sha) crc32, through OpenSSL's EVP interface
 * and zlib. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "expr/lfh_func_internal.h"

/* Digests prepared once: fetched algorithms and one reusable context, so a row costs an
 * init/update/final and no allocation. Owned by the function signature. */
enum { ALG_MD5, ALG_SHA1, ALG_SHA224, ALG_SHA256, ALG_SHA384, ALG_SHA512, ALG_N };

typedef struct hash_prep {
  EVP_MD_CTX *ctx;
  EVP_MD *md[ALG_N];
  int fixed;  /* the algorithm for every row, or -1: sha2 with a per-row bit length */
  int null;   /* the constant bit length is NULL: every row is NULL */
} hash_prep;

static const char *const k_alg_names[ALG_N] = {"MD5", "SHA1", "SHA2-224", "SHA2-256", "SHA2-384",
                                               "SHA2-512"};

static void hash_prep_free(void *p) {
  hash_prep *h = p;
  if (!h) return;
  EVP_MD_CTX_free(h->ctx);
  for (int i = 0; i < ALG_N; i++) EVP_MD_free(h->md[i]);
  free(h);
}

static int hash_prep_new(const char *fn, int fixed, lfh_func_sig *sig, lf_error *err) {
  hash_prep *h = calloc(1, sizeof(*h));
  if (!h || !(h->ctx = EVP_MD_CTX_new())) goto fail;
  for (int i = 0; i < ALG_N; i++)
    if ((fixed < 0 || i == fixed) && !(h->md[i] = EVP_MD_fetch(NULL, k_alg_names[i], NULL)))
      goto fail;
  h->fixed = fixed;
  sig->prep = h;
  sig->prep_free = hash_prep_free;
  return LF_OK;
fail:
  hash_prep_free(h);
  return lf_error_set(err, LF_ERR_INTERNAL, "%s: cannot set up the digest (OpenSSL)", fn);
}

/* The algorithm for a SHA-2 bit length, or -1. */
static int sha2_alg(int64_t bits) {
  switch (bits) {
  case 0: case 256: return ALG_SHA256;
  case 224: return ALG_SHA224;
  case 384: return ALG_SHA384;
  case 512: return ALG_SHA512;
  default: return -1;
  }
}

static int resolve_input(const char *fn, const uint32_t *t, lfh_func_sig *sig, lf_error *err) {
  if (t[0] == LFH_TYPE_STRING || t[0] == LFH_TYPE_BINARY) sig->cast[0] = t[0];
  else if (t[0] == LFH_TYPE_NULL) sig->cast[0] = LFH_TYPE_BINARY;
  else
    return lf_error_set(err, LF_ERR_INVALID, "%s: argument 1 must be STRING or BINARY, got %s",
                        fn, lfh_fn_type(t[0]));
  sig->ret = LFH_TYPE_STRING;
  return LF_OK;
}

static int resolve_sha2(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                        lf_error *err) {
  (void)n;
  int64_t bits;
  if (resolve_input("sha2", t, sig, err) < 0 || lfh_fn_arg_bigint("sha2", t, 1, sig, err) < 0)
    return LF_ERR_INVALID;
  int known = lfh_fn_const_int(c[1], &bits), alg = known == 1 ? sha2_alg(bits) : -1;
  if (known == 1 && alg < 0)
    return lf_error_set(err, LF_ERR_INVALID,
                        "sha2: argument 2 must be one of 0, 224, 256, 384, 512, got %lld",
                        (long long)bits);
  int rc = hash_prep_new("sha2", alg, sig, err);
  if (rc == LF_OK) ((hash_prep *)sig->prep)->null = known == 0;
  return rc;
}

static int resolve_md5(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                       lf_error *err) {
  (void)c;
  (void)n;
  return resolve_input("md5", t, sig, err) < 0 ? LF_ERR_INVALID
                                               : hash_prep_new("md5", ALG_MD5, sig, err);
}

static int resolve_sha1(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                        lf_error *err) {
  (void)c;
  (void)n;
  return resolve_input("sha1", t, sig, err) < 0 ? LF_ERR_INVALID
                                                : hash_prep_new("sha1", ALG_SHA1, sig, err);
}

static int eval_digest(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  static const char hex[] = "0123456789abcdef";
  hash_prep *h = ctx->sig->prep;
  lfh_strout so;
  if (lfh_fn_out(ctx, LFH_TYPE_STRING, out) < 0) return LF_ERR_NOMEM;
  if (lfh_strout_begin(&so, ctx->arena, out) < 0) return lfh_fn_nomem(ctx, "sha2");
  for (int64_t r = 0; r < ctx->rows; r++) {
    int alg = h->fixed;
    if (n > 1 && alg < 0 && LFH_VALID(&a[1], r)) alg = sha2_alg(a[1].u.i[LFH_ROW(&a[1], r)]);
    if (h->null || alg < 0 || !LFH_VALID(&a[0], r)) {
      lfh_strout_null(&so); /* NULL input, or an unsupported bit length as in Spark */
      continue;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t len;
    const char *s = lfh_fn_str(&a[0], r, &len);
    if (!EVP_DigestInit_ex(h->ctx, h->md[alg], NULL) || !EVP_DigestUpdate(h->ctx, s, len) ||
        !EVP_DigestFinal_ex(h->ctx, md, &mdlen))
      return lf_error_set(ctx->err, LF_ERR_INTERNAL, "%s: digest failed (OpenSSL)",
                          k_alg_names[alg]);
    char *dst = lfh_strout_reserve(&so, (size_t)mdlen * 2);
    if (!dst) return lfh_fn_nomem(ctx, "sha2");
    for (unsigned int i = 0; i < mdlen; i++) {
      dst[2 * i] = hex[md[i] >> 4];
      dst[2 * i + 1] = hex[md[i] & 15];
    }
    lfh_strout_commit(&so, (size_t)mdlen * 2);
  }
  lfh_strout_end(&so);
  return LF_OK;
}

/* ------------------------------------------------------------ crc32 */

static int resolve_crc32(const uint32_t *t, const lfh_vec *const *c, int n, lfh_func_sig *sig,
                         lf_error *err) {
  (void)c;
  (void)n;
  if (resolve_input("crc32", t, sig, err) < 0) return LF_ERR_INVALID;
  sig->ret = LFH_TYPE_BIGINT;
  return LF_OK;
}

static int eval_crc32(lfh_func_ctx *ctx, const lfh_vec *a, int n, lfh_vec *out) {
  (void)n;
  if (lfh_fn_out(ctx, LFH_TYPE_BIGINT, out) < 0) return LF_ERR_NOMEM;
  for (int64_t r = 0; r < ctx->rows; r++) {
    size_t len;
    const char *s = lfh_fn_str(&a[0], r, &len);
    out->valid[r] = (uint8_t)LFH_VALID(&a[0], r);
    /* zlib takes uInt lengths; a value is at most 2 GiB (int32 offsets). */
    out->u.i[r] = out->valid[r] ? (int64_t)crc32(0L, (const Bytef *)s, (uInt)len) : 0;
  }
  return LF_OK;
}

/* ------------------------------------------------------------ table */

const lfh_func lfh_func_hash_table[] = {
    {"sha2", 2, 2, resolve_sha2, eval_digest, "sha2(expr, bitLength) → STRING",
     "The SHA-2 digest of a STRING (its UTF-8 bytes) or BINARY as lowercase hex; `bitLength` "
     "is 224, 256 (or 0), 384 or 512. NULL if `expr` is NULL or a non-constant `bitLength` "
     "is NULL or unsupported; an unsupported constant is a compile error."},
    {"md5", 1, 1, resolve_md5, eval_digest, "md5(expr) → STRING",
     "The MD5 digest of a STRING or BINARY as 32 lowercase hex digits. NULL in, NULL out."},
    {"sha1", 1, 1, resolve_sha1, eval_digest, "sha1(expr) → STRING",
     "The SHA-1 digest of a STRING or BINARY as 40 lowercase hex digits. NULL in, NULL out."},
    {"sha", 1, 1, resolve_sha1, eval_digest, "sha(expr) → STRING", "Same as sha1."},
    {"crc32", 1, 1, resolve_crc32, eval_crc32, "crc32(expr) → BIGINT",
     "The CRC-32 checksum of a STRING or BINARY as an unsigned value. NULL in, NULL out."},
    {0}};
