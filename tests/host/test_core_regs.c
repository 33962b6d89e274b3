// SPDX-License-Identifier: MIT
/*
 * SNPU device core: BAR0 register file. Identity/config registers from
 * struct snpu_config, configuration checks, scratch, timestamp latch,
 * IRQ_STATUS (RW1C) and IRQ_MASK, counters (latch, reset), undefined and
 * read-only offsets, queue register block.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"

static uint32_t rd(struct harness *h, uint32_t off)
{
	return h_rd(h, off);
}

START_TEST(identity_defaults)
{
	struct snpu_config cfg;
	struct harness *h;

	snpu_config_defaults(&cfg);
	ck_assert_uint_eq(cfg.num_queues, 4);
	ck_assert_uint_eq(cfg.dram_size, 256ull << 20);
	ck_assert_uint_eq(cfg.sram_size, 4u << 20);
	ck_assert_uint_eq(cfg.num_contexts, 256);
	ck_assert_uint_eq(cfg.mac_rows, 32);
	ck_assert_uint_eq(cfg.mac_cols, 32);
	ck_assert_uint_eq(cfg.clock_mhz, 1000);
	ck_assert_uint_eq(cfg.dram_bw, 25600);
	ck_assert_uint_eq(cfg.sram_bw, 204800);
	ck_assert_uint_eq(cfg.pcie_bw, 7880);
	ck_assert_uint_eq(cfg.cmd_overhead, 64);
	ck_assert(!cfg.pace);
	h = h_new(&cfg);
	ck_assert_uint_eq(rd(h, SNPU_REG_ID), SNPU_ID_MAGIC);
	ck_assert_uint_eq(rd(h, SNPU_REG_HW_VERSION), SNPU_HW_VERSION);
	ck_assert_uint_eq(rd(h, SNPU_REG_HW_CAPS), SNPU_CAP_ALL);
	ck_assert_uint_eq(rd(h, SNPU_REG_NUM_QUEUES), 4);
	ck_assert_uint_eq(rd(h, SNPU_REG_DRAM_SIZE_LO), 256u << 20);
	ck_assert_uint_eq(rd(h, SNPU_REG_DRAM_SIZE_HI), 0);
	ck_assert_uint_eq(rd(h, SNPU_REG_SRAM_SIZE), 4u << 20);
	ck_assert_uint_eq(rd(h, SNPU_REG_MAC_ARRAY), 32 | (32 << 16));
	ck_assert_uint_eq(rd(h, SNPU_REG_CLOCK_MHZ), 1000);
	ck_assert_uint_eq(rd(h, SNPU_REG_NUM_CONTEXTS), 256);
	ck_assert_uint_eq(rd(h, SNPU_REG_DRAM_BW), 25600);
	ck_assert_uint_eq(rd(h, SNPU_REG_SRAM_BW), 204800);
	ck_assert_uint_eq(rd(h, SNPU_REG_PCIE_BW), 7880);
	ck_assert_uint_eq(rd(h, SNPU_REG_CMD_OVERHEAD), 64);
	ck_assert_uint_eq(rd(h, SNPU_REG_VA_BITS), SNPU_VA_BITS);
	ck_assert_uint_eq(rd(h, SNPU_REG_MAX_CMDBUF), SNPU_MAX_CMDBUF);
	ck_assert_uint_eq(rd(h, SNPU_REG_STATUS), 0);
	ck_assert_uint_eq(rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	ck_assert_uint_eq(snpu_core_msix_vectors(h->core), 5);
	ck_assert_uint_eq(snpu_core_dram_size(h->core), 256ull << 20);
	ck_assert_ptr_nonnull(snpu_core_dram(h->core));
	h_free(h);
}
END_TEST

START_TEST(identity_custom)
{
	struct snpu_config cfg;
	struct harness *h;

	h_small_config(&cfg);
	cfg.num_queues = 16;
	cfg.dram_size = 4ull << 30;	/* lazily backed by calloc */
	cfg.mac_rows = 16;
	cfg.mac_cols = 64;
	cfg.clock_mhz = 1500;
	cfg.pace = true;
	h = h_new(&cfg);
	ck_assert_uint_eq(rd(h, SNPU_REG_NUM_QUEUES), 16);
	ck_assert_uint_eq(rd(h, SNPU_REG_DRAM_SIZE_LO), 0);
	ck_assert_uint_eq(rd(h, SNPU_REG_DRAM_SIZE_HI), 1);
	ck_assert_uint_eq(rd(h, SNPU_REG_MAC_ARRAY), 16 | (64 << 16));
	ck_assert_uint_eq(rd(h, SNPU_REG_CLOCK_MHZ), 1500);
	ck_assert(rd(h, SNPU_REG_STATUS) & SNPU_STATUS_PACED);
	ck_assert_uint_eq(snpu_core_msix_vectors(h->core), 17);
	/* last queue block is decoded, the one after is not */
	h_qwr(h, 15, SNPU_QREG_RING_SIZE, 64);
	ck_assert_uint_eq(h_qrd(h, 15, SNPU_QREG_RING_SIZE), 64);
	h_free(h);
}
END_TEST

