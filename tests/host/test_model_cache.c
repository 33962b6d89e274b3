// SPDX-License-Identifier: MIT
/*
 * The compiled-model cache (accel_model_options.cache_dir) on "sim": a
 * second load hits (compile skipped, outputs bit-identical, faster); a
 * change of the model's bytes, the batch, the precision, the flags, the
 * calibration method or data each misses; a truncated, corrupted, stale
 * (other format version), foreign (not a cache file) or misplaced (another
 * key's) file is rejected with its reason in the report, recompiled and
 * rewritten, and the next load hits again. A model with external data
 * files: a change of any byte the import reads from them misses.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libaccel_testutil.h"
#include "accel/model.h"
#include "npy.h"
#include "onnx_build.h"

static const char *const models[] = { "mlp", "lenet", "lenet_static", "resblock", "dwsep",
				      "concat_transpose" };

struct fixture {
	char dir[32];
	char model[1024], input[1024], calib[1024];
	accel_npy in;
	accel_device *dev;
};

static void setup(struct fixture *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/cacheXXXXXX");
	ck_assert(mkdtemp(f->dir));
	snprintf(f->model, sizeof(f->model), "%s/%s/model.onnx", MODEL_TEST_DIR, name);
	snprintf(f->input, sizeof(f->input), "%s/%s/input_b1.npy", MODEL_TEST_DIR, name);
	snprintf(f->calib, sizeof(f->calib), "%s/%s/input_bN.npy", MODEL_TEST_DIR,
		 strcmp(name, "lenet_static") ? name : "lenet");
	ck_accel(accel__npy_read_file(f->input, ACCEL_NPY_FP32, &f->in));
	f->dev = tu_open();
}

static void teardown(struct fixture *f)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	ck_assert_int_eq(system(cmd), 0);
	accel__npy_free(&f->in);
	accel_close(f->dev);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Load (from memory when data is given), run input_b1; the report's
 * "cache:" line into what, the output into out (100 floats). */
static double load_run(struct fixture *f, const accel_model_options *o, const void *data,
		       size_t size, float *out, char *what, size_t whatlen)
{
	const float *ins[1] = { f->in.data };
	float *outs[1] = { out };
	accel_model *m;
	const char *c;
	double t = now();

	if (data)
		ck_accel(accel_model_load_memory(f->dev, data, size, f->model, NULL, o, &m));
	else
		ck_accel(accel_model_load_file(f->dev, f->model, o, &m));
	t = now() - t;
	memset(out, 0, 100 * sizeof(float));
	ck_accel(accel_model_run(m, 1, ins, outs));
	c = strstr(accel_model_report(m), "cache: ");
	ck_assert_msg(c, "%s", accel_model_report(m));
	snprintf(what, whatlen, "%.*s", (int)strcspn(c, "\n"), c);
	accel_model_free(m);
	return t;
}

/* The one cache file of the directory. */
static void cache_file(const struct fixture *f, char *path, size_t len, unsigned int *count)
{
	struct dirent *de;
	DIR *d = opendir(f->dir);

	ck_assert(d);
	*count = 0;
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".snpuc"))
			continue;
		snprintf(path, len, "%s/%s", f->dir, de->d_name);
		(*count)++;
	}
	closedir(d);
}

/* The number of cache files in dir. */
static void cache_file_in(const char *dir, unsigned int *count)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	ck_assert(d);
	*count = 0;
	while ((de = readdir(d)))
		*count += strstr(de->d_name, ".snpuc") != NULL;
	closedir(d);
}

static void expect(const char *what, const char *needle)
{
	ck_assert_msg(strstr(what, needle), "want '%s', got '%s'", needle, what);
}

static void check_hit(const char *name, accel_precision prec)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	struct fixture f;
	float a[100], b[100];
	char w[512];
	double t1, t2;

	setup(&f, name);
	o.cache_dir = f.dir;
	o.precision = prec;
	o.calibration = f.calib;
	t1 = load_run(&f, &o, NULL, 0, a, w, sizeof(w));
	expect(w, "cache: miss");
	t2 = load_run(&f, &o, NULL, 0, b, w, sizeof(w));
	expect(w, "cache: hit");
	ck_assert(!memcmp(a, b, sizeof(a)));
	printf("%s %s: load %.2f ms compiling, %.2f ms from the cache\n", name,
	       prec == ACCEL_PRECISION_INT8 ? "int8" : "fp32", t1 * 1e3, t2 * 1e3);
	teardown(&f);
}

START_TEST(test_hit_fp32)
{
	check_hit(models[_i], ACCEL_PRECISION_FP32);
}
END_TEST

