/*
 * lfb_autoloader_read — read(plan): the planned files, fetched and decoded by up to
 * LFB_DECODE_THREADS workers (one lfb_json decoder each), handed out as an
 * ArrowArrayStream strictly in plan order: file i's batches before file i+1's, whatever
 * finished first, so the output never depends on timing. Workers claim files in order and
 * stay at most LFB_LOOKAHEAD files ahead of the consumer, which bounds memory.
 *
 * Each file is read as exactly the bytes the plan recorded ([0, planned size)): a file
 * that grew since (an appending writer) replays identically; one that shrank or vanished
 * fails the epoch, since the planned data no longer exists.
 *
 * The stream borrows the source (its store, options and host): the host releases the
 * stream before destroying the instance. Errors follow the Arrow stream convention
 * (errno-style codes from get_next, the message from get_last_error).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfb_autoloader.h"

typedef struct file_out {
  int done, rc;
  struct ArrowArray *batches; /* owned until handed out */
  size_t n, next;
  char *msg;                  /* owned, when rc != 0 */
} file_out;

typedef struct al_stream {
  lfb_source *src;            /* borrowed */
  lfb_plan_data plan;         /* owned */
  file_out *res;              /* one per planned file */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t th[LFB_DECODE_THREADS];
  int n_threads;
  size_t claim, cursor;       /* next file to decode; file the consumer is at */
  int cancel;
  char err[1024];
} al_stream;

/* ---------------------------------------------------------------- one file */

static void set_msg(file_out *r, int rc, const char *msg) {
  r->rc = rc;
  free(r->msg);
  r->msg = strdup(msg);
}

/* Appends the constant `_ingested_at` column to a decoded batch (moved in and out). */
static int add_ingested(struct ArrowArray *batch, int64_t ts, lf_error *err) {
  int64_t n = batch->n_children, len = batch->length;
  struct ArrowArray *kids = calloc((size_t)n + 1, sizeof *kids), col;
  if (!kids) return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
  lf_builder *b = lf_builder_new(LF_FORMAT_TIMESTAMP, LFB_INGESTED_COLUMN);
  for (int64_t i = 0; b && i < len; i++) lf_builder_append_timestamp(b, ts);
  int rc = b ? lf_builder_finish(b, &col, NULL, err)
             : lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
  if (rc == LF_OK) {
    for (int64_t i = 0; i < n; i++) lf_array_move(batch->children[i], &kids[i]);
    lf_array_move(&col, &kids[n]);
    lf_array_release(batch);
    rc = lf_array_make_struct(batch, len, 0, kids, n + 1, err);
  }
  for (int64_t i = 0; i <= n; i++) lf_array_release(&kids[i]);
  free(kids);
  return rc;
}

static int push_batch(file_out *r, lfb_json_decoder *d, int64_t ts, lf_error *err) {
  struct ArrowArray a;
  int rc = lfb_json_finish(d, &a, err);
  if (rc != LF_OK) return rc;
  if (a.length == 0) {
    lf_array_release(&a);
    return LF_OK;
  }
  if ((rc = add_ingested(&a, ts, err)) != LF_OK) return rc;
  struct ArrowArray *v = realloc(r->batches, (r->n + 1) * sizeof *v);
  if (!v) {
    lf_array_release(&a);
    return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
  }
  r->batches = v;
  lf_array_move(&a, &r->batches[r->n++]);
  return LF_OK;
}

/* Decodes whole lines in chunks, cutting a batch whenever LFB_BATCH_ROWS are pending. */
static int decode_lines(lfb_json_decoder *d, const char *p, size_t len, const lfb_json_file *jf,
                        file_out *r, int64_t ts, lfb_json_stats *st, lf_error *err) {
  while (len > 0) {
    size_t n = len <= LFB_CHUNK_BYTES ? len : LFB_CHUNK_BYTES;
    if (n < len) {
      const char *nl = memchr(p + n, '\n', len - n);
      n = nl ? (size_t)(nl - p) + 1 : len;
    }
    int rc = lfb_json_decode(d, p, n, jf, st, err);
    if (rc != LF_OK) return rc;
    if (lfb_json_pending_rows(d) >= LFB_BATCH_ROWS && (rc = push_batch(r, d, ts, err)) != LF_OK)
      return rc;
    p += n;
    len -= n;
  }
  return push_batch(r, d, ts, err);
}

static void count(lfb_source *s, const char *name, int64_t v) {
  if (s->host->counter_add && v) s->host->counter_add(s->ctx, name, v);
}

