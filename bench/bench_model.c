// SPDX-License-Identifier: MIT
/*
 * snpu-bench end-to-end figure: one ONNX model through libaccel's model API
 * (compile, preload, then whole-batch inferences), images/s by the wall
 * clock, with the timing model's prediction for the same compiled batch
 * beside it (accel_model_get_stats: predicted cycles / device clock).
 *
 * The model API's calls are weak references: against a libaccel without
 * the model compiler the figure is reported as not measured, with the
 * reason, instead of failing the whole benchmark.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <accel/model.h>
#include "bench.h"

#pragma weak accel_model_load_file
#pragma weak accel_model_free
#pragma weak accel_model_input_count
#pragma weak accel_model_output_count
#pragma weak accel_model_input_info
#pragma weak accel_model_output_info
#pragma weak accel_model_run
#pragma weak accel_model_get_stats

static int have_model_api(void)
{
	return accel_model_load_file && accel_model_free && accel_model_input_count &&
	       accel_model_output_count && accel_model_input_info && accel_model_output_info &&
	       accel_model_run && accel_model_get_stats;
}

static size_t elems(const accel_tensor_info *ti)
{
	size_t n = 1;

	for (uint32_t i = 0; i < ti->rank; i++)
		n *= ti->dim[i];
	return n;
}

/* tag: "cnn.fp32.b64" style name; precision and flags come from it:
 * ".int8" -> int8 (calibration file: env SNPU_BENCH_CALIB), ".cpu" -> the
 * CPU reference backend (ACCEL_MODEL_CPU_ONLY). */
