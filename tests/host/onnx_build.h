/* SPDX-License-Identifier: MIT */
/*
 * Build small ONNX models in tests with the protobuf-c structs generated
 * from the system onnx.proto: inputs, initializers, nodes with attributes,
 * outputs; packed into a buffer for accel_model_load_memory(). Everything
 * is owned by the builder (ob_free).
 */
#ifndef ONNX_BUILD_H
#define ONNX_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "onnx/onnx.pb-c.h"

struct ob;

struct ob *ob_new(int64_t opset);
void ob_free(struct ob *b);
/* Graph input name: float32 of rank/dims (a dim < 0 is symbolic "N"). */
void ob_input(struct ob *b, const char *name, uint32_t rank, const int64_t *dims);
void ob_output(struct ob *b, const char *name);
/* Initializers (data copied; raw_data). */
Onnx__TensorProto *ob_init_f32(struct ob *b, const char *name, uint32_t rank,
			       const int64_t *dims, const float *data);
Onnx__TensorProto *ob_init_i64(struct ob *b, const char *name, uint32_t n, const int64_t *v);
/* Node op(inputs) -> outputs; names comma-separated, "" = absent input. */
Onnx__NodeProto *ob_node(struct ob *b, const char *op, const char *name, const char *inputs,
			 const char *outputs);
void ob_attr_i(struct ob *b, Onnx__NodeProto *n, const char *name, int64_t v);
void ob_attr_f(struct ob *b, Onnx__NodeProto *n, const char *name, float v);
void ob_attr_s(struct ob *b, Onnx__NodeProto *n, const char *name, const char *v);
void ob_attr_ints(struct ob *b, Onnx__NodeProto *n, const char *name, uint32_t cnt,
		  const int64_t *v);
/* The model, packed (malloc'ed; the caller frees it). */
void *ob_pack(struct ob *b, size_t *size);
/* The ModelProto, to break on purpose before packing. */
Onnx__ModelProto *ob_model(struct ob *b);

#endif /* ONNX_BUILD_H */
