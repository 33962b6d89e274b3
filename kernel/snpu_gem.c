// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNPU buffer objects, of two GEM object types sharing struct snpu_bo:
 *
 * SYSTEM BOs (struct snpu_shmem_bo) are GEM shmem objects: their pages are
 * pinned and DMA-mapped the first time the BO is mapped into a context, and
 * stay so until the BO is freed; the device's removal unmaps them (the
 * pages stay pinned until the BO is freed: a process may still use its CPU
 * mapping), as it does the sg tables of PRIME imports. DEVICE BOs
 * (struct snpu_device_bo) are ranges of device DRAM (BAR2) handed out by a
 * drm_mm allocator, cleared before use, mmap()ed write-combined through the
 * BAR2 aperture; they have no shmem backing and cannot be exported. Both
 * are charged to the user who created them, within a share per user
 * (max_user_pinned_mb, max_user_dram_mb).
 *
 * A BO is mapped into the creator's context at creation, and into any
 * context holding a handle with DRM_IOCTL_SNPU_BO_BIND (PRIME imports). A
 * mapping lives until it is unbound or the BO's handle in that file is
 * closed (a job still using it keeps its VA and PTEs until the BO is idle);
 * each holds a reference on its BO. Locking: snpu_mmu_ctx.c.
 */

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>
#include <drm/drm_prime.h>
#include <drm/drm_vma_manager.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include "drm/snpu_accel.h"
#include "snpu_mmu.h"

#include "snpu_drv.h"
#include "snpu_gem.h"
#include "snpu_mmu_ctx.h"

MODULE_IMPORT_NS(DMA_BUF);	/* dma_buf_attach(), dma_buf_detach() */

static const struct drm_gem_object_funcs snpu_shmem_funcs;
static const struct drm_gem_object_funcs snpu_device_funcs;

/* drm_gem_shmem_free() kfree()s the shmem object: it must be the allocation. */
static_assert(offsetof(struct snpu_shmem_bo, shmem) == 0);

static struct snpu_shmem_bo *to_snpu_shmem_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct snpu_shmem_bo, shmem.base);
}

static struct snpu_device_bo *to_snpu_device_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct snpu_device_bo, base);
}

/**
 * to_snpu_bo - the SNPU part of a GEM object of this driver
 * @obj: a SYSTEM or DEVICE BO (or a PRIME import, a SYSTEM BO)
 */
struct snpu_bo *to_snpu_bo(struct drm_gem_object *obj)
{
	if (obj->funcs == &snpu_device_funcs)
		return &to_snpu_device_bo(obj)->bo;
	return &to_snpu_shmem_bo(obj)->bo;
}

static void snpu_bo_init(struct snpu_bo *bo, struct drm_gem_object *obj, u32 flags)
{
	bo->obj = obj;
	bo->flags = flags;
	INIT_LIST_HEAD(&bo->maps);
}

struct snpu_bo_map *snpu_bo_find_map_locked(struct snpu_bo *bo, struct snpu_vm *vm)
{
	struct snpu_bo_map *map;

	dma_resv_assert_held(bo->obj->resv);
	list_for_each_entry(map, &bo->maps, bo_link)
		if (map->vm == vm)
			return map;
	return NULL;
}

/* Clear the PTEs, wait for the TLB invalidation, free the VA range. */
static void snpu_bo_map_unmap_locked(struct snpu_bo_map *map)
{
	lockdep_assert_held(&map->vm->lock);
	snpu_vm_unmap_locked(map->vm, map->node.start, map->node.size);
	drm_mm_remove_node(&map->node);
}

/* Unmapped maps on list: drop their BO references (with no lock held). */
static void snpu_bo_maps_free(struct list_head *list)
{
	struct snpu_bo_map *map, *tmp;

	list_for_each_entry_safe(map, tmp, list, vm_link) {
		list_del(&map->vm_link);
		drm_gem_object_put(map->bo->obj);
		kfree(map);
	}
}

/*
 * Mappings whose handle was closed while a job used the BO and whose BO
 * is idle now (no job can start on them: they left bo->maps): unmap them
 * and move them to idle, to be freed once the locks are dropped.
 */
static void snpu_vm_reap_closed_locked(struct snpu_vm *vm, struct list_head *idle)
{
	struct snpu_bo_map *map, *tmp;

	lockdep_assert_held(&vm->lock);
	list_for_each_entry_safe(map, tmp, &vm->closed, vm_link) {
		if (!dma_resv_test_signaled(map->bo->obj->resv, DMA_RESV_USAGE_BOOKKEEP))
			continue;
		snpu_bo_map_unmap_locked(map);
		list_move_tail(&map->vm_link, idle);
	}
}

