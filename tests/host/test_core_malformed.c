// SPDX-License-Identifier: MIT
/*
 * SNPU device core: malformed input of every kind. Job descriptors (reserved
 * fields, flags, sizes, alignment, unreadable memory), command headers
 * (size, opcode, flags, extension bytes), every field check of the command
 * processor's own commands, tensor commands with garbage, and random
 * command streams. Each gets its error code and failed_cmd; nothing crashes
 * (ASan/UBSan) and the device carries on.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"

#define VA_A	0x10000000ull

static struct harness *h;
static struct h_cmds *c;

static void setup(void)
{
	h = h_new_ready(NULL, 16);
	h->quiet = true;
	h_map_new(h, 1, VA_A, 64 * 1024);
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	h_cmds_init(c);
}

static void teardown(void)
{
	h_free(h);
	free(c);
}

/* Run the stream in c on queue 0 and check its status and failed_cmd. */
static void expect(uint32_t status, uint32_t failed_cmd)
{
	struct h_job j = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	struct snpu_completion *r;

	h_run(h);
	r = h_compl(h, &j);
	ck_assert_msg(r->flags == SNPU_COMPL_DONE, "job not completed");
	ck_assert_msg(r->status == status, "status %u, expected %u", r->status, status);
	ck_assert_msg(r->failed_cmd == failed_cmd, "failed_cmd %u, expected %u",
		      r->failed_cmd, failed_cmd);
	h_note_malformed(1);
	h_cmds_init(c);
}

/* A NOP then one command of opcode op whose body is set by the caller. */
static void *one(uint16_t op, size_t size)
{
	h_nop(c);
	return h_cmd(c, op, size);
}

START_TEST(descriptor_errors)
{
	struct snpu_job_desc d, base;
	struct h_job j;
	uint32_t fails0 = (uint32_t)h_counter(h, SNPU_CNT_JOBS_FAILED);
	int n = 0;

	h_nop(c);
	memset(&base, 0, sizeof(base));
	base.cmd_addr = h_alloc(h, 64, 64);
	memcpy(h_ptr(h, base.cmd_addr), c->buf, c->len);
	base.cmd_size = 8;
	base.ctx_id = 1;

#define RUN(stmt, st) do {						\
		d = base;						\
		stmt;							\
		j = h_queue_desc(h, 0, &d);				\
		h_doorbell(h, 0);					\
		h_run(h);						\
		ck_assert_msg(h_compl(h, &j)->status == (st),		\
			      "%s: status %u", #stmt, h_compl(h, &j)->status); \
		ck_assert_uint_eq(h_compl(h, &j)->failed_cmd, SNPU_COMPL_NO_CMD); \
		ck_assert_uint_eq(h_compl(h, &j)->cmds_done, 0);	\
		h_note_malformed(1);					\
		n++;							\
	} while (0)

	RUN(d.reserved[0] = 1, SNPU_ERR_RESERVED);
	RUN(d.reserved[1] = 1ull << 63, SNPU_ERR_RESERVED);
	RUN(d.flags = 1u << 2, SNPU_ERR_RESERVED);
	RUN(d.flags = 0x80000000u, SNPU_ERR_RESERVED);
	RUN(d.num_profile = 4, SNPU_ERR_RESERVED);	/* without PROFILE */
	RUN(d.profile_va = VA_A, SNPU_ERR_RESERVED);
	RUN((d.flags = SNPU_JOB_PROFILE, d.num_profile = 1, d.profile_va = VA_A + 4),
	    SNPU_ERR_RING);
	RUN(d.cmd_size = 0, SNPU_ERR_CMD_SIZE);
	RUN(d.cmd_size = 12, SNPU_ERR_CMD_SIZE);
	RUN(d.cmd_size = SNPU_MAX_CMDBUF + 8, SNPU_ERR_CMD_SIZE);
	RUN(d.cmd_size = 0xfffffff8u, SNPU_ERR_CMD_SIZE);
	RUN(d.cmd_addr += 4, SNPU_ERR_RING);
	RUN(d.cmd_addr = 0xfffffffffffffff8ull, SNPU_ERR_RING);	/* wraps */
	RUN(d.cmd_addr = 0x7000000000ull, SNPU_ERR_DMA);		/* unreadable */
	RUN(d.ctx_id = 0xffffffffu, SNPU_ERR_CONTEXT);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_JOBS_FAILED), fails0 + (uint32_t)n);
	/* the queue is still fine */
	h_cmds_init(c);
	h_nop(c);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
