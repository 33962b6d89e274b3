// SPDX-License-Identifier: MIT
/*
 * The precision step of the compile (model_build.h): fp16 rewrites the
 * graph directly; int8 calibrates first (calib.c) unless the caller hands
 * a calibration over; mixed searches the per-node precisions
 * (model_mixed.c); then the precision pass (pass_prec.c).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../internal.h"
#include "interp.h"
#include "model_build.h"
#include "ops.h"
#include "runtime.h"

/*
 * A pre-quantized model (pass_qdq.c gave its values the model's own int8
 * quantization): int8 with those scales and zero points, no calibration;
 * the nodes the model leaves in float (an input or the output without a
 * quantization) stay fp32. fp16 and mixed do not apply to it.
 */
static accel_status prec_given_compile(accel_model *m, const struct model_build *b)
{
	struct ir_graph *g = &m->g;
	struct prec_request req;
	uint32_t i, fp32 = 0;
	uint8_t *prec;
	accel_status st;

	if (m->opts.precision == ACCEL_PRECISION_FP16 || m->opts.precision == ACCEL_PRECISION_MIXED)
		return ir_fail(g, "the model is already quantized (QuantizeLinear/DequantizeLinear "
			       "or QLinear operators): precision %s does not apply; it runs in "
			       "int8 with its own scales (precision int8 or the default)",
			       accel_precision_name(m->opts.precision));
	if (b && b->keep_all)
		return ir_fail(g, "a pre-quantized model needs no calibration");
	prec = calloc(g->n_node + 1, 1);
	if (!prec)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; i < g->n_node; i++) {
		struct ir_node *n = &g->node[i];
		const char *why = prec_selectable(g, n) ? prec_given(g, n) : NULL;
		size_t len = strlen(n->detail);

		prec[i] = why ? IR_PREC_FP32 : IR_PREC_INT8;
		fp32 += why != NULL;
		if (why)
			snprintf(n->detail + len, sizeof(n->detail) - len, "%s%s", len ? "; " : "",
				 why);
	}
	/* a view keeps its input's int8 values: a model that quantizes its output
	 * differently gets the input's (noted) */
	for (i = 0; i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];
		const struct ir_value *x = n->n_in ? ir_in(g, n, 0) : NULL, *o = ir_out(g, n, 0);

		if (op_get(n->kind)->cls == OPC_VIEW && x && o && (x->flags & IR_VAL_QPRESET) &&
		    (o->flags & IR_VAL_QPRESET) && (x->q.scale != o->q.scale ||
						    x->q.zero_point != o->q.zero_point))
			pass_note(&m->log, "precision: view '%s' keeps its input's quantization "
				  "(%g, %d), not the model's (%g, %d) for its output", n->name,
				  (double)x->q.scale, x->q.zero_point, (double)o->q.scale,
				  o->q.zero_point);
	}
	memset(&req, 0, sizeof(req));
	req.cpu_only = m->opts.flags & ACCEL_MODEL_CPU_ONLY;
	req.def = IR_PREC_INT8;
	req.prec = prec;
	req.n_prec = g->n_node;
	pass_note(&m->log, "precision: pre-quantized model: int8 with the model's own scales and "
		  "zero points (not calibrated%s); %u node(s) it leaves in float stay fp32",
		  m->opts.calibration ? ", the calibration data is not used" : "", fp32);
	st = prec_rewrite(g, &req, &m->log);
	free(prec);
	for (i = 0; i < g->n_val; i++)	/* consumed: the compiled graph has int8 values */
		g->val[i].flags &= ~IR_VAL_QPRESET;
	return st;
}

static bool prequantized(const struct ir_graph *g)
{
	uint32_t i;

	for (i = 0; i < g->n_val; i++)
		if (g->val[i].flags & IR_VAL_QPRESET)
			return true;
	return false;
}

/* Table activations in int8/fp16: the device's firmware has the tables
 * (ACCEL_CAP_ACT_LUT), and so does the CPU reference when a node runs
 * there. */
static accel_status prec_act_lut(const accel_model *m, accel_device *dev, bool cpu_only, bool *ok)
{
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	const struct snpu_fw_lut *const *lut;
	const uint32_t *const *samples;
	accel_status st = accel_device_query(dev, &info);
	bool cpu = cpu_only;
	uint32_t i;

	if (st)
		return st;
	for (i = 0; i < m->g.n_node; i++)
		cpu = cpu || m->g.node[i].target == IR_TARGET_CPU;
	*ok = (cpu_only || (info.caps & ACCEL_CAP_ACT_LUT)) &&
	      (!cpu || !interp_tables(&lut, &samples));
	return ACCEL_OK;
}

accel_status prec_compile(accel_model *m, const void *data, size_t size, const char *base_dir,
			  accel_device *dev, const struct model_build *b)
{
	struct prec_request req;
	struct calib own;
	uint8_t *mixed = NULL;
	accel_status st;

	if (prequantized(&m->g))
		return prec_given_compile(m, b);
	if (m->opts.precision == ACCEL_PRECISION_FP32 || (b && b->keep_all))
		return ACCEL_OK;
	memset(&req, 0, sizeof(req));
	memset(&own, 0, sizeof(own));
	req.cpu_only = m->opts.flags & ACCEL_MODEL_CPU_ONLY;
	req.def = m->opts.precision == ACCEL_PRECISION_FP16 ? IR_PREC_FP16 : IR_PREC_INT8;
	st = prec_act_lut(m, dev, req.cpu_only, &req.act_lut);
	if (st)
		return st;
	if (b) {
		req.prec = b->node_prec;
		req.n_prec = b->n_prec;
		req.calib = b->calib;
	}
	if (req.def == IR_PREC_INT8 && !req.calib) {
		st = calib_run(dev, data, size, m->source, base_dir, &m->opts, &own);
		if (st)
			return st;
		req.calib = &own;
	}
	if (m->opts.precision == ACCEL_PRECISION_MIXED && !req.prec) {
		mixed = calloc(m->g.n_node + 1, 1);
		st = mixed ? prec_mixed(m, data, size, base_dir, dev, req.calib, mixed) :
			     accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		if (st) {
			free(mixed);
			calib_free(&own);
			return st;
		}
		req.prec = mixed;
		req.n_prec = m->g.n_node;
	}
	st = prec_rewrite(&m->g, &req, &m->log);
	free(mixed);
	calib_free(&own);
	return st;
}
