// SPDX-License-Identifier: MIT
/*
 * The precision pass (prec.h). Runs on the placed, compacted graph, in its
 * topological order: each node gets the precision it can take (the
 * request, or fp32 with the reason noted), its output the matching dtype
 * (int8: the calibrated range as accel_quant_range() turns it into a
 * scale and zero point; pooling, moves and views keep their input's
 * quantization, as the device requires), its constant operands are
 * quantized or converted, and a CONVERT node is inserted before every
 * input whose dtype or quantization differs from what the node needs.
 * Graph inputs and outputs stay fp32 (converted at the edges).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/quant.h"
#include "../internal.h"
#include "ops.h"
#include "prec.h"
#include "snpu_layout.h"

struct pctx {
	struct ir_graph *g;
	const struct prec_request *req;
	struct pass_log *log;
};

static bool lut_act(int act)
{
	return act == ACCEL_ACT_SIGMOID || act == ACCEL_ACT_TANH || act == ACCEL_ACT_GELU ||
	       act == ACCEL_ACT_SILU;
}

bool prec_selectable(const struct ir_graph *g, const struct ir_node *n)
{
	(void)g;
	return op_get(n->kind)->cls == OPC_TENSOR && n->kind != OP_CONVERT;
}

static bool same_type(const struct ir_value *a, int dtype, const struct ir_quant *q)
{
	if (a->dtype != dtype)
		return false;
	return dtype != IR_DT_INT8 || !q ||
	       (a->q.scale == q->scale && a->q.zero_point == q->zero_point);
}

static accel_status range_quant(struct pctx *c, int v, struct ir_quant *q)
{
	const struct ir_value *x = &c->g->val[v];
	const struct calib_range *r = c->req->calib ? calib_find(c->req->calib, x->name) : NULL;
	accel_status st;

	memset(q, 0, sizeof(*q));
	q->axis = -1;
	if ((x->flags & IR_VAL_QPRESET) && x->q.axis < 0) {	/* the model's own */
		q->scale = x->q.scale;
		q->zero_point = x->q.zero_point;
		return ACCEL_OK;
	}
	if (!r)
		return ir_fail(c->g, "int8: no %s for value '%s'", c->req->calib ?
			       "calibrated range" : "quantization in the model", x->name);
	st = accel_quant_range(r->min, r->max, &q->scale, &q->zero_point);
	if (st)
		return ir_fail(c->g, "int8: value '%s': %s", x->name, accel_last_error());
	return ACCEL_OK;
}

/* A CONVERT of value v into dtype/q; returns the new value (or -1). */
static int add_convert(struct pctx *c, int v, int dtype, const struct ir_quant *q)
{
	struct ir_graph *g = c->g;
	char name[256];
	int nv, ni;

	snprintf(name, sizeof(name), "%s:%s", g->val[v].name, ir_dtype_name(dtype));
	if (ir_find_value(g, name) >= 0)
		snprintf(name, sizeof(name), "%s:%s:%u", g->val[v].name, ir_dtype_name(dtype),
			 g->n_val);
	nv = ir_add_value(g, name);
	if (nv < 0)
		return -1;
	g->val[nv].dtype = dtype;
	g->val[nv].rank = g->val[v].rank;
	memcpy(g->val[nv].dim, g->val[v].dim, sizeof(g->val[nv].dim));
	g->val[nv].q.axis = -1;
	if (q) {
		g->val[nv].q.scale = q->scale;
		g->val[nv].q.zero_point = q->zero_point;
	}
	ni = ir_add_node(g, "snpu.Convert", name, 1, 1);
	if (ni < 0)
		return -1;
	g->node[ni].kind = OP_CONVERT;
	g->node[ni].in[0] = v;
	g->node[ni].out[0] = nv;
	g->node[ni].rule = "convert";
	g->node[ni].target = c->req->cpu_only ? IR_TARGET_CPU : IR_TARGET_DEVICE;
	g->node[ni].precision = dtype == IR_DT_INT8 ? IR_PREC_INT8 :
				dtype == IR_DT_FLOAT16 ? IR_PREC_FP16 : IR_PREC_FP32;
	snprintf(g->node[ni].detail, sizeof(g->node[ni].detail), "%s -> %s",
		 ir_dtype_name(g->val[v].dtype), ir_dtype_name(dtype));
	g->val[nv].producer = ni;
	return nv;
}

