/* SPDX-License-Identifier: MIT */
/*
 * The one encoder of every SNPU command (uapi/snpu_cmd.h): checks the
 * arguments, resolves each buffer reference to a device VA (recording the
 * buffer and the access the command needs) and appends the descriptor.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "encode.h"
#include "snpu_cmd.h"
#include "snpu_cmd_regions.h"
#include "snpu_regs.h"

#define SAME(a, b) _Static_assert((int)(a) == (int)(b), #a " follows the hardware")
SAME(ACCEL_DT_UINT8, SNPU_DT_UINT8);
SAME(ACCEL_DT_COUNT, SNPU_DT_COUNT);
SAME(ACCEL_ACT_SILU, SNPU_ACT_SILU);
SAME(ACCEL_ACT_COUNT, SNPU_ACT_COUNT);
SAME(ACCEL_ELT_MIN, SNPU_ELT_MIN);
SAME(ACCEL_ELT_COUNT, SNPU_ELT_COUNT);
SAME(ACCEL_POOL_AVG, SNPU_POOL_AVG);
SAME(ACCEL_POOL_COUNT_PAD, SNPU_POOL_COUNT_PAD);
SAME(ACCEL_PAD_REFLECT, SNPU_PAD_REFLECT);
SAME(ACCEL_WAIT_EQ, SNPU_WAIT_EQ);
SAME(ACCEL_EPI_BIAS, SNPU_EPI_BIAS);
SAME(ACCEL_EPI_PER_CHANNEL, SNPU_EPI_PER_CHANNEL);
SAME(ACCEL_EPI_RESIDUAL, SNPU_EPI_RESIDUAL);

#define MAX_OPERANDS 8

/* One command being encoded: its operands' buffers, and the first error. */
struct enc {
	accel_cmdbuf *cb;
	const char *cmd;
	struct accel_bufref refs[MAX_OPERANDS];
	size_t nrefs;
	accel_status st;
};

