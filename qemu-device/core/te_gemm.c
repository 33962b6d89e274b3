// SPDX-License-Identifier: MIT
/*
 * GEMM drivers of the tensor engine (fp32 and int8), BLIS-style: pack a
 * KC x NC panel of B into NR-wide column panels and an MC x KC block of A
 * into MR-tall row panels, then run an MR x NR micro-kernel over the tiles.
 * Micro-kernels: portable C (here), AVX2+FMA and AVX-512 (te_kern_x86.c),
 * chosen at run time. Threads split the larger of M and N into one part
 * per pool thread; each part packs its own panels.
 * See docs/gemm-engine.md for the measurements behind the choices.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "te_internal.h"

#ifndef KC
#define KC 256
#endif
#ifndef NC
#define NC 2048
#endif
/* columns of B packed at once when M fits one MC block (L2-sized) */
#define SUB_NC 256
#define PORT_MR 4
#define PORT_NR 16

/* sgemm_part's panel buffers are what te_budget.c counts per thread */
_Static_assert(SUB_NC % TE_AVX512_NR == 0 && SUB_NC % TE_AVX2_NR == 0 && SUB_NC % PORT_NR == 0,
	       "SUB_NC: whole panels");
_Static_assert(((size_t)TE_AVX512_MR * 16 * KC + ((size_t)NC + TE_AVX512_NR) * KC) *
	       sizeof(float) <= TE_SGEMM_SCRATCH, "te_budget.h: TE_SGEMM_SCRATCH too small");

static atomic_int isa_forced = TE_ISA_AUTO;

static enum te_isa cpu_best(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return TE_ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return TE_ISA_AVX2;
#endif
	return TE_ISA_PORTABLE;
}

int te_cpu_has_vnni(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni");
#else
	return 0;
#endif
}

enum te_isa te_isa(void)
{
	enum te_isa best = cpu_best();
	int f = atomic_load(&isa_forced);

	return (f == TE_ISA_AUTO || f > (int)best) ? best : (enum te_isa)f;
}

void te_set_isa(enum te_isa isa)
{
	atomic_store(&isa_forced, (int)isa);
}

/* The fused epilogue of one element, as the kernels do it. */
static inline float epi1(float v, const struct te_ukr_epi *ep, size_t row)
{
	if (ep && ep->bias)
		v = v + ep->bias[row];
	if (ep && ep->relu)
		v = v < 0.0f ? 0.0f : v;
	return v;
}

static void ukr_portable(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
			 int accumulate, const struct te_ukr_epi *ep)
{
	float acc[PORT_MR][PORT_NR];
	size_t p, i, j;

	memset(acc, 0, sizeof(acc));
	for (p = 0; p < k; p++)
		for (i = 0; i < PORT_MR; i++)
			for (j = 0; j < PORT_NR; j++)
				acc[i][j] += ap[p * PORT_MR + i] * bp[p * PORT_NR + j];
	for (i = 0; i < PORT_MR; i++)
		for (j = 0; j < PORT_NR; j++)
			c[i * ldc + j] = epi1(accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j],
					      ep, i);
}

typedef void (*sukr_fn)(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
			int accumulate, const struct te_ukr_epi *ep);

/* The micro-kernel for an ISA and M: AVX-512 uses 8 rows where that pads
 * M less than 12 does (M = 8, 16, 32, 64, 128: conv output channels). */
struct sk {
	sukr_fn ukr;
	size_t mr, nr;
};

static void pick_kernel(enum te_isa isa, size_t m, struct sk *k)
{
	k->ukr = ukr_portable;
	k->mr = PORT_MR;
	k->nr = PORT_NR;
#if defined(__x86_64__)
	if (isa == TE_ISA_AVX512) {
		int eight = (m + 7) / 8 * 8 < (m + TE_AVX512_MR - 1) / TE_AVX512_MR * TE_AVX512_MR;

		k->ukr = eight ? te_sgemm_ukr_avx512_8 : te_sgemm_ukr_avx512;
		k->mr = eight ? 8 : TE_AVX512_MR;
		k->nr = TE_AVX512_NR;
	} else if (isa == TE_ISA_AVX2) {
		k->ukr = te_sgemm_ukr_avx2;
		k->mr = TE_AVX2_MR;
		k->nr = TE_AVX2_NR;
	}
#else
	(void)isa;
	(void)m;
#endif
}

