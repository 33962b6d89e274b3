// SPDX-License-Identifier: MIT
/*
 * The layout pass (pass_layout.c): which 4-D tensors it stores NHWC on
 * small graphs (a Transpose NCHW -> NHWC after a conv and its residual, a
 * channels-last graph input transposed to NCHW, and the cases that must
 * stay NCHW because an op reads its operand as packed or the tensor is
 * graph I/O), that the removed Transpose saves its MOVE command, and that
 * outputs with the pass equal the CPU reference without it: on the small
 * graphs and on every committed model (tests/models), batch 1 and N, also
 * against PyTorch's outputs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "ir.h"
#include "npy.h"
#include "onnx_build.h"
#include "onnx_import.h"
#include "ops.h"
#include "passes.h"
#include "plan.h"

/* The compile pipeline up to and including the layout pass. */
static void compile_ir(const void *buf, size_t size, struct ir_graph *g, struct pass_log *log)
{
	ck_accel(onnx_import(buf, size, "layout-test", NULL, 1, g));
	ck_accel(passes_run(g, false, log));
	ck_accel(place_nodes(g, ~0u, false));
	ck_accel(pass_layout(g, log));
	ck_accel(ir_verify(g));
}

static const struct ir_node *node_named(const struct ir_graph *g, const char *name)
{
	uint32_t i;

	for (i = 0; i < g->n_node; i++)
		if (!g->node[i].dead && !strcmp(g->node[i].name, name))
			return &g->node[i];
	ck_abort_msg("no node %s", name);
	return NULL;
}

static bool is_nhwc(const struct ir_graph *g, const char *name)
{
	int v = ir_find_value(g, name);

	ck_assert_msg(v >= 0, "no value %s", name);
	return g->val[v].flags & IR_VAL_NHWC;
}

static uint32_t count_nhwc(const struct ir_graph *g)
{
	uint32_t i, c = 0;

	for (i = 0; i < g->n_val; i++)
		c += !!(g->val[i].flags & IR_VAL_NHWC);
	return c;
}

static float *ramp(size_t n, float scale)
{
	float *p = malloc(n * sizeof(float));
	uint32_t seed = 7;
	size_t i;

	ck_assert(p);
	for (i = 0; i < n; i++)
		p[i] = ((float)(tu_rand(&seed) % 2001) / 1000.0f - 1.0f) * scale;
	return p;
}

static void init_rand(struct ob *b, const char *name, uint32_t rank, const int64_t *dims)
{
	size_t n = 1, i;
	float *p;

	for (i = 0; i < rank; i++)
		n *= (size_t)dims[i];
	p = ramp(n, 0.5f);
	ob_init_f32(b, name, rank, dims, p);
	free(p);
}

static size_t out_count(const accel_model *m, size_t k)
{
	accel_tensor_info oi;
	size_t n = 1;
	uint32_t i;

	ck_accel(accel_model_output_info(m, k, &oi));
	for (i = 0; i < oi.rank; i++)
		n *= oi.dim[i];
	return n;
}

static uint32_t commands(const accel_model *m)
{
	accel_model_stats s = { .struct_size = sizeof(s) };

	ck_accel(accel_model_get_stats(m, &s));
	return s.commands_per_run;
}

static uint64_t cycles(const accel_model *m)
{
	accel_model_stats s = { .struct_size = sizeof(s) };

	ck_accel(accel_model_get_stats(m, &s));
	return s.predicted_cycles;
}

/*
 * The model with the pass (device and CPU reference) and without it
 * (device) against the CPU reference without it, every output; the
 * commands per run with and without the pass in *with / *without.
 */
static void same_outputs(const void *buf, size_t size, const float *const *ins, size_t n_out,
			 uint32_t *with, uint32_t *without)
{
	static const uint32_t flags[] = { 0, ACCEL_MODEL_CPU_ONLY, ACCEL_MODEL_NCHW_ONLY,
					  ACCEL_MODEL_CPU_ONLY | ACCEL_MODEL_NCHW_ONLY };
	accel_device *dev = tu_open();
	float *y[4][5];
	uint32_t f, k;
	size_t i;

	ck_assert_uint_le(n_out, 5);
	for (f = 0; f < 4; f++) {
		accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
		accel_model *m;

		o.flags = flags[f];
		ck_accel(accel_model_load_memory(dev, buf, size, "layout-test", NULL, &o, &m));
		for (k = 0; k < n_out; k++) {
			y[f][k] = calloc(out_count(m, k), sizeof(float));
			ck_assert(y[f][k]);
		}
		ck_accel(accel_model_run(m, 1, ins, y[f]));
		if (f == 0)
			*with = commands(m);
		if (f == 2)
			*without = commands(m);
		if (f == 3) {
			for (k = 0; k < n_out; k++) {
				size_t n = out_count(m, k);
				uint32_t g;

				for (g = 0; g < 3; g++)
					for (i = 0; i < n; i++)
						ck_assert_msg(fabsf(y[g][k][i] - y[3][k][i]) <=
							      1e-5f + 1e-5f * fabsf(y[3][k][i]),
							      "flags %#x output %u[%zu]: %g, reference %g",
							      flags[g], k, i, (double)y[g][k][i],
							      (double)y[3][k][i]);
			}
		}
		accel_model_free(m);
	}
	for (f = 0; f < 4; f++)
		for (k = 0; k < n_out; k++)
			free(y[f][k]);
	accel_close(dev);
}

