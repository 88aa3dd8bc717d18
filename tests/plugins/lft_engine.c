/*
 * lft_engine — fixture stages for the engine tests (never installed):
 *   test_seq   SOURCE: rows id = 0, 1, 2, ... up to the number in `limit_file` (absent: 0),
 *              `rows_per_plan` per epoch, in batches of at most 4 rows; its progress is
 *              saved with save_state, so a resumed flow goes on where it committed.
 *   test_fail  TRANSFORM: passes rows through; fails while `fail_file` exists.
 *   test_count TRANSFORM (stateful): adds `seq`, a running row count across epochs.
 *   test_rev   HASHER: reverses a string column (a stand-in for hmac_sha256's contract).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lf/lf.h"

static const lf_host *g_host;

/* ------------------------------------------------------------ test_seq */

typedef struct seq {
  const lf_config *cfg;
  lf_stage_ctx *ctx;
  int64_t per_plan;
  int64_t next; /* the first id not yet planned */
} seq;

static int seq_create(const lf_host *h, lf_stage_ctx *ctx, const lf_config *cfg, void **st,
                      lf_error *err) {
  seq *s = calloc(1, sizeof *s);
  if (!s) return lf_error_set(err, LF_ERR_NOMEM, "oom");
  s->cfg = cfg;
  s->ctx = ctx;
  h->config_int(cfg, "rows_per_plan", &s->per_plan);
  *st = s;
  return LF_OK;
}

static int seq_negotiate(void *st, const struct ArrowSchema *in, struct ArrowSchema *out,
                         lf_error *err) {
  (void)st;
  (void)in;
  int rc = lf_schema_init(out, "+s", "", 0, err);
  if (rc == LF_OK) rc = lf_schema_add_child(out, "l", "id", 0, NULL, err);
  if (rc == LF_OK) rc = lf_schema_add_child(out, "u", "payload", ARROW_FLAG_NULLABLE, NULL, err);
  if (rc == LF_OK) rc = lf_schema_add_child(out, "u", "email", ARROW_FLAG_NULLABLE, NULL, err);
  return rc;
}

static void seq_destroy(void *st) { free(st); }

static int64_t limit_of(const seq *s) {
  const char *path = NULL;
  g_host->config_string(s->cfg, "limit_file", &path);
  FILE *f = path ? fopen(path, "r") : NULL;
  long long n = 0;
  if (f && fscanf(f, "%lld", &n) != 1) n = 0;
  if (f) fclose(f);
  return n;
}

static void blob_free(lf_blob *b) {
  free(b->private_data);
  b->release = NULL;
}

static int text_blob(lf_blob *b, const char *text) {
  char *d = strdup(text);
  if (!d) return LF_ERR_NOMEM;
  b->data = d;
  b->size = strlen(d);
  b->private_data = d;
  b->release = blob_free;
  return LF_OK;
}

static int seq_plan(void *st, const lf_epoch *ep, lf_blob *out, lf_error *err) {
  (void)ep;
  seq *s = st;
  int64_t total = limit_of(s);
  out->size = 0;
  out->release = NULL;
  if (s->next >= total) return LF_OK;
  int64_t n = total - s->next < s->per_plan ? total - s->next : s->per_plan;
  char text[64];
  snprintf(text, sizeof text, "%lld %lld", (long long)s->next, (long long)n);
  s->next += n;
  return text_blob(out, text) == LF_OK ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "oom");
}

/* A stream over the planned rows, 4 per batch. */
typedef struct rows {
  int64_t at, end;
  char error[128];
} rows;

static int rows_schema(struct ArrowArrayStream *st, struct ArrowSchema *out) {
  (void)st;
  char m[64];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  return seq_negotiate(NULL, NULL, out, &e) == LF_OK ? 0 : 12;
}

