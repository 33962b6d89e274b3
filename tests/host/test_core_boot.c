// SPDX-License-Identifier: MIT
/*
 * SNPU device core: firmware boot handshake with the real image and with
 * every kind of bad image, doorbell state rules, queues refused before
 * firmware, and firmware dropped by resets.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"

static struct harness *h;
static void *img;
static size_t img_len;

static void setup(void)
{
	h = h_new(NULL);
	img = h_fw_image(&img_len);
}

static void teardown(void)
{
	h_free(h);
	free(img);
}

static struct snpu_fw_header *hdr(void)
{
	return img;
}

START_TEST(boot_good)
{
	unsigned int nq = h->cfg.num_queues;

	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_READY, 0);
	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), SNPU_FW_OK);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_VERSION), hdr()->fw_version);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_CAPS), hdr()->caps & SNPU_CAP_ALL);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_API),
			  ((uint32_t)hdr()->api_major << 16) | hdr()->api_minor);
	ck_assert(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_READY);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_BOOT_ERROR, 0);
	/* boot done: error/management vector, IRQ_STATUS bit 31 */
	ck_assert_uint_eq(atomic_load(&h->irqs[SNPU_MSIX_ERROR(nq)]), 1);
	ck_assert(h_rd(h, SNPU_REG_IRQ_STATUS) & SNPU_IRQ_ERROR);
	h_wr(h, SNPU_REG_IRQ_STATUS, SNPU_IRQ_ERROR);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_IRQ_STATUS), 0);
	/* priorities come from the firmware's scheduler section */
	for (unsigned int q = 0; q < nq; q++) {
		uint32_t p = h_qrd(h, q, SNPU_QREG_PRIORITY);

		ck_assert(p >= 1 && p <= 15);
	}
}
END_TEST

static void expect_refused(uint32_t fw_err)
{
	unsigned int nq = h->cfg.num_queues;

	ck_assert_uint_eq(h_boot_image(h, img, img_len), SNPU_FW_STATUS_ERROR);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), fw_err);
	ck_assert(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_BOOT_ERROR);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_READY, 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_VERSION), 0);
	ck_assert_uint_eq(atomic_load(&h->irqs[SNPU_MSIX_ERROR(nq)]), 1);
	ck_assert(atomic_load(&h->guest_errors) >= 1);
	h_note_malformed(1);
}

START_TEST(boot_bad_magic)
{
	hdr()->magic ^= 1;
	expect_refused(SNPU_FW_ERR_MAGIC);
}
END_TEST

START_TEST(boot_bad_header_version)
{
	hdr()->header_version = 2;
	h_fw_reseal(img, img_len, false);
	expect_refused(SNPU_FW_ERR_HEADER);
}
END_TEST

START_TEST(boot_bad_reserved)
{
	hdr()->reserved[3] = 1;
	h_fw_reseal(img, img_len, false);
	expect_refused(SNPU_FW_ERR_HEADER);
}
END_TEST

START_TEST(boot_bad_crc)
{
	hdr()->build_time ^= 0x100;
	expect_refused(SNPU_FW_ERR_CRC);
}
END_TEST

START_TEST(boot_bad_digest)
{
	/* Flip the last payload byte, keep the CRC right: only the digest
	 * catches it. */
	((uint8_t *)img)[img_len - 1] ^= 0x40;
	h_fw_reseal(img, img_len, false);
	expect_refused(SNPU_FW_ERR_DIGEST);
}
END_TEST

START_TEST(boot_bad_api)
{
	hdr()->api_major = SNPU_FW_API_MAJOR + 1;
	h_fw_reseal(img, img_len, false);
	expect_refused(SNPU_FW_ERR_API);
}
END_TEST

START_TEST(boot_bad_section)
{
	struct snpu_fw_section *s = (void *)((uint8_t *)img + hdr()->section_offset);

	s[0].flags = 1;
	h_fw_reseal(img, img_len, true);
	expect_refused(SNPU_FW_ERR_SECTION);
}
END_TEST

START_TEST(boot_bad_image_size)
{
	hdr()->image_size += 8;
	h_fw_reseal(img, img_len, false);
	expect_refused(SNPU_FW_ERR_SIZE);
}
END_TEST

START_TEST(boot_size_bounds)
{
	unsigned int nq = h->cfg.num_queues;
	/* FW_SIZE is checked before any DMA: too small, zero, too large. */
	static const uint32_t sizes[] = { 0, 1, sizeof(struct snpu_fw_header) - 1,
					  SNPU_FW_MAX_SIZE + 1, 0xffffffffu };

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		h_wr(h, SNPU_REG_FW_ADDR_LO, (uint32_t)H_MEM_BASE);
		h_wr(h, SNPU_REG_FW_ADDR_HI, (uint32_t)(H_MEM_BASE >> 32));
		h_wr(h, SNPU_REG_FW_SIZE, sizes[i]);
		h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
		ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_LOADING);
		h_run(h);
		ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_ERROR);
		ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), SNPU_FW_ERR_SIZE);
		ck_assert_uint_eq(atomic_load(&h->irqs[SNPU_MSIX_ERROR(nq)]), i + 1);
		h_note_malformed(1);
	}
}
END_TEST

