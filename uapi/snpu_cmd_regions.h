/* SPDX-License-Identifier: MIT */
/*
 * The one validator of SNPU command descriptors and the list of memory
 * regions each command touches. Used by the kernel driver (check a
 * submission against its BO list), the device (the tensor engine validates
 * every tensor command with it before touching memory), libaccel's encoder
 * and CPU reference, and the tests.
 *
 * Kernel-compatible: no floats, no libc, __u32/__u64 arithmetic with
 * overflow checks. Floating-point parameters are checked on their bit
 * patterns.
 *
 * snpu_cmd_check(cmd, size, &regs) returns SNPU_OK and fills regs, or an
 * enum snpu_err with regs.why naming the bad field (a static string).
 *
 * Rules beyond snpu_cmd.h (all documented in docs/hardware.md):
 *  - size: multiple of 8, >= the opcode's struct (SNPU_ERR_CMD_SIZE); bytes
 *    past the struct must be zero (SNPU_ERR_RESERVED).
 *  - every tensor: dtype known, reserved bytes zero, dims >= 1, span fits
 *    in 64 bits (SNPU_ERR_OVERFLOW); INT8: zero_point -128..127 and scale
 *    > 0 and finite (SNPU_ERR_SHAPE); other dtypes: zero_point and scale 0
 *    (SNPU_ERR_RESERVED).
 *  - outputs: no two elements at the same address (snpu_tensor_distinct).
 *  - fields a command does not use for its dtype/flags/op must be zero
 *    (SNPU_ERR_RESERVED): bias_addr without SNPU_EPI_BIAS, requant_addr
 *    without SNPU_EPI_PER_CHANNEL, the residual tensor without
 *    SNPU_EPI_RESIDUAL, requantisation fields for fp types, alpha unless
 *    leaky relu, min/max unless clip, pre_scale/pre_zero_point unless an
 *    int8 table activation, unused eltwise multipliers.
 *  - unknown enum values (activation, pool mode, eltwise op, pad mode,
 *    axis) are SNPU_ERR_SHAPE.
 *  - int8 weights (conv2d weight, gemm b) are symmetric: zero_point 0.
 *  - gemm/eltwise batch broadcasting: an input axis has dim 1 (or the
 *    output's dim with stride 0).
 */
#ifndef SNPU_CMD_REGIONS_H
#define SNPU_CMD_REGIONS_H

#include <linux/types.h>
#include "snpu_regs.h"
#include "snpu_cmd.h"
#include "snpu_layout.h"

#define SNPU_CMD_MAX_REGIONS	6

struct snpu_cmd_region {
	__u64 addr;
	__u64 len;		/* bytes, >= 1 */
	__u32 write;		/* 1: the command writes (and may read) it */
	__u32 pad;
};

struct snpu_cmd_regions {
	__u32 count;
	struct snpu_cmd_region r[SNPU_CMD_MAX_REGIONS];
	const char *why;	/* on error: the bad field */
};

/* Struct size of an opcode, 0 if unknown. */
static inline __u32 snpu_cmd_struct_size(__u32 opcode)
{
	switch (opcode) {
	case SNPU_OP_NOP: return sizeof(struct snpu_cmd_header);
	case SNPU_OP_DMA_COPY: return sizeof(struct snpu_cmd_dma_copy);
	case SNPU_OP_DMA_FILL: return sizeof(struct snpu_cmd_dma_fill);
	case SNPU_OP_CONV2D: return sizeof(struct snpu_cmd_conv2d);
	case SNPU_OP_GEMM: return sizeof(struct snpu_cmd_gemm);
	case SNPU_OP_POOL: return sizeof(struct snpu_cmd_pool);
	case SNPU_OP_ELTWISE: return sizeof(struct snpu_cmd_eltwise);
	case SNPU_OP_ACTIVATION: return sizeof(struct snpu_cmd_activation);
	case SNPU_OP_SOFTMAX: return sizeof(struct snpu_cmd_softmax);
	case SNPU_OP_MOVE: return sizeof(struct snpu_cmd_move);
	case SNPU_OP_PAD: return sizeof(struct snpu_cmd_pad);
	case SNPU_OP_CONVERT: return sizeof(struct snpu_cmd_convert);
	case SNPU_OP_FENCE: return sizeof(struct snpu_cmd_fence);
	case SNPU_OP_WAIT: return sizeof(struct snpu_cmd_wait);
	case SNPU_OP_TIMESTAMP: return sizeof(struct snpu_cmd_timestamp);
	case SNPU_OP_COUNTERS: return sizeof(struct snpu_cmd_counters);
	default: return 0;
	}
}

