/* SPDX-License-Identifier: MIT */
/*
 * classify: load an image classifier (ONNX) with libaccel's model API and
 * classify images on an SNPU. The smallest complete program of its kind.
 *
 *   cc classify.c $(pkg-config --cflags --libs libaccel libpng) -lnetpbm -o classify
 *   ./classify [-d DEVICE|all] [-p fp32|fp16|int8|mixed] [-c CALIB.npy]
 *              [-C CACHE_DIR] [-l LABELS.txt] MODEL.onnx IMAGE...
 *
 * The model takes float32 N x 1 x H x W (pixel / 255, 8-bit grey) and gives
 * N x K class scores (probabilities, e.g. a final Softmax). IMAGE is a PNG
 * (read with libpng; colour is converted to grey) or a PGM (read with
 * netpbm's library) of exactly H x W pixels. For each image it prints
 *
 *   IMAGE: CLASS (CONFIDENCE%)
 *
 * where CLASS is line k of LABELS (default: the class number). DEVICE is
 * "sim", /dev/accel/accelN, or "all" (every SNPU, data parallel); the
 * default is $ACCEL_DEVICE, else the first SNPU. int8 and mixed quantize
 * after calibrating on CALIB.npy (images like the inputs); a precision the
 * library cannot lower the model to is an error, never a quiet fp32. With
 * -C the compiled model is kept in CACHE_DIR, so the next load skips the
 * calibration and compilation. Errors: one line on
 * stderr, exit status 1 (2 for bad usage).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/accel.h>
#include <netpbm/pgm.h>
#include <png.h>

#define MAX_CLASSES 1000

static const char *prog = "classify";

static int usage(void)
{
	fprintf(stderr, "usage: %s [-d DEVICE|all] [-p fp32|fp16|int8|mixed] [-c CALIB.npy] "
		"[-C CACHE_DIR] [-l LABELS.txt] MODEL.onnx IMAGE...\n", prog);
	return 2;
}

static int fail(const char *what, accel_status st)
{
	fprintf(stderr, "%s: %s: %s (%s)\n", prog, what, accel_last_error(), accel_strerror(st));
	return 1;
}

/* ---- images: 8-bit grey, h x w, scaled to [0, 1] into out ------------------ */
static char pbm_msg[256];
static void pbm_error(const char *msg)
{
	snprintf(pbm_msg, sizeof(pbm_msg), "%s", msg);
	pbm_msg[strcspn(pbm_msg, "\n")] = '\0';
}

static int read_pgm(const char *path, FILE *f, uint64_t h, uint64_t w, float *out)
{
	static jmp_buf jb;
	jmp_buf *old;
	gray **img = NULL;
	int cols, rows;
	gray maxval;

	/* netpbm reports errors by longjmp once given a jmp_buf (it would
	 * exit otherwise), the message through our function. */
	pm_setusererrormsgfn(pbm_error);
	pm_setjmpbufsave(&jb, &old);
	if (setjmp(jb)) {
		pm_setjmpbuf(old);
		fprintf(stderr, "%s: %s: not a valid PGM image: %s\n", prog, path, pbm_msg);
		return -1;
	}
	img = pgm_readpgm(f, &cols, &rows, &maxval);
	pm_setjmpbuf(old);
	if ((uint64_t)rows != h || (uint64_t)cols != w) {
		fprintf(stderr, "%s: %s: %dx%d pixels, the model takes %llux%llu\n", prog, path,
			cols, rows, (unsigned long long)w, (unsigned long long)h);
		pgm_freearray(img, rows);
		return -1;
	}
	for (int y = 0; y < rows; y++)
		for (int x = 0; x < cols; x++)
			out[y * cols + x] = (float)img[y][x] / (float)maxval;
	pgm_freearray(img, rows);
	return 0;
}

static int read_png(const char *path, uint64_t h, uint64_t w, float *out)
{
	png_image img;
	png_bytep px;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		fprintf(stderr, "%s: %s: not a valid PNG image: %s\n", prog, path, img.message);
		return -1;
	}
	if (img.height != h || img.width != w) {
		fprintf(stderr, "%s: %s: %ux%u pixels, the model takes %llux%llu\n", prog, path,
			img.width, img.height, (unsigned long long)w, (unsigned long long)h);
		png_image_free(&img);
		return -1;
	}
	img.format = PNG_FORMAT_GRAY;	/* libpng converts colour and depth */
	px = malloc(PNG_IMAGE_SIZE(img));
	if (!px) {
		fprintf(stderr, "%s: %s: out of memory\n", prog, path);
		png_image_free(&img);
		return -1;
	}
	if (!png_image_finish_read(&img, NULL, px, 0, NULL)) {
		fprintf(stderr, "%s: %s: not a valid PNG image: %s\n", prog, path, img.message);
		free(px);
		return -1;
	}
	for (uint64_t i = 0; i < h * w; i++)
		out[i] = (float)px[i] / 255.0f;
	free(px);
	return 0;
}

