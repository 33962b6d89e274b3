/* SPDX-License-Identifier: MIT */
/* snpu-bench, the program behind `make bench`, on the "sim" device with
 * tiny budgets: every part runs to the end and reports each figure it
 * promises with a positive value (speed itself is not judged here: that is
 * bench/run.py's job); bad usage gets exit status 2 and a message. Catches
 * the benchmark breaking when the libaccel API it uses changes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#ifndef BENCH_BIN
#error "BENCH_BIN must name the snpu-bench binary"
#endif

static char buf[1 << 20];

static int run(const char *args)
{
	char cmd[1024];
	size_t n = 0;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "ACCEL_SIM_DRAM_MB=256 %s %s 2>&1", BENCH_BIN, args);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (n + 1 < sizeof(buf)) {
		size_t got = fread(buf + n, 1, sizeof(buf) - 1 - n, f);

		if (!got)
			break;
		n += got;
	}
	buf[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The value of the BENCH line called name; fails the test if it is absent. */
static double value(const char *name)
{
	char key[160], *p;
	double v;

	snprintf(key, sizeof(key), "BENCH {\"name\": \"%s\", \"value\": ", name);
	p = strstr(buf, key);
	ck_assert_msg(p != NULL, "no result '%s' in:\n%s", name, buf);
	ck_assert_msg(sscanf(p + strlen(key), "%lf", &v) == 1, "'%s' has no number", name);
	return v;
}

START_TEST(test_platform_parts)
{
	static const char *names[] = {
		"roundtrip", "upload.4096", "upload.65536", "download.4096", "download.65536",
		"mapwrite.4096", "mapread.65536", "dma.h2d.4096", "dma.d2h.65536", "memcpy.4096",
		"memcpy.65536", "breakdown.run_nop", "breakdown.buffer_write_4k",
		"breakdown.touch_new_1m",
	};

	ck_assert_msg(run("--device sim --budget 0.02 --max-bytes 65536 roundtrip transfer dma "
			  "memcpy breakdown") == 0, "snpu-bench failed:\n%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "BENCH-DEVICE {\"name\": \"sim\""));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(value(names[i]) > 0, "%s is not positive", names[i]);
}
END_TEST

START_TEST(test_compute_and_model_parts)
{
	static const char *names[] = {
		"gemm.fp32.1024", "gemm.int8.1024", "conv.cnn1.fp32.b64", "conv.cnn2.int8.b64",
	};

	ck_assert_msg(run("--device sim --budget 0.01 gemm model=" MODEL_DIR "/mlp/model.onnx:"
			  "mlp.fp32.b4:4") == 0, "snpu-bench failed:\n%s", buf);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(value(names[i]) > 0, "%s is not positive", names[i]);
	/* through the model API (or a clear "not measured" line without it) */
	if (strstr(buf, "\"name\": \"model.mlp.fp32.b4\", \"value\": null"))
		ck_assert_ptr_nonnull(strstr(buf, "not measured: "));
	else
		ck_assert(value("model.mlp.fp32.b4") > 0 && value("model.mlp.fp32.b4.compile") > 0);
}
END_TEST

START_TEST(test_usage_errors)
{
	ck_assert_int_eq(run("bogus"), 2);
	ck_assert_ptr_nonnull(strstr(buf, "unknown part 'bogus'"));
	ck_assert_int_eq(run("--budget 0 roundtrip"), 2);
	ck_assert_ptr_nonnull(strstr(buf, "--budget"));
	ck_assert_int_eq(run(""), 2);
	ck_assert_int_eq(run("--device sim model=nocolon"), 2);
	ck_assert_int_eq(run("--device /dev/accel/accel77 roundtrip"), 1);
	ck_assert_ptr_nonnull(strstr(buf, "accel77"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bench_smoke");
	TCase *tc = tcase_create("snpu-bench");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_platform_parts);
	tcase_add_test(tc, test_compute_and_model_parts);
	tcase_add_test(tc, test_usage_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
