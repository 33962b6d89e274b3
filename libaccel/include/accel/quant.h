/* SPDX-License-Identifier: MIT */
/*
 * libaccel int8 quantization helpers: the host side of the device's int8
 * arithmetic (docs/libaccel.md "int8", docs/hardware.md section 10). They
 * are built on the same code the device runs (<snpu/snpu_quant.h>), so a
 * result computed with them matches the device bit for bit. The model
 * compiler uses them too.
 *
 * Scheme (TFLite / gemmlowp):
 *   activations  int8, per tensor, asymmetric: real = scale * (q - zero_point)
 *   weights      int8, symmetric (zero_point 0), per tensor or per output
 *                channel, q in -127..127
 *   bias         int32, scale = input scale * weight scale, zero point 0
 *   requantize   the int32 accumulator is rescaled by a Q31 multiplier and a
 *                power-of-two shift ~ in_scale * w_scale / out_scale
 *
 * Every call is thread-safe (no state). Invalid input (NaN, infinity, a
 * scale <= 0, a multiplier the device cannot represent) fails with
 * ACCEL_ERR_INVALID_ARG and a message naming the value.
 */
#ifndef ACCEL_QUANT_H
#define ACCEL_QUANT_H

#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"
#include "accel/cmd.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Asymmetric int8 quantization covering the real range [min, max] (an
 * activation's observed range): the range is widened to contain 0 (so
 * real 0, padding and ReLU's bound, is exact), scale = (max - min) / 255,
 * zero_point = round(-128 - min / scale) in -128..127. A range of only 0
 * gives scale 1, zero point 0. min > max or a non-finite bound is refused.
 */
ACCEL_API accel_status accel_quant_range(float min, float max, float *scale,
					 int32_t *zero_point);

/* Symmetric int8 scale for weights whose largest magnitude is absmax:
 * absmax / 127 (zero point 0); absmax 0 gives 1. */
ACCEL_API accel_status accel_quant_symmetric(float absmax, float *scale);

/*
 * Quantize weights per output channel, symmetric: w holds `channels` rows
 * of `per_channel` floats (conv2d O x (C/groups*KH*KW), or a gemm b already
 * transposed per output column); scales[c] = max |w[c][*]| / 127 and
 * q[c][i] = round(w[c][i] / scales[c]) in -127..127. For a gemm b of shape
 * (K, N) the channels are the N columns: quantize its transpose, or use
 * one scale for the whole tensor (channels = 1).
 */
ACCEL_API accel_status accel_quant_weights(const float *w, size_t channels, size_t per_channel,
					   int8_t *q, float *scales);

/* Real multiplier m > 0 -> (mult, shift) with m ~= mult * 2^shift / 2^31
 * (TFLite QuantizeMultiplier). m must be within [2^-32, 2^30). */
ACCEL_API accel_status accel_quant_multiplier(double m, int32_t *mult, int32_t *shift);

/* The conv2d/gemm epilogue's per-tensor requantization:
 * m = in_scale * w_scale / out_scale (out_scale is the epilogue's
 * pre_scale when a table activation follows). */
ACCEL_API accel_status accel_quant_requant(float in_scale, float w_scale, float out_scale,
					   int32_t *mult, int32_t *shift);

/* A per-channel requantization table (ACCEL_EPI_PER_CHANNEL): table[c] for
 * in_scale * w_scales[c] / out_scale, c < channels. */
ACCEL_API accel_status accel_quant_requant_table(float in_scale, const float *w_scales,
						 size_t channels, float out_scale,
						 accel_requant *table);

/* int32 bias of n channels: out[c] = round(bias[c] / (in_scale * w_scale)),
 * saturated, with w_scale = w_scales[c] (n_w_scales == n) or w_scales[0]
 * (n_w_scales == 1). */
ACCEL_API accel_status accel_quant_bias(const float *bias, size_t n, float in_scale,
					const float *w_scales, size_t n_w_scales, int32_t *out);

/* The residual's rescale in the epilogue: m = residual_scale / out_scale. */
ACCEL_API accel_status accel_quant_residual(float residual_scale, float out_scale,
					    int32_t *mult, int32_t *shift);

/*
 * Fill the int8 parameters of an element-wise command from the scales of
 * p->a, p->b and p->out and p->op (TFLite's scheme): ADD/SUB set
 * left_shift 20 and a/b/out multipliers, MUL sets out_mult/out_shift,
 * MAX/MIN need a, b and out to share one quantization (checked) and set
 * nothing. DIV has no int8 form.
 */
ACCEL_API accel_status accel_quant_eltwise(accel_eltwise *p);

/* float -> int8 (round half to even, saturated, NaN -> zero_point) and
 * int8 -> float, exactly as the device's CONVERT. */
ACCEL_API accel_status accel_quantize(const float *x, size_t n, float scale, int32_t zero_point,
				      int8_t *q);
ACCEL_API accel_status accel_dequantize(const int8_t *q, size_t n, float scale,
					int32_t zero_point, float *x);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_QUANT_H */
