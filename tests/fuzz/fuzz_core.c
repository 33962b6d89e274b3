// SPDX-License-Identifier: MIT
/*
 * libFuzzer target over the whole SNPU device core: register writes and
 * reads (global, queue and fault-injection blocks), doorbells, rings, job
 * descriptors, command streams of every opcode, resets and the passage of
 * time, on a freshly created and booted device per input.
 *
 * Input: one config byte (bit 0: two engine threads, bit 1: pace, bit 2:
 * fault injection), then records:
 *   0 SUBMIT  u8 queue, u8 ctx, u8 flags, u16 len, len bytes of commands
 *   1 REG     u16 offset, u32 value            (BAR0 write)
 *   2 QREG    u8 queue, u8 reg, u32 value      (queue block write)
 *   3 RUN     u8 n                             (snpu_core_run calls)
 *   4 RESET   u8 kind                          (even: soft, odd: FLR)
 *   5 READ    u16 offset                       (BAR0 read)
 *   6 ADVANCE u32 ns                           (device clock)
 * The structure-aware mutator (LLVMFuzzerCustomMutator) keeps that
 * structure and mostly valid commands, and pushes tensor dims, strides,
 * types and addresses to the edges: powers of two, 2^31, 2^32 - 1, zero
 * and overlapping strides, fp16 outputs, broadcast inputs, the SRAM window,
 * DRAM and a 256 MiB range whose pages all alias one host page.
 *
 * Oracles: ASan/UBSan, every completion status a known enum snpu_err, no
 * queue HEAD past its TAIL, no MSI-X vector the device does not have, the
 * run ends (bounded), the core frees cleanly, and (-malloc_limit_mb=32 in
 * make fuzz-core) no single allocation beyond twice the fuzz build's
 * per-command memory budget of 16 MiB.
 * Seeds: tests/fuzz/corpus-core (written by FUZZ_CORE_WRITE_SEEDS=dir).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snpu_core.h"
#include "snpu_cmd.h"
#include "snpu_cmd_regions.h"
#include "snpu_layout.h"
#include "snpu_mmu.h"
#include "snpu_regs.h"
#include "snpu_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);

/* ---- the host: 4 MiB of bus memory ---------------------------------------- */
#define BUS_BASE	0x100000000ull
#define MEM_SIZE	(4u << 20)
#define OFF_CTX		0x1000u		/* context table (4 contexts) */
#define OFF_PT		0x2000u		/* page tables up to OFF_RING */
#define OFF_RING	0x100000u	/* 4 rings x 16 descriptors */
#define OFF_COMPL	0x102000u	/* 4 x 16 completion records */
#define OFF_CMDS	0x110000u	/* 16 command streams of 8 KiB */
#define OFF_FW		0x190000u
#define OFF_DATA	0x200000u	/* 2 MiB, mapped at VA_DATA */
#define DATA_SIZE	(2u << 20)
#define NQ		4
#define RING		16
#define CMD_SLOT	8192u

#define VA_DATA		0x10000000ull
#define VA_DRAM		0x20000000ull	/* 1 MiB of device DRAM */
#define VA_RO		0x30000000ull	/* 64 KiB read-only view of the data */
#define VA_ALIAS	0x4000000000ull	/* 256 MiB, every page = data page 0 */
#define ALIAS_SIZE	(256ull << 20)
#define F32_ONE		0x3f800000u

struct host {
	uint8_t *mem;
	uint64_t now;
	uint32_t tail[NQ];
	uint64_t seqno;
};

static uint8_t *mem_template;	/* page tables, context table, firmware */
static uint8_t *mem_run;	/* the bus memory of the input running */
static size_t fw_len;
static uint32_t pt_next;

static int in_bus(uint64_t a, size_t len)
{
	return a >= BUS_BASE && a - BUS_BASE <= MEM_SIZE && len <= MEM_SIZE - (a - BUS_BASE);
}

static int op_read(void *o, uint64_t a, void *buf, size_t len)
{
	struct host *h = o;

	if (!in_bus(a, len))
		return -1;
	memcpy(buf, h->mem + (a - BUS_BASE), len);
	return 0;
}

static int op_write(void *o, uint64_t a, const void *buf, size_t len)
{
	struct host *h = o;

	if (!in_bus(a, len))
		return -1;
	memcpy(h->mem + (a - BUS_BASE), buf, len);
	return 0;
}

static void op_irq(void *o, unsigned int v)
{
	(void)o;
	if (v > NQ)
		abort();	/* a vector the device does not have */
}

static uint64_t op_clock(void *o)
{
	return ((struct host *)o)->now++;
}

static void op_kick(void *o)
{
	(void)o;
}

