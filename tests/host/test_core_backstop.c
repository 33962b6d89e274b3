// SPDX-License-Identifier: MIT
/*
 * SNPU device core: the wall-clock backstop of one command
 * (TE_TIME_BUDGET_NS, docs/hardware.md 26). A command that the memory and
 * work budgets accept but that still runs longer than the backstop is
 * stopped with SNPU_ERR_OVERFLOW and a log line naming the budget; the job
 * ends there (cmds_done = the commands before it), no reset is needed and
 * the same queue, the other queues and the engine's pool threads run the
 * next jobs normally.
 *
 * The device's backstop is 10 s. This binary links te_engine.c and
 * snpu_cmd_dma.c, the backstop's only users, compiled with
 * -DTE_TIME_BUDGET_NS = 1 s (qemu-device/qemu-device.mk), ahead of the core
 * library, so each case runs in about a second: the same code with a
 * shorter constant, as the fuzz build does.
 *
 * The clock is read every 64 cancellation checks of a thread (te_pool.c),
 * and a check is per row or tile: a command stops after the backstop plus
 * up to 64 of its rows or tiles. Under ASan on a loaded host a GEMM tile
 * takes long enough to make that seconds, so the upper bound here is the
 * 20 s a job may take before the test gives up (twice the real backstop).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_harness.h"
#include "snpu_layout.h"
#include "te_budget.h"

#define VA_A		0x10000000ull
#define VA_SRC		0x4000000000ull		/* aliased pages, read */
#define VA_DST		0x5000000000ull		/* aliased pages, read/write */
#define ALIAS_SIZE	(64ull << 20)

_Static_assert(TE_TIME_BUDGET_NS < 10ull * 1000000000ull,
	       "build this test with a short -DTE_TIME_BUDGET_NS (qemu-device.mk)");

static struct harness *h;
static struct h_cmds *c;
static uint64_t alias_pa, a_bus;

static void setup_cfg(unsigned int threads)
{
	struct snpu_config cfg;

	h_small_config(&cfg);
	cfg.threads = threads;
	h = h_new_ready(&cfg, 16);
	h->quiet = true;
	a_bus = h_map_new(h, 1, VA_A, 64 * 1024);
	alias_pa = h_alloc(h, 4096, 4096);
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	h_cmds_init(c);
	h_worker_start(h);
}

static void setup(void)
{
	setup_cfg(1);
}

static void setup_threads(void)
{
	setup_cfg(2);
}

static void teardown(void)
{
	h_worker_stop(h);
	h_free(h);
	free(c);
}

/* Every page of [va, va + size) in context 1 onto one host page. */
static void map_alias(uint64_t va, uint64_t size, uint64_t flags)
{
	for (uint64_t o = 0; o < size; o += SNPU_PAGE_SIZE) {
		uint64_t *pte = h_pte(h, 1, va + o);

		if (!pte)
			h_map(h, 1, va + o, alias_pa, SNPU_PAGE_SIZE, flags);
		else
			*pte = alias_pa | SNPU_PTE_VALID | flags;
	}
	h_wr(h, SNPU_REG_MMU_INVALIDATE, 1);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void tensor(struct snpu_tensor *t, uint64_t addr, const uint32_t d[4], const uint32_t st[4])
{
	memset(t, 0, sizeof(*t));
	t->addr = addr;
	t->dtype = SNPU_DT_FP32;
	memcpy(t->dim, d, sizeof(t->dim));
	memcpy(t->stride, st, sizeof(t->stride));
}

/* A small job on queue q that must succeed: DMA_FILL then DMA_COPY of 4 KiB
 * in context 1, result checked. */
static void check_usable(unsigned int q, uint32_t value)
{
	struct h_cmds *s = malloc(sizeof(*s));
	const uint32_t *out;
	struct h_job j;

	ck_assert_ptr_nonnull(s);
	h_cmds_init(s);
	h_fill(s, VA_A, 4096, value);
	h_copy(s, VA_A, VA_A + 8192, 4096, 1, 0, 0);
	j = h_submit(h, q, 1, s, 0);
	ck_assert_msg(h_wait_done(h, &j, 10000), "queue %u: a small job did not complete", q);
	ck_assert_msg(h_compl(h, &j)->status == SNPU_OK, "queue %u: small job status %u (%s)", q,
		      h_compl(h, &j)->status, h->last_log);
	out = h_ptr(h, a_bus + 8192);
	for (unsigned int i = 0; i < 1024; i++)
		ck_assert_uint_eq(out[i], value);
	free(s);
}

/*
 * NOP, the long command in c, NOP: submit it on queue 0 and check that it
 * is stopped by the backstop, not earlier and not much later, with the
 * documented status and log line, and that the device stays usable.
 */
static void expect_backstop(const char *what)
{
	struct snpu_completion *r;
	struct h_cmds *s = malloc(sizeof(*s));
	uint64_t t0, dt, faults0;
	struct h_job j;

	ck_assert_ptr_nonnull(s);
	h_cmds_init(s);
	h_nop(s);
	memcpy(s->buf + s->len, c->buf, c->len);
	s->len += c->len;
	s->n += c->n;
	h_nop(s);
	faults0 = h_counter(h, SNPU_CNT_JOBS_FAILED);

	t0 = mono_ns();
	j = h_submit(h, 0, 1, s, SNPU_JOB_IRQ);
	/* 20 s: twice the device's own backstop, so a loaded host cannot flake */
	ck_assert_msg(h_wait_done(h, &j, 20000), "%s: not stopped within 20 s", what);
	dt = mono_ns() - t0;
	r = h_compl(h, &j);
	ck_assert_msg(r->status == SNPU_ERR_OVERFLOW, "%s: status %u, expected OVERFLOW (%u): %s",
		      what, r->status, SNPU_ERR_OVERFLOW, h->last_log);
	ck_assert_uint_eq(r->failed_cmd, 1);
	ck_assert_uint_eq(r->cmds_done, 1);
	ck_assert_msg(strstr(h->last_log, "host time budget"), "%s: log '%s' does not name the budget",
		      what, h->last_log);
	ck_assert_msg(dt >= TE_TIME_BUDGET_NS, "%s: stopped after %llu ms, before the %llu ms backstop",
		      what, (unsigned long long)(dt / 1000000),
		      (unsigned long long)(TE_TIME_BUDGET_NS / 1000000));
	printf("%s: stopped by the %llu ms backstop after %llu ms\n", what,
	       (unsigned long long)(TE_TIME_BUDGET_NS / 1000000), (unsigned long long)(dt / 1000000));
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_JOBS_FAILED), faults0 + 1);

	/* No reset happened or is needed: the device and its queues go on. */
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_RESETTING, 0);
	ck_assert_uint_ne(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_READY, 0);
	check_usable(0, 0x11223344u);
	check_usable(1, 0x55667788u);
	free(s);
	h_cmds_init(c);
}

