/* lfb_json_cols.c — the column tree of lfb_json: built from the ArrowSchema, appended to
 * by the decoder, rolled back when a line turns out corrupt, and exported as ArrowArrays
 * whose buffers move out without a copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "lfb_json_internal.h"

/* ------------------------------------------------------------ building */

static int kind_of(const char *fmt, jkind *k) {
  static const struct {
    const char *fmt;
    jkind kind;
  } map[] = {{"u", K_UTF8}, {"b", K_BOOL},   {"i", K_I32},    {"l", K_I64},
             {"f", K_F32},  {"g", K_F64},    {"tdD", K_DATE}, {"tsu:", K_TSNTZ},
             {"+s", K_STRUCT}, {"+l", K_LIST}, {"+m", K_MAP}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(fmt, map[i].fmt) == 0) {
      *k = map[i].kind;
      return 0;
    }
  if (strncmp(fmt, "tsu:", 4) == 0) { /* any zone: the values are instants */
    *k = K_TS;
    return 0;
  }
  return -1;
}

static void key_pattern(const jcol *k, jkeypat *kp) {
  uint8_t w[16] = {0}, m[16] = {0};
  size_t n = k->name_len;
  if (!k->plain || n > 15) return; /* stays all zero: no pattern */
  memcpy(w, k->name, n);
  w[n] = '"';
  kp->colon = n < 15;
  if (kp->colon) w[n + 1] = ':';
  kp->adv = (uint32_t)(n + 1 + kp->colon);
  memset(m, 0xFF, kp->adv);
  memcpy(kp->w, w, 16);
  memcpy(kp->m, m, 16);
}

/* The lookup table of a struct's field names: slots hold index + 1, 0 = empty. */
static int build_hash(jcol *c) {
  uint32_t size = 8;
  while (size < c->n_kids * 2u) size *= 2;
  c->hash = calloc(size, sizeof *c->hash);
  c->seen = calloc((c->n_kids + 63u) / 64u + 1u, sizeof *c->seen);
  c->follow = calloc(2u * (c->n_kids + 1u), sizeof *c->follow);
  c->keys = calloc(c->n_kids ? c->n_kids : 1, sizeof *c->keys);
  if (!c->hash || !c->seen || !c->follow || !c->keys) return -1;
  for (uint32_t i = 0; i < c->n_kids; i++) key_pattern(&c->kids[i], &c->keys[i]);
  for (uint32_t i = 0; i <= c->n_kids; i++) { /* schema order: the next field, or the one after */
    c->follow[2 * i] = (uint16_t)i;
    c->follow[2 * i + 1] = (uint16_t)(i + 1);
  }
  c->hash_mask = size - 1;
  for (uint32_t i = 0; i < c->n_kids; i++) {
    uint32_t h = lfb_name_hash(c->kids[i].name, c->kids[i].name_len) & c->hash_mask;
    while (c->hash[h]) h = (h + 1) & c->hash_mask;
    c->hash[h] = (uint16_t)(i + 1);
  }
  return 0;
}

int lfb_col_init(jcol *c, const struct ArrowSchema *s, const char *path, lf_error *err) {
  memset(c, 0, sizeof *c);
  const char *name = s->name ? s->name : "";
  char sub[512];
  snprintf(sub, sizeof sub, "%s%s%s", path, *path && *name ? "." : "", name);
  if (!s->format || kind_of(s->format, &c->kind) != 0)
    return lf_error_set(err, LF_ERR_SCHEMA, "field '%s': type '%s' cannot be read from JSON",
                        sub, s->format ? s->format : "?");
  c->name_len = strlen(name);
  c->plain = 1;
  for (size_t i = 0; i < c->name_len; i++) {
    unsigned char ch = (unsigned char)name[i];
    if (ch < 0x20 || ch >= 0x7F || ch == '"' || ch == '\\') c->plain = 0;
  }
  c->name = malloc(c->name_len + 1);
  if (!c->name) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  memcpy(c->name, name, c->name_len + 1);
  int64_t want = c->kind == K_STRUCT ? s->n_children : c->kind == K_LIST || c->kind == K_MAP;
  if (s->n_children != want || (want && !s->children) || want > 65000)
    return lf_error_set(err, LF_ERR_SCHEMA, "field '%s': malformed schema (%lld children)", sub,
                        (long long)s->n_children);
  if (c->kind == K_MAP) {
    const struct ArrowSchema *e = s->children[0];
    if (!e || e->n_children != 2 || !e->children[0]->format ||
        strcmp(e->children[0]->format, "u") != 0)
      return lf_error_set(err, LF_ERR_SCHEMA, "field '%s': JSON maps need STRING keys", sub);
  }
  if (want) {
    c->kids = calloc((size_t)want, sizeof *c->kids);
    if (!c->kids) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    c->n_kids = (uint32_t)want;
    for (int64_t i = 0; i < want; i++) {
      int rc = lfb_col_init(&c->kids[i], s->children[i], sub, err);
      if (rc != LF_OK) return rc;
    }
  }
  if (c->kind == K_STRUCT && build_hash(c) != 0)
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  return LF_OK;
}

