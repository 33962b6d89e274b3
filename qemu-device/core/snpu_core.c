// SPDX-License-Identifier: MIT
/*
 * SNPU device core: creation, configuration, interrupts, reset and the
 * worker entry point snpu_core_run(). Locking is described in
 * snpu_core_int.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include "snpu_core_int.h"

void snpu_config_defaults(struct snpu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->num_queues = 4;
	cfg->dram_size = 256ull << 20;
	cfg->sram_size = 4u << 20;
	cfg->num_contexts = 256;
	cfg->mac_rows = 32;
	cfg->mac_cols = 32;
	cfg->clock_mhz = 1000;
	cfg->dram_bw = 25600;
	cfg->sram_bw = 204800;
	cfg->pcie_bw = 7880;
	cfg->cmd_overhead = 64;
	cfg->threads = 2;	/* a small share of the host (0 = all cores) */
	cfg->pace = false;
}

static bool cfg_bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool cfg_bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool is_pow2_64(uint64_t v)
{
	return v && !(v & (v - 1));
}

static bool cfg_check(const struct snpu_config *c, char *err, size_t errlen)
{
	if (c->num_queues < 1 || c->num_queues > SNPU_MAX_QUEUES)
		return cfg_bad(err, errlen, "num_queues=%u: must be 1..%u",
			       c->num_queues, SNPU_MAX_QUEUES);
	if (!is_pow2_64(c->dram_size) || c->dram_size < (1ull << 20) ||
	    c->dram_size > (64ull << 30))
		return cfg_bad(err, errlen,
			       "dram_size=%llu: must be a power of two, 1 MiB..64 GiB",
			       (unsigned long long)c->dram_size);
	if (c->sram_size < 4096 || c->sram_size > (256u << 20) || c->sram_size % 4096)
		return cfg_bad(err, errlen,
			       "sram_size=%u: must be a multiple of 4096, 4 KiB..256 MiB",
			       c->sram_size);
	if (c->num_contexts < 1 || c->num_contexts > 65536)
		return cfg_bad(err, errlen, "num_contexts=%u: must be 1..65536",
			       c->num_contexts);
	if (c->mac_rows < 1 || c->mac_rows > 65535 || c->mac_cols < 1 || c->mac_cols > 65535)
		return cfg_bad(err, errlen, "mac array %ux%u: each side must be 1..65535",
			       c->mac_rows, c->mac_cols);
	if (c->clock_mhz < 1 || c->clock_mhz > 100000)
		return cfg_bad(err, errlen, "clock_mhz=%u: must be 1..100000", c->clock_mhz);
	if (!c->dram_bw || !c->sram_bw || !c->pcie_bw)
		return cfg_bad(err, errlen, "bandwidths (dram %u, sram %u, pcie %u MB/s) must be > 0",
			       c->dram_bw, c->sram_bw, c->pcie_bw);
	if (c->cmd_overhead > 1000000)
		return cfg_bad(err, errlen, "cmd_overhead=%u: must be <= 1000000", c->cmd_overhead);
	if (c->threads > 64)
		return cfg_bad(err, errlen, "threads=%u: must be 0..64 (0 = all host cores)",
			       c->threads);
	return true;
}

