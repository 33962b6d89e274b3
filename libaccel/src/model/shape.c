// SPDX-License-Identifier: MIT
/* Shape inference: every output's dtype and dims, from the inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "onnx_tensor.h"
#include "ops.h"
#include "shape.h"

static void set_out(struct ir_value *o, int dtype, uint32_t rank, const int64_t *dim)
{
	o->dtype = dtype;
	o->rank = rank;
	if (rank)
		memcpy(o->dim, dim, rank * sizeof(*dim));
}

static const int64_t *const_ints(struct ir_value *v, uint32_t *cnt)
{
	if (!v || !(v->flags & IR_VAL_CONST) || v->dtype != IR_DT_INT64 || v->rank > 1)
		return NULL;
	*cnt = (uint32_t)ir_numel(v);
	return v->data;
}

bool shape_broadcast(const struct ir_value *a, const struct ir_value *b, uint32_t *rank,
		     int64_t *dim)
{
	uint32_t r = a->rank > b->rank ? a->rank : b->rank, i;

	for (i = 0; i < r; i++) {
		int64_t da = i < r - a->rank ? 1 : a->dim[i - (r - a->rank)];
		int64_t db = i < r - b->rank ? 1 : b->dim[i - (r - b->rank)];

		if (da != db && da != 1 && db != 1)
			return false;
		dim[i] = da == 1 ? db : da;
	}
	*rank = r;
	return true;
}

accel_status shape_axes(struct ir_graph *g, const struct ir_node *n, uint32_t in_idx,
			int64_t rank, int64_t *axes, uint32_t *cnt, bool *present)
{
	const int64_t *src;
	uint32_t i, j;

	src = ir_attr_ints(n, "axes", cnt);
	*present = src != NULL;
	if (!src && ir_in(g, n, in_idx)) {
		src = const_ints(ir_in(g, n, in_idx), cnt);
		if (!src)
			return ir_node_fail(g, n, "axes input must be a constant int64 vector");
		*present = true;
	}
	if (*cnt > IR_MAX_RANK)
		return ir_node_fail(g, n, "%u axes", *cnt);
	for (i = 0; i < *cnt; i++) {
		int64_t a = src[i] < 0 ? src[i] + rank : src[i];

		if (a < 0 || a >= rank)
			return ir_node_fail(g, n, "axis %lld out of range for rank %lld",
					    (long long)src[i], (long long)rank);
		for (j = 0; j < i; j++)
			if (axes[j] == a)
				return ir_node_fail(g, n, "axis %lld repeated", (long long)src[i]);
		axes[i] = a;
	}
	return ACCEL_OK;
}

accel_status shape_softmax_axis(struct ir_graph *g, const struct ir_node *n, uint32_t *axis,
				bool *coerced)
{
	const struct ir_value *x = ir_in(g, n, 0);
	int64_t a;

	*coerced = g->opset < 13;
	a = ir_attr_int(n, "axis", *coerced ? 1 : -1);
	if (a < 0)
		a += x->rank;
	if (a < 0 || a >= (int64_t)(x->rank ? x->rank : 1))
		return ir_node_fail(g, n, "axis %lld out of range for rank %u",
				    (long long)ir_attr_int(n, "axis", 0), x->rank);
	*axis = (uint32_t)a;
	return ACCEL_OK;
}

accel_status shape_pads(struct ir_graph *g, const struct ir_node *n, int64_t *before,
			int64_t *after, int *mode, float *value)
{
	const struct ir_value *x = ir_in(g, n, 0), *cv = ir_in(g, n, 2);
	const char *m = ir_attr_str(n, "mode", "constant");
	int64_t axes[IR_MAX_RANK];
	const int64_t *p;
	uint32_t cnt, i, na = x->rank;
	bool have_axes = false;

	if (!strcmp(m, "constant"))
		*mode = 0;
	else if (!strcmp(m, "edge"))
		*mode = 1;
	else if (!strcmp(m, "reflect"))
		*mode = 2;
	else
		return ir_node_fail(g, n, "pad mode '%s' is not supported", m);
	if (g->opset < 11) {
		p = ir_attr_ints(n, "pads", &cnt);
		*value = ir_attr_float(n, "value", 0.0f);
	} else {
		p = const_ints(ir_in(g, n, 1), &cnt);
		if (!p)
			return ir_node_fail(g, n, "pads must be a constant int64 vector");
		*value = 0.0f;
		if (cv) {
			if (!(cv->flags & IR_VAL_CONST) || cv->dtype != IR_DT_FLOAT ||
			    ir_numel(cv) != 1)
				return ir_node_fail(g, n, "constant_value must be a float constant");
			*value = *(const float *)cv->data;
		}
		if (ir_in(g, n, 3)) {
			uint32_t ac;
			accel_status st = shape_axes(g, n, 3, x->rank, axes, &ac, &have_axes);

			if (st)
				return st;
			na = ac;
		}
	}
	if (!p || cnt != 2 * na)
		return ir_node_fail(g, n, "pads has %u values, needs %u", p ? cnt : 0, 2 * na);
	for (i = 0; i < x->rank; i++)
		before[i] = after[i] = 0;
	for (i = 0; i < na; i++) {
		uint32_t ax = have_axes ? (uint32_t)axes[i] : i;

		if (p[i] < 0 || p[i + na] < 0)
			return ir_node_fail(g, n, "negative pads are not supported");
		if (p[i] > (1 << 20) || p[i + na] > (1 << 20))
			return ir_node_fail(g, n, "pads too large");
		before[ax] = p[i];
		after[ax] = p[i + na];
	}
	return ACCEL_OK;
}

accel_status shape_window(struct ir_graph *g, const struct ir_node *n, struct win2d *w)
{
	const struct ir_value *x = ir_in(g, n, 0);
	const char *ap = ir_attr_str(n, "auto_pad", "NOTSET");
	const int64_t *ks, *st, *dl, *pd;
	uint32_t nk, ns, nd, np, i, sp;
	int64_t kdim[2];

	if (x->rank != 3 && x->rank != 4)
		return ir_node_fail(g, n, "input rank %u: only 1-D and 2-D windows are supported",
				    x->rank);
	sp = x->rank - 2;
	memset(w, 0, sizeof(*w));
	w->sp = sp;
	if (n->kind == OP_CONV) {
		const struct ir_value *wt = ir_in(g, n, 1);

		if (wt->rank != x->rank)
			return ir_node_fail(g, n, "weight rank %u, input rank %u", wt->rank, x->rank);
		for (i = 0; i < sp; i++)
			kdim[i] = wt->dim[2 + i];
		ks = ir_attr_ints(n, "kernel_shape", &nk);
		if (ks && nk != sp)
			return ir_node_fail(g, n, "kernel_shape has %u values", nk);
		for (i = 0; ks && i < sp; i++)
			if (ks[i] != kdim[i])
				return ir_node_fail(g, n, "kernel_shape does not match the weights");
		w->groups = ir_attr_int(n, "group", 1);
	} else {
		ks = ir_attr_ints(n, "kernel_shape", &nk);
		if (!ks || nk != sp)
			return ir_node_fail(g, n, "kernel_shape needs %u values", sp);
		for (i = 0; i < sp; i++)
			kdim[i] = ks[i];
		w->groups = 1;
		w->ceil_mode = ir_attr_int(n, "ceil_mode", 0) != 0;
		w->count_include_pad = ir_attr_int(n, "count_include_pad", 0) != 0;
		if (ir_attr_int(n, "storage_order", 0))
			return ir_node_fail(g, n, "storage_order 1 is not supported");
		if (n->n_out > 1 && n->out[1] >= 0)
			return ir_node_fail(g, n, "the Indices output is not supported");
	}
	st = ir_attr_ints(n, "strides", &ns);
	dl = ir_attr_ints(n, "dilations", &nd);
	pd = ir_attr_ints(n, "pads", &np);
	if ((st && ns != sp) || (dl && nd != sp) || (pd && np != 2 * sp))
		return ir_node_fail(g, n, "strides/dilations/pads do not match %u spatial dims", sp);
	/* a 1-D window is a 2-D one of height 1: axis 0 is H, 1 is W */
	for (i = 0; i < 2; i++) {
		w->in[i] = 1;
		w->k[i] = w->s[i] = w->d[i] = 1;
	}
	for (i = 0; i < sp; i++) {
		uint32_t a = 2 - sp + i;

		w->in[a] = x->dim[2 + i];
		w->k[a] = kdim[i];
		w->s[a] = st ? st[i] : 1;
		w->d[a] = dl ? dl[i] : 1;
		w->pb[a] = pd ? pd[i] : 0;
		w->pe[a] = pd ? pd[i + sp] : 0;
		if (w->k[a] < 1 || w->s[a] < 1 || w->d[a] < 1 || w->pb[a] < 0 || w->pe[a] < 0 ||
		    w->k[a] > 65535 || w->s[a] > 65535 || w->d[a] > 65535 || w->pb[a] > 65535 ||
		    w->pe[a] > 65535)
			return ir_node_fail(g, n, "kernel, stride, dilation or pad out of range");
	}
	for (i = 0; i < 2; i++) {
		int64_t eff = w->d[i] * (w->k[i] - 1) + 1;

		if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
			int64_t o = (w->in[i] + w->s[i] - 1) / w->s[i];
			int64_t tot = (o - 1) * w->s[i] + eff - w->in[i];

			tot = tot < 0 ? 0 : tot;
			w->pb[i] = ap[5] == 'U' ? tot / 2 : tot - tot / 2;
			w->pe[i] = tot - w->pb[i];
		} else if (!strcmp(ap, "VALID")) {
			w->pb[i] = w->pe[i] = 0;
		} else if (strcmp(ap, "NOTSET")) {
			return ir_node_fail(g, n, "auto_pad '%s' is not supported", ap);
		}
		if (w->in[i] + w->pb[i] + w->pe[i] < eff)
			return ir_node_fail(g, n, "window larger than the padded input");
		w->out[i] = (w->in[i] + w->pb[i] + w->pe[i] - eff) / w->s[i] + 1;
		if (w->ceil_mode) {
			int64_t o = (w->in[i] + w->pb[i] + w->pe[i] - eff + w->s[i] - 1) / w->s[i] + 1;

			/* the last window must start inside the input or the begin pad */
			if ((o - 1) * w->s[i] >= w->in[i] + w->pb[i])
				o--;
			w->out[i] = o;
		}
	}
	return ACCEL_OK;
}

