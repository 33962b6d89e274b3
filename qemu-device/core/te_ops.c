// SPDX-License-Identifier: MIT
/*
 * POOL, ELTWISE, ACTIVATION and SOFTMAX commands: staged operands, rows of
 * the output in parallel. fp16 is computed in fp32 and rounded on store;
 * int8 uses the shared math of uapi/snpu_quant.h and uapi/snpu_act.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "snpu_act.h"
#include "snpu_quant.h"
#include "te_internal.h"

/* rows of a 4-D output: (i0, i1, i2) */
static void row_idx(const struct te_view *o, size_t row, uint32_t *i0, uint32_t *i1,
		    uint32_t *i2)
{
	*i2 = (uint32_t)(row % o->dim[2]);
	*i1 = (uint32_t)(row / o->dim[2] % o->dim[1]);
	*i0 = (uint32_t)(row / ((size_t)o->dim[2] * o->dim[1]));
}

static size_t nrows(const struct te_view *o)
{
	return (size_t)o->dim[0] * o->dim[1] * o->dim[2];
}

static size_t grain(const struct te_view *o, size_t work_per_elem)
{
	return 1 + 16384 / ((size_t)o->dim[3] * work_per_elem + 1);
}

/* ---- pooling ---- */
struct pool_run {
	const struct snpu_cmd_pool *cmd;
	int32_t zp;		/* int8 zero point (input = output) */
	struct te_view in, out;
};

/* One output row, POOL_X outputs at a time: for each window row in range
 * and each kx, the outputs whose input column is inside the tensor
 * (computed once, no per-element bounds tests or index arithmetic). Each
 * output still sees its window in (ky, kx) order, so sums and NaN maxima
 * are the same as element by element. */
#define POOL_X 256
static void pool_rows(void *opaque, size_t begin, size_t end)
{
	const struct pool_run *r = opaque;
	const struct snpu_cmd_pool *cmd = r->cmd;
	const struct te_view *in = &r->in;
	int s8 = in->dtype == SNPU_DT_INT8, mx = cmd->mode == SNPU_POOL_MAX;
	uint32_t n, ch, y, ky, kx, ow = r->out.dim[3], W = in->dim[3], sw = cmd->stride_w;
	size_t row, sx = in->st[3];
	float fsum[POOL_X], fmax[POOL_X];
	int64_t isum[POOL_X], count[POOL_X];
	int32_t imax[POOL_X];

	for (row = begin; row < end; row++) {
		uint32_t xb, x, xe, lo, hi;
		int64_t y0;

		row_idx(&r->out, row, &n, &ch, &y);
		y0 = (int64_t)y * cmd->stride_h - cmd->pad_top;
		for (xb = 0; xb < ow; xb += POOL_X) {
			xe = ow - xb < POOL_X ? ow : xb + POOL_X;
			for (x = 0; x < xe - xb; x++) {
				fsum[x] = 0.0f;
				fmax[x] = -INFINITY;
				isum[x] = 0;
				count[x] = 0;
				imax[x] = -128;
			}
			for (ky = 0; ky < cmd->kernel_h; ky++) {
				int64_t iy = y0 + ky;

				if (te_cancelled())
					return;
				if (iy < 0 || iy >= in->dim[2])
					continue;
				for (kx = 0; kx < cmd->kernel_w; kx++) {
					/* input column x0 + x * sw, x0 = kx - pad_left */
					int64_t x0 = (int64_t)kx - cmd->pad_left;
					int64_t l = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
					int64_t h = (int64_t)W > x0 ? ((int64_t)W - x0 + sw - 1) / sw : 0;
					size_t base = te_off(in, n, ch, (uint32_t)iy, 0);

					lo = (uint32_t)(l > xb ? (l < xe ? l : xe) : xb);
					hi = (uint32_t)(h < xe ? (h > lo ? h : lo) : xe);
					if (s8) {
						const int8_t *src = (const int8_t *)in->data + base;

						for (x = lo; x < hi; x++) {
							int32_t v = src[(size_t)(x0 + (int64_t)x * sw) * sx];

							isum[x - xb] += v;
							imax[x - xb] = v > imax[x - xb] ? v : imax[x - xb];
							count[x - xb]++;
						}
					} else if (mx) {
						const float *src = (const float *)in->data + base;

						for (x = lo; x < hi; x++) {
							fmax[x - xb] = snpu_max_f32(fmax[x - xb],
								src[(size_t)(x0 + (int64_t)x * sw) * sx]);
							count[x - xb]++;
						}
					} else {
						const float *src = (const float *)in->data + base;

						for (x = lo; x < hi; x++) {
							fsum[x - xb] += src[(size_t)(x0 + (int64_t)x * sw) * sx];
							count[x - xb]++;
						}
					}
				}
			}
			for (x = xb; x < xe; x++) {
				size_t o = row * ow + x;
				int64_t is = isum[x - xb], cnt = count[x - xb];

				if (cmd->pool_flags & SNPU_POOL_COUNT_PAD) {	/* padding = 0 = zp */
					int64_t all = (int64_t)cmd->kernel_h * cmd->kernel_w;

					is += (all - cnt) * r->zp;
					cnt = all;
				}
				if (s8)
					((int8_t *)r->out.data)[o] = (int8_t)(mx ? imax[x - xb] :
									snpu_avg_s8(is, cnt));
				else
					((float *)r->out.data)[o] = mx ? fmax[x - xb] :
								    fsum[x - xb] / (float)cnt;
			}
		}
	}
}

