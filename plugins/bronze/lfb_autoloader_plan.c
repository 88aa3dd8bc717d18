/*
 * lfb_autoloader_plan — which files an epoch reads, and the plan and state blobs.
 *
 * plan(): list the root, keep visible files matching the glob that are neither ingested
 * (the seen set) nor too young (min_file_age against the epoch's trigger time), order by
 * (mtime, key), cap by max_files/max_bytes (at least one file), and write the choice down.
 * Everything a replay needs is in the plan (keys, the sizes to read, the trigger time), so
 * read() never lists again and a replay reads the same bytes.
 *
 * Blob formats (text, versioned, keys length-prefixed so any byte may occur in them):
 *   plan:  "lfb-plan 1\ntrigger <us>\nbaseline <0|1>\nfiles <n> <m>\n" then n lines
 *          "R <size> <mtime> <keylen> <key>\n" (read) and m lines "B ..." (baselined).
 *   state: "lfb-state 1\ninitialised <0|1>\nevolved <len> <ddl>\nfiles <n>\n" then n
 *          lines "<size> <mtime> <keylen> <key>\n", sorted by key.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lfb_autoloader.h"

/* ---------------------------------------------------------------- the file set */

static int file_cmp(const lfb_file *a, const char *key, int64_t size, int64_t mtime) {
  int c = strcmp(a->key, key);
  if (c) return c;
  if (a->size != size) return a->size < size ? -1 : 1;
  if (a->mtime_us != mtime) return a->mtime_us < mtime ? -1 : 1;
  return 0;
}

/* First index whose key is >= key. */
static size_t lower_bound(const lfb_fileset *s, const char *key) {
  size_t lo = 0, hi = s->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(s->v[mid].key, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

int lfb_fileset_has(const lfb_fileset *s, const char *key, int64_t size, int64_t mtime_us,
                    int exact) {
  for (size_t i = lower_bound(s, key); i < s->n && strcmp(s->v[i].key, key) == 0; i++)
    if (!exact || (s->v[i].size == size && s->v[i].mtime_us == mtime_us)) return 1;
  return 0;
}

int lfb_fileset_add(lfb_fileset *s, const lfb_file *f) {
  size_t i = lower_bound(s, f->key);
  while (i < s->n && file_cmp(&s->v[i], f->key, f->size, f->mtime_us) < 0) i++;
  if (i < s->n && file_cmp(&s->v[i], f->key, f->size, f->mtime_us) == 0) return LF_OK;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    lfb_file *v = realloc(s->v, cap * sizeof *v);
    if (!v) return LF_ERR_NOMEM;
    s->v = v;
    s->cap = cap;
  }
  char *key = strdup(f->key);
  if (!key) return LF_ERR_NOMEM;
  memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof *s->v);
  s->v[i] = (lfb_file){key, f->size, f->mtime_us};
  s->n++;
  return LF_OK;
}

void lfb_fileset_free(lfb_fileset *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i].key);
  free(s->v);
  memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- file rules */

int lfb_is_hidden(const char *key) {
  for (const char *seg = key; seg && *seg;) {
    if (seg[0] == '.' || seg[0] == '_') return 1;
    const char *slash = strchr(seg, '/');
    seg = slash ? slash + 1 : NULL;
  }
  size_t n = strlen(key), k = strlen("._COPYING_");
  return n >= k && strcmp(key + n - k, "._COPYING_") == 0;
}

int lfb_glob_match(const char *glob, const char *key) {
  if (!glob || !*glob) return 1;
  const char *name = strrchr(key, '/');
  return fnmatch(glob, name ? name + 1 : key, FNM_PERIOD) == 0;
}

/* ---------------------------------------------------------------- blobs */

static void blob_free(lf_blob *b) {
  free(b->private_data);
  b->data = b->private_data = NULL;
  b->size = 0;
  b->release = NULL;
}

void lfb_blob_wrap(lf_blob *out, char *data, size_t size) {
  *out = (lf_blob){sizeof *out, data, size, blob_free, data};
}

/* A growable text buffer; `failed` is sticky so writers check once at the end. */
typedef struct text {
  char *p;
  size_t n, cap;
  int failed;
} text;

static void text_add(text *t, const char *s, size_t n) {
  if (t->failed) return;
  if (t->n + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->n + n + 1) cap *= 2;
    char *p = realloc(t->p, cap);
    if (!p) {
      t->failed = 1;
      return;
    }
    t->p = p;
    t->cap = cap;
  }
  memcpy(t->p + t->n, s, n);
  t->n += n;
  t->p[t->n] = '\0';
}

LF_PRINTF(2, 3)
static void text_fmt(text *t, const char *fmt, ...) {
  char buf[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf) t->failed = 1;
  else text_add(t, buf, (size_t)n);
}

