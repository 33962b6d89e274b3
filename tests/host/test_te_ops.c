// SPDX-License-Identifier: MIT
/*
 * Tensor engine vs the CPU reference (libaccel/src/ref): every tensor
 * command and dtype on randomised shapes, layouts, strides, broadcasts and
 * epilogues. fp32 within 1e-5 relative (to the output's magnitude), fp16
 * within 2e-3, int8 and data movement bit-exact, and every byte outside the
 * output's elements unchanged. Runs each GEMM kernel ISA the CPU has.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "snpu_act.h"
#include "snpu_cmd_regions.h"
#include "snpu_layout.h"
#include "snpu_quant.h"
#include "te_fake_exec.h"
#include "te_internal.h"

#define MEM (4u << 20)
#define TOL 1e-5

/* Counter in shared memory: Check forks a child per test. */
static unsigned long *n_cmds_p;
#define n_cmds (*n_cmds_p)

static struct snpu_exec *xnew(void)
{
	struct snpu_exec *x = fake_exec_new(MEM, 2);

	ck_assert_ptr_nonnull(x);
	fake_reset_alloc(x);
	return x;
}

static void run_ok(struct snpu_exec *x, const void *cmd, size_t size)
{
	char why[512];

	ck_assert_msg(fake_run_compare(x, cmd, size, SNPU_OK, TOL, NULL, why, sizeof(why)) == 0,
		      "%s", why);
	n_cmds++;
}

static void hdr(struct snpu_cmd_header *h, uint16_t op, size_t size)
{
	h->opcode = op;
	h->size = (uint16_t)size;
	h->flags = 0;
}

static uint32_t pick_act(int s8_epilogue)
{
	static const uint32_t all[] = { SNPU_ACT_NONE, SNPU_ACT_RELU, SNPU_ACT_CLIP,
					SNPU_ACT_LEAKY_RELU, SNPU_ACT_HARD_SWISH, SNPU_ACT_SIGMOID,
					SNPU_ACT_TANH, SNPU_ACT_GELU, SNPU_ACT_SILU };

	(void)s8_epilogue;
	return all[fake_urange(0, 8)];
}

static void set_act(struct snpu_act_params *a, uint32_t fn)
{
	memset(a, 0, sizeof(*a));
	a->fn = fn;
	if (fn == SNPU_ACT_LEAKY_RELU)
		a->alpha = snpu_f32_bits(0.1f);
	if (fn == SNPU_ACT_CLIP) {
		a->min = snpu_f32_bits(-0.5f);
		a->max = snpu_f32_bits(0.75f);
	}
}

static void qmul(double m, int32_t *mult, int32_t *shift)
{
	ck_assert_int_eq(snpu_quantize_multiplier(m, mult, shift), 0);
}

/* A random epilogue for an output of nch channels; acc_scale = in * w. */
static void gen_epi(struct snpu_exec *x, struct snpu_epilogue *e, const struct snpu_tensor *out,
		    uint32_t nch, uint32_t ksum, int want_bias, int want_res, uint32_t fn)
{
	uint32_t i;
	int s8 = out->dtype == SNPU_DT_INT8;

	memset(e, 0, sizeof(*e));
	set_act(&e->act, fn);
	if (want_bias) {
		e->flags |= SNPU_EPI_BIAS;
		e->bias_addr = fake_alloc(x, 4ull * nch);
		for (i = 0; i < nch; i++) {
			if (s8) {
				int32_t b = (int32_t)fake_urange(0, 4000) - 2000;

				memcpy(x->mem + e->bias_addr + 4 * i, &b, 4);
			} else {
				fake_fill_f32(x, e->bias_addr + 4 * i, 1, -0.5f, 0.5f);
			}
		}
	}
	if (s8) {
		/* acc ~ sqrt(ksum) * 128 * 64: map a few sigmas onto int8 */
		double m = 40.0 / (sqrt((double)ksum) * 128.0 * 64.0);

		if (fake_urange(0, 1)) {
			e->flags |= SNPU_EPI_PER_CHANNEL;
			e->requant_addr = fake_alloc(x, 8ull * nch);
			for (i = 0; i < nch; i++) {
				struct snpu_requant rq;

				qmul(m * fake_frand(0.5f, 2.0f), &rq.multiplier, &rq.shift);
				memcpy(x->mem + e->requant_addr + 8 * i, &rq, 8);
			}
		} else {
			qmul(m, &e->requant_mult, &e->requant_shift);
		}
		if (!snpu_act_is_clamp(fn)) {
			e->pre_scale = snpu_f32_bits(0.05f);
			e->pre_zero_point = (int32_t)fake_urange(0, 20) - 10;
		}
	}
	if (want_res) {
		e->flags |= SNPU_EPI_RESIDUAL;
		ck_assert_int_eq(fake_tensor(x, &e->residual, out->dtype, out->dim[0], out->dim[1],
					     out->dim[2], out->dim[3], FAKE_RANDOM), 0);
		if (s8)
			qmul(fake_frand(0.3f, 1.5f), &e->res_mult, &e->res_shift);
	}
}

