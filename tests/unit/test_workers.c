/* lfh_workers: every task runs exactly once per run, on valid worker ids, with all of them
 * finished when run returns; many back-to-back runs (the hand-off between runs is where a
 * pool loses or repeats work); a pool of no threads; pools freed while idle. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lfh_test.h"
#include "util/lfh_workers.h"

#define MAX_TASKS 64

typedef struct ctx {
  int threads;
  atomic_int runs[MAX_TASKS];   /* times each task ran */
  atomic_int bad_worker;        /* a worker id outside [0, threads] */
  atomic_int by_worker[8];
  int64_t out[MAX_TASKS];       /* each task's result, written by whoever ran it */
} ctx;

static void task(void *p, size_t i, int worker) {
  ctx *c = p;
  if (worker < 0 || worker > c->threads) atomic_fetch_add(&c->bad_worker, 1);
  else atomic_fetch_add(&c->by_worker[worker], 1);
  atomic_fetch_add(&c->runs[i], 1);
  int64_t v = 0;
  for (int64_t k = 0; k < 2000 + (int64_t)(i % 7) * 500; k++) v += k ^ (int64_t)i;
  c->out[i] = v;
}

static int64_t expected(size_t i) {
  int64_t v = 0;
  for (int64_t k = 0; k < 2000 + (int64_t)(i % 7) * 500; k++) v += k ^ (int64_t)i;
  return v;
}

static void check_run(lfh_workers *w, int threads, size_t n) {
  ctx *c = calloc(1, sizeof *c);
  CU_ASSERT_PTR_NOT_NULL_FATAL(c);
  c->threads = threads;
  lfh_workers_run(w, n, task, c);
  int once = 1, right = 1;
  for (size_t i = 0; i < MAX_TASKS; i++) {
    once &= atomic_load(&c->runs[i]) == (i < n ? 1 : 0);
    if (i < n) right &= c->out[i] == expected(i);
  }
  CU_ASSERT(once);
  CU_ASSERT(right);
  CU_ASSERT_EQUAL(atomic_load(&c->bad_worker), 0);
  free(c);
}

static void test_runs(void) {
  for (int threads = 0; threads <= 3; threads++) {
    lfh_workers *w = lfh_workers_new(threads);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(lfh_workers_threads(w), threads);
    for (size_t n = 0; n <= 17; n++) check_run(w, threads, n);
    check_run(w, threads, MAX_TASKS);
    lfh_workers_free(w);
  }
}

/* Back-to-back runs: 2000 of them, each checked. */
static void test_many_runs(void) {
  lfh_workers *w = lfh_workers_new(2);
  CU_ASSERT_PTR_NOT_NULL_FATAL(w);
  for (int r = 0; r < 2000; r++) check_run(w, 2, (size_t)(1 + r % 9));
  lfh_workers_free(w);
}

/* With tasks long enough, a pool thread takes some of them: the pool really runs work. */
static void test_pool_takes_work(void) {
  lfh_workers *w = lfh_workers_new(1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(w);
  int pool_ran = 0;
  for (int r = 0; r < 50 && !pool_ran; r++) {
    ctx *c = calloc(1, sizeof *c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    c->threads = 1;
    lfh_workers_run(w, 8, task, c);
    pool_ran = atomic_load(&c->by_worker[1]) > 0;
    free(c);
    if (!pool_ran) usleep(1000);
  }
  CU_ASSERT(pool_ran);
  lfh_workers_free(w);
}

static void test_idle_free(void) {
  lfh_workers_free(NULL);
  lfh_workers *w = lfh_workers_new(3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(w);
  lfh_workers_free(w); /* never ran: threads still waiting for their first run */
  CU_ASSERT(lfh_workers_default(3) >= 0 && lfh_workers_default(3) <= 3);
  CU_ASSERT_EQUAL(lfh_workers_default(0), 0);
}

int main(void) {
  static const lfh_test_case cases[] = {{"runs", test_runs},
                                        {"many_runs", test_many_runs},
                                        {"pool_takes_work", test_pool_takes_work},
                                        {"idle_free", test_idle_free},
                                        {NULL, NULL}};
  return lfh_test_run("workers", cases);
}
