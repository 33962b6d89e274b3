// SPDX-License-Identifier: MIT
/*
 * int8 GEMM of the tensor engine: C[m][n] = sum_k U[m][k] * S[k][n] with U
 * unsigned (activations + 128), S signed (symmetric weights), int32 sums
 * that wrap modulo 2^32 exactly like the reference. The callers subtract
 * (zero_point + 128) * column sums of S afterwards.
 *
 * K is padded to a multiple of 4 with zeros; S is packed once into 32-column
 * panels of 4-byte k groups (the VPDPBUSD operand layout; callers with
 * fixed weights pack once per command: te_igemm_pack_s/te_igemm_packed),
 * U in blocks of up to TE_IGEMM_UBLOCK 8-row panels per task. Kernels:
 * AVX-512 VNNI, AVX2 VPMADDWD (te_kern_x86.c) or portable C.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "te_internal.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MR TE_VNNI_MR
#define NR TE_VNNI_NR

struct igemm_args {
	size_t m, n, k4, ldu, ldc, k;
	int kmajor;		/* U given as [K][M] */
	const uint8_t *u;
	const int8_t *sp;	/* packed S */
	int32_t *c;
	int isa;		/* 2 VNNI, 1 AVX2, 0 portable */
	size_t bpan;		/* U panels per row block */
	atomic_int failed;
};

static void ukr_portable(size_t k4, const uint8_t *up, const int8_t *sp, int32_t *c,
			 size_t ldc)
{
	uint32_t acc[MR][NR];
	size_t p, i, j, t;

	memset(acc, 0, sizeof(acc));
	for (p = 0; p < k4; p++) {
		for (i = 0; i < MR; i++)
			for (j = 0; j < NR; j++) {
				int32_t s = 0;

				for (t = 0; t < 4; t++)
					s += (int32_t)up[4 * i + t] * sp[4 * j + t];
				acc[i][j] += (uint32_t)s;
			}
		up += 4 * MR;
		sp += 4 * NR;
	}
	for (i = 0; i < MR; i++)
		for (j = 0; j < NR; j++)
			c[i * ldc + j] = (int32_t)acc[i][j];
}

/* Four K-major rows of MR bytes each, interleaved into MR groups of 4
 * (the VPDPBUSD operand): one 4 x 8 byte transpose with SSE2 unpacks. */
static void pack4x8(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, const uint8_t *r3,
		    uint8_t *d)
{
#if defined(__SSE2__)
	__m128i a = _mm_loadl_epi64((const __m128i *)r0), b = _mm_loadl_epi64((const __m128i *)r1);
	__m128i c = _mm_loadl_epi64((const __m128i *)r2), e = _mm_loadl_epi64((const __m128i *)r3);
	__m128i ab = _mm_unpacklo_epi8(a, b), ce = _mm_unpacklo_epi8(c, e);

	_mm_storeu_si128((__m128i *)d, _mm_unpacklo_epi16(ab, ce));
	_mm_storeu_si128((__m128i *)(d + 16), _mm_unpackhi_epi16(ab, ce));
#else
	int i;

	for (i = 0; i < 8; i++) {
		d[4 * i] = r0[i];
		d[4 * i + 1] = r1[i];
		d[4 * i + 2] = r2[i];
		d[4 * i + 3] = r3[i];
	}
#endif
}
_Static_assert(MR % 8 == 0, "pack4x8 packs 8-row groups");

/* U rows i0..i0+h-1 into up[k4][MR][4], zero padded in K and rows. */
static void pack_u(const struct igemm_args *g, size_t i0, size_t h, uint8_t *up)
{
	size_t p, i, t, kfull = g->k / 4;

	if (h < MR || kfull < g->k4)
		memset(up, 0, g->k4 * 4 * MR);
	if (g->kmajor && h == MR) {
		for (p = 0; p < kfull; p++) {
			const uint8_t *src = g->u + 4 * p * g->ldu + i0;

			for (i = 0; i < MR; i += 8)
				pack4x8(src + i, src + g->ldu + i, src + 2 * g->ldu + i,
					src + 3 * g->ldu + i, up + (p * MR + i) * 4);
		}
	} else if (!g->kmajor) {
		for (i = 0; i < h; i++) {
			const uint8_t *src = g->u + (i0 + i) * g->ldu;

			for (p = 0; p < kfull; p++)
				memcpy(up + (p * MR + i) * 4, src + 4 * p, 4);
		}
	} else {
		kfull = 0;
	}
	for (p = kfull; p < g->k4; p++)	/* the K tail, or all of a short panel */
		for (t = 0; t < 4 && 4 * p + t < g->k; t++) {
			size_t kk = 4 * p + t;
			uint8_t *d = up + p * MR * 4 + t;

			for (i = 0; i < h; i++)
				d[4 * i] = g->kmajor ? g->u[kk * g->ldu + i0 + i] :
						       g->u[(i0 + i) * g->ldu + kk];
		}
}

