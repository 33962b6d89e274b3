// SPDX-License-Identifier: MIT
/*
 * Pre-quantized models (pass_qdq, before ops_resolve): the QDQ format
 * (QuantizeLinear / DequantizeLinear pairs around float ops, as
 * onnxruntime's quantize_static writes it) and the QOperator format
 * (QLinearConv, QLinearMatMul) become a float graph whose values carry the
 * model's own int8 quantization (IR_VAL_QPRESET in ir_value.q):
 *
 *  - Q(x, s, z) -> y: x gets (s, z); y stands for x (its "twin").
 *  - DQ(y) of a tensor quantized above: its consumers read the twin (the
 *    scale and zero point must be the ones y was quantized with).
 *  - DQ(c) of a constant (int8/uint8 weights, per tensor or per axis; int32
 *    bias): a float constant s * (c - z) that keeps s, z and the axis, so
 *    the precision pass recovers c exactly (round(w / s), |c| < 2^22) and
 *    uses the model's weight scales instead of its own.
 *  - QLinearConv / QLinearMatMul / QLinearAdd (com.microsoft): Conv / MatMul
 *    / Add on the twins, with the
 *    dequantized weights and bias (bias scale x_scale * w_scale[c], as the
 *    operators define it) and the output's (y_scale, y_zero_point).
 *  - MaxPool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Identity on
 *    a quantized tensor (the QOperator format runs them on int8) read the
 *    twin; their output keeps the input's quantization.
 *
 * uint8 tensors map to int8 exactly: q_u8 = clamp(round(x / s) + z, 0, 255)
 * and q_i8 = clamp(round(x / s) + z - 128, -128, 127) = q_u8 - 128 for every
 * x, so (s, z) in uint8 is (s, z - 128) in int8 and every value the model
 * computes is represented the same. The device's weights are symmetric:
 * uint8 weights are exact only with zero point 128 (the precision pass keeps
 * other ones in fp32, with the reason in the report).
 *
 * The precision pass (pass_prec.c) then lowers in int8 the nodes whose
 * inputs and output carry the model's quantization, with no calibration;
 * the others stay fp32, converted at their edges.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "passes.h"

/* The quantization parameters of one Q/DQ/QLinear operand. */
struct qp {
	uint32_t count;		/* 1: per tensor */
	int axis;		/* normalized; -1 per tensor */
	int zdtype;		/* IR_DT_UINT8 (default), IR_DT_INT8 or IR_DT_INT32 */
	float *scales;
	int32_t *zps;		/* in the int8 domain (uint8 zero point - 128) */
	int s_val;		/* the scale's value index */
};

struct qctx {
	struct ir_graph *g;
	struct pass_log *log;
	int *twin;		/* quantized tensor -> the float value it stands for */
	uint32_t n_twin;
};

static void qp_free(struct qp *p)
{
	free(p->scales);
	free(p->zps);
	memset(p, 0, sizeof(*p));
}

static bool is_op(const struct ir_node *n, const char *op)
{
	return !strcmp(n->op, op);
}

static int twin_of(const struct qctx *c, int v)
{
	return v >= 0 && (uint32_t)v < c->n_twin ? c->twin[v] : -1;
}

/*
 * Parse scale input si and zero point input zi of node n for tensor x
 * (x_rank < 0: an activation, whose rank is not known yet). data_dtype:
 * the integer type of x when known (a constant: an absent zero point is 0
 * of that type, an int32 zero point is allowed), else 0 (an absent zero
 * point is uint8 0). force_axis >= 0: the axis (QLinear operators) instead
 * of the node's axis attribute.
 */
static accel_status parse_qp(struct qctx *c, const struct ir_node *n, uint32_t si, uint32_t zi,
			     int x_rank, const int64_t *x_dim, int data_dtype, int force_axis,
			     struct qp *p)
{
	struct ir_graph *g = c->g;
	const struct ir_value *s, *z;
	int64_t ns, i, axis;

