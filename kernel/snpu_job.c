// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU jobs: one drm_gpu_scheduler per hardware queue, one entity per open
 * file, queue and priority; SUBMIT, JOB_WAIT; timeouts and engine reset.
 *
 * Submit: BO refs are looked up and checked against the submitter's
 * context, the command stream is copied into DMA memory userspace cannot
 * map and validated there; then, with the BO reservations locked, the job
 * is armed and pushed under sdev->sched_lock, its finished fence is added
 * to the BOs (write or read) and to the out-syncobjs.
 *
 * Reset: a job whose queue is busy without progress for a timeout period
 * (or that does not finish within SNPU_MAX_EXTENSIONS periods), or a queue
 * the device stopped, resets the whole engine (soft reset, firmware boot,
 * rings and MMU programmed again). The guilty job fails with
 * DRM_SNPU_JOB_TIMEDOUT (and later jobs of its own entity are canceled);
 * the other jobs on the rings are resubmitted. Timeouts of all queues run
 * on one ordered workqueue, so resets never overlap.
 */

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/dma-fence-array.h>
#include <linux/dma-fence-chain.h>
#include <linux/dma-fence-unwrap.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/ww_mutex.h>

#include "drm/snpu_accel.h"
#include "snpu_regs.h"
#include "snpu_ring.h"

#include "snpu_cmdcheck.h"
#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_firmware.h"
#include "snpu_gem.h"
#include "snpu_job.h"
#include "snpu_mmu_ctx.h"
#include "snpu_queue.h"

static unsigned int job_timeout_ms = 5000;
module_param(job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms, "a running job without progress for this long is reset (ms)");

static bool validate_cmds = true;
module_param(validate_cmds, bool, 0444);
MODULE_PARM_DESC(validate_cmds,
		 "check every command against the BO refs (off: only the device MMU isolates; for fault tests)");

#define SNPU_NUM_PRIOS		3
#define SNPU_MAX_BO_REFS	1024
#define SNPU_MAX_SYNCS		256
#define SNPU_MAX_EXTENSIONS	10
#define SNPU_MAX_QUEUED		256
#define SNPU_MAX_ELEM_SIZE	256

static const enum drm_sched_priority snpu_sched_prio[SNPU_NUM_PRIOS] = {
	[DRM_SNPU_PRIORITY_LOW] = DRM_SCHED_PRIORITY_LOW,
	[DRM_SNPU_PRIORITY_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
	[DRM_SNPU_PRIORITY_HIGH] = DRM_SCHED_PRIORITY_HIGH,
};

static inline struct snpu_job *to_snpu_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct snpu_job, base);
}

/* ---- Results ------------------------------------------------------------------ */

static void snpu_result_release(struct kref *ref)
{
	struct snpu_job_result *res = container_of(ref, struct snpu_job_result, ref);

	dma_fence_put(res->done);
	kfree(res);
}

static void snpu_result_put(struct snpu_job_result *res)
{
	if (res)
		kref_put(&res->ref, snpu_result_release);
}

/* ---- Job lifetime --------------------------------------------------------------- */

static void snpu_job_free_resources(struct snpu_job *job)
{
	u32 i;

	for (i = 0; i < job->bo_count; i++)
		drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	kvfree(job->bo_write);
	for (i = 0; i < job->in_fence_count; i++)
		dma_fence_put(job->in_fences[i]);
	kfree(job->in_fences);
	if (job->cmds)
		dma_free_coherent(job->sdev->drm.dev, job->cmds_size, job->cmds, job->cmds_dma);
	dma_fence_put(job->hw_fence);
	snpu_vm_put(job->vm);
	snpu_result_put(job->res);
	kfree(job);
}

/* ---- Scheduler backend ------------------------------------------------------------ */

static struct dma_fence *snpu_sched_run_job(struct drm_sched_job *sched_job)
{
	struct snpu_job *job = to_snpu_job(sched_job);
	struct snpu_device *sdev = job->sdev;
	struct dma_fence *fence;
	u32 i;
	int idx;

