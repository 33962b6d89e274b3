// SPDX-License-Identifier: MIT
/* The snpu_exec_* functions over a flat host array, for tensor engine tests. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "snpu_layout.h"
#include "snpu_cmd_regions.h"
#include "snpu_mmu.h"
#include "te_fake_exec.h"
#include "snpu_ref.h"

static int in_range(size_t size, uint64_t lo, uint64_t hi, uint64_t va, size_t len)
{
	if (va > size || len > size - va)
		return 0;
	return !(lo < hi && va < hi && va + len > lo);
}

enum snpu_err snpu_exec_read(struct snpu_exec *x, uint64_t va, void *dst, size_t len)
{
	if (!in_range(x->size, x->hole_lo, x->hole_hi, va, len)) {
		x->fault_va = va;
		x->fault_write = 0;
		return SNPU_ERR_MMU_FAULT;
	}
	memcpy(dst, x->mem + va, len);
	x->bytes_read += len;
	return SNPU_OK;
}

enum snpu_err snpu_exec_write(struct snpu_exec *x, uint64_t va, const void *src, size_t len)
{
	if (!in_range(x->size, x->hole_lo, x->hole_hi, va, len)) {
		x->fault_va = va;
		x->fault_write = 1;
		return SNPU_ERR_MMU_FAULT;
	}
	memcpy(x->mem + va, src, len);
	x->bytes_written += len;
	return SNPU_OK;
}

const struct snpu_fw_lut *snpu_exec_lut(struct snpu_exec *x, enum snpu_lut_fn fn,
					const uint32_t **samples)
{
	if ((unsigned int)fn >= SNPU_LUT_COUNT || !x->lut[fn]) {
		*samples = NULL;
		return NULL;
	}
	*samples = x->lut_samples[fn];
	return x->lut[fn];
}

void snpu_exec_log(struct snpu_exec *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->log, sizeof(x->log), fmt, ap);
	va_end(ap);
	x->nlogs++;
}

const struct snpu_timing *snpu_exec_timing(struct snpu_exec *x)
{
	return &x->timing;
}

int snpu_exec_mem_kind(struct snpu_exec *x, uint64_t va)
{
	(void)x;
	return va >= SNPU_SRAM_VA ? 2 : 1;	/* the flat array is DRAM */
}

struct snpu_te_pool *snpu_exec_pool(struct snpu_exec *x)
{
	return x->pool;
}

/* No device: nothing resets the engine's commands. */
const atomic_uint *snpu_exec_epoch(struct snpu_exec *x, unsigned int *want)
{
	(void)x;
	*want = 0;
	return NULL;
}

/* ---- tables ---- */
#define NS 513
static struct snpu_fw_lut luts[SNPU_LUT_COUNT];
static uint32_t lut_s[SNPU_LUT_COUNT][NS];

static double fn_eval(int fn, double x)
{
	switch (fn) {
	case SNPU_LUT_SIGMOID: return 1.0 / (1.0 + exp(-x));
	case SNPU_LUT_TANH: return tanh(x);
	case SNPU_LUT_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
	case SNPU_LUT_EXP: return exp(x);
	default: return x / (1.0 + exp(-x));
	}
}

void fake_luts(const struct snpu_fw_lut *lut[SNPU_LUT_COUNT],
	       const uint32_t *samples[SNPU_LUT_COUNT])
{
	int f, i;

	for (f = 0; f < SNPU_LUT_COUNT; f++) {
		double lo = f == SNPU_LUT_EXP ? -16.0 : -8.0, hi = f == SNPU_LUT_EXP ? 0.0 : 8.0;
		int linear_right = f == SNPU_LUT_GELU || f == SNPU_LUT_SILU;

		luts[f].fn = (uint32_t)f;
		luts[f].num_samples = NS;
		luts[f].x_min = snpu_f32_bits((float)lo);
		luts[f].x_max = snpu_f32_bits((float)hi);
		luts[f].left = snpu_f32_bits((float)fn_eval(f, lo));
		luts[f].left_slope = 0;
		luts[f].right = snpu_f32_bits((float)fn_eval(f, hi));
		luts[f].right_slope = snpu_f32_bits(linear_right ? 1.0f : 0.0f);
		for (i = 0; i < NS; i++)
			lut_s[f][i] = snpu_f32_bits((float)fn_eval(f, lo + (hi - lo) * i / (NS - 1)));
		lut[f] = &luts[f];
		samples[f] = lut_s[f];
	}
}

