// SPDX-License-Identifier: MIT
/*
 * Lowering of IR nodes to SNPU commands with the libaccel encoder. ONNX
 * tensors of any rank become the device's 4-axis views: axes that are
 * contiguous in every operand are merged, dims of 1 broadcast, and a view
 * whose axes cannot be merged to four is refused with the node's name.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../internal.h"
#include "accel/quant.h"
#include "lower.h"
#include "ops.h"
#include "shape.h"
#include "snpu_layout.h"
#include "snpu_quant.h"

/* Up to 4 operands over one iteration space (the output's dims). */
struct iter {
	uint32_t rank, nt;
	int64_t dim[IR_MAX_RANK];		/* iteration dims */
	int64_t d[4][IR_MAX_RANK];		/* operand dims (1 = broadcast) */
	int64_t st[4][IR_MAX_RANK];		/* operand strides, elements */
};

static accel_ref ref_of(const struct lower_env *e, int v, uint64_t extra)
{
	const struct plan_loc *l = &e->p->loc[v];

	if (l->space == PLAN_ARENA && e->arena_sram)
		return accel_ref_sram(l->offset + extra);
	if (l->space == PLAN_ARENA && e->sram_off && e->sram_off[v] != PLAN_SRAM_NONE)
		return accel_ref_sram(e->sram_off[v] + extra);
	return accel_ref_buffer(l->space == PLAN_WEIGHTS ? e->weights : e->arena, l->offset + extra);
}

/* t with the dtype and quantization of value v (prec.h). */
static accel_tensor typed(const struct lower_env *e, int v, accel_tensor t)
{
	const struct ir_value *x = &e->g->val[v];

	t.dtype = x->dtype == IR_DT_INT8 ? ACCEL_DT_INT8 : x->dtype == IR_DT_FLOAT16 ?
		  ACCEL_DT_FP16 : x->dtype == IR_DT_INT32 ? ACCEL_DT_INT32 : ACCEL_DT_FP32;
	t.scale = t.dtype == ACCEL_DT_INT8 ? x->q.scale : 0.0f;
	t.zero_point = t.dtype == ACCEL_DT_INT8 ? x->q.zero_point : 0;
	return t;
}

static uint32_t elem_size(const struct lower_env *e, int v)
{
	return (uint32_t)ir_dtype_size(e->g->val[v].dtype);
}

static void packed_strides(uint32_t rank, const int64_t *dim, int64_t *st)
{
	int64_t s = 1;
	uint32_t i;

	for (i = rank; i-- > 0;) {
		st[i] = s;
		s *= dim[i];
	}
}

/* Element strides of value x in the layout pass_layout.c chose: packed
 * row-major, or channels innermost for an IR_VAL_NHWC (N,C,H,W) value. */
static void value_strides(const struct ir_value *x, int64_t *st)
{
	packed_strides(x->rank, x->dim, st);
	if (x->rank == 4 && (x->flags & IR_VAL_NHWC)) {
		st[1] = 1;
		st[3] = x->dim[1];
		st[2] = x->dim[3] * x->dim[1];
		st[0] = x->dim[2] * st[2];
	}
}

static bool same_layout(const struct ir_value *a, const struct ir_value *b)
{
	return !((a->flags ^ b->flags) & IR_VAL_NHWC);
}

/* Operand k of it: value v, right-aligned against the iteration rank. */
static void iter_operand(struct iter *it, uint32_t k, const struct ir_value *v)
{
	int64_t st[IR_MAX_RANK];
	uint32_t i, off = it->rank - v->rank;

	value_strides(v, st);
	for (i = 0; i < it->rank; i++) {
		it->d[k][i] = i < off ? 1 : v->dim[i - off];
		it->st[k][i] = i < off ? 0 : st[i - off];
	}
	if (k >= it->nt)
		it->nt = k + 1;
}

/* Merge axes until at most 4 remain; false if impossible. */
static bool iter_collapse(struct iter *it)
{
	uint32_t i, j, k;

	/* drop iteration axes of dim 1 */
	for (i = 0; i < it->rank;) {
		if (it->dim[i] != 1 || it->rank == 1) {
			i++;
			continue;
		}
		for (j = i; j + 1 < it->rank; j++) {
			it->dim[j] = it->dim[j + 1];
			for (k = 0; k < it->nt; k++) {
				it->d[k][j] = it->d[k][j + 1];
				it->st[k][j] = it->st[k][j + 1];
			}
		}
		it->rank--;
	}
	for (i = 0; i + 1 < it->rank;) {
		bool ok = true;

		for (k = 0; k < it->nt && ok; k++) {
			bool b0 = it->d[k][i] == 1 && it->dim[i] != 1;
			bool b1 = it->d[k][i + 1] == 1 && it->dim[i + 1] != 1;

			if (b0 != b1)
				ok = false;
			else if (!b0 && it->st[k][i] != it->st[k][i + 1] * it->d[k][i + 1])
				ok = false;
		}
		if (!ok) {
			i++;
			continue;
		}
		it->dim[i] *= it->dim[i + 1];
		for (k = 0; k < it->nt; k++) {
			it->d[k][i] *= it->d[k][i + 1];
			it->st[k][i] = it->st[k][i + 1];
		}
		for (j = i + 1; j + 1 < it->rank; j++) {
			it->dim[j] = it->dim[j + 1];
			for (k = 0; k < it->nt; k++) {
				it->d[k][j] = it->d[k][j + 1];
				it->st[k][j] = it->st[k][j + 1];
			}
		}
		it->rank--;
	}
	if (it->rank > 4)
		return false;
	for (i = 0; i < it->rank; i++)
		if (it->dim[i] > UINT32_MAX)
			return false;
	return true;
}

