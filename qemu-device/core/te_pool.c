// SPDX-License-Identifier: MIT
/*
 * Tensor engine thread pool: threads - 1 workers plus the calling thread
 * share each te_parallel_for() range in chunks taken from an atomic
 * counter. One parallel-for runs at a time per pool (a mutex serialises
 * callers); a call made from inside a task runs serially. The calling
 * thread's cancellation token (te_cancel_begin) travels with each call, so
 * te_cancelled() works on the pool threads too, and chunks not started
 * when it fires are skipped.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "te_internal.h"

#define TE_POOL_MAX_THREADS 64

struct snpu_te_pool {
	unsigned int nthreads;		/* including the caller */
	pthread_t tid[TE_POOL_MAX_THREADS];
	unsigned int started;
	pthread_mutex_t run_lock;	/* one parallel-for at a time */
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	uint64_t generation;
	unsigned int busy;		/* workers still in the current job */
	bool stop;
	/* current job */
	te_task_fn fn;
	void *arg;
	size_t n, chunk;
	atomic_size_t next;
	struct te_cancel *cancel;	/* the caller's token */
};

static _Thread_local int te_in_task;
static _Thread_local struct te_cancel *te_cur;
static _Thread_local unsigned int te_ticks;

uint64_t te_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void te_cancel_begin(struct te_cancel *c)
{
	te_cur = c;
}

void te_cancel_end(void)
{
	te_cur = NULL;
}

int te_cancelled(void)
{
	struct te_cancel *c = te_cur;

	if (!c)
		return 0;
	if (atomic_load_explicit(&c->why, memory_order_relaxed))
		return 1;
	if (c->epoch && atomic_load_explicit(c->epoch, memory_order_relaxed) != c->want) {
		atomic_store(&c->why, TE_STOP_RESET);
		return 1;
	}
	/* the clock every 64 checks: a check is per row or tile */
	if (c->deadline_ns && (++te_ticks & 63) == 0 && te_mono_ns() > c->deadline_ns) {
		atomic_store(&c->why, TE_STOP_TIME);
		return 1;
	}
	return 0;
}

static void run_chunks(struct snpu_te_pool *p)
{
	struct te_cancel *saved = te_cur;
	size_t b;

	te_in_task = 1;
	te_cur = p->cancel;
	while ((b = atomic_fetch_add(&p->next, p->chunk)) < p->n) {
		size_t e = b + p->chunk < p->n ? b + p->chunk : p->n;

		if (te_cancelled())
			continue;	/* drain the range without work */
		p->fn(p->arg, b, e);
	}
	te_cur = saved;
	te_in_task = 0;
}

static void *worker(void *opaque)
{
	struct snpu_te_pool *p = opaque;
	uint64_t seen = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->generation == seen)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->stop)
			break;
		seen = p->generation;
		pthread_mutex_unlock(&p->lock);
		run_chunks(p);
		pthread_mutex_lock(&p->lock);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct snpu_te_pool *snpu_te_pool_new(unsigned int threads)
{
	struct snpu_te_pool *p;
	unsigned int i;

	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 ? (unsigned int)n : 1;
	}
	if (threads > TE_POOL_MAX_THREADS)
		threads = TE_POOL_MAX_THREADS;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->nthreads = threads;
	pthread_mutex_init(&p->run_lock, NULL);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	atomic_init(&p->next, 0);
	for (i = 0; i + 1 < threads; i++) {
		if (pthread_create(&p->tid[i], NULL, worker, p))
			break;
		p->started++;
	}
	p->nthreads = p->started + 1;
	return p;
}

void snpu_te_pool_free(struct snpu_te_pool *p)
{
	unsigned int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->started; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->run_lock);
	free(p);
}

unsigned int te_pool_threads(const struct snpu_te_pool *p)
{
	return p ? p->nthreads : 1;
}

void te_parallel_for(struct snpu_te_pool *p, size_t n, size_t grain, te_task_fn fn, void *arg)
{
	size_t chunk;

	if (n == 0)
		return;
	if (grain == 0)
		grain = 1;
	if (!p || p->started == 0 || te_in_task || n <= grain) {
		fn(arg, 0, n);
		return;
	}
	/* about 4 chunks per thread for balance, never below grain */
	chunk = (n + 4 * (size_t)p->nthreads - 1) / (4 * (size_t)p->nthreads);
	if (chunk < grain)
		chunk = grain;
	pthread_mutex_lock(&p->run_lock);
	pthread_mutex_lock(&p->lock);
	p->fn = fn;
	p->arg = arg;
	p->cancel = te_cur;
	p->n = n;
	p->chunk = chunk;
	atomic_store(&p->next, 0);
	p->busy = p->started;
	p->generation++;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	run_chunks(p);
	pthread_mutex_lock(&p->lock);
	while (p->busy)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&p->run_lock);
}
