// SPDX-License-Identifier: MIT
/*
 * Shape inference with constant folding, in one sweep so that shapes
 * computed at compile time (torch's Shape -> Gather -> Unsqueeze -> Concat
 * -> Reshape chains) are known when the Reshape is shaped. Folded here:
 * the shape ops, data movement of constants (views, Concat, Transpose,
 * Gather, Slice, Cast) and int64 arithmetic. Float arithmetic is never
 * folded on the host: it runs on the device (or the CPU reference).
 */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ops.h"
#include "passes.h"
#include "shape.h"

static void strides_of(const struct ir_value *v, int64_t *st)
{
	int64_t s = 1;
	uint32_t i;

	for (i = v->rank; i-- > 0;) {
		st[i] = s;
		s *= v->dim[i];
	}
}

/* Element i (row-major over out's dims) through src's strides. */
static void gather_copy(void *dst, const void *src, size_t es, const struct ir_value *o,
			const int64_t *sstride, int64_t base)
{
	int64_t n = ir_numel(o), i, idx[IR_MAX_RANK] = { 0 };
	uint32_t r = o->rank, k;

	for (i = 0; i < n; i++) {
		int64_t off = base;

		for (k = 0; k < r; k++)
			off += idx[k] * sstride[k];
		memcpy((char *)dst + i * es, (const char *)src + off * es, es);
		for (k = r; k-- > 0;) {
			if (++idx[k] < o->dim[k])
				break;
			idx[k] = 0;
		}
	}
}

static int64_t get_int(const struct ir_value *v, int64_t i)
{
	return v->dtype == IR_DT_INT32 ? ((const int32_t *)v->data)[i] :
				       ((const int64_t *)v->data)[i];
}

static double get_num(const struct ir_value *v, int64_t i)
{
	switch (v->dtype) {
	case IR_DT_FLOAT: return ((const float *)v->data)[i];
	case IR_DT_INT64: return (double)((const int64_t *)v->data)[i];
	case IR_DT_INT32: return ((const int32_t *)v->data)[i];
	case IR_DT_INT8: return ((const int8_t *)v->data)[i];
	case IR_DT_UINT8: case IR_DT_BOOL: return ((const uint8_t *)v->data)[i];
	default: return 0;
	}
}

static void put_num(struct ir_value *v, void *data, int64_t i, double x)
{
	switch (v->dtype) {
	case IR_DT_FLOAT: ((float *)data)[i] = (float)x; break;
	case IR_DT_INT64: ((int64_t *)data)[i] = (int64_t)x; break;
	case IR_DT_INT32: ((int32_t *)data)[i] = (int32_t)x; break;
	case IR_DT_INT8: ((int8_t *)data)[i] = (int8_t)x; break;
	case IR_DT_BOOL: ((uint8_t *)data)[i] = x != 0; break;
	default: ((uint8_t *)data)[i] = (uint8_t)x; break;
	}
}

static accel_status fold_slice(struct ir_graph *g, struct ir_node *n, struct ir_value *o,
			       void **data)
{
	const struct ir_value *x = ir_in(g, n, 0);
	const struct ir_value *sv = ir_in(g, n, 1), *ev = ir_in(g, n, 2);
	const struct ir_value *av = ir_in(g, n, 3), *pv = ir_in(g, n, 4);
	int64_t st[IR_MAX_RANK], xs[IR_MAX_RANK], base = 0, cnt = ir_numel(sv), i;
	size_t es = ir_dtype_size(x->dtype);

	if (g->opset < 10)
		return ir_node_fail(g, n, "Slice before opset 10 is not supported");
	if (ir_numel(ev) != cnt || (av && ir_numel(av) != cnt) || (pv && ir_numel(pv) != cnt) ||
	    cnt > x->rank)
		return ir_node_fail(g, n, "starts/ends/axes/steps differ in length");
	strides_of(x, xs);
	o->dtype = x->dtype;
	o->rank = x->rank;
	memcpy(o->dim, x->dim, sizeof(o->dim));
	memcpy(st, xs, sizeof(st));
	for (i = 0; i < cnt; i++) {
		int64_t ax = av ? get_int(av, i) : i, s = get_int(sv, i), e = get_int(ev, i);
		int64_t step = pv ? get_int(pv, i) : 1, d, len;

		ax = ax < 0 ? ax + x->rank : ax;
		if (ax < 0 || ax >= x->rank || step == 0)
			return ir_node_fail(g, n, "bad axis or step");
		d = x->dim[ax];
		s = s < 0 ? s + d : s;
		e = e < -d ? -1 : e < 0 ? e + d : e;
		if (step > 0) {
			s = s < 0 ? 0 : s > d ? d : s;
			e = e > d ? d : e;
			len = e > s ? (e - s + step - 1) / step : 0;
		} else {
			s = s < 0 ? -1 : s >= d ? d - 1 : s;
			e = e >= d ? d - 1 : e;
			len = s > e ? (s - e - step - 1) / -step : 0;
		}
		o->dim[ax] = len;
		base += s * xs[ax] * (len ? 1 : 0);
		st[ax] = xs[ax] * step;
	}
	*data = malloc(ir_numel(o) * es + 1);
	if (!*data)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	gather_copy(*data, x->data, es, o, st, base);
	return ACCEL_OK;
}