static void col_free_buffers(jcol *c) {
  free(c->valid);
  free(c->vals);
  free(c->data);
  c->valid = c->vals = c->data = NULL;
  c->valid_cap = c->vals_cap = c->data_cap = 0;
  c->len = c->nulls = 0;
  c->dlen = 0;
  c->bits = 0;
}

void lfb_col_free(jcol *c) {
  for (uint32_t i = 0; c->kids && i < c->n_kids; i++) lfb_col_free(&c->kids[i]);
  free(c->kids);
  free(c->hash);
  free(c->seen);
  free(c->follow);
  free(c->keys);
  free(c->name);
  col_free_buffers(c);
  memset(c, 0, sizeof *c);
}

void lfb_col_clear(jcol *c) {
  for (uint32_t i = 0; i < c->n_kids; i++) lfb_col_clear(&c->kids[i]);
  col_free_buffers(c);
}

/* ------------------------------------------------------------ appending and rollback */

int lfb_col_append_null(jcol *c) {
  static const uint64_t zero = 0;
  switch (c->kind) {
  case K_UTF8:
    if (lfb_col_offsets(c) != J_OK) return J_NOMEM;
    ((int32_t *)(void *)c->vals)[c->len + 1] = (int32_t)c->dlen;
    break;
  case K_BOOL:
    if (lfb_reserve(&c->vals, &c->vals_cap, (size_t)(c->len >> 3) + 1) != J_OK) return J_NOMEM;
    break;
  case K_I32: case K_F32: case K_DATE:
    if (lfb_reserve(&c->vals, &c->vals_cap, (size_t)(c->len + 1) * 4) != J_OK) return J_NOMEM;
    memcpy(c->vals + (size_t)c->len * 4, &zero, 4);
    break;
  case K_I64: case K_F64: case K_TS: case K_TSNTZ:
    if (lfb_reserve(&c->vals, &c->vals_cap, (size_t)(c->len + 1) * 8) != J_OK) return J_NOMEM;
    memcpy(c->vals + (size_t)c->len * 8, &zero, 8);
    break;
  case K_STRUCT:
    for (uint32_t i = 0; i < c->n_kids; i++)
      if (lfb_col_null(&c->kids[i]) != J_OK) return J_NOMEM;
    break;
  case K_LIST: case K_MAP:
    if (lfb_col_offsets(c) != J_OK) return J_NOMEM;
    ((int32_t *)(void *)c->vals)[c->len + 1] = lfb_col_off(c, c->len);
    break;
  }
  if (lfb_col_setnull(c) != J_OK) return J_NOMEM;
  c->len++;
  return J_OK;
}

int lfb_col_null_slow(jcol *c) {
  size_t byte = (size_t)(c->len >> 3), old = c->bits ? c->valid_cap : 0;
  if (lfb_reserve(&c->valid, &c->valid_cap, byte + 1) != J_OK) return J_NOMEM;
  /* The first null: every element before it was valid. Later growth: new bytes are
   * elements still to come, valid until a null clears them. */
  memset(c->valid + old, 0xFF, c->valid_cap - old);
  c->bits = 1;
  c->valid[byte] &= (uint8_t)~(1u << (c->len & 7));
  c->nulls++;
  return J_OK;
}

int lfb_col_offsets_grow(jcol *c, size_t need) {
  int first = c->vals == NULL;
  if (lfb_grow(&c->vals, &c->vals_cap, need) != J_OK) return J_NOMEM;
  if (first) ((int32_t *)(void *)c->vals)[0] = 0;
  return J_OK;
}

int lfb_col_null_strs(jcol *c, int64_t k) {
  if (k <= 0) return J_OK;
  if (lfb_col_offsets_n(c, (size_t)k) != J_OK) return J_NOMEM;
  int32_t *off = (int32_t *)(void *)c->vals, d = (int32_t)c->dlen;
  for (int64_t i = 0; i < k; i++) {
    if (lfb_col_setnull(c) != J_OK) return J_NOMEM;
    off[c->len + 1] = d;
    c->len++;
  }
  return J_OK;
}