static accel_status infer_window(struct ir_graph *g, struct ir_node *n)
{
	struct ir_value *x = ir_in(g, n, 0);
	int64_t dim[4];
	struct win2d w;
	accel_status st;
	uint32_t i;

	st = shape_window(g, n, &w);
	if (st)
		return st;
	dim[0] = x->dim[0];
	dim[1] = x->dim[1];
	if (n->kind == OP_CONV) {
		const struct ir_value *wt = ir_in(g, n, 1), *b = ir_in(g, n, 2);

		if (w.groups < 1 || x->dim[1] != wt->dim[1] * w.groups || wt->dim[0] % w.groups)
			return ir_node_fail(g, n, "channels %lld, weights %lldx%lld, group %lld do not match",
					    (long long)x->dim[1], (long long)wt->dim[0],
					    (long long)wt->dim[1], (long long)w.groups);
		if (b && (b->rank != 1 || b->dim[0] != wt->dim[0]))
			return ir_node_fail(g, n, "bias must have %lld values", (long long)wt->dim[0]);
		dim[1] = wt->dim[0];
	}
	for (i = 0; i < w.sp; i++)
		dim[2 + i] = w.out[2 - w.sp + i];
	set_out(ir_out(g, n, 0), x->dtype, x->rank, dim);
	return ACCEL_OK;
}