/* The value to read v as dtype (int8: q, or v's own calibrated range when
 * q is NULL): v itself, an existing conversion of it, or a new CONVERT. */
static accel_status as_type(struct pctx *c, int v, int dtype, const struct ir_quant *q, int *out)
{
	struct ir_graph *g = c->g;
	struct ir_quant own;
	accel_status st;
	uint32_t i;
	int src = v;

	*out = v;
	if (same_type(&g->val[v], dtype, q))
		return ACCEL_OK;
	if (dtype == IR_DT_INT8 && !q) {
		st = range_quant(c, v, &own);
		if (st)
			return st;
		q = &own;
	}
	/* an earlier conversion of v into the same type */
	for (i = 0; i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];

		if (n->kind == OP_CONVERT && !n->dead && n->in[0] == v &&
		    same_type(&g->val[n->out[0]], dtype, q)) {
			*out = n->out[0];
			return ACCEL_OK;
		}
	}
	/* the device converts fp16 <-> int8 through fp32 */
	if ((g->val[v].dtype == IR_DT_FLOAT16 && dtype == IR_DT_INT8) ||
	    (g->val[v].dtype == IR_DT_INT8 && dtype == IR_DT_FLOAT16)) {
		st = as_type(c, v, IR_DT_FLOAT, NULL, &src);
		if (st)
			return st;
	}
	*out = add_convert(c, src, dtype, q);
	return *out < 0 ? ACCEL_ERR_NO_MEMORY : ACCEL_OK;
}

static int dtype_of(int prec)
{
	return prec == IR_PREC_INT8 ? IR_DT_INT8 : prec == IR_PREC_FP16 ? IR_DT_FLOAT16 :
									  IR_DT_FLOAT;
}

/* A new constant value (data taken over). */
static int add_const(struct ir_graph *g, const char *base, const char *sfx, int dtype,
		     uint32_t rank, const int64_t *dim, void *data, size_t bytes)
{
	char name[256];
	int v;

	snprintf(name, sizeof(name), "%s:%s", base, sfx);
	v = ir_add_value(g, ir_find_value(g, name) >= 0 ? NULL : name);
	if (v < 0) {
		free(data);
		return -1;
	}
	ir_set_const(&g->val[v], dtype, rank, dim, data, bytes);
	g->val[v].q.axis = -1;
	return v;
}

static int const_fp16(struct ir_graph *g, int v)
{
	const struct ir_value *x = &g->val[v];
	int64_t n = ir_numel(x), i;
	uint16_t *h = malloc((size_t)(n ? n : 1) * sizeof(*h));
	int64_t dim[IR_MAX_RANK];

	if (!h)
		return -1;
	for (i = 0; i < n; i++)
		h[i] = snpu_f32_to_f16(((const float *)x->data)[i]);
	memcpy(dim, x->dim, sizeof(dim));
	return add_const(g, x->name, "fp16", IR_DT_FLOAT16, x->rank, dim, h, (size_t)n * 2);
}

/* A constant operand of an element-wise op, int8 per tensor over its range. */
static int const_int8(struct ir_graph *g, int v)
{
	const struct ir_value *x = &g->val[v];
	const float *f = x->data;
	int64_t n = ir_numel(x), i;
	float lo = 0, hi = 0, scale;
	int32_t zp;
	int8_t *q;
	int64_t dim[IR_MAX_RANK];
	int nv;

	for (i = 0; i < n; i++) {
		lo = f[i] < lo ? f[i] : lo;
		hi = f[i] > hi ? f[i] : hi;
	}
	if ((x->flags & IR_VAL_QPRESET) && x->q.axis < 0) {	/* the model's own */
		scale = x->q.scale;
		zp = x->q.zero_point;
	} else if (accel_quant_range(lo, hi, &scale, &zp))
		return ir_fail(g, "int8: constant '%s': %s", x->name, accel_last_error()), -1;
	q = malloc((size_t)(n ? n : 1));
	if (!q || accel_quantize(f, (size_t)n, scale, zp, q)) {
		free(q);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory"), -1;
	}
	memcpy(dim, x->dim, sizeof(dim));
	nv = add_const(g, x->name, "int8", IR_DT_INT8, x->rank, dim, q, (size_t)n);
	if (nv >= 0) {
		g->val[nv].q.scale = scale;
		g->val[nv].q.zero_point = zp;
	}
	return nv;
}

