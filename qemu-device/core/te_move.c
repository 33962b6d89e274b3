// SPDX-License-Identifier: MIT
/* MOVE, PAD and CONVERT commands: element copies between staged views. */
#include <string.h>
#include "snpu_layout.h"
#include "snpu_quant.h"
#include "te_internal.h"

struct mv_run {
	const struct snpu_cmd_header *h;
	const struct snpu_tensor *ti, *to;
	struct te_view in, out;
};

static void copy_e(uint8_t *d, const uint8_t *s, uint32_t esize)
{
	memcpy(d, s, esize);
}

/* Source index of output index o along an axis, or -1 for the constant. */
static int64_t pad_src(uint32_t mode, int64_t o, uint32_t before, uint32_t dim)
{
	int64_t j = o - before;

	if (j >= 0 && j < dim)
		return j;
	if (mode == SNPU_PAD_EDGE)
		return j < 0 ? 0 : (int64_t)dim - 1;
	if (mode == SNPU_PAD_REFLECT)
		return j < 0 ? -j : 2 * ((int64_t)dim - 1) - j;
	return -1;
}

static void convert_one(const struct snpu_tensor *ti, const struct snpu_tensor *to,
			const uint8_t *s, uint8_t *d)
{
	float f;
	uint16_t h;
	int32_t i;

	switch (ti->dtype) {
	case SNPU_DT_FP32:
		memcpy(&f, s, 4);
		if (to->dtype == SNPU_DT_INT8) {
			*(int8_t *)d = snpu_quantize_f32(f, snpu_bits_f32(to->scale), to->zero_point);
		} else {
			h = snpu_f32_to_f16(f);
			memcpy(d, &h, 2);
		}
		return;
	case SNPU_DT_FP16:
		memcpy(&h, s, 2);
		f = snpu_f16_to_f32(h);
		memcpy(d, &f, 4);
		return;
	case SNPU_DT_INT8:
		if (to->dtype == SNPU_DT_INT8) {
			*(int8_t *)d = snpu_requantize_s8(*(const int8_t *)s, snpu_bits_f32(ti->scale),
							  ti->zero_point, snpu_bits_f32(to->scale),
							  to->zero_point);
		} else {
			f = snpu_dequantize_s8(*(const int8_t *)s, snpu_bits_f32(ti->scale),
					       ti->zero_point);
			memcpy(d, &f, 4);
		}
		return;
	default:	/* INT32 -> FP32 */
		memcpy(&i, s, 4);
		f = (float)i;
		memcpy(d, &f, 4);
		return;
	}
}

static void mv_rows(void *opaque, size_t begin, size_t end)
{
	const struct mv_run *r = opaque;
	const struct te_view *in = &r->in, *out = &r->out;
	uint32_t d1 = out->dim[1], d2 = out->dim[2], d3 = out->dim[3], o[4];
	size_t row;

	for (row = begin; row < end; row++) {
		if (te_cancelled())
			return;
		o[0] = (uint32_t)(row / ((size_t)d1 * d2));
		o[1] = (uint32_t)(row / d2 % d1);
		o[2] = (uint32_t)(row % d2);
		for (o[3] = 0; o[3] < d3; o[3]++) {
			if (te_cancelled_at(o[3]))
				return;
			uint8_t *dst = (uint8_t *)out->data + (row * d3 + o[3]) * out->esize;

			if (r->h->opcode == SNPU_OP_PAD) {
				const struct snpu_cmd_pad *p = (const void *)r->h;
				int64_t s[4];
				int i, inside = 1;

				for (i = 0; i < 4; i++) {
					s[i] = pad_src(p->mode, o[i], p->before[i], in->dim[i]);
					inside &= s[i] >= 0;
				}
				if (inside)
					copy_e(dst, (const uint8_t *)in->data + in->esize *
					       te_off(in, (uint32_t)s[0], (uint32_t)s[1],
						      (uint32_t)s[2], (uint32_t)s[3]), out->esize);
				else
					memcpy(dst, &p->value, out->esize);	/* low bytes (LE) */
				continue;
			}
			{
				const uint8_t *src = (const uint8_t *)in->data +
					in->esize * te_off(in, o[0], o[1], o[2], o[3]);

				if (r->h->opcode == SNPU_OP_MOVE)
					copy_e(dst, src, out->esize);
				else
					convert_one(r->ti, r->to, src, dst);
			}
		}
	}
}

static enum snpu_err run(struct te_cmd *c, const struct snpu_cmd_header *h,
			 const struct snpu_tensor *ti, const struct snpu_tensor *to)
{
	struct mv_run r;
	enum snpu_err err;

	memset(&r, 0, sizeof(r));
	r.h = h;
	r.ti = ti;
	r.to = to;
	err = te_load(c->x, ti, 0, TE_ALL_AXES, &r.in);
	if (!err)
		err = te_alloc_out(c->x, to, 0, &r.out);
	if (!err) {
		te_parallel_for(c->pool, (size_t)to->dim[0] * to->dim[1] * to->dim[2],
				1 + 16384 / to->dim[3], mv_rows, &r);
		err = te_store(c->x, to, &r.out);
	}
	te_view_free(&r.in);
	te_view_free(&r.out);
	return err;
}

enum snpu_err te_move(struct te_cmd *c, const struct snpu_cmd_move *cmd)
{
	return run(c, &cmd->hdr, &cmd->input, &cmd->output);
}

enum snpu_err te_pad(struct te_cmd *c, const struct snpu_cmd_pad *cmd)
{
	return run(c, &cmd->hdr, &cmd->input, &cmd->output);
}

enum snpu_err te_convert(struct te_cmd *c, const struct snpu_cmd_convert *cmd)
{
	return run(c, &cmd->hdr, &cmd->input, &cmd->output);
}
