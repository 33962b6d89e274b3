/* SPDX-License-Identifier: MIT */
/*
 * libaccel command buffers: the one encoder of every SNPU command
 * (docs/hardware.md, uapi/snpu_cmd.h).
 *
 * A command buffer records commands whose memory operands are references
 * (buffer + byte offset). Recording checks every argument (data types,
 * enums, flags, each operand's extent inside its buffer) and fails with a
 * message naming the field; the device checks the semantics again when it
 * runs the job (shapes, quantization), and a failure there names the
 * command index (accel_job_result). Every buffer a command references is
 * added to the job's buffer list with the access the command needs.
 *
 * A command buffer belongs to one device and is not thread-safe (record
 * from one thread at a time); submitting copies it, so it can be reset and
 * reused, or submitted again, at once.
 */
#ifndef ACCEL_CMD_H
#define ACCEL_CMD_H

#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"
#include "accel/device.h"
#include "accel/buffer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_cmdbuf accel_cmdbuf;

/* A memory operand: byte `offset` of `buf`. buf == NULL addresses the
 * on-chip SRAM scratchpad at byte `offset` (the SRAM window). */
typedef struct accel_ref {
	accel_buffer *buf;
	uint64_t offset;
} accel_ref;

/* Data types (values of enum snpu_dtype). */
typedef enum accel_dtype {
	ACCEL_DT_FP32 = 0,
	ACCEL_DT_FP16 = 1,
	ACCEL_DT_INT8 = 2,	/* real = scale * (q - zero_point) */
	ACCEL_DT_INT32 = 3,
	ACCEL_DT_UINT8 = 4,	/* raw bytes: move/pad/convert only */
	ACCEL_DT_COUNT
} accel_dtype;

/* Bytes per element, 0 for an invalid type. */
ACCEL_API uint32_t accel_dtype_size(accel_dtype dt);

/*
 * A 4-axis tensor view. Element (i0,i1,i2,i3) is at
 * mem + (i0*stride[0] + i1*stride[1] + i2*stride[2] + i3*stride[3]) * size.
 * Strides are in elements; when all four are 0 the tensor is packed
 * row-major (stride[3] = 1). Unused leading axes have dim 1 (a dim of 0
 * is refused). A stride of 0 with other strides set broadcasts that axis
 * (inputs only). scale and zero_point are for ACCEL_DT_INT8 only.
 * Axes per command: conv2d/pool/pad (N,C,H,W), conv2d weights
 * (O, I/groups, KH, KW), gemm (B0,B1,rows,cols).
 */
typedef struct accel_tensor {
	accel_ref mem;
	uint32_t dim[4];
	uint32_t stride[4];
	accel_dtype dtype;
	int32_t zero_point;	/* int8: -128..127 */
	float scale;		/* int8: > 0 */
} accel_tensor;

/* Activation functions (values of enum snpu_act). */
typedef enum accel_act_fn {
	ACCEL_ACT_NONE = 0,
	ACCEL_ACT_RELU = 1,
	ACCEL_ACT_CLIP = 2,		/* min(max(x, min), max) */
	ACCEL_ACT_LEAKY_RELU = 3,	/* x < 0 ? alpha * x : x */
	ACCEL_ACT_HARD_SWISH = 4,
	ACCEL_ACT_SIGMOID = 5,
	ACCEL_ACT_TANH = 6,
	ACCEL_ACT_GELU = 7,
	ACCEL_ACT_SILU = 8,
	ACCEL_ACT_COUNT
} accel_act_fn;

typedef struct accel_act {
	accel_act_fn fn;
	float alpha;		/* leaky relu */
	float min, max;		/* clip */
} accel_act;

/* Fused epilogue of conv2d and gemm (see snpu_cmd.h for the arithmetic). */
#define ACCEL_EPI_BIAS		(1u << 0)	/* add bias[out channel] */
#define ACCEL_EPI_PER_CHANNEL	(1u << 1)	/* int8: requant table */
#define ACCEL_EPI_RESIDUAL	(1u << 2)	/* add the residual tensor */