START_TEST(test_hit_int8)
{
	check_hit(models[_i], ACCEL_PRECISION_INT8);
}
END_TEST

/* Every input of the key: a change misses (and writes a second file). */
START_TEST(test_miss)
{
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT, v;
	struct fixture f;
	float out[100];
	char w[512], path[1100], cal2[1100], cmd[2400];
	unsigned int count, expect_files = 1, k;
	void *data;
	size_t size;
	FILE *fp;

	setup(&f, "lenet");
	o.cache_dir = f.dir;
	o.precision = ACCEL_PRECISION_INT8;
	o.calibration = f.calib;
	load_run(&f, &o, NULL, 0, out, w, sizeof(w));
	expect(w, "cache: miss");
	for (k = 0; k < 7; k++) {
		v = o;
		switch (k) {
		case 0: v.batch = 2; break;
		case 1: v.precision = ACCEL_PRECISION_FP16; break;
		case 2: v.flags = ACCEL_MODEL_NO_FUSION; break;
		case 3: v.calibration_method = ACCEL_CALIB_PERCENTILE; break;
		case 4: v.percentile = 99.0f; v.calibration_method = ACCEL_CALIB_PERCENTILE; break;
		case 5:	/* other calibration data (same shape, other bytes) */
			snprintf(cal2, sizeof(cal2), "%s/cal2.npy", f.dir);
			snprintf(cmd, sizeof(cmd), "cp %s %s", f.input, cal2);
			ck_assert_int_eq(system(cmd), 0);
			v.calibration = cal2;
			break;
		default:	/* the flag that only changes the lowering: a hit */
			v.flags = ACCEL_MODEL_PROFILE;
			break;
		}
		load_run(&f, &v, NULL, 0, out, w, sizeof(w));
		expect(w, k == 6 ? "cache: hit" : "cache: miss");
		expect_files += k == 6 ? 0 : 1;
		cache_file(&f, path, sizeof(path), &count);
		ck_assert_uint_eq(count, expect_files);
	}
	/* the model's bytes: the same model with a doc_string appended (field 6) */
	fp = fopen(f.model, "rb");
	ck_assert(fp);
	ck_assert(!fseek(fp, 0, SEEK_END));
	size = (size_t)ftell(fp);
	rewind(fp);
	data = malloc(size + 3);
	ck_assert(data && fread(data, 1, size, fp) == size);
	fclose(fp);
	memcpy((char *)data + size, "\x32\x01x", 3);
	load_run(&f, &o, data, size + 3, out, w, sizeof(w));
	expect(w, "cache: miss");
	load_run(&f, &o, data, size + 3, out, w, sizeof(w));
	expect(w, "cache: hit");
	free(data);
	teardown(&f);
}
END_TEST

/* Damage the file, reload: rejected with the reason, recompiled (same
 * output), rewritten (the next load hits). */
START_TEST(test_reject)
{
	static const char *const reason[] = { "truncated", "checksum mismatch",
					      "not an SNPU compiled-model cache file",
					      "format version", "key differs", "truncated" };
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT;
	struct fixture f;
	float ref[100], out[100];
	char w[512], path[1100];
	unsigned int count, k = (unsigned int)_i;
	uint8_t *buf;
	size_t size;
	FILE *fp;

	setup(&f, "resblock");
	o.cache_dir = f.dir;
	o.precision = ACCEL_PRECISION_INT8;
	o.calibration = f.calib;
	load_run(&f, &o, NULL, 0, ref, w, sizeof(w));
	cache_file(&f, path, sizeof(path), &count);
	ck_assert_uint_eq(count, 1);
	fp = fopen(path, "rb");
	ck_assert(fp);
	ck_assert(!fseek(fp, 0, SEEK_END));
	size = (size_t)ftell(fp);
	rewind(fp);
	buf = malloc(size);
	ck_assert(buf && fread(buf, 1, size, fp) == size);
	fclose(fp);
	switch (k) {
	case 0: size = size / 2; break;			/* truncated */
	case 1: buf[size - 100] ^= 0x40; break;		/* a flipped bit */
	case 2: memcpy(buf, "\x93NUMPY\x01\x00", 8); break;	/* foreign */
	case 3: buf[8] = 99; break;			/* other format version */
	case 4: buf[20] ^= 1; break;			/* another key's file */
	default: size = 10; break;			/* shorter than the header */
	}
	fp = fopen(path, "wb");
	ck_assert(fp && fwrite(buf, 1, size, fp) == size);
	fclose(fp);
	free(buf);
	load_run(&f, &o, NULL, 0, out, w, sizeof(w));
	expect(w, "rejected");
	expect(w, reason[k]);
	expect(w, "recompiled");
	ck_assert(!memcmp(ref, out, sizeof(out)));
	load_run(&f, &o, NULL, 0, out, w, sizeof(w));
	expect(w, "cache: hit");
	/* a directory where the file should be: not a crash, a miss */
	if (k == 0) {
		ck_assert(!unlink(path));
		ck_assert(!mkdir(path, 0700));
		load_run(&f, &o, NULL, 0, out, w, sizeof(w));
		ck_assert_msg(strstr(w, "miss") || strstr(w, "not written"), "%s", w);
		ck_assert(!rmdir(path));
	}
	teardown(&f);
}
END_TEST

