// SPDX-License-Identifier: MIT
/*
 * The committed PyTorch models, embedded (build/gen/model_blobs.c), on
 * real devices: each model at batch 1 and N on the first and the second
 * device (one job per inference, within 1e-4 of PyTorch), data parallel
 * on a group of both, and through accel-run with --device all and on one
 * device (streamed through the double-buffered pipeline). The same
 * source runs on "sim" on the host and on the drm backend in the guest
 * (tests/vm/50-models.sh, NPU=2).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"

struct model_blob {
	const char *name;
	const unsigned char *data[5];	/* model, in b1, out b1, in bN, out bN */
	size_t size[5];
};
extern const struct model_blob model_blobs[];

static void npy_of(const struct model_blob *b, int k, accel_npy *out)
{
	ck_accel(accel__npy_read_memory(b->data[k], b->size[k], b->name, ACCEL_NPY_FP32, out));
}

static void check_close(const char *what, const float *got, const accel_npy *want)
{
	uint64_t i;

	for (i = 0; i < want->count; i++)
		ck_assert_msg(fabsf(got[i] - ((const float *)want->data)[i]) <= 1e-4f,
			      "%s[%llu]: %g vs %g", what, (unsigned long long)i, (double)got[i],
			      (double)((const float *)want->data)[i]);
}

/* Model b at batch 1 (k = 1) or N (k = 3) on dev: outputs and one job per run. */
static void run_on(accel_device *dev, const struct model_blob *b, int k)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	uint64_t c0[ACCEL_NUM_COUNTERS], c1[ACCEL_NUM_COUNTERS];
	accel_npy in, want;
	accel_model *m;
	float *y;
	const float *ins[1];
	float *outs[1];

	npy_of(b, k, &in);
	npy_of(b, k + 1, &want);
	o.batch = (uint32_t)in.dim[0];
	ck_accel(accel_model_load_memory(dev, b->data[0], b->size[0], b->name, NULL, &o, &m));
	y = calloc(want.count, sizeof(float));
	ck_assert(y);
	ins[0] = in.data;
	outs[0] = y;
	ck_accel(accel_device_counters(dev, c0));
	ck_accel(accel_model_run(m, (uint32_t)in.dim[0], ins, outs));
	ck_accel(accel_device_counters(dev, c1));
	ck_assert_uint_eq(c1[ACCEL_CNT_JOBS] - c0[ACCEL_CNT_JOBS], 1);
	check_close(b->name, y, &want);
	free(y);
	accel__npy_free(&in);
	accel__npy_free(&want);
	accel_model_free(m);
}

START_TEST(test_first_device)
{
	accel_device *dev = tu_open();

	run_on(dev, &model_blobs[_i], 1);
	run_on(dev, &model_blobs[_i], 3);
	accel_close(dev);
}
END_TEST

START_TEST(test_second_device)
{
	accel_device *dev;

	ck_accel(tu_open_second(&dev));
	run_on(dev, &model_blobs[_i], 1);
	run_on(dev, &model_blobs[_i], 3);
	accel_close(dev);
}
END_TEST

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f, "%s", path);
	ck_assert(fwrite(data, 1, size, f) == size);
	fclose(f);
}

/* Both devices, data parallel: the batch is split, each runs one job. */
START_TEST(test_data_parallel)
{
	const struct model_blob *b = &model_blobs[_i];
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	uint64_t c0[2][ACCEL_NUM_COUNTERS], c1[2][ACCEL_NUM_COUNTERS];
	accel_device *devs[2];
	accel_group *grp;
	accel_model *m;
	accel_npy in, want;
	char path[128];
	float *y;
	const float *ins[1];
	float *outs[1];
	int d;

	devs[0] = tu_open();
	ck_accel(tu_open_second(&devs[1]));
	ck_accel(accel_group_create(devs, 2, &grp));
	npy_of(b, 3, &in);
	npy_of(b, 4, &want);
	snprintf(path, sizeof(path), "/tmp/model-vm-%d.onnx", (int)getpid());
	write_file(path, b->data[0], b->size[0]);
	o.batch = (uint32_t)(in.dim[0] + 1) / 2;
	ck_accel(accel_model_load_file_group(grp, path, &o, &m));
	unlink(path);
	y = calloc(want.count, sizeof(float));
	ins[0] = in.data;
	outs[0] = y;
	for (d = 0; d < 2; d++)
		ck_accel(accel_device_counters(devs[d], c0[d]));
	ck_accel(accel_model_run(m, (uint32_t)in.dim[0], ins, outs));
	for (d = 0; d < 2; d++) {
		ck_accel(accel_device_counters(devs[d], c1[d]));
		ck_assert_uint_eq(c1[d][ACCEL_CNT_JOBS] - c0[d][ACCEL_CNT_JOBS], 1);
	}
	check_close(b->name, y, &want);
	free(y);
	accel__npy_free(&in);
	accel__npy_free(&want);
	accel_model_free(m);
	accel_group_destroy(grp);
	accel_close(devs[0]);
	accel_close(devs[1]);
}
END_TEST

