// SPDX-License-Identifier: MIT
/*
 * x86 micro-kernels of the tensor engine, compiled with function target
 * attributes so the rest of the core needs no -m flags; te_gemm.c and
 * te_igemm.c call them only when the CPU has the ISA.
 *
 *   te_sgemm_ukr_avx2    6 x 16 fp32 tile, 12 ymm accumulators, FMA
 *   te_sgemm_ukr_avx512  12 x 32 fp32 tile, 24 zmm accumulators, FMA
 *   te_sgemm_ukr_avx512_8  8 x 32, the same (for M a multiple of 8)
 *   te_igemm_ukr_vnni    8 x 32 int32 tile, VPDPBUSD (u8 x s8, 4 per lane;
 *                        the non-saturating form, so sums wrap like the
 *                        reference's int32)
 *   te_igemm_ukr_avx2    the same tile with VPMADDWD on int16 halves
 *   te_epi_s8_avx512     the int8 requantising epilogue (snpu_quant.h), 16
 *                        lanes, 64-bit products; bit-identical to the scalar
 * The row loops are fully unrolled (GCC unroll pragmas) so the accumulator
 * arrays live in registers rather than on the stack.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include "te_internal.h"

__attribute__((target("avx2,fma")))
void te_sgemm_ukr_avx2(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
		       int accumulate, const struct te_ukr_epi *ep)
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
		if (ep && ep->bias) {
			__m256 b = _mm256_set1_ps(ep->bias[i]);

			acc[i][0] = _mm256_add_ps(acc[i][0], b);
			acc[i][1] = _mm256_add_ps(acc[i][1], b);
		}
		if (ep && ep->relu) {	/* max(0, v): NaN and -0 stay as they are */
			acc[i][0] = _mm256_max_ps(_mm256_setzero_ps(), acc[i][0]);
			acc[i][1] = _mm256_max_ps(_mm256_setzero_ps(), acc[i][1]);
		}
		_mm256_storeu_ps(row, acc[i][0]);
		_mm256_storeu_ps(row + 8, acc[i][1]);
	}
}

/* MR x 32 with MR = 12 (24 accumulators) or 8 (16: M = 8, 16, 32, 64, 128
 * without the padded edge tile of 12). */
#define SGEMM_AVX512(name, MR)								\
__attribute__((target("avx512f")))							\
void name(size_t k, const float *ap, const float *bp, float *c, size_t ldc, int accumulate, \
	  const struct te_ukr_epi *ep)								\
{											\
	__m512 acc[MR][2];								\
	size_t p;									\
	int i;										\
											\
	_Pragma("GCC unroll 16")							\
	for (i = 0; i < MR; i++)							\
		acc[i][0] = acc[i][1] = _mm512_setzero_ps();				\
	for (p = 0; p < k; p++) {							\
		__m512 b0 = _mm512_loadu_ps(bp);					\
		__m512 b1 = _mm512_loadu_ps(bp + 16);					\
											\
		_Pragma("GCC unroll 16")						\
		for (i = 0; i < MR; i++) {						\
			__m512 av = _mm512_set1_ps(ap[i]);				\
											\
			acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);			\
			acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);			\
		}									\
		ap += MR;								\
		bp += TE_AVX512_NR;							\
	}										\
	_Pragma("GCC unroll 16")							\
	for (i = 0; i < MR; i++) {							\
		float *row = c + i * ldc;						\
											\
		if (accumulate) {							\
			acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(row));	\
			acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(row + 16)); \
		}									\
		if (ep && ep->bias) {							\
			__m512 b = _mm512_set1_ps(ep->bias[i]);				\
											\
			acc[i][0] = _mm512_add_ps(acc[i][0], b);			\
			acc[i][1] = _mm512_add_ps(acc[i][1], b);			\
		}									\
		if (ep && ep->relu) {							\
			acc[i][0] = _mm512_max_ps(_mm512_setzero_ps(), acc[i][0]);	\
			acc[i][1] = _mm512_max_ps(_mm512_setzero_ps(), acc[i][1]);	\
		}									\
		_mm512_storeu_ps(row, acc[i][0]);					\
		_mm512_storeu_ps(row + 16, acc[i][1]);					\
	}										\
}
SGEMM_AVX512(te_sgemm_ukr_avx512, TE_AVX512_MR)
SGEMM_AVX512(te_sgemm_ukr_avx512_8, 8)

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
/* snpu_requant_apply with shift <= 0 and mult >= 0 (so SRDHM's
 * INT32_MIN * INT32_MIN case cannot occur), then snpu_epi_s8's zero point
 * and clamps, 16 lanes at a time. */
