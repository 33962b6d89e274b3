// SPDX-License-Identifier: MIT
/*
 * The SRAM plan on "sim": a model whose whole activation arena fits the
 * scratchpad keeps it there (every intermediate tensor on chip); the
 * outputs are bit-identical to the same plan in DRAM (ACCEL_MODEL_NO_SRAM),
 * and the timing model predicts fewer cycles. A plan with a CPU step keeps
 * its arena in memory the CPU reference can reach.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"

static const char *const models[] = { "mlp", "lenet", "lenet_static", "resblock", "dwsep",
				      "concat_transpose" };

static uint64_t run(accel_device *dev, const char *path, const accel_npy *in, uint32_t flags,
		    accel_precision prec, const char *calib, float *out, bool *sram)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_model_stats st = { .struct_size = sizeof(st) };
	const float *ins[1] = { in->data };
	float *outs[1] = { out };
	accel_model *m;

	o.flags = flags;
	o.batch = (uint32_t)in->dim[0];
	o.precision = prec;
	o.calibration = calib;
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	ck_accel(accel_model_run(m, (uint32_t)in->dim[0], ins, outs));
	ck_accel(accel_model_get_stats(m, &st));
	*sram = strstr(accel_model_report(m), "sram: the whole arena") != NULL;
	accel_model_free(m);
	return st.predicted_cycles;
}

static void check(const char *name, const char *sfx, accel_precision prec)
{
	accel_device *dev = tu_open();
	char path[1024], calib[1024];
	accel_npy in;
	float *a, *b;
	uint64_t with, without;
	bool s1, s2;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/input_%s.npy", MODEL_TEST_DIR, name, sfx);
	f = fopen(path, "rb");
	if (!f) {
		accel_close(dev);
		return;
	}
	fclose(f);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	snprintf(calib, sizeof(calib), "%s/%s/input_bN.npy", MODEL_TEST_DIR,
		 strcmp(name, "lenet_static") ? name : "lenet");
	snprintf(path, sizeof(path), "%s/%s/model.onnx", MODEL_TEST_DIR, name);
	a = calloc(65536, sizeof(float));
	b = calloc(65536, sizeof(float));
	ck_assert(a && b);
	with = run(dev, path, &in, 0, prec, calib, a, &s1);
	without = run(dev, path, &in, ACCEL_MODEL_NO_SRAM, prec, calib, b, &s2);
	ck_assert_msg(s1 && !s2, "%s: sram plan %d / %d", name, s1, s2);
	ck_assert(!memcmp(a, b, 65536 * sizeof(float)));
	printf("%-16s batch %-3llu %s: predicted %8llu cycles with the SRAM plan, %8llu without "
	       "(%.2fx)\n", name, (unsigned long long)in.dim[0],
	       prec == ACCEL_PRECISION_INT8 ? "int8" : "fp32", (unsigned long long)with,
	       (unsigned long long)without, with ? (double)without / (double)with : 0.0);
	ck_assert_uint_gt(with, 0);
	ck_assert_uint_lt(with, without);
	/* a CPU step: the arena must stay in memory */
	with = run(dev, path, &in, ACCEL_MODEL_CPU_ONLY, prec, calib, b, &s1);
	ck_assert(!s1);
	free(a);
	free(b);
	accel__npy_free(&in);
	accel_close(dev);
}

START_TEST(test_sram_b1)
{
	check(models[_i], "b1", ACCEL_PRECISION_FP32);
}
END_TEST

START_TEST(test_sram_bN)
{
	check(models[_i], "bN", ACCEL_PRECISION_FP32);
}
END_TEST

START_TEST(test_sram_int8)
{
	check(models[_i], "bN", ACCEL_PRECISION_INT8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_sram");
	TCase *tc = tcase_create("sram");
	int n = (int)(sizeof(models) / sizeof(models[0]));

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_sram_b1, 0, n);
	tcase_add_loop_test(tc, test_sram_bN, 0, n);
	tcase_add_loop_test(tc, test_sram_int8, 0, n);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
