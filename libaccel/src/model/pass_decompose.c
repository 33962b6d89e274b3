// SPDX-License-Identifier: MIT
/*
 * Decompositions into what the device runs: HardSigmoid becomes Mul + Add
 * with a clip; Gemm's alpha and beta are folded into its constant
 * operands, and a constant C that broadcasts is expanded to the bias
 * ([N]) or the residual ([M, N]) the epilogue takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ops.h"
#include "passes.h"

static bool f32_const(const struct ir_value *v)
{
	return v && (v->flags & IR_VAL_CONST) && v->dtype == IR_DT_FLOAT;
}

static void set_attr_float(struct ir_node *n, const char *name, float f)
{
	struct ir_attr *a = (struct ir_attr *)ir_attr_get(n, name);

	if (a && a->type == IR_ATTR_FLOAT)
		a->f = f;
}

/* Scaled copy of constant v (scale s), or its broadcast to rows x cols. */
static int scaled(struct ir_graph *g, int v, const char *sfx, float s, int64_t rows, int64_t cols)
{
	const struct ir_value *x = &g->val[v];
	int64_t n = rows ? rows * cols : ir_numel(x), i, dim[2] = { rows, cols };
	float *d = malloc((n ? n : 1) * sizeof(float));

	if (!d)
		return -1;
	for (i = 0; i < n; i++) {
		int64_t src = i;

		if (rows) {	/* numpy broadcast of x (rank <= 2) to rows x cols */
			int64_t r = i / cols, c = i % cols;
			int64_t xr = x->rank == 2 ? x->dim[0] : 1;
			int64_t xc = x->rank >= 1 ? x->dim[x->rank - 1] : 1;

			src = (xr == 1 ? 0 : r) * xc + (xc == 1 ? 0 : c);
		}
		d[i] = ((const float *)x->data)[src] * s;
	}
	return pass_new_const(g, x->name, sfx, rows ? (rows == 1 ? 1 : 2) : x->rank,
			      rows ? (rows == 1 ? dim + 1 : dim) : x->dim, d, (size_t)n);
}

/* New node kind(a, b) -> fresh value; its index, or -1. */
static int add_binary(struct ir_graph *g, enum op_kind kind, const char *op, const char *name,
		      int a, int b)
{
	int v = ir_add_value(g, NULL), n;

	if (v < 0)
		return -1;
	n = ir_add_node(g, op, name, 2, 1);
	if (n < 0)
		return -1;
	g->val[v].dtype = IR_DT_FLOAT;
	g->node[n].kind = kind;
	g->node[n].in[0] = a;
	g->node[n].in[1] = b;
	g->node[n].out[0] = v;
	return v;
}

static int scalar(struct ir_graph *g, const char *base, const char *sfx, float x)
{
	float *d = malloc(sizeof(float));

	if (!d)
		return -1;
	*d = x;
	return pass_new_const(g, base, sfx, 0, NULL, d, 1);
}

/* Gemm with A*alpha, C*beta and a C the epilogue cannot take turned into
 * what it can: constants folded, the rest as Mul / Add nodes. */