static bool bad(struct enc *e, accel_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool bad(struct enc *e, accel_status st, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (e->st)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->st = accel__fail(st, "accel_cmd_%s: %s", e->cmd, msg);
	return false;
}

const char *accel_opcode_name(unsigned int op)
{
	const char *n = accel__opcode_name(op > 0xffff ? 0xffff : (uint16_t)op);

	return strcmp(n, "unknown") ? n : NULL;
}

const char *accel__opcode_name(uint16_t op)
{
	switch (op) {
	case SNPU_OP_NOP: return "nop";
	case SNPU_OP_DMA_COPY: return "dma_copy";
	case SNPU_OP_DMA_FILL: return "dma_fill";
	case SNPU_OP_CONV2D: return "conv2d";
	case SNPU_OP_GEMM: return "gemm";
	case SNPU_OP_POOL: return "pool";
	case SNPU_OP_ELTWISE: return "eltwise";
	case SNPU_OP_ACTIVATION: return "activation";
	case SNPU_OP_SOFTMAX: return "softmax";
	case SNPU_OP_MOVE: return "move";
	case SNPU_OP_PAD: return "pad";
	case SNPU_OP_CONVERT: return "convert";
	case SNPU_OP_FENCE: return "fence";
	case SNPU_OP_WAIT: return "wait";
	case SNPU_OP_TIMESTAMP: return "timestamp";
	case SNPU_OP_COUNTERS: return "counters";
	default: return "unknown";
	}
}

uint32_t accel_dtype_size(accel_dtype dt)
{
	return snpu_dtype_size((uint32_t)dt);
}

static uint32_t fbits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

/* Resolve operand `what` for `bytes` bytes with `access`; 0 VA after an
 * error. */
static uint64_t resolve(struct enc *e, const char *what, accel_ref ref, uint64_t bytes,
			unsigned int access)
{
	accel_device *dev = e->cb->dev;
	accel_buffer *buf = ref.buf;

	if (e->st)
		return 0;
	if (ref.reserved)
		return bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s': accel_ref.reserved is not zero",
			   what), 0;
	if (ref.space == ACCEL_SPACE_SRAM) {
		if (buf)
			return bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s': an SRAM reference with a "
				   "buffer (build it with accel_ref_sram(offset))", what), 0;
		if (ref.offset > dev->sram_size || bytes > dev->sram_size - ref.offset)
			return bad(e, ACCEL_ERR_OUT_OF_RANGE, "operand '%s': SRAM bytes [%llu, +%llu) "
				   "outside the %llu-byte scratchpad", what,
				   (unsigned long long)ref.offset, (unsigned long long)bytes,
				   (unsigned long long)dev->sram_size), 0;
		return dev->sram_va + ref.offset;
	}
	if (ref.space != ACCEL_SPACE_BUFFER)
		return bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s': unknown space %u", what,
			   ref.space), 0;
	if (!buf)
		return bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s' has no buffer (use "
			   "accel_ref_buffer(buf, offset), or accel_ref_sram(offset) for the "
			   "scratchpad)", what), 0;
	if (buf->bo->dev != dev)
		return bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s': buffer of %s used on %s", what,
			   buf->bo->dev->name, dev->name), 0;
	if (ref.offset > buf->size || bytes > buf->size - ref.offset)
		return bad(e, ACCEL_ERR_OUT_OF_RANGE, "operand '%s': bytes [%llu, +%llu) outside the "
			   "%llu-byte buffer", what, (unsigned long long)ref.offset,
			   (unsigned long long)bytes, (unsigned long long)buf->size), 0;
	if ((access & ACCEL_ACCESS_WRITE) && (buf->bo->flags & ACCEL_MEM_READ_ONLY))
		return bad(e, ACCEL_ERR_PERMISSION, "operand '%s': the command writes a READ_ONLY "
			   "buffer", what), 0;
	for (size_t i = 0; i < e->nrefs; i++) {
		if (e->refs[i].buf == buf) {
			e->refs[i].access |= access;
			return accel_buffer_va(buf) + ref.offset;
		}
	}
	e->refs[e->nrefs].buf = buf;
	e->refs[e->nrefs].access = access;
	e->nrefs++;
	return accel_buffer_va(buf) + ref.offset;
}

static void tensor(struct enc *e, const char *what, const accel_tensor *t, unsigned int access,
		   struct snpu_tensor *out)
{
	uint32_t esize, stride[4];
	uint64_t last = 0;

	memset(out, 0, sizeof(*out));
	if (e->st)
		return;
	if (!t) {
		bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s' is a NULL tensor", what);
		return;
	}
	if (!accel__all_zero(t->reserved, sizeof(t->reserved))) {
		bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s': accel_tensor.reserved is not zero",
		    what);
		return;
	}
	esize = accel_dtype_size(t->dtype);
	if (!esize) {
		bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s': unknown dtype %d", what, (int)t->dtype);
		return;
	}
	for (int i = 0; i < 4; i++)
		if (!t->dim[i]) {
			bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s' dim[%d] is 0 (unused axes have "
			    "dim 1)", what, i);
			return;
		}
	if (!t->stride[0] && !t->stride[1] && !t->stride[2] && !t->stride[3]) {
		uint64_t s = 1;

		for (int i = 3; i >= 0; i--) {
			if (s > UINT32_MAX) {
				bad(e, ACCEL_ERR_OUT_OF_RANGE, "operand '%s': tensor too large for "
				    "32-bit strides", what);
				return;
			}
			stride[i] = (uint32_t)s;
			s *= t->dim[i];
		}
	} else {
		memcpy(stride, t->stride, sizeof(stride));
	}
	for (int i = 0; i < 4; i++)
		last += (uint64_t)(t->dim[i] - 1) * stride[i];
	if (t->dtype == ACCEL_DT_INT8) {
		if (t->zero_point < -128 || t->zero_point > 127) {
			bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s': int8 zero_point %d outside "
			    "-128..127", what, t->zero_point);
			return;
		}
		if (!(t->scale > 0.0f) || !isfinite(t->scale)) {
			bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s': int8 scale %g must be finite "
			    "and > 0", what, (double)t->scale);
			return;
		}
		out->zero_point = t->zero_point;
		out->scale = fbits(t->scale);
	}
	out->addr = resolve(e, what, t->mem, (last + 1) * esize, access);
	memcpy(out->dim, t->dim, sizeof(out->dim));
	memcpy(out->stride, stride, sizeof(out->stride));
	out->dtype = (uint8_t)t->dtype;
}

