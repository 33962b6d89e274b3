// SPDX-License-Identifier: MIT
/*
 * accel_model_submit: the inference runs in the calling thread and the
 * job has ended when the call returns (the callback, if any, has run);
 * accel_model_job_wait then returns its status at once.
 */
#include <stdlib.h>

#include "../internal.h"
#include "runtime.h"

struct accel_model_job {
	accel_status status;
};

accel_status accel_model_submit(accel_model *m, uint32_t batch, const float *const *inputs,
				float *const *outputs, accel_model_callback cb, void *user,
				accel_model_job **job)
{
	accel_model_job *j;

	if (!job)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "job is NULL");
	*job = NULL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	j->status = accel_model_run(m, batch, inputs, outputs);
	*job = j;
	if (cb)
		cb(j, j->status, user);
	return ACCEL_OK;
}

accel_status accel_model_job_wait(accel_model_job *job, int64_t timeout_ns)
{
	(void)timeout_ns;
	if (!job)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "job is NULL");
	return job->status;
}

void accel_model_job_release(accel_model_job *job)
{
	free(job);
}
