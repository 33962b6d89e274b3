// SPDX-License-Identifier: MIT
/*
 * SNPU firmware boot handshake (worker side): DMA the image the driver
 * pointed FW_ADDR/FW_SIZE at, verify it with the shared parser, keep a copy
 * of its scheduler parameters and activation tables, and report the result
 * in FW_STATUS/FW_ERROR/STATUS with the error/management interrupt.
 */
#include <stdlib.h>
#include <string.h>

#include "snpu_core_int.h"
#include "snpu_fwimage.h"

void snpu_fw_tables_free(struct snpu_fw_tables *fw)
{
	for (unsigned int i = 0; i < SNPU_LUT_COUNT; i++)
		free(fw->samples[i]);
	memset(fw, 0, sizeof(*fw));
}

static enum snpu_fw_err fw_tables_copy(struct snpu_fw_tables *fw,
				       const struct snpu_fw_info *info)
{
	memset(fw, 0, sizeof(*fw));
	if (!info->sched)
		return SNPU_FW_ERR_SECTION;
	memcpy(&fw->sched, info->sched, sizeof(fw->sched));
	for (unsigned int i = 0; i < SNPU_LUT_COUNT; i++) {
		size_t n;

		if (!info->lut[i] || !info->lut_samples[i])
			continue;
		memcpy(&fw->lut[i], info->lut[i], sizeof(fw->lut[i]));
		n = fw->lut[i].num_samples;
		if (n < 2 || n > SNPU_FW_LUT_MAX_SAMPLES) {
			snpu_fw_tables_free(fw);
			return SNPU_FW_ERR_SECTION;
		}
		fw->samples[i] = malloc(n * sizeof(uint32_t));
		if (!fw->samples[i]) {
			snpu_fw_tables_free(fw);
			return SNPU_FW_ERR_SECTION;
		}
		memcpy(fw->samples[i], info->lut_samples[i], n * sizeof(uint32_t));
	}
	fw->loaded = true;
	return SNPU_FW_OK;
}

static uint32_t clamp_weight(uint32_t w)
{
	return w < 1 ? 1 : w > 15 ? 15 : w;
}

/* Publish the boot result (lock held, current epoch only). */
static void boot_finish_locked(struct snpu_core *core, enum snpu_fw_err err,
			       const struct snpu_fw_info *info)
{
	if (err == SNPU_FW_OK) {
		core->fw_status = SNPU_FW_STATUS_RUNNING;
		core->fw_error = SNPU_FW_OK;
		core->fw_version = info->fw_version;
		core->fw_caps = info->caps & SNPU_CAP_ALL;
		core->fw_api = ((uint32_t)info->api_major << 16) | info->api_minor;
		core->status |= SNPU_STATUS_READY;
		core->status &= ~SNPU_STATUS_BOOT_ERROR;
		for (unsigned int q = 0; q < core->cfg.num_queues; q++)
			core->q[q].priority = clamp_weight(core->fw.sched.queue_weight[q]);
	} else {
		core->fw_status = SNPU_FW_STATUS_ERROR;
		core->fw_error = err;
		core->fw_version = 0;
		core->fw_caps = 0;
		core->fw_api = 0;
		core->status &= ~SNPU_STATUS_READY;
		core->status |= SNPU_STATUS_BOOT_ERROR;
	}
	snpu_irq_raise_locked(core, SNPU_IRQ_ERROR);
}

static enum snpu_fw_err boot_load(struct snpu_core *core, uint64_t addr, uint32_t size,
				  struct snpu_fw_info *info, uint8_t **imgp)
{
	char msg[200] = "";
	enum snpu_fw_err err;
	uint8_t *img;

	*imgp = NULL;
	if (size < sizeof(struct snpu_fw_header) || size > SNPU_FW_MAX_SIZE) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: firmware size %u outside %zu..%u bytes", size,
			  sizeof(struct snpu_fw_header), SNPU_FW_MAX_SIZE);
		return SNPU_FW_ERR_SIZE;
	}
	if (addr + size < addr) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: firmware address 0x%llx + %u wraps",
			  (unsigned long long)addr, size);
		return SNPU_FW_ERR_DMA;
	}
	img = malloc(size);
	if (!img) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: no memory to stage a %u-byte firmware image", size);
		return SNPU_FW_ERR_SIZE;
	}
	*imgp = img;
	if (core->ops.dma_read(core->ops.opaque, addr, img, size)) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR,
			  "snpu: firmware image at 0x%llx (%u bytes) unreadable",
			  (unsigned long long)addr, size);
		return SNPU_FW_ERR_DMA;
	}
	snpu_count(core, SNPU_CNT_DMA_H2D, size);
	err = snpu_fw_parse(img, size, info, msg, sizeof(msg));
	if (err != SNPU_FW_OK) {
		snpu_logf(core, SNPU_LOG_GUEST_ERROR, "snpu: firmware refused (%s): %s",
			  snpu_fw_strerror(err), msg);
		return err;
	}
	return SNPU_FW_OK;
}

void snpu_boot_run(struct snpu_core *core)
{
	struct snpu_fw_info info;
	struct snpu_fw_tables fw;
	enum snpu_fw_err err;
	unsigned int epoch = core->worker_epoch;
	uint64_t addr;
	uint32_t size;
	uint8_t *img;

	pthread_mutex_lock(&core->lock);
	addr = core->fw_addr;
	size = core->fw_size;
	pthread_mutex_unlock(&core->lock);

	memset(&info, 0, sizeof(info));
	memset(&fw, 0, sizeof(fw));
	err = boot_load(core, addr, size, &info, &img);
	if (err == SNPU_FW_OK) {
		err = fw_tables_copy(&fw, &info);
		if (err != SNPU_FW_OK)
			snpu_logf(core, SNPU_LOG_GUEST_ERROR,
				  "snpu: firmware has no usable scheduler/table sections");
	}
	free(img);

	pthread_mutex_lock(&core->lock);
	if (atomic_load(&core->epoch) != epoch) {
		/* Reset during the boot: the result belongs to nobody. */
		pthread_mutex_unlock(&core->lock);
		snpu_fw_tables_free(&fw);
		return;
	}
	if (err == SNPU_FW_OK) {
		snpu_fw_tables_free(&core->fw);
		core->fw = fw;
	} else {
		snpu_fw_tables_free(&fw);
	}
	boot_finish_locked(core, err, &info);
	pthread_mutex_unlock(&core->lock);
	if (err == SNPU_FW_OK)
		snpu_logf(core, SNPU_LOG_TRACE, "snpu: firmware %u.%u.%u \"%s\" running",
			  info.fw_version >> 16, (info.fw_version >> 8) & 0xff,
			  info.fw_version & 0xff, info.name);
}
