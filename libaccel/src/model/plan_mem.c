// SPDX-License-Identifier: MIT
/*
 * Memory plan. Constants used at run time are packed into one weights
 * image (uploaded once into DEVICE memory). Every other value owns a slot
 * in one arena: it lives from its producer to its last consumer (views
 * extend their root's life; graph inputs are live from the start, graph
 * outputs to the end); slots are placed largest first into the best-
 * fitting gap among the slots whose lives overlap (greedy by size, like
 * TFLite Micro's greedy planner and XNNPACK's). The lower bound is the
 * largest sum of bytes live at one time.
 */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ops.h"
#include "plan.h"

static void use(struct plan_loc *l, int32_t at)
{
	if (at > l->last)
		l->last = at;
}

static accel_status liveness(const struct ir_graph *g, struct plan *p)
{
	uint32_t i, j;

	for (i = 0; i < g->n_val; i++) {
		const struct ir_value *v = &g->val[i];
		struct plan_loc *l = &p->loc[i];

		l->first = v->producer >= 0 ? v->producer : -1;
		l->last = l->first;
		l->bytes = (uint64_t)ir_numel(v) * ir_dtype_size(v->dtype);
	}
	for (i = 0; i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];

		for (j = 0; j < n->n_in; j++)
			if (n->in[j] >= 0)
				use(&p->loc[plan_root(g, n->in[j])], (int32_t)i);
		if (n->epi.residual >= 0)
			use(&p->loc[plan_root(g, n->epi.residual)], (int32_t)i);
		/* a view keeps its root alive as long as the view is */
		for (j = 0; j < n->n_out; j++)
			if (n->out[j] >= 0)
				use(&p->loc[plan_root(g, n->out[j])], (int32_t)i);
	}
	for (i = 0; i < g->n_outputs; i++)
		use(&p->loc[plan_root(g, g->outputs[i])], (int32_t)g->n_node);
	/* views: extend the root over the views' uses (views come after their root) */
	for (i = g->n_val; i-- > 0;) {
		int r = plan_root(g, (int)i);

		if (r != (int)i && p->loc[i].last > p->loc[r].last)
			p->loc[r].last = p->loc[i].last;
	}
	return ACCEL_OK;
}

static bool overlap_life(const struct plan_loc *a, const struct plan_loc *b)
{
	return a->first <= b->last && b->first <= a->last;
}

int plan_by_size_desc(const void *x, const void *y, void *ctx)
{
	const struct plan_loc *loc = ctx;
	const struct plan_loc *a = &loc[*(const int *)x], *b = &loc[*(const int *)y];

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return *(const int *)x - *(const int *)y;
}

static int by_offset(const void *x, const void *y, void *ctx)
{
	const struct plan_loc *loc = ctx;
	uint64_t a = loc[*(const int *)x].offset, b = loc[*(const int *)y].offset;

	return a < b ? -1 : a > b;
}

static accel_status place_arena(const struct ir_graph *g, struct plan *p, int *order, uint32_t n,
				int *tmp)
{
	uint32_t i, j, placed = 0;

	qsort_r(order, n, sizeof(int), plan_by_size_desc, p->loc);
	for (i = 0; i < n; i++) {
		struct plan_loc *l = &p->loc[order[i]];
		uint64_t best = UINT64_MAX, best_gap = UINT64_MAX, cur = 0, size = plan_align_up(l->bytes);
		uint32_t m = 0;

		for (j = 0; j < placed; j++)
			if (overlap_life(&p->loc[order[j]], l))
				tmp[m++] = order[j];
		qsort_r(tmp, m, sizeof(int), by_offset, p->loc);
		for (j = 0; j < m; j++) {
			const struct plan_loc *o = &p->loc[tmp[j]];

			if (o->offset >= cur && o->offset - cur >= size && o->offset - cur < best_gap) {
				best = cur;
				best_gap = o->offset - cur;
			}
			if (o->offset + plan_align_up(o->bytes) > cur)
				cur = o->offset + plan_align_up(o->bytes);
		}
		l->offset = best != UINT64_MAX ? best : cur;
		if (l->offset + size > p->arena_bytes)
			p->arena_bytes = l->offset + size;
		placed++;
	}
	(void)g;
	return ACCEL_OK;
}

