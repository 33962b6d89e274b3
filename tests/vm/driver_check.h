/* SPDX-License-Identifier: MIT */
/*
 * The check counter shared by the in-VM driver test programs: CHECK(cond,
 * fmt, ...) counts a pass, or counts a failure and prints where and why.
 * Each program prints "N passed, N failed" from passed/failed at the end.
 */
#ifndef DRIVER_CHECK_H
#define DRIVER_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		printf("FAIL %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

#endif /* DRIVER_CHECK_H */
