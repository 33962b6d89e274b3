// SPDX-License-Identifier: MIT
/* Test helper: ONNX models built with protobuf-c (see onnx_build.h). */
#include <stdlib.h>
#include <string.h>

#include "onnx_build.h"

#define OB_MAX 64

struct ob {
	Onnx__ModelProto m;
	Onnx__GraphProto g;
	Onnx__OperatorSetIdProto opset, *opsets[1];
	Onnx__NodeProto *nodes[OB_MAX];
	Onnx__TensorProto *inits[OB_MAX];
	Onnx__ValueInfoProto *ins[OB_MAX], *outs[OB_MAX];
	void *owned[OB_MAX * 16];
	size_t n_owned;
};

static void *own(struct ob *b, void *p)
{
	if (!p || b->n_owned == sizeof(b->owned) / sizeof(b->owned[0]))
		abort();	/* a test helper: out of room is a test bug */
	b->owned[b->n_owned++] = p;
	return p;
}

static void *zalloc(struct ob *b, size_t n)
{
	return own(b, calloc(1, n ? n : 1));
}

static char *dup(struct ob *b, const char *s)
{
	return own(b, strdup(s));
}

struct ob *ob_new(int64_t opset)
{
	struct ob *b = calloc(1, sizeof(*b));

	if (!b)
		abort();
	onnx__model_proto__init(&b->m);
	onnx__graph_proto__init(&b->g);
	onnx__operator_set_id_proto__init(&b->opset);
	b->opset.domain = (char *)"";
	b->opset.has_version = 1;
	b->opset.version = opset;
	b->opsets[0] = &b->opset;
	b->m.n_opset_import = 1;
	b->m.opset_import = b->opsets;
	b->m.has_ir_version = 1;
	b->m.ir_version = 8;
	b->m.graph = &b->g;
	b->g.node = b->nodes;
	b->g.initializer = b->inits;
	b->g.input = b->ins;
	b->g.output = b->outs;
	return b;
}

void ob_free(struct ob *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n_owned; i++)
		free(b->owned[i]);
	free(b);
}

static Onnx__ValueInfoProto *value_info(struct ob *b, const char *name, int rank,
					const int64_t *dims)
{
	Onnx__ValueInfoProto *vi = zalloc(b, sizeof(*vi));
	Onnx__TypeProto *tp = zalloc(b, sizeof(*tp));
	Onnx__TypeProto__Tensor *tt = zalloc(b, sizeof(*tt));
	int i;

	onnx__value_info_proto__init(vi);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	tt->has_elem_type = 1;
	tt->elem_type = 1;
	if (rank >= 0) {
		Onnx__TensorShapeProto *sh = zalloc(b, sizeof(*sh));

		onnx__tensor_shape_proto__init(sh);
		sh->n_dim = (size_t)rank;
		sh->dim = zalloc(b, (size_t)rank * sizeof(*sh->dim));
		for (i = 0; i < rank; i++) {
			Onnx__TensorShapeProto__Dimension *d = zalloc(b, sizeof(*d));

			onnx__tensor_shape_proto__dimension__init(d);
			if (dims[i] < 0) {
				d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
				d->dim_param = dup(b, "N");
			} else {
				d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
				d->dim_value = dims[i];
			}
			sh->dim[i] = d;
		}
		tt->shape = sh;
	}
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	vi->name = dup(b, name);
	vi->type = tp;
	return vi;
}

void ob_input(struct ob *b, const char *name, uint32_t rank, const int64_t *dims)
{
	b->ins[b->g.n_input++] = value_info(b, name, (int)rank, dims);
}

void ob_output(struct ob *b, const char *name)
{
	b->outs[b->g.n_output++] = value_info(b, name, -1, NULL);
}

