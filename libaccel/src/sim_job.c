/* SPDX-License-Identifier: MIT */
/*
 * "sim" backend jobs, done the way the kernel driver does them: a job
 * waits in software until its dependencies ended (a failed dependency
 * cancels it), then its command stream is copied to memory the user cannot
 * reach, a descriptor is written to the queue's ring and the doorbell
 * rung; the completion interrupt reads the completion records in ring
 * order. Jobs of one (queue, priority) stream start in submission order.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define NUM_PRIO 3

accel_status accel__sim_rings_init(struct sim_dev *s)
{
	for (uint32_t q = 0; q < s->nq; q++) {
		struct sim_queue *sq = &s->q[q];
		uint64_t base;

		sq->ring = accel__sim_dma_alloc(s, SIM_RING_ENTRIES * sizeof(*sq->ring), 64);
		sq->compl = accel__sim_dma_alloc(s, SIM_RING_ENTRIES * sizeof(*sq->compl), 64);
		if (!sq->ring || !sq->compl)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: no memory for rings");
		base = (uintptr_t)sq->ring;
		snpu_core_reg_write(s->core, SNPU_REG_QUEUE(q, SNPU_QREG_RING_BASE_LO), (uint32_t)base);
		snpu_core_reg_write(s->core, SNPU_REG_QUEUE(q, SNPU_QREG_RING_BASE_HI),
				    (uint32_t)(base >> 32));
		snpu_core_reg_write(s->core, SNPU_REG_QUEUE(q, SNPU_QREG_RING_SIZE), SIM_RING_ENTRIES);
		snpu_core_reg_write(s->core, SNPU_REG_QUEUE(q, SNPU_QREG_CONTROL), SNPU_QCTRL_ENABLE);
		if (!(snpu_core_reg_read(s->core, SNPU_REG_QUEUE(q, SNPU_QREG_STATUS)) &
		      SNPU_QSTAT_ENABLED))
			return accel__fail(ACCEL_ERR_DEVICE, "sim: queue %u did not enable (error %u)",
					   q, snpu_core_reg_read(s->core,
								 SNPU_REG_QUEUE(q, SNPU_QREG_ERROR)));
	}
	snpu_core_reg_write(s->core, SNPU_REG_IRQ_MASK, 0);
	return ACCEL_OK;
}

void accel__sim_rings_fini(struct sim_dev *s)
{
	for (uint32_t q = 0; q < SNPU_MAX_QUEUES; q++) {
		struct sim_queue *sq = &s->q[q];

		if (s->core && q < s->nq)
			snpu_core_reg_write(s->core, SNPU_REG_QUEUE(q, SNPU_QREG_CONTROL), 0);
		for (uint32_t i = 0; i < SIM_RING_ENTRIES; i++)
			accel__sim_dma_free(s, sq->cmd_copy[i]);
		accel__sim_dma_free(s, sq->ring);
		accel__sim_dma_free(s, sq->compl);
		memset(sq, 0, sizeof(*sq));
	}
}

/* Write job into its queue's ring and ring the doorbell (lock held). */
static accel_status push(struct sim_dev *s, struct accel_job *job)
{
	struct sim_queue *sq = &s->q[job->queue];
	uint32_t slot = (uint32_t)(sq->tail % SIM_RING_ENTRIES);
	struct snpu_job_desc d = { 0 };
	void *copy;

	if (snpu_core_reg_read(s->core, SNPU_REG_QUEUE(job->queue, SNPU_QREG_STATUS)) &
	    SNPU_QSTAT_STOPPED)
		return accel__fail(ACCEL_ERR_DEVICE, "sim: queue %u stopped on a ring error (%s)",
				   job->queue, accel_hw_error_name(snpu_core_reg_read(s->core,
					SNPU_REG_QUEUE(job->queue, SNPU_QREG_ERROR))));
	copy = accel__sim_dma_alloc(s, job->cmds_size, 64);
	if (!copy)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: no memory to copy a command stream");
	memcpy(copy, job->cmds, job->cmds_size);
	sq->cmd_copy[slot] = copy;
	memset(&sq->compl[slot], 0, sizeof(sq->compl[slot]));
	d.cmd_addr = (uintptr_t)copy;
	d.cmd_size = (uint32_t)job->cmds_size;
	d.ctx_id = SIM_CTX_ID;
	d.seqno = ++s->seqno;
	d.completion_addr = (uintptr_t)&sq->compl[slot];
	d.flags = SNPU_JOB_IRQ;
	if (job->profile) {
		d.flags |= SNPU_JOB_PROFILE;
		d.num_profile = job->num_profile;
		d.profile_va = accel_buffer_va(job->profile);
	}
	sq->ring[slot] = d;
	sq->slot[slot] = job;
	sq->tail++;
	snpu_core_reg_write(s->core, SNPU_REG_QUEUE(job->queue, SNPU_QREG_RING_TAIL),
			    (uint32_t)sq->tail);
	return ACCEL_OK;
}

/* Move every runnable waiting job into its ring; jobs that cannot run
 * (failed dependency, no memory) go to *fail with their status in
 * be_status. Lock held. */
