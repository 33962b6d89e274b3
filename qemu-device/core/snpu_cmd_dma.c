// SPDX-License-Identifier: MIT
/*
 * SNPU DMA engine commands: DMA_COPY (2-D, any memory kind to any other,
 * staged through the engine's buffer) and DMA_FILL. Long transfers check
 * for a reset between chunks so a reset never waits on a huge copy, and
 * stop after the same host-time backstop as tensor commands (a copy
 * between aliased pages can span most of the VA space).
 */
#include <string.h>

#include "snpu_core_int.h"
#include "te_budget.h"
#include "te_internal.h"

/* SNPU_ERR_ABORTED on a reset, SNPU_ERR_OVERFLOW past the time budget. */
static enum snpu_err stopped(struct snpu_exec *x, uint64_t deadline)
{
	if (atomic_load(&x->core->epoch) != x->epoch)
		return SNPU_ERR_ABORTED;
	if (te_mono_ns() > deadline) {
		snpu_exec_log(x, "DMA command stopped after the host time budget of %llu s",
			      (unsigned long long)(TE_TIME_BUDGET_NS / 1000000000ull));
		return SNPU_ERR_OVERFLOW;
	}
	return SNPU_OK;
}

/* Shape and footprint overflow were checked by snpu_cmd_check(), which
 * listed the source (regs->r[0]) and destination (regs->r[1]) footprints. */
enum snpu_err snpu_cmd_dma_copy(struct snpu_exec *x, const void *cmd,
				const struct snpu_cmd_regions *regs)
{
	const struct snpu_cmd_dma_copy *c = cmd;
	const struct snpu_cmd_region *sfp = &regs->r[0], *dfp = &regs->r[1];
	uint8_t *buf = x->core->bounce;
	uint64_t deadline = te_mono_ns() + TE_TIME_BUDGET_NS;

	if (regs->count != 2) {
		snpu_exec_log(x, "DMA_COPY: footprints missing");
		return SNPU_ERR_FATAL;
	}
	if (sfp->addr < dfp->addr + dfp->len && dfp->addr < sfp->addr + sfp->len) {
		snpu_exec_log(x, "DMA_COPY: source and destination overlap");
		return SNPU_ERR_SHAPE;
	}
	for (uint32_t r = 0; r < c->rows; r++) {
		uint64_t s = c->src + (uint64_t)r * c->src_stride;
		uint64_t d = c->dst + (uint64_t)r * c->dst_stride;

		for (uint32_t done = 0; done < c->row_bytes;) {
			uint32_t n = c->row_bytes - done;
			enum snpu_err err;

			if (n > SNPU_BOUNCE_SIZE)
				n = SNPU_BOUNCE_SIZE;
			err = stopped(x, deadline);
			if (err == SNPU_OK)
				err = snpu_exec_read(x, s + done, buf, n);
			if (err == SNPU_OK)
				err = snpu_exec_write(x, d + done, buf, n);
			if (err != SNPU_OK)
				return err;
			done += n;
		}
	}
	return SNPU_OK;
}

enum snpu_err snpu_cmd_dma_fill(struct snpu_exec *x, const void *cmd)
{
	const struct snpu_cmd_dma_fill *c = cmd;
	uint32_t *buf = (uint32_t *)(void *)x->core->bounce;
	uint32_t chunk = c->size < SNPU_BOUNCE_SIZE ? c->size : SNPU_BOUNCE_SIZE;
	uint64_t deadline = te_mono_ns() + TE_TIME_BUDGET_NS;

	if (!c->size || c->size % 4 || c->dst % 4) {
		snpu_exec_log(x, "DMA_FILL: size %u and dst 0x%llx must be 4-aligned, size > 0",
			      c->size, (unsigned long long)c->dst);
		return SNPU_ERR_SHAPE;
	}
	for (uint32_t i = 0; i < chunk / 4; i++)
		buf[i] = c->value;
	for (uint32_t done = 0; done < c->size;) {
		uint32_t n = c->size - done < chunk ? c->size - done : chunk;
		enum snpu_err err;

		err = stopped(x, deadline);
		if (err == SNPU_OK)
			err = snpu_exec_write(x, c->dst + done, buf, n);
		if (err != SNPU_OK)
			return err;
		done += n;
	}
	return SNPU_OK;
}
