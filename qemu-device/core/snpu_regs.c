// SPDX-License-Identifier: MIT
/*
 * SNPU BAR0 register file: identity, status/control, interrupts, firmware
 * handshake, MMU control, counters; queue blocks are decoded in
 * snpu_queue.c. Any thread may call these (core->lock is taken).
 */
#include <stdatomic.h>

#include "snpu_core_int.h"
#include "snpu_fw.h"

static uint32_t lo32(uint64_t v)
{
	return (uint32_t)v;
}

static uint32_t hi32(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

static bool reg_read_identity(struct snpu_core *core, uint32_t off, uint32_t *v)
{
	const struct snpu_config *c = &core->cfg;

	switch (off) {
	case SNPU_REG_ID: *v = SNPU_ID_MAGIC; break;
	case SNPU_REG_HW_VERSION: *v = SNPU_HW_VERSION; break;
	case SNPU_REG_HW_CAPS: *v = SNPU_CAP_ALL; break;
	case SNPU_REG_NUM_QUEUES: *v = c->num_queues; break;
	case SNPU_REG_DRAM_SIZE_LO: *v = lo32(c->dram_size); break;
	case SNPU_REG_DRAM_SIZE_HI: *v = hi32(c->dram_size); break;
	case SNPU_REG_SRAM_SIZE: *v = c->sram_size; break;
	case SNPU_REG_MAC_ARRAY: *v = (c->mac_rows & 0xffff) | (c->mac_cols << 16); break;
	case SNPU_REG_CLOCK_MHZ: *v = c->clock_mhz; break;
	case SNPU_REG_NUM_CONTEXTS: *v = c->num_contexts; break;
	case SNPU_REG_DRAM_BW: *v = c->dram_bw; break;
	case SNPU_REG_SRAM_BW: *v = c->sram_bw; break;
	case SNPU_REG_PCIE_BW: *v = c->pcie_bw; break;
	case SNPU_REG_CMD_OVERHEAD: *v = c->cmd_overhead; break;
	case SNPU_REG_VA_BITS: *v = SNPU_VA_BITS; break;
	case SNPU_REG_MAX_CMDBUF: *v = SNPU_MAX_CMDBUF; break;
	default: return false;
	}
	return true;
}

static bool reg_read_locked(struct snpu_core *core, uint32_t off, uint32_t *v)
{
	uint64_t t;

	switch (off) {
	case SNPU_REG_STATUS: *v = core->status; return true;
	case SNPU_REG_ERROR: *v = core->error; return true;
	case SNPU_REG_ERROR_INFO: *v = core->error_info; return true;
	case SNPU_REG_SCRATCH: *v = core->scratch; return true;
	case SNPU_REG_TIMESTAMP_LO:
		t = snpu_now(core);
		core->ts_hi_latch = hi32(t);
		*v = lo32(t);
		return true;
	case SNPU_REG_TIMESTAMP_HI: *v = core->ts_hi_latch; return true;
	case SNPU_REG_IRQ_STATUS: *v = core->irq_status; return true;
	case SNPU_REG_IRQ_MASK: *v = core->irq_mask; return true;
	case SNPU_REG_FW_ADDR_LO: *v = lo32(core->fw_addr); return true;
	case SNPU_REG_FW_ADDR_HI: *v = hi32(core->fw_addr); return true;
	case SNPU_REG_FW_SIZE: *v = core->fw_size; return true;
	case SNPU_REG_FW_STATUS: *v = core->fw_status; return true;
	case SNPU_REG_FW_ERROR: *v = core->fw_error; return true;
	case SNPU_REG_FW_VERSION: *v = core->fw_version; return true;
	case SNPU_REG_FW_CAPS: *v = core->fw_caps; return true;
	case SNPU_REG_FW_API: *v = core->fw_api; return true;
	case SNPU_REG_MMU_CTX_TABLE_LO: *v = lo32(core->mmu_ctx_table); return true;
	case SNPU_REG_MMU_CTX_TABLE_HI: *v = hi32(core->mmu_ctx_table); return true;
	case SNPU_REG_MMU_CTX_COUNT: *v = core->mmu_ctx_count; return true;
	case SNPU_REG_MMU_FAULT_STATUS: *v = core->fault_status; return true;
	case SNPU_REG_MMU_FAULT_CTX: *v = core->fault_ctx; return true;
	case SNPU_REG_MMU_FAULT_VA_LO: *v = lo32(core->fault_va); return true;
	case SNPU_REG_MMU_FAULT_VA_HI: *v = hi32(core->fault_va); return true;
	case SNPU_REG_MMU_FAULT_QUEUE: *v = core->fault_queue; return true;
	default:
		break;
	}
	if (snpu_fi_reg_read_locked(core, off, v))
		return true;
	if (off >= SNPU_REG_COUNTER_BASE &&
	    off < SNPU_REG_COUNTER_BASE + 8 * SNPU_NUM_COUNTERS) {
		unsigned int i = (off - SNPU_REG_COUNTER_BASE) / 8;

		if (off % 8 == 0) {
			t = atomic_load(&core->counters[i]);
			core->cnt_hi_latch[i] = hi32(t);
			*v = lo32(t);
		} else {
			*v = core->cnt_hi_latch[i];
		}
		return true;
	}
	if (off >= SNPU_REG_QUEUE_BASE &&
	    off < SNPU_REG_QUEUE(core->cfg.num_queues, 0)) {
		unsigned int q = (off - SNPU_REG_QUEUE_BASE) / SNPU_REG_QUEUE_STRIDE;

		return snpu_queue_reg_read_locked(core, q, off % SNPU_REG_QUEUE_STRIDE, v);
	}
	return false;
}

uint32_t snpu_core_reg_read(struct snpu_core *core, uint32_t offset)
{
	uint32_t v = 0;
	bool ok;

	if (offset >= SNPU_REGS_SIZE || offset % 4) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: read of bad register offset 0x%x", offset);
		return 0;
	}
	if (reg_read_identity(core, offset, &v))
		return v;
	pthread_mutex_lock(&core->lock);
	ok = reg_read_locked(core, offset, &v);
	pthread_mutex_unlock(&core->lock);
	if (!ok) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: read of undefined register 0x%x", offset);
		v = 0;
	}
	return v;
}

