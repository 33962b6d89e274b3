/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SNPU buffer objects: shmem BOs in host memory (SYSTEM), BOs in device
 * DRAM (DEVICE), their mappings into MMU contexts, and the BO ioctls.
 */
#ifndef __SNPU_GEM_H__
#define __SNPU_GEM_H__

#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_mm.h>
#include <linux/list.h>
#include <linux/uidgid.h>

#include "drm/snpu_accel.h"

struct dma_buf;
struct drm_device;
struct drm_file;
struct snpu_device;
struct snpu_vm;

/**
 * struct snpu_bo - what every SNPU buffer object has, whatever its type
 * @obj: the GEM object it is part of (struct snpu_shmem_bo or
 *       struct snpu_device_bo)
 * @flags: DRM_SNPU_BO_* it was created with (imported: SYSTEM)
 * @maps: struct snpu_bo_map, one per context it is mapped in (the BO's
 *        reservation lock)
 */
struct snpu_bo {
	struct drm_gem_object *obj;
	u32 flags;
	struct list_head maps;
};

/**
 * struct snpu_shmem_bo - a SYSTEM BO: host pages of a GEM shmem object
 * (also every PRIME import)
 * @shmem: the shmem object
 * @bo: the common part
 * @pin_uid: the user its pinned pages are charged to (max_user_pinned_mb)
 * @pinned: bytes charged (0 for imports: their exporter pins them)
 * @dev_link: in sdev->shmem_bos (bo_lock) from its creation by BO_CREATE
 *            or its import until it is freed
 */
struct snpu_shmem_bo {
	struct drm_gem_shmem_object shmem;
	struct snpu_bo bo;
	kuid_t pin_uid;
	u64 pinned;
	struct list_head dev_link;
};

/**
 * struct snpu_device_bo - a DEVICE BO: a range of device DRAM (BAR2)
 * @base: the GEM object (no shmem backing)
 * @bo: the common part
 * @dram: its range of device DRAM (sdev->dram_mm)
 * @uid: the user its device DRAM (the BO's size) is charged to
 *       (max_user_dram_mb)
 */
struct snpu_device_bo {
	struct drm_gem_object base;
	struct snpu_bo bo;
	struct drm_mm_node dram;
	kuid_t uid;
};

/**
 * struct snpu_bo_map - a BO mapped in one context; holds a reference on
 * the BO
 * @bo_link: in bo->maps (the BO's reservation lock) while the BO is
 *           bound there
 * @vm_link: in vm->closed (vm->lock) once its handle was closed while a
 *           job used the BO, until the BO is idle
 * @bo: the BO
 * @vm: the context
 * @node: the VA range, in vm->mm (vm->lock)
 * @read_only: the device may only read through this mapping
 */
struct snpu_bo_map {
	struct list_head bo_link;
	struct list_head vm_link;
	struct snpu_bo *bo;
	struct snpu_vm *vm;
	struct drm_mm_node node;
	bool read_only;
};

struct snpu_bo *to_snpu_bo(struct drm_gem_object *obj);
int snpu_gem_init(struct snpu_device *sdev);
void snpu_gem_unplug(struct snpu_device *sdev);
struct drm_gem_object *snpu_gem_create_object(struct drm_device *drm, size_t size);
struct drm_gem_object *snpu_gem_prime_import(struct drm_device *drm, struct dma_buf *buf);
struct snpu_bo_map *snpu_bo_find_map_locked(struct snpu_bo *bo, struct snpu_vm *vm);
void snpu_bo_release_closed(struct snpu_vm *vm);

int snpu_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int snpu_ioctl_bo_mmap_offset(struct drm_device *drm, void *data, struct drm_file *file);
int snpu_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);
int snpu_ioctl_bo_bind(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* __SNPU_GEM_H__ */
