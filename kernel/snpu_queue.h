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

/* Descriptors per ring, and the scheduler's credit limit. */
#define SNPU_RING_ENTRIES	256

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
 * @hang_job: job the last timeout looked at
 * @hang_progress: QREG_PROGRESS at that time
 * @hang_count: timeouts of @hang_job so far
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
	struct snpu_job *hang_job;
	u32 hang_progress;
	u32 hang_count;
	atomic64_t completed;
	char name[24];
};

int snpu_queues_init(struct snpu_device *sdev);
void snpu_queue_hw_init(struct snpu_queue *q);
struct dma_fence *snpu_queue_push(struct snpu_queue *q, struct snpu_job *job);
void snpu_queue_process(struct snpu_queue *q);
void snpu_queue_cancel(struct snpu_queue *q, int error);

#endif /* __SNPU_QUEUE_H__ */
