// SPDX-License-Identifier: MIT
/*
 * SNPU device core: fault injection (docs/hardware.md 3.7), the device
 * side of the driver's recovery tests. Each kind of fault (dropped MSI-X
 * message, bus error failing a job or a descriptor fetch, a hung queue, a
 * soft reset that never completes) is armed through the FI_* registers,
 * happens exactly as often as armed, is counted in FI_INJECTED, leaves
 * other queues' jobs untouched, and the recovery the driver would use
 * (re-enable, soft reset, FLR) brings the device back. Without
 * fault_injection the registers read 0 and change nothing.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"

#define VA_A	0x10000000ull

static struct harness *h;
static struct h_cmds *c;

static void setup_cfg(bool fi)
{
	struct snpu_config cfg;

	h_small_config(&cfg);
	cfg.fault_injection = fi;
	h = h_new_ready(&cfg, 16);
	h->quiet = true;
	h_map_new(h, 1, VA_A, 64 * 1024);
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	h_cmds_init(c);
}

static void setup(void)
{
	setup_cfg(true);
}

static void setup_off(void)
{
	setup_cfg(false);
}

static void teardown(void)
{
	h_free(h);
	free(c);
}

/* A job that writes value at VA_A + 8 * slot, on queue q. */
static struct h_job job(unsigned int q, unsigned int slot, uint64_t value)
{
	struct h_job j;

	h_cmds_init(c);
	h_fence(c, VA_A + 8 * slot, value);
	j = h_submit(h, q, 1, c, SNPU_JOB_IRQ);
	h_cmds_init(c);
	return j;
}

static uint64_t fenced(unsigned int slot)
{
	uint64_t v;

	memcpy(&v, (uint8_t *)h_ptr(h, *h_pte(h, 1, VA_A) & SNPU_PTE_ADDR_MASK) + 8 * slot, 8);
	return v;
}

START_TEST(disabled_by_default)
{
	struct h_job j;

	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_ENABLE), 0);
	h_wr(h, SNPU_REG_FI_DROP_IRQ, 5);
	h_wr(h, SNPU_REG_FI_DMA_FAIL, 5);
	h_wr(h, SNPU_REG_FI_HANG_QUEUE, 1);
	h_wr(h, SNPU_REG_FI_RESET_FAIL, 5);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_DROP_IRQ), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_DMA_FAIL), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_HANG_QUEUE), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_RESET_FAIL), 0);
	j = job(0, 0, 7);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 1);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_INJECTED), 0);
}
END_TEST

START_TEST(drop_irq)
{
	struct h_job j;

	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_ENABLE), 1);
	h_wr(h, SNPU_REG_FI_DROP_IRQ, 1);
	j = job(0, 0, 11);
	h_run(h);
	/* the job completed, its status bit is set, the message was lost */
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(fenced(0), 11);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_DONE_SEQNO_LO), (uint32_t)j.seqno);
	ck_assert(h_rd(h, SNPU_REG_IRQ_STATUS) & SNPU_IRQ_QUEUE(0));
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_DROP_IRQ), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_INJECTED), 1);
	/* armed once: the next completion interrupts */
	h_wr(h, SNPU_REG_IRQ_STATUS, 0xffffffffu);
	j = job(0, 1, 12);
	h_run(h);
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 1);
}
END_TEST

START_TEST(dma_fail_jobs)
{
	struct h_job a, b, d;

	h_wr(h, SNPU_REG_FI_DMA_FAIL, 2);
	a = job(0, 0, 1);
	b = job(1, 1, 2);
	h_run(h);
	d = job(2, 2, 3);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &a)->status, SNPU_ERR_DMA);
	ck_assert_uint_eq(h_compl(h, &a)->failed_cmd, 0);
	ck_assert_uint_eq(h_compl(h, &b)->status, SNPU_ERR_DMA);
	ck_assert_uint_eq(h_compl(h, &d)->status, SNPU_OK);	/* only 2 armed */
	ck_assert_uint_eq(fenced(0), 0);
	ck_assert_uint_eq(fenced(1), 0);
	ck_assert_uint_eq(fenced(2), 3);
	for (unsigned int q = 0; q < 3; q++)
		ck_assert_uint_eq(h_qrd(h, q, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED, 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_DMA_FAIL), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_INJECTED), 2);
}
END_TEST