static void text_file(text *t, const char *tag, const lfb_file *f) {
  text_fmt(t, "%s%" PRId64 " %" PRId64 " %zu ", tag, f->size, f->mtime_us, strlen(f->key));
  text_add(t, f->key, strlen(f->key));
  text_add(t, "\n", 1);
}

/* A reader over a blob: every parse step fails softly into `bad`. */
typedef struct cursor {
  const char *p, *end;
  int bad;
} cursor;

static void expect(cursor *c, const char *lit) {
  size_t n = strlen(lit);
  if (c->bad || (size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0) c->bad = 1;
  else c->p += n;
}

/* A decimal integer followed by one blank or newline. */
static int64_t number(cursor *c) {
  int64_t v = 0;
  int neg = 0, digits = 0;
  if (c->bad) return 0;
  if (c->p < c->end && *c->p == '-') neg = 1, c->p++;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && digits < 19)
    v = v * 10 + (*c->p++ - '0'), digits++;
  if (!digits || c->p >= c->end || (*c->p != ' ' && *c->p != '\n')) c->bad = 1;
  else c->p++;
  return neg ? -v : v;
}

/* "<size> <mtime> <keylen> <key>\n" into *f (key malloc'd). */
static void file_entry(cursor *c, lfb_file *f) {
  f->size = number(c);
  f->mtime_us = number(c);
  int64_t n = number(c);
  if (c->bad || n <= 0 || n > c->end - c->p - 1 || c->p[n] != '\n' ||
      memchr(c->p, '\0', (size_t)n)) {
    c->bad = 1;
    return;
  }
  if (!(f->key = lfb_memdup_str(c->p, (size_t)n))) c->bad = 1;
  c->p += n + 1;
}

/* ---------------------------------------------------------------- the plan */

typedef struct listing {
  const lfb_source *s;
  lfb_file *v;
  size_t n, cap;
  int nomem;
} listing;

static int list_one(void *ctx, const lf_object_info *info) {
  listing *l = ctx;
  if (lfb_is_hidden(info->key) || !lfb_glob_match(l->s->opt.glob, info->key)) return 0;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    lfb_file *v = realloc(l->v, cap * sizeof *v);
    if (!v) return l->nomem = 1;
    l->v = v;
    l->cap = cap;
  }
  char *key = strdup(info->key);
  if (!key) return l->nomem = 1;
  l->v[l->n++] = (lfb_file){key, (int64_t)info->size, info->mtime_us};
  return 0;
}

static void files_free(lfb_file *v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i].key);
  free(v);
}

static int by_mtime_key(const void *a, const void *b) {
  const lfb_file *x = a, *y = b;
  if (x->mtime_us != y->mtime_us) return x->mtime_us < y->mtime_us ? -1 : 1;
  return strcmp(x->key, y->key);
}

static int already_seen(const lfb_source *s, const lfb_file *f) {
  int exact = s->opt.allow_overwrites;
  return lfb_fileset_has(&s->prog.seen, f->key, f->size, f->mtime_us, exact) ||
         lfb_fileset_has(&s->prog.pending, f->key, f->size, f->mtime_us, exact);
}

/* Keeps the files this epoch reads, in order, at the front of l->v; returns how many. */
static size_t choose(const lfb_source *s, listing *l, int64_t now_us) {
  size_t k = 0;
  for (size_t i = 0; i < l->n; i++) {
    lfb_file f = l->v[i];
    int young = now_us - f.mtime_us < s->opt.min_age_us;
    if (already_seen(s, &f) || young) {
      free(f.key);
      continue;
    }
    l->v[k++] = f;
  }
  l->n = k;
  qsort(l->v, l->n, sizeof *l->v, by_mtime_key);
  int64_t bytes = 0;
  for (k = 0; k < l->n; k++) {
    if ((int64_t)k >= s->opt.max_files) break;
    if (k > 0 && s->opt.max_bytes > 0 && bytes + l->v[k].size > s->opt.max_bytes) break;
    bytes += l->v[k].size;
  }
  return k;
}

static int64_t wall_clock_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int lfb_plan(lfb_source *s, const lf_epoch *epoch, lf_blob *out, lf_error *err) {
  listing l = {.s = s};
  text t = {0};
  int64_t now = epoch && epoch->trigger_time_us ? epoch->trigger_time_us : wall_clock_us();
  int rc = s->host->objstore->list(s->store, "", list_one, &l, err);
  if (l.nomem) rc = lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory listing");
  if (rc != LF_OK) goto fail;
  int baseline = !s->prog.initialised && !s->opt.include_existing;
  size_t n_read = baseline ? 0 : choose(s, &l, now);
  size_t n_skip = baseline ? l.n : 0;
  *out = (lf_blob){.struct_size = sizeof *out};
  /* Nothing new is an empty plan, except the first plan, which must commit so the
   * baseline (or the fact that one was taken) is checkpointed. */
  if (n_read == 0 && !baseline) goto done;
  text_fmt(&t, "lfb-plan 1\ntrigger %" PRId64 "\nbaseline %d\nfiles %zu %zu\n", now, baseline,
           n_read, n_skip);
  for (size_t i = 0; i < n_read; i++) text_file(&t, "R ", &l.v[i]);
  for (size_t i = 0; i < n_skip; i++) text_file(&t, "B ", &l.v[i]);
  if (t.failed) {
    rc = lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory writing the plan");
    goto fail;
  }
  lfb_blob_wrap(out, t.p, t.n);
  t.p = NULL;
done:
  files_free(l.v, l.n);
  return LF_OK;
fail:
  free(t.p);
  files_free(l.v, l.n);
  return rc;
}

