/* SPDX-License-Identifier: MIT */
/*
 * The model compiler's graph IR: flat arrays of values and nodes, referred
 * to by index. Importers fill it, passes rewrite it, the planner and the
 * lowering read it. Every value has one dtype and, for quantized types,
 * its quantization parameters; every node has the precision it is lowered
 * in (fp32 today; int8/fp16/mixed choose per node).
 */
#ifndef MODEL_IR_H
#define MODEL_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"

#define IR_MAX_RANK 8

/* Element types (IR_DT_* values are the ONNX TensorProto.DataType ones). */
enum ir_dtype {
	IR_DT_UNDEFINED = 0,
	IR_DT_FLOAT = 1,
	IR_DT_UINT8 = 2,
	IR_DT_INT8 = 3,
	IR_DT_INT32 = 6,
	IR_DT_INT64 = 7,
	IR_DT_BOOL = 9,
	IR_DT_FLOAT16 = 10,
	IR_DT_DOUBLE = 11,
};

/* Bytes per element of a dtype the compiler handles, 0 otherwise. */
size_t ir_dtype_size(int dtype);
const char *ir_dtype_name(int dtype);

/* Quantization of a value (int8 types): per tensor, or per channel along
 * axis with count scales/zero points. */
struct ir_quant {
	float scale;
	int32_t zero_point;
	int32_t axis;		/* -1 = per tensor */
	uint32_t count;
	float *scales;
	int32_t *zero_points;
};

#define IR_VAL_INPUT	(1u << 0)	/* graph input (external) */
#define IR_VAL_OUTPUT	(1u << 1)	/* graph output (external) */
#define IR_VAL_CONST	(1u << 2)	/* data known at compile time */
/* q is the model's own int8 quantization (a pre-quantized model, pass_qdq.c);
 * the precision pass uses it instead of calibrating, then clears the flag */
#define IR_VAL_QPRESET	(1u << 3)
/* A 4-D activation stored channels-last (NHWC strides for its logical
 * (N,C,H,W) dims); chosen by pass_layout.c. Without it: packed row-major. */
#define IR_VAL_NHWC	(1u << 4)

struct ir_value {
	char *name;
	int dtype;			/* enum ir_dtype */
	uint32_t rank;
	int64_t dim[IR_MAX_RANK];	/* all known after shape inference */
	uint32_t flags;			/* IR_VAL_* */
	void *data;			/* IR_VAL_CONST: packed row-major */
	size_t bytes;
	int producer;			/* node index, -1 for inputs and constants */
	int alias;			/* a view of this value (-1: owns its storage) */
	struct ir_quant q;
};

enum ir_attr_type { IR_ATTR_INT, IR_ATTR_FLOAT, IR_ATTR_STRING, IR_ATTR_INTS,
		    IR_ATTR_FLOATS, IR_ATTR_TENSOR, IR_ATTR_OTHER };

struct ir_attr {
	char *name;
	enum ir_attr_type type;
	int64_t i;
	float f;
	char *s;
	int64_t *ints;
	float *floats;
	uint32_t n;
	int tensor;			/* value index of a TENSOR attribute */
};

/* Device targets of a node. */
enum ir_target { IR_TARGET_DEVICE = 0, IR_TARGET_CPU = 1 };

/* Precision a node is lowered in (accel_precision values). */
enum ir_precision { IR_PREC_FP32 = 0, IR_PREC_FP16 = 1, IR_PREC_INT8 = 2 };

/* Fused epilogue (passes fill it; the lowering emits it). */
struct ir_epilogue {
	int act;		/* accel_act_fn; 0 = none */
	float alpha, min, max;
	int residual;		/* value added before the activation, -1 none */
	int pre;		/* the activation's input before fusion, -1 none */
};

struct ir_node {
	char *name;
	char *op;		/* ONNX op_type */
	char *domain;
	int kind;		/* enum op_kind (ops.h) */
	uint32_t n_in, n_out;
	int *in, *out;		/* value indices; -1 = optional input absent */
	uint32_t n_attr;
	struct ir_attr *attr;
	bool dead;
	int precision;		/* enum ir_precision */
	int target;		/* enum ir_target (placement) */
	const char *rule;	/* placement rule that decided target */
	char detail[96];	/* why (CPU placement) */
	struct ir_epilogue epi;
};

struct ir_graph {
	const char *source;	/* file or buffer name, for messages */
	int64_t opset;		/* default domain's opset */
	struct ir_value *val;
	uint32_t n_val, cap_val;
	struct ir_node *node;
	uint32_t n_node, cap_node;
	int *inputs, *outputs;	/* graph I/O value indices, in graph order */
	uint32_t n_inputs, n_outputs;
};

void ir_init(struct ir_graph *g, const char *source);
void ir_free(struct ir_graph *g);

/* New value (name copied; NULL makes a unique one). Returns its index or
 * -1 (ACCEL_ERR_NO_MEMORY recorded). */
int ir_add_value(struct ir_graph *g, const char *name);
/* Value by name, -1 if none. */
int ir_find_value(const struct ir_graph *g, const char *name);
/* New node with n_in inputs and n_out outputs (set to -1). -1 on failure. */
int ir_add_node(struct ir_graph *g, const char *op, const char *name, uint32_t n_in,
		uint32_t n_out);
/* Make value v a constant of dtype/shape owning data (taken over). */
void ir_set_const(struct ir_value *v, int dtype, uint32_t rank, const int64_t *dim,
		  void *data, size_t bytes);

int64_t ir_numel(const struct ir_value *v);
/* Input i of node n (NULL when absent). */
struct ir_value *ir_in(struct ir_graph *g, const struct ir_node *n, uint32_t i);
struct ir_value *ir_out(struct ir_graph *g, const struct ir_node *n, uint32_t i);

const struct ir_attr *ir_attr_get(const struct ir_node *n, const char *name);
int64_t ir_attr_int(const struct ir_node *n, const char *name, int64_t def);
float ir_attr_float(const struct ir_node *n, const char *name, float def);
const char *ir_attr_str(const struct ir_node *n, const char *name, const char *def);
/* ints attribute: count in *cnt, NULL when absent. */
const int64_t *ir_attr_ints(const struct ir_node *n, const char *name, uint32_t *cnt);

/* Fail with ACCEL_ERR_MODEL: "<source>: node '<name>' (<op>): <reason>". */
accel_status ir_node_fail(const struct ir_graph *g, const struct ir_node *n, const char *fmt,
			  ...) __attribute__((format(printf, 3, 4)));
accel_status ir_fail(const struct ir_graph *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Nodes in a topological order of the live ones (order[0..*count)), or an
 * error naming a node on a cycle. */
accel_status ir_topo_order(const struct ir_graph *g, int *order, uint32_t *count);
/* Recompute producers; reorder nodes topologically, dropping dead ones. */
accel_status ir_compact(struct ir_graph *g);
/* Number of live consumers of value v (graph outputs count as one). */
uint32_t ir_use_count(const struct ir_graph *g, int v);
/* Check the graph's invariants (each value produced once, inputs exist). */
accel_status ir_verify(const struct ir_graph *g);

#endif /* MODEL_IR_H */
