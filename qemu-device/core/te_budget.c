// SPDX-License-Identifier: MIT
/*
 * Host budget of one tensor command (see te_budget.h): operand staging
 * plans shared with te_stage.c, and per-command memory and work totals
 * that are upper bounds of what te_mac.c, te_ops.c and te_move.c allocate
 * and do. Every product saturates, so a descriptor whose sizes wrap 64 bits
 * is simply over budget.
 */
#include "snpu_layout.h"
#include "te_budget.h"
#include "te_internal.h"

/* Bytes of a span read whole even when sparse, and the largest span ever
 * read whole (a sparser or larger tensor is staged row by row). */
#define TE_SPAN_SLACK	(16ull << 20)
#define TE_SPAN_MAX	(128ull << 20)
/* Work of one snpu_exec_read/write call beyond its bytes (translation). */
#define TE_ACCESS_WORK	64ull

enum snpu_err te_plan_load(const struct snpu_tensor *t, int to_f32, unsigned int collapse,
			   struct te_load_plan *p)
{
	uint32_t esize = snpu_dtype_size(t->dtype);
	uint64_t dst[4], rows;
	__u64 lo, hi;
	int i, canon = 1;

	if (snpu_tensor_extent(t, &lo, &hi))
		return SNPU_ERR_OVERFLOW;
	p->n = 1;
	for (i = 0; i < 4; i++) {
		p->cd[i] = (t->stride[i] == 0 && (collapse & (1u << i))) ? 1 : t->dim[i];
		p->n = te_mul(p->n, p->cd[i]);
	}
	dst[3] = 1;
	dst[2] = p->cd[3];
	dst[1] = te_mul(dst[2], p->cd[2]);
	dst[0] = te_mul(dst[1], p->cd[1]);
	for (i = 0; i < 4; i++)
		if (p->cd[i] > 1 && t->stride[i] != dst[i])
			canon = 0;
	p->lo = lo;
	p->span = hi - lo;
	p->bytes = te_mul(p->n, esize);
	p->mem = p->bytes;
	p->work = te_add(p->n, p->bytes / 4);
	if (canon) {
		p->mode = TE_LOAD_DENSE;
	} else if (p->span <= TE_SPAN_MAX &&
		   (p->span <= te_mul(4, p->bytes) || p->span <= TE_SPAN_SLACK)) {
		p->mode = TE_LOAD_SPAN;
		p->mem = te_add(p->bytes, p->span);
		p->work = te_add(p->work, p->span / 4);
	} else {
		p->mode = TE_LOAD_ROWS;
		rows = te_mul(te_mul(p->cd[0], p->cd[1]), p->cd[2]);
		if (!(t->stride[3] == 1 || p->cd[3] == 1))
			rows = te_mul(rows, p->cd[3]);
		p->work = te_add(p->work, te_mul(rows, TE_ACCESS_WORK));
	}
	p->held = p->bytes;
	if (to_f32 && t->dtype == SNPU_DT_FP16) {
		uint64_t both = te_add(p->bytes, te_mul(p->n, 4));

		p->mem = p->mem > both ? p->mem : both;
		p->held = te_mul(p->n, 4);
		p->work = te_add(p->work, p->n);
	}
	return SNPU_OK;
}

void te_plan_out(const struct snpu_tensor *t, int as_f32, struct te_out_plan *p)
{
	uint32_t esize = snpu_dtype_size(t->dtype);
	uint64_t payload, rows;
	__u64 lo = 0, hi = 0;

	p->n = te_mul(te_mul(t->dim[0], t->dim[1]), te_mul(t->dim[2], t->dim[3]));
	p->esize = as_f32 && t->dtype == SNPU_DT_FP16 ? 4 : esize;
	p->bytes = te_mul(p->n, p->esize);
	payload = te_mul(p->n, esize);
	p->span = snpu_tensor_extent(t, &lo, &hi) ? UINT64_MAX : hi - lo;
	p->mem = p->bytes;
	p->work = te_add(p->n, payload / 4);
	if (snpu_tensor_is_layout(t, SNPU_LAYOUT_NCHW)) {
		p->mode = TE_STORE_DENSE;
	} else if (p->span == payload) {
		p->mode = TE_STORE_PERM;
		p->mem = te_add(p->bytes, p->span);
	} else if (t->stride[3] == 1 || t->dim[3] == 1 || p->span > TE_SPAN_MAX ||
		   (p->span > te_mul(4, payload) && p->span > TE_SPAN_SLACK)) {
		p->mode = TE_STORE_ROWS;
		rows = te_mul(te_mul(t->dim[0], t->dim[1]), t->dim[2]);
		if (!(t->stride[3] == 1 || t->dim[3] == 1))
			rows = te_mul(rows, t->dim[3]);
		p->work = te_add(p->work, te_mul(rows, TE_ACCESS_WORK));
	} else {
		p->mode = TE_STORE_RMW;
		p->mem = te_add(p->bytes, p->span);
		p->work = te_add(p->work, p->span / 2);
	}
}