#undef RUN
}
END_TEST

START_TEST(descriptor_stops_queue)
{
	unsigned int nq = h->cfg.num_queues;
	struct snpu_job_desc d;
	struct h_job j;

	/* a completion address that is not 64-aligned cannot be reported:
	 * the queue stops with the head on the bad descriptor */
	h_nop(c);
	memset(&d, 0, sizeof(d));
	d.cmd_addr = h_alloc(h, 8, 8);
	memcpy(h_ptr(h, d.cmd_addr), c->buf, 8);
	d.cmd_size = 8;
	d.ctx_id = 1;
	d.completion_addr = h_alloc(h, 128, 64) + 32;
	h_queue_desc(h, 1, &d);
	h_doorbell(h, 1);
	h_run(h);
	ck_assert(h_qrd(h, 1, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED);
	ck_assert_uint_eq(h_qrd(h, 1, SNPU_QREG_ERROR), SNPU_ERR_RING);
	ck_assert_uint_eq(h_qrd(h, 1, SNPU_QREG_RING_HEAD), 1);	/* consumed */
	ck_assert_uint_eq(atomic_load(&h->irqs[nq]), 1);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_ERROR_INFO), 1);
	/* completion record unwritable: stopped with DMA */
	d.completion_addr = 0x7000000000ull;
	d.seqno = 0;
	h_queue_desc(h, 2, &d);
	h_doorbell(h, 2);
	h_run(h);
	ck_assert(h_qrd(h, 2, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_ERROR), SNPU_ERR_DMA);
	/* ring memory unreadable */
	h_qwr(h, 3, SNPU_QREG_CONTROL, 0);
	h_qwr(h, 3, SNPU_QREG_RING_BASE_HI, 0x70);
	h_qwr(h, 3, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
	h_qwr(h, 3, SNPU_QREG_RING_TAIL, 1);
	h_run(h);
	ck_assert(h_qrd(h, 3, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED);
	ck_assert_uint_eq(h_qrd(h, 3, SNPU_QREG_ERROR), SNPU_ERR_DMA);
	/* queue 0 unaffected */
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	h_note_malformed(3);
}
END_TEST

START_TEST(header_errors)
{
	struct snpu_cmd_header *hd;

	/* size 0 (would loop forever if accepted) */
	hd = one(SNPU_OP_NOP, 8);
	hd->size = 0;
	expect(SNPU_ERR_CMD_SIZE, 1);
	/* size not a multiple of 8 */
	hd = one(SNPU_OP_NOP, 16);
	hd->size = 12;
	expect(SNPU_ERR_CMD_SIZE, 1);
	/* size past the end of the stream */
	hd = one(SNPU_OP_NOP, 16);
	hd->size = 24;
	expect(SNPU_ERR_CMD_SIZE, 1);
	hd = one(SNPU_OP_NOP, 16);
	hd->size = 0xfff8;
	expect(SNPU_ERR_CMD_SIZE, 1);
	/* unknown opcodes */
	static const uint16_t bad_ops[] = { 0x03, 0x0f, 0x19, 0x1f, 0x24, 0x100, 0xffff };
	for (unsigned int i = 0; i < sizeof(bad_ops) / sizeof(bad_ops[0]); i++) {
		one(bad_ops[i], 64);
		expect(SNPU_ERR_OPCODE, 1);
	}
	/* header flags */
	hd = one(SNPU_OP_NOP, 8);
	hd->flags = 1;
	expect(SNPU_ERR_RESERVED, 1);
	/* smaller than the opcode's structure */
	static const struct { uint16_t op; uint16_t size; } small[] = {
		{ SNPU_OP_DMA_COPY, sizeof(struct snpu_cmd_dma_copy) - 8 },
		{ SNPU_OP_DMA_FILL, 16 },
		{ SNPU_OP_FENCE, 16 },
		{ SNPU_OP_WAIT, 24 },
		{ SNPU_OP_TIMESTAMP, 8 },
		{ SNPU_OP_COUNTERS, 8 },
		{ SNPU_OP_CONV2D, sizeof(struct snpu_cmd_conv2d) - 8 },
		{ SNPU_OP_GEMM, 64 },
		{ SNPU_OP_POOL, 8 },
		{ SNPU_OP_ELTWISE, 128 },
		{ SNPU_OP_ACTIVATION, 64 },
		{ SNPU_OP_SOFTMAX, 120 },
		{ SNPU_OP_MOVE, 112 },
		{ SNPU_OP_PAD, 112 },
		{ SNPU_OP_CONVERT, 8 },
	};
	for (unsigned int i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		one(small[i].op, small[i].size);
		expect(SNPU_ERR_CMD_SIZE, 1);
	}
	/* extension bytes past the structure must be zero */
	{
		uint8_t *p = one(SNPU_OP_FENCE, sizeof(struct snpu_cmd_fence) + 16);

		((struct snpu_cmd_fence *)(void *)p)->addr = VA_A;
		p[sizeof(struct snpu_cmd_fence) + 9] = 1;
		expect(SNPU_ERR_RESERVED, 1);
		p = one(SNPU_OP_FENCE, sizeof(struct snpu_cmd_fence) + 16);
		((struct snpu_cmd_fence *)(void *)p)->addr = VA_A;
		expect(SNPU_OK, 0);	/* zero extension is fine */
		p = one(SNPU_OP_NOP, 32);	/* NOP payload is free */
		memset(p + 8, 0xab, 24);
		expect(SNPU_OK, 0);
	}
}
END_TEST

START_TEST(dma_field_errors)
{
	struct snpu_cmd_dma_copy *cp;
	struct snpu_cmd_dma_fill *f;

#define COPY(s, d, rb, r, ss, ds, st) do {				\
		cp = one(SNPU_OP_DMA_COPY, sizeof(*cp));		\
		cp->src = (s); cp->dst = (d); cp->row_bytes = (rb);	\
		cp->rows = (r); cp->src_stride = (ss); cp->dst_stride = (ds); \
		expect(st, 1);						\
	} while (0)
	COPY(VA_A, VA_A + 4096, 16, 0, 0, 0, SNPU_ERR_SHAPE);		/* rows 0 */
	COPY(VA_A, VA_A + 4096, 0, 1, 0, 0, SNPU_ERR_SHAPE);		/* row_bytes 0 */
	COPY(VA_A, VA_A + 4096, 64, 2, 32, 64, SNPU_ERR_SHAPE);		/* src stride */
	COPY(VA_A, VA_A + 4096, 64, 2, 64, 0, SNPU_ERR_SHAPE);		/* dst stride */
	COPY(VA_A, VA_A + 32, 64, 1, 0, 0, SNPU_ERR_SHAPE);		/* overlap */
	COPY(VA_A + 100, VA_A, 200, 1, 0, 0, SNPU_ERR_SHAPE);		/* overlap */
	COPY(VA_A, VA_A + 64, 32, 4, 128, 128, SNPU_ERR_SHAPE);	/* 2-D overlap */
	COPY(0xffffffffffffff00ull, VA_A, 512, 1, 0, 0, SNPU_ERR_OVERFLOW);
	COPY(VA_A, 0xfffffffffff00000ull, 0x10000, 0xffffffffu, 0xffffffffu, 0xffffffffu,
	     SNPU_ERR_OVERFLOW);
	COPY(VA_A, VA_A + 0xc000, 0x6000, 1, 0, 0, SNPU_ERR_MMU_FAULT);	/* past mapping */
	COPY(VA_A, 0x80000000ull, 64, 1000, 0x100000, 0x100000,
	     SNPU_ERR_MMU_FAULT);	/* huge: faults on the first row, quickly */
#undef COPY
	cp = one(SNPU_OP_DMA_COPY, sizeof(*cp));
	cp->src = VA_A;
	cp->dst = VA_A + 4096;
	cp->row_bytes = 64;
	cp->rows = 1;
	expect(SNPU_OK, 0);
#define FILL(d, sz, st) do {						\
		f = one(SNPU_OP_DMA_FILL, sizeof(*f));			\
		f->dst = (d); f->size = (sz); f->value = 1;		\
		expect(st, 1);						\
	} while (0)
	FILL(VA_A, 0, SNPU_ERR_SHAPE);
	FILL(VA_A, 6, SNPU_ERR_SHAPE);
	FILL(VA_A + 2, 8, SNPU_ERR_SHAPE);
	FILL(0xfffffffffffffff8ull, 16, SNPU_ERR_OVERFLOW);
	FILL(VA_A, 0xfffffffcu, SNPU_ERR_MMU_FAULT);