struct snpu_exec *fake_exec_new(size_t size, unsigned int threads)
{
	struct snpu_exec *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->mem = calloc(1, size);
	if (!x->mem) {
		free(x);
		return NULL;
	}
	x->size = size;
	x->timing = (struct snpu_timing){ 32, 32, 1000, 25600, 102400, 16000, 64, 4u << 20 };
	if (threads)
		x->pool = snpu_te_pool_new(threads);
	fake_luts(x->lut, x->lut_samples);
	return x;
}

void fake_exec_free(struct snpu_exec *x)
{
	if (!x)
		return;
	snpu_te_pool_free(x->pool);
	free(x->mem);
	free(x);
}

static int ref_read(void *ctx, uint64_t va, void *dst, size_t len)
{
	struct fake_ref *r = ctx;

	if (!in_range(r->size, r->hole_lo, r->hole_hi, va, len))
		return SNPU_ERR_MMU_FAULT;
	memcpy(dst, r->mem + va, len);
	return SNPU_OK;
}

static int ref_write(void *ctx, uint64_t va, const void *src, size_t len)
{
	struct fake_ref *r = ctx;

	if (!in_range(r->size, r->hole_lo, r->hole_hi, va, len))
		return SNPU_ERR_MMU_FAULT;
	memcpy(r->mem + va, src, len);
	return SNPU_OK;
}

void fake_ref_init(struct fake_ref *r, const struct snpu_exec *x, uint8_t *mem)
{
	int f;

	memset(r, 0, sizeof(*r));
	r->m.ctx = r;
	r->m.read = ref_read;
	r->m.write = ref_write;
	for (f = 0; f < SNPU_LUT_COUNT; f++) {
		r->m.lut[f] = x->lut[f];
		r->m.lut_samples[f] = x->lut_samples[f];
	}
	r->mem = mem;
	r->size = x->size;
	r->hole_lo = x->hole_lo;
	r->hole_hi = x->hole_hi;
}

/* ---- test helpers ---- */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t alloc_top;

void fake_srand(uint64_t seed)
{
	rng = seed ? seed : 1;
}

uint64_t fake_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

uint32_t fake_urange(uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(fake_rand() % ((uint64_t)hi - lo + 1));
}

float fake_frand(float lo, float hi)
{
	return lo + (hi - lo) * (float)((fake_rand() >> 11) * (1.0 / 9007199254740992.0));
}

void fake_reset_alloc(struct snpu_exec *x)
{
	(void)x;
	alloc_top = 64;
}

uint64_t fake_alloc(struct snpu_exec *x, uint64_t bytes)
{
	uint64_t a;

	if (alloc_top == 0)
		alloc_top = 64;
	a = alloc_top + fake_urange(0, 3) * 4;
	if (x->hole_lo < x->hole_hi && a < x->hole_hi && a + bytes > x->hole_lo)
		a = x->hole_hi + 4;
	if (a + bytes > x->size)
		return 0;
	alloc_top = a + bytes;
	return a;
}

void fake_fill_f32(struct snpu_exec *x, uint64_t va, uint32_t n, float lo, float hi)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		float f = fake_frand(lo, hi);

		memcpy(x->mem + va + 4ull * i, &f, 4);
	}
}

int fake_tensor(struct snpu_exec *x, struct snpu_tensor *t, uint32_t dtype,
		uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3, enum fake_layout lay)
{
	uint32_t dims[4] = { d0, d1, d2, d3 }, order[4] = { 3, 2, 1, 0 }, i, esize;
	__u64 lo, hi, s = 1, k;

	if (lay == FAKE_RANDOM)
		lay = (enum fake_layout)fake_urange(0, 3);
	memset(t, 0, sizeof(*t));
	t->dtype = (uint8_t)dtype;
	memcpy(t->dim, dims, sizeof(dims));
	if (lay == FAKE_NHWC) {
		order[0] = 1;
		order[1] = 3;
		order[2] = 2;
	} else if (lay == FAKE_PERM) {
		for (i = 3; i > 0; i--) {
			uint32_t j = fake_urange(0, i), tmp = order[i];

			order[i] = order[j];
			order[j] = tmp;
		}
	}
	for (i = 0; i < 4; i++) {
		t->stride[order[i]] = (uint32_t)s;
		s *= dims[order[i]];
		if (lay == FAKE_GAPS || lay == FAKE_PERM)
			s += fake_urange(0, 3);
	}
	if (dtype == SNPU_DT_INT8) {
		t->zero_point = (int32_t)fake_urange(0, 40) - 20;
		t->scale = snpu_f32_bits(fake_frand(0.01f, 0.05f));
	}
	esize = snpu_dtype_size(dtype);
	t->addr = 0;
	if (snpu_tensor_extent(t, &lo, &hi))
		return -1;
	t->addr = fake_alloc(x, hi - lo);
	if (!t->addr)
		return -1;
	for (k = 0; k < hi - lo; k += esize) {
		uint8_t *p = x->mem + t->addr + k;

		switch (dtype) {
		case SNPU_DT_FP32: {
			float f = fake_frand(-1.0f, 1.0f);

			memcpy(p, &f, 4);
			break;
		}
		case SNPU_DT_FP16: {
			uint16_t h = snpu_f32_to_f16(fake_frand(-1.0f, 1.0f));

			memcpy(p, &h, 2);
			break;
		}
		case SNPU_DT_INT32: {
			int32_t v = (int32_t)fake_urange(0, 2000) - 1000;

			memcpy(p, &v, 4);
			break;
		}
		default:
			*p = (uint8_t)fake_rand();
		}
	}
	return 0;
}