	/* Canceled: its entity was killed, or it is the guilty job of a reset. */
	if (unlikely(sched_job->s_fence->finished.error))
		return NULL;
	/*
	 * A job whose in-syncs failed never runs. They all signalled: the
	 * job waited for them whole (snpu_submit_in_syncs()).
	 */
	for (i = 0; i < job->in_fence_count; i++) {
		if (job->in_fences[i]->error) {
			job->res->status = DRM_SNPU_JOB_CANCELED;
			job->res->hw_status = SNPU_ERR_ABORTED;
			return ERR_PTR(-ECANCELED);
		}
	}
	if (!drm_dev_enter(&sdev->drm, &idx))
		return ERR_PTR(-ENODEV);
	if (sdev->dead)
		fence = ERR_PTR(-EIO);
	else
		fence = snpu_queue_push(job->q, job);
	drm_dev_exit(idx);
	return fence;
}

static void snpu_engine_reset(struct snpu_device *sdev, struct snpu_job *bad)
{
	struct snpu_queue *q;
	u32 i;
	int ret;

	mutex_lock(&sdev->reset_lock);
	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = &sdev->queues[i];
		drm_sched_stop(&q->sched, bad && bad->q == q ? &bad->base : NULL);
	}
	if (bad) {
		bad->res->status = DRM_SNPU_JOB_TIMEDOUT;
		drm_sched_increase_karma(&bad->base);
	}

	snpu_wr(sdev, SNPU_REG_IRQ_MASK, ~0u);
	ret = snpu_device_reset(sdev);
	for (i = 0; i < sdev->hw.num_queues; i++)
		snpu_queue_cancel(&sdev->queues[i], -ECANCELED);
	if (!ret)
		ret = snpu_engine_start(sdev);
	if (ret) {
		sdev->dead = true;
		dev_err(&sdev->pdev->dev, "engine did not come back from a reset (%d): jobs fail\n",
			ret);
	}
	atomic_inc(&sdev->resets);

	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = &sdev->queues[i];
		drm_sched_resubmit_jobs(&q->sched);
		drm_sched_start(&q->sched);
	}
	mutex_unlock(&sdev->reset_lock);
}

static enum drm_gpu_sched_stat snpu_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct snpu_job *job = to_snpu_job(sched_job);
	struct drm_gpu_scheduler *sched = sched_job->sched;
	struct dma_fence *parent = sched_job->s_fence->parent;
	struct snpu_device *sdev = job->sdev;
	struct snpu_queue *q = job->q;
	u32 progress, status;
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx)) {
		/*
		 * Unplugged: snpu_job_stop() fails the jobs on the ring. The
		 * job must stay pending so that the scheduler frees it then.
		 */
		spin_lock(&sched->job_list_lock);
		list_add(&sched_job->list, &sched->pending_list);
		spin_unlock(&sched->job_list_lock);
		return DRM_GPU_SCHED_STAT_ENODEV;
	}

	/* A lost interrupt is not a hang. */
	snpu_queue_process(q);
	if (parent && dma_fence_is_signaled(parent))
		goto out_no_timeout;

	/*
	 * Not a hang yet: the job still moves through its commands, or waits
	 * behind jobs of other queues (its queue is not busy). A job gets at
	 * most SNPU_MAX_EXTENSIONS more periods.
	 */
	progress = snpu_rd(sdev, SNPU_REG_QUEUE(q->index, SNPU_QREG_PROGRESS));
	status = snpu_rd(sdev, SNPU_REG_QUEUE(q->index, SNPU_QREG_STATUS));
	if (q->hang_job != job) {
		q->hang_job = job;
		q->hang_count = 0;
		q->hang_progress = ~0u;
	}
	if (!sdev->dead && !(status & SNPU_QSTAT_STOPPED) &&
	    q->hang_count++ < SNPU_MAX_EXTENSIONS &&
	    (!(status & SNPU_QSTAT_BUSY) || q->hang_progress != progress)) {
		q->hang_progress = progress;
		goto out_no_timeout;
	}

	atomic_inc(&sdev->timeouts);
	dev_err(&sdev->pdev->dev,
		"queue %u: job %llu of context %u hung (STATUS 0x%x, ERROR %u, command %u): resetting the engine\n",
		q->index, job->seqno, job->vm->id, status,
		snpu_rd(sdev, SNPU_REG_QUEUE(q->index, SNPU_QREG_ERROR)), progress);
	snpu_engine_reset(sdev, job);
	drm_dev_exit(idx);
	return DRM_GPU_SCHED_STAT_NOMINAL;

