/* SPDX-License-Identifier: MIT */
/*
 * libaccel 1.0 API contract: size-versioned structs (a caller built
 * against the 1.0 layout keeps working, a caller built against a later
 * one is refused only when it uses what this library lacks), the runtime
 * version, and the footguns that once computed garbage with status OK:
 * each now fails with a message naming what is wrong.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "abi.h"
#include "encode.h"
#include "snpu_cmd.h"
#include "snpu_regs.h"

/* The 1.0 layout of accel_gemm, as a program compiled against the 1.0
 * headers sees it (a copy, so that header changes cannot move it). */
struct tensor_1_0 {
	struct {
		accel_buffer *buf;
		uint64_t offset;
		uint32_t space, reserved;
	} mem;
	uint32_t dim[4], stride[4];
	int32_t dtype, zero_point;
	float scale;
	uint32_t reserved[3];
};

struct gemm_1_0 {
	uint32_t struct_size;
	struct tensor_1_0 a, b, c;
	uint8_t epi[224];	/* accel_epilogue 1.0 */
	uint64_t reserved[8];
};

_Static_assert(sizeof(struct gemm_1_0) == 536, "the 1.0 accel_gemm is 536 bytes");
_Static_assert(offsetof(struct gemm_1_0, reserved) == offsetof(accel_gemm, reserved),
	       "accel_gemm still has the 1.0 layout");

/* The 1.0 layout of accel_model_options (a copy). Fields added since
 * took reserved space: same size, same offsets. */
struct model_options_1_0 {
	uint32_t struct_size, flags, batch, max_inflight;
	int32_t precision, priority;
	const char *calibration;
	float max_error;
	uint32_t pad0;
	const char *cache_dir;
	void *scheduler;
	uint32_t calibration_method;
	float percentile;
	void (*progress)(void *user, const char *step, uint64_t done, uint64_t total);
	void *progress_user;
	uint64_t reserved[4];
};

_Static_assert(sizeof(struct model_options_1_0) == sizeof(accel_model_options),
	       "accel_model_options keeps its 1.0 size");
_Static_assert(offsetof(struct model_options_1_0, progress_user) ==
	       offsetof(accel_model_options, progress_user) &&
	       offsetof(struct model_options_1_0, calibration) ==
	       offsetof(accel_model_options, calibration),
	       "accel_model_options keeps its 1.0 offsets");
_Static_assert(offsetof(struct model_options_1_0, reserved) ==
	       offsetof(accel_model_options, calibration_inputs),
	       "calibration_inputs is in the 1.0 reserved space");

/* A program built against a later libaccel whose accel_gemm grew. */
struct gemm_future {
	accel_gemm v1;
	uint64_t new_field;	/* 0 = the 1.0 behaviour */
	uint64_t new_reserved[4];
};

static accel_tensor tens(accel_buffer *b, uint64_t off, uint32_t d2, uint32_t d3, accel_dtype dt)
{
	accel_tensor t = { .mem = accel_ref_buffer(b, off), .dim = { 1, 1, d2, d3 },
			   .dtype = dt };

	if (dt == ACCEL_DT_INT8)
		t.scale = 0.5f;
	return t;
}

START_TEST(test_version)
{
	ck_assert_uint_eq(accel_version(), ACCEL_VERSION);
	ck_assert_uint_eq(ACCEL_VERSION_MAJOR, 1);
	ck_assert_str_eq(accel_version_string(), "1.0.0");
}
END_TEST

/* An old caller's struct through a library whose struct grew: the library
 * side of the contract, on a test type (v1 -> v2 took reserved space and
 * grew). */
struct t_v1 {
	uint32_t struct_size;
	uint32_t a;
	uint64_t reserved[2];
};

struct t_v2 {
	uint32_t struct_size;
	uint32_t a;
	uint32_t b;		/* new in v2, in what was v1's reserved space */
	uint32_t c;
	uint64_t d;		/* new in v2, past the v1 size */
	uint64_t reserved[2];
};

