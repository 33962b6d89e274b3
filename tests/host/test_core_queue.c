// SPDX-License-Identifier: MIT
/*
 * SNPU device core: hardware queues and the command processor's own
 * commands. Completion records and interrupts, ring wrap-around, doorbell
 * checks, DMA copy/fill between host memory and DRAM, timestamp, counters,
 * profile records, progress, arbitration by priority, time slices, the
 * timing model for DMA and pacing.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"

#define VA_A	0x10000000ull
#define VA_B	0x20000000ull

static struct harness *h;
static struct h_cmds *c;

static void setup(void)
{
	h = h_new_ready(NULL, 16);
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	h_cmds_init(c);
}

static void teardown(void)
{
	h_free(h);
	free(c);
}

static uint64_t ns_cycles(uint64_t bytes, uint32_t bw)
{
	return (bytes * 1000 + bw - 1) / bw;	/* 1000 MHz clock */
}

START_TEST(nop_job_completes)
{
	struct snpu_completion *r;
	struct h_job j;

	h_nop(c);
	h_nop(c);
	h_nop(c);
	j = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	ck_assert(!h_done(h, &j));
	ck_assert_int_eq(h_run(h), -1);
	r = h_compl(h, &j);
	ck_assert_uint_eq(r->flags, SNPU_COMPL_DONE);
	ck_assert_uint_eq(r->status, SNPU_OK);
	ck_assert_uint_eq(r->seqno, j.seqno);
	ck_assert_uint_eq(r->cmds_done, 3);
	ck_assert_uint_eq(r->failed_cmd, 0);
	ck_assert_uint_eq(r->fault_flags, 0);
	ck_assert_uint_eq(r->pred_cycles, 3 * 64);
	ck_assert_uint_le(r->start_ns, r->end_ns);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_DONE_SEQNO_LO), (uint32_t)j.seqno);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_DONE_SEQNO_HI), 0);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_RING_HEAD), 1);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_STATUS), SNPU_QSTAT_ENABLED);
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 1);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_IRQ_STATUS), SNPU_IRQ_QUEUE(0));
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_JOBS), 1);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_JOBS_FAILED), 0);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_COMMANDS), 3);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_PRED_CYCLES), 3 * 64);
	ck_assert_uint_ge(h_counter(h, SNPU_CNT_CTX_SWITCHES), 1);
	/* without SNPU_JOB_IRQ: record and seqno, no interrupt */
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert(h_done(h, &j));
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_DONE_SEQNO_LO), (uint32_t)j.seqno);
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 1);
	/* a 64-bit seqno goes through */
	{
		struct snpu_job_desc d;

		memset(&d, 0, sizeof(d));
		d.cmd_addr = j.cmd;
		d.cmd_size = 24;
		d.ctx_id = 1;
		d.seqno = 0x123456789abcull;
		d.flags = SNPU_JOB_IRQ;
		j = h_queue_desc(h, 0, &d);
		h_doorbell(h, 0);
		h_run(h);
		ck_assert_uint_eq(h_compl(h, &j)->seqno, 0x123456789abcull);
		/* LO latches HI */
		ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_DONE_SEQNO_HI), 0);
		ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_DONE_SEQNO_LO), 0x56789abc);
		ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_DONE_SEQNO_HI), 0x1234);
		ck_assert_uint_eq(atomic_load(&h->irqs[0]), 2);
	}
}
END_TEST

START_TEST(ring_wrap_around)
{
	struct h_job jobs[64];
	struct harness *h4;
	unsigned int n = 0;

	h_free(h);
	h4 = h = h_new_ready(NULL, 4);
	h_nop(c);
	for (int round = 0; round < 13; round++) {
		unsigned int k = 1 + (unsigned int)round % 4;	/* 1..4 jobs per doorbell */

		for (unsigned int i = 0; i < k; i++)
			jobs[n++] = h_queue_job(h4, 1, 1, c, SNPU_JOB_IRQ);
		h_doorbell(h4, 1);
		h_run(h4);
		ck_assert_uint_eq(h_qrd(h4, 1, SNPU_QREG_RING_HEAD), n);
		ck_assert_uint_eq(h_qrd(h4, 1, SNPU_QREG_DONE_SEQNO_LO), (uint32_t)jobs[n - 1].seqno);
	}
	for (unsigned int i = 0; i < n; i++) {
		ck_assert(h_done(h4, &jobs[i]));
		ck_assert_uint_eq(h_compl(h4, &jobs[i])->seqno, i + 1);
		ck_assert_uint_eq(h_compl(h4, &jobs[i])->status, SNPU_OK);
	}
	ck_assert_uint_eq(atomic_load(&h4->irqs[1]), n);
	ck_assert_uint_eq(h_counter(h4, SNPU_CNT_JOBS), n);
	ck_assert_uint_eq(h_qrd(h4, 1, SNPU_QREG_STATUS), SNPU_QSTAT_ENABLED);
}
END_TEST

