/* SPDX-License-Identifier: MIT */
/*
 * libaccel int8 quantization helpers (accel/quant.h): their values, their
 * refusals, and an int8 GEMM and an int8 add built only from them that the
 * device computes bit for bit as the shared arithmetic (snpu_quant.h) says,
 * and close to the float result.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "snpu_quant.h"

START_TEST(test_range)
{
	float s;
	int32_t zp;
	int8_t q;
	float back;
	const float zero = 0.0f;

	ck_accel(accel_quant_range(-1.0f, 3.0f, &s, &zp));
	ck_assert_float_eq_tol(s, 4.0f / 255.0f, 1e-9f);
	ck_assert_int_eq(zp, -64);
	/* real 0 is exact */
	ck_accel(accel_quantize(&zero, 1, s, zp, &q));
	ck_assert_int_eq(q, zp);
	ck_accel(accel_dequantize(&q, 1, s, zp, &back));
	ck_assert(back == 0.0f);
	/* ranges widened to contain 0 */
	ck_accel(accel_quant_range(2.0f, 5.0f, &s, &zp));
	ck_assert_float_eq_tol(s, 5.0f / 255.0f, 1e-9f);
	ck_assert_int_eq(zp, -128);
	ck_accel(accel_quant_range(-3.0f, -1.0f, &s, &zp));
	ck_assert_float_eq_tol(s, 3.0f / 255.0f, 1e-9f);
	ck_assert_int_eq(zp, 127);
	ck_accel(accel_quant_range(0.0f, 0.0f, &s, &zp));
	ck_assert(s == 1.0f && zp == 0);
	ck_accel_err(accel_quant_range(3.0f, 1.0f, &s, &zp), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_quant_range: range [3, 1] is not finite with "
			 "min <= max");
	ck_accel_err(accel_quant_range(NAN, 1.0f, &s, &zp), ACCEL_ERR_INVALID_ARG);
	ck_accel(accel_quant_symmetric(-2.54f, &s));
	ck_assert_float_eq_tol(s, 0.02f, 1e-7f);
	ck_accel(accel_quant_symmetric(0.0f, &s));
	ck_assert(s == 1.0f);
}
END_TEST

START_TEST(test_multiplier)
{
	int32_t m, sh;

	/* docs/hardware.md 10.3: 0.005 = 0.64 * 2^-7 */
	ck_accel(accel_quant_multiplier(0.005, &m, &sh));
	ck_assert_int_eq(m, 1374389535);
	ck_assert_int_eq(sh, -7);
	ck_accel(accel_quant_multiplier(1.0, &m, &sh));
	ck_assert_int_eq(m, 1 << 30);
	ck_assert_int_eq(sh, 1);
	ck_accel_err(accel_quant_multiplier(0.0, &m, &sh), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_quant_multiplier: real multiplier 0 must be "
			 "finite and > 0");
	ck_accel_err(accel_quant_multiplier(-0.5, &m, &sh), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_quant_multiplier(NAN, &m, &sh), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_quant_multiplier(ldexp(1.0, 40), &m, &sh), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "too large"));
	ck_accel_err(accel_quant_multiplier(1e-12, &m, &sh), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "every output would be the zero point"));
	/* the requant of a layer */
	ck_accel(accel_quant_requant(0.5f, 0.01f, 0.25f, &m, &sh));
	{
		int32_t m2, sh2;

		ck_assert_int_eq(snpu_quantize_multiplier((double)0.5f * 0.01f / 0.25f, &m2, &sh2), 0);
		ck_assert_int_eq(m, m2);
		ck_assert_int_eq(sh, sh2);
	}
	ck_accel_err(accel_quant_requant(0.5f, 0.0f, 0.25f, &m, &sh), ACCEL_ERR_INVALID_ARG);
	ck_accel(accel_quant_residual(0.5f, 0.25f, &m, &sh));
	ck_assert_int_eq(m, 1 << 30);
	ck_assert_int_eq(sh, 2);
}
END_TEST