static void gen_conv(struct snpu_exec *x, struct snpu_cmd_conv2d *c, uint32_t dt, int depthwise,
		     int big)
{
	uint32_t n = fake_urange(1, 2), g, cg, og, kh, kw, h, w, oh, ow;

	memset(c, 0, sizeof(*c));
	hdr(&c->hdr, SNPU_OP_CONV2D, sizeof(*c));
	if (depthwise) {
		g = fake_urange(1, 24);
		cg = 1;
		og = fake_urange(1, 2);
	} else {
		g = fake_urange(0, 3) ? 1 : fake_urange(2, 3);
		cg = fake_urange(1, big ? 24 : 6);
		og = fake_urange(1, big ? 40 : 9);
	}
	kh = fake_urange(1, 3);
	kw = fake_urange(1, 3);
	h = fake_urange(kh, big ? 20 : 9);
	w = fake_urange(kw, big ? 20 : 9);
	c->stride_h = (uint16_t)fake_urange(1, 2);
	c->stride_w = (uint16_t)fake_urange(1, 2);
	c->dilation_h = (uint16_t)fake_urange(1, 2);
	c->dilation_w = (uint16_t)fake_urange(1, 2);
	c->pad_top = (uint16_t)fake_urange(0, 2);
	c->pad_bottom = (uint16_t)fake_urange(0, 2);
	c->pad_left = (uint16_t)fake_urange(0, 2);
	c->pad_right = (uint16_t)fake_urange(0, 2);
	while (h + c->pad_top + c->pad_bottom < c->dilation_h * (kh - 1) + 1)
		h++;
	while (w + c->pad_left + c->pad_right < c->dilation_w * (kw - 1) + 1)
		w++;
	oh = (uint32_t)snpu_window_out(h, c->pad_top, c->pad_bottom, kh, c->dilation_h, c->stride_h);
	ow = (uint32_t)snpu_window_out(w, c->pad_left, c->pad_right, kw, c->dilation_w, c->stride_w);
	c->groups = g;
	ck_assert_int_eq(fake_tensor(x, &c->input, dt, n, g * cg, h, w, FAKE_RANDOM), 0);
	ck_assert_int_eq(fake_tensor(x, &c->weight, dt, g * og, cg, kh, kw, FAKE_RANDOM), 0);
	ck_assert_int_eq(fake_tensor(x, &c->output, dt, n, g * og, oh, ow, FAKE_RANDOM), 0);
	c->weight.zero_point = 0;
	gen_epi(x, &c->epi, &c->output, g * og, cg * kh * kw, fake_urange(0, 1), fake_urange(0, 3) == 0,
		pick_act(dt == SNPU_DT_INT8));
}

static const uint32_t dts[3] = { SNPU_DT_FP32, SNPU_DT_FP16, SNPU_DT_INT8 };

START_TEST(conv_random)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_conv2d c;
	int i;

	fake_srand(1000 + (uint64_t)_i);
	for (i = 0; i < 12; i++) {
		fake_reset_alloc(x);
		gen_conv(x, &c, dts[_i % 3], _i >= 6 && i % 2, i % 4 == 0);
		run_ok(x, &c, sizeof(c));
	}
	fake_exec_free(x);
}
END_TEST

/* Shapes that reach every blocking path of the conv GEMMs (the random
 * tests stay below them): K > KC (256), M above one MC block, P above
 * SUB_NC and NC, 1x1 convs read in place, 8- and 12-row tiles, groups,
 * strides and dilation; every ISA, fp32, fp16 and int8, dense and
 * strided layouts. */