static void nop_irq(void *o, unsigned int v) { (void)o; (void)v; }
static void nop_kick(void *o) { (void)o; }
static uint64_t zero_clock(void *o) { (void)o; return 0; }
static int bad_dma(void *o, uint64_t a, void *b, size_t l) { (void)o; (void)a; (void)b; (void)l; return -1; }
static int bad_dmaw(void *o, uint64_t a, const void *b, size_t l) { (void)o; (void)a; (void)b; (void)l; return -1; }

static void expect_bad_config(struct snpu_config *cfg, const char *word)
{
	struct snpu_host_ops ops = { NULL, bad_dma, bad_dmaw, nop_irq, zero_clock, nop_kick, NULL };
	char err[200] = "";

	ck_assert_ptr_null(snpu_core_new(cfg, &ops, err, sizeof(err)));
	ck_assert_msg(strstr(err, word), "message '%s' does not name '%s'", err, word);
	h_note_malformed(1);
}

START_TEST(config_checked)
{
	struct snpu_config cfg;
	struct snpu_host_ops ops = { NULL, bad_dma, bad_dmaw, nop_irq, zero_clock, NULL, NULL };
	char err[200] = "";

	h_small_config(&cfg);
	cfg.num_queues = 0;
	expect_bad_config(&cfg, "num_queues");
	h_small_config(&cfg);
	cfg.num_queues = 17;
	expect_bad_config(&cfg, "num_queues");
	h_small_config(&cfg);
	cfg.dram_size = 3ull << 20;
	expect_bad_config(&cfg, "dram_size");
	h_small_config(&cfg);
	cfg.sram_size = 1000;
	expect_bad_config(&cfg, "sram_size");
	h_small_config(&cfg);
	cfg.num_contexts = 0;
	expect_bad_config(&cfg, "num_contexts");
	h_small_config(&cfg);
	cfg.mac_cols = 0;
	expect_bad_config(&cfg, "mac array");
	h_small_config(&cfg);
	cfg.clock_mhz = 0;
	expect_bad_config(&cfg, "clock_mhz");
	h_small_config(&cfg);
	cfg.pcie_bw = 0;
	expect_bad_config(&cfg, "pcie");
	h_small_config(&cfg);
	cfg.threads = 100000;
	expect_bad_config(&cfg, "threads");
	h_small_config(&cfg);
	ck_assert_ptr_null(snpu_core_new(&cfg, &ops, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "kick"));
	ck_assert_ptr_null(snpu_core_new(NULL, &ops, err, sizeof(err)));
}
END_TEST

