/* SPDX-License-Identifier: MIT */
/*
 * libaccel thread pool for host-side work: CPU fallback ops, data
 * preparation, job completion callbacks.
 *
 * Threads: a pool is thread-safe (submit and wait from any thread, except
 * accel_pool_wait and accel_pool_destroy from one of its own threads).
 */
#ifndef ACCEL_POOL_H
#define ACCEL_POOL_H

#include <stddef.h>
#include "accel/status.h"
#include "accel/device.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_pool accel_pool;

/* threads = 0: one per online CPU. */
ACCEL_API accel_status accel_pool_create(unsigned int threads, accel_pool **out);
/* Waits for every queued task, then joins the threads. */
ACCEL_API void accel_pool_destroy(accel_pool *pool);
ACCEL_API unsigned int accel_pool_threads(const accel_pool *pool);

/* Queue fn(arg) to run on a pool thread. */
ACCEL_API accel_status accel_pool_submit(accel_pool *pool, void (*fn)(void *arg), void *arg);
/* Wait until every task queued so far has run. Must not be called from a
 * pool thread (ACCEL_ERR_STATE). */
ACCEL_API accel_status accel_pool_wait(accel_pool *pool);
/* Run fn(arg, i) for i in [0, n), split across the pool and the caller;
 * returns when all have run. */
ACCEL_API accel_status accel_pool_parallel_for(accel_pool *pool, size_t n,
					       void (*fn)(void *arg, size_t i), void *arg);

/* The pool running the device's job callbacks. Default: a pool the
 * device creates on first need, sized to the machine. The pool must
 * outlive the device's pending jobs; NULL restores the default. */
ACCEL_API accel_status accel_device_set_pool(accel_device *dev, accel_pool *pool);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_POOL_H */