	memset(p, 0, sizeof(*p));
	p->axis = -1;
	p->zdtype = IR_DT_UINT8;
	if (n->n_in <= si || n->in[si] < 0)
		return ir_node_fail(g, n, "missing scale (input %u)", si);
	p->s_val = n->in[si];
	s = &g->val[n->in[si]];
	if (!(s->flags & IR_VAL_CONST))
		return ir_node_fail(g, n, "scale '%s' is not a constant (initializer or Constant)",
				    s->name);
	if (s->dtype != IR_DT_FLOAT)
		return ir_node_fail(g, n, "scale '%s' is %s; it must be float32", s->name,
				    ir_dtype_name(s->dtype));
	ns = ir_numel(s);
	if (s->rank > 1 || ns < 1)
		return ir_node_fail(g, n, "scale '%s' must be a scalar or a 1-D tensor", s->name);
	z = n->n_in > zi && n->in[zi] >= 0 ? &g->val[n->in[zi]] : NULL;
	if (z && !(z->flags & IR_VAL_CONST))
		return ir_node_fail(g, n, "zero point '%s' is not a constant", z->name);
	if (z && z->dtype != IR_DT_UINT8 && z->dtype != IR_DT_INT8 &&
	    !(data_dtype == IR_DT_INT32 && z->dtype == IR_DT_INT32))
		return ir_node_fail(g, n, "zero point '%s' is %s; it must be uint8 or int8%s",
				    z->name, ir_dtype_name(z->dtype),
				    data_dtype == IR_DT_INT32 ? " (int32 for an int32 bias)" : "");
	if (z && data_dtype && z->dtype != data_dtype)
		return ir_node_fail(g, n, "zero point '%s' is %s but the data is %s", z->name,
				    ir_dtype_name(z->dtype), ir_dtype_name(data_dtype));
	if (z && ir_numel(z) != ns)
		return ir_node_fail(g, n, "zero point '%s' has %lld value(s) for %lld scale(s)",
				    z->name, (long long)ir_numel(z), (long long)ns);
	if (z)
		p->zdtype = z->dtype;
	else if (data_dtype)
		p->zdtype = data_dtype;
	p->count = (uint32_t)ns;
	p->scales = malloc((size_t)ns * sizeof(float));
	p->zps = malloc((size_t)ns * sizeof(int32_t));
	if (!p->scales || !p->zps)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; i < ns; i++) {
		float f = ((const float *)s->data)[i];
		int32_t zv = 0;

		if (!isfinite(f) || !(f > 0.0f))
			return ir_node_fail(g, n, "scale '%s'[%lld] is %g; it must be finite and > 0",
					    s->name, (long long)i, (double)f);
		if (z && z->dtype == IR_DT_UINT8)
			zv = (int32_t)((const uint8_t *)z->data)[i] - 128;
		else if (z && z->dtype == IR_DT_INT8)
			zv = ((const int8_t *)z->data)[i];
		else if (z)
			zv = ((const int32_t *)z->data)[i];
		else if (p->zdtype == IR_DT_UINT8)
			zv = -128;	/* absent: zero point 0 of the type */
		if (z && z->dtype == IR_DT_INT32 && zv)
			return ir_node_fail(g, n, "int32 zero point '%s'[%lld] is %d; it must be 0",
					    z->name, (long long)i, zv);
		p->scales[i] = f;
		p->zps[i] = zv;
	}
	if (ns == 1)
		return ACCEL_OK;
	/* per axis */
	axis = force_axis >= 0 ? force_axis : ir_attr_int(n, "axis", 1);
	if (x_rank < 0)
		return ir_node_fail(g, n, "per-axis scales (%lld) for an activation: the device "
				    "quantizes activations per tensor", (long long)ns);
	if (axis < -x_rank || axis >= x_rank)
		return ir_node_fail(g, n, "axis %lld is out of range for rank %d", (long long)axis,
				    x_rank);
	if (axis < 0)
		axis += x_rank;
	if (x_dim[axis] != ns)
		return ir_node_fail(g, n, "axis %lld: %lld scales for a dimension of %lld",
				    (long long)axis, (long long)ns, (long long)x_dim[axis]);
	p->axis = (int)axis;
	return ACCEL_OK;
}

