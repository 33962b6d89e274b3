// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU jobs: one drm_gpu_scheduler per hardware queue, one entity per open
 * file, queue and priority; SUBMIT, JOB_WAIT; timeouts and engine reset.
 *
 * Submit: the BOs are looked up and the command stream is copied into DMA
 * memory userspace cannot map. Then, with every BO reservation locked
 * (drm_exec), the BOs' mappings in the submitter's context are looked up
 * and the stream is validated against them, the job is armed and pushed
 * under sdev->sched_lock and its finished fence added to the BOs before
 * the locks drop: UNMAP takes the reservation lock too, so a mapping a job
 * was validated against stays until the job ends.
 *
 * Reset: the watchdog finds a queue busy without progress for a timeout
 * period, or the device stops a queue; either calls drm_sched_fault(), and
 * the scheduler's own timeout (SNPU_MAX_EXTENSIONS + 1 periods) bounds a
 * job that progresses forever. The timeout handler stops every scheduler,
 * harvests the completion records (lost interrupts are no hang), resets
 * the engine (soft reset, FLR if that fails, firmware boot, rings and MMU
 * again) and ends every job on a ring: done jobs with their result, the
 * hung one TIMEDOUT, other started ones ABORTED. Nothing runs twice: at
 * most one job per queue is on the ring (SNPU_JOBS_ON_RING); the jobs the
 * schedulers still hold run after the reset, except those queued behind
 * the hung job in its own entity (CANCELED). A context whose jobs hung
 * SNPU_BAN_HANGS times is banned. Timeouts of all queues run on one
 * ordered workqueue, so resets never overlap.
 */

#include <drm/drm_drv.h>
#include <drm/drm_exec.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>
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

#include "drm/snpu_accel.h"
#include "snpu_regs.h"
#include "snpu_ring.h"

#include "snpu_cmdcheck.h"
#include "snpu_coredump.h"
#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_firmware.h"
#include "snpu_gem.h"
#include "snpu_job.h"
#include "snpu_mmu_ctx.h"
#include "snpu_pm.h"
#include "snpu_queue.h"
#include "snpu_trace.h"

#define SNPU_TIMEOUT_MIN_MS	10
#define SNPU_TIMEOUT_MAX_MS	600000

static unsigned int job_timeout_ms = 5000;

