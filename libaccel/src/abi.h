/* SPDX-License-Identifier: MIT */
/*
 * Size-versioned public structs (struct_size first, reserved space last):
 * the checks and copies every entry point taking one uses (abi.c).
 */
#ifndef ACCEL_ABI_H
#define ACCEL_ABI_H

#include <stddef.h>

#include "internal.h"

/* What this library knows of one struct type. */
struct accel_abi_type {
	const char *name;	/* "accel_gemm" */
	size_t v1;		/* size in libaccel 1.0: the smallest accepted */
	size_t used;		/* bytes before the reserved space */
	size_t known;		/* sizeof in this library */
};

#define ACCEL_ABI_TYPE(T, V1) { #T, (V1), offsetof(T, reserved), sizeof(T) }

HIDDEN extern const struct accel_abi_type accel__abi_conv2d, accel__abi_gemm,
	accel__abi_pooling, accel__abi_eltwise, accel__abi_submit_opts,
	accel__abi_device_info, accel__abi_job_result, accel__abi_pipeline_ops,
	accel__abi_pipeline_stats;

/*
 * An input struct from the caller: check src->struct_size (not 0, >= the
 * 1.0 size; bytes past what this library uses, reserved fields included,
 * must be zero) and copy it into dst (t->known bytes), zero-extended.
 * Fails with a message "fn: type.struct_size ..." naming the struct.
 */
HIDDEN accel_status accel__struct_in(const char *fn, const struct accel_abi_type *t,
				     const void *src, void *dst);

/*
 * An output struct for the caller: check its struct_size, then copy the
 * library's full struct src (t->known bytes) into the caller's dst,
 * min(struct_size, known) bytes, keeping the caller's struct_size and
 * zeroing the rest of its struct_size bytes.
 */
HIDDEN accel_status accel__struct_out(const char *fn, const struct accel_abi_type *t, void *dst,
				      const void *src);
/* Only the struct_size check of accel__struct_out. */
HIDDEN accel_status accel__struct_out_check(const char *fn, const struct accel_abi_type *t,
					    const void *dst);

/* 1 if the n bytes at p are all zero. */
HIDDEN int accel__all_zero(const void *p, size_t n);

#endif /* ACCEL_ABI_H */