static void act(struct enc *e, const accel_act *a, struct snpu_act_params *out)
{
	memset(out, 0, sizeof(*out));
	if (!a)
		return;		/* NULL = no activation */
	if (!accel__all_zero(a->reserved, sizeof(a->reserved))) {
		bad(e, ACCEL_ERR_INVALID_ARG, "accel_act.reserved is not zero");
		return;
	}
	if ((unsigned int)a->fn >= ACCEL_ACT_COUNT) {
		bad(e, ACCEL_ERR_INVALID_ARG, "unknown activation %d", (int)a->fn);
		return;
	}
	out->fn = (uint32_t)a->fn;
	out->alpha = fbits(a->alpha);
	out->min = fbits(a->min);
	out->max = fbits(a->max);
}

/* Epilogue for `channels` output channels. */
static void epilogue(struct enc *e, const accel_epilogue *p, uint32_t channels,
		     accel_dtype out_dt, struct snpu_epilogue *out)
{
	memset(out, 0, sizeof(*out));
	if (!accel__all_zero(p->reserved, sizeof(p->reserved))) {
		bad(e, ACCEL_ERR_INVALID_ARG, "epilogue: accel_epilogue.reserved is not zero");
		return;
	}
	if (p->flags & ~SNPU_EPI_FLAGS_VALID) {
		bad(e, ACCEL_ERR_INVALID_ARG, "epilogue: unknown flags 0x%x",
		    p->flags & ~SNPU_EPI_FLAGS_VALID);
		return;
	}
	out->flags = p->flags;
	if (p->flags & ACCEL_EPI_BIAS)
		out->bias_addr = resolve(e, "bias", p->bias, (uint64_t)channels * 4,
					 ACCEL_ACCESS_READ);
	if (p->flags & ACCEL_EPI_PER_CHANNEL) {
		if (out_dt != ACCEL_DT_INT8)
			bad(e, ACCEL_ERR_INVALID_ARG, "epilogue: PER_CHANNEL needs an int8 output");
		out->requant_addr = resolve(e, "requant", p->requant,
					    (uint64_t)channels * sizeof(struct snpu_requant),
					    ACCEL_ACCESS_READ);
	}
	if (p->flags & ACCEL_EPI_RESIDUAL)
		tensor(e, "residual", &p->residual, ACCEL_ACCESS_READ, &out->residual);
	/* int8 outputs: a zero multiplier would make every output the zero
	 * point, a silent wrong result. */
	if (out_dt == ACCEL_DT_INT8 && !(p->flags & ACCEL_EPI_PER_CHANNEL) && !p->requant_mult)
		bad(e, ACCEL_ERR_INVALID_ARG, "epilogue: requant_mult is 0 with an int8 output "
		    "(every output would be the zero point); compute (requant_mult, "
		    "requant_shift) with accel_quant_requant()");
	if (out_dt == ACCEL_DT_INT8 && (p->flags & ACCEL_EPI_RESIDUAL) && !p->res_mult)
		bad(e, ACCEL_ERR_INVALID_ARG, "epilogue: res_mult is 0 with ACCEL_EPI_RESIDUAL on an "
		    "int8 output (the residual would be ignored); compute it with "
		    "accel_quant_residual()");
	out->requant_mult = p->requant_mult;
	out->requant_shift = p->requant_shift;
	out->res_mult = p->res_mult;
	out->res_shift = p->res_shift;
	if (out_dt == ACCEL_DT_INT8) {
		out->pre_scale = fbits(p->pre_scale);
		out->pre_zero_point = p->pre_zero_point;
	}
	act(e, &p->act, &out->act);
}

