/* SPDX-License-Identifier: MIT */
/*
 * SNPU device core: private state shared by the core's source files
 * (registers, boot, queues, command processor, MMU). Never included outside
 * qemu-device/core.
 *
 * Locking (see also docs/hardware.md "Concurrency"):
 *  - core->lock (a mutex) protects every register-visible field: the
 *    "regs" part of struct snpu_core and struct snpu_queue. Register reads
 *    and writes take it from any thread; the worker takes it briefly to
 *    publish results (head, done seqno, status, faults, IRQ status).
 *  - Everything marked "worker" is touched only by the thread inside
 *    snpu_core_run() (one at a time, by the API contract): the in-flight
 *    jobs, the TLB, SRAM, the firmware tables, the arbiter.
 *  - The counters are atomics, updated without the lock.
 *  - A reset (CONTROL.SOFT_RESET or snpu_core_reset) never waits for the
 *    worker: under the lock it restores the register state and bumps
 *    core->epoch. The worker notices the new epoch at the next command
 *    boundary, ends its jobs with SNPU_ERR_ABORTED and drops its own state,
 *    then clears STATUS.RESETTING. Worker results from an old epoch are
 *    never published to the registers.
 *  - ops->irq and ops->kick are called with no core lock held; ops->log may
 *    be called with it held (it must not call back into the core).
 */
#ifndef SNPU_CORE_INT_H
#define SNPU_CORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "snpu_core.h"
#include "snpu_exec.h"
#include "snpu_cmd_regions.h"
#include "snpu_mmu.h"
#include "snpu_model.h"
#include "snpu_regs.h"
#include "snpu_ring.h"

#define SNPU_TLB_ENTRIES	512
#define SNPU_BOUNCE_SIZE	(256u << 10)	/* DMA engine staging buffer */
#define SNPU_WAIT_POLL_NS	20000ull	/* WAIT re-check period: first */
#define SNPU_WAIT_POLL_MAX_NS	1000000ull	/* ... backing off to this */
#define SNPU_CTX_NONE		UINT32_MAX

enum snpu_job_state {
	SNPU_JOB_RUNNING = 0,	/* commands left to execute */
	SNPU_JOB_WAITING,	/* suspended on a WAIT command */
	SNPU_JOB_PACED,		/* finished, completion held (pace mode) */
	SNPU_JOB_FINISHED,	/* completion to be written */
	SNPU_JOB_HUNG,		/* fault injection: runs nothing until a reset */
};

/* One job in flight (worker-owned). The tensor engine sees it as the
 * opaque struct snpu_exec. */
struct snpu_exec {
	struct snpu_core *core;
	unsigned int queue;
	unsigned int epoch;		/* core->epoch when fetched */
	struct snpu_job_desc desc;
	enum snpu_job_state state;

	/* command stream */
	uint8_t *cmds;
	uint32_t cmd_size;
	uint32_t pos;			/* byte offset of the next command */
	uint32_t index;			/* index of the next command */

	/* MMU context */
	uint32_t ctx_id;
	uint64_t pt_root;		/* bus address of the L0 table */

	/* result */
	uint32_t status;		/* enum snpu_err */
	uint32_t failed_cmd;
	uint64_t fault_va;
	uint32_t fault_flags;
	uint32_t cmds_done;
	uint64_t pred_cycles;		/* model end so far (snpu_model) */
	struct snpu_model model;
	uint64_t cmd_model_start;	/* control command: its model start */
	uint32_t caps;			/* FW_CAPS when the turn started */
	uint64_t start_ns;
	uint64_t model_start_ns;	/* device model timeline */
	uint64_t hold_until_ns;		/* pace mode */

	/* bytes moved by the current command, per memory kind */
	uint64_t bytes_host, bytes_dram, bytes_sram;

	/* WAIT in progress */
	uint64_t wait_addr, wait_value, wait_deadline_ns, wait_start_ns;
	uint32_t wait_op;
	bool wait_done;			/* resumed: wait_err is the result */
	uint32_t wait_err;

	/* SRAM contents saved while suspended */
	bool sram_used;
	uint8_t *sram_save;
	uint32_t sram_save_len;
};

