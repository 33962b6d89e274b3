// SPDX-License-Identifier: MIT
/*
 * SNPU hardware queues: the per-queue register block, doorbell validation,
 * descriptor fetch and checks, the weighted round-robin arbiter between
 * queues, completion records and their interrupts.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "snpu_core_int.h"

_Static_assert(sizeof(struct snpu_job_desc) == 64, "job descriptor is 64 bytes");
_Static_assert(sizeof(struct snpu_completion) == 64, "completion record is 64 bytes");

/* ---- Registers (core->lock held) ---------------------------------------- */

void snpu_queue_stop_locked(struct snpu_core *core, unsigned int q, enum snpu_err err)
{
	struct snpu_queue *qs = &core->q[q];

	qs->status |= SNPU_QSTAT_STOPPED;
	qs->error = err;
	core->error = err;
	core->error_info = q;
	snpu_irq_raise_locked(core, SNPU_IRQ_ERROR);
}

bool snpu_queue_reg_read_locked(struct snpu_core *core, unsigned int q, uint32_t r,
				uint32_t *v)
{
	struct snpu_queue *qs = &core->q[q];

	switch (r) {
	case SNPU_QREG_RING_BASE_LO: *v = (uint32_t)qs->base_reg; break;
	case SNPU_QREG_RING_BASE_HI: *v = (uint32_t)(qs->base_reg >> 32); break;
	case SNPU_QREG_RING_SIZE: *v = qs->size_reg; break;
	case SNPU_QREG_RING_HEAD: *v = qs->head; break;
	case SNPU_QREG_RING_TAIL: *v = qs->tail; break;
	case SNPU_QREG_CONTROL: *v = qs->ctrl; break;
	case SNPU_QREG_STATUS: *v = qs->status; break;
	case SNPU_QREG_ERROR: *v = qs->error; break;
	case SNPU_QREG_DONE_SEQNO_LO:	/* latches HI */
		*v = (uint32_t)qs->done_seqno;
		qs->seqno_hi_latch = (uint32_t)(qs->done_seqno >> 32);
		break;
	case SNPU_QREG_DONE_SEQNO_HI: *v = qs->seqno_hi_latch; break;
	case SNPU_QREG_PROGRESS: *v = qs->progress; break;
	case SNPU_QREG_PRIORITY: *v = qs->priority; break;
	default: return false;
	}
	return true;
}

static void queue_enable_locked(struct snpu_core *core, unsigned int q, bool *kick)
{
	struct snpu_queue *qs = &core->q[q];
	uint32_t n = qs->size_reg;

	qs->gen++;
	qs->head = 0;
	qs->tail = 0;
	qs->error = SNPU_OK;
	qs->progress = 0;
	qs->status &= SNPU_QSTAT_BUSY;
	if (qs->base_reg % 64 || !qs->base_reg || n < SNPU_RING_MIN_ENTRIES ||
	    n > SNPU_RING_MAX_ENTRIES || (n & (n - 1))) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: queue %u enabled with bad ring (base 0x%llx, %u entries): stopped",
			  q, (unsigned long long)qs->base_reg, n);
		qs->ctrl = 0;
		snpu_queue_stop_locked(core, q, SNPU_ERR_RING);
		*kick = true;	/* deliver the error interrupt */
		return;
	}
	qs->base = qs->base_reg;
	qs->size = n;
	qs->ctrl = SNPU_QCTRL_ENABLE;
	qs->status |= SNPU_QSTAT_ENABLED;
}

static void queue_doorbell_locked(struct snpu_core *core, unsigned int q, uint32_t v,
				  bool *kick)
{
	struct snpu_queue *qs = &core->q[q];

	snpu_count(core, SNPU_CNT_DOORBELLS, 1);
	if (!(qs->status & SNPU_QSTAT_ENABLED) || (qs->status & SNPU_QSTAT_STOPPED)) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: doorbell %u on %s queue %u ignored", v,
			  (qs->status & SNPU_QSTAT_STOPPED) ? "stopped" : "disabled", q);
		return;
	}
	if (!(core->status & SNPU_STATUS_READY)) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: doorbell on queue %u before firmware runs: stopped", q);
		snpu_queue_stop_locked(core, q, SNPU_ERR_NO_FIRMWARE);
		*kick = true;
		return;
	}
	if (v - qs->head > qs->size) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: queue %u tail %u with head %u exceeds %u entries: stopped",
			  q, v, qs->head, qs->size);
		snpu_queue_stop_locked(core, q, SNPU_ERR_RING);
		*kick = true;
		return;
	}
	qs->tail = v;
	*kick = true;
}

