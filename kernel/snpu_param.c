// SPDX-License-Identifier: GPL-2.0-only
/*
 * DRM_IOCTL_SNPU_GET_PARAM: device, firmware and counter values.
 */

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <linux/pci.h>

#include "drm/snpu_accel.h"
#include "snpu_mmu.h"
#include "snpu_regs.h"

#include "snpu_device.h"
#include "snpu_drv.h"
#include "snpu_mmu_ctx.h"
#include "snpu_param.h"

static int snpu_param_value(struct snpu_device *sdev, struct snpu_file *sfile,
			    u32 param, u64 *value)
{
	const struct snpu_hw_info *hw = &sdev->hw;
	struct snpu_vm *vm;
	u32 cnt;

	switch (param) {
	case DRM_SNPU_PARAM_DEVICE_ID:
		*value = ((u32)sdev->pdev->vendor << 16) | sdev->pdev->device;
		return 0;
	case DRM_SNPU_PARAM_HW_VERSION:
		*value = hw->hw_version;
		return 0;
	case DRM_SNPU_PARAM_HW_CAPS:
		*value = hw->hw_caps;
		return 0;
	case DRM_SNPU_PARAM_FW_VERSION:
		*value = sdev->fw.version;
		return 0;
	case DRM_SNPU_PARAM_FW_API:
		*value = sdev->fw.api;
		return 0;
	case DRM_SNPU_PARAM_FW_CAPS:
		*value = sdev->fw.caps & hw->hw_caps;
		return 0;
	case DRM_SNPU_PARAM_NUM_QUEUES:
		*value = hw->num_queues;
		return 0;
	case DRM_SNPU_PARAM_DRAM_SIZE:
		*value = hw->dram_size;
		return 0;
	case DRM_SNPU_PARAM_SRAM_SIZE:
		*value = hw->sram_size;
		return 0;
	case DRM_SNPU_PARAM_MAC_ROWS:
		*value = hw->mac_array & 0xffff;
		return 0;
	case DRM_SNPU_PARAM_MAC_COLS:
		*value = hw->mac_array >> 16;
		return 0;
	case DRM_SNPU_PARAM_CLOCK_MHZ:
		*value = hw->clock_mhz;
		return 0;
	case DRM_SNPU_PARAM_NUM_CONTEXTS:
		*value = hw->num_contexts;
		return 0;
	case DRM_SNPU_PARAM_DRAM_BW:
		*value = hw->dram_bw;
		return 0;
	case DRM_SNPU_PARAM_SRAM_BW:
		*value = hw->sram_bw;
		return 0;
	case DRM_SNPU_PARAM_PCIE_BW:
		*value = hw->pcie_bw;
		return 0;
	case DRM_SNPU_PARAM_CMD_OVERHEAD:
		*value = hw->cmd_overhead;
		return 0;
	case DRM_SNPU_PARAM_VA_BITS:
		*value = hw->va_bits;
		return 0;
	case DRM_SNPU_PARAM_MAX_CMDBUF:
		*value = hw->max_cmdbuf;
		return 0;
	case DRM_SNPU_PARAM_TIMESTAMP:
		*value = snpu_rd64(sdev, SNPU_REG_TIMESTAMP_LO, SNPU_REG_TIMESTAMP_HI);
		return 0;
	case DRM_SNPU_PARAM_CONTEXT_ID:
		vm = snpu_file_vm(sfile);	/* created here if not yet */
		if (IS_ERR(vm))
			return PTR_ERR(vm);
		*value = vm->id;
		return 0;
	case DRM_SNPU_PARAM_SRAM_VA:
		*value = SNPU_SRAM_VA;
		return 0;
	case DRM_SNPU_PARAM_BO_FLAGS:
		*value = DRM_SNPU_BO_FLAGS;
		return 0;
	case DRM_SNPU_PARAM_BIND_FLAGS:
		*value = DRM_SNPU_BIND_FLAGS;
		return 0;
	case DRM_SNPU_PARAM_SUBMIT_FLAGS:
		*value = DRM_SNPU_SUBMIT_FLAGS;
		return 0;
	}

	if (param >= DRM_SNPU_PARAM_COUNTER_BASE &&
	    param < DRM_SNPU_PARAM_COUNTER(SNPU_NUM_COUNTERS)) {
		cnt = param - DRM_SNPU_PARAM_COUNTER_BASE;
		*value = snpu_rd64(sdev, SNPU_REG_COUNTER_LO(cnt), SNPU_REG_COUNTER_HI(cnt));
		return 0;
	}
	return -EINVAL;
}

int snpu_ioctl_get_param(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct snpu_device *sdev = to_snpu_device(drm);
	struct drm_snpu_get_param *args = data;
	u64 value;
	int idx, ret;

	if (args->pad)
		return -EINVAL;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	ret = snpu_param_value(sdev, file->driver_priv, args->param, &value);
	if (!ret)
		args->value = value;

	drm_dev_exit(idx);
	return ret;
}