static accel_status infer_gemm(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_value *a = ir_in(g, n, 0), *b = ir_in(g, n, 1), *c = ir_in(g, n, 2);
	int64_t ta = ir_attr_int(n, "transA", 0), tb = ir_attr_int(n, "transB", 0), dim[2];
	int64_t m, k, k2, nn;
	uint32_t r;
	int64_t bd[IR_MAX_RANK];

	if (a->rank != 2 || b->rank != 2)
		return ir_node_fail(g, n, "A and B must be 2-D (ranks %u, %u)", a->rank, b->rank);
	m = ta ? a->dim[1] : a->dim[0];
	k = ta ? a->dim[0] : a->dim[1];
	k2 = tb ? b->dim[1] : b->dim[0];
	nn = tb ? b->dim[0] : b->dim[1];
	if (k != k2)
		return ir_node_fail(g, n, "inner dims differ (%lld vs %lld)", (long long)k,
				    (long long)k2);
	dim[0] = m;
	dim[1] = nn;
	if (c) {
		struct ir_value o = { .rank = 2, .dim = { m, nn } };

		if (!shape_broadcast(&o, c, &r, bd) || r != 2 || bd[0] != m || bd[1] != nn)
			return ir_node_fail(g, n, "C does not broadcast to %lldx%lld", (long long)m,
					    (long long)nn);
	}
	set_out(ir_out(g, n, 0), a->dtype, 2, dim);
	return ACCEL_OK;
}

