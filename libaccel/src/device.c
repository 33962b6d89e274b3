/* SPDX-License-Identifier: MIT */
/* Device enumeration, open/close and queries, common to both backends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "internal.h"

_Static_assert(ACCEL_PARAM_SRAM_VA == 21 && ACCEL_PARAM_COUNTER_BASE == 0x100,
	       "accel_param follows enum drm_snpu_param");

accel_status accel_enumerate(accel_device_desc *out, size_t max, size_t *count,
			     unsigned int flags)
{
	accel_status st;
	size_t n = 0;

	if (!count || (max && !out))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_enumerate: NULL %s",
				   count ? "out" : "count");
	if (flags & ~ACCEL_ENUM_SIM)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_enumerate: unknown flags 0x%x",
				   flags & ~ACCEL_ENUM_SIM);
	if (max)
		memset(out, 0, max * sizeof(*out));
	st = accel__drm_enumerate(out, max, &n);
	if (st)
		return st;
	if (flags & ACCEL_ENUM_SIM) {
		if (n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			snprintf(out[n].name, sizeof(out[n].name), "sim");
			snprintf(out[n].backend, sizeof(out[n].backend), "sim");
		}
		n++;
	}
	*count = n;
	return ACCEL_OK;
}

/*
 * Where accel_buffer_write/read of a DEVICE buffer switch from a memcpy
 * through its CPU mapping to DMA through the staging buffer. Measured in
 * the TCG guest (docs/performance.md, 2026-12-02): BAR2 is RAM behind the
 * mapping, so the memcpy ran at the guest's memcpy speed at every size
 * (4 KiB 492 MB/s, 16 MiB 549, 64 MiB 572) while DMA paid a job per 2 MiB
 * (4 KiB 2.5 MB/s, 16 MiB 233, 64 MiB 573): the two meet at 64 MiB for
 * writes; reads through the mapping stayed ahead (64 MiB 671 vs 277).
 * Above the limit DMA keeps the CPU's cache and the mapping out of very
 * large transfers. On silicon, reads of a write-combined BAR are uncached
 * and DMA wins early: ACCEL_MAP_MAX=bytes sets both limits (0: always DMA).
 */
#define MAP_WRITE_MAX (64ull << 20)
#define MAP_READ_MAX (64ull << 20)

static accel_status xfer_limits(accel_device *dev)
{
	const char *v = getenv("ACCEL_MAP_MAX");
	unsigned long long n;
	char *end;

	dev->map_write_max = MAP_WRITE_MAX;
	dev->map_read_max = MAP_READ_MAX;
	if (!v || !*v)
		return ACCEL_OK;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end || v[0] == '-')
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_open: ACCEL_MAP_MAX=\"%s\" is not "
				   "a byte count", v);
	dev->map_write_max = dev->map_read_max = n;
	return ACCEL_OK;
}

static accel_status device_open(const char *name, accel_device **out)
{
	const struct accel_backend_ops *ops;
	accel_device *dev;
	accel_status st;
	uint64_t v;

	if (strlen(name) >= ACCEL_NAME_MAX)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_open: device name too long");
	if (!strcmp(name, "sim"))
		ops = &accel__sim_ops;
	else if (name[0] == '/')
		ops = &accel__drm_ops;
	else
		return accel__fail(ACCEL_ERR_NO_DEVICE,
				   "accel_open: unknown device \"%s\" (expected \"sim\" or a "
				   "/dev/accel/accelN path)", name);
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_open: out of memory");
	atomic_init(&dev->refs, 1);
	atomic_init(&dev->closed, false);
	dev->ops = ops;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	if ((st = xfer_limits(dev)))
		goto fail_locks;
	if (pthread_mutex_init(&dev->lock, NULL) || accel__cond_init(&dev->idle) ||
	    pthread_mutex_init(&dev->xfer_lock, NULL)) {
		free(dev);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_open: cannot create locks");
	}
	st = ops->open(dev, name);
	if (st)
		goto fail;
	/* Facts the rest of the library checks against. */
	if ((st = ops->get_param(dev, ACCEL_PARAM_NUM_QUEUES, &v)))
		goto fail_close;
	dev->num_queues = (uint32_t)v;
	if ((st = ops->get_param(dev, ACCEL_PARAM_MAX_CMDBUF, &v)))
		goto fail_close;
	dev->max_cmdbuf = (uint32_t)v;
	if ((st = ops->get_param(dev, ACCEL_PARAM_SRAM_VA, &dev->sram_va)))
		goto fail_close;
	if ((st = ops->get_param(dev, ACCEL_PARAM_SRAM_SIZE, &dev->sram_size)))
		goto fail_close;
	*out = dev;
	return ACCEL_OK;
fail_close:
	ops->close(dev);
fail:
	pthread_mutex_destroy(&dev->xfer_lock);
	pthread_cond_destroy(&dev->idle);
	pthread_mutex_destroy(&dev->lock);
fail_locks:
	free(dev);
	return st;
}

