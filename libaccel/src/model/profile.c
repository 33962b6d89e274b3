// SPDX-License-Identifier: MIT
/* Per-layer profiles: stamps, table and Chrome trace-event JSON (profile.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../internal.h"
#include "ops.h"
#include "profile.h"
#include "runtime.h"

struct stamp {
	uint64_t ns, pred;
};

uint64_t prof_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

accel_status prof_init(accel_model *m)
{
	struct mdl_prof *p;

	if (!(m->opts.flags & ACCEL_MODEL_PROFILE) || m->prof)
		return ACCEL_OK;
	p = calloc(1, sizeof(*p));
	if (!p)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	pthread_mutex_init(&p->lock, NULL);
	m->prof = p;
	return ACCEL_OK;
}

void prof_free(accel_model *m)
{
	struct mdl_prof *p = m->prof;

	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->stamps);
	free(p->submit_ns);
	free(p->have);
	free(p->table);
	free(p);
	m->prof = NULL;
}

void prof_stage(accel_model *m, const char *name, uint64_t start, uint64_t end, uint32_t dev)
{
	struct mdl_prof *p = m->prof;
	struct prof_stage *s;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->n_stage < PROF_MAX_STAGES) {
		s = &p->stage[p->n_stage++];
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->start_ns = start;
		s->end_ns = end;
		s->dev = dev;
	}
	pthread_mutex_unlock(&p->lock);
}

/* Compile stages are kept; a new run replaces the run stages. */
void prof_run_begin(accel_model *m)
{
	struct mdl_prof *p = m->prof;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->n_compile)
		p->n_compile = p->n_stage;
	p->n_stage = p->n_compile;
	pthread_mutex_unlock(&p->lock);
}

accel_status prof_slot_buffer(accel_model *m, accel_device *dev, accel_buffer **out)
{
	struct mdl_prof *p = m->prof;
	accel_status st;
	void *cpu;

	*out = NULL;
	if (!p)
		return ACCEL_OK;
	pthread_mutex_lock(&p->lock);
	if (!p->stamps) {
		p->n_ts = m->g.n_node + 3;
		p->n_devs = m->n_devs;
		p->stamps = calloc((size_t)p->n_ts * m->n_devs, sizeof(struct stamp));
		p->submit_ns = calloc(m->n_devs, sizeof(*p->submit_ns));
		p->have = calloc(m->n_devs, sizeof(*p->have));
	}
	pthread_mutex_unlock(&p->lock);
	if (!p->stamps || !p->submit_ns || !p->have)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	st = accel_buffer_create(dev, (uint64_t)p->n_ts * sizeof(struct stamp), ACCEL_MEM_HOST,
				 out);
	if (!st)
		st = accel_buffer_map(*out, &cpu);
	if (!st)
		memset(cpu, 0, (size_t)p->n_ts * sizeof(struct stamp));
	return st;
}

void prof_record(accel_model *m, struct mdl_slot *s, uint32_t d, uint64_t submit_ns)
{
	struct mdl_prof *p = m->prof;
	void *cpu;

	if (!p || !s->ts || d >= p->n_devs || accel_buffer_map(s->ts, &cpu))
		return;
	pthread_mutex_lock(&p->lock);
	memcpy(p->stamps + (size_t)d * p->n_ts * sizeof(struct stamp), cpu,
	       (size_t)p->n_ts * sizeof(struct stamp));
	p->submit_ns[d] = submit_ns;
	p->have[d] = true;
	free(p->table);
	p->table = NULL;
	pthread_mutex_unlock(&p->lock);
}

/* One device slice: a node (or a DMA) between two stamps. */
struct slice {
	const char *name, *what;
	int node;		/* -1 for a DMA */
	uint64_t start_ns, dur_ns, pred;
};

typedef void (*slice_fn)(void *ctx, uint32_t dev, const struct slice *s);

static bool computing(const struct ir_node *n)
{
	return op_get(n->kind)->cls != OPC_VIEW;
}

