/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU DRM accel driver: the device and per-file structures.
 */
#ifndef __SNPU_DRV_H__
#define __SNPU_DRV_H__

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_mm.h>
#include <linux/idr.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/types.h>

/*
 * Locking, outermost first:
 *   sdev->reset_lock    an engine reset (timeout workqueue, removal)
 *   BO reservations     ww_mutex, taken together in SUBMIT (drm_exec),
 *                       one in BO_BIND, UNMAP, BO_INFO and handle close;
 *                       protect each BO's list of mappings
 *   sdev->sched_lock    arming and pushing a job (in order per entity)
 *   sfile->lock         a file's scheduler entities, job ids and the
 *                       creation of its MMU context
 *   vm->lock            one context's page tables and VA allocator
 *                       (snpu_mmu_ctx.c)
 *   sdev->ctx_lock      the context table, context ids, TLB invalidation
 *   sdev->bo_lock       the SYSTEM BOs whose sg tables removal unmaps;
 *                       taken under drm.object_name_lock (PRIME import)
 *                       and before a BO's reservation (never under one)
 *   sdev->cmds_lock     the jobs whose command copies removal frees
 *   sdev->dram_lock     the device DRAM allocator
 *   sdev->user_pinned.lock, sdev->user_dram.lock  bytes held per user
 *   q->lock             (spinlock, irq-safe) a queue's in-flight jobs and
 *                       the hardware fences; taken in the MSI-X handler
 *   sdev->fault_lock, sdev->latch_lock  (spinlocks) leaves
 * Nothing in the MSI-X handlers sleeps; the error vector runs threaded.
 */

/*
 * Every structure the SNPU reads from or writes to host memory (firmware
 * image, rings, completion records, page tables) is little endian, as is
 * every host this driver is built for.
 */
#ifndef __LITTLE_ENDIAN
#error "snpu: the SNPU's in-memory structures are little endian"
#endif

struct pci_dev;
struct snpu_mmu_ctx;
struct snpu_entity;
struct snpu_queue;
struct snpu_vm;

#define SNPU_FAULT_LOG_SIZE	16

/**
 * struct snpu_fault_rec - one MMU fault, for debugfs
 */
struct snpu_fault_rec {
	u64 time_ns;
	u64 va;
	u32 ctx;
	u32 queue;
	u32 status;
};

/**
 * struct snpu_hw_info - read-only facts of the device, read once at probe
 */
struct snpu_hw_info {
	u32 hw_version;
	u32 hw_caps;
	u32 num_queues;
	u64 dram_size;
	u32 sram_size;
	u32 mac_array;
	u32 clock_mhz;
	u32 num_contexts;
	u32 dram_bw;
	u32 sram_bw;
	u32 pcie_bw;
	u32 cmd_overhead;
	u32 va_bits;
	u32 max_cmdbuf;
};

/**
 * struct snpu_fw_info - the firmware the device booted
 * @version: FW_VERSION register
 * @api: FW_API register
 * @caps: FW_CAPS register
 * @image: validated image in DMA memory, kept to boot again after a reset
 * @image_dma: its bus address
 * @size: its size
 */
struct snpu_fw_info {
	u32 version;
	u32 api;
	u32 caps;
	void *image;
	dma_addr_t image_dma;
	size_t size;
};

/**
 * struct snpu_user_limit - bytes of one bounded resource each user holds
 * on a device (snpu_gem.c)
 * @lock: protects @held
 * @held: bytes per user (uid in the initial user namespace -> xa_mk_value())
 * @what: what the bytes are, for the kernel log ("pinned", "of device DRAM")
 * @param: the module parameter bounding them, for the kernel log
 */
struct snpu_user_limit {
	struct mutex lock;	/* see @lock above */
	struct xarray held;
	const char *what;
	const char *param;
};

