// SPDX-License-Identifier: MIT
/*
 * Host test harness for the SNPU device core (see core_harness.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core_harness.h"
#include "snpu_fwimage.h"

/* ---- Suite statistics in memory shared with Check's forked children ---- */
struct h_stats {
	atomic_ulong commands, faults, malformed;
};
static struct h_stats *stats;

static void stats_init(void)
{
	void *p;

	if (stats)
		return;
	p = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		perror("core_harness: mmap");
		exit(2);
	}
	stats = p;
}

__attribute__((constructor)) static void harness_ctor(void)
{
	stats_init();
}

void h_note_malformed(unsigned int n)
{
	atomic_fetch_add(&stats->malformed, n);
}

void h_stats_print(const char *suite)
{
	printf("core %s: %lu commands, %lu faults, %lu malformed descriptors exercised\n",
	       suite, atomic_load(&stats->commands), atomic_load(&stats->faults),
	       atomic_load(&stats->malformed));
}

static void die(const char *what)
{
	fprintf(stderr, "core_harness: %s\n", what);
	abort();
}

/* ---- Host ops ----------------------------------------------------------- */
static bool bus_range(struct harness *h, uint64_t addr, size_t len, uint64_t *off)
{
	if (addr < H_MEM_BASE || addr - H_MEM_BASE > H_MEM_SIZE ||
	    len > H_MEM_SIZE - (addr - H_MEM_BASE))
		return false;
	if (h->bus_fail_hi > h->bus_fail_lo && addr < h->bus_fail_hi &&
	    addr + len > h->bus_fail_lo)
		return false;
	*off = addr - H_MEM_BASE;
	return true;
}

static int op_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	struct harness *h = opaque;
	uint64_t off;

	if (!bus_range(h, addr, len, &off))
		return -1;
	memcpy(buf, h->mem + off, len);
	return 0;
}

static int op_dma_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
	struct harness *h = opaque;
	uint64_t off;

	if (!bus_range(h, addr, len, &off))
		return -1;
	memcpy(h->mem + off, buf, len);
	return 0;
}

static void op_irq(void *opaque, unsigned int vector)
{
	struct harness *h = opaque;

	if (vector > SNPU_MAX_QUEUES)
		die("irq vector out of range");
	atomic_fetch_add(&h->irqs[vector], 1);
}

static uint64_t op_clock(void *opaque)
{
	struct harness *h = opaque;
	struct timespec ts;

	if (h->real_clock) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	return atomic_fetch_add(&h->now_ns, 1);
}

static void op_kick(void *opaque)
{
	struct harness *h = opaque;

	atomic_fetch_add(&h->kicks, 1);
	if (h->wrunning) {
		pthread_mutex_lock(&h->wlock);
		h->wkick = true;
		pthread_cond_signal(&h->wcond);
		pthread_mutex_unlock(&h->wlock);
	}
}

static void op_log(void *opaque, enum snpu_log_level level, const char *msg)
{
	struct harness *h = opaque;

	if (level == SNPU_LOG_GUEST_ERROR)
		atomic_fetch_add(&h->guest_errors, 1);
	pthread_mutex_lock(&h->log_lock);
	snprintf(h->last_log, sizeof(h->last_log), "%s", msg);
	pthread_mutex_unlock(&h->log_lock);
	if (!h->quiet && getenv("SNPU_TEST_VERBOSE"))
		fprintf(stderr, "[core log %d] %s\n", level, msg);
}

/* ---- Lifetime --------------------------------------------------------------- */
void h_small_config(struct snpu_config *cfg)
{
	snpu_config_defaults(cfg);
	cfg->dram_size = 64ull << 20;
	cfg->sram_size = 1u << 20;
	cfg->threads = 1;
}

struct harness *h_new(const struct snpu_config *cfg)
{
	struct snpu_host_ops ops = {
		.dma_read = op_dma_read, .dma_write = op_dma_write, .irq = op_irq,
		.clock_ns = op_clock, .kick = op_kick, .log = op_log,
	};
	struct harness *h = calloc(1, sizeof(*h));
	char err[200];