struct snpu_core *snpu_core_new(const struct snpu_config *cfg,
				const struct snpu_host_ops *ops,
				char *err, size_t errlen)
{
	struct snpu_core *core;

	if (!cfg || !ops) {
		cfg_bad(err, errlen, "no configuration or host ops given");
		return NULL;
	}
	if (!ops->dma_read || !ops->dma_write || !ops->irq || !ops->clock_ns || !ops->kick) {
		cfg_bad(err, errlen, "host ops: dma_read, dma_write, irq, clock_ns and kick are required");
		return NULL;
	}
	if (!cfg_check(cfg, err, errlen))
		return NULL;
	core = calloc(1, sizeof(*core));
	if (!core) {
		cfg_bad(err, errlen, "out of memory for the device state");
		return NULL;
	}
	core->cfg = *cfg;
	core->ops = *ops;
	core->timing = (struct snpu_timing){
		.mac_rows = cfg->mac_rows, .mac_cols = cfg->mac_cols,
		.clock_mhz = cfg->clock_mhz, .dram_bw = cfg->dram_bw,
		.sram_bw = cfg->sram_bw, .pcie_bw = cfg->pcie_bw,
		.cmd_overhead = cfg->cmd_overhead, .sram_size = cfg->sram_size,
	};
	if (pthread_mutex_init(&core->lock, NULL)) {
		free(core);
		cfg_bad(err, errlen, "cannot create the device lock");
		return NULL;
	}
	/* Page-aligned and zero-filled lazily: QEMU maps it into the guest as
	 * BAR2 RAM, which KVM can only do for page-aligned memory. */
	core->dram = mmap(NULL, cfg->dram_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (core->dram == MAP_FAILED)
		core->dram = NULL;
	core->sram = calloc(1, cfg->sram_size);
	core->bounce = malloc(SNPU_BOUNCE_SIZE);
	if (!core->dram || !core->sram || !core->bounce) {
		cfg_bad(err, errlen, "out of memory for %llu bytes of DRAM and %u of SRAM",
			(unsigned long long)cfg->dram_size, cfg->sram_size);
		snpu_core_free(core);
		return NULL;
	}
	core->clock_base = ops->clock_ns(ops->opaque);
	core->pool = snpu_te_pool_new(cfg->threads);
	core->sram_ctx = SNPU_CTX_NONE;
	core->last_ctx = SNPU_CTX_NONE;
	pthread_mutex_lock(&core->lock);
	snpu_reset_locked(core);
	core->status &= ~SNPU_STATUS_RESETTING;	/* nothing to abort at power-on */
	pthread_mutex_unlock(&core->lock);
	core->worker_epoch = atomic_load(&core->epoch);
	for (unsigned int i = 0; i < SNPU_NUM_COUNTERS; i++)
		atomic_store(&core->counters[i], 0);
	return core;
}

void snpu_core_free(struct snpu_core *core)
{
	if (!core)
		return;
	/* Jobs still in flight are dropped without a completion: the device
	 * is going away. */
	for (unsigned int q = 0; q < SNPU_MAX_QUEUES; q++) {
		struct snpu_exec *x = core->wq[q].job;

		if (x) {
			snpu_model_free(&x->model);
			free(x->cmds);
			free(x->sram_save);
			free(x);
		}
	}
	snpu_fw_tables_free(&core->fw);
	if (core->pool)
		snpu_te_pool_free(core->pool);
	if (core->dram)
		munmap(core->dram, core->cfg.dram_size);
	free(core->sram);
	free(core->bounce);
	pthread_mutex_destroy(&core->lock);
	free(core);
}

void *snpu_core_dram(struct snpu_core *core)
{
	return core->dram;
}

uint64_t snpu_core_dram_size(const struct snpu_core *core)
{
	return core->cfg.dram_size;
}

unsigned int snpu_core_msix_vectors(const struct snpu_core *core)
{
	return SNPU_MSIX_VECTORS(core->cfg.num_queues);
}

void snpu_logf(struct snpu_core *core, enum snpu_log_level lvl, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!core->ops.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	core->ops.log(core->ops.opaque, lvl, msg);
}

void snpu_count(struct snpu_core *core, enum snpu_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&core->counters[c], n, memory_order_relaxed);
}

/* The device clock: nanoseconds since the device was created. */
uint64_t snpu_now(struct snpu_core *core)
{
	return core->ops.clock_ns(core->ops.opaque) - core->clock_base;
}

void snpu_irq_raise_locked(struct snpu_core *core, uint32_t bits)
{
	core->irq_status |= bits;
	core->irq_send |= bits & ~core->irq_mask;
}

