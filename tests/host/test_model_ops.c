// SPDX-License-Identifier: MIT
/*
 * Every op (and the fused epilogue) on "sim" against the CPU reference,
 * fp32, on odd shapes: 1x1, prime sizes, large channels, batch 1 and 64.
 * Each case builds a one- or two-node ONNX model, loads it twice (device,
 * ACCEL_MODEL_CPU_ONLY), runs both on the same random inputs and compares
 * every output (|a - b| <= 1e-4 (1 + |b|)).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "onnx_build.h"

#define N (-1)	/* the symbolic batch dim */

static uint32_t seed = 12345;

static float rnd(void)
{
	return (float)(tu_rand(&seed) % 20001) / 10000.0f - 1.0f;
}

/* A random float initializer of the given dims. */
static void weights(struct ob *b, const char *name, uint32_t rank, const int64_t *dims)
{
	size_t n = 1, i;
	float *d;
	uint32_t k;

	for (k = 0; k < rank; k++)
		n *= (size_t)dims[k];
	d = malloc(n * sizeof(float));
	ck_assert(d);
	for (i = 0; i < n; i++)
		d[i] = rnd();
	ob_init_f32(b, name, rank, dims, d);
	free(d);
}

static float *run_model(accel_device *dev, const void *buf, size_t size, uint32_t batch,
			uint32_t flags, float **ins, size_t *out_n)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_tensor_info info;
	accel_model *m;
	float *out, *outs[1];
	size_t i, n;
	uint32_t d;

	o.batch = batch;
	o.flags = flags;
	ck_accel(accel_model_load_memory(dev, buf, size, "op.onnx", NULL, &o, &m));
	for (i = 0; i < accel_model_input_count(m); i++) {
		ck_accel(accel_model_input_info(m, i, &info));
		for (n = 1, d = 0; d < info.rank; d++)
			n *= info.dim[d];
		if (!ins[i]) {
			ins[i] = malloc(n * sizeof(float));
			for (d = 0; d < n; d++)
				ins[i][d] = rnd() * 2.0f;
		}
	}
	ck_accel(accel_model_output_info(m, 0, &info));
	for (n = 1, d = 0; d < info.rank; d++)
		n *= info.dim[d];
	out = calloc(n, sizeof(float));
	outs[0] = out;
	ck_accel(accel_model_run(m, batch, (const float *const *)ins, outs));
	if (!flags) {
		accel_model_stats st = { .struct_size = sizeof(st) };

		ck_accel(accel_model_get_stats(m, &st));
		ck_assert_msg(!st.cpu_nodes, "%s", accel_model_report(m));
	}
	accel_model_free(m);
	*out_n = n;
	return out;
}

/* Finish b (output "y"), run on the device and on the CPU reference. */
static void check(struct ob *b, uint32_t batch, const char *what)
{
	accel_device *dev = tu_open();
	float *ins[4] = { 0 }, *a, *r;
	size_t size, n, n2, i;
	void *buf;

	ob_output(b, "y");
	buf = ob_pack(b, &size);
	a = run_model(dev, buf, size, batch, 0, ins, &n);
	r = run_model(dev, buf, size, batch, ACCEL_MODEL_CPU_ONLY, ins, &n2);
	ck_assert_uint_eq(n, n2);
	for (i = 0; i < n; i++)
		ck_assert_msg(fabsf(a[i] - r[i]) <= 1e-4f * (1.0f + fabsf(r[i])),
			      "%s batch %u: y[%zu] device %g, cpu %g", what, batch, i, (double)a[i],
			      (double)r[i]);
	for (i = 0; i < 4; i++)
		free(ins[i]);
	free(a);
	free(r);
	free(buf);
	ob_free(b);
	accel_close(dev);
}

#define DIMS(...) (const int64_t[]){ __VA_ARGS__ }, (uint32_t)(sizeof((int64_t[]){ __VA_ARGS__ }) / sizeof(int64_t))

static void input(struct ob *b, const char *name, const int64_t *d, uint32_t rank)
{
	ob_input(b, name, rank, d);
}

static void init_w(struct ob *b, const char *name, const int64_t *d, uint32_t rank)
{
	weights(b, name, rank, d);
}

