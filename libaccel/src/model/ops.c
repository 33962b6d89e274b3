// SPDX-License-Identifier: MIT
/* The operator table. */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "accel/cmd.h"
#include "ops.h"

#define CONV ACCEL_CAP_CONV
#define GEMM ACCEL_CAP_GEMM
#define ELT ACCEL_CAP_ELTWISE
#define POOL ACCEL_CAP_POOL
#define MOVE ACCEL_CAP_MOVE
#define SMAX ACCEL_CAP_SOFTMAX

static const struct op_desc ops[] = {
	{ "Conv", OP_CONV, OPC_TENSOR, 2, 3, "conv2d", CONV,
	  "1-D and 2-D; groups incl. depthwise, dilations, pads, auto_pad, strides; bias, "
	  "residual Add and activation fused" },
	{ "Gemm", OP_GEMM, OPC_TENSOR, 2, 3, "gemm", GEMM,
	  "transA/transB; alpha/beta folded into constants or applied by Mul; C as bias, "
	  "residual or a broadcast Add" },
	{ "MatMul", OP_MATMUL, OPC_TENSOR, 2, 2, "gemm", GEMM,
	  "batched with broadcast (batch axes merged into two); 1-D operands" },
	{ "Add", OP_ADD, OPC_TENSOR, 2, 2, "eltwise", ELT, "numpy broadcast (at most 4 merged axes)" },
	{ "Sub", OP_SUB, OPC_TENSOR, 2, 2, "eltwise", ELT, "numpy broadcast" },
	{ "Mul", OP_MUL, OPC_TENSOR, 2, 2, "eltwise", ELT, "numpy broadcast" },
	{ "Div", OP_DIV, OPC_TENSOR, 2, 2, "eltwise", ELT, "numpy broadcast" },
	{ "Max", OP_MAX, OPC_TENSOR, 1, 255, "eltwise", ELT, "any number of inputs (a chain)" },
	{ "Min", OP_MIN, OPC_TENSOR, 1, 255, "eltwise", ELT, "any number of inputs (a chain)" },
	{ "Sum", OP_SUM, OPC_TENSOR, 1, 255, "eltwise", ELT, "a chain of Add" },
	{ "Mean", OP_MEAN, OPC_TENSOR, 1, 255, "eltwise", ELT, "a chain of Add, then Mul by 1/n" },
	{ "Relu", OP_RELU, OPC_TENSOR, 1, 1, "activation", ELT, "fused into the producer when it can" },
	{ "LeakyRelu", OP_LEAKY_RELU, OPC_TENSOR, 1, 1, "activation", ELT, "alpha" },
	{ "Clip", OP_CLIP, OPC_TENSOR, 1, 3, "activation", ELT,
	  "min/max as attributes or constant inputs" },
	{ "Sigmoid", OP_SIGMOID, OPC_TENSOR, 1, 1, "activation", ELT, "" },
	{ "Tanh", OP_TANH, OPC_TENSOR, 1, 1, "activation", ELT, "" },
	{ "HardSigmoid", OP_HARD_SIGMOID, OPC_TENSOR, 1, 1, "eltwise", ELT,
	  "as Mul + Add with clip(0, 1)" },
	{ "HardSwish", OP_HARD_SWISH, OPC_TENSOR, 1, 1, "activation", ELT, "" },
	{ "Softmax", OP_SOFTMAX, OPC_TENSOR, 1, 1, "softmax", SMAX,
	  "any axis; opset < 13 coerces to 2-D" },
	{ "MaxPool", OP_MAXPOOL, OPC_TENSOR, 1, 1, "pool", POOL,
	  "1-D and 2-D, pads, strides, ceil_mode; no dilations, no Indices output" },
	{ "AveragePool", OP_AVGPOOL, OPC_TENSOR, 1, 1, "pool", POOL,
	  "1-D and 2-D, count_include_pad, ceil_mode (not both)" },
	{ "GlobalAveragePool", OP_GLOBAL_AVGPOOL, OPC_TENSOR, 1, 1, "pool", POOL, "" },
	{ "GlobalMaxPool", OP_GLOBAL_MAXPOOL, OPC_TENSOR, 1, 1, "pool", POOL, "" },
	{ "ReduceMean", OP_REDUCE_MEAN, OPC_TENSOR, 1, 2, "pool", POOL,
	  "contiguous axes, keepdims; axes as attribute or constant input" },
	{ "ReduceMax", OP_REDUCE_MAX, OPC_TENSOR, 1, 2, "pool", POOL, "contiguous axes" },
	{ "BatchNormalization", OP_BATCHNORM, OPC_TENSOR, 5, 5, "eltwise", ELT,
	  "inference; folded into the preceding Conv, else Mul + Add" },
	{ "Pad", OP_PAD, OPC_TENSOR, 1, 4, "move", MOVE,
	  "constant, edge, reflect; rank <= 4; zero Pad folded into the next Conv" },
	{ "Concat", OP_CONCAT, OPC_TENSOR, 1, 255, "move", MOVE, "any axis" },
	{ "Transpose", OP_TRANSPOSE, OPC_TENSOR, 1, 1, "move", MOVE,
	  "permutations that merge into 4 axes" },
	{ "Reshape", OP_RESHAPE, OPC_VIEW, 2, 2, "view", 0, "constant shape (0 and -1)" },
	{ "Flatten", OP_FLATTEN, OPC_VIEW, 1, 1, "view", 0, "" },
	{ "Squeeze", OP_SQUEEZE, OPC_VIEW, 1, 2, "view", 0, "axes as attribute or constant input" },
	{ "Unsqueeze", OP_UNSQUEEZE, OPC_VIEW, 1, 2, "view", 0, "axes as attribute or constant input" },
	{ "Identity", OP_IDENTITY, OPC_VIEW, 1, 1, "view", 0, "removed" },
	{ "Dropout", OP_DROPOUT, OPC_VIEW, 1, 3, "view", 0, "inference; removed; no mask output" },
	{ "Shape", OP_SHAPE, OPC_FOLD, 1, 1, "fold", 0, "folded at compile time (start/end)" },
	{ "Gather", OP_GATHER, OPC_FOLD, 2, 2, "fold", 0, "constant data and indices" },
	{ "Cast", OP_CAST, OPC_FOLD, 1, 1, "fold", 0, "constant input" },
	{ "ConstantOfShape", OP_CONSTANT_OF_SHAPE, OPC_FOLD, 1, 1, "fold", 0, "constant shape" },
	{ "Slice", OP_SLICE, OPC_TENSOR, 3, 5, "move", MOVE,
	  "opset >= 10; constant starts/ends/axes/steps; positive steps at run time" },
	{ "QuantizeLinear", OP_QUANTIZE_LINEAR, OPC_QDQ, 2, 3, "qdq", 0,
	  "pre-quantized models: the model's scale and zero point (uint8 as int8, zero point - "
	  "128) for the value, per tensor; int8 on the device, no calibration" },
	{ "DequantizeLinear", OP_DEQUANTIZE_LINEAR, OPC_QDQ, 2, 3, "qdq", 0,
	  "of a quantized value, or of int8/uint8 weights (per tensor or per axis) and int32 "
	  "bias: their scales are used as given" },
	{ "QLinearConv", OP_QLINEAR_CONV, OPC_QDQ, 8, 9, "conv2d", CONV,
	  "as Conv in int8 with the model's scales; per-channel weights, int32 bias" },
	{ "QLinearMatMul", OP_QLINEAR_MATMUL, OPC_QDQ, 8, 8, "gemm", GEMM,
	  "as MatMul in int8 with the model's scales; per-column b scales" },
	{ "QLinearAdd", OP_QLINEAR_ADD, OPC_QDQ, 7, 8, "eltwise", ELT,
	  "com.microsoft (onnxruntime's quantizer): as Add in int8 with the model's scales" },
	/* internal: the precision pass (pass_prec.c) inserts it; never imported */
	{ "snpu.Convert", OP_CONVERT, OPC_TENSOR, 1, 1, "convert", 0, "internal" },
	/* internal: the layout pass (pass_layout.c) makes a Transpose one */
	{ "snpu.LayoutView", OP_LAYOUT_VIEW, OPC_VIEW, 1, 1, "layout", 0, "internal" },
};