void snpu_irq_flush(struct snpu_core *core)
{
	uint32_t send;
	unsigned int nq = core->cfg.num_queues;

	pthread_mutex_lock(&core->lock);
	send = snpu_fi_irqs_locked(core, core->irq_send);
	core->irq_send = 0;
	pthread_mutex_unlock(&core->lock);
	for (unsigned int q = 0; q < nq; q++) {
		if (send & SNPU_IRQ_QUEUE(q)) {
			core->ops.irq(core->ops.opaque, SNPU_MSIX_QUEUE(q));
			snpu_count(core, SNPU_CNT_IRQS, 1);
		}
	}
	if (send & SNPU_IRQ_ERROR) {
		core->ops.irq(core->ops.opaque, SNPU_MSIX_ERROR(nq));
		snpu_count(core, SNPU_CNT_IRQS, 1);
	}
}

void snpu_reset_locked(struct snpu_core *core)
{
	atomic_fetch_add(&core->epoch, 1);
	core->status = SNPU_STATUS_RESETTING | (core->cfg.pace ? SNPU_STATUS_PACED : 0);
	core->error = 0;
	core->error_info = 0;
	core->scratch = 0;
	core->irq_status = 0;
	core->irq_mask = 0;
	core->irq_send = 0;
	core->ts_hi_latch = 0;
	memset(core->cnt_hi_latch, 0, sizeof(core->cnt_hi_latch));
	core->fw_addr = 0;
	core->fw_size = 0;
	core->fw_status = SNPU_FW_STATUS_OFF;
	core->fw_error = SNPU_FW_OK;
	core->fw_version = 0;
	core->fw_caps = 0;
	core->fw_api = 0;
	core->boot_pending = false;
	core->mmu_ctx_table = 0;
	core->mmu_ctx_count = 0;
	core->fault_status = 0;
	core->fault_ctx = 0;
	core->fault_queue = 0;
	core->fault_va = 0;
	memset(core->q, 0, sizeof(core->q));
}

bool snpu_worker_current_locked(struct snpu_core *core)
{
	return atomic_load(&core->epoch) == core->worker_epoch;
}

void snpu_core_reset(struct snpu_core *core)
{
	pthread_mutex_lock(&core->lock);
	snpu_fi_clear_locked(core);	/* FLR and PCI reset always complete */
	snpu_reset_locked(core);
	pthread_mutex_unlock(&core->lock);
	snpu_count(core, SNPU_CNT_RESETS, 1);
	core->ops.kick(core->ops.opaque);
}

/* The worker noticed a reset: abort its jobs and drop its state. */
static void worker_reset(struct snpu_core *core, unsigned int epoch)
{
	snpu_queue_abort_all(core);
	snpu_fw_tables_free(&core->fw);
	snpu_tlb_flush(core);
	snpu_sram_clear(core);
	core->sram_ctx = SNPU_CTX_NONE;
	core->last_ctx = SNPU_CTX_NONE;
	core->model_free_ns = 0;
	for (unsigned int q = 0; q < SNPU_MAX_QUEUES; q++)
		core->wq[q].wrr = 0;
	core->worker_epoch = epoch;
	pthread_mutex_lock(&core->lock);
	if (snpu_worker_current_locked(core)) {
		if (core->fi_reset_failing)	/* injected: stuck until FLR */
			core->status |= SNPU_STATUS_FATAL;
		else
			core->status &= ~SNPU_STATUS_RESETTING;
	}
	pthread_mutex_unlock(&core->lock);
}

int64_t snpu_core_run(struct snpu_core *core)
{
	for (;;) {
		unsigned int epoch = atomic_load(&core->epoch);
		bool boot;

		if (epoch != core->worker_epoch) {
			worker_reset(core, epoch);
			continue;
		}
		pthread_mutex_lock(&core->lock);
		boot = core->boot_pending;
		core->boot_pending = false;
		pthread_mutex_unlock(&core->lock);
		if (boot) {
			snpu_boot_run(core);
			snpu_irq_flush(core);
			continue;
		}
		if (!snpu_queue_step(core))
			break;
		snpu_irq_flush(core);
	}
	snpu_irq_flush(core);
	return snpu_queue_next_deadline(core);
}
