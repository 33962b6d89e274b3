/* SPDX-License-Identifier: MIT */
/* libaccel thread pool, callbacks on a chosen pool, and one device used
 * by several submitting threads at once. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "libaccel_testutil.h"

static void add_one(void *arg)
{
	atomic_fetch_add((atomic_int *)arg, 1);
}

static void square(void *arg, size_t i)
{
	uint64_t *out = arg;

	out[i] = (uint64_t)i * i;
}

struct nested {
	accel_pool *pool;
	accel_status st;
};

static void wait_inside(void *arg)
{
	struct nested *n = arg;

	n->st = accel_pool_wait(n->pool);
}

START_TEST(test_pool)
{
	accel_pool *p;
	atomic_int count;
	uint64_t *out = calloc(10000, sizeof(*out));
	struct nested n;

	ck_accel_err(accel_pool_create(100000, &p), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_pool_create(2, NULL), ACCEL_ERR_INVALID_ARG);
	ck_accel(accel_pool_create(0, &p));
	ck_assert_uint_ge(accel_pool_threads(p), 1);
	atomic_init(&count, 0);
	for (int i = 0; i < 1000; i++)
		ck_accel(accel_pool_submit(p, add_one, &count));
	ck_accel(accel_pool_wait(p));
	ck_assert_int_eq(atomic_load(&count), 1000);
	ck_accel(accel_pool_parallel_for(p, 10000, square, out));
	for (size_t i = 0; i < 10000; i += 997)
		ck_assert_uint_eq(out[i], (uint64_t)i * i);
	ck_assert_uint_eq(out[9999], 9999ull * 9999);
	ck_accel(accel_pool_parallel_for(p, 0, square, out));
	ck_accel_err(accel_pool_submit(p, NULL, NULL), ACCEL_ERR_INVALID_ARG);
	n.pool = p;
	n.st = ACCEL_OK;
	ck_accel(accel_pool_submit(p, wait_inside, &n));
	ck_accel(accel_pool_wait(p));
	ck_assert_int_eq(n.st, ACCEL_ERR_STATE);
	accel_pool_destroy(p);
	accel_pool_destroy(NULL);
	free(out);
}
END_TEST

struct cb_ctx {
	pthread_t submitter;
	atomic_int calls, wrong_thread;
};

static void on_done(accel_job *job, accel_status st, void *user)
{
	struct cb_ctx *c = user;

	(void)job;
	if (st != ACCEL_OK || pthread_equal(pthread_self(), c->submitter))
		atomic_fetch_add(&c->wrong_thread, 1);
	atomic_fetch_add(&c->calls, 1);
}

START_TEST(test_callbacks_on_pool)
{
	accel_device *dev = tu_open();
	accel_buffer *b;
	accel_cmdbuf *cb;
	accel_pool *p;
	struct cb_ctx c = { .submitter = pthread_self() };
	accel_job *jobs[32];

	atomic_init(&c.calls, 0);
	atomic_init(&c.wrong_thread, 0);
	ck_accel(accel_pool_create(2, &p));
	ck_accel(accel_device_set_pool(dev, p));
	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &b));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(accel_cmd_fence(cb, accel_ref_buffer(b, 0), 1));
	for (int i = 0; i < 32; i++) {
		accel_submit_opts o = { .struct_size = sizeof(accel_submit_opts),
					.callback = on_done, .user = &c,
					.priority = ACCEL_PRIORITY_NORMAL };

		ck_accel(accel_submit(dev, cb, &o, &jobs[i]));
	}
	for (int i = 0; i < 32; i++) {
		ck_accel(accel_job_wait(jobs[i], -1));
		accel_job_release(jobs[i]);
	}
	ck_accel(accel_pool_wait(p));
	ck_assert_int_eq(atomic_load(&c.calls), 32);
	ck_assert_int_eq(atomic_load(&c.wrong_thread), 0);
	ck_accel(accel_device_set_pool(dev, NULL));
	accel_pool_destroy(p);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

struct worker {
	accel_device *dev;
	accel_buffer *buf;
	int id;
	int errors;
};

/* Each thread records and runs its own jobs on the shared device. */
static void *submitter(void *arg)
{
	struct worker *w = arg;
	accel_cmdbuf *cb;

	if (accel_cmdbuf_create(w->dev, &cb))
		return (void *)1;
	for (int i = 0; i < 50; i++) {
		uint64_t v = 0;

		accel_cmdbuf_reset(cb);
		if (accel_cmd_fence(cb, accel_ref_buffer(w->buf, 8 * (uint64_t)w->id), (uint64_t)i + 1) ||
		    accel_run(w->dev, cb, NULL, NULL) ||
		    accel_buffer_read(w->buf, 8 * (uint64_t)w->id, &v, 8) || v != (uint64_t)i + 1)
			w->errors++;
	}
	accel_cmdbuf_free(cb);
	return NULL;
}

START_TEST(test_threads_share_device)
{
	accel_device *dev = tu_open();
	accel_buffer *b;
	pthread_t t[4];
	struct worker w[4];

	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &b));
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .dev = dev, .buf = b, .id = i };
		ck_assert_int_eq(pthread_create(&t[i], NULL, submitter, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		void *r;

		ck_assert_int_eq(pthread_join(t[i], &r), 0);
		ck_assert_ptr_null(r);
		ck_assert_int_eq(w[i].errors, 0);
	}
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_pool");
	TCase *tc;

	tc = tcase_create("pool");
	tcase_add_test(tc, test_pool);
	tu_add(s, tc, "pool", TU_DEVICE);
	tc = tcase_create("concurrency");
	tcase_add_test(tc, test_callbacks_on_pool);
	tcase_add_test(tc, test_threads_share_device);
	tu_add(s, tc, "concurrency", TU_JOBS);
	return tu_run(s);
}