START_TEST(test_struct_growth)
{
	const struct accel_abi_type v2 = { "accel_test", sizeof(struct t_v1),
					   offsetof(struct t_v2, reserved), sizeof(struct t_v2) };
	struct t_v1 old = { .struct_size = sizeof(old), .a = 7 };
	struct t_v2 got, out;
	struct { struct t_v2 v; uint64_t more; } newer;

	memset(&got, 0xee, sizeof(got));
	ck_accel(accel__struct_in("fn", &v2, &old, &got));
	ck_assert_uint_eq(got.a, 7);
	ck_assert_uint_eq(got.b, 0);	/* zero-extended: the v1 behaviour */
	ck_assert_uint_eq(got.d, 0);
	ck_assert_uint_eq(got.struct_size, sizeof(old));
	/* A newer caller: unknown tail zero -> accepted; set -> refused. */
	memset(&newer, 0, sizeof(newer));
	newer.v.struct_size = sizeof(newer);
	newer.v.d = 9;
	ck_accel(accel__struct_in("fn", &v2, &newer, &got));
	ck_assert_uint_eq(got.d, 9);
	newer.more = 1;
	ck_accel_err(accel__struct_in("fn", &v2, &newer, &got), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "fn: accel_test.struct_size 48 is "
				     "larger than this libaccel"));
	/* Output to an old caller: only its bytes are written. */
	memset(&got, 0x11, sizeof(got));
	got.struct_size = sizeof(got);
	old.struct_size = sizeof(old);
	old.a = 0;
	memset(&out, 0xff, sizeof(out));
	ck_accel(accel__struct_out("fn", &v2, &old, &got));
	ck_assert_uint_eq(old.struct_size, sizeof(old));
	ck_assert_uint_eq(old.a, 0x11111111);
	old.struct_size = 4;
	ck_accel_err(accel__struct_out("fn", &v2, &old, &got), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "smaller than the smallest layout"));
	(void)out;
}
END_TEST

/* The public calls with a 1.0 caller, a future caller and a bad one. */
START_TEST(test_struct_size_public)
{
	accel_device *dev = tu_open();
	accel_buffer *b;
	accel_cmdbuf *cb;
	struct gemm_1_0 old;
	struct gemm_future fut;
	accel_gemm g = ACCEL_GEMM_INIT;
	accel_device_info info0 = { 0 };
	struct { accel_device_info v1; uint64_t later[6]; } big;
	accel_submit_opts o = ACCEL_SUBMIT_OPTS_INIT;

	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &b));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	g.a = tens(b, 0, 4, 8, ACCEL_DT_FP32);
	g.b = tens(b, 256, 8, 4, ACCEL_DT_FP32);
	g.c = tens(b, 512, 4, 4, ACCEL_DT_FP32);
	ck_accel(accel_cmd_gemm(cb, &g));
	/* A 1.0 caller's bytes: the same command. */
	memcpy(&old, &g, sizeof(old));
	old.struct_size = sizeof(old);
	ck_accel(accel_cmd_gemm(cb, (const accel_gemm *)(const void *)&old));
	/* A later caller that leaves its new field 0. */
	memset(&fut, 0, sizeof(fut));
	fut.v1 = g;
	fut.v1.struct_size = sizeof(fut);
	ck_accel(accel_cmd_gemm(cb, &fut.v1));
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 3);
	{
		const uint8_t *d = accel_cmdbuf_data(cb);
		size_t one = sizeof(struct snpu_cmd_gemm);

		ck_assert_mem_eq(d, d + one, one);
		ck_assert_mem_eq(d, d + 2 * one, one);
	}
	/* ... and one that sets it: refused, naming the struct. */
	fut.new_field = 5;
	ck_accel_err(accel_cmd_gemm(cb, &fut.v1), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "accel_cmd_gemm: accel_gemm.struct_size "
				     "576 is larger than this libaccel"));
	g.struct_size = 0;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: accel_gemm.struct_size is 0 "
			 "(initialise it with ACCEL_GEMM_INIT)");
	g.struct_size = sizeof(g);
	g.reserved[3] = 1;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "accel_gemm.reserved is not zero"));
	g.reserved[3] = 0;
	g.a.reserved[0] = 1;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: operand 'a': accel_tensor.reserved "
			 "is not zero");
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 3);
	/* Output structs: 0 refused; a bigger one gets its tail zeroed. */
	ck_accel_err(accel_device_query(dev, &info0), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_device_query: accel_device_info.struct_size "
			 "is 0 (initialise it with ACCEL_DEVICE_INFO_INIT)");
	memset(&big, 0xa5, sizeof(big));
	big.v1.struct_size = sizeof(big);
	ck_accel(accel_device_query(dev, &big.v1));
	ck_assert_uint_eq(big.v1.struct_size, sizeof(big));
	ck_assert_uint_gt(big.v1.num_queues, 0);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(big.later[i], 0);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(big.v1.reserved[i], 0);
	/* Input opts: reserved space must be zero. */
	o.reserved[0] = 1;
	{
		accel_job *job = NULL;

		ck_accel_err(accel_submit(dev, cb, &o, &job), ACCEL_ERR_INVALID_ARG);
		ck_assert_ptr_nonnull(strstr(accel_last_error(), "accel_submit_opts.reserved"));
		ck_assert_ptr_null(job);
	}
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

