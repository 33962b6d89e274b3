/* SPDX-License-Identifier: MIT */
/*
 * SNPU activation math, the one implementation used by the device's tensor
 * engine, libaccel's CPU reference and the tests (userspace only: floats).
 *
 *   snpu_lut_eval()         evaluate a firmware table (struct snpu_fw_lut):
 *                           linear interpolation between samples, linear
 *                           tails outside [x_min, x_max];
 *   snpu_act_eval_f32()     exact activation (libm) for fp32 tensors;
 *   snpu_act_eval_lut()     the activation unit for fp16 and int8: sigmoid,
 *                           tanh, GELU and SiLU through the tables, the
 *                           piece-wise linear ones computed directly;
 *   snpu_act_table_s8()     the 256-entry int8 table from an input to an
 *                           output quantisation;
 *   snpu_act_clamp_s8()     relu/clip as a clamp in output scale (int8
 *                           epilogues and eltwise);
 *   snpu_softmax_*_s8()     int8 softmax through the SNPU_LUT_EXP table.
 *
 * Float expressions are written out step by step; build with
 * -ffp-contract=off so every user rounds identically.
 */
#ifndef SNPU_ACT_H
#define SNPU_ACT_H

#ifdef __KERNEL__
#error "snpu_act.h is userspace only"
#endif

#include <math.h>
#include <linux/types.h>
#include "snpu_cmd.h"
#include "snpu_fw.h"
#include "snpu_layout.h"
#include "snpu_quant.h"

/* Table of the firmware that an activation needs, or -1 for none. */
static inline int snpu_act_lut_fn(__u32 fn)
{
	switch (fn) {
	case SNPU_ACT_SIGMOID: return SNPU_LUT_SIGMOID;
	case SNPU_ACT_TANH: return SNPU_LUT_TANH;
	case SNPU_ACT_GELU: return SNPU_LUT_GELU;
	case SNPU_ACT_SILU: return SNPU_LUT_SILU;
	default: return -1;
	}
}

/* 1 if a table header is usable: sample count, finite bounds, order. */
static inline int snpu_lut_valid(const struct snpu_fw_lut *lut)
{
	return lut->num_samples >= 2 && lut->num_samples <= SNPU_FW_LUT_MAX_SAMPLES &&
	       snpu_f32_bits_finite(lut->x_min) && snpu_f32_bits_finite(lut->x_max) &&
	       snpu_f32_bits_finite(lut->left) && snpu_f32_bits_finite(lut->right) &&
	       snpu_f32_bits_finite(lut->left_slope) &&
	       snpu_f32_bits_finite(lut->right_slope) &&
	       snpu_f32_bits_key(lut->x_max) > snpu_f32_bits_key(lut->x_min);
}

/* Evaluate a table at x (NaN in, NaN out). lut must be snpu_lut_valid(). */
static inline float snpu_lut_eval(const struct snpu_fw_lut *lut, const __u32 *samples, float x)
{
	float x0 = snpu_bits_f32(lut->x_min);
	float x1 = snpu_bits_f32(lut->x_max);
	float slope, pos, frac, s0, s1;
	__u32 n = lut->num_samples;
	__u32 i;

	if (x != x)
		return x;
	if (x < x0) {
		slope = snpu_bits_f32(lut->left_slope);
		if (slope == 0.0f)
			return snpu_bits_f32(lut->left);
		return snpu_bits_f32(lut->left) + slope * (x - x0);
	}
	if (x > x1) {
		slope = snpu_bits_f32(lut->right_slope);
		if (slope == 0.0f)
			return snpu_bits_f32(lut->right);
		return snpu_bits_f32(lut->right) + slope * (x - x1);
	}
	pos = (x - x0) / (x1 - x0);
	pos = pos * (float)(n - 1);
	i = (__u32)pos;
	if (i > n - 2)
		i = n - 2;
	frac = pos - (float)i;
	s0 = snpu_bits_f32(samples[i]);
	s1 = snpu_bits_f32(samples[i + 1]);
	return s0 + (s1 - s0) * frac;
}

static inline float snpu_relu6_f32(float x)
{
	return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
}

/* Piece-wise linear activations (exact in every dtype). */
static inline float snpu_act_eval_linear(const struct snpu_act_params *a, float x)
{
	float lo, hi, t;

	switch (a->fn) {
	case SNPU_ACT_RELU:
		return x < 0.0f ? 0.0f : x;	/* NaN propagates */
	case SNPU_ACT_CLIP:
		lo = snpu_bits_f32(a->min);
		hi = snpu_bits_f32(a->max);
		return x < lo ? lo : (x > hi ? hi : x);
	case SNPU_ACT_LEAKY_RELU:
		return x < 0.0f ? snpu_bits_f32(a->alpha) * x : x;
	case SNPU_ACT_HARD_SWISH:
		t = snpu_relu6_f32(x + 3.0f);
		t = x * t;
		return t / 6.0f;
	default:
		return x;
	}
}