/* 0 would be a timeout storm: every job reset at once. */
static int snpu_timeout_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (v < SNPU_TIMEOUT_MIN_MS || v > SNPU_TIMEOUT_MAX_MS)
		return -EINVAL;
	*(unsigned int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops snpu_timeout_ops = {
	.set = snpu_timeout_set,
	.get = param_get_uint,
};

module_param_cb(job_timeout_ms, &snpu_timeout_ops, &job_timeout_ms, 0444);
MODULE_PARM_DESC(job_timeout_ms,
		 "a running job without progress for this long is reset (ms, 10..600000)");

#define SNPU_NUM_PRIOS		3
#define SNPU_MAX_BO_REFS	1024
#define SNPU_MAX_SYNCS		256
#define SNPU_MAX_EXTENSIONS	10
#define SNPU_MAX_FILE_JOBS	256
#define SNPU_MAX_ELEM_SIZE	256
#define SNPU_BAN_HANGS		3

static const enum drm_sched_priority snpu_sched_prio[SNPU_NUM_PRIOS] = {
	[DRM_SNPU_PRIORITY_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
	[DRM_SNPU_PRIORITY_LOW] = DRM_SCHED_PRIORITY_LOW,
	[DRM_SNPU_PRIORITY_HIGH] = DRM_SCHED_PRIORITY_HIGH,
};

/* A file's entity: the scheduler's, and the stream of its jobs. */
struct snpu_entity {
	struct drm_sched_entity base;
	struct snpu_stream *stream;
};

static void snpu_stream_release(struct kref *ref)
{
	kfree(container_of(ref, struct snpu_stream, ref));
}

static void snpu_stream_put(struct snpu_stream *stream)
{
	if (stream)
		kref_put(&stream->ref, snpu_stream_release);
}

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

/*
 * The command copy is DMA memory of the device: on sdev->cmds_jobs from its
 * allocation until freed, with the job or at removal, whichever is first.
 */
static int snpu_job_cmds_alloc(struct snpu_job *job)
{
	struct snpu_device *sdev = job->sdev;

	job->cmds = dma_alloc_coherent(sdev->drm.dev, job->cmds_size, &job->cmds_dma,
				       GFP_KERNEL_ACCOUNT);
	if (!job->cmds)
		return -ENOMEM;
	mutex_lock(&sdev->cmds_lock);
	list_add_tail(&job->cmds_link, &sdev->cmds_jobs);
	mutex_unlock(&sdev->cmds_lock);
	return 0;
}

static void snpu_job_cmds_free_locked(struct snpu_job *job)
{
	struct snpu_device *sdev = job->sdev;

	lockdep_assert_held(&sdev->cmds_lock);
	if (!job->cmds)
		return;
	list_del(&job->cmds_link);
	dma_free_coherent(sdev->drm.dev, job->cmds_size, job->cmds, job->cmds_dma);
	job->cmds = NULL;
}

/**
 * snpu_job_unplug - at removal, once the device is quiesced: free the
 * command copy of every job (jobs of files still open live on without it;
 * none reaches the device again: run_job fails them)
 * @sdev: the device
 */
void snpu_job_unplug(struct snpu_device *sdev)
{
	struct snpu_job *job, *tmp;

	mutex_lock(&sdev->cmds_lock);
	list_for_each_entry_safe(job, tmp, &sdev->cmds_jobs, cmds_link)
		snpu_job_cmds_free_locked(job);
	mutex_unlock(&sdev->cmds_lock);
}

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
	mutex_lock(&job->sdev->cmds_lock);
	snpu_job_cmds_free_locked(job);
	mutex_unlock(&job->sdev->cmds_lock);
	if (job->hw_fence_init)
		dma_fence_put(job->hw_fence);
	else
		kfree(job->hw_fence);
	snpu_stream_put(job->stream);
	if (job->pm_ref)
		snpu_pm_put(job->sdev);
	atomic_dec(&job->vm->queued);
	snpu_vm_put(job->vm);
	snpu_result_put(job->res);
	kfree(job);
}

/* ---- Scheduler backend ------------------------------------------------------------ */

/* Why a job that reached the front of its entity must not run, or NULL. */
static bool snpu_job_canceled(struct snpu_job *job)
{
	u32 i;

	/* Its in-syncs all signalled: it waited for them whole. */
	for (i = 0; i < job->in_fence_count; i++)
		if (job->in_fences[i]->error)
			return true;
	/* Queued behind a job of its stream that hung, or its context is banned. */
	return job->stream_seq <= atomic64_read(&job->stream->cancel_upto) ||
	       READ_ONCE(job->vm->banned);
}

static struct dma_fence *snpu_sched_run_job(struct drm_sched_job *sched_job)
{
	struct snpu_job *job = to_snpu_job(sched_job);
	struct snpu_device *sdev = job->sdev;
	struct dma_fence *fence;
	bool cookie;
	int idx;

	/* Its entity was killed (the file closed). */
	if (unlikely(sched_job->s_fence->finished.error))
		return NULL;
	if (snpu_job_canceled(job)) {
		job->res->status = DRM_SNPU_JOB_CANCELED;
		return ERR_PTR(-ECANCELED);
	}
	if (!drm_dev_enter(&sdev->drm, &idx))
		return ERR_PTR(-ENODEV);
	cookie = dma_fence_begin_signalling();
	if (READ_ONCE(sdev->dead))
		fence = ERR_PTR(-EIO);
	else
		fence = snpu_queue_push(job->q, job);
	dma_fence_end_signalling(cookie);
	drm_dev_exit(idx);
	if (!IS_ERR(fence))
		queue_delayed_work(system_wq, &sdev->watchdog, msecs_to_jiffies(job_timeout_ms));
	return fence;
}

static bool snpu_job_hw_done(struct snpu_job *job)
{
	struct dma_fence *parent = job->base.s_fence->parent;

	return parent && dma_fence_is_signaled(parent);
}

/* A hung job: cancel what its stream queued behind it, count it to its context. */
static void snpu_job_blame(struct snpu_job *bad)
{
	atomic64_set(&bad->stream->cancel_upto, atomic64_read(&bad->stream->submitted));
	if (atomic_inc_return(&bad->vm->hangs) >= SNPU_BAN_HANGS && !bad->vm->banned) {
		WRITE_ONCE(bad->vm->banned, true);
		dev_warn(&bad->sdev->pdev->dev,
			 "context %u banned after %u hangs: its jobs are canceled\n", bad->vm->id,
			 SNPU_BAN_HANGS);
	}
}

/*
 * Stop every scheduler and the device, end every job on a ring, restart
 * (unless removing). bad: the job a timeout is for, or NULL. Returns
 * whether the engine was reset (false: bad had finished after all).
 */
static bool snpu_engine_reset(struct snpu_device *sdev, struct snpu_job *bad, bool removing)
{
	bool reset = true, entered, cookie;
	struct snpu_queue *q;
	size_t dump_len = 0;
	void *dump = NULL;
	int idx, ret = 0;
	u32 i;

	mutex_lock(&sdev->reset_lock);
	for (i = 0; i < sdev->hw.num_queues; i++)
		drm_sched_wqueue_stop(&sdev->queues[i].sched);
	entered = drm_dev_enter(&sdev->drm, &idx);
	if (!entered)
		removing = true;	/* snpu_remove() is on its way here */
	cookie = dma_fence_begin_signalling();

	if (!sdev->stopped) {
		snpu_wr(sdev, SNPU_REG_IRQ_MASK, ~0u);
		for (i = 0; i < sdev->hw.num_queues; i++) {
			synchronize_irq(sdev->queues[i].irq);
			/* A lost interrupt is not a hang. */
			snpu_queue_process(&sdev->queues[i]);
		}
		if (bad && !removing && snpu_job_hw_done(bad)) {
			reset = false;
			snpu_wr(sdev, SNPU_REG_IRQ_MASK, 0);
		}
	}

	if (reset && !sdev->stopped) {
		if (bad) {
			snpu_job_blame(bad);
			dump = snpu_coredump(sdev, bad, &dump_len);
			/*
			 * dev_coredumpm() allocates with GFP_KERNEL: outside the
			 * signalling annotation, but before any fence of this
			 * reset signals (the dump exists once the hung job
			 * reports TIMEDOUT). Still inside drm_dev_enter():
			 * snpu_coredump_fini() comes after.
			 */
			if (dump && entered) {
				dma_fence_end_signalling(cookie);
				snpu_coredump_publish(sdev, dump, dump_len);
				cookie = dma_fence_begin_signalling();
			} else {
				kfree(dump);
			}
		}
		ret = snpu_device_reset(sdev);
		if (ret) {
			/*
			 * The FLR's pci_restore_state() takes this function's
			 * MSI descriptor mutex, which MSI-X setup holds around
			 * GFP_KERNEL allocations. For this device that setup
			 * runs only in probe and resume, never beside its
			 * reset, so lockdep's fence -> mutex -> reclaim chain
			 * (found by make check-debug) runs through other
			 * devices' instances of the lock class. Like the
			 * coredump above, the FLR runs outside the annotation,
			 * before any fence of this reset signals.
			 */
			dma_fence_end_signalling(cookie);
			ret = snpu_device_flr(sdev);
			cookie = dma_fence_begin_signalling();
		}
		/* Counted before the aborted jobs' fences signal: their waiters see it. */
		if (!removing)
			atomic_inc(&sdev->resets);
		for (i = 0; i < sdev->hw.num_queues; i++)
			snpu_queue_abort(&sdev->queues[i], bad, removing);
		if (removing) {
			sdev->stopped = true;
		} else {
			if (!ret && !sdev->dead)
				ret = snpu_engine_start(sdev);
			if (ret && !sdev->dead) {
				WRITE_ONCE(sdev->dead, true);
				dev_err(&sdev->pdev->dev, "engine did not come back from a reset (%d)\n",
					ret);
			}
		}
	}
	dma_fence_end_signalling(cookie);
	if (entered)
		drm_dev_exit(idx);
	trace_snpu_engine_reset(bad ? (int)bad->q->index : -1, bad ? bad->seqno : 0, reset);

	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = &sdev->queues[i];
		if (bad && bad->q == q) {
			/* Puts bad back on the pending list, frees the ended jobs. */
			drm_sched_stop(&q->sched, &bad->base);
			drm_sched_start(&q->sched);
		} else if (!sdev->sched_paused) {
			drm_sched_wqueue_start(&q->sched);
		}
		/* System sleep paused them: no job reaches the device until resume. */
		if (sdev->sched_paused)
			drm_sched_wqueue_stop(&q->sched);
	}
	mutex_unlock(&sdev->reset_lock);
	return reset;
}

