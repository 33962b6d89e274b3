/* SPDX-License-Identifier: MIT */
/*
 * The "sim" backend: an in-process SNPU. It links the device core
 * (qemu-device/core) and plays the kernel driver's part over host memory:
 * boots the firmware through the real handshake, builds the MMU context
 * table and page tables, owns the hardware rings, and turns completion
 * interrupts into finished jobs. Host memory the device may reach is
 * registered in a bus map (bus address = host pointer); the core's DMA
 * never touches anything else.
 */
#ifndef ACCEL_SIM_H
#define ACCEL_SIM_H

#include "internal.h"
#include "range.h"
#include "snpu_core.h"
#include "snpu_mmu.h"
#include "snpu_regs.h"
#include "snpu_ring.h"

#define SIM_CTX_ID	1		/* this device's only user context */
#define SIM_RING_ENTRIES 64
#define SIM_VA_BASE	(1ull << 20)	/* VA 0..1 MiB stays unmapped */

struct sim_region {
	uint64_t bus;
	uint64_t size;
};

struct sim_queue {
	struct snpu_job_desc *ring;		/* SIM_RING_ENTRIES */
	struct snpu_completion *compl;		/* one per ring slot */
	struct accel_job *slot[SIM_RING_ENTRIES];
	void *cmd_copy[SIM_RING_ENTRIES];	/* "kernel" copy of each stream */
	uint64_t tail;				/* free-running, submitted */
	uint64_t done;				/* free-running, completed */
};

struct sim_dev {
	struct snpu_core *core;
	uint8_t *dram;
	uint64_t dram_size;

	/* bus map: sorted, non-overlapping */
	pthread_rwlock_t bus_lock;
	struct sim_region *regions;
	size_t nregions, capregions;

	/* worker thread running snpu_core_run() */
	pthread_t worker;
	pthread_mutex_t wlock;
	pthread_cond_t wcond;		/* kick / stop */
	pthread_cond_t irq_cond;	/* an interrupt arrived */
	bool kicked, stop, worker_running;
	uint64_t irqs;

	/* driver state (lock) */
	pthread_mutex_t lock;
	struct snpu_mmu_ctx *ctx_table;	/* 2 entries: kernel (unused), SIM_CTX_ID */
	uint64_t *l0;
	void **pt_pages;		/* every page-table page, freed at close */
	size_t npt, cappt;
	struct accel_range va, dram_alloc;
	uint32_t nq;
	struct sim_queue q[SNPU_MAX_QUEUES];
	struct accel_job *waiting;	/* not yet in a ring (be_next list) */
	uint64_t seqno;
	char last_log[256];		/* last guest error the core logged */
};

static inline struct sim_dev *sim_dev(accel_device *dev)
{
	return dev->be;
}

/* bus map (sim_bus.c) */
/* The firmware image the sim device boots (and the CPU reference's
 * activation tables come from): ACCEL_FIRMWARE, else the first existing
 * file of ACCEL_FW_SEARCH; read it whole (malloc'd). */
HIDDEN accel_status accel__fw_find(char *path, size_t len);
HIDDEN accel_status accel__fw_read(const char *path, uint8_t **data, size_t *len);
HIDDEN int accel__sim_bus_add(struct sim_dev *s, const void *ptr, uint64_t size);
HIDDEN void accel__sim_bus_del(struct sim_dev *s, const void *ptr);
HIDDEN int accel__sim_dma_read(void *opaque, uint64_t addr, void *buf, size_t len);
HIDDEN int accel__sim_dma_write(void *opaque, uint64_t addr, const void *buf, size_t len);
/* Page-aligned zeroed host memory registered in the bus map; NULL on failure. */
HIDDEN void *accel__sim_dma_alloc(struct sim_dev *s, uint64_t size, uint64_t align);
HIDDEN void accel__sim_dma_free(struct sim_dev *s, void *ptr);

/* MMU (sim_mmu.c), called with s->lock held */
HIDDEN accel_status accel__sim_mmu_init(struct sim_dev *s);
HIDDEN void accel__sim_mmu_fini(struct sim_dev *s);
/* Map npages at va: page i -> addr + i * 4 KiB (host bus or DRAM offset). */
HIDDEN accel_status accel__sim_mmu_map(struct sim_dev *s, uint64_t va, uint64_t addr,
				       uint64_t npages, bool dram, bool writable);
HIDDEN void accel__sim_mmu_unmap(struct sim_dev *s, uint64_t va, uint64_t npages);

/* buffers (sim_bo.c) */
HIDDEN accel_status accel__sim_bo_create(accel_device *dev, struct accel_bo *bo);
HIDDEN void accel__sim_bo_destroy(accel_device *dev, struct accel_bo *bo);
HIDDEN accel_status accel__sim_bo_map(accel_device *dev, struct accel_bo *bo);
HIDDEN accel_status accel__sim_bo_share(accel_device *dev, struct accel_bo *src,
					struct accel_bo *bo);

/* jobs (sim_job.c) */
HIDDEN accel_status accel__sim_rings_init(struct sim_dev *s);
HIDDEN void accel__sim_rings_fini(struct sim_dev *s);
HIDDEN accel_status accel__sim_submit(accel_device *dev, struct accel_job *job);
/* Completion interrupt of queue q (worker thread). */
HIDDEN void accel__sim_irq(accel_device *dev, unsigned int vector);

#endif /* ACCEL_SIM_H */
