/* SPDX-License-Identifier: MIT */
/* ONNX import: a serialized ModelProto into the graph IR. */
#ifndef MODEL_ONNX_IMPORT_H
#define MODEL_ONNX_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"
#include "ir.h"

/* Opsets of the default domain the importer knows the semantics of. */
#define ONNX_OPSET_MIN 7
#define ONNX_OPSET_MAX 21

/* Parse data[0..size) into g (initialised here; freed on failure).
 * source names the model in messages; base_dir is where external data
 * files are (NULL: none); batch resolves a symbolic first input dim. The
 * nodes come out in a topological order (a cycle is an error). */
accel_status onnx_import(const void *data, size_t size, const char *source, const char *base_dir,
			 uint32_t batch, struct ir_graph *g);

/* Every tensor onnx_import() reads from an external data file (the graph's
 * initializers and the nodes' tensor attributes, in that order): fn gets
 * its bytes, read by the same code with the same checks and messages (a
 * missing or short file fails here as it would in the import). For the
 * compiled-model cache's key. A model that does not parse: ACCEL_OK and
 * no call (the import reports it). */
accel_status onnx_external_data(const void *data, size_t size, const char *source,
				const char *base_dir,
				void (*fn)(void *ctx, const void *bytes, size_t n), void *ctx);

#endif /* MODEL_ONNX_IMPORT_H */