/* 1 for the commands the tensor engine executes. */
static inline int snpu_cmd_is_tensor(__u32 opcode)
{
	return opcode >= SNPU_OP_CONV2D && opcode <= SNPU_OP_CONVERT;
}

/* The output tensor of a tensor command (snpu_cmd_is_tensor(opcode)). */
static inline const struct snpu_tensor *snpu_cmd_output(const struct snpu_cmd_header *h)
{
	switch (h->opcode) {
	case SNPU_OP_CONV2D: return &((const struct snpu_cmd_conv2d *)h)->output;
	case SNPU_OP_GEMM: return &((const struct snpu_cmd_gemm *)h)->c;
	case SNPU_OP_POOL: return &((const struct snpu_cmd_pool *)h)->output;
	case SNPU_OP_ELTWISE: return &((const struct snpu_cmd_eltwise *)h)->out;
	case SNPU_OP_ACTIVATION: return &((const struct snpu_cmd_activation *)h)->output;
	case SNPU_OP_SOFTMAX: return &((const struct snpu_cmd_softmax *)h)->output;
	case SNPU_OP_MOVE: return &((const struct snpu_cmd_move *)h)->output;
	case SNPU_OP_PAD: return &((const struct snpu_cmd_pad *)h)->output;
	default: return &((const struct snpu_cmd_convert *)h)->output;
	}
}

static inline int snpu__fail(struct snpu_cmd_regions *r, int err, const char *why)
{
	r->why = why;
	return err;
}

static inline int snpu__region(struct snpu_cmd_regions *r, __u64 addr, __u64 len, __u32 write)
{
	__u64 end;

	if (len == 0)
		return SNPU_OK;
	if (snpu_add_overflow_u64(addr, len, &end))
		return snpu__fail(r, SNPU_ERR_OVERFLOW, "region end overflows 64 bits");
	if (r->count >= SNPU_CMD_MAX_REGIONS)
		return snpu__fail(r, SNPU_ERR_FATAL, "too many regions");
	r->r[r->count].addr = addr;
	r->r[r->count].len = len;
	r->r[r->count].write = write;
	r->r[r->count].pad = 0;
	r->count++;
	return SNPU_OK;
}

static inline int snpu__zero(const void *p, __u32 len)
{
	const __u8 *b = (const __u8 *)p;
	__u32 i;

	for (i = 0; i < len; i++)
		if (b[i])
			return 0;
	return 1;
}

static inline int snpu__s8_range(__s32 v)
{
	return v >= -128 && v <= 127;
}

/* Validate one tensor and add its region. */
static inline int snpu__tensor(struct snpu_cmd_regions *r, const struct snpu_tensor *t,
			       __u32 write, const char *name)
{
	__u64 lo, hi;
	int err;

	(void)name;
	if (t->dtype >= SNPU_DT_COUNT)
		return snpu__fail(r, SNPU_ERR_DTYPE, "tensor dtype unknown");
	if (!snpu__zero(t->reserved0, sizeof(t->reserved0)) || t->reserved1)
		return snpu__fail(r, SNPU_ERR_RESERVED, "tensor reserved field not zero");
	if (t->dtype == SNPU_DT_INT8) {
		if (!snpu__s8_range(t->zero_point))
			return snpu__fail(r, SNPU_ERR_SHAPE, "int8 zero_point outside -128..127");
		if (!snpu_f32_bits_positive(t->scale))
			return snpu__fail(r, SNPU_ERR_SHAPE, "int8 scale not > 0 and finite");
	} else if (t->zero_point || t->scale) {
		return snpu__fail(r, SNPU_ERR_RESERVED,
				  "zero_point/scale set on a non-int8 tensor");
	}
	err = snpu_tensor_extent(t, &lo, &hi);
	if (err == SNPU_ERR_SHAPE)
		return snpu__fail(r, err, "tensor dim is 0");
	if (err)
		return snpu__fail(r, err, "tensor span overflows 64 bits");
	if (write && !snpu_tensor_distinct(t))
		return snpu__fail(r, SNPU_ERR_SHAPE, "output strides make elements alias");
	return snpu__region(r, lo, hi - lo, write);
}

