/* SPDX-License-Identifier: MIT */
/*
 * "sim" backend: create the device core, run its worker thread, boot the
 * firmware through the real handshake (FW_ADDR/FW_SIZE/FW_DOORBELL, then
 * FW_STATUS), set up the MMU and the rings, answer GET_PARAM from BAR0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "snpu_fw.h"

#ifndef ACCEL_FW_SEARCH
#define ACCEL_FW_SEARCH "/lib/firmware/" SNPU_FW_PATH
#endif
#define BOOT_TIMEOUT_NS (10ull * 1000000000ull)

static uint32_t rd(struct sim_dev *s, uint32_t reg)
{
	return snpu_core_reg_read(s->core, reg);
}

static void wr(struct sim_dev *s, uint32_t reg, uint32_t v)
{
	snpu_core_reg_write(s->core, reg, v);
}

/* ---- host ops (opaque = the accel_device) ------------------------------- */
static void op_kick(void *opaque)
{
	struct sim_dev *s = sim_dev(opaque);

	pthread_mutex_lock(&s->wlock);
	s->kicked = true;
	pthread_cond_signal(&s->wcond);
	pthread_mutex_unlock(&s->wlock);
}

static void op_irq(void *opaque, unsigned int vector)
{
	accel_device *dev = opaque;
	struct sim_dev *s = sim_dev(dev);

	accel__sim_irq(dev, vector);
	pthread_mutex_lock(&s->wlock);
	s->irqs++;
	pthread_cond_broadcast(&s->irq_cond);
	pthread_mutex_unlock(&s->wlock);
}

static uint64_t op_clock(void *opaque)
{
	(void)opaque;
	return accel__now_ns();
}

static int op_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return accel__sim_dma_read(sim_dev(opaque), addr, buf, len);
}

static int op_dma_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
	return accel__sim_dma_write(sim_dev(opaque), addr, buf, len);
}

static void op_log(void *opaque, enum snpu_log_level level, const char *msg)
{
	struct sim_dev *s = sim_dev(opaque);

	if (getenv("ACCEL_SIM_LOG"))
		fprintf(stderr, "accel sim: %s\n", msg);
	if (level == SNPU_LOG_GUEST_ERROR)
		snprintf(s->last_log, sizeof(s->last_log), "%s", msg);
}

static void *worker_main(void *arg)
{
	struct sim_dev *s = arg;
	int64_t wait_ns = -1;

	pthread_mutex_lock(&s->wlock);
	while (!s->stop) {
		if (!s->kicked) {
			if (wait_ns < 0) {
				pthread_cond_wait(&s->wcond, &s->wlock);
			} else {
				struct timespec ts;

				accel__abs_deadline(&ts, wait_ns);
				pthread_cond_timedwait(&s->wcond, &s->wlock, &ts);
			}
		}
		if (s->stop)
			break;
		s->kicked = false;
		pthread_mutex_unlock(&s->wlock);
		wait_ns = snpu_core_run(s->core);
		pthread_mutex_lock(&s->wlock);
	}
	pthread_mutex_unlock(&s->wlock);
	return NULL;
}

/* ---- firmware ---------------------------------------------------------- */
accel_status accel__fw_read(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f) {
		accel__fail_errno(errno, "sim: firmware %s", path);
		return ACCEL_ERR_FIRMWARE;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return accel__fail_errno(errno, "sim: firmware %s: cannot size it", path);
	}
	if (n == 0 || (unsigned long)n > SNPU_FW_MAX_SIZE) {
		fclose(f);
		return accel__fail(ACCEL_ERR_FIRMWARE, "sim: firmware %s: %ld bytes (expected "
				   "1..%u)", path, n, SNPU_FW_MAX_SIZE);
	}
	*data = malloc((size_t)n);
	if (!*data) {
		fclose(f);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: no memory for the firmware");
	}
	if (fread(*data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*data);
		return accel__fail(ACCEL_ERR_FIRMWARE, "sim: firmware %s: short read", path);
	}
	fclose(f);
	*len = (size_t)n;
	return ACCEL_OK;
}