enum snpu_err te_pool_cmd(struct te_cmd *c, const struct snpu_cmd_pool *cmd)
{
	struct pool_run r;
	enum snpu_err err;

	memset(&r, 0, sizeof(r));
	r.cmd = cmd;
	r.zp = cmd->input.zero_point;
	err = te_load(c->x, &cmd->input, 1, TE_ALL_AXES, &r.in);
	if (!err)
		err = te_alloc_out(c->x, &cmd->output, 1, &r.out);
	if (!err) {
		te_parallel_for(c->pool, nrows(&r.out),
				grain(&r.out, (size_t)cmd->kernel_h * cmd->kernel_w), pool_rows, &r);
		err = te_store(c->x, &cmd->output, &r.out);
	}
	te_view_free(&r.in);
	te_view_free(&r.out);
	return err;
}

/* ---- element-wise ---- */
struct elt_run {
	const struct snpu_cmd_eltwise *cmd;
	struct te_view a, b, out;
	struct snpu_elt_s8 p;
	int32_t lo, hi;
	const struct snpu_fw_lut *lut;
	const uint32_t *samples;
	int8_t *pair;		/* int8, large: out for every (a, b), or NULL */
};

/* int8 ELTWISE over at least this many outputs fills a table of all 65536
 * (a, b) results first (snpu_elt_s8_apply and the clamp, the same function
 * as per element) and then only looks them up. */
#define TE_ELT_PAIR_MIN	(1u << 17)

static void elt_pair_rows(void *opaque, size_t begin, size_t end)
{
	const struct elt_run *r = opaque;
	size_t qa, qb;

	for (qa = begin; qa < end; qa++)
		for (qb = 0; qb < 256; qb++)
			r->pair[qa << 8 | qb] = (int8_t)snpu_clamp_s32(
				snpu_elt_s8_apply(&r->p, (int32_t)qa - 128, (int32_t)qb - 128),
				r->lo, r->hi);
}

/* fp32 out, activation NONE or RELU, rows contiguous or broadcast (stride
 * 0): 4 lanes at a time with GCC vector types (SSE2 on any x86-64, whatever
 * the target has elsewhere), the same IEEE operations as snpu_elt_f32 and
 * snpu_act_eval_f32, so bit-identical; MAX/MIN keep their NaN rule
 * ((a > b || a != a) ? a : b) as a lane select. */
typedef float te_v4f __attribute__((vector_size(16)));
typedef int32_t te_v4i __attribute__((vector_size(16)));

