// SPDX-License-Identifier: MIT
/* CPU reference: pooling, element-wise, activation and softmax. */
#include <math.h>
#include <string.h>
#include "snpu_act.h"
#include "snpu_quant.h"
#include "ref_internal.h"

#define FOR4(t, a, b, c, d) \
	for (a = 0; a < (t)->dim[0]; a++) for (b = 0; b < (t)->dim[1]; b++) \
	for (c = 0; c < (t)->dim[2]; c++) for (d = 0; d < (t)->dim[3]; d++)

static int load2(struct ref_ctx *c, const struct snpu_tensor *ti, struct ref_t *in,
		 const struct snpu_tensor *to, struct ref_t *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = ref_load(c, ti, in);
	return err ? err : ref_load(c, to, out);
}

static int finish2(struct ref_ctx *c, int err, struct ref_t *in, struct ref_t *out)
{
	if (!err)
		err = ref_store(c, out);
	ref_free(in);
	ref_free(out);
	return err;
}

/* The firmware table an activation needs for a non-fp32 dtype. */
static int need_lut(struct ref_ctx *c, int lf, uint32_t dtype, const struct snpu_fw_lut **lut,
		    const uint32_t **samples)
{
	*lut = NULL;
	*samples = NULL;
	if (lf < 0 || dtype == SNPU_DT_FP32)
		return SNPU_OK;
	*lut = c->m->lut[lf];
	*samples = c->m->lut_samples[lf];
	if (!*lut || !*samples || !snpu_lut_valid(*lut))
		return ref_fail(c, SNPU_ERR_NO_LUT, "no valid firmware table %d", lf);
	return SNPU_OK;
}

int ref_pool(struct ref_ctx *c, const struct snpu_cmd_pool *cmd)
{
	const struct snpu_tensor *ti = &cmd->input, *to = &cmd->output;
	int s8 = ti->dtype == SNPU_DT_INT8;
	struct ref_t in, out;
	uint32_t n, ch, y, x, ky, kx;
	int err = load2(c, ti, &in, to, &out);

	if (err)
		return finish2(c, err, &in, &out);
	FOR4(to, n, ch, y, x) {
		double fsum = 0.0;
		float fmax = -INFINITY;
		/* 64-bit: windows reach 65535^2 elements (the device sums in 64 bits too) */
		int64_t isum = 0, count = 0;
		int32_t imax = -128;

		for (ky = 0; ky < cmd->kernel_h; ky++)
		for (kx = 0; kx < cmd->kernel_w; kx++) {
			int64_t iy = (int64_t)y * cmd->stride_h - cmd->pad_top + ky;
			int64_t ix = (int64_t)x * cmd->stride_w - cmd->pad_left + kx;

			if (iy < 0 || ix < 0 || iy >= ti->dim[2] || ix >= ti->dim[3])
				continue;
			count++;
			if (s8) {
				int32_t v = ref_geti(&in, n, ch, (uint32_t)iy, (uint32_t)ix);

				isum += v;
				imax = v > imax ? v : imax;
			} else {
				float v = ref_getf(&in, n, ch, (uint32_t)iy, (uint32_t)ix);

				fsum += v;
				fmax = snpu_max_f32(fmax, v);
			}
		}
		if (cmd->pool_flags & SNPU_POOL_COUNT_PAD) {	/* padding is real 0: q = zp */
			isum += ((int64_t)cmd->kernel_h * cmd->kernel_w - count) * ti->zero_point;
			count = (int64_t)cmd->kernel_h * cmd->kernel_w;
		}
		if (s8)
			ref_seti(&out, n, ch, y, x, cmd->mode == SNPU_POOL_MAX ? imax :
				 snpu_avg_s8(isum, count));
		else
			ref_setf(&out, n, ch, y, x, (float)(cmd->mode == SNPU_POOL_MAX ? fmax :
							   fsum / (double)count));
	}
	return finish2(c, SNPU_OK, &in, &out);
}

int ref_eltwise(struct ref_ctx *c, const struct snpu_cmd_eltwise *cmd)
{
	const struct snpu_tensor *to = &cmd->out;
	struct snpu_elt_s8 p = {
		cmd->op, cmd->left_shift, cmd->a.zero_point, cmd->a_mult, cmd->a_shift,
		cmd->b.zero_point, cmd->b_mult, cmd->b_shift, to->zero_point, cmd->out_mult,
		cmd->out_shift,
	};
	const struct snpu_fw_lut *lut;
	const uint32_t *samples;
	struct ref_t a, b, out;
	uint32_t i0, i1, i2, i3;
	int32_t lo, hi;
	int err;

	memset(&b, 0, sizeof(b));
	err = need_lut(c, snpu_act_lut_fn(cmd->act.fn), to->dtype, &lut, &samples);
	if (!err)
		err = load2(c, &cmd->a, &a, to, &out);
	else
		memset(&a, 0, sizeof(a)), memset(&out, 0, sizeof(out));
	if (!err)
		err = ref_load(c, &cmd->b, &b);
	if (err) {
		ref_free(&b);
		return finish2(c, err, &a, &out);
	}
	snpu_act_clamp_s8(&cmd->act, ref_scale(to), to->zero_point, &lo, &hi);
	FOR4(to, i0, i1, i2, i3) {
		if (to->dtype == SNPU_DT_INT8) {
			int32_t v = snpu_elt_s8_apply(&p, ref_geti(&a, i0, i1, i2, i3),
						      ref_geti(&b, i0, i1, i2, i3));

			ref_seti(&out, i0, i1, i2, i3, snpu_clamp_s32(v, lo, hi));
		} else {
			float v = snpu_elt_f32(cmd->op, ref_getf(&a, i0, i1, i2, i3),
					ref_getf(&b, i0, i1, i2, i3));

			v = to->dtype == SNPU_DT_FP32 ? snpu_act_eval_f32(&cmd->act, v) :
			    snpu_act_eval_lut(&cmd->act, lut, samples, v);
			ref_setf(&out, i0, i1, i2, i3, v);
		}
	}
	ref_free(&b);
	return finish2(c, SNPU_OK, &a, &out);
}

