// SPDX-License-Identifier: MIT
/*
 * Tensor engine checks that need no random data:
 *  - malformed descriptors of every tensor command, field by field: the
 *    engine and the reference return the same, documented enum snpu_err
 *    and leave memory untouched;
 *  - snpu_cmd_check() regions of every command (what the kernel uses);
 *  - the timing model against its analytic formula (docs/hardware.md 18.2,
 *    recomputed here) for GEMM and conv, and the doc's worked numbers;
 *  - the shared math: fp16 conversion (exhaustive, and against F16C),
 *    requantisation and QuantizeMultiplier.
 */
#include <check.h>
#include <cpuid.h>
#include <immintrin.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "snpu_act.h"
#include "snpu_cmd_regions.h"
#include "snpu_layout.h"
#include "snpu_mmu.h"
#include "snpu_quant.h"
#include "te_fake_exec.h"
#include "te_internal.h"
#include "te_timing.h"

#define MEM (1u << 20)

/* Counters in shared memory: Check forks a child per test. */
struct counters {
	unsigned long malformed, cmds;
};
static struct counters *cnt;
#define n_malformed (cnt->malformed)
#define n_cmds (cnt->cmds)

/* Valid base descriptors (NCHW, small). */
static void t4(struct snpu_exec *x, struct snpu_tensor *t, uint32_t dt, uint32_t a, uint32_t b,
	       uint32_t c, uint32_t d)
{
	ck_assert_int_eq(fake_tensor(x, t, dt, a, b, c, d, FAKE_NCHW), 0);
}

static void base_conv(struct snpu_exec *x, struct snpu_cmd_conv2d *c, uint32_t dt)
{
	memset(c, 0, sizeof(*c));
	c->hdr.opcode = SNPU_OP_CONV2D;
	c->hdr.size = sizeof(*c);
	t4(x, &c->input, dt, 1, 4, 6, 6);
	t4(x, &c->weight, dt, 8, 2, 3, 3);
	t4(x, &c->output, dt, 1, 8, 6, 6);
	c->weight.zero_point = 0;
	c->stride_h = c->stride_w = c->dilation_h = c->dilation_w = 1;
	c->pad_top = c->pad_left = c->pad_bottom = c->pad_right = 1;
	c->groups = 2;
	if (dt == SNPU_DT_INT8) {
		c->epi.requant_mult = 1 << 30;
		c->epi.requant_shift = -8;
	}
}

static void base_gemm(struct snpu_exec *x, struct snpu_cmd_gemm *c, uint32_t dt)
{
	memset(c, 0, sizeof(*c));
	c->hdr.opcode = SNPU_OP_GEMM;
	c->hdr.size = sizeof(*c);
	t4(x, &c->a, dt, 1, 2, 5, 7);
	t4(x, &c->b, dt, 1, 1, 7, 3);
	t4(x, &c->c, dt, 1, 2, 5, 3);
	c->b.zero_point = 0;
	if (dt == SNPU_DT_INT8) {
		c->epi.requant_mult = 1 << 30;
		c->epi.requant_shift = -6;
	}
}

struct mut {
	const char *name;
	size_t off;
	int size;		/* 1, 2, 4 or 8 bytes */
	int64_t val;
	int want;
};

#define M(type, field, v, w) { #field, offsetof(type, field), \
	(int)sizeof(((type *)0)->field), (int64_t)(v), w }

static void apply_mut(void *cmd, const struct mut *m)
{
	uint8_t *p = (uint8_t *)cmd + m->off;
	int8_t v8 = (int8_t)m->val;
	int16_t v16 = (int16_t)m->val;
	int32_t v32 = (int32_t)m->val;
	int64_t v64 = m->val;

	switch (m->size) {
	case 1: memcpy(p, &v8, 1); break;
	case 2: memcpy(p, &v16, 2); break;
	case 4: memcpy(p, &v32, 4); break;
	default: memcpy(p, &v64, 8); break;
	}
}

static void run_muts(struct snpu_exec *x, const void *base, size_t size, const struct mut *m,
		     size_t n)
{
	uint8_t *cmd = malloc(size);
	uint8_t *before = malloc(x->size);
	char why[512];
	size_t i;

	ck_assert_ptr_nonnull(cmd);
	ck_assert_ptr_nonnull(before);
	memcpy(cmd, base, size);
	ck_assert_msg(fake_run_compare(x, cmd, size, SNPU_OK, 1e-5, NULL, why, sizeof(why)) == 0,
		      "base descriptor: %s", why);
	n_cmds++;
	for (i = 0; i < n; i++) {
		memcpy(cmd, base, size);
		apply_mut(cmd, &m[i]);
		memcpy(before, x->mem, x->size);
		ck_assert_msg(fake_run_compare(x, cmd, size, m[i].want, 1e-5, NULL, why,
					       sizeof(why)) == 0, "%s: %s", m[i].name, why);
		if (m[i].want == SNPU_OK) {	/* a valid variant */
			n_cmds++;
			continue;
		}
		ck_assert_msg(memcmp(before, x->mem, x->size) == 0, "%s wrote memory", m[i].name);
		ck_assert_msg(m[i].want == SNPU_ERR_MMU_FAULT || x->log[0] != 0,
			      "%s: no log message", m[i].name);
		n_malformed++;
	}
	free(cmd);
	free(before);
}

typedef struct snpu_cmd_conv2d CV;
typedef struct snpu_cmd_gemm GM;