START_TEST(conv_blocking)
{
	static const uint16_t sh[][10] = {
		/* og  cg  k  h   s  d  pad groups layout(0 NCHW, 1 random) n */
		{ 16, 40, 3, 12, 1, 1, 1, 1, 0, 1 },	/* Kc 360 > KC */
		{ 136, 4, 3, 10, 1, 1, 0, 1, 0, 1 },	/* M 136 > MC */
		{ 8, 3, 3, 50, 1, 1, 1, 1, 0, 1 },	/* P 2500 > NC */
		{ 24, 300, 1, 9, 1, 1, 0, 1, 0, 2 },	/* 1x1 in place, Kc > KC */
		{ 12, 5, 1, 11, 2, 1, 0, 1, 1, 1 },	/* 1x1 stride 2 */
		{ 16, 8, 3, 15, 2, 2, 2, 2, 1, 2 },	/* groups, dilation */
		{ 36, 7, 2, 13, 1, 1, 1, 1, 1, 1 },	/* M 36: 12-row tiles */
	};
	struct snpu_exec *x = xnew();
	struct snpu_cmd_conv2d c;
	int isa, d, i;

	fake_srand(5000);
	for (isa = TE_ISA_PORTABLE; isa <= TE_ISA_AVX512; isa++) {
		te_set_isa((enum te_isa)isa);
		for (d = 0; d < 3; d++)
		for (i = 0; i < (int)(sizeof(sh) / sizeof(sh[0])); i++) {
			uint32_t og = sh[i][0], cg = sh[i][1], k = sh[i][2], h = sh[i][3];
			uint32_t g = sh[i][7], oh;
			int lay = sh[i][8] ? FAKE_RANDOM : FAKE_NCHW;

			fake_reset_alloc(x);
			memset(&c, 0, sizeof(c));
			hdr(&c.hdr, SNPU_OP_CONV2D, sizeof(c));
			c.stride_h = c.stride_w = sh[i][4];
			c.dilation_h = c.dilation_w = sh[i][5];
			c.pad_top = c.pad_bottom = c.pad_left = c.pad_right = sh[i][6];
			c.groups = g;
			oh = (uint32_t)snpu_window_out(h, sh[i][6], sh[i][6], k, sh[i][5], sh[i][4]);
			ck_assert_int_eq(fake_tensor(x, &c.input, dts[d], sh[i][9], g * cg, h, h, lay),
					 0);
			ck_assert_int_eq(fake_tensor(x, &c.weight, dts[d], g * og, cg, k, k, lay), 0);
			ck_assert_int_eq(fake_tensor(x, &c.output, dts[d], sh[i][9], g * og, oh, oh,
						     lay), 0);
			c.weight.zero_point = 0;
			gen_epi(x, &c.epi, &c.output, g * og, cg * k * k, 1, 0,
				pick_act(dts[d] == SNPU_DT_INT8));
			run_ok(x, &c, sizeof(c));
		}
	}
	te_set_isa(TE_ISA_AUTO);
	fake_exec_free(x);
}
END_TEST

/* int8 conv + bias + relu, NCHW, one known case bit-exact with the ref. */
START_TEST(conv_int8_bias_relu)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_conv2d c;
	uint32_t i;

	fake_srand(7);
	memset(&c, 0, sizeof(c));
	hdr(&c.hdr, SNPU_OP_CONV2D, sizeof(c));
	ck_assert_int_eq(fake_tensor(x, &c.input, SNPU_DT_INT8, 1, 16, 14, 14, FAKE_NCHW), 0);
	ck_assert_int_eq(fake_tensor(x, &c.weight, SNPU_DT_INT8, 32, 16, 3, 3, FAKE_NCHW), 0);
	ck_assert_int_eq(fake_tensor(x, &c.output, SNPU_DT_INT8, 1, 32, 14, 14, FAKE_NCHW), 0);
	c.weight.zero_point = 0;
	c.stride_h = c.stride_w = c.dilation_h = c.dilation_w = 1;
	c.pad_top = c.pad_bottom = c.pad_left = c.pad_right = 1;
	c.groups = 1;
	c.epi.flags = SNPU_EPI_BIAS;
	c.epi.bias_addr = fake_alloc(x, 4 * 32);
	for (i = 0; i < 32; i++) {
		int32_t b = (int32_t)i * 97 - 1500;

		memcpy(x->mem + c.epi.bias_addr + 4 * i, &b, 4);
	}
	qmul(0.02 * 0.01 / 0.05, &c.epi.requant_mult, &c.epi.requant_shift);
	c.epi.act.fn = SNPU_ACT_RELU;
	run_ok(x, &c, sizeof(c));
	/* relu: nothing below the output zero point */
	for (i = 0; i < 32 * 14 * 14; i++)
		ck_assert_int_ge((int8_t)x->mem[c.output.addr + i], c.output.zero_point);
	fake_exec_free(x);
}
END_TEST

