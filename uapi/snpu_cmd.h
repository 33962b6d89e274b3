/* SPDX-License-Identifier: MIT */
/*
 * SNPU command stream: data types, tensor descriptors and every command.
 *
 * A command stream is a sequence of commands packed back to back, each
 * starting with struct snpu_cmd_header whose size (bytes, multiple of 8,
 * >= the opcode's struct size) leads to the next. Commands execute in order;
 * each one sees the memory effects of all earlier ones in the same job. The
 * first failing command ends the job: the completion record names it and
 * gives enum snpu_err (snpu_regs.h). Every reserved field and unknown flag
 * must be zero (SNPU_ERR_RESERVED).
 *
 * Addresses are context VAs (snpu_mmu.h); a VA in the SRAM window addresses
 * the scratchpad. Floating-point parameters are IEEE float32 bit patterns
 * in __u32 fields.
 */
#ifndef SNPU_CMD_H
#define SNPU_CMD_H

#include <linux/types.h>

/* ---- Data types --------------------------------------------------------- */
enum snpu_dtype {
	SNPU_DT_FP32 = 0,
	SNPU_DT_FP16 = 1,	/* IEEE binary16 */
	SNPU_DT_INT8 = 2,	/* asymmetric: real = scale * (q - zero_point) */
	SNPU_DT_INT32 = 3,	/* accumulators, biases */
	SNPU_DT_UINT8 = 4,	/* raw bytes (move/pad/convert only) */
	SNPU_DT_COUNT
};

static inline __u32 snpu_dtype_size(__u32 dt)
{
	switch (dt) {
	case SNPU_DT_FP32: return 4;
	case SNPU_DT_FP16: return 2;
	case SNPU_DT_INT8: return 1;
	case SNPU_DT_INT32: return 4;
	case SNPU_DT_UINT8: return 1;
	default: return 0;
	}
}

/*
 * A tensor of up to four axes. Element (i0, i1, i2, i3) lives at
 *   addr + (i0 * stride[0] + i1 * stride[1] + i2 * stride[2] + i3 * stride[3])
 *          * dtype_size
 * A stride of 0 broadcasts that axis (inputs only). Unused leading axes
 * have dim 1. What each axis means is fixed per command:
 *   conv2d, pool, pad:   (N, C, H, W)
 *   conv2d weights:      (O, I / groups, KH, KW)
 *   gemm:                (B0, B1, rows, cols)
 * The physical layout is carried by the strides alone; the canonical ones
 * (snpu_layout.h) are NCHW, NHWC, OIHW and OHWI, which the engine runs on
 * its fast paths.
 */
struct snpu_tensor {
	__u64 addr;
	__u32 dim[4];
	__u32 stride[4];	/* in elements */
	__u8 dtype;		/* enum snpu_dtype */
	__u8 reserved0[3];
	__s32 zero_point;	/* INT8 only, -128..127; else must be 0 */
	__u32 scale;		/* INT8 only: float32 bits, > 0; else 0 */
	__u32 reserved1;
};

/* ---- Command header ------------------------------------------------------ */
enum snpu_opcode {
	SNPU_OP_NOP = 0x00,
	SNPU_OP_DMA_COPY = 0x01,
	SNPU_OP_DMA_FILL = 0x02,
	SNPU_OP_CONV2D = 0x10,
	SNPU_OP_GEMM = 0x11,
	SNPU_OP_POOL = 0x12,
	SNPU_OP_ELTWISE = 0x13,
	SNPU_OP_ACTIVATION = 0x14,
	SNPU_OP_SOFTMAX = 0x15,
	SNPU_OP_MOVE = 0x16,
	SNPU_OP_PAD = 0x17,
	SNPU_OP_CONVERT = 0x18,
	SNPU_OP_FENCE = 0x20,
	SNPU_OP_WAIT = 0x21,
	SNPU_OP_TIMESTAMP = 0x22,
	SNPU_OP_COUNTERS = 0x23,
};

struct snpu_cmd_header {
	__u16 opcode;		/* enum snpu_opcode */
	__u16 size;		/* bytes including this header, multiple of 8 */
	__u32 flags;		/* must be zero */
};

/* ---- Activation and epilogue --------------------------------------------- */
enum snpu_act {
	SNPU_ACT_NONE = 0,
	SNPU_ACT_RELU = 1,
	SNPU_ACT_CLIP = 2,	/* min(max(x, min), max); relu6 = clip(0, 6) */
	SNPU_ACT_LEAKY_RELU = 3,	/* x < 0 ? alpha * x : x */
	SNPU_ACT_HARD_SWISH = 4,	/* x * relu6(x + 3) / 6 */
	SNPU_ACT_SIGMOID = 5,	/* LUT for int8/fp16 (SNPU_LUT_SIGMOID) */
	SNPU_ACT_TANH = 6,	/* LUT for int8/fp16 */
	SNPU_ACT_GELU = 7,	/* LUT for int8/fp16 */
	SNPU_ACT_SILU = 8,	/* LUT for int8/fp16 */
	SNPU_ACT_COUNT
};