static inline int snpu__same_dims(const struct snpu_tensor *a, const struct snpu_tensor *b)
{
	return a->dim[0] == b->dim[0] && a->dim[1] == b->dim[1] &&
	       a->dim[2] == b->dim[2] && a->dim[3] == b->dim[3];
}

static inline int snpu__same_quant(const struct snpu_tensor *a, const struct snpu_tensor *b)
{
	return a->zero_point == b->zero_point && a->scale == b->scale;
}

/* Input axis i broadcasts to the output: equal dim, or dim 1. */
static inline int snpu__bcast_ok(const struct snpu_tensor *in, const struct snpu_tensor *out,
				 int first, int last)
{
	int i;

	for (i = first; i <= last; i++)
		if (in->dim[i] != out->dim[i] && in->dim[i] != 1)
			return 0;
	return 1;
}

static inline int snpu__fp_or_s8(__u32 dt)
{
	return dt == SNPU_DT_FP32 || dt == SNPU_DT_FP16 || dt == SNPU_DT_INT8;
}

/* Activation params: int8_table = 1 if an int8 table activation is legal. */
static inline int snpu__act(struct snpu_cmd_regions *r, const struct snpu_act_params *a)
{
	if (a->fn >= SNPU_ACT_COUNT)
		return snpu__fail(r, SNPU_ERR_SHAPE, "activation function unknown");
	if (a->fn == SNPU_ACT_LEAKY_RELU) {
		if (!snpu_f32_bits_finite(a->alpha))
			return snpu__fail(r, SNPU_ERR_SHAPE, "leaky relu alpha not finite");
	} else if (a->alpha) {
		return snpu__fail(r, SNPU_ERR_RESERVED, "alpha set for an activation without it");
	}
	if (a->fn == SNPU_ACT_CLIP) {
		if (!snpu_f32_bits_finite(a->min) || !snpu_f32_bits_finite(a->max))
			return snpu__fail(r, SNPU_ERR_SHAPE, "clip bounds not finite");
		if (snpu_f32_bits_key(a->min) > snpu_f32_bits_key(a->max))
			return snpu__fail(r, SNPU_ERR_SHAPE, "clip min > max");
	} else if (a->min || a->max) {
		return snpu__fail(r, SNPU_ERR_RESERVED,
				  "min/max set for an activation without them");
	}
	return SNPU_OK;
}

static inline int snpu__requant(struct snpu_cmd_regions *r, __s32 mult, __s32 shift,
				int used, const char *bad)
{
	if (!used)
		return (mult || shift) ? snpu__fail(r, SNPU_ERR_RESERVED, bad) : SNPU_OK;
	if (mult < 0 || shift < -31 || shift > 30)
		return snpu__fail(r, SNPU_ERR_SHAPE,
				  "requant multiplier < 0 or shift outside -31..30");
	return SNPU_OK;
}

