// SPDX-License-Identifier: MIT
/*
 * Calibration (prec.h): the fp32 model, unfused so that every
 * intermediate value exists, compiled for the CPU reference with every
 * value kept in its own arena slot, runs one calibration item at a time;
 * after each run every value is read from the arena. min/max keeps the
 * running extremes; percentile makes a second pass that histograms each
 * value over its min/max range (streamed: nothing but the histograms is
 * kept) and clips the range at the given percentile.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../internal.h"
#include "model_build.h"
#include "npy.h"
#include "prec.h"
#include "runtime.h"

#define CALIB_BINS 2048
#define CALIB_MAX_FILES 4096

struct cfiles {
	char **path;
	uint32_t n;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files_free(struct cfiles *f)
{
	uint32_t i;

	for (i = 0; i < f->n; i++)
		free(f->path[i]);
	free(f->path);
}

/* The .npy files of path (itself, or a directory's, sorted by name). */
static accel_status list_files(const char *path, struct cfiles *f)
{
	struct stat sb;
	struct dirent *de;
	DIR *d;

	memset(f, 0, sizeof(*f));
	if (stat(path, &sb))
		return accel__fail(errno == ENOENT ? ACCEL_ERR_NOT_FOUND : ACCEL_ERR_IO,
				   "calibration data %s: %s", path, strerror(errno));
	f->path = calloc(CALIB_MAX_FILES, sizeof(*f->path));
	if (!f->path)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	if (!S_ISDIR(sb.st_mode)) {
		f->path[0] = strdup(path);
		f->n = f->path[0] ? 1 : 0;
		return f->n ? ACCEL_OK : accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	d = opendir(path);
	if (!d)
		return accel__fail(ACCEL_ERR_IO, "calibration data %s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char *p;

		if (l < 5 || strcmp(de->d_name + l - 4, ".npy"))
			continue;
		if (f->n == CALIB_MAX_FILES) {
			closedir(d);
			return accel__fail(ACCEL_ERR_INVALID_ARG, "calibration data %s: more than %u "
					   ".npy files", path, CALIB_MAX_FILES);
		}
		p = malloc(strlen(path) + l + 2);
		if (!p) {
			closedir(d);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		}
		sprintf(p, "%s/%s", path, de->d_name);
		f->path[f->n++] = p;
	}
	closedir(d);
	if (!f->n)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "calibration data %s: no .npy file in the "
				   "directory", path);
	qsort(f->path, f->n, sizeof(*f->path), by_name);
	return ACCEL_OK;
}

/* The calibration data of every graph input: in[j] feeds graph input j;
 * the files of one index are read together (the same items). */
struct cinputs {
	uint32_t n;
	struct cfiles *in;
	uint64_t *item;			/* floats per item, per input */
	const struct ir_value **v;	/* the graph input (at batch 1) */
};

static void inputs_free(struct cinputs *ci)
{
	uint32_t j;

	for (j = 0; ci->in && j < ci->n; j++)
		files_free(&ci->in[j]);
	free(ci->in);
	free(ci->item);
	free(ci->v);
	memset(ci, 0, sizeof(*ci));
}

/* One file per index of in[j]: path itself. */
static accel_status one_file(const char *path, struct cfiles *f)
{
	memset(f, 0, sizeof(*f));
	f->path = calloc(1, sizeof(*f->path));
	if (f->path)
		f->path[0] = strdup(path);
	if (!f->path || !f->path[0])
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	f->n = 1;
	return ACCEL_OK;
}

/* Where each graph input's data is: opts->calibration_inputs (one entry
 * per input, by name), or opts->calibration (a one-input model: the file,
 * or every .npy of the directory; several inputs: the directory's
 * <input name>.npy). */
