/* SPDX-License-Identifier: MIT */
/* The "drm" backend (snpu.ko through libdrm): private state. */
#ifndef ACCEL_DRM_BE_H
#define ACCEL_DRM_BE_H

#include "internal.h"

struct drm_dev {
	int fd;
	pthread_mutex_t lock;		/* pending list, reaper state */
	/* Submitted, not completed jobs: one FIFO per (queue, priority), as
	 * the driver completes the jobs of one such stream in order. */
	struct accel_job **head, **tail;
	size_t nfifo;
	bool reaper_running, stop;
	pthread_t reaper;
	uint32_t kick_sync;		/* syncobj that wakes the reaper */
	uint32_t *handles;		/* the reaper's wait list (nfifo + 1) */
	/* Syncobjs of released jobs, reused by the next ones (lock): a
	 * SUBMIT replaces the fence of its out-syncobj. */
	uint32_t free_sync[64];
	size_t nfree_sync;
};

static inline struct drm_dev *drm_dev(accel_device *dev)
{
	return dev->be;
}

/* drmIoctl with a message naming the ioctl on failure. */
HIDDEN accel_status accel__drm_ioctl(struct drm_dev *d, unsigned long req, void *arg,
				     const char *what);

HIDDEN accel_status accel__drm_bo_create(accel_device *dev, struct accel_bo *bo);
HIDDEN void accel__drm_bo_destroy(accel_device *dev, struct accel_bo *bo);
HIDDEN accel_status accel__drm_bo_map(accel_device *dev, struct accel_bo *bo);
HIDDEN accel_status accel__drm_bo_export(accel_device *dev, struct accel_bo *bo, int *fd);
HIDDEN accel_status accel__drm_bo_import(accel_device *dev, int fd, struct accel_bo *bo);
HIDDEN accel_status accel__drm_submit(accel_device *dev, struct accel_job *job);
HIDDEN void accel__drm_job_free(accel_device *dev, struct accel_job *job);
HIDDEN void accel__drm_reap(accel_device *dev, struct accel_job *job);
/* Stop the reaper thread (no job pending). */
HIDDEN void accel__drm_jobs_fini(struct drm_dev *d);
/* Destroy the pooled syncobjs (close). */
HIDDEN void accel__drm_syncs_fini(struct drm_dev *d);

#endif /* ACCEL_DRM_BE_H */