static float get_fp(const uint8_t *p, uint32_t dt)
{
	float f;
	uint16_t h;

	if (dt == SNPU_DT_FP16) {
		memcpy(&h, p, 2);
		return snpu_f16_to_f32(h);
	}
	memcpy(&f, p, 4);
	return f;
}

int fake_run_compare(struct snpu_exec *x, const void *cmd, size_t size, int want,
		     double tol, struct snpu_te_result *res, char *why, size_t whylen)
{
	const struct snpu_cmd_header *h = cmd;
	const struct snpu_tensor *t = snpu_cmd_output(h);
	uint8_t *refmem = malloc(x->size);
	struct snpu_te_result r0;
	struct fake_ref fr;
	char msg[256];
	int e1, e2, rc = -1;

	if (!res)
		res = &r0;
	if (!refmem) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	memcpy(refmem, x->mem, x->size);
	fake_ref_init(&fr, x, refmem);
	x->log[0] = 0;
	e1 = snpu_te_execute(x, h, size, res);
	e2 = snpu_ref_execute(&fr.m, h, size, msg, sizeof(msg));
	if (e1 != want || e2 != want) {
		snprintf(why, whylen, "opcode 0x%x: device %d (%s), reference %d (%s), want %d",
			 h->opcode, e1, x->log, e2, msg, want);
		goto out;
	}
	/* MOVE/PAD copy bits: exact; CONVERT to fp is exact too */
	if (e1 == SNPU_OK && (t->dtype == SNPU_DT_FP32 || t->dtype == SNPU_DT_FP16) &&
	    h->opcode != SNPU_OP_MOVE && h->opcode != SNPU_OP_PAD) {
		uint32_t i0, i1, i2, i3, es = snpu_dtype_size(t->dtype);
		double maxabs = 0.0, ftol = t->dtype == SNPU_DT_FP16 ? 2e-3 : tol;

		for (int pass = 0; pass < 2; pass++)
		for (i0 = 0; i0 < t->dim[0]; i0++)
		for (i1 = 0; i1 < t->dim[1]; i1++)
		for (i2 = 0; i2 < t->dim[2]; i2++)
		for (i3 = 0; i3 < t->dim[3]; i3++) {
			uint64_t off = t->addr + ((uint64_t)i0 * t->stride[0] +
				(uint64_t)i1 * t->stride[1] + (uint64_t)i2 * t->stride[2] +
				(uint64_t)i3 * t->stride[3]) * es;
			double d = get_fp(x->mem + off, t->dtype), r = get_fp(refmem + off, t->dtype);

			if (pass == 0) {
				maxabs = fabs(r) > maxabs ? fabs(r) : maxabs;
				continue;
			}
			if (!(fabs(d - r) <= ftol * (fabs(r) + maxabs)) && !(d == r)) {
				snprintf(why, whylen,
					 "opcode 0x%x: element (%u,%u,%u,%u) device %.9g ref %.9g",
					 h->opcode, i0, i1, i2, i3, d, r);
				goto out;
			}
			memcpy(refmem + off, x->mem + off, es);
		}
	}
	if (memcmp(refmem, x->mem, x->size)) {
		size_t i;

		for (i = 0; i < x->size && refmem[i] == x->mem[i]; i++)
			;
		snprintf(why, whylen, "opcode 0x%x: memory differs at 0x%zx (dev %02x ref %02x)",
			 h->opcode, i, x->mem[i], refmem[i]);
		goto out;
	}
	rc = 0;
out:
	free(refmem);
	return rc;
}
