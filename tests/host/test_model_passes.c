// SPDX-License-Identifier: MIT
/*
 * The graph passes, each alone on the IR, and the memory planner:
 * constant folding of torch's shape chains, views, BatchNormalization
 * folding, HardSigmoid decomposition, fusion (with and without: same
 * outputs), Pad into Conv, dead-node removal, the arena plan's overlap
 * verifier, and the placement report.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "ir.h"
#include "npy.h"
#include "onnx_import.h"
#include "ops.h"
#include "passes.h"
#include "plan.h"

static void import_model(const char *name, struct ir_graph *g)
{
	char path[512];
	FILE *f;
	long size;
	void *buf;

	snprintf(path, sizeof(path), "%s/%s/model.onnx", MODEL_TEST_DIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f, "%s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)size);
	ck_assert(buf && fread(buf, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	ck_accel(onnx_import(buf, (size_t)size, name, NULL, 2, g));
	free(buf);
	ck_accel(ops_resolve(g));
}

static uint32_t count_op(const struct ir_graph *g, const char *op)
{
	uint32_t i, c = 0;

	for (i = 0; i < g->n_node; i++)
		c += !g->node[i].dead && !strcmp(g->node[i].op, op);
	return c;
}

START_TEST(test_fold_shape_chain)
{
	struct pass_log log = { 0 };
	struct ir_graph g;

	import_model("mlp", &g);
	ck_assert_uint_gt(count_op(&g, "Shape"), 0);
	ck_accel(pass_fold(&g, &log));
	ck_assert_uint_eq(count_op(&g, "Shape"), 0);
	ck_assert_uint_eq(count_op(&g, "Gather"), 0);
	ck_assert_uint_eq(count_op(&g, "Unsqueeze"), 0);
	ck_assert_uint_eq(count_op(&g, "Concat"), 0);
	ck_assert_msg(strstr(log.text, "fold: Shape"), "%s", log.text);
	pass_log_free(&log);
	ir_free(&g);
}
END_TEST

START_TEST(test_views_dropout)
{
	struct pass_log log = { 0 };
	struct ir_graph g;

	import_model("mlp", &g);
	ck_accel(pass_fold(&g, &log));
	ck_assert_uint_gt(count_op(&g, "Dropout"), 0);
	ck_accel(pass_views(&g, &log));
	ck_assert_uint_eq(count_op(&g, "Dropout"), 0);
	ck_accel(ir_compact(&g));
	ck_accel(ir_verify(&g));
	pass_log_free(&log);
	ir_free(&g);
}
END_TEST

START_TEST(test_bn_fold)
{
	struct pass_log log = { 0 };
	struct ir_graph g;
	uint32_t convs;

	import_model("resblock", &g);
	ck_accel(pass_fold(&g, &log));
	convs = count_op(&g, "Conv");
	ck_assert_uint_eq(count_op(&g, "BatchNormalization"), 3);
	ck_accel(pass_bn(&g, &log));
	ck_assert_uint_eq(count_op(&g, "BatchNormalization"), 0);
	ck_assert_uint_eq(count_op(&g, "Conv"), convs);
	/* two follow a Conv directly, the third follows a Relu: Mul + Add */
	ck_assert_msg(strstr(log.text, "folded into conv"), "%s", log.text);
	ck_assert_uint_eq(count_op(&g, "Mul"), 1);
	ck_accel(ir_compact(&g));
	ck_accel(ir_verify(&g));
	pass_log_free(&log);
	ir_free(&g);
}
END_TEST

START_TEST(test_decompose_hardsigmoid)
{
	struct pass_log log = { 0 };
	struct ir_graph g;

	import_model("dwsep", &g);
	ck_accel(pass_fold(&g, &log));
	ck_assert_uint_eq(count_op(&g, "HardSigmoid"), 1);
	ck_accel(pass_decompose(&g, &log));
	ck_assert_uint_eq(count_op(&g, "HardSigmoid"), 0);
	ck_accel(ir_compact(&g));
	ck_accel(ir_verify(&g));
	pass_log_free(&log);
	ir_free(&g);
}
END_TEST