static accel_status infer_matmul(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_value *a = ir_in(g, n, 0), *b = ir_in(g, n, 1);
	struct ir_value ba = { 0 }, bb = { 0 };
	int64_t dim[IR_MAX_RANK], m, k, k2, nn;
	uint32_t r, i;

	if (!a->rank || !b->rank)
		return ir_node_fail(g, n, "scalar operands");
	m = a->rank == 1 ? 1 : a->dim[a->rank - 2];
	k = a->dim[a->rank - 1];
	k2 = b->rank == 1 ? b->dim[0] : b->dim[b->rank - 2];
	nn = b->rank == 1 ? 1 : b->dim[b->rank - 1];
	if (k != k2)
		return ir_node_fail(g, n, "inner dims differ (%lld vs %lld)", (long long)k,
				    (long long)k2);
	ba.rank = a->rank > 2 ? a->rank - 2 : 0;
	bb.rank = b->rank > 2 ? b->rank - 2 : 0;
	memcpy(ba.dim, a->dim, ba.rank * sizeof(int64_t));
	memcpy(bb.dim, b->dim, bb.rank * sizeof(int64_t));
	if (!shape_broadcast(&ba, &bb, &r, dim))
		return ir_node_fail(g, n, "batch dims do not broadcast");
	if (a->rank > 1)
		dim[r++] = m;
	if (b->rank > 1)
		dim[r++] = nn;
	for (i = 0; i < r; i++)
		if (dim[i] < 0)
			return ir_node_fail(g, n, "bad dims");
	set_out(ir_out(g, n, 0), a->dtype, r, dim);
	return ACCEL_OK;
}

static accel_status infer_reduce(struct ir_graph *g, struct ir_node *n)
{
	struct ir_value *x = ir_in(g, n, 0);
	int64_t axes[IR_MAX_RANK], dim[IR_MAX_RANK];
	uint32_t cnt = 0, i, j, r = 0;
	bool present, keep = ir_attr_int(n, "keepdims", 1) != 0;
	accel_status st;

	st = shape_axes(g, n, 1, x->rank, axes, &cnt, &present);
	if (st)
		return st;
	if (!cnt && ir_attr_int(n, "noop_with_empty_axes", 0))
		return ir_node_fail(g, n, "noop_with_empty_axes is not supported");
	for (i = 0; i < x->rank; i++) {
		bool red = !cnt;

		for (j = 0; j < cnt; j++)
			red |= axes[j] == i;
		if (!red)
			dim[r++] = x->dim[i];
		else if (keep)
			dim[r++] = 1;
	}
	set_out(ir_out(g, n, 0), x->dtype, r, dim);
	return ACCEL_OK;
}