/* Point 1: silent wrong results are refused. */
START_TEST(test_footguns)
{
	accel_device *dev = tu_open();
	accel_buffer *b;
	accel_cmdbuf *cb;
	accel_gemm g = ACCEL_GEMM_INIT;
	accel_eltwise e = ACCEL_ELTWISE_INIT;
	accel_job_result r;
	accel_status st;

	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &b));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	/* A forgotten .buf no longer means "the scratchpad". */
	g.a = tens(NULL, 0, 4, 8, ACCEL_DT_FP32);
	g.b = tens(b, 256, 8, 4, ACCEL_DT_FP32);
	g.c = tens(b, 512, 4, 4, ACCEL_DT_FP32);
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: operand 'a' has no buffer (use "
			 "accel_ref_buffer(buf, offset), or accel_ref_sram(offset) for the "
			 "scratchpad)");
	/* An empty bias with ACCEL_EPI_BIAS. */
	g.a.mem = accel_ref_buffer(b, 0);
	g.epi.flags = ACCEL_EPI_BIAS;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "accel_cmd_gemm: operand 'bias' has no "
				     "buffer"));
	/* Without the flag the (empty) bias is not used, so not refused. */
	g.epi.flags = 0;
	ck_accel(accel_cmd_gemm(cb, &g));
	/* The scratchpad, when meant, is explicit. */
	g.a.mem = accel_ref_sram(0);
	ck_accel(accel_cmd_gemm(cb, &g));
	g.a.mem.buf = b;	/* SRAM ref carrying a buffer: ambiguous */
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "operand 'a': an SRAM reference with a "
				     "buffer"));
	g.a.mem = accel_ref_buffer(b, 0);
	g.a.mem.space = 9;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "operand 'a': unknown space 9"));
	/* int8 with requant_mult 0: all outputs would be the zero point. */
	g.a = tens(b, 0, 4, 8, ACCEL_DT_INT8);
	g.b = tens(b, 256, 8, 4, ACCEL_DT_INT8);
	g.b.scale = 0.25f;
	g.c = tens(b, 512, 4, 4, ACCEL_DT_INT8);
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: epilogue: requant_mult is 0 with an "
			 "int8 output (every output would be the zero point); compute "
			 "(requant_mult, requant_shift) with accel_quant_requant()");
	ck_accel(accel_quant_requant(g.a.scale, g.b.scale, g.c.scale, &g.epi.requant_mult,
				     &g.epi.requant_shift));
	ck_accel(accel_cmd_gemm(cb, &g));
	/* int8 add with zero multipliers. */
	e.a = tens(b, 0, 4, 4, ACCEL_DT_INT8);
	e.b = tens(b, 64, 4, 4, ACCEL_DT_INT8);
	e.out = tens(b, 128, 4, 4, ACCEL_DT_INT8);
	e.op = ACCEL_ELT_ADD;
	ck_accel_err(accel_cmd_eltwise(cb, &e), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "int8 add/sub with a zero multiplier"));
	ck_accel(accel_quant_eltwise(&e));
	ck_accel(accel_cmd_eltwise(cb, &e));
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 4);
	/* accel_run fills the result also when it fails before submitting. */
	accel_cmdbuf_reset(cb);
	memset(&r, 0x5a, sizeof(r));
	r.struct_size = sizeof(r);
	st = accel_run(dev, cb, NULL, &r);
	ck_accel_err(st, ACCEL_ERR_INVALID_ARG);
	ck_assert_uint_eq(r.status, ACCEL_ERR_INVALID_ARG);
	ck_assert_uint_eq(r.cmds, 0);
	ck_assert_uint_eq(r.hw_error, 0);
	ck_assert_str_eq(r.message, "accel_submit: empty command buffer");
	ck_assert_str_eq(accel_last_error(), "accel_submit: empty command buffer");
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

