// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU device MMU (uapi/snpu_mmu.h): the context table the device reads,
 * and per-file contexts with their own page tables in DMA-coherent pages.
 *
 * Locking: sdev->mm_lock (a mutex) protects every context's page tables,
 * VA allocator and map list, and the context table entries. The device
 * caches translations: after changing a context entry or a table reachable
 * from it the driver writes SNPU_REG_MMU_INVALIDATE.
 */

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <linux/dma-mapping.h>
#include <linux/lockdep.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "snpu_mmu.h"
#include "snpu_regs.h"

#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_gem.h"
#include "snpu_mmu_ctx.h"

static_assert(PAGE_SIZE == SNPU_PAGE_SIZE);
static_assert(sizeof(struct snpu_mmu_ctx) == 16);

#define SNPU_PT_BYTES	(SNPU_PT_ENTRIES * sizeof(u64))
#define SNPU_LEAF_LEVEL	(SNPU_PT_LEVELS - 1)

static void snpu_mmu_invalidate(struct snpu_device *sdev, u32 ctx)
{
	int idx;

	/* writel() orders the table updates before the invalidation. */
	if (drm_dev_enter(&sdev->drm, &idx)) {
		snpu_wr(sdev, SNPU_REG_MMU_INVALIDATE, ctx);
		drm_dev_exit(idx);
	}
}

static void snpu_ctx_table_free(struct drm_device *drm, void *arg)
{
	struct snpu_device *sdev = to_snpu_device(drm);

	dma_free_coherent(drm->dev, sdev->hw.num_contexts * sizeof(struct snpu_mmu_ctx),
			  sdev->ctx_table, sdev->ctx_table_dma);
}

/**
 * snpu_mmu_init - allocate the context table (all entries invalid)
 * @sdev: the device
 *
 * The table lives as long as the DRM device: contexts of files still open
 * after an unbind may clear their entry until then.
 */
int snpu_mmu_init(struct snpu_device *sdev)
{
	size_t size = sdev->hw.num_contexts * sizeof(struct snpu_mmu_ctx);

	sdev->ctx_table = dma_alloc_coherent(sdev->drm.dev, size, &sdev->ctx_table_dma,
					     GFP_KERNEL);
	if (!sdev->ctx_table)
		return -ENOMEM;
	return drmm_add_action_or_reset(&sdev->drm, snpu_ctx_table_free, NULL);
}

/**
 * snpu_mmu_hw_init - point the device at the context table (after boot and
 * after every reset)
 * @sdev: the device
 */
void snpu_mmu_hw_init(struct snpu_device *sdev)
{
	snpu_wr(sdev, SNPU_REG_MMU_CTX_TABLE_LO, lower_32_bits(sdev->ctx_table_dma));
	snpu_wr(sdev, SNPU_REG_MMU_CTX_TABLE_HI, upper_32_bits(sdev->ctx_table_dma));
	snpu_wr(sdev, SNPU_REG_MMU_CTX_COUNT, sdev->hw.num_contexts);
	snpu_wr(sdev, SNPU_REG_MMU_INVALIDATE, SNPU_MMU_INV_ALL);
}

static void snpu_fault_log(struct snpu_device *sdev, u32 ctx, u32 queue, u64 va, u32 status)
{
	struct snpu_fault_rec *rec;

	spin_lock(&sdev->fault_lock);
	rec = &sdev->fault_log[sdev->fault_count % SNPU_FAULT_LOG_SIZE];
	rec->time_ns = ktime_get_ns();
	rec->ctx = ctx;
	rec->queue = queue;
	rec->va = va;
	rec->status = status;
	sdev->fault_count++;
	spin_unlock(&sdev->fault_lock);
}

/**
 * snpu_mmu_handle_fault - log the device's last MMU fault and acknowledge it
 * @sdev: the device
 *
 * Called from the error vector's thread. The faulting job itself fails
 * with its completion record; this only accounts the fault to its context.
 */
