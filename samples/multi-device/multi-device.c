/* SPDX-License-Identifier: MIT */
/*
 * multi-device: one model, data parallel on every SNPU. The smallest
 * complete program of its kind.
 *
 *   cc multi-device.c $(pkg-config --cflags --libs libaccel) -o multi-device
 *   ./multi-device MODEL.onnx [BATCH] [DEVICES]
 *
 * Loads MODEL on the device group DEVICES ("all" by default: every SNPU;
 * or a list such as "sim,sim"), so each device holds its own copy of the
 * weights and every batch is split across the devices. Runs BATCH (default
 * 64) inputs of random data in [0, 1) a few times, checks the result against
 * the same batch on the first device alone, and prints images/s and each
 * device's share of the work from its counters. Exit status 0 when the
 * group's output matches (max abs error <= 1e-4).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <accel/accel.h>

#define RUNS 5

static int fail(const char *what, accel_status st)
{
	fprintf(stderr, "multi-device: %s: %s (%s)\n", what, accel_last_error(),
		accel_strerror(st));
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t elems(const accel_tensor_info *t)
{
	uint64_t n = 1;

	for (uint32_t i = 1; i < t->rank; i++)	/* per batch item */
		n *= t->dim[i];
	return n;
}

int main(int argc, char **argv)
{
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	uint32_t batch = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 64;
	accel_group *group = NULL;
	accel_model *model = NULL, *single = NULL;
	accel_tensor_info in, out;
	uint64_t before[16][ACCEL_NUM_COUNTERS], after[ACCEL_NUM_COUNTERS];
	float *x = NULL, *y = NULL, *ref = NULL;
	double err = 0, t0, secs;
	accel_status st;
	size_t ndev;
	int rc = 1;

	if (argc < 2 || argc > 4 || batch == 0) {
		fprintf(stderr, "usage: multi-device MODEL.onnx [BATCH] [DEVICES]\n");
		return 2;
	}
	if ((st = accel_group_open(argc > 3 ? argv[3] : "all", &group)))
		return fail("open the devices", st);
	ndev = accel_group_size(group);
	/* The batch a model is compiled for is per device: the group splits
	 * each run of `batch` items into slices of at most this many. */
	opts.batch = (uint32_t)((batch + ndev - 1) / ndev);
	st = accel_model_load_file_group(group, argv[1], &opts, &model);
	opts.batch = batch;
	if (st || (st = accel_model_load_file(accel_group_device(group, 0), argv[1], &opts, &single))) {
		fail("load", st);
		goto out;
	}
	if ((st = accel_model_input_info(model, 0, &in)) ||
	    (st = accel_model_output_info(model, 0, &out))) {
		fail("model", st);
		goto out;
	}
	x = malloc(batch * elems(&in) * sizeof(*x));
	y = malloc(batch * elems(&out) * sizeof(*y));
	ref = malloc(batch * elems(&out) * sizeof(*ref));
	if (!x || !y || !ref) {
		fprintf(stderr, "multi-device: out of memory\n");
		goto out;
	}
	srand(1);
	for (uint64_t i = 0; i < batch * elems(&in); i++)
		x[i] = (float)rand() / ((float)RAND_MAX + 1.0f);

	for (size_t d = 0; d < ndev && d < 16; d++)
		if ((st = accel_device_counters(accel_group_device(group, d), before[d]))) {
			fail("counters", st);
			goto out;
		}
	t0 = now_s();
	for (int r = 0; r < RUNS; r++) {
		const float *ins[1] = { x };
		float *outs[1] = { y };

		if ((st = accel_model_run(model, batch, ins, outs))) {
			fail("run on the group", st);
			goto out;
		}
	}
	secs = now_s() - t0;
	printf("%s: %d x batch %u on %zu device%s: %.1f images/s\n", argv[1], RUNS, batch, ndev,
	       ndev == 1 ? "" : "s", RUNS * batch / secs);
	for (size_t d = 0; d < ndev && d < 16; d++) {
		accel_device *dev = accel_group_device(group, d);

		if ((st = accel_device_counters(dev, after))) {
			fail("counters", st);
			goto out;
		}
		printf("  %s: %llu jobs, busy %.2f ms\n", accel_device_name(dev),
		       (unsigned long long)(after[ACCEL_CNT_JOBS] - before[d][ACCEL_CNT_JOBS]),
		       (double)(after[ACCEL_CNT_BUSY_NS] - before[d][ACCEL_CNT_BUSY_NS]) * 1e-6);
	}

	/* The same batch on one device: data parallel must not change a thing. */
	{
		const float *ins[1] = { x };
		float *outs[1] = { ref };

		if ((st = accel_model_run(single, batch, ins, outs))) {
			fail("run on one device", st);
			goto out;
		}
	}
	for (uint64_t i = 0; i < batch * elems(&out); i++)
		err = fmax(err, fabs((double)y[i] - (double)ref[i]));
	printf("group vs one device: max abs error %.3g\n", err);
	rc = err <= 1e-4 ? 0 : 1;
out:
	free(x);
	free(y);
	free(ref);
	accel_model_free(single);
	accel_model_free(model);
	accel_group_destroy(group);
	return rc;
}
