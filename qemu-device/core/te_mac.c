// SPDX-License-Identifier: MIT
/*
 * CONV2D and GEMM commands: stage the operands, run the GEMM kernels
 * (te_gemm.c, te_igemm.c), apply the fused epilogue (te_epi.c).
 *
 * conv2d, per image n and group g, with P = OH*OW and Kc = C/g*KH*KW:
 *   fp:   C[Og][P] = W_g[Og][Kc] x col[Kc][P]      (output NCHW; W_g packed
 *         once per command, col never built: the GEMM packs its panels
 *         straight from the input, or reads the input itself for a 1x1
 *         stride-1 conv; thin products use im2col and plain loops)
 *   int8: C[P][Og] = U[P][Kc] x W_g^T[Kc][Og]      (U = x + 128 stored
 *         K-major as col[Kc][P], padding = zero point + 128),
 *         acc = C - (zp + 128) * colsum(W_g^T)
 * Many (n, g) pairs (depthwise, batches) run in parallel, one per task;
 * otherwise the GEMM itself is parallel.
 * gemm: per batch, C = A x B the same way (int8: U = a + 128, S = b).
 */
#include <stdlib.h>
#include <string.h>
#include "snpu_layout.h"
#include "te_epi.h"

struct conv_job {
	const struct snpu_cmd_conv2d *cmd;
	struct te_cmd *c;
	struct te_view in, w, out;
	int32_t *acc;		/* int8: dense NCHW accumulators */
	int8_t *wt;		/* int8, thin products: per group W^T [Kc][Og] */
	int8_t *sp;		/* int8, else: per group W^T packed (te_igemm_pack_s) */
	float *wp;		/* fp32, implicit GEMM: per group W packed (te_sgemm_pack_a) */
	struct te_sgemm_apack apk;
	size_t wpsz;		/* floats per group in wp */
	uint32_t *xr;		/* fp32, implicit GEMM: [kw][2] output x range inside W */
	int direct;		/* fp32 1x1, stride 1, no padding: B is the input itself */
	int fused;		/* fp32 implicit GEMM: bias and ReLU in the kernels' store */
	const float *fbias;
	int frelu;
	int32_t *colsum;	/* int8: [O] */
	uint32_t og, cg, kh, kw, oh, ow;
	size_t kc, p;
	int s8, nested;
	int failed;
};

/* First output x whose input column kx*dw - pl + x*sw is >= 0, and the
 * end of those < W. */
static void x_range(int64_t x0, uint32_t sw, uint32_t w, uint32_t ow, uint32_t *lo,
		    uint32_t *hi)
{
	int64_t l = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
	int64_t h = (int64_t)w > x0 ? ((int64_t)w - x0 + sw - 1) / sw : 0;

	l = l < ow ? l : ow;
	h = h < ow ? h : ow;
	*lo = (uint32_t)l;
	*hi = (uint32_t)(h > l ? h : l);
}

/* d[i] = s[i] + 128 as uint8 (= s[i] ^ 0x80), 16 bytes at a time (the
 * last 16 overlapping); returns the count done: n, or 0 when n < 16. */
typedef uint8_t te_v16u8 __attribute__((vector_size(16)));
static size_t flip_u8(uint8_t *d, const uint8_t *s, size_t n)
{
	size_t i;
	te_v16u8 v;

	if (n < 16)
		return 0;
	for (i = 0; i + 16 <= n; i += 16) {
		memcpy(&v, s + i, 16);
		v ^= 0x80;
		memcpy(d + i, &v, 16);
	}
	if (i < n) {
		memcpy(&v, s + n - 16, 16);
		v ^= 0x80;
		memcpy(d + n - 16, &v, 16);
	}
	return n;
}

/* im2col of image n, group g into col[Kc][P]: fp32, or uint8 (x + 128,
 * padding = zero point + 128) for int8. Rows of P are filled with runs:
 * padding, a contiguous (or strided) copy, padding. */
