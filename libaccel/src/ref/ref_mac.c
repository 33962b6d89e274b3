// SPDX-License-Identifier: MIT
/* CPU reference: conv2d and gemm with the fused epilogue (snpu_cmd.h). */
#include <stdlib.h>
#include <string.h>
#include "snpu_act.h"
#include "snpu_quant.h"
#include "ref_internal.h"

struct ref_epi {
	const struct snpu_epilogue *e;
	const struct snpu_tensor *out;
	int s8;
	uint8_t *bias;		/* int32[nch] or float[nch] */
	struct snpu_requant *rq;	/* [nch] when per channel */
	struct ref_t res;
	int has_res;
	const struct snpu_fw_lut *lut;
	const uint32_t *samples;
	int8_t table[256];
	int use_table;
	int32_t lo, hi;
};

static void epi_free(struct ref_epi *p)
{
	free(p->bias);
	free(p->rq);
	if (p->has_res)
		ref_free(&p->res);
}

static int epi_init(struct ref_ctx *c, const struct snpu_epilogue *e,
		    const struct snpu_tensor *out, uint32_t nch, struct ref_epi *p)
{
	int lf = snpu_act_lut_fn(e->act.fn);
	uint32_t i;
	int err;

	memset(p, 0, sizeof(*p));
	p->e = e;
	p->out = out;
	p->s8 = out->dtype == SNPU_DT_INT8;
	if (lf >= 0 && out->dtype != SNPU_DT_FP32) {
		p->lut = c->m->lut[lf];
		p->samples = c->m->lut_samples[lf];
		if (!p->lut || !p->samples || !snpu_lut_valid(p->lut))
			return ref_fail(c, SNPU_ERR_NO_LUT, "no valid firmware table %d", lf);
	}
	if (e->flags & SNPU_EPI_BIAS) {
		p->bias = malloc((size_t)nch * 4);
		if (!p->bias)
			return ref_fail(c, SNPU_ERR_FATAL, "out of memory");
		err = c->m->read(c->m->ctx, e->bias_addr, p->bias, (size_t)nch * 4);
		if (err)
			return ref_fail(c, err, "bias read failed");
	}
	if (e->flags & SNPU_EPI_PER_CHANNEL) {
		p->rq = malloc((size_t)nch * sizeof(*p->rq));
		if (!p->rq)
			return ref_fail(c, SNPU_ERR_FATAL, "out of memory");
		err = c->m->read(c->m->ctx, e->requant_addr, p->rq, (size_t)nch * sizeof(*p->rq));
		if (err)
			return ref_fail(c, err, "requant table read failed");
		for (i = 0; i < nch; i++)
			if (!snpu_requant_valid(p->rq[i].multiplier, p->rq[i].shift))
				return ref_fail(c, SNPU_ERR_SHAPE, "requant entry %u invalid", i);
	}
	if (e->flags & SNPU_EPI_RESIDUAL) {
		err = ref_load(c, &e->residual, &p->res);
		p->has_res = 1;
		if (err)
			return err;
	}
	if (p->s8) {
		if (snpu_act_is_clamp(e->act.fn)) {
			snpu_act_clamp_s8(&e->act, ref_scale(out), out->zero_point, &p->lo, &p->hi);
		} else {
			p->use_table = 1;
			snpu_act_table_s8(&e->act, p->lut, p->samples, snpu_bits_f32(e->pre_scale),
					  e->pre_zero_point, ref_scale(out), out->zero_point,
					  p->table);
		}
	}
	return SNPU_OK;
}

static float epi_float(const struct ref_epi *p, float acc, uint32_t ch, const uint32_t i[4])
{
	float v = acc, b;

	if (p->bias) {
		memcpy(&b, p->bias + 4 * (size_t)ch, 4);
		v = v + b;
	}
	if (p->has_res)
		v = v + ref_getf(&p->res, i[0], i[1], i[2], i[3]);
	if (p->out->dtype == SNPU_DT_FP32)
		return snpu_act_eval_f32(&p->e->act, v);
	return snpu_act_eval_lut(&p->e->act, p->lut, p->samples, v);
}

static int32_t epi_s8(const struct ref_epi *p, int32_t acc, uint32_t ch, const uint32_t i[4])
{
	const struct snpu_epilogue *e = p->e;
	int32_t b, mult = e->requant_mult, shift = e->requant_shift, r = 0, t;
	int32_t zp = p->use_table ? e->pre_zero_point : p->out->zero_point;

	if (p->bias) {
		memcpy(&b, p->bias + 4 * (size_t)ch, 4);
		acc = snpu_acc_add(acc, b);
	}
	if (p->rq) {
		mult = p->rq[ch].multiplier;
		shift = p->rq[ch].shift;
	}
	if (p->has_res)
		r = ref_geti(&p->res, i[0], i[1], i[2], i[3]);
	t = snpu_epi_s8(acc, mult, shift, zp, p->has_res, r, e->residual.zero_point,
			e->res_mult, e->res_shift);
	if (p->use_table)
		return p->table[t + 128];
	return snpu_clamp_s32(t, p->lo, p->hi);
}

