// SPDX-License-Identifier: MIT
/*
 * The precision step of the compile (model_build.h): fp16 rewrites the
 * graph directly; int8 calibrates first (calib.c) unless the caller hands
 * a calibration over; mixed searches the per-node precisions
 * (model_mixed.c); then the precision pass (pass_prec.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "interp.h"
#include "model_build.h"
#include "runtime.h"

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
