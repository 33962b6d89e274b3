// SPDX-License-Identifier: MIT
/* The compiled-model cache: encoder and the (untrusting) decoder (cache.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "cache.h"
#include "ops.h"

#define CACHE_MAGIC "SNPUMDLC"
#define CACHE_VERSION 2u	/* 2: IR_VAL_NHWC, layout views (pass_layout.c) */
#define CACHE_HDR 64u
#define CACHE_MAX_COUNT (1u << 24)
#define CACHE_MAX_STR 4096u

/* ---- writer */
struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void w_bytes(struct wbuf *b, const void *d, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2 + 256;
		uint8_t *q = realloc(b->p, cap);

		if (!q) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void w_u32(struct wbuf *b, uint32_t v)
{
	w_bytes(b, &v, 4);
}

static void w_i32(struct wbuf *b, int32_t v)
{
	w_bytes(b, &v, 4);
}

static void w_u64(struct wbuf *b, uint64_t v)
{
	w_bytes(b, &v, 8);
}

static void w_f32(struct wbuf *b, float v)
{
	w_bytes(b, &v, 4);
}

static void w_str(struct wbuf *b, const char *s)
{
	if (!s) {
		w_u32(b, UINT32_MAX);
		return;
	}
	w_u32(b, (uint32_t)strlen(s));
	w_bytes(b, s, strlen(s));
}

static uint64_t checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void w_value(struct wbuf *b, const struct ir_value *v)
{
	uint32_t i;

	w_str(b, v->name);
	w_i32(b, v->dtype);
	w_u32(b, v->rank);
	for (i = 0; i < v->rank; i++)
		w_u64(b, (uint64_t)v->dim[i]);
	w_u32(b, v->flags);
	w_i32(b, v->producer);
	w_i32(b, v->alias);
	w_u64(b, v->data ? v->bytes : 0);
	if (v->data)
		w_bytes(b, v->data, v->bytes);
	w_f32(b, v->q.scale);
	w_i32(b, v->q.zero_point);
	w_i32(b, v->q.axis);
	w_u32(b, v->q.scales ? v->q.count : 0);
	for (i = 0; v->q.scales && i < v->q.count; i++)
		w_f32(b, v->q.scales[i]);
}

static void w_node(struct wbuf *b, const struct ir_node *n)
{
	uint32_t i, j;

	w_str(b, n->name);
	w_str(b, n->op);
	w_str(b, n->domain);
	w_i32(b, n->kind);
	w_u32(b, n->n_in);
	for (i = 0; i < n->n_in; i++)
		w_i32(b, n->in[i]);
	w_u32(b, n->n_out);
	for (i = 0; i < n->n_out; i++)
		w_i32(b, n->out[i]);
	w_u32(b, n->n_attr);
	for (i = 0; i < n->n_attr; i++) {
		const struct ir_attr *a = &n->attr[i];

		w_str(b, a->name);
		w_u32(b, (uint32_t)a->type);
		w_u64(b, (uint64_t)a->i);
		w_f32(b, a->f);
		w_str(b, a->s);
		w_u32(b, a->n);
		w_u32(b, (a->ints ? 1u : 0u) | (a->floats ? 2u : 0u));
		for (j = 0; a->ints && j < a->n; j++)
			w_u64(b, (uint64_t)a->ints[j]);
		for (j = 0; a->floats && j < a->n; j++)
			w_f32(b, a->floats[j]);
		w_i32(b, a->tensor);
	}
	w_i32(b, n->precision);
	w_i32(b, n->target);
	w_str(b, n->rule);
	w_str(b, n->detail);
	w_i32(b, n->epi.act);
	w_f32(b, n->epi.alpha);
	w_f32(b, n->epi.min);
	w_f32(b, n->epi.max);
	w_i32(b, n->epi.residual);
	w_i32(b, n->epi.pre);
}

accel_status cache_encode(const struct ir_graph *g, const struct plan *p,
			  const struct cache_key *key, void **out, size_t *size)
{
	struct wbuf b = { 0 };
	uint64_t sum;
	uint32_t i;

	*out = NULL;
	w_bytes(&b, CACHE_MAGIC, 8);
	w_u32(&b, CACHE_VERSION);
	w_u32(&b, CACHE_HDR);
	w_bytes(&b, key->k, CACHE_KEY_BYTES);
	w_u64(&b, 0);	/* payload size, below */
	w_u64(&b, 0);	/* payload checksum */
	/* payload */
	w_u64(&b, (uint64_t)g->opset);
	w_u32(&b, g->n_val);
	for (i = 0; i < g->n_val; i++)
		w_value(&b, &g->val[i]);
	w_u32(&b, g->n_node);
	for (i = 0; i < g->n_node; i++)
		w_node(&b, &g->node[i]);
	w_u32(&b, g->n_inputs);
	for (i = 0; i < g->n_inputs; i++)
		w_i32(&b, g->inputs[i]);
	w_u32(&b, g->n_outputs);
	for (i = 0; i < g->n_outputs; i++)
		w_i32(&b, g->outputs[i]);
	w_u32(&b, p->n_val);
	for (i = 0; i < p->n_val; i++) {
		w_u32(&b, p->loc[i].space);
		w_u64(&b, p->loc[i].offset);
		w_u64(&b, p->loc[i].bytes);
		w_i32(&b, p->loc[i].first);
		w_i32(&b, p->loc[i].last);
	}
	w_u64(&b, p->weights_bytes);
	w_u64(&b, p->arena_bytes);
	w_u64(&b, p->arena_lower_bound);
	w_u32(&b, p->n_steps);
	for (i = 0; i < p->n_steps; i++) {
		w_i32(&b, p->steps[i].target);
		w_u32(&b, p->steps[i].first);
		w_u32(&b, p->steps[i].count);
	}
	w_u32(&b, p->device_nodes);
	w_u32(&b, p->cpu_nodes);
	w_u32(&b, p->view_nodes);
	if (b.oom) {
		free(b.p);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	sum = b.len - CACHE_HDR;
	memcpy(b.p + 48, &sum, 8);
	sum = checksum(b.p + CACHE_HDR, b.len - CACHE_HDR);
	memcpy(b.p + 56, &sum, 8);
	*out = b.p;
	*size = b.len;
	return ACCEL_OK;
}

/* ---- reader: every read checked against the end */
struct rbuf {
	const uint8_t *p;
	size_t len, off;
	const char *why;
};

static bool r_bytes(struct rbuf *r, void *d, size_t n)
{
	if (r->why)
		return false;
	if (n > r->len - r->off) {
		r->why = "truncated";
		return false;
	}
	memcpy(d, r->p + r->off, n);
	r->off += n;
	return true;
}

static uint32_t r_u32(struct rbuf *r)
{
	uint32_t v = 0;

	r_bytes(r, &v, 4);
	return v;
}

static int32_t r_i32(struct rbuf *r)
{
	int32_t v = 0;

	r_bytes(r, &v, 4);
	return v;
}

static uint64_t r_u64(struct rbuf *r)
{
	uint64_t v = 0;

	r_bytes(r, &v, 8);
	return v;
}

static float r_f32(struct rbuf *r)
{
	float v = 0;

	r_bytes(r, &v, 4);
	return v;
}

static uint32_t r_count(struct rbuf *r, uint32_t max, size_t min_each)
{
	uint32_t n = r_u32(r);

	if (!r->why && (n > max || (min_each && n > (r->len - r->off) / min_each)))
		r->why = "a count is out of range";
	return r->why ? 0 : n;
}

/* A string (NULL allowed when nullable), malloc'd. */
static char *r_str(struct rbuf *r, bool nullable, bool *ok)
{
	uint32_t n = r_u32(r);
	char *s;

	*ok = false;
	if (r->why)
		return NULL;
	if (n == UINT32_MAX) {
		if (!nullable)
			r->why = "a required string is missing";
		*ok = nullable;
		return NULL;
	}
	if (n > CACHE_MAX_STR || n > r->len - r->off) {
		r->why = n > CACHE_MAX_STR ? "a string is too long" : "truncated";
		return NULL;
	}
	s = malloc(n + 1);
	if (!s) {
		r->why = "out of memory";
		return NULL;
	}
	memcpy(s, r->p + r->off, n);
	s[n] = 0;
	r->off += n;
	if (strlen(s) != n) {
		free(s);
		r->why = "a string holds a NUL byte";
		return NULL;
	}
	*ok = true;
	return s;
}

static bool idx_ok(int32_t v, uint32_t n, bool opt)
{
	return (opt && v == -1) || (v >= 0 && (uint32_t)v < n);
}

static void r_value(struct rbuf *r, struct ir_value *v)
{
	uint64_t bytes, numel = 1;
	uint32_t i, n;
	bool ok;

	v->name = r_str(r, false, &ok);
	v->dtype = r_i32(r);
	v->rank = r_u32(r);
	if (!r->why && v->rank > IR_MAX_RANK)
		r->why = "a value's rank is over 8";
	for (i = 0; !r->why && i < v->rank; i++) {
		uint64_t d = r_u64(r);

		if (d > (1ull << 40) || (d && numel > (1ull << 40) / d))
			r->why = "a value's dims are absurd";
		v->dim[i] = (int64_t)d;
		numel *= d;
	}
	v->flags = r_u32(r);
	v->producer = r_i32(r);
	v->alias = r_i32(r);
	bytes = r_u64(r);
	if (!r->why && (v->dtype < 0 || (v->dtype && !ir_dtype_size(v->dtype))))
		r->why = "a value has an unknown dtype";
	if (!r->why && (v->flags & ~(IR_VAL_INPUT | IR_VAL_OUTPUT | IR_VAL_CONST | IR_VAL_NHWC)))
		r->why = "a value has unknown flags";
	if (!r->why && (v->flags & IR_VAL_NHWC) &&
	    (v->rank != 4 || (v->flags & (IR_VAL_INPUT | IR_VAL_OUTPUT | IR_VAL_CONST))))
		r->why = "an NHWC value is not a 4-D intermediate tensor";
	if (!r->why && bytes) {
		if (!(v->flags & IR_VAL_CONST) || bytes != numel * ir_dtype_size(v->dtype) ||
		    bytes > r->len - r->off) {
			r->why = bytes > r->len - r->off ? "truncated" :
				 "a constant's data does not match its shape";
		} else {
			v->data = malloc(bytes);
			if (!v->data)
				r->why = "out of memory";
			else
				r_bytes(r, v->data, bytes);
			v->bytes = bytes;
		}
	} else if (!r->why && (v->flags & IR_VAL_CONST) && numel) {
		r->why = "a constant has no data";
	}
	v->q.scale = r_f32(r);
	v->q.zero_point = r_i32(r);
	v->q.axis = r_i32(r);
	n = r_count(r, CACHE_MAX_COUNT, 4);
	if (n) {
		v->q.scales = malloc(n * sizeof(float));
		if (!v->q.scales)
			r->why = "out of memory";
		for (i = 0; !r->why && i < n; i++)
			v->q.scales[i] = r_f32(r);
		v->q.count = n;
	}
	(void)ok;
}

/* The static rule names the placement and the precision pass use. */
static const char *intern_rule(const char *s)
{
	static const char *const rules[] = { "conv2d", "gemm", "eltwise", "activation", "softmax",
					     "pool", "move", "view", "convert", "layout" };
	size_t i;

	for (i = 0; s && i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i], s))
			return rules[i];
	return NULL;
}

