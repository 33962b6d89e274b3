// SPDX-License-Identifier: MIT
/*
 * ONNX ModelProto -> graph IR. Parsed with the protobuf-c code generated
 * from the system onnx.proto; every field is checked before use and every
 * failure names the file, the node, the op and the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "onnx_import.h"
#include "onnx_tensor.h"

static bool default_domain(const char *d)
{
	return !d || !d[0] || !strcmp(d, "ai.onnx");
}

static accel_status import_opset(const Onnx__ModelProto *m, struct ir_graph *g)
{
	size_t i;

	g->opset = -1;
	for (i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->opset_import[i];

		if (default_domain(o->domain))
			g->opset = o->has_version ? o->version : -1;
	}
	if (g->opset < 0)
		return ir_fail(g, "no opset_import for the default ONNX domain");
	if (g->opset < ONNX_OPSET_MIN || g->opset > ONNX_OPSET_MAX)
		return ir_fail(g, "unknown opset %lld (supported: %d to %d)", (long long)g->opset,
			       ONNX_OPSET_MIN, ONNX_OPSET_MAX);
	return ACCEL_OK;
}

static accel_status add_const(struct ir_graph *g, const char *name, const Onnx__TensorProto *t,
			      const char *what, const char *base_dir, int *out)
{
	struct onnx_tensor ot;
	accel_status st;
	int v;

	st = onnx_tensor_decode(t, what, base_dir, &ot);
	if (st)
		return st;
	v = ir_add_value(g, name);
	if (v < 0) {
		free(ot.data);
		return ACCEL_ERR_NO_MEMORY;
	}
	ir_set_const(&g->val[v], ot.dtype, ot.rank, ot.dim, ot.data, ot.bytes);
	*out = v;
	return ACCEL_OK;
}

static accel_status import_initializers(const Onnx__GraphProto *gp, struct ir_graph *g,
					const char *base_dir)
{
	char what[512];
	size_t i;

	if (gp->n_sparse_initializer)
		return ir_fail(g, "sparse initializers are not supported");
	for (i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *t = gp->initializer[i];
		accel_status st;
		int v;

		if (!t->name || !t->name[0])
			return ir_fail(g, "initializer %zu has no name", i);
		if (ir_find_value(g, t->name) >= 0)
			return ir_fail(g, "initializer '%s' is defined twice", t->name);
		snprintf(what, sizeof(what), "%s: initializer '%s'", g->source, t->name);
		st = add_const(g, t->name, t, what, base_dir, &v);
		if (st)
			return st;
	}
	return ACCEL_OK;
}

static accel_status import_input(const Onnx__ValueInfoProto *vi, struct ir_graph *g,
				 uint32_t batch)
{
	const Onnx__TypeProto__Tensor *tt;
	const Onnx__TensorShapeProto *sh;
	struct ir_value *val;
	char what[512];
	accel_status st;
	size_t i;
	int v;

	if (!vi->name || !vi->name[0])
		return ir_fail(g, "a graph input has no name");
	v = ir_find_value(g, vi->name);
	if (v >= 0 && (g->val[v].flags & IR_VAL_CONST))
		return ACCEL_OK;	/* an initializer listed as input: a constant */
	if (v >= 0)
		return ir_fail(g, "graph input '%s' is listed twice", vi->name);
	if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
	    !vi->type->tensor_type)
		return ir_fail(g, "graph input '%s' is not a tensor", vi->name);
	tt = vi->type->tensor_type;
	sh = tt->shape;
	if (!sh)
		return ir_fail(g, "graph input '%s' has no shape", vi->name);
	if (sh->n_dim > IR_MAX_RANK)
		return ir_fail(g, "graph input '%s': rank %zu exceeds %d", vi->name, sh->n_dim,
			       IR_MAX_RANK);
	v = ir_add_value(g, vi->name);
	if (v < 0)
		return ACCEL_ERR_NO_MEMORY;
	val = &g->val[v];
	val->flags |= IR_VAL_INPUT;
	val->dtype = tt->has_elem_type ? tt->elem_type : 0;
	if (!ir_dtype_size(val->dtype))
		return ir_fail(g, "graph input '%s': unsupported element type %d", vi->name,
			       val->dtype);
	val->rank = (uint32_t)sh->n_dim;
	for (i = 0; i < sh->n_dim; i++) {
		const Onnx__TensorShapeProto__Dimension *d = sh->dim[i];

		if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
		    d->dim_value > 0) {
			val->dim[i] = d->dim_value;
		} else if (i == 0) {
			val->dim[i] = batch;	/* the symbolic batch dimension */
		} else {
			return ir_fail(g, "graph input '%s': dim %zu is symbolic ('%s'); only the "
				       "first (batch) dim may be", vi->name, i,
				       d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
				       d->dim_param ? d->dim_param : "?");
		}
	}
	snprintf(what, sizeof(what), "%s: graph input '%s'", g->source, vi->name);
	st = onnx_check_dims(what, val->rank, val->dim, ir_dtype_size(val->dtype));
	if (st)
		return st;
	g->inputs[g->n_inputs++] = v;
	return ACCEL_OK;
}

