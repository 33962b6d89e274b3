/* SPDX-License-Identifier: MIT */
/*
 * libaccel tensor commands on the device, each checked against the CPU
 * reference (libaccel/src/ref) running the very bytes the encoder
 * produced: fp32 within 1e-4 relative, int8 bit for bit. Ends with 200
 * GEMMs of random shapes and types in flight at once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "ref/snpu_ref.h"
#include "snpu_cmd.h"
#include "snpu_quant.h"

#define MAXB 8

/* Host shadow copies of the buffers a command buffer uses. */
struct shadow {
	accel_buffer *buf[MAXB];
	uint8_t *mem[MAXB];
	size_t n;
};

static int sh_find(struct shadow *s, uint64_t va, size_t len, uint8_t **p)
{
	for (size_t i = 0; i < s->n; i++) {
		uint64_t b = accel_buffer_va(s->buf[i]), e = b + accel_buffer_size(s->buf[i]);

		if (va >= b && va + len <= e) {
			*p = s->mem[i] + (va - b);
			return SNPU_OK;
		}
	}
	return SNPU_ERR_MMU_FAULT;
}

static int sh_read(void *ctx, uint64_t va, void *dst, size_t len)
{
	uint8_t *p;
	int e = sh_find(ctx, va, len, &p);

	if (!e)
		memcpy(dst, p, len);
	return e;
}

static int sh_write(void *ctx, uint64_t va, const void *src, size_t len)
{
	uint8_t *p;
	int e = sh_find(ctx, va, len, &p);

	if (!e)
		memcpy(p, src, len);
	return e;
}

static void shadow_init(struct shadow *s, accel_buffer **bufs, size_t n)
{
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		s->buf[i] = bufs[i];
		s->mem[i] = malloc(accel_buffer_size(bufs[i]));
		ck_assert_ptr_nonnull(s->mem[i]);
		ck_accel(accel_buffer_read(bufs[i], 0, s->mem[i], accel_buffer_size(bufs[i])));
	}
}

static void shadow_free(struct shadow *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->mem[i]);
}

/* Run every command of cb on the CPU reference over the shadows. */
static void ref_run(struct shadow *s, const accel_cmdbuf *cb)
{
	struct snpu_ref_mem m = { .ctx = s, .read = sh_read, .write = sh_write };
	const uint8_t *p = accel_cmdbuf_data(cb);
	size_t pos = 0, size = accel_cmdbuf_size(cb);
	char msg[256] = "";

	while (pos < size) {
		const struct snpu_cmd_header *h = (const void *)(p + pos);
		int e = snpu_ref_execute(&m, h, h->size, msg, sizeof(msg));

		ck_assert_msg(e == SNPU_OK, "reference refused opcode 0x%x: %d %s", h->opcode, e, msg);
		pos += h->size;
	}
}

/* Compare buffer i on the device with its shadow. */
static void compare(struct shadow *s, size_t i, accel_dtype dt, const char *what)
{
	size_t n = accel_buffer_size(s->buf[i]);
	uint8_t *dev = malloc(n);
	double worst = 0;
	size_t bad = 0;

	ck_assert_ptr_nonnull(dev);
	ck_accel(accel_buffer_read(s->buf[i], 0, dev, n));
	if (dt == ACCEL_DT_FP32) {
		for (size_t k = 0; k + 4 <= n; k += 4) {
			float a, b;
			double err;

			memcpy(&a, dev + k, 4);
			memcpy(&b, s->mem[i] + k, 4);
			err = fabs((double)a - b) / (1.0 + fabs((double)b));
			if (!(err <= 1e-4))
				bad++;
			if (err > worst)
				worst = err;
		}
	} else {
		for (size_t k = 0; k < n; k++)
			bad += dev[k] != s->mem[i][k];
	}
	ck_assert_msg(bad == 0, "%s: %zu elements differ from the CPU reference (worst rel "
		      "error %g)", what, bad, worst);
	free(dev);
}