static void r_node(struct rbuf *r, struct ir_node *n)
{
	uint32_t i, j;
	char *rule, *detail;
	bool ok;

	n->name = r_str(r, false, &ok);
	n->op = r_str(r, false, &ok);
	n->domain = r_str(r, true, &ok);
	n->kind = r_i32(r);
	if (!r->why && (n->kind <= OP_UNKNOWN || n->kind >= OP_KIND_COUNT))
		r->why = "a node has an unknown operator kind";
	n->n_in = r_count(r, 256, 4);
	n->in = calloc(n->n_in + 1, sizeof(int));
	if (!n->in)
		r->why = "out of memory";
	for (i = 0; !r->why && i < n->n_in; i++)
		n->in[i] = r_i32(r);
	n->n_out = r_count(r, 16, 4);
	n->out = calloc(n->n_out + 1, sizeof(int));
	if (!n->out)
		r->why = "out of memory";
	for (i = 0; !r->why && i < n->n_out; i++)
		n->out[i] = r_i32(r);
	if (!r->why && !n->n_out)
		r->why = "a node has no output";
	n->n_attr = r_count(r, 256, 8);
	n->attr = calloc(n->n_attr + 1, sizeof(*n->attr));
	if (!n->attr) {
		r->why = "out of memory";
		n->n_attr = 0;
	}
	for (i = 0; !r->why && i < n->n_attr; i++) {
		struct ir_attr *a = &n->attr[i];
		uint32_t has;

		a->tensor = -1;
		a->name = r_str(r, false, &ok);
		a->type = (enum ir_attr_type)r_u32(r);
		if (!r->why && a->type > IR_ATTR_OTHER)
			r->why = "an attribute has an unknown type";
		a->i = (int64_t)r_u64(r);
		a->f = r_f32(r);
		a->s = r_str(r, true, &ok);
		a->n = r_count(r, CACHE_MAX_COUNT, 4);
		has = r_u32(r);
		if (!r->why && (has & ~3u))
			r->why = "an attribute has unknown arrays";
		if (!r->why && (has & 1)) {
			a->ints = malloc((a->n + 1) * sizeof(*a->ints));
			if (!a->ints)
				r->why = "out of memory";
			for (j = 0; !r->why && j < a->n; j++)
				a->ints[j] = (int64_t)r_u64(r);
		}
		if (!r->why && (has & 2)) {
			a->floats = malloc((a->n + 1) * sizeof(*a->floats));
			if (!a->floats)
				r->why = "out of memory";
			for (j = 0; !r->why && j < a->n; j++)
				a->floats[j] = r_f32(r);
		}
		a->tensor = r_i32(r);
	}
	n->precision = r_i32(r);
	n->target = r_i32(r);
	rule = r_str(r, true, &ok);
	n->rule = intern_rule(rule);
	if (!r->why && rule && !n->rule)
		r->why = "a node has an unknown placement rule";
	free(rule);
	detail = r_str(r, false, &ok);
	if (detail)
		snprintf(n->detail, sizeof(n->detail), "%s", detail);
	free(detail);
	n->epi.act = r_i32(r);
	n->epi.alpha = r_f32(r);
	n->epi.min = r_f32(r);
	n->epi.max = r_f32(r);
	n->epi.residual = r_i32(r);
	n->epi.pre = r_i32(r);
	if (!r->why && (n->precision < IR_PREC_FP32 || n->precision > IR_PREC_INT8 ||
			(n->target != IR_TARGET_DEVICE && n->target != IR_TARGET_CPU) ||
			n->epi.act < 0 || n->epi.act >= ACCEL_ACT_COUNT))
		r->why = "a node has an unknown precision, target or activation";
}