/* Epilogue of conv2d/gemm: out is the output tensor, nch the channels. */
static inline int snpu__epi(struct snpu_cmd_regions *r, const struct snpu_epilogue *e,
			    const struct snpu_tensor *out, __u32 nch)
{
	int s8 = out->dtype == SNPU_DT_INT8;
	int err;

	if ((e->flags & ~SNPU_EPI_FLAGS_VALID) || e->reserved0)
		return snpu__fail(r, SNPU_ERR_RESERVED, "epilogue flags/reserved not zero");
	if (e->flags & SNPU_EPI_BIAS) {
		err = snpu__region(r, e->bias_addr, (__u64)nch * 4, 0);
		if (err)
			return err;
	} else if (e->bias_addr) {
		return snpu__fail(r, SNPU_ERR_RESERVED, "bias_addr set without SNPU_EPI_BIAS");
	}
	if (e->flags & SNPU_EPI_PER_CHANNEL) {
		if (!s8)
			return snpu__fail(r, SNPU_ERR_DTYPE,
					  "per-channel requant on a float output");
		err = snpu__region(r, e->requant_addr, (__u64)nch * sizeof(struct snpu_requant), 0);
		if (err)
			return err;
		err = snpu__requant(r, e->requant_mult, e->requant_shift, 0,
				    "per-tensor requant set with SNPU_EPI_PER_CHANNEL");
	} else {
		if (e->requant_addr)
			return snpu__fail(r, SNPU_ERR_RESERVED,
					  "requant_addr set without SNPU_EPI_PER_CHANNEL");
		err = snpu__requant(r, e->requant_mult, e->requant_shift, s8,
				    "requant fields set on a float output");
	}
	if (err)
		return err;
	if (e->flags & SNPU_EPI_RESIDUAL) {
		if (e->residual.dtype != out->dtype)
			return snpu__fail(r, SNPU_ERR_DTYPE, "residual dtype differs from output");
		err = snpu__tensor(r, &e->residual, 0, "residual");
		if (err)
			return err;
		if (!snpu__same_dims(&e->residual, out))
			return snpu__fail(r, SNPU_ERR_SHAPE, "residual dims differ from output");
		err = snpu__requant(r, e->res_mult, e->res_shift, s8,
				    "residual requant set on a float output");
	} else {
		if (!snpu__zero(&e->residual, sizeof(e->residual)))
			return snpu__fail(r, SNPU_ERR_RESERVED,
					  "residual tensor set without SNPU_EPI_RESIDUAL");
		err = snpu__requant(r, e->res_mult, e->res_shift, 0,
				    "residual requant set without SNPU_EPI_RESIDUAL");
	}
	if (err)
		return err;
	err = snpu__act(r, &e->act);
	if (err)
		return err;
	if (s8 && e->act.fn != SNPU_ACT_NONE && e->act.fn != SNPU_ACT_RELU &&
	    e->act.fn != SNPU_ACT_CLIP) {
		if (!snpu_f32_bits_positive(e->pre_scale))
			return snpu__fail(r, SNPU_ERR_SHAPE, "pre_scale not > 0 and finite");
		if (!snpu__s8_range(e->pre_zero_point))
			return snpu__fail(r, SNPU_ERR_SHAPE, "pre_zero_point outside -128..127");
	} else if (e->pre_scale || e->pre_zero_point) {
		return snpu__fail(r, SNPU_ERR_RESERVED,
				  "pre_scale/pre_zero_point set without an int8 table activation");
	}
	return SNPU_OK;
}

/*
 * conv2d/gemm operand types: all fp32, all fp16, or int8 with symmetric
 * weights.
 */
static inline int snpu__mac_types(struct snpu_cmd_regions *r, const struct snpu_tensor *x,
				  const struct snpu_tensor *w, const struct snpu_tensor *y)
{
	if (x->dtype != w->dtype || x->dtype != y->dtype || !snpu__fp_or_s8(x->dtype))
		return snpu__fail(r, SNPU_ERR_DTYPE, "operands must be all fp32, fp16 or int8");
	if (x->dtype == SNPU_DT_INT8 && w->zero_point != 0)
		return snpu__fail(r, SNPU_ERR_SHAPE, "int8 weights must have zero_point 0");
	return SNPU_OK;
}

/* Output size of a sliding window; 0 if the window does not fit. */
static inline __u64 snpu_window_out(__u32 in, __u32 pad0, __u32 pad1, __u32 k,
				    __u32 dilation, __u32 stride)
{
	__u64 padded = (__u64)in + pad0 + pad1;
	__u64 eff = (__u64)dilation * (k - 1) + 1;

	if (k == 0 || stride == 0 || dilation == 0 || padded < eff)
		return 0;
	return (padded - eff) / stride + 1;
}