bool snpu_queue_reg_write_locked(struct snpu_core *core, unsigned int q, uint32_t r,
				 uint32_t v, bool *kick)
{
	struct snpu_queue *qs = &core->q[q];

	switch (r) {
	case SNPU_QREG_RING_BASE_LO:
		qs->base_reg = (qs->base_reg & ~0xffffffffull) | v;
		return true;
	case SNPU_QREG_RING_BASE_HI:
		qs->base_reg = (qs->base_reg & 0xffffffffull) | ((uint64_t)v << 32);
		return true;
	case SNPU_QREG_RING_SIZE:
		qs->size_reg = v;
		return true;
	case SNPU_QREG_RING_TAIL:
		queue_doorbell_locked(core, q, v, kick);
		return true;
	case SNPU_QREG_CONTROL:
		if (v & ~SNPU_QCTRL_ENABLE)
			snpu_logf(core, SNPU_LOG_GUEST_ERROR,
				  "snpu: queue %u CONTROL reserved bits 0x%x ignored",
				  q, v & ~SNPU_QCTRL_ENABLE);
		if (v & SNPU_QCTRL_ENABLE) {
			queue_enable_locked(core, q, kick);
		} else {
			/* Stop fetching; a job in flight still completes. */
			qs->gen++;
			qs->ctrl = 0;
			qs->status &= ~(SNPU_QSTAT_ENABLED | SNPU_QSTAT_STOPPED);
		}
		return true;
	case SNPU_QREG_PRIORITY:
		if (v > 15) {
			snpu_logf(core, SNPU_LOG_GUEST_ERROR,
				  "snpu: queue %u PRIORITY %u > 15, clamped", q, v);
			v = 15;
		}
		qs->priority = v;
		return true;
	default:
		return false;
	}
}

/* ---- Completion ------------------------------------------------------------ */

static void job_free(struct snpu_exec *x)
{
	snpu_model_free(&x->model);
	free(x->cmds);
	free(x->sram_save);
	free(x);
}

/* Write the completion record, done flag last. Returns false on a bus
 * error. */
static bool write_completion(struct snpu_core *core, struct snpu_exec *x, uint64_t end)
{
	struct snpu_completion c;
	uint32_t done = SNPU_COMPL_DONE;
	uint64_t a = x->desc.completion_addr;

	memset(&c, 0, sizeof(c));
	c.seqno = x->desc.seqno;
	c.status = x->status;
	c.failed_cmd = x->status == SNPU_OK ? 0 : x->failed_cmd;
	c.fault_va = x->fault_va;
	c.fault_ctx = x->fault_flags ? x->ctx_id : 0;
	c.fault_flags = x->fault_flags;
	c.pred_cycles = x->pred_cycles;
	c.start_ns = x->start_ns;
	c.end_ns = end;
	c.cmds_done = x->cmds_done;
	c.flags = 0;
	if (core->ops.dma_write(core->ops.opaque, a, &c, offsetof(struct snpu_completion, flags)))
		return false;
	if (core->ops.dma_write(core->ops.opaque, a + offsetof(struct snpu_completion, flags),
				&done, sizeof(done)))
		return false;
	snpu_count(core, SNPU_CNT_DMA_D2H, sizeof(c));
	return true;
}

static void count_job(struct snpu_core *core, const struct snpu_exec *x)
{
	snpu_count(core, SNPU_CNT_JOBS, 1);
	if (x->status != SNPU_OK)
		snpu_count(core, SNPU_CNT_JOBS_FAILED, 1);
	if (x->status == SNPU_ERR_MMU_FAULT || x->status == SNPU_ERR_MMU_PERM)
		snpu_count(core, SNPU_CNT_FAULTS, 1);
	snpu_count(core, SNPU_CNT_PRED_CYCLES, x->pred_cycles);
}

static void publish_fault_locked(struct snpu_core *core, struct snpu_exec *x)
{
	if (core->fault_status & SNPU_MMU_FAULT_VALID) {
		core->fault_status |= SNPU_MMU_FAULT_OVERRUN;
	} else {
		core->fault_status = x->fault_flags | SNPU_MMU_FAULT_VALID;
		core->fault_ctx = x->ctx_id;
		core->fault_va = x->fault_va;
		core->fault_queue = x->queue;
	}
	core->error = x->status;
	core->error_info = x->queue;
	snpu_irq_raise_locked(core, SNPU_IRQ_ERROR);
}

