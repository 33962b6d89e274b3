/* SPDX-License-Identifier: MIT */
/*
 * The host GEMM libraries the tensor engine is measured against (OpenBLAS,
 * BLIS, oneDNN), loaded with dlopen so none is a build or run dependency:
 * their entry points, library names and row-major calls. Shared by
 * snpu-bench (bench/bench_compute.c) and te_bench (tests/host/te_bench.c).
 */
#ifndef SNPU_BENCH_HOSTBLAS_H
#define SNPU_BENCH_HOSTBLAS_H

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define HOSTBLAS_OPENBLAS	"libopenblas.so.0"
#define HOSTBLAS_BLIS		"libblis.so.4"
#define HOSTBLAS_DNNL		"libdnnl.so.2"

/* Fortran BLAS sgemm_ (OpenBLAS, BLIS) */
typedef void (*hostblas_sgemm_f77)(const char *, const char *, const int *, const int *,
				   const int *, const float *, const float *, const int *,
				   const float *, const int *, const float *, float *, const int *);
/* oneDNN dnnl_sgemm (row-major) */
typedef int (*hostblas_dnnl_sgemm)(char, char, int64_t, int64_t, int64_t, float, const float *,
				   int64_t, const float *, int64_t, float, float *, int64_t);
/* oneDNN dnnl_gemm_u8s8s32 (row-major) */
typedef int (*hostblas_dnnl_u8s8)(char, char, char, int64_t, int64_t, int64_t, float,
				  const uint8_t *, int64_t, uint8_t, const int8_t *, int64_t,
				  int8_t, float, int32_t *, int64_t, const int32_t *);

/* lib's symbol name, or NULL (lib missing). */
static inline void *hostblas_sym(const char *lib, const char *name)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

	return h ? dlsym(h, name) : NULL;
}

/* Every library uses n threads (set before the first call). */
static inline void hostblas_threads(unsigned int n)
{
	char nt[16];

	snprintf(nt, sizeof(nt), "%u", n);
	setenv("OPENBLAS_NUM_THREADS", nt, 1);
	setenv("BLIS_NUM_THREADS", nt, 1);
	setenv("OMP_NUM_THREADS", nt, 1);
}

/* Row-major C[m][n] = A[m][k] B[k][n] with a Fortran sgemm_: column-major
 * C^T = B^T A^T. */
static inline void hostblas_f77_rowmajor(hostblas_sgemm_f77 fn, int m, int n, int k,
					 const float *a, const float *b, float *c)
{
	float one = 1.0f, zero = 0.0f;

	fn("N", "N", &n, &m, &k, &one, b, &n, a, &k, &zero, c, &n);
}

/* Row-major C = A B with oneDNN, fp32 and u8 x s8 -> s32 (zero offsets). */
static inline void hostblas_dnnl_rowmajor(hostblas_dnnl_sgemm fn, int m, int n, int k,
					  const float *a, const float *b, float *c)
{
	fn('N', 'N', m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
}

static inline void hostblas_u8s8_rowmajor(hostblas_dnnl_u8s8 fn, int m, int n, int k,
					  const uint8_t *a, const int8_t *b, int32_t *c)
{
	int32_t co = 0;

	fn('N', 'N', 'F', m, n, k, 1.0f, a, k, 0, b, n, 0, 0.0f, c, n, &co);
}

#endif /* SNPU_BENCH_HOSTBLAS_H */
