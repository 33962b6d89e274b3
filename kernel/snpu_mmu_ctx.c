// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU device MMU (uapi/snpu_mmu.h): the context table the device reads,
 * and per-file contexts with their own page tables in DMA-coherent pages.
 *
 * Locking, outermost first (lockdep checks the order; see also snpu_drv.h):
 *
 *   BO reservation (dma_resv)  protects the BO's list of mappings
 *                              (bo->maps); BO_BIND, UNMAP, BO_INFO, SUBMIT
 *                              (drm_exec) and closing a handle take it
 *                              before the context's lock
 *   vm->lock                   one context's VA allocator, page tables,
 *                              pt_pages and closed-but-busy mappings: two
 *                              files never wait for each other's page-table
 *                              builds
 *   sdev->ctx_lock             the context table, @ctx_vms (which user
 *                              holds which id) and a TLB invalidation with
 *                              its read-back; held briefly, never across
 *                              page-table builds (a released context's
 *                              tables are freed under it, see below)
 *
 * A mapping (struct snpu_bo_map) holds a reference on its BO, so a BO is
 * never freed while mapped: its mappings go with UNMAP, with the closing
 * of its handle in that file (snpu_gem_close()), or when the context is
 * released. A context is released once its file is closed (every handle
 * closed before) and its last job freed: nothing else reaches it then,
 * and it takes no BO's lock. Clearing PTEs, the TLB invalidation and
 * removing the VA range from the allocator happen under vm->lock in one
 * go, so a bind never sees its VA range freed under it.
 *
 * Removal (unbind, hot-unplug) with files still open: once the device is
 * quiesced, snpu_mmu_unplug() frees every context's page tables and the
 * context table before remove returns (no DMA memory of the device
 * outlives its driver). The contexts themselves stay, dead (vm->dead),
 * until their files close: their VA allocator, mappings and BO references
 * are released as usual, but no page-table, context-table or MMIO work is
 * done on them any more, and no context is created. A released context
 * frees its tables under ctx_lock, so removal frees each table exactly
 * once, also for a context being released at the same time.
 *
 * A file gets its context on first use (a BO, a bind, a submit, its
 * CONTEXT_ID): one user holds at most max_user_contexts of the device's
 * contexts, so opening files cannot lock other users out. The device
 * caches translations: after changing a context entry or a table reachable
 * from it the driver writes SNPU_REG_MMU_INVALIDATE.
 */

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <linux/dma-mapping.h>
#include <linux/cred.h>
#include <linux/lockdep.h>
#include <linux/module.h>
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

/*
 * Drop the device's cached translations of ctx and wait until it did:
 * the invalidation is complete once a later BAR0 read returns (hardware.md
 * 12.5). Only then may the caller free pages or tables, or reuse ctx.
 * An unplugged device translates nothing any more.
 */
static void snpu_mmu_invalidate_locked(struct snpu_device *sdev, u32 ctx)
{
	int idx;

	lockdep_assert_held(&sdev->ctx_lock);
	/* writel() orders the table updates before the invalidation. */
	if (drm_dev_enter(&sdev->drm, &idx)) {
		snpu_wr(sdev, SNPU_REG_MMU_INVALIDATE, ctx);
		snpu_rd(sdev, SNPU_REG_SCRATCH);
		drm_dev_exit(idx);
	}
}

/* At removal (ctx_lock held), or with the DRM device if probe failed. */
static void snpu_ctx_table_free(struct drm_device *drm, void *arg)
{
	struct snpu_device *sdev = to_snpu_device(drm);

	if (!sdev->ctx_table)
		return;
	dma_free_coherent(drm->dev, sdev->hw.num_contexts * sizeof(struct snpu_mmu_ctx),
			  sdev->ctx_table, sdev->ctx_table_dma);
	sdev->ctx_table = NULL;
}

/**
 * snpu_mmu_init - allocate the context table (all entries invalid)
 * @sdev: the device
 *
 * The table goes at removal (snpu_mmu_unplug()), or with the DRM device
 * if probe fails.
 */