/* Compute n's output data from constant inputs. */
static accel_status fold_node(struct ir_graph *g, struct ir_node *n)
{
	struct ir_value *x = ir_in(g, n, 0), *o = ir_out(g, n, 0);
	size_t es = ir_dtype_size(o->dtype);
	int64_t cnt = ir_numel(o), i;
	void *data = NULL;
	accel_status st;

	if (n->kind == OP_SLICE) {
		st = fold_slice(g, n, o, &data);
		if (st)
			return st;
		cnt = ir_numel(o);
		es = ir_dtype_size(o->dtype);
	} else {
		data = malloc(cnt * es + 1);
		if (!data)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	switch (n->kind) {
	case OP_SHAPE: {
		int64_t s = ir_attr_int(n, "start", 0);

		s = s < 0 ? s + x->rank : s;
		s = s < 0 ? 0 : s;
		for (i = 0; i < cnt; i++)
			((int64_t *)data)[i] = x->dim[s + i];
		break;
	}
	case OP_RESHAPE: case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE: case OP_IDENTITY:
	case OP_DROPOUT:
		memcpy(data, x->data, cnt * es);
		break;
	case OP_CAST:
		for (i = 0; i < cnt; i++)
			put_num(o, data, i, get_num(x, i));
		break;
	case OP_CONSTANT_OF_SHAPE: {
		const struct ir_attr *a = ir_attr_get(n, "value");

		for (i = 0; i < cnt; i++) {
			if (a && a->type == IR_ATTR_TENSOR && g->val[a->tensor].bytes >= es)
				memcpy((char *)data + i * es, g->val[a->tensor].data, es);
			else
				memset((char *)data + i * es, 0, es);
		}
		break;
	}
	case OP_GATHER: {
		const struct ir_value *ix = ir_in(g, n, 1);
		int64_t ax = ir_attr_int(n, "axis", 0), outer = 1, inner = 1, ni = ir_numel(ix), j;

		ax = ax < 0 ? ax + x->rank : ax;
		for (i = 0; i < ax; i++)
			outer *= x->dim[i];
		for (i = ax + 1; i < x->rank; i++)
			inner *= x->dim[i];
		for (i = 0; i < outer; i++) {
			for (j = 0; j < ni; j++) {
				int64_t k = get_int(ix, j);

				k = k < 0 ? k + x->dim[ax] : k;
				if (k < 0 || k >= x->dim[ax]) {
					free(data);
					return ir_node_fail(g, n, "index %lld out of range",
							    (long long)get_int(ix, j));
				}
				memcpy((char *)data + (i * ni + j) * inner * es,
				       (const char *)x->data + (i * x->dim[ax] + k) * inner * es,
				       inner * es);
			}
		}
		break;
	}
	case OP_CONCAT: {
		int64_t ax = ir_attr_int(n, "axis", 0), outer = 1, inner = 1, off = 0;
		uint32_t k;

		ax = ax < 0 ? ax + o->rank : ax;
		for (i = 0; i < ax; i++)
			outer *= o->dim[i];
		for (i = ax + 1; i < o->rank; i++)
			inner *= o->dim[i];
		for (k = 0; k < n->n_in; k++) {
			const struct ir_value *v = ir_in(g, n, k);
			int64_t blk = v->dim[ax] * inner;

			for (i = 0; i < outer; i++)
				memcpy((char *)data + (i * o->dim[ax] * inner + off) * es,
				       (const char *)v->data + i * blk * es, blk * es);
			off += blk;
		}
		break;
	}
	case OP_TRANSPOSE: {
		const int64_t *perm;
		int64_t xs[IR_MAX_RANK], ps[IR_MAX_RANK];
		uint32_t pc;

		perm = ir_attr_ints(n, "perm", &pc);
		strides_of(x, xs);
		for (i = 0; i < x->rank; i++)
			ps[i] = xs[perm ? perm[i] : x->rank - 1 - i];
		gather_copy(data, x->data, es, o, ps, 0);
		break;
	}
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: {
		const struct ir_value *b = ir_in(g, n, 1);
		int64_t as[IR_MAX_RANK] = { 0 }, bs[IR_MAX_RANK] = { 0 }, xa[IR_MAX_RANK], xb[IR_MAX_RANK];
		int64_t idx[IR_MAX_RANK] = { 0 };
		uint32_t k, r = o->rank;

		strides_of(x, xa);
		strides_of(b, xb);
		for (k = 0; k < x->rank; k++)
			as[r - x->rank + k] = x->dim[k] == 1 ? 0 : xa[k];
		for (k = 0; k < b->rank; k++)
			bs[r - b->rank + k] = b->dim[k] == 1 ? 0 : xb[k];
		for (i = 0; i < cnt; i++) {
			int64_t p = 0, q = 0, u, v;

			for (k = 0; k < r; k++) {
				p += idx[k] * as[k];
				q += idx[k] * bs[k];
			}
			u = ((const int64_t *)x->data)[p];
			v = ((const int64_t *)b->data)[q];
			if (n->kind == OP_DIV && v == 0) {
				free(data);
				return ir_node_fail(g, n, "integer division by zero");
			}
			((int64_t *)data)[i] = n->kind == OP_ADD ? u + v : n->kind == OP_SUB ? u - v :
					       n->kind == OP_MUL ? u * v : u / v;
			for (k = r; k-- > 0;) {
				if (++idx[k] < o->dim[k])
					break;
				idx[k] = 0;
			}
		}
		break;
	}
	case OP_SLICE:
		break;
	default:
		free(data);
		return ir_node_fail(g, n, "cannot be folded");
	}
	ir_set_const(o, o->dtype, o->rank, o->dim, data, cnt * es);
	n->dead = true;
	return ACCEL_OK;
}

static bool all_const(struct ir_graph *g, const struct ir_node *n)
{
	uint32_t i;

	for (i = 0; i < n->n_in; i++) {
		const struct ir_value *v = ir_in(g, n, i);

		if (v && !(v->flags & IR_VAL_CONST))
			return false;
	}
	return true;
}

static bool foldable(struct ir_graph *g, const struct ir_node *n)
{
	const struct op_desc *d = op_get(n->kind);

	if (n->kind == OP_SHAPE)
		return true;
	if (!all_const(g, n))
		return false;
	if (d->cls == OPC_FOLD || d->cls == OPC_VIEW || n->kind == OP_CONCAT ||
	    n->kind == OP_TRANSPOSE)
		return !(n->kind == OP_DROPOUT && n->n_out > 1 && n->out[1] >= 0);
	/* int64 arithmetic (shape computations) */
	return (n->kind == OP_ADD || n->kind == OP_SUB || n->kind == OP_MUL || n->kind == OP_DIV) &&
	       ir_in(g, n, 0)->dtype == IR_DT_INT64;
}

accel_status pass_fold(struct ir_graph *g, struct pass_log *log)
{
	accel_status st;
	uint32_t i;

	for (i = 0; i < g->n_node; i++) {
		struct ir_node *n = &g->node[i];

		if (n->dead)
			continue;
		st = shape_infer_node(g, n);
		if (st)
			return st;
		if (foldable(g, n)) {
			st = fold_node(g, n);
			if (st)
				return st;
			pass_note(log, "fold: %s '%s' -> constant '%s'", n->op, n->name,
				  g->val[n->out[0]].name);
		} else if (op_get(n->kind)->cls == OPC_FOLD) {
			return ir_node_fail(g, n, "must be computable at compile time (its inputs "
					    "are not constant)");
		}
	}
	return ACCEL_OK;
}
