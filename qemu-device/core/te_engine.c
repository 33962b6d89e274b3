// SPDX-License-Identifier: MIT
/*
 * Tensor engine entry point: validate a tensor command with the shared
 * validator (uapi/snpu_cmd_regions.h), check its host budget (te_budget.c),
 * run it (te_mac.c, te_ops.c, te_move.c) under a cancellation token that
 * a device reset or the time budget fires, and report MACs, elements and
 * predicted cycles (te_timing.c).
 */
#include <string.h>
#include "snpu_cmd_regions.h"
#include "te_internal.h"
#include "te_timing.h"

static uint64_t out_elems(const struct snpu_tensor *t)
{
	return (uint64_t)t->dim[0] * t->dim[1] * t->dim[2] * t->dim[3];
}

static enum te_mem_kind exec_kind(void *arg, uint64_t va)
{
	return (enum te_mem_kind)snpu_exec_mem_kind(arg, va);
}

enum snpu_err snpu_te_execute(struct snpu_exec *x, const struct snpu_cmd_header *cmd,
			      size_t size, struct snpu_te_result *res)
{
	struct te_cmd c = { x, snpu_exec_pool(x), res };
	struct snpu_cmd_regions regs;
	struct te_budget b;
	struct te_cancel cn;
	enum snpu_err err;
	int why;

	memset(res, 0, sizeof(*res));
	if (size > 0xffff) {
		snpu_exec_log(x, "tensor command of %zu bytes: size too large", size);
		return SNPU_ERR_CMD_SIZE;
	}
	if (!snpu_cmd_is_tensor(cmd->opcode)) {
		snpu_exec_log(x, "opcode 0x%x is not a tensor command", cmd->opcode);
		return SNPU_ERR_OPCODE;
	}
	err = (enum snpu_err)snpu_cmd_check(cmd, (uint32_t)size, &regs);
	if (err) {
		snpu_exec_log(x, "tensor opcode 0x%x: %s", cmd->opcode, regs.why);
		return err;
	}
	err = te_budget_cmd(cmd, te_pool_threads(c.pool), &b);
	if (err) {
		snpu_exec_log(x, "tensor opcode 0x%x: needs %llu bytes and %llu work units of the "
			      "host, over the engine's %s limit per command (%llu bytes, %llu units)",
			      cmd->opcode, (unsigned long long)b.mem, (unsigned long long)b.work,
			      b.over, (unsigned long long)TE_MEM_BUDGET,
			      (unsigned long long)TE_WORK_BUDGET);
		return err;
	}
	memset(&cn, 0, sizeof(cn));
	cn.epoch = snpu_exec_epoch(x, &cn.want);
	cn.deadline_ns = te_mono_ns() + TE_TIME_BUDGET_NS;
	atomic_init(&cn.why, 0);
	te_cancel_begin(&cn);
	switch (cmd->opcode) {
	case SNPU_OP_CONV2D: err = te_conv2d(&c, (const void *)cmd); break;
	case SNPU_OP_GEMM: err = te_gemm(&c, (const void *)cmd); break;
	case SNPU_OP_POOL: err = te_pool_cmd(&c, (const void *)cmd); break;
	case SNPU_OP_ELTWISE: err = te_eltwise(&c, (const void *)cmd); break;
	case SNPU_OP_ACTIVATION: err = te_activation(&c, (const void *)cmd); break;
	case SNPU_OP_SOFTMAX: err = te_softmax(&c, (const void *)cmd); break;
	case SNPU_OP_MOVE: err = te_move(&c, (const void *)cmd); break;
	case SNPU_OP_PAD: err = te_pad(&c, (const void *)cmd); break;
	default: err = te_convert(&c, (const void *)cmd); break;
	}
	te_cancel_end();
	why = atomic_load(&cn.why);
	if (why == TE_STOP_RESET) {
		return SNPU_ERR_ABORTED;
	} else if (why) {
		snpu_exec_log(x, "tensor opcode 0x%x: stopped after the host time budget of %llu s",
			      cmd->opcode, (unsigned long long)(TE_TIME_BUDGET_NS / 1000000000ull));
		return SNPU_ERR_OVERFLOW;
	}
	if (err)
		return err;
	res->elems = out_elems(snpu_cmd_output(cmd));
	res->pred_cycles = te_timing_predict(snpu_exec_timing(x), cmd, &regs, exec_kind, x);
	return SNPU_OK;
}