/**
 * snpu_engine_recover - reset and restart the engine (after a PCI error):
 * the jobs on the rings fail, queued ones run afterwards
 * @sdev: the device
 */
void snpu_engine_recover(struct snpu_device *sdev)
{
	snpu_engine_reset(sdev, NULL, false);
}

static enum drm_gpu_sched_stat snpu_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct snpu_job *job = to_snpu_job(sched_job);
	struct snpu_device *sdev = job->sdev;
	struct snpu_queue *q = job->q;
	u32 progress = 0, status = 0, error = 0;
	int idx;

	/* BAR0 is unmapped once remove returned. */
	if (drm_dev_enter(&sdev->drm, &idx)) {
		progress = snpu_rd(sdev, SNPU_REG_QUEUE(q->index, SNPU_QREG_PROGRESS));
		status = snpu_rd(sdev, SNPU_REG_QUEUE(q->index, SNPU_QREG_STATUS));
		error = snpu_rd(sdev, SNPU_REG_QUEUE(q->index, SNPU_QREG_ERROR));
		drm_dev_exit(idx);
	}
	if (snpu_engine_reset(sdev, job, false)) {
		atomic_inc(&sdev->timeouts);
		dev_err(&sdev->pdev->dev,
			"queue %u: job %llu of context %u hung (STATUS 0x%x, ERROR %u, command %u): engine reset\n",
			q->index, job->seqno, job->vm->id, status, error, progress);
	}
	return drm_dev_is_unplugged(&sdev->drm) ? DRM_GPU_SCHED_STAT_ENODEV :
						  DRM_GPU_SCHED_STAT_NOMINAL;
}

