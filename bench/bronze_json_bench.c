/*
 * bronze_json_bench — NDJSON decoding speed on one core: lfb_json (schema-directed,
 * straight into Arrow, the bronze autoloader's decoder) against jansson's json_loadb
 * DOM parse of the same lines (the baseline issue 6 quotes). The events come from the
 * lfproduce generator (clickstream, ~530 bytes, nested), held in memory as "files" of
 * 10,000 lines; a batch is cut every 8,192 rows (bigger batches of fresh buffers cost
 * page faults: ~10% more at 65,536 rows). Best of 3, wall and CPU time.
 *
 *   bench_bronze_json [EVENTS] [MALFORMED_FRACTION] [lfb]   (defaults: 1000000, 0)
 *   ("lfb": skip the jansson baseline, for profiling)
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle/lfh_ddl.h"
#include "clickstream_rows.h" /* bench_now */
#include "lf/lf_array.h"
#include "lfb_json.h"
#include "lfp_events.h"
#include "lfp_json.h"

#define FILE_LINES 10000
#define BATCH_ROWS 8192

/* The autoloader schema of bundles/resources/clickstream_pipeline.yml. */
static const char *const SCHEMA = LFP_CLICKSTREAM_DDL;

/* CPU seconds of this process: on a shared machine wall time also counts other
 * processes' turns; both are reported. */
static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct timing {
  double wall, cpu;
} timing;

typedef struct corpus {
  char *text;
  size_t len;
  size_t *file_off; /* start of each file, n_files + 1 entries */
  size_t n_files;
  uint64_t lines;
} corpus;

static int make_corpus(corpus *c, uint64_t n, double malformed) {
  lfp_gen_opts o = {0};
  o.seed = 42;
  o.users = 1000;
  o.late_max_us = 300 * INT64_C(1000000);
  o.malformed_fraction = malformed;
  lfp_parse_ts("2024-01-01T00:00:00Z", &o.start_us);
  lfp_gen *g = NULL;
  if (lfp_gen_new(&o, &g, NULL) != LF_OK) return -1;
  size_t cap = (size_t)n * 600 + LFP_LINE_MAX;
  c->text = malloc(cap);
  c->n_files = (size_t)((n + FILE_LINES - 1) / FILE_LINES);
  c->file_off = calloc(c->n_files + 1, sizeof *c->file_off);
  c->lines = n;
  c->len = 0;
  for (uint64_t i = 0; c->text && c->file_off && i < n; i++) {
    if (i % FILE_LINES == 0) c->file_off[i / FILE_LINES] = c->len;
    if (cap - c->len < LFP_LINE_MAX) {
      char *t = realloc(c->text, cap * 2);
      if (!t) break;
      c->text = t;
      cap *= 2;
    }
    c->len += (size_t)lfp_gen_next(g, c->text + c->len);
  }
  if (c->file_off) c->file_off[c->n_files] = c->len;
  lfp_gen_free(g);
  return c->text && c->file_off ? 0 : -1;
}

static int run_lfb(const corpus *c, lfb_json_decoder *dec, lfb_json_stats *st, timing *t) {
  struct ArrowArray batch;
  memset(st, 0, sizeof *st);
  double t0 = bench_now(), c0 = cpu_now();
  for (size_t f = 0; f < c->n_files; f++) {
    lfb_json_file file = {"landing/events-000001.json", 0, 0};
    size_t off = c->file_off[f], len = c->file_off[f + 1] - off;
    file.size = (int64_t)len;
    if (lfb_json_decode(dec, c->text + off, len, &file, st, NULL) != LF_OK) return -1;
    if (lfb_json_pending_rows(dec) >= BATCH_ROWS) {
      if (lfb_json_finish(dec, &batch, NULL) != LF_OK) return -1;
      batch.release(&batch);
    }
  }
  if (lfb_json_finish(dec, &batch, NULL) != LF_OK) return -1;
  batch.release(&batch);
  t->wall = bench_now() - t0;
  t->cpu = cpu_now() - c0;
  return 0;
}

static void run_jansson(const corpus *c, uint64_t *objects, timing *t) {
  *objects = 0;
  double t0 = bench_now(), c0 = cpu_now();
  const char *p = c->text, *end = c->text + c->len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = (size_t)((nl ? nl : end) - p);
    json_t *v = json_loadb(p, n, 0, NULL);
    if (v && json_is_object(v)) (*objects)++;
    json_decref(v);
    p = nl ? nl + 1 : end;
  }
  t->wall = bench_now() - t0;
  t->cpu = cpu_now() - c0;
}

static void report(const char *what, const corpus *c, timing t) {
  printf("%-32s wall %9.0f events/s %6.1f MB/s | cpu %9.0f events/s %6.1f MB/s %5.2f us/event\n",
         what, (double)c->lines / t.wall, (double)c->len / t.wall / 1e6,
         (double)c->lines / t.cpu, (double)c->len / t.cpu / 1e6, t.cpu * 1e6 / (double)c->lines);
}

/* Best of runs: the fastest wall and the fastest CPU time, each on its own. */
static void best_of(timing *best, timing t) {
  if (t.wall < best->wall) best->wall = t.wall;
  if (t.cpu < best->cpu) best->cpu = t.cpu;
}

int main(int argc, char **argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
  double malformed = argc > 2 ? strtod(argv[2], NULL) : 0;
  corpus c = {0};
  if (n == 0 || make_corpus(&c, n, malformed) != 0) {
    fprintf(stderr, "bench_bronze_json: cannot generate %" PRIu64 " events\n", n);
    return 1;
  }
  printf("%" PRIu64 " clickstream events, %.1f MB (%.1f bytes/event), malformed %.3f\n", n,
         (double)c.len / 1e6, (double)c.len / (double)n, malformed);

  struct ArrowSchema schema;
  lfh_ddl_error derr;
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  if (lfh_ddl_parse(SCHEMA, strlen(SCHEMA), &schema, &derr) != LF_OK) {
    fprintf(stderr, "bench_bronze_json: schema: %s\n", derr.message);
    return 1;
  }
  lfb_json_opts opts = {&schema, "_rescued_data", LFB_EVOLVE_RESCUE, "_metadata", 0};
  lfb_json_decoder *dec = NULL;
  if (lfb_json_decoder_new(&opts, &dec, &err) != LF_OK) {
    fprintf(stderr, "bench_bronze_json: %s\n", msg);
    return 1;
  }
  timing best = {1e30, 1e30}, t;
  lfb_json_stats st;
  for (int r = 0; r < 3; r++) {
    if (run_lfb(&c, dec, &st, &t) != 0) {
      fprintf(stderr, "bench_bronze_json: decode failed\n");
      return 1;
    }
    best_of(&best, t);
  }
  report("lfb_json -> Arrow (1 core)", &c, best);
  printf("  rows %" PRId64 ", rescued %" PRId64 ", corrupt %" PRId64 "\n", st.rows,
         st.rescued_rows, st.corrupt_rows);
  if (argc > 3 && strcmp(argv[3], "lfb") == 0) n = 0;
  timing jbest = {1e30, 1e30};
  uint64_t objects = 0;
  for (int r = 0; r < 3 && n; r++) {
    run_jansson(&c, &objects, &t);
    best_of(&jbest, t);
  }
  if (n) {
    report("jansson json_loadb DOM (1 core)", &c, jbest);
    printf("  objects %" PRIu64 "\nspeed-up %.1fx (cpu)\n", objects, jbest.cpu / best.cpu);
  }
  lfb_json_decoder_free(dec);
  lf_schema_release(&schema);
  free(c.text);
  free(c.file_off);
  return 0;
}
