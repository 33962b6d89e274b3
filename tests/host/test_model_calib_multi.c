// SPDX-License-Identifier: MIT
/*
 * int8 calibration of a model with two graph inputs on "sim": a [N,2,6,6]
 * through Conv/Relu/Flatten/Gemm, b [N,5] through Gemm, added. The
 * calibration data per input (accel_model_options.calibration_inputs, a
 * directory of <input name>.npy, accel-run's --calibrate NAME=DATA.npy):
 * the device's int8 output equals the CPU int8 reference's bit for bit and
 * is within 5 % of the fp32 output range; every way of giving the data
 * compiles the same model; a missing input, an unknown name, a repeated
 * one, mismatched item counts or shapes fail with a message naming them;
 * the cache key follows each input's data.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"
#include "onnx_build.h"

#define NCAL 64
#define NRUN 4
#define A_ITEM (2 * 6 * 6)
#define B_ITEM 5
#define OUT 8

struct fx {
	char dir[32], model[64], ca[64], cb[64];
	float xa[NRUN * A_ITEM], xb[NRUN * B_ITEM];
	accel_device *dev;
};

static uint32_t seed = 12345;

static float uni(float lo, float hi)
{
	seed = seed * 1664525u + 1013904223u;
	return lo + (hi - lo) * (float)(seed >> 8) / (float)(1u << 24);
}

static void fill(float *p, size_t n, float lo, float hi)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = uni(lo, hi);
}

static void write_npy(const char *path, const float *data, uint32_t rank, const uint64_t *dim)
{
	ck_accel(accel__npy_write_file(path, data, rank, dim));
}

static void setup(struct fx *f)
{
	static float wc[3 * 2 * 3 * 3], bc[3], w1[108 * OUT], b1[OUT], w2[B_ITEM * OUT];
	float ca[NCAL * A_ITEM], cb[NCAL * B_ITEM];
	struct ob *b = ob_new(13);
	Onnx__NodeProto *n;
	void *buf;
	size_t size;
	FILE *fp;

	memset(f, 0, sizeof(*f));
	seed = 12345;
	snprintf(f->dir, sizeof(f->dir), "/tmp/calmultiXXXXXX");
	ck_assert(mkdtemp(f->dir));
	snprintf(f->model, sizeof(f->model), "%s/model.onnx", f->dir);
	snprintf(f->ca, sizeof(f->ca), "%s/a.npy", f->dir);
	snprintf(f->cb, sizeof(f->cb), "%s/b.npy", f->dir);
	fill(wc, sizeof(wc) / 4, -0.5f, 0.5f);
	fill(bc, sizeof(bc) / 4, -0.1f, 0.1f);
	fill(w1, sizeof(w1) / 4, -0.2f, 0.2f);
	fill(b1, sizeof(b1) / 4, -0.1f, 0.1f);
	fill(w2, sizeof(w2) / 4, -1.0f, 1.0f);
	ob_input(b, "a", 4, (int64_t[]){ -1, 2, 6, 6 });
	ob_input(b, "b", 2, (int64_t[]){ -1, B_ITEM });
	ob_output(b, "y");
	ob_init_f32(b, "wc", 4, (int64_t[]){ 3, 2, 3, 3 }, wc);
	ob_init_f32(b, "bc", 1, (int64_t[]){ 3 }, bc);
	ob_init_f32(b, "w1", 2, (int64_t[]){ 108, OUT }, w1);
	ob_init_f32(b, "b1", 1, (int64_t[]){ OUT }, b1);
	ob_init_f32(b, "w2", 2, (int64_t[]){ B_ITEM, OUT }, w2);
	n = ob_node(b, "Conv", "conv", "a,wc,bc", "c");
	ob_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){ 3, 3 });
	ob_attr_ints(b, n, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	ob_node(b, "Relu", "relu", "c", "r");
	ob_node(b, "Flatten", "flat", "r", "fl");
	ob_node(b, "Gemm", "g1", "fl,w1,b1", "h1");
	ob_node(b, "Gemm", "g2", "b,w2", "h2");
	ob_node(b, "Add", "add", "h1,h2", "y");
	buf = ob_pack(b, &size);
	fp = fopen(f->model, "wb");
	ck_assert(fp && fwrite(buf, 1, size, fp) == size);
	fclose(fp);
	free(buf);
	ob_free(b);
	fill(ca, NCAL * A_ITEM, -1.0f, 1.0f);
	fill(cb, NCAL * B_ITEM, -2.0f, 2.0f);
	write_npy(f->ca, ca, 4, (uint64_t[]){ NCAL, 2, 6, 6 });
	write_npy(f->cb, cb, 2, (uint64_t[]){ NCAL, B_ITEM });
	fill(f->xa, NRUN * A_ITEM, -1.0f, 1.0f);
	fill(f->xb, NRUN * B_ITEM, -2.0f, 2.0f);
	f->dev = tu_open();
}

static void teardown(struct fx *f)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	ck_assert_int_eq(system(cmd), 0);
	accel_close(f->dev);
}

/* Load with o (batch NRUN), run the inputs into y; the report into rep. */
static accel_status load_run(struct fx *f, const accel_model_options *o, float *y, char *rep,
			     size_t len)
{
	accel_model_options v = *o;
	const float *ins[2] = { f->xa, f->xb };
	float *outs[1] = { y };
	accel_model *m;
	accel_status st;

	v.batch = NRUN;
	st = accel_model_load_file(f->dev, f->model, &v, &m);
	if (st)
		return st;
	ck_accel(accel_model_run(m, NRUN, ins, outs));
	if (rep)
		snprintf(rep, len, "%s", accel_model_report(m));
	accel_model_free(m);
	return ACCEL_OK;
}

