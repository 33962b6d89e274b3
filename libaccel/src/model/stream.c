// SPDX-License-Identifier: MIT
/*
 * Streaming a large input set (accel_model_stream): batches of the
 * compiled batch through libaccel's double-buffered pipeline
 * (accel_pipeline_run, src/pipeline.c). Every graph input of a batch goes
 * into one pinned input buffer of the pipeline (at in_off[i]), every output
 * comes back in one pinned output buffer (at out_off[i]); the plan is
 * lowered for that pair of buffers and one of the model's slots (its arena,
 * held for the whole stream; the pipeline's jobs run one after another on
 * the device's queue 0), so the host fills batch b+1 and reads batch b-1
 * while the device runs batch b, and the outputs are consumed in order.
 *
 * A plan that is not one device job (CPU steps), a model on a group, or one
 * loaded with ACCEL_MODEL_PROFILE (per-layer timestamps of the last batch)
 * runs its batches one after another with rt_run (a group's batch split
 * across its devices): same results, no overlap of the host copies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../abi.h"
#include "../internal.h"
#include "lower.h"
#include "runtime.h"

struct stream {
	accel_model *m;
	struct mdl_slot *s;
	uint64_t items;
	uint32_t batch;
	const float *const *inputs;
	float *const *outputs;
	uint64_t *in_off, *out_off;	/* per graph I/O, bytes into the pipeline buffers */
	accel_buffer **in_bufs, **out_bufs;
};

static uint32_t batch_items(const struct stream *x, uint64_t b)
{
	uint64_t off = b * x->batch;

	return (uint32_t)(x->items - off < x->batch ? x->items - off : x->batch);
}

static accel_status prepare(void *user, uint64_t b, void *in)
{
	struct stream *x = user;
	const accel_model *m = x->m;
	uint64_t off = b * x->batch;
	uint32_t cnt = batch_items(x, b), i;

	for (i = 0; i < m->g.n_inputs; i++) {
		uint8_t *dst = (uint8_t *)in + x->in_off[i];

		if (!m->in_batched[i]) {
			memcpy(dst, x->inputs[i], m->in_item[i]);
			continue;
		}
		memcpy(dst, (const uint8_t *)x->inputs[i] + off * m->in_item[i],
		       cnt * m->in_item[i]);
		/* a partial last batch: the rest is computed but never read */
		memset(dst + cnt * m->in_item[i], 0, (x->batch - cnt) * m->in_item[i]);
	}
	return ACCEL_OK;
}

static accel_status record(void *user, uint64_t b, accel_cmdbuf *cb, accel_buffer *in,
			   accel_buffer *out)
{
	struct stream *x = user;
	const accel_model *m = x->m;
	struct lower_env e;
	uint32_t i;

	(void)b;
	for (i = 0; i < m->g.n_inputs; i++)
		x->in_bufs[i] = in;
	for (i = 0; i < m->g.n_outputs; i++)
		x->out_bufs[i] = out;
	memset(&e, 0, sizeof(e));
	e.g = &m->g;
	e.p = &m->p;
	e.weights = x->s->md->weights;
	e.arena = x->s->arena;
	e.arena_sram = m->sram_arena;
	e.in = x->in_bufs;
	e.out = x->out_bufs;
	e.in_off = x->in_off;
	e.out_off = x->out_off;
	return lower_step(&e, 0, cb);
}

static accel_status consume(void *user, uint64_t b, const void *out)
{
	struct stream *x = user;
	const accel_model *m = x->m;
	uint64_t off = b * x->batch;
	uint32_t cnt = batch_items(x, b), i;

	for (i = 0; i < m->g.n_outputs; i++) {
		const uint8_t *src = (const uint8_t *)out + x->out_off[i];

		if (m->out_batched[i])
			memcpy((uint8_t *)x->outputs[i] + off * m->out_item[i], src,
			       cnt * m->out_item[i]);
		else
			memcpy(x->outputs[i], src, m->out_item[i]);
	}
	return ACCEL_OK;
}

/* Byte offsets of n tensors of the given item sizes, 64-byte aligned. */
static uint64_t layout_io(uint32_t n, const uint64_t *item, const bool *batched, uint32_t batch,
			  uint64_t *off)
{
	uint64_t at = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		off[i] = at;
		at += (batched[i] ? batch : 1) * item[i];
		at = (at + 63) & ~(uint64_t)63;
	}
	return at ? at : 64;
}