START_TEST(scratch_and_readonly)
{
	struct harness *h = h_new(NULL);
	unsigned int e0;

	h_wr(h, SNPU_REG_SCRATCH, 0xdeadbeef);
	ck_assert_uint_eq(rd(h, SNPU_REG_SCRATCH), 0xdeadbeef);
	/* read-only registers keep their value, the write is logged */
	e0 = atomic_load(&h->guest_errors);
	h_wr(h, SNPU_REG_ID, 0);
	h_wr(h, SNPU_REG_NUM_QUEUES, 9);
	h_wr(h, SNPU_REG_STATUS, 0xffffffff);
	h_wr(h, SNPU_REG_FW_STATUS, SNPU_FW_STATUS_RUNNING);
	ck_assert_uint_eq(rd(h, SNPU_REG_ID), SNPU_ID_MAGIC);
	ck_assert_uint_eq(rd(h, SNPU_REG_NUM_QUEUES), 4);
	ck_assert_uint_eq(rd(h, SNPU_REG_STATUS), 0);
	ck_assert_uint_eq(rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	ck_assert_uint_eq(atomic_load(&h->guest_errors), e0 + 4);
	/* undefined offsets read 0, writes ignored and logged; misaligned and
	 * out-of-range offsets too */
	static const uint32_t undef[] = { 0x005c, 0x0068, 0x0124, 0x0228, 0x0318, 0x0480,
					  0x04f8, 0x2000, 0xfffc, 0x0002, 0x10000, 0xffffffff };
	for (unsigned int i = 0; i < sizeof(undef) / sizeof(undef[0]); i++) {
		e0 = atomic_load(&h->guest_errors);
		h_wr(h, undef[i], 0x55aa55aa);
		ck_assert_uint_eq(rd(h, undef[i]), 0);
		ck_assert_uint_eq(atomic_load(&h->guest_errors), e0 + 2);
		h_note_malformed(1);
	}
	/* queue blocks of queues that do not exist (4 queues configured) */
	ck_assert_uint_eq(rd(h, SNPU_REG_QUEUE(4, SNPU_QREG_RING_SIZE)), 0);
	h_wr(h, SNPU_REG_QUEUE(4, SNPU_QREG_RING_SIZE), 8);
	ck_assert_uint_eq(rd(h, SNPU_REG_QUEUE(4, SNPU_QREG_RING_SIZE)), 0);
	ck_assert_uint_eq(rd(h, SNPU_REG_QUEUE(0, 0x30)), 0);
	h_free(h);
}
END_TEST

START_TEST(timestamp_latch)
{
	struct harness *h = h_new(NULL);
	uint64_t base = atomic_load(&h->now_ns);	/* device clock ~0 here */
	uint32_t lo, hi;

	/* The device clock counts from creation. */
	lo = rd(h, SNPU_REG_TIMESTAMP_LO);
	ck_assert_uint_lt(lo, 16);
	ck_assert_uint_eq(rd(h, SNPU_REG_TIMESTAMP_HI), 0);
	atomic_store(&h->now_ns, base + 0x0000000580000000ull);
	lo = rd(h, SNPU_REG_TIMESTAMP_LO);
	atomic_store(&h->now_ns, base + 0x0000000780000000ull);
	hi = rd(h, SNPU_REG_TIMESTAMP_HI);
	/* HI is the value latched by the LO read, not the current one */
	ck_assert_uint_eq(hi, 5);
	ck_assert_uint_ge(lo, 0x80000000u);
	ck_assert_uint_lt(lo, 0x80000010u);
	lo = rd(h, SNPU_REG_TIMESTAMP_LO);
	ck_assert_uint_eq(rd(h, SNPU_REG_TIMESTAMP_HI), 7);
	ck_assert_uint_ge(lo, 0x80000000u);
	h_free(h);
}
END_TEST

START_TEST(irq_status_mask)
{
	struct harness *h = h_new(NULL);
	unsigned int nq = h->cfg.num_queues;

	/* queue 1 stopped by a bad enable raises the error source */
	h_qwr(h, 1, SNPU_QREG_RING_SIZE, 3);
	h_qwr(h, 1, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
	h_run(h);
	ck_assert_uint_eq(rd(h, SNPU_REG_IRQ_STATUS), SNPU_IRQ_ERROR);
	ck_assert_uint_eq(atomic_load(&h->irqs[nq]), 1);
	/* writing 0 clears nothing, writing the bit clears it */
	h_wr(h, SNPU_REG_IRQ_STATUS, 0);
	ck_assert_uint_eq(rd(h, SNPU_REG_IRQ_STATUS), SNPU_IRQ_ERROR);
	h_wr(h, SNPU_REG_IRQ_STATUS, 0xffffffff);
	ck_assert_uint_eq(rd(h, SNPU_REG_IRQ_STATUS), 0);
	h_wr(h, SNPU_REG_IRQ_MASK, 0x8000000f);
	ck_assert_uint_eq(rd(h, SNPU_REG_IRQ_MASK), 0x8000000f);
	h_qwr(h, 1, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
	h_run(h);
	ck_assert_uint_eq(atomic_load(&h->irqs[nq]), 1);
	ck_assert_uint_eq(rd(h, SNPU_REG_IRQ_STATUS), SNPU_IRQ_ERROR);
	/* acknowledged while masked: unmasking sends nothing */
	h_wr(h, SNPU_REG_IRQ_STATUS, SNPU_IRQ_ERROR);
	h_wr(h, SNPU_REG_IRQ_MASK, 0);
	h_run(h);
	ck_assert_uint_eq(atomic_load(&h->irqs[nq]), 1);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_IRQS), 1);
	h_note_malformed(2);
	h_free(h);
}
END_TEST

START_TEST(counters_latch_reset)
{
	struct harness *h = h_new(NULL);

	for (int i = 0; i < 5; i++)
		h_qwr(h, 0, SNPU_QREG_RING_TAIL, 0);	/* doorbells on a disabled queue */
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_DOORBELLS), 5);
	ck_assert_uint_eq(rd(h, SNPU_REG_COUNTER_HI(SNPU_CNT_DOORBELLS)), 0);
	for (unsigned int c = 0; c < SNPU_NUM_COUNTERS; c++)
		if (c != SNPU_CNT_DOORBELLS)
			ck_assert_uint_eq(h_counter(h, c), 0);
	h_wr(h, SNPU_REG_COUNTER_RESET, 1);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_DOORBELLS), 0);
	/* counters are read-only */
	h_wr(h, SNPU_REG_COUNTER_LO(0), 5);
	ck_assert_uint_eq(h_counter(h, 0), 0);
	h_free(h);
}
END_TEST

