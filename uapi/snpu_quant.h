/* SPDX-License-Identifier: MIT */
/*
 * SNPU int8 quantisation math: the one implementation used by the device's
 * tensor engine, libaccel's CPU reference and compiler, and the tests, so
 * that int8 results are bit-exact everywhere.
 *
 * Scheme (TFLite / gemmlowp): real = scale * (q - zero_point); int32
 * accumulation; rescaling by a Q31 fixed-point multiplier and a power-of-two
 * shift: SaturatingRoundingDoublingHighMul followed by RoundingDivideByPOT
 * (TFLite's MultiplyByQuantizedMultiplier).
 *
 * Deviations from TFLite, all deterministic and documented:
 *   - int32 accumulation wraps modulo 2^32 (the order of additions then
 *     never matters); use snpu_acc_add().
 *   - a left shift that would overflow int32 saturates instead of being
 *     undefined behaviour.
 *
 * The integer part is kernel-compatible; the float part (quantise,
 * dequantise, QuantizeMultiplier) is under #ifndef __KERNEL__.
 */
#ifndef SNPU_QUANT_H
#define SNPU_QUANT_H

#include <linux/types.h>
#include "snpu_cmd.h"

#define SNPU_S32_MAX	((__s32)0x7fffffff)
#define SNPU_S32_MIN	(-SNPU_S32_MAX - 1)

/* Valid ranges of a requantisation pair (struct snpu_requant). */
#define SNPU_REQUANT_SHIFT_MIN	(-31)
#define SNPU_REQUANT_SHIFT_MAX	30

static inline int snpu_requant_valid(__s32 mult, __s32 shift)
{
	return mult >= 0 && shift >= SNPU_REQUANT_SHIFT_MIN && shift <= SNPU_REQUANT_SHIFT_MAX;
}

static inline __s32 snpu_sat_s32(__s64 v)
{
	if (v > SNPU_S32_MAX)
		return SNPU_S32_MAX;
	if (v < SNPU_S32_MIN)
		return SNPU_S32_MIN;
	return (__s32)v;
}