out_no_timeout:
	/* The scheduler took the job off its list for us; put it back. */
	spin_lock(&sched->job_list_lock);
	list_add(&sched_job->list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);
	drm_dev_exit(idx);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void snpu_sched_free_job(struct drm_sched_job *sched_job)
{
	struct snpu_job *job = to_snpu_job(sched_job);

	drm_sched_job_cleanup(sched_job);
	snpu_job_free_resources(job);
}

static const struct drm_sched_backend_ops snpu_sched_ops = {
	.run_job = snpu_sched_run_job,
	.timedout_job = snpu_sched_timedout_job,
	.free_job = snpu_sched_free_job,
};

/**
 * snpu_engine_fault - the device stopped a queue: handle it as a hang now
 * @sdev: the device
 * @queue: the queue
 */
void snpu_engine_fault(struct snpu_device *sdev, u32 queue)
{
	if (sdev->queues && queue < sdev->hw.num_queues)
		drm_sched_fault(&sdev->queues[queue].sched);
}

/**
 * snpu_engine_hw_init - program MMU and rings, unmask every interrupt; the
 * firmware must be running
 * @sdev: the device
 */
void snpu_engine_hw_init(struct snpu_device *sdev)
{
	u32 i;

	snpu_mmu_hw_init(sdev);
	for (i = 0; i < sdev->hw.num_queues; i++)
		snpu_queue_hw_init(&sdev->queues[i]);
	snpu_wr(sdev, SNPU_REG_IRQ_STATUS, ~0u);
	snpu_wr(sdev, SNPU_REG_IRQ_MASK, 0);
}

/**
 * snpu_engine_start - boot the firmware again and program MMU and rings;
 * the device must be freshly reset
 * @sdev: the device
 */
int snpu_engine_start(struct snpu_device *sdev)
{
	int ret = snpu_fw_start(sdev);

	if (!ret)
		snpu_engine_hw_init(sdev);
	return ret;
}

/*
 * The schedulers go with the DRM device, after the last file closed: an
 * unbound device may still have open files whose entities use them.
 */
static void snpu_sched_fini(struct drm_device *drm, void *arg)
{
	struct snpu_device *sdev = to_snpu_device(drm);
	u32 i;

	for (i = 0; i < sdev->hw.num_queues; i++)
		drm_sched_fini(&sdev->queues[i].sched);
	destroy_workqueue(sdev->reset_wq);
}

/**
 * snpu_job_init - one scheduler per queue, for the DRM device's lifetime
 * @sdev: the device, queues allocated
 */
int snpu_job_init(struct snpu_device *sdev)
{
	struct snpu_queue *q;
	u32 i;
	int ret;

	sdev->reset_wq = alloc_ordered_workqueue("snpu-reset", 0);
	if (!sdev->reset_wq)
		return -ENOMEM;

	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = &sdev->queues[i];
		ret = drm_sched_init(&q->sched, &snpu_sched_ops, NULL, DRM_SCHED_PRIORITY_COUNT,
				     SNPU_RING_ENTRIES, 0, msecs_to_jiffies(job_timeout_ms),
				     sdev->reset_wq, NULL, q->name, sdev->drm.dev);
		if (ret) {
			dev_err(&sdev->pdev->dev, "cannot create the scheduler of queue %u: %d\n",
				i, ret);
			while (i--)
				drm_sched_fini(&sdev->queues[i].sched);
			destroy_workqueue(sdev->reset_wq);
			return ret;
		}
	}
	return drmm_add_action_or_reset(&sdev->drm, snpu_sched_fini, NULL);
}