/*
 * The context is released: no job of it is left, the device no longer
 * translates in it and its tables go with it. Only mappings closed while
 * busy are left; nothing else reaches the context, so no lock is taken.
 */
void snpu_bo_release_closed(struct snpu_vm *vm)
{
	struct snpu_bo_map *map;

	list_for_each_entry(map, &vm->closed, vm_link)
		drm_mm_remove_node(&map->node);
	snpu_bo_maps_free(&vm->closed);
}

/*
 * Unmap bo from vm, if mapped there (its handle in vm's file is closed, or
 * BO_CREATE failed after mapping it). While a job may still use the
 * mapping its VA range and PTEs stay, on vm->closed, until a later bind,
 * unmap or close in vm finds the BO idle, or vm is released.
 */
static void snpu_bo_close_vm(struct snpu_bo *bo, struct snpu_vm *vm)
{
	struct dma_resv *resv = bo->obj->resv;
	struct snpu_bo_map *map;
	LIST_HEAD(idle);

	dma_resv_lock(resv, NULL);
	map = snpu_bo_find_map_locked(bo, vm);
	if (map) {
		list_del(&map->bo_link);
		mutex_lock(&vm->lock);
		list_add_tail(&map->vm_link, &vm->closed);
		snpu_vm_reap_closed_locked(vm, &idle);
		mutex_unlock(&vm->lock);
	}
	dma_resv_unlock(resv);
	snpu_bo_maps_free(&idle);
}

/*
 * drm_gem_object_funcs.close: a handle of obj in file is closed, which
 * unmaps obj from the file's context (all of a file's handles are closed
 * before its context is released).
 */
static void snpu_gem_close(struct drm_gem_object *obj, struct drm_file *file)
{
	struct snpu_file *sfile = file->driver_priv;
	struct snpu_vm *vm = snpu_file_vm_peek(sfile);

	if (vm)
		snpu_bo_close_vm(to_snpu_bo(obj), vm);
}

/*
 * Map bo into vm at *va (fixed) or at a VA chosen here, returned in *va.
 * Through a handle (BO_BIND: file, handle), the handle must still name the
 * BO once its reservation is locked: closing a handle removes it from the
 * file before .close takes the reservation lock to unmap, so a bind that
 * saw the handle gone must not map (the mapping would outlive its handle,
 * on no list that unbinds or releases it), and one that saw it there is
 * found by that .close. BO_CREATE maps before the handle exists (NULL).
 */
static int snpu_bo_map(struct snpu_bo *bo, struct snpu_vm *vm, u64 *va, bool fixed,
		       bool read_only, struct drm_file *file, u32 handle)
{
	struct drm_gem_object *named = NULL;
	struct drm_gem_object *obj = bo->obj;
	struct sg_table *sgt = NULL;
	struct snpu_bo_map *map;
	u64 dram_offset = 0;
	LIST_HEAD(idle);
	int ret;

	/* Read-only is the BO's: no context maps it writable. */
	read_only |= bo->flags & DRM_SNPU_BO_READ_ONLY;
	if (bo->flags & DRM_SNPU_BO_DEVICE) {
		dram_offset = to_snpu_device_bo(obj)->dram.start;
	} else {
		/* Takes the reservation lock itself. */
		sgt = drm_gem_shmem_get_pages_sgt(&to_snpu_shmem_bo(obj)->shmem);
		if (IS_ERR(sgt))
			return PTR_ERR(sgt);
	}
	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	INIT_LIST_HEAD(&map->vm_link);

	ret = dma_resv_lock_interruptible(obj->resv, NULL);
	if (ret)
		goto err_free;
	if (file) {
		/* Its reference is dropped with the reservation unlocked. */
		named = drm_gem_object_lookup(file, handle);
		if (named != obj) {
			ret = -ENOENT;
			goto err_unlock_resv;
		}
	}
	if (snpu_bo_find_map_locked(bo, vm)) {
		ret = -EBUSY;
		goto err_unlock_resv;
	}
	mutex_lock(&vm->lock);
	snpu_vm_reap_closed_locked(vm, &idle);
	if (fixed) {
		map->node.start = *va;
		map->node.size = obj->size;
		ret = drm_mm_reserve_node(&vm->mm, &map->node);
	} else {
		ret = drm_mm_insert_node_generic(&vm->mm, &map->node, obj->size,
						 SNPU_PAGE_SIZE, 0, DRM_MM_INSERT_BEST);
	}
	if (ret) {
		ret = -ENOSPC;
		goto err_unlock;
	}
	ret = snpu_vm_map_locked(vm, map->node.start, obj->size, sgt, dram_offset, read_only);
	if (ret) {
		drm_mm_remove_node(&map->node);
		goto err_unlock;
	}
	mutex_unlock(&vm->lock);
	map->bo = bo;
	map->vm = vm;
	map->read_only = read_only;
	drm_gem_object_get(obj);	/* the mapping's reference */
	list_add_tail(&map->bo_link, &bo->maps);
	*va = map->node.start;
	dma_resv_unlock(obj->resv);
	drm_gem_object_put(named);
	snpu_bo_maps_free(&idle);
	return 0;

err_unlock:
	mutex_unlock(&vm->lock);
err_unlock_resv:
	dma_resv_unlock(obj->resv);
	drm_gem_object_put(named);
	snpu_bo_maps_free(&idle);
err_free:
	kfree(map);
	return ret;
}