/* Every index refers to something that exists. */
static const char *check_indices(const struct ir_graph *g, const struct plan *p)
{
	uint32_t i, j;

	for (i = 0; i < g->n_val; i++) {
		const struct ir_value *v = &g->val[i];

		if (!idx_ok(v->producer, g->n_node, true) || !idx_ok(v->alias, g->n_val, true) ||
		    v->alias == (int)i)
			return "a value's producer or alias is out of range";
		if (v->q.count && (uint32_t)ir_numel(v) < v->q.count)
			return "a value has more scales than elements";
	}
	for (i = 0; i < g->n_node; i++) {
		const struct ir_node *n = &g->node[i];

		for (j = 0; j < n->n_in; j++)
			if (!idx_ok(n->in[j], g->n_val, true))
				return "a node input is out of range";
		for (j = 0; j < n->n_out; j++)
			if (!idx_ok(n->out[j], g->n_val, false))
				return "a node output is out of range";
		for (j = 0; j < n->n_attr; j++)
			if (!idx_ok(n->attr[j].tensor, g->n_val, true))
				return "an attribute tensor is out of range";
		if (!idx_ok(n->epi.residual, g->n_val, true) || !idx_ok(n->epi.pre, g->n_val, true))
			return "an epilogue value is out of range";
	}
	for (i = 0; i < g->n_inputs; i++)
		if (!idx_ok(g->inputs[i], g->n_val, false))
			return "a graph input is out of range";
	for (i = 0; i < g->n_outputs; i++)
		if (!idx_ok(g->outputs[i], g->n_val, false))
			return "a graph output is out of range";
	if (p->n_val != g->n_val)
		return "the plan does not cover the graph";
	for (i = 0; i < p->n_val; i++) {
		const struct plan_loc *l = &p->loc[i];
		uint64_t room = l->space == PLAN_WEIGHTS ? p->weights_bytes : p->arena_bytes;

		if (l->space > PLAN_ARENA)
			return "a value has an unknown memory space";
		if (l->space && (l->bytes > room || l->offset > room - l->bytes))
			return "a value lies outside its memory";
		if (l->space && l->bytes < (uint64_t)ir_numel(&g->val[i]) *
					   ir_dtype_size(g->val[i].dtype))
			return "a value's storage is smaller than the value";
		if (l->space == PLAN_WEIGHTS && plan_root(g, (int)i) == (int)i &&
		    g->val[i].bytes > l->bytes)
			return "a constant is larger than its storage";
	}
	if (p->weights_bytes > (1ull << 34) || p->arena_bytes > (1ull << 34))
		return "the plan's memory is absurd";
	for (i = 0, j = 0; i < p->n_steps; i++) {
		const struct plan_step *s = &p->steps[i];

		if (s->first != j || s->count > g->n_node - j ||
		    (s->target != IR_TARGET_DEVICE && s->target != IR_TARGET_CPU))
			return "the plan's steps do not cover the nodes in order";
		j += s->count;
	}
	if (j != g->n_node || !p->n_steps)
		return "the plan's steps do not cover the nodes";
	return NULL;
}

