/* SPDX-License-Identifier: MIT */
/*
 * Object lifetimes and threads: accel_close() with live buffers, heaps,
 * command buffers and jobs is safe (the device goes with the last object,
 * in any release order; ASan checks the memory), calls that need a closed
 * device fail with a message, and several threads may wait on one job.
 * Filling a READ_ONLY device buffer.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel_testutil.h"

/* A job long enough to still run while accel_close() starts: a chain of
 * copies through a DEVICE buffer. */
static void record_busy(accel_cmdbuf *cb, accel_buffer *dram, accel_buffer *host, int n)
{
	for (int i = 0; i < n; i++) {
		ck_accel(accel_cmd_copy(cb, accel_ref_buffer(dram, 0),
					accel_ref_buffer(host, 0), 65536));
		ck_accel(accel_cmd_copy(cb, accel_ref_buffer(host, 65536),
					accel_ref_buffer(dram, 0), 65536));
	}
	ck_accel(accel_cmd_fence(cb, accel_ref_buffer(host, 131072), 42));
}

/* Release order r (0..5) of the objects left after accel_close. */
static void close_with_live_objects(int order)
{
	accel_device *dev = tu_open();
	accel_buffer *host, *dram, *sub;
	accel_heap *heap;
	accel_cmdbuf *cb;
	accel_job *job;
	accel_job_result r = ACCEL_JOB_RESULT_INIT;
	uint64_t fence = 0;
	void *p;

	ck_accel(accel_buffer_create(dev, 3 * 65536, ACCEL_MEM_HOST, &host));
	ck_accel(accel_buffer_create(dev, 65536, ACCEL_MEM_DEVICE, &dram));
	ck_accel(accel_heap_create(dev, 65536, ACCEL_MEM_HOST, &heap));
	ck_accel(accel_heap_alloc(heap, 256, 0, &sub));
	ck_accel(accel_buffer_map(host, &p));
	memset(p, 0x3c, 65536);
	ck_accel(accel_cmdbuf_create(dev, &cb));
	record_busy(cb, dram, host, 8);
	ck_accel(accel_submit(dev, cb, NULL, &job));
	accel_close(dev);	/* everything above still alive */

	/* The job ended before accel_close returned; its handle works. */
	ck_assert_int_eq(accel_job_poll(job), ACCEL_OK);
	ck_accel(accel_job_wait(job, 0));
	ck_accel(accel_job_result_get(job, &r));
	ck_assert_uint_eq(r.cmds, 17);
	ck_assert_uint_eq(r.cmds_done, 17);
	/* Host memory stays readable; device work is refused by name. */
	ck_accel(accel_buffer_read(host, 131072, &fence, sizeof(fence)));
	ck_assert_uint_eq(fence, 42);
	ck_assert_uint_eq(((uint8_t *)p)[65536 + 100], 0x3c);
	ck_accel_err(accel_buffer_write(dram, 0, &fence, sizeof(fence)), ACCEL_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "is closed"));
	{
		accel_buffer *more;
		accel_cmdbuf *cb2;

		ck_accel_err(accel_cmdbuf_create(accel_buffer_device(host), &cb2), ACCEL_ERR_STATE);

		ck_accel_err(accel_heap_alloc(heap, 65536, 0, &more), ACCEL_ERR_STATE);
		ck_accel_err(accel_buffer_create(accel_buffer_device(host), 4096, 0, &more),
			     ACCEL_ERR_STATE);
	}
	/* Recording into a live command buffer still works (it only encodes). */
	accel_cmdbuf_reset(cb);
	ck_accel(accel_cmd_nop(cb));
	switch (order) {
	case 0:
		accel_job_release(job);
		accel_cmdbuf_free(cb);
		accel_buffer_free(sub);
		accel_heap_destroy(heap);
		accel_buffer_free(dram);
		accel_buffer_free(host);
		break;
	case 1:
		accel_buffer_free(host);
		accel_buffer_free(dram);
		accel_heap_destroy(heap);
		accel_buffer_free(sub);
		accel_cmdbuf_free(cb);
		accel_job_release(job);
		break;
	default:
		accel_heap_destroy(heap);
		accel_cmdbuf_free(cb);
		accel_buffer_free(dram);
		accel_job_release(job);
		accel_buffer_free(host);
		accel_buffer_free(sub);	/* the very last: frees heap and device */
		break;
	}
}

START_TEST(test_close_with_live_objects)
{
	close_with_live_objects(_i);
}
END_TEST

/* A callback that releases the last object of a closed device runs on a
 * library thread: accel_close waits for the callbacks first, so the device
 * is never torn down from inside its own thread. */
static void release_in_callback(accel_job *job, accel_status st, void *user)
{
	(void)st;
	accel_buffer_free(user);
	accel_job_release(job);
}

