/* SPDX-License-Identifier: MIT */
/* libaccel jobs: async submit, wait/poll/callback, dependencies, queues,
 * priorities, error propagation with messages, profiling, a 1000-job
 * stress, the streaming pipeline and device groups. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "snpu_cmd.h"
#include "snpu_regs.h"

#define REF(b, o) accel_ref_buffer((b), (o))
#define SRAM(o) accel_ref_sram(o)

static accel_buffer *host_buf(accel_device *dev, uint64_t size)
{
	accel_buffer *b;

	ck_accel(accel_buffer_create(dev, size, ACCEL_MEM_HOST, &b));
	return b;
}

static uint64_t rd64(accel_buffer *b, uint64_t off)
{
	uint64_t v = 0;

	ck_accel(accel_buffer_read(b, off, &v, 8));
	return v;
}

START_TEST(test_fill_fence)
{
	accel_device *dev = tu_open();
	accel_buffer *b = host_buf(dev, 8192);
	accel_cmdbuf *cb;
	accel_job_result r = ACCEL_JOB_RESULT_INIT;
	uint32_t w[4];

	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(accel_cmd_fill(cb, REF(b, 16), 4096, 0xdeadbeef));
	ck_accel(accel_cmd_fence(cb, REF(b, 0), 42));
	ck_accel(accel_cmd_nop(cb));
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 3);
	ck_accel(accel_run(dev, cb, NULL, &r));
	ck_assert_int_eq(r.status, ACCEL_OK);
	ck_assert_uint_eq(r.cmds, 3);
	ck_assert_uint_eq(r.hw_error, 0);
	ck_assert(r.end_ns >= r.start_ns);
	ck_assert_uint_eq(rd64(b, 0), 42);
	ck_accel(accel_buffer_read(b, 16 + 4080, w, 16));
	ck_assert_uint_eq(w[0], 0xdeadbeef);
	ck_assert_uint_eq(w[3], 0xdeadbeef);
	ck_accel(accel_buffer_read(b, 16 + 4096, w, 4));
	ck_assert_uint_eq(w[0], 0);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

START_TEST(test_bad_submit)
{
	accel_device *dev = tu_open(), *other = NULL;
	accel_buffer *b = host_buf(dev, 4096), *ro;
	accel_cmdbuf *cb, *empty, *ocb;
	accel_job *job = (accel_job *)0x1, *nulldep = NULL;
	accel_submit_opts o = ACCEL_SUBMIT_OPTS_INIT;

	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(accel_cmdbuf_create(dev, &empty));
	ck_accel(accel_cmd_fence(cb, REF(b, 0), 1));
	ck_accel_err(accel_submit(NULL, cb, NULL, &job), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_submit(dev, empty, NULL, &job), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_null(job);
	o.queue = 1000;
	ck_accel_err(accel_submit(dev, cb, &o, &job), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "queue 1000"));
	o.queue = 0;
	o.priority = (accel_priority)7;
	ck_accel_err(accel_submit(dev, cb, &o, &job), ACCEL_ERR_INVALID_ARG);
	o.priority = ACCEL_PRIORITY_NORMAL;
	o.flags = 0x80;
	ck_accel_err(accel_submit(dev, cb, &o, &job), ACCEL_ERR_INVALID_ARG);
	o.flags = ACCEL_SUBMIT_PROFILE;
	ck_accel_err(accel_submit(dev, cb, &o, &job), ACCEL_ERR_INVALID_ARG);
	o.profile = b;
	o.num_profile = 1000;	/* 32 KiB of records in a 4 KiB buffer */
	ck_accel_err(accel_submit(dev, cb, &o, &job), ACCEL_ERR_OUT_OF_RANGE);
	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_READ_ONLY, &ro));
	o.profile = ro;
	o.num_profile = 1;
	ck_accel_err(accel_submit(dev, cb, &o, &job), ACCEL_ERR_INVALID_ARG);
	o = (accel_submit_opts)ACCEL_SUBMIT_OPTS_INIT;
	o.num_deps = 1;
	ck_accel_err(accel_submit(dev, cb, &o, &job), ACCEL_ERR_INVALID_ARG);
	o.deps = &nulldep;
	ck_accel_err(accel_submit(dev, cb, &o, &job), ACCEL_ERR_INVALID_ARG);
	/* A command buffer recorded for another device. */
	ck_accel(tu_open_second(&other));
	ck_accel(accel_cmdbuf_create(other, &ocb));
	ck_accel(accel_cmd_nop(ocb));
	ck_accel_err(accel_submit(dev, ocb, NULL, &job), ACCEL_ERR_INVALID_ARG);
	accel_cmdbuf_free(ocb);
	accel_close(other);
	/* Encoder argument errors never reach the stream. */
	ck_accel_err(accel_cmd_fence(cb, REF(b, 4), 1), ACCEL_ERR_INVALID_ARG);	/* unaligned */
	ck_accel_err(accel_cmd_fence(cb, REF(b, 4096), 1), ACCEL_ERR_OUT_OF_RANGE);
	ck_accel_err(accel_cmd_fill(cb, REF(b, 0), 6, 0), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmd_copy(cb, REF(b, 0), REF(b, 8), 16), ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "overlap"));
	ck_accel_err(accel_cmd_copy(cb, SRAM(0), REF(b, 0), 8ull << 30),
		     ACCEL_ERR_OUT_OF_RANGE);
	ck_assert_uint_eq(accel_cmdbuf_count(cb), 1);
	accel_cmdbuf_free(cb);
	accel_cmdbuf_free(empty);
	accel_buffer_free(ro);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