static inline __s32 snpu_clamp_s32(__s32 v, __s32 lo, __s32 hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/* Wrapping int32 addition of the accumulator (modulo 2^32). */
static inline __s32 snpu_acc_add(__s32 a, __s32 b)
{
	return (__s32)((__u32)a + (__u32)b);
}

/* gemmlowp SaturatingRoundingDoublingHighMul. */
static inline __s32 snpu_srdhm(__s32 a, __s32 b)
{
	__s64 ab, v;

	if (a == b && a == SNPU_S32_MIN)
		return SNPU_S32_MAX;
	ab = (__s64)a * (__s64)b;
	v = ab + (ab >= 0 ? (1ll << 30) : (1 - (1ll << 30)));
	/* divide by 2^31 rounding toward zero */
	return (__s32)(v >= 0 ? (v >> 31) : -((-v) >> 31));
}

/* gemmlowp RoundingDivideByPOT, exponent 0..31: round half away from 0. */
static inline __s32 snpu_rdbpot(__s32 x, __s32 exponent)
{
	__s32 mask = (__s32)((1ull << exponent) - 1);
	__s32 rem = x & mask;
	__s32 threshold = (mask >> 1) + (x < 0 ? 1 : 0);

	return (x >> exponent) + (rem > threshold ? 1 : 0);
}

/*
 * TFLite MultiplyByQuantizedMultiplier: x * mult * 2^shift / 2^31 with
 * rounding. mult >= 0 (Q31), shift -31..30 (positive = left); callers
 * validate with snpu_requant_valid().
 */
static inline __s32 snpu_requant_apply(__s32 x, __s32 mult, __s32 shift)
{
	__s32 left = shift > 0 ? shift : 0;
	__s32 right = shift > 0 ? 0 : -shift;
	__s32 xs = snpu_sat_s32((__s64)x * (__s64)(1ll << left));

	return snpu_rdbpot(snpu_srdhm(xs, mult), right);
}

static inline __s8 snpu_sat_s8(__s32 v)
{
	return (__s8)snpu_clamp_s32(v, -128, 127);
}

/*
 * The int8 epilogue of conv2d/gemm (snpu_cmd.h, struct snpu_epilogue) for
 * one output element, up to (not including) the activation:
 *   acc: int32 accumulator, bias already added with snpu_acc_add();
 *   (mult, shift): per-tensor or this channel's requantisation;
 *   zp: zero point of the value produced (output zp, or pre_zero_point when
 *       a table activation follows);
 *   has_res, r, r_zp, res_mult, res_shift: the residual element.
 * Returns the value clamped to -128..127.
 */
static inline __s32 snpu_epi_s8(__s32 acc, __s32 mult, __s32 shift, __s32 zp,
				int has_res, __s32 r, __s32 r_zp,
				__s32 res_mult, __s32 res_shift)
{
	__s64 t = snpu_requant_apply(acc, mult, shift);

	if (has_res)
		t += snpu_requant_apply(r - r_zp, res_mult, res_shift);
	t += zp;
	return snpu_clamp_s32(snpu_sat_s32(t), -128, 127);
}

/*
 * int8 element-wise (struct snpu_cmd_eltwise), TFLite's scheme. Returns the
 * output value before the activation clamp, clamped to -128..127.
 */
struct snpu_elt_s8 {
	__u32 op;		/* enum snpu_eltwise_op (not DIV) */
	__s32 left_shift;
	__s32 a_zp, a_mult, a_shift;
	__s32 b_zp, b_mult, b_shift;
	__s32 out_zp, out_mult, out_shift;
};

static inline __s32 snpu_elt_s8_apply(const struct snpu_elt_s8 *p, __s32 qa, __s32 qb)
{
	__s32 sa, sb, raw;

	switch (p->op) {
	case SNPU_ELT_ADD:
	case SNPU_ELT_SUB:
		sa = snpu_sat_s32((__s64)(qa - p->a_zp) * (__s64)(1ll << p->left_shift));
		sb = snpu_sat_s32((__s64)(qb - p->b_zp) * (__s64)(1ll << p->left_shift));
		sa = snpu_requant_apply(sa, p->a_mult, p->a_shift);
		sb = snpu_requant_apply(sb, p->b_mult, p->b_shift);
		raw = snpu_sat_s32(p->op == SNPU_ELT_ADD ? (__s64)sa + sb : (__s64)sa - sb);
		raw = snpu_requant_apply(raw, p->out_mult, p->out_shift);
		return snpu_clamp_s32(snpu_sat_s32((__s64)raw + p->out_zp), -128, 127);
	case SNPU_ELT_MUL:
		raw = (qa - p->a_zp) * (qb - p->b_zp);
		raw = snpu_requant_apply(raw, p->out_mult, p->out_shift);
		return snpu_clamp_s32(snpu_sat_s32((__s64)raw + p->out_zp), -128, 127);
	case SNPU_ELT_MAX:
		return qa > qb ? qa : qb;
	case SNPU_ELT_MIN:
		return qa < qb ? qa : qb;
	default:
		return 0;
	}
}

/* Average of count int8 values whose sum is sum: round half away from 0
 * (TFLite's average pooling). count >= 1. */
static inline __s32 snpu_avg_s8(__s64 sum, __s64 count)
{
	/* 64-bit: a window of up to 65535^2 int8 values (or of padding zero
	 * points under COUNT_PAD) overflows 32 bits */
	__s64 q = sum >= 0 ? (sum + count / 2) / count : -((-sum + count / 2) / count);

	return snpu_clamp_s32((__s32)q, -128, 127);	/* an average of int8 values */
}

#ifndef __KERNEL__
#include <math.h>

/* real -> int8: round half to even (rintf in the default rounding mode),
 * plus zero point, saturated; NaN maps to the zero point. */
static inline __s8 snpu_quantize_f32(float x, float scale, __s32 zp)
{
	float q = rintf(x / scale);

	if (q != q)
		return (__s8)snpu_clamp_s32(zp, -128, 127);
	if (q > 512.0f)
		q = 512.0f;
	if (q < -512.0f)
		q = -512.0f;
	return snpu_sat_s8((__s32)q + zp);
}

static inline float snpu_dequantize_s8(__s32 q, float scale, __s32 zp)
{
	return scale * (float)(q - zp);
}

/* int8 -> int8 between two quantisations (CONVERT int8->int8). */
static inline __s8 snpu_requantize_s8(__s32 q, float in_scale, __s32 in_zp,
				      float out_scale, __s32 out_zp)
{
	return snpu_quantize_f32(snpu_dequantize_s8(q, in_scale, in_zp), out_scale, out_zp);
}

/*
 * TFLite QuantizeMultiplier: real multiplier m >= 0 -> (Q31 mult, shift)
 * with m ~= mult * 2^shift / 2^31. Returns 0, or -1 if m is negative, not
 * finite or too large (shift > 30). Tiny m (shift < -31) becomes (0, 0).
 */
static inline int snpu_quantize_multiplier(double m, __s32 *mult, __s32 *shift)
{
	int e = 0;
	double q;
	long long qf;

	if (!(m >= 0.0) || !isfinite(m))
		return -1;
	if (m == 0.0) {
		*mult = 0;
		*shift = 0;
		return 0;
	}
	q = frexp(m, &e);
	qf = llround(q * (double)(1ll << 31));
	if (qf == (1ll << 31)) {
		qf /= 2;
		e++;
	}
	if (e < SNPU_REQUANT_SHIFT_MIN) {
		*mult = 0;
		*shift = 0;
		return 0;
	}
	if (e > SNPU_REQUANT_SHIFT_MAX)
		return -1;
	*mult = (__s32)qf;
	*shift = e;
	return 0;
}
#endif /* !__KERNEL__ */

#endif /* SNPU_QUANT_H */