/* Element-wise op of fp32/fp16 (computed in fp32). max/min propagate NaN. */
static inline float snpu_elt_f32(__u32 op, float a, float b)
{
	switch (op) {
	case SNPU_ELT_ADD: return a + b;
	case SNPU_ELT_SUB: return a - b;
	case SNPU_ELT_MUL: return a * b;
	case SNPU_ELT_DIV: return a / b;
	case SNPU_ELT_MAX: return (a > b || a != a) ? a : b;
	default: return (a < b || a != a) ? a : b;
	}
}

/* Running maximum of max pooling: NaN propagates. */
static inline float snpu_max_f32(float acc, float v)
{
	/* (v > acc || v != v) ? v : acc, written so that compilers emit a
	 * MAXSS-style select for the common case and a branch only for NaN
	 * (random data made the || form a 50% mispredicted branch) */
	float m = v > acc ? v : acc;

	return __builtin_expect(v != v, 0) ? v : m;
}

/* fp32: exact activations (libm). */
static inline float snpu_act_eval_f32(const struct snpu_act_params *a, float x)
{
	float e;

	switch (a->fn) {
	case SNPU_ACT_SIGMOID:
		e = expf(-x);
		return 1.0f / (1.0f + e);
	case SNPU_ACT_TANH:
		return tanhf(x);
	case SNPU_ACT_GELU:
		e = erff(x * 0.70710678118654752f);
		e = 1.0f + e;
		return 0.5f * x * e;
	case SNPU_ACT_SILU:
		e = expf(-x);
		return x / (1.0f + e);
	default:
		return snpu_act_eval_linear(a, x);
	}
}

/* fp16/int8: table activations from the firmware's lut (must be non-NULL
 * and valid for table functions), the rest computed directly. */
static inline float snpu_act_eval_lut(const struct snpu_act_params *a,
				      const struct snpu_fw_lut *lut, const __u32 *samples,
				      float x)
{
	if (snpu_act_lut_fn(a->fn) >= 0)
		return snpu_lut_eval(lut, samples, x);
	return snpu_act_eval_linear(a, x);
}

/*
 * The 256-entry int8 table: table[q + 128] = quantize(act(dequantize(q, in),
 * out)). lut/samples: the table of snpu_act_lut_fn(a->fn), or NULL when the
 * function needs none.
 */
static inline void snpu_act_table_s8(const struct snpu_act_params *a,
				     const struct snpu_fw_lut *lut, const __u32 *samples,
				     float in_scale, __s32 in_zp,
				     float out_scale, __s32 out_zp, __s8 table[256])
{
	int q;

	for (q = -128; q < 128; q++) {
		float x = snpu_dequantize_s8(q, in_scale, in_zp);
		float y = snpu_act_eval_lut(a, lut, samples, x);

		table[q + 128] = snpu_quantize_f32(y, out_scale, out_zp);
	}
}

/* 1 if the int8 epilogue applies fn as a clamp in output scale (no table). */
static inline int snpu_act_is_clamp(__u32 fn)
{
	return fn == SNPU_ACT_NONE || fn == SNPU_ACT_RELU || fn == SNPU_ACT_CLIP;
}

/* Clamp bounds in the output quantisation of NONE, RELU and CLIP. */
static inline void snpu_act_clamp_s8(const struct snpu_act_params *a, float scale, __s32 zp,
				     __s32 *lo, __s32 *hi)
{
	*lo = -128;
	*hi = 127;
	if (a->fn == SNPU_ACT_RELU) {
		*lo = snpu_clamp_s32(zp, -128, 127);
	} else if (a->fn == SNPU_ACT_CLIP) {
		*lo = snpu_quantize_f32(snpu_bits_f32(a->min), scale, zp);
		*hi = snpu_quantize_f32(snpu_bits_f32(a->max), scale, zp);
	}
}

/*
 * int8 softmax. e[d] = exp(-(d * in_scale * beta)) through the EXP table
 * for d = max - q in 0..255. A row is then: sum e[max - q_i] in index order
 * (float), out_i = quantize(e[max - q_i] / sum, out).
 */
static inline void snpu_softmax_table_s8(const struct snpu_fw_lut *lut, const __u32 *samples,
					 float in_scale, float beta, float e[256])
{
	int d;

	for (d = 0; d < 256; d++) {
		float x = (float)d * in_scale;

		x = x * beta;
		e[d] = snpu_lut_eval(lut, samples, -x);
	}
}

/* One row of n elements at in[i * in_stride] -> out[i * out_stride]. */
static inline void snpu_softmax_row_s8(const __s8 *in, __u64 in_stride, __s8 *out,
				       __u64 out_stride, __u32 n, const float e[256],
				       float out_scale, __s32 out_zp)
{
	__s32 mx = -128;
	float sum = 0.0f;
	__u32 i;

	for (i = 0; i < n; i++)
		if (in[i * in_stride] > mx)
			mx = in[i * in_stride];
	for (i = 0; i < n; i++)
		sum += e[mx - in[i * in_stride]];
	for (i = 0; i < n; i++) {
		float p = e[mx - in[i * in_stride]] / sum;

		out[i * out_stride] = snpu_quantize_f32(p, out_scale, out_zp);
	}
}

#endif /* SNPU_ACT_H */