static void im2col_ch(const struct conv_job *j, uint32_t n, uint32_t g, void *dst,
		      uint32_t c0, uint32_t c1)
{
	const struct snpu_cmd_conv2d *cmd = j->cmd;
	const struct te_view *in = &j->in;
	uint32_t H = in->dim[2], W = in->dim[3], ci, ky, kx, y, x, xlo, xhi;
	uint8_t pad_u = (uint8_t)(cmd->input.zero_point + 128);
	size_t sx = in->st[3];

	for (ci = c0; ci < c1; ci++) {
		if (te_cancelled())
			return;
	for (ky = 0; ky < j->kh; ky++)
	for (kx = 0; kx < j->kw; kx++) {
		if (te_cancelled())
			return;
		size_t k = ((size_t)ci * j->kh + ky) * j->kw + kx;
		uint32_t ch = g * j->cg + ci;
		int64_t x0 = (int64_t)kx * cmd->dilation_w - cmd->pad_left;

		x_range(x0, cmd->stride_w, W, j->ow, &xlo, &xhi);
		for (y = 0; y < j->oh; y++) {
			int64_t iy = (int64_t)y * cmd->stride_h - cmd->pad_top +
				     (int64_t)ky * cmd->dilation_h;
			size_t d0 = k * j->p + (size_t)y * j->ow;
			uint32_t a = xlo, b = xhi;
			size_t so;

			if (iy < 0 || iy >= H)
				a = b = 0;	/* the whole row is padding */
			so = (a < b) ? te_off(in, n, ch, (uint32_t)iy, 0) : 0;
			if (j->s8) {
				uint8_t *d = (uint8_t *)dst + d0;
				const int8_t *s = (const int8_t *)in->data + so;

				memset(d, pad_u, a);
				const uint8_t *su = (const uint8_t *)s + x0;

				x = a;
				if (cmd->stride_w == 1 && sx == 1 && b > a)
					x = (uint32_t)(a + flip_u8(d + a, su + a, b - a));
				for (; x < b; x++)
					d[x] = (uint8_t)(s[(size_t)(x0 + (int64_t)x * cmd->stride_w) * sx] +
							 128);
				memset(d + b, pad_u, j->ow - b);
			} else {
				float *d = (float *)dst + d0;
				const float *s = (const float *)in->data + so;

				for (x = 0; x < a; x++)
					d[x] = 0.0f;
				if (cmd->stride_w == 1 && sx == 1 && b > a)
					memcpy(d + a, s + x0 + a, (size_t)(b - a) * sizeof(float));
				else
					for (x = a; x < b; x++)
						d[x] = s[(size_t)(x0 + (int64_t)x * cmd->stride_w) * sx];
				for (x = b; x < j->ow; x++)
					d[x] = 0.0f;
			}
		}
	}
	}
}

/* Implicit GEMM (fp32): B[k][p] of image n, group g packed panel by panel
 * straight from the staged input, the same values im2col would write
 * (k = (ci, ky, kx), p = (oy, ox), zero padding). */
struct conv_bsrc {
	const struct conv_job *j;
	uint32_t n, g;
};

/* Columns c..c+cnt-1 of B row p (panels of nr = 1 << sh columns, kc rows
 * each: every kernel's NR is a power of 2) from src with unit stride, or
 * zeros when src is NULL. */
typedef float te_v4f __attribute__((vector_size(16)));
static inline void put_run(float *bp, size_t kc, unsigned int sh, size_t p, size_t c,
			   size_t cnt, const float *src)
{
	size_t nr = (size_t)1 << sh;

	while (cnt) {
		size_t off = c & (nr - 1), take = nr - off < cnt ? nr - off : cnt, i = 0;
		float *d = bp + ((c >> sh) * kc + p) * nr + off;

		if (src) {
			for (; i + 4 <= take; i += 4) {
				te_v4f v;

				memcpy(&v, src + i, sizeof(v));
				memcpy(d + i, &v, sizeof(v));
			}
			for (; i < take; i++)
				d[i] = src[i];
			src += take;
		} else {
			for (; i < take; i++)
				d[i] = 0.0f;
		}
		c += take;
		cnt -= take;
	}
}

