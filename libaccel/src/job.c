/* SPDX-License-Identifier: MIT */
/* Jobs: submit, dependencies, completion, wait/poll/callback, results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "internal.h"
#include "encode.h"
#include "snpu_cmd.h"
#include "snpu_cmd_regions.h"
#include "snpu_regs.h"
#include "snpu_ring.h"
#include "drm/snpu_accel.h"

_Static_assert(sizeof(accel_profile_rec) == sizeof(struct snpu_profile_rec),
	       "accel_profile_rec mirrors snpu_profile_rec");

void accel__job_get(struct accel_job *job)
{
	atomic_fetch_add(&job->kref, 1);
}

static void job_drop_resources(struct accel_job *job)
{
	for (size_t i = 0; i < job->nrefs; i++)
		accel__buffer_put(job->refs[i].buf);
	free(job->refs);
	job->refs = NULL;
	job->nrefs = 0;
	for (size_t i = 0; i < job->ndeps; i++)
		accel__job_put(job->deps[i]);
	free(job->deps);
	job->deps = NULL;
	job->ndeps = 0;
	accel__buffer_put(job->profile);
	job->profile = NULL;
	free(job->cmds);
	job->cmds = NULL;
}

void accel__job_put(struct accel_job *job)
{
	if (!job || atomic_fetch_sub(&job->kref, 1) != 1)
		return;
	job_drop_resources(job);
	if (job->dev->ops->job_free)
		job->dev->ops->job_free(job->dev, job);
	pthread_cond_destroy(&job->cond);
	pthread_mutex_destroy(&job->lock);
	accel__dev_put(job->dev);
	free(job);
}

accel_status accel__job_state(struct accel_job *job)
{
	accel_status st;

	pthread_mutex_lock(&job->lock);
	st = job->done ? job->res.status : ACCEL_ERR_PENDING;
	pthread_mutex_unlock(&job->lock);
	return st;
}

/* Command `index` of the job's stream (and its size), or NULL. */
static const struct snpu_cmd_header *cmd_at(const struct accel_job *job, uint32_t index,
					    uint32_t *size)
{
	size_t pos = 0;

	for (uint32_t i = 0; pos + sizeof(struct snpu_cmd_header) <= job->cmds_size; i++) {
		const struct snpu_cmd_header *h = (const void *)(job->cmds + pos);

		if (h->size < sizeof(*h) || h->size > job->cmds_size - pos)
			break;
		if (i == index) {
			*size = h->size;
			return h;
		}
		pos += h->size;
	}
	return NULL;
}

/* For a device refusal of a command's fields: the validator's verdict on
 * the same bytes, naming the field (or "" when it finds nothing). */
static void device_detail(const struct snpu_cmd_header *h, uint32_t size, uint32_t hw_error,
			  char *out, size_t len)
{
	struct snpu_cmd_regions regs;
	char why[200];
	int err;

	out[0] = '\0';
	if (!h || (hw_error != SNPU_ERR_OPCODE && hw_error != SNPU_ERR_CMD_SIZE &&
		   hw_error != SNPU_ERR_RESERVED && hw_error != SNPU_ERR_DTYPE &&
		   hw_error != SNPU_ERR_SHAPE && hw_error != SNPU_ERR_OVERFLOW))
		return;
	err = snpu_cmd_check(h, size, &regs);
	if (!err || (uint32_t)err != hw_error)
		return;
	accel__explain(h, size, err, regs.why, why, sizeof(why));
	snprintf(out, len, ": %.*s", (int)(len > 3 ? len - 3 : 0), why);
}

static void format_message(struct accel_job *job, const struct accel_hw_result *r)
{
	accel_job_result *res = &job->res;
	uint32_t size = 0;
	const struct snpu_cmd_header *h = cmd_at(job, r->failed_cmd, &size);
	const char *opname = h ? accel__opcode_name(h->opcode) : "?";
	char detail[200];

	switch (r->status) {
	case ACCEL_OK:
		snprintf(res->message, sizeof(res->message), "ok");
		break;
	case ACCEL_ERR_JOB_FAULT:
		snprintf(res->message, sizeof(res->message),
			 "command %u (%s): %s at VA 0x%llx", r->failed_cmd, opname,
			 accel_hw_error_name(r->hw_error), (unsigned long long)r->fault_va);
		break;
	case ACCEL_ERR_JOB_FAILED:
		device_detail(h, size, r->hw_error, detail, sizeof(detail));
		snprintf(res->message, sizeof(res->message), "command %u (%s): %s (device error "
			 "%u)%s", r->failed_cmd, opname, accel_hw_error_name(r->hw_error),
			 r->hw_error, detail);
		break;
	case ACCEL_ERR_JOB_CANCELED:
		snprintf(res->message, sizeof(res->message),
			 "canceled before it ran (a dependency failed or the device was reset)");
		break;
	case ACCEL_ERR_JOB_HUNG:
		snprintf(res->message, sizeof(res->message),
			 "hung at command %u (%s) and was killed by the watchdog", r->failed_cmd,
			 opname);
		break;
	default:
		snprintf(res->message, sizeof(res->message), "%s%s%s", accel_strerror(r->status),
			 r->hw_error ? ": " : "", r->hw_error ? accel_hw_error_name(r->hw_error) : "");
		break;
	}
}