static te_v4f v4_load(const float *p, int bcast)
{
	te_v4f v;

	if (bcast)
		return (te_v4f){ p[0], p[0], p[0], p[0] };
	memcpy(&v, p, sizeof(v));
	return v;
}

static te_v4f v4_sel(te_v4i m, te_v4f a, te_v4f b)
{
	te_v4i r = ((te_v4i)a & m) | ((te_v4i)b & ~m);

	return (te_v4f)r;
}

static size_t elt_row_f32_vec(uint32_t op, int relu, const float *a, int abc, const float *b,
			      int bbc, float *out, size_t n)
{
	const te_v4f zero = { 0 };
	size_t j;

	for (j = 0; j + 4 <= n; j += 4) {
		te_v4f va = v4_load(a + (abc ? 0 : j), abc), vb = v4_load(b + (bbc ? 0 : j), bbc), v;

		switch (op) {
		case SNPU_ELT_ADD: v = va + vb; break;
		case SNPU_ELT_SUB: v = va - vb; break;
		case SNPU_ELT_MUL: v = va * vb; break;
		case SNPU_ELT_DIV: v = va / vb; break;
		case SNPU_ELT_MAX: v = v4_sel((va > vb) | (va != va), va, vb); break;
		default: v = v4_sel((va < vb) | (va != va), va, vb); break;
		}
		if (relu)	/* x < 0 ? 0 : x */
			v = v4_sel(v < zero, zero, v);
		memcpy(out + j, &v, sizeof(v));
	}
	return j;
}

static void elt_rows(void *opaque, size_t begin, size_t end)
{
	const struct elt_run *r = opaque;
	const struct snpu_cmd_eltwise *cmd = r->cmd;
	uint32_t i0, i1, i2, j, d3 = r->out.dim[3];
	int fp32 = cmd->out.dtype == SNPU_DT_FP32, s8 = cmd->out.dtype == SNPU_DT_INT8;
	size_t row;

	for (row = begin; row < end; row++) {
		size_t ao, bo;

		if (te_cancelled())
			return;
		row_idx(&r->out, row, &i0, &i1, &i2);
		ao = te_off(&r->a, i0, i1, i2, 0);
		bo = te_off(&r->b, i0, i1, i2, 0);
		j = 0;
		if (fp32 && r->a.st[3] <= 1 && r->b.st[3] <= 1 &&
		    (cmd->act.fn == SNPU_ACT_NONE || cmd->act.fn == SNPU_ACT_RELU))
			j = (uint32_t)elt_row_f32_vec(cmd->op, cmd->act.fn == SNPU_ACT_RELU,
						      (const float *)r->a.data + ao, r->a.st[3] == 0,
						      (const float *)r->b.data + bo, r->b.st[3] == 0,
						      (float *)r->out.data + row * d3, d3);
		for (; j < d3; j++) {
			if (te_cancelled_at(j))
				return;
			size_t ai = ao + j * r->a.st[3], bi = bo + j * r->b.st[3];
			size_t o = row * d3 + j;

			if (s8 && r->pair) {
				((int8_t *)r->out.data)[o] = r->pair[
					(size_t)(uint8_t)(((const int8_t *)r->a.data)[ai] + 128) << 8 |
					(uint8_t)(((const int8_t *)r->b.data)[bi] + 128)];
			} else if (s8) {
				int32_t v = snpu_elt_s8_apply(&r->p, ((const int8_t *)r->a.data)[ai],
							      ((const int8_t *)r->b.data)[bi]);

				((int8_t *)r->out.data)[o] = (int8_t)snpu_clamp_s32(v, r->lo, r->hi);
			} else {
				float v = snpu_elt_f32(cmd->op, ((const float *)r->a.data)[ai],
						((const float *)r->b.data)[bi]);

				((float *)r->out.data)[o] = fp32 ? snpu_act_eval_f32(&cmd->act, v) :
					snpu_act_eval_lut(&cmd->act, r->lut, r->samples, v);
			}
		}
	}
}