int lfb_col_repeat_str(jcol *c, const char *s, size_t n, int64_t k) {
  if (k <= 0) return J_OK;
  if (n && (size_t)k > (INT32_MAX - c->dlen) / n) return J_TOOBIG;
  size_t total = n * (size_t)k;
  if (lfb_reserve(&c->data, &c->data_cap, c->dlen + total + 1) != J_OK ||
      lfb_col_offsets_n(c, (size_t)k) != J_OK)
    return J_NOMEM;
  uint8_t *b = c->data + c->dlen;
  if (n) memcpy(b, s, n);
  for (size_t done = n; done < total;) { /* doubling copies of what is there */
    size_t m = done < total - done ? done : total - done;
    memcpy(b + done, b, m);
    done += m;
  }
  int32_t *off = (int32_t *)(void *)c->vals + c->len + 1;
  for (int64_t i = 0; i < k; i++) off[i] = (int32_t)(c->dlen + n * (size_t)(i + 1));
  c->dlen += total;
  c->len += k;
  return J_OK;
}

int lfb_col_repeat_fixed(jcol *c, const void *v, size_t width, int64_t k) {
  if (k <= 0) return J_OK;
  if (lfb_reserve(&c->vals, &c->vals_cap, (size_t)(c->len + k) * width) != J_OK) return J_NOMEM;
  uint8_t *b = c->vals + (size_t)c->len * width;
  if (width == 8) { /* a constant-size copy the compiler turns into one store */
    for (int64_t i = 0; i < k; i++) memcpy(b + (size_t)i * 8, v, 8);
  } else {
    for (int64_t i = 0; i < k; i++) memcpy(b + (size_t)i * width, v, width);
  }
  c->len += k;
  return J_OK;
}

int lfb_col_scan_str_slow(jcol *c, const char **pp, const char *end) {
  if (lfb_grow(&c->data, &c->data_cap, c->dlen + LFB_STR_ROOM + 16) != J_OK) return J_NOMEM;
  return lfb_col_scan_str(c, pp, end); /* the room is there now */
}

int lfb_col_scan_str_long(jcol *c, const char **pp, const unsigned char *p, unsigned char *o,
                          const char *end) {
  size_t at = (size_t)(o - c->data), n;
  const char *q = (const char *)p;
  int rc = lfb_copy_string(&q, end, &c->data, &c->data_cap, at, &n);
  if (rc != J_OK) return rc;
  c->dlen = at + n;
  *pp = q;
  return lfb_col_end_str(c);
}

void lfb_col_truncate(jcol *c, int64_t n) {
  if (n < c->len && c->bits) { /* forget the nulls dropped; their bits become ones again */
    int64_t hi = (int64_t)c->valid_cap * 8 < c->len ? (int64_t)c->valid_cap * 8 : c->len;
    for (int64_t i = n; i < hi; i++)
      if (!(c->valid[i >> 3] & (1u << (i & 7)))) {
        c->valid[i >> 3] |= (uint8_t)(1u << (i & 7));
        c->nulls--;
      }
  }
  if (n < c->len) {
    if (c->kind == K_UTF8) c->dlen = (size_t)lfb_col_off(c, n);
    c->len = n;
  } else if (c->kind == K_UTF8) {
    c->dlen = (size_t)lfb_col_off(c, c->len); /* an append that failed half-way */
  }
  if (c->kind == K_STRUCT)
    for (uint32_t i = 0; i < c->n_kids; i++) lfb_col_truncate(&c->kids[i], n);
  else if (c->kind == K_LIST || c->kind == K_MAP)
    lfb_col_truncate(&c->kids[0], lfb_col_off(c, n));
}

/* ------------------------------------------------------------ export */

typedef struct jarr_priv {
  void *bufs[3];
  struct ArrowArray *kids;
  struct ArrowArray **kidp;
  int64_t n_kids;
} jarr_priv;

static void jarr_release(struct ArrowArray *a) {
  jarr_priv *p = a->private_data;
  for (int64_t i = 0; i < p->n_kids; i++)
    if (p->kidp[i]->release) p->kidp[i]->release(p->kidp[i]);
  for (int i = 0; i < 3; i++) free(p->bufs[i]);
  free(p->kids);
  free(p->kidp);
  free(p);
  a->release = NULL;
}

/* A buffer for the export: the column's own, or a small zeroed one when it has none
 * (consumers expect non-NULL value and offset buffers even for empty arrays). */
