/* SPDX-License-Identifier: MIT */
/*
 * Messages for commands the shared validator (uapi/snpu_cmd_regions.h)
 * refuses. The validator decides; this file only says which operand,
 * which axis and which values made it refuse, by asking the validator's
 * own per-part checks (tensor, epilogue, activation) and comparing the
 * dims the failed relation involves.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "encode.h"
#include "snpu_cmd_regions.h"

struct ex {
	char *out;
	size_t len;
	bool done;
};

static bool say(struct ex *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool say(struct ex *x, const char *fmt, ...)
{
	va_list ap;

	if (x->done)
		return true;
	va_start(ap, fmt);
	vsnprintf(x->out, x->len, fmt, ap);
	va_end(ap);
	x->done = true;
	return true;
}

static const char *dt_name(uint32_t dt)
{
	static const char *const names[] = { "fp32", "fp16", "int8", "int32", "uint8" };

	return dt < sizeof(names) / sizeof(names[0]) ? names[dt] : "an unknown dtype";
}

static float f32(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* The validator's tensor check on one operand, explained. */
static bool tensor(struct ex *x, const char *name, const struct snpu_tensor *t, int write)
{
	struct snpu_cmd_regions r = { 0 };
	int err = snpu__tensor(&r, t, (uint32_t)write, name);

	if (!err)
		return false;
	for (int i = 0; i < 4; i++)
		if (!t->dim[i])
			return say(x, "operand '%s' dim[%d] is 0 (unused axes have dim 1)", name, i);
	if (write && !snpu_tensor_distinct(t))
		return say(x, "operand '%s' (an output): dims (%u,%u,%u,%u) with strides "
			   "(%u,%u,%u,%u) put two elements at one address (a stride of 0 "
			   "broadcasts, which only an input may do)", name, t->dim[0], t->dim[1],
			   t->dim[2], t->dim[3], t->stride[0], t->stride[1], t->stride[2],
			   t->stride[3]);
	if (t->dtype == SNPU_DT_INT8 && err == SNPU_ERR_SHAPE)
		return say(x, "operand '%s': int8 zero_point %d / scale %g: %s", name,
			   t->zero_point, (double)f32(t->scale), r.why);
	return say(x, "operand '%s': %s", name, r.why);
}

static const char *axis_label(const char *const *axes, int i)
{
	return axes && axes[i] ? axes[i] : "";
}

/* First axis where a and b differ. */
static bool same_dims(struct ex *x, const char *na, const struct snpu_tensor *a, const char *nb,
		      const struct snpu_tensor *b, const char *const *axes)
{
	for (int i = 0; i < 4; i++)
		if (a->dim[i] != b->dim[i])
			return say(x, "operand '%s' dim[%d]%s is %u but operand '%s' dim[%d] is %u",
				   na, i, axis_label(axes, i), a->dim[i], nb, i, b->dim[i]);
	return false;
}

/* Broadcasting inputs: each axis equal to out's, or 1. */
static bool bcast(struct ex *x, const char *na, const struct snpu_tensor *in, const char *nout,
		  const struct snpu_tensor *out, int first, int last, const char *what)
{
	for (int i = first; i <= last; i++)
		if (in->dim[i] != out->dim[i] && in->dim[i] != 1)
			return say(x, "operand '%s' dim[%d]%s is %u but operand '%s' dim[%d] is %u "
				   "(must be equal, or 1 to broadcast)", na, i, what, in->dim[i], nout,
				   i, out->dim[i]);
	return false;
}

static bool quant_same(struct ex *x, const char *na, const struct snpu_tensor *a, const char *nb,
		       const struct snpu_tensor *b)
{
	if (a->zero_point == b->zero_point && a->scale == b->scale)
		return false;
	return say(x, "operand '%s' (scale %g, zero point %d) and operand '%s' (scale %g, zero "
		   "point %d) must be quantized alike", na, (double)f32(a->scale), a->zero_point,
		   nb, (double)f32(b->scale), b->zero_point);
}