/* Conv -> Relu -> Conv + residual Add -> Transpose(0,2,3,1) -> Reshape into
 * tokens -> MatMul: torch's permute before a token reshape. */
static void *graph_to_nhwc(size_t *size)
{
	static const int64_t xd[] = { 1, 3, 5, 7 }, w1[] = { 4, 3, 3, 3 }, b1[] = { 4 },
			     w2[] = { 4, 4, 3, 3 }, pads[] = { 1, 1, 1, 1 }, perm[] = { 0, 2, 3, 1 },
			     shape[] = { 1, 35, 4 }, wm[] = { 4, 6 };
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;
	void *buf;

	ob_input(b, "x", 4, xd);
	init_rand(b, "w1", 4, w1);
	init_rand(b, "b1", 1, b1);
	init_rand(b, "w2", 4, w2);
	init_rand(b, "wm", 2, wm);
	ob_init_i64(b, "shape", 3, shape);
	n = ob_node(b, "Conv", "conv1", "x,w1,b1", "c1");
	ob_attr_ints(b, n, "pads", 4, pads);
	ob_node(b, "Relu", "relu1", "c1", "r1");
	n = ob_node(b, "Conv", "conv2", "r1,w2", "c2");
	ob_attr_ints(b, n, "pads", 4, pads);
	ob_node(b, "Add", "add", "c2,r1", "s");
	n = ob_node(b, "Transpose", "t", "s", "st");
	ob_attr_ints(b, n, "perm", 4, perm);
	ob_node(b, "Reshape", "tokens", "st,shape", "tok");
	ob_node(b, "MatMul", "proj", "tok,wm", "y");
	ob_output(b, "y");
	buf = ob_pack(b, size);
	ob_free(b);
	return buf;
}

START_TEST(test_layout_transpose_to_nhwc)
{
	struct pass_log log = { 0 };
	const struct ir_node *t;
	struct ir_graph g;
	uint32_t with, without;
	size_t size;
	void *buf = graph_to_nhwc(&size);
	float *x = ramp(3 * 5 * 7, 1.0f);
	const float *ins[1] = { x };

	compile_ir(buf, size, &g, &log);
	t = node_named(&g, "t");
	/* the Transpose's input (the conv with the fused residual) is stored
	 * NHWC and the Transpose reads it as a view */
	ck_assert_int_eq(t->kind, OP_LAYOUT_VIEW);
	ck_assert(g.val[t->in[0]].flags & IR_VAL_NHWC);
	ck_assert_int_eq(g.val[t->out[0]].alias, t->in[0]);
	ck_assert(!(g.val[t->out[0]].flags & IR_VAL_NHWC));	/* packed (N,H,W,C) */
	/* graph input, the first conv's output (a conv input and the residual,
	 * with no Transpose to remove) stay NCHW */
	ck_assert(!is_nhwc(&g, "x"));
	ck_assert_uint_eq(count_nhwc(&g), 1);
	ck_assert_msg(strstr(log.text, "layout: 1 value(s) NHWC, 1 Transpose(s) removed"), "%s",
		      log.text);
	pass_log_free(&log);
	ir_free(&g);

	same_outputs(buf, size, ins, 1, &with, &without);
	ck_assert_uint_eq(with + 1, without);	/* the transposing MOVE is gone */
	free(x);
	free(buf);
}
END_TEST

/* A channels-last graph input: Transpose(0,3,1,2) -> Conv -> MaxPool, and
 * a Concat of the transposed input with the conv (mixed layouts). */