/* Point 2: shape errors when recorded, naming operand, axis and values. */
START_TEST(test_record_time_shapes)
{
	accel_device *dev = tu_open();
	accel_buffer *b;
	accel_cmdbuf *cb;
	accel_tensor in = { 0 }, out = { 0 };
	accel_conv2d c = ACCEL_CONV2D_INIT;
	accel_gemm g = ACCEL_GEMM_INIT;
	accel_eltwise e = ACCEL_ELTWISE_INIT;

	ck_accel(accel_buffer_create(dev, 65536, ACCEL_MEM_HOST, &b));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	/* softmax with different dims */
	in = tens(b, 0, 4, 10, ACCEL_DT_FP32);
	out = tens(b, 4096, 4, 9, ACCEL_DT_FP32);
	ck_accel_err(accel_cmd_softmax(cb, &in, &out, 3, 1.0f), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_softmax: operand 'output' dim[3] is 9 but "
			 "operand 'input' dim[3] is 10");
	/* an output stride of 0 */
	out = tens(b, 4096, 4, 10, ACCEL_DT_FP32);
	out.stride[3] = 0;
	out.stride[2] = 10;
	ck_accel_err(accel_cmd_softmax(cb, &in, &out, 3, 1.0f), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "accel_cmd_softmax: operand 'output' (an "
				     "output): dims (1,1,4,10) with strides (0,0,10,0) put two "
				     "elements at one address"));
	/* mixed dtypes */
	g.a = tens(b, 0, 4, 8, ACCEL_DT_FP32);
	g.b = tens(b, 256, 8, 4, ACCEL_DT_INT8);
	g.c = tens(b, 512, 4, 4, ACCEL_DT_FP32);
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: operands must be all fp32, all fp16 "
			 "or all int8: 'a' is fp32, 'b' is int8, 'c' is fp32");
	/* int8 weights with a zero point */
	g.a = tens(b, 0, 4, 8, ACCEL_DT_INT8);
	g.c = tens(b, 512, 4, 4, ACCEL_DT_INT8);
	g.b.zero_point = 3;
	ck_accel(accel_quant_requant(0.5f, 0.5f, 0.5f, &g.epi.requant_mult, &g.epi.requant_shift));
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: operand 'b' (int8 weights) has "
			 "zero_point 3: int8 weights are symmetric, zero_point must be 0");
	/* M and N */
	g.b.zero_point = 0;
	g.c.dim[2] = 5;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: operand 'c' dim[2] (M) is 5 but "
			 "operand 'a' dim[2] (M) is 4");
	g.c.dim[2] = 4;
	g.c.dim[3] = 3;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: operand 'c' dim[3] (N) is 3 but "
			 "operand 'b' dim[3] (N) is 4");
	/* conv2d output height against the window */
	c.input = tens(b, 0, 8, 8, ACCEL_DT_FP32);
	c.input.dim[1] = 2;
	c.weight = tens(b, 1024, 3, 3, ACCEL_DT_FP32);
	c.weight.dim[0] = 4;
	c.weight.dim[1] = 2;
	c.output = tens(b, 8192, 7, 6, ACCEL_DT_FP32);
	c.output.dim[1] = 4;
	c.stride_h = c.stride_w = c.dilation_h = c.dilation_w = 1;
	c.groups = 1;
	ck_accel_err(accel_cmd_conv2d(cb, &c), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_conv2d: operand 'output' dim[2] (H) is 7 "
			 "but the window gives 6 (input 8, pads 0+0, kernel 3, dilation 1, "
			 "stride 1)");
	c.output.dim[2] = 6;
	c.weight.dim[1] = 3;
	ck_accel_err(accel_cmd_conv2d(cb, &c), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_conv2d: operand 'weight' dim[1] is 3 but "
			 "operand 'input' dim[1] (C) 2 / groups 1 is 2");
	c.weight.dim[1] = 2;
	ck_accel(accel_cmd_conv2d(cb, &c));
	/* eltwise broadcast */
	e.a = tens(b, 0, 4, 4, ACCEL_DT_FP32);
	e.b = tens(b, 128, 3, 4, ACCEL_DT_FP32);
	e.out = tens(b, 256, 4, 4, ACCEL_DT_FP32);
	ck_accel_err(accel_cmd_eltwise(cb, &e), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_eltwise: operand 'b' dim[2] is 3 but "
			 "operand 'out' dim[2] is 4 (must be equal, or 1 to broadcast)");
	/* pool window, pad extent, an unsupported conversion, a residual */
	{
		accel_pooling pl = ACCEL_POOLING_INIT;
		accel_tensor i8 = in;
		uint32_t before[4] = { 0, 0, 1, 1 };

		pl.input = tens(b, 0, 8, 8, ACCEL_DT_FP32);
		pl.output = tens(b, 4096, 4, 3, ACCEL_DT_FP32);
		pl.kernel_h = pl.kernel_w = pl.stride_h = pl.stride_w = 2;
		ck_accel_err(accel_cmd_pool(cb, &pl), ACCEL_ERR_INVALID_ARG);
		ck_assert_str_eq(accel_last_error(), "accel_cmd_pool: operand 'output' dim[3] (W) "
				 "is 3 but the window gives 4 (input 8, pads 0+0, kernel 2, "
				 "dilation 1, stride 2)");
		out = tens(b, 4096, 4, 11, ACCEL_DT_FP32);
		ck_accel_err(accel_cmd_pad(cb, &in, &out, before, ACCEL_PAD_CONSTANT, 0),
			     ACCEL_ERR_INVALID_ARG);
		ck_assert_str_eq(accel_last_error(), "accel_cmd_pad: operand 'output' dim[2] is 4 "
				 "but operand 'input' dim[2] 4 + before[2] 1 is 5");
		i8.dtype = ACCEL_DT_UINT8;
		out = tens(b, 4096, 4, 10, ACCEL_DT_FP32);
		ck_accel_err(accel_cmd_convert(cb, &i8, &out), ACCEL_ERR_INVALID_ARG);
		ck_assert_str_eq(accel_last_error(), "accel_cmd_convert: conversion uint8 -> fp32 "
				 "is not supported");
		g.a = tens(b, 0, 4, 8, ACCEL_DT_FP32);
		g.b = tens(b, 256, 8, 4, ACCEL_DT_FP32);
		g.c = tens(b, 512, 4, 4, ACCEL_DT_FP32);
		g.epi = (accel_epilogue){ .flags = ACCEL_EPI_RESIDUAL };
		g.epi.residual = tens(b, 1024, 4, 2, ACCEL_DT_FP32);
		ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
		ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: operand 'residual' dim[3] is "
				 "2 but operand 'c' dim[3] is 4");
	}
	/* an activation field the function does not use */
	{
		accel_act a = { .fn = ACCEL_ACT_RELU, .alpha = 0.5f };

		ck_accel_err(accel_cmd_activation(cb, &in, &in, &a), ACCEL_ERR_INVALID_ARG);
		ck_assert_ptr_nonnull(strstr(accel_last_error(), "alpha set for an activation "
					     "without it"));
	}
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 1);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

