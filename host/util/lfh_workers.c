/* lfh_workers.c — tasks are claimed from a shared counter under one mutex: a run has a
 * handful of tasks of milliseconds each, so the lock is never the cost, and a plain
 * mutex keeps the hand-off easy to reason about (and to check with sanitizers). */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/lfh_workers.h"

struct lfh_workers {
  pthread_mutex_t mu;
  pthread_cond_t work, idle;
  pthread_t *th;
  int n_threads;
  int stop;
  unsigned long gen;  /* bumped by each run, so a thread joins every run once */
  lfh_worker_fn fn;
  void *ctx;
  size_t n, next;     /* tasks of the current run; next unclaimed */
  size_t running;     /* tasks claimed and not finished */
};

/* Claims and runs tasks until none is left. Called with mu held; returns with it held. */
static void drain(lfh_workers *w, int worker) {
  while (w->next < w->n) {
    size_t i = w->next++;
    w->running++;
    pthread_mutex_unlock(&w->mu);
    w->fn(w->ctx, i, worker);
    pthread_mutex_lock(&w->mu);
    if (--w->running == 0 && w->next >= w->n) pthread_cond_broadcast(&w->idle);
  }
}

typedef struct start_arg {
  lfh_workers *w;
  int worker;
} start_arg;

static void *thread_main(void *arg) {
  start_arg *a = arg;
  lfh_workers *w = a->w;
  int worker = a->worker;
  free(a);
  unsigned long seen = 0;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->stop && w->gen == seen) pthread_cond_wait(&w->work, &w->mu);
    if (w->stop) break;
    seen = w->gen;
    drain(w, worker);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

lfh_workers *lfh_workers_new(int threads) {
  lfh_workers *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  if (threads < 0) threads = 0;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->work, NULL);
  pthread_cond_init(&w->idle, NULL);
  if (threads && !(w->th = calloc((size_t)threads, sizeof *w->th))) goto fail;
  for (int i = 0; i < threads; i++) {
    start_arg *a = malloc(sizeof *a);
    if (!a) goto fail;
    *a = (start_arg){w, i + 1};
    if (pthread_create(&w->th[i], NULL, thread_main, a) != 0) {
      free(a);
      goto fail;
    }
    w->n_threads++;
  }
  return w;
fail:
  lfh_workers_free(w);
  return NULL;
}

int lfh_workers_threads(const lfh_workers *w) { return w ? w->n_threads : 0; }

void lfh_workers_run(lfh_workers *w, size_t n, lfh_worker_fn fn, void *ctx) {
  pthread_mutex_lock(&w->mu);
  w->fn = fn;
  w->ctx = ctx;
  w->n = n;
  w->next = 0;
  w->gen++;
  pthread_cond_broadcast(&w->work);
  drain(w, 0);
  while (w->running > 0) pthread_cond_wait(&w->idle, &w->mu);
  w->fn = NULL;
  w->ctx = NULL;
  pthread_mutex_unlock(&w->mu);
}

void lfh_workers_free(lfh_workers *w) {
  if (!w) return;
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_broadcast(&w->work);
  pthread_mutex_unlock(&w->mu);
  for (int i = 0; i < w->n_threads; i++) pthread_join(w->th[i], NULL);
  pthread_cond_destroy(&w->work);
  pthread_cond_destroy(&w->idle);
  pthread_mutex_destroy(&w->mu);
  free(w->th);
  free(w);
}

int lfh_workers_default(int max) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  int extra = n > 1 ? (int)(n - 1) : 0;
  return extra < max ? extra : max;
}