/* Every computing node of the placement report below fp32 (as
 * test_model_prec.c: converts and views aside)? */
static bool all_low(const char *report)
{
	const char *l = strstr(report, "placement:\n");

	for (l = l ? strchr(l, '\n') : NULL; l && l[1] == ' '; l = strchr(l + 1, '\n'))
		if (strstr(l, " [fp32]") && strstr(l, " [fp32]") < strchr(l + 1, '\n') &&
		    !strstr(l, "rule convert") && !strstr(l, "rule view"))
			return false;
	return true;
}

static void set_inputs(accel_model_options *o, accel_calibration_input *ci, const char *pa,
		       const char *pb)
{
	ci[0] = (accel_calibration_input){ .name = "a", .path = pa };
	ci[1] = (accel_calibration_input){ .name = "b", .path = pb };
	o->calibration_inputs = ci;
	o->n_calibration_inputs = 2;
}

START_TEST(test_int8_two_inputs)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT, fp = ACCEL_MODEL_OPTIONS_INIT;
	accel_calibration_input ci[2];
	float dev[NRUN * OUT], cpu[NRUN * OUT], ref[NRUN * OUT], dir[NRUN * OUT];
	double lo = INFINITY, hi = -INFINITY, maxerr = 0;
	static char rep[16384];
	struct fx f;
	size_t k;

	setup(&f);
	ck_accel(load_run(&f, &fp, ref, NULL, 0));
	o.precision = ACCEL_PRECISION_INT8;
	set_inputs(&o, ci, f.ca, f.cb);
	ck_accel(load_run(&f, &o, dev, rep, sizeof(rep)));
	ck_assert_msg(strstr(rep, "[int8]"), "no int8 node:\n%s", rep);
	ck_assert_msg(all_low(rep), "a node left in fp32:\n%s", rep);
	o.flags = ACCEL_MODEL_CPU_ONLY;
	ck_accel(load_run(&f, &o, cpu, NULL, 0));
	ck_assert_msg(!memcmp(dev, cpu, sizeof(dev)), "device and CPU int8 reference differ");
	/* the directory of <input name>.npy: the same compiled model */
	o.flags = 0;
	o.calibration_inputs = NULL;
	o.n_calibration_inputs = 0;
	o.calibration = f.dir;
	ck_accel(load_run(&f, &o, dir, NULL, 0));
	ck_assert(!memcmp(dev, dir, sizeof(dev)));
	for (k = 0; k < NRUN * OUT; k++) {
		double e = fabs((double)dev[k] - ref[k]);

		maxerr = e > maxerr ? e : maxerr;
		lo = ref[k] < lo ? ref[k] : lo;
		hi = ref[k] > hi ? ref[k] : hi;
	}
	printf("two inputs int8: max error %.4f of the fp32 range %.4f (%.2f %%)\n", maxerr,
	       hi - lo, 100.0 * maxerr / (hi - lo));
	ck_assert(hi > lo);
	ck_assert_msg(maxerr <= 0.05 * (hi - lo), "int8 error %g > 5 %% of %g", maxerr, hi - lo);
	teardown(&f);
}
END_TEST

/* A bad set of calibration data: the load fails naming the problem. */
START_TEST(test_errors)
{
	static const char *const want[] = {
		"no calibration data for graph input 'b' (one .npy per input",
		"for 'c': the model has no graph input of that name",
		"calibration data for graph input 'a' given twice",
		"every input needs the same count",
		"does not match the input's [N, 2, 6, 6]",
		"are not a whole number of model inputs of 5",
		"is one file; give one .npy per input",
		"no calibration data for graph input 'b':",
		"calibration data given twice",
	};
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_calibration_input ci[3];
	char other[64];
	float y[NRUN * OUT], *d = calloc(NCAL * A_ITEM, sizeof(float));
	struct fx f;
	unsigned int k = (unsigned int)_i;

	setup(&f);
	ck_assert(d);
	snprintf(other, sizeof(other), "%s/other.npy", f.dir);
	o.precision = ACCEL_PRECISION_INT8;
	set_inputs(&o, ci, f.ca, f.cb);
	switch (k) {
	case 0: o.n_calibration_inputs = 1; break;
	case 1: ci[2] = (accel_calibration_input){ "c", f.cb }; o.n_calibration_inputs = 3; break;
	case 2: ci[1] = ci[0]; break;
	case 3:	/* 32 items of b, 64 of a */
		write_npy(other, d, 2, (uint64_t[]){ NCAL / 2, B_ITEM });
		ci[1].path = other;
		break;
	case 4:	/* a's items as [N, 6, 6, 2] (channels last) */
		write_npy(other, d, 4, (uint64_t[]){ NCAL, 6, 6, 2 });
		ci[0].path = other;
		break;
	case 5:	/* a's data given for b */
		ci[1].path = f.ca;
		break;
	case 6: o.n_calibration_inputs = 0; o.calibration = f.ca; break;
	case 7: ck_assert(!unlink(f.cb)); o.n_calibration_inputs = 0; o.calibration = f.dir; break;
	default: o.calibration = f.dir; break;
	}
	ck_accel_err(load_run(&f, &o, y, NULL, 0), ACCEL_ERR_INVALID_ARG);
	ck_assert_msg(strstr(accel_last_error(), want[k]), "want '%s', got '%s'", want[k],
		      accel_last_error());
	free(d);
	teardown(&f);
}
END_TEST

