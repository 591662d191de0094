/* pw_pool - runs one fan-out's jobs on at most `width` threads. */
#include "pw_pool.h"

#include <pthread.h>
#include <stdlib.h>

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job was handed over, or the pool closed */
	pthread_cond_t slot; /* a job was taken or ended */
	size_t job;          /* the job handed over, when has_job */
	int has_job;
	int closed;
	size_t running;
	pw_pool_run_fn run;
	void *ud;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->has_job && !p->closed)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->has_job)
			break; /* closed and nothing left */
		size_t i = p->job;
		p->has_job = 0;
		p->running++;
		pthread_cond_signal(&p->slot); /* the hand-over spot is free */
		pthread_mutex_unlock(&p->lock);
		p->run(p->ud, i);
		pthread_mutex_lock(&p->lock);
		p->running--;
		pthread_cond_signal(&p->slot);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static size_t run_inline(size_t n, pw_pool_prepare_fn prepare, pw_pool_run_fn run, void *ud)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (prepare(ud, i) != 0)
			break;
		run(ud, i);
	}
	return i;
}

/* Takes up to want threads from b: as many as are free, maybe 0. */
static size_t reserve(struct pw_pool_budget *b, size_t want)
{
	if (b == NULL)
		return want;
	size_t used = __atomic_load_n(&b->used, __ATOMIC_RELAXED);
	for (;;) {
		size_t take = used >= b->limit ? 0 : b->limit - used;
		if (take > want)
			take = want;
		if (take == 0)
			return 0;
		if (__atomic_compare_exchange_n(&b->used, &used, used + take, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return take;
	}
}

static void give_back(struct pw_pool_budget *b, size_t k)
{
	if (b != NULL && k > 0)
		__atomic_sub_fetch(&b->used, k, __ATOMIC_ACQ_REL);
}

size_t pw_pool_run(size_t n, size_t width, struct pw_pool_budget *budget,
		   pw_pool_prepare_fn prepare, pw_pool_run_fn run, void *ud)
{
	if (width > n)
		width = n;
	if (width <= 1)
		return run_inline(n, prepare, run, ud);
	width = reserve(budget, width);
	pthread_t *threads = width > 1 ? calloc(width, sizeof(*threads)) : NULL;
	if (threads == NULL) { /* none free (or one): the caller's thread */
		give_back(budget, width);
		return run_inline(n, prepare, run, ud);
	}
	struct pool p = {.run = run, .ud = ud};
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.work, NULL);
	pthread_cond_init(&p.slot, NULL);
	size_t started = 0, i;
	for (; started < width; started++)
		if (pthread_create(&threads[started], NULL, worker, &p) != 0)
			break;
	give_back(budget, width - started);
	if (started == 0) { /* no thread at all: still run, one at a time */
		free(threads);
		pthread_cond_destroy(&p.slot);
		pthread_cond_destroy(&p.work);
		pthread_mutex_destroy(&p.lock);
		return run_inline(n, prepare, run, ud);
	}
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&p.lock);
		while (p.has_job || p.running >= started)
			pthread_cond_wait(&p.slot, &p.lock);
		pthread_mutex_unlock(&p.lock);
		if (prepare(ud, i) != 0)
			break;
		pthread_mutex_lock(&p.lock);
		p.job = i;
		p.has_job = 1;
		pthread_cond_signal(&p.work);
		pthread_mutex_unlock(&p.lock);
	}
	pthread_mutex_lock(&p.lock);
	p.closed = 1;
	pthread_cond_broadcast(&p.work);
	pthread_mutex_unlock(&p.lock);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	give_back(budget, started);
	free(threads);
	pthread_cond_destroy(&p.slot);
	pthread_cond_destroy(&p.work);
	pthread_mutex_destroy(&p.lock);
	return i;
}
