// SPDX-License-Identifier: MIT
/*
 * Asynchronous runs and their dispatch: accel_model_submit results equal
 * the synchronous ones; in a shared scheduler running one request at a
 * time, a short request overtakes queued long ones (shortest predicted
 * first), aging makes long ones that waited go first, and a higher
 * priority goes before everything, also on the device (its job priority).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"

#define MAXJ 8

struct order {
	pthread_mutex_t lock;
	int seq[MAXJ];
	int n;
};

struct tag {
	struct order *o;
	int id;
};

static void record(accel_model_job *job, accel_status st, void *user)
{
	struct tag *t = user;

	(void)job;
	ck_assert_int_eq(st, ACCEL_OK);
	pthread_mutex_lock(&t->o->lock);
	t->o->seq[t->o->n++] = t->id;
	pthread_mutex_unlock(&t->o->lock);
}

static accel_model *load(accel_device *dev, const char *name, uint32_t batch,
			 accel_scheduler *s, int32_t prio)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	accel_model *m;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/model.onnx", MODEL_TEST_DIR, name);
	o.batch = batch;
	o.scheduler = s;
	o.priority = prio;
	ck_accel(accel_model_load_file(dev, path, &o, &m));
	return m;
}

static uint64_t cycles(accel_model *m)
{
	accel_model_stats st = { .struct_size = sizeof(st) };

	ck_accel(accel_model_get_stats(m, &st));
	return st.predicted_cycles;
}

START_TEST(test_submit_matches_run)
{
	accel_device *dev = tu_open();
	accel_model *m = load(dev, "lenet", 16, NULL, 0);
	accel_npy in, want;
	char path[512];
	float *y;
	const float *ins[1];
	float *outs[1];
	accel_model_job *job;
	uint64_t i;

	snprintf(path, sizeof(path), "%s/lenet/input_bN.npy", MODEL_TEST_DIR);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &in));
	snprintf(path, sizeof(path), "%s/lenet/output_bN.npy", MODEL_TEST_DIR);
	ck_accel(accel__npy_read_file(path, ACCEL_NPY_FP32, &want));
	y = calloc(want.count, sizeof(float));
	ins[0] = in.data;
	outs[0] = y;
	ck_accel(accel_model_submit(m, 16, ins, outs, NULL, NULL, &job));
	memset(in.data, 0, in.bytes);	/* the inputs were copied */
	ck_accel(accel_model_job_wait(job, -1));
	accel_model_job_release(job);
	for (i = 0; i < want.count; i++)
		ck_assert(fabsf(y[i] - ((float *)want.data)[i]) <= 1e-4f);
	ck_assert_uint_gt(cycles(m), 0);
	free(y);
	accel__npy_free(&in);
	accel__npy_free(&want);
	accel_model_free(m);
	accel_close(dev);
}
END_TEST

/* Submit blocker + 3 long + (after pause_ms) 1 short [+ 1 urgent long];
 * completion order into o. */
static void scenario(uint64_t aging, int pause_ms, bool urgent, struct order *o)
{
	accel_device *dev = tu_open();
	accel_scheduler *s;
	accel_model *lng, *shrt, *urg = NULL;
	struct tag tags[MAXJ];
	accel_model_job *jobs[MAXJ];
	static float x[64 * 256], y[64 * 10];
	const float *ins[1] = { x };
	float *outs[1] = { y };
	int i, n = 0;

	ck_accel(accel_scheduler_create(1, aging, &s));
	lng = load(dev, "lenet", 64, s, 0);
	shrt = load(dev, "lenet", 1, s, 0);
	if (urgent)
		urg = load(dev, "lenet", 64, s, 1);
	ck_assert_uint_gt(cycles(lng), 4 * cycles(shrt));
	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->lock, NULL);
	for (i = 0; i < 4; i++) {
		tags[n] = (struct tag){ o, n };
		ck_accel(accel_model_submit(lng, 64, ins, outs, record, &tags[n], &jobs[n]));
		n++;
	}
	if (pause_ms) {
		struct timespec ts = { 0, pause_ms * 1000000L };

		nanosleep(&ts, NULL);
	}
	/* the urgent one is queued before the short one, so the short one
	 * cannot start ahead of it however fast the blocker finishes */
	if (urgent) {
		tags[5] = (struct tag){ o, 5 };	/* id 5: high priority */
		ck_accel(accel_model_submit(urg, 64, ins, outs, record, &tags[5], &jobs[5]));
	}
	tags[4] = (struct tag){ o, 4 };		/* id 4: the short one */
	ck_accel(accel_model_submit(shrt, 1, ins, outs, record, &tags[4], &jobs[4]));
	n = urgent ? 6 : 5;
	for (i = 0; i < n; i++) {
		ck_accel(accel_model_job_wait(jobs[i], -1));
		accel_model_job_release(jobs[i]);
	}
	ck_assert_int_eq(o->n, n);
	accel_model_free(lng);
	accel_model_free(shrt);
	accel_model_free(urg);
	accel_scheduler_destroy(s);
	accel_close(dev);
	printf("order (aging %llu/ms):", (unsigned long long)aging);
	for (i = 0; i < n; i++)
		printf(" %d", o->seq[i]);
	printf("\n");
}

static int pos(const struct order *o, int id)
{
	int i;

	for (i = 0; i < o->n; i++)
		if (o->seq[i] == id)
			return i;
	return -1;
}

