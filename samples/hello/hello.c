/* SPDX-License-Identifier: MIT */
/*
 * hello: the smallest complete libaccel program. It multiplies two random
 * fp32 matrices on an SNPU and prints the largest difference from the same
 * product computed on the CPU.
 *
 *   cc hello.c $(pkg-config --cflags --libs libaccel) -o hello
 *   ./hello [DEVICE]      DEVICE: "sim", /dev/accel/accel0 (default:
 *                         $ACCEL_DEVICE, else the first SNPU)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <accel/accel.h>

#define M 64
#define K 128
#define N 96

static int fail(const char *what, accel_status st)
{
	fprintf(stderr, "hello: %s: %s (%s)\n", what, accel_last_error(), accel_strerror(st));
	return 1;
}

int main(int argc, char **argv)
{
	static float a[M * K], b[K * N], c[M * N];
	accel_device *dev;
	accel_buffer *ba, *bb, *bc;
	accel_cmdbuf *cb;
	accel_job_result res = ACCEL_JOB_RESULT_INIT;
	accel_gemm g = ACCEL_GEMM_INIT;
	accel_status st;
	double max_err = 0;

	srand(1);
	for (int i = 0; i < M * K; i++)
		a[i] = (float)rand() / RAND_MAX - 0.5f;
	for (int i = 0; i < K * N; i++)
		b[i] = (float)rand() / RAND_MAX - 0.5f;

	st = accel_open(argc > 1 ? argv[1] : NULL, &dev);
	if (st)
		return fail("open", st);
	/* Inputs and output in device DRAM; uploads and the download go
	 * through the device's DMA engine. */
	if ((st = accel_buffer_create(dev, sizeof(a), ACCEL_MEM_DEVICE, &ba)) ||
	    (st = accel_buffer_create(dev, sizeof(b), ACCEL_MEM_DEVICE, &bb)) ||
	    (st = accel_buffer_create(dev, sizeof(c), ACCEL_MEM_DEVICE, &bc)))
		return fail("buffer", st);
	if ((st = accel_buffer_write(ba, 0, a, sizeof(a))) ||
	    (st = accel_buffer_write(bb, 0, b, sizeof(b))))
		return fail("upload", st);

	/* C (1,1,M,N) = A (1,1,M,K) x B (1,1,K,N), packed row-major. */
	g.a = (accel_tensor){ .mem = accel_ref_buffer(ba, 0), .dim = { 1, 1, M, K }, .dtype = ACCEL_DT_FP32 };
	g.b = (accel_tensor){ .mem = accel_ref_buffer(bb, 0), .dim = { 1, 1, K, N }, .dtype = ACCEL_DT_FP32 };
	g.c = (accel_tensor){ .mem = accel_ref_buffer(bc, 0), .dim = { 1, 1, M, N }, .dtype = ACCEL_DT_FP32 };
	if ((st = accel_cmdbuf_create(dev, &cb)) || (st = accel_cmd_gemm(cb, &g)))
		return fail("record", st);
	st = accel_run(dev, cb, NULL, &res);
	if (st)
		return fail("gemm", st);
	if ((st = accel_buffer_read(bc, 0, c, sizeof(c))))
		return fail("download", st);

	for (int i = 0; i < M; i++) {
		for (int j = 0; j < N; j++) {
			double ref = 0;

			for (int k = 0; k < K; k++)
				ref += (double)a[i * K + k] * b[k * N + j];
			if (fabs(ref - c[i * N + j]) > max_err)
				max_err = fabs(ref - c[i * N + j]);
		}
	}
	printf("hello: %dx%dx%d fp32 GEMM on %s (%s): max abs error vs CPU %.3g, "
	       "device time %llu ns, predicted %llu cycles\n", M, K, N, accel_device_name(dev),
	       accel_device_backend(dev), max_err,
	       (unsigned long long)(res.end_ns - res.start_ns),
	       (unsigned long long)res.pred_cycles);

	accel_cmdbuf_free(cb);
	accel_buffer_free(ba);
	accel_buffer_free(bb);
	accel_buffer_free(bc);
	accel_close(dev);
	return max_err < 1e-3 ? 0 : 1;
}
