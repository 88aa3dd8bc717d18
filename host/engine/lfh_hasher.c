#include "engine/lfh_hasher.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lf/lf_array.h"

#define MAX_DEPTH 32

/* Splits "a.b.c" into segments inside `buf`. */
static int split(const char *path, char *buf, size_t cap, char **segs, size_t *n) {
  size_t len = strlen(path);
  if (len == 0 || len >= cap) return -1;
  memcpy(buf, path, len + 1);
  *n = 0;
  for (char *save = NULL, *t = strtok_r(buf, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
    if (*n == MAX_DEPTH) return -1;
    segs[(*n)++] = t;
  }
  return *n ? 0 : -1;
}

static int64_t child_index(const struct ArrowSchema *s, const char *name) {
  if (!s || strcmp(s->format, "+s") != 0) return -1;
  for (int64_t i = 0; i < s->n_children; i++)
    if (s->children[i]->name && !strcasecmp(s->children[i]->name, name)) return i;
  return -1;
}

const struct ArrowSchema *lfh_hasher_column(const struct ArrowSchema *s, const char *path,
                                            lf_error *err) {
  char buf[512], *segs[MAX_DEPTH];
  size_t n = 0;
  if (split(path, buf, sizeof buf, segs, &n) != 0) {
    lf_error_set(err, LF_ERR_INVALID, "'%s' is not a column path", path);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    int64_t j = child_index(s, segs[i]);
    if (j < 0) {
      lf_error_set(err, LF_ERR_SCHEMA, "no column '%s' (looking for '%s')", segs[i], path);
      return NULL;
    }
    s = s->children[j];
  }
  return s;
}

/* ------------------------------------------------------------ schemas */

static int copy_named(struct ArrowSchema *parent, const struct ArrowSchema *src,
                      const char *name, lf_error *err) {
  struct ArrowSchema *c = NULL;
  int rc = lf_schema_add_child(parent, src->format, name, src->flags, &c, err);
  if (rc == LF_OK && src->metadata) rc = lf_schema_set_metadata(c, src->metadata, err);
  for (int64_t i = 0; rc == LF_OK && i < src->n_children; i++)
    rc = copy_named(c, src->children[i], src->children[i]->name, err);
  return rc;
}

static char *out_name(const char *name, const lfh_hash_place *pl) {
  const char *sfx = pl->suffix ? pl->suffix : "";
  size_t a = strlen(name), b = strlen(sfx);
  char *s = malloc(a + b + 1);
  if (s) memcpy(s, name, a), memcpy(s + a, sfx, b + 1);
  return s;
}

static int in_place(const lfh_hash_place *pl) { return !pl->suffix || !pl->suffix[0]; }

static int rebuild(struct ArrowSchema *dst, const struct ArrowSchema *src, char **segs,
                   size_t n, const struct ArrowSchema *hashed, const lfh_hash_place *pl,
                   lf_error *err) {
  int64_t j = child_index(src, segs[0]);
  if (j < 0) return lf_error_set(err, LF_ERR_SCHEMA, "no column '%s'", segs[0]);
  int rc = LF_OK;
  for (int64_t i = 0; rc == LF_OK && i < src->n_children; i++) {
    const struct ArrowSchema *c = src->children[i];
    if (i != j) {
      rc = copy_named(dst, c, c->name, err);
    } else if (n > 1) {
      struct ArrowSchema *nc = NULL;
      rc = lf_schema_add_child(dst, c->format, c->name, c->flags, &nc, err);
      if (rc == LF_OK) rc = rebuild(nc, c, segs + 1, n - 1, hashed, pl, err);
    } else {
      if (!in_place(pl) && pl->keep_original) rc = copy_named(dst, c, c->name, err);
      char *nm = out_name(c->name, pl);
      if (!nm) return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
      if (rc == LF_OK) rc = copy_named(dst, hashed, nm, err);
      free(nm);
    }
  }
  return rc;
}

int lfh_hasher_schema(const struct ArrowSchema *in, const char *path,
                      const struct ArrowSchema *hashed, const lfh_hash_place *pl,
                      struct ArrowSchema *out, lf_error *err) {
  char buf[512], *segs[MAX_DEPTH];
  size_t n = 0;
  if (split(path, buf, sizeof buf, segs, &n) != 0)
    return lf_error_set(err, LF_ERR_INVALID, "'%s' is not a column path", path);
  int rc = lf_schema_init(out, in->format, in->name, in->flags, err);
  if (rc == LF_OK && in->metadata) rc = lf_schema_set_metadata(out, in->metadata, err);
  if (rc == LF_OK) rc = rebuild(out, in, segs, n, hashed, pl, err);
  if (rc != LF_OK) lf_schema_release(out);
  return rc;
}

/* ------------------------------------------------------------ arrays */

/* A struct array assembled from moved children, keeping the original struct (its
 * children moved out) alive for its validity bitmap. */
typedef struct holder {
  struct ArrowArray orig;
  struct ArrowArray *kids;
  struct ArrowArray **ptrs;
  const void *bufs[1];
  int64_t n;
} holder;

static void holder_release(struct ArrowArray *a) {
  holder *h = a->private_data;
  for (int64_t i = 0; i < h->n; i++) lf_array_release(&h->kids[i]);
  lf_array_release(&h->orig);
  free(h->kids);
  free(h->ptrs);
  free(h);
  a->release = NULL;
}

/* `orig` is moved into the result; kids[0..n) are moved too. */
static int assemble(struct ArrowArray *orig, struct ArrowArray *kids, int64_t n,
                    struct ArrowArray *out, lf_error *err) {
  holder *h = calloc(1, sizeof *h);
  if (h) h->kids = calloc((size_t)n + 1, sizeof *h->kids);
  if (h && h->kids) h->ptrs = calloc((size_t)n + 1, sizeof *h->ptrs);
  if (!h || !h->ptrs) {
    if (h) free(h->kids);
    free(h);
    for (int64_t i = 0; i < n; i++) lf_array_release(&kids[i]);
    lf_array_release(orig);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  }
  for (int64_t i = 0; i < n; i++) {
    lf_array_move(&kids[i], &h->kids[i]);
    h->ptrs[i] = &h->kids[i];
  }
  h->n = n;
  lf_array_move(orig, &h->orig);
  h->bufs[0] = h->orig.n_buffers > 0 ? h->orig.buffers[0] : NULL;
  memset(out, 0, sizeof *out);
  out->length = h->orig.length;
  out->offset = h->orig.offset;
  out->null_count = h->bufs[0] ? h->orig.null_count : 0;
  out->n_buffers = 1;
  out->buffers = h->bufs;
  out->n_children = n;
  out->children = h->ptrs;
  out->release = holder_release;
  out->private_data = h;
  return LF_OK;
}

typedef struct hctx {
  lfh_hash_fn fn;
  void *ctx;
  const lfh_hash_place *pl;
} hctx;

static int level(const struct ArrowSchema *s, struct ArrowArray *a, char **segs, size_t n,
                 const hctx *hc, struct ArrowArray *out, lf_error *err) {
  int64_t j = child_index(s, segs[0]), nk = a->n_children, m = 0;
  int keep = !in_place(hc->pl) && hc->pl->keep_original && n == 1;
  struct ArrowArray *kids = calloc((size_t)nk + 2, sizeof *kids), h = {0};
  int rc = LF_OK;
  if (!kids) rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
  else if (j < 0 || nk != s->n_children) rc = lf_error_set(err, LF_ERR_SCHEMA, "no column '%s'", segs[0]);
  else if (n > 1) rc = level(s->children[j], a->children[j], segs + 1, n - 1, hc, &h, err);
  else rc = hc->fn(hc->ctx, a->children[j], &h, err);
  if (rc == LF_OK && n == 1 && h.length != a->children[j]->length)
    rc = lf_error_set(err, LF_ERR_INTERNAL, "the hasher answered %lld rows for %lld",
                      (long long)h.length, (long long)a->children[j]->length);
  if (rc != LF_OK) {
    lf_array_release(&h);
    free(kids);
    lf_array_release(a);
    return rc;
  }
  for (int64_t i = 0; i < nk; i++) {
    if (i == j && !keep) {
      lf_array_release(a->children[i]); /* replaced (n == 1) or already moved (n > 1) */
      lf_array_move(&h, &kids[m++]);
      continue;
    }
    lf_array_move(a->children[i], &kids[m++]);
    if (i == j) lf_array_move(&h, &kids[m++]);
  }
  rc = assemble(a, kids, m, out, err);
  free(kids);
  return rc;
}

int lfh_hasher_apply(const struct ArrowSchema *in, struct ArrowArray *batch, const char *path,
                     const lfh_hash_place *pl, lfh_hash_fn hash, void *ctx,
                     struct ArrowArray *out, lf_error *err) {
  char buf[512], *segs[MAX_DEPTH];
  size_t n = 0;
  if (split(path, buf, sizeof buf, segs, &n) != 0) {
    lf_array_release(batch);
    return lf_error_set(err, LF_ERR_INVALID, "'%s' is not a column path", path);
  }
  hctx hc = {hash, ctx, pl};
  return level(in, batch, segs, n, &hc, out, err);
}
