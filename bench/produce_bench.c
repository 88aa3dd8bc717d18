/*
 * produce_bench — lfproduce throughput on one core: event generation alone (into a
 * reused buffer) and the whole producer writing files to local disk through lfh_store
 * (atomic put, fsync), with and without injected faults.
 *
 *   bench_produce [DIR] [EVENTS]     (DIR defaults to a temp folder under $TMPDIR)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clickstream_rows.h" /* bench_now */
#include "lf/lf_array.h"
#include "lfp_events.h"
#include "lfp_json.h"
#include "lfp_produce.h"

static lfp_gen_opts gen_opts(int faults) {
  lfp_gen_opts g = {0};
  g.seed = 42;
  g.users = 1000;
  g.late_max_us = 300 * INT64_C(1000000);
  lfp_parse_ts("2024-01-01T00:00:00Z", &g.start_us);
  if (faults) {
    g.late_fraction = 0.05;
    g.duplicate_fraction = 0.02;
    g.malformed_fraction = 0.01;
  }
  return g;
}

/* Generation only: lines into one reused buffer. */
static int bench_generate(uint64_t n) {
  lfp_gen_opts o = gen_opts(0);
  lfp_gen *g = NULL;
  char *line = malloc(LFP_LINE_MAX);
  if (!line || lfp_gen_new(&o, &g, NULL) != LF_OK) {
    free(line);
    return 1;
  }
  uint64_t bytes = 0;
  double t0 = bench_now();
  for (uint64_t i = 0; i < n; i++) bytes += (uint64_t)lfp_gen_next(g, line);
  double s = bench_now() - t0;
  printf("generate           %10.0f events/s  %7.1f MB/s  %6.1f bytes/event\n", (double)n / s,
         (double)bytes / s / 1e6, (double)bytes / (double)n);
  lfp_gen_free(g);
  free(line);
  return 0;
}

/* The producer's whole path: files of `per_file` lines put into a store at `dir`. */
static int bench_files(const char *dir, uint64_t n, uint64_t per_file, int faults) {
  char msg[256];
  lf_error err;
  lf_error_init(&err, msg, sizeof msg);
  lfp_options o = {0};
  o.out = dir;
  o.prefix = faults ? "bench-faults" : "bench";
  o.events = n;
  o.events_per_file = per_file;
  o.gen = gen_opts(faults);
  lfp_result r;
  if (lfp_run(&o, &r, &err) != LF_OK) {
    fprintf(stderr, "bench_produce: %s\n", msg);
    return 1;
  }
  printf("files of %-7" PRIu64 "%s %9.0f events/s  %7.1f MB/s  (%" PRIu64 " files)\n", per_file,
         faults ? " +faults" : "        ", (double)r.lines / r.seconds,
         (double)r.bytes / r.seconds / 1e6, r.files);
  return 0;
}

int main(int argc, char **argv) {
  char tmpl[512];
  const char *dir = argc > 1 ? argv[1] : NULL;
  uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 2000000;
  if (!dir) {
    const char *base = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/lfp-bench.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) return perror("mkdtemp"), 1;
    dir = tmpl;
  }
  printf("lfproduce, %" PRIu64 " events, one core, into %s\n", n, dir);
  int rc = bench_generate(n);
  rc |= bench_files(dir, n, 100000, 0);
  rc |= bench_files(dir, n, 10000, 0);
  rc |= bench_files(dir, n, 100000, 1);
  if (!argc || argc <= 1) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_produce: could not remove %s\n", dir);
  }
  return rc;
}