/**
 * snpu_job_stop - at removal: the device is quiesced and the jobs still on
 * the rings fail; jobs submitted later fail in run_job (drm_dev_enter)
 * @sdev: the device
 */
void snpu_job_stop(struct snpu_device *sdev)
{
	struct drm_gpu_scheduler *sched;
	unsigned long deadline;
	bool idle;
	u32 i;

	snpu_wr(sdev, SNPU_REG_IRQ_MASK, ~0u);
	snpu_device_reset(sdev);
	for (i = 0; i < sdev->hw.num_queues; i++)
		snpu_queue_cancel(&sdev->queues[i], -ENODEV);

	/* drm_sched_fini() does not free pending jobs: let the scheduler free them. */
	deadline = jiffies + msecs_to_jiffies(2000);
	for (i = 0; i < sdev->hw.num_queues; i++) {
		sched = &sdev->queues[i].sched;
		do {
			spin_lock(&sched->job_list_lock);
			idle = list_empty(&sched->pending_list);
			spin_unlock(&sched->job_list_lock);
			if (!idle)
				usleep_range(500, 1000);
		} while (!idle && time_before(jiffies, deadline));
	}
}

/* ---- Per file --------------------------------------------------------------------- */

int snpu_file_jobs_init(struct snpu_file *sfile)
{
	sfile->entities = kcalloc(sfile->sdev->hw.num_queues * SNPU_NUM_PRIOS,
				  sizeof(*sfile->entities), GFP_KERNEL);
	if (!sfile->entities)
		return -ENOMEM;
	mutex_init(&sfile->lock);
	xa_init(&sfile->results);
	sfile->next_job_id = 1;
	return 0;
}

void snpu_file_jobs_fini(struct snpu_file *sfile)
{
	struct snpu_job_result *res;
	unsigned long id;
	u32 i;

	for (i = 0; i < sfile->sdev->hw.num_queues * SNPU_NUM_PRIOS; i++) {
		if (!sfile->entities[i])
			continue;
		drm_sched_entity_destroy(sfile->entities[i]);
		kfree(sfile->entities[i]);
	}
	kfree(sfile->entities);
	xa_for_each(&sfile->results, id, res)
		snpu_result_put(res);
	xa_destroy(&sfile->results);
	mutex_destroy(&sfile->lock);
}

static struct drm_sched_entity *snpu_file_entity(struct snpu_file *sfile, u32 queue, u32 prio)
{
	struct drm_gpu_scheduler *sched = &sfile->sdev->queues[queue].sched;
	struct drm_sched_entity **slot = &sfile->entities[queue * SNPU_NUM_PRIOS + prio];
	struct drm_sched_entity *entity;
	int ret;

	guard(mutex)(&sfile->lock);
	if (*slot)
		return *slot;
	entity = kzalloc(sizeof(*entity), GFP_KERNEL);
	if (!entity)
		return ERR_PTR(-ENOMEM);
	ret = drm_sched_entity_init(entity, snpu_sched_prio[prio], &sched, 1, NULL);
	if (ret) {
		kfree(entity);
		return ERR_PTR(ret);
	}
	*slot = entity;
	return entity;
}

/* ---- SUBMIT ---------------------------------------------------------------------- */

struct snpu_out_sync {
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;
	u64 point;
};

/* Copy element i of a user array of elements of usize bytes. */
static int snpu_copy_elem(void *dst, size_t ksize, u64 array, u32 i, u32 usize)
{
	int ret = copy_struct_from_user(dst, ksize, u64_to_user_ptr(array + (u64)i * usize),
					usize);

	return ret == -E2BIG ? -EINVAL : ret;
}

static int snpu_elem_size_ok(u32 count, u32 usize, size_t ksize)
{
	return !count || (usize >= ksize && usize <= SNPU_MAX_ELEM_SIZE);
}

