/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU hardware queues: rings of job descriptors, completion records,
 * hardware fences and the per-queue completion interrupt.
 */
#ifndef __SNPU_QUEUE_H__
#define __SNPU_QUEUE_H__

#include <drm/gpu_scheduler.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "snpu_ring.h"

struct snpu_device;
struct snpu_job;

/* Descriptors per ring. */
#define SNPU_RING_ENTRIES	256
/*
 * Jobs on the ring at a time, the scheduler's credit limit: the device runs
 * one job per queue, so a job on the ring has started (or is about to). A
 * reset fails it; jobs the scheduler still holds run after the reset, and
 * no job is ever run twice (drm_sched_resubmit_jobs() is not used).
 */
#define SNPU_JOBS_ON_RING	1

/**
 * struct snpu_queue - one hardware queue
 * @sdev: the device
 * @index: queue number
 * @irq: Linux irq of its MSI-X vector
 * @ring: descriptors (DMA-coherent)
 * @ring_dma: bus address of @ring
 * @compl: one completion record per ring slot (DMA-coherent)
 * @compl_dma: bus address of @compl
 * @tail: free-running count of descriptors written; only the scheduler's
 *        run_job (one at a time per queue) and the reset path touch it
 * @seqno: last seqno emitted
 * @fence_context: dma_fence context of the hardware fences
 * @lock: protects @inflight; the hardware fences' lock
 * @inflight: jobs on the ring, oldest first
 * @sched: the queue's scheduler
 * @watch_seqno: seqno of the job the watchdog saw running last time
 * @watch_progress: its QREG_PROGRESS then
 * @completed: jobs completed since probe
 * @name: "snpu-qN"
 */
struct snpu_queue {
	struct snpu_device *sdev;
	u32 index;
	int irq;
	struct snpu_job_desc *ring;
	dma_addr_t ring_dma;
	struct snpu_completion *compl;
	dma_addr_t compl_dma;
	u32 tail;
	u64 seqno;
	u64 fence_context;
	spinlock_t lock;	/* see @lock above */
	struct list_head inflight;
	struct drm_gpu_scheduler sched;
	u64 watch_seqno;
	u32 watch_progress;
	atomic64_t completed;
	char name[24];
};

int snpu_queues_init(struct snpu_device *sdev);
void snpu_queue_hw_init(struct snpu_queue *q);
struct dma_fence *snpu_queue_push(struct snpu_queue *q, struct snpu_job *job);
void snpu_queue_process(struct snpu_queue *q);
void snpu_queue_abort(struct snpu_queue *q, struct snpu_job *bad, bool removed);
void snpu_queue_forget(struct snpu_job *job);
u64 snpu_queue_running_seqno(struct snpu_queue *q);

#endif /* __SNPU_QUEUE_H__ */
