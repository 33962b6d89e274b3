/* SPDX-License-Identifier: MIT */
/*
 * Graph passes: plain functions over the IR, each with its own test. Each
 * returns a status and notes what it changed in the log (the report).
 */
#ifndef MODEL_PASSES_H
#define MODEL_PASSES_H

#include <stddef.h>
#include "ir.h"

struct pass_log {
	char *text;
	size_t len, cap;
	unsigned int changes;
};

void pass_note(struct pass_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pass_log_free(struct pass_log *log);

/* Pre-quantized models: QuantizeLinear/DequantizeLinear, QLinearConv and
 * QLinearMatMul into float ops whose values carry the model's int8
 * quantization (IR_VAL_QPRESET); before ops_resolve. */
accel_status pass_qdq(struct ir_graph *g, struct pass_log *log);
/* Variadic Max/Min/Sum/Mean into chains of two-input nodes (before shapes). */
accel_status pass_variadic(struct ir_graph *g, struct pass_log *log);
/* Shape inference + constant folding (shape chains, views of constants). */
accel_status pass_fold(struct ir_graph *g, struct pass_log *log);
/* Identity / Dropout (inference) removed: consumers read the input. */
accel_status pass_views(struct ir_graph *g, struct pass_log *log);
/* BatchNormalization folded into the preceding Conv/Gemm, else into Mul+Add. */
accel_status pass_bn(struct ir_graph *g, struct pass_log *log);
/* Constant zero Pad folded into the following Conv's pads. */
accel_status pass_pad(struct ir_graph *g, struct pass_log *log);
/* HardSigmoid -> Mul + Add with a clip; Gemm alpha/beta into constants,
 * a broadcasting constant C into the bias or residual. */
accel_status pass_decompose(struct ir_graph *g, struct pass_log *log);
/* Activation and residual Add fused into the Conv/Gemm/MatMul epilogue,
 * activations into element-wise ops. */
accel_status pass_fuse(struct ir_graph *g, struct pass_log *log);
/* Nodes whose outputs nobody uses are removed. */
accel_status pass_dce(struct ir_graph *g, struct pass_log *log);

/* Layout choice (after placement and precision): 4-D activations NHWC
 * where a Transpose between NCHW and NHWC becomes a view, NCHW otherwise. */
accel_status pass_layout(struct ir_graph *g, struct pass_log *log);

/* A new float constant named base+suffix owning data (count floats);
 * value index or -1. */
int pass_new_const(struct ir_graph *g, const char *base, const char *suffix, uint32_t rank,
		   const int64_t *dim, float *data, size_t count);

/* The pipeline: all of the above in order (fuse unless no_fusion), then
 * compaction and a final shape check. */
accel_status passes_run(struct ir_graph *g, bool no_fusion, struct pass_log *log);

#endif /* MODEL_PASSES_H */