/* ---- per-user limits ---------------------------------------------------------- */

/*
 * Memory a BO holds until it is freed (pinned host pages, device DRAM) is
 * bounded per user, so that one user cannot lock every other out: it is
 * charged at BO_CREATE to the real uid of the file's opener, recorded in
 * the BO, and uncharged when the BO is freed, by whichever file, mapping
 * or job drops the last reference.
 */

/* Charge bytes to uid: -EDQUOT if it would then hold more than max. */
static int snpu_user_charge(struct snpu_device *sdev, struct snpu_user_limit *limit,
			    kuid_t uid, u64 bytes, u64 max)
{
	unsigned long key = from_kuid(&init_user_ns, uid);
	u64 held;
	int ret;

	mutex_lock(&limit->lock);
	held = xa_to_value(xa_load(&limit->held, key) ?: xa_mk_value(0));
	if (bytes > max || held > max - bytes) {
		dev_info_ratelimited(&sdev->pdev->dev,
				     "uid %lu has %llu KiB %s, %llu KiB more refused (%s %llu)\n",
				     key, held >> 10, limit->what, bytes >> 10, limit->param,
				     max >> 20);
		ret = -EDQUOT;
	} else {
		ret = xa_err(xa_store(&limit->held, key, xa_mk_value(held + bytes), GFP_KERNEL));
	}
	mutex_unlock(&limit->lock);
	return ret;
}

static void snpu_user_uncharge(struct snpu_user_limit *limit, kuid_t uid, u64 bytes)
{
	unsigned long key = from_kuid(&init_user_ns, uid);
	u64 held;

	mutex_lock(&limit->lock);
	held = xa_to_value(xa_load(&limit->held, key) ?: xa_mk_value(0));
	if (WARN_ON(held < bytes))
		held = bytes;
	if (held == bytes)
		xa_erase(&limit->held, key);
	else	/* replaces the entry: allocates nothing */
		xa_store(&limit->held, key, xa_mk_value(held - bytes), GFP_KERNEL);
	mutex_unlock(&limit->lock);
}

static void snpu_user_limit_fini(struct drm_device *drm, void *arg)
{
	struct snpu_user_limit *limit = arg;

	xa_destroy(&limit->held);
}

/* For the DRM device's lifetime; every BO is freed before it ends. */
static int snpu_user_limit_init(struct snpu_device *sdev, struct snpu_user_limit *limit,
				const char *what, const char *param)
{
	int ret;

	limit->what = what;
	limit->param = param;
	xa_init(&limit->held);
	ret = drmm_add_action_or_reset(&sdev->drm, snpu_user_limit_fini, limit);
	if (ret)
		return ret;
	return drmm_mutex_init(&sdev->drm, &limit->lock);
}

/* ---- SYSTEM BOs: GEM shmem ------------------------------------------------ */

/*
 * A SYSTEM BO's pages are pinned from its creation (it is mapped in the
 * creator's context at once) until it is freed: pinned memory cannot be
 * reclaimed or swapped, so each user gets a share of it.
 */
static unsigned int max_user_pinned_mb;
module_param(max_user_pinned_mb, uint, 0644);
MODULE_PARM_DESC(max_user_pinned_mb,
		 "MiB of SYSTEM BOs one user (uid) may have pinned on one device (0, the default: half of RAM)");

static u64 snpu_user_pinned_max(void)
{
	u64 mb = READ_ONCE(max_user_pinned_mb);

	return mb ? mb << 20 : ((u64)totalram_pages() << PAGE_SHIFT) / 2;
}

/*
 * Release a SYSTEM BO's DMA mapping for the device, the sg table of
 * drm_gem_shmem_get_pages_sgt() (its page reference stays, dropped by
 * drm_gem_shmem_free()). bo_lock held: a removal walking sdev->shmem_bos
 * finds every mapping the device has.
 */
static void snpu_shmem_unmap(struct snpu_device *sdev, struct snpu_shmem_bo *sbo)
{
	struct drm_gem_shmem_object *shmem = &sbo->shmem;
	struct drm_gem_object *obj = &shmem->base;

	lockdep_assert_held(&sdev->bo_lock);
	dma_resv_lock(obj->resv, NULL);
	if (shmem->sgt) {
		dma_unmap_sgtable(obj->dev->dev, shmem->sgt, DMA_BIDIRECTIONAL, 0);
		sg_free_table(shmem->sgt);
		kfree(shmem->sgt);
		shmem->sgt = NULL;
	}
	dma_resv_unlock(obj->resv);
}