accel_status cache_decode(const void *data, size_t size, const struct cache_key *key,
			  struct ir_graph *g, struct plan *p)
{
	struct rbuf r = { data, size, 0, NULL };
	uint8_t magic[8], k[CACHE_KEY_BYTES];
	uint64_t psize, sum;
	uint32_t i, ver, hdr;
	accel_status st;

	memset(p, 0, sizeof(*p));
	if (size < CACHE_HDR)
		return accel__fail(ACCEL_ERR_MODEL, "truncated (%zu bytes, header is %u)", size,
				   CACHE_HDR);
	r_bytes(&r, magic, 8);
	ver = r_u32(&r);
	hdr = r_u32(&r);
	r_bytes(&r, k, CACHE_KEY_BYTES);
	psize = r_u64(&r);
	sum = r_u64(&r);
	if (memcmp(magic, CACHE_MAGIC, 8))
		return accel__fail(ACCEL_ERR_MODEL, "not an SNPU compiled-model cache file");
	if (ver != CACHE_VERSION || hdr != CACHE_HDR)
		return accel__fail(ACCEL_ERR_MODEL, "format version %u (this library reads %u)",
				   ver, CACHE_VERSION);
	if (key && memcmp(k, key->k, CACHE_KEY_BYTES))
		return accel__fail(ACCEL_ERR_MODEL, "compiled for another model, device or "
				   "options (key differs)");
	if (psize != size - CACHE_HDR)
		return accel__fail(ACCEL_ERR_MODEL, "%s: payload of %llu bytes, file holds %zu",
				   psize > size - CACHE_HDR ? "truncated" : "trailing bytes",
				   (unsigned long long)psize, size - CACHE_HDR);
	if (checksum(r.p + CACHE_HDR, size - CACHE_HDR) != sum)
		return accel__fail(ACCEL_ERR_MODEL, "checksum mismatch (corrupted)");
	g->opset = (int64_t)r_u64(&r);
	g->n_val = r_count(&r, CACHE_MAX_COUNT, 40);
	g->val = calloc(g->n_val + 1, sizeof(*g->val));
	g->cap_val = g->n_val + 1;
	if (!g->val)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; !r.why && i < g->n_val; i++)
		r_value(&r, &g->val[i]);
	if (r.why)
		g->n_val = i;	/* free only what was read */
	g->n_node = r_count(&r, CACHE_MAX_COUNT, 60);
	g->node = calloc(g->n_node + 1, sizeof(*g->node));
	g->cap_node = g->n_node + 1;
	if (!g->node)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; !r.why && i < g->n_node; i++)
		r_node(&r, &g->node[i]);
	if (r.why)
		g->n_node = i;
	g->n_inputs = r_count(&r, 4096, 4);
	g->inputs = calloc(g->n_inputs + 1, sizeof(int));
	for (i = 0; g->inputs && !r.why && i < g->n_inputs; i++)
		g->inputs[i] = r_i32(&r);
	g->n_outputs = r_count(&r, 4096, 4);
	g->outputs = calloc(g->n_outputs + 1, sizeof(int));
	for (i = 0; g->outputs && !r.why && i < g->n_outputs; i++)
		g->outputs[i] = r_i32(&r);
	if (!g->inputs || !g->outputs)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	p->n_val = r_count(&r, CACHE_MAX_COUNT, 28);
	p->loc = calloc(p->n_val + 1, sizeof(*p->loc));
	if (!p->loc)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; !r.why && i < p->n_val; i++) {
		p->loc[i].space = (uint8_t)r_u32(&r);
		p->loc[i].offset = r_u64(&r);
		p->loc[i].bytes = r_u64(&r);
		p->loc[i].first = r_i32(&r);
		p->loc[i].last = r_i32(&r);
	}
	p->weights_bytes = r_u64(&r);
	p->arena_bytes = r_u64(&r);
	p->arena_lower_bound = r_u64(&r);
	p->n_steps = r_count(&r, CACHE_MAX_COUNT, 12);
	p->steps = calloc(p->n_steps + 1, sizeof(*p->steps));
	if (!p->steps)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; !r.why && i < p->n_steps; i++) {
		p->steps[i].target = r_i32(&r);
		p->steps[i].first = r_u32(&r);
		p->steps[i].count = r_u32(&r);
	}
	p->device_nodes = r_u32(&r);
	p->cpu_nodes = r_u32(&r);
	p->view_nodes = r_u32(&r);
	if (!r.why && r.off != r.len)
		r.why = "trailing bytes in the payload";
	if (r.why)
		return accel__fail(ACCEL_ERR_MODEL, "%s", r.why);
	{
		const char *why = check_indices(g, p);

		if (why)
			return accel__fail(ACCEL_ERR_MODEL, "%s", why);
	}
	st = ir_verify(g);
	if (!st)
		st = plan_verify(g, p);
	return st;
}

