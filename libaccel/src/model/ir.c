// SPDX-License-Identifier: MIT
/* The graph IR: construction, lookup, attributes, topological order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ir.h"

size_t ir_dtype_size(int dtype)
{
	switch (dtype) {
	case IR_DT_FLOAT: case IR_DT_INT32: return 4;
	case IR_DT_INT64: case IR_DT_DOUBLE: return 8;
	case IR_DT_FLOAT16: return 2;
	case IR_DT_UINT8: case IR_DT_INT8: case IR_DT_BOOL: return 1;
	default: return 0;
	}
}

const char *ir_dtype_name(int dtype)
{
	switch (dtype) {
	case IR_DT_FLOAT: return "float32";
	case IR_DT_UINT8: return "uint8";
	case IR_DT_INT8: return "int8";
	case IR_DT_INT32: return "int32";
	case IR_DT_INT64: return "int64";
	case IR_DT_BOOL: return "bool";
	case IR_DT_FLOAT16: return "float16";
	case IR_DT_DOUBLE: return "double";
	default: return "unsupported type";
	}
}

void ir_init(struct ir_graph *g, const char *source)
{
	memset(g, 0, sizeof(*g));
	g->source = source;
}

static void attr_free(struct ir_attr *a)
{
	free(a->name);
	free(a->s);
	free(a->ints);
	free(a->floats);
}

void ir_free(struct ir_graph *g)
{
	uint32_t i, j;

	for (i = 0; i < g->n_val; i++) {
		free(g->val[i].name);
		free(g->val[i].data);
		free(g->val[i].q.scales);
		free(g->val[i].q.zero_points);
	}
	for (i = 0; i < g->n_node; i++) {
		struct ir_node *n = &g->node[i];

		free(n->name);
		free(n->op);
		free(n->domain);
		free(n->in);
		free(n->out);
		for (j = 0; j < n->n_attr; j++)
			attr_free(&n->attr[j]);
		free(n->attr);
	}
	free(g->val);
	free(g->node);
	free(g->inputs);
	free(g->outputs);
	memset(g, 0, sizeof(*g));
}

static bool grow(void **arr, uint32_t *cap, uint32_t need, size_t esize)
{
	uint32_t ncap;
	void *p;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, (size_t)ncap * esize);
	if (!p)
		return false;
	memset((char *)p + (size_t)*cap * esize, 0, (size_t)(ncap - *cap) * esize);
	*arr = p;
	*cap = ncap;
	return true;
}

int ir_add_value(struct ir_graph *g, const char *name)
{
	struct ir_value *v;
	char tmp[32];

	if (!grow((void **)&g->val, &g->cap_val, g->n_val + 1, sizeof(*g->val))) {
		accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory for values", g->source);
		return -1;
	}
	if (!name) {
		snprintf(tmp, sizeof(tmp), "_t%u", g->n_val);
		name = tmp;
	}
	v = &g->val[g->n_val];
	memset(v, 0, sizeof(*v));
	v->name = strdup(name);
	if (!v->name) {
		accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory for values", g->source);
		return -1;
	}
	v->producer = -1;
	v->alias = -1;
	v->q.axis = -1;
	return (int)g->n_val++;
}

int ir_find_value(const struct ir_graph *g, const char *name)
{
	uint32_t i;

	for (i = g->n_val; i-- > 0;)
		if (!strcmp(g->val[i].name, name))
			return (int)i;
	return -1;
}

int ir_add_node(struct ir_graph *g, const char *op, const char *name, uint32_t n_in,
		uint32_t n_out)
{
	struct ir_node *n;
	uint32_t i;

	if (!grow((void **)&g->node, &g->cap_node, g->n_node + 1, sizeof(*g->node)))
		goto oom;
	n = &g->node[g->n_node];
	memset(n, 0, sizeof(*n));
	n->op = strdup(op);
	n->name = strdup(name ? name : "");
	n->in = calloc(n_in ? n_in : 1, sizeof(int));
	n->out = calloc(n_out ? n_out : 1, sizeof(int));
	if (!n->op || !n->name || !n->in || !n->out) {
		free(n->op);
		free(n->name);
		free(n->in);
		free(n->out);
		goto oom;
	}
	n->n_in = n_in;
	n->n_out = n_out;
	for (i = 0; i < n_in; i++)
		n->in[i] = -1;
	for (i = 0; i < n_out; i++)
		n->out[i] = -1;
	n->epi.residual = -1;
	return (int)g->n_node++;
oom:
	accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory for nodes", g->source);
	return -1;
}

void ir_set_const(struct ir_value *v, int dtype, uint32_t rank, const int64_t *dim,
		  void *data, size_t bytes)
{
	free(v->data);
	v->dtype = dtype;
	v->rank = rank;
	if (rank)
		memcpy(v->dim, dim, rank * sizeof(*dim));
	v->data = data;
	v->bytes = bytes;
	v->flags |= IR_VAL_CONST;
	v->producer = -1;
	v->alias = -1;
}

int64_t ir_numel(const struct ir_value *v)
{
	int64_t n = 1;
	uint32_t i;

	for (i = 0; i < v->rank; i++)
		n *= v->dim[i];
	return n;
}

struct ir_value *ir_in(struct ir_graph *g, const struct ir_node *n, uint32_t i)
{
	return i < n->n_in && n->in[i] >= 0 ? &g->val[n->in[i]] : NULL;
}

struct ir_value *ir_out(struct ir_graph *g, const struct ir_node *n, uint32_t i)
{
	return i < n->n_out && n->out[i] >= 0 ? &g->val[n->out[i]] : NULL;
}

const struct ir_attr *ir_attr_get(const struct ir_node *n, const char *name)
{
	uint32_t i;

	for (i = 0; i < n->n_attr; i++)
		if (!strcmp(n->attr[i].name, name))
			return &n->attr[i];
	return NULL;
}

int64_t ir_attr_int(const struct ir_node *n, const char *name, int64_t def)
{
	const struct ir_attr *a = ir_attr_get(n, name);

	return a && a->type == IR_ATTR_INT ? a->i : def;
}

float ir_attr_float(const struct ir_node *n, const char *name, float def)
{
	const struct ir_attr *a = ir_attr_get(n, name);

	return a && a->type == IR_ATTR_FLOAT ? a->f : def;
}

const char *ir_attr_str(const struct ir_node *n, const char *name, const char *def)
{
	const struct ir_attr *a = ir_attr_get(n, name);

	return a && a->type == IR_ATTR_STRING ? a->s : def;
}

const int64_t *ir_attr_ints(const struct ir_node *n, const char *name, uint32_t *cnt)
{
	const struct ir_attr *a = ir_attr_get(n, name);

	if (!a || a->type != IR_ATTR_INTS) {
		*cnt = 0;
		return NULL;
	}
	*cnt = a->n;
	return a->ints;
}

accel_status ir_node_fail(const struct ir_graph *g, const struct ir_node *n, const char *fmt, ...)
{
	char why[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return accel__fail(ACCEL_ERR_MODEL, "%s: node '%s' (%s): %s", g->source,
			   n->name[0] ? n->name : "<unnamed>", n->op, why);
}

accel_status ir_fail(const struct ir_graph *g, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return accel__fail(ACCEL_ERR_MODEL, "%s: %s", g->source, why);
}

/* Kahn's algorithm over live nodes, stable in node order. */
accel_status ir_topo_order(const struct ir_graph *g, int *order, uint32_t *count)
{
	uint32_t *pending = calloc(g->n_node + 1, sizeof(*pending));
	int *prod = malloc((g->n_val + 1) * sizeof(*prod));
	uint8_t *done = calloc(g->n_node + 1, 1);
	uint32_t i, j, n = 0, live = 0;
	bool progress = true;
	accel_status st = ACCEL_OK;

	if (!pending || !prod || !done) {
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory", g->source);
		goto out;
	}
	for (i = 0; i < g->n_val; i++)
		prod[i] = -1;
	for (i = 0; i < g->n_node; i++) {
		if (g->node[i].dead)
			continue;
		live++;
		for (j = 0; j < g->node[i].n_out; j++)
			if (g->node[i].out[j] >= 0)
				prod[g->node[i].out[j]] = (int)i;
	}
	/* Repeated stable sweeps: small graphs, and the order stays the file's. */
	while (n < live && progress) {
		progress = false;
		for (i = 0; i < g->n_node; i++) {
			const struct ir_node *nd = &g->node[i];
			bool ready = true;

			if (nd->dead || done[i])
				continue;
			for (j = 0; j <= nd->n_in && ready; j++) {
				int v = j < nd->n_in ? nd->in[j] : nd->epi.residual;

				if (v >= 0 && prod[v] >= 0 && !done[prod[v]])
					ready = false;
			}
			if (!ready)
				continue;
			done[i] = 1;
			order[n++] = (int)i;
			progress = true;
		}
	}
	if (n < live) {
		for (i = 0; i < g->n_node; i++)
			if (!g->node[i].dead && !done[i])
				break;
		st = ir_node_fail(g, &g->node[i], "graph has a cycle through this node");
		goto out;
	}
	*count = n;
out:
	free(pending);
	free(prod);
	free(done);
	return st;
}