typedef struct accel_epilogue {
	uint32_t flags;		/* ACCEL_EPI_* */
	accel_ref bias;		/* int32[C] (int8) or float[C] */
	accel_ref requant;	/* {int32 mult, int32 shift}[C], PER_CHANNEL */
	int32_t requant_mult, requant_shift;	/* per tensor (int8) */
	int32_t res_mult, res_shift;		/* residual rescale (int8) */
	float pre_scale;	/* int8 LUT activations */
	int32_t pre_zero_point;
	accel_act act;
	accel_tensor residual;	/* output shape, with ACCEL_EPI_RESIDUAL */
} accel_epilogue;

typedef struct accel_conv2d {
	accel_tensor input, weight, output;
	accel_epilogue epi;
	uint16_t stride_h, stride_w;		/* >= 1 */
	uint16_t dilation_h, dilation_w;	/* >= 1 */
	uint16_t pad_top, pad_left, pad_bottom, pad_right;
	uint32_t groups;			/* >= 1 */
} accel_conv2d;

typedef struct accel_gemm {
	accel_tensor a, b, c;	/* (B0,B1,M,K) x (B0,B1,K,N) -> (B0,B1,M,N) */
	accel_epilogue epi;
} accel_gemm;

typedef enum accel_pool_mode { ACCEL_POOL_MAX = 0, ACCEL_POOL_AVG = 1 } accel_pool_mode;
#define ACCEL_POOL_COUNT_PAD (1u << 0)

typedef struct accel_pooling {
	accel_tensor input, output;
	accel_pool_mode mode;
	uint32_t flags;		/* ACCEL_POOL_COUNT_PAD */
	uint16_t kernel_h, kernel_w, stride_h, stride_w;
	uint16_t pad_top, pad_left, pad_bottom, pad_right;
} accel_pooling;

typedef enum accel_eltwise_op {
	ACCEL_ELT_ADD = 0, ACCEL_ELT_SUB, ACCEL_ELT_MUL, ACCEL_ELT_DIV,
	ACCEL_ELT_MAX, ACCEL_ELT_MIN, ACCEL_ELT_COUNT
} accel_eltwise_op;

typedef struct accel_eltwise {
	accel_tensor a, b, out;
	accel_eltwise_op op;
	int32_t left_shift;		/* int8 add/sub */
	int32_t a_mult, a_shift, b_mult, b_shift, out_mult, out_shift;	/* int8 */
	accel_act act;
} accel_eltwise;

typedef enum accel_pad_mode {
	ACCEL_PAD_CONSTANT = 0, ACCEL_PAD_EDGE = 1, ACCEL_PAD_REFLECT = 2
} accel_pad_mode;

typedef enum accel_wait_op { ACCEL_WAIT_GE = 0, ACCEL_WAIT_EQ = 1 } accel_wait_op;

ACCEL_API accel_status accel_cmdbuf_create(accel_device *dev, accel_cmdbuf **out);
ACCEL_API void accel_cmdbuf_free(accel_cmdbuf *cb);
/* Forget every command and buffer reference. */
ACCEL_API void accel_cmdbuf_reset(accel_cmdbuf *cb);
ACCEL_API uint32_t accel_cmdbuf_count(const accel_cmdbuf *cb);	/* commands */
ACCEL_API size_t accel_cmdbuf_size(const accel_cmdbuf *cb);	/* bytes */
/* The encoded stream (VAs resolved), for inspection and tests. */
ACCEL_API const void *accel_cmdbuf_data(const accel_cmdbuf *cb);