static void fw_doorbell_locked(struct snpu_core *core, uint32_t v, bool *kick)
{
	if (v != SNPU_FW_BOOT_MAGIC) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: FW_DOORBELL write 0x%x is not the boot magic", v);
		return;
	}
	if (core->fw_status == SNPU_FW_STATUS_LOADING ||
	    core->fw_status == SNPU_FW_STATUS_RUNNING ||
	    (core->status & SNPU_STATUS_RESETTING)) {
		/* Refused: the running state is kept, FW_ERROR tells why. */
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: FW_DOORBELL while firmware is %s: ignored",
			  core->fw_status == SNPU_FW_STATUS_RUNNING ? "running" :
			  core->fw_status == SNPU_FW_STATUS_LOADING ? "loading" :
			  "resetting");
		core->fw_error = SNPU_FW_ERR_STATE;
		return;
	}
	core->fw_status = SNPU_FW_STATUS_LOADING;
	core->fw_error = SNPU_FW_OK;
	core->status &= ~SNPU_STATUS_BOOT_ERROR;
	core->boot_pending = true;
	*kick = true;
}

/* Unmasking a vector whose status bit is pending sends its message. */
static void irq_mask_write_locked(struct snpu_core *core, uint32_t v, bool *kick)
{
	uint32_t unmasked;

	/* bits of vectors the device does not have read 0 (docs 3.2) */
	v &= SNPU_IRQ_ERROR | ((1u << core->cfg.num_queues) - 1);
	unmasked = core->irq_mask & ~v;
	core->irq_mask = v;
	if (unmasked & core->irq_status) {
		core->irq_send |= unmasked & core->irq_status;
		*kick = true;
	}
	core->irq_send &= ~v;
}

