/* SPDX-License-Identifier: MIT */
/*
 * SNPU device MMU: context table and page tables.
 *
 * Every job runs in one MMU context (its ring descriptor names it). Every
 * address a command carries is a virtual address (VA) of that context,
 * except VAs inside the SRAM window, which address the on-chip scratchpad.
 *
 *  VA layout (SNPU_VA_BITS = 39):
 *    [0, 2^39)                      translated by the context's page table
 *    [SNPU_SRAM_VA, +SRAM_SIZE)     on-chip SRAM, never translated
 *
 * Translation: three levels of 512 eight-byte entries, 4 KiB pages:
 *    L0 index = VA[38:30], L1 index = VA[29:21], L2 index = VA[20:12]
 * Tables live in host memory, 4 KiB aligned, addressed by bus address.
 * An entry that is not VALID faults; a leaf without WRITE faults on store.
 * Leaves address either host memory (bus address) or device DRAM (offset in
 * BAR2), chosen by SNPU_PTE_DRAM.
 *
 * Context table: SNPU_REG_MMU_CTX_TABLE points to MMU_CTX_COUNT entries of
 * struct snpu_mmu_ctx, indexed by context id. The device caches
 * translations; the driver writes SNPU_REG_MMU_INVALIDATE after changing a
 * context entry or any table reachable from it.
 */
#ifndef SNPU_MMU_H
#define SNPU_MMU_H

#include <linux/types.h>

#define SNPU_VA_BITS		39
#define SNPU_VA_SIZE		(1ull << SNPU_VA_BITS)
#define SNPU_PAGE_SHIFT		12
#define SNPU_PAGE_SIZE		(1ull << SNPU_PAGE_SHIFT)
#define SNPU_PT_LEVELS		3
#define SNPU_PT_ENTRIES		512
#define SNPU_PT_SHIFT(level)	(SNPU_PAGE_SHIFT + 9 * (SNPU_PT_LEVELS - 1 - (level)))
#define SNPU_PT_INDEX(va, level) (((va) >> SNPU_PT_SHIFT(level)) & (SNPU_PT_ENTRIES - 1))

/* The SRAM window: VAs at or above this address reach the scratchpad. */
#define SNPU_SRAM_VA		(1ull << SNPU_VA_BITS)

/* Page table entry bits */
#define SNPU_PTE_VALID		(1ull << 0)
#define SNPU_PTE_READ		(1ull << 1)	/* leaf: readable */
#define SNPU_PTE_WRITE		(1ull << 2)	/* leaf: writable */
#define SNPU_PTE_DRAM		(1ull << 3)	/* leaf: address is a DRAM offset */
#define SNPU_PTE_TABLE		(1ull << 4)	/* non-leaf: points to next level */
#define SNPU_PTE_ADDR_MASK	0x000ffffffffff000ull	/* bits 51:12 */
#define SNPU_PTE_RESERVED_MASK	(~(SNPU_PTE_ADDR_MASK | 0x1full))

struct snpu_mmu_ctx {
	__u64 pt_root;		/* bus address of the L0 table | SNPU_CTX_VALID */
	__u32 flags;		/* must be zero */
	__u32 reserved;		/* must be zero */
};
#define SNPU_CTX_VALID		(1ull << 0)

/* Context 0 is reserved to the kernel driver; user contexts start at 1. */
#define SNPU_CTX_KERNEL		0

#endif /* SNPU_MMU_H */