START_TEST(malformed_conv)
{
	static const struct mut m[] = {
		M(CV, hdr.flags, 1, SNPU_ERR_RESERVED),
		M(CV, hdr.size, 8, SNPU_ERR_CMD_SIZE),
		M(CV, input.dtype, 9, SNPU_ERR_DTYPE),
		M(CV, input.dtype, SNPU_DT_INT32, SNPU_ERR_DTYPE),
		M(CV, weight.dtype, SNPU_DT_FP16, SNPU_ERR_DTYPE),
		M(CV, input.reserved0[1], 1, SNPU_ERR_RESERVED),
		M(CV, output.reserved1, 1, SNPU_ERR_RESERVED),
		M(CV, input.dim[1], 0, SNPU_ERR_SHAPE),
		M(CV, input.dim[1], 6, SNPU_ERR_SHAPE),
		M(CV, weight.dim[1], 3, SNPU_ERR_SHAPE),
		M(CV, output.dim[2], 5, SNPU_ERR_SHAPE),
		M(CV, output.dim[0], 2, SNPU_ERR_SHAPE),
		M(CV, output.stride[1], 0, SNPU_ERR_SHAPE),
		M(CV, output.stride[3], 0, SNPU_ERR_SHAPE),
		M(CV, input.addr, 0xfffffffffffffff0ll, SNPU_ERR_OVERFLOW),
		M(CV, input.zero_point, 3, SNPU_ERR_RESERVED),
		M(CV, input.scale, 0x3f800000, SNPU_ERR_RESERVED),
		M(CV, stride_h, 0, SNPU_ERR_SHAPE),
		M(CV, dilation_w, 0, SNPU_ERR_SHAPE),
		M(CV, groups, 0, SNPU_ERR_SHAPE),
		M(CV, groups, 3, SNPU_ERR_SHAPE),
		M(CV, reserved, 1, SNPU_ERR_RESERVED),
		M(CV, epi.flags, 0x8, SNPU_ERR_RESERVED),
		M(CV, epi.reserved0, 1, SNPU_ERR_RESERVED),
		M(CV, epi.bias_addr, 64, SNPU_ERR_RESERVED),
		M(CV, epi.requant_addr, 64, SNPU_ERR_RESERVED),
		M(CV, epi.flags, SNPU_EPI_PER_CHANNEL, SNPU_ERR_DTYPE),
		M(CV, epi.requant_mult, 5, SNPU_ERR_RESERVED),
		M(CV, epi.res_shift, 1, SNPU_ERR_RESERVED),
		M(CV, epi.pre_scale, 0x3f800000, SNPU_ERR_RESERVED),
		M(CV, epi.act.fn, SNPU_ACT_COUNT, SNPU_ERR_SHAPE),
		M(CV, epi.act.alpha, 0x3f800000, SNPU_ERR_RESERVED),
		M(CV, epi.act.min, 0x3f800000, SNPU_ERR_RESERVED),
		M(CV, epi.residual.dim[0], 1, SNPU_ERR_RESERVED),
		M(CV, epi.flags, SNPU_EPI_BIAS, SNPU_ERR_MMU_FAULT),	/* bias at VA 0 */
	};
	struct snpu_exec *x = fake_exec_new(MEM, 2);
	CV c;

	fake_reset_alloc(x);
	base_conv(x, &c, SNPU_DT_FP32);
	x->hole_lo = 0;
	x->hole_hi = 64;	/* VA 0 unmapped */
	run_muts(x, &c, sizeof(c), m, sizeof(m) / sizeof(m[0]));
	fake_exec_free(x);
}
END_TEST

START_TEST(malformed_conv_int8)
{
	static const struct mut m[] = {
		M(CV, input.zero_point, 128, SNPU_ERR_SHAPE),
		M(CV, output.zero_point, -129, SNPU_ERR_SHAPE),
		M(CV, input.scale, 0, SNPU_ERR_SHAPE),
		M(CV, input.scale, 0xbf800000, SNPU_ERR_SHAPE),	/* -1.0 */
		M(CV, output.scale, 0x7f800000, SNPU_ERR_SHAPE),	/* inf */
		M(CV, output.scale, 0x7fc00000, SNPU_ERR_SHAPE),	/* NaN */
		M(CV, weight.zero_point, 1, SNPU_ERR_SHAPE),
		M(CV, epi.requant_mult, -1, SNPU_ERR_SHAPE),
		M(CV, epi.requant_shift, 31, SNPU_ERR_SHAPE),
		M(CV, epi.requant_shift, -32, SNPU_ERR_SHAPE),
		M(CV, epi.act.fn, SNPU_ACT_SIGMOID, SNPU_ERR_SHAPE),	/* pre_scale 0 */
		M(CV, epi.pre_zero_point, 1, SNPU_ERR_RESERVED),
		M(CV, epi.act.fn, SNPU_ACT_CLIP, SNPU_OK),	/* min 0 max 0: valid */
		M(CV, epi.act.fn, SNPU_ACT_LEAKY_RELU, SNPU_ERR_SHAPE),
	};
	struct snpu_exec *x = fake_exec_new(MEM, 0);
	CV c;

	fake_reset_alloc(x);
	base_conv(x, &c, SNPU_DT_INT8);
	run_muts(x, &c, sizeof(c), m, sizeof(m) / sizeof(m[0]));
	/* a per-channel table entry in memory that is out of range */
	{
		struct snpu_requant bad[8];
		char why[512];
		int i;

		for (i = 0; i < 8; i++) {
			bad[i].multiplier = 1 << 30;
			bad[i].shift = i == 5 ? 40 : -8;
		}
		c.epi.flags = SNPU_EPI_PER_CHANNEL;
		c.epi.requant_mult = c.epi.requant_shift = 0;
		c.epi.requant_addr = fake_alloc(x, sizeof(bad));
		memcpy(x->mem + c.epi.requant_addr, bad, sizeof(bad));
		ck_assert_msg(fake_run_compare(x, &c, sizeof(c), SNPU_ERR_SHAPE, 1e-5, NULL, why,
					       sizeof(why)) == 0, "%s", why);
		ck_assert_ptr_nonnull(strstr(x->log, "entry 5"));
		n_malformed++;
	}
	fake_exec_free(x);
}
END_TEST

START_TEST(malformed_gemm)
{
	static const struct mut m[] = {
		M(GM, a.dim[3], 6, SNPU_ERR_SHAPE),
		M(GM, b.dim[3], 4, SNPU_ERR_SHAPE),
		M(GM, a.dim[1], 3, SNPU_ERR_SHAPE),
		M(GM, c.dim[2], 4, SNPU_ERR_SHAPE),
		M(GM, c.dtype, SNPU_DT_FP32, SNPU_ERR_DTYPE),
		M(GM, a.dtype, SNPU_DT_UINT8, SNPU_ERR_DTYPE),
		M(GM, c.stride[2], 1, SNPU_ERR_SHAPE),	/* rows alias */
		M(GM, epi.flags, SNPU_EPI_RESIDUAL, SNPU_ERR_DTYPE),	/* residual dtype 0? */
		M(GM, hdr.opcode, SNPU_OP_FENCE, SNPU_ERR_OPCODE),
	};
	struct snpu_exec *x = fake_exec_new(MEM, 0);
	GM c;

	fake_reset_alloc(x);
	base_gemm(x, &c, SNPU_DT_FP16);
	run_muts(x, &c, sizeof(c), m, sizeof(m) / sizeof(m[0]));
	fake_exec_free(x);
}
END_TEST

typedef struct snpu_cmd_pool PL;
typedef struct snpu_cmd_eltwise EL;
typedef struct snpu_cmd_activation AC;
typedef struct snpu_cmd_softmax SM;
typedef struct snpu_cmd_move MV;
typedef struct snpu_cmd_pad PD;
typedef struct snpu_cmd_convert CVT;