static accel_status infer_concat(struct ir_graph *g, struct ir_node *n)
{
	struct ir_value *x = ir_in(g, n, 0);
	int64_t axis = ir_attr_int(n, "axis", INT64_MIN), dim[IR_MAX_RANK];
	uint32_t i, j;

	if (!x || axis == INT64_MIN)
		return ir_node_fail(g, n, "needs inputs and an axis");
	if (axis < 0)
		axis += x->rank;
	if (axis < 0 || axis >= x->rank)
		return ir_node_fail(g, n, "axis out of range");
	memcpy(dim, x->dim, sizeof(dim));
	dim[axis] = 0;
	for (i = 0; i < n->n_in; i++) {
		struct ir_value *v = ir_in(g, n, i);

		if (!v || v->rank != x->rank || v->dtype != x->dtype)
			return ir_node_fail(g, n, "input %u has another rank or type", i);
		for (j = 0; j < x->rank; j++)
			if (j != axis && v->dim[j] != x->dim[j])
				return ir_node_fail(g, n, "input %u differs in dim %u", i, j);
		dim[axis] += v->dim[axis];
	}
	set_out(ir_out(g, n, 0), x->dtype, x->rank, dim);
	return ACCEL_OK;
}

static accel_status infer_transpose(struct ir_graph *g, struct ir_node *n)
{
	struct ir_value *x = ir_in(g, n, 0);
	const int64_t *perm;
	int64_t dim[IR_MAX_RANK];
	uint32_t cnt, i, seen = 0;

	perm = ir_attr_ints(n, "perm", &cnt);
	if (perm && cnt != x->rank)
		return ir_node_fail(g, n, "perm has %u values for rank %u", cnt, x->rank);
	for (i = 0; i < x->rank; i++) {
		int64_t p = perm ? perm[i] : x->rank - 1 - i;

		if (p < 0 || p >= x->rank || (seen & (1u << p)))
			return ir_node_fail(g, n, "perm is not a permutation");
		seen |= 1u << p;
		dim[i] = x->dim[p];
	}
	set_out(ir_out(g, n, 0), x->dtype, x->rank, dim);
	return ACCEL_OK;
}

static accel_status infer_reshape(struct ir_graph *g, struct ir_node *n)
{
	struct ir_value *x = ir_in(g, n, 0);
	int64_t dim[IR_MAX_RANK], known = 1, total = ir_numel(x);
	const int64_t *s;
	uint32_t cnt, i;
	int infer = -1;

	s = const_ints(ir_in(g, n, 1), &cnt);
	if (!s)
		return ir_node_fail(g, n, "the shape input must be a constant int64 vector");
	if (cnt > IR_MAX_RANK)
		return ir_node_fail(g, n, "rank %u exceeds %d", cnt, IR_MAX_RANK);
	for (i = 0; i < cnt; i++) {
		dim[i] = s[i];
		if (s[i] == 0 && !ir_attr_int(n, "allowzero", 0)) {
			if (i >= x->rank)
				return ir_node_fail(g, n, "0 in shape beyond the input's rank");
			dim[i] = x->dim[i];
		}
		if (dim[i] == -1) {
			if (infer >= 0)
				return ir_node_fail(g, n, "more than one -1 in shape");
			infer = (int)i;
			continue;
		}
		if (dim[i] < 0)
			return ir_node_fail(g, n, "negative dim %lld", (long long)dim[i]);
		if (dim[i] > ((int64_t)1 << 40) || (dim[i] && known > ((int64_t)1 << 40) / dim[i]))
			return ir_node_fail(g, n, "shape overflows");
		known *= dim[i];
	}
	if (infer >= 0) {
		if (!known || total % known)
			return ir_node_fail(g, n, "cannot infer -1 from %lld elements",
					    (long long)total);
		dim[infer] = total / known;
		known *= dim[infer];
	}
	if (known != total)
		return ir_node_fail(g, n, "shape has %lld elements, input %lld", (long long)known,
				    (long long)total);
	set_out(ir_out(g, n, 0), x->dtype, cnt, dim);
	return ACCEL_OK;
}