static bool mac_types(struct ex *x, const char *const n[3], const struct snpu_tensor *in,
		      const struct snpu_tensor *w, const struct snpu_tensor *out)
{
	struct snpu_cmd_regions r = { 0 };

	if (!snpu__mac_types(&r, in, w, out))
		return false;
	if (in->dtype == w->dtype && in->dtype == out->dtype && in->dtype == SNPU_DT_INT8)
		return say(x, "operand '%s' (int8 weights) has zero_point %d: int8 weights are "
			   "symmetric, zero_point must be 0", n[1], w->zero_point);
	return say(x, "operands must be all fp32, all fp16 or all int8: '%s' is %s, '%s' is %s, "
		   "'%s' is %s", n[0], dt_name(in->dtype), n[1], dt_name(w->dtype), n[2],
		   dt_name(out->dtype));
}

static bool act(struct ex *x, const char *where, const struct snpu_act_params *a)
{
	struct snpu_cmd_regions r = { 0 };

	if (!snpu__act(&r, a))
		return false;
	return say(x, "%sactivation %u (alpha %g, min %g, max %g): %s", where, a->fn,
		   (double)f32(a->alpha), (double)f32(a->min), (double)f32(a->max), r.why);
}

static bool epi(struct ex *x, const struct snpu_epilogue *e, const char *nout,
		const struct snpu_tensor *out, uint32_t nch)
{
	struct snpu_cmd_regions r = { 0 };

	if (!snpu__epi(&r, e, out, nch))
		return false;
	if (e->flags & SNPU_EPI_RESIDUAL) {
		if (e->residual.dtype != out->dtype)
			return say(x, "operand 'residual' is %s but operand '%s' is %s",
				   dt_name(e->residual.dtype), nout, dt_name(out->dtype));
		if (tensor(x, "residual", &e->residual, 0) ||
		    same_dims(x, "residual", &e->residual, nout, out, NULL))
			return true;
	}
	if (act(x, "epilogue: ", &e->act))
		return true;
	return say(x, "epilogue: %s (flags 0x%x, requant_mult %d, requant_shift %d, res_mult %d, "
		   "res_shift %d, pre_scale %g, pre_zero_point %d)", r.why, e->flags,
		   e->requant_mult, e->requant_shift, e->res_mult, e->res_shift,
		   (double)f32(e->pre_scale), e->pre_zero_point);
}

static const char *const nchw[4] = { " (N)", " (C)", " (H)", " (W)" };

static bool window(struct ex *x, const char *nout, const struct snpu_tensor *out, int axis,
		   uint32_t in, uint32_t pad0, uint32_t pad1, uint32_t k, uint32_t dil,
		   uint32_t stride)
{
	uint64_t want = snpu_window_out(in, pad0, pad1, k, dil, stride);

	if (out->dim[axis] == want)
		return false;
	return say(x, "operand '%s' dim[%d]%s is %u but the window gives %llu (input %u, pads "
		   "%u+%u, kernel %u, dilation %u, stride %u)", nout, axis, nchw[axis],
		   out->dim[axis], (unsigned long long)want, in, pad0, pad1, k, dil, stride);
}

static void conv(struct ex *x, const struct snpu_cmd_conv2d *c)
{
	static const char *const n[3] = { "input", "weight", "output" };
	uint32_t g = c->groups;

	if (tensor(x, "input", &c->input, 0) || tensor(x, "weight", &c->weight, 0) ||
	    tensor(x, "output", &c->output, 1) || mac_types(x, n, &c->input, &c->weight, &c->output))
		return;
	if (g == 0 || c->input.dim[1] % g || c->weight.dim[0] % g) {
		say(x, "groups %u must divide operand 'input' dim[1] (C) %u and operand 'weight' "
		    "dim[0] (O) %u", g, c->input.dim[1], c->weight.dim[0]);
		return;
	}
	if (c->weight.dim[1] != c->input.dim[1] / g) {
		say(x, "operand 'weight' dim[1] is %u but operand 'input' dim[1] (C) %u / groups %u "
		    "is %u", c->weight.dim[1], c->input.dim[1], g, c->input.dim[1] / g);
		return;
	}
	if (c->output.dim[0] != c->input.dim[0]) {
		say(x, "operand 'output' dim[0] (N) is %u but operand 'input' dim[0] (N) is %u",
		    c->output.dim[0], c->input.dim[0]);
		return;
	}
	if (c->output.dim[1] != c->weight.dim[0]) {
		say(x, "operand 'output' dim[1] (C) is %u but operand 'weight' dim[0] (O) is %u",
		    c->output.dim[1], c->weight.dim[0]);
		return;
	}
	if (window(x, "output", &c->output, 2, c->input.dim[2], c->pad_top, c->pad_bottom,
		   c->weight.dim[2], c->dilation_h, c->stride_h) ||
	    window(x, "output", &c->output, 3, c->input.dim[3], c->pad_left, c->pad_right,
		   c->weight.dim[3], c->dilation_w, c->stride_w))
		return;
	epi(x, &c->epi, "output", &c->output, c->output.dim[1]);
}

