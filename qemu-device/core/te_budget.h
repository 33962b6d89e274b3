/* SPDX-License-Identifier: MIT */
/*
 * Host budget of one tensor command (te_budget.c): the one place that
 * computes, with checked (saturating) 64-bit arithmetic and from the
 * validated descriptor alone, how many elements each operand stages, how
 * many bytes the engine will hold at once for the command (staging,
 * fp16->fp32 copies, span buffers, output, im2col, accumulators, packed
 * GEMM panels with their padding, epilogue tables, per-thread scratch) and
 * how much host work it does (padded MACs, window reads, packing, a fixed
 * cost per GEMM call). snpu_te_execute() refuses a command over either
 * budget with SNPU_ERR_OVERFLOW before allocating anything; te_stage.c
 * stages operands with the same plans, so the two can never disagree.
 *
 * While a command runs, te_cancelled() (te_pool.c) reports a device reset
 * (the exec epoch moved) or the end of the time budget; every long loop
 * (rows, tiles, windows, batches, staging rows) checks it.
 */
#ifndef SNPU_TE_BUDGET_H
#define SNPU_TE_BUDGET_H

#include <stdint.h>
#include "snpu_cmd.h"
#include "snpu_regs.h"

/* The fuzz build (tests/fuzz) compiles the core with smaller budgets so
 * each input runs in milliseconds; the arithmetic is the same. */
#ifndef TE_MEM_BUDGET
/* Host memory of one command, everything included (docs/hardware.md 26). */
#define TE_MEM_BUDGET		(512ull << 20)
#endif
#ifndef TE_WORK_BUDGET
/* Host work of one command in MAC-equivalents, padding and packing
 * included: about 2-10 s of one host thread with the vector kernels. */
#define TE_WORK_BUDGET		(1ull << 38)
#endif
#ifndef TE_TIME_BUDGET_NS
/* Wall-clock backstop: a command still running after this is stopped
 * (SNPU_ERR_OVERFLOW) even if the work estimate said it would fit. */
#define TE_TIME_BUDGET_NS	(10ull * 1000000000ull)
#endif
/* Cost of one GEMM call beyond its padded MACs (setup, panel buffers). */
#define TE_CALL_WORK		(1ull << 16)
/* Per-thread panel buffers of te_sgemm (te_gemm.c: MC x KC and KC x NC
 * floats, sized for the largest micro-kernel). */
#define TE_SGEMM_SCRATCH	((12ull * 16 * 256 + (2048ull + 32) * 256) * 4)

/* Saturating arithmetic: a saturated result exceeds every budget. */
static inline uint64_t te_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static inline uint64_t te_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static inline uint64_t te_roundup(uint64_t v, uint64_t m)
{
	return te_mul((v / m) + (v % m != 0), m);
}

/* How te_load() brings an operand in. */
enum te_load_mode {
	TE_LOAD_DENSE = 0,	/* canonical strides: one read into the buffer */
	TE_LOAD_SPAN = 1,	/* read the span, gather on the host */
	TE_LOAD_ROWS = 2,	/* sparse: row by row (or element by element) */
};

struct te_load_plan {
	uint32_t cd[4];		/* dims after collapsing stride-0 axes */
	uint64_t n;		/* elements staged (saturated) */
	uint64_t bytes;		/* n * element size of the tensor's dtype */
	uint64_t span;		/* byte extent of the tensor in memory */
	uint64_t lo;		/* its first byte */
	enum te_load_mode mode;
	uint64_t mem;		/* bytes held at the peak (incl. fp32 copy) */
	uint64_t held;		/* bytes held after te_load returns */
	uint64_t work;
};

/* Plan te_load(t, to_f32, collapse); SNPU_ERR_OVERFLOW if t's extent
 * does not fit 64 bits (the validator refuses those before). */
enum snpu_err te_plan_load(const struct snpu_tensor *t, int to_f32, unsigned int collapse,
			   struct te_load_plan *p);

enum te_store_mode {
	TE_STORE_DENSE = 0,	/* NCHW: one write */
	TE_STORE_PERM = 1,	/* a permutation of a dense block: scatter, write */
	TE_STORE_ROWS = 2,	/* row by row or element by element */
	TE_STORE_RMW = 3,	/* read the span, patch, write back */
};

struct te_out_plan {
	uint64_t n;		/* elements (saturated) */
	uint32_t esize;		/* of the dense buffer (4 for fp16 as fp32) */
	uint64_t bytes;		/* dense buffer */
	uint64_t span;
	enum te_store_mode mode;
	uint64_t mem;		/* dense buffer + store temporary */
	uint64_t work;
};

void te_plan_out(const struct snpu_tensor *t, int as_f32, struct te_out_plan *p);

struct te_budget {
	uint64_t mem;		/* bytes */
	uint64_t work;		/* MAC-equivalents */
	const char *over;	/* NULL, or which budget it exceeds */
};

/* Budget of a command that snpu_cmd_check() accepted, run on a pool of
 * threads threads. Returns SNPU_OK, or SNPU_ERR_OVERFLOW with b->over set. */
enum snpu_err te_budget_cmd(const struct snpu_cmd_header *h, unsigned int threads,
			    struct te_budget *b);

#endif /* SNPU_TE_BUDGET_H */
