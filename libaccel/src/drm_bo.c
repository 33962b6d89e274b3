/* SPDX-License-Identifier: MIT */
/* "drm" backend: GEM buffer objects, mmap, PRIME (dma-buf). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drm_be.h"
#include "drm/snpu_accel.h"

accel_status accel__drm_bo_create(accel_device *dev, struct accel_bo *bo)
{
	struct drm_snpu_bo_create c = { .size = bo->size };

	if (bo->flags & ACCEL_MEM_DEVICE)
		c.flags |= DRM_SNPU_BO_DEVICE;
	if (bo->flags & ACCEL_MEM_READ_ONLY)
		c.flags |= DRM_SNPU_BO_READ_ONLY;
	if (drmIoctl(drm_dev(dev)->fd, DRM_IOCTL_SNPU_BO_CREATE, &c)) {
		if (errno == EDQUOT)	/* a per-user share of the device, not the device */
			return accel__fail(ACCEL_ERR_NO_SPACE,
					   "%s: BO_CREATE of %llu bytes (%s): this user's share of the "
					   "device is used up (snpu module parameter %s, or "
					   "max_user_contexts for the file's first buffer)",
					   dev->name, (unsigned long long)bo->size,
					   (bo->flags & ACCEL_MEM_DEVICE) ? "device" : "host",
					   (bo->flags & ACCEL_MEM_DEVICE) ? "max_user_dram_mb" :
									    "max_user_pinned_mb");
		return accel__fail_errno(errno, "%s: BO_CREATE of %llu bytes (%s)", dev->name,
					 (unsigned long long)bo->size,
					 (bo->flags & ACCEL_MEM_DEVICE) ? "device" : "host");
	}
	bo->handle = c.handle;
	bo->va = c.va;
	return ACCEL_OK;
}

void accel__drm_bo_destroy(accel_device *dev, struct accel_bo *bo)
{
	struct drm_gem_close gc = { .handle = bo->handle };

	if (bo->cpu)
		munmap(bo->cpu, bo->size);
	/* Nothing useful to do if closing a handle fails: it is gone either way. */
	(void)drmIoctl(drm_dev(dev)->fd, DRM_IOCTL_GEM_CLOSE, &gc);
}

accel_status accel__drm_bo_map(accel_device *dev, struct accel_bo *bo)
{
	struct drm_snpu_bo_mmap_offset mo = { .handle = bo->handle };
	void *p;

	if (drmIoctl(drm_dev(dev)->fd, DRM_IOCTL_SNPU_BO_MMAP_OFFSET, &mo))
		return accel__fail_errno(errno, "%s: BO_MMAP_OFFSET of BO %u", dev->name,
					 bo->handle);
	p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, drm_dev(dev)->fd,
		 (off_t)mo.offset);
	if (p == MAP_FAILED)
		return accel__fail_errno(errno, "%s: mmap of BO %u (%llu bytes)", dev->name,
					 bo->handle, (unsigned long long)bo->size);
	bo->cpu = p;
	return ACCEL_OK;
}

accel_status accel__drm_bo_export(accel_device *dev, struct accel_bo *bo, int *fd)
{
	int ret = drmPrimeHandleToFD(drm_dev(dev)->fd, bo->handle, DRM_CLOEXEC | DRM_RDWR, fd);

	if (ret)
		return accel__fail_errno(errno, "%s: export of BO %u as dma-buf",
					 dev->name, bo->handle);
	return ACCEL_OK;
}

accel_status accel__drm_bo_import(accel_device *dev, int fd, struct accel_bo *bo)
{
	struct drm_dev *d = drm_dev(dev);
	struct drm_snpu_bo_info info = { 0 };
	struct drm_snpu_bo_bind bind = { 0 };
	struct drm_gem_close gc = { 0 };
	accel_status st;
	uint32_t handle;
	int ret;

	ret = drmPrimeFDToHandle(d->fd, fd, &handle);
	if (ret)
		return accel__fail_errno(errno, "%s: import of dma-buf fd %d",
					 dev->name, fd);
	info.handle = handle;
	if (drmIoctl(d->fd, DRM_IOCTL_SNPU_BO_INFO, &info)) {
		st = accel__fail_errno(errno, "%s: BO_INFO of imported BO %u", dev->name, handle);
		goto fail;
	}
	if (!info.va) {
		bind.handle = handle;
		if (drmIoctl(d->fd, DRM_IOCTL_SNPU_BO_BIND, &bind)) {
			st = accel__fail_errno(errno, "%s: BO_BIND of imported BO %u", dev->name,
					       handle);
			goto fail;
		}
		info.va = bind.va;
	}
	bo->handle = handle;
	bo->size = info.size;
	bo->flags = (info.flags & DRM_SNPU_BO_DEVICE) ? ACCEL_MEM_DEVICE : ACCEL_MEM_HOST;
	bo->va = info.va;
	return ACCEL_OK;
fail:
	gc.handle = handle;
	(void)drmIoctl(d->fd, DRM_IOCTL_GEM_CLOSE, &gc);
	return st;
}
