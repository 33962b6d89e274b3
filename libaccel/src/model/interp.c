// SPDX-License-Identifier: MIT
/* CPU execution of a lowered command stream (see interp.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../ref/snpu_ref.h"
#include "../sim.h"
#include "interp.h"
#include "snpu_cmd.h"
#include "snpu_fwimage.h"

#define INTERP_MAX_BUFS 64

struct span {
	uint64_t va, size;
	uint8_t *cpu;
};

struct imem {
	struct span s[INTERP_MAX_BUFS];
	uint32_t n;
};

static uint8_t *resolve(struct imem *m, uint64_t va, size_t len)
{
	uint32_t i;

	for (i = 0; i < m->n; i++)
		if (va >= m->s[i].va && len <= m->s[i].size && va - m->s[i].va <= m->s[i].size - len)
			return m->s[i].cpu + (va - m->s[i].va);
	return NULL;
}

static int mem_read(void *ctx, uint64_t va, void *dst, size_t len)
{
	uint8_t *p = resolve(ctx, va, len);

	if (!p)
		return SNPU_ERR_MMU_FAULT;
	memcpy(dst, p, len);
	return SNPU_OK;
}

static int mem_write(void *ctx, uint64_t va, const void *src, size_t len)
{
	uint8_t *p = resolve(ctx, va, len);

	if (!p)
		return SNPU_ERR_MMU_FAULT;
	memcpy(p, src, len);
	return SNPU_OK;
}

static accel_status dma(struct imem *m, const struct snpu_cmd_header *h, uint32_t idx)
{
	if (h->opcode == SNPU_OP_DMA_COPY) {
		const struct snpu_cmd_dma_copy *c = (const void *)h;
		uint32_t r;

		for (r = 0; r < c->rows; r++) {
			uint8_t *s = resolve(m, c->src + (uint64_t)r * c->src_stride, c->row_bytes);
			uint8_t *d = resolve(m, c->dst + (uint64_t)r * c->dst_stride, c->row_bytes);

			if (!s || !d)
				return accel__fail(ACCEL_ERR_JOB_FAULT,
						   "cpu reference: command %u (copy): address outside the model's buffers",
						   idx);
			memmove(d, s, c->row_bytes);
		}
	} else if (h->opcode == SNPU_OP_DMA_FILL) {
		const struct snpu_cmd_dma_fill *c = (const void *)h;
		uint8_t *d = resolve(m, c->dst, c->size);
		uint32_t i;

		if (!d)
			return accel__fail(ACCEL_ERR_JOB_FAULT,
					   "cpu reference: command %u (fill): address outside the model's buffers",
					   idx);
		for (i = 0; i + 4 <= c->size; i += 4)
			memcpy(d + i, &c->value, 4);
	}
	return ACCEL_OK;
}

/* The firmware's activation tables (read-only once loaded, kept for the
 * process: the image is not freed). */
static struct {
	pthread_once_t once;
	struct snpu_fw_info info;
	char why[1400];
	bool ok;
} fw = { .once = PTHREAD_ONCE_INIT };

static void fw_load(void)
{
	char path[1024], msg[160];
	uint8_t *img = NULL;
	size_t len = 0;
	enum snpu_fw_err e;

	if (accel__fw_find(path, sizeof(path)) || accel__fw_read(path, &img, &len)) {
		snprintf(fw.why, sizeof(fw.why), "%s", accel_last_error());
		return;
	}
	e = snpu_fw_parse(img, len, &fw.info, msg, sizeof(msg));
	if (e != SNPU_FW_OK) {
		snprintf(fw.why, sizeof(fw.why), "firmware %s: %s", path, msg);
		free(img);
		return;
	}
	fw.ok = true;	/* fw.info points into img, kept */
}

accel_status interp_tables(const struct snpu_fw_lut *const **lut, const uint32_t *const **samples)
{
	pthread_once(&fw.once, fw_load);
	if (!fw.ok)
		return accel__fail(ACCEL_ERR_FIRMWARE, "cpu reference: no activation tables: %s",
				   fw.why);
	*lut = fw.info.lut;
	*samples = fw.info.lut_samples;
	return ACCEL_OK;
}

accel_status interp_run(const accel_cmdbuf *cb, accel_buffer *const *bufs, uint32_t n)
{
	const struct snpu_fw_lut *const *lut = NULL;
	const uint32_t *const *samples = NULL;
	const uint8_t *p = accel_cmdbuf_data(cb), *end = p + accel_cmdbuf_size(cb);
	struct snpu_ref_mem rm;
	struct imem m;
	uint32_t i, idx = 0;
	char msg[160];

	memset(&m, 0, sizeof(m));
	if (n > INTERP_MAX_BUFS)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "cpu reference: %u buffers", n);
	for (i = 0; i < n; i++) {
		void *cpu;
		accel_status st;

		if (!bufs[i])
			continue;
		st = accel_buffer_map(bufs[i], &cpu);
		if (st)
			return st;
		m.s[m.n].va = accel_buffer_va(bufs[i]);
		m.s[m.n].size = accel_buffer_size(bufs[i]);
		m.s[m.n].cpu = cpu;
		m.n++;
	}
	memset(&rm, 0, sizeof(rm));
	rm.ctx = &m;
	rm.read = mem_read;
	rm.write = mem_write;
	if (!interp_tables(&lut, &samples)) {
		for (i = 0; i < SNPU_LUT_COUNT; i++) {
			rm.lut[i] = lut[i];
			rm.lut_samples[i] = samples[i];
		}
	}
	while (p < end) {
		const struct snpu_cmd_header *h = (const void *)p;
		accel_status st = ACCEL_OK;

		if ((size_t)(end - p) < sizeof(*h) || h->size < sizeof(*h) || h->size > end - p)
			return accel__fail(ACCEL_ERR_INVALID_ARG, "cpu reference: malformed stream");
		switch (h->opcode) {
		case SNPU_OP_NOP: case SNPU_OP_TIMESTAMP: case SNPU_OP_COUNTERS: case SNPU_OP_FENCE:
			break;
		case SNPU_OP_DMA_COPY: case SNPU_OP_DMA_FILL:
			st = dma(&m, h, idx);
			break;
		default: {
			int err = snpu_ref_execute(&rm, h, h->size, msg, sizeof(msg));

			if (err == SNPU_ERR_NO_LUT && !fw.ok)
				st = accel__fail(ACCEL_ERR_JOB_FAILED, "cpu reference: command %u: %s "
						 "(%s)", idx, msg, fw.why);
			else if (err)
				st = accel__fail(ACCEL_ERR_JOB_FAILED, "cpu reference: command %u: %s",
						 idx, msg);
			break;
		}
		}
		if (st)
			return st;
		p += h->size;
		idx++;
	}
	return ACCEL_OK;
}