static void gemm(struct ex *x, const struct snpu_cmd_gemm *c)
{
	static const char *const n[3] = { "a", "b", "c" };

	if (tensor(x, "a", &c->a, 0) || tensor(x, "b", &c->b, 0) || tensor(x, "c", &c->c, 1) ||
	    mac_types(x, n, &c->a, &c->b, &c->c) ||
	    bcast(x, "a", &c->a, "c", &c->c, 0, 1, " (batch)") ||
	    bcast(x, "b", &c->b, "c", &c->c, 0, 1, " (batch)"))
		return;
	if (c->a.dim[3] != c->b.dim[2]) {
		say(x, "operand 'b' dim[2] (K) is %u but operand 'a' dim[3] (K) is %u", c->b.dim[2],
		    c->a.dim[3]);
		return;
	}
	if (c->a.dim[2] != c->c.dim[2]) {
		say(x, "operand 'c' dim[2] (M) is %u but operand 'a' dim[2] (M) is %u", c->c.dim[2],
		    c->a.dim[2]);
		return;
	}
	if (c->b.dim[3] != c->c.dim[3]) {
		say(x, "operand 'c' dim[3] (N) is %u but operand 'b' dim[3] (N) is %u", c->c.dim[3],
		    c->b.dim[3]);
		return;
	}
	epi(x, &c->epi, "c", &c->c, c->c.dim[3]);
}

static void pool(struct ex *x, const struct snpu_cmd_pool *c)
{
	if (tensor(x, "input", &c->input, 0) || tensor(x, "output", &c->output, 1))
		return;
	if (c->input.dtype != c->output.dtype) {
		say(x, "operand 'input' is %s but operand 'output' is %s", dt_name(c->input.dtype),
		    dt_name(c->output.dtype));
		return;
	}
	if (quant_same(x, "input", &c->input, "output", &c->output))
		return;
	if (c->output.dim[0] != c->input.dim[0] || c->output.dim[1] != c->input.dim[1]) {
		same_dims(x, "output", &c->output, "input", &c->input, nchw);
		return;
	}
	if (c->kernel_h && c->stride_h && c->pad_top < c->kernel_h && c->pad_bottom < c->kernel_h &&
	    c->kernel_w && c->stride_w && c->pad_left < c->kernel_w && c->pad_right < c->kernel_w &&
	    !window(x, "output", &c->output, 2, c->input.dim[2], c->pad_top, c->pad_bottom,
		    c->kernel_h, 1, c->stride_h))
		window(x, "output", &c->output, 3, c->input.dim[3], c->pad_left, c->pad_right,
		       c->kernel_w, 1, c->stride_w);
}

