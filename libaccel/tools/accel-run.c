// SPDX-License-Identifier: MIT
/*
 * accel-run: run an ONNX model on an SNPU with NumPy .npy tensors.
 *
 *   accel-run MODEL.onnx -i IN.npy... -o OUT.npy... [--device sim|/dev/accel/accelN|all|A,B]
 *             [--batch N] [--repeat N] [--report] [--cpu]
 *
 * -i/-o repeat for several graph inputs/outputs, in graph order or as
 * NAME=FILE; --calibrate likewise (NAME=DATA.npy per graph input, or a
 * directory holding <input name>.npy for each). Inputs with more items than one batch are streamed batch by
 * batch (the last one partial) through the model's double-buffered
 * pipeline (accel_model_stream); the outputs hold every item. --device all
 * (or a comma list) runs data parallel on a group. --report prints the
 * placement report, the memory plan and images/s. Exit status 0 only on
 * success; every failure says why on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <accel/accel.h>
#include <accel/model.h>

#include "npy.h"

#define MAX_IO 32

struct io {
	const char *name;	/* NAME= part, or NULL (graph order) */
	const char *path;
};

struct args {
	const char *model, *device;
	struct io in[MAX_IO], out[MAX_IO];
	int nin, nout;
	uint32_t batch, repeat;
	int report, cpu;
	accel_precision precision;
	const char *calibrate, *cache, *profile;
	accel_calibration_input cal[MAX_IO];	/* --calibrate NAME=DATA.npy */
	uint32_t ncal;
	float max_error;
	int percentile, no_sram;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: accel-run MODEL.onnx -i [NAME=]IN.npy... -o [NAME=]OUT.npy...\n"
		   "                 [--device sim|/dev/accel/accelN|all|A,B] [--batch N] [--repeat N]\n"
		   "                 [--report] [--cpu] [--precision fp32|fp16|int8|mixed]\n"
		   "                 [--calibrate DATA.npy|DIR|NAME=DATA.npy...] [--percentile]\n"
		   "                 [--max-error E] [--cache DIR] [--profile TRACE.json] [--no-sram]\n");
}

/* Long compile steps: a progress line on a terminal. */
static void progress(void *user, const char *step, uint64_t done, uint64_t total)
{
	(void)user;
	if (total)
		fprintf(stderr, "\r%s: %llu/%llu", step, (unsigned long long)done,
			(unsigned long long)total);
	else
		fprintf(stderr, "\r%s: %llu", step, (unsigned long long)done);
	fflush(stderr);
}

static int fail(const char *what)
{
	fprintf(stderr, "accel-run: %s: %s\n", what, accel_last_error());
	return 1;
}

static int parse_io(struct io *io, int *n, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (*n >= MAX_IO) {
		fprintf(stderr, "accel-run: more than %d -i/-o\n", MAX_IO);
		return -1;
	}
	io[*n].name = NULL;
	io[*n].path = arg;
	if (eq) {
		char *name = strndup(arg, (size_t)(eq - arg));

		if (!name)
			return -1;
		io[*n].name = name;
		io[*n].path = eq + 1;
	}
	(*n)++;
	return 0;
}

/* --calibrate DATA.npy|DIR once, or NAME=DATA.npy per graph input (an
 * existing file's name with '=' in it is a file). */
static int parse_calibrate(struct args *a, const char *v)
{
	const char *eq = strchr(v, '=');

	if (!eq || eq == v || !access(v, F_OK)) {
		if (a->calibrate || a->ncal) {
			fprintf(stderr, "accel-run: --calibrate %s: one DATA.npy|DIR, or "
				"NAME=DATA.npy per graph input\n", v);
			return -1;
		}
		a->calibrate = v;
		return 0;
	}
	if (a->calibrate || a->ncal >= MAX_IO) {
		fprintf(stderr, "accel-run: --calibrate %s: %s\n", v, a->calibrate ?
			"one DATA.npy|DIR, or NAME=DATA.npy per graph input" : "too many");
		return -1;
	}
	a->cal[a->ncal].name = strndup(v, (size_t)(eq - v));
	if (!a->cal[a->ncal].name)
		return -1;
	a->cal[a->ncal++].path = eq + 1;
	return 0;
}

static int parse_u32(const char *opt, const char *s, uint32_t *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);

	if (!*s || *end || !x || x > 1000000) {
		fprintf(stderr, "accel-run: %s wants a positive number, not '%s'\n", opt, s);
		return -1;
	}
	*v = (uint32_t)x;
	return 0;
}