/* ---- external data: y = x W + B, W and B in one external file ------------ */
#define EXT_K 8
#define EXT_N 4
#define EXT_W_OFF 0		/* W: EXT_K*EXT_N floats */
#define EXT_B_OFF 144		/* B: EXT_N floats; 16 unread bytes before it */
#define EXT_FILE_BYTES (EXT_B_OFF + EXT_N * 4 + 16)	/* and 16 after it */

/* Make the initializer t's data external: location w.bin at off. */
static void make_external(Onnx__TensorProto *t, Onnx__StringStringEntryProto *e,
			  Onnx__StringStringEntryProto **ep, char *offset)
{
	static char loc_k[] = "location", loc_v[] = "w.bin", off_k[] = "offset";
	int i;

	for (i = 0; i < 2; i++) {
		onnx__string_string_entry_proto__init(&e[i]);
		ep[i] = &e[i];
	}
	e[0].key = loc_k;
	e[0].value = loc_v;
	e[1].key = off_k;
	e[1].value = offset;
	t->has_raw_data = 0;
	t->raw_data.len = 0;
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	t->n_external_data = 2;
	t->external_data = ep;
}

static void ext_write(const char *path, const uint8_t *buf, size_t n)
{
	FILE *fp = fopen(path, "wb");

	ck_assert(fp && fwrite(buf, 1, n, fp) == n);
	ck_assert(!fclose(fp));
}

/* Load dir/model.onnx, run x; the report's cache line into what (NULL:
 * the load must fail, its message into what). */
static accel_status ext_load_run(accel_device *dev, const char *model,
				 const accel_model_options *o, const float *x, float *y,
				 char *what, size_t len)
{
	const float *ins[1] = { x };
	float *outs[1] = { y };
	accel_model *m;
	accel_status st;
	const char *c;

	st = accel_model_load_file(dev, model, o, &m);
	if (st) {
		snprintf(what, len, "%s", accel_last_error());
		return st;
	}
	ck_accel(accel_model_run(m, 1, ins, outs));
	c = strstr(accel_model_report(m), "cache: ");
	ck_assert_msg(c, "%s", accel_model_report(m));
	snprintf(what, len, "%.*s", (int)strcspn(c, "\n"), c);
	accel_model_free(m);
	return ACCEL_OK;
}

static void ext_check(const uint8_t *file, const float *x, const float *y)
{
	int j, i;

	for (j = 0; j < EXT_N; j++) {
		float w, bias, want;
		double acc;

		memcpy(&bias, file + EXT_B_OFF + 4 * j, 4);
		acc = bias;
		for (i = 0; i < EXT_K; i++) {
			memcpy(&w, file + EXT_W_OFF + 4 * (i * EXT_N + j), 4);
			acc += (double)x[i] * w;
		}
		want = (float)acc;
		ck_assert_msg(fabsf(y[j] - want) <= 1e-4f * (1.0f + fabsf(want)),
			      "y[%d] = %g, want %g", j, (double)y[j], (double)want);
	}
}

