// SPDX-License-Identifier: MIT
/* Dead-node removal and view no-ops (Identity, inference Dropout). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ops.h"
#include "passes.h"

void pass_note(struct pass_log *log, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!log)
		return;
	log->changes++;
	if (log->cap - log->len < 256) {
		size_t ncap = log->cap ? log->cap * 2 : 1024;
		char *p = realloc(log->text, ncap);

		if (!p)
			return;
		log->text = p;
		log->cap = ncap;
	}
	va_start(ap, fmt);
	n = vsnprintf(log->text + log->len, log->cap - log->len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	log->len += (size_t)n < log->cap - log->len - 1 ? (size_t)n : log->cap - log->len - 2;
	log->text[log->len++] = '\n';
	log->text[log->len] = 0;
}

void pass_log_free(struct pass_log *log)
{
	free(log->text);
	memset(log, 0, sizeof(*log));
}

accel_status pass_dce(struct ir_graph *g, struct pass_log *log)
{
	bool changed = true;
	uint32_t i, j;

	while (changed) {
		changed = false;
		for (i = g->n_node; i-- > 0;) {
			struct ir_node *n = &g->node[i];
			bool used = false;

			if (n->dead)
				continue;
			for (j = 0; j < n->n_out && !used; j++)
				used = n->out[j] >= 0 && ir_use_count(g, n->out[j]);
			if (used)
				continue;
			n->dead = true;
			changed = true;
			pass_note(log, "dce: removed %s '%s' (outputs unused)", n->op, n->name);
		}
	}
	return ACCEL_OK;
}

/* Replace every use of value from by value to. */
static void rewire(struct ir_graph *g, int from, int to)
{
	uint32_t i, j;

	for (i = 0; i < g->n_node; i++) {
		for (j = 0; j < g->node[i].n_in; j++)
			if (g->node[i].in[j] == from)
				g->node[i].in[j] = to;
		if (g->node[i].epi.residual == from)
			g->node[i].epi.residual = to;
	}
}

accel_status pass_views(struct ir_graph *g, struct pass_log *log)
{
	uint32_t i;

	for (i = 0; i < g->n_node; i++) {
		struct ir_node *n = &g->node[i];
		int out;

		if (n->dead || (n->kind != OP_IDENTITY && n->kind != OP_DROPOUT))
			continue;
		if (n->kind == OP_DROPOUT && n->n_out > 1 && n->out[1] >= 0 &&
		    ir_use_count(g, n->out[1]))
			return ir_node_fail(g, n, "the mask output is not supported");
		out = n->out[0];
		if (g->val[out].flags & IR_VAL_OUTPUT)
			continue;	/* a graph output keeps its own storage */
		rewire(g, out, n->in[0]);
		n->dead = true;
		pass_note(log, "views: %s '%s' removed", n->op, n->name);
	}
	return ACCEL_OK;
}
