/* SPDX-License-Identifier: MIT */
/* accel-info and samples/hello, run as a user would: output and exit
 * status, on the sim device and with bad arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "libaccel_testutil.h"

#ifndef ACCEL_TEST_TOOLDIR
#define ACCEL_TEST_TOOLDIR ""	/* guest: from PATH */
#endif

static char buf[65536];

START_TEST(test_accel_info_sim)
{
	ck_assert_int_eq(tu_run_cmd("ACCEL_SIM_DRAM_MB=64 " ACCEL_TEST_TOOLDIR "accel-info --device sim",
			     buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "backend:        sim"));
	ck_assert_ptr_nonnull(strstr(buf, "pci id:         1234:534e"));
	ck_assert_ptr_nonnull(strstr(buf, "firmware:       1."));
	ck_assert_ptr_nonnull(strstr(buf, "(API 1."));
	ck_assert_ptr_nonnull(strstr(buf, "gemm"));
	ck_assert_ptr_nonnull(strstr(buf, "mac array:      32 x 32"));
	ck_assert_int_eq(tu_run_cmd("ACCEL_SIM_DRAM_MB=64 " ACCEL_TEST_TOOLDIR
			     "accel-info --device sim --json --counters", buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"backend\": \"sim\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"capabilities\": [\"fp32\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"counters\": {\"jobs\": 0"));
	ck_assert_int_eq(buf[0], '[');
}
END_TEST

START_TEST(test_accel_info_errors)
{
	ck_assert_int_eq(tu_run_cmd(ACCEL_TEST_TOOLDIR "accel-info --device /dev/accel/accel77", buf,
			     sizeof(buf)), 1);
	ck_assert_ptr_nonnull(strstr(buf, "/dev/accel/accel77"));
	ck_assert_int_eq(tu_run_cmd(ACCEL_TEST_TOOLDIR "accel-info --version", buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "libaccel 1.0.0 (built against 1.0.0)"));
	ck_assert_int_eq(tu_run_cmd(ACCEL_TEST_TOOLDIR "accel-info --bogus", buf, sizeof(buf)), 2);
	ck_assert_ptr_nonnull(strstr(buf, "usage:"));
	ck_assert_int_eq(tu_run_cmd("ACCEL_FIRMWARE=/nonexistent " ACCEL_TEST_TOOLDIR
			     "accel-info --device sim", buf, sizeof(buf)), 1);
	ck_assert_ptr_nonnull(strstr(buf, "/nonexistent"));
	if (tu_is_sim()) {
		/* The host has no /dev/accel SNPU: listing finds none. */
		int rc = tu_run_cmd(ACCEL_TEST_TOOLDIR "accel-info", buf, sizeof(buf));

		if (!strstr(buf, "/dev/accel/accel")) {
			ck_assert_int_eq(rc, 1);
			ck_assert_ptr_nonnull(strstr(buf, "no SNPU device found"));
		}
	}
}
END_TEST

START_TEST(test_hello)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ACCEL_SIM_DRAM_MB=64 %shello %s", ACCEL_TEST_TOOLDIR,
		 tu_device_name());
	ck_assert_msg(tu_run_cmd(cmd, buf, sizeof(buf)) == 0, "hello failed: %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "max abs error vs CPU"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_tools");
	TCase *tc = tcase_create("tools");

	tcase_add_test(tc, test_accel_info_sim);
	tcase_add_test(tc, test_accel_info_errors);
	tcase_add_test(tc, test_hello);
	tu_add(s, tc, "tools", TU_DEVICE);
	return tu_run(s);
}
