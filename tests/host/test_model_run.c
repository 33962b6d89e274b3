// SPDX-License-Identifier: MIT
/*
 * accel-run end to end on "sim": streaming a batch-N input through a
 * smaller compiled batch (last batch partial; the model's double-buffered
 * pipeline, accel_model_stream), NAME=FILE, data parallel
 * on a group of two devices, --report, and the exit status and message of
 * each kind of bad invocation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "npy.h"

static char errbuf[4096];

/* Run accel-run with args; its stdout+stderr in errbuf; exit status. */
static int run(const char *args)
{
	char cmd[4096], log[64];
	FILE *f;
	size_t n;
	int rc;

	snprintf(log, sizeof(log), "/tmp/accel-run-test.%d.log", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ACCEL_DEVICE=sim %s %s > %s 2>&1", ACCEL_RUN, args, log);
	rc = system(cmd);
	f = fopen(log, "r");
	n = f ? fread(errbuf, 1, sizeof(errbuf) - 1, f) : 0;
	errbuf[n] = 0;
	if (f)
		fclose(f);
	unlink(log);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void compare(const char *got, const char *want)
{
	accel_npy a, b;
	uint64_t i;

	ck_accel(accel__npy_read_file(got, ACCEL_NPY_FP32, &a));
	ck_accel(accel__npy_read_file(want, ACCEL_NPY_FP32, &b));
	ck_assert_uint_eq(a.rank, b.rank);
	ck_assert_uint_eq(a.count, b.count);
	for (i = 0; i < a.rank; i++)
		ck_assert_uint_eq(a.dim[i], b.dim[i]);
	for (i = 0; i < a.count; i++)
		ck_assert_msg(fabsf(((float *)a.data)[i] - ((float *)b.data)[i]) <= 1e-4f,
			      "%s[%llu]", got, (unsigned long long)i);
	accel__npy_free(&a);
	accel__npy_free(&b);
}

START_TEST(test_stream)
{
	char args[1024], out[64];

	snprintf(out, sizeof(out), "/tmp/accel-run-out.%d.npy", (int)getpid());
	snprintf(args, sizeof(args), "%s/lenet/model.onnx -i %s/lenet/input_bN.npy -o %s "
		 "--device sim --batch 5 --report", MODEL_TEST_DIR, MODEL_TEST_DIR, out);
	ck_assert_msg(run(args) == 0, "%s", errbuf);
	ck_assert_msg(strstr(errbuf, "images/s") && strstr(errbuf, "lower bound"), "%s", errbuf);
	/* 16 items in batches of 5 through the model's pipeline */
	ck_assert_msg(strstr(errbuf, "stream: 4 batch(es) of 5 in the last repeat, "
			     "double-buffered pipeline"), "%s", errbuf);
	snprintf(args, sizeof(args), "%s/lenet/output_bN.npy", MODEL_TEST_DIR);
	compare(out, args);
	unlink(out);
}
END_TEST

START_TEST(test_named_group)
{
	char args[1024], out[64];

	snprintf(out, sizeof(out), "/tmp/accel-run-out.%d.npy", (int)getpid());
	snprintf(args, sizeof(args), "%s/resblock/model.onnx -i input=%s/resblock/input_bN.npy "
		 "-o output=%s --device sim,sim --batch 3", MODEL_TEST_DIR, MODEL_TEST_DIR, out);
	ck_assert_msg(run(args) == 0, "%s", errbuf);
	snprintf(args, sizeof(args), "%s/resblock/output_bN.npy", MODEL_TEST_DIR);
	compare(out, args);
	unlink(out);
}
END_TEST

START_TEST(test_errors)
{
	char args[1024];

	ck_assert_int_eq(run("--frobnicate"), 2);
	ck_assert_msg(strstr(errbuf, "unknown option"), "%s", errbuf);
	snprintf(args, sizeof(args), "%s/lenet/model.onnx -i /etc/hostname -o /tmp/x.npy "
		 "--device sim", MODEL_TEST_DIR);
	ck_assert_int_eq(run(args), 1);
	ck_assert_msg(strstr(errbuf, "/etc/hostname"), "%s", errbuf);
	snprintf(args, sizeof(args), "/nonexistent.onnx -i %s/lenet/input_b1.npy -o /tmp/x.npy "
		 "--device sim", MODEL_TEST_DIR);
	ck_assert_int_eq(run(args), 1);
	ck_assert_msg(strstr(errbuf, "/nonexistent.onnx"), "%s", errbuf);
	snprintf(args, sizeof(args), "%s/lenet/model.onnx -i %s/mlp/input_b1.npy -o /tmp/x.npy "
		 "--device sim", MODEL_TEST_DIR, MODEL_TEST_DIR);
	ck_assert_int_eq(run(args), 1);
	ck_assert_msg(strstr(errbuf, "do not fit"), "%s", errbuf);
	snprintf(args, sizeof(args), "%s/lenet/model.onnx -i nosuch=%s/lenet/input_b1.npy "
		 "-o /tmp/x.npy --device sim", MODEL_TEST_DIR, MODEL_TEST_DIR);
	ck_assert_int_eq(run(args), 1);
	ck_assert_msg(strstr(errbuf, "nosuch"), "%s", errbuf);
	snprintf(args, sizeof(args), "%s/lenet/model.onnx -o /tmp/x.npy --device sim",
		 MODEL_TEST_DIR);
	ck_assert_int_eq(run(args), 1);
	ck_assert_msg(strstr(errbuf, "inputs"), "%s", errbuf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_run");
	TCase *tc = tcase_create("accel-run");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_named_group);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
