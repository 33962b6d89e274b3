/* SPDX-License-Identifier: MIT */
/*
 * The model runtime: a compiled plan bound to devices. Each device holds
 * the weights once (DEVICE memory, uploaded at load) and max_inflight
 * slots; a slot is one in-flight inference: its arena, pinned input and
 * output buffers, and the recorded command stream of every plan step.
 */
#ifndef MODEL_RUNTIME_H
#define MODEL_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "accel/accel.h"
#include "accel/model.h"
#include "ir.h"
#include "passes.h"
#include "plan.h"

struct mdl_slot {
	struct mdl_dev *md;
	accel_buffer *arena;
	accel_buffer **in, **out;
	accel_cmdbuf **cmds;	/* per plan step */
	accel_job *job;		/* the device job in flight (single-step plans) */
	uint32_t count;		/* items of this run */
	accel_buffer *ts;	/* ACCEL_MODEL_PROFILE: TIMESTAMP records */
	uint64_t submit_ns;	/* host time of the submit (profile) */
	bool busy;
};

struct mdl_dev {
	accel_device *dev;
	accel_buffer *weights;
	struct mdl_slot *slots;
	uint32_t n_slots;
};

struct accel_model {
	char *source;		/* file or buffer name */
	struct ir_graph g;
	struct plan p;
	struct pass_log log;
	accel_model_options opts;
	uint32_t batch_per_dev;	/* the compiled batch of one device */
	uint32_t n_devs;
	struct mdl_dev *devs;
	uint64_t *in_item, *out_item;	/* bytes of one batch item per graph I/O */
	bool batch_major;		/* every graph I/O has the batch as dim 0 */
	bool *in_batched, *out_batched;	/* this I/O has it (else copied whole) */
	pthread_mutex_t lock;
	pthread_cond_t freed;
	char *report;
	uint32_t commands_per_run;
	_Atomic uint64_t pred_cycles;	/* timing model, last device run (0 = unknown) */
	uint32_t pending;		/* submitted runs not ended (under lock) */
	accel_scheduler *own_sched;	/* made on the first submit without one */
	struct mdl_prof *prof;		/* ACCEL_MODEL_PROFILE (profile.h) */
	bool sram_arena;		/* the arena lives in the SRAM scratchpad */
	uint64_t *sram_off;		/* SRAM plan (plan_sram.c), else NULL */
	bool sram_split;		/*   the arena is larger than the SRAM */
	uint64_t sram_on_chip;		/*   arena bytes placed in SRAM */
	uint64_t tile_base, tile_bytes;	/*   SRAM tile region (lower_tile.c) */
};

/* Bind a compiled model to devs (weights upload, slots, command streams). */
accel_status rt_bind(accel_model *m, accel_device *const *devs, uint32_t n);
void rt_unbind(accel_model *m);
/* A first run on zeroed inputs: records the plan's predicted cycles. */
accel_status rt_calibrate(accel_model *m);
/* One inference of count items from inputs into outputs (item offset off). */
accel_status rt_run(accel_model *m, uint32_t batch, const float *const *inputs,
		    float *const *outputs);

/* A free slot of device d, marked busy (waits for one); slot_put frees it. */
struct mdl_slot *slot_get(accel_model *m, uint32_t d);
void slot_put(accel_model *m, struct mdl_slot *s);

/* Arguments of a run (model, batch, every pointer). */
accel_status model_check_run(accel_model *m, uint32_t batch, const float *const *inputs,
			     float *const *outputs);
/* Wait for m's submitted runs; stop its own scheduler (sched.c). */
void sched_drain(accel_model *m);

#endif /* MODEL_RUNTIME_H */
