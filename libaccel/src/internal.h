/* SPDX-License-Identifier: MIT */
/*
 * libaccel private definitions: the device object, the backend vtable,
 * buffers, jobs, and the error-reporting helpers every file uses.
 */
#ifndef ACCEL_INTERNAL_H
#define ACCEL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/accel.h"

#define HIDDEN __attribute__((visibility("hidden")))

/* ---- errors (status.c) ---------------------------------------------------- */
/* Record a message for accel_last_error() and return status. */
HIDDEN accel_status accel__fail(accel_status status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same, appending ": strerror(err)" and mapping err to a status. */
HIDDEN accel_status accel__fail_errno(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
HIDDEN accel_status accel__status_from_errno(int err);

/* ---- backends --------------------------------------------------------------- */
struct accel_bo;
struct accel_job;

struct accel_backend_ops {
	const char *name;
	/* Open the device called name; set dev->be. Fail with a message. */
	accel_status (*open)(accel_device *dev, const char *name);
	/* Stop the backend's threads (accel_close; no job pending any more).
	 * Buffers stay usable for release afterwards. */
	void (*quiesce)(accel_device *dev);
	/* Release everything (the last reference went; quiesced). */
	void (*close)(accel_device *dev);
	accel_status (*get_param)(accel_device *dev, uint32_t param, uint64_t *value);
	/* Create a BO of bo->size bytes with bo->flags (ACCEL_MEM_*): set va,
	 * handle/private data, and cpu when the backend maps at creation. */
	accel_status (*bo_create)(accel_device *dev, struct accel_bo *bo);
	void (*bo_destroy)(accel_device *dev, struct accel_bo *bo);
	accel_status (*bo_map)(accel_device *dev, struct accel_bo *bo);
	/* dma-buf (optional, NULL = unsupported) */
	accel_status (*bo_export)(accel_device *dev, struct accel_bo *bo, int *fd);
	accel_status (*bo_import)(accel_device *dev, int fd, struct accel_bo *bo);
	/* Map src (a BO of another device of this backend) into dev (optional). */
	accel_status (*bo_share)(accel_device *dev, struct accel_bo *src, struct accel_bo *bo);
	/* Queue job (its same-device deps in job->deps); arrange for
	 * accel__job_complete() to be called exactly once when it ends. */
	accel_status (*submit)(accel_device *dev, struct accel_job *job);
	/* Free the backend's per-job data when the job object goes (optional). */
	void (*job_free)(accel_device *dev, struct accel_job *job);
	/* Wait in the calling thread for a job submitted with be_self set and
	 * complete it (optional: without it such a job completes as any other
	 * and the caller waits on its condition variable). */
	void (*reap)(accel_device *dev, struct accel_job *job);
};

HIDDEN extern const struct accel_backend_ops accel__drm_ops;
/* List /dev/accel/accel* nodes bound to snpu into out[0..max), count all. */
HIDDEN accel_status accel__drm_enumerate(accel_device_desc *out, size_t max, size_t *count);
HIDDEN extern const struct accel_backend_ops accel__sim_ops;

struct accel_device {
	atomic_int refs;		/* the user's handle + every object */
	atomic_bool closed;		/* accel_close() was called */
	const struct accel_backend_ops *ops;
	void *be;			/* backend state */
	char name[ACCEL_NAME_MAX];
	char pci_address[32];
	uint32_t num_queues;
	uint32_t max_cmdbuf;
	uint64_t sram_va, sram_size;
	pthread_mutex_t lock;		/* pool, pending count, staging */
	pthread_cond_t idle;
	uint64_t pending;		/* submitted, not yet completed jobs */
	accel_pool *pool;		/* callback pool */
	bool own_pool;
	/* accel_buffer_write/read by DMA (buffer.c): one pinned host buffer
	 * of two halves, created at the first such transfer, reused. */
	pthread_mutex_t xfer_lock;
	accel_buffer *stage;
	uint8_t *stage_cpu;
	/* Up to these many bytes a DEVICE buffer's write/read is a memcpy
	 * through its CPU mapping instead (ACCEL_MAP_MAX overrides both). */
	uint64_t map_write_max, map_read_max;
};

/* Device references (device.c): buffers' BOs, heaps, command buffers and
 * jobs hold one; the last put releases the backend. */
HIDDEN void accel__dev_get(accel_device *dev);
HIDDEN void accel__dev_put(accel_device *dev);
/* ACCEL_ERR_STATE with a message if dev was closed (fn names the call). */
HIDDEN accel_status accel__dev_usable(accel_device *dev, const char *fn);

/* ---- buffers ------------------------------------------------------------------ */
/* One backend allocation (a GEM BO, or sim memory), shared by the buffers
 * carved from it. */
struct accel_bo {
	atomic_int refs;
	accel_device *dev;
	uint64_t size;		/* bytes, page multiple */
	unsigned int flags;	/* ACCEL_MEM_* */
	uint64_t va;
	void *cpu;		/* CPU mapping once mapped */
	uint32_t handle;	/* drm GEM handle */
	void *priv;		/* backend data */
	pthread_mutex_t map_lock;
};

struct accel_buffer {
	atomic_int refs;
	struct accel_bo *bo;
	uint64_t offset;	/* inside bo */
	uint64_t size;
	accel_heap *heap;	/* sub-allocated from it, else NULL */
	void *heap_chunk;
};

HIDDEN accel_status accel__bo_new(accel_device *dev, uint64_t size, unsigned int flags,
				  struct accel_bo **out);
HIDDEN void accel__bo_get(struct accel_bo *bo);
HIDDEN void accel__bo_put(struct accel_bo *bo);
HIDDEN accel_status accel__bo_map(struct accel_bo *bo);
HIDDEN accel_status accel__buffer_wrap(struct accel_bo *bo, uint64_t off, uint64_t size,
				       accel_buffer **out);
HIDDEN void accel__buffer_get(accel_buffer *buf);
HIDDEN void accel__buffer_put(accel_buffer *buf);
HIDDEN void accel__heap_release(accel_heap *heap, void *chunk, uint64_t off, uint64_t size);

/* ---- command buffers and jobs -------------------------------------------------------- */
struct accel_bufref {
	accel_buffer *buf;
	unsigned int access;	/* ACCEL_ACCESS_* */
};

struct accel_cmdbuf {
	accel_device *dev;
	uint8_t *data;
	size_t size, cap;
	uint32_t count;
	struct accel_bufref *refs;
	size_t nrefs, capref;
};

struct accel_job {
	atomic_int kref;
	accel_device *dev;
	uint8_t *cmds;
	size_t cmds_size;
	uint32_t ncmds;
	struct accel_bufref *refs;	/* buffers held until the job ends */
	size_t nrefs;
	struct accel_job **deps;	/* same-device dependencies, held */
	size_t ndeps;
	uint32_t queue;
	uint32_t priority;		/* DRM_SNPU_PRIORITY_* level: 0 low .. 2 high */
	uint32_t flags;
	accel_buffer *profile;
	uint32_t num_profile;
	accel_job_callback callback;
	void *user;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	accel_job_result res;

	/* backend bookkeeping */
	bool be_self;			/* the submitter reaps it (ops->reap) */
	uint64_t be_id;
	uint32_t be_sync;
	accel_status be_status;
	void *be_priv;
	struct accel_job *be_next;
};

/* Device-side outcome a backend reports. */
struct accel_hw_result {
	accel_status status;	/* OK, JOB_FAILED, JOB_FAULT, JOB_HUNG, JOB_CANCELED */
	uint32_t hw_error, failed_cmd, cmds_done, fault_flags;
	uint64_t fault_va, pred_cycles, start_ns, end_ns;
};

HIDDEN void accel__job_get(struct accel_job *job);
HIDDEN void accel__job_put(struct accel_job *job);
HIDDEN void accel__job_complete(struct accel_job *job, const struct accel_hw_result *r);
/* Status of an ended job, or ACCEL_ERR_PENDING. */
HIDDEN accel_status accel__job_state(struct accel_job *job);

/* Synchronous helper: run cb on dev and wait; message names `what`. */
HIDDEN accel_status accel__run_sync(accel_device *dev, accel_cmdbuf *cb, const char *what);
/* Submit cb (no options) for the calling thread to reap with
 * accel__job_reap: on drm it needs no syncobj and no reaper thread. */
HIDDEN accel_status accel__submit_self(accel_device *dev, const accel_cmdbuf *cb,
				       accel_job **out);
/* Wait for a job of accel__submit_self (or any job) and return its status
 * (message names `what`); the job stays to be released. */
HIDDEN accel_status accel__job_reap(accel_job *job, const char *what);
/* Release the staging buffer (accel_close). */
HIDDEN void accel__xfer_fini(accel_device *dev);

/* The device's callback pool (created on first need). */
HIDDEN accel_status accel__device_pool(accel_device *dev, accel_pool **out);

/* ---- small helpers --------------------------------------------------------- */
HIDDEN uint64_t accel__now_ns(void);	/* CLOCK_MONOTONIC */
HIDDEN void accel__abs_deadline(struct timespec *ts, int64_t rel_ns);
/* A condition variable on CLOCK_MONOTONIC (for accel__abs_deadline). */
HIDDEN int accel__cond_init(pthread_cond_t *cond);

#endif /* ACCEL_INTERNAL_H */