/* ---- page tables of the template -------------------------------------------- */
static uint64_t *pte_slot(uint64_t root, uint64_t va)
{
	uint64_t table = root;

	for (int l = 0; l < SNPU_PT_LEVELS - 1; l++) {
		uint64_t *e = (uint64_t *)(mem_template + table) + SNPU_PT_INDEX(va, l);

		if (!(*e & SNPU_PTE_VALID)) {
			if (pt_next + 4096 > OFF_RING)
				abort();
			*e = (BUS_BASE + pt_next) | SNPU_PTE_VALID | SNPU_PTE_TABLE;
			pt_next += 4096;
		}
		table = (*e & SNPU_PTE_ADDR_MASK) - BUS_BASE;
	}
	return (uint64_t *)(mem_template + table) + SNPU_PT_INDEX(va, SNPU_PT_LEVELS - 1);
}

static void map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags,
		int alias)
{
	for (uint64_t o = 0; o < size; o += SNPU_PAGE_SIZE)
		*pte_slot(root, va + o) = ((pa + (alias ? 0 : o)) & SNPU_PTE_ADDR_MASK) |
					  SNPU_PTE_VALID | flags;
}

static void build_template(void)
{
	struct snpu_mmu_ctx *ctx;
	uint64_t rw = SNPU_PTE_READ | SNPU_PTE_WRITE;

	mem_template = calloc(1, MEM_SIZE);
	mem_run = malloc(MEM_SIZE);
	if (!mem_template || !mem_run)
		abort();
	pt_next = OFF_PT + 2 * 4096;
	ctx = (void *)(mem_template + OFF_CTX);
	for (unsigned int c = 1; c <= 2; c++) {
		uint64_t root = OFF_PT + (c - 1) * 4096;

		ctx[c].pt_root = (BUS_BASE + root) | SNPU_CTX_VALID;
		map(root, VA_DATA, BUS_BASE + OFF_DATA, DATA_SIZE, rw, 0);
		map(root, VA_DRAM, 0, 1u << 20, rw | SNPU_PTE_DRAM, 0);
		map(root, VA_RO, BUS_BASE + OFF_DATA, 64 * 1024, SNPU_PTE_READ, 0);
		if (c == 1)
			map(root, VA_ALIAS, BUS_BASE + OFF_DATA, ALIAS_SIZE, rw, 1);
	}
}

static void load_fw(void)
{
	FILE *f = fopen(FUZZ_FW_IMAGE, "rb");

	if (!f) {
		perror(FUZZ_FW_IMAGE);
		abort();
	}
	fw_len = fread(mem_template + OFF_FW, 1, OFF_DATA - OFF_FW, f);
	fclose(f);
	if (!fw_len)
		abort();
}

/* ---- running one input ----------------------------------------------------------- */
struct rd {
	const uint8_t *p;
	size_t n;
};

static int get(struct rd *r, void *dst, size_t len)
{
	if (r->n < len)
		return -1;
	memcpy(dst, r->p, len);
	r->p += len;
	r->n -= len;
	return 0;
}

static void run(struct snpu_core *core, struct host *h, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int64_t d = snpu_core_run(core);

		if (d < 0)
			return;
		h->now += (uint64_t)d;
	}
}

static void submit(struct snpu_core *core, struct host *h, unsigned int q, unsigned int ctx,
		   unsigned int flags, const uint8_t *cmds, size_t len)
{
	struct snpu_job_desc d;
	uint32_t slot = h->tail[q] % RING, cs = (uint32_t)(h->seqno % 16);

	memcpy(h->mem + OFF_CMDS + cs * CMD_SLOT, cmds, len);
	memset(&d, 0, sizeof(d));
	d.cmd_addr = BUS_BASE + OFF_CMDS + cs * CMD_SLOT;
	d.cmd_size = (uint32_t)len;
	d.ctx_id = ctx;
	d.seqno = ++h->seqno;
	d.completion_addr = BUS_BASE + OFF_COMPL + (q * RING + slot) * 64;
	d.flags = flags & 1 ? SNPU_JOB_IRQ : 0;
	if (flags & 2) {
		d.flags |= SNPU_JOB_PROFILE;
		d.num_profile = (flags >> 2) & 15;
		d.profile_va = VA_DATA + DATA_SIZE - 4096;
	}
	memset(h->mem + (d.completion_addr - BUS_BASE), 0, 64);
	memcpy(h->mem + OFF_RING + (q * RING + slot) * sizeof(d), &d, sizeof(d));
	h->tail[q]++;
	snpu_core_reg_write(core, SNPU_REG_QUEUE(q, SNPU_QREG_RING_TAIL), h->tail[q]);
}