static accel_status copy_attr(struct ir_graph *g, struct ir_node *n, const Onnx__AttributeProto *a,
			      const char *base_dir)
{
	struct ir_attr *d = &n->attr[n->n_attr];
	char what[512];

	memset(d, 0, sizeof(*d));
	d->tensor = -1;
	if (!a->name || !a->name[0])
		return ir_node_fail(g, n, "attribute without a name");
	if (a->ref_attr_name && a->ref_attr_name[0])
		return ir_node_fail(g, n, "attribute '%s' refers to a function attribute", a->name);
	d->name = strdup(a->name);
	if (!d->name)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	n->n_attr++;
	switch (a->has_type ? a->type : ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
		d->type = IR_ATTR_INT;
		d->i = a->i;
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
		d->type = IR_ATTR_FLOAT;
		d->f = a->f;
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
		d->type = IR_ATTR_STRING;
		d->s = strndup(a->s.data ? (const char *)a->s.data : "", a->s.len);
		if (!d->s)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
		d->type = IR_ATTR_INTS;
		d->n = (uint32_t)a->n_ints;
		if (a->n_ints > 4096)
			return ir_node_fail(g, n, "attribute '%s' has %zu ints", a->name, a->n_ints);
		d->ints = malloc((a->n_ints + 1) * sizeof(int64_t));
		if (!d->ints)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		if (a->n_ints)
			memcpy(d->ints, a->ints, a->n_ints * sizeof(int64_t));
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
		d->type = IR_ATTR_FLOATS;
		d->n = (uint32_t)a->n_floats;
		if (a->n_floats > (1u << 20))
			return ir_node_fail(g, n, "attribute '%s' has %zu floats", a->name,
					    a->n_floats);
		d->floats = malloc((a->n_floats + 1) * sizeof(float));
		if (!d->floats)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		if (a->n_floats)
			memcpy(d->floats, a->floats, a->n_floats * sizeof(float));
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
		char name[600];
		accel_status st;

		if (!a->t)
			return ir_node_fail(g, n, "tensor attribute '%s' has no tensor", a->name);
		d->type = IR_ATTR_TENSOR;
		snprintf(name, sizeof(name), "%s:%s", n->name, a->name);
		snprintf(what, sizeof(what), "%s: node '%s' (%s): attribute '%s'", g->source,
			 n->name, n->op, a->name);
		st = add_const(g, name, a->t, what, base_dir, &d->tensor);
		if (st)
			return st;
		break;
	}
	default:
		d->type = IR_ATTR_OTHER;	/* graphs, strings...: ops that need them refuse */
		break;
	}
	return ACCEL_OK;
}

static int value_for(struct ir_graph *g, const char *name)
{
	int v = ir_find_value(g, name);

	return v >= 0 ? v : ir_add_value(g, name);
}

