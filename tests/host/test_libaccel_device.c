/* SPDX-License-Identifier: MIT */
/* libaccel: status codes, enumeration, open, queries, counters, threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaccel_testutil.h"

START_TEST(test_strerror)
{
	for (int s = 0; s < ACCEL_STATUS_COUNT; s++) {
		ck_assert_ptr_nonnull(accel_strerror((accel_status)s));
		ck_assert_str_ne(accel_strerror((accel_status)s), "unknown status");
	}
	ck_assert_str_eq(accel_strerror((accel_status)999), "unknown status");
	ck_assert_str_eq(accel_hw_error_name(6), "MMU fault (address not mapped)");
	ck_assert_str_eq(accel_hw_error_name(12345), "unknown device error");
	ck_assert_str_eq(accel_cap_name(6), "gemm");
	ck_assert_ptr_null(accel_cap_name(31));
	ck_assert_str_eq(accel_counter_name(ACCEL_CNT_MACS), "macs");
	ck_assert_ptr_null(accel_counter_name(ACCEL_NUM_COUNTERS));
}
END_TEST

START_TEST(test_precision_names)
{
	accel_precision p = ACCEL_PRECISION_MIXED;

	for (int i = 0; i < ACCEL_PRECISION_COUNT; i++) {
		ck_assert_ptr_nonnull(accel_precision_name((accel_precision)i));
		ck_accel(accel_precision_from_name(accel_precision_name((accel_precision)i), &p));
		ck_assert_int_eq(p, i);
	}
	ck_assert_str_eq(accel_precision_name(ACCEL_PRECISION_INT8), "int8");
	ck_assert_ptr_null(accel_precision_name(ACCEL_PRECISION_COUNT));
	ck_assert_ptr_null(accel_precision_name((accel_precision)-1));
	ck_accel_err(accel_precision_from_name("int4", &p), ACCEL_ERR_INVALID_ARG);
	ck_assert_int_eq(p, ACCEL_PRECISION_COUNT - 1);	/* unchanged */
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "'int4'"));
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "fp32, fp16, int8 or mixed"));
	ck_accel_err(accel_precision_from_name("INT8", &p), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_precision_from_name(NULL, &p), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_precision_from_name("fp16", NULL), ACCEL_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_bad_args)
{
	accel_device *dev = (accel_device *)0x1;
	size_t n;

	ck_accel_err(accel_open("nonsense", &dev), ACCEL_ERR_NO_DEVICE);
	ck_assert_ptr_null(dev);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "nonsense"));
	ck_accel_err(accel_open("/dev/accel/accel99", &dev), ACCEL_ERR_NO_DEVICE);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "accel99"));
	ck_accel_err(accel_open("/dev/null", &dev), ACCEL_ERR_NO_DEVICE);
	ck_accel_err(accel_open("sim", NULL), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_enumerate(NULL, 0, NULL, 0), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_enumerate(NULL, 0, &n, 0x80), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_open_index(1000, &dev), ACCEL_ERR_NO_DEVICE);
	ck_accel_err(accel_device_query(NULL, NULL), ACCEL_ERR_INVALID_ARG);
	accel_close(NULL);	/* ignored */
}
END_TEST

START_TEST(test_enumerate)
{
	accel_device_desc d[8];
	size_t n = 0, n2 = 0;

	ck_accel(accel_enumerate(d, 8, &n, 0));
	for (size_t i = 0; i < n && i < 8; i++) {
		ck_assert_str_eq(d[i].backend, "drm");
		ck_assert_int_eq(strncmp(d[i].name, "/dev/accel/accel", 16), 0);
	}
	ck_accel(accel_enumerate(d, 8, &n2, ACCEL_ENUM_SIM));
	ck_assert_uint_eq(n2, n + 1);
	ck_assert_str_eq(d[n].name, "sim");
	ck_assert_str_eq(d[n].backend, "sim");
	/* Counting without room. */
	ck_accel(accel_enumerate(NULL, 0, &n2, ACCEL_ENUM_SIM));
	ck_assert_uint_eq(n2, n + 1);
	if (!tu_is_sim())
		ck_assert_msg(n >= 1, "no /dev/accel device enumerated in the guest");
}
END_TEST