/* The int8 epilogue's vector path (te_epi_s8_avx512, whole channel runs of
 * 14 x 14) at the extremes: per-channel biases near 0 (results inside
 * int8), near +-2^30 and near the int32 wrap (saturated results, 64-bit
 * products of +-2^31), requant 0.5 with rounding, the output zero point at
 * both ends of its range; equal to the reference bit for bit. */
START_TEST(conv_int8_epi_extremes)
{
	static const int32_t zps[] = { -128, 0, 127 };
	static const int64_t base[8] = { -6000, -1500, 1500, 6000, 1ll << 30, -(1ll << 30),
					 (1ll << 31) - 700, -(1ll << 31) + 700 };
	struct snpu_exec *x = xnew();
	struct snpu_cmd_conv2d c;
	uint32_t i, z;

	for (z = 0; z < sizeof(zps) / sizeof(zps[0]); z++) {
		fake_reset_alloc(x);
		fake_srand(11 + z);
		memset(&c, 0, sizeof(c));
		hdr(&c.hdr, SNPU_OP_CONV2D, sizeof(c));
		ck_assert_int_eq(fake_tensor(x, &c.input, SNPU_DT_INT8, 1, 4, 14, 14, FAKE_NCHW), 0);
		ck_assert_int_eq(fake_tensor(x, &c.weight, SNPU_DT_INT8, 8, 4, 1, 1, FAKE_NCHW), 0);
		ck_assert_int_eq(fake_tensor(x, &c.output, SNPU_DT_INT8, 1, 8, 14, 14, FAKE_NCHW), 0);
		c.weight.zero_point = 0;
		c.output.zero_point = zps[z];
		c.stride_h = c.stride_w = c.dilation_h = c.dilation_w = 1;
		c.groups = 1;
		c.epi.flags = SNPU_EPI_BIAS;
		c.epi.bias_addr = fake_alloc(x, 4 * 8);
		for (i = 0; i < 8; i++) {
			int32_t b = (int32_t)base[i];

			memcpy(x->mem + c.epi.bias_addr + 4 * i, &b, 4);
		}
		c.epi.requant_mult = 1 << 30;	/* 0.5 */
		c.epi.requant_shift = (int32_t)z - 2;	/* right shifts 2, 1, 0 */
		c.epi.act.fn = SNPU_ACT_NONE;
		run_ok(x, &c, sizeof(c));
	}
	fake_exec_free(x);
}
END_TEST

static void gen_gemm(struct snpu_exec *x, struct snpu_cmd_gemm *c, uint32_t dt, int big)
{
	uint32_t b0 = fake_urange(1, 2), b1 = fake_urange(1, 3);
	uint32_t m = fake_urange(1, big ? 150 : 20), n = fake_urange(1, big ? 100 : 40);
	uint32_t k = fake_urange(1, big ? 300 : 40);

	memset(c, 0, sizeof(*c));
	hdr(&c->hdr, SNPU_OP_GEMM, sizeof(*c));
	ck_assert_int_eq(fake_tensor(x, &c->a, dt, fake_urange(0, 1) ? b0 : 1,
				     fake_urange(0, 1) ? b1 : 1, m, k, FAKE_RANDOM), 0);
	ck_assert_int_eq(fake_tensor(x, &c->b, dt, fake_urange(0, 1) ? b0 : 1,
				     fake_urange(0, 1) ? b1 : 1, k, n, FAKE_RANDOM), 0);
	ck_assert_int_eq(fake_tensor(x, &c->c, dt, b0, b1, m, n, FAKE_RANDOM), 0);
	c->b.zero_point = 0;
	if (fake_urange(0, 3) == 0) {	/* broadcast a along B1 with stride 0 */
		c->a.dim[1] = b1;
		c->a.stride[1] = 0;
	}
	gen_epi(x, &c->epi, &c->c, n, k, fake_urange(0, 1), fake_urange(0, 3) == 0,
		pick_act(dt == SNPU_DT_INT8));
}

