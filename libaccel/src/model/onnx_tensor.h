/* SPDX-License-Identifier: MIT */
/*
 * ONNX TensorProto decoding (initializers, Constant values, the
 * conformance tests' .pb files): checked dims and sizes, typed field or
 * raw_data or external data, into a packed little-endian array.
 */
#ifndef MODEL_ONNX_TENSOR_H
#define MODEL_ONNX_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"
#include "onnx/onnx.pb-c.h"
#include "ir.h"

/* Largest tensor the importer accepts (bytes). */
#define ONNX_TENSOR_MAX_BYTES (1ull << 32)

struct onnx_tensor {
	int dtype;			/* enum ir_dtype; double arrives as float */
	uint32_t rank;
	int64_t dim[IR_MAX_RANK];
	void *data;			/* malloc'ed, numel * size bytes */
	size_t bytes;
};

/* Decode t. what names it in messages ("model.onnx: initializer 'w'");
 * base_dir is where external data files are (NULL: external data refused). */
accel_status onnx_tensor_decode(const Onnx__TensorProto *t, const char *what,
				const char *base_dir, struct onnx_tensor *out);

/* Whether t's data is in an external file (data_location EXTERNAL). */
bool onnx_tensor_is_external(const Onnx__TensorProto *t);
/* The bytes of an external t as onnx_tensor_decode() reads them (same
 * checks and messages), before any conversion; *data is malloc'ed. */
accel_status onnx_tensor_read_external(const Onnx__TensorProto *t, const char *what,
				       const char *base_dir, void **data, size_t *bytes);

/* Read a serialized TensorProto file (test_data_set_N/input_M.pb). */
accel_status onnx_tensor_load_file(const char *path, struct onnx_tensor *out);

/* Check rank and dims (0..2^31, product and bytes bounded); message names what. */
accel_status onnx_check_dims(const char *what, uint32_t rank, const int64_t *dim, size_t esize);

#endif /* MODEL_ONNX_TENSOR_H */