#undef FILL
}
END_TEST

START_TEST(sync_field_errors)
{
	struct snpu_cmd_fence *fe;
	struct snpu_cmd_wait *w;
	struct snpu_cmd_timestamp *ts;
	struct snpu_cmd_counters *cn;

	fe = one(SNPU_OP_FENCE, sizeof(*fe));
	fe->addr = VA_A + 4;
	expect(SNPU_ERR_SHAPE, 1);
	fe = one(SNPU_OP_FENCE, sizeof(*fe));
	fe->addr = 0x40000000;	/* unmapped */
	expect(SNPU_ERR_MMU_FAULT, 1);
	w = one(SNPU_OP_WAIT, sizeof(*w));
	w->addr = VA_A + 1;
	expect(SNPU_ERR_SHAPE, 1);
	w = one(SNPU_OP_WAIT, sizeof(*w));
	w->addr = VA_A;
	w->op = 2;
	expect(SNPU_ERR_RESERVED, 1);
	w = one(SNPU_OP_WAIT, sizeof(*w));
	w->addr = 0x40000000;
	expect(SNPU_ERR_MMU_FAULT, 1);
	ts = one(SNPU_OP_TIMESTAMP, sizeof(*ts));
	ts->addr = VA_A + 12;
	expect(SNPU_ERR_SHAPE, 1);
	ts = one(SNPU_OP_TIMESTAMP, sizeof(*ts));
	ts->addr = VA_A + 64 * 1024 - 8;	/* 16 bytes cross the end */
	expect(SNPU_ERR_MMU_FAULT, 1);
	cn = one(SNPU_OP_COUNTERS, sizeof(*cn));
	cn->addr = VA_A + 2;
	expect(SNPU_ERR_SHAPE, 1);
	cn = one(SNPU_OP_COUNTERS, sizeof(*cn));
	cn->addr = SNPU_SRAM_VA + h->cfg.sram_size - 64;
	expect(SNPU_ERR_SRAM_RANGE, 1);
}
END_TEST