/* Operand k as a 4-axis tensor at ref r. */
static accel_tensor iter_tensor(const struct iter *it, uint32_t k, accel_ref r)
{
	accel_tensor t;
	uint32_t i, pad = 4 - it->rank;
	int64_t outer = 1;

	memset(&t, 0, sizeof(t));
	t.mem = r;
	t.dtype = ACCEL_DT_FP32;
	for (i = 0; i < it->rank; i++) {
		int64_t s = it->d[k][i] == 1 ? 0 : it->st[k][i];

		t.dim[pad + i] = (uint32_t)it->d[k][i];
		t.stride[pad + i] = (uint32_t)s;
		outer = it->st[k][i] * it->d[k][i] > outer ? it->st[k][i] * it->d[k][i] : outer;
	}
	for (i = 0; i < pad; i++) {
		t.dim[i] = 1;
		t.stride[i] = (uint32_t)outer;
	}
	if (!t.stride[3] && t.dim[3] == 1)
		t.stride[3] = 1;
	for (i = 0; i < 4; i++)
		if (!t.stride[i])	/* a dim-1 axis: any stride; keep it non-zero */
			t.stride[i] = (uint32_t)outer;
	return t;
}

/* A packed value as (N,C,H,W) with leading 1s (rank <= 4). */
static accel_tensor nchw(const struct lower_env *e, int v)
{
	const struct ir_value *x = &e->g->val[v];
	accel_tensor t;
	uint32_t i, pad = 4 - x->rank;

	memset(&t, 0, sizeof(t));
	t.mem = ref_of(e, v, 0);
	t.dtype = ACCEL_DT_FP32;
	for (i = 0; i < 4; i++)
		t.dim[i] = i < pad ? 1 : (uint32_t)x->dim[i - pad];
	if (x->flags & IR_VAL_NHWC) {	/* rank 4 (pass_layout.c) */
		int64_t st[4];

		value_strides(x, st);
		for (i = 0; i < 4; i++)
			t.stride[i] = (uint32_t)st[i];
	}
	return typed(e, v, t);
}

/* (N, C, 1, L) for a 1-D window op, (N, C, H, W) for 2-D. */
static accel_tensor window_tensor(const struct lower_env *e, int v)
{
	accel_tensor t = nchw(e, v);
	const struct ir_value *x = &e->g->val[v];

	if (x->rank == 3) {
		t.dim[0] = (uint32_t)x->dim[0];
		t.dim[1] = (uint32_t)x->dim[1];
		t.dim[2] = 1;
		t.dim[3] = (uint32_t)x->dim[2];
	}
	return t;
}

static accel_act act_of(const struct ir_epilogue *epi)
{
	accel_act a;

	memset(&a, 0, sizeof(a));
	a.fn = (accel_act_fn)epi->act;
	a.alpha = epi->alpha;
	a.min = epi->min;
	a.max = epi->max;
	return a;
}

static accel_status node_status(const struct lower_env *e, const struct ir_node *n,
				accel_status st)
{
	char why[400];

	if (!st || st == ACCEL_ERR_MODEL)
		return st;
	snprintf(why, sizeof(why), "%s", accel_last_error());
	return accel__fail(st, "%s: node '%s' (%s): %s", e->g->source, n->name, n->op, why);
}

/* Residual of the fused epilogue (output shape). */
static void residual_of(const struct lower_env *e, const struct ir_node *n, accel_epilogue *epi,
			accel_tensor shape)
{
	if (n->epi.residual < 0)
		return;
	epi->flags |= ACCEL_EPI_RESIDUAL;
	epi->residual = typed(e, n->epi.residual, shape);
	epi->residual.mem = ref_of(e, n->epi.residual, 0);
	if (!same_layout(&e->g->val[n->epi.residual], &e->g->val[n->out[0]]))
		memcpy(epi->residual.stride, nchw(e, n->epi.residual).stride,
		       sizeof(epi->residual.stride));	/* a conv's, rank 4 (pass_layout.c) */
}

/* The int8 part of a conv/gemm epilogue (pass_prec.c made in[3] the
 * per-channel requantization table and in[2] the int32 bias). */
static accel_status int8_epilogue(const struct lower_env *e, const struct ir_node *n,
				  accel_epilogue *epi, const accel_tensor *out)
{
	const struct ir_graph *g = e->g;
	float s_mid = out->scale;

	if (out->dtype != ACCEL_DT_INT8)
		return ACCEL_OK;
	if (n->n_in < 4 || n->in[3] < 0)
		return ir_node_fail(g, n, "int8 without a requantization table");
	epi->flags |= ACCEL_EPI_PER_CHANNEL;
	epi->requant = ref_of(e, n->in[3], 0);
	if (n->epi.act && n->epi.act != ACCEL_ACT_RELU && n->epi.act != ACCEL_ACT_CLIP) {
		const struct ir_value *pre = n->epi.pre >= 0 ? &g->val[n->epi.pre] : NULL;

		if (!pre || pre->dtype != IR_DT_INT8)
			return ir_node_fail(g, n, "int8 table activation without its quantization");
		epi->pre_scale = pre->q.scale;
		epi->pre_zero_point = pre->q.zero_point;
		s_mid = pre->q.scale;
	}
	if (epi->flags & ACCEL_EPI_RESIDUAL) {
		accel_status st = accel_quant_residual(epi->residual.scale, s_mid, &epi->res_mult,
						       &epi->res_shift);

		if (st)
			return ir_node_fail(g, n, "int8 residual: %s", accel_last_error());
	}
	return ACCEL_OK;
}