static void snpu_sched_free_job(struct drm_sched_job *sched_job)
{
	struct snpu_job *job = to_snpu_job(sched_job);

	snpu_queue_forget(job);
	drm_sched_job_cleanup(sched_job);
	snpu_job_free_resources(job);
}

/*
 * Every period while jobs are on a ring: a queue that is busy with the
 * same job and made no progress since the last look has hung.
 */
static void snpu_watchdog(struct work_struct *work)
{
	struct snpu_device *sdev = container_of(to_delayed_work(work), struct snpu_device,
						watchdog);
	struct snpu_queue *q;
	u32 i, status, progress;
	bool busy = false;
	u64 seqno;
	int idx;

	if (!drm_dev_enter(&sdev->drm, &idx))
		return;
	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = &sdev->queues[i];
		seqno = snpu_queue_running_seqno(q);
		if (!seqno) {
			q->watch_seqno = 0;
			continue;
		}
		busy = true;
		status = snpu_rd(sdev, SNPU_REG_QUEUE(i, SNPU_QREG_STATUS));
		progress = snpu_rd(sdev, SNPU_REG_QUEUE(i, SNPU_QREG_PROGRESS));
		if ((status & SNPU_QSTAT_STOPPED) ||
		    ((status & SNPU_QSTAT_BUSY) && seqno == q->watch_seqno &&
		     progress == q->watch_progress))
			drm_sched_fault(&q->sched);
		q->watch_seqno = seqno;
		q->watch_progress = progress;
	}
	if (busy)
		queue_delayed_work(system_wq, &sdev->watchdog, msecs_to_jiffies(job_timeout_ms));
	drm_dev_exit(idx);
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
	cancel_delayed_work_sync(&sdev->watchdog);
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

	INIT_LIST_HEAD(&sdev->cmds_jobs);
	ret = drmm_mutex_init(&sdev->drm, &sdev->cmds_lock);
	if (ret)
		return ret;
	sdev->reset_wq = alloc_ordered_workqueue("snpu-reset", 0);
	if (!sdev->reset_wq)
		return -ENOMEM;
	INIT_DELAYED_WORK(&sdev->watchdog, snpu_watchdog);

	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = &sdev->queues[i];
		ret = drm_sched_init(&q->sched, &snpu_sched_ops, NULL, DRM_SCHED_PRIORITY_COUNT,
				     SNPU_JOBS_ON_RING, 0,
				     msecs_to_jiffies(job_timeout_ms) * (SNPU_MAX_EXTENSIONS + 1),
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

	cancel_delayed_work_sync(&sdev->watchdog);
	snpu_engine_reset(sdev, NULL, true);
	/* A run_job that was under way may have armed it again. */
	cancel_delayed_work_sync(&sdev->watchdog);

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

/*
 * fdinfo (Documentation/gpu/drm-usage-stats.rst): per hardware queue the
 * device time this file's jobs ran, its BOs' memory, and its page tables.
 */
void snpu_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct snpu_file *sfile = file->driver_priv;
	struct snpu_device *sdev = sfile->sdev;
	struct snpu_vm *vm = snpu_file_vm_peek(sfile);
	u32 i, pt_pages = 0;

	/* A file without a context yet: every value is 0. */
	for (i = 0; i < sdev->hw.num_queues; i++)
		drm_printf(p, "drm-engine-q%u:\t%llu ns\n", i,
			   vm ? (u64)atomic64_read(&vm->busy_ns[i]) : 0);
	drm_show_memory_stats(p, file);
	if (vm)	/* statistics: no need to wait behind a page-table build */
		pt_pages = READ_ONCE(vm->pt_pages);
	drm_printf(p, "snpu-context:\t%u\n", vm ? vm->id : 0);
	drm_printf(p, "snpu-pagetable-pages:\t%u\n", pt_pages);
	drm_printf(p, "snpu-jobs-queued:\t%d\n", vm ? atomic_read(&vm->queued) : 0);
	drm_printf(p, "snpu-jobs-done:\t%llu\n", vm ? (u64)atomic64_read(&vm->jobs_done) : 0);
	drm_printf(p, "snpu-hangs:\t%d\n", vm ? atomic_read(&vm->hangs) : 0);
	drm_printf(p, "snpu-banned:\t%d\n", vm ? READ_ONCE(vm->banned) : 0);
}