START_TEST(tensor_garbage)
{
	/* All-zero and all-0xff tensor commands of every opcode: refused
	 * with an error code (never OK on garbage), the device carries on. */
	static const struct { uint16_t op; uint16_t size; } ops[] = {
		{ SNPU_OP_CONV2D, sizeof(struct snpu_cmd_conv2d) },
		{ SNPU_OP_GEMM, sizeof(struct snpu_cmd_gemm) },
		{ SNPU_OP_POOL, sizeof(struct snpu_cmd_pool) },
		{ SNPU_OP_ELTWISE, sizeof(struct snpu_cmd_eltwise) },
		{ SNPU_OP_ACTIVATION, sizeof(struct snpu_cmd_activation) },
		{ SNPU_OP_SOFTMAX, sizeof(struct snpu_cmd_softmax) },
		{ SNPU_OP_MOVE, sizeof(struct snpu_cmd_move) },
		{ SNPU_OP_PAD, sizeof(struct snpu_cmd_pad) },
		{ SNPU_OP_CONVERT, sizeof(struct snpu_cmd_convert) },
	};
	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (int fill = 0; fill < 2; fill++) {
			uint8_t *p = one(ops[i].op, ops[i].size);
			struct h_job j;

			if (fill)
				memset(p + 8, 0xff, ops[i].size - 8u);
			j = h_submit(h, 0, 1, c, 0);
			h_run(h);
			ck_assert(h_done(h, &j));
			ck_assert_msg(h_compl(h, &j)->status != SNPU_OK,
				      "opcode 0x%x accepted garbage", ops[i].op);
			ck_assert_uint_eq(h_compl(h, &j)->failed_cmd, 1);
			h_note_malformed(1);
			h_cmds_init(c);
		}
	}
}
END_TEST