static void *take(uint8_t **b, size_t *cap) {
  void *p = *b ? (void *)*b : calloc(1, 8);
  *b = NULL;
  *cap = 0;
  return p;
}

/* Gives an exported column buffers as big as the last batch needed, so the next batch
 * does not grow them by doubling (copying) again. Best effort: on failure the buffers
 * grow lazily as usual. */
static void presize(jcol *c, const size_t caps[3]) {
  if (caps[0] && (c->valid = malloc(caps[0])) != NULL) c->valid_cap = caps[0];
  if (caps[1] && (c->vals = malloc(caps[1])) != NULL) {
    c->vals_cap = caps[1];
    if (c->kind == K_UTF8 || c->kind == K_LIST || c->kind == K_MAP)
      ((int32_t *)(void *)c->vals)[0] = 0;
  }
  if (caps[2] && (c->data = malloc(caps[2])) != NULL) c->data_cap = caps[2];
}

int lfb_col_export(jcol *c, struct ArrowArray *out) {
  memset(out, 0, sizeof *out);
  size_t vbytes = (size_t)(c->len + 7) / 8;
  if (c->nulls && c->valid_cap < vbytes) { /* valid elements past the end of the bitmap */
    size_t old = c->valid_cap;
    if (lfb_grow(&c->valid, &c->valid_cap, vbytes) != J_OK) return J_NOMEM;
    memset(c->valid + old, 0xFF, c->valid_cap - old);
  }
  jarr_priv *p = calloc(1, sizeof *p);
  if (!p) return J_NOMEM;
  p->n_kids = c->n_kids;
  if (c->n_kids) {
    p->kids = calloc(c->n_kids, sizeof *p->kids);
    p->kidp = calloc(c->n_kids, sizeof *p->kidp);
    if (!p->kids || !p->kidp) {
      free(p->kids);
      free(p->kidp);
      free(p);
      return J_NOMEM;
    }
  }
  out->private_data = p;
  out->release = jarr_release;
  out->length = c->len;
  out->null_count = c->nulls;
  out->n_children = c->n_kids;
  out->children = c->n_kids ? p->kidp : NULL;
  out->buffers = (const void **)p->bufs;
  for (uint32_t i = 0; i < c->n_kids; i++) {
    p->kidp[i] = &p->kids[i];
    if (lfb_col_export(&c->kids[i], &p->kids[i]) != J_OK) {
      jarr_release(out);
      return J_NOMEM;
    }
  }
  int fail = 0;
  size_t caps[3] = {c->valid_cap, c->vals_cap, c->data_cap};
  p->bufs[0] = c->nulls ? c->valid : NULL; /* no nulls: Arrow allows no bitmap */
  if (!c->nulls) free(c->valid);
  c->valid = NULL;
  c->valid_cap = 0;
  switch (c->kind) {
  case K_UTF8:
    out->n_buffers = 3;
    fail = !(p->bufs[1] = take(&c->vals, &c->vals_cap)) || !(p->bufs[2] = take(&c->data, &c->data_cap));
    break;
  case K_STRUCT:
    out->n_buffers = 1;
    break;
  default: /* fixed width, bool, list and map offsets */
    out->n_buffers = 2;
    fail = !(p->bufs[1] = take(&c->vals, &c->vals_cap));
    break;
  }
  c->len = c->nulls = 0;
  c->dlen = 0;
  c->bits = 0;
  presize(c, caps);
  if (fail) {
    jarr_release(out);
    return J_NOMEM;
  }
  return J_OK;
}

int lfb_cols_export_root(jcol *const *cols, uint32_t n, int64_t length, struct ArrowArray *out) {
  memset(out, 0, sizeof *out);
  jarr_priv *p = calloc(1, sizeof *p);
  if (!p) return J_NOMEM;
  p->kids = calloc(n ? n : 1, sizeof *p->kids);
  p->kidp = calloc(n ? n : 1, sizeof *p->kidp);
  out->private_data = p;
  out->release = jarr_release;
  if (!p->kids || !p->kidp) {
    jarr_release(out);
    return J_NOMEM;
  }
  p->n_kids = n;
  out->length = length;
  out->n_buffers = 1; /* no validity: every row of the batch is a row */
  out->buffers = (const void **)p->bufs;
  out->n_children = n;
  out->children = p->kidp;
  for (uint32_t i = 0; i < n; i++) {
    p->kidp[i] = &p->kids[i];
    if (lfb_col_export(cols[i], &p->kids[i]) != J_OK) {
      jarr_release(out);
      return J_NOMEM;
    }
  }
  return J_OK;
}