static accel_status find_inputs(const struct ir_graph *g, const char *name,
				const accel_model_options *o, struct cinputs *ci)
{
	uint32_t j, e, n = g->n_inputs;
	accel_status st = ACCEL_OK;
	struct stat sb;

	memset(ci, 0, sizeof(*ci));
	if (!n)
		return accel__fail(ACCEL_ERR_UNSUPPORTED, "%s: calibration of a model without "
				   "graph inputs", name);
	ci->in = calloc(n, sizeof(*ci->in));
	ci->item = calloc(n, sizeof(*ci->item));
	ci->v = calloc(n, sizeof(*ci->v));
	if (!ci->in || !ci->item || !ci->v) {
		free(ci->in);
		free(ci->item);
		free(ci->v);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	ci->n = n;
	for (j = 0; j < n; j++) {
		ci->v[j] = &g->val[g->inputs[j]];
		ci->item[j] = (uint64_t)ir_numel(ci->v[j]);
	}
	if (o->n_calibration_inputs) {
		/* every entry names a graph input, once */
		for (e = 0; e < o->n_calibration_inputs; e++) {
			const accel_calibration_input *c = &o->calibration_inputs[e];

			for (j = 0; j < n && strcmp(ci->v[j]->name, c->name); j++)
				;
			if (j == n)
				return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: calibration data %s "
						   "for '%s': the model has no graph input of "
						   "that name", name, c->path, c->name);
			if (ci->in[j].n)
				return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: calibration data "
						   "for graph input '%s' given twice", name,
						   c->name);
			st = list_files(c->path, &ci->in[j]);
			if (st)
				return st;
		}
		for (j = 0; j < n; j++)
			if (!ci->in[j].n)
				return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: no calibration data "
						   "for graph input '%s' (one .npy per input: "
						   "NAME=DATA.npy)", name, ci->v[j]->name);
		for (j = 1; j < n; j++)
			if (ci->in[j].n != ci->in[0].n)
				return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: calibration data of "
						   "graph input '%s' is %u file(s), of '%s' %u",
						   name, ci->v[0]->name, ci->in[0].n,
						   ci->v[j]->name, ci->in[j].n);
		return ACCEL_OK;
	}
	if (n == 1)
		return list_files(o->calibration, &ci->in[0]);
	if (stat(o->calibration, &sb))
		return accel__fail(errno == ENOENT ? ACCEL_ERR_NOT_FOUND : ACCEL_ERR_IO,
				   "calibration data %s: %s", o->calibration, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: the model has %u graph inputs: "
				   "calibration data %s is one file; give one .npy per input "
				   "(NAME=DATA.npy, or a directory of <input name>.npy)", name, n,
				   o->calibration);
	for (j = 0; !st && j < n; j++) {
		const char *in = ci->v[j]->name;
		char *p;

		if (strchr(in, '/') || !strcmp(in, ".") || !strcmp(in, ".."))
			return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: graph input '%s' cannot "
					   "name a file in calibration directory %s; give "
					   "NAME=DATA.npy", name, in, o->calibration);
		p = malloc(strlen(o->calibration) + strlen(in) + 6);
		if (!p)
			return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		sprintf(p, "%s/%s.npy", o->calibration, in);
		if (stat(p, &sb) || !S_ISREG(sb.st_mode))
			st = accel__fail(ACCEL_ERR_INVALID_ARG, "%s: no calibration data for graph "
					 "input '%s': %s is not a file (a model with several "
					 "inputs wants <input name>.npy for each)", name, in, p);
		else
			st = one_file(p, &ci->in[j]);
		free(p);
	}
	return st;
}

/* Check one input's .npy against its graph input: whole items, and with
 * the input's rank, [N, the input's dims after the first]. Its item count. */
static accel_status check_npy(const struct cinputs *ci, uint32_t j, const char *path,
			      const accel_npy *npy, uint64_t *cnt)
{
	const struct ir_value *v = ci->v[j];
	uint64_t item = ci->item[j];
	uint32_t d;

	if (!item || npy->count % item)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "calibration data %s: %llu elements "
				   "are not a whole number of model inputs of %llu", path,
				   (unsigned long long)npy->count, (unsigned long long)item);
	for (d = 1; npy->rank == v->rank && d < v->rank; d++)
		if (npy->dim[d] != (uint64_t)v->dim[d]) {
			char want[160], got[160];
			size_t a = 0, b = 0;
			uint32_t k;

			for (k = 0; k < v->rank; k++) {
				if (k)
					a += (size_t)snprintf(want + a, sizeof(want) - a, ", %lld",
							      (long long)v->dim[k]);
				else
					a += (size_t)snprintf(want, sizeof(want), "[N");
				b += (size_t)snprintf(got + b, sizeof(got) - b, "%s%llu", k ? ", " : "[",
						      (unsigned long long)npy->dim[k]);
				if (a >= sizeof(want) - 24 || b >= sizeof(got) - 24)
					break;
			}
			return accel__fail(ACCEL_ERR_INVALID_ARG, "calibration data %s for graph "
					   "input '%s': shape %s] does not match the input's %s]",
					   path, v->name, got, want);
		}
	*cnt = npy->count / item;
	return ACCEL_OK;
}

