// SPDX-License-Identifier: MIT
/*
 * GEMM engine comparison for the tensor engine (docs/gemm-engine.md): the
 * engine's own kernels (every ISA) against OpenBLAS, BLIS and oneDNN,
 * loaded with dlopen so none is a build or run dependency. fp32 sgemm at
 * 1024^3 and at the GEMM shapes of typical conv layers, int8 u8 x s8 ->
 * s32 against oneDNN's dnnl_gemm_u8s8s32. Prints GFLOP/s (GOP/s), best of
 * several runs; results are checked against each other.
 *
 *   build/host/bench/te_bench [threads [gemm|int8|conv|batched|vector]]
 * The second argument runs one part only (for perf and callgrind);
 * TE_BENCH_REPS=n keeps the best of n runs instead of 5 (busy machines).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "snpu_layout.h"
#include "te_fake_exec.h"
#include "te_internal.h"
#include "../../bench/hostblas.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Runs per figure (the best is kept): TE_BENCH_REPS, default 5. */
static int reps = 5;

struct shape {
	const char *name;
	int m, n, k;
};

static const struct shape shapes[] = {
	{ "sgemm 1024^3", 1024, 1024, 1024 },
	{ "conv 3x3 64->64 @56x56", 64, 3136, 576 },
	{ "conv 3x3 128->128 @28x28", 128, 784, 1152 },
	{ "conv 1x1 256->64 @56x56", 64, 3136, 256 },
	{ "conv 3x3 32->32 @28x28 b64", 32, 50176, 288 },
	{ "fc 512x1024 b64", 64, 512, 1024 },
};

static float *rnd(size_t n)
{
	float *p = malloc(n * sizeof(float));
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (float)rand() / RAND_MAX - 0.5f;
	return p;
}

/* Best seconds of reps runs of one engine on C = A x B (row-major). */
static double run(int eng, void *fn, struct snpu_te_pool *pool, const struct shape *s,
		  const float *a, const float *b, float *c)
{
	double best = 1e30;
	int r;

	for (r = 0; r < reps; r++) {
		double t0 = now();

		if (eng == 0) {
			te_sgemm(pool, s->m, s->n, s->k, a, s->k, b, s->n, c, s->n);
		} else if (eng == 3) {
			hostblas_dnnl_rowmajor((hostblas_dnnl_sgemm)fn, s->m, s->n, s->k, a, b, c);
		} else {
			hostblas_f77_rowmajor((hostblas_sgemm_f77)fn, s->m, s->n, s->k, a, b, c);
		}
		t0 = now() - t0;
		best = t0 < best ? t0 : best;
	}
	return best;
}

/* Whole commands through snpu_te_execute (staging, im2col, epilogue). */
static void bench_commands(unsigned int threads)
{
	static const uint32_t dts[2] = { SNPU_DT_FP32, SNPU_DT_INT8 };
	struct snpu_exec *x = fake_exec_new(64u << 20, threads);
	int d, r;

	if (!x)
		return;
	for (d = 0; d < 2; d++) {
		struct snpu_cmd_conv2d c;
		struct snpu_te_result res;
		double best = 1e30, ops;
		char why[512];

		fake_reset_alloc(x);
		memset(&c, 0, sizeof(c));
		c.hdr.opcode = SNPU_OP_CONV2D;
		c.hdr.size = sizeof(c);
		if (fake_tensor(x, &c.input, dts[d], 1, 64, 56, 56, FAKE_NCHW) ||
		    fake_tensor(x, &c.weight, dts[d], 64, 64, 3, 3, FAKE_NCHW) ||
		    fake_tensor(x, &c.output, dts[d], 1, 64, 56, 56, FAKE_NCHW))
			break;
		c.weight.zero_point = 0;
		c.stride_h = c.stride_w = c.dilation_h = c.dilation_w = 1;
		c.pad_top = c.pad_left = c.pad_bottom = c.pad_right = 1;
		c.groups = 1;
		c.epi.act.fn = SNPU_ACT_RELU;
		c.epi.flags = SNPU_EPI_BIAS;
		c.epi.bias_addr = fake_alloc(x, 64 * 4);
		for (r = 0; r < 64; r++) {
			int32_t bi = (int32_t)fake_urange(0, 4000) - 2000;

			if (dts[d] == SNPU_DT_INT8)
				memcpy(x->mem + c.epi.bias_addr + 4 * r, &bi, 4);
			else
				fake_fill_f32(x, c.epi.bias_addr + 4 * r, 1, -0.5f, 0.5f);
		}
		if (dts[d] == SNPU_DT_INT8) {
			c.epi.requant_mult = 1 << 30;
			c.epi.requant_shift = -12;
		}
		for (r = 0; r < reps; r++) {
			double t0 = now();

			if (snpu_te_execute(x, &c.hdr, sizeof(c), &res) != SNPU_OK) {
				printf("conv command failed: %s\n", x->log);
				break;
			}
			t0 = now() - t0;
			best = t0 < best ? t0 : best;
		}
		ops = 2.0 * (double)res.macs;
		printf("CONV2D command %s 1x64x56x56, 3x3x64, pad 1, bias, relu: %.2f ms, "
		       "%.1f G(FL)OP/s (predicted ASIC cycles %llu)", d ? "int8" : "fp32",
		       best * 1e3, ops / best / 1e9, (unsigned long long)res.pred_cycles);
		/* the CPU reference of libaccel: fp32 within 1e-5, int8 exact */
		if (fake_run_compare(x, &c, sizeof(c), SNPU_OK, 1e-5, NULL, why, sizeof(why)))
			printf(" MISMATCH vs reference: %s\n", why);
		else
			printf(", matches the reference\n");
	}
	fake_exec_free(x);
}

