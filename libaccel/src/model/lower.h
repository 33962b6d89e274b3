/* SPDX-License-Identifier: MIT */
/*
 * Lowering: a plan step into a command stream, through libaccel's one
 * encoder (accel_cmd_*). Every construction of an accel_* command struct
 * of the model path lives in lower.c.
 */
#ifndef MODEL_LOWER_H
#define MODEL_LOWER_H

#include "accel/accel.h"
#include "ir.h"
#include "plan.h"

/* The buffers a plan is bound to on one device. */
struct lower_env {
	const struct ir_graph *g;
	const struct plan *p;
	accel_buffer *weights;		/* the weights image (read-only) */
	accel_buffer *arena;		/* intermediate tensors */
	accel_buffer *const *in;	/* per graph input: pinned host buffer */
	accel_buffer *const *out;	/* per graph output */
	const uint64_t *in_off, *out_off;	/* optional: byte offset of each graph
						 * input/output in its buffer (0) */
	bool arena_sram;		/* the arena at offset 0 of the SRAM scratchpad */
	accel_buffer *timestamps;	/* optional: 16 bytes per node, TIMESTAMP after each */
	bool io_stamps;			/* and 3 more (n_node + 3 records): the step's
					 * start, after the input DMA, after the
					 * output DMA (profile.h) */
};

/* Record step s of the plan into cb: the first step starts by copying the
 * inputs into the arena, the last ends by copying the outputs out. */
accel_status lower_step(const struct lower_env *e, uint32_t s, accel_cmdbuf *cb);

#endif /* MODEL_LOWER_H */
