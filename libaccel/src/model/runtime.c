// SPDX-License-Identifier: MIT
/*
 * Runtime: weights uploaded once per device, slots with their arena and
 * pinned I/O buffers, command streams recorded once at load. One run
 * copies the caller's inputs into the pinned input buffers, submits one
 * job per device step (one submit when every node is on the device), runs
 * CPU steps with the CPU reference in place, and copies the outputs back.
 * A batch larger than one device's compiled batch is split across the
 * devices of a group (data parallel), the jobs in flight together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "interp.h"
#include "lower.h"
#include "profile.h"
#include "runtime.h"

static accel_status upload_weights(accel_model *m, struct mdl_dev *md, bool device_mem)
{
	const struct ir_graph *g = &m->g;
	uint64_t size = m->p.weights_bytes ? m->p.weights_bytes : PLAN_ALIGN;
	uint8_t *img = calloc(1, size);
	accel_status st;
	uint32_t i;

	if (!img)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "weights image of %llu bytes",
				   (unsigned long long)size);
	for (i = 0; i < g->n_val; i++) {
		const struct plan_loc *l = &m->p.loc[i];

		if (l->space == PLAN_WEIGHTS && plan_root(g, (int)i) == (int)i && g->val[i].data)
			memcpy(img + l->offset, g->val[i].data, g->val[i].bytes);
	}
	st = accel_buffer_create(md->dev, size, device_mem ? ACCEL_MEM_DEVICE : ACCEL_MEM_HOST,
				 &md->weights);
	if (!st)
		st = accel_buffer_write(md->weights, 0, img, size);
	free(img);
	return st;
}

static void slot_free(accel_model *m, struct mdl_slot *s)
{
	uint32_t i;

	if (s->job)
		accel_job_release(s->job);
	for (i = 0; s->cmds && i < m->p.n_steps; i++)
		accel_cmdbuf_free(s->cmds[i]);
	for (i = 0; s->in && i < m->g.n_inputs; i++)
		accel_buffer_free(s->in[i]);
	for (i = 0; s->out && i < m->g.n_outputs; i++)
		accel_buffer_free(s->out[i]);
	free(s->cmds);
	free(s->in);
	free(s->out);
	accel_buffer_free(s->arena);
	accel_buffer_free(s->ts);
	memset(s, 0, sizeof(*s));
}

static uint64_t value_bytes(const struct ir_graph *g, int v)
{
	uint64_t b = (uint64_t)ir_numel(&g->val[v]) * sizeof(float);

	return b ? b : sizeof(float);
}

static accel_status slot_init(accel_model *m, struct mdl_dev *md, struct mdl_slot *s,
			      bool arena_device)
{
	const struct ir_graph *g = &m->g;
	struct lower_env e;
	accel_status st;
	uint32_t i;

	s->md = md;
	s->in = calloc(g->n_inputs + 1, sizeof(*s->in));
	s->out = calloc(g->n_outputs + 1, sizeof(*s->out));
	s->cmds = calloc(m->p.n_steps + 1, sizeof(*s->cmds));
	if (!s->in || !s->out || !s->cmds)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	st = accel_buffer_create(md->dev, m->p.arena_bytes && !m->sram_arena ? m->p.arena_bytes :
				 PLAN_ALIGN, arena_device ? ACCEL_MEM_DEVICE : ACCEL_MEM_HOST,
				 &s->arena);
	for (i = 0; !st && i < g->n_inputs; i++)
		st = accel_buffer_create(md->dev, value_bytes(g, g->inputs[i]), ACCEL_MEM_HOST,
					 &s->in[i]);
	for (i = 0; !st && i < g->n_outputs; i++)
		st = accel_buffer_create(md->dev, value_bytes(g, g->outputs[i]), ACCEL_MEM_HOST,
					 &s->out[i]);
	if (st)
		return st;
	memset(&e, 0, sizeof(e));
	e.g = g;
	e.p = &m->p;
	e.weights = md->weights;
	e.arena = s->arena;
	e.in = s->in;
	e.out = s->out;
	e.arena_sram = m->sram_arena;
	e.sram_off = m->sram_off;
	e.tile_base = m->tile_base;
	e.tile_bytes = m->tile_bytes;
	st = prof_slot_buffer(m, md->dev, &s->ts);
	if (st)
		return st;
	e.timestamps = s->ts;
	e.io_stamps = s->ts != NULL;
	for (i = 0; i < m->p.n_steps; i++) {
		st = accel_cmdbuf_create(md->dev, &s->cmds[i]);
		if (!st)
			st = lower_step(&e, i, s->cmds[i]);
		if (st)
			return st;
	}
	return ACCEL_OK;
}

accel_status rt_bind(accel_model *m, accel_device *const *devs, uint32_t n)
{
	bool cpu_only = m->opts.flags & ACCEL_MODEL_CPU_ONLY;
	bool arena_device = !cpu_only && !m->p.cpu_nodes;
	uint32_t d, i, slots = m->opts.max_inflight ? m->opts.max_inflight : 2;
	accel_status st = ACCEL_OK;
	uint64_t sram = 0;

	m->devs = calloc(n, sizeof(*m->devs));
	if (!m->devs)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	m->n_devs = n;
	/* SRAM plan: a whole-device plan whose arena fits the scratchpad keeps
	 * every intermediate tensor on chip (jobs run one at a time on a
	 * device, and each starts by writing its inputs, so the scratchpad
	 * holds nothing between jobs that a run depends on) */
	m->sram_arena = arena_device && !(m->opts.flags & ACCEL_MODEL_NO_SRAM) &&
			m->p.arena_bytes;
	for (d = 0; m->sram_arena && d < n; d++) {
		accel_device_info info = ACCEL_DEVICE_INFO_INIT;

		st = accel_device_query(devs[d], &info);
		if (st)
			return st;
		if (!(info.caps & ACCEL_CAP_SRAM))
			m->sram_arena = false;
		else if (!d || info.sram_size < sram)
			sram = info.sram_size;
	}
	/* larger than the scratchpad: split SRAM plan (plan_sram.c), the
	 * values that fit on chip, the others in DRAM; with ACCEL_MODEL_TILE=1
	 * the values get half of it and conv/gemm touching the others are
	 * tiled through the other half with double-buffered DMA (lower_tile.c;
	 * the timing model predicts that slower than reading DRAM directly:
	 * docs/libaccel.md) */
	if (m->sram_arena && sram < m->p.arena_bytes) {
		const char *tile = getenv("ACCEL_MODEL_TILE");

		m->sram_arena = false;
		m->sram_split = true;
		if (tile && !strcmp(tile, "1")) {
			m->tile_bytes = (sram / 2) & ~(uint64_t)(PLAN_ALIGN - 1);
			m->tile_base = sram - m->tile_bytes;
		}
		m->sram_off = calloc(m->g.n_val + 1, sizeof(*m->sram_off));
		if (!m->sram_off)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		st = plan_sram_split(&m->g, &m->p, m->tile_bytes ? m->tile_base : sram,
				     m->sram_off, &m->sram_on_chip);
		if (st)
			return st;
	}
	for (d = 0; !st && d < n; d++) {
		struct mdl_dev *md = &m->devs[d];

		md->dev = devs[d];
		md->slots = calloc(slots, sizeof(*md->slots));
		if (!md->slots)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		md->n_slots = slots;
		st = upload_weights(m, md, !cpu_only);
		for (i = 0; !st && i < slots; i++)
			st = slot_init(m, md, &md->slots[i], arena_device);
	}
	if (!st) {
		m->commands_per_run = 0;
		for (i = 0; i < m->p.n_steps; i++)
			m->commands_per_run += accel_cmdbuf_count(m->devs[0].slots[0].cmds[i]);
	}
	return st;
}

