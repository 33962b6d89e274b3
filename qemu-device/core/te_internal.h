/* SPDX-License-Identifier: MIT */
/*
 * Tensor engine internals (te_*.c): staged operands, the thread pool's
 * parallel-for, the GEMM kernels and the per-command executors.
 *
 * Every command runs in three steps: snpu_cmd_check() (uapi/
 * snpu_cmd_regions.h) validates the descriptor; each input's byte span is
 * gathered with snpu_exec_read() into a dense host buffer (te_load); the
 * kernels compute on host memory; the output is scattered back with
 * snpu_exec_write() (te_store), keeping the bytes between strided elements.
 */
#ifndef SNPU_TE_INTERNAL_H
#define SNPU_TE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "snpu_exec.h"
#include "te_budget.h"

/* Sizes, memory and work of a command are computed once, up front, by
 * te_budget.c (te_budget.h); no buffer of a command can exceed its
 * memory budget. */
#define TE_MAX_STAGE	TE_MEM_BUDGET

/* A dense host copy of a tensor in logical (i0, i1, i2, i3) order. An axis
 * of dim 1, or of stride 0 when te_load() may collapse it, has st[] 0. */
struct te_view {
	void *data;
	uint32_t dim[4];
	size_t st[4];		/* element strides of data */
	uint32_t dtype;		/* of data: FP32 when loaded as f32 */
	uint32_t esize;
};

/* Load t; to_f32: convert fp16 to fp32; collapse: bit i set lets a
 * stride-0 axis i stay unexpanded (TE_ALL_AXES for element-wise use). */
#define TE_ALL_AXES	0xfu
enum snpu_err te_load(struct snpu_exec *x, const struct snpu_tensor *t, int to_f32,
		      unsigned int collapse, struct te_view *v);
/* A dense NCHW-ordered buffer for output t (fp16 outputs held as fp32 if
 * as_f32). */
enum snpu_err te_alloc_out(struct snpu_exec *x, const struct snpu_tensor *t, int as_f32,
			   struct te_view *v);
/* Write v (from te_alloc_out) to t, converting fp32 back to fp16. */
enum snpu_err te_store(struct snpu_exec *x, const struct snpu_tensor *t, struct te_view *v);
void te_view_free(struct te_view *v);
/* Read len bytes at va into a new buffer. */
enum snpu_err te_read_new(struct snpu_exec *x, uint64_t va, size_t len, void **out);

static inline size_t te_off(const struct te_view *v, uint32_t a, uint32_t b, uint32_t c,
			    uint32_t d)
{
	return a * v->st[0] + b * v->st[1] + c * v->st[2] + d * v->st[3];
}

/* Cancellation of the running command (te_pool.c). snpu_te_execute()
 * installs a token for its thread; te_parallel_for() hands it to the pool
 * threads for the duration of a call. te_cancelled() is cheap: long loops
 * call it per row, tile, window line or batch and stop when it is
 * nonzero; the command then fails (the results are never stored). */
struct te_cancel {
	const atomic_uint *epoch;	/* NULL: never reset (tests) */
	unsigned int want;
	uint64_t deadline_ns;		/* CLOCK_MONOTONIC, 0 = none */
	atomic_int why;			/* TE_STOP_* */
};
#define TE_STOP_RESET	1
#define TE_STOP_TIME	2
void te_cancel_begin(struct te_cancel *c);
void te_cancel_end(void);
int te_cancelled(void);
uint64_t te_mono_ns(void);
/* In element loops: te_cancelled() every 65536 iterations. */
static inline int te_cancelled_at(size_t i)
{
	return (i & 0xffff) == 0xffff && te_cancelled();
}

/* Thread pool: run fn(arg, begin, end) over [0, n) in chunks of >= grain
 * on the pool's threads and the caller; returns when all are done. A NULL
 * pool, or a call from inside a task, runs serially. */
typedef void (*te_task_fn)(void *arg, size_t begin, size_t end);
void te_parallel_for(struct snpu_te_pool *pool, size_t n, size_t grain, te_task_fn fn,
		     void *arg);
unsigned int te_pool_threads(const struct snpu_te_pool *pool);