/* The cache key covers each input's data and its name. */
START_TEST(test_cache_key)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_calibration_input ci[2];
	float y[NRUN * OUT], *d = malloc(NCAL * B_ITEM * sizeof(float));
	static char rep[16384];
	char cache[64];
	struct fx f;
	int k;

	setup(&f);
	snprintf(cache, sizeof(cache), "%s/cache", f.dir);
	ck_assert(!mkdir(cache, 0700));
	o.precision = ACCEL_PRECISION_INT8;
	o.cache_dir = cache;
	set_inputs(&o, ci, f.ca, f.cb);
	for (k = 0; k < 4; k++) {
		if (k == 2) {	/* other data for b */
			fill(d, NCAL * B_ITEM, -3.0f, 3.0f);
			write_npy(f.cb, d, 2, (uint64_t[]){ NCAL, B_ITEM });
		}
		ck_accel(load_run(&f, &o, y, rep, sizeof(rep)));
		ck_assert_msg(strstr(rep, k & 1 ? "cache: hit" : "cache: miss"), "load %d:\n%s", k,
			      rep);
	}
	free(d);
	teardown(&f);
}
END_TEST

/* accel-run --calibrate a=A.npy --calibrate b=B.npy, and --calibrate DIR:
 * the API's output, bit for bit. */
START_TEST(test_accel_run)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_calibration_input ci[2];
	float y[NRUN * OUT];
	char cmd[1024], ia[64], ib[64], out[64];
	struct fx f;
	accel_npy got;
	int k, rc;

	setup(&f);
	o.precision = ACCEL_PRECISION_INT8;
	set_inputs(&o, ci, f.ca, f.cb);
	ck_accel(load_run(&f, &o, y, NULL, 0));
	snprintf(ia, sizeof(ia), "%s/in/x_a.npy", f.dir);
	snprintf(ib, sizeof(ib), "%s/in/x_b.npy", f.dir);
	snprintf(out, sizeof(out), "%s/in/y.npy", f.dir);
	snprintf(cmd, sizeof(cmd), "mkdir %s/in", f.dir);
	ck_assert_int_eq(system(cmd), 0);
	write_npy(ia, f.xa, 4, (uint64_t[]){ NRUN, 2, 6, 6 });
	write_npy(ib, f.xb, 2, (uint64_t[]){ NRUN, B_ITEM });
	for (k = 0; k < 3; k++) {
		char cal[256];

		if (k == 0)
			snprintf(cal, sizeof(cal), "--calibrate a=%s --calibrate b=%s", f.ca, f.cb);
		else if (k == 1)
			snprintf(cal, sizeof(cal), "--calibrate %s", f.dir);
		else	/* b missing: the library's message, exit status 1 */
			snprintf(cal, sizeof(cal), "--calibrate a=%s", f.ca);
		snprintf(cmd, sizeof(cmd), "ACCEL_DEVICE=sim %s %s -i b=%s -i a=%s -o %s "
			 "--precision int8 %s > %s/log 2>&1", ACCEL_RUN, f.model, ib, ia, out, cal,
			 f.dir);
		rc = system(cmd);
		snprintf(cmd, sizeof(cmd), "cat %s/log", f.dir);
		if (k == 2) {
			ck_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
			snprintf(cmd, sizeof(cmd), "grep -q \"no calibration data for graph input "
				 "'b'\" %s/log", f.dir);
			ck_assert_int_eq(system(cmd), 0);
			continue;
		}
		if (rc)
			ck_assert_int_eq(system(cmd), 0);
		ck_assert_int_eq(rc, 0);
		ck_accel(accel__npy_read_file(out, ACCEL_NPY_FP32, &got));
		ck_assert_uint_eq(got.count, NRUN * OUT);
		ck_assert_msg(!memcmp(got.data, y, sizeof(y)), "accel-run %d differs", k);
		accel__npy_free(&got);
	}
	teardown(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_calib_multi");
	TCase *tc = tcase_create("calib_multi");

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_int8_two_inputs);
	tcase_add_loop_test(tc, test_errors, 0, 9);
	tcase_add_test(tc, test_cache_key);
	tcase_add_test(tc, test_accel_run);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