static void fill_random(accel_buffer *b, accel_dtype dt, uint32_t *seed)
{
	size_t n = accel_buffer_size(b);
	uint8_t *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	for (size_t k = 0; k < n; k += 4) {
		uint32_t r = tu_rand(seed);

		if (dt == ACCEL_DT_FP32) {
			float f = (float)((int32_t)(r % 2001) - 1000) / 500.0f;

			memcpy(&r, &f, 4);
		}
		memcpy(p + k, &r, n - k < 4 ? n - k : 4);
	}
	ck_accel(accel_buffer_write(b, 0, p, n));
	free(p);
}

static accel_tensor tens(accel_buffer *b, uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3,
			 accel_dtype dt)
{
	accel_tensor t = { .mem = accel_ref_buffer(b, 0), .dim = { d0, d1, d2, d3 }, .dtype = dt };

	if (dt == ACCEL_DT_INT8)
		t.scale = 0.05f;
	return t;
}

/* One random GEMM: buffers in bufs[0..3] (a, b, c, bias), cb recorded. */
static void random_gemm(accel_device *dev, uint32_t *seed, accel_buffer **bufs, accel_cmdbuf *cb,
			accel_dtype *out_dt)
{
	uint32_t m = 1 + tu_rand(seed) % 48, k = 1 + tu_rand(seed) % 64, n = 1 + tu_rand(seed) % 48;
	uint32_t batch = 1 + tu_rand(seed) % 3;
	accel_dtype dt = tu_rand(seed) % 2 ? ACCEL_DT_FP32 : ACCEL_DT_INT8;
	uint32_t es = accel_dtype_size(dt);
	unsigned int place = tu_rand(seed) % 2 ? ACCEL_MEM_DEVICE : ACCEL_MEM_HOST;
	accel_gemm g = ACCEL_GEMM_INIT;

	ck_accel(accel_buffer_create(dev, (uint64_t)batch * m * k * es, place, &bufs[0]));
	ck_accel(accel_buffer_create(dev, (uint64_t)batch * k * n * es, ACCEL_MEM_HOST, &bufs[1]));
	ck_accel(accel_buffer_create(dev, (uint64_t)batch * m * n * es, place, &bufs[2]));
	ck_accel(accel_buffer_create(dev, (uint64_t)n * 4, ACCEL_MEM_HOST, &bufs[3]));
	fill_random(bufs[0], dt, seed);
	fill_random(bufs[1], dt, seed);
	fill_random(bufs[3], dt == ACCEL_DT_INT8 ? ACCEL_DT_INT32 : ACCEL_DT_FP32, seed);
	if (dt == ACCEL_DT_INT8) {	/* keep int32 biases small */
		int32_t *bias = malloc((size_t)n * 4);

		for (uint32_t i = 0; i < n; i++)
			bias[i] = (int32_t)(tu_rand(seed) % 2001) - 1000;
		ck_accel(accel_buffer_write(bufs[3], 0, bias, (size_t)n * 4));
		free(bias);
	}
	g.a = tens(bufs[0], 1, batch, m, k, dt);
	g.b = tens(bufs[1], 1, batch, k, n, dt);
	g.c = tens(bufs[2], 1, batch, m, n, dt);
	if (dt == ACCEL_DT_INT8) {
		g.a.zero_point = (int32_t)(tu_rand(seed) % 21) - 10;
		g.c.zero_point = 3;
		ck_assert(snpu_quantize_multiplier(0.05 * 0.05 / 0.05 / 8, &g.epi.requant_mult,
						   &g.epi.requant_shift) == 0);
	}
	g.epi.flags = ACCEL_EPI_BIAS;
	g.epi.bias = accel_ref_buffer(bufs[3], 0);
	g.epi.act.fn = tu_rand(seed) % 2 ? ACCEL_ACT_RELU : ACCEL_ACT_NONE;
	ck_accel(accel_cmd_gemm(cb, &g));
	*out_dt = dt;
}

START_TEST(test_gemm_shapes)
{
	accel_device *dev = tu_open();
	uint32_t seed = 99;

	for (int iter = 0; iter < 12; iter++) {
		accel_buffer *b[4];
		accel_cmdbuf *cb;
		accel_dtype dt;
		struct shadow s;
		accel_job_result r = ACCEL_JOB_RESULT_INIT;

		ck_accel(accel_cmdbuf_create(dev, &cb));
		random_gemm(dev, &seed, b, cb, &dt);
		shadow_init(&s, b, 4);
		ref_run(&s, cb);
		ck_accel(accel_run(dev, cb, NULL, &r));
		ck_assert_uint_gt(r.pred_cycles, 0);
		compare(&s, 2, dt, dt == ACCEL_DT_FP32 ? "gemm fp32" : "gemm int8");
		shadow_free(&s);
		for (int i = 0; i < 4; i++)
			accel_buffer_free(b[i]);
		accel_cmdbuf_free(cb);
	}
	accel_close(dev);
}
END_TEST