/*
 * At removal: release a PRIME import's mapping for the device. A DRM
 * exporter caches it in the attachment until the attachment is detached
 * (cache_sgt_mapping), so the import gets a fresh attachment, not mapped,
 * in place of its own (drm_prime_gem_destroy() detaches that one when the
 * BO is freed). dev->object_name_lock, held, orders the swap against a
 * PRIME export reading import_attach; bo_lock against the BO's free.
 */
static void snpu_import_unmap(struct snpu_device *sdev, struct snpu_shmem_bo *sbo)
{
	struct drm_gem_object *obj = &sbo->shmem.base;
	struct dma_buf_attachment *old = obj->import_attach, *attach;
	struct dma_buf *buf = old->dmabuf;

	lockdep_assert_held(&sdev->drm.object_name_lock);
	lockdep_assert_held(&sdev->bo_lock);
	if (!sbo->shmem.sgt)
		return;
	attach = dma_buf_attach(buf, sdev->drm.dev);
	if (IS_ERR(attach)) {
		drm_warn(&sdev->drm, "an import keeps its DMA mapping until freed: %ld\n",
			 PTR_ERR(attach));
		return;
	}
	dma_buf_unmap_attachment_unlocked(old, sbo->shmem.sgt, DMA_BIDIRECTIONAL);
	sbo->shmem.sgt = NULL;
	obj->import_attach = attach;
	dma_buf_detach(buf, old);
}

/* A SYSTEM BO created (BO_CREATE) or imported: its mapping is removal's. */
static void snpu_shmem_track(struct snpu_device *sdev, struct snpu_shmem_bo *sbo)
{
	mutex_lock(&sdev->bo_lock);
	if (list_empty(&sbo->dev_link))
		list_add_tail(&sbo->dev_link, &sdev->shmem_bos);
	mutex_unlock(&sdev->bo_lock);
}

/**
 * snpu_gem_unplug - at removal, once the device is quiesced: unmap the sg
 * table of every SYSTEM BO and PRIME import (their pages stay until the
 * BOs are freed; no bind maps them again: ioctls fail with -ENODEV)
 * @sdev: the device
 */
void snpu_gem_unplug(struct snpu_device *sdev)
{
	struct snpu_shmem_bo *sbo;

	/* PRIME import (gem_prime_import) takes bo_lock under object_name_lock. */
	mutex_lock(&sdev->drm.object_name_lock);
	mutex_lock(&sdev->bo_lock);
	list_for_each_entry(sbo, &sdev->shmem_bos, dev_link) {
		if (sbo->shmem.base.import_attach)
			snpu_import_unmap(sdev, sbo);
		else
			snpu_shmem_unmap(sdev, sbo);
	}
	mutex_unlock(&sdev->bo_lock);
	mutex_unlock(&sdev->drm.object_name_lock);
}

static void snpu_shmem_free(struct drm_gem_object *obj)
{
	struct snpu_shmem_bo *sbo = to_snpu_shmem_bo(obj);
	struct snpu_device *sdev = to_snpu_device(obj->dev);
	kuid_t uid = sbo->pin_uid;
	u64 pinned = sbo->pinned;

	WARN_ON(!list_empty(&sbo->bo.maps));	/* each mapping holds a reference */
	mutex_lock(&sdev->bo_lock);
	if (!list_empty(&sbo->dev_link))
		list_del(&sbo->dev_link);
	if (obj->import_attach) {
		/*
		 * drm_gem_shmem_free() of an import, its mapping released
		 * under bo_lock like a SYSTEM BO's below (nothing pinned).
		 */
		drm_prime_gem_destroy(obj, sbo->shmem.sgt);
		mutex_unlock(&sdev->bo_lock);
		drm_gem_object_release(obj);
		kfree(sbo);
		return;
	}
	snpu_shmem_unmap(sdev, sbo);
	mutex_unlock(&sdev->bo_lock);
	drm_gem_shmem_free(&sbo->shmem);	/* unpins, frees sbo */
	if (pinned)
		snpu_user_uncharge(&sdev->user_pinned, uid, pinned);
}

/*
 * fdinfo (drm_show_memory_stats(), under the file's table spinlock): the
 * pages are resident once pinned (an import's by its exporter). A racy
 * read is fine for statistics; pages only go when the BO is freed.
 */
static enum drm_gem_object_status snpu_shmem_status(struct drm_gem_object *obj)
{
	if (obj->import_attach || READ_ONCE(to_snpu_shmem_bo(obj)->shmem.pages))
		return DRM_GEM_OBJECT_RESIDENT;
	return 0;
}