START_TEST(test_conv)
{
	static const uint32_t batches[] = { 1, 64 };
	uint32_t k;

	for (k = 0; k < 2; k++) {
		struct ob *b = ob_new(13);
		Onnx__NodeProto *n;

		/* 1x1 spatial, 1x1 kernel */
		input(b, "x", DIMS(N, 3, 1, 1));
		init_w(b, "w", DIMS(5, 3, 1, 1));
		init_w(b, "bias", DIMS(5));
		ob_node(b, "Conv", "c", "x,w,bias", "y");
		check(b, batches[k], "conv 1x1");
		/* prime sizes, strides, dilation, asymmetric pads */
		b = ob_new(13);
		input(b, "x", DIMS(N, 3, 13, 11));
		init_w(b, "w", DIMS(7, 3, 3, 5));
		init_w(b, "bias", DIMS(7));
		n = ob_node(b, "Conv", "c", "x,w,bias", "y");
		ob_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 1 });
		ob_attr_ints(b, n, "dilations", 2, (int64_t[]){ 1, 2 });
		ob_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 2, 0, 1 });
		check(b, batches[k], "conv prime");
	}
}
END_TEST

START_TEST(test_conv_groups)
{
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;

	input(b, "x", DIMS(N, 16, 9, 9));	/* depthwise, SAME_UPPER, stride 2 */
	init_w(b, "w", DIMS(16, 1, 3, 3));
	n = ob_node(b, "Conv", "c", "x,w", "y");
	ob_attr_i(b, n, "group", 16);
	ob_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 2 });
	ob_attr_s(b, n, "auto_pad", "SAME_UPPER");
	check(b, 3, "depthwise");
	b = ob_new(13);				/* large channels, grouped */
	input(b, "x", DIMS(1, 256, 5, 5));
	init_w(b, "w", DIMS(128, 64, 1, 1));
	n = ob_node(b, "Conv", "c", "x,w", "y");
	ob_attr_i(b, n, "group", 4);
	check(b, 1, "grouped 256 channels");
	b = ob_new(13);				/* 1-D */
	input(b, "x", DIMS(N, 4, 17));
	init_w(b, "w", DIMS(6, 4, 3));
	n = ob_node(b, "Conv", "c", "x,w", "y");
	ob_attr_ints(b, n, "pads", 2, (int64_t[]){ 1, 1 });
	check(b, 2, "conv1d");
}
END_TEST

START_TEST(test_gemm_matmul)
{
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;

	input(b, "x", DIMS(N, 37));
	init_w(b, "w", DIMS(19, 37));
	init_w(b, "c", DIMS(19));
	n = ob_node(b, "Gemm", "g", "x,w,c", "y");
	ob_attr_i(b, n, "transB", 1);
	ob_attr_f(b, n, "alpha", 0.5f);
	check(b, 64, "gemm transB alpha bias");
	b = ob_new(13);
	input(b, "x", DIMS(N, 3, 5, 7));
	init_w(b, "w", DIMS(7, 11));
	ob_node(b, "MatMul", "m", "x,w", "y");
	check(b, 2, "matmul batched x const");
	b = ob_new(13);
	input(b, "x", DIMS(2, 1, 4, 6));
	input(b, "z", DIMS(3, 6, 5));
	ob_node(b, "MatMul", "m", "x,z", "y");
	check(b, 1, "matmul broadcast");
}
END_TEST

START_TEST(test_eltwise)
{
	static const char *const ops[] = { "Add", "Sub", "Mul", "Div", "Max", "Min" };
	uint32_t k;

	for (k = 0; k < 6; k++) {
		struct ob *b = ob_new(13);

		input(b, "x", DIMS(N, 3, 1, 5));
		input(b, "z", DIMS(4, 1));
		ob_node(b, ops[k], "e", "x,z", "y");
		check(b, 2, ops[k]);
	}
}
END_TEST

START_TEST(test_activations)
{
	static const char *const ops[] = { "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid",
					   "HardSwish", "Clip" };
	uint32_t k;

	for (k = 0; k < 7; k++) {
		struct ob *b = ob_new(13);

		input(b, "x", DIMS(N, 3, 7, 11));
		if (!strcmp(ops[k], "Clip")) {
			float lo = -0.5f, hi = 0.7f;

			ob_init_f32(b, "lo", 0, NULL, &lo);
			ob_init_f32(b, "hi", 0, NULL, &hi);
			ob_node(b, "Clip", "a", "x,lo,hi", "y");
		} else {
			Onnx__NodeProto *n = ob_node(b, ops[k], "a", "x", "y");

			if (!strcmp(ops[k], "LeakyRelu"))
				ob_attr_f(b, n, "alpha", 0.3f);
		}
		check(b, 64, ops[k]);
	}
}
END_TEST

