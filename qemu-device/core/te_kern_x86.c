// SPDX-License-Identifier: MIT
/*
 * x86 micro-kernels of the tensor engine, compiled with function target
 * attributes so the rest of the core needs no -m flags; te_gemm.c and
 * te_igemm.c call them only when the CPU has the ISA.
 *
 *   te_sgemm_ukr_avx2    6 x 16 fp32 tile, 12 ymm accumulators, FMA
 *   te_sgemm_ukr_avx512  12 x 32 fp32 tile, 24 zmm accumulators, FMA
 *   te_igemm_ukr_vnni    8 x 32 int32 tile, VPDPBUSD (u8 x s8, 4 per lane;
 *                        the non-saturating form, so sums wrap like the
 *                        reference's int32)
 *   te_igemm_ukr_avx2    the same tile with VPMADDWD on int16 halves
 * The row loops are fully unrolled (GCC unroll pragmas) so the accumulator
 * arrays live in registers rather than on the stack.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include "te_internal.h"

__attribute__((target("avx2,fma")))
void te_sgemm_ukr_avx2(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
		       int accumulate)
{
	__m256 acc[TE_AVX2_MR][2];
	size_t p;
	int i;

	_Pragma("GCC unroll 16")
	for (i = 0; i < TE_AVX2_MR; i++)
		acc[i][0] = acc[i][1] = _mm256_setzero_ps();
	for (p = 0; p < k; p++) {
		__m256 b0 = _mm256_loadu_ps(bp);
		__m256 b1 = _mm256_loadu_ps(bp + 8);

		_Pragma("GCC unroll 16")
		for (i = 0; i < TE_AVX2_MR; i++) {
			__m256 av = _mm256_broadcast_ss(ap + i);

			acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
			acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
		}
		ap += TE_AVX2_MR;
		bp += TE_AVX2_NR;
	}
	_Pragma("GCC unroll 16")
	for (i = 0; i < TE_AVX2_MR; i++) {
		float *row = c + i * ldc;

		if (accumulate) {
			acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(row));
			acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(row + 8));
		}
		_mm256_storeu_ps(row, acc[i][0]);
		_mm256_storeu_ps(row + 8, acc[i][1]);
	}
}

__attribute__((target("avx512f")))
void te_sgemm_ukr_avx512(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
			 int accumulate)
{
	__m512 acc[TE_AVX512_MR][2];
	size_t p;
	int i;

	_Pragma("GCC unroll 16")
	for (i = 0; i < TE_AVX512_MR; i++)
		acc[i][0] = acc[i][1] = _mm512_setzero_ps();
	for (p = 0; p < k; p++) {
		__m512 b0 = _mm512_loadu_ps(bp);
		__m512 b1 = _mm512_loadu_ps(bp + 16);

		_Pragma("GCC unroll 16")
		for (i = 0; i < TE_AVX512_MR; i++) {
			__m512 av = _mm512_set1_ps(ap[i]);

			acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
			acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
		}
		ap += TE_AVX512_MR;
		bp += TE_AVX512_NR;
	}
	_Pragma("GCC unroll 16")
	for (i = 0; i < TE_AVX512_MR; i++) {
		float *row = c + i * ldc;

		if (accumulate) {
			acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(row));
			acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(row + 16));
		}
		_mm512_storeu_ps(row, acc[i][0]);
		_mm512_storeu_ps(row + 16, acc[i][1]);
	}
}

__attribute__((target("avx512f,avx512vnni")))
void te_igemm_ukr_vnni(size_t k4, const uint8_t *up, const int8_t *sp, int32_t *c, size_t ldc)
{
	__m512i acc[TE_VNNI_MR][2];
	size_t p;
	int i;

	_Pragma("GCC unroll 16")
	for (i = 0; i < TE_VNNI_MR; i++)
		acc[i][0] = acc[i][1] = _mm512_setzero_si512();
	for (p = 0; p < k4; p++) {
		__m512i s0 = _mm512_loadu_si512((const void *)sp);
		__m512i s1 = _mm512_loadu_si512((const void *)(sp + 64));

		_Pragma("GCC unroll 16")
		for (i = 0; i < TE_VNNI_MR; i++) {
			int32_t u4;
			__m512i uv;

			__builtin_memcpy(&u4, up + 4 * i, 4);
			uv = _mm512_set1_epi32(u4);
			acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], uv, s0);
			acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], uv, s1);
		}
		up += 4 * TE_VNNI_MR;
		sp += 4 * TE_VNNI_NR;
	}
	_Pragma("GCC unroll 16")
	for (i = 0; i < TE_VNNI_MR; i++) {
		_mm512_storeu_si512((void *)(c + i * ldc), acc[i][0]);
		_mm512_storeu_si512((void *)(c + i * ldc + 16), acc[i][1]);
	}
}

/* AVX2 int8 without VNNI: the same packed operands; each 32-bit lane holds
 * 4 k values, split into even (k0, k2) and odd (k1, k3) int16 halves and
 * multiplied with VPMADDWD (exact: |u * s| <= 255 * 128, two per lane).
 * VPMADDUBSW is not used: it saturates. The 8 x 32 tile runs as four
 * 4 x 16 blocks so the accumulators fit in 16 ymm registers. */
__attribute__((target("avx2")))
void te_igemm_ukr_avx2(size_t k4, const uint8_t *up, const int8_t *sp, int32_t *c, size_t ldc)
{
	const __m256i lo8 = _mm256_set1_epi16(0x00ff);
	int rg, ch, i;
	size_t p;

	for (rg = 0; rg < TE_VNNI_MR; rg += 4)
	for (ch = 0; ch < TE_VNNI_NR; ch += 16) {
		__m256i acc[4][2];

		_Pragma("GCC unroll 4")
		for (i = 0; i < 4; i++)
			acc[i][0] = acc[i][1] = _mm256_setzero_si256();
		for (p = 0; p < k4; p++) {
			const int8_t *sq = sp + (p * TE_VNNI_NR + ch) * 4;
			__m256i s0 = _mm256_loadu_si256((const void *)sq);
			__m256i s1 = _mm256_loadu_si256((const void *)(sq + 32));
			__m256i s0e = _mm256_srai_epi16(_mm256_slli_epi16(s0, 8), 8);
			__m256i s0o = _mm256_srai_epi16(s0, 8);
			__m256i s1e = _mm256_srai_epi16(_mm256_slli_epi16(s1, 8), 8);
			__m256i s1o = _mm256_srai_epi16(s1, 8);

			_Pragma("GCC unroll 4")
			for (i = 0; i < 4; i++) {
				int32_t u4;
				__m256i uv, ue, uo;

				__builtin_memcpy(&u4, up + (p * TE_VNNI_MR + rg + i) * 4, 4);
				uv = _mm256_set1_epi32(u4);
				ue = _mm256_and_si256(uv, lo8);
				uo = _mm256_srli_epi16(uv, 8);
				acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_add_epi32(
					_mm256_madd_epi16(ue, s0e), _mm256_madd_epi16(uo, s0o)));
				acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_add_epi32(
					_mm256_madd_epi16(ue, s1e), _mm256_madd_epi16(uo, s1o)));
			}
		}
		_Pragma("GCC unroll 4")
		for (i = 0; i < 4; i++) {
			_mm256_storeu_si256((void *)(c + (rg + i) * ldc + ch), acc[i][0]);
			_mm256_storeu_si256((void *)(c + (rg + i) * ldc + ch + 8), acc[i][1]);
		}
	}
}
#else
/* Non-x86 hosts run the portable kernels only. */
typedef int te_kern_x86_unused;
#endif