static void schedule_locked(struct sim_dev *s, struct accel_job **fail)
{
	bool blocked[SNPU_MAX_QUEUES][NUM_PRIO] = { { false } };
	struct accel_job **pp = &s->waiting, *job;

	while ((job = *pp)) {
		bool *blk = &blocked[job->queue][job->priority];
		accel_status dep_st = ACCEL_OK, push_st = ACCEL_OK;
		bool ready = !*blk;
		struct sim_queue *sq = &s->q[job->queue];

		for (size_t i = 0; ready && i < job->ndeps; i++) {
			accel_status ds = accel__job_state(job->deps[i]);

			if (ds == ACCEL_ERR_PENDING)
				ready = false;
			else if (ds != ACCEL_OK)
				dep_st = ds;
		}
		if (ready && dep_st == ACCEL_OK && sq->tail - sq->done >= SIM_RING_ENTRIES)
			ready = false;
		if (!ready) {
			*blk = true;
			pp = &job->be_next;
			continue;
		}
		*pp = job->be_next;
		job->be_next = NULL;
		if (dep_st == ACCEL_OK && (push_st = push(s, job)) == ACCEL_OK)
			continue;
		job->be_status = dep_st == ACCEL_OK ? push_st : ACCEL_ERR_JOB_CANCELED;
		job->be_next = *fail;
		*fail = job;
	}
}

static void complete_list(struct accel_job *list)
{
	while (list) {
		struct accel_job *job = list;
		struct accel_hw_result r = { 0 };

		list = job->be_next;
		job->be_next = NULL;
		if (job->be_priv) {
			r = *(struct accel_hw_result *)job->be_priv;
			free(job->be_priv);
			job->be_priv = NULL;
		} else {
			r.status = job->be_status;
		}
		accel__job_complete(job, &r);
	}
}

/* Schedule until no job fails without running (a failure can unblock
 * jobs that depend on it). */
static void schedule(struct sim_dev *s)
{
	for (;;) {
		struct accel_job *fail = NULL;

		pthread_mutex_lock(&s->lock);
		schedule_locked(s, &fail);
		pthread_mutex_unlock(&s->lock);
		if (!fail)
			return;
		complete_list(fail);
	}
}

accel_status accel__sim_submit(accel_device *dev, struct accel_job *job)
{
	struct sim_dev *s = sim_dev(dev);
	struct accel_job **pp;

	pthread_mutex_lock(&s->lock);
	/* Higher priorities first; FIFO within one priority. */
	for (pp = &s->waiting; *pp && (*pp)->priority >= job->priority; pp = &(*pp)->be_next)
		;
	job->be_next = *pp;
	*pp = job;
	pthread_mutex_unlock(&s->lock);
	schedule(s);
	return ACCEL_OK;
}

static accel_status hw_status(uint32_t e)
{
	switch (e) {
	case SNPU_OK: return ACCEL_OK;
	case SNPU_ERR_MMU_FAULT: case SNPU_ERR_MMU_PERM: return ACCEL_ERR_JOB_FAULT;
	case SNPU_ERR_ABORTED: case SNPU_ERR_NO_FIRMWARE: case SNPU_ERR_FATAL:
		return ACCEL_ERR_DEVICE;
	default: return ACCEL_ERR_JOB_FAILED;
	}
}

void accel__sim_irq(accel_device *dev, unsigned int vector)
{
	struct sim_dev *s = sim_dev(dev);
	struct accel_job *done = NULL, **tail = &done;

	snpu_core_reg_write(s->core, SNPU_REG_IRQ_STATUS,
			    vector < s->nq ? SNPU_IRQ_QUEUE(vector) : SNPU_IRQ_ERROR);
	pthread_mutex_lock(&s->lock);
	for (uint32_t q = 0; q < s->nq; q++) {
		struct sim_queue *sq = &s->q[q];
		bool stopped = snpu_core_reg_read(s->core, SNPU_REG_QUEUE(q, SNPU_QREG_STATUS)) &
			       SNPU_QSTAT_STOPPED;

		while (sq->done < sq->tail) {
			uint32_t slot = (uint32_t)(sq->done % SIM_RING_ENTRIES);
			const struct snpu_completion *c = &sq->compl[slot];
			struct accel_job *job = sq->slot[slot];
			struct accel_hw_result *r;

			if (!(c->flags & SNPU_COMPL_DONE) && !stopped)
				break;
			r = calloc(1, sizeof(*r));
			if (!r)
				break;	/* retried at the next interrupt */
			if (c->flags & SNPU_COMPL_DONE) {
				r->status = hw_status(c->status);
				r->hw_error = c->status;
				r->failed_cmd = c->failed_cmd;
				r->cmds_done = c->cmds_done;
				r->fault_flags = c->fault_flags;
				r->fault_va = c->fault_va;
				r->pred_cycles = c->pred_cycles;
				r->start_ns = c->start_ns;
				r->end_ns = c->end_ns;
			} else {
				/* The queue stopped on a ring error: nothing more completes. */
				r->status = ACCEL_ERR_DEVICE;
				r->hw_error = snpu_core_reg_read(s->core,
								 SNPU_REG_QUEUE(q, SNPU_QREG_ERROR));
			}
			accel__sim_dma_free(s, sq->cmd_copy[slot]);
			sq->cmd_copy[slot] = NULL;
			sq->slot[slot] = NULL;
			sq->done++;
			job->be_priv = r;
			*tail = job;
			tail = &job->be_next;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (!done)
		return;
	complete_list(done);
	schedule(s);
}