/* Give value v the quantization p (per tensor: element 0). */
static accel_status set_preset(struct ir_value *v, const struct qp *p)
{
	struct ir_quant *q = &v->q;

	free(q->scales);
	free(q->zero_points);
	memset(q, 0, sizeof(*q));
	q->scale = p->scales[0];
	q->zero_point = p->zps[0];
	q->axis = p->axis;
	if (p->axis >= 0) {
		q->count = p->count;
		q->scales = malloc(p->count * sizeof(float));
		q->zero_points = malloc(p->count * sizeof(int32_t));
		if (!q->scales || !q->zero_points)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		memcpy(q->scales, p->scales, p->count * sizeof(float));
		memcpy(q->zero_points, p->zps, p->count * sizeof(int32_t));
	}
	v->flags |= IR_VAL_QPRESET;
	return ACCEL_OK;
}

static bool same_qp(const struct ir_value *v, const struct qp *p)
{
	return (v->flags & IR_VAL_QPRESET) && v->q.axis < 0 && p->count == 1 &&
	       v->q.scale == p->scales[0] && v->q.zero_point == p->zps[0];
}

/* Every use of value from (node inputs, graph outputs) reads to instead. */
static void replace_uses(struct ir_graph *g, int from, int to)
{
	uint32_t i, j;

	for (i = 0; i < g->n_node; i++)
		for (j = 0; !g->node[i].dead && j < g->node[i].n_in; j++)
			if (g->node[i].in[j] == from)
				g->node[i].in[j] = to;
	for (i = 0; i < g->n_outputs; i++) {
		char *name;

		if (g->outputs[i] != from)
			continue;
		/* the graph output keeps its name: to takes it */
		g->outputs[i] = to;
		g->val[to].flags |= IR_VAL_OUTPUT;
		g->val[from].flags &= ~IR_VAL_OUTPUT;
		name = g->val[to].name;
		g->val[to].name = g->val[from].name;
		g->val[from].name = name;
	}
}

/* Element i of a constant int8/uint8/int32 tensor. */
static int64_t const_int(const struct ir_value *v, int64_t i)
{
	return v->dtype == IR_DT_UINT8 ? ((const uint8_t *)v->data)[i] :
	       v->dtype == IR_DT_INT8 ? ((const int8_t *)v->data)[i] :
					((const int32_t *)v->data)[i];
}

/* Index of the channel of flat element i along axis (per tensor: 0). */
static uint32_t channel(const struct ir_value *v, int axis, int64_t i)
{
	int64_t inner = 1;
	int d;

	if (axis < 0)
		return 0;
	for (d = (int)v->rank - 1; d > axis; d--)
		inner *= v->dim[d];
	return (uint32_t)((i / inner) % v->dim[axis]);
}

/*
 * The float constant s * (c - z) of the integer constant c (value index cv)
 * into value out (or a new value named name when out < 0), with p kept as
 * its quantization. ONNX's DequantizeLinear: (c - z) * s in float32; zero
 * points here are in the int8 domain, so uint8 data shift by 128 too.
 */