/* Finish a job: record, registers, interrupt; frees x. */
static void job_complete(struct snpu_core *core, struct snpu_exec *x)
{
	unsigned int q = x->queue;
	bool ok = write_completion(core, x, snpu_now(core));

	count_job(core, x);
	snpu_sram_release(core, x);
	core->wq[q].job = NULL;
	pthread_mutex_lock(&core->lock);
	if (snpu_worker_current_locked(core) && x->epoch == core->worker_epoch) {
		struct snpu_queue *qs = &core->q[q];

		qs->status &= ~SNPU_QSTAT_BUSY;
		qs->progress = 0;
		if (!ok) {
			snpu_logf(core, SNPU_LOG_GUEST_ERROR,
				  "snpu: queue %u completion record at 0x%llx unwritable: stopped",
				  q, (unsigned long long)x->desc.completion_addr);
			snpu_queue_stop_locked(core, q, SNPU_ERR_DMA);
		} else {
			qs->done_seqno = x->desc.seqno;
			if (x->desc.flags & SNPU_JOB_IRQ)
				snpu_irq_raise_locked(core, SNPU_IRQ_QUEUE(q));
		}
		if (x->fault_flags)
			publish_fault_locked(core, x);
	}
	pthread_mutex_unlock(&core->lock);
	job_free(x);
}

void snpu_queue_abort_all(struct snpu_core *core)
{
	for (unsigned int q = 0; q < SNPU_MAX_QUEUES; q++) {
		struct snpu_exec *x = core->wq[q].job;

		if (!x)
			continue;
		if (x->state != SNPU_JOB_PACED && x->state != SNPU_JOB_FINISHED) {
			x->status = SNPU_ERR_ABORTED;
			x->failed_cmd = x->index;
		}
		job_complete(core, x);	/* old epoch: no register update */
	}
}

/* ---- Fetch ------------------------------------------------------------------- */

static enum snpu_err desc_check(struct snpu_core *core, const struct snpu_job_desc *d,
				uint32_t fw_caps)
{
	if (d->reserved[0] || d->reserved[1] || (d->flags & ~SNPU_JOB_FLAGS_VALID))
		return SNPU_ERR_RESERVED;
	if ((d->flags & SNPU_JOB_PROFILE) && !(fw_caps & SNPU_CAP_PROFILE))
		return SNPU_ERR_RESERVED;
	if (!(d->flags & SNPU_JOB_PROFILE) && (d->num_profile || d->profile_va))
		return SNPU_ERR_RESERVED;
	if ((d->flags & SNPU_JOB_PROFILE) && d->profile_va % 8)
		return SNPU_ERR_RING;
	if (!d->cmd_size || d->cmd_size % 8 || d->cmd_size > SNPU_MAX_CMDBUF)
		return SNPU_ERR_CMD_SIZE;
	if (d->cmd_addr % 8 || d->cmd_addr + d->cmd_size < d->cmd_addr)
		return SNPU_ERR_RING;
	(void)core;
	return SNPU_OK;
}

/* Prepare a fetched job: checks, command stream, context. On error the
 * job is FINISHED with its status. */
static void job_prepare(struct snpu_core *core, struct snpu_exec *x, uint64_t ctx_table,
			uint32_t ctx_count, uint32_t fw_caps)
{
	enum snpu_err err = desc_check(core, &x->desc, fw_caps);

	if (err == SNPU_OK) {
		x->cmd_size = x->desc.cmd_size;
		x->cmds = malloc(x->cmd_size);
		if (!x->cmds)
			err = SNPU_ERR_FATAL;
		else if (core->ops.dma_read(core->ops.opaque, x->desc.cmd_addr, x->cmds,
					    x->cmd_size))
			err = SNPU_ERR_DMA;
		else
			snpu_count(core, SNPU_CNT_DMA_H2D, x->cmd_size);
	}
	if (err == SNPU_OK)
		err = snpu_mmu_load_ctx(core, x, ctx_table, ctx_count);
	if (err != SNPU_OK) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: queue %u job seqno %llu refused: descriptor error %u",
			  x->queue, (unsigned long long)x->desc.seqno, err);
		x->status = err;
		x->failed_cmd = SNPU_COMPL_NO_CMD;
		x->state = SNPU_JOB_FINISHED;
		snpu_count(core, SNPU_CNT_ERRORS, 1);
	}
}