static accel_status infer_squeeze(struct ir_graph *g, struct ir_node *n, bool un)
{
	struct ir_value *x = ir_in(g, n, 0);
	int64_t axes[IR_MAX_RANK], dim[IR_MAX_RANK];
	uint32_t cnt = 0, i, j, r = 0, k = 0;
	bool present;
	accel_status st;

	if (un) {
		int64_t orank = x->rank;

		st = shape_axes(g, n, 1, IR_MAX_RANK, axes, &cnt, &present);
		if (st)
			return st;
		orank += cnt;
		if (orank > IR_MAX_RANK || !cnt)
			return ir_node_fail(g, n, "bad axes");
		/* re-normalise negative axes against the output rank */
		{
			const int64_t *src = ir_attr_ints(n, "axes", &j);

			if (!src)
				src = ir_in(g, n, 1)->data;
			for (i = 0; i < cnt; i++) {
				axes[i] = src[i] < 0 ? src[i] + orank : src[i];
				if (axes[i] < 0 || axes[i] >= orank)
					return ir_node_fail(g, n, "axis out of range");
			}
		}
		for (i = 0; i < orank; i++) {
			bool ins = false;

			for (j = 0; j < cnt; j++)
				ins |= axes[j] == i;
			dim[i] = ins ? 1 : x->dim[k++];
		}
		if (k != x->rank)
			return ir_node_fail(g, n, "repeated axes");
		set_out(ir_out(g, n, 0), x->dtype, (uint32_t)orank, dim);
		return ACCEL_OK;
	}
	st = shape_axes(g, n, 1, x->rank, axes, &cnt, &present);
	if (st)
		return st;
	for (i = 0; i < x->rank; i++) {
		bool sq = false;

		for (j = 0; j < cnt; j++)
			sq |= axes[j] == i;
		if (!present)
			sq = x->dim[i] == 1;
		if (sq && x->dim[i] != 1)
			return ir_node_fail(g, n, "axis %u has dim %lld, not 1", i,
					    (long long)x->dim[i]);
		if (!sq)
			dim[r++] = x->dim[i];
	}
	set_out(ir_out(g, n, 0), x->dtype, r, dim);
	return ACCEL_OK;
}

