// SPDX-License-Identifier: MIT
/*
 * Split SRAM plan, for an activation arena larger than the scratchpad:
 * the arena keeps its DRAM offsets (plan_mem.c), and the values that fit
 * are also given an SRAM offset, where they then live instead. Same
 * greedy as the arena (largest first, best-fitting gap among the values
 * whose lives overlap), but a value that would end beyond the capacity
 * stays in DRAM. The lowering tiles the conv/gemm layers that touch a
 * DRAM value through the rest of the SRAM (lower_tile.c).

 */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "plan.h"

struct placed {
	uint64_t off, end;
};

static int by_off(const void *x, const void *y)
{
	const struct placed *a = x, *b = y;

	return a->off < b->off ? -1 : a->off > b->off;
}

/* Place order[from..n) (lives in loc) around the already placed order[0..from). */
static void place(const struct plan_loc *loc, const int *order, uint32_t from, uint32_t n,
		  uint64_t cap, uint64_t *sram_off, struct placed *tmp, uint64_t *on_chip)
{
	uint32_t i, j;

	for (i = from; i < n; i++) {
		const struct plan_loc *l = &loc[order[i]];
		uint64_t size = plan_align_up(l->bytes), cur = 0, best = PLAN_SRAM_NONE;
		uint64_t best_gap = UINT64_MAX;
		uint32_t m = 0;

		for (j = 0; j < i; j++) {
			const struct plan_loc *o = &loc[order[j]];

			if (sram_off[order[j]] != PLAN_SRAM_NONE && o->first <= l->last &&
			    l->first <= o->last) {
				tmp[m].off = sram_off[order[j]];
				tmp[m++].end = sram_off[order[j]] + plan_align_up(o->bytes);
			}
		}
		qsort(tmp, m, sizeof(*tmp), by_off);
		for (j = 0; j < m; j++) {
			if (tmp[j].off >= cur && tmp[j].off - cur >= size &&
			    tmp[j].off - cur < best_gap) {
				best = cur;
				best_gap = tmp[j].off - cur;
			}
			if (tmp[j].end > cur)
				cur = tmp[j].end;
		}
		if (best == PLAN_SRAM_NONE && cur + size <= cap)
			best = cur;
		if (best != PLAN_SRAM_NONE) {
			sram_off[order[i]] = best;
			*on_chip += l->bytes;
		}
	}
}

accel_status plan_sram_split(const struct ir_graph *g, const struct plan *p, uint64_t cap,
			     uint64_t *sram_off, uint64_t *on_chip)
{
	int *order = malloc((g->n_val + 1) * sizeof(int));
	struct placed *tmp = malloc((g->n_val + 1) * sizeof(*tmp));
	struct plan_loc *loc = malloc((g->n_val + 1) * sizeof(*loc));
	uint32_t i, n = 0;

	*on_chip = 0;
	if (!order || !tmp || !loc) {
		free(order);
		free(tmp);
		free(loc);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	memcpy(loc, p->loc, g->n_val * sizeof(*loc));
	for (i = 0; i < g->n_val; i++) {
		sram_off[i] = PLAN_SRAM_NONE;
		if (loc[i].space == PLAN_ARENA && plan_root(g, (int)i) == (int)i)
			order[n++] = (int)i;
	}
	qsort_r(order, n, sizeof(int), plan_by_size_desc, loc);
	if (p->arena_bytes <= cap) {	/* the whole arena, at its own offsets */
		for (i = 0; i < n; i++) {
			sram_off[order[i]] = loc[order[i]].offset;
			*on_chip += loc[order[i]].bytes;
		}
	} else {
		place(loc, order, 0, n, cap, sram_off, tmp, on_chip);
	}
	for (i = 0; i < g->n_val; i++) {	/* views: their root's place */
		int r = plan_root(g, (int)i);

		if (r != (int)i && r >= 0)
			sram_off[i] = sram_off[r];
	}
	free(order);
	free(tmp);
	free(loc);
	return ACCEL_OK;
}
