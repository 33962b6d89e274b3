// SPDX-License-Identifier: MIT
/*
 * SRAM tiling (lower_tile.c, plan_sram.c) on "sim".
 *
 * Layers: a conv2d and a gemm (fp32, int8, fp16) whose operands are in DEVICE
 * memory, tiled through a small SRAM region: more than one tile, the
 * output bit for bit equal to the untiled command, and the stream
 * double-buffered (the next tile's input DMA is issued before the current
 * tile's compute, each tile's output DMA right after it, no barrier).
 *
 * Models: on a device whose scratchpad is too small for the activation
 * arena (ACCEL_SIM_SRAM_KB), the split SRAM plan keeps what fits on chip
 * and predicts fewer cycles than the plan without SRAM; with
 * ACCEL_MODEL_TILE=1 its conv/gemm layers are tiled. Outputs are bit for
 * bit those of the plan without SRAM (fp32 and int8) and of the CPU int8
 * reference. The predicted cycles of tiled layers and models are printed:
 * the timing model predicts them slower than direct DRAM access.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "accel/quant.h"
#include "lower.h"
#include "npy.h"
#include "snpu_cmd.h"
#include "snpu_layout.h"

#define REGION (48u << 10)	/* the tile region of the layer tests */

/* The layer tests' types: fp32, int8, fp16 (_i). */
static const accel_dtype types[] = { ACCEL_DT_FP32, ACCEL_DT_INT8, ACCEL_DT_FP16 };
static const char *const type_names[] = { "fp32", "int8", "fp16" };

static uint32_t rng = 12345;

