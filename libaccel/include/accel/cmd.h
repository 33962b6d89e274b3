/* SPDX-License-Identifier: MIT */
/*
 * libaccel command buffers: the one encoder of every SNPU command
 * (docs/hardware.md; the descriptors are <snpu/snpu_cmd.h>, installed with
 * these headers).
 *
 * A command buffer records commands whose memory operands are references
 * (buffer + byte offset). Recording checks every argument (data types,
 * enums, flags, each operand's extent inside its buffer) and fails with a
 * message naming the field; the device checks the semantics again when it
 * runs the job (shapes, quantization), and a failure there names the
 * command index (accel_job_result). Every buffer a command references is
 * added to the job's buffer list with the access the command needs.
 *
 * Recording also runs the device's own command validator
 * (uapi/snpu_cmd_regions.h, installed as <snpu/snpu_cmd_regions.h>): a
 * command the device would refuse (M/K/N that do not match, a softmax
 * whose output dims differ, an output stride of 0, mixed dtypes, int8
 * weights with a non-zero zero point...) fails here, in accel_cmd_*, with
 * a message naming the operand, the axis and both values, e.g.
 * "accel_cmd_gemm: operand 'b' dim[2] (K) is 6 but operand 'a' dim[3] (K) is 5".
 *
 * Commands of one command buffer (one job) run in the order they were
 * recorded: a command sees everything every earlier command wrote.
 *
 * Size-versioned parameter structs: accel_conv2d, accel_gemm,
 * accel_pooling and accel_eltwise start with struct_size. Initialise them
 * with their ACCEL_*_INIT macro (zero everything, set struct_size); fields
 * added in later versions are zero = old behaviour, so a program built
 * against these headers keeps working with a newer libaccel. The nested
 * value structs (accel_ref, accel_tensor, accel_act, accel_epilogue) carry
 * reserved fields that must be zero instead.
 *
 * Threads: a command buffer belongs to one device and is not thread-safe
 * (record from one thread at a time); submitting copies it, so it can be
 * reset and reused, or submitted again, at once. Different command
 * buffers may be recorded in different threads at once.
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

/* Address spaces of a memory operand (accel_ref.space). */
#define ACCEL_SPACE_BUFFER	0u	/* byte `offset` of `buf` (default) */
#define ACCEL_SPACE_SRAM	1u	/* byte `offset` of the on-chip SRAM scratchpad */

/*
 * A memory operand. Build it with accel_ref_buffer(buf, off) or
 * accel_ref_sram(off). With ACCEL_SPACE_BUFFER (0, the default of a
 * zero-initialised ref) buf must not be NULL: a forgotten buffer is refused
 * ("accel_cmd_gemm: operand 'bias' has no buffer"), it never silently
 * addresses the scratchpad. Optional operands a command does not use (the
 * bias without ACCEL_EPI_BIAS...) are ignored.
 */
typedef struct accel_ref {
	accel_buffer *buf;	/* ACCEL_SPACE_BUFFER: the buffer; SRAM: NULL */
	uint64_t offset;	/* bytes */
	uint32_t space;		/* ACCEL_SPACE_* */
	uint32_t reserved;	/* 0 */
} accel_ref;

static inline accel_ref accel_ref_buffer(accel_buffer *buf, uint64_t offset)
{
	accel_ref r = { buf, offset, ACCEL_SPACE_BUFFER, 0 };

	return r;
}

static inline accel_ref accel_ref_sram(uint64_t offset)
{
	accel_ref r = { NULL, offset, ACCEL_SPACE_SRAM, 0 };

	return r;
}

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
 *
 * int8 rules (docs/libaccel.md "int8"): weights (conv2d weight, gemm b)
 * are symmetric, zero_point 0; activations are asymmetric per tensor.
 */
