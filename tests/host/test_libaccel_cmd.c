/* SPDX-License-Identifier: MIT */
/* libaccel encoder: the bytes of every command (opcode, size, resolved
 * VAs, packed strides, parameters), and refusals that append nothing. */
#include <string.h>

#include "libaccel_testutil.h"
#include "snpu_cmd.h"

#define REF(b, o) accel_ref_buffer((b), (o))
#define SRAM(o) accel_ref_sram(o)

/* Header of command i (walking the sizes). */
static const struct snpu_cmd_header *cmd_at(const accel_cmdbuf *cb, uint32_t idx)
{
	const uint8_t *p = accel_cmdbuf_data(cb);
	size_t pos = 0;

	for (uint32_t i = 0; i < idx; i++)
		pos += ((const struct snpu_cmd_header *)(p + pos))->size;
	ck_assert_uint_lt(pos, accel_cmdbuf_size(cb));
	return (const void *)(p + pos);
}

START_TEST(test_every_opcode)
{
	accel_device *dev = tu_open();
	accel_buffer *b;
	accel_cmdbuf *cb;
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	uint64_t va;
	accel_tensor t = { .dim = { 1, 2, 4, 4 }, .dtype = ACCEL_DT_FP32 };
	accel_tensor w = { .dim = { 2, 2, 1, 1 }, .dtype = ACCEL_DT_FP32 };
	accel_conv2d cv = ACCEL_CONV2D_INIT;
	accel_gemm g = ACCEL_GEMM_INIT;
	accel_pooling pl = ACCEL_POOLING_INIT;
	accel_eltwise el = ACCEL_ELTWISE_INIT;
	accel_act relu = { .fn = ACCEL_ACT_RELU };
	uint32_t before[4] = { 0, 0, 1, 1 };
	static const uint16_t want[] = {
		SNPU_OP_NOP, SNPU_OP_DMA_COPY, SNPU_OP_DMA_COPY, SNPU_OP_DMA_FILL, SNPU_OP_CONV2D,
		SNPU_OP_GEMM, SNPU_OP_POOL, SNPU_OP_ELTWISE, SNPU_OP_ACTIVATION, SNPU_OP_SOFTMAX,
		SNPU_OP_MOVE, SNPU_OP_PAD, SNPU_OP_CONVERT, SNPU_OP_FENCE, SNPU_OP_WAIT,
		SNPU_OP_TIMESTAMP, SNPU_OP_COUNTERS,
	};
	static const size_t want_size[] = {
		sizeof(struct snpu_cmd_header), sizeof(struct snpu_cmd_dma_copy),
		sizeof(struct snpu_cmd_dma_copy), sizeof(struct snpu_cmd_dma_fill),
		sizeof(struct snpu_cmd_conv2d), sizeof(struct snpu_cmd_gemm),
		sizeof(struct snpu_cmd_pool), sizeof(struct snpu_cmd_eltwise),
		sizeof(struct snpu_cmd_activation), sizeof(struct snpu_cmd_softmax),
		sizeof(struct snpu_cmd_move), sizeof(struct snpu_cmd_pad),
		sizeof(struct snpu_cmd_convert), sizeof(struct snpu_cmd_fence),
		sizeof(struct snpu_cmd_wait), sizeof(struct snpu_cmd_timestamp),
		sizeof(struct snpu_cmd_counters),
	};

	ck_accel(accel_device_query(dev, &info));
	ck_accel(accel_buffer_create(dev, 65536, ACCEL_MEM_HOST, &b));
	va = accel_buffer_va(b);
	ck_accel(accel_cmdbuf_create(dev, &cb));
	t.mem = REF(b, 0);
	w.mem = REF(b, 8192);
	ck_accel(accel_cmd_nop(cb));
	ck_accel(accel_cmd_copy(cb, REF(b, 4096), REF(b, 100), 64));
	ck_accel(accel_cmd_copy_2d(cb, SRAM(256), 32, REF(b, 0), 64, 16, 3));
	ck_accel(accel_cmd_fill(cb, REF(b, 12), 16, 0xabcd));
	cv.input = t;
	cv.weight = w;
	cv.output = t;
	cv.output.mem = REF(b, 16384);
	cv.stride_h = cv.stride_w = cv.dilation_h = cv.dilation_w = 1;
	cv.groups = 1;
	ck_accel(accel_cmd_conv2d(cb, &cv));
	g.a = t;
	g.b = t;
	g.b.dim[2] = 4;
	g.c = t;
	g.c.mem = REF(b, 16384);
	ck_accel(accel_cmd_gemm(cb, &g));
	pl.input = t;
	pl.output = t;
	pl.output.mem = REF(b, 16384);
	pl.kernel_h = pl.kernel_w = pl.stride_h = pl.stride_w = 1;
	ck_accel(accel_cmd_pool(cb, &pl));
	el.a = t;
	el.b = t;
	el.out = cv.output;
	el.op = ACCEL_ELT_MUL;
	ck_accel(accel_cmd_eltwise(cb, &el));
	ck_accel(accel_cmd_activation(cb, &t, &cv.output, &relu));
	ck_accel(accel_cmd_softmax(cb, &t, &cv.output, 3, 1.0f));
	ck_accel(accel_cmd_move(cb, &t, &cv.output));
	{
		accel_tensor small = t, half = cv.output;

		small.dim[2] = small.dim[3] = 2;	/* 2x2 + 1 before + 1 after = 4x4 */
		ck_accel(accel_cmd_pad(cb, &small, &cv.output, before, ACCEL_PAD_EDGE, 0));
		half.dtype = ACCEL_DT_FP16;
		ck_accel(accel_cmd_convert(cb, &t, &half));
	}
	ck_accel(accel_cmd_fence(cb, REF(b, 24), 77));
	ck_accel(accel_cmd_wait(cb, REF(b, 24), 77, ACCEL_WAIT_GE, 10));
	ck_accel(accel_cmd_timestamp(cb, REF(b, 32)));
	ck_accel(accel_cmd_counters(cb, SRAM(0)));
	ck_assert_uint_eq(accel_cmdbuf_count(cb), sizeof(want) / sizeof(want[0]));
	for (uint32_t i = 0; i < accel_cmdbuf_count(cb); i++) {
		const struct snpu_cmd_header *h = cmd_at(cb, i);

		ck_assert_uint_eq(h->opcode, want[i]);
		ck_assert_uint_eq(h->size, want_size[i]);
		ck_assert_uint_eq(h->size % 8, 0);
		ck_assert_uint_eq(h->flags, 0);
	}
	{
		const struct snpu_cmd_dma_copy *c = (const void *)cmd_at(cb, 1);

		ck_assert_uint_eq(c->src, va + 100);
		ck_assert_uint_eq(c->dst, va + 4096);
		ck_assert_uint_eq(c->row_bytes, 64);
		ck_assert_uint_eq(c->rows, 1);
		c = (const void *)cmd_at(cb, 2);
		ck_assert_uint_eq(c->dst, info.sram_va + 256);	/* SRAM window */
		ck_assert_uint_eq(c->rows, 3);
		ck_assert_uint_eq(c->src_stride, 64);
		ck_assert_uint_eq(c->dst_stride, 32);
	}
	{
		const struct snpu_cmd_conv2d *c = (const void *)cmd_at(cb, 4);

		ck_assert_uint_eq(c->input.addr, va);
		ck_assert_uint_eq(c->weight.addr, va + 8192);
		ck_assert_uint_eq(c->output.addr, va + 16384);
		/* packed NCHW strides */
		ck_assert_uint_eq(c->input.stride[0], 32);
		ck_assert_uint_eq(c->input.stride[1], 16);
		ck_assert_uint_eq(c->input.stride[2], 4);
		ck_assert_uint_eq(c->input.stride[3], 1);
		ck_assert_uint_eq(c->groups, 1);
	}
	{
		const struct snpu_cmd_eltwise *e = (const void *)cmd_at(cb, 7);
		const struct snpu_cmd_softmax *s = (const void *)cmd_at(cb, 9);
		const struct snpu_cmd_pad *p = (const void *)cmd_at(cb, 11);
		const struct snpu_cmd_wait *wt = (const void *)cmd_at(cb, 14);
		const struct snpu_cmd_counters *ct = (const void *)cmd_at(cb, 16);
		float beta;

		ck_assert_uint_eq(e->op, SNPU_ELT_MUL);
		ck_assert_uint_eq(s->axis, 3);
		memcpy(&beta, &s->beta, 4);
		ck_assert(beta == 1.0f);
		ck_assert_uint_eq(p->mode, SNPU_PAD_EDGE);
		ck_assert_uint_eq(p->before[3], 1);
		ck_assert_uint_eq(wt->value, 77);
		ck_assert_uint_eq(wt->timeout_us, 10);
		ck_assert_uint_eq(ct->addr, info.sram_va);
	}
	accel_cmdbuf_reset(cb);
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 0);
	ck_assert_uint_eq(accel_cmdbuf_size(cb), 0);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