/* Accumulates a command's budget. */
struct acc {
	uint64_t mem, work;
	int bad;
};

static void add_load(struct acc *a, const struct snpu_tensor *t, int to_f32,
		     unsigned int collapse)
{
	struct te_load_plan p;

	if (te_plan_load(t, to_f32, collapse, &p)) {
		a->bad = 1;
		return;
	}
	a->mem = te_add(a->mem, p.mem);
	a->work = te_add(a->work, p.work);
}

static uint64_t staged(const struct snpu_tensor *t, unsigned int collapse)
{
	struct te_load_plan p;

	return te_plan_load(t, 0, collapse, &p) ? UINT64_MAX : p.n;
}

static void add_out(struct acc *a, const struct snpu_tensor *t, int as_f32)
{
	struct te_out_plan p;

	te_plan_out(t, as_f32, &p);
	a->mem = te_add(a->mem, p.mem);
	a->work = te_add(a->work, p.work);
}

/* Epilogue of CONV2D/GEMM: bias and per-channel requant tables, residual,
 * and the pass over the output. */
static void add_epi(struct acc *a, const struct snpu_epilogue *e, const struct snpu_tensor *out,
		    uint32_t nch)
{
	if (e->flags & SNPU_EPI_BIAS)
		a->mem = te_add(a->mem, te_mul(nch, 4));
	if (e->flags & SNPU_EPI_PER_CHANNEL)
		a->mem = te_add(a->mem, te_mul(nch, sizeof(struct snpu_requant)));
	if (e->flags & SNPU_EPI_RESIDUAL)
		add_load(a, &e->residual, out->dtype != SNPU_DT_INT8, TE_ALL_AXES);
	a->work = te_add(a->work, te_mul(te_mul(te_mul(out->dim[0], out->dim[1]),
						 te_mul(out->dim[2], out->dim[3])), 4));
}

/* One GEMM call C[m][n] = A[m][k] B[k][n]: the micro-kernels compute whole
 * tiles (M padded to 16, N to 32, K to 4) and pack both operands. */
static uint64_t gemm_work(uint64_t m, uint64_t n, uint64_t k)
{
	uint64_t pm = te_roundup(m, 16), pn = te_roundup(n, 32), pk = te_roundup(k, 4);

	return te_add(te_add(te_mul(te_mul(pm, pn), pk), te_mul(te_add(pm, pn), pk)),
		      TE_CALL_WORK);
}

/* Kernel buffers of `calls` concurrent GEMM calls on `threads` threads:
 * fp32 panels per thread; int8 packs S (N padded to 32, K to 4) per call
 * and a block of TE_IGEMM_UBLOCK 8-row U panels per thread. */
