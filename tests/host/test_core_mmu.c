// SPDX-License-Identifier: MIT
/*
 * SNPU device core: device MMU. Isolation between contexts with a precise
 * fault while another context's job completes, permissions, every kind of
 * bad page-table entry, DRAM and SRAM targets, SRAM clearing on a context
 * change, TLB invalidation, context table errors, page coalescing.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"

#define VA_A	0x10000000ull
#define VA_B	0x20000000ull

static struct harness *h;
static struct h_cmds *c, *c2;

static void setup(void)
{
	h = h_new_ready(NULL, 16);
	c = malloc(sizeof(*c));
	c2 = malloc(sizeof(*c2));
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(c2);
	h_cmds_init(c);
	h_cmds_init(c2);
}

static void teardown(void)
{
	h_free(h);
	free(c);
	free(c2);
}

START_TEST(isolation_precise_fault)
{
	unsigned int nq = h->cfg.num_queues;
	/* ctx 1 owns A (secret), ctx 2 owns B; ctx 2 reads A's VA. */
	uint64_t a = h_map_new(h, 1, VA_A, 8192);
	uint64_t b = h_map_new(h, 2, VA_B, 8192);
	uint64_t a_out = h_map_new(h, 1, VA_B, 8192);
	uint8_t *pa = h_ptr(h, a), *pb = h_ptr(h, b), *po = h_ptr(h, a_out);
	struct h_job bad, good;
	struct snpu_completion *r;

	memset(pa, 0x5e, 8192);
	memset(pb, 0x11, 8192);
	/* ctx 2, queue 0: fill own buffer, then copy from A's VA + 0x1234 */
	h_fill(c, VA_B, 64, 0x22222222);
	h_copy(c, VA_A + 0x1234, VA_B, 16, 1, 0, 0);
	h_fill(c, VA_B + 64, 64, 0x33333333);
	/* ctx 1, queue 1, at the same time: copy A -> its own VA_B */
	h_copy(c2, VA_A, VA_B, 8192, 1, 0, 0);
	h_fence(c2, VA_B + 8192 - 8, 0x600d);
	bad = h_submit(h, 0, 2, c, SNPU_JOB_IRQ);
	good = h_submit(h, 1, 1, c2, SNPU_JOB_IRQ);
	h_run(h);
	r = h_compl(h, &bad);
	ck_assert_uint_eq(r->flags, SNPU_COMPL_DONE);
	ck_assert_uint_eq(r->status, SNPU_ERR_MMU_FAULT);
	ck_assert_uint_eq(r->failed_cmd, 1);
	ck_assert_uint_eq(r->cmds_done, 1);
	ck_assert_uint_eq(r->fault_va, VA_A + 0x1234);
	ck_assert_uint_eq(r->fault_ctx, 2);
	ck_assert_uint_eq(r->fault_flags, SNPU_MMU_FAULT_VALID);	/* read, not present */
	/* the faulting job stopped at the fault: B has the first fill only */
	ck_assert_uint_eq(pb[0], 0x22);
	ck_assert_uint_eq(pb[64], 0x11);
	/* registers */
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_STATUS), SNPU_MMU_FAULT_VALID);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_CTX), 2);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_VA_LO), (uint32_t)(VA_A + 0x1234));
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_VA_HI), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_QUEUE), 0);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_FAULTS), 1);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_JOBS_FAILED), 1);
	ck_assert_uint_eq(atomic_load(&h->irqs[nq]), 1);
	ck_assert_uint_eq(atomic_load(&h->irqs[0]), 1);
	ck_assert(h_rd(h, SNPU_REG_IRQ_STATUS) & SNPU_IRQ_ERROR);
	/* the other context's job completed correctly */
	r = h_compl(h, &good);
	ck_assert_uint_eq(r->status, SNPU_OK);
	ck_assert_uint_eq(r->fault_flags, 0);
	ck_assert_int_eq(memcmp(po, pa, 8192 - 8), 0);
	ck_assert_uint_eq(*(uint64_t *)(po + 8192 - 8), 0x600d);
	ck_assert_uint_eq(atomic_load(&h->irqs[1]), 1);
	/* the queue of the faulting job carries on */
	h_cmds_init(c);
	h_fill(c, VA_B + 128, 8, 0x44444444);
	good = h_submit(h, 0, 2, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &good)->status, SNPU_OK);
	ck_assert_uint_eq(pb[128], 0x44);
	/* a second fault before the ack sets OVERRUN and keeps the first */
	h_cmds_init(c);
	h_fill(c, VA_A, 8, 0);
	bad = h_submit(h, 2, 2, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &bad)->status, SNPU_ERR_MMU_FAULT);
	ck_assert_uint_eq(h_compl(h, &bad)->fault_flags,
			  SNPU_MMU_FAULT_VALID | SNPU_MMU_FAULT_WRITE);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_STATUS),
			  SNPU_MMU_FAULT_VALID | SNPU_MMU_FAULT_OVERRUN);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_QUEUE), 0);
	h_wr(h, SNPU_REG_MMU_FAULT_ACK, 1);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_STATUS), 0);
	ck_assert_uint_eq(pa[0], 0x5e);	/* ctx 2 never wrote ctx 1's memory */
}
END_TEST