/* Point 2, device side: a raw command with a reserved field set fails on
 * the device, and the message names the field. */
START_TEST(test_device_names_field)
{
	accel_device *dev = tu_open();
	accel_buffer *b;
	accel_cmdbuf *cb, *tmp;
	accel_gemm g = ACCEL_GEMM_INIT;
	accel_job_result r = ACCEL_JOB_RESULT_INIT;
	struct snpu_cmd_gemm raw;
	accel_status st;

	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &b));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(accel_cmdbuf_create(dev, &tmp));
	g.a = tens(b, 0, 4, 8, ACCEL_DT_FP32);
	g.b = tens(b, 256, 8, 4, ACCEL_DT_FP32);
	g.c = tens(b, 512, 4, 4, ACCEL_DT_FP32);
	ck_accel(accel_cmd_gemm(tmp, &g));
	memcpy(&raw, accel_cmdbuf_data(tmp), sizeof(raw));
	raw.epi.bias_addr = accel_buffer_va(b);		/* without SNPU_EPI_BIAS */
	{
		/* what the drm backend adds when the driver refuses a submit */
		uint8_t two[2 * sizeof(raw)];
		char why[400];

		memcpy(two, accel_cmdbuf_data(tmp), sizeof(raw));
		memcpy(two + sizeof(raw), &raw, sizeof(raw));
		ck_assert_int_eq(accel__explain_stream(two, sizeof(raw), why, sizeof(why)), 0);
		ck_assert_int_eq(accel__explain_stream(two, sizeof(two), why, sizeof(why)), 1);
		ck_assert_msg(strstr(why, "command 1 (gemm): epilogue: bias_addr set without "
				     "SNPU_EPI_BIAS") == why, "%s", why);
	}
	ck_accel(accel_cmdbuf_append_raw(cb, &raw, sizeof(raw)));
	ck_accel(accel_cmdbuf_use(cb, b, ACCEL_ACCESS_READ | ACCEL_ACCESS_WRITE));
	st = accel_run(dev, cb, NULL, &r);
	if (st == ACCEL_ERR_INVALID_ARG && !tu_is_sim()) {
		/* the driver's checker (the same validator) refused it at submit */
		ck_assert_uint_eq(r.status, ACCEL_ERR_INVALID_ARG);
		ck_assert_msg(strstr(r.message, ": Invalid argument: command 0 (gemm): epilogue: "
				     "bias_addr set without SNPU_EPI_BIAS"), "%s", r.message);
	} else {
		ck_accel_err(st, ACCEL_ERR_JOB_FAILED);
		ck_assert_str_eq(r.message, "command 0 (gemm): reserved field or flag not zero "
				 "(device error 3): epilogue: bias_addr set without SNPU_EPI_BIAS "
				 "(flags 0x0, requant_mult 0, requant_shift 0, res_mult 0, "
				 "res_shift 0, pre_scale 0, pre_zero_point 0)");
	}
	accel_cmdbuf_free(tmp);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

/* Point 5: profile records name their opcode through a public call. */
START_TEST(test_names)
{
	ck_assert_str_eq(accel_opcode_name(SNPU_OP_GEMM), "gemm");
	ck_assert_str_eq(accel_opcode_name(SNPU_OP_DMA_COPY), "dma_copy");
	ck_assert_ptr_null(accel_opcode_name(0x7777));
	ck_assert_ptr_null(accel_opcode_name(1u << 20));
	ck_assert_str_eq(accel_counter_name(ACCEL_CNT_MACS), "macs");
	ck_assert_str_eq(accel_hw_error_name(SNPU_ERR_SHAPE),
			 "inconsistent dims, strides or parameters");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_abi");
	TCase *host = tcase_create("abi");
	TCase *tc = tcase_create("contract");

	tcase_add_test(host, test_version);
	tcase_add_test(host, test_struct_growth);
	tcase_add_test(host, test_names);
	suite_add_tcase(s, host);
	tcase_add_test(tc, test_struct_size_public);
	tcase_add_test(tc, test_footguns);
	tcase_add_test(tc, test_record_time_shapes);
	tcase_add_test(tc, test_device_names_field);
	tu_add(s, tc, "contract", TU_JOBS);
	return tu_run(s);
}