/* Kernel ISA selection (runtime dispatch; te_set_isa for tests/benches). */
enum te_isa {
	TE_ISA_PORTABLE = 0,
	TE_ISA_AVX2 = 1,	/* AVX2 + FMA */
	TE_ISA_AVX512 = 2,	/* AVX-512F (+ VNNI for int8 when present) */
	TE_ISA_AUTO = 3,
};
enum te_isa te_isa(void);
/* Force an ISA (clamped to what the CPU has); TE_ISA_AUTO = best. */
void te_set_isa(enum te_isa isa);
int te_cpu_has_vnni(void);

/* C[M][N] = A[M][K] * B[K][N], fp32 row-major with leading dimensions. */
void te_sgemm(struct snpu_te_pool *pool, size_t m, size_t n, size_t k, const float *a,
	      size_t lda, const float *b, size_t ldb, float *c, size_t ldc);
/* Thin fp32 products (M < 4 or N < 8) run as plain loops, no packing. */
static inline int te_sgemm_thin(size_t m, size_t n)
{
	return m < 4 || n < 8;
}
/* The general fp32 driver: A plain ([M][K], lda) or pre-packed once by the
 * caller (te_sgemm_pack_a into te_sgemm_apack_size() floats: conv weights,
 * once per command); B plain ([K][N], ldb) or produced panel by panel by
 * bpack (implicit GEMM: conv packs B straight from the input, no im2col
 * buffer). bpack(ctx, k0, kc, j0, w, nr, bp) writes B rows k0..k0+kc-1,
 * columns j0..j0+w-1 as ceil(w / nr) consecutive panels [kc][nr], the
 * last zero padded to nr columns.
 * Not for thin products; returns nonzero when out of memory (C is then
 * incomplete). */
struct te_sgemm_apack {
	enum te_isa isa;	/* the kernel the packing is for */
	size_t mr, mpad;	/* rows per tile; M padded to mr */
};
typedef void (*te_bpack_fn)(const void *ctx, size_t k0, size_t kc, size_t j0, size_t w,
			    size_t nr, float *bp);
struct te_sgemm_op {
	size_t m, n, k;
	const float *a;
	size_t lda;
	const float *ap;		/* pre-packed A, or NULL */
	struct te_sgemm_apack apk;
	const float *b;
	size_t ldb;
	te_bpack_fn bpack;		/* or NULL: b */
	const void *bctx;
	float *c;
	size_t ldc;
	/* fused epilogue (fp32 conv, no residual): C = relu?(A B + rbias[row]) */
	const float *rbias;		/* per row of C, or NULL */
	int relu;
};
size_t te_sgemm_apack_size(size_t m, size_t k, struct te_sgemm_apack *pk);
void te_sgemm_pack_a(const struct te_sgemm_apack *pk, size_t m, size_t k, const float *a,
		     size_t lda, float *ap);
int te_sgemm_run(struct snpu_te_pool *pool, const struct te_sgemm_op *op);
/* te_sgemm_apack_size() is at most this (every MR divides 24). */
#define TE_SGEMM_APAD	24

/* C[M][N] = sum_k U[m][k] * S[k][n], U uint8, S int8, C int32 wrapping.
 * u_kmajor: U is stored as [K][M] (element (m, k) at u[k * ldu + m]). */
void te_igemm(struct snpu_te_pool *pool, size_t m, size_t n, size_t k, const uint8_t *u,
	      size_t ldu, int u_kmajor, const int8_t *s, size_t lds, int32_t *c, size_t ldc);

/* int8 with S packed by the caller (once per command for fixed weights):
 * te_igemm_spack_size() bytes (N padded to 32, K to 4); S given as
 * [K][N] (s_nmajor 0, element (k, n) at s[k * lds + n]) or as [N][K]
 * (s_nmajor 1: conv weights, s[n * lds + k]). te_igemm_packed() needs
 * !te_igemm_thin(m, n) and returns nonzero when out of memory (C is then
 * incomplete). Each task packs a block of <= TE_IGEMM_UBLOCK 8-row U
 * panels (te_budget.c counts them per thread). */