static void lower_bound(const struct ir_graph *g, struct plan *p)
{
	int32_t t;
	uint32_t i;

	for (t = -1; t <= (int32_t)g->n_node; t++) {
		uint64_t live = 0;

		for (i = 0; i < g->n_val; i++)
			if (p->loc[i].space == PLAN_ARENA && plan_root(g, (int)i) == (int)i &&
			    p->loc[i].first <= t &&
			    t <= p->loc[i].last)
				live += plan_align_up(p->loc[i].bytes);
		if (live > p->arena_lower_bound)
			p->arena_lower_bound = live;
	}
}

static accel_status build_steps(const struct ir_graph *g, struct plan *p)
{
	uint32_t i;
	int cur = -1;

	p->steps = calloc(g->n_node + 1, sizeof(*p->steps));
	if (!p->steps)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];
		bool view = op_get(n->kind)->cls == OPC_VIEW;

		if (view)
			p->view_nodes++;
		else if (n->target == IR_TARGET_CPU)
			p->cpu_nodes++;
		else
			p->device_nodes++;
		if (cur < 0 || (!view && n->target != p->steps[cur].target)) {
			cur = (int)p->n_steps++;
			p->steps[cur].target = view ? IR_TARGET_DEVICE : n->target;
			p->steps[cur].first = i;
		}
		p->steps[cur].count = i + 1 - p->steps[cur].first;
	}
	if (!p->n_steps) {	/* no nodes: outputs are inputs or constants */
		p->n_steps = 1;
		p->steps[0].target = IR_TARGET_DEVICE;
	}
	return ACCEL_OK;
}

accel_status plan_build(const struct ir_graph *g, struct plan *p)
{
	int *order = NULL, *tmp = NULL;
	uint32_t i, n = 0;
	accel_status st;

	memset(p, 0, sizeof(*p));
	p->n_val = g->n_val;
	p->loc = calloc(g->n_val + 1, sizeof(*p->loc));
	order = malloc((g->n_val + 1) * sizeof(int));
	tmp = malloc((g->n_val + 1) * sizeof(int));
	if (!p->loc || !order || !tmp) {
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	st = liveness(g, p);
	if (st)
		goto out;
	for (i = 0; i < g->n_val; i++) {
		const struct ir_value *v = &g->val[i];
		struct plan_loc *l = &p->loc[i];

		if (plan_root(g, (int)i) != (int)i)
			continue;
		if (l->last < l->first || (l->first < 0 && l->last < 0 &&
					   !(v->flags & IR_VAL_INPUT)))
			continue;	/* unused */
		if (v->flags & IR_VAL_CONST) {
			l->space = PLAN_WEIGHTS;
			l->offset = p->weights_bytes;
			p->weights_bytes += plan_align_up(l->bytes ? l->bytes : 1);
		} else {
			l->space = PLAN_ARENA;
			if (!l->bytes)
				l->bytes = 1;
			order[n++] = (int)i;
		}
	}
	st = place_arena(g, p, order, n, tmp);
	if (st)
		goto out;
	for (i = 0; i < g->n_val; i++) {	/* views take their root's place */
		int r = plan_root(g, (int)i);

		if (r != (int)i) {
			p->loc[i].space = p->loc[r].space;
			p->loc[i].offset = p->loc[r].offset;
		}
	}
	lower_bound(g, p);
	st = build_steps(g, p);
	if (!st)
		st = plan_verify(g, p);
out:
	free(order);
	free(tmp);
	if (st)
		plan_free(p);
	return st;
}

accel_status plan_verify(const struct ir_graph *g, const struct plan *p)
{
	uint32_t i, j;

	for (i = 0; i < g->n_val; i++) {
		const struct plan_loc *a = &p->loc[i];

		if (a->space != PLAN_ARENA || plan_root(g, (int)i) != (int)i)
			continue;
		if (a->offset + a->bytes > p->arena_bytes)
			return ir_fail(g, "plan: '%s' ends beyond the arena", g->val[i].name);
		for (j = i + 1; j < g->n_val; j++) {
			const struct plan_loc *b = &p->loc[j];

			if (b->space != PLAN_ARENA || plan_root(g, (int)j) != (int)j ||
			    !overlap_life(a, b))
				continue;
			if (a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes)
				return ir_fail(g, "plan: '%s' and '%s' overlap while both are live",
					       g->val[i].name, g->val[j].name);
		}
	}
	return ACCEL_OK;
}

void plan_free(struct plan *p)
{
	free(p->loc);
	free(p->steps);
	memset(p, 0, sizeof(*p));
}