START_TEST(gemm_random)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_gemm c;
	int i;

	fake_srand(2000 + (uint64_t)_i);
	for (i = 0; i < 12; i++) {
		fake_reset_alloc(x);
		gen_gemm(x, &c, dts[_i % 3], i % 3 == 0);
		run_ok(x, &c, sizeof(c));
	}
	fake_exec_free(x);
}
END_TEST

/* Every kernel ISA this CPU has, fp32 and int8, sizes around the tiles. */
START_TEST(gemm_isa)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_gemm c;
	struct snpu_cmd_conv2d cv;
	int isa, i;

	fake_srand(3000);
	for (isa = TE_ISA_PORTABLE; isa <= TE_ISA_AVX512; isa++) {
		te_set_isa((enum te_isa)isa);
		for (i = 0; i < 6; i++) {
			fake_reset_alloc(x);
			gen_gemm(x, &c, i % 2 ? SNPU_DT_INT8 : SNPU_DT_FP32, 1);
			run_ok(x, &c, sizeof(c));
			fake_reset_alloc(x);
			gen_conv(x, &cv, i % 2 ? SNPU_DT_INT8 : SNPU_DT_FP32, 0, 1);
			run_ok(x, &cv, sizeof(cv));
		}
	}
	te_set_isa(TE_ISA_AUTO);
	fake_exec_free(x);
}
END_TEST

/* Max pooling's running maximum (uapi/snpu_act.h, shared by the engine
 * and the reference, so only a direct check can catch a change): NaN from
 * either side propagates, ties keep the running value (-0 vs +0). */
START_TEST(max_f32_rule)
{
	volatile float nan = NAN;
	float pz = 0.0f, nz = -0.0f;

	ck_assert(isnan(snpu_max_f32(nan, 1.0f)));
	ck_assert(isnan(snpu_max_f32(1.0f, nan)));
	ck_assert(isnan(snpu_max_f32(-INFINITY, nan)));
	ck_assert(snpu_max_f32(1.0f, 2.0f) == 2.0f);
	ck_assert(snpu_max_f32(2.0f, 1.0f) == 2.0f);
	ck_assert(snpu_max_f32(-INFINITY, -3.0f) == -3.0f);
	ck_assert(signbit(snpu_max_f32(nz, pz)));
	ck_assert(!signbit(snpu_max_f32(pz, nz)));
}
END_TEST

START_TEST(pool_random)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_pool c;
	int i;

	fake_srand(4000 + (uint64_t)_i);
	for (i = 0; i < 16; i++) {
		uint32_t dt = dts[_i % 3], h, w, oh, ow;

		fake_reset_alloc(x);
		memset(&c, 0, sizeof(c));
		hdr(&c.hdr, SNPU_OP_POOL, sizeof(c));
		c.mode = fake_urange(0, 1);
		if (c.mode == SNPU_POOL_AVG && fake_urange(0, 1))
			c.pool_flags = SNPU_POOL_COUNT_PAD;
		h = fake_urange(1, 12);
		w = fake_urange(1, 12);
		if (i % 4 == 3) {	/* global */
			c.kernel_h = (uint16_t)h;
			c.kernel_w = (uint16_t)w;
			c.stride_h = c.stride_w = 1;
		} else {
			c.kernel_h = (uint16_t)fake_urange(1, 3);
			c.kernel_w = (uint16_t)fake_urange(1, 3);
			c.stride_h = (uint16_t)fake_urange(1, 3);
			c.stride_w = (uint16_t)fake_urange(1, 3);
			c.pad_top = (uint16_t)fake_urange(0, c.kernel_h - 1u);
			c.pad_bottom = (uint16_t)fake_urange(0, c.kernel_h - 1u);
			c.pad_left = (uint16_t)fake_urange(0, c.kernel_w - 1u);
			c.pad_right = (uint16_t)fake_urange(0, c.kernel_w - 1u);
			while (h + c.pad_top + c.pad_bottom < c.kernel_h)
				h++;
			while (w + c.pad_left + c.pad_right < c.kernel_w)
				w++;
		}
		oh = (uint32_t)snpu_window_out(h, c.pad_top, c.pad_bottom, c.kernel_h, 1, c.stride_h);
		ow = (uint32_t)snpu_window_out(w, c.pad_left, c.pad_right, c.kernel_w, 1, c.stride_w);
		ck_assert_int_eq(fake_tensor(x, &c.input, dt, fake_urange(1, 2), fake_urange(1, 5),
					     h, w, FAKE_RANDOM), 0);
		ck_assert_int_eq(fake_tensor(x, &c.output, dt, c.input.dim[0], c.input.dim[1], oh,
					     ow, FAKE_RANDOM), 0);
		c.output.zero_point = c.input.zero_point;
		c.output.scale = c.input.scale;
		run_ok(x, &c, sizeof(c));
	}
	fake_exec_free(x);
}
END_TEST