enum snpu_err te_eltwise(struct te_cmd *c, const struct snpu_cmd_eltwise *cmd)
{
	const struct snpu_tensor *to = &cmd->out;
	struct elt_run r;
	enum snpu_err err = SNPU_OK;

	memset(&r, 0, sizeof(r));
	r.cmd = cmd;
	r.p = (struct snpu_elt_s8){
		cmd->op, cmd->left_shift, cmd->a.zero_point, cmd->a_mult, cmd->a_shift,
		cmd->b.zero_point, cmd->b_mult, cmd->b_shift, to->zero_point, cmd->out_mult,
		cmd->out_shift,
	};
	snpu_act_clamp_s8(&cmd->act, snpu_bits_f32(to->scale), to->zero_point, &r.lo, &r.hi);
	if (to->dtype == SNPU_DT_FP16)
		err = te_lut(c->x, snpu_act_lut_fn(cmd->act.fn), &r.lut, &r.samples);
	if (!err)
		err = te_load(c->x, &cmd->a, 1, TE_ALL_AXES, &r.a);
	if (!err)
		err = te_load(c->x, &cmd->b, 1, TE_ALL_AXES, &r.b);
	if (!err)
		err = te_alloc_out(c->x, to, 1, &r.out);
	if (!err && to->dtype == SNPU_DT_INT8 && nrows(&r.out) * r.out.dim[3] >= TE_ELT_PAIR_MIN) {
		r.pair = malloc(65536);	/* no memory: per element */
		if (r.pair)
			te_parallel_for(c->pool, 256, 16, elt_pair_rows, &r);
	}
	if (!err) {
		te_parallel_for(c->pool, nrows(&r.out), grain(&r.out, 1), elt_rows, &r);
		err = te_store(c->x, to, &r.out);
	}
	free(r.pair);
	te_view_free(&r.a);
	te_view_free(&r.b);
	te_view_free(&r.out);
	return err;
}

/* ---- activation ---- */
struct act_run {
	const struct snpu_cmd_activation *cmd;
	struct te_view in, out;
	const struct snpu_fw_lut *lut;
	const uint32_t *samples;
	int8_t table[256];
};

static void act_rows(void *opaque, size_t begin, size_t end)
{
	const struct act_run *r = opaque;
	uint32_t i0, i1, i2, j, d3 = r->out.dim[3];
	uint32_t dt = r->cmd->output.dtype;
	size_t row;

	for (row = begin; row < end; row++) {
		size_t io;

		if (te_cancelled())
			return;
		row_idx(&r->out, row, &i0, &i1, &i2);
		io = te_off(&r->in, i0, i1, i2, 0);
		for (j = 0; j < d3; j++) {
			if (te_cancelled_at(j))
				return;
			size_t ii = io + j * r->in.st[3], o = row * d3 + j;

			if (dt == SNPU_DT_INT8) {
				((int8_t *)r->out.data)[o] =
					r->table[((const int8_t *)r->in.data)[ii] + 128];
			} else {
				float v = ((const float *)r->in.data)[ii];

				((float *)r->out.data)[o] = dt == SNPU_DT_FP32 ?
					snpu_act_eval_f32(&r->cmd->act, v) :
					snpu_act_eval_lut(&r->cmd->act, r->lut, r->samples, v);
			}
		}
	}
}

enum snpu_err te_activation(struct te_cmd *c, const struct snpu_cmd_activation *cmd)
{
	const struct snpu_tensor *ti = &cmd->input, *to = &cmd->output;
	struct act_run r;
	enum snpu_err err = SNPU_OK;

	memset(&r, 0, sizeof(r));
	r.cmd = cmd;
	if (to->dtype != SNPU_DT_FP32)
		err = te_lut(c->x, snpu_act_lut_fn(cmd->act.fn), &r.lut, &r.samples);
	if (err)
		return err;
	if (to->dtype == SNPU_DT_INT8)
		snpu_act_table_s8(&cmd->act, r.lut, r.samples, snpu_bits_f32(ti->scale),
				  ti->zero_point, snpu_bits_f32(to->scale), to->zero_point, r.table);
	err = te_load(c->x, ti, 1, TE_ALL_AXES, &r.in);
	if (!err)
		err = te_alloc_out(c->x, to, 1, &r.out);
	if (!err) {
		te_parallel_for(c->pool, nrows(&r.out), grain(&r.out, 8), act_rows, &r);
		err = te_store(c->x, to, &r.out);
	}
	te_view_free(&r.in);
	te_view_free(&r.out);
	return err;
}