const struct op_desc *op_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	return NULL;
}

const struct op_desc *op_get(enum op_kind kind)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].kind == kind)
			return &ops[i];
	return NULL;
}

accel_status ops_resolve(struct ir_graph *g)
{
	uint32_t i, j;

	for (i = 0; i < g->n_node; i++) {
		struct ir_node *n = &g->node[i];
		const struct op_desc *d;

		if (n->dead)
			continue;
		d = op_find(n->op);
		if (!d || d->kind == OP_CONVERT || d->kind == OP_LAYOUT_VIEW)
			return ir_node_fail(g, n, "operator %s is not supported", n->op);
		if (d->cls == OPC_QDQ)
			return ir_node_fail(g, n, "%s left after the QDQ import", n->op);
		if (n->n_in < d->min_in || n->n_in > d->max_in)
			return ir_node_fail(g, n, "has %u inputs, %s takes %u to %u", n->n_in, n->op,
					    d->min_in, d->max_in);
		if (n->n_out < 1 || !ir_out(g, n, 0))
			return ir_node_fail(g, n, "has no output");
		for (j = 0; j < d->min_in; j++)
			if (!ir_in(g, n, j))
				return ir_node_fail(g, n, "required input %u is missing", j);
		n->kind = d->kind;
	}
	return ACCEL_OK;
}