/* Fetch the descriptor at head of queue q. Returns true if it made
 * progress (a job, or a stopped queue). */
static bool queue_fetch(struct snpu_core *core, unsigned int q)
{
	struct snpu_queue *qs = &core->q[q];
	struct snpu_job_desc d;
	uint64_t base, table, now;
	uint32_t size, head, gen, count, caps;
	bool fi_ring, fi_dma, fi_hang;
	struct snpu_exec *x;
	int rc;

	pthread_mutex_lock(&core->lock);
	/* The arbiter decided on a snapshot: a re-enable, disable, stop or
	 * reset since then may have emptied the ring. Decide again here, on
	 * the state this fetch uses. */
	if (!snpu_worker_current_locked(core) || !(qs->status & SNPU_QSTAT_ENABLED) ||
	    (qs->status & SNPU_QSTAT_STOPPED) || !(core->status & SNPU_STATUS_READY) ||
	    qs->head == qs->tail) {
		pthread_mutex_unlock(&core->lock);
		return true;	/* the next step arbitrates again */
	}
	base = qs->base;
	size = qs->size;
	head = qs->head;
	gen = qs->gen;
	table = core->mmu_ctx_table;
	count = core->mmu_ctx_count;
	caps = core->fw_caps;
	snpu_fi_fetch_locked(core, q, &fi_ring, &fi_dma, &fi_hang);
	pthread_mutex_unlock(&core->lock);

	rc = fi_ring ? -1 :
	     core->ops.dma_read(core->ops.opaque, base + (uint64_t)(head & (size - 1)) * sizeof(d),
				&d, sizeof(d));
	pthread_mutex_lock(&core->lock);
	if (!snpu_worker_current_locked(core) || qs->gen != gen) {
		pthread_mutex_unlock(&core->lock);
		return true;	/* reset or re-enabled meanwhile: retry */
	}
	if (rc) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: queue %u descriptor %u unreadable: stopped", q, head);
		snpu_queue_stop_locked(core, q, SNPU_ERR_DMA);
		pthread_mutex_unlock(&core->lock);
		return true;
	}
	qs->head = head + 1;
	snpu_count(core, SNPU_CNT_DMA_H2D, sizeof(d));
	if (d.completion_addr % 64 || !d.completion_addr) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: queue %u descriptor %u completion address 0x%llx not 64-aligned: stopped",
			  q, head, (unsigned long long)d.completion_addr);
		snpu_queue_stop_locked(core, q, SNPU_ERR_RING);
		pthread_mutex_unlock(&core->lock);
		return true;
	}
	qs->status |= SNPU_QSTAT_BUSY;
	qs->progress = 0;
	pthread_mutex_unlock(&core->lock);

	x = calloc(1, sizeof(*x));
	if (!x) {
		pthread_mutex_lock(&core->lock);
		qs->status &= ~SNPU_QSTAT_BUSY;
		snpu_queue_stop_locked(core, q, SNPU_ERR_FATAL);
		pthread_mutex_unlock(&core->lock);
		return true;
	}
	now = snpu_now(core);
	x->core = core;
	x->queue = q;
	x->epoch = core->worker_epoch;
	x->desc = d;
	x->state = SNPU_JOB_RUNNING;
	x->start_ns = now;
	x->model_start_ns = now > core->model_free_ns ? now : core->model_free_ns;
	x->ctx_id = d.ctx_id;
	core->wq[q].job = x;
	job_prepare(core, x, table, count, caps);
	if (x->state != SNPU_JOB_FINISHED && fi_dma) {
		snpu_exec_log(x, "fault injection: bus error");
		snpu_job_fail(x, SNPU_ERR_DMA);
	} else if (x->state != SNPU_JOB_FINISHED && fi_hang) {
		x->state = SNPU_JOB_HUNG;
	}
	return true;
}

/* ---- Arbiter ------------------------------------------------------------------ */

static uint32_t queue_weight(const struct snpu_queue *qs)
{
	return qs->priority ? qs->priority : 1;
}