static void conv_bpack(const void *ctx, size_t k0, size_t kc, size_t j0, size_t w, size_t nr,
		       float *bp)
{
	const struct conv_bsrc *b = ctx;
	const struct conv_job *j = b->j;
	const struct snpu_cmd_conv2d *cmd = j->cmd;
	const struct te_view *in = &j->in;
	uint32_t H = in->dim[2], khw = j->kh * j->kw;
	uint32_t ci = (uint32_t)(k0 / khw), ky = (uint32_t)(k0 % khw / j->kw);
	uint32_t kx = (uint32_t)(k0 % j->kw), oy0 = (uint32_t)(j0 / j->ow);
	uint32_t ox0 = (uint32_t)(j0 % j->ow), sw = cmd->stride_w;
	size_t sx = in->st[3], wp = (w + nr - 1) / nr * nr, p;
	unsigned int sh = (unsigned int)__builtin_ctzl(nr);
	int unit = sw == 1 && sx == 1;

	for (p = 0; p < kc; p++) {
		const float *plane = (const float *)in->data +
				     te_off(in, b->n, b->g * j->cg + ci, 0, 0);
		int64_t iyb = (int64_t)ky * cmd->dilation_h - cmd->pad_top;
		int64_t x0 = (int64_t)kx * cmd->dilation_w - cmd->pad_left;
		uint32_t xlo = j->xr[2 * kx], xhi = j->xr[2 * kx + 1], oy = oy0, ox = ox0, x;
		size_t col = 0;

		while (col < w) {
			uint32_t len = (uint32_t)(j->ow - ox < w - col ? j->ow - ox : w - col);
			uint32_t a = xlo > ox ? xlo : ox, e = xhi < ox + len ? xhi : ox + len;
			int64_t iy = (int64_t)oy * cmd->stride_h + iyb;

			if (iy < 0 || iy >= H || a >= e) {
				put_run(bp, kc, sh, p, col, len, NULL);
			} else {
				const float *s = plane + (size_t)iy * in->st[2];

				put_run(bp, kc, sh, p, col, a - ox, NULL);
				if (unit) {
					put_run(bp, kc, sh, p, col + a - ox, e - a, s + x0 + a);
				} else {
					for (x = a; x < e; x++) {
						size_t c = col + x - ox;

						bp[((c >> sh) * kc + p) * nr + (c & (nr - 1))] =
							s[(size_t)(x0 + (int64_t)x * sw) * sx];
					}
				}
				put_run(bp, kc, sh, p, col + e - ox, ox + len - e, NULL);
			}
			col += len;
			oy++;
			ox = 0;
		}
		put_run(bp, kc, sh, p, w, wp - w, NULL);
		if (++kx == j->kw) {
			kx = 0;
			if (++ky == j->kh) {
				ky = 0;
				ci++;
			}
		}
	}
}

static void conv_one_implicit(struct conv_job *j, uint32_t n, uint32_t g)
{
	struct snpu_te_pool *pool = j->nested ? NULL : j->c->pool;
	struct conv_bsrc src = { j, n, g };
	struct te_sgemm_op op;

	memset(&op, 0, sizeof(op));
	op.m = j->og;
	op.n = j->p;
	op.k = j->kc;
	op.ap = j->wp + g * j->wpsz;
	op.apk = j->apk;
	if (j->direct) {
		op.b = (const float *)j->in.data + te_off(&j->in, n, g * j->cg, 0, 0);
		op.ldb = j->in.st[1];
	} else {
		op.bpack = conv_bpack;
		op.bctx = &src;
	}
	op.c = (float *)j->out.data + te_off(&j->out, n, g * j->og, 0, 0);
	op.ldc = j->p;
	if (j->fused) {
		op.rbias = j->fbias ? j->fbias + (size_t)g * j->og : NULL;
		op.relu = j->frelu;
	}
	if (te_sgemm_run(pool, &op))
		j->failed = 1;
}

