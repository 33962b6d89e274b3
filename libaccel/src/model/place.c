// SPDX-License-Identifier: MIT
/*
 * Placement: the operator table's support rule (ops.c) decides device or CPU
 * reference, and the node keeps the rule and the reason (the placement
 * report). The CPU reference runs the same lowered commands on the host,
 * so whatever the device lacks (a capability the firmware does not
 * offer, or the user's CPU_ONLY option) still runs inside the plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/device.h"
#include "ops.h"
#include "plan.h"

/* ACCEL_MODEL_CPU_OPS="Softmax,Concat": ops placed on the CPU reference
 * regardless of the device (debugging and testing split plans). */
static bool forced_cpu(const char *op)
{
	const char *list = getenv("ACCEL_MODEL_CPU_OPS"), *p;
	size_t len = strlen(op);

	for (p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == len && !strncmp(p, op, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
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
		n->rule = d->rule;
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
		} else if (forced_cpu(n->op)) {
			n->target = IR_TARGET_CPU;
			snprintf(n->detail, sizeof(n->detail), "ACCEL_MODEL_CPU_OPS");
		} else if (d->cap && !(caps & d->cap)) {
			n->target = IR_TARGET_CPU;
			snprintf(n->detail, sizeof(n->detail), "device lacks the %s capability",
				 d->rule);
		} else {
			n->target = IR_TARGET_DEVICE;
		}
	}
	return ACCEL_OK;
}