START_TEST(test_query)
{
	accel_device *dev = tu_open();
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	uint64_t v, ts1, ts2;

	ck_accel(accel_device_query(dev, &info));
	ck_assert_str_eq(info.name, tu_device_name()[0] ? tu_device_name() : info.name);
	ck_assert_str_eq(info.backend, accel_device_backend(dev));
	ck_assert_uint_eq(info.vendor_id, 0x1234);
	ck_assert_uint_eq(info.device_id, 0x534e);
	ck_assert_uint_eq(info.hw_version >> 16, 1);
	ck_assert_uint_ne(info.fw_version, 0);
	ck_assert_uint_eq(info.fw_api >> 16, 1);
	ck_assert_uint_ne(info.caps & ACCEL_CAP_GEMM, 0);
	ck_assert_uint_eq(info.caps & ~info.hw_caps, 0);
	ck_assert(info.num_queues >= 1 && info.num_queues <= 16);
	ck_assert(info.dram_size >= (1u << 20));
	ck_assert(info.sram_size > 0);
	ck_assert(info.mac_rows > 0 && info.mac_cols > 0 && info.clock_mhz > 0);
	ck_assert_uint_eq(info.va_bits, 39);
	ck_assert_uint_eq(info.sram_va, 1ull << 39);
	ck_assert(info.context_id >= 1);
	if (tu_is_sim())
		ck_assert_str_eq(info.pci_address, "");
	else
		ck_assert_msg(strchr(info.pci_address, ':'), "pci address \"%s\"", info.pci_address);
	/* Single parameters agree with the struct. */
	ck_accel(accel_device_param(dev, ACCEL_PARAM_NUM_QUEUES, &v));
	ck_assert_uint_eq(v, info.num_queues);
	ck_accel(accel_device_param(dev, ACCEL_PARAM_DEVICE_ID, &v));
	ck_assert_uint_eq(v, 0x1234534eu);
	ck_accel(accel_device_param(dev, ACCEL_PARAM_TIMESTAMP, &ts1));
	ck_accel(accel_device_param(dev, ACCEL_PARAM_TIMESTAMP, &ts2));
	ck_assert(ts2 >= ts1);
	ck_accel_err(accel_device_param(dev, ACCEL_PARAM_COUNT, &v), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_device_param(dev, ACCEL_PARAM_COUNTER_BASE + ACCEL_NUM_COUNTERS, &v),
		     ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_device_param(dev, 0, NULL), ACCEL_ERR_INVALID_ARG);
	accel_close(dev);
}
END_TEST

START_TEST(test_counters)
{
	accel_device *dev = tu_open();
	uint64_t c[ACCEL_NUM_COUNTERS], v;

	ck_accel(accel_device_counters(dev, c));
	ck_accel(accel_device_param(dev, ACCEL_PARAM_COUNTER_BASE + ACCEL_CNT_JOBS, &v));
	ck_assert(v >= c[ACCEL_CNT_JOBS]);
	ck_assert(c[ACCEL_CNT_DMA_H2D] > 0);	/* at least the firmware image */
	ck_accel_err(accel_device_counters(dev, NULL), ACCEL_ERR_INVALID_ARG);
	accel_close(dev);
}
END_TEST

START_TEST(test_env_device)
{
	accel_device *dev;
	const char *old = getenv("ACCEL_DEVICE");
	char *saved = old ? strdup(old) : NULL;

	setenv("ACCEL_DEVICE", "bogus-device", 1);
	ck_accel_err(accel_open(NULL, &dev), ACCEL_ERR_NO_DEVICE);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "bogus-device"));
	setenv("ACCEL_DEVICE", "sim", 1);
	ck_accel(accel_open("", &dev));
	ck_assert_str_eq(accel_device_backend(dev), "sim");
	accel_close(dev);
	if (saved)
		setenv("ACCEL_DEVICE", saved, 1);
	else
		unsetenv("ACCEL_DEVICE");
	free(saved);
}
END_TEST

START_TEST(test_firmware_env)
{
	accel_device *dev;
	const char *old = getenv("ACCEL_FIRMWARE");
	char *saved = old ? strdup(old) : NULL;
	char path[] = "/tmp/libaccel-test-fwXXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "not a firmware image", 20), 20);
	close(fd);
	setenv("ACCEL_FIRMWARE", path, 1);
	ck_accel_err(accel_open("sim", &dev), ACCEL_ERR_FIRMWARE);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "refused"));
	setenv("ACCEL_FIRMWARE", "/nonexistent/snpu.bin", 1);
	ck_accel_err(accel_open("sim", &dev), ACCEL_ERR_FIRMWARE);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "/nonexistent/snpu.bin"));
	unlink(path);
	if (saved)
		setenv("ACCEL_FIRMWARE", saved, 1);
	else
		unsetenv("ACCEL_FIRMWARE");
	free(saved);
}
END_TEST

static void *query_thread(void *arg)
{
	accel_device *dev = arg;
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;

	for (int i = 0; i < 200; i++)
		if (accel_device_query(dev, &info) || info.device_id != 0x534e)
			return (void *)1;
	return NULL;
}

START_TEST(test_threads_and_two_devices)
{
	accel_device *a = tu_open(), *b = NULL;
	pthread_t t[4];
	void *r;

	ck_accel(tu_open_second(&b));
	ck_assert_ptr_ne(a, b);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, query_thread, i % 2 ? a : b), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &r), 0);
		ck_assert_ptr_null(r);
	}
	accel_close(b);
	accel_close(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_device");
	TCase *tc;

	tc = tcase_create("status");
	tcase_add_test(tc, test_strerror);
	tcase_add_test(tc, test_precision_names);
	tcase_add_test(tc, test_bad_args);
	tcase_add_test(tc, test_enumerate);
	tu_add(s, tc, "status", TU_DEVICE);
	tc = tcase_create("query");
	tcase_add_test(tc, test_query);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_env_device);
	tcase_add_test(tc, test_firmware_env);
	tu_add(s, tc, "query", TU_DEVICE);
	tc = tcase_create("threads");
	tcase_add_test(tc, test_threads_and_two_devices);
	tu_add(s, tc, "threads", TU_TWO_DEVICES);
	return tu_run(s);
}