START_TEST(test_external_data)
{
	Onnx__StringStringEntryProto ew[2], eb[2], *ewp[2], *ebp[2];
	char model[128], bin[128], w[512], w2[512], woff[16], boff[16];
	float x[EXT_K], y[EXT_N], y0[EXT_N], zero[EXT_K * EXT_N] = { 0 };
	uint8_t file[EXT_FILE_BYTES];
	accel_model_options o = ACCEL_MODEL_OPTIONS_INIT, nocache = ACCEL_MODEL_OPTIONS_INIT;
	accel_device *dev = tu_open();
	char dir[32] = "/tmp/cachextXXXXXX", cmd[64];
	struct ob *b = ob_new(13);
	unsigned int i, count;
	uint8_t *buf;
	size_t size;
	FILE *fp;

	ck_assert(mkdtemp(dir));
	snprintf(model, sizeof(model), "%s/model.onnx", dir);
	snprintf(bin, sizeof(bin), "%s/w.bin", dir);
	for (i = 0; i < sizeof(file); i++)	/* the unread gaps too */
		file[i] = (uint8_t)(0xa5 ^ i);
	for (i = 0; i < EXT_K * EXT_N; i++) {
		float v = ((float)(i * 7 % 11) - 5.0f) * 0.125f;

		memcpy(file + EXT_W_OFF + 4 * i, &v, 4);
	}
	for (i = 0; i < EXT_N; i++) {
		float v = 0.25f * (float)i - 0.5f;

		memcpy(file + EXT_B_OFF + 4 * i, &v, 4);
	}
	for (i = 0; i < EXT_K; i++)
		x[i] = 0.5f - 0.0625f * (float)i;
	ext_write(bin, file, sizeof(file));
	/* the model: data placeholders replaced by external references */
	ob_input(b, "x", 2, (int64_t[]){ 1, EXT_K });
	ob_output(b, "y");
	snprintf(woff, sizeof(woff), "%d", EXT_W_OFF);
	snprintf(boff, sizeof(boff), "%d", EXT_B_OFF);
	make_external(ob_init_f32(b, "W", 2, (int64_t[]){ EXT_K, EXT_N }, zero), ew, ewp, woff);
	make_external(ob_init_f32(b, "B", 1, (int64_t[]){ EXT_N }, zero), eb, ebp, boff);
	ob_node(b, "MatMul", "mm", "x,W", "h");
	ob_node(b, "Add", "add", "h,B", "y");
	buf = ob_pack(b, &size);
	ext_write(model, buf, size);
	free(buf);
	ob_free(b);

	o.cache_dir = dir;
	ck_accel(ext_load_run(dev, model, &o, x, y0, w, sizeof(w)));
	expect(w, "cache: miss");
	ext_check(file, x, y0);
	ck_accel(ext_load_run(dev, model, &o, x, y, w, sizeof(w)));
	expect(w, "cache: hit");
	ck_assert(!memcmp(y, y0, sizeof(y)));
	/* a byte the import does not read (between W and B): still a hit */
	file[EXT_W_OFF + 4 * EXT_K * EXT_N + 3] ^= 0xff;
	ext_write(bin, file, sizeof(file));
	ck_accel(ext_load_run(dev, model, &o, x, y, w, sizeof(w)));
	expect(w, "cache: hit");
	/* one byte of W (the high byte of W[0][1]), then of B[3]: each a
	 * miss with the new weights' output, then a hit */
	for (i = 0; i < 2; i++) {
		file[i ? EXT_B_OFF + 4 * 3 + 3 : EXT_W_OFF + 4 * 1 + 3] ^= 0x01;
		ext_write(bin, file, sizeof(file));
		ck_accel(ext_load_run(dev, model, &o, x, y, w, sizeof(w)));
		expect(w, "cache: miss");
		ext_check(file, x, y);
		ck_assert(memcmp(y, y0, sizeof(y)));
		memcpy(y0, y, sizeof(y));
		ck_accel(ext_load_run(dev, model, &o, x, y, w, sizeof(w)));
		expect(w, "cache: hit");
		ck_assert(!memcmp(y, y0, sizeof(y)));
	}
	cache_file_in(dir, &count);
	ck_assert_uint_eq(count, 3);
	/* a short file, then none: the import's error, with or without a cache */
	for (i = 0; i < 2; i++) {
		if (i) {
			ck_assert(!unlink(bin));
		} else {
			fp = fopen(bin, "r+b");
			ck_assert(fp && !ftruncate(fileno(fp), EXT_B_OFF + 8));
			fclose(fp);
		}
		ck_assert_int_eq(ext_load_run(dev, model, &nocache, x, y, w2, sizeof(w2)),
				 ACCEL_ERR_MODEL);
		ck_assert_int_eq(ext_load_run(dev, model, &o, x, y, w, sizeof(w)),
				 ACCEL_ERR_MODEL);
		ck_assert_str_eq(w, w2);
		expect(w, i ? "initializer 'W'" : "initializer 'B'");
		expect(w, i ? "cannot open external data" : "too short");
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	accel_close(dev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_cache");
	TCase *tc = tcase_create("cache");
	int n = (int)(sizeof(models) / sizeof(models[0]));

	setvbuf(stdout, NULL, _IOLBF, 0);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_hit_fp32, 0, n);
	tcase_add_loop_test(tc, test_hit_int8, 0, n);
	tcase_add_test(tc, test_miss);
	tcase_add_loop_test(tc, test_reject, 0, 6);
	tcase_add_test(tc, test_external_data);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
