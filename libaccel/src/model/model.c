// SPDX-License-Identifier: MIT
/* The public model API (accel/model.h): load = import -> passes -> place
 * -> plan -> bind (lower); run; queries; report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "model_build.h"
#include "cache.h"
#include "onnx_import.h"
#include "profile.h"
#include "ops.h"
#include "report.h"
#include "runtime.h"

#define MODEL_MAX_FILE (1ull << 31)

static accel_status check_opts(const accel_model_options *o)
{
	if (!o)
		return ACCEL_OK;
	if (o->struct_size < offsetof(accel_model_options, reserved))
		return accel__fail(ACCEL_ERR_INVALID_ARG,
				   "accel_model_options.struct_size %u too small (use ACCEL_MODEL_OPTIONS_INIT)",
				   o->struct_size);
	if (o->flags & ~ACCEL_MODEL_FLAGS)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "unknown model flags 0x%x",
				   o->flags & ~ACCEL_MODEL_FLAGS);
	if ((unsigned int)o->precision >= ACCEL_PRECISION_COUNT)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "unknown precision %d", o->precision);
	if (o->struct_size >= offsetof(accel_model_options, reserved) &&
	    (o->calibration_method > ACCEL_CALIB_PERCENTILE || !(o->percentile >= 0.0f) ||
	     o->percentile > 100.0f))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "calibration method %u / percentile %g "
				   "out of range", o->calibration_method, (double)o->percentile);
	if (o->n_calibration_inputs > 4096 ||
	    (o->n_calibration_inputs && !o->calibration_inputs))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "calibration_inputs: %u entries at %p",
				   o->n_calibration_inputs, (const void *)o->calibration_inputs);
	for (uint32_t i = 0; i < o->n_calibration_inputs; i++)
		if (!o->calibration_inputs[i].name || !o->calibration_inputs[i].path)
			return accel__fail(ACCEL_ERR_INVALID_ARG, "calibration_inputs[%u]: the %s "
					   "is NULL", i, o->calibration_inputs[i].name ?
					   "path" : "input name");
	if (o->precision == ACCEL_PRECISION_MIXED && !(o->max_error > 0.0f))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "mixed precision needs max_error > 0");
	if (o->batch > 65536)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "batch %u too large", o->batch);
	if (o->max_inflight > 64)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "max_inflight %u too large",
				   o->max_inflight);
	return ACCEL_OK;
}

static accel_status item_sizes(accel_model *m, uint32_t n_devs)
{
	const struct ir_graph *g = &m->g;
	uint32_t i;

	m->in_item = calloc(g->n_inputs + 1, sizeof(uint64_t));
	m->out_item = calloc(g->n_outputs + 1, sizeof(uint64_t));
	m->in_batched = calloc(g->n_inputs + 1, sizeof(bool));
	m->out_batched = calloc(g->n_outputs + 1, sizeof(bool));
	if (!m->in_item || !m->out_item || !m->in_batched || !m->out_batched)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	m->batch_major = true;
	for (i = 0; i < g->n_inputs + g->n_outputs; i++) {
		int v = i < g->n_inputs ? g->inputs[i] : g->outputs[i - g->n_inputs];
		const struct ir_value *x = &g->val[v];
		uint64_t b = (uint64_t)ir_numel(x) * sizeof(float);
		uint64_t *item = i < g->n_inputs ? &m->in_item[i] : &m->out_item[i - g->n_inputs];
		bool *batched = i < g->n_inputs ? &m->in_batched[i] : &m->out_batched[i - g->n_inputs];

		if (x->dtype != IR_DT_FLOAT)
			return ir_fail(g, "graph %s '%s' is %s; the model API takes float32",
				       i < g->n_inputs ? "input" : "output", x->name,
				       ir_dtype_name(x->dtype));
		*batched = x->rank && x->dim[0] == m->batch_per_dev && x->dim[0];
		if (*batched) {
			*item = b / (uint64_t)x->dim[0];
		} else {
			*item = b;
			m->batch_major = false;
		}
	}
	if (!m->batch_major && n_devs > 1)
		return ir_fail(g, "a graph input or output has no batch dim (dim 0 = %u): the "
			       "model cannot be split across %u devices", m->batch_per_dev, n_devs);
	return ACCEL_OK;
}

/* The compiled graph and plan from the cache file at path: true on a hit.
 * A file that is missing is a miss; one that is stale, truncated, corrupt
 * or foreign is rejected with the reason in the report, and recompiled. */