/* ACCEL_FIRMWARE, else the first existing file of ACCEL_FW_SEARCH. */
accel_status accel__fw_find(char *path, size_t len)
{
	const char *env = getenv("ACCEL_FIRMWARE");
	const char *p = ACCEL_FW_SEARCH;

	if (env && *env) {
		snprintf(path, len, "%s", env);
		return ACCEL_OK;
	}
	while (*p) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		FILE *f;

		snprintf(path, len, "%.*s", (int)n, p);
		f = fopen(path, "rb");
		if (f) {
			fclose(f);
			return ACCEL_OK;
		}
		p += n + (end ? 1 : 0);
	}
	return accel__fail(ACCEL_ERR_FIRMWARE, "sim: no firmware image found (looked in %s; "
			   "set ACCEL_FIRMWARE to its path)", ACCEL_FW_SEARCH);
}

static const char *fw_err_name(uint32_t e)
{
	static const char *const n[] = {
		"ok", "bad size", "image unreadable (DMA)", "bad magic", "bad header",
		"CRC mismatch", "SHA-256 mismatch", "API major mismatch", "bad section",
		"doorbell in wrong state",
	};
	return e < sizeof(n) / sizeof(n[0]) ? n[e] : "unknown error";
}

static accel_status boot(struct sim_dev *s)
{
	char path[1024];
	uint8_t *img = NULL, *dma;
	size_t len = 0;
	accel_status st;
	uint64_t deadline;
	uint32_t fs;

	st = accel__fw_find(path, sizeof(path));
	if (st)
		return st;
	st = accel__fw_read(path, &img, &len);
	if (st)
		return st;
	dma = accel__sim_dma_alloc(s, len, 4096);
	if (!dma) {
		free(img);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: no memory for the firmware");
	}
	memcpy(dma, img, len);
	free(img);
	wr(s, SNPU_REG_FW_ADDR_LO, (uint32_t)(uintptr_t)dma);
	wr(s, SNPU_REG_FW_ADDR_HI, (uint32_t)((uint64_t)(uintptr_t)dma >> 32));
	wr(s, SNPU_REG_FW_SIZE, (uint32_t)len);
	wr(s, SNPU_REG_FW_DOORBELL, SNPU_FW_BOOT_MAGIC);
	deadline = accel__now_ns() + BOOT_TIMEOUT_NS;
	pthread_mutex_lock(&s->wlock);
	while ((fs = rd(s, SNPU_REG_FW_STATUS)) == SNPU_FW_STATUS_LOADING ||
	       fs == SNPU_FW_STATUS_OFF) {
		struct timespec ts;

		if (accel__now_ns() >= deadline)
			break;
		accel__abs_deadline(&ts, 1000000);	/* re-check every ms */
		pthread_cond_timedwait(&s->irq_cond, &s->wlock, &ts);
	}
	pthread_mutex_unlock(&s->wlock);
	accel__sim_dma_free(s, dma);
	wr(s, SNPU_REG_IRQ_STATUS, SNPU_IRQ_ERROR);
	if (fs == SNPU_FW_STATUS_RUNNING)
		return ACCEL_OK;
	if (fs == SNPU_FW_STATUS_ERROR) {
		uint32_t e = rd(s, SNPU_REG_FW_ERROR);

		return accel__fail(ACCEL_ERR_FIRMWARE, "sim: firmware %s refused by the device: "
				   "%s (FW_ERROR %u)%s%s", path, fw_err_name(e), e,
				   s->last_log[0] ? ": " : "", s->last_log);
	}
	return accel__fail(ACCEL_ERR_DEVICE, "sim: firmware %s: boot did not finish within "
			   "10 s (FW_STATUS %u)", path, fs);
}

/* ---- open / close -------------------------------------------------------- */
/* ACCEL_SIM_DRAM_MB, ACCEL_SIM_SRAM_KB and ACCEL_SIM_QUEUES override the device's defaults
 * (as the QEMU device's properties do); the core checks the values. */
static accel_status sim_config_env(struct snpu_config *cfg)
{
	const char *v;
	char *end;
	unsigned long n;

	if ((v = getenv("ACCEL_SIM_DRAM_MB")) && *v) {
		n = strtoul(v, &end, 10);
		if (*end || !n || n > (64ul << 10))
			return accel__fail(ACCEL_ERR_INVALID_ARG, "sim: ACCEL_SIM_DRAM_MB=\"%s\" is "
					   "not a size in MiB (1..65536)", v);
		cfg->dram_size = (uint64_t)n << 20;
	}
	if ((v = getenv("ACCEL_SIM_SRAM_KB")) && *v) {
		n = strtoul(v, &end, 10);
		if (*end || !n || n % 4 || n > (256ul << 10))
			return accel__fail(ACCEL_ERR_INVALID_ARG, "sim: ACCEL_SIM_SRAM_KB=\"%s\" is "
					   "not a size in KiB (a multiple of 4, 4..262144)", v);
		cfg->sram_size = (uint32_t)(n << 10);
	}
	if ((v = getenv("ACCEL_SIM_QUEUES")) && *v) {
		n = strtoul(v, &end, 10);
		if (*end || !n || n > SNPU_MAX_QUEUES)
			return accel__fail(ACCEL_ERR_INVALID_ARG, "sim: ACCEL_SIM_QUEUES=\"%s\" is "
					   "not 1..%d", v, SNPU_MAX_QUEUES);
		cfg->num_queues = (uint32_t)n;
	}
	return ACCEL_OK;
}

