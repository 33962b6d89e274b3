// SPDX-License-Identifier: MIT
/*
 * snpu-bench compute figures: whole GEMM and CONV2D commands on the device
 * (fp32 1024^3, int8 1024^3, the Fashion-MNIST CNN's two conv layers at
 * batch 64), timed by the device's TIMESTAMP commands, with the timing
 * model's prediction beside them; and the host libraries a user would call
 * instead (oneDNN, OpenBLAS, loaded with dlopen so neither is a build
 * dependency) on the same GEMM shapes with the same threads. A conv layer's
 * baseline is the GEMM of its im2col form (M = out channels, N = batch x
 * output pixels, K = in channels x 9), without the im2col itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snpu_quant.h"
#include "bench.h"
#include "hostblas.h"

struct dev_shape {
	const char *name;
	int conv;		/* 0: GEMM m x k x n; 1: 3x3 conv, pad 1 */
	accel_dtype dt;
	uint32_t m, n, k;	/* GEMM */
	uint32_t batch, cin, cout, hw;	/* conv: square input hw x hw */
};

static const struct dev_shape dev_shapes[] = {
	{ "gemm.fp32.1024", 0, ACCEL_DT_FP32, 1024, 1024, 1024, 0, 0, 0, 0 },
	{ "gemm.int8.1024", 0, ACCEL_DT_INT8, 1024, 1024, 1024, 0, 0, 0, 0 },
	{ "conv.cnn1.fp32.b64", 1, ACCEL_DT_FP32, 0, 0, 0, 64, 1, 32, 28 },
	{ "conv.cnn2.fp32.b64", 1, ACCEL_DT_FP32, 0, 0, 0, 64, 32, 64, 14 },
	{ "conv.cnn1.int8.b64", 1, ACCEL_DT_INT8, 0, 0, 0, 64, 1, 32, 28 },
	{ "conv.cnn2.int8.b64", 1, ACCEL_DT_INT8, 0, 0, 0, 64, 32, 64, 14 },
};

static accel_status fill(accel_buffer *b, size_t n, accel_dtype dt)
{
	unsigned char *p = malloc(n);
	accel_status st;

	if (!p)
		return ACCEL_ERR_NO_MEMORY;
	srand(1);
	if (dt == ACCEL_DT_FP32) {
		for (size_t i = 0; i < n / 4; i++)
			((float *)p)[i] = (float)rand() / (float)RAND_MAX - 0.5f;
	} else {
		for (size_t i = 0; i < n; i++)
			p[i] = (unsigned char)(rand() % 61 - 30);
	}
	st = accel_buffer_write(b, 0, p, n);
	free(p);
	return st;
}

static accel_tensor tens(accel_buffer *b, uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3,
			 accel_dtype dt)
{
	accel_tensor t = { .mem = { b, 0 }, .dim = { d0, d1, d2, d3 }, .dtype = dt };

	if (dt == ACCEL_DT_INT8)
		t.scale = 0.05f;
	return t;
}

/* Record shape s between two TIMESTAMPs; buffers in b[0..3] (in, w, out, bias). */
static accel_status record(accel_cmdbuf *cb, const struct dev_shape *s, accel_buffer **b,
			   accel_buffer *ts, double *ops)
{
	accel_dtype dt = s->dt;
	accel_epilogue epi = { 0 };
	accel_status st;

	epi.flags = ACCEL_EPI_BIAS;
	epi.bias = (accel_ref){ .buf = b[3], .offset = 0 };
	epi.act.fn = ACCEL_ACT_RELU;
	if (dt == ACCEL_DT_INT8 &&
	    snpu_quantize_multiplier(0.05 * 0.05 / 0.05 / 64, &epi.requant_mult,
				     &epi.requant_shift))
		return ACCEL_ERR_INVALID_ARG;
	if ((st = accel_cmd_timestamp(cb, (accel_ref){ .buf = ts, .offset = 0 })))
		return st;
	if (!s->conv) {
		accel_gemm g = ACCEL_GEMM_INIT;

		g.a = tens(b[0], 1, 1, s->m, s->k, dt);
		g.b = tens(b[1], 1, 1, s->k, s->n, dt);
		g.c = tens(b[2], 1, 1, s->m, s->n, dt);
		g.epi = epi;
		*ops = 2.0 * s->m * s->n * s->k;
		st = accel_cmd_gemm(cb, &g);
	} else {
		accel_conv2d c = ACCEL_CONV2D_INIT;

		c.input = tens(b[0], s->batch, s->cin, s->hw, s->hw, dt);
		c.weight = tens(b[1], s->cout, s->cin, 3, 3, dt);
		c.output = tens(b[2], s->batch, s->cout, s->hw, s->hw, dt);
		c.epi = epi;
		c.stride_h = c.stride_w = c.dilation_h = c.dilation_w = 1;
		c.pad_top = c.pad_left = c.pad_bottom = c.pad_right = 1;
		c.groups = 1;
		*ops = 2.0 * s->batch * s->cout * s->hw * s->hw * s->cin * 9;
		st = accel_cmd_conv2d(cb, &c);
	}
	return st ? st : accel_cmd_timestamp(cb, (accel_ref){ .buf = ts, .offset = 16 });
}

