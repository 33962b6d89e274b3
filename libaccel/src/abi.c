/* SPDX-License-Identifier: MIT */
/* Size-versioned public structs: the 1.0 layouts and their checks. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"

/*
 * The 1.0 sizes (LP64). A later version may only append fields (taking
 * reserved space, or growing the struct): these numbers never change, and
 * the assertions below catch an accidental layout change.
 */
#define V1_CONV2D		560
#define V1_GEMM			536
#define V1_POOLING		256
#define V1_ELTWISE		376
#define V1_SUBMIT_OPTS		128
#define V1_DEVICE_INFO		272
#define V1_JOB_RESULT		384
#define V1_PIPELINE_OPS		96
#define V1_PIPELINE_STATS	112

#define PIN(T, V1) _Static_assert(sizeof(T) == (V1), #T " keeps its 1.0 layout")
PIN(accel_conv2d, V1_CONV2D);
PIN(accel_gemm, V1_GEMM);
PIN(accel_pooling, V1_POOLING);
PIN(accel_eltwise, V1_ELTWISE);
PIN(accel_submit_opts, V1_SUBMIT_OPTS);
PIN(accel_device_info, V1_DEVICE_INFO);
PIN(accel_job_result, V1_JOB_RESULT);
PIN(accel_pipeline_ops, V1_PIPELINE_OPS);
PIN(accel_pipeline_stats, V1_PIPELINE_STATS);
_Static_assert(sizeof(accel_ref) == 24 && sizeof(accel_tensor) == 80 &&
	       sizeof(accel_act) == 32 && sizeof(accel_epilogue) == 224 &&
	       sizeof(accel_device_desc) == 128, "value structs keep their 1.0 layout");

const struct accel_abi_type accel__abi_conv2d = ACCEL_ABI_TYPE(accel_conv2d, V1_CONV2D);
const struct accel_abi_type accel__abi_gemm = ACCEL_ABI_TYPE(accel_gemm, V1_GEMM);
const struct accel_abi_type accel__abi_pooling = ACCEL_ABI_TYPE(accel_pooling, V1_POOLING);
const struct accel_abi_type accel__abi_eltwise = ACCEL_ABI_TYPE(accel_eltwise, V1_ELTWISE);
const struct accel_abi_type accel__abi_submit_opts =
	ACCEL_ABI_TYPE(accel_submit_opts, V1_SUBMIT_OPTS);
const struct accel_abi_type accel__abi_device_info =
	ACCEL_ABI_TYPE(accel_device_info, V1_DEVICE_INFO);
const struct accel_abi_type accel__abi_job_result =
	ACCEL_ABI_TYPE(accel_job_result, V1_JOB_RESULT);
const struct accel_abi_type accel__abi_pipeline_ops =
	ACCEL_ABI_TYPE(accel_pipeline_ops, V1_PIPELINE_OPS);
const struct accel_abi_type accel__abi_pipeline_stats =
	ACCEL_ABI_TYPE(accel_pipeline_stats, V1_PIPELINE_STATS);

int accel__all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* "accel_gemm" -> "ACCEL_GEMM_INIT" */
static void init_macro(const char *type, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = type; *p && n + 6 < len; p++)
		out[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	snprintf(out + n, len - n, "_INIT");
}

static accel_status check_size(const char *fn, const struct accel_abi_type *t, const void *p,
			       uint32_t *size)
{
	char init[64];

	if (!p)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: NULL %s", fn, t->name);
	memcpy(size, p, sizeof(*size));
	init_macro(t->name, init, sizeof(init));
	if (*size == 0)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: %s.struct_size is 0 (initialise "
				   "it with %s)", fn, t->name, init);
	if (*size < t->v1)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: %s.struct_size %u is smaller than "
				   "the smallest layout (libaccel 1.0: %zu bytes); initialise it "
				   "with %s", fn, t->name, *size, t->v1, init);
	return ACCEL_OK;
}

accel_status accel__struct_in(const char *fn, const struct accel_abi_type *t, const void *src,
			      void *dst)
{
	const uint8_t *s = src;
	uint32_t size;
	accel_status st = check_size(fn, t, src, &size);

	if (st)
		return st;
	for (size_t i = t->used; i < size; i++) {
		if (!s[i])
			continue;
		if (i < t->known)
			return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: %s.reserved is not zero "
					   "(byte %zu)", fn, t->name, i);
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: %s.struct_size %u is larger than "
				   "this libaccel (%s) knows (%zu bytes) and byte %zu is set: the "
				   "program uses a field this version does not have", fn, t->name,
				   size, accel_version_string(), t->known, i);
	}
	memset(dst, 0, t->known);
	memcpy(dst, src, size < t->known ? size : t->known);
	return ACCEL_OK;
}

accel_status accel__struct_out_check(const char *fn, const struct accel_abi_type *t,
				     const void *dst)
{
	uint32_t size;

	return check_size(fn, t, dst, &size);
}

accel_status accel__struct_out(const char *fn, const struct accel_abi_type *t, void *dst,
			       const void *src)
{
	uint32_t size;
	accel_status st = check_size(fn, t, dst, &size);

	if (st)
		return st;
	memcpy(dst, src, size < t->known ? size : t->known);
	memcpy(dst, &size, sizeof(size));	/* the caller's, not ours */
	if (size > t->known)
		memset((uint8_t *)dst + t->known, 0, size - t->known);
	return ACCEL_OK;
}

uint32_t accel_version(void)
{
	return ACCEL_VERSION;
}

const char *accel_version_string(void)
{
#define STR_(x) #x
#define STR(x) STR_(x)
	return STR(ACCEL_VERSION_MAJOR) "." STR(ACCEL_VERSION_MINOR) "." STR(ACCEL_VERSION_PATCH);
}