START_TEST(boot_dma_error)
{
	/* An address outside host memory, and one whose range wraps. */
	h_wr(h, SNPU_REG_FW_ADDR_LO, 0x1000);
	h_wr(h, SNPU_REG_FW_ADDR_HI, 0);
	h_wr(h, SNPU_REG_FW_SIZE, (uint32_t)img_len);
	h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_ERROR);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), SNPU_FW_ERR_DMA);
	h_wr(h, SNPU_REG_FW_ADDR_LO, 0xfffff000u);
	h_wr(h, SNPU_REG_FW_ADDR_HI, 0xffffffffu);
	h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), SNPU_FW_ERR_DMA);
	h_note_malformed(2);
	/* a good image afterwards still boots */
	ck_assert_uint_eq(h_boot_image(h, img, img_len), SNPU_FW_STATUS_RUNNING);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_BOOT_ERROR, 0);
}
END_TEST

START_TEST(boot_truncated_and_garbage)
{
	/* Every truncation length class and random garbage: always refused,
	 * never a crash (ASan watches). */
	uint8_t *junk = malloc(img_len);

	ck_assert_ptr_nonnull(junk);
	srand(7);
	for (size_t i = 0; i < img_len; i++)
		junk[i] = (uint8_t)rand();
	ck_assert_uint_eq(h_boot_image(h, junk, img_len), SNPU_FW_STATUS_ERROR);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), SNPU_FW_ERR_MAGIC);
	ck_assert_uint_eq(h_boot_image(h, img, img_len / 2), SNPU_FW_STATUS_ERROR);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), SNPU_FW_ERR_SIZE);
	ck_assert_uint_eq(h_boot_image(h, img, sizeof(struct snpu_fw_header)),
			  SNPU_FW_STATUS_ERROR);
	/* flip each of 64 random bytes in turn: none may boot */
	for (int k = 0; k < 64; k++) {
		size_t at = (size_t)rand() % img_len;

		memcpy(junk, img, img_len);
		junk[at] ^= (uint8_t)(1u << (k % 8));
		ck_assert_uint_eq(h_boot_image(h, junk, img_len), SNPU_FW_STATUS_ERROR);
		h_note_malformed(1);
	}
	free(junk);
	h_note_malformed(3);
}
END_TEST

START_TEST(doorbell_state_rules)
{
	unsigned int nq = h->cfg.num_queues;

	/* wrong magic: ignored, logged */
	h_wr(h, SNPU_REG_FW_DOORBELL, 0x12345678);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	ck_assert_uint_eq(atomic_load(&h->guest_errors), 1);
	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
	/* doorbell while running: STATE error logged, stays running */
	h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_RUNNING);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), SNPU_FW_ERR_STATE);
	ck_assert(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_READY);
	/* doorbell while loading: refused too */
	snpu_core_reset(h->core);
	h_run(h);
	h_wr(h, SNPU_REG_FW_ADDR_LO, 0);
	h_wr(h, SNPU_REG_FW_SIZE, (uint32_t)img_len);
	h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_LOADING);
	h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_ERROR), SNPU_FW_ERR_STATE);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_ERROR);
	(void)nq;
	h_note_malformed(3);
}
END_TEST

START_TEST(boot_irq_masked)
{
	unsigned int nq = h->cfg.num_queues;

	h_wr(h, SNPU_REG_IRQ_MASK, SNPU_IRQ_ERROR);
	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
	ck_assert_uint_eq(atomic_load(&h->irqs[SNPU_MSIX_ERROR(nq)]), 0);
	ck_assert(h_rd(h, SNPU_REG_IRQ_STATUS) & SNPU_IRQ_ERROR);
	/* unmasking a pending source sends the message */
	h_wr(h, SNPU_REG_IRQ_MASK, 0);
	h_run(h);
	ck_assert_uint_eq(atomic_load(&h->irqs[SNPU_MSIX_ERROR(nq)]), 1);
}
END_TEST

START_TEST(queue_before_firmware)
{
	unsigned int nq = h->cfg.num_queues;
	struct h_cmds *c = malloc(sizeof(*c));
	struct h_job j;

	ck_assert_ptr_nonnull(c);
	h_mmu_init(h);
	h_ctx_new(h, 1);
	h_queue_init(h, 0, 8);
	h_cmds_init(c);
	h_nop(c);
	j = h_submit(h, 0, 1, c, SNPU_JOB_IRQ);
	h_run(h);
	ck_assert(h_qrd(h, 0, SNPU_QREG_STATUS) & SNPU_QSTAT_STOPPED);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_ERROR), SNPU_ERR_NO_FIRMWARE);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_ERROR), SNPU_ERR_NO_FIRMWARE);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_ERROR_INFO), 0);
	ck_assert(!h_done(h, &j));
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_RING_HEAD), 0);
	ck_assert_uint_eq(atomic_load(&h->irqs[SNPU_MSIX_ERROR(nq)]), 1);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_JOBS), 0);
	/* a failed boot does not open the queues either */
	h_qwr(h, 0, SNPU_QREG_CONTROL, 0);
	h_qwr(h, 0, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
	hdr()->magic = 0;
	ck_assert_uint_eq(h_boot_image(h, img, img_len), SNPU_FW_STATUS_ERROR);
	h->q[0].tail = 0;
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_qrd(h, 0, SNPU_QREG_ERROR), SNPU_ERR_NO_FIRMWARE);
	ck_assert(!h_done(h, &j));
	h_note_malformed(2);
	free(c);
}
END_TEST