/* Complete the header, run the device's validator, append. */
static accel_status finish(struct enc *e, void *cmd, size_t size, uint16_t opcode)
{
	struct snpu_cmd_header *h = cmd;
	struct snpu_cmd_regions regs;
	char msg[400];
	int err;

	if (e->st)
		return e->st;
	h->opcode = opcode;
	h->size = (uint16_t)size;
	h->flags = 0;
	err = snpu_cmd_check(h, (uint32_t)size, &regs);
	if (err) {
		accel__explain(h, (uint32_t)size, err, regs.why, msg, sizeof(msg));
		return accel__fail(err == SNPU_ERR_OVERFLOW ? ACCEL_ERR_OUT_OF_RANGE :
				   ACCEL_ERR_INVALID_ARG, "accel_cmd_%s: %s", e->cmd, msg);
	}
	return accel__cmdbuf_append(e->cb, cmd, size, e->refs, e->nrefs);
}

#define BEGIN(name)                                                                 \
	struct enc e = { .cb = cb, .cmd = name };                                   \
	if (!cb)                                                                    \
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_cmd_%s: NULL command " \
				   "buffer", name)

#define NEED(p)                                                                     \
	do {                                                                        \
		if (!(p))                                                           \
			return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_cmd_%s: NULL " \
					   #p, e.cmd);                                \
	} while (0)

accel_status accel_cmd_nop(accel_cmdbuf *cb)
{
	struct snpu_cmd_header c = { 0 };
	BEGIN("nop");
	return finish(&e, &c, sizeof(c), SNPU_OP_NOP);
}

accel_status accel_cmd_copy_2d(accel_cmdbuf *cb, accel_ref dst, uint32_t dst_stride, accel_ref src,
			       uint32_t src_stride, uint32_t row_bytes, uint32_t rows)
{
	struct snpu_cmd_dma_copy c = { 0 };
	uint64_t span_s, span_d;
	BEGIN("copy");

	if (!rows || !row_bytes)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "rows (%u) and row_bytes (%u) must be > 0",
			   rows, row_bytes), e.st;
	if (rows > 1 && (src_stride < row_bytes || dst_stride < row_bytes))
		return bad(&e, ACCEL_ERR_INVALID_ARG, "strides (src %u, dst %u) below row_bytes %u",
			   src_stride, dst_stride, row_bytes), e.st;
	span_s = (uint64_t)(rows - 1) * src_stride + row_bytes;
	span_d = (uint64_t)(rows - 1) * dst_stride + row_bytes;
	c.src = resolve(&e, "src", src, span_s, ACCEL_ACCESS_READ);
	c.dst = resolve(&e, "dst", dst, span_d, ACCEL_ACCESS_WRITE);
	if (!e.st && src.space == dst.space && src.buf == dst.buf && c.src < c.dst + span_d &&
	    c.dst < c.src + span_s)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "source and destination overlap"), e.st;
	c.row_bytes = row_bytes;
	c.rows = rows;
	c.src_stride = rows > 1 ? src_stride : 0;
	c.dst_stride = rows > 1 ? dst_stride : 0;
	return finish(&e, &c, sizeof(c), SNPU_OP_DMA_COPY);
}

accel_status accel_cmd_copy(accel_cmdbuf *cb, accel_ref dst, accel_ref src, uint64_t n)
{
	if (n > UINT32_MAX)
		return accel__fail(ACCEL_ERR_OUT_OF_RANGE, "accel_cmd_copy: %llu bytes (one command "
				   "copies < 4 GiB)", (unsigned long long)n);
	return accel_cmd_copy_2d(cb, dst, 0, src, 0, (uint32_t)n, 1);
}

