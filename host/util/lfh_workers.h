/* lfh_workers — a small fork-join pool: run tasks 0..n-1 of one function on a few threads
 * and the caller's, and return when all are done. Used where a batch splits into
 * independent pieces whose results the caller then consumes in order (Avro blocks), so
 * the output never depends on which thread ran what. */
#ifndef LFH_WORKERS_H
#define LFH_WORKERS_H

#include <stddef.h>

typedef struct lfh_workers lfh_workers;

/* `task` runs once per task index; `worker` is 0 for the calling thread and 1..threads for
 * the pool's, so per-worker scratch can be indexed without locks. */
typedef void (*lfh_worker_fn)(void *ctx, size_t task, int worker);

/* A pool of `threads` extra threads (0 is valid: everything runs on the caller). NULL when
 * a thread cannot be started or memory runs out. */
lfh_workers *lfh_workers_new(int threads);

/* Threads of the pool, not counting the caller. */
int lfh_workers_threads(const lfh_workers *w);

/* Runs fn(ctx, i, worker) for every i in [0, n) and waits for all of them. One run at a
 * time per pool; tasks report failures through ctx. */
void lfh_workers_run(lfh_workers *w, size_t n, lfh_worker_fn fn, void *ctx);

/* Stops and joins the threads. NULL is fine. */
void lfh_workers_free(lfh_workers *w);

/* Extra threads worth starting for CPU-bound work beside the caller: online CPUs - 1,
 * capped at `max`. */
int lfh_workers_default(int max);

#endif