static accel_status gemm_canon(struct ir_graph *g, uint32_t i, struct pass_log *log)
{
	struct ir_node *n = &g->node[i];
	float alpha = ir_attr_float(n, "alpha", 1.0f), beta = ir_attr_float(n, "beta", 1.0f);
	const struct ir_value *o = ir_out(g, n, 0), *c;
	int64_t m = o->dim[0], nn = o->dim[1];
	char name[300];
	int v, k;

	snprintf(name, sizeof(name), "%s", n->name);
	if (alpha != 1.0f) {
		k = f32_const(ir_in(g, n, 1)) ? 1 : f32_const(ir_in(g, n, 0)) ? 0 : -1;
		if (k >= 0) {
			v = scaled(g, n->in[k], ":alpha", alpha, 0, 0);
		} else {
			int s = scalar(g, name, ":alpha", alpha);

			k = 0;
			v = s < 0 ? -1 : add_binary(g, OP_MUL, "Mul", name, g->node[i].in[0], s);
		}
		if (v < 0)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		n = &g->node[i];
		n->in[k] = v;
		set_attr_float(n, "alpha", 1.0f);
		pass_note(log, "decompose: Gemm '%s' alpha applied to %s", name, k ? "B" : "A");
	}
	c = ir_in(g, n, 2);
	if (!c)
		return ACCEL_OK;
	if (f32_const(c) && c->rank <= 2 && (beta != 1.0f || ir_numel(c) != nn || nn == 1)) {
		/* [N] bias when C varies only along N (and N > 1), else full [M, N] */
		bool bias = (c->rank < 2 || c->dim[0] == 1) && nn > 1;

		v = scaled(g, n->in[2], ":c", beta, bias ? 1 : m, nn);
		if (v < 0)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		n = &g->node[i];
		n->in[2] = v;
		set_attr_float(n, "beta", 1.0f);
		pass_note(log, "decompose: Gemm '%s' C as %s (beta %g)", name,
			  bias ? "bias" : "residual", (double)beta);
	} else if (!f32_const(c)) {
		bool fits = (ir_numel(c) == nn && nn > 1 && (c->rank == 1 || c->dim[c->rank - 1] == nn)) ||
			    (c->rank == 2 && c->dim[0] == m && c->dim[1] == nn);
		int cv = n->in[2], out = n->out[0], mid;

		if (beta != 1.0f) {
			int s = scalar(g, name, ":beta", beta);

			cv = s < 0 ? -1 : add_binary(g, OP_MUL, "Mul", name, cv, s);
			if (cv < 0)
				return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
			n = &g->node[i];
			set_attr_float(n, "beta", 1.0f);
		}
		if (fits) {
			n->in[2] = cv;
		} else {	/* broadcast C: Gemm, then an element-wise Add */
			mid = ir_add_value(g, NULL);
			if (mid < 0)
				return ACCEL_ERR_NO_MEMORY;
			n = &g->node[i];
			n->in[2] = -1;
			n->n_in = 2;
			n->out[0] = mid;
			g->val[mid].dtype = IR_DT_FLOAT;
			v = ir_add_node(g, "Add", name, 2, 1);
			if (v < 0)
				return ACCEL_ERR_NO_MEMORY;
			g->node[v].kind = OP_ADD;
			g->node[v].in[0] = mid;
			g->node[v].in[1] = cv;
			g->node[v].out[0] = out;
		}
		pass_note(log, "decompose: Gemm '%s' C%s%s", name, beta != 1.0f ? " scaled by beta" : "",
			  fits ? "" : " added after (broadcast)");
	}
	return ACCEL_OK;
}

/* HardSigmoid(x) = clip(alpha * x + beta, 0, 1): Mul, then Add with a clip. */
accel_status pass_decompose(struct ir_graph *g, struct pass_log *log)
{
	uint32_t i, n0 = g->n_node;

	for (i = 0; i < n0; i++) {
		struct ir_node *n = &g->node[i];
		float *a, *b;
		int va, vb, mid, mul, add;

		if (!n->dead && n->kind == OP_GEMM) {
			accel_status st = gemm_canon(g, i, log);

			if (st)
				return st;
			continue;
		}
		if (n->dead || n->kind != OP_HARD_SIGMOID)
			continue;
		a = malloc(sizeof(float));
		b = malloc(sizeof(float));
		if (!a || !b) {
			free(a);
			free(b);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		}
		*a = ir_attr_float(n, "alpha", 0.2f);
		*b = ir_attr_float(n, "beta", 0.5f);
		va = pass_new_const(g, n->name, ":alpha", 0, NULL, a, 1);
		vb = pass_new_const(g, n->name, ":beta", 0, NULL, b, 1);
		mid = ir_add_value(g, NULL);
		mul = ir_add_node(g, "Mul", g->node[i].name, 2, 1);
		add = ir_add_node(g, "Add", g->node[i].name, 2, 1);
		if (va < 0 || vb < 0 || mid < 0 || mul < 0 || add < 0)
			return ACCEL_ERR_NO_MEMORY;
		n = &g->node[i];
		g->val[mid].dtype = IR_DT_FLOAT;
		g->node[mul].kind = OP_MUL;
		g->node[mul].in[0] = n->in[0];
		g->node[mul].in[1] = va;
		g->node[mul].out[0] = mid;
		g->node[add].kind = OP_ADD;
		g->node[add].in[0] = mid;
		g->node[add].in[1] = vb;
		g->node[add].out[0] = n->out[0];
		g->node[add].epi.act = 2;	/* ACCEL_ACT_CLIP */
		g->node[add].epi.min = 0.0f;
		g->node[add].epi.max = 1.0f;
		n->dead = true;
		pass_note(log, "decompose: HardSigmoid '%s' -> Mul + Add with clip(0, 1)", n->name);
	}
	return ACCEL_OK;
}