accel_status accel_cmd_fill(accel_cmdbuf *cb, accel_ref dst, uint32_t n, uint32_t value)
{
	struct snpu_cmd_dma_fill c = { 0 };
	BEGIN("fill");

	if (!n || n % 4)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "size %u is not a positive multiple of 4", n),
		       e.st;
	c.dst = resolve(&e, "dst", dst, n, ACCEL_ACCESS_WRITE);
	if (!e.st && c.dst % 4)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "operand 'dst': VA 0x%llx not 4-aligned",
			   (unsigned long long)c.dst), e.st;
	c.size = n;
	c.value = value;
	return finish(&e, &c, sizeof(c), SNPU_OP_DMA_FILL);
}

accel_status accel_cmd_conv2d(accel_cmdbuf *cb, const accel_conv2d *user)
{
	struct snpu_cmd_conv2d c = { 0 };
	accel_conv2d prm, *p = &prm;
	BEGIN("conv2d");

	NEED(user);
	if ((e.st = accel__struct_in("accel_cmd_conv2d", &accel__abi_conv2d, user, &prm)))
		return e.st;
	tensor(&e, "input", &p->input, ACCEL_ACCESS_READ, &c.input);
	tensor(&e, "weight", &p->weight, ACCEL_ACCESS_READ, &c.weight);
	tensor(&e, "output", &p->output, ACCEL_ACCESS_WRITE, &c.output);
	epilogue(&e, &p->epi, p->output.dim[1], p->output.dtype, &c.epi);
	if (!p->stride_h || !p->stride_w || !p->dilation_h || !p->dilation_w || !p->groups)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "strides, dilations and groups must be >= 1"),
		       e.st;
	c.stride_h = p->stride_h;
	c.stride_w = p->stride_w;
	c.dilation_h = p->dilation_h;
	c.dilation_w = p->dilation_w;
	c.pad_top = p->pad_top;
	c.pad_left = p->pad_left;
	c.pad_bottom = p->pad_bottom;
	c.pad_right = p->pad_right;
	c.groups = p->groups;
	return finish(&e, &c, sizeof(c), SNPU_OP_CONV2D);
}

accel_status accel_cmd_gemm(accel_cmdbuf *cb, const accel_gemm *user)
{
	struct snpu_cmd_gemm c = { 0 };
	accel_gemm prm, *p = &prm;
	BEGIN("gemm");

	NEED(user);
	if ((e.st = accel__struct_in("accel_cmd_gemm", &accel__abi_gemm, user, &prm)))
		return e.st;
	tensor(&e, "a", &p->a, ACCEL_ACCESS_READ, &c.a);
	tensor(&e, "b", &p->b, ACCEL_ACCESS_READ, &c.b);
	tensor(&e, "c", &p->c, ACCEL_ACCESS_WRITE, &c.c);
	epilogue(&e, &p->epi, p->c.dim[3], p->c.dtype, &c.epi);
	return finish(&e, &c, sizeof(c), SNPU_OP_GEMM);
}

accel_status accel_cmd_pool(accel_cmdbuf *cb, const accel_pooling *user)
{
	struct snpu_cmd_pool c = { 0 };
	accel_pooling prm, *p = &prm;
	BEGIN("pool");

	NEED(user);
	if ((e.st = accel__struct_in("accel_cmd_pool", &accel__abi_pooling, user, &prm)))
		return e.st;
	tensor(&e, "input", &p->input, ACCEL_ACCESS_READ, &c.input);
	tensor(&e, "output", &p->output, ACCEL_ACCESS_WRITE, &c.output);
	if ((unsigned int)p->mode > ACCEL_POOL_AVG)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "unknown mode %d", (int)p->mode), e.st;
	if (p->flags & ~ACCEL_POOL_COUNT_PAD)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "unknown flags 0x%x", p->flags), e.st;
	if (!p->kernel_h || !p->kernel_w || !p->stride_h || !p->stride_w)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "kernel and stride must be >= 1"), e.st;
	c.mode = (uint32_t)p->mode;
	c.pool_flags = p->flags;
	c.kernel_h = p->kernel_h;
	c.kernel_w = p->kernel_w;
	c.stride_h = p->stride_h;
	c.stride_w = p->stride_w;
	c.pad_top = p->pad_top;
	c.pad_left = p->pad_left;
	c.pad_bottom = p->pad_bottom;
	c.pad_right = p->pad_right;
	return finish(&e, &c, sizeof(c), SNPU_OP_POOL);
}