static int one_shape(accel_device *dev, const struct dev_shape *s, uint32_t clock_mhz,
		     const struct bench_opts *o)
{
	uint64_t es = accel_dtype_size(s->dt), sz[4];
	accel_buffer *b[4] = { NULL }, *ts = NULL;
	const char *what = "accel_buffer_create";
	struct bench_reps r, wall;
	accel_cmdbuf *cb = NULL;
	accel_status st = ACCEL_OK;
	double ops = 0, pred = 0;
	uint64_t *t = NULL;
	int i;

	if (!s->conv) {
		sz[0] = (uint64_t)s->m * s->k * es;
		sz[1] = (uint64_t)s->k * s->n * es;
		sz[2] = (uint64_t)s->m * s->n * es;
		sz[3] = (uint64_t)s->n * 4;
	} else {
		sz[0] = (uint64_t)s->batch * s->cin * s->hw * s->hw * es;
		sz[1] = (uint64_t)s->cout * s->cin * 9 * es;
		sz[2] = (uint64_t)s->batch * s->cout * s->hw * s->hw * es;
		sz[3] = (uint64_t)s->cout * 4;
	}
	for (i = 0; i < 4 && !st; i++)
		st = accel_buffer_create(dev, sz[i], i == 3 ? ACCEL_MEM_HOST : ACCEL_MEM_DEVICE, &b[i]);
	if (!st)
		st = accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &ts);
	what = "filling the operands";
	for (i = 0; i < 2 && !st; i++)
		st = fill(b[i], sz[i], s->dt);
	if (!st) {	/* small biases: int32 zeros, fp32 zeros */
		void *z = calloc(1, sz[3]);

		st = z ? accel_buffer_write(b[3], 0, z, sz[3]) : ACCEL_ERR_NO_MEMORY;
		free(z);
	}
	if (!st && !(st = accel_buffer_map(ts, (void **)&t)) && !(st = accel_cmdbuf_create(dev, &cb))) {
		what = "recording the command";
		st = record(cb, s, b, ts, &ops);
	}
	if (!st) {
		what = "accel_run";
		st = accel_run(dev, cb, NULL, NULL);	/* warm up */
	}
	bench_reps_init(&r, 3, 50, o->budget);
	bench_reps_init(&wall, 3, 50, o->budget);
	while (!st && bench_rep_more(&r)) {
		double t0 = bench_now();

		st = accel_run(dev, cb, NULL, NULL);
		bench_rep_add(&wall, bench_now() - t0);
		bench_rep_add(&r, (double)(t[2] - t[0]) * 1e-9);
		pred = (double)(t[3] - t[1]);
	}
	if (!st) {
		double dev_s = bench_quantile(&r, 0.5);
		double pred_s = pred / ((double)clock_mhz * 1e6);

		bench_emit(s->name, ops / dev_s / 1e9, s->dt == ACCEL_DT_INT8 ? "GOP/s" : "GFLOP/s",
			   "\"device_ms\": %.6g, \"wall_ms\": %.6g, \"pred_cycles\": %.0f, "
			   "\"pred_gops\": %.6g, \"n\": %zu", dev_s * 1e3,
			   bench_quantile(&wall, 0.5) * 1e3, pred, pred_s > 0 ? ops / pred_s / 1e9 : 0,
			   r.n);
	}
	accel_cmdbuf_free(cb);
	accel_buffer_free(ts);
	for (i = 0; i < 4; i++)
		accel_buffer_free(b[i]);
	return st ? bench_fail(what, st) : 0;
}

int bench_gemm(accel_device *dev, const struct bench_opts *o)
{
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	accel_status st;
	int ret = 0;

	if ((st = accel_device_query(dev, &info)))
		return bench_fail("accel_device_query", st);
	for (size_t i = 0; i < sizeof(dev_shapes) / sizeof(dev_shapes[0]); i++)
		ret |= one_shape(dev, &dev_shapes[i], info.clock_mhz, o);
	return ret;
}

/* ---- host libraries --------------------------------------------------------- */
struct host_shape {
	const char *name;	/* matches the device figure it is the baseline of */
	int m, n, k;
};

