/* SPDX-License-Identifier: MIT */
/* Helpers shared by the libaccel Check suites (see libaccel_testutil.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "libaccel_testutil.h"

#ifndef ACCEL_TEST_DEVICE
#define ACCEL_TEST_DEVICE "sim"
#endif

static int skipped;

const char *tu_device_name(void)
{
	const char *env = getenv("ACCEL_DEVICE");

	return env && *env ? env : ACCEL_TEST_DEVICE;
}

bool tu_is_sim(void)
{
	return !strcmp(tu_device_name(), "sim");
}

accel_device *tu_open(void)
{
	accel_device *dev = NULL;
	accel_status st = accel_open(tu_device_name(), &dev);

	ck_assert_msg(st == ACCEL_OK, "accel_open(\"%s\"): %s: %s", tu_device_name(),
		      accel_strerror(st), accel_last_error());
	return dev;
}

accel_status tu_open_second(accel_device **out)
{
	accel_device_desc d[2];
	size_t n = 0;
	accel_status st;

	if (tu_is_sim())
		return accel_open("sim", out);
	st = accel_enumerate(d, 2, &n, 0);
	if (st)
		return st;
	if (n < 2) {
		*out = NULL;
		return ACCEL_ERR_NO_DEVICE;
	}
	return accel_open(d[1].name, out);
}

/* Try the feature; on failure write why. */
static bool probe(enum tu_feature f, char *why, size_t len)
{
	accel_device *dev = NULL, *dev2 = NULL;
	accel_buffer *buf = NULL;
	accel_cmdbuf *cb = NULL;
	accel_status st;
	bool ok = false;
	int fd = -1;
	void *p;

	st = accel_open(tu_device_name(), &dev);
	if (st) {
		snprintf(why, len, "cannot open \"%s\": %s", tu_device_name(), accel_last_error());
		return false;
	}
	switch (f) {
	case TU_DEVICE:
		ok = true;
		break;
	case TU_BUFFERS:
		st = accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &buf);
		if (!st)
			st = accel_buffer_map(buf, &p);
		ok = !st;
		break;
	case TU_JOBS:
	case TU_TENSOR:
		st = accel_cmdbuf_create(dev, &cb);
		if (!st)
			st = accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &buf);
		if (!st && f == TU_JOBS) {
			st = accel_cmd_fence(cb, accel_ref_buffer(buf, 0), 1);
		} else if (!st) {
			accel_gemm g = ACCEL_GEMM_INIT;
			accel_tensor t = { .mem = accel_ref_buffer(buf, 0), .dim = { 1, 1, 4, 4 },
					   .dtype = ACCEL_DT_FP32 };

			g.a = t;
			g.b = t;
			g.b.mem.offset = 64;
			g.c = t;
			g.c.mem.offset = 128;
			st = accel_cmd_gemm(cb, &g);
		}
		if (!st)
			st = accel_run(dev, cb, NULL, NULL);
		ok = !st;
		break;
	case TU_DMABUF:
		st = accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &buf);
		if (!st)
			st = accel_buffer_export_dmabuf(buf, &fd);
		ok = !st;
		if (fd >= 0) {
			accel_buffer *imp = NULL;

			st = accel_buffer_import_dmabuf(dev, fd, &imp);
			ok = !st;
			accel_buffer_free(imp);
			close(fd);
		}
		break;
	case TU_TWO_DEVICES:
		st = tu_open_second(&dev2);
		ok = !st;
		if (st == ACCEL_ERR_NO_DEVICE && !dev2)
			snprintf(why, len, "only one SNPU present (boot the VM with NPU=2)");
		accel_close(dev2);
		break;
	default:
		break;
	}
	if (!ok && !why[0])
		snprintf(why, len, "%s: %s", accel_strerror(st), accel_last_error());
	accel_cmdbuf_free(cb);
	accel_buffer_free(buf);
	accel_close(dev);
	return ok;
}

/* Sanitizer builds pay for every byte of the simulated DRAM at each open:
 * the host suites run "sim" with 64 MiB unless told otherwise. */
static void tu_init(void)
{
	if (tu_is_sim())
		setenv("ACCEL_SIM_DRAM_MB", "64", 0);
}

void tu_add(Suite *s, TCase *tc, const char *name, enum tu_feature feature)
{
	static int known[TU_FEATURES];	/* 0 unknown, 1 works, -1 missing */
	static char reason[TU_FEATURES][512];

	tu_init();
	/* On sim every feature must work: no probe, the cases run and any
	 * missing feature fails them. Only the driver may lack a feature. */
	if (!tu_is_sim() && !known[feature])
		known[feature] = probe(feature, reason[feature], sizeof(reason[feature])) ? 1 : -1;
	if (tu_is_sim() || known[feature] > 0) {
		tcase_set_timeout(tc, 120);
		suite_add_tcase(s, tc);
		return;
	}
	printf("SKIP: %s: %s\n", name, reason[feature]);
	skipped++;
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (skipped)
		printf("%d test case%s skipped (feature missing on %s)\n", skipped,
		       skipped == 1 ? "" : "s", tu_device_name()[0] ? tu_device_name() : "drm");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

uint32_t tu_rand(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* Run a shell command, capture stdout+stderr into out; exit status. */
int tu_run_cmd(const char *cmd, char *out, size_t len)
{
	char full[1024];
	size_t n = 0;
	FILE *f;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	f = popen(full, "r");
	ck_assert_ptr_nonnull(f);
	while (n + 1 < len && !feof(f)) {
		size_t got = fread(out + n, 1, len - 1 - n, f);

		if (!got)
			break;
		n += got;
	}
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
