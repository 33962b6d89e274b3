// SPDX-License-Identifier: MIT
/*
 * Timing model of the tensor engine: predicted ASIC cycles per command
 * (docs/hardware.md 18.2; the one statement of the MAC array model):
 *
 * The MAC array is a rows x cols weight-stationary systolic array. A GEMM
 * C[M][N] = A[M][K] * B[K][N] is cut into ceil(K/rows) * ceil(N/cols)
 * weight tiles: a tile's rows x cols weights (a K-slice by an N-slice of B)
 * sit in the PEs, the M rows of A stream in from the left, skewed by one
 * cycle per row of PEs, partial sums flow down the columns and leave the
 * bottom edge into accumulators that sum the K-tiles. A PE takes
 * r = te_mac_step(dtype) cycles per MAC step (INT8 1, FP16 2, FP32 4), so
 * streaming takes r * M cycles; the last output leaves rows + cols - 2
 * cycles after the last row entered (skew fill and drain). The next
 * tile's weights (rows beats of one row, r cycles each) load into shadow
 * registers while the current tile streams, so a tile streams for
 * r * max(M, rows) cycles (a short M waits for the weight load); the first
 * tile's load is part of the command setup (cmd_overhead). Edge tiles cost
 * as much as full ones; the epilogue is pipelined behind the array.
 *
 *     compute = batches * ceil(K/rows) * ceil(N/cols)
 *               * (r * max(M, rows) + rows + cols - 2)
 *
 * conv2d is the GEMM of its im2col: batches = groups, M = N_img * OH * OW,
 * K = C / groups * KH * KW, N = O / groups; GEMM: batches = B0 * B1.
 * Other commands run on the cols-wide vector unit: POOL
 * ceil(N*C*OH*OW*KH*KW / cols), SOFTMAX ceil(3 * out / cols), the rest
 * ceil(out / cols) (out = output elements).
 *
 * Memory: every region snpu_cmd_check() lists (each operand once, its byte
 * span) counts in the memory kind of its first byte; the host (PCIe),
 * DRAM and SRAM channels overlap:
 *
 *     xfer(bytes, bw) = ceil(bytes * clock_mhz / bw)   (bw in MB/s)
 *     mem   = max(xfer(B_host, pcie_bw), xfer(B_dram, dram_bw),
 *                 xfer(B_sram, sram_bw))
 *     cycles = cmd_overhead + max(compute, mem)
 *
 * Everything saturates at UINT64_MAX / 2 instead of wrapping.
 */
#include "snpu_cmd_regions.h"
#include "snpu_mmu.h"
#include "te_internal.h"
#include "te_timing.h"

#define SAT (UINT64_MAX / 2)

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) || r > SAT ? SAT : r;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > SAT - (b > SAT ? SAT : b) ? SAT : a + b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

uint64_t te_xfer(const struct snpu_timing *t, uint64_t bytes, uint32_t bw_mbs)
{
	uint64_t bw = bw_mbs ? bw_mbs : 1, clk = t->clock_mhz ? t->clock_mhz : 1;

	/* ceil(bytes * clk / bw) without overflow: split bytes by bw */
	return sat_add(sat_mul(bytes / bw, clk), ceil_div((bytes % bw) * clk, bw));
}

uint64_t te_cycles_mem3(const struct snpu_timing *t, uint64_t host, uint64_t dram,
			uint64_t sram)
{
	return max64(te_xfer(t, host, t->pcie_bw),
		     max64(te_xfer(t, dram, t->dram_bw), te_xfer(t, sram, t->sram_bw)));
}

uint64_t te_mac_step(uint32_t dtype)
{
	switch (dtype) {
	case SNPU_DT_INT8: return 1;
	case SNPU_DT_FP16: return 2;
	default: return 4;	/* FP32 (the only other MAC type) */
	}
}