static size_t snpu_shmem_rss(struct drm_gem_object *obj)
{
	return snpu_shmem_status(obj) ? obj->size : 0;
}

static const struct drm_gem_object_funcs snpu_shmem_funcs = {
	.free = snpu_shmem_free,
	.close = snpu_gem_close,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.status = snpu_shmem_status,
	.rss = snpu_shmem_rss,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/* drm_gem_shmem_create() and PRIME imports allocate through this. */
struct drm_gem_object *snpu_gem_create_object(struct drm_device *drm, size_t size)
{
	struct snpu_shmem_bo *sbo;

	sbo = kzalloc(sizeof(*sbo), GFP_KERNEL_ACCOUNT);
	if (!sbo)
		return ERR_PTR(-ENOMEM);
	snpu_bo_init(&sbo->bo, &sbo->shmem.base, DRM_SNPU_BO_SYSTEM);
	/*
	 * Tracked once created whole (snpu_shmem_track()): the shmem helper
	 * kfree()s a half-created object without calling .free.
	 */
	INIT_LIST_HEAD(&sbo->dev_link);
	sbo->shmem.map_wc = false;
	sbo->shmem.base.funcs = &snpu_shmem_funcs;
	return &sbo->shmem.base;
}

/**
 * snpu_gem_prime_import - drm_driver.gem_prime_import: an import is
 * tracked for the removal, and none is made once the device is unplugged
 * (its sg table would be mapped for a device without driver)
 * @drm: the DRM device
 * @buf: the dma-buf
 *
 * Return: the GEM object (this device's own BO for its own export) or an
 * ERR_PTR.
 */
struct drm_gem_object *snpu_gem_prime_import(struct drm_device *drm, struct dma_buf *buf)
{
	struct drm_gem_object *obj;
	int idx;

	if (!drm_dev_enter(drm, &idx))
		return ERR_PTR(-ENODEV);
	obj = drm_gem_prime_import(drm, buf);
	if (!IS_ERR(obj) && obj->import_attach)
		snpu_shmem_track(to_snpu_device(drm), to_snpu_shmem_bo(obj));
	drm_dev_exit(idx);
	return obj;
}

/* ---- DEVICE BOs: device DRAM ------------------------------------------------ */

/*
 * A DEVICE BO's device DRAM is allocated whole at its creation and held
 * until it is freed: each user gets a share of the device's DRAM. Three
 * quarters by default: one user always leaves a quarter to the others,
 * and a single user (the common case of an accelerator; libaccel's own
 * transfer test holds just over half of a 256 MiB device) still has most
 * of the device without configuration.
 */
static unsigned int max_user_dram_mb;
module_param(max_user_dram_mb, uint, 0644);
MODULE_PARM_DESC(max_user_dram_mb,
		 "MiB of device DRAM (DEVICE BOs) one user (uid) may hold on one device (0, the default: 3/4 of the device's DRAM)");

static u64 snpu_user_dram_max(struct snpu_device *sdev)
{
	u64 mb = READ_ONCE(max_user_dram_mb);

	u64 dram = round_down(sdev->hw.dram_size, SNPU_PAGE_SIZE);

	return mb ? mb << 20 : round_down(dram - dram / 4, SNPU_PAGE_SIZE);
}

static void snpu_device_bo_free(struct drm_gem_object *obj)
{
	struct snpu_device *sdev = to_snpu_device(obj->dev);
	struct snpu_device_bo *dbo = to_snpu_device_bo(obj);
	u64 size = obj->size;

	WARN_ON(!list_empty(&dbo->bo.maps));	/* each mapping holds a reference */
	mutex_lock(&sdev->dram_lock);
	drm_mm_remove_node(&dbo->dram);
	mutex_unlock(&sdev->dram_lock);
	snpu_user_uncharge(&sdev->user_dram, dbo->uid, size);
	drm_gem_object_release(obj);
	kfree(dbo);
}

static void snpu_dummy_page_release(struct drm_device *drm, void *page)
{
	__free_page(page);
}

/*
 * After the unplug: the whole mapping gets one zeroed page of its own (as
 * TTM's ttm_bo_vm_dummy_page() does for amdgpu), so a process still
 * writing to a removed device's buffer does not die of SIGBUS; what it
 * writes is lost, and its next ioctl on the device fails with -ENODEV.
 * The page is freed with the drm_device (the mapping holds the file, the
 * file the device).
 */
static vm_fault_t snpu_device_bo_fault_gone(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	unsigned long addr, pfn;
	vm_fault_t ret = VM_FAULT_NOPAGE;
	struct page *page;

	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page)
		return VM_FAULT_OOM;
	if (drmm_add_action_or_reset(obj->dev, snpu_dummy_page_release, page))
		return VM_FAULT_OOM;
	pfn = page_to_pfn(page);
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		ret = vmf_insert_pfn(vma, addr, pfn);
		if (ret & VM_FAULT_ERROR)
			break;
	}
	return ret;
}