/* A small network slice in one job: conv2d (+bias, relu) -> max pool ->
 * eltwise add -> softmax, intermediates in device DRAM and SRAM. */
START_TEST(test_chain)
{
	accel_device *dev = tu_open();
	accel_buffer *in, *w, *bias, *mid, *pooled, *other, *sum, *out;
	accel_cmdbuf *cb;
	uint32_t seed = 5;
	struct shadow s;
	accel_conv2d c = ACCEL_CONV2D_INIT;
	accel_pooling p = ACCEL_POOLING_INIT;
	accel_eltwise e = ACCEL_ELTWISE_INIT;
	accel_tensor sm_in, sm_out;

	ck_accel(accel_buffer_create(dev, 2 * 3 * 12 * 12 * 4, ACCEL_MEM_HOST, &in));
	ck_accel(accel_buffer_create(dev, 8 * 3 * 3 * 3 * 4, ACCEL_MEM_DEVICE, &w));
	ck_accel(accel_buffer_create(dev, 8 * 4, ACCEL_MEM_HOST, &bias));
	ck_accel(accel_buffer_create(dev, 2 * 8 * 12 * 12 * 4, ACCEL_MEM_DEVICE, &mid));
	ck_accel(accel_buffer_create(dev, 2 * 8 * 6 * 6 * 4, ACCEL_MEM_DEVICE, &pooled));
	ck_accel(accel_buffer_create(dev, 8 * 4, ACCEL_MEM_HOST, &other));
	ck_accel(accel_buffer_create(dev, 2 * 8 * 6 * 6 * 4, ACCEL_MEM_HOST, &sum));
	ck_accel(accel_buffer_create(dev, 2 * 8 * 6 * 6 * 4, ACCEL_MEM_HOST, &out));
	fill_random(in, ACCEL_DT_FP32, &seed);
	fill_random(w, ACCEL_DT_FP32, &seed);
	fill_random(bias, ACCEL_DT_FP32, &seed);
	fill_random(other, ACCEL_DT_FP32, &seed);
	ck_accel(accel_cmdbuf_create(dev, &cb));
	c.input = tens(in, 2, 3, 12, 12, ACCEL_DT_FP32);
	c.weight = tens(w, 8, 3, 3, 3, ACCEL_DT_FP32);
	c.output = tens(mid, 2, 8, 12, 12, ACCEL_DT_FP32);
	c.epi.flags = ACCEL_EPI_BIAS;
	c.epi.bias = accel_ref_buffer(bias, 0);
	c.epi.act.fn = ACCEL_ACT_RELU;
	c.stride_h = c.stride_w = c.dilation_h = c.dilation_w = 1;
	c.pad_top = c.pad_left = c.pad_bottom = c.pad_right = 1;
	c.groups = 1;
	ck_accel(accel_cmd_conv2d(cb, &c));
	p.input = c.output;
	p.output = tens(pooled, 2, 8, 6, 6, ACCEL_DT_FP32);
	p.mode = ACCEL_POOL_MAX;
	p.kernel_h = p.kernel_w = p.stride_h = p.stride_w = 2;
	ck_accel(accel_cmd_pool(cb, &p));
	e.a = p.output;
	e.b = tens(other, 1, 8, 1, 1, ACCEL_DT_FP32);	/* per-channel, broadcast */
	e.b.stride[0] = 0;
	e.b.stride[1] = 1;
	e.b.stride[2] = 0;
	e.b.stride[3] = 0;
	e.out = tens(sum, 2, 8, 6, 6, ACCEL_DT_FP32);
	e.op = ACCEL_ELT_ADD;
	ck_accel(accel_cmd_eltwise(cb, &e));
	sm_in = e.out;
	sm_out = tens(out, 2, 8, 6, 6, ACCEL_DT_FP32);
	ck_accel(accel_cmd_softmax(cb, &sm_in, &sm_out, 1, 1.0f));
	{
		accel_buffer *all[] = { in, w, bias, mid, pooled, other, sum, out };

		shadow_init(&s, all, 8);
	}
	ref_run(&s, cb);
	ck_accel(accel_run(dev, cb, NULL, NULL));
	compare(&s, 3, ACCEL_DT_FP32, "conv2d");
	compare(&s, 4, ACCEL_DT_FP32, "pool");
	compare(&s, 6, ACCEL_DT_FP32, "eltwise");
	compare(&s, 7, ACCEL_DT_FP32, "softmax");
	shadow_free(&s);
	accel_cmdbuf_free(cb);
	accel_buffer_free(in);
	accel_buffer_free(w);
	accel_buffer_free(bias);
	accel_buffer_free(mid);
	accel_buffer_free(pooled);
	accel_buffer_free(other);
	accel_buffer_free(sum);
	accel_buffer_free(out);
	accel_close(dev);
}
END_TEST