static inline int snpu__check_conv(struct snpu_cmd_regions *r, const struct snpu_cmd_conv2d *c)
{
	int err;
	__u32 g = c->groups;

	err = snpu__tensor(r, &c->input, 0, "input");
	if (err)
		return err;
	err = snpu__tensor(r, &c->weight, 0, "weight");
	if (err)
		return err;
	err = snpu__tensor(r, &c->output, 1, "output");
	if (err)
		return err;
	err = snpu__mac_types(r, &c->input, &c->weight, &c->output);
	if (err)
		return err;
	if (c->reserved)
		return snpu__fail(r, SNPU_ERR_RESERVED, "conv2d reserved not zero");
	if (!c->stride_h || !c->stride_w || !c->dilation_h || !c->dilation_w)
		return snpu__fail(r, SNPU_ERR_SHAPE, "conv2d stride/dilation is 0");
	if (g == 0 || c->input.dim[1] % g || c->weight.dim[0] % g)
		return snpu__fail(r, SNPU_ERR_SHAPE, "groups 0 or not dividing C and O");
	if (c->weight.dim[1] != c->input.dim[1] / g)
		return snpu__fail(r, SNPU_ERR_SHAPE, "weight dim[1] != C / groups");
	if (c->output.dim[0] != c->input.dim[0] || c->output.dim[1] != c->weight.dim[0])
		return snpu__fail(r, SNPU_ERR_SHAPE, "output N/O differ from input/weight");
	if (c->output.dim[2] != snpu_window_out(c->input.dim[2], c->pad_top, c->pad_bottom,
						c->weight.dim[2], c->dilation_h, c->stride_h) ||
	    c->output.dim[3] != snpu_window_out(c->input.dim[3], c->pad_left, c->pad_right,
						c->weight.dim[3], c->dilation_w, c->stride_w))
		return snpu__fail(r, SNPU_ERR_SHAPE, "output H/W inconsistent with the window");
	return snpu__epi(r, &c->epi, &c->output, c->output.dim[1]);
}

static inline int snpu__check_gemm(struct snpu_cmd_regions *r, const struct snpu_cmd_gemm *c)
{
	int err;

	err = snpu__tensor(r, &c->a, 0, "a");
	if (err)
		return err;
	err = snpu__tensor(r, &c->b, 0, "b");
	if (err)
		return err;
	err = snpu__tensor(r, &c->c, 1, "c");
	if (err)
		return err;
	err = snpu__mac_types(r, &c->a, &c->b, &c->c);
	if (err)
		return err;
	if (!snpu__bcast_ok(&c->a, &c->c, 0, 1) || !snpu__bcast_ok(&c->b, &c->c, 0, 1))
		return snpu__fail(r, SNPU_ERR_SHAPE, "gemm batch dims neither equal nor 1");
	if (c->a.dim[2] != c->c.dim[2] || c->a.dim[3] != c->b.dim[2] ||
	    c->b.dim[3] != c->c.dim[3])
		return snpu__fail(r, SNPU_ERR_SHAPE, "gemm M/K/N inconsistent");
	return snpu__epi(r, &c->epi, &c->c, c->c.dim[3]);
}

static inline int snpu__check_pool(struct snpu_cmd_regions *r, const struct snpu_cmd_pool *c)
{
	int err;

	err = snpu__tensor(r, &c->input, 0, "input");
	if (err)
		return err;
	err = snpu__tensor(r, &c->output, 1, "output");
	if (err)
		return err;
	if (c->input.dtype != c->output.dtype || !snpu__fp_or_s8(c->input.dtype))
		return snpu__fail(r, SNPU_ERR_DTYPE, "pool dtypes must match, fp32/fp16/int8");
	if (!snpu__same_quant(&c->input, &c->output))
		return snpu__fail(r, SNPU_ERR_SHAPE, "int8 pool input/output quantisation differ");
	if (c->mode > SNPU_POOL_AVG)
		return snpu__fail(r, SNPU_ERR_SHAPE, "pool mode unknown");
	if ((c->pool_flags & ~SNPU_POOL_COUNT_PAD) ||
	    (c->mode == SNPU_POOL_MAX && c->pool_flags))
		return snpu__fail(r, SNPU_ERR_RESERVED, "pool flags unknown or COUNT_PAD on max");
	if (!c->kernel_h || !c->kernel_w || !c->stride_h || !c->stride_w)
		return snpu__fail(r, SNPU_ERR_SHAPE, "pool kernel/stride is 0");
	if (c->pad_top >= c->kernel_h || c->pad_bottom >= c->kernel_h ||
	    c->pad_left >= c->kernel_w || c->pad_right >= c->kernel_w)
		return snpu__fail(r, SNPU_ERR_SHAPE, "pool padding >= kernel");
	if (c->output.dim[0] != c->input.dim[0] || c->output.dim[1] != c->input.dim[1] ||
	    c->output.dim[2] != snpu_window_out(c->input.dim[2], c->pad_top, c->pad_bottom,
						c->kernel_h, 1, c->stride_h) ||
	    c->output.dim[3] != snpu_window_out(c->input.dim[3], c->pad_left, c->pad_right,
						c->kernel_w, 1, c->stride_w))
		return snpu__fail(r, SNPU_ERR_SHAPE, "pool output dims inconsistent");
	return SNPU_OK;
}

