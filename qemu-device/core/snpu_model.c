// SPDX-License-Identifier: MIT
/*
 * SNPU job timing model: DMA/compute overlap with hazards (see
 * snpu_model.h and docs/hardware.md 18.3).
 *
 * Only commands that can still delay someone are remembered: a command of
 * engine e is never delayed by earlier commands of e (they ended by
 * free[e]) nor by anything that ended before max(free[e], barrier), so
 * entries are pruned as the engines advance. A pathological stream that
 * keeps more than SNPU_MODEL_MAX_ENTRIES alive folds them into one entry
 * that conflicts with everything (a pessimistic but deterministic bound).
 */
#include <stdlib.h>
#include <string.h>

#include "snpu_model.h"

#define SNPU_MODEL_MAX_ENTRIES	1024

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

uint64_t snpu_model_control_start(const struct snpu_model *m)
{
	return max64(m->barrier, max64(m->free[0], m->free[1]));
}

static int conflicts(const struct snpu_model_entry *e, const struct snpu_cmd_regions *regs)
{
	for (uint32_t i = 0; i < e->count; i++) {
		const struct snpu_cmd_region *a = &e->r[i];

		for (uint32_t j = 0; j < regs->count; j++) {
			const struct snpu_cmd_region *b = &regs->r[j];

			if ((a->write || b->write) && a->addr < b->addr + b->len &&
			    b->addr < a->addr + a->len)
				return 1;
		}
	}
	return 0;
}

static void prune(struct snpu_model_list *l, uint64_t upto)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < l->n; i++)
		if (l->e[i].end > upto)
			l->e[k++] = l->e[i];
	l->n = k;
	if (l->collapsed_end <= upto)
		l->collapsed_end = 0;
}

static void remember(struct snpu_model_list *l, const struct snpu_cmd_regions *regs,
		     uint64_t end)
{
	struct snpu_model_entry *e;

	if (!regs || !regs->count)
		return;
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 16;
		void *p = NULL;

		if (cap <= SNPU_MODEL_MAX_ENTRIES)
			p = realloc(l->e, cap * sizeof(*l->e));
		if (!p) {
			/* Fold everything (also on allocation failure). */
			for (uint32_t i = 0; i < l->n; i++)
				l->collapsed_end = max64(l->collapsed_end, l->e[i].end);
			l->collapsed_end = max64(l->collapsed_end, end);
			l->n = 0;
			return;
		}
		l->e = p;
		l->cap = cap;
	}
	e = &l->e[l->n++];
	e->end = end;
	e->count = regs->count;
	memcpy(e->r, regs->r, regs->count * sizeof(e->r[0]));
}

uint64_t snpu_model_issue(struct snpu_model *m, enum snpu_engine eng,
			  const struct snpu_cmd_regions *regs, uint64_t cycles)
{
	uint64_t start, end, floor;
	struct snpu_model_list *other;

	if (eng == SNPU_ENG_CONTROL) {
		start = snpu_model_control_start(m);
		end = start + cycles;
		m->barrier = end;
		m->list[0].n = m->list[1].n = 0;
		m->list[0].collapsed_end = m->list[1].collapsed_end = 0;
		m->job_end = max64(m->job_end, end);
		return end;
	}
	other = &m->list[1 - eng];
	floor = max64(m->free[eng], m->barrier);
	start = floor;
	if (regs && regs->count) {
		if (other->collapsed_end > start)
			start = other->collapsed_end;
		for (uint32_t i = 0; i < other->n; i++)
			if (other->e[i].end > start && conflicts(&other->e[i], regs))
				start = other->e[i].end;
	}
	end = start + cycles;
	m->free[eng] = end;
	/* Entries of the other engine that end before this engine is free
	 * can no longer delay anyone. */
	prune(other, max64(m->barrier, end));
	remember(&m->list[eng], regs, end);
	m->job_end = max64(m->job_end, end);
	return end;
}

void snpu_model_free(struct snpu_model *m)
{
	free(m->list[0].e);
	free(m->list[1].e);
	memset(m, 0, sizeof(*m));
}