void lfb_plan_data_free(lfb_plan_data *p) {
  files_free(p->files, p->n_files);
  files_free(p->skipped, p->n_skipped);
  memset(p, 0, sizeof *p);
}

static lfb_file *file_list(cursor *c, const char *tag, size_t n) {
  lfb_file *v = calloc(n ? n : 1, sizeof *v);
  if (!v) return c->bad = 1, NULL;
  for (size_t i = 0; i < n && !c->bad; i++) {
    expect(c, tag);
    file_entry(c, &v[i]);
  }
  return v;
}

int lfb_plan_parse(const void *data, size_t size, lfb_plan_data *out, lf_error *err) {
  cursor c = {data, (const char *)data + size, !data};
  memset(out, 0, sizeof *out);
  expect(&c, "lfb-plan 1\ntrigger ");
  out->trigger_us = number(&c);
  expect(&c, "baseline ");
  out->baseline = number(&c) != 0;
  expect(&c, "files ");
  int64_t n = number(&c), m = number(&c);
  /* Each entry takes at least 9 bytes: a bound before allocating. */
  if (n < 0 || m < 0 || n > (int64_t)size / 9 || m > (int64_t)size / 9) c.bad = 1;
  if (!c.bad) {
    out->n_files = (size_t)n;
    out->files = file_list(&c, "R ", out->n_files);
    out->n_skipped = (size_t)m;
    out->skipped = file_list(&c, "B ", out->n_skipped);
  }
  if (c.bad || c.p != c.end) {
    lfb_plan_data_free(out);
    return lf_error_set(err, LF_ERR_DATA, "autoloader: the plan (%zu bytes) is not one this "
                        "source wrote", size);
  }
  return LF_OK;
}

/* ---------------------------------------------------------------- the state */

int lfb_state_save(const lfb_progress *p, lf_blob *out, lf_error *err) {
  text t = {0};
  const char *ev = p->evolved ? p->evolved : "";
  text_fmt(&t, "lfb-state 1\ninitialised %d\nevolved %zu ", p->initialised, strlen(ev));
  text_add(&t, ev, strlen(ev));
  text_fmt(&t, "\nfiles %zu\n", p->seen.n);
  for (size_t i = 0; i < p->seen.n; i++) text_file(&t, "", &p->seen.v[i]);
  if (t.failed) {
    free(t.p);
    return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory saving state");
  }
  lfb_blob_wrap(out, t.p, t.n);
  return LF_OK;
}

void lfb_progress_free(lfb_progress *p) {
  lfb_fileset_free(&p->seen);
  lfb_fileset_free(&p->pending);
  free(p->evolved);
  memset(p, 0, sizeof *p);
}

int lfb_state_load(lfb_progress *p, const void *data, size_t size, lf_error *err) {
  lfb_progress q = {0};
  cursor c = {data, (const char *)data + size, !data};
  expect(&c, "lfb-state 1\ninitialised ");
  q.initialised = number(&c) != 0;
  expect(&c, "evolved ");
  int64_t n = number(&c);
  if (!c.bad && (n < 0 || n > c.end - c.p)) c.bad = 1;
  if (!c.bad && !(q.evolved = lfb_memdup_str(c.p, (size_t)n))) c.bad = 1;
  if (!c.bad) c.p += n;
  expect(&c, "\nfiles ");
  n = number(&c);
  if (n < 0 || n > (int64_t)size / 7) c.bad = 1;
  for (int64_t i = 0; i < n && !c.bad; i++) {
    lfb_file f = {0};
    file_entry(&c, &f);
    if (!c.bad && lfb_fileset_add(&q.seen, &f) != LF_OK) c.bad = 1;
    free(f.key);
  }
  if (c.bad || c.p != c.end) {
    lfb_progress_free(&q);
    return lf_error_set(err, LF_ERR_DATA, "autoloader: the saved state (%zu bytes) is not one "
                        "this source wrote", size);
  }
  lfb_progress_free(p);
  *p = q;
  return LF_OK;
}

char *lfb_memdup_str(const void *p, size_t n) {
  char *out = malloc(n + 1);
  if (!out) return NULL;
  if (n) memcpy(out, p, n);
  out[n] = '\0';
  return out;
}