START_TEST(test_bias_weights)
{
	const float bias[3] = { 0.5f, -0.25f, 100.0f };
	const float one_scale[1] = { 0.01f };
	const float per[3] = { 0.01f, 0.02f, 0.04f };
	const float w[2][4] = { { 1.27f, -0.5f, 0.0f, 0.635f }, { -2.54f, 1.0f, 2.0f, 0.004f } };
	int32_t q[3];
	int8_t wq[8];
	float ws[2];

	ck_accel(accel_quant_bias(bias, 3, 0.1f, one_scale, 1, q));
	ck_assert_int_eq(q[0], 500);
	ck_assert_int_eq(q[1], -250);
	ck_assert_int_eq(q[2], 100000);
	ck_accel(accel_quant_bias(bias, 3, 0.1f, per, 3, q));
	ck_assert_int_eq(q[0], 500);
	ck_assert_int_eq(q[1], -125);
	ck_assert_int_eq(q[2], 25000);
	ck_accel_err(accel_quant_bias(bias, 3, 0.1f, per, 2, q), ACCEL_ERR_INVALID_ARG);
	ck_accel(accel_quant_weights(&w[0][0], 2, 4, wq, ws));
	ck_assert_float_eq_tol(ws[0], 0.01f, 1e-7f);
	ck_assert_float_eq_tol(ws[1], 0.02f, 1e-7f);
	ck_assert_int_eq(wq[0], 127);
	ck_assert_int_eq(wq[1], -50);
	ck_assert_int_eq(wq[2], 0);
	ck_assert_int_eq(wq[4], -127);
	ck_assert_int_eq(wq[7], 0);
}
END_TEST

static float frand(uint32_t *seed, float lo, float hi)
{
	return lo + (hi - lo) * (float)(tu_rand(seed) % 10001) / 10000.0f;
}

/* An int8 GEMM with per-column weights, bias and ReLU, every parameter from
 * the helpers: bit-exact with snpu_quant.h, close to the float result. */
