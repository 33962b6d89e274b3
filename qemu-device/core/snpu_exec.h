/* SPDX-License-Identifier: MIT */
/*
 * Internal interface between the command processor (snpu_core.c & co: rings,
 * MMU, DMA, counters) and the tensor engine (te_*.c). Not used outside
 * qemu-device/core and its tests.
 *
 * The command processor decodes each command header, then hands tensor
 * commands (CONV2D, GEMM, POOL, ELTWISE, ACTIVATION, SOFTMAX, MOVE, PAD,
 * CONVERT) to snpu_te_execute(). The engine reaches memory only through
 * snpu_exec_read()/snpu_exec_write(), which translate context VAs (or the
 * SRAM window) and record a precise fault in the exec state.
 *
 * Threads: snpu_exec_* may only be called from the thread that is running
 * snpu_te_execute() (the core's worker), never from the engine's pool
 * threads: stage operands in, compute in the pool, write results back.
 */
#ifndef SNPU_EXEC_H
#define SNPU_EXEC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "snpu_regs.h"
#include "snpu_cmd.h"
#include "snpu_fw.h"

struct snpu_exec;	/* one executing job: context, fault info, counters */

/* Copy len bytes at context VA va to dst / from src to va. Return SNPU_OK or
 * an enum snpu_err (MMU fault, permission, DMA error, SRAM range); on a
 * fault the exec state holds the faulting VA and access. Byte counters
 * (DMA_H2D/D2H/D2D/SRAM) are updated here. */
enum snpu_err snpu_exec_read(struct snpu_exec *x, uint64_t va, void *dst, size_t len);
enum snpu_err snpu_exec_write(struct snpu_exec *x, uint64_t va, const void *src, size_t len);

/* Firmware tables for LUT activations; NULL when the fw has none. */
const struct snpu_fw_lut *snpu_exec_lut(struct snpu_exec *x, enum snpu_lut_fn fn,
					const uint32_t **samples);

/* Log a guest error (bad field) with printf formatting. */
void snpu_exec_log(struct snpu_exec *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Timing model parameters (copied from struct snpu_config). */
struct snpu_timing {
	uint32_t mac_rows, mac_cols;
	uint32_t clock_mhz;
	uint32_t dram_bw, sram_bw, pcie_bw;	/* MB/s */
	uint32_t cmd_overhead;			/* cycles */
	uint32_t sram_size;
};
const struct snpu_timing *snpu_exec_timing(struct snpu_exec *x);
/* Memory kind of context VA va for the timing model (enum te_mem_kind:
 * 0 host memory, 1 DRAM, 2 SRAM window). No side effect: no fault is
 * recorded, no counter moves; a VA that does not translate reports DRAM. */
int snpu_exec_mem_kind(struct snpu_exec *x, uint64_t va);

/* What one tensor command did, for counters and the timing model. */
struct snpu_te_result {
	uint64_t macs;		/* multiply-accumulates */
	uint64_t elems;		/* elements produced */
	uint64_t pred_cycles;	/* timing-model cycles of the command:
				 * cycles(c) of docs/hardware.md 18.2,
				 * cmd_overhead included */
};

/* Validate and execute one tensor command (cmd points at its header, size
 * bytes, already checked to be >= the header and inside the stream).
 * Returns SNPU_OK or the enum snpu_err that fails the job. Never asserts
 * on guest data, never reads or writes outside what snpu_exec_* allow. */
enum snpu_err snpu_te_execute(struct snpu_exec *x, const struct snpu_cmd_header *cmd,
			      size_t size, struct snpu_te_result *res);

/* Reset epoch of the device running x: the command must stop as soon as
 * *epoch differs from *want (a reset or unplug is waiting for it). May be
 * read from any thread, pool threads included. NULL: no device (tests). */
const atomic_uint *snpu_exec_epoch(struct snpu_exec *x, unsigned int *want);

/* Thread pool for the engine's kernels: created with the core, sized by
 * snpu_config.threads. */
struct snpu_te_pool;
struct snpu_te_pool *snpu_te_pool_new(unsigned int threads);
void snpu_te_pool_free(struct snpu_te_pool *pool);
struct snpu_te_pool *snpu_exec_pool(struct snpu_exec *x);

#endif /* SNPU_EXEC_H */