struct snpu_queue {
	/* regs (core->lock) */
	uint64_t base_reg;
	uint32_t size_reg;
	uint64_t base;			/* latched at enable */
	uint32_t size;
	uint32_t head, tail;
	uint32_t ctrl, status, error;
	uint32_t seqno_hi_latch;
	uint32_t gen;			/* bumped by enable/disable */
	uint64_t done_seqno;
	uint32_t progress;
	uint32_t priority;
};

struct snpu_worker_queue {
	struct snpu_exec *job;		/* at most one job in flight */
	int64_t wrr;			/* smooth weighted round robin */
};

struct snpu_tlb_entry {
	uint64_t vpn;
	uint64_t pte;
	uint32_t ctx;
	bool valid;
};

struct snpu_fw_tables {
	bool loaded;
	struct snpu_fw_sched sched;
	struct snpu_fw_lut lut[SNPU_LUT_COUNT];
	uint32_t *samples[SNPU_LUT_COUNT];	/* NULL: no table */
};

struct snpu_core {
	struct snpu_config cfg;
	struct snpu_host_ops ops;
	struct snpu_timing timing;
	pthread_mutex_t lock;
	atomic_uint epoch;
	atomic_uint tlb_gen;		/* bumped by MMU_INVALIDATE */
	atomic_uint_fast64_t counters[SNPU_NUM_COUNTERS];

	/* regs (core->lock) */
	uint32_t status, error, error_info, scratch;
	uint32_t irq_status, irq_mask, irq_send;
	uint32_t ts_hi_latch;
	uint32_t cnt_hi_latch[SNPU_NUM_COUNTERS];
	uint64_t fw_addr;
	uint32_t fw_size, fw_status, fw_error, fw_version, fw_caps, fw_api;
	bool boot_pending;
	uint64_t mmu_ctx_table;
	uint32_t mmu_ctx_count;
	uint32_t fault_status, fault_ctx, fault_queue;
	uint64_t fault_va;
	struct snpu_queue q[SNPU_MAX_QUEUES];
	/* fault injection (regs, core->lock; snpu_fault.c) */
	uint32_t fi_drop_irq, fi_dma_fail, fi_hang_mask, fi_reset_fail, fi_injected;
	bool fi_reset_failing;		/* the reset in progress will not finish */

	/* worker */
	unsigned int worker_epoch;
	unsigned int worker_tlb_gen;
	struct snpu_worker_queue wq[SNPU_MAX_QUEUES];
	struct snpu_fw_tables fw;
	struct snpu_tlb_entry tlb[SNPU_TLB_ENTRIES];
	uint8_t *dram;
	uint8_t *sram;
	uint32_t sram_dirty;		/* bytes [0, sram_dirty) may be nonzero */
	uint32_t sram_ctx;		/* context owning SRAM contents */
	struct snpu_exec *sram_owner;	/* in-flight job the contents belong to */
	uint32_t last_ctx;		/* for CTX_SWITCHES */
	uint64_t model_free_ns;		/* pace: device busy until then */
	uint8_t *bounce;
	struct snpu_te_pool *pool;
	uint64_t clock_base;		/* device clock = host clock - base */
};