/* By content, not by name: PNG signature, else netpbm's magic "P1".."P6". */
static int read_image(const char *path, uint64_t h, uint64_t w, float *out)
{
	unsigned char sig[8] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n;
	int ret;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	n = fread(sig, 1, sizeof(sig), f);
	if (n == sizeof(sig) && !png_sig_cmp(sig, 0, sizeof(sig))) {
		fclose(f);
		return read_png(path, h, w, out);
	}
	if (n < 2 || sig[0] != 'P' || sig[1] < '1' || sig[1] > '6') {
		fprintf(stderr, "%s: %s: not an image (PNG or PGM)\n", prog, path);
		fclose(f);
		return -1;
	}
	rewind(f);
	ret = read_pgm(path, f, h, w, out);
	fclose(f);
	return ret;
}

/* Class names: one a line. */
static int read_labels(const char *path, char **names, size_t *count)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	*count = 0;
	while (*count < MAX_CLASSES && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		names[*count] = strdup(line);
		if (!names[(*count)++]) {
			fclose(f);
			fprintf(stderr, "%s: out of memory\n", prog);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	accel_model_options opts = ACCEL_MODEL_OPTIONS_INIT;
	const char *device = NULL, *labels = NULL;
	char *names[MAX_CLASSES];
	size_t nnames = 0;
	accel_device *dev = NULL;
	accel_group *group = NULL;
	accel_model *model = NULL;
	accel_tensor_info in, out;
	float *x = NULL, *y = NULL;
	accel_status st;
	int opt, rc = 0;

	pm_init(prog, 0);
	while ((opt = getopt(argc, argv, "d:p:c:C:l:h")) != -1) {
		switch (opt) {
		case 'd': device = optarg; break;
		case 'p':
			if (accel_precision_from_name(optarg, &opts.precision)) {
				fprintf(stderr, "%s: %s\n", prog, accel_last_error());
				return 2;
			}
			break;
		case 'c': opts.calibration = optarg; break;
		case 'C': opts.cache_dir = optarg; break;
		case 'l': labels = optarg; break;
		default: return usage();
		}
	}
	if (argc - optind < 2)
		return usage();
	if (labels && read_labels(labels, names, &nnames))
		return 1;

	/* One device, or all of them with the batch split across them. */
	if (device && !strcmp(device, "all")) {
		if ((st = accel_group_open("all", &group)))
			return fail("open all devices", st);
		st = accel_model_load_file_group(group, argv[optind], &opts, &model);
	} else {
		if ((st = accel_open(device, &dev)))
			return fail("open", st);
		st = accel_model_load_file(dev, argv[optind], &opts, &model);
	}
	if (st) {
		rc = fail("load", st);
		goto out;
	}
	if ((st = accel_model_input_info(model, 0, &in)) ||
	    (st = accel_model_output_info(model, 0, &out))) {
		rc = fail("model", st);
		goto out;
	}
	if (in.rank != 4 || in.dim[1] != 1 || out.rank != 2) {
		fprintf(stderr, "%s: %s: not an image classifier (input N x 1 x H x W, "
			"output N x K)\n", prog, argv[optind]);
		rc = 1;
		goto out;
	}
	x = malloc(in.dim[2] * in.dim[3] * sizeof(*x));
	y = malloc(out.dim[1] * sizeof(*y));
	if (!x || !y) {
		fprintf(stderr, "%s: out of memory\n", prog);
		rc = 1;
		goto out;
	}

	for (int i = optind + 1; i < argc; i++) {
		const float *ins[1] = { x };
		float *outs[1] = { y };
		uint64_t best = 0;

		if (read_image(argv[i], in.dim[2], in.dim[3], x)) {
			rc = 1;
			continue;
		}
		if ((st = accel_model_run(model, 1, ins, outs))) {
			rc = fail(argv[i], st);
			break;
		}
		for (uint64_t k = 1; k < out.dim[1]; k++)
			if (y[k] > y[best])
				best = k;
		if (best < nnames)
			printf("%s: %s (%.1f%%)\n", argv[i], names[best], 100.0 * y[best]);
		else
			printf("%s: class %llu (%.1f%%)\n", argv[i], (unsigned long long)best,
			       100.0 * y[best]);
	}
out:
	free(x);
	free(y);
	accel_model_free(model);
	accel_group_destroy(group);
	accel_close(dev);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	return rc;
}
