/* SPDX-License-Identifier: MIT */
/*
 * Timing model of the tensor engine (te_timing.c): cycles(c) of
 * docs/hardware.md section 18.2 for one tensor command.
 */
#ifndef SNPU_TE_TIMING_H
#define SNPU_TE_TIMING_H

#include <stdint.h>
#include "snpu_exec.h"

struct snpu_cmd_regions;

/* Where an operand lives; decides the bandwidth its bytes move at. */
enum te_mem_kind {
	TE_MEM_HOST = 0,	/* host memory over PCIe: pcie_bw */
	TE_MEM_DRAM = 1,	/* device DRAM: dram_bw */
	TE_MEM_SRAM = 2,	/* the SRAM window: sram_bw */
};

/* Memory kind of context VA va (the first byte of an operand). The engine
 * knows the SRAM window from the VA alone; host memory vs DRAM needs the
 * page tables, i.e. the exec layer. */
typedef enum te_mem_kind (*te_mem_kind_fn)(void *arg, uint64_t va);

/* xfer(bytes, bw) = ceil(bytes * clock_mhz / bw), saturating. */
uint64_t te_xfer(const struct snpu_timing *t, uint64_t bytes, uint32_t bw_mbs);
/* mem(c) = max(xfer(host, pcie_bw), xfer(dram, dram_bw), xfer(sram, sram_bw)). */
uint64_t te_cycles_mem3(const struct snpu_timing *t, uint64_t host, uint64_t dram,
			uint64_t sram);
/* Cycles per MAC step of a MAC operand type: INT8 1, FP16 2, FP32 4. */
uint64_t te_mac_step(uint32_t dtype);
/* compute(c) of a GEMM (or a conv's im2col GEMM) on the weight-stationary
 * array: batches * ceil(K/rows) * ceil(N/cols)
 *         * (r * max(M, rows) + rows + cols - 2). */
uint64_t te_cycles_mac_compute(const struct snpu_timing *t, uint32_t dtype, uint64_t batches,
			       uint64_t m, uint64_t n, uint64_t k);
/* compute(c) of any validated tensor command (the table of 18.2). */
uint64_t te_cycles_compute(const struct snpu_timing *t, const struct snpu_cmd_header *h);
/* cycles(c) = cmd_overhead + max(compute(c), mem(c)) of a validated tensor
 * command whose regions snpu_cmd_check() listed. Each region's bytes count
 * in the kind of its first byte: kind(arg, addr), or, with kind NULL,
 * SRAM for the SRAM window and DRAM for every other VA. */
uint64_t te_timing_predict(const struct snpu_timing *t, const struct snpu_cmd_header *h,
			   const struct snpu_cmd_regions *regs, te_mem_kind_fn kind,
			   void *arg);

#endif /* SNPU_TE_TIMING_H */
