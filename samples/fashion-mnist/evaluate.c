/* SPDX-License-Identifier: MIT */
/*
 * fmnist-evaluate: run an image classifier over a labelled test set on the
 * SNPU, batch by batch, and report what evaluate.sh prints: top-1 accuracy,
 * the confusion matrix, images/s, latency per batch (p50/p99) and each
 * device's busy time from its counters.
 *
 *   fmnist-evaluate [-d DEVICE|SPEC] [-p fp32|fp16|int8|mixed] [-c CALIB.npy]
 *                   [-C CACHE_DIR] [-b BATCH] [-n LIMIT] [-L CLASSES.txt]
 *                   MODEL.onnx IMAGES.u8 LABELS.u8
 *
 * IMAGES.u8 holds H x W uint8 images back to back (the model's input size),
 * LABELS.u8 one uint8 label per image. DEVICE is "sim" or /dev/accel/accelN;
 * a SPEC with commas ("sim,sim", "/dev/accel/accel0,/dev/accel/accel1") or
 * "all" loads the model data parallel on that device group. The model
 * takes float32 N x 1 x H x W (pixel / 255) and gives N x K scores.
 * int8/mixed calibrate on CALIB.npy; -C keeps the compiled model in
 * CACHE_DIR (the next run loads it instead of calibrating again).
 * A progress line goes to stderr while it runs. Exit status 0 on success.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <accel/accel.h>

#define MAX_CLASSES 64
#define MAX_DEVICES 16

static const char *prog = "fmnist-evaluate";

static int fail(const char *what, accel_status st)
{
	fprintf(stderr, "%s: %s: %s (%s)\n", prog, what, accel_last_error(), accel_strerror(st));
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The whole file into memory; *size its length. */
static unsigned char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	p = malloc(n ? (size_t)n : 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, p ? "read failed" : "out of memory");
		free(p);
		p = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	const char *spec = NULL, *classes = NULL;
	char names[MAX_CLASSES][32];
	size_t nnames = 0, isize, lsize, n, batch = 64, limit = 0, ndev;
	unsigned char *images = NULL, *labels = NULL;
	accel_device *dev = NULL, *devs[MAX_DEVICES];
	accel_group *group = NULL;
	accel_model *model = NULL;
	accel_tensor_info in, out;
	uint64_t cnt0[MAX_DEVICES][ACCEL_NUM_COUNTERS], cnt1[ACCEL_NUM_COUNTERS];
	uint64_t pixels, k, confusion[MAX_CLASSES][MAX_CLASSES] = { { 0 } }, correct = 0;
	float *x = NULL, *y = NULL;
	double *lat = NULL, t0, total;
	size_t nbatches = 0;
	accel_status st;
	int opt, rc = 1;
	bool tty = isatty(2);

	while ((opt = getopt(argc, argv, "d:p:c:C:b:n:L:h")) != -1) {
		switch (opt) {
		case 'd': spec = optarg; break;
		case 'p':
			if (accel_precision_from_name(optarg, &opts.precision)) {
				fprintf(stderr, "%s: %s\n", prog, accel_last_error());
				return 2;
			}
			break;
		case 'c': opts.calibration = optarg; break;
		case 'C': opts.cache_dir = optarg; break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		case 'n': limit = strtoul(optarg, NULL, 10); break;
		case 'L': classes = optarg; break;
		default: goto usage;
		}
	}
	if (argc - optind != 3 || batch == 0 || batch > 4096) {
usage:
		fprintf(stderr, "usage: %s [-d DEVICE|SPEC] [-p fp32|fp16|int8|mixed] [-c CALIB.npy] "
			"[-C CACHE_DIR] [-b BATCH(1..4096)] [-n LIMIT] [-L CLASSES.txt] MODEL.onnx IMAGES.u8 "
			"LABELS.u8\n", prog);
		return 2;
	}
	if (classes) {
		FILE *f = fopen(classes, "r");

		if (!f) {
			fprintf(stderr, "%s: %s: %s\n", prog, classes, strerror(errno));
			return 1;
		}
		while (nnames < MAX_CLASSES && fgets(names[nnames], sizeof(names[0]), f))
			names[nnames][strcspn(names[nnames], "\r\n")] = '\0', nnames++;
		fclose(f);
	}

	opts.batch = (uint32_t)batch;
	if (spec && (strchr(spec, ',') || !strcmp(spec, "all"))) {
		if ((st = accel_group_open(spec, &group)))
			return fail(spec, st);
		ndev = accel_group_size(group);
		/* opts.batch is per device: each batch is split across all. */
		opts.batch = (uint32_t)((batch + ndev - 1) / ndev);
		st = accel_model_load_file_group(group, argv[optind], &opts, &model);
	} else {
		if ((st = accel_open(spec, &dev)))
			return fail("open", st);
		ndev = 1;
		st = accel_model_load_file(dev, argv[optind], &opts, &model);
	}
	if (st) {
		fail("load", st);
		goto out;
	}
	if (ndev > MAX_DEVICES)
		ndev = MAX_DEVICES;
	for (size_t d = 0; d < ndev; d++)
		devs[d] = group ? accel_group_device(group, d) : dev;
	if ((st = accel_model_input_info(model, 0, &in)) ||
	    (st = accel_model_output_info(model, 0, &out))) {
		fail("model", st);
		goto out;
	}
	if (in.rank != 4 || in.dim[1] != 1 || out.rank != 2 || out.dim[1] > MAX_CLASSES) {
		fprintf(stderr, "%s: %s: not an image classifier (input N x 1 x H x W, output "
			"N x K, K <= %d)\n", prog, argv[optind], MAX_CLASSES);
		goto out;
	}
	k = out.dim[1];
	pixels = in.dim[2] * in.dim[3];

	images = slurp(argv[optind + 1], &isize);
	labels = images ? slurp(argv[optind + 2], &lsize) : NULL;
	if (!labels)
		goto out;
	n = lsize;
	if (isize != n * pixels) {
		fprintf(stderr, "%s: %s: %zu bytes, %zu labels need %zu images of %llux%llu (%zu bytes)\n",
			prog, argv[optind + 1], isize, n, n, (unsigned long long)in.dim[3],
			(unsigned long long)in.dim[2], n * pixels);
		goto out;
	}
	if (limit && limit < n)
		n = limit;
	if (n == 0) {
		fprintf(stderr, "%s: %s: no labels, nothing to evaluate\n", prog, argv[optind + 2]);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (labels[i] >= k) {
			fprintf(stderr, "%s: %s: label %u of image %zu is not below %llu\n", prog,
				argv[optind + 2], labels[i], i, (unsigned long long)k);
			goto out;
		}
	}
	x = malloc(batch * pixels * sizeof(*x));
	y = malloc(batch * k * sizeof(*y));
	lat = malloc(((n + batch - 1) / batch + 1) * sizeof(*lat));
	if (!x || !y || !lat) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	for (size_t d = 0; d < ndev; d++) {
		if ((st = accel_device_counters(devs[d], cnt0[d]))) {
			fail("counters", st);
			goto out;
		}
	}

	t0 = now_s();
	for (size_t first = 0; first < n; first += batch) {
		size_t b = n - first < batch ? n - first : batch;
		const float *ins[1] = { x };
		float *outs[1] = { y };
		double t;

		for (size_t i = 0; i < b * pixels; i++)
			x[i] = (float)images[first * pixels + i] / 255.0f;
		t = now_s();
		if ((st = accel_model_run(model, (uint32_t)b, ins, outs))) {
			fail("run", st);
			goto out;
		}
		lat[nbatches++] = now_s() - t;
		for (size_t i = 0; i < b; i++) {
			uint64_t best = 0;

			for (uint64_t c = 1; c < k; c++)
				if (y[i * k + c] > y[i * k + best])
					best = c;
			confusion[labels[first + i]][best]++;
			correct += best == labels[first + i];
		}
		if (tty || (first / batch) % 20 == 19 || first + b == n)
			fprintf(stderr, "%sevaluate: %zu/%zu images, top-1 %.2f%% so far%s",
				tty ? "\r" : "", first + b, n, 100.0 * (double)correct / (double)(first + b),
				tty ? "" : "\n");
	}
	total = now_s() - t0;
	if (tty)
		fputc('\n', stderr);

	printf("model %s, precision %s, %zu device%s, batch %zu\n", argv[optind],
	       accel_precision_name(opts.precision),
	       ndev, ndev == 1 ? "" : "s", batch);
	printf("top-1 accuracy: %.2f%% (%llu of %zu)\n", 100.0 * (double)correct / (double)n,
	       (unsigned long long)correct, n);
	printf("confusion matrix (rows: true class, columns: predicted):\n%14s", "");
	for (uint64_t c = 0; c < k; c++)
		printf(" %5llu", (unsigned long long)c);
	printf("\n");
	for (uint64_t r = 0; r < k; r++) {
		printf("%2llu %-11.11s", (unsigned long long)r, r < nnames ? names[r] : "");
		for (uint64_t c = 0; c < k; c++)
			printf(" %5llu", (unsigned long long)confusion[r][c]);
		printf("\n");
	}
	qsort(lat, nbatches, sizeof(*lat), cmp_double);
	printf("throughput: %.1f images/s (%zu images in %.3f s)\n", (double)n / total, n, total);
	printf("latency per batch of %zu: p50 %.2f ms, p99 %.2f ms (%zu batches)\n", batch,
	       1e3 * lat[(nbatches - 1) / 2], 1e3 * lat[(nbatches * 99 + 99) / 100 - 1], nbatches);
	for (size_t d = 0; d < ndev; d++) {
		if ((st = accel_device_counters(devs[d], cnt1))) {
			fail("counters", st);
			goto out;
		}
		printf("device %zu (%s): busy %.1f ms (%.0f%% of the run), %llu jobs\n", d,
		       accel_device_name(devs[d]),
		       (double)(cnt1[ACCEL_CNT_BUSY_NS] - cnt0[d][ACCEL_CNT_BUSY_NS]) * 1e-6,
		       (double)(cnt1[ACCEL_CNT_BUSY_NS] - cnt0[d][ACCEL_CNT_BUSY_NS]) * 1e-7 / total,
		       (unsigned long long)(cnt1[ACCEL_CNT_JOBS] - cnt0[d][ACCEL_CNT_JOBS]));
	}
	rc = 0;
out:
	free(x);
	free(y);
	free(lat);
	free(images);
	free(labels);
	accel_model_free(model);
	accel_group_destroy(group);
	accel_close(dev);
	return rc;
}
