// SPDX-License-Identifier: MIT
/*
 * ONNX's node conformance tests (Debian's libonnx-testdata): every test
 * directory's model.onnx is loaded through the model API on "sim" and run
 * on the device path and on the CPU reference path (ACCEL_MODEL_CPU_ONLY);
 * test_data_set_0's outputs must match within ONNX's tolerance (rtol 1e-3,
 * atol 1e-5). A model the compiler refuses at load (an op, attribute,
 * dtype or opset it does not support: ACCEL_ERR_MODEL / UNSUPPORTED) is
 * skipped and listed with the reason; any other failure fails the suite.
 * ONNX_NODE_TESTS overrides the directory, ONNX_TEST_FILTER runs the tests
 * whose name contains it.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "onnx_tensor.h"

#define MAX_IO 16

struct counts {
	int passed, failed, skipped;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool close_enough(float got, float want)
{
	if (isnan(want))
		return isnan(got);
	if (isinf(want))
		return got == want;
	return fabsf(got - want) <= 1e-5f + 1e-3f * fabsf(want);
}

static void free_tensors(struct onnx_tensor *t, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(t[i].data);
}

/* 1 passed, 0 skipped, -1 failed; why explains. */
static int run_one(accel_device *dev, const char *dir, uint32_t flags, char *why, size_t wlen)
{
	struct onnx_tensor in[MAX_IO], want[MAX_IO];
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	float *outs[MAX_IO] = { 0 };
	const float *ins[MAX_IO];
	char path[1200];
	accel_model *m = NULL;
	accel_status st;
	int nin = 0, nout = 0, i, rc = -1;
	size_t k;

	memset(in, 0, sizeof(in));
	memset(want, 0, sizeof(want));
	snprintf(path, sizeof(path), "%s/model.onnx", dir);
	opts.flags = flags;
	st = accel_model_load_file(dev, path, &opts, &m);
	if (st == ACCEL_ERR_MODEL || st == ACCEL_ERR_UNSUPPORTED) {
		snprintf(why, wlen, "%s", accel_last_error());
		return 0;
	}
	if (st) {
		snprintf(why, wlen, "load: %s: %s", accel_strerror(st), accel_last_error());
		return -1;
	}
	if (accel_model_input_count(m) > MAX_IO || accel_model_output_count(m) > MAX_IO) {
		snprintf(why, wlen, "too many inputs/outputs");
		goto out;
	}
	nin = (int)accel_model_input_count(m);
	nout = (int)accel_model_output_count(m);
	for (i = 0; i < nin; i++) {
		accel_tensor_info info;
		uint64_t n = 1;
		uint32_t d;

		snprintf(path, sizeof(path), "%s/test_data_set_0/input_%d.pb", dir, i);
		if (onnx_tensor_load_file(path, &in[i])) {
			snprintf(why, wlen, "%s", accel_last_error());
			goto out;
		}
		accel_model_input_info(m, (size_t)i, &info);
		for (d = 0; d < info.rank; d++)
			n *= info.dim[d];
		if (in[i].dtype != 1 || in[i].bytes != n * sizeof(float)) {
			snprintf(why, wlen, "input %d: %zu bytes, model wants %llu floats", i,
				 in[i].bytes, (unsigned long long)n);
			goto out;
		}
		ins[i] = in[i].data;
	}
	for (i = 0; i < nout; i++) {
		snprintf(path, sizeof(path), "%s/test_data_set_0/output_%d.pb", dir, i);
		if (onnx_tensor_load_file(path, &want[i])) {
			snprintf(why, wlen, "%s", accel_last_error());
			goto out;
		}
		outs[i] = calloc(1, want[i].bytes + sizeof(float));
		if (!outs[i])
			goto out;
	}
	st = accel_model_run(m, 1, ins, outs);	/* the compiled batch: the test's shapes */
	if (st) {
		snprintf(why, wlen, "run: %s: %s", accel_strerror(st), accel_last_error());
		goto out;
	}
	for (i = 0; i < nout; i++) {
		accel_tensor_info info;
		uint64_t n = 1;
		uint32_t d;

		accel_model_output_info(m, (size_t)i, &info);
		for (d = 0; d < info.rank; d++)
			n *= info.dim[d];
		if (want[i].dtype != 1 || want[i].bytes != n * sizeof(float)) {
			snprintf(why, wlen, "output %d: expected %zu bytes, model gives %llu floats", i,
				 want[i].bytes, (unsigned long long)n);
			goto out;
		}
		for (k = 0; k < n; k++) {
			float w = ((float *)want[i].data)[k];

			if (!close_enough(outs[i][k], w)) {
				snprintf(why, wlen, "output %d[%zu] = %g, expected %g", i, k,
					 (double)outs[i][k], (double)w);
				goto out;
			}
		}
	}
	rc = 1;
out:
	for (i = 0; i < MAX_IO; i++)
		free(outs[i]);
	free_tensors(in, MAX_IO);
	free_tensors(want, MAX_IO);
	accel_model_free(m);
	return rc;
}

START_TEST(test_conformance)
{
	const char *root = getenv("ONNX_NODE_TESTS") ? getenv("ONNX_NODE_TESTS") : ONNX_NODE_TESTS;
	const char *filter = getenv("ONNX_TEST_FILTER");
	struct counts c[2] = { { 0 } };
	accel_device *dev = tu_open();
	char **names = NULL, why[600];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = opendir(root);
	int mode;

	ck_assert_msg(d, "%s: cannot open the ONNX node tests (libonnx-testdata)", root);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "test_", 5) || (filter && !strstr(de->d_name, filter)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			names = realloc(names, cap * sizeof(*names));
			ck_assert(names);
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		char dir[900];

		if (snprintf(dir, sizeof(dir), "%s/%s", root, names[i]) >= (int)sizeof(dir))
			continue;
		for (mode = 0; mode < 2; mode++) {
			int r = run_one(dev, dir, mode ? ACCEL_MODEL_CPU_ONLY : 0, why, sizeof(why));

			if (r > 0) {
				c[mode].passed++;
			} else if (r == 0) {
				c[mode].skipped++;
				if (!mode)
					printf("SKIP %s: %s\n", names[i], why);
				break;	/* the CPU path refuses the same */
			} else {
				c[mode].failed++;
				printf("FAIL %s (%s): %s\n", names[i], mode ? "cpu" : "device", why);
			}
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	accel_close(dev);
	printf("onnx conformance (device): %d passed, %d failed, %d skipped\n", c[0].passed,
	       c[0].failed, c[0].skipped);
	printf("onnx conformance (cpu reference): %d passed, %d failed, %d skipped\n",
	       c[1].passed, c[1].failed, c[0].skipped);
	ck_assert_int_eq(c[0].failed + c[1].failed, 0);
	ck_assert_int_gt(c[0].passed, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_conformance");

	setvbuf(stdout, NULL, _IOLBF, 0);
	TCase *tc = tcase_create("onnx_node_tests");

	tcase_set_timeout(tc, 1800);
	tcase_add_test(tc, test_conformance);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