START_TEST(malformed_others)
{
	static const struct mut mp[] = {
		M(PL, mode, 2, SNPU_ERR_SHAPE),
		M(PL, pool_flags, 2, SNPU_ERR_RESERVED),
		M(PL, pool_flags, SNPU_POOL_COUNT_PAD, SNPU_ERR_RESERVED),	/* on max */
		M(PL, kernel_h, 0, SNPU_ERR_SHAPE),
		M(PL, stride_w, 0, SNPU_ERR_SHAPE),
		M(PL, pad_top, 2, SNPU_ERR_SHAPE),
		M(PL, output.dim[3], 3, SNPU_ERR_SHAPE),
		M(PL, output.dtype, SNPU_DT_FP32, SNPU_ERR_RESERVED),	/* int8 zp on fp32 */
		M(PL, output.zero_point, 5, SNPU_ERR_SHAPE),
	};
	static const struct mut me[] = {
		M(EL, op, SNPU_ELT_COUNT, SNPU_ERR_SHAPE),
		M(EL, op, SNPU_ELT_DIV, SNPU_ERR_DTYPE),
		M(EL, left_shift, 31, SNPU_ERR_SHAPE),
		M(EL, a_mult, -1, SNPU_ERR_SHAPE),
		M(EL, b_shift, 40, SNPU_ERR_SHAPE),
		M(EL, a.dim[2], 3, SNPU_ERR_SHAPE),
		M(EL, act.fn, SNPU_ACT_TANH, SNPU_ERR_DTYPE),
		M(EL, out.dtype, SNPU_DT_FP16, SNPU_ERR_RESERVED),	/* int8 zp on fp16 */
		M(EL, a.dtype, SNPU_DT_UINT8, SNPU_ERR_RESERVED),
	};
	static const struct mut ma[] = {
		M(AC, act.fn, 99, SNPU_ERR_SHAPE),
		M(AC, act.max, 0x7f800000, SNPU_ERR_RESERVED),
		M(AC, output.dim[3], 3, SNPU_ERR_SHAPE),
		M(AC, input.dtype, SNPU_DT_INT32, SNPU_ERR_DTYPE),
		M(AC, hdr.size, sizeof(AC) + 8, SNPU_ERR_CMD_SIZE),
	};
	static const struct mut ms[] = {
		M(SM, axis, 4, SNPU_ERR_SHAPE),
		M(SM, beta, 0, SNPU_ERR_SHAPE),
		M(SM, beta, 0xff800000, SNPU_ERR_SHAPE),
		M(SM, input.dtype, SNPU_DT_UINT8, SNPU_ERR_DTYPE),
	};
	static const struct mut mm[] = {
		M(MV, output.dtype, SNPU_DT_FP16, SNPU_ERR_DTYPE),
		M(MV, output.dim[0], 2, SNPU_ERR_SHAPE),
	};
	static const struct mut md[] = {
		M(PD, mode, 3, SNPU_ERR_SHAPE),
		M(PD, before[3], 3, SNPU_ERR_SHAPE),
		M(PD, value, 0x100, SNPU_ERR_RESERVED),	/* int32? no: fp16 low 16 ok */
	};
	static const struct mut mc[] = {
		M(CVT, output.dtype, SNPU_DT_INT32, SNPU_ERR_DTYPE),
		M(CVT, input.dtype, SNPU_DT_UINT8, SNPU_ERR_DTYPE),
	};
	struct snpu_exec *x = fake_exec_new(MEM, 0);
	union {
		PL p; EL e; AC a; SM s; MV m; PD d; CVT c;
	} u;

	fake_reset_alloc(x);
	memset(&u, 0, sizeof(u));
	u.p.hdr.opcode = SNPU_OP_POOL;
	u.p.hdr.size = sizeof(u.p);
	t4(x, &u.p.input, SNPU_DT_INT8, 1, 2, 5, 5);
	t4(x, &u.p.output, SNPU_DT_INT8, 1, 2, 3, 2);
	u.p.output.zero_point = u.p.input.zero_point;
	u.p.output.scale = u.p.input.scale;
	u.p.kernel_h = u.p.kernel_w = 2;
	u.p.stride_h = u.p.stride_w = 2;
	u.p.pad_top = 1;
	run_muts(x, &u, sizeof(u.p), mp, sizeof(mp) / sizeof(mp[0]));

	memset(&u, 0, sizeof(u));
	u.e.hdr.opcode = SNPU_OP_ELTWISE;
	u.e.hdr.size = sizeof(u.e);
	t4(x, &u.e.a, SNPU_DT_INT8, 1, 3, 1, 4);
	t4(x, &u.e.b, SNPU_DT_INT8, 1, 1, 2, 4);
	t4(x, &u.e.out, SNPU_DT_INT8, 1, 3, 2, 4);
	u.e.op = SNPU_ELT_ADD;
	u.e.left_shift = 20;
	u.e.a_mult = u.e.b_mult = u.e.out_mult = 1 << 30;
	u.e.a_shift = u.e.b_shift = -1;
	u.e.out_shift = -19;
	run_muts(x, &u, sizeof(u.e), me, sizeof(me) / sizeof(me[0]));

	memset(&u, 0, sizeof(u));
	u.a.hdr.opcode = SNPU_OP_ACTIVATION;
	u.a.hdr.size = sizeof(u.a);
	t4(x, &u.a.input, SNPU_DT_FP16, 2, 1, 3, 4);
	t4(x, &u.a.output, SNPU_DT_FP16, 2, 1, 3, 4);
	u.a.act.fn = SNPU_ACT_GELU;
	run_muts(x, &u, sizeof(u.a), ma, sizeof(ma) / sizeof(ma[0]));

	memset(&u, 0, sizeof(u));
	u.s.hdr.opcode = SNPU_OP_SOFTMAX;
	u.s.hdr.size = sizeof(u.s);
	t4(x, &u.s.input, SNPU_DT_FP32, 1, 1, 3, 10);
	t4(x, &u.s.output, SNPU_DT_FP32, 1, 1, 3, 10);
	u.s.axis = 3;
	u.s.beta = snpu_f32_bits(1.0f);
	run_muts(x, &u, sizeof(u.s), ms, sizeof(ms) / sizeof(ms[0]));

	memset(&u, 0, sizeof(u));
	u.m.hdr.opcode = SNPU_OP_MOVE;
	u.m.hdr.size = sizeof(u.m);
	t4(x, &u.m.input, SNPU_DT_UINT8, 1, 2, 3, 4);
	t4(x, &u.m.output, SNPU_DT_UINT8, 1, 2, 3, 4);
	run_muts(x, &u, sizeof(u.m), mm, sizeof(mm) / sizeof(mm[0]));

	memset(&u, 0, sizeof(u));
	u.d.hdr.opcode = SNPU_OP_PAD;
	u.d.hdr.size = sizeof(u.d);
	t4(x, &u.d.input, SNPU_DT_INT8, 1, 2, 3, 4);
	t4(x, &u.d.output, SNPU_DT_INT8, 1, 2, 5, 6);
	u.d.output.zero_point = u.d.input.zero_point;
	u.d.output.scale = u.d.input.scale;
	u.d.before[2] = 1;
	u.d.before[3] = 2;
	u.d.value = 0x7f;
	run_muts(x, &u, sizeof(u.d), md, sizeof(md) / sizeof(md[0]));

	memset(&u, 0, sizeof(u));
	u.c.hdr.opcode = SNPU_OP_CONVERT;
	u.c.hdr.size = sizeof(u.c);
	t4(x, &u.c.input, SNPU_DT_FP32, 1, 2, 3, 4);
	t4(x, &u.c.output, SNPU_DT_FP16, 1, 2, 3, 4);
	run_muts(x, &u, sizeof(u.c), mc, sizeof(mc) / sizeof(mc[0]));
	fake_exec_free(x);
}
END_TEST