static bool cache_load(accel_model *m, const char *path, const struct cache_key *key)
{
	accel_status st;
	size_t size;
	void *data;

	st = cache_read_file(path, &data, &size);
	if (st) {
		pass_note(&m->log, "cache: miss (%s)", st == ACCEL_ERR_NOT_FOUND ?
			  "no compiled file yet" : accel_last_error());
		return false;
	}
	ir_init(&m->g, m->source);
	st = cache_decode(data, size, key, &m->g, &m->p);
	free(data);
	if (st) {
		pass_note(&m->log, "cache: %s rejected: %s; recompiled", path, accel_last_error());
		ir_free(&m->g);
		plan_free(&m->p);
		memset(&m->p, 0, sizeof(m->p));
		return false;
	}
	pass_note(&m->log, "cache: hit %s (compile skipped)", path);
	return true;
}

/* Write the compiled graph and plan; a failure only costs the next load. */
static void cache_store(accel_model *m, const char *path, const struct cache_key *key)
{
	accel_status st;
	size_t size;
	void *data;

	st = cache_encode(&m->g, &m->p, key, &data, &size);
	if (!st) {
		st = cache_write_file(path, data, size);
		free(data);
	}
	if (st)
		pass_note(&m->log, "cache: not written: %s", accel_last_error());
	else
		pass_note(&m->log, "cache: wrote %s (%zu bytes)", path, size);
}

/* A compile stage ends now (profile). */
static uint64_t stage(accel_model *m, const char *name, uint64_t start)
{
	uint64_t now = prof_now();

	prof_stage(m, name, start, now, 0);
	return now;
}

static accel_status compile(accel_model *m, const void *data, size_t size, const char *name,
			    const char *base_dir, accel_device *const *devs, uint32_t n,
			    const struct model_build *b)
{
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	uint32_t caps = ~0u, d;
	accel_status st;
	uint64_t t;
	struct cache_key key;
	char *cpath = NULL;
	bool hit = false;

	for (d = n; d-- > 0;) {	/* info of device 0 stays: the cache key */
		st = accel_device_query(devs[d], &info);
		if (st)
			return st;
		caps &= info.caps;
	}
	st = prof_init(m);
	t = prof_now();
	if (!st && m->opts.cache_dir && !b) {
		st = cache_key(data, size, name, base_dir, &m->opts, &info, caps, &key);
		cpath = st ? NULL : cache_path(m->opts.cache_dir, &key);
		if (!st && !cpath)
			st = accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
		if (!st)
			hit = cache_load(m, cpath, &key);
		t = stage(m, hit ? "cache load (hit)" : "cache lookup (miss)", t);
	}
	if (!st && hit)
		goto bind;
	if (!st)
		st = onnx_import(data, size, name, base_dir, m->batch_per_dev, &m->g);
	if (st) {
		free(cpath);
		return st;
	}
	t = stage(m, "import", t);
	st = passes_run(&m->g, m->opts.flags & ACCEL_MODEL_NO_FUSION, &m->log);
	if (!st)
		st = place_nodes(&m->g, caps, m->opts.flags & ACCEL_MODEL_CPU_ONLY);
	t = stage(m, "passes + placement", t);
	if (!st)
		st = prec_compile(m, data, size, base_dir, devs[0], b);
	t = stage(m, "precision", t);
	if (!st && !(m->opts.flags & ACCEL_MODEL_NCHW_ONLY))
		st = pass_layout(&m->g, &m->log);
	if (!st)
		st = plan_build(&m->g, &m->p);
	if (!st && b && b->keep_all)
		st = calib_plan_all(&m->g, &m->p);
	t = stage(m, "memory plan", t);
	if (!st && cpath)
		cache_store(m, cpath, &key);
bind:
	free(cpath);
	if (!st)
		st = item_sizes(m, n);
	if (!st)
		st = rt_bind(m, devs, n);
	t = stage(m, "lower + bind", t);
	if (!st)
		st = rt_calibrate(m);
	if (!st)
		st = report_build(m);
	return st;
}