static void run_callback(void *arg)
{
	struct accel_job *job = arg;

	job->callback(job, job->res.status, job->user);
	accel__job_put(job);
}

void accel__job_complete(struct accel_job *job, const struct accel_hw_result *r)
{
	accel_device *dev = job->dev;
	accel_pool *pool = NULL;
	bool queued = false;

	/* Buffers go first, so that a waiter woken below finds them released. */
	for (size_t i = 0; i < job->nrefs; i++)
		accel__buffer_put(job->refs[i].buf);
	free(job->refs);
	job->refs = NULL;
	job->nrefs = 0;
	accel__buffer_put(job->profile);
	job->profile = NULL;
	pthread_mutex_lock(&job->lock);
	job->res.struct_size = sizeof(job->res);
	job->res.status = r->status;
	job->res.hw_error = r->hw_error;
	job->res.failed_cmd = r->failed_cmd;
	job->res.cmds = job->ncmds;
	job->res.cmds_done = r->cmds_done;
	job->res.fault_flags = r->fault_flags;
	job->res.fault_va = r->fault_va;
	job->res.pred_cycles = r->pred_cycles;
	job->res.start_ns = r->start_ns;
	job->res.end_ns = r->end_ns;
	format_message(job, r);
	job->done = true;
	/* The callback is queued before waiters wake, so that a thread that
	 * returns from accel_job_wait() and then waits for the pool sees it
	 * run. (The pool's queue lock orders the result above before it.) */
	if (job->callback) {
		accel__job_get(job);
		queued = !accel__device_pool(dev, &pool) && !accel_pool_submit(pool, run_callback, job);
	}
	pthread_cond_broadcast(&job->cond);
	pthread_mutex_unlock(&job->lock);
	if (job->callback && !queued)
		run_callback(job);	/* no pool: run it here rather than lose it */
	pthread_mutex_lock(&dev->lock);
	if (--dev->pending == 0)
		pthread_cond_broadcast(&dev->idle);
	pthread_mutex_unlock(&dev->lock);
	accel__job_put(job);	/* the backend's reference */
}

/* The device's priority level (DRM_SNPU_PRIORITY_*) of a public one. */
static uint32_t prio_level(accel_priority p)
{
	switch (p) {
	case ACCEL_PRIORITY_LOW: return DRM_SNPU_PRIORITY_LOW;
	case ACCEL_PRIORITY_HIGH: return DRM_SNPU_PRIORITY_HIGH;
	default: return DRM_SNPU_PRIORITY_NORMAL;
	}
}

static accel_status check_opts(accel_device *dev, const accel_submit_opts *o)
{
	if (o->pad0)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: accel_submit_opts.pad0 is "
				   "not zero");
	if (o->queue >= dev->num_queues)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: queue %u (the device has %u)",
				   o->queue, dev->num_queues);
	if ((unsigned int)o->priority > ACCEL_PRIORITY_HIGH)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: unknown priority %d",
				   (int)o->priority);
	if (o->flags & ~ACCEL_SUBMIT_PROFILE)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: unknown flags 0x%x",
				   o->flags & ~ACCEL_SUBMIT_PROFILE);
	if (o->num_deps && !o->deps)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: NULL deps with num_deps %zu",
				   o->num_deps);
	for (size_t i = 0; i < o->num_deps; i++)
		if (!o->deps[i])
			return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: deps[%zu] is NULL", i);
	if (o->flags & ACCEL_SUBMIT_PROFILE) {
		uint64_t need = (uint64_t)o->num_profile * sizeof(accel_profile_rec);

		if (!o->profile || !o->num_profile)
			return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: PROFILE needs a "
					   "profile buffer and num_profile > 0");
		if (o->profile->bo->dev != dev)
			return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: profile buffer "
					   "belongs to another device");
		if (need > o->profile->size)
			return accel__fail(ACCEL_ERR_OUT_OF_RANGE, "accel_submit: %u profile records "
					   "need %llu bytes, the buffer has %llu", o->num_profile,
					   (unsigned long long)need,
					   (unsigned long long)o->profile->size);
		if (o->profile->bo->flags & ACCEL_MEM_READ_ONLY)
			return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: the profile buffer "
					   "is read-only");
	}
	return ACCEL_OK;
}

