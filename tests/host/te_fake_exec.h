/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for the command processor's exec state, so the tensor engine
 * tests run without the device core: memory is one flat host array where
 * VA == offset, with an optional unmapped hole [hole_lo, hole_hi) that
 * faults like the device MMU. Also the reference's memory callbacks over a
 * second array, and sampled activation tables like the firmware's.
 */
#ifndef TE_FAKE_EXEC_H
#define TE_FAKE_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include "snpu_exec.h"
#include "snpu_ref.h"

struct snpu_exec {
	uint8_t *mem;
	size_t size;
	uint64_t hole_lo, hole_hi;	/* unmapped range (empty when equal) */
	uint64_t fault_va;		/* last fault */
	int fault_write;
	struct snpu_timing timing;
	struct snpu_te_pool *pool;
	const struct snpu_fw_lut *lut[SNPU_LUT_COUNT];
	const uint32_t *lut_samples[SNPU_LUT_COUNT];
	char log[512];
	unsigned int nlogs;
	uint64_t bytes_read, bytes_written;
};

/* Create with size bytes of memory and threads engine threads (0: none). */
struct snpu_exec *fake_exec_new(size_t size, unsigned int threads);
void fake_exec_free(struct snpu_exec *x);

/* Firmware-like tables for SNPU_LUT_* (static, built once). */
void fake_luts(const struct snpu_fw_lut *lut[SNPU_LUT_COUNT],
	       const uint32_t *samples[SNPU_LUT_COUNT]);

/* snpu_ref_mem over memory mem of size bytes (VA == offset), same hole
 * as x, same tables. */
struct fake_ref {
	struct snpu_ref_mem m;
	uint8_t *mem;
	size_t size;
	uint64_t hole_lo, hole_hi;
};
void fake_ref_init(struct fake_ref *r, const struct snpu_exec *x, uint8_t *mem);

#endif /* TE_FAKE_EXEC_H */

/* ---- test helpers shared by tests/host/test_te_*.c ---- */
#include "snpu_cmd.h"

/* Deterministic PRNG (xorshift64*). */
uint64_t fake_rand(void);
void fake_srand(uint64_t seed);
uint32_t fake_urange(uint32_t lo, uint32_t hi);	/* inclusive */
float fake_frand(float lo, float hi);

/* Bump-allocate bytes of test memory after a random gap; 0 if full. */
uint64_t fake_alloc(struct snpu_exec *x, uint64_t bytes);
void fake_reset_alloc(struct snpu_exec *x);

enum fake_layout {
	FAKE_NCHW,	/* dense row-major */
	FAKE_NHWC,	/* channels innermost */
	FAKE_GAPS,	/* row-major with padding between rows/planes */
	FAKE_PERM,	/* a random axis order with random gaps */
	FAKE_RANDOM,	/* one of the above */
};

/* Allocate and fill a tensor: fp values in [-1, 1], int8 random, int32
 * small; int8 gets a random scale and zero point. Returns 0 or -1. */
int fake_tensor(struct snpu_exec *x, struct snpu_tensor *t, uint32_t dtype,
		uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3, enum fake_layout lay);
/* Fill len bytes at va with random fp32 values (n floats) in [lo, hi]. */
void fake_fill_f32(struct snpu_exec *x, uint64_t va, uint32_t n, float lo, float hi);

/* Run cmd on the engine and on the reference (each on its own copy of
 * the memory), check both return want, and that the memories match: int8
 * and raw outputs bit-exact, fp32 within tol relative to the output's
 * largest magnitude (fp16 within 2e-3), every other byte identical.
 * Returns 0 when they agree, else -1 with a message in why. */
int fake_run_compare(struct snpu_exec *x, const void *cmd, size_t size, int want,
		     double tol, struct snpu_te_result *res, char *why, size_t whylen);