accel_status accel_cmd_eltwise(accel_cmdbuf *cb, const accel_eltwise *user)
{
	struct snpu_cmd_eltwise c = { 0 };
	accel_eltwise prm, *p = &prm;
	bool s8_addsub, s8_mul;
	BEGIN("eltwise");

	NEED(user);
	if ((e.st = accel__struct_in("accel_cmd_eltwise", &accel__abi_eltwise, user, &prm)))
		return e.st;
	tensor(&e, "a", &p->a, ACCEL_ACCESS_READ, &c.a);
	tensor(&e, "b", &p->b, ACCEL_ACCESS_READ, &c.b);
	tensor(&e, "out", &p->out, ACCEL_ACCESS_WRITE, &c.out);
	if ((unsigned int)p->op >= ACCEL_ELT_COUNT)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "unknown op %d", (int)p->op), e.st;
	s8_addsub = p->out.dtype == ACCEL_DT_INT8 && (p->op == ACCEL_ELT_ADD || p->op == ACCEL_ELT_SUB);
	s8_mul = p->out.dtype == ACCEL_DT_INT8 && p->op == ACCEL_ELT_MUL;
	if ((s8_addsub && (!p->a_mult || !p->b_mult || !p->out_mult)) || (s8_mul && !p->out_mult))
		return bad(&e, ACCEL_ERR_INVALID_ARG, "int8 %s with a zero multiplier (a_mult %d, "
			   "b_mult %d, out_mult %d): compute them with accel_quant_eltwise()",
			   s8_mul ? "mul" : "add/sub", p->a_mult, p->b_mult, p->out_mult), e.st;
	c.op = (uint32_t)p->op;
	c.left_shift = p->left_shift;
	c.a_mult = p->a_mult;
	c.a_shift = p->a_shift;
	c.b_mult = p->b_mult;
	c.b_shift = p->b_shift;
	c.out_mult = p->out_mult;
	c.out_shift = p->out_shift;
	act(&e, &p->act, &c.act);
	return finish(&e, &c, sizeof(c), SNPU_OP_ELTWISE);
}

accel_status accel_cmd_activation(accel_cmdbuf *cb, const accel_tensor *input,
				  const accel_tensor *output, const accel_act *a)
{
	struct snpu_cmd_activation c = { 0 };
	BEGIN("activation");

	NEED(a);
	tensor(&e, "input", input, ACCEL_ACCESS_READ, &c.input);
	tensor(&e, "output", output, ACCEL_ACCESS_WRITE, &c.output);
	act(&e, a, &c.act);
	return finish(&e, &c, sizeof(c), SNPU_OP_ACTIVATION);
}

accel_status accel_cmd_softmax(accel_cmdbuf *cb, const accel_tensor *input,
			       const accel_tensor *output, uint32_t axis, float beta)
{
	struct snpu_cmd_softmax c = { 0 };
	BEGIN("softmax");

	tensor(&e, "input", input, ACCEL_ACCESS_READ, &c.input);
	tensor(&e, "output", output, ACCEL_ACCESS_WRITE, &c.output);
	if (axis > 3)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "axis %u (0..3)", axis), e.st;
	if (!(beta > 0.0f) || !isfinite(beta))
		return bad(&e, ACCEL_ERR_INVALID_ARG, "beta %g must be finite and > 0",
			   (double)beta), e.st;
	c.axis = axis;
	c.beta = fbits(beta);
	return finish(&e, &c, sizeof(c), SNPU_OP_SOFTMAX);
}

