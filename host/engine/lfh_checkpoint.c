#include "engine/lfh_checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"

#define MAGIC "LFCKPT1\n"
#define MAGIC_LEN 8

struct lfh_checkpoint {
  lfh_store *store;
  char *prefix; /* "checkpoints/<pipeline>/<flow>" */
};

int lfh_checkpoint_open(lfh_store *s, const char *pipeline, const char *flow,
                        lfh_checkpoint **out, lf_error *err) {
  lfh_checkpoint *c = calloc(1, sizeof *c);
  if (!c || asprintf(&c->prefix, "checkpoints/%s/%s", pipeline, flow) < 0) {
    free(c);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  }
  c->store = s;
  *out = c;
  return LF_OK;
}

void lfh_checkpoint_close(lfh_checkpoint *c) {
  if (!c) return;
  free(c->prefix);
  free(c);
}

static void key_of(const lfh_checkpoint *c, const char *kind, uint64_t epoch, char *buf,
                   size_t cap) {
  snprintf(buf, cap, "%s/%s/%020" PRIu64, c->prefix, kind, epoch);
}

int lfh_checkpoint_put_plan(lfh_checkpoint *c, uint64_t epoch, const void *data, size_t len,
                            lf_error *err) {
  char key[1024];
  key_of(c, "plan", epoch, key, sizeof key);
  return lfh_store_put(c->store, key, data, len, err);
}

int lfh_checkpoint_get_plan(lfh_checkpoint *c, uint64_t epoch, lfh_buf *out, lf_error *err) {
  char key[1024];
  key_of(c, "plan", epoch, key, sizeof key);
  return lfh_store_get(c->store, key, out, err);
}

/* ------------------------------------------------------------ parts */

int lfh_ckpt_parts_add(lfh_ckpt_parts *p, const char *name, const void *data, size_t len) {
  lfh_ckpt_part *items = realloc(p->items, (p->n + 1) * sizeof *items);
  if (!items) return LF_ERR_NOMEM;
  p->items = items;
  lfh_ckpt_part *x = &items[p->n];
  x->name = strdup(name);
  x->data = malloc(len ? len : 1);
  x->len = len;
  if (!x->name || !x->data) {
    free(x->name);
    free(x->data);
    return LF_ERR_NOMEM;
  }
  if (len) memcpy(x->data, data, len);
  p->n++;
  return LF_OK;
}

const lfh_ckpt_part *lfh_ckpt_parts_get(const lfh_ckpt_parts *p, const char *name) {
  for (size_t i = 0; i < p->n; i++)
    if (!strcmp(p->items[i].name, name)) return &p->items[i];
  return NULL;
}

void lfh_ckpt_parts_free(lfh_ckpt_parts *p) {
  for (size_t i = 0; i < p->n; i++) {
    free(p->items[i].name);
    free(p->items[i].data);
  }
  free(p->items);
  p->items = NULL;
  p->n = 0;
}

static int put_le(lfh_buf *b, uint64_t v, int bytes) {
  uint8_t x[8];
  for (int i = 0; i < bytes; i++) x[i] = (uint8_t)(v >> (8 * i));
  return lfh_buf_append(b, x, (size_t)bytes);
}

