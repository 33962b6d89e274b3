/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the .npy reader of the model path: any input either
 * fails with a message or yields a tensor whose size matches its shape;
 * a float32 tensor written back and read again is the same tensor.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	accel_npy t, u;
	uint64_t count = 1;
	void *mem;
	size_t len;

	if (accel__npy_read_memory(data, size, "fuzz.npy",
				   ACCEL_NPY_FP32 | ACCEL_NPY_UINT8 | ACCEL_NPY_INT8, &t)) {
		if (!accel_last_error()[0] || t.data)
			abort();
		return 0;
	}
	for (uint32_t i = 0; i < t.rank; i++)
		count *= t.dim[i];
	if (!t.data || count != t.count || t.bytes > size)
		abort();
	if (t.dtype == ACCEL_DT_FP32) {
		if (accel__npy_write_memory(t.data, t.rank, t.dim, &mem, &len))
			abort();
		if (accel__npy_read_memory(mem, len, "again.npy", ACCEL_NPY_FP32, &u))
			abort();
		if (u.rank != t.rank || memcmp(u.dim, t.dim, sizeof(t.dim)) ||
		    u.bytes != t.bytes || memcmp(u.data, t.data, (size_t)t.bytes))
			abort();
		accel__npy_free(&u);
		free(mem);
	}
	accel__npy_free(&t);
	return 0;
}