START_TEST(test_refusals)
{
	accel_device *dev = tu_open();
	accel_buffer *b;
	accel_cmdbuf *cb;
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	accel_tensor t = { .dim = { 1, 1, 4, 4 }, .dtype = ACCEL_DT_FP32 };
	accel_act bad_act = { .fn = (accel_act_fn)99 };
	uint32_t before[4] = { 0 };

	ck_accel(accel_device_query(dev, &info));
	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &b));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	t.mem = REF(b, 0);
	ck_accel_err(accel_cmd_nop(NULL), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmd_copy(cb, SRAM(info.sram_size - 8), REF(b, 0), 16),
		     ACCEL_ERR_OUT_OF_RANGE);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "SRAM"));
	ck_accel_err(accel_cmd_copy_2d(cb, REF(b, 0), 8, REF(b, 1024), 16, 16, 2),
		     ACCEL_ERR_INVALID_ARG);	/* dst stride < row */
	ck_accel_err(accel_cmd_activation(cb, &t, &t, &bad_act), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmd_activation(cb, &t, &t, NULL), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmd_softmax(cb, &t, &t, 4, 1.0f), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmd_softmax(cb, &t, &t, 1, -1.0f), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmd_pad(cb, &t, &t, before, (accel_pad_mode)5, 0), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmd_pad(cb, &t, &t, NULL, ACCEL_PAD_EDGE, 0), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmd_wait(cb, REF(b, 0), 1, (accel_wait_op)3, 1), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmd_timestamp(cb, REF(b, 4090)), ACCEL_ERR_OUT_OF_RANGE);
	ck_accel_err(accel_cmd_convert(cb, &t, NULL), ACCEL_ERR_INVALID_ARG);
	t.zero_point = 300;
	t.dtype = ACCEL_DT_INT8;
	t.scale = 1.0f;
	ck_accel_err(accel_cmd_move(cb, &t, &t), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "zero_point"));
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 0);
	ck_assert_uint_eq(accel_cmdbuf_size(cb), 0);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_cmd");
	TCase *tc = tcase_create("encoder");

	tcase_add_test(tc, test_every_opcode);
	tcase_add_test(tc, test_refusals);
	tu_add(s, tc, "encoder", TU_BUFFERS);
	return tu_run(s);
}