static int rows_next(struct ArrowArrayStream *st, struct ArrowArray *out) {
  rows *r = st->private_data;
  memset(out, 0, sizeof *out);
  if (r->at >= r->end) return 0;
  lf_builder *b = lf_builder_new("+s", "");
  lf_builder *id = lf_builder_add_child(b, "l", "id");
  lf_builder *pl = lf_builder_add_child(b, "u", "payload");
  lf_builder *em = lf_builder_add_child(b, "u", "email");
  lf_builder_set_nullable(id, 0);
  for (int k = 0; k < 4 && r->at < r->end; k++, r->at++) {
    char text[64];
    lf_builder_append_struct(b);
    lf_builder_append_int64(id, r->at);
    snprintf(text, sizeof text, "row-%lld", (long long)r->at);
    lf_builder_append_cstr(pl, text);
    snprintf(text, sizeof text, "user%lld@x.com", (long long)r->at);
    r->at % 7 == 3 ? lf_builder_append_null(em) : lf_builder_append_cstr(em, text);
  }
  char m[128];
  lf_error e;
  lf_error_init(&e, m, sizeof m);
  struct ArrowSchema s;
  if (lf_builder_finish(b, out, &s, &e) != LF_OK) {
    snprintf(r->error, sizeof r->error, "%s", m);
    return 12;
  }
  lf_schema_release(&s);
  return 0;
}

static const char *rows_error(struct ArrowArrayStream *st) {
  return ((rows *)st->private_data)->error;
}

static void rows_release(struct ArrowArrayStream *st) {
  free(st->private_data);
  st->release = NULL;
}

static int seq_read(void *st, const lf_epoch *ep, const void *plan, size_t size,
                    struct ArrowArrayStream *out, lf_error *err) {
  (void)ep;
  seq *s = st;
  char text[64] = {0};
  long long start = 0, n = 0;
  memcpy(text, plan, size < sizeof text - 1 ? size : sizeof text - 1);
  if (sscanf(text, "%lld %lld", &start, &n) != 2)
    return lf_error_set(err, LF_ERR_DATA, "bad plan '%s'", text);
  rows *r = calloc(1, sizeof *r);
  if (!r) return lf_error_set(err, LF_ERR_NOMEM, "oom");
  r->at = start;
  r->end = start + n;
  /* a replayed plan moves the progress as a fresh one would */
  if (s->next < r->end) s->next = r->end;
  g_host->counter_add(s->ctx, "files", 1);
  out->get_schema = rows_schema;
  out->get_next = rows_next;
  out->get_last_error = rows_error;
  out->release = rows_release;
  out->private_data = r;
  return LF_OK;
}

static int seq_save(void *st, const lf_epoch *ep, lf_blob *out, lf_error *err) {
  (void)ep;
  char text[32];
  snprintf(text, sizeof text, "%lld", (long long)((seq *)st)->next);
  return text_blob(out, text) == LF_OK ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "oom");
}

static int seq_load(void *st, const void *data, size_t size, lf_error *err) {
  char text[32] = {0};
  if (size == 0 || size >= sizeof text) return lf_error_set(err, LF_ERR_DATA, "bad state");
  memcpy(text, data, size);
  ((seq *)st)->next = strtoll(text, NULL, 10);
  return LF_OK;
}

/* ------------------------------------------------------------ test_fail */

typedef struct failer {
  const char *path;
  const char *count_path; /* holds N: fail N more times (one process each), then pass */
  int checked;
} failer;

/* Decrements the count in `path`; 1 when this call should fail. */
static int count_down(const char *path) {
  FILE *f = path && path[0] ? fopen(path, "r") : NULL;
  int n = 0;
  if (!f) return 0;
  if (fscanf(f, "%d", &n) != 1) n = 0;
  fclose(f);
  if (n <= 0) return 0;
  f = fopen(path, "w");
  if (f) fprintf(f, "%d\n", n - 1), fclose(f);
  return 1;
}

static int fail_create(const lf_host *h, lf_stage_ctx *ctx, const lf_config *cfg, void **st,
                       lf_error *err) {
  (void)ctx;
  failer *f = calloc(1, sizeof *f);
  if (!f) return lf_error_set(err, LF_ERR_NOMEM, "oom");
  h->config_string(cfg, "fail_file", &f->path);
  h->config_string(cfg, "fail_count_file", &f->count_path);
  *st = f;
  return LF_OK;
}

static int pass_negotiate(void *st, const struct ArrowSchema *in, struct ArrowSchema *out,
                          lf_error *err) {
  (void)st;
  return lf_schema_copy(out, in, err);
}