/* The Spark DDL of the new top-level fields the decoder reported ("a BIGINT, b STRING"). */
static char *new_fields_ddl(const lfb_json_stats *st) {
  size_t cap = 1;
  const char *p = st->new_fields;
  for (size_t i = 0; i < st->n_new_fields; i++) {
    size_t a = strlen(p), b = strlen(p + a + 1);
    cap += a + b + 6;
    p += a + b + 2;
  }
  char *out = calloc(1, cap);
  if (!out) return NULL;
  p = st->new_fields;
  for (size_t i = 0; i < st->n_new_fields; i++) {
    size_t a = strlen(p);
    if (out[0]) strcat(out, ", ");
    strcat(out, "`");
    strcat(out, p);
    strcat(out, "` ");
    strcat(out, p + a + 1);
    p += a + strlen(p + a + 1) + 2;
  }
  return out;
}

static int decode_file(al_stream *s, lfb_json_decoder *d, const lfb_file *f, file_out *r,
                       lf_error *err) {
  lfb_source *src = s->src;
  const lf_objstore_api *os = src->host->objstore;
  lf_blob blob = {0};
  char *split = NULL, *uri = NULL, *ddl = NULL, *gz = NULL;
  lfb_json_stats st = {0};
  int rc = os->read(src->store, f->key, 0, f->size, &blob, err);
  if (rc == LF_OK && (int64_t)blob.size != f->size)
    rc = lf_error_set(err, LF_ERR_DATA, "autoloader: %s/%s has %zu bytes, the plan read %lld: "
                      "the file shrank after it was planned", os->root(src->store), f->key,
                      blob.size, (long long)f->size);
  if (rc != LF_OK) goto done;
  const char *text = blob.data ? blob.data : "";
  size_t len = blob.size;
  if (lfb_is_gzip_name(f->key)) {
    if ((rc = lfb_gunzip(text, len, f->key, LFB_MAX_GUNZIP_BYTES, &gz, &len, err)) != LF_OK)
      goto done;
    text = gz ? gz : "";
  }
  if (lfb_needs_split(text, len, src->opt.multi_line)) {
    if ((rc = lfb_split_records(text, len, &split, &len)) != LF_OK) {
      lf_error_set(err, rc, "autoloader: out of memory splitting %s", f->key);
      goto done;
    }
    text = split;
  }
  if (asprintf(&uri, "%s/%s", os->root(src->store), f->key) < 0) {
    uri = NULL;
    rc = lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
    goto done;
  }
  lfb_json_file jf = {uri, f->size, f->mtime_us};
  if ((rc = decode_lines(d, text, len, &jf, r, s->plan.trigger_us, &st, err)) != LF_OK) goto done;
  if (src->opt.evolution == LFB_EVOLVE_ADD && st.n_new_fields > 0) {
    /* Auto Loader's addNewColumns: stop, remember the columns, succeed on the rerun. */
    if (!(ddl = new_fields_ddl(&st))) rc = lf_error_set(err, LF_ERR_NOMEM, "out of memory");
    else if ((rc = lfb_record_evolution(src, ddl, err)) == LF_OK)
      rc = lf_error_set(err, LF_ERR_SCHEMA,
                        "autoloader: new columns found in %s: %s; the schema is updated for "
                        "the next run (schema_evolution_mode add_new_columns): rerun the update",
                        uri, ddl);
    goto done;
  }
  count(src, "files", 1);
  count(src, "bytes", f->size);
  count(src, "rows", st.rows);
  count(src, "rescued_rows", st.rescued_rows);
  count(src, "corrupt_rows", st.corrupt_rows);
done:
  if (blob.release) blob.release(&blob);
  free(split);
  free(gz);
  free(uri);
  free(ddl);
  return rc;
}

/* ---------------------------------------------------------------- workers */

static lfb_json_opts decoder_opts(const lfb_source *s) {
  lfb_json_opts o = {.schema = &s->data_schema,
                     .rescued_column = s->opt.rescued,
                     .evolution = s->opt.evolution,
                     .metadata_column = LFB_METADATA_COLUMN,
                     .max_line_bytes = (size_t)s->opt.max_line_bytes};
  return o;
}

static void *worker(void *arg) {
  al_stream *s = arg;
  lfb_json_decoder *d = NULL;
  char msg[1024];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  lfb_json_opts o = decoder_opts(s->src);
  int drc = lfb_json_decoder_new(&o, &d, &err);
  for (;;) {
    pthread_mutex_lock(&s->mu);
    while (!s->cancel && s->claim < s->plan.n_files && s->claim >= s->cursor + LFB_LOOKAHEAD)
      pthread_cond_wait(&s->cv, &s->mu);
    if (s->cancel || s->claim >= s->plan.n_files) {
      pthread_mutex_unlock(&s->mu);
      break;
    }
    size_t i = s->claim++;
    pthread_mutex_unlock(&s->mu);
    file_out r = {0};
    lf_error_init(&err, msg, sizeof msg);
    int rc = drc != LF_OK ? drc : decode_file(s, d, &s->plan.files[i], &r, &err);
    if (rc != LF_OK) set_msg(&r, rc, msg[0] ? msg : "autoloader: decoding failed");
    pthread_mutex_lock(&s->mu);
    s->res[i] = r;
    s->res[i].done = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (rc != LF_OK && d) {
      /* Rows of the failed file may still sit in the decoder: start clean. */
      lfb_json_decoder_free(d);
      d = NULL;
      drc = lfb_json_decoder_new(&o, &d, &err);
    }
  }
  lfb_json_decoder_free(d);
  return NULL;
}

