// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU hardware queues (uapi/snpu_ring.h).
 *
 * The driver owns each queue's ring of SNPU_RING_ENTRIES descriptors and a
 * completion record per ring slot. The scheduler never has more jobs on a
 * queue than ring entries (its credit limit), so a slot is reused only
 * after its job completed. Completion: the device writes the record (done
 * flag last) and sends the queue's MSI-X vector; the handler walks the
 * in-flight jobs in order and signals their hardware fences. Nothing here
 * sleeps in the interrupt path.
 */

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "drm/snpu_accel.h"
#include "snpu_regs.h"
#include "snpu_ring.h"

#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_job.h"
#include "snpu_mmu_ctx.h"
#include "snpu_queue.h"
#include "snpu_trace.h"

static_assert(sizeof(struct snpu_job_desc) == 64);
static_assert(sizeof(struct snpu_completion) == 64);

static const char *snpu_fence_driver_name(struct dma_fence *fence)
{
	return "snpu";
}

static const char *snpu_fence_timeline_name(struct dma_fence *fence)
{
	return "snpu-queue";
}

static const struct dma_fence_ops snpu_fence_ops = {
	.get_driver_name = snpu_fence_driver_name,
	.get_timeline_name = snpu_fence_timeline_name,
};

static u32 snpu_qrd(struct snpu_queue *q, u32 reg)
{
	return snpu_rd(q->sdev, SNPU_REG_QUEUE(q->index, reg));
}

static void snpu_qwr(struct snpu_queue *q, u32 reg, u32 val)
{
	snpu_wr(q->sdev, SNPU_REG_QUEUE(q->index, reg), val);
}

/*
 * Take a job off the ring and signal its hardware fence. The signal may
 * let the scheduler free the job at once (free_job runs without q->lock
 * and drops job->hw_fence if still set): the job is not touched after it,
 * and its reference to the fence is taken out of it before.
 */
static void snpu_job_complete_locked(struct snpu_job *job, int error)
{
	struct dma_fence *fence = job->hw_fence;

	lockdep_assert_held(&job->q->lock);
	trace_snpu_job_complete(job->q->index, job->seqno, job->res->status, job->res->hw_status,
				error);
	job->hw_fence = NULL;
	list_del_init(&job->link);
	if (error)
		dma_fence_set_error(fence, error);
	dma_fence_signal_locked(fence);
	dma_fence_put(fence);
}

/*
 * Record a job's completion in its result; the fence error goes with it.
 * bad: the job a reset is for (an ABORTED record is its TIMEDOUT).
 */
static int snpu_job_record(struct snpu_job *job, const struct snpu_completion *c,
			   const struct snpu_job *bad)
{
	struct snpu_job_result *res = job->res;

	res->hw_status = c->status;
	res->failed_cmd = c->failed_cmd;
	res->fault_va = c->fault_va;
	res->pred_cycles = c->pred_cycles;
	res->start_ns = c->start_ns;
	res->end_ns = c->end_ns;
	res->fault_flags = c->fault_flags;
	res->cmds_done = c->cmds_done;
	switch (c->status) {
	case SNPU_OK:
		res->status = DRM_SNPU_JOB_DONE;
		return 0;
	case SNPU_ERR_MMU_FAULT:
	case SNPU_ERR_MMU_PERM:
		res->status = DRM_SNPU_JOB_FAULTED;
		atomic_inc(&job->vm->faults);
		return -EFAULT;
	case SNPU_ERR_ABORTED:
		/* Stopped by a reset after it started: never run again. */
		if (job == bad) {
			res->status = DRM_SNPU_JOB_TIMEDOUT;
			return -ETIMEDOUT;
		}
		res->status = DRM_SNPU_JOB_ABORTED;
		return -EIO;
	default:
		res->status = DRM_SNPU_JOB_DONE;
		return -EIO;
	}
}

/* The busy time of a finished job, for fdinfo. */
static void snpu_job_account(struct snpu_job *job, const struct snpu_completion *c)
{
	if (c->end_ns > c->start_ns)
		atomic64_add(c->end_ns - c->start_ns, &job->vm->busy_ns[job->q->index]);
	atomic64_inc(&job->vm->jobs_done);
}

