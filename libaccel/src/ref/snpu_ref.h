/* SPDX-License-Identifier: MIT */
/*
 * Plain CPU reference of every SNPU tensor command (CONV2D, GEMM, POOL,
 * ELTWISE, ACTIVATION, SOFTMAX, MOVE, PAD, CONVERT), written for
 * readability: the oracle of the device tests and libaccel's CPU backend.
 *
 * Memory is reached through two callbacks over the command's VAs. Each
 * command is validated with snpu_cmd_check() (uapi/snpu_cmd_regions.h),
 * reads every input before writing its output, and keeps the bytes between
 * the elements of a strided output. int8 math comes from uapi/snpu_quant.h
 * and uapi/snpu_act.h, so it is bit-exact with the device.
 */
#ifndef SNPU_REF_H
#define SNPU_REF_H

#include <stddef.h>
#include <stdint.h>
#include "snpu_regs.h"
#include "snpu_cmd.h"
#include "snpu_fw.h"

struct snpu_ref_mem {
	void *ctx;
	/* Return SNPU_OK or an enum snpu_err (fault). */
	int (*read)(void *ctx, uint64_t va, void *dst, size_t len);
	int (*write)(void *ctx, uint64_t va, const void *src, size_t len);
	/* Firmware activation tables (NULL when absent). */
	const struct snpu_fw_lut *lut[SNPU_LUT_COUNT];
	const uint32_t *lut_samples[SNPU_LUT_COUNT];
};

/* Validate and execute one tensor command of size bytes. Returns SNPU_OK
 * or an enum snpu_err, with a message in msg (may be NULL). */
int snpu_ref_execute(const struct snpu_ref_mem *m, const struct snpu_cmd_header *cmd,
		     size_t size, char *msg, size_t msglen);

#endif /* SNPU_REF_H */