static int dequant_const(struct qctx *c, const struct ir_node *n, int cv, const struct qp *p,
			 int out, const char *name)
{
	struct ir_graph *g = c->g;
	const struct ir_value *x = &g->val[cv];
	int64_t cnt = ir_numel(x), i, big = 0;
	float *f = malloc((size_t)(cnt ? cnt : 1) * sizeof(float));
	int64_t dim[IR_MAX_RANK];
	uint32_t rank = x->rank;

	if (!f)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory"), -1;
	for (i = 0; i < cnt; i++) {
		uint32_t ch = p->count > 1 ? channel(x, p->axis, i) : 0;
		int64_t q = const_int(x, i) - (x->dtype == IR_DT_UINT8 ? 128 : 0);

		f[i] = (float)(q - p->zps[ch]) * p->scales[ch];
		big += q > (1 << 22) || q < -(1 << 22);
	}
	memcpy(dim, x->dim, sizeof(dim));
	if (out < 0) {
		out = ir_add_value(g, name);
		if (out < 0) {
			free(f);
			return -1;
		}
	}
	ir_set_const(&g->val[out], IR_DT_FLOAT, rank, dim, f, (size_t)cnt * sizeof(float));
	if (set_preset(&g->val[out], p))
		return -1;
	if (big)
		pass_note(c->log, "qdq: '%s' (%s): %lld value(s) beyond 2^22: int8 re-rounds "
			  "them from float", n->name, n->op, (long long)big);
	return out;
}

static accel_status qlinear_fail_input(struct qctx *c, const struct ir_node *n, int v)
{
	return ir_node_fail(c->g, n, "input '%s' is not a quantized tensor (no QuantizeLinear, "
			    "QLinearConv or QLinearMatMul produces it)", c->g->val[v].name);
}

/* QuantizeLinear(x, s, z) -> y. */
static accel_status do_quantize(struct qctx *c, int ni)
{
	struct ir_graph *g = c->g;
	struct ir_node *n = &g->node[ni];
	int x = n->in[0], y = n->out[0];
	struct ir_value *xv;
	struct qp p;
	accel_status st;

	if (n->n_in < 1 || x < 0 || n->n_out != 1 || y < 0)
		return ir_node_fail(g, n, "needs an input x and one output");
	xv = &g->val[x];
	st = parse_qp(c, n, 1, 2, xv->flags & IR_VAL_CONST ? (int)xv->rank : -1, xv->dim, 0, -1,
		      &p);
	if (st) {
		qp_free(&p);
		return st;
	}
	if (xv->flags & IR_VAL_CONST) {	/* a float weight quantized in the graph */
		int64_t cnt = ir_numel(xv), i;
		bool u8 = p.zdtype == IR_DT_UINT8;
		int8_t *q = malloc((size_t)(cnt ? cnt : 1));

		if (xv->dtype != IR_DT_FLOAT || !q) {
			free(q);
			qp_free(&p);
			return q ? ir_node_fail(g, n, "input '%s' is %s; QuantizeLinear takes float32",
						xv->name, ir_dtype_name(xv->dtype)) :
				   accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		}
		for (i = 0; i < cnt; i++) {
			uint32_t ch = p.count > 1 ? channel(xv, p.axis, i) : 0;
			double r = nearbyint((double)(((const float *)xv->data)[i] / p.scales[ch])) +
				   p.zps[ch];

			r = r < -128 ? -128 : r > 127 ? 127 : r;
			q[i] = (int8_t)r;
			if (u8)	/* stored as uint8 (the DequantizeLinear reads it so) */
				((uint8_t *)q)[i] = (uint8_t)(q[i] + 128);
		}
		ir_set_const(&g->val[y], u8 ? IR_DT_UINT8 : IR_DT_INT8, xv->rank, xv->dim, q,
			     (size_t)cnt);
		g->node[ni].dead = true;
		qp_free(&p);
		return ACCEL_OK;
	}
	if ((xv->flags & IR_VAL_QPRESET) && !same_qp(xv, &p)) {
		st = ir_node_fail(g, n, "'%s' is already quantized with scale %g, zero point %d; a "
				  "second quantization (%g, %d) is not supported", xv->name,
				  (double)xv->q.scale, xv->q.zero_point, (double)p.scales[0],
				  p.zps[0]);
		qp_free(&p);
		return st;
	}
	st = set_preset(xv, &p);
	qp_free(&p);
	if (st)
		return st;
	c->twin[y] = x;
	g->node[ni].dead = true;
	return ACCEL_OK;
}