struct im2col_run {
	const struct conv_job *j;
	uint32_t n, g;
	void *dst;
};

static void im2col_task(void *opaque, size_t begin, size_t end)
{
	const struct im2col_run *r = opaque;

	im2col_ch(r->j, r->n, r->g, r->dst, (uint32_t)begin, (uint32_t)end);
}

/* Input channels in parallel when the (image, group) pairs are not. */
static void im2col(const struct conv_job *j, struct snpu_te_pool *pool, uint32_t n, uint32_t g,
		   void *dst)
{
	struct im2col_run r = { j, n, g, dst };

	te_parallel_for(pool, j->cg, 1, im2col_task, &r);
}

static void conv_one(struct conv_job *j, uint32_t n, uint32_t g)
{
	struct snpu_te_pool *pool = j->nested ? NULL : j->c->pool;
	size_t esz = j->s8 ? 1 : 4;
	void *col = malloc(j->kc * j->p * esz + 1);
	int32_t *cb = NULL;
	size_t p, p0, o;

	if (col && te_cancelled()) {
		free(col);
		return;
	}
	if (!col) {
		j->failed = 1;
		return;
	}
	im2col(j, pool, n, g, col);
	if (!j->s8) {
		const float *wg = (const float *)j->w.data + (size_t)g * j->og * j->kc;
		float *out = (float *)j->out.data + te_off(&j->out, n, g * j->og, 0, 0);

		te_sgemm(pool, j->og, j->p, j->kc, wg, j->kc, col, j->p, out, j->p);
		free(col);
		return;
	}
	cb = malloc(j->p * j->og * sizeof(int32_t) + 1);
	if (!cb) {
		free(col);
		j->failed = 1;
		return;
	}
	if (j->sp) {
		if (te_igemm_packed(pool, j->p, j->og, j->kc, col, j->p, 1,
				    j->sp + g * te_igemm_spack_size(j->og, j->kc), cb, j->og))
			j->failed = 1;
	} else {
		te_igemm(pool, j->p, j->og, j->kc, col, j->p, 1,
			 j->wt + (size_t)g * j->kc * j->og, j->og, cb, j->og);
	}
	/* transpose C[P][Og] into the NCHW accumulators in blocks of 64
	 * positions (a block of C stays in L1), minus the zero-point term */
	for (p0 = 0; p0 < j->p; p0 += 64) {
		size_t p1 = j->p - p0 < 64 ? j->p : p0 + 64;

		for (o = 0; o < j->og; o++) {
			uint32_t corr = (uint32_t)(j->cmd->input.zero_point + 128) *
					(uint32_t)j->colsum[g * j->og + o];
			int32_t *dst = j->acc + ((size_t)n * j->out.dim[1] + g * j->og + o) * j->p;

			for (p = p0; p < p1; p++)
				dst[p] = (int32_t)((uint32_t)cb[p * j->og + o] - corr);
		}
	}
	free(cb);
	free(col);
}

static void conv_tasks(void *opaque, size_t begin, size_t end)
{
	struct conv_job *j = opaque;
	uint32_t groups = j->cmd->groups;
	size_t t;

	for (t = begin; t < end; t++) {
		if (j->wp)
			conv_one_implicit(j, (uint32_t)(t / groups), (uint32_t)(t % groups));
		else
			conv_one(j, (uint32_t)(t / groups), (uint32_t)(t % groups));
	}
}

/* fp32, not thin: the weights of every group packed once for the command
 * (A of the GEMM), the output x range of each kx, and whether B is the
 * input itself (1x1, stride 1, no padding, rows of a channel contiguous). */