static uint64_t get_le(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

int lfh_checkpoint_put_state(lfh_checkpoint *c, uint64_t epoch, const lfh_ckpt_parts *p,
                             lf_error *err) {
  lfh_buf b = {0};
  int rc = lfh_buf_append(&b, MAGIC, MAGIC_LEN);
  for (size_t i = 0; rc == LF_OK && i < p->n; i++) {
    size_t nl = strlen(p->items[i].name);
    rc = put_le(&b, nl, 4);
    if (rc == LF_OK) rc = lfh_buf_append(&b, p->items[i].name, nl);
    if (rc == LF_OK) rc = put_le(&b, p->items[i].len, 8);
    if (rc == LF_OK) rc = lfh_buf_append(&b, p->items[i].data, p->items[i].len);
  }
  if (rc != LF_OK) rc = lf_error_set(err, rc, "out of memory writing a checkpoint");
  char key[1024];
  key_of(c, "state", epoch, key, sizeof key);
  if (rc == LF_OK) rc = lfh_store_put(c->store, key, b.data, b.len, err);
  lfh_buf_free(&b);
  return rc;
}

static int parse_state(const uint8_t *d, size_t len, lfh_ckpt_parts *out) {
  if (len < MAGIC_LEN || memcmp(d, MAGIC, MAGIC_LEN) != 0) return LF_ERR_DATA;
  size_t at = MAGIC_LEN;
  while (at < len) {
    if (len - at < 4) return LF_ERR_DATA;
    uint64_t nl = get_le(d + at, 4);
    at += 4;
    if (nl == 0 || nl > 256 || len - at < nl + 8) return LF_ERR_DATA;
    char name[257];
    memcpy(name, d + at, nl);
    name[nl] = 0;
    at += nl;
    uint64_t dl = get_le(d + at, 8);
    at += 8;
    if (dl > len - at) return LF_ERR_DATA;
    if (lfh_ckpt_parts_add(out, name, d + at, (size_t)dl) != LF_OK) return LF_ERR_NOMEM;
    at += dl;
  }
  return LF_OK;
}

int lfh_checkpoint_get_state(lfh_checkpoint *c, uint64_t epoch, lfh_ckpt_parts *out,
                             lf_error *err) {
  char key[1024];
  lfh_buf b = {0};
  memset(out, 0, sizeof *out);
  key_of(c, "state", epoch, key, sizeof key);
  int rc = lfh_store_get(c->store, key, &b, err);
  if (rc == LF_OK && (rc = parse_state(b.data, b.len, out)) != LF_OK) {
    lfh_ckpt_parts_free(out);
    rc = lf_error_set(err, rc, "%s: %s", key,
                      rc == LF_ERR_NOMEM ? "out of memory" : "damaged checkpoint state");
  }
  lfh_buf_free(&b);
  return rc;
}

/* ------------------------------------------------------------ cleanup */

typedef struct keys {
  char **k;
  size_t n, cap;
  uint64_t upto;
  int all;
} keys;

static int collect(void *ctx, const lfh_store_entry *e) {
  keys *ks = ctx;
  if (!ks->all) {
    const char *slash = strrchr(e->key, '/');
    char *end = NULL;
    unsigned long long ep = slash ? strtoull(slash + 1, &end, 10) : 0;
    if (!slash || !end || *end || ep > ks->upto) return 0;
  }
  if (ks->n == ks->cap) {
    size_t cap = ks->cap ? ks->cap * 2 : 16;
    char **k = realloc(ks->k, cap * sizeof *k);
    if (!k) return LF_ERR_NOMEM;
    ks->k = k;
    ks->cap = cap;
  }
  if (!(ks->k[ks->n] = strdup(e->key))) return LF_ERR_NOMEM;
  ks->n++;
  return 0;
}

static int delete_matching(lfh_checkpoint *c, const char *sub, keys *ks, lf_error *err) {
  char prefix[1024];
  snprintf(prefix, sizeof prefix, "%s/%s", c->prefix, sub);
  int rc = lfh_store_list(c->store, prefix, collect, ks, err);
  if (rc == LF_ERR_NOMEM) rc = lf_error_set(err, rc, "out of memory listing %s", prefix);
  for (size_t i = 0; rc == LF_OK && i < ks->n; i++) {
    rc = lfh_store_delete(c->store, ks->k[i], err);
    if (rc == LF_ERR_NOT_FOUND) rc = LF_OK; /* someone else cleaned up */
  }
  for (size_t i = 0; i < ks->n; i++) free(ks->k[i]);
  free(ks->k);
  ks->k = NULL;
  ks->n = ks->cap = 0;
  return rc == LF_ERR_NOT_FOUND ? LF_OK : rc;
}

int lfh_checkpoint_prune(lfh_checkpoint *c, uint64_t upto, lf_error *err) {
  keys ks = {.upto = upto};
  int rc = delete_matching(c, "plan/", &ks, err);
  return rc == LF_OK ? delete_matching(c, "state/", &ks, err) : rc;
}

int lfh_checkpoint_delete_all(lfh_checkpoint *c, lf_error *err) {
  keys ks = {.all = 1};
  return delete_matching(c, "", &ks, err);
}