/* The fused epilogue of a conv/gemm/matmul on top of its bias: residual,
 * activation, then the int8 part (out: the output tensor). */
static accel_status fused_epilogue(const struct lower_env *e, const struct ir_node *n,
				   accel_epilogue *epi, const accel_tensor *out)
{
	residual_of(e, n, epi, *out);
	epi->act = act_of(&n->epi);
	return int8_epilogue(e, n, epi, out);
}

accel_status lower_conv_cmd(const struct lower_env *e, const struct ir_node *n, accel_conv2d *out)
{
	struct win2d w;
	accel_conv2d c;
	accel_status st;

	st = shape_window((struct ir_graph *)e->g, n, &w);
	if (st)
		return st;
	c = (accel_conv2d)ACCEL_CONV2D_INIT;
	c.input = window_tensor(e, n->in[0]);
	c.weight = window_tensor(e, n->in[1]);
	c.output = window_tensor(e, n->out[0]);
	c.stride_h = (uint16_t)w.s[0];
	c.stride_w = (uint16_t)w.s[1];
	c.dilation_h = (uint16_t)w.d[0];
	c.dilation_w = (uint16_t)w.d[1];
	c.pad_top = (uint16_t)w.pb[0];
	c.pad_left = (uint16_t)w.pb[1];
	c.pad_bottom = (uint16_t)w.pe[0];
	c.pad_right = (uint16_t)w.pe[1];
	c.groups = (uint32_t)w.groups;
	if (n->n_in > 2 && n->in[2] >= 0) {
		c.epi.flags |= ACCEL_EPI_BIAS;
		c.epi.bias = ref_of(e, n->in[2], 0);
	}
	st = fused_epilogue(e, n, &c.epi, &c.output);
	if (!st)
		*out = c;
	return st;
}

static accel_status lower_conv(const struct lower_env *e, const struct ir_node *n,
			       accel_cmdbuf *cb)
{
	accel_conv2d c;
	accel_status st = lower_conv_cmd(e, n, &c);

	return st ? st : lower_emit_conv2d(e, cb, &c);
}

static accel_status lower_gemm(const struct lower_env *e, const struct ir_node *n,
			       accel_cmdbuf *cb)
{
	const struct ir_graph *g = e->g;
	const struct ir_value *a = &g->val[n->in[0]];
	const struct ir_value *o = &g->val[n->out[0]];
	const struct ir_value *cv = n->n_in > 2 && n->in[2] >= 0 ? &g->val[n->in[2]] : NULL;
	bool ta = ir_attr_int(n, "transA", 0), tb = ir_attr_int(n, "transB", 0);
	uint32_t m = (uint32_t)o->dim[0], nn = (uint32_t)o->dim[1];
	uint32_t k = (uint32_t)(ta ? a->dim[0] : a->dim[1]);
	accel_gemm p;

	if (ir_attr_float(n, "alpha", 1.0f) != 1.0f || (cv && ir_attr_float(n, "beta", 1.0f) != 1.0f))
		return ir_node_fail(g, n, "alpha/beta other than 1 with non-constant operands");
	p = (accel_gemm)ACCEL_GEMM_INIT;
	p.a.mem = ref_of(e, n->in[0], 0);
	p.a.dtype = ACCEL_DT_FP32;
	p.a.dim[0] = p.a.dim[1] = 1;
	p.a.dim[2] = m;
	p.a.dim[3] = k;
	p.a.stride[0] = p.a.stride[1] = m * k;
	p.a.stride[2] = ta ? 1 : k;
	p.a.stride[3] = ta ? m : 1;
	p.b.mem = ref_of(e, n->in[1], 0);
	p.b.dtype = ACCEL_DT_FP32;
	p.b.dim[0] = p.b.dim[1] = 1;
	p.b.dim[2] = k;
	p.b.dim[3] = nn;
	p.b.stride[0] = p.b.stride[1] = k * nn;
	p.b.stride[2] = tb ? 1 : nn;
	p.b.stride[3] = tb ? k : 1;
	p.a = typed(e, n->in[0], p.a);
	p.b = typed(e, n->in[1], p.b);
	p.c = nchw(e, n->out[0]);
	if (cv) {
		if (ir_numel(cv) == nn && (cv->rank == 1 || cv->dim[cv->rank - 1] == nn) && nn > 1) {
			p.epi.flags |= ACCEL_EPI_BIAS;
			p.epi.bias = ref_of(e, n->in[2], 0);
		} else if (ir_numel(cv) == (int64_t)m * nn) {
			p.epi.flags |= ACCEL_EPI_RESIDUAL;
			p.epi.residual = typed(e, n->in[2], p.c);
			p.epi.residual.mem = ref_of(e, n->in[2], 0);
		} else {
			return ir_node_fail(g, n, "C of %lld elements: only [N] or [M,N] are supported",
					    (long long)ir_numel(cv));
		}
	}
	if (n->epi.residual >= 0 && (p.epi.flags & ACCEL_EPI_RESIDUAL))
		return ir_node_fail(g, n, "two residuals");
	{
		accel_status st = fused_epilogue(e, n, &p.epi, &p.c);

		if (st)
			return st;
	}
	return lower_emit_gemm(e, cb, &p);
}