static float frand(void)
{
	rng = rng * 1664525u + 1013904223u;
	return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static accel_buffer *buf_rand(accel_device *dev, size_t bytes, accel_dtype dt)
{
	accel_buffer *b;
	uint8_t *p = malloc(bytes);
	size_t i;

	ck_assert(p);
	for (i = 0; i < bytes; i++) {
		if (dt == ACCEL_DT_FP32 && i % 4 == 0) {
			float f = frand();

			memcpy(p + i, &f, 4);
			i += 3;
		} else if (dt == ACCEL_DT_FP16 && i % 2 == 0) {
			uint16_t v = snpu_f32_to_f16(frand());

			memcpy(p + i, &v, 2);
			i += 1;
		} else if (dt == ACCEL_DT_INT32 && i % 4 == 0) {
			int32_t v = (int32_t)(frand() * 2000.0f);

			memcpy(p + i, &v, 4);
			i += 3;
		} else {
			p[i] = (uint8_t)(int8_t)(frand() * 120.0f);
		}
	}
	ck_accel(accel_buffer_create(dev, bytes, ACCEL_MEM_DEVICE, &b));
	ck_accel(accel_buffer_write(b, 0, p, bytes));
	free(p);
	return b;
}

static accel_tensor tensor(accel_buffer *b, uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3,
			   accel_dtype dt, float scale, int32_t zp)
{
	accel_tensor t;

	memset(&t, 0, sizeof(t));
	t.mem = accel_ref_buffer(b, 0);
	t.dim[0] = d0;
	t.dim[1] = d1;
	t.dim[2] = d2;
	t.dim[3] = d3;
	t.dtype = dt;
	if (dt == ACCEL_DT_INT8) {
		t.scale = scale;
		t.zero_point = zp;
	}
	return t;
}

/* Check the stream of a tiled command: compute commands == tiles, two
 * tiles' inputs staged before the first compute, between two computes the
 * earlier one's output DMA and a later tile's input DMA, no barrier. */
static void check_stream(accel_device *dev, const accel_cmdbuf *cb, uint32_t tiles,
			 uint16_t compute_op, uint16_t fused_op)
{
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	const uint8_t *p = accel_cmdbuf_data(cb);
	size_t off = 0, size = accel_cmdbuf_size(cb);
	uint32_t computes = 0, ins = 0, outs = 0, ins_before_first = 0;

	ck_accel(accel_device_query(dev, &info));
	while (off < size) {
		const struct snpu_cmd_header *h = (const void *)(p + off);

		ck_assert_uint_ne(h->opcode, SNPU_OP_FENCE);
		ck_assert_uint_ne(h->opcode, SNPU_OP_WAIT);
		if (h->opcode == compute_op) {
			if (computes && computes + 1 < tiles) {
				/* tile computes-1 wrote its output, and tile computes+1's
				 * input was staged before this compute */
				ck_assert_uint_ge(outs, 1);
				ck_assert_uint_ge(ins, 1);
			}
			if (!computes)
				ins_before_first = ins;
			computes++;
			ins = outs = 0;
		} else if (fused_op && h->opcode == fused_op) {
			ck_assert_uint_ge(computes, 1);	/* right after its tile's compute */
		} else if (h->opcode == SNPU_OP_DMA_COPY) {
			const struct snpu_cmd_dma_copy *d = (const void *)h;
			bool dst_sram = d->dst >= info.sram_va && d->dst < info.sram_va + info.sram_size;
			bool src_sram = d->src >= info.sram_va && d->src < info.sram_va + info.sram_size;

			ck_assert(dst_sram != src_sram);
			if (dst_sram)
				ins++;
			else
				outs++;
		} else {
			ck_abort_msg("unexpected opcode 0x%x in a tiled stream", h->opcode);
		}
		off += h->size;
	}
	ck_assert_uint_eq(computes, tiles);
	ck_assert_uint_ge(ins_before_first, 2);
	ck_assert_uint_ge(outs, 1);	/* the last tile's output */
}

static uint64_t run(accel_device *dev, accel_cmdbuf *cb)
{
	accel_job_result res = ACCEL_JOB_RESULT_INIT;

	ck_accel(accel_run(dev, cb, NULL, &res));
	return res.pred_cycles;
}

static void compare(accel_buffer *a, accel_buffer *b, size_t bytes)
{
	uint8_t *x = malloc(bytes), *y = malloc(bytes);

	ck_assert(x && y);
	ck_accel(accel_buffer_read(a, 0, x, bytes));
	ck_accel(accel_buffer_read(b, 0, y, bytes));
	ck_assert_msg(!memcmp(x, y, bytes), "tiled output differs from the untiled one");
	free(x);
	free(y);
}

START_TEST(test_tile_conv)
{
	accel_dtype dt = types[_i];
	bool int8 = dt == ACCEL_DT_INT8;
	uint32_t e = accel_dtype_size(dt), n = 2, c = 8, h = 30, w = 27, o = 24, tiles, i;
	uint32_t oh = (h + 1 + 1 - 3) / 2 + 1, ow = (w + 1 + 1 - 3) / 1 + 1;
	accel_device *dev = tu_open();
	accel_buffer *in = buf_rand(dev, (size_t)n * c * h * w * e, dt);
	accel_buffer *wt = buf_rand(dev, (size_t)o * c * 9 * e, dt);
	accel_buffer *bias = buf_rand(dev, (size_t)o * 4, int8 ? ACCEL_DT_INT32 : ACCEL_DT_FP32);
	accel_buffer *out[2];
	accel_cmdbuf *cb[2];
	accel_conv2d cv = ACCEL_CONV2D_INIT;
	uint64_t cyc[2];
	size_t ob = (size_t)n * o * oh * ow * e;

	cv.input = tensor(in, n, c, h, w, dt, 0.05f, 3);
	cv.weight = tensor(wt, o, c, 3, 3, dt, 0.02f, 0);
	cv.stride_h = 2;
	cv.stride_w = cv.dilation_h = cv.dilation_w = 1;
	cv.pad_top = cv.pad_left = cv.pad_bottom = cv.pad_right = 1;
	cv.groups = 1;
	cv.epi.flags = ACCEL_EPI_BIAS;
	cv.epi.bias = accel_ref_buffer(bias, 0);
	cv.epi.act.fn = ACCEL_ACT_RELU;
	if (int8)
		ck_accel(accel_quant_requant(0.05f, 0.02f, 0.1f, &cv.epi.requant_mult,
					     &cv.epi.requant_shift));
	for (i = 0; i < 2; i++) {
		ck_accel(accel_buffer_create(dev, ob, ACCEL_MEM_DEVICE, &out[i]));
		ck_accel(accel_cmdbuf_create(dev, &cb[i]));
		cv.output = tensor(out[i], n, o, oh, ow, dt, 0.1f, -5);
		if (i)
			ck_accel(tile_conv2d(cb[i], &cv, 4096, REGION, &tiles));
		else
			ck_accel(accel_cmd_conv2d(cb[i], &cv));
		cyc[i] = run(dev, cb[i]);
	}
	ck_assert_uint_ge(tiles, 2);
	compare(out[0], out[1], ob);
	check_stream(dev, cb[1], tiles, SNPU_OP_CONV2D, 0);
	printf("conv %s %ux%ux%ux%u -> %u ch: %u tiles in %u KiB, %u commands; predicted %llu "
	       "cycles tiled, %llu untiled from DRAM\n", type_names[_i], n, c, h, w, o,
	       tiles, REGION >> 10, accel_cmdbuf_count(cb[1]), (unsigned long long)cyc[1],
	       (unsigned long long)cyc[0]);
	for (i = 0; i < 2; i++) {
		accel_cmdbuf_free(cb[i]);
		accel_buffer_free(out[i]);
	}
	accel_buffer_free(in);
	accel_buffer_free(wt);
	accel_buffer_free(bias);
	accel_close(dev);
}
END_TEST

/* conv2d + 2x2 pooling fused (a LeNet-sized layer, batch 16): the conv
 * tiles never leave SRAM; the pooled output equals conv then pool, bit
 * for bit, and fp32/fp16 predict fewer cycles than conv then pool. */
START_TEST(test_tile_conv_pool)
{
	accel_dtype dt = types[_i % 3];
	bool int8 = dt == ACCEL_DT_INT8, avg = _i >= 3;
	uint32_t e = accel_dtype_size(dt), n = 16, c = 1, h = 16, w = 16, o = 6, tiles = 0, i;
	uint32_t oh = h, ow = w, ph = oh / 2, pw = ow / 2;
	accel_device *dev = tu_open();
	accel_buffer *in = buf_rand(dev, (size_t)n * c * h * w * e, dt);
	accel_buffer *wt = buf_rand(dev, (size_t)o * c * 9 * e, dt);
	accel_buffer *bias = buf_rand(dev, (size_t)o * 4, int8 ? ACCEL_DT_INT32 : ACCEL_DT_FP32);
	accel_buffer *mid, *out[2];
	accel_cmdbuf *cb[2];
	accel_conv2d cv = ACCEL_CONV2D_INIT;
	accel_pooling pl = ACCEL_POOLING_INIT;
	uint64_t cyc[2];
	size_t ob = (size_t)n * o * ph * pw * e;

	cv.input = tensor(in, n, c, h, w, dt, 0.05f, 3);
	cv.weight = tensor(wt, o, c, 3, 3, dt, 0.02f, 0);
	cv.stride_h = cv.stride_w = cv.dilation_h = cv.dilation_w = 1;
	cv.pad_top = cv.pad_left = cv.pad_bottom = cv.pad_right = 1;
	cv.groups = 1;
	cv.epi.flags = ACCEL_EPI_BIAS;
	cv.epi.bias = accel_ref_buffer(bias, 0);
	cv.epi.act.fn = ACCEL_ACT_RELU;
	if (int8)
		ck_accel(accel_quant_requant(0.05f, 0.02f, 0.1f, &cv.epi.requant_mult,
					     &cv.epi.requant_shift));
	ck_accel(accel_buffer_create(dev, (size_t)n * o * oh * ow * e, ACCEL_MEM_DEVICE, &mid));
	cv.output = tensor(mid, n, o, oh, ow, dt, 0.1f, -5);
	pl.input = cv.output;
	pl.mode = avg ? ACCEL_POOL_AVG : ACCEL_POOL_MAX;
	pl.kernel_h = pl.kernel_w = pl.stride_h = pl.stride_w = 2;
	for (i = 0; i < 2; i++) {
		ck_accel(accel_buffer_create(dev, ob, ACCEL_MEM_DEVICE, &out[i]));
		ck_accel(accel_cmdbuf_create(dev, &cb[i]));
		pl.output = tensor(out[i], n, o, ph, pw, dt, 0.1f, -5);
		if (i) {
			ck_accel(tile_conv_pool(cb[i], &cv, &pl, 0, REGION, &tiles));
		} else {
			ck_accel(accel_cmd_conv2d(cb[i], &cv));
			ck_accel(accel_cmd_pool(cb[i], &pl));
		}
		cyc[i] = run(dev, cb[i]);
	}
	ck_assert_uint_ge(tiles, 1);
	compare(out[0], out[1], ob);
	if (tiles >= 2)
		check_stream(dev, cb[1], tiles, SNPU_OP_CONV2D, SNPU_OP_POOL);
	printf("conv+%s %s %ux%ux%ux%u -> %u ch: %u tiles in %u KiB, %u commands; predicted %llu "
	       "cycles fused, %llu conv then pool from DRAM\n", avg ? "avgpool" : "maxpool",
	       type_names[_i % 3], n, c, h, w, o, tiles, REGION >> 10, accel_cmdbuf_count(cb[1]),
	       (unsigned long long)cyc[1], (unsigned long long)cyc[0]);
	/* the conv output's DRAM round trip saved; in int8 the conv is so
	 * short that the tiles' own overhead outweighs it (printed only) */
	if (!int8)
		ck_assert_uint_lt(cyc[1], cyc[0]);
	for (i = 0; i < 2; i++) {
		accel_cmdbuf_free(cb[i]);
		accel_buffer_free(out[i]);
	}
	accel_buffer_free(mid);
	accel_buffer_free(in);
	accel_buffer_free(wt);
	accel_buffer_free(bias);
	accel_close(dev);
}
END_TEST

/* gemm with a transposed b (Gemm transB = 1, as PyTorch's Linear exports)
 * too large to stay resident: tiled along M and N. */
START_TEST(test_tile_gemm)
{
	accel_dtype dt = types[_i];
	bool int8 = dt == ACCEL_DT_INT8;
	uint32_t e = accel_dtype_size(dt), m = 96, k = 200, nn = 150, tiles, i;
	accel_device *dev = tu_open();
	accel_buffer *a = buf_rand(dev, (size_t)m * k * e, dt);
	accel_buffer *b = buf_rand(dev, (size_t)k * nn * e, dt);
	accel_buffer *bias = buf_rand(dev, (size_t)nn * 4, int8 ? ACCEL_DT_INT32 : ACCEL_DT_FP32);
	accel_buffer *out[2];
	accel_cmdbuf *cb[2];
	accel_gemm g = ACCEL_GEMM_INIT;
	uint64_t cyc[2];
	size_t ob = (size_t)m * nn * e;

	g.a = tensor(a, 1, 1, m, k, dt, 0.04f, -7);
	g.b = tensor(b, 1, 1, k, nn, dt, 0.01f, 0);
	g.b.stride[0] = g.b.stride[1] = k * nn;
	g.b.stride[2] = 1;
	g.b.stride[3] = k;
	g.epi.flags = ACCEL_EPI_BIAS;
	g.epi.bias = accel_ref_buffer(bias, 0);
	if (int8)
		ck_accel(accel_quant_requant(0.04f, 0.01f, 0.2f, &g.epi.requant_mult,
					     &g.epi.requant_shift));
	for (i = 0; i < 2; i++) {
		ck_accel(accel_buffer_create(dev, ob, ACCEL_MEM_DEVICE, &out[i]));
		ck_accel(accel_cmdbuf_create(dev, &cb[i]));
		g.c = tensor(out[i], 1, 1, m, nn, dt, 0.2f, 4);
		if (i)
			ck_accel(tile_gemm(cb[i], &g, 0, REGION / 2, &tiles));
		else
			ck_accel(accel_cmd_gemm(cb[i], &g));
		cyc[i] = run(dev, cb[i]);
	}
	ck_assert_uint_ge(tiles, 2);
	compare(out[0], out[1], ob);
	check_stream(dev, cb[1], tiles, SNPU_OP_GEMM, 0);
	printf("gemm %s %ux%ux%u: %u tiles in %u KiB, %u commands; predicted %llu cycles tiled, "
	       "%llu untiled from DRAM\n", type_names[_i], m, k, nn, tiles, REGION >> 11,
	       accel_cmdbuf_count(cb[1]), (unsigned long long)cyc[1],
	       (unsigned long long)cyc[0]);
	for (i = 0; i < 2; i++) {
		accel_cmdbuf_free(cb[i]);
		accel_buffer_free(out[i]);
	}
	accel_buffer_free(a);
	accel_buffer_free(b);
	accel_buffer_free(bias);
	accel_close(dev);
}
END_TEST

/* A region too small for one output row with all its inputs: nothing is
 * emitted, the caller keeps the untiled command. */
START_TEST(test_tile_too_small)
{
	accel_device *dev = tu_open();
	accel_buffer *in = buf_rand(dev, 64u * 64 * 64 * 4, ACCEL_DT_FP32);
	accel_buffer *wt = buf_rand(dev, 64u * 64 * 9 * 4, ACCEL_DT_FP32);
	accel_conv2d cv = ACCEL_CONV2D_INIT;
	accel_cmdbuf *cb;
	uint32_t tiles = 7;

	cv.input = tensor(in, 1, 64, 64, 64, ACCEL_DT_FP32, 0, 0);
	cv.weight = tensor(wt, 64, 64, 3, 3, ACCEL_DT_FP32, 0, 0);
	cv.output = tensor(in, 1, 64, 62, 62, ACCEL_DT_FP32, 0, 0);
	cv.stride_h = cv.stride_w = cv.dilation_h = cv.dilation_w = 1;
	cv.groups = 1;
	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(tile_conv2d(cb, &cv, 0, 1024, &tiles));
	ck_assert_uint_eq(tiles, 0);
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 0);
	accel_cmdbuf_free(cb);
	accel_buffer_free(in);
	accel_buffer_free(wt);
	accel_close(dev);
}
END_TEST

