/* SPDX-License-Identifier: MIT */
/*
 * Host test harness for the SNPU device core: a struct snpu_host_ops over a
 * malloc'ed "host memory" array at bus address H_MEM_BASE, a deterministic
 * clock, interrupt and log recording, and helpers to build page tables,
 * rings, command streams and jobs. Tests drive the core either
 * synchronously (h_run) or with a worker thread (h_worker_start), the way
 * QEMU's glue does.
 *
 * Stats of a whole suite (commands submitted, MMU faults, malformed inputs)
 * live in shared memory so they survive Check's forked tests; h_stats_print
 * prints them at the end of main().
 */
#ifndef CORE_HARNESS_H
#define CORE_HARNESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snpu_core.h"
#include "snpu_cmd.h"
#include "snpu_fw.h"
#include "snpu_mmu.h"
#include "snpu_regs.h"
#include "snpu_ring.h"

#define H_MEM_BASE	0x100000000ull	/* bus address of host memory */
#define H_MEM_SIZE	(48u << 20)
#define H_MAX_CTX	16

struct h_queue {
	uint64_t ring;		/* bus address */
	uint32_t size;
	uint32_t tail;
	uint64_t seqno;
};

struct harness {
	struct snpu_core *core;
	struct snpu_config cfg;
	uint8_t *mem;
	uint64_t next;			/* bump allocator offset */
	_Atomic uint64_t now_ns;	/* fake clock, ticks 1 ns per read */
	bool real_clock;
	atomic_uint irqs[SNPU_MAX_QUEUES + 1];
	atomic_uint kicks;
	atomic_uint guest_errors;
	char last_log[256];
	pthread_mutex_t log_lock;
	bool quiet;			/* do not print logs */
	uint64_t bus_fail_lo, bus_fail_hi;	/* injected bus errors */
	/* MMU */
	uint64_t ctx_table;
	uint64_t ctx_root[H_MAX_CTX];
	/* queues */
	struct h_queue q[SNPU_MAX_QUEUES];
	/* worker thread mode */
	pthread_t worker;
	pthread_mutex_t wlock;
	pthread_cond_t wcond;
	bool wkick, wstop, wrunning;
};

/* A growing command stream. */
struct h_cmds {
	uint8_t buf[1u << 20];
	size_t len;
	unsigned int n;
};

/* A submitted job. */
struct h_job {
	unsigned int queue;
	uint64_t seqno;
	uint64_t compl;		/* bus address of its completion record */
	uint64_t cmd;
};

/* ---- Lifetime ------------------------------------------------------------ */
/* cfg NULL: defaults with 64 MiB DRAM and 1 MiB SRAM. */
struct harness *h_new(const struct snpu_config *cfg);
void h_free(struct harness *h);
void h_small_config(struct snpu_config *cfg);
/* h_new + firmware booted + MMU with contexts 1 and 2 + every queue enabled
 * with ring_entries entries. Aborts if the boot fails. */
struct harness *h_new_ready(const struct snpu_config *cfg, uint32_t ring_entries);

/* ---- Memory ------------------------------------------------------------------ */
uint64_t h_alloc(struct harness *h, size_t size, size_t align);	/* zeroed */
void *h_ptr(struct harness *h, uint64_t bus);

/* ---- Registers and running --------------------------------------------------- */
uint32_t h_rd(struct harness *h, uint32_t off);
void h_wr(struct harness *h, uint32_t off, uint32_t v);
uint32_t h_qrd(struct harness *h, unsigned int q, uint32_t r);
void h_qwr(struct harness *h, unsigned int q, uint32_t r, uint32_t v);
uint64_t h_counter(struct harness *h, enum snpu_counter c);
/* Call snpu_core_run until idle, advancing the fake clock to each deadline
 * (at most max_ns of simulated time, 0 = 10 s). Returns the last deadline
 * (-1 idle). */