/* MatMul: batch dims broadcast onto (B0, B1); 1-D operands promoted. */
static accel_status lower_matmul(const struct lower_env *e, const struct ir_node *n,
				 accel_cmdbuf *cb)
{
	const struct ir_graph *g = e->g;
	const struct ir_value *a = &g->val[n->in[0]], *b = &g->val[n->in[1]];
	const struct ir_value *o = &g->val[n->out[0]];
	int64_t m = a->rank == 1 ? 1 : a->dim[a->rank - 2], k = a->dim[a->rank - 1];
	int64_t nn = b->rank == 1 ? 1 : b->dim[b->rank - 1];
	uint32_t ob = o->rank - (a->rank > 1) - (b->rank > 1), i;
	struct iter it;
	accel_gemm p;

	/* iterate the output's batch dims with three operands: out, a, b */
	memset(&it, 0, sizeof(it));
	it.rank = ob;
	it.nt = 3;
	for (i = 0; i < ob; i++) {
		uint32_t ia = ob - i, ib = ob - i;	/* distance from the end of the batch */

		it.dim[i] = o->dim[i];
		it.d[0][i] = o->dim[i];
		it.st[0][i] = m * nn;
		it.d[1][i] = (int64_t)ia <= (int64_t)a->rank - 2 ? a->dim[a->rank - 2 - ia] : 1;
		it.d[2][i] = (int64_t)ib <= (int64_t)b->rank - 2 ? b->dim[b->rank - 2 - ib] : 1;
	}
	/* packed strides of the batch axes */
	{
		int64_t sa = m * k, sb = k * nn, so = m * nn;

		for (i = ob; i-- > 0;) {
			it.st[0][i] = so;
			it.st[1][i] = sa;
			it.st[2][i] = sb;
			so *= it.d[0][i];
			sa *= it.d[1][i];
			sb *= it.d[2][i];
		}
	}
	if (!iter_collapse(&it) || it.rank > 2)
		return ir_node_fail(g, n, "batch dims cannot be merged into two");
	p = (accel_gemm)ACCEL_GEMM_INIT;
	for (i = 0; i < 3; i++) {
		accel_tensor *t = i == 0 ? &p.c : i == 1 ? &p.a : &p.b;
		int64_t rows = i == 0 ? m : i == 1 ? m : k, cols = i == 0 ? nn : i == 1 ? k : nn;
		uint32_t j, pad = 2 - it.rank;

		memset(t, 0, sizeof(*t));
		t->mem = ref_of(e, i == 0 ? n->out[0] : n->in[i - 1], 0);
		t->dtype = ACCEL_DT_FP32;
		for (j = 0; j < 2; j++) {
			t->dim[j] = j < pad ? 1 : (uint32_t)it.d[i][j - pad];
			t->stride[j] = j < pad ? (uint32_t)(rows * cols) :
				       it.d[i][j - pad] == 1 && it.dim[j - pad] != 1 ? 0 :
				       (uint32_t)it.st[i][j - pad];
		}
		t->dim[2] = (uint32_t)rows;
		t->dim[3] = (uint32_t)cols;
		t->stride[2] = (uint32_t)cols;
		t->stride[3] = 1;
		*t = typed(e, i == 0 ? n->out[0] : n->in[i - 1], *t);
		if (i == 0)
			for (j = 0; j < 2; j++)
				if (!t->stride[j])
					t->stride[j] = (uint32_t)(rows * cols);
	}
	/* a broadcast batch axis of an input: dim = output's, stride 0 */
	for (i = 0; i < 2; i++) {
		if (p.a.dim[i] == 1 && p.c.dim[i] != 1) {
			p.a.dim[i] = p.c.dim[i];
			p.a.stride[i] = 0;
		}
		if (p.b.dim[i] == 1 && p.c.dim[i] != 1) {
			p.b.dim[i] = p.c.dim[i];
			p.b.stride[i] = 0;
		}
	}
	{
		accel_status st = fused_epilogue(e, n, &p.epi, &p.c);

		if (st)
			return st;
	}
	return lower_emit_gemm(e, cb, &p);
}