struct cstate {
	accel_model *m;
	struct calib *c;
	int *vals;		/* value index per range */
	uint32_t *hist;		/* CALIB_BINS per range (percentile pass) */
	float *out;
	void (*progress)(void *user, const char *step, uint64_t done, uint64_t total);
	void *user;
	uint64_t total;		/* items, once the first pass counted them */
};

/* Read every value of one run from the arena into the ranges/histograms. */
static accel_status observe(struct cstate *s, bool hist)
{
	accel_model *m = s->m;
	const uint8_t *arena;
	void *p;
	uint32_t r;
	accel_status st = accel_buffer_map(m->devs[0].slots[0].arena, &p);

	if (st)
		return st;
	arena = p;
	for (r = 0; r < s->c->n; r++) {
		const struct plan_loc *l = &m->p.loc[s->vals[r]];
		const float *x = (const float *)(arena + l->offset);
		struct calib_range *cr = &s->c->r[r];
		int64_t k, n = ir_numel(&m->g.val[s->vals[r]]);

		for (k = 0; k < n; k++) {
			float v = x[k];

			if (v != v)
				continue;
			if (!hist) {
				if (!s->c->samples && !k) {
					cr->min = cr->max = v;
				}
				cr->min = v < cr->min ? v : cr->min;
				cr->max = v > cr->max ? v : cr->max;
			} else if (cr->max > cr->min) {
				double b = (double)(v - cr->min) / (double)(cr->max - cr->min) * CALIB_BINS;
				uint32_t bi = b >= CALIB_BINS ? CALIB_BINS - 1 : b < 0 ? 0 : (uint32_t)b;

				s->hist[(size_t)r * CALIB_BINS + bi]++;
			}
		}
	}
	return ACCEL_OK;
}

/* One pass over every calibration item. */
static accel_status pass(struct cstate *s, const struct cinputs *ci, bool hist, uint64_t *items)
{
	accel_npy *npy = calloc(ci->n, sizeof(*npy));
	const float **in = calloc(ci->n, sizeof(*in));
	accel_status st = npy && in ? ACCEL_OK : accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	uint32_t i, j, got;

	*items = 0;
	for (i = 0; !st && i < ci->in[0].n; i++) {
		uint64_t k, cnt = 0, c = 0;

		for (got = 0, j = 0; !st && j < ci->n; j++) {
			st = accel__npy_read_file(ci->in[j].path[i], ACCEL_NPY_FP32, &npy[j]);
			got += !st;
			if (!st)
				st = check_npy(ci, j, ci->in[j].path[i], &npy[j], &c);
			if (!st && j && c != cnt)
				st = accel__fail(ACCEL_ERR_INVALID_ARG, "calibration data: %s holds "
						 "%llu item(s) of graph input '%s', %s %llu of "
						 "'%s': every input needs the same count",
						 ci->in[0].path[i], (unsigned long long)cnt,
						 ci->v[0]->name, ci->in[j].path[i],
						 (unsigned long long)c, ci->v[j]->name);
			cnt = j ? cnt : c;
		}
		for (k = 0; !st && k < cnt; k++) {
			float *out[64];
			uint32_t o;

			for (j = 0; j < ci->n; j++)
				in[j] = (const float *)npy[j].data + k * ci->item[j];
			for (o = 0; o < s->m->g.n_outputs && o < 64; o++)
				out[o] = s->out;
			st = rt_run(s->m, 1, in, out);
			if (!st)
				st = observe(s, hist);
			if (!hist && !st)
				s->c->samples++;
			if (!st && s->progress)
				s->progress(s->user, hist ? "calibration (percentile pass)" :
					    "calibration", *items + k + 1, s->total);
		}
		if (!st)
			*items += cnt;
		for (j = 0; j < got; j++)
			accel__npy_free(&npy[j]);
	}
	free(npy);
	free(in);
	return st;
}