static Onnx__TensorProto *init(struct ob *b, const char *name, int32_t type, uint32_t rank,
			       const int64_t *dims, const void *data, size_t bytes)
{
	Onnx__TensorProto *t = zalloc(b, sizeof(*t));

	onnx__tensor_proto__init(t);
	t->name = dup(b, name);
	t->has_data_type = 1;
	t->data_type = type;
	t->n_dims = rank;
	t->dims = zalloc(b, rank * sizeof(int64_t));
	if (rank)
		memcpy(t->dims, dims, rank * sizeof(int64_t));
	t->has_raw_data = 1;
	t->raw_data.len = bytes;
	t->raw_data.data = zalloc(b, bytes);
	if (bytes)
		memcpy(t->raw_data.data, data, bytes);
	b->inits[b->g.n_initializer++] = t;
	return t;
}

Onnx__TensorProto *ob_init_f32(struct ob *b, const char *name, uint32_t rank,
			       const int64_t *dims, const float *data)
{
	size_t n = 1;
	uint32_t i;

	for (i = 0; i < rank; i++)
		n *= (size_t)dims[i];
	return init(b, name, 1, rank, dims, data, n * sizeof(float));
}

Onnx__TensorProto *ob_init_i64(struct ob *b, const char *name, uint32_t n, const int64_t *v)
{
	int64_t dim = n;

	return init(b, name, 7, 1, &dim, v, n * sizeof(int64_t));
}

/* Split "a,b,,c" into owned strings. */
static char **names(struct ob *b, const char *csv, size_t *count)
{
	char **out = zalloc(b, 32 * sizeof(char *));
	const char *p = csv;

	*count = 0;
	if (!*csv)
		return out;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *s = zalloc(b, len + 1);

		memcpy(s, p, len);
		out[(*count)++] = s;
		if (!e || *count == 32)
			break;
		p = e + 1;
	}
	return out;
}

Onnx__NodeProto *ob_node(struct ob *b, const char *op, const char *name, const char *inputs,
			 const char *outputs)
{
	Onnx__NodeProto *n = zalloc(b, sizeof(*n));

	onnx__node_proto__init(n);
	n->op_type = dup(b, op);
	n->name = dup(b, name);
	n->input = names(b, inputs, &n->n_input);
	n->output = names(b, outputs, &n->n_output);
	n->attribute = zalloc(b, 16 * sizeof(*n->attribute));
	b->nodes[b->g.n_node++] = n;
	return n;
}

static Onnx__AttributeProto *attr(struct ob *b, Onnx__NodeProto *n, const char *name,
				  Onnx__AttributeProto__AttributeType type)
{
	Onnx__AttributeProto *a = zalloc(b, sizeof(*a));

	onnx__attribute_proto__init(a);
	a->name = dup(b, name);
	a->has_type = 1;
	a->type = type;
	n->attribute[n->n_attribute++] = a;
	return a;
}

void ob_attr_i(struct ob *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

	a->has_i = 1;
	a->i = v;
}

void ob_attr_f(struct ob *b, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

	a->has_f = 1;
	a->f = v;
}

void ob_attr_s(struct ob *b, Onnx__NodeProto *n, const char *name, const char *v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);

	a->has_s = 1;
	a->s.data = (uint8_t *)dup(b, v);
	a->s.len = strlen(v);
}

void ob_attr_ints(struct ob *b, Onnx__NodeProto *n, const char *name, uint32_t cnt,
		  const int64_t *v)
{
	Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

	a->n_ints = cnt;
	a->ints = zalloc(b, cnt * sizeof(int64_t));
	memcpy(a->ints, v, cnt * sizeof(int64_t));
}

void *ob_pack(struct ob *b, size_t *size)
{
	void *buf;

	*size = onnx__model_proto__get_packed_size(&b->m);
	buf = malloc(*size ? *size : 1);
	if (!buf)
		abort();
	onnx__model_proto__pack(&b->m, buf);
	return buf;
}

Onnx__ModelProto *ob_model(struct ob *b)
{
	return &b->m;
}