/* ACCEL_SIM_SRAM_KB: a bad size is refused with a message naming it. */
START_TEST(test_sim_sram_env)
{
	static const char *const bad[] = { "0", "6", "abc", "1048576" };
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	accel_device *dev;
	uint32_t i;

	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(setenv("ACCEL_SIM_SRAM_KB", bad[i], 1), 0);
		ck_assert_int_eq(accel_open("sim", &dev), ACCEL_ERR_INVALID_ARG);
		ck_assert_ptr_nonnull(strstr(accel_last_error(), "ACCEL_SIM_SRAM_KB"));
	}
	ck_assert_int_eq(setenv("ACCEL_SIM_SRAM_KB", "12", 1), 0);
	dev = tu_open();
	ck_accel(accel_device_query(dev, &info));
	ck_assert_uint_eq(info.sram_size, 12u << 10);
	accel_close(dev);
	ck_assert_int_eq(unsetenv("ACCEL_SIM_SRAM_KB"), 0);
}
END_TEST

/* ---- whole models on a small scratchpad ------------------------------------ */

struct res {
	uint64_t cycles;
	uint32_t commands;
	bool split;
};

static struct res run_model(const char *path, const accel_npy *in, uint32_t flags,
			    accel_precision prec, const char *calib, float *out, size_t n_out)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_model_stats st = { .struct_size = sizeof(st) };
	const float *ins[1] = { in->data };
	float *outs[1] = { out };
	accel_device *dev = tu_open();
	accel_model *m;
	struct res r;

	memset(out, 0, n_out * sizeof(float));
	o.flags = flags;
	o.batch = (uint32_t)in->dim[0];
	o.precision = prec;
	o.calibration = calib;
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	ck_accel(accel_model_run(m, (uint32_t)in->dim[0], ins, outs));
	ck_accel(accel_model_get_stats(m, &st));
	r.cycles = st.predicted_cycles;
	r.commands = st.commands_per_run;
	r.split = strstr(accel_model_report(m), "sram: split plan") != NULL;
	accel_model_free(m);
	accel_close(dev);
	return r;
}