static accel_status lower_eltwise(const struct lower_env *e, const struct ir_node *n,
				  accel_cmdbuf *cb)
{
	static const accel_eltwise_op ops[] = {
		[OP_ADD] = ACCEL_ELT_ADD, [OP_SUB] = ACCEL_ELT_SUB, [OP_MUL] = ACCEL_ELT_MUL,
		[OP_DIV] = ACCEL_ELT_DIV, [OP_MAX] = ACCEL_ELT_MAX, [OP_MIN] = ACCEL_ELT_MIN,
	};
	const struct ir_graph *g = e->g;
	const struct ir_value *o = &g->val[n->out[0]];
	struct iter it;
	accel_eltwise p;

	memset(&it, 0, sizeof(it));
	it.rank = o->rank;
	memcpy(it.dim, o->dim, sizeof(it.dim));
	iter_operand(&it, 0, o);
	iter_operand(&it, 1, &g->val[n->in[0]]);
	iter_operand(&it, 2, &g->val[n->in[1]]);
	if (!o->rank) {
		it.rank = 1;
		it.dim[0] = 1;
		it.d[0][0] = it.d[1][0] = it.d[2][0] = 1;
		it.st[0][0] = it.st[1][0] = it.st[2][0] = 1;
	}
	if (!iter_collapse(&it))
		return ir_node_fail(g, n, "broadcast needs more than 4 axes");
	p = (accel_eltwise)ACCEL_ELTWISE_INIT;
	p.out = typed(e, n->out[0], iter_tensor(&it, 0, ref_of(e, n->out[0], 0)));
	p.a = typed(e, n->in[0], iter_tensor(&it, 1, ref_of(e, n->in[0], 0)));
	p.b = typed(e, n->in[1], iter_tensor(&it, 2, ref_of(e, n->in[1], 0)));
	p.op = ops[n->kind];
	p.act = act_of(&n->epi);
	if (p.out.dtype == ACCEL_DT_INT8 && accel_quant_eltwise(&p))
		return ir_node_fail(g, n, "int8 element-wise: %s", accel_last_error());
	return accel_cmd_eltwise(cb, &p);
}

/* Packed value as its collapsed (<= 4 axes) self. */
static accel_tensor flat_tensor(const struct lower_env *e, int v, const struct ir_value *x)
{
	struct iter it;

	memset(&it, 0, sizeof(it));
	it.rank = 1;
	it.dim[0] = ir_numel(x);
	it.d[0][0] = it.dim[0];
	it.st[0][0] = 1;
	it.nt = 1;
	return typed(e, v, iter_tensor(&it, 0, ref_of(e, v, 0)));
}

/* in -> out of one shape: both flat in one layout, else each with its own
 * strides (a layout conversion in the same command). */
static accel_status unary_tensors(const struct lower_env *e, const struct ir_node *n,
				  accel_tensor *in, accel_tensor *out)
{
	const struct ir_value *x = &e->g->val[n->in[0]], *o = &e->g->val[n->out[0]];
	struct iter it;

	if (same_layout(x, o) || x->rank != o->rank) {
		*in = flat_tensor(e, n->in[0], o);
		*out = flat_tensor(e, n->out[0], o);
		return ACCEL_OK;
	}
	memset(&it, 0, sizeof(it));
	it.rank = o->rank;
	memcpy(it.dim, o->dim, sizeof(it.dim));
	iter_operand(&it, 0, o);
	iter_operand(&it, 1, x);
	if (!iter_collapse(&it))
		return ir_node_fail(e->g, n, "layout conversion needs more than 4 axes");
	*out = typed(e, n->out[0], iter_tensor(&it, 0, ref_of(e, n->out[0], 0)));
	*in = typed(e, n->in[0], iter_tensor(&it, 1, ref_of(e, n->in[0], 0)));
	return ACCEL_OK;
}

static accel_status lower_act(const struct lower_env *e, const struct ir_node *n, accel_cmdbuf *cb)
{
	accel_tensor in, out;
	struct ir_epilogue epi;
	accel_status st = op_activation(e->g, n, &epi);
	accel_act a;

	if (!st)
		st = unary_tensors(e, n, &in, &out);
	if (st)
		return st;
	a = act_of(&epi);
	return accel_cmd_activation(cb, &in, &out, &a);
}

static accel_status lower_softmax(const struct lower_env *e, const struct ir_node *n,
				  accel_cmdbuf *cb)
{
	const struct ir_value *x = &e->g->val[n->in[0]];
	int64_t outer = 1, len = 1, inner = 1;
	accel_tensor in, out;
	uint32_t ax, i, axis;
	accel_status st;
	bool coerced;

	st = shape_softmax_axis((struct ir_graph *)e->g, n, &ax, &coerced);
	if (st)
		return st;
	for (i = 0; i < x->rank; i++) {
		if (i < ax)
			outer *= x->dim[i];
		else if (i == ax || coerced)
			len *= x->dim[i];
		else
			inner *= x->dim[i];
	}
	if (outer > UINT32_MAX || len > UINT32_MAX || inner > UINT32_MAX)
		return ir_node_fail(e->g, n, "tensor too large");
	in = nchw(e, n->in[0]);
	in.dim[0] = 1;
	in.dim[1] = (uint32_t)outer;
	in.dim[2] = (uint32_t)len;
	in.dim[3] = (uint32_t)inner;
	out = typed(e, n->out[0], in);	/* int8: the output's own quantization */
	out.mem = ref_of(e, n->out[0], 0);
	axis = 2;
	return accel_cmd_softmax(cb, &in, &out, axis, 1.0f);
}