__attribute__((target("avx512f")))
size_t te_epi_s8_avx512(const int32_t *acc, int8_t *out, size_t n, int32_t bias, int32_t mult,
			int32_t right, int32_t zp, int32_t lo, int32_t hi)
{
	const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
	const __m512i mv = _mm512_set1_epi64(mult), bv = _mm512_set1_epi32(bias);
	const __m512i npos = _mm512_set1_epi64(1ll << 30), nneg = _mm512_set1_epi64(1 - (1ll << 30));
	const __m512i tz = _mm512_set1_epi64((1ll << 31) - 1);
	const int32_t mask = (int32_t)((1ull << right) - 1);
	const __m512i maskv = _mm512_set1_epi32(mask), thr0 = _mm512_set1_epi32(mask >> 1);
	const __m512i rv = _mm512_set1_epi32(right), zpv = _mm512_set1_epi32(zp);
	const __m512i big = _mm512_set1_epi32(1 << 30), nbig = _mm512_set1_epi32(-(1 << 30));
	const __m512i lo8 = _mm512_set1_epi32(-128), hi8 = _mm512_set1_epi32(127);
	const __m512i lov = _mm512_set1_epi32(lo), hiv = _mm512_set1_epi32(hi);
	size_t i, done = n / 16 * 16;

	for (i = 0; i < done; i += 16) {
		__m512i a = _mm512_add_epi32(_mm512_loadu_si512((const void *)(acc + i)), bv);
		__m512i h[2], r, rem, thr;
		__mmask16 lt;
		int e;

		h[0] = _mm512_mul_epi32(a, mv);				/* even lanes */
		h[1] = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), mv);	/* odd lanes */
		for (e = 0; e < 2; e++) {
			__mmask8 neg = _mm512_cmplt_epi64_mask(h[e], zero);
			__m512i v = _mm512_add_epi64(h[e], _mm512_mask_blend_epi64(neg, npos, nneg));

			/* divide by 2^31 rounding toward zero */
			v = _mm512_mask_add_epi64(v, _mm512_cmplt_epi64_mask(v, zero), v, tz);
			h[e] = _mm512_srai_epi64(v, 31);
		}
		r = _mm512_mask_blend_epi32(0xaaaa, h[0], _mm512_slli_epi64(h[1], 32));
		/* RoundingDivideByPOT */
		rem = _mm512_and_si512(r, maskv);
		thr = _mm512_mask_add_epi32(thr0, _mm512_cmplt_epi32_mask(r, zero), thr0, one);
		r = _mm512_srav_epi32(r, rv);
		r = _mm512_mask_add_epi32(r, _mm512_cmpgt_epi32_mask(rem, thr), r, one);
		/* + zp saturated, clamp to int8, then the activation's clamp */
		r = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(r, nbig), big), zpv);
		r = _mm512_min_epi32(_mm512_max_epi32(r, lo8), hi8);
		/* snpu_clamp_s32(r, lo, hi) exactly, also if lo > hi */
		lt = _mm512_cmplt_epi32_mask(r, lov);
		r = _mm512_mask_mov_epi32(r, _mm512_cmpgt_epi32_mask(r, hiv), hiv);
		r = _mm512_mask_mov_epi32(r, lt, lov);
		_mm_storeu_si128((__m128i *)(out + i), _mm512_cvtepi32_epi8(r));
	}
	return done;
}

#else
/* Non-x86 hosts run the portable kernels only. */
typedef int te_kern_x86_unused;
#endif
