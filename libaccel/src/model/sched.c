// SPDX-License-Identifier: MIT
/*
 * Asynchronous model runs and their dispatch: accel_model_submit queues a
 * request (inputs copied) in a scheduler; `running` worker threads take
 * the best waiting request: highest priority, then the lowest cost, where
 * cost = the plan's predicted cycles - aging_per_ms x milliseconds waited
 * (shortest-predicted-first, with aging against starvation).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../internal.h"
#include "runtime.h"

struct accel_model_job {
	atomic_int refs;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	accel_status status;
	char message[512];
	/* the request */
	accel_model *model;
	uint32_t n_inputs;	/* of inputs[] (the model may be gone at the last put) */
	uint32_t batch;
	float **inputs;		/* copies */
	float *const *outputs;
	float **outputs_copy;	/* the caller's pointers */
	accel_model_callback cb;
	void *user;
	int32_t priority;
	uint64_t enqueued_ns;
	struct accel_model_job *next;
};

struct accel_scheduler {
	pthread_mutex_t lock;
	pthread_cond_t work;
	accel_model_job *queue;
	pthread_t *threads;
	uint32_t n_threads;
	uint64_t aging_per_ms;
	bool stop;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void job_put(accel_model_job *j)
{
	uint32_t i;

	if (atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	for (i = 0; j->inputs && i < j->n_inputs; i++)
		free(j->inputs[i]);
	free(j->inputs);
	free(j->outputs_copy);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->cond);
	free(j);
}

/* Under s->lock: unlink and return the best request, NULL if none. */
static accel_model_job *pick(accel_scheduler *s)
{
	accel_model_job **best = NULL, **pp;
	uint64_t t = now_ns();
	int64_t best_cost = 0;

	for (pp = &s->queue; *pp; pp = &(*pp)->next) {
		accel_model_job *j = *pp;
		uint64_t waited_ms = (t - j->enqueued_ns) / 1000000ull;
		uint64_t age = waited_ms > INT64_MAX / (s->aging_per_ms + 1) ? INT64_MAX / 2 :
			       waited_ms * s->aging_per_ms;
		int64_t cost = (int64_t)(j->model->pred_cycles > INT64_MAX / 2 ? INT64_MAX / 2 :
					 j->model->pred_cycles) - (int64_t)(age > INT64_MAX / 2 ?
									    INT64_MAX / 2 : age);

		if (!best || j->priority > (*best)->priority ||
		    (j->priority == (*best)->priority && cost < best_cost)) {
			best = pp;
			best_cost = cost;
		}
	}
	if (!best)
		return NULL;
	{
		accel_model_job *j = *best;

		*best = j->next;
		j->next = NULL;
		return j;
	}
}

static void *worker(void *arg)
{
	accel_scheduler *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		accel_model_job *j;

		while (!s->stop && !s->queue)
			pthread_cond_wait(&s->work, &s->lock);
		if (s->stop && !s->queue)
			break;
		j = pick(s);
		pthread_mutex_unlock(&s->lock);
		j->status = rt_run(j->model, j->batch, (const float *const *)j->inputs,
				   j->outputs_copy);
		if (j->status)
			snprintf(j->message, sizeof(j->message), "%s", accel_last_error());
		if (j->cb)
			j->cb(j, j->status, j->user);
		pthread_mutex_lock(&j->lock);
		j->done = true;
		pthread_cond_broadcast(&j->cond);
		pthread_mutex_unlock(&j->lock);
		pthread_mutex_lock(&j->model->lock);
		j->model->pending--;
		pthread_cond_broadcast(&j->model->freed);
		pthread_mutex_unlock(&j->model->lock);
		job_put(j);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

accel_status accel_scheduler_create(uint32_t running, uint64_t aging_per_ms,
				    accel_scheduler **out)
{
	accel_scheduler *s;
	uint32_t i;

	if (!out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "out is NULL");
	*out = NULL;
	if (running > 64)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%u running requests is too many", running);
	s = calloc(1, sizeof(*s));
	if (!s)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	s->aging_per_ms = aging_per_ms ? aging_per_ms : 1000000;
	s->threads = calloc(running ? running : 1, sizeof(*s->threads));
	if (!s->threads) {
		free(s);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	for (i = 0; i < (running ? running : 1); i++) {
		int err = pthread_create(&s->threads[i], NULL, worker, s);

		if (err) {
			accel_scheduler_destroy(s);
			return accel__fail_errno(err, "scheduler thread");
		}
		s->n_threads++;
	}
	*out = s;
	return ACCEL_OK;
}

void accel_scheduler_destroy(accel_scheduler *s)
{
	uint32_t i;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < s->n_threads; i++)
		pthread_join(s->threads[i], NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->work);
	free(s->threads);
	free(s);
}

accel_status accel_model_submit(accel_model *m, uint32_t batch, const float *const *inputs,
				float *const *outputs, accel_model_callback cb, void *user,
				accel_model_job **job)
{
	accel_scheduler *s;
	accel_model_job *j;
	accel_status st;
	uint32_t i;

	if (!job)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "job is NULL");
	*job = NULL;
	st = model_check_run(m, batch, inputs, outputs);
	if (st)
		return st;
	s = m->opts.scheduler ? m->opts.scheduler : m->own_sched;
	if (!s) {
		pthread_mutex_lock(&m->lock);
		if (!m->own_sched)
			st = accel_scheduler_create(1, 0, &m->own_sched);
		s = m->own_sched;
		pthread_mutex_unlock(&m->lock);
		if (st)
			return st;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	atomic_init(&j->refs, 2);	/* the caller's and the scheduler's */
	pthread_mutex_init(&j->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&j->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	j->model = m;
	j->n_inputs = m->g.n_inputs;
	j->batch = batch;
	j->cb = cb;
	j->user = user;
	j->priority = m->opts.priority;
	j->inputs = calloc(m->g.n_inputs + 1, sizeof(*j->inputs));
	j->outputs_copy = calloc(m->g.n_outputs + 1, sizeof(*j->outputs_copy));
	if (!j->inputs || !j->outputs_copy)
		goto oom;
	for (i = 0; i < m->g.n_inputs; i++) {
		size_t bytes = (size_t)(batch * m->in_item[i]);

		j->inputs[i] = malloc(bytes ? bytes : 1);
		if (!j->inputs[i])
			goto oom;
		memcpy(j->inputs[i], inputs[i], bytes);
	}
	for (i = 0; i < m->g.n_outputs; i++)
		j->outputs_copy[i] = outputs[i];
	pthread_mutex_lock(&m->lock);
	m->pending++;
	pthread_mutex_unlock(&m->lock);
	pthread_mutex_lock(&s->lock);
	j->enqueued_ns = now_ns();
	{
		accel_model_job **tail = &s->queue;

		while (*tail)
			tail = &(*tail)->next;
		*tail = j;	/* FIFO among equals */
	}
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->lock);
	*job = j;
	return ACCEL_OK;
oom:
	atomic_store(&j->refs, 1);
	job_put(j);
	return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
}

accel_status accel_model_job_wait(accel_model_job *j, int64_t timeout_ns)
{
	struct timespec until;
	accel_status st;

	if (!j)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "job is NULL");
	clock_gettime(CLOCK_MONOTONIC, &until);
	if (timeout_ns >= 0) {
		until.tv_sec += timeout_ns / 1000000000;
		until.tv_nsec += timeout_ns % 1000000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&j->lock);
	while (!j->done) {
		if (timeout_ns < 0) {
			pthread_cond_wait(&j->cond, &j->lock);
		} else if (pthread_cond_timedwait(&j->cond, &j->lock, &until) == ETIMEDOUT) {
			pthread_mutex_unlock(&j->lock);
			return accel__fail(ACCEL_ERR_TIMEOUT, "model job still running");
		}
	}
	pthread_mutex_unlock(&j->lock);
	st = j->status;
	if (st)
		return accel__fail(st, "%s", j->message);
	return ACCEL_OK;
}

void accel_model_job_release(accel_model_job *j)
{
	if (j)
		job_put(j);
}

/* Wait until no submitted run of m is pending (before freeing it). */
void sched_drain(accel_model *m)
{
	pthread_mutex_lock(&m->lock);
	while (m->pending)
		pthread_cond_wait(&m->freed, &m->lock);
	pthread_mutex_unlock(&m->lock);
	accel_scheduler_destroy(m->own_sched);
	m->own_sched = NULL;
}
