// SPDX-License-Identifier: MIT
/* The operator table. */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "accel/cmd.h"
#include "ops.h"

static const struct op_desc ops[] = {
	{ "Conv", OP_CONV, OPC_TENSOR, 2, 3 },
	{ "Gemm", OP_GEMM, OPC_TENSOR, 2, 3 },
	{ "MatMul", OP_MATMUL, OPC_TENSOR, 2, 2 },
	{ "Add", OP_ADD, OPC_TENSOR, 2, 2 },
	{ "Sub", OP_SUB, OPC_TENSOR, 2, 2 },
	{ "Mul", OP_MUL, OPC_TENSOR, 2, 2 },
	{ "Div", OP_DIV, OPC_TENSOR, 2, 2 },
	{ "Max", OP_MAX, OPC_TENSOR, 2, 2 },
	{ "Min", OP_MIN, OPC_TENSOR, 2, 2 },
	{ "Relu", OP_RELU, OPC_TENSOR, 1, 1 },
	{ "LeakyRelu", OP_LEAKY_RELU, OPC_TENSOR, 1, 1 },
	{ "Clip", OP_CLIP, OPC_TENSOR, 1, 3 },
	{ "Sigmoid", OP_SIGMOID, OPC_TENSOR, 1, 1 },
	{ "Tanh", OP_TANH, OPC_TENSOR, 1, 1 },
	{ "HardSigmoid", OP_HARD_SIGMOID, OPC_TENSOR, 1, 1 },
	{ "HardSwish", OP_HARD_SWISH, OPC_TENSOR, 1, 1 },
	{ "Softmax", OP_SOFTMAX, OPC_TENSOR, 1, 1 },
	{ "MaxPool", OP_MAXPOOL, OPC_TENSOR, 1, 1 },
	{ "AveragePool", OP_AVGPOOL, OPC_TENSOR, 1, 1 },
	{ "GlobalAveragePool", OP_GLOBAL_AVGPOOL, OPC_TENSOR, 1, 1 },
	{ "GlobalMaxPool", OP_GLOBAL_MAXPOOL, OPC_TENSOR, 1, 1 },
	{ "ReduceMean", OP_REDUCE_MEAN, OPC_TENSOR, 1, 2 },
	{ "ReduceMax", OP_REDUCE_MAX, OPC_TENSOR, 1, 2 },
	{ "BatchNormalization", OP_BATCHNORM, OPC_TENSOR, 5, 5 },
	{ "Pad", OP_PAD, OPC_TENSOR, 1, 4 },
	{ "Concat", OP_CONCAT, OPC_TENSOR, 1, 255 },
	{ "Transpose", OP_TRANSPOSE, OPC_TENSOR, 1, 1 },
	{ "Reshape", OP_RESHAPE, OPC_VIEW, 2, 2 },
	{ "Flatten", OP_FLATTEN, OPC_VIEW, 1, 1 },
	{ "Squeeze", OP_SQUEEZE, OPC_VIEW, 1, 2 },
	{ "Unsqueeze", OP_UNSQUEEZE, OPC_VIEW, 1, 2 },
	{ "Identity", OP_IDENTITY, OPC_VIEW, 1, 1 },
	{ "Dropout", OP_DROPOUT, OPC_VIEW, 1, 3 },
	{ "Shape", OP_SHAPE, OPC_FOLD, 1, 1 },
	{ "Gather", OP_GATHER, OPC_FOLD, 2, 2 },
	{ "Cast", OP_CAST, OPC_FOLD, 1, 1 },
	{ "ConstantOfShape", OP_CONSTANT_OF_SHAPE, OPC_FOLD, 1, 1 },
	{ "Slice", OP_SLICE, OPC_FOLD, 3, 5 },
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
		if (!d)
			return ir_node_fail(g, n, "operator %s is not supported", n->op);
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