static accel_status via_pipeline(struct stream *x, unsigned int depth, accel_pipeline_stats *ps)
{
	accel_model *m = x->m;
	accel_pipeline_ops ops = ACCEL_PIPELINE_OPS_INIT;
	uint64_t in_bytes, out_bytes, batches = (x->items + x->batch - 1) / x->batch;
	accel_status st;

	x->in_off = calloc(m->g.n_inputs + 1, sizeof(uint64_t));
	x->out_off = calloc(m->g.n_outputs + 1, sizeof(uint64_t));
	x->in_bufs = calloc(m->g.n_inputs + 1, sizeof(accel_buffer *));
	x->out_bufs = calloc(m->g.n_outputs + 1, sizeof(accel_buffer *));
	if (!x->in_off || !x->out_off || !x->in_bufs || !x->out_bufs)
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	else
		st = ACCEL_OK;
	if (!st) {
		in_bytes = layout_io(m->g.n_inputs, m->in_item, m->in_batched, x->batch, x->in_off);
		out_bytes = layout_io(m->g.n_outputs, m->out_item, m->out_batched, x->batch,
				      x->out_off);
		ops.prepare = prepare;
		ops.record = record;
		ops.consume = consume;
		x->s = slot_get(m, 0);
		st = accel_pipeline_run(m->devs[0].dev, &ops, x, in_bytes, out_bytes, batches,
					depth, ps);
		slot_put(m, x->s);
	}
	free(x->in_off);
	free(x->out_off);
	free(x->in_bufs);
	free(x->out_bufs);
	return st;
}

/* Batch after batch through rt_run (CPU steps, or a group). */
static accel_status one_by_one(struct stream *x, accel_pipeline_stats *ps)
{
	accel_model *m = x->m;
	const float **in = calloc(m->g.n_inputs + 1, sizeof(*in));
	float **out = calloc(m->g.n_outputs + 1, sizeof(*out));
	uint64_t t0 = accel__now_ns(), b, off;
	accel_status st = ACCEL_OK;
	uint32_t i;

	if (!in || !out)
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (b = 0, off = 0; !st && off < x->items; b++, off += x->batch) {
		uint32_t cnt = batch_items(x, b);

		for (i = 0; i < m->g.n_inputs; i++)
			in[i] = (const float *)((const uint8_t *)x->inputs[i] +
						(m->in_batched[i] ? off * m->in_item[i] : 0));
		for (i = 0; i < m->g.n_outputs; i++)
			out[i] = (float *)((uint8_t *)x->outputs[i] +
					   (m->out_batched[i] ? off * m->out_item[i] : 0));
		st = rt_run(m, cnt, in, out);
		if (!st)
			ps->batches++;
	}
	ps->wall_ns = accel__now_ns() - t0;
	free(in);
	free(out);
	return st;
}

accel_status accel_model_stream(accel_model *m, uint64_t items, const float *const *inputs,
				float *const *outputs, unsigned int depth,
				accel_pipeline_stats *stats)
{
	accel_pipeline_stats ps = ACCEL_PIPELINE_STATS_INIT;
	struct stream x;
	uint32_t whole;
	accel_status st;
	bool pipelined;

	st = model_check_run(m, 1, inputs, outputs);
	if (st)
		return st;
	if (stats && (st = accel__struct_out_check("accel_model_stream",
						   &accel__abi_pipeline_stats, stats)))
		return st;
	whole = m->batch_per_dev * m->n_devs;
	if (!items)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: stream of 0 items", m->source);
	if (!m->batch_major && items != whole)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: a graph input or output has no batch "
				   "dim; stream exactly the compiled batch (%u), not %llu items",
				   m->source, whole, (unsigned long long)items);
	pipelined = m->n_devs == 1 && m->p.n_steps == 1 &&
		    m->p.steps[0].target == IR_TARGET_DEVICE &&
		    !(m->opts.flags & (ACCEL_MODEL_CPU_ONLY | ACCEL_MODEL_PROFILE));
	memset(&x, 0, sizeof(x));
	x.m = m;
	x.items = items;
	x.batch = pipelined ? m->batch_per_dev : whole;
	x.inputs = inputs;
	x.outputs = outputs;
	st = pipelined ? via_pipeline(&x, depth, &ps) : one_by_one(&x, &ps);
	if (st && pipelined) {
		char why[400];

		snprintf(why, sizeof(why), "%s", accel_last_error());
		return accel__fail(st, "%s: stream: %s", m->source, why);
	}
	if (st)
		return st;
	if (stats)
		accel__struct_out("accel_model_stream", &accel__abi_pipeline_stats, stats, &ps);
	return ACCEL_OK;
}