static int fail_process(void *st, const lf_epoch *ep, struct ArrowArray *in,
                        struct ArrowArray *out, lf_error *err) {
  (void)ep;
  failer *f = st;
  struct stat sb;
  if (f->path && f->path[0] && stat(f->path, &sb) == 0) {
    lf_array_release(in);
    return lf_error_set(err, LF_ERR_IO, "injected failure (%s exists)", f->path);
  }
  if (!f->checked && (f->checked = 1) && count_down(f->count_path)) {
    lf_array_release(in);
    return lf_error_set(err, LF_ERR_IO, "injected failure (counted down %s)", f->count_path);
  }
  lf_array_move(in, out);
  return LF_OK;
}

/* ------------------------------------------------------------ test_count */

typedef struct counter {
  int64_t n;
} counter;

static int count_create(const lf_host *h, lf_stage_ctx *ctx, const lf_config *cfg, void **st,
                        lf_error *err) {
  (void)h, (void)ctx, (void)cfg;
  *st = calloc(1, sizeof(counter));
  return *st ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "oom");
}

static int count_negotiate(void *st, const struct ArrowSchema *in, struct ArrowSchema *out,
                           lf_error *err) {
  (void)st;
  int rc = lf_schema_copy(out, in, err);
  if (rc == LF_OK) rc = lf_schema_add_child(out, "l", "seq", 0, NULL, err);
  return rc;
}

static int count_process(void *st, const lf_epoch *ep, struct ArrowArray *in,
                         struct ArrowArray *out, lf_error *err) {
  (void)ep;
  counter *c = st;
  int64_t n = in->n_children;
  struct ArrowArray *kids = calloc((size_t)n + 1, sizeof *kids);
  if (!kids) return lf_array_release(in), lf_error_set(err, LF_ERR_NOMEM, "oom");
  for (int64_t i = 0; i < n; i++) lf_array_move(in->children[i], &kids[i]);
  lf_builder *b = lf_builder_new("l", "seq");
  lf_builder_set_nullable(b, 0);
  for (int64_t i = 0; i < in->offset; i++) lf_builder_append_int64(b, 0);
  for (int64_t i = 0; i < in->length; i++) lf_builder_append_int64(b, ++c->n);
  struct ArrowSchema s;
  int rc = lf_builder_finish(b, &kids[n], &s, err);
  lf_schema_release(&s);
  int64_t len = in->length, off = in->offset;
  lf_array_release(in);
  if (rc == LF_OK) rc = lf_array_make_struct(out, len, off, kids, n + 1, err);
  else
    for (int64_t i = 0; i <= n; i++) lf_array_release(&kids[i]);
  free(kids);
  return rc;
}

static int count_save(void *st, const lf_epoch *ep, lf_blob *out, lf_error *err) {
  (void)ep;
  char text[32];
  snprintf(text, sizeof text, "%lld", (long long)((counter *)st)->n);
  return text_blob(out, text) == LF_OK ? LF_OK : lf_error_set(err, LF_ERR_NOMEM, "oom");
}

static int count_load(void *st, const void *data, size_t size, lf_error *err) {
  char text[32] = {0};
  if (size == 0 || size >= sizeof text) return lf_error_set(err, LF_ERR_DATA, "bad state");
  memcpy(text, data, size);
  ((counter *)st)->n = strtoll(text, NULL, 10);
  return LF_OK;
}

/* ------------------------------------------------------------ test_rev */

static int rev_negotiate(void *st, const struct ArrowSchema *in, struct ArrowSchema *out,
                         lf_error *err) {
  (void)st;
  if (!in || strcmp(in->format, "u") != 0)
    return lf_error_set(err, LF_ERR_SCHEMA, "test_rev hashes string columns only");
  return lf_schema_init(out, "u", in->name, ARROW_FLAG_NULLABLE, err);
}

