/* SPDX-License-Identifier: MIT */
/*
 * Precision of the compiled model (accel_precision): calibration of the
 * activation ranges (calib.c) and the precision pass (pass_prec.c) that
 * gives every value its dtype and quantization, quantizes the weights
 * (int8 per output channel, symmetric; bias int32; requantization tables
 * from accel/quant.h, the device's own math) or converts them (fp16), and
 * inserts CONVERT nodes wherever a value crosses from one precision to
 * another. Sigmoid, tanh and softmax (alone or fused into a conv/gemm
 * epilogue) run in int8/fp16 through the firmware's activation tables
 * (when the device has them: ACCEL_CAP_ACT_LUT; int8 outputs take their
 * calibrated range like every other value); without them, and what the
 * device cannot do at all (int8 division, an activation operand b of a
 * matmul), stays in fp32 with the reason in the placement report.
 */
#ifndef MODEL_PREC_H
#define MODEL_PREC_H

#include <stdbool.h>
#include <stdint.h>
#include "accel/accel.h"
#include "accel/model.h"
#include "ir.h"
#include "passes.h"

/* Observed range of one value, by name (names survive fusion). */
struct calib_range {
	char *name;
	float min, max;
};

struct calib {
	struct calib_range *r;
	uint32_t n;
	uint64_t samples;	/* calibration items seen */
};

/* Calibration methods (accel_model_options.calibration_method). */
enum calib_method { CALIB_MINMAX = 0, CALIB_PERCENTILE = 1 };

/*
 * Run the model (fp32, unfused, on the CPU reference of dev) over every
 * item of the calibration data (a .npy file, or a directory of them, each
 * [N, item...] or [item...] of a one-input model's input; per graph input
 * opts->calibration_inputs, or a directory of <input name>.npy, with the
 * same item count each) and record each value's range (min/max, or the
 * percentile range).
 */
accel_status calib_run(accel_device *dev, const void *model, size_t size, const char *name,
		       const char *base_dir, const accel_model_options *opts, struct calib *out);
/* Up to max items of `item` floats from the calibration data (malloc'd). */
accel_status calib_items(const char *path, uint64_t item, uint32_t max, float **data,
			 uint32_t *count);
/* Feed fn every .npy file of directory path (name, then bytes), in the
 * order the calibration reads them. */
accel_status calib_hash_dir(const char *path, void (*fn)(void *ctx, const void *data, size_t n),
			    void *ctx);
const struct calib_range *calib_find(const struct calib *c, const char *name);
void calib_free(struct calib *c);

/* Precision of node i: prec[i] when prec is given, else def (IR_PREC_*). */
struct prec_request {
	int def;
	const uint8_t *prec;	/* per node of the placed graph, or NULL */
	uint32_t n_prec;
	const struct calib *calib;	/* int8 needs it */
	bool cpu_only;
	bool act_lut;	/* the firmware's activation tables: int8/fp16 sigmoid,
			 * tanh and softmax on the device and the CPU reference */
};

/* Rewrite a placed graph for the requested precisions (then compact it). */
accel_status prec_rewrite(struct ir_graph *g, const struct prec_request *req,
			  struct pass_log *log);

/* A pre-quantized model (pass_qdq.c): why node n cannot run in int8 with
 * the model's own quantization (its inputs or output have none), NULL when
 * it can. */
const char *prec_given(const struct ir_graph *g, const struct ir_node *n);

/* Nodes whose precision a request can choose (the ones that compute). */
bool prec_selectable(const struct ir_graph *g, const struct ir_node *n);

#endif /* MODEL_PREC_H */
