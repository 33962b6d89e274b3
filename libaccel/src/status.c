/* SPDX-License-Identifier: MIT */
/* Status strings and the per-thread last-error message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static _Thread_local char last_error[512];

static const char *const status_names[ACCEL_STATUS_COUNT] = {
	[ACCEL_OK] = "success",
	[ACCEL_ERR_INVALID_ARG] = "invalid argument",
	[ACCEL_ERR_NO_MEMORY] = "out of host memory",
	[ACCEL_ERR_NO_DEVICE] = "no such device",
	[ACCEL_ERR_IO] = "system call failed",
	[ACCEL_ERR_UNSUPPORTED] = "not supported by this device, driver or firmware",
	[ACCEL_ERR_FIRMWARE] = "firmware missing or refused",
	[ACCEL_ERR_DEVICE] = "device error",
	[ACCEL_ERR_TIMEOUT] = "timed out",
	[ACCEL_ERR_JOB_FAILED] = "job failed on the device",
	[ACCEL_ERR_JOB_FAULT] = "job hit a device MMU fault",
	[ACCEL_ERR_JOB_HUNG] = "job hung and was killed",
	[ACCEL_ERR_JOB_CANCELED] = "job canceled before it ran",
	[ACCEL_ERR_OUT_OF_RANGE] = "out of range",
	[ACCEL_ERR_NO_SPACE] = "out of device memory, address space or this user's share",
	[ACCEL_ERR_PERMISSION] = "permission denied",
	[ACCEL_ERR_BUSY] = "busy",
	[ACCEL_ERR_STATE] = "invalid in the current state",
	[ACCEL_ERR_PENDING] = "job still running",
	[ACCEL_ERR_NOT_FOUND] = "not found",
	[ACCEL_ERR_MODEL] = "model malformed or unsupported",
};

const char *accel_strerror(accel_status status)
{
	if ((unsigned int)status >= ACCEL_STATUS_COUNT || !status_names[status])
		return "unknown status";
	return status_names[status];
}

const char *accel_last_error(void)
{
	return last_error;
}

accel_status accel__fail(accel_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return status;
}

accel_status accel__status_from_errno(int err)
{
	switch (err) {
	case 0: return ACCEL_OK;
	case EINVAL: case EFAULT: case EBADF: return ACCEL_ERR_INVALID_ARG;
	case ENOMEM: return ACCEL_ERR_NO_MEMORY;
	case ENOENT: case ENODEV: case ENXIO: return ACCEL_ERR_NO_DEVICE;
	case ENOTTY: case EOPNOTSUPP: case ENOSYS: return ACCEL_ERR_UNSUPPORTED;
	case ETIMEDOUT: case ETIME: return ACCEL_ERR_TIMEOUT;
	case E2BIG: case EOVERFLOW: case ERANGE: return ACCEL_ERR_OUT_OF_RANGE;
	case ENOSPC: return ACCEL_ERR_NO_SPACE;
	case EPERM: case EACCES: return ACCEL_ERR_PERMISSION;
	case EBUSY: case EAGAIN: return ACCEL_ERR_BUSY;
	case EDQUOT: return ACCEL_ERR_NO_SPACE;	/* a per-user share: contexts, pinned or device memory */
	case EBADFD: return ACCEL_ERR_STATE;
	case EIO: case ECANCELED: return ACCEL_ERR_DEVICE;
	default: return ACCEL_ERR_IO;
	}
}

accel_status accel__fail_errno(int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	n = strlen(last_error);
	snprintf(last_error + n, sizeof(last_error) - n, ": %s", strerror(err));
	return accel__status_from_errno(err);
}

uint64_t accel__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* pthread_cond_timedwait deadline rel_ns from now; the conds use
 * CLOCK_MONOTONIC (pthread_condattr_setclock). */
void accel__abs_deadline(struct timespec *ts, int64_t rel_ns)
{
	uint64_t t = accel__now_ns() + (uint64_t)(rel_ns < 0 ? 0 : rel_ns);

	ts->tv_sec = (time_t)(t / 1000000000ull);
	ts->tv_nsec = (long)(t % 1000000000ull);
}

int accel__cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int ret;

	ret = pthread_condattr_init(&attr);
	if (ret)
		return ret;
	ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return ret;
}
