/* SPDX-License-Identifier: MIT */
/*
 * Streaming pipeline: `depth` slots of pinned input/output buffers; batch
 * b uses slot b % depth. Before refilling a slot the host waits for the
 * batch that used it and consumes its output, so while the device runs
 * batch b the host prepares b+1 and consumes b-1.
 */
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "internal.h"

#define PIPELINE_MAX_DEPTH 16

struct slot {
	accel_buffer *in, *out;
	void *in_ptr, *out_ptr;
	accel_cmdbuf *cb;
	accel_job *job;
	uint64_t batch;
};

/* Wait for the slot's job and hand its output to consume(). */
static accel_status drain(struct slot *s, const accel_pipeline_ops *ops, void *user,
			  accel_pipeline_stats *st)
{
	accel_job_result r = ACCEL_JOB_RESULT_INIT;
	accel_status ret;
	uint64_t t0 = accel__now_ns(), t1;

	if (!s->job)
		return ACCEL_OK;
	ret = accel_job_wait(s->job, -1);
	t1 = accel__now_ns();
	st->wait_ns += t1 - t0;
	if (!accel_job_result_get(s->job, &r) && r.end_ns > r.start_ns)
		st->device_ns += r.end_ns - r.start_ns;
	accel_job_release(s->job);
	s->job = NULL;
	if (ret)
		return ret;
	ret = ops->consume(user, s->batch, s->out_ptr);
	st->host_ns += accel__now_ns() - t1;
	if (ret)
		accel__fail(ret, "accel_pipeline_run: consume callback failed on batch %llu (%s)",
			    (unsigned long long)s->batch, accel_strerror(ret));
	st->batches++;
	return ret;
}

accel_status accel_pipeline_run(accel_device *dev, const accel_pipeline_ops *user_ops,
				void *user, size_t in_bytes, size_t out_bytes, uint64_t num_batches,
				unsigned int depth, accel_pipeline_stats *stats)
{
	struct slot slots[PIPELINE_MAX_DEPTH];
	accel_pipeline_stats st = ACCEL_PIPELINE_STATS_INIT;
	accel_pipeline_ops ops_buf, *ops = &ops_buf;
	accel_status ret = ACCEL_OK;
	uint64_t start = accel__now_ns();

	if (!dev || !user_ops)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_pipeline_run: NULL %s",
				   !dev ? "device" : "ops");
	if ((ret = accel__struct_in("accel_pipeline_run", &accel__abi_pipeline_ops, user_ops,
				    &ops_buf)))
		return ret;
	if (stats && (ret = accel__struct_out_check("accel_pipeline_run",
						    &accel__abi_pipeline_stats, stats)))
		return ret;
	if (!ops->prepare || !ops->record || !ops->consume)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_pipeline_run: NULL %s callback",
				   !ops->prepare ? "prepare" : !ops->record ? "record" : "consume");
	if (!in_bytes || !out_bytes)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_pipeline_run: in_bytes and "
				   "out_bytes must be > 0");
	if (!depth)
		depth = 2;
	if (depth > PIPELINE_MAX_DEPTH)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_pipeline_run: depth %u (max %d)",
				   depth, PIPELINE_MAX_DEPTH);
	memset(slots, 0, sizeof(slots));
	for (unsigned int i = 0; i < depth && !ret; i++) {
		struct slot *s = &slots[i];

		ret = accel_buffer_create(dev, in_bytes, ACCEL_MEM_HOST, &s->in);
		if (!ret)
			ret = accel_buffer_create(dev, out_bytes, ACCEL_MEM_HOST, &s->out);
		if (!ret)
			ret = accel_buffer_map(s->in, &s->in_ptr);
		if (!ret)
			ret = accel_buffer_map(s->out, &s->out_ptr);
		if (!ret)
			ret = accel_cmdbuf_create(dev, &s->cb);
	}
	for (uint64_t b = 0; !ret && b < num_batches; b++) {
		struct slot *s = &slots[b % depth];
		uint64_t t0;

		ret = drain(s, ops, user, &st);
		if (ret)
			break;
		t0 = accel__now_ns();
		accel_cmdbuf_reset(s->cb);
		ret = ops->prepare(user, b, s->in_ptr);
		if (!ret)
			ret = ops->record(user, b, s->cb, s->in, s->out);
		st.host_ns += accel__now_ns() - t0;
		if (ret) {
			accel__fail(ret, "accel_pipeline_run: prepare/record callback failed on "
				    "batch %llu (%s)", (unsigned long long)b, accel_strerror(ret));
			break;
		}
		s->batch = b;
		ret = accel_submit(dev, s->cb, NULL, &s->job);
	}
	/* Drain the rest in batch order (also after a failure, to release
	 * every job; the first error wins). */
	for (uint64_t k = 0; k < depth; k++) {
		struct slot *next = NULL;

		for (unsigned int i = 0; i < depth; i++)
			if (slots[i].job && (!next || slots[i].batch < next->batch))
				next = &slots[i];
		if (!next)
			break;
		if (ret) {
			accel_job_wait(next->job, -1);
			accel_job_release(next->job);
			next->job = NULL;
		} else {
			ret = drain(next, ops, user, &st);
		}
	}
	for (unsigned int i = 0; i < depth; i++) {
		accel_cmdbuf_free(slots[i].cb);
		accel_buffer_free(slots[i].in);
		accel_buffer_free(slots[i].out);
	}
	st.wall_ns = accel__now_ns() - start;
	if (stats)
		accel__struct_out("accel_pipeline_run", &accel__abi_pipeline_stats, stats, &st);
	return ret;
}