/* Clip each range at the percentile of its histogram (keeping 0 inside). */
static void percentile(struct cstate *s, double pct, uint64_t items)
{
	uint32_t r, b;

	for (r = 0; r < s->c->n; r++) {
		struct calib_range *cr = &s->c->r[r];
		const uint32_t *h = &s->hist[(size_t)r * CALIB_BINS];
		uint64_t total = 0, cut, acc = 0;
		float w = (cr->max - cr->min) / CALIB_BINS, lo = cr->min, hi = cr->max;

		(void)items;
		for (b = 0; b < CALIB_BINS; b++)
			total += h[b];
		if (!total || !(w > 0))
			continue;
		cut = (uint64_t)((double)total * (1.0 - pct / 100.0) / 2.0);
		for (b = 0; b < CALIB_BINS; b++) {
			acc += h[b];
			if (acc > cut) {
				lo = cr->min + w * b;
				break;
			}
		}
		acc = 0;
		for (b = CALIB_BINS; b-- > 0;) {
			acc += h[b];
			if (acc > cut) {
				hi = cr->min + w * (b + 1);
				break;
			}
		}
		cr->min = lo < cr->min ? cr->min : lo;
		cr->max = hi > cr->max ? cr->max : hi;
	}
}

accel_status calib_run(accel_device *dev, const void *model, size_t size, const char *name,
		       const char *base_dir, const accel_model_options *opts, struct calib *out)
{
	accel_model_options o = *opts;
	struct model_build b = { .keep_all = true };
	struct cstate s;
	struct cinputs ci;
	accel_status st;
	uint64_t items = 0;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	memset(&ci, 0, sizeof(ci));
	if (!opts->calibration && !opts->n_calibration_inputs)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: int8 and mixed precision need "
				   "calibration data (accel_model_options.calibration or "
				   "calibration_inputs)", name);
	if (opts->calibration && opts->n_calibration_inputs)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: calibration data given twice "
				   "(accel_model_options.calibration and calibration_inputs)",
				   name);
	o.precision = ACCEL_PRECISION_FP32;
	o.flags = ACCEL_MODEL_CPU_ONLY | ACCEL_MODEL_NO_FUSION;
	o.batch = 1;
	o.max_inflight = 1;
	o.cache_dir = NULL;
	o.scheduler = NULL;
	o.progress = NULL;
	st = model_load_internal(dev, model, size, name, base_dir, &o, &b, &s.m);
	if (!st)
		st = find_inputs(&s.m->g, name, opts, &ci);
	if (st) {
		inputs_free(&ci);
		accel_model_free(s.m);
		return st;
	}
	/* every arena value that is not a view: its range */
	out->r = calloc(s.m->g.n_val + 1, sizeof(*out->r));
	s.vals = calloc(s.m->g.n_val + 1, sizeof(*s.vals));
	{	/* every output into one scratch of the largest size */
		uint64_t big = 1;

		for (i = 0; i < s.m->g.n_outputs; i++) {
			uint64_t n = (uint64_t)ir_numel(&s.m->g.val[s.m->g.outputs[i]]);

			big = n > big ? n : big;
		}
		s.out = calloc(big, sizeof(float));
	}
	if (!out->r || !s.vals || !s.out) {
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		goto done;
	}
	s.c = out;
	for (i = 0; i < s.m->g.n_val; i++) {
		const struct ir_value *v = &s.m->g.val[i];

		if (s.m->p.loc[i].space != PLAN_ARENA || v->dtype != IR_DT_FLOAT)
			continue;
		out->r[out->n].name = strdup(v->name);
		if (!out->r[out->n].name) {
			st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
			goto done;
		}
		s.vals[out->n++] = (int)i;
	}
	s.progress = opts->progress;
	s.user = opts->progress_user;
	st = pass(&s, &ci, false, &items);
	s.total = items;
	if (!st && !items)
		st = accel__fail(ACCEL_ERR_INVALID_ARG, "calibration data %s: no items",
				 ci.in[0].path[0]);
	if (!st && opts->calibration_method == CALIB_PERCENTILE) {
		double pct = opts->percentile > 0 ? opts->percentile : 99.99;

		s.hist = calloc((size_t)out->n * CALIB_BINS + 1, sizeof(*s.hist));
		if (!s.hist)
			st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		if (!st)
			st = pass(&s, &ci, true, &items);
		if (!st)
			percentile(&s, pct, items);
	}
