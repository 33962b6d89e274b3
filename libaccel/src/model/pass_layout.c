// SPDX-License-Identifier: MIT
/*
 * Layout choice: NCHW or NHWC per 4-D activation.
 *
 * What the device takes (docs/hardware.md 8.2, 8.3): every tensor command
 * reads and writes any strides; NCHW and NHWC (OIHW/OHWI for weights) are
 * its canonical patterns, the timing model is layout-blind. The emulated
 * engine stages operands in logical (N,C,H,W) order (te_stage.c): a dense
 * NCHW operand loads and stores as one block, an NHWC output costs a
 * permuting store (te_budget.c TE_STORE_PERM). So NCHW, the ONNX graph's
 * own layout, is the default: graph inputs and outputs (the DMA copies
 * them packed), constants and every operand of an op whose lowering
 * addresses its operand as packed row-major (Gemm, MatMul, Softmax, Reduce,
 * Pad, Slice, and the views Reshape/Flatten/Squeeze/Unsqueeze, which
 * reinterpret the packed bytes) stay NCHW; those ops accept that one layout.
 *
 * NHWC is chosen where it removes a data movement: a Transpose between
 * the two layouts, which otherwise is one MOVE command copying the whole
 * tensor on the device, becomes a view (OP_LAYOUT_VIEW, no command):
 *  - Transpose(perm 0,2,3,1) of x, NCHW -> NHWC (torch's permute before a
 *    Reshape into tokens): x is stored NHWC, so the packed (N,H,W,C)
 *    output already is its storage;
 *  - Transpose(perm 0,3,1,2) of a packed (N,H,W,C) x, NHWC -> NCHW (a
 *    channels-last graph input): the (N,C,H,W) output is marked NHWC and
 *    reads x's storage in place.
 * A value may be NHWC only when every op touching it honours strides
 * (Conv and pooling as input/output, the epilogue's residual, element-wise
 * ops and activations, Concat, Transpose, Convert: any operand in any
 * layout, so those ops are also the device-side conversion between
 * layouts, for free in their strided read or write), it is produced by one
 * of them, and it is not a graph input, output or constant.
 */
#include <stdio.h>

#include "ops.h"
#include "passes.h"

/* Does node n address its input slot j (or its output when j < 0) with the
 * value's own strides, whatever its layout? */
static bool takes_any_layout(const struct ir_graph *g, const struct ir_node *n, int j)
{
	const struct ir_value *x = j < 0 ? &g->val[n->out[0]] : &g->val[n->in[j]];

	if (n->dead)
		return true;
	switch (n->kind) {
	case OP_CONV: case OP_MAXPOOL: case OP_AVGPOOL: case OP_GLOBAL_AVGPOOL:
	case OP_GLOBAL_MAXPOOL:
		return j <= 0 && x->rank == 4;	/* 2-D windows: input and output */
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MAX: case OP_MIN:
	case OP_CONCAT:
		return true;
	case OP_RELU: case OP_LEAKY_RELU: case OP_CLIP: case OP_SIGMOID: case OP_TANH:
	case OP_HARD_SWISH: case OP_TRANSPOSE: case OP_CONVERT:
		return j <= 0;
	default:
		return false;
	}
}

/* Can value v be stored NHWC (ignoring its producer when any_producer)? */
static bool can_nhwc(const struct ir_graph *g, int v, bool any_producer)
{
	const struct ir_value *x = &g->val[v];
	uint32_t i, j;

	if (x->rank != 4 || x->alias >= 0 ||
	    (x->flags & (IR_VAL_INPUT | IR_VAL_OUTPUT | IR_VAL_CONST | IR_VAL_NHWC)))
		return false;
	if (!any_producer && (x->producer < 0 || !takes_any_layout(g, &g->node[x->producer], -1)))
		return false;
	for (i = 0; i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];

		if (n->dead)
			continue;
		for (j = 0; j < n->n_in; j++)
			if (n->in[j] == v && !takes_any_layout(g, n, (int)j))
				return false;
		/* a conv epilogue's residual is read with its own strides */
		if (n->epi.residual == v && n->kind != OP_CONV)
			return false;
	}
	/* a view of v would read its bytes as packed */
	for (i = 0; i < g->n_val; i++)
		if (g->val[i].alias == v)
			return false;
	return true;
}

static bool perm_is(const struct ir_node *n, const int64_t *want)
{
	uint32_t cnt, i;
	const int64_t *perm = ir_attr_ints(n, "perm", &cnt);

	if (!perm || cnt != 4)
		return false;
	for (i = 0; i < 4; i++)
		if (perm[i] != want[i])
			return false;
	return true;
}

static void make_view(struct ir_graph *g, struct ir_node *n, const char *why)
{
	n->kind = OP_LAYOUT_VIEW;
	n->target = IR_TARGET_DEVICE;
	n->rule = op_get(OP_LAYOUT_VIEW)->rule;
	g->val[n->out[0]].alias = n->in[0];
	snprintf(n->detail, sizeof(n->detail), "no-op: %s", why);
}

accel_status pass_layout(struct ir_graph *g, struct pass_log *log)
{
	static const int64_t to_nhwc[4] = { 0, 2, 3, 1 }, to_nchw[4] = { 0, 3, 1, 2 };
	unsigned int views = 0, nhwc = 0;
	uint32_t i;

	for (i = 0; i < g->n_node; i++) {
		struct ir_node *n = &g->node[i];
		int x, y;

		if (n->dead || n->kind != OP_TRANSPOSE || n->n_out != 1)
			continue;
		x = n->in[0];
		y = n->out[0];
		if (g->val[x].dtype != g->val[y].dtype)
			continue;
		if (perm_is(n, to_nhwc) && can_nhwc(g, x, false) &&
		    !(g->val[y].flags & IR_VAL_NHWC)) {
			g->val[x].flags |= IR_VAL_NHWC;
			make_view(g, n, "reads its input stored NHWC");
			pass_note(log, "layout: '%s' stored NHWC; Transpose '%s' is a view of it",
				  g->val[x].name, n->name);
		} else if (perm_is(n, to_nchw) && g->val[x].rank == 4 &&
			   !(g->val[x].flags & IR_VAL_NHWC) && can_nhwc(g, y, true)) {
			g->val[y].flags |= IR_VAL_NHWC;
			make_view(g, n, "its output reads the packed input as NHWC");
			pass_note(log, "layout: Transpose '%s' is a view: '%s' read as NHWC in place",
				  n->name, g->val[x].name);
		} else {
			continue;
		}
		views++;
		nhwc++;
		log->changes++;
	}
	pass_note(log, "layout: %u value(s) NHWC, %u Transpose(s) removed, the rest NCHW", nhwc,
		  views);
	return ACCEL_OK;
}
