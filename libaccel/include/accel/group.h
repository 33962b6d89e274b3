/* SPDX-License-Identifier: MIT */
/*
 * libaccel device groups: one batch split across several devices (data
 * parallel) or a chain of stages, one per device (pipeline parallel).
 *
 * Threads: a group is not thread-safe: one run (data_parallel, pipeline)
 * at a time per group; the record callbacks run in the calling thread.
 */
#ifndef ACCEL_GROUP_H
#define ACCEL_GROUP_H

#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"
#include "accel/device.h"
#include "accel/buffer.h"
#include "accel/cmd.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_group accel_group;

/* A group over already open devices (the caller keeps ownership). */
ACCEL_API accel_status accel_group_create(accel_device *const *devs, size_t n,
					  accel_group **out);
/* Open devices by a comma-separated list ("sim,sim", "/dev/accel/accel0,
 * /dev/accel/accel1") or "all" (every drm device): the group owns them. */
ACCEL_API accel_status accel_group_open(const char *spec, accel_group **out);
ACCEL_API void accel_group_destroy(accel_group *group);
ACCEL_API size_t accel_group_size(const accel_group *group);
ACCEL_API accel_device *accel_group_device(const accel_group *group, size_t i);

/* Record the work on items [first, first + count) for device dev_index. */
typedef accel_status (*accel_slice_fn)(void *user, size_t dev_index, accel_device *dev,
				       uint64_t first, uint64_t count, accel_cmdbuf *cb);

/* Data parallel: split [0, items) into one contiguous slice per device
 * (sizes differ by at most one; devices with an empty slice are skipped),
 * record each, submit all, wait for all. The first failure is returned. */
ACCEL_API accel_status accel_group_data_parallel(accel_group *group, uint64_t items,
						 accel_slice_fn record, void *user);

/* Record stage `stage` of batch `batch` on its device. */
typedef accel_status (*accel_stage_fn)(void *user, size_t stage, uint64_t batch,
				       accel_device *dev, accel_cmdbuf *cb);

/* Pipeline parallel: stage s runs on device s % size. Stage s of batch b
 * starts after stage s-1 of batch b and stage s of batch b-1 ended, so
 * different devices work on different batches at once. */
ACCEL_API accel_status accel_group_pipeline(accel_group *group, size_t stages, uint64_t batches,
					    accel_stage_fn record, void *user);

/* Make buf (of one device) usable by device `to`: the same memory through
 * dma-buf (drm) or the same host pages (two "sim" devices, host buffers).
 * ACCEL_ERR_UNSUPPORTED when the memory cannot be shared (then copy
 * through the host). Free the result with accel_buffer_free(). */
ACCEL_API accel_status accel_buffer_share(accel_buffer *buf, accel_device *to,
					  accel_buffer **out);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_GROUP_H */
