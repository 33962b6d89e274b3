// SPDX-License-Identifier: MIT
/*
 * Asynchronous runs and their dispatch: accel_model_submit results equal
 * the synchronous ones; in a shared scheduler running one request at a
 * time, a short request overtakes queued long ones (shortest predicted
 * first), aging makes long ones that waited go first, and a higher
 * priority goes before everything.
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
	suite_add_tcase(s, tc);
	return tu_run(s);
}
