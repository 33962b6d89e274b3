/* SPDX-License-Identifier: MIT */
/*
 * The compiled plan: where every value lives (weights image, or the
 * activation arena at a liveness-planned offset), which node runs where,
 * and the steps of one inference (a run of nodes with one target each; a
 * step on the device is one command stream, one submit). Pure data
 * (offsets, no pointers into device memory), so it can be serialised and
 * bound to any number of devices.
 */
#ifndef MODEL_PLAN_H
#define MODEL_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include "ir.h"

#define PLAN_ALIGN 64

/* x rounded up to PLAN_ALIGN */
static inline uint64_t plan_align_up(uint64_t x)
{
	return (x + PLAN_ALIGN - 1) & ~(uint64_t)(PLAN_ALIGN - 1);
}

enum plan_space { PLAN_NONE = 0, PLAN_WEIGHTS = 1, PLAN_ARENA = 2 };

struct plan_loc {
	uint8_t space;		/* enum plan_space */
	uint64_t offset, bytes;
	int32_t first, last;	/* live over nodes [first, last]; -1 = before node 0 */
};

struct plan_step {
	int target;		/* enum ir_target */
	uint32_t first, count;	/* nodes [first, first + count) of the graph */
};

struct plan {
	uint32_t n_val;
	struct plan_loc *loc;	/* per value; a view has its root's place */
	uint64_t weights_bytes;
	uint64_t arena_bytes;	/* the planner's peak */
	uint64_t arena_lower_bound;	/* max over time of the live bytes */
	uint32_t n_steps;
	struct plan_step *steps;
	uint32_t device_nodes, cpu_nodes, view_nodes;
};

/* Place every node (device caps ACCEL_CAP_*; cpu_only forces the CPU). */
accel_status place_nodes(struct ir_graph *g, uint32_t caps, bool cpu_only);
/* Build the plan of a placed, compacted graph. */
accel_status plan_build(const struct ir_graph *g, struct plan *p);
/* Check that no two values live at the same time overlap in the arena. */
accel_status plan_verify(const struct ir_graph *g, const struct plan *p);
void plan_free(struct plan *p);
/* SRAM plan of a device plan (plan_sram.c): the arena values that fit in
 * cap bytes of SRAM get sram_off[v] = their SRAM offset (all of them, at
 * their arena offsets, when the arena fits; else best fit, largest first,
 * over the plan's lifetimes), the others PLAN_SRAM_NONE: they stay in
 * the DRAM arena. Views take their root's. *on_chip = bytes placed. */
#define PLAN_SRAM_NONE UINT64_MAX
accel_status plan_sram_split(const struct ir_graph *g, const struct plan *p, uint64_t cap,
			     uint64_t *sram_off, uint64_t *on_chip);
/* The value whose storage v uses (itself unless v is a view). */
int plan_root(const struct ir_graph *g, int v);
/* qsort_r order of indices into a plan_loc array (ctx): largest first, then
 * by index (first-fit-decreasing placement in plan_mem.c and plan_sram.c) */
int plan_by_size_desc(const void *x, const void *y, void *ctx);

#endif /* MODEL_PLAN_H */