accel_status lower_pool_cmd(const struct lower_env *e, const struct ir_node *n, accel_pooling *out)
{
	const struct ir_graph *g = e->g;
	accel_pooling p;

	p = (accel_pooling)ACCEL_POOLING_INIT;
	p.input = window_tensor(e, n->in[0]);
	p.output = window_tensor(e, n->out[0]);
	p.mode = n->kind == OP_MAXPOOL || n->kind == OP_GLOBAL_MAXPOOL ? ACCEL_POOL_MAX :
									 ACCEL_POOL_AVG;
	if (n->kind == OP_MAXPOOL || n->kind == OP_AVGPOOL) {
		struct win2d w;
		accel_status st = shape_window((struct ir_graph *)g, n, &w);
		uint32_t i;

		if (st)
			return st;
		if (w.d[0] != 1 || w.d[1] != 1)
			return ir_node_fail(g, n, "dilated pooling is not supported by the device");
		for (i = 0; i < 2; i++) {
			/* ceil_mode: the last window may reach past the end pad */
			int64_t need = (w.out[i] - 1) * w.s[i] + w.k[i] - w.in[i] - w.pb[i];

			if (need > w.pe[i]) {
				if (n->kind == OP_AVGPOOL && w.count_include_pad)
					return ir_node_fail(g, n, "ceil_mode with count_include_pad "
							    "is not supported");
				w.pe[i] = need;
			}
		}
		p.kernel_h = (uint16_t)w.k[0];
		p.kernel_w = (uint16_t)w.k[1];
		p.stride_h = (uint16_t)w.s[0];
		p.stride_w = (uint16_t)w.s[1];
		p.pad_top = (uint16_t)w.pb[0];
		p.pad_left = (uint16_t)w.pb[1];
		p.pad_bottom = (uint16_t)w.pe[0];
		p.pad_right = (uint16_t)w.pe[1];
		if (p.mode == ACCEL_POOL_AVG && w.count_include_pad)
			p.flags |= ACCEL_POOL_COUNT_PAD;
	} else {
		if (p.input.dim[2] > 65535 || p.input.dim[3] > 65535)
			return ir_node_fail(g, n, "window larger than 65535");
		p.kernel_h = (uint16_t)p.input.dim[2];
		p.kernel_w = (uint16_t)p.input.dim[3];
		p.stride_h = p.stride_w = 1;
	}
	*out = p;
	return ACCEL_OK;
}

static accel_status lower_pool(const struct lower_env *e, const struct ir_node *n, accel_cmdbuf *cb)
{
	accel_pooling p;
	accel_status st = lower_pool_cmd(e, n, &p);

	return st ? st : accel_cmd_pool(cb, &p);
}

/* ReduceMean/Max over one contiguous block of axes: a pool over (len, 1). */
static accel_status lower_reduce(const struct lower_env *e, const struct ir_node *n,
				 accel_cmdbuf *cb)
{
	struct ir_graph *g = (struct ir_graph *)e->g;
	const struct ir_value *x = &g->val[n->in[0]];
	int64_t axes[IR_MAX_RANK], outer = 1, len = 1, inner = 1;
	uint32_t cnt, i, j, lo = IR_MAX_RANK, hi = 0;
	accel_pooling p;
	accel_status st;
	bool present;

	st = shape_axes(g, n, 1, x->rank, axes, &cnt, &present);
	if (st)
		return st;
	for (i = 0; i < (cnt ? cnt : x->rank); i++) {
		j = cnt ? (uint32_t)axes[i] : i;
		lo = j < lo ? j : lo;
		hi = j > hi ? j : hi;
	}
	if (cnt && hi - lo + 1 != cnt)
		return ir_node_fail(g, n, "reduced axes must be contiguous");
	for (i = 0; i < x->rank; i++) {
		if (i < lo)
			outer *= x->dim[i];
		else if (i <= hi)
			len *= x->dim[i];
		else
			inner *= x->dim[i];
	}
	if (len > 65535 || outer > UINT32_MAX || inner > UINT32_MAX)
		return ir_node_fail(g, n, "reduction of %lld elements is too long", (long long)len);
	p = (accel_pooling)ACCEL_POOLING_INIT;
	p.input = nchw(e, n->in[0]);
	p.input.dim[0] = 1;
	p.input.dim[1] = (uint32_t)outer;
	p.input.dim[2] = (uint32_t)len;
	p.input.dim[3] = (uint32_t)inner;
	p.output = p.input;
	p.output.mem = ref_of(e, n->out[0], 0);
	p.output.dim[2] = 1;
	p.mode = n->kind == OP_REDUCE_MAX ? ACCEL_POOL_MAX : ACCEL_POOL_AVG;
	p.kernel_h = (uint16_t)len;
	p.kernel_w = 1;
	p.stride_h = p.stride_w = 1;
	return accel_cmd_pool(cb, &p);
}

static accel_status lower_pad(const struct lower_env *e, const struct ir_node *n, accel_cmdbuf *cb)
{
	static const accel_pad_mode modes[] = { ACCEL_PAD_CONSTANT, ACCEL_PAD_EDGE,
						ACCEL_PAD_REFLECT };
	struct ir_graph *g = (struct ir_graph *)e->g;
	const struct ir_value *x = &g->val[n->in[0]];
	int64_t b[IR_MAX_RANK], a[IR_MAX_RANK];
	uint32_t before[4] = { 0 }, bits, i;
	accel_tensor in, out;
	accel_status st;
	float value;
	int mode;

	st = shape_pads(g, n, b, a, &mode, &value);
	if (st)
		return st;
	if (x->rank > 4)
		return ir_node_fail(g, n, "rank %u > 4", x->rank);
	in = nchw(e, n->in[0]);
	out = nchw(e, n->out[0]);
	for (i = 0; i < x->rank; i++)
		before[4 - x->rank + i] = (uint32_t)b[i];
	memcpy(&bits, &value, sizeof(bits));
	if (out.dtype == ACCEL_DT_INT8)
		bits = (uint8_t)snpu_quantize_f32(value, out.scale, out.zero_point);
	else if (out.dtype == ACCEL_DT_FP16)
		bits = snpu_f32_to_f16(value);
	return accel_cmd_pad(cb, &in, &out, before, modes[mode], bits);
}