/* POOL 65535 x 65535 max over a broadcast input: within the work budget
 * (2^32 window reads), hours of host time without the backstop. */
START_TEST(backstop_pool)
{
	static const uint32_t zeros[4] = { 0, 0, 0, 0 };
	uint32_t in_d[4] = { 1, 1, 65535, 65535 }, o_d[4] = { 1, 1, 1, 1 }, st[4];
	struct snpu_cmd_pool *p;

	p = h_cmd(c, SNPU_OP_POOL, sizeof(*p));
	tensor(&p->input, VA_A, in_d, zeros);
	ck_assert_int_eq(snpu_layout_strides(SNPU_LAYOUT_NCHW, o_d, st), 0);
	tensor(&p->output, VA_A + 4096, o_d, st);
	p->mode = SNPU_POOL_MAX;
	p->kernel_h = p->kernel_w = 65535;
	p->stride_h = p->stride_w = 1;
	expect_backstop("POOL 65535x65535");
}
END_TEST

/* GEMM 8192 x 4096 x 4096 (2^37 MACs, within the work budget) of
 * broadcast operands into an output on aliased pages: seconds of host
 * time even with the vector kernels. */
START_TEST(backstop_gemm)
{
	static const uint32_t zeros[4] = { 0, 0, 0, 0 };
	uint32_t a_d[4] = { 1, 1, 8192, 4096 }, b_d[4] = { 1, 1, 4096, 4096 };
	uint32_t c_d[4] = { 1, 1, 8192, 4096 }, c_st[4];
	struct snpu_cmd_gemm *g;

	map_alias(VA_DST, 128ull << 20, SNPU_PTE_READ | SNPU_PTE_WRITE);
	g = h_cmd(c, SNPU_OP_GEMM, sizeof(*g));
	tensor(&g->a, VA_A, a_d, zeros);
	tensor(&g->b, VA_A, b_d, zeros);
	ck_assert_int_eq(snpu_layout_strides(SNPU_LAYOUT_NCHW, c_d, c_st), 0);
	tensor(&g->c, VA_DST, c_d, c_st);
	expect_backstop("GEMM 8192x4096x4096");
}
END_TEST

/* DMA_COPY of 2^26 one-byte rows between aliased pages: 64 MiB of VA on
 * each side, one translation per row. */
START_TEST(backstop_dma_copy)
{
	map_alias(VA_SRC, ALIAS_SIZE, SNPU_PTE_READ);
	map_alias(VA_DST, ALIAS_SIZE, SNPU_PTE_READ | SNPU_PTE_WRITE);
	h_copy(c, VA_SRC, VA_DST, 1, (uint32_t)ALIAS_SIZE, 1, 1);
	expect_backstop("DMA_COPY of 2^26 rows");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_backstop");
	TCase *tc = tcase_create("backstop");
	TCase *tt = tcase_create("two_threads");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, backstop_pool);
	tcase_add_test(tc, backstop_gemm);
	tcase_add_test(tc, backstop_dma_copy);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tt, setup_threads, teardown);
	tcase_set_timeout(tt, 60);
	tcase_add_test(tt, backstop_pool);
	tcase_add_test(tt, backstop_gemm);
	suite_add_tcase(s, tt);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("backstop");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