static void eltwise(struct ex *x, const struct snpu_cmd_eltwise *c)
{
	if (tensor(x, "a", &c->a, 0) || tensor(x, "b", &c->b, 0) || tensor(x, "out", &c->out, 1))
		return;
	if (c->a.dtype != c->out.dtype || c->b.dtype != c->out.dtype) {
		say(x, "operands 'a' (%s), 'b' (%s) and 'out' (%s) must have one dtype",
		    dt_name(c->a.dtype), dt_name(c->b.dtype), dt_name(c->out.dtype));
		return;
	}
	if (bcast(x, "a", &c->a, "out", &c->out, 0, 3, "") ||
	    bcast(x, "b", &c->b, "out", &c->out, 0, 3, ""))
		return;
	if (c->out.dtype == SNPU_DT_INT8 && (c->op == SNPU_ELT_MAX || c->op == SNPU_ELT_MIN) &&
	    (quant_same(x, "a", &c->a, "out", &c->out) || quant_same(x, "b", &c->b, "out", &c->out)))
		return;
	act(x, "", &c->act);
}

/* ACTIVATION, SOFTMAX, MOVE, CONVERT, PAD: input and output. */
static void unary(struct ex *x, const struct snpu_cmd_header *h, const struct snpu_tensor *in,
		  const struct snpu_tensor *out)
{
	if (tensor(x, "input", in, 0) || tensor(x, "output", out, 1))
		return;
	if (h->opcode == SNPU_OP_PAD) {
		const struct snpu_cmd_pad *c = (const void *)h;

		for (int i = 0; i < 4; i++) {
			uint64_t need = (uint64_t)in->dim[i] + c->before[i];

			if (out->dim[i] < need) {
				say(x, "operand 'output' dim[%d] is %u but operand 'input' dim[%d] %u "
				    "+ before[%d] %u is %llu", i, out->dim[i], i, in->dim[i], i,
				    c->before[i], (unsigned long long)need);
				return;
			}
		}
	} else if (same_dims(x, "output", out, "input", in, NULL)) {
		return;
	}
	if (h->opcode == SNPU_OP_CONVERT) {
		if (!snpu__convert_ok(in->dtype, out->dtype))
			say(x, "conversion %s -> %s is not supported", dt_name(in->dtype),
			    dt_name(out->dtype));
		return;
	}
	if (in->dtype != out->dtype) {
		say(x, "operand 'input' is %s but operand 'output' is %s", dt_name(in->dtype),
		    dt_name(out->dtype));
		return;
	}
	if (h->opcode == SNPU_OP_MOVE || h->opcode == SNPU_OP_PAD)
		quant_same(x, "input", in, "output", out);
	else if (h->opcode == SNPU_OP_ACTIVATION)
		act(x, "", &((const struct snpu_cmd_activation *)h)->act);
}

void accel__explain(const struct snpu_cmd_header *h, uint32_t size, int err, const char *why,
		    char *out, size_t len)
{
	struct ex x = { .out = out, .len = len };

	out[0] = '\0';
	if (size >= sizeof(*h) && size >= snpu_cmd_struct_size(h->opcode) &&
	    snpu_cmd_struct_size(h->opcode)) {
		switch (h->opcode) {
		case SNPU_OP_CONV2D: conv(&x, (const void *)h); break;
		case SNPU_OP_GEMM: gemm(&x, (const void *)h); break;
		case SNPU_OP_POOL: pool(&x, (const void *)h); break;
		case SNPU_OP_ELTWISE: eltwise(&x, (const void *)h); break;
		case SNPU_OP_ACTIVATION: {
			const struct snpu_cmd_activation *c = (const void *)h;

			unary(&x, h, &c->input, &c->output);
			break;
		}
		case SNPU_OP_SOFTMAX: {
			const struct snpu_cmd_softmax *c = (const void *)h;

			unary(&x, h, &c->input, &c->output);
			break;
		}
		case SNPU_OP_MOVE: {
			const struct snpu_cmd_move *c = (const void *)h;

			unary(&x, h, &c->input, &c->output);
			break;
		}
		case SNPU_OP_PAD: {
			const struct snpu_cmd_pad *c = (const void *)h;

			unary(&x, h, &c->input, &c->output);
			break;
		}
		case SNPU_OP_CONVERT: {
			const struct snpu_cmd_convert *c = (const void *)h;

			unary(&x, h, &c->input, &c->output);
			break;
		}
		default:
			break;
		}
	}
	/* The validator's own words name the field for everything else. */
	say(&x, "%s (%s)", why && *why ? why : "refused", accel_hw_error_name((uint32_t)err));
}