START_TEST(test_int8_gemm_from_helpers)
{
	enum { M = 8, K = 32, N = 16 };
	accel_device *dev = tu_open();
	float a[M * K], w[K * N], wt[N * K], bias[N], ref[M * N], ws[N], s_a, s_out;
	float lo = INFINITY, hi = -INFINITY, worst = 0;
	int8_t qa[M * K], qwt[N * K], qw[K * N], out[M * N];
	int32_t qbias[N], zp_a, zp_out;
	accel_requant table[N];
	accel_buffer *ba, *bw, *bb, *bt, *bc;
	accel_cmdbuf *cb;
	accel_gemm g = ACCEL_GEMM_INIT;
	uint32_t seed = 77;

	for (int i = 0; i < M * K; i++)
		a[i] = frand(&seed, -1.0f, 2.0f);
	for (int i = 0; i < K * N; i++)
		w[i] = frand(&seed, -0.5f, 0.5f) * (float)(1 + i % N) / N;
	for (int n = 0; n < N; n++)
		bias[n] = frand(&seed, -1.0f, 1.0f);
	for (int m = 0; m < M; m++) {
		for (int n = 0; n < N; n++) {
			float acc = bias[n];

			for (int k = 0; k < K; k++)
				acc += a[m * K + k] * w[k * N + n];
			ref[m * N + n] = acc > 0 ? acc : 0;	/* relu */
			lo = fminf(lo, ref[m * N + n]);
			hi = fmaxf(hi, ref[m * N + n]);
		}
	}
	/* The helpers, as the model compiler calls them. */
	ck_accel(accel_quant_range(-1.0f, 2.0f, &s_a, &zp_a));
	ck_accel(accel_quantize(a, M * K, s_a, zp_a, qa));
	for (int n = 0; n < N; n++)
		for (int k = 0; k < K; k++)
			wt[n * K + k] = w[k * N + n];
	ck_accel(accel_quant_weights(wt, N, K, qwt, ws));
	for (int n = 0; n < N; n++)
		for (int k = 0; k < K; k++)
			qw[k * N + n] = qwt[n * K + k];
	ck_accel(accel_quant_bias(bias, N, s_a, ws, N, qbias));
	ck_accel(accel_quant_range(lo, hi, &s_out, &zp_out));
	ck_accel(accel_quant_requant_table(s_a, ws, N, s_out, table));

	ck_accel(accel_buffer_create(dev, sizeof(qa), ACCEL_MEM_DEVICE, &ba));
	ck_accel(accel_buffer_create(dev, sizeof(qw), ACCEL_MEM_DEVICE | ACCEL_MEM_READ_ONLY, &bw));
	ck_accel(accel_buffer_create(dev, sizeof(qbias), ACCEL_MEM_HOST, &bb));
	ck_accel(accel_buffer_create(dev, sizeof(table), ACCEL_MEM_HOST, &bt));
	ck_accel(accel_buffer_create(dev, sizeof(out), ACCEL_MEM_HOST, &bc));
	ck_accel(accel_buffer_write(ba, 0, qa, sizeof(qa)));
	ck_accel(accel_buffer_write(bw, 0, qw, sizeof(qw)));
	ck_accel(accel_buffer_write(bb, 0, qbias, sizeof(qbias)));
	ck_accel(accel_buffer_write(bt, 0, table, sizeof(table)));
	g.a = (accel_tensor){ .mem = accel_ref_buffer(ba, 0), .dim = { 1, 1, M, K },
			      .dtype = ACCEL_DT_INT8, .zero_point = zp_a, .scale = s_a };
	g.b = (accel_tensor){ .mem = accel_ref_buffer(bw, 0), .dim = { 1, 1, K, N },
			      .dtype = ACCEL_DT_INT8, .scale = ws[N - 1] };
	g.c = (accel_tensor){ .mem = accel_ref_buffer(bc, 0), .dim = { 1, 1, M, N },
			      .dtype = ACCEL_DT_INT8, .zero_point = zp_out, .scale = s_out };
	g.epi.flags = ACCEL_EPI_BIAS | ACCEL_EPI_PER_CHANNEL;
	g.epi.bias = accel_ref_buffer(bb, 0);
	g.epi.requant = accel_ref_buffer(bt, 0);
	g.epi.act.fn = ACCEL_ACT_RELU;
	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(accel_cmd_gemm(cb, &g));
	ck_accel(accel_run(dev, cb, NULL, NULL));
	ck_accel(accel_buffer_read(bc, 0, out, sizeof(out)));
	for (int m = 0; m < M; m++) {
		for (int n = 0; n < N; n++) {
			int32_t acc = qbias[n], want;
			float deq;

			for (int k = 0; k < K; k++)
				acc = snpu_acc_add(acc, (qa[m * K + k] - zp_a) * qw[k * N + n]);
			want = snpu_epi_s8(acc, table[n].mult, table[n].shift, zp_out, 0, 0, 0, 0, 0);
			want = want < zp_out ? zp_out : want;	/* relu clamps at the zero point */
			ck_assert_msg(out[m * N + n] == want, "[%d][%d]: device %d, arithmetic %d", m,
				      n, out[m * N + n], want);
			ck_accel(accel_dequantize(&out[m * N + n], 1, s_out, zp_out, &deq));
			worst = fmaxf(worst, fabsf(deq - ref[m * N + n]));
		}
	}
	ck_assert_msg(worst <= 0.03f * (hi - lo) + s_out, "int8 GEMM error %g on a range of %g",
		      (double)worst, (double)(hi - lo));
	accel_cmdbuf_free(cb);
	accel_buffer_free(ba);
	accel_buffer_free(bw);
	accel_buffer_free(bb);
	accel_buffer_free(bt);
	accel_buffer_free(bc);
	accel_close(dev);
}
END_TEST