static void check(struct snpu_core *core, struct host *h)
{
	for (unsigned int q = 0; q < NQ; q++) {
		uint32_t head = snpu_core_reg_read(core, SNPU_REG_QUEUE(q, SNPU_QREG_RING_HEAD));
		uint32_t tail = snpu_core_reg_read(core, SNPU_REG_QUEUE(q, SNPU_QREG_RING_TAIL));

		if ((int32_t)(head - tail) > 0)
			abort();	/* HEAD ahead of TAIL */
	}
	for (unsigned int i = 0; i < NQ * RING; i++) {
		const struct snpu_completion *c = (const void *)(h->mem + OFF_COMPL + i * 64);

		if ((c->flags & SNPU_COMPL_DONE) && c->status >= SNPU_ERR_COUNT)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snpu_host_ops ops = {
		.dma_read = op_read, .dma_write = op_write, .irq = op_irq,
		.clock_ns = op_clock, .kick = op_kick, .log = NULL,
	};
	struct snpu_config cfg;
	struct snpu_core *core;
	struct host h;
	struct rd r = { data, size };
	uint8_t conf = 0, kind, cmds[CMD_SLOT];
	char err[128];

	if (get(&r, &conf, 1))
		return 0;
	memset(&h, 0, sizeof(h));
	h.now = 1000000;
	h.mem = mem_run;
	memcpy(h.mem, mem_template, OFF_DATA);
	memset(h.mem + OFF_DATA, 0x5a, DATA_SIZE);
	ops.opaque = &h;
	snpu_config_defaults(&cfg);
	cfg.num_queues = NQ;
	cfg.dram_size = 1u << 20;
	cfg.sram_size = 64u << 10;
	cfg.num_contexts = 4;
	cfg.threads = conf & 1 ? 2 : 1;
	cfg.pace = conf & 2;
	cfg.fault_injection = conf & 4;
	core = snpu_core_new(&cfg, &ops, err, sizeof(err));
	if (!core)
		abort();
	/* bring-up as a driver does it */
	snpu_core_reg_write(core, SNPU_REG_FW_ADDR_LO, (uint32_t)(BUS_BASE + OFF_FW));
	snpu_core_reg_write(core, SNPU_REG_FW_ADDR_HI, (uint32_t)((BUS_BASE + OFF_FW) >> 32));
	snpu_core_reg_write(core, SNPU_REG_FW_SIZE, (uint32_t)fw_len);
	snpu_core_reg_write(core, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	run(core, &h, 4);
	if (snpu_core_reg_read(core, SNPU_REG_FW_STATUS) != SNPU_FW_STATUS_RUNNING)
		abort();
	snpu_core_reg_write(core, SNPU_REG_MMU_CTX_TABLE_LO, (uint32_t)(BUS_BASE + OFF_CTX));
	snpu_core_reg_write(core, SNPU_REG_MMU_CTX_TABLE_HI, (uint32_t)((BUS_BASE + OFF_CTX) >> 32));
	snpu_core_reg_write(core, SNPU_REG_MMU_CTX_COUNT, 4);
	for (unsigned int q = 0; q < NQ; q++) {
		uint64_t ring = BUS_BASE + OFF_RING + q * RING * 64;

		snpu_core_reg_write(core, SNPU_REG_QUEUE(q, SNPU_QREG_RING_BASE_LO), (uint32_t)ring);
		snpu_core_reg_write(core, SNPU_REG_QUEUE(q, SNPU_QREG_RING_BASE_HI),
				    (uint32_t)(ring >> 32));
		snpu_core_reg_write(core, SNPU_REG_QUEUE(q, SNPU_QREG_RING_SIZE), RING);
		snpu_core_reg_write(core, SNPU_REG_QUEUE(q, SNPU_QREG_CONTROL), SNPU_QCTRL_ENABLE);
	}

	while (!get(&r, &kind, 1)) {
		uint8_t b[4];
		uint16_t u16, len;
		uint32_t u32;

		switch (kind % 7) {
		case 0:
			if (get(&r, b, 3) || get(&r, &len, 2))
				goto out;
			len = len > r.n ? (uint16_t)r.n : len;
			len = len > CMD_SLOT ? CMD_SLOT : len;
			len &= (uint16_t)~7u;
			get(&r, cmds, len);
			submit(core, &h, b[0] % NQ, b[1] % 4, b[2], cmds, len ? len : 8);
			break;
		case 1:
			if (get(&r, &u16, 2) || get(&r, &u32, 4))
				goto out;
			snpu_core_reg_write(core, (uint32_t)u16 & ~3u, u32);
			break;
		case 2:
			if (get(&r, b, 2) || get(&r, &u32, 4))
				goto out;
			snpu_core_reg_write(core, SNPU_REG_QUEUE(b[0] % NQ, (b[1] % 12) * 4), u32);
			break;
		case 3:
			if (get(&r, b, 1))
				goto out;
			run(core, &h, b[0] % 32);
			break;
		case 4:
			if (get(&r, b, 1))
				goto out;
			if (b[0] & 1)
				snpu_core_reset(core);
			else
				snpu_core_reg_write(core, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
			break;
		case 5:
			if (get(&r, &u16, 2))
				goto out;
			(void)snpu_core_reg_read(core, (uint32_t)u16 & ~3u);
			break;
		default:
			if (get(&r, &u32, 4))
				goto out;
			h.now += u32;
			break;
		}
		check(core, &h);
	}
out:
	run(core, &h, 4000);
	check(core, &h);
	snpu_core_free(core);
	return 0;
}

/* ---- structure-aware mutator ------------------------------------------------------ */
static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static const uint32_t edge_dims[] = {
	0, 1, 1, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 255, 256, 1023, 1024, 4095,
	4096, 65535, 65536, 1u << 20, (1u << 31) - 1, 1u << 31, 0xffffffffu,
};

static uint32_t edge_dim(void)
{
	return rnd(4) ? edge_dims[rnd(sizeof(edge_dims) / sizeof(edge_dims[0]))] : rnd(64);
}

static uint64_t any_addr(void)
{
	switch (rnd(9)) {
	case 0: return VA_DATA + rnd(DATA_SIZE);
	case 1: return VA_DATA + DATA_SIZE - 8 * rnd(64);
	case 2: return VA_DRAM + 64 * rnd(16384);
	case 3: return SNPU_SRAM_VA + 8 * rnd(8192);
	case 4: return VA_ALIAS + 4096ull * rnd(65536);
	case 5: return VA_RO + 64 * rnd(1024);
	case 6: return ((uint64_t)rnd(0xffffffffu) << 32) | rnd(0xffffffffu);
	case 7: return SNPU_VA_SIZE - 8 * rnd(16);
	default: return VA_DATA + 64 * rnd(4096);
	}
}

static void tensor(struct snpu_tensor *t, uint32_t dt, uint32_t d0, uint32_t d1, uint32_t d2,
		   uint32_t d3)
{
	uint64_t addr = rnd(4) ? VA_DATA + 64 * rnd(DATA_SIZE / 128) :
			rnd(2) ? VA_DRAM + 64 * rnd(8192) : SNPU_SRAM_VA + 64 * rnd(256);

	if (snpu_tensor_init(t, addr, dt, rnd(3) ? SNPU_LAYOUT_NCHW : SNPU_LAYOUT_NHWC,
			     d0, d1, d2, d3))
		memset(t, 0, sizeof(*t));
	if (dt == SNPU_DT_INT8) {
		t->scale = F32_ONE - rnd(2) * 0x800000u;
		t->zero_point = (int32_t)rnd(7) - 3;
	}
	if (!rnd(6))	/* broadcast an input axis */
		t->stride[rnd(4)] = 0;
}

static uint32_t small(void)
{
	return 1 + rnd(rnd(4) ? 8 : 40);
}

static uint32_t fdt(void)
{
	static const uint32_t dts[] = { SNPU_DT_FP32, SNPU_DT_FP16, SNPU_DT_INT8 };

	return dts[rnd(3)];
}

/* A valid (or nearly valid) command of a random opcode; returns its size. */
static size_t gen_cmd(uint8_t *p)
{
	union {
		struct snpu_cmd_header h;
		struct snpu_cmd_conv2d cv;
		struct snpu_cmd_gemm g;
		struct snpu_cmd_pool pl;
		struct snpu_cmd_eltwise e;
		struct snpu_cmd_activation a;
		struct snpu_cmd_softmax s;
		struct snpu_cmd_move m;
		struct snpu_cmd_pad pd;
		struct snpu_cmd_convert c;
		struct snpu_cmd_dma_copy dc;
		struct snpu_cmd_dma_fill df;
		struct snpu_cmd_fence f;
		struct snpu_cmd_wait w;
		struct snpu_cmd_timestamp ts;
	} u;
	uint32_t n = small(), c = small(), hh = small(), w = small(), dt = fdt(), op;
	size_t size;

	memset(&u, 0, sizeof(u));
	switch (rnd(15)) {
	case 0: {
		uint32_t k = 1 + rnd(3), g = rnd(3) ? 1 : c, o = g * (1 + rnd(4));

		op = SNPU_OP_CONV2D;
		size = sizeof(u.cv);
		u.cv.stride_h = u.cv.stride_w = (uint16_t)(1 + rnd(2));
		u.cv.dilation_h = u.cv.dilation_w = 1;
		u.cv.pad_top = u.cv.pad_bottom = u.cv.pad_left = u.cv.pad_right = (uint16_t)rnd(2);
		u.cv.groups = g;
		tensor(&u.cv.input, dt, n, c, hh + k, w + k);
		tensor(&u.cv.weight, dt, o, c / g, k, k);
		u.cv.weight.zero_point = 0;
		tensor(&u.cv.output, dt, n, o,
		       (uint32_t)snpu_window_out(hh + k, u.cv.pad_top, u.cv.pad_bottom, k, 1,
						 u.cv.stride_h),
		       (uint32_t)snpu_window_out(w + k, u.cv.pad_left, u.cv.pad_right, k, 1,
						 u.cv.stride_w));
		if (dt == SNPU_DT_INT8)
			u.cv.epi.requant_mult = 1 << 30;
		if (!rnd(3)) {
			u.cv.epi.flags |= SNPU_EPI_BIAS;
			u.cv.epi.bias_addr = VA_DATA + 64 * rnd(1024);
		}
		break;
	}
	case 1:
		op = SNPU_OP_GEMM;
		size = sizeof(u.g);
		tensor(&u.g.a, dt, 1, n, hh, w);
		tensor(&u.g.b, dt, 1, n, w, c);
		u.g.b.zero_point = 0;
		tensor(&u.g.c, dt, 1, n, hh, c);
		if (dt == SNPU_DT_INT8)
			u.g.epi.requant_mult = 1 << 30;
		break;
	case 2: {
		uint32_t k = 1 + rnd(3);

		op = SNPU_OP_POOL;
		size = sizeof(u.pl);
		u.pl.mode = rnd(2);
		u.pl.kernel_h = u.pl.kernel_w = (uint16_t)k;
		u.pl.stride_h = u.pl.stride_w = 1;
		tensor(&u.pl.input, dt, n, c, hh + k, w + k);
		u.pl.output = u.pl.input;
		tensor(&u.pl.output, dt, n, c, hh + 1, w + 1);
		u.pl.output.zero_point = u.pl.input.zero_point;
		u.pl.output.scale = u.pl.input.scale;
		break;
	}
	case 3:
		op = SNPU_OP_ELTWISE;
		size = sizeof(u.e);
		u.e.op = rnd(dt == SNPU_DT_INT8 ? 3 : 6);
		u.e.op = dt == SNPU_DT_INT8 && u.e.op == SNPU_ELT_DIV ? SNPU_ELT_MAX : u.e.op;
		tensor(&u.e.a, dt, n, c, hh, w);
		tensor(&u.e.b, dt, n, c, hh, w);
		tensor(&u.e.out, dt, n, c, hh, w);
		if (dt == SNPU_DT_INT8) {
			u.e.a_mult = u.e.b_mult = u.e.out_mult = 1 << 30;
			u.e.b.zero_point = u.e.a.zero_point = u.e.out.zero_point;
			u.e.b.scale = u.e.a.scale = u.e.out.scale;
		}
		break;
	case 4:
		op = SNPU_OP_ACTIVATION;
		size = sizeof(u.a);
		u.a.act.fn = rnd(SNPU_ACT_COUNT);
		tensor(&u.a.input, dt, n, c, hh, w);
		tensor(&u.a.output, dt, n, c, hh, w);
		break;
	case 5:
		op = SNPU_OP_SOFTMAX;
		size = sizeof(u.s);
		u.s.axis = rnd(4);
		u.s.beta = F32_ONE;
		tensor(&u.s.input, dt, n, c, hh, w);
		tensor(&u.s.output, dt, n, c, hh, w);
		break;
	case 6:
		op = SNPU_OP_MOVE;
		size = sizeof(u.m);
		tensor(&u.m.input, dt, n, c, hh, w);
		tensor(&u.m.output, dt, n, c, hh, w);
		u.m.output.zero_point = u.m.input.zero_point;
		u.m.output.scale = u.m.input.scale;
		break;
	case 7:
		op = SNPU_OP_PAD;
		size = sizeof(u.pd);
		u.pd.mode = rnd(3);
		u.pd.before[2] = u.pd.before[3] = rnd(2);
		tensor(&u.pd.input, dt, n, c, hh + 1, w + 1);
		tensor(&u.pd.output, dt, n, c, hh + 3, w + 3);
		u.pd.output.zero_point = u.pd.input.zero_point;
		u.pd.output.scale = u.pd.input.scale;
		break;
	case 8:
		op = SNPU_OP_CONVERT;
		size = sizeof(u.c);
		tensor(&u.c.input, rnd(2) ? SNPU_DT_FP32 : SNPU_DT_FP16, n, c, hh, w);
		tensor(&u.c.output, u.c.input.dtype == SNPU_DT_FP32 ?
		       (rnd(2) ? SNPU_DT_INT8 : SNPU_DT_FP16) : SNPU_DT_FP32, n, c, hh, w);
		break;
	case 9:
		op = SNPU_OP_DMA_COPY;
		size = sizeof(u.dc);
		u.dc.src = any_addr();
		u.dc.dst = any_addr();
		u.dc.rows = 1 + rnd(4);
		u.dc.row_bytes = 1 + rnd(8192);
		u.dc.src_stride = u.dc.dst_stride = u.dc.row_bytes + rnd(64);
		break;
	case 10:
		op = SNPU_OP_DMA_FILL;
		size = sizeof(u.df);
		u.df.dst = any_addr() & ~3ull;
		u.df.size = 4 * (1 + rnd(8192));
		u.df.value = rnd(0xffffffffu);
		break;
	case 11:
		op = SNPU_OP_FENCE;
		size = sizeof(u.f);
		u.f.addr = VA_DATA + 8 * rnd(64);
		u.f.value = rnd(4);
		break;
	case 12:
		op = SNPU_OP_WAIT;
		size = sizeof(u.w);
		u.w.addr = VA_DATA + 8 * rnd(64);
		u.w.value = rnd(4);
		u.w.op = rnd(2);
		u.w.timeout_us = rnd(3000);
		break;
	case 13:
		op = rnd(2) ? SNPU_OP_TIMESTAMP : SNPU_OP_COUNTERS;
		size = op == SNPU_OP_TIMESTAMP ? sizeof(u.ts) : sizeof(struct snpu_cmd_counters);
		u.ts.addr = any_addr() & ~7ull;
		break;
	default:
		op = SNPU_OP_NOP;
		size = 8;
		break;
	}
	u.h.opcode = (uint16_t)op;
	u.h.size = (uint16_t)size;
	memcpy(p, &u, size);
	return size;
}

/* Offsets of the tensors in a command of opcode op. */
static int tensors_of(uint16_t op, size_t off[4])
{
	size_t T = sizeof(struct snpu_tensor), base = sizeof(struct snpu_cmd_header);

	switch (op) {
	case SNPU_OP_CONV2D:
		off[3] = offsetof(struct snpu_cmd_conv2d, epi) + offsetof(struct snpu_epilogue,
									   residual);
		/* fallthrough */
	case SNPU_OP_GEMM:
	case SNPU_OP_ELTWISE:
		off[0] = base;
		off[1] = base + T;
		off[2] = base + 2 * T;
		return op == SNPU_OP_CONV2D ? 4 : 3;
	case SNPU_OP_POOL: case SNPU_OP_ACTIVATION: case SNPU_OP_SOFTMAX:
	case SNPU_OP_MOVE: case SNPU_OP_PAD: case SNPU_OP_CONVERT:
		off[0] = base;
		off[1] = base + T;
		return 2;
	default:
		return 0;
	}
}

/* Push one field of one tensor of the command at p to an edge. */
static void mutate_cmd(uint8_t *p, size_t len)
{
	struct snpu_cmd_header *h = (void *)p;
	struct snpu_tensor t;
	size_t off[4];
	int nt = len >= sizeof(*h) ? tensors_of(h->opcode, off) : 0;
	uint32_t v;

	if (nt && off[nt - 1] + sizeof(t) <= len && rnd(5)) {
		size_t o = off[rnd((uint32_t)nt)];
		unsigned int i = rnd(4);

		memcpy(&t, p + o, sizeof(t));
		switch (rnd(10)) {
		case 0: case 1: case 2: t.dim[i] = edge_dim(); break;
		case 3: case 4: t.stride[i] = rnd(3) ? edge_dim() : 0; break;
		case 5:	/* overlapping strides, many elements */
			for (i = 0; i < 4; i++) {
				t.dim[i] = 1u << (8 + rnd(24));
				t.stride[i] = rnd(2);
			}
			break;
		case 6: t.dtype = (uint8_t)(rnd(8) ? rnd(4) : rnd(256)); break;
		case 7: t.addr = any_addr(); break;
		case 8: t.zero_point = (int32_t)rnd(300) - 150; break;
		default:	/* the output as fp16 */
			t.dtype = SNPU_DT_FP16;
			break;
		}
		memcpy(p + o, &t, sizeof(t));
		return;
	}
	if (len <= 8)
		return;
	/* a scalar field: u16 windows, u32 counts, u64 addresses */
	switch (rnd(3)) {
	case 0: {
		uint16_t s = (uint16_t)(rnd(2) ? edge_dim() : rnd(65536));

		memcpy(p + 8 + 2 * rnd((uint32_t)(len - 8) / 2), &s, 2);
		break;
	}
	case 1:
		v = edge_dim();
		memcpy(p + 8 + 4 * rnd((uint32_t)(len - 8) / 4), &v, 4);
		break;
	default: {
		uint64_t a = any_addr();

		memcpy(p + 8 + 8 * rnd((uint32_t)(len - 8) / 8), &a, 8);
		break;
	}
	}
}

struct rec {
	uint8_t kind;
	uint8_t hdr[8];		/* fixed part after kind */
	size_t hlen;
	uint8_t *cmds;		/* SUBMIT only */
	size_t clen;
};

#define MAX_RECS 64

static size_t fixed_len(uint8_t kind)
{
	static const size_t l[7] = { 5, 6, 6, 1, 1, 2, 4 };

	return l[kind % 7];
}

static size_t parse(const uint8_t *d, size_t n, uint8_t *conf, struct rec *r)
{
	size_t i = 1, k = 0;

	*conf = n ? d[0] : 0;
	while (i < n && k < MAX_RECS) {
		struct rec *x = &r[k];

		x->kind = d[i++] % 7;
		x->hlen = fixed_len(x->kind);
		if (i + x->hlen > n)
			break;
		memcpy(x->hdr, d + i, x->hlen);
		i += x->hlen;
		x->cmds = NULL;
		x->clen = 0;
		if (x->kind == 0) {
			uint16_t len;

			memcpy(&len, x->hdr + 3, 2);
			len = len > n - i ? (uint16_t)(n - i) : len;
			len = len > CMD_SLOT ? CMD_SLOT : len;
			x->cmds = malloc(CMD_SLOT);
			if (!x->cmds)
				abort();
			memcpy(x->cmds, d + i, len);
			x->clen = len & ~7u;
			i += len;
		}
		k++;
	}
	return k;
}

static size_t serialize(uint8_t conf, struct rec *r, size_t k, uint8_t *out, size_t max)
{
	size_t o = 0;

	if (!max)
		return 0;
	out[o++] = conf;
	for (size_t i = 0; i < k; i++) {
		struct rec *x = &r[i];
		size_t need = 1 + x->hlen + x->clen;

		if (o + need > max)
			break;
		if (x->kind == 0) {
			uint16_t len = (uint16_t)x->clen;

			memcpy(x->hdr + 3, &len, 2);
		}
		out[o++] = x->kind;
		memcpy(out + o, x->hdr, x->hlen);
		o += x->hlen;
		if (x->clen)
			memcpy(out + o, x->cmds, x->clen);
		o += x->clen;
	}
	return o;
}

/* Offset of command index `which` (mod the count) in a stream. */
static size_t nth_cmd(const uint8_t *c, size_t len, uint32_t which, size_t *clen)
{
	size_t pos = 0, starts[256], sizes[256];
	uint32_t n = 0;

	while (pos + 8 <= len && n < 256) {
		uint16_t sz;

		memcpy(&sz, c + pos + 2, 2);
		if (sz < 8 || sz % 8 || pos + sz > len)
			break;
		starts[n] = pos;
		sizes[n++] = sz;
		pos += sz;
	}
	if (!n) {
		*clen = len;
		return 0;
	}
	which %= n;
	*clen = sizes[which];
	return starts[which];
}

static void new_reg(struct rec *x)
{
	static const uint16_t regs[] = {
		SNPU_REG_CONTROL, SNPU_REG_IRQ_MASK, SNPU_REG_IRQ_STATUS, SNPU_REG_FW_DOORBELL,
		SNPU_REG_MMU_INVALIDATE, SNPU_REG_MMU_CTX_COUNT, SNPU_REG_MMU_FAULT_ACK,
		SNPU_REG_COUNTER_RESET, SNPU_REG_FI_DROP_IRQ, SNPU_REG_FI_DMA_FAIL,
		SNPU_REG_FI_HANG_QUEUE, SNPU_REG_FI_RESET_FAIL, SNPU_REG_TIMESTAMP_LO,
	};
	uint32_t v = rnd(3) ? rnd(4) : rnd(0xffffffffu);

	x->cmds = NULL;
	x->clen = 0;
	switch (rnd(6)) {
	case 0: case 1: {
		uint16_t off = regs[rnd(sizeof(regs) / sizeof(regs[0]))];

		x->kind = 1;
		if (off == SNPU_REG_FI_DMA_FAIL && rnd(2))
			v |= SNPU_FI_DMA_RING;
		memcpy(x->hdr, &off, 2);
		memcpy(x->hdr + 2, &v, 4);
		break;
	}
	case 2:
		x->kind = 2;	/* queue register: enable, tail, size, priority */
		x->hdr[0] = (uint8_t)rnd(NQ);
		x->hdr[1] = (uint8_t)(rnd(2) ? SNPU_QREG_CONTROL / 4 : rnd(12));
		memcpy(x->hdr + 2, &v, 4);
		break;
	case 3:
		x->kind = 3;
		x->hdr[0] = (uint8_t)rnd(32);
		break;
	case 4:
		x->kind = 4;
		x->hdr[0] = (uint8_t)rnd(2);
		break;
	default:
		x->kind = 6;
		v = rnd(2) ? rnd(2000000) : rnd(0xffffffffu);
		memcpy(x->hdr, &v, 4);
		break;
	}
	x->hlen = fixed_len(x->kind);
}

static void new_submit(struct rec *x)
{
	x->kind = 0;
	x->hlen = 5;
	x->hdr[0] = (uint8_t)rnd(NQ);
	x->hdr[1] = (uint8_t)(1 + rnd(8) / 7);	/* mostly context 1 */
	x->hdr[2] = (uint8_t)rnd(8);
	x->cmds = malloc(CMD_SLOT);
	if (!x->cmds)
		abort();
	x->clen = gen_cmd(x->cmds);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed)
{
	struct rec r[MAX_RECS];
	uint8_t conf;
	size_t k, n, i;

	rng = seed * 0x9e3779b97f4a7c15ull + size + 1;
	if (size < 2 || !rnd(5))
		return LLVMFuzzerMutate(data, size, max);
	k = parse(data, size, &conf, r);
	switch (rnd(6)) {
	case 0:		/* configuration */
		conf ^= (uint8_t)(1u << rnd(3));
		break;
	case 1:		/* a new record */
		if (k < MAX_RECS) {
			i = rnd((uint32_t)k + 1);
			memmove(&r[i + 1], &r[i], (k - i) * sizeof(r[0]));
			if (rnd(2))
				new_submit(&r[i]);
			else
				new_reg(&r[i]);
			k++;
		}
		break;
	case 2:		/* drop a record */
		if (k) {
			i = rnd((uint32_t)k);
			free(r[i].cmds);
			memmove(&r[i], &r[i + 1], (k - i - 1) * sizeof(r[0]));
			k--;
		}
		break;
	default: {	/* a command: edge values, or append a new one */
		size_t subs[MAX_RECS], ns = 0;

		for (i = 0; i < k; i++)
			if (r[i].kind == 0)
				subs[ns++] = i;
		if (!ns)
			break;
		i = subs[rnd((uint32_t)ns)];
		if (!rnd(3) && r[i].clen + 1024 <= CMD_SLOT) {
			r[i].clen += gen_cmd(r[i].cmds + r[i].clen);
		} else if (r[i].clen) {
			size_t clen, at = nth_cmd(r[i].cmds, r[i].clen, rnd(256), &clen);

			mutate_cmd(r[i].cmds + at, clen);
			if (!rnd(4))
				mutate_cmd(r[i].cmds + at, clen);
		}
		break;
	}
	}
	n = serialize(conf, r, k, data, max);
	for (i = 0; i < k; i++)
		free(r[i].cmds);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}

/* Seeds: one run of every command kind, register traffic, resets. */
static void write_seeds(const char *dir)
{
	for (unsigned int s = 0; s < 48; s++) {
		struct rec r[8];
		uint8_t buf[4 * CMD_SLOT];
		size_t k = 0, n;
		char path[512];
		FILE *f;

		rng = 0x1234567ull * (s + 1);
		for (unsigned int j = 0; j < 3; j++) {
			new_submit(&r[k]);
			r[k].clen += gen_cmd(r[k].cmds + r[k].clen);
			k++;
		}
		if (s % 3 == 0)
			new_reg(&r[k++]);
		r[k].kind = 3;
		r[k].hlen = 1;
		r[k].hdr[0] = 16;
		r[k].cmds = NULL;
		r[k++].clen = 0;
		n = serialize((uint8_t)(s % 8), r, k, buf, sizeof(buf));
		for (size_t i = 0; i < k; i++)
			free(r[i].cmds);
		snprintf(path, sizeof(path), "%s/seed-%02u", dir, s);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, n, f) != n)
			abort();
		fclose(f);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("FUZZ_CORE_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	build_template();
	load_fw();
	if (seeds) {
		write_seeds(seeds);
		exit(0);
	}
	return 0;
}