/* Work and staging limits: SNPU_ERR_OVERFLOW before any large allocation
 * or any memory access of the output (device only: the reference has no
 * such limits). */
START_TEST(engine_limits)
{
	struct snpu_exec *x = fake_exec_new(MEM, 2);
	struct snpu_te_result res;
	GM g;

	fake_reset_alloc(x);
	base_gemm(x, &g, SNPU_DT_FP32);
	/* 2^48 MACs from broadcast operands of one element each */
	g.a.dim[2] = g.a.dim[3] = g.b.dim[2] = g.b.dim[3] = 1u << 16;
	g.a.stride[2] = g.a.stride[3] = g.b.stride[2] = g.b.stride[3] = 0;
	g.a.dim[1] = g.b.dim[1] = g.c.dim[1] = 1;
	g.c.dim[2] = g.c.dim[3] = 1u << 16;
	g.c.stride[3] = 1;
	g.c.stride[2] = 1u << 16;
	g.c.stride[1] = g.c.stride[0] = 0;
	x->bytes_read = x->bytes_written = 0;
	ck_assert_int_eq(snpu_te_execute(x, &g.hdr, sizeof(g), &res), SNPU_ERR_OVERFLOW);
	ck_assert_msg(strstr(x->log, "limit") != NULL, "log: %s", x->log);
	ck_assert_uint_eq(x->bytes_read + x->bytes_written, 0);
	/* a 1 GiB output: over the staging limit, nothing written */
	g.a.dim[2] = 1;
	g.a.dim[3] = g.b.dim[2] = 1;
	g.b.dim[3] = g.c.dim[3] = 1u << 28;
	g.c.dim[2] = 1;
	ck_assert_int_eq(snpu_te_execute(x, &g.hdr, sizeof(g), &res), SNPU_ERR_OVERFLOW);
	ck_assert_uint_eq(x->bytes_written, 0);
	n_malformed += 2;
	fake_exec_free(x);
}
END_TEST

/* Random byte mutations of valid descriptors of every tensor command: the
 * engine returns a valid status and never crashes (ASan/UBSan watch).
 * Valid-but-huge mutants are skipped by a cheap size estimate. */
static uint64_t rough_work(const void *cmd)
{
	const struct snpu_cmd_header *h = cmd;
	const struct snpu_tensor *t[3] = { NULL, NULL, NULL };
	uint64_t w = 1;
	int i, k;

	switch (h->opcode) {
	case SNPU_OP_CONV2D:
		t[0] = &((const CV *)cmd)->input;
		t[1] = &((const CV *)cmd)->weight;
		t[2] = &((const CV *)cmd)->output;
		break;
	case SNPU_OP_GEMM:
		t[0] = &((const GM *)cmd)->a;
		t[1] = &((const GM *)cmd)->b;
		t[2] = &((const GM *)cmd)->c;
		break;
	default:	/* the others start with input, output after the header */
		t[0] = (const struct snpu_tensor *)((const uint8_t *)cmd + 8);
		t[1] = t[0] + 1;
		break;
	}
	for (k = 0; k < 3; k++)
		for (i = 0; t[k] && i < 4; i++)
			if (__builtin_mul_overflow(w, (uint64_t)t[k]->dim[i], &w))
				return UINT64_MAX;
	if (h->opcode == SNPU_OP_POOL &&
	    __builtin_mul_overflow(w, (uint64_t)((const struct snpu_cmd_pool *)cmd)->kernel_h *
				   ((const struct snpu_cmd_pool *)cmd)->kernel_w, &w))
		return UINT64_MAX;
	return w;
}