accel_status ir_compact(struct ir_graph *g)
{
	int *order = malloc((g->n_node + 1) * sizeof(*order));
	struct ir_node *nodes;
	uint32_t i, j, n;
	accel_status st;

	if (!order)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory", g->source);
	st = ir_topo_order(g, order, &n);
	if (st) {
		free(order);
		return st;
	}
	nodes = malloc((g->cap_node ? g->cap_node : 1) * sizeof(*nodes));
	if (!nodes) {
		free(order);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory", g->source);
	}
	for (i = 0; i < n; i++)
		nodes[i] = g->node[order[i]];
	/* free the dead ones */
	for (i = 0; i < g->n_node; i++) {
		struct ir_node *d = &g->node[i];

		if (!d->dead)
			continue;
		free(d->name);
		free(d->op);
		free(d->domain);
		free(d->in);
		free(d->out);
		for (j = 0; j < d->n_attr; j++)
			attr_free(&d->attr[j]);
		free(d->attr);
	}
	free(g->node);
	free(order);
	g->node = nodes;
	g->n_node = n;
	for (i = 0; i < g->n_val; i++)
		if (!(g->val[i].flags & IR_VAL_CONST))
			g->val[i].producer = -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < nodes[i].n_out; j++)
			if (nodes[i].out[j] >= 0)
				g->val[nodes[i].out[j]].producer = (int)i;
	return ACCEL_OK;
}

