// SPDX-License-Identifier: MIT
/*
 * SNPU device core: soft reset (CONTROL) and FLR (snpu_core_reset) with
 * jobs in flight. The job in flight completes with SNPU_ERR_ABORTED, state
 * returns to power-on, the firmware must boot again, and a reset in the
 * middle of a long DMA (worker thread) is not held up by it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_harness.h"

#define VA_S	0x10000000ull
#define VA_D	0x40000000ull

static struct harness *h;
static struct h_cmds *c;

static void setup(void)
{
	h = h_new_ready(NULL, 16);
	h_map_new(h, 1, VA_S, 4096);
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	h_cmds_init(c);
}

static void teardown(void)
{
	h_free(h);
	free(c);
}

static void check_power_on_state(void)
{
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_CTX_COUNT), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_IRQ_MASK), 0);
	for (unsigned int q = 0; q < h->cfg.num_queues; q++) {
		ck_assert_uint_eq(h_qrd(h, q, SNPU_QREG_STATUS), 0);
		ck_assert_uint_eq(h_qrd(h, q, SNPU_QREG_RING_HEAD), 0);
		ck_assert_uint_eq(h_qrd(h, q, SNPU_QREG_DONE_SEQNO_LO), 0);
		ck_assert_uint_eq(h_qrd(h, q, SNPU_QREG_PRIORITY), 0);
	}
}

/* After a reset: boot again, set up MMU and queue 0, run a job. */
static void check_usable_again(void)
{
	struct h_job j;

	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
	h_wr(h, SNPU_REG_MMU_CTX_TABLE_LO, (uint32_t)h->ctx_table);
	h_wr(h, SNPU_REG_MMU_CTX_TABLE_HI, (uint32_t)(h->ctx_table >> 32));
	h_wr(h, SNPU_REG_MMU_CTX_COUNT, H_MAX_CTX);
	h_queue_init(h, 0, 16);
	h_cmds_init(c);
	h_fence(c, VA_S + 8, 42);
	j = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(((uint64_t *)h_ptr(h, h_pte(h, 1, VA_S)[0] & SNPU_PTE_ADDR_MASK))[1], 42);
}

static void reset_mid_job(bool flr)
{
	struct h_job waiting, queued, other;
	unsigned int irq0;

	h_nop(c);
	h_nop(c);
	h_wait(c, VA_S, 1, SNPU_WAIT_GE, 0);
	h_nop(c);
	waiting = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	queued = h_queue_job(h, 0, 1, c, SNPU_JOB_IRQ);	/* not rung yet */
	h_cmds_init(c);
	h_nop(c);
	other = h_submit(h, 1, 1, c, SNPU_JOB_IRQ);
	h_run_once(h);
	ck_assert(!h_done(h, &waiting));
	ck_assert(h_done(h, &other));
	irq0 = atomic_load(&h->irqs[0]);
	h_doorbell(h, 0);	/* a second job pending behind the waiting one */
	if (flr)
		snpu_core_reset(h->core);
	else
		h_wr(h, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	ck_assert(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_RESETTING);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	ck_assert_int_eq(h_run(h), -1);
	ck_assert_uint_eq(h_compl(h, &waiting)->flags, SNPU_COMPL_DONE);
	ck_assert_uint_eq(h_compl(h, &waiting)->status, SNPU_ERR_ABORTED);
	ck_assert_uint_eq(h_compl(h, &waiting)->failed_cmd, 2);
	ck_assert_uint_eq(h_compl(h, &waiting)->cmds_done, 2);
	ck_assert(!h_done(h, &queued));	/* never fetched: dropped */
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), irq0);	/* no interrupt */
	check_power_on_state();
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_RESETS), 1);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_JOBS_FAILED), 1);
	/* doorbells after the reset are refused until firmware boots */
	h_queue_init(h, 0, 16);
	h_qwr(h, 0, SNPU_QREG_RING_TAIL, 1);
	ck_assert(h_qrd(h, 0, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_ERROR), SNPU_ERR_NO_FIRMWARE);
	check_usable_again();
}