/* POOL (max 2x2 stride 2, avg 3x3 stride 1 pad 1) and ELTWISE (add + relu)
 * commands over 1x64x112x112 / 1x64x56x56, fp32 and int8, checked against
 * the reference; Melem/s of output. */
static void bench_vector(unsigned int threads)
{
	static const uint32_t dts[2] = { SNPU_DT_FP32, SNPU_DT_INT8 };
	struct snpu_exec *x = fake_exec_new(64u << 20, threads);
	int d, r, k;

	if (!x)
		return;
	for (k = 0; k < 3; k++)
	for (d = 0; d < 2; d++) {
		union {
			struct snpu_cmd_pool p;
			struct snpu_cmd_eltwise e;
		} u;
		struct snpu_te_result res;
		double best = 1e30, elems;
		size_t sz;
		char why[512];
		int bad;

		fake_reset_alloc(x);
		memset(&u, 0, sizeof(u));
		if (k < 2) {
			uint32_t hw = k == 0 ? 112 : 56, oh = k == 0 ? 56 : 56;

			u.p.hdr.opcode = SNPU_OP_POOL;
			u.p.hdr.size = sizeof(u.p);
			bad = fake_tensor(x, &u.p.input, dts[d], 1, 64, hw, hw, FAKE_NCHW) ||
			      fake_tensor(x, &u.p.output, dts[d], 1, 64, oh, oh, FAKE_NCHW);
			u.p.output.zero_point = u.p.input.zero_point;
			u.p.output.scale = u.p.input.scale;
			u.p.mode = k == 0 ? SNPU_POOL_MAX : SNPU_POOL_AVG;
			u.p.kernel_h = u.p.kernel_w = k == 0 ? 2 : 3;
			u.p.stride_h = u.p.stride_w = k == 0 ? 2 : 1;
			u.p.pad_top = u.p.pad_left = u.p.pad_bottom = u.p.pad_right = k == 0 ? 0 : 1;
			elems = 64.0 * oh * oh;
			sz = sizeof(u.p);
		} else {
			u.e.hdr.opcode = SNPU_OP_ELTWISE;
			u.e.hdr.size = sizeof(u.e);
			bad = fake_tensor(x, &u.e.a, dts[d], 1, 64, 56, 56, FAKE_NCHW) ||
			      fake_tensor(x, &u.e.b, dts[d], 1, 64, 56, 56, FAKE_NCHW) ||
			      fake_tensor(x, &u.e.out, dts[d], 1, 64, 56, 56, FAKE_NCHW);
			u.e.op = SNPU_ELT_ADD;
			u.e.act.fn = SNPU_ACT_RELU;
			if (dts[d] == SNPU_DT_INT8) {
				u.e.left_shift = 20;
				u.e.a_mult = u.e.b_mult = 1 << 30;
				u.e.a_shift = u.e.b_shift = -1;
				u.e.out_mult = 1 << 30;
				u.e.out_shift = -19;
			}
			elems = 64.0 * 56 * 56;
			sz = sizeof(u.e);
		}
		if (bad)
			break;
		for (r = 0; r < reps; r++) {
			double t0 = now();

			if (snpu_te_execute(x, &u.p.hdr, sz, &res) != SNPU_OK) {
				printf("command failed: %s\n", x->log);
				break;
			}
			t0 = now() - t0;
			best = t0 < best ? t0 : best;
		}
		printf("%s %s: %.3f ms, %.0f Melem/s", k == 0 ? "POOL max 2x2/2 1x64x112x112" :
		       k == 1 ? "POOL avg 3x3/1 pad 1 1x64x56x56" : "ELTWISE add+relu 1x64x56x56",
		       d ? "int8" : "fp32", best * 1e3, elems / best / 1e6);
		if (fake_run_compare(x, &u, sz, SNPU_OK, 1e-5, NULL, why, sizeof(why)))
			printf(" MISMATCH vs reference: %s\n", why);
		else
			printf(", matches the reference\n");
	}
	fake_exec_free(x);
}

