// SPDX-License-Identifier: MIT
/*
 * SNPU device core end to end: the worked example of docs/hardware.md
 * section 22 (DMA in, int8 3x3 conv + bias + per-channel requant + ReLU
 * from SRAM to SRAM with weights in DRAM, DMA out, fence) through rings,
 * MMU and tensor engine, bit-exact against the CPU reference
 * (libaccel/src/ref), while a job of another context on another queue
 * touches an unmapped VA and faults precisely. Also checks the counters
 * and the timing model (profile records) of the example.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core_harness.h"
#include "snpu_layout.h"
#include "snpu_ref.h"

#define VA_IO		0x100000ull
#define VA_OUT		0x101000ull
#define VA_FENCE	0x102000ull
#define VA_W		0x200000ull
#define VA_BIAS		0x200480ull
#define VA_RQ		0x2004c0ull
#define VA_PROF		0x300000ull
#define DRAM_W		0x10000ull	/* DRAM offset of the weights page */

/* The reference's memory: SRAM and the weights page. */
struct ref_space {
	uint8_t sram[0x2000];
	uint8_t wpage[0x1000];
};

static int ref_span(struct ref_space *s, uint64_t va, size_t len, uint8_t **p)
{
	if (va >= SNPU_SRAM_VA && va - SNPU_SRAM_VA + len <= sizeof(s->sram)) {
		*p = s->sram + (va - SNPU_SRAM_VA);
		return SNPU_OK;
	}
	if (va >= VA_W && va - VA_W + len <= sizeof(s->wpage)) {
		*p = s->wpage + (va - VA_W);
		return SNPU_OK;
	}
	return SNPU_ERR_MMU_FAULT;
}

static int ref_read(void *ctx, uint64_t va, void *dst, size_t len)
{
	uint8_t *p;
	int err = ref_span(ctx, va, len, &p);

	if (!err)
		memcpy(dst, p, len);
	return err;
}

static int ref_write(void *ctx, uint64_t va, const void *src, size_t len)
{
	uint8_t *p;
	int err = ref_span(ctx, va, len, &p);

	if (!err)
		memcpy(p, src, len);
	return err;
}

static void build_example(struct h_cmds *c, struct snpu_cmd_conv2d **cvp)
{
	struct snpu_cmd_dma_copy *in, *out;
	struct snpu_cmd_conv2d *cv;
	struct snpu_cmd_fence *fe;
	const uint64_t SRAM = SNPU_SRAM_VA;

	in = h_cmd(c, SNPU_OP_DMA_COPY, sizeof(*in));
	in->src = VA_IO;
	in->dst = SRAM;
	in->row_bytes = 2048;
	in->rows = 1;
	cv = h_cmd(c, SNPU_OP_CONV2D, sizeof(*cv));
	ck_assert_int_eq(snpu_tensor_init(&cv->input, SRAM, SNPU_DT_INT8, SNPU_LAYOUT_NHWC,
					  1, 8, 16, 16), 0);
	cv->input.zero_point = -128;
	cv->input.scale = snpu_f32_bits(1.0f / 128);
	ck_assert_int_eq(snpu_tensor_init(&cv->weight, VA_W, SNPU_DT_INT8, SNPU_LAYOUT_OHWI,
					  16, 8, 3, 3), 0);
	cv->weight.scale = snpu_f32_bits(0.01f);
	ck_assert_int_eq(snpu_tensor_init(&cv->output, SRAM + 0x1000, SNPU_DT_INT8,
					  SNPU_LAYOUT_NHWC, 1, 16, 16, 16), 0);
	cv->output.zero_point = -128;
	cv->output.scale = snpu_f32_bits(1.0f / 64);
	cv->epi.flags = SNPU_EPI_BIAS | SNPU_EPI_PER_CHANNEL;
	cv->epi.bias_addr = VA_BIAS;
	cv->epi.requant_addr = VA_RQ;
	cv->epi.act.fn = SNPU_ACT_RELU;
	cv->stride_h = cv->stride_w = cv->dilation_h = cv->dilation_w = 1;
	cv->pad_top = cv->pad_left = cv->pad_bottom = cv->pad_right = 1;
	cv->groups = 1;
	out = h_cmd(c, SNPU_OP_DMA_COPY, sizeof(*out));
	out->src = SRAM + 0x1000;
	out->dst = VA_OUT;
	out->row_bytes = 4096;
	out->rows = 1;
	fe = h_cmd(c, SNPU_OP_FENCE, sizeof(*fe));
	fe->addr = VA_FENCE;
	fe->value = 1;
	*cvp = cv;
}