START_TEST(random_mutations)
{
	struct snpu_exec *x = fake_exec_new(MEM, 2);
	union {
		CV c; GM g; struct snpu_cmd_pool p; struct snpu_cmd_eltwise e;
		struct snpu_cmd_activation a; struct snpu_cmd_softmax s;
		struct snpu_cmd_pad d; uint8_t b[512];
	} base, m;
	struct snpu_te_result res;
	struct snpu_cmd_regions regs;
	size_t size = 0;
	int round, i;

	fake_srand(31337 + (uint64_t)_i);
	fake_reset_alloc(x);
	memset(&base, 0, sizeof(base));
	switch (_i % 7) {
	case 0: base_conv(x, &base.c, _i % 2 ? SNPU_DT_INT8 : SNPU_DT_FP32); size = sizeof(CV); break;
	case 1: base_gemm(x, &base.g, SNPU_DT_INT8); size = sizeof(GM); break;
	case 2:
		base.p.hdr.opcode = SNPU_OP_POOL;
		t4(x, &base.p.input, SNPU_DT_FP16, 1, 2, 5, 5);
		t4(x, &base.p.output, SNPU_DT_FP16, 1, 2, 2, 2);
		base.p.kernel_h = base.p.kernel_w = base.p.stride_h = base.p.stride_w = 2;
		size = sizeof(base.p);
		break;
	case 3:
		base.e.hdr.opcode = SNPU_OP_ELTWISE;
		t4(x, &base.e.a, SNPU_DT_FP32, 1, 3, 1, 4);
		t4(x, &base.e.b, SNPU_DT_FP32, 1, 1, 2, 4);
		t4(x, &base.e.out, SNPU_DT_FP32, 1, 3, 2, 4);
		base.e.op = SNPU_ELT_MUL;
		size = sizeof(base.e);
		break;
	case 4:
		base.a.hdr.opcode = SNPU_OP_ACTIVATION;
		t4(x, &base.a.input, SNPU_DT_INT8, 1, 2, 3, 4);
		t4(x, &base.a.output, SNPU_DT_INT8, 1, 2, 3, 4);
		base.a.act.fn = SNPU_ACT_TANH;
		size = sizeof(base.a);
		break;
	case 5:
		base.s.hdr.opcode = SNPU_OP_SOFTMAX;
		t4(x, &base.s.input, SNPU_DT_INT8, 1, 2, 3, 4);
		t4(x, &base.s.output, SNPU_DT_INT8, 1, 2, 3, 4);
		base.s.beta = snpu_f32_bits(1.0f);
		size = sizeof(base.s);
		break;
	default:
		base.d.hdr.opcode = SNPU_OP_PAD;
		t4(x, &base.d.input, SNPU_DT_FP32, 1, 2, 3, 4);
		t4(x, &base.d.output, SNPU_DT_FP32, 1, 2, 5, 6);
		base.d.before[2] = 1;
		base.d.mode = SNPU_PAD_REFLECT;
		size = sizeof(base.d);
		break;
	}
	base.c.hdr.size = (uint16_t)size;
	ck_assert_int_eq(snpu_cmd_check(&base.c.hdr, (uint32_t)size, &regs), SNPU_OK);
	for (round = 0; round < 400; round++) {
		int nmut = (int)fake_urange(1, 3), rc;

		memcpy(&m, &base, sizeof(m));
		for (i = 0; i < nmut; i++) {
			size_t off = 8 + fake_urange(0, (uint32_t)size - 9);

			m.b[off] = fake_urange(0, 3) ? (uint8_t)fake_rand() : (uint8_t)(m.b[off] ^ 1);
		}
		if (snpu_cmd_check(&m.c.hdr, (uint32_t)size, &regs) == SNPU_OK &&
		    rough_work(&m) > (1u << 22))
			continue;	/* valid but too big to run in a unit test */
		rc = snpu_te_execute(x, &m.c.hdr, size, &res);
		ck_assert_int_ge(rc, SNPU_OK);
		ck_assert_int_lt(rc, SNPU_ERR_COUNT);
		if (rc != SNPU_OK)
			n_malformed++;
		else
			n_cmds++;
	}
	fake_exec_free(x);
}
END_TEST

/* Regions that the kernel checks against the BO list. */
START_TEST(regions)
{
	struct snpu_cmd_dma_copy d = { { SNPU_OP_DMA_COPY, sizeof(d), 0 }, 0x1000, 0x9000, 16, 4,
				       64, 32 };
	struct snpu_cmd_regions r;
	struct snpu_exec *x = fake_exec_new(MEM, 0);
	CV c;

	ck_assert_int_eq(snpu_cmd_check(&d.hdr, sizeof(d), &r), SNPU_OK);
	ck_assert_uint_eq(r.count, 2);
	ck_assert_uint_eq(r.r[0].addr, 0x1000);
	ck_assert_uint_eq(r.r[0].len, 3 * 64 + 16);
	ck_assert_uint_eq(r.r[1].len, 3 * 32 + 16);
	ck_assert_uint_eq(r.r[1].write, 1);
	d.src_stride = 8;
	ck_assert_int_eq(snpu_cmd_check(&d.hdr, sizeof(d), &r), SNPU_ERR_SHAPE);
	fake_reset_alloc(x);
	base_conv(x, &c, SNPU_DT_FP32);
	c.epi.flags = SNPU_EPI_BIAS;
	c.epi.bias_addr = 0x100;
	ck_assert_int_eq(snpu_cmd_check(&c.hdr, sizeof(c), &r), SNPU_OK);
	ck_assert_uint_eq(r.count, 4);
	ck_assert_uint_eq(r.r[0].len, 4 * 36 * 4);	/* input */
	ck_assert_uint_eq(r.r[2].len, 8 * 36 * 4);	/* output */
	ck_assert_uint_eq(r.r[2].write, 1);
	ck_assert_uint_eq(r.r[3].addr, 0x100);
	ck_assert_uint_eq(r.r[3].len, 8 * 4);
	fake_exec_free(x);
}
END_TEST

/* The timing model, recomputed here from docs/hardware.md 18.2 (not from
 * te_timing.c): weight-stationary rows x cols array, r cycles per MAC step,
 * each tile r * max(M, rows) + rows + cols - 2 cycles; memory per kind. */