/* Walk device d's stamps: input DMA, every device node, output DMA. */
static void walk(const accel_model *m, uint32_t d, slice_fn fn, void *ctx)
{
	const struct mdl_prof *p = m->prof;
	const struct stamp *st = (const void *)(p->stamps + (size_t)d * p->n_ts * sizeof(*st));
	uint32_t n = m->g.n_node, i, prev = n + 1;
	struct slice s;

	memset(&s, 0, sizeof(s));
	s.node = -1;
	s.name = "input DMA";
	s.what = "dma";
	s.start_ns = st[n].ns;
	s.dur_ns = st[n + 1].ns - st[n].ns;
	s.pred = st[n + 1].pred - st[n].pred;
	fn(ctx, d, &s);
	for (i = 0; i < n; i++) {
		const struct ir_node *nd = &m->g.node[i];

		if (nd->target == IR_TARGET_CPU) {
			prev = i;	/* the next device step stamps its start here */
			continue;
		}
		if (!computing(nd))
			continue;
		s.node = (int)i;
		s.name = nd->name;
		s.what = nd->op;
		s.start_ns = st[prev].ns;
		s.dur_ns = st[i].ns >= st[prev].ns ? st[i].ns - st[prev].ns : 0;
		s.pred = st[i].pred >= st[prev].pred ? st[i].pred - st[prev].pred : st[i].pred;
		fn(ctx, d, &s);
		prev = i;
	}
	s.node = -1;
	s.name = "output DMA";
	s.what = "dma";
	s.start_ns = st[prev].ns;
	s.dur_ns = st[n + 2].ns >= st[prev].ns ? st[n + 2].ns - st[prev].ns : 0;
	s.pred = st[n + 2].pred >= st[prev].pred ? st[n + 2].pred - st[prev].pred : 0;
	fn(ctx, d, &s);
}

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *q = realloc(b->p, cap);

		if (!q) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char *prec_name(int p)
{
	return p == IR_PREC_INT8 ? "int8" : p == IR_PREC_FP16 ? "fp16" : "fp32";
}

struct tctx {
	const accel_model *m;
	struct buf *b;
	uint64_t total_ns, total_pred;
};

static void table_row(void *ctx, uint32_t dev, const struct slice *s)
{
	struct tctx *t = ctx;
	const struct ir_node *n = s->node >= 0 ? &t->m->g.node[s->node] : NULL;

	put(t->b, "  %3u %-28s %-18s %-5s %12.3f %12llu\n", dev, s->name, s->what,
	    n ? prec_name(n->precision) : "", (double)s->dur_ns / 1000.0,
	    (unsigned long long)s->pred);
	t->total_ns += s->dur_ns;
	t->total_pred += s->pred;
}

const char *accel_model_profile(const accel_model *m)
{
	struct mdl_prof *p = m ? m->prof : NULL;
	struct buf b = { 0 };
	struct tctx t = { m, &b, 0, 0 };
	uint32_t d, i;

	if (!p) {
		accel__fail(ACCEL_ERR_INVALID_ARG, "model loaded without ACCEL_MODEL_PROFILE");
		return NULL;
	}
	pthread_mutex_lock(&p->lock);
	if (p->table) {
		pthread_mutex_unlock(&p->lock);
		return p->table;
	}
	put(&b, "profile of %s (last run; device time from TIMESTAMP commands, predicted "
	    "cycles from the timing model):\n", m->source);
	put(&b, "  dev %-28s %-18s %-5s %12s %12s\n", "layer", "op", "prec", "device us",
	    "pred cycles");
	for (d = 0; d < p->n_devs; d++)
		if (p->have[d])
			walk(m, d, table_row, &t);
	put(&b, "  total: %.3f us on the device(s), %llu predicted cycles\n",
	    (double)t.total_ns / 1000.0, (unsigned long long)t.total_pred);
	put(&b, "host stages:\n");
	for (i = 0; i < p->n_stage; i++)
		put(&b, "  %-24s %12.3f us%s\n", p->stage[i].name,
		    (double)(p->stage[i].end_ns - p->stage[i].start_ns) / 1000.0,
		    i < p->n_compile || !p->n_compile ? " (compile)" : "");
	p->table = b.oom ? NULL : b.p;
	if (b.oom)
		free(b.p);
	pthread_mutex_unlock(&p->lock);
	if (b.oom)
		accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	return p->table;
}

/* JSON string body (names come from the model file). */
static void json_str(struct buf *b, const char *s)
{
	put(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(b, "\\%c", c);
		else if (c < 0x20)
			put(b, "\\u%04x", c);
		else
			put(b, "%c", c);
	}
	put(b, "\"");
}

