/* SPDX-License-Identifier: MIT */
/* Shape inference, and the geometry helpers the lowering shares with it. */
#ifndef MODEL_SHAPE_H
#define MODEL_SHAPE_H

#include <stdbool.h>
#include <stdint.h>
#include "ir.h"

/* Sliding-window geometry of Conv and the pools (1 or 2 spatial dims;
 * a 1-D op is the 2-D one with a height of 1). */
struct win2d {
	uint32_t sp;		/* spatial dims of the ONNX op */
	int64_t in[2], out[2];
	int64_t k[2], s[2], d[2];
	int64_t pb[2], pe[2];	/* pads at the begin/end of each axis */
	int64_t groups;
	bool ceil_mode, count_include_pad;
};

/* Infer the dtype and shape of n's outputs from its inputs. */
accel_status shape_infer_node(struct ir_graph *g, struct ir_node *n);
/* Every live node in order. */
accel_status shape_infer(struct ir_graph *g);

/* Window geometry of a Conv / MaxPool / AveragePool node (inputs inferred). */
accel_status shape_window(struct ir_graph *g, const struct ir_node *n, struct win2d *w);
/* Axes of Squeeze/Unsqueeze/Reduce*: the attribute, else the constant
 * input in_idx (opset 13/18). *present = false when neither is given.
 * Negative axes are normalised against rank. */
accel_status shape_axes(struct ir_graph *g, const struct ir_node *n, uint32_t in_idx,
			int64_t rank, int64_t *axes, uint32_t *cnt, bool *present);
/* Softmax: the axis, normalised; coerced = opset < 13 (2-D coercion). */
accel_status shape_softmax_axis(struct ir_graph *g, const struct ir_node *n, uint32_t *axis,
				bool *coerced);
/* Pad: begin/end per input axis, mode and constant value. */
accel_status shape_pads(struct ir_graph *g, const struct ir_node *n, int64_t *before,
			int64_t *after, int *mode, float *value);
/* Numpy broadcast of a and b into out. */
bool shape_broadcast(const struct ir_value *a, const struct ir_value *b, uint32_t *rank,
		     int64_t *dim);

#endif /* MODEL_SHAPE_H */