/* ---------------------------------------------------------------- the stream */

static int st_schema(struct ArrowArrayStream *st, struct ArrowSchema *out) {
  al_stream *s = st->private_data;
  lf_error err;
  lf_error_init(&err, s->err, sizeof s->err);
  return lf_schema_copy(out, &s->src->out_schema, &err) == LF_OK ? 0 : ENOMEM;
}

static int errno_of(int rc) {
  return rc == LF_ERR_NOMEM ? ENOMEM : rc == LF_ERR_SCHEMA || rc == LF_ERR_INVALID ? EINVAL : EIO;
}

static int st_next(struct ArrowArrayStream *st, struct ArrowArray *out) {
  al_stream *s = st->private_data;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&s->mu);
  int rc = 0;
  while (s->cursor < s->plan.n_files) {
    file_out *r = &s->res[s->cursor];
    while (!r->done) pthread_cond_wait(&s->cv, &s->mu);
    if (r->rc != LF_OK) {
      snprintf(s->err, sizeof s->err, "%s", r->msg ? r->msg : "autoloader: read failed");
      rc = errno_of(r->rc);
      break;
    }
    if (r->next < r->n) {
      lf_array_move(&r->batches[r->next++], out);
      break;
    }
    free(r->batches);
    r->batches = NULL;
    s->cursor++;
    pthread_cond_broadcast(&s->cv);
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

static const char *st_error(struct ArrowArrayStream *st) {
  al_stream *s = st->private_data;
  return s->err[0] ? s->err : NULL;
}

static void stream_free(al_stream *s) {
  pthread_mutex_lock(&s->mu);
  s->cancel = 1;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  for (int i = 0; i < s->n_threads; i++) pthread_join(s->th[i], NULL);
  for (size_t i = 0; s->res && i < s->plan.n_files; i++) {
    for (size_t k = s->res[i].next; k < s->res[i].n; k++) lf_array_release(&s->res[i].batches[k]);
    free(s->res[i].batches);
    free(s->res[i].msg);
  }
  free(s->res);
  lfb_plan_data_free(&s->plan);
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

static void st_release(struct ArrowArrayStream *st) {
  if (!st->release) return;
  stream_free(st->private_data);
  st->release = NULL;
  st->private_data = NULL;
}

/* The plan's files count as pending: save_state will checkpoint them as seen. */
static int mark_pending(lfb_source *src, const lfb_plan_data *p, lf_error *err) {
  for (size_t i = 0; i < p->n_files; i++)
    if (lfb_fileset_add(&src->prog.pending, &p->files[i]) != LF_OK)
      return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
  for (size_t i = 0; i < p->n_skipped; i++)
    if (lfb_fileset_add(&src->prog.pending, &p->skipped[i]) != LF_OK)
      return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
  src->prog.initialised = 1;
  return LF_OK;
}

int lfb_read(lfb_source *src, const void *plan, size_t plan_size, struct ArrowArrayStream *out,
             lf_error *err) {
  al_stream *s = calloc(1, sizeof *s);
  if (!s) return lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
  s->src = src;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  int rc = lfb_plan_parse(plan, plan_size, &s->plan, err);
  if (rc == LF_OK) rc = mark_pending(src, &s->plan, err);
  if (rc == LF_OK && !(s->res = calloc(s->plan.n_files + 1, sizeof *s->res)))
    rc = lf_error_set(err, LF_ERR_NOMEM, "autoloader: out of memory");
  for (int i = 0; rc == LF_OK && i < LFB_DECODE_THREADS && (size_t)i < s->plan.n_files; i++) {
    if (pthread_create(&s->th[i], NULL, worker, s) != 0)
      rc = lf_error_set(err, LF_ERR_IO, "autoloader: cannot start a decoder thread");
    else s->n_threads++;
  }
  if (rc != LF_OK) {
    stream_free(s);
    return rc;
  }
  *out = (struct ArrowArrayStream){st_schema, st_next, st_error, st_release, s};
  return LF_OK;
}