void rt_unbind(accel_model *m)
{
	uint32_t d, i;

	for (d = 0; m->devs && d < m->n_devs; d++) {
		struct mdl_dev *md = &m->devs[d];

		for (i = 0; md->slots && i < md->n_slots; i++)
			slot_free(m, &md->slots[i]);
		free(md->slots);
		accel_buffer_free(md->weights);
	}
	free(m->devs);
	m->devs = NULL;
	m->n_devs = 0;
	free(m->sram_off);
	m->sram_off = NULL;
	m->sram_split = false;
	m->sram_on_chip = m->tile_base = m->tile_bytes = 0;
}

/* A free slot of device d (waits for one). */
struct mdl_slot *slot_get(accel_model *m, uint32_t d)
{
	struct mdl_dev *md = &m->devs[d];
	struct mdl_slot *s = NULL;
	uint32_t i;

	pthread_mutex_lock(&m->lock);
	while (!s) {
		for (i = 0; i < md->n_slots && !s; i++)
			if (!md->slots[i].busy)
				s = &md->slots[i];
		if (!s)
			pthread_cond_wait(&m->freed, &m->lock);
	}
	s->busy = true;
	pthread_mutex_unlock(&m->lock);
	return s;
}

void slot_put(accel_model *m, struct mdl_slot *s)
{
	pthread_mutex_lock(&m->lock);
	s->busy = false;
	pthread_cond_broadcast(&m->freed);
	pthread_mutex_unlock(&m->lock);
}