/* DequantizeLinear(y, s, z) -> x'. */
static accel_status do_dequantize(struct qctx *c, int ni)
{
	struct ir_graph *g = c->g;
	struct ir_node *n = &g->node[ni];
	int y = n->in[0], out = n->out[0], t;
	const struct ir_value *yv;
	struct qp p;
	accel_status st;

	if (n->n_in < 1 || y < 0 || n->n_out != 1 || out < 0)
		return ir_node_fail(g, n, "needs an input x and one output");
	yv = &g->val[y];
	if (yv->flags & IR_VAL_CONST) {
		if (yv->dtype != IR_DT_INT8 && yv->dtype != IR_DT_UINT8 && yv->dtype != IR_DT_INT32)
			return ir_node_fail(g, n, "input '%s' is %s; it must be int8, uint8 or int32",
					    yv->name, ir_dtype_name(yv->dtype));
		st = parse_qp(c, n, 1, 2, (int)yv->rank, yv->dim, yv->dtype, -1, &p);
		if (!st && dequant_const(c, n, y, &p, out, NULL) < 0)
			st = ACCEL_ERR_MODEL;
		qp_free(&p);
		if (!st)
			g->node[ni].dead = true;
		return st;
	}
	t = twin_of(c, y);
	if (t < 0) {
		if (yv->flags & IR_VAL_INPUT)
			return ir_node_fail(g, n, "graph input '%s' is quantized; the model API takes "
					    "float32 inputs", yv->name);
		return qlinear_fail_input(c, n, y);
	}
	st = parse_qp(c, n, 1, 2, -1, NULL, 0, -1, &p);
	if (!st && !same_qp(&g->val[t], &p))
		st = ir_node_fail(g, n, "scale %g / zero point %d differ from the (%g, %d) '%s' was "
				  "quantized with", (double)p.scales[0], p.zps[0],
				  (double)g->val[t].q.scale, g->val[t].q.zero_point, yv->name);
	qp_free(&p);
	if (st)
		return st;
	if ((g->val[out].flags & IR_VAL_OUTPUT) &&
	    (g->val[t].flags & (IR_VAL_INPUT | IR_VAL_OUTPUT | IR_VAL_CONST)))
		return ir_node_fail(g, n, "graph output '%s' would be '%s' itself (a graph input "
				    "or output): nothing computes it", g->val[out].name,
				    g->val[t].name);
	g->node[ni].dead = true;
	replace_uses(g, out, t);
	return ACCEL_OK;
}

/* The twin of activation input i of QLinear node n, checked against the
 * node's (scale, zero point) inputs si, zi. */
static accel_status qlinear_act(struct qctx *c, const struct ir_node *n, uint32_t i, uint32_t si,
				uint32_t zi, int *out, float *scale)
{
	struct qp p;
	accel_status st;
	int t;

	if (n->n_in <= i || n->in[i] < 0)
		return ir_node_fail(c->g, n, "missing input %u", i);
	t = twin_of(c, n->in[i]);
	if (t < 0)
		return qlinear_fail_input(c, n, n->in[i]);
	st = parse_qp(c, n, si, zi, -1, NULL, 0, -1, &p);
	if (!st && !same_qp(&c->g->val[t], &p))
		st = ir_node_fail(c->g, n, "input '%s': scale %g / zero point %d differ from the "
				  "(%g, %d) it was quantized with", c->g->val[n->in[i]].name,
				  (double)p.scales[0], p.zps[0], (double)c->g->val[t].q.scale,
				  c->g->val[t].q.zero_point);
	if (!st) {
		*out = t;
		*scale = p.scales[0];
	}
	qp_free(&p);
	return st;
}

