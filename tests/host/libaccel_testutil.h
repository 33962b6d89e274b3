/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libaccel Check suites. The same sources run on the
 * "sim" backend on the host and on the drm backend in the guest: the
 * device comes from ACCEL_DEVICE, else ACCEL_TEST_DEVICE (compiled in:
 * "sim" on the host, "" = first /dev/accel device in the guest).
 *
 * A test case that needs a feature the kernel driver does not offer yet is
 * not run there: it is reported as "SKIP: <case>: <reason>" and counted as
 * skipped, never as passed. On "sim" every feature must work: a failed
 * probe there is a failure.
 */
#ifndef LIBACCEL_TESTUTIL_H
#define LIBACCEL_TESTUTIL_H

#include <check.h>
#include <stdbool.h>
#include <accel/accel.h>

/* ck_assert that st is ACCEL_OK, printing accel_last_error() otherwise. */
#define ck_accel(st)                                                                 \
	do {                                                                         \
		accel_status st__ = (st);                                            \
		ck_assert_msg(st__ == ACCEL_OK, "%s -> %s: %s", #st, accel_strerror(st__), \
			      accel_last_error());                                   \
	} while (0)

/* ck_assert that st equals want and a message was recorded. */
#define ck_accel_err(st, want)                                                       \
	do {                                                                         \
		accel_status st__ = (st);                                            \
		ck_assert_msg(st__ == (want), "%s -> %s (%s), expected %s", #st,     \
			      accel_strerror(st__), accel_last_error(), accel_strerror(want)); \
		ck_assert_msg(accel_last_error()[0], "%s: no error message", #st);   \
	} while (0)

enum tu_feature {
	TU_DEVICE = 0,		/* open + query */
	TU_BUFFERS,		/* BO create + map */
	TU_JOBS,		/* submit + wait */
	TU_DMABUF,		/* PRIME export/import */
	TU_TWO_DEVICES,		/* a second device */
	TU_TENSOR,		/* a GEMM runs */
	TU_FEATURES
};

const char *tu_device_name(void);
bool tu_is_sim(void);
/* Open the test device (ck_assert on failure). */
accel_device *tu_open(void);
/* Open a second device: another "sim", or the second /dev/accel node. */
accel_status tu_open_second(accel_device **out);

/* Add tc to s when feature works here; otherwise print SKIP and count it. */
void tu_add(Suite *s, TCase *tc, const char *name, enum tu_feature feature);

/* Run the suite, print Check's summary and the skip count; exit status. */
int tu_run(Suite *s);

/* Run a shell command, capture stdout+stderr into out (NUL-terminated);
 * its exit status, -1 if it did not exit. */
int tu_run_cmd(const char *cmd, char *out, size_t len);

/* Small deterministic PRNG for test data. */
uint32_t tu_rand(uint32_t *state);

#endif /* LIBACCEL_TESTUTIL_H */