/* Max/Min/Sum/Mean of k inputs: k - 1 two-input nodes (Mean: then x 1/k);
 * one input: an Identity. */
accel_status pass_variadic(struct ir_graph *g, struct pass_log *log)
{
	uint32_t i, j, n0 = g->n_node;

	for (i = 0; i < n0; i++) {
		struct ir_node *n = &g->node[i];
		enum op_kind k = (enum op_kind)n->kind, bk;
		const char *bop;
		char name[300];
		int acc, out, v;
		uint32_t cnt;

		if (n->dead || (k != OP_MAX && k != OP_MIN && k != OP_SUM && k != OP_MEAN))
			continue;
		for (j = 0; j < n->n_in; j++)
			if (n->in[j] < 0)
				return ir_node_fail(g, n, "input %u is missing", j);
		cnt = n->n_in;
		if (cnt == 2 && (k == OP_MAX || k == OP_MIN))
			continue;
		bk = k == OP_MAX ? OP_MAX : k == OP_MIN ? OP_MIN : OP_ADD;
		bop = bk == OP_MAX ? "Max" : bk == OP_MIN ? "Min" : "Add";
		snprintf(name, sizeof(name), "%s", n->name);
		out = n->out[0];
		acc = n->in[0];
		for (j = 1; j < cnt; j++) {
			bool last = j + 1 == cnt && k != OP_MEAN;

			v = last ? out : ir_add_value(g, NULL);
			if (v < 0)
				return ACCEL_ERR_NO_MEMORY;
			g->val[v].dtype = IR_DT_FLOAT;
			{
				int nn = ir_add_node(g, bop, name, 2, 1);

				if (nn < 0)
					return ACCEL_ERR_NO_MEMORY;
				g->node[nn].kind = bk;
				g->node[nn].in[0] = acc;
				g->node[nn].in[1] = g->node[i].in[j];
				g->node[nn].out[0] = v;
			}
			acc = v;
		}
		if (k == OP_MEAN && cnt > 1) {
			int s = scalar(g, name, ":1/n", 1.0f / (float)cnt), nn;

			if (s < 0)
				return ACCEL_ERR_NO_MEMORY;
			nn = ir_add_node(g, "Mul", name, 2, 1);
			if (nn < 0)
				return ACCEL_ERR_NO_MEMORY;
			g->node[nn].kind = OP_MUL;
			g->node[nn].in[0] = acc;
			g->node[nn].in[1] = s;
			g->node[nn].out[0] = out;
		} else if (cnt == 1) {
			int nn = ir_add_node(g, "Identity", name, 1, 1);

			if (nn < 0)
				return ACCEL_ERR_NO_MEMORY;
			g->node[nn].kind = OP_IDENTITY;
			g->node[nn].in[0] = g->node[i].in[0];
			g->node[nn].out[0] = out;
		}
		g->node[i].dead = true;
		pass_note(log, "decompose: %s '%s' of %u inputs into a chain", g->node[i].op, name,
			  cnt);
	}
	return ACCEL_OK;
}