START_TEST(test_short_overtakes)
{
	struct order o;

	scenario(1, 0, false, &o);	/* almost no aging */
	/* the short one ran before the long ones still queued behind the first
	 * (long 1 may already have started when the blocker ends first on a
	 * loaded host, so only 2 and 3 are certain to be waiting) */
	ck_assert_int_lt(pos(&o, 4), pos(&o, 2));
	ck_assert_int_lt(pos(&o, 4), pos(&o, 3));
}
END_TEST

START_TEST(test_aging)
{
	struct order o;

	/* long ones waited 20 ms more than the short one: with strong aging
	 * that outweighs any difference in predicted cycles */
	scenario(1000000000000ull, 20, false, &o);
	ck_assert_int_gt(pos(&o, 4), pos(&o, 1));
	ck_assert_int_gt(pos(&o, 4), pos(&o, 2));
	ck_assert_int_gt(pos(&o, 4), pos(&o, 3));
}
END_TEST

START_TEST(test_priority)
{
	struct order o;

	scenario(1, 0, true, &o);
	/* the high-priority long one goes before the queued normal ones,
	 * the shorter one included */
	ck_assert_int_lt(pos(&o, 5), pos(&o, 4));
	ck_assert_int_lt(pos(&o, 5), pos(&o, 2));
	ck_assert_int_lt(pos(&o, 5), pos(&o, 3));
}
END_TEST

/* accel_model_run in a thread (the device-priority test). */
struct bg_run {
	accel_model *m;
	const float *in;
	float *out;
	accel_status st;
};

static void *bg_run_main(void *arg)
{
	struct bg_run *r = arg;
	const float *ins[1] = { r->in };
	float *outs[1] = { r->out };

	r->st = accel_model_run(r->m, 1, ins, outs);
	return NULL;
}

/*
 * One try: three NORMAL jobs wait on queue 0 for a dependency (a job on
 * queue 1 blocked in WAIT until the test writes its flag, at most the
 * firmware's 1 s WAIT cap); then a run of model m. True if the run ended
 * while the three still waited (it overtook them); false if they ended
 * first (the gate timed out: with the same priority the run queues
 * behind them, and waits for that).
 */
static bool overtakes(accel_device *dev, accel_model *m)
{
	accel_submit_opts og = ACCEL_SUBMIT_OPTS_INIT, on = ACCEL_SUBMIT_OPTS_INIT;
	static float x[256], y[10];
	struct bg_run r = { .m = m, .in = x, .out = y };
	accel_job *gate, *normal[3];
	accel_cmdbuf *cg, *cn;
	accel_buffer *flag;
	bool pending = true;
	pthread_t th;
	void *p;
	int i;

	ck_accel(accel_buffer_create(dev, 4096, ACCEL_MEM_HOST, &flag));
	ck_accel(accel_buffer_map(flag, &p));
	memset(p, 0, 4096);
	ck_accel(accel_cmdbuf_create(dev, &cg));
	ck_accel(accel_cmdbuf_create(dev, &cn));
	ck_accel(accel_cmd_wait(cg, accel_ref_buffer(flag, 0), 1, ACCEL_WAIT_EQ, 0));
	ck_accel(accel_cmd_nop(cn));
	og.queue = 1;
	ck_accel(accel_submit(dev, cg, &og, &gate));
	on.deps = &gate;
	on.num_deps = 1;
	for (i = 0; i < 3; i++)
		ck_accel(accel_submit(dev, cn, &on, &normal[i]));
	ck_assert_int_eq(pthread_create(&th, NULL, bg_run_main, &r), 0);
	pthread_join(th, NULL);
	ck_accel(r.st);
	for (i = 0; i < 3; i++)
		pending = pending && accel_job_poll(normal[i]) == ACCEL_ERR_PENDING;
	((volatile uint64_t *)p)[0] = 1;	/* open the gate */
	accel_job_wait(gate, -1);
	for (i = 0; i < 3; i++) {
		accel_job_wait(normal[i], -1);
		accel_job_release(normal[i]);
	}
	accel_job_release(gate);
	accel_cmdbuf_free(cg);
	accel_cmdbuf_free(cn);
	accel_buffer_free(flag);
	return pending;
}

/*
 * The model's priority reaches the device's job priorities, not only the
 * host-side dispatch: options.priority > 0 makes its jobs HIGH, and a run
 * overtakes NORMAL jobs waiting on the same queue (three tries, so a run
 * slower than the 1 s gate under load does not fail the test); at
 * priority 0 it never does.
 */
START_TEST(test_device_priority)
{
	accel_device *dev = tu_open();
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	accel_model *hi = load(dev, "lenet", 1, NULL, 5), *lo = load(dev, "lenet", 1, NULL, 0);
	int tries = 0;

	ck_accel(accel_device_query(dev, &info));
	ck_assert_uint_ge(info.num_queues, 2);
	while (tries < 3 && !overtakes(dev, hi))
		tries++;
	ck_assert_msg(tries < 3, "a priority-5 run did not overtake waiting NORMAL jobs");
	ck_assert(!overtakes(dev, lo));
	accel_model_free(hi);
	accel_model_free(lo);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_sched");
	TCase *tc = tcase_create("sched");

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_submit_matches_run);
	tcase_add_test(tc, test_short_overtakes);
	tcase_add_test(tc, test_aging);
	tcase_add_test(tc, test_priority);
	tcase_add_test(tc, test_device_priority);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