START_TEST(eltwise_random)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_eltwise c;
	int i, j;

	fake_srand(5000 + (uint64_t)_i);
	/* loops 6..: int8 over >= 2^17 outputs (the engine's (a, b) table) */
	for (i = 0; i < (_i < 6 ? 24 : 6); i++) {
		uint32_t dt = _i < 6 ? dts[_i % 3] : SNPU_DT_INT8, d[4], op;

		fake_reset_alloc(x);
		memset(&c, 0, sizeof(c));
		hdr(&c.hdr, SNPU_OP_ELTWISE, sizeof(c));
		op = (uint32_t)(i % SNPU_ELT_COUNT);
		if (dt == SNPU_DT_INT8 && op == SNPU_ELT_DIV)
			op = SNPU_ELT_ADD;
		c.op = op;
		for (j = 0; j < 4; j++)
			d[j] = fake_urange(1, 6);
		if (_i >= 6) {
			d[0] = 1;
			d[1] = 2;
			d[2] = 256;
			d[3] = 256 + fake_urange(0, 7);
		}
		ck_assert_int_eq(fake_tensor(x, &c.out, dt, d[0], d[1], d[2], d[3], FAKE_RANDOM), 0);
		ck_assert_int_eq(fake_tensor(x, &c.a, dt, fake_urange(0, 1) ? d[0] : 1, d[1],
					     fake_urange(0, 1) ? d[2] : 1, d[3], FAKE_RANDOM), 0);
		ck_assert_int_eq(fake_tensor(x, &c.b, dt, d[0], fake_urange(0, 1) ? d[1] : 1, d[2],
					     fake_urange(0, 1) ? d[3] : 1, FAKE_RANDOM), 0);
		if (fake_urange(0, 2) == 0) {	/* broadcast by stride 0 */
			c.b.stride[2] = 0;
		}
		set_act(&c.act, dt == SNPU_DT_INT8 ? fake_urange(0, 2) : pick_act(0));
		if (dt == SNPU_DT_INT8) {
			float sa = snpu_bits_f32(c.a.scale), sb = snpu_bits_f32(c.b.scale);
			float so = snpu_bits_f32(c.out.scale);

			if (op == SNPU_ELT_ADD || op == SNPU_ELT_SUB) {
				double twice = 2.0 * (sa > sb ? sa : sb);

				c.left_shift = 20;
				qmul(sa / twice, &c.a_mult, &c.a_shift);
				qmul(sb / twice, &c.b_mult, &c.b_shift);
				qmul(twice / ((1 << 20) * (double)so), &c.out_mult, &c.out_shift);
			} else if (op == SNPU_ELT_MUL) {
				qmul((double)sa * sb / so, &c.out_mult, &c.out_shift);
			} else {
				c.a.scale = c.b.scale = c.out.scale;
				c.a.zero_point = c.b.zero_point = c.out.zero_point;
			}
		}
		if (op == SNPU_ELT_DIV) {	/* keep divisors away from 0 */
			__u64 lo, hi, k;

			snpu_tensor_extent(&c.b, &lo, &hi);
			for (k = lo; k < hi; k += snpu_dtype_size(dt)) {
				float f = fake_frand(0.5f, 2.0f);

				if (dt == SNPU_DT_FP32) {
					memcpy(x->mem + k, &f, 4);
				} else {
					uint16_t hh = snpu_f32_to_f16(f);

					memcpy(x->mem + k, &hh, 2);
				}
			}
		}
		run_ok(x, &c, sizeof(c));
	}
	fake_exec_free(x);
}
END_TEST