uint32_t ir_use_count(const struct ir_graph *g, int v)
{
	uint32_t i, j, c = 0;

	for (i = 0; i < g->n_node; i++) {
		if (g->node[i].dead)
			continue;
		for (j = 0; j < g->node[i].n_in; j++)
			c += g->node[i].in[j] == v;
		c += g->node[i].epi.residual == v;
	}
	for (i = 0; i < g->n_outputs; i++)
		c += g->outputs[i] == v;
	return c;
}

accel_status ir_verify(const struct ir_graph *g)
{
	uint32_t i, j;
	uint8_t *made = calloc(g->n_val + 1, 1);

	if (!made)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory", g->source);
	for (i = 0; i < g->n_val; i++)
		if (g->val[i].flags & (IR_VAL_INPUT | IR_VAL_CONST))
			made[i] = 1;
	for (i = 0; i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];

		if (n->dead)
			continue;
		for (j = 0; j < n->n_out; j++) {
			int v = n->out[j];

			if (v < 0)
				continue;
			if (made[v]) {
				free(made);
				return ir_node_fail(g, n, "output '%s' is already produced elsewhere",
						    g->val[v].name);
			}
			made[v] = 1;
		}
	}
	for (i = 0; i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];

		if (n->dead)
			continue;
		for (j = 0; j < n->n_in; j++) {
			if (n->in[j] >= 0 && !made[n->in[j]]) {
				accel_status st = ir_node_fail(g, n,
					"input '%s' is neither a graph input, an initializer nor a node output",
					g->val[n->in[j]].name);
				free(made);
				return st;
			}
		}
	}
	for (i = 0; i < g->n_outputs; i++) {
		if (!made[g->outputs[i]]) {
			accel_status st = ir_fail(g, "graph output '%s' is never produced",
						  g->val[g->outputs[i]].name);
			free(made);
			return st;
		}
	}
	free(made);
	return ACCEL_OK;
}