struct cb_state {
	atomic_int calls;
	atomic_int failures;
};

static void on_done(accel_job *job, accel_status st, void *user)
{
	struct cb_state *s = user;

	if (st != ACCEL_OK || accel_job_poll(job) != ACCEL_OK)
		atomic_fetch_add(&s->failures, 1);
	atomic_fetch_add(&s->calls, 1);
}

START_TEST(test_async_callbacks)
{
	accel_device *dev = tu_open();
	accel_buffer *b = host_buf(dev, 4096);
	accel_job *jobs[64];
	accel_cmdbuf *cb;
	struct cb_state s;
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;

	atomic_init(&s.calls, 0);
	atomic_init(&s.failures, 0);
	ck_accel(accel_device_query(dev, &info));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	for (int i = 0; i < 64; i++) {
		accel_submit_opts o = { .struct_size = sizeof(accel_submit_opts),
					.queue = (uint32_t)i % info.num_queues,
					.priority = (accel_priority)(i % 2),
					.callback = on_done, .user = &s };

		accel_cmdbuf_reset(cb);
		ck_accel(accel_cmd_fence(cb, REF(b, 8 * (uint64_t)i), 1000 + (uint64_t)i));
		ck_accel(accel_submit(dev, cb, &o, &jobs[i]));
	}
	for (int i = 0; i < 64; i++) {
		ck_accel(accel_job_wait(jobs[i], 10ll * 1000000000));
		ck_assert_int_eq(accel_job_poll(jobs[i]), ACCEL_OK);
		ck_assert_uint_eq(rd64(b, 8 * (uint64_t)i), 1000 + (uint64_t)i);
		accel_job_release(jobs[i]);
	}
	/* Callbacks run on the pool, possibly after wait returned. */
	for (int t = 0; t < 1000 && atomic_load(&s.calls) < 64; t++)
		usleep(1000);
	ck_assert_int_eq(atomic_load(&s.calls), 64);
	ck_assert_int_eq(atomic_load(&s.failures), 0);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

/* A on queue 0 blocks on a flag (WAIT), B on queue 1 depends on A, C on
 * queue 2 releases the flag: B must see what A wrote. */
START_TEST(test_dependencies)
{
	accel_device *dev = tu_open();
	accel_buffer *b = host_buf(dev, 4096);
	accel_cmdbuf *ca, *cbb, *cc;
	accel_job *a, *jb, *c;
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	accel_submit_opts ob = { .struct_size = sizeof(accel_submit_opts),
	.queue = 1, .priority = ACCEL_PRIORITY_NORMAL };
	accel_submit_opts oc = { .struct_size = sizeof(accel_submit_opts),
.queue = 2, .priority = ACCEL_PRIORITY_NORMAL };

	ck_accel(accel_device_query(dev, &info));
	ck_assert_uint_ge(info.num_queues, 3);
	ck_accel(accel_cmdbuf_create(dev, &ca));
	ck_accel(accel_cmdbuf_create(dev, &cbb));
	ck_accel(accel_cmdbuf_create(dev, &cc));
	ck_accel(accel_cmd_wait(ca, REF(b, 0), 1, ACCEL_WAIT_EQ, 900000));
	ck_accel(accel_cmd_fence(ca, REF(b, 8), 5));
	ck_accel(accel_cmd_copy(cbb, REF(b, 16), REF(b, 8), 8));
	ck_accel(accel_cmd_fence(cc, REF(b, 0), 1));
	ck_accel(accel_submit(dev, ca, NULL, &a));
	ob.deps = &a;
	ob.num_deps = 1;
	ck_accel(accel_submit(dev, cbb, &ob, &jb));
	usleep(50000);
	ck_assert_int_eq(accel_job_poll(a), ACCEL_ERR_PENDING);
	ck_assert_int_eq(accel_job_poll(jb), ACCEL_ERR_PENDING);
	ck_accel(accel_submit(dev, cc, &oc, &c));
	ck_accel(accel_job_wait(a, 5ll * 1000000000));
	ck_accel(accel_job_wait(jb, 5ll * 1000000000));
	ck_accel(accel_job_wait(c, -1));
	ck_assert_uint_eq(rd64(b, 16), 5);
	accel_job_release(a);
	accel_job_release(jb);
	accel_job_release(c);
	accel_cmdbuf_free(ca);
	accel_cmdbuf_free(cbb);
	accel_cmdbuf_free(cc);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

/* A job failing on the device names the command; a dependent job is
 * canceled; waits time out while it runs. */
START_TEST(test_failure_and_cancel)
{
	accel_device *dev = tu_open();
	accel_buffer *b = host_buf(dev, 4096);
	accel_cmdbuf *ca, *cbb;
	accel_job *a, *jb;
	accel_job_result r = ACCEL_JOB_RESULT_INIT;
	accel_submit_opts ob = { .struct_size = sizeof(accel_submit_opts),
.priority = ACCEL_PRIORITY_NORMAL };

	ck_accel(accel_cmdbuf_create(dev, &ca));
	ck_accel(accel_cmdbuf_create(dev, &cbb));
	ck_accel(accel_cmd_nop(ca));
	ck_accel(accel_cmd_wait(ca, REF(b, 0), 7, ACCEL_WAIT_EQ, 300000));	/* never true */
	ck_accel(accel_cmd_fence(ca, REF(b, 8), 1));
	ck_accel(accel_cmd_fence(cbb, REF(b, 16), 1));
	ck_accel(accel_submit(dev, ca, NULL, &a));
	ob.deps = &a;
	ob.num_deps = 1;
	ck_accel(accel_submit(dev, cbb, &ob, &jb));
	ck_accel_err(accel_job_wait(a, 1000000), ACCEL_ERR_TIMEOUT);
	ck_accel_err(accel_job_result_get(a, &r), ACCEL_ERR_PENDING);
	ck_accel_err(accel_job_wait(a, -1), ACCEL_ERR_JOB_FAILED);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "command 1 (wait)"));
	ck_accel(accel_job_result_get(a, &r));
	ck_assert_int_eq(r.status, ACCEL_ERR_JOB_FAILED);
	ck_assert_uint_eq(r.failed_cmd, 1);
	ck_assert_uint_eq(r.hw_error, SNPU_ERR_WAIT_TIMEOUT);
	ck_assert_uint_eq(r.cmds, 3);
	ck_accel_err(accel_job_wait(jb, -1), ACCEL_ERR_JOB_CANCELED);
	ck_assert_uint_eq(rd64(b, 8), 0);	/* neither ran its fence */
	ck_assert_uint_eq(rd64(b, 16), 0);
	/* Depending on an already failed job cancels at once. */
	accel_job_release(jb);
	ck_accel(accel_submit(dev, cbb, &ob, &jb));
	ck_accel_err(accel_job_wait(jb, -1), ACCEL_ERR_JOB_CANCELED);
	accel_job_release(jb);
	accel_job_release(a);
	accel_cmdbuf_free(ca);
	accel_cmdbuf_free(cbb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

/* Malformed raw commands and forged VAs: the device (sim) reports the
 * command and fault VA; the kernel driver may refuse them at submit. */
START_TEST(test_raw_errors)
{
	accel_device *dev = tu_open();
	accel_buffer *b = host_buf(dev, 4096);
	accel_cmdbuf *cb;
	accel_job *job;
	accel_job_result r = ACCEL_JOB_RESULT_INIT;
	struct snpu_cmd_header bad = { .opcode = 0x7f, .size = 8 };
	struct snpu_cmd_fence f = { .hdr = { .opcode = SNPU_OP_FENCE, .size = sizeof(f) },
				    .addr = 0x40000000ull, .value = 1 };
	accel_status st;

	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel_err(accel_cmdbuf_append_raw(cb, &bad, 4), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmdbuf_append_raw(cb, &bad, 16), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_cmdbuf_use(cb, b, 0), ACCEL_ERR_INVALID_ARG);
	ck_accel(accel_cmd_nop(cb));
	ck_accel(accel_cmd_nop(cb));
	ck_accel(accel_cmdbuf_append_raw(cb, &bad, sizeof(bad)));
	st = accel_submit(dev, cb, NULL, &job);
	if (tu_is_sim()) {
		ck_accel(st);
		ck_accel_err(accel_job_wait(job, -1), ACCEL_ERR_JOB_FAILED);
		ck_accel(accel_job_result_get(job, &r));
		ck_assert_uint_eq(r.failed_cmd, 2);
		ck_assert_uint_eq(r.cmds_done, 2);
		ck_assert_uint_eq(r.fault_flags, 0);
		ck_assert_uint_eq(r.hw_error, SNPU_ERR_OPCODE);
		ck_assert_ptr_nonnull(strstr(r.message, "unknown opcode"));
		accel_job_release(job);
	} else if (st == ACCEL_OK) {
		ck_accel_err(accel_job_wait(job, -1), ACCEL_ERR_JOB_FAILED);
		accel_job_release(job);
	} else {
		ck_accel_err(st, ACCEL_ERR_INVALID_ARG);
	}
	accel_cmdbuf_reset(cb);
	ck_accel(accel_cmd_nop(cb));
	ck_accel(accel_cmdbuf_append_raw(cb, &f, sizeof(f)));
	ck_accel(accel_cmdbuf_use(cb, b, ACCEL_ACCESS_WRITE));
	st = accel_submit(dev, cb, NULL, &job);
	if (tu_is_sim() || st == ACCEL_OK) {
		ck_accel(st);
		ck_accel_err(accel_job_wait(job, -1), ACCEL_ERR_JOB_FAULT);
		ck_accel(accel_job_result_get(job, &r));
		ck_assert_uint_eq(r.failed_cmd, 1);
		ck_assert_uint_eq(r.fault_va, 0x40000000ull);
		ck_assert_uint_eq(r.cmds_done, 1);
		ck_assert_uint_eq(r.fault_flags & (SNPU_MMU_FAULT_VALID | SNPU_MMU_FAULT_WRITE),
				  SNPU_MMU_FAULT_VALID | SNPU_MMU_FAULT_WRITE);
		ck_assert_uint_eq(r.hw_error, SNPU_ERR_MMU_FAULT);
		ck_assert_ptr_nonnull(strstr(r.message, "0x40000000"));
		accel_job_release(job);
	} else {
		ck_accel_err(st, ACCEL_ERR_PERMISSION);
	}
	/* The device still works after the faults. */
	accel_cmdbuf_reset(cb);
	ck_accel(accel_cmd_fence(cb, REF(b, 0), 9));
	ck_accel(accel_run(dev, cb, NULL, NULL));
	ck_assert_uint_eq(rd64(b, 0), 9);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_close(dev);
}
END_TEST

START_TEST(test_profile_timestamp_counters)
{
	accel_device *dev = tu_open();
	accel_buffer *b = host_buf(dev, 4096), *prof = host_buf(dev, 4096);
	accel_profile_rec rec[3];
	accel_cmdbuf *cb;
	accel_submit_opts o = { .struct_size = sizeof(accel_submit_opts),
				.priority = ACCEL_PRIORITY_HIGH, .flags = ACCEL_SUBMIT_PROFILE,
				.profile = prof, .num_profile = 3 };
	uint64_t ts[2], cnt[ACCEL_NUM_COUNTERS];

	ck_accel(accel_cmdbuf_create(dev, &cb));
	ck_accel(accel_cmd_timestamp(cb, REF(b, 0)));
	ck_accel(accel_cmd_fill(cb, REF(b, 1024), 2048, 7));
	ck_accel(accel_cmd_counters(cb, REF(b, 2048 + 1024)));
	ck_accel(accel_run(dev, cb, &o, NULL));
	ck_accel(accel_buffer_read(prof, 0, rec, sizeof(rec)));
	ck_assert_uint_eq(rec[0].opcode, SNPU_OP_TIMESTAMP);
	ck_assert_uint_eq(rec[1].opcode, SNPU_OP_DMA_FILL);
	ck_assert_uint_eq(rec[2].opcode, SNPU_OP_COUNTERS);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(rec[i].index, (uint32_t)i);
		ck_assert_uint_eq(rec[i].status, 0);
		ck_assert(rec[i].end_ns >= rec[i].start_ns);
	}
	ck_accel(accel_buffer_read(b, 0, ts, sizeof(ts)));
	ck_assert_uint_ne(ts[0], 0);
	ck_accel(accel_buffer_read(b, 2048 + 1024, cnt, sizeof(cnt)));
	ck_assert(cnt[ACCEL_CNT_DOORBELLS] >= 1);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
	accel_buffer_free(prof);
	accel_close(dev);
}
END_TEST

/* 1000 jobs of random sizes on random queues, every result checked
 * against the same operation done by the CPU. */
START_TEST(test_stress_1000)
{
	enum { N = 1000, SLOT = 16384 };
	accel_device *dev = tu_open();
	accel_buffer *src = host_buf(dev, SLOT), *dst = host_buf(dev, (uint64_t)N * SLOT);
	accel_buffer *dram;
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	accel_cmdbuf *cb;
	accel_job **jobs = calloc(N, sizeof(*jobs));
	uint8_t *pattern = malloc(SLOT), *expect = malloc(SLOT), *got = malloc(SLOT);
	uint32_t *len = calloc(N, sizeof(*len)), *kind = calloc(N, sizeof(*kind));
	uint32_t seed = 12345;

	ck_assert(jobs && pattern && expect && got && len && kind);
	ck_accel(accel_device_query(dev, &info));
	ck_accel(accel_buffer_create(dev, SLOT, ACCEL_MEM_DEVICE, &dram));
	for (int i = 0; i < SLOT; i++)
		pattern[i] = (uint8_t)tu_rand(&seed);
	ck_accel(accel_buffer_write(src, 0, pattern, SLOT));
	ck_accel(accel_buffer_write(dram, 0, pattern, SLOT));
	ck_accel(accel_cmdbuf_create(dev, &cb));
	for (int i = 0; i < N; i++) {
		accel_submit_opts o = { .struct_size = sizeof(accel_submit_opts),
					.queue = tu_rand(&seed) % info.num_queues,
					.priority = (accel_priority)(tu_rand(&seed) % 2) };
		accel_ref out = REF(dst, (uint64_t)i * SLOT);

		len[i] = 4 * (1 + tu_rand(&seed) % (SLOT / 4));
		kind[i] = tu_rand(&seed) % 3;
		accel_cmdbuf_reset(cb);
		if (kind[i] == 0)
			ck_accel(accel_cmd_fill(cb, out, len[i], 0x01010101u * (uint32_t)(i & 0xff)));
		else
			ck_accel(accel_cmd_copy(cb, out, REF(kind[i] == 1 ? src : dram, 0), len[i]));
		ck_accel(accel_submit(dev, cb, &o, &jobs[i]));
	}
	for (int i = 0; i < N; i++) {
		ck_accel(accel_job_wait(jobs[i], -1));
		accel_job_release(jobs[i]);
		if (kind[i] == 0)
			memset(expect, i & 0xff, len[i]);
		else
			memcpy(expect, pattern, len[i]);
		ck_accel(accel_buffer_read(dst, (uint64_t)i * SLOT, got, SLOT));
		ck_assert_msg(!memcmp(got, expect, len[i]), "job %d (kind %u, %u bytes) wrong", i,
			      kind[i], len[i]);
		memset(expect, 0, SLOT - len[i]);
		ck_assert_msg(!memcmp(got + len[i], expect, SLOT - len[i]),
			      "job %d wrote past its %u bytes", i, len[i]);
	}
	free(jobs);
	free(pattern);
	free(expect);
	free(got);
	free(len);
	free(kind);
	accel_cmdbuf_free(cb);
	accel_buffer_free(src);
	accel_buffer_free(dst);
	accel_buffer_free(dram);
	accel_close(dev);
}
END_TEST

/* Pipeline: each batch is copied through device DRAM and back. */
struct pipe_ctx {
	accel_buffer *stage;
	size_t n;
	uint64_t consumed;
	int bad;
};

static accel_status pipe_prepare(void *user, uint64_t batch, void *in)
{
	struct pipe_ctx *c = user;

	for (size_t i = 0; i < c->n; i++)
		((uint8_t *)in)[i] = (uint8_t)(batch * 31 + i);
	return ACCEL_OK;
}

static accel_status pipe_record(void *user, uint64_t batch, accel_cmdbuf *cb, accel_buffer *in,
				accel_buffer *out)
{
	struct pipe_ctx *c = user;
	uint64_t off = (batch % 2) * c->n;
	accel_status st;

	st = accel_cmd_copy(cb, REF(c->stage, off), REF(in, 0), c->n);
	if (!st)
		st = accel_cmd_copy(cb, REF(out, 0), REF(c->stage, off), c->n);
	return st;
}

static accel_status pipe_consume(void *user, uint64_t batch, const void *out)
{
	struct pipe_ctx *c = user;

	if (batch != c->consumed)
		c->bad++;
	for (size_t i = 0; i < c->n; i++)
		if (((const uint8_t *)out)[i] != (uint8_t)(batch * 31 + i))
			c->bad++;
	c->consumed++;
	return ACCEL_OK;
}

static accel_status pipe_fail(void *user, uint64_t batch, const void *out)
{
	(void)user;
	(void)out;
	return batch == 3 ? ACCEL_ERR_INVALID_ARG : ACCEL_OK;
}

START_TEST(test_pipeline)
{
	accel_device *dev = tu_open();
	struct pipe_ctx c = { .n = 65536 };
	accel_pipeline_ops ops = ACCEL_PIPELINE_OPS_INIT;
	accel_pipeline_stats st = ACCEL_PIPELINE_STATS_INIT;

	ops.prepare = pipe_prepare;
	ops.record = pipe_record;
	ops.consume = pipe_consume;
	ck_accel(accel_buffer_create(dev, 2 * c.n, ACCEL_MEM_DEVICE, &c.stage));
	ck_accel(accel_pipeline_run(dev, &ops, &c, c.n, c.n, 20, 2, &st));
	ck_assert_int_eq(c.bad, 0);
	ck_assert_uint_eq(c.consumed, 20);
	ck_assert_uint_eq(st.batches, 20);
	ck_assert(st.wall_ns > 0 && st.device_ns > 0);
	ck_accel_err(accel_pipeline_run(dev, &ops, &c, 0, c.n, 1, 2, NULL), ACCEL_ERR_INVALID_ARG);
	ck_accel_err(accel_pipeline_run(dev, &ops, &c, c.n, c.n, 1, 99, NULL),
		     ACCEL_ERR_INVALID_ARG);
	ops.consume = pipe_fail;
	ck_accel_err(accel_pipeline_run(dev, &ops, &c, c.n, c.n, 10, 3, NULL),
		     ACCEL_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(accel_last_error(), "batch 3"));
	accel_buffer_free(c.stage);
	accel_close(dev);
}
END_TEST

/* Groups: data parallel slices, and a two-stage pipeline across devices
 * through a shared host buffer. */
struct grp_ctx {
	accel_buffer *out[2];		/* per device */
	accel_buffer *shared[2];	/* one memory, seen by dev 0 and dev 1 */
	accel_buffer *final;		/* dev 1 */
};

static accel_status slice(void *user, size_t i, accel_device *dev, uint64_t first,
			  uint64_t count, accel_cmdbuf *cb)
{
	struct grp_ctx *g = user;

	(void)dev;
	for (uint64_t k = first; k < first + count; k++) {
		accel_status st = accel_cmd_fence(cb, REF(g->out[i], 8 * k), 100 + k);

		if (st)
			return st;
	}
	return ACCEL_OK;
}

static accel_status stage(void *user, size_t s, uint64_t batch, accel_device *dev,
			  accel_cmdbuf *cb)
{
	struct grp_ctx *g = user;

	(void)dev;
	if (s == 0)
		return accel_cmd_fence(cb, REF(g->shared[0], 8 * (batch % 4)), 7000 + batch);
	return accel_cmd_copy(cb, REF(g->final, 8 * batch), REF(g->shared[1], 8 * (batch % 4)), 8);
}

START_TEST(test_group)
{
	accel_device *d[2] = { tu_open(), NULL };
	struct grp_ctx c;
	accel_group *g;

	ck_accel(tu_open_second(&d[1]));
	ck_accel_err(accel_group_create(d, 0, &g), ACCEL_ERR_INVALID_ARG);
	ck_accel(accel_group_create(d, 2, &g));
	ck_assert_uint_eq(accel_group_size(g), 2);
	ck_assert_ptr_eq(accel_group_device(g, 1), d[1]);
	ck_assert_ptr_null(accel_group_device(g, 2));
	for (int i = 0; i < 2; i++)
		ck_accel(accel_buffer_create(d[i], 8 * 11, ACCEL_MEM_HOST, &c.out[i]));
	ck_accel(accel_group_data_parallel(g, 11, slice, &c));
	for (uint64_t k = 0; k < 11; k++) {
		int dev = k < 6 ? 0 : 1;	/* 6 + 5 */

		ck_assert_uint_eq(rd64(c.out[dev], 8 * k), 100 + k);
		ck_assert_uint_eq(rd64(c.out[1 - dev], 8 * k), 0);
	}
	ck_accel(accel_buffer_create(d[0], 4096, ACCEL_MEM_HOST, &c.shared[0]));
	ck_accel(accel_buffer_share(c.shared[0], d[1], &c.shared[1]));
	ck_accel(accel_buffer_create(d[1], 8 * 16, ACCEL_MEM_HOST, &c.final));
	ck_accel(accel_group_pipeline(g, 2, 16, stage, &c));
	for (uint64_t b = 0; b < 16; b++)
		ck_assert_uint_eq(rd64(c.final, 8 * b), 7000 + b);
	accel_group_destroy(g);
	for (int i = 0; i < 2; i++) {
		accel_buffer_free(c.out[i]);
		accel_buffer_free(c.shared[i]);
	}
	accel_buffer_free(c.final);
	accel_close(d[1]);
	accel_close(d[0]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libaccel_job");
	TCase *tc;

	tc = tcase_create("jobs");
	tcase_add_test(tc, test_fill_fence);
	tcase_add_test(tc, test_async_callbacks);
	tcase_add_test(tc, test_dependencies);
	tcase_add_test(tc, test_failure_and_cancel);
	tcase_add_test(tc, test_raw_errors);
	tcase_add_test(tc, test_profile_timestamp_counters);
	tcase_add_test(tc, test_stress_1000);
	tcase_add_test(tc, test_pipeline);
	tu_add(s, tc, "jobs", TU_JOBS);
	tc = tcase_create("two-devices");
	tcase_add_test(tc, test_bad_submit);
	tcase_add_test(tc, test_group);
	tu_add(s, tc, "two-devices", TU_TWO_DEVICES);
	return tu_run(s);
}