static void sim_stop_worker(struct sim_dev *s)
{
	if (!s->worker_running)
		return;
	pthread_mutex_lock(&s->wlock);
	s->stop = true;
	pthread_cond_signal(&s->wcond);
	pthread_mutex_unlock(&s->wlock);
	pthread_join(s->worker, NULL);
	s->worker_running = false;
}

static void sim_quiesce(accel_device *dev)
{
	sim_stop_worker(sim_dev(dev));
}

static void sim_teardown(struct sim_dev *s)
{
	sim_stop_worker(s);
	accel__sim_rings_fini(s);
	accel__sim_mmu_fini(s);
	if (s->core)
		snpu_core_free(s->core);
	accel__range_fini(&s->va);
	accel__range_fini(&s->dram_alloc);
	free(s->regions);
	pthread_rwlock_destroy(&s->bus_lock);
	pthread_cond_destroy(&s->irq_cond);
	pthread_cond_destroy(&s->wcond);
	pthread_mutex_destroy(&s->wlock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void sim_close(accel_device *dev)
{
	sim_teardown(sim_dev(dev));
	dev->be = NULL;
}

static accel_status sim_open(accel_device *dev, const char *name)
{
	struct snpu_host_ops ops = {
		.opaque = dev,
		.dma_read = op_dma_read,
		.dma_write = op_dma_write,
		.irq = op_irq,
		.clock_ns = op_clock,
		.kick = op_kick,
		.log = op_log,
	};
	struct snpu_config cfg;
	struct sim_dev *s;
	char err[256] = "";
	accel_status st;

	(void)name;
	s = calloc(1, sizeof(*s));
	if (!s)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: out of memory");
	if (pthread_mutex_init(&s->lock, NULL) || pthread_mutex_init(&s->wlock, NULL) ||
	    accel__cond_init(&s->wcond) || accel__cond_init(&s->irq_cond) ||
	    pthread_rwlock_init(&s->bus_lock, NULL)) {
		free(s);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "sim: cannot create locks");
	}
	dev->be = s;
	snpu_config_defaults(&cfg);
	st = sim_config_env(&cfg);
	if (st)
		goto fail;
	s->core = snpu_core_new(&cfg, &ops, err, sizeof(err));
	if (!s->core) {
		st = accel__fail(ACCEL_ERR_DEVICE, "sim: device core refused its configuration: %s",
				 err);
		goto fail;
	}
	s->dram = snpu_core_dram(s->core);
	s->dram_size = snpu_core_dram_size(s->core);
	s->nq = rd(s, SNPU_REG_NUM_QUEUES);
	if (accel__range_init(&s->va, SIM_VA_BASE, SNPU_VA_SIZE - SIM_VA_BASE) ||
	    accel__range_init(&s->dram_alloc, 0, s->dram_size)) {
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "sim: out of memory");
		goto fail;
	}
	if (pthread_create(&s->worker, NULL, worker_main, s)) {
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "sim: cannot start the device thread");
		goto fail;
	}
	s->worker_running = true;
	st = boot(s);
	if (st)
		goto fail;
	pthread_mutex_lock(&s->lock);
	st = accel__sim_mmu_init(s);
	if (!st)
		st = accel__sim_rings_init(s);
	pthread_mutex_unlock(&s->lock);
	if (st)
		goto fail;
	return ACCEL_OK;
fail:
	sim_teardown(s);
	dev->be = NULL;
	return st;
}

/* 64-bit counter/timestamp: reading LO latches HI (lock keeps pairs). */
static uint64_t rd64_latched(struct sim_dev *s, uint32_t lo, uint32_t hi)
{
	uint64_t v;

	pthread_mutex_lock(&s->lock);
	v = rd(s, lo);
	v |= (uint64_t)rd(s, hi) << 32;
	pthread_mutex_unlock(&s->lock);
	return v;
}

