// SPDX-License-Identifier: MIT
/*
 * Sigmoid, tanh and softmax in int8 and fp16 through the firmware's
 * activation tables (pass_prec.c, docs/hardware.md 10.8, 10.9, 11), alone
 * and fused into a conv epilogue. For every case: the nodes are lowered in
 * the requested precision (not kept in fp32), the device's output equals
 * the CPU reference's bit for bit (both build the tables with
 * uapi/snpu_act.h from the same firmware image), and the error against the
 * fp32 model is printed and bounded: on inputs inside the calibrated range
 * int8 stays within 2.5 % of the function's output range (sigmoid and
 * softmax [0, 1], tanh [-1, 1]), fp16 within 1e-2.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"
#include "onnx_build.h"

#define C 4
#define H 6
#define W 8
#define ITEM (C * H * W)
#define NCAL 8

static const char *const cases[] = { "sigmoid", "tanh", "softmax", "conv_sigmoid",
				     "conv_tanh" };

static uint32_t rng = 7;

static float uni(float lo, float hi)
{
	rng = rng * 1103515245u + 12345u;
	return lo + (hi - lo) * (float)((rng >> 8) & 0xffff) / 65535.0f;
}

static void *build(int k, size_t *size)
{
	struct ob *b = ob_new(13);
	int64_t dims[4] = { 1, C, H, W };
	void *p;

	ob_input(b, "x", 4, dims);
	if (k >= 3) {
		float wt[6 * C * 9], bias[6];
		int64_t wd[4] = { 6, C, 3, 3 }, bd[1] = { 6 };
		Onnx__NodeProto *n;
		size_t i;

		for (i = 0; i < sizeof(wt) / sizeof(wt[0]); i++)
			wt[i] = uni(-0.4f, 0.4f);
		for (i = 0; i < 6; i++)
			bias[i] = uni(-0.5f, 0.5f);
		ob_init_f32(b, "w", 4, wd, wt);
		ob_init_f32(b, "b", 1, bd, bias);
		n = ob_node(b, "Conv", "conv", "x,w,b", "c");
		ob_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
		ob_node(b, k == 3 ? "Sigmoid" : "Tanh", "act", "c", "y");
	} else {
		Onnx__NodeProto *n = ob_node(b, k == 0 ? "Sigmoid" : k == 1 ? "Tanh" : "Softmax",
					     "act", "x", "y");

		if (k == 2)
			ob_attr_i(b, n, "axis", -1);
	}
	ob_output(b, "y");
	p = ob_pack(b, size);
	ob_free(b);
	return p;
}

static size_t run(const void *model, size_t size, accel_precision prec, uint32_t flags,
		  const char *calib, const float *x, float *y, bool *lowered)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	const float *ins[1] = { x };
	float *outs[1] = { y };
	accel_device *dev = tu_open();
	accel_tensor_info info;
	accel_model *m;
	size_t n = 1;
	uint32_t i;

	o.flags = flags;
	o.precision = prec;
	o.calibration = calib;
	ck_accel(accel_model_load_memory(dev, model, size, "lut", NULL, &o, &m));
	ck_accel(accel_model_output_info(m, 0, &info));
	for (i = 0; i < info.rank; i++)
		n *= info.dim[i];
	ck_accel(accel_model_run(m, 1, ins, outs));
	if (lowered)
		*lowered = !strstr(accel_model_report(m), "activation table; kept in fp32") &&
			   !strstr(accel_model_report(m), "unfused");
	accel_model_free(m);
	accel_close(dev);
	return n;
}

static void check(int k, accel_precision prec, bool saturate)
{
	char calib[64];
	float cal[NCAL * ITEM], x[ITEM], ref[ITEM * 2], dev[ITEM * 2], cpu[ITEM * 2];
	uint64_t cdim[4] = { NCAL, C, H, W };
	size_t size, n, i;
	void *model = build(k, &size);
	float err = 0, range = strstr(cases[k], "tanh") ? 2.0f : 1.0f;
	bool lowered = false;

	for (i = 0; i < NCAL * ITEM; i++)
		cal[i] = uni(-3, 3);
	for (i = 0; i < ITEM; i++)
		x[i] = saturate ? uni(-6, 6) : uni(-3, 3);
	snprintf(calib, sizeof(calib), "/tmp/lut-calib-%d.npy", (int)getpid());
	ck_accel(accel__npy_write_file(calib, cal, 4, cdim));
	n = run(model, size, ACCEL_PRECISION_FP32, 0, NULL, x, ref, NULL);
	run(model, size, prec, 0, calib, x, dev, &lowered);
	ck_assert_msg(lowered, "%s: not lowered through the tables", cases[k]);
	run(model, size, prec, ACCEL_MODEL_CPU_ONLY, calib, x, cpu, NULL);
	unlink(calib);
	ck_assert_msg(!memcmp(dev, cpu, n * sizeof(float)), "%s %s: device != CPU reference",
		      cases[k], prec == ACCEL_PRECISION_INT8 ? "int8" : "fp16");
	for (i = 0; i < n; i++)
		err = fmaxf(err, fabsf(dev[i] - ref[i]));
	printf("%-12s %s %-8s max |error| vs fp32 %.5f (%.2f %% of the output range)\n", cases[k],
	       prec == ACCEL_PRECISION_INT8 ? "int8" : "fp16", saturate ? "saturate" : "in-range",
	       err, 100.0 * err / range);
	if (!saturate)
		ck_assert_float_le(err, (prec == ACCEL_PRECISION_INT8 ? 0.025f * range : 1e-2f));
	free(model);
}

START_TEST(test_int8)
{
	check(_i / 2, ACCEL_PRECISION_INT8, _i % 2);
}
END_TEST

START_TEST(test_fp16)
{
	check(_i, ACCEL_PRECISION_FP16, false);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_int8_lut");
	TCase *tc = tcase_create("lut");
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_int8, 0, 2 * n);
	tcase_add_loop_test(tc, test_fp16, 0, 3);	/* the conv cases' fp16 sums differ */
	suite_add_tcase(s, tc);
	return tu_run(s);
}