START_TEST(test_softmax)
{
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;

	input(b, "x", DIMS(N, 5, 3, 2));
	n = ob_node(b, "Softmax", "s", "x", "y");
	ob_attr_i(b, n, "axis", 1);
	check(b, 3, "softmax axis 1");
	b = ob_new(11);				/* opset 11: 2-D coercion */
	input(b, "x", DIMS(N, 3, 4));
	n = ob_node(b, "Softmax", "s", "x", "y");
	ob_attr_i(b, n, "axis", 1);
	check(b, 2, "softmax opset 11");
}
END_TEST

START_TEST(test_pools)
{
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;

	input(b, "x", DIMS(N, 3, 13, 13));
	n = ob_node(b, "MaxPool", "p", "x", "y");
	ob_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ 3, 3 });
	ob_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 2 });
	ob_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	check(b, 64, "maxpool");
	b = ob_new(13);
	input(b, "x", DIMS(N, 3, 11, 7));
	n = ob_node(b, "AveragePool", "p", "x", "y");
	ob_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ 2, 3 });
	ob_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 2 });
	ob_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	ob_attr_i(b, n, "count_include_pad", 1);
	check(b, 2, "avgpool count_include_pad");
	b = ob_new(13);
	input(b, "x", DIMS(N, 3, 11, 7));
	n = ob_node(b, "AveragePool", "p", "x", "y");
	ob_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ 3, 3 });
	ob_attr_ints(b, n, "strides", 2, (int64_t[]){ 2, 2 });
	ob_attr_i(b, n, "ceil_mode", 1);
	check(b, 2, "avgpool ceil_mode");
	b = ob_new(13);
	input(b, "x", DIMS(N, 7, 5, 3));
	ob_node(b, "GlobalAveragePool", "p", "x", "y");
	check(b, 1, "global average");
	b = ob_new(13);
	input(b, "x", DIMS(N, 7, 5, 3));
	ob_node(b, "GlobalMaxPool", "p", "x", "y");
	check(b, 64, "global max");
	b = ob_new(13);
	input(b, "x", DIMS(N, 7, 5, 3));
	n = ob_node(b, "ReduceMean", "r", "x", "y");
	ob_attr_ints(b, n, "axes", 2, (int64_t[]){ 2, 3 });
	check(b, 2, "reducemean spatial");
	b = ob_new(13);
	input(b, "x", DIMS(N, 7, 5, 3));
	n = ob_node(b, "ReduceMax", "r", "x", "y");
	ob_attr_ints(b, n, "axes", 1, (int64_t[]){ 1 });
	ob_attr_i(b, n, "keepdims", 0);
	check(b, 2, "reducemax channels");
}
END_TEST

START_TEST(test_bn_pad_concat_transpose)
{
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;
	int64_t pads[8] = { 0, 0, 1, 2, 0, 0, 2, 1 };
	float half = 0.5f;
	uint32_t k;

	input(b, "x", DIMS(N, 6, 5, 5));
	init_w(b, "s", DIMS(6));
	init_w(b, "bb", DIMS(6));
	init_w(b, "mu", DIMS(6));
	{
		float var[6] = { 0.5f, 1, 2, 0.1f, 3, 1.5f };

		ob_init_f32(b, "var", 1, (int64_t[]){ 6 }, var);
	}
	ob_node(b, "BatchNormalization", "bn", "x,s,bb,mu,var", "y");
	check(b, 2, "batchnorm alone");
	for (k = 0; k < 3; k++) {
		static const char *const modes[] = { "constant", "edge", "reflect" };

		b = ob_new(13);
		input(b, "x", DIMS(N, 2, 5, 5));
		ob_init_i64(b, "pads", 8, pads);
		ob_init_f32(b, "v", 0, NULL, &half);
		n = ob_node(b, "Pad", "p", k ? "x,pads" : "x,pads,v", "y");
		ob_attr_s(b, n, "mode", modes[k]);
		check(b, 2, modes[k]);
	}
	b = ob_new(13);
	input(b, "x", DIMS(N, 2, 3));
	input(b, "z", DIMS(N, 5, 3));
	init_w(b, "w", DIMS(1, 1, 3));
	ob_node(b, "Add", "bc", "x,w", "x2");
	n = ob_node(b, "Concat", "c", "x2,z,x", "y");
	ob_attr_i(b, n, "axis", 1);
	check(b, 3, "concat");
	b = ob_new(13);
	input(b, "x", DIMS(N, 3, 4, 5));
	n = ob_node(b, "Transpose", "t", "x", "y");
	ob_attr_ints(b, n, "perm", 4, (int64_t[]){ 0, 2, 3, 1 });
	check(b, 2, "transpose");
}
END_TEST