/* Returns false for an undefined or read-only offset. */
static bool reg_write_locked(struct snpu_core *core, uint32_t off, uint32_t v, bool *kick)
{
	switch (off) {
	case SNPU_REG_CONTROL:
		if (v & ~SNPU_CONTROL_SOFT_RESET) {
			/* docs: a write with reserved bits is ignored entirely */
			snpu_logf(core, SNPU_LOG_GUEST_ERROR,
				  "snpu: CONTROL write 0x%x has reserved bits: ignored", v);
			return true;
		}
		if ((v & SNPU_CONTROL_SOFT_RESET) && (core->status & SNPU_STATUS_RESETTING)) {
			snpu_logf(core, SNPU_LOG_GUEST_ERROR,
				  "snpu: SOFT_RESET while a reset is in progress: ignored");
		} else if (v & SNPU_CONTROL_SOFT_RESET) {
			snpu_reset_locked(core);
			snpu_fi_reset_locked(core);
			snpu_count(core, SNPU_CNT_RESETS, 1);
			*kick = true;
		}
		return true;
	case SNPU_REG_SCRATCH: core->scratch = v; return true;
	case SNPU_REG_IRQ_STATUS:
		core->irq_status &= ~v;
		core->irq_send &= ~v;
		return true;
	case SNPU_REG_IRQ_MASK: irq_mask_write_locked(core, v, kick); return true;
	case SNPU_REG_FW_ADDR_LO:
		core->fw_addr = (core->fw_addr & ~0xffffffffull) | v;
		return true;
	case SNPU_REG_FW_ADDR_HI:
		core->fw_addr = (core->fw_addr & 0xffffffffull) | ((uint64_t)v << 32);
		return true;
	case SNPU_REG_FW_SIZE: core->fw_size = v; return true;
	case SNPU_REG_FW_DOORBELL: fw_doorbell_locked(core, v, kick); return true;
	case SNPU_REG_MMU_CTX_TABLE_LO:
		core->mmu_ctx_table = (core->mmu_ctx_table & ~0xffffffffull) | v;
		return true;
	case SNPU_REG_MMU_CTX_TABLE_HI:
		core->mmu_ctx_table = (core->mmu_ctx_table & 0xffffffffull) |
				      ((uint64_t)v << 32);
		return true;
	case SNPU_REG_MMU_CTX_COUNT:
		if (v > core->cfg.num_contexts) {
			snpu_logf(core, SNPU_LOG_GUEST_ERROR,
				  "snpu: MMU_CTX_COUNT %u > %u contexts, clamped",
				  v, core->cfg.num_contexts);
			v = core->cfg.num_contexts;
		}
		core->mmu_ctx_count = v;
		return true;
	case SNPU_REG_MMU_INVALIDATE:
		/* Any invalidation flushes the whole (small) TLB: the worker
		 * syncs with tlb_gen before every translation. */
		atomic_fetch_add(&core->tlb_gen, 1);
		return true;
	case SNPU_REG_MMU_FAULT_ACK:
		core->fault_status = 0;
		return true;
	case SNPU_REG_COUNTER_RESET:
		for (unsigned int i = 0; i < SNPU_NUM_COUNTERS; i++)
			atomic_store(&core->counters[i], 0);
		return true;
	default:
		break;
	}
	if (snpu_fi_reg_write_locked(core, off, v))
		return true;
	if (off >= SNPU_REG_QUEUE_BASE &&
	    off < SNPU_REG_QUEUE(core->cfg.num_queues, 0)) {
		unsigned int q = (off - SNPU_REG_QUEUE_BASE) / SNPU_REG_QUEUE_STRIDE;

		return snpu_queue_reg_write_locked(core, q, off % SNPU_REG_QUEUE_STRIDE, v, kick);
	}
	return false;
}

void snpu_core_reg_write(struct snpu_core *core, uint32_t offset, uint32_t value)
{
	bool kick = false;
	bool ok;

	if (offset >= SNPU_REGS_SIZE || offset % 4) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: write 0x%x to bad register offset 0x%x", value, offset);
		return;
	}
	pthread_mutex_lock(&core->lock);
	ok = reg_write_locked(core, offset, value, &kick);
	if (!ok)
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: write 0x%x to %s register 0x%x ignored", value,
			  offset < SNPU_REG_STATUS ? "read-only" : "undefined or read-only",
			  offset);
	pthread_mutex_unlock(&core->lock);
	if (kick)
		core->ops.kick(core->ops.opaque);
}
