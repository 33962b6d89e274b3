/* SPDX-License-Identifier: MIT */
/*
 * "drm" backend: SUBMIT with BO references and syncobj dependencies, and
 * the reaper thread that notices finished jobs (their out-syncobj
 * signalled) and reads their result with JOB_WAIT.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xf86drm.h>

#include "drm_be.h"
#include "encode.h"
#include "drm/snpu_accel.h"
#include "snpu_regs.h"

#define NUM_PRIO 3

static size_t fifo_index(const struct accel_job *job)
{
	return (size_t)job->queue * NUM_PRIO + (size_t)job->priority;
}

/* Read the result of a job whose syncobj signalled (or poll one: timeout
 * 0; else an absolute CLOCK_MONOTONIC deadline). Returns false while the
 * job is still pending. */
static bool job_result(struct drm_dev *d, struct accel_job *job, struct accel_hw_result *r,
		       int64_t timeout_ns)
{
	struct drm_snpu_job_wait w = { .job_id = job->be_id, .timeout_ns = timeout_ns };

	memset(r, 0, sizeof(*r));
	if (drmIoctl(d->fd, DRM_IOCTL_SNPU_JOB_WAIT, &w)) {
		r->status = accel__fail_errno(errno, "JOB_WAIT of job %llu",
					      (unsigned long long)job->be_id);
		return true;
	}
	if (w.status == DRM_SNPU_JOB_PENDING)
		return false;
	r->hw_error = w.hw_status;
	r->failed_cmd = w.failed_cmd;
	r->cmds_done = w.cmds_done;
	r->fault_flags = w.fault_flags;
	r->fault_va = w.fault_va;
	r->pred_cycles = w.pred_cycles;
	r->start_ns = w.start_ns;
	r->end_ns = w.end_ns;
	switch (w.status) {
	case DRM_SNPU_JOB_DONE:
		r->status = w.hw_status == SNPU_OK ? ACCEL_OK :
			    (w.hw_status == SNPU_ERR_MMU_FAULT || w.hw_status == SNPU_ERR_MMU_PERM) ?
			    ACCEL_ERR_JOB_FAULT : ACCEL_ERR_JOB_FAILED;
		break;
	case DRM_SNPU_JOB_TIMEDOUT: r->status = ACCEL_ERR_JOB_HUNG; break;
	case DRM_SNPU_JOB_CANCELED: r->status = ACCEL_ERR_JOB_CANCELED; break;
	case DRM_SNPU_JOB_FAULTED: r->status = ACCEL_ERR_JOB_FAULT; break;
	default: r->status = ACCEL_ERR_DEVICE; break;
	}
	return true;
}