accel_status accel_open(const char *name, accel_device **out)
{
	accel_device_desc desc;
	size_t n = 0;
	accel_status st;

	if (!out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_open: NULL out");
	*out = NULL;
	if (!name || !*name)
		name = getenv("ACCEL_DEVICE");
	if (name && *name)
		return device_open(name, out);
	st = accel__drm_enumerate(&desc, 1, &n);
	if (st)
		return st;
	if (n == 0)
		return accel__fail(ACCEL_ERR_NO_DEVICE,
				   "accel_open: no SNPU found under /dev/accel (is snpu.ko "
				   "loaded?); use \"sim\" or set ACCEL_DEVICE=sim for the "
				   "in-process device");
	return device_open(desc.name, out);
}

accel_status accel_open_index(unsigned int index, accel_device **out)
{
	accel_device_desc *descs;
	size_t n = 0;
	accel_status st;

	if (!out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_open_index: NULL out");
	*out = NULL;
	st = accel__drm_enumerate(NULL, 0, &n);
	if (st)
		return st;
	if (index >= n)
		return accel__fail(ACCEL_ERR_NO_DEVICE,
				   "accel_open_index: no device %u (%zu SNPU device%s found)",
				   index, n, n == 1 ? "" : "s");
	descs = calloc(n, sizeof(*descs));
	if (!descs)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "accel_open_index: out of memory");
	st = accel__drm_enumerate(descs, n, &n);
	if (!st && index >= n)
		st = accel__fail(ACCEL_ERR_NO_DEVICE, "accel_open_index: device %u went away",
				 index);
	if (!st)
		st = device_open(descs[index].name, out);
	free(descs);
	return st;
}

void accel__dev_get(accel_device *dev)
{
	atomic_fetch_add(&dev->refs, 1);
}

/* The last reference: accel_close() quiesced the device (its threads are
 * gone), the objects are released; free what is left. */
void accel__dev_put(accel_device *dev)
{
	if (!dev || atomic_fetch_sub(&dev->refs, 1) != 1)
		return;
	dev->ops->close(dev);
	pthread_mutex_destroy(&dev->xfer_lock);
	pthread_cond_destroy(&dev->idle);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

accel_status accel__dev_usable(accel_device *dev, const char *fn)
{
	if (atomic_load(&dev->closed))
		return accel__fail(ACCEL_ERR_STATE, "%s: device %s is closed (accel_close was "
				   "called; its remaining objects can only be released)", fn,
				   dev->name);
	return ACCEL_OK;
}

void accel_close(accel_device *dev)
{
	accel_pool *pool = NULL;

	if (!dev)
		return;
	atomic_store(&dev->closed, true);
	/* Pending jobs end (their buffers are released, callbacks queued)... */
	pthread_mutex_lock(&dev->lock);
	while (dev->pending)
		pthread_cond_wait(&dev->idle, &dev->lock);
	if (dev->own_pool)
		pool = dev->pool;
	dev->pool = NULL;
	dev->own_pool = false;
	pthread_mutex_unlock(&dev->lock);
	/* ...their callbacks run, then the device's threads stop, so that the
	 * last reference can go in any thread, including a library one. */
	accel_pool_destroy(pool);
	accel__xfer_fini(dev);	/* its buffer holds a device reference */
	if (dev->ops->quiesce)
		dev->ops->quiesce(dev);
	accel__dev_put(dev);
}

const char *accel_device_name(const accel_device *dev)
{
	return dev ? dev->name : "";
}

const char *accel_device_backend(const accel_device *dev)
{
	return dev ? dev->ops->name : "";
}

accel_status accel_device_param(accel_device *dev, uint32_t param, uint64_t *value)
{
	if (!dev || !value)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_device_param: NULL %s",
				   dev ? "value" : "device");
	if (param >= ACCEL_PARAM_COUNT &&
	    (param < ACCEL_PARAM_COUNTER_BASE ||
	     param >= ACCEL_PARAM_COUNTER_BASE + ACCEL_NUM_COUNTERS))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_device_param: unknown parameter %u",
				   param);
	return dev->ops->get_param(dev, param, value);
}