/*
 * QLinearConv(x, xs, xz, w, ws, wz, ys, yz[, B]) -> Conv(x, w', B');
 * QLinearMatMul(a, as, az, b, bs, bz, ys, yz) -> MatMul(a, b').
 */
static accel_status do_qlinear(struct qctx *c, int ni, bool conv)
{
	struct ir_graph *g = c->g;
	struct ir_node *n = &g->node[ni];
	int x, w, b = -1, y = n->out[0];
	float xs;
	struct qp wp, yp, bp;
	char name[300];
	accel_status st;
	char *op;

	memset(&wp, 0, sizeof(wp));
	memset(&yp, 0, sizeof(yp));
	memset(&bp, 0, sizeof(bp));
	if (n->n_in < 8 || n->n_in > (conv ? 9u : 8u) || n->n_out != 1 || y < 0)
		return ir_node_fail(g, n, "needs 8%s inputs and one output", conv ? " or 9" : "");
	st = qlinear_act(c, n, 0, 1, 2, &x, &xs);
	if (st)
		return st;
	n = &g->node[ni];
	w = n->in[3];
	if (w < 0)
		return ir_node_fail(g, n, "missing input 3");
	if (!(g->val[w].flags & IR_VAL_CONST)) {
		int tw;
		float bs;

		if (conv)
			return ir_node_fail(g, n, "weights '%s' are not a constant", g->val[w].name);
		st = qlinear_act(c, n, 3, 4, 5, &tw, &bs);
		if (st)
			return st;
		n = &g->node[ni];
		w = tw;
	} else {
		const struct ir_value *wv = &g->val[w];

		if (wv->dtype != IR_DT_INT8 && wv->dtype != IR_DT_UINT8)
			return ir_node_fail(g, n, "weights '%s' are %s; they must be int8 or uint8",
					    wv->name, ir_dtype_name(wv->dtype));
		/* QLinearConv's w_scale is per output channel (axis 0); QLinearMatMul's
		 * b_scale per column (the last axis) */
		if (wv->rank < 2)
			return ir_node_fail(g, n, "weights '%s' have rank %u", wv->name, wv->rank);
		st = parse_qp(c, n, 4, 5, (int)wv->rank, wv->dim, wv->dtype,
			      conv ? 0 : (int)wv->rank - 1, &wp);
		snprintf(name, sizeof(name), "%s:dq", wv->name);
		if (!st) {
			w = dequant_const(c, n, w, &wp, -1, ir_find_value(g, name) >= 0 ? NULL : name);
			st = w < 0 ? ACCEL_ERR_MODEL : ACCEL_OK;
		}
		n = &g->node[ni];
	}
	if (!st)
		st = parse_qp(c, n, 6, 7, -1, NULL, 0, -1, &yp);
	if (!st && conv && n->n_in > 8 && n->in[8] >= 0) {
		const struct ir_value *bv = &g->val[n->in[8]];
		uint32_t i, cnt = wp.count ? wp.count : 1;

		if (!(bv->flags & IR_VAL_CONST) || bv->dtype != IR_DT_INT32 || bv->rank != 1)
			st = ir_node_fail(g, n, "bias '%s' must be a 1-D int32 constant", bv->name);
		/* bias scale: x_scale * w_scale[c], zero point 0 */
		bp.count = cnt;
		bp.axis = cnt > 1 ? 0 : -1;
		bp.zdtype = IR_DT_INT32;
		bp.scales = st ? NULL : malloc(cnt * sizeof(float));
		bp.zps = st ? NULL : calloc(cnt, sizeof(int32_t));
		if (!st && (!bp.scales || !bp.zps))
			st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		for (i = 0; !st && i < cnt; i++)
			bp.scales[i] = xs * wp.scales[i];
		if (!st && cnt > 1 && bv->dim[0] != cnt)
			st = ir_node_fail(g, n, "bias '%s' has %lld values for %u channels", bv->name,
					  (long long)bv->dim[0], cnt);
		if (!st) {
			snprintf(name, sizeof(name), "%s:dq", bv->name);
			b = dequant_const(c, n, n->in[8], &bp, -1,
					  ir_find_value(g, name) >= 0 ? NULL : name);
			st = b < 0 ? ACCEL_ERR_MODEL : ACCEL_OK;
		}
	}
	if (!st)
		st = set_preset(&g->val[y], &yp);
	qp_free(&wp);
	qp_free(&yp);
	qp_free(&bp);
	if (st)
		return st;
	n = &g->node[ni];
	op = strdup(conv ? "Conv" : "MatMul");
	if (!op)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	pass_note(c->log, "qdq: '%s' %s -> %s with the model's int8 parameters", n->name, n->op,
		  op);
	free(n->op);
	n->op = op;
	n->in[0] = x;
	n->in[1] = w;
	n->n_in = 2;
	if (b >= 0) {
		n->in[2] = b;
		n->n_in = 3;
	}
	c->twin[y] = y;
	return ACCEL_OK;
}