START_TEST(ring_free_running_wrap_32bit)
{
	/* head/tail are free-running 32-bit counts: tail - head is taken
	 * modulo 2^32 (exercised by a doorbell that moves backwards). */
	h_nop(c);
	h_submit(h, 2, 1, c, 0);
	h_run(h);
	h_qwr(h, 2, SNPU_QREG_RING_TAIL, 0);	/* 0 - 1 = 0xffffffff > 16 */
	ck_assert(h_qrd(h, 2, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_ERROR), SNPU_ERR_RING);
	h_note_malformed(1);
}
END_TEST

START_TEST(tail_beyond_ring_stops)
{
	unsigned int nq = h->cfg.num_queues;
	struct h_job j;

	h_qwr(h, 0, SNPU_QREG_RING_TAIL, 17);	/* 17 - 0 > 16 entries */
	ck_assert(h_qrd(h, 0, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_ERROR), SNPU_ERR_RING);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_RING_TAIL), 0);
	h_run(h);
	ck_assert_uint_eq(atomic_load(&h->irqs[nq]), 1);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_JOBS), 0);
	/* further doorbells are ignored until the queue is re-enabled */
	h_nop(c);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert(!h_done(h, &j));
	h_qwr(h, 0, SNPU_QREG_CONTROL, 0);
	h_qwr(h, 0, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_STATUS), SNPU_QSTAT_ENABLED);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_RING_HEAD), 0);
	h->q[0].tail = 0;
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert(h_done(h, &j));
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	/* other queues never noticed */
	j = h_submit(h, 3, 1, c, 0);
	h_run(h);
	ck_assert(h_done(h, &j));
	h_note_malformed(1);
}
END_TEST

START_TEST(dma_copy_fill_host_dram)
{
	uint64_t a = h_map_new(h, 1, VA_A, 3 * 4096);
	uint64_t b = h_map_new(h, 1, VA_B, 3 * 4096);
	uint8_t *dram = snpu_core_dram(h->core);
	uint8_t *pa = h_ptr(h, a), *pb = h_ptr(h, b);
	struct h_job j;

	h_map(h, 1, 0x40000000, 0x100000, 8 * 4096,
	      SNPU_PTE_READ | SNPU_PTE_WRITE | SNPU_PTE_DRAM);
	for (int i = 0; i < 3 * 4096; i++)
		pa[i] = (uint8_t)(i * 7 + 1);
	/* 2-D copy: 5 rows of 1000 bytes, strides 2048 -> 1500 */
	h_copy(c, VA_A + 100, VA_B + 10, 1000, 5, 2048, 1500);
	/* fill across a page boundary */
	h_fill(c, VA_B + 4096 * 2 - 8, 16, 0xa5a5a5a5);
	/* host -> DRAM -> host */
	h_copy(c, VA_A, 0x40000000 + 8, 3 * 4096, 1, 0, 0);
	h_fill(c, 0x40000000 + 8 + 3 * 4096, 8, 0x01020304);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(h_compl(h, &j)->cmds_done, 4);
	for (int r = 0; r < 5; r++)
		ck_assert_int_eq(memcmp(pb + 10 + r * 1500, pa + 100 + r * 2048, 1000), 0);
	ck_assert_uint_eq(pb[9], 0);
	ck_assert_uint_eq(pb[10 + 4 * 1500 + 1000], 0);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(pb[4096 * 2 - 8 + i], 0xa5);
	ck_assert_int_eq(memcmp(dram + 0x100000 + 8, pa, 3 * 4096), 0);
	ck_assert_uint_eq(dram[0x100000 + 8 + 3 * 4096], 4);
	ck_assert_uint_eq(dram[0x100000 + 8 + 3 * 4096 + 3], 1);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_DMA_D2D), 3 * 4096 + 8);
	ck_assert_uint_ge(h_counter(h, SNPU_CNT_DMA_H2D), 5000 + 3 * 4096);
	ck_assert_uint_ge(h_counter(h, SNPU_CNT_DMA_D2H), 5000 + 16);
}
END_TEST