static accel_status cpu_step(accel_model *m, struct mdl_slot *s, uint32_t step)
{
	accel_buffer *bufs[64];
	uint32_t n = 0, i;

	if (2 + m->g.n_inputs + m->g.n_outputs > 64)
		return accel__fail(ACCEL_ERR_UNSUPPORTED, "%s: too many graph inputs/outputs for "
				   "the CPU reference", m->g.source);
	bufs[n++] = s->md->weights;
	bufs[n++] = s->arena;
	for (i = 0; i < m->g.n_inputs; i++)
		bufs[n++] = s->in[i];
	for (i = 0; i < m->g.n_outputs; i++)
		bufs[n++] = s->out[i];
	return interp_run(s->cmds[step], bufs, n);
}

static accel_status job_status(accel_model *m, accel_job *job, accel_status st)
{
	accel_job_result res = ACCEL_JOB_RESULT_INIT;

	if (!st) {
		if (!accel_job_result_get(job, &res))
			atomic_store(&m->pred_cycles, res.pred_cycles);
		return ACCEL_OK;
	}
	if (!accel_job_result_get(job, &res))
		return accel__fail(st, "%s: inference failed: %s", m->g.source, res.message);
	return st;
}

/* The device's priority of the model's jobs (accel_submit_opts.priority:
 * the driver's per-priority job streams, HIGH first): options.priority > 0
 * is HIGH (the driver needs CAP_SYS_NICE), < 0 LOW, 0 NORMAL. */
static accel_status submit(accel_model *m, struct mdl_slot *s, uint32_t step)
{
	accel_submit_opts o = ACCEL_SUBMIT_OPTS_INIT;
	accel_status st;

	o.priority = m->opts.priority > 0 ? ACCEL_PRIORITY_HIGH :
		     m->opts.priority < 0 ? ACCEL_PRIORITY_LOW : ACCEL_PRIORITY_NORMAL;
	st = accel_submit(s->md->dev, s->cmds[step], &o, &s->job);
	if (st == ACCEL_ERR_PERMISSION && o.priority == ACCEL_PRIORITY_HIGH) {
		char why[400];

		snprintf(why, sizeof(why), "%s", accel_last_error());
		return accel__fail(st, "%s: priority %d runs at the device's HIGH priority, which "
				   "needs CAP_SYS_NICE: %s", m->source, (int)m->opts.priority, why);
	}
	return st;
}

/* Fill the slot's inputs with items [off, off + count) and start it: the
 * last device step is left in flight (s->job) when it is the final step. */
static accel_status slot_start(accel_model *m, struct mdl_slot *s, uint32_t off, uint32_t count,
			       const float *const *inputs)
{
	accel_status st = ACCEL_OK;
	uint32_t i;

	s->count = count;
	s->submit_ns = prof_now();
	for (i = 0; inputs && i < m->g.n_inputs; i++) {
		void *p;

		st = accel_buffer_map(s->in[i], &p);
		if (st)
			return st;
		if (m->in_batched[i])
			memcpy(p, (const uint8_t *)inputs[i] + off * m->in_item[i],
			       count * m->in_item[i]);
		else
			memcpy(p, inputs[i], m->in_item[i]);	/* no batch dim: whole */
	}
	for (i = 0; !st && i < m->p.n_steps; i++) {
		if (m->p.steps[i].target == IR_TARGET_CPU) {
			st = cpu_step(m, s, i);
			continue;
		}
		st = submit(m, s, i);
		if (st)
			return st;
		if (i + 1 == m->p.n_steps)
			return ACCEL_OK;	/* in flight */
		st = job_status(m, s->job, accel_job_wait(s->job, -1));
		accel_job_release(s->job);
		s->job = NULL;
	}
	return st;
}