START_TEST(activation_all)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_activation c;
	uint32_t fn;

	fake_srand(6000 + (uint64_t)_i);
	for (fn = 0; fn < SNPU_ACT_COUNT; fn++) {
		uint32_t dt = dts[_i % 3];

		fake_reset_alloc(x);
		memset(&c, 0, sizeof(c));
		hdr(&c.hdr, SNPU_OP_ACTIVATION, sizeof(c));
		ck_assert_int_eq(fake_tensor(x, &c.input, dt, fake_urange(1, 2), fake_urange(1, 8),
					     fake_urange(1, 9), fake_urange(1, 17), FAKE_RANDOM), 0);
		ck_assert_int_eq(fake_tensor(x, &c.output, dt, c.input.dim[0], c.input.dim[1],
					     c.input.dim[2], c.input.dim[3], FAKE_RANDOM), 0);
		if (dt == SNPU_DT_INT8)
			c.input.scale = snpu_f32_bits(0.05f);	/* cover -6..6 */
		set_act(&c.act, fn);
		run_ok(x, &c, sizeof(c));
	}
	fake_exec_free(x);
}
END_TEST

START_TEST(softmax_axes)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_softmax c;
	uint32_t ax;

	fake_srand(7000 + (uint64_t)_i);
	for (ax = 0; ax < 4; ax++) {
		uint32_t dt = dts[_i % 3];

		fake_reset_alloc(x);
		memset(&c, 0, sizeof(c));
		hdr(&c.hdr, SNPU_OP_SOFTMAX, sizeof(c));
		ck_assert_int_eq(fake_tensor(x, &c.input, dt, fake_urange(1, 3), fake_urange(1, 10),
					     fake_urange(1, 5), fake_urange(1, 12), FAKE_RANDOM), 0);
		ck_assert_int_eq(fake_tensor(x, &c.output, dt, c.input.dim[0], c.input.dim[1],
					     c.input.dim[2], c.input.dim[3], FAKE_RANDOM), 0);
		if (dt == SNPU_DT_INT8) {
			c.output.scale = snpu_f32_bits(1.0f / 256);
			c.output.zero_point = -128;
		}
		c.axis = ax;
		c.beta = snpu_f32_bits(fake_frand(0.5f, 2.0f));
		run_ok(x, &c, sizeof(c));
	}
	fake_exec_free(x);
}
END_TEST

START_TEST(move_pad_convert)
{
	static const uint32_t conv[][2] = {
		{ SNPU_DT_FP32, SNPU_DT_INT8 }, { SNPU_DT_INT8, SNPU_DT_FP32 },
		{ SNPU_DT_FP32, SNPU_DT_FP16 }, { SNPU_DT_FP16, SNPU_DT_FP32 },
		{ SNPU_DT_INT8, SNPU_DT_INT8 }, { SNPU_DT_INT32, SNPU_DT_FP32 },
	};
	struct snpu_exec *x = xnew();
	int i, j;

	fake_srand(8000);
	for (i = 0; i < 30; i++) {
		uint32_t dt = (uint32_t)i % SNPU_DT_COUNT, d[4];

		for (j = 0; j < 4; j++)
			d[j] = fake_urange(1, 7);
		fake_reset_alloc(x);
		if (i % 3 == 0) {
			struct snpu_cmd_move c;

			memset(&c, 0, sizeof(c));
			hdr(&c.hdr, SNPU_OP_MOVE, sizeof(c));
			ck_assert_int_eq(fake_tensor(x, &c.input, dt, d[0], d[1], d[2], d[3],
						     FAKE_RANDOM), 0);
			ck_assert_int_eq(fake_tensor(x, &c.output, dt, d[0], d[1], d[2], d[3],
						     FAKE_RANDOM), 0);
			c.output.scale = c.input.scale;
			c.output.zero_point = c.input.zero_point;
			run_ok(x, &c, sizeof(c));
		} else if (i % 3 == 1) {
			struct snpu_cmd_pad c;
			uint32_t od[4];

			memset(&c, 0, sizeof(c));
			hdr(&c.hdr, SNPU_OP_PAD, sizeof(c));
			c.mode = fake_urange(0, 2);
			for (j = 0; j < 4; j++) {
				uint32_t lim = c.mode == SNPU_PAD_REFLECT ? d[j] - 1 : 3;

				c.before[j] = fake_urange(0, lim);
				od[j] = d[j] + c.before[j] + fake_urange(0, lim);
			}
			ck_assert_int_eq(fake_tensor(x, &c.input, dt, d[0], d[1], d[2], d[3],
						     FAKE_RANDOM), 0);
			ck_assert_int_eq(fake_tensor(x, &c.output, dt, od[0], od[1], od[2], od[3],
						     FAKE_RANDOM), 0);
			c.output.scale = c.input.scale;
			c.output.zero_point = c.input.zero_point;
			if (c.mode == SNPU_PAD_CONSTANT)
				c.value = (uint32_t)fake_rand() & (snpu_dtype_size(dt) == 4 ? 0xffffffffu :
					  snpu_dtype_size(dt) == 2 ? 0xffffu : 0xffu);
			run_ok(x, &c, sizeof(c));
		} else {
			struct snpu_cmd_convert c;
			const uint32_t *p = conv[i % 6];

			memset(&c, 0, sizeof(c));
			hdr(&c.hdr, SNPU_OP_CONVERT, sizeof(c));
			ck_assert_int_eq(fake_tensor(x, &c.input, p[0], d[0], d[1], d[2], d[3],
						     FAKE_RANDOM), 0);
			ck_assert_int_eq(fake_tensor(x, &c.output, p[1], d[0], d[1], d[2], d[3],
						     FAKE_RANDOM), 0);
			run_ok(x, &c, sizeof(c));
		}
	}
	fake_exec_free(x);
}
END_TEST