static int conv_prep_f32(struct conv_job *j)
{
	const struct snpu_cmd_conv2d *cmd = j->cmd;
	uint32_t groups = cmd->groups, g, kx, W = j->in.dim[3];

	j->wpsz = te_sgemm_apack_size(j->og, j->kc, &j->apk);
	j->wp = malloc((size_t)groups * j->wpsz * sizeof(float) + 1);
	j->xr = malloc((size_t)j->kw * 2 * sizeof(uint32_t));
	if (!j->wp || !j->xr)
		return -1;
	for (kx = 0; kx < j->kw; kx++)
		x_range((int64_t)kx * cmd->dilation_w - cmd->pad_left, cmd->stride_w, W, j->ow,
			&j->xr[2 * kx], &j->xr[2 * kx + 1]);
	for (g = 0; g < groups && !te_cancelled(); g++)
		te_sgemm_pack_a(&j->apk, j->og, j->kc, (const float *)j->w.data +
				(size_t)g * j->og * j->kc, j->kc, j->wp + g * j->wpsz);
	j->direct = j->kh == 1 && j->kw == 1 && cmd->stride_h == 1 && cmd->stride_w == 1 &&
		    cmd->pad_top == 0 && cmd->pad_left == 0 && j->oh == j->in.dim[2] &&
		    j->ow == W && (W == 1 || j->in.st[3] == 1) &&
		    (j->oh == 1 || j->in.st[2] == W);
	return 0;
}

/* int8: the weights of each group as the GEMM's S = W^T, packed once for
 * the whole command (thin products: plain W^T), and their column sums. */
static int conv_prep_s8(struct conv_job *j)
{
	uint32_t groups = j->cmd->groups, g, o;
	size_t k, psz = te_igemm_spack_size(j->og, j->kc);
	const int8_t *w = j->w.data;
	int packed = !te_igemm_thin(j->p, j->og);

	if (packed)
		j->sp = malloc((size_t)groups * psz + 1);
	else
		j->wt = malloc((size_t)groups * j->kc * j->og + 1);
	j->colsum = calloc(j->out.dim[1], sizeof(int32_t));
	j->acc = malloc((size_t)j->out.dim[0] * j->out.dim[1] * j->p * sizeof(int32_t) + 1);
	if ((!j->wt && !j->sp) || !j->colsum || !j->acc)
		return -1;
	for (g = 0; g < groups; g++) {
		const int8_t *wg = w + (size_t)g * j->og * j->kc;

		if (te_cancelled())
			return 0;	/* the caller's result is discarded */
		if (packed)
			te_igemm_pack_s(j->og, j->kc, wg, j->kc, 1, j->sp + g * psz);
		for (o = 0; o < j->og; o++)
			for (k = 0; k < j->kc; k++) {
				int8_t v = wg[o * j->kc + k];

				if (!packed)
					j->wt[((size_t)g * j->kc + k) * j->og + o] = v;
				j->colsum[g * j->og + o] += v;
			}
	}
	return 0;
}

enum snpu_err te_conv2d(struct te_cmd *c, const struct snpu_cmd_conv2d *cmd)
{
	struct conv_job j;
	struct te_epi ep;
	enum snpu_err err;
	size_t tasks;
	int s8 = cmd->output.dtype == SNPU_DT_INT8;