/* int8 add with accel_quant_eltwise: bit-exact and within the rounding. */
START_TEST(test_int8_add_from_helpers)
{
	enum { E = 256 };
	accel_device *dev = tu_open();
	float a[E], b[E], deq;
	int8_t qa[E], qb[E], out[E];
	accel_buffer *buf;
	accel_cmdbuf *cb;
	accel_eltwise e = ACCEL_ELTWISE_INIT;
	struct snpu_elt_s8 p;
	uint32_t seed = 5;

	for (int i = 0; i < E; i++) {
		a[i] = frand(&seed, -1.0f, 1.0f);
		b[i] = frand(&seed, -4.0f, 0.5f);
	}
	e.op = ACCEL_ELT_ADD;
	ck_accel(accel_buffer_create(dev, 3 * E, ACCEL_MEM_HOST, &buf));
	e.a = (accel_tensor){ .mem = accel_ref_buffer(buf, 0), .dim = { 1, 1, 1, E },
			      .dtype = ACCEL_DT_INT8 };
	e.b = e.a;
	e.b.mem.offset = E;
	e.out = e.a;
	e.out.mem.offset = 2 * E;
	ck_accel(accel_quant_range(-1.0f, 1.0f, &e.a.scale, &e.a.zero_point));
	ck_accel(accel_quant_range(-4.0f, 0.5f, &e.b.scale, &e.b.zero_point));
	ck_accel(accel_quant_range(-5.0f, 1.5f, &e.out.scale, &e.out.zero_point));
	ck_accel(accel_quant_eltwise(&e));
	ck_assert_int_eq(e.left_shift, 20);
	ck_accel(accel_quantize(a, E, e.a.scale, e.a.zero_point, qa));
	ck_accel(accel_quantize(b, E, e.b.scale, e.b.zero_point, qb));
	ck_accel(accel_buffer_write(buf, 0, qa, E));
	ck_accel(accel_buffer_write(buf, E, qb, E));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(accel_cmd_eltwise(cb, &e));
	ck_accel(accel_run(dev, cb, NULL, NULL));
	ck_accel(accel_buffer_read(buf, 2 * E, out, E));
	p = (struct snpu_elt_s8){ .op = SNPU_ELT_ADD, .left_shift = e.left_shift,
				  .a_zp = e.a.zero_point, .a_mult = e.a_mult, .a_shift = e.a_shift,
				  .b_zp = e.b.zero_point, .b_mult = e.b_mult, .b_shift = e.b_shift,
				  .out_zp = e.out.zero_point, .out_mult = e.out_mult,
				  .out_shift = e.out_shift };
	for (int i = 0; i < E; i++) {
		ck_assert_int_eq(out[i], snpu_elt_s8_apply(&p, qa[i], qb[i]));
		ck_accel(accel_dequantize(&out[i], 1, e.out.scale, e.out.zero_point, &deq));
		ck_assert_msg(fabsf(deq - (a[i] + b[i])) <= (e.a.scale + e.b.scale) / 2 +
			      e.out.scale, "[%d]: %g + %g gave %g", i, (double)a[i], (double)b[i],
			      (double)deq);
	}
	/* max/min need one quantization */
	e.op = ACCEL_ELT_MAX;
	ck_accel_err(accel_quant_eltwise(&e), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "int8 max/min need a, b and out "
				     "quantized alike"));
	accel_cmdbuf_free(cb);
	accel_buffer_free(buf);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_quant");
	TCase *host = tcase_create("helpers");
	TCase *tc = tcase_create("device");

	tcase_add_test(host, test_range);
	tcase_add_test(host, test_multiplier);
	tcase_add_test(host, test_bias_weights);
	suite_add_tcase(s, host);
	tcase_add_test(tc, test_int8_gemm_from_helpers);
	tcase_add_test(tc, test_int8_add_from_helpers);
	tu_add(s, tc, "device", TU_TENSOR);
	return tu_run(s);
}