void ops_list(char *buf, size_t len)
{
	size_t i, off = 0;

	if (len)
		buf[0] = 0;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && off < len; i++)
		if (ops[i].kind != OP_CONVERT && ops[i].kind != OP_LAYOUT_VIEW)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", ops[i].name);
}

accel_status op_activation(const struct ir_graph *g, const struct ir_node *n,
			   struct ir_epilogue *epi)
{
	const struct ir_value *lo, *hi;

	epi->alpha = 0.0f;
	epi->min = 0.0f;
	epi->max = 0.0f;
	switch (n->kind) {
	case OP_RELU: epi->act = ACCEL_ACT_RELU; break;
	case OP_SIGMOID: epi->act = ACCEL_ACT_SIGMOID; break;
	case OP_TANH: epi->act = ACCEL_ACT_TANH; break;
	case OP_HARD_SWISH: epi->act = ACCEL_ACT_HARD_SWISH; break;
	case OP_LEAKY_RELU:
		epi->act = ACCEL_ACT_LEAKY_RELU;
		epi->alpha = ir_attr_float(n, "alpha", 0.01f);
		break;
	case OP_CLIP:
		lo = n->n_in > 1 && n->in[1] >= 0 ? &g->val[n->in[1]] : NULL;
		hi = n->n_in > 2 && n->in[2] >= 0 ? &g->val[n->in[2]] : NULL;
		epi->act = ACCEL_ACT_CLIP;
		/* the device wants finite bounds: an absent one is the float range */
		epi->min = ir_attr_float(n, "min", -FLT_MAX);
		epi->max = ir_attr_float(n, "max", FLT_MAX);
		if ((lo && (!(lo->flags & IR_VAL_CONST) || ir_numel(lo) != 1 ||
			    lo->dtype != IR_DT_FLOAT)) ||
		    (hi && (!(hi->flags & IR_VAL_CONST) || ir_numel(hi) != 1 ||
			    hi->dtype != IR_DT_FLOAT)))
			return ir_node_fail(g, n, "min/max must be scalar float constants");
		if (lo)
			epi->min = *(const float *)lo->data;
		if (hi)
			epi->max = *(const float *)hi->data;
		break;
	default:
		return ir_node_fail(g, n, "not an activation");
	}
	return ACCEL_OK;
}

size_t ops_markdown(char *buf, size_t len)
{
	size_t i, off = 0;

#define PUT(...) (off += (size_t)snprintf(buf + (off < len ? off : len), off < len ? len - off : 0, __VA_ARGS__))
	PUT("# Operators the model compiler supports\n\n"
	    "Generated from the operator table (libaccel/src/model/ops.c), the one table that\n"
	    "also drives placement; `test_model_passes` checks this file against it.\n"
	    "\"rule\" is the device command family a node lowers to; a node whose\n"
	    "capability the device lacks runs on the CPU reference inside the same plan.\n"
	    "Views cost nothing; \"fold\" ops must be computable at compile time.\n"
	    "Also: Constant (imported as an initializer). Opsets 7 to 21, float32.\n"
	    "Pre-quantized models (\"qdq\": QDQ or QLinear, as onnxruntime's quantizer\n"
	    "writes them) run in int8 with the model's own scales (docs/libaccel.md).\n\n"
	    "| op | rule | notes |\n|---|---|---|\n");
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].kind != OP_CONVERT && ops[i].kind != OP_LAYOUT_VIEW)
			PUT("| %s | %s | %s |\n", ops[i].name, ops[i].rule, ops[i].notes);
#undef PUT
	return off;
}