/* Constant node -> initializer named after its output. */
static accel_status import_constant(struct ir_graph *g, struct ir_node *n)
{
	const struct ir_attr *a = NULL;
	struct ir_value *out;
	int src = -1;
	uint32_t i;

	if (n->n_out != 1 || n->out[0] < 0 || n->n_attr != 1)
		return ir_node_fail(g, n, "needs one output and exactly one value attribute");
	a = &n->attr[0];
	out = &g->val[n->out[0]];
	if (a->type == IR_ATTR_TENSOR && !strcmp(a->name, "value")) {
		src = a->tensor;
		ir_set_const(out, g->val[src].dtype, g->val[src].rank, g->val[src].dim,
			     g->val[src].data, g->val[src].bytes);
		g->val[src].data = NULL;
		g->val[src].flags &= ~IR_VAL_CONST;
	} else if (!strcmp(a->name, "value_float") && a->type == IR_ATTR_FLOAT) {
		float *f = malloc(sizeof(float));

		if (!f)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		*f = a->f;
		ir_set_const(out, IR_DT_FLOAT, 0, NULL, f, sizeof(float));
	} else if (!strcmp(a->name, "value_int") && a->type == IR_ATTR_INT) {
		int64_t *p = malloc(sizeof(int64_t));

		if (!p)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		*p = a->i;
		ir_set_const(out, IR_DT_INT64, 0, NULL, p, sizeof(int64_t));
	} else if ((!strcmp(a->name, "value_floats") && a->type == IR_ATTR_FLOATS) ||
		   (!strcmp(a->name, "value_ints") && a->type == IR_ATTR_INTS)) {
		bool fl = a->type == IR_ATTR_FLOATS;
		size_t es = fl ? sizeof(float) : sizeof(int64_t);
		int64_t dim = a->n;
		void *p = malloc(a->n ? a->n * es : 1);

		if (!p)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		for (i = 0; i < a->n; i++) {
			if (fl)
				((float *)p)[i] = a->floats[i];
			else
				((int64_t *)p)[i] = a->ints[i];
		}
		ir_set_const(out, fl ? IR_DT_FLOAT : IR_DT_INT64, 1, &dim, p, a->n * es);
	} else {
		return ir_node_fail(g, n, "unsupported value attribute '%s'", a->name);
	}
	n->dead = true;
	return ACCEL_OK;
}

static accel_status import_node(const Onnx__NodeProto *np, size_t idx, struct ir_graph *g,
				const char *base_dir)
{
	char name[64];
	struct ir_node *n;
	accel_status st;
	size_t i;
	int ni;

	if (!np->op_type || !np->op_type[0])
		return ir_fail(g, "node %zu has no op_type", idx);
	if (np->n_input > 1024 || np->n_output > 1024 || np->n_attribute > 256)
		return ir_fail(g, "node %zu (%s): too many inputs, outputs or attributes", idx,
			       np->op_type);
	snprintf(name, sizeof(name), "#%zu", idx);
	ni = ir_add_node(g, np->op_type, np->name && np->name[0] ? np->name : name,
			 (uint32_t)np->n_input, (uint32_t)np->n_output);
	if (ni < 0)
		return ACCEL_ERR_NO_MEMORY;
	n = &g->node[ni];
	/* com.microsoft's QLinearAdd: onnxruntime's quantizer writes it (pass_qdq.c) */
	if (!default_domain(np->domain) &&
	    !(!strcmp(np->domain, "com.microsoft") && !strcmp(np->op_type, "QLinearAdd")))
		return ir_node_fail(g, n, "operator domain '%s' is not supported", np->domain);
	n->attr = calloc(np->n_attribute + 1, sizeof(*n->attr));
	if (!n->attr)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; i < np->n_attribute; i++) {
		st = copy_attr(g, &g->node[ni], np->attribute[i], base_dir);
		if (st)
			return st;
	}
	for (i = 0; i < np->n_input; i++) {
		int v;

		if (!np->input[i] || !np->input[i][0])
			continue;	/* absent optional input */
		v = value_for(g, np->input[i]);
		if (v < 0)
			return ACCEL_ERR_NO_MEMORY;
		g->node[ni].in[i] = v;
	}
	for (i = 0; i < np->n_output; i++) {
		int v;

		if (!np->output[i] || !np->output[i][0])
			continue;
		v = value_for(g, np->output[i]);
		if (v < 0)
			return ACCEL_ERR_NO_MEMORY;
		n = &g->node[ni];
		if (g->val[v].flags & (IR_VAL_CONST | IR_VAL_INPUT) || g->val[v].producer >= 0)
			return ir_node_fail(g, n, "output '%s' is already defined", np->output[i]);
		g->val[v].producer = ni;
		n->out[i] = v;
	}
	n = &g->node[ni];
	if (!strcmp(n->op, "Constant"))
		return import_constant(g, n);
	return ACCEL_OK;
}

