// SPDX-License-Identifier: MIT
/*
 * Fused epilogue of conv2d and gemm (snpu_cmd.h, struct snpu_epilogue):
 *   fp32/fp16: y = act(acc + bias + residual), acc in float;
 *   int8: t = snpu_epi_s8(acc + bias, per-tensor/per-channel requant,
 *         residual), then the clamp or the int8 table (uapi/snpu_act.h).
 * Applied over a dense accumulator tensor in logical order, rows in
 * parallel.
 */
#include <stdlib.h>
#include <string.h>
#include "snpu_act.h"
#include "snpu_quant.h"
#include "te_epi.h"

enum snpu_err te_lut(struct snpu_exec *x, int fn, const struct snpu_fw_lut **lut,
		     const uint32_t **samples)
{
	*lut = NULL;
	*samples = NULL;
	if (fn < 0)
		return SNPU_OK;
	*lut = snpu_exec_lut(x, (enum snpu_lut_fn)fn, samples);
	if (!*lut || !*samples || !snpu_lut_valid(*lut)) {
		snpu_exec_log(x, "activation needs firmware table %d, which is missing", fn);
		return SNPU_ERR_NO_LUT;
	}
	return SNPU_OK;
}

void te_epi_free(struct te_epi *p)
{
	free(p->bias);
	free(p->rq);
	te_view_free(&p->res);
}

enum snpu_err te_epi_init(struct te_cmd *c, const struct snpu_epilogue *e,
			  const struct snpu_tensor *out, uint32_t nch, uint32_t ch_axis,
			  struct te_epi *p)
{
	int lf = snpu_act_lut_fn(e->act.fn);
	enum snpu_err err;
	uint32_t i;

	memset(p, 0, sizeof(*p));
	p->e = e;
	p->out = out;
	p->ch_axis = ch_axis;
	p->s8 = out->dtype == SNPU_DT_INT8;
	if (out->dtype != SNPU_DT_FP32) {
		err = te_lut(c->x, lf, &p->lut, &p->samples);
		if (err)
			return err;
	}
	if (e->flags & SNPU_EPI_BIAS) {
		err = te_read_new(c->x, e->bias_addr, (size_t)nch * 4, &p->bias);
		if (err)
			return err;
	}
	if (e->flags & SNPU_EPI_PER_CHANNEL) {
		err = te_read_new(c->x, e->requant_addr, (size_t)nch * sizeof(*p->rq),
				  (void **)&p->rq);
		if (err)
			return err;
		for (i = 0; i < nch; i++)
			if (!snpu_requant_valid(p->rq[i].multiplier, p->rq[i].shift)) {
				snpu_exec_log(c->x, "requant entry %u: multiplier %d shift %d invalid",
					      i, p->rq[i].multiplier, p->rq[i].shift);
				return SNPU_ERR_SHAPE;
			}
	}
	if (e->flags & SNPU_EPI_RESIDUAL) {
		err = te_load(c->x, &e->residual, !p->s8, TE_ALL_AXES, &p->res);
		if (err)
			return err;
		p->has_res = 1;
	}
	if (p->s8) {
		if (snpu_act_is_clamp(e->act.fn)) {
			snpu_act_clamp_s8(&e->act, snpu_bits_f32(out->scale), out->zero_point,
					  &p->lo, &p->hi);
		} else {
			p->use_table = 1;
			snpu_act_table_s8(&e->act, p->lut, p->samples, snpu_bits_f32(e->pre_scale),
					  e->pre_zero_point, snpu_bits_f32(out->scale),
					  out->zero_point, p->table);
		}
	}
	return SNPU_OK;
}

struct epi_run {
	const struct te_epi *p;
	const void *acc;	/* float (in place in out) or int32 */
	struct te_view *out;
};

/* Elements per cancellation check inside one row. */
#define EPI_CHUNK 16384

/* fp32 output, activation NONE or RELU: the same operations in the same
 * order as the general path ((acc + bias) + residual, then the clamp), as
 * separate passes the compiler vectorises. */
static void chunk_fp32_linear(const struct te_epi *p, const float *acc, float *out, size_t n,
			      size_t j0, uint32_t ch_row, const float *res, size_t res_st)
{
	const float *bias = p->bias;
	size_t j;

	if (bias && p->ch_axis == 1) {
		float b = bias[ch_row];

		for (j = 0; j < n; j++)
			out[j] = acc[j] + b;
	} else if (bias) {
		for (j = 0; j < n; j++)
			out[j] = acc[j] + bias[j0 + j];
	} else if (out != acc) {
		memcpy(out, acc, n * sizeof(float));
	}
	if (res && res_st == 1)
		for (j = 0; j < n; j++)
			out[j] = out[j] + res[j];
	else if (res)
		for (j = 0; j < n; j++)
			out[j] = out[j] + res[j * res_st];
	if (p->e->act.fn == SNPU_ACT_RELU)
		for (j = 0; j < n; j++)
			out[j] = out[j] < 0.0f ? 0.0f : out[j];	/* as snpu_act_eval_linear */
}