static accel_status load(accel_device *const *devs, uint32_t n, const void *data, size_t size,
			 const char *name, const char *base_dir, const accel_model_options *opts,
			 const struct model_build *b, accel_model **out)
{
	accel_model *m;
	accel_status st;

	if (!out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "out is NULL");
	*out = NULL;
	if (!data || !name)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "model data or name is NULL");
	st = check_opts(opts);
	if (st)
		return st;
	m = calloc(1, sizeof(*m));
	if (!m)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	if (opts)
		memcpy(&m->opts, opts, opts->struct_size < sizeof(m->opts) ? opts->struct_size :
			sizeof(m->opts));
	m->opts.struct_size = sizeof(m->opts);
	m->batch_per_dev = m->opts.batch ? m->opts.batch : 1;
	m->source = strdup(name);
	if (!m->source) {
		free(m);
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->freed, NULL);
	st = compile(m, data, size, m->source, base_dir, devs, n, b);
	if (st) {
		char why[512];

		snprintf(why, sizeof(why), "%s", accel_last_error());
		accel_model_free(m);
		return accel__fail(st, "%s", why);
	}
	*out = m;
	return ACCEL_OK;
}

accel_status accel_model_load_memory(accel_device *dev, const void *data, size_t size,
				     const char *name, const char *base_dir,
				     const accel_model_options *opts, accel_model **out)
{
	if (!dev)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "device is NULL");
	return load(&dev, 1, data, size, name ? name : "<memory>", base_dir, opts, NULL, out);
}

accel_status model_load_internal(accel_device *dev, const void *data, size_t size,
				 const char *name, const char *base_dir,
				 const accel_model_options *opts, const struct model_build *b,
				 accel_model **out)
{
	return load(&dev, 1, data, size, name, base_dir, opts, b, out);
}

/* Read path into memory; *dir receives its directory (for external data). */
static accel_status read_file(const char *path, void **data, size_t *size, char **dir)
{
	const char *slash;
	long len;
	FILE *f;

	*data = NULL;
	*dir = NULL;
	f = fopen(path, "rb");
	if (!f)
		return accel__fail(errno == ENOENT ? ACCEL_ERR_NOT_FOUND : ACCEL_ERR_IO, "%s: %s",
				   path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return accel__fail(ACCEL_ERR_IO, "%s: cannot size the file", path);
	}
	if ((unsigned long long)len > MODEL_MAX_FILE) {
		fclose(f);
		return accel__fail(ACCEL_ERR_MODEL, "%s: %ld bytes is too large for a model", path,
				   len);
	}
	*data = malloc(len ? (size_t)len : 1);
	if (!*data || fread(*data, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(*data);
		*data = NULL;
		return accel__fail(ACCEL_ERR_IO, "%s: read failed", path);
	}
	fclose(f);
	*size = (size_t)len;
	slash = strrchr(path, '/');
	*dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	if (!*dir) {
		free(*data);
		*data = NULL;
		return accel__fail(ACCEL_ERR_NO_MEMORY, "out of memory");
	}
	return ACCEL_OK;
}

static accel_status load_file(accel_device *const *devs, uint32_t n, const char *path,
			      const accel_model_options *opts, accel_model **out)
{
	accel_status st;
	size_t size = 0;
	void *data;
	char *dir;

	if (out)
		*out = NULL;
	if (!path)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "path is NULL");
	st = read_file(path, &data, &size, &dir);
	if (st)
		return st;
	st = load(devs, n, data, size, path, dir, opts, NULL, out);
	free(data);
	free(dir);
	return st;
}

accel_status accel_model_load_file(accel_device *dev, const char *path,
				   const accel_model_options *opts, accel_model **out)
{
	if (!dev)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "device is NULL");
	return load_file(&dev, 1, path, opts, out);
}

accel_status accel_model_load_file_group(accel_group *group, const char *path,
					 const accel_model_options *opts, accel_model **out)
{
	accel_device *devs[64];
	size_t n, i;

	if (!group)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "group is NULL");
	n = accel_group_size(group);
	if (!n || n > 64)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "group of %zu devices", n);
	for (i = 0; i < n; i++)
		devs[i] = accel_group_device(group, i);
	return load_file(devs, (uint32_t)n, path, opts, out);
}

void accel_model_free(accel_model *m)
{
	if (!m)
		return;
	sched_drain(m);
	rt_unbind(m);
	prof_free(m);
	plan_free(&m->p);
	ir_free(&m->g);
	pass_log_free(&m->log);
	free(m->in_item);
	free(m->out_item);
	free(m->in_batched);
	free(m->out_batched);
	free(m->report);
	free(m->source);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->freed);
	free(m);
}

size_t accel_model_input_count(const accel_model *m)
{
	return m ? m->g.n_inputs : 0;
}

size_t accel_model_output_count(const accel_model *m)
{
	return m ? m->g.n_outputs : 0;
}

