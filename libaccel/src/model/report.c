// SPDX-License-Identifier: MIT
/* The placement report and the memory plan, as text (accel_model_report). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ops.h"
#include "report.h"

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t ncap = (b->cap ? b->cap : 1024) * 2 + (size_t)n;
			char *q = realloc(b->p, ncap);

			if (!q) {
				b->oom = true;
				return;
			}
			b->p = q;
			b->cap = ncap;
		}
	}
}

accel_status report_build(accel_model *m)
{
	const struct ir_graph *g = &m->g;
	const struct plan *p = &m->p;
	struct sbuf b = { 0 };
	uint32_t i, jobs = 0;

	for (i = 0; i < p->n_steps; i++)
		jobs += p->steps[i].target == IR_TARGET_DEVICE;

	put(&b, "model %s: opset %lld, %u nodes after passes (%u device, %u cpu, %u views), "
	    "%u device(s), batch %u per device\n", m->source, (long long)g->opset, g->n_node,
	    p->device_nodes, p->cpu_nodes, p->view_nodes, m->n_devs, m->batch_per_dev);
	put(&b, "placement:\n");
	for (i = 0; i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];
		bool view = op_get(n->kind)->cls == OPC_VIEW;

		put(&b, "  %-24s %-18s %-6s rule %-10s%s%s", n->name, n->op,
		    view ? "view" : n->target == IR_TARGET_CPU ? "cpu" : "device", n->rule,
		    n->detail[0] ? " " : "", n->detail);
		if (n->epi.act || n->epi.residual >= 0)
			put(&b, " (fused:%s%s)", n->epi.residual >= 0 ? " residual add" : "",
			    n->epi.act ? " activation" : "");
		put(&b, " [%s]\n", n->precision == IR_PREC_INT8 ? "int8" :
		    n->precision == IR_PREC_FP16 ? "fp16" : "fp32");
	}
	put(&b, "plan: %u step(s), %u job(s) per run, %u commands per run\n", p->n_steps,
	    jobs, m->commands_per_run);
	for (i = 0; i < p->n_steps; i++)
		put(&b, "  step %u: %s, nodes %u..%u\n", i,
		    p->steps[i].target == IR_TARGET_CPU ? "cpu reference" : "device (one submit)",
		    p->steps[i].first, p->steps[i].first + p->steps[i].count - 1);
	put(&b, "predicted: %llu cycles per run (timing model)\n",
	    (unsigned long long)atomic_load(&m->pred_cycles));
	put(&b, "memory: weights %llu bytes (preloaded once per device), arena peak %llu bytes, "
	    "lower bound (max live set) %llu bytes\n", (unsigned long long)p->weights_bytes,
	    (unsigned long long)p->arena_bytes, (unsigned long long)p->arena_lower_bound);
	if (m->sram_split)
		put(&b, "sram: split plan: %llu of %llu arena bytes on chip, the rest in DRAM; "
		    "conv/gemm with an operand in DRAM %s\n", (unsigned long long)m->sram_on_chip,
		    (unsigned long long)p->arena_bytes, m->tile_bytes ?
		    "tiled through the upper half of the scratchpad (ACCEL_MODEL_TILE=1; the values "
		    "get the lower half)" :
		    "read it directly (ACCEL_MODEL_TILE=1 tiles them through SRAM)");
	else
		put(&b, "sram: %s\n", m->sram_arena ? "the whole arena in the on-chip scratchpad "
		    "(ACCEL_MODEL_NO_SRAM keeps it in DRAM)" : "arena in DRAM (a CPU step, "
		    "ACCEL_MODEL_NO_SRAM, or no scratchpad)");
	for (i = 0; i < g->n_val; i++) {
		const struct plan_loc *l = &p->loc[i];

		if (l->space != PLAN_ARENA || plan_root(g, (int)i) != (int)i)
			continue;
		put(&b, "  arena [%8llu, %8llu) live %3d..%-3d %s\n", (unsigned long long)l->offset,
		    (unsigned long long)(l->offset + l->bytes), l->first, l->last, g->val[i].name);
	}
	put(&b, "layout (4-D tensors; NCHW = packed in the tensor's own axis order):\n");
	for (i = 0; i < g->n_val; i++) {
		const struct ir_value *v = &g->val[i];

		if (v->rank != 4 || (v->flags & IR_VAL_CONST) ||
		    (p->loc[i].space == PLAN_NONE && v->alias < 0))
			continue;
		put(&b, "  %s %s%s%s%s\n", v->flags & IR_VAL_NHWC ? "NHWC" : "NCHW", v->name,
		    v->alias >= 0 ? " (view of '" : "",
		    v->alias >= 0 ? g->val[plan_root(g, (int)i)].name : "", v->alias >= 0 ? "')" : "");
	}
	if (m->log.text)
		put(&b, "passes:\n%s", m->log.text);
	if (b.oom) {
		free(b.p);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "report: out of memory");
	}
	m->report = b.p;
	return ACCEL_OK;
}