/*
 * DEVICE BO mappings are filled page by page at fault time, only while the
 * device is there: drm_dev_unplug() zaps every mapping of the DRM file
 * (unmap_mapping_range() on its address space), and a fault after that
 * never reaches BAR2 again (it gets a dummy page, above); an mmap() racing
 * the unplug fails with -ENODEV.
 */
static vm_fault_t snpu_device_bo_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct snpu_device *sdev = to_snpu_device(obj->dev);
	struct snpu_device_bo *dbo = to_snpu_device_bo(obj);
	unsigned long pfn;
	vm_fault_t ret;
	int idx;

	if (!drm_dev_enter(obj->dev, &idx))
		return snpu_device_bo_fault_gone(vmf);
	pfn = ((sdev->dram_start + dbo->dram.start) >> PAGE_SHIFT) +
	      ((vmf->address - vma->vm_start) >> PAGE_SHIFT);
	ret = vmf_insert_pfn(vma, vmf->address, pfn);
	drm_dev_exit(idx);
	return ret;
}

static int snpu_device_bo_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	int idx;

	/*
	 * drm_gem_mmap() found the BO by the exact fake offset in vm_pgoff and
	 * checked that the mapping is no larger than the BO: it starts at the
	 * BO's first page.
	 */
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;	/* device memory is shared, never copied on write */
	if (!drm_dev_enter(obj->dev, &idx))
		return -ENODEV;
	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_writecombine(vm_get_page_prot(vma->vm_flags));
	drm_dev_exit(idx);
	return 0;
}

/* No P2P between devices: device DRAM is never exported (PRIME: -EOPNOTSUPP). */
static struct dma_buf *snpu_device_bo_export(struct drm_gem_object *obj, int flags)
{
	return ERR_PTR(-EOPNOTSUPP);
}

/* Device DRAM is allocated whole at creation: always resident. */
static enum drm_gem_object_status snpu_device_bo_status(struct drm_gem_object *obj)
{
	return DRM_GEM_OBJECT_RESIDENT;
}

static size_t snpu_device_bo_rss(struct drm_gem_object *obj)
{
	return obj->size;
}

static void snpu_device_bo_print_info(struct drm_printer *p, unsigned int indent,
				      const struct drm_gem_object *obj)
{
	const struct snpu_device_bo *dbo = container_of(obj, struct snpu_device_bo, base);

	drm_printf_indent(p, indent, "dram=0x%llx\n", dbo->dram.start);
}