START_TEST(test_layout_nhwc_input)
{
	static const int64_t xd[] = { 1, 5, 7, 3 }, w[] = { 4, 3, 3, 3 }, pads[] = { 1, 1, 1, 1 },
			     perm[] = { 0, 3, 1, 2 }, k2[] = { 2, 2 };
	struct pass_log log = { 0 };
	const struct ir_node *t;
	struct ir_graph g;
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;
	uint32_t with, without;
	size_t size;
	void *buf;
	float *x = ramp(3 * 5 * 7, 1.0f);
	const float *ins[1] = { x };

	ob_input(b, "x", 4, xd);
	init_rand(b, "w", 4, w);
	n = ob_node(b, "Transpose", "t", "x", "xt");
	ob_attr_ints(b, n, "perm", 4, perm);
	n = ob_node(b, "Conv", "conv", "xt,w", "c");
	ob_attr_ints(b, n, "pads", 4, pads);
	n = ob_node(b, "Concat", "cat", "xt,c", "cc");
	ob_attr_i(b, n, "axis", 1);
	n = ob_node(b, "MaxPool", "pool", "cc", "p");
	ob_attr_ints(b, n, "kernel_shape", 2, k2);
	ob_attr_ints(b, n, "strides", 2, k2);
	ob_output(b, "p");
	buf = ob_pack(b, &size);
	ob_free(b);

	compile_ir(buf, size, &g, &log);
	t = node_named(&g, "t");
	ck_assert_int_eq(t->kind, OP_LAYOUT_VIEW);
	ck_assert(is_nhwc(&g, "xt"));		/* the input's storage, read as NHWC */
	ck_assert(!is_nhwc(&g, "x"));		/* graph input: as the graph says */
	ck_assert_int_eq(g.val[ir_find_value(&g, "xt")].alias, ir_find_value(&g, "x"));
	ck_assert(!is_nhwc(&g, "c"));		/* no Transpose to remove: NCHW */
	ck_assert(!is_nhwc(&g, "p"));		/* graph output */
	ck_assert_uint_eq(count_nhwc(&g), 1);
	pass_log_free(&log);
	ir_free(&g);

	same_outputs(buf, size, ins, 1, &with, &without);
	ck_assert_uint_eq(with + 1, without);
	free(x);
	free(buf);
}
END_TEST

/* Where the device needs packed operands the pass must leave NCHW: a
 * Transpose of a graph input (NCHW -> NHWC), of a tensor a Softmax also
 * reads, of a tensor a Reshape view also reads, of a graph output. */
START_TEST(test_layout_stays_nchw)
{
	static const int64_t xd[] = { 1, 3, 4, 5 }, w[] = { 3, 3, 1, 1 }, perm[] = { 0, 2, 3, 1 },
			     flat[] = { 1, 60 };
	struct pass_log log = { 0 };
	struct ir_graph g;
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;
	uint32_t with, without, i;
	size_t size;
	void *buf;
	float *x = ramp(60, 1.0f);
	const float *ins[1] = { x };
	static const char *const ts[] = { "t_in", "t_soft", "t_view" };

	ob_input(b, "x", 4, xd);
	init_rand(b, "w", 4, w);
	init_rand(b, "w2", 4, w);
	ob_init_i64(b, "flat", 2, flat);
	n = ob_node(b, "Transpose", "t_in", "x", "y0");
	ob_attr_ints(b, n, "perm", 4, perm);
	ob_node(b, "Conv", "conv_a", "x,w", "a");
	n = ob_node(b, "Softmax", "soft", "a", "y1");
	ob_attr_i(b, n, "axis", 1);
	n = ob_node(b, "Transpose", "t_soft", "a", "y2");
	ob_attr_ints(b, n, "perm", 4, perm);
	ob_node(b, "Conv", "conv_b", "x,w2", "bb");
	ob_node(b, "Reshape", "view", "bb,flat", "y3");
	n = ob_node(b, "Transpose", "t_view", "bb", "y4");
	ob_attr_ints(b, n, "perm", 4, perm);
	ob_output(b, "y0");
	ob_output(b, "y1");
	ob_output(b, "y2");
	ob_output(b, "y3");
	ob_output(b, "y4");
	buf = ob_pack(b, &size);
	ob_free(b);

	compile_ir(buf, size, &g, &log);
	for (i = 0; i < 3; i++)
		ck_assert_msg(node_named(&g, ts[i])->kind == OP_TRANSPOSE, "%s", ts[i]);
	ck_assert_uint_eq(count_nhwc(&g), 0);
	ck_assert_msg(strstr(log.text, "layout: 0 value(s) NHWC"), "%s", log.text);
	pass_log_free(&log);
	ir_free(&g);

	same_outputs(buf, size, ins, 5, &with, &without);
	ck_assert_uint_eq(with, without);
	free(x);
	free(buf);
}
END_TEST