int snpu_file_jobs_init(struct snpu_file *sfile)
{
	sfile->entities = kcalloc(sfile->sdev->hw.num_queues * SNPU_NUM_PRIOS,
				  sizeof(*sfile->entities), GFP_KERNEL_ACCOUNT);
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
		drm_sched_entity_destroy(&sfile->entities[i]->base);
		snpu_stream_put(sfile->entities[i]->stream);
		kfree(sfile->entities[i]);
	}
	kfree(sfile->entities);
	xa_for_each(&sfile->results, id, res)
		snpu_result_put(res);
	xa_destroy(&sfile->results);
	mutex_destroy(&sfile->lock);
}

static struct snpu_entity *snpu_file_entity(struct snpu_file *sfile, u32 queue, u32 prio)
{
	struct drm_gpu_scheduler *sched = &sfile->sdev->queues[queue].sched;
	struct snpu_entity **slot = &sfile->entities[queue * SNPU_NUM_PRIOS + prio];
	struct snpu_entity *entity;
	int ret;

	guard(mutex)(&sfile->lock);
	if (*slot)
		return *slot;
	entity = kzalloc(sizeof(*entity), GFP_KERNEL_ACCOUNT);
	if (!entity)
		return ERR_PTR(-ENOMEM);
	entity->stream = kzalloc(sizeof(*entity->stream), GFP_KERNEL_ACCOUNT);
	if (!entity->stream) {
		kfree(entity);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&entity->stream->ref);
	ret = drm_sched_entity_init(&entity->base, snpu_sched_prio[prio], &sched, 1, NULL);
	if (ret) {
		kfree(entity->stream);
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

/* Look up the BOs of the BO refs (their mappings are looked up locked). */
static int snpu_submit_bos(struct snpu_job *job, struct drm_file *file,
			   const struct drm_snpu_submit *args)
{
	struct drm_snpu_bo_ref ref;
	u32 i;
	int ret;

	job->bos = kvcalloc(args->bo_count, sizeof(*job->bos), GFP_KERNEL_ACCOUNT);
	job->bo_write = kvcalloc(args->bo_count, sizeof(*job->bo_write), GFP_KERNEL_ACCOUNT);
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
	}
	return 0;
}

/*
 * With the BOs' reservations locked: the VA ranges the job may touch, from
 * the BOs' mappings in its context. UNMAP needs the reservation lock too,
 * and refuses while the job's fence (added before the locks drop) is
 * pending: these mappings stay as long as the job may use them.
 */
static int snpu_submit_ranges(struct snpu_job *job, struct snpu_va_range *ranges)
{
	struct snpu_bo_map *map;
	u32 i;

	for (i = 0; i < job->bo_count; i++) {
		dma_resv_assert_held(job->bos[i]->resv);
		map = snpu_bo_find_map_locked(to_snpu_bo(job->bos[i]), job->vm);
		if (!map)
			break;	/* not mapped in this context */
		ranges[i].start = map->node.start;
		ranges[i].end = map->node.start + map->node.size;
		ranges[i].write = job->bo_write[i] && !map->read_only;
	}
	if (i < job->bo_count)
		return -EINVAL;

	snpu_va_ranges_sort(ranges, job->bo_count);
	for (i = 1; i < job->bo_count; i++)
		if (ranges[i].start == ranges[i - 1].start)
			return -EINVAL;	/* the same BO twice */
	return 0;
}

/* Check every command and the profile records against the ranges. */
static int snpu_submit_validate(struct snpu_job *job, const struct drm_snpu_submit *args,
				struct snpu_va_range *ranges)
{
	struct snpu_device *sdev = job->sdev;
	const char *why = "";
	u32 bad_cmd = 0;
	int ret;