accel_status onnx_import(const void *data, size_t size, const char *source, const char *base_dir,
			 uint32_t batch, struct ir_graph *g)
{
	const Onnx__GraphProto *gp;
	Onnx__ModelProto *m;
	accel_status st;
	size_t i;

	ir_init(g, source);
	if (!size)
		return ir_fail(g, "empty file");
	m = onnx__model_proto__unpack(NULL, size, data);
	if (!m)
		return ir_fail(g, "not a valid ONNX model (truncated or corrupt protobuf)");
	gp = m->graph;
	st = import_opset(m, g);
	if (!st && !gp)
		st = ir_fail(g, "model has no graph");
	if (!st && (gp->n_input > 4096 || gp->n_output > 4096))
		st = ir_fail(g, "too many graph inputs or outputs");
	if (!st) {
		g->inputs = calloc(gp->n_input + 1, sizeof(int));
		g->outputs = calloc(gp->n_output + 1, sizeof(int));
		if (!g->inputs || !g->outputs)
			st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	if (!st)
		st = import_initializers(gp, g, base_dir);
	for (i = 0; !st && i < gp->n_input; i++)
		st = import_input(gp->input[i], g, batch ? batch : 1);
	for (i = 0; !st && i < gp->n_node; i++)
		st = import_node(gp->node[i], i, g, base_dir);
	for (i = 0; !st && i < gp->n_output; i++) {
		const char *nm = gp->output[i]->name;
		int v = nm ? ir_find_value(g, nm) : -1;

		if (v < 0)
			st = ir_fail(g, "graph output '%s' is not produced by any node",
				     nm ? nm : "");
		else
			g->outputs[g->n_outputs++] = v;
		if (v >= 0)
			g->val[v].flags |= IR_VAL_OUTPUT;
	}
	if (!st && !g->n_outputs)
		st = ir_fail(g, "graph has no outputs");
	onnx__model_proto__free_unpacked(m, NULL);
	if (!st)
		st = ir_verify(g);
	if (!st)
		st = ir_compact(g);
	if (st)
		ir_free(g);
	return st;
}

static accel_status external_one(const Onnx__TensorProto *t, const char *what,
				 const char *base_dir,
				 void (*fn)(void *ctx, const void *bytes, size_t n), void *ctx)
{
	accel_status st;
	size_t bytes;
	void *buf;

	if (!onnx_tensor_is_external(t))
		return ACCEL_OK;
	st = onnx_tensor_read_external(t, what, base_dir, &buf, &bytes);
	if (st)
		return st;
	fn(ctx, buf, bytes);
	free(buf);
	return ACCEL_OK;
}

accel_status onnx_external_data(const void *data, size_t size, const char *source,
				const char *base_dir,
				void (*fn)(void *ctx, const void *bytes, size_t n), void *ctx)
{
	const Onnx__GraphProto *gp;
	Onnx__ModelProto *m;
	accel_status st = ACCEL_OK;
	char what[512], name[64];
	size_t i, j;

	m = size ? onnx__model_proto__unpack(NULL, size, data) : NULL;
	gp = m ? m->graph : NULL;
	for (i = 0; gp && !st && i < gp->n_initializer; i++) {
		const Onnx__TensorProto *t = gp->initializer[i];

		snprintf(what, sizeof(what), "%s: initializer '%s'", source,
			 t->name ? t->name : "");
		st = external_one(t, what, base_dir, fn, ctx);
	}
	for (i = 0; gp && !st && i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];

		snprintf(name, sizeof(name), "#%zu", i);
		for (j = 0; !st && j < np->n_attribute; j++) {
			const Onnx__AttributeProto *a = np->attribute[j];

			if (!a->has_type || a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR ||
			    !a->t)
				continue;
			snprintf(what, sizeof(what), "%s: node '%s' (%s): attribute '%s'", source,
				 np->name && np->name[0] ? np->name : name,
				 np->op_type ? np->op_type : "", a->name ? a->name : "");
			st = external_one(a->t, what, base_dir, fn, ctx);
		}
	}
	if (m)
		onnx__model_proto__free_unpacked(m, NULL);
	return st;
}