START_TEST(test_slice)
{
	struct ob *b = ob_new(13);

	input(b, "x", DIMS(N, 5, 7, 9));
	ob_init_i64(b, "s", 2, (int64_t[]){ 1, -8 });
	ob_init_i64(b, "e", 2, (int64_t[]){ 4, 1000 });
	ob_init_i64(b, "a", 2, (int64_t[]){ 1, 3 });
	ob_init_i64(b, "p", 2, (int64_t[]){ 1, 3 });
	ob_node(b, "Slice", "sl", "x,s,e,a,p", "y");
	check(b, 3, "slice");
	{	/* and the values themselves: y[n][c][h][w] = x[n][1 + c][h][1 + 3w] */
		accel_device *dev = tu_open();
		float *ins[4] = { 0 }, *y;
		size_t size, n, i;
		void *buf;

		b = ob_new(13);
		input(b, "x", DIMS(N, 5, 7, 9));
		ob_init_i64(b, "s", 2, (int64_t[]){ 1, -8 });
		ob_init_i64(b, "e", 2, (int64_t[]){ 4, 1000 });
		ob_init_i64(b, "a", 2, (int64_t[]){ 1, 3 });
		ob_init_i64(b, "p", 2, (int64_t[]){ 1, 3 });
		ob_node(b, "Slice", "sl", "x,s,e,a,p", "y");
		ob_output(b, "y");
		buf = ob_pack(b, &size);
		y = run_model(dev, buf, size, 2, 0, ins, &n);
		ck_assert_uint_eq(n, 2 * 3 * 7 * 3);
		for (i = 0; i < n; i++) {
			size_t w = i % 3, h = i / 3 % 7, c = i / 21 % 3, nn = i / 63;

			ck_assert(y[i] == ins[0][((nn * 5 + 1 + c) * 7 + h) * 9 + 1 + 3 * w]);
		}
		free(ins[0]);
		free(y);
		free(buf);
		ob_free(b);
		accel_close(dev);
	}
}
END_TEST

/* The fused epilogue: Conv + bias + residual Add + Relu in one command. */
START_TEST(test_fused_epilogue)
{
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;

	input(b, "x", DIMS(N, 4, 7, 7));
	input(b, "r", DIMS(N, 8, 7, 7));
	init_w(b, "w", DIMS(8, 4, 3, 3));
	init_w(b, "bias", DIMS(8));
	n = ob_node(b, "Conv", "c", "x,w,bias", "t");
	ob_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	ob_node(b, "Add", "a", "t,r", "u");
	ob_node(b, "Relu", "relu", "u", "y");
	check(b, 64, "conv+bias+residual+relu");
	b = ob_new(13);
	input(b, "x", DIMS(N, 31));
	init_w(b, "w", DIMS(31, 17));
	ob_node(b, "MatMul", "m", "x,w", "t");
	ob_node(b, "Sigmoid", "s", "t", "y");
	check(b, 64, "matmul+sigmoid");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_ops");
	TCase *tc = tcase_create("ops");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_conv);
	tcase_add_test(tc, test_conv_groups);
	tcase_add_test(tc, test_gemm_matmul);
	tcase_add_test(tc, test_eltwise);
	tcase_add_test(tc, test_activations);
	tcase_add_test(tc, test_softmax);
	tcase_add_test(tc, test_pools);
	tcase_add_test(tc, test_bn_pad_concat_transpose);
	tcase_add_test(tc, test_fused_epilogue);
	tcase_add_test(tc, test_slice);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