struct snpu_act_params {
	__u32 fn;		/* enum snpu_act */
	__u32 alpha;		/* float32 bits: leaky relu slope */
	__u32 min;		/* float32 bits: clip lower bound */
	__u32 max;		/* float32 bits: clip upper bound */
};

/* Per-output-channel requantization entry (int8), see snpu_quant.h. */
struct snpu_requant {
	__s32 multiplier;	/* Q31, >= 0 */
	__s32 shift;		/* -31..30, positive = left */
};

#define SNPU_EPI_BIAS		(1u << 0)	/* add bias[out channel] */
#define SNPU_EPI_PER_CHANNEL	(1u << 1)	/* int8: requant_addr table */
#define SNPU_EPI_RESIDUAL	(1u << 2)	/* add the residual tensor */
#define SNPU_EPI_FLAGS_VALID	0x7u

/*
 * Fused epilogue of conv2d and gemm, applied per output element in this
 * order:  acc (+ bias) -> requantize (int8) -> + residual -> activation.
 *   fp32/fp16: y = act(acc + bias + residual), bias float32.
 *   int8: acc is int32 (input minus its zero point, times weights), bias
 *         int32 in acc scale; t = snpu_requant_apply(acc + bias, mult,
 *         shift) (per tensor, or per channel from requant_addr); residual
 *         r adds snpu_requant_apply(r - r.zero_point, res_mult, res_shift);
 *         then the activation, either as a clamp in output scale
 *         (relu/clip) or, for the others, through the int8 table built by
 *         snpu_act_table_s8() from pre_scale/pre_zero_point to the output.
 */
struct snpu_epilogue {
	__u32 flags;		/* SNPU_EPI_* */
	__u32 reserved0;
	__u64 bias_addr;	/* int32[C] (int8) or float32[C] */
	__u64 requant_addr;	/* struct snpu_requant[C] */
	__s32 requant_mult;	/* per tensor, when not PER_CHANNEL */
	__s32 requant_shift;
	__s32 res_mult;		/* residual into output scale (int8) */
	__s32 res_shift;
	__u32 pre_scale;	/* int8 table activations: float32 bits */
	__s32 pre_zero_point;
	struct snpu_act_params act;
	struct snpu_tensor residual;	/* output shape, SNPU_EPI_RESIDUAL */
};

/* ---- DMA ------------------------------------------------------------------ */
/* Copy rows x row_bytes from src to dst (2-D, byte strides). Any VA kind:
 * host memory, device DRAM or SRAM. Source and destination must not
 * overlap. */
struct snpu_cmd_dma_copy {
	struct snpu_cmd_header hdr;
	__u64 src;
	__u64 dst;
	__u32 row_bytes;
	__u32 rows;		/* >= 1 */
	__u32 src_stride;	/* bytes between rows, >= row_bytes if rows > 1 */
	__u32 dst_stride;
};

/* Fill size bytes (multiple of 4) at dst (4-aligned) with value. */
struct snpu_cmd_dma_fill {
	struct snpu_cmd_header hdr;
	__u64 dst;
	__u32 size;
	__u32 value;
};

/* ---- Tensor engine ---------------------------------------------------- */
/* Input (N,C,H,W), weight (O, C/groups, KH, KW), output (N,O,OH,OW) with
 * OH = (H + pad_top + pad_bottom - dilation_h * (KH - 1) - 1) / stride_h + 1.
 * Types: all fp32, all fp16, or int8 input/output with int8 weights whose
 * zero_point is 0 (symmetric). Depthwise: groups = C = O. */
struct snpu_cmd_conv2d {
	struct snpu_cmd_header hdr;
	struct snpu_tensor input;
	struct snpu_tensor weight;
	struct snpu_tensor output;
	struct snpu_epilogue epi;
	__u16 stride_h, stride_w;
	__u16 dilation_h, dilation_w;
	__u16 pad_top, pad_left;
	__u16 pad_bottom, pad_right;
	__u32 groups;		/* >= 1, divides C and O */
	__u32 reserved;
};

/* C[b0,b1] = A[b0,b1] x B[b0,b1]: a (B0,B1,M,K), b (B0,B1,K,N),
 * c (B0,B1,M,N). Transposed operands are strided views. Bias is per N
 * column; per-channel requantization is per N column. */
struct snpu_cmd_gemm {
	struct snpu_cmd_header hdr;
	struct snpu_tensor a;
	struct snpu_tensor b;
	struct snpu_tensor c;
	struct snpu_epilogue epi;
};

enum snpu_pool_mode {
	SNPU_POOL_MAX = 0,
	SNPU_POOL_AVG = 1,
};
#define SNPU_POOL_COUNT_PAD	(1u << 0)	/* avg: padding counts in the divisor */

/* Input (N,C,H,W) to output (N,C,OH,OW). int8 input and output share scale
 * and zero point. Global pooling: kernel = (H, W). */