/* int8 average pooling over a window of 4160 x 4160 elements of 127: the
 * window sum (2.2e9) passes INT32_MAX, so the reference must sum in 64 bits
 * as the device does (UBSan stopped the 32-bit sum). Device and reference
 * both give 127. */
START_TEST(test_int8_avgpool_big_window)
{
	accel_device *dev = tu_open();
	accel_cmdbuf *cb;
	accel_buffer *in, *out;
	accel_pooling p = ACCEL_POOLING_INIT;
	struct shadow s;
	const size_t n = 4160u * 4160u;
	int8_t *src = malloc(n), got = 0;

	ck_assert_ptr_nonnull(src);
	memset(src, 127, n);
	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(accel_buffer_create(dev, n, ACCEL_MEM_DEVICE, &in));
	ck_accel(accel_buffer_create(dev, 64, ACCEL_MEM_HOST, &out));
	ck_accel(accel_buffer_write(in, 0, src, n));
	p.input = tens(in, 1, 1, 4160, 4160, ACCEL_DT_INT8);
	p.output = tens(out, 1, 1, 1, 1, ACCEL_DT_INT8);
	p.mode = ACCEL_POOL_AVG;
	p.kernel_h = 4160;
	p.kernel_w = 4160;
	p.stride_h = 1;
	p.stride_w = 1;
	ck_accel(accel_cmd_pool(cb, &p));
	{
		accel_buffer *all[] = { in, out };

		shadow_init(&s, all, 2);
	}
	ref_run(&s, cb);
	ck_accel(accel_run(dev, cb, NULL, NULL));
	compare(&s, 1, ACCEL_DT_INT8, "int8 avg pool");
	ck_accel(accel_buffer_read(out, 0, &got, 1));
	ck_assert_int_eq(got, 127);
	shadow_free(&s);
	free(src);
	accel_cmdbuf_free(cb);
	accel_buffer_free(in);
	accel_buffer_free(out);
	accel_close(dev);
}
END_TEST

/* A shape error is caught when recorded, naming operand, axis and both
 * values; the device checks again (a raw command), naming the command and
 * the same field. */