/* Row blocks: each task packs up to TE_IGEMM_UBLOCK U panels (MR rows
 * each, kept in L2) and runs them against one NR-wide S panel at a time
 * (kept in L1), so S streams from memory once per block instead of once
 * per 8 rows. */
static void rows_task(void *opaque, size_t begin, size_t end)
{
	const struct igemm_args *g = opaque;
	size_t psz = g->k4 * 4 * MR, npan = (g->m + MR - 1) / MR;
	uint8_t *ub = malloc(psz * g->bpan);
	int32_t tile[MR * NR];
	size_t blk, pi, i, jr, j;

	if (!ub) {
		atomic_store(&((struct igemm_args *)opaque)->failed, 1);
		return;
	}
	for (blk = begin; blk < end; blk++) {
		size_t p0 = blk * g->bpan, p1 = p0 + g->bpan < npan ? p0 + g->bpan : npan;

		if (te_cancelled())
			break;
		for (pi = p0; pi < p1; pi++) {
			size_t i0 = pi * MR;

			pack_u(g, i0, g->m - i0 < MR ? g->m - i0 : MR, ub + (pi - p0) * psz);
		}
		for (jr = 0; jr < g->n; jr += NR) {
			const int8_t *sp = g->sp + (jr / NR) * g->k4 * 4 * NR;
			size_t w = g->n - jr < NR ? g->n - jr : NR;

			if (((jr / NR) & 15) == 15 && te_cancelled())
				break;
			for (pi = p0; pi < p1; pi++) {
				size_t i0 = pi * MR, h = g->m - i0 < MR ? g->m - i0 : MR;
				const uint8_t *up = ub + (pi - p0) * psz;
				int full = h == MR && w == NR;
				int32_t *dst = full ? g->c + i0 * g->ldc + jr : tile;
				size_t ldd = full ? g->ldc : NR;

#if defined(__x86_64__)
				if (g->isa == 2)
					te_igemm_ukr_vnni(g->k4, up, sp, dst, ldd);
				else if (g->isa == 1)
					te_igemm_ukr_avx2(g->k4, up, sp, dst, ldd);
				else
#endif
					ukr_portable(g->k4, up, sp, dst, ldd);
				if (full)
					continue;
				for (i = 0; i < h; i++)
					for (j = 0; j < w; j++)
						g->c[(i0 + i) * g->ldc + jr + j] = tile[i * NR + j];
			}
		}
	}
	free(ub);
}

/* Unpacked loops, same wrapping sums (the order does not matter modulo
 * 2^32): small or thin products, and the out-of-memory fallback. */
static void plain(size_t m, size_t n, size_t k, const uint8_t *u, size_t ldu, int kmajor,
		  const int8_t *s, size_t lds, int32_t *c, size_t ldc)
{
	size_t i, j, q;

	for (i = 0; i < m && !te_cancelled(); i++) {
		uint32_t *cr = (uint32_t *)(c + i * ldc);

		if (n == 1) {	/* a dot product */
			uint32_t acc = 0;

			for (q = 0; q < k; q++) {
				if (te_cancelled_at(q))
					return;
				acc += (uint32_t)((int32_t)u[kmajor ? q * ldu + i : i * ldu + q] *
						  s[q * lds]);
			}
			cr[0] = acc;
			continue;
		}
		for (j = 0; j < n; j++)
			cr[j] = 0;
		for (q = 0; q < k; q++) {
			const int32_t uq = u[kmajor ? q * ldu + i : i * ldu + q];
			const int8_t *sr = s + q * lds;

			if (te_cancelled_at(q * n))
				return;
			for (j = 0; j < n; j++)
				cr[j] += (uint32_t)(uq * sr[j]);
		}
	}
}