START_TEST(test_close_callback_releases)
{
	accel_device *dev = tu_open();
	accel_buffer *host, *dram;
	accel_cmdbuf *cb;
	accel_job *job;
	accel_submit_opts o = ACCEL_SUBMIT_OPTS_INIT;

	ck_accel(accel_buffer_create(dev, 3 * 65536, ACCEL_MEM_HOST, &host));
	ck_accel(accel_buffer_create(dev, 65536, ACCEL_MEM_DEVICE, &dram));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	record_busy(cb, dram, host, 4);
	o.callback = release_in_callback;
	o.user = host;
	ck_accel(accel_submit(dev, cb, &o, &job));
	accel_cmdbuf_free(cb);
	accel_buffer_free(dram);
	accel_close(dev);	/* the callback drops the last references */
}
END_TEST

/* Several threads waiting on one job all see it end. */
struct waiter {
	accel_job *job;
	accel_status st;
	uint32_t cmds;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	accel_job_result r = ACCEL_JOB_RESULT_INIT;

	w->st = accel_job_wait(w->job, -1);
	if (!w->st && !accel_job_result_get(w->job, &r))
		w->cmds = r.cmds;
	return NULL;
}

START_TEST(test_threads_wait_one_job)
{
	enum { T = 4 };
	accel_device *dev = tu_open();
	accel_buffer *host, *dram;
	accel_cmdbuf *cb;
	accel_job *job;
	pthread_t th[T];
	struct waiter w[T];

	ck_accel(accel_buffer_create(dev, 3 * 65536, ACCEL_MEM_HOST, &host));
	ck_accel(accel_buffer_create(dev, 65536, ACCEL_MEM_DEVICE, &dram));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	record_busy(cb, dram, host, 8);
	ck_accel(accel_submit(dev, cb, NULL, &job));
	for (int i = 0; i < T; i++) {
		w[i] = (struct waiter){ .job = job, .st = ACCEL_ERR_PENDING };
		ck_assert_int_eq(pthread_create(&th[i], NULL, wait_thread, &w[i]), 0);
	}
	for (int i = 0; i < T; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_int_eq(w[i].st, ACCEL_OK);
		ck_assert_uint_eq(w[i].cmds, 17);
	}
	accel_job_release(job);
	accel_cmdbuf_free(cb);
	accel_buffer_free(dram);
	accel_buffer_free(host);
	accel_close(dev);
}
END_TEST

/* A READ_ONLY device buffer: the DMA engine cannot write it, so
 * accel_buffer_write goes through the CPU mapping; device-side copies
 * into it are refused by name; the device reads it. */
START_TEST(test_fill_read_only)
{
	accel_device *dev = tu_open();
	accel_buffer *ro, *out;
	uint8_t data[8192], back[8192];
	accel_cmdbuf *cb;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	ck_accel(accel_buffer_create(dev, sizeof(data), ACCEL_MEM_DEVICE | ACCEL_MEM_READ_ONLY,
				     &ro));
	ck_accel(accel_buffer_create(dev, sizeof(data), ACCEL_MEM_HOST, &out));
	ck_accel(accel_buffer_write(ro, 0, data, sizeof(data)));
	ck_accel(accel_buffer_read(ro, 0, back, sizeof(back)));
	ck_assert_mem_eq(back, data, sizeof(data));
	ck_accel_err(accel_buffer_copy(ro, 0, out, 0, 64), ACCEL_ERR_PERMISSION);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "accel_buffer_copy: dst is READ_ONLY"));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel_err(accel_cmd_fill(cb, accel_ref_buffer(ro, 0), 64, 0), ACCEL_ERR_PERMISSION);
	ck_assert_str_eq(accel_last_error(), "accel_cmd_fill: operand 'dst': the command writes a "
			 "READ_ONLY buffer");
	ck_accel(accel_cmd_copy(cb, accel_ref_buffer(out, 0), accel_ref_buffer(ro, 0),
				sizeof(data)));
	ck_accel(accel_run(dev, cb, NULL, NULL));
	memset(back, 0, sizeof(back));
	ck_accel(accel_buffer_read(out, 0, back, sizeof(back)));
	ck_assert_mem_eq(back, data, sizeof(data));
	accel_cmdbuf_free(cb);
	accel_buffer_free(ro);
	accel_buffer_free(out);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_lifetime");
	TCase *tc = tcase_create("lifetime");

	tcase_add_loop_test(tc, test_close_with_live_objects, 0, 3);
	tcase_add_test(tc, test_close_callback_releases);
	tcase_add_test(tc, test_threads_wait_one_job);
	tcase_add_test(tc, test_fill_read_only);
	tu_add(s, tc, "lifetime", TU_JOBS);
	return tu_run(s);
}