/*
 * Weights of a conv ((O, ...): rows = O) or of a gemm/matmul b: (K, N)
 * quantized per column n (transposed = false), or (N, K) per row (true).
 * Returns the int8 weight value; scales[] (O or N) in its q.scales.
 */
static int weights_int8(struct ir_graph *g, int v, int64_t rows, int64_t per, bool kn)
{
	const struct ir_value *x = &g->val[v];
	const float *w = x->data;
	float *t = NULL, *scales = malloc((size_t)rows * sizeof(float));
	int8_t *q = malloc((size_t)(rows * per)), *qt = NULL;
	int64_t dim[IR_MAX_RANK], r, k;
	int nv = -1;

	if (!scales || !q) {
		accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	if (kn) {	/* (K=per, N=rows) -> (N, K) */
		t = malloc((size_t)(rows * per) * sizeof(float));
		qt = malloc((size_t)(rows * per));
		if (!t || !qt) {
			accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
			goto out;
		}
		for (k = 0; k < per; k++)
			for (r = 0; r < rows; r++)
				t[r * per + k] = w[k * rows + r];
	}
	if (x->flags & IR_VAL_QPRESET) {
		/* the model's scales (per tensor or per output channel, zero point
		 * 0: refusal() checked): w = s * q exactly recovers q */
		const float *src = kn ? t : w;
		int8_t *dst = kn ? qt : q;
		int64_t i;

		for (r = 0; r < rows; r++) {
			scales[r] = x->q.count > 1 ? x->q.scales[r] : x->q.scale;
			for (i = 0; i < per; i++) {
				float v = nearbyintf(src[r * per + i] / scales[r]);

				dst[r * per + i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
			}
		}
	} else if (accel_quant_weights(kn ? t : w, (size_t)rows, (size_t)per, kn ? qt : q,
				       scales)) {
		ir_fail(g, "int8: weights '%s': %s", x->name, accel_last_error());
		goto out;
	}
	if (kn)
		for (k = 0; k < per; k++)
			for (r = 0; r < rows; r++)
				q[k * rows + r] = qt[r * per + k];
	memcpy(dim, x->dim, sizeof(dim));
	nv = add_const(g, x->name, "int8", IR_DT_INT8, x->rank, dim, q, (size_t)(rows * per));
	q = NULL;
	if (nv >= 0) {
		struct ir_quant *wq = &g->val[nv].q;

		wq->axis = kn ? (int32_t)g->val[nv].rank - 1 : 0;
		wq->count = (uint32_t)rows;
		wq->scales = scales;
		wq->scale = scales[0];
		scales = NULL;
	}
out:
	free(scales);
	free(q);
	free(t);
	free(qt);
	return nv;
}

/* The int32 bias and the requantization table of an int8 conv/gemm:
 * in[2] becomes the int32 bias (if any), in[3] the table. */
static accel_status mac_int8_consts(struct pctx *c, int ni, int w, float s_mid)
{
	struct ir_graph *g = c->g;
	struct ir_node *n = &g->node[ni];
	const struct ir_quant *wq = &g->val[w].q;
	float s_in = g->val[n->in[0]].q.scale;
	uint32_t ch = wq->count;
	accel_requant *tab = malloc(ch * sizeof(*tab));
	int64_t dim[1];
	int bias = -1, t, *in;

	if (!tab)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	if (accel_quant_requant_table(s_in, wq->scales, ch, s_mid, tab)) {
		free(tab);
		return ir_node_fail(g, n, "int8 requantization: %s", accel_last_error());
	}
	if (n->n_in > 2 && n->in[2] >= 0) {
		const struct ir_value *b = &g->val[n->in[2]];
		int32_t *bq = malloc(ch * sizeof(*bq));

		if (!bq || accel_quant_bias(b->data, ch, s_in, wq->scales, ch, bq)) {
			free(bq);
			free(tab);
			return ir_node_fail(g, n, "int8 bias: %s", accel_last_error());
		}
		dim[0] = ch;
		bias = add_const(g, b->name, "int32", IR_DT_INT32, 1, dim, bq, ch * sizeof(*bq));
		if (bias < 0) {
			free(tab);
			return ACCEL_ERR_NO_MEMORY;
		}
	}
	dim[0] = 2 * (int64_t)ch;
	t = add_const(g, g->node[ni].name, "requant", IR_DT_INT32, 1, dim, tab,
		      ch * sizeof(*tab));
	if (t < 0)
		return ACCEL_ERR_NO_MEMORY;
	n = &g->node[ni];
	in = realloc(n->in, 4 * sizeof(*in));
	if (!in)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	n->in = in;
	if (n->n_in < 3)
		in[2] = -1;
	in[2] = bias;
	in[3] = t;
	n->n_in = 4;
	return ACCEL_OK;
}

static bool is_mac_kind(enum op_kind k)
{
	return k == OP_CONV || k == OP_GEMM || k == OP_MATMUL;
}

/* Why the model's own weight quantization of mac node n has no device form
 * (NULL when it has): the device's weights are symmetric, per tensor or per
 * output channel. */
static const char *preset_weights(struct ir_graph *g, const struct ir_node *n)
{
	const struct ir_value *w = ir_in(g, n, 1);
	int want = n->kind == OP_CONV ? 0 : n->kind == OP_GEMM && ir_attr_int(n, "transB", 0) ?
		   0 : (int)w->rank - 1;
	uint32_t i;

	if (w->q.count > 1 && w->q.axis != want)
		return "int8: the model's weight scales are not per output channel: fp32";
	for (i = 0; i < (w->q.count > 1 ? w->q.count : 1); i++)
		if ((w->q.count > 1 ? w->q.zero_points[i] : w->q.zero_point) != 0)
			return "int8: the model's weights have a zero point; the device's are "
			       "symmetric: fp32";
	return NULL;
}

/* Why node n cannot run in prec (NULL when it can). */
static const char *refusal(struct ir_graph *g, const struct ir_node *n, int prec, bool act_lut)
{
	const struct ir_value *b;

	if (prec == IR_PREC_FP32)
		return NULL;
	switch (n->kind) {
	case OP_SOFTMAX: case OP_SIGMOID: case OP_TANH:
		return act_lut ? NULL : "needs the firmware's activation table; kept in fp32";
	default:
		break;
	}
	if (prec == IR_PREC_FP16)
		return NULL;
	if (is_mac_kind(n->kind) && (ir_in(g, n, 1)->flags & IR_VAL_QPRESET)) {
		const char *why = preset_weights(g, n);

		if (why)
			return why;
	}
	switch (n->kind) {
	case OP_CONV:
		return ir_in(g, n, 1)->flags & IR_VAL_CONST ? NULL : "int8: weights not constant";
	case OP_GEMM:
		b = ir_in(g, n, 1);
		if (!(b->flags & IR_VAL_CONST))
			return "int8: operand b not constant";
		if (ir_attr_float(n, "alpha", 1.0f) != 1.0f || ir_attr_float(n, "beta", 1.0f) != 1.0f)
			return "int8: alpha/beta other than 1";
		if (n->n_in > 2 && n->in[2] >= 0) {
			const struct ir_value *cv = ir_in(g, n, 2);
			int64_t nn = g->val[n->out[0]].dim[1];

			if (!(cv->flags & IR_VAL_CONST) || ir_numel(cv) != nn || nn < 2)
				return "int8: C is not a per-column bias";
		}
		return NULL;
	case OP_MATMUL:
		b = ir_in(g, n, 1);
		return b->flags & IR_VAL_CONST && b->rank == 2 && ir_in(g, n, 0)->rank >= 2 ? NULL :
		       "int8: operand b is not a constant matrix";
	case OP_DIV:
		return "int8: the device has no int8 division";
	case OP_MAX: case OP_MIN:
		return "int8: max/min need one shared quantization; kept in fp32";
	default:
		return NULL;
	}
}

static bool keeps_quant(enum op_kind k)
{
	return k == OP_MAXPOOL || k == OP_AVGPOOL || k == OP_GLOBAL_AVGPOOL ||
	       k == OP_GLOBAL_MAXPOOL || k == OP_REDUCE_MEAN || k == OP_REDUCE_MAX ||
	       k == OP_PAD || k == OP_TRANSPOSE || k == OP_SLICE;
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

static accel_status node_prec(struct pctx *c, int ni, int want);

/* A table activation fused into n, on a device without the firmware's
 * tables, moves into its own (fp32) node after n. */
static accel_status unfuse(struct pctx *c, int ni)
{
	struct ir_graph *g = c->g;
	struct ir_node *n = &g->node[ni];
	static const char *const names[] = { [ACCEL_ACT_SIGMOID] = "Sigmoid",
					      [ACCEL_ACT_TANH] = "Tanh" };
	static const int kinds[] = { [ACCEL_ACT_SIGMOID] = OP_SIGMOID, [ACCEL_ACT_TANH] = OP_TANH };
	char name[256];
	int act = n->epi.act, pre = n->epi.pre, out = n->out[0], ai;

	if (act != ACCEL_ACT_SIGMOID && act != ACCEL_ACT_TANH)
		return ir_node_fail(g, n, "fused activation %d has no int8/fp16 form here", act);
	if (pre < 0)
		return ir_node_fail(g, n, "fused activation without its input value");
	snprintf(name, sizeof(name), "%s:%s", n->name, names[act]);
	ai = ir_add_node(g, names[act], name, 1, 1);
	if (ai < 0)
		return ACCEL_ERR_NO_MEMORY;
	n = &g->node[ni];
	g->node[ai].kind = kinds[act];
	g->node[ai].in[0] = pre;
	g->node[ai].out[0] = out;
	g->node[ai].rule = "activation";
	g->node[ai].target = n->target;
	g->val[pre].producer = ni;
	g->val[out].producer = ai;
	n->out[0] = pre;
	n->epi.act = 0;
	n->epi.pre = -1;
	pass_note(c->log, "precision: %s activation of '%s' unfused (needs the firmware table)",
		  names[act], n->name);
	return ACCEL_OK;
}

/* Graph output v produced by node ni in a non-fp32 dtype: the node writes
 * a new value and a CONVERT writes v. */
static accel_status output_edge(struct pctx *c, int ni)
{
	struct ir_graph *g = c->g;
	int v = g->node[ni].out[0], t, ci;
	uint32_t i, j;
	char name[256];

	snprintf(name, sizeof(name), "%s:%s", g->val[v].name, ir_dtype_name(g->val[v].dtype));
	t = ir_add_value(g, name);
	if (t < 0)
		return ACCEL_ERR_NO_MEMORY;
	{
		char *keep = g->val[t].name;

		g->val[t] = g->val[v];
		g->val[t].name = keep;
		g->val[t].flags &= ~(IR_VAL_OUTPUT | IR_VAL_INPUT);
	}
	g->val[t].producer = ni;
	g->val[v].alias = -1;
	g->val[v].dtype = IR_DT_FLOAT;
	memset(&g->val[v].q, 0, sizeof(g->val[v].q));
	g->val[v].q.axis = -1;
	g->node[ni].out[0] = t;
	for (i = 0; i < g->n_node; i++) {
		if ((int)i == ni)
			continue;
		for (j = 0; j < g->node[i].n_in; j++)
			if (g->node[i].in[j] == v)
				g->node[i].in[j] = t;
		if (g->node[i].epi.residual == v)
			g->node[i].epi.residual = t;
	}
	ci = add_convert(c, t, IR_DT_FLOAT, NULL);
	if (ci < 0)
		return ACCEL_ERR_NO_MEMORY;
	/* add_convert made a fresh value: the CONVERT writes v instead */
	g->node[g->val[ci].producer].out[0] = v;
	g->val[v].producer = g->val[ci].producer;
	g->val[ci].producer = -1;
	return ACCEL_OK;
}

static accel_status set_out(struct pctx *c, int ni, int dtype, const struct ir_quant *q)
{
	struct ir_graph *g = c->g;
	struct ir_value *o = &g->val[g->node[ni].out[0]];

	o->dtype = dtype;
	if (dtype == IR_DT_INT8 || !(o->flags & IR_VAL_QPRESET)) {
		/* (an fp32 value keeps the model's quantization for int8 readers) */
		memset(&o->q, 0, sizeof(o->q));
		o->q.axis = -1;
	}
	if (q) {
		o->q.scale = q->scale;
		o->q.zero_point = q->zero_point;
	}
	if ((o->flags & IR_VAL_OUTPUT) && dtype != IR_DT_FLOAT)
		return output_edge(c, ni);
	return ACCEL_OK;
}

static accel_status node_prec(struct pctx *c, int ni, int want)
{
	struct ir_graph *g = c->g;
	struct ir_node *n = &g->node[ni];
	const char *why;
	struct ir_quant oq, mid;
	accel_status st;
	int dt, v, w;
	uint32_t j;

	if (op_get(n->kind)->cls == OPC_VIEW) {
		const struct ir_value *x = ir_in(g, n, 0);
		struct ir_quant xq = x->q;

		n->precision = x->dtype == IR_DT_INT8 ? IR_PREC_INT8 :
			       x->dtype == IR_DT_FLOAT16 ? IR_PREC_FP16 : IR_PREC_FP32;
		return set_out(c, ni, x->dtype, &xq);
	}
	if (!prec_selectable(g, n))
		return ACCEL_OK;
	if (n->epi.act && want != IR_PREC_FP32 && lut_act(n->epi.act) && !c->req->act_lut) {
		st = unfuse(c, ni);
		if (st)
			return st;
		n = &g->node[ni];
	}
	why = refusal(g, n, want, c->req->act_lut);
	if (!why && want == IR_PREC_INT8 && n->epi.act &&
	    (is_elt(n->kind) && n->epi.act != ACCEL_ACT_RELU && n->epi.act != ACCEL_ACT_CLIP))
		why = "int8: element-wise with a table activation";
	if (why) {
		snprintf(n->detail + strlen(n->detail), sizeof(n->detail) - strlen(n->detail),
			 "%s%s", n->detail[0] ? "; " : "", why);
		want = IR_PREC_FP32;
	}
	n->precision = want;
	dt = dtype_of(want);
	/* the output's quantization */
	memset(&oq, 0, sizeof(oq));
	if (want == IR_PREC_INT8 && !keeps_quant(n->kind) && n->kind != OP_CONVERT) {
		st = range_quant(c, n->out[0], &oq);
		if (st)
			return st;
	}
	/* activation inputs */
	for (j = 0; j < n->n_in; j++) {
		v = n->in[j];
		if (v < 0 || (g->val[v].flags & IR_VAL_CONST))
			continue;
		if (j > 0 && (n->kind == OP_PAD || n->kind == OP_RESHAPE || n->kind == OP_CLIP ||
			      n->kind == OP_REDUCE_MEAN || n->kind == OP_REDUCE_MAX))
			continue;
		st = as_type(c, v, dt, want == IR_PREC_INT8 && n->kind == OP_CONCAT ? &oq : NULL,
			     &w);
		if (st)
			return st;
		n = &g->node[ni];
		n->in[j] = w;
	}
	if (n->epi.residual >= 0) {
		st = as_type(c, n->epi.residual, dt, NULL, &w);
		if (st)
			return st;
		n = &g->node[ni];
		n->epi.residual = w;
	}
	if (want == IR_PREC_INT8 && keeps_quant(n->kind))
		oq = g->val[n->in[0]].q;
	/* constant operands */
	if (want == IR_PREC_FP16 && (is_mac(n->kind) || is_elt(n->kind))) {
		for (j = 0; j < n->n_in && j < 3; j++) {
			v = n->in[j];
			if (v < 0 || !(g->val[v].flags & IR_VAL_CONST) || g->val[v].dtype != IR_DT_FLOAT)
				continue;
			/* conv/gemm bias stays float32; gemm C [M,N] is a residual */
			if (j == 2 && (n->kind == OP_CONV || (n->kind == OP_GEMM &&
			    ir_numel(&g->val[v]) == g->val[n->out[0]].dim[1] &&
			    g->val[n->out[0]].dim[1] > 1)))
				continue;
			w = const_fp16(g, v);
			if (w < 0)
				return ACCEL_ERR_NO_MEMORY;
			n = &g->node[ni];
			n->in[j] = w;
		}
	}
	if (want == IR_PREC_INT8 && is_elt(n->kind)) {
		for (j = 0; j < 2; j++) {
			v = n->in[j];
			if (!(g->val[v].flags & IR_VAL_CONST))
				continue;
			w = const_int8(g, v);
			if (w < 0)
				return ACCEL_ERR_MODEL;	/* message recorded */
			n = &g->node[ni];
			n->in[j] = w;
		}
	}
	if (want == IR_PREC_INT8 && is_mac(n->kind)) {
		const struct ir_value *wv = ir_in(g, n, 1);
		int64_t rows, per;
		bool kn = false;

		if (n->kind == OP_CONV) {
			rows = wv->dim[0];
			per = ir_numel(wv) / (rows ? rows : 1);
		} else {
			bool tb = n->kind == OP_GEMM && ir_attr_int(n, "transB", 0);

			rows = tb ? wv->dim[0] : wv->dim[1];
			per = tb ? wv->dim[1] : wv->dim[0];
			kn = !tb;
		}
		w = weights_int8(g, n->in[1], rows, per, kn);
		if (w < 0)
			return ACCEL_ERR_MODEL;	/* message recorded */
		n = &g->node[ni];
		n->in[1] = w;
		mid = oq;
		if (n->epi.act && n->epi.act != ACCEL_ACT_RELU && n->epi.act != ACCEL_ACT_CLIP) {
			if (n->epi.pre < 0)
				return ir_node_fail(g, n, "int8: fused activation without its input");
			st = range_quant(c, n->epi.pre, &mid);
			if (st)
				return st;
			/* the epilogue's (pre_scale, pre_zero_point): the lowering
			 * reads them from the (unmaterialised) pre-activation value */
			g->val[n->epi.pre].q = mid;
			g->val[n->epi.pre].dtype = IR_DT_INT8;
		}
		st = mac_int8_consts(c, ni, w, mid.scale);
		if (st)
			return st;
	}
	return set_out(c, ni, dt, want == IR_PREC_INT8 ? &oq : NULL);
}

/* The model's own quantization reaches value v (a pre-quantized model):
 * v's, or its input's through views and ops that keep it (pooling, moves). */
static bool given_q(const struct ir_graph *g, int v)
{
	while (v >= 0) {
		const struct ir_value *x = &g->val[v];
		const struct ir_node *p;

		if (x->flags & IR_VAL_QPRESET)
			return x->q.axis < 0;
		p = x->producer >= 0 ? &g->node[x->producer] : NULL;
		if (!p || !(op_get(p->kind)->cls == OPC_VIEW || keeps_quant(p->kind)))
			return false;
		v = p->in[0];
	}
	return false;
}

const char *prec_given(const struct ir_graph *g, const struct ir_node *n)
{
	uint32_t j;

	if (keeps_quant(n->kind))
		return given_q(g, n->in[0]) ? NULL : "input not quantized in the model: fp32";
	for (j = 0; j < n->n_in; j++) {
		int v = n->in[j];

		if (v < 0 || (g->val[v].flags & IR_VAL_CONST))
			continue;
		if (j > 0 && (n->kind == OP_PAD || n->kind == OP_RESHAPE || n->kind == OP_CLIP ||
			      n->kind == OP_REDUCE_MEAN || n->kind == OP_REDUCE_MAX))
			continue;
		if (!given_q(g, v))
			return "an input is not quantized in the model: fp32";
	}
	if (n->epi.residual >= 0 && !given_q(g, n->epi.residual))
		return "the residual is not quantized in the model: fp32";
	if (n->epi.act && lut_act(n->epi.act) && !given_q(g, n->epi.pre))
		return "the activation's input is not quantized in the model: fp32";
	return given_q(g, n->out[0]) ? NULL : "output not quantized in the model: fp32";
}

static float span(const struct calib *c, const struct ir_value *v)
{
	const struct calib_range *r = calib_find(c, v->name);

	return r ? r->max - r->min : 0.0f;
}

/* The span int8 covers: the range widened to contain 0 (accel_quant_range). */
static float qspan(const struct calib *c, const struct ir_value *v)
{
	const struct calib_range *r = calib_find(c, v->name);

	return r ? (r->max > 0 ? r->max : 0) - (r->min < 0 ? r->min : 0) : 0.0f;
}

/* Demote node i to fp32, and its producers that only move or combine
 * int8 values (pooling, element-wise, moves, views) up to the first
 * conv/gemm: their rounding would reach the demoted node unchanged. */
static void demote(const struct ir_graph *g, uint32_t i, uint8_t *fp32, const char *why,
		   struct pass_log *log)
{
	const struct ir_node *n = &g->node[i];
	uint32_t j;

	if (fp32[i])
		return;
	fp32[i] = 1;
	pass_note(log, "precision: '%s' kept in fp32 (%s)", n->name, why);
	for (j = 0; j < n->n_in; j++) {
		int p = n->in[j] >= 0 ? g->val[n->in[j]].producer : -1;

		if (p >= 0 && !is_mac(g->node[p].kind) && g->node[p].kind != OP_CONVERT)
			demote(g, (uint32_t)p, fp32, "feeds a node kept in fp32", log);
	}
}

/*
 * Cancellation: an int8 add/sub whose result spans less than 1/32 of what
 * its operands' quantizations cover (their ranges widened to 0) would be mostly rounding noise (each operand is
 * rounded to 1/255 of its range), so it is computed in fp32 together with
 * the cheap int8 ops feeding it.
 */
static void find_cancellation(const struct ir_graph *g, const struct calib *c, uint8_t *fp32,
			      struct pass_log *log)
{
	uint32_t i, j;

	for (i = 0; c && i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];
		float in = 0, out;

		if (n->kind != OP_ADD && n->kind != OP_SUB)
			continue;
		for (j = 0; j < 2; j++) {
			float s = qspan(c, &g->val[n->in[j]]);

			in = s > in ? s : in;
		}
		out = span(c, &g->val[n->out[0]]);
		if (in > 0 && out * 32.0f < in)
			demote(g, i, fp32, "cancellation: result range < 1/32 of the operands'",
			       log);
	}
}

accel_status prec_rewrite(struct ir_graph *g, const struct prec_request *req,
			  struct pass_log *log)
{
	struct pctx c = { g, req, log };
	uint32_t i, n0 = g->n_node, counts[3] = { 0 };
	uint8_t *fp32 = calloc(n0 + 1, 1);
	accel_status st;

	if (!fp32)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	find_cancellation(g, req->calib, fp32, log);
	for (i = 0; i < n0; i++) {
		int want = req->prec && i < req->n_prec ? req->prec[i] : req->def;

		if (g->node[i].dead)
			continue;
		if (fp32[i] && want == IR_PREC_INT8) {
			want = IR_PREC_FP32;
			snprintf(g->node[i].detail, sizeof(g->node[i].detail),
				 "int8 would cancel: kept in fp32");
		}
		st = node_prec(&c, (int)i, want);
		if (st) {
			free(fp32);
			return st;
		}
	}
	free(fp32);
	/* nodes the pass added (unfused activations) are fp32 */
	for (i = n0; i < g->n_node; i++) {
		if (g->node[i].kind == OP_CONVERT || g->node[i].dead)
			continue;
		st = node_prec(&c, (int)i, IR_PREC_FP32);
		if (st)
			return st;
	}
	for (i = 0; i < g->n_node; i++)
		if (prec_selectable(g, &g->node[i]))
			counts[g->node[i].precision]++;
	pass_note(log, "precision: %u fp32, %u fp16, %u int8 node(s)", counts[0], counts[1],
		  counts[2]);
	return ir_compact(g);
}