static accel_status slot_finish(accel_model *m, struct mdl_slot *s, uint32_t off,
				float *const *outputs)
{
	accel_status st = ACCEL_OK;
	uint32_t i;

	if (s->job) {
		st = job_status(m, s->job, accel_job_wait(s->job, -1));
		accel_job_release(s->job);
		s->job = NULL;
	}
	if (!st && m->prof) {
		uint32_t d = (uint32_t)(s->md - m->devs);

		prof_stage(m, "run (inputs, job, wait)", s->submit_ns, prof_now(), d);
		prof_record(m, s, d, s->submit_ns);
	}
	for (i = 0; outputs && !st && i < m->g.n_outputs; i++) {
		void *p;

		st = accel_buffer_map(s->out[i], &p);
		if (st)
			break;
		if (m->out_batched[i])
			memcpy((uint8_t *)outputs[i] + off * m->out_item[i], p,
			       s->count * m->out_item[i]);
		else
			memcpy(outputs[i], p, m->out_item[i]);
	}
	return st;
}

accel_status rt_run(accel_model *m, uint32_t batch, const float *const *inputs,
		    float *const *outputs)
{
	uint32_t per = m->batch_per_dev, d, used = 0, off = 0;
	struct mdl_slot *s[64];
	accel_status st = ACCEL_OK, st2;

	if (!batch || batch > per * m->n_devs)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: batch %u outside 1..%u", m->g.source,
				   batch, per * m->n_devs);
	prof_run_begin(m);
	for (d = 0; d < m->n_devs && off < batch && !st; d++) {
		uint32_t cnt = batch - off < per ? batch - off : per;

		s[used] = slot_get(m, d);
		st = slot_start(m, s[used], off, cnt, inputs);
		used++;
		off += cnt;
	}
	for (d = 0, off = 0; d < used; d++) {
		st2 = slot_finish(m, s[d], off, outputs);
		off += s[d]->count;
		st = st ? st : st2;
		slot_put(m, s[d]);
	}
	return st;
}

/* One run of zeroed inputs at load: the timing model's cycles of the plan
 * (shortest-predicted-first dispatch), and a check that it runs at all. */
accel_status rt_calibrate(accel_model *m)
{
	const float **in = calloc(m->g.n_inputs + 1, sizeof(*in));
	float **out = calloc(m->g.n_outputs + 1, sizeof(*out));
	uint32_t i, batch = m->batch_per_dev * m->n_devs;
	accel_status st = ACCEL_OK;

	if (!in || !out)
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; !st && i < m->g.n_inputs; i++)
		if (!(in[i] = calloc(1, batch * m->in_item[i] + 1)))
			st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	for (i = 0; !st && i < m->g.n_outputs; i++)
		if (!(out[i] = calloc(1, batch * m->out_item[i] + 1)))
			st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	if (!st)
		st = rt_run(m, batch, in, out);
	for (i = 0; in && i < m->g.n_inputs; i++)
		free((void *)in[i]);
	for (i = 0; out && i < m->g.n_outputs; i++)
		free(out[i]);
	free(in);
	free(out);
	return st;
}

/* ---- in place: the caller fills a slot's pinned buffers (no copy) ---- */
struct accel_model_io {
	accel_model *m;
	struct mdl_slot *s;
};

accel_status accel_model_io_acquire(accel_model *m, accel_model_io **out)
{
	accel_model_io *io;

	if (!m || !out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "NULL argument");
	*out = NULL;
	if (m->n_devs != 1)
		return accel__fail(ACCEL_ERR_UNSUPPORTED, "%s: in-place I/O is for a model on one "
				   "device (this one has %u)", m->source, m->n_devs);
	io = calloc(1, sizeof(*io));
	if (!io)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	io->m = m;
	io->s = slot_get(m, 0);
	*out = io;
	return ACCEL_OK;
}

static float *io_map(accel_buffer *b)
{
	void *p = NULL;

	return accel_buffer_map(b, &p) ? NULL : p;
}

float *accel_model_io_input(accel_model_io *io, size_t i)
{
	return io && i < io->m->g.n_inputs ? io_map(io->s->in[i]) : NULL;
}

float *accel_model_io_output(accel_model_io *io, size_t i)
{
	return io && i < io->m->g.n_outputs ? io_map(io->s->out[i]) : NULL;
}

accel_status accel_model_io_run(accel_model_io *io, uint32_t batch)
{
	accel_status st;

	if (!io)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "io is NULL");
	if (!batch || batch > io->m->batch_per_dev ||
	    (!io->m->batch_major && batch != io->m->batch_per_dev))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: batch %u (compiled %u)",
				   io->m->source, batch, io->m->batch_per_dev);
	st = slot_start(io->m, io->s, 0, batch, NULL);
	{
		accel_status st2 = slot_finish(io->m, io->s, 0, NULL);

		return st ? st : st2;
	}
}

void accel_model_io_release(accel_model_io *io)
{
	if (!io)
		return;
	slot_put(io->m, io->s);
	free(io);
}