done:
	free(s.hist);
	free(s.vals);
	free(s.out);
	inputs_free(&ci);
	accel_model_free(s.m);
	if (st)
		calib_free(out);
	return st;
}

const struct calib_range *calib_find(const struct calib *c, const char *name)
{
	uint32_t i;

	for (i = 0; c && i < c->n; i++)
		if (!strcmp(c->r[i].name, name))
			return &c->r[i];
	return NULL;
}

void calib_free(struct calib *c)
{
	uint32_t i;

	for (i = 0; c->r && i < c->n; i++)
		free(c->r[i].name);
	free(c->r);
	memset(c, 0, sizeof(*c));
}

/* Every arena value in a slot of its own: nothing is overwritten before
 * the run ends, so the calibration reads all of them afterwards. */
accel_status calib_plan_all(const struct ir_graph *g, struct plan *p)
{
	uint64_t off = 0;
	uint32_t i;

	for (i = 0; i < g->n_val; i++) {
		struct plan_loc *l = &p->loc[i];

		if (l->space != PLAN_ARENA || plan_root(g, (int)i) != (int)i)
			continue;
		l->offset = off;
		off += (l->bytes + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN;
	}
	for (i = 0; i < g->n_val; i++) {
		int r = plan_root(g, (int)i);

		if (p->loc[i].space == PLAN_ARENA && r != (int)i)
			p->loc[i].offset = p->loc[r].offset;
	}
	p->arena_bytes = off;
	return ACCEL_OK;
}

accel_status calib_items(const char *path, uint64_t item, uint32_t max, float **data,
			 uint32_t *count)
{
	struct cfiles f;
	accel_status st;
	uint32_t i;

	*data = NULL;
	*count = 0;
	if (!item || !max)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "calibration: no items wanted");
	st = list_files(path, &f);
	if (!st) {
		*data = malloc((size_t)(item * max) * sizeof(float));
		if (!*data)
			st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	for (i = 0; !st && i < f.n && *count < max; i++) {
		accel_npy npy;
		uint64_t k;

		st = accel__npy_read_file(f.path[i], ACCEL_NPY_FP32, &npy);
		if (st)
			break;
		if (npy.count % item)
			st = accel__fail(ACCEL_ERR_INVALID_ARG, "calibration data %s: %llu elements "
					 "are not a whole number of model inputs of %llu", f.path[i],
					 (unsigned long long)npy.count, (unsigned long long)item);
		for (k = 0; !st && k < npy.count / item && *count < max; k++, (*count)++)
			memcpy(*data + (size_t)*count * item, (const float *)npy.data + k * item,
			       item * sizeof(float));
		accel__npy_free(&npy);
	}
	files_free(&f);
	if (st) {
		free(*data);
		*data = NULL;
		*count = 0;
	}
	return st;
}

accel_status calib_hash_dir(const char *path, void (*fn)(void *ctx, const void *data, size_t n),
			    void *ctx)
{
	struct cfiles f;
	accel_status st = list_files(path, &f);
	uint32_t i;

	for (i = 0; !st && i < f.n; i++) {
		FILE *fp = fopen(f.path[i], "rb");
		char buf[65536];
		size_t got;

		if (!fp) {
			st = accel__fail(ACCEL_ERR_IO, "%s: %s", f.path[i], strerror(errno));
			break;
		}
		fn(ctx, f.path[i], strlen(f.path[i]) + 1);
		while ((got = fread(buf, 1, sizeof(buf), fp)) > 0)
			fn(ctx, buf, got);
		if (ferror(fp))
			st = accel__fail(ACCEL_ERR_IO, "%s: read failed", f.path[i]);
		fclose(fp);
	}
	files_free(&f);
	return st;
}