/* Operands in an unmapped hole: a fault, the reference agrees. */
START_TEST(fault_hole)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_gemm c;
	char why[512];
	__u64 lo, hi;

	fake_srand(9000);
	gen_gemm(x, &c, SNPU_DT_FP32, 0);
	snpu_tensor_extent(&c.b, &lo, &hi);
	x->hole_lo = lo + (hi - lo) / 2;
	x->hole_hi = x->hole_lo + 1;
	ck_assert_msg(fake_run_compare(x, &c, sizeof(c), SNPU_ERR_MMU_FAULT, TOL, NULL, why,
				       sizeof(why)) == 0, "%s", why);
	ck_assert_uint_ge(x->fault_va, lo);
	ck_assert_uint_lt(x->fault_va, hi);
	n_cmds++;
	fake_exec_free(x);
}
END_TEST

/* A table activation without the firmware's table: SNPU_ERR_NO_LUT. */
START_TEST(missing_lut)
{
	struct snpu_exec *x = xnew();
	struct snpu_cmd_activation c;
	char why[512];

	fake_srand(9100);
	memset(&c, 0, sizeof(c));
	hdr(&c.hdr, SNPU_OP_ACTIVATION, sizeof(c));
	ck_assert_int_eq(fake_tensor(x, &c.input, SNPU_DT_INT8, 1, 2, 3, 4, FAKE_NCHW), 0);
	ck_assert_int_eq(fake_tensor(x, &c.output, SNPU_DT_INT8, 1, 2, 3, 4, FAKE_NCHW), 0);
	c.act.fn = SNPU_ACT_SIGMOID;
	x->lut[SNPU_LUT_SIGMOID] = NULL;
	ck_assert_msg(fake_run_compare(x, &c, sizeof(c), SNPU_ERR_NO_LUT, TOL, NULL, why,
				       sizeof(why)) == 0, "%s", why);
	ck_assert_ptr_nonnull(strstr(x->log, "table"));
	n_cmds++;
	fake_exec_free(x);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("te_ops");
	TCase *tc = tcase_create("engine_vs_reference");
	SRunner *sr;
	int failed;

	n_cmds_p = mmap(NULL, sizeof(*n_cmds_p), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (n_cmds_p == MAP_FAILED)
		return EXIT_FAILURE;

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, conv_random, 0, 9);
	tcase_add_test(tc, conv_blocking);
	tcase_add_test(tc, conv_int8_bias_relu);
	tcase_add_test(tc, conv_int8_epi_extremes);
	tcase_add_loop_test(tc, gemm_random, 0, 6);
	tcase_add_test(tc, gemm_isa);
	tcase_add_test(tc, max_f32_rule);
	tcase_add_loop_test(tc, pool_random, 0, 6);
	tcase_add_loop_test(tc, eltwise_random, 0, 8);
	tcase_add_loop_test(tc, activation_all, 0, 3);
	tcase_add_loop_test(tc, softmax_axes, 0, 6);
	tcase_add_test(tc, move_pad_convert);
	tcase_add_test(tc, fault_hole);
	tcase_add_test(tc, missing_lut);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("te_ops: %lu tensor commands exercised against the reference\n", n_cmds);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