START_TEST(dma_timing_model)
{
	const uint32_t n = 256 * 1024;
	struct h_job j;

	h_map_new(h, 1, VA_A, n);
	h_map_new(h, 1, VA_B, n);
	h_map(h, 1, 0x40000000, 0, n, SNPU_PTE_READ | SNPU_PTE_WRITE | SNPU_PTE_DRAM);
	h_copy(c, VA_A, VA_B, n, 1, 0, 0);		/* PCIe both ways */
	h_copy(c, VA_A, 0x40000000, n, 1, 0, 0);	/* PCIe in, DRAM out */
	h_copy(c, 0x40000000, SNPU_SRAM_VA, n, 1, 0, 0);	/* DRAM -> SRAM */
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(h_compl(h, &j)->pred_cycles,
			  3 * 64 + ns_cycles(2ull * n, 7880) + ns_cycles(n, 7880) +
			  ns_cycles(n, 25600));
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_SRAM_BYTES), n);
}
END_TEST

START_TEST(timestamp_counters_commands)
{
	uint64_t a = h_map_new(h, 1, VA_A, 4096);
	uint64_t *p = h_ptr(h, a);
	struct h_job j;

	h_nop(c);
	h_nop(c);
	h_timestamp(c, VA_A);
	h_counters_cmd(c, VA_A + 64);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_ge(p[0], h_compl(h, &j)->start_ns);
	ck_assert_uint_le(p[0], h_compl(h, &j)->end_ns);
	ck_assert_uint_eq(p[1], 2 * 64);	/* cycles before the timestamp */
	ck_assert_uint_eq(p[8 + SNPU_CNT_COMMANDS], 3);	/* NOP, NOP, TIMESTAMP */
	ck_assert_uint_eq(p[8 + SNPU_CNT_JOBS], 0);
	ck_assert_uint_ge(p[8 + SNPU_CNT_DOORBELLS], 1);
	ck_assert_uint_eq(p[8 + SNPU_CNT_DMA_D2H], 16);
}
END_TEST

START_TEST(profile_records)
{
	uint64_t a = h_map_new(h, 1, VA_A, 4096);
	struct snpu_profile_rec *rec = h_ptr(h, a);
	struct snpu_job_desc d;
	struct h_job j;

	h_nop(c);
	h_fill(c, VA_A + 2048, 64, 7);
	h_nop(c);
	memset(&d, 0, sizeof(d));
	d.cmd_addr = h_alloc(h, c->len, 8);
	memcpy(h_ptr(h, d.cmd_addr), c->buf, c->len);
	d.cmd_size = (uint32_t)c->len;
	d.ctx_id = 1;
	d.flags = SNPU_JOB_PROFILE;
	d.num_profile = 2;
	d.profile_va = VA_A;
	j = h_queue_desc(h, 0, &d);
	h_doorbell(h, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(rec[0].opcode, SNPU_OP_NOP);
	ck_assert_uint_eq(rec[0].index, 0);
	ck_assert_uint_eq(rec[0].pred_cycles, 64);
	ck_assert_uint_eq(rec[1].opcode, SNPU_OP_DMA_FILL);
	ck_assert_uint_eq(rec[1].index, 1);
	ck_assert_uint_eq(rec[1].status, SNPU_OK);
	ck_assert_uint_eq(rec[1].pred_cycles, 64 + ns_cycles(64, 7880));
	ck_assert_uint_le(rec[0].end_ns, rec[1].start_ns);
	ck_assert_uint_eq(rec[2].opcode, 0);	/* no room for the third */
	ck_assert_uint_eq(rec[2].end_ns, 0);
	ck_assert_uint_eq(h_compl(h, &j)->pred_cycles, 3 * 64 + ns_cycles(64, 7880));
}
END_TEST

START_TEST(progress_while_waiting)
{
	uint64_t a = h_map_new(h, 1, VA_A, 4096);
	uint64_t *sem = h_ptr(h, a);
	struct h_job j;

	h_nop(c);
	h_nop(c);
	h_wait(c, VA_A, 1, SNPU_WAIT_GE, 0);
	h_nop(c);
	j = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	ck_assert_int_gt(h_run_once(h), 0);	/* a poll deadline */
	ck_assert(!h_done(h, &j));
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_PROGRESS), 2);
	ck_assert(h_qrd(h, 0, SNPU_QREG_STATUS) & SNPU_QSTAT_BUSY);
	*sem = 1;
	h_run(h);
	ck_assert(h_done(h, &j));
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(h_compl(h, &j)->cmds_done, 4);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_PROGRESS), 0);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_STATUS), SNPU_QSTAT_ENABLED);
}
END_TEST

static int cmp_end(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;

	return a[0] < b[0] ? -1 : a[0] > b[0];
}