accel_status cache_read_file(const char *path, void **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long len;

	*data = NULL;
	*size = 0;
	if (!f)
		return accel__fail(errno == ENOENT ? ACCEL_ERR_NOT_FOUND : ACCEL_ERR_IO, "%s: %s",
				   path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    len > (1l << 34)) {
		fclose(f);
		return accel__fail(ACCEL_ERR_IO, "%s: cannot size the file (a directory?)", path);
	}
	*data = malloc((size_t)len + 1);
	if (!*data || fread(*data, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(*data);
		*data = NULL;
		return accel__fail(ACCEL_ERR_IO, "%s: read failed", path);
	}
	fclose(f);
	*size = (size_t)len;
	return ACCEL_OK;
}

accel_status cache_write_file(const char *path, const void *data, size_t size)
{
	char *tmp = malloc(strlen(path) + 32);
	accel_status st = ACCEL_OK;
	FILE *f;

	if (!tmp)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	sprintf(tmp, "%s.%ld.tmp", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f) {
		st = accel__fail(ACCEL_ERR_IO, "%s: %s", tmp, strerror(errno));
	} else {
		bool ok = fwrite(data, 1, size, f) == size;

		if (fclose(f))
			ok = false;
		if (!ok || rename(tmp, path)) {
			st = accel__fail(ACCEL_ERR_IO, "%s: write failed: %s", path, strerror(errno));
			unlink(tmp);
		}
	}
	free(tmp);
	return st;
}
