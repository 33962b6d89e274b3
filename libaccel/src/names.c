/* SPDX-License-Identifier: MIT */
/* Names of capabilities, counters and device error codes. */
#include <stddef.h>
#include <string.h>

#include "internal.h"
#include "snpu_regs.h"

_Static_assert(ACCEL_CAP_TIMING == SNPU_CAP_TIMING, "caps follow the hardware");
_Static_assert((int)ACCEL_NUM_COUNTERS == (int)SNPU_NUM_COUNTERS, "counters follow the hardware");
_Static_assert((int)ACCEL_CNT_DOORBELLS == (int)SNPU_CNT_DOORBELLS, "counters follow the hardware");

static const char *const cap_names[ACCEL_CAP_BITS] = {
	"fp32", "fp16", "int8", "mmu", "sram", "conv", "gemm", "pool",
	"eltwise", "act_lut", "softmax", "move", "convert", "fence", "profile", "timing",
};

static const char *const precision_names[ACCEL_PRECISION_COUNT] = {
	[ACCEL_PRECISION_FP32] = "fp32",
	[ACCEL_PRECISION_FP16] = "fp16",
	[ACCEL_PRECISION_INT8] = "int8",
	[ACCEL_PRECISION_MIXED] = "mixed",
};

const char *accel_precision_name(accel_precision p)
{
	return (unsigned int)p < ACCEL_PRECISION_COUNT ? precision_names[p] : NULL;
}

accel_status accel_precision_from_name(const char *s, accel_precision *p)
{
	if (!s || !p)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_precision_from_name: NULL %s",
				   s ? "result" : "name");
	for (unsigned int i = 0; i < ACCEL_PRECISION_COUNT; i++) {
		if (!strcmp(s, precision_names[i])) {
			*p = (accel_precision)i;
			return ACCEL_OK;
		}
	}
	return accel__fail(ACCEL_ERR_INVALID_ARG,
			   "unknown precision '%s' (fp32, fp16, int8 or mixed)", s);
}

const char *accel_cap_name(unsigned int bit)
{
	return bit < ACCEL_CAP_BITS ? cap_names[bit] : NULL;
}

static const char *const counter_names[ACCEL_NUM_COUNTERS] = {
	[ACCEL_CNT_JOBS] = "jobs",
	[ACCEL_CNT_JOBS_FAILED] = "jobs_failed",
	[ACCEL_CNT_COMMANDS] = "commands",
	[ACCEL_CNT_MACS] = "macs",
	[ACCEL_CNT_DMA_H2D] = "dma_h2d_bytes",
	[ACCEL_CNT_DMA_D2H] = "dma_d2h_bytes",
	[ACCEL_CNT_DMA_D2D] = "dma_d2d_bytes",
	[ACCEL_CNT_PRED_CYCLES] = "pred_cycles",
	[ACCEL_CNT_BUSY_NS] = "busy_ns",
	[ACCEL_CNT_FAULTS] = "faults",
	[ACCEL_CNT_ERRORS] = "errors",
	[ACCEL_CNT_IRQS] = "irqs",
	[ACCEL_CNT_RESETS] = "resets",
	[ACCEL_CNT_CTX_SWITCHES] = "ctx_switches",
	[ACCEL_CNT_SRAM_BYTES] = "sram_bytes",
	[ACCEL_CNT_DOORBELLS] = "doorbells",
};

const char *accel_counter_name(unsigned int counter)
{
	return counter < ACCEL_NUM_COUNTERS ? counter_names[counter] : NULL;
}

static const char *const hw_error_names[SNPU_ERR_COUNT] = {
	[SNPU_OK] = "ok",
	[SNPU_ERR_OPCODE] = "unknown opcode",
	[SNPU_ERR_CMD_SIZE] = "bad command size",
	[SNPU_ERR_RESERVED] = "reserved field or flag not zero",
	[SNPU_ERR_DTYPE] = "data type not valid for the command",
	[SNPU_ERR_SHAPE] = "inconsistent dims, strides or parameters",
	[SNPU_ERR_MMU_FAULT] = "MMU fault (address not mapped)",
	[SNPU_ERR_MMU_PERM] = "MMU permission fault (write to read-only)",
	[SNPU_ERR_DMA] = "bus error on a host access",
	[SNPU_ERR_SRAM_RANGE] = "SRAM access out of range",
	[SNPU_ERR_WAIT_TIMEOUT] = "WAIT command timed out",
	[SNPU_ERR_ABORTED] = "aborted by reset",
	[SNPU_ERR_NO_FIRMWARE] = "no firmware running",
	[SNPU_ERR_CONTEXT] = "bad MMU context",
	[SNPU_ERR_RING] = "bad ring or descriptor",
	[SNPU_ERR_NO_LUT] = "firmware has no table for the activation",
	[SNPU_ERR_OVERFLOW] = "size computation overflowed",
	[SNPU_ERR_FATAL] = "internal device error",
};

const char *accel_hw_error_name(uint32_t hw_error)
{
	if (hw_error >= SNPU_ERR_COUNT || !hw_error_names[hw_error])
		return "unknown device error";
	return hw_error_names[hw_error];
}