START_TEST(worked_example_with_concurrent_fault)
{
	struct harness *h = h_new_ready(NULL, 16);
	struct h_cmds *c = malloc(sizeof(*c)), *c2 = malloc(sizeof(*c2));
	struct ref_space *rs = calloc(1, sizeof(*rs));
	uint8_t *dram = snpu_core_dram(h->core);
	struct snpu_ref_mem rm;
	struct snpu_cmd_conv2d *cv;
	struct snpu_profile_rec *prof;
	struct snpu_job_desc d;
	struct h_job job, bad;
	uint64_t io, macs0, pred_sum = 0;
	uint8_t *pio;
	char msg[200] = "";
	int rc;

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(c2);
	ck_assert_ptr_nonnull(rs);
	/* context 1: io pages in host memory, weights page in DRAM */
	io = h_map_new(h, 1, VA_IO, 3 * 4096);
	h_map(h, 1, VA_W, DRAM_W, 4096, SNPU_PTE_READ | SNPU_PTE_DRAM);
	h_map_new(h, 1, VA_PROF, 4096);
	pio = h_ptr(h, io);
	srand(22);
	for (int i = 0; i < 2048; i++)
		pio[i] = (uint8_t)rand();
	for (int i = 0; i < 1152; i++)
		rs->wpage[i] = (uint8_t)(rand() % 255 - 127);
	for (int o = 0; o < 16; o++) {
		int32_t b = rand() % 20001 - 10000;
		struct snpu_requant rq = { 1073741824 + rand() % 1073741823, -7 + rand() % 3 };

		memcpy(rs->wpage + 0x480 + 4 * o, &b, 4);
		memcpy(rs->wpage + 0x4c0 + 8 * o, &rq, 8);
	}
	memcpy(dram + DRAM_W, rs->wpage, 4096);
	memcpy(rs->sram, pio, 2048);	/* what command 0 puts in SRAM */

	h_cmds_init(c);
	build_example(c, &cv);
	ck_assert_uint_eq(c->len, 424);
	/* the oracle */
	memset(&rm, 0, sizeof(rm));
	rm.ctx = rs;
	rm.read = ref_read;
	rm.write = ref_write;
	rc = snpu_ref_execute(&rm, &cv->hdr, sizeof(*cv), msg, sizeof(msg));
	ck_assert_msg(rc == SNPU_OK, "reference: %d %s", rc, msg);

	/* the job, profiled */
	memset(&d, 0, sizeof(d));
	d.cmd_addr = h_alloc(h, c->len, 8);
	memcpy(h_ptr(h, d.cmd_addr), c->buf, c->len);
	d.cmd_size = (uint32_t)c->len;
	d.ctx_id = 1;
	d.flags = SNPU_JOB_IRQ | SNPU_JOB_PROFILE;
	d.num_profile = 4;
	d.profile_va = VA_PROF;
	job = h_queue_desc(h, 0, &d);
	/* meanwhile context 2 on queue 1 reads a VA it does not map (ctx 1's
	 * io VA) */
	h_cmds_init(c2);
	h_copy(c2, VA_IO + 64, SNPU_SRAM_VA + 0x1800, 64, 1, 0, 0);
	bad = h_queue_job(h, 1, 2, c2, SNPU_JOB_IRQ);
	macs0 = h_counter(h, SNPU_CNT_MACS);
	h_doorbell(h, 1);
	h_doorbell(h, 0);
	h_run(h);

	ck_assert_uint_eq(h_compl(h, &job)->status, SNPU_OK);
	ck_assert_uint_eq(h_compl(h, &job)->cmds_done, 4);
	ck_assert_uint_eq(h_compl(h, &job)->fault_flags, 0);
	ck_assert_int_eq(memcmp(pio + 0x1000, rs->sram + 0x1000, 4096), 0);	/* bit-exact */
	ck_assert_uint_eq(*(uint64_t *)(void *)(pio + 0x2000), 1);
	ck_assert_uint_eq(h_counter(h, SNPU_CNT_MACS) - macs0, 294912);
	ck_assert_uint_eq(h_compl(h, &bad)->status, SNPU_ERR_MMU_FAULT);
	ck_assert_uint_eq(h_compl(h, &bad)->fault_va, VA_IO + 64);
	ck_assert_uint_eq(h_compl(h, &bad)->fault_ctx, 2);
	ck_assert_uint_eq(h_compl(h, &bad)->failed_cmd, 0);
	ck_assert_uint_eq(h_rd(h, SNPU_REG_MMU_FAULT_QUEUE), 1);
	/* timing (docs 22): every command depends on the one before */
	prof = h_ptr(h, h_pte(h, 1, VA_PROF)[0] & SNPU_PTE_ADDR_MASK);
	ck_assert_uint_eq(prof[0].pred_cycles, 324);
	/* The conv (docs 18.2/22): 64 + max(3 K-tiles * (256 + 32 + 32 - 2)
	 * = 954 on the weight-stationary 32 x 32 array, memory 53) */
	ck_assert_uint_eq(prof[1].pred_cycles, 1018);
	ck_assert_uint_eq(prof[2].pred_cycles, 584);
	ck_assert_uint_eq(prof[3].pred_cycles, 64 + 2);	/* 8 bytes over PCIe */
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(prof[i].index, (uint32_t)i);
		ck_assert_uint_eq(prof[i].status, SNPU_OK);
		pred_sum += prof[i].pred_cycles;
	}
	ck_assert_uint_eq(prof[1].opcode, SNPU_OP_CONV2D);
	ck_assert_uint_eq(h_compl(h, &job)->pred_cycles, pred_sum);
	ck_assert_uint_eq(pred_sum, 324 + 1018 + 584 + 66);	/* docs 22: 1992 */
	free(c);
	free(c2);
	free(rs);
	h_free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_e2e");
	TCase *tc = tcase_create("e2e");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, worked_example_with_concurrent_fault);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	h_stats_print("e2e");
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
