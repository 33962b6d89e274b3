// SPDX-License-Identifier: MIT
/*
 * Profiles (ACCEL_MODEL_PROFILE) on "sim": after a run, the table lists
 * every device layer with its device time and predicted cycles, and the
 * Chrome trace-event JSON parses (Python's json) with every field
 * chrome://tracing and Perfetto's importer need, one slice per layer per
 * device, in time order on each track (tests/host/check_trace.py). A model
 * loaded without the flag refuses both; accel-run --profile writes one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"

#define CHECK_TRACE "/usr/bin/python3 " MODEL_TEST_DIR "/../host/check_trace.py"

static const char *const models[] = { "lenet", "resblock", "dwsep", "concat_transpose" };

/* Device layers: computing nodes placed on the device (not views). */
static unsigned int device_layers(const char *report)
{
	const char *l = strstr(report, "placement:\n");
	unsigned int n = 0;

	for (l = l ? strchr(l, '\n') : NULL; l && l[1] == ' '; l = strchr(l + 1, '\n')) {
		const char *e = strchr(l + 1, '\n');
		const char *d = strstr(l, " device rule ");

		if (d && d < e)
			n++;
	}
	return n;
}

static void profile(const char *name, accel_precision prec)
{
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	accel_device *dev = tu_open();
	char path[1024], calib[1024], trace[] = "/tmp/traceXXXXXX", cmd[2400];
	accel_npy in;
	accel_model *m;
	float *out = calloc(4096, sizeof(float));
	const float *ins[1];
	float *outs[1] = { out };
	const char *table;
	unsigned int layers;
	int fd;

	ck_assert(out);
	snprintf(path, sizeof(path), "%s/%s/input_b1.npy", MODEL_TEST_DIR, name);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	ins[0] = in.data;
	snprintf(calib, sizeof(calib), "%s/%s/input_bN.npy", MODEL_TEST_DIR, name);
	snprintf(path, sizeof(path), "%s/%s/model.onnx", MODEL_TEST_DIR, name);
	opts.flags = ACCEL_MODEL_PROFILE;
	opts.precision = prec;
	opts.calibration = calib;
	ck_accel(accel_model_load_file(dev, path, &opts, &m));
	ck_accel(accel_model_run(m, 1, ins, outs));
	table = accel_model_profile(m);
	ck_assert_msg(table, "%s", accel_last_error());
	ck_assert(strstr(table, "input DMA") && strstr(table, "output DMA"));
	ck_assert(strstr(table, "pred cycles") && strstr(table, "host stages"));
	layers = device_layers(accel_model_report(m));
	ck_assert_uint_gt(layers, 2);
	fd = mkstemp(trace);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_accel(accel_model_write_trace(m, trace));
	snprintf(cmd, sizeof(cmd), CHECK_TRACE " %s %u 1", trace, layers);
	ck_assert_msg(system(cmd) == 0, "%s: trace check failed (%s)", name, trace);
	unlink(trace);
	printf("%s %s: %u layers profiled\n%s", name, prec ? "int8" : "fp32", layers, table);
	ck_accel_err(accel_model_write_trace(m, "/nonexistent/dir/t.json"), ACCEL_ERR_IO);
	accel_model_free(m);
	/* without the flag: refused, naming it */
	opts.flags = 0;
	ck_accel(accel_model_load_file(dev, path, &opts, &m));
	ck_assert(accel_model_profile(m) == NULL);
	ck_assert(strstr(accel_last_error(), "ACCEL_MODEL_PROFILE"));
	ck_accel_err(accel_model_write_trace(m, "/tmp/x.json"), ACCEL_ERR_INVALID_ARG);
	accel_model_free(m);
	accel__npy_free(&in);
	free(out);
	accel_close(dev);
}

START_TEST(test_profile_fp32)
{
	profile(models[_i], ACCEL_PRECISION_FP32);
}
END_TEST

START_TEST(test_profile_int8)
{
	profile(models[_i], ACCEL_PRECISION_INT8);
}
END_TEST

/* accel-run --profile on a batch, data parallel over two sim devices (lenet
 * fp32: 7 device layers after fusion). */
START_TEST(test_accel_run_profile)
{
	char trace[] = "/tmp/traceXXXXXX", cmd[4096];
	int fd = mkstemp(trace);

	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s %s/lenet/model.onnx -i %s/lenet/input_bN.npy -o %s.npy "
		 "--device sim,sim --batch 8 --profile %s > /dev/null && " CHECK_TRACE " %s 7 2",
		 ACCEL_RUN, MODEL_TEST_DIR, MODEL_TEST_DIR, trace, trace, trace);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s.npy", trace);
	unlink(cmd);
	unlink(trace);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_profile");
	TCase *tc = tcase_create("profile");
	int n = (int)(sizeof(models) / sizeof(models[0]));

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_profile_fp32, 0, n);
	tcase_add_loop_test(tc, test_profile_int8, 0, n);
	tcase_add_test(tc, test_accel_run_profile);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