/* Look up the BO refs; fill the VA ranges the job may touch. */
static int snpu_submit_refs(struct snpu_job *job, struct drm_file *file,
			    const struct drm_snpu_submit *args, struct snpu_va_range *ranges)
{
	struct snpu_device *sdev = job->sdev;
	struct drm_snpu_bo_ref ref;
	struct snpu_bo_map *map;
	u32 i;
	int ret;

	job->bos = kvcalloc(args->bo_count, sizeof(*job->bos), GFP_KERNEL);
	job->bo_write = kvcalloc(args->bo_count, sizeof(*job->bo_write), GFP_KERNEL);
	if (!job->bos || !job->bo_write)
		return -ENOMEM;

	for (i = 0; i < args->bo_count; i++) {
		ret = snpu_copy_elem(&ref, sizeof(ref), args->bo_refs, i, args->bo_ref_size);
		if (ret)
			return ret;
		if (!ref.flags || ref.flags & ~(DRM_SNPU_BO_REF_READ | DRM_SNPU_BO_REF_WRITE))
			return -EINVAL;
		job->bos[i] = drm_gem_object_lookup(file, ref.handle);
		if (!job->bos[i])
			return -ENOENT;
		job->bo_count = i + 1;
		job->bo_write[i] = ref.flags & DRM_SNPU_BO_REF_WRITE;

		mutex_lock(&sdev->mm_lock);
		map = snpu_bo_find_map_locked(to_snpu_bo(job->bos[i]), job->vm);
		if (map) {
			ranges[i].start = map->node.start;
			ranges[i].end = map->node.start + map->node.size;
			ranges[i].write = job->bo_write[i] && !map->read_only;
		}
		mutex_unlock(&sdev->mm_lock);
		if (!map)
			return -EINVAL;	/* not mapped in this context */
	}

	snpu_va_ranges_sort(ranges, args->bo_count);
	for (i = 1; i < args->bo_count; i++)
		if (ranges[i].start == ranges[i - 1].start)
			return -EINVAL;	/* the same BO twice */
	return 0;
}

/*
 * The job waits for the in-sync fences through one fence array of their
 * unsignalled leaves, a fence drm_sched knows nothing of. Given the
 * fences themselves, drm_sched would start the job as soon as a job of
 * the same scheduler it depends on is merely scheduled (and ignore one of
 * its own entity): the job would reach the ring before its dependency
 * failed, and run instead of being canceled.
 */
static int snpu_submit_in_deps(struct snpu_job *job)
{
	struct dma_fence_array *array;
	struct dma_fence **fences;
	u32 i, n = 0;

	fences = kmalloc_array(job->in_fence_count, sizeof(*fences), GFP_KERNEL | __GFP_NOWARN);
	if (!fences)
		return -ENOMEM;
	for (i = 0; i < job->in_fence_count; i++)
		if (!dma_fence_is_signaled(job->in_fences[i]))
			fences[n++] = dma_fence_get(job->in_fences[i]);
	if (!n) {
		kfree(fences);
		return 0;
	}
	array = dma_fence_array_create(n, fences, dma_fence_context_alloc(1), 1, false);
	if (!array) {
		while (n--)
			dma_fence_put(fences[n]);
		kfree(fences);
		return -ENOMEM;
	}
	/* Consumes the reference, also on failure. */
	return drm_sched_job_add_dependency(&job->base, &array->base);
}

static int snpu_submit_in_syncs(struct snpu_job *job, struct drm_file *file,
				const struct drm_snpu_submit *args)
{
	struct dma_fence **syncs, *fence, *f;
	struct dma_fence_unwrap iter;
	struct drm_snpu_sync sync;
	u32 i, nsyncs = 0, n = 0;
	int ret;

	if (!args->in_sync_count)
		return 0;
	syncs = kcalloc(args->in_sync_count, sizeof(*syncs), GFP_KERNEL);
	if (!syncs)
		return -ENOMEM;
	for (i = 0; i < args->in_sync_count; i++) {
		ret = snpu_copy_elem(&sync, sizeof(sync), args->in_syncs, i, args->sync_size);
		if (ret)
			goto out;
		ret = -EINVAL;
		if (sync.flags)
			goto out;
		ret = drm_syncobj_find_fence(file, sync.handle, sync.point, 0, &fence);
		if (ret)
			goto out;
		syncs[nsyncs++] = fence;
		dma_fence_unwrap_for_each(f, &iter, fence)
			n++;
	}

	/*
	 * Signalled links of a chain may drop out meanwhile: never more
	 * leaves. (The walk must not stop early: it holds a chain reference.)
	 * A long timeline is the submitter's: no warning if it is too long.
	 */
	ret = -ENOMEM;
	job->in_fences = kcalloc(n, sizeof(*job->in_fences), GFP_KERNEL | __GFP_NOWARN);
	if (!job->in_fences)
		goto out;
	for (i = 0; i < nsyncs; i++)
		dma_fence_unwrap_for_each(f, &iter, syncs[i])
			if (job->in_fence_count < n)
				job->in_fences[job->in_fence_count++] = dma_fence_get(f);
	ret = snpu_submit_in_deps(job);
out:
	while (nsyncs--)
		dma_fence_put(syncs[nsyncs]);
	kfree(syncs);
	return ret;
}