	memset(&j, 0, sizeof(j));
	j.cmd = cmd;
	j.c = c;
	j.s8 = s8;
	j.og = cmd->weight.dim[0] / cmd->groups;
	j.cg = cmd->weight.dim[1];
	j.kh = cmd->weight.dim[2];
	j.kw = cmd->weight.dim[3];
	j.oh = cmd->output.dim[2];
	j.ow = cmd->output.dim[3];
	j.kc = (size_t)j.cg * j.kh * j.kw;
	j.p = (size_t)j.oh * j.ow;
	err = te_epi_init(c, &cmd->epi, &cmd->output, cmd->output.dim[1], 1, &ep);
	if (!err)
		err = te_load(c->x, &cmd->input, !s8, TE_ALL_AXES, &j.in);
	if (!err)
		err = te_load(c->x, &cmd->weight, !s8, 0, &j.w);
	if (!err)
		err = te_alloc_out(c->x, &cmd->output, 1, &j.out);
	if (err)
		goto out;
	if ((uint64_t)j.kc * j.p > TE_MAX_STAGE / 4) {
		snpu_exec_log(c->x, "conv2d: im2col of %zu x %zu exceeds the staging limit",
			      j.kc, j.p);
		err = SNPU_ERR_OVERFLOW;
		goto out;
	}
	if (s8 && (uint64_t)cmd->output.dim[0] * cmd->output.dim[1] * j.p > TE_MAX_STAGE / 4) {
		snpu_exec_log(c->x, "conv2d: int8 accumulators exceed the staging limit");
		err = SNPU_ERR_OVERFLOW;
		goto out;
	}
	if (!s8 && !te_sgemm_thin(j.og, j.p) && conv_prep_f32(&j)) {
		snpu_exec_log(c->x, "conv2d: out of memory");
		err = SNPU_ERR_FATAL;
		goto out;
	}
	/* fp32 out, no residual, no activation or ReLU: the epilogue is the
	 * GEMM's store ((acc + bias), then v < 0 ? 0 : v, as te_epi.c) */
	j.fused = j.wp && cmd->output.dtype == SNPU_DT_FP32 && !ep.has_res &&
		  (cmd->epi.act.fn == SNPU_ACT_NONE || cmd->epi.act.fn == SNPU_ACT_RELU);
	j.fbias = ep.bias;
	j.frelu = cmd->epi.act.fn == SNPU_ACT_RELU;
	if (s8 && conv_prep_s8(&j)) {
		snpu_exec_log(c->x, "conv2d: out of memory");
		err = SNPU_ERR_FATAL;
		goto out;
	}
	tasks = (size_t)cmd->output.dim[0] * cmd->groups;
	j.nested = tasks >= 2 * (size_t)te_pool_threads(c->pool);
	if (j.nested)
		te_parallel_for(c->pool, tasks, 1, conv_tasks, &j);
	else
		conv_tasks(&j, 0, tasks);
	if (j.failed) {
		snpu_exec_log(c->x, "conv2d: out of memory");
		err = SNPU_ERR_FATAL;
		goto out;
	}
	if (!j.fused)
		te_epi_apply(c, &ep, s8 ? (const void *)j.acc : j.out.data, &j.out);
	c->res->macs = (uint64_t)cmd->output.dim[0] * cmd->output.dim[1] * j.p * j.kc;
	err = te_store(c->x, &cmd->output, &j.out);
out:
	te_view_free(&j.in);
	te_view_free(&j.w);
	te_view_free(&j.out);
	free(j.acc);
	free(j.wt);
	free(j.sp);
	free(j.wp);
	free(j.xr);
	free(j.colsum);
	te_epi_free(&ep);
	return err;
}

struct gemm_job {
	struct te_cmd *c;
	struct te_view a, b, out;
	uint8_t *u;		/* int8: a + 128, dense like a */
	int32_t *acc;
	int32_t za;
	uint32_t m, n, k;
	int s8, nested, failed;
};