accel_status accel_cmd_move(accel_cmdbuf *cb, const accel_tensor *input, const accel_tensor *output)
{
	struct snpu_cmd_move c = { 0 };
	BEGIN("move");

	tensor(&e, "input", input, ACCEL_ACCESS_READ, &c.input);
	tensor(&e, "output", output, ACCEL_ACCESS_WRITE, &c.output);
	return finish(&e, &c, sizeof(c), SNPU_OP_MOVE);
}

accel_status accel_cmd_pad(accel_cmdbuf *cb, const accel_tensor *input, const accel_tensor *output,
			   const uint32_t before[4], accel_pad_mode mode, uint32_t value)
{
	struct snpu_cmd_pad c = { 0 };
	BEGIN("pad");

	NEED(before);
	tensor(&e, "input", input, ACCEL_ACCESS_READ, &c.input);
	tensor(&e, "output", output, ACCEL_ACCESS_WRITE, &c.output);
	if ((unsigned int)mode > ACCEL_PAD_REFLECT)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "unknown mode %d", (int)mode), e.st;
	memcpy(c.before, before, sizeof(c.before));
	c.mode = (uint32_t)mode;
	c.value = value;
	return finish(&e, &c, sizeof(c), SNPU_OP_PAD);
}

accel_status accel_cmd_convert(accel_cmdbuf *cb, const accel_tensor *input,
			       const accel_tensor *output)
{
	struct snpu_cmd_convert c = { 0 };
	BEGIN("convert");

	tensor(&e, "input", input, ACCEL_ACCESS_READ, &c.input);
	tensor(&e, "output", output, ACCEL_ACCESS_WRITE, &c.output);
	return finish(&e, &c, sizeof(c), SNPU_OP_CONVERT);
}

/* An 8-aligned word (or record) of `bytes` at ref. */
static uint64_t word(struct enc *e, const char *what, accel_ref ref, uint64_t bytes,
		     unsigned int access)
{
	uint64_t va = resolve(e, what, ref, bytes, access);

	if (!e->st && va % 8)
		bad(e, ACCEL_ERR_INVALID_ARG, "operand '%s': VA 0x%llx not 8-aligned", what,
		    (unsigned long long)va);
	return va;
}

accel_status accel_cmd_fence(accel_cmdbuf *cb, accel_ref dst, uint64_t value)
{
	struct snpu_cmd_fence c = { 0 };
	BEGIN("fence");

	c.addr = word(&e, "dst", dst, 8, ACCEL_ACCESS_WRITE);
	c.value = value;
	return finish(&e, &c, sizeof(c), SNPU_OP_FENCE);
}

accel_status accel_cmd_wait(accel_cmdbuf *cb, accel_ref addr, uint64_t value, accel_wait_op op,
			    uint32_t timeout_us)
{
	struct snpu_cmd_wait c = { 0 };
	BEGIN("wait");

	if ((unsigned int)op > ACCEL_WAIT_EQ)
		return bad(&e, ACCEL_ERR_INVALID_ARG, "unknown op %d", (int)op), e.st;
	c.addr = word(&e, "addr", addr, 8, ACCEL_ACCESS_READ);
	c.value = value;
	c.op = (uint32_t)op;
	c.timeout_us = timeout_us;
	return finish(&e, &c, sizeof(c), SNPU_OP_WAIT);
}

accel_status accel_cmd_timestamp(accel_cmdbuf *cb, accel_ref dst)
{
	struct snpu_cmd_timestamp c = { 0 };
	BEGIN("timestamp");

	c.addr = word(&e, "dst", dst, sizeof(struct snpu_timestamp), ACCEL_ACCESS_WRITE);
	return finish(&e, &c, sizeof(c), SNPU_OP_TIMESTAMP);
}

accel_status accel_cmd_counters(accel_cmdbuf *cb, accel_ref dst)
{
	struct snpu_cmd_counters c = { 0 };
	BEGIN("counters");

	c.addr = word(&e, "dst", dst, SNPU_NUM_COUNTERS * sizeof(uint64_t), ACCEL_ACCESS_WRITE);
	return finish(&e, &c, sizeof(c), SNPU_OP_COUNTERS);
}
