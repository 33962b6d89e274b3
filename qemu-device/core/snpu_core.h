/* SPDX-License-Identifier: MIT */
/*
 * SNPU device core: the whole device behaviour in plain C11 (+ pthreads),
 * with no QEMU header. The same core links into QEMU (qemu-device/qemu/,
 * a thin glue), the host unit tests and libaccel's in-process "sim" backend.
 *
 * The outside world is reached only through struct snpu_host_ops. Register
 * accesses may come from any thread (QEMU's vCPU threads); the core locks
 * internally. Work (firmware boot, jobs) runs in snpu_core_run(), which the
 * host calls from its own worker thread after ops->kick() or when the
 * deadline snpu_core_run() returned has passed.
 */
#ifndef SNPU_CORE_H
#define SNPU_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct snpu_core;

enum snpu_log_level {
	SNPU_LOG_GUEST_ERROR = 0,	/* the guest/driver did something wrong */
	SNPU_LOG_UNIMP = 1,		/* unimplemented feature touched */
	SNPU_LOG_TRACE = 2,		/* informational */
};

struct snpu_host_ops {
	void *opaque;
	/* Bus-master DMA to/from host (guest-physical / bus) addresses.
	 * Return 0, or -1 on a bus error (the core turns it into SNPU_ERR_DMA). */
	int (*dma_read)(void *opaque, uint64_t addr, void *buf, size_t len);
	int (*dma_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
	/* Send MSI-X vector (called from snpu_core_run's thread, no core lock
	 * held). */
	void (*irq)(void *opaque, unsigned int vector);
	/* Monotonic clock in nanoseconds. */
	uint64_t (*clock_ns)(void *opaque);
	/* Work became pending: make the worker call snpu_core_run() soon.
	 * Called with no core lock held, possibly from a vCPU thread. */
	void (*kick)(void *opaque);
	/* Optional log sink (may be NULL). */
	void (*log)(void *opaque, enum snpu_log_level level, const char *msg);
};

/* Device configuration: QEMU device properties, documented defaults in
 * docs/hardware.md ("Timing model" and "Configuration"). */
struct snpu_config {
	uint32_t num_queues;	/* 1..SNPU_MAX_QUEUES, default 4 */
	uint64_t dram_size;	/* bytes, power of two, default 256 MiB */
	uint32_t sram_size;	/* bytes, default 4 MiB */
	uint32_t num_contexts;	/* MMU contexts, default 256 */
	uint32_t mac_rows;	/* MAC array, default 32 x 32 */
	uint32_t mac_cols;
	uint32_t clock_mhz;	/* default 1000 */
	uint32_t dram_bw;	/* MB/s, default 25600 */
	uint32_t sram_bw;	/* MB/s, default 204800 */
	uint32_t pcie_bw;	/* MB/s, default 7880 (PCIe 3.0 x8) */
	uint32_t cmd_overhead;	/* cycles per command, default 64 */
	uint32_t threads;	/* tensor engine host threads, default 2,
				 * 0..64 (0 = all online host cores) */
	bool pace;		/* hold completions until the predicted time */
	bool fault_injection;	/* FI_* debug registers active (default off) */
};

void snpu_config_defaults(struct snpu_config *cfg);

/* Create a device. On failure returns NULL and writes a message naming the
 * bad configuration value to err. */
struct snpu_core *snpu_core_new(const struct snpu_config *cfg,
				const struct snpu_host_ops *ops,
				char *err, size_t errlen);
void snpu_core_free(struct snpu_core *core);

/* BAR0 accesses (32-bit, offset < SNPU_REGS_SIZE). */
uint32_t snpu_core_reg_read(struct snpu_core *core, uint32_t offset);
void snpu_core_reg_write(struct snpu_core *core, uint32_t offset, uint32_t value);

/* Device DRAM backing store (BAR2): the host maps it directly. */
void *snpu_core_dram(struct snpu_core *core);
uint64_t snpu_core_dram_size(const struct snpu_core *core);

/* Do pending work. Returns the number of nanoseconds until the core needs
 * to run again without a kick (a WAIT poll, a paced completion), or -1 when
 * it is idle until the next kick. Call from one thread at a time. */
int64_t snpu_core_run(struct snpu_core *core);

/* PCI reset / FLR: abort jobs (SNPU_ERR_ABORTED), clear all state as at
 * power-on; the firmware must be booted again. */
void snpu_core_reset(struct snpu_core *core);

/* Number of MSI-X vectors the device uses (queues + 1). */
unsigned int snpu_core_msix_vectors(const struct snpu_core *core);

#endif /* SNPU_CORE_H */
