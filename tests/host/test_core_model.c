// SPDX-License-Identifier: MIT
/*
 * SNPU device core: the job timing model (docs/hardware.md 18.3) against
 * hand-computed schedules: DMA/tensor overlap, RAW/WAR/WAW hazards,
 * read-read independence, control barriers, the entry folding bound, and
 * the model end-to-end through the queue engine (DMA + barriers).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"
#include "snpu_model.h"

static struct snpu_cmd_regions regs1(uint64_t addr, uint64_t len, uint32_t write)
{
	struct snpu_cmd_regions r;

	memset(&r, 0, sizeof(r));
	r.count = 1;
	r.r[0].addr = addr;
	r.r[0].len = len;
	r.r[0].write = write;
	return r;
}

static struct snpu_cmd_regions regs2(uint64_t a, uint64_t alen, uint32_t aw,
				     uint64_t b, uint64_t blen, uint32_t bw)
{
	struct snpu_cmd_regions r = regs1(a, alen, aw);

	r.count = 2;
	r.r[1].addr = b;
	r.r[1].len = blen;
	r.r[1].write = bw;
	return r;
}

START_TEST(double_buffering_overlaps)
{
	/* DMA A(100) -> conv on A (300) while DMA B (100) -> conv on B (300):
	 * dma0 [0,100) te0 [100,400) dma1 [100,200) te1 [400,700) */
	struct snpu_model m;
	struct snpu_cmd_regions r;

	memset(&m, 0, sizeof(m));
	r = regs2(0x1000, 64, 0, 0xA000, 64, 1);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_DMA, &r, 100), 100);
	r = regs2(0xA000, 64, 0, 0xC000, 64, 1);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_TE, &r, 300), 400);
	r = regs2(0x2000, 64, 0, 0xB000, 64, 1);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_DMA, &r, 100), 200);
	r = regs2(0xB000, 64, 0, 0xD000, 64, 1);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_TE, &r, 300), 700);
	/* DMA out of the first result: RAW on 0xC000 (ends 400) */
	r = regs2(0xC000, 64, 0, 0x3000, 64, 1);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_DMA, &r, 50), 450);
	ck_assert_uint_eq(m.job_end, 700);
	/* control: barrier after everything */
	ck_assert_uint_eq(snpu_model_control_start(&m), 700);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_CONTROL, NULL, 64), 764);
	ck_assert_uint_eq(m.job_end, 764);
	/* after the barrier nothing is remembered */
	ck_assert_uint_eq(m.list[0].n + m.list[1].n, 0);
	r = regs1(0x1000, 8, 1);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_TE, &r, 10), 774);
	snpu_model_free(&m);
}
END_TEST

START_TEST(hazard_kinds)
{
	struct snpu_model m;
	struct snpu_cmd_regions r;

	/* read-read: no hazard */
	memset(&m, 0, sizeof(m));
	r = regs1(0x1000, 100, 0);
	snpu_model_issue(&m, SNPU_ENG_DMA, &r, 500);
	r = regs1(0x1000, 100, 0);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_TE, &r, 10), 10);
	/* WAR: the TE writes what the DMA reads */
	r = regs1(0x1050, 10, 1);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_TE, &r, 10), 510);
	snpu_model_free(&m);
	/* WAW, and adjacency is not overlap */
	memset(&m, 0, sizeof(m));
	r = regs1(0x1000, 0x100, 1);
	snpu_model_issue(&m, SNPU_ENG_DMA, &r, 500);
	r = regs1(0x1100, 0x100, 1);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_TE, &r, 10), 10);
	r = regs1(0x10ff, 2, 1);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_TE, &r, 10), 510);
	/* same engine: in order, no overlap */
	r = regs1(0x9000, 8, 0);
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_TE, &r, 5), 515);
	/* a failed command (no regions) still takes its engine's time */
	ck_assert_uint_eq(snpu_model_issue(&m, SNPU_ENG_DMA, NULL, 64), 564);
	snpu_model_free(&m);
}
END_TEST

START_TEST(folding_bound)
{
	/* Thousands of DMA commands the idle tensor engine never waits on:
	 * the list folds, then one TE command touching nothing of theirs is
	 * (pessimistically) ordered after all of them. Deterministic. */
	struct snpu_model m, m2;
	struct snpu_cmd_regions r;
	uint64_t e1, e2;

	memset(&m, 0, sizeof(m));
	memset(&m2, 0, sizeof(m2));
	for (int i = 0; i < 3000; i++) {
		r = regs1(0x100000 + 64ull * i, 64, 1);
		snpu_model_issue(&m, SNPU_ENG_DMA, &r, 3);
		snpu_model_issue(&m2, SNPU_ENG_DMA, &r, 3);
	}
	ck_assert_uint_le(m.list[0].n, 1024);
	r = regs1(0x100000 + 64ull * 2999, 8, 0);	/* RAW on the last one */
	e1 = snpu_model_issue(&m, SNPU_ENG_TE, &r, 7);
	e2 = snpu_model_issue(&m2, SNPU_ENG_TE, &r, 7);
	ck_assert_uint_eq(e1, 9000 + 7);
	ck_assert_uint_eq(e1, e2);
	snpu_model_free(&m);
	snpu_model_free(&m2);
}
END_TEST

START_TEST(job_model_through_queue)
{
	/* DMA host->SRAM, DMA SRAM->host (RAW on SRAM, same engine anyway),
	 * then a TIMESTAMP (barrier) whose value is the model time so far. */
	struct harness *h = h_new_ready(NULL, 16);
	struct h_cmds *c = malloc(sizeof(*c));
	uint64_t a;
	uint64_t *ts;
	struct h_job j;
	uint64_t c0, c1;

	ck_assert_ptr_nonnull(c);
	a = h_map_new(h, 1, 0x100000, 3 * 4096);
	ts = h_ptr(h, a + 2 * 4096);
	h_cmds_init(c);
	h_copy(c, 0x100000, SNPU_SRAM_VA, 2048, 1, 0, 0);
	h_copy(c, SNPU_SRAM_VA, 0x101000, 2048, 1, 0, 0);
	h_timestamp(c, 0x102000);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	c0 = 64 + 260;		/* max(xfer(2048, PCIe) = 260, xfer(2048, SRAM) = 10) */
	c1 = 64 + 260;
	ck_assert_uint_eq(ts[1], c0 + c1);
	/* the TIMESTAMP writes 16 bytes to host memory: xfer(16, PCIe) = 3 */
	ck_assert_uint_eq(h_compl(h, &j)->pred_cycles, c0 + c1 + 64 + 3);
	free(c);
	h_free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_model");
	TCase *tc = tcase_create("model");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, double_buffering_overlaps);
	tcase_add_test(tc, hazard_kinds);
	tcase_add_test(tc, folding_bound);
	tcase_add_test(tc, job_model_through_queue);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("model");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
