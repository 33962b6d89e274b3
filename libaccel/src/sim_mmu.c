/* SPDX-License-Identifier: MIT */
/*
 * "sim" backend: the device MMU tables, built in host memory the way the
 * kernel driver builds them (uapi/snpu_mmu.h): a context table with one
 * user context, three levels of 512-entry tables, 4 KiB pages. Callers
 * hold s->lock.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void *pt_alloc(struct sim_dev *s)
{
	void *p;

	if (s->npt == s->cappt) {
		size_t cap = s->cappt ? 2 * s->cappt : 64;
		void **n = realloc(s->pt_pages, cap * sizeof(*n));

		if (!n)
			return NULL;
		s->pt_pages = n;
		s->cappt = cap;
	}
	p = accel__sim_dma_alloc(s, SNPU_PAGE_SIZE, SNPU_PAGE_SIZE);
	if (p)
		s->pt_pages[s->npt++] = p;
	return p;
}

accel_status accel__sim_mmu_init(struct sim_dev *s)
{
	uint64_t table;

	s->ctx_table = accel__sim_dma_alloc(s, 2 * sizeof(struct snpu_mmu_ctx), 64);
	s->l0 = pt_alloc(s);
	if (!s->ctx_table || !s->l0)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: no memory for MMU tables");
	s->ctx_table[SIM_CTX_ID].pt_root = (uintptr_t)s->l0 | SNPU_CTX_VALID;
	table = (uintptr_t)s->ctx_table;
	snpu_core_reg_write(s->core, SNPU_REG_MMU_CTX_TABLE_LO, (uint32_t)table);
	snpu_core_reg_write(s->core, SNPU_REG_MMU_CTX_TABLE_HI, (uint32_t)(table >> 32));
	snpu_core_reg_write(s->core, SNPU_REG_MMU_CTX_COUNT, 2);
	snpu_core_reg_write(s->core, SNPU_REG_MMU_INVALIDATE, SNPU_MMU_INV_ALL);
	return ACCEL_OK;
}

void accel__sim_mmu_fini(struct sim_dev *s)
{
	for (size_t i = 0; i < s->npt; i++)
		accel__sim_dma_free(s, s->pt_pages[i]);
	free(s->pt_pages);
	s->pt_pages = NULL;
	s->npt = s->cappt = 0;
	accel__sim_dma_free(s, s->ctx_table);
	s->ctx_table = NULL;
	s->l0 = NULL;
}

/* The leaf-table entry for va, creating intermediate tables if asked. */
static uint64_t *pte_slot(struct sim_dev *s, uint64_t va, bool create)
{
	uint64_t *t = s->l0;

	for (int level = 0; level < SNPU_PT_LEVELS - 1; level++) {
		uint64_t *e = &t[SNPU_PT_INDEX(va, level)];

		if (!(*e & SNPU_PTE_VALID)) {
			uint64_t *n;

			if (!create)
				return NULL;
			n = pt_alloc(s);
			if (!n)
				return NULL;
			*e = ((uintptr_t)n & SNPU_PTE_ADDR_MASK) | SNPU_PTE_VALID | SNPU_PTE_TABLE;
		}
		t = (uint64_t *)(uintptr_t)(*e & SNPU_PTE_ADDR_MASK);
	}
	return &t[SNPU_PT_INDEX(va, SNPU_PT_LEVELS - 1)];
}

accel_status accel__sim_mmu_map(struct sim_dev *s, uint64_t va, uint64_t addr, uint64_t npages,
				bool dram, bool writable)
{
	uint64_t flags = SNPU_PTE_VALID | SNPU_PTE_READ | (writable ? SNPU_PTE_WRITE : 0) |
			 (dram ? SNPU_PTE_DRAM : 0);

	for (uint64_t i = 0; i < npages; i++) {
		uint64_t *e = pte_slot(s, va + i * SNPU_PAGE_SIZE, true);

		if (!e) {
			accel__sim_mmu_unmap(s, va, i);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: no memory for page tables");
		}
		*e = ((addr + i * SNPU_PAGE_SIZE) & SNPU_PTE_ADDR_MASK) | flags;
	}
	snpu_core_reg_write(s->core, SNPU_REG_MMU_INVALIDATE, SIM_CTX_ID);
	return ACCEL_OK;
}

void accel__sim_mmu_unmap(struct sim_dev *s, uint64_t va, uint64_t npages)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t *e = pte_slot(s, va + i * SNPU_PAGE_SIZE, false);

		if (e)
			*e = 0;
	}
	snpu_core_reg_write(s->core, SNPU_REG_MMU_INVALIDATE, SIM_CTX_ID);
}