START_TEST(queue_block_registers)
{
	struct harness *h = h_new(NULL);

	h_qwr(h, 2, SNPU_QREG_RING_BASE_LO, 0x12345640);
	h_qwr(h, 2, SNPU_QREG_RING_BASE_HI, 0x9);
	h_qwr(h, 2, SNPU_QREG_RING_SIZE, 256);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_RING_BASE_LO), 0x12345640);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_RING_BASE_HI), 0x9);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_RING_SIZE), 256);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_STATUS), 0);
	h_qwr(h, 2, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_STATUS), SNPU_QSTAT_ENABLED);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_CONTROL), SNPU_QCTRL_ENABLE);
	/* head is read-only */
	h_qwr(h, 2, SNPU_QREG_RING_HEAD, 7);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_RING_HEAD), 0);
	h_qwr(h, 2, SNPU_QREG_PRIORITY, 9);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_PRIORITY), 9);
	h_qwr(h, 2, SNPU_QREG_PRIORITY, 100);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_PRIORITY), 15);
	h_qwr(h, 2, SNPU_QREG_CONTROL, 0);
	ck_assert_uint_eq(h_qrd(h, 2, SNPU_QREG_STATUS), 0);
	/* bad rings: misaligned base, zero base, size not a power of two,
	 * too small, too large */
	static const struct { uint64_t base; uint32_t size; } bad[] = {
		{ 0x1000020, 8 }, { 0, 8 }, { 0x1000000, 6 }, { 0x1000000, 1 },
		{ 0x1000000, 8192 }, { 0x1000000, 0 },
	};
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h_qwr(h, 3, SNPU_QREG_RING_BASE_LO, (uint32_t)bad[i].base);
		h_qwr(h, 3, SNPU_QREG_RING_SIZE, bad[i].size);
		h_qwr(h, 3, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
		ck_assert_uint_eq(h_qrd(h, 3, SNPU_QREG_STATUS), SNPU_QSTAT_STOPPED);
		ck_assert_uint_eq(h_qrd(h, 3, SNPU_QREG_ERROR), SNPU_ERR_RING);
		ck_assert_uint_eq(rd(h, SNPU_REG_ERROR_INFO), 3);
		h_note_malformed(1);
	}
	h_qwr(h, 3, SNPU_QREG_RING_BASE_LO, 0x1000000);
	h_qwr(h, 3, SNPU_QREG_RING_SIZE, 4096);
	h_qwr(h, 3, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
	ck_assert_uint_eq(h_qrd(h, 3, SNPU_QREG_STATUS), SNPU_QSTAT_ENABLED);
	ck_assert_uint_eq(h_qrd(h, 3, SNPU_QREG_ERROR), SNPU_OK);
	h_free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_regs");
	TCase *tc = tcase_create("regs");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, identity_defaults);
	tcase_add_test(tc, identity_custom);
	tcase_add_test(tc, config_checked);
	tcase_add_test(tc, scratch_and_readonly);
	tcase_add_test(tc, timestamp_latch);
	tcase_add_test(tc, irq_status_mask);
	tcase_add_test(tc, counters_latch_reset);
	tcase_add_test(tc, queue_block_registers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("regs");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
