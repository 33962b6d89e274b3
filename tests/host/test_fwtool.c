// SPDX-License-Identifier: MIT
/*
 * snpu-fwtool command-line tests: runs the sanitizer build of the tool and
 * checks exit codes, messages, reproducible builds and corruption handling.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "snpu_fw.h"

static char dir[] = "/tmp/snpu-fwtool-test.XXXXXX";
static char out_text[65536], err_text[65536];

static void slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = 0;
	if (!f)
		return;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = 0;
	fclose(f);
}

/* Run the tool with args (NULL-terminated); SOURCE_DATE_EPOCH is sde or
 * unset. Returns the exit status; stdout/stderr land in out_text/err_text. */
static int run(const char *sde, ...)
{
	char out_path[128], err_path[128];
	const char *argv[16];
	va_list ap;
	int n = 0, status;
	pid_t pid;

	argv[n++] = SNPU_TEST_FWTOOL;
	va_start(ap, sde);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (!freopen(out_path, "w", stdout) || !freopen(err_path, "w", stderr))
			_exit(127);
		if (sde)
			setenv("SOURCE_DATE_EPOCH", sde, 1);
		else
			unsetenv("SOURCE_DATE_EPOCH");
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	slurp(out_path, out_text, sizeof(out_text));
	slurp(err_path, err_text, sizeof(err_text));
	ck_assert_msg(WIFEXITED(status), "tool died with signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

static char *path(const char *name)
{
	static char buf[4][256];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static uint8_t *read_bytes(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	uint8_t *b = malloc(SNPU_FW_MAX_SIZE);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(b);
	*len = fread(b, 1, SNPU_FW_MAX_SIZE, f);
	fclose(f);
	return b;
}

static void write_bytes(const char *p, const uint8_t *b, size_t len)
{
	FILE *f = fopen(p, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
	strcpy(dir, "/tmp/snpu-fwtool-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	static const char *const files[] = { "a.bin", "b.bin", "c.bin", "t.bin", "stdout", "stderr" };
	unsigned int i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(path(files[i]));
	rmdir(dir);
}

START_TEST(usage_errors)
{
	ck_assert_int_eq(run(NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err_text, "usage: snpu-fwtool build"));
	ck_assert_int_eq(run(NULL, "frobnicate", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err_text, "unknown command 'frobnicate'"));
	ck_assert_int_eq(run(NULL, "build", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err_text, "missing -o"));
	ck_assert_int_eq(run(NULL, "build", "-o", path("a.bin"), "extra", NULL), 2);
	ck_assert_int_eq(run(NULL, "info", NULL), 2);
	ck_assert_int_eq(run(NULL, "verify", "a", "b", NULL), 2);
	ck_assert_int_eq(run(NULL, "corrupt", SNPU_TEST_FW_IMAGE, path("c.bin"), NULL), 2);
	ck_assert_ptr_nonnull(strstr(err_text, "need IN OUT --offset N"));
	ck_assert_int_eq(run(NULL, "corrupt", SNPU_TEST_FW_IMAGE, path("c.bin"), "--offset",
			     "12x", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err_text, "bad --offset '12x'"));
	ck_assert_int_eq(run(NULL, "corrupt", SNPU_TEST_FW_IMAGE, path("c.bin"), "--offset", "1",
			     "--xor", "0", NULL), 2);
	ck_assert_int_eq(run(NULL, "--help", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "usage:"));
}
END_TEST

START_TEST(info_and_verify)
{
	const char *p;
	int luts = 0;

	ck_assert_int_eq(run(NULL, "info", SNPU_TEST_FW_IMAGE, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "version:     1.0.0\n"));
	ck_assert_ptr_nonnull(strstr(out_text, "api:         1.0\n"));
	ck_assert_ptr_nonnull(strstr(out_text, "caps:        0x0000ffff fp32 fp16 int8"));
	ck_assert_ptr_nonnull(strstr(out_text, "sha256:      "));
	ck_assert_ptr_nonnull(strstr(out_text, "wait_timeout_us 1000000"));
	ck_assert_ptr_nonnull(strstr(out_text, "verify:      OK\n"));
	for (p = out_text; (p = strstr(p, " LUT ")) != NULL; p++)
		luts++;
	ck_assert_int_eq(luts, SNPU_LUT_COUNT);
	ck_assert_int_eq(run(NULL, "verify", SNPU_TEST_FW_IMAGE, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out_text, ": OK (snpu-fw 1.0.0, version 1.0.0"));
	ck_assert_int_eq(run(NULL, "verify", path("missing.bin"), NULL), 1);
	ck_assert_ptr_nonnull(strstr(err_text, "No such file or directory"));
}
END_TEST

START_TEST(build_reproducible)
{
	uint8_t *ref, *a, *b;
	size_t ref_len, a_len, b_len;
	char sde[16];

	ref = read_bytes(SNPU_TEST_FW_IMAGE, &ref_len);
	ck_assert_uint_ge(ref_len, sizeof(struct snpu_fw_header));
	snprintf(sde, sizeof(sde), "%u",
		 (unsigned int)(ref[offsetof(struct snpu_fw_header, build_time)] |
				ref[offsetof(struct snpu_fw_header, build_time) + 1] << 8 |
				ref[offsetof(struct snpu_fw_header, build_time) + 2] << 16 |
				(uint32_t)ref[offsetof(struct snpu_fw_header, build_time) + 3] << 24));
	ck_assert_int_eq(run(sde, "build", "-o", path("a.bin"), NULL), 0);
	ck_assert_int_eq(run(sde, "build", "-o", path("b.bin"), NULL), 0);
	a = read_bytes(path("a.bin"), &a_len);
	b = read_bytes(path("b.bin"), &b_len);
	ck_assert_uint_eq(a_len, ref_len);
	ck_assert_uint_eq(b_len, ref_len);
	ck_assert_int_eq(memcmp(a, ref, ref_len), 0);
	ck_assert_int_eq(memcmp(b, ref, ref_len), 0);
	free(a);
	free(b);
	free(ref);
	/* No SOURCE_DATE_EPOCH: build_time 0. */
	ck_assert_int_eq(run(NULL, "build", "-o", path("a.bin"), NULL), 0);
	ck_assert_int_eq(run(NULL, "info", path("a.bin"), NULL), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "build_time:  0\n"));
	ck_assert_int_eq(run("1700000000", "build", "-o", path("a.bin"), NULL), 0);
	ck_assert_int_eq(run(NULL, "info", path("a.bin"), NULL), 0);
	ck_assert_ptr_nonnull(strstr(out_text, "build_time:  1700000000\n"));
	ck_assert_int_eq(run("yesterday", "build", "-o", path("a.bin"), NULL), 1);
	ck_assert_ptr_nonnull(strstr(err_text, "SOURCE_DATE_EPOCH 'yesterday'"));
	ck_assert_int_eq(run(NULL, "build", "-o", "/nonexistent-dir/x.bin", NULL), 1);
}
END_TEST

START_TEST(corrupt_is_refused)
{
	uint8_t *img;
	size_t len;
	char off[32];

	ck_assert_int_eq(run(NULL, "corrupt", SNPU_TEST_FW_IMAGE, path("c.bin"), "--offset", "0",
			     NULL), 0);
	ck_assert_int_eq(run(NULL, "info", path("c.bin"), NULL), 1);
	ck_assert_ptr_nonnull(strstr(err_text, "bad magic"));
	ck_assert_ptr_nonnull(strstr(err_text, "magic is 0x57464eac"));
	ck_assert_str_eq(out_text, "");
	/* A payload byte: caught by the CRC. */
	ck_assert_int_eq(run(NULL, "corrupt", SNPU_TEST_FW_IMAGE, path("c.bin"), "--offset",
			     "0x300", "--xor", "0x01", NULL), 0);
	ck_assert_int_eq(run(NULL, "verify", path("c.bin"), NULL), 1);
	ck_assert_ptr_nonnull(strstr(err_text, "CRC-32 mismatch (error 5)"));
	/* Past the end. */
	img = read_bytes(SNPU_TEST_FW_IMAGE, &len);
	snprintf(off, sizeof(off), "%zu", len);
	ck_assert_int_eq(run(NULL, "corrupt", SNPU_TEST_FW_IMAGE, path("c.bin"), "--offset", off,
			     NULL), 1);
	ck_assert_ptr_nonnull(strstr(err_text, "past the end"));
	/* Truncated and empty files. */
	write_bytes(path("t.bin"), img, len - 8);
	ck_assert_int_eq(run(NULL, "verify", path("t.bin"), NULL), 1);
	ck_assert_ptr_nonnull(strstr(err_text, "image_size"));
	write_bytes(path("t.bin"), img, 0);
	ck_assert_int_eq(run(NULL, "verify", path("t.bin"), NULL), 1);
	ck_assert_ptr_nonnull(strstr(err_text, "smaller than the 128-byte header"));
	free(img);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fwtool");
	TCase *tc = tcase_create("fwtool");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, info_and_verify);
	tcase_add_test(tc, build_reproducible);
	tcase_add_test(tc, corrupt_is_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