accel_status accel_device_counters(accel_device *dev, uint64_t counters[ACCEL_NUM_COUNTERS])
{
	accel_status st;

	if (!dev || !counters)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_device_counters: NULL %s",
				   dev ? "counters" : "device");
	for (unsigned int i = 0; i < ACCEL_NUM_COUNTERS; i++) {
		st = dev->ops->get_param(dev, ACCEL_PARAM_COUNTER_BASE + i, &counters[i]);
		if (st)
			return st;
	}
	return ACCEL_OK;
}

accel_status accel_device_query(accel_device *dev, accel_device_info *user)
{
	uint64_t v[ACCEL_PARAM_COUNT];
	accel_device_info full, *info = &full;
	accel_status st;

	if (!dev || !user)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_device_query: NULL %s",
				   dev ? "info" : "device");
	if ((st = accel__struct_out_check("accel_device_query", &accel__abi_device_info, user)))
		return st;
	for (uint32_t p = 0; p < ACCEL_PARAM_COUNT; p++) {
		st = dev->ops->get_param(dev, p, &v[p]);
		if (st)
			return st;
	}
	memset(info, 0, sizeof(*info));
	info->struct_size = sizeof(*info);
	snprintf(info->name, sizeof(info->name), "%s", dev->name);
	snprintf(info->backend, sizeof(info->backend), "%s", dev->ops->name);
	snprintf(info->pci_address, sizeof(info->pci_address), "%s", dev->pci_address);
	info->vendor_id = (uint16_t)(v[ACCEL_PARAM_DEVICE_ID] >> 16);
	info->device_id = (uint16_t)v[ACCEL_PARAM_DEVICE_ID];
	info->hw_version = (uint32_t)v[ACCEL_PARAM_HW_VERSION];
	info->hw_caps = (uint32_t)v[ACCEL_PARAM_HW_CAPS];
	info->fw_version = (uint32_t)v[ACCEL_PARAM_FW_VERSION];
	info->fw_api = (uint32_t)v[ACCEL_PARAM_FW_API];
	info->caps = (uint32_t)v[ACCEL_PARAM_FW_CAPS];
	info->num_queues = (uint32_t)v[ACCEL_PARAM_NUM_QUEUES];
	info->dram_size = v[ACCEL_PARAM_DRAM_SIZE];
	info->sram_size = v[ACCEL_PARAM_SRAM_SIZE];
	info->mac_rows = (uint32_t)v[ACCEL_PARAM_MAC_ROWS];
	info->mac_cols = (uint32_t)v[ACCEL_PARAM_MAC_COLS];
	info->clock_mhz = (uint32_t)v[ACCEL_PARAM_CLOCK_MHZ];
	info->num_contexts = (uint32_t)v[ACCEL_PARAM_NUM_CONTEXTS];
	info->dram_bw = (uint32_t)v[ACCEL_PARAM_DRAM_BW];
	info->sram_bw = (uint32_t)v[ACCEL_PARAM_SRAM_BW];
	info->pcie_bw = (uint32_t)v[ACCEL_PARAM_PCIE_BW];
	info->cmd_overhead = (uint32_t)v[ACCEL_PARAM_CMD_OVERHEAD];
	info->va_bits = (uint32_t)v[ACCEL_PARAM_VA_BITS];
	info->max_cmdbuf = (uint32_t)v[ACCEL_PARAM_MAX_CMDBUF];
	info->context_id = (uint32_t)v[ACCEL_PARAM_CONTEXT_ID];
	info->sram_va = v[ACCEL_PARAM_SRAM_VA];
	return accel__struct_out("accel_device_query", &accel__abi_device_info, user, info);
}