void snpu_mmu_handle_fault(struct snpu_device *sdev)
{
	u32 status = snpu_rd(sdev, SNPU_REG_MMU_FAULT_STATUS);
	u32 ctx, queue;
	u64 va;

	if (!(status & SNPU_MMU_FAULT_VALID))
		return;
	ctx = snpu_rd(sdev, SNPU_REG_MMU_FAULT_CTX);
	queue = snpu_rd(sdev, SNPU_REG_MMU_FAULT_QUEUE);
	va = ((u64)snpu_rd(sdev, SNPU_REG_MMU_FAULT_VA_HI) << 32) |
	     snpu_rd(sdev, SNPU_REG_MMU_FAULT_VA_LO);
	snpu_wr(sdev, SNPU_REG_MMU_FAULT_ACK, 1);

	snpu_fault_log(sdev, ctx, queue, va, status);
	dev_info_ratelimited(&sdev->pdev->dev,
			     "MMU fault: context %u queue %u VA 0x%llx (%s%s%s)\n", ctx, queue, va,
			     status & SNPU_MMU_FAULT_WRITE ? "write" : "read",
			     status & SNPU_MMU_FAULT_PERM ? ", permission" : "",
			     status & SNPU_MMU_FAULT_OVERRUN ? ", more lost" : "");
}