static int parse(int argc, char **argv, struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->repeat = 1;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(s, "--report")) {
			a->report = 1;
		} else if (!strcmp(s, "--cpu")) {
			a->cpu = 1;
		} else if (!strcmp(s, "--percentile")) {
			a->percentile = 1;
		} else if (!strcmp(s, "--no-sram")) {
			a->no_sram = 1;
		} else if (!strcmp(s, "--precision") || !strcmp(s, "--calibrate") ||
			   !strcmp(s, "--max-error") || !strcmp(s, "--profile") ||
			   !strcmp(s, "--cache")) {
			char *end;

			if (!v) {
				fprintf(stderr, "accel-run: %s needs a value\n", s);
				return -1;
			}
			i++;
			if (!strcmp(s, "--calibrate") && parse_calibrate(a, v))
				return -1;
			if (!strcmp(s, "--profile"))
				a->profile = v;
			if (!strcmp(s, "--cache"))
				a->cache = v;
			if (!strcmp(s, "--max-error")) {
				a->max_error = strtof(v, &end);
				if (!*v || *end || !(a->max_error > 0)) {
					fprintf(stderr, "accel-run: --max-error wants a positive "
						"number, not '%s'\n", v);
					return -1;
				}
			}
			if (!strcmp(s, "--precision") &&
			    accel_precision_from_name(v, &a->precision)) {
				fprintf(stderr, "accel-run: --precision: %s\n", accel_last_error());
				return -1;
			}
		} else if (!strcmp(s, "-i") || !strcmp(s, "-o") || !strcmp(s, "--device") ||
			   !strcmp(s, "--batch") || !strcmp(s, "--repeat")) {
			if (!v) {
				fprintf(stderr, "accel-run: %s needs a value\n", s);
				return -1;
			}
			i++;
			if (!strcmp(s, "-i") && parse_io(a->in, &a->nin, v))
				return -1;
			if (!strcmp(s, "-o") && parse_io(a->out, &a->nout, v))
				return -1;
			if (!strcmp(s, "--device"))
				a->device = v;
			if (!strcmp(s, "--batch") && parse_u32(s, v, &a->batch))
				return -1;
			if (!strcmp(s, "--repeat") && parse_u32(s, v, &a->repeat))
				return -1;
		} else if (s[0] == '-') {
			fprintf(stderr, "accel-run: unknown option %s\n", s);
			return -1;
		} else if (!a->model) {
			a->model = s;
		} else {
			fprintf(stderr, "accel-run: more than one model (%s)\n", s);
			return -1;
		}
	}
	if (!a->model) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Map each -i/-o to its graph index (graph order or NAME=). */