struct sgemm_args {
	const struct te_sgemm_op *op;
	struct sk kern;
	size_t parts, part_m;	/* split along M when part_m, else along N */
	size_t step;
	atomic_int failed;
};

/* B rows k0..k0+kc-1, columns j0..j0+w-1 as ceil(w / nr) consecutive
 * panels bp[kc][nr], the last zero padded to nr columns. Plain B is read
 * row by row across all the panels (long contiguous runs: one row per
 * panel would touch kc pages per panel). */
static void pack_cols(const struct te_sgemm_op *op, size_t k0, size_t kc, size_t j0, size_t w,
		      size_t nr, float *bp)
{
	size_t p, q, jj;

	if (op->bpack) {
		op->bpack(op->bctx, k0, kc, j0, w, nr, bp);
		return;
	}
	for (p = 0; p < kc; p++) {
		const float *src = op->b + (k0 + p) * op->ldb + j0;

		for (q = 0; q < w; q += nr) {
			float *d = bp + q * kc + p * nr;
			size_t pw = w - q < nr ? w - q : nr;

			memcpy(d, src + q, pw * sizeof(float));
			for (jj = pw; jj < nr; jj++)
				d[jj] = 0.0f;
		}
	}
}

static void pack_a(const float *a, size_t lda, size_t mc, size_t kc, size_t mr, float *ap)
{
	size_t i, p, ii;

	for (i = 0; i < mc; i += mr) {
		size_t h = mc - i < mr ? mc - i : mr;

		for (p = 0; p < kc; p++) {
			for (ii = 0; ii < h; ii++)
				ap[p * mr + ii] = a[(i + ii) * lda + p];
			for (; ii < mr; ii++)
				ap[p * mr + ii] = 0.0f;
		}
		ap += kc * mr;
	}
}

size_t te_sgemm_apack_size(size_t m, size_t k, struct te_sgemm_apack *pk)
{
	struct sk kern;

	pk->isa = te_isa();
	pick_kernel(pk->isa, m, &kern);
	pk->mr = kern.mr;
	pk->mpad = (m + kern.mr - 1) / kern.mr * kern.mr;
	return pk->mpad * k;
}

void te_sgemm_pack_a(const struct te_sgemm_apack *pk, size_t m, size_t k, const float *a,
		     size_t lda, float *ap)
{
	size_t pc;

	for (pc = 0; pc < k; pc += KC)
		pack_a(a + pc, lda, m, k - pc < KC ? k - pc : KC, pk->mr, ap + pc * pk->mpad);
}

/* The tiles of rows i0..i0+mcc-1, columns j0..j0+nb-1 of C: ab holds the
 * rows' packed A strips, bp the columns' packed B strips (kc deep). */
static void run_tiles(const struct te_sgemm_op *op, const struct sk *kn, const float *ab,
		      const float *bp, size_t kc, size_t i0, size_t mcc, size_t j0, size_t nb,
		      int accumulate, int last)
{
	size_t mr = kn->mr, nr = kn->nr, jr, ir, i, j;
	float tile[TE_AVX512_MR * TE_AVX512_NR];

	for (jr = 0; jr < nb; jr += nr, bp += kc * nr) {
		size_t w = nb - jr < nr ? nb - jr : nr;

		/* A reset is noticed per column strip (MC x NR x KC MACs), not per block. */
		if (jr && te_cancelled())
			return;
		for (ir = 0; ir < mcc; ir += mr) {
			const float *ap = ab + (ir / mr) * kc * mr;
			float *cc = op->c + (i0 + ir) * op->ldc + j0 + jr;
			size_t h = mcc - ir < mr ? mcc - ir : mr;
			struct te_ukr_epi ep = { op->rbias ? op->rbias + i0 + ir : NULL, op->relu };
			const struct te_ukr_epi *epp = last ? &ep : NULL;

			if (h == mr && w == nr) {
				kn->ukr(kc, ap, bp, cc, op->ldc, accumulate, epp);
				continue;
			}
			kn->ukr(kc, ap, bp, tile, nr, 0, NULL);
			for (i = 0; i < h; i++)
				for (j = 0; j < w; j++) {
					float *d = cc + i * op->ldc + j, t = tile[i * nr + j];

					*d = epi1(accumulate ? *d + t : t, epp, i);
				}
		}
	}
}