#define TE_IGEMM_UBLOCK	12
static inline int te_igemm_thin(size_t m, size_t n)
{
	return m < 4 || n < 8;
}
size_t te_igemm_spack_size(size_t n, size_t k);
void te_igemm_pack_s(size_t n, size_t k, const int8_t *s, size_t lds, int s_nmajor,
		     int8_t *sp);
int te_igemm_packed(struct snpu_te_pool *pool, size_t m, size_t n, size_t k, const uint8_t *u,
		    size_t ldu, int u_kmajor, const int8_t *sp, int32_t *c, size_t ldc);

/* Micro-kernels (te_kern_*.c): C[MR x NR] (+)= Ap[k][MR] * Bp[k][NR], then,
 * with ep (the last K block of a fused conv epilogue), + bias[row] and
 * ReLU as max(0, v) (v < 0 ? 0 : v exactly, NaN and -0 included). */
struct te_ukr_epi {
	const float *bias;	/* per tile row, or NULL */
	int relu;
};
void te_sgemm_ukr_avx2(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
		       int accumulate, const struct te_ukr_epi *ep);
void te_sgemm_ukr_avx512(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
			 int accumulate, const struct te_ukr_epi *ep);
void te_sgemm_ukr_avx512_8(size_t k, const float *ap, const float *bp, float *c, size_t ldc,
			   int accumulate, const struct te_ukr_epi *ep);
#define TE_AVX2_MR	6
#define TE_AVX2_NR	16
#define TE_AVX512_MR	12
#define TE_AVX512_NR	32
/* int8 VNNI: C[MR x 32] = Up[k/4][MR][4] . Sp[k/4][32][4]. */
void te_igemm_ukr_vnni(size_t k4, const uint8_t *up, const int8_t *sp, int32_t *c, size_t ldc);
void te_igemm_ukr_avx2(size_t k4, const uint8_t *up, const int8_t *sp, int32_t *c, size_t ldc);
#define TE_VNNI_MR	8
#define TE_VNNI_NR	32
/* int8 epilogue of one channel run, per-tensor-constant operands and a
 * right shift only (snpu_epi_s8 with shift = -right <= 0, no residual):
 * out = clamp(clamp(requant(acc + bias) + zp, -128, 127), lo, hi), with
 * |zp| <= 2^29 (the requantised value is clamped to +-2^30 first, which
 * then cannot change the result; the validator keeps int8 zero points in
 * -128..127 anyway). Handles the first n / 16 * 16 elements; returns that count. */
size_t te_epi_s8_avx512(const int32_t *acc, int8_t *out, size_t n, int32_t bias, int32_t mult,
			int32_t right, int32_t zp, int32_t lo, int32_t hi);

/* Command executors (validated by the caller). */
struct te_cmd {
	struct snpu_exec *x;
	struct snpu_te_pool *pool;
	struct snpu_te_result *res;
};
enum snpu_err te_conv2d(struct te_cmd *c, const struct snpu_cmd_conv2d *cmd);
enum snpu_err te_gemm(struct te_cmd *c, const struct snpu_cmd_gemm *cmd);
enum snpu_err te_pool_cmd(struct te_cmd *c, const struct snpu_cmd_pool *cmd);
enum snpu_err te_eltwise(struct te_cmd *c, const struct snpu_cmd_eltwise *cmd);
enum snpu_err te_activation(struct te_cmd *c, const struct snpu_cmd_activation *cmd);
enum snpu_err te_softmax(struct te_cmd *c, const struct snpu_cmd_softmax *cmd);
enum snpu_err te_move(struct te_cmd *c, const struct snpu_cmd_move *cmd);
enum snpu_err te_pad(struct te_cmd *c, const struct snpu_cmd_pad *cmd);
enum snpu_err te_convert(struct te_cmd *c, const struct snpu_cmd_convert *cmd);

/* Firmware table for a lut fn, or SNPU_ERR_NO_LUT (logged). */
enum snpu_err te_lut(struct snpu_exec *x, int fn, const struct snpu_fw_lut **lut,
		     const uint32_t **samples);

/* Timing model: te_timing.h (te_timing_predict). */

#endif /* SNPU_TE_INTERNAL_H */