START_TEST(test_fuse_and_pad)
{
	struct pass_log log = { 0 };
	struct ir_graph g;
	uint32_t i, residual = 0, acts = 0, pads;

	import_model("resblock", &g);
	ck_accel(passes_run(&g, false, &log));
	for (i = 0; i < g.n_node; i++) {
		residual += g.node[i].epi.residual >= 0;
		acts += g.node[i].epi.act != 0;
	}
	ck_assert_uint_eq(residual, 1);
	ck_assert_uint_eq(acts, 3);
	ck_assert_uint_eq(count_op(&g, "Relu"), 0);
	pass_log_free(&log);
	ir_free(&g);
	import_model("dwsep", &g);
	pads = count_op(&g, "Pad");
	ck_assert_uint_gt(pads, 0);
	ck_accel(passes_run(&g, false, &log));
	ck_assert_uint_lt(count_op(&g, "Pad"), pads);
	ck_assert_msg(strstr(log.text, "Pad"), "%s", log.text);
	pass_log_free(&log);
	ir_free(&g);
	/* without fusion both stay */
	import_model("dwsep", &g);
	ck_accel(passes_run(&g, true, &log));
	ck_assert_uint_eq(count_op(&g, "Pad"), pads);
	pass_log_free(&log);
	ir_free(&g);
}
END_TEST

/* Every committed model: fused and unfused agree (1e-5) on "sim". */
START_TEST(test_fusion_same_outputs)
{
	static const char *const names[] = { "mlp", "lenet", "resblock", "dwsep",
					     "concat_transpose" };
	accel_device *dev = tu_open();
	uint32_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
		accel_model_stats s0 = { .struct_size = sizeof(s0) }, s1 = s0;
		accel_model *m0, *m1;
		char path[512];
		accel_npy in;
		accel_tensor_info oi;
		float *y0, *y1;
		const float *ins[1];
		float *outs[1];
		uint64_t n = 1, i;

		snprintf(path, sizeof(path), "%s/%s/input_b1.npy", MODEL_TEST_DIR, names[k]);
		ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
		snprintf(path, sizeof(path), "%s/%s/model.onnx", MODEL_TEST_DIR, names[k]);
		ck_accel(accel_model_load_file(dev, path, &o, &m0));
		o.flags = ACCEL_MODEL_NO_FUSION;
		ck_accel(accel_model_load_file(dev, path, &o, &m1));
		ck_accel(accel_model_output_info(m0, 0, &oi));
		for (i = 0; i < oi.rank; i++)
			n *= oi.dim[i];
		y0 = calloc(n, sizeof(float));
		y1 = calloc(n, sizeof(float));
		ins[0] = in.data;
		outs[0] = y0;
		ck_accel(accel_model_run(m0, 1, ins, outs));
		outs[0] = y1;
		ck_accel(accel_model_run(m1, 1, ins, outs));
		for (i = 0; i < n; i++)
			ck_assert_msg(fabsf(y0[i] - y1[i]) <= 1e-5f, "%s[%llu]: %g vs %g", names[k],
				      (unsigned long long)i, (double)y0[i], (double)y1[i]);
		ck_accel(accel_model_get_stats(m0, &s0));
		ck_accel(accel_model_get_stats(m1, &s1));
		ck_assert_uint_le(s0.commands_per_run, s1.commands_per_run);
		printf("%s: %u commands fused, %u unfused\n", names[k], s0.commands_per_run,
		       s1.commands_per_run);
		free(y0);
		free(y1);
		accel__npy_free(&in);
		accel_model_free(m0);
		accel_model_free(m1);
	}
	accel_close(dev);
}
END_TEST

