/* SPDX-License-Identifier: MIT */
/* accel-top, run as a user would: one sample (--once) of the test device,
 * and bad arguments and devices with their exit status and message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "libaccel_testutil.h"

#ifndef ACCEL_TEST_TOOLDIR
#define ACCEL_TEST_TOOLDIR ""	/* guest: from PATH */
#endif

static char buf[65536];
static char cmd[1024];

/* One sample: the header, then one row for the device with its backend and
 * numeric columns; the failure counters match what libaccel reads. */
START_TEST(test_top_once)
{
	accel_device *dev = tu_open();
	uint64_t cnt[ACCEL_NUM_COUNTERS];
	char name[ACCEL_NAME_MAX], be[8], *row;
	double util, pred;
	unsigned long long fail, fault, reset;

	ck_accel(accel_device_counters(dev, cnt));
	/* the first device when none is named (guest): accel0 is listed first */
	snprintf(cmd, sizeof(cmd), "ACCEL_SIM_DRAM_MB=64 %saccel-top --once --interval 0.1 %s%s",
		 ACCEL_TEST_TOOLDIR, tu_device_name()[0] ? "--device " : "", tu_device_name());
	ck_assert_msg(tu_run_cmd(cmd, buf, sizeof(buf)) == 0, "accel-top failed: %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "accel-top  "));
	ck_assert_ptr_nonnull(strstr(buf, "DEVICE "));
	ck_assert_ptr_nonnull(strstr(buf, "UTIL%"));
	row = strchr(buf, '\n');
	ck_assert_ptr_nonnull(row);
	row = strchr(row + 1, '\n');
	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(sscanf(row + 1, "%63s %7s %lf %lf %*f %*f %*f %*f %*f %llu %llu %llu", name,
				be, &util, &pred, &fail, &fault, &reset), 7);
	ck_assert_str_eq(name, tu_device_name()[0] ? tu_device_name() : "/dev/accel/accel0");
	ck_assert_str_eq(be, accel_device_backend(dev));
	ck_assert(util >= 0.0 && util <= 100.5);
	ck_assert(pred >= 0.0);
	if (!strcmp(be, "drm")) {	/* device-wide counters: the same device we read */
		ck_assert_uint_ge(fail, cnt[ACCEL_CNT_JOBS_FAILED]);
		ck_assert_uint_ge(reset, cnt[ACCEL_CNT_RESETS]);
	} else {	/* sim: accel-top's own fresh device */
		ck_assert_uint_eq(fail, 0);
		ck_assert_uint_eq(fault, 0);
		ck_assert_uint_eq(reset, 0);
	}
	accel_close(dev);
}
END_TEST

START_TEST(test_top_errors)
{
	ck_assert_int_eq(tu_run_cmd(ACCEL_TEST_TOOLDIR "accel-top --once --device /dev/accel/accel77", buf,
			     sizeof(buf)), 1);
	ck_assert_ptr_nonnull(strstr(buf, "accel77"));
	ck_assert_int_eq(tu_run_cmd(ACCEL_TEST_TOOLDIR "accel-top --bogus", buf, sizeof(buf)), 2);
	ck_assert_ptr_nonnull(strstr(buf, "--bogus"));
	ck_assert_int_eq(tu_run_cmd(ACCEL_TEST_TOOLDIR "accel-top --interval 0", buf, sizeof(buf)), 2);
	ck_assert_ptr_nonnull(strstr(buf, "--interval"));
	ck_assert_int_eq(tu_run_cmd(ACCEL_TEST_TOOLDIR "accel-top --interval 1x", buf, sizeof(buf)), 2);
	ck_assert_int_eq(tu_run_cmd(ACCEL_TEST_TOOLDIR "accel-top --device", buf, sizeof(buf)), 2);
	ck_assert_ptr_nonnull(strstr(buf, "needs a value"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_top");
	TCase *tc = tcase_create("top");

	tcase_add_test(tc, test_top_once);
	tcase_add_test(tc, test_top_errors);
	tu_add(s, tc, "top", TU_DEVICE);
	return tu_run(s);
}