struct snpu_cmd_pool {
	struct snpu_cmd_header hdr;
	struct snpu_tensor input;
	struct snpu_tensor output;
	__u32 mode;		/* enum snpu_pool_mode */
	__u32 pool_flags;	/* SNPU_POOL_COUNT_PAD */
	__u16 kernel_h, kernel_w;
	__u16 stride_h, stride_w;
	__u16 pad_top, pad_left;
	__u16 pad_bottom, pad_right;
};

enum snpu_eltwise_op {
	SNPU_ELT_ADD = 0,
	SNPU_ELT_SUB = 1,
	SNPU_ELT_MUL = 2,
	SNPU_ELT_DIV = 3,	/* fp32/fp16 only */
	SNPU_ELT_MAX = 4,
	SNPU_ELT_MIN = 5,
	SNPU_ELT_COUNT
};

/* out = act(a op b) over out's dims; a and b broadcast with stride 0.
 * int8 add/sub (TFLite scheme): both inputs shifted left by left_shift and
 * rescaled with (a_mult, a_shift), (b_mult, b_shift) to a common scale, added,
 * then rescaled with (out_mult, out_shift). int8 mul: (qa - za) * (qb - zb)
 * rescaled with (out_mult, out_shift). int8 max/min need equal scales. */
struct snpu_cmd_eltwise {
	struct snpu_cmd_header hdr;
	struct snpu_tensor a;
	struct snpu_tensor b;
	struct snpu_tensor out;
	__u32 op;		/* enum snpu_eltwise_op */
	__s32 left_shift;	/* int8 add/sub, 0..30 */
	__s32 a_mult, a_shift;
	__s32 b_mult, b_shift;
	__s32 out_mult, out_shift;
	struct snpu_act_params act;
};

/* out = act(in), same dims; int8 through a 256-entry table built per
 * command by snpu_act_table_s8() from in's to out's quantization. */
struct snpu_cmd_activation {
	struct snpu_cmd_header hdr;
	struct snpu_tensor input;
	struct snpu_tensor output;
	struct snpu_act_params act;
};

/* Softmax along one axis (0..3) of a 4-D tensor, out = exp(beta * (x -
 * max)) / sum. int8/fp16 use the fw's SNPU_LUT_EXP table. */
struct snpu_cmd_softmax {
	struct snpu_cmd_header hdr;
	struct snpu_tensor input;
	struct snpu_tensor output;
	__u32 axis;
	__u32 beta;		/* float32 bits, > 0 (1.0 usual) */
};

/* Copy a 4-D view to another view of the same dims and dtype: transpose,
 * slice, concat (a slice of the output), reshape copies. */
struct snpu_cmd_move {
	struct snpu_cmd_header hdr;
	struct snpu_tensor input;
	struct snpu_tensor output;
};

enum snpu_pad_mode {
	SNPU_PAD_CONSTANT = 0,
	SNPU_PAD_EDGE = 1,
	SNPU_PAD_REFLECT = 2,
};

/* output dim[i] = input dim[i] + before[i] + after (implied). value is the
 * element's bit pattern for CONSTANT (float32 bits for fp32, low 16 bits
 * for fp16, low 8 bits for int8). */
struct snpu_cmd_pad {
	struct snpu_cmd_header hdr;
	struct snpu_tensor input;
	struct snpu_tensor output;
	__u32 before[4];
	__u32 mode;		/* enum snpu_pad_mode */
	__u32 value;
};

/* Element-wise type conversion over the same dims: fp32->int8 (quantize,
 * round half to even, saturate), int8->fp32 (dequantize), fp32<->fp16,
 * int8->int8 (requantize between scales), int32->fp32. */
struct snpu_cmd_convert {
	struct snpu_cmd_header hdr;
	struct snpu_tensor input;
	struct snpu_tensor output;
};

/* ---- Synchronisation and observation -------------------------------------- */
/* After every earlier command: write value (8 bytes) to addr (8-aligned). */
struct snpu_cmd_fence {
	struct snpu_cmd_header hdr;
	__u64 addr;
	__u64 value;
};

enum snpu_wait_op {
	SNPU_WAIT_GE = 0,	/* *addr >= value */
	SNPU_WAIT_EQ = 1,	/* *addr == value */
};

/* Wait until the 8-byte word at addr satisfies op, at most timeout_us
 * (capped by the firmware's wait_timeout_us): SNPU_ERR_WAIT_TIMEOUT. */
struct snpu_cmd_wait {
	struct snpu_cmd_header hdr;
	__u64 addr;
	__u64 value;
	__u32 op;		/* enum snpu_wait_op */
	__u32 timeout_us;
};

/* Write struct snpu_timestamp to addr (8-aligned). */
struct snpu_cmd_timestamp {
	struct snpu_cmd_header hdr;
	__u64 addr;
};

struct snpu_timestamp {
	__u64 ns;		/* device clock */
	__u64 pred_cycles;	/* timing-model cycles of this job so far */
};

/* Write __u64[SNPU_NUM_COUNTERS] (enum snpu_counter order) to addr. */
struct snpu_cmd_counters {
	struct snpu_cmd_header hdr;
	__u64 addr;
};

#endif /* SNPU_CMD_H */
