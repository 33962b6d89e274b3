// SPDX-License-Identifier: MIT
/*
 * SNPU timing model helpers for the command processor: transfers take
 * bytes / bandwidth on each memory they touch (PCIe for host memory, DRAM,
 * SRAM), the kinds overlapping (the slowest one bounds the command).
 */
#include "snpu_core_int.h"

/* bytes at bw MB/s (= bytes per microsecond) on a clock_mhz clock. */
static uint64_t xfer_cycles(uint64_t bytes, uint32_t bw, uint32_t clock_mhz)
{
	if (!bytes)
		return 0;
	return (bytes * clock_mhz + bw - 1) / bw;
}

uint64_t snpu_timing_bytes_cycles(const struct snpu_timing *t, uint64_t host,
				  uint64_t dram, uint64_t sram)
{
	uint64_t h = xfer_cycles(host, t->pcie_bw, t->clock_mhz);
	uint64_t d = xfer_cycles(dram, t->dram_bw, t->clock_mhz);
	uint64_t s = xfer_cycles(sram, t->sram_bw, t->clock_mhz);
	uint64_t m = h > d ? h : d;

	return m > s ? m : s;
}

uint64_t snpu_timing_cycles_ns(const struct snpu_timing *t, uint64_t cycles)
{
	return (cycles * 1000 + t->clock_mhz - 1) / t->clock_mhz;
}
