// SPDX-License-Identifier: MIT
/*
 * Tensor engine entry point: validate a tensor command with the shared
 * validator (uapi/snpu_cmd_regions.h), run it (te_mac.c, te_ops.c,
 * te_move.c) and report MACs, elements and predicted cycles (te_timing.c).
 */
#include <string.h>
#include "snpu_cmd_regions.h"
#include "te_internal.h"
#include "te_timing.h"

static uint64_t out_elems(const struct snpu_tensor *t)
{
	return (uint64_t)t->dim[0] * t->dim[1] * t->dim[2] * t->dim[3];
}

/* Predicted cycles (formula in te_timing.c). */
uint64_t te_predict(const struct snpu_timing *t, const struct snpu_cmd_header *h,
		    const struct snpu_cmd_regions *regs)
{
	uint64_t bytes = 0, cyc;
	uint32_t i;

	for (i = 0; i < regs->count; i++)
		bytes = bytes + regs->r[i].len < bytes ? UINT64_MAX : bytes + regs->r[i].len;
	if (h->opcode == SNPU_OP_CONV2D) {
		const struct snpu_cmd_conv2d *c = (const void *)h;
		uint64_t g = c->groups;

		cyc = te_cycles_mac(t, g, (uint64_t)c->output.dim[0] * c->output.dim[2] *
				    c->output.dim[3],
				    c->weight.dim[0] / g,
				    (uint64_t)c->weight.dim[1] * c->weight.dim[2] * c->weight.dim[3],
				    bytes);
	} else if (h->opcode == SNPU_OP_GEMM) {
		const struct snpu_cmd_gemm *c = (const void *)h;

		cyc = te_cycles_mac(t, (uint64_t)c->c.dim[0] * c->c.dim[1], c->c.dim[2],
				    c->c.dim[3], c->a.dim[3], bytes);
	} else {
		cyc = te_cycles_mem(t, bytes);
	}
	return cyc + t->cmd_overhead;
}

static enum te_mem_kind exec_kind(void *arg, uint64_t va)
{
	return (enum te_mem_kind)snpu_exec_mem_kind(arg, va);
}

/* MACs (conv/gemm) or window reads (pool) a validated command asks for,
 * saturated at UINT64_MAX. */
static uint64_t work_of(const struct snpu_cmd_header *h)
{
	uint64_t w = 1, f[7] = { 1, 1, 1, 1, 1, 1, 1 };
	int i;

	if (h->opcode == SNPU_OP_CONV2D) {
		const struct snpu_cmd_conv2d *c = (const void *)h;

		f[0] = c->output.dim[0];
		f[1] = c->output.dim[1];
		f[2] = c->output.dim[2];
		f[3] = c->output.dim[3];
		f[4] = c->weight.dim[1];
		f[5] = c->weight.dim[2];
		f[6] = c->weight.dim[3];
	} else if (h->opcode == SNPU_OP_GEMM) {
		const struct snpu_cmd_gemm *c = (const void *)h;

		f[0] = c->c.dim[0];
		f[1] = c->c.dim[1];
		f[2] = c->c.dim[2];
		f[3] = c->c.dim[3];
		f[4] = c->a.dim[3];
	} else if (h->opcode == SNPU_OP_POOL) {
		const struct snpu_cmd_pool *c = (const void *)h;

		f[0] = c->output.dim[0];
		f[1] = c->output.dim[1];
		f[2] = c->output.dim[2];
		f[3] = c->output.dim[3];
		f[4] = c->kernel_h;
		f[5] = c->kernel_w;
	}
	for (i = 0; i < 7; i++)
		if (__builtin_mul_overflow(w, f[i], &w))
			return UINT64_MAX;
	return w;
}

enum snpu_err snpu_te_execute(struct snpu_exec *x, const struct snpu_cmd_header *cmd,
			      size_t size, struct snpu_te_result *res)
{
	struct te_cmd c = { x, snpu_exec_pool(x), res };
	struct snpu_cmd_regions regs;
	enum snpu_err err;

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
	if (work_of(cmd) > TE_MAX_WORK) {
		snpu_exec_log(x, "tensor opcode 0x%x: %llu MACs/reads exceed the engine's limit "
			      "of %llu per command", cmd->opcode, (unsigned long long)work_of(cmd),
			      (unsigned long long)TE_MAX_WORK);
		return SNPU_ERR_OVERFLOW;
	}
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
	if (err)
		return err;
	res->elems = out_elems(snpu_cmd_output(cmd));
	res->pred_cycles = te_timing_predict(snpu_exec_timing(x), cmd, &regs, exec_kind, x);
	return SNPU_OK;
}