static uint64_t gemm_mem(int s8, uint64_t n, uint64_t k, uint64_t calls, unsigned int threads)
{
	uint64_t pk = te_roundup(k, 4);

	if (!s8)
		return te_mul(threads, TE_SGEMM_SCRATCH);
	return te_add(te_mul(calls, te_add(te_mul(te_roundup(n, 32), pk), 1)),
		      te_mul(threads, te_mul(pk, 8 * TE_IGEMM_UBLOCK)));
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void conv(struct acc *a, const struct snpu_cmd_conv2d *c, unsigned int threads)
{
	int s8 = c->output.dtype == SNPU_DT_INT8;
	uint64_t g = c->groups, og = c->weight.dim[0] / g;
	uint64_t kc = te_mul(te_mul(c->weight.dim[1], c->weight.dim[2]), c->weight.dim[3]);
	uint64_t p = te_mul(c->output.dim[2], c->output.dim[3]);
	uint64_t tasks = te_mul(c->output.dim[0], g), conc = min_u64(tasks, threads);
	uint64_t per_task = te_mul(te_mul(kc, p), s8 ? 1 : 4);

	add_epi(a, &c->epi, &c->output, c->output.dim[1]);
	add_load(a, &c->input, !s8, TE_ALL_AXES);
	add_load(a, &c->weight, !s8, 0);
	add_out(a, &c->output, 1);
	if (s8) {
		uint64_t o = c->output.dim[1];

		per_task = te_add(per_task, te_mul(te_mul(p, og), 4));
		if (te_igemm_thin(p, og))	/* W^T */
			a->mem = te_add(a->mem, te_mul(te_mul(g, kc), og));
		else				/* W^T packed once per command */
			a->mem = te_add(a->mem, te_mul(g, te_mul(te_roundup(og, 32),
								 te_roundup(kc, 4))));
		a->mem = te_add(a->mem, te_mul(o, 4));				/* colsum */
		a->mem = te_add(a->mem, te_mul(te_mul(te_mul(c->output.dim[0], o), p), 4));
		/* U blocks per thread */
		a->mem = te_add(a->mem, gemm_mem(1, 0, kc, 0, threads));
	} else {
		a->mem = te_add(a->mem, gemm_mem(0, p, kc, conc, threads));
		if (!te_sgemm_thin(og, p)) {	/* implicit GEMM: no im2col */
			per_task = 0;
			/* W packed once per command, x ranges */
			a->mem = te_add(a->mem, te_mul(te_mul(g, te_roundup(og, TE_SGEMM_APAD)),
						       te_mul(kc, 4)));
			a->mem = te_add(a->mem, te_mul(c->weight.dim[3], 8));
		}
	}
	a->mem = te_add(a->mem, te_mul(conc, per_task));
	a->work = te_add(a->work, te_mul(tasks, te_add(gemm_work(og, p, kc), te_mul(kc, p))));
}

static void gemm(struct acc *a, const struct snpu_cmd_gemm *c, unsigned int threads)
{
	const struct snpu_tensor *t = &c->c;
	int s8 = t->dtype == SNPU_DT_INT8;
	uint64_t batches = te_mul(t->dim[0], t->dim[1]), m = t->dim[2], n = t->dim[3];
	uint64_t k = c->a.dim[3], conc = min_u64(batches, threads);

	add_epi(a, &c->epi, t, t->dim[3]);
	add_load(a, &c->a, !s8, 0x3);
	add_load(a, &c->b, !s8, 0x3);
	add_out(a, t, 1);
	if (s8) {
		a->mem = te_add(a->mem, staged(&c->a, 0x3));			/* U */
		a->mem = te_add(a->mem, te_mul(te_mul(batches, te_mul(m, n)), 4));	/* acc */
		a->mem = te_add(a->mem, te_mul(conc, te_mul(n, 4)));		/* colsum */
		a->work = te_add(a->work, te_mul(batches, te_mul(k, n)));
	}
	a->mem = te_add(a->mem, gemm_mem(s8, n, k, conc, threads));
	a->work = te_add(a->work, te_mul(batches, gemm_work(m, n, k)));
}

static void two(struct acc *a, const struct snpu_tensor *in, const struct snpu_tensor *out,
		int f32, uint64_t per_elem)
{
	add_load(a, in, f32, TE_ALL_AXES);
	add_out(a, out, f32);
	a->work = te_add(a->work, te_mul(te_mul(te_mul(out->dim[0], out->dim[1]),
						 te_mul(out->dim[2], out->dim[3])), per_elem));
}

enum snpu_err te_budget_cmd(const struct snpu_cmd_header *h, unsigned int threads,
			    struct te_budget *b)
{
	struct acc a = { 0, 0, 0 };

	if (threads == 0)
		threads = 1;
	switch (h->opcode) {
	case SNPU_OP_CONV2D:
		conv(&a, (const void *)h, threads);
		break;
	case SNPU_OP_GEMM:
		gemm(&a, (const void *)h, threads);
		break;
	case SNPU_OP_POOL: {
		const struct snpu_cmd_pool *c = (const void *)h;

		two(&a, &c->input, &c->output, 1, te_mul(c->kernel_h, c->kernel_w));
		break;
	}
	case SNPU_OP_ELTWISE: {
		const struct snpu_cmd_eltwise *c = (const void *)h;

		add_load(&a, &c->a, 1, TE_ALL_AXES);
		two(&a, &c->b, &c->out, 1, 4);
		if (c->out.dtype == SNPU_DT_INT8) {	/* te_ops.c's (a, b) table */
			a.mem = te_add(a.mem, 65536);
			a.work = te_add(a.work, 65536 * 4);
		}
		break;
	}
	case SNPU_OP_ACTIVATION: {
		const struct snpu_cmd_activation *c = (const void *)h;

		two(&a, &c->input, &c->output, 1, 8);
		break;
	}
	case SNPU_OP_SOFTMAX: {
		const struct snpu_cmd_softmax *c = (const void *)h;

		two(&a, &c->input, &c->output, 1, 8);
		break;
	}
	case SNPU_OP_MOVE: {
		const struct snpu_cmd_move *c = (const void *)h;

		two(&a, &c->input, &c->output, 0, 2);
		break;
	}
	case SNPU_OP_PAD: {
		const struct snpu_cmd_pad *c = (const void *)h;

		two(&a, &c->input, &c->output, 0, 4);
		break;
	}
	default: {
		const struct snpu_cmd_convert *c = (const void *)h;

		two(&a, &c->input, &c->output, 0, 4);
		break;
	}
	}
	b->mem = a.bad ? UINT64_MAX : a.mem;
	b->work = a.bad ? UINT64_MAX : a.work;
	b->over = NULL;
	if (b->mem > TE_MEM_BUDGET)
		b->over = "host memory";
	else if (b->work > TE_WORK_BUDGET)
		b->over = "host work";
	return b->over ? SNPU_ERR_OVERFLOW : SNPU_OK;
}