int bench_model(accel_device *dev, const char *path, const char *tag, unsigned int batch,
		const struct bench_opts *o)
{
	accel_model_options mo = ACCEL_MODEL_OPTIONS_INIT;
	float *in[8] = { NULL }, *out[8] = { NULL };
	char name[128], pname[140];
	accel_model_stats stats = { .struct_size = sizeof(stats) };
	uint64_t c0[ACCEL_NUM_COUNTERS], c1[ACCEL_NUM_COUNTERS];
	accel_device_info info = ACCEL_DEVICE_INFO_INIT;
	accel_model *m = NULL;
	struct bench_reps r;
	size_t nin, nout, i;
	accel_status st;
	int ret = 1;

	snprintf(name, sizeof(name), "model.%s", tag);
	snprintf(pname, sizeof(pname), "model.%s.predicted", tag);
	if (!have_model_api()) {
		bench_emit_missing(name, "images/s", "not measured: model compiler not available "
				   "(this libaccel has no accel_model_* calls)");
		return 0;
	}
	mo.batch = batch;
	if (strstr(tag, ".int8")) {
		mo.precision = ACCEL_PRECISION_INT8;
		mo.calibration = getenv("SNPU_BENCH_CALIB");
	}
	if (strstr(tag, ".cpu"))
		mo.flags |= ACCEL_MODEL_CPU_ONLY;
	if ((st = accel_device_query(dev, &info)))
		return bench_fail("accel_device_query", st);
	{	/* compile time: cold (storing into the compiled-model cache, which
		 * run.py empties first), then the same load again from the cache */
		const char *cache = getenv("SNPU_BENCH_CACHE");
		char cname[160], cdir[PATH_MAX];
		double t0, cold, cached = 0;

		if (cache && *cache && !(mo.flags & ACCEL_MODEL_CPU_ONLY)) {
			/* one subdirectory per row (run.py ships some to the guest);
			 * libaccel writes into an existing directory only */
			snprintf(cdir, sizeof(cdir), "%s/%s", cache, tag);
			if ((mkdir(cache, 0755) && errno != EEXIST) ||
			    (mkdir(cdir, 0755) && errno != EEXIST)) {
				fprintf(stderr, "snpu-bench: mkdir %s: %s\n", cdir, strerror(errno));
				return 1;
			}
			mo.cache_dir = cdir;
		}
		t0 = bench_now();
		if ((st = accel_model_load_file(dev, path, &mo, &m))) {
			bench_emit_missing(name, "images/s", "not measured: loading %s failed: %s",
					   path, accel_last_error());
			return 0;
		}
		cold = bench_now() - t0;
		if (mo.cache_dir) {
			accel_model_free(m);
			m = NULL;
			t0 = bench_now();
			st = accel_model_load_file(dev, path, &mo, &m);
			cached = bench_now() - t0;
			if (st)
				return bench_fail("accel_model_load_file (cache)", st);
		}
		snprintf(cname, sizeof(cname), "model.%s.compile", tag);
		if (cached > 0)
			bench_emit(cname, cold * 1e3, "ms", "\"cached_ms\": %.6g", cached * 1e3);
		else
			bench_emit(cname, cold * 1e3, "ms", NULL);
	}
	nin = accel_model_input_count(m);
	nout = accel_model_output_count(m);
	if (nin > 8 || nout > 8) {
		bench_emit_missing(name, "images/s", "not measured: %zu inputs, %zu outputs", nin, nout);
		ret = 0;
		goto out;
	}
	for (i = 0; i < nin + nout; i++) {
		accel_tensor_info ti;
		float **p = i < nin ? &in[i] : &out[i - nin];

		st = i < nin ? accel_model_input_info(m, i, &ti) : accel_model_output_info(m, i - nin, &ti);
		if (st || !(*p = malloc(elems(&ti) * sizeof(float)))) {
			bench_fail("accel_model_*_info", st ? st : ACCEL_ERR_NO_MEMORY);
			goto out;
		}
		for (size_t j = 0; i < nin && j < elems(&ti); j++)
			(*p)[j] = (float)((j * 2654435761u) % 1000u) / 1000.0f;
	}
	/* warm-up run, except for the slow CPU reference (one timed run is enough) */
	if (!(mo.flags & ACCEL_MODEL_CPU_ONLY) &&
	    (st = accel_model_run(m, batch, (const float *const *)in, out))) {
		bench_fail("accel_model_run", st);
		goto out;
	}
	/* the timing model's cycles of the timed runs, from the device's counter
	 * (device-wide: nothing else runs on it during the benchmark) */
	if ((st = accel_device_counters(dev, c0))) {
		bench_fail("accel_device_counters", st);
		goto out;
	}
	bench_reps_init(&r, mo.flags & ACCEL_MODEL_CPU_ONLY ? 1 : 5, 2000, o->budget);
	while (!st && bench_rep_more(&r)) {
		double t0 = bench_now();

		st = accel_model_run(m, batch, (const float *const *)in, out);
		bench_rep_add(&r, bench_now() - t0);
	}
	if (st) {
		bench_fail("accel_model_run", st);
		goto out;
	}
	if ((st = accel_device_counters(dev, c1))) {
		bench_fail("accel_device_counters", st);
		goto out;
	}
	if ((st = accel_model_get_stats(m, &stats))) {
		bench_fail("accel_model_get_stats", st);
		goto out;
	}
	{
		double t = bench_quantile(&r, 0.5);

		bench_emit(name, batch / t, "images/s", "\"batch\": %u, \"latency_ms\": %.6g, "
			   "\"p90_ms\": %.6g, \"n\": %zu, \"jobs_per_run\": %u, \"commands_per_run\": %u, "
			   "\"arena_bytes\": %llu, \"arena_lower_bound\": %llu", batch, t * 1e3,
			   bench_quantile(&r, 0.9) * 1e3, r.n, stats.jobs_per_run,
			   stats.commands_per_run, (unsigned long long)stats.arena_bytes,
			   (unsigned long long)stats.arena_lower_bound);
	}
	{
		const char *src = "accel_model_get_stats";
		double cyc = (double)stats.predicted_cycles;

		if (!cyc) {	/* the compiler does not predict yet: what the device counted */
			cyc = (double)(c1[ACCEL_CNT_PRED_CYCLES] - c0[ACCEL_CNT_PRED_CYCLES]) /
			      (double)r.n;
			src = "device counter pred_cycles per run";
		}
		if (cyc > 0 && !(mo.flags & ACCEL_MODEL_CPU_ONLY)) {
			double s = cyc / ((double)info.clock_mhz * 1e6);

			bench_emit(pname, batch / s, "images/s", "\"batch\": %u, \"pred_cycles\": "
				   "%.0f, \"source\": \"%s\", \"clock_mhz\": %u, \"mac_rows\": %u, "
				   "\"mac_cols\": %u", batch, cyc, src, info.clock_mhz, info.mac_rows,
				   info.mac_cols);
		}
	}
	ret = 0;
out:
	for (i = 0; i < 8; i++) {
		free(in[i]);
		free(out[i]);
	}
	accel_model_free(m);
	return ret;
}