uint64_t te_cycles_mac_compute(const struct snpu_timing *t, uint32_t dtype, uint64_t batches,
			       uint64_t m, uint64_t n, uint64_t k)
{
	uint64_t r = t->mac_rows ? t->mac_rows : 1, c = t->mac_cols ? t->mac_cols : 1;
	uint64_t tile = sat_add(sat_mul(te_mac_step(dtype), max64(m, r)), r + c - 2);

	return sat_mul(sat_mul(sat_mul(batches, ceil_div(k, r)), ceil_div(n, c)), tile);
}

static uint64_t elems(const struct snpu_tensor *t)
{
	return sat_mul(sat_mul(t->dim[0], t->dim[1]), sat_mul(t->dim[2], t->dim[3]));
}

uint64_t te_cycles_compute(const struct snpu_timing *t, const struct snpu_cmd_header *h)
{
	uint64_t vec = t->mac_cols ? t->mac_cols : 1;

	switch (h->opcode) {
	case SNPU_OP_CONV2D: {
		const struct snpu_cmd_conv2d *c = (const void *)h;
		uint64_t g = c->groups ? c->groups : 1;

		return te_cycles_mac_compute(t, c->input.dtype, g,
					     (uint64_t)c->output.dim[0] * c->output.dim[2] *
					     c->output.dim[3],
					     c->weight.dim[0] / g,
					     (uint64_t)c->weight.dim[1] * c->weight.dim[2] *
					     c->weight.dim[3]);
	}
	case SNPU_OP_GEMM: {
		const struct snpu_cmd_gemm *c = (const void *)h;

		return te_cycles_mac_compute(t, c->a.dtype, (uint64_t)c->c.dim[0] * c->c.dim[1],
					     c->c.dim[2], c->c.dim[3], c->a.dim[3]);
	}
	case SNPU_OP_POOL: {
		const struct snpu_cmd_pool *c = (const void *)h;

		return ceil_div(sat_mul(elems(&c->output),
					(uint64_t)c->kernel_h * c->kernel_w), vec);
	}
	case SNPU_OP_ELTWISE:
		return ceil_div(elems(&((const struct snpu_cmd_eltwise *)h)->out), vec);
	case SNPU_OP_ACTIVATION:
		return ceil_div(elems(&((const struct snpu_cmd_activation *)h)->output), vec);
	case SNPU_OP_SOFTMAX:
		return ceil_div(sat_mul(3, elems(&((const struct snpu_cmd_softmax *)h)->output)),
				vec);
	case SNPU_OP_MOVE:
		return ceil_div(elems(&((const struct snpu_cmd_move *)h)->output), vec);
	case SNPU_OP_PAD:
		return ceil_div(elems(&((const struct snpu_cmd_pad *)h)->output), vec);
	case SNPU_OP_CONVERT:
		return ceil_div(elems(&((const struct snpu_cmd_convert *)h)->output), vec);
	default:
		return 0;	/* DMA and control commands: memory only */
	}
}

static enum te_mem_kind kind_by_va(uint64_t va)
{
	return va >= SNPU_SRAM_VA ? TE_MEM_SRAM : TE_MEM_DRAM;
}

uint64_t te_timing_predict(const struct snpu_timing *t, const struct snpu_cmd_header *h,
			   const struct snpu_cmd_regions *regs, te_mem_kind_fn kind,
			   void *arg)
{
	uint64_t b[3] = { 0, 0, 0 };
	uint32_t i;

	for (i = 0; i < regs->count; i++) {
		enum te_mem_kind k = kind ? kind(arg, regs->r[i].addr) :
					    kind_by_va(regs->r[i].addr);

		if ((unsigned int)k > TE_MEM_SRAM)
			k = TE_MEM_DRAM;
		b[k] = sat_add(b[k], regs->r[i].len);
	}
	return sat_add(t->cmd_overhead,
		       max64(te_cycles_compute(t, h), te_cycles_mem3(t, b[0], b[1], b[2])));
}
