// SPDX-License-Identifier: MIT
/*
 * SNPU device MMU: context table lookup, the three-level page-table walk
 * with every entry checked (valid, table/leaf, reserved bits, DRAM range),
 * READ/WRITE permissions and a small direct-mapped TLB that MMU_INVALIDATE
 * flushes.
 */
#include <string.h>

#include "snpu_core_int.h"

_Static_assert(sizeof(struct snpu_mmu_ctx) == 16, "context entry is 16 bytes");

void snpu_tlb_flush(struct snpu_core *core)
{
	memset(core->tlb, 0, sizeof(core->tlb));
}

void snpu_tlb_sync(struct snpu_core *core)
{
	unsigned int gen = atomic_load(&core->tlb_gen);

	if (gen != core->worker_tlb_gen) {
		snpu_tlb_flush(core);
		core->worker_tlb_gen = gen;
	}
}

enum snpu_err snpu_mmu_load_ctx(struct snpu_core *core, struct snpu_exec *x,
				uint64_t table, uint32_t count)
{
	struct snpu_mmu_ctx e;
	uint64_t addr;

	if (x->ctx_id >= count || x->ctx_id >= core->cfg.num_contexts) {
		snpu_exec_log(x, "context %u outside the table of %u entries", x->ctx_id, count);
		return SNPU_ERR_CONTEXT;
	}
	if (table % 8) {
		snpu_exec_log(x, "context table 0x%llx not 8-aligned", (unsigned long long)table);
		return SNPU_ERR_CONTEXT;
	}
	addr = table + (uint64_t)x->ctx_id * sizeof(e);
	if (addr < table ||
	    core->ops.dma_read(core->ops.opaque, addr, &e, sizeof(e))) {
		snpu_exec_log(x, "context %u entry at 0x%llx unreadable", x->ctx_id,
			      (unsigned long long)addr);
		return SNPU_ERR_CONTEXT;
	}
	snpu_count(core, SNPU_CNT_DMA_H2D, sizeof(e));
	if (!(e.pt_root & SNPU_CTX_VALID) || e.flags || e.reserved ||
	    (e.pt_root & ~(SNPU_PTE_ADDR_MASK | SNPU_CTX_VALID))) {
		snpu_exec_log(x, "context %u entry invalid (root 0x%llx flags 0x%x reserved 0x%x)",
			      x->ctx_id, (unsigned long long)e.pt_root, e.flags, e.reserved);
		return SNPU_ERR_CONTEXT;
	}
	x->pt_root = e.pt_root & SNPU_PTE_ADDR_MASK;
	return SNPU_OK;
}

static struct snpu_tlb_entry *tlb_slot(struct snpu_core *core, uint32_t ctx, uint64_t vpn)
{
	uint64_t h = (vpn ^ ((uint64_t)ctx * 0x9e3779b97f4a7c15ull)) * 0x9e3779b97f4a7c15ull;

	return &core->tlb[(h >> 32) % SNPU_TLB_ENTRIES];
}

/* Walk the page table of x for va. Returns SNPU_OK with the leaf in *pte,
 * or SNPU_ERR_MMU_FAULT (invalid entry anywhere) / SNPU_ERR_DMA. */
static enum snpu_err walk(struct snpu_core *core, struct snpu_exec *x, uint64_t va,
			  uint64_t *pte)
{
	uint64_t table = x->pt_root;

	for (int level = 0; level < SNPU_PT_LEVELS; level++) {
		uint64_t ea = table + 8 * SNPU_PT_INDEX(va, level);
		uint64_t e;

		if (core->ops.dma_read(core->ops.opaque, ea, &e, sizeof(e)))
			return SNPU_ERR_DMA;
		if (!(e & SNPU_PTE_VALID) || (e & SNPU_PTE_RESERVED_MASK))
			return SNPU_ERR_MMU_FAULT;
		if (level < SNPU_PT_LEVELS - 1) {
			/* Only table pointers above the leaf level. */
			if (!(e & SNPU_PTE_TABLE) ||
			    (e & (SNPU_PTE_READ | SNPU_PTE_WRITE | SNPU_PTE_DRAM)))
				return SNPU_ERR_MMU_FAULT;
			table = e & SNPU_PTE_ADDR_MASK;
			continue;
		}
		if (e & SNPU_PTE_TABLE)
			return SNPU_ERR_MMU_FAULT;
		if ((e & SNPU_PTE_DRAM) &&
		    (e & SNPU_PTE_ADDR_MASK) + SNPU_PAGE_SIZE > core->cfg.dram_size)
			return SNPU_ERR_MMU_FAULT;
		*pte = e;
	}
	return SNPU_OK;
}

enum snpu_err snpu_mmu_translate(struct snpu_core *core, struct snpu_exec *x, uint64_t va,
				 bool write, uint64_t *pte)
{
	uint64_t vpn = va >> SNPU_PAGE_SHIFT;
	struct snpu_tlb_entry *t;
	enum snpu_err err;

	snpu_tlb_sync(core);
	t = tlb_slot(core, x->ctx_id, vpn);
	if (t->valid && t->ctx == x->ctx_id && t->vpn == vpn) {
		*pte = t->pte;
	} else {
		err = walk(core, x, va, pte);
		if (err != SNPU_OK) {
			x->fault_va = va;
			x->fault_flags = SNPU_MMU_FAULT_VALID | (write ? SNPU_MMU_FAULT_WRITE : 0);
			if (err == SNPU_ERR_DMA)
				x->fault_flags = 0;
			return err;
		}
		t->valid = true;
		t->ctx = x->ctx_id;
		t->vpn = vpn;
		t->pte = *pte;
	}
	if (!(*pte & (write ? SNPU_PTE_WRITE : SNPU_PTE_READ))) {
		x->fault_va = va;
		x->fault_flags = SNPU_MMU_FAULT_VALID | SNPU_MMU_FAULT_PERM |
				 (write ? SNPU_MMU_FAULT_WRITE : 0);
		return SNPU_ERR_MMU_PERM;
	}
	return SNPU_OK;
}