typedef struct accel_tensor {
	accel_ref mem;
	uint32_t dim[4];
	uint32_t stride[4];
	accel_dtype dtype;
	int32_t zero_point;	/* int8: -128..127; other types 0 */
	float scale;		/* int8: > 0; other types 0 */
	uint32_t reserved[3];	/* 0 */
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

/* With an int8 output, RELU clamps at the output's zero point (real 0)
 * and CLIP at the quantized bounds; other functions need pre_scale /
 * pre_zero_point in the epilogue (docs/libaccel.md "int8"). */
typedef struct accel_act {
	accel_act_fn fn;
	float alpha;		/* leaky relu; else 0 */
	float min, max;		/* clip; else 0 */
	uint32_t reserved[4];	/* 0 */
} accel_act;

/* Fused epilogue of conv2d and gemm (docs/libaccel.md, docs/hardware.md
 * section 10.4 for the int8 arithmetic). */
#define ACCEL_EPI_BIAS		(1u << 0)	/* add bias[output channel] */
#define ACCEL_EPI_PER_CHANNEL	(1u << 1)	/* int8: requant table */
#define ACCEL_EPI_RESIDUAL	(1u << 2)	/* add the residual tensor */

/*
 * The bias has one element per output channel: conv2d output dim[1], and
 * for gemm per output COLUMN (c dim[3], N): c[m][n] += bias[n]. float[C]
 * for fp32/fp16 outputs, int32[C] for int8 (scale s_in * s_w, zero point
 * 0: accel_quant_bias()).
 *
 * int8 outputs need a requantization multiplier: per tensor
 * (requant_mult > 0, requant_shift) or per channel (ACCEL_EPI_PER_CHANNEL
 * and a requant table); accel_quant_requant() computes them from the real
 * scales. requant_mult 0 with an int8 output is refused (it would make
 * every output the zero point).
 */
typedef struct accel_epilogue {
	uint32_t flags;		/* ACCEL_EPI_* */
	accel_ref bias;		/* with ACCEL_EPI_BIAS: int32[C] (int8) or float[C] */
	accel_ref requant;	/* with PER_CHANNEL: accel_requant[C] */
	int32_t requant_mult, requant_shift;	/* per tensor (int8) */
	int32_t res_mult, res_shift;		/* residual rescale (int8) */
	float pre_scale;	/* int8 table activations: intermediate scale */
	int32_t pre_zero_point;	/*   and zero point */
	accel_act act;
	accel_tensor residual;	/* output shape, with ACCEL_EPI_RESIDUAL */
	uint32_t reserved[8];	/* 0 */
} accel_epilogue;

/* One entry of a per-channel requantization table (struct snpu_requant). */
typedef struct accel_requant {
	int32_t mult;		/* Q31 multiplier >= 0 */
	int32_t shift;		/* -31..30, positive = left */
} accel_requant;

/* conv2d: input (N,C,H,W), weight (O,C/groups,KH,KW), output (N,O,OH,OW). */
typedef struct accel_conv2d {
	uint32_t struct_size;			/* sizeof(accel_conv2d) */
	accel_tensor input, weight, output;
	accel_epilogue epi;
	uint16_t stride_h, stride_w;		/* >= 1 */
	uint16_t dilation_h, dilation_w;	/* >= 1 */
	uint16_t pad_top, pad_left, pad_bottom, pad_right;
	uint32_t groups;			/* >= 1 */
	uint64_t reserved[8];			/* 0 */
} accel_conv2d;

#define ACCEL_CONV2D_INIT { .struct_size = sizeof(accel_conv2d) }

/* gemm: (B0,B1,M,K) x (B0,B1,K,N) -> (B0,B1,M,N); bias per column n. */
typedef struct accel_gemm {
	uint32_t struct_size;	/* sizeof(accel_gemm) */
	accel_tensor a, b, c;
	accel_epilogue epi;
	uint64_t reserved[8];	/* 0 */
} accel_gemm;

#define ACCEL_GEMM_INIT { .struct_size = sizeof(accel_gemm) }

typedef enum accel_pool_mode { ACCEL_POOL_MAX = 0, ACCEL_POOL_AVG = 1 } accel_pool_mode;
#define ACCEL_POOL_COUNT_PAD (1u << 0)

typedef struct accel_pooling {
	uint32_t struct_size;	/* sizeof(accel_pooling) */
	accel_tensor input, output;
	accel_pool_mode mode;
	uint32_t flags;		/* ACCEL_POOL_COUNT_PAD (avg only) */
	uint16_t kernel_h, kernel_w, stride_h, stride_w;
	uint16_t pad_top, pad_left, pad_bottom, pad_right;
	uint64_t reserved[8];	/* 0 */
} accel_pooling;

#define ACCEL_POOLING_INIT { .struct_size = sizeof(accel_pooling) }

typedef enum accel_eltwise_op {
	ACCEL_ELT_ADD = 0, ACCEL_ELT_SUB, ACCEL_ELT_MUL, ACCEL_ELT_DIV,
	ACCEL_ELT_MAX, ACCEL_ELT_MIN, ACCEL_ELT_COUNT
} accel_eltwise_op;

/* int8 parameters: accel_quant_eltwise() computes them from the scales. */
typedef struct accel_eltwise {
	uint32_t struct_size;		/* sizeof(accel_eltwise) */
	accel_tensor a, b, out;
	accel_eltwise_op op;
	int32_t left_shift;		/* int8 add/sub */
	int32_t a_mult, a_shift, b_mult, b_shift, out_mult, out_shift;	/* int8 */
	accel_act act;
	uint64_t reserved[8];		/* 0 */
} accel_eltwise;

#define ACCEL_ELTWISE_INIT { .struct_size = sizeof(accel_eltwise) }

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

/* Name of a device command opcode (the `opcode` of accel_profile_rec):
 * "gemm", "dma_copy"...; NULL for an unknown one. */
ACCEL_API const char *accel_opcode_name(unsigned int opcode);

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
/* Tensor commands. The parameter structs need their struct_size
 * (ACCEL_CONV2D_INIT...); a command the device would refuse fails here. */
ACCEL_API accel_status accel_cmd_conv2d(accel_cmdbuf *cb, const accel_conv2d *p);
ACCEL_API accel_status accel_cmd_gemm(accel_cmdbuf *cb, const accel_gemm *p);
ACCEL_API accel_status accel_cmd_pool(accel_cmdbuf *cb, const accel_pooling *p);
ACCEL_API accel_status accel_cmd_eltwise(accel_cmdbuf *cb, const accel_eltwise *p);
ACCEL_API accel_status accel_cmd_activation(accel_cmdbuf *cb, const accel_tensor *input,
					    const accel_tensor *output, const accel_act *act);
/* Softmax along axis (0..3); beta > 0 (1.0 usual). int8: the output
 * holds probabilities 0..1, so its usual quantization is scale 1/256,
 * zero point -128 (ACCEL_SOFTMAX_INT8_SCALE / _ZERO_POINT). */
#define ACCEL_SOFTMAX_INT8_SCALE	(1.0f / 256.0f)
#define ACCEL_SOFTMAX_INT8_ZERO_POINT	(-128)
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
 * VAs), and declare a buffer the raw commands use. Raw commands are not
 * validated when appended: the device (and the drm driver) check them,
 * and a refusal names the command and the field in accel_job_result. */
ACCEL_API accel_status accel_cmdbuf_append_raw(accel_cmdbuf *cb, const void *cmd, size_t size);
ACCEL_API accel_status accel_cmdbuf_use(accel_cmdbuf *cb, accel_buffer *buf, unsigned int access);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_CMD_H */
