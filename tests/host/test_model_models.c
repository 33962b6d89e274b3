// SPDX-License-Identifier: MIT
/*
 * The committed PyTorch models (tests/models/, see MANIFEST) on "sim":
 * batch 1 and batch N, device path and CPU reference, within 1e-4 max abs
 * error of PyTorch's outputs; every node on the device; one job per
 * inference (device job counter), weights uploaded once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"

static const char *const models[] = { "mlp", "lenet", "lenet_static", "resblock", "dwsep",
				      "concat_transpose" };

static void check_model(const char *name, const char *sfx, uint32_t flags)
{
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	accel_model_stats stats = { .struct_size = sizeof(stats) };
	uint64_t c0[ACCEL_NUM_COUNTERS], c1[ACCEL_NUM_COUNTERS];
	char path[1024];
	accel_npy in, want;
	accel_device *dev = tu_open();
	accel_model *m;
	float *out;
	const float *ins[1];
	float *outs[1];
	uint64_t k;
	double maxerr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/input_%s.npy", MODEL_TEST_DIR, name, sfx);
	f = fopen(path, "rb");
	if (!f) {	/* a static-batch model has no batch-N data */
		accel_close(dev);
		return;
	}
	fclose(f);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	snprintf(path, sizeof(path), "%s/%s/output_%s.npy", MODEL_TEST_DIR, name, sfx);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &want));
	snprintf(path, sizeof(path), "%s/%s/model.onnx", MODEL_TEST_DIR, name);
	opts.batch = (uint32_t)in.dim[0];
	opts.flags = flags;
	ck_accel(accel_model_load_file(dev, path, &opts, &m));
	ck_accel(accel_model_get_stats(m, &stats));
	if (!flags) {
		ck_assert_msg(stats.cpu_nodes == 0, "%s: %u nodes on the CPU:\n%s", name,
			      stats.cpu_nodes, accel_model_report(m));
		ck_assert_uint_eq(stats.jobs_per_run, 1);
	}
	out = calloc(want.count, sizeof(float));
	ck_assert(out);
	ins[0] = in.data;
	outs[0] = out;
	ck_accel(accel_device_counters(dev, c0));
	ck_accel(accel_model_run(m, (uint32_t)in.dim[0], ins, outs));
	ck_accel(accel_model_run(m, (uint32_t)in.dim[0], ins, outs));
	ck_accel(accel_device_counters(dev, c1));
	if (!flags) {
		uint64_t h2d = c1[ACCEL_CNT_DMA_H2D] - c0[ACCEL_CNT_DMA_H2D];
		uint64_t d2h = c1[ACCEL_CNT_DMA_D2H] - c0[ACCEL_CNT_DMA_D2H];

		/* one submit per inference */
		ck_assert_uint_eq(c1[ACCEL_CNT_JOBS] - c0[ACCEL_CNT_JOBS], 2);
		/* a run moves its input and output (plus the command stream and the
		 * queue's descriptors), never the weights again */
		ck_assert_uint_ge(h2d, 2 * in.bytes);
		ck_assert_uint_ge(d2h, 2 * want.bytes);
		ck_assert_uint_le(d2h, 2 * (want.bytes + 1024));
		ck_assert_msg(h2d - 2 * in.bytes < 2 * 8192, "%s: %llu bytes to the device "
			      "beyond the inputs", name, (unsigned long long)(h2d - 2 * in.bytes));
		if (!strcmp(name, "lenet") || !strcmp(name, "mlp"))
			ck_assert_uint_gt(stats.weight_bytes, 16384);
	}
	for (k = 0; k < want.count; k++) {
		double e = fabs((double)out[k] - ((const float *)want.data)[k]);

		maxerr = e > maxerr ? e : maxerr;
	}
	printf("%s batch %llu %s: max abs error %.3g, %u nodes, %u commands, arena %llu "
	       "(lower bound %llu), weights %llu bytes\n", name, (unsigned long long)in.dim[0],
	       flags ? "cpu" : "device", maxerr, stats.nodes, stats.commands_per_run,
	       (unsigned long long)stats.arena_bytes, (unsigned long long)stats.arena_lower_bound,
	       (unsigned long long)stats.weight_bytes);
	ck_assert_msg(maxerr <= 1e-4, "%s: max abs error %g", name, maxerr);
	free(out);
	accel__npy_free(&in);
	accel__npy_free(&want);
	accel_model_free(m);
	accel_close(dev);
}

START_TEST(test_model_b1)
{
	check_model(models[_i], "b1", 0);
}
END_TEST

START_TEST(test_model_bN)
{
	check_model(models[_i], "bN", 0);
}
END_TEST

START_TEST(test_model_cpu)
{
	check_model(models[_i], "b1", ACCEL_MODEL_CPU_ONLY);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_models");
	TCase *tc = tcase_create("models");
	int n = (int)(sizeof(models) / sizeof(models[0]));

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_model_b1, 0, n);
	tcase_add_loop_test(tc, test_model_bN, 0, n);
	tcase_add_loop_test(tc, test_model_cpu, 0, n);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
