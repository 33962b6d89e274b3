// SPDX-License-Identifier: MIT
/*
 * BatchNormalization (inference): y = (x - mean) / sqrt(var + eps) * gamma
 * + beta = x * scale + shift per channel. After a Conv with constant
 * weights whose output nobody else reads, scale goes into the weights and
 * shift into the bias; otherwise the node becomes Mul + Add with per-channel
 * constants (broadcast over the spatial axes).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ops.h"
#include "passes.h"

static bool is_f32_const(const struct ir_value *v)
{
	return v && (v->flags & IR_VAL_CONST) && v->dtype == IR_DT_FLOAT;
}

/* New float constant of rank/dims from data (taken over). */
static int new_const(struct ir_graph *g, const char *base, const char *suffix, uint32_t rank,
		     const int64_t *dim, float *data, size_t count)
{
	char name[300];
	int v;

	snprintf(name, sizeof(name), "%s%s", base, suffix);
	v = ir_add_value(g, name);
	if (v < 0) {
		free(data);
		return -1;
	}
	ir_set_const(&g->val[v], IR_DT_FLOAT, rank, dim, data, count * sizeof(float));
	return v;
}

static accel_status fold_into_conv(struct ir_graph *g, struct ir_node *bn, struct ir_node *conv,
				   const float *scale, const float *shift, int64_t c)
{
	const struct ir_value *w = ir_in(g, conv, 1), *b = ir_in(g, conv, 2);
	int64_t per = ir_numel(w) / c, i, k;
	float *nw = malloc(ir_numel(w) * sizeof(float)), *nb = malloc(c * sizeof(float));
	int vw, vb;

	if (!nw || !nb) {
		free(nw);
		free(nb);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	for (k = 0; k < c; k++) {
		for (i = 0; i < per; i++)
			nw[k * per + i] = ((const float *)w->data)[k * per + i] * scale[k];
		nb[k] = (b ? ((const float *)b->data)[k] : 0.0f) * scale[k] + shift[k];
	}
	vw = new_const(g, w->name, ":bn", w->rank, w->dim, nw, (size_t)ir_numel(w));
	vb = new_const(g, bn->name, ":bias", 1, &c, nb, (size_t)c);
	if (vw < 0 || vb < 0)
		return ACCEL_ERR_NO_MEMORY;
	conv = &g->node[conv - g->node];	/* values may have moved, nodes not */
	if (conv->n_in < 3) {
		int *in = realloc(conv->in, 3 * sizeof(int));

		if (!in)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		conv->in = in;
		conv->n_in = 3;
	}
	conv->in[1] = vw;
	conv->in[2] = vb;
	/* the conv now produces the BN's output */
	conv->out[0] = bn->out[0];
	bn->dead = true;
	return ACCEL_OK;
}

accel_status pass_bn(struct ir_graph *g, struct pass_log *log)
{
	uint32_t i, n0 = g->n_node;

	for (i = 0; i < n0; i++) {
		struct ir_node *bn = &g->node[i];
		const struct ir_value *x, *gm, *bt, *mu, *var;
		float *scale, *shift;
		int64_t c, k;
		int prod;
		accel_status st;

		if (bn->dead || bn->kind != OP_BATCHNORM)
			continue;
		x = ir_in(g, bn, 0);
		gm = ir_in(g, bn, 1);
		bt = ir_in(g, bn, 2);
		mu = ir_in(g, bn, 3);
		var = ir_in(g, bn, 4);
		if (!is_f32_const(gm) || !is_f32_const(bt) || !is_f32_const(mu) || !is_f32_const(var))
			return ir_node_fail(g, bn, "scale, B, mean and var must be float constants");
		c = x->dim[1];
		scale = malloc(c * sizeof(float));
		shift = malloc(c * sizeof(float));
		if (!scale || !shift) {
			free(scale);
			free(shift);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		}
		for (k = 0; k < c; k++) {
			float eps = ir_attr_float(bn, "epsilon", 1e-5f);

			scale[k] = ((const float *)gm->data)[k] /
				   sqrtf(((const float *)var->data)[k] + eps);
			shift[k] = ((const float *)bt->data)[k] -
				   ((const float *)mu->data)[k] * scale[k];
		}
		prod = x->producer;
		if (prod >= 0 && g->node[prod].kind == OP_CONV && !g->node[prod].dead &&
		    is_f32_const(ir_in(g, &g->node[prod], 1)) &&
		    (g->node[prod].n_in < 3 || g->node[prod].in[2] < 0 ||
		     is_f32_const(ir_in(g, &g->node[prod], 2))) &&
		    ir_use_count(g, bn->in[0]) == 1 && !(x->flags & IR_VAL_OUTPUT)) {
			st = fold_into_conv(g, bn, &g->node[prod], scale, shift, c);
			if (!st)
				pass_note(log, "bn: %s folded into conv '%s'", g->node[i].name,
					  g->node[prod].name);
		} else {
			/* Mul + Add with (C, 1, ..., 1) constants */
			int64_t dim[IR_MAX_RANK];
			uint32_t r = x->rank - 1, j;
			int vs, vh, mid, mul, add;

			dim[0] = c;
			for (j = 1; j < r; j++)
				dim[j] = 1;
			vs = new_const(g, bn->name, ":scale", r, dim, scale, (size_t)c);
			vh = new_const(g, bn->name, ":shift", r, dim, shift, (size_t)c);
			scale = shift = NULL;
			mid = ir_add_value(g, NULL);
			mul = ir_add_node(g, "Mul", g->node[i].name, 2, 1);
			add = ir_add_node(g, "Add", g->node[i].name, 2, 1);
			if (vs < 0 || vh < 0 || mid < 0 || mul < 0 || add < 0)
				return ACCEL_ERR_NO_MEMORY;
			bn = &g->node[i];
			g->node[mul].kind = OP_MUL;
			g->node[mul].in[0] = bn->in[0];
			g->node[mul].in[1] = vs;
			g->node[mul].out[0] = mid;
			g->node[add].kind = OP_ADD;
			g->node[add].in[0] = mid;
			g->node[add].in[1] = vh;
			g->node[add].out[0] = bn->out[0];
			g->val[mid].dtype = IR_DT_FLOAT;
			bn->dead = true;
			st = ACCEL_OK;
			pass_note(log, "bn: %s -> Mul + Add", bn->name);
		}
		free(scale);
		free(shift);
		if (st)
			return st;
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
		va = new_const(g, n->name, ":alpha", 0, NULL, a, 1);
		vb = new_const(g, n->name, ":beta", 0, NULL, b, 1);
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
