/* SPDX-License-Identifier: MIT */
/*
 * libaccel streaming pipeline: run a sequence of batches through one device
 * with `depth` (default 2: double buffering) pinned input and output
 * buffers, so the host prepares and uploads batch n+1 and consumes batch
 * n-1 while the device runs batch n.
 *
 * Threads: accel_pipeline_run calls the callbacks in the calling thread,
 * one at a time; two runs may proceed in two threads at once.
 */
#ifndef ACCEL_PIPELINE_H
#define ACCEL_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"
#include "accel/device.h"
#include "accel/buffer.h"
#include "accel/cmd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Callbacks: ACCEL_PIPELINE_OPS_INIT, then set all three. */
typedef struct accel_pipeline_ops {
	uint32_t struct_size;	/* sizeof(accel_pipeline_ops) */
	/* Fill in[0..in_bytes) with batch `batch`. */
	accel_status (*prepare)(void *user, uint64_t batch, void *in);
	/* Record the device work of a batch into cb (empty on entry): read
	 * `in`, write `out` (pinned host buffers of in_bytes and out_bytes;
	 * the same pair comes back every `depth` batches). */
	accel_status (*record)(void *user, uint64_t batch, accel_cmdbuf *cb,
			       accel_buffer *in, accel_buffer *out);
	/* Use out[0..out_bytes) of batch `batch` (called in batch order). */
	accel_status (*consume)(void *user, uint64_t batch, const void *out);
	uint64_t reserved[8];	/* 0 */
} accel_pipeline_ops;

#define ACCEL_PIPELINE_OPS_INIT { .struct_size = sizeof(accel_pipeline_ops) }

/* An output struct: set struct_size (ACCEL_PIPELINE_STATS_INIT). */
typedef struct accel_pipeline_stats {
	uint32_t struct_size;		/* sizeof(accel_pipeline_stats) */
	uint32_t pad0;
	uint64_t batches;
	uint64_t wall_ns;		/* whole run */
	uint64_t host_ns;		/* in prepare + record + consume */
	uint64_t wait_ns;		/* host blocked waiting for the device */
	uint64_t device_ns;		/* sum of job device times */
	uint64_t reserved[8];
} accel_pipeline_stats;

#define ACCEL_PIPELINE_STATS_INIT { .struct_size = sizeof(accel_pipeline_stats) }

/* Run num_batches batches, in order, on queue 0. Stops at the first
 * failing callback or job and returns its status. stats may be NULL. */
ACCEL_API accel_status accel_pipeline_run(accel_device *dev, const accel_pipeline_ops *ops,
					  void *user, size_t in_bytes, size_t out_bytes,
					  uint64_t num_batches, unsigned int depth,
					  accel_pipeline_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_PIPELINE_H */
