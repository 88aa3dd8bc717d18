/* lfp_produce — the file loop of lfproduce (see lfp_produce.h). */
#include "lfp_produce.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "lf/lf_array.h"
#include "lfp_json.h"
#include "store/lfh_store.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sleeps until line `i` is due at `rate` lines/s after `t0`. */
static void pace(double t0, uint64_t i, double rate) {
  double ahead = t0 + (double)i / rate - now_s();
  if (ahead <= 0) return;
  struct timespec ts = {(time_t)ahead, (long)((ahead - (double)(time_t)ahead) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

void lfp_file_name(const lfp_options *o, uint64_t seq, char *out, size_t cap) {
  char iso[25], compact[17];
  lfp_format_ts(o->gen.start_us, iso);
  /* 2024-01-31T23:59:59.123Z -> 20240131T235959Z: sortable, and no ':' in names */
  const int pick[] = {0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 14, 15, 17, 18};
  for (size_t k = 0; k < sizeof pick / sizeof pick[0]; k++) compact[k] = iso[pick[k]];
  compact[15] = 'Z';
  compact[16] = '\0';
  snprintf(out, cap, "%s-%s-s%" PRIu64 "-%06" PRIu64 ".json", o->prefix, compact, o->gen.seed,
           seq + 1);
}

/* Lines in file `seq`: an even split over `files`, the first files one longer. */
static uint64_t lines_in(const lfp_options *o, uint64_t files, uint64_t seq) {
  if (o->events_per_file) {
    uint64_t left = o->events - seq * o->events_per_file;
    return left < o->events_per_file ? left : o->events_per_file;
  }
  return o->events / files + (seq < o->events % files ? 1 : 0);
}

/* Pieces of a file go to the store at this size: memory stays bounded whatever the file
 * size, and the file backend starts writeback while the next piece is generated. */
#define PIECE_BYTES (1u << 20)

/* Generates the `n` lines of one file into upload `u` through `buf`, pacing if there is a
 * rate; *bytes gets the file size. */
static int fill(const lfp_options *o, lfp_gen *g, lfh_buf *buf, lfh_store_upload *u,
                uint64_t n, uint64_t *done, double t0, uint64_t *bytes, lf_error *err) {
  buf->len = 0;
  *bytes = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (lfh_buf_reserve(buf, LFP_LINE_MAX) != 0)
      return lf_error_set(err, LF_ERR_NOMEM, "out of memory for a piece of a file");
    int len = lfp_gen_next(g, (char *)buf->data + buf->len);
    if (len < 0) return lf_error_set(err, len, "an event did not fit in %d bytes", LFP_LINE_MAX);
    buf->len += (size_t)len;
    if (o->rate > 0) pace(t0, ++*done, o->rate);
    if (buf->len < PIECE_BYTES && i + 1 < n) continue;
    int rc = lfh_store_upload_write(u, buf->data, buf->len, err);
    if (rc != LF_OK) return rc;
    *bytes += buf->len;
    buf->len = 0;
  }
  if (o->rate <= 0) *done += n;
  return LF_OK;
}

/* One whole file: nothing is visible under `name` until the commit. */
static int put_file(const lfp_options *o, lfh_store *store, lfp_gen *g, lfh_buf *buf,
                    const char *name, uint64_t n, uint64_t *done, double t0, uint64_t *bytes,
                    lf_error *err) {
  lfh_store_upload *u = NULL;
  int rc = lfh_store_upload_begin(store, name, 0, &u, err);
  if (rc != LF_OK) return rc;
  if ((rc = fill(o, g, buf, u, n, done, t0, bytes, err)) != LF_OK) {
    lfh_store_upload_abort(u);
    return rc;
  }
  return lfh_store_upload_commit(u, err);
}

int lfp_run(const lfp_options *o, lfp_result *res, lf_error *err) {
  lfh_store *store = NULL;
  lfp_gen *g = NULL;
  lfh_buf buf = {0};
  uint64_t files = o->files, done = 0;
  int rc = LF_OK;
  memset(res, 0, sizeof *res);
  if (!files) files = o->events_per_file ? (o->events + o->events_per_file - 1) / o->events_per_file : 1;
  if ((rc = lfp_gen_new(&o->gen, &g, err)) != LF_OK) goto fail;
  if (!(store = lfh_store_open(o->out, err))) {
    rc = err && err->code ? err->code : LF_ERR_IO;
    goto fail;
  }
  double t0 = now_s();
  for (uint64_t seq = 0; seq < files; seq++) {
    char name[512];
    uint64_t n = lines_in(o, files, seq);
    uint64_t bytes;
    lfp_file_name(o, seq, name, sizeof name);
    if ((rc = put_file(o, store, g, &buf, name, n, &done, t0, &bytes, err)) != LF_OK) goto fail;
    res->files++;
    res->lines += n;
    res->bytes += bytes;
  }
  res->seconds = now_s() - t0;
  res->gen = *lfp_gen_get_stats(g);
fail:
  lfh_buf_free(&buf);
  lfh_store_close(store);
  lfp_gen_free(g);
  return rc;
}