static const struct vm_operations_struct snpu_device_bo_vm_ops = {
	.fault = snpu_device_bo_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static const struct drm_gem_object_funcs snpu_device_funcs = {
	.free = snpu_device_bo_free,
	.close = snpu_gem_close,
	.print_info = snpu_device_bo_print_info,
	.mmap = snpu_device_bo_mmap,
	.export = snpu_device_bo_export,
	.status = snpu_device_bo_status,
	.rss = snpu_device_bo_rss,
	.vm_ops = &snpu_device_bo_vm_ops,
};

/* Device DRAM a previous owner used must not leak to the next one. */
static int snpu_dram_clear(struct snpu_device *sdev, u64 offset, u64 size)
{
	void __iomem *p = ioremap_wc(sdev->dram_start + offset, size);

	if (!p)
		return -ENOMEM;
	memset_io(p, 0, size);
	iounmap(p);
	return 0;
}

/* A DEVICE BO of size bytes charged to uid: -EDQUOT beyond its share. */
static struct snpu_bo *snpu_device_bo_create(struct snpu_device *sdev, kuid_t uid, u64 size)
{
	struct snpu_device_bo *dbo;
	int ret;

	ret = snpu_user_charge(sdev, &sdev->user_dram, uid, size, snpu_user_dram_max(sdev));
	if (ret)
		return ERR_PTR(ret);
	dbo = kzalloc(sizeof(*dbo), GFP_KERNEL_ACCOUNT);
	if (!dbo) {
		ret = -ENOMEM;
		goto err_uncharge;
	}
	snpu_bo_init(&dbo->bo, &dbo->base, DRM_SNPU_BO_DEVICE);
	dbo->base.funcs = &snpu_device_funcs;
	dbo->uid = uid;

	mutex_lock(&sdev->dram_lock);
	ret = drm_mm_insert_node_generic(&sdev->dram_mm, &dbo->dram, size, SNPU_PAGE_SIZE, 0,
					 DRM_MM_INSERT_BEST);
	mutex_unlock(&sdev->dram_lock);
	if (ret) {
		kfree(dbo);
		ret = -ENOSPC;
		goto err_uncharge;
	}
	/* From here the BO is uncharged when it is freed (also on an error below). */
	drm_gem_private_object_init(&sdev->drm, &dbo->base, size);

	ret = snpu_dram_clear(sdev, dbo->dram.start, size);
	if (ret) {
		drm_gem_object_put(&dbo->base);
		return ERR_PTR(ret);
	}
	return &dbo->bo;

err_uncharge:
	snpu_user_uncharge(&sdev->user_dram, uid, size);
	return ERR_PTR(ret);
}

static void snpu_dram_mm_fini(struct drm_device *drm, void *arg)
{
	drm_mm_takedown(&to_snpu_device(drm)->dram_mm);
}

/**
 * snpu_gem_init - the device DRAM allocator and the per-user limits, for the
 * DRM device's lifetime
 * @sdev: the device
 */
int snpu_gem_init(struct snpu_device *sdev)
{
	u64 size = round_down(sdev->hw.dram_size, SNPU_PAGE_SIZE);
	int ret;

	if (!size) {
		drm_err(&sdev->drm, "unsupported device: DRAM_SIZE %llu (no whole page)\n",
			sdev->hw.dram_size);
		return -ENODEV;
	}
	drm_mm_init(&sdev->dram_mm, 0, size);
	ret = drmm_add_action_or_reset(&sdev->drm, snpu_dram_mm_fini, NULL);
	if (ret)
		return ret;
	ret = snpu_user_limit_init(sdev, &sdev->user_pinned, "pinned", "max_user_pinned_mb");
	if (ret)
		return ret;
	INIT_LIST_HEAD(&sdev->shmem_bos);
	ret = drmm_mutex_init(&sdev->drm, &sdev->bo_lock);
	if (ret)
		return ret;
	return snpu_user_limit_init(sdev, &sdev->user_dram, "of device DRAM", "max_user_dram_mb");
}

/* ---- ioctls ------------------------------------------------------------------ */

/* Checks shared by BO_CREATE and BO_BIND on a fixed VA. */
static int snpu_check_fixed_va(struct snpu_device *sdev, u64 va, u64 size)
{
	u64 end;

	if (va < SNPU_VA_MIN || !IS_ALIGNED(va, SNPU_PAGE_SIZE) ||
	    check_add_overflow(va, size, &end) ||
	    end > (1ull << sdev->hw.va_bits))
		return -EINVAL;
	return 0;
}

int snpu_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct snpu_device *sdev = to_snpu_device(drm);
	struct snpu_file *sfile = file->driver_priv;
	struct drm_snpu_bo_create *args = data;
	bool fixed = args->flags & DRM_SNPU_BO_FIXED_VA;
	struct drm_gem_shmem_object *shmem;
	struct snpu_vm *vm;
	struct snpu_bo *bo;
	u64 size, max, va = args->va;
	u32 handle;
	int idx, ret;

	if (args->flags & ~DRM_SNPU_BO_FLAGS || !args->size || (!fixed && args->va))
		return -EINVAL;
	if (args->flags & DRM_SNPU_BO_DEVICE)
		max = round_down(sdev->hw.dram_size, SNPU_PAGE_SIZE);
	else
		max = min_t(u64, (u64)totalram_pages() << PAGE_SHIFT, 1ull << sdev->hw.va_bits);
	if (args->size > max)
		return -E2BIG;
	size = PAGE_ALIGN(args->size);
	if (fixed && snpu_check_fixed_va(sdev, va, size))
		return -EINVAL;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	vm = snpu_file_vm(sfile);
	if (IS_ERR(vm)) {
		ret = PTR_ERR(vm);
		goto out;
	}

	if (args->flags & DRM_SNPU_BO_DEVICE) {
		bo = snpu_device_bo_create(sdev, sfile->uid, size);
	} else {
		ret = snpu_user_charge(sdev, &sdev->user_pinned, sfile->uid, size,
				       snpu_user_pinned_max());
		if (ret)
			goto out;
		shmem = drm_gem_shmem_create(drm, size);
		if (IS_ERR(shmem)) {
			snpu_user_uncharge(&sdev->user_pinned, sfile->uid, size);
			bo = ERR_CAST(shmem);
		} else {
			/* Uncharged when the BO is freed (also on an error below). */
			to_snpu_shmem_bo(&shmem->base)->pin_uid = sfile->uid;
			to_snpu_shmem_bo(&shmem->base)->pinned = size;
			snpu_shmem_track(sdev, to_snpu_shmem_bo(&shmem->base));
			bo = to_snpu_bo(&shmem->base);
		}
	}
	if (IS_ERR(bo)) {
		ret = PTR_ERR(bo);
		goto out;
	}
	bo->flags = args->flags & (DRM_SNPU_BO_DEVICE | DRM_SNPU_BO_READ_ONLY);

	ret = snpu_bo_map(bo, vm, &va, fixed, args->flags & DRM_SNPU_BO_READ_ONLY, NULL, 0);
	if (!ret) {
		ret = drm_gem_handle_create(file, bo->obj, &handle);
		if (ret)	/* no handle to close: unmap here */
			snpu_bo_close_vm(bo, vm);
	}
	/* The handle (if any) holds the BO now; on error this frees it. */
	drm_gem_object_put(bo->obj);
	if (!ret) {
		args->handle = handle;
		args->va = va;
	}
out:
	drm_dev_exit(idx);
	return ret;
}

