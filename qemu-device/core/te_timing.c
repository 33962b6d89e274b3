// SPDX-License-Identifier: MIT
/*
 * Timing model of the tensor engine: predicted ASIC cycles per command.
 *
 * MAC commands run on an R x C weight-stationary systolic array
 * (R = mac_rows, C = mac_cols). A GEMM of M x K by K x N is cut into
 * ceil(K / R) * ceil(N / C) weight tiles; each tile streams the M rows of
 * the left operand through the array and pays the fill/drain latency
 * R + C - 1:
 *
 *     compute = batches * ceil(K / R) * ceil(N / C) * (M + R + C - 1)
 *
 * conv2d is the GEMM of its im2col: batches = groups, M = N_img * OH * OW,
 * K = C / groups * KH * KW, N = O / groups.
 * Operands move at DRAM bandwidth: memory = ceil(bytes * clock_mhz /
 * dram_bw) (bandwidths in MB/s, so bytes / (bw * 1e6) seconds at
 * clock_mhz * 1e6 cycles per second), bytes = the sum of the byte spans of
 * every region the command touches (snpu_cmd_check()).
 * MAC commands take max(compute, memory) (compute and transfers overlap),
 * other commands memory; every command adds cmd_overhead.
 */
#include "te_internal.h"

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

uint64_t te_cycles_mem(const struct snpu_timing *t, uint64_t bytes)
{
	uint64_t bw = t->dram_bw ? t->dram_bw : 1, clk = t->clock_mhz ? t->clock_mhz : 1;

	/* ceil(bytes * clk / bw) without overflow: split bytes by bw */
	return sat_add(sat_mul(bytes / bw, clk), ceil_div((bytes % bw) * clk, bw));
}

uint64_t te_cycles_mac(const struct snpu_timing *t, uint64_t batches, uint64_t m, uint64_t n,
		       uint64_t k, uint64_t bytes)
{
	uint64_t r = t->mac_rows ? t->mac_rows : 1, c = t->mac_cols ? t->mac_cols : 1;
	uint64_t comp = sat_mul(sat_mul(sat_mul(batches, ceil_div(k, r)), ceil_div(n, c)),
				sat_add(m, r + c - 1));
	uint64_t mem = te_cycles_mem(t, bytes);

	return comp > mem ? comp : mem;
}
