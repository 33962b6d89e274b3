// SPDX-License-Identifier: MIT
/*
 * SNPU device core: FENCE and WAIT across queues (a waiting job never
 * blocks another queue), WAIT timeouts and the firmware's cap, EQ/GE
 * semantics, and the same with a real worker thread while another thread
 * hammers the registers.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"

#define VA_S	0x10000000ull	/* semaphores, mapped in ctx 1 and 2 */

static struct harness *h;
static struct h_cmds *c;
static uint64_t *sem;

static void setup(void)
{
	uint64_t pa;

	h = h_new_ready(NULL, 16);
	pa = h_map_new(h, 1, VA_S, 4096);
	h_map(h, 2, VA_S, pa, 4096, SNPU_PTE_READ | SNPU_PTE_WRITE);
	sem = h_ptr(h, pa);
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	h_cmds_init(c);
}

static void teardown(void)
{
	h_free(h);
	free(c);
}

START_TEST(wait_fence_across_queues)
{
	struct h_job waiter, others[5], signal;
	struct snpu_completion *r;

	h_wait(c, VA_S, 1, SNPU_WAIT_GE, 0);
	h_fence(c, VA_S + 8, 0xd0e);
	waiter = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	h_cmds_init(c);
	h_nop(c);
	for (int i = 0; i < 5; i++)
		others[i] = h_submit(h, 1, 2, c, SNPU_JOB_IRQ);
	h_cmds_init(c);
	h_fence(c, VA_S, 1);
	signal = h_queue_job(h, 2, 2, c, SNPU_JOB_IRQ);
	/* everything but the signal: the waiter suspends, queue 1 runs on */
	ck_assert_int_gt(h_run_for(h, 1000000), 0);
	ck_assert(!h_done(h, &waiter));
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(h_compl(h, &others[i])->status, SNPU_OK);
	ck_assert_uint_eq(atomic_load(&h->irqs[1]), 5);
	/* now the signal from another queue and context */
	h_doorbell(h, 2);
	ck_assert_int_eq(h_run(h), -1);
	r = h_compl(h, &waiter);
	ck_assert_uint_eq(r->status, SNPU_OK);
	ck_assert_uint_eq(r->cmds_done, 2);
	ck_assert_uint_eq(sem[1], 0xd0e);
	ck_assert_uint_gt(r->end_ns, h_compl(h, &signal)->end_ns);
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 1);
}
END_TEST

START_TEST(two_waiters_one_fence)
{
	struct h_job w1, w2, s;

	h_wait(c, VA_S, 7, SNPU_WAIT_EQ, 0);
	w1 = h_submit(h, 0, 1, c, 0);
	w2 = h_submit(h, 1, 2, c, 0);
	h_run_once(h);
	h_cmds_init(c);
	h_fence(c, VA_S, 7);
	s = h_submit(h, 3, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &s)->status, SNPU_OK);
	ck_assert_uint_eq(h_compl(h, &w1)->status, SNPU_OK);
	ck_assert_uint_eq(h_compl(h, &w2)->status, SNPU_OK);
}
END_TEST

START_TEST(wait_eq_and_ge)
{
	struct h_job j;

	*sem = 6;
	h_wait(c, VA_S, 5, SNPU_WAIT_GE, 0);	/* 6 >= 5: immediate */
	h_wait(c, VA_S, 5, SNPU_WAIT_EQ, 0);	/* 6 != 5: waits */
	j = h_submit(h, 0, 1, c, 0);
	ck_assert_int_gt(h_run_once(h), 0);
	ck_assert(!h_done(h, &j));
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_PROGRESS), 1);
	*sem = 4;
	h_run_once(h);
	ck_assert(!h_done(h, &j));
	*sem = 5;
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(h_compl(h, &j)->cmds_done, 2);
}
END_TEST