static inline int snpu__check_eltwise(struct snpu_cmd_regions *r,
				      const struct snpu_cmd_eltwise *c)
{
	int err, s8, addsub, mul;

	err = snpu__tensor(r, &c->a, 0, "a");
	if (err)
		return err;
	err = snpu__tensor(r, &c->b, 0, "b");
	if (err)
		return err;
	err = snpu__tensor(r, &c->out, 1, "out");
	if (err)
		return err;
	if (c->a.dtype != c->out.dtype || c->b.dtype != c->out.dtype ||
	    !snpu__fp_or_s8(c->out.dtype))
		return snpu__fail(r, SNPU_ERR_DTYPE, "eltwise dtypes must match, fp32/fp16/int8");
	if (c->op >= SNPU_ELT_COUNT)
		return snpu__fail(r, SNPU_ERR_SHAPE, "eltwise op unknown");
	if (!snpu__bcast_ok(&c->a, &c->out, 0, 3) || !snpu__bcast_ok(&c->b, &c->out, 0, 3))
		return snpu__fail(r, SNPU_ERR_SHAPE, "eltwise input dims neither equal nor 1");
	s8 = c->out.dtype == SNPU_DT_INT8;
	if (s8 && c->op == SNPU_ELT_DIV)
		return snpu__fail(r, SNPU_ERR_DTYPE, "int8 eltwise div unsupported");
	addsub = s8 && (c->op == SNPU_ELT_ADD || c->op == SNPU_ELT_SUB);
	mul = s8 && c->op == SNPU_ELT_MUL;
	if (!addsub && c->left_shift)
		return snpu__fail(r, SNPU_ERR_RESERVED, "left_shift set but unused");
	if (addsub && (c->left_shift < 0 || c->left_shift > 30))
		return snpu__fail(r, SNPU_ERR_SHAPE, "left_shift outside 0..30");
	err = snpu__requant(r, c->a_mult, c->a_shift, addsub, "a_mult/a_shift unused");
	if (err)
		return err;
	err = snpu__requant(r, c->b_mult, c->b_shift, addsub, "b_mult/b_shift unused");
	if (err)
		return err;
	err = snpu__requant(r, c->out_mult, c->out_shift, addsub || mul,
			    "out_mult/out_shift unused");
	if (err)
		return err;
	if (s8 && (c->op == SNPU_ELT_MAX || c->op == SNPU_ELT_MIN) &&
	    (!snpu__same_quant(&c->a, &c->out) || !snpu__same_quant(&c->b, &c->out)))
		return snpu__fail(r, SNPU_ERR_SHAPE, "int8 max/min need equal quantisation");
	err = snpu__act(r, &c->act);
	if (err)
		return err;
	if (s8 && c->act.fn != SNPU_ACT_NONE && c->act.fn != SNPU_ACT_RELU &&
	    c->act.fn != SNPU_ACT_CLIP)
		return snpu__fail(r, SNPU_ERR_DTYPE, "int8 eltwise activation must be relu/clip");
	return SNPU_OK;
}

/* Two-tensor commands with equal dims: ACTIVATION, SOFTMAX, MOVE, CONVERT. */
static inline int snpu__check_unary(struct snpu_cmd_regions *r, const struct snpu_tensor *in,
				    const struct snpu_tensor *out)
{
	int err;

	err = snpu__tensor(r, in, 0, "input");
	if (err)
		return err;
	err = snpu__tensor(r, out, 1, "output");
	if (err)
		return err;
	if (!snpu__same_dims(in, out))
		return snpu__fail(r, SNPU_ERR_SHAPE, "input and output dims differ");
	return SNPU_OK;
}

