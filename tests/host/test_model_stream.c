// SPDX-License-Identifier: MIT
/*
 * accel_model_stream on "sim": a large input set through the model's
 * double-buffered pipeline (accel_pipeline_run), many more batches than
 * the pipeline's depth, the last one partial; every output item against
 * the CPU reference run batch by batch and against PyTorch; one device job
 * per batch; depths 1, 2 and 5; a split plan (CPU steps), CPU_ONLY and
 * a profiled model (batch after batch); bad arguments.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"

struct data {
	accel_npy in, want;
	uint64_t items;		/* the set: the committed batch repeated */
	uint64_t in_item, out_item;	/* floats per item */
	float *x, *ref;
};

/* lenet's batch-N input repeated to `items` items; the reference outputs
 * from the CPU reference compiled for batch `batch`, batch by batch. */
static void load_data(struct data *d, uint64_t items, uint32_t batch)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_device *dev = tu_open();
	char path[512];
	accel_model *m;
	uint64_t k, off;

	snprintf(path, sizeof(path), "%s/lenet/input_bN.npy", MODEL_TEST_DIR);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &d->in));
	snprintf(path, sizeof(path), "%s/lenet/output_bN.npy", MODEL_TEST_DIR);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &d->want));
	d->items = items;
	d->in_item = d->in.count / d->in.dim[0];
	d->out_item = d->want.count / d->want.dim[0];
	d->x = malloc(items * d->in_item * sizeof(float));
	d->ref = malloc(items * d->out_item * sizeof(float));
	ck_assert(d->x && d->ref);
	for (k = 0; k < items; k++)
		memcpy(d->x + k * d->in_item, (const float *)d->in.data +
		       (k % d->in.dim[0]) * d->in_item, d->in_item * sizeof(float));
	o.batch = batch;
	o.flags = ACCEL_MODEL_CPU_ONLY;
	snprintf(path, sizeof(path), "%s/lenet/model.onnx", MODEL_TEST_DIR);
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	for (off = 0; off < items; off += batch) {
		const float *ins[1] = { d->x + off * d->in_item };
		float *outs[1] = { d->ref + off * d->out_item };
		uint32_t cnt = (uint32_t)(items - off < batch ? items - off : batch);

		ck_accel(accel_model_run(m, cnt, ins, outs));
	}
	accel_model_free(m);
	accel_close(dev);
	/* the reference itself against PyTorch */
	for (k = 0; k < items * d->out_item; k++) {
		uint64_t item = k / d->out_item, j = k % d->out_item;
		float pt = ((const float *)d->want.data)[(item % d->want.dim[0]) * d->out_item + j];

		ck_assert_msg(fabsf(d->ref[k] - pt) <= 1e-4f, "reference [%llu]: %g, PyTorch %g",
			      (unsigned long long)k, (double)d->ref[k], (double)pt);
	}
}

static void free_data(struct data *d)
{
	free(d->x);
	free(d->ref);
	accel__npy_free(&d->in);
	accel__npy_free(&d->want);
}

/* Stream the set through lenet compiled for `batch` with pipeline `depth`;
 * every output item equals the reference. Returns the stats. */
static accel_pipeline_stats stream(const struct data *d, uint32_t batch, unsigned int depth,
				   uint32_t flags, uint64_t *jobs)
{
	accel_pipeline_stats ps = ACCEL_PIPELINE_STATS_INIT;
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	uint64_t c0[ACCEL_NUM_COUNTERS], c1[ACCEL_NUM_COUNTERS], k;
	accel_device *dev = tu_open();
	const float *ins[1] = { d->x };
	float *outs[1];
	char path[512];
	accel_model *m;
	float *y = malloc(d->items * d->out_item * sizeof(float));

	ck_assert(y);
	for (k = 0; k < d->items * d->out_item; k++)
		y[k] = NAN;
	outs[0] = y;
	o.batch = batch;
	o.flags = flags;
	snprintf(path, sizeof(path), "%s/lenet/model.onnx", MODEL_TEST_DIR);
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	ck_accel(accel_device_counters(dev, c0));
	ck_accel(accel_model_stream(m, d->items, ins, outs, depth, &ps));
	ck_accel(accel_device_counters(dev, c1));
	*jobs = c1[ACCEL_CNT_JOBS] - c0[ACCEL_CNT_JOBS];
	for (k = 0; k < d->items * d->out_item; k++)
		ck_assert_msg(fabsf(y[k] - d->ref[k]) <= 1e-5f + 1e-5f * fabsf(d->ref[k]),
			      "batch %u depth %u: item %llu [%llu]: %g, reference %g", batch, depth,
			      (unsigned long long)(k / d->out_item),
			      (unsigned long long)(k % d->out_item), (double)y[k],
			      (double)d->ref[k]);
	free(y);
	accel_model_free(m);
	accel_close(dev);
	return ps;
}