/* concat_transpose: two convs joined by Concat, permuted to tokens. */
START_TEST(test_layout_concat_transpose_model)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_device *dev = tu_open();
	uint32_t with, without;
	uint64_t cyc_with, cyc_without;
	char path[512];
	accel_model *m;
	const char *r;

	snprintf(path, sizeof(path), "%s/concat_transpose/model.onnx", MODEL_TEST_DIR);
	o.batch = 16;
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	r = accel_model_report(m);
	ck_assert_msg(strstr(r, "rule layout"), "%s", r);
	ck_assert_msg(strstr(r, "layout (4-D tensors") && strstr(r, "  NHWC "), "%s", r);
	ck_assert_msg(strstr(r, "layout: 1 value(s) NHWC, 1 Transpose(s) removed"), "%s", r);
	with = commands(m);
	cyc_with = cycles(m);
	accel_model_free(m);
	o.flags = ACCEL_MODEL_NCHW_ONLY;
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	r = accel_model_report(m);
	ck_assert_msg(!strstr(r, "  NHWC "), "%s", r);
	without = commands(m);
	cyc_without = cycles(m);
	accel_model_free(m);
	ck_assert_uint_eq(with + 1, without);
	/* the timing model is layout-blind: the saving is the MOVE's time */
	ck_assert_uint_lt(cyc_with, cyc_without);
	printf("concat_transpose batch 16: %u commands and %llu predicted cycles per run with the "
	       "layout pass, %u and %llu without\n", with, (unsigned long long)cyc_with, without,
	       (unsigned long long)cyc_without);
	accel_close(dev);
}
END_TEST

static const char *const models[] = { "mlp", "lenet", "lenet_static", "resblock", "dwsep",
				      "concat_transpose" };

/* Every committed model, the pass on: device and CPU reference within
 * 1e-5 of the CPU reference without the pass, and 1e-4 of PyTorch. */
static void check_model(const char *name, const char *sfx)
{
	static const uint32_t flags[] = { 0, ACCEL_MODEL_CPU_ONLY,
					  ACCEL_MODEL_CPU_ONLY | ACCEL_MODEL_NCHW_ONLY };
	accel_device *dev = tu_open();
	accel_npy in, want;
	char path[1024];
	float *y[3];
	uint32_t f;
	uint64_t k;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s/input_%s.npy", MODEL_TEST_DIR, name, sfx);
	fp = fopen(path, "rb");
	if (!fp) {	/* a static-batch model has no batch-N data */
		accel_close(dev);
		return;
	}
	fclose(fp);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	snprintf(path, sizeof(path), "%s/%s/output_%s.npy", MODEL_TEST_DIR, name, sfx);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &want));
	snprintf(path, sizeof(path), "%s/%s/model.onnx", MODEL_TEST_DIR, name);
	for (f = 0; f < 3; f++) {
		accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
		const float *ins[1] = { in.data };
		accel_model *m;

		o.batch = (uint32_t)in.dim[0];
		o.flags = flags[f];
		y[f] = calloc(want.count, sizeof(float));
		ck_assert(y[f]);
		ck_accel(accel_model_load_file(dev, path, &o, &m));
		ck_accel(accel_model_run(m, (uint32_t)in.dim[0], ins, &y[f]));
		accel_model_free(m);
	}
	for (k = 0; k < want.count; k++) {
		float ref = y[2][k];

		for (f = 0; f < 2; f++)
			ck_assert_msg(fabsf(y[f][k] - ref) <= 1e-5f + 1e-5f * fabsf(ref),
				      "%s %s flags %#x [%llu]: %g, reference %g", name, sfx, flags[f],
				      (unsigned long long)k, (double)y[f][k], (double)ref);
		ck_assert_msg(fabsf(y[0][k] - ((const float *)want.data)[k]) <= 1e-4f,
			      "%s %s [%llu]: %g, PyTorch %g", name, sfx, (unsigned long long)k,
			      (double)y[0][k], (double)((const float *)want.data)[k]);
	}
	for (f = 0; f < 3; f++)
		free(y[f]);
	accel__npy_free(&in);
	accel__npy_free(&want);
	accel_close(dev);
}

START_TEST(test_layout_models_b1)
{
	check_model(models[_i], "b1");
}
END_TEST

START_TEST(test_layout_models_bN)
{
	check_model(models[_i], "bN");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_layout");
	TCase *tc = tcase_create("layout");
	int nm = (int)(sizeof(models) / sizeof(models[0]));

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_layout_transpose_to_nhwc);
	tcase_add_test(tc, test_layout_nhwc_input);
	tcase_add_test(tc, test_layout_stays_nchw);
	tcase_add_test(tc, test_layout_concat_transpose_model);
	tcase_add_loop_test(tc, test_layout_models_b1, 0, nm);
	tcase_add_loop_test(tc, test_layout_models_bN, 0, nm);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