static uint64_t cdiv(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

static uint64_t max2(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t doc_xfer(const struct snpu_timing *t, uint64_t bytes, uint64_t bw)
{
	return cdiv(bytes * t->clock_mhz, bw);
}

static uint64_t doc_mac(const struct snpu_timing *t, uint64_t r, uint64_t batches, uint64_t m,
			uint64_t n, uint64_t k)
{
	uint64_t rows = t->mac_rows, cols = t->mac_cols;

	return batches * cdiv(k, rows) * cdiv(n, cols) * (r * max2(m, rows) + rows + cols - 2);
}

static uint64_t doc_cycles(const struct snpu_timing *t, uint64_t comp, uint64_t host,
			   uint64_t dram, uint64_t sram)
{
	uint64_t mem = max2(doc_xfer(t, host, t->pcie_bw),
			    max2(doc_xfer(t, dram, t->dram_bw), doc_xfer(t, sram, t->sram_bw)));

	return t->cmd_overhead + max2(comp, mem);
}

/* Summed byte spans of a command's regions (snpu_cmd_check()). */
static uint64_t region_bytes(const void *cmd, uint32_t size)
{
	struct snpu_cmd_regions r;
	uint64_t b = 0;

	ck_assert_int_eq(snpu_cmd_check(cmd, size, &r), SNPU_OK);
	for (uint32_t i = 0; i < r.count; i++)
		b += r.r[i].len;
	return b;
}

/* The engine's pred_cycles (te_timing_predict(): the fake exec's memory is
 * all below the SRAM window, i.e. DRAM) against the formula. */
START_TEST(timing_model)
{
	struct snpu_exec *x = fake_exec_new(8u << 20, 2);
	const struct snpu_timing *t = &x->timing;
	struct snpu_te_result res;
	char why[512];
	GM g;
	CV c;
	uint64_t m = 100, n = 70, k = 90, bytes;

	ck_assert_uint_eq(t->mac_rows, 32);
	ck_assert_uint_eq(t->mac_cols, 32);
	fake_reset_alloc(x);
	/* compute-bound int8 gemm: 3 * 3 tiles of (100 + 62) */
	memset(&g, 0, sizeof(g));
	g.hdr.opcode = SNPU_OP_GEMM;
	g.hdr.size = sizeof(g);
	t4(x, &g.a, SNPU_DT_INT8, 1, 1, (uint32_t)m, (uint32_t)k);
	t4(x, &g.b, SNPU_DT_INT8, 1, 1, (uint32_t)k, (uint32_t)n);
	t4(x, &g.c, SNPU_DT_INT8, 1, 1, (uint32_t)m, (uint32_t)n);
	g.b.zero_point = 0;
	g.epi.requant_mult = 1 << 30;
	g.epi.requant_shift = -10;
	ck_assert(fake_run_compare(x, &g, sizeof(g), SNPU_OK, 1e-5, &res, why, sizeof(why)) == 0);
	bytes = m * k + k * n + m * n;
	ck_assert_uint_eq(region_bytes(&g, sizeof(g)), bytes);
	ck_assert_uint_eq(doc_mac(t, 1, 1, m, n, k), 9 * 162);
	ck_assert_uint_eq(res.pred_cycles, doc_cycles(t, doc_mac(t, 1, 1, m, n, k), 0, bytes, 0));
	ck_assert_uint_eq(res.pred_cycles, 64 + 1458);
	ck_assert_uint_eq(res.macs, m * n * k);
	ck_assert_uint_eq(res.elems, m * n);
	ck_assert_uint_gt(doc_mac(t, 1, 1, m, n, k), doc_xfer(t, bytes, t->dram_bw));
	/* one row (M = 1 < rows): each tile waits for its weights to load */
	fake_reset_alloc(x);
	t4(x, &g.a, SNPU_DT_INT8, 1, 1, 1, (uint32_t)k);
	t4(x, &g.c, SNPU_DT_INT8, 1, 1, 1, (uint32_t)n);
	t4(x, &g.b, SNPU_DT_INT8, 1, 1, (uint32_t)k, (uint32_t)n);
	g.b.zero_point = 0;
	ck_assert(fake_run_compare(x, &g, sizeof(g), SNPU_OK, 1e-5, &res, why, sizeof(why)) == 0);
	ck_assert_uint_eq(res.pred_cycles, 64 + 9 * (32 + 62));
	/* memory-bound fp32 gemm: M 1024, K 64, N 1 (2 tiles of 4 * 1024 + 62
	 * = 8 316 cycles; 266 496 bytes at DRAM bandwidth = 10 410) */
	fake_reset_alloc(x);
	t4(x, &g.a, SNPU_DT_FP32, 1, 1, 1024, 64);
	t4(x, &g.b, SNPU_DT_FP32, 1, 1, 64, 1);
	t4(x, &g.c, SNPU_DT_FP32, 1, 1, 1024, 1);
	g.epi.requant_mult = g.epi.requant_shift = 0;
	ck_assert_msg(fake_run_compare(x, &g, sizeof(g), SNPU_OK, 1e-4, &res, why, sizeof(why)) == 0,
		      "%s", why);
	bytes = 4 * (1024 * 64 + 64 + 1024);
	ck_assert_uint_eq(region_bytes(&g, sizeof(g)), bytes);
	ck_assert_uint_eq(doc_mac(t, 4, 1, 1024, 1, 64), 8316);
	ck_assert_uint_eq(doc_xfer(t, bytes, t->dram_bw), 10410);
	ck_assert_uint_eq(res.pred_cycles, doc_cycles(t, doc_mac(t, 4, 1, 1024, 1, 64), 0, bytes, 0));
	ck_assert_uint_eq(res.pred_cycles, 64 + 10410);
	/* grouped int8 conv on a 4 x 2 array: batches = groups, M = N*OH*OW,
	 * K = C/g*KH*KW, N = O/g */
	fake_reset_alloc(x);
	base_conv(x, &c, SNPU_DT_INT8);
	x->timing.mac_rows = 4;
	x->timing.mac_cols = 2;
	x->timing.cmd_overhead = 1000;
	ck_assert(fake_run_compare(x, &c, sizeof(c), SNPU_OK, 1e-5, &res, why, sizeof(why)) == 0);
	bytes = 4 * 36 + 8 * 2 * 9 + 8 * 36;
	ck_assert_uint_eq(region_bytes(&c, sizeof(c)), bytes);
	ck_assert_uint_eq(doc_mac(t, 1, 2, 36, 4, 18), 2 * 5 * 2 * (36 + 4));
	ck_assert_uint_eq(res.pred_cycles, doc_cycles(t, doc_mac(t, 1, 2, 36, 4, 18), 0, bytes, 0));
	ck_assert_uint_eq(res.macs, 8ull * 36 * 18);
	n_cmds += 4;
	fake_exec_free(x);
}
END_TEST

/* te_timing_predict(): dtype factor and memory kinds, and the worked
 * numbers of docs/hardware.md 18.2 at the defaults. Descriptors only (no
 * memory behind them): addresses below 0x4000_0000 are DRAM, the SRAM
 * window is SRAM, the rest host memory. */
static enum te_mem_kind kind3(void *arg, uint64_t va)
{
	(void)arg;
	return va >= SNPU_SRAM_VA ? TE_MEM_SRAM : va < 0x40000000 ? TE_MEM_DRAM : TE_MEM_HOST;
}

static const struct snpu_timing defaults = {
	.mac_rows = 32, .mac_cols = 32, .clock_mhz = 1000, .dram_bw = 25600, .sram_bw = 204800,
	.pcie_bw = 7880, .cmd_overhead = 64, .sram_size = 4u << 20,
};

static uint64_t predict(const void *cmd, uint32_t size)
{
	struct snpu_cmd_regions r;

	ck_assert_int_eq(snpu_cmd_check(cmd, size, &r), SNPU_OK);
	return te_timing_predict(&defaults, cmd, &r, kind3, NULL);
}

static void gemm_desc(GM *g, uint32_t dt, uint64_t a, uint64_t b, uint64_t c, uint32_t m,
		      uint32_t n, uint32_t k)
{
	memset(g, 0, sizeof(*g));
	g->hdr.opcode = SNPU_OP_GEMM;
	g->hdr.size = sizeof(*g);
	ck_assert_int_eq(snpu_tensor_init(&g->a, a, dt, SNPU_LAYOUT_NCHW, 1, 1, m, k), 0);
	ck_assert_int_eq(snpu_tensor_init(&g->b, b, dt, SNPU_LAYOUT_NCHW, 1, 1, k, n), 0);
	ck_assert_int_eq(snpu_tensor_init(&g->c, c, dt, SNPU_LAYOUT_NCHW, 1, 1, m, n), 0);
	if (dt == SNPU_DT_INT8) {
		g->a.scale = g->b.scale = g->c.scale = 0x3c000000;
		g->epi.requant_mult = 1 << 30;
		g->epi.requant_shift = -10;
	}
}

START_TEST(timing_doc_examples)
{
	const struct snpu_timing *t = &defaults;
	const uint64_t MiB = 1 << 20, SRAM = SNPU_SRAM_VA, HOST = 0x100000000ull;
	GM g;
	CV cv;
	struct snpu_cmd_eltwise e;
	struct snpu_cmd_softmax sm;
	struct snpu_cmd_pool pl;

	/* GEMM fp32 1024^3 in DRAM: 1024 tiles * (4096 + 62) = 4 257 792,
	 * xfer(12 MiB, DRAM) = 491 520 -> 4 257 856 */
	gemm_desc(&g, SNPU_DT_FP32, 0, 4 * MiB, 8 * MiB, 1024, 1024, 1024);
	ck_assert_uint_eq(doc_mac(t, 4, 1, 1024, 1024, 1024), 4257792);
	ck_assert_uint_eq(doc_xfer(t, 12 * MiB, t->dram_bw), 491520);
	ck_assert_uint_eq(doc_cycles(t, 4257792, 0, 12 * MiB, 0), 4257856);
	ck_assert_uint_eq(te_cycles_mac_compute(t, SNPU_DT_FP32, 1, 1024, 1024, 1024), 4257792);
	ck_assert_uint_eq(predict(&g, sizeof(g)), 4257856);
	/* GEMM int8 1024^3 in DRAM: 1024 * (1024 + 62) = 1 112 064,
	 * xfer(3 MiB) = 122 880 -> 1 112 128 */
	gemm_desc(&g, SNPU_DT_INT8, 0, 1 * MiB, 2 * MiB, 1024, 1024, 1024);
	ck_assert_uint_eq(doc_mac(t, 1, 1, 1024, 1024, 1024), 1112064);
	ck_assert_uint_eq(doc_xfer(t, 3 * MiB, t->dram_bw), 122880);
	ck_assert_uint_eq(doc_cycles(t, 1112064, 0, 3 * MiB, 0), 1112128);
	ck_assert_uint_eq(predict(&g, sizeof(g)), 1112128);
	/* fp16: r = 2 */
	gemm_desc(&g, SNPU_DT_FP16, 0, 2 * MiB, 4 * MiB, 1024, 1024, 1024);
	ck_assert_uint_eq(predict(&g, sizeof(g)), 64 + doc_mac(t, 2, 1, 1024, 1024, 1024));
	ck_assert_uint_eq(predict(&g, sizeof(g)), 64 + 1024 * (2048 + 62));

	/* CONV2D of section 22: input SRAM, weights/bias/requant DRAM, output
	 * SRAM: 3 K-tiles * 1 N-tile * (256 + 62) = 954 against
	 * max(xfer(1344, DRAM) = 53, xfer(6144, SRAM) = 30) -> 1018 */
	memset(&cv, 0, sizeof(cv));
	cv.hdr.opcode = SNPU_OP_CONV2D;
	cv.hdr.size = sizeof(cv);
	snpu_tensor_init(&cv.input, SRAM, SNPU_DT_INT8, SNPU_LAYOUT_NHWC, 1, 8, 16, 16);
	cv.input.zero_point = -128;
	cv.input.scale = 0x3c000000;
	snpu_tensor_init(&cv.weight, 0x200000, SNPU_DT_INT8, SNPU_LAYOUT_OHWI, 16, 8, 3, 3);
	cv.weight.scale = 0x3c23d70a;
	snpu_tensor_init(&cv.output, SRAM + 0x1000, SNPU_DT_INT8, SNPU_LAYOUT_NHWC, 1, 16, 16, 16);
	cv.output.zero_point = -128;
	cv.output.scale = 0x3c800000;
	cv.epi.flags = SNPU_EPI_BIAS | SNPU_EPI_PER_CHANNEL;
	cv.epi.bias_addr = 0x200480;
	cv.epi.requant_addr = 0x2004c0;
	cv.epi.act.fn = SNPU_ACT_RELU;
	cv.stride_h = cv.stride_w = cv.dilation_h = cv.dilation_w = 1;
	cv.pad_top = cv.pad_left = cv.pad_bottom = cv.pad_right = 1;
	cv.groups = 1;
	ck_assert_uint_eq(doc_mac(t, 1, 1, 256, 16, 72), 954);
	ck_assert_uint_eq(doc_xfer(t, 1344, t->dram_bw), 53);
	ck_assert_uint_eq(doc_xfer(t, 6144, t->sram_bw), 30);
	ck_assert_uint_eq(doc_cycles(t, 954, 0, 1344, 6144), 1018);
	ck_assert_uint_eq(predict(&cv, sizeof(cv)), 1018);
	{
		struct snpu_cmd_regions r;

		ck_assert_int_eq(snpu_cmd_check(&cv.hdr, sizeof(cv), &r), SNPU_OK);
		/* kind NULL: the SRAM window by VA, everything else DRAM */
		ck_assert_uint_eq(te_timing_predict(t, &cv.hdr, &r, NULL, NULL), 1018);
	}

	/* memory kinds: the memory-bound M 1024, K 64, N 1 fp32 gemm
	 * (266 496 bytes, compute 8 316) with every operand in one kind */
	gemm_desc(&g, SNPU_DT_FP32, 0, 1 * MiB, 2 * MiB, 1024, 1, 64);
	ck_assert_uint_eq(predict(&g, sizeof(g)), 64 + doc_xfer(t, 266496, t->dram_bw));
	ck_assert_uint_eq(predict(&g, sizeof(g)), 64 + 10410);
	gemm_desc(&g, SNPU_DT_FP32, HOST, HOST + MiB, HOST + 2 * MiB, 1024, 1, 64);
	ck_assert_uint_eq(predict(&g, sizeof(g)), 64 + doc_xfer(t, 266496, t->pcie_bw));
	ck_assert_uint_eq(predict(&g, sizeof(g)), 64 + 33820);
	gemm_desc(&g, SNPU_DT_FP32, SRAM, SRAM + MiB, SRAM + 2 * MiB, 1024, 1, 64);
	ck_assert_uint_eq(doc_xfer(t, 266496, t->sram_bw), 1302);
	ck_assert_uint_eq(predict(&g, sizeof(g)), 64 + 8316);	/* compute-bound in SRAM */
	/* mixed: a (262 144 bytes) in SRAM, b in DRAM, c (4 096) in host
	 * memory: the channels overlap, the slowest (SRAM 1 280) bounds */
	gemm_desc(&g, SNPU_DT_FP32, SRAM, 0, HOST, 1024, 1, 64);
	ck_assert_uint_eq(doc_cycles(t, 0, 4096, 256, 262144), 64 + 1280);
	ck_assert_uint_eq(predict(&g, sizeof(g)), 64 + 8316);
	ck_assert_uint_eq(te_cycles_mem3(t, 4096, 256, 262144), 1280);
	ck_assert_uint_eq(te_cycles_mem3(t, 4096 * 100, 256, 262144),
			  doc_xfer(t, 4096 * 100, t->pcie_bw));	/* host-bound */
	ck_assert_uint_gt(doc_xfer(t, 4096 * 100, t->pcie_bw), 1280);

	/* vector unit (cols lanes): ELTWISE/SOFTMAX/POOL compute terms */
	memset(&e, 0, sizeof(e));
	e.hdr.opcode = SNPU_OP_ELTWISE;
	snpu_tensor_init(&e.out, 0, SNPU_DT_FP32, SNPU_LAYOUT_NCHW, 1, 3, 10, 11);
	ck_assert_uint_eq(te_cycles_compute(t, &e.hdr), cdiv(330, 32));
	memset(&sm, 0, sizeof(sm));
	sm.hdr.opcode = SNPU_OP_SOFTMAX;
	snpu_tensor_init(&sm.output, 0, SNPU_DT_FP32, SNPU_LAYOUT_NCHW, 1, 1, 10, 1000);
	ck_assert_uint_eq(te_cycles_compute(t, &sm.hdr), cdiv(3 * 10000, 32));
	memset(&pl, 0, sizeof(pl));
	pl.hdr.opcode = SNPU_OP_POOL;
	pl.kernel_h = pl.kernel_w = 3;
	snpu_tensor_init(&pl.output, 0, SNPU_DT_INT8, SNPU_LAYOUT_NHWC, 2, 16, 7, 7);
	ck_assert_uint_eq(te_cycles_compute(t, &pl.hdr), cdiv(2 * 16 * 49 * 9, 32));
}
END_TEST

__attribute__((target("f16c"))) static uint16_t f16c(float f)
{
	return (uint16_t)_cvtss_sh(f, 0);
}

START_TEST(fp16_conversion)
{
	uint32_t h, i;

	for (h = 0; h < 0x10000; h++) {
		float f = snpu_f16_to_f32((uint16_t)h);

		if (f != f)
			ck_assert_uint_eq(snpu_f32_to_f16(f) & 0x7c00, 0x7c00);
		else
			ck_assert_uint_eq(snpu_f32_to_f16(f), h);
	}
	{
		unsigned int a, b, c, d;

		if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_F16C))
			return;	/* no F16C to compare with */
	}
	fake_srand(42);
	for (i = 0; i < 2000000; i++) {
		uint32_t b = (uint32_t)fake_rand();
		float f = snpu_bits_f32(b);

		if (f != f)
			continue;
		ck_assert_msg(snpu_f32_to_f16(f) == f16c(f), "0x%08x: %04x vs %04x", b,
			      snpu_f32_to_f16(f), f16c(f));
	}
}
END_TEST