int snpu_ioctl_bo_mmap_offset(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_snpu_bo_mmap_offset *args = data;
	struct drm_gem_object *obj;
	int idx, ret;

	if (args->pad)
		return -EINVAL;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj) {
		ret = -ENOENT;
		goto out;
	}
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
out:
	drm_dev_exit(idx);
	return ret;
}

int snpu_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct snpu_file *sfile = file->driver_priv;
	struct snpu_vm *vm = snpu_file_vm_peek(sfile);
	struct drm_snpu_bo_info *args = data;
	struct snpu_bo_map *map = NULL;
	struct drm_gem_object *obj;
	struct snpu_bo *bo;
	int idx, ret;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj) {
		drm_dev_exit(idx);
		return -ENOENT;
	}
	bo = to_snpu_bo(obj);
	args->flags = bo->flags;
	args->size = obj->size;
	ret = dma_resv_lock_interruptible(obj->resv, NULL);
	if (!ret) {
		if (vm)
			map = snpu_bo_find_map_locked(bo, vm);
		args->va = map ? map->node.start : 0;
		dma_resv_unlock(obj->resv);
	}
	drm_gem_object_put(obj);
	drm_dev_exit(idx);
	return ret;
}

/*
 * SUBMIT looks a job's mappings up and publishes its fence with the BOs'
 * reservations locked: under the reservation lock, "no unsignalled fence"
 * means no job uses the mapping and none can start to.
 */
static int snpu_bo_unbind(struct snpu_bo *bo, struct snpu_vm *vm)
{
	struct dma_resv *resv = bo->obj->resv;
	struct snpu_bo_map *map;
	LIST_HEAD(idle);
	int ret;

	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		return ret;
	map = snpu_bo_find_map_locked(bo, vm);
	if (!map) {
		ret = -ENOENT;
	} else if (!dma_resv_test_signaled(resv, DMA_RESV_USAGE_BOOKKEEP)) {
		ret = -EBUSY;
	} else {
		list_del(&map->bo_link);
		mutex_lock(&vm->lock);
		snpu_bo_map_unmap_locked(map);
		list_add_tail(&map->vm_link, &idle);
		snpu_vm_reap_closed_locked(vm, &idle);
		mutex_unlock(&vm->lock);
	}
	dma_resv_unlock(resv);
	snpu_bo_maps_free(&idle);
	return ret;
}

int snpu_ioctl_bo_bind(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct snpu_device *sdev = to_snpu_device(drm);
	struct snpu_file *sfile = file->driver_priv;
	struct drm_snpu_bo_bind *args = data;
	bool fixed = args->flags & DRM_SNPU_BIND_FIXED_VA;
	struct drm_gem_object *obj;
	struct snpu_vm *vm;
	u64 va = args->va;
	int idx, ret;

	if (args->flags & ~DRM_SNPU_BIND_FLAGS)
		return -EINVAL;
	if ((args->flags & DRM_SNPU_BIND_UNMAP) && (args->flags & ~DRM_SNPU_BIND_UNMAP))
		return -EINVAL;
	if (!fixed && args->va)
		return -EINVAL;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj) {
		ret = -ENOENT;
		goto out;
	}
	if (args->flags & DRM_SNPU_BIND_UNMAP) {
		/* A file without a context has nothing mapped. */
		vm = snpu_file_vm_peek(sfile);
		ret = vm ? snpu_bo_unbind(to_snpu_bo(obj), vm) : -ENOENT;
	} else if (fixed && snpu_check_fixed_va(sdev, va, obj->size)) {
		ret = -EINVAL;
	} else {
		vm = snpu_file_vm(sfile);
		ret = IS_ERR(vm) ? PTR_ERR(vm) :
		      snpu_bo_map(to_snpu_bo(obj), vm, &va, fixed,
				  args->flags & DRM_SNPU_BIND_READ_ONLY, file, args->handle);
		if (!ret)
			args->va = va;
	}
	drm_gem_object_put(obj);
out:
	drm_dev_exit(idx);
	return ret;
}