START_TEST(arbitration_by_priority)
{
	struct h_job j0[12], j1[12];
	uint64_t order[24][2];

	h_qwr(h, 0, SNPU_QREG_PRIORITY, 3);
	h_qwr(h, 1, SNPU_QREG_PRIORITY, 1);
	h_nop(c);
	for (int i = 0; i < 12; i++) {
		j0[i] = h_queue_job(h, 0, 1, c, 0);
		j1[i] = h_queue_job(h, 1, 2, c, 0);
	}
	h_doorbell(h, 0);
	h_doorbell(h, 1);
	h_run(h);
	for (int i = 0; i < 12; i++) {
		order[i][0] = h_compl(h, &j0[i])->end_ns;
		order[i][1] = 0;
		order[12 + i][0] = h_compl(h, &j1[i])->end_ns;
		order[12 + i][1] = 1;
	}
	qsort(order, 24, sizeof(order[0]), cmp_end);
	/* weights 3:1 -> the first 16 completions are 12 of queue 0, 4 of 1 */
	{
		int n0 = 0;

		for (int i = 0; i < 16; i++)
			n0 += order[i][1] == 0;
		ck_assert_int_eq(n0, 12);
		/* and interleaved: every window of 4 has 3 of queue 0, 1 of 1 */
		for (int w = 0; w < 16; w += 4) {
			n0 = 0;
			for (int i = w; i < w + 4; i++)
				n0 += order[i][1] == 0;
			ck_assert_int_eq(n0, 3);
		}
	}
	/* contexts alternate: every switch counted */
	ck_assert_uint_ge(h_counter(h, SNPU_CNT_CTX_SWITCHES), 8);
}
END_TEST

START_TEST(time_slice_lets_short_job_through)
{
	struct h_cmds *c2 = malloc(sizeof(*c2));
	struct h_job big, small;

	ck_assert_ptr_nonnull(c2);
	h_cmds_init(c2);
	for (int i = 0; i < 500; i++)
		h_nop(c);
	h_nop(c2);
	big = h_submit(h, 0, 1, c, 0);
	small = h_submit(h, 1, 2, c2, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &big)->status, SNPU_OK);
	ck_assert_uint_eq(h_compl(h, &big)->cmds_done, 500);
	ck_assert_uint_eq(h_compl(h, &small)->status, SNPU_OK);
	ck_assert_uint_lt(h_compl(h, &small)->end_ns, h_compl(h, &big)->end_ns);
	free(c2);
}
END_TEST

START_TEST(max_job_commands)
{
	struct h_job j;

	for (int i = 0; i < 65537; i++)
		h_nop(c);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_CMD_SIZE);
	ck_assert_uint_eq(h_compl(h, &j)->failed_cmd, 65536);
	ck_assert_uint_eq(h_compl(h, &j)->cmds_done, 65536);
	h_note_malformed(1);
}
END_TEST

START_TEST(pace_holds_completion)
{
	struct snpu_config cfg;
	const uint32_t n = 1 << 20;
	struct h_job j;
	int64_t d;
	uint64_t pred_ns;

	h_free(h);
	h_small_config(&cfg);
	cfg.pace = true;
	h = h_new_ready(&cfg, 16);
	ck_assert(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_PACED);
	h_map_new(h, 1, VA_A, n);
	h_map_new(h, 1, VA_B, n);
	h_copy(c, VA_A, VA_B, n, 1, 0, 0);
	j = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	d = h_run_once(h);
	pred_ns = 64 + ns_cycles(2ull * n, 7880);	/* 1 GHz: cycles = ns */
	ck_assert_int_gt(d, 0);
	ck_assert_int_le(d, (int64_t)pred_ns);
	ck_assert(!h_done(h, &j));
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 0);
	h_run(h);
	ck_assert(h_done(h, &j));
	ck_assert_uint_ge(h_compl(h, &j)->end_ns - h_compl(h, &j)->start_ns, pred_ns);
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_queue");
	TCase *tc = tcase_create("queue");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, nop_job_completes);
	tcase_add_test(tc, ring_wrap_around);
	tcase_add_test(tc, ring_free_running_wrap_32bit);
	tcase_add_test(tc, tail_beyond_ring_stops);
	tcase_add_test(tc, dma_copy_fill_host_dram);
	tcase_add_test(tc, dma_timing_model);
	tcase_add_test(tc, timestamp_counters_commands);
	tcase_add_test(tc, profile_records);
	tcase_add_test(tc, progress_while_waiting);
	tcase_add_test(tc, arbitration_by_priority);
	tcase_add_test(tc, time_slice_lets_short_job_through);
	tcase_add_test(tc, max_job_commands);
	tcase_add_test(tc, pace_holds_completion);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("queue");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