static inline int snpu__convert_ok(__u32 from, __u32 to)
{
	switch (from) {
	case SNPU_DT_FP32:
		return to == SNPU_DT_INT8 || to == SNPU_DT_FP16;
	case SNPU_DT_FP16:
		return to == SNPU_DT_FP32;
	case SNPU_DT_INT8:
		return to == SNPU_DT_FP32 || to == SNPU_DT_INT8;
	case SNPU_DT_INT32:
		return to == SNPU_DT_FP32;
	default:
		return 0;
	}
}

static inline int snpu__check_pad(struct snpu_cmd_regions *r, const struct snpu_cmd_pad *c)
{
	__u32 esize, i;
	int err;

	err = snpu__tensor(r, &c->input, 0, "input");
	if (err)
		return err;
	err = snpu__tensor(r, &c->output, 1, "output");
	if (err)
		return err;
	if (c->input.dtype != c->output.dtype)
		return snpu__fail(r, SNPU_ERR_DTYPE, "pad dtypes differ");
	if (!snpu__same_quant(&c->input, &c->output))
		return snpu__fail(r, SNPU_ERR_SHAPE, "pad quantisation differs");
	if (c->mode > SNPU_PAD_REFLECT)
		return snpu__fail(r, SNPU_ERR_SHAPE, "pad mode unknown");
	for (i = 0; i < 4; i++) {
		__u64 need = (__u64)c->input.dim[i] + c->before[i];

		if (c->output.dim[i] < need)
			return snpu__fail(r, SNPU_ERR_SHAPE, "pad output dim < input + before");
		if (c->mode == SNPU_PAD_REFLECT &&
		    (c->before[i] >= c->input.dim[i] ||
		     c->output.dim[i] - need >= c->input.dim[i]))
			return snpu__fail(r, SNPU_ERR_SHAPE, "reflect padding >= input dim");
	}
	esize = snpu_dtype_size(c->output.dtype);
	if (c->mode != SNPU_PAD_CONSTANT ? c->value != 0 :
	    (esize < 4 && (c->value >> (esize * 8)) != 0))
		return snpu__fail(r, SNPU_ERR_RESERVED, "pad value has bits beyond the dtype");
	return SNPU_OK;
}

/*
 * Validate a command of size bytes and list its regions. Tensor commands
 * are fully validated; DMA and synchronisation commands get their regions
 * and the size/shape checks needed for them (alignment rules belong to the
 * command processor).
 */
static inline int snpu_cmd_check(const struct snpu_cmd_header *h, __u32 size,
				 struct snpu_cmd_regions *r)
{
	__u32 need;
	int err;

	r->count = 0;
	r->why = "";
	if (size < sizeof(*h) || (size & 7))
		return snpu__fail(r, SNPU_ERR_CMD_SIZE, "command size < 8 or not a multiple of 8");
	need = snpu_cmd_struct_size(h->opcode);
	if (need == 0)
		return snpu__fail(r, SNPU_ERR_OPCODE, "unknown opcode");
	if (h->size != size || size < need)
		return snpu__fail(r, SNPU_ERR_CMD_SIZE, "command size smaller than its struct");
	if (h->flags)
		return snpu__fail(r, SNPU_ERR_RESERVED, "command header flags not zero");
	if (!snpu__zero((const __u8 *)h + need, size - need))
		return snpu__fail(r, SNPU_ERR_RESERVED, "bytes past the command struct not zero");