int ref_conv2d(struct ref_ctx *c, const struct snpu_cmd_conv2d *cmd)
{
	const struct snpu_tensor *ti = &cmd->input, *tw = &cmd->weight, *to = &cmd->output;
	uint32_t cg = tw->dim[1], og = tw->dim[0] / cmd->groups;
	struct ref_t in, w, out;
	struct ref_epi ep;
	uint32_t n, o, y, x, ci, ky, kx;
	int s8 = to->dtype == SNPU_DT_INT8;
	int err;

	memset(&in, 0, sizeof(in));
	memset(&w, 0, sizeof(w));
	memset(&out, 0, sizeof(out));
	err = epi_init(c, &cmd->epi, to, to->dim[1], &ep);
	if (!err)
		err = ref_load(c, ti, &in);
	if (!err)
		err = ref_load(c, tw, &w);
	if (!err)
		err = ref_load(c, to, &out);
	if (err)
		goto done;
	for (n = 0; n < to->dim[0]; n++)
	for (o = 0; o < to->dim[1]; o++)
	for (y = 0; y < to->dim[2]; y++)
	for (x = 0; x < to->dim[3]; x++) {
		uint32_t g = o / og, idx[4] = { n, o, y, x };
		double facc = 0.0;
		uint32_t iacc = 0;

		for (ci = 0; ci < cg; ci++)
		for (ky = 0; ky < tw->dim[2]; ky++)
		for (kx = 0; kx < tw->dim[3]; kx++) {
			int64_t iy = (int64_t)y * cmd->stride_h - cmd->pad_top +
				     (int64_t)ky * cmd->dilation_h;
			int64_t ix = (int64_t)x * cmd->stride_w - cmd->pad_left +
				     (int64_t)kx * cmd->dilation_w;
			uint32_t ch = g * cg + ci;

			if (iy < 0 || ix < 0 || iy >= ti->dim[2] || ix >= ti->dim[3])
				continue;	/* padding: real zero */
			if (s8)
				iacc += (uint32_t)((ref_geti(&in, n, ch, (uint32_t)iy, (uint32_t)ix) -
						    ti->zero_point) * ref_geti(&w, o, ci, ky, kx));
			else
				facc += (double)ref_getf(&in, n, ch, (uint32_t)iy, (uint32_t)ix) *
					ref_getf(&w, o, ci, ky, kx);
		}
		if (s8)
			ref_seti(&out, n, o, y, x, epi_s8(&ep, (int32_t)iacc, o, idx));
		else
			ref_setf(&out, n, o, y, x, epi_float(&ep, (float)facc, o, idx));
	}
	err = ref_store(c, &out);
done:
	ref_free(&in);
	ref_free(&w);
	ref_free(&out);
	epi_free(&ep);
	return err;
}

int ref_gemm(struct ref_ctx *c, const struct snpu_cmd_gemm *cmd)
{
	const struct snpu_tensor *tc = &cmd->c;
	uint32_t kdim = cmd->a.dim[3];
	struct ref_t a, b, out;
	struct ref_epi ep;
	uint32_t b0, b1, m, n, k;
	int s8 = tc->dtype == SNPU_DT_INT8;
	int err;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&out, 0, sizeof(out));
	err = epi_init(c, &cmd->epi, tc, tc->dim[3], &ep);
	if (!err)
		err = ref_load(c, &cmd->a, &a);
	if (!err)
		err = ref_load(c, &cmd->b, &b);
	if (!err)
		err = ref_load(c, tc, &out);
	if (err)
		goto done;
	for (b0 = 0; b0 < tc->dim[0]; b0++)
	for (b1 = 0; b1 < tc->dim[1]; b1++)
	for (m = 0; m < tc->dim[2]; m++)
	for (n = 0; n < tc->dim[3]; n++) {
		uint32_t idx[4] = { b0, b1, m, n };
		double facc = 0.0;
		uint32_t iacc = 0;

		for (k = 0; k < kdim; k++) {
			if (s8)
				iacc += (uint32_t)((ref_geti(&a, b0, b1, m, k) - cmd->a.zero_point) *
						   ref_geti(&b, b0, b1, k, n));
			else
				facc += (double)ref_getf(&a, b0, b1, m, k) *
					ref_getf(&b, b0, b1, k, n);
		}
		if (s8)
			ref_seti(&out, b0, b1, m, n, epi_s8(&ep, (int32_t)iacc, n, idx));
		else
			ref_setf(&out, b0, b1, m, n, epi_float(&ep, (float)facc, n, idx));
	}
	err = ref_store(c, &out);
done:
	ref_free(&a);
	ref_free(&b);
	ref_free(&out);
	epi_free(&ep);
	return err;
}
