/* SPDX-License-Identifier: MIT */
/*
 * libaccel status codes and error messages.
 *
 * Every libaccel call that can fail returns an accel_status. On failure the
 * library also records a message naming what failed (the argument, the
 * system call and its errno, the device error...) in a per-thread buffer
 * that accel_last_error() returns. The library never aborts or exits.
 */
#ifndef ACCEL_STATUS_H
#define ACCEL_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ACCEL_API __attribute__((visibility("default")))
#else
#define ACCEL_API
#endif

typedef enum accel_status {
	ACCEL_OK = 0,
	ACCEL_ERR_INVALID_ARG = 1,	/* a NULL, zero, out-of-range or unknown argument */
	ACCEL_ERR_NO_MEMORY = 2,	/* host allocation failed */
	ACCEL_ERR_NO_DEVICE = 3,	/* no such device, or none found */
	ACCEL_ERR_IO = 4,		/* a system call failed (message has errno) */
	ACCEL_ERR_UNSUPPORTED = 5,	/* backend, driver or firmware lacks it */
	ACCEL_ERR_FIRMWARE = 6,		/* firmware missing, unreadable or refused */
	ACCEL_ERR_DEVICE = 7,		/* device not ready, halted or misbehaving */
	ACCEL_ERR_TIMEOUT = 8,		/* the wait ended before the job did */
	ACCEL_ERR_JOB_FAILED = 9,	/* a command failed: see accel_job_result */
	ACCEL_ERR_JOB_FAULT = 10,	/* MMU fault: see accel_job_result.fault_va */
	ACCEL_ERR_JOB_HUNG = 11,	/* the watchdog killed the job */
	ACCEL_ERR_JOB_CANCELED = 12,	/* never ran: reset, removal or failed dependency */
	ACCEL_ERR_OUT_OF_RANGE = 13,	/* offset/size outside a buffer or a limit */
	ACCEL_ERR_NO_SPACE = 14,	/* device memory, VA space, ring or this user's share exhausted */
	ACCEL_ERR_PERMISSION = 15,	/* not allowed (EPERM/EACCES) */
	ACCEL_ERR_BUSY = 16,		/* object in use (e.g. by a pending job) */
	ACCEL_ERR_STATE = 17,		/* call not valid in the object's state */
	ACCEL_ERR_PENDING = 18,		/* accel_job_poll: not finished yet */
	ACCEL_ERR_NOT_FOUND = 19,	/* no input/output/file of that name */
	ACCEL_ERR_MODEL = 20,		/* model malformed or uses what is unsupported */
	ACCEL_STATUS_COUNT
} accel_status;

/* Short fixed description of a status ("invalid argument"); never NULL. */
ACCEL_API const char *accel_strerror(accel_status status);

/* The message of the last failure in the calling thread, e.g.
 * "accel_open: /dev/accel/accel3: No such file or directory". Valid until
 * the thread's next failing libaccel call; "" when nothing failed yet. */
ACCEL_API const char *accel_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_STATUS_H */