/* An operand of QLinearAdd: the twin of a quantized tensor, or a constant
 * int8/uint8 tensor dequantized (its quantization kept). */
static accel_status qlinear_operand(struct qctx *c, int ni, uint32_t i, int *out)
{
	struct ir_graph *g = c->g;
	const struct ir_node *n = &g->node[ni];
	const struct ir_value *v;
	char name[300];
	struct qp p;
	accel_status st;
	float s;

	if (n->in[i] < 0)
		return ir_node_fail(g, n, "missing input %u", i);
	v = &g->val[n->in[i]];
	if (!(v->flags & IR_VAL_CONST))
		return qlinear_act(c, n, i, i + 1, i + 2, out, &s);
	if (v->dtype != IR_DT_INT8 && v->dtype != IR_DT_UINT8)
		return ir_node_fail(g, n, "input '%s' is %s; it must be int8 or uint8", v->name,
				    ir_dtype_name(v->dtype));
	st = parse_qp(c, n, i + 1, i + 2, (int)v->rank, v->dim, v->dtype, -1, &p);
	if (!st && p.count > 1)
		st = ir_node_fail(g, n, "input '%s': per-axis scales; QLinearAdd takes one",
				  v->name);
	snprintf(name, sizeof(name), "%s:dq", v->name);
	if (!st) {
		*out = dequant_const(c, n, n->in[i], &p, -1, ir_find_value(g, name) >= 0 ? NULL :
				     name);
		st = *out < 0 ? ACCEL_ERR_MODEL : ACCEL_OK;
	}
	qp_free(&p);
	return st;
}

/* com.microsoft QLinearAdd(A, As, Az, B, Bs, Bz, Cs, Cz) -> Add(A, B). */
static accel_status do_qlinear_add(struct qctx *c, int ni)
{
	struct ir_graph *g = c->g;
	struct ir_node *n = &g->node[ni];
	int a, b, y = n->out[0];
	struct qp yp;
	accel_status st;
	char *op;

	if (n->n_in < 7 || n->n_in > 8 || n->n_out != 1 || y < 0)
		return ir_node_fail(g, n, "needs 7 or 8 inputs and one output");
	st = qlinear_operand(c, ni, 0, &a);
	if (!st)
		st = qlinear_operand(c, ni, 3, &b);
	if (st)
		return st;
	n = &g->node[ni];
	st = parse_qp(c, n, 6, 7, -1, NULL, 0, -1, &yp);
	if (!st)
		st = set_preset(&g->val[y], &yp);
	qp_free(&yp);
	if (st)
		return st;
	op = strdup("Add");
	if (!op)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	pass_note(c->log, "qdq: '%s' QLinearAdd -> Add with the model's int8 parameters", n->name);
	free(n->op);
	n->op = op;
	free(n->domain);
	n->domain = NULL;
	n->in[0] = a;
	n->in[1] = b;
	n->n_in = 2;
	c->twin[y] = y;
	return ACCEL_OK;
}