int snpu_mmu_init(struct snpu_device *sdev)
{
	size_t size = sdev->hw.num_contexts * sizeof(struct snpu_mmu_ctx);

	sdev->ctx_vms = drmm_kcalloc(&sdev->drm, sdev->hw.num_contexts, sizeof(*sdev->ctx_vms),
				     GFP_KERNEL);
	if (!sdev->ctx_vms)
		return -ENOMEM;

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

/* Page tables are charged to the memory cgroup of the task that maps. */
static int snpu_pt_alloc(struct snpu_device *sdev, struct snpu_pt *pt, int level)
{
	pt->cpu = dma_alloc_coherent(sdev->drm.dev, SNPU_PT_BYTES, &pt->dma, GFP_KERNEL_ACCOUNT);
	if (!pt->cpu)
		return -ENOMEM;
	pt->next = NULL;
	pt->used = 0;
	INIT_LIST_HEAD(&pt->free_link);
	if (level < SNPU_LEAF_LEVEL) {
		pt->next = kcalloc(SNPU_PT_ENTRIES, sizeof(*pt->next), GFP_KERNEL_ACCOUNT);
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
		pt->next = NULL;
	}
	dma_free_coherent(sdev->drm.dev, SNPU_PT_BYTES, pt->cpu, pt->dma);
	pt->cpu = NULL;
}

/*
 * Free every page table of vm and mark it dead (vm->lock held, or
 * ctx_lock while vm is being released): the device is quiesced for
 * removal and never translates in it again.
 */
static void snpu_vm_kill(struct snpu_vm *vm)
{
	snpu_pt_free(vm->sdev, &vm->root, 0);
	WRITE_ONCE(vm->pt_pages, 0);
	vm->dead = true;
}

static unsigned int max_user_contexts;
module_param(max_user_contexts, uint, 0644);
MODULE_PARM_DESC(max_user_contexts,
		 "MMU contexts one user (uid) may hold on one device (0, the default: a quarter of the device's contexts)");

/* How many contexts one user may hold: never more than the device has. */
static u32 snpu_user_contexts_max(struct snpu_device *sdev)
{
	u32 usable = sdev->hw.num_contexts - 1;
	u32 max = READ_ONCE(max_user_contexts);

	if (!max)
		max = max(usable / 4, 1u);
	return min(max, usable);
}

static u32 snpu_user_contexts_locked(struct snpu_device *sdev, kuid_t uid)
{
	u32 i, n = 0;

	lockdep_assert_held(&sdev->ctx_lock);
	for (i = SNPU_CTX_KERNEL + 1; i < sdev->hw.num_contexts; i++)
		if (sdev->ctx_vms[i] && uid_eq(sdev->ctx_vms[i]->uid, uid))
			n++;
	return n;
}

/*
 * A context id for uid, within its share (-EDQUOT) and the device's
 * (-EBUSY). A share of every context is no share: a user holding them all
 * finds the device full.
 */
static int snpu_ctx_id_alloc_locked(struct snpu_device *sdev, kuid_t uid)
{
	u32 max = snpu_user_contexts_max(sdev);
	u32 held = snpu_user_contexts_locked(sdev, uid);
	int id;

	lockdep_assert_held(&sdev->ctx_lock);
	if (held >= max && max < sdev->hw.num_contexts - 1) {
		dev_info_ratelimited(&sdev->pdev->dev,
				     "uid %u holds %u MMU contexts (max_user_contexts %u): context refused\n",
				     from_kuid(&init_user_ns, uid), held, max);
		return -EDQUOT;
	}
	id = ida_alloc_range(&sdev->ctx_ida, SNPU_CTX_KERNEL + 1, sdev->hw.num_contexts - 1,
			     GFP_KERNEL);
	if (id == -ENOSPC) {
		dev_info_ratelimited(&sdev->pdev->dev,
				     "all %u MMU contexts are in use: context refused\n",
				     sdev->hw.num_contexts - 1);
		return -EBUSY;
	}
	return id;
}

/**
 * snpu_vm_create - a new context with an empty page table
 * @sdev: the device
 * @uid: the user it is charged to
 *
 * Return: the context (one reference) or an ERR_PTR: -EDQUOT when @uid
 * already holds max_user_contexts contexts, -EBUSY when every context id
 * is taken.
 */
struct snpu_vm *snpu_vm_create(struct snpu_device *sdev, kuid_t uid)
{
	u64 va_end = 1ull << sdev->hw.va_bits;
	struct snpu_vm *vm;
	int id, ret;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	ret = snpu_pt_alloc(sdev, &vm->root, 0);
	if (ret)
		goto err_free;
	vm->pt_pages = 1;

	kref_init(&vm->ref);
	vm->sdev = sdev;
	vm->uid = uid;
	mutex_init(&vm->lock);
	INIT_LIST_HEAD(&vm->closed);
	/* The lowest 64 KiB stay unmapped: a NULL-based address always faults. */
	drm_mm_init(&vm->mm, SNPU_VA_MIN, va_end - SNPU_VA_MIN);

	mutex_lock(&sdev->ctx_lock);
	/* The device was removed (snpu_mmu_unplug()): no new context. */
	id = sdev->ctx_table ? snpu_ctx_id_alloc_locked(sdev, uid) : -ENODEV;
	if (id < 0) {
		mutex_unlock(&sdev->ctx_lock);
		ret = id;
		goto err_pt;
	}
	vm->id = id;
	sdev->ctx_vms[id] = vm;
	sdev->ctx_table[id].flags = 0;
	sdev->ctx_table[id].reserved = 0;
	WRITE_ONCE(sdev->ctx_table[id].pt_root, vm->root.dma | SNPU_CTX_VALID);
	snpu_mmu_invalidate_locked(sdev, id);
	mutex_unlock(&sdev->ctx_lock);
	return vm;

err_pt:
	mutex_destroy(&vm->lock);
	drm_mm_takedown(&vm->mm);
	snpu_pt_free(sdev, &vm->root, 0);
err_free:
	kfree(vm);
	return ERR_PTR(ret);
}

/**
 * snpu_file_vm - the file's context, created on first use
 * @sfile: the file
 *
 * Files that only query the device never take one of its contexts.
 * Return: the context (the file's reference), or an ERR_PTR of
 * snpu_vm_create(); a later call tries again.
 */
struct snpu_vm *snpu_file_vm(struct snpu_file *sfile)
{
	struct snpu_vm *vm = snpu_file_vm_peek(sfile);

	if (vm)
		return vm;
	mutex_lock(&sfile->lock);
	vm = sfile->vm;
	if (!vm) {
		vm = snpu_vm_create(sfile->sdev, sfile->uid);
		if (!IS_ERR(vm))	/* pairs with snpu_file_vm_peek(): seen complete */
			smp_store_release(&sfile->vm, vm);
	}
	mutex_unlock(&sfile->lock);
	return vm;
}

/**
 * snpu_file_vm_peek - the file's context if it has one, without creating it
 * @sfile: the file
 *
 * Return: the context (the file's reference) or NULL.
 */
struct snpu_vm *snpu_file_vm_peek(struct snpu_file *sfile)
{
	/* Pairs with the release in snpu_file_vm(). */
	return smp_load_acquire(&sfile->vm);
}

static void snpu_vm_release(struct kref *ref)
{
	struct snpu_vm *vm = container_of(ref, struct snpu_vm, ref);
	struct snpu_device *sdev = vm->sdev;

	mutex_lock(&sdev->ctx_lock);
	/* A dead context's tables and the context table went at removal. */
	if (!vm->dead) {
		WRITE_ONCE(sdev->ctx_table[vm->id].pt_root, 0);
		snpu_mmu_invalidate_locked(sdev, vm->id);
		/* Under ctx_lock: see snpu_mmu_unplug(). */
		snpu_pt_free(sdev, &vm->root, 0);
	}
	sdev->ctx_vms[vm->id] = NULL;
	mutex_unlock(&sdev->ctx_lock);

	/*
	 * The device no longer translates in this context: mappings whose
	 * handle was closed while busy drop their BOs now (every other one
	 * went with its handle, before the file's release).
	 */
	snpu_bo_release_closed(vm);
	mutex_destroy(&vm->lock);
	drm_mm_takedown(&vm->mm);
	ida_free(&sdev->ctx_ida, vm->id);
	kfree(vm);
}

void snpu_vm_put(struct snpu_vm *vm)
{
	if (vm)
		kref_put(&vm->ref, snpu_vm_release);
}

/**
 * snpu_mmu_unplug - at removal, once the device is quiesced (no job on a
 * ring, no DMA): free the page tables of every context and the context
 * table
 * @sdev: the device
 *
 * The contexts of files still open become dead (see the top of this
 * file); later binds fail with -ENODEV, unmaps and closes only release
 * VA ranges and BO references.
 */
void snpu_mmu_unplug(struct snpu_device *sdev)
{
	struct snpu_vm *vm, *tmp;
	LIST_HEAD(live);
	u32 id;

	mutex_lock(&sdev->ctx_lock);
	for (id = SNPU_CTX_KERNEL + 1; id < sdev->hw.num_contexts; id++) {
		vm = sdev->ctx_vms[id];
		if (!vm)
			continue;
		if (kref_get_unless_zero(&vm->ref))
			list_add_tail(&vm->unplug_link, &live);
		else	/* its release waits for ctx_lock: nothing else reaches it */
			snpu_vm_kill(vm);
	}
	snpu_ctx_table_free(&sdev->drm, NULL);
	mutex_unlock(&sdev->ctx_lock);

	/* vm->lock before ctx_lock: a bind, unmap or close may hold it now. */
	list_for_each_entry_safe(vm, tmp, &live, unplug_link) {
		mutex_lock(&vm->lock);
		snpu_vm_kill(vm);
		mutex_unlock(&vm->lock);
		snpu_vm_put(vm);
	}
}

/*
 * The tables covering va, root first: path[level] for every level down to
 * the leaf table (allocated on the way down if alloc). Return: the leaf
 * table, or NULL (not allocated, or out of memory).
 */
static struct snpu_pt *snpu_vm_walk(struct snpu_vm *vm, u64 va, bool alloc,
				    struct snpu_pt **path)
{
	struct snpu_pt *pt = &vm->root;
	struct snpu_pt *child;
	unsigned int level, i;

	for (level = 0; level < SNPU_LEAF_LEVEL; level++) {
		path[level] = pt;
		i = SNPU_PT_INDEX(va, level);
		child = pt->next[i];
		if (!child) {
			if (!alloc)
				return NULL;
			child = kzalloc(sizeof(*child), GFP_KERNEL_ACCOUNT);
			if (!child || snpu_pt_alloc(vm->sdev, child, level + 1)) {
				kfree(child);
				return NULL;
			}
			WRITE_ONCE(vm->pt_pages, vm->pt_pages + 1);
			pt->next[i] = child;
			pt->used++;
			WRITE_ONCE(pt->cpu[i], child->dma | SNPU_PTE_TABLE | SNPU_PTE_VALID);
		}
		pt = child;
	}
	path[SNPU_LEAF_LEVEL] = pt;
	return pt;
}

static int snpu_vm_set_pte(struct snpu_vm *vm, u64 va, u64 pte)
{
	struct snpu_pt *path[SNPU_PT_LEVELS];
	struct snpu_pt *leaf = snpu_vm_walk(vm, va, true, path);
	u64 *e;

	if (!leaf)
		return -ENOMEM;
	e = &leaf->cpu[SNPU_PT_INDEX(va, SNPU_LEAF_LEVEL)];
	if (!*e)
		leaf->used++;
	WRITE_ONCE(*e, pte);
	return 0;
}

/*
 * Clear the leaf entry of va; tables left empty are unhooked from their
 * parent and queued on dead (freed after the TLB invalidation).
 */
static void snpu_vm_clear_pte(struct snpu_vm *vm, u64 va, struct list_head *dead)
{
	struct snpu_pt *path[SNPU_PT_LEVELS];
	struct snpu_pt *pt = snpu_vm_walk(vm, va, false, path);
	unsigned int level, i;

	if (!pt || !pt->cpu[SNPU_PT_INDEX(va, SNPU_LEAF_LEVEL)])
		return;
	WRITE_ONCE(pt->cpu[SNPU_PT_INDEX(va, SNPU_LEAF_LEVEL)], 0);
	pt->used--;
	for (level = SNPU_LEAF_LEVEL; level > 0 && !path[level]->used; level--) {
		i = SNPU_PT_INDEX(va, level - 1);
		WRITE_ONCE(path[level - 1]->cpu[i], 0);
		path[level - 1]->next[i] = NULL;
		path[level - 1]->used--;
		list_add_tail(&path[level]->free_link, dead);
	}
}

/**
 * snpu_vm_unmap_locked - clear the leaves of [va, va + size), invalidate
 * and wait, then free the tables left empty
 * @vm: the context
 * @va: page aligned
 * @size: page aligned
 */
void snpu_vm_unmap_locked(struct snpu_vm *vm, u64 va, u64 size)
{
	struct snpu_pt *pt, *tmp;
	LIST_HEAD(dead);
	u64 off;

	lockdep_assert_held(&vm->lock);
	if (vm->dead)	/* no table left, nothing translates */
		return;
	for (off = 0; off < size; off += SNPU_PAGE_SIZE)
		snpu_vm_clear_pte(vm, va + off, &dead);
	mutex_lock(&vm->sdev->ctx_lock);
	snpu_mmu_invalidate_locked(vm->sdev, vm->id);
	mutex_unlock(&vm->sdev->ctx_lock);
	list_for_each_entry_safe(pt, tmp, &dead, free_link) {
		/* Children of an empty table are gone already: frees one page. */
		snpu_pt_free(vm->sdev, pt, SNPU_LEAF_LEVEL);
		kfree(pt);
		WRITE_ONCE(vm->pt_pages, vm->pt_pages - 1);
	}
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

	lockdep_assert_held(&vm->lock);
	if (vm->dead)
		return -ENODEV;
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
	/* Adding translations needs no invalidation (hardware.md 12.5). */
	return 0;
}