struct jctx {
	const accel_model *m;
	struct buf *b;
	uint64_t t0;		/* host ns of trace time 0 */
	bool first;
};

static void event(struct jctx *j, const char *name, const char *cat, uint32_t pid, uint32_t tid,
		  uint64_t start_ns, uint64_t dur_ns)
{
	put(j->b, "%s\n{\"name\":", j->first ? "" : ",");
	j->first = false;
	json_str(j->b, name);
	put(j->b, ",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"dur\":%.3f",
	    cat, pid, tid, (double)(start_ns - j->t0) / 1000.0, (double)dur_ns / 1000.0);
}

static void dev_slice(void *ctx, uint32_t dev, const struct slice *s)
{
	struct jctx *j = ctx;
	const struct mdl_prof *p = j->m->prof;
	const struct stamp *st = (const void *)(p->stamps + (size_t)dev * p->n_ts * sizeof(*st));
	const struct ir_node *n = s->node >= 0 ? &j->m->g.node[s->node] : NULL;
	/* device clock -> host time: the run started on the device at submit */
	uint64_t host = p->submit_ns[dev] + (s->start_ns - st[j->m->g.n_node].ns);

	event(j, s->name, n ? "layer" : "dma", 1 + dev, 0, host, s->dur_ns);
	put(j->b, ",\"args\":{\"op\":");
	json_str(j->b, s->what);
	put(j->b, ",\"precision\":\"%s\",\"pred_cycles\":%llu}}", n ? prec_name(n->precision) :
	    "", (unsigned long long)s->pred);
}

static void meta(struct jctx *j, const char *what, uint32_t pid, uint32_t tid, const char *name)
{
	put(j->b, "%s\n{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":",
	    j->first ? "" : ",", what, pid, tid);
	j->first = false;
	json_str(j->b, name);
	put(j->b, "}}");
}

accel_status accel_model_write_trace(const accel_model *m, const char *path)
{
	struct mdl_prof *p = m ? m->prof : NULL;
	struct buf b = { 0 };
	struct jctx j = { m, &b, UINT64_MAX, true };
	char name[64];
	uint32_t d, i;
	accel_status st = ACCEL_OK;
	FILE *f;

	if (!p || !path)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s", !p ? "model loaded without "
				   "ACCEL_MODEL_PROFILE" : "path is NULL");
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n_stage; i++)
		j.t0 = p->stage[i].start_ns < j.t0 ? p->stage[i].start_ns : j.t0;
	for (d = 0; d < p->n_devs; d++)
		if (p->have[d] && p->submit_ns[d] < j.t0)
			j.t0 = p->submit_ns[d];
	if (j.t0 == UINT64_MAX)
		j.t0 = 0;
	put(&b, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
	meta(&j, "process_name", 0, 0, "host");
	meta(&j, "thread_name", 0, 0, "compile");
	meta(&j, "thread_name", 0, 1, "run");
	for (d = 0; d < p->n_devs; d++) {
		snprintf(name, sizeof(name), "device %u", d);
		meta(&j, "process_name", 1 + d, 0, name);
		meta(&j, "thread_name", 1 + d, 0, "queue 0");
	}
	for (i = 0; i < p->n_stage; i++) {
		event(&j, p->stage[i].name, "host", 0, i < p->n_compile || !p->n_compile ? 0 : 1,
		      p->stage[i].start_ns, p->stage[i].end_ns - p->stage[i].start_ns);
		put(&b, ",\"args\":{\"device\":%u}}", p->stage[i].dev);
	}
	for (d = 0; d < p->n_devs; d++)
		if (p->have[d])
			walk(m, d, dev_slice, &j);
	put(&b, "\n]}\n");
	pthread_mutex_unlock(&p->lock);
	if (b.oom) {
		free(b.p);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	f = fopen(path, "w");
	if (!f) {
		st = accel__fail(ACCEL_ERR_IO, "%s: %s", path, strerror(errno));
	} else {
		bool ok = fwrite(b.p, 1, b.len, f) == b.len;

		if (fclose(f))
			ok = false;
		if (!ok)
			st = accel__fail(ACCEL_ERR_IO, "%s: write failed", path);
	}
	free(b.p);
	return st;
}