static accel_status io_info(const accel_model *m, int v, accel_tensor_info *info)
{
	const struct ir_value *x = &m->g.val[v];
	uint32_t i;

	memset(info, 0, sizeof(*info));
	info->name = x->name;
	info->dtype = ACCEL_DT_FP32;
	info->rank = x->rank;
	for (i = 0; i < x->rank; i++)
		info->dim[i] = (uint64_t)x->dim[i];
	if (x->rank && m->batch_major)
		info->dim[0] = (uint64_t)x->dim[0] * m->n_devs;
	return ACCEL_OK;
}

accel_status accel_model_input_info(const accel_model *m, size_t i, accel_tensor_info *info)
{
	if (!m || !info || i >= m->g.n_inputs)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "no input %zu", i);
	return io_info(m, m->g.inputs[i], info);
}

accel_status accel_model_output_info(const accel_model *m, size_t i, accel_tensor_info *info)
{
	if (!m || !info || i >= m->g.n_outputs)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "no output %zu", i);
	return io_info(m, m->g.outputs[i], info);
}

static accel_status find(const accel_model *m, const int *vals, uint32_t n, const char *name,
			 size_t *index, const char *what)
{
	uint32_t i;

	if (!m || !name || !index)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "NULL argument");
	for (i = 0; i < n; i++) {
		if (!strcmp(m->g.val[vals[i]].name, name)) {
			*index = i;
			return ACCEL_OK;
		}
	}
	return accel__fail(ACCEL_ERR_NOT_FOUND, "%s: no graph %s named '%s'", m->source, what, name);
}

accel_status accel_model_find_input(const accel_model *m, const char *name, size_t *index)
{
	return find(m, m ? m->g.inputs : NULL, m ? m->g.n_inputs : 0, name, index, "input");
}

accel_status accel_model_find_output(const accel_model *m, const char *name, size_t *index)
{
	return find(m, m ? m->g.outputs : NULL, m ? m->g.n_outputs : 0, name, index, "output");
}

accel_status model_check_run(accel_model *m, uint32_t batch, const float *const *inputs,
			     float *const *outputs)
{
	uint32_t i;

	if (!m || (!inputs && m->g.n_inputs) || !outputs)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "NULL model, inputs or outputs");
	for (i = 0; i < m->g.n_inputs; i++)
		if (!inputs[i])
			return accel__fail(ACCEL_ERR_INVALID_ARG, "input %u is NULL", i);
	for (i = 0; i < m->g.n_outputs; i++)
		if (!outputs[i])
			return accel__fail(ACCEL_ERR_INVALID_ARG, "output %u is NULL", i);
	if (!batch || batch > m->batch_per_dev * m->n_devs)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: batch %u outside 1..%u", m->source,
				   batch, m->batch_per_dev * m->n_devs);
	if (!m->batch_major && batch != m->batch_per_dev * m->n_devs)
		return accel__fail(ACCEL_ERR_INVALID_ARG,
				   "%s: a graph input or output has no batch dim; run the whole "
				   "compiled batch (%u)", m->source, m->batch_per_dev * m->n_devs);
	return ACCEL_OK;
}

accel_status accel_model_run(accel_model *m, uint32_t batch, const float *const *inputs,
			     float *const *outputs)
{
	accel_status st = model_check_run(m, batch, inputs, outputs);

	return st ? st : rt_run(m, batch, inputs, outputs);
}

const char *accel_model_report(const accel_model *m)
{
	return m && m->report ? m->report : "";
}

accel_status accel_model_get_stats(const accel_model *m, accel_model_stats *s)
{
	uint32_t i;

	if (!m || !s)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "NULL argument");
	if (s->struct_size < offsetof(accel_model_stats, reserved))
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel_model_stats.struct_size %u too small",
				   s->struct_size);
	memset((char *)s + sizeof(s->struct_size), 0, sizeof(*s) - sizeof(s->struct_size));
	s->nodes = m->g.n_node;
	s->device_nodes = m->p.device_nodes;
	s->cpu_nodes = m->p.cpu_nodes;
	for (i = 0; i < m->p.n_steps; i++)
		s->jobs_per_run += m->p.steps[i].target == IR_TARGET_DEVICE;
	s->commands_per_run = m->commands_per_run;
	s->weight_bytes = m->p.weights_bytes;
	s->arena_bytes = m->p.arena_bytes;
	s->arena_lower_bound = m->p.arena_lower_bound;
	s->predicted_cycles = atomic_load(&m->pred_cycles);
	return ACCEL_OK;
}