START_TEST(test_dce)
{
	struct pass_log log = { 0 };
	struct ir_graph g;
	int x, y, t, n0, n1;

	ir_init(&g, "dce");
	x = ir_add_value(&g, "x");
	y = ir_add_value(&g, "y");
	t = ir_add_value(&g, "unused");
	g.val[x].flags = IR_VAL_INPUT;
	g.val[x].dtype = IR_DT_FLOAT;
	g.val[x].rank = 1;
	g.val[x].dim[0] = 4;
	g.val[y].flags = IR_VAL_OUTPUT;
	g.outputs = calloc(1, sizeof(int));
	g.inputs = calloc(1, sizeof(int));
	g.outputs[g.n_outputs++] = y;
	g.inputs[g.n_inputs++] = x;
	n0 = ir_add_node(&g, "Relu", "keep", 1, 1);
	g.node[n0].in[0] = x;
	g.node[n0].out[0] = y;
	n1 = ir_add_node(&g, "Sigmoid", "dead", 1, 1);
	g.node[n1].in[0] = x;
	g.node[n1].out[0] = t;
	ck_accel(ops_resolve(&g));
	ck_accel(pass_dce(&g, &log));
	ck_assert(!g.node[n0].dead);
	ck_assert(g.node[n1].dead);
	ck_assert_msg(strstr(log.text, "'dead'"), "%s", log.text);
	ck_accel(ir_compact(&g));
	ck_assert_uint_eq(g.n_node, 1);
	pass_log_free(&log);
	ir_free(&g);
}
END_TEST

START_TEST(test_plan_verify)
{
	struct pass_log log = { 0 };
	struct ir_graph g;
	struct plan p;
	uint32_t i;
	int a = -1, b = -1;

	import_model("resblock", &g);
	ck_accel(passes_run(&g, false, &log));
	ck_accel(place_nodes(&g, ~0u, false));
	ck_accel(plan_build(&g, &p));
	ck_assert_uint_ge(p.arena_bytes, p.arena_lower_bound);
	ck_assert_uint_gt(p.weights_bytes, 0);
	ck_assert_uint_eq(p.n_steps, 1);
	/* two values live at once, forced to the same offset: refused */
	for (i = 0; i < g.n_val && b < 0; i++) {
		if (p.loc[i].space != PLAN_ARENA || plan_root(&g, (int)i) != (int)i)
			continue;
		if (a < 0)
			a = (int)i;
		else if (p.loc[i].first <= p.loc[a].last && p.loc[a].first <= p.loc[i].last)
			b = (int)i;
	}
	ck_assert(a >= 0 && b >= 0);
	p.loc[b].offset = p.loc[a].offset;
	ck_accel_err(plan_verify(&g, &p), ACCEL_ERR_MODEL);
	ck_assert_msg(strstr(accel_last_error(), "overlap"), "%s", accel_last_error());
	plan_free(&p);
	pass_log_free(&log);
	ir_free(&g);
}
END_TEST

START_TEST(test_placement_report)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_device *dev = tu_open();
	accel_model *m;
	char path[512];

	snprintf(path, sizeof(path), "%s/lenet/model.onnx", MODEL_TEST_DIR);
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	ck_assert_msg(!strstr(accel_model_report(m), " cpu "), "%s", accel_model_report(m));
	ck_assert_msg(strstr(accel_model_report(m), "rule conv2d"), "%s", accel_model_report(m));
	ck_assert_msg(strstr(accel_model_report(m), "lower bound"), "%s", accel_model_report(m));
	accel_model_free(m);
	o.flags = ACCEL_MODEL_CPU_ONLY;
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	ck_assert_msg(strstr(accel_model_report(m), "cpu    rule conv2d     ACCEL_MODEL_CPU_ONLY"),
		      "%s", accel_model_report(m));
	accel_model_free(m);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_passes");
	TCase *tc = tcase_create("passes");

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fold_shape_chain);
	tcase_add_test(tc, test_views_dropout);
	tcase_add_test(tc, test_bn_fold);
	tcase_add_test(tc, test_decompose_hardsigmoid);
	tcase_add_test(tc, test_fuse_and_pad);
	tcase_add_test(tc, test_fusion_same_outputs);
	tcase_add_test(tc, test_dce);
	tcase_add_test(tc, test_plan_verify);
	tcase_add_test(tc, test_placement_report);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