START_TEST(soft_reset_mid_job)
{
	reset_mid_job(false);
}
END_TEST

START_TEST(flr_mid_job)
{
	reset_mid_job(true);
}
END_TEST

START_TEST(reset_during_boot)
{
	size_t len;
	void *img = h_fw_image(&len);
	uint64_t a;

	h_wr(h, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	h_run(h);
	a = h_alloc(h, len, 4096);
	memcpy(h_ptr(h, a), img, len);
	h_wr(h, SNPU_REG_FW_ADDR_LO, (uint32_t)a);
	h_wr(h, SNPU_REG_FW_ADDR_HI, (uint32_t)(a >> 32));
	h_wr(h, SNPU_REG_FW_SIZE, (uint32_t)len);
	h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	snpu_core_reset(h->core);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	/* a doorbell while the reset is pending is refused */
	h_wr(h, SNPU_REG_FW_ADDR_LO, (uint32_t)a);
	h_wr(h, SNPU_REG_FW_ADDR_HI, (uint32_t)(a >> 32));
	h_wr(h, SNPU_REG_FW_SIZE, (uint32_t)len);
	h_wr(h, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), SNPU_FW_ERR_STATE);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_SIZE), 0);	/* cleared by the reset */
	h_wr(h, SNPU_REG_FW_ADDR_LO, (uint32_t)a);
	h_wr(h, SNPU_REG_FW_ADDR_HI, (uint32_t)(a >> 32));
	h_wr(h, SNPU_REG_FW_SIZE, (uint32_t)len);
	h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_RUNNING);
	free(img);
}
END_TEST

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

START_TEST(reset_during_long_dma)
{
	const uint32_t n = 32u << 20;
	struct h_job j;
	uint64_t t0;

	h_map(h, 1, VA_D, 0, n, SNPU_PTE_READ | SNPU_PTE_WRITE | SNPU_PTE_DRAM);
	for (int i = 0; i < 200; i++)
		h_fill(c, VA_D, n, (uint32_t)i);	/* ~6 GB of fill: seconds */
	h_worker_start(h);
	j = h_submit(h, 2, 1, c, SNPU_JOB_IRQ);
	while (!(h_qrd(h, 2, SNPU_QREG_STATUS) & SNPU_QSTAT_BUSY) ||
	       h_qrd(h, 2, SNPU_QREG_PROGRESS) < 2)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	t0 = mono_ms();
	h_wr(h, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	ck_assert(h_wait_done(h, &j, 5000));
	ck_assert_uint_lt(mono_ms() - t0, 1000);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_ABORTED);
	ck_assert_uint_ge(h_compl(h, &j)->cmds_done, 2);
	ck_assert_uint_lt(h_compl(h, &j)->cmds_done, 200);
	while (h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_RESETTING)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	h_worker_stop(h);
	h->real_clock = false;
	check_power_on_state();
	check_usable_again();
}
END_TEST

START_TEST(reset_with_paced_job)
{
	struct snpu_config cfg;
	struct h_job j;

	h_free(h);
	h_small_config(&cfg);
	cfg.pace = true;
	h = h_new_ready(&cfg, 16);
	h_map_new(h, 1, VA_S, 1 << 20);
	h_map_new(h, 1, VA_S + (1 << 20), 1 << 20);
	h_copy(c, VA_S, VA_S + (1 << 20), 1 << 20, 1, 0, 0);
	j = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	ck_assert_int_gt(h_run_once(h), 0);
	ck_assert(!h_done(h, &j));
	snpu_core_reset(h->core);
	h_run(h);
	/* its commands all ran: the held completion is released as is */
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 0);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_DONE_SEQNO_LO), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_reset");
	TCase *tc = tcase_create("reset");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, soft_reset_mid_job);
	tcase_add_test(tc, flr_mid_job);
	tcase_add_test(tc, reset_during_boot);
	tcase_add_test(tc, reset_during_long_dma);
	tcase_add_test(tc, reset_with_paced_job);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("reset");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
