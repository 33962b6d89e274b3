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
#define PORT_MR 4
#define PORT_NR 16

/* sgemm_part's panel buffers are what te_budget.c counts per thread */
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

static void ukr_portable(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
			 int accumulate)
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
			c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

typedef void (*sukr_fn)(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
			int accumulate);

struct sgemm_args {
	size_t m, n, k, lda, ldb, ldc;
	const float *a, *b;
	float *c;
	size_t parts, part_m;	/* split along M when part_m, else along N */
	size_t step;
	enum te_isa isa;
	atomic_int failed;
};

static void pack_b(const float *b, size_t ldb, size_t kc, size_t nc, size_t nr, float *bp)
{
	size_t j, p, jj;

	for (j = 0; j < nc; j += nr) {
		size_t w = nc - j < nr ? nc - j : nr;

		for (p = 0; p < kc; p++) {
			const float *src = b + p * ldb + j;

			for (jj = 0; jj < w; jj++)
				bp[p * nr + jj] = src[jj];
			for (; jj < nr; jj++)
				bp[p * nr + jj] = 0.0f;
		}
		bp += kc * nr;
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

static void sgemm_serial(enum te_isa isa, size_t m, size_t n, size_t k, const float *a,
			 size_t lda, const float *b, size_t ldb, float *c, size_t ldc,
			 float *abuf, float *bbuf)
{
	size_t mr = PORT_MR, nr = PORT_NR, mc, jc, pc, ic, jr, ir, i, j;
	sukr_fn ukr = ukr_portable;
	float tile[TE_AVX512_MR * TE_AVX512_NR];

#if defined(__x86_64__)
	if (isa == TE_ISA_AVX512) {
		mr = TE_AVX512_MR;
		nr = TE_AVX512_NR;
		ukr = te_sgemm_ukr_avx512;
	} else if (isa == TE_ISA_AVX2) {
		mr = TE_AVX2_MR;
		nr = TE_AVX2_NR;
		ukr = te_sgemm_ukr_avx2;
	}
#else
	(void)isa;
#endif
	mc = mr * 16;
	if (k == 0) {
		for (i = 0; i < m; i++)
			memset(c + i * ldc, 0, n * sizeof(float));
		return;
	}
	for (jc = 0; jc < n; jc += NC) {
		size_t nc = n - jc < NC ? n - jc : NC;

		for (pc = 0; pc < k; pc += KC) {
			size_t kc = k - pc < KC ? k - pc : KC;

			pack_b(b + pc * ldb + jc, ldb, kc, nc, nr, bbuf);
			for (ic = 0; ic < m; ic += mc) {
				size_t mcc = m - ic < mc ? m - ic : mc;

				if (te_cancelled())
					return;
				pack_a(a + ic * lda + pc, lda, mcc, kc, mr, abuf);
				for (jr = 0; jr < nc; jr += nr)
				for (ir = 0; ir < mcc; ir += mr) {
					const float *ap = abuf + (ir / mr) * kc * mr;
					const float *bp = bbuf + (jr / nr) * kc * nr;
					float *cc = c + (ic + ir) * ldc + jc + jr;
					size_t h = mcc - ir < mr ? mcc - ir : mr;
					size_t w = nc - jr < nr ? nc - jr : nr;

					if (h == mr && w == nr) {
						ukr(kc, ap, bp, cc, ldc, pc > 0);
						continue;
					}
					ukr(kc, ap, bp, tile, nr, 0);
					for (i = 0; i < h; i++)
						for (j = 0; j < w; j++)
							cc[i * ldc + j] = pc > 0 ?
								cc[i * ldc + j] + tile[i * nr + j] :
								tile[i * nr + j];
				}
			}
		}
	}
}

static void sgemm_part(void *opaque, size_t begin, size_t end)
{
	const struct sgemm_args *g = opaque;
	size_t mcap = TE_AVX512_MR * 16, ncap = NC + TE_AVX512_NR;
	float *abuf = malloc(mcap * KC * sizeof(float));
	float *bbuf = malloc(ncap * KC * sizeof(float));
	size_t p;

	if (!abuf || !bbuf) {
		atomic_store(&((struct sgemm_args *)opaque)->failed, 1);
		free(abuf);
		free(bbuf);
		return;
	}
	for (p = begin; p < end; p++) {
		size_t lo = p * g->step;

		if (g->part_m) {
			size_t h = g->m - lo < g->step ? g->m - lo : g->step;

			sgemm_serial(g->isa, h, g->n, g->k, g->a + lo * g->lda, g->lda, g->b,
				     g->ldb, g->c + lo * g->ldc, g->ldc, abuf, bbuf);
		} else {
			size_t w = g->n - lo < g->step ? g->n - lo : g->step;

			sgemm_serial(g->isa, g->m, w, g->k, g->a, g->lda, g->b + lo, g->ldb,
				     g->c + lo, g->ldc, abuf, bbuf);
		}
	}
	free(abuf);
	free(bbuf);
}

/* Thin products (M < 4 or N < 8: a batch of a batched GEMM, matrix-vector):
 * row-by-row axpy loops, no packing and no panel allocation. */
static int sgemm_small(size_t m, size_t n)
{
	return m < 4 || n < 8;
}

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
	struct sgemm_args g = { m, n, k, lda, ldb, ldc, a, b, c, 1, 1, m, te_isa(), 0 };
	size_t threads = te_pool_threads(pool);
	double work = (double)m * n * k;

	if (m == 0 || n == 0)
		return;
	if (sgemm_small(m, n)) {
		sgemm_direct(m, n, k, a, lda, b, ldb, c, ldc);
		return;
	}
	if (threads > 1 && work >= 64.0 * 64 * 64) {
		/* split the larger side: each part packs all of the other operand */
		if (m >= n) {
			g.step = (m + threads - 1) / threads;
			g.step = (g.step + 31) / 32 * 32;
		} else {
			g.part_m = 0;
			g.step = (n + threads - 1) / threads;
			g.step = (g.step + 31) / 32 * 32;
		}
		g.parts = ((g.part_m ? m : n) + g.step - 1) / g.step;
	}
	te_parallel_for(pool, g.parts, 1, sgemm_part, &g);
	if (atomic_load(&g.failed)) {	/* out of memory in a task: plain loops */
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
