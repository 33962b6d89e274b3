// SPDX-License-Identifier: MIT
/*
 * SNPU on-chip SRAM ownership. SRAM contents belong to one context: when a
 * job of another context runs, SRAM is cleared first (isolation). When a
 * suspended job's SRAM is taken over by another job, its contents are
 * saved with the job and restored when it runs again. Only the dirty prefix
 * [0, sram_dirty) is ever cleared or copied.
 */
#include <stdlib.h>
#include <string.h>

#include "snpu_core_int.h"

void snpu_sram_clear(struct snpu_core *core)
{
	memset(core->sram, 0, core->sram_dirty);
	core->sram_dirty = 0;
}

static void save(struct snpu_core *core, struct snpu_exec *owner)
{
	free(owner->sram_save);
	owner->sram_save = NULL;
	owner->sram_save_len = core->sram_dirty;
	if (!core->sram_dirty)
		return;
	owner->sram_save = malloc(core->sram_dirty);
	if (!owner->sram_save) {
		/* Cannot keep its data: the job must not run on with it lost. */
		owner->status = SNPU_ERR_FATAL;
		owner->failed_cmd = owner->index;
		owner->sram_save_len = 0;
		return;
	}
	memcpy(owner->sram_save, core->sram, core->sram_dirty);
}

void snpu_sram_enter(struct snpu_core *core, struct snpu_exec *x)
{
	struct snpu_exec *owner = core->sram_owner;

	if (owner == x)
		return;
	if (owner && owner->sram_used)
		save(core, owner);
	if (x->sram_used) {
		/* x ran before and was displaced: bring its contents back. */
		snpu_sram_clear(core);
		if (x->sram_save)
			memcpy(core->sram, x->sram_save, x->sram_save_len);
		core->sram_dirty = x->sram_save_len;
		free(x->sram_save);
		x->sram_save = NULL;
		x->sram_save_len = 0;
	} else if (core->sram_ctx != x->ctx_id) {
		snpu_sram_clear(core);
	}
	core->sram_owner = x;
	core->sram_ctx = x->ctx_id;
}

void snpu_sram_release(struct snpu_core *core, struct snpu_exec *x)
{
	if (core->sram_owner == x)
		core->sram_owner = NULL;
}