/* fp: y = act(acc + bias + residual) over one row of d3 elements. */
static void row_fp(const struct te_epi *p, const float *acc, float *out, size_t d3,
		   uint32_t ch_row, const float *res, size_t res_st)
{
	const struct snpu_act_params *act = &p->e->act;
	int fp32 = p->out->dtype == SNPU_DT_FP32;
	size_t j;

	if (fp32 && (act->fn == SNPU_ACT_NONE || act->fn == SNPU_ACT_RELU)) {
		for (j = 0; j < d3; j += EPI_CHUNK) {
			size_t n = d3 - j < EPI_CHUNK ? d3 - j : EPI_CHUNK;

			if (j && te_cancelled())
				return;
			chunk_fp32_linear(p, acc + j, out + j, n, j, ch_row,
					  res ? res + j * res_st : NULL, res_st);
		}
		return;
	}
	for (j = 0; j < d3; j++) {
		if (te_cancelled_at(j))
			return;
		size_t ch = p->ch_axis == 1 ? ch_row : j;
		float v = acc[j], b;

		if (p->bias) {
			memcpy(&b, (const uint8_t *)p->bias + 4 * (size_t)ch, 4);
			v = v + b;
		}
		if (res)
			v = v + res[j * res_st];
		switch (act->fn) {
		case SNPU_ACT_NONE:
			break;
		case SNPU_ACT_RELU:
			v = v < 0.0f ? 0.0f : v;	/* as snpu_act_eval_linear */
			break;
		default:
			v = fp32 ? snpu_act_eval_f32(act, v) :
			    snpu_act_eval_lut(act, p->lut, p->samples, v);
		}
		out[j] = v;
	}
}

/* int8, one channel per row (conv) and no residual: bias, requant and
 * clamp or table are constants of the row. */
static void row_s8_chan(const struct te_epi *p, const int32_t *acc, int8_t *out, size_t n,
			uint32_t ch)
{
	const struct snpu_epilogue *e = p->e;
	int32_t zp = p->use_table ? e->pre_zero_point : p->out->zero_point;
	int32_t b = 0, mult = e->requant_mult, shift = e->requant_shift;
	size_t j = 0, j0;

	if (p->bias)
		memcpy(&b, (const uint8_t *)p->bias + 4 * (size_t)ch, 4);
	if (p->rq) {
		mult = p->rq[ch].multiplier;
		shift = p->rq[ch].shift;
	}
#if defined(__x86_64__)
	if (!p->use_table && shift <= 0 && zp >= -(1 << 29) && zp <= (1 << 29) &&
	    te_isa() == TE_ISA_AVX512)
		for (j = 0; j + 16 <= n; j += j0) {
			size_t len = n - j < EPI_CHUNK ? n - j : EPI_CHUNK;

			if (j && te_cancelled())
				return;
			j0 = te_epi_s8_avx512(acc + j, out + j, len, b, mult, -shift, zp, p->lo,
					      p->hi);
		}
#endif
	for (; j < n; j++) {
		int32_t t;

		if (te_cancelled_at(j))
			return;
		t = snpu_epi_s8(snpu_acc_add(acc[j], b), mult, shift, zp, 0, 0, 0, 0, 0);
		out[j] = (int8_t)(p->use_table ? p->table[t + 128] : snpu_clamp_s32(t, p->lo, p->hi));
	}
}

/* int8: the snpu_epi_s8 pipeline over one row. */
static void row_s8(const struct te_epi *p, const int32_t *acc, int8_t *out, size_t d3,
		   uint32_t ch_row, const int8_t *res, size_t res_st)
{
	const struct snpu_epilogue *e = p->e;
	int32_t zp = p->use_table ? e->pre_zero_point : p->out->zero_point;
	size_t j;

	if (p->ch_axis == 1 && !res) {
		row_s8_chan(p, acc, out, d3, ch_row);
		return;
	}
	for (j = 0; j < d3; j++) {
		if (te_cancelled_at(j))
			return;
		size_t ch = p->ch_axis == 1 ? ch_row : j;
		int32_t a = acc[j], b, t, mult = e->requant_mult, shift = e->requant_shift;

		if (p->bias) {
			memcpy(&b, (const uint8_t *)p->bias + 4 * (size_t)ch, 4);
			a = snpu_acc_add(a, b);
		}
		if (p->rq) {
			mult = p->rq[ch].multiplier;
			shift = p->rq[ch].shift;
		}
		t = snpu_epi_s8(a, mult, shift, zp, res != NULL, res ? res[j * res_st] : 0,
				e->residual.zero_point, e->res_mult, e->res_shift);
		out[j] = (int8_t)(p->use_table ? p->table[t + 128] : snpu_clamp_s32(t, p->lo, p->hi));
	}
}

static void epi_rows(void *opaque, size_t begin, size_t end)
{
	const struct epi_run *r = opaque;
	const struct te_epi *p = r->p;
	struct te_view *o = r->out;
	uint32_t d1 = o->dim[1], d2 = o->dim[2], d3 = o->dim[3];
	size_t row, run;

	for (row = begin; row < end; row += run) {
		uint32_t i0 = (uint32_t)(row / ((size_t)d1 * d2));
		uint32_t i1 = (uint32_t)(row / d2 % d1), i2 = (uint32_t)(row % d2);
		size_t base = row * d3, ro = p->has_res ? te_off(&p->res, i0, i1, i2, 0) : 0;

		/* conv without a residual: the rows of one channel are one run */
		run = 1;
		if (p->ch_axis == 1 && !p->has_res)
			run = (end - row < d2 - i2) ? end - row : d2 - i2;
		if (te_cancelled())
			return;
		if (!p->s8)
			row_fp(p, (const float *)r->acc + base, (float *)o->data + base, run * d3,
			       i1, p->has_res ? (const float *)p->res.data + ro : NULL,
			       p->res.st[3]);
		else
			row_s8(p, (const int32_t *)r->acc + base, (int8_t *)o->data + base,
			       run * d3, i1, p->has_res ? (const int8_t *)p->res.data + ro : NULL,
			       p->res.st[3]);
	}
}

void te_epi_apply(struct te_cmd *c, const struct te_epi *p, const void *acc,
		  struct te_view *out)
{
	struct epi_run r = { p, acc, out };
	size_t rows = (size_t)out->dim[0] * out->dim[1] * out->dim[2];

	te_parallel_for(c->pool, rows, 1 + 4096 / out->dim[3], epi_rows, &r);
}
