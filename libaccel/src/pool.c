/* SPDX-License-Identifier: MIT */
/* Thread pool for host-side work and job completion callbacks. */
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define POOL_MAX_THREADS 256

struct task {
	void (*fn)(void *arg);
	void *arg;
	struct task *next;
};

struct accel_pool {
	pthread_mutex_t lock;
	pthread_cond_t work, idle;
	struct task *head, *tail;
	size_t queued, running;
	bool stop;
	unsigned int nthreads;
	pthread_t *threads;
};

static _Thread_local const accel_pool *current_pool;

static void *worker(void *arg)
{
	accel_pool *p = arg;

	current_pool = p;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct task *t;

		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->head)
			break;
		t = p->head;
		p->head = t->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->lock);
		t->fn(t->arg);
		free(t);
		pthread_mutex_lock(&p->lock);
		p->running--;
		if (!p->head && !p->running)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

accel_status accel_pool_create(unsigned int threads, accel_pool **out)
{
	accel_pool *p;
	long ncpu;

	if (!out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_pool_create: NULL out");
	*out = NULL;
	if (threads > POOL_MAX_THREADS)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_pool_create: %u threads (max %d)",
				   threads, POOL_MAX_THREADS);
	if (!threads) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu < 1 ? 1 : ncpu > POOL_MAX_THREADS ? POOL_MAX_THREADS : (unsigned int)ncpu;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_pool_create: out of memory");
	p->threads = calloc(threads, sizeof(*p->threads));
	if (!p->threads || pthread_mutex_init(&p->lock, NULL) || pthread_cond_init(&p->work, NULL) ||
	    pthread_cond_init(&p->idle, NULL)) {
		free(p->threads);
		free(p);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_pool_create: out of memory");
	}
	for (; p->nthreads < threads; p->nthreads++) {
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p)) {
			accel_pool_destroy(p);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_pool_create: cannot start "
					   "thread %u of %u", p->nthreads + 1, threads);
		}
	}
	*out = p;
	return ACCEL_OK;
}

void accel_pool_destroy(accel_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}

unsigned int accel_pool_threads(const accel_pool *p)
{
	return p ? p->nthreads : 0;
}

accel_status accel_pool_submit(accel_pool *p, void (*fn)(void *arg), void *arg)
{
	struct task *t;

	if (!p || !fn)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_pool_submit: NULL %s",
				   p ? "function" : "pool");
	t = malloc(sizeof(*t));
	if (!t)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_pool_submit: out of memory");
	t->fn = fn;
	t->arg = arg;
	t->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->stop) {
		pthread_mutex_unlock(&p->lock);
		free(t);
		return accel__fail(ACCEL_ERR_STATE, "accel_pool_submit: pool is being destroyed");
	}
	if (p->tail)
		p->tail->next = t;
	else
		p->head = t;
	p->tail = t;
	p->queued++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return ACCEL_OK;
}

accel_status accel_pool_wait(accel_pool *p)
{
	if (!p)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_pool_wait: NULL pool");
	if (current_pool == p)
		return accel__fail(ACCEL_ERR_STATE, "accel_pool_wait: called from a thread of "
				   "the same pool (it would wait for itself)");
	pthread_mutex_lock(&p->lock);
	while (p->head || p->running)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return ACCEL_OK;
}

/* parallel_for: the caller and helper tasks pull indices from a shared
 * counter; the state is freed by whoever leaves last, so the caller never
 * waits for helpers that are still queued behind other work. */
struct pfor {
	void (*fn)(void *arg, size_t i);
	void *arg;
	size_t n;
	atomic_size_t next, done;
	atomic_uint refs;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void pfor_put(struct pfor *f)
{
	if (atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static void pfor_run(struct pfor *f)
{
	size_t i, mine = 0;

	while ((i = atomic_fetch_add(&f->next, 1)) < f->n) {
		f->fn(f->arg, i);
		mine++;
	}
	if (mine && atomic_fetch_add(&f->done, mine) + mine == f->n) {
		pthread_mutex_lock(&f->lock);
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->lock);
	}
}

static void pfor_task(void *arg)
{
	pfor_run(arg);
	pfor_put(arg);
}

accel_status accel_pool_parallel_for(accel_pool *p, size_t n, void (*fn)(void *arg, size_t i),
				     void *arg)
{
	struct pfor *f;
	unsigned int helpers;

	if (!p || !fn)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_pool_parallel_for: NULL %s",
				   p ? "function" : "pool");
	if (!n)
		return ACCEL_OK;
	f = calloc(1, sizeof(*f));
	if (!f || pthread_mutex_init(&f->lock, NULL) || pthread_cond_init(&f->cond, NULL)) {
		free(f);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_pool_parallel_for: out of memory");
	}
	f->fn = fn;
	f->arg = arg;
	f->n = n;
	atomic_init(&f->next, 0);
	atomic_init(&f->done, 0);
	atomic_init(&f->refs, 1);
	helpers = p->nthreads < n ? p->nthreads : (unsigned int)n;
	/* A helper that cannot be queued is no loss: the caller runs the rest. */
	for (unsigned int i = 0; i < helpers; i++) {
		atomic_fetch_add(&f->refs, 1);
		if (accel_pool_submit(p, pfor_task, f)) {
			atomic_fetch_sub(&f->refs, 1);
			break;
		}
	}
	pfor_run(f);
	pthread_mutex_lock(&f->lock);
	while (atomic_load(&f->done) < n)
		pthread_cond_wait(&f->cond, &f->lock);
	pthread_mutex_unlock(&f->lock);
	pfor_put(f);
	return ACCEL_OK;
}
