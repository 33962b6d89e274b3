/* SPDX-License-Identifier: MIT */
/*
 * NumPy .npy tensors for the model path (accel-run's -i/-o, calibration
 * sets): a strict reader and a float32 writer.
 *
 * Read: format versions 1.0, 2.0 and 3.0; C order only; little-endian
 * float32 ('<f4') and, where the caller allows them, uint8 ('|u1') and
 * int8 ('|i1'); at most ACCEL_NPY_MAX_RANK axes; the data must be exactly
 * the size the shape says. Anything else fails with a message naming the
 * file (or the name given for a memory buffer) and what is wrong: bad
 * magic, version, header syntax, dtype, fortran order, shape overflow,
 * truncated or trailing data.
 *
 * Statuses: ACCEL_ERR_NOT_FOUND (no such file), ACCEL_ERR_IO (open/read/
 * write failed), ACCEL_ERR_MODEL (malformed or unsupported content),
 * ACCEL_ERR_NO_MEMORY, ACCEL_ERR_INVALID_ARG (NULL or bad arguments).
 */
#ifndef ACCEL_MODEL_NPY_H
#define ACCEL_MODEL_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "../internal.h"

#define ACCEL_NPY_MAX_RANK 8

/* Bits of the `dtypes` argument: which element types the caller accepts. */
#define ACCEL_NPY_FP32	(1u << ACCEL_DT_FP32)
#define ACCEL_NPY_UINT8	(1u << ACCEL_DT_UINT8)
#define ACCEL_NPY_INT8	(1u << ACCEL_DT_INT8)

typedef struct accel_npy {
	accel_dtype dtype;		/* ACCEL_DT_FP32, _UINT8 or _INT8 */
	uint32_t rank;			/* 0 for a scalar */
	uint64_t dim[ACCEL_NPY_MAX_RANK];
	uint64_t count;			/* elements: the product of dim[] */
	uint64_t bytes;			/* count * element size */
	void *data;			/* malloc'd, never NULL after a read */
} accel_npy;

/* Read path into *out (zeroed first; accel__npy_free releases it). */
HIDDEN accel_status accel__npy_read_file(const char *path, unsigned int dtypes, accel_npy *out);
/* Same from memory; name is used in messages. */
HIDDEN accel_status accel__npy_read_memory(const void *buf, size_t size, const char *name,
					   unsigned int dtypes, accel_npy *out);
HIDDEN void accel__npy_free(accel_npy *npy);

/* Write a float32 C-order .npy (format 1.0, 2.0 when the header needs it). */
HIDDEN accel_status accel__npy_write_file(const char *path, const float *data, uint32_t rank,
					  const uint64_t *dim);
/* The same bytes into a malloc'd buffer (*out, *size). */
HIDDEN accel_status accel__npy_write_memory(const float *data, uint32_t rank, const uint64_t *dim,
					    void **out, size_t *size);

#endif /* ACCEL_MODEL_NPY_H */