/**
 * struct snpu_device - one SNPU
 * @drm: the DRM device, /dev/accel/accelN
 * @pdev: the PCI function
 * @regs: BAR0
 * @dram_start: bus/physical address of BAR2 (device DRAM)
 * @dram_len: size of BAR2
 * @hw: identity and configuration registers
 * @fw: firmware facts, valid after a successful boot
 * @err_irq: Linux irq of the error/management vector
 * @event_wq: woken by the error vector's thread on every device event
 * @latch_lock: serialises reads of LO/HI register pairs whose LO read
 *              latches HI (counters, timestamp)
 * @ctx_ida: MMU context ids (ASIDs) of open files, 1..num_contexts-1
 * @ctx_lock: protects the context table entries and @ctx_vms, and
 *            serialises a TLB invalidation with its read-back
 * @ctx_vms: the context of each context id in use, by id (per-user count)
 * @ctx_table: the context table the device reads (DMA-coherent)
 * @ctx_table_dma: its bus address
 * @bo_lock: protects @shmem_bos and, with the BO's reservation, the DMA
 *           mapping (sg table) of each BO on it
 * @shmem_bos: SYSTEM BOs (struct snpu_shmem_bo, created or imported) not
 *             yet freed: removal unmaps their sg tables (snpu_gem_unplug())
 * @cmds_lock: protects @cmds_jobs and the command copy of each job on it
 * @cmds_jobs: jobs holding a command copy (struct snpu_job): removal
 *             frees the copies (snpu_job_unplug())
 * @dram_lock: protects @dram_mm
 * @dram_mm: allocator of device DRAM (offsets in BAR2)
 * @user_pinned: bytes of SYSTEM BO pages pinned per user (max_user_pinned_mb)
 * @user_dram: bytes of device DRAM in DEVICE BOs per user (max_user_dram_mb)
 * @fault_lock: protects @fault_log and @fault_count
 * @fault_log: the last MMU faults
 * @fault_count: MMU faults since probe
 * @queues: the hardware queues, hw.num_queues of them
 * @started: queues and schedulers exist (the error interrupt may use them)
 * @sched_lock: serialises arming and pushing jobs (drm_sched needs the
 *              two to happen in order per entity)
 * @reset_wq: ordered: job timeouts and resets run one at a time
 * @reset_lock: held while the device is reset and brought back
 * @watchdog: looks for queues busy without progress while jobs run
 * @stopped: the device was quiesced for removal (reset_lock)
 * @sched_paused: system sleep paused the schedulers (reset_lock)
 * @dead: the engine did not come back from a reset: every job fails
 * @suspends: runtime suspends since probe
 * @resets: engine resets since probe
 * @timeouts: job timeouts since probe
 */
struct snpu_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *regs;
	resource_size_t dram_start;
	resource_size_t dram_len;
	struct snpu_hw_info hw;
	struct snpu_fw_info fw;
	int err_irq;
	wait_queue_head_t event_wq;
	spinlock_t latch_lock;	/* see @latch_lock above */
	struct ida ctx_ida;
	struct mutex ctx_lock;	/* see @ctx_lock above */
	struct snpu_vm **ctx_vms;
	struct snpu_mmu_ctx *ctx_table;
	dma_addr_t ctx_table_dma;
	struct mutex bo_lock;	/* see @bo_lock above */
	struct list_head shmem_bos;
	struct mutex cmds_lock;	/* see @cmds_lock above */
	struct list_head cmds_jobs;
	struct mutex dram_lock;	/* see @dram_lock above */
	struct drm_mm dram_mm;
	struct snpu_user_limit user_pinned;
	struct snpu_user_limit user_dram;
	spinlock_t fault_lock;	/* see @fault_lock above */
	struct snpu_fault_rec fault_log[SNPU_FAULT_LOG_SIZE];
	u64 fault_count;
	struct snpu_queue *queues;
	bool started;
	struct mutex sched_lock;	/* see @sched_lock above */
	struct workqueue_struct *reset_wq;
	struct mutex reset_lock;	/* see @reset_lock above */
	struct delayed_work watchdog;
	bool stopped;
	bool sched_paused;
	bool dead;
	atomic_t suspends;
	atomic_t resets;
	atomic_t timeouts;
};

/**
 * struct snpu_file - per open file of /dev/accel/accelN
 * @sdev: the device
 * @uid: real uid of the opener, charged for the file's MMU context
 * @vm: this file's MMU context, created on first use (snpu_file_vm());
 *      set once under @lock, read with smp_load_acquire()
 * @lock: protects @entities and @next_job_id, serialises creating @vm
 * @entities: scheduler entities, [queue][priority], created on first use
 * @next_job_id: id of the next SUBMIT
 * @results: struct snpu_job_result of the last jobs, by job id
 */
struct snpu_file {
	struct snpu_device *sdev;
	kuid_t uid;
	struct snpu_vm *vm;
	struct mutex lock;	/* see @lock above */
	struct snpu_entity **entities;
	u64 next_job_id;
	struct xarray results;
};

static inline struct snpu_device *to_snpu_device(struct drm_device *drm)
{
	return container_of(drm, struct snpu_device, drm);
}

#endif /* __SNPU_DRV_H__ */