int64_t h_run_for(struct harness *h, uint64_t max_ns);
int64_t h_run(struct harness *h);
/* Only one call of snpu_core_run(). */
int64_t h_run_once(struct harness *h);
void h_advance(struct harness *h, uint64_t ns);

/* ---- Firmware ----------------------------------------------------------------- */
/* Read SNPU_TEST_FW_IMAGE into a malloc'ed buffer. */
void *h_fw_image(size_t *len);
/* Place img in host memory, ring the boot doorbell, run; returns FW_STATUS. */
uint32_t h_boot_image(struct harness *h, const void *img, size_t len);
/* Boot the real image; returns FW_STATUS. */
uint32_t h_boot(struct harness *h);
/* Fix up CRC (and digest when digest is true) after editing an image. */
void h_fw_reseal(void *img, size_t len, bool digest);

/* ---- MMU ------------------------------------------------------------------------ */
/* Context table of H_MAX_CTX entries, programmed in the registers. */
void h_mmu_init(struct harness *h);
void h_ctx_new(struct harness *h, uint32_t ctx);
/* Map [va, va+size) to bus/DRAM address pa with SNPU_PTE_* flags
 * (READ/WRITE/DRAM); page aligned. */
void h_map(struct harness *h, uint32_t ctx, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t flags);
/* Pointer to the leaf PTE of va (NULL if no table yet). */
uint64_t *h_pte(struct harness *h, uint32_t ctx, uint64_t va);
/* Allocate host memory and map it read/write at va; returns its bus address. */
uint64_t h_map_new(struct harness *h, uint32_t ctx, uint64_t va, uint64_t size);

/* ---- Queues and jobs ------------------------------------------------------------ */
void h_queue_init(struct harness *h, unsigned int q, uint32_t entries);
void h_cmds_init(struct h_cmds *c);
void *h_cmd(struct h_cmds *c, uint16_t opcode, size_t size);	/* zeroed body */
void h_nop(struct h_cmds *c);
void h_copy(struct h_cmds *c, uint64_t src, uint64_t dst, uint32_t row_bytes,
	    uint32_t rows, uint32_t src_stride, uint32_t dst_stride);
void h_fill(struct h_cmds *c, uint64_t dst, uint32_t size, uint32_t value);
void h_fence(struct h_cmds *c, uint64_t addr, uint64_t value);
void h_wait(struct h_cmds *c, uint64_t addr, uint64_t value, uint32_t op, uint32_t timeout_us);
void h_timestamp(struct h_cmds *c, uint64_t addr);
void h_counters_cmd(struct h_cmds *c, uint64_t addr);
/* Write the descriptor into the ring (no doorbell). flags: SNPU_JOB_*. */
struct h_job h_queue_job(struct harness *h, unsigned int q, uint32_t ctx,
			 const struct h_cmds *c, uint32_t flags);
/* Write a raw descriptor; fills seqno/completion_addr when they are 0. */
struct h_job h_queue_desc(struct harness *h, unsigned int q, struct snpu_job_desc *d);
void h_doorbell(struct harness *h, unsigned int q);
/* h_queue_job + h_doorbell. */
struct h_job h_submit(struct harness *h, unsigned int q, uint32_t ctx,
		      const struct h_cmds *c, uint32_t flags);
struct snpu_completion *h_compl(struct harness *h, const struct h_job *j);
bool h_done(struct harness *h, const struct h_job *j);

/* ---- Worker thread mode (real clock) -------------------------------------------- */
void h_worker_start(struct harness *h);
void h_worker_stop(struct harness *h);
/* Poll until the job is done or timeout_ms passes. */
bool h_wait_done(struct harness *h, const struct h_job *j, unsigned int timeout_ms);

/* ---- Suite statistics ------------------------------------------------------------ */
void h_note_malformed(unsigned int n);
void h_stats_print(const char *suite);

#endif /* CORE_HARNESS_H */