static int rev_hash(void *st, const struct ArrowArray *col, struct ArrowArray *out,
                    lf_error *err) {
  (void)st;
  struct ArrowSchema in;
  int rc = lf_schema_init(&in, "u", "c", ARROW_FLAG_NULLABLE, err);
  lf_view v;
  if (rc == LF_OK) rc = lf_view_init(&v, &in, col, err);
  lf_builder *b = lf_builder_new("u", "c");
  for (int64_t i = 0; rc == LF_OK && i < v.length; i++) {
    if (!lf_view_is_valid(&v, i)) {
      lf_builder_append_null(b);
      continue;
    }
    size_t len = 0;
    const char *s = lf_view_utf8(&v, i, &len);
    char buf[256];
    size_t n = len < sizeof buf ? len : sizeof buf;
    for (size_t k = 0; k < n; k++) buf[k] = s[n - 1 - k];
    lf_builder_append_utf8(b, buf, n);
  }
  struct ArrowSchema os;
  if (rc == LF_OK) rc = lf_builder_finish(b, out, &os, err), lf_schema_release(&os);
  else lf_builder_free(b);
  lf_schema_release(&in);
  return rc;
}

/* ------------------------------------------------------------ tables */

static int none_create(const lf_host *h, lf_stage_ctx *ctx, const lf_config *cfg, void **st,
                       lf_error *err) {
  (void)h, (void)ctx, (void)cfg, (void)err;
  *st = NULL;
  return LF_OK;
}
static void none_destroy(void *st) { (void)st; }

#define OPT(n, t, d, doc_) \
  {.struct_size = sizeof(lf_config_option), .name = n, .type = t, .default_value = d, .doc = doc_}

static const lf_config_option seq_opts[] = {
    OPT("rows_per_plan", LF_CONFIG_INT, "10", "rows per epoch"),
    {.struct_size = sizeof(lf_config_option), .flags = LF_CONFIG_REQUIRED, .name = "limit_file",
     .type = LF_CONFIG_STRING, .doc = "file holding how many rows exist"}};
static const lf_config_option fail_opts[] = {
    OPT("fail_file", LF_CONFIG_STRING, "", "fail while it exists"),
    OPT("fail_count_file", LF_CONFIG_STRING, "", "fail the first batch while its count is > 0")};
static const lf_config_option rev_opts[] = {
    OPT("output_suffix", LF_CONFIG_STRING, "_rev", "suffix of the output column"),
    OPT("keep_original", LF_CONFIG_BOOL, "false", "keep the input column")};

static const lf_source_vtable seq_vt = {.struct_size = sizeof seq_vt, .plan = seq_plan,
                                        .read = seq_read, .save_state = seq_save,
                                        .load_state = seq_load};
static const lf_transform_vtable fail_vt = {.struct_size = sizeof fail_vt, .process = fail_process};
static const lf_transform_vtable count_vt = {.struct_size = sizeof count_vt,
                                             .process = count_process, .save_state = count_save,
                                             .load_state = count_load};
static const lf_hasher_vtable rev_vt = {.struct_size = sizeof rev_vt, .hash = rev_hash};

#define STAGE(k, n, o, no, c, neg, d, vt)                                               \
  {.struct_size = sizeof(lf_stage), .kind = k, .name = n, .doc = "engine test fixture", \
   .options = o, .n_options = no, .create = c, .negotiate = neg, .destroy = d, .vtable = vt}

static const lf_stage stages[] = {
    STAGE(LF_STAGE_SOURCE, "test_seq", seq_opts, 2, seq_create, seq_negotiate, seq_destroy, &seq_vt),
    STAGE(LF_STAGE_TRANSFORM, "test_fail", fail_opts, 2, fail_create, pass_negotiate, free, &fail_vt),
    STAGE(LF_STAGE_TRANSFORM, "test_count", NULL, 0, count_create, count_negotiate, free, &count_vt),
    STAGE(LF_STAGE_HASHER, "test_rev", rev_opts, 2, none_create, rev_negotiate, none_destroy, &rev_vt)};

static const lf_plugin plugin = {.struct_size = sizeof(lf_plugin),
                                 .magic = LF_PLUGIN_MAGIC,
                                 .abi_major = LF_ABI_MAJOR,
                                 .abi_minor = LF_ABI_MINOR,
                                 .name = "lft_engine",
                                 .version = "0.0.1",
                                 .description = "engine test fixtures",
                                 .stages = stages,
                                 .n_stages = 4};

LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host) {
  g_host = host;
  return &plugin;
}
