/*
 * pw_pool - a bounded pool of threads for one fan-out (a Map state's
 * items, a Parallel state's branches): runs jobs 0..n-1, at most `width`
 * at a time, starting them in index order.
 *
 * prepare(ud, i) runs in the calling thread just before job i starts,
 * once a slot is free, so per-job state is built lazily and in order; a
 * nonzero return starts no further job (fail fast: pending jobs never
 * start). run(ud, i) runs in a worker thread. With width 1 (or when no
 * thread can be created) everything runs in the calling thread, one job
 * after the other. Threads live for one pw_pool_run: a nested fan-out
 * gets its own, so a worker waiting for its children never starves them.
 * They come out of a budget shared by every fan-out of one execution (a
 * Map inside a Map's items would otherwise multiply them): a fan-out
 * takes the threads that are free, up to its width, without waiting for
 * any, and with fewer than 2 runs in the calling thread.
 * Owner: engine-runtime.
 */
#ifndef PW_POOL_H
#define PW_POOL_H

#include <stddef.h>

typedef int (*pw_pool_prepare_fn)(void *ud, size_t i);
typedef void (*pw_pool_run_fn)(void *ud, size_t i);

/* Threads an execution's fan-outs may hold at once; `used` changes
 * atomically. */
struct pw_pool_budget {
	size_t limit;
	size_t used;
};

/* Returns the number of jobs that ran (<= n) once all of them ended.
 * budget NULL: no limit but width. */
size_t pw_pool_run(size_t n, size_t width, struct pw_pool_budget *budget,
		   pw_pool_prepare_fn prepare, pw_pool_run_fn run, void *ud);

#endif
