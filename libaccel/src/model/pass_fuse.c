// SPDX-License-Identifier: MIT
/*
 * Fusion into the device's epilogue. A Conv/Gemm/MatMul whose only reader
 * is an Add of a same-shaped tensor takes it as its residual; then (or
 * directly) a following activation becomes its epilogue activation (the
 * epilogue order is acc + bias + residual -> activation). Element-wise
 * ops take a following activation too. A zero constant Pad of the spatial
 * axes before a Conv becomes the Conv's pads. ACCEL_MODEL_NO_FUSION turns
 * the pass off, and the tests compare both.
 */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ops.h"
#include "passes.h"
#include "shape.h"

/* The single live node reading value v (not a graph output), or NULL. */
static struct ir_node *only_reader(struct ir_graph *g, int v)
{
	struct ir_node *r = NULL;
	uint32_t i, j;

	if (g->val[v].flags & IR_VAL_OUTPUT || ir_use_count(g, v) != 1)
		return NULL;
	for (i = 0; i < g->n_node; i++) {
		if (g->node[i].dead)
			continue;
		for (j = 0; j < g->node[i].n_in; j++)
			if (g->node[i].in[j] == v)
				r = &g->node[i];
	}
	return r;
}

static bool is_act(enum op_kind k)
{
	return k == OP_RELU || k == OP_LEAKY_RELU || k == OP_CLIP || k == OP_SIGMOID ||
	       k == OP_TANH || k == OP_HARD_SWISH;
}

static bool is_mac(enum op_kind k)
{
	return k == OP_CONV || k == OP_GEMM || k == OP_MATMUL;
}

static bool is_elt(enum op_kind k)
{
	return k == OP_ADD || k == OP_SUB || k == OP_MUL || k == OP_DIV || k == OP_MAX ||
	       k == OP_MIN;
}

static bool same_shape(const struct ir_value *a, const struct ir_value *b)
{
	return a->rank == b->rank && !memcmp(a->dim, b->dim, a->rank * sizeof(a->dim[0]));
}

/* Gemm's C operand already uses the residual slot unless it is a bias. */
static bool residual_free(struct ir_graph *g, const struct ir_node *n)
{
	const struct ir_value *c = n->kind == OP_GEMM ? ir_in(g, n, 2) : NULL;
	const struct ir_value *o = ir_out(g, n, 0);

	if (n->epi.residual >= 0 || n->epi.act)
		return false;
	return !c || (ir_numel(c) == o->dim[1] && o->dim[1] > 1);
}

static bool fuse_residual(struct ir_graph *g, struct ir_node *n, struct pass_log *log)
{
	struct ir_node *add = only_reader(g, n->out[0]);
	int other;

	if (!add || add->kind != OP_ADD || add->epi.act || !residual_free(g, n))
		return false;
	if (g->val[n->out[0]].flags & IR_VAL_QPRESET)
		return false;	/* a pre-quantized model rounds it to int8 first (pass_qdq.c) */
	other = add->in[0] == n->out[0] ? add->in[1] : add->in[0];
	if (other == n->out[0] || !same_shape(&g->val[other], &g->val[n->out[0]]) ||
	    (g->val[other].flags & IR_VAL_CONST))
		return false;
	n->epi.residual = other;
	n->out[0] = add->out[0];
	add->dead = true;
	pass_note(log, "fuse: Add '%s' into %s '%s' as its residual", add->name, n->op, n->name);
	return true;
}

static accel_status fuse_act(struct ir_graph *g, struct ir_node *n, struct pass_log *log,
			     bool *done)
{
	struct ir_node *a = only_reader(g, n->out[0]);
	struct ir_epilogue epi;
	accel_status st;

	*done = false;
	if (!a || !is_act(a->kind) || n->epi.act)
		return ACCEL_OK;
	st = op_activation(g, a, &epi);
	if (st)
		return st;
	n->epi.act = epi.act;
	n->epi.alpha = epi.alpha;
	n->epi.min = epi.min;
	n->epi.max = epi.max;
	n->epi.pre = n->out[0];
	n->out[0] = a->out[0];
	a->dead = true;
	*done = true;
	pass_note(log, "fuse: %s '%s' into %s '%s'", a->op, a->name, n->op, n->name);
	return ACCEL_OK;
}

/* Pad (constant 0, spatial axes only) -> Conv pads. */
static accel_status fold_pad(struct ir_graph *g, struct ir_node *pad, struct pass_log *log)
{
	struct ir_value *x = ir_in(g, pad, 0);
	int64_t b[IR_MAX_RANK], a[IR_MAX_RANK], *np;
	struct ir_node *conv = only_reader(g, pad->out[0]);
	const int64_t *old;
	struct ir_attr *attr;
	uint32_t sp, cnt, i;
	accel_status st;
	float value;
	int mode;

	if (!conv || conv->kind != OP_CONV || conv->in[0] != pad->out[0] ||
	    (x->rank != 3 && x->rank != 4) ||
	    strcmp(ir_attr_str(conv, "auto_pad", "NOTSET"), "NOTSET"))
		return ACCEL_OK;
	st = shape_pads(g, pad, b, a, &mode, &value);
	if (st)
		return st;
	if (mode || value != 0.0f || b[0] || b[1] || a[0] || a[1])
		return ACCEL_OK;
	sp = x->rank - 2;
	old = ir_attr_ints(conv, "pads", &cnt);
	if (old && cnt != 2 * sp)
		return ACCEL_OK;
	np = malloc(2 * sp * sizeof(*np));
	if (!np)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; i < sp; i++) {
		np[i] = (old ? old[i] : 0) + b[2 + i];
		np[sp + i] = (old ? old[sp + i] : 0) + a[2 + i];
	}
	attr = (struct ir_attr *)ir_attr_get(conv, "pads");
	if (!attr) {
		struct ir_attr *na = realloc(conv->attr, (conv->n_attr + 1) * sizeof(*na));

		if (!na) {
			free(np);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		}
		conv->attr = na;
		attr = &na[conv->n_attr];
		memset(attr, 0, sizeof(*attr));
		attr->name = strdup("pads");
		attr->type = IR_ATTR_INTS;
		attr->tensor = -1;
		if (!attr->name) {
			free(np);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		}
		conv->n_attr++;
	}
	free(attr->ints);
	attr->ints = np;
	attr->n = 2 * sp;
	conv->in[0] = pad->in[0];
	pad->dead = true;
	pass_note(log, "fuse: Pad '%s' folded into Conv '%s' pads", pad->name, conv->name);
	return ACCEL_OK;
}

accel_status pass_fuse(struct ir_graph *g, struct pass_log *log)
{
	accel_status st;
	uint32_t i;
	bool done;

	for (i = 0; i < g->n_node; i++) {
		struct ir_node *n = &g->node[i];

		if (n->dead)
			continue;
		if (n->kind == OP_PAD) {
			st = fold_pad(g, n, log);
			if (st)
				return st;
		} else if (is_mac(n->kind)) {
			fuse_residual(g, n, log);
			st = fuse_act(g, n, log, &done);
			if (st)
				return st;
		} else if (is_elt(n->kind)) {
			st = fuse_act(g, n, log, &done);
			if (st)
				return st;
		}
	}
	return ACCEL_OK;
}
