/* SPDX-License-Identifier: MIT */
/*
 * Internal model builds: the calibration model (fp32, unfused, CPU
 * reference, every value kept) and the trial builds of the mixed-precision
 * search (a precision per node, a calibration already made) go through the
 * same load path as the public API, with these extras.
 */
#ifndef MODEL_BUILD_H
#define MODEL_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include "accel/model.h"
#include "plan.h"
#include "prec.h"

struct model_build {
	bool keep_all;			/* every value in its own arena slot */
	const uint8_t *node_prec;	/* per node of the placed graph (IR_PREC_*) */
	uint32_t n_prec;
	const struct calib *calib;	/* reuse this calibration */
};

accel_status model_load_internal(accel_device *dev, const void *data, size_t size,
				 const char *name, const char *base_dir,
				 const accel_model_options *opts, const struct model_build *b,
				 accel_model **out);

/* Give every arena value a slot of its own (after plan_build). */
accel_status calib_plan_all(const struct ir_graph *g, struct plan *p);

/* The precision step of compile(): calibrate, search (mixed), rewrite. */
accel_status prec_compile(accel_model *m, const void *data, size_t size, const char *base_dir,
			  accel_device *dev, const struct model_build *b);

/* Mixed precision: choose prec[node] (IR_PREC_INT8 / _FP32) for the
 * placed graph of m so that the output error stays within max_error. */
accel_status prec_mixed(accel_model *m, const void *data, size_t size, const char *base_dir,
			accel_device *dev, const struct calib *calib, uint8_t *prec);

#endif /* MODEL_BUILD_H */