/* GEMM commands of many small batches (issue 11 finding 4: 1 x 1 x K per
 * batch), fp32 and int8, checked against the reference. */
static void bench_batched(unsigned int threads)
{
	static const uint32_t dts[2] = { SNPU_DT_FP32, SNPU_DT_INT8 };
	static const uint32_t mnk[3][3] = { { 1, 1, 1024 }, { 1, 64, 256 }, { 16, 16, 16 } };
	struct snpu_exec *x = fake_exec_new(64u << 20, threads);
	int d, r, sh;

	if (!x)
		return;
	for (sh = 0; sh < 3; sh++)
	for (d = 0; d < 2; d++) {
		struct snpu_cmd_gemm c;
		struct snpu_te_result res;
		double best = 1e30;
		uint32_t nb = sh == 1 ? 512 : 4096, m = mnk[sh][0], n = mnk[sh][1], k = mnk[sh][2];
		char why[512];

		fake_reset_alloc(x);
		memset(&c, 0, sizeof(c));
		c.hdr.opcode = SNPU_OP_GEMM;
		c.hdr.size = sizeof(c);
		if (fake_tensor(x, &c.a, dts[d], 1, nb, m, k, FAKE_NCHW) ||
		    fake_tensor(x, &c.b, dts[d], 1, nb, k, n, FAKE_NCHW) ||
		    fake_tensor(x, &c.c, dts[d], 1, nb, m, n, FAKE_NCHW))
			break;
		c.b.zero_point = 0;
		if (dts[d] == SNPU_DT_INT8) {
			c.epi.requant_mult = 1 << 30;
			c.epi.requant_shift = -10;
		}
		for (r = 0; r < reps; r++) {
			double t0 = now();

			if (snpu_te_execute(x, &c.hdr, sizeof(c), &res) != SNPU_OK) {
				printf("gemm command failed: %s\n", x->log);
				break;
			}
			t0 = now() - t0;
			best = t0 < best ? t0 : best;
		}
		printf("GEMM command %s %u batches of %ux%ux%u: %.2f ms, %.3f GMAC/s", d ? "int8" : "fp32",
		       nb, m, n, k, best * 1e3, (double)res.macs / best / 1e9);
		if (fake_run_compare(x, &c, sizeof(c), SNPU_OK, 1e-5, NULL, why, sizeof(why)))
			printf(" MISMATCH vs reference: %s\n", why);
		else
			printf(", matches the reference\n");
	}
	fake_exec_free(x);
}

