/* SPDX-License-Identifier: MIT */
/*
 * libaccel version. The header's version is the API a program was built
 * against; accel_version() is the library it runs with. Within one major
 * version the library accepts programs built against any earlier minor
 * version: size-versioned structs (struct_size first) grow at the end,
 * symbols keep their ACCEL_<major>.<minor> version node.
 */
#ifndef ACCEL_VERSION_H
#define ACCEL_VERSION_H

#include <stdint.h>
#include "accel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_VERSION_MAJOR 1
#define ACCEL_VERSION_MINOR 0
#define ACCEL_VERSION_PATCH 0
/* major << 16 | minor << 8 | patch, as accel_version() returns it. */
#define ACCEL_VERSION ((ACCEL_VERSION_MAJOR << 16) | (ACCEL_VERSION_MINOR << 8) | \
		       ACCEL_VERSION_PATCH)

/* The running library's version, major << 16 | minor << 8 | patch; a
 * program built against a newer minor than the library's may find calls
 * or struct fields missing (they fail with a message). */
ACCEL_API uint32_t accel_version(void);
/* "1.0.0" */
ACCEL_API const char *accel_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_VERSION_H */