static int resolve(accel_model *m, struct io *io, int n, size_t count, int is_in, int *idx)
{
	int k;

	if ((size_t)n != count) {
		fprintf(stderr, "accel-run: the model has %zu %s, %d given\n", count,
			is_in ? "inputs" : "outputs", n);
		return -1;
	}
	for (k = 0; k < n; k++) {
		size_t i = (size_t)k;

		if (io[k].name) {
			accel_status st = is_in ? accel_model_find_input(m, io[k].name, &i) :
						  accel_model_find_output(m, io[k].name, &i);
			if (st)
				return fail(io[k].name), -1;
		}
		idx[i] = k;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int run(struct args *a)
{
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	accel_npy in[MAX_IO];
	int in_idx[MAX_IO], out_idx[MAX_IO], rc = 1, k;
	accel_tensor_info info;
	accel_device *dev = NULL;
	accel_group *group = NULL;
	accel_model *m = NULL;
	float *outs[MAX_IO] = { 0 };
	uint64_t items = 1, out_dim[MAX_IO][8], item_out[MAX_IO];
	uint32_t batch, r, rank[MAX_IO];
	accel_pipeline_stats pst = ACCEL_PIPELINE_STATS_INIT;
	double t0, t;
	size_t ni, no, i;

	memset(in, 0, sizeof(in));
	for (k = 0; k < a->nin; k++) {
		if (accel__npy_read_file(a->in[k].path, ACCEL_NPY_FP32, &in[k])) {
			fail("input");
			goto out;
		}
	}
	if (a->nin && in[0].rank)
		items = in[0].dim[0];
	batch = a->batch ? a->batch : (uint32_t)(items > 64 ? 64 : items ? items : 1);
	opts.batch = batch;
	opts.flags = a->cpu ? ACCEL_MODEL_CPU_ONLY : 0;
	opts.precision = a->precision;
	opts.calibration = a->calibrate;
	opts.calibration_inputs = a->ncal ? a->cal : NULL;
	opts.n_calibration_inputs = a->ncal;
	opts.calibration_method = a->percentile ? ACCEL_CALIB_PERCENTILE : ACCEL_CALIB_MINMAX;
	opts.max_error = a->max_error;
	opts.cache_dir = a->cache;
	if (isatty(2) && opts.precision >= ACCEL_PRECISION_INT8)
		opts.progress = progress;
	if (a->profile)
		opts.flags |= ACCEL_MODEL_PROFILE;
	if (a->no_sram)
		opts.flags |= ACCEL_MODEL_NO_SRAM;
	if (a->device && (!strcmp(a->device, "all") || strchr(a->device, ','))) {
		if (accel_group_open(a->device, &group)) {
			fail(a->device);
			goto out;
		}
		if (accel_model_load_file_group(group, a->model, &opts, &m)) {
			fail(a->model);
			goto out;
		}
	} else {
		if (accel_open(a->device, &dev)) {
			fail(a->device ? a->device : "device");
			goto out;
		}
		if (accel_model_load_file(dev, a->model, &opts, &m)) {
			fail(a->model);
			goto out;
		}
	}
	if (opts.progress)
		fputc('\n', stderr);
	ni = accel_model_input_count(m);
	no = accel_model_output_count(m);
	if (resolve(m, a->in, a->nin, ni, 1, in_idx) || resolve(m, a->out, a->nout, no, 0, out_idx))
		goto out;
	/* the model's batch dim (all devices) and the items per tensor */
	accel_model_input_info(m, 0, &info);
	batch = ni && info.rank ? (uint32_t)info.dim[0] : 1;
	for (i = 0; i < ni; i++) {
		const accel_npy *x = &in[in_idx[i]];
		uint64_t n = 1;
		uint32_t d;

		accel_model_input_info(m, i, &info);
		for (d = 1; d < info.rank; d++)
			n *= info.dim[d];
		if (x->rank != info.rank || !info.rank || x->dim[0] != items ||
		    x->count != items * n) {
			if (x->count != n * (info.rank ? info.dim[0] : 1) || items != batch ||
			    x->rank != info.rank) {
				fprintf(stderr, "accel-run: %s: %llu elements in %u dims do not fit input "
					"'%s' (%u dims, %llu elements per item)\n", a->in[in_idx[i]].path,
					(unsigned long long)x->count, x->rank, info.name, info.rank,
					(unsigned long long)n);
				goto out;
			}
		}
	}
	for (i = 0; i < no; i++) {
		uint32_t d;

		accel_model_output_info(m, i, &info);
		rank[i] = info.rank;
		item_out[i] = 1;
		for (d = 0; d < info.rank; d++) {
			out_dim[i][d] = info.dim[d];
			if (d)
				item_out[i] *= info.dim[d];
		}
		if (info.rank)
			out_dim[i][0] = items;
		outs[i] = calloc(items * item_out[i] + 1, sizeof(float));
		if (!outs[i]) {
			fprintf(stderr, "accel-run: out of memory\n");
			goto out;
		}
	}
	/* streamed through the model's double-buffered pipeline, in order */
	t0 = now();
	for (r = 0; r < a->repeat; r++) {
		const float *ip[MAX_IO];

		for (i = 0; i < ni; i++)
			ip[i] = (const float *)in[in_idx[i]].data;
		if (accel_model_stream(m, items, ip, outs, 2, &pst)) {
			fail("run");
			goto out;
		}
	}
	t = now() - t0;
	for (i = 0; i < no; i++) {
		if (accel__npy_write_file(a->out[out_idx[i]].path, outs[i], rank[i], out_dim[i])) {
			fail("output");
			goto out;
		}
	}
	if (a->report) {
		printf("%s", accel_model_report(m));
		printf("run: %llu item(s) x %u repeat(s) in %.3f s: %.1f images/s\n",
		       (unsigned long long)items, a->repeat, t,
		       t > 0 ? (double)items * a->repeat / t : 0.0);
		printf("stream: %llu batch(es) of %u in the last repeat, %s; host waited %.3f s, "
		       "device busy %.3f s\n", (unsigned long long)pst.batches, batch,
		       pst.host_ns || pst.wait_ns ? "double-buffered pipeline" :
		       "one batch after another (CPU steps or a device group)",
		       (double)pst.wait_ns * 1e-9, (double)pst.device_ns * 1e-9);
	}
	if (a->profile) {
		const char *table = accel_model_profile(m);

		if (!table || accel_model_write_trace(m, a->profile)) {
			fail("profile");
			goto out;
		}
		printf("%s", table);
		printf("trace: %s (Chrome trace-event JSON: chrome://tracing, ui.perfetto.dev)\n",
		       a->profile);
	}
	rc = 0;
out:
	for (k = 0; k < MAX_IO; k++) {
		accel__npy_free(&in[k]);
		free(outs[k]);
	}
	accel_model_free(m);
	if (group)
		accel_group_destroy(group);
	if (dev)
		accel_close(dev);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a;
	int rc, k;

	if (parse(argc, argv, &a))
		return 2;
	rc = run(&a);
	for (k = 0; k < a.nin; k++)
		free((char *)a.in[k].name);
	for (k = 0; k < a.nout; k++)
		free((char *)a.out[k].name);
	return rc;
}