START_TEST(permissions)
{
	uint64_t a = h_alloc(h, 4096, 4096);
	uint64_t w = h_alloc(h, 4096, 4096);
	struct h_job j;

	h_map(h, 1, VA_A, a, 4096, SNPU_PTE_READ);		/* read-only */
	h_map(h, 1, VA_B, w, 4096, SNPU_PTE_WRITE);		/* write-only */
	h_fill(c, VA_A + 8, 8, 1);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_MMU_PERM);
	ck_assert_uint_eq(h_compl(h, &j)->fault_va, VA_A + 8);
	ck_assert_uint_eq(h_compl(h, &j)->fault_flags,
			  SNPU_MMU_FAULT_VALID | SNPU_MMU_FAULT_WRITE | SNPU_MMU_FAULT_PERM);
	ck_assert_uint_eq(*(uint64_t *)h_ptr(h, a + 8), 0);
	h_cmds_init(c);
	h_copy(c, VA_A, VA_B, 64, 1, 0, 0);	/* allowed both ways */
	h_copy(c, VA_B, VA_A + 1024, 64, 1, 0, 0);	/* read of write-only */
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_MMU_PERM);
	ck_assert_uint_eq(h_compl(h, &j)->failed_cmd, 1);
	ck_assert_uint_eq(h_compl(h, &j)->fault_flags,
			  SNPU_MMU_FAULT_VALID | SNPU_MMU_FAULT_PERM);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_FAULTS), 2);
}
END_TEST

/* Corrupt one entry of the walk for VA_A and expect a fault. */
static void expect_pte_fault(uint64_t *entry, uint64_t value)
{
	uint64_t saved = *entry;
	struct h_job j;

	*entry = value;
	h_wr(h, SNPU_REG_MMU_INVALIDATE, SNPU_MMU_INV_ALL);
	h_cmds_init(c);
	h_fill(c, VA_A, 4, 9);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_msg(h_compl(h, &j)->status == SNPU_ERR_MMU_FAULT,
		      "entry 0x%llx gave status %u", (unsigned long long)value,
		      h_compl(h, &j)->status);
	ck_assert_uint_eq(h_compl(h, &j)->fault_va, VA_A);
	*entry = saved;
	h_wr(h, SNPU_REG_MMU_INVALIDATE, SNPU_MMU_INV_ALL);
	h_note_malformed(1);
}

START_TEST(bad_page_table_entries)
{
	uint64_t a = h_map_new(h, 1, VA_A, 4096);
	uint64_t *l0 = (uint64_t *)h_ptr(h, h->ctx_root[1]) + SNPU_PT_INDEX(VA_A, 0);
	uint64_t *l1 = (uint64_t *)h_ptr(h, *l0 & SNPU_PTE_ADDR_MASK) + SNPU_PT_INDEX(VA_A, 1);
	uint64_t *l2 = h_pte(h, 1, VA_A);
	uint64_t rw = SNPU_PTE_VALID | SNPU_PTE_READ | SNPU_PTE_WRITE;
	struct h_job j;

	ck_assert_ptr_nonnull(l2);
	expect_pte_fault(l2, 0);					/* not valid */
	expect_pte_fault(l2, a | SNPU_PTE_READ | SNPU_PTE_WRITE);	/* VALID missing */
	expect_pte_fault(l2, a | rw | (1ull << 5));		/* reserved low bit */
	expect_pte_fault(l2, a | rw | (1ull << 60));		/* reserved high bit */
	expect_pte_fault(l2, a | rw | SNPU_PTE_TABLE);		/* table bit on a leaf */
	expect_pte_fault(l2, (64ull << 20) | rw | SNPU_PTE_DRAM);	/* past DRAM */
	expect_pte_fault(l1, (*l1 & SNPU_PTE_ADDR_MASK) | SNPU_PTE_VALID);	/* leaf at L1 */
	expect_pte_fault(l1, *l1 | SNPU_PTE_DRAM);		/* DRAM table */
	expect_pte_fault(l0, *l0 & ~SNPU_PTE_VALID);
	expect_pte_fault(l0, *l0 | (1ull << 52));
	/* a table pointer to unreadable bus memory: a bus error */
	*l1 = 0x7000000000ull | SNPU_PTE_VALID | SNPU_PTE_TABLE;
	h_wr(h, SNPU_REG_MMU_INVALIDATE, 1);
	h_cmds_init(c);
	h_fill(c, VA_A, 4, 9);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_DMA);
	h_note_malformed(1);
}
END_TEST

