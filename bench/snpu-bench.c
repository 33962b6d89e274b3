// SPDX-License-Identifier: MIT
/*
 * snpu-bench: measures the SNPU stack for `make bench` (bench/run.py runs it
 * on the host's in-process "sim" device and in the VM on /dev/accel/accel0).
 *
 *   snpu-bench [--device NAME] [--threads N] [--budget SEC] [--max-bytes N] PART...
 *
 * PART: roundtrip | breakdown | transfer | dma | memcpy | gemm | blas | blkread=DEV |
 *       model=FILE.onnx:TAG:BATCH
 * Prints one "BENCH {json}" line per result (see bench.h) and a
 * "BENCH-DEVICE {json}" line describing the device. Exit status 0 when every
 * part ran (a figure reported as not measured still counts as ran), 1 when
 * a part failed (reason on stderr), 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: snpu-bench [--device NAME] [--threads N] [--budget SEC] [--max-bytes N] "
		   "PART...\n"
		   "  PART: roundtrip | breakdown | transfer | dma | memcpy | gemm | blas |\n"
		   "        blkread=DEV |\n"
		   "        model=FILE.onnx:TAG:BATCH\n"
		   "  --device NAME   \"sim\" or /dev/accel/accelN (default: first device)\n"
		   "  --threads N     threads of the CPU baselines (default 2)\n"
		   "  --budget SEC    time per measurement (default 1.0)\n"
		   "  --max-bytes N   largest transfer (default 67108864)\n");
}

static int num_arg(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;
	double d = v ? strtod(v, &end) : 0;

	if (!v || !*v || *end || d < lo || d > hi) {
		fprintf(stderr, "snpu-bench: %s needs a number from %g to %g, got '%s'\n", opt, lo, hi,
			v ? v : "(nothing)");
		return -1;
	}
	*out = d;
	return 0;
}

static int need_device(accel_device **dev, const char *name)
{
	accel_device_info i = ACCEL_DEVICE_INFO_INIT;
	accel_status st;

	if (*dev)
		return 0;
	if ((st = accel_open(name, dev)))
		return bench_fail("accel_open", st);
	if ((st = accel_device_query(*dev, &i)))
		return bench_fail("accel_device_query", st);
	printf("BENCH-DEVICE {\"name\": \"%s\", \"backend\": \"%s\", \"mac_rows\": %u, "
	       "\"mac_cols\": %u, \"clock_mhz\": %u, \"dram_bw\": %u, \"pcie_bw\": %u, "
	       "\"sram_size\": %llu}\n", i.name, i.backend, i.mac_rows, i.mac_cols, i.clock_mhz,
	       i.dram_bw, i.pcie_bw, (unsigned long long)i.sram_size);
	fflush(stdout);
	return 0;
}

static int model_part(accel_device *dev, const char *spec, const struct bench_opts *o)
{
	char buf[512], *tag, *bs;
	double batch;

	snprintf(buf, sizeof(buf), "%s", spec);
	tag = strchr(buf, ':');
	bs = tag ? strchr(tag + 1, ':') : NULL;
	if (!tag || !bs) {
		fprintf(stderr, "snpu-bench: model=%s: want model=FILE.onnx:TAG:BATCH\n", spec);
		return 2;
	}
	*tag++ = '\0';
	*bs++ = '\0';
	if (num_arg("model batch", bs, 1, 4096, &batch))
		return 2;
	return bench_model(dev, buf, tag, (unsigned int)batch, o);
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .device = NULL, .threads = 2, .budget = 1.0, .max_bytes = 64u << 20 };
	accel_device *dev = NULL;
	int i, ret = 0, nparts = 0;
	double d;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--device") && v) {
			o.device = v;
		} else if (!strcmp(a, "--threads")) {
			if (num_arg(a, v, 1, 256, &d))
				return 2;
			o.threads = (unsigned int)d;
		} else if (!strcmp(a, "--budget")) {
			if (num_arg(a, v, 0.001, 600, &d))
				return 2;
			o.budget = d;
		} else if (!strcmp(a, "--max-bytes")) {
			if (num_arg(a, v, 4096, 1 << 30, &d))
				return 2;
			o.max_bytes = (uint64_t)d;
		} else {
			fprintf(stderr, "snpu-bench: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
		i++;
	}
	for (; i < argc; i++) {
		const char *p = argv[i];
		int r;

		nparts++;
		if (!strcmp(p, "memcpy"))
			r = bench_memcpy(&o);
		else if (!strcmp(p, "blas"))
			r = bench_blas(&o);
		else if (!strncmp(p, "blkread=", 8))
			r = bench_blkread(p + 8, &o);
		else if (strcmp(p, "roundtrip") && strcmp(p, "breakdown") && strcmp(p, "transfer") &&
			 strcmp(p, "dma") && strcmp(p, "gemm") && strncmp(p, "model=", 6)) {
			fprintf(stderr, "snpu-bench: unknown part '%s'\n", p);
			usage(stderr);
			accel_close(dev);
			return 2;
		} else if ((r = need_device(&dev, o.device))) {
			ret = 1;
			break;
		} else if (!strcmp(p, "roundtrip"))
			r = bench_roundtrip(dev, &o);
		else if (!strcmp(p, "breakdown"))
			r = bench_breakdown(dev, &o);
		else if (!strcmp(p, "transfer"))
			r = bench_transfer(dev, &o);
		else if (!strcmp(p, "dma"))
			r = bench_dma(dev, &o);
		else if (!strcmp(p, "gemm"))
			r = bench_gemm(dev, &o);
		else
			r = model_part(dev, p + 6, &o);
		if (r == 2) {
			accel_close(dev);
			return 2;
		}
		ret |= r;
	}
	if (!nparts) {
		usage(stderr);
		return 2;
	}
	accel_close(dev);
	return ret ? 1 : 0;
}
