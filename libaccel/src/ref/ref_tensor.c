// SPDX-License-Identifier: MIT
/* CPU reference: dispatch, operand staging and element access. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "snpu_cmd_regions.h"
#include "snpu_layout.h"
#include "ref_internal.h"

#define REF_MAX_SPAN (1ull << 31)

int ref_fail(struct ref_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->msg && c->msglen) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->msglen, fmt, ap);
		va_end(ap);
	}
	return err;
}

int ref_load(struct ref_ctx *c, const struct snpu_tensor *t, struct ref_t *r)
{
	__u64 lo, hi;
	int err;

	memset(r, 0, sizeof(*r));
	r->t = t;
	r->esize = snpu_dtype_size(t->dtype);
	err = snpu_tensor_extent(t, &lo, &hi);
	if (err)
		return ref_fail(c, err, "tensor extent");
	r->len = hi - lo;
	if (r->len > REF_MAX_SPAN)
		return ref_fail(c, SNPU_ERR_OVERFLOW, "tensor span of %llu bytes too large",
				(unsigned long long)r->len);
	r->buf = malloc(r->len);
	if (!r->buf)
		return ref_fail(c, SNPU_ERR_FATAL, "out of memory");
	err = c->m->read(c->m->ctx, lo, r->buf, r->len);
	if (err)
		return ref_fail(c, err, "read of 0x%llx+%llu failed", (unsigned long long)lo,
				(unsigned long long)r->len);
	return SNPU_OK;
}

int ref_store(struct ref_ctx *c, const struct ref_t *r)
{
	int err = c->m->write(c->m->ctx, r->t->addr, r->buf, r->len);

	if (err)
		return ref_fail(c, err, "write of 0x%llx+%llu failed",
				(unsigned long long)r->t->addr, (unsigned long long)r->len);
	return SNPU_OK;
}

void ref_free(struct ref_t *r)
{
	free(r->buf);
	r->buf = NULL;
}

uint8_t *ref_elem(const struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3)
{
	const struct snpu_tensor *t = r->t;
	uint32_t idx[4] = { i0, i1, i2, i3 };
	uint64_t off = 0;
	int i;

	for (i = 0; i < 4; i++)
		if (t->dim[i] > 1)
			off += (uint64_t)idx[i] * t->stride[i];
	return r->buf + off * r->esize;
}

float ref_getf(const struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3)
{
	const uint8_t *p = ref_elem(r, i0, i1, i2, i3);
	uint16_t h;
	float f;

	if (r->t->dtype == SNPU_DT_FP16) {
		memcpy(&h, p, 2);
		return snpu_f16_to_f32(h);
	}
	memcpy(&f, p, 4);
	return f;
}

void ref_setf(struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3, float v)
{
	uint8_t *p = ref_elem(r, i0, i1, i2, i3);
	uint16_t h;

	if (r->t->dtype == SNPU_DT_FP16) {
		h = snpu_f32_to_f16(v);
		memcpy(p, &h, 2);
	} else {
		memcpy(p, &v, 4);
	}
}

int32_t ref_geti(const struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3)
{
	const uint8_t *p = ref_elem(r, i0, i1, i2, i3);
	int32_t v;

	switch (r->t->dtype) {
	case SNPU_DT_INT8:
		return (int8_t)*p;
	case SNPU_DT_UINT8:
		return *p;
	default:
		memcpy(&v, p, 4);
		return v;
	}
}

void ref_seti(struct ref_t *r, uint32_t i0, uint32_t i1, uint32_t i2, uint32_t i3, int32_t v)
{
	*(int8_t *)ref_elem(r, i0, i1, i2, i3) = (int8_t)v;
}

float ref_scale(const struct snpu_tensor *t)
{
	return snpu_bits_f32(t->scale);
}

int snpu_ref_execute(const struct snpu_ref_mem *m, const struct snpu_cmd_header *cmd,
		     size_t size, char *msg, size_t msglen)
{
	struct ref_ctx c = { m, msg, msglen };
	struct snpu_cmd_regions regs;
	int err;

	if (msg && msglen)
		msg[0] = 0;
	if (size > 0xffff)
		return ref_fail(&c, SNPU_ERR_CMD_SIZE, "command size %zu too large", size);
	if (!snpu_cmd_is_tensor(cmd->opcode))
		return ref_fail(&c, SNPU_ERR_OPCODE, "opcode 0x%x is not a tensor command",
				cmd->opcode);
	err = snpu_cmd_check(cmd, (uint32_t)size, &regs);
	if (err)
		return ref_fail(&c, err, "opcode 0x%x: %s", cmd->opcode, regs.why);
	switch (cmd->opcode) {
	case SNPU_OP_CONV2D: return ref_conv2d(&c, (const void *)cmd);
	case SNPU_OP_GEMM: return ref_gemm(&c, (const void *)cmd);
	case SNPU_OP_POOL: return ref_pool(&c, (const void *)cmd);
	case SNPU_OP_ELTWISE: return ref_eltwise(&c, (const void *)cmd);
	case SNPU_OP_ACTIVATION: return ref_activation(&c, (const void *)cmd);
	case SNPU_OP_SOFTMAX: return ref_softmax(&c, (const void *)cmd);
	case SNPU_OP_MOVE: return ref_move(&c, (const void *)cmd);
	case SNPU_OP_PAD: return ref_pad(&c, (const void *)cmd);
	case SNPU_OP_CONVERT: return ref_convert(&c, (const void *)cmd);
	default:
		return ref_fail(&c, SNPU_ERR_OPCODE, "opcode 0x%x is not a tensor command",
				cmd->opcode);
	}
}
