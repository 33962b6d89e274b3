// SPDX-License-Identifier: MIT
/*
 * Mixed precision (ACCEL_PRECISION_MIXED): int8 wherever the model's
 * output error stays within opts.max_error. The error of a choice is the
 * largest absolute difference between its outputs and the fp32 model's
 * over the calibration items (at most MIXED_ITEMS of them), divided by
 * the range of the fp32 outputs over those items (the same measure as the
 * int8 tests' "within 5 % of the output range"). Every trial is a real
 * build of the model, run by the CPU reference (bit-exact with the
 * device for the int8 part).
 *
 * Search: all int8 first; if that is over the bound, each computing node
 * alone in int8 (the rest fp32) measures that layer's own error; then the
 * layers are put back into fp32 from the largest error down until the
 * bound holds. The choice is the fewest fp32 layers this greedy order
 * finds; the report gives every node's precision.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "model_build.h"
#include "runtime.h"

#define MIXED_ITEMS 64

struct mctx {
	accel_device *dev;
	const void *data;
	size_t size;
	const char *base_dir;
	accel_model *m;
	accel_model_options o;
	const struct calib *calib;
	float *items;
	uint32_t n_items;
	uint64_t item, out_n;
	float *ref;		/* fp32 outputs, n_items x out_n */
	float *got;
	double range;
	uint32_t trials;
};

/* Run a build over every item into out (n_items x out_n). */
static accel_status run_items(struct mctx *c, const uint8_t *prec, float *out)
{
	struct model_build b = { .node_prec = prec, .n_prec = c->m->g.n_node,
				 .calib = c->calib };
	accel_model_options o = c->o;
	accel_model *t;
	accel_status st;
	uint32_t i;

	o.precision = prec ? ACCEL_PRECISION_INT8 : ACCEL_PRECISION_FP32;
	st = model_load_internal(c->dev, c->data, c->size, c->m->source, c->base_dir, &o,
				 prec ? &b : NULL, &t);
	if (st)
		return st;
	if (t->g.n_inputs != 1 || t->g.n_outputs != 1)
		st = accel__fail(ACCEL_ERR_UNSUPPORTED, "%s: mixed precision needs one graph input "
				 "and one output", c->m->source);
	for (i = 0; !st && i < c->n_items; i++) {
		const float *in[1] = { c->items + (size_t)i * c->item };
		float *outs[1] = { out + (size_t)i * c->out_n };

		st = rt_run(t, 1, in, outs);
	}
	accel_model_free(t);
	c->trials++;
	if (c->m->opts.progress)
		c->m->opts.progress(c->m->opts.progress_user, "mixed-precision search (trial builds)",
				    c->trials, 0);
	return st;
}

static accel_status error_of(struct mctx *c, const uint8_t *prec, double *err)
{
	accel_status st = run_items(c, prec, c->got);
	uint64_t k;
	double e = 0;

	if (st)
		return st;
	for (k = 0; k < c->n_items * c->out_n; k++) {
		double d = fabs((double)c->got[k] - c->ref[k]);

		e = d > e || d != d ? d : e;
	}
	*err = e / c->range;
	return ACCEL_OK;
}

struct ranked {
	uint32_t node;
	double err;
};

static int by_err_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return x->err < y->err ? 1 : x->err > y->err ? -1 : (int)x->node - (int)y->node;
}

accel_status prec_mixed(accel_model *m, const void *data, size_t size, const char *base_dir,
			accel_device *dev, const struct calib *calib, uint8_t *prec)
{
	struct mctx c;
	struct ranked *r = NULL;
	uint32_t i, n = m->g.n_node, nr = 0, kept = 0;
	double err = 0, lo = INFINITY, hi = -INFINITY;
	accel_status st;

	memset(&c, 0, sizeof(c));
	c.dev = dev;
	c.data = data;
	c.size = size;
	c.base_dir = base_dir;
	c.m = m;
	c.calib = calib;
	c.o = m->opts;
	c.o.flags |= ACCEL_MODEL_CPU_ONLY;
	c.o.batch = 1;
	c.o.max_inflight = 1;
	c.o.cache_dir = NULL;
	c.o.scheduler = NULL;
	c.o.progress = NULL;
	if (m->g.n_inputs != 1 || m->g.n_outputs != 1)
		return accel__fail(ACCEL_ERR_UNSUPPORTED, "%s: mixed precision needs one graph "
				   "input and one output", m->source);
	c.item = (uint64_t)ir_numel(&m->g.val[m->g.inputs[0]]) / m->batch_per_dev;
	c.out_n = (uint64_t)ir_numel(&m->g.val[m->g.outputs[0]]) / m->batch_per_dev;
	/* one input: its data (calib_run checked the calibration_inputs) */
	st = calib_items(m->opts.n_calibration_inputs ? m->opts.calibration_inputs[0].path :
			 m->opts.calibration, c.item, MIXED_ITEMS, &c.items, &c.n_items);
	if (st)
		return st;
	c.ref = malloc((size_t)(c.n_items * c.out_n + 1) * sizeof(float));
	c.got = malloc((size_t)(c.n_items * c.out_n + 1) * sizeof(float));
	r = calloc(n + 1, sizeof(*r));
	if (!c.ref || !c.got || !r) {
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	st = run_items(&c, NULL, c.ref);
	for (i = 0; !st && i < c.n_items * c.out_n; i++) {
		lo = c.ref[i] < lo ? c.ref[i] : lo;
		hi = c.ref[i] > hi ? c.ref[i] : hi;
	}
	c.range = hi > lo ? hi - lo : 1.0;
	for (i = 0; i < n; i++)
		prec[i] = IR_PREC_INT8;
	if (!st)
		st = error_of(&c, prec, &err);
	pass_note(&m->log, "mixed: all int8: error %.4g of the output range (bound %g)", err,
		  (double)m->opts.max_error);
	if (st || err <= m->opts.max_error)
		goto out;
	/* each layer's own error: it alone in int8 */
	for (i = 0; !st && i < n; i++) {
		uint32_t j;

		if (!prec_selectable(&m->g, &m->g.node[i]))
			continue;
		for (j = 0; j < n; j++)
			prec[j] = j == i ? IR_PREC_INT8 : IR_PREC_FP32;
		r[nr].node = i;
		st = error_of(&c, prec, &r[nr].err);
		pass_note(&m->log, "mixed: '%s' alone in int8: error %.4g", m->g.node[i].name,
			  r[nr].err);
		nr++;
	}
	if (st)
		goto out;
	qsort(r, nr, sizeof(*r), by_err_desc);
	for (i = 0; i < n; i++)
		prec[i] = IR_PREC_INT8;
	while (err > m->opts.max_error && kept < nr) {
		prec[r[kept++].node] = IR_PREC_FP32;
		st = error_of(&c, prec, &err);
		if (st)
			goto out;
		pass_note(&m->log, "mixed: %u layer(s) in fp32 (last '%s'): error %.4g", kept,
			  m->g.node[r[kept - 1].node].name, err);
	}
	if (err > m->opts.max_error)
		st = accel__fail(ACCEL_ERR_MODEL, "%s: mixed precision: even in fp32 the error is "
				 "%g of the output range, over the bound %g", m->source, err,
				 (double)m->opts.max_error);
out:
	pass_note(&m->log, "mixed: %u trial build(s) on %u calibration item(s)", c.trials,
		  c.n_items);
	free(r);
	free(c.items);
	free(c.ref);
	free(c.got);
	return st;
}