	if (!h)
		die("out of memory");
	if (cfg)
		h->cfg = *cfg;
	else
		h_small_config(&h->cfg);
	h->mem = calloc(1, H_MEM_SIZE);
	if (!h->mem)
		die("out of memory for host memory");
	atomic_store(&h->now_ns, 1000000);
	pthread_mutex_init(&h->log_lock, NULL);
	pthread_mutex_init(&h->wlock, NULL);
	pthread_cond_init(&h->wcond, NULL);
	h->next = 4096;	/* keep bus address H_MEM_BASE unused */
	ops.opaque = h;
	h->core = snpu_core_new(&h->cfg, &ops, err, sizeof(err));
	if (!h->core) {
		fprintf(stderr, "core_harness: snpu_core_new: %s\n", err);
		abort();
	}
	return h;
}

struct harness *h_new_ready(const struct snpu_config *cfg, uint32_t ring_entries)
{
	struct harness *h = h_new(cfg);

	if (h_boot(h) != SNPU_FW_STATUS_RUNNING)
		die("the firmware image did not boot");
	h_mmu_init(h);
	h_ctx_new(h, 1);
	h_ctx_new(h, 2);
	for (unsigned int q = 0; q < h->cfg.num_queues; q++)
		h_queue_init(h, q, ring_entries);
	h_wr(h, SNPU_REG_IRQ_STATUS, 0xffffffff);
	for (unsigned int v = 0; v <= SNPU_MAX_QUEUES; v++)
		atomic_store(&h->irqs[v], 0);
	return h;
}

void h_free(struct harness *h)
{
	if (!h)
		return;
	if (h->wrunning)
		h_worker_stop(h);
	/* commands exercised: every command the device ran to an outcome */
	atomic_fetch_add(&stats->commands, h_counter(h, SNPU_CNT_COMMANDS) +
			 h_counter(h, SNPU_CNT_ERRORS) + h_counter(h, SNPU_CNT_FAULTS));
	atomic_fetch_add(&stats->faults, h_counter(h, SNPU_CNT_FAULTS));
	snpu_core_free(h->core);
	pthread_mutex_destroy(&h->log_lock);
	pthread_mutex_destroy(&h->wlock);
	pthread_cond_destroy(&h->wcond);
	free(h->mem);
	free(h);
}

/* ---- Memory -------------------------------------------------------------------- */
uint64_t h_alloc(struct harness *h, size_t size, size_t align)
{
	uint64_t off = (h->next + align - 1) / align * align;

	if (off + size > H_MEM_SIZE)
		die("host memory exhausted");
	h->next = off + size;
	memset(h->mem + off, 0, size);
	return H_MEM_BASE + off;
}

void *h_ptr(struct harness *h, uint64_t bus)
{
	if (bus < H_MEM_BASE || bus - H_MEM_BASE >= H_MEM_SIZE)
		die("h_ptr: address outside host memory");
	return h->mem + (bus - H_MEM_BASE);
}

/* ---- Registers and running ------------------------------------------------------ */
uint32_t h_rd(struct harness *h, uint32_t off)
{
	return snpu_core_reg_read(h->core, off);
}

void h_wr(struct harness *h, uint32_t off, uint32_t v)
{
	snpu_core_reg_write(h->core, off, v);
}

uint32_t h_qrd(struct harness *h, unsigned int q, uint32_t r)
{
	return h_rd(h, SNPU_REG_QUEUE(q, r));
}

void h_qwr(struct harness *h, unsigned int q, uint32_t r, uint32_t v)
{
	h_wr(h, SNPU_REG_QUEUE(q, r), v);
}

uint64_t h_counter(struct harness *h, enum snpu_counter c)
{
	uint64_t lo = h_rd(h, SNPU_REG_COUNTER_LO(c));

	return lo | ((uint64_t)h_rd(h, SNPU_REG_COUNTER_HI(c)) << 32);
}

void h_advance(struct harness *h, uint64_t ns)
{
	atomic_fetch_add(&h->now_ns, ns);
}

int64_t h_run_once(struct harness *h)
{
	return snpu_core_run(h->core);
}