/* Harvest the written completion records, in ring order; q->lock held. */
static void snpu_queue_process_locked(struct snpu_queue *q, const struct snpu_job *bad)
{
	struct snpu_job *job, *tmp;
	struct snpu_completion *c;
	int err;

	lockdep_assert_held(&q->lock);
	list_for_each_entry_safe(job, tmp, &q->inflight, link) {
		c = &q->compl[job->slot];
		if (!(READ_ONCE(c->flags) & SNPU_COMPL_DONE))
			break;
		/* The record's body was written before its done flag. */
		dma_rmb();
		if (c->seqno != job->seqno)
			break;
		err = snpu_job_record(job, c, bad);
		snpu_job_account(job, c);
		snpu_job_complete_locked(job, err);
		atomic64_inc(&q->completed);
	}
}

/**
 * snpu_queue_process - signal the jobs whose completion record is written
 * @q: the queue
 *
 * Any context; takes q->lock with interrupts off.
 */
void snpu_queue_process(struct snpu_queue *q)
{
	unsigned long flags;
	bool cookie;

	cookie = dma_fence_begin_signalling();
	spin_lock_irqsave(&q->lock, flags);
	snpu_queue_process_locked(q, NULL);
	spin_unlock_irqrestore(&q->lock, flags);
	dma_fence_end_signalling(cookie);
}

/**
 * snpu_queue_abort - after a reset stopped the device: end every job on the
 * ring, each with what happened to it
 * @q: the queue
 * @bad: the job the reset is for, or NULL
 * @removed: the device is going away (not a reset)
 *
 * A DONE record is the job's result (completed, or ABORTED by the reset:
 * it ran partly); a job without a record never started. The hung job ends
 * TIMEDOUT, other started jobs ABORTED, the others CANCELED. The
 * scheduler's callbacks see the fence errors; nothing is run again.
 */
void snpu_queue_abort(struct snpu_queue *q, struct snpu_job *bad, bool removed)
{
	struct snpu_job *job, *tmp;
	unsigned long flags;
	int err;

	spin_lock_irqsave(&q->lock, flags);
	snpu_queue_process_locked(q, bad);
	list_for_each_entry_safe(job, tmp, &q->inflight, link) {
		job->res->hw_status = SNPU_ERR_ABORTED;
		if (job == bad) {
			job->res->status = DRM_SNPU_JOB_TIMEDOUT;
			err = -ETIMEDOUT;
		} else {
			job->res->status = DRM_SNPU_JOB_CANCELED;
			err = removed ? -ENODEV : -ECANCELED;
		}
		snpu_job_complete_locked(job, err);
	}
	spin_unlock_irqrestore(&q->lock, flags);
}

/**
 * snpu_queue_forget - a job is being freed: if it is still on the ring
 * (the scheduler ended it without its hardware fence), end that too
 * @job: the job
 */
void snpu_queue_forget(struct snpu_job *job)
{
	struct snpu_queue *q = job->q;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	if (!list_empty(&job->link))
		snpu_job_complete_locked(job, -ECANCELED);
	spin_unlock_irqrestore(&q->lock, flags);
}

/**
 * snpu_queue_running_seqno - seqno of the oldest job on the ring, 0 if none
 * @q: the queue
 */
u64 snpu_queue_running_seqno(struct snpu_queue *q)
{
	struct snpu_job *job;
	unsigned long flags;
	u64 seqno = 0;

	spin_lock_irqsave(&q->lock, flags);
	job = list_first_entry_or_null(&q->inflight, struct snpu_job, link);
	if (job)
		seqno = job->seqno;
	spin_unlock_irqrestore(&q->lock, flags);
	return seqno;
}

/**
 * snpu_queue_push - write a job's descriptor and ring the doorbell
 * @q: the queue
 * @job: the job (from run_job: one call at a time per queue), its hardware
 *       fence allocated at SUBMIT: nothing here allocates (run_job is a
 *       fence signalling path)
 *
 * Return: the hardware fence (a reference for the scheduler).
 */
struct dma_fence *snpu_queue_push(struct snpu_queue *q, struct snpu_job *job)
{
	struct dma_fence *fence = job->hw_fence;
	struct snpu_job_desc *d;
	unsigned long flags;
	u32 slot;

	slot = q->tail % SNPU_RING_ENTRIES;
	job->slot = slot;
	job->seqno = ++q->seqno;
	dma_fence_init(fence, &snpu_fence_ops, &q->lock, q->fence_context, job->seqno);
	job->hw_fence_init = true;
	/* The scheduler's reference: the job may complete once the doorbell rings. */
	dma_fence_get(fence);

