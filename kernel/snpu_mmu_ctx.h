/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU device MMU: the context table and one address space (context, ASID,
 * three-level page table, VA allocator) per open file.
 */
#ifndef __SNPU_MMU_CTX_H__
#define __SNPU_MMU_CTX_H__

#include <drm/drm_mm.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include "drm/snpu_accel.h"
#include "snpu_regs.h"

#define SNPU_VA_MIN	DRM_SNPU_VA_MIN

struct scatterlist;
struct sg_table;
struct snpu_device;
struct snpu_file;

/*
 * One page-table page and, above the leaf level, its children; @used counts
 * its valid entries (a table that drops to 0 is freed, the root excepted);
 * @free_link queues it for freeing once the TLB no longer holds it.
 */
struct snpu_pt {
	u64 *cpu;
	dma_addr_t dma;
	struct snpu_pt **next;
	u32 used;
	struct list_head free_link;
};

/**
 * struct snpu_vm - one device MMU context
 * @ref: held by the open file and by every job that runs in it
 * @sdev: the device
 * @id: context id (ASID), index in the context table
 * @uid: the user it is charged to (max_user_contexts)
 * @lock: this context's own lock (see snpu_mmu_ctx.c): @mm, @root and the
 *        tables below it, @pt_pages, @closed
 * @mm: VA allocator
 * @root: level-0 table
 * @closed: struct snpu_bo_map whose handle was closed while a job still
 *          used the BO: VA and PTEs kept until the BO is idle
 * @faults: MMU faults the device reported in this context
 * @pt_pages: page-table pages of this context (@lock; read locklessly)
 * @queued: jobs of this context submitted and not yet freed
 * @hangs: jobs of this context that hung (and were reset)
 * @banned: after SNPU_BAN_HANGS hangs: every job of it is canceled
 * @dead: the device was removed and the page tables freed
 *        (snpu_mmu_unplug(); set under @lock, or under ctx_lock while
 *        the context is released): no page-table or MMIO work on it
 * @unplug_link: snpu_mmu_unplug()'s list of the contexts it holds
 * @busy_ns: per queue, device time its jobs ran (completion records)
 * @jobs_done: its jobs that completed on the device
 */
struct snpu_vm {
	struct kref ref;
	struct snpu_device *sdev;
	u32 id;
	kuid_t uid;
	struct mutex lock;	/* see @lock above */
	struct drm_mm mm;
	struct snpu_pt root;
	struct list_head closed;
	atomic_t faults;
	u32 pt_pages;
	atomic_t queued;
	atomic_t hangs;
	bool banned;
	bool dead;
	struct list_head unplug_link;
	atomic64_t busy_ns[SNPU_MAX_QUEUES];
	atomic64_t jobs_done;
};

int snpu_mmu_init(struct snpu_device *sdev);
void snpu_mmu_hw_init(struct snpu_device *sdev);
void snpu_mmu_handle_fault(struct snpu_device *sdev);
void snpu_mmu_unplug(struct snpu_device *sdev);

struct snpu_vm *snpu_vm_create(struct snpu_device *sdev, kuid_t uid);
struct snpu_vm *snpu_file_vm(struct snpu_file *sfile);
struct snpu_vm *snpu_file_vm_peek(struct snpu_file *sfile);
void snpu_vm_put(struct snpu_vm *vm);

static inline struct snpu_vm *snpu_vm_get(struct snpu_vm *vm)
{
	kref_get(&vm->ref);
	return vm;
}

int snpu_vm_map_locked(struct snpu_vm *vm, u64 va, u64 size, struct sg_table *sgt,
		       u64 dram_offset, bool read_only);
void snpu_vm_unmap_locked(struct snpu_vm *vm, u64 va, u64 size);

#endif /* __SNPU_MMU_CTX_H__ */