/* Ops the QOperator format runs directly on a quantized tensor: their
 * output keeps the input's quantization. */
static bool passes_quant(const struct ir_node *n)
{
	static const char *const ops[] = { "MaxPool", "Reshape", "Flatten", "Transpose",
					   "Squeeze", "Unsqueeze", "Identity", "GlobalMaxPool" };
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (is_op(n, ops[i]))
			return true;
	return false;
}

static accel_status do_other(struct qctx *c, int ni)
{
	struct ir_graph *g = c->g;
	struct ir_node *n = &g->node[ni];
	uint32_t j;
	int t;

	for (j = 0; j < n->n_in; j++) {
		int v = n->in[j];

		t = twin_of(c, v);
		if (t < 0)
			continue;
		/* v is an integer tensor (t == v: a QLinear output, its own twin) */
		if (j > 0 || !passes_quant(n))
			return ir_node_fail(g, n, "reads the quantized tensor '%s' directly; only "
					    "DequantizeLinear, QLinearConv, QLinearMatMul and "
					    "MaxPool/Reshape/Flatten/Transpose/Squeeze/Unsqueeze may",
					    g->val[v].name);
		n->in[0] = t;
		if (n->n_out >= 1 && n->out[0] >= 0) {
			struct ir_value *o = &g->val[n->out[0]];

			o->q = g->val[t].q;
			o->q.scales = NULL;
			o->q.zero_points = NULL;
			o->flags |= IR_VAL_QPRESET;
			c->twin[n->out[0]] = n->out[0];
		}
	}
	return ACCEL_OK;
}

accel_status pass_qdq(struct ir_graph *g, struct pass_log *log)
{
	struct qctx c = { g, log, NULL, 0 };
	uint32_t i, n0 = g->n_node, nq = 0;
	accel_status st = ACCEL_OK;

	for (i = 0; i < n0; i++) {
		const struct ir_node *n = &g->node[i];

		nq += !n->dead && (is_op(n, "QuantizeLinear") || is_op(n, "DequantizeLinear") ||
				   is_op(n, "QLinearConv") || is_op(n, "QLinearMatMul") ||
				   is_op(n, "QLinearAdd"));
	}
	if (!nq)
		return ACCEL_OK;
	c.n_twin = g->n_val;
	c.twin = malloc((c.n_twin + 1) * sizeof(int));
	if (!c.twin)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; i < c.n_twin; i++)
		c.twin[i] = -1;
	/* the importer left the nodes in a topological order */
	for (i = 0; !st && i < n0; i++) {
		const struct ir_node *n = &g->node[i];

		if (n->dead)
			continue;
		if (is_op(n, "QuantizeLinear"))
			st = do_quantize(&c, (int)i);
		else if (is_op(n, "DequantizeLinear"))
			st = do_dequantize(&c, (int)i);
		else if (is_op(n, "QLinearConv"))
			st = do_qlinear(&c, (int)i, true);
		else if (is_op(n, "QLinearMatMul"))
			st = do_qlinear(&c, (int)i, false);
		else if (is_op(n, "QLinearAdd"))
			st = do_qlinear_add(&c, (int)i);
		else
			st = do_other(&c, (int)i);
	}
	for (i = 0; !st && i < g->n_outputs; i++) {
		int t = twin_of(&c, g->outputs[i]);

		if (t >= 0 && t != g->outputs[i])
			st = ir_fail(g, "graph output '%s' is quantized; the model API returns "
				     "float32 (end the graph with a DequantizeLinear)",
				     g->val[g->outputs[i]].name);
	}
	free(c.twin);
	if (!st)
		pass_note(log, "qdq: pre-quantized model: %u QuantizeLinear/DequantizeLinear/QLinear "
			  "node(s) imported as the model's int8 parameters", nq);
	return st ? st : ir_compact(g);
}