/* Every accel_cmd_* appends one command; on error nothing is appended. */
ACCEL_API accel_status accel_cmd_nop(accel_cmdbuf *cb);
/* Copy n bytes (n < 4 GiB). Source and destination must not overlap. */
ACCEL_API accel_status accel_cmd_copy(accel_cmdbuf *cb, accel_ref dst, accel_ref src, uint64_t n);
/* 2-D copy: rows of row_bytes, byte strides between rows. */
ACCEL_API accel_status accel_cmd_copy_2d(accel_cmdbuf *cb, accel_ref dst, uint32_t dst_stride,
					 accel_ref src, uint32_t src_stride,
					 uint32_t row_bytes, uint32_t rows);
/* Fill n bytes (multiple of 4, dst 4-aligned) with a 32-bit value. */
ACCEL_API accel_status accel_cmd_fill(accel_cmdbuf *cb, accel_ref dst, uint32_t n, uint32_t value);
ACCEL_API accel_status accel_cmd_conv2d(accel_cmdbuf *cb, const accel_conv2d *p);
ACCEL_API accel_status accel_cmd_gemm(accel_cmdbuf *cb, const accel_gemm *p);
ACCEL_API accel_status accel_cmd_pool(accel_cmdbuf *cb, const accel_pooling *p);
ACCEL_API accel_status accel_cmd_eltwise(accel_cmdbuf *cb, const accel_eltwise *p);
ACCEL_API accel_status accel_cmd_activation(accel_cmdbuf *cb, const accel_tensor *input,
					    const accel_tensor *output, const accel_act *act);
/* Softmax along axis (0..3); beta > 0 (1.0 usual). */
ACCEL_API accel_status accel_cmd_softmax(accel_cmdbuf *cb, const accel_tensor *input,
					 const accel_tensor *output, uint32_t axis, float beta);
/* Copy a view into another of the same dims and type (transpose, slice...). */
ACCEL_API accel_status accel_cmd_move(accel_cmdbuf *cb, const accel_tensor *input,
				      const accel_tensor *output);
/* output dim[i] = input dim[i] + before[i] + after[i]; value is the
 * element's bit pattern for ACCEL_PAD_CONSTANT. */
ACCEL_API accel_status accel_cmd_pad(accel_cmdbuf *cb, const accel_tensor *input,
				     const accel_tensor *output, const uint32_t before[4],
				     accel_pad_mode mode, uint32_t value);
/* Type conversion: quantize, dequantize, fp16 casts, requantize. */
ACCEL_API accel_status accel_cmd_convert(accel_cmdbuf *cb, const accel_tensor *input,
					 const accel_tensor *output);
/* After every earlier command, write the 8-byte value at dst (8-aligned). */
ACCEL_API accel_status accel_cmd_fence(accel_cmdbuf *cb, accel_ref dst, uint64_t value);
/* Wait until the 8-byte word at addr satisfies op, at most timeout_us. */
ACCEL_API accel_status accel_cmd_wait(accel_cmdbuf *cb, accel_ref addr, uint64_t value,
				      accel_wait_op op, uint32_t timeout_us);
/* Write {uint64 ns, uint64 pred_cycles} (16 bytes) at dst (8-aligned). */
ACCEL_API accel_status accel_cmd_timestamp(accel_cmdbuf *cb, accel_ref dst);
/* Write uint64[ACCEL_NUM_COUNTERS] device counters at dst (8-aligned). */
ACCEL_API accel_status accel_cmd_counters(accel_cmdbuf *cb, accel_ref dst);

/* Access a job needs to a buffer (ORed). */
#define ACCEL_ACCESS_READ	(1u << 0)
#define ACCEL_ACCESS_WRITE	(1u << 1)

/* Escape hatches for hand-made streams (tests, compiler experiments):
 * append one pre-encoded command (struct snpu_cmd_header first, size a
 * multiple of 8 equal to the header's size field; addresses are raw
 * VAs), and declare a buffer the raw commands use. */
ACCEL_API accel_status accel_cmdbuf_append_raw(accel_cmdbuf *cb, const void *cmd, size_t size);
ACCEL_API accel_status accel_cmdbuf_use(accel_cmdbuf *cb, accel_buffer *buf, unsigned int access);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_CMD_H */
