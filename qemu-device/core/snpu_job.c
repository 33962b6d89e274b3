// SPDX-License-Identifier: MIT
/*
 * SNPU command processor: walks one job's command stream, checks every
 * command header, dispatches to the processor's own commands or to the
 * tensor engine, accounts predicted cycles and counters, writes profile
 * records, and suspends the job on an unsatisfied WAIT or at the end of its
 * time slice.
 */
#include <stdlib.h>
#include <string.h>

#include "snpu_core_int.h"

/* Capability an opcode needs in FW_CAPS (docs/hardware.md 7.1). */
static uint32_t op_cap(uint16_t opcode)
{
	switch (opcode) {
	case SNPU_OP_CONV2D: return SNPU_CAP_CONV;
	case SNPU_OP_GEMM: return SNPU_CAP_GEMM;
	case SNPU_OP_POOL: return SNPU_CAP_POOL;
	case SNPU_OP_ELTWISE: return SNPU_CAP_ELTWISE;
	case SNPU_OP_ACTIVATION: return SNPU_CAP_ELTWISE;
	case SNPU_OP_SOFTMAX: return SNPU_CAP_SOFTMAX;
	case SNPU_OP_MOVE: return SNPU_CAP_MOVE;
	case SNPU_OP_PAD: return SNPU_CAP_MOVE;
	case SNPU_OP_CONVERT: return SNPU_CAP_CONVERT;
	case SNPU_OP_FENCE: return SNPU_CAP_FENCE;
	case SNPU_OP_WAIT: return SNPU_CAP_FENCE;
	default: return 0;
	}
}

static enum snpu_engine op_engine(uint16_t opcode)
{
	if (opcode == SNPU_OP_DMA_COPY || opcode == SNPU_OP_DMA_FILL)
		return SNPU_ENG_DMA;
	if (snpu_cmd_is_tensor(opcode))
		return SNPU_ENG_TE;
	return SNPU_ENG_CONTROL;
}

#define SNPU_CMD_SUSPEND (-1)

void snpu_job_fail(struct snpu_exec *x, enum snpu_err err)
{
	x->status = err;
	x->failed_cmd = x->index;
	x->state = SNPU_JOB_FINISHED;
}

static int run_builtin(struct snpu_exec *x, const struct snpu_cmd_header *h,
		       const struct snpu_cmd_regions *regs)
{
	switch (h->opcode) {
	case SNPU_OP_NOP: return SNPU_OK;
	case SNPU_OP_DMA_COPY: return snpu_cmd_dma_copy(x, h, regs);
	case SNPU_OP_DMA_FILL: return snpu_cmd_dma_fill(x, h);
	case SNPU_OP_FENCE: return snpu_cmd_fence(x, h);
	case SNPU_OP_WAIT:
		if (x->wait_done) {
			x->wait_done = false;
			return (int)x->wait_err;
		}
		return snpu_cmd_wait_begin(x, h);
	case SNPU_OP_TIMESTAMP: return snpu_cmd_timestamp(x, h);
	case SNPU_OP_COUNTERS: return snpu_cmd_counters(x, h);
	default: return SNPU_ERR_OPCODE;
	}
}

/* Header checks of the command at x->pos, in the order of
 * docs/hardware.md 7.2. */
static enum snpu_err check_header(struct snpu_exec *x, uint32_t caps, uint32_t max_job)
{
	uint32_t left = x->cmd_size - x->pos;
	const struct snpu_cmd_header *h = (const void *)(x->cmds + x->pos);
	uint32_t need, cap;

	if (max_job && x->index >= max_job) {
		snpu_exec_log(x, "job has more than %u commands", max_job);
		return SNPU_ERR_CMD_SIZE;
	}
	if (left < sizeof(*h) || h->size < sizeof(*h) || h->size % 8 || h->size > left) {
		snpu_exec_log(x, "command %u: size %u bad (%u bytes left in the stream)",
			      x->index, left < sizeof(*h) ? 0 : h->size, left);
		return SNPU_ERR_CMD_SIZE;
	}
	need = snpu_cmd_struct_size(h->opcode);
	if (!need) {
		snpu_exec_log(x, "command %u: unknown opcode 0x%x", x->index, h->opcode);
		return SNPU_ERR_OPCODE;
	}
	cap = op_cap(h->opcode);
	if (cap && !(caps & cap)) {
		snpu_exec_log(x, "command %u: opcode 0x%x disabled by the firmware",
			      x->index, h->opcode);
		return SNPU_ERR_OPCODE;
	}
	if (h->size < need) {
		snpu_exec_log(x, "command %u: opcode 0x%x needs %u bytes, has %u",
			      x->index, h->opcode, need, h->size);
		return SNPU_ERR_CMD_SIZE;
	}
	if (h->flags) {
		snpu_exec_log(x, "command %u: header flags 0x%x must be 0", x->index, h->flags);
		return SNPU_ERR_RESERVED;
	}
	/* Extension bytes are checked by snpu_cmd_check(); NOP's payload is
	 * free (markers, padding). */
	return SNPU_OK;
}