/* Rows i0..i0+m-1, columns j0..j0+n-1 of C (i0 a multiple of MR). B is
 * packed KC x NC at a time and reused by every MC block when M > MC;
 * otherwise SUB_NC columns at a time (L2-sized), right before the tiles
 * use them. abuf: MC x KC (unused with a pre-packed A), bbuf: KC x
 * (NC + NR), or KC x SUB_NC when M <= MC. */
static void sgemm_serial(const struct te_sgemm_op *op, const struct sk *kn, size_t i0,
			 size_t m, size_t j0, size_t n, float *abuf, float *bbuf)
{
	size_t mr = kn->mr, nr = kn->nr, mc = mr * 16, k = op->k, jc, pc, ic, jb, i, j;
	int whole = m > mc;

	if (k == 0) {
		struct te_ukr_epi ep = { op->rbias ? op->rbias + i0 : NULL, op->relu };

		for (i = 0; i < m; i++)
			for (j = 0; j < n; j++)
				op->c[(i0 + i) * op->ldc + j0 + j] = epi1(0.0f, &ep, i);
		return;
	}
	for (jc = 0; jc < n; jc += NC) {
		size_t nc = n - jc < NC ? n - jc : NC, sub = whole ? nc : SUB_NC;

		for (pc = 0; pc < k; pc += KC) {
			size_t kc = k - pc < KC ? k - pc : KC;
			int last = pc + kc == k && (op->rbias || op->relu);

			if (te_cancelled())
				return;
			if (whole)
				pack_cols(op, pc, kc, j0 + jc, nc, nr, bbuf);
			for (ic = 0; ic < m; ic += mc) {
				size_t mcc = m - ic < mc ? m - ic : mc;
				const float *ab = abuf;

				if (te_cancelled())
					return;
				if (op->ap)
					ab = op->ap + pc * op->apk.mpad + (i0 + ic) * kc;
				else
					pack_a(op->a + (i0 + ic) * op->lda + pc, op->lda, mcc, kc, mr,
					       abuf);
				for (jb = 0; jb < nc; jb += sub) {
					size_t nb = nc - jb < sub ? nc - jb : sub;

					if (!whole)
						pack_cols(op, pc, kc, j0 + jc + jb, nb, nr, bbuf);
					run_tiles(op, kn, ab, whole ? bbuf + jb * kc : bbuf, kc,
						  i0 + ic, mcc, j0 + jc + jb, nb, pc > 0, last);
				}
			}
		}
	}
}

static void sgemm_part(void *opaque, size_t begin, size_t end)
{
	struct sgemm_args *g = opaque;
	const struct te_sgemm_op *op = g->op;
	size_t mr = g->kern.mr, nr = g->kern.nr, p;
	int whole = (g->part_m ? g->step : op->m) > mr * 16;
	float *abuf = op->ap ? NULL : malloc(mr * 16 * KC * sizeof(float));
	float *bbuf = malloc((whole ? NC + nr : SUB_NC) * KC * sizeof(float));

	if ((!op->ap && !abuf) || !bbuf) {
		atomic_store(&g->failed, 1);
		free(abuf);
		free(bbuf);
		return;
	}
	for (p = begin; p < end; p++) {
		size_t lo = p * g->step;

		if (g->part_m)
			sgemm_serial(op, &g->kern, lo, op->m - lo < g->step ? op->m - lo : g->step,
				     0, op->n, abuf, bbuf);
		else
			sgemm_serial(op, &g->kern, 0, op->m, lo,
				     op->n - lo < g->step ? op->n - lo : g->step, abuf, bbuf);
	}
	free(abuf);
	free(bbuf);
}