static int snpu_pt_alloc(struct snpu_device *sdev, struct snpu_pt *pt, int level)
{
	pt->cpu = dma_alloc_coherent(sdev->drm.dev, SNPU_PT_BYTES, &pt->dma, GFP_KERNEL);
	if (!pt->cpu)
		return -ENOMEM;
	pt->next = NULL;
	if (level < SNPU_LEAF_LEVEL) {
		pt->next = kcalloc(SNPU_PT_ENTRIES, sizeof(*pt->next), GFP_KERNEL);
		if (!pt->next) {
			dma_free_coherent(sdev->drm.dev, SNPU_PT_BYTES, pt->cpu, pt->dma);
			pt->cpu = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

static void snpu_pt_free(struct snpu_device *sdev, struct snpu_pt *pt, int level)
{
	unsigned int i;

	if (!pt->cpu)
		return;
	if (pt->next) {
		for (i = 0; i < SNPU_PT_ENTRIES; i++) {
			if (!pt->next[i])
				continue;
			snpu_pt_free(sdev, pt->next[i], level + 1);
			kfree(pt->next[i]);
		}
		kfree(pt->next);
	}
	dma_free_coherent(sdev->drm.dev, SNPU_PT_BYTES, pt->cpu, pt->dma);
	pt->cpu = NULL;
}

/**
 * snpu_vm_create - a new context with an empty page table
 * @sdev: the device
 *
 * Return: the context (one reference) or an ERR_PTR: -EBUSY when every
 * context id is taken.
 */
struct snpu_vm *snpu_vm_create(struct snpu_device *sdev)
{
	u64 va_end = 1ull << sdev->hw.va_bits;
	struct snpu_vm *vm;
	int id, ret;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return ERR_PTR(-ENOMEM);

	id = ida_alloc_range(&sdev->ctx_ida, SNPU_CTX_KERNEL + 1, sdev->hw.num_contexts - 1,
			     GFP_KERNEL);
	if (id < 0) {
		ret = id == -ENOSPC ? -EBUSY : id;
		goto err_free;
	}
	ret = snpu_pt_alloc(sdev, &vm->root, 0);
	if (ret)
		goto err_ida;

	kref_init(&vm->ref);
	vm->sdev = sdev;
	vm->id = id;
	INIT_LIST_HEAD(&vm->maps);
	/* VA 0 stays unmapped: a NULL address always faults. */
	drm_mm_init(&vm->mm, SNPU_PAGE_SIZE, va_end - SNPU_PAGE_SIZE);

	mutex_lock(&sdev->mm_lock);
	sdev->ctx_table[id].flags = 0;
	sdev->ctx_table[id].reserved = 0;
	WRITE_ONCE(sdev->ctx_table[id].pt_root, vm->root.dma | SNPU_CTX_VALID);
	snpu_mmu_invalidate(sdev, id);
	mutex_unlock(&sdev->mm_lock);
	return vm;

err_ida:
	ida_free(&sdev->ctx_ida, id);
err_free:
	kfree(vm);
	return ERR_PTR(ret);
}

static void snpu_vm_release(struct kref *ref)
{
	struct snpu_vm *vm = container_of(ref, struct snpu_vm, ref);
	struct snpu_device *sdev = vm->sdev;

	/* BOs still alive (shared, imported elsewhere) forget this context. */
	mutex_lock(&sdev->mm_lock);
	snpu_bo_unmap_vm_locked(vm);
	WRITE_ONCE(sdev->ctx_table[vm->id].pt_root, 0);
	snpu_mmu_invalidate(sdev, vm->id);
	mutex_unlock(&sdev->mm_lock);

	drm_mm_takedown(&vm->mm);
	snpu_pt_free(sdev, &vm->root, 0);
	ida_free(&sdev->ctx_ida, vm->id);
	kfree(vm);
}

void snpu_vm_put(struct snpu_vm *vm)
{
	if (vm)
		kref_put(&vm->ref, snpu_vm_release);
}

/* The leaf table covering va, allocated on the way down if needed. */
static u64 *snpu_vm_leaf(struct snpu_vm *vm, u64 va, bool alloc)
{
	struct snpu_pt *pt = &vm->root;
	struct snpu_pt *child;
	unsigned int level, i;

	for (level = 0; level < SNPU_LEAF_LEVEL; level++) {
		i = SNPU_PT_INDEX(va, level);
		child = pt->next[i];
		if (!child) {
			if (!alloc)
				return NULL;
			child = kzalloc(sizeof(*child), GFP_KERNEL);
			if (!child || snpu_pt_alloc(vm->sdev, child, level + 1)) {
				kfree(child);
				return NULL;
			}
			pt->next[i] = child;
			WRITE_ONCE(pt->cpu[i], child->dma | SNPU_PTE_TABLE | SNPU_PTE_VALID);
		}
		pt = child;
	}
	return &pt->cpu[SNPU_PT_INDEX(va, SNPU_LEAF_LEVEL)];
}

static int snpu_vm_set_pte(struct snpu_vm *vm, u64 va, u64 pte)
{
	u64 *leaf = snpu_vm_leaf(vm, va, true);

	if (!leaf)
		return -ENOMEM;
	WRITE_ONCE(*leaf, pte);
	return 0;
}

/**
 * snpu_vm_unmap_locked - clear the leaves of [va, va + size) and invalidate
 * @vm: the context
 * @va: page aligned
 * @size: page aligned
 */
void snpu_vm_unmap_locked(struct snpu_vm *vm, u64 va, u64 size)
{
	u64 off, *leaf;

	lockdep_assert_held(&vm->sdev->mm_lock);
	for (off = 0; off < size; off += SNPU_PAGE_SIZE) {
		leaf = snpu_vm_leaf(vm, va + off, false);
		if (leaf)
			WRITE_ONCE(*leaf, 0);
	}
	snpu_mmu_invalidate(vm->sdev, vm->id);
}

/**
 * snpu_vm_map_locked - map pages at [va, va + size)
 * @vm: the context
 * @va: page aligned, free in @vm->mm (the caller reserved it)
 * @size: page aligned, covered by @sgt or by the DRAM range
 * @sgt: host pages (DMA-mapped), or NULL for device DRAM
 * @dram_offset: with @sgt NULL, the offset in device DRAM
 * @read_only: the device may only read
 *
 * Return: 0, or -ENOMEM with nothing left mapped.
 */
int snpu_vm_map_locked(struct snpu_vm *vm, u64 va, u64 size, struct sg_table *sgt,
		       u64 dram_offset, bool read_only)
{
	u64 flags = SNPU_PTE_VALID | SNPU_PTE_READ | (read_only ? 0 : SNPU_PTE_WRITE);
	struct sg_dma_page_iter iter;
	u64 off = 0;
	int ret = 0;

	lockdep_assert_held(&vm->sdev->mm_lock);
	if (sgt) {
		for_each_sgtable_dma_page(sgt, &iter, 0) {
			if (off >= size)
				break;
			ret = snpu_vm_set_pte(vm, va + off, (sg_page_iter_dma_address(&iter) &
							     SNPU_PTE_ADDR_MASK) | flags);
			if (ret)
				break;
			off += SNPU_PAGE_SIZE;
		}
		if (!ret && off < size)
			ret = -EINVAL;
	} else {
		for (; off < size; off += SNPU_PAGE_SIZE) {
			ret = snpu_vm_set_pte(vm, va + off, ((dram_offset + off) &
							     SNPU_PTE_ADDR_MASK) |
					      flags | SNPU_PTE_DRAM);
			if (ret)
				break;
		}
	}
	if (ret) {
		snpu_vm_unmap_locked(vm, va, off);
		return ret;
	}
	snpu_mmu_invalidate(vm->sdev, vm->id);
	return 0;
}