static void write_profile(struct snpu_exec *x, uint16_t opcode, uint32_t status,
			  uint64_t start, uint64_t end, uint64_t cycles)
{
	struct snpu_profile_rec rec;
	enum snpu_err err;

	if (!(x->desc.flags & SNPU_JOB_PROFILE) || x->index >= x->desc.num_profile)
		return;
	rec.start_ns = start;
	rec.end_ns = end;
	rec.pred_cycles = cycles;
	rec.opcode = opcode;
	rec.status = (uint16_t)status;
	rec.index = x->index;
	err = snpu_exec_write(x, x->desc.profile_va + (uint64_t)x->index * sizeof(rec),
			      &rec, sizeof(rec));
	if (err != SNPU_OK && x->status == SNPU_OK)
		snpu_job_fail(x, err);
}

static void publish_progress(struct snpu_core *core, struct snpu_exec *x)
{
	pthread_mutex_lock(&core->lock);
	if (snpu_worker_current_locked(core) && x->epoch == core->worker_epoch)
		core->q[x->queue].progress = x->cmds_done;
	pthread_mutex_unlock(&core->lock);
}

/* Execute the command at x->pos. */
static void exec_one(struct snpu_core *core, struct snpu_exec *x, uint32_t max_job)
{
	const struct snpu_cmd_header *h = (const void *)(x->cmds + x->pos);
	struct snpu_te_result res = { 0, 0, 0 };
	struct snpu_cmd_regions regs;
	enum snpu_engine eng = SNPU_ENG_CONTROL;
	uint64_t start = snpu_now(core), cycles, mem;
	int rc = check_header(x, x->caps, max_job);

	regs.count = 0;
	x->bytes_host = x->bytes_dram = x->bytes_sram = 0;
	if (rc == SNPU_OK) {
		eng = op_engine(h->opcode);
		if (h->opcode != SNPU_OP_NOP) {
			rc = snpu_cmd_check(h, h->size, &regs);
			if (rc != SNPU_OK)
				snpu_exec_log(x, "command %u (opcode 0x%x): %s", x->index,
					      h->opcode, regs.why);
		}
	}
	if (rc == SNPU_OK) {
		x->cmd_model_start = snpu_model_control_start(&x->model);
		if (eng == SNPU_ENG_TE)
			rc = snpu_te_execute(x, h, h->size, &res);
		else
			rc = run_builtin(x, h, &regs);
	}
	if (rc == SNPU_CMD_SUSPEND)
		return;
	/* cycles(c) = overhead + max(compute, mem) (docs 18.2). The tensor
	 * engine predicts its commands whole (its mem term counts each
	 * operand once, not the engine's re-reads); the processor's own
	 * commands cost the bytes they moved. */
	mem = snpu_timing_bytes_cycles(&core->timing, x->bytes_host, x->bytes_dram,
				       x->bytes_sram);
	if (eng == SNPU_ENG_TE && rc == SNPU_OK)
		cycles = res.pred_cycles;
	else
		cycles = core->timing.cmd_overhead + mem;
	snpu_model_issue(&x->model, eng, rc == SNPU_OK ? &regs : NULL, cycles);
	x->pred_cycles = x->model.job_end;
	if (rc == SNPU_OK) {
		snpu_count(core, SNPU_CNT_COMMANDS, 1);
		snpu_count(core, SNPU_CNT_MACS, res.macs);
	} else if (rc != SNPU_ERR_MMU_FAULT && rc != SNPU_ERR_MMU_PERM) {
		snpu_count(core, SNPU_CNT_ERRORS, 1);
	}
	if (rc != SNPU_OK)
		snpu_job_fail(x, (enum snpu_err)rc);
	write_profile(x, h->opcode, (uint32_t)rc, start, snpu_now(core), cycles);
	if (rc != SNPU_OK || x->status != SNPU_OK)
		return;
	x->pos += h->size;
	x->index++;
	x->cmds_done++;
	publish_progress(core, x);
}

void snpu_job_execute(struct snpu_core *core, struct snpu_exec *x, uint32_t max_cmds)
{
	uint64_t t0 = snpu_now(core);
	uint32_t max_job = core->fw.loaded ? core->fw.sched.max_job_cmds : 0;
	uint32_t n = 0;

	pthread_mutex_lock(&core->lock);
	x->caps = core->fw_caps;
	core->status |= SNPU_STATUS_BUSY;
	pthread_mutex_unlock(&core->lock);

	if (x->ctx_id != core->last_ctx) {
		snpu_count(core, SNPU_CNT_CTX_SWITCHES, 1);
		core->last_ctx = x->ctx_id;
	}
	snpu_sram_enter(core, x);
	while (x->state == SNPU_JOB_RUNNING) {
		if (x->status != SNPU_OK) {
			x->state = SNPU_JOB_FINISHED;
			break;
		}
		if (atomic_load(&core->epoch) != x->epoch) {
			snpu_job_fail(x, SNPU_ERR_ABORTED);
			break;
		}
		if (x->pos >= x->cmd_size) {
			x->state = SNPU_JOB_FINISHED;
			break;
		}
		if (max_cmds && n >= max_cmds)
			break;	/* time slice used: let the arbiter switch */
		exec_one(core, x, max_job);
		n++;
	}
	pthread_mutex_lock(&core->lock);
	core->status &= ~SNPU_STATUS_BUSY;
	pthread_mutex_unlock(&core->lock);
	snpu_count(core, SNPU_CNT_BUSY_NS, snpu_now(core) - t0);
}