	ret = snpu_cmds_check(sdev, job->cmds, job->cmds_size, ranges, job->bo_count,
			      &bad_cmd, &why);
	if (!ret && (args->flags & DRM_SNPU_SUBMIT_PROFILE))
		ret = snpu_va_check(sdev, ranges, job->bo_count, args->profile_va,
				    (u64)args->num_profile * sizeof(struct snpu_profile_rec), true);
	if (ret)
		drm_dbg(&sdev->drm, "submit refused: command %u: %s\n", bad_cmd, why);
	return ret;
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

/*
 * Lock the BOs' reservations, check the job against its mappings, arm and
 * push it, and publish its finished fence: BOs, result table, syncobjs.
 */
static int snpu_submit_push(struct snpu_job *job, struct snpu_file *sfile,
			    const struct drm_snpu_submit *args, struct snpu_va_range *ranges,
			    struct snpu_out_sync *outs, u64 *job_id)
{
	bool implicit = !(args->flags & DRM_SNPU_SUBMIT_NO_IMPLICIT);
	struct snpu_device *sdev = job->sdev;
	struct snpu_job_result *old;
	struct dma_fence *done;
	struct drm_exec exec;
	u32 i;
	u64 id;
	int ret;

	drm_exec_init(&exec, DRM_EXEC_INTERRUPTIBLE_WAIT, job->bo_count);
	drm_exec_until_all_locked(&exec) {
		ret = drm_exec_prepare_array(&exec, job->bos, job->bo_count, 1);
		drm_exec_retry_on_contention(&exec);
		if (ret == -EALREADY)
			ret = -EINVAL;	/* the same BO twice */
		if (ret)
			goto out_fini;
	}
	ret = snpu_submit_ranges(job, ranges);
	if (!ret)
		ret = snpu_submit_validate(job, args, ranges);
	if (ret)
		goto out_fini;
	/* With NO_IMPLICIT, the job's fence still goes to the BOs below. */
	for (i = 0; implicit && i < job->bo_count; i++) {
		ret = drm_sched_job_add_implicit_dependencies(&job->base, job->bos[i],
							      job->bo_write[i]);
		if (ret)
			goto out_fini;
	}

	/* The id and its result slot, before arming: nothing fails after. */
	mutex_lock(&sfile->lock);
	id = sfile->next_job_id;
	ret = xa_reserve(&sfile->results, id, GFP_KERNEL_ACCOUNT);
	if (!ret)
		sfile->next_job_id++;
	mutex_unlock(&sfile->lock);
	if (ret)
		goto out_fini;

	mutex_lock(&sdev->sched_lock);
	drm_sched_job_arm(&job->base);
	done = dma_fence_get(&job->base.s_fence->finished);
	job->res->done = dma_fence_get(done);
	job->stream_seq = atomic64_inc_return(&job->stream->submitted);

	kref_get(&job->res->ref);
	/* A reserved slot needs no memory: this cannot fail. */
	WARN_ON_ONCE(xa_is_err(xa_store(&sfile->results, id, job->res, GFP_NOWAIT)));
	old = id > SNPU_JOB_RESULTS ? xa_erase(&sfile->results, id - SNPU_JOB_RESULTS) : NULL;
	*job_id = id;

	/*
	 * Publish the fence in the BOs and unlock them before the push: once
	 * pushed, the job may run, finish and be freed (with job->bos) at any
	 * time. The push must be the last use of the job.
	 */
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, done, job->bo_write[i] ?
				   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	drm_exec_fini(&exec);

	trace_snpu_job_submit(job->vm->id, job->q->index, args->priority, id, job->cmds_size);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&sdev->sched_lock);

