// SPDX-License-Identifier: MIT
/*
 * Placement: one support rule per op class decides device or CPU
 * reference, and the node keeps the rule and the reason (the placement
 * report). The CPU reference runs the same lowered commands on the host,
 * so whatever the device lacks (a capability the firmware does not
 * offer, or the user's CPU_ONLY option) still runs inside the plan.
 */
#include <stdio.h>
#include <string.h>

#include "accel/device.h"
#include "ops.h"
#include "plan.h"

struct rule {
	const char *name;	/* shown in the report */
	uint32_t cap;		/* ACCEL_CAP_* the device must offer */
};

static struct rule rule_of(enum op_kind k)
{
	switch (k) {
	case OP_CONV: return (struct rule){ "conv2d", ACCEL_CAP_CONV };
	case OP_GEMM: case OP_MATMUL: return (struct rule){ "gemm", ACCEL_CAP_GEMM };
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MAX: case OP_MIN:
	case OP_HARD_SIGMOID: case OP_BATCHNORM:
		return (struct rule){ "eltwise", ACCEL_CAP_ELTWISE };
	case OP_RELU: case OP_LEAKY_RELU: case OP_CLIP: case OP_SIGMOID: case OP_TANH:
	case OP_HARD_SWISH:
		return (struct rule){ "activation", ACCEL_CAP_ELTWISE };
	case OP_SOFTMAX: return (struct rule){ "softmax", ACCEL_CAP_SOFTMAX };
	case OP_MAXPOOL: case OP_AVGPOOL: case OP_GLOBAL_AVGPOOL: case OP_GLOBAL_MAXPOOL:
	case OP_REDUCE_MEAN: case OP_REDUCE_MAX:
		return (struct rule){ "pool", ACCEL_CAP_POOL };
	case OP_PAD: case OP_CONCAT: case OP_TRANSPOSE:
		return (struct rule){ "move", ACCEL_CAP_MOVE };
	default: return (struct rule){ "view", 0 };
	}
}

int plan_root(const struct ir_graph *g, int v)
{
	uint32_t guard = 0;

	while (v >= 0 && g->val[v].alias >= 0 && guard++ < g->n_val)
		v = g->val[v].alias;
	return v;
}

accel_status place_nodes(struct ir_graph *g, uint32_t caps, bool cpu_only)
{
	uint32_t i, j;

	for (i = 0; i < g->n_node; i++) {
		struct ir_node *n = &g->node[i];
		const struct op_desc *d = op_get(n->kind);
		struct rule r = rule_of(n->kind);

		n->detail[0] = 0;
		if (d->cls == OPC_FOLD)
			return ir_node_fail(g, n, "must be computable at compile time");
		for (j = 0; j < n->n_in; j++) {
			const struct ir_value *v = ir_in(g, n, j);

			if (v && !(v->flags & IR_VAL_CONST) && v->dtype != IR_DT_FLOAT)
				return ir_node_fail(g, n, "input '%s' is %s at run time; only float32 "
						    "tensors are computed", v->name,
						    ir_dtype_name(v->dtype));
		}
		if (ir_out(g, n, 0)->dtype != IR_DT_FLOAT)
			return ir_node_fail(g, n, "output is %s; only float32 tensors are computed",
					    ir_dtype_name(ir_out(g, n, 0)->dtype));
		if (n->precision != IR_PREC_FP32)
			return ir_node_fail(g, n, "precision %d is not implemented", n->precision);
		n->rule = r.name;
		if (d->cls == OPC_VIEW) {
			g->val[n->out[0]].alias = n->in[0];
			n->target = IR_TARGET_DEVICE;
			snprintf(n->detail, sizeof(n->detail), "no-op: aliases '%s'",
				 g->val[n->in[0]].name);
			continue;
		}
		if (cpu_only) {
			n->target = IR_TARGET_CPU;
			snprintf(n->detail, sizeof(n->detail), "ACCEL_MODEL_CPU_ONLY");
		} else if (r.cap && !(caps & r.cap)) {
			n->target = IR_TARGET_CPU;
			snprintf(n->detail, sizeof(n->detail), "device lacks the %s capability",
				 r.name);
		} else {
			n->target = IR_TARGET_DEVICE;
		}
	}
	return ACCEL_OK;
}
