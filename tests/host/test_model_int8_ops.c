// SPDX-License-Identifier: MIT
/*
 * int8 per op, on tiny one-op models (tests/models/int8_ops/, written by
 * gen_int8_ops.py) with zero-point edge cases in the calibration data:
 * mixed signs, all negative, one constant value, all zeros, and inputs far
 * beyond the calibrated range (saturation). Each case: the device's int8
 * output equals the CPU int8 reference bit for bit, and matches the fp32
 * model on the input clipped to the calibrated input range, clipped to the
 * calibrated output range (both widened to contain 0, as int8 is), within
 * 5 % of that output range. Pooling keeps its input's quantization (the
 * device requires it), so there the output is clipped to the input range.
 * Where int8 adds no rounding of its own (max pooling, zeros through a
 * pool), the result is within half a step.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"

#define ITEM 50		/* [1, 2, 5, 5] */
#define NCAL 8

static const char *const ops[] = { "conv", "conv_relu", "gemm", "add", "mul", "maxpool",
				   "avgpool", "leaky" };

enum kase { K_MIXED, K_NEGATIVE, K_CONSTANT, K_ZEROS, K_SATURATE, K_COUNT };
static const char *const kase_name[] = { "mixed", "negative", "constant", "zeros", "saturate" };

static uint32_t rng = 13;

static float uni(float lo, float hi)
{
	rng = rng * 1103515245u + 12345u;
	return lo + (hi - lo) * (float)((rng >> 8) & 0xffff) / 65535.0f;
}

static void fill(enum kase k, float *x, size_t n, bool run)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (k) {
		case K_MIXED: x[i] = uni(-3, 3); break;
		case K_NEGATIVE: x[i] = uni(-3, -0.5f); break;
		case K_CONSTANT: x[i] = 0.75f; break;
		case K_ZEROS: x[i] = 0; break;
		default: x[i] = run ? uni(-4, 4) : uni(-1, 1); break;
		}
	}
}

static size_t run(accel_device *dev, const char *model, accel_precision prec, uint32_t flags,
		  const char *calib, const float *x, float *y)
{
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	accel_tensor_info info;
	accel_model *m;
	const float *ins[1] = { x };
	float *outs[1] = { y };
	size_t n = 1;
	uint32_t i;

	opts.precision = prec;
	opts.flags = flags;
	opts.calibration = calib;
	ck_accel(accel_model_load_file(dev, model, &opts, &m));
	ck_accel(accel_model_output_info(m, 0, &info));
	for (i = 0; i < info.rank; i++)
		n *= info.dim[i];
	ck_assert_uint_le(n, ITEM * 2);
	if (prec == ACCEL_PRECISION_INT8)
		ck_assert_msg(strstr(accel_model_report(m), "[int8]"), "%s: nothing in int8:\n%s",
			      model, accel_model_report(m));
	ck_accel(accel_model_run(m, 1, ins, outs));
	accel_model_free(m);
	return n;
}

START_TEST(test_int8_op)
{
	const char *op = ops[_i / K_COUNT];
	enum kase k = (enum kase)(_i % K_COUNT);
	accel_device *dev = tu_open();
	char model[1024], dir[] = "/tmp/int8opsXXXXXX", calib[1100];
	float cal[NCAL * ITEM], x[ITEM], xc[ITEM], yd[2 * ITEM], yc[2 * ITEM], yf[2 * ITEM];
	float ilo = 0, ihi = 0, olo = 0, ohi = 0, tol, maxerr = 0;
	uint64_t dim[2] = { NCAL, ITEM };
	size_t n, j, i;
	bool pool = strstr(op, "pool") != NULL;

	ck_assert(mkdtemp(dir));
	snprintf(model, sizeof(model), "%s/int8_ops/%s.onnx", MODEL_TEST_DIR, op);
	snprintf(calib, sizeof(calib), "%s/calib.npy", dir);
	fill(k, cal, NCAL * ITEM, false);
	fill(k, x, ITEM, true);
	ck_accel(accel__npy_write_file(calib, cal, 2, dim));
	n = run(dev, model, ACCEL_PRECISION_INT8, 0, calib, x, yd);
	ck_assert_uint_eq(run(dev, model, ACCEL_PRECISION_INT8, ACCEL_MODEL_CPU_ONLY, calib, x, yc),
			  n);
	ck_assert_msg(!memcmp(yd, yc, n * sizeof(float)),
		      "%s/%s: device and CPU int8 reference differ", op, kase_name[k]);
	/* the calibrated ranges, from the fp32 model on the calibration items */
	for (j = 0; j < NCAL; j++) {
		run(dev, model, ACCEL_PRECISION_FP32, ACCEL_MODEL_CPU_ONLY, NULL, cal + j * ITEM, yf);
		for (i = 0; i < ITEM; i++) {
			ilo = fminf(ilo, cal[j * ITEM + i]);
			ihi = fmaxf(ihi, cal[j * ITEM + i]);
		}
		for (i = 0; i < n; i++) {
			olo = fminf(olo, yf[i]);
			ohi = fmaxf(ohi, yf[i]);
		}
	}
	for (i = 0; i < ITEM; i++)
		xc[i] = fminf(fmaxf(x[i], ilo), ihi);
	run(dev, model, ACCEL_PRECISION_FP32, ACCEL_MODEL_CPU_ONLY, NULL, xc, yf);
	if (pool) {
		olo = ilo;
		ohi = ihi;
	}
	tol = 0.05f * (ohi - olo) + 1e-6f;
	for (i = 0; i < n; i++) {
		float want = fminf(fmaxf(yf[i], olo), ohi), e = fabsf(yd[i] - want);

		maxerr = e > maxerr ? e : maxerr;
	}
	printf("%-9s %-8s: output range [%g, %g], int8 max abs error %g\n", op, kase_name[k], olo,
	       ohi, maxerr);
	ck_assert_msg(maxerr <= tol, "%s/%s: int8 error %g > %g", op, kase_name[k], maxerr, tol);
	if (!strcmp(op, "maxpool") || (pool && k == K_ZEROS))
		ck_assert_msg(maxerr <= 1e-6f * (1 + ohi - olo) + 0.5f * (ohi - olo) / 255,
			      "%s/%s: %g", op, kase_name[k], maxerr);
	unlink(calib);
	rmdir(dir);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_int8_ops");
	TCase *tc = tcase_create("int8_ops");

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_int8_op, 0, (int)(sizeof(ops) / sizeof(ops[0])) * K_COUNT);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