static void snpu_out_syncs_free(struct snpu_out_sync *outs, u32 count)
{
	u32 i;

	if (!outs)
		return;
	for (i = 0; i < count; i++) {
		if (outs[i].syncobj)
			drm_syncobj_put(outs[i].syncobj);
		dma_fence_chain_free(outs[i].chain);
	}
	kfree(outs);
}

static int snpu_submit_out_syncs(struct drm_file *file, const struct drm_snpu_submit *args,
				 struct snpu_out_sync **out)
{
	struct snpu_out_sync *outs;
	struct drm_snpu_sync sync;
	u32 i;
	int ret;

	*out = NULL;
	if (!args->out_sync_count)
		return 0;
	outs = kcalloc(args->out_sync_count, sizeof(*outs), GFP_KERNEL);
	if (!outs)
		return -ENOMEM;
	*out = outs;
	for (i = 0; i < args->out_sync_count; i++) {
		ret = snpu_copy_elem(&sync, sizeof(sync), args->out_syncs, i, args->sync_size);
		if (ret)
			return ret;
		if (sync.flags)
			return -EINVAL;
		outs[i].syncobj = drm_syncobj_find(file, sync.handle);
		if (!outs[i].syncobj)
			return -ENOENT;
		outs[i].point = sync.point;
		if (sync.point) {
			outs[i].chain = dma_fence_chain_alloc();
			if (!outs[i].chain)
				return -ENOMEM;
		}
	}
	return 0;
}

static int snpu_submit_check_args(struct snpu_device *sdev, const struct drm_snpu_submit *args)
{
	if (args->flags & ~DRM_SNPU_SUBMIT_FLAGS)
		return -EINVAL;
	if (args->queue >= sdev->hw.num_queues || args->priority >= SNPU_NUM_PRIOS)
		return -EINVAL;
	if (!args->cmds_size || args->cmds_size % 8 || args->cmds_size > sdev->hw.max_cmdbuf)
		return -EINVAL;
	if (args->bo_count > SNPU_MAX_BO_REFS || args->in_sync_count > SNPU_MAX_SYNCS ||
	    args->out_sync_count > SNPU_MAX_SYNCS)
		return -EINVAL;
	if (!snpu_elem_size_ok(args->bo_count, args->bo_ref_size, sizeof(struct drm_snpu_bo_ref)) ||
	    !snpu_elem_size_ok(args->in_sync_count + args->out_sync_count, args->sync_size,
			       sizeof(struct drm_snpu_sync)))
		return -EINVAL;
	if (args->flags & DRM_SNPU_SUBMIT_PROFILE) {
		if (!args->num_profile || args->profile_va % 8 ||
		    !(sdev->fw.caps & sdev->hw.hw_caps & SNPU_CAP_PROFILE))
			return -EINVAL;
	} else if (args->num_profile || args->profile_va) {
		return -EINVAL;
	}
	if (args->priority == DRM_SNPU_PRIORITY_HIGH && !capable(CAP_SYS_NICE))
		return -EPERM;
	return 0;
}