/* Scratchpads of about half the model's arena at its bN batch; int8_ref:
 * the int8 plan equals the CPU int8 reference (mlp keeps a layer in fp32,
 * which the CPU reference sums in another order). */
static const struct {
	const char *name, *sram_kb, *sram_kb_int8, *sram_kb_fp16;
	bool int8_ref;
} small[] = { { "lenet", "64", "16", "32", true }, { "resblock", "64", "16", "32", true },
	      { "dwsep", "32", "8", "16", true }, { "mlp", "16", "4", "8", true } };

/* Outputs: the device's plan without SRAM is the reference of the fp32
 * and fp16 runs (the CPU reference sums products in another order); int8
 * runs equal the CPU int8 reference too. */
static void check_model(int i, accel_precision prec)
{
	char path[1024], calib[1024];
	size_t n_out = 1 << 16, bytes = n_out * sizeof(float);
	float *out[4];
	struct res split, tiled, nosram;
	accel_npy in;
	int k;

	for (k = 0; k < 4; k++) {
		out[k] = calloc(n_out, sizeof(float));
		ck_assert(out[k]);
	}
	snprintf(path, sizeof(path), "%s/%s/input_bN.npy", MODEL_TEST_DIR, small[i].name);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	snprintf(calib, sizeof(calib), "%s", path);
	snprintf(path, sizeof(path), "%s/%s/model.onnx", MODEL_TEST_DIR, small[i].name);
	const char *kb = prec == ACCEL_PRECISION_INT8 ? small[i].sram_kb_int8 :
			 prec == ACCEL_PRECISION_FP16 ? small[i].sram_kb_fp16 : small[i].sram_kb;

	ck_assert_int_eq(setenv("ACCEL_SIM_SRAM_KB", kb, 1), 0);
	run_model(path, &in, ACCEL_MODEL_CPU_ONLY, prec, calib, out[0], n_out);
	split = run_model(path, &in, 0, prec, calib, out[1], n_out);
	ck_assert_int_eq(setenv("ACCEL_MODEL_TILE", "1", 1), 0);
	tiled = run_model(path, &in, 0, prec, calib, out[2], n_out);
	ck_assert_int_eq(unsetenv("ACCEL_MODEL_TILE"), 0);
	nosram = run_model(path, &in, ACCEL_MODEL_NO_SRAM, prec, calib, out[3], n_out);
	ck_assert_int_eq(unsetenv("ACCEL_SIM_SRAM_KB"), 0);
	printf("%-9s batch %-3llu %s SRAM %3s KiB: predicted %8llu cycles split plan, %8llu split "
	       "+ tiled (%u -> %u commands), %8llu without SRAM\n", small[i].name,
	       (unsigned long long)in.dim[0], prec == ACCEL_PRECISION_INT8 ? "int8" :
	       prec == ACCEL_PRECISION_FP16 ? "fp16" : "fp32",
	       kb, (unsigned long long)split.cycles, (unsigned long long)tiled.cycles,
	       split.commands, tiled.commands, (unsigned long long)nosram.cycles);
	ck_assert_msg(split.split && tiled.split, "%s: no split plan with %s KiB of SRAM",
		      small[i].name, kb);
	ck_assert_msg(!memcmp(out[3], out[1], bytes), "%s: split != no SRAM", small[i].name);
	ck_assert_msg(!memcmp(out[3], out[2], bytes), "%s: tiled != no SRAM", small[i].name);
	if (prec == ACCEL_PRECISION_INT8 && small[i].int8_ref)
		ck_assert_msg(!memcmp(out[0], out[2], bytes), "%s: tiled != CPU reference",
			      small[i].name);
	ck_assert_uint_gt(tiled.commands, split.commands);	/* tiles were made */
	ck_assert_uint_lt(split.cycles, nosram.cycles);
	accel__npy_free(&in);
	for (k = 0; k < 4; k++)
		free(out[k]);
}

START_TEST(test_model_fp32)
{
	check_model(_i, ACCEL_PRECISION_FP32);
}
END_TEST

START_TEST(test_model_int8)
{
	check_model(_i, ACCEL_PRECISION_INT8);
}
END_TEST

START_TEST(test_model_fp16)
{
	check_model(_i, ACCEL_PRECISION_FP16);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_sram_tile");
	TCase *tc = tcase_create("tile");
	int n = (int)(sizeof(small) / sizeof(small[0]));

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_tile_conv, 0, 3);
	tcase_add_loop_test(tc, test_tile_gemm, 0, 3);
	tcase_add_loop_test(tc, test_tile_conv_pool, 0, 6);
	tcase_add_test(tc, test_tile_too_small);
	tcase_add_test(tc, test_sim_sram_env);
	tcase_add_loop_test(tc, test_model_fp32, 0, n);
	tcase_add_loop_test(tc, test_model_int8, 0, n);
	tcase_add_loop_test(tc, test_model_fp16, 0, n);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