int64_t h_run_for(struct harness *h, uint64_t max_ns)
{
	uint64_t spent = 0;
	int64_t d = -1;

	if (!max_ns)
		max_ns = 10000000000ull;
	for (unsigned int i = 0; i < 1000000; i++) {
		d = snpu_core_run(h->core);
		if (d < 0)
			return d;
		if (spent >= max_ns)
			return d;
		if (d > 0) {
			h_advance(h, (uint64_t)d);
			spent += (uint64_t)d;
		}
	}
	return d;
}

int64_t h_run(struct harness *h)
{
	return h_run_for(h, 0);
}

/* ---- Firmware --------------------------------------------------------------------- */
void *h_fw_image(size_t *len)
{
	FILE *f = fopen(SNPU_TEST_FW_IMAGE, "rb");
	void *buf;
	long n;

	if (!f) {
		fprintf(stderr, "core_harness: %s: %s\n", SNPU_TEST_FW_IMAGE, strerror(errno));
		abort();
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("cannot read the firmware image");
	fclose(f);
	*len = (size_t)n;
	return buf;
}

uint32_t h_boot_image(struct harness *h, const void *img, size_t len)
{
	uint64_t a = h_alloc(h, len ? len : 1, 4096);

	memcpy(h_ptr(h, a), img, len);
	h_wr(h, SNPU_REG_FW_ADDR_LO, (uint32_t)a);
	h_wr(h, SNPU_REG_FW_ADDR_HI, (uint32_t)(a >> 32));
	h_wr(h, SNPU_REG_FW_SIZE, (uint32_t)len);
	h_wr(h, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	h_run(h);
	return h_rd(h, SNPU_REG_FW_STATUS);
}

uint32_t h_boot(struct harness *h)
{
	size_t len;
	void *img = h_fw_image(&len);
	uint32_t st = h_boot_image(h, img, len);

	free(img);
	return st;
}

void h_fw_reseal(void *img, size_t len, bool digest)
{
	struct snpu_fw_header *hd = img;
	uint8_t *p = img;
	uint32_t crc;

	if (digest)
		snpu_sha256(p + hd->header_size, len - hd->header_size, hd->sha256);
	hd->crc32 = 0;
	crc = snpu_crc32(0, p, len);	/* with the crc32 field read as zero */
	hd->crc32 = crc;
}

/* ---- MMU --------------------------------------------------------------------------- */
void h_mmu_init(struct harness *h)
{
	h->ctx_table = h_alloc(h, H_MAX_CTX * sizeof(struct snpu_mmu_ctx), 4096);
	h_wr(h, SNPU_REG_MMU_CTX_TABLE_LO, (uint32_t)h->ctx_table);
	h_wr(h, SNPU_REG_MMU_CTX_TABLE_HI, (uint32_t)(h->ctx_table >> 32));
	h_wr(h, SNPU_REG_MMU_CTX_COUNT, H_MAX_CTX);
}

void h_ctx_new(struct harness *h, uint32_t ctx)
{
	struct snpu_mmu_ctx *e;

	if (ctx >= H_MAX_CTX)
		die("context id too large for the harness");
	h->ctx_root[ctx] = h_alloc(h, 4096, 4096);
	e = h_ptr(h, h->ctx_table + ctx * sizeof(*e));
	e->pt_root = h->ctx_root[ctx] | SNPU_CTX_VALID;
	e->flags = 0;
	e->reserved = 0;
	h_wr(h, SNPU_REG_MMU_INVALIDATE, ctx);
}

static uint64_t *pte_slot(struct harness *h, uint32_t ctx, uint64_t va, bool create)
{
	uint64_t table = h->ctx_root[ctx];

	if (!table)
		die("context has no page table");
	for (int level = 0; level < SNPU_PT_LEVELS - 1; level++) {
		uint64_t *e = (uint64_t *)h_ptr(h, table) + SNPU_PT_INDEX(va, level);

		if (!(*e & SNPU_PTE_VALID)) {
			if (!create)
				return NULL;
			*e = h_alloc(h, 4096, 4096) | SNPU_PTE_VALID | SNPU_PTE_TABLE;
		}
		table = *e & SNPU_PTE_ADDR_MASK;
	}
	return (uint64_t *)h_ptr(h, table) + SNPU_PT_INDEX(va, SNPU_PT_LEVELS - 1);
}

uint64_t *h_pte(struct harness *h, uint32_t ctx, uint64_t va)
{
	return pte_slot(h, ctx, va, false);
}

void h_map(struct harness *h, uint32_t ctx, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t flags)
{
	for (uint64_t o = 0; o < size; o += SNPU_PAGE_SIZE)
		*pte_slot(h, ctx, va + o, true) = ((pa + o) & SNPU_PTE_ADDR_MASK) |
						   SNPU_PTE_VALID | flags;
	h_wr(h, SNPU_REG_MMU_INVALIDATE, ctx);
}

uint64_t h_map_new(struct harness *h, uint32_t ctx, uint64_t va, uint64_t size)
{
	uint64_t pa = h_alloc(h, size, 4096);

	h_map(h, ctx, va, pa, size, SNPU_PTE_READ | SNPU_PTE_WRITE);
	return pa;
}

/* ---- Queues and jobs ------------------------------------------------------------------ */
void h_queue_init(struct harness *h, unsigned int q, uint32_t entries)
{
	struct h_queue *hq = &h->q[q];

	hq->ring = h_alloc(h, entries * sizeof(struct snpu_job_desc), 4096);
	hq->size = entries;
	hq->tail = 0;
	h_qwr(h, q, SNPU_QREG_RING_BASE_LO, (uint32_t)hq->ring);
	h_qwr(h, q, SNPU_QREG_RING_BASE_HI, (uint32_t)(hq->ring >> 32));
	h_qwr(h, q, SNPU_QREG_RING_SIZE, entries);
	h_qwr(h, q, SNPU_QREG_CONTROL, SNPU_QCTRL_ENABLE);
}

void h_cmds_init(struct h_cmds *c)
{
	c->len = 0;
	c->n = 0;
}

void *h_cmd(struct h_cmds *c, uint16_t opcode, size_t size)
{
	struct snpu_cmd_header *hd;

	if (c->len + size > sizeof(c->buf) || size % 8 || size < sizeof(*hd))
		die("h_cmd: bad command size or stream full");
	hd = (void *)(c->buf + c->len);
	memset(hd, 0, size);
	hd->opcode = opcode;
	hd->size = (uint16_t)size;
	c->len += size;
	c->n++;
	return hd;
}

void h_nop(struct h_cmds *c)
{
	h_cmd(c, SNPU_OP_NOP, sizeof(struct snpu_cmd_header));
}

void h_copy(struct h_cmds *c, uint64_t src, uint64_t dst, uint32_t row_bytes,
	    uint32_t rows, uint32_t src_stride, uint32_t dst_stride)
{
	struct snpu_cmd_dma_copy *d = h_cmd(c, SNPU_OP_DMA_COPY, sizeof(*d));

	d->src = src;
	d->dst = dst;
	d->row_bytes = row_bytes;
	d->rows = rows;
	d->src_stride = src_stride;
	d->dst_stride = dst_stride;
}

void h_fill(struct h_cmds *c, uint64_t dst, uint32_t size, uint32_t value)
{
	struct snpu_cmd_dma_fill *d = h_cmd(c, SNPU_OP_DMA_FILL, sizeof(*d));

	d->dst = dst;
	d->size = size;
	d->value = value;
}

void h_fence(struct h_cmds *c, uint64_t addr, uint64_t value)
{
	struct snpu_cmd_fence *d = h_cmd(c, SNPU_OP_FENCE, sizeof(*d));

	d->addr = addr;
	d->value = value;
}

void h_wait(struct h_cmds *c, uint64_t addr, uint64_t value, uint32_t op, uint32_t timeout_us)
{
	struct snpu_cmd_wait *d = h_cmd(c, SNPU_OP_WAIT, sizeof(*d));

	d->addr = addr;
	d->value = value;
	d->op = op;
	d->timeout_us = timeout_us;
}

void h_timestamp(struct h_cmds *c, uint64_t addr)
{
	struct snpu_cmd_timestamp *d = h_cmd(c, SNPU_OP_TIMESTAMP, sizeof(*d));

	d->addr = addr;
}

void h_counters_cmd(struct h_cmds *c, uint64_t addr)
{
	struct snpu_cmd_counters *d = h_cmd(c, SNPU_OP_COUNTERS, sizeof(*d));

	d->addr = addr;
}

struct h_job h_queue_desc(struct harness *h, unsigned int q, struct snpu_job_desc *d)
{
	struct h_queue *hq = &h->q[q];
	struct h_job j = { .queue = q };

	if (!d->seqno)
		d->seqno = ++hq->seqno;
	if (!d->completion_addr)
		d->completion_addr = h_alloc(h, sizeof(struct snpu_completion), 64);
	memcpy(h_ptr(h, hq->ring + (uint64_t)(hq->tail % hq->size) * sizeof(*d)), d, sizeof(*d));
	hq->tail++;
	j.seqno = d->seqno;
	j.compl = d->completion_addr;
	j.cmd = d->cmd_addr;
	return j;
}

struct h_job h_queue_job(struct harness *h, unsigned int q, uint32_t ctx,
			 const struct h_cmds *c, uint32_t flags)
{
	struct snpu_job_desc d;

	memset(&d, 0, sizeof(d));
	d.cmd_addr = h_alloc(h, c->len ? c->len : 8, 8);
	memcpy(h_ptr(h, d.cmd_addr), c->buf, c->len);
	d.cmd_size = (uint32_t)c->len;
	d.ctx_id = ctx;
	d.flags = flags;
	return h_queue_desc(h, q, &d);
}

void h_doorbell(struct harness *h, unsigned int q)
{
	h_qwr(h, q, SNPU_QREG_RING_TAIL, h->q[q].tail);
}

struct h_job h_submit(struct harness *h, unsigned int q, uint32_t ctx,
		      const struct h_cmds *c, uint32_t flags)
{
	struct h_job j = h_queue_job(h, q, ctx, c, flags);

	h_doorbell(h, q);
	return j;
}

struct snpu_completion *h_compl(struct harness *h, const struct h_job *j)
{
	return h_ptr(h, j->compl);
}

bool h_done(struct harness *h, const struct h_job *j)
{
	volatile struct snpu_completion *c = h_compl(h, j);

	return c->flags & SNPU_COMPL_DONE;
}

/* ---- Worker thread mode ---------------------------------------------------------------- */
static void *worker_main(void *arg)
{
	struct harness *h = arg;
	int64_t d = -1;

	pthread_mutex_lock(&h->wlock);
	while (!h->wstop) {
		if (!h->wkick) {
			if (d < 0) {
				pthread_cond_wait(&h->wcond, &h->wlock);
			} else {
				struct timespec ts;

				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += d;
				ts.tv_sec += ts.tv_nsec / 1000000000;
				ts.tv_nsec %= 1000000000;
				pthread_cond_timedwait(&h->wcond, &h->wlock, &ts);
			}
		}
		if (h->wstop)
			break;
		h->wkick = false;
		pthread_mutex_unlock(&h->wlock);
		d = snpu_core_run(h->core);
		pthread_mutex_lock(&h->wlock);
	}
	pthread_mutex_unlock(&h->wlock);
	return NULL;
}

void h_worker_start(struct harness *h)
{
	h->real_clock = true;
	h->wstop = false;
	h->wkick = true;
	h->wrunning = true;
	if (pthread_create(&h->worker, NULL, worker_main, h))
		die("cannot start the worker thread");
}

void h_worker_stop(struct harness *h)
{
	pthread_mutex_lock(&h->wlock);
	h->wstop = true;
	pthread_cond_signal(&h->wcond);
	pthread_mutex_unlock(&h->wlock);
	pthread_join(h->worker, NULL);
	h->wrunning = false;
}

bool h_wait_done(struct harness *h, const struct h_job *j, unsigned int timeout_ms)
{
	for (unsigned int i = 0; i < timeout_ms * 10; i++) {
		if (h_done(h, j))
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
	return h_done(h, j);
}