/* snpu_core.c */
void snpu_logf(struct snpu_core *core, enum snpu_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void snpu_count(struct snpu_core *core, enum snpu_counter c, uint64_t n);
uint64_t snpu_now(struct snpu_core *core);
/* Set IRQ_STATUS bits and schedule their message unless masked. */
void snpu_irq_raise_locked(struct snpu_core *core, uint32_t bits);
/* Send the scheduled MSI-X messages (worker, no lock held). */
void snpu_irq_flush(struct snpu_core *core);
/* Restore power-on register state, bump the epoch (lock held). */
void snpu_reset_locked(struct snpu_core *core);
bool snpu_worker_current_locked(struct snpu_core *core);

/* snpu_fault.c: fault injection (docs/hardware.md 3.7), core->lock held. */
bool snpu_fi_reg_read_locked(struct snpu_core *core, uint32_t off, uint32_t *v);
bool snpu_fi_reg_write_locked(struct snpu_core *core, uint32_t off, uint32_t v);
/* FLR / PCI reset: disarm everything. */
void snpu_fi_clear_locked(struct snpu_core *core);
/* Interrupt messages about to be sent: returns those not dropped. */
uint32_t snpu_fi_irqs_locked(struct snpu_core *core, uint32_t send);
/* A soft reset was requested: true if it is to fail. */
bool snpu_fi_reset_locked(struct snpu_core *core);
/* Queue q fetches a descriptor: fail the fetch (*ring), fail the job with
 * a bus error (*dma) or hang it (*hang). */
void snpu_fi_fetch_locked(struct snpu_core *core, unsigned int q, bool *ring, bool *dma,
			  bool *hang);

/* snpu_boot.c: run the firmware boot requested by the doorbell. */
void snpu_boot_run(struct snpu_core *core);
void snpu_fw_tables_free(struct snpu_fw_tables *fw);

/* snpu_queue.c: the queue engine and arbiter. */
void snpu_queue_stop_locked(struct snpu_core *core, unsigned int q, enum snpu_err err);
/* Queue register block accesses; false for an undefined offset. */
bool snpu_queue_reg_read_locked(struct snpu_core *core, unsigned int q, uint32_t r,
				uint32_t *v);
/* Sets *kick when the worker must be kicked. */
bool snpu_queue_reg_write_locked(struct snpu_core *core, unsigned int q, uint32_t r,
				 uint32_t v, bool *kick);
/* One scheduling step: returns true if it made progress. */
bool snpu_queue_step(struct snpu_core *core);
/* Nanoseconds until a suspended or held job needs the worker, or -1. */
int64_t snpu_queue_next_deadline(struct snpu_core *core);
/* Abort every in-flight job of an old epoch (worker). */
void snpu_queue_abort_all(struct snpu_core *core);

/* snpu_job.c: execute commands of one job. */
void snpu_job_execute(struct snpu_core *core, struct snpu_exec *x, uint32_t max_cmds);
/* Re-evaluate a job suspended on WAIT: true if it may run again. */
bool snpu_job_wait_ready(struct snpu_core *core, struct snpu_exec *x);
void snpu_job_fail(struct snpu_exec *x, enum snpu_err err);

/* snpu_cmd_sync.c / snpu_cmd_dma.c: the command processor's own commands,
 * called after snpu_cmd_check() accepted them and listed their regions. */
enum snpu_err snpu_cmd_dma_copy(struct snpu_exec *x, const void *cmd,
				const struct snpu_cmd_regions *regs);
enum snpu_err snpu_cmd_dma_fill(struct snpu_exec *x, const void *cmd);
enum snpu_err snpu_cmd_fence(struct snpu_exec *x, const void *cmd);
/* Returns SNPU_OK when satisfied, -1 (as int) when it must suspend. */
int snpu_cmd_wait_begin(struct snpu_exec *x, const void *cmd);
enum snpu_err snpu_cmd_timestamp(struct snpu_exec *x, const void *cmd);
enum snpu_err snpu_cmd_counters(struct snpu_exec *x, const void *cmd);

/* snpu_mmu.c */
/* Switch x to its context (reads the context table). */
enum snpu_err snpu_mmu_load_ctx(struct snpu_core *core, struct snpu_exec *x,
				uint64_t table, uint32_t count);
/* Translate va for a read or write; on failure records the fault in x. */
enum snpu_err snpu_mmu_translate(struct snpu_core *core, struct snpu_exec *x, uint64_t va,
				 bool write, uint64_t *pte);
void snpu_tlb_sync(struct snpu_core *core);
void snpu_tlb_flush(struct snpu_core *core);

/* snpu_timing.c */
uint64_t snpu_timing_bytes_cycles(const struct snpu_timing *t, uint64_t host,
				  uint64_t dram, uint64_t sram);
uint64_t snpu_timing_cycles_ns(const struct snpu_timing *t, uint64_t cycles);

/* snpu_sram.c: SRAM ownership, clearing and save/restore. */
/* x is about to execute: make SRAM hold its contents (restoring what
 * was saved when another job took it over, or clearing it when the context
 * changes). */
void snpu_sram_enter(struct snpu_core *core, struct snpu_exec *x);
/* x completed: it no longer owns SRAM contents worth saving. */
void snpu_sram_release(struct snpu_core *core, struct snpu_exec *x);
void snpu_sram_clear(struct snpu_core *core);

#endif /* SNPU_CORE_INT_H */