size_t te_igemm_spack_size(size_t n, size_t k)
{
	return (n + NR - 1) / NR * NR * ((k + 3) / 4 * 4);
}

void te_igemm_pack_s(size_t n, size_t k, const int8_t *s, size_t lds, int s_nmajor,
		     int8_t *sp)
{
	size_t k4 = (k + 3) / 4, panels = (n + NR - 1) / NR, pj, p, j, t;

	for (pj = 0; pj < panels && !te_cancelled(); pj++) {
		size_t w = n - pj * NR < NR ? n - pj * NR : NR;

		for (p = 0; p < k4; p++) {
			int8_t *d = sp + (pj * k4 + p) * NR * 4;
			size_t kt = k - 4 * p < 4 ? k - 4 * p : 4;

			if (!s_nmajor && kt == 4 && w == NR) {	/* 4 rows of 32 bytes */
				const uint8_t *r = (const uint8_t *)s + 4 * p * lds + pj * NR;

				for (j = 0; j < NR; j += 8)
					pack4x8(r + j, r + lds + j, r + 2 * lds + j,
						r + 3 * lds + j, (uint8_t *)d + 4 * j);
				continue;
			}
			if (kt < 4 || w < NR)
				memset(d, 0, NR * 4);
			for (j = 0; j < w; j++) {
				size_t col = pj * NR + j;

				if (s_nmajor && kt == 4) {	/* 4 contiguous k of column col */
					memcpy(d + 4 * j, s + col * lds + 4 * p, 4);
					continue;
				}
				for (t = 0; t < kt; t++)
					d[4 * j + t] = s_nmajor ? s[col * lds + 4 * p + t] :
								  s[(4 * p + t) * lds + col];
			}
		}
	}
}

int te_igemm_packed(struct snpu_te_pool *pool, size_t m, size_t n, size_t k, const uint8_t *u,
		     size_t ldu, int u_kmajor, const int8_t *sp, int32_t *c, size_t ldc)
{
	size_t npan = (m + MR - 1) / MR, threads = te_pool_threads(pool), blocks;
	struct igemm_args g = { m, n, (k + 3) / 4, ldu, ldc, k, u_kmajor, u, sp, c,
				te_isa() == TE_ISA_AVX512 && te_cpu_has_vnni() ? 2 :
				te_isa() >= TE_ISA_AVX2 ? 1 : 0, 1, 0 };

	atomic_init(&g.failed, 0);
	if (threads < 1)
		threads = 1;
	/* blocks of <= TE_IGEMM_UBLOCK panels, a multiple of the threads */
	blocks = (npan + TE_IGEMM_UBLOCK - 1) / TE_IGEMM_UBLOCK;
	if (npan >= threads)
		blocks = (blocks + threads - 1) / threads * threads;
	g.bpan = (npan + blocks - 1) / blocks;
	te_parallel_for(pool, (npan + g.bpan - 1) / g.bpan, 1, rows_task, &g);
	return atomic_load(&g.failed) ? -1 : 0;	/* out of memory in a task */
}

void te_igemm(struct snpu_te_pool *pool, size_t m, size_t n, size_t k, const uint8_t *u,
	      size_t ldu, int u_kmajor, const int8_t *s, size_t lds, int32_t *c, size_t ldc)
{
	int8_t *sp;

	if (te_igemm_thin(m, n)) {	/* packing would cost more than it saves */
		plain(m, n, k, u, ldu, u_kmajor, s, lds, c, ldc);
		return;
	}
	sp = malloc(te_igemm_spack_size(n, k) + 1);
	if (!sp) {
		plain(m, n, k, u, ldu, u_kmajor, s, lds, c, ldc);
		return;
	}
	te_igemm_pack_s(n, k, s, lds, 0, sp);
	if (te_igemm_packed(pool, m, n, k, u, ldu, u_kmajor, sp, c, ldc))
		plain(m, n, k, u, ldu, u_kmajor, s, lds, c, ldc);
	free(sp);
}