/* Arm, push, and publish the finished fence: BOs, result table, syncobjs. */
static int snpu_submit_push(struct snpu_job *job, struct snpu_file *sfile, bool implicit,
			    struct snpu_out_sync *outs, u32 out_count, u64 *job_id)
{
	struct snpu_device *sdev = job->sdev;
	struct ww_acquire_ctx ctx;
	struct snpu_job_result *old;
	struct dma_fence *done;
	u32 i;
	int ret;

	ret = drm_gem_lock_reservations(job->bos, job->bo_count, &ctx);
	if (ret)
		return ret;
	for (i = 0; i < job->bo_count; i++) {
		ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
		if (ret)
			goto out_unlock;
		/* With NO_IMPLICIT, the job's fence still goes to the BO below. */
		if (!implicit)
			continue;
		ret = drm_sched_job_add_implicit_dependencies(&job->base, job->bos[i],
							      job->bo_write[i]);
		if (ret)
			goto out_unlock;
	}
	ret = xa_reserve(&sfile->results, sfile->next_job_id, GFP_KERNEL);
	if (ret)
		goto out_unlock;

	mutex_lock(&sdev->sched_lock);
	drm_sched_job_arm(&job->base);
	done = dma_fence_get(&job->base.s_fence->finished);
	job->res->done = dma_fence_get(done);

	mutex_lock(&sfile->lock);
	*job_id = sfile->next_job_id++;
	kref_get(&job->res->ref);
	xa_store(&sfile->results, *job_id, job->res, GFP_KERNEL);
	old = *job_id > SNPU_JOB_RESULTS ? xa_erase(&sfile->results, *job_id - SNPU_JOB_RESULTS) :
					   NULL;
	mutex_unlock(&sfile->lock);

	/*
	 * Publish the fence in the BOs and unlock them before the push: once
	 * pushed, the job may run, finish and be freed (with job->bos) at any
	 * time. The push must be the last use of the job.
	 */
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, done, job->bo_write[i] ?
				   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	drm_gem_unlock_reservations(job->bos, job->bo_count, &ctx);

	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&sdev->sched_lock);

	for (i = 0; i < out_count; i++) {
		if (outs[i].chain) {
			drm_syncobj_add_point(outs[i].syncobj, outs[i].chain, done, outs[i].point);
			outs[i].chain = NULL;
		} else {
			drm_syncobj_replace_fence(outs[i].syncobj, done);
		}
	}
	dma_fence_put(done);
	snpu_result_put(old);
	return 0;

out_unlock:
	drm_gem_unlock_reservations(job->bos, job->bo_count, &ctx);
	return ret;
}