START_TEST(test_shape_error)
{
	accel_device *dev = tu_open();
	accel_buffer *b;
	accel_cmdbuf *cb, *tmp;
	accel_gemm g = ACCEL_GEMM_INIT;
	accel_job_result r = ACCEL_JOB_RESULT_INIT;
	struct snpu_cmd_gemm raw;
	accel_status st;

	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &b));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(accel_cmdbuf_create(dev, &tmp));
	g.a = tens(b, 1, 1, 4, 5, ACCEL_DT_FP32);
	g.b = tens(b, 1, 1, 6, 4, ACCEL_DT_FP32);	/* K mismatch: 5 vs 6 */
	g.c = tens(b, 1, 1, 4, 4, ACCEL_DT_FP32);
	g.c.mem.offset = 1024;
	ck_accel(accel_cmd_nop(cb));
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_gemm: operand 'b' dim[2] (K) is 6 but "
			 "operand 'a' dim[3] (K) is 5");
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 1);
	/* The same mismatch as a hand-made command reaches the device. */
	g.b.dim[2] = 5;
	ck_accel(accel_cmd_gemm(tmp, &g));
	memcpy(&raw, accel_cmdbuf_data(tmp), sizeof(raw));
	raw.b.dim[2] = 6;
	raw.b.stride[1] = raw.b.stride[0] = 24;
	ck_accel(accel_cmdbuf_append_raw(cb, &raw, sizeof(raw)));
	ck_accel(accel_cmdbuf_use(cb, b, ACCEL_ACCESS_READ | ACCEL_ACCESS_WRITE));
	st = accel_run(dev, cb, NULL, &r);
	if (st == ACCEL_ERR_INVALID_ARG && !tu_is_sim()) {
		/* the driver's command checker refused it at submit */
		ck_assert_uint_eq(r.status, ACCEL_ERR_INVALID_ARG);
		ck_assert_uint_eq(r.cmds, 0);
		ck_assert_msg(strstr(accel_last_error(), "command 1 (gemm): operand 'b' dim[2] (K) "
				     "is 6 but operand 'a' dim[3] (K) is 5"), "%s",
			      accel_last_error());
	} else {
		ck_accel_err(st, ACCEL_ERR_JOB_FAILED);
		ck_assert_uint_eq(r.failed_cmd, 1);
		ck_assert_uint_eq(r.hw_error, SNPU_ERR_SHAPE);
		ck_assert_ptr_nonnull(strstr(accel_last_error(), "command 1 (gemm)"));
		ck_assert_msg(strstr(r.message, "operand 'b' dim[2] (K) is 6 but operand 'a' "
				     "dim[3] (K) is 5"), "device message: %s", r.message);
	}
	accel_cmdbuf_reset(cb);
	g.b.dim[2] = 6;
	/* Encoder-side errors. */
	g.b.dim[2] = 0;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	g.b.dim[2] = 5;
	g.b.dtype = (accel_dtype)9;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	g.b.dtype = ACCEL_DT_INT8;
	g.b.scale = 0;
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "scale"));
	g.b = tens(b, 1, 1, 5, 4000, ACCEL_DT_FP32);
	ck_accel_err(accel_cmd_gemm(cb, &g), ACCEL_ERR_OUT_OF_RANGE);
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 0);
	accel_cmdbuf_free(tmp);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

/* 200 random GEMMs in flight on every queue, each checked. */
START_TEST(test_gemm_stress)
{
	enum { N = 200 };
	accel_device *dev = tu_open();
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	accel_buffer *b[N][4];
	accel_cmdbuf *cb[N];
	accel_job *job[N];
	accel_dtype dt[N];
	struct shadow *s = calloc(N, sizeof(*s));
	uint32_t seed = 2024;

	ck_assert_ptr_nonnull(s);
	ck_accel(accel_device_query(dev, &info));
	for (int i = 0; i < N; i++) {
		accel_submit_opts o = { .struct_size = sizeof(accel_submit_opts),
					.queue = (uint32_t)i % info.num_queues,
					.priority = ACCEL_PRIORITY_NORMAL };

		ck_accel(accel_cmdbuf_create(dev, &cb[i]));
		random_gemm(dev, &seed, b[i], cb[i], &dt[i]);
		shadow_init(&s[i], b[i], 4);
		ck_accel(accel_submit(dev, cb[i], &o, &job[i]));
	}
	for (int i = 0; i < N; i++) {
		ref_run(&s[i], cb[i]);
		ck_accel(accel_job_wait(job[i], -1));
		accel_job_release(job[i]);
		compare(&s[i], 2, dt[i], "gemm stress");
		shadow_free(&s[i]);
		for (int k = 0; k < 4; k++)
			accel_buffer_free(b[i][k]);
		accel_cmdbuf_free(cb[i]);
	}
	free(s);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_tensor");
	TCase *tc = tcase_create("tensor");

	tcase_add_test(tc, test_gemm_shapes);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_int8_avgpool_big_window);
	tcase_add_test(tc, test_shape_error);
	tcase_add_test(tc, test_gemm_stress);
	tu_add(s, tc, "tensor", TU_TENSOR);
	return tu_run(s);
}