static void *reaper_main(void *arg)
{
	accel_device *dev = arg;
	struct drm_dev *d = drm_dev(dev);
	uint32_t *handles = d->handles;

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		struct accel_job *done = NULL, **done_tail = &done;
		unsigned int n = 0, first;
		int ret;

		handles[n++] = d->kick_sync;
		for (size_t i = 0; i < d->nfifo; i++)
			if (d->head[i])
				handles[n++] = d->head[i]->be_sync;
		pthread_mutex_unlock(&d->lock);
		ret = drmSyncobjWait(d->fd, handles, n, INT64_MAX,
				     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, &first);
		pthread_mutex_lock(&d->lock);
		if (d->stop)
			break;
		(void)drmSyncobjReset(d->fd, &d->kick_sync, 1);
		/* Collect every finished job at the head of each stream. */
		for (size_t i = 0; i < d->nfifo; i++) {
			struct accel_job *job;
			struct accel_hw_result *r;

			while ((job = d->head[i])) {
				r = calloc(1, sizeof(*r));
				if (!r || !job_result(d, job, r, 0)) {
					free(r);
					break;
				}
				d->head[i] = job->be_next;
				if (!d->head[i])
					d->tail[i] = NULL;
				job->be_next = NULL;
				job->be_priv = r;
				*done_tail = job;
				done_tail = &job->be_next;
			}
		}
		pthread_mutex_unlock(&d->lock);
		if (ret && ret != -ETIME && ret != -EINTR && !done) {
			/* Unexpected wait failure: do not spin. */
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
		while (done) {
			struct accel_job *job = done;
			struct accel_hw_result *r = job->be_priv;

			done = job->be_next;
			job->be_next = NULL;
			job->be_priv = NULL;
			accel__job_complete(job, r);
			free(r);
		}
		pthread_mutex_lock(&d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static void fifo_free(struct drm_dev *d)
{
	free(d->head);
	free(d->tail);
	free(d->handles);
	d->head = d->tail = NULL;
	d->handles = NULL;
}

/* Start the reaper on first submit. Called with d->lock held. */
static accel_status reaper_start(accel_device *dev, struct drm_dev *d)
{
	if (d->reaper_running)
		return ACCEL_OK;
	d->nfifo = (size_t)dev->num_queues * NUM_PRIO;
	d->head = calloc(d->nfifo, sizeof(*d->head));
	d->tail = calloc(d->nfifo, sizeof(*d->tail));
	d->handles = calloc(d->nfifo + 1, sizeof(*d->handles));
	if (!d->head || !d->tail || !d->handles) {
		fifo_free(d);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_submit: out of memory");
	}
	if (drmSyncobjCreate(d->fd, 0, &d->kick_sync)) {
		fifo_free(d);
		return accel__fail_errno(errno, "%s: syncobj create (does the driver support "
					 "syncobjs?)", dev->name);
	}
	if (pthread_create(&d->reaper, NULL, reaper_main, dev)) {
		(void)drmSyncobjDestroy(d->fd, d->kick_sync);
		fifo_free(d);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_submit: cannot start a thread");
	}
	d->reaper_running = true;
	return ACCEL_OK;
}

void accel__drm_jobs_fini(struct drm_dev *d)
{
	if (!d->reaper_running)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_mutex_unlock(&d->lock);
	(void)drmSyncobjSignal(d->fd, &d->kick_sync, 1);
	pthread_join(d->reaper, NULL);
	(void)drmSyncobjDestroy(d->fd, d->kick_sync);
	fifo_free(d);
	d->reaper_running = false;
}

static int add_ref(struct drm_snpu_bo_ref *refs, size_t *n, uint32_t handle, uint32_t flags)
{
	for (size_t i = 0; i < *n; i++) {
		if (refs[i].handle == handle) {
			refs[i].flags |= flags;
			return 0;
		}
	}
	refs[*n].handle = handle;
	refs[*n].flags = flags;
	(*n)++;
	return 0;
}

/* A syncobj for job: a released job's, or a new one. */
static accel_status sync_get(accel_device *dev, struct drm_dev *d, uint32_t *handle)
{
	pthread_mutex_lock(&d->lock);
	if (d->nfree_sync) {
		*handle = d->free_sync[--d->nfree_sync];
		pthread_mutex_unlock(&d->lock);
		return ACCEL_OK;
	}
	pthread_mutex_unlock(&d->lock);
	if (drmSyncobjCreate(d->fd, 0, handle)) {
		*handle = 0;
		return accel__fail_errno(errno, "%s: syncobj create", dev->name);
	}
	return ACCEL_OK;
}

void accel__drm_syncs_fini(struct drm_dev *d)
{
	while (d->nfree_sync)
		(void)drmSyncobjDestroy(d->fd, d->free_sync[--d->nfree_sync]);
}

static accel_status submit_error(accel_device *dev, struct accel_job *job, int err)
{
	char why[320];

	/* The driver validates with the same code: name the command and the
	 * field it refused. */
	if (err != EINVAL || !accel__explain_stream(job->cmds, job->cmds_size, why, sizeof(why)))
		why[0] = '\0';
	return accel__fail(accel__status_from_errno(err), "%s: SUBMIT of %u command%s (%zu "
			   "bytes) on queue %u: %s%s%s", dev->name, job->ncmds,
			   job->ncmds == 1 ? "" : "s", job->cmds_size, job->queue,
			   strerror(err), why[0] ? ": " : "", why);
}

accel_status accel__drm_submit(accel_device *dev, struct accel_job *job)
{
	struct drm_dev *d = drm_dev(dev);
	struct drm_snpu_submit s = { 0 };
	struct drm_snpu_bo_ref *refs;
	struct drm_snpu_sync *in = NULL, out = { 0 };
	size_t nrefs = 0, nin = 0, fi;
	accel_status st;

	refs = calloc(job->nrefs + 1, sizeof(*refs));
	if (job->ndeps)
		in = calloc(job->ndeps, sizeof(*in));
	if (!refs || (job->ndeps && !in)) {
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "accel_submit: out of memory");
		goto out;
	}
	for (size_t i = 0; i < job->nrefs; i++) {
		uint32_t f = 0;

		if (job->refs[i].access & ACCEL_ACCESS_READ)
			f |= DRM_SNPU_BO_REF_READ;
		if (job->refs[i].access & ACCEL_ACCESS_WRITE)
			f |= DRM_SNPU_BO_REF_WRITE;
		add_ref(refs, &nrefs, job->refs[i].buf->bo->handle, f);
	}
	if (job->profile)
		add_ref(refs, &nrefs, job->profile->bo->handle, DRM_SNPU_BO_REF_WRITE);
	for (size_t i = 0; i < job->ndeps; i++) {
		in[nin].handle = job->deps[i]->be_sync;
		nin++;
	}
	if (job->be_self) {
		/* Reaped by the submitter with JOB_WAIT: no syncobj, no reaper. */
		st = ACCEL_OK;
		s.out_sync_count = 0;
	} else {
		st = sync_get(dev, d, &job->be_sync);
		s.out_sync_count = 1;
	}
	if (st)
		goto out;
	out.handle = job->be_sync;
	s.cmds = (uintptr_t)job->cmds;
	s.cmds_size = (uint32_t)job->cmds_size;
	s.queue = job->queue;
	s.bo_refs = (uintptr_t)refs;
	s.bo_count = (uint32_t)nrefs;
	s.bo_ref_size = sizeof(*refs);
	s.in_syncs = (uintptr_t)in;
	s.in_sync_count = (uint32_t)nin;
	s.sync_size = sizeof(struct drm_snpu_sync);
	s.out_syncs = s.out_sync_count ? (uintptr_t)&out : 0;
	/* The driver's priority values differ from libaccel's (0 is its default). */
	s.priority = job->priority == ACCEL_PRIORITY_LOW ? DRM_SNPU_PRIORITY_LOW :
		     job->priority == ACCEL_PRIORITY_HIGH ? DRM_SNPU_PRIORITY_HIGH :
							   DRM_SNPU_PRIORITY_NORMAL;
	/* libaccel orders jobs by their explicit dependencies only (as the sim
	 * backend): no implicit waits on what earlier jobs did to the BOs. The
	 * driver still publishes the job's fence in them for other users. */
	s.flags = DRM_SNPU_SUBMIT_NO_IMPLICIT;
	if (job->profile) {
		s.flags |= DRM_SNPU_SUBMIT_PROFILE;
		s.num_profile = job->num_profile;
		s.profile_va = accel_buffer_va(job->profile);
	}
	if (job->be_self) {
		if (drmIoctl(d->fd, DRM_IOCTL_SNPU_SUBMIT, &s)) {
			st = submit_error(dev, job, errno);
			goto out;
		}
		job->be_id = s.job_id;
		goto out;
	}
	pthread_mutex_lock(&d->lock);
	st = reaper_start(dev, d);
	if (st) {
		pthread_mutex_unlock(&d->lock);
		goto out;
	}
	if (drmIoctl(d->fd, DRM_IOCTL_SNPU_SUBMIT, &s)) {
		int err = errno;

		pthread_mutex_unlock(&d->lock);
		st = submit_error(dev, job, err);
		goto out;
	}
	job->be_id = s.job_id;
	fi = fifo_index(job);
	job->be_next = NULL;
	if (d->tail[fi])
		d->tail[fi]->be_next = job;
	else
		d->head[fi] = job;
	d->tail[fi] = job;
	pthread_mutex_unlock(&d->lock);
	(void)drmSyncobjSignal(d->fd, &d->kick_sync, 1);
	st = ACCEL_OK;
out:
	free(refs);
	free(in);
	return st;
}

void accel__drm_job_free(accel_device *dev, struct accel_job *job)
{
	struct drm_dev *d = drm_dev(dev);

	if (!job->be_sync)
		return;
	pthread_mutex_lock(&d->lock);
	if (d->nfree_sync < sizeof(d->free_sync) / sizeof(d->free_sync[0])) {
		d->free_sync[d->nfree_sync++] = job->be_sync;
		job->be_sync = 0;
	}
	pthread_mutex_unlock(&d->lock);
	if (job->be_sync)
		(void)drmSyncobjDestroy(d->fd, job->be_sync);
}

/* accel_run and the transfers: wait in JOB_WAIT itself (one ioctl that
 * sleeps until the job's fence signals and returns its result) instead of
 * a syncobj, the reaper thread and a condition variable. */
void accel__drm_reap(accel_device *dev, struct accel_job *job)
{
	struct accel_hw_result r;

	while (!job_result(drm_dev(dev), job, &r, INT64_MAX))
		;
	accel__job_complete(job, &r);
}
