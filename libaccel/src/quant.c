/* SPDX-License-Identifier: MIT */
/*
 * int8 quantization helpers (accel/quant.h), on the device's own math
 * (uapi/snpu_quant.h): written once, used by applications and the model
 * compiler alike.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "snpu_quant.h"

_Static_assert(sizeof(accel_requant) == sizeof(struct snpu_requant),
	       "accel_requant mirrors snpu_requant");

static int scale_ok(float s)
{
	return s > 0.0f && isfinite(s);
}

accel_status accel_quant_range(float min, float max, float *scale, int32_t *zero_point)
{
	double s, zp;

	if (!scale || !zero_point)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_range: NULL %s",
				   scale ? "zero_point" : "scale");
	if (!isfinite(min) || !isfinite(max) || min > max)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_range: range [%g, %g] is not "
				   "finite with min <= max", (double)min, (double)max);
	if (min > 0.0f)
		min = 0.0f;
	if (max < 0.0f)
		max = 0.0f;
	if (min == max) {
		*scale = 1.0f;
		*zero_point = 0;
		return ACCEL_OK;
	}
	s = ((double)max - (double)min) / 255.0;
	if (!scale_ok((float)s))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_range: range [%g, %g] gives "
				   "scale %g, not representable as a positive float", (double)min,
				   (double)max, s);
	zp = nearbyint(-128.0 - (double)min / (double)(float)s);
	*scale = (float)s;
	*zero_point = zp < -128 ? -128 : zp > 127 ? 127 : (int32_t)zp;
	return ACCEL_OK;
}

accel_status accel_quant_symmetric(float absmax, float *scale)
{
	if (!scale)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_symmetric: NULL scale");
	absmax = fabsf(absmax);
	if (!isfinite(absmax))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_symmetric: absmax %g is not "
				   "finite", (double)absmax);
	*scale = absmax > 0.0f ? absmax / 127.0f : 1.0f;
	if (!scale_ok(*scale))
		*scale = 1.0f;	/* absmax below 127 * FLT_MIN: nothing to represent */
	return ACCEL_OK;
}

accel_status accel_quant_weights(const float *w, size_t channels, size_t per_channel, int8_t *q,
				 float *scales)
{
	if (!w || !q || !scales)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_weights: NULL %s",
				   !w ? "w" : !q ? "q" : "scales");
	if (!channels || !per_channel)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_weights: %zu channels of %zu "
				   "weights (both must be > 0)", channels, per_channel);
	for (size_t c = 0; c < channels; c++) {
		const float *row = w + c * per_channel;
		float absmax = 0.0f;
		accel_status st;

		for (size_t i = 0; i < per_channel; i++) {
			if (!isfinite(row[i]))
				return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_weights: "
						   "weight [%zu][%zu] is %g", c, i, (double)row[i]);
			if (fabsf(row[i]) > absmax)
				absmax = fabsf(row[i]);
		}
		if ((st = accel_quant_symmetric(absmax, &scales[c])))
			return st;
		for (size_t i = 0; i < per_channel; i++) {
			int8_t v = snpu_quantize_f32(row[i], scales[c], 0);

			q[c * per_channel + i] = v < -127 ? -127 : v;	/* symmetric range */
		}
	}
	return ACCEL_OK;
}

static accel_status multiplier(const char *fn, double m, int32_t *mult, int32_t *shift)
{
	if (!mult || !shift)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: NULL %s", fn, mult ? "shift" : "mult");
	if (!(m > 0.0) || !isfinite(m))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: real multiplier %g must be finite "
				   "and > 0", fn, m);
	if (snpu_quantize_multiplier(m, mult, shift))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: real multiplier %g is too large "
				   "(the device's shift reaches 2^%d)", fn, m, SNPU_REQUANT_SHIFT_MAX);
	if (*mult == 0)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: real multiplier %g is below the "
				   "smallest the device represents (2^%d): every output would be "
				   "the zero point", fn, m, SNPU_REQUANT_SHIFT_MIN - 1);
	return ACCEL_OK;
}

accel_status accel_quant_multiplier(double m, int32_t *mult, int32_t *shift)
{
	return multiplier("accel_quant_multiplier", m, mult, shift);
}

static accel_status scales3(const char *fn, float a, float b, float c)
{
	if (!scale_ok(a) || !scale_ok(b) || !scale_ok(c))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: scales %g, %g, %g must be finite and "
				   "> 0", fn, (double)a, (double)b, (double)c);
	return ACCEL_OK;
}

accel_status accel_quant_requant(float in_scale, float w_scale, float out_scale, int32_t *mult,
				 int32_t *shift)
{
	accel_status st = scales3("accel_quant_requant", in_scale, w_scale, out_scale);

	if (st)
		return st;
	return multiplier("accel_quant_requant", (double)in_scale * w_scale / out_scale, mult,
			  shift);
}

accel_status accel_quant_requant_table(float in_scale, const float *w_scales, size_t channels,
				       float out_scale, accel_requant *table)
{
	char fn[64];

	if (!w_scales || !table || !channels)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_requant_table: %s",
				   !w_scales ? "NULL w_scales" : !table ? "NULL table" :
				   "0 channels");
	for (size_t c = 0; c < channels; c++) {
		accel_status st;

		snprintf(fn, sizeof(fn), "accel_quant_requant_table: channel %zu", c);
		if ((st = scales3(fn, in_scale, w_scales[c], out_scale)) ||
		    (st = multiplier(fn, (double)in_scale * w_scales[c] / out_scale, &table[c].mult,
				     &table[c].shift)))
			return st;
	}
	return ACCEL_OK;
}