int te_sgemm_run(struct snpu_te_pool *pool, const struct te_sgemm_op *op)
{
	struct sgemm_args g;
	size_t threads = te_pool_threads(pool), m = op->m, n = op->n;
	double work = (double)m * n * op->k;

	memset(&g, 0, sizeof(g));
	g.op = op;
	g.parts = 1;
	g.part_m = 1;
	g.step = m;
	atomic_init(&g.failed, 0);
	/* a pre-packed A was packed for this M with the kernel of apk.isa */
	pick_kernel(op->ap ? op->apk.isa : te_isa(), m, &g.kern);
	if (m == 0 || n == 0)
		return 0;
	if (threads > 1 && work >= 64.0 * 64 * 64) {
		/* split the larger side: each part packs its own panels of the other
		 * operand; M parts start on a tile row (48: a multiple of every MR) */
		if (m >= n) {
			g.step = (m + threads - 1) / threads;
			g.step = (g.step + 47) / 48 * 48;
		} else {
			g.part_m = 0;
			g.step = (n + threads - 1) / threads;
			g.step = (g.step + 31) / 32 * 32;
		}
		g.parts = ((g.part_m ? m : n) + g.step - 1) / g.step;
	}
	te_parallel_for(pool, g.parts, 1, sgemm_part, &g);
	return atomic_load(&g.failed) ? -1 : 0;
}

/* Thin products (te_sgemm_thin: a batch of a batched GEMM, matrix-vector):
 * row-by-row axpy loops, no packing and no panel allocation. */
static void sgemm_direct(size_t m, size_t n, size_t k, const float *a, size_t lda,
			 const float *b, size_t ldb, float *c, size_t ldc)
{
	size_t i, j, q;

	for (i = 0; i < m; i++) {
		float *cr = c + i * ldc;

		if (te_cancelled())
			return;
		if (n == 1) {	/* a dot product */
			float s = 0.0f;

			for (q = 0; q < k; q++) {
				if (te_cancelled_at(q))
					return;
				s += a[i * lda + q] * b[q * ldb];
			}
			cr[0] = s;
			continue;
		}
		for (j = 0; j < n; j++)
			cr[j] = 0.0f;
		for (q = 0; q < k; q++) {
			const float aq = a[i * lda + q], *br = b + q * ldb;

			if (te_cancelled_at(q * n))
				return;
			for (j = 0; j < n; j++)
				cr[j] += aq * br[j];
		}
	}
}

void te_sgemm(struct snpu_te_pool *pool, size_t m, size_t n, size_t k, const float *a,
	      size_t lda, const float *b, size_t ldb, float *c, size_t ldc)
{
	struct te_sgemm_op op;

	if (m == 0 || n == 0)
		return;
	if (te_sgemm_thin(m, n)) {
		sgemm_direct(m, n, k, a, lda, b, ldb, c, ldc);
		return;
	}
	memset(&op, 0, sizeof(op));
	op.m = m;
	op.n = n;
	op.k = k;
	op.a = a;
	op.lda = lda;
	op.b = b;
	op.ldb = ldb;
	op.c = c;
	op.ldc = ldc;
	if (te_sgemm_run(pool, &op)) {	/* out of memory in a task: plain loops */
		size_t i, j, q;

		for (i = 0; i < m && !te_cancelled(); i++)
			for (j = 0; j < n; j++) {
				float s = 0.0f;

				for (q = 0; q < k; q++)
					s += a[i * lda + q] * b[q * ldb + j];
				c[i * ldc + j] = s;
			}
	}
}