static accel_status infer_fold_op(struct ir_graph *g, struct ir_node *n)
{
	struct ir_value *x = ir_in(g, n, 0), *o = ir_out(g, n, 0);
	int64_t dim[IR_MAX_RANK];
	uint32_t cnt, i;

	switch (n->kind) {
	case OP_SHAPE: {
		int64_t s = ir_attr_int(n, "start", 0), e = ir_attr_int(n, "end", x->rank);

		s = s < 0 ? s + x->rank : s;
		e = e < 0 ? e + x->rank : e;
		s = s < 0 ? 0 : s > x->rank ? x->rank : s;
		e = e < 0 ? 0 : e > x->rank ? x->rank : e;
		dim[0] = e > s ? e - s : 0;
		set_out(o, IR_DT_INT64, 1, dim);
		return ACCEL_OK;
	}
	case OP_GATHER: {
		struct ir_value *ix = ir_in(g, n, 1);
		int64_t ax = ir_attr_int(n, "axis", 0);
		uint32_t r = 0;

		ax = ax < 0 ? ax + x->rank : ax;
		if (ax < 0 || ax >= x->rank)
			return ir_node_fail(g, n, "axis out of range");
		if (ix->dtype != IR_DT_INT64 && ix->dtype != IR_DT_INT32)
			return ir_node_fail(g, n, "indices must be int32 or int64");
		if (x->rank + ix->rank - 1 > IR_MAX_RANK)
			return ir_node_fail(g, n, "output rank too large");
		for (i = 0; i < x->rank; i++) {
			if (i == ax) {
				memcpy(dim + r, ix->dim, ix->rank * sizeof(int64_t));
				r += ix->rank;
			} else {
				dim[r++] = x->dim[i];
			}
		}
		set_out(o, x->dtype, r, dim);
		return ACCEL_OK;
	}
	case OP_CAST: {
		int64_t to = ir_attr_int(n, "to", 0);

		if (!ir_dtype_size((int)to) || to == IR_DT_DOUBLE)
			return ir_node_fail(g, n, "cast to type %lld is not supported", (long long)to);
		set_out(o, (int)to, x->rank, x->dim);
		return ACCEL_OK;
	}
	case OP_CONSTANT_OF_SHAPE: {
		const int64_t *s = const_ints(x, &cnt);
		const struct ir_attr *a = ir_attr_get(n, "value");
		char what[256];
		accel_status st;

		if (!s)
			return ir_node_fail(g, n, "the shape input must be a constant int64 vector");
		if (cnt > IR_MAX_RANK)
			return ir_node_fail(g, n, "rank %u too large", cnt);
		snprintf(what, sizeof(what), "%s: node '%s' (%s)", g->source, n->name, n->op);
		st = onnx_check_dims(what, cnt, s, 8);
		if (st)
			return st;
		set_out(o, a && a->type == IR_ATTR_TENSOR ? g->val[a->tensor].dtype : IR_DT_FLOAT,
			cnt, s);
		return ACCEL_OK;
	}
	case OP_SLICE:
		return ACCEL_OK;	/* shaped when folded */
	default:
		return ir_node_fail(g, n, "no shape rule");
	}
}

