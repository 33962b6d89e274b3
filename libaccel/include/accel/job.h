/* SPDX-License-Identifier: MIT */
/*
 * libaccel jobs: asynchronous execution of a command buffer.
 *
 * accel_submit() queues a copy of the command buffer on one of the
 * device's hardware queues and returns at once with a job handle. The job
 * runs after its dependencies (jobs of the same or another device) have
 * ended; it ends successfully, or with a failure that names the command
 * index and the device error (and the faulting VA for MMU faults). A job
 * whose dependency failed is canceled (ACCEL_ERR_JOB_CANCELED).
 *
 * Wait for it (with a timeout), poll it, or have a callback run when it
 * ends: callbacks run on the device's thread pool (accel_device_set_pool),
 * never in the submitting thread, in no particular order.
 *
 * Order: the commands of one job run in recorded order. Jobs on one
 * queue and priority start in submission order; jobs on different queues
 * may run in any order unless one depends on the other (deps).
 *
 * Threads: a job handle is thread-safe: any number of threads may wait
 * on, poll or read the result of one job at once (all of them return when
 * it ends). accel_job_release() ends the handle: call it once, after the
 * other threads are done with it. A job keeps its buffers and its device
 * alive until it ends.
 */
#ifndef ACCEL_JOB_H
#define ACCEL_JOB_H

#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"
#include "accel/device.h"
#include "accel/buffer.h"
#include "accel/cmd.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_job accel_job;

typedef enum accel_priority {
	ACCEL_PRIORITY_NORMAL = 0,	/* default (a zeroed field) */
	ACCEL_PRIORITY_LOW = 1,
	ACCEL_PRIORITY_HIGH = 2,	/* drm: needs CAP_SYS_NICE */
} accel_priority;

/* Called once when the job ends, with its final status. The job handle
 * stays valid until released (the callback may release it). */
typedef void (*accel_job_callback)(accel_job *job, accel_status status, void *user);

#define ACCEL_SUBMIT_PROFILE	(1u << 0)	/* per-command profile records */

/* Submission options: ACCEL_SUBMIT_OPTS_INIT, then set what differs from
 * the defaults (queue 0, normal priority, no dependencies, no callback). */
typedef struct accel_submit_opts {
	uint32_t struct_size;		/* sizeof(accel_submit_opts) */
	uint32_t queue;			/* hardware queue, < num_queues */
	accel_priority priority;
	uint32_t flags;			/* ACCEL_SUBMIT_* */
	accel_job *const *deps;		/* jobs that must end first */
	size_t num_deps;
	accel_job_callback callback;	/* optional */
	void *user;			/* passed to callback */
	accel_buffer *profile;		/* with PROFILE: host or device buffer of */
	uint32_t num_profile;		/*   num_profile accel_profile_rec */
	uint32_t pad0;			/* 0 */
	uint64_t reserved[8];		/* 0 */
} accel_submit_opts;

#define ACCEL_SUBMIT_OPTS_INIT { .struct_size = sizeof(accel_submit_opts) }

/* Per-command record written by the device with ACCEL_SUBMIT_PROFILE (its
 * layout is the device's: it never changes size). Name the opcode with
 * accel_opcode_name() and the status with accel_hw_error_name(). */
typedef struct accel_profile_rec {
	uint64_t start_ns, end_ns;	/* device clock */
	uint64_t pred_cycles;		/* timing model */
	uint16_t opcode;
	uint16_t status;		/* device error code, 0 = ok */
	uint32_t index;			/* command index */
} accel_profile_rec;

/* Submit cb (at least one command). opts may be NULL (queue 0, normal
 * priority, no dependencies, no callback). *out receives a handle to
 * release with accel_job_release(). */
ACCEL_API accel_status accel_submit(accel_device *dev, const accel_cmdbuf *cb,
				    const accel_submit_opts *opts, accel_job **out);

/* Wait until the job ends or timeout_ns (relative; < 0 = forever) passes.
 * Returns the job's final status (ACCEL_OK when it succeeded), or
 * ACCEL_ERR_TIMEOUT while it is still running. */
ACCEL_API accel_status accel_job_wait(accel_job *job, int64_t timeout_ns);

/* ACCEL_ERR_PENDING while running, else the final status. */
ACCEL_API accel_status accel_job_poll(accel_job *job);

/* What an ended job did. An output struct: set struct_size
 * (ACCEL_JOB_RESULT_INIT); the library fills what it knows and zeroes the
 * rest of struct_size bytes. */
typedef struct accel_job_result {
	uint32_t struct_size;	/* sizeof(accel_job_result) */
	accel_status status;	/* ACCEL_OK or why it failed */
	uint32_t hw_error;	/* device error code (enum snpu_err), 0 = ok */
	uint32_t failed_cmd;	/* index of the failing command */
	uint32_t cmds;		/* commands in the job */
	uint32_t cmds_done;	/* commands that completed before it ended */
	uint32_t fault_flags;	/* SNPU_MMU_FAULT_* bits of an MMU fault */
	uint64_t fault_va;	/* faulting VA for ACCEL_ERR_JOB_FAULT */
	uint64_t pred_cycles;	/* timing-model cycles */
	uint64_t start_ns, end_ns;	/* device clock */
	char message[256];	/* e.g. "command 3 (gemm): ... : gemm M/K/N inconsistent" */
	uint64_t reserved[8];
} accel_job_result;

#define ACCEL_JOB_RESULT_INIT { .struct_size = sizeof(accel_job_result) }

/* Fill *res for an ended job; ACCEL_ERR_PENDING if it has not ended. */
ACCEL_API accel_status accel_job_result_get(accel_job *job, accel_job_result *res);

/* Short name of a device error code ("mmu fault", "shape"...). */
ACCEL_API const char *accel_hw_error_name(uint32_t hw_error);

/* Drop the handle (the job itself runs to completion regardless). */
ACCEL_API void accel_job_release(accel_job *job);

/* Submit and wait: the status of the job. res may be NULL; otherwise it
 * is always filled (also when the submission itself fails: then
 * res->status is that status, res->cmds 0 and res->message the error). */
ACCEL_API accel_status accel_run(accel_device *dev, const accel_cmdbuf *cb,
				 const accel_submit_opts *opts, accel_job_result *res);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_JOB_H */