static accel_status sim_get_param(accel_device *dev, uint32_t param, uint64_t *value)
{
	struct sim_dev *s = sim_dev(dev);
	uint64_t v;

	if (param >= ACCEL_PARAM_COUNTER_BASE &&
	    param < ACCEL_PARAM_COUNTER_BASE + SNPU_NUM_COUNTERS) {
		uint32_t i = param - ACCEL_PARAM_COUNTER_BASE;

		*value = rd64_latched(s, SNPU_REG_COUNTER_LO(i), SNPU_REG_COUNTER_HI(i));
		return ACCEL_OK;
	}
	switch (param) {
	case ACCEL_PARAM_DEVICE_ID:
		v = ((uint64_t)SNPU_PCI_VENDOR_ID << 16) | SNPU_PCI_DEVICE_ID;
		break;
	case ACCEL_PARAM_HW_VERSION: v = rd(s, SNPU_REG_HW_VERSION); break;
	case ACCEL_PARAM_HW_CAPS: v = rd(s, SNPU_REG_HW_CAPS); break;
	case ACCEL_PARAM_FW_VERSION: v = rd(s, SNPU_REG_FW_VERSION); break;
	case ACCEL_PARAM_FW_API: v = rd(s, SNPU_REG_FW_API); break;
	case ACCEL_PARAM_FW_CAPS: v = rd(s, SNPU_REG_FW_CAPS) & rd(s, SNPU_REG_HW_CAPS); break;
	case ACCEL_PARAM_NUM_QUEUES: v = rd(s, SNPU_REG_NUM_QUEUES); break;
	case ACCEL_PARAM_DRAM_SIZE:
		v = rd(s, SNPU_REG_DRAM_SIZE_LO) | ((uint64_t)rd(s, SNPU_REG_DRAM_SIZE_HI) << 32);
		break;
	case ACCEL_PARAM_SRAM_SIZE: v = rd(s, SNPU_REG_SRAM_SIZE); break;
	case ACCEL_PARAM_MAC_ROWS: v = rd(s, SNPU_REG_MAC_ARRAY) & 0xffff; break;
	case ACCEL_PARAM_MAC_COLS: v = rd(s, SNPU_REG_MAC_ARRAY) >> 16; break;
	case ACCEL_PARAM_CLOCK_MHZ: v = rd(s, SNPU_REG_CLOCK_MHZ); break;
	case ACCEL_PARAM_NUM_CONTEXTS: v = rd(s, SNPU_REG_NUM_CONTEXTS); break;
	case ACCEL_PARAM_DRAM_BW: v = rd(s, SNPU_REG_DRAM_BW); break;
	case ACCEL_PARAM_SRAM_BW: v = rd(s, SNPU_REG_SRAM_BW); break;
	case ACCEL_PARAM_PCIE_BW: v = rd(s, SNPU_REG_PCIE_BW); break;
	case ACCEL_PARAM_CMD_OVERHEAD: v = rd(s, SNPU_REG_CMD_OVERHEAD); break;
	case ACCEL_PARAM_VA_BITS: v = rd(s, SNPU_REG_VA_BITS); break;
	case ACCEL_PARAM_MAX_CMDBUF: v = rd(s, SNPU_REG_MAX_CMDBUF); break;
	case ACCEL_PARAM_TIMESTAMP:
		v = rd64_latched(s, SNPU_REG_TIMESTAMP_LO, SNPU_REG_TIMESTAMP_HI);
		break;
	case ACCEL_PARAM_CONTEXT_ID: v = SIM_CTX_ID; break;
	case ACCEL_PARAM_SRAM_VA: v = SNPU_SRAM_VA; break;
	default:
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: unknown parameter %u", dev->name,
				   param);
	}
	*value = v;
	return ACCEL_OK;
}

const struct accel_backend_ops accel__sim_ops = {
	.name = "sim",
	.open = sim_open,
	.quiesce = sim_quiesce,
	.close = sim_close,
	.get_param = sim_get_param,
	.bo_create = accel__sim_bo_create,
	.bo_destroy = accel__sim_bo_destroy,
	.bo_map = accel__sim_bo_map,
	.bo_share = accel__sim_bo_share,
	.submit = accel__sim_submit,
};