static const struct host_shape host_shapes[] = {
	{ "fp32.1024", 1024, 1024, 1024 },
	{ "cnn1.fp32.b64", 32, 64 * 28 * 28, 9 },
	{ "cnn2.fp32.b64", 64, 64 * 14 * 14, 288 },
};

static double time_best(void (*call)(void *), void *arg, const struct bench_opts *o)
{
	struct bench_reps r;

	call(arg);
	bench_reps_init(&r, 3, 50, o->budget);
	while (bench_rep_more(&r)) {
		double t0 = bench_now();

		call(arg);
		bench_rep_add(&r, bench_now() - t0);
	}
	return bench_quantile(&r, 0.5);
}

struct call {
	void *fn;
	int eng;	/* 0 OpenBLAS (Fortran), 1 oneDNN sgemm, 2 oneDNN u8s8s32 */
	int m, n, k;
	const void *a, *b;
	void *c;
};

static void do_call(void *arg)
{
	struct call *c = arg;

	if (c->eng == 0)
		hostblas_f77_rowmajor((hostblas_sgemm_f77)c->fn, c->m, c->n, c->k, c->a, c->b,
				      c->c);
	else if (c->eng == 1)
		hostblas_dnnl_rowmajor((hostblas_dnnl_sgemm)c->fn, c->m, c->n, c->k, c->a, c->b,
				       c->c);
	else
		hostblas_u8s8_rowmajor((hostblas_dnnl_u8s8)c->fn, c->m, c->n, c->k, c->a, c->b,
				       c->c);
}

int bench_blas(const struct bench_opts *o)
{
	static const char *eng_name[] = { "openblas", "onednn" };
	char name[96];
	void *fn[3];

	hostblas_threads(o->threads);
	fn[0] = hostblas_sym(HOSTBLAS_OPENBLAS, "sgemm_");
	fn[1] = hostblas_sym(HOSTBLAS_DNNL, "dnnl_sgemm");
	fn[2] = hostblas_sym(HOSTBLAS_DNNL, "dnnl_gemm_u8s8s32");
	for (size_t i = 0; i < sizeof(host_shapes) / sizeof(host_shapes[0]); i++) {
		const struct host_shape *s = &host_shapes[i];
		size_t na = (size_t)s->m * s->k, nb = (size_t)s->k * s->n, nc = (size_t)s->m * s->n;
		float *a = malloc(na * 4), *b = malloc(nb * 4), *c = malloc(nc * 4);

		for (size_t j = 0; a && j < na; j++)
			a[j] = (float)rand() / (float)RAND_MAX - 0.5f;
		for (size_t j = 0; b && j < nb; j++)
			b[j] = (float)rand() / (float)RAND_MAX - 0.5f;
		for (int e = 0; e < 2; e++) {
			struct call cl = { fn[e], e, s->m, s->n, s->k, a, b, c };

			snprintf(name, sizeof(name), "blas.%s.%s", eng_name[e], s->name);
			if (!a || !b || !c)
				bench_emit_missing(name, "GFLOP/s", "no memory");
			else if (!fn[e])
				bench_emit_missing(name, "GFLOP/s", "%s not installed",
						   e ? HOSTBLAS_DNNL : HOSTBLAS_OPENBLAS);
			else
				bench_emit(name, 2.0 * s->m * s->n * s->k / time_best(do_call, &cl, o) / 1e9,
					   "GFLOP/s", "\"threads\": %u", o->threads);
		}
		free(a);
		free(b);
		free(c);
	}
	{	/* int8: oneDNN's u8 x s8 -> s32 GEMM, 1024^3 */
		int m = 1024, n = 1024, k = 1024;
		uint8_t *a = malloc((size_t)m * k);
		int8_t *b = malloc((size_t)k * n);
		int32_t *c = malloc((size_t)m * n * 4);
		struct call cl = { fn[2], 2, m, n, k, a, b, c };

		if (!a || !b || !c)
			bench_emit_missing("blas.onednn.int8.1024", "GOP/s", "no memory");
		else if (!fn[2])
			bench_emit_missing("blas.onednn.int8.1024", "GOP/s",
					   HOSTBLAS_DNNL " not installed");
		else {
			for (size_t j = 0; j < (size_t)m * k; j++)
				a[j] = (uint8_t)rand();
			for (size_t j = 0; j < (size_t)k * n; j++)
				b[j] = (int8_t)rand();
			bench_emit("blas.onednn.int8.1024",
				   2.0 * m * n * k / time_best(do_call, &cl, o) / 1e9, "GOP/s",
				   "\"threads\": %u", o->threads);
		}
		free(a);
		free(b);
		free(c);
	}
	return 0;
}