static void gemm_one(struct gemm_job *j, size_t t)
{
	struct snpu_te_pool *pool = j->nested ? NULL : j->c->pool;
	uint32_t b0 = (uint32_t)(t / j->out.dim[1]), b1 = (uint32_t)(t % j->out.dim[1]);
	size_t ao = te_off(&j->a, b0, b1, 0, 0), bo = te_off(&j->b, b0, b1, 0, 0);
	size_t co = te_off(&j->out, b0, b1, 0, 0), lda = j->a.st[2], ldb = j->b.st[2];
	const int8_t *s = (const int8_t *)j->b.data + bo;
	uint32_t *colsum;
	size_t r, q, kk;

	if (te_cancelled())
		return;
	if (!j->s8) {
		te_sgemm(pool, j->m, j->n, j->k, (const float *)j->a.data + ao, lda,
			 (const float *)j->b.data + bo, ldb, (float *)j->out.data + co, j->n);
		return;
	}
	colsum = calloc(j->n, sizeof(*colsum));
	if (!colsum) {
		j->failed = 1;
		return;
	}
	for (kk = 0; kk < j->k; kk++)
		for (q = 0; q < j->n; q++)
			colsum[q] += (uint32_t)(int32_t)s[kk * ldb + q];
	te_igemm(pool, j->m, j->n, j->k, j->u + ao, lda, 0, s, ldb, j->acc + co, j->n);
	for (r = 0; r < j->m; r++)
		for (q = 0; q < j->n; q++) {
			int32_t *d = j->acc + co + r * j->n + q;

			*d = (int32_t)((uint32_t)*d - (uint32_t)(j->za + 128) * colsum[q]);
		}
	free(colsum);
}

static void gemm_tasks(void *opaque, size_t begin, size_t end)
{
	size_t t;

	for (t = begin; t < end; t++)
		gemm_one(opaque, t);
}

enum snpu_err te_gemm(struct te_cmd *c, const struct snpu_cmd_gemm *cmd)
{
	const struct snpu_tensor *tc = &cmd->c;
	struct gemm_job j;
	struct te_epi ep;
	enum snpu_err err;
	size_t batches = (size_t)tc->dim[0] * tc->dim[1], i, na;

	memset(&j, 0, sizeof(j));
	j.c = c;
	j.s8 = tc->dtype == SNPU_DT_INT8;
	j.m = tc->dim[2];
	j.n = tc->dim[3];
	j.k = cmd->a.dim[3];
	j.za = cmd->a.zero_point;
	err = te_epi_init(c, &cmd->epi, tc, tc->dim[3], 3, &ep);
	if (!err)
		err = te_load(c->x, &cmd->a, !j.s8, 0x3, &j.a);
	if (!err)
		err = te_load(c->x, &cmd->b, !j.s8, 0x3, &j.b);
	if (!err)
		err = te_alloc_out(c->x, tc, 1, &j.out);
	if (err)
		goto out;
	if (j.s8 && (uint64_t)batches * j.m * j.n > TE_MAX_STAGE / 4) {
		snpu_exec_log(c->x, "gemm: int8 accumulators exceed the staging limit");
		err = SNPU_ERR_OVERFLOW;
		goto out;
	}
	if (j.s8) {
		na = 1;
		for (i = 0; i < 4; i++)
			na *= j.a.st[i] ? j.a.dim[i] : 1;
		j.u = malloc(na + 1);
		j.acc = malloc(batches * j.m * j.n * sizeof(int32_t) + 1);
		if (!j.u || !j.acc) {
			snpu_exec_log(c->x, "gemm: out of memory");
			err = SNPU_ERR_FATAL;
			goto out;
		}
		for (i = 0; i < na; i++)
			j.u[i] = (uint8_t)(((const int8_t *)j.a.data)[i] + 128);
		/* na <= the staged a: bounded by the memory budget */
	}
	j.nested = batches >= 2 * (size_t)te_pool_threads(c->pool);
	if (j.nested)
		te_parallel_for(c->pool, batches, 1, gemm_tasks, &j);
	else
		gemm_tasks(&j, 0, batches);
	if (j.failed) {
		snpu_exec_log(c->x, "gemm: out of memory");
		err = SNPU_ERR_FATAL;
		goto out;
	}
	te_epi_apply(c, &ep, j.s8 ? (const void *)j.acc : j.out.data, &j.out);
	c->res->macs = (uint64_t)batches * j.m * j.n * j.k;
	err = te_store(c->x, tc, &j.out);
out:
	te_view_free(&j.a);
	te_view_free(&j.b);
	te_view_free(&j.out);
	free(j.u);
	free(j.acc);
	te_epi_free(&ep);
	return err;
}