/* Each input moved into its slice of the output along the axis; every
 * operand with its own layout's strides (an NHWC channel slice is an
 * address offset with the parent's strides, hardware.md 8.3). */
static accel_status lower_concat(const struct lower_env *e, const struct ir_node *n,
				 accel_cmdbuf *cb)
{
	const struct ir_graph *g = e->g;
	const struct ir_value *o = &g->val[n->out[0]];
	int64_t ax = ir_attr_int(n, "axis", 0), off = 0, ost[IR_MAX_RANK];
	uint32_t i, k;

	ax = ax < 0 ? ax + o->rank : ax;
	value_strides(o, ost);
	for (k = 0; k < n->n_in; k++) {
		const struct ir_value *v = &g->val[n->in[k]];
		accel_tensor in, out;
		accel_status st;
		struct iter it;

		if (!v->dim[ax])
			continue;
		memset(&it, 0, sizeof(it));
		it.rank = v->rank;
		memcpy(it.dim, v->dim, sizeof(it.dim));
		iter_operand(&it, 1, v);
		for (i = 0; i < v->rank; i++) {
			it.d[0][i] = v->dim[i];
			it.st[0][i] = ost[i];
		}
		if (!iter_collapse(&it))
			return ir_node_fail(g, n, "input %u needs more than 4 axes", k);
		out = typed(e, n->out[0], iter_tensor(&it, 0, ref_of(e, n->out[0], (uint64_t)off *
				ost[ax] * elem_size(e, n->out[0]))));
		in = typed(e, n->in[k], iter_tensor(&it, 1, ref_of(e, n->in[k], 0)));
		st = accel_cmd_move(cb, &in, &out);
		if (st)
			return st;
		off += v->dim[ax];
	}
	return ACCEL_OK;
}

static accel_status lower_transpose(const struct lower_env *e, const struct ir_node *n,
				    accel_cmdbuf *cb)
{
	const struct ir_graph *g = e->g;
	const struct ir_value *x = &g->val[n->in[0]], *o = &g->val[n->out[0]];
	int64_t xs[IR_MAX_RANK];
	const int64_t *perm;
	struct iter it;
	uint32_t pc, i;
	accel_tensor in, out;

	perm = ir_attr_ints(n, "perm", &pc);
	value_strides(x, xs);
	memset(&it, 0, sizeof(it));
	it.rank = o->rank;
	memcpy(it.dim, o->dim, sizeof(it.dim));
	iter_operand(&it, 0, o);
	it.nt = 2;
	for (i = 0; i < o->rank; i++) {
		it.d[1][i] = o->dim[i];
		it.st[1][i] = xs[perm ? perm[i] : x->rank - 1 - i];
	}
	if (!o->rank)
		return ir_node_fail(g, n, "scalar transpose");
	if (!iter_collapse(&it))
		return ir_node_fail(g, n, "permutation needs more than 4 axes");
	out = typed(e, n->out[0], iter_tensor(&it, 0, ref_of(e, n->out[0], 0)));
	in = typed(e, n->in[0], iter_tensor(&it, 1, ref_of(e, n->in[0], 0)));
	return accel_cmd_move(cb, &in, &out);
}

static accel_status lower_slice(const struct lower_env *e, const struct ir_node *n,
				accel_cmdbuf *cb)
{
	struct ir_graph *g = (struct ir_graph *)e->g;
	const struct ir_value *x = &g->val[n->in[0]], *o = &g->val[n->out[0]];
	int64_t xs[IR_MAX_RANK], start[IR_MAX_RANK], step[IR_MAX_RANK], dim[IR_MAX_RANK], base = 0;
	struct iter it;
	accel_tensor in, out;
	accel_status st;
	uint32_t i;

	st = shape_slice(g, n, dim, start, step);
	if (st)
		return st;
	if (!ir_numel(o))
		return ACCEL_OK;	/* empty slice */
	value_strides(x, xs);
	memset(&it, 0, sizeof(it));
	it.rank = o->rank;
	memcpy(it.dim, o->dim, sizeof(it.dim));
	iter_operand(&it, 0, o);
	it.nt = 2;
	for (i = 0; i < o->rank; i++) {
		if (step[i] < 0)
			return ir_node_fail(g, n, "negative steps are not supported at run time");
		base += start[i] * xs[i];
		it.d[1][i] = o->dim[i];
		it.st[1][i] = xs[i] * step[i];
	}
	if (!iter_collapse(&it))
		return ir_node_fail(g, n, "slice needs more than 4 axes");
	out = iter_tensor(&it, 0, ref_of(e, n->out[0], 0));
	in = iter_tensor(&it, 1, ref_of(e, n->in[0], (uint64_t)base * sizeof(float)));
	return accel_cmd_move(cb, &in, &out);
}

/* A graph output that is a graph input, a constant or another output's
 * storage is copied as is by the output DMA; nothing to lower. */