int ref_activation(struct ref_ctx *c, const struct snpu_cmd_activation *cmd)
{
	const struct snpu_tensor *ti = &cmd->input, *to = &cmd->output;
	const struct snpu_fw_lut *lut;
	const uint32_t *samples;
	struct ref_t in, out;
	uint32_t i0, i1, i2, i3;
	int8_t table[256];
	int err;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	err = need_lut(c, snpu_act_lut_fn(cmd->act.fn), to->dtype, &lut, &samples);
	if (!err)
		err = load2(c, ti, &in, to, &out);
	if (err)
		return finish2(c, err, &in, &out);
	if (to->dtype == SNPU_DT_INT8)
		snpu_act_table_s8(&cmd->act, lut, samples, ref_scale(ti), ti->zero_point,
				  ref_scale(to), to->zero_point, table);
	FOR4(to, i0, i1, i2, i3) {
		if (to->dtype == SNPU_DT_INT8) {
			ref_seti(&out, i0, i1, i2, i3, table[ref_geti(&in, i0, i1, i2, i3) + 128]);
		} else {
			float v = ref_getf(&in, i0, i1, i2, i3);

			v = to->dtype == SNPU_DT_FP32 ? snpu_act_eval_f32(&cmd->act, v) :
			    snpu_act_eval_lut(&cmd->act, lut, samples, v);
			ref_setf(&out, i0, i1, i2, i3, v);
		}
	}
	return finish2(c, SNPU_OK, &in, &out);
}

int ref_softmax(struct ref_ctx *c, const struct snpu_cmd_softmax *cmd)
{
	const struct snpu_tensor *ti = &cmd->input, *to = &cmd->output;
	uint32_t ax = cmd->axis, len = ti->dim[ax], d[4], j;
	float beta = snpu_bits_f32(cmd->beta), e8[256];
	const struct snpu_fw_lut *lut;
	const uint32_t *samples;
	struct ref_t in, out;
	int err;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	err = need_lut(c, SNPU_LUT_EXP, to->dtype, &lut, &samples);
	if (!err)
		err = load2(c, ti, &in, to, &out);
	if (err)
		return finish2(c, err, &in, &out);
	if (to->dtype == SNPU_DT_INT8)
		snpu_softmax_table_s8(lut, samples, ref_scale(ti), beta, e8);
	/* every position with the softmax axis at 0 */
	for (d[0] = 0; d[0] < (ax == 0 ? 1 : ti->dim[0]); d[0]++)
	for (d[1] = 0; d[1] < (ax == 1 ? 1 : ti->dim[1]); d[1]++)
	for (d[2] = 0; d[2] < (ax == 2 ? 1 : ti->dim[2]); d[2]++)
	for (d[3] = 0; d[3] < (ax == 3 ? 1 : ti->dim[3]); d[3]++) {
		uint32_t e[4] = { d[0], d[1], d[2], d[3] };
		float mx = -INFINITY;
		double sum = 0.0;

		if (to->dtype == SNPU_DT_INT8) {
			snpu_softmax_row_s8((const int8_t *)ref_elem(&in, d[0], d[1], d[2], d[3]),
					    len > 1 ? ti->stride[ax] : 0,
					    (int8_t *)ref_elem(&out, d[0], d[1], d[2], d[3]),
					    len > 1 ? to->stride[ax] : 0, len, e8,
					    ref_scale(to), to->zero_point);
			continue;
		}
		for (j = 0; j < len; j++) {
			float v;

			e[ax] = j;
			v = ref_getf(&in, e[0], e[1], e[2], e[3]);
			mx = v > mx ? v : mx;
		}
		for (j = 0; j < len; j++) {
			float x;

			e[ax] = j;
			x = (ref_getf(&in, e[0], e[1], e[2], e[3]) - mx) * beta;
			sum += to->dtype == SNPU_DT_FP32 ? exp(x) : snpu_lut_eval(lut, samples, x);
		}
		for (j = 0; j < len; j++) {
			float x;
			double p;

			e[ax] = j;
			x = (ref_getf(&in, e[0], e[1], e[2], e[3]) - mx) * beta;
			p = to->dtype == SNPU_DT_FP32 ? exp(x) : snpu_lut_eval(lut, samples, x);
			ref_setf(&out, e[0], e[1], e[2], e[3], (float)(p / sum));
		}
	}
	return finish2(c, SNPU_OK, &in, &out);
}