static accel_status infer_node(struct ir_graph *g, struct ir_node *n)
{
	struct ir_value *x = ir_in(g, n, 0), *o = ir_out(g, n, 0);
	int64_t dim[IR_MAX_RANK];
	uint32_t r, i;

	for (i = 0; i < n->n_in; i++) {
		struct ir_value *v = ir_in(g, n, i);

		if (v && !ir_dtype_size(v->dtype))
			return ir_node_fail(g, n, "input '%s' has an unsupported type", v->name);
	}
	if (!x)
		return ir_node_fail(g, n, "first input is missing");
	switch (n->kind) {
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MAX: case OP_MIN: {
		struct ir_value *b = ir_in(g, n, 1);

		if (!b || b->dtype != x->dtype)
			return ir_node_fail(g, n, "operands have different types (%s, %s)",
					    ir_dtype_name(x->dtype), b ? ir_dtype_name(b->dtype) : "none");
		if (!shape_broadcast(x, b, &r, dim))
			return ir_node_fail(g, n, "shapes do not broadcast");
		set_out(o, x->dtype, r, dim);
		return ACCEL_OK;
	}
	case OP_RELU: case OP_LEAKY_RELU: case OP_CLIP: case OP_SIGMOID: case OP_TANH:
	case OP_HARD_SIGMOID: case OP_HARD_SWISH: case OP_SOFTMAX: case OP_IDENTITY:
	case OP_BATCHNORM: case OP_DROPOUT:
		if (n->kind == OP_SOFTMAX) {
			uint32_t ax;
			bool co;
			accel_status st = shape_softmax_axis(g, n, &ax, &co);

			if (st)
				return st;
		}
		if (n->kind == OP_BATCHNORM) {
			if (x->rank < 2)
				return ir_node_fail(g, n, "input rank %u < 2", x->rank);
			if (ir_attr_int(n, "training_mode", 0) || n->n_out > 1)
				return ir_node_fail(g, n, "training mode is not supported");
			for (i = 1; i < 5; i++) {
				struct ir_value *p = ir_in(g, n, i);

				if (!p || p->rank != 1 || p->dim[0] != x->dim[1])
					return ir_node_fail(g, n, "parameter %u must have %lld values",
							    i, (long long)x->dim[1]);
			}
		}
		if (n->kind == OP_DROPOUT && n->n_out > 1 && n->out[1] >= 0) {
			set_out(ir_out(g, n, 1), IR_DT_BOOL, x->rank, x->dim);
		}
		set_out(o, x->dtype, x->rank, x->dim);
		return ACCEL_OK;
	case OP_CONV: case OP_MAXPOOL: case OP_AVGPOOL:
		return infer_window(g, n);
	case OP_GLOBAL_AVGPOOL: case OP_GLOBAL_MAXPOOL:
		if (x->rank < 3)
			return ir_node_fail(g, n, "input rank %u < 3", x->rank);
		memcpy(dim, x->dim, sizeof(dim));
		for (i = 2; i < x->rank; i++)
			dim[i] = 1;
		set_out(o, x->dtype, x->rank, dim);
		return ACCEL_OK;
	case OP_GEMM:
		return infer_gemm(g, n);
	case OP_MATMUL:
		return infer_matmul(g, n);
	case OP_REDUCE_MEAN: case OP_REDUCE_MAX:
		return infer_reduce(g, n);
	case OP_PAD: {
		int64_t b[IR_MAX_RANK], a[IR_MAX_RANK];
		int mode;
		float val;
		accel_status st = shape_pads(g, n, b, a, &mode, &val);

		if (st)
			return st;
		for (i = 0; i < x->rank; i++)
			dim[i] = x->dim[i] + b[i] + a[i];
		set_out(o, x->dtype, x->rank, dim);
		return ACCEL_OK;
	}
	case OP_CONCAT:
		return infer_concat(g, n);
	case OP_TRANSPOSE:
		return infer_transpose(g, n);
	case OP_RESHAPE:
		return infer_reshape(g, n);
	case OP_FLATTEN: {
		int64_t ax = ir_attr_int(n, "axis", 1), a = 1, b = 1;

		ax = ax < 0 ? ax + x->rank : ax;
		if (ax < 0 || ax > x->rank)
			return ir_node_fail(g, n, "axis out of range");
		for (i = 0; i < x->rank; i++) {
			if (i < ax)
				a *= x->dim[i];
			else
				b *= x->dim[i];
		}
		dim[0] = a;
		dim[1] = b;
		set_out(o, x->dtype, 2, dim);
		return ACCEL_OK;
	}
	case OP_SQUEEZE:
		return infer_squeeze(g, n, false);
	case OP_UNSQUEEZE:
		return infer_squeeze(g, n, true);
	default:
		return infer_fold_op(g, n);
	}
}

/* Infer, then bound every output (dims and bytes) like a file's tensors. */
accel_status shape_infer_node(struct ir_graph *g, struct ir_node *n)
{
	accel_status st = infer_node(g, n);
	char what[300];
	uint32_t i;

	for (i = 0; !st && i < n->n_out; i++) {
		const struct ir_value *o = ir_out(g, n, i);

		if (!o)
			continue;
		snprintf(what, sizeof(what), "%s: node '%s' (%s): output '%s'", g->source, n->name,
			 n->op, o->name);
		st = onnx_check_dims(what, o->rank, o->dim, 8);
	}
	return st;
}

accel_status shape_infer(struct ir_graph *g)
{
	accel_status st;
	uint32_t i;

	for (i = 0; i < g->n_node; i++) {
		if (g->node[i].dead)
			continue;
		st = shape_infer_node(g, &g->node[i]);
		if (st)
			return st;
	}
	return ACCEL_OK;
}