/* accel_submit; self: the calling thread reaps the job (accel__job_reap). */
static accel_status job_submit(accel_device *dev, const accel_cmdbuf *cb,
			       const accel_submit_opts *opts, bool self, accel_job **out)
{
	accel_submit_opts o_buf = ACCEL_SUBMIT_OPTS_INIT;
	const accel_submit_opts *o = &o_buf;
	struct accel_hw_result cancel = { .status = ACCEL_OK };
	struct accel_job *job;
	accel_status st;

	if (!dev || !cb || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: NULL %s",
				   !dev ? "device" : !cb ? "command buffer" : "out");
	*out = NULL;
	if (opts && (st = accel__struct_in("accel_submit", &accel__abi_submit_opts, opts, &o_buf)))
		return st;
	if ((st = accel__dev_usable(dev, "accel_submit")))
		return st;
	if (cb->dev != dev)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: the command buffer was "
				   "recorded for %s, not %s", cb->dev->name, dev->name);
	if (!cb->count)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_submit: empty command buffer");
	if (cb->size > dev->max_cmdbuf)
		return accel__fail(ACCEL_ERR_OUT_OF_RANGE, "accel_submit: %zu bytes of commands, "
				   "the device takes at most %u per job", cb->size, dev->max_cmdbuf);
	if ((st = check_opts(dev, o)))
		return st;

	job = calloc(1, sizeof(*job));
	if (!job)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_submit: out of memory");
	if (pthread_mutex_init(&job->lock, NULL) || accel__cond_init(&job->cond)) {
		free(job);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_submit: cannot create locks");
	}
	atomic_init(&job->kref, 1);
	accel__dev_get(dev);
	job->dev = dev;
	job->queue = o->queue;
	job->priority = prio_level(o->priority);
	job->flags = o->flags;
	job->callback = o->callback;
	job->user = o->user;
	job->ncmds = cb->count;
	job->cmds_size = cb->size;
	job->cmds = malloc(cb->size);
	job->refs = calloc(cb->nrefs ? cb->nrefs : 1, sizeof(*job->refs));
	job->deps = calloc(o->num_deps ? o->num_deps : 1, sizeof(*job->deps));
	if (!job->cmds || !job->refs || !job->deps) {
		accel__job_put(job);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_submit: out of memory");
	}
	memcpy(job->cmds, cb->data, cb->size);
	for (size_t i = 0; i < cb->nrefs; i++) {
		job->refs[i] = cb->refs[i];
		accel__buffer_get(cb->refs[i].buf);
	}
	job->nrefs = cb->nrefs;
	if (o->flags & ACCEL_SUBMIT_PROFILE) {
		job->profile = o->profile;
		job->num_profile = o->num_profile;
		accel__buffer_get(job->profile);
	}
	/* Dependencies: ended ones are settled here; another device's
	 * pending ones are waited for on the host. */
	for (size_t i = 0; i < o->num_deps; i++) {
		struct accel_job *d = o->deps[i];
		accel_status ds = accel__job_state(d);

		if (ds == ACCEL_ERR_PENDING && d->dev != dev)
			ds = accel_job_wait(d, -1);
		if (ds == ACCEL_ERR_PENDING) {
			accel__job_get(d);
			job->deps[job->ndeps++] = d;
		} else if (ds != ACCEL_OK) {
			cancel.status = ACCEL_ERR_JOB_CANCELED;
		}
	}
	pthread_mutex_lock(&dev->lock);
	dev->pending++;
	pthread_mutex_unlock(&dev->lock);
	accel__job_get(job);	/* the backend's reference */
	job->be_self = self && !cancel.status;
	if (cancel.status) {
		accel__job_complete(job, &cancel);
	} else if ((st = dev->ops->submit(dev, job))) {
		pthread_mutex_lock(&dev->lock);
		if (--dev->pending == 0)
			pthread_cond_broadcast(&dev->idle);
		pthread_mutex_unlock(&dev->lock);
		atomic_fetch_sub(&job->kref, 1);
		accel__job_put(job);
		return st;
	}
	*out = job;
	return ACCEL_OK;
}

accel_status accel_submit(accel_device *dev, const accel_cmdbuf *cb,
			  const accel_submit_opts *opts, accel_job **out)
{
	return job_submit(dev, cb, opts, false, out);
}

accel_status accel__submit_self(accel_device *dev, const accel_cmdbuf *cb, accel_job **out)
{
	return job_submit(dev, cb, NULL, true, out);
}

static accel_status job_status_report(struct accel_job *job)
{
	accel_status st = job->res.status;

	if (st)
		accel__fail(st, "%s job: %s", job->dev->name, job->res.message);
	return st;
}