/* 103 items in batches of 4: 26 batches (the last of 3), depth 2. */
START_TEST(test_stream_many_batches)
{
	struct data d;
	accel_pipeline_stats ps;
	uint64_t jobs;

	load_data(&d, 103, 4);
	ps = stream(&d, 4, 2, 0, &jobs);
	ck_assert_uint_eq(ps.batches, 26);
	ck_assert_uint_eq(jobs, 26);	/* one device job per batch */
	ck_assert_uint_gt(ps.device_ns, 0);
	ck_assert_uint_ge(ps.wall_ns, ps.wait_ns);
	printf("stream: 103 items, 26 batches, depth 2: wall %.1f ms, host %.1f ms, waited "
	       "%.1f ms, device %.1f ms\n", ps.wall_ns * 1e-6, ps.host_ns * 1e-6,
	       ps.wait_ns * 1e-6, ps.device_ns * 1e-6);
	free_data(&d);
}
END_TEST

/* Depth 1 (no overlap) and 5; a set smaller than one batch; exactly k
 * batches. */
START_TEST(test_stream_depths)
{
	static const struct { uint64_t items; uint32_t batch; unsigned int depth; uint64_t b; }
		c[] = { { 23, 2, 1, 12 }, { 23, 2, 5, 12 }, { 3, 8, 2, 1 }, { 24, 8, 2, 3 } };
	uint32_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct data d;
		accel_pipeline_stats ps;
		uint64_t jobs;

		load_data(&d, c[i].items, c[i].batch);
		ps = stream(&d, c[i].batch, c[i].depth, 0, &jobs);
		ck_assert_uint_eq(ps.batches, c[i].b);
		ck_assert_uint_eq(jobs, c[i].b);
		free_data(&d);
	}
}
END_TEST

/* A plan with CPU steps, CPU_ONLY and a profiled model stream batch after
 * batch: same outputs. */
START_TEST(test_stream_split_plan)
{
	struct data d;
	accel_pipeline_stats ps;
	uint64_t jobs;

	load_data(&d, 19, 4);
	setenv("ACCEL_MODEL_CPU_OPS", "MaxPool", 1);
	ps = stream(&d, 4, 2, 0, &jobs);
	unsetenv("ACCEL_MODEL_CPU_OPS");
	ck_assert_uint_eq(ps.batches, 5);
	ck_assert_uint_eq(ps.wait_ns, 0);	/* not pipelined */
	ck_assert_uint_ge(jobs, 10);		/* a device job before and after the CPU step */
	ps = stream(&d, 4, 2, ACCEL_MODEL_CPU_ONLY, &jobs);
	ck_assert_uint_eq(ps.batches, 5);
	ck_assert_uint_eq(jobs, 0);
	/* a profiled model: batch after batch, so the profile is a run's */
	ps = stream(&d, 4, 2, ACCEL_MODEL_PROFILE, &jobs);
	ck_assert_uint_eq(ps.batches, 5);
	ck_assert_uint_eq(ps.wait_ns, 0);
	ck_assert_uint_eq(jobs, 5);
	free_data(&d);
}
END_TEST

START_TEST(test_stream_bad_args)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_pipeline_stats bad = { .struct_size = 3 };
	accel_device *dev = tu_open();
	float x[256] = { 0 }, y[10];
	const float *ins[1] = { x };
	float *outs[1] = { y };
	char path[512];
	accel_model *m;

	snprintf(path, sizeof(path), "%s/lenet/model.onnx", MODEL_TEST_DIR);
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	ck_accel_err(accel_model_stream(NULL, 1, ins, outs, 2, NULL), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_model_stream(m, 0, ins, outs, 2, NULL), ACCEL_ERR_INVALID_ARG);
	ck_assert_msg(strstr(accel_last_error(), "0 items"), "%s", accel_last_error());
	ck_accel_err(accel_model_stream(m, 1, NULL, outs, 2, NULL), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_model_stream(m, 1, ins, NULL, 2, NULL), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_model_stream(m, 1, ins, outs, 17, NULL), ACCEL_ERR_INVALID_ARG);
	ck_assert_msg(strstr(accel_last_error(), "depth"), "%s", accel_last_error());
	ck_accel_err(accel_model_stream(m, 1, ins, outs, 2, &bad), ACCEL_ERR_INVALID_ARG);
	ck_accel(accel_model_stream(m, 1, ins, outs, 0, NULL));
	accel_model_free(m);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_stream");
	TCase *tc = tcase_create("stream");

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_stream_many_batches);
	tcase_add_test(tc, test_stream_depths);
	tcase_add_test(tc, test_stream_split_plan);
	tcase_add_test(tc, test_stream_bad_args);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