START_TEST(wait_timeout)
{
	struct h_job j;
	struct snpu_completion *r;

	h_nop(c);
	h_wait(c, VA_S, 1, SNPU_WAIT_GE, 100);	/* 100 us */
	h_nop(c);
	j = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	h_run(h);
	r = h_compl(h, &j);
	ck_assert_uint_eq(r->status, SNPU_ERR_WAIT_TIMEOUT);
	ck_assert_uint_eq(r->failed_cmd, 1);
	ck_assert_uint_eq(r->cmds_done, 1);
	ck_assert_uint_ge(r->end_ns - r->start_ns, 100000);
	ck_assert_uint_lt(r->end_ns - r->start_ns, 200000);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_ERRORS), 1);
	/* timeout 0 and huge timeouts are capped by the firmware (1 s) */
	h_cmds_init(c);
	h_wait(c, VA_S, 1, SNPU_WAIT_GE, 0);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	r = h_compl(h, &j);
	ck_assert_uint_eq(r->status, SNPU_ERR_WAIT_TIMEOUT);
	ck_assert_uint_ge(r->end_ns - r->start_ns, 1000000000ull);
	ck_assert_uint_lt(r->end_ns - r->start_ns, 1100000000ull);
	h_cmds_init(c);
	h_wait(c, VA_S, 1, SNPU_WAIT_GE, 0xffffffffu);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	r = h_compl(h, &j);
	ck_assert_uint_eq(r->status, SNPU_ERR_WAIT_TIMEOUT);
	ck_assert_uint_lt(r->end_ns - r->start_ns, 1100000000ull);
}
END_TEST

START_TEST(wait_mapping_removed_while_waiting)
{
	struct h_job j;

	h_wait(c, VA_S, 1, SNPU_WAIT_GE, 0);
	j = h_submit(h, 0, 1, c, 0);
	h_run_once(h);
	*h_pte(h, 1, VA_S) = 0;
	h_wr(h, SNPU_REG_MMU_INVALIDATE, 1);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_MMU_FAULT);
	ck_assert_uint_eq(h_compl(h, &j)->fault_va, VA_S);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_CTX), 1);
}
END_TEST

static atomic_bool stop_reader;

static void *reg_reader(void *arg)
{
	struct harness *hh = arg;
	unsigned long n = 0;

	while (!atomic_load(&stop_reader)) {
		n += h_rd(hh, SNPU_REG_STATUS);
		n += h_qrd(hh, (unsigned int)n % 4, SNPU_QREG_DONE_SEQNO_LO);
		n += (unsigned long)h_counter(hh, SNPU_CNT_COMMANDS);
		h_wr(hh, SNPU_REG_SCRATCH, (uint32_t)n);
	}
	return NULL;
}

START_TEST(worker_thread_cross_queue)
{
	struct h_job waiter[3], signal[3];
	bool sig_done[3], wait_done[3];
	pthread_t rd;

	atomic_store(&stop_reader, false);
	ck_assert_int_eq(pthread_create(&rd, NULL, reg_reader, h), 0);
	h_worker_start(h);
	for (unsigned int q = 0; q < 3; q++) {
		h_cmds_init(c);
		h_wait(c, VA_S, 3, SNPU_WAIT_GE, 0);
		h_fence(c, VA_S + 8 * (q + 1), q + 100);
		waiter[q] = h_submit(h, q, 1 + q % 2, c, SNPU_JOB_IRQ);
	}
	for (int i = 0; i < 3; i++) {
		h_cmds_init(c);
		h_fence(c, VA_S, (uint64_t)i + 1);
		for (int k = 0; k < 20; k++)
			h_nop(c);
		signal[i] = h_submit(h, 3, 2, c, SNPU_JOB_IRQ);
		sig_done[i] = h_wait_done(h, &signal[i], 10000);
	}
	for (unsigned int q = 0; q < 3; q++)
		wait_done[q] = h_wait_done(h, &waiter[q], 10000);
	/* stop both threads before any assertion can end the test */
	h_worker_stop(h);
	atomic_store(&stop_reader, true);
	pthread_join(rd, NULL);
	for (unsigned int q = 0; q < 3; q++) {
		ck_assert(sig_done[q]);
		ck_assert(wait_done[q]);
		ck_assert_uint_eq(h_compl(h, &waiter[q])->status, SNPU_OK);
		ck_assert_uint_eq(sem[q + 1], q + 100);
	}
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_JOBS), 6);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_sync");
	TCase *tc = tcase_create("sync");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, wait_fence_across_queues);
	tcase_add_test(tc, two_waiters_one_fence);
	tcase_add_test(tc, wait_eq_and_ge);
	tcase_add_test(tc, wait_timeout);
	tcase_add_test(tc, wait_mapping_removed_while_waiting);
	tcase_add_test(tc, worker_thread_cross_queue);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("sync");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