START_TEST(reset_drops_firmware)
{
	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
	h_wr(h, SNPU_REG_SCRATCH, 0xabcd);
	h_wr(h, SNPU_REG_CONTROL, SNPU_CONTROL_SOFT_RESET);
	ck_assert(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_RESETTING);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS), 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_SCRATCH), 0);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_RESETS), 1);
	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
	snpu_core_reset(h->core);	/* FLR */
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_STATUS), SNPU_FW_STATUS_OFF);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_VERSION), 0);
	h_run(h);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_STATUS) & SNPU_STATUS_READY, 0);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_RESETS), 2);
	ck_assert_uint_eq(h_boot(h), SNPU_FW_STATUS_RUNNING);
}
END_TEST

START_TEST(firmware_caps_gate_commands)
{
	uint32_t caps = SNPU_CAP_ALL & ~(SNPU_CAP_SRAM | SNPU_CAP_FENCE | SNPU_CAP_PROFILE |
					SNPU_CAP_CONV);
	struct h_cmds *c = malloc(sizeof(*c));
	struct snpu_job_desc d;
	struct h_job j;

	ck_assert_ptr_nonnull(c);
	hdr()->caps = caps | 0xffff0000u;	/* unknown bits are not reported */
	h_fw_reseal(img, img_len, false);
	ck_assert_uint_eq(h_boot_image(h, img, img_len), SNPU_FW_STATUS_RUNNING);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_FW_CAPS), caps);
	h_mmu_init(h);
	h_ctx_new(h, 1);
	h_map_new(h, 1, 0x100000, 4096);
	h_queue_init(h, 0, 8);
	/* FENCE needs SNPU_CAP_FENCE */
	h_cmds_init(c);
	h_nop(c);
	h_fence(c, 0x100000, 1);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_OPCODE);
	ck_assert_uint_eq(h_compl(h, &j)->failed_cmd, 1);
	/* CONV2D needs SNPU_CAP_CONV: refused before any field check */
	h_cmds_init(c);
	h_cmd(c, SNPU_OP_CONV2D, sizeof(struct snpu_cmd_conv2d));
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_OPCODE);
	/* the SRAM window needs SNPU_CAP_SRAM */
	h_cmds_init(c);
	h_fill(c, SNPU_SRAM_VA, 8, 1);
	j = h_submit(h, 0, 1, c, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_SRAM_RANGE);
	ck_assert_uint_eq(h_compl(h, &j)->fault_va, SNPU_SRAM_VA);
	/* a profiled job needs SNPU_CAP_PROFILE */
	h_cmds_init(c);
	h_nop(c);
	memset(&d, 0, sizeof(d));
	d.cmd_addr = h_alloc(h, 8, 8);
	memcpy(h_ptr(h, d.cmd_addr), c->buf, 8);
	d.cmd_size = 8;
	d.ctx_id = 1;
	d.flags = SNPU_JOB_PROFILE;
	d.num_profile = 1;
	d.profile_va = 0x100000;
	j = h_queue_desc(h, 0, &d);
	h_doorbell(h, 0);
	h_run(h);
	ck_assert_uint_eq(h_compl(h, &j)->status, SNPU_ERR_RESERVED);
	ck_assert_uint_eq(h_compl(h, &j)->failed_cmd, SNPU_COMPL_NO_CMD);
	h_note_malformed(4);
	free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_boot");
	TCase *tc = tcase_create("boot");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, boot_good);
	tcase_add_test(tc, boot_bad_magic);
	tcase_add_test(tc, boot_bad_header_version);
	tcase_add_test(tc, boot_bad_reserved);
	tcase_add_test(tc, boot_bad_crc);
	tcase_add_test(tc, boot_bad_digest);
	tcase_add_test(tc, boot_bad_api);
	tcase_add_test(tc, boot_bad_section);
	tcase_add_test(tc, boot_bad_image_size);
	tcase_add_test(tc, boot_size_bounds);
	tcase_add_test(tc, boot_dma_error);
	tcase_add_test(tc, boot_truncated_and_garbage);
	tcase_add_test(tc, doorbell_state_rules);
	tcase_add_test(tc, boot_irq_masked);
	tcase_add_test(tc, queue_before_firmware);
	tcase_add_test(tc, reset_drops_firmware);
	tcase_add_test(tc, firmware_caps_gate_commands);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("boot");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