	for (i = 0; i < args->out_sync_count; i++) {
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

out_fini:
	drm_exec_fini(&exec);
	return ret;
}

int snpu_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct snpu_device *sdev = to_snpu_device(drm);
	struct snpu_file *sfile = file->driver_priv;
	struct drm_snpu_submit *args = data;
	struct snpu_out_sync *outs = NULL;
	struct snpu_va_range *ranges = NULL;
	struct snpu_entity *entity;
	struct snpu_job *job;
	struct snpu_vm *vm;
	bool sched_init = false;
	int idx, ret;

	ret = snpu_submit_check_args(sdev, args);
	if (ret)
		return ret;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	if (READ_ONCE(sdev->dead)) {
		ret = -EIO;
		goto out_exit;
	}
	vm = snpu_file_vm(sfile);
	if (IS_ERR(vm)) {
		ret = PTR_ERR(vm);
		goto out_exit;
	}
	if (READ_ONCE(vm->banned)) {
		ret = -ECANCELED;
		goto out_exit;
	}

	entity = snpu_file_entity(sfile, args->queue, args->priority);
	if (IS_ERR(entity)) {
		ret = PTR_ERR(entity);
		goto out_exit;
	}
	/* Bound what one file can pile up (each job holds up to MAX_CMDBUF). */
	if (atomic_inc_return(&vm->queued) > SNPU_MAX_FILE_JOBS) {
		atomic_dec(&vm->queued);
		ret = -EAGAIN;
		goto out_exit;
	}

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job) {
		atomic_dec(&vm->queued);
		ret = -ENOMEM;
		goto out_exit;
	}
	job->sdev = sdev;
	job->q = &sdev->queues[args->queue];
	job->vm = snpu_vm_get(vm);	/* with its count in vm->queued */
	kref_get(&entity->stream->ref);
	job->stream = entity->stream;
	INIT_LIST_HEAD(&job->link);
	/* run_job allocates nothing: the hardware fence is allocated here. */
	job->hw_fence = kzalloc(sizeof(*job->hw_fence), GFP_KERNEL_ACCOUNT);
	job->res = kzalloc(sizeof(*job->res), GFP_KERNEL_ACCOUNT);
	ranges = kvcalloc(args->bo_count, sizeof(*ranges), GFP_KERNEL_ACCOUNT);
	if (!job->hw_fence || !job->res || (args->bo_count && !ranges)) {
		ret = -ENOMEM;
		goto out_free;
	}
	kref_init(&job->res->ref);
	job->res->status = DRM_SNPU_JOB_CANCELED;
	job->res->hw_status = SNPU_ERR_ABORTED;

	/* The device stays awake while the job exists. */
	ret = snpu_pm_get(sdev);
	if (ret)
		goto out_free;
	job->pm_ref = true;

	ret = snpu_submit_bos(job, file, args);
	if (ret)
		goto out_free;

	job->cmds_size = args->cmds_size;
	ret = snpu_job_cmds_alloc(job);
	if (ret)
		goto out_free;
	if (copy_from_user(job->cmds, u64_to_user_ptr(args->cmds), job->cmds_size)) {
		ret = -EFAULT;
		goto out_free;
	}
	if (args->flags & DRM_SNPU_SUBMIT_PROFILE) {
		job->desc_flags |= SNPU_JOB_PROFILE;
		job->num_profile = args->num_profile;
		job->profile_va = args->profile_va;
	}

	ret = drm_sched_job_init(&job->base, &entity->base, 1, sfile);
	if (ret)
		goto out_free;
	sched_init = true;

	ret = snpu_submit_in_syncs(job, file, args);
	if (ret)
		goto out_free;
	ret = snpu_submit_out_syncs(file, args, &outs);
	if (ret)
		goto out_free;

	ret = snpu_submit_push(job, sfile, args, ranges, outs, &args->job_id);
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

	if (args->timeout_ns < 0)
		return -EINVAL;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	xa_lock(&sfile->results);
	res = xa_load(&sfile->results, args->job_id);
	if (res)
		kref_get(&res->ref);
	xa_unlock(&sfile->results);
	/*
	 * The result holds its fence: wait outside the drm_dev_enter()
	 * section, or drm_dev_unplug() in remove would wait for every
	 * sleeping waiter, and remove is what signals their fences.
	 */
	drm_dev_exit(idx);
	if (!res)
		return -ENOENT;

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
	return ret;
}