START_TEST(random_streams)
{
	/* Random command streams: mostly valid headers with random bodies
	 * and sizes. Every job must complete with some status. */
	static const uint16_t opcodes[] = { 0x00, 0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x14,
					    0x15, 0x16, 0x17, 0x18, 0x20, 0x21, 0x22, 0x23, 0x55 };
	struct h_job jobs[8];

	srand(1234);
	for (int iter = 0; iter < 300; iter++) {
		unsigned int q = (unsigned int)iter % 4;
		unsigned int ncmd = 1 + (unsigned int)rand() % 6;

		for (unsigned int k = 0; k < ncmd; k++) {
			uint16_t op = opcodes[(unsigned int)rand() % (sizeof(opcodes) / 2)];
			size_t size = 8 + 8 * ((unsigned int)rand() % 60);
			uint8_t *p = h_cmd(c, op, size);

			for (size_t b = 8; b < size; b++)
				p[b] = (uint8_t)(rand() % 4 ? 0 : rand());
			/* aim some addresses at the mapped buffer */
			if (size >= 24 && rand() % 2)
				*(uint64_t *)(void *)(p + 8) = VA_A + 8 * ((unsigned int)rand() % 1024);
			if (size >= 32 && rand() % 2)
				*(uint64_t *)(void *)(p + 16) = VA_A + 32768 +
								8 * ((unsigned int)rand() % 1024);
			if (rand() % 16 == 0)
				p[2] ^= 8;	/* break the size */
		}
		jobs[q] = h_submit(h, q, 1 + (unsigned int)rand() % 2, c, SNPU_JOB_IRQ);
		h_cmds_init(c);
		if (q == 3) {
			h_run(h);
			for (unsigned int k = 0; k < 4; k++) {
				ck_assert(h_done(h, &jobs[k]));
				ck_assert_uint_lt(h_compl(h, &jobs[k])->status, SNPU_ERR_COUNT);
			}
		}
		h_note_malformed(1);
	}
	for (unsigned int q = 0; q < 4; q++)
		ck_assert_uint_eq(h_qrd(h, q, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_malformed");
	TCase *tc = tcase_create("malformed");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, descriptor_errors);
	tcase_add_test(tc, descriptor_stops_queue);
	tcase_add_test(tc, header_errors);
	tcase_add_test(tc, dma_field_errors);
	tcase_add_test(tc, sync_field_errors);
	tcase_add_test(tc, tensor_garbage);
	tcase_add_test(tc, random_streams);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("malformed");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
