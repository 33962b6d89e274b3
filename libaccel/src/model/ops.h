/* SPDX-License-Identifier: MIT */
/*
 * The operator table: every ONNX op the compiler knows, its class, and the
 * support rule that places it (device or CPU reference) with a reason.
 * The same table drives placement, the placement report and the list of
 * supported ops.
 */
#ifndef MODEL_OPS_H
#define MODEL_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include "ir.h"

enum op_kind {
	OP_UNKNOWN = 0,
	/* tensor-engine ops */
	OP_CONV, OP_GEMM, OP_MATMUL,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MAX, OP_MIN,
	OP_RELU, OP_LEAKY_RELU, OP_CLIP, OP_SIGMOID, OP_TANH, OP_HARD_SIGMOID, OP_HARD_SWISH,
	OP_SOFTMAX, OP_MAXPOOL, OP_AVGPOOL, OP_GLOBAL_AVGPOOL, OP_GLOBAL_MAXPOOL,
	OP_REDUCE_MEAN, OP_REDUCE_MAX, OP_BATCHNORM, OP_PAD, OP_CONCAT, OP_TRANSPOSE,
	OP_SUM, OP_MEAN,
	/* views and no-ops */
	OP_RESHAPE, OP_FLATTEN, OP_SQUEEZE, OP_UNSQUEEZE, OP_IDENTITY, OP_DROPOUT,
	/* compile-time only (constant folding) */
	OP_SHAPE, OP_GATHER, OP_CAST, OP_CONSTANT_OF_SHAPE, OP_SLICE,
	/* inserted by the precision pass (pass_prec.c), never imported */
	OP_CONVERT,
	/* pre-quantized models: rewritten by pass_qdq.c before ops_resolve */
	OP_QUANTIZE_LINEAR, OP_DEQUANTIZE_LINEAR, OP_QLINEAR_CONV, OP_QLINEAR_MATMUL,
	OP_QLINEAR_ADD,
	/* a Transpose the layout pass (pass_layout.c) turned into a view */
	OP_LAYOUT_VIEW,
	OP_KIND_COUNT
};

enum op_class {
	OPC_TENSOR,	/* lowered to device commands (or run by the CPU reference) */
	OPC_VIEW,	/* output aliases the input's storage */
	OPC_FOLD,	/* must fold to a constant at compile time */
	OPC_QDQ,	/* the model's int8 quantization: pass_qdq.c imports it */
};

struct op_desc {
	const char *name;
	enum op_kind kind;
	enum op_class cls;
	uint8_t min_in, max_in;
	const char *rule;	/* support rule: the device command family */
	uint32_t cap;		/* ACCEL_CAP_* the device must offer */
	const char *notes;	/* what of the op is supported (the docs) */
};

/* Descriptor of an ONNX op type, NULL if unknown. */
const struct op_desc *op_find(const char *name);
const struct op_desc *op_get(enum op_kind kind);
/* Resolve every node's kind; unknown ops fail naming the node. */
accel_status ops_resolve(struct ir_graph *g);
/* Write the supported op names, comma-separated, into buf. */
void ops_list(char *buf, size_t len);
/* docs/supported-ops.md, from this table; bytes written (or needed). */
size_t ops_markdown(char *buf, size_t len);



/* The activation an activation node computes, as an epilogue (act is an
 * accel_act_fn); fails naming the node when a parameter is not constant. */
accel_status op_activation(const struct ir_graph *g, const struct ir_node *n,
			   struct ir_epilogue *epi);
#endif /* MODEL_OPS_H */