START_TEST(quant_math)
{
	int32_t m, s, i;

	ck_assert_int_eq(snpu_quantize_multiplier(0.5, &m, &s), 0);
	ck_assert_int_eq(m, 1 << 30);
	ck_assert_int_eq(s, 0);
	ck_assert_int_eq(snpu_quantize_multiplier(1.0, &m, &s), 0);
	ck_assert_int_eq(m, 1 << 30);
	ck_assert_int_eq(s, 1);
	ck_assert_int_eq(snpu_quantize_multiplier(-1.0, &m, &s), -1);
	ck_assert_int_eq(snpu_quantize_multiplier(1e12, &m, &s), -1);
	ck_assert_int_eq(snpu_srdhm(SNPU_S32_MIN, SNPU_S32_MIN), SNPU_S32_MAX);
	ck_assert_int_eq(snpu_rdbpot(5, 1), 3);	/* 2.5 -> 3 */
	ck_assert_int_eq(snpu_rdbpot(-5, 1), -3);	/* -2.5 -> -3 */
	ck_assert_int_eq(snpu_rdbpot(-7, 2), -2);	/* -1.75 -> -2 */
	fake_srand(77);
	for (i = 0; i < 200000; i++) {
		double real = fake_frand(1e-6f, 4.0f), want;
		int32_t x = (int32_t)fake_rand();

		ck_assert_int_eq(snpu_quantize_multiplier(real, &m, &s), 0);
		if (s > 30)
			continue;
		want = (double)x * m * ldexp(1.0, s - 31);
		if (fabs(want) > 2e9 || fabs((double)x * ldexp(1.0, s > 0 ? s : 0)) > 2e9)
			continue;	/* saturating cases: documented deviation */
		ck_assert_msg(fabs(snpu_requant_apply(x, m, s) - want) <= 1.0,
			      "x %d m %d s %d: %d vs %f", x, m, s, snpu_requant_apply(x, m, s), want);
	}
	ck_assert_int_eq(snpu_quantize_f32(0.5f, 1.0f, 0), 0);	/* half to even */
	ck_assert_int_eq(snpu_quantize_f32(1.5f, 1.0f, 0), 2);
	ck_assert_int_eq(snpu_quantize_f32(1e30f, 0.1f, 5), 127);
	ck_assert_int_eq(snpu_quantize_f32(-INFINITY, 0.1f, 5), -128);
	ck_assert_int_eq(snpu_quantize_f32(NAN, 0.1f, 5), 5);
	ck_assert_int_eq(snpu_avg_s8(-5, 2), -3);
	ck_assert_int_eq(snpu_avg_s8(5, 2), 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("te_check");
	TCase *tc = tcase_create("check");
	SRunner *sr;
	int failed;

	cnt = mmap(NULL, sizeof(*cnt), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cnt == MAP_FAILED)
		return EXIT_FAILURE;

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, malformed_conv);
	tcase_add_test(tc, malformed_conv_int8);
	tcase_add_test(tc, malformed_gemm);
	tcase_add_test(tc, malformed_others);
	tcase_add_test(tc, regions);
	tcase_add_test(tc, engine_limits);
	tcase_add_loop_test(tc, random_mutations, 0, 14);
	tcase_add_test(tc, timing_model);
	tcase_add_test(tc, timing_doc_examples);
	tcase_add_test(tc, fp16_conversion);
	tcase_add_test(tc, quant_math);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("te_check: %lu malformed or faulting descriptors rejected, %lu valid commands run\n",
	       n_malformed, n_cmds);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
