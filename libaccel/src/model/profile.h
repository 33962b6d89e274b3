/* SPDX-License-Identifier: MIT */
/*
 * Per-layer profiles (ACCEL_MODEL_PROFILE): the lowering puts a TIMESTAMP
 * command (device clock ns + the timing model's predicted cycles so far)
 * before the first node of each device step and after every computing
 * node, into a per-slot host buffer; each run keeps the last of them, with
 * the host-side stages (compile stages at load; input copy, submit and
 * wait, output copy per run). accel_model_profile() prints them as a
 * table, accel_model_write_trace() as Chrome trace-event JSON.
 */
#ifndef MODEL_PROFILE_H
#define MODEL_PROFILE_H

#include <pthread.h>
#include <stdint.h>
#include "accel/accel.h"

#define PROF_MAX_STAGES 64

struct prof_stage {
	char name[32];
	uint64_t start_ns, end_ns;	/* host CLOCK_MONOTONIC */
	uint32_t dev;			/* for run stages: the device */
};

struct mdl_prof {
	pthread_mutex_t lock;
	uint32_t n_ts;			/* n_node + 1 stamps per slot */
	uint8_t *stamps;		/* last run, per device: n_ts x 16 bytes */
	uint32_t n_devs;
	uint64_t *submit_ns;		/* host time of the last submit, per device */
	bool *have;			/* a run of that device was recorded */
	struct prof_stage stage[PROF_MAX_STAGES];
	uint32_t n_stage, n_compile;
	char *table;
};

struct accel_model;
struct mdl_slot;

uint64_t prof_now(void);
/* A compile stage (model.c) or a run stage. */
void prof_stage(struct accel_model *m, const char *name, uint64_t start, uint64_t end,
		uint32_t dev);
accel_status prof_init(struct accel_model *m);
void prof_free(struct accel_model *m);
/* The slot's stamp buffer (NULL without ACCEL_MODEL_PROFILE). */
accel_status prof_slot_buffer(struct accel_model *m, accel_device *dev, accel_buffer **out);
/* A run starts: the previous run's host stages are dropped. */
void prof_run_begin(struct accel_model *m);
/* After a slot's run on device d ended: keep its stamps. */
void prof_record(struct accel_model *m, struct mdl_slot *s, uint32_t d, uint64_t submit_ns);

#endif /* MODEL_PROFILE_H */