	memset(&q->compl[slot], 0, sizeof(q->compl[slot]));
	d = &q->ring[slot];
	memset(d, 0, sizeof(*d));
	d->cmd_addr = job->cmds_dma;
	d->cmd_size = job->cmds_size;
	d->ctx_id = job->vm->id;
	d->seqno = job->seqno;
	d->completion_addr = q->compl_dma + slot * sizeof(struct snpu_completion);
	d->flags = job->desc_flags | SNPU_JOB_IRQ;
	d->num_profile = job->num_profile;
	d->profile_va = job->profile_va;

	spin_lock_irqsave(&q->lock, flags);
	list_add_tail(&job->link, &q->inflight);
	spin_unlock_irqrestore(&q->lock, flags);

	trace_snpu_job_run(job->vm->id, q->index, job->seqno, slot);
	/* writel() orders the descriptor and record writes before the doorbell. */
	q->tail++;
	snpu_qwr(q, SNPU_QREG_RING_TAIL, q->tail);
	return fence;
}

static irqreturn_t snpu_queue_irq(int irq, void *arg)
{
	struct snpu_queue *q = arg;

	/* Acknowledge first: a completion after this sends a new message. */
	snpu_wr(q->sdev, SNPU_REG_IRQ_STATUS, SNPU_IRQ_QUEUE(q->index));
	snpu_queue_process(q);
	return IRQ_HANDLED;
}

/**
 * snpu_queue_hw_init - program the ring and enable the queue (after every
 * firmware boot); the ring starts empty
 * @q: the queue
 */
void snpu_queue_hw_init(struct snpu_queue *q)
{
	q->tail = 0;
	q->watch_seqno = 0;
	snpu_qwr(q, SNPU_QREG_RING_BASE_LO, lower_32_bits(q->ring_dma));
	snpu_qwr(q, SNPU_QREG_RING_BASE_HI, upper_32_bits(q->ring_dma));
	snpu_qwr(q, SNPU_QREG_RING_SIZE, SNPU_RING_ENTRIES);
	snpu_qwr(q, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
	if (!(snpu_qrd(q, SNPU_QREG_STATUS) & SNPU_QSTAT_ENABLED))
		dev_err(&q->sdev->pdev->dev, "queue %u refused its ring (ERROR %u)\n",
			q->index, snpu_qrd(q, SNPU_QREG_ERROR));
}

/**
 * snpu_queues_init - rings, completion records and interrupts of every
 * queue (device-managed)
 * @sdev: the device
 */
int snpu_queues_init(struct snpu_device *sdev)
{
	struct device *dev = &sdev->pdev->dev;
	struct snpu_queue *q;
	u32 i;
	int ret;

	/* Hardware fences use q->lock: the queues live as long as the DRM device. */
	sdev->queues = drmm_kcalloc(&sdev->drm, sdev->hw.num_queues, sizeof(*sdev->queues),
				    GFP_KERNEL);
	if (!sdev->queues)
		return -ENOMEM;

	for (i = 0; i < sdev->hw.num_queues; i++) {
		q = &sdev->queues[i];
		q->sdev = sdev;
		q->index = i;
		spin_lock_init(&q->lock);
		INIT_LIST_HEAD(&q->inflight);
		q->fence_context = dma_fence_context_alloc(1);
		snprintf(q->name, sizeof(q->name), "snpu-q%u", i);

		q->ring = dmam_alloc_coherent(dev, SNPU_RING_ENTRIES * sizeof(*q->ring),
					      &q->ring_dma, GFP_KERNEL);
		q->compl = dmam_alloc_coherent(dev, SNPU_RING_ENTRIES * sizeof(*q->compl),
					       &q->compl_dma, GFP_KERNEL);
		if (!q->ring || !q->compl)
			return -ENOMEM;

		q->irq = pci_irq_vector(sdev->pdev, SNPU_MSIX_QUEUE(i));
		if (q->irq < 0)
			return q->irq;
		ret = devm_request_irq(dev, q->irq, snpu_queue_irq, 0, q->name, q);
		if (ret) {
			dev_err(dev, "cannot request the interrupt of queue %u: %d\n", i, ret);
			return ret;
		}
	}
	return 0;
}
