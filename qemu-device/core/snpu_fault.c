// SPDX-License-Identifier: MIT
/*
 * SNPU fault injection (docs/hardware.md 3.7): debug registers that make
 * the device drop interrupt messages, fail jobs or descriptor fetches with
 * bus errors, hang a queue's next job and fail soft resets, so that a
 * driver's recovery paths (timeouts, queue restarts, soft reset, FLR) can
 * be tested. Active only with snpu_config.fault_injection; every counter
 * is consumed one fault at a time and FI_INJECTED counts what was injected.
 * All functions run with core->lock held.
 */
#include "snpu_core_int.h"

static void injected(struct snpu_core *core, const char *what)
{
	core->fi_injected++;
	snpu_logf(core, SNPU_LOG_TRACE, "snpu: fault injection: %s", what);
}

bool snpu_fi_reg_read_locked(struct snpu_core *core, uint32_t off, uint32_t *v)
{
	bool on = core->cfg.fault_injection;

	switch (off) {
	case SNPU_REG_FI_ENABLE: *v = on; return true;
	case SNPU_REG_FI_DROP_IRQ: *v = core->fi_drop_irq; return true;
	case SNPU_REG_FI_DMA_FAIL: *v = core->fi_dma_fail; return true;
	case SNPU_REG_FI_HANG_QUEUE: *v = core->fi_hang_mask; return true;
	case SNPU_REG_FI_RESET_FAIL: *v = core->fi_reset_fail; return true;
	case SNPU_REG_FI_INJECTED: *v = core->fi_injected; return true;
	default: return false;
	}
}

bool snpu_fi_reg_write_locked(struct snpu_core *core, uint32_t off, uint32_t v)
{
	uint32_t *reg;

	switch (off) {
	case SNPU_REG_FI_DROP_IRQ: reg = &core->fi_drop_irq; break;
	case SNPU_REG_FI_DMA_FAIL:
		reg = &core->fi_dma_fail;
		v &= SNPU_FI_DMA_RING | SNPU_FI_DMA_COUNT;
		break;
	case SNPU_REG_FI_HANG_QUEUE:
		reg = &core->fi_hang_mask;
		v &= (1u << core->cfg.num_queues) - 1;
		break;
	case SNPU_REG_FI_RESET_FAIL: reg = &core->fi_reset_fail; break;
	default: return false;
	}
	if (!core->cfg.fault_injection) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: fault injection register 0x%x written, but fault injection is "
			  "disabled (fault-injection=on): ignored", off);
		return true;
	}
	*reg = v;
	return true;
}

void snpu_fi_clear_locked(struct snpu_core *core)
{
	core->fi_drop_irq = 0;
	core->fi_dma_fail = 0;
	core->fi_hang_mask = 0;
	core->fi_reset_fail = 0;
	core->fi_injected = 0;
	core->fi_reset_failing = false;
}

uint32_t snpu_fi_irqs_locked(struct snpu_core *core, uint32_t send)
{
	uint32_t keep = send;

	while (send && core->fi_drop_irq) {
		uint32_t bit = send & -send;

		send &= ~bit;
		keep &= ~bit;
		core->fi_drop_irq--;
		injected(core, "MSI-X message dropped");
	}
	return keep;
}

bool snpu_fi_reset_locked(struct snpu_core *core)
{
	if (!core->fi_reset_fail)
		return false;
	core->fi_reset_fail--;
	core->fi_reset_failing = true;
	injected(core, "soft reset will not complete");
	return true;
}

void snpu_fi_fetch_locked(struct snpu_core *core, unsigned int q, bool *ring, bool *dma,
			  bool *hang)
{
	*ring = *dma = *hang = false;
	if (core->fi_dma_fail & SNPU_FI_DMA_COUNT) {
		if (core->fi_dma_fail & SNPU_FI_DMA_RING)
			*ring = true;
		else
			*dma = true;
		core->fi_dma_fail--;
		if (!(core->fi_dma_fail & SNPU_FI_DMA_COUNT))
			core->fi_dma_fail = 0;
		injected(core, *ring ? "descriptor fetch bus error" : "job bus error");
		return;
	}
	if (core->fi_hang_mask & (1u << q)) {
		core->fi_hang_mask &= ~(1u << q);
		*hang = true;
		injected(core, "job hangs");
	}
}