accel_status accel_job_wait(accel_job *job, int64_t timeout_ns)
{
	struct timespec ts;
	accel_status st;

	if (!job)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_job_wait: NULL job");
	if (timeout_ns >= 0)
		accel__abs_deadline(&ts, timeout_ns);
	pthread_mutex_lock(&job->lock);
	while (!job->done) {
		if (timeout_ns < 0) {
			pthread_cond_wait(&job->cond, &job->lock);
		} else if (pthread_cond_timedwait(&job->cond, &job->lock, &ts)) {
			if (job->done)
				break;
			pthread_mutex_unlock(&job->lock);
			return accel__fail(ACCEL_ERR_TIMEOUT, "accel_job_wait: %s job still running "
					   "after %lld ns", job->dev->name, (long long)timeout_ns);
		}
	}
	st = job_status_report(job);
	pthread_mutex_unlock(&job->lock);
	return st;
}

accel_status accel_job_poll(accel_job *job)
{
	accel_status st;

	if (!job)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_job_poll: NULL job");
	pthread_mutex_lock(&job->lock);
	st = job->done ? job_status_report(job) : ACCEL_ERR_PENDING;
	pthread_mutex_unlock(&job->lock);
	return st;
}

accel_status accel_job_result_get(accel_job *job, accel_job_result *res)
{
	accel_status st;

	if (!job || !res)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_job_result_get: NULL %s",
				   job ? "res" : "job");
	if ((st = accel__struct_out_check("accel_job_result_get", &accel__abi_job_result, res)))
		return st;
	pthread_mutex_lock(&job->lock);
	if (!job->done) {
		pthread_mutex_unlock(&job->lock);
		return accel__fail(ACCEL_ERR_PENDING, "accel_job_result_get: job still running");
	}
	st = accel__struct_out("accel_job_result_get", &accel__abi_job_result, res, &job->res);
	pthread_mutex_unlock(&job->lock);
	return st;
}

void accel_job_release(accel_job *job)
{
	accel__job_put(job);
}

accel_status accel_run(accel_device *dev, const accel_cmdbuf *cb, const accel_submit_opts *opts,
		       accel_job_result *res)
{
	accel_job_result early = ACCEL_JOB_RESULT_INIT;
	accel_job *job;
	accel_status st;
	char msg[512];

	if (res && (st = accel__struct_out_check("accel_run", &accel__abi_job_result, res)))
		return st;
	st = job_submit(dev, cb, opts, true, &job);
	if (st) {
		/* Never leave the caller's result as it was: it tells why. */
		if (res) {
			snprintf(msg, sizeof(msg), "%s", accel_last_error());
			early.status = st;
			snprintf(early.message, sizeof(early.message), "%.*s",
				 (int)sizeof(early.message) - 1, msg);
			accel__struct_out("accel_run", &accel__abi_job_result, res, &early);
			accel__fail(st, "%s", msg);
		}
		return st;
	}
	st = accel__job_reap(job, NULL);
	if (res) {
		snprintf(msg, sizeof(msg), "%s", accel_last_error());
		accel_job_result_get(job, res);
		if (st)
			accel__fail(st, "%s", msg);
	}
	accel_job_release(job);
	return st;
}

accel_status accel__job_reap(accel_job *job, const char *what)
{
	accel_status st;
	char msg[512];

	if (job->be_self) {
		job->be_self = false;	/* reaped once, by the submitter */
		if (job->dev->ops->reap)
			job->dev->ops->reap(job->dev, job);
	}
	st = accel_job_wait(job, -1);
	if (st && what) {
		snprintf(msg, sizeof(msg), "%s", accel_last_error());
		accel__fail(st, "%s: %s", what, msg);
	}
	return st;
}

accel_status accel__run_sync(accel_device *dev, accel_cmdbuf *cb, const char *what)
{
	accel_status st = accel_run(dev, cb, NULL, NULL);
	char msg[512];

	if (st) {
		snprintf(msg, sizeof(msg), "%s", accel_last_error());
		accel__fail(st, "%s: %s", what, msg);
	}
	return st;
}

accel_status accel__device_pool(accel_device *dev, accel_pool **out)
{
	accel_status st = ACCEL_OK;

	pthread_mutex_lock(&dev->lock);
	if (!dev->pool) {
		st = accel_pool_create(0, &dev->pool);
		dev->own_pool = !st;
	}
	*out = dev->pool;
	pthread_mutex_unlock(&dev->lock);
	return st;
}

accel_status accel_device_set_pool(accel_device *dev, accel_pool *pool)
{
	accel_pool *old = NULL;

	if (!dev)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_device_set_pool: NULL device");
	pthread_mutex_lock(&dev->lock);
	if (dev->own_pool)
		old = dev->pool;
	dev->pool = pool;
	dev->own_pool = false;
	pthread_mutex_unlock(&dev->lock);
	accel_pool_destroy(old);	/* runs the callbacks already queued on it */
	return ACCEL_OK;
}