/* Finished job: hold it (pace) or complete it now. */
static void job_finished(struct snpu_core *core, struct snpu_exec *x, uint64_t now)
{
	if (core->cfg.pace && x->state == SNPU_JOB_FINISHED) {
		uint64_t start, end;

		/* docs 18.4: the model runs one job at a time, in the order
		 * jobs finish: a job's model start is its fetch time or the
		 * model end of the job finished before it, whichever is later
		 * (jobs of other queues fetched meanwhile queue behind). */
		start = x->start_ns > core->model_free_ns ? x->start_ns : core->model_free_ns;
		x->model_start_ns = start;
		end = start + snpu_timing_cycles_ns(&core->timing, x->pred_cycles);

		if (end > core->model_free_ns)
			core->model_free_ns = end;
		if (end > now) {
			x->hold_until_ns = end;
			x->state = SNPU_JOB_PACED;
			return;
		}
	}
	job_complete(core, x);
}

bool snpu_queue_step(struct snpu_core *core)
{
	unsigned int nq = core->cfg.num_queues;
	bool ready[SNPU_MAX_QUEUES] = { false };
	uint32_t weight[SNPU_MAX_QUEUES] = { 0 };
	uint64_t now = snpu_now(core);
	int64_t total = 0;
	int pick = -1;
	uint32_t slice;

	/* Suspended jobs first: WAIT conditions read memory, no lock held. */
	for (unsigned int q = 0; q < nq; q++) {
		struct snpu_exec *x = core->wq[q].job;

		if (x && x->state == SNPU_JOB_WAITING)
			snpu_job_wait_ready(core, x);
	}
	pthread_mutex_lock(&core->lock);
	if (!snpu_worker_current_locked(core)) {
		pthread_mutex_unlock(&core->lock);
		return true;
	}
	for (unsigned int q = 0; q < nq; q++) {
		const struct snpu_queue *qs = &core->q[q];
		struct snpu_exec *x = core->wq[q].job;

		if (x)
			ready[q] = x->state == SNPU_JOB_RUNNING ||
				   x->state == SNPU_JOB_FINISHED ||
				   (x->state == SNPU_JOB_PACED && now >= x->hold_until_ns);
		else
			ready[q] = (qs->status & SNPU_QSTAT_ENABLED) &&
				   !(qs->status & SNPU_QSTAT_STOPPED) &&
				   (core->status & SNPU_STATUS_READY) && qs->head != qs->tail;
		weight[q] = queue_weight(qs);
		if (ready[q])
			total += weight[q];
	}
	pthread_mutex_unlock(&core->lock);
	if (!total)
		return false;
	for (unsigned int q = 0; q < nq; q++) {
		if (!ready[q])
			continue;
		core->wq[q].wrr += weight[q];
		if (pick < 0 || core->wq[q].wrr > core->wq[pick].wrr)
			pick = (int)q;
	}
	core->wq[pick].wrr -= total;

	if (!core->wq[pick].job)
		return queue_fetch(core, (unsigned int)pick);
	{
		struct snpu_exec *x = core->wq[pick].job;

		if (x->state == SNPU_JOB_PACED) {
			job_complete(core, x);
			return true;
		}
		if (x->state == SNPU_JOB_RUNNING) {
			slice = core->fw.loaded ? core->fw.sched.timeslice_cmds : 0;
			snpu_job_execute(core, x, slice);
		}
		if (x->state == SNPU_JOB_FINISHED)
			job_finished(core, x, snpu_now(core));
	}
	return true;
}

int64_t snpu_queue_next_deadline(struct snpu_core *core)
{
	uint64_t now = snpu_now(core);
	int64_t best = -1;

	for (unsigned int q = 0; q < core->cfg.num_queues; q++) {
		const struct snpu_exec *x = core->wq[q].job;
		uint64_t when;
		int64_t d;

		if (!x || x->state == SNPU_JOB_HUNG)
			continue;
		if (x->state == SNPU_JOB_WAITING) {
			/* re-check every 20 us at first, backing off to 1 ms
			 * (1/8 of the time waited so far) */
			uint64_t poll = (now - x->wait_start_ns) / 8;

			poll = poll < SNPU_WAIT_POLL_NS ? SNPU_WAIT_POLL_NS :
			       poll > SNPU_WAIT_POLL_MAX_NS ? SNPU_WAIT_POLL_MAX_NS : poll;
			when = now + poll;
			if (x->wait_deadline_ns < when)
				when = x->wait_deadline_ns;
		} else if (x->state == SNPU_JOB_PACED) {
			when = x->hold_until_ns;
		} else {
			when = now;
		}
		d = when > now ? (int64_t)(when - now) : 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best;
}
