// SPDX-License-Identifier: MIT
/* CPU reference: move, pad and convert. */
#include <string.h>
#include "snpu_layout.h"
#include "snpu_quant.h"
#include "ref_internal.h"

#define FOR4(t, a, b, c, d) \
	for (a = 0; a < (t)->dim[0]; a++) for (b = 0; b < (t)->dim[1]; b++) \
	for (c = 0; c < (t)->dim[2]; c++) for (d = 0; d < (t)->dim[3]; d++)

static int run2(struct ref_ctx *c, const struct snpu_tensor *ti, struct ref_t *in,
		const struct snpu_tensor *to, struct ref_t *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = ref_load(c, ti, in);
	if (!err)
		err = ref_load(c, to, out);
	if (err) {
		ref_free(in);
		ref_free(out);
	}
	return err;
}

static int done2(struct ref_ctx *c, struct ref_t *in, struct ref_t *out)
{
	int err = ref_store(c, out);

	ref_free(in);
	ref_free(out);
	return err;
}

int ref_move(struct ref_ctx *c, const struct snpu_cmd_move *cmd)
{
	struct ref_t in, out;
	uint32_t a, b, y, x;
	int err = run2(c, &cmd->input, &in, &cmd->output, &out);

	if (err)
		return err;
	FOR4(&cmd->output, a, b, y, x)
		memcpy(ref_elem(&out, a, b, y, x), ref_elem(&in, a, b, y, x), out.esize);
	return done2(c, &in, &out);
}

/* Source index of output index o along an axis, or -1 for the constant. */
static int64_t pad_src(uint32_t mode, int64_t o, uint32_t before, uint32_t dim)
{
	int64_t j = o - before;

	if (j >= 0 && j < dim)
		return j;
	switch (mode) {
	case SNPU_PAD_EDGE:
		return j < 0 ? 0 : dim - 1;
	case SNPU_PAD_REFLECT:
		return j < 0 ? -j : 2 * ((int64_t)dim - 1) - j;
	default:
		return -1;
	}
}

int ref_pad(struct ref_ctx *c, const struct snpu_cmd_pad *cmd)
{
	struct ref_t in, out;
	uint32_t o[4];
	int err = run2(c, &cmd->input, &in, &cmd->output, &out);

	if (err)
		return err;
	FOR4(&cmd->output, o[0], o[1], o[2], o[3]) {
		int64_t s[4];
		int i, inside = 1;

		for (i = 0; i < 4; i++) {
			s[i] = pad_src(cmd->mode, o[i], cmd->before[i], cmd->input.dim[i]);
			inside &= s[i] >= 0;
		}
		if (inside)
			memcpy(ref_elem(&out, o[0], o[1], o[2], o[3]),
			       ref_elem(&in, (uint32_t)s[0], (uint32_t)s[1], (uint32_t)s[2],
					(uint32_t)s[3]), out.esize);
		else	/* little-endian low bytes of value */
			memcpy(ref_elem(&out, o[0], o[1], o[2], o[3]), &cmd->value, out.esize);
	}
	return done2(c, &in, &out);
}

int ref_convert(struct ref_ctx *c, const struct snpu_cmd_convert *cmd)
{
	const struct snpu_tensor *ti = &cmd->input, *to = &cmd->output;
	struct ref_t in, out;
	uint32_t a, b, y, x;
	int err = run2(c, ti, &in, to, &out);

	if (err)
		return err;
	FOR4(to, a, b, y, x) {
		if (ti->dtype == SNPU_DT_INT8 && to->dtype == SNPU_DT_INT8)
			ref_seti(&out, a, b, y, x,
				 snpu_requantize_s8(ref_geti(&in, a, b, y, x), ref_scale(ti),
						    ti->zero_point, ref_scale(to), to->zero_point));
		else if (ti->dtype == SNPU_DT_INT8)
			ref_setf(&out, a, b, y, x,
				 snpu_dequantize_s8(ref_geti(&in, a, b, y, x), ref_scale(ti),
						    ti->zero_point));
		else if (to->dtype == SNPU_DT_INT8)
			ref_seti(&out, a, b, y, x,
				 snpu_quantize_f32(ref_getf(&in, a, b, y, x), ref_scale(to),
						   to->zero_point));
		else if (ti->dtype == SNPU_DT_INT32)
			ref_setf(&out, a, b, y, x, (float)ref_geti(&in, a, b, y, x));
		else	/* fp32 <-> fp16 */
			ref_setf(&out, a, b, y, x, ref_getf(&in, a, b, y, x));
	}
	return done2(c, &in, &out);
}