int snpu_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct snpu_device *sdev = to_snpu_device(drm);
	struct snpu_file *sfile = file->driver_priv;
	struct drm_snpu_submit *args = data;
	struct snpu_out_sync *outs = NULL;
	struct snpu_va_range *ranges = NULL;
	struct drm_sched_entity *entity;
	const char *why = "";
	struct snpu_job *job;
	bool sched_init = false;
	u32 bad_cmd = 0;
	int idx, ret;

	ret = snpu_submit_check_args(sdev, args);
	if (ret)
		return ret;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	entity = snpu_file_entity(sfile, args->queue, args->priority);
	if (IS_ERR(entity)) {
		ret = PTR_ERR(entity);
		goto out_exit;
	}
	/* Bound what one file can pile up (each job holds up to MAX_CMDBUF). */
	if (spsc_queue_count(&entity->job_queue) >= SNPU_MAX_QUEUED) {
		ret = -EAGAIN;
		goto out_exit;
	}

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		ret = -ENOMEM;
		goto out_exit;
	}
	job->sdev = sdev;
	job->q = &sdev->queues[args->queue];
	job->vm = snpu_vm_get(sfile->vm);
	INIT_LIST_HEAD(&job->link);
	job->res = kzalloc(sizeof(*job->res), GFP_KERNEL);
	ranges = kvcalloc(args->bo_count, sizeof(*ranges), GFP_KERNEL);
	if (!job->res || (args->bo_count && !ranges)) {
		ret = -ENOMEM;
		goto out_free;
	}
	kref_init(&job->res->ref);
	job->res->status = DRM_SNPU_JOB_CANCELED;

	ret = snpu_submit_refs(job, file, args, ranges);
	if (ret)
		goto out_free;

	job->cmds_size = args->cmds_size;
	job->cmds = dma_alloc_coherent(drm->dev, job->cmds_size, &job->cmds_dma, GFP_KERNEL);
	if (!job->cmds) {
		ret = -ENOMEM;
		goto out_free;
	}
	if (copy_from_user(job->cmds, u64_to_user_ptr(args->cmds), job->cmds_size)) {
		ret = -EFAULT;
		goto out_free;
	}
	if (validate_cmds)
		ret = snpu_cmds_check(sdev, job->cmds, job->cmds_size, ranges, args->bo_count,
				      &bad_cmd, &why);
	if (!ret && validate_cmds && (args->flags & DRM_SNPU_SUBMIT_PROFILE))
		ret = snpu_va_check(sdev, ranges, args->bo_count, args->profile_va,
				    (u64)args->num_profile * sizeof(struct snpu_profile_rec), true);
	if (ret) {
		drm_dbg(drm, "submit refused: command %u: %s\n", bad_cmd, why);
		goto out_free;
	}
	if (args->flags & DRM_SNPU_SUBMIT_PROFILE) {
		job->desc_flags |= SNPU_JOB_PROFILE;
		job->num_profile = args->num_profile;
		job->profile_va = args->profile_va;
	}

	ret = drm_sched_job_init(&job->base, entity, 1, sfile);
	if (ret)
		goto out_free;
	sched_init = true;

	ret = snpu_submit_in_syncs(job, file, args);
	if (ret)
		goto out_free;
	ret = snpu_submit_out_syncs(file, args, &outs);
	if (ret)
		goto out_free;

	ret = snpu_submit_push(job, sfile, !(args->flags & DRM_SNPU_SUBMIT_NO_IMPLICIT), outs,
			       args->out_sync_count, &args->job_id);
	if (ret)
		goto out_free;
	goto out_done;	/* the scheduler owns the job now */

out_free:
	if (sched_init)
		drm_sched_job_cleanup(&job->base);
	snpu_job_free_resources(job);
out_done:
	snpu_out_syncs_free(outs, args->out_sync_count);
	kvfree(ranges);
out_exit:
	drm_dev_exit(idx);
	return ret;
}

/* ---- JOB_WAIT ---------------------------------------------------------------------- */

int snpu_ioctl_job_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct snpu_file *sfile = file->driver_priv;
	struct drm_snpu_job_wait *args = data;
	struct snpu_job_result *res;
	long timeout;
	int idx, ret = 0;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	xa_lock(&sfile->results);
	res = xa_load(&sfile->results, args->job_id);
	if (res)
		kref_get(&res->ref);
	xa_unlock(&sfile->results);
	if (!res) {
		ret = -ENOENT;
		goto out;
	}

	if (args->timeout_ns && !dma_fence_is_signaled(res->done)) {
		timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
		timeout = dma_fence_wait_timeout(res->done, true, timeout);
		if (timeout < 0) {
			ret = timeout;
			goto out_put;
		}
	}

	args->pad = 0;
	if (!dma_fence_is_signaled(res->done)) {
		args->status = DRM_SNPU_JOB_PENDING;
		args->hw_status = 0;
		args->failed_cmd = 0;
		args->fault_va = 0;
		args->pred_cycles = 0;
		args->start_ns = 0;
		args->end_ns = 0;
		args->fault_flags = 0;
		args->cmds_done = 0;
		goto out_put;
	}
	args->status = res->status;
	args->hw_status = res->hw_status;
	args->failed_cmd = res->failed_cmd;
	args->fault_va = res->fault_va;
	args->pred_cycles = res->pred_cycles;
	args->start_ns = res->start_ns;
	args->end_ns = res->end_ns;
	args->fault_flags = res->fault_flags;
	args->cmds_done = res->cmds_done;
out_put:
	snpu_result_put(res);
out:
	drm_dev_exit(idx);
	return ret;
}