START_TEST(leaf_to_bad_bus_address)
{
	struct h_job j;

	h_map(h, 1, VA_A, 0x7000000000ull, 4096, SNPU_PTE_READ | SNPU_PTE_WRITE);
	h_fill(c, VA_A, 4, 9);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_DMA);
	ck_assert_uint_eq(h_compl(h, &j)->fault_va, VA_A);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_ERRORS), 1);
	h_note_malformed(1);
}
END_TEST

START_TEST(va_space_edges)
{
	struct h_job j;

	/* the last page below the SRAM window, then a copy that runs from
	 * it into the window (SRAM needs no mapping) */
	uint64_t top = SNPU_SRAM_VA - 4096;
	uint64_t a = h_map_new(h, 1, top, 4096);
	uint8_t *p = h_ptr(h, a);

	for (int i = 0; i < 4096; i++)
		p[i] = (uint8_t)i;
	h_copy(c, top, SNPU_SRAM_VA + 4096, 4096, 1, 0, 0);
	h_copy(c, SNPU_SRAM_VA + 4096, top - 4096 * 0 + 0, 0, 1, 0, 0);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_SHAPE);	/* row_bytes 0 */
	ck_assert_uint_eq(h_compl(h, &j)->failed_cmd, 1);
	/* SRAM range: the last byte is fine, one past faults */
	h_cmds_init(c);
	h_fill(c, SNPU_SRAM_VA + h->cfg.sram_size - 4, 4, 1);
	h_fill(c, SNPU_SRAM_VA + h->cfg.sram_size - 4, 8, 1);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_SRAM_RANGE);
	ck_assert_uint_eq(h_compl(h, &j)->failed_cmd, 1);
	/* far beyond: VA that wraps the 64-bit space */
	h_cmds_init(c);
	h_fill(c, 0xfffffffffffffff0ull, 32, 1);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_OVERFLOW);
	h_note_malformed(3);
}
END_TEST

START_TEST(sram_isolation_between_contexts)
{
	uint64_t a1 = h_map_new(h, 1, VA_A, 4096);
	uint64_t a2 = h_map_new(h, 2, VA_A, 4096);
	struct h_job j;

	/* ctx 1 leaves data in SRAM */
	h_fill(c, SNPU_SRAM_VA + 256, 64, 0x5ec5e7);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	/* a later job of ctx 1 still sees it (same context) */
	h_cmds_init(c);
	h_copy(c, SNPU_SRAM_VA + 256, VA_A, 64, 1, 0, 0);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(*(uint32_t *)h_ptr(h, a1), 0x5ec5e7);
	/* ctx 2 reads zeros */
	j = h_submit(h, 1, 2, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	for (int i = 0; i < 64; i++)
		ck_assert_uint_eq(((uint8_t *)h_ptr(h, a2))[i], 0);
}
END_TEST

START_TEST(sram_saved_across_suspension)
{
	uint64_t s1 = h_map_new(h, 1, VA_A, 4096);
	uint64_t o2 = h_map_new(h, 2, VA_A, 4096);
	uint64_t *sem = h_ptr(h, s1);
	struct h_job j1, j2;

	/* ctx 1: put data in SRAM, wait, then copy it out */
	h_fill(c, SNPU_SRAM_VA, 32, 0xc0ffee);
	h_wait(c, VA_A, 1, SNPU_WAIT_EQ, 0);
	h_copy(c, SNPU_SRAM_VA, VA_A + 64, 32, 1, 0, 0);
	j1 = h_submit(h, 0, 1, c, 0);
	h_run_once(h);
	/* ctx 2 runs meanwhile, uses SRAM and must see it clean */
	h_copy(c2, SNPU_SRAM_VA, VA_A, 32, 1, 0, 0);
	h_fill(c2, SNPU_SRAM_VA, 32, 0xbad);
	j2 = h_submit(h, 1, 2, c2, 0);
	h_run_once(h);
	ck_assert_uint_eq(h_compl(h, &j2)->status, SNPU_OK);
	ck_assert_uint_eq(*(uint32_t *)h_ptr(h, o2), 0);
	ck_assert(!h_done(h, &j1));
	*sem = 1;
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j1)->status, SNPU_OK);
	ck_assert_uint_eq(*(uint32_t *)h_ptr(h, s1 + 64), 0xc0ffee);
}
END_TEST