/* accel-run on the model's batch-N input in batches of 4 (streamed), the
 * way a user runs it; its --report contains `expect`. */
static void accel_run_case(const struct model_blob *b, const char *device, const char *expect)
{
	char dir[64], cmd[512], path[128], *out;
	accel_npy got, want;
	long size;
	FILE *f;
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/accel-run-vm-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/model.onnx", dir);
	write_file(path, b->data[0], b->size[0]);
	snprintf(path, sizeof(path), "%s/in.npy", dir);
	write_file(path, b->data[3], b->size[3]);
	snprintf(cmd, sizeof(cmd), "%s %s/model.onnx -i %s/in.npy -o %s/out.npy %s%s "
		 "--batch 4 --report > %s/report.txt 2>&1", ACCEL_RUN, dir, dir, dir,
		 device ? "--device " : "", device ? device : "", dir);
	rc = system(cmd);
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	out = calloc(1, (size_t)size + 1);
	ck_assert(out && fread(out, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "%s: status %d\n%s", cmd, rc, out);
	ck_assert_msg(strstr(out, expect), "%s: no '%s' in\n%s", cmd, expect, out);
	free(out);
	snprintf(path, sizeof(path), "%s/out.npy", dir);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &got));
	npy_of(b, 4, &want);
	ck_assert_uint_eq(got.count, want.count);
	check_close(b->name, got.data, &want);
	accel__npy_free(&got);
	accel__npy_free(&want);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* accel-run with every device: each batch split across the group. */
START_TEST(test_accel_run_all)
{
	accel_run_case(&model_blobs[_i], tu_is_sim() ? "sim,sim" : "all",
		       "one batch after another");
}
END_TEST

/* accel-run on one device: the batches through the double-buffered
 * pipeline (accel_model_stream). */
START_TEST(test_accel_run_stream)
{
	accel_run_case(&model_blobs[_i], tu_is_sim() ? "sim" : NULL, "double-buffered pipeline");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_vm");
	TCase *one = tcase_create("one_device"), *two = tcase_create("second_device");
	TCase *dp = tcase_create("data_parallel"), *run = tcase_create("accel_run");
	TCase *stream = tcase_create("accel_run_stream");
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (model_blobs[n].name)
		n++;
	tcase_set_timeout(one, 300);
	tcase_set_timeout(two, 300);
	tcase_set_timeout(dp, 300);
	tcase_set_timeout(run, 300);
	tcase_set_timeout(stream, 300);
	tcase_add_loop_test(one, test_first_device, 0, n);
	tcase_add_loop_test(two, test_second_device, 0, n);
	tcase_add_loop_test(dp, test_data_parallel, 0, n);
	tcase_add_loop_test(run, test_accel_run_all, 0, n);
	tcase_add_loop_test(stream, test_accel_run_stream, 0, n);
	tu_add(s, one, "models on the first device", TU_TENSOR);
	tu_add(s, two, "models on the second device", TU_TWO_DEVICES);
	tu_add(s, dp, "models data parallel on two devices", TU_TWO_DEVICES);
	tu_add(s, run, "accel-run --device all", TU_TWO_DEVICES);
	tu_add(s, stream, "accel-run streaming on one device", TU_TENSOR);
	return tu_run(s);
}