/* ---- softmax ---- */
struct smax_run {
	const struct snpu_cmd_softmax *cmd;
	struct te_view in, out;
	const struct snpu_fw_lut *lut;
	const uint32_t *samples;
	float e8[256];
	uint32_t odim[4];	/* output dims with the axis set to 1 */
};

static void smax_rows(void *opaque, size_t begin, size_t end)
{
	const struct smax_run *r = opaque;
	const struct snpu_cmd_softmax *cmd = r->cmd;
	uint32_t ax = cmd->axis, len = r->in.dim[ax], d[4], j;
	float beta = snpu_bits_f32(cmd->beta);
	size_t pos, is = r->in.st[ax], os = r->out.st[ax];

	for (pos = begin; pos < end; pos++) {
		size_t rem = pos, io, oo;
		float mx = -INFINITY, sum = 0.0f;
		int i;

		if (te_cancelled())
			return;
		for (i = 3; i >= 0; i--) {
			d[i] = (uint32_t)(rem % r->odim[i]);
			rem /= r->odim[i];
		}
		io = te_off(&r->in, d[0], d[1], d[2], d[3]);
		oo = te_off(&r->out, d[0], d[1], d[2], d[3]);
		if (cmd->output.dtype == SNPU_DT_INT8) {
			snpu_softmax_row_s8((const int8_t *)r->in.data + io, is,
					    (int8_t *)r->out.data + oo, os, len, r->e8,
					    snpu_bits_f32(cmd->output.scale), cmd->output.zero_point);
			continue;
		}
		{
			const float *x = (const float *)r->in.data + io;
			float *y = (float *)r->out.data + oo;
			int fp32 = cmd->output.dtype == SNPU_DT_FP32;

			for (j = 0; j < len; j++) {
				if (te_cancelled_at(j))
					return;
				mx = x[j * is] > mx ? x[j * is] : mx;
			}
			for (j = 0; j < len; j++) {
				float t = (x[j * is] - mx) * beta;

				t = fp32 ? expf(t) : snpu_lut_eval(r->lut, r->samples, t);
				y[j * os] = t;
				sum += t;
			}
			for (j = 0; j < len; j++)
				y[j * os] = y[j * os] / sum;
		}
	}
}

enum snpu_err te_softmax(struct te_cmd *c, const struct snpu_cmd_softmax *cmd)
{
	const struct snpu_tensor *ti = &cmd->input, *to = &cmd->output;
	struct smax_run r;
	enum snpu_err err = SNPU_OK;
	size_t n;

	memset(&r, 0, sizeof(r));
	r.cmd = cmd;
	if (to->dtype != SNPU_DT_FP32)
		err = te_lut(c->x, SNPU_LUT_EXP, &r.lut, &r.samples);
	if (err)
		return err;
	if (to->dtype == SNPU_DT_INT8)
		snpu_softmax_table_s8(r.lut, r.samples, snpu_bits_f32(ti->scale),
				      snpu_bits_f32(cmd->beta), r.e8);
	memcpy(r.odim, to->dim, sizeof(r.odim));
	r.odim[cmd->axis] = 1;
	n = (size_t)r.odim[0] * r.odim[1] * r.odim[2] * r.odim[3];
	err = te_load(c->x, ti, 1, TE_ALL_AXES, &r.in);
	if (!err)
		err = te_alloc_out(c->x, to, 1, &r.out);
	if (!err) {
		te_parallel_for(c->pool, n, 1 + 8192 / to->dim[cmd->axis], smax_rows, &r);
		err = te_store(c->x, to, &r.out);
	}
	te_view_free(&r.in);
	te_view_free(&r.out);
	return err;
}