	switch (h->opcode) {
	case SNPU_OP_NOP:
		return SNPU_OK;
	case SNPU_OP_DMA_COPY: {
		const struct snpu_cmd_dma_copy *c = (const struct snpu_cmd_dma_copy *)h;
		__u64 s, d;

		if (c->rows == 0 || c->row_bytes == 0)
			return snpu__fail(r, SNPU_ERR_SHAPE, "dma rows or row_bytes is 0");
		if (c->rows > 1 && (c->src_stride < c->row_bytes || c->dst_stride < c->row_bytes))
			return snpu__fail(r, SNPU_ERR_SHAPE, "dma stride < row_bytes");
		s = (__u64)(c->rows - 1) * c->src_stride + c->row_bytes;
		d = (__u64)(c->rows - 1) * c->dst_stride + c->row_bytes;
		err = snpu__region(r, c->src, s, 0);
		return err ? err : snpu__region(r, c->dst, d, 1);
	}
	case SNPU_OP_DMA_FILL: {
		const struct snpu_cmd_dma_fill *c = (const struct snpu_cmd_dma_fill *)h;

		return snpu__region(r, c->dst, c->size, 1);
	}
	case SNPU_OP_FENCE:
		return snpu__region(r, ((const struct snpu_cmd_fence *)h)->addr, 8, 1);
	case SNPU_OP_WAIT:
		return snpu__region(r, ((const struct snpu_cmd_wait *)h)->addr, 8, 0);
	case SNPU_OP_TIMESTAMP:
		return snpu__region(r, ((const struct snpu_cmd_timestamp *)h)->addr,
				    sizeof(struct snpu_timestamp), 1);
	case SNPU_OP_COUNTERS:
		return snpu__region(r, ((const struct snpu_cmd_counters *)h)->addr,
				    8 * SNPU_NUM_COUNTERS, 1);
	case SNPU_OP_CONV2D:
		return snpu__check_conv(r, (const struct snpu_cmd_conv2d *)h);
	case SNPU_OP_GEMM:
		return snpu__check_gemm(r, (const struct snpu_cmd_gemm *)h);
	case SNPU_OP_POOL:
		return snpu__check_pool(r, (const struct snpu_cmd_pool *)h);
	case SNPU_OP_ELTWISE:
		return snpu__check_eltwise(r, (const struct snpu_cmd_eltwise *)h);
	case SNPU_OP_ACTIVATION: {
		const struct snpu_cmd_activation *c = (const struct snpu_cmd_activation *)h;

		err = snpu__check_unary(r, &c->input, &c->output);
		if (err)
			return err;
		if (c->input.dtype != c->output.dtype || !snpu__fp_or_s8(c->input.dtype))
			return snpu__fail(r, SNPU_ERR_DTYPE,
					  "activation dtypes must match, fp32/fp16/int8");
		return snpu__act(r, &c->act);
	}
	case SNPU_OP_SOFTMAX: {
		const struct snpu_cmd_softmax *c = (const struct snpu_cmd_softmax *)h;

		err = snpu__check_unary(r, &c->input, &c->output);
		if (err)
			return err;
		if (c->input.dtype != c->output.dtype || !snpu__fp_or_s8(c->input.dtype))
			return snpu__fail(r, SNPU_ERR_DTYPE,
					  "softmax dtypes must match, fp32/fp16/int8");
		if (c->axis > 3)
			return snpu__fail(r, SNPU_ERR_SHAPE, "softmax axis > 3");
		if (!snpu_f32_bits_positive(c->beta))
			return snpu__fail(r, SNPU_ERR_SHAPE, "softmax beta not > 0 and finite");
		return SNPU_OK;
	}
	case SNPU_OP_MOVE: {
		const struct snpu_cmd_move *c = (const struct snpu_cmd_move *)h;

		err = snpu__check_unary(r, &c->input, &c->output);
		if (err)
			return err;
		if (c->input.dtype != c->output.dtype)
			return snpu__fail(r, SNPU_ERR_DTYPE, "move dtypes differ");
		if (!snpu__same_quant(&c->input, &c->output))
			return snpu__fail(r, SNPU_ERR_SHAPE, "move quantisation differs");
		return SNPU_OK;
	}
	case SNPU_OP_PAD:
		return snpu__check_pad(r, (const struct snpu_cmd_pad *)h);
	case SNPU_OP_CONVERT: {
		const struct snpu_cmd_convert *c = (const struct snpu_cmd_convert *)h;

		err = snpu__check_unary(r, &c->input, &c->output);
		if (err)
			return err;
		if (!snpu__convert_ok(c->input.dtype, c->output.dtype))
			return snpu__fail(r, SNPU_ERR_DTYPE, "conversion not supported");
		return SNPU_OK;
	}
	default:
		return snpu__fail(r, SNPU_ERR_OPCODE, "unknown opcode");
	}
}

#endif /* SNPU_CMD_REGIONS_H */