static accel_status lower_node(const struct lower_env *e, const struct ir_node *n,
			       accel_cmdbuf *cb)
{
	switch (n->kind) {
	case OP_CONV: return lower_conv(e, n, cb);
	case OP_GEMM: return lower_gemm(e, n, cb);
	case OP_MATMUL: return lower_matmul(e, n, cb);
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MAX: case OP_MIN:
		return lower_eltwise(e, n, cb);
	case OP_RELU: case OP_LEAKY_RELU: case OP_CLIP: case OP_SIGMOID: case OP_TANH:
	case OP_HARD_SWISH:
		return lower_act(e, n, cb);
	case OP_SOFTMAX: return lower_softmax(e, n, cb);
	case OP_MAXPOOL: case OP_AVGPOOL: case OP_GLOBAL_AVGPOOL: case OP_GLOBAL_MAXPOOL:
		return lower_pool(e, n, cb);
	case OP_REDUCE_MEAN: case OP_REDUCE_MAX: return lower_reduce(e, n, cb);
	case OP_PAD: return lower_pad(e, n, cb);
	case OP_CONCAT: return lower_concat(e, n, cb);
	case OP_TRANSPOSE: return lower_transpose(e, n, cb);
	case OP_CONVERT: {
		accel_tensor in, out;
		accel_status st = unary_tensors(e, n, &in, &out);

		return st ? st : accel_cmd_convert(cb, &in, &out);
	}
	case OP_SLICE: return lower_slice(e, n, cb);
	case OP_RESHAPE: case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE: case OP_IDENTITY:
	case OP_DROPOUT: case OP_LAYOUT_VIEW:
		return ACCEL_OK;	/* views */
	default:
		return ir_node_fail(e->g, n, "no lowering for this operator");
	}
}

static accel_status copy(accel_cmdbuf *cb, accel_ref dst, accel_ref src, uint64_t n)
{
	/* one DMA command moves < 4 GiB */
	while (n) {
		uint64_t c = n > (1ull << 31) ? (1ull << 31) : n;
		accel_status st = accel_cmd_copy(cb, dst, src, c);

		if (st)
			return st;
		dst.offset += c;
		src.offset += c;
		n -= c;
	}
	return ACCEL_OK;
}

static accel_status io_status(const struct ir_graph *g, const char *what, int v, accel_status st)
{
	char why[400];

	snprintf(why, sizeof(why), "%s", accel_last_error());
	return accel__fail(st, "%s: %s '%s': %s", g->source, what, g->val[v].name, why);
}

accel_status lower_step(const struct lower_env *e, uint32_t s, accel_cmdbuf *cb)
{
	const struct plan_step *step = &e->p->steps[s];
	const struct ir_graph *g = e->g;
	accel_status st;
	uint32_t i;

	if (e->timestamps && e->io_stamps) {	/* profile.h: the step's start */
		accel_ref ts = accel_ref_buffer(e->timestamps, (uint64_t)(s == 0 ? g->n_node :
						step->first - 1) * 16);

		st = accel_cmd_timestamp(cb, ts);
		if (st)
			return st;
	}
	if (s == 0) {
		for (i = 0; i < g->n_inputs; i++) {
			const struct plan_loc *l = &e->p->loc[g->inputs[i]];
			accel_ref src = accel_ref_buffer(e->in[i], e->in_off ? e->in_off[i] : 0);

			if (l->space != PLAN_ARENA)
				continue;	/* unused input */
			st = copy(cb, ref_of(e, g->inputs[i], 0), src,
				  (uint64_t)ir_numel(&g->val[g->inputs[i]]) * sizeof(float));
			if (st)
				return io_status(g, "input", g->inputs[i], st);
		}
	}
	if (s == 0 && e->timestamps && e->io_stamps) {	/* after the input DMA */
		st = accel_cmd_timestamp(cb, accel_ref_buffer(e->timestamps,
							      (uint64_t)(g->n_node + 1) * 16));
		if (st)
			return st;
	}
	for (i = step->first; i < step->first + step->count; i++) {
		const struct ir_node *n = &g->node[i];
		uint32_t used = 0, k;

		st = lower_fused(e, i, step->first + step->count, cb, &used);
		if (!st && !used) {
			st = lower_node(e, n, cb);
			used = 1;
		}
		if (st)
			return node_status(e, n, st);
		for (k = 0; k < used; k++) {	/* a fused pair: both stamps after it */
			n = &g->node[i + k];
			if (e->timestamps && op_get(n->kind)->cls != OPC_VIEW) {
				accel_ref ts = accel_ref_buffer(e->timestamps, (uint64_t)(i + k) * 16);

				st = accel_cmd_timestamp(cb, ts);
				if (st)
					return node_status(e, n, st);
			}
		}
		i += used - 1;
	}
	if (s + 1 == e->p->n_steps) {
		for (i = 0; i < g->n_outputs; i++) {
			int v = g->outputs[i];
			accel_ref dst = accel_ref_buffer(e->out[i], e->out_off ? e->out_off[i] : 0);

			st = copy(cb, dst, ref_of(e, v, 0),
				  (uint64_t)ir_numel(&g->val[v]) * sizeof(float));
			if (st)
				return io_status(g, "output", v, st);
		}
		if (e->timestamps && e->io_stamps)	/* after the output DMA */
			return accel_cmd_timestamp(cb, accel_ref_buffer(e->timestamps,
					(uint64_t)(g->n_node + 2) * 16));
	}
	return ACCEL_OK;
}
