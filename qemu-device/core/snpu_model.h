/* SPDX-License-Identifier: MIT */
/*
 * SNPU timing model of one job (docs/hardware.md 18.3): the DMA engine and
 * the tensor engine run concurrently in model time, control commands are
 * barriers, and a command waits for every earlier command of the other
 * engine whose regions it conflicts with (RAW, WAR, WAW on VAs).
 */
#ifndef SNPU_MODEL_H
#define SNPU_MODEL_H

#include <stdint.h>

#include "snpu_cmd_regions.h"

enum snpu_engine {
	SNPU_ENG_DMA = 0,
	SNPU_ENG_TE = 1,
	SNPU_ENG_CONTROL = 2,
};

struct snpu_model_entry {
	uint64_t end;
	uint32_t count;
	struct snpu_cmd_region r[SNPU_CMD_MAX_REGIONS];
};

/* Commands of one engine still able to delay the other engine. */
struct snpu_model_list {
	struct snpu_model_entry *e;
	uint32_t n, cap;
	uint64_t collapsed_end;	/* entries folded together: conflicts with all */
};

struct snpu_model {
	uint64_t free[2];	/* DMA, TE: model time the engine is free */
	uint64_t barrier;	/* end of the last control command */
	uint64_t job_end;	/* max end so far = the job's pred_cycles */
	struct snpu_model_list list[2];
};

/* Model start of a control command issued now (TIMESTAMP's value). */
uint64_t snpu_model_control_start(const struct snpu_model *m);
/* Issue a command of `cycles` on engine eng touching regs (may be NULL or
 * empty); returns its model end. */
uint64_t snpu_model_issue(struct snpu_model *m, enum snpu_engine eng,
			  const struct snpu_cmd_regions *regs, uint64_t cycles);
void snpu_model_free(struct snpu_model *m);

#endif /* SNPU_MODEL_H */
