// SPDX-License-Identifier: MIT
/*
 * SNPU memory access of an executing job (snpu_exec.h): context VAs are
 * translated page by page (physically contiguous pages coalesce into one
 * transfer), the SRAM window is bounds-checked, and every byte is accounted
 * per memory kind for the counters and the timing model.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "snpu_core_int.h"

static enum snpu_err sram_access(struct snpu_core *core, struct snpu_exec *x, uint64_t va,
				 void *buf, size_t len, bool write)
{
	uint64_t off = va - SNPU_SRAM_VA;

	if (!(x->caps & SNPU_CAP_SRAM)) {
		x->fault_va = va;
		snpu_exec_log(x, "SRAM access at 0x%llx: SRAM not enabled by the firmware",
			      (unsigned long long)va);
		return SNPU_ERR_SRAM_RANGE;
	}
	if (off >= core->cfg.sram_size || len > core->cfg.sram_size - off) {
		x->fault_va = va;
		snpu_exec_log(x, "SRAM access 0x%llx + %zu outside %u bytes",
			      (unsigned long long)off, len, core->cfg.sram_size);
		return SNPU_ERR_SRAM_RANGE;
	}
	if (write) {
		memcpy(core->sram + off, buf, len);
		if (off + len > core->sram_dirty)
			core->sram_dirty = (uint32_t)(off + len);
	} else {
		memcpy(buf, core->sram + off, len);
	}
	x->sram_used = true;
	x->bytes_sram += len;
	snpu_count(core, SNPU_CNT_SRAM_BYTES, len);
	return SNPU_OK;
}

/* One physically contiguous run: host bus memory or DRAM. */
static enum snpu_err phys_access(struct snpu_core *core, struct snpu_exec *x, uint64_t va,
				 uint64_t pte, uint64_t pa, void *buf, size_t len, bool write)
{
	int rc;

	if (pte & SNPU_PTE_DRAM) {
		if (write)
			memcpy(core->dram + pa, buf, len);
		else
			memcpy(buf, core->dram + pa, len);
		x->bytes_dram += len;
		snpu_count(core, SNPU_CNT_DMA_D2D, len);
		return SNPU_OK;
	}
	if (write)
		rc = core->ops.dma_write(core->ops.opaque, pa, buf, len);
	else
		rc = core->ops.dma_read(core->ops.opaque, pa, buf, len);
	if (rc) {
		x->fault_va = va;
		snpu_exec_log(x, "bus error %s 0x%llx (VA 0x%llx, %zu bytes)",
			      write ? "writing" : "reading", (unsigned long long)pa,
			      (unsigned long long)va, len);
		return SNPU_ERR_DMA;
	}
	x->bytes_host += len;
	snpu_count(core, write ? SNPU_CNT_DMA_D2H : SNPU_CNT_DMA_H2D, len);
	return SNPU_OK;
}

static enum snpu_err access(struct snpu_exec *x, uint64_t va, void *buf, size_t len,
			    bool write)
{
	struct snpu_core *core = x->core;
	uint8_t *p = buf;
	enum snpu_err err;

	if (va + len < va)
		return SNPU_ERR_OVERFLOW;
	while (len) {
		uint64_t pte, pa, run, next;

		if (va >= SNPU_SRAM_VA)
			return sram_access(core, x, va, p, len, write);
		err = snpu_mmu_translate(core, x, va, write, &pte);
		if (err != SNPU_OK)
			return err;
		pa = (pte & SNPU_PTE_ADDR_MASK) | (va & (SNPU_PAGE_SIZE - 1));
		run = SNPU_PAGE_SIZE - (va & (SNPU_PAGE_SIZE - 1));
		if (run > len)
			run = len;
		/* Extend over following pages that continue the same run. */
		for (next = va + run; run < len && next < SNPU_SRAM_VA; next = va + run) {
			uint64_t npte, step;

			if (snpu_mmu_translate(core, x, next, write, &npte) != SNPU_OK)
				break;	/* the next loop iteration reports it */
			if ((npte & SNPU_PTE_DRAM) != (pte & SNPU_PTE_DRAM) ||
			    (npte & SNPU_PTE_ADDR_MASK) != pa + run)
				break;
			step = len - run < SNPU_PAGE_SIZE ? len - run : SNPU_PAGE_SIZE;
			run += step;
		}
		/* A failed probe above may have recorded a fault that is not
		 * (yet) the job's: clear it, the access below is good. */
		x->fault_va = 0;
		x->fault_flags = 0;
		err = phys_access(core, x, va, pte, pa, p, run, write);
		if (err != SNPU_OK)
			return err;
		va += run;
		p += run;
		len -= run;
	}
	return SNPU_OK;
}

enum snpu_err snpu_exec_read(struct snpu_exec *x, uint64_t va, void *dst, size_t len)
{
	return access(x, va, dst, len, false);
}

enum snpu_err snpu_exec_write(struct snpu_exec *x, uint64_t va, const void *src, size_t len)
{
	/* access() does not write through buf when reading it for a store. */
	return access(x, va, (void *)(uintptr_t)src, len, true);
}

const struct snpu_fw_lut *snpu_exec_lut(struct snpu_exec *x, enum snpu_lut_fn fn,
					const uint32_t **samples)
{
	struct snpu_fw_tables *fw = &x->core->fw;

	if ((unsigned int)fn >= SNPU_LUT_COUNT || !fw->loaded || !fw->samples[fn]) {
		if (samples)
			*samples = NULL;
		return NULL;
	}
	if (samples)
		*samples = fw->samples[fn];
	return &fw->lut[fn];
}

void snpu_exec_log(struct snpu_exec *x, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (!x->core->ops.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snpu_logf(x->core, SNPU_LOG_GUEST_ERROR, "snpu: queue %u job seqno %llu ctx %u: %s",
		  x->queue, (unsigned long long)x->desc.seqno, x->ctx_id, msg);
}

const struct snpu_timing *snpu_exec_timing(struct snpu_exec *x)
{
	return &x->core->timing;
}

int snpu_exec_mem_kind(struct snpu_exec *x, uint64_t va)
{
	uint64_t fva = x->fault_va, pte;
	uint32_t ff = x->fault_flags;
	int kind = 1;

	if (va >= SNPU_SRAM_VA)
		return 2;
	if (snpu_mmu_translate(x->core, x, va, false, &pte) == SNPU_OK ||
	    snpu_mmu_translate(x->core, x, va, true, &pte) == SNPU_OK)
		kind = (pte & SNPU_PTE_DRAM) ? 1 : 0;
	x->fault_va = fva;
	x->fault_flags = ff;
	return kind;
}

const atomic_uint *snpu_exec_epoch(struct snpu_exec *x, unsigned int *want)
{
	*want = x->epoch;
	return &x->core->epoch;
}

struct snpu_te_pool *snpu_exec_pool(struct snpu_exec *x)
{
	return x->core->pool;
}