int main(int argc, char **argv)
{
	unsigned int threads = argc > 1 ? (unsigned int)atoi(argv[1]) : 2;
	const char *only = argc > 2 ? argv[2] : "";
	static const char *names[] = { "snpu-te", "OpenBLAS", "BLIS", "oneDNN" };
	static const char *libs[] = { NULL, HOSTBLAS_OPENBLAS, HOSTBLAS_BLIS, HOSTBLAS_DNNL };
	static const char *syms[] = { NULL, "sgemm_", "sgemm_", "dnnl_sgemm" };
	void *fns[4] = { NULL };
	struct snpu_te_pool *pool = snpu_te_pool_new(threads);
	size_t i;
	int e, isa;

	hostblas_threads(threads);
	for (e = 1; e < 4; e++) {
		fns[e] = hostblas_sym(libs[e], syms[e]);
		if (!fns[e])
			printf("# %s: not available\n", names[e]);
	}
	if (getenv("TE_BENCH_REPS"))
		reps = atoi(getenv("TE_BENCH_REPS")) > 0 ? atoi(getenv("TE_BENCH_REPS")) : 5;
	printf("# %u threads; GFLOP/s, best of %d\n", threads, reps);
	printf("%-30s", "shape (M x N x K)");
	for (isa = TE_ISA_PORTABLE; isa <= TE_ISA_AVX512; isa++)
		printf(" %12s", isa == 0 ? "te-portable" : isa == 1 ? "te-avx2" : "te-avx512");
	for (e = 1; e < 4; e++)
		printf(" %12s", names[e]);
	printf("\n");
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]) && (!*only || !strcmp(only, "gemm"));
	     i++) {
		const struct shape *s = &shapes[i];
		float *a = rnd((size_t)s->m * s->k), *b = rnd((size_t)s->k * s->n);
		float *c = malloc((size_t)s->m * s->n * 4), *c0 = malloc((size_t)s->m * s->n * 4);
		double flops = 2.0 * s->m * s->n * s->k;

		printf("%-30s", s->name);
		for (isa = TE_ISA_PORTABLE; isa <= TE_ISA_AVX512; isa++) {
			te_set_isa((enum te_isa)isa);
			if (te_isa() != (enum te_isa)isa) {
				printf(" %12s", "n/a");
				continue;
			}
			printf(" %12.1f", flops / run(0, NULL, pool, s, a, b, c) / 1e9);
			fflush(stdout);
		}
		te_set_isa(TE_ISA_AUTO);
		run(0, NULL, pool, s, a, b, c0);
		for (e = 1; e < 4; e++) {
			double t, maxd = 0;
			size_t j;

			if (!fns[e]) {
				printf(" %12s", "n/a");
				continue;
			}
			t = run(e, fns[e], pool, s, a, b, c);
			for (j = 0; j < (size_t)s->m * s->n; j++)
				maxd = fmax(maxd, fabs(c[j] - c0[j]));
			printf(" %11.1f%s", flops / t / 1e9, maxd < 1e-3 ? " " : "!");
			fflush(stdout);
		}
		printf("\n");
		free(a);
		free(b);
		free(c);
		free(c0);
	}
	/* int8 */
	if (!*only || !strcmp(only, "int8")) {
		hostblas_dnnl_u8s8 u8s8 = (hostblas_dnnl_u8s8)hostblas_sym(libs[3],
									    "dnnl_gemm_u8s8s32");
		int m = 256, n = 3136, k = 576, r;
		uint8_t *u = malloc((size_t)m * k);
		int8_t *s8 = malloc((size_t)k * n);
		int32_t *c = malloc((size_t)m * n * 4), *c2 = malloc((size_t)m * n * 4);
		double best = 1e30, best2 = 1e30, ops = 2.0 * m * n * k;
		size_t j;

		for (j = 0; j < (size_t)m * k; j++)
			u[j] = (uint8_t)rand();
		for (j = 0; j < (size_t)k * n; j++)
			s8[j] = (int8_t)rand();
		for (isa = TE_ISA_PORTABLE; isa <= TE_ISA_AVX512; isa++) {
			double b1 = 1e30;

			te_set_isa((enum te_isa)isa);
			if (te_isa() != (enum te_isa)isa)
				continue;
			for (r = 0; r < reps; r++) {
				double t0 = now();

				te_igemm(pool, m, n, k, u, k, 0, s8, n, c, n);
				t0 = now() - t0;
				b1 = t0 < b1 ? t0 : b1;
			}
			printf("int8 %dx%dx%d te-%s: %.1f GOP/s\n", m, n, k,
			       isa == 0 ? "portable" : isa == 1 ? "avx2 (vpmaddwd)" :
			       te_cpu_has_vnni() ? "avx512 (vnni)" : "avx512 (vpmaddwd)",
			       ops / b1 / 1e9);
			best = b1;
		}
		if (u8s8) {
			for (r = 0; r < reps; r++) {
				double t0 = now();

				hostblas_u8s8_rowmajor(u8s8, m, n, k, u, s8, c2);
				t0 = now() - t0;
				best2 = t0 < best2 ? t0 : best2;
			}
		}
		printf("int8 u8s8s32 %dx%dx%d: snpu-te (%s) %.1f GOP/s, oneDNN %.1f GOP/s%s\n", m, n,
		       k, te_cpu_has_vnni() ? "VNNI" : "portable", ops / best / 1e9,
		       u8s8 ? ops / best2 / 1e9 : 0.0,
		       u8s8 && memcmp(c, c2, (size_t)m * n * 4) ? " (results differ!)" : "");
		free(u);
		free(s8);
		free(c);
		free(c2);
	}
	if (!*only || !strcmp(only, "conv"))
		bench_commands(threads);
	if (!*only || !strcmp(only, "batched"))
		bench_batched(threads);
	if (!*only || !strcmp(only, "vector"))
		bench_vector(threads);
	snpu_te_pool_free(pool);
	return 0;
}