accel_status accel_quant_bias(const float *bias, size_t n, float in_scale, const float *w_scales,
			      size_t n_w_scales, int32_t *out)
{
	if (!bias || !w_scales || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_bias: NULL %s",
				   !bias ? "bias" : !w_scales ? "w_scales" : "out");
	if (!n || (n_w_scales != 1 && n_w_scales != n))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_bias: %zu biases with %zu "
				   "weight scales (1 or one per channel)", n, n_w_scales);
	for (size_t c = 0; c < n; c++) {
		float ws = w_scales[n_w_scales == 1 ? 0 : c];
		double s = (double)in_scale * ws, v;

		if (!scale_ok(in_scale) || !scale_ok(ws) || !(s > 0.0))
			return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_bias: channel %zu: "
					   "input scale %g x weight scale %g is not > 0", c,
					   (double)in_scale, (double)ws);
		if (!isfinite(bias[c]))
			return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_bias: bias[%zu] is %g",
					   c, (double)bias[c]);
		v = nearbyint((double)bias[c] / s);
		out[c] = v > SNPU_S32_MAX ? SNPU_S32_MAX : v < SNPU_S32_MIN ? SNPU_S32_MIN :
			 (int32_t)v;
	}
	return ACCEL_OK;
}

accel_status accel_quant_residual(float residual_scale, float out_scale, int32_t *mult,
				  int32_t *shift)
{
	if (!scale_ok(residual_scale) || !scale_ok(out_scale))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quant_residual: scales %g, %g must "
				   "be finite and > 0", (double)residual_scale, (double)out_scale);
	return multiplier("accel_quant_residual", (double)residual_scale / out_scale, mult, shift);
}

#define ELT_LEFT_SHIFT 20

accel_status accel_quant_eltwise(accel_eltwise *p)
{
	const char *fn = "accel_quant_eltwise";
	accel_status st;
	double s2;

	if (!p)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: NULL params", fn);
	if ((st = scales3(fn, p->a.scale, p->b.scale, p->out.scale)))
		return st;
	p->left_shift = 0;
	p->a_mult = p->a_shift = p->b_mult = p->b_shift = p->out_mult = p->out_shift = 0;
	switch (p->op) {
	case ACCEL_ELT_ADD:
	case ACCEL_ELT_SUB:
		/* TFLite: both inputs to twice the larger scale, 20 bits of headroom. */
		s2 = 2.0 * (p->a.scale > p->b.scale ? p->a.scale : p->b.scale);
		p->left_shift = ELT_LEFT_SHIFT;
		if ((st = multiplier(fn, p->a.scale / s2, &p->a_mult, &p->a_shift)) ||
		    (st = multiplier(fn, p->b.scale / s2, &p->b_mult, &p->b_shift)) ||
		    (st = multiplier(fn, s2 / ((double)(1 << ELT_LEFT_SHIFT) * p->out.scale),
				     &p->out_mult, &p->out_shift)))
			return st;
		return ACCEL_OK;
	case ACCEL_ELT_MUL:
		return multiplier(fn, (double)p->a.scale * p->b.scale / p->out.scale, &p->out_mult,
				  &p->out_shift);
	case ACCEL_ELT_MAX:
	case ACCEL_ELT_MIN:
		if (p->a.scale != p->out.scale || p->b.scale != p->out.scale ||
		    p->a.zero_point != p->out.zero_point || p->b.zero_point != p->out.zero_point)
			return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: int8 max/min need a, b and out "
					   "quantized alike (scales %g, %g, %g; zero points %d, %d, "
					   "%d)", fn, (double)p->a.scale, (double)p->b.scale,
					   (double)p->out.scale, p->a.zero_point, p->b.zero_point,
					   p->out.zero_point);
		return ACCEL_OK;
	default:
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: op %d has no int8 form", fn,
				   (int)p->op);
	}
}

accel_status accel_quantize(const float *x, size_t n, float scale, int32_t zero_point, int8_t *q)
{
	if ((!x || !q) && n)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quantize: NULL %s", x ? "q" : "x");
	if (!scale_ok(scale) || zero_point < -128 || zero_point > 127)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_quantize: scale %g (> 0) or zero "
				   "point %d (-128..127) invalid", (double)scale, zero_point);
	for (size_t i = 0; i < n; i++)
		q[i] = snpu_quantize_f32(x[i], scale, zero_point);
	return ACCEL_OK;
}

accel_status accel_dequantize(const int8_t *q, size_t n, float scale, int32_t zero_point,
			      float *x)
{
	if ((!x || !q) && n)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_dequantize: NULL %s", q ? "x" : "q");
	if (!scale_ok(scale) || zero_point < -128 || zero_point > 127)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_dequantize: scale %g (> 0) or zero "
				   "point %d (-128..127) invalid", (double)scale, zero_point);
	for (size_t i = 0; i < n; i++)
		x[i] = snpu_dequantize_s8(q[i], scale, zero_point);
	return ACCEL_OK;
}