START_TEST(tlb_invalidate)
{
	uint64_t p1 = h_map_new(h, 1, VA_A, 4096);
	uint64_t p2 = h_alloc(h, 4096, 4096);
	struct h_job j;

	h_fill(c, VA_A, 8, 0x11);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(*(uint32_t *)h_ptr(h, p1), 0x11);
	/* remap without invalidating: the TLB still has the old page */
	*h_pte(h, 1, VA_A) = p2 | SNPU_PTE_VALID | SNPU_PTE_READ | SNPU_PTE_WRITE;
	h_cmds_init(c);
	h_fill(c, VA_A, 8, 0x22);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(*(uint32_t *)h_ptr(h, p1), 0x22);
	ck_assert_uint_eq(*(uint32_t *)h_ptr(h, p2), 0);
	/* invalidate that context: the new mapping is used */
	h_wr(h, SNPU_REG_MMU_INVALIDATE, 1);
	h_cmds_init(c);
	h_fill(c, VA_A, 8, 0x33);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	ck_assert_uint_eq(*(uint32_t *)h_ptr(h, p1), 0x22);
	ck_assert_uint_eq(*(uint32_t *)h_ptr(h, p2), 0x33);
	/* unmap + invalidate all: faults */
	*h_pte(h, 1, VA_A) = 0;
	h_wr(h, SNPU_REG_MMU_INVALIDATE, SNPU_MMU_INV_ALL);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_MMU_FAULT);
}
END_TEST

START_TEST(context_errors)
{
	struct snpu_mmu_ctx *e = h_ptr(h, h->ctx_table);
	struct h_job j;

	h_nop(c);
	/* not in the table, beyond MMU_CTX_COUNT, entry not valid, flags,
	 * reserved, misaligned root */
	static const uint32_t ids[] = { 3, H_MAX_CTX, 1000 };
	for (unsigned int i = 0; i < 3; i++) {
		j = h_submit(h, 0, ids[i], c, 0);
		h_run(h);
		ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_CONTEXT);
		ck_assert_uint_eq(h_compl(h, &j)->failed_cmd, SNPU_COMPL_NO_CMD);
		ck_assert_uint_eq(h_compl(h, &j)->cmds_done, 0);
		h_note_malformed(1);
	}
	e[4].pt_root = h->ctx_root[1] | SNPU_CTX_VALID;
	e[4].flags = 1;
	e[5].pt_root = h->ctx_root[1] | SNPU_CTX_VALID;
	e[5].reserved = 1;
	e[6].pt_root = (h->ctx_root[1] + 8) | SNPU_CTX_VALID;
	e[7].pt_root = h->ctx_root[1] | SNPU_CTX_VALID | 2;
	for (uint32_t id = 4; id <= 7; id++) {
		j = h_submit(h, 0, id, c, 0);
		h_run(h);
		ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_CONTEXT);
		h_note_malformed(1);
	}
	/* context table pointing nowhere */
	h_wr(h, SNPU_REG_MMU_CTX_TABLE_HI, 0x70);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_CONTEXT);
	/* MMU_CTX_COUNT is clamped to the device's contexts */
	h_wr(h, SNPU_REG_MMU_CTX_COUNT, 100000);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_CTX_COUNT), h->cfg.num_contexts);
	h_note_malformed(2);
}
END_TEST

START_TEST(scattered_pages)
{
	/* 8 pages mapped to physical pages in reverse order, plus runs of
	 * contiguous ones: the copy must follow the translation page by page */
	uint64_t phys = h_alloc(h, 8 * 4096, 4096);
	uint64_t dst = h_map_new(h, 1, VA_B, 8 * 4096);
	uint8_t *pp = h_ptr(h, phys), *pd = h_ptr(h, dst);
	struct h_job j;

	for (int i = 0; i < 8; i++) {
		uint64_t pg = (i < 4) ? (uint64_t)(7 - i) : (uint64_t)(i - 4);

		h_map(h, 1, VA_A + i * 4096ull, phys + pg * 4096, 4096, SNPU_PTE_READ);
		memset(pp + pg * 4096, i + 1, 4096);
	}
	h_copy(c, VA_A + 100, VA_B + 100, 8 * 4096 - 200, 1, 0, 0);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_OK);
	for (int i = 0; i < 8; i++) {
		ck_assert_uint_eq(pd[i * 4096 + 200], i + 1);
		ck_assert_uint_eq(pd[i * 4096 + 3900], i + 1);
	}
	ck_assert_uint_eq(pd[99], 0);
	ck_assert_uint_eq(pd[8 * 4096 - 100], 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_mmu");
	TCase *tc = tcase_create("mmu");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, isolation_precise_fault);
	tcase_add_test(tc, permissions);
	tcase_add_test(tc, bad_page_table_entries);
	tcase_add_test(tc, leaf_to_bad_bus_address);
	tcase_add_test(tc, va_space_edges);
	tcase_add_test(tc, sram_isolation_between_contexts);
	tcase_add_test(tc, sram_saved_across_suspension);
	tcase_add_test(tc, tlb_invalidate);
	tcase_add_test(tc, context_errors);
	tcase_add_test(tc, scattered_pages);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("mmu");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