START_TEST(dma_fail_ring)
{
	unsigned int nq = h->cfg.num_queues;
	struct h_job j;

	h_wr(h, SNPU_REG_FI_DMA_FAIL, SNPU_FI_DMA_RING | 1);
	j = job(1, 0, 5);
	h_run(h);
	ck_assert(!h_done(h, &j));
	ck_assert(h_qrd(h, 1, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED);
	ck_assert_uint_eq(h_qrd(h, 1, SNPU_QREG_ERROR), SNPU_ERR_DMA);
	ck_assert_uint_eq(h_qrd(h, 1, SNPU_QREG_RING_HEAD), 0);	/* not consumed */
	ck_assert_uint_eq(atomic_load(&h->irqs[nq]), 1);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_DMA_FAIL), 0);
	/* recovery: re-enable the queue and ring again */
	h_queue_init(h, 1, 16);
	j = job(1, 0, 6);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(fenced(0), 6);
}
END_TEST

START_TEST(hang_queue)
{
	struct h_job hung, other, after;

	h_wr(h, SNPU_REG_FI_HANG_QUEUE, 1u << 2);
	hung = job(2, 0, 9);
	other = job(3, 1, 10);
	h_run(h);
	ck_assert(!h_done(h, &hung));
	ck_assert(h_qrd(h, 2, SNPU_QREG_STATUS) & SNPU_QSTAT_BUSY);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_PROGRESS), 0);
	ck_assert_uint_eq(h_compl(h, &other)->status, SNPU_OK);	/* not lost */
	ck_assert_uint_eq(fenced(1), 10);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_HANG_QUEUE), 0);
	/* time passes: still hung, nothing to do for the worker */
	h_advance(h, 1000000000ull);
	ck_assert_int_lt(h_run(h), 0);
	ck_assert(!h_done(h, &hung));
	/* the driver's recovery: soft reset aborts it */
	h_wr(h, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	h_run(h);
	ck_assert(h_done(h, &hung));
	ck_assert_uint_eq(h_compl(h, &hung)->status, SNPU_ERR_ABORTED);
	ck_assert_uint_eq(fenced(0), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_RESETTING, 0);
	/* bring-up again, the queue works */
	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
	h_mmu_init(h);
	h_ctx_new(h, 1);
	h_map_new(h, 1, VA_A, 64 * 1024);
	h_queue_init(h, 2, 16);
	after = job(2, 0, 11);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &after)->status, SNPU_OK);
	ck_assert_uint_eq(fenced(0), 11);
}
END_TEST

START_TEST(reset_fail_then_flr)
{
	h_wr(h, SNPU_REG_FI_RESET_FAIL, 1);
	h_wr(h, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	h_run(h);
	ck_assert(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_RESETTING);
	ck_assert(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_FATAL);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_INJECTED), 1);
	/* a second soft reset is refused while RESETTING */
	h_wr(h, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	h_run(h);
	ck_assert(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_RESETTING);
	/* FLR always completes and disarms fault injection */
	h_wr(h, SNPU_REG_FI_DROP_IRQ, 3);
	snpu_core_reset(h->core);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS) &
			  (SNPU_STATUS_RESETTING | SNPU_STATUS_FATAL), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_DROP_IRQ), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_INJECTED), 0);
	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
}
END_TEST

START_TEST(soft_reset_keeps_armed_faults)
{
	struct h_job j;

	h_wr(h, SNPU_REG_FI_DROP_IRQ, 1);
	h_wr(h, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_DROP_IRQ), 1);
	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
	h_mmu_init(h);
	h_ctx_new(h, 1);
	h_map_new(h, 1, VA_A, 64 * 1024);
	h_queue_init(h, 0, 16);
	/* the boot-done interrupt took the armed drop */
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FI_DROP_IRQ), 0);
	j = job(0, 0, 1);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_fault");
	TCase *on = tcase_create("fault_injection");
	TCase *off = tcase_create("disabled");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(off, setup_off, teardown);
	tcase_add_test(off, disabled_by_default);
	suite_add_tcase(s, off);
	tcase_add_checked_fixture(on, setup, teardown);
	tcase_set_timeout(on, 60);
	tcase_add_test(on, drop_irq);
	tcase_add_test(on, dma_fail_jobs);
	tcase_add_test(on, dma_fail_ring);
	tcase_add_test(on, hang_queue);
	tcase_add_test(on, reset_fail_then_flr);
	tcase_add_test(on, soft_reset_keeps_armed_faults);
	suite_add_tcase(s, on);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("fault");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
